/* test_rng.c - Threefry and Philox known answers, kernels, stream layout, reproducibility and distributions.
 * Every statistical check uses a fixed seed, so it is deterministic; bounds are about
 * five standard errors (or the 99.9% chi-square quantile) so a real defect fails them. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/rng.h"
#include "check.h"
#include "ziggurat_tables.h" /* the ziggurat's tables, checked against their definition */

/* Known-answer vectors of the Random123 distribution (tests/kat_vectors), as cut and
 * pasted in DEShawResearch/Random123-Boost, libs/random/test/test_threefry.cpp
 * (test_kat_threefry4x64, rounds = 20) and test_philox.cpp (test_kat_philox4x64, rounds =
 * 10).  Format: counter[4], key[4] (Philox: key[2]), result[4]. */
static const struct {
    uint64_t ctr[4], key[4], out[4];
} tf_kat[] = {
    {{0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000},
     {0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000},
     {0x09218ebde6c85537, 0x55941f5266d86105, 0x4bd25e16282434dc, 0xee29ec846bd2e40b}},
    {{0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff},
     {0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff},
     {0x29c24097942bba1b, 0x0371bbfb0f6f4e11, 0x3c231ffa33f83a1c, 0xcd29113fde32d168}},
    {{0x243f6a8885a308d3, 0x13198a2e03707344, 0xa4093822299f31d0, 0x082efa98ec4e6c89},
     {0x452821e638d01377, 0xbe5466cf34e90c6c, 0xbe5466cf34e90c6c, 0xc0ac29b7c97c50dd},
     {0xa7e8fde591651bd9, 0xbaafd0c30138319b, 0x84a5c1a729e685b9, 0x901d406ccebc1ba4}},
};

static const struct {
    uint64_t ctr[4], key[2], out[4];
} kat[] = {
    {{0x0000000000000000, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000},
     {0x0000000000000000, 0x0000000000000000},
     {0x16554d9eca36314c, 0xdb20fe9d672d0fdc, 0xd7e772cee186176b, 0x7e68b68aec7ba23b}},
    {{0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff},
     {0xffffffffffffffff, 0xffffffffffffffff},
     {0x87b092c3013fe90b, 0x438c3c67be8d0224, 0x9cc7d7c69cd777b6, 0xa09caebf594f0ba0}},
    {{0x243f6a8885a308d3, 0x13198a2e03707344, 0xa4093822299f31d0, 0x082efa98ec4e6c89},
     {0x452821e638d01377, 0xbe5466cf34e90c6c},
     {0xa528f45403e61d95, 0x38c72dbd566e9788, 0xa5a1610e72fd18b5, 0x57bd43b5e52b7fe6}},
};

/* One block function's result against a known answer, word by word. */
static void check_answer(const char *name, size_t v, const uint64_t out[4], const uint64_t want[4])
{
    for (int w = 0; w < 4; w++)
        CHECK(out[w] == want[w], "%s kat %zu word %d: %016llx != %016llx", name, v, w, (unsigned long long)out[w],
              (unsigned long long)want[w]);
}

static void test_kat(void)
{
    uint64_t out[4];
    for (size_t v = 0; v < sizeof tf_kat / sizeof tf_kat[0]; v++) {
        rs_threefry4x64(tf_kat[v].ctr, tf_kat[v].key, out);
        check_answer("threefry", v, out, tf_kat[v].out);
    }
    for (size_t v = 0; v < sizeof kat / sizeof kat[0]; v++) {
        rs_philox4x64(kat[v].ctr, kat[v].key, out);
        check_answer("philox", v, out, kat[v].out);
    }
}

/* Every kernel this CPU has computes the same eight blocks as the block function, one
 * block at a time, also where the block index wraps past 2^64 - 1 and on the known
 * answers' counters and keys; the generic kernel exists everywhere. */
