/* sweep.c - work units and the dynamic MPI scheduler.
 *
 * The trial space (cell, trial) is cut into work units whose boundaries depend only on
 * the config (never on the rank count), sorted by decreasing cost (largest first keeps
 * the tail short: a cell's cost grows like n^2 P).  Rank 0 hands units out on request
 * and works through units itself between requests, so no core is spent on a pure
 * master.  Every trial's numbers depend only on (seed, cell, trial), and the statistics
 * are integer sums, so the result is identical for any number of ranks and any order.
 *
 * Job arrays: --shard i/N keeps every N-th unit of the sorted list.  Checkpoints: when
 * the interval has passed or a stop was requested (signal), rank 0 hands out no more
 * units; once every rank is between units they sum their statistics onto rank 0, which
 * writes them with the done flags (checkpoint.h); a resumed run skips the done units,
 * starting from those statistics on rank 0.
 *
 * Groups (rank.group_size = g > 1, group.h): the scheduler runs among the groups' first
 * ranks (the leaders); a leader tells its members which trial comes next and the group
 * ranks it together; only leaders record statistics and take part in checkpoints.  A last,
 * smaller group only gets units whose trials fit its memory. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reluscape/checkpoint.h"
#include "reluscape/group.h"
#include "reluscape/log.h"
#include "reluscape/sweep.h"
#include "reluscape/trial.h"
#include "util.h"

enum { TAG_REQUEST = 101, TAG_UNIT = 102 };
#define UNITS_TARGET 4096 /* cut the whole run into about this many units */

typedef struct rs_unit {
    int cell;
    int64_t t0, t1;
    double cost;
} rs_unit;

static int unit_cmp(const void *a, const void *b)
{
    const rs_unit *x = a, *y = b;
    if (x->cost != y->cost) return x->cost < y->cost ? 1 : -1;
    if (x->cell != y->cell) return x->cell < y->cell ? -1 : 1;
    return x->t0 < y->t0 ? -1 : x->t0 > y->t0;
}

/* Units of about equal cost, aligned to dataset draws so one X~ serves a whole unit. */
static rs_unit *make_units(const rs_config *cfg, const rs_grid *g, int64_t *nunits)
{
    double total = 0;
    for (int c = 0; c < g->ncells; c++) total += g->cells[c].cost * (double)g->cells[c].trials;
    double target = total / UNITS_TARGET;
    int64_t ppd = g->exhaustive ? 1 : cfg->patterns_per_dataset, count = 0;
    int64_t *per_cell = rs_calloc((size_t)g->ncells, sizeof *per_cell);
    if (!per_cell) return NULL;
    for (int c = 0; c < g->ncells; c++) {
        int64_t size = (int64_t)(target / g->cells[c].cost);
        if (size < 1) size = 1;
        size = (size + ppd - 1) / ppd * ppd;
        int64_t trials = g->cells[c].trials;
        if (size > trials) size = trials;
        per_cell[c] = size;
        count += (trials + size - 1) / size;
    }
    rs_unit *u = rs_calloc((size_t)count, sizeof *u);
    if (u) {
        int64_t k = 0;
        for (int c = 0; c < g->ncells; c++)
            for (int64_t t = 0, trials = g->cells[c].trials; t < trials; t += per_cell[c]) {
                u[k].cell = c;
                u[k].t0 = t;
                u[k].t1 = t + per_cell[c] < trials ? t + per_cell[c] : trials;
                u[k].cost = g->cells[c].cost * (double)(u[k].t1 - u[k].t0);
                k++;
            }
        qsort(u, (size_t)count, sizeof *u, unit_cmp);
        *nunits = count;
    }
    free(per_cell);
    return u;
}

/* Keep every shard_count-th unit of the cost-sorted list, starting at shard_index: each
 * shard gets a similar mix of large and small units. */
static int64_t shard_units(rs_unit *u, int64_t count, int64_t index, int64_t shards)
{
    if (shards <= 1) return count;
    int64_t kept = 0;
    for (int64_t k = index; k < count; k += shards) u[kept++] = u[k];
    return kept;
}

static volatile sig_atomic_t stop_requested;

/* Testing hook: RELUSCAPE_TEST_SIGNAL_AFTER=k makes every rank raise SIGUSR1 on itself
 * once it has recorded k trials, a stop at a known point of the run however loaded the
 * machine (tests/groups.sh; a signal from outside lands wherever the run is). */
