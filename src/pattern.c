/* pattern.c - activation patterns, the three pattern samplers, output weights v.
 *
 * Each sampler clears A and fills it from the stream it is given; the order of draws is
 * documented per sampler because it is part of the reproducibility contract. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/pattern.h"
#include "reluscape/regions.h"
#include "util.h"

int rs_pattern_alloc(rs_pattern *A, int d1, int n)
{
    A->d1 = d1;
    A->n = n;
    A->words = d1 > 0 ? (d1 + 63) / 64 : 0;
    A->bits = NULL;
    if (d1 < 1 || n < 0)
        return -1;
    A->bits = calloc((size_t)(n > 0 ? n : 1) * (size_t)A->words, sizeof *A->bits);
    return A->bits ? 0 : -1;
}

void rs_pattern_free(rs_pattern *A)
{
    if (!A)
        return;
    free(A->bits);
    A->bits = NULL;
    A->d1 = A->n = A->words = 0;
}

void rs_pattern_clear(rs_pattern *A)
{
    if (A->bits)
        memset(A->bits, 0, (size_t)A->n * (size_t)A->words * sizeof *A->bits);
}

static void clear_row(rs_pattern *A, int j)
{
    uint64_t mask = ~((uint64_t)1 << (j % 64));
    for (int i = 0; i < A->n; i++)
        A->bits[(int64_t)i * A->words + j / 64] &= mask;
}

void rs_step_vector_set(rs_pattern *A, int j, int k, const int *order)
{
    int n = A->n;
    clear_row(A, j);
    if (k == 1) { /* all one */
        for (int r = 0; r < n; r++)
            rs_pattern_set(A, j, order[r]);
    } else if (k >= 2 && k <= n) { /* suffix of length k-1: the largest points */
        for (int r = n - (k - 1); r < n; r++)
            rs_pattern_set(A, j, order[r]);
    } else if (k > n && k < 2 * n) { /* prefix of length k-n: the smallest points */
        for (int r = 0; r < k - n; r++)
            rs_pattern_set(A, j, order[r]);
    }
    /* k == 0 (all zero) or out of range: the row stays cleared */
}

/* ---------------------------------------------------------------- samplers */

/* Draw order (docs/CONVENTIONS.md, "Draw orders"):
 *  - p = 1/2: a_ji = bit j % 64 of word i words + j / 64 of the stream, i.e. the words
 *    are the pattern's storage, drawn in order; the bits at j >= d1 of a point's last word
 *    are discarded.  One word per 64 entries (a word per entry was 60 % of a trial's
 *    instructions, the realizability test aside: docs/performance.md).
 *  - any other p: neuron j outer, point i inner, one word u per entry, a_ji =
 *    [rs_u64_to_01(u) < p] (as rs_bernoulli). */
static int sample_bernoulli(const rs_sampler_params *prm, const double *xt, rs_stream *s,
                            rs_pattern *A)
{
    (void)xt;
    if (!prm->exhaustive && prm->p == 0.5) {
        const size_t words = (size_t)A->words;
        rs_next_u64_fill(s, A->bits, (size_t)A->n * words);
        if (A->d1 % 64) { /* the layout's invariant: no bits beyond d1 */
            const uint64_t keep = ((uint64_t)1 << (A->d1 % 64)) - 1;
            for (size_t i = 0; i < (size_t)A->n; i++)
                A->bits[i * words + words - 1] &= keep;
        }
        return 0;
    }
    rs_pattern_clear(A);
    if (prm->exhaustive) { /* pattern number index: bit j n + i is a_ji */
        for (int j = 0; j < A->d1; j++)
            for (int i = 0; i < A->n; i++)
                if ((uint64_t)prm->index >> ((uint64_t)j * A->n + i) & 1) rs_pattern_set(A, j, i);
        return 0;
    }
    /* rs_bernoulli's words, drawn in bulk (the same words in the same order) and compared
     * as it compares them: one call per entry cost more than the rank of the trial */
    const int n = A->n, words = A->words;
    const size_t total = (size_t)A->d1 * (size_t)n;
    uint64_t u[512];
    size_t have = 0, at = 0, drawn = 0;
    for (int j = 0; j < A->d1; j++) {
        uint64_t *col = A->bits + j / 64;
        const uint64_t bit = (uint64_t)1 << (j % 64);
        for (int i = 0; i < n; i++) {
            if (at == have) {
                have = total - drawn < 512 ? total - drawn : 512;
                rs_next_u64_fill(s, u, have);
                drawn += have;
                at = 0;
            }
            if (rs_u64_to_01(u[at++]) < prm->p) col[(size_t)i * (size_t)words] |= bit;
        }
    }
    return 0;
}

