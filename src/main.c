/* main.c - the reluscape program: MPI around the library's rs_main. */
#include <mpi.h>

#include "reluscape/cli.h"

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rc = rs_main(argc, argv, MPI_COMM_WORLD);
    MPI_Finalize();
    return rc;
}
