/* test_regions.c - the realizable rows of a dataset (regions.h) against an independent
 * answer: for small n every one of the 2^n patterns is tested by the per-neuron LP of the
 * region module (lp.h: a strict-margin feasibility problem) and the enumeration must be
 * exactly the feasible ones; their number is Cover's C(n, p) in general position and below
 * it with a repeated point (refused); the general region sampler is uniform over them
 * (chi-square) and in 1-D with bias gives exactly the 2n step vectors. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "reluscape/lp.h"
#include "reluscape/pattern.h"
#include "reluscape/regions.h"
#include "reluscape/rng.h"

static void gaussian_data(double *xt, int d0, int bias, int n, uint64_t seed)
{
    rs_stream s;
    rs_stream_init(&s, seed, 7, 0, RS_STREAM_DATA);
    int p = d0 + bias;
    for (int i = 0; i < n; i++) {
        for (int r = 0; r < d0; r++) xt[(size_t)i * p + r] = rs_normal(&s);
        if (bias) xt[(size_t)i * p + d0] = 1.0;
    }
}

/* Is pattern `bits` (n bits) a row of r? */
static int has_row(const rs_regions *r, uint64_t bits)
{
    for (int64_t q = 0; q < r->count; q++)
        if (r->rows[q] == bits) return 1;
    return 0;
}

/* The enumeration equals the LP-feasible patterns among all 2^n. */
static void check_against_lp(int d0, int bias, int n, uint64_t seed)
{
    int p = d0 + bias;
    double xt[64 * 8];
    gaussian_data(xt, d0, bias, n, seed);
    rs_regions r;
    int rc = rs_regions_build(&r, xt, p, n);
    CHECK(rc == 0, "d0=%d bias=%d n=%d: built (rc %d)", d0, bias, n, rc);
    CHECK((double)r.count == rs_cover_count(n, p), "d0=%d bias=%d n=%d: %lld rows = Cover's %.0f", d0, bias, n,
          (long long)r.count, rs_cover_count(n, p));
    rs_pattern A;
    rs_lp_work w = {0};
    rs_pattern_alloc(&A, 1, n);
    int agree = 1, feasible = 0;
    for (uint64_t bits = 0; bits < (uint64_t)1 << n; bits++) {
        rs_pattern_clear(&A);
        for (int i = 0; i < n; i++)
            if (bits >> i & 1) rs_pattern_set(&A, 0, i);
        int lp = rs_lp_row_realizable(&A, 0, xt, p, &w);
        feasible += lp == 1;
        agree &= (lp == 1) == has_row(&r, bits);
    }
    CHECK(agree, "d0=%d bias=%d n=%d: the enumeration is exactly the LP-feasible patterns", d0, bias, n);
    CHECK(feasible == r.count, "d0=%d bias=%d n=%d: %d feasible, %lld enumerated", d0, bias, n, feasible,
          (long long)r.count);
    rs_lp_work_free(&w);
    rs_pattern_free(&A);
    rs_regions_free(&r);
}

/* Bernoulli patterns: rs_pattern_realizable agrees with every row tested by the LP. */
static void check_realizable(int d0, int bias, int n, uint64_t seed)
{
    int p = d0 + bias, d1 = 3, agree = 1, yes = 0;
    double xt[80 * 8];
    gaussian_data(xt, d0, bias, n, seed);
    rs_pattern A;
    rs_lp_work lp = {0};
    rs_realizable_work w = {0};
    rs_pattern_alloc(&A, d1, n);
    for (int t = 0; t < 300; t++) {
        rs_stream s;
        rs_stream_init(&s, seed, 1, (uint64_t)t, RS_STREAM_PATTERN);
        rs_pattern_clear(&A);
        for (int j = 0; j < d1; j++) {
            /* a realizable row half the time (a random hyperplane), else a random row */
            double wv[8];
            for (int c = 0; c < p; c++) wv[c] = rs_normal(&s);
            int coin = rs_bernoulli(&s, 0.5);
            for (int i = 0; i < n; i++) {
                double z = 0;
                for (int c = 0; c < p; c++) z += wv[c] * xt[(size_t)i * p + c];
                if (coin ? z > 0 : rs_bernoulli(&s, 0.5)) rs_pattern_set(&A, j, i);
            }
        }
        int lpall = 1;
        for (int j = 0; j < d1; j++) lpall &= rs_lp_row_realizable(&A, j, xt, p, &lp) == 1;
        int got = rs_pattern_realizable(&A, xt, d0, bias, 2e6, INT_MAX, &w);
        agree &= got == lpall;
        yes += got == 1;
    }
    CHECK(agree && yes > 0 && yes < 300, "d0=%d bias=%d n=%d: realizable test = the LP on every row (%d of 300 yes)",
          d0, bias, n, yes);
    rs_realizable_work_free(&w);
    rs_lp_work_free(&lp);
    rs_pattern_free(&A);
}

