/* data.c - dataset draws X~ (p x n column-major, p = d0 + bias) and HDF5 user datasets.
 *
 * Draw order (part of the reproducibility contract): columns i = 0..n-1 outer, the d0
 * coordinates of a column inner, all from stream RS_STREAM_DATA with trial = dataset. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>

#include "reluscape/data.h"
#include "util.h"

static const char *const rs_data_law_names[] = {
    [RS_DATA_GAUSSIAN] = "gaussian",
    [RS_DATA_UNIFORM] = "uniform",
    [RS_DATA_UNIFORM01] = "uniform01",
    [RS_DATA_SPHERE] = "sphere",
    [RS_DATA_FILE] = "file",
};
#define RS_DATA_NLAWS ((int)(sizeof rs_data_law_names / sizeof rs_data_law_names[0]))

int rs_data_law_from_name(const char *name) { return rs_name_index(rs_data_law_names, RS_DATA_NLAWS, name); }

const char *rs_data_law_names_list(void)
{
    static char names[96];
    return names[0] ? names : rs_names_join(rs_data_law_names, RS_DATA_NLAWS, names, sizeof names);
}

const char *rs_data_law_name(rs_data_law law)
{
    return (int)law >= 0 && (int)law < RS_DATA_NLAWS ? rs_data_law_names[law] : "unknown";
}

/* ---------------------------------------------------------------- synthetic laws */

/* Fill x[0..d0) with one point of the law. */
static void draw_point(rs_data_law law, int d0, rs_stream *s, double *x)
{
    switch (law) {
    case RS_DATA_UNIFORM:
        /* 2u - 1 with u on the open midpoint grid: exact and strictly inside (-1,1) */
        for (int r = 0; r < d0; r++)
            x[r] = 2.0 * rs_uniform_open01(s) - 1.0;
        break;
    case RS_DATA_UNIFORM01:
        for (int r = 0; r < d0; r++)
            x[r] = rs_uniform01(s);
        break;
    case RS_DATA_GAUSSIAN:
    case RS_DATA_SPHERE:
    case RS_DATA_FILE:
        break; /* handled by draw_gaussian and draw_file */
    }
}

/* |x|^2 as eight partial sums, coordinate r into sum r mod 8, then added pairwise: eight
 * independent chains of additions instead of one d0 long (draw order version 8); then x
 * scaled by 1 / |x|. */
static inline double pairwise8(const double part[8])
{
    return ((part[0] + part[4]) + (part[1] + part[5])) + ((part[2] + part[6]) + (part[3] + part[7]));
}

static void sphere_scale(double *x, int d0)
{
    double part[8] = {0.0};
    int r = 0;
    for (; r + 8 <= d0; r += 8)
        for (int l = 0; l < 8; l++) part[l] += x[r + l] * x[r + l];
    for (int l = 0; r < d0; r++, l++) part[l] += x[r] * x[r];
    const double inv = 1.0 / sqrt(pairwise8(part));
    for (r = 0; r < d0; r++) x[r] *= inv;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* The same with the eight partial sums as the lanes of one register: lane l adds the
 * products of coordinates r = l mod 8 in order, the tail's missing lanes add 0 (a sum of
 * squares is never -0, so + 0 changes nothing), then the same pairwise sum and products.
 * Two points x and y at once: their sums are independent chains of adds, where one point
 * alone waits on each add of its own. */
__attribute__((target("avx512f"))) static void sphere_scale2_avx512(double *x, double *y, int d0)
{
    __m512d ax = _mm512_setzero_pd(), ay = _mm512_setzero_pd();
    for (int r = 0; r < d0; r += 8) {
        const __mmask8 m = d0 - r >= 8 ? 0xff : (__mmask8)((1u << (d0 - r)) - 1);
        const __m512d u = _mm512_maskz_loadu_pd(m, x + r), v = _mm512_maskz_loadu_pd(m, y + r);
        ax = _mm512_add_pd(ax, _mm512_mul_pd(u, u));
        ay = _mm512_add_pd(ay, _mm512_mul_pd(v, v));
    }
    double px[8], py[8];
    _mm512_storeu_pd(px, ax);
    _mm512_storeu_pd(py, ay);
    const __m512d ix = _mm512_set1_pd(1.0 / sqrt(pairwise8(px))), iy = _mm512_set1_pd(1.0 / sqrt(pairwise8(py)));
    for (int r = 0; r < d0; r += 8) {
        const __mmask8 m = d0 - r >= 8 ? 0xff : (__mmask8)((1u << (d0 - r)) - 1);
        _mm512_mask_storeu_pd(x + r, m, _mm512_mul_pd(_mm512_maskz_loadu_pd(m, x + r), ix));
        _mm512_mask_storeu_pd(y + r, m, _mm512_mul_pd(_mm512_maskz_loadu_pd(m, y + r), iy));
    }
}
#endif

