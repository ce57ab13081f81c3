/* h5theory.c - /theory and /analysis from /grid and /stats (h5theory.h). */
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "h5file.h"
#include "h5theory.h"
#include "reluscape/regions.h"
#include "reluscape/stats.h"
#include "reluscape/theory.h"
#include "util.h"

/* What the groups are computed from. */
typedef struct inputs {
    int n0, n1, nn, ncells;
    const char *a0;           /* "d0" or "d0_ratio" */
    int64_t *d1, *n, *d0c;    /* the d1 and n axes, d0 per cell */
    int64_t *trials, *full;   /* per cell; full NULL when the table has no full_rank */
    int64_t *rows;            /* realizable_rows per cell, or NULL */
    hid_t scale[3];           /* /grid/<a0>, /grid/d1, /grid/n */
    int coords;               /* /grid/P and /grid/d0_of_cell exist */
} inputs;

static int exists(hid_t f, const char *path)
{
    htri_t r;
    H5E_BEGIN_TRY { r = H5Lexists(f, path, H5P_DEFAULT) > 0 && H5Oexists_by_name(f, path, H5P_DEFAULT) > 0; }
    H5E_END_TRY;
    return r > 0;
}

/* Dataset path, int64, of rank nd with extents dims (0: any, filled in).  NULL with a
 * message when missing, misshapen or unreadable. */
static int64_t *read_i64(hid_t f, const char *path, int nd, hsize_t *dims, char *err, size_t errlen)
{
    hsize_t got[8];
    int64_t *buf = NULL;
    hid_t d = -1, s = -1;
    if (!exists(f, path)) return RS_FMT(err, errlen, "no dataset %s", path), NULL;
    H5E_BEGIN_TRY
    {
        d = H5Dopen2(f, path, H5P_DEFAULT);
        s = d >= 0 ? H5Dget_space(d) : -1;
    }
    H5E_END_TRY;
    if (s < 0 || H5Sget_simple_extent_ndims(s) != nd) {
        RS_FMT(err, errlen, "%s is not a %d-dimensional dataset", path, nd);
        goto done;
    }
    H5Sget_simple_extent_dims(s, got, NULL);
    size_t count = 1;
    for (int i = 0; i < nd; i++) {
        if (dims[i] && dims[i] != got[i]) {
            RS_FMT(err, errlen, "%s has extent %llu along dimension %d where the grid has %llu", path,
                   (unsigned long long)got[i], i, (unsigned long long)dims[i]);
            goto done;
        }
        dims[i] = got[i];
        count *= got[i];
    }
    if (!(buf = rs_calloc(count ? count : 1, sizeof *buf))) {
        RS_FMT(err, errlen, "out of memory reading %s", path);
        goto done;
    }
    herr_t rc;
    H5E_BEGIN_TRY { rc = H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf); }
    H5E_END_TRY;
    if (rc < 0) {
        RS_FMT(err, errlen, "cannot read %s as integers", path);
        free(buf);
        buf = NULL;
    }
done:
    if (s >= 0) H5Sclose(s);
    if (d >= 0) H5Dclose(d);
    return buf;
}

static void free_inputs(inputs *in)
{
    free(in->d1), free(in->n), free(in->d0c), free(in->trials), free(in->full), free(in->rows);
    for (int i = 0; i < 3; i++)
        if (in->scale[i] >= 0) H5Dclose(in->scale[i]);
}