/* The init and region samplers give non-empty regions only, as the realizable counter
 * assumes without testing: every row checked by the LP. */
static void check_samplers_realizable(int d0, int bias, int n, uint64_t seed)
{
    int p = d0 + bias, ok = 1;
    double xt[80 * 8];
    gaussian_data(xt, d0, bias, n, seed);
    rs_pattern A;
    rs_lp_work lp = {0};
    rs_pattern_alloc(&A, 20, n);
    const char *names[2] = {"init", "region"};
    for (int k = 0; k < 2; k++) {
        const rs_sampler *smp = rs_sampler_lookup(names[k]);
        rs_sampler_params prm = {.d0 = d0, .bias = bias, .init = RS_INIT_GAUSSIAN};
        for (int t = 0; t < 30; t++) {
            rs_stream s;
            rs_stream_init(&s, seed, 2, (uint64_t)t, RS_STREAM_PATTERN);
            ok &= smp->regions_only && smp->sample(&prm, xt, &s, &A) == 0;
            for (int j = 0; j < A.d1; j++) ok &= rs_lp_row_realizable(&A, j, xt, p, &lp) == 1;
        }
        CHECK(ok, "d0=%d bias=%d n=%d: every row the %s sampler draws is LP-realizable", d0, bias, n, names[k]);
    }
    CHECK(!rs_sampler_lookup("bernoulli")->regions_only, "bernoulli is tested per trial, not assumed");
    rs_lp_work_free(&lp);
    rs_pattern_free(&A);
}

/* det of the k x k matrix a (row-major, destroyed), the test's own elimination */
static double det_test(int k, double *a)
{
    double d = 1;
    for (int c = 0; c < k; c++) {
        int piv = c;
        for (int r = c + 1; r < k; r++)
            if (fabs(a[r * k + c]) > fabs(a[piv * k + c])) piv = r;
        if (a[piv * k + c] == 0) return 0;
        if (piv != c) {
            for (int j = 0; j < k; j++) {
                double t = a[c * k + j];
                a[c * k + j] = a[piv * k + j], a[piv * k + j] = t;
            }
            d = -d;
        }
        d *= a[c * k + c];
        for (int r = c + 1; r < k; r++)
            for (int j = k - 1; j >= c; j--) a[r * k + j] -= a[r * k + c] / a[c * k + c] * a[c * k + j];
    }
    return d;
}

/* The walk's count of a cell's extreme rays against the definition: every candidate (a
 * (p-1)-subset S, one of the two rays on S's hyperplanes, a side on each point of S) names
 * one cell around that ray, and in general position each extreme ray of a cell is named by
 * exactly one candidate of the cell, so a cell's number of extreme rays is the number of
 * candidates naming it.  The candidates' rows from determinants: the side of x_i off S is
 * sign det[x_S; x_i] times the ray's orientation.  Also: the candidates are 2^p binom(n,
 * p-1), the distinct rows Cover's count. */