static void test_kernels(void)
{
    CHECK(rs_threefry_batch(RS_RNG_GENERIC, tf_kat[0].key, tf_kat[0].ctr, (uint64_t[4 * RS_RNG_BLOCKS]){0}) == 0,
          "the generic kernel is always there");
    CHECK(rs_threefry_batch(RS_RNG_KERNELS, tf_kat[0].key, tf_kat[0].ctr, (uint64_t[4 * RS_RNG_BLOCKS]){0}) == -1,
          "an unknown kernel is refused");
    CHECK(rs_rng_kernel() >= RS_RNG_GENERIC && rs_rng_kernel() < RS_RNG_KERNELS, "streams use a known kernel");
    uint64_t h = 0x9E3779B97F4A7C15ull; /* an xorshift walk over counters and keys */
    for (int kernel = 0; kernel < RS_RNG_KERNELS; kernel++) {
        uint64_t out[4 * RS_RNG_BLOCKS];
        if (rs_threefry_batch(kernel, tf_kat[0].key, tf_kat[0].ctr, out)) continue; /* not on this CPU */
        int same = 1, cases = 0;
        for (int t = 0; t < 2000; t++) {
            uint64_t ctr[4], key[4];
            for (int w = 0; w < 4; w++) {
                h ^= h << 13, h ^= h >> 7, h ^= h << 17;
                ctr[w] = h;
                h ^= h << 13, h ^= h >> 7, h ^= h << 17;
                key[w] = h;
            }
            if (t < 3) memcpy(ctr, tf_kat[t].ctr, sizeof ctr), memcpy(key, tf_kat[t].key, sizeof key);
            if (t == 3) ctr[2] = UINT64_MAX - 3; /* the block index wraps inside the batch */
            rs_threefry_batch(kernel, key, ctr, out);
            for (int b = 0; b < RS_RNG_BLOCKS; b++) {
                uint64_t c[4] = {ctr[0], ctr[1], ctr[2] + (uint64_t)b, ctr[3]}, one[4];
                rs_threefry4x64(c, key, one);
                same &= memcmp(one, out + 4 * b, sizeof one) == 0;
            }
            cases++;
        }
        CHECK(same, "kernel %d: %d batches of %d blocks equal the block function", kernel, cases, RS_RNG_BLOCKS);
    }
}

/* The stream is threefry((trial, stream id, block, 0), (seed, cell, 0, 0)), words in
 * order, across several batches of blocks. */
static void test_layout(void)
{
    rs_stream s;
    rs_stream_init(&s, 11, 22, 33, RS_STREAM_PATTERN);
    for (uint64_t b = 0; b < 3 * RS_RNG_BLOCKS + 1; b++) {
        uint64_t ctr[4] = {33, RS_STREAM_PATTERN, b, 0}, key[4] = {11, 22, 0, 0}, out[4];
        rs_threefry4x64(ctr, key, out);
        for (int w = 0; w < 4; w++) {
            uint64_t x = rs_next_u64(&s);
            CHECK(x == out[w], "block %llu word %d", (unsigned long long)b, w);
        }
    }
    /* uniform01 is the top 53 bits of the next word */
    rs_stream a, b;
    rs_stream_init(&a, 5, 6, 7, RS_STREAM_DATA);
    rs_stream_init(&b, 5, 6, 7, RS_STREAM_DATA);
    for (int k = 0; k < 10; k++) {
        uint64_t x = rs_next_u64(&a);
        double u = rs_uniform01(&b);
        CHECK(u == (double)(x >> 11) / 9007199254740992.0, "uniform01 bits, draw %d", k);
    }
}

static int same_sequence(uint64_t s1, uint64_t c1, uint64_t t1, uint32_t id1,
                         uint64_t s2, uint64_t c2, uint64_t t2, uint32_t id2, int len)
{
    rs_stream a, b;
    rs_stream_init(&a, s1, c1, t1, id1);
    rs_stream_init(&b, s2, c2, t2, id2);
    int same = 1;
    for (int k = 0; k < len; k++)
        same &= rs_next_u64(&a) == rs_next_u64(&b);
    return same;
}

