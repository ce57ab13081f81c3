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

int rs_pattern_has_zero_column(const rs_pattern *A)
{
    for (int i = 0; i < A->n; i++) {
        const uint64_t *col = A->bits + (size_t)i * (size_t)A->words;
        uint64_t any = 0;
        for (int w = 0; w < A->words; w++) any |= col[w] & rs_word_mask(A, w);
        if (!any) return 1;
    }
    return 0;
}

/* qsort has no context argument (qsort_r is not C11); a thread-local pointer keeps the
 * comparator reentrant across threads. */
static _Thread_local const rs_pattern *rs_cmp_pattern;

static int rs_cmp_columns(const void *pa, const void *pb)
{
    const rs_pattern *A = rs_cmp_pattern;
    const uint64_t *a = A->bits + (size_t)*(const int *)pa * (size_t)A->words;
    const uint64_t *b = A->bits + (size_t)*(const int *)pb * (size_t)A->words;
    for (int w = 0; w < A->words; w++) {
        uint64_t m = rs_word_mask(A, w), x = a[w] & m, y = b[w] & m;
        if (x != y) return x < y ? -1 : 1;
    }
    return 0;
}

int rs_pattern_max_column_multiplicity(const rs_pattern *A, int *scratch)
{
    const int n = A->n;
    if (n <= 0) return 0;
    for (int i = 0; i < n; i++) scratch[i] = i;
    rs_cmp_pattern = A;
    qsort(scratch, (size_t)n, sizeof *scratch, rs_cmp_columns);
    /* Equal columns are now adjacent: the answer is the longest run. */
    int best = 1, run = 1;
    for (int i = 1; i < n; i++) {
        run = rs_cmp_columns(&scratch[i - 1], &scratch[i]) == 0 ? run + 1 : 1;
        if (run > best) best = run;
    }
    rs_cmp_pattern = NULL;
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
    const double u = DBL_EPSILON / 2;
    double gd = (double)d1 * u / (1 - (double)d1 * u), gp = (double)p * u / (1 - (double)p * u);
    return ((gd + gp + u) * (1 + gd) + u) * trace;
}

static uint64_t rs_row_hash(const uint64_t *row, int words)
{
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (int w = 0; w < words; w++) {
        h ^= row[w] + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
        h *= 0xBF58476D1CE4E5B9ull;
    }
    return h ^ (h >> 31);
}

int rs_neuron_reduce(const rs_pattern *A, const double *v, rs_pattern *R, double *vr,
                     uint64_t *rows, rs_neuron_key *key)
{
    const int n = A->n, d1 = A->d1, rw = (n + 63) / 64;
    memset(rows, 0, sizeof *rows * (size_t)d1 * (size_t)rw);
    for (int i = 0; i < n; i++)
        for (int w = 0; w < A->words; w++) {
            uint64_t word = A->bits[(size_t)i * A->words + w] & rs_word_mask(A, w);
            while (word) {
                int j = w * 64 + __builtin_ctzll(word);
                word &= word - 1;
                rows[(size_t)j * rw + i / 64] |= (uint64_t)1 << (i % 64);
            }
        }
    /* Open-addressing table of kept neurons by row hash (size a power of two >= 2 d1,
     * in key[d1 ...]); neurons are visited in index order, so the kept list, their order
     * and the sums of v_j^2 are the same on every run. */
    size_t tsize = 2;
    while (tsize < 2 * (size_t)d1) tsize *= 2;
    rs_neuron_key *table = key + d1;
    for (size_t t = 0; t < tsize; t++) table[t].index = -1;
    int kept = 0;
    for (int j = 0; j < d1; j++) {
        const uint64_t *row = rows + (size_t)j * rw;
        int zero = 1;
        for (int w = 0; w < rw && zero; w++) zero = row[w] == 0;
        if (zero) continue; /* a silent neuron adds nothing */
        uint64_t h = rs_row_hash(row, rw);
        size_t t = (size_t)h & (tsize - 1);
        while (table[t].index >= 0 &&
               (table[t].hash != h ||
                memcmp(rows + (size_t)key[table[t].index].index * rw, row, sizeof *row * (size_t)rw)))
            t = (t + 1) & (tsize - 1);
        if (table[t].index < 0) {
            table[t] = (rs_neuron_key){h, kept};
            key[kept] = (rs_neuron_key){h, j};
            vr[kept++] = v[j] * v[j];
        } else {
            vr[table[t].index] += v[j] * v[j];
        }
    }
    for (int k = 0; k < kept; k++) vr[k] = sqrt(vr[k]);
    R->d1 = kept;
    R->n = n;
    R->words = kept > 0 ? (kept + 63) / 64 : 0;
    if (kept == 0) return 0;
    memset(R->bits, 0, sizeof *R->bits * (size_t)n * (size_t)R->words);
    for (int k = 0; k < kept; k++) {
        const uint64_t *row = rows + (size_t)key[k].index * rw;
        for (int w = 0; w < rw; w++) {
            uint64_t word = row[w];
            while (word) {
                int i = w * 64 + __builtin_ctzll(word);
                word &= word - 1;
                R->bits[(size_t)i * R->words + k / 64] |= (uint64_t)1 << (k % 64);
            }
        }
    }
    return kept;
}
