/* train.c - full-batch gradient descent on the two-layer ReLU network (train.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/train.h"
#include "util.h"

/* Neurons per block: the points' coordinates are loaded once for NB neurons. */
#define NB 4

static const char *const optimizer_names[] = {"gd", "adam"};

int rs_train_optimizer_from_name(const char *name)
{
    return rs_name_index(optimizer_names, (int)RS_ARRAY_LEN(optimizer_names), name);
}

const char *rs_train_optimizer_names(void)
{
    static char names[32];
    return names[0] ? names : rs_names_join(optimizer_names, (int)RS_ARRAY_LEN(optimizer_names), names, sizeof names);
}

int rs_train_work_init(rs_train_work *tw, int d1, int p, int n, const double *xt)
{
    const size_t P1 = (size_t)d1 * (size_t)(p + 1), words = (size_t)(n + 63) / 64;
    const int npad = (n + 3) / 4 * 4, d1pad = (d1 + 7) / 8 * 8;
    if (n > RS_TRAIN_MAX_N) return -1;
    if (!tw->kernels) rs_train_set_kernels(tw, -1);
    if (rs_reserve((void **)&tw->x, &tw->cap[0], (size_t)(p + 4) * npad, sizeof(double)) ||
        rs_reserve((void **)&tw->wt, &tw->cap[4], 2 * (size_t)p * d1pad, sizeof(double)) ||
        rs_reserve((void **)&tw->bits, &tw->cap[3], NB * words, sizeof(uint64_t)) ||
        rs_reserve((void **)&tw->mask, &tw->cap[1], (size_t)d1 * (size_t)((n + 63) / 64), sizeof(uint64_t)) ||
        rs_reserve((void **)&tw->grad, &tw->cap[2], 3 * P1, sizeof(double)))
        return -1;
    tw->d1 = d1;
    tw->p = p;
    tw->n = n;
    tw->npad = npad;
    tw->d1pad = d1pad;
    memset(tw->wt, 0, 2 * (size_t)p * d1pad * sizeof(double)); /* the padding neurons are 0 */
    tw->z = tw->x + (size_t)p * npad;
    tw->f = tw->z + npad;
    tw->r = tw->f + npad;
    tw->q = tw->r + npad;
    tw->m1 = tw->grad + P1;
    tw->m2 = tw->m1 + P1;
    memset(tw->x, 0, (size_t)(p + 4) * npad * sizeof(double)); /* the padding point is 0 */
    for (int i = 0; i < n; i++)
        for (int r = 0; r < p; r++) tw->x[(size_t)r * npad + i] = xt[(size_t)i * p + r];
    memset(tw->mask, 0, (size_t)d1 * (size_t)((n + 63) / 64) * sizeof(uint64_t));
    memset(tw->m1, 0, 2 * P1 * sizeof(double));
    tw->hash = 0;
    tw->flips = 0;
    return 0;
}

void rs_train_work_free(rs_train_work *tw)
{
    free(tw->x);
    free(tw->mask);
    free(tw->grad);
    free(tw->bits);
    free(tw->wt);
    memset(tw, 0, sizeof *tw);
}

/* Zobrist key of bit (j, i): splitmix64 of its index. */
static uint64_t bit_key(uint64_t k)
{
    k += 0x9e3779b97f4a7c15ULL;
    k = (k ^ (k >> 30)) * 0xbf58476d1ce4e5b9ULL;
    k = (k ^ (k >> 27)) * 0x94d049bb133111ebULL;
    return k ^ (k >> 31);
}

/* The kernels (train_kernels.h) for each instruction set.  Points are padded to a
 * multiple of 4 with zero points and neurons to a multiple of 8 with zero weights: a zero
 * point or neuron is never active (z = 0) and adds exact zeros. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define VEC __m128d
#define LANES 2
#define V_LOAD(a) _mm_loadu_pd(a)
#define V_STORE(a, x) _mm_storeu_pd(a, x)
#define V_SET1(c) _mm_set1_pd(c)
#define V_ADD(a, b) _mm_add_pd(a, b)
#define V_MUL(a, b) _mm_mul_pd(a, b)
#define V_ZERO() _mm_setzero_pd()
#define V_ACTIVE(z, t) _mm_and_pd(_mm_cmpgt_pd(z, _mm_setzero_pd()), t)
#define V_BITS(z) ((unsigned)_mm_movemask_pd(_mm_cmpgt_pd(z, _mm_setzero_pd())))
#define KFN(name) name##_sse2
#define KATTR
#include "train_kernels.h"

#define VEC __m256d
#define LANES 4
#define V_LOAD(a) _mm256_loadu_pd(a)
#define V_STORE(a, x) _mm256_storeu_pd(a, x)
#define V_SET1(c) _mm256_set1_pd(c)
#define V_ADD(a, b) _mm256_add_pd(a, b)
#define V_MUL(a, b) _mm256_mul_pd(a, b)
#define V_ZERO() _mm256_setzero_pd()
#define V_ACTIVE(z, t) _mm256_and_pd(_mm256_cmp_pd(z, _mm256_setzero_pd(), _CMP_GT_OQ), t)
#define V_BITS(z) ((unsigned)_mm256_movemask_pd(_mm256_cmp_pd(z, _mm256_setzero_pd(), _CMP_GT_OQ)))
#define KFN(name) name##_avx2
#define KATTR __attribute__((target("avx2"))) /* every kernel function, helpers too (clang) */
#include "train_kernels.h"
#define HAVE_SIMD_KERNELS 1
#endif

