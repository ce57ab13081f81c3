/* stats.h - per-cell integer statistics, defined by a table and reduced exactly over MPI.
 *
 * Each counter or histogram is one row (rs_stat_def) of an experiment's table; the table
 * drives allocation, recording, the Allreduce, the checkpoint (the flat buffer), merge,
 * the HDF5 datasets with their dimension scales, report and docs/hdf5-schema.md.  All
 * accumulators are int64 in one contiguous buffer, stat after stat in table order, each
 * [ncells][bins], so one MPI_Allreduce(SUM) reduces them and the result is bitwise
 * independent of the rank count and schedule.  Floating point appears only at output
 * time (fractions, means, Wilson bounds).  Everything is local except rs_stats_allreduce. */
#ifndef RELUSCAPE_STATS_H
#define RELUSCAPE_STATS_H

#include <stdint.h>
#include <stdio.h>
#include <mpi.h>
#include "reluscape/config.h"
#include "reluscape/grid.h"

/* Bin axes of histograms: /grid/<name> holds 0 .. length-1.  Add an axis here and in
 * stats.c's axis table. */
typedef enum {
    RS_AXIS_NONE = 0,
    RS_AXIS_DEFICIT,   /* n - rank J_A: max n + 1 bins */
    RS_AXIS_DIMENSION, /* dimension of a set of minima, P - rank J_A: max P + 1 bins */
    RS_AXIS_ONES,      /* ones in a pattern (test experiments): max d1 * n + 1 bins */
    RS_AXIS_RECORD,    /* the recorded training steps (train.steps, train.record) */
    RS_AXIS_LOG10,     /* log-scale bins of a positive quantity (train.h: RS_LOG10_BINS) */
    RS_AXIS_LOG2,      /* bin b: counts in [2^b, 2^(b+1)) (bin 0 also holds 0): 48 bins */
    RS_AXIS_KEPT,      /* the first train.keep_trajectories trials of a cell (at least 1) */
    RS_NAXES
} rs_axis_id;

const char *rs_axis_name(rs_axis_id a);
const char *rs_axis_description(rs_axis_id a);
int64_t rs_axis_length(rs_axis_id a, const rs_config *cfg, const rs_grid *g);
/* /grid/<name>: the bins' labels, len = rs_axis_length (the step numbers of the records,
 * else 0 .. len-1). */
void rs_axis_labels(rs_axis_id a, const rs_config *cfg, int64_t *labels, int64_t len);
/* The value a bin stands for in quantiles and means: b, or a log bin's centre. */
double rs_axis_bin_value(rs_axis_id a, int64_t b);

/* How a counter becomes a float array at output time. */
typedef enum {
    RS_DERIVE_NONE,
    RS_DERIVE_FRACTION, /* derived = count / trials, with <name>_lo, <name>_hi: 95% Wilson */
    RS_DERIVE_MEAN,     /* derived = sum / trials */
    RS_DERIVE_VALUES,   /* each int64 holds 1 + the IEEE-754 bits of one trial's float64 (0 =
                           no value): derived = those values, NaN where 0, same shape.  The
                           one rank that runs a trial writes its slot, so the sum over ranks
                           is exact */
    RS_DERIVE_QUANTILES,/* a series of histograms [first axis, second axis]: per bin of the
                           first axis, <derived>_q10, _q50, _q90 and _mean of the second
                           axis's bin values (rs_axis_bin_value) over the trials counted */
    RS_DERIVE_CLUSTER   /* a row of Σ over dataset draws of (count of the draw)², next to a row
                           `datasets`: <of>_cluster_lo, <of>_cluster_hi, the 95% interval of
                           <of>_fraction that allows for trials sharing a draw (rs_cluster_wilson) */
} rs_derive;

typedef struct rs_stat_def {
    const char *name;        /* dataset /stats/<name> */
    rs_axis_id axis[2];      /* bin axes after (a0, d1, n): none, one (a histogram) or two
                                (a per-cell series of histograms) */
    const char *description; /* what it counts */
    rs_derive derive;
    const char *derived;     /* name of the derived float array, or NULL */
    const char *of;          /* RS_DERIVE_CLUSTER: the fraction row whose per-draw counts it squares */
    const char *per;         /* RS_DERIVE_FRACTION: the row it is a fraction of (NULL: trials) */
} rs_stat_def;

/* Every table starts with this row: the sweep counts each finished trial in it. */
#define RS_STAT_TRIALS_ROW {.name = "trials", .description = "trials run"}
/* The rows of the cluster interval of full_rank_fraction (rs_stat_draw records them). */
#define RS_STAT_DRAWS_ROW                                                                               \
    {.name = "datasets", .description = "dataset draws the trials used (trials / `sweep.patterns_per_dataset`; " \
                                        "0 in exhaustive mode)"}
#define RS_STAT_FULL_SQ_ROW                                                                             \
    {.name = "full_rank_sq", .description = "Σ over dataset draws of (full_rank trials of the draw)²",         \
     .derive = RS_DERIVE_CLUSTER, .derived = "full_rank_cluster", .of = "full_rank"}