static void check_walk_counts(int d0, int bias, int n, uint64_t seed)
{
    const int p = d0 + bias, k = p - 1;
    double xt[16 * 8], a[64];
    gaussian_data(xt, d0, bias, n, seed);
    int64_t cap = 1 << 16, cand = 0, distinct = 0;
    uint64_t *rows = calloc((size_t)cap, sizeof *rows), *first = calloc((size_t)cap, sizeof *first);
    int *mult = calloc((size_t)cap, sizeof *mult), S[8];
    for (int i = 0; i < k; i++) S[i] = i;
    for (;;) { /* pass 1: every candidate's row and the rows' multiplicities */
        /* the ray r (r_c = (-1)^c det(M without c)) first, then -r: <x_i, r> is
         * (-1)^k det[x_S; x_i] (the cofactors of the last row) */
        for (int o = k % 2 ? -1 : 1, t = 0; t < 2; t++, o = -o) {
            uint64_t base = 0;
            for (int i = 0; i < n; i++) {
                int on = 0;
                for (int q = 0; q < k; q++) on |= S[q] == i;
                if (on) continue;
                for (int q = 0; q < k; q++) memcpy(a + q * p, xt + (size_t)S[q] * p, (size_t)p * sizeof *a);
                memcpy(a + k * p, xt + (size_t)i * p, (size_t)p * sizeof *a);
                if (o * det_test(p, a) > 0) base |= (uint64_t)1 << i;
            }
            for (uint32_t c = 0; c < 1u << k; c++) {
                uint64_t row = base;
                for (int q = 0; q < k; q++)
                    if (c >> q & 1) row |= (uint64_t)1 << S[q];
                rows[cand++] = row;
                int64_t at = 0;
                while (at < distinct && first[at] != row) at++;
                if (at == distinct) first[distinct++] = row;
                mult[at]++;
            }
        }
        int q = k - 1;
        while (q >= 0 && S[q] == n - k + q) q--;
        if (q < 0) break;
        S[q]++;
        for (int j = q + 1; j < k; j++) S[j] = S[j - 1] + 1;
    }
    double binom = 1;
    for (int q = 0; q < k; q++) binom = binom * (n - q) / (q + 1);
    CHECK(cand == (int64_t)(ldexp(1, p) * binom + 0.5), "d0=%d bias=%d n=%d: %lld candidates = 2^p binom(n, p-1)", d0,
          bias, n, (long long)cand);
    CHECK((double)distinct == rs_cover_count(n, p), "d0=%d bias=%d n=%d: %lld cells = Cover's %.0f", d0, bias, n,
          (long long)distinct, rs_cover_count(n, p));
    /* the listing's documented order (docs/CONVENTIONS.md: an index into it is a draw):
     * subsets in lexicographic order, r then -r, the sides on S in binary order, each row
     * where first found */
    rs_regions listed;
    int in_order = rs_regions_build(&listed, xt, p, n) == 0 && listed.count == distinct;
    for (int64_t q = 0; in_order && q < distinct; q++) in_order = listed.rows[q] == first[q];
    CHECK(in_order, "d0=%d bias=%d n=%d: rs_regions_build lists the rows in the documented order", d0, bias, n);
    rs_regions_free(&listed);
    rs_region_walk w = {0};
    CHECK(rs_region_walk_prepare(&w, xt, p, n) == 0, "prepared");
    int agree = 1, one_side = 1, mmin = 1 << 30;
    int64_t c2 = 0;
    for (int q = 0; q < k; q++) S[q] = q;
    for (;;) { /* pass 2: the walk from every candidate */
        for (int o = 0; o < 2; o++)
            for (uint32_t c = 0; c < 1u << k; c++) {
                uint64_t row = rows[c2++];
                int64_t at = 0;
                while (first[at] != row) at++;
                int64_t plus = rs_region_cell_rays(&w, xt, S, 1, &row, INT64_MAX),
                        minus = rs_region_cell_rays(&w, xt, S, -1, &row, INT64_MAX);
                one_side &= (plus >= 0) != (minus >= 0); /* one orientation is the candidate's ray */
                int64_t m = plus >= 0 ? plus : minus;
                agree &= m == mult[at];
                if (m < mmin) mmin = (int)m;
            }
        int q = k - 1;
        while (q >= 0 && S[q] == n - k + q) q--;
        if (q < 0) break;
        S[q]++;
        for (int j = q + 1; j < k; j++) S[j] = S[j - 1] + 1;
    }
    CHECK(one_side, "d0=%d bias=%d n=%d: the walk accepts exactly one orientation of each candidate's ray", d0, bias, n);
    CHECK(agree, "d0=%d bias=%d n=%d: the walk's extreme rays = the candidates naming the cell, for all %lld", d0,
          bias, n, (long long)cand);
    CHECK(mmin >= p, "d0=%d bias=%d n=%d: every cell has at least p = %d extreme rays (least %d)", d0, bias, n, p, mmin);
    rs_region_walk_free(&w);
    free(rows), free(first), free(mult);
}

/* Row of the chart point (w0, w1) (w2 = 1): bit k = [<x_k, w> > 0], in long double. */
static void chart_row(const double *xt, int n, long double w0, long double w1, uint64_t *row)
{
    for (int k = 0; k < n; k++) {
        const double *x = xt + 3 * k;
        if (x[0] * w0 + x[1] * w1 + (long double)x[2] > 0) row[k / 64] |= (uint64_t)1 << (k % 64);
    }
}

/* The row far below (sgn = -1) or far above (+1) the chart's lines at w0 = xi |w1|, w1 ->
 * sgn inf: bit k = [x_k0 xi + sgn x_k1 > 0]. */
static void far_row(const double *xt, int n, int sgn, long double xi, uint64_t *row)
{
    for (int k = 0; k < n; k++)
        if (xt[3 * k] * xi + sgn * (long double)xt[3 * k + 1] > 0) row[k / 64] |= (uint64_t)1 << (k % 64);
}

static int cmp_ld(const void *a, const void *b)
{
    long double u = *(const long double *)a, v = *(const long double *)b;
    return (u > v) - (u < v);
}