static void test_reproducible(void)
{
    CHECK(same_sequence(1, 2, 3, RS_STREAM_DATA, 1, 2, 3, RS_STREAM_DATA, 100), "same coords");
    CHECK(!same_sequence(1, 2, 3, RS_STREAM_DATA, 1, 2, 3, RS_STREAM_PATTERN, 8), "stream id");
    CHECK(!same_sequence(1, 2, 3, RS_STREAM_DATA, 1, 2, 4, RS_STREAM_DATA, 8), "trial");
    CHECK(!same_sequence(1, 2, 3, RS_STREAM_DATA, 1, 3, 3, RS_STREAM_DATA, 8), "cell");
    CHECK(!same_sequence(1, 2, 3, RS_STREAM_DATA, 2, 2, 3, RS_STREAM_DATA, 8), "seed");
    /* swapping coordinates must not alias (seed/cell vs trial/stream) */
    CHECK(!same_sequence(2, 1, 3, RS_STREAM_DATA, 1, 2, 3, RS_STREAM_DATA, 8), "seed<->cell");

    /* normals are reproducible too */
    rs_stream a, b;
    rs_stream_init(&a, 9, 9, 9, RS_STREAM_VOUT);
    rs_stream_init(&b, 9, 9, 9, RS_STREAM_VOUT);
    int same = 1;
    for (int k = 0; k < 101; k++)
        same &= rs_normal(&a) == rs_normal(&b);
    CHECK(same, "normal sequence reproducible");
    /* re-initialising starts the normals again */
    rs_stream_init(&a, 9, 9, 9, RS_STREAM_VOUT);
    rs_stream_init(&b, 9, 9, 9, RS_STREAM_VOUT);
    double first = rs_normal(&a);
    CHECK(first == rs_normal(&b), "normal after re-init");
}

static void test_uniform(void)
{
    const int N = 1000000;
    rs_stream s;
    rs_stream_init(&s, 20240501, 1, 0, RS_STREAM_DATA);
    double sum = 0, sum2 = 0;
    int in_range = 1;
    for (int k = 0; k < N; k++) {
        double u = rs_uniform01(&s);
        in_range &= u >= 0.0 && u < 1.0;
        sum += u;
        sum2 += u * u;
    }
    double mean = sum / N, var = sum2 / N - mean * mean;
    CHECK(in_range, "uniform01 in [0,1)");
    /* se(mean) = sqrt(1/12/N) = 2.9e-4; se(var) = sqrt((1/80 - 1/144)/N) = 7.5e-5 */
    CHECK(fabs(mean - 0.5) < 1.5e-3, "uniform mean %g", mean);
    CHECK(fabs(var - 1.0 / 12) < 4e-4, "uniform var %g", var);

    int open_ok = 1, range_ok = 1;
    for (int k = 0; k < 100000; k++) {
        double u = rs_uniform_open01(&s);
        open_ok &= u > 0.0 && u < 1.0;
        double r = rs_uniform_range(&s, -3.0, 2.0);
        range_ok &= r >= -3.0 && r < 2.0;
    }
    CHECK(open_ok, "uniform_open01 in (0,1)");
    CHECK(range_ok, "uniform_range in [lo,hi)");
}

/* ---------------------------------------------------------------- normals (ziggurat) */

static double phi_cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

/* The tables, checked against their definition: 256 layers of equal area v under
 * f(x) = exp(-x^2/2) (erfc, exp from libm, so to 1e-12 rather than bit for bit), and the
 * integer thresholds exactly: j < K[i] <=> (2j+1) 2^-53 X[i] < X[i+1] (fma gives the
 * exact sign of the product minus X[i+1]). */