/* All n points of N(0, I_d0), or of the uniform law on the sphere: the n d0 normals in
 * one bulk draw (the same numbers as n d0 rs_normal calls), packed at the front of xt and
 * then spread to stride p from the last point down (a point never overwrites one not yet
 * moved).  A standard Gaussian vector is rotation invariant: normalised, it is uniform on
 * the sphere; rs_normal is never 0, so the norm is never 0. */
static void draw_gaussian(int sphere, int d0, int n, int p, rs_stream *s, double *xt)
{
    rs_normal_fill(s, xt, (size_t)n * (size_t)d0);
    for (int i = n - 1; i >= 0; i--) memmove(xt + (size_t)i * p, xt + (size_t)i * d0, (size_t)d0 * sizeof *xt);
    if (!sphere) return;
    int i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    if (d0 >= 8 && rs_cpu_has(RS_CPU_AVX512))
        for (; i + 2 <= n; i += 2) sphere_scale2_avx512(xt + (size_t)i * p, xt + (size_t)(i + 1) * p, d0);
#endif
    for (; i < n; i++) sphere_scale(xt + (size_t)i * p, d0);
}

/* All n points of U[0,1)^d0 from bulk draws: the same words in the same order as
 * draw_point's rs_uniform01 calls, and the same map.  Each buffer of words is converted in
 * runs that stay within one point's row, so the inner loop is a straight one. */
static void draw_uniform01(int d0, int n, int p, rs_stream *s, double *xt)
{
    uint64_t u[512];
    double f[512];
    size_t left = (size_t)n * (size_t)d0, i = 0, r = 0; /* the next word is point i's coordinate r */
    while (left) {
        const size_t len = left < 512 ? left : 512;
        rs_next_u64_fill(s, u, len);
        if (d0 >= 8) rs_u64_to_01_fill(u, f, len); /* a vector pass pays off on long points only */
        left -= len;
        for (size_t t = 0; t < len;) {
            const size_t run = len - t < (size_t)d0 - r ? len - t : (size_t)d0 - r;
            double *x = xt + i * (size_t)p + r;
            if (d0 >= 8)
                for (size_t k = 0; k < run; k++) x[k] = f[t + k];
            else
                for (size_t k = 0; k < run; k++) x[k] = rs_u64_to_01(u[t + k]);
            t += run, r += run;
            if (r == (size_t)d0) r = 0, i++;
        }
    }
}

/* ---------------------------------------------------------------- file law */

/* Uniform random n-subset of [0, n_total) in uniformly random order: Floyd's algorithm
 * (n draws, no O(n_total) index array) for the set, then a Fisher-Yates shuffle of the
 * chosen indices because Floyd's insertion order is not itself uniform.  The membership
 * bitmap is n_total/8 bytes.  Returns 0 or -1 (out of memory). */
static int choose_subset(int64_t n_total, int n, rs_stream *s, int64_t *pick)
{
    uint64_t *seen = calloc((size_t)(n_total + 63) / 64, sizeof *seen);
    if (!seen)
        return -1;
    int m = 0;
    for (int64_t j = n_total - n; j < n_total; j++) {
        int64_t t = (int64_t)rs_uniform_index(s, (uint64_t)j + 1);
        if (seen[t / 64] >> (t % 64) & 1)
            t = j; /* j itself cannot have been chosen yet */
        seen[t / 64] |= (uint64_t)1 << (t % 64);
        pick[m++] = t;
    }
    free(seen);
    for (int k = n - 1; k > 0; k--) {
        int r = (int)rs_uniform_index(s, (uint64_t)k + 1);
        int64_t tmp = pick[k];
        pick[k] = pick[r];
        pick[r] = tmp;
    }
    return 0;
}

