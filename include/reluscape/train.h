/* train.h - full-batch training of the two-layer ReLU network in float64.
 *
 * The network is f(x) = Σ_j v_j relu(<w_j, x̃>) with x̃ = (x, 1) when there is a bias, the
 * loss L = (1/2n) Σ_i (f(x_i) − y_i)², and its gradient ∇_w_j L = (v_j/n) Σ_i a_ji r_i x̃_i,
 * ∂L/∂v_j = (1/n) Σ_i relu(<w_j, x̃_i>) r_i with r = f − y.  While the pattern A does not
 * change, f is linear in W (f = J_A vec W), so plain gradient descent with step η maps the
 * residual to r ← (I − (η/n) J_A J_Aᵀ) r: that is the known answer the tests check.
 *
 * One forward and one backward pass per step, each a fused loop over neurons and points
 * (the two matrix products of the step, without forming J).  The sums run in a fixed
 * order with fixed partial sums, so a trajectory is bitwise the same on any rank.
 * Everything is local. */
#ifndef RELUSCAPE_TRAIN_H
#define RELUSCAPE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

typedef enum { RS_TRAIN_GD, RS_TRAIN_ADAM } rs_train_optimizer;

/* Largest n (rs_train_work_init refuses more); inputs up to p = RS_TRAIN_BLOCK_P are
 * trained a block of neurons at a time with the sums in registers. */
#define RS_TRAIN_MAX_N (1 << 24)
#define RS_TRAIN_BLOCK_P 8

/* Bit i of neuron j's row of the mask. */
static inline int rs_train_active(const uint64_t *mask, int n, int j, int i)
{
    return (int)((mask[(size_t)j * (size_t)((n + 63) / 64) + (size_t)i / 64] >> (i % 64)) & 1u);
}

int rs_train_optimizer_from_name(const char *name); /* "gd" | "adam"; -1 unknown */
const char *rs_train_optimizer_names(void);          /* "gd|adam" */

/* Buffers for one (d1, p, n), reused across trials (zero-initialise before first use). */
typedef struct rs_train_work {
    int d1, p, n;
    int npad, d1pad;  /* n and d1 rounded up to the kernels' widths (zero points, neurons) */
    double *x;        /* p x npad, row r = coordinate r of every point (x̃ transposed) */
    double *z, *f, *r, *q; /* npad each: scratch, outputs f, residual r = f − y, scratch */
    uint64_t *mask;   /* a_ji of the last forward pass: neuron j's bits in ⌈n/64⌉ words */
    double *grad;     /* d1 (p + 1): ∇W row by row, then ∂L/∂v */
    double *m1, *m2;  /* Adam's moments, same layout */
    uint64_t hash;    /* Zobrist hash of mask (rs_train_forward keeps it current) */
    int64_t flips;    /* bits of mask the last forward pass changed */
    uint64_t *bits;   /* a block of neurons' new mask rows */
    double *wt;       /* Wᵀ and the backward sums, p x d1pad each */
    const struct kernels *kernels; /* the instruction set's kernels */
    size_t cap[5];
} rs_train_work;

/* Size the buffers for (d1, p, n), copy x̃ (xt: p x n column-major, as rs_data_draw writes
 * it) and clear mask, hash and the optimizer's state.  0, or -1 out of memory. */
int rs_train_work_init(rs_train_work *tw, int d1, int p, int n, const double *xt);
void rs_train_work_free(rs_train_work *tw);
/* Choose the kernels: -1 the best for this CPU (the default), 0 plain C, 1 SSE2, 2 AVX2
 * (tests compare them; they give the same bits).  0, or -1 if this build lacks the set. */
int rs_train_set_kernels(rs_train_work *tw, int which);

/* Forward pass at W (d1 x p, row j = (w_j, b_j)) and v: f, r = f − y, mask (with hash and
 * flips).  Returns the loss (1/2n) Σ r_i². */
double rs_train_forward(rs_train_work *tw, const double *W, const double *v, const double *y);

/* ∇W and (train_v) ∂L/∂v into tw->grad from the last forward pass (its mask and r). */
void rs_train_gradient(rs_train_work *tw, const double *W, const double *v, int train_v);

/* One optimizer step from tw->grad: gd, θ −= lr g; adam (β = 0.9, 0.999, ε = 1e-8) with
 * step number t ≥ 1 for its bias correction.  v changes only with train_v. */
void rs_train_update(rs_train_work *tw, rs_train_optimizer opt, double lr, int64_t t, double *W, double *v,
                     int train_v);

/* The largest eigenvalue of (1/n) J Jᵀ at W, v (J: ∂f/∂W, and ∂f/∂v with train_v) by 50
 * power iterations from r = (1, …, 1): the step 1/λ is the largest stable plain-GD step
 * of the linearised problem.  Uses tw's buffers (call rs_train_forward again afterwards). */
double rs_train_curvature(rs_train_work *tw, const double *W, const double *v, int train_v);

/* The recorded steps: 0, then the distinct values ⌊10^(k/per_decade)⌋ up to steps, and
 * steps itself.  Writes at most max of them to out (NULL: count only); returns how many. */
int64_t rs_train_record_steps(int64_t steps, int64_t per_decade, int64_t *out, int64_t max);

/* Log-scale bins of positive quantities (loss, smallest singular value): bin 0 holds
 * values below 1e-16 (and 0), bin b in 1..200 holds [10^(−16+(b−1)/10), 10^(−16+b/10)),
 * bin 201 values ≥ 1e4, infinities and NaN. */
#define RS_LOG10_BINS 202
int64_t rs_log10_bin(double x);
double rs_log10_bin_value(int64_t b); /* the bin's geometric centre (0, +inf at the ends) */

#endif
