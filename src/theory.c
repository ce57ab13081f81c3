/* theory.c - closed forms and the transition estimate (theory.h). */
#include <math.h>
#include <stdlib.h>

#include "reluscape/stats.h"
#include "reluscape/theory.h"

double rs_log2_cover_count(int n, int p)
{
    if (n < 1 || p < 1) return NAN;
    /* log2 binom(n-1, k) for k < min(p, n), summed relative to the largest term */
    int top = p < n ? p : n;
    double mx = -INFINITY, sum = 0;
    for (int k = 0; k < top; k++) {
        double l = (lgamma(n) - lgamma(k + 1.0) - lgamma((double)n - k)) / log(2.0);
        if (l > mx) mx = l;
    }
    for (int k = 0; k < top; k++) sum += exp2((lgamma(n) - lgamma(k + 1.0) - lgamma((double)n - k)) / log(2.0) - mx);
    return 1 + mx + log2(sum);
}

double rs_all_patterns_bound(int d0, int d1, int n)
{
    int blocks = (n + d0 - 1) / d0; /* ceil(n / d0) */
    double b = 1 - d0 * exp2((double)blocks - d1);
    return b > 0 ? b : 0;
}

double rs_nonempty_d0_ge_n(int d0, int d1, int n)
{
    if (d0 < n) return NAN;
    /* 1 - 2^-d1 is exact up to d1 = 53; beyond, log1p keeps the digits */
    return d1 <= 53 ? pow(1 - exp2(-(double)d1), n) : exp((double)n * log1p(-exp2(-(double)d1)));
}

/* First crossing of 1/2 by the values f (NaN: skip). */
static double crossing(const double *x, const double *f, int len)
{
    int prev = -1;
    for (int i = 0; i < len; i++) {
        if (isnan(f[i])) continue;
        if (f[i] >= 0.5) {
            if (prev < 0) return NAN; /* at or above 1/2 from the first point: below the grid */
            return x[prev] + (0.5 - f[prev]) / (f[i] - f[prev]) * (x[i] - x[prev]);
        }
        prev = i;
    }
    return NAN;
}

void rs_transition(const double *x, const int64_t *k, const int64_t *N, int len, double z, double *at, double *lo,
                   double *hi)
{
    *at = *lo = *hi = NAN;
    double *f = malloc(3 * (size_t)(len > 0 ? len : 1) * sizeof *f), *flo = f + len, *fhi = flo + len;
    if (!f) return;
    for (int i = 0; i < len; i++) {
        if (N[i] <= 0) {
            f[i] = flo[i] = fhi[i] = NAN;
            continue;
        }
        f[i] = (double)k[i] / (double)N[i];
        rs_wilson(k[i], N[i], z, &flo[i], &fhi[i]);
    }
    *at = crossing(x, f, len);
    *lo = crossing(x, fhi, len);
    *hi = crossing(x, flo, len);
    free(f);
}