/* a_ji = [(...((0 + w_j1 x_i1) + w_j2 x_i2) + ... + w_jd0 x_id0) + b_j > 0] for all j, i:
 * every sum and product rounded in this order (no fused multiply-add), so the bits are
 * the same on every machine.  wb holds the weights by blocks of 4 neurons:
 * wb[(j/4) * 4 (d0 + 1) + 4 r + j%4] = w_jr, r = d0 the bias (0 past d1). */
static void init_bits_generic(const double *wb, const double *xt, int d0, int p, rs_pattern *A)
{
    const int d1 = A->d1, nb = (d1 + 3) / 4, stride = 4 * (d0 + 1);
    for (int i = 0; i < A->n; i++) {
        const double *x = xt + (size_t)i * p;
        uint64_t *bits = A->bits + (size_t)i * A->words;
        for (int w = 0; w < A->words; w++) bits[w] = 0;
        for (int q = 0; q < nb; q++) {
            const double *wq = wb + (size_t)q * stride;
            unsigned m = 0;
            for (int l = 0; l < 4; l++) {
                double z = 0.0;
                for (int r = 0; r < d0; r++) z += wq[4 * r + l] * x[r];
                m |= (unsigned)(z + wq[4 * d0 + l] > 0.0) << l;
            }
            bits[q / 16] |= (uint64_t)m << (4 * (q % 16));
        }
        if (d1 % 64) bits[A->words - 1] &= ((uint64_t)1 << (d1 % 64)) - 1;
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* The same with four neurons per AVX instruction: mul, then add, each rounded, as above
 * (the target enables AVX2 only, not FMA, so nothing is contracted).  The sum starts
 * from the first product instead of 0 + it: they differ at most in the sign of a zero,
 * which no later sum or the comparison > 0 can tell apart.
 * Blocks outer, points inner: each point's sums are a chain of d0 + 1 dependent
 * additions, and the points' chains are independent, so consecutive points overlap
 * instead of every block waiting for its own chain.  Inlined with a constant d0 (below),
 * the coordinate loop unrolls and a block pair's weights stay in registers. */
__attribute__((target("avx2"), always_inline)) static inline void
init_bits_avx2_d0(const double *wb, const double *xt, const int d0, int p, rs_pattern *A)
{
    const int d1 = A->d1, nb = (d1 + 3) / 4, stride = 4 * (d0 + 1), words = A->words;
    const __m256d zero = _mm256_setzero_pd();
    memset(A->bits, 0, sizeof *A->bits * (size_t)A->n * (size_t)words);
    for (int q = 0; q < nb; q += 2) { /* two blocks, one word: q even */
        const double *wq = wb + (size_t)q * stride;
        /* an odd last block pairs with a zero block: all-zero weights never fire */
        const double *wr = q + 1 < nb ? wq + stride : NULL;
        uint64_t *bits = A->bits + q / 16;
        const int shift = 4 * (q % 16);
        for (int i = 0; i < A->n; i++, bits += words) {
            const double *x = xt + (size_t)i * p;
            __m256d xr = _mm256_broadcast_sd(x);
            __m256d z0 = _mm256_mul_pd(_mm256_loadu_pd(wq), xr);
            __m256d z1 = wr ? _mm256_mul_pd(_mm256_loadu_pd(wr), xr) : zero;
            for (int r = 1; r < d0; r++) {
                xr = _mm256_broadcast_sd(x + r);
                z0 = _mm256_add_pd(z0, _mm256_mul_pd(_mm256_loadu_pd(wq + 4 * r), xr));
                if (wr) z1 = _mm256_add_pd(z1, _mm256_mul_pd(_mm256_loadu_pd(wr + 4 * r), xr));
            }
            z0 = _mm256_add_pd(z0, _mm256_loadu_pd(wq + 4 * d0));
            if (wr) z1 = _mm256_add_pd(z1, _mm256_loadu_pd(wr + 4 * d0));
            const unsigned m = (unsigned)_mm256_movemask_pd(_mm256_cmp_pd(z0, zero, _CMP_GT_OQ)) |
                               (unsigned)_mm256_movemask_pd(_mm256_cmp_pd(z1, zero, _CMP_GT_OQ)) << 4;
            *bits |= (uint64_t)m << shift;
        }
    }
    if (d1 % 64)
        for (int i = 0; i < A->n; i++) A->bits[(size_t)i * words + words - 1] &= ((uint64_t)1 << (d1 % 64)) - 1;
}

/* The same with eight neurons (a block pair) per AVX-512 instruction and four points at
 * a time: four independent chains of additions per pass over the coordinates, where one
 * point's chain of d0 additions left the adders waiting; the block pair's weights are
 * read once for the four (and with a constant small d0, below, kept in registers for all
 * points).  Lane by lane the same multiplies and adds in the same order (no contraction
 * into fused multiply-adds: Makefile.am), so the same bits. */
__attribute__((target("avx512f"), always_inline)) static inline void
init_bits_avx512_d0(const double *wb, const double *xt, const int d0, int p, rs_pattern *A)
{
    const int d1 = A->d1, nb = (d1 + 3) / 4, stride = 4 * (d0 + 1), words = A->words, n = A->n;
    const __m512d zero = _mm512_setzero_pd();
    memset(A->bits, 0, sizeof *A->bits * (size_t)n * (size_t)words);
    for (int q = 0; q < nb; q += 2) {
        const double *wq = wb + (size_t)q * stride;
        const double *wr = q + 1 < nb ? wq + stride : NULL; /* an odd last block: zero weights */
        const int shift = 4 * (q % 16);
#define RS_WPAIR(r)                                                                                               \
    _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(wq + 4 * (r))),                                    \
                       wr ? _mm256_loadu_pd(wr + 4 * (r)) : _mm256_setzero_pd(), 1)
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            const double *x0 = xt + (size_t)i * p, *x1 = x0 + p, *x2 = x1 + p, *x3 = x2 + p;
            __m512d w = RS_WPAIR(0);
            __m512d z0 = _mm512_mul_pd(w, _mm512_set1_pd(x0[0])), z1 = _mm512_mul_pd(w, _mm512_set1_pd(x1[0]));
            __m512d z2 = _mm512_mul_pd(w, _mm512_set1_pd(x2[0])), z3 = _mm512_mul_pd(w, _mm512_set1_pd(x3[0]));
            for (int r = 1; r < d0; r++) {
                w = RS_WPAIR(r);
                z0 = _mm512_add_pd(z0, _mm512_mul_pd(w, _mm512_set1_pd(x0[r])));
                z1 = _mm512_add_pd(z1, _mm512_mul_pd(w, _mm512_set1_pd(x1[r])));
                z2 = _mm512_add_pd(z2, _mm512_mul_pd(w, _mm512_set1_pd(x2[r])));
                z3 = _mm512_add_pd(z3, _mm512_mul_pd(w, _mm512_set1_pd(x3[r])));
            }
            w = RS_WPAIR(d0); /* the biases */
            uint64_t *bits = A->bits + (size_t)i * words + q / 16;
            bits[0] |= (uint64_t)_mm512_cmp_pd_mask(_mm512_add_pd(z0, w), zero, _CMP_GT_OQ) << shift;
            bits[words] |= (uint64_t)_mm512_cmp_pd_mask(_mm512_add_pd(z1, w), zero, _CMP_GT_OQ) << shift;
            bits[2 * words] |= (uint64_t)_mm512_cmp_pd_mask(_mm512_add_pd(z2, w), zero, _CMP_GT_OQ) << shift;
            bits[3 * words] |= (uint64_t)_mm512_cmp_pd_mask(_mm512_add_pd(z3, w), zero, _CMP_GT_OQ) << shift;
        }
        for (; i < n; i++) {
            const double *x = xt + (size_t)i * p;
            __m512d z = _mm512_mul_pd(RS_WPAIR(0), _mm512_set1_pd(x[0]));
            for (int r = 1; r < d0; r++) z = _mm512_add_pd(z, _mm512_mul_pd(RS_WPAIR(r), _mm512_set1_pd(x[r])));
            z = _mm512_add_pd(z, RS_WPAIR(d0));
            A->bits[(size_t)i * words + q / 16] |= (uint64_t)_mm512_cmp_pd_mask(z, zero, _CMP_GT_OQ) << shift;
        }
#undef RS_WPAIR
    }
    if (d1 % 64)
        for (int i = 0; i < n; i++) A->bits[(size_t)i * words + words - 1] &= ((uint64_t)1 << (d1 % 64)) - 1;
}

