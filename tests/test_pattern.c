/* test_pattern.c - pattern storage, the bernoulli/init/region samplers and output weights.
 * Statistical checks use fixed seeds (deterministic); the chi-square test of the region
 * sampler is shown to reject deliberately biased samplers, so it can fail. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/data.h"
#include "reluscape/pattern.h"
#include "check.h"

/* ---------------------------------------------------------------- storage */

static void test_get_set(void)
{
    int widths[] = {1, 63, 64, 65, 130};
    for (size_t t = 0; t < sizeof widths / sizeof widths[0]; t++) {
        int d1 = widths[t], n = 5;
        rs_pattern A;
        CHECK(rs_pattern_alloc(&A, d1, n) == 0, "alloc d1=%d", d1);
        CHECK(A.words == (d1 + 63) / 64, "d1=%d words %d", d1, A.words);
        char *ref = calloc((size_t)d1 * n, 1);
        rs_stream s;
        rs_stream_init(&s, 1, (uint64_t)d1, 0, RS_STREAM_PATTERN);
        for (int j = 0; j < d1; j++)
            for (int i = 0; i < n; i++)
                if ((ref[j * n + i] = (char)rs_bernoulli(&s, 0.5)))
                    rs_pattern_set(&A, j, i);
        /* the bits around word boundaries are the interesting ones */
        if (d1 > 64) {
            rs_pattern_set(&A, 63, 0), ref[63 * n] = 1;
            rs_pattern_set(&A, 64, 4), ref[64 * n + 4] = 1;
        }
        rs_pattern_set(&A, d1 - 1, n - 1), ref[(d1 - 1) * n + n - 1] = 1;
        int same = 1;
        for (int j = 0; j < d1; j++)
            for (int i = 0; i < n; i++)
                same &= rs_pattern_get(&A, j, i) == ref[j * n + i];
        CHECK(same, "get/set round trip d1=%d", d1);
        /* no stray bits above d1 in a point's last word */
        int clean = 1;
        for (int i = 0; i < n; i++)
            if (d1 % 64)
                clean &= (A.bits[(int64_t)i * A.words + A.words - 1] >> (d1 % 64)) == 0;
        CHECK(clean, "no bits beyond d1=%d", d1);
        rs_pattern_clear(&A);
        int zero = 1;
        for (int k = 0; k < n * A.words; k++)
            zero &= A.bits[k] == 0;
        CHECK(zero, "clear d1=%d", d1);
        free(ref);
        rs_pattern_free(&A);
        CHECK(A.bits == NULL, "free d1=%d", d1);
    }
    rs_pattern B;
    CHECK(rs_pattern_alloc(&B, 0, 3) == -1, "d1 = 0 refused");
}

/* ---------------------------------------------------------------- names */

static void test_names(void)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", rs_sampler_names());
    CHECK(strcmp(buf, "bernoulli|init|region") == 0, "sampler names '%s'", buf);
    int count = 0;
    for (char *tok = strtok(buf, "|"); tok; tok = strtok(NULL, "|"), count++) {
        const rs_sampler *sm = rs_sampler_lookup(tok);
        CHECK(sm && strcmp(sm->name, tok) == 0 && sm->sample && sm->help, "lookup %s", tok);
    }
    CHECK(count == 3, "three samplers");
    CHECK(rs_sampler_lookup("uniform") == NULL && rs_sampler_lookup(NULL) == NULL, "unknown");

    const char *inits[] = {"gaussian", "he", "torch"}, *vouts[] = {"gaussian", "balanced", "ones"};
    for (int k = 0; k < 3; k++) {
        CHECK(rs_init_law_from_name(inits[k]) == k, "init %s", inits[k]);
        CHECK(strcmp(rs_init_law_name((rs_init_law)k), inits[k]) == 0, "init name %d", k);
        CHECK(rs_vout_law_from_name(vouts[k]) == k, "vout %s", vouts[k]);
        CHECK(strcmp(rs_vout_law_name((rs_vout_law)k), vouts[k]) == 0, "vout name %d", k);
    }
    CHECK(rs_init_law_from_name("xavier") == -1 && rs_vout_law_from_name("two") == -1, "unknown");
}

/* ---------------------------------------------------------------- region sampler */

/* Chi-square statistic of counts against the uniform law over k bins. */
static double chi2_uniform(const long *cnt, int k)
{
    long total = 0;
    for (int b = 0; b < k; b++)
        total += cnt[b];
    double e = (double)total / k, chi = 0;
    for (int b = 0; b < k; b++)
        chi += (cnt[b] - e) * (cnt[b] - e) / e;
    return chi;
}

#define NPTS 5
/* 99.9% quantile of chi-square with 2n - 1 = 9 degrees of freedom */
#define CHI2_9_999 27.877