static int read_inputs(hid_t f, inputs *in, char *err, size_t errlen)
{
    hsize_t a0dim[1] = {0}, d1dim[1] = {0}, ndim[1] = {0};
    memset(in, 0, sizeof *in);
    in->scale[0] = in->scale[1] = in->scale[2] = -1;
    in->a0 = exists(f, "/grid/d0_ratio") ? "d0_ratio" : "d0";
    char a0path[32];
    RS_FMT(a0path, sizeof a0path, "/grid/%s", in->a0);
    int64_t *d0axis = NULL;
    if (!strcmp(in->a0, "d0")) {
        if (!(d0axis = read_i64(f, a0path, 1, a0dim, err, errlen))) return -1;
    } else {
        hid_t d = H5Dopen2(f, a0path, H5P_DEFAULT), s = d >= 0 ? H5Dget_space(d) : -1;
        if (s < 0 || H5Sget_simple_extent_ndims(s) != 1) {
            if (s >= 0) H5Sclose(s);
            if (d >= 0) H5Dclose(d);
            return RS_FMT(err, errlen, "%s is not a 1-dimensional dataset", a0path), -1;
        }
        H5Sget_simple_extent_dims(s, a0dim, NULL);
        H5Sclose(s);
        H5Dclose(d);
    }
    if (!(in->d1 = read_i64(f, "/grid/d1", 1, d1dim, err, errlen)) || !(in->n = read_i64(f, "/grid/n", 1, ndim, err, errlen)))
        goto fail;
    if ((double)a0dim[0] * (double)d1dim[0] * (double)ndim[0] > 1e8) {
        RS_FMT(err, errlen, "a grid of %llu x %llu x %llu cells is larger than any run writes", (unsigned long long)a0dim[0],
               (unsigned long long)d1dim[0], (unsigned long long)ndim[0]);
        goto fail;
    }
    in->n0 = (int)a0dim[0], in->n1 = (int)d1dim[0], in->nn = (int)ndim[0];
    in->ncells = in->n0 * in->n1 * in->nn;
    hsize_t dims[3] = {a0dim[0], d1dim[0], ndim[0]};
    if (exists(f, "/grid/d0_of_cell")) {
        if (!(in->d0c = read_i64(f, "/grid/d0_of_cell", 3, dims, err, errlen))) goto fail;
    } else if (d0axis) {
        if (!(in->d0c = rs_calloc((size_t)in->ncells, sizeof *in->d0c))) goto oom;
        for (int c = 0; c < in->ncells; c++) in->d0c[c] = d0axis[c / (in->n1 * in->nn)];
    } else {
        RS_FMT(err, errlen, "no dataset /grid/d0_of_cell (a d0_ratio file needs it)");
        goto fail;
    }
    if (!(in->trials = read_i64(f, "/stats/trials", 3, dims, err, errlen))) goto fail;
    if (exists(f, "/stats/full_rank") && !(in->full = read_i64(f, "/stats/full_rank", 3, dims, err, errlen))) goto fail;
    if (exists(f, "/stats/realizable_rows") && !(in->rows = read_i64(f, "/stats/realizable_rows", 3, dims, err, errlen)))
        goto fail;
    for (int c = 0; c < in->ncells; c++) {
        int64_t d1 = in->d1[c / in->nn % in->n1], n = in->n[c % in->nn];
        if (in->d0c[c] < 1 || d1 < 1 || n < 1 || in->d0c[c] > INT32_MAX || d1 > INT32_MAX || n > INT32_MAX ||
            in->trials[c] < 0 || (in->full && (in->full[c] < 0 || in->full[c] > in->trials[c]))) {
            RS_FMT(err, errlen, "cell %d: d0 = %lld, d1 = %lld, n = %lld, trials = %lld: sizes must be positive and "
                   "0 <= full_rank <= trials", c, (long long)in->d0c[c], (long long)d1, (long long)n,
                   (long long)in->trials[c]);
            goto fail;
        }
    }
    in->coords = exists(f, "/grid/P") && exists(f, "/grid/d0_of_cell");
    const char *scales[3] = {a0path, "/grid/d1", "/grid/n"};
    for (int i = 0; i < 3; i++)
        if ((in->scale[i] = H5Dopen2(f, scales[i], H5P_DEFAULT)) < 0 || H5DSis_scale(in->scale[i]) <= 0) {
            RS_FMT(err, errlen, "%s is not a dimension scale", scales[i]);
            goto fail;
        }
    free(d0axis);
    return 0;
oom:
    RS_FMT(err, errlen, "out of memory");
fail:
    free(d0axis);
    free_inputs(in);
    return -1;
}

/* Detach the axes from every dataset of group name and unlink it (a re-analysis). */
typedef struct detach_ctx {
    const inputs *in;
} detach_ctx;

