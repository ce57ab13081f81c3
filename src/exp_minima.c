/* exp_minima.c - experiment `minima`: what a region holds.  Per trial: the region A of
 * the prepared trial, targets y of its dataset draw (targets.h), the exact rank r of J_A
 * (the rank engine), and the region LP (lp.h) that classifies the region as empty (not
 * realizable), none (no critical point inside), global (a set of zero-loss minima),
 * bad_local (a set of local minima that are not global) or failed (no trustworthy answer),
 * with the dimension P - r of the set of minima. */
#include <stdlib.h>
#include <string.h>

#include "reluscape/experiment.h"
#include "reluscape/footprint.h"
#include "reluscape/lp.h"
#include "reluscape/targets.h"
#include "util.h"

enum {
    ST_TRIALS,
    ST_FULL,
    ST_EMPTY,
    ST_NONE,
    ST_GLOBAL,
    ST_BAD,
    ST_FAILED,
    ST_DIM_GLOBAL,
    ST_DIM_BAD,
    ST_BY_NEURON,
    ST_SHORTCUT,
    ST_EXACT,
    ST_EXACT_DISAGREE,
    ST_DRAWS,
    ST_FULL_SQ
};

static const rs_stat_def stats[] = {
    [ST_TRIALS] = RS_STAT_TRIALS_ROW,
    [ST_FULL] = {.name = "full_rank", .description = "trials with rank J_A = n", .derive = RS_DERIVE_FRACTION,
                 .derived = "full_rank_fraction"},
    [ST_EMPTY] = {.name = "empty", .description = "regions that are empty: some row of A is not a realizable dichotomy",
                  .derive = RS_DERIVE_FRACTION, .derived = "empty_fraction"},
    [ST_NONE] = {.name = "none", .description = "non-empty regions without a critical point of the loss inside",
                 .derive = RS_DERIVE_FRACTION, .derived = "none_fraction"},
    [ST_GLOBAL] = {.name = "global", .description = "regions holding a set of zero-loss (global) minima",
                   .derive = RS_DERIVE_FRACTION, .derived = "global_fraction"},
    [ST_BAD] = {.name = "bad_local",
                .description = "regions holding a set of local minima with positive loss (bad local minima)",
                .derive = RS_DERIVE_FRACTION, .derived = "bad_local_fraction"},
    [ST_FAILED] = {.name = "failed", .description = "regions the LP could not classify with a trustworthy answer",
                   .derive = RS_DERIVE_FRACTION, .derived = "failed_fraction"},
    [ST_DIM_GLOBAL] = {.name = "global_dim_hist", .axis = {RS_AXIS_DIMENSION},
                       .description = "`global` regions by the dimension P − rank J_A of their set of minima"},
    [ST_DIM_BAD] = {.name = "bad_local_dim_hist", .axis = {RS_AXIS_DIMENSION},
                    .description = "`bad_local` regions by the dimension P − rank J_A of their set of minima"},
    [ST_BY_NEURON] = {.name = "empty_by_neuron",
                      .description = "`empty` decided by a per-neuron realizability test (no region LP)"},
    [ST_SHORTCUT] = {.name = "decided_without_lp", .description = "trials decided without the region LP"},
    [ST_EXACT] = {.name = "exact_decided",
                  .description = "trials decided by GLPK's exact rational simplex (`minima.exact`)"},
    [ST_EXACT_DISAGREE] = {.name = "exact_disagree",
                           .description = "... whose exact answer differs from the float simplex's"},
    [ST_DRAWS] = RS_STAT_DRAWS_ROW,
    [ST_FULL_SQ] = RS_STAT_FULL_SQ_ROW,
};

static const rs_report_view views[] = {
    {"global_fraction", RS_VIEW_FLOAT, "global_fraction (regions with zero-loss minima)"},
    {"bad_local_fraction", RS_VIEW_FLOAT, "bad_local_fraction (regions with bad local minima)"},
    {"full_rank_fraction", RS_VIEW_FLOAT, "full_rank_fraction"},
    {"none_fraction", RS_VIEW_FLOAT, "none_fraction (non-empty regions without critical points)"},
    {"empty_fraction", RS_VIEW_FLOAT, "empty_fraction (unrealizable patterns)"},
    {"failed_fraction", RS_VIEW_FLOAT, "failed_fraction"},
};

/* The experiment's own buffers: the targets of one dataset draw and the LP's work. */
typedef struct minima_work {
    rs_targets_cache y;
    rs_lp_work lp;
} minima_work;

static void work_free(void *p)
{
    minima_work *m = p;
    if (!m) return;
    rs_targets_cache_free(&m->y);
    rs_lp_work_free(&m->lp);
    free(m);
}

