/* sweep.c - work units and the dynamic MPI scheduler.
 *
 * The trial space (cell, trial) is cut into work units whose boundaries depend only on
 * the config (never on the rank count), sorted by decreasing cost (largest first keeps
 * the tail short: a cell's cost grows like n^2 P).  Rank 0 hands units out on request
 * and works through units itself between requests, so no core is spent on a pure
 * master.  Every trial's numbers depend only on (seed, cell, trial), and the statistics
 * are integer sums, so the result is identical for any number of ranks and any order. */
#include <stdlib.h>
#include <string.h>

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
    for (int c = 0; c < g->ncells; c++) total += g->cells[c].cost * (double)cfg->trials;
    double target = total / UNITS_TARGET;
    int64_t ppd = cfg->patterns_per_dataset, count = 0;
    int64_t *per_cell = rs_calloc((size_t)g->ncells, sizeof *per_cell);
    if (!per_cell) return NULL;
    for (int c = 0; c < g->ncells; c++) {
        int64_t size = (int64_t)(target / g->cells[c].cost);
        if (size < 1) size = 1;
        size = (size + ppd - 1) / ppd * ppd;
        if (size > cfg->trials) size = cfg->trials;
        per_cell[c] = size;
        count += (cfg->trials + size - 1) / size;
    }
    rs_unit *u = rs_calloc((size_t)count, sizeof *u);
    if (u) {
        int64_t k = 0;
        for (int c = 0; c < g->ncells; c++)
            for (int64_t t = 0; t < cfg->trials; t += per_cell[c]) {
                u[k].cell = c;
                u[k].t0 = t;
                u[k].t1 = t + per_cell[c] < cfg->trials ? t + per_cell[c] : cfg->trials;
                u[k].cost = g->cells[c].cost * (double)(u[k].t1 - u[k].t0);
                k++;
            }
        qsort(u, (size_t)count, sizeof *u, unit_cmp);
        *nunits = count;
    }
    free(per_cell);
    return u;
}

/* State shared by the trial loop and rank 0's bookkeeping. */
typedef struct sched {
    const rs_grid *g;
    const rs_unit *units;
    int64_t nunits, next;
    int64_t *cell_left;          /* rank 0: trials not yet reported per cell */
    int64_t cells_done, trials_done;
    rs_progress progress;
    const rs_trial_setup *ts;
    rs_trial_work work;
    rs_stats *st;
    double busy;
    int64_t my_trials;
    int failed;
} sched;

static int run_trial(sched *s, const rs_unit *u, int64_t t)
{
    const rs_cell *cell = &s->g->cells[u->cell];
    rs_trial_result r;
    double t0 = rs_cputime();
    int rc = rs_trial_run(s->ts, cell, t, &s->work, &r);
    s->busy += rs_cputime() - t0;
    if (rc) {
        rs_error("trial %lld of cell d0=%d d1=%d n=%d failed (%s %d)", (long long)t, cell->d0, cell->d1,
                 cell->n, rc < 0 ? "out of memory or sampler not applicable:" : "LAPACK info", rc);
        return -1;
    }
    rs_stats_record(s->st, u->cell, cell->n, &r);
    s->my_trials++;
    return 0;
}

/* Rank 0: account for a finished unit. */
static void unit_done(sched *s, int64_t id)
{
    if (id < 0) return;
    const rs_unit *u = &s->units[id];
    s->trials_done += u->t1 - u->t0;
    if ((s->cell_left[u->cell] -= u->t1 - u->t0) == 0) s->cells_done++;
    rs_progress_update(&s->progress, s->cells_done, s->trials_done, 0);
}