/* Unsorted 1-D data (column i = (x_i, 1)). */
static const double xs[NPTS] = {0.31, -1.7, 2.25, 0.02, -0.4};

/* The realizable rows built independently of the sampler: for each threshold t below,
 * between and above the points, the sets {i : x_i > t} and {i : x_i < t}, deduplicated.
 * Rows are bit masks over points.  Returns how many (must be 2n). */
static int threshold_rows(uint64_t *rows)
{
    double ts[NPTS + 1], sorted[NPTS];
    memcpy(sorted, xs, sizeof sorted);
    for (int a = 0; a < NPTS; a++) /* insertion sort */
        for (int b = a; b > 0 && sorted[b - 1] > sorted[b]; b--) {
            double tmp = sorted[b];
            sorted[b] = sorted[b - 1];
            sorted[b - 1] = tmp;
        }
    ts[0] = sorted[0] - 1;
    for (int a = 1; a < NPTS; a++)
        ts[a] = 0.5 * (sorted[a - 1] + sorted[a]);
    ts[NPTS] = sorted[NPTS - 1] + 1;
    int m = 0;
    for (int a = 0; a <= NPTS; a++)
        for (int dir = 0; dir < 2; dir++) {
            uint64_t mask = 0;
            for (int i = 0; i < NPTS; i++)
                if (dir ? xs[i] < ts[a] : xs[i] > ts[a])
                    mask |= (uint64_t)1 << i;
            int dup = 0;
            for (int q = 0; q < m; q++)
                dup |= rows[q] == mask;
            if (!dup)
                rows[m++] = mask;
        }
    return m;
}

static uint64_t row_mask(const rs_pattern *A, int j)
{
    uint64_t m = 0;
    for (int i = 0; i < A->n; i++)
        if (rs_pattern_get(A, j, i))
            m |= (uint64_t)1 << i;
    return m;
}

/* Two deliberately wrong samplers that the goodness-of-fit test must reject. */
static int sorted_order(const double *xt, int n, int *order)
{
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int a = 0; a < n; a++)
        for (int b = a; b > 0 && xt[2 * order[b - 1]] > xt[2 * order[b]]; b--) {
            int tmp = order[b];
            order[b] = order[b - 1];
            order[b - 1] = tmp;
        }
    return 0;
}

static int biased_offbyone(const rs_sampler_params *prm, const double *xt, rs_stream *s,
                           rs_pattern *A)
{
    (void)prm;
    int order[NPTS];
    sorted_order(xt, A->n, order);
    rs_pattern_clear(A);
    for (int j = 0; j < A->d1; j++) /* never draws k = 2n-1 */
        rs_step_vector_set(A, j, (int)rs_uniform_index(s, 2 * (uint64_t)A->n - 1), order);
    return 0;
}

static int biased_suffix(const rs_sampler_params *prm, const double *xt, rs_stream *s,
                         rs_pattern *A)
{
    (void)prm;
    int n = A->n, order[NPTS];
    sorted_order(xt, n, order);
    rs_pattern_clear(A);
    for (int j = 0; j < A->d1; j++) {
        /* weights: suffixes k = 2..n count double (2n + n-1 tickets) */
        int t = (int)rs_uniform_index(s, 2 * (uint64_t)n + (uint64_t)(n - 1));
        int k = t < 2 * n ? t : 2 + (t - 2 * n);
        rs_step_vector_set(A, j, k, order);
    }
    return 0;
}

/* Draw rows with `sample` and count them per realizable row.  Returns the number of rows
 * that were none of the 2n (must be 0); *chi gets the chi-square statistic. */
static long region_counts(int (*sample)(const rs_sampler_params *, const double *, rs_stream *,
                                        rs_pattern *),
                          long *cnt, double *chi)
{
    uint64_t rows[2 * NPTS + 2];
    int m = threshold_rows(rows);
    double xt[2 * NPTS];
    for (int i = 0; i < NPTS; i++)
        xt[2 * i] = xs[i], xt[2 * i + 1] = 1.0;
    rs_sampler_params prm = {.d0 = 1, .bias = 1};
    rs_pattern A;
    rs_pattern_alloc(&A, 2000, NPTS);
    long bad = 0;
    memset(cnt, 0, 2 * NPTS * sizeof *cnt);
    for (uint64_t trial = 0; trial < 10; trial++) {
        rs_stream s;
        rs_stream_init(&s, 555, 1, trial, RS_STREAM_PATTERN);
        if (sample(&prm, xt, &s, &A) != 0)
            bad += A.d1;
        for (int j = 0; j < A.d1; j++) {
            uint64_t r = row_mask(&A, j);
            int q = 0;
            while (q < m && rows[q] != r)
                q++;
            if (q < m && q < 2 * NPTS)
                cnt[q]++;
            else
                bad++;
        }
    }
    rs_pattern_free(&A);
    *chi = chi2_uniform(cnt, 2 * NPTS);
    return bad;
}

