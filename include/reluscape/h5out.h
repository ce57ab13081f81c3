/* h5out.h - the HDF5 result file (schema in docs/hdf5-schema.md), written by rank 0 with
 * serial HDF5 (every rank holds the reduced statistics).  Written to "<path>.partial" and
 * renamed to <path> only after the attribute complete = 1 is on disk and the file is
 * closed, so a file named <path> is always whole. */
#ifndef RELUSCAPE_H5OUT_H
#define RELUSCAPE_H5OUT_H

#include <mpi.h>
#include "reluscape/config.h"
#include "reluscape/stats.h"
#include "reluscape/sweep.h"

#define RS_SCHEMA_VERSION 2 /* 2: CF attributes, typed settings, NaN for cells without trials */

/* Run facts recorded as root attributes (every rank passes the same values); build
 * facts (versions, host, SLURM ids) are added by the writer from rank 0. */
typedef struct rs_provenance {
    const char *command_line;
    const char *config_text;
    const char *created;   /* ISO 8601 UTC */
    int nranks;
    long long shard_index, shard_count; /* --shard i/N; 0/1 for a whole run */
    const char **merged_parts;          /* merge: the parts in shard order (rank 0), else NULL */
    int nmerged;
} rs_provenance;

/* Collective over comm (rank 0 writes, all agree).  0 on every rank, or -1 on every rank
 * after rank 0 printed what failed (the file and the cause); nothing is left behind. */
int rs_h5_write(const char *path, const rs_config *cfg, const rs_grid *g, const rs_stats *st,
                const rs_run_report *rep, const rs_provenance *prov, MPI_Comm comm);

#endif
