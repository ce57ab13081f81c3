/* train.c - full-batch gradient descent on the two-layer ReLU network (train.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/train.h"
#include "util.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
    const int npad = n + (n & 1);
    if (n > RS_TRAIN_MAX_N) return -1;
    if (rs_reserve((void **)&tw->x, &tw->cap[0], (size_t)(p + 4) * npad, sizeof(double)) ||
        rs_reserve((void **)&tw->bits, &tw->cap[3], NB * words, sizeof(uint64_t)) ||
        rs_reserve((void **)&tw->mask, &tw->cap[1], (size_t)d1 * (size_t)((n + 63) / 64), sizeof(uint64_t)) ||
        rs_reserve((void **)&tw->grad, &tw->cap[2], 3 * P1, sizeof(double)))
        return -1;
    tw->d1 = d1;
    tw->p = p;
    tw->n = n;
    tw->npad = npad;
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

/* The hot loops work on pairs of points: SSE2 (the x86-64 baseline) where available,
 * else a two-lane struct doing the same operations in the same order, so the results are
 * bitwise equal.  The points are padded to an even count with a zero point, which is
 * never active (z = 0) and has residual 0, so it adds exact zeros. */
#if defined(__SSE2__)
typedef __m128d pair;
static inline pair p_load(const double *a) { return _mm_loadu_pd(a); }
static inline void p_store(double *a, pair x) { _mm_storeu_pd(a, x); }
static inline pair p_set1(double c) { return _mm_set1_pd(c); }
static inline pair p_add(pair a, pair b) { return _mm_add_pd(a, b); }
static inline pair p_mul(pair a, pair b) { return _mm_mul_pd(a, b); }
static inline pair p_zero(void) { return _mm_setzero_pd(); }
/* t where z > 0, else +0 */
static inline pair p_active(pair z, pair t) { return _mm_and_pd(_mm_cmpgt_pd(z, _mm_setzero_pd()), t); }
static inline unsigned p_bits(pair z) { return (unsigned)_mm_movemask_pd(_mm_cmpgt_pd(z, _mm_setzero_pd())); }
static inline double p_sum(pair x)
{
    double t[2];
    _mm_storeu_pd(t, x);
    return t[0] + t[1];
}
#else
typedef struct {
    double a, b;
} pair;
static inline pair p_load(const double *a) { return (pair){a[0], a[1]}; }
static inline void p_store(double *a, pair x) { a[0] = x.a, a[1] = x.b; }
static inline pair p_set1(double c) { return (pair){c, c}; }
static inline pair p_add(pair x, pair y) { return (pair){x.a + y.a, x.b + y.b}; }
static inline pair p_mul(pair x, pair y) { return (pair){x.a * y.a, x.b * y.b}; }
static inline pair p_zero(void) { return (pair){0.0, 0.0}; }
static inline pair p_active(pair z, pair t) { return (pair){z.a > 0 ? t.a : 0.0, z.b > 0 ? t.b : 0.0}; }
static inline unsigned p_bits(pair z) { return (unsigned)(z.a > 0) | (unsigned)(z.b > 0) << 1; }
static inline double p_sum(pair x) { return x.a + x.b; }
#endif


/* Σ a_i b_i over the padded points (two partial sums, even and odd i). */
static double dot(const double *a, const double *b, int npad)
{
    pair s = p_zero();
    for (int i = 0; i < npad; i += 2) s = p_add(s, p_mul(p_load(a + i), p_load(b + i)));
    return p_sum(s);
}

/* z_k of points i, i+1 for the nb neurons whose weights are w (row k at w + k p),
 * summed over coordinates in increasing order. */
static inline __attribute__((always_inline)) void block_preact(const double *x, int npad, int p, const double *w,
                                                              int nb, int i, pair *z)
{
    const pair x0 = p_load(x + i);
    for (int k = 0; k < nb; k++) z[k] = p_mul(p_set1(w[k * p]), x0);
    for (int r = 1; r < p; r++) {
        const pair xr = p_load(x + (size_t)r * npad + i);
        for (int k = 0; k < nb; k++) z[k] = p_add(z[k], p_mul(p_set1(w[k * p + r]), xr));
    }
}

/* The same with the weights already in pairs (wp[k p + r]). */
static inline __attribute__((always_inline)) void block_preact_w(const double *x, int npad, int p, const pair *wp,
                                                                int nb, int i, pair *z)
{
    const pair x0 = p_load(x + i);
    for (int k = 0; k < nb; k++) z[k] = p_mul(wp[k * p], x0);
    for (int r = 1; r < p; r++) {
        const pair xr = p_load(x + (size_t)r * npad + i);
        for (int k = 0; k < nb; k++) z[k] = p_add(z[k], p_mul(wp[k * p + r], xr));
    }
}