/* kernel(wb, xt, D, p, A) with the common input dimensions D as constants, so that the
 * coordinate loop unrolls and the weights stay in registers. */
#define RS_INIT_BY_D0(kernel)                                                                  \
    switch (d0) {                                                                              \
    case 1: kernel(wb, xt, 1, p, A); return;                                                   \
    case 2: kernel(wb, xt, 2, p, A); return;                                                   \
    case 3: kernel(wb, xt, 3, p, A); return;                                                   \
    case 4: kernel(wb, xt, 4, p, A); return;                                                   \
    case 5: kernel(wb, xt, 5, p, A); return;                                                   \
    case 6: kernel(wb, xt, 6, p, A); return;                                                   \
    case 7: kernel(wb, xt, 7, p, A); return;                                                   \
    case 8: kernel(wb, xt, 8, p, A); return;                                                   \
    case 10: kernel(wb, xt, 10, p, A); return;                                                 \
    default: kernel(wb, xt, d0, p, A);                                                         \
    }

__attribute__((target("avx512f"))) static void init_bits_avx512(const double *wb, const double *xt, int d0, int p,
                                                                rs_pattern *A)
{
    RS_INIT_BY_D0(init_bits_avx512_d0)
}

__attribute__((target("avx2"))) static void init_bits_avx2(const double *wb, const double *xt, int d0,
                                                           int p, rs_pattern *A)
{
    RS_INIT_BY_D0(init_bits_avx2_d0)
}
#undef RS_INIT_BY_D0
#endif

