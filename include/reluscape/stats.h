/* stats.h - per-cell integer statistics, reduced exactly over MPI.
 *
 * All accumulators are int64 in one contiguous buffer, so a single MPI_Allreduce(SUM)
 * reduces them and the result is bitwise independent of the rank count and schedule.
 * Floating point appears only at output time (fractions, Wilson bounds). */
#ifndef RELUSCAPE_STATS_H
#define RELUSCAPE_STATS_H

#include <stdint.h>
#include <mpi.h>

typedef struct rs_stats {
    int ncells;
    int hist_bins;            /* deficit n - matrank in [0, hist_bins) */
    int64_t *buf;             /* everything below points into buf */
    int64_t *trials;          /* [ncells] */
    int64_t *full_rank;       /* matrank == n */
    int64_t *rank_sum;        /* sum of matrank */
    int64_t *zero_column;     /* some point activates no neuron */
    int64_t *crowded_column;  /* an activation column occurs more than p times */
    int64_t *certified;       /* full rank proven by the Cholesky certificate */
    int64_t *verified;        /* also ranked exactly (rank.verify) */
    int64_t *verify_disagree; /* ... with a different result */
    int64_t *deficit_hist;    /* [ncells][hist_bins] */
    int64_t count;            /* total int64s in buf */
} rs_stats;

int rs_stats_alloc(rs_stats *st, int ncells, int hist_bins); /* zeroed; 0 or -1 */
void rs_stats_free(rs_stats *st);
typedef struct rs_trial_result rs_trial_result;
void rs_stats_record(rs_stats *st, int cell, int n, const rs_trial_result *r);
/* Collective over comm: every rank ends with the sums. Returns the MPI error code. */
int rs_stats_allreduce(rs_stats *st, MPI_Comm comm);

/* Wilson score interval for k successes out of N at normal quantile z (1.96 for 95%).
 * N = 0 gives [0, 1]. */
void rs_wilson(int64_t k, int64_t N, double z, double *lo, double *hi);

#endif
