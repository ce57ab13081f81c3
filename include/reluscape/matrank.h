/* matrank.h - numerical rank of a dense matrix ("matrank", never the MPI rank).
 *
 * Backends share one signature and one tolerance policy:
 *   singular value / |R_kk| counted when > sigma_max * rtol,
 *   rtol = max(rows, cols) * DBL_EPSILON by default (numpy.linalg.matrix_rank's choice). */
#ifndef RELUSCAPE_MATRANK_H
#define RELUSCAPE_MATRANK_H

#include <stddef.h>

/* Reusable scratch memory, grown on demand; zero-initialise before first use. */
typedef struct rs_workspace {
    double *dbl;
    size_t ndbl;
    int *ints;
    size_t nints;
} rs_workspace;
void rs_workspace_free(rs_workspace *ws);
double *rs_workspace_doubles(rs_workspace *ws, size_t count); /* NULL on OOM */
int *rs_workspace_ints(rs_workspace *ws, size_t count);

typedef struct rs_matrank_method {
    const char *name;
    const char *help;
    /* rank of the m x n column-major matrix a (lda >= m); a is overwritten.
     * rtol <= 0 selects the default.  Returns 0, or the LAPACK info (non-zero) on failure. */
    int (*rank)(int m, int n, double *a, int lda, double rtol, rs_workspace *ws, int *matrank);
} rs_matrank_method;

/* Full-rank certificates: 1 if rank = min(m, n) is proven by a shifted Cholesky
 * factorisation of the Gram matrix (the SVD rule with the same rtol would agree), 0 if
 * undecided.  A fast path for the common full-rank case; matrank.c has the error analysis.
 * certify_full: of the matrix a (not changed).
 * certify_gram: of any J whose computed Gram matrix G~ (k x k, lower triangle used,
 * destroyed) satisfies ||G~ - J J^T||_2 <= form_err; rtol as the SVD rule for J (> 0).
 * ref_trace: when J is a row subset of a larger J0, tr(J0 J0^T), so the threshold is the
 * SVD rule's for J0 (whose singular values interlace above J's); 0 = J alone. */
int rs_matrank_certify_full(int m, int n, const double *a, int lda, double rtol, rs_workspace *ws);
int rs_matrank_certify_gram(int k, double *g, double form_err, double rtol, double ref_trace);
/* The shift certify_gram subtracts before Cholesky: 100 tol^2 (tol = sqrt(max(trace,
 * ref_trace)) rtol, the SVD rule's threshold), twice form_err and twice Cholesky's own
 * rounding bound (k + 1) u trace.  For distributed forms of the same test. */
double rs_matrank_certify_shift(int k, double form_err, double rtol, double trace, double ref_trace);

/* The min(m, n) singular values of a (destroyed), descending, in ws (*s points into it):
 * dgesvd without vectors.  0, or the LAPACK info. */
int rs_matrank_singular_values(int m, int n, double *a, int lda, rs_workspace *ws, double **s);

const rs_matrank_method *rs_matrank_lookup(const char *name); /* "svd" | "qrcp"; NULL */
const char *rs_matrank_names(void);
double rs_matrank_default_rtol(int m, int n);

#endif