/* Draw order: for each neuron j, w_j[0..d0) then b_j (b_j only with bias and a law that
 * draws it; He sets b = 0 without drawing). */
int rs_init_weights(const rs_sampler_params *prm, int d1, rs_stream *s, double *wb)
{
    const int d0 = prm->d0, p = d0 + prm->bias;
    if (d0 < 1 || (prm->bias != 0 && prm->bias != 1)) return -1;
    const double sd_he = sqrt(2.0 / d0), lim = 1.0 / sqrt((double)d0);
    switch (prm->init) {
    case RS_INIT_TORCH: {
        /* nn.Linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = d0; the d1 p draws in
         * blocks, each mapped as rs_uniform_range maps its draw */
        uint64_t raw[256];
        for (size_t t = 0, total = (size_t)d1 * p; t < total;) {
            size_t m = total - t < 256 ? total - t : 256;
            rs_next_u64_fill(s, raw, m);
            for (size_t k = 0; k < m; k++, t++) wb[t] = rs_u64_to_range(raw[k], -lim, lim);
        }
        return 0;
    }
    case RS_INIT_GAUSSIAN:
        rs_normal_fill(s, wb, (size_t)d1 * p);
        return 0;
    case RS_INIT_HE:
        /* the d1 d0 draws packed at the front, then spread to stride p from the last
         * neuron down, as in data.c's draw_gaussian */
        rs_normal_fill(s, wb, (size_t)d1 * d0);
        for (int j = d1 - 1; j >= 0; j--) {
            double *w = wb + (size_t)j * p;
            memmove(w, wb + (size_t)j * d0, (size_t)d0 * sizeof *w);
            for (int r = 0; r < d0; r++) w[r] *= sd_he;
            if (prm->bias) w[d0] = 0.0;
        }
        return 0;
    }
    return -1;
}