static void test_signal(int64_t recorded)
{
    static int64_t after = -2;
    if (after == -2) {
        const char *e = getenv("RELUSCAPE_TEST_SIGNAL_AFTER");
        after = e && *e ? strtoll(e, NULL, 10) : -1;
    }
    if (recorded == after) raise(SIGUSR1);
}

void rs_sweep_request_stop(void) { stop_requested = 1; }

/* Messages: a worker's request carries {finished unit or -1, failed, stop requested}; the
 * answer is a unit index, UNIT_STOP, or UNIT_CHECKPOINT (join the checkpoint, then ask
 * again). */
enum { UNIT_STOP = -1, UNIT_CHECKPOINT = -2 };

/* A leader's command to its members: {CMD_TRIAL, cell, trial} or {CMD_STOP}. */
enum { CMD_TRIAL = 1, CMD_STOP = 2 };

/* State shared by the trial loop and rank 0's bookkeeping. */
typedef struct sched {
    const rs_grid *g;
    const rs_unit *units;
    int64_t nunits;
    int64_t *queue, nqueue, next; /* rank 0: units not done at the start, in order */
    uint8_t *done;                /* rank 0: [nunits] finished units */
    int64_t *cell_left;           /* rank 0: trials not yet reported per cell */
    int64_t cells_done, trials_done;
    rs_progress progress;
    const rs_trial_setup *ts;
    rs_trial_work work;
    rs_stats *st;
    const rs_sweep_opts *opts;
    double busy, busy_since, last_checkpoint; /* busy_since: busy_resume's clock */
    int64_t my_trials;
    int failed, stopping;
    /* groups */
    const rs_config *cfg;
    rs_group grp;
    int grouped;                  /* rank.group_size > 1 */
    rs_group_form form;           /* rank.method's distributed form */
    rs_group_work gwork;
    double mem;                   /* bytes a rank may use */
    int *leader_group_size;       /* rank 0: [leaders] */
    uint8_t *taken;               /* rank 0: [nqueue] handed out */
    uint8_t *cell_fits;           /* rank 0: [ncells] fits the smaller, last group */
    int small_group;              /* size of that group, 0 if none */
    /* accounting: rank 0 holds every start so far, this one (being filled) last */
    rs_start *starts;
    int64_t nstarts;
} sched;

static double unix_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One trial run by the whole group; every member calls it with the same (cell, t). */
static int group_trial(sched *s, int ci, int64_t t)
{
    const rs_cell *cell = &s->g->cells[ci];
    char err[RS_ERR_MAX];
    rs_group_env env = {.grp = &s->grp, .form = s->form, .gwork = &s->gwork, .mem = s->mem};
    int leader = s->grp.rank == 0;
    double t0 = rs_cputime();
    int rc = s->ts->exp->group_trial(s->ts, cell, ci, t, &s->work, &env, leader ? s->st : NULL, err, sizeof err);
    s->busy += rs_cputime() - t0;
    s->my_trials += leader; /* trials recorded, as without groups */
    if (leader) test_signal(s->my_trials);
    if (rc) {
        if (leader)
            rs_error("trial %lld of cell d0=%d d1=%d n=%d failed in group %d (%d ranks, %d x %d grid): %s",
                     (long long)t, cell->d0, cell->d1, cell->n, s->grp.index, s->grp.size, s->grp.nprow,
                     s->grp.npcol, err);
        return -1;
    }
    if (leader) rs_stat_add(s->st, 0, ci, 1);
    return 0;
}

/* A member's life: rank the trials its leader names until told to stop. */
static void member(sched *s)
{
    for (;;) {
        int64_t cmd[3];
        RS_MPI_CHECK(MPI_Bcast(cmd, 3, MPI_INT64_T, 0, s->grp.comm));
        if (cmd[0] != CMD_TRIAL) break;
        if (group_trial(s, (int)cmd[1], cmd[2])) s->failed = 1;
    }
}

static void tell_members(sched *s, int64_t what, int64_t cell, int64_t t)
{
    int64_t cmd[3] = {what, cell, t};
    if (s->grouped && s->grp.size > 1) RS_MPI_CHECK(MPI_Bcast(cmd, 3, MPI_INT64_T, 0, s->grp.comm));
}

/* Busy CPU without groups: the CPU of the trial loop less its waits for work, read at the
 * ends of each span of work (busy_resume ... busy_pause), not around every trial: a CPU
 * clock is a system call, about 1.3 us on a virtual machine, a tenth of a small trial.
 * Rank 0 alone reads it twice a run.  Group trials time themselves (group_trial). */