/* Plain C: two lanes in a struct, the same operations. */
typedef struct {
    double a, b;
} pair;
static inline pair p_load(const double *a) { return (pair){a[0], a[1]}; }
static inline pair p_set1(double c) { return (pair){c, c}; }
static inline pair p_add(pair x, pair y) { return (pair){x.a + y.a, x.b + y.b}; }
static inline pair p_mul(pair x, pair y) { return (pair){x.a * y.a, x.b * y.b}; }
#define VEC pair
#define LANES 2
#define V_LOAD(a) p_load(a)
#define V_STORE(p, x) ((p)[0] = (x).a, (p)[1] = (x).b)
#define V_SET1(c) p_set1(c)
#define V_ADD(a, b) p_add(a, b)
#define V_MUL(a, b) p_mul(a, b)
#define V_ZERO() p_set1(0.0)
#define V_ACTIVE(z, t) ((pair){(z).a > 0 ? (t).a : 0.0, (z).b > 0 ? (t).b : 0.0})
#define V_BITS(z) ((unsigned)((z).a > 0) | (unsigned)((z).b > 0) << 1)
#define KFN(name) name##_plain
#define KATTR
#include "train_kernels.h"

typedef struct kernels {
    void (*forward_block)(const rs_train_work *tw, const double *w, const double *v, int nb, double *f, uint64_t *bits);
    void (*backward_all)(const rs_train_work *tw, const double *Wt, double *S);
} kernels;

static const kernels kernel_sets[] = {
    {forward_block_plain, backward_all_plain},
#ifdef HAVE_SIMD_KERNELS
    {forward_block_sse2, backward_all_sse2},
    {forward_block_avx2, backward_all_avx2},
#endif
};

/* AVX2 where the CPU has it (and RELUSCAPE_GENERIC_KERNELS is not set), else SSE2 on
 * x86-64, else plain C: the same results from each. */
static const kernels *kernels_for_cpu(void)
{
#ifdef HAVE_SIMD_KERNELS
    return rs_cpu_has(RS_CPU_AVX2) ? &kernel_sets[2] : &kernel_sets[1];
#else
    return &kernel_sets[0];
#endif
}

int rs_train_set_kernels(rs_train_work *tw, int which)
{
    if (which < 0) {
        tw->kernels = kernels_for_cpu();
        return 0;
    }
    if (which >= (int)RS_ARRAY_LEN(kernel_sets)) return -1;
    tw->kernels = &kernel_sets[which];
    return 0;
}

static double sum_squares(const double *r, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += r[i] * r[i];
    return s;
}

double rs_train_forward(rs_train_work *tw, const double *W, const double *v, const double *y)
{
    const int n = tw->n, p = tw->p, d1 = tw->d1, words = (n + 63) / 64;
    const kernels *kern = tw->kernels;
    double *restrict f = tw->f, *restrict r = tw->r;
    uint64_t *bits = tw->bits;
    memset(f, 0, (size_t)tw->npad * sizeof *f);
    tw->flips = 0;
    for (int j0 = 0; j0 < d1; j0 += NB) {
        const int nb = d1 - j0 < NB ? d1 - j0 : NB;
        memset(bits, 0, (size_t)nb * words * sizeof *bits);
        kern->forward_block(tw, W + (size_t)j0 * p, v + j0, nb, f, bits);
        for (int k = 0; k < nb; k++) {
            uint64_t *m = tw->mask + (size_t)(j0 + k) * words;
            for (int w = 0; w < words; w++) {
                uint64_t now = bits[k * words + w], diff = now ^ m[w];
                if (!diff) continue;
                m[w] = now;
                tw->flips += __builtin_popcountll(diff);
                for (; diff; diff &= diff - 1)
                    tw->hash ^= bit_key((uint64_t)(j0 + k) * (uint64_t)n + 64 * (uint64_t)w +
                                        (uint64_t)__builtin_ctzll(diff));
            }
        }
    }
    for (int i = 0; i < n; i++) r[i] = f[i] - y[i];
    for (int i = n; i < tw->npad; i++) r[i] = 0;
    return sum_squares(r, n) / (2.0 * n);
}

