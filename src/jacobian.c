/* jacobian.c - J_A = rows (v .* a_{:,i}) kron x~_i, and combinatorial rank certificates.
 *
 * Bits of the last word above d1 are masked off everywhere: the layout leaves them
 * unspecified, and a stray bit would index v out of range or split equal columns. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "reluscape/jacobian.h"
#include "util.h"


/* Valid bits of word w of a point. */
static inline uint64_t rs_word_mask(const rs_pattern *A, int w)
{
    int rem = A->d1 - 64 * w;
    return rem >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << rem) - 1;
}

void rs_jacobian_build(const rs_pattern *A, const double *v, const double *xt, int p, double *J)
{
    const int n = A->n, words = A->words;
    const size_t ld = (size_t)n;
    const size_t total = ld * (size_t)A->d1 * (size_t)p;
    if (total == 0) return;
    /* Patterns are roughly half zero, so one memset plus writing only the active blocks
     * beats testing every (neuron, point) pair while filling. */
    memset(J, 0, total * sizeof *J);
    for (int i = 0; i < n; i++) {
        const uint64_t *col = A->bits + (size_t)i * (size_t)words;
        const double *x = xt + (size_t)p * (size_t)i;
        for (int w = 0; w < words; w++) {
            uint64_t b = col[w] & rs_word_mask(A, w);
            while (b) {
                int j = 64 * w + __builtin_ctzll(b);
                b &= b - 1;
                double vj = v[j];
                double *dst = J + i + ld * (size_t)j * (size_t)p;
                for (int k = 0; k < p; k++) dst[ld * (size_t)k] = vj * x[k];
            }
        }
    }
}

int rs_pattern_column_is_zero(const rs_pattern *A, int i)
{
    const uint64_t *col = A->bits + (size_t)i * (size_t)A->words;
    uint64_t any = 0;
    for (int w = 0; w < A->words; w++) any |= col[w] & rs_word_mask(A, w);
    return !any;
}

int rs_pattern_has_zero_column(const rs_pattern *A)
{
    for (int i = 0; i < A->n; i++)
        if (rs_pattern_column_is_zero(A, i)) return 1;
    return 0;
}

uint64_t rs_words_hash(const uint64_t *x, int words, uint64_t last)
{
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (int w = 0; w < words; w++) {
        h ^= (w + 1 < words ? x[w] : x[w] & last) + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
        h *= 0xBF58476D1CE4E5B9ull;
    }
    return h ^ (h >> 31);
}

static uint64_t rs_column_hash(const rs_pattern *A, int i)
{
    return rs_words_hash(A->bits + (size_t)i * (size_t)A->words, A->words, rs_word_mask(A, A->words - 1));
}

static int rs_same_column(const rs_pattern *A, int a, int b)
{
    const uint64_t *x = A->bits + (size_t)a * (size_t)A->words, *y = A->bits + (size_t)b * (size_t)A->words;
    for (int w = 0; w < A->words; w++)
        if ((x[w] ^ y[w]) & rs_word_mask(A, w)) return 0;
    return 1;
}

int rs_pattern_column_classes(const rs_pattern *A, int *first, int *count, int *table)
{
    const int n = A->n;
    const size_t tsize = rs_hash_slots(n);
    for (size_t t = 0; t < tsize; t++) table[t] = -1;
    int classes = 0;
    for (int i = 0; i < n; i++) {
        size_t t = (size_t)rs_column_hash(A, i) & (tsize - 1);
        while (table[t] >= 0 && !rs_same_column(A, table[t], i)) t = (t + 1) & (tsize - 1);
        if (table[t] < 0) {
            table[t] = i;
            classes++;
            if (count) count[i] = 0;
        }
        first[i] = table[t];
        if (count) count[table[t]]++;
    }
    return classes;
}

int rs_pattern_max_column_multiplicity(const rs_pattern *A, int *scratch)
{
    const int n = A->n;
    if (n <= 0) return 0;
    /* a hash table of the distinct columns (on the stack for the usual sizes) */
    enum { STACK_N = 512 };
    int stack[2 * STACK_N + 1024];
    int *heap = NULL, *count = stack, *table = stack + STACK_N;
    if (n > STACK_N) {
        heap = malloc(sizeof *heap * ((size_t)n + rs_hash_slots(n)));
        if (!heap) return n; /* out of memory: say "crowded", which only skips a shortcut */
        count = heap;
        table = heap + n;
    }
    rs_pattern_column_classes(A, scratch, count, table);
    int best = 0;
    for (int i = 0; i < n; i++)
        if (scratch[i] == i && count[i] > best) best = count[i];
    free(heap);
    return best;
}