/* The rows of dataset draw `dataset` (malloc'd, n of them), or NULL. */
static int64_t *file_pick(const rs_data_file *f, int d0, int n, uint64_t seed, uint64_t cell, uint64_t dataset)
{
    if (!f || !f->rows || f->d0 != d0 || (int64_t)n > f->n_total)
        return NULL;
    int64_t *pick = malloc((size_t)(n > 0 ? n : 1) * sizeof *pick);
    if (!pick)
        return NULL;
    rs_stream s;
    rs_stream_init(&s, seed, cell, dataset, RS_STREAM_SUBSET);
    if (choose_subset(f->n_total, n, &s, pick) != 0) {
        free(pick);
        return NULL;
    }
    return pick;
}

static int draw_file(const rs_data_file *f, int d0, int n, int p, uint64_t seed,
                     uint64_t cell, uint64_t dataset, double *xt)
{
    int64_t *pick = file_pick(f, d0, n, seed, cell, dataset);
    if (!pick)
        return -1;
    for (int i = 0; i < n; i++)
        memcpy(xt + (size_t)i * p, f->rows + (size_t)pick[i] * d0, (size_t)d0 * sizeof *xt);
    free(pick);
    return 0;
}

int rs_data_draw_targets(const rs_data_spec *spec, int d0, int n, uint64_t seed, uint64_t cell, uint64_t dataset,
                         double *y)
{
    if (!spec || spec->law != RS_DATA_FILE || !spec->file || !spec->file->y)
        return -1;
    int64_t *pick = file_pick(spec->file, d0, n, seed, cell, dataset);
    if (!pick)
        return -1;
    for (int i = 0; i < n; i++)
        y[i] = spec->file->y[pick[i]];
    free(pick);
    return 0;
}

int rs_data_draw(const rs_data_spec *spec, int d0, int n, uint64_t seed, uint64_t cell,
                 uint64_t dataset, double *xt)
{
    if (!spec || d0 < 1 || n < 0 || (spec->bias != 0 && spec->bias != 1))
        return -1;
    int p = d0 + spec->bias;
    if (spec->law == RS_DATA_FILE) {
        if (draw_file(spec->file, d0, n, p, seed, cell, dataset, xt) != 0)
            return -1;
    } else {
        if ((int)spec->law < 0 || (int)spec->law >= RS_DATA_NLAWS)
            return -1;
        rs_stream s;
        rs_stream_init(&s, seed, cell, dataset, RS_STREAM_DATA);
        if (spec->law == RS_DATA_UNIFORM01)
            draw_uniform01(d0, n, p, &s, xt);
        else if (spec->law == RS_DATA_GAUSSIAN || spec->law == RS_DATA_SPHERE)
            draw_gaussian(spec->law == RS_DATA_SPHERE, d0, n, p, &s, xt);
        else
            for (int i = 0; i < n; i++)
                draw_point(spec->law, d0, &s, xt + (size_t)i * p);
    }
    if (spec->bias)
        for (int i = 0; i < n; i++)
            xt[(size_t)i * p + d0] = 1.0;
    return 0;
}

/* ---------------------------------------------------------------- HDF5 loading */

