/* lp.c - region LPs: emptiness per neuron, then whether the least-squares critical set meets
 * the open region (lp.h has the formulation and the tolerances).
 *
 * GLPK indices are 1-based.  The per-neuron LP has the margin t in column 1 (maximise t,
 * t <= 1) and w after it; the region LP is given to GLPK as its dual (rs_big_lp_build).
 * Sign rows of point i are scaled by 2^-e_i (exact), so the exact simplex solves the
 * problem of the data and not of rounded copies. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <glpk.h>
#include <limits.h>
#include <lapacke.h>

#include "reluscape/jacobian.h"
#include "reluscape/lp.h"
#include "util.h"

_Static_assert(sizeof(lapack_int) == sizeof(int), "ILP64 LAPACK is not supported");

#define RS_GROW(w, f, count) rs_reserve((void **)&(w)->f, &(w)->f##_cap, (size_t)(count), sizeof *(w)->f)

enum { RS_ROW_UNKNOWN = 0, RS_ROW_YES = 1, RS_ROW_NO = 2, RS_ROW_FAILED = 3 };

/* Per-neuron LP: t* is exactly 0 or 1, so these bands leave a wide gap for rounding. */
static const double rs_row_yes_band = 0.75, rs_row_no_band = 0.25;
/* Gordan certificate of an unrealisable row: duals >= -tol, ||sum mu_i z_i||_1 <= tol. */
static const double rs_cert_tol = 1e-9;

const char *rs_lp_class_name(rs_lp_class c)
{
    switch (c) {
    case RS_LP_EMPTY: return "empty";
    case RS_LP_NONE: return "none";
    case RS_LP_GLOBAL: return "global";
    case RS_LP_BAD_LOCAL: return "bad_local";
    case RS_LP_FAILED: return "failed";
    default: return "?";
    }
}

void rs_lp_work_free(rs_lp_work *w)
{
    if (!w) return;
    if (w->row_lp) glp_delete_prob(w->row_lp);
    if (w->big_lp) glp_delete_prob(w->big_lp);
    free(w->xh), free(w->xhT), free(w->nrm), free(w->pw), free(w->wc), free(w->W), free(w->K), free(w->tau), free(w->sub);
    free(w->yq), free(w->ar), free(w->tmp);
    free(w->ia), free(w->ja), free(w->cls), free(w->rep), free(w->act), free(w->hash);
    free(w->ind), free(w->sel), free(w->piv), free(w->rows), free(w->inlp);
    rs_workspace_free(&w->ws);
    memset(w, 0, sizeof *w);
}

/* ------------------------------------------------------------------ context */

typedef struct rs_lp_ctx {
    const rs_pattern *A;
    const double *v, *xt;
    int p, n, d1, nw;     /* nw: 64-bit words of one neuron row (n bits) */
    rs_lp_exact_mode mode;
    rs_lp_work *w;
    int zero_point;       /* some x~_i = 0: no sign of <w, x~_i> is strict */
    int row_lp_ready;     /* w->row_lp holds this call's points */
    int no_perceptron;    /* rows rarely realizable: straight to the LP */
    int exact_used, exact_disagree;
} rs_lp_ctx;

static inline int rs_row_sign(const uint64_t *row, int i)
{
    return (row[i / 64] >> (i % 64)) & 1u ? 1 : -1;
}

/* xh = x~_i 2^-e_i (||xh_i||_inf in [1/2, 1), exact barring underflow of entries ~2^-1000
 * below their column's largest), nrm[i] = ||xh_i||_2, nrm[n + i] = 2^-e_i; xhT the same
 * points by coordinate (p x n: xhT[k n + i] = xh[p i + k]), for the perceptron. */
static void rs_prepare_points(rs_lp_ctx *c)
{
    const int p = c->p;
    for (int i = 0; i < c->n; i++) {
        const double *x = c->xt + (size_t)p * i;
        double *h = c->w->xh + (size_t)p * i, m = 0, s2 = 0;
        int e = 0;
        for (int k = 0; k < p; k++) m = fmax(m, fabs(x[k]));
        if (m == 0) c->zero_point = 1;
        else (void)frexp(m, &e);
        for (int k = 0; k < p; k++) {
            h[k] = ldexp(x[k], -e);
            s2 += h[k] * h[k];
        }
        c->w->nrm[i] = sqrt(s2);
        c->w->nrm[c->n + i] = ldexp(1.0, -e);
        for (int k = 0; k < p; k++) c->w->xhT[(size_t)k * c->n + i] = h[k];
    }
}

/* The neuron rows of A as n-bit strings (A stores points), bits past d1 ignored. */
static void rs_build_rows(rs_lp_ctx *c)
{
    const rs_pattern *A = c->A;
    uint64_t *rows = c->w->rows;
    memset(rows, 0, (size_t)c->d1 * c->nw * sizeof *rows);
    for (int i = 0; i < c->n; i++) {
        const uint64_t *col = A->bits + (size_t)i * A->words;
        for (int wd = 0; wd < A->words; wd++) {
            int rem = c->d1 - 64 * wd;
            uint64_t b = col[wd] & (rem >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << rem) - 1);
            while (b) {
                int j = 64 * wd + __builtin_ctzll(b);
                b &= b - 1;
                rows[(size_t)j * c->nw + i / 64] |= (uint64_t)1 << (i % 64);
            }
        }
    }
}

/* Neuron row j of A alone into its place in w->rows (a pattern's rows tested one by one
 * seldom need them all). */
static void rs_build_row(rs_lp_ctx *c, int j)
{
    const rs_pattern *A = c->A;
    uint64_t *row = c->w->rows + (size_t)j * c->nw;
    memset(row, 0, (size_t)c->nw * sizeof *row);
    for (int i = 0; i < c->n; i++)
        if (A->bits[(size_t)i * A->words + j / 64] >> (j % 64) & 1) row[i / 64] |= (uint64_t)1 << (i % 64);
}