static void test_region(void)
{
    uint64_t rows[2 * NPTS + 2];
    CHECK(threshold_rows(rows) == 2 * NPTS, "independent construction gives 2n rows");

    const rs_sampler *region = rs_sampler_lookup("region");
    long cnt[2 * NPTS];
    double chi;
    long bad = region_counts(region->sample, cnt, &chi);
    CHECK(bad == 0, "every drawn row is a threshold set {x > t} or {x < t} (%ld not)", bad);
    int all = 1;
    for (int q = 0; q < 2 * NPTS; q++)
        all &= cnt[q] > 0;
    CHECK(all, "all 2n step vectors occur");
    CHECK(chi < CHI2_9_999, "region uniform: chi2 = %g < %g", chi, CHI2_9_999);

    /* the same test must reject samplers that are subtly wrong */
    bad = region_counts(biased_offbyone, cnt, &chi);
    CHECK(bad == 0, "off-by-one sampler still draws step vectors");
    CHECK(chi > CHI2_9_999, "off-by-one sampler rejected: chi2 = %g", chi);
    bad = region_counts(biased_suffix, cnt, &chi);
    CHECK(bad == 0, "suffix-heavy sampler still draws step vectors");
    CHECK(chi > CHI2_9_999, "suffix-heavy sampler rejected: chi2 = %g", chi);

    /* other shapes take the general enumeration (test_regions.c): collinear points in 2-D
     * are not in general position and are refused; 1-D without bias has Cover's 2 rows,
     * and for positive points those are all ones and all zeros */
    rs_pattern A;
    rs_pattern_alloc(&A, 4, 3);
    double xt2[9] = {0.1, 0.2, 1, 0.3, 0.4, 1, 0.5, 0.6, 1}, xt1[3] = {0.1, 0.2, 0.3};
    rs_stream s;
    rs_stream_init(&s, 1, 1, 1, RS_STREAM_PATTERN);
    rs_sampler_params p2 = {.d0 = 2, .bias = 1}, p0 = {.d0 = 1, .bias = 0};
    CHECK(region->sample(&p2, xt2, &s, &A) == -1, "region refuses collinear 2-D data");
    CHECK(region->sample(&p0, xt1, &s, &A) == 0, "region samples 1-D data without bias");
    int rows_ok = 1;
    for (int j = 0; j < 4; j++) {
        int ones = rs_pattern_get(&A, j, 0) + rs_pattern_get(&A, j, 1) + rs_pattern_get(&A, j, 2);
        rows_ok &= ones == 0 || ones == 3;
    }
    CHECK(rows_ok, "without bias, positive 1-D points: every row all ones or all zeros");
    rs_pattern_free(&A);
}

/* rs_step_vector_set against the header's indexing, through a non-trivial order. */
static void test_step_vectors(void)
{
    enum { n = 6 };
    const int order[n] = {3, 0, 5, 1, 4, 2}; /* order[r] = index of r-th smallest */
    rs_pattern A;
    rs_pattern_alloc(&A, 70, n);
    int ok = 1;
    for (int k = 0; k < 2 * n; k++) {
        rs_pattern_set(&A, 66, 2); /* stale bits must be overwritten */
        rs_step_vector_set(&A, 66, k, order);
        for (int r = 0; r < n; r++) {
            int want = k == 1 || (k >= 2 && k <= n && r >= n - (k - 1)) ||
                       (k > n && r < k - n);
            ok &= rs_pattern_get(&A, 66, order[r]) == want;
        }
        for (int j = 0; j < 70; j++) /* other rows untouched */
            for (int i = 0; i < n; i++)
                ok &= j == 66 || rs_pattern_get(&A, j, i) == 0;
    }
    CHECK(ok, "step vector k -> {none, all, suffixes 1..n-1, prefixes 1..n-1}");
    rs_pattern_free(&A);
}

/* ---------------------------------------------------------------- bernoulli sampler */

static void test_bernoulli(void)
{
    const rs_sampler *b = rs_sampler_lookup("bernoulli");
    rs_pattern A;
    rs_pattern_alloc(&A, 100, 1000);
    rs_sampler_params prm = {.p = 0.5, .d0 = 1, .bias = 0};
    rs_stream s;
    rs_stream_init(&s, 3, 1, 4, RS_STREAM_PATTERN);
    CHECK(b->sample(&prm, NULL, &s, &A) == 0, "bernoulli rc");
    long ones = 0;
    for (int i = 0; i < A.n; i++)
        for (int j = 0; j < A.d1; j++)
            ones += rs_pattern_get(&A, j, i);
    double f = (double)ones / (A.n * A.d1);
    CHECK(fabs(f - 0.5) < 8e-3, "bernoulli(0.5) frequency %g (se 1.6e-3)", f);

    prm.p = 0.0;
    b->sample(&prm, NULL, &s, &A);
    long none = 0;
    for (int k = 0; k < A.n * A.words; k++)
        none += A.bits[k] != 0;
    CHECK(none == 0, "bernoulli(0) clears the previous pattern");
    rs_pattern_free(&A);
}