static void test_zig_tables(void)
{
    const double *X = rs_zig_x, *F = rs_zig_f;
    const double r = rs_zig_r, v = r * exp(-0.5 * r * r) + 1.2533141373155002512 /* sqrt(pi/2) */ * erfc(r / sqrt(2.0));
    int decreasing = 1, areas = 1, heights = 1, thresholds = 1;
    CHECK(X[1] == r && X[RS_ZIG_LAYERS] == 0.0 && F[RS_ZIG_LAYERS] == 1.0, "X[1] = r, X[256] = 0, F[256] = 1");
    CHECK(fabs(X[0] * exp(-0.5 * r * r) - v) < 1e-12 * v, "base layer: X[0] f(r) = v");
    for (int i = 1; i < RS_ZIG_LAYERS; i++) {
        decreasing &= X[i + 1] < X[i];
        heights &= fabs(F[i] - exp(-0.5 * X[i] * X[i])) < 1e-15;
        areas &= fabs(X[i] * (exp(-0.5 * X[i + 1] * X[i + 1]) - exp(-0.5 * X[i] * X[i])) - v) < 1e-12 * v;
    }
    for (int i = 0; i < RS_ZIG_LAYERS; i++) {
        const double w = X[i] * 0x1p-53; /* exact: a power-of-two scaling */
        const uint64_t k = rs_zig_k[i];
        if (k > 0) thresholds &= fma((double)(2 * k - 1), w, -X[i + 1]) < 0;    /* j = k - 1 inside */
        if (k < ((uint64_t)1 << 52)) thresholds &= fma((double)(2 * k + 1), w, -X[i + 1]) >= 0; /* j = k not */
    }
    CHECK(decreasing, "X decreasing");
    CHECK(heights, "F[i] = exp(-X[i]^2/2)");
    CHECK(areas, "every layer has area v = %.17g", v);
    CHECK(thresholds, "K[i] is the rectangle's edge");
    CHECK(rs_zig_k[RS_ZIG_LAYERS - 1] == 0, "top layer: no rectangle");
}

/* Word layout: bits 0-7 the layer i, bit 8 the sign, bits 12-63 j; when j < K[i] the
 * draw is the one word's (2j+1) 2^-53 X[i] with that sign.  The first word of stream
 * (0, 0, 0, 0) is the first Threefry known answer above. */
static void test_normal_layout(void)
{
    rs_stream s, raw;
    rs_stream_init(&s, 0, 0, 0, 0);
    rs_stream_init(&raw, 0, 0, 0, 0);
    int fast = 0, same = 1;
    for (int k = 0; k < 200; k++) {
        const uint64_t w = rs_next_u64(&raw), j = w >> 12;
        const unsigned i = (unsigned)(w & 0xff);
        if (k == 0) CHECK(w == tf_kat[0].out[0], "first word is the Threefry known answer");
        if (j >= rs_zig_k[i]) break; /* a slow path: the layout of the rest is not one word each */
        const double z = (double)(2 * j + 1) * rs_zig_x[i] * 0x1p-53;
        same &= rs_normal(&s) == ((w >> 8 & 1) ? -z : z);
        fast++;
    }
    CHECK(fast >= 20 && same, "%d one-word normals follow the layout", fast);
}

/* Moments of 10^7 draws within 5 standard errors: E z = 0, E z^2 = 1, E z^3 = 0,
 * E z^4 = 3, with se sqrt(Var z^k / N): Var = 1, 2, 15 (E z^6), 96 (E z^8 - 9). */