/* Load a 2-D dataset, or with vector = 1 also a 1-D one (as n x 1). */
static int rs_data_file_load_shape(const char *path, const char *dataset, int vector, rs_data_file *out,
                                   char *err, size_t errlen)
{
    hid_t file = H5I_INVALID_HID, dset = H5I_INVALID_HID, space = H5I_INVALID_HID;
    hid_t type = H5I_INVALID_HID;
    double *rows = NULL;
    int rc = -1;
    H5E_auto2_t old_func = NULL;
    void *old_data = NULL;
    H5T_class_t cls;
    hsize_t dims[2];
    int rank;
    FILE *probe;

    out->n_total = 0;
    out->d0 = 0;
    out->rows = NULL;
    out->y = NULL;
    if (err && errlen)
        err[0] = '\0';
#define LOAD_FAIL(...)                                                          \
    do {                                                                        \
        if (err && errlen)                                                      \
            snprintf(err, errlen, __VA_ARGS__);                                 \
        goto done;                                                              \
    } while (0)

    /* Failures are reported through err; HDF5's own stack dump would only confuse. */
    H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

    if (!path || !path[0])
        LOAD_FAIL("data.file: no file name given");
    if (!dataset || !dataset[0])
        LOAD_FAIL("data.file '%s': no dataset name given", path);
    /* Probe with stdio first so a missing file is told apart from a non-HDF5 one. */
    probe = fopen(path, "rb");
    if (!probe)
        LOAD_FAIL("data.file '%s': cannot open: %s", path, strerror(errno));
    fclose(probe);
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        LOAD_FAIL("data.file '%s': not a readable HDF5 file", path);
    dset = H5Dopen2(file, dataset, H5P_DEFAULT);
    if (dset < 0)
        LOAD_FAIL("data.file '%s': dataset '%s' not found (or not a dataset)", path, dataset);
    type = H5Dget_type(dset);
    if (type < 0)
        LOAD_FAIL("data.file '%s': dataset '%s': cannot read its type", path, dataset);
    cls = H5Tget_class(type);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER)
        LOAD_FAIL("data.file '%s': dataset '%s' is not numeric (need a float or integer type)",
                  path, dataset);
    space = H5Dget_space(dset);
    if (space < 0)
        LOAD_FAIL("data.file '%s': dataset '%s': cannot read its dataspace", path, dataset);
    rank = H5Sget_simple_extent_ndims(space);
    if (rank != 2 && !(vector && rank == 1))
        LOAD_FAIL("data.file '%s': dataset '%s' has rank %d, expected %s", path, dataset, rank,
                  vector ? "1 (one target per row) or 2 (n_total x 1)" : "2 (n_total x d0)");
    dims[1] = 1;
    if (H5Sget_simple_extent_dims(space, dims, NULL) != rank)
        LOAD_FAIL("data.file '%s': dataset '%s': cannot read its shape", path, dataset);
    if (dims[0] == 0 || dims[1] == 0)
        LOAD_FAIL("data.file '%s': dataset '%s' is empty (%llu x %llu), expected n_total x d0 "
                  "with both > 0", path, dataset, (unsigned long long)dims[0],
                  (unsigned long long)dims[1]);
    if (dims[1] > (hsize_t)INT32_MAX || dims[0] > (hsize_t)INT64_MAX ||
        dims[0] > SIZE_MAX / sizeof(double) / dims[1])
        LOAD_FAIL("data.file '%s': dataset '%s' is too large (%llu x %llu)", path, dataset,
                  (unsigned long long)dims[0], (unsigned long long)dims[1]);
    rows = malloc((size_t)dims[0] * (size_t)dims[1] * sizeof *rows);
    if (!rows)
        LOAD_FAIL("data.file '%s': dataset '%s': out of memory for %llu x %llu doubles", path,
                  dataset, (unsigned long long)dims[0], (unsigned long long)dims[1]);
    if (H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0)
        LOAD_FAIL("data.file '%s': dataset '%s': read (as double) failed", path, dataset);
    for (hsize_t r = 0; r < dims[0]; r++)
        for (hsize_t c = 0; c < dims[1]; c++)
            if (!isfinite(rows[r * dims[1] + c]))
                LOAD_FAIL("data.file '%s': dataset '%s' has a non-finite value (%g) at row %llu, "
                          "column %llu (0-based)", path, dataset, rows[r * dims[1] + c],
                          (unsigned long long)r, (unsigned long long)c);

    out->n_total = (int64_t)dims[0];
    out->d0 = (int)dims[1];
    out->rows = rows;
    rows = NULL;
    rc = 0;
#undef LOAD_FAIL
done:
    free(rows);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (dset >= 0)
        H5Dclose(dset);
    if (file >= 0)
        H5Fclose(file);
    H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
    return rc;
}

int rs_data_file_load(const char *path, const char *dataset, rs_data_file *out, char *err, size_t errlen)
{
    return rs_data_file_load_shape(path, dataset, 0, out, err, errlen);
}

int rs_data_file_load_targets(const char *path, const char *dataset, rs_data_file *df, char *err, size_t errlen)
{
    rs_data_file col;
    /* a 1-D dataset is read as n x 1: the same checks (numeric, finite, not empty) */
    if (rs_data_file_load_shape(path, dataset, 1, &col, err, errlen))
        return -1;
    if (col.n_total != df->n_total || col.d0 != 1) {
        snprintf(err, errlen, "data.file '%s': targets dataset '%s' has %lld x %d values, expected %lld (one per "
                 "row of '%s'; key 'targets.dataset')", path, dataset, (long long)col.n_total, col.d0,
                 (long long)df->n_total, "data.dataset");
        rs_data_file_free(&col);
        return -1;
    }
    free(df->y);
    df->y = col.rows;
    return 0;
}

void rs_data_file_free(rs_data_file *f)
{
    if (!f)
        return;
    free(f->rows);
    free(f->y);
    f->y = NULL;
    f->rows = NULL;
    f->n_total = 0;
    f->d0 = 0;
}