/* Group equal rows: cls[j] = class, rep[class] = its first neuron.  Returns the count. */
static int rs_row_classes(rs_lp_ctx *c)
{
    rs_lp_work *w = c->w;
    const int nw = c->nw;
    size_t T = 2;
    while (T < 2 * (size_t)c->d1) T *= 2;
    for (size_t t = 0; t < T; t++) w->hash[t] = -1;
    int ncls = 0;
    for (int j = 0; j < c->d1; j++) {
        const uint64_t *r = w->rows + (size_t)j * nw;
        uint64_t h = 0x9e3779b97f4a7c15ull;
        for (int k = 0; k < nw; k++) h = (h ^ r[k]) * 0xff51afd7ed558ccdull, h ^= h >> 29;
        size_t t = (size_t)h & (T - 1);
        for (;; t = (t + 1) & (T - 1)) {
            int q = w->hash[t];
            if (q < 0) {
                w->hash[t] = ncls;
                w->rep[ncls] = j;
                w->cls[j] = ncls++;
                break;
            }
            if (memcmp(w->rows + (size_t)w->rep[q] * nw, r, (size_t)nw * sizeof *r) == 0) {
                w->cls[j] = q;
                break;
            }
        }
    }
    return ncls;
}

/* 1 if s <wv, x> > 0 holds for certain: the computed dot product beats the bound
 * (p + 2) eps sum_k |w_k x_k| on its rounding error (plus p DBL_MIN for underflow). */
static inline int rs_sign_certain(const double *wv, const double *x, int p, int s, double *dot_out)
{
    double dot = 0, mag = 0;
    for (int k = 0; k < p; k++) {
        double t = wv[k] * x[k];
        dot += t;
        mag += fabs(t);
    }
    if (dot_out) *dot_out = dot;
    double guard = (p + 2) * DBL_EPSILON * mag + p * DBL_MIN;
    return s > 0 ? dot > guard : -dot > guard;
}

/* 1 if wv realises the row on the raw data with every sign certified. */
static int rs_row_verify(const rs_lp_ctx *c, const uint64_t *row, const double *wv)
{
    for (int i = 0; i < c->n; i++)
        if (!rs_sign_certain(wv, c->xt + (size_t)c->p * i, c->p, rs_row_sign(row, i), NULL)) return 0;
    return 1;
}

/* ------------------------------------------------------------------ GLPK calls */

/* Simplex iterations allowed on P: far more than any of these LPs needs (a few times
 * rows + columns), but finite, because GLPK's simplex can stall on a degenerate LP (one
 * such region LP ran for hours).  A count, not a time, so that whether a solve gives up
 * is the same on every machine; one that does counts as not solved (the float simplex
 * then tries the other method, then the exact one; the exact one's failure is class
 * `failed`). */
static int rs_simplex_iterations(glp_prob *P)
{
    const double cap = RS_LP_ITERATIONS_PER_SIZE * ((double)glp_get_num_rows(P) + glp_get_num_cols(P)) + 1000.0;
    return cap < INT_MAX ? (int)cap : INT_MAX;
}

static void rs_smcp(glp_smcp *parm, int meth, glp_prob *P)
{
    glp_init_smcp(parm);
    parm->msg_lev = GLP_MSG_OFF;
    parm->meth = meth;
    parm->presolve = GLP_OFF; /* keeps the basis for warm starts and the exact solver */
    parm->it_lim = rs_simplex_iterations(P);
}

/* Float simplex from the current basis; on failure once more from the standard basis
 * with the other method.  1 and t = the optimum (the margin t* of either LP) if optimal. */
static int rs_glp_float(glp_prob *P, int meth, double *t)
{
    glp_smcp parm;
    rs_smcp(&parm, meth, P);
    int rc = glp_simplex(P, &parm);
    if (rc != 0 || glp_get_status(P) != GLP_OPT) {
        /* numerical trouble: once more from the standard basis with the other method */
        rs_smcp(&parm, meth == GLP_PRIMAL ? GLP_DUALP : GLP_PRIMAL, P);
        glp_std_basis(P);
        rc = glp_simplex(P, &parm);
    }
    if (rc != 0 || glp_get_status(P) != GLP_OPT) return 0;
    *t = glp_get_obj_val(P);
    return isfinite(*t);
}

/* Exact rational simplex from the current basis (warm: the float simplex's, optimal or
 * not) or the standard one; a basis singular in exact arithmetic falls back to the
 * standard one.  1 and t = the exact optimum (rounded) if optimal. */
static int rs_glp_exact(glp_prob *P, int warm, double *t)
{
    glp_smcp parm;
    rs_smcp(&parm, GLP_PRIMAL, P);
    if (!warm) glp_std_basis(P);
    int rc = glp_exact(P, &parm);
    if (rc != 0 && warm) {
        glp_std_basis(P);
        rc = glp_exact(P, &parm);
    }
    if (rc != 0 || glp_get_status(P) != GLP_OPT) return 0;
    *t = glp_get_obj_val(P);
    return 1;
}

/* ------------------------------------------------------------------ per-neuron test */

/* Perceptron from the mean of z_i = s_i xh_i / ||xh_i|| (the most violated point each step).
 * Cheap, and on realisable rows it usually lands inside the cone within a few steps.
 * Each step's dot products <wv, xh_i> run coordinate by coordinate over all points
 * (xhT), several points at once; each is still the sum over k in order, the same doubles
 * as one point at a time.  f_i = s_i / ||xh_i|| once per row (pw[0..n), the dots pw[n..2n)). */