/* a_ji = 1[<w_j, x_i> + b_j > 0] with the dot product summed over coordinates in
 * increasing order. */
static int sample_init(const rs_sampler_params *prm, const double *xt, rs_stream *s,
                       rs_pattern *A)
{
    int d0 = prm->d0, bias = prm->bias, p = d0 + bias, d1 = A->d1;
    if (d0 < 1 || (bias != 0 && bias != 1))
        return -1;
    /* the weights in blocks of 4 neurons (zero past d1, and b = 0 without bias), after
     * the plain draws */
    const int nb = (d1 + 3) / 4, stride = 4 * (d0 + 1);
    const size_t nw = (size_t)nb * stride;
    double *wb = malloc((nw + (size_t)d1 * p) * sizeof *wb), *plain = wb + nw;
    if (!wb)
        return -1;
    if (rs_init_weights(prm, d1, s, plain)) {
        free(wb);
        return -1;
    }
    memset(wb, 0, nw * sizeof *wb);
    for (int j = 0; j < d1; j++)
        for (int r = 0; r < p; r++) wb[(size_t)(j / 4) * stride + 4 * r + j % 4] = plain[(size_t)j * p + r];
#if defined(__x86_64__) && defined(__GNUC__)
    if (rs_cpu_has(RS_CPU_AVX512))
        init_bits_avx512(wb, xt, d0, p, A);
    else if (rs_cpu_has(RS_CPU_AVX2))
        init_bits_avx2(wb, xt, d0, p, A);
    else
#endif
        init_bits_generic(wb, xt, d0, p, A);
    free(wb);
    return 0;
}

/* The realizable rows of the last dataset the general region sampler saw: datasets are
 * shared by consecutive trials (sweep.patterns_per_dataset), so one enumeration serves
 * them all.  Keyed by the data's bytes; one per process (ranks are single-threaded). */
static struct {
    rs_regions r;
    uint64_t key;
    int have;
} region_cache;

/* The walk's state for the last dataset (regions.h) and a row, one per process like region_cache. */
static rs_region_walk region_walk;
static uint64_t *walk_row;
static size_t walk_row_cap;

/* The enumerated rows of dataset xt, from region_cache or built: NULL when too many, or
 * not in general position. */
static const rs_regions *enumerated_rows(const double *xt, int p, int n)
{
    uint64_t key = rs_regions_data_key(xt, p, n);
    if (!region_cache.have || region_cache.key != key || region_cache.r.n != n || region_cache.r.p != p) {
        rs_regions_free(&region_cache.r);
        region_cache.have = 0;
        if (rs_regions_list(&region_cache.r, xt, p, n)) return NULL;
        region_cache.key = key;
        region_cache.have = 1;
    }
    return &region_cache.r;
}

static void set_row(rs_pattern *A, int j, const uint64_t *row)
{
    for (int q = 0; q < (A->n + 63) / 64; q++) /* the set bits only */
        for (uint64_t x = row[q]; x; x &= x - 1) rs_pattern_set(A, j, 64 * q + __builtin_ctzll(x));
}

