/* exp_rank.c - experiment `rank`: the rank of J_A per trial (the rank engine), with the
 * combinatorial checks that force a deficit and the engine's evidence counters. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/experiment.h"
#include "reluscape/footprint.h"
#include "reluscape/regions.h"
#include "util.h"

/* Rows of the table, in the order of the statistics buffer (and so of checkpoints). */
enum { ST_TRIALS, ST_FULL, ST_RANK_SUM, ST_ZERO, ST_CROWDED, ST_CERTIFIED, ST_VERIFIED, ST_DISAGREE, ST_DEFICIT, ST_DRAWS,
       ST_FULL_SQ, ST_REALIZABLE, ST_REALIZABLE_ROWS, ST_REALIZABLE_TESTED };

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
    [ST_REALIZABLE] = {.name = "realizable",
                       .description = "tested trials whose pattern A is a non-empty region (every row a realizable "
                                      "dichotomy of the points x̃_i): every trial of the init and region samplers by "
                                      "construction, tested per trial for bernoulli (pattern.realizable)",
                       .derive = RS_DERIVE_FRACTION, .derived = "realizable_fraction", .per = "realizable_tested"},
    [ST_REALIZABLE_ROWS] = {.name = "realizable_rows",
                            .description = "realizable rows (dichotomies) of the cell's first dataset, counted "
                                           "exactly by its trial 0 (repeated points merged, so below Cover's "
                                           "C(n, p) for such data); 0 where it was not counted (data.count_rows: "
                                           "more than 1e7 point tests, or with auto more than 2% of the cell's "
                                           "trials' work; /theory/cover_rows has Cover's count) or a zero point "
                                           "admits no row"},
    [ST_REALIZABLE_TESTED] = {.name = "realizable_tested",
                              .description = "trials whose pattern was tested for realizability (every trial of the "
                                             "init and region samplers; bernoulli: pattern.realizable)"},
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

/* Point tests (one dot product each, ~10 ns) an enumeration of a dataset's realizable rows
 * may take: the count, once per cell (at most ~50 ms); the rows Bernoulli patterns are looked
 * up in, once per dataset, when the trials sharing it would otherwise pay more in LPs (an
 * exact "not realizable" costs ~1e5 point tests), at most ~0.2 s. */
#define REGION_COUNT_WORK 1e7
/* data.count_rows = auto: the count may take this share of the cell's trials (the cost
 * model's flops; a point test is worth about 30 of them), so it never slows a run down
 * by more than a few percent. */
#define REGION_COUNT_SHARE 0.02
/* pattern.realizable = auto: the LP test of a Bernoulli row (with its exact proof of a
 * "no") only up to this p = d0 + bias: at d0 = 45 it cost ~1 s a trial against ~1 ms for
 * the rank. */
#define REALIZABLE_LP_MAX_P 16
#define FLOPS_PER_POINT_TEST 30.0
#define LOOKUP_WORK_PER_TRIAL 1e5
#define LOOKUP_WORK_MAX 2e7

static void work_free(void *p)
{
    rs_realizable_work_free(p);
    free(p);
}

/* The region counters of trial t: is A a non-empty region (bernoulli: tested; init and
 * region: by construction), and on trial 0 the realizable rows of dataset 0.  0, or -1. */
static int record_regions(const rs_trial_setup *ts, const rs_cell *cell, int ci, int64_t t, rs_trial_work *w,
                          rs_stats *st)
{
    int realizable = 1;
    if (!ts->sampler->regions_only) {
        if (!w->exp_work) {
            if (!(w->exp_work = rs_calloc(1, sizeof(rs_realizable_work)))) return -1;
            w->exp_work_free = work_free;
        }
        double lookup = LOOKUP_WORK_PER_TRIAL * (double)ts->patterns_per_dataset;
        if (lookup > LOOKUP_WORK_MAX) lookup = LOOKUP_WORK_MAX;
        const char *mode = ts->cfg->realizable_test;
        int max_lp_p = !strcmp(mode, "always") ? INT_MAX : REALIZABLE_LP_MAX_P;
        realizable = 2; /* not decided (never, or auto beyond its p): not counted as tested */
        if (strcmp(mode, "never") &&
            (realizable = rs_pattern_realizable(&w->A, w->xt, cell->d0, ts->prm.bias, lookup, max_lp_p, w->exp_work)) < 0)
            return -1;
    }
    if (realizable != 2) {
        rs_stat_add(st, ST_REALIZABLE_TESTED, ci, 1);
        rs_stat_add(st, ST_REALIZABLE, ci, realizable);
    }
    const char *mode = ts->cfg->count_rows;
    if (t == 0 && strcmp(mode, "never")) {
        double budget = REGION_COUNT_WORK, share = REGION_COUNT_SHARE * (double)cell->trials * cell->cost /
                                                   FLOPS_PER_POINT_TEST;
        if (!strcmp(mode, "auto") && share < budget) budget = share;
        int64_t rows = rs_regions_count_rows(w->xt, cell->d0, ts->prm.bias, cell->n, budget);
        rs_stat_add(st, ST_REALIZABLE_ROWS, ci, rows > 0 ? rows : 0);
    }
    return 0;
}

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
    if (record_regions(ts, cell, ci, t, w, st)) return RS_FMT(err, errlen, "realizability test failed"), -1;
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
    if (st && record_regions(ts, cell, ci, t, w, st)) return RS_FMT(err, errlen, "realizability test failed"), -1;
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
