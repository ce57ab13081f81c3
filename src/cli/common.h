/* common.h - small pieces shared by the subcommands (private). */
#ifndef RS_CLI_COMMON_H
#define RS_CLI_COMMON_H

#include <mpi.h>
#include <stddef.h>

#include "reluscape/config.h"
#include "reluscape/data.h"

/* Rank 0: may the output be written?  A non-empty file name, not a directory, not one of
 * the run's inputs (a NULL-terminated list: config, data file, parts), not existing (even
 * as a dangling symlink) unless force, and then a regular file, in a writable directory.
 * 0, or -1 with a message. */
int rs_cli_check_output(const char *path, int force, const char *const *inputs, char *err, size_t errlen);

/* This process's rank in comm; with comm = MPI_COMM_NULL (a command that runs without
 * MPI, cli.h) the launcher's rank from the environment (Open MPI, PMIx, SLURM, PMI), else
 * 0, so under mpiexec or srun one process still prints. */
int rs_cli_rank(MPI_Comm comm);

/* "reluscape ARGV..." for the command_line attribute; caller frees (NULL on OOM). */
char *rs_cli_command_line(int argc, char **argv);

/* Rank 0: the whole config file as a string (caller frees), or NULL with a message
 * (unreadable, larger than 64 MiB, not text). */
char *rs_cli_read_config(const char *path, char *err, size_t errlen);

/* Collective: rank 0's string (or NULL) on every rank; others get a malloc'd copy. */
char *rs_cli_bcast_string(char *s, MPI_Comm comm, int rank);

/* Collective: rank 0 reads the config file, every rank parses it with the --set
 * overrides; output (-o, may be NULL) replaces output.file.  1 when cfg was parsed (free it
 * with rs_config_free), 0 when not (the message printed on rank 0). */
int rs_cli_load_config(const char *path, int nset, char *const *set, const char *output, MPI_Comm comm, int rank,
                       rs_config *cfg);

/* Rank 0: data.file's data.dataset, checked against the grid, and its targets.dataset
 * when the run reads targets from it (targets.law = file, an active key).  0, or -1 with
 * a message naming the file, dataset and key. */
int rs_cli_load_data(const rs_config *cfg, const char *cfgname, rs_data_file *df, char *err, size_t errlen);

/* A loaded user dataset against the grid: d0 must be the file's columns, n at most its
 * rows.  0, or -1 with a message naming the key. */
int rs_cli_check_data_file(const rs_config *cfg, const char *cfgname, const rs_data_file *df, char *err,
                           size_t errlen);

#endif