/* Non-empty regions for any d0: each row iid uniform over the realizable rows of the data
 * (regions.h), exactly.  Sampled: where enumerating the dataset's rows once is cheaper
 * than the draws of all its patterns (rs_region_enumerate_cheaper), one
 * rs_uniform_index(count) per neuron into the enumerated rows; otherwise one row per
 * neuron by rs_region_draw (rejection from the extreme rays).  Exhaustive: the
 * enumerated rows, row j the j-th digit of the index in base count. */
static int sample_region_general(const rs_sampler_params *prm, const double *xt, rs_stream *s, rs_pattern *A)
{
    const int n = A->n, p = prm->d0 + prm->bias;
    const double rows = (double)A->d1 * (double)(prm->per_dataset > 1 ? prm->per_dataset : 1);
    rs_pattern_clear(A);
    if (!prm->exhaustive && !rs_region_enumerate_cheaper(n, p, rows)) {
        if (rs_region_walk_prepare(&region_walk, xt, p, n) || /* dependent points, or memory */
            rs_reserve((void **)&walk_row, &walk_row_cap, (size_t)(n + 63) / 64, sizeof *walk_row))
            return -1;
        for (int j = 0; j < A->d1; j++) {
            if (rs_region_draw(&region_walk, xt, s, walk_row)) return -1; /* not in general position */
            set_row(A, j, walk_row);
        }
        return 0;
    }
    const rs_regions *r = enumerated_rows(xt, p, n);
    if (!r) return -1; /* too large, or not general position */
    uint64_t rest = (uint64_t)prm->index; /* exhaustive: its digits in base count */
    for (int j = 0; j < A->d1; j++) {
        uint64_t q = prm->exhaustive ? rest % (uint64_t)r->count : rs_uniform_index(s, (uint64_t)r->count);
        rest /= (uint64_t)r->count;
        set_row(A, j, r->rows + (size_t)q * r->words);
    }
    return 0;
}

/* Non-empty regions.  1-D data with bias (the fast path): each row iid uniform over the 2n
 * step vectors of the sorted points; draw order: one rs_uniform_index(2n) per neuron
 * j = 0..d1-1.  Any other shape: sample_region_general. */
static int sample_region(const rs_sampler_params *prm, const double *xt, rs_stream *s,
                         rs_pattern *A)
{
    if (prm->d0 != 1 || prm->bias != 1)
        return sample_region_general(prm, xt, s, A);
    int n = A->n;
    rs_pattern_clear(A);
    if (n == 0)
        return 0;
    rs_keyed *key = malloc((size_t)n * sizeof *key);
    int *order = malloc((size_t)n * sizeof *order);
    if (!key || !order) {
        free(key);
        free(order);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        key[i].x = xt[(size_t)i * 2]; /* p = 2: column i is (x_i, 1) */
        key[i].i = i;
    }
    qsort(key, (size_t)n, sizeof *key, rs_cmp_keyed);
    for (int r = 0; r < n; r++)
        order[r] = key[r].i;
    uint64_t rest = (uint64_t)prm->index; /* exhaustive: its digits in base 2n */
    for (int j = 0; j < A->d1; j++) {
        uint64_t k = prm->exhaustive ? rest % (2 * (uint64_t)n) : rs_uniform_index(s, 2 * (uint64_t)n);
        rest /= 2 * (uint64_t)n;
        rs_step_vector_set(A, j, (int)k, order);
    }
    free(key);
    free(order);
    return 0;
}

static const char *init_reach(const rs_sampler_params *prm)
{
    if (prm->init == RS_INIT_HE && prm->bias)
        return "pattern.init = he sets every bias b = 0, so with data.bias = true every hyperplane passes "
               "through the origin: only the regions of the central arrangement in R^d0 are reached (in 1-D, 2 "
               "of the 2n realizable rows per neuron); use pattern.init = gaussian for a volume measure";
    return NULL;
}

