/* main.c - the reluscape program: MPI (when the command needs it) around the library's rs_main. */
#include "config.h"

#include <mpi.h>

#include "reluscape/cli.h"

int main(int argc, char **argv)
{
    rs_blas_environment(argv);
    /* report, info and help need no MPI: skip its start-up (a large part of a short job) */
    if (!rs_needs_mpi(argc, argv)) return rs_main(argc, argv, MPI_COMM_NULL);
    MPI_Init(&argc, &argv);
    int rc = rs_main(argc, argv, MPI_COMM_WORLD);
    MPI_Finalize();
    return rc;
}