/* Rank 0: receive one request and answer it; returns 1 if that worker is now stopped. */
static int serve_one(sched *s, MPI_Comm comm, int blocking)
{
    int flag = 1;
    MPI_Status status;
    if (!blocking) RS_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, TAG_REQUEST, comm, &flag, &status));
    if (!flag) return -1;
    int64_t msg[2];
    RS_MPI_CHECK(MPI_Recv(msg, 2, MPI_INT64_T, MPI_ANY_SOURCE, TAG_REQUEST, comm, &status));
    unit_done(s, msg[0]);
    if (msg[1]) s->failed = 1;
    int64_t give = (!s->failed && s->next < s->nunits) ? s->next++ : -1;
    RS_MPI_CHECK(MPI_Send(&give, 1, MPI_INT64_T, status.MPI_SOURCE, TAG_UNIT, comm));
    return give < 0;
}

static void coordinator(sched *s, MPI_Comm comm, int size)
{
    int workers = size - 1;
    int64_t mine = -1, t = 0;
    for (;;) {
        while (workers > 0) {
            int r = serve_one(s, comm, 0);
            if (r < 0) break;
            workers -= r;
        }
        if (mine < 0 && !s->failed && s->next < s->nunits) {
            mine = s->next++;
            t = s->units[mine].t0;
        }
        if (mine >= 0) {
            /* one trial at a time, so requests are answered within a trial's time */
            if (run_trial(s, &s->units[mine], t)) s->failed = 1;
            if (s->failed || ++t == s->units[mine].t1) {
                if (!s->failed) unit_done(s, mine);
                mine = -1;
            }
        } else if (workers > 0) {
            workers -= serve_one(s, comm, 1);
        } else {
            break;
        }
    }
}

static void worker(sched *s, MPI_Comm comm)
{
    int64_t msg[2] = {-1, 0};
    for (;;) {
        int64_t id;
        RS_MPI_CHECK(MPI_Send(msg, 2, MPI_INT64_T, 0, TAG_REQUEST, comm));
        RS_MPI_CHECK(MPI_Recv(&id, 1, MPI_INT64_T, 0, TAG_UNIT, comm, MPI_STATUS_IGNORE));
        if (id < 0) break;
        const rs_unit *u = &s->units[id];
        for (int64_t t = u->t0; t < u->t1 && !s->failed; t++)
            if (run_trial(s, u, t)) s->failed = 1;
        msg[0] = s->failed ? -1 : id;
        msg[1] = s->failed;
    }
}

int rs_sweep_run(const rs_config *cfg, const rs_grid *g, const rs_data_spec *data, MPI_Comm comm,
                 rs_stats *st, rs_run_report *rep)
{
    int rank, size, rc = 1;
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
    int local_fail = rs_trial_setup_init(&ts, cfg, data, err, sizeof err) != 0;
    if (local_fail) rs_error("%s", err);
    rs_unit *units = local_fail ? NULL : make_units(cfg, g, &s.nunits);
    s.units = units;
    if (!local_fail && !units) local_fail = 1, rs_error("out of memory for the work units");
    if (rank == 0 && !local_fail) {
        s.cell_left = rs_calloc((size_t)g->ncells, sizeof *s.cell_left);
        if (!s.cell_left) local_fail = 1, rs_error("out of memory");
        for (int c = 0; s.cell_left && c < g->ncells; c++) s.cell_left[c] = cfg->trials;
    }
    if (rs_any_true(local_fail, comm)) goto done;

    rep->units = s.nunits;
    rs_progress_start(&s.progress, g->ncells, (int64_t)g->ncells * cfg->trials, cfg->progress_seconds);
    double wall0 = rs_wtime();
    if (rank == 0)
        coordinator(&s, comm, size);
    else
        worker(&s, comm);
    rep->wall = rs_wtime() - wall0;
    if (rank == 0 && !s.failed) rs_progress_update(&s.progress, s.cells_done, s.trials_done, 1);
    if (rs_any_true(s.failed, comm)) goto done;

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
    rc = 0;
done:
    free(units);
    free(s.cell_left);
    rs_trial_work_free(&s.work);
    return rc;
}

void rs_run_report_free(rs_run_report *r)
{
    free(r->busy_cpu);
    free(r->trials_done);
    memset(r, 0, sizeof *r);
}