static int trial(const rs_trial_setup *ts, const rs_cell *cell, int ci, int64_t t, rs_trial_work *w, rs_stats *st,
                 char *err, size_t errlen)
{
    if (!w->exp_work) {
        if (!(w->exp_work = rs_calloc(1, sizeof(minima_work)))) return RS_FMT(err, errlen, "out of memory"), -1;
        w->exp_work_free = work_free;
    }
    minima_work *m = w->exp_work;
    rs_trial_result r;
    int rc = rs_trial_run(ts, cell, t, w, &r);
    if (rc) return rs_trial_error(rc, err, errlen), -1;
    const double *y = rs_experiment_targets(ts, cell, t, w->xt, &m->y);
    if (!y) return RS_FMT(err, errlen, "out of memory or no targets for the file's rows"), -1;
    static const rs_lp_exact_mode modes[] = {RS_LP_EXACT_AUTO, RS_LP_EXACT_ALWAYS, RS_LP_EXACT_NEVER};
    static const char *const mode_names[] = {"auto", "always", "never"};
    int mi = rs_name_index(mode_names, 3, ts->cfg->minima_exact);
    rs_lp_problem pb = {.A = &w->A, .v = w->v, .xt = w->xt, .p = cell->p, .y = y,
                        .matrank = r.rank.matrank, .modp = &ts->engine.modp[0]};
    rs_lp_result res;
    if (rs_lp_classify(&pb, modes[mi < 0 ? 0 : mi], &m->lp, &res))
        return RS_FMT(err, errlen, "region LP: out of memory or a non-finite input"), -1;
    static const int class_row[RS_LP_NCLASSES] = {
        [RS_LP_EMPTY] = ST_EMPTY, [RS_LP_NONE] = ST_NONE, [RS_LP_GLOBAL] = ST_GLOBAL,
        [RS_LP_BAD_LOCAL] = ST_BAD, [RS_LP_FAILED] = ST_FAILED};
    rs_stat_add(st, ST_FULL, ci, r.rank.matrank == cell->n);
    rs_stat_draw(st, ST_FULL_SQ, ST_DRAWS, ci, rs_trial_draw(ts, t), r.rank.matrank == cell->n);
    rs_stat_add(st, class_row[res.cls], ci, 1);
    if (res.cls == RS_LP_GLOBAL) rs_stat_bin(st, ST_DIM_GLOBAL, ci, res.dimension);
    if (res.cls == RS_LP_BAD_LOCAL) rs_stat_bin(st, ST_DIM_BAD, ci, res.dimension);
    rs_stat_add(st, ST_BY_NEURON, ci, res.by_neuron != 0);
    rs_stat_add(st, ST_SHORTCUT, ci, res.by_shortcut != 0);
    rs_stat_add(st, ST_EXACT, ci, res.exact_used != 0);
    rs_stat_add(st, ST_EXACT_DISAGREE, ci, res.exact_disagree != 0);
    return 0;
}

static int check(const rs_config *cfg, const char **key, char *why, size_t len)
{
    if (!rs_method_lookup(cfg->rank_method)->exact) {
        *key = "rank.method";
        RS_FMT(why, len, "'%s': experiment.kind = minima needs the exact rank of J_A (rank.method = auto or exact): "
               "the dimension of the minima and the zero-residual test rest on it", cfg->rank_method);
        return -1;
    }
    return rs_experiment_check_targets(cfg, key, why, len);
}

/* The rank's cost plus the region LP's: a simplex over d1 n sign rows of P + 1 columns. */
static double cost(const rs_config *cfg, const rs_cell *c)
{
    double P = (double)c->d1 * c->p;
    return rs_experiment_rank.cost(cfg, c) + 20.0 * c->n * (double)c->d1 * P;
}

/* The rank's buffers plus J_A, its SVD and GLPK's copy of the LP (about 100 bytes per
 * non-zero of the constraint matrix: d1 n p sign entries and r P equation entries). */
static double bytes(const rs_config *cfg, const rs_cell *c, int g)
{
    double n = c->n, P = (double)c->d1 * c->p;
    return rs_trial_bytes(cfg, c, g) + 8 * (2 * n * P + n * n + P) + 100 * (n * c->d1 * c->p + n * P) + 1e6;
}

const rs_experiment rs_experiment_minima = {
    .name = "minima",
    .help = "what each activation region holds: no point (empty), no critical point (none), a set of zero-loss "
            "minima (global) or of bad local minima (bad_local), with the dimension of the set",
    .stats = stats,
    .nstats = (int)RS_ARRAY_LEN(stats),
    .views = views,
    .nviews = (int)RS_ARRAY_LEN(views),
    .sections = "targets,minima",
    .draws_v = 1,
    .check = check,
    .trial = trial,
    .cost = cost,
    .bytes = bytes,
};
