/* test_regions.c - the realizable rows of a dataset (regions.h) against an independent
 * answer: for small n every one of the 2^n patterns is tested by the per-neuron LP of the
 * region module (lp.h: a strict-margin feasibility problem) and the enumeration must be
 * exactly the feasible ones; their number is Cover's C(n, p) in general position and below
 * it with a repeated point (refused); the general region sampler is uniform over them
 * (chi-square) and in 1-D with bias gives exactly the 2n step vectors. */
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

    /* uniformity of the general sampler: d0 = 2 with bias, n = 5 (22 rows), 22000 rows */
    gaussian_data(xt, 2, 1, 5, 9);
    CHECK(rs_regions_build(&r, xt, 3, 5) == 0 && r.count == 22, "22 rows");
    const rs_sampler *region = rs_sampler_lookup("region");
    rs_sampler_params prm = {.d0 = 2, .bias = 1};
    rs_pattern A;
    rs_pattern_alloc(&A, 100, 5);
    long cnt[22] = {0}, outside = 0;
    for (int t = 0; t < 220; t++) {
        rs_stream s;
        rs_stream_init(&s, 5, 3, (uint64_t)t, RS_STREAM_PATTERN);
        CHECK(region->sample(&prm, xt, &s, &A) == 0, "sample");
        for (int j = 0; j < 100; j++) {
            uint64_t bits = 0;
            for (int i = 0; i < 5; i++) bits |= (uint64_t)rs_pattern_get(&A, j, i) << i;
            int q = -1;
            for (int k = 0; k < 22; k++)
                if (r.rows[k] == bits) q = k;
            if (q < 0) outside++;
            else cnt[q]++;
        }
    }
    double chi = 0;
    for (int k = 0; k < 22; k++) chi += (cnt[k] - 1000.0) * (cnt[k] - 1000.0) / 1000.0;
    CHECK(outside == 0, "every sampled row is realizable (%ld not)", outside);
    CHECK(chi < 48.27, "uniform over the 22 rows: chi2 = %.1f < 48.27 (21 dof, 99.9%%)", chi);
    rs_pattern_free(&A);
    rs_regions_free(&r);
    return check_done("test_regions");
}
