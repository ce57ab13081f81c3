/* jacobian.h - the Jacobian J_A of the parametrization map inside an activation region,
 * and cheap combinatorial facts about A that decide rank deficiency without algebra.
 *
 * J_A is n x P (P = d1 * p), row i = (v .* a_{:,i}) kron x~_i, i.e.
 * J[i, j*p + k] = v_j a_ji x~_ki.  Stored column-major with leading dimension n. */
#ifndef RELUSCAPE_JACOBIAN_H
#define RELUSCAPE_JACOBIAN_H

#include <stdint.h>
#include "reluscape/pattern.h"

/* Fill J (n * d1 * p doubles, column-major, ld = n). Local. */
void rs_jacobian_build(const rs_pattern *A, const double *v, const double *xt, int p, double *J);

/* The Gram matrix G = J J^T = (A^T diag(v)^2 A) o (X~^T X~) (n x n, lower triangle, ld = n)
 * without forming J: n^2 (d1 + p) flops instead of n^2 P.  scratch: max(d1, n) * n doubles.
 * Returns a bound on ||G~ - G||_2 for the computed G~ (see jacobian.c). */
double rs_gram_build(const rs_pattern *A, const double *v, const double *xt, int p, double *G,
                     double *scratch);

/* 1 if some point activates no neuron (zero column of A, zero row of J). */
int rs_pattern_has_zero_column(const rs_pattern *A);

/* The largest number of points sharing one activation column (a cell of the neuron
 * hyperplane arrangement).  More than p such points imply rank J < n.  scratch: n ints. */
int rs_pattern_max_column_multiplicity(const rs_pattern *A, int *scratch);

#endif
