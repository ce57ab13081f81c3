/* train.c - full-batch gradient descent on the two-layer ReLU network (train.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/train.h"
#include "util.h"

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
    const size_t P1 = (size_t)d1 * (size_t)(p + 1);
    if (rs_reserve((void **)&tw->x, &tw->cap[0], (size_t)p * n + 4 * (size_t)n, sizeof(double)) ||
        rs_reserve((void **)&tw->mask, &tw->cap[1], (size_t)d1 * n, 1) ||
        rs_reserve((void **)&tw->grad, &tw->cap[2], 3 * P1, sizeof(double)))
        return -1;
    tw->d1 = d1;
    tw->p = p;
    tw->n = n;
    tw->z = tw->x + (size_t)p * n;
    tw->f = tw->z + n;
    tw->r = tw->f + n;
    tw->q = tw->r + n;
    tw->m1 = tw->grad + P1;
    tw->m2 = tw->m1 + P1;
    for (int i = 0; i < n; i++)
        for (int r = 0; r < p; r++) tw->x[(size_t)r * n + i] = xt[(size_t)i * p + r];
    memset(tw->mask, 0, (size_t)d1 * n);
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

/* Σ a_i b_i with four fixed partial sums (vectorisable, and the same on every machine). */
static double dot(const double *a, const double *b, int n)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

/* z = <w, x̃_i> for every point, summed over coordinates in increasing order. */
static void preact(const rs_train_work *tw, const double *w, double *z)
{
    const int n = tw->n, p = tw->p;
    const double *x = tw->x;
    for (int i = 0; i < n; i++) z[i] = w[0] * x[i];
    for (int r = 1; r < p; r++) {
        const double *xr = x + (size_t)r * n, wr = w[r];
        for (int i = 0; i < n; i++) z[i] += wr * xr[i];
    }
}

double rs_train_forward(rs_train_work *tw, const double *W, const double *v, const double *y)
{
    const int n = tw->n, p = tw->p, d1 = tw->d1;
    double *z = tw->z, *f = tw->f, *r = tw->r;
    memset(f, 0, (size_t)n * sizeof *f);
    tw->flips = 0;
    for (int j = 0; j < d1; j++) {
        preact(tw, W + (size_t)j * p, z);
        const double vj = v[j];
        for (int i = 0; i < n; i++) f[i] += z[i] > 0 ? vj * z[i] : 0.0;
        uint8_t *m = tw->mask + (size_t)j * n;
        int changed = 0;
        for (int i = 0; i < n; i++) changed += (uint8_t)(z[i] > 0) != m[i];
        if (!changed) continue;
        for (int i = 0; i < n; i++) {
            uint8_t a = z[i] > 0;
            if (a == m[i]) continue;
            m[i] = a;
            tw->hash ^= bit_key((uint64_t)j * (uint64_t)n + (uint64_t)i);
        }
        tw->flips += changed;
    }
    for (int i = 0; i < n; i++) r[i] = f[i] - y[i];
    return dot(r, r, n) / (2.0 * n);
}

void rs_train_gradient(rs_train_work *tw, const double *W, const double *v, int train_v)
{
    const int n = tw->n, p = tw->p, d1 = tw->d1;
    double *q = tw->q, *gv = tw->grad + (size_t)d1 * p;
    for (int j = 0; j < d1; j++) {
        const uint8_t *m = tw->mask + (size_t)j * n;
        for (int i = 0; i < n; i++) q[i] = m[i] ? tw->r[i] : 0.0;
        double *g = tw->grad + (size_t)j * p, gvj = 0;
        for (int k = 0; k < p; k++) {
            double s = dot(q, tw->x + (size_t)k * n, n); /* Σ_i a_ji r_i x̃_ik */
            g[k] = v[j] * s / n;
            gvj += W[(size_t)j * p + k] * s; /* Σ_i relu(z_ji) r_i = Σ_k w_jk s_k */
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
    const int n = tw->n, p = tw->p, d1 = tw->d1;
    double *u = tw->f, *ku = tw->r, *z = tw->z, *zg = tw->q, lambda = 0;
    /* the mask at W: a forward pass (against y = 0; only the mask is used) */
    memset(zg, 0, (size_t)n * sizeof *zg);
    rs_train_forward(tw, W, v, zg);
    for (int i = 0; i < n; i++) u[i] = 1.0 / sqrt((double)n);
    for (int it = 0; it < 50; it++) {
        /* grad = (1/n) Jᵀ u: the backward pass with the residual u */
        memcpy(tw->r, u, (size_t)n * sizeof *u);
        rs_train_gradient(tw, W, v, train_v);
        /* ku = J grad */
        for (int i = 0; i < n; i++) ku[i] = 0;
        for (int j = 0; j < d1; j++) {
            const uint8_t *m = tw->mask + (size_t)j * n;
            preact(tw, tw->grad + (size_t)j * p, zg);
            for (int i = 0; i < n; i++) ku[i] += m[i] ? v[j] * zg[i] : 0.0;
            if (!train_v) continue;
            preact(tw, W + (size_t)j * p, z);
            const double gvj = tw->grad[(size_t)d1 * p + j];
            for (int i = 0; i < n; i++) ku[i] += m[i] ? gvj * z[i] : 0.0;
        }
        lambda = sqrt(dot(ku, ku, n));
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