static int rs_row_perceptron(const rs_lp_ctx *c, const uint64_t *row, double *wv)
{
    const int p = c->p, n = c->n, maxit = 2 * n + 8;
    const double *xh = c->w->xh, *nrm = c->w->nrm;
    double *restrict f = c->w->pw, *restrict dot = c->w->pw + n;
    for (int k = 0; k < p; k++) wv[k] = 0;
    for (int i = 0; i < n; i++) {
        f[i] = rs_row_sign(row, i) / nrm[i];
        for (int k = 0; k < p; k++) wv[k] += f[i] * xh[(size_t)p * i + k];
    }
    for (int it = 0; it < maxit; it++) {
        for (int i = 0; i < n; i++) dot[i] = 0;
        for (int k = 0; k < p; k++) {
            const double wk = wv[k], *restrict col = c->w->xhT + (size_t)k * n;
            int i = 0;
#ifdef __SSE2__ /* two points per instruction, the same products and sums */
            const __m128d w2 = _mm_set1_pd(wk);
            for (; i + 2 <= n; i += 2)
                _mm_storeu_pd(dot + i, _mm_add_pd(_mm_loadu_pd(dot + i), _mm_mul_pd(w2, _mm_loadu_pd(col + i))));
#endif
            for (; i < n; i++) dot[i] += wk * col[i];
        }
        double best = INFINITY;
        int bi = 0;
        for (int i = 0; i < n; i++) {
            const double d = dot[i] * f[i];
            if (d < best) best = d, bi = i;
        }
        if (best > 0) return rs_row_verify(c, row, wv);
        for (int k = 0; k < p; k++) wv[k] += f[bi] * xh[(size_t)p * bi + k];
    }
    return 0;
}

/* max t s.t. xh_i . w - s_i t {>= 0 if s_i > 0, <= 0 if s_i < 0}, t <= 1: the rows carry
 * the points, the per-row signs go into column 1 and the row bounds, so one matrix serves
 * every neuron of a call. */
static int rs_row_lp_build(rs_lp_ctx *c)
{
    rs_lp_work *w = c->w;
    const int p = c->p, n = c->n;
    size_t nnz = (size_t)n * (p + 1);
    if (RS_GROW(w, ia, nnz + 1) || RS_GROW(w, ja, nnz + 1) || RS_GROW(w, ar, nnz + 1)) return -1;
    if (!w->row_lp) w->row_lp = glp_create_prob();
    glp_prob *P = w->row_lp;
    glp_erase_prob(P);
    glp_set_obj_dir(P, GLP_MAX);
    glp_add_cols(P, p + 1);
    glp_set_col_bnds(P, 1, GLP_UP, 0, 1);
    glp_set_obj_coef(P, 1, 1);
    for (int k = 0; k < p; k++) glp_set_col_bnds(P, k + 2, GLP_FR, 0, 0);
    glp_add_rows(P, n);
    int ne = 0;
    for (int i = 0; i < n; i++) {
        ++ne, w->ia[ne] = i + 1, w->ja[ne] = 1, w->ar[ne] = -1;
        for (int k = 0; k < p; k++) {
            double h = w->xh[(size_t)p * i + k];
            if (h != 0) ++ne, w->ia[ne] = i + 1, w->ja[ne] = k + 2, w->ar[ne] = h;
        }
    }
    glp_load_matrix(P, ne, w->ia, w->ja, w->ar);
    c->row_lp_ready = 1;
    return 0;
}

/* Gordan certificate from the duals of an optimum with t* ~ 0: mu_i = -s_i lambda_i >= 0,
 * sum mu = 1, sum mu_i s_i xh_i = 0 up to rs_cert_tol, so every w with ||w||_inf <= 1 has a
 * margin <= ~rs_cert_tol.  1 if it checks. */
static int rs_row_gordan(const rs_lp_ctx *c, const uint64_t *row, double *g)
{
    const int p = c->p;
    glp_prob *P = c->w->row_lp;
    double musum = 0, gn = 0;
    for (int k = 0; k < p; k++) g[k] = 0;
    for (int i = 0; i < c->n; i++) {
        int s = rs_row_sign(row, i);
        double mu = -s * glp_get_row_dual(P, i + 1);
        if (!(mu >= -rs_cert_tol)) return 0;
        if (mu <= 0) continue;
        musum += mu;
        for (int k = 0; k < p; k++) g[k] += mu * s * c->w->xh[(size_t)p * i + k];
    }
    for (int k = 0; k < p; k++) gn += fabs(g[k]);
    return musum > 0.5 && gn <= rs_cert_tol * musum;
}

static int rs_row_lp(rs_lp_ctx *c, const uint64_t *row, double *wv)
{
    rs_lp_work *w = c->w;
    const int p = c->p, n = c->n;
    if (!c->row_lp_ready && rs_row_lp_build(c)) return -1;
    if (RS_GROW(w, ind, n + 1) || RS_GROW(w, tmp, n + p + 1)) return -1;
    glp_prob *P = w->row_lp;
    for (int i = 0; i < n; i++) {
        int s = rs_row_sign(row, i);
        w->ind[i + 1] = i + 1;
        w->tmp[i + 1] = -s;
        glp_set_row_bnds(P, i + 1, s > 0 ? GLP_LO : GLP_UP, 0, 0);
    }
    glp_set_mat_col(P, 1, n, w->ind, w->tmp);

    double tf = 0, te = 0;
    int fl_ok = rs_glp_float(P, GLP_DUALP, &tf), verdict = RS_ROW_UNKNOWN;
    if (fl_ok && c->mode != RS_LP_EXACT_ALWAYS) {
        if (tf >= rs_row_yes_band) {
            for (int k = 0; k < p; k++) wv[k] = glp_get_col_prim(P, k + 2);
            if (rs_row_verify(c, row, wv)) verdict = RS_ROW_YES;
        } else if (tf <= rs_row_no_band && c->mode == RS_LP_EXACT_NEVER &&
                   rs_row_gordan(c, row, w->tmp)) {
            verdict = RS_ROW_NO;
        }
        /* AUTO: t* ~ 0 is a small margin, so even a certified "no" goes to glp_exact. */
    }
    if (verdict != RS_ROW_UNKNOWN) return verdict;
    if (c->mode == RS_LP_EXACT_NEVER) return RS_ROW_FAILED;
    if (!rs_glp_exact(P, fl_ok, &te)) return RS_ROW_FAILED;
    c->exact_used = 1;
    if (fl_ok && (tf > 0.5) != (te > 0)) c->exact_disagree = 1;
    for (int k = 0; k < p; k++) wv[k] = glp_get_col_prim(P, k + 2);
    return te > 0 ? RS_ROW_YES : RS_ROW_NO;
}

