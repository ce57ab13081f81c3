/* footprint.h - the memory one rank needs for a trial, and the memory a rank may use.
 *
 * The model counts every buffer the trial kernel grows (rs_trial_work, rs_engine_work,
 * rs_group_work and the LAPACK/ScaLAPACK workspaces), so a run can refuse a grid before
 * any work starts instead of failing hours into it. */
#ifndef RELUSCAPE_FOOTPRINT_H
#define RELUSCAPE_FOOTPRINT_H

#include <stddef.h>
#include <stdint.h>
#include <mpi.h>

#include "reluscape/config.h"
#include "reluscape/grid.h"

/* Bytes one rank holds for a trial of cell c when g ranks share it (g = 1: the serial
 * engine).  With g > 1 this is the group's first rank, the largest share. */
double rs_trial_bytes(const rs_config *cfg, const rs_cell *c, int g);
/* The distributed part alone: g ranks on a BLACS grid (g = 1: a 1 x 1 grid). */
double rs_group_trial_bytes(const rs_config *cfg, const rs_cell *c, int g);
/* Bytes of the exact rank of one trial on one rank (auto's undecided trials, rank.verify). */
double rs_exact_bytes(const rs_cell *c);

/* Collective over comm: rank.mem_per_rank = auto.  SLURM's SLURM_MEM_PER_CPU (times
 * SLURM_CPUS_PER_TASK) or SLURM_MEM_PER_NODE, else the node's physical memory, divided by
 * the ranks on the node; the minimum over all ranks.  *source names where it came from. */
int64_t rs_mem_per_rank_auto(MPI_Comm comm, const char **source);

/* Local: 0 if every cell of the grid fits mem bytes per rank in groups of
 * min(rank.group_size, nranks) ranks by the experiment's model bytes (rs_trial_bytes for
 * rank); else -1 with a message naming the cell, the size it needs and the smallest
 * group_size that fits. */
typedef double (*rs_bytes_fn)(const rs_config *cfg, const rs_cell *c, int g);
int rs_memory_check(const rs_config *cfg, const rs_grid *g, rs_bytes_fn bytes, int nranks, int64_t mem,
                    const char *cfgname, char *err, size_t errlen);

#endif
