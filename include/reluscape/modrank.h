/* modrank.h - exact ranks: the rank over Q of binary64 matrices, computed modulo a prime.
 *
 * Every finite double is a dyadic rational m * 2^e, so a matrix of doubles maps exactly
 * into Z/pZ for any odd prime p.  The rank mod p never exceeds the rank over Q and equals it
 * unless p divides every maximal non-zero minor; with p drawn from the ~5.4e16 primes in
 * [2^61, 2^62) that is negligible (modrank.c has the bound).  All functions are local. */
#ifndef RELUSCAPE_MODRANK_H
#define RELUSCAPE_MODRANK_H

#include <stdint.h>

#include "reluscape/matrank.h"
#include "reluscape/pattern.h"
#include "reluscape/rng.h"

/* Arithmetic mod an odd prime p < 2^62 with Montgomery reduction (R = 2^64): the bound on p
 * leaves room for lazy reduction (a residue plus a Montgomery product's high words fits an
 * int64; 8 products of residues add up in 128 bits). */
typedef struct rs_modp {
    uint64_t p;
    uint64_t pinv;        /* p^-1 mod 2^64 */
    uint64_t one;         /* R mod p: Montgomery form of 1 */
    uint64_t pow2_64[33]; /* 2^(64 t) mod p, t = -15..17: scales a double's mantissa */
    uint64_t r3;          /* R^3 mod p: turns a Montgomery form's inverse into one */
    uint64_t pow2_73, pow2_105; /* the AVX2 kernel's accumulator fold */
} rs_modp;

/* 1 if n is prime: deterministic Miller-Rabin with the first 12 prime bases, proven exact
 * for every n < 3.18e23 > 2^64. */
int rs_is_prime_u64(uint64_t n);

/* 0, or -1 unless p is an odd prime below 2^62. */
int rs_modp_init(rs_modp *m, uint64_t p);

/* A prime in [2^61, 2^62) that depends only on (seed, which): Philox hash -> odd start ->
 * next prime (wrapping to 2^61 at the top).  Fixed per seed, so results are reproducible. */
uint64_t rs_prime_from_seed(uint64_t seed, unsigned which);

/* *r = the residue of the rational number x mod p (0 for +-0).  -1 for NaN or +-Inf. */
int rs_modp_from_double(const rs_modp *m, double x, uint64_t *r);

/* Rank of the rows x cols row-major matrix a of residues in [0, p); a is destroyed.
 * Cost <= rank * rows * cols multiply-adds (n^3/3 for a regular n x n); rows are the inner
 * loop, so make them the longer dimension.  Returns 0, or -1 on bad arguments or an
 * entry >= p. */
int rs_modp_rank_dense(const rs_modp *m, int rows, int cols, uint64_t *a, int *rank);

/* Kernels of rs_modp_rank_dense; every kernel gives the same rank (the rank over a field
 * does not depend on the order of the elimination).  AUTO, the default, takes AVX2 (four
 * residues per instruction, built with a target attribute and chosen at run time) when
 * the CPU has it, else the portable scalar kernel.  AVX2 handles primes above 2^52 (all
 * of rs_prime_from_seed's); smaller primes always take the scalar kernel. */
enum { RS_MODP_KERNEL_AUTO = 0, RS_MODP_KERNEL_SCALAR = 1, RS_MODP_KERNEL_AVX2 = 2 };

/* Select the kernel for the whole process (tests and benchmarks; not thread-safe).
 * Returns 0, or -1 (selection unchanged) for an unknown kernel or AVX2 on a CPU or build
 * without it. */
int rs_modp_set_kernel(int kernel);

/* The kernel rs_modp_rank_dense uses now: RS_MODP_KERNEL_SCALAR or RS_MODP_KERNEL_AVX2. */
int rs_modp_kernel(void);

/* Exact rank (mod p) of the rows x cols column-major binary64 matrix a (lda >= rows; a is
 * not changed).  Returns 0, or -1 on a non-finite entry, bad arguments or OOM. */
int rs_modp_rank_double(const rs_modp *m, int rows, int cols, const double *a, int lda,
                        rs_workspace *ws, int *rank);

/* Exact rank (mod p) of J = A (.)_KR X~, the n x P matrix J[i, j*p + k] = a_ji xt[k + p*i]
 * (xt: p x n column-major, n = A->n, P = A->d1 * p).  Output weights v_j != 0 scale columns
 * and do not change the rank, so they are not an argument.
 * P <= n + 4: J itself is eliminated (its few extra rows cost less than a sketch); s is
 * not used (may be NULL).
 * P > n + 4: J is never formed; the rank of the sketch J R (up to n columns) is returned,
 * R = B o C the Khatri-Rao product of random B (d1 x n) and C (p x n) (column t of R is
 * b_t (x) c_t) of uniform 52-bit integers, rs_next_u64(s) >> 12.  R is produced 8 columns
 * at a time (a pass); a pass of w columns draws, for each of B's d1 rows and then C's p
 * rows, its w entries: (d1 + p) w draws.  Passes stop at the first column of J R that
 * depends on the columns before it (or at n columns).  The sketch never raises the rank,
 * and loses rank with probability <= 2 rank/2^52 (Schwartz-Zippel: while the columns so
 * far do not span J's column space, the next one falls into their span with probability
 * <= 2/2^52, its entries being degree-2 polynomials in (b_t, c_t) of which not all vanish,
 * since rank-one columns span R^P).
 * Returns 0, or -1 on a non-finite xt entry, bad arguments or OOM. */
int rs_modp_rank_khatri_rao(const rs_modp *m, const rs_pattern *A, const double *xt, int p,
                            rs_stream *s, rs_workspace *ws, int *rank);

/* The same with a sketch of width <= n columns: the rank of J R for a random P x width R
 * (drawn as above, passes of up to 8 of the width columns), or of J itself when
 * P <= width + 4 (then the result is min(rank J, width)).  Never above
 * the rank of J; equal to min(rank J, width) but for a probability <= 2 width/2^52.  So when
 * rank J <= width is known (an upper bound), this is the rank; and a result equal to such
 * an upper bound proves the rank outright, whatever R was. */
int rs_modp_rank_khatri_rao_width(const rs_modp *m, const rs_pattern *A, const double *xt, int p,
                                  int width, rs_stream *s, rs_workspace *ws, int *rank);

#endif