/* G_ii' = K_ii' S_ii' with K = B^T B, B_ji = |v_j| a_ji, and S = X~^T X~.  Rounding: K's
 * sums have non-negative terms, so K~ = K (1 + theta), |theta| <= gamma_d1; S~_ii' = S_ii' + e
 * with |e| <= gamma_p |x_i| |x_i'|; the product adds one rounding u.  With |S_ii'| <= |x_i||x_i'|
 * and K_ii' <= sqrt(K_ii K_i'i'), every |G~ - G|_ii' <= c r_i r_i' where r_i = sqrt(K_ii) |x_i|
 * is the norm of row i of J and c = (gamma_d1 + gamma_p + u)(1 + gamma_d1) + u; hence
 * ||G~ - G||_2 <= c |r|^2 = c tr G. */
double rs_gram_build(const rs_pattern *A, const double *v, const double *xt, int p, double *G,
                     double *scratch)
{
    const int n = A->n, d1 = A->d1;
    double *B = scratch;
    memset(B, 0, sizeof *B * (size_t)n * (size_t)d1);
    for (int i = 0; i < n; i++) {
        double *Bi = B + (size_t)i * (size_t)d1;
        for (int w = 0; w < A->words; w++) {
            uint64_t word = A->bits[(size_t)i * A->words + w] & rs_word_mask(A, w);
            while (word) {
                int j = w * 64 + __builtin_ctzll(word);
                word &= word - 1;
                Bi[j] = fabs(v[j]);
            }
        }
    }
    const double one = 1.0, zero = 0.0;
    dsyrk_("L", "T", &n, &d1, &one, B, &d1, &zero, G, &n); /* K, n x n */
    double *S = B;                                         /* B is no longer needed */
    dsyrk_("L", "T", &n, &p, &one, xt, &p, &zero, S, &n);
    double trace = 0;
    for (int i = 0; i < n; i++)
        for (int k = i; k < n; k++) {
            size_t at = (size_t)i * (size_t)n + (size_t)k;
            G[at] *= S[at];
            if (k == i) trace += G[at];
        }
    return rs_gram_error_bound(d1, p, trace);
}

double rs_gram_error_bound(int d1, int p, double trace)
{
    const double u = DBL_EPSILON / 2;
    double gd = (double)d1 * u / (1 - (double)d1 * u), gp = (double)p * u / (1 - (double)p * u);
    return ((gd + gp + u) * (1 + gd) + u) * trace;
}

/* In-place transpose of a 64 x 64 bit matrix, bit c of a[r] = entry (r, c): after it,
 * bit c of a[r] is the former entry (c, r).  Six rounds of block swaps, of j = 32, 16, ..,
 * 1 rows with mask m; rs_transpose64_rounds runs them from (j, m) on. */
static void rs_transpose64_rounds(uint64_t a[64], int j, uint64_t m)
{
    for (; j; j >>= 1, m ^= m << j)
        for (int k = 0; k < 64; k = ((k | j) + 1) & ~j) {
            uint64_t t = ((a[k] >> j) ^ a[k | j]) & m;
            a[k] ^= t << j;
            a[k | j] ^= t;
        }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* The same rounds; those with j >= 4 swap four consecutive rows per instruction. */
__attribute__((target("avx2"))) static void rs_transpose64_avx2(uint64_t a[64])
{
    uint64_t m = 0x00000000FFFFFFFFull;
    int j = 32;
    for (; j >= 4; j >>= 1, m ^= m << j) {
        const __m256i mv = _mm256_set1_epi64x((long long)m);
        for (int base = 0; base < 64; base += 2 * j)
            for (int k = base; k < base + j; k += 4) {
                __m256i x = _mm256_loadu_si256((const __m256i *)(a + k));
                __m256i y = _mm256_loadu_si256((const __m256i *)(a + k + j));
                __m256i t = _mm256_and_si256(_mm256_xor_si256(_mm256_srli_epi64(x, j), y), mv);
                _mm256_storeu_si256((__m256i *)(a + k), _mm256_xor_si256(x, _mm256_slli_epi64(t, j)));
                _mm256_storeu_si256((__m256i *)(a + k + j), _mm256_xor_si256(y, t));
            }
    }
    /* gcc leaves this function without a vzeroupper: with the upper halves of the ymm
     * registers in use, every later SSE instruction of the process pays the AVX-SSE
     * transition (libm's log and sincos behind the Gaussian draws ran 6x slower) */
    _mm256_zeroupper();
    rs_transpose64_rounds(a, j, m);
}
#endif

static void rs_transpose64(uint64_t a[64])
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (rs_cpu_has(RS_CPU_AVX2)) {
        rs_transpose64_avx2(a);
        return;
    }
#endif
    rs_transpose64_rounds(a, 32, 0x00000000FFFFFFFFull);
}

