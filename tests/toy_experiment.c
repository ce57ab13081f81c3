/* toy_experiment.c - the reluscape program with one more experiment, `ones`, registered
 * at start: each trial counts the ones in its activation pattern A.  It lives in this
 * file alone (plus the registry call), which is the point: tests/toy.sh runs it through
 * sweep, checkpoint/resume, shards + merge, 1-4 ranks and report, and checks its counts
 * against the sampler's law (bernoulli(p): each of the d1 n entries is 1 with
 * probability p, independently). */
#include <mpi.h>
#include <string.h>

#include "reluscape/cli.h"
#include "reluscape/experiment.h"

enum { ST_TRIALS, ST_ONES, ST_FULL, ST_HIST };

static const rs_stat_def stats[] = {
    [ST_TRIALS] = RS_STAT_TRIALS_ROW,
    [ST_ONES] = {.name = "ones_sum", .description = "Σ ones in A", .derive = RS_DERIVE_MEAN, .derived = "mean_ones"},
    [ST_FULL] = {.name = "all_ones", .description = "trials whose A is all ones", .derive = RS_DERIVE_FRACTION,
                 .derived = "all_ones_fraction"},
    [ST_HIST] = {.name = "ones_hist", .axis = {RS_AXIS_ONES}, .description = "trials by the ones in A"},
};

static const rs_report_view views[] = {
    {"all_ones_fraction", RS_VIEW_FLOAT, "all_ones_fraction"},
    {"mean_ones", RS_VIEW_PER_N, "mean_ones / n"},
};

static int trial(const rs_trial_setup *ts, const rs_cell *cell, int ci, int64_t t, rs_trial_work *w, rs_stats *st,
                 char *err, size_t errlen)
{
    rs_trial_result r;
    rs_rank_problem pb;
    memset(&r, 0, sizeof r);
    if (rs_trial_prepare(ts, cell, t, w, &r, &pb)) {
        snprintf(err, errlen, "out of memory or sampler not applicable");
        return -1;
    }
    int64_t ones = 0;
    for (int64_t k = 0; k < (int64_t)w->A.n * w->A.words; k++) ones += __builtin_popcountll(w->A.bits[k]);
    rs_stat_add(st, ST_ONES, ci, ones);
    rs_stat_add(st, ST_FULL, ci, ones == (int64_t)cell->d1 * cell->n);
    rs_stat_bin(st, ST_HIST, ci, ones);
    return 0;
}

static double cost(const rs_config *cfg, const rs_cell *c)
{
    (void)cfg;
    return (double)c->d1 * c->n;
}

static double bytes(const rs_config *cfg, const rs_cell *c, int g)
{
    (void)cfg, (void)g;
    return 64.0 * c->d1 * c->n + 1e5;
}

static const rs_experiment ones = {
    .name = "ones",
    .help = "test experiment: the ones in each activation pattern",
    .stats = stats,
    .nstats = (int)(sizeof stats / sizeof stats[0]),
    .views = views,
    .nviews = (int)(sizeof views / sizeof views[0]),
    .sections = "",
    .trial = trial,
    .cost = cost,
    .bytes = bytes,
};

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rc = rs_experiment_register(&ones) ? 1 : rs_main(argc, argv, MPI_COMM_WORLD);
    MPI_Finalize();
    return rc;
}