/* The listing through the chart (p = 3, rs_regions_list_chart) against its documented
 * order, computed here from the geometry of the lines x_k0 w0 + x_k1 w1 + x_k2 = 0 in the
 * plane w2 = 1: the n + 1 cells far below (w0 = xi |w1| between the sorted values of
 * x_k1 / x_k0, w1 -> -inf), the cell at a point just above each vertex (i < j) between
 * the two lines' upward rays, then the complement of each of those that is not one of the
 * n + 1 cells far above.  And 2 + n (n - 1) rows (Cover's C(n, 3)), all distinct, the
 * set rs_regions_build lists. */
static void check_chart(int d0, int bias, int n, uint64_t seed)
{
    const int words = (n + 63) / 64;
    const int64_t count = 2 + (int64_t)n * (n - 1);
    double *xt = malloc(sizeof(double) * 3 * (size_t)n);
    gaussian_data(xt, d0, bias, n, seed);
    rs_regions r, b;
    int rc = rs_regions_list_chart(&r, xt, n);
    CHECK(rc == 0 && r.count == count && (double)count == rs_cover_count(n, 3) && r.words == words,
          "d0=%d bias=%d n=%d: the chart lists %lld rows (rc %d) = 2 + n(n-1) = Cover's %.0f", d0, bias, n,
          (long long)r.count, rc, rs_cover_count(n, 3));
    if (rc) {
        free(xt);
        return;
    }
    uint64_t *want = calloc((size_t)count * words, sizeof *want), *above = calloc((size_t)(n + 1) * words, sizeof *above);
    long double *key = malloc(sizeof *key * (size_t)(n + 2));
    /* far below: xi between the sorted slopes, and beyond both ends */
    for (int k = 0; k < n; k++) key[k] = (long double)xt[3 * k + 1] / xt[3 * k];
    qsort(key, (size_t)n, sizeof *key, cmp_ld);
    for (int m = 0; m <= n; m++) {
        long double xi = m == 0 ? key[0] - 1 : m == n ? key[n - 1] + 1 : (key[m - 1] + key[m]) / 2;
        far_row(xt, n, -1, xi, want + (size_t)m * words);
    }
    /* far above: xi between the sorted -slopes */
    for (int k = 0; k < n; k++) key[k] = -(long double)xt[3 * k + 1] / xt[3 * k];
    qsort(key, (size_t)n, sizeof *key, cmp_ld);
    for (int m = 0; m <= n; m++) {
        long double xi = m == 0 ? key[0] - 1 : m == n ? key[n - 1] + 1 : (key[m - 1] + key[m]) / 2;
        far_row(xt, n, 1, xi, above + (size_t)m * words);
    }
    uint64_t *up = want + (size_t)(n + 1) * words, *down = up + (size_t)n * (n - 1) / 2 * words;
    int64_t bounded = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++, up += words) {
            const double *a = xt + 3 * i, *c = xt + 3 * j;
            const long double det = (long double)a[0] * c[1] - (long double)a[1] * c[0];
            const long double v0 = (-(long double)a[2] * c[1] + (long double)a[1] * c[2]) / det;
            const long double v1 = (-(long double)a[0] * c[2] + (long double)a[2] * c[0]) / det;
            /* the upward unit directions along the two lines, and the distance to the nearest other line */
            long double ua0 = -a[1], ua1 = a[0], ub0 = -c[1], ub1 = c[0], na = hypotl(ua0, ua1), nb = hypotl(ub0, ub1);
            if (ua1 < 0) ua0 = -ua0, ua1 = -ua1;
            if (ub1 < 0) ub0 = -ub0, ub1 = -ub1;
            long double dist = 1e30L;
            for (int k = 0; k < n; k++) {
                if (k == i || k == j) continue;
                const double *x = xt + 3 * k;
                long double d = fabsl(x[0] * v0 + x[1] * v1 + x[2]) / hypotl(x[0], x[1]);
                if (d < dist) dist = d;
            }
            const long double eps = dist / 4;
            chart_row(xt, n, v0 + eps * (ua0 / na + ub0 / nb) / 2, v1 + eps * (ua1 / na + ub1 / nb) / 2, up);
            int top = 0;
            for (int m = 0; m <= n && !top; m++) top = !memcmp(up, above + (size_t)m * words, (size_t)words * 8);
            if (top) continue;
            for (int w = 0; w < words; w++) down[w] = ~up[w];
            if (n % 64) down[words - 1] &= ((uint64_t)1 << (n % 64)) - 1;
            down += words, bounded++;
        }
    CHECK(bounded == (int64_t)n * (n - 1) / 2 - (n - 1), "d0=%d bias=%d n=%d: n - 1 of the vertices' cells reach "
          "w1 -> +inf (%lld bounded)", d0, bias, n, (long long)bounded);
    CHECK(!memcmp(want, r.rows, (size_t)count * words * 8), "d0=%d bias=%d n=%d: the rows in the documented order "
          "(below, above each vertex, the bounded ones' complements)", d0, bias, n);
    /* all distinct, and the set of rs_regions_build (an enumeration from the extreme rays) */
    CHECK(rs_regions_build(&b, xt, 3, n) == 0 && b.count == count, "d0=%d bias=%d n=%d: rs_regions_build: %lld rows",
          d0, bias, n, (long long)b.count);
    int same = b.count == count;
    for (int64_t q = 0; q < count && same; q++) same = rs_regions_contains(&b, r.rows + (size_t)q * words) == 1;
    CHECK(same, "d0=%d bias=%d n=%d: every listed row is one of rs_regions_build's (so all %lld distinct rows)", d0,
          bias, n, (long long)count);
    CHECK(rs_regions_contains(&r, r.rows) == -1, "the chart's listing has no lookup: rs_regions_contains says -1");
    rs_regions_free(&b);
    rs_regions_free(&r);
    free(want), free(above), free(key), free(xt);
}

