/* provenance.c - what built this binary and where it runs. */
#include "config.h"

#include <glpk.h>
#include <hdf5.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gitdescribe.h"
#include "provenance.h"
#include "util.h"

#if HAVE_OPENBLAS
char *openblas_get_config(void);
#endif

static void set(rs_fact *f, const char *key, const char *value)
{
    f->key = key;
    RS_FMT(f->value, sizeof f->value, "%s", value ? value : "");
}

void rs_provenance_collect(rs_fact facts[RS_NFACTS])
{
    char buf[MPI_MAX_LIBRARY_VERSION_STRING + 64];
    int k = 0, len = 0;
    set(&facts[k++], "version", PACKAGE_VERSION);
    set(&facts[k++], "git_describe", RS_GIT_DESCRIBE);
#ifdef __VERSION__
    set(&facts[k++], "compiler", "gcc-compatible " __VERSION__);
#else
    set(&facts[k++], "compiler", "unknown");
#endif
    set(&facts[k++], "cflags", RS_CONFIGURE_CFLAGS);
    MPI_Get_library_version(buf, &len);
    char *nl = strchr(buf, '\n');
    if (nl) *nl = '\0';
    set(&facts[k++], "mpi_version", buf);
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    RS_FMT(buf, sizeof buf, "%u.%u.%u (parallel)", maj, min, rel);
    set(&facts[k++], "hdf5_version", buf);
#if HAVE_OPENBLAS
    set(&facts[k++], "lapack", openblas_get_config());
#else
    set(&facts[k++], "lapack", "LAPACKE on a generic BLAS");
#endif
    set(&facts[k++], "glpk_version", glp_version());
    set(&facts[k++], "random123", "Random123 Threefry4x64-20 (header-only; AVX-512/AVX2 kernels with the same bits); normals by a 256-layer ziggurat");
    if (gethostname(buf, sizeof buf) != 0) RS_FMT(buf, sizeof buf, "unknown");
    buf[sizeof buf - 1] = '\0';
    set(&facts[k++], "host", buf);
    set(&facts[k++], "slurm_job_id", getenv("SLURM_JOB_ID"));
    set(&facts[k++], "slurm_array_job_id", getenv("SLURM_ARRAY_JOB_ID"));
    set(&facts[k++], "slurm_array_task_id", getenv("SLURM_ARRAY_TASK_ID"));
    set(&facts[k++], "slurm_cluster_name", getenv("SLURM_CLUSTER_NAME"));
}

void rs_iso8601_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