/* p = 1/2, the definition (docs/CONVENTIONS.md): a_ji = bit j % 64 of word i W + j / 64
 * of the stream, W = ceil(d1 / 64), the bits at j >= d1 of a point's last word discarded.
 * Computed here from rs_next_u64 on a second copy of the stream, entry by entry; A starts
 * all ones, so a bit the sampler fails to write or to mask shows.  Also: the stream is
 * left after exactly n W words (the next draw is the definition's next word). */
static void test_bernoulli_half_definition(void)
{
    const rs_sampler *b = rs_sampler_lookup("bernoulli");
    const int widths[] = {1, 2, 63, 64, 65, 127, 128, 130}, points[] = {1, 2, 3, 7, 20};
    rs_sampler_params prm = {.p = 0.5, .d0 = 1};
    for (size_t t = 0; t < sizeof widths / sizeof widths[0]; t++)
        for (size_t q = 0; q < sizeof points / sizeof points[0]; q++) {
            const int d1 = widths[t], n = points[q], W = (d1 + 63) / 64;
            rs_pattern A;
            rs_pattern_alloc(&A, d1, n);
            memset(A.bits, 0xff, (size_t)n * (size_t)W * sizeof *A.bits);
            rs_stream s, r;
            rs_stream_init(&s, 21, (uint64_t)d1, (uint64_t)n, RS_STREAM_PATTERN);
            r = s;
            CHECK(b->sample(&prm, NULL, &s, &A) == 0, "bernoulli(1/2) %d x %d rc", d1, n);
            int same = 1;
            for (int i = 0; i < n; i++)
                for (int w = 0; w < W; w++) {
                    const uint64_t u = rs_next_u64(&r); /* word i W + w */
                    for (int k = 0; k < 64 && 64 * w + k < d1; k++)
                        same &= rs_pattern_get(&A, 64 * w + k, i) == (int)(u >> k & 1);
                }
            CHECK(same, "bernoulli(1/2) %d x %d: a_ji = bit j%%64 of word i W + j/64", d1, n);
            int clean = 1;
            for (int i = 0; i < n; i++)
                if (d1 % 64) clean &= A.bits[(size_t)i * W + W - 1] >> (d1 % 64) == 0;
            CHECK(clean, "bernoulli(1/2) %d x %d: no bits beyond d1", d1, n);
            CHECK(rs_next_u64(&s) == rs_next_u64(&r), "bernoulli(1/2) %d x %d: n W words drawn", d1, n);
            rs_pattern_free(&A);
        }
    /* exhaustive mode keeps its own definition at p = 1/2: bit j n + i of the index */
    rs_pattern E;
    rs_pattern_alloc(&E, 3, 2);
    rs_sampler_params ex = {.p = 0.5, .exhaustive = 1, .index = 0x2d, .d0 = 1}; /* 101101 */
    rs_stream s;
    rs_stream_init(&s, 1, 1, 1, RS_STREAM_PATTERN);
    CHECK(b->sample(&ex, NULL, &s, &E) == 0, "exhaustive rc");
    int ok = 1;
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 2; i++) ok &= rs_pattern_get(&E, j, i) == (int)(0x2d >> (j * 2 + i) & 1);
    CHECK(ok, "exhaustive at p = 1/2: pattern 0x2d has a_ji = bit 2j + i");
    rs_pattern_free(&E);
}

/* Pearson's chi-square of a 2x2 table against independence of its margins (1 degree of
 * freedom when the pairs are iid). */
static double chi2_independence(const long c[2][2])
{
    const double N = (double)(c[0][0] + c[0][1] + c[1][0] + c[1][1]);
    double x = 0;
    for (int a = 0; a < 2; a++)
        for (int e = 0; e < 2; e++) {
            const double expect = (double)(c[a][0] + c[a][1]) * (double)(c[0][e] + c[1][e]) / N;
            x += ((double)c[a][e] - expect) * ((double)c[a][e] - expect) / expect;
        }
    return x;
}

