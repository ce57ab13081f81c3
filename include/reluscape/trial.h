/* trial.h - one trial end to end: dataset draw, pattern, output weights, Jacobian,
 * combinatorial checks and the matrix rank.  Local; the same (cell, trial) gives the
 * same result on any rank. */
#ifndef RELUSCAPE_TRIAL_H
#define RELUSCAPE_TRIAL_H

#include <stdint.h>
#include "reluscape/config.h"
#include "reluscape/data.h"
#include "reluscape/engine.h"
#include "reluscape/jacobian.h"
#include "reluscape/pattern.h"
#include "reluscape/matrank.h"
#include "reluscape/grid.h"

struct rs_experiment;

/* Everything fixed for a whole sweep, resolved from the config once. */
typedef struct rs_trial_setup {
    const rs_config *cfg;      /* must outlive the setup */
    const struct rs_experiment *exp; /* experiment.kind (rs_experiment_setup), or NULL */
    uint64_t seed;
    int64_t patterns_per_dataset;   /* exhaustive mode: every trial of a cell shares dataset 0 */
    const rs_data_spec *data;
    const rs_sampler *sampler;
    rs_sampler_params prm;     /* d0 filled per cell */
    rs_vout_law vout;
    int draw_v;                /* draw v (the method or the experiment needs it), else v = 1 */
    rs_engine engine;
} rs_trial_setup;

/* Buffers reused across trials (grown on demand).  Zero-initialise before use. */
typedef struct rs_trial_work {
    rs_engine_work ew;
    double *xt, *v;
    size_t xt_cap, v_cap;
    int *scratch;
    size_t scratch_cap;
    uint64_t *rows;            /* neuron-major copy of A for the reduction */
    size_t rows_cap;
    rs_neuron_key *keys;
    size_t keys_cap;
    rs_pattern A, R;           /* sampled pattern and its reduced neurons */
    const rs_cell *xt_cell;    /* dataset cache: which (cell, dataset) xt holds */
    int64_t xt_dataset;
    void *exp_work;            /* the experiment's own buffers, freed by exp_work_free */
    void (*exp_work_free)(void *exp_work);
} rs_trial_work;

typedef struct rs_trial_result {
    rs_rank_result rank;
    int zero_column;
    int crowded_column;
} rs_trial_result;

/* Resolve names in cfg (kept by pointer) for the rank engine's trial; experiments use
 * rs_experiment_setup (experiment.h), which also sets exp.  0, or -1 with a message. */
/* The dataset draw of trial t, or -1 in exhaustive mode (one dataset, nothing to cluster over). */
static inline int64_t rs_trial_draw(const rs_trial_setup *ts, int64_t t)
{
    return ts->patterns_per_dataset == INT64_MAX ? -1 : t / ts->patterns_per_dataset;
}

int rs_trial_setup_init(rs_trial_setup *ts, const rs_config *cfg, const rs_data_spec *data,
                        char *err, size_t errlen);
/* 0, -1 out of memory, sampler not applicable or non-finite data, or >0 LAPACK info. */
int rs_trial_run(const rs_trial_setup *ts, const rs_cell *cell, int64_t trial,
                 rs_trial_work *w, rs_trial_result *res);
/* Everything before the rank: fills res's combinatorial checks and the reduced problem
 * pb (pointing into w).  The same return codes.  rs_trial_run = this + rs_engine_rank. */
int rs_trial_prepare(const rs_trial_setup *ts, const rs_cell *cell, int64_t trial, rs_trial_work *w,
                     rs_trial_result *res, rs_rank_problem *pb);
/* The tail of rs_trial_prepare for the pattern already in w->A (with w->v): the
 * combinatorial checks and the reduced problem.  Training ranks the patterns it visits
 * with it.  w must have been through rs_trial_prepare for this cell. */
void rs_trial_reduce(const rs_cell *cell, int64_t trial, rs_trial_work *w, rs_trial_result *res,
                     rs_rank_problem *pb);
/* The message for a return code of rs_trial_run / rs_trial_prepare. */
void rs_trial_error(int rc, char *err, size_t errlen);
void rs_trial_work_free(rs_trial_work *w);

#endif
