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

#include "reluscape/lp.h"
#include "reluscape/pattern.h"

#define RS_REGIONS_MAX_ROWS ((int64_t)1 << 22)       /* rows one dataset may have */
#define RS_REGIONS_MAX_CANDIDATES ((double)(1 << 28)) /* patterns the enumeration may test */

typedef struct rs_regions {
    int n, p, words;     /* words = ceil(n / 64) per row */
    int64_t count;       /* realizable rows */
    uint64_t *rows;      /* [count][words], bit i = point i active; in enumeration order */
    int64_t *slot;       /* hash table of row indices + 1 (rs_regions_contains); NULL: every pattern */
    int64_t nslot;
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
/* A hash of the dataset xt (p x n), to tell whether enumerated rows are still its own. */
uint64_t rs_regions_data_key(const double *xt, int p, int n);
/* Is row (words words) one of the rows of r (built with rc 0)? */
int rs_regions_contains(const rs_regions *r, const uint64_t *row);

/* Is the pattern A a non-empty region of xt (p = d0 + bias rows, A->n columns), i.e. is
 * every row a realizable dichotomy?  Stops at the first row that is not.  d0 = 1 with
 * bias: the threshold test on the sorted points (a row is realizable iff tied points agree
 * and it changes at most once along them), O(n log n) per pattern; otherwise the strict
 * per-neuron LP of lp.h, only when p = d0 + bias <= max_lp_p (the exact proof of a "no"
 * grows fast with p).  1 yes, 0 no, 2 not decided (the LP would be needed and p >
 * max_lp_p), -1 out of memory, non-finite data or solver failure. */
typedef struct rs_realizable_work {
    rs_lp_work lp;
    rs_regions rows;   /* the enumerated rows of the last dataset, when small (exact lookups) */
    uint64_t key;      /* which dataset they are of */
    int have;          /* 1 enumerated, -1 refused (too large, not general position) */
    uint64_t *row;
    size_t row_cap;
    int *support;      /* a float Gordan certificate's points */
    size_t support_cap;
    void *keyed;    /* sorted (x, i) pairs of the 1-D test */
    size_t keyed_cap;
} rs_realizable_work;
int rs_pattern_realizable(const rs_pattern *A, const double *xt, int d0, int bias, double max_work, int max_lp_p,
                          rs_realizable_work *w);
void rs_realizable_work_free(rs_realizable_work *w);

/* The number of realizable rows of xt (p = d0 + bias, n points), exactly, for any data:
 * d0 = 1 with bias, 2 per distinct value; otherwise points on one line through the origin
 * are merged (their bits are tied: equal for the same direction, opposite for antipodal
 * ones; a zero point admits no row), the rest enumerated (rs_regions_build), and if they
 * are still not in general position, every pattern of at most RS_REGIONS_LP_POINTS of
 * them tested by the LP.  -1 when that would take more than max_work point tests
 * (rs_regions_candidates(m, p) m), or on out of memory. */
#define RS_REGIONS_LP_POINTS 12
int64_t rs_regions_count_rows(const double *xt, int d0, int bias, int n, double max_work);

#endif
