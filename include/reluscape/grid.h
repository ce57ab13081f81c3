/* grid.h - the grid of cells (d0 or d0_ratio) x d1 x n.  Local: every rank builds the
 * same grid from the same config.  The cost of a cell's trial is the experiment's
 * (experiment.h); the grid only knows geometry. */
#ifndef RELUSCAPE_GRID_H
#define RELUSCAPE_GRID_H

#include <stddef.h>
#include <stdint.h>
#include "reluscape/config.h"

typedef struct rs_cell {
    int i0, i1, in;      /* axis indices (d0 or d0_ratio, d1, n) */
    int d0, d1, n, p;    /* p = d0 + bias */
    uint64_t key;        /* random key word: depends on (d0, d1, n) only */
    double cost;         /* model flops of one trial (rs_experiment_set_costs) */
    int64_t trials;      /* trials of this cell: sweep.trials, or in exhaustive mode every
                            pattern (2^(d1 n)) or every non-empty region (rows^d1) */
} rs_cell;

typedef struct rs_grid {
    int n0, n1, nn;      /* axis lengths */
    int ratio_axis;      /* 1 if axis 0 is d0_ratio */
    int ncells;          /* n0 * n1 * nn, index = (i0 * n1 + i1) * nn + in */
    int max_n;
    int64_t max_P;       /* largest d1 * p */
    int exhaustive;      /* sweep.mode = exhaustive */
    rs_cell *cells;
} rs_grid;

#define RS_EXHAUSTIVE_MAX ((int64_t)1 << 34) /* patterns one cell may enumerate */

/* 0, or -1 with a message in err (e.g. too many cells, an exhaustive cell too large). */
int rs_grid_build(const rs_config *cfg, const char *cfgname, rs_grid *g, char *err, size_t errlen);
void rs_grid_free(rs_grid *g);
uint64_t rs_cell_key(int d0, int d1, int n);

#endif