static void busy_resume(sched *s)
{
    if (!s->grouped) s->busy_since = rs_cputime();
}
static void busy_pause(sched *s)
{
    if (!s->grouped) s->busy += rs_cputime() - s->busy_since;
}

static int run_trial(sched *s, const rs_unit *u, int64_t t)
{
    if (s->grouped) {
        tell_members(s, CMD_TRIAL, u->cell, t);
        return group_trial(s, u->cell, t);
    }
    const rs_cell *cell = &s->g->cells[u->cell];
    char err[RS_ERR_MAX];
    int rc = s->ts->exp->trial(s->ts, cell, u->cell, t, &s->work, s->st, err, sizeof err);
    if (rc) {
        rs_error("trial %lld of cell d0=%d d1=%d n=%d failed (%s)", (long long)t, cell->d0, cell->d1, cell->n, err);
        return -1;
    }
    rs_stat_add(s->st, 0, u->cell, 1);
    s->my_trials++;
    test_signal(s->my_trials);
    return 0;
}

/* Rank 0: the next unit, in cost order, that a group of gsize ranks can hold; UNIT_STOP
 * when none is left for it. */
static int64_t take_unit(sched *s, int gsize)
{
    int small = s->grouped && s->small_group && gsize == s->small_group;
    for (int64_t q = s->next; q < s->nqueue; q++) {
        if (s->taken[q] || (small && !s->cell_fits[s->units[s->queue[q]].cell])) continue;
        s->taken[q] = 1;
        while (s->next < s->nqueue && s->taken[s->next]) s->next++;
        return s->queue[q];
    }
    return UNIT_STOP;
}

/* Rank 0: account for a finished unit. */
static void unit_done(sched *s, int64_t id)
{
    if (id < 0) return;
    const rs_unit *u = &s->units[id];
    s->done[id] = 1;
    s->trials_done += u->t1 - u->t0;
    if ((s->cell_left[u->cell] -= u->t1 - u->t0) == 0) s->cells_done++;
    s->progress.cost_done += u->cost;
    rs_progress_update(&s->progress, s->cells_done, s->trials_done, 0);
}

/* Collective: the statistics of every finished unit, summed on rank 0, written with the
 * done flags.  Every rank is between units.  Returns 0 on every rank, or -1 on every rank. */
static int checkpoint(sched *s, MPI_Comm comm, int rank)
{
    int64_t *sum = NULL;
    int bad = 0;
    if (rank == 0 && !(sum = rs_calloc((size_t)s->st->count, sizeof *sum))) bad = 1;
    RS_MPI_CHECK(MPI_Reduce(s->st->buf, sum, (int)s->st->count, MPI_INT64_T, MPI_SUM, 0, comm));
    /* a group's members rank the leader's trials in lockstep: count the leader's time
     * for each of them (only leaders take part in checkpoints) */
    double busy = s->busy * (s->grouped ? s->grp.size : 1), busy_sum = 0;
    RS_MPI_CHECK(MPI_Reduce(&busy, &busy_sum, 1, MPI_DOUBLE, MPI_SUM, 0, comm));
    if (rank == 0 && !bad) {
        rs_start *now = &s->starts[s->nstarts - 1];
        now->end = unix_now();
        now->busy_cpu = busy_sum;
        now->trials = s->trials_done - s->progress.base_trials;
        now->ended = stop_requested ? RS_START_SIGNAL : RS_START_CHECKPOINT;
        char err[RS_ERR_MAX];
        rs_checkpoint ck = {.config = s->opts->config_text, .nunits = s->nunits,
                            .shard_index = s->opts->shard_index, .shard_count = s->opts->shard_count,
                            .done = s->done, .stats = sum, .nstats = s->st->count,
                            .starts = s->starts, .nstarts = s->nstarts};
        if (rs_checkpoint_write(s->opts->checkpoint, &ck, err, sizeof err)) {
            rs_error("%s", err);
            bad = 1;
        } else {
            const rs_start *now = &s->starts[s->nstarts - 1];
            rs_info("checkpoint: %lld of %lld trials done, written to %s (start %lld: %lld trials, %.2f s busy CPU)",
                    (long long)s->trials_done, (long long)s->progress.total_trials, s->opts->checkpoint,
                    (long long)s->nstarts, (long long)now->trials, now->busy_cpu);
        }
    }
    free(sum);
    RS_MPI_CHECK(MPI_Bcast(&bad, 1, MPI_INT, 0, comm));
    s->last_checkpoint = rs_wtime();
    return bad ? -1 : 0;
}