static herr_t detach_one(hid_t grp, const char *name, const H5L_info_t *info, void *ctx)
{
    (void)info;
    const inputs *in = ((detach_ctx *)ctx)->in;
    hid_t d;
    H5E_BEGIN_TRY
    {
        d = H5Dopen2(grp, name, H5P_DEFAULT);
        if (d >= 0) {
            hid_t s = H5Dget_space(d);
            int nd = s >= 0 ? H5Sget_simple_extent_ndims(s) : 0;
            if (s >= 0) H5Sclose(s);
            for (int i = 0; i < nd; i++)
                for (int k = 0; k < 3; k++)
                    if (H5DSis_attached(d, in->scale[k], (unsigned)i) > 0) H5DSdetach_scale(d, in->scale[k], (unsigned)i);
            H5Dclose(d);
        }
    }
    H5E_END_TRY;
    return 0;
}

static int remove_group(hid_t f, const char *name, const inputs *in)
{
    if (!exists(f, name)) return 0;
    hid_t g = H5Gopen2(f, name, H5P_DEFAULT);
    if (g < 0) return -1;
    detach_ctx ctx = {in};
    H5Literate(g, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, detach_one, &ctx);
    H5Gclose(g);
    return H5Ldelete(f, name, H5P_DEFAULT) < 0 ? -1 : 0;
}

/* Dataset name in grp over the first nd of the axes `axes` (indices into in->scale), with
 * its CF attributes and, when level is not NaN, the contour level its plots draw. */
