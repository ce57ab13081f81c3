/* util.c - private helpers shared by the library's modules (util.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/log.h"
#include "util.h"

void rs_mpi_fail(int rc, const char *what, const char *file, int line)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    rs_error("%s:%d: %s failed: %s", file, line, what, msg);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

int rs_any_true(int flag, MPI_Comm comm)
{
    int local = flag != 0, any = 0;
    RS_MPI_CHECK(MPI_Allreduce(&local, &any, 1, MPI_INT, MPI_LOR, comm));
    return any;
}

int rs_reserve(void **buf, size_t *cap, size_t count, size_t size)
{
    if (count <= *cap && *buf) return 0;
    if (size && count > SIZE_MAX / size) return -1;
    void *nb = realloc(*buf, (count ? count : 1) * size);
    if (!nb) return -1;
    *buf = nb;
    *cap = count;
    return 0;
}

void *rs_calloc(size_t count, size_t size)
{
    if (count == 0 || size == 0) return calloc(1, 1);
    if (count > SIZE_MAX / size) return NULL;
    return calloc(count, size);
}

int rs_name_index(const char *const *names, int count, const char *name)
{
    if (!name) return -1;
    for (int k = 0; k < count; k++)
        if (!strcmp(name, names[k])) return k;
    return -1;
}

const char *rs_names_join(const char *const *names, int count, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int k = 0; k < count; k++) {
        size_t used = strlen(buf);
        RS_FMT(buf + used, len - used, "%s%s", k ? "|" : "", names[k]);
    }
    return buf;
}

int rs_cmp_keyed(const void *a, const void *b)
{
    const rs_keyed *u = a, *v = b;
    if (u->x != v->x) return u->x < v->x ? -1 : 1;
    return (u->i > v->i) - (u->i < v->i);
}

static int force_generic = -1; /* -1: not yet read from the environment; 2: AVX-512 only */

void rs_cpu_force_generic(int on) { force_generic = on != 0; }

int rs_cpu_has(int feature)
{
    if (force_generic < 0) {
        const char *e = getenv("RELUSCAPE_GENERIC_KERNELS");
        force_generic = !e || !*e || !strcmp(e, "0") ? 0 : !strcmp(e, "avx2") ? 2 : 1;
    }
    if (force_generic == 1 || (force_generic == 2 && feature == RS_CPU_AVX512)) return 0;
#if defined(__x86_64__) && defined(__GNUC__)
    switch (feature) {
    case RS_CPU_AVX2: return __builtin_cpu_supports("avx2") != 0;
    case RS_CPU_POPCNT: return __builtin_cpu_supports("popcnt") != 0;
    case RS_CPU_AVX512: return __builtin_cpu_supports("avx512f") != 0;
    }
#endif
    (void)feature;
    return 0;
}
