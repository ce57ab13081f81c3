/* group.c - groups of ranks that share one trial: the split of the communicator and each
 * group's BLACS process grid (group.h). */
#include <string.h>

#include "reluscape/group.h"
#include "scalapack.h"
#include "util.h"

void rs_blacs_shape(int size, int *nprow, int *npcol)
{
    int r = 1;
    for (int d = 1; d * d <= size; d++)
        if (size % d == 0) r = d;
    *nprow = r;
    *npcol = size / r;
}

int rs_block_size(int k, int nprow, int npcol)
{
    /* 64 suits ScaLAPACK's level-3 kernels; a small matrix gets smaller blocks so that it
     * is still spread over every process of the grid (at least two blocks each way) */
    int most = nprow > npcol ? nprow : npcol, nb = k / (2 * most);
    return nb > 64 ? 64 : nb < 1 ? 1 : nb;
}

int rs_local_extent(int k, int nb, int iproc, int nprocs)
{
    const int zero = 0;
    return numroc_(&k, &nb, &iproc, &zero, &nprocs);
}

int rs_group_split(MPI_Comm comm, int g, int grid, rs_group *grp, char *err, size_t errlen)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    memset(grp, 0, sizeof *grp);
    grp->ctxt = -1;
    if (g < 1) g = 1;
    if (g == 1 && !grid) {
        grp->comm = MPI_COMM_SELF;
        grp->size = 1;
        grp->index = rank;
        grp->count = size;
        return 0;
    }
    grp->index = rank / g;
    grp->count = (size + g - 1) / g;
    RS_MPI_CHECK(MPI_Comm_split(comm, grp->index, rank, &grp->comm));
    MPI_Comm_rank(grp->comm, &grp->rank);
    MPI_Comm_size(grp->comm, &grp->size);
    rs_blacs_shape(grp->size, &grp->nprow, &grp->npcol);
    int ctxt = Csys2blacs_handle(grp->comm);
    Cblacs_gridinit(&ctxt, "Row", grp->nprow, grp->npcol);
    int nprow = 0, npcol = 0;
    Cblacs_gridinfo(ctxt, &nprow, &npcol, &grp->myrow, &grp->mycol);
    int bad = nprow != grp->nprow || npcol != grp->npcol || grp->myrow < 0 || grp->mycol < 0;
    if (!bad) grp->ctxt = ctxt;
    if (rs_any_true(bad, comm)) {
        RS_FMT(err, errlen, "BLACS could not make a %d x %d process grid for a group of %d ranks",
               grp->nprow, grp->npcol, grp->size);
        rs_group_free(grp);
        return -1;
    }
    return 0;
}

void rs_group_free(rs_group *grp)
{
    if (grp->ctxt >= 0) Cblacs_gridexit(grp->ctxt);
    if (grp->comm != MPI_COMM_NULL && grp->comm != MPI_COMM_SELF && grp->comm != MPI_COMM_WORLD)
        MPI_Comm_free(&grp->comm);
    memset(grp, 0, sizeof *grp);
    grp->comm = MPI_COMM_NULL;
    grp->ctxt = -1;
}

