/* regions.h - the realizable rows of a dataset: every dichotomy of the points x~_i (p x n)
 * cut by a hyperplane through the origin of R^p, i.e. every non-empty cell of the central
 * arrangement of the n hyperplanes {w : <w, x~_i> = 0}.
 *
 * Enumeration (points in general position): every cell is a pointed cone with an extreme
 * ray, the intersection of p - 1 of the hyperplanes; around the ray +-r of a (p-1)-subset
 * S the 2^(p-1) sign choices on S with sign <r, x~_i> elsewhere are the cells it bounds.
 * So the cells are the distinct patterns over all (p-1)-subsets, both rays and all sign
 * choices on S.  In general position their number is Cover's C(n, p) = 2 sum_{k<p}
 * binom(n-1, k); fewer means the data are not in general position (repeated or coplanar
 * points), and rs_regions_build refuses them instead of sampling a biased set.  Local. */
#ifndef RELUSCAPE_REGIONS_H
#define RELUSCAPE_REGIONS_H

#include <stddef.h>
#include <stdint.h>

#define RS_REGIONS_MAX_ROWS ((int64_t)1 << 22)       /* rows one dataset may have */
#define RS_REGIONS_MAX_CANDIDATES ((double)(1 << 28)) /* patterns the enumeration may test */

typedef struct rs_regions {
    int n, p, words;     /* words = ceil(n / 64) per row */
    int64_t count;       /* realizable rows */
    uint64_t *rows;      /* [count][words], bit i = point i active; in enumeration order */
} rs_regions;

/* Cover's count C(n, p) (a double: it may be huge). */
double rs_cover_count(int n, int p);
/* Patterns the enumeration tests for (n, p): binom(n, p-1) 2^p. */
double rs_regions_candidates(int n, int p);

/* Enumerate the rows of xt (p x n column-major).  0; -1 out of memory or too large
 * (RS_REGIONS_MAX_*); -2 not in general position (fewer rows than Cover's count: the
 * count found is in r->count). */
int rs_regions_build(rs_regions *r, const double *xt, int p, int n);
void rs_regions_free(rs_regions *r);

#endif