/* Verdict on one neuron row; wv (p) = a realising w when RS_ROW_YES.  -1 on OOM. */
static int rs_row_test(rs_lp_ctx *c, const uint64_t *row, double *wv)
{
    if (c->zero_point) {
        for (int k = 0; k < c->p; k++) wv[k] = 0;
        return RS_ROW_NO; /* <w, 0> = 0 is never strictly signed */
    }
    if (!c->no_perceptron && rs_row_perceptron(c, row, wv)) return RS_ROW_YES;
    return rs_row_lp(c, row, wv);
}

/* ------------------------------------------------------------------ checks and sizes */

static int rs_all_finite(const double *a, size_t count)
{
    for (size_t k = 0; k < count; k++)
        if (!isfinite(a[k])) return 0;
    return 1;
}

/* Buffers every call needs (the region LP's are grown where it is built). */
static int rs_reserve_common(rs_lp_work *w, int d1, int n, int p, int nw)
{
    size_t T = 2;
    while (T < 2 * (size_t)d1) T *= 2;
    if (RS_GROW(w, xh, (size_t)p * n) || RS_GROW(w, xhT, (size_t)p * n) || RS_GROW(w, nrm, 2 * (size_t)n) ||
        RS_GROW(w, pw, 2 * (size_t)n) || RS_GROW(w, rows, (size_t)d1 * nw) ||
        RS_GROW(w, cls, d1) || RS_GROW(w, rep, d1) || RS_GROW(w, hash, T) ||
        RS_GROW(w, wc, (size_t)d1 * p))
        return -1;
    return 0;
}

/* ------------------------------------------------------------------ region LP */

/* The equalities of the critical set {u : K u = yhat}, K = the active columns of J_A
 * without v (K[i, a p + k] = a_ji x~_ki), written with the data's own numbers (scaled by
 * powers of two) so that glp_exact solves the true problem:
 *   zero (y in col K exactly): K_S u = y_S for a set S of r points whose rows are exactly
 *     independent (all n when r = n); every other equation, y included, follows from them.
 *   otherwise: K u - z = y and K_C^T z = 0 for a set C of r exactly independent columns of
 *     K: z = K u - y is then orthogonal to col K, i.e. K u = yhat. */
typedef struct rs_region {
    const double *y;
    int r;               /* matrank */
    int zero;            /* y in col(J_A) exactly */
    int neq;             /* zero: S = w->piv[0..neq); else C = w->piv[0..r), neq = r */
    double res_hat;      /* ||y - yhat|| (exactly 0 when zero) */
    int nact;            /* neurons that fire somewhere: w->act[0..nact), w->act[d1 + j] = index */
    int dual_rows;       /* rows of the dual LP; the last is 1^T mu + nu = 1 */
} rs_region;

/* K[i, col] of the active columns. */
static inline double rs_kval(const rs_lp_ctx *c, int i, int col)
{
    int j = c->w->act[col / c->p];
    return rs_row_sign(c->w->rows + (size_t)j * c->nw, i) > 0 ? c->xt[(size_t)c->p * i + col % c->p] : 0;
}

/* Sign row of active neuron a at point i, as its column of the dual LP (below) into
 * (ind, val) from index 1; returns the length.  u_j = v_j w_j, so the sign is s_ji sign v_j. */
static int rs_sign_col(const rs_lp_ctx *c, const rs_region *rg, int a, int i, int *ind, double *val)
{
    const int p = c->p, j = c->w->act[a];
    int s = rs_row_sign(c->w->rows + (size_t)j * c->nw, i);
    if (c->v[j] < 0) s = -s;
    int len = 0;
    for (int k = 0; k < p; k++) {
        double h = c->w->xh[(size_t)p * i + k];
        if (h != 0) ind[++len] = 1 + a * p + k, val[len] = s * h;
    }
    ind[++len] = rg->dual_rows, val[len] = 1; /* the t row */
    return len;
}

/* The region LP is solved as its dual.  Primal: max t s.t. E (u, z) = b, M u - t 1 >= 0,
 * t <= 1, with P' = nact p + nz free variables; its dual
 *     min b^T lambda + nu  s.t.  M^T mu - E_u^T lambda = 0,  -E_z^T lambda = 0,
 *                                1^T mu + nu = 1,  mu, nu >= 0,  lambda free
 * has P' + 1 rows and only the few lambda free, where the primal form needs every one of
 * the P' free u brought into its basis; with the primal simplex on it (geometric-mean
 * scaling) it measured 1.5-3x faster than the primal form with the dual simplex at the
 * benchmark sizes.  The primal solution is in the row duals: u = -pi (rows 1..P'),
 * t = the optimum (strong duality); sign rows generated later are new mu columns, so the
 * basis stays primal feasible (warm start).  Columns: 1 = nu, then lambda, then mu. */
