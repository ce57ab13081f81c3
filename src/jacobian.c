/* jacobian.c - J_A = rows (v .* a_{:,i}) kron x~_i, and combinatorial rank certificates.
 *
 * Bits of the last word above d1 are masked off everywhere: the layout leaves them
 * unspecified, and a stray bit would index v out of range or split equal columns. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
