/* main.c - the reluscape program: MPI (when the command needs it) around the library's rs_main. */
#include "config.h"

#include <mpi.h>
#include <stdlib.h>
#include <unistd.h>

#include "reluscape/cli.h"

int main(int argc, char **argv)
{
#if HAVE_OPENBLAS && defined(__linux__)
    /* OpenBLAS reads its thread count when it is loaded, before main, and with more than
     * one its idle threads then spin after BLAS calls (about as much CPU again as the
     * sweep, on a core another rank needs), whatever openblas_set_num_threads says later.
     * So one BLAS thread per rank goes into the environment and the program starts again,
     * once; if that fails it goes on (rs_main still sets one thread). */
    if (!getenv("OPENBLAS_NUM_THREADS") && !getenv("OMP_NUM_THREADS") && setenv("OPENBLAS_NUM_THREADS", "1", 1) == 0 &&
        setenv("RELUSCAPE_BLAS_THREADS_SET", "1", 1) == 0)
        execv("/proc/self/exe", argv);
#endif
    /* report, info and help need no MPI: skip its start-up (a large part of a short job) */
    if (!rs_needs_mpi(argc, argv)) return rs_main(argc, argv, MPI_COMM_NULL);
    MPI_Init(&argc, &argv);
    int rc = rs_main(argc, argv, MPI_COMM_WORLD);
    MPI_Finalize();
    return rc;
}
