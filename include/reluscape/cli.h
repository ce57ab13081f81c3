/* cli.h - the reluscape program as a function, callable on any communicator
 * (tests run it in-process on MPI_COMM_SELF).  MPI must be initialised, except for the
 * commands that need no MPI (rs_needs_mpi = 0: report, info, --help, --version), which
 * take comm = MPI_COMM_NULL and then do not pay MPI's start-up. */
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

/* 0 if argv asks for a command that runs without MPI. */
int rs_needs_mpi(int argc, char **argv);
/* Put what OpenBLAS needs into the environment and start the program again (once) when it
 * was missing: one BLAS thread per rank, and on a CPU OpenBLAS does not know, kernels for
 * its instruction set (cli/main.c).  Call first in main, before MPI. */
void rs_blas_environment(char **argv);

/* Collective over comm. Returns an rs_exit code, the same on every rank. */
int rs_main(int argc, char **argv, MPI_Comm comm);
int rs_cmd_run(int argc, char **argv, MPI_Comm comm);
int rs_cmd_merge(int argc, char **argv, MPI_Comm comm);
int rs_cmd_plan(int argc, char **argv, MPI_Comm comm);
int rs_cmd_report(int argc, char **argv, MPI_Comm comm);
int rs_cmd_info(int argc, char **argv, MPI_Comm comm);
int rs_cmd_analyse(int argc, char **argv, MPI_Comm comm);

#endif