static int rs_big_lp_build(rs_lp_ctx *c, rs_region *rg)
{
    rs_lp_work *w = c->w;
    const int p = c->p, n = c->n, nact = rg->nact, Pa = nact * p;
    const int nz = rg->zero ? 0 : n; /* z variables */
    const int k0 = p < n ? p : n; /* initial sign rows per neuron: measured best of 1..2p */
    const double *sc = w->nrm + n; /* 2^-e_i */
    const int ndata = rg->zero ? rg->neq : n, neq = ndata + (rg->zero ? 0 : rg->r);
    size_t nnz = (size_t)n * (Pa + 1) + (size_t)rg->r * n + (size_t)nact * n * (p + 1) + 2;
    if (RS_GROW(w, ia, nnz) || RS_GROW(w, ja, nnz) || RS_GROW(w, ar, nnz) ||
        RS_GROW(w, inlp, (size_t)nact * n + 1) || RS_GROW(w, ind, Pa + nz + 3) ||
        RS_GROW(w, sel, 2 * (size_t)nact * n + 2) || RS_GROW(w, tmp, 4 * (size_t)n + Pa + nz + 3))
        return -1;
    if (!w->big_lp) w->big_lp = glp_create_prob();
    glp_prob *P = w->big_lp;
    glp_erase_prob(P);
    glp_set_obj_dir(P, GLP_MIN);
    rg->dual_rows = Pa + nz + 1;
    glp_add_rows(P, rg->dual_rows);
    for (int q = 1; q < rg->dual_rows; q++) glp_set_row_bnds(P, q, GLP_FX, 0, 0);
    glp_set_row_bnds(P, rg->dual_rows, GLP_FX, 1, 1);
    glp_add_cols(P, 1 + neq);
    glp_set_col_bnds(P, 1, GLP_LO, 0, 0);
    glp_set_obj_coef(P, 1, 1);
    int ne = 0;
    ++ne, w->ia[ne] = rg->dual_rows, w->ja[ne] = 1, w->ar[ne] = 1;

    /* lambda columns: minus the primal equation's coefficients, objective its rhs */
    int col = 1;
    for (int q = 0; q < ndata; q++) {
        int i = rg->zero ? w->piv[q] : q;
        ++col;
        for (int a = 0; a < nact; a++) {
            if (rs_row_sign(w->rows + (size_t)w->act[a] * c->nw, i) < 0) continue;
            for (int k = 0; k < p; k++) {
                double h = w->xh[(size_t)p * i + k];
                if (h != 0) ++ne, w->ia[ne] = 1 + a * p + k, w->ja[ne] = col, w->ar[ne] = -h;
            }
        }
        if (!rg->zero) ++ne, w->ia[ne] = 1 + Pa + i, w->ja[ne] = col, w->ar[ne] = sc[i];
        glp_set_col_bnds(P, col, GLP_FR, 0, 0);
        glp_set_obj_coef(P, col, rg->y[i] * sc[i]);
    }
    for (int q = 0; !rg->zero && q < rg->r; q++) {
        /* K_C^T z = 0, column C_q of K scaled by the power of two of its largest entry */
        int kc = w->piv[q], e = 0;
        double m = 0;
        for (int i = 0; i < n; i++) m = fmax(m, fabs(rs_kval(c, i, kc)));
        if (m > 0) (void)frexp(m, &e);
        ++col;
        for (int i = 0; i < n; i++) {
            double k = rs_kval(c, i, kc);
            if (k != 0) ++ne, w->ia[ne] = 1 + Pa + i, w->ja[ne] = col, w->ar[ne] = -ldexp(k, -e);
        }
        glp_set_col_bnds(P, col, GLP_FR, 0, 0);
    }

    /* Initial sign rows (mu columns): per active neuron the k0 points closest to the
     * hyperplane of its per-neuron witness (normalised margins); the rest on demand. */
    memset(w->inlp, 0, (size_t)nact * n);
    double *mg = w->tmp;
    int nsel = 0;
    for (int a = 0; a < nact; a++) {
        int j = w->act[a];
        const uint64_t *r = w->rows + (size_t)j * c->nw;
        const double *wv = w->wc + (size_t)p * w->cls[j];
        for (int i = 0; i < n; i++) {
            double d = 0;
            for (int k = 0; k < p; k++) d += wv[k] * w->xh[(size_t)p * i + k];
            mg[i] = rs_row_sign(r, i) * d / w->nrm[i];
        }
        for (int q = 0; q < k0; q++) {
            int bi = -1;
            for (int i = 0; i < n; i++)
                if (!w->inlp[(size_t)a * n + i] && (bi < 0 || mg[i] < mg[bi])) bi = i;
            w->inlp[(size_t)a * n + bi] = 1;
            w->sel[2 * nsel] = a, w->sel[2 * nsel + 1] = bi, nsel++;
        }
    }
    if (nsel > 0) glp_add_cols(P, nsel);
    for (int q = 0; q < nsel; q++) {
        ++col;
        int len = rs_sign_col(c, rg, w->sel[2 * q], w->sel[2 * q + 1], w->ind, mg);
        for (int e = 1; e <= len; e++) ++ne, w->ia[ne] = w->ind[e], w->ja[ne] = col, w->ar[ne] = mg[e];
        glp_set_col_bnds(P, col, GLP_LO, 0, 0);
    }
    glp_load_matrix(P, ne, w->ia, w->ja, w->ar);
    /* geometric-mean scaling rounded to powers of two: without it the float simplex
     * sometimes took the (u, z) equalities for inconsistent; glp_exact ignores it */
    glp_scale_prob(P, GLP_SF_GM | GLP_SF_2N);
    return 0;
}

/* Witness W of the current LP solution (w_j = u_j / v_j; neurons not in the LP take their
 * per-neuron witness): certified signs everywhere and the residual.  Violated sign rows not
 * yet in the LP are queued in w->sel (count in *nadd).  1 if W is a valid witness. */
/* The checks of a witness already in w->W (see rs_witness). */
static int rs_check_witness(rs_lp_ctx *c, const rs_region *rg, int *nadd)
{
    rs_lp_work *w = c->w;
    const int p = c->p, n = c->n, d1 = c->d1;
    double *F = w->tmp, *mag = w->tmp + n;
    for (int i = 0; i < n; i++) F[i] = mag[i] = 0;
    int bad = 0;
    *nadd = 0;
    for (int j = 0; j < d1; j++) {
        int a = w->act[d1 + j];
        const uint64_t *r = w->rows + (size_t)j * c->nw;
        for (int i = 0; i < n; i++) {
            int s = rs_row_sign(r, i);
            double dot;
            if (!rs_sign_certain(w->W + (size_t)p * j, c->xt + (size_t)p * i, p, s, &dot)) {
                bad++;
                if (a >= 0 && !w->inlp[(size_t)a * n + i]) {
                    w->inlp[(size_t)a * n + i] = 1;
                    w->sel[2 * *nadd] = a, w->sel[2 * *nadd + 1] = i, ++*nadd;
                }
            }
            if (s > 0) F[i] += c->v[j] * dot, mag[i] += fabs(c->v[j] * dot);
        }
    }
    double rw = 0, ms = 0, yn = 0;
    for (int i = 0; i < n; i++) {
        rw += (F[i] - rg->y[i]) * (F[i] - rg->y[i]);
        ms += mag[i] * mag[i];
        yn += rg->y[i] * rg->y[i];
    }
    rw = sqrt(rw), ms = sqrt(ms), yn = sqrt(yn);
    /* the tolerance is relative to ||y|| (||F|| when y = 0); the rounding of F itself,
     * <= (d1 p + 2) eps ||mag||, must stay below it, or the residual is not resolved */
    double scale = yn > 0 ? yn : ms, round = (d1 * p + 2) * DBL_EPSILON * ms;
    int res_ok = round <= RS_LP_RES_RTOL * scale && fabs(rw - rg->res_hat) <= RS_LP_RES_RTOL * scale + round;
    return bad == 0 && res_ok;
}

