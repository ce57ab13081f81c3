/* exp_rank.c - experiment `rank`: the rank of J_A per trial (the rank engine), with the
 * combinatorial checks that force a deficit and the engine's evidence counters. */
#include <math.h>
#include <string.h>

#include "reluscape/experiment.h"
#include "reluscape/footprint.h"
#include "util.h"

/* Rows of the table, in the order of the statistics buffer (and so of checkpoints). */
enum { ST_TRIALS, ST_FULL, ST_RANK_SUM, ST_ZERO, ST_CROWDED, ST_CERTIFIED, ST_VERIFIED, ST_DISAGREE, ST_DEFICIT, ST_DRAWS, ST_FULL_SQ };

static const rs_stat_def stats[] = {
    [ST_TRIALS] = RS_STAT_TRIALS_ROW,
    [ST_FULL] = {.name = "full_rank", .description = "trials with rank J_A = n", .derive = RS_DERIVE_FRACTION,
                 .derived = "full_rank_fraction"},
    [ST_RANK_SUM] = {.name = "rank_sum", .description = "Σ rank J_A", .derive = RS_DERIVE_MEAN,
                     .derived = "mean_rank"},
    [ST_ZERO] = {.name = "zero_column", .description = "trials where some point activates no neuron"},
    [ST_CROWDED] = {.name = "crowded_column",
                    .description = "trials where one activation column occurs more than p times"},
    [ST_CERTIFIED] = {.name = "certified",
                      .description = "trials whose rank was proven by a Gram certificate (`rank.certify`): full "
                                     "rank (svd, qrcp, auto), or the cell bound of a rank-deficient trial (auto), "
                                     "instead of running `rank.method`"},
    [ST_VERIFIED] = {.name = "verified", .description = "trials also ranked by the exact method (`rank.verify`)"},
    [ST_DISAGREE] = {.name = "verify_disagree",
                     .description = "verified trials whose exact rank differs from the method's"},
    [ST_DEFICIT] = {.name = "deficit_hist", .axis = {RS_AXIS_DEFICIT}, .description = "trials by deficit n − rank J_A"},
    [ST_DRAWS] = RS_STAT_DRAWS_ROW,
    [ST_FULL_SQ] = RS_STAT_FULL_SQ_ROW,
};

static const rs_report_view views[] = {
    {"full_rank_fraction", RS_VIEW_FLOAT, "full_rank_fraction"},
    {"full_rank_lo", RS_VIEW_FLOAT, "full_rank_lo (95% Wilson lower bound)"},
    {"full_rank_hi", RS_VIEW_FLOAT, "full_rank_hi (95% Wilson upper bound)"},
    {"mean_rank", RS_VIEW_PER_N, "mean_rank / n"},
    {"full_rank", RS_VIEW_PER_TRIAL, "full_rank / trials"},
    {"zero_column", RS_VIEW_PER_TRIAL, "zero_column / trials"},
    {"crowded_column", RS_VIEW_PER_TRIAL, "crowded_column / trials"},
};

static void record(rs_stats *st, int c, int n, int64_t draw, const rs_trial_result *r)
{
    int deficit = n - r->rank.matrank;
    rs_stat_add(st, ST_FULL, c, deficit == 0);
    rs_stat_add(st, ST_RANK_SUM, c, r->rank.matrank);
    rs_stat_add(st, ST_ZERO, c, r->zero_column != 0);
    rs_stat_add(st, ST_CROWDED, c, r->crowded_column != 0);
    rs_stat_add(st, ST_CERTIFIED, c, r->rank.certified != 0);
    rs_stat_add(st, ST_VERIFIED, c, r->rank.verified != 0);
    rs_stat_add(st, ST_DISAGREE, c, r->rank.disagree != 0);
    rs_stat_bin(st, ST_DEFICIT, c, deficit);
    rs_stat_draw(st, ST_FULL_SQ, ST_DRAWS, c, draw, deficit == 0);
}

static int trial(const rs_trial_setup *ts, const rs_cell *cell, int ci, int64_t t, rs_trial_work *w, rs_stats *st,
                 char *err, size_t errlen)
{
    rs_trial_result r;
    int rc = rs_trial_run(ts, cell, t, w, &r);
    if (rc) return rs_trial_error(rc, err, errlen), -1;
    record(st, ci, cell->n, rs_trial_draw(ts, t), &r);
    return 0;
}

/* The group prepares the trial on every member and ranks it together (group.h). */
static int group_trial(const rs_trial_setup *ts, const rs_cell *cell, int ci, int64_t t, rs_trial_work *w,
                       const rs_group_env *env, rs_stats *st, char *err, size_t errlen)
{
    rs_trial_result r;
    rs_rank_problem pb;
    memset(&r, 0, sizeof r);
    int rc = rs_trial_prepare(ts, cell, t, w, &r, &pb);
    if (rs_any_true(rc != 0, env->grp->comm)) {
        RS_FMT(err, errlen, "%s", rc > 0 ? "LAPACK error" : "out of memory, sampler not applicable or non-finite data");
        return -1;
    }
    int exact_fits = rs_exact_bytes(cell) + rs_trial_bytes(ts->cfg, cell, env->grp->size) <= env->mem;
    if (rs_group_rank(env->grp, env->form, &ts->engine, &pb, exact_fits, env->gwork, &r.rank, err, errlen)) return -1;
    if (st) record(st, ci, cell->n, rs_trial_draw(ts, t), &r);
    return 0;
}

/* Flops of one trial: a dense rank of an n x P matrix costs ~ min^2 * max. */
static double cost(const rs_config *cfg, const rs_cell *c)
{
    (void)cfg;
    double P = (double)c->d1 * c->p, m = c->n < P ? c->n : P, M = c->n < P ? P : c->n;
    return m * m * M + (double)c->n * P;
}

const rs_experiment rs_experiment_rank = {
    .name = "rank",
    .help = "the rank of J_A per trial: full-rank counts, rank deficits and the rank engine's evidence",
    .stats = stats,
    .nstats = (int)RS_ARRAY_LEN(stats),
    .views = views,
    .nviews = (int)RS_ARRAY_LEN(views),
    .sections = "",
    .trial = trial,
    .group_trial = group_trial,
    .cost = cost,
    .bytes = rs_trial_bytes,
};
