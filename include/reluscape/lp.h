/* lp.h - region LPs: is an activation region empty, and does the critical set of the
 * squared loss meet it?
 *
 * Data X~ is p x n (column-major), the network F(x) = sum_j v_j relu(<w_j, x~>) with frozen
 * v_j != 0.  An activation pattern A (d1 x n) defines the open region
 *     S_A = {W : (2 a_ji - 1) <w_j, x~_i> > 0 for all j, i}.
 * Inside S_A the outputs are J_A vec(W) (jacobian.h), so the loss ||J_A vec(W) - y||^2 is a
 * least-squares problem whose critical points in S_A are {W : J_A vec(W) = yhat} with S_A,
 * yhat the projection of y on col(J_A).  One call classifies the region as
 *   empty      the sign constraints alone have no strictly feasible point;
 *   none       S_A is not empty but the critical set does not meet it;
 *   global     it meets S_A and y = yhat exactly (zero-loss minima);
 *   bad_local  it meets S_A and y != yhat (local minima that are not global);
 *   failed     the solvers gave no trustworthy answer (never folded into another class).
 *
 * Formulation (GLPK; lp.c has the details).
 *  - Rows are scaled by exact powers of two: point i by 2^-e_i with ||x~_i||_inf in
 *    [2^(e_i-1), 2^e_i), so every LP built from the data is the data (the exact simplex
 *    sees the true problem) and margins are measured against ||x~_i||_inf, not ||x~_i||_2.
 *    The sign of every margin LP's optimum, which is all that decides, does not depend on
 *    the scaling.
 *  - Per neuron (emptiness; rows equal to each other are tested once): maximise t s.t.
 *    (2 a_ji - 1) <w, x~_i> 2^-e_i >= t, t <= 1.  The LP is homogeneous, so t* is exactly
 *    1 (realisable) or 0 (not).  A cheap perceptron first looks for a witness w; a witness
 *    is only accepted when every sign is certified against the rounding error of the dot
 *    product ((p + 2) eps sum_k |w_k x_ki|), on the raw data.  Float simplex verdicts: t* >=
 *    3/4 with a certified witness is realisable; t* <= 1/4 is "not realisable" only with a
 *    Gordan certificate from the duals (mu >= -1e-9, sum mu = 1, ||sum mu_i s_i x^_i||_1 <=
 *    1e-9, i.e. every w with ||w||_inf <= 1 has some margin <= ~1e-9).  Because t* = 0 is
 *    a "small t*", AUTO re-solves such a row with glp_exact before calling it empty; NEVER
 *    takes the certified float verdict; anything else uncertain is exact (AUTO, ALWAYS) or
 *    failed (NEVER).  A data point x~_i = 0 makes every row unrealisable (no strict sign).
 *  - The region LP, in the variables u_j = v_j w_j (so the equalities use the exact data
 *    a_ji x~_i and not rounded products v_j x~_ki): maximise t s.t. the equalities of the
 *    critical set, sign(v_j) (2 a_ji - 1) <u_j, x~_i> 2^-e_i >= t, t <= 1.  Every
 *    coefficient is a number of the data times a power of two, so glp_exact solves the
 *    true problem.  K = the active columns of J_A without v (K[i, j p + k] = a_ji x~_ki):
 *      y in col K exactly (always when matrank = n): K_S u = y_S for a set S of r points
 *        whose rows of K are exactly independent (all points when r = n); the other
 *        equations, y's included, follow from these;
 *      otherwise: K u - z = y and K_C^T z = 0 with n extra free variables z and a set C of
 *        r exactly independent columns of K (z = K u - y is orthogonal to col K, i.e.
 *        K u = yhat).
 *    S and C come from a column-pivoted QR (LAPACK dgeqp3) and are certified by an exact
 *    rank (rs_modp_rank_double); a failed certificate gives failed.  This replaces the
 *    U_r^T J_A u = U_r^T y form of a float SVD, whose rounded rows would make an exact
 *    answer exact only for a perturbed critical set.  ||y - yhat|| comes from the same QR
 *    (the last n - r entries of Q^T y).  Neurons that fire on no point do not enter (they
 *    only need their own realising w_j); when none fires, no LP is solved (t = 1).
 *  - GLPK gets the dual of this LP (rows = the free variables u, z and t; columns = the
 *    equations and the sign rows), solved by the primal simplex after geometric-mean
 *    scaling rounded to powers of two (glp_exact ignores the scaling); u is read off the
 *    row duals.  On failure the float simplex is retried once from the standard basis with
 *    the dual simplex.
 *  - The sign rows are generated lazily: each active neuron starts with the p rows of
 *    smallest margin under its per-neuron witness; after a solve with t* > 0 every one of
 *    the d1 n signs of the witness W is checked and the violated rows are added (warm
 *    dual simplex).  The LP solved is always a relaxation of the full one, so t* <= 0 of
 *    any round proves `none`, and a witness passing every row proves meeting.  The margin
 *    reported is the t* of the last (deciding) round.
 *  - Zero residual when r < n is decided exactly: y is in col(J_A) iff rank [K | y] = r,
 *    computed mod the caller's prime (rs_modp_rank_double; column scaling by v_j does not
 *    change col(J_A)).  A mod-p rank outside {r, r + 1} (wrong matrank, or an unlucky
 *    prime) gives failed.
 *
 * Tolerances.
 *  - RS_LP_TMARGIN = 1e-6: a region LP with |t*| <= this is re-solved exactly (AUTO) or
 *    failed (NEVER).  The float simplex's feasibility tolerance is 1e-7 (absolute on these
 *    rows, their right-hand sides being 0).  Float t* < -1e-6 is taken as `none`.
 *  - ALWAYS re-solves every LP that was solved (row and region) with glp_exact after the
 *    float simplex (warm start) and takes its answer.  NEVER never calls glp_exact.
 *    glp_exact is slow on ill-conditioned regions (seen: 0.2-2 s for 1-D data, n = 50,
 *    d1 = 100, where about 1.5% of region LPs need it in AUTO).
 *  - Witness of global/bad_local: W (w_j = u_j / v_j; neurons not in the LP take their
 *    per-neuron witness) must give exactly the pattern A with every sign certified as
 *    above, and ||J_A vec(W) - y|| must equal ||y - yhat|| within RS_LP_RES_RTOL = 1e-6
 *    times ||y|| (times ||J_A vec(W)|| when y = 0) plus the rounding bound of the
 *    evaluation, (d1 p + 2) eps ||m|| with m_i = sum_j |v_j a_ji <w_j, x~_i>|; that bound
 *    must itself stay below the tolerance (a huge W whose outputs cancel resolves nothing).
 *    A witness failing on rows already in the LP or on the residual is re-solved exactly
 *    once (AUTO) and is otherwise failed.
 *  - Every simplex call (float and exact) stops after RS_LP_ITERATIONS_PER_SIZE x (rows +
 *    columns) + 1000 iterations and counts as not solved: GLPK's float simplex can stall
 *    on a degenerate region LP (seen: hours on one LP at n = 16, d1 = 40).  A count, not a
 *    time, so the same LPs give up on every machine.
 *
 * matrank must be the exact rank of the matrix with entries a_ji x~_ki (what the library's
 * exact rank engine computes; the rank of a float matrix of rounded products v_j x~_ki can
 * be larger).
 *
 * All functions are local (no communication).  GLPK's terminal output is switched off
 * while they run (and restored).  Not thread-safe on one rs_lp_work. */