/* f += Σ_k v_k relu(z_k) for nb neurons with p ≤ RS_TRAIN_BLOCK_P inputs, and their
 * activity bits (nb rows of `words`).  Inlined with constant nb and p. */
static inline __attribute__((always_inline)) void block_forward(const rs_train_work *tw, const double *w,
                                                               const double *v, const int nb, const int p,
                                                               double *restrict f, uint64_t *bits)
{
    const int npad = tw->npad, words = (tw->n + 63) / 64;
    pair z[NB], wp[NB * RS_TRAIN_BLOCK_P], vp[NB];
    for (int k = 0; k < nb * p; k++) wp[k] = p_set1(w[k]);
    for (int k = 0; k < nb; k++) vp[k] = p_set1(v[k]);
    for (int lo = 0, wd = 0; lo < npad; lo += 64, wd++) {
        const int hi = npad < lo + 64 ? npad : lo + 64;
        uint64_t word[NB] = {0};
        for (int i = lo; i < hi; i += 2) {
            block_preact_w(tw->x, npad, p, wp, nb, i, z);
            pair fi = p_load(f + i);
            for (int k = 0; k < nb; k++) {
                fi = p_add(fi, p_active(z[k], p_mul(vp[k], z[k])));
                word[k] |= (uint64_t)p_bits(z[k]) << (i - lo);
            }
            p_store(f + i, fi);
        }
        for (int k = 0; k < nb; k++) bits[k * words + wd] = word[k];
    }
}

/* s_kr = Σ_i a_ki r_i x̃_ir for nb neurons with p ≤ RS_TRAIN_BLOCK_P inputs (s: nb rows
 * of p), a from z again.  Inlined with constant nb and p. */
static inline __attribute__((always_inline)) void block_backward(const rs_train_work *tw, const double *w,
                                                                const int nb, const int p, double *s)
{
    const int npad = tw->npad;
    pair z[NB], wp[NB * RS_TRAIN_BLOCK_P], acc[NB * RS_TRAIN_BLOCK_P];
    for (int k = 0; k < nb * p; k++) wp[k] = p_set1(w[k]), acc[k] = p_zero();
    for (int i = 0; i < npad; i += 2) {
        block_preact_w(tw->x, npad, p, wp, nb, i, z);
        const pair ri = p_load(tw->r + i);
        for (int k = 0; k < nb; k++) {
            const pair q = p_active(z[k], ri);
            for (int r = 0; r < p; r++)
                acc[k * p + r] = p_add(acc[k * p + r], p_mul(q, p_load(tw->x + (size_t)r * npad + i)));
        }
    }
    for (int k = 0; k < nb * p; k++) s[k] = p_sum(acc[k]);
}

/* Full blocks of the common input widths get specialised copies: loops unrolled and the
 * sums in registers. */
static void forward_block(const rs_train_work *tw, const double *w, const double *v, int nb, int p, double *f,
                          uint64_t *out)
{
    if (nb == NB) {
        switch (p) {
        case 1: block_forward(tw, w, v, NB, 1, f, out); return;
        case 2: block_forward(tw, w, v, NB, 2, f, out); return;
        case 3: block_forward(tw, w, v, NB, 3, f, out); return;
        case 4: block_forward(tw, w, v, NB, 4, f, out); return;
        }
    }
    block_forward(tw, w, v, nb, p, f, out);
}

static void backward_block(const rs_train_work *tw, const double *w, int nb, int p, double *s)
{
    if (nb == NB) {
        switch (p) {
        case 1: block_backward(tw, w, NB, 1, s); return;
        case 2: block_backward(tw, w, NB, 2, s); return;
        case 3: block_backward(tw, w, NB, 3, s); return;
        case 4: block_backward(tw, w, NB, 4, s); return;
        }
    }
    block_backward(tw, w, nb, p, s);
}

/* The same one neuron at a time, for wide inputs (p > RS_TRAIN_BLOCK_P). */
static void neuron_forward(const rs_train_work *tw, const double *w, double vj, double *restrict f, uint64_t *bits)
{
    const int npad = tw->npad;
    const pair vp = p_set1(vj);
    for (int i = 0; i < npad; i += 2) {
        pair z;
        block_preact(tw->x, npad, tw->p, w, 1, i, &z);
        p_store(f + i, p_add(p_load(f + i), p_active(z, p_mul(vp, z))));
        bits[i / 64] |= (uint64_t)p_bits(z) << (i % 64);
    }
}

