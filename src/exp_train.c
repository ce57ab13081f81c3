/* exp_train.c - experiment `train`: does gradient descent find the global minima the
 * landscape promises?  Per trial: the dataset and targets of `minima`, the initial
 * weights of the init sampler (the same stream, so the starting region is the one the
 * rank experiment ranks), then full-batch training (train.h) until the loss reaches
 * train.loss_tol, diverges or train.steps run out.  At the recorded steps (a fixed
 * log-spaced axis) the loss, the exact rank deficit of J_A and whether the pattern moved
 * are binned; at the end the outcome, the distinct regions visited and (train.classify)
 * the region LP's class of the final region.  A trial that stops early keeps its final
 * state at the later records.  Everything is an integer count, so /stats is the same on
 * any number of ranks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/experiment.h"
#include "reluscape/footprint.h"
#include "reluscape/jacobian.h"
#include "reluscape/lp.h"
#include "reluscape/matrank.h"
#include "reluscape/train.h"
#include "util.h"

enum {
    ST_TRIALS,
    ST_INIT_FULL,
    ST_REACHED,
    ST_INIT_FULL_REACHED,
    ST_DIVERGED,
    ST_FINAL_FULL,
    ST_GLOBAL,
    ST_BAD,
    ST_NONE,
    ST_EMPTY,
    ST_FAILED,
    ST_STEPS,
    ST_REGIONS,
    ST_REGIONS_SUM,
    ST_FINAL_DEFICIT,
    ST_LOSS,
    ST_DEFICIT,
    ST_CHANGED,
    ST_SIGMA,
    ST_LOSS_TRAJ,
    ST_DEFICIT_TRAJ,
    ST_DRAWS,
    ST_REACHED_SQ
};

#define FRACTION(id, nm, what) [id] = {.name = nm, .description = what, .derive = RS_DERIVE_FRACTION, \
                                       .derived = nm "_fraction"}
static const rs_stat_def stats[] = {
    [ST_TRIALS] = RS_STAT_TRIALS_ROW,
    FRACTION(ST_INIT_FULL, "init_full_rank", "trials whose initial J_A has rank n"),
    FRACTION(ST_REACHED, "reached", "trials whose loss reached train.loss_tol (a global minimum)"),
    FRACTION(ST_INIT_FULL_REACHED, "init_full_rank_reached", "trials that started full rank and reached train.loss_tol"),
    FRACTION(ST_DIVERGED, "diverged", "trials whose loss became non-finite or exceeded 1e100"),
    FRACTION(ST_FINAL_FULL, "final_full_rank", "trials whose final J_A has rank n"),
    FRACTION(ST_GLOBAL, "final_global", "final regions holding a set of zero-loss minima (train.classify)"),
    FRACTION(ST_BAD, "final_bad_local", "final regions holding a set of bad local minima (train.classify)"),
    FRACTION(ST_NONE, "final_none", "final regions without a critical point inside (train.classify)"),
    FRACTION(ST_EMPTY, "final_empty", "final patterns the region LP finds empty: a point on a hyperplane (train.classify)"),
    FRACTION(ST_FAILED, "final_failed", "final regions the region LP could not classify (train.classify)"),
    [ST_STEPS] = {.name = "steps_hist", .axis = {RS_AXIS_RECORD},
                  .description = "`reached` trials by the first recorded step at or after the step that reached "
                                 "train.loss_tol"},
    [ST_REGIONS] = {.name = "regions_hist", .axis = {RS_AXIS_LOG2},
                    .description = "trials by the number of distinct activation patterns their iterates visited"},
    [ST_REGIONS_SUM] = {.name = "regions_sum", .derive = RS_DERIVE_MEAN, .derived = "regions_mean",
                        .description = "Σ distinct activation patterns visited (64-bit hashes of A)"},
    [ST_FINAL_DEFICIT] = {.name = "final_deficit_hist", .axis = {RS_AXIS_DEFICIT},
                          .description = "trials by the final rank deficit n − rank J_A"},
    [ST_LOSS] = {.name = "loss_hist", .axis = {RS_AXIS_RECORD, RS_AXIS_LOG10}, .derive = RS_DERIVE_QUANTILES,
                 .derived = "loss", .description = "trials by recorded step and log-scale bin of the loss"},
    [ST_DEFICIT] = {.name = "deficit_rec_hist", .axis = {RS_AXIS_RECORD, RS_AXIS_DEFICIT},
                    .derive = RS_DERIVE_QUANTILES, .derived = "deficit",
                    .description = "trials by recorded step and rank deficit n − rank J_A"},
    [ST_CHANGED] = {.name = "pattern_changed", .axis = {RS_AXIS_RECORD},
                    .description = "trials whose pattern at this record differs from the previous record's"},
    [ST_SIGMA] = {.name = "sigma_min_hist", .axis = {RS_AXIS_RECORD, RS_AXIS_LOG10}, .derive = RS_DERIVE_QUANTILES,
                  .derived = "sigma_min",
                  .description = "trials by recorded step and log-scale bin of σ_n(J_A), the n-th singular value "
                                 "(0 when P < n; train.sigma_min, else empty)"},
    [ST_LOSS_TRAJ] = {.name = "loss_trajectory_code", .axis = {RS_AXIS_KEPT, RS_AXIS_RECORD},
                      .derive = RS_DERIVE_VALUES, .derived = "loss_trajectory",
                      .description = "the loss at every record of the first train.keep_trajectories trials (as "
                                     "1 + its float64 bits: read loss_trajectory)"},
    [ST_DEFICIT_TRAJ] = {.name = "deficit_trajectory_code", .axis = {RS_AXIS_KEPT, RS_AXIS_RECORD},
                         .derive = RS_DERIVE_VALUES, .derived = "deficit_trajectory",
                         .description = "the rank deficit at every record of the first train.keep_trajectories "
                                        "trials (as 1 + its float64 bits: read deficit_trajectory)"},
    [ST_DRAWS] = RS_STAT_DRAWS_ROW,
    [ST_REACHED_SQ] = {.name = "reached_sq", .description = "Σ over dataset draws of (reached trials of the draw)²",
                       .derive = RS_DERIVE_CLUSTER, .derived = "reached_cluster", .of = "reached"},
};
#undef FRACTION

static const rs_report_view views[] = {
    {"reached_fraction", RS_VIEW_FLOAT, "reached_fraction (training reached zero loss)"},
    {"init_full_rank_fraction", RS_VIEW_FLOAT, "init_full_rank_fraction (full rank at initialisation)"},
    {"final_full_rank_fraction", RS_VIEW_FLOAT, "final_full_rank_fraction"},
    {"final_global_fraction", RS_VIEW_FLOAT, "final_global_fraction (final region holds zero-loss minima)"},
    {"diverged_fraction", RS_VIEW_FLOAT, "diverged_fraction"},
};

/* The experiment's own buffers, reused across trials. */
typedef struct train_work {
    rs_targets_cache y;
    rs_train_work tw;
    rs_lp_work lp;
    double *W, *v;
    size_t W_cap, v_cap;
    uint64_t *rec_mask; /* the pattern at the previous record (train.h's mask layout) */
    size_t rec_cap;
    uint64_t *seen;    /* open-addressing set of the patterns' hashes (0 = free) */
    size_t seen_cap;
    int64_t nseen;
    int64_t *steps;    /* the recorded steps */
    int64_t nrec;
    double *J;         /* J_A for its singular values (train.sigma_min) */
    size_t J_cap;
    rs_workspace svd;
} train_work;

