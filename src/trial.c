/* trial.c - one trial: X~ (cached per dataset draw), v, A, checks, J and its rank. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/jacobian.h"
#include "reluscape/trial.h"
#include "util.h"

int rs_trial_setup_init(rs_trial_setup *ts, const rs_config *cfg, const rs_data_spec *data,
                        char *err, size_t errlen)
{
    memset(ts, 0, sizeof *ts);
    ts->cfg = cfg;
    ts->seed = cfg->seed;
    int exhaustive = !strcmp(cfg->sweep_mode, "exhaustive");
    ts->patterns_per_dataset = exhaustive ? INT64_MAX : cfg->patterns_per_dataset;
    ts->prm.exhaustive = exhaustive;
    ts->prm.per_dataset = ts->patterns_per_dataset;
    ts->data = data;
    ts->sampler = rs_sampler_lookup(cfg->sampler);
    int init = rs_init_law_from_name(cfg->init_law), vout = rs_vout_law_from_name(cfg->vout_law);
    /* the config table already restricts these names; a mismatch is a programming error */
    if (!ts->sampler || init < 0 || vout < 0) {
        RS_FMT(err, errlen, "internal: config names not known to the library (pattern.sampler '%s', "
               "pattern.init '%s', network.v '%s')", cfg->sampler, cfg->init_law, cfg->vout_law);
        return -1;
    }
    ts->prm.p = cfg->bernoulli_p;
    ts->prm.init = (rs_init_law)init;
    ts->prm.bias = cfg->bias;
    ts->vout = (rs_vout_law)vout;
    int rc = rs_engine_init(&ts->engine, cfg->rank_method, cfg->rtol, cfg->certify, cfg->verify,
                            (int)cfg->exact_primes, cfg->seed, err, errlen);
    ts->draw_v = rc == 0 && rs_engine_uses_weights(&ts->engine);
    return rc;
}

int rs_trial_prepare(const rs_trial_setup *ts, const rs_cell *cell, int64_t trial, rs_trial_work *w,
                     rs_trial_result *res, rs_rank_problem *pb)
{
    const int n = cell->n, d1 = cell->d1, p = cell->p;
    const size_t rw = (size_t)(n + 63) / 64;
    if (rs_reserve((void **)&w->xt, &w->xt_cap, (size_t)p * n, sizeof(double)) ||
        rs_reserve((void **)&w->v, &w->v_cap, 2 * (size_t)d1, sizeof(double)) ||
        rs_reserve((void **)&w->scratch, &w->scratch_cap, (size_t)n, sizeof(int)) ||
        rs_reserve((void **)&w->rows, &w->rows_cap, (size_t)d1 * rw, sizeof(uint64_t)) ||
        rs_reserve((void **)&w->keys, &w->keys_cap, rs_neuron_keys(d1), sizeof(rs_neuron_key)))
        return -1;
    if (w->A.d1 != d1 || w->A.n != n) {
        rs_pattern_free(&w->A);
        rs_pattern_free(&w->R);
        if (rs_pattern_alloc(&w->A, d1, n) || rs_pattern_alloc(&w->R, d1, n)) return -1;
        w->xt_cell = NULL;
    }

    /* Trials of one dataset draw are consecutive, so one cached X~ serves them all. */
    int64_t dataset = trial / ts->patterns_per_dataset;
    if (w->xt_cell != cell || w->xt_dataset != dataset) {
        w->xt_cell = NULL;
        if (rs_data_draw(ts->data, cell->d0, n, ts->seed, cell->key, (uint64_t)dataset, w->xt)) return -1;
        w->xt_cell = cell;
        w->xt_dataset = dataset;
    }

    rs_stream s;
    rs_stream_init(&s, ts->seed, cell->key, (uint64_t)trial, RS_STREAM_VOUT);
    if (ts->draw_v)
        rs_vout_draw(ts->vout, d1, &s, w->v);
    else /* the rank does not depend on v (every v_j != 0 only scales columns): skip the draws */
        for (int j = 0; j < d1; j++) w->v[j] = 1.0;

    rs_sampler_params prm = ts->prm;
    prm.d0 = cell->d0;
    prm.index = trial;
    rs_stream_init(&s, ts->seed, cell->key, (uint64_t)trial, RS_STREAM_PATTERN);
    if (ts->sampler->sample(&prm, w->xt, &s, &w->A)) return -1;
    rs_trial_reduce(cell, trial, w, res, pb);
    return 0;
}

void rs_trial_reduce(const rs_cell *cell, int64_t trial, rs_trial_work *w, rs_trial_result *res,
                     rs_rank_problem *pb)
{
    const int d1 = cell->d1, p = cell->p;
    const size_t P = (size_t)d1 * (size_t)p;
    res->zero_column = rs_pattern_has_zero_column(&w->A);
    res->crowded_column = rs_pattern_max_column_multiplicity(&w->A, w->scratch) > p;

    /* Same singular values as J with fewer columns (rs_neuron_reduce). */
    double *vr = w->v + d1;
    rs_neuron_reduce(&w->A, w->v, &w->R, vr, w->rows, w->keys);
    *pb = (rs_rank_problem){.A = &w->R, .w = vr, .xt = w->xt, .p = p, .P = (int64_t)P,
                            .ruled_out = res->zero_column || res->crowded_column,
                            .cell = cell->key, .trial = (uint64_t)trial};
}

int rs_trial_run(const rs_trial_setup *ts, const rs_cell *cell, int64_t trial, rs_trial_work *w,
                 rs_trial_result *res)
{
    rs_rank_problem pb;
    memset(res, 0, sizeof *res);
    int rc = rs_trial_prepare(ts, cell, trial, w, res, &pb);
    return rc ? rc : rs_engine_rank(&ts->engine, &pb, &w->ew, &res->rank);
}

void rs_trial_error(int rc, char *err, size_t errlen)
{
    RS_FMT(err, errlen, "%s %d", rc < 0 ? "out of memory, sampler not applicable or non-finite data:" : "LAPACK info", rc);
}

void rs_trial_work_free(rs_trial_work *w)
{
    if (w->exp_work_free) w->exp_work_free(w->exp_work);
    rs_engine_work_free(&w->ew);
    free(w->xt);
    free(w->v);
    free(w->rows);
    free(w->keys);
    rs_pattern_free(&w->R);
    free(w->scratch);
    rs_pattern_free(&w->A);
    memset(w, 0, sizeof *w);
}