/* The 99.9 % quantile of chi-square with k degrees of freedom (Wilson-Hilferty). */
static double chi2_999(double k)
{
    const double h = 2 / (9 * k), c = 1 - h + 3.0902 * sqrt(h);
    return k * c * c * c;
}

/* The region sampler with d1 rows per pattern and per_dataset patterns per dataset, on
 * Gaussian data (d0, bias, n): every row realizable and uniform over the enumerated rows
 * (per_row draws of each on average). */
static void check_sampler_uniform(int d0, int bias, int n, int d1, int64_t per_dataset, int per_row, uint64_t seed)
{
    const int p = d0 + bias;
    double xt[3 * 20];
    rs_regions r;
    gaussian_data(xt, d0, bias, n, 9);
    CHECK(rs_regions_build(&r, xt, p, n) == 0 && (double)r.count == rs_cover_count(n, p), "%lld rows", (long long)r.count);
    const rs_sampler *region = rs_sampler_lookup("region");
    rs_sampler_params prm = {.d0 = d0, .bias = bias, .per_dataset = per_dataset};
    rs_pattern A;
    rs_pattern_alloc(&A, d1, n);
    long *cnt = calloc((size_t)r.count, sizeof *cnt), outside = 0, failed = 0;
    for (int64_t t = 0; t < per_row * r.count / d1; t++) {
        rs_stream s;
        rs_stream_init(&s, seed, 3, (uint64_t)t, RS_STREAM_PATTERN);
        failed += region->sample(&prm, xt, &s, &A) != 0;
        for (int j = 0; j < d1; j++) {
            uint64_t bits = 0;
            for (int i = 0; i < n; i++) bits |= (uint64_t)rs_pattern_get(&A, j, i) << i;
            int64_t q = 0;
            while (q < r.count && r.rows[q] != bits) q++;
            if (q == r.count) outside++;
            else cnt[q]++;
        }
    }
    double chi = 0, expect = (double)(per_row * r.count / d1 * d1) / (double)r.count;
    for (int64_t q = 0; q < r.count; q++) chi += (cnt[q] - expect) * (cnt[q] - expect) / expect;
    CHECK(failed == 0 && outside == 0, "n = %d, d1 = %d, %lld per dataset: every draw succeeds (%ld failed), every row "
          "is realizable (%ld not)", n, d1, (long long)per_dataset, failed, outside);
    CHECK(chi < chi2_999((double)r.count - 1), "n = %d, d1 = %d, %lld per dataset: uniform over the %lld rows: chi2 = %.1f "
          "< %.1f (99.9%%)", n, d1, (long long)per_dataset, (long long)r.count, chi, chi2_999((double)r.count - 1));
    free(cnt);
    rs_pattern_free(&A);
    rs_regions_free(&r);
}

/* rs_region_draw is uniform over the cells: chi-square over the enumerated rows (Cover's
 * count of them), every draw one of them. */
