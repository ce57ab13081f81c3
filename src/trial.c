/* trial.c - one trial: X~ (cached per dataset draw), v, A, checks, J and its rank. */
#include <stdlib.h>
#include <string.h>

#include "reluscape/jacobian.h"
#include "reluscape/trial.h"
#include "util.h"

int rs_trial_setup_init(rs_trial_setup *ts, const rs_config *cfg, const rs_data_spec *data,
                        char *err, size_t errlen)
{
    memset(ts, 0, sizeof *ts);
    ts->seed = cfg->seed;
    ts->patterns_per_dataset = cfg->patterns_per_dataset;
    ts->data = data;
    ts->sampler = rs_sampler_lookup(cfg->sampler);
    ts->method = rs_matrank_lookup(cfg->rank_method);
    int init = rs_init_law_from_name(cfg->init_law), vout = rs_vout_law_from_name(cfg->vout_law);
    /* the config table already restricts these names; a mismatch is a programming error */
    if (!ts->sampler || !ts->method || init < 0 || vout < 0) {
        RS_FMT(err, errlen, "internal: config names not known to the library (pattern.sampler '%s', "
               "rank.method '%s', pattern.init '%s', network.v '%s')", cfg->sampler, cfg->rank_method,
               cfg->init_law, cfg->vout_law);
        return -1;
    }
    ts->prm.p = cfg->bernoulli_p;
    ts->prm.init = (rs_init_law)init;
    ts->prm.bias = cfg->bias;
    ts->vout = (rs_vout_law)vout;
    ts->rtol = cfg->rtol;
    ts->certify = cfg->certify;
    return 0;
}

/* Grow *buf to hold count elements of size bytes. */
static int reserve(void **buf, size_t *cap, size_t count, size_t size)
{
    if (count <= *cap) return 0;
    void *nb = realloc(*buf, count * size);
    if (!nb) return -1;
    *buf = nb;
    *cap = count;
    return 0;
}

int rs_trial_run(const rs_trial_setup *ts, const rs_cell *cell, int64_t trial, rs_trial_work *w,
                 rs_trial_result *res)
{
    const int n = cell->n, d1 = cell->d1, p = cell->p;
    const size_t P = (size_t)d1 * (size_t)p, rw = (size_t)(n + 63) / 64;
    if (reserve((void **)&w->xt, &w->xt_cap, (size_t)p * n, sizeof(double)) ||
        reserve((void **)&w->v, &w->v_cap, 2 * (size_t)d1, sizeof(double)) ||
        reserve((void **)&w->J, &w->J_cap, (size_t)n * P, sizeof(double)) ||
        reserve((void **)&w->scratch, &w->scratch_cap, (size_t)n, sizeof(int)) ||
        reserve((void **)&w->rows, &w->rows_cap, (size_t)d1 * rw, sizeof(uint64_t)) ||
        reserve((void **)&w->keys, &w->keys_cap, rs_neuron_keys(d1), sizeof(rs_neuron_key)))
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
    rs_vout_draw(ts->vout, d1, &s, w->v);

    rs_sampler_params prm = ts->prm;
    prm.d0 = cell->d0;
    rs_stream_init(&s, ts->seed, cell->key, (uint64_t)trial, RS_STREAM_PATTERN);
    if (ts->sampler->sample(&prm, w->xt, &s, &w->A)) return -1;

    res->zero_column = rs_pattern_has_zero_column(&w->A);
    res->crowded_column = rs_pattern_max_column_multiplicity(&w->A, w->scratch) > p;
    res->certified = 0;

    /* Same singular values as J, fewer columns; the tolerance stays that of J's shape. */
    double *vr = w->v + d1;
    int d1r = rs_neuron_reduce(&w->A, w->v, &w->R, vr, w->rows, w->keys);
    double rtol = ts->rtol > 0 ? ts->rtol : rs_matrank_default_rtol(n, (int)P);
    if (d1r == 0) {
        res->matrank = 0; /* no neuron fires on any point: J = 0 */
        return 0;
    }
    const int Pr = d1r * p;

    /* Most trials of a sweep are full rank: prove it from the n x n Gram matrix, built
     * without J.  A zero or crowded column, or P < n, rules full rank out beforehand. */
    if (ts->certify && !res->zero_column && !res->crowded_column && Pr >= n) {
        size_t big = (size_t)(d1r > n ? d1r : n);
        if (reserve((void **)&w->G, &w->G_cap, (size_t)n * n, sizeof(double)) ||
            reserve((void **)&w->gscratch, &w->gscratch_cap, big * n, sizeof(double)))
            return -1;
        double err = rs_gram_build(&w->R, vr, w->xt, p, w->G, w->gscratch);
        res->certified = rs_matrank_certify_gram(n, w->G, err, rtol);
    }
    if (res->certified) {
        res->matrank = n;
        return 0;
    }
    rs_jacobian_build(&w->R, vr, w->xt, p, w->J);
    return ts->method->rank(n, Pr, w->J, n, rtol, &w->ws, &res->matrank);
}

void rs_trial_work_free(rs_trial_work *w)
{
    rs_workspace_free(&w->ws);
    free(w->xt);
    free(w->v);
    free(w->J);
    free(w->G);
    free(w->gscratch);
    free(w->rows);
    free(w->keys);
    rs_pattern_free(&w->R);
    free(w->scratch);
    rs_pattern_free(&w->A);
    memset(w, 0, sizeof *w);
}