static void neuron_backward(const rs_train_work *tw, const double *w, double *s)
{
    const int npad = tw->npad, p = tw->p;
    double *restrict q = tw->q;
    pair z[1];
    for (int i = 0; i < npad; i += 2) {
        block_preact(tw->x, npad, p, w, 1, i, z);
        p_store(q + i, p_active(z[0], p_load(tw->r + i)));
    }
    for (int r = 0; r < p; r++) s[r] = dot(q, tw->x + (size_t)r * npad, npad);
}

double rs_train_forward(rs_train_work *tw, const double *W, const double *v, const double *y)
{
    const int n = tw->n, p = tw->p, d1 = tw->d1, words = (n + 63) / 64;
    double *restrict f = tw->f, *restrict r = tw->r;
    uint64_t *bits = tw->bits;
    memset(f, 0, (size_t)tw->npad * sizeof *f);
    tw->flips = 0;
    for (int j0 = 0; j0 < d1; j0 += NB) {
        const int nb = d1 - j0 < NB ? d1 - j0 : NB;
        memset(bits, 0, (size_t)nb * words * sizeof *bits);
        if (p <= RS_TRAIN_BLOCK_P)
            forward_block(tw, W + (size_t)j0 * p, v + j0, nb, p, f, bits);
        else
            for (int k = 0; k < nb; k++) neuron_forward(tw, W + (size_t)(j0 + k) * p, v[j0 + k], f, bits + k * words);
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
    return dot(r, r, tw->npad) / (2.0 * n);
}

void rs_train_gradient(rs_train_work *tw, const double *W, const double *v, int train_v)
{
    const int n = tw->n, p = tw->p, d1 = tw->d1;
    double *gv = tw->grad + (size_t)d1 * p, s[NB * RS_TRAIN_BLOCK_P];
    for (int j0 = 0; j0 < d1; j0 += NB) {
        const int nb = d1 - j0 < NB ? d1 - j0 : NB;
        const double *w = W + (size_t)j0 * p;
        /* sb row k: Σ_i a_ji r_i x̃_i of neuron j = j0 + k (wide inputs: in its gradient row) */
        double *sb = p <= RS_TRAIN_BLOCK_P ? s : tw->grad + (size_t)j0 * p;
        if (p > RS_TRAIN_BLOCK_P)
            for (int k = 0; k < nb; k++) neuron_backward(tw, w + (size_t)k * p, sb + (size_t)k * p);
        else
            backward_block(tw, w, nb, p, sb);
        for (int k = 0; k < nb; k++) {
            const int j = j0 + k;
            double *g = tw->grad + (size_t)j * p, gvj = 0;
            for (int r = 0; r < p; r++) {
                const double sr = sb[k * p + r];
                g[r] = v[j] * sr / n;
                gvj += W[(size_t)j * p + r] * sr; /* Σ_i relu(z_ji) r_i = Σ_r w_jr s_r */
            }
            gv[j] = train_v ? gvj / n : 0.0;
        }
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
    double *u = tw->f, *ku = tw->z, lambda = 0;
    for (int i = 0; i < npad; i++) u[i] = i < n ? 1.0 / sqrt((double)n) : 0.0;
    for (int it = 0; it < 50; it++) {
        /* grad = (1/n) Jᵀ u: the backward pass with the residual u */
        memcpy(tw->r, u, (size_t)npad * sizeof *u);
        rs_train_gradient(tw, W, v, train_v);
        /* ku = J grad: ku_i = Σ_j a_ji (v_j <g_j, x̃_i> + g_vj z_ji) */
        memset(ku, 0, (size_t)npad * sizeof *ku);
        for (int j = 0; j < d1; j++) {
            const double gvj = train_v ? tw->grad[(size_t)d1 * p + j] : 0.0;
            for (int i = 0; i < npad; i += 2) {
                pair z, zg;
                block_preact(tw->x, npad, p, W + (size_t)j * p, 1, i, &z);
                block_preact(tw->x, npad, p, tw->grad + (size_t)j * p, 1, i, &zg);
                pair t = p_mul(p_set1(v[j]), zg);
                if (train_v) t = p_add(t, p_mul(p_set1(gvj), z));
                p_store(ku + i, p_add(p_load(ku + i), p_active(z, t)));
            }
        }
        lambda = sqrt(dot(ku, ku, npad));
        if (!(lambda > 0)) return 0;
        for (int i = 0; i < npad; i++) u[i] = ku[i] / lambda;
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