int rs_neuron_reduce(const rs_pattern *A, const double *v, rs_pattern *R, double *vr,
                     uint64_t *rows, rs_neuron_key *key)
{
    const int n = A->n, d1 = A->d1, rw = (n + 63) / 64;
    uint64_t blk[64];
    /* neuron-major rows, 64 points x 64 neurons at a time */
    for (int ib = 0; ib < rw; ib++) {
        const int ni = n - 64 * ib < 64 ? n - 64 * ib : 64;
        for (int w = 0; w < A->words; w++) {
            const uint64_t mask = rs_word_mask(A, w);
            for (int r = 0; r < 64; r++)
                blk[r] = r < ni ? A->bits[(size_t)(64 * ib + r) * A->words + w] & mask : 0;
            rs_transpose64(blk);
            const int nj = d1 - 64 * w < 64 ? d1 - 64 * w : 64;
            for (int c = 0; c < nj; c++) rows[(size_t)(64 * w + c) * rw + ib] = blk[c];
        }
    }
    /* Open-addressing table of kept neurons by row hash (size a power of two >= 2 d1): the
     * slots are int indices into the kept list key[0..kept), stored in key[d1 ...], so
     * clearing it is a short memset.  Neurons are visited in index order, so the kept
     * list, their order and the sums of v_j^2 are the same on every run. */
    const size_t tsize = rs_hash_slots(d1);
    int *table = (int *)(key + d1);
    memset(table, 0xff, sizeof *table * tsize); /* -1: empty */
    int kept = 0;
    for (int j = 0; j < d1; j++) {
        const uint64_t *row = rows + (size_t)j * rw;
        int zero = 1;
        for (int w = 0; w < rw && zero; w++) zero = row[w] == 0;
        if (zero) continue; /* a silent neuron adds nothing */
        uint64_t h = rs_words_hash(row, rw, ~(uint64_t)0);
        size_t t = (size_t)h & (tsize - 1);
        while (table[t] >= 0 &&
               (key[table[t]].hash != h ||
                memcmp(rows + (size_t)key[table[t]].index * rw, row, sizeof *row * (size_t)rw)))
            t = (t + 1) & (tsize - 1);
        if (table[t] < 0) {
            table[t] = kept;
            key[kept] = (rs_neuron_key){h, j};
            vr[kept++] = v[j] * v[j];
        } else {
            vr[table[t]] += v[j] * v[j];
        }
    }
    for (int k = 0; k < kept; k++) vr[k] = sqrt(vr[k]);
    R->d1 = kept;
    R->n = n;
    R->words = kept > 0 ? (kept + 63) / 64 : 0;
    if (kept == 0) return 0;
    /* back to point-major, 64 kept neurons x 64 points at a time */
    for (int kb = 0; kb < R->words; kb++) {
        const int nk = kept - 64 * kb < 64 ? kept - 64 * kb : 64;
        for (int ib = 0; ib < rw; ib++) {
            for (int c = 0; c < 64; c++)
                blk[c] = c < nk ? rows[(size_t)key[64 * kb + c].index * rw + ib] : 0;
            rs_transpose64(blk);
            const int ni = n - 64 * ib < 64 ? n - 64 * ib : 64;
            for (int r = 0; r < ni; r++) R->bits[(size_t)(64 * ib + r) * R->words + kb] = blk[r];
        }
    }
    return kept;
}