/* Rank 0: receive one request (blocking or not); answer it or hold it.  held collects
 * the workers waiting for a checkpoint.  Returns the worker count that stopped (0 or 1),
 * or -1 if nothing was pending. */
static int serve_one(sched *s, MPI_Comm comm, int blocking, int pausing, int *held, int *nheld)
{
    int flag = 1;
    MPI_Status status;
    if (!blocking) RS_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, TAG_REQUEST, comm, &flag, &status));
    if (!flag) return -1;
    int64_t msg[3];
    RS_MPI_CHECK(MPI_Recv(msg, 3, MPI_INT64_T, MPI_ANY_SOURCE, TAG_REQUEST, comm, &status));
    unit_done(s, msg[0]);
    if (msg[1]) s->failed = 1;
    if (msg[2]) stop_requested = 1;
    if (pausing && !s->failed) {
        held[(*nheld)++] = status.MPI_SOURCE;
        return 0;
    }
    int64_t give = (!s->failed && !s->stopping) ? take_unit(s, s->leader_group_size ? s->leader_group_size[status.MPI_SOURCE] : 1) : UNIT_STOP;
    RS_MPI_CHECK(MPI_Send(&give, 1, MPI_INT64_T, status.MPI_SOURCE, TAG_UNIT, comm));
    return give == UNIT_STOP;
}

static void coordinator(sched *s, MPI_Comm comm, int size)
{
    int workers = size - 1, nheld = 0, pausing = 0;
    int *held = rs_calloc((size_t)size, sizeof *held);
    int64_t mine = -1, t = 0;
    if (!held) s->failed = 1, rs_error("out of memory");
    busy_resume(s); /* paused while it waits for a worker or writes a checkpoint */
    for (;;) {
        /* A checkpoint is due on a stop request (signal) or when the interval passed; none
         * is needed once every unit has been handed out. */
        if (!pausing && !s->stopping && !s->failed && s->opts->checkpoint && s->next < s->nqueue &&
            (stop_requested ||
             (s->opts->checkpoint_seconds > 0 && rs_wtime() - s->last_checkpoint >= s->opts->checkpoint_seconds)))
            pausing = 1;
        if (s->failed && nheld) { /* release the held workers: everyone stops */
            for (int k = 0; k < nheld; k++) {
                int64_t give = UNIT_STOP;
                RS_MPI_CHECK(MPI_Send(&give, 1, MPI_INT64_T, held[k], TAG_UNIT, comm));
            }
            workers -= nheld;
            nheld = 0;
            pausing = 0;
        }
        while (workers > nheld) {
            int r = serve_one(s, comm, 0, pausing, held, &nheld);
            if (r < 0) break;
            workers -= r;
        }
        if (mine < 0 && !pausing && !s->stopping && !s->failed && s->next < s->nqueue &&
            (mine = take_unit(s, s->grp.size)) >= 0)
            t = s->units[mine].t0;
        if (mine >= 0) {
            /* one trial at a time, so requests are answered within a trial's time */
            if (run_trial(s, &s->units[mine], t)) s->failed = 1;
            if (s->failed || ++t == s->units[mine].t1) {
                if (!s->failed) unit_done(s, mine);
                mine = -1;
            }
        } else if (pausing && nheld == workers) {
            int64_t give = UNIT_CHECKPOINT;
            for (int k = 0; k < nheld; k++) RS_MPI_CHECK(MPI_Send(&give, 1, MPI_INT64_T, held[k], TAG_UNIT, comm));
            nheld = 0;
            pausing = 0;
            busy_pause(s);
            if (checkpoint(s, comm, 0)) s->failed = 1;
            busy_resume(s);
            if (stop_requested) s->stopping = 1;
        } else if (workers > nheld) {
            busy_pause(s);
            workers -= serve_one(s, comm, 1, pausing, held, &nheld);
            busy_resume(s);
        } else {
            break;
        }
    }
    busy_pause(s);
    free(held);
}