static void test_normal_moments(double *z, size_t N)
{
    double m[5] = {0};
    int finite = 1, nonzero = 1;
    for (size_t k = 0; k < N; k++) {
        finite &= isfinite(z[k]);
        nonzero &= z[k] != 0.0;
        double p = z[k];
        for (int e = 1; e <= 4; e++, p *= z[k]) m[e] += p;
    }
    for (int e = 1; e <= 4; e++) m[e] /= (double)N;
    CHECK(finite && nonzero, "normals finite and nonzero");
    const double se[5] = {0, sqrt(1.0 / N), sqrt(2.0 / N), sqrt(15.0 / N), sqrt(96.0 / N)};
    CHECK(fabs(m[1]) < 5 * se[1], "mean %g (5 se = %g)", m[1], 5 * se[1]);
    CHECK(fabs(m[2] - 1) < 5 * se[2], "variance %g (5 se = %g)", m[2], 5 * se[2]);
    CHECK(fabs(m[3]) < 5 * se[3], "skewness %g (5 se = %g)", m[3], 5 * se[3]);
    CHECK(fabs(m[4] - 3) < 5 * se[4], "kurtosis %g (5 se = %g)", m[4], 5 * se[4]);
}

/* Pearson's chi-square over `bins` equiprobable bins of the normal law (bin floor(bins
 * Phi(z))), below the 99.9% quantile q of chi-square with bins - 1 degrees of freedom. */