static const char *bernoulli_reach(const rs_sampler_params *prm)
{
    if (prm->p == 0.0 || prm->p == 1.0)
        return prm->p == 0.0 ? "pattern.p = 0: every pattern is all zero" : "pattern.p = 1: every pattern is all one";
    return NULL;
}

static const rs_sampler rs_samplers[] = {
    {.name = "bernoulli",
     .help = "all patterns: a_ji iid Bernoulli(p)",
     .sample = sample_bernoulli,
     .reach = bernoulli_reach},
    {.name = "init",
     .help = "volume: pattern of randomly initialised weights (gaussian|he|torch)",
     .sample = sample_init,
     .reach = init_reach,
     .regions_only = 1},
    {.name = "region",
     .help = "non-empty regions: rows iid uniform over the realizable dichotomies of the data (1-D with "
             "bias: the 2n step vectors)",
     .sample = sample_region,
     .regions_only = 1},
};

const rs_sampler *rs_sampler_lookup(const char *name)
{
    if (!name)
        return NULL;
    for (size_t k = 0; k < sizeof rs_samplers / sizeof rs_samplers[0]; k++)
        if (strcmp(name, rs_samplers[k].name) == 0)
            return &rs_samplers[k];
    return NULL;
}

const char *rs_sampler_names(void)
{
    static char names[128];
    const char *list[RS_ARRAY_LEN(rs_samplers)];
    for (size_t k = 0; k < RS_ARRAY_LEN(rs_samplers); k++) list[k] = rs_samplers[k].name;
    return names[0] ? names : rs_names_join(list, (int)RS_ARRAY_LEN(rs_samplers), names, sizeof names);
}

/* ---------------------------------------------------------------- name tables */

static const char *const rs_init_names[] = {
    [RS_INIT_GAUSSIAN] = "gaussian",
    [RS_INIT_HE] = "he",
    [RS_INIT_TORCH] = "torch",
};

static const char *const rs_vout_names[] = {
    [RS_VOUT_GAUSSIAN] = "gaussian",
    [RS_VOUT_BALANCED] = "balanced",
    [RS_VOUT_ONES] = "ones",
};

#define RS_NNAMES(a) ((int)RS_ARRAY_LEN(a))

int rs_init_law_from_name(const char *name)
{
    return rs_name_index(rs_init_names, RS_NNAMES(rs_init_names), name);
}

const char *rs_init_law_name(rs_init_law law)
{
    return (int)law >= 0 && (int)law < RS_NNAMES(rs_init_names) ? rs_init_names[law] : "unknown";
}

int rs_vout_law_from_name(const char *name)
{
    return rs_name_index(rs_vout_names, RS_NNAMES(rs_vout_names), name);
}

const char *rs_init_law_names(void)
{
    static char names[64];
    return names[0] ? names : rs_names_join(rs_init_names, RS_NNAMES(rs_init_names), names, sizeof names);
}

const char *rs_vout_law_names(void)
{
    static char names[64];
    return names[0] ? names : rs_names_join(rs_vout_names, RS_NNAMES(rs_vout_names), names, sizeof names);
}

const char *rs_vout_law_name(rs_vout_law law)
{
    return (int)law >= 0 && (int)law < RS_NNAMES(rs_vout_names) ? rs_vout_names[law] : "unknown";
}

void rs_vout_draw(rs_vout_law law, int d1, rs_stream *s, double *v)
{
    if (law == RS_VOUT_GAUSSIAN) {
        rs_normal_fill(s, v, (size_t)d1); /* never 0, as the rank argument needs */
        return;
    }
    for (int j = 0; j < d1; j++) {
        switch (law) {
        case RS_VOUT_BALANCED:
            v[j] = j < d1 / 2 ? -1.0 : 1.0;
            break;
        case RS_VOUT_ONES:
        default:
            v[j] = 1.0;
            break;
        }
    }
}