#define RS_STATS_MAX 32

typedef struct rs_stats {
    const rs_stat_def *defs;
    int ndefs, ncells;
    int64_t *buf;                    /* every stat, in table order */
    int64_t count;                   /* total int64s in buf */
    int64_t off[RS_STATS_MAX];       /* where stat k starts in buf */
    int64_t width[RS_STATS_MAX];     /* int64s per cell of stat k (product of its bins) */
    int64_t bins[RS_STATS_MAX][2];   /* its axis lengths (1 for no axis) */
    /* rs_stat_draw's tally of the dataset draw in progress on this rank (not reduced) */
    int draw_open, draw_cell;
    int64_t draw_id, draw_hits;
} rs_stats;

/* Zeroed accumulators for table defs over the grid.  0, or -1 (out of memory, or a table
 * that does not start with RS_STAT_TRIALS_ROW, has more than RS_STATS_MAX rows or names a
 * statistic like an axis: the axes are linked into /stats by name). */
int rs_stats_alloc(rs_stats *st, const rs_stat_def *defs, int ndefs, const rs_config *cfg, const rs_grid *g);
void rs_stats_free(rs_stats *st);
int rs_stats_find(const rs_stats *st, const char *name); /* row index, or -1 */

/* Stat k of cell c: width[k] int64s. */
static inline int64_t *rs_stat_cell(const rs_stats *st, int k, int c)
{
    return st->buf + st->off[k] + (int64_t)c * st->width[k];
}
static inline void rs_stat_add(rs_stats *st, int k, int c, int64_t v) { *rs_stat_cell(st, k, c) += v; }
/* One count in bin b (clamped to the last bin) of a one-axis histogram. */
static inline void rs_stat_bin(rs_stats *st, int k, int c, int64_t b)
{
    if (b < 0) b = 0;
    if (b >= st->width[k]) b = st->width[k] - 1;
    rs_stat_cell(st, k, c)[b]++;
}

/* Per-draw counts for the cluster interval: trial of dataset draw `draw` of cell c, hit or
 * not.  Adds 1 to row k_draws at a draw's first trial and (hits so far)·2 + 1 to row k_sq at
 * each hit, so k_sq sums the squares of the draws' hit counts.  Exact because the trials of
 * one draw run consecutively on one rank (units hold whole draws).  draw < 0: nothing to
 * cluster over (exhaustive mode), nothing recorded. */
void rs_stat_draw(rs_stats *st, int k_sq, int k_draws, int c, int64_t draw, int hit);

/* The invariants of whole statistics: no count negative, no counted fraction above the
 * trials of its cell, and (trials not NULL) every cell's trials equal trials[cell].  0, or
 * -1 with the first violation (statistic, cell) in why. */
int rs_stats_check(const rs_stats *st, const int64_t *trials, char *why, size_t len);

/* Collective over comm: every rank ends with the sums. Returns the MPI error code. */
int rs_stats_allreduce(rs_stats *st, MPI_Comm comm);

/* The derived value of stat k in cell c, with its 95% Wilson bounds for fractions (lo =
 * hi = value for means).  A cell without trials gives NaN for all three. */
void rs_stats_derived(const rs_stats *st, int k, int c, double *value, double *lo, double *hi);

/* Wilson score interval for k successes out of N at normal quantile z (1.96 for 95%).
 * N = 0 gives [0, 1]. */
void rs_wilson(int64_t k, int64_t N, double z, double *lo, double *hi);
#define RS_WILSON_Z95 1.959963984540054

/* The int64 that stores x for RS_DERIVE_VALUES, and back (NaN for 0).  x must not have
 * its sign bit set (a negative value would read as a negative count). */
int64_t rs_stat_value_code(double x);
double rs_stat_value_decode(int64_t code);

/* Quantiles (q in (0, 1)) and mean of the bin values of row `series` (first-axis bin b)
 * of stat k, cell c: the smallest bin value whose cumulative count reaches q of the
 * total.  NaN when the row is empty. */
double rs_stats_quantile(const rs_stats *st, int k, int c, int64_t series, double q);
double rs_stats_series_mean(const rs_stats *st, int k, int c, int64_t series);
/* Cluster-robust interval for K hits among N trials in G dataset draws with S = Σ_g k_g²:
 * the Wilson interval at the effective sample size N / deff, where the design effect deff
 * = var_cluster / var_binomial (var_cluster = G/(G−1) · (S − K²/G) / N², the cluster-robust
 * variance of K/N) is clamped to [1, N/G]; deff = N/G (the draws as the independent units)
 * when it cannot be estimated (G < 2, K = 0 or K = N).  G = 1 per trial gives Wilson.  N = 0
 * or G = 0 gives NaN. */
void rs_cluster_wilson(int64_t K, int64_t N, int64_t S, int64_t G, double z, double *lo, double *hi);

/* Markdown table of a statistics table (docs/hdf5-schema.md). */
void rs_stats_write_doc(FILE *out, const rs_stat_def *defs, int ndefs);

#endif