static void work_free(void *p)
{
    train_work *m = p;
    if (!m) return;
    rs_targets_cache_free(&m->y);
    rs_train_work_free(&m->tw);
    rs_lp_work_free(&m->lp);
    free(m->W);
    free(m->v);
    free(m->rec_mask);
    free(m->seen);
    free(m->steps);
    free(m->J);
    rs_workspace_free(&m->svd);
    free(m);
}

static int seen_grow(train_work *m, size_t cap)
{
    uint64_t *old = m->seen;
    size_t old_cap = m->seen_cap;
    if (!(m->seen = rs_calloc(cap, sizeof *m->seen))) return m->seen = old, -1;
    m->seen_cap = cap;
    for (size_t k = 0; k < old_cap; k++)
        if (old[k]) {
            size_t s = (size_t)old[k] & (cap - 1);
            while (m->seen[s]) s = (s + 1) & (cap - 1);
            m->seen[s] = old[k];
        }
    free(old);
    return 0;
}

/* Count a pattern hash once.  0, or -1 out of memory. */
static int seen_add(train_work *m, uint64_t h)
{
    if (!h) h = 1;
    if (2 * (size_t)(m->nseen + 1) > m->seen_cap && seen_grow(m, m->seen_cap ? 2 * m->seen_cap : 1024)) return -1;
    size_t s = (size_t)h & (m->seen_cap - 1);
    while (m->seen[s]) {
        if (m->seen[s] == h) return 0;
        s = (s + 1) & (m->seen_cap - 1);
    }
    m->seen[s] = h;
    m->nseen++;
    return 0;
}

