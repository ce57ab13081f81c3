/* experiment.h - what a trial measures (experiment.kind), behind one small interface.
 *
 * Every experiment reuses what surrounds a trial unchanged: the grid, the counter-based
 * streams, the prepared trial (rs_trial_prepare: data, pattern, v), the dynamic scheduler,
 * checkpoint/resume, shards and merge, the exact int64 reduction, the HDF5 writer and
 * report.  Those know an experiment only through this struct.  A new experiment is one
 * module (src/exp_NAME.c) and one line in experiment.c's registry; its counters and
 * histograms are rows of its statistics table (stats.h), its keys rows of config.c's option
 * table in its own [section].  docs/CONVENTIONS.md says where everything goes.
 *
 * Per-cell series (for example a quantity at recorded training steps) are histograms with
 * two bin axes (step, value bin): exact integer counts, so they reduce like the rest. */
#ifndef RELUSCAPE_EXPERIMENT_H
#define RELUSCAPE_EXPERIMENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "reluscape/config.h"
#include "reluscape/grid.h"
#include "reluscape/group.h"
#include "reluscape/stats.h"
#include "reluscape/trial.h"

/* A heatmap `report` can draw: the shade of a cell in [0, 1]. */
typedef enum {
    RS_VIEW_FLOAT,     /* a derived float dataset, already in [0, 1] */
    RS_VIEW_PER_N,     /* a derived mean divided by n */
    RS_VIEW_PER_TRIAL  /* a count divided by trials */
} rs_view_kind;
typedef struct rs_report_view {
    const char *name; /* dataset in /stats */
    rs_view_kind kind;
    const char *label;
} rs_report_view;

/* What a group trial (rank.group_size > 1) may use: the group and its buffers. */
typedef struct rs_group_env {
    const rs_group *grp;
    rs_group_form form;
    rs_group_work *gwork;
    double mem; /* bytes a rank may use */
} rs_group_env;

typedef struct rs_experiment {
    const char *name, *help;
    const rs_stat_def *stats; /* its statistics table; stats[0] is RS_STAT_TRIALS_ROW */
    int nstats;
    const rs_report_view *views; /* report's heatmaps; the first is the default */
    int nviews;
    const char *sections;     /* config sections only this experiment reads, "a,b" or "" */
    int draws_v;              /* needs the output weights v whatever rank.method says */
    /* Cross-key validation of the config (NULL: none).  0, or -1 with the offending key in
     * *key and what is wrong in why (config.c adds where the key was set). */
    int (*check)(const rs_config *cfg, const char **key, char *why, size_t len);
    /* One trial of cell ci: measure and record into st (not stat 0: the sweep counts
     * the trial).  Local.  0, or -1 with a message in err. */
    int (*trial)(const rs_trial_setup *ts, const rs_cell *cell, int ci, int64_t t, rs_trial_work *w,
                 rs_stats *st, char *err, size_t errlen);
    /* The same on every member of a group (rank.group_size > 1); st is NULL except on
     * the group's first rank.  NULL: the experiment runs on single ranks only. */
    int (*group_trial)(const rs_trial_setup *ts, const rs_cell *cell, int ci, int64_t t, rs_trial_work *w,
                       const rs_group_env *env, rs_stats *st, char *err, size_t errlen);
    /* Model flops of one trial: orders and sizes the work units; plan fits time to it. */
    double (*cost)(const rs_config *cfg, const rs_cell *c);
    /* Bytes one rank holds for a trial with g ranks per group (footprint.h). */
    double (*bytes)(const rs_config *cfg, const rs_cell *c, int g);
} rs_experiment;

/* Registry.  NULL if unknown. */
const rs_experiment *rs_experiment_lookup(const char *name);
const char *rs_experiment_names(void); /* "rank|..." */
int rs_experiment_count(void);
const rs_experiment *rs_experiment_at(int i);
/* Add an experiment for this process (tests: a toy experiment).  0, or -1 if full or the
 * name is taken.  Not thread-safe; call before parsing configs. */
int rs_experiment_register(const rs_experiment *e);

/* Local: rs_trial_setup_init for the configured experiment (ts->exp), which may need the
 * output weights v drawn whatever rank.method says.  0, or -1 with a message. */
int rs_experiment_setup(rs_trial_setup *ts, const rs_config *cfg, const rs_data_spec *data, char *err,
                        size_t errlen);

/* Local: cell costs from the experiment's model. */
void rs_experiment_set_costs(const rs_experiment *e, const rs_config *cfg, rs_grid *g);

/* int64s in the statistics of e over the grid (its memory / 8). */
int64_t rs_stats_count(const rs_experiment *e, const rs_config *cfg, const rs_grid *g);

/* The statistics tables of every experiment as Markdown (docs/hdf5-schema.md). */
void rs_experiment_write_doc(FILE *out);

/* Regression targets of the experiments that fit y (minima, train): y of trial t's
 * dataset (targets.law), drawn once for the trials that share the dataset. */
typedef struct rs_targets_cache {
    double *y;
    size_t cap;
    const rs_cell *cell; /* which (cell, dataset) y holds */
    int64_t dataset;
} rs_targets_cache;
/* Local.  y, or NULL (out of memory, or no targets for the file's rows). */
const double *rs_experiment_targets(const rs_trial_setup *ts, const rs_cell *cell, int64_t t, const double *xt,
                                    rs_targets_cache *c);
void rs_targets_cache_free(rs_targets_cache *c);
/* The check of the [targets] keys: targets.law = file needs data.law = file. */
int rs_experiment_check_targets(const rs_config *cfg, const char **key, char *why, size_t len);

/* The experiments of the library. */
extern const rs_experiment rs_experiment_rank;
extern const rs_experiment rs_experiment_minima;
extern const rs_experiment rs_experiment_train;

#endif