void rs_train_gradient(rs_train_work *tw, const double *W, const double *v, int train_v)
{
    const int n = tw->n, p = tw->p, d1 = tw->d1, d1pad = tw->d1pad;
    double *gv = tw->grad + (size_t)d1 * p, *Wt = tw->wt, *S = tw->wt + (size_t)p * d1pad;
    for (int j = 0; j < d1; j++)
        for (int r = 0; r < p; r++) Wt[(size_t)r * d1pad + j] = W[(size_t)j * p + r];
    tw->kernels->backward_all(tw, Wt, S);
    for (int j = 0; j < d1; j++) {
        double *g = tw->grad + (size_t)j * p, gvj = 0;
        for (int r = 0; r < p; r++) {
            const double sr = S[(size_t)r * d1pad + j]; /* Σ_i a_ji r_i x̃_ir */
            g[r] = v[j] * sr / n;
            gvj += W[(size_t)j * p + r] * sr; /* Σ_i relu(z_ji) r_i = Σ_r w_jr s_r */
        }
        gv[j] = train_v ? gvj / n : 0.0;
    }
}

void rs_train_update(rs_train_work *tw, rs_train_optimizer opt, double lr, int64_t t, double *W, double *v,
                     int train_v)
{
    const size_t PW = (size_t)tw->d1 * tw->p, P1 = PW + (size_t)tw->d1, len = train_v ? P1 : PW;
    const double *g = tw->grad;
    if (opt == RS_TRAIN_GD) {
        for (size_t k = 0; k < PW; k++) W[k] -= lr * g[k];
        for (size_t k = PW; k < len; k++) v[k - PW] -= lr * g[k];
        return;
    }
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const double c1 = 1.0 - pow(b1, (double)t), c2 = 1.0 - pow(b2, (double)t);
    for (size_t k = 0; k < len; k++) {
        tw->m1[k] = b1 * tw->m1[k] + (1 - b1) * g[k];
        tw->m2[k] = b2 * tw->m2[k] + (1 - b2) * g[k] * g[k];
        double step = lr * (tw->m1[k] / c1) / (sqrt(tw->m2[k] / c2) + eps);
        if (k < PW)
            W[k] -= step;
        else
            v[k - PW] -= step;
    }
}

double rs_train_curvature(rs_train_work *tw, const double *W, const double *v, int train_v)
{
    const int n = tw->n, p = tw->p, d1 = tw->d1, npad = tw->npad;
    double *u = tw->q, *ku = tw->z, lambda = 0;
    for (int i = 0; i < npad; i++) u[i] = i < n ? 1.0 / sqrt((double)n) : 0.0;
    for (int it = 0; it < 50; it++) {
        /* grad = (1/n) Jᵀ u: the backward pass with the residual u */
        memcpy(tw->r, u, (size_t)npad * sizeof *u);
        rs_train_gradient(tw, W, v, train_v);
        /* ku = J grad: ku_i = Σ_j a_ji (v_j <g_j, x̃_i> + g_vj z_ji), once per trial: plain loops */
        memset(ku, 0, (size_t)npad * sizeof *ku);
        for (int j = 0; j < d1; j++) {
            const double *w = W + (size_t)j * p, *g = tw->grad + (size_t)j * p;
            const double gvj = train_v ? tw->grad[(size_t)d1 * p + j] : 0.0;
            for (int i = 0; i < n; i++) {
                double z = 0, zg = 0;
                for (int r = 0; r < p; r++) {
                    z += w[r] * tw->x[(size_t)r * npad + i];
                    zg += g[r] * tw->x[(size_t)r * npad + i];
                }
                if (z > 0) ku[i] += v[j] * zg + gvj * z;
            }
        }
        lambda = sqrt(sum_squares(ku, n));
        if (!(lambda > 0)) return 0;
        for (int i = 0; i < n; i++) u[i] = ku[i] / lambda;
    }
    return lambda;
}

int64_t rs_train_record_steps(int64_t steps, int64_t per_decade, int64_t *out, int64_t max)
{
    int64_t count = 0, last = -1;
#define EMIT(s)                                        \
    do {                                               \
        if ((s) > last) {                              \
            if (out && count < max) out[count] = (s);  \
            count++;                                   \
            last = (s);                                \
        }                                              \
    } while (0)
    EMIT(0);
    for (int64_t k = 0;; k++) {
        double s = floor(pow(10.0, (double)k / (double)per_decade) + 1e-9);
        if (s >= (double)steps) break;
        EMIT((int64_t)s);
    }
    EMIT(steps);
#undef EMIT
    return count;
}

int64_t rs_log10_bin(double x)
{
    if (!(x < 1e4)) return RS_LOG10_BINS - 1; /* also inf and NaN */
    if (x < 1e-16) return 0;
    int64_t b = (int64_t)floor((log10(x) + 16.0) * 10.0) + 1;
    return b < 1 ? 1 : b > RS_LOG10_BINS - 2 ? RS_LOG10_BINS - 2 : b;
}

double rs_log10_bin_value(int64_t b)
{
    if (b <= 0) return 0.0;
    if (b >= RS_LOG10_BINS - 1) return INFINITY;
    return pow(10.0, -16.0 + ((double)b - 0.5) / 10.0);
}