/* Exact rank of J_A for the pattern of the last forward pass (into w->A) at the current v. */
static int rank_now(const rs_trial_setup *ts, const rs_cell *cell, int64_t t, rs_trial_work *w, const train_work *m,
                    int *rank)
{
    const int n = cell->n, d1 = cell->d1;
    rs_pattern_clear(&w->A);
    for (int j = 0; j < d1; j++) {
        for (int i = 0; i < n; i++)
            if (rs_train_active(m->tw.mask, n, j, i)) rs_pattern_set(&w->A, j, i);
    }
    memcpy(w->v, m->v, (size_t)d1 * sizeof *w->v);
    rs_trial_result res;
    rs_rank_problem pb;
    rs_trial_reduce(cell, t, w, &res, &pb);
    rs_rank_result rr;
    int rc = rs_engine_rank(&ts->engine, &pb, &w->ew, &rr);
    *rank = rr.matrank;
    return rc;
}

static size_t mask_words(const rs_cell *cell) { return (size_t)cell->d1 * (size_t)((cell->n + 63) / 64); }

/* σ_n(J_A) of the pattern in w->A at the current v (0 when P < n): float64 SVD of J_A. */
static int sigma_now(const rs_cell *cell, const rs_trial_work *w, train_work *m, double *sigma)
{
    const size_t n = (size_t)cell->n, P = (size_t)cell->d1 * (size_t)cell->p;
    *sigma = 0;
    if (P < n) return 0;
    if (rs_reserve((void **)&m->J, &m->J_cap, n * P, sizeof *m->J)) return -1;
    rs_jacobian_build(&w->A, m->v, w->xt, cell->p, m->J);
    double *s;
    int info = rs_matrank_singular_values((int)n, (int)P, m->J, (int)n, &m->svd, &s);
    if (info) return info;
    *sigma = s[n - 1];
    return 0;
}

/* Is the training mask the pattern A? */
static int same_pattern(const rs_pattern *A, const uint64_t *mask)
{
    for (int j = 0; j < A->d1; j++)
        for (int i = 0; i < A->n; i++)
            if (rs_pattern_get(A, j, i) != rs_train_active(mask, A->n, j, i)) return 0;
    return 1;
}

static int setup_work(const rs_trial_setup *ts, const rs_cell *cell, rs_trial_work *w, train_work **out)
{
    if (!w->exp_work) {
        if (!(w->exp_work = rs_calloc(1, sizeof(train_work)))) return -1;
        w->exp_work_free = work_free;
    }
    train_work *m = *out = w->exp_work;
    const size_t d1 = (size_t)cell->d1;
    if (rs_reserve((void **)&m->W, &m->W_cap, d1 * (size_t)cell->p, sizeof *m->W) ||
        rs_reserve((void **)&m->v, &m->v_cap, d1, sizeof *m->v) ||
        rs_reserve((void **)&m->rec_mask, &m->rec_cap, mask_words(cell), sizeof *m->rec_mask))
        return -1;
    if (!m->steps) {
        const rs_config *cfg = ts->cfg;
        m->nrec = rs_train_record_steps(cfg->train_steps, cfg->train_record, NULL, 0);
        if (!(m->steps = rs_calloc((size_t)m->nrec, sizeof *m->steps))) return -1;
        rs_train_record_steps(cfg->train_steps, cfg->train_record, m->steps, m->nrec);
    }
    m->nseen = 0;
    if (m->seen) memset(m->seen, 0, m->seen_cap * sizeof *m->seen);
    return 0;
}