/* Witness W of the current LP solution (w_j = u_j / v_j, u = -row duals of the dual LP;
 * neurons not in the LP take their per-neuron witness): certified signs everywhere and the
 * residual.  Violated sign rows not yet in the LP are queued in w->sel (count in *nadd).
 * 1 if W is a valid witness. */
static int rs_witness(rs_lp_ctx *c, const rs_region *rg, int *nadd)
{
    rs_lp_work *w = c->w;
    const int p = c->p, d1 = c->d1;
    for (int j = 0; j < d1; j++) {
        int a = w->act[d1 + j];
        double *wj = w->W + (size_t)p * j;
        if (a < 0)
            memcpy(wj, w->wc + (size_t)p * w->cls[j], (size_t)p * sizeof *wj);
        else
            for (int k = 0; k < p; k++) wj[k] = -glp_get_row_dual(w->big_lp, 1 + a * p + k) / c->v[j];
    }
    return rs_check_witness(c, rg, nadd);
}

/* Decide none / meets for a non-empty region: res->cls = NONE or FAILED, or *meets = 1;
 * res->margin = t* of the deciding round.  -1 on OOM. */
static int rs_big_lp(rs_lp_ctx *c, rs_region *rg, int *meets, rs_lp_result *res)
{
    rs_lp_work *w = c->w;
    *meets = 0;
    if (rs_big_lp_build(c, rg)) return -1;
    glp_prob *P = w->big_lp;
    int force_exact = 0;
    for (;;) {
        double tf = 0, t = 0;
        int fl_ok = rs_glp_float(P, GLP_PRIMAL, &tf), exact_round = 0;
        res->margin = tf;
        if (c->mode == RS_LP_EXACT_ALWAYS || !fl_ok || fabs(tf) <= RS_LP_TMARGIN || force_exact) {
            if (c->mode == RS_LP_EXACT_NEVER) return res->cls = RS_LP_FAILED, 0;
            if (!rs_glp_exact(P, 1, &t)) return res->cls = RS_LP_FAILED, 0;
            c->exact_used = 1;
            if (fl_ok && (tf > 0) != (t > 0)) c->exact_disagree = 1;
            exact_round = 1;
        } else {
            t = tf;
        }
        res->margin = t;
        if (t <= 0) return res->cls = RS_LP_NONE, 0; /* a relaxation: the full LP's t* <= t */
        int nadd = 0;
        if (rs_witness(c, rg, &nadd)) return *meets = 1, 0;
        if (nadd > 0) {
            int first = glp_add_cols(P, nadd);
            for (int q = 0; q < nadd; q++) {
                int len = rs_sign_col(c, rg, w->sel[2 * q], w->sel[2 * q + 1], w->ind, w->ar);
                glp_set_mat_col(P, first + q, len, w->ind, w->ar);
                glp_set_col_bnds(P, first + q, GLP_LO, 0, 0);
            }
            force_exact = 0;
            continue;
        }
        /* The witness fails only on rows already in the LP, or on the residual: rounding.
         * After an exact round that is no doubt: the exact solution meets every row in the
         * LP with margin t > 0 and the equalities exactly (so the residual is ||y - yhat||),
         * and the rows outside it are certified for W, whose rounding from the exact
         * solution is inside the certificate's bound.  A float round is re-solved exactly. */
        if (exact_round) return *meets = 1, 0;
        if (c->mode == RS_LP_EXACT_NEVER) return res->cls = RS_LP_FAILED, 0;
        force_exact = 1;
    }
}

/* ------------------------------------------------------------------ equalities */

/* y in col(J_A) exactly?  rank [K_classes | y] mod p (equal rows give equal columns, so one
 * neuron per class): r -> 1, r + 1 -> 0, else 2 (the caller's rank or the prime is wrong).
 * -1 on OOM / bad data. */
static int rs_in_colspace(rs_lp_ctx *c, const rs_region *rg, const rs_modp *modp)
{
    rs_lp_work *w = c->w;
    const int p = c->p, n = c->n;
    int cols = 1;
    for (int a = 0; a < rg->nact; a++)
        if (w->rep[w->cls[w->act[a]]] == w->act[a]) cols += p;
    if (RS_GROW(w, sub, (size_t)n * cols)) return -1;
    double *Kc = w->sub;
    int col = 0;
    for (int a = 0; a < rg->nact; a++) {
        if (w->rep[w->cls[w->act[a]]] != w->act[a]) continue;
        for (int k = 0; k < p; k++, col++)
            for (int i = 0; i < n; i++) Kc[i + (size_t)n * col] = rs_kval(c, i, a * p + k);
    }
    memcpy(Kc + (size_t)n * col, rg->y, (size_t)n * sizeof *Kc);
    int rk = -1;
    if (rs_modp_rank_double(modp, n, cols, Kc, n, &w->ws, &rk)) return -1;
    return rk == rg->r ? 1 : rk == rg->r + 1 ? 0 : 2;
}

/* Column-pivoted QR (dgeqp3) of the m x nc matrix w->K (ld m), pivots 0-based in w->piv,
 * reflectors in w->K / w->tau.  0, 1 if LAPACK failed, -1 on OOM. */