#ifndef RELUSCAPE_LP_H
#define RELUSCAPE_LP_H

#include <stddef.h>
#include <stdint.h>

#include "reluscape/matrank.h"
#include "reluscape/modrank.h"
#include "reluscape/pattern.h"

#define RS_LP_TMARGIN 1e-6
#define RS_LP_RES_RTOL 1e-6
#define RS_LP_ITERATIONS_PER_SIZE 50

typedef enum { RS_LP_EMPTY, RS_LP_NONE, RS_LP_GLOBAL, RS_LP_BAD_LOCAL, RS_LP_FAILED, RS_LP_NCLASSES } rs_lp_class;
typedef enum { RS_LP_EXACT_AUTO, RS_LP_EXACT_ALWAYS, RS_LP_EXACT_NEVER } rs_lp_exact_mode;

/* "empty", "none", "global", "bad_local", "failed"; "?" for anything else. */
const char *rs_lp_class_name(rs_lp_class c);

typedef struct rs_lp_problem {
    const rs_pattern *A;   /* d1 x n */
    const double *v;       /* [d1], non-zero */
    const double *xt;      /* p x n column-major */
    int p;
    const double *y;       /* [n] */
    int matrank;           /* exact rank of J_A (from the caller's rank engine) */
    const rs_modp *modp;   /* for the exact y-in-col(J_A) test (needed when matrank < n) */
} rs_lp_problem;