static int put(hid_t grp, const inputs *in, const char *name, hid_t mtype, hid_t ftype, int nd, const int *axes,
               const void *data, const char *long_name, const char *description, double level)
{
    hsize_t dims[3];
    const hsize_t ext[3] = {(hsize_t)in->n0, (hsize_t)in->n1, (hsize_t)in->nn};
    for (int i = 0; i < nd; i++) dims[i] = ext[axes[i]];
    hid_t s = H5Screate_simple(nd, dims, NULL), d = -1;
    int rc = -1;
    if (s < 0 || (d = H5Dcreate2(grp, name, ftype, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        goto done;
    for (int i = 0; i < nd; i++)
        if (H5DSattach_scale(d, in->scale[axes[i]], (unsigned)i) < 0) goto done;
    if (rs_h5_put_str(d, "long_name", long_name) || rs_h5_put_str(d, "units", "1") ||
        rs_h5_put_str(d, "description", description) ||
        (nd == 3 && in->coords && rs_h5_put_str(d, "coordinates", "P d0_of_cell")))
        goto done;
    if (!isnan(level) && rs_h5_put_num(d, "contour_level", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &level)) goto done;
    if (ftype == H5T_IEEE_F64LE) {
        double nan = NAN;
        if (rs_h5_put_num(d, "_FillValue", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &nan)) goto done;
    }
    rc = 0;
done:
    if (d >= 0) H5Dclose(d);
    if (s >= 0) H5Sclose(s);
    return rc;
}

/* A new group with hard links to the axes it uses (and the per-cell coordinates), so
 * xarray's open_dataset(group=...) labels every variable, as in /stats. */
static hid_t new_group(hid_t f, const char *name, const inputs *in, int with_d1)
{
    hid_t g = H5Gcreate2(f, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return -1;
    char path[32];
    const char *links[] = {in->a0, with_d1 ? "d1" : NULL, "n", with_d1 && in->coords ? "P" : NULL,
                           with_d1 && in->coords ? "d0_of_cell" : NULL};
    for (size_t i = 0; i < RS_ARRAY_LEN(links); i++) {
        if (!links[i]) continue;
        RS_FMT(path, sizeof path, "/grid/%s", links[i]);
        if (H5Lcreate_hard(f, path, g, links[i], H5P_DEFAULT, H5P_DEFAULT) < 0) {
            H5Gclose(g);
            return -1;
        }
    }
    return g;
}

static const int grid3[3] = {0, 1, 2}, grid_a0_n[2] = {0, 2};

static int write_theory(hid_t f, const inputs *in, int bias, int exhaustive)
{
    int rc = -1;
    const size_t nc = (size_t)in->ncells;
    int64_t *pmn = rs_calloc(nc, sizeof *pmn);
    double *bound = rs_calloc(nc, sizeof *bound), *wide = rs_calloc(nc, sizeof *wide),
           *cover = rs_calloc(nc, sizeof *cover), *lreg = rs_calloc(nc, sizeof *lreg), *exact = rs_calloc(nc, sizeof *exact);
    hid_t g = new_group(f, "theory", in, 1);
    if (g < 0 || !pmn || !bound || !wide || !cover || !lreg || !exact) goto done;
    for (size_t c = 0; c < nc; c++) {
        int d0 = (int)in->d0c[c], d1 = (int)in->d1[c / in->nn % in->n1], n = (int)in->n[c % in->nn], p = d0 + bias;
        pmn[c] = (int64_t)d1 * p - n;
        bound[c] = rs_all_patterns_bound(d0, d1, n);
        wide[c] = rs_nonempty_d0_ge_n(d0, d1, n);
        cover[c] = rs_cover_count(n, p);
        lreg[c] = d1 * (isfinite(cover[c]) ? log2(cover[c]) : rs_log2_cover_count(n, p));
        exact[c] = in->full && in->trials[c] > 0 ? (double)in->full[c] / (double)in->trials[c] : NAN;
    }
    if (put(g, in, "P_minus_n", H5T_NATIVE_INT64, H5T_STD_I64LE, 3, grid3, pmn, "P - n",
            "parameters P = d1 (d0 + bias) minus points n: its zero contour is the line P = n, below which rank "
            "J_A = n is impossible", 0) ||
        put(g, in, "all_patterns_bound", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 3, grid3, bound,
            "sufficient bound, all patterns",
            "max(0, 1 - d0 2^(ceil(n/d0) - d1)): the full-rank fraction over all patterns (pattern.sampler = "
            "bernoulli, p = 1/2) is at least this (docs/science.md 3.1)", 0.5) ||
        put(g, in, "nonempty_d0_ge_n", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 3, grid3, wide,
            "full-rank fraction of non-empty regions, d0 >= n",
            "(1 - 2^-d1)^n where d0 >= n (every pattern is a region, full rank iff every point fires a neuron); NaN "
            "where d0 < n (docs/science.md 3.2)", 0.5) ||
        put(g, in, "cover_rows", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 3, grid3, cover, "Cover's count C(n, p)",
            "realizable rows of n points in general position in R^p, p = d0 + bias: C(n, p) = 2 sum_{k<p} "
            "binom(n-1, k) (exact below 2^53; inf above 1.8e308, see log2_nonempty_regions)", NAN) ||
        put(g, in, "log2_nonempty_regions", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 3, grid3, lreg,
            "log2 of the number of non-empty regions",
            "d1 log2 C(n, p): the activation regions of points in general position (each of d1 rows one of Cover's "
            "C(n, p))", NAN))
        goto done;
    if (exhaustive && in->full &&
        (put(g, in, "exact_full_rank_fraction", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 3, grid3, exact,
             "exact full-rank fraction",
             "sweep.mode = exhaustive: exact_full_rank_num / exact_full_rank_den, every pattern (or non-empty "
             "region) of the cell's dataset counted once; NaN where no trials", 0.5) ||
         put(g, in, "exact_full_rank_num", H5T_NATIVE_INT64, H5T_STD_I64LE, 3, grid3, in->full,
             "full-rank patterns (numerator)", "/stats/full_rank of the exhaustive run", NAN) ||
         put(g, in, "exact_full_rank_den", H5T_NATIVE_INT64, H5T_STD_I64LE, 3, grid3, in->trials,
             "patterns counted (denominator)", "/stats/trials of the exhaustive run", NAN)))
        goto done;
    rc = 0;
done:
    if (g >= 0) H5Gclose(g);
    free(pmn), free(bound), free(wide), free(cover), free(lreg), free(exact);
    return rc;
}

static const char transition_method[] =
    "per (a0, n), along d1 in increasing order: the full-rank fraction full_rank / trials (cells without trials "
    "skipped) first reaches 1/2 between two adjacent grid points; transition_d1 is the linear interpolation of "
    "the fraction between them.  transition_d1_lo and transition_d1_hi are the same crossing of the upper and of "
    "the lower bound of the pointwise 95% Wilson score interval of each cell (not a simultaneous band).  NaN: "
    "no crossing inside the grid (already at or above 1/2 at the smallest d1, or never reaching it)";

static int write_analysis(hid_t f, const inputs *in)
{
    int rc = -1;
    const size_t n2 = (size_t)in->n0 * in->nn;
    double *at = rs_calloc(n2, sizeof *at), *lo = rs_calloc(n2, sizeof *lo), *hi = rs_calloc(n2, sizeof *hi),
           *x = rs_calloc((size_t)in->n1, sizeof *x), *regions = rs_calloc((size_t)in->ncells, sizeof *regions);
    int64_t *k = rs_calloc((size_t)in->n1, sizeof *k), *N = rs_calloc((size_t)in->n1, sizeof *N);
    int *order = rs_calloc((size_t)in->n1, sizeof *order);
    hid_t g = new_group(f, "analysis", in, in->rows != NULL);
    if (g < 0 || !at || !lo || !hi || !x || !regions || !k || !N || !order) goto done;
    if (in->full) {
        for (int j = 0; j < in->n1; j++) order[j] = j; /* d1 ascending (insertion sort: a short axis) */
        for (int j = 1; j < in->n1; j++)
            for (int q = j; q > 0 && in->d1[order[q - 1]] > in->d1[order[q]]; q--) {
                int t = order[q];
                order[q] = order[q - 1], order[q - 1] = t;
            }
        for (int i = 0; i < in->n0; i++)
            for (int m = 0; m < in->nn; m++) {
                for (int j = 0; j < in->n1; j++) {
                    size_t c = ((size_t)i * in->n1 + order[j]) * in->nn + m;
                    x[j] = (double)in->d1[order[j]], k[j] = in->full[c], N[j] = in->trials[c];
                }
                size_t o = (size_t)i * in->nn + m;
                rs_transition(x, k, N, in->n1, RS_WILSON_Z95, &at[o], &lo[o], &hi[o]);
            }
        double level = 0.95;
        const char *names[3] = {"transition_d1", "transition_d1_lo", "transition_d1_hi"};
        const char *longs[3] = {"d1 where the full-rank fraction crosses 1/2",
                                "lower end of the transition's interval (Wilson upper bound crosses 1/2)",
                                "upper end of the transition's interval (Wilson lower bound crosses 1/2)"};
        double *vals[3] = {at, lo, hi};
        for (int v = 0; v < 3; v++) {
            hid_t d = -1;
            if (put(g, in, names[v], H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 2, grid_a0_n, vals[v], longs[v],
                    transition_method, NAN) ||
                (d = H5Dopen2(g, names[v], H5P_DEFAULT)) < 0 || rs_h5_put_str(d, "method", transition_method) ||
                rs_h5_put_num(d, "confidence_level", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &level)) {
                if (d >= 0) H5Dclose(d);
                goto done;
            }
            H5Dclose(d);
        }
    }
    if (in->rows) {
        for (int c = 0; c < in->ncells; c++)
            regions[c] = in->rows[c] > 0 ? (double)in->d1[c / in->nn % in->n1] * log2((double)in->rows[c]) : NAN;
        if (put(g, in, "log2_data_regions", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 3, grid3, regions,
                "log2 of the number of non-empty regions of the data",
                "d1 log2 realizable_rows: the activation regions of the cell's first dataset (each of d1 rows one of "
                "its realizable rows); NaN where realizable_rows is 0 (not counted)", NAN))
            goto done;
    }
    rc = 0;
done:
    if (g >= 0) H5Gclose(g);
    free(at), free(lo), free(hi), free(x), free(regions), free(k), free(N), free(order);
    return rc;
}

int rs_h5_write_theory(hid_t f, int bias, int exhaustive, char *err, size_t errlen)
{
    inputs in;
    if (read_inputs(f, &in, err, errlen)) return -1;
    int rc = -2;
    if (remove_group(f, "theory", &in) || remove_group(f, "analysis", &in) || write_theory(f, &in, bias, exhaustive) ||
        write_analysis(f, &in)) {
        RS_FMT(err, errlen, "cannot write /theory and /analysis (HDF5)");
        H5Eprint2(H5E_DEFAULT, stderr);
    } else
        rc = 0;
    free_inputs(&in);
    return rc;
}