static void test_normal_chi2(const double *z, size_t N, int bins, double q)
{
    long *cnt = calloc((size_t)bins, sizeof *cnt);
    for (size_t k = 0; k < N; k++) {
        int b = (int)(bins * phi_cdf(z[k]));
        cnt[b < 0 ? 0 : b >= bins ? bins - 1 : b]++;
    }
    double chi2 = 0, e = (double)N / bins;
    for (int b = 0; b < bins; b++) chi2 += (cnt[b] - e) * (cnt[b] - e) / e;
    CHECK(chi2 < q, "chi-square over %d bins of %zu draws: %g (99.9%% quantile %g)", bins, N, chi2, q);
    free(cnt);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov: sqrt(N) D below the 99.9% quantile of Kolmogorov's law, 1.9495. */
static void test_normal_ks(const double *z, size_t N)
{
    double *sorted = malloc(N * sizeof *sorted);
    memcpy(sorted, z, N * sizeof *sorted);
    qsort(sorted, N, sizeof *sorted, cmp_double);
    double D = 0;
    for (size_t k = 0; k < N; k++) {
        const double F = phi_cdf(sorted[k]), lo = F - (double)k / N, hi = (double)(k + 1) / N - F;
        D = fmax(D, fmax(lo, hi));
    }
    CHECK(sqrt((double)N) * D < 1.9495, "Kolmogorov-Smirnov sqrt(N) D = %g", sqrt((double)N) * D);
    free(sorted);
}

/* Tail frequencies within 5 sd of the exact probabilities: P(|Z| > 3.5) = erfc(3.5/sqrt 2)
 * crosses the wedges and the tail (r = 3.654), P(Z > 4) = erfc(4/sqrt 2)/2 lies in the
 * tail, drawn by Marsaglia's exponential method. */
static void test_normal_tail(const double *z, size_t N)
{
    const double p35 = erfc(3.5 / sqrt(2.0)), p4 = 0.5 * erfc(4.0 / sqrt(2.0));
    long n35 = 0, n4 = 0, nneg4 = 0;
    for (size_t k = 0; k < N; k++) {
        n35 += fabs(z[k]) > 3.5;
        n4 += z[k] > 4.0;
        nneg4 += z[k] < -4.0;
    }
    const double e35 = p35 * N, sd35 = sqrt(N * p35 * (1 - p35)), e4 = p4 * N, sd4 = sqrt(N * p4 * (1 - p4));
    CHECK(fabs(n35 - e35) < 5 * sd35, "#(|Z| > 3.5) = %ld, expected %.1f +- %.1f", n35, e35, sd35);
    CHECK(fabs(n4 - e4) < 5 * sd4, "#(Z > 4) = %ld, expected %.1f +- %.1f", n4, e4, sd4);
    CHECK(fabs(nneg4 - e4) < 5 * sd4, "#(Z < -4) = %ld, expected %.1f +- %.1f", nneg4, e4, sd4);
}

/* The tail sampler alone (Z given Z > r), 10^6 draws: Kolmogorov-Smirnov against
 * P(Z <= x | Z > r) = 1 - erfc(x/sqrt 2) / erfc(r/sqrt 2), and the mean within 5 se of
 * E[Z | Z > r] = phi(r) / Q(r) (Mills' ratio). */
static void test_normal_tail_sampler(void)
{
    enum { N = 1000000 };
    double *t = malloc(N * sizeof *t);
    rs_stream s;
    rs_stream_init(&s, 12, 34, 56, RS_STREAM_TARGET);
    const double r = rs_zig_r, Qr = erfc(r / sqrt(2.0));
    double sum = 0, sum2 = 0;
    int above = 1;
    for (int k = 0; k < N; k++) {
        t[k] = rs_normal_tail(&s);
        above &= t[k] > r;
        sum += t[k];
        sum2 += t[k] * t[k];
    }
    CHECK(above, "tail draws > r");
    qsort(t, N, sizeof *t, cmp_double);
    double D = 0;
    for (int k = 0; k < N; k++) {
        const double F = 1 - erfc(t[k] / sqrt(2.0)) / Qr;
        D = fmax(D, fmax(F - (double)k / N, (double)(k + 1) / N - F));
    }
    CHECK(sqrt((double)N) * D < 1.9495, "tail: Kolmogorov-Smirnov sqrt(N) D = %g", sqrt((double)N) * D);
    const double mean = sum / N, sd = sqrt(sum2 / N - mean * mean);
    const double exact = 2 * exp(-0.5 * r * r) / sqrt(2 * acos(-1.0)) / Qr; /* phi(r) / (Qr / 2) */
    CHECK(fabs(mean - exact) < 5 * sd / sqrt((double)N), "tail mean %.6f, exact %.6f", mean, exact);
    free(t);
}

static void test_normal(void)
{
    const size_t N = 10000000;
    double *z = malloc(N * sizeof *z);
    rs_stream s;
    rs_stream_init(&s, 77, 3, 1, RS_STREAM_VOUT);
    rs_normal_fill(&s, z, N);
    test_normal_moments(z, N);
    test_normal_chi2(z, 1000000, 100, 148.230);  /* chi-square(99) 99.9% quantile */
    test_normal_chi2(z, N, 1000, 1142.848);      /* chi-square(999) */
    test_normal_ks(z, 1000000);
    test_normal_tail(z, N);
    free(z);
}

/* rs_normal_fill gives exactly the values of repeated rs_normal and leaves the stream
 * where they would: from any position in a block, for short and long runs (which cross
 * the fill's 256-word buffers, some with a slow path at a buffer's end). */
static void test_normal_fill(void)
{
    int same = 1;
    for (int skip = 0; skip < 4; skip++)
        for (size_t count = 0; count < 1200; count += (count < 20 ? 1 : 97)) {
            rs_stream a, b;
            rs_stream_init(&a, 8, 7, 6, RS_STREAM_DATA);
            rs_stream_init(&b, 8, 7, 6, RS_STREAM_DATA);
            for (int k = 0; k < skip; k++) same &= rs_next_u64(&a) == rs_next_u64(&b);
            double got[1200];
            rs_normal_fill(&a, got, count);
            for (size_t k = 0; k < count; k++) same &= got[k] == rs_normal(&b);
            for (int k = 0; k < 9; k++) same &= rs_next_u64(&a) == rs_next_u64(&b);
        }
    CHECK(same, "rs_normal_fill = repeated rs_normal, stream left alike (short runs)");
    const size_t N = 1000000;
    double *z = malloc(N * sizeof *z);
    rs_stream a, b;
    rs_stream_init(&a, 1, 2, 3, RS_STREAM_PATTERN);
    rs_stream_init(&b, 1, 2, 3, RS_STREAM_PATTERN);
    rs_normal_fill(&a, z, N);
    same = 1;
    for (size_t k = 0; k < N; k++) same &= z[k] == rs_normal(&b);
    same &= rs_next_u64(&a) == rs_next_u64(&b);
    CHECK(same, "rs_normal_fill = repeated rs_normal over 10^6 draws");
    free(z);
}

static void test_index(void)
{
    enum { K = 7, N = 700000 };
    long cnt[K] = {0};
    rs_stream s;
    rs_stream_init(&s, 4242, 0, 0, RS_STREAM_SUBSET);
    int in_range = 1;
    for (int k = 0; k < N; k++) {
        uint64_t x = rs_uniform_index(&s, K);
        in_range &= x < K;
        if (x < K)
            cnt[x]++;
    }
    CHECK(in_range, "uniform_index(7) < 7");
    double chi2 = 0, e = (double)N / K;
    for (int k = 0; k < K; k++)
        chi2 += (cnt[k] - e) * (cnt[k] - e) / e;
    /* 99.9% quantile of chi-square with 6 degrees of freedom */
    CHECK(chi2 < 22.458, "uniform_index(7) chi2 = %g", chi2);

    CHECK(rs_uniform_index(&s, 1) == 0, "uniform_index(1)");
    /* n just above 2^63 rejects almost half the words: still in range */
    uint64_t big = ((uint64_t)1 << 63) + 12345;
    int big_ok = 1, high = 0;
    for (int k = 0; k < 2000; k++) {
        uint64_t x = rs_uniform_index(&s, big);
        big_ok &= x < big;
        high += x >= ((uint64_t)1 << 61) * 3; /* top quarter of [0, ~2^63) */
    }
    CHECK(big_ok, "uniform_index(2^63+12345) in range");
    /* mean 500, sd 19 */
    CHECK(high > 420 && high < 580, "uniform_index(2^63+..) top-quarter count %d", high);
}

static void test_bernoulli(void)
{
    const int N = 1000000;
    rs_stream s;
    rs_stream_init(&s, 31, 41, 59, RS_STREAM_PATTERN);
    long ones = 0;
    for (int k = 0; k < N; k++)
        ones += rs_bernoulli(&s, 0.3);
    double f = (double)ones / N;
    /* se = sqrt(0.21/N) = 4.6e-4 */
    CHECK(fabs(f - 0.3) < 2.5e-3, "bernoulli(0.3) frequency %g", f);
    int edge = 1;
    for (int k = 0; k < 1000; k++)
        edge &= rs_bernoulli(&s, 0.0) == 0 && rs_bernoulli(&s, 1.0) == 1;
    CHECK(edge, "bernoulli(0) = 0 and bernoulli(1) = 1");
}

/* rs_below_ratio: U < num / den with probability num / den; on a tie of the first word
 * (first = floor(num 2^64 / den)) the answer is decided by the fraction left, here 1/3 for
 * 1/3 (2^64 = 3 * 6148914691236517205 + 1); a ratio with a finite binary expansion ties
 * to "no". */
static void test_below_ratio(void)
{
    const int N = 600000;
    rs_stream s;
    rs_stream_init(&s, 8, 9, 10, RS_STREAM_PATTERN);
    long yes = 0, tie = 0;
    for (int k = 0; k < N; k++) yes += rs_below_ratio(&s, rs_next_u64(&s), 3, 7);
    const uint64_t third = 6148914691236517205ull; /* floor(2^64 / 3) */
    for (int k = 0; k < N; k++) tie += rs_below_ratio(&s, third, 1, 3);
    /* sd sqrt(3/7 4/7 / N) = 6.4e-4 and sqrt(2/9 / N) = 6.1e-4: 5 sd */
    CHECK(fabs((double)yes / N - 3.0 / 7) < 3.2e-3, "P(U < 3/7) = %g", (double)yes / N);
    CHECK(fabs((double)tie / N - 1.0 / 3) < 3.1e-3, "P(U < 1/3 | first word tied) = %g, the fraction 1/3", (double)tie / N);
    CHECK(rs_below_ratio(&s, third - 1, 1, 3) && !rs_below_ratio(&s, third + 1, 1, 3), "below / above the first digit");
    CHECK(!rs_below_ratio(&s, (uint64_t)1 << 62, 1, 4) && rs_below_ratio(&s, ((uint64_t)1 << 62) - 1, 1, 4),
          "1/4 exactly: a tie is U >= 1/4");
    CHECK(rs_below_ratio(&s, ~(uint64_t)0, 5, 5) && rs_below_ratio(&s, ~(uint64_t)0, 6, 5), "num >= den: always");
}

/* rs_next_u64_fill gives exactly the draws of repeated rs_next_u64, from any position in
 * a block, for any count (on AVX-512 two batches at once from 64 words on), and leaves the
 * stream where those calls would (also across a wrap of the block counter). */
static void test_fill(void)
{
    for (int skip = 0; skip < 6; skip++)
        for (size_t count = 0; count < 260; count += (count < 20 ? 1 : count < 75 ? 7 : 61)) { /* to four batches */
            rs_stream a, b;
            rs_stream_init(&a, 3, 4, 5, RS_STREAM_PATTERN);
            rs_stream_init(&b, 3, 4, 5, RS_STREAM_PATTERN);
            if (skip == 5) a.ctr[2] = b.ctr[2] = ~(uint64_t)0 - 2; /* blocks wrap to 0 */
            for (int k = 0; k < skip % 5; k++) {
                rs_next_u64(&a);
                rs_next_u64(&b);
            }
            uint64_t got[260];
            rs_next_u64_fill(&a, got, count);
            int same = 1;
            for (size_t k = 0; k < count; k++) same &= got[k] == rs_next_u64(&b);
            for (int k = 0; k < 9; k++) same &= rs_next_u64(&a) == rs_next_u64(&b);
            CHECK(same, "fill of %zu after %d draws", count, skip);
        }
}

/* rs_u64_to_01_fill (the vector kernel where the CPU has it, and its scalar tail) against
 * the definition (u >> 11) 2^-53, computed here in exact integer terms: x 2^53 must be the
 * integer u >> 11.  Words with every bit pattern at the kernel's seams: 0, all ones, the
 * bits 11 (lowest kept), 42-43 (the two 32-bit halves of u >> 11), 63 (sign), and draws. */
static void test_to01_fill(void)
{
    enum { N = 203 };
    uint64_t u[N];
    double x[N];
    rs_stream s;
    rs_stream_init(&s, 17, 1, 2, RS_STREAM_DATA);
    for (int k = 0; k < N; k++) {
        static const uint64_t edge[] = {0, ~(uint64_t)0, (uint64_t)1 << 11, ((uint64_t)1 << 11) - 1,
                                        (uint64_t)1 << 42, (uint64_t)1 << 43, ((uint64_t)1 << 43) - 1,
                                        (uint64_t)1 << 63, ~(uint64_t)0 >> 1, 0xFFFFFFFF800ull};
        u[k] = k < 10 ? edge[k] : rs_next_u64(&s);
    }
    for (size_t count = 0; count <= N; count += count < 20 ? 1 : 61) {
        int same = 1;
        rs_u64_to_01_fill(u, x, count);
        for (size_t k = 0; k < count; k++)
            same &= x[k] >= 0 && x[k] < 1 && (uint64_t)ldexp(x[k], 53) == u[k] >> 11 && x[k] == rs_u64_to_01(u[k]);
        CHECK(same, "rs_u64_to_01_fill of %zu words: (u >> 11) 2^-53 exactly", count);
    }
}

int main(void)
{
    test_below_ratio();
    test_kat();
    test_kernels();
    test_layout();
    test_fill();
    test_to01_fill();
    test_reproducible();
    test_uniform();
    test_zig_tables();
    test_normal_layout();
    test_normal();
    test_normal_tail_sampler();
    test_normal_fill();
    test_index();
    test_bernoulli();
    return check_done("test_rng");
}