static void check_draw_uniform(int d0, int bias, int n, int per_row, uint64_t seed, double chi_max)
{
    const int p = d0 + bias;
    double xt[16 * 8];
    gaussian_data(xt, d0, bias, n, seed);
    rs_regions r;
    CHECK(rs_regions_build(&r, xt, p, n) == 0 && (double)r.count == rs_cover_count(n, p), "d0=%d bias=%d n=%d: %lld rows",
          d0, bias, n, (long long)r.count);
    long *cnt = calloc((size_t)r.count, sizeof *cnt), outside = 0, draws = per_row * r.count;
    rs_region_walk w = {0};
    int ok = rs_region_walk_prepare(&w, xt, p, n) == 0;
    rs_stream s;
    rs_stream_init(&s, seed, 4, 0, RS_STREAM_PATTERN);
    for (long t = 0; t < draws && ok; t++) {
        uint64_t row = 0;
        ok = rs_region_draw(&w, xt, &s, &row) == 0;
        int64_t q = 0;
        while (q < r.count && r.rows[q] != row) q++;
        if (q == r.count) outside++;
        else cnt[q]++;
    }
    double chi = 0;
    for (int64_t q = 0; q < r.count; q++) chi += (cnt[q] - per_row) * (double)(cnt[q] - per_row) / per_row;
    CHECK(ok && outside == 0, "d0=%d bias=%d n=%d: %ld draws, every one a realizable row (%ld not)", d0, bias, n, draws,
          outside);
    CHECK(chi < chi_max, "d0=%d bias=%d n=%d: uniform over the %lld rows: chi2 = %.1f < %.1f (99.9%%)", d0, bias, n,
          (long long)r.count, chi, chi_max);
    rs_region_walk_free(&w);
    rs_regions_free(&r);
    free(cnt);
}

/* Fewer points than p: every row, uniform; dependent points refused.  A repeated point:
 * some draws refuse (-2), and every row drawn is still realizable (the LP). */
static void check_draw_special(void)
{
    double xt[16 * 8];
    gaussian_data(xt, 5, 0, 4, 51);
    rs_region_walk w = {0};
    CHECK(rs_region_walk_prepare(&w, xt, 5, 4) == 0, "4 independent points in R^5: prepared");
    rs_stream s;
    rs_stream_init(&s, 51, 4, 0, RS_STREAM_PATTERN);
    long cnt[16] = {0};
    for (int t = 0; t < 16000; t++) {
        uint64_t row = 0;
        rs_region_draw(&w, xt, &s, &row);
        cnt[row < 16 ? row : 0] += row < 16 ? 1 : 1000000;
    }
    double chi = 0;
    for (int q = 0; q < 16; q++) chi += (cnt[q] - 1000.0) * (cnt[q] - 1000.0) / 1000.0;
    CHECK(chi < 37.7, "n < p: uniform over the 2^4 rows: chi2 = %.1f < 37.7 (15 dof, 99.9%%)", chi);
    for (int c = 0; c < 5; c++) xt[3 * 5 + c] = xt[c] + xt[5 + c];
    CHECK(rs_region_walk_prepare(&w, xt, 5, 4) == -2, "n < p, x_3 = x_0 + x_1: dependent, refused");

    gaussian_data(xt, 2, 1, 8, 52);
    memcpy(xt + 3 * 6, xt + 3 * 2, 3 * sizeof *xt);
    CHECK(rs_region_walk_prepare(&w, xt, 3, 8) == 0, "a repeated point: prepared (found by the draws)");
    rs_pattern A;
    rs_lp_work lp = {0};
    rs_pattern_alloc(&A, 1, 8);
    int refused = 0, drawn = 0, realizable = 1;
    for (int t = 0; t < 400; t++) {
        uint64_t row = 0;
        int rc = rs_region_draw(&w, xt, &s, &row);
        refused += rc == -2;
        if (rc) continue;
        drawn++;
        rs_pattern_clear(&A);
        for (int i = 0; i < 8; i++)
            if (row >> i & 1) rs_pattern_set(&A, 0, i);
        realizable &= rs_lp_row_realizable(&A, 0, xt, 3, &lp) == 1;
    }
    CHECK(refused > 0 && drawn > 0, "a repeated point: %d of 400 draws refused, %d drawn", refused, drawn);
    CHECK(realizable, "a repeated point: every row drawn is realizable (the LP)");
    rs_lp_work_free(&lp);
    rs_pattern_free(&A);
    rs_region_walk_free(&w);
}