typedef struct rs_lp_result {
    rs_lp_class cls;
    int dimension;         /* P - matrank for global and bad_local, else 0 (P = d1 p) */
    double residual;       /* ||y - yhat|| / ||y|| (0 if y = 0, exactly 0 when y in col J_A) */
    double margin;         /* t* of the deciding LP (0 for an empty row, 1 when no LP was
                            * needed because no neuron fires) */
    int exact_used;        /* glp_exact decided this trial */
    int exact_disagree;    /* ... and the float simplex had said otherwise */
    int by_neuron;         /* `empty` decided by the per-neuron test */
    int by_shortcut;       /* decided without the region LP */
} rs_lp_result;

struct glp_prob;

/* Scratch kept between calls (buffers grown on demand, the two GLPK problems reused).
 * Zero-initialise before first use; free with rs_lp_work_free.  Fields are private. */
typedef struct rs_lp_work {
    struct glp_prob *row_lp, *big_lp;
    double *xh, *xhT, *nrm, *pw, *wc, *W, *K, *tau, *sub, *yq, *ar, *tmp;
    size_t xh_cap, xhT_cap, nrm_cap, pw_cap, wc_cap, W_cap, K_cap, tau_cap, sub_cap, yq_cap, ar_cap, tmp_cap;
    int *ia, *ja, *cls, *rep, *act, *hash, *ind, *sel, *piv;
    size_t ia_cap, ja_cap, cls_cap, rep_cap, act_cap, hash_cap, ind_cap, sel_cap, piv_cap;
    uint64_t *rows;
    size_t rows_cap;
    unsigned char *inlp;
    size_t inlp_cap;
    int kept_zero_point, kept_row_lp; /* rs_lp_row_float's again: what the last call prepared */
    rs_workspace ws; /* LAPACK work arrays and the exact rank */
} rs_lp_work;

/* Classify the region of pb->A (see above).  mode: when to call GLPK's exact simplex.
 * w: zero-initialised or reused scratch.  res: always written.
 * Returns 0 (the class is in res->cls, RS_LP_FAILED for solver trouble or inconsistent
 * matrank), or -1 on out of memory, a non-finite input, v_j = 0 or bad sizes (res->cls is
 * then RS_LP_FAILED too).  Local. */
int rs_lp_classify(const rs_lp_problem *pb, rs_lp_exact_mode mode, rs_lp_work *w, rs_lp_result *res);

/* The per-neuron realisability test alone (mode AUTO): is row j of A (a 0/1 labelling of
 * the n points) strictly realisable by a hyperplane through the origin of R^p, i.e. is
 * there w with (2 a_ji - 1) <w, x~_i> > 0 for every i?  xt: p x A->n column-major.
 * Returns 1 if realisable, 0 if not, -1 on bad arguments, non-finite data, out of memory
 * or when even the exact simplex failed.  Local. */
int rs_lp_row_realizable(const rs_pattern *A, int j, const double *xt, int p, rs_lp_work *w);

/* The same test in floating point only (mode NEVER): 1 realisable (a w verified with
 * certified signs), 0 "not" by a Gordan certificate checked in floating point only, whose
 * points (mu_i > 0) are written to support[0..*k) (room for A->n; none for a zero point),
 * -1 undecided or on error.  A 0 is a hint to be proven (regions.c does it exactly on the
 * support), not a proof.  again: the caller promises that the last call on w was this one
 * with the same A and xt (another row), so their rows, points and LP are reused (a
 * pattern's rows tested in turn).  quick: try the perceptron's fast yes first (worth it
 * when rows are often realizable; 0 goes straight to the LP).  Local. */
int rs_lp_row_float(const rs_pattern *A, int j, const double *xt, int p, int again, int quick, rs_lp_work *w,
                    int *support, int *k);

/* Free everything in w (GLPK problems included) and zero it.  NULL is ignored.  Local. */
void rs_lp_work_free(rs_lp_work *w);

#endif