/* p = 1/2, the law: over 20,000 patterns 130 x 4 (5.2e6 entries) the fraction of ones is
 * 1/2 within 5 sigma (sigma = 0.5 / sqrt(N)), and three kinds of disjoint pairs are
 * independent: the same neuron at points 2k, 2k+1 (adjacent words), neurons 2k, 2k+1 at
 * one point (adjacent bits of a word), neurons j, j+64 at one point (one bit of two
 * words).  The chi-square threshold 19.5 is chi2_1's 1 - 1e-5 quantile (fixed seeds: the
 * test is deterministic).  Mutants tried by hand, each failing here: every point reusing
 * its first word (same-neuron pairs: chi2 = 5.2e6), both words of a point the same word
 * (j, j+64: chi2 = 5.1e6), a_ji = bit j/2 of the word (adjacent neurons: chi2 = 5.2e6),
 * 8 bits of a word ORed with other bits half the time (ones 113 sigma above). */
static void test_bernoulli_half_law(void)
{
    const rs_sampler *b = rs_sampler_lookup("bernoulli");
    const int d1 = 130, n = 4, T = 20000;
    rs_sampler_params prm = {.p = 0.5, .d0 = 1};
    rs_pattern A;
    rs_pattern_alloc(&A, d1, n);
    long ones = 0, pts[2][2] = {{0}}, nbr[2][2] = {{0}}, far[2][2] = {{0}};
    for (int t = 0; t < T; t++) {
        rs_stream s;
        rs_stream_init(&s, 8, 3, (uint64_t)t, RS_STREAM_PATTERN);
        b->sample(&prm, NULL, &s, &A);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d1; j++) ones += rs_pattern_get(&A, j, i);
        for (int j = 0; j < d1; j++)
            for (int i = 0; i + 1 < n; i += 2) pts[rs_pattern_get(&A, j, i)][rs_pattern_get(&A, j, i + 1)]++;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j + 1 < d1; j += 2) nbr[rs_pattern_get(&A, j, i)][rs_pattern_get(&A, j + 1, i)]++;
            for (int j = 0; j < 64; j++) far[rs_pattern_get(&A, j, i)][rs_pattern_get(&A, j + 64, i)]++;
        }
    }
    const double N = (double)d1 * n * T;
    CHECK(fabs((double)ones - N / 2) <= 5 * 0.5 * sqrt(N), "bernoulli(1/2): %ld ones of %.0f, within 5 sigma",
          ones, N);
    double x;
    CHECK((x = chi2_independence(pts)) < 19.5, "bernoulli(1/2): a_j,2k and a_j,2k+1 independent (chi2 %g)", x);
    CHECK((x = chi2_independence(nbr)) < 19.5, "bernoulli(1/2): a_2k,i and a_2k+1,i independent (chi2 %g)", x);
    CHECK((x = chi2_independence(far)) < 19.5, "bernoulli(1/2): a_j,i and a_j+64,i independent (chi2 %g)", x);
    /* the statistic can reject: pairs (a, a) and (a, 1-a) mixed 52:48 */
    long dep[2][2] = {{26000, 24000}, {24000, 26000}}; /* chi2 = 10^5 (0.04)^2 = 160 */
    CHECK(fabs(chi2_independence(dep) - 160) < 1e-9, "chi2 of a 52:48 dependent table is 160");
    rs_pattern_free(&A);
}

/* p != 1/2 keeps the one-word-per-entry definition: neuron j outer, point i inner,
 * a_ji = [rs_u64_to_01(u) < p] for the next word u; also for p one ulp above 1/2 (only
 * p = 1/2 exactly takes the bit path). */
static void test_bernoulli_other_p(void)
{
    const rs_sampler *b = rs_sampler_lookup("bernoulli");
    const double ps[] = {0.3, 0.25, 0.75, nextafter(0.5, 1.0), nextafter(0.5, 0.0)};
    const int shapes[][2] = {{1, 1}, {67, 13}, {64, 3}, {130, 5}};
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++)
        for (size_t h = 0; h < sizeof shapes / sizeof shapes[0]; h++) {
            const int d1 = shapes[h][0], n = shapes[h][1];
            rs_sampler_params prm = {.p = ps[k], .d0 = 1};
            rs_pattern A;
            rs_pattern_alloc(&A, d1, n);
            memset(A.bits, 0xff, (size_t)n * (size_t)A.words * sizeof *A.bits);
            rs_stream s, r;
            rs_stream_init(&s, 5, (uint64_t)h, k, RS_STREAM_PATTERN);
            r = s;
            CHECK(b->sample(&prm, NULL, &s, &A) == 0, "bernoulli(%.17g) rc", ps[k]);
            int same = 1;
            for (int j = 0; j < d1; j++)
                for (int i = 0; i < n; i++) same &= rs_pattern_get(&A, j, i) == (rs_u64_to_01(rs_next_u64(&r)) < ps[k]);
            CHECK(same, "bernoulli(%.17g) %d x %d: one word per entry, j outer, i inner", ps[k], d1, n);
            CHECK(rs_next_u64(&s) == rs_next_u64(&r), "bernoulli(%.17g) %d x %d: d1 n words drawn", ps[k], d1, n);
            rs_pattern_free(&A);
        }
}

