/* group.h - groups of ranks that share one trial (rank.group_size).
 *
 * rank.group_size = g splits the run's communicator into groups of g consecutive ranks
 * (the last group takes what is left over and may be smaller), each a BLACS process grid
 * as square as possible.  A group ranks one trial at a time with ScaLAPACK on
 * block-cyclic matrices.  Every member prepares the trial itself (data, pattern, checks,
 * neuron reduction: O(n (p + d1/64)) words, the same on every member because the streams
 * depend on (seed, cell, trial) only) and then generates only its own blocks of the Gram
 * matrix or of J', so no process ever holds a whole n x n or n x P matrix.
 *
 * The rank engine makes every decision as for one rank; the group is its backend
 * (rs_engine_rank_on, engine.h) for the heavy steps:
 *   certificates  pdpotrf of the shifted Gram matrix on the engine's rows and neurons;
 *   svd   the singular values of J' (pdgesvd) with the SVD rule;
 *   gram  the rank of G = (A'^T A') o (X~^T X~) with gram's threshold 2 (n + 1) u tr G:
 *         a shifted pdpotrf proves the cell bound, the column count (via J'^T J',
 *         pdsyrk) or n; otherwise the eigenvalues of G (pdsyev) are counted;
 *   exact steps (auto's undecided trials, rank.verify) on the group's first rank, which
 *         must hold them (footprint.h), shared with the others.
 * exact and qrcp have no distributed form.  rank.verify re-ranks a trial exactly on the
 * group's first rank when that fits in its memory, else the trial is not verified. */
#ifndef RELUSCAPE_GROUP_H
#define RELUSCAPE_GROUP_H

#include <stddef.h>
#include <stdint.h>
#include <mpi.h>

#include "reluscape/engine.h"

typedef struct rs_group {
    MPI_Comm comm;                  /* this rank's group */
    int size, rank;                 /* within the group */
    int index, count;               /* this group's number; number of groups */
    int ctxt;                       /* BLACS context, -1 if none */
    int nprow, npcol, myrow, mycol; /* process grid */
} rs_group;

/* The process grid for size ranks: nprow x npcol = size, nprow <= npcol, as square as
 * possible.  The block size of a k x k matrix on it (64, smaller for small k so that every
 * process holds blocks). */
void rs_blacs_shape(int size, int *nprow, int *npcol);
int rs_block_size(int k, int nprow, int npcol);
/* Rows (or columns) of a k-long block-cyclic dimension held by process coordinate iproc. */
int rs_local_extent(int k, int nb, int iproc, int nprocs);

/* Collective over comm: split into groups of g ranks, each with a BLACS grid.  g = 1
 * without grid: every rank alone (the serial engine); with grid: 1 x 1 grids (benchmarks).
 * 0, or -1 on every rank with a message in err. */
int rs_group_split(MPI_Comm comm, int g, int grid, rs_group *grp, char *err, size_t errlen);
void rs_group_free(rs_group *grp);


/* Buffers of one member, grown on demand; zero-initialise. */
typedef struct rs_group_work {
    double *mat, *tile, *work;
    size_t mat_cap, tile_cap, work_cap;
    int *points;
    size_t points_cap;
    rs_engine_work ew; /* the engine's own buffers (cell bound, exact rank on the first rank) */
} rs_group_work;

/* Collective over grp->comm: the rank of pb, which every member prepared identically
 * (rs_trial_prepare).  exact_fits: the group's first rank may run the exact rank (auto's
 * undecided trials, rank.verify).  Returns 0, or -1 with a message in err (out of memory,
 * a non-finite Gram matrix, a ScaLAPACK info), the same on every member. */
int rs_group_rank(const rs_group *grp, rs_group_form m, const rs_engine *e, const rs_rank_problem *pb,
                  int exact_fits, rs_group_work *w, rs_rank_result *res, char *err, size_t errlen);
void rs_group_work_free(rs_group_work *w);

#endif