int main(void)
{
    CHECK(rs_cover_count(5, 3) == 22 && rs_cover_count(8, 4) == 128 && rs_cover_count(6, 2) == 12 &&
              rs_cover_count(3, 5) == 8,
          "Cover's counts by hand: 2(1+4+6), 2(1+7+21+35), 2(1+5), 2^3 when n <= p");
    check_against_lp(2, 1, 7, 1);
    check_against_lp(3, 1, 8, 2);
    check_against_lp(2, 0, 6, 3);
    check_against_lp(1, 1, 9, 4);
    check_against_lp(5, 0, 4, 5); /* n <= p - 1: every pattern */
    check_against_lp(4, 1, 9, 6);

    /* a repeated point: not general position, refused (and fewer rows than Cover's) */
    double xt[3 * 6];
    gaussian_data(xt, 2, 1, 6, 8);
    memcpy(xt + 3 * 5, xt + 3 * 2, 3 * sizeof *xt);
    rs_regions r;
    CHECK(rs_regions_build(&r, xt, 3, 6) == -2, "a repeated point is refused");
    CHECK(r.count > 0 && (double)r.count < rs_cover_count(6, 3), "... with fewer rows (%lld) than Cover's %.0f",
          (long long)r.count, rs_cover_count(6, 3));
    rs_regions_free(&r);

    /* uniformity of the general sampler, by either route: d0 = 2 with bias, n = 5 (22 rows)
     * and n = 20 (382 rows) */
    CHECK(rs_region_enumerate_cheaper(20, 3, 100) && !rs_region_enumerate_cheaper(20, 3, 1),
          "n = 20, p = 3: 100 rows per dataset enumerate its 382 rows, one row walks");
    check_sampler_uniform(2, 1, 5, 100, 1, 1000, 51); /* 220 patterns of 100 rows: the enumeration */
    check_sampler_uniform(2, 1, 20, 1, 1, 100, 52);   /* 38200 patterns of 1 row: the walk */
    check_sampler_uniform(2, 1, 20, 1, 100, 100, 53); /* 1 row, but 100 patterns per dataset: the enumeration */
    /* the choice where it matters (bench-matrix cells): at n = 100 a 2-D dataset's 200 rows
     * are enumerated for 300 neurons, a 4-D one's 323,600 rows are not; p = 3 by the chart's
     * model (regions.h): rows (2550 + 9 n) > binom(n, 2) (33 + 0.33 n), at n = 100
     * rows > 4950 * 66 / 3450 = 94.7 */
    CHECK(rs_region_enumerate_cheaper(100, 2, 300) && !rs_region_enumerate_cheaper(100, 4, 300),
          "n = 100, d1 = 300: p = 2 enumerates, p = 4 walks");
    CHECK(rs_region_enumerate_cheaper(100, 3, 95) && !rs_region_enumerate_cheaper(100, 3, 94),
          "n = 100, p = 3: 95 rows a dataset list, 94 walk");
    CHECK(!rs_region_enumerate_cheaper(3000, 3, 1e12),
          "n = 3000, p = 3: 2 + 3000 * 2999 rows are more than a listing may hold (2^22): walked");
    check_sampler_uniform(3, 0, 8, 100, 1, 200, 54); /* the chart's listing: C(8, 3) = 58 rows */

    /* the chart's listing (p = 3) in its documented order, one and two words a row */
    check_chart(3, 0, 3, 71);
    check_chart(3, 0, 4, 72);
    check_chart(2, 1, 9, 73);
    check_chart(3, 0, 40, 74);
    check_chart(2, 1, 64, 75);
    check_chart(3, 0, 65, 76);
    check_chart(3, 0, 100, 77);
    { /* a horizontal line (x_0 = 0): the chart declines, rs_regions_list enumerates; a repeated point: refused */
        double xt[3 * 12];
        gaussian_data(xt, 3, 0, 12, 78);
        xt[3 * 5] = 0;
        rs_regions r;
        CHECK(rs_regions_list_chart(&r, xt, 12) == -3, "x_0 = 0: the chart declines (-3)");
        CHECK(rs_regions_list(&r, xt, 3, 12) == 0 && r.count == 2 + 12 * 11 && r.nslot >= 0,
              "... rs_regions_list enumerates the %lld rows instead", (long long)r.count);
        rs_regions_free(&r);
        gaussian_data(xt, 3, 0, 12, 79);
        memcpy(xt + 3 * 7, xt + 3 * 2, 3 * sizeof *xt);
        CHECK(rs_regions_list_chart(&r, xt, 12) == -3 && rs_regions_list(&r, xt, 3, 12) == -2,
              "a repeated point: the chart declines, the enumeration refuses (-2)");
        rs_regions_free(&r);
    }
    CHECK(!rs_region_enumerate_cheaper(5, 5, 1e9) && !rs_region_enumerate_cheaper(4, 5, 1e9),
          "n <= p: never enumerated (n fair bits)");

    /* the walk (rejection from the extreme rays) against its definition */
    check_walk_counts(2, 1, 7, 31);
    check_walk_counts(3, 1, 8, 32);
    check_walk_counts(2, 0, 6, 33);
    check_walk_counts(3, 0, 7, 34);
    check_walk_counts(4, 1, 9, 35);
    check_walk_counts(5, 0, 9, 36);
    /* chi-square 99.9% quantiles (scipy.stats.chi2.ppf): 83 dof 128.6, 31 dof 61.1, 113 dof 165.2 */
    check_draw_uniform(3, 1, 7, 300, 41, 128.6); /* C(7, 4) = 2(1+6+15+20) = 84 cells */
    check_draw_uniform(3, 0, 6, 300, 42, 61.1);  /* C(6, 3) = 2(1+5+10) = 32 */
    check_draw_uniform(4, 1, 7, 200, 43, 165.2); /* C(7, 5) = 2(1+6+15+20+15) = 114 */
    check_draw_special();
    check_realizable(2, 1, 6, 11);  /* lookup among the listed rows (p = 3: the chart's, and a bitmap) */
    check_realizable(3, 0, 40, 25); /* the chart's rows and a hash table */
    check_realizable(2, 1, 40, 12); /* too large to enumerate within the budget: the LP */
    check_realizable(1, 1, 7, 13);  /* the 1-D threshold test */
    check_realizable(1, 0, 5, 14);  /* p = 1: the positive or the negative points */
    check_realizable(3, 0, 6, 15);
    check_realizable(4, 1, 30, 21); /* the LP, "no" proven by the exact Gordan certificate */
    check_realizable(7, 0, 20, 22);
    check_realizable(2, 0, 70, 23); /* rows of two words: the listing's hash table */
    { /* and its count over two words, n = 70, p = 3 */
        double xt[3 * 70];
        gaussian_data(xt, 2, 1, 70, 24);
        rs_regions r;
        CHECK(rs_regions_build(&r, xt, 3, 70) == 0 && (double)r.count == rs_cover_count(70, 3) && r.words == 2,
              "n = 70, p = 3: %lld rows of 2 words = Cover's %.0f", (long long)r.count, rs_cover_count(70, 3));
        rs_regions_free(&r);
    }
    check_samplers_realizable(2, 1, 6, 16);
    check_samplers_realizable(3, 0, 7, 17);

    /* counting the rows: generic data give Cover's count, a repeated point fewer, a tie
     * in 1-D two fewer; an antipodal pair (no bias) ties two bits */
    gaussian_data(xt, 2, 1, 6, 18);
    CHECK(rs_regions_count_rows(xt, 2, 1, 6, 1e9) == 32, "generic: C(6, 3) = 2(1+5+10) = 32 rows");
    {   /* more independent points than the listing takes (30 > 22) in p = 40: every one of the 2^30
         * patterns; a point the sum of two others: not counted; too little budget: not counted */
        static double big[40 * 30];
        gaussian_data(big, 40, 0, 30, 61);
        CHECK(rs_regions_count_rows(big, 40, 0, 30, 1e9) == (int64_t)1 << 30, "30 independent points: 2^30 rows");
        CHECK(rs_regions_count_rows(big, 40, 0, 30, 1e3) == -1, "... not counted within 1000 point tests");
        for (int c = 0; c < 40; c++) big[29 * 40 + c] = big[c] + big[40 + c];
        CHECK(rs_regions_count_rows(big, 40, 0, 30, 1e9) == -1, "30 dependent points: not counted (%lld)",
              (long long)rs_regions_count_rows(big, 40, 0, 30, 1e9));
    }
    memcpy(xt + 3 * 5, xt + 3 * 2, 3 * sizeof *xt);
    CHECK(rs_regions_count_rows(xt, 2, 1, 6, 1e9) == 22, "a repeated point: C(5, 3) = 22 rows");
    double x1[2 * 4] = {0.5, 1, -1, 1, 0.5, 1, 2, 1};
    CHECK(rs_regions_count_rows(x1, 1, 1, 4, 1e9) == 6, "1-D with a tie: 2 per distinct value, 6");
    gaussian_data(xt, 3, 0, 5, 19);
    for (int c = 0; c < 3; c++) xt[3 * 4 + c] = -2 * xt[3 * 1 + c];
    CHECK(rs_regions_count_rows(xt, 3, 0, 5, 1e9) == 14, "an antipodal pair: C(4, 3) = 2(1+3+3) = 14 rows");
    gaussian_data(xt, 2, 0, 5, 20);
    CHECK(rs_regions_count_rows(xt, 2, 0, 5, 1e9) == 10, "generic, p = 2 without bias: C(5, 2) = 2n = 10 rows");
    CHECK(rs_regions_count_rows(xt, 2, 0, 5, 10) == -1, "over the work budget: not counted (-1)");
    return check_done("test_regions");
}