static int trial(const rs_trial_setup *ts, const rs_cell *cell, int ci, int64_t t, rs_trial_work *w, rs_stats *st,
                 char *err, size_t errlen)
{
    const rs_config *cfg = ts->cfg;
    const int n = cell->n, d1 = cell->d1, p = cell->p;
    train_work *m;
    if (setup_work(ts, cell, w, &m)) return RS_FMT(err, errlen, "out of memory"), -1;
    /* the starting region, its data and v, ranked like the rank experiment ranks it */
    rs_trial_result r0;
    int rc = rs_trial_run(ts, cell, t, w, &r0);
    if (rc) return rs_trial_error(rc, err, errlen), -1;
    const double *y = rs_experiment_targets(ts, cell, t, w->xt, &m->y);
    if (!y) return RS_FMT(err, errlen, "out of memory or no targets for the file's rows"), -1;
    rs_sampler_params prm = ts->prm;
    prm.d0 = cell->d0;
    rs_stream s;
    rs_stream_init(&s, ts->seed, cell->key, (uint64_t)t, RS_STREAM_PATTERN);
    if (rs_init_weights(&prm, d1, &s, m->W)) return RS_FMT(err, errlen, "bad init law"), -1;
    memcpy(m->v, w->v, (size_t)d1 * sizeof *m->v);
    if (rs_train_work_init(&m->tw, d1, p, n, w->xt)) return RS_FMT(err, errlen, "out of memory"), -1;

    const rs_train_optimizer opt = (rs_train_optimizer)rs_train_optimizer_from_name(cfg->train_optimizer);
    double lr = cfg->train_lr;
    if (lr <= 0) {
        double lambda = opt == RS_TRAIN_GD ? rs_train_curvature(&m->tw, m->W, m->v, cfg->train_v) : 0;
        lr = opt == RS_TRAIN_ADAM ? 1e-3 : lambda > 0 ? 1.0 / lambda : 1.0;
    }

    const int64_t B = st->bins[ST_LOSS][1], BD = st->bins[ST_DEFICIT][1];
    int64_t k = 0, stop_record = -1;
    int rank = r0.rank.matrank, reached = 0, diverged = 0;
    double sigma = 0;
    for (int64_t step = 0;; step++) {
        double loss = rs_train_forward(&m->tw, m->W, m->v, y);
        if (step == 0 && !same_pattern(&w->A, m->tw.mask))
            return RS_FMT(err, errlen, "internal: the initial pattern differs from the init sampler's"), -1;
        if ((step == 0 || m->tw.flips) && seen_add(m, m->tw.hash)) return RS_FMT(err, errlen, "out of memory"), -1;
        reached = loss <= cfg->train_loss_tol;
        diverged = !(loss <= 1e100);
        int stop = reached || diverged || step == cfg->train_steps;
        if (stop) stop_record = k;
        /* this record, or every record left when the trial stops here */
        for (; k < m->nrec && (m->steps[k] == step || stop); k++) {
            const size_t mask_bytes = mask_words(cell) * sizeof *m->rec_mask;
            int changed = step > 0 && memcmp(m->rec_mask, m->tw.mask, mask_bytes) != 0;
            if (changed && (rc = rank_now(ts, cell, t, w, m, &rank)))
                return rs_trial_error(rc, err, errlen), -1;
            if (changed || step == 0) memcpy(m->rec_mask, m->tw.mask, mask_bytes);
            /* w->A is the pattern of the previous record's mask (rank_now keeps it so), hence
             * the current pattern here */
            if (cfg->train_sigma_min && (changed || step == 0 || cfg->train_v)) {
                if ((rc = sigma_now(cell, w, m, &sigma)))
                    return RS_FMT(err, errlen, "singular values of J_A: LAPACK info %d or out of memory", rc), -1;
            }
            if (cfg->train_sigma_min) rs_stat_cell(st, ST_SIGMA, ci)[k * B + rs_log10_bin(sigma)]++;
            if (t < cfg->train_keep) {
                const int64_t slot = t * m->nrec + k;
                rs_stat_cell(st, ST_LOSS_TRAJ, ci)[slot] = rs_stat_value_code(loss);
                rs_stat_cell(st, ST_DEFICIT_TRAJ, ci)[slot] = rs_stat_value_code((double)(n - rank));
            }
            rs_stat_cell(st, ST_LOSS, ci)[k * B + rs_log10_bin(loss)]++;
            rs_stat_cell(st, ST_DEFICIT, ci)[k * BD + (n - rank)]++;
            rs_stat_cell(st, ST_CHANGED, ci)[k] += changed;
        }
        if (stop) break;
        rs_train_gradient(&m->tw, m->W, m->v, cfg->train_v);
        rs_train_update(&m->tw, opt, lr, step + 1, m->W, m->v, cfg->train_v);
    }

    const int init_full = r0.rank.matrank == n;
    rs_stat_add(st, ST_INIT_FULL, ci, init_full);
    rs_stat_add(st, ST_REACHED, ci, reached);
    rs_stat_draw(st, ST_REACHED_SQ, ST_DRAWS, ci, rs_trial_draw(ts, t), reached);
    rs_stat_add(st, ST_INIT_FULL_REACHED, ci, init_full && reached);
    rs_stat_add(st, ST_DIVERGED, ci, diverged);
    rs_stat_add(st, ST_FINAL_FULL, ci, rank == n);
    if (reached) rs_stat_bin(st, ST_STEPS, ci, stop_record);
    int64_t lg = 0;
    while (lg < 47 && (m->nseen >> (lg + 1)) > 0) lg++;
    rs_stat_bin(st, ST_REGIONS, ci, lg);
    rs_stat_add(st, ST_REGIONS_SUM, ci, m->nseen);
    rs_stat_bin(st, ST_FINAL_DEFICIT, ci, n - rank);
    if (!cfg->train_classify || diverged) return 0;

    /* the final region: what does it hold?  The stop's record left its pattern in w->A and
     * its exact rank in `rank`. */
    rs_lp_problem pb = {.A = &w->A, .v = m->v, .xt = w->xt, .p = p, .y = y, .matrank = rank,
                        .modp = &ts->engine.modp[0]};
    rs_lp_result res;
    if (rs_lp_classify(&pb, RS_LP_EXACT_AUTO, &m->lp, &res))
        return RS_FMT(err, errlen, "region LP: out of memory or a non-finite input"), -1;
    static const int class_row[RS_LP_NCLASSES] = {[RS_LP_EMPTY] = ST_EMPTY, [RS_LP_NONE] = ST_NONE,
                                                  [RS_LP_GLOBAL] = ST_GLOBAL, [RS_LP_BAD_LOCAL] = ST_BAD,
                                                  [RS_LP_FAILED] = ST_FAILED};
    rs_stat_add(st, class_row[res.cls], ci, 1);
    return 0;
}

