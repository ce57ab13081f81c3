/* pattern.h - activation patterns A in {0,1}^{d1 x n} and their samplers.
 *
 * Storage is by point (column of A): point i owns `words` = ceil(d1/64) words,
 * bit j of point i = a_ji = 1[<w_j, x~_i> > 0].  This is the layout the Jacobian rows,
 * the zero-column / crowded-column checks and popcount Gram products all want. */
#ifndef RELUSCAPE_PATTERN_H
#define RELUSCAPE_PATTERN_H

#include <stdint.h>
#include "reluscape/rng.h"

typedef struct rs_pattern {
    int d1, n, words;
    uint64_t *bits; /* n * words */
} rs_pattern;

int rs_pattern_alloc(rs_pattern *A, int d1, int n);
void rs_pattern_free(rs_pattern *A);
void rs_pattern_clear(rs_pattern *A);
static inline int rs_pattern_get(const rs_pattern *A, int j, int i)
{
    return (int)((A->bits[(int64_t)i * A->words + j / 64] >> (j % 64)) & 1u);
}
static inline void rs_pattern_set(rs_pattern *A, int j, int i)
{
    A->bits[(int64_t)i * A->words + j / 64] |= (uint64_t)1 << (j % 64);
}

/* Weight laws for the init sampler (volume measure). */
typedef enum {
    RS_INIT_GAUSSIAN, /* w, b ~ N(0,1) */
    RS_INIT_HE,       /* w ~ N(0, 2/d0), b = 0 (He et al. 2015) */
    RS_INIT_TORCH     /* w, b ~ U(-1/sqrt(d0), 1/sqrt(d0)) (PyTorch nn.Linear default) */
} rs_init_law;

typedef struct rs_sampler_params {
    double p;           /* bernoulli: P(a_ji = 1) */
    int exhaustive;     /* sweep.mode = exhaustive: the pattern is number `index` of the
                           enumeration (bernoulli: its bits, bit j n + i = a_ji; region: its
                           digits, row j = digit j in base rows), not a random draw */
    int64_t index;
    int64_t per_dataset; /* patterns drawn from one dataset (sweep.patterns_per_dataset; 0 as 1):
                            region enumerates the data's rows when that is cheaper for them all */
    rs_init_law init;   /* init: weight law */
    int d0, bias;       /* shape of X~: p = d0 + bias rows */
} rs_sampler_params;

/* A pattern sampler.  xt is the dataset (p x n column-major), A is preallocated d1 x n.
 * Returns 0, or -1 when the sampler does not apply (e.g. region needs d0 = 1 with bias). */
typedef struct rs_sampler {
    const char *name;
    const char *help;
    int (*sample)(const rs_sampler_params *prm, const double *xt, rs_stream *s, rs_pattern *A);
    /* NULL, or a warning when the parameters let it reach only part of the regions it
     * claims to sample (e.g. init = he with bias: every hyperplane through the origin) */
    const char *(*reach)(const rs_sampler_params *prm);
    int regions_only; /* every pattern it draws is a non-empty region (init, region) */
} rs_sampler;

/* Registry: "bernoulli", "init", "region".  NULL if unknown. */
const rs_sampler *rs_sampler_lookup(const char *name);
const char *rs_sampler_names(void); /* "bernoulli|init|region" */

/* The init sampler's weights: wb[j p + r] = w_jr (r < d0) and b_j (r = d0, with bias),
 * drawn from s in the order sample_init draws them, so a trained network starts in the
 * pattern the init sampler gives for the same stream.  0, or -1 for a bad law or shape. */
int rs_init_weights(const rs_sampler_params *prm, int d1, rs_stream *s, double *wb);

int rs_init_law_from_name(const char *name); /* "gaussian" | "he" | "torch"; -1 unknown */
const char *rs_init_law_name(rs_init_law law);
const char *rs_init_law_names(void); /* "gaussian|he|torch" */

/* Output weights v (d1 values, all non-zero). */
typedef enum { RS_VOUT_GAUSSIAN, RS_VOUT_BALANCED, RS_VOUT_ONES } rs_vout_law;
int rs_vout_law_from_name(const char *name); /* "gaussian" | "balanced" | "ones"; -1 */
const char *rs_vout_law_name(rs_vout_law law);
const char *rs_vout_law_names(void); /* "gaussian|balanced|ones" */
/* balanced: first floor(d1/2) are -1, the rest +1. gaussian: N(0,1), redrawn if 0. */
void rs_vout_draw(rs_vout_law law, int d1, rs_stream *s, double *v);

/* 1-D step vectors: the 2n realizable rows for sorted 1-D data with bias.  Index k in
 * [0, 2n): 0 = all zero, 1 = all one, 2..n = suffix of length k-1 (largest points active),
 * n+1..2n-1 = prefix of length k-n (smallest points active).  order[r] = index of the
 * r-th smallest point.  Writes row j of A. */
void rs_step_vector_set(rs_pattern *A, int j, int k, const int *order);

#endif
