/* theory.h - the closed forms the measurements are compared with (docs/science.md §3)
 * and the transition estimate of /analysis.  Pure functions of the cell's shape or of
 * counts; local. */
#ifndef RELUSCAPE_THEORY_H
#define RELUSCAPE_THEORY_H

#include <stdint.h>

/* log2 of Cover's count C(n, p) = 2 sum_{k<p} binom(n-1, k), finite for any size. */
double rs_log2_cover_count(int n, int p);

/* The explicit sufficient bound for the full-rank fraction over all patterns (§3.1):
 * max(0, 1 - d0 2^(ceil(n/d0) - d1)). */
double rs_all_patterns_bound(int d0, int d1, int n);

/* The full-rank fraction over non-empty regions when d0 >= n (every pattern is a region,
 * full rank iff no point fires no neuron): (1 - 2^-d1)^n; NaN when d0 < n. */
double rs_nonempty_d0_ge_n(int d0, int d1, int n);

/* Where a fraction along an increasing axis x[0..len) first crosses 1/2: the fraction is
 * k[i] / N[i] (points with N[i] = 0 are skipped); between the last point below 1/2 and the
 * first at or above it, linearly interpolated.  *at = that x, NaN when the first counted
 * point is already at or above 1/2 or no point reaches it.  *lo and *hi are the same
 * crossing of the upper and of the lower bound of the Wilson interval at normal quantile z
 * (the upper bound reaches 1/2 first), each NaN like *at when it does not cross (all
 * three NaN when out of memory). */
void rs_transition(const double *x, const int64_t *k, const int64_t *N, int len, double z, double *at, double *lo,
                   double *hi);

#endif