/* ---------------------------------------------------------------- init sampler */

/* Recompute the init pattern entry by entry from the documented draw order. */
static int init_reference(rs_init_law law, int d0, int bias, const double *xt, int d1, int n,
                          rs_stream *s, const rs_pattern *A)
{
    int p = d0 + bias, same = 1;
    double w[64]; /* d0 <= 64 */
    for (int j = 0; j < d1; j++) {
        double b = 0, lim = 1.0 / sqrt((double)d0);
        for (int r = 0; r < d0; r++)
            w[r] = law == RS_INIT_GAUSSIAN ? rs_normal(s)
                 : law == RS_INIT_HE       ? sqrt(2.0 / d0) * rs_normal(s)
                                           : -lim + 2 * lim * rs_uniform01(s);
        if (bias && law == RS_INIT_GAUSSIAN)
            b = rs_normal(s);
        if (bias && law == RS_INIT_TORCH)
            b = -lim + 2 * lim * rs_uniform01(s);
        for (int i = 0; i < n; i++) {
            double z = 0;
            for (int r = 0; r < d0; r++)
                z += w[r] * xt[i * p + r];
            same &= rs_pattern_get(A, j, i) == (z + b > 0);
        }
    }
    return same;
}

/* The blocked, vectorised evaluation against the entry-by-entry reference on shapes that
 * hit every tail: d1 below, at and past a block of 4 and a word of 64, d0 from 1 to 8 and
 * past 10 (AVX-512: four points at a time, n not a multiple of 4); and the stream is left where the
 * reference leaves it. */
static void test_init_shapes(void)
{
    const rs_sampler *init = rs_sampler_lookup("init");
    static const int d1s[] = {1, 3, 4, 5, 63, 64, 65, 131}, d0s[] = {1, 2, 5, 8, 17, 40};
    double xt[41 * 40];
    for (size_t a = 0; a < sizeof d1s / sizeof *d1s; a++)
        for (size_t b = 0; b < sizeof d0s / sizeof *d0s; b++)
            for (int law = RS_INIT_GAUSSIAN; law <= RS_INIT_TORCH; law++) {
                const int d1 = d1s[a], d0 = d0s[b], n = 40 - (int)(a % 4), bias = (int)(a + b) % 2 ? 1 : law != RS_INIT_HE;
                rs_data_spec spec = {.law = RS_DATA_UNIFORM, .bias = bias};
                rs_data_draw(&spec, d0, n, 5, (uint64_t)a, b, xt);
                rs_pattern A;
                rs_pattern_alloc(&A, d1, n);
                memset(A.bits, 0xff, (size_t)n * A.words * sizeof *A.bits); /* stale bits */
                rs_sampler_params prm = {.init = (rs_init_law)law, .d0 = d0, .bias = bias};
                rs_stream s, r;
                rs_stream_init(&s, 5, 9, (uint64_t)law, RS_STREAM_PATTERN);
                rs_stream_init(&r, 5, 9, (uint64_t)law, RS_STREAM_PATTERN);
                CHECK(init->sample(&prm, xt, &s, &A) == 0, "init rc");
                int same = init_reference((rs_init_law)law, d0, bias, xt, d1, n, &r, &A);
                for (int i = 0; i < n && d1 % 64; i++)
                    same &= (A.bits[(size_t)i * A.words + A.words - 1] >> (d1 % 64)) == 0;
                CHECK(same, "init %s d0 %d d1 %d bias %d: the reference's bits, none past d1",
                      rs_init_law_name(law), d0, d1, bias);
                CHECK(rs_next_u64(&s) == rs_next_u64(&r), "init %s d0 %d d1 %d: stream position",
                      rs_init_law_name(law), d0, d1);
                rs_pattern_free(&A);
            }
}

/* Every product and sum rounds as documented, in every kernel (no fused multiply-add,
 * which a vector target could allow the compiler): points planted so that neuron 0's sum
 * w_0 x_0 + w_1 x_1 (x_0 = 1, the other coordinates 0) is exactly zero in the documented
 * order, fl(w_1 x_1) = -w_0, while the exact sum, which a fused multiply-add keeps, is
 * positive: the bit must be 0.  d0 = 3 takes the AVX2 kernel, 17 the AVX-512 one (where
 * the CPU has them; RELUSCAPE_GENERIC_KERNELS the portable one). */
