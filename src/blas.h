/* blas.h - the few Fortran BLAS entry points called directly (private header).  Every
 * BLAS has them; declaring them here avoids depending on a CBLAS header. */
#ifndef RS_BLAS_H
#define RS_BLAS_H

/* C = alpha op(A) op(A)^T + beta C, C symmetric n x n (triangle `uplo`). */
void dsyrk_(const char *uplo, const char *trans, const int *n, const int *k, const double *alpha,
            const double *a, const int *lda, const double *beta, double *c, const int *ldc);
/* C = alpha op(A) op(B) + beta C. */
void dgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
            const double *beta, double *c, const int *ldc);

#endif
