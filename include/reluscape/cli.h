/* cli.h - the reluscape program as a function, callable on any communicator
 * (tests run it in-process on MPI_COMM_SELF).  MPI must be initialised. */
#ifndef RELUSCAPE_CLI_H
#define RELUSCAPE_CLI_H

#include <mpi.h>

/* Exit codes shared by every subcommand. */
enum rs_exit {
    RS_EXIT_OK = 0,
    RS_EXIT_FAILURE = 1,  /* runtime failure (I/O, library error) */
    RS_EXIT_USAGE = 2,    /* bad command line, config or input: nothing written */
    RS_EXIT_CHECKPOINTED = 3 /* stopped by a signal after writing a checkpoint: --resume */
};

/* Collective over comm. Returns an rs_exit code, the same on every rank. */
int rs_main(int argc, char **argv, MPI_Comm comm);
int rs_cmd_run(int argc, char **argv, MPI_Comm comm);
int rs_cmd_merge(int argc, char **argv, MPI_Comm comm);
int rs_cmd_plan(int argc, char **argv, MPI_Comm comm);
int rs_cmd_report(int argc, char **argv, MPI_Comm comm);
int rs_cmd_info(int argc, char **argv, MPI_Comm comm);

#endif
