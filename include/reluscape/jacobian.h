/* jacobian.h - the Jacobian J_A of the parametrization map inside an activation region,
 * and cheap combinatorial facts about A that decide rank deficiency without algebra.
 *
 * J_A is n x P (P = d1 * p), row i = (v .* a_{:,i}) kron x~_i, i.e.
 * J[i, j*p + k] = v_j a_ji x~_ki.  Stored column-major with leading dimension n. */
#ifndef RELUSCAPE_JACOBIAN_H
#define RELUSCAPE_JACOBIAN_H

#include <stddef.h>
#include <stdint.h>
#include "reluscape/pattern.h"

/* Fill J (n * d1 * p doubles, column-major, ld = n). Local. */
void rs_jacobian_build(const rs_pattern *A, const double *v, const double *xt, int p, double *J);

/* The Gram matrix G = J J^T = (A^T diag(v)^2 A) o (X~^T X~) (n x n, lower triangle, ld = n)
 * without forming J: n^2 (d1 + p) flops instead of n^2 P.  scratch: max(d1, n) * n doubles.
 * Returns a bound on ||G~ - G||_2 for the computed G~ (see jacobian.c). */
double rs_gram_build(const rs_pattern *A, const double *v, const double *xt, int p, double *G,
                     double *scratch);
/* That bound for any evaluation order of the same sums (dgemm, dsyrk, blocked): d1
 * non-negative terms per K entry, p per S entry; trace = tr G~. */
double rs_gram_error_bound(int d1, int p, double trace);

/* The slots of an open-addressing hash table for up to keys entries: a power of two, at
 * least 2 keys (at most half full, so probes stay short), and at least 2. */
static inline size_t rs_hash_slots(int keys)
{
    size_t t = 2;
    while (t < 2 * (size_t)(keys > 0 ? keys : 1)) t *= 2;
    return t;
}

/* Exact reduction of the neurons before any linear algebra.  J J^T =
 * sum_j v_j^2 diag(a_j) X~^T X~ diag(a_j), so a neuron that never fires adds nothing and
 * neurons with the same activation row a_j merge into one with weight
 * sqrt(sum of their v_j^2): the reduced J' (n x d1' p) has J' J'^T = J J^T, hence exactly
 * the singular values of J, with far fewer columns (typically d1' << d1 at small d0).
 * R must have room for A's d1 (its bits buffer from rs_pattern_alloc(R, A->d1, A->n));
 * vr: d1 doubles; rows: d1 * ceil(n/64) words; keys: rs_neuron_keys(d1) elements.
 * Returns d1'; kept neurons are in index order (each class by its first member). */
typedef struct rs_neuron_key {
    uint64_t hash; /* of the neuron's activation row */
    int index;
} rs_neuron_key;
static inline size_t rs_neuron_keys(int d1)
{
    return (size_t)d1 + rs_hash_slots(d1); /* kept list + hash table */
}
int rs_neuron_reduce(const rs_pattern *A, const double *v, rs_pattern *R, double *vr,
                     uint64_t *rows, rs_neuron_key *keys);

/* A hash of words x[0..words), the last one masked by last (classes of rows). */
uint64_t rs_words_hash(const uint64_t *x, int words, uint64_t last);
/* 1 if point i activates no neuron (its column of A is zero; bits past d1 ignored). */
int rs_pattern_column_is_zero(const rs_pattern *A, int i);
/* 1 if some point activates no neuron (zero column of A, zero row of J). */
int rs_pattern_has_zero_column(const rs_pattern *A);

/* Points grouped by their activation column (a cell of the neuron arrangement; bits past
 * d1 ignored): first[i] = the smallest index of a point with i's column, and, if count is
 * not NULL, count[first[i]] = the number of such points (other entries of count are not
 * set).  table: rs_hash_slots(n) ints.  Returns the number of distinct columns.
 * Hashing, O(n words) expected. */
int rs_pattern_column_classes(const rs_pattern *A, int *first, int *count, int *table);

/* The largest number of points sharing one activation column (a cell of the neuron
 * hyperplane arrangement).  More than p such points imply rank J < n.  scratch: n ints. */
int rs_pattern_max_column_multiplicity(const rs_pattern *A, int *scratch);

#endif
