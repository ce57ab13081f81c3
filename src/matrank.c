/* matrank.c - numerical rank of a dense column-major matrix (LAPACK backends).
 *
 * Both backends use the LAPACKE_*_work entry points with scratch taken from a caller-owned
 * rs_workspace, so a sweep that ranks thousands of same-shaped Jacobians allocates once. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "blas.h"
#include "reluscape/matrank.h"

/* rs_workspace hands out int*, which LAPACK reads as lapack_int*. */
_Static_assert(sizeof(lapack_int) == sizeof(int), "ILP64 LAPACK is not supported");

/* ------------------------------------------------------------------ workspace */

void rs_workspace_free(rs_workspace *ws)
{
    if (!ws) return;
    free(ws->dbl);
    free(ws->ints);
    memset(ws, 0, sizeof *ws);
}

/* Grow *buf to hold at least `count` elements; never shrinks, so repeated calls with the
 * same shapes settle after the first.  The old buffer survives an OOM (realloc semantics). */
static void *rs_workspace_grow(void **buf, size_t *cap, size_t count, size_t size)
{
    if (count == 0) count = 1; /* always hand out a valid pointer */
    if (*buf && *cap >= count) return *buf;
    if (count > (size_t)-1 / size) return NULL;
    size_t want = count;
    /* Geometric growth keeps a slowly increasing sequence of shapes from reallocating
     * every call. */
    if (*cap > 0 && want < *cap + *cap / 2 && *cap + *cap / 2 <= (size_t)-1 / size)
        want = *cap + *cap / 2;
    void *p = realloc(*buf, want * size);
    if (!p) return NULL;
    *buf = p;
    *cap = want;
    return p;
}

double *rs_workspace_doubles(rs_workspace *ws, size_t count)
{
    return (double *)rs_workspace_grow((void **)&ws->dbl, &ws->ndbl, count, sizeof(double));
}

int *rs_workspace_ints(rs_workspace *ws, size_t count)
{
    return (int *)rs_workspace_grow((void **)&ws->ints, &ws->nints, count, sizeof(int));
}

/* ------------------------------------------------------------------ tolerance */

double rs_matrank_default_rtol(int m, int n)
{
    int mx = m > n ? m : n;
    return (double)(mx > 0 ? mx : 1) * DBL_EPSILON;
}

/* Size of the LAPACK work array from a workspace query's answer (a double). */
static lapack_int rs_lwork_from_query(double q)
{
    if (!(q >= 1.0)) return 1;
    if (q >= (double)INT32_MAX) return INT32_MAX;
    return (lapack_int)ceil(q);
}

/* ------------------------------------------------------------------ svd backend */

/* Singular values only.  dgesvd('N','N') rather than dgesdd('N'): with no vectors both
 * reduce to bidiagonal form (after a QR/LQ step for very rectangular shapes) and finish
 * with the same dqds iteration (dlasq1), so divide-and-conquer buys nothing; measured
 * with OpenBLAS (1 thread) dgesvd was equal or faster on every Jacobian shape tried
 * (10x30 .. 300x200: within 3%; 200x1000: 9.8 ms vs 12.6 ms), and it needs no iwork. */
int rs_matrank_singular_values(int m, int n, double *a, int lda, rs_workspace *ws, double **s)
{
    *s = NULL;
    if (m <= 0 || n <= 0) return 0;
    int k = m < n ? m : n;
    double q = 0;
    lapack_int info = LAPACKE_dgesvd_work(LAPACK_COL_MAJOR, 'N', 'N', m, n, a, lda, NULL,
                                          NULL, 1, NULL, 1, &q, -1);
    if (info != 0) return (int)info;
    lapack_int lwork = rs_lwork_from_query(q);

    double *buf = rs_workspace_doubles(ws, (size_t)k + (size_t)lwork);
    if (!buf) return LAPACK_WORK_MEMORY_ERROR;
    info = LAPACKE_dgesvd_work(LAPACK_COL_MAJOR, 'N', 'N', m, n, a, lda, buf, NULL, 1, NULL, 1,
                               buf + k, lwork);
    if (info != 0) return (int)info;
    *s = buf;
    return 0;
}

static int rs_rank_svd(int m, int n, double *a, int lda, double rtol, rs_workspace *ws,
                       int *matrank)
{
    *matrank = 0;
    if (m <= 0 || n <= 0) return 0;
    if (rtol <= 0) rtol = rs_matrank_default_rtol(m, n);
    int k = m < n ? m : n;
    double *s;
    int info = rs_matrank_singular_values(m, n, a, lda, ws, &s);
    if (info) return info;

    /* s is sorted descending; a zero (or NaN) sigma_max leaves rank 0. */
    double thresh = s[0] * rtol;
    int r = 0;
    while (r < k && s[r] > thresh) r++;
    *matrank = r;
    return 0;
}

/* ------------------------------------------------------------------ qrcp backend */

/* QR with column pivoting: |R_kk| is non-increasing, so the rank is the length of the
 * leading run above |R_11| * rtol.  Cheaper than the SVD (about 2-3x on square shapes)
 * but only rank-revealing in practice, not in the worst case (Kahan's matrix). */
