/* log.h - messages and progress.  Errors go to stderr from the rank that found them;
 * info and progress come from rank 0 only (one line per event, SLURM-log friendly). */
#ifndef RELUSCAPE_LOG_H
#define RELUSCAPE_LOG_H

#include <stdint.h>

enum rs_log_level { RS_LOG_QUIET = 0, RS_LOG_INFO = 1, RS_LOG_DEBUG = 2 };

void rs_log_set(int level, int mpi_rank);
int rs_log_level(void);
void rs_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rs_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* rank 0 */
void rs_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* any rank, prefixed */

/* Progress meter (rank 0): prints at most every interval seconds. */
typedef struct rs_progress {
    double start, last, interval;
    int64_t total_trials, total_cells;
    int64_t base_trials;   /* done before this run started (resumed): not in the rate */
    /* optional cost model (0 = none): the ETA is elapsed x cost left / cost done in this
     * run, since costly units run first and trials/s rises towards the end */
    double total_cost, cost_done, base_cost;
} rs_progress;
void rs_progress_start(rs_progress *p, int64_t total_cells, int64_t total_trials, double interval);
void rs_progress_update(rs_progress *p, int64_t cells_done, int64_t trials_done, int force);

double rs_wtime(void);     /* wall seconds, monotonic */
double rs_cputime(void);   /* this process's CPU seconds */

#endif
