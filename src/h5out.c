/* h5out.c - the writer of the result file (docs/hdf5-schema.md).
 *
 * Every rank holds the reduced statistics, so rank 0 writes the file alone with serial
 * HDF5 and the ranks agree on the outcome afterwards.  Collective MPI-IO bought nothing
 * for files of this size and cost robustness: a failed write (a full disk) left ranks in
 * mismatched collective calls inside the HDF5 close, and Open MPI's shared-file-pointer
 * components overflow a buffer on long paths. */
#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5file.h"
#include "h5theory.h"
#include "provenance.h"
#include "reluscape/h5out.h"
#include "reluscape/log.h"
#include "util.h"

/* Check an HDF5 call; on failure print the error stack and jump to `done`. */
#define H5_TRY(call)                                                            \
    do {                                                                        \
        if ((call) < 0) {                                                       \
            rs_error("%s:%d: HDF5 call failed: %s", __FILE__, __LINE__, #call); \
            H5Eprint2(H5E_DEFAULT, stderr);                                     \
            goto done;                                                          \
        }                                                                       \
    } while (0)

typedef struct writer {
    hid_t file; /* the in-memory file (h5file.h) */
} writer;

/* Attributes of the result file: native values, little-endian in the file. */
static int put_attr_string(hid_t loc, const char *name, const char *value) { return rs_h5_put_str(loc, name, value); }
static int put_attr_num(hid_t loc, const char *name, hid_t type, const void *value)
{
    hid_t ftype = H5Tequal(type, H5T_NATIVE_DOUBLE) > 0 ? H5T_IEEE_F64LE
                  : H5Tequal(type, H5T_NATIVE_UINT64) > 0 ? H5T_STD_U64LE
                                                          : H5T_STD_I64LE;
    return rs_h5_put_num(loc, name, ftype, type, value);
}

/* Create dataset `name` (rank nd, dims) and write the whole array.  Returns the open dataset. */
static hid_t put_array(writer *w, hid_t loc, const char *name, hid_t mtype, hid_t ftype, int nd,
                       const hsize_t *dims, const void *data)
{
    (void)w; /* every write goes to w->file's group loc */
    hid_t fs = -1, d = -1, ok = -1, dcpl = H5P_DEFAULT;
    H5_TRY(fs = H5Screate_simple(nd, dims, NULL));
    /* Per-cell series (training records, trajectories) are large and mostly zero: chunk
     * them one cell at a time and deflate, when the library has the filter. */
    hsize_t elements = 1, chunk[8];
    for (int k = 0; k < nd; k++) elements *= dims[k], chunk[k] = k < 3 ? 1 : dims[k];
    if (nd >= 4 && nd <= 8 && elements >= ((hsize_t)1 << 16) && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
        H5_TRY(dcpl = H5Pcreate(H5P_DATASET_CREATE));
        H5_TRY(H5Pset_chunk(dcpl, nd, chunk));
        H5_TRY(H5Pset_shuffle(dcpl));
        H5_TRY(H5Pset_deflate(dcpl, 4));
    }
    H5_TRY(d = H5Dcreate2(loc, name, ftype, fs, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    H5_TRY(H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data));
    ok = d;
    d = -1;
done:
    if (d >= 0) H5Dclose(d);
    if (fs >= 0) H5Sclose(fs);
    if (dcpl != H5P_DEFAULT) H5Pclose(dcpl);
    return ok;
}

/* A 1-D coordinate dataset made a dimension scale. */
static hid_t put_axis(writer *w, hid_t grid, const char *name, hid_t mtype, hid_t ftype, hsize_t len,
                      const void *data)
{
    hid_t d = put_array(w, grid, name, mtype, ftype, 1, &len, data);
    if (d >= 0 && H5DSset_scale(d, name) < 0) {
        rs_error("cannot make /grid/%s a dimension scale", name);
        H5Dclose(d);
        return -1;
    }
    return d;
}

static int attach(hid_t d, const hid_t *scales, int nd)
{
    for (int i = 0; i < nd; i++)
        if (H5DSattach_scale(d, scales[i], (unsigned)i) < 0) return -1;
    return 0;
}

/* Write one grid array and attach its axes. */
static int put_grid_array(writer *w, hid_t loc, const char *name, hid_t mtype, hid_t ftype,
                          const hsize_t *dims, int nd, const void *data, const hid_t *scales)
{
    hid_t d = put_array(w, loc, name, mtype, ftype, nd, dims, data);
    if (d < 0) return -1;
    int rc = attach(d, scales, nd);
    if (rc) rs_error("cannot attach dimension scales to %s", name);
    H5Dclose(d);
    return rc;
}

/* CF-style attributes of dataset `name` in loc: long_name, units ("1": counts and
 * fractions are dimensionless), a description, and for grid arrays the per-cell
 * coordinates P and d0_of_cell (linked into the same group), so one xarray open_dataset
 * call labels every variable. */
static int describe(hid_t loc, const char *name, const char *long_name, const char *description, int grid3)
{
    int rc = -1;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return -1;
    if (rs_h5_put_str(d, "long_name", long_name) || rs_h5_put_str(d, "units", "1") ||
        rs_h5_put_str(d, "description", description) || (grid3 && rs_h5_put_str(d, "coordinates", "P d0_of_cell")))
        goto done;
    rc = 0;
done:
    H5Dclose(d);
    if (rc) rs_error("cannot describe /stats/%s", name);
    return rc;
}

/* An interval's attributes on dataset `name` in loc: its method, 95% level, what it
 * assumes, and NaN as the fill value of cells without trials. */
static int put_interval_attrs(hid_t loc, const char *name, const char *method, const char *assumes)
{
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    double level = 0.95, nan = NAN;
    int ok = d >= 0 && rs_h5_put_str(d, "interval", method) == 0 &&
             rs_h5_put_num(d, "confidence_level", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &level) == 0 &&
             rs_h5_put_str(d, "interval_assumes", assumes) == 0 &&
             rs_h5_put_num(d, "_FillValue", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &nan) == 0;
    if (d >= 0) H5Dclose(d);
    if (!ok) rs_error("cannot describe /stats/%s", name);
    return ok ? 0 : -1;
}

/* The interval attributes of a fraction's bounds (and the fraction itself). */
static int describe_interval(hid_t loc, const char *name, const rs_config *cfg)
{
    char cond[512];
    if (!strcmp(cfg->sweep_mode, "exhaustive"))
        RS_FMT(cond, sizeof cond, "no sampling: every pattern (or non-empty region) of one dataset counted once, "
               "so the fraction is exact for that dataset; the interval is moot");
    else if (cfg->patterns_per_dataset == 1)
        RS_FMT(cond, sizeof cond, "trials independent: each trial draws its own dataset");
    else if (cfg->patterns_per_dataset == cfg->trials)
        RS_FMT(cond, sizeof cond, "conditional on the one dataset drawn per cell (sweep.patterns_per_dataset = "
               "sweep.trials = %lld): the interval is for that X, not for the data law", (long long)cfg->trials);
    else
        RS_FMT(cond, sizeof cond, "trials treated as independent, but sweep.patterns_per_dataset = %lld trials share "
               "each dataset draw: the interval is too narrow when the datasets' fractions differ (full_rank_cluster_lo "
               "and _hi allow for it)",
               (long long)cfg->patterns_per_dataset);
    return put_interval_attrs(loc, name, "Wilson score", cond);
}

/* The axes of the file: a0 (d0 or d0_ratio), d1, n, then the bin axes the statistics
 * table uses, each once.  scales[k] is the open dimension scale of axis k. */
typedef struct axes {
    int count;
    rs_axis_id bin[RS_NAXES]; /* axis k >= 3 is bin[k - 3] */
    hid_t scales[3 + RS_NAXES];
} axes;

static const char *axis_name(const rs_grid *g, const axes *ax, int k)
{
    static const char *names[] = {"d0", "d1", "n"};
    if (k >= 3) return rs_axis_name(ax->bin[k - 3]);
    return k == 0 && g->ratio_axis ? "d0_ratio" : names[k];
}

static void find_axes(const rs_stats *st, axes *ax)
{
    ax->count = 3;
    for (int k = 0; k < st->ndefs; k++)
        for (int a = 0; a < 2 && st->defs[k].axis[a]; a++) {
            int seen = 0;
            for (int i = 3; i < ax->count; i++) seen |= ax->bin[i - 3] == st->defs[k].axis[a];
            if (!seen) ax->bin[ax->count++ - 3] = st->defs[k].axis[a];
        }
    for (int k = 0; k < 3 + RS_NAXES; k++) ax->scales[k] = -1;
}

/* The scale of bin axis a. */
static hid_t bin_scale(const axes *ax, rs_axis_id a)
{
    for (int i = 3; i < ax->count; i++)
        if (ax->bin[i - 3] == a) return ax->scales[i];
    return -1;
}

static int write_grid(writer *w, const rs_config *cfg, const rs_grid *g, axes *ax)
{
    int rc = -1;
    hid_t grp = -1;
    int64_t *d0c = NULL, *P = NULL, *bins = NULL;
    hsize_t dims[3] = {(hsize_t)g->n0, (hsize_t)g->n1, (hsize_t)g->nn};
    H5_TRY(grp = H5Gcreate2(w->file, "grid", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (g->ratio_axis)
        ax->scales[0] = put_axis(w, grp, "d0_ratio", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, (hsize_t)g->n0, cfg->d0_ratio.v);
    else
        ax->scales[0] = put_axis(w, grp, "d0", H5T_NATIVE_INT64, H5T_STD_I64LE, (hsize_t)g->n0, cfg->d0.v);
    ax->scales[1] = put_axis(w, grp, "d1", H5T_NATIVE_INT64, H5T_STD_I64LE, (hsize_t)g->n1, cfg->d1.v);
    ax->scales[2] = put_axis(w, grp, "n", H5T_NATIVE_INT64, H5T_STD_I64LE, (hsize_t)g->nn, cfg->n.v);
    for (int k = 3; k < ax->count; k++) {
        int64_t len = rs_axis_length(ax->bin[k - 3], cfg, g);
        free(bins);
        if (!(bins = rs_calloc((size_t)len, sizeof *bins))) goto done;
        rs_axis_labels(ax->bin[k - 3], cfg, bins, len);
        ax->scales[k] = put_axis(w, grp, axis_name(g, ax, k), H5T_NATIVE_INT64, H5T_STD_I64LE, (hsize_t)len, bins);
    }
    for (int k = 0; k < ax->count; k++)
        if (ax->scales[k] < 0) goto done;
    d0c = rs_calloc((size_t)g->ncells, sizeof *d0c);
    P = rs_calloc((size_t)g->ncells, sizeof *P);
    if (!d0c || !P) goto done;
    for (int c = 0; c < g->ncells; c++) {
        d0c[c] = g->cells[c].d0;
        P[c] = (int64_t)g->cells[c].d1 * g->cells[c].p;
    }
    if (put_grid_array(w, grp, "d0_of_cell", H5T_NATIVE_INT64, H5T_STD_I64LE, dims, 3, d0c, ax->scales) ||
        put_grid_array(w, grp, "P", H5T_NATIVE_INT64, H5T_STD_I64LE, dims, 3, P, ax->scales))
        goto done;
    rc = 0;
done:
    free(bins);
    free(d0c);
    free(P);
    if (grp >= 0) H5Gclose(grp);
    return rc;
}

/* The dimensions of stat k (a0, d1, n, then its bin axes) and their scales; returns how many. */
static int stat_shape(const rs_grid *g, const rs_stats *st, int k, const axes *ax, hsize_t *dims, hid_t *scales)
{
    dims[0] = (hsize_t)g->n0, dims[1] = (hsize_t)g->n1, dims[2] = (hsize_t)g->nn;
    scales[0] = ax->scales[0], scales[1] = ax->scales[1], scales[2] = ax->scales[2];
    int nd = 3;
    for (int a = 0; a < 2 && st->defs[k].axis[a]; a++, nd++) {
        dims[nd] = (hsize_t)st->bins[k][a];
        scales[nd] = bin_scale(ax, st->defs[k].axis[a]);
    }
    return nd;
}

/* A series of histograms (RS_DERIVE_QUANTILES): its quantiles and mean per series bin. */
static int write_quantiles(writer *w, hid_t grp, const rs_grid *g, const rs_stats *st, int k, const axes *ax)
{
    const rs_stat_def *d = &st->defs[k];
    const int64_t S = st->bins[k][0];
    hsize_t dims[4] = {(hsize_t)g->n0, (hsize_t)g->n1, (hsize_t)g->nn, (hsize_t)S};
    hid_t scales[4] = {ax->scales[0], ax->scales[1], ax->scales[2], bin_scale(ax, d->axis[0])};
    static const struct {
        const char *suffix, *what;
        double q;
    } parts[] = {{"q10", "10% quantile", 0.1}, {"q50", "median", 0.5}, {"q90", "90% quantile", 0.9},
                 {"mean", "mean", -1}};
    double *val = rs_calloc((size_t)g->ncells * (size_t)S, sizeof *val);
    if (!val) return -1;
    int rc = 0;
    for (size_t q = 0; q < RS_ARRAY_LEN(parts) && !rc; q++) {
        for (int c = 0; c < g->ncells; c++)
            for (int64_t s = 0; s < S; s++)
                val[(size_t)c * S + s] = parts[q].q < 0 ? rs_stats_series_mean(st, k, c, s)
                                                        : rs_stats_quantile(st, k, c, s, parts[q].q);
        char name[128], what[512];
        RS_FMT(name, sizeof name, "%s_%s", d->derived, parts[q].suffix);
        RS_FMT(what, sizeof what, "per %s, the %s of the %s bins' values over the trials counted in %s (NaN: none)",
               rs_axis_name(d->axis[0]), parts[q].what, rs_axis_name(d->axis[1]), d->name);
        rc = put_grid_array(w, grp, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, dims, 4, val, scales) ||
             describe(grp, name, name, what, 0);
    }
    free(val);
    return rc ? -1 : 0;
}

/* Per-trial values (RS_DERIVE_VALUES) as float64, NaN where no trial wrote one. */
static int write_values(writer *w, hid_t grp, const rs_grid *g, const rs_stats *st, int k, const axes *ax)
{
    const rs_stat_def *d = &st->defs[k];
    hsize_t dims[5];
    hid_t scales[5];
    const int nd = stat_shape(g, st, k, ax, dims, scales);
    const size_t count = (size_t)g->ncells * (size_t)st->width[k];
    double *val = rs_calloc(count, sizeof *val);
    if (!val) return -1;
    const int64_t *raw = rs_stat_cell(st, k, 0);
    for (size_t e = 0; e < count; e++) val[e] = rs_stat_value_decode(raw[e]);
    char what[512];
    RS_FMT(what, sizeof what, "the values stored in %s (NaN: none): %s", d->name, d->description);
    int rc = put_grid_array(w, grp, d->derived, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, dims, nd, val, scales) ||
             describe(grp, d->derived, d->derived, what, 0);
    free(val);
    return rc ? -1 : 0;
}

/* <derived>_lo and _hi of a cluster row (stats.h: rs_cluster_wilson). */
static int put_cluster_bounds(writer *w, hid_t grp, const rs_stat_def *d, const rs_config *cfg, const hsize_t *dims,
                              const double *lo, const double *hi, const axes *ax)
{
    const char *assumes = !strcmp(cfg->sweep_mode, "exhaustive")
                              ? "no sampling (exhaustive mode): no dataset draws to cluster over, NaN throughout"
                              : "dataset draws independent; the trials of one draw may be correlated (design effect "
                                "estimated from the per-draw counts, at least 1, at most the trials per draw)";
    for (int b = 0; b < 2; b++) {
        char name[96], what[512];
        RS_FMT(name, sizeof name, "%s_%s", d->derived, b ? "hi" : "lo");
        RS_FMT(what, sizeof what, "%s bound of the 95%% interval of %s_fraction for trials that share dataset "
               "draws: Wilson at the effective sample size trials / design effect, from %s, %s and datasets",
               b ? "upper" : "lower", d->of, d->of, d->name);
        if (put_grid_array(w, grp, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, dims, 3, b ? hi : lo, ax->scales) ||
            describe(grp, name, name, what, 1))
            return -1;
        if (put_interval_attrs(grp, name, "Wilson score at the design-effect sample size", assumes)) return -1;
    }
    return 0;
}

/* Every row of the statistics table, its derived arrays, and links to the axes. */
static int write_stats(writer *w, const rs_config *cfg, const rs_grid *g, const rs_stats *st, const axes *ax)
{
    int rc = -1;
    hid_t grp = -1;
    double *val = NULL, *lo = NULL, *hi = NULL;
    H5_TRY(grp = H5Gcreate2(w->file, "stats", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    for (int k = 0; k < st->ndefs; k++) {
        const rs_stat_def *d = &st->defs[k];
        hsize_t dims[5];
        hid_t scales[5];
        const int nd = stat_shape(g, st, k, ax, dims, scales);
        if (put_grid_array(w, grp, d->name, H5T_NATIVE_INT64, H5T_STD_I64LE, dims, nd, rs_stat_cell(st, k, 0), scales) ||
            describe(grp, d->name, d->name, d->description, nd == 3))
            goto done;
    }
    H5_TRY(H5Lcreate_hard(w->file, "/grid/P", grp, "P", H5P_DEFAULT, H5P_DEFAULT));
    H5_TRY(H5Lcreate_hard(w->file, "/grid/d0_of_cell", grp, "d0_of_cell", H5P_DEFAULT, H5P_DEFAULT));
    /* Hard links to the axes (same objects as /grid/<axis>): netCDF readers look for
     * dimensions in a group and its ancestors, and xarray shows only same-group
     * coordinates; with these, open_dataset(group="stats") is fully labelled. */
    for (int k = 0; k < ax->count; k++) {
        const char *name = axis_name(g, ax, k);
        char path[64];
        RS_FMT(path, sizeof path, "/grid/%s", name);
        H5_TRY(H5Lcreate_hard(w->file, path, w->file, name, H5P_DEFAULT, H5P_DEFAULT));
        H5_TRY(H5Lcreate_hard(w->file, path, grp, name, H5P_DEFAULT, H5P_DEFAULT));
    }
    val = rs_calloc((size_t)g->ncells, sizeof *val);
    lo = rs_calloc((size_t)g->ncells, sizeof *lo);
    hi = rs_calloc((size_t)g->ncells, sizeof *hi);
    if (!val || !lo || !hi) goto done;
    hsize_t dims[3] = {(hsize_t)g->n0, (hsize_t)g->n1, (hsize_t)g->nn};
    for (int k = 0; k < st->ndefs; k++) {
        const rs_stat_def *d = &st->defs[k];
        if (d->derive == RS_DERIVE_NONE) continue;
        if (d->derive == RS_DERIVE_QUANTILES) {
            if (write_quantiles(w, grp, g, st, k, ax)) goto done;
            continue;
        }
        if (d->derive == RS_DERIVE_VALUES) {
            if (write_values(w, grp, g, st, k, ax)) goto done;
            continue;
        }
        for (int c = 0; c < g->ncells; c++) rs_stats_derived(st, k, c, &val[c], &lo[c], &hi[c]);
        char what[512], name[2][96];
        if (d->derive == RS_DERIVE_CLUSTER) {
            if (put_cluster_bounds(w, grp, d, cfg, dims, lo, hi, ax)) goto done;
            continue;
        }
        RS_FMT(what, sizeof what, "%s / %s (NaN: none): %s", d->name, d->per ? d->per : "trials", d->description);
        if (put_grid_array(w, grp, d->derived, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, dims, 3, val, ax->scales) ||
            describe(grp, d->derived, d->derived, what, 1))
            goto done;
        if (d->derive != RS_DERIVE_FRACTION) continue;
        RS_FMT(name[0], sizeof name[0], "%s_lo", d->name);
        RS_FMT(name[1], sizeof name[1], "%s_hi", d->name);
        for (int b = 0; b < 2; b++) {
            RS_FMT(what, sizeof what, "%s bound of the 95%% Wilson score interval of %s", b ? "upper" : "lower", d->derived);
            if (put_grid_array(w, grp, name[b], H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, dims, 3, b ? hi : lo, ax->scales) ||
                describe(grp, name[b], name[b], what, 1) || describe_interval(grp, name[b], cfg))
                goto done;
        }
        if (describe_interval(grp, d->derived, cfg)) goto done;
    }
    rc = 0;
done:
    free(val);
    free(lo);
    free(hi);
    if (grp >= 0) H5Gclose(grp);
    return rc;
}

/* One /run/start_* variable on dimension "start", with its CF long_name and units. */
static int put_start_var(writer *w, hid_t grp, const char *name, hid_t mtype, hid_t ftype, hsize_t n,
                         const void *data, hid_t scale, const char *long_name, const char *units)
{
    if (put_grid_array(w, grp, name, mtype, ftype, &n, 1, data, &scale)) return -1;
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
    int ok = d >= 0 && rs_h5_put_str(d, "long_name", long_name) == 0 && (!units || rs_h5_put_str(d, "units", units) == 0);
    if (d >= 0) H5Dclose(d);
    return ok ? 0 : -1;
}

/* Every start of the run (a requeued job starts several times; a merge lists its parts'
 * starts) as /run/start_* variables and the totals as /run attributes
 * (docs/hdf5-schema.md). */
static int write_starts(writer *w, hid_t grp, const rs_run_report *rep)
{
    int rc = -1;
    size_t m = (size_t)rep->nstarts;
    hsize_t n = (hsize_t)m;
    hid_t scale = -1, str = -1;
    int64_t *iv = rs_calloc(m, 5 * sizeof *iv);
    double *dv = rs_calloc(m, 3 * sizeof *dv), busy = 0, wall = 0;
    const char **host = rs_calloc(m, sizeof *host);
    if (!iv || !dv || !host) goto done;
    int64_t shards = 0; /* parts among the starts: restarts = starts - parts */
    for (size_t k = 0; k < m; k++) {
        const rs_start *p = &rep->starts[k];
        iv[k] = (int64_t)k, iv[m + k] = p->ranks, iv[2 * m + k] = p->trials, iv[3 * m + k] = p->ended, iv[4 * m + k] = p->shard;
        dv[k] = p->begin, dv[m + k] = p->end, dv[2 * m + k] = p->busy_cpu;
        host[k] = p->host;
        busy += p->busy_cpu;
        wall += p->end - p->begin;
        shards += k == 0 || p->shard != rep->starts[k - 1].shard;
    }
    int64_t restarts = (int64_t)m - shards;
    const char *epoch = "seconds since 1970-01-01 00:00:00 UTC";
    H5_TRY(str = H5Tcopy(H5T_C_S1));
    H5_TRY(H5Tset_size(str, H5T_VARIABLE));
    H5_TRY(scale = put_axis(w, grp, "start", H5T_NATIVE_INT64, H5T_STD_I64LE, n, iv));
    if (put_start_var(w, grp, "start_begin", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, n, dv, scale, "start of the sweep", epoch) ||
        put_start_var(w, grp, "start_end", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, n, dv + m, scale,
                      "end of the start (its last checkpoint unless complete)", epoch) ||
        put_start_var(w, grp, "start_busy_cpu_seconds", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, n, dv + 2 * m, scale,
                      "CPU seconds in trials, all ranks", "s") ||
        put_start_var(w, grp, "start_ranks", H5T_NATIVE_INT64, H5T_STD_I64LE, n, iv + m, scale, "MPI ranks", "1") ||
        put_start_var(w, grp, "start_trials", H5T_NATIVE_INT64, H5T_STD_I64LE, n, iv + 2 * m, scale,
                      "trials finished in the start", "1") ||
        put_start_var(w, grp, "start_ended", H5T_NATIVE_INT64, H5T_STD_I64LE, n, iv + 3 * m, scale,
                      "how the start ended", NULL) ||
        put_start_var(w, grp, "start_shard", H5T_NATIVE_INT64, H5T_STD_I64LE, n, iv + 4 * m, scale,
                      "--shard index of the run (part of a job array)", "1") ||
        put_start_var(w, grp, "start_host", str, str, n, host, scale, "host of rank 0", NULL))
        goto done;
    hid_t d = H5Dopen2(grp, "start_ended", H5P_DEFAULT);
    int64_t flags[3] = {RS_START_COMPLETE, RS_START_SIGNAL, RS_START_CHECKPOINT};
    hsize_t three = 3;
    hid_t sp = H5Screate_simple(1, &three, NULL), a = -1;
    int ok = d >= 0 && sp >= 0 &&
             (a = H5Acreate2(d, "flag_values", H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
             H5Awrite(a, H5T_NATIVE_INT64, flags) >= 0 &&
             rs_h5_put_str(d, "flag_meanings", "complete signal checkpoint") == 0;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
    if (!ok) goto done;
    H5_TRY(put_attr_num(grp, "restarts", H5T_NATIVE_INT64, &restarts));
    H5_TRY(put_attr_num(grp, "total_busy_cpu_seconds", H5T_NATIVE_DOUBLE, &busy));
    H5_TRY(put_attr_num(grp, "total_wall_seconds", H5T_NATIVE_DOUBLE, &wall));
    rc = 0;
done:
    if (rc) rs_error("cannot write the accounting of the starts (/run/start_*)");
    free(iv);
    free(dv);
    free(host);
    if (str >= 0) H5Tclose(str);
    if (scale >= 0) H5Dclose(scale);
    return rc;
}

static int write_run(writer *w, const rs_run_report *rep)
{
    int rc = -1;
    hid_t grp = -1, scale = -1;
    int64_t *ranks = NULL;
    hsize_t n = (hsize_t)rep->nranks;
    H5_TRY(grp = H5Gcreate2(w->file, "run", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (!(ranks = rs_calloc((size_t)n, sizeof *ranks))) goto done;
    for (int r = 0; r < rep->nranks; r++) ranks[r] = r;
    H5_TRY(scale = put_axis(w, grp, "rank", H5T_NATIVE_INT64, H5T_STD_I64LE, n, ranks));
    if (put_grid_array(w, grp, "busy_cpu_seconds", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, &n, 1, rep->busy_cpu, &scale) ||
        put_grid_array(w, grp, "trials_done", H5T_NATIVE_INT64, H5T_STD_I64LE, &n, 1, rep->trials_done, &scale))
        goto done;
    H5_TRY(put_attr_num(grp, "imbalance", H5T_NATIVE_DOUBLE, &rep->imbalance));
    H5_TRY(put_attr_num(grp, "wall_seconds", H5T_NATIVE_DOUBLE, &rep->wall));
    H5_TRY(put_attr_num(grp, "work_units", H5T_NATIVE_INT64, &rep->units));
    if (rep->nstarts > 0 && write_starts(w, grp, rep)) goto done;
    rc = 0;
done:
    free(ranks);
    if (scale >= 0) H5Dclose(scale);
    if (grp >= 0) H5Gclose(grp);
    return rc;
}

/* Each active science key as a typed root attribute named like the key ("data.bias" = 1),
 * so analysis code needs no INI parser. */
typedef struct setting_ctx {
    hid_t file;
    int *bad;
} setting_ctx;

static void put_setting(const rs_setting *set, void *ctx)
{
    setting_ctx *c = ctx;
    int rc;
    if (set->kind == 'i') rc = rs_h5_put_num(c->file, set->key, H5T_STD_I64LE, H5T_NATIVE_INT64, &set->i);
    else if (set->kind == 'u') rc = rs_h5_put_num(c->file, set->key, H5T_STD_U64LE, H5T_NATIVE_UINT64, &set->u);
    else if (set->kind == 'd') rc = rs_h5_put_num(c->file, set->key, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &set->d);
    else rc = rs_h5_put_str(c->file, set->key, set->s);
    if (rc) {
        rs_error("cannot write the root attribute '%s'", set->key);
        *c->bad = 1;
    }
}

static int write_root_attrs(writer *w, const rs_config *cfg, const rs_provenance *prov)
{
    int rc = -1;
    rs_fact facts[RS_NFACTS];
    rs_provenance_collect(facts);
    int64_t schema_version = RS_SCHEMA_VERSION, zero = 0, nranks = prov->nranks;
    H5_TRY(put_attr_string(w->file, "schema", "reluscape"));
    H5_TRY(put_attr_num(w->file, "schema_version", H5T_NATIVE_INT64, &schema_version));
    H5_TRY(put_attr_num(w->file, "complete", H5T_NATIVE_INT64, &zero));
    H5_TRY(put_attr_string(w->file, "experiment", cfg->experiment));
    H5_TRY(put_attr_string(w->file, "Conventions", "CF-1.8"));
    int bad_setting = 0;
    rs_config_settings(cfg, put_setting, &(setting_ctx){w->file, &bad_setting});
    if (bad_setting) goto done;
    for (int i = 0; i < RS_NFACTS; i++) H5_TRY(put_attr_string(w->file, facts[i].key, facts[i].value));
    H5_TRY(put_attr_string(w->file, "created", prov->created));
    H5_TRY(put_attr_string(w->file, "command_line", prov->command_line));
    H5_TRY(put_attr_string(w->file, "config", prov->config_text));
    H5_TRY(put_attr_num(w->file, "seed", H5T_NATIVE_UINT64, &cfg->seed));
    H5_TRY(put_attr_num(w->file, "ranks", H5T_NATIVE_INT64, &nranks));
    int64_t shard[2] = {prov->shard_index, prov->shard_count > 0 ? prov->shard_count : 1};
    H5_TRY(put_attr_num(w->file, "shard_index", H5T_NATIVE_INT64, &shard[0]));
    H5_TRY(put_attr_num(w->file, "shard_count", H5T_NATIVE_INT64, &shard[1]));
    if (prov->merged_parts) H5_TRY(rs_h5_put_strs(w->file, "merged_parts", prov->merged_parts, prov->nmerged));
    rc = 0;
done:
    return rc;
}

/* Last step: finished time and complete = 1, then close. */
static int mark_complete(writer *w)
{
    int rc = -1;
    hid_t a = -1;
    char now[64];
    rs_iso8601_now(now, sizeof now);
    H5_TRY(put_attr_string(w->file, "finished", now));
    int64_t one = 1;
    H5_TRY(a = H5Aopen(w->file, "complete", H5P_DEFAULT));
    H5_TRY(H5Awrite(a, H5T_NATIVE_INT64, &one));
    rc = 0;
done:
    if (a >= 0) H5Aclose(a);
    return rc;
}

/* Rank 0's part: the whole file, under PATH.partial, renamed to PATH when complete.
 * 0, or -1 with a message naming the file and the cause (the scratch file removed). */
static int write_file(const char *path, const rs_config *cfg, const rs_grid *g, const rs_stats *st,
                      const rs_run_report *rep, const rs_provenance *prov)
{
    writer w = {.file = -1};
    char partial[RS_PATH_MAX + 16], err[RS_ERR_MAX];
    RS_FMT(partial, sizeof partial, "%s.partial", path);
    axes ax;
    find_axes(st, &ax);
    int fail = 1;
    /* built in memory, saved by rs_h5_save: I/O errors are ours to report (h5file.h) */
    if ((w.file = rs_h5_create_in_memory()) < 0) {
        rs_error("cannot build the result file in memory (HDF5)");
        return -1;
    }
    if (write_root_attrs(&w, cfg, prov) || write_grid(&w, cfg, g, &ax) || write_stats(&w, cfg, g, st, &ax) ||
        write_run(&w, rep))
        goto done;
    if (rs_h5_write_theory(w.file, cfg->bias, g->exhaustive, err, sizeof err)) { /* from /grid and /stats */
        rs_error("%s", err);
        goto done;
    }
    for (int i = 0; i < ax.count; i++) {
        H5Dclose(ax.scales[i]);
        ax.scales[i] = -1;
    }
    if (mark_complete(&w)) goto done;
    fail = 0;
done:
    for (int i = 0; i < ax.count; i++)
        if (ax.scales[i] >= 0) H5Dclose(ax.scales[i]);
    if (fail) {
        H5Fclose(w.file);
        return -1;
    }
    if (rs_h5_save(w.file, partial, err, sizeof err)) {
        rs_error("%s", err);
        return -1;
    }
    if (rename(partial, path) != 0) {
        rs_error("cannot rename '%s' to '%s': %s", partial, path, strerror(errno));
        remove(partial);
        return -1;
    }
    return 0;
}

int rs_h5_write(const char *path, const rs_config *cfg, const rs_grid *g, const rs_stats *st,
                const rs_run_report *rep, const rs_provenance *prov, MPI_Comm comm)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    int fail = rank == 0 && write_file(path, cfg, g, st, rep, prov) != 0;
    return rs_any_true(fail, comm) ? -1 : 0;
}