static int check(const rs_config *cfg, const char **key, char *why, size_t len)
{
    if (strcmp(cfg->sampler, "init")) {
        *key = "pattern.sampler";
        RS_FMT(why, len, "'%s': experiment.kind = train starts from initialised weights: it needs "
               "pattern.sampler = init (pattern.init chooses their law)", cfg->sampler);
        return -1;
    }
    return rs_experiment_check_targets(cfg, key, why, len);
}

/* Per step a forward and a backward pass of 2 d1 n p flops each, plus the exact rank at
 * the records (the pattern usually moves between them) and the final region's LP. */
static double cost(const rs_config *cfg, const rs_cell *c)
{
    double per_step = 4.0 * c->d1 * (double)c->n * c->p + 4.0 * c->d1 * (double)c->n;
    double records = (double)rs_train_record_steps(cfg->train_steps, cfg->train_record, NULL, 0);
    double lp = cfg->train_classify ? rs_experiment_minima.cost(cfg, c) - rs_experiment_rank.cost(cfg, c) : 0;
    return (double)cfg->train_steps * per_step + (records + 2) * rs_experiment_rank.cost(cfg, c) + lp;
}

/* The rank's buffers, the network, its gradient and Adam's moments, x̃ transposed, two
 * copies of the pattern as bytes, and the final LP (as in minima). */
static double bytes(const rs_config *cfg, const rs_cell *c, int g)
{
    double n = c->n, d1 = c->d1, P1 = d1 * (c->p + 1);
    double own = 8 * (5 * P1 + (c->p + 4) * n) + 2 * d1 * n + 16 * 1024;
    double lp = cfg->train_classify ? rs_experiment_minima.bytes(cfg, c, g) - rs_trial_bytes(cfg, c, g) : 0;
    return rs_trial_bytes(cfg, c, g) + own + lp;
}

const rs_experiment rs_experiment_train = {
    .name = "train",
    .help = "full-batch gradient descent from the initialised weights: does the loss reach zero, how many regions "
            "does it cross, and does the rank of J_A along the way predict it",
    .stats = stats,
    .nstats = (int)RS_ARRAY_LEN(stats),
    .views = views,
    .nviews = (int)RS_ARRAY_LEN(views),
    .sections = "targets,train",
    .draws_v = 1,
    .check = check,
    .trial = trial,
    .cost = cost,
    .bytes = bytes,
};