static void worker(sched *s, MPI_Comm comm, int rank)
{
    int64_t msg[3] = {-1, 0, 0};
    for (;;) {
        int64_t id;
        msg[2] = stop_requested;
        RS_MPI_CHECK(MPI_Send(msg, 3, MPI_INT64_T, 0, TAG_REQUEST, comm));
        RS_MPI_CHECK(MPI_Recv(&id, 1, MPI_INT64_T, 0, TAG_UNIT, comm, MPI_STATUS_IGNORE));
        msg[0] = -1;
        if (id == UNIT_CHECKPOINT) {
            if (checkpoint(s, comm, rank)) s->failed = 1;
            msg[1] = s->failed;
            continue;
        }
        if (id < 0) break;
        const rs_unit *u = &s->units[id];
        /* a stop request lets the unit finish: the checkpoint holds whole units only */
        busy_resume(s);
        for (int64_t t = u->t0; t < u->t1 && !s->failed; t++)
            if (run_trial(s, u, t)) s->failed = 1;
        busy_pause(s);
        msg[0] = s->failed ? -1 : id;
        msg[1] = s->failed;
    }
}

/* Rank 0: this start's record after the earlier ones (prev of them, taken over). */
static int open_start(sched *s, rs_start *prev, int64_t nprev, int ranks)
{
    rs_start *all = realloc(prev, (size_t)(nprev + 1) * sizeof *all);
    if (!all) return free(prev), -1;
    rs_start *now = &all[nprev];
    memset(now, 0, sizeof *now);
    now->begin = now->end = unix_now();
    now->ranks = ranks;
    now->shard = s->opts->shard_index;
    if (gethostname(now->host, sizeof now->host)) RS_FMT(now->host, sizeof now->host, "unknown");
    now->host[sizeof now->host - 1] = '\0';
    s->starts = all;
    s->nstarts = nprev + 1;
    return 0;
}

/* Rank 0: the queue of units still to run, after a checkpoint if resuming. */
static int prepare_queue(sched *s, const rs_config *cfg, int ranks, char *err, size_t errlen)
{
    rs_start *prev = NULL;
    int64_t nprev = 0;
    s->done = rs_calloc((size_t)s->nunits, 1);
    s->queue = rs_calloc((size_t)s->nunits, sizeof *s->queue);
    s->cell_left = rs_calloc((size_t)s->g->ncells, sizeof *s->cell_left);
    s->taken = rs_calloc((size_t)s->nunits, 1);
    s->cell_fits = rs_calloc((size_t)s->g->ncells, 1);
    if (!s->done || !s->queue || !s->cell_left || !s->taken || !s->cell_fits)
        return RS_FMT(err, errlen, "out of memory"), -1;
    for (int c = 0; c < s->g->ncells && s->small_group; c++)
        s->cell_fits[c] = s->ts->exp->bytes(cfg, &s->g->cells[c], s->small_group) <= s->mem;
    for (int64_t k = 0; k < s->nunits; k++) {
        const rs_unit *u = &s->units[k];
        s->cell_left[u->cell] += u->t1 - u->t0;
    }
    if (s->opts->resume && s->opts->checkpoint) {
        rs_checkpoint expect = {.config = s->opts->config_text, .nunits = s->nunits,
                                .shard_index = s->opts->shard_index, .shard_count = s->opts->shard_count,
                                .nstats = s->st->count};
        int rc = rs_checkpoint_read(s->opts->checkpoint, &expect, s->done, s->st->buf, &prev, &nprev, err, errlen);
        if (rc < 0) return -1;
        if (nprev < 0) {
            rs_info("resume: checkpoint %s (format 2) keeps no accounting of its starts: restarts, CPU time "
                    "and wall time count from this start on", s->opts->checkpoint);
            nprev = 0;
        }
        /* the statistics must be exactly those of the done units */
        int64_t *want = rs_calloc((size_t)s->g->ncells, sizeof *want);
        if (!want) return free(prev), RS_FMT(err, errlen, "out of memory"), -1;
        for (int64_t k = 0; k < s->nunits; k++)
            if (s->done[k]) want[s->units[k].cell] += s->units[k].t1 - s->units[k].t0;
        char why[256];
        int bad = rs_stats_check(s->st, want, why, sizeof why);
        free(want);
        if (bad)
            return free(prev), RS_FMT(err, errlen, "checkpoint '%s' is inconsistent (%s): remove it and start afresh without "
                          "--resume", s->opts->checkpoint, why), -1;
        if (rc == 1)
            rs_info("resume: no checkpoint %s, starting from the beginning", s->opts->checkpoint);
        for (int64_t k = 0; k < s->nunits; k++)
            if (s->done[k]) {
                s->done[k] = 0;
                unit_done(s, k);
            }
        if (rc == 0)
            rs_info("resume: %lld of %lld trials already done (checkpoint %s, start %lld)", (long long)s->trials_done,
                    (long long)s->progress.total_trials, s->opts->checkpoint, (long long)nprev + 1);
        s->progress.base_trials = s->trials_done;
        s->progress.base_cost = s->progress.cost_done;
    }
    if (open_start(s, prev, nprev, ranks)) return RS_FMT(err, errlen, "out of memory"), -1;
    for (int64_t k = 0; k < s->nunits; k++)
        if (!s->done[k]) s->queue[s->nqueue++] = k;
    return 0;
}