static void test_init_rounding(void)
{
    const rs_sampler *init = rs_sampler_lookup("init");
    static const int d0s[] = {3, 17};
    enum { N = 12, D1 = 9 };
    for (size_t k = 0; k < sizeof d0s / sizeof *d0s; k++) {
        const int d0 = d0s[k];
        double xt[17 * N], w0 = 0, x1[N];
        int found = 0;
        uint64_t seed = 0;
        while (found == 0 && seed < 100) { /* a seed whose w_0, w_1 admit such points */
            rs_stream r;
            rs_stream_init(&r, ++seed, 1, (uint64_t)d0, RS_STREAM_PATTERN);
            w0 = rs_normal(&r);
            const double w1 = rs_normal(&r), t = -w0 / w1;
            found = 0;
            for (int u = -200; u <= 200 && found < N / 2; u++) { /* t moved u ulps */
                double x = t;
                for (int v = 0; v < abs(u); v++) x = nextafter(x, u > 0 ? INFINITY : -INFINITY);
                const volatile double prod = w1 * x;
                if (prod == -w0 && fma(w1, x, w0) > 0) x1[found++] = x;
            }
        }
        CHECK(found > 0, "d0 %d: no seed below 100 gives a planted point", d0);
        if (found == 0) continue;
        memset(xt, 0, sizeof xt);
        for (int i = 0; i < N; i++) { /* planted points even (scaled by 2^i: the same sums), others generic */
            xt[(size_t)i * d0] = i % 2 ? (double)i / N - 0.5 : ldexp(1.0, i);
            xt[(size_t)i * d0 + 1] = i % 2 ? 0.25 - (double)i / N : ldexp(x1[i / 2 % found], i);
        }
        rs_pattern A;
        rs_pattern_alloc(&A, D1, N);
        rs_sampler_params prm = {.init = RS_INIT_GAUSSIAN, .d0 = d0, .bias = 0};
        rs_stream s, r;
        rs_stream_init(&s, seed, 1, (uint64_t)d0, RS_STREAM_PATTERN);
        rs_stream_init(&r, seed, 1, (uint64_t)d0, RS_STREAM_PATTERN);
        CHECK(init->sample(&prm, xt, &s, &A) == 0, "init rc");
        int planted_zero = 1;
        for (int i = 0; i < N; i += 2) planted_zero &= !rs_pattern_get(&A, 0, i);
        CHECK(planted_zero, "d0 %d: a sum that rounds to zero in the documented order fired (fused?)", d0);
        CHECK(init_reference(RS_INIT_GAUSSIAN, d0, 0, xt, D1, N, &r, &A), "d0 %d: the reference's bits", d0);
        rs_pattern_free(&A);
    }
}

static void test_init(void)
{
    const rs_sampler *init = rs_sampler_lookup("init");
    const int d0 = 3, n = 60, d1 = 70;
    double xt[(3 + 1) * 60], xneg[(3 + 1) * 60], xnb[3 * 60];
    rs_pattern A, B;
    rs_pattern_alloc(&A, d1, n);
    rs_pattern_alloc(&B, d1, n);
    for (int law = RS_INIT_GAUSSIAN; law <= RS_INIT_TORCH; law++) {
        for (int bias = 0; bias <= 1; bias++) {
            rs_data_spec spec = {.law = RS_DATA_GAUSSIAN, .bias = bias};
            rs_data_draw(&spec, d0, n, 12, 3, 0, xt);
            rs_sampler_params prm = {.init = (rs_init_law)law, .d0 = d0, .bias = bias};
            rs_stream s;
            rs_stream_init(&s, 12, 3, 7, RS_STREAM_PATTERN);
            CHECK(init->sample(&prm, xt, &s, &A) == 0, "init rc");
            rs_stream_init(&s, 12, 3, 7, RS_STREAM_PATTERN);
            CHECK(init_reference((rs_init_law)law, d0, bias, xt, d1, n, &s, &A),
                  "init %s bias %d equals 1[<w,x>+b>0] recomputed", rs_init_law_name(law), bias);
            long ones = 0;
            for (int j = 0; j < d1; j++)
                for (int i = 0; i < n; i++)
                    ones += rs_pattern_get(&A, j, i);
            double f = (double)ones / (d1 * n);
            CHECK(f > 0.35 && f < 0.65, "init %s bias %d: fraction active %g",
                  rs_init_law_name(law), bias, f);
        }
    }

    /* He: b = 0 even with bias, so negating the inputs complements the pattern, and the
     * pattern equals the bias-free one on the same points. */
    rs_data_spec spec = {.law = RS_DATA_GAUSSIAN, .bias = 1};
    rs_data_draw(&spec, d0, n, 12, 3, 1, xt);
    for (int i = 0; i < n; i++)
        for (int r = 0; r < d0 + 1; r++) {
            xneg[i * (d0 + 1) + r] = r < d0 ? -xt[i * (d0 + 1) + r] : 1.0;
            if (r < d0)
                xnb[i * d0 + r] = xt[i * (d0 + 1) + r];
        }
    rs_sampler_params he = {.init = RS_INIT_HE, .d0 = d0, .bias = 1};
    rs_stream s;
    rs_stream_init(&s, 12, 3, 8, RS_STREAM_PATTERN);
    init->sample(&he, xt, &s, &A);
    rs_stream_init(&s, 12, 3, 8, RS_STREAM_PATTERN);
    init->sample(&he, xneg, &s, &B);
    int compl = 1;
    for (int j = 0; j < d1; j++)
        for (int i = 0; i < n; i++)
            compl &= rs_pattern_get(&A, j, i) != rs_pattern_get(&B, j, i);
    CHECK(compl, "he with bias: pattern(-x) = 1 - pattern(x), i.e. b = 0");
    he.bias = 0;
    rs_stream_init(&s, 12, 3, 8, RS_STREAM_PATTERN);
    init->sample(&he, xnb, &s, &B);
    CHECK(memcmp(A.bits, B.bits, (size_t)n * A.words * sizeof *A.bits) == 0,
          "he with bias equals he without bias");

    /* gaussian with bias does use b: negation does not simply complement */
    rs_sampler_params ga = {.init = RS_INIT_GAUSSIAN, .d0 = d0, .bias = 1};
    rs_stream_init(&s, 12, 3, 8, RS_STREAM_PATTERN);
    init->sample(&ga, xt, &s, &A);
    rs_stream_init(&s, 12, 3, 8, RS_STREAM_PATTERN);
    init->sample(&ga, xneg, &s, &B);
    compl = 1;
    for (int j = 0; j < d1; j++)
        for (int i = 0; i < n; i++)
            compl &= rs_pattern_get(&A, j, i) != rs_pattern_get(&B, j, i);
    CHECK(!compl, "gaussian with bias: b != 0 breaks the complement symmetry");

    rs_sampler_params badlaw = {.init = (rs_init_law)9, .d0 = d0, .bias = 1};
    CHECK(init->sample(&badlaw, xt, &s, &A) == -1, "unknown init law refused");
    rs_sampler_params bad0 = {.init = RS_INIT_HE, .d0 = 0, .bias = 1};
    CHECK(init->sample(&bad0, xt, &s, &A) == -1, "d0 = 0 refused");
    rs_pattern_free(&A);
    rs_pattern_free(&B);
}

