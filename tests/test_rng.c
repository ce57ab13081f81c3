/* test_rng.c - Philox known answers, stream layout, reproducibility and distributions.
 * Every statistical check uses a fixed seed, so it is deterministic; bounds are about
 * five standard errors (or the 99.9% chi-square quantile) so a real defect fails them. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "reluscape/rng.h"
#include "check.h"

/* Philox4x64-10 known-answer vectors of the Random123 distribution (tests/kat_vectors),
 * as cut and pasted in DEShawResearch/Random123-Boost, libs/random/test/test_philox.cpp
 * (test_kat_philox4x64, rounds = 10).  Format: counter[4], key[2], result[4]. */
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

static void test_kat(void)
{
    for (size_t v = 0; v < sizeof kat / sizeof kat[0]; v++) {
        uint64_t out[4];
        rs_philox4x64(kat[v].ctr, kat[v].key, out);
        for (int w = 0; w < 4; w++)
            CHECK(out[w] == kat[v].out[w], "kat %zu word %d: %016llx != %016llx", v, w,
                  (unsigned long long)out[w], (unsigned long long)kat[v].out[w]);
    }
}

/* The stream is philox((trial, stream id, block, 0), (seed, cell)), words in order. */
static void test_layout(void)
{
    rs_stream s;
    rs_stream_init(&s, 11, 22, 33, RS_STREAM_PATTERN);
    for (uint64_t b = 0; b < 3; b++) {
        uint64_t ctr[4] = {33, RS_STREAM_PATTERN, b, 0}, key[2] = {11, 22}, out[4];
        rs_philox4x64(ctr, key, out);
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

    /* normals (with the cached Box-Muller spare) are reproducible too */
    rs_stream a, b;
    rs_stream_init(&a, 9, 9, 9, RS_STREAM_VOUT);
    rs_stream_init(&b, 9, 9, 9, RS_STREAM_VOUT);
    int same = 1;
    for (int k = 0; k < 101; k++)
        same &= rs_normal(&a) == rs_normal(&b);
    CHECK(same, "normal sequence reproducible");
    /* re-initialising resets the spare */
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

static void test_normal(void)
{
    const int N = 1000000;
    rs_stream s;
    rs_stream_init(&s, 77, 3, 1, RS_STREAM_VOUT);
    double sum = 0, sum2 = 0, sum4 = 0;
    int finite = 1;
    for (int k = 0; k < N; k++) {
        double z = rs_normal(&s);
        finite &= isfinite(z);
        sum += z;
        sum2 += z * z;
        sum4 += z * z * z * z;
    }
    double mean = sum / N, var = sum2 / N - mean * mean, m4 = sum4 / N;
    CHECK(finite, "normals finite");
    /* se(mean) = 1e-3, se(var) = sqrt(2/N) = 1.4e-3, se(m4) = sqrt(96/N) = 9.8e-3 */
    CHECK(fabs(mean) < 5e-3, "normal mean %g", mean);
    CHECK(fabs(var - 1.0) < 7e-3, "normal var %g", var);
    CHECK(fabs(m4 - 3.0) < 5e-2, "normal 4th moment %g", m4);
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

/* rs_next_u64_fill gives exactly the draws of repeated rs_next_u64, from any position in
 * a block, for any count, and leaves the stream where those calls would (also across a
 * wrap of the block counter). */
static void test_fill(void)
{
    for (int skip = 0; skip < 6; skip++)
        for (size_t count = 0; count < 75; count += (count < 20 ? 1 : 7)) {
            rs_stream a, b;
            rs_stream_init(&a, 3, 4, 5, RS_STREAM_PATTERN);
            rs_stream_init(&b, 3, 4, 5, RS_STREAM_PATTERN);
            if (skip == 5) a.ctr[2] = b.ctr[2] = ~(uint64_t)0 - 2; /* blocks wrap to 0 */
            for (int k = 0; k < skip % 5; k++) {
                rs_next_u64(&a);
                rs_next_u64(&b);
            }
            uint64_t got[80];
            rs_next_u64_fill(&a, got, count);
            int same = 1;
            for (size_t k = 0; k < count; k++) same &= got[k] == rs_next_u64(&b);
            for (int k = 0; k < 9; k++) same &= rs_next_u64(&a) == rs_next_u64(&b);
            CHECK(same, "fill of %zu after %d draws", count, skip);
        }
}

int main(void)
{
    test_kat();
    test_layout();
    test_fill();
    test_reproducible();
    test_uniform();
    test_normal();
    test_index();
    test_bernoulli();
    return check_done("test_rng");
}