int rs_sweep_run(const rs_config *cfg, const rs_grid *g, const rs_data_spec *data, MPI_Comm comm,
                 const rs_sweep_opts *opts, rs_stats *st, rs_run_report *rep)
{
    int rank, size, rc = RS_SWEEP_FAILED;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    memset(rep, 0, sizeof *rep);

    char err[RS_ERR_MAX];
    rs_trial_setup ts;
    sched s;
    memset(&s, 0, sizeof s);
    s.g = g;
    s.ts = &ts;
    s.st = st;
    s.opts = opts;
    s.cfg = cfg;
    s.mem = (double)opts->mem_per_rank;
    s.grouped = cfg->group_size > 1;
    s.form = rs_method_lookup(cfg->rank_method)->group;
    MPI_Comm lcomm = comm; /* the scheduler's ranks: every rank, or the leaders */
    int local_fail = rs_experiment_setup(&ts, cfg, data, err, sizeof err) != 0;
    if (local_fail) rs_error("%s", err);
    if (rs_group_split(comm, (int)cfg->group_size, s.grouped, &s.grp, err, sizeof err)) {
        if (rank == 0) rs_error("%s", err);
        local_fail = 1;
    } else if (s.grouped) {
        RS_MPI_CHECK(MPI_Comm_split(comm, s.grp.rank == 0 ? 0 : MPI_UNDEFINED, rank, &lcomm));
        if (size % cfg->group_size) s.small_group = size % (int)cfg->group_size;
    }
    int64_t all = 0;
    rs_unit *units = local_fail ? NULL : make_units(cfg, g, &all);
    if (!local_fail && !units) local_fail = 1, rs_error("out of memory for the work units");
    s.units = units;
    s.nunits = units ? shard_units(units, all, opts->shard_index, opts->shard_count) : 0;
    int64_t total = 0;
    for (int64_t k = 0; k < s.nunits; k++) total += units[k].t1 - units[k].t0;
    int64_t cells = 0;
    if (!local_fail) {
        /* cells this shard touches, for the progress line */
        uint8_t *touched = rs_calloc((size_t)g->ncells, 1);
        for (int64_t k = 0; touched && k < s.nunits; k++) {
            cells += !touched[units[k].cell];
            touched[units[k].cell] = 1;
        }
        free(touched);
    }
    rs_progress_start(&s.progress, cells, total, cfg->progress_seconds);
    for (int64_t k = 0; k < s.nunits; k++) s.progress.total_cost += units[k].cost;
    if (rank == 0 && !local_fail && opts->shard_count > 1)
        rs_info("shard %lld/%lld: %lld work units, %lld trials in %lld of the grid's %d cells",
                (long long)opts->shard_index, (long long)opts->shard_count, (long long)s.nunits, (long long)total,
                (long long)cells, g->ncells);
    int bad_checkpoint = 0;
    if (rank == 0 && !local_fail && prepare_queue(&s, cfg, size, err, sizeof err)) {
        rs_error("%s", err);
        local_fail = 1;
        bad_checkpoint = 1;
    }
    if (rs_any_true(local_fail, comm)) {
        RS_MPI_CHECK(MPI_Bcast(&bad_checkpoint, 1, MPI_INT, 0, comm));
        rc = bad_checkpoint ? RS_SWEEP_BAD_CHECKPOINT : RS_SWEEP_FAILED;
        goto done;
    }

    rep->units = s.nunits;
    double wall0 = rs_wtime();
    s.last_checkpoint = wall0;
    if (lcomm == MPI_COMM_NULL) {
        member(&s);
    } else {
        int lrank, lsize;
        MPI_Comm_rank(lcomm, &lrank);
        MPI_Comm_size(lcomm, &lsize);
        if (s.grouped) {
            /* group sizes for take_unit; the gather needs a buffer on rank 0 only, whose
             * allocation cannot fail gracefully this late */
            s.leader_group_size = lrank == 0 ? rs_calloc((size_t)lsize, sizeof *s.leader_group_size) : NULL;
            int gsize = s.grp.size;
            if (lrank == 0 && !s.leader_group_size) {
                rs_error("out of memory");
                MPI_Abort(comm, 1);
            }
            RS_MPI_CHECK(MPI_Gather(&gsize, 1, MPI_INT, s.leader_group_size, 1, MPI_INT, 0, lcomm));
        }
        if (lrank == 0) {
            if (s.small_group) {
                int fits = 0;
                for (int c = 0; c < g->ncells; c++) fits += s.cell_fits[c];
                if (!fits)
                    rs_info("the last group (%d ranks) holds no cell within rank.mem_per_rank; its ranks stay idle",
                            s.small_group);
            }
            coordinator(&s, lcomm, lsize);
        } else {
            worker(&s, lcomm, lrank);
        }
        tell_members(&s, CMD_STOP, 0, 0);
    }
    rep->wall = rs_wtime() - wall0;
    int stopped = s.stopping;
    RS_MPI_CHECK(MPI_Bcast(&stopped, 1, MPI_INT, 0, comm));
    if (rank == 0 && !s.failed && !stopped) rs_progress_update(&s.progress, s.cells_done, s.trials_done, 1);
    if (rs_any_true(s.failed, comm)) goto done;
    if (stopped) {
        rc = RS_SWEEP_STOPPED;
        goto done;
    }

    RS_MPI_CHECK(rs_stats_allreduce(st, comm));
    rep->nranks = size;
    rep->busy_cpu = rs_calloc((size_t)size, sizeof *rep->busy_cpu);
    rep->trials_done = rs_calloc((size_t)size, sizeof *rep->trials_done);
    local_fail = !rep->busy_cpu || !rep->trials_done;
    if (rs_any_true(local_fail, comm)) goto done;
    RS_MPI_CHECK(MPI_Allgather(&s.busy, 1, MPI_DOUBLE, rep->busy_cpu, 1, MPI_DOUBLE, comm));
    RS_MPI_CHECK(MPI_Allgather(&s.my_trials, 1, MPI_INT64_T, rep->trials_done, 1, MPI_INT64_T, comm));
    double max = 0, sum = 0;
    for (int r = 0; r < size; r++) {
        sum += rep->busy_cpu[r];
        if (rep->busy_cpu[r] > max) max = rep->busy_cpu[r];
    }
    rep->imbalance = sum > 0 ? max / (sum / size) : 1.0;
    if (rank == 0) {
        rs_start *now = &s.starts[s.nstarts - 1];
        now->end = unix_now();
        now->busy_cpu = sum;
        now->trials = 0;
        for (int r = 0; r < size; r++) now->trials += rep->trials_done[r];
        now->ended = RS_START_COMPLETE;
        rep->nstarts = s.nstarts;
    }
    RS_MPI_CHECK(MPI_Bcast(&rep->nstarts, 1, MPI_INT64_T, 0, comm));
    if (rank == 0) {
        rep->starts = s.starts;
        s.starts = NULL;
    } else if (!(rep->starts = rs_calloc((size_t)rep->nstarts, sizeof *rep->starts))) {
        rs_mpi_fail(MPI_ERR_NO_MEM, "malloc", __FILE__, __LINE__);
    }
    RS_MPI_CHECK(MPI_Bcast(rep->starts, (int)(rep->nstarts * (int64_t)sizeof *rep->starts), MPI_BYTE, 0, comm));
    rc = RS_SWEEP_DONE;
done:
    if (lcomm != comm && lcomm != MPI_COMM_NULL) MPI_Comm_free(&lcomm);
    rs_group_free(&s.grp);
    rs_group_work_free(&s.gwork);
    free(s.leader_group_size);
    free(s.taken);
    free(s.cell_fits);
    free(units);
    free(s.cell_left);
    free(s.queue);
    free(s.done);
    free(s.starts);
    rs_trial_work_free(&s.work);
    return rc;
}

void rs_run_report_free(rs_run_report *r)
{
    free(r->busy_cpu);
    free(r->trials_done);
    free(r->starts);
    memset(r, 0, sizeof *r);
}
