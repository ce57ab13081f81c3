/* util.h - private helpers shared by the library's modules (never installed). */
#ifndef RS_UTIL_H
#define RS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <mpi.h>

#define RS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* snprintf into a fixed buffer; truncation is harmless for messages. */
#define RS_FMT(buf, len, ...) ((void)snprintf((buf), (len), __VA_ARGS__))

/* Fatal MPI check: print the MPI error string with file:line and abort every rank.
 * Used only where a failure means the communicator itself is broken. */
#define RS_MPI_CHECK(call)                                                      \
    do {                                                                        \
        int rs_mpi_rc_ = (call);                                                \
        if (rs_mpi_rc_ != MPI_SUCCESS) rs_mpi_fail(rs_mpi_rc_, #call, __FILE__, __LINE__); \
    } while (0)
void rs_mpi_fail(int rc, const char *what, const char *file, int line);

/* Collective: 1 on every rank if `flag` is non-zero on any rank.  Lets ranks that reach
 * different local decisions fail together instead of hanging. */
int rs_any_true(int flag, MPI_Comm comm);

/* Allocation that is zeroed; NULL on overflow or OOM. */
void *rs_calloc(size_t count, size_t size);

/* Grow *buf (capacity *cap elements) to hold count elements of size bytes; contents kept.
 * 0, or -1 on overflow or OOM (the old buffer stays valid). */
int rs_reserve(void **buf, size_t *cap, size_t count, size_t size);

/* A value and its index, sorted by rs_cmp_keyed: by value, ties by index (a stable, total
 * order for qsort). */
typedef struct rs_keyed {
    double x;
    int i;
} rs_keyed;
int rs_cmp_keyed(const void *a, const void *b);

/* CPU features the fast kernels need.  rs_cpu_has is 1 if the CPU has the feature and
 * the portable kernels are not forced: RELUSCAPE_GENERIC_KERNELS=1 in the environment (read
 * once) or rs_cpu_force_generic(1) makes every dispatch take its generic path, and
 * RELUSCAPE_GENERIC_KERNELS=avx2 only the AVX-512 ones (their AVX2 path), so the tests can
 * run code that these machines would never take.  Results never depend on it. */
enum { RS_CPU_AVX2, RS_CPU_POPCNT, RS_CPU_AVX512 };
int rs_cpu_has(int feature);
void rs_cpu_force_generic(int on);

/* Registries of names: the index of name in names[count] (-1 if absent or NULL), and the
 * names joined with '|' into buf (returned). */
int rs_name_index(const char *const *names, int count, const char *name);
const char *rs_names_join(const char *const *names, int count, char *buf, size_t len);

#endif
