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
#include "reluscape/rng.h"

#define RS_REGIONS_MAX_ROWS ((int64_t)1 << 22)       /* rows one dataset may have */
#define RS_REGIONS_MAX_CANDIDATES ((double)(1 << 28)) /* patterns the enumeration may test */
#define RS_REGIONS_GP_TOL 1e-9 /* general position: a point nearer a hyperplane than this (relative) is degenerate */
#define RS_REGIONS_BITMAP_N 20 /* rows this short are told apart by a 2^n-bit map (128 KiB) */

typedef struct rs_regions {
    int n, p, words;     /* words = ceil(n / 64) per row */
    int64_t count;       /* realizable rows */
    uint64_t *rows;      /* [count][words], bit i = point i active; in enumeration order */
    uint64_t *seen;      /* n <= RS_REGIONS_BITMAP_N: bit v set when row v is realizable */
    int64_t *slot;       /* longer rows: hash table of row indices + 1; neither: every pattern */
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
/* The same rows for drawing from them (the region sampler): p = 3, n >= 3 listed through
 * a plane chart, each row once and without a lookup table (rs_regions_list_chart; r->nslot
 * = -1); otherwise, or where the chart is degenerate, rs_regions_build.  Same returns. */
int rs_regions_list(rs_regions *r, const double *xt, int p, int n);
/* p = 3: the cells below the chart's lines, the cell above each vertex and the
 * complements of the bounded ones (order in src/regions_chart.c): 2 + n (n - 1) rows in
 * about n^3 products (binom(n, 2) crossings, two a point).  0; -1 out of memory or too
 * large; -3 the chart or the data are degenerate (a point within RS_REGIONS_GP_TOL of
 * x_0 = 0, two nearly parallel lines, three nearly dependent points): rs_regions_build
 * decides those. */
int rs_regions_list_chart(rs_regions *r, const double *xt, int n);
void rs_regions_free(rs_regions *r);
/* A hash of the dataset xt (p x n), to tell whether enumerated rows are still its own. */
uint64_t rs_regions_data_key(const double *xt, int p, int n);
/* Is row (words words) one of the rows of r (built with rc 0)?  -1 when r has no lookup
 * (listed by rs_regions_list_chart). */
int rs_regions_contains(const rs_regions *r, const uint64_t *row);

/* One realizable row drawn uniformly without enumerating them (the region sampler's draw
 * off the 1-D fast path).
 *
 * n > p: rejection from the extreme rays.  An attempt draws a (p-1)-subset S of the
 * points, a sign and a side for each point of S; that names an extreme ray (the sign
 * times the last column of the Householder QR of the points of S, their null space) and
 * one of the 2^(p-1) cells around it, so a cell C comes
 * with probability m(C) / (2^p binom(n, p-1)), m(C) its number of extreme rays.  The walk
 * counts m(C) over C's vertex graph (in general position each extreme ray is tight on
 * p - 1 points; an edge drops one of them, and the first other point to become tight
 * along it joins).  The attempt is accepted with probability p / m(C) (a pointed cone of
 * R^p has m >= p extreme rays), so every cell is accepted with probability p / (2^p
 * binom(n, p-1)): the row is uniform over the C(n, p) cells.
 * Draw order of an attempt: rs_uniform_index(n - q) for q = 0..p-2 (a partial Fisher-Yates
 * shuffle of 0..n-1; S its first p - 1 entries, sorted); a word `side` (bit 0 set: sign
 * -1; bit q + 1: the side of S[q]); a word u, the first 64 bits of a uniform U, accepted
 * iff U < p / m exactly (rs_below_ratio: more words only on a tie, probability 2^-64).
 * The walk stops, rejecting, once it has found p 2^64 / u rays (then U >= p / m), so a
 * rejection costs about p / U vertices instead of m.
 *
 * n <= p: every row is realizable when the points are independent (checked once per
 * dataset): the row is n bits of words drawn in order (bit i % 64 of word i / 64).
 * Data not in general position where the draw looks (a point within 1e-9 relative of a
 * ray's hyperplane, dependent points) give -2, never a biased row.  Local. */
typedef struct rs_region_walk {
    int n, p, k;        /* k = p - 1 */
    uint64_t key;       /* rs_regions_data_key of the prepared data */
    int independent;    /* n <= p: the points are independent */
    double *norm;       /* |x~_i| */
    double *xc;         /* the points coordinate-major: xc[c n + i] = x~_ic */
    double *a;          /* sgn_i <x~_i, r> at the vertex being visited */
    double *c;          /* sgn_i / a_i off the vertex's points, NaN on them */
    double *sgn;        /* the cell's sides: +1 active, -1 not */
    int *perm, *mark;   /* subset draws; T's members (mark[i] == stamp) */
    int stamp;
    int avx2;           /* the passes over the points run four at a time (same bits) */
    double *r, *d;      /* a vertex's ray, an edge's direction */
    double *mat, *tau, *rdiag; /* the vertex's Householder QR (p x (p-1)), its scales, R's diagonal */
    int *verts;         /* visited vertices: (k + 2) ints each: T sorted, entered point, left point */
    int64_t nverts, vcap;
    int64_t *vslot;     /* hash table of vertex indices + 1 */
    int64_t nvslot;
} rs_region_walk;
/* About the work of one draw, in multiply-adds (about a nanosecond each, measured): a
 * cell has M = 2^p binom(n, p-1) / C(n, p) extreme rays on average, a row costs M / p
 * attempts whose walks stop after about p (1 + ln(M / p)) vertices, and a vertex costs a
 * QR factorisation and p solves (about p^3) and p passes over the points (n p each). */
double rs_region_draw_cost(int n, int p);
#define RS_REGIONS_MAX_DRAW_COST 1e9 /* a second or so per row: beyond it sampling is refused */
/* A unit of the enumeration against one of the walk: break-even fitted at n = 20-100 and
 * about n / 120 below (p = 2-8; docs/performance.md, "Listing rows faster"); draw order
 * version 7. */
#define RS_REGIONS_ENUMERATE_WEIGHT 0.14
/* p = 3: listing through the chart takes about binom(n, 2) (RS_REGIONS_CHART_PAIR +
 * RS_REGIONS_CHART_POINT n) ns, a walk RS_REGIONS_WALK3_ROW + RS_REGIONS_WALK3_POINT n ns
 * a row (fitted at n = 20-200 on AVX-512; docs/performance.md, "The eighth round"; draw
 * order version 9): the walk's model above overweights n at p = 3. */
#define RS_REGIONS_CHART_PAIR 33.0
#define RS_REGIONS_CHART_POINT 0.33
#define RS_REGIONS_WALK3_ROW 2550.0
#define RS_REGIONS_WALK3_POINT 9.0
/* Whether sampling `rows` rows from one dataset (d1 x sweep.patterns_per_dataset) is
 * cheaper by listing the dataset's realizable rows once (rs_regions_list; p = 3 the chart's
 * model above; otherwise binom(n, p-1) 2^p n p units
 * of RS_REGIONS_ENUMERATE_WEIGHT min(1, n/17) each, within RS_REGIONS_MAX_*) than by rows draws
 * (rs_region_draw_cost each).  Both give each row iid
 * uniform over the realizable rows; they read other words of the stream, so the choice
 * depends on the cell and the config only (docs/CONVENTIONS.md, region draw order). */
int rs_region_enumerate_cheaper(int n, int p, double rows);
/* Ready w for data xt (p x n; p <= 63 unless n <= p): 0, -1 out of memory or p too large, -2 n <= p and
 * the points dependent.  Cheap when the data are those of the last call. */
int rs_region_walk_prepare(rs_region_walk *w, const double *xt, int p, int n);
/* Draw one row into row (ceil(n/64) words, bit i = point i active).  0, -1 out of memory,
 * -2 not in general position. */
int rs_region_draw(rs_region_walk *w, const double *xt, rs_stream *s, uint64_t *row);
/* The number of extreme rays of the cell around the ray sign * (the null vector of the
 * points S, sorted, as rs_region_draw computes it) on the side of row (S's bits choose the side on S), or limit when it
 * has at least that many: -2 degenerate (see above), -1 out of memory.  The walk of
 * rs_region_draw, exposed for the tests. */
int64_t rs_region_cell_rays(rs_region_walk *w, const double *xt, const int *S, int sign, const uint64_t *row,
                            int64_t limit);
void rs_region_walk_free(rs_region_walk *w);

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