static int rs_qrcp(rs_lp_work *w, int m, int nc)
{
    int mn = m < nc ? m : nc;
    if (RS_GROW(w, piv, nc) || RS_GROW(w, tau, mn + 1)) return -1;
    for (int q = 0; q < nc; q++) w->piv[q] = 0;
    double qw = 0;
    if (LAPACKE_dgeqp3_work(LAPACK_COL_MAJOR, m, nc, w->K, m, w->piv, w->tau, &qw, -1)) return 1;
    double *work = rs_workspace_doubles(&w->ws, qw >= 1 ? (size_t)ceil(qw) : 1);
    if (!work) return -1;
    if (LAPACKE_dgeqp3_work(LAPACK_COL_MAJOR, m, nc, w->K, m, w->piv, w->tau, work,
                            qw >= 1 ? (lapack_int)ceil(qw) : 1))
        return 1;
    for (int q = 0; q < nc; q++) w->piv[q]--;
    return 0;
}

/* r < n: the exact zero-residual test, then the independent rows S (zero) or columns C
 * (not) of the equalities, picked by a pivoted QR and certified by an exact rank; the
 * residual ||y - yhat|| from the same QR.  0, 1 -> failed, -1 on OOM. */
static int rs_region_equalities(rs_lp_ctx *c, rs_region *rg, const rs_modp *modp)
{
    rs_lp_work *w = c->w;
    const int n = c->n, Pa = rg->nact * c->p, r = rg->r;
    int z = rs_in_colspace(c, rg, modp);
    if (z < 0) return -1;
    if (z > 1) return 1;
    rg->zero = z;
    rg->neq = r;
    double yn = 0;
    for (int i = 0; i < n; i++) yn += rg->y[i] * rg->y[i];
    rg->res_hat = z ? 0 : sqrt(yn);
    if (r == 0) return 0;
    if (RS_GROW(w, K, (size_t)n * Pa) || RS_GROW(w, sub, (size_t)n * Pa) || RS_GROW(w, yq, n)) return -1;
    int rk = -1, q;
    if (z) {
        for (int i = 0; i < n; i++)
            for (int col = 0; col < Pa; col++) w->K[col + (size_t)Pa * i] = rs_kval(c, i, col);
        if ((q = rs_qrcp(w, Pa, n))) return q;
        for (int t = 0; t < r; t++)
            for (int col = 0; col < Pa; col++) w->sub[t + (size_t)r * col] = rs_kval(c, w->piv[t], col);
        if (rs_modp_rank_double(modp, r, Pa, w->sub, r, &w->ws, &rk)) return -1;
        return rk == r ? 0 : 1;
    }
    for (int col = 0; col < Pa; col++)
        for (int i = 0; i < n; i++) w->K[i + (size_t)n * col] = rs_kval(c, i, col);
    if ((q = rs_qrcp(w, n, Pa))) return q;
    for (int t = 0; t < r; t++)
        for (int i = 0; i < n; i++) w->sub[i + (size_t)n * t] = rs_kval(c, i, w->piv[t]);
    if (rs_modp_rank_double(modp, n, r, w->sub, n, &w->ws, &rk)) return -1;
    if (rk != r) return 1;
    /* ||y - yhat|| = the last n - r entries of Q^T y, Q from the r reflectors of the
     * certified columns */
    memcpy(w->yq, rg->y, (size_t)n * sizeof *w->yq);
    double qw = 0;
    if (LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', 'T', n, 1, r, w->K, n, w->tau, w->yq, n, &qw, -1))
        return 1;
    lapack_int lw = qw >= 1 ? (lapack_int)ceil(qw) : 1;
    double *work = rs_workspace_doubles(&w->ws, (size_t)lw);
    if (!work) return -1;
    if (LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', 'T', n, 1, r, w->K, n, w->tau, w->yq, n, work, lw))
        return 1;
    double s = 0;
    for (int i = r; i < n; i++) s += w->yq[i] * w->yq[i];
    rg->res_hat = sqrt(s);
    return 0;
}

/* ------------------------------------------------------------------ entry points */

/* The context's fields alone (nothing prepared in w). */
static void rs_ctx_set(rs_lp_ctx *c, const rs_pattern *A, const double *v, const double *xt, int p,
                       rs_lp_exact_mode mode, rs_lp_work *w)
{
    memset(c, 0, sizeof *c);
    c->A = A, c->v = v, c->xt = xt, c->p = p, c->n = A->n, c->d1 = A->d1;
    c->nw = (A->n + 63) / 64, c->mode = mode, c->w = w;
}

/* rows: build every neuron row (else the caller builds the ones it needs). */
static int rs_ctx_init(rs_lp_ctx *c, const rs_pattern *A, const double *v, const double *xt, int p,
                       rs_lp_exact_mode mode, int rows, rs_lp_work *w)
{
    rs_ctx_set(c, A, v, xt, p, mode, w);
    if (rs_reserve_common(w, c->d1, c->n, p, c->nw)) return -1;
    rs_prepare_points(c);
    if (rows) rs_build_rows(c);
    w->kept_zero_point = c->zero_point;
    w->kept_row_lp = 0;
    return 0;
}

int rs_lp_row_realizable(const rs_pattern *A, int j, const double *xt, int p, rs_lp_work *w)
{
    if (!A || !xt || !w || !A->bits || p < 1 || A->n < 1 || j < 0 || j >= A->d1) return -1;
    if (!rs_all_finite(xt, (size_t)p * A->n)) return -1;
    int old = glp_term_out(GLP_OFF);
    rs_lp_ctx c;
    int rc = -1;
    if (rs_ctx_init(&c, A, NULL, xt, p, RS_LP_EXACT_AUTO, 1, w) == 0) {
        int t = rs_row_test(&c, w->rows + (size_t)j * c.nw, w->wc);
        rc = t == RS_ROW_YES ? 1 : t == RS_ROW_NO ? 0 : -1;
    }
    glp_term_out(old);
    return rc;
}

int rs_lp_row_float(const rs_pattern *A, int j, const double *xt, int p, int again, int quick, rs_lp_work *w,
                    int *support, int *k)
{
    *k = 0;
    if (!A || !xt || !w || !A->bits || p < 1 || A->n < 1 || j < 0 || j >= A->d1) return -1;
    int old = glp_term_out(GLP_OFF);
    rs_lp_ctx c;
    int rc = -1;
    if (again) { /* the rows, points and row LP of the last call are still A's and xt's */
        rs_ctx_set(&c, A, NULL, xt, p, RS_LP_EXACT_NEVER, w);
        c.zero_point = w->kept_zero_point, c.row_lp_ready = w->kept_row_lp;
    } else if (!rs_all_finite(xt, (size_t)p * A->n) || rs_ctx_init(&c, A, NULL, xt, p, RS_LP_EXACT_NEVER, 0, w)) {
        glp_term_out(old);
        return -1;
    }
    c.no_perceptron = !quick;
    rs_build_row(&c, j);
    const uint64_t *row = w->rows + (size_t)j * c.nw;
    int t = rs_row_test(&c, row, w->wc);
    w->kept_row_lp = c.row_lp_ready;
    rc = t == RS_ROW_YES ? 1 : t == RS_ROW_NO ? 0 : -1;
    if (rc == 0 && !c.zero_point) /* the Gordan certificate's points: mu_i > 0 */
        for (int i = 0; i < c.n; i++)
            if (-rs_row_sign(row, i) * glp_get_row_dual(w->row_lp, i + 1) > 0) support[(*k)++] = i;
    glp_term_out(old);
    return rc;
}

static int rs_classify(const rs_lp_problem *pb, rs_lp_ctx *c, rs_lp_result *res)
{
    rs_lp_work *w = c->w;
    const int p = c->p, n = c->n, d1 = c->d1;
    int ncls = rs_row_classes(c);

    /* empty?  Every distinct row once; a proven unrealisable row decides even if another
     * row failed. */
    int any_failed = 0;
    for (int q = 0; q < ncls; q++) {
        int t = rs_row_test(c, w->rows + (size_t)w->rep[q] * c->nw, w->wc + (size_t)p * q);
        if (t < 0) return -1;
        if (t == RS_ROW_NO) {
            res->cls = RS_LP_EMPTY;
            res->by_neuron = res->by_shortcut = 1;
            res->margin = 0;
            return 0;
        }
        any_failed |= t == RS_ROW_FAILED;
    }
    if (any_failed) return res->cls = RS_LP_FAILED, 0;

    /* neurons that fire on some point enter the region LP */
    if (RS_GROW(w, act, 2 * (size_t)d1) || RS_GROW(w, W, (size_t)d1 * p)) return -1;
    rs_region rg;
    memset(&rg, 0, sizeof rg);
    rg.y = pb->y, rg.r = pb->matrank;
    for (int j = 0; j < d1; j++) {
        const uint64_t *row = w->rows + (size_t)j * c->nw;
        int any = 0;
        for (int k = 0; k < c->nw; k++) any |= row[k] != 0;
        w->act[d1 + j] = any ? rg.nact : -1;
        if (any) w->act[rg.nact++] = j;
    }

    double yn = 0;
    for (int i = 0; i < n; i++) yn += pb->y[i] * pb->y[i];
    yn = sqrt(yn);
    if (rg.r == n) {
        /* a point that fires no neuron is a zero row of J_A: rank < n contradicts matrank */
        if (rs_pattern_has_zero_column(c->A)) return res->cls = RS_LP_FAILED, 0;
        if (RS_GROW(w, piv, n)) return -1;
        for (int i = 0; i < n; i++) w->piv[i] = i;
        rg.zero = 1, rg.neq = n, rg.res_hat = 0;
    } else {
        int e = rs_region_equalities(c, &rg, pb->modp);
        if (e < 0) return -1;
        if (e > 0) return res->cls = RS_LP_FAILED, 0;
    }
    res->residual = yn > 0 ? rg.res_hat / yn : 0;

    int meets = 0;
    if (rg.nact == 0) {
        /* no neuron fires: J_A = 0, every W of the (non-empty) region is critical; the
         * per-neuron witnesses are the witness, and t could reach 1 */
        if (RS_GROW(w, tmp, 2 * (size_t)n)) return -1;
        int nadd = 0;
        meets = rs_witness(c, &rg, &nadd);
        res->margin = 1;
        res->by_shortcut = 1;
        if (!meets) return res->cls = RS_LP_FAILED, 0;
    } else if (rs_big_lp(c, &rg, &meets, res)) {
        return -1;
    }
    if (meets) {
        res->cls = rg.zero ? RS_LP_GLOBAL : RS_LP_BAD_LOCAL;
        res->dimension = d1 * p - rg.r;
    }
    return 0;
}

int rs_lp_classify(const rs_lp_problem *pb, rs_lp_exact_mode mode, rs_lp_work *w, rs_lp_result *res)
{
    if (!res) return -1;
    memset(res, 0, sizeof *res);
    res->cls = RS_LP_FAILED;
    if (!pb || !w || !pb->A || !pb->A->bits || !pb->v || !pb->xt || !pb->y || pb->p < 1) return -1;
    const rs_pattern *A = pb->A;
    if (A->n < 1 || A->d1 < 1 || A->words != (A->d1 + 63) / 64) return -1;
    if (mode != RS_LP_EXACT_AUTO && mode != RS_LP_EXACT_ALWAYS && mode != RS_LP_EXACT_NEVER) return -1;
    long P = (long)A->d1 * pb->p;
    if (pb->matrank < 0 || pb->matrank > A->n || pb->matrank > P) return -1;
    if (pb->matrank < A->n && !pb->modp) return -1;
    if (!rs_all_finite(pb->xt, (size_t)pb->p * A->n) || !rs_all_finite(pb->y, A->n) ||
        !rs_all_finite(pb->v, A->d1))
        return -1;
    for (int j = 0; j < A->d1; j++)
        if (pb->v[j] == 0) return -1;

    int old = glp_term_out(GLP_OFF);
    rs_lp_ctx c;
    int rc = rs_ctx_init(&c, A, pb->v, pb->xt, pb->p, mode, 1, w);
    if (rc == 0) rc = rs_classify(pb, &c, res);
    glp_term_out(old);
    res->exact_used = c.exact_used;
    res->exact_disagree = c.exact_disagree;
    if (rc) res->cls = RS_LP_FAILED;
    if (res->cls != RS_LP_GLOBAL && res->cls != RS_LP_BAD_LOCAL) res->dimension = 0;
    return rc;
}