static int rs_rank_qrcp(int m, int n, double *a, int lda, double rtol, rs_workspace *ws,
                        int *matrank)
{
    *matrank = 0;
    if (m <= 0 || n <= 0) return 0;
    if (rtol <= 0) rtol = rs_matrank_default_rtol(m, n);
    int k = m < n ? m : n;

    int *jpvt = rs_workspace_ints(ws, (size_t)n);
    if (!jpvt) return LAPACK_WORK_MEMORY_ERROR;
    memset(jpvt, 0, (size_t)n * sizeof *jpvt); /* 0 = free column: pivot on everything */

    double q = 0;
    lapack_int info = LAPACKE_dgeqp3_work(LAPACK_COL_MAJOR, m, n, a, lda, jpvt, NULL, &q, -1);
    if (info != 0) return (int)info;
    lapack_int lwork = rs_lwork_from_query(q);

    double *buf = rs_workspace_doubles(ws, (size_t)k + (size_t)lwork);
    if (!buf) return LAPACK_WORK_MEMORY_ERROR;
    double *tau = buf, *work = buf + k;
    info = LAPACKE_dgeqp3_work(LAPACK_COL_MAJOR, m, n, a, lda, jpvt, tau, work, lwork);
    if (info != 0) return (int)info;

    double thresh = fabs(a[0]) * rtol;
    int r = 0;
    while (r < k && fabs(a[(size_t)r * (size_t)lda + (size_t)r]) > thresh) r++;
    *matrank = r;
    return 0;
}

/* ------------------------------------------------------------------ certificate */

/* The SVD rule counts sigma_k when sigma_k > sigma_max * rtol.  With G = J J^T (k x k) and
 * sigma_max <= ||J||_F = sqrt(tr G), it is enough to show lambda_min(G) > tau with
 * tau = (10 sqrt(tr G) rtol)^2 (the factor 10 leaves the SVD's own rounding a margin).
 * G is known only as a computed G~ with ||G~ - G||_2 <= form_err.  By Rump's criterion
 * (Verification of positive definiteness, BIT 46, 2006) a Cholesky factorisation of
 * G~ - cI that succeeds in floating point proves G~ - (c - gamma_{k+1} tr G~) I positive
 * definite; so success with c = tau + 2 form_err + 2 gamma_{k+1} tr G~ (twice each bound)
 * proves lambda_min(G) > tau.  Costs k^3 / 3 flops; when the proof fails (a deficient or
 * ill-conditioned matrix) nothing is decided and the caller ranks J itself. */
double rs_matrank_certify_shift(int k, double form_err, double rtol, double trace, double ref_trace)
{
    const double u = DBL_EPSILON / 2;
    double tol = sqrt(ref_trace > trace ? ref_trace : trace) * rtol;
    return 100.0 * tol * tol + 2.0 * form_err + 2.0 * ((double)k + 1.0) * u * trace;
}

int rs_matrank_certify_gram(int k, double *g, double form_err, double rtol, double ref_trace)
{
    if (k <= 0) return 1;
    double trace = 0;
    for (int i = 0; i < k; i++) trace += g[(size_t)i * (size_t)k + (size_t)i];
    /* far from underflow, so that the relative error bounds hold */
    if (!(trace > 1e-250) || !isfinite(trace) || !isfinite(form_err)) return 0;
    double shift = rs_matrank_certify_shift(k, form_err, rtol, trace, ref_trace);
    for (int i = 0; i < k; i++) g[(size_t)i * (size_t)k + (size_t)i] -= shift;
    return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', k, g, k) == 0;
}

/* Generic form: G~ = A A^T (or A^T A) by dsyrk, whose entries are dot products of length
 * L, so ||G~ - G||_2 <= gamma_L ||A||_F^2 = gamma_L tr G. */
int rs_matrank_certify_full(int m, int n, const double *a, int lda, double rtol, rs_workspace *ws)
{
    int k = m < n ? m : n, L = m < n ? n : m;
    if (k <= 0) return 1;
    double *g = rs_workspace_doubles(ws, (size_t)k * (size_t)k);
    if (!g) return 0;
    const double one = 1.0, zero = 0.0;
    if (m <= n)
        dsyrk_("L", "N", &m, &n, &one, a, &lda, &zero, g, &k);
    else
        dsyrk_("L", "T", &n, &m, &one, a, &lda, &zero, g, &k);
    double trace = 0;
    for (int i = 0; i < k; i++) trace += g[(size_t)i * (size_t)k + (size_t)i];
    double gammaL = (double)L * (DBL_EPSILON / 2) / (1.0 - (double)L * (DBL_EPSILON / 2));
    return rs_matrank_certify_gram(k, g, gammaL * trace, rtol > 0 ? rtol : rs_matrank_default_rtol(m, n), 0);
}

/* ------------------------------------------------------------------ registry */

static const rs_matrank_method rs_matrank_methods[] = {
    {.name = "svd",
     .help = "singular values (LAPACK dgesvd); count sigma_i > sigma_max * rtol",
     .rank = rs_rank_svd},
    {.name = "qrcp",
     .help = "QR with column pivoting (LAPACK dgeqp3); count |R_kk| > |R_11| * rtol",
     .rank = rs_rank_qrcp},
};

const rs_matrank_method *rs_matrank_lookup(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof rs_matrank_methods / sizeof rs_matrank_methods[0]; i++)
        if (strcmp(rs_matrank_methods[i].name, name) == 0) return &rs_matrank_methods[i];
    return NULL;
}

const char *rs_matrank_names(void)
{
    return "svd|qrcp";
}
