/* sweep.h - the grid of cells, the trial space, work units and the MPI scheduler. */
#ifndef RELUSCAPE_SWEEP_H
#define RELUSCAPE_SWEEP_H

#include <stdint.h>
#include <mpi.h>
#include "reluscape/checkpoint.h"
#include "reluscape/config.h"
#include "reluscape/data.h"
#include "reluscape/experiment.h"
#include "reluscape/grid.h"
#include "reluscape/stats.h"


/* Per-rank accounting of this start, gathered on every rank after the sweep, and the
 * accounting of every start (checkpoint.h). */
typedef struct rs_run_report {
    int nranks;
    double *busy_cpu;      /* [nranks] CPU seconds spent in trials */
    int64_t *trials_done;  /* [nranks] */
    int64_t units;         /* work units in the run */
    double wall;           /* wall seconds of the sweep */
    double imbalance;      /* max / mean busy_cpu */
    rs_start *starts;      /* [nstarts] every start of the run (after requeues), this one last */
    int64_t nstarts;
} rs_run_report;
void rs_run_report_free(rs_run_report *r);

/* How a sweep is cut and kept safe. */
typedef struct rs_sweep_opts {
    int64_t shard_index, shard_count; /* this run does every shard_count-th unit; 0 and 1 = all */
    const char *checkpoint;           /* checkpoint file, NULL = none */
    double checkpoint_seconds;        /* interval; 0 = only when a stop is requested */
    int resume;                       /* continue from the checkpoint file if it exists */
    const char *config_text;          /* rs_config_science_text: what a checkpoint must match */
    int64_t mem_per_rank;             /* bytes a rank may use (rs_memory_check passed) */
} rs_sweep_opts;

enum rs_sweep_status {
    RS_SWEEP_DONE = 0,
    RS_SWEEP_FAILED = 1,         /* an error every rank knows about (message printed) */
    RS_SWEEP_BAD_CHECKPOINT = 2, /* --resume found a checkpoint of another run */
    RS_SWEEP_STOPPED = 3         /* stop requested: checkpoint written, run incomplete */
};

/* Collective over comm: run every trial of the grid (or the shard), dynamically
 * scheduled, and leave the reduced statistics on every rank.  Returns an rs_sweep_status,
 * the same on every rank. */
int rs_sweep_run(const rs_config *cfg, const rs_grid *g, const rs_data_spec *data,
                 MPI_Comm comm, const rs_sweep_opts *opts, rs_stats *st, rs_run_report *rep);

/* Async-signal-safe: ask the running sweep to checkpoint at the next unit boundary and
 * stop (SIGTERM / SIGUSR1 / SIGINT handlers call it). */
void rs_sweep_request_stop(void);

#endif