/* ---------------------------------------------------------------- output weights */

static void test_vout(void)
{
    double v[9];
    rs_stream s;
    rs_stream_init(&s, 1, 2, 3, RS_STREAM_VOUT);
    for (int d1 = 1; d1 <= 9; d1++) {
        rs_vout_draw(RS_VOUT_BALANCED, d1, &s, v);
        int neg = 0, ok = 1;
        for (int j = 0; j < d1; j++) {
            neg += v[j] == -1.0;
            ok &= v[j] == (j < d1 / 2 ? -1.0 : 1.0);
        }
        CHECK(ok && neg == d1 / 2, "balanced d1=%d: %d of -1 first, rest +1", d1, neg);
    }
    rs_vout_draw(RS_VOUT_ONES, 9, &s, v);
    int ones = 1;
    for (int j = 0; j < 9; j++)
        ones &= v[j] == 1.0;
    CHECK(ones, "ones");

    enum { D = 20000 };
    double *g = malloc(D * sizeof *g), *h = malloc(D * sizeof *h);
    rs_stream_init(&s, 1, 2, 3, RS_STREAM_VOUT);
    rs_vout_draw(RS_VOUT_GAUSSIAN, D, &s, g);
    rs_stream_init(&s, 1, 2, 3, RS_STREAM_VOUT);
    rs_vout_draw(RS_VOUT_GAUSSIAN, D, &s, h);
    double s1 = 0, s2 = 0;
    int nz = 1;
    for (int j = 0; j < D; j++) {
        nz &= g[j] != 0.0;
        s1 += g[j];
        s2 += g[j] * g[j];
    }
    CHECK(nz, "gaussian v all non-zero");
    CHECK(memcmp(g, h, D * sizeof *g) == 0, "gaussian v reproducible");
    rs_stream_init(&s, 1, 2, 3, RS_STREAM_VOUT);
    int order = 1;
    for (int j = 0; j < D; j++) order &= g[j] == rs_normal(&s);
    CHECK(order, "gaussian v: v_j is the j-th rs_normal of the stream");
    /* se(mean) = 0.007, se(var) = 0.01 */
    CHECK(fabs(s1 / D) < 0.035 && fabs(s2 / D - 1) < 0.05, "gaussian v mean %g, E v^2 %g",
          s1 / D, s2 / D);
    free(g);
    free(h);
}

int main(void)
{
    test_get_set();
    test_names();
    test_step_vectors();
    test_region();
    test_bernoulli();
    test_bernoulli_half_definition();
    test_bernoulli_half_law();
    test_bernoulli_other_p();
    test_init();
    test_init_shapes();
    test_init_rounding();
    test_vout();
    return check_done("test_pattern");
}
