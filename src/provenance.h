/* provenance.h - build and run facts recorded in every output file and printed by
 * `reluscape info` (private header). */
#ifndef RS_PROVENANCE_H
#define RS_PROVENANCE_H

#include <stddef.h>

typedef struct rs_fact {
    const char *key;
    char value[512];
} rs_fact;

enum { RS_NFACTS = 14 };

/* Fill facts[RS_NFACTS]: version, git_describe, compiler, cflags, mpi_version,
 * hdf5_version, lapack, glpk_version, random123, host, slurm ids.  Local. */
void rs_provenance_collect(rs_fact facts[RS_NFACTS]);

/* Current UTC time as ISO 8601. */
void rs_iso8601_now(char *buf, size_t len);

#endif
