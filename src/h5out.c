/* h5out.c - collective parallel-HDF5 writer of the result file (docs/hdf5-schema.md). */
#include <hdf5.h>
#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    hid_t file, xfer;
    int rank, size;
} writer;

static int put_attr_string(hid_t loc, const char *name, const char *value)
{
    int rc = -1;
    hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR), a = -1;
    if (t < 0 || sp < 0) goto done;
    H5_TRY(H5Tset_size(t, H5T_VARIABLE));
    H5_TRY(H5Tset_cset(t, H5T_CSET_UTF8));
    H5_TRY(a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT));
    H5_TRY(H5Awrite(a, t, &value));
    rc = 0;
done:
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    return rc;
}

static int put_attr_num(hid_t loc, const char *name, hid_t type, const void *value)
{
    int rc = -1;
    hid_t sp = H5Screate(H5S_SCALAR), a = -1;
    if (sp < 0) goto done;
    H5_TRY(a = H5Acreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT));
    H5_TRY(H5Awrite(a, type, value));
    rc = 0;
done:
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    return rc;
}

/* Create dataset `name` (rank nd, dims) and write `data` collectively: the leading axis is
 * split into contiguous slabs, one per rank (ranks beyond the axis length select nothing).
 * Every rank holds the full array; each writes only its slab.  Returns the open dataset. */
static hid_t put_array(writer *w, hid_t loc, const char *name, hid_t mtype, hid_t ftype, int nd,
                       const hsize_t *dims, const void *data)
{
    hid_t fs = -1, ms = -1, d = -1, ok = -1;
    H5_TRY(fs = H5Screate_simple(nd, dims, NULL));
    H5_TRY(d = H5Dcreate2(loc, name, ftype, fs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    hsize_t rows = dims[0], row_elems = 1;
    for (int i = 1; i < nd; i++) row_elems *= dims[i];
    hsize_t lo = rows * (hsize_t)w->rank / (hsize_t)w->size;
    hsize_t hi = rows * (hsize_t)(w->rank + 1) / (hsize_t)w->size;
    hsize_t start[8] = {0}, count[8];
    for (int i = 0; i < nd; i++) count[i] = dims[i];
    start[0] = lo;
    count[0] = hi - lo;
    if (hi > lo) {
        H5_TRY(H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL));
        H5_TRY(ms = H5Screate_simple(nd, count, NULL));
    } else {
        /* empty selections on both sides, still taking part in the collective write */
        H5_TRY(H5Sselect_none(fs));
        H5_TRY(ms = H5Screate_simple(nd, dims, NULL));
        H5_TRY(H5Sselect_none(ms));
    }
    const char *base = (const char *)data + (hi > lo ? lo * row_elems * H5Tget_size(mtype) : 0);
    H5_TRY(H5Dwrite(d, mtype, ms, fs, w->xfer, base));
    ok = d;
    d = -1;
done:
    if (d >= 0) H5Dclose(d);
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
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

static const char *axis_name(const rs_grid *g, int i)
{
    static const char *names[] = {"d0", "d1", "n", "deficit"};
    return i == 0 && g->ratio_axis ? "d0_ratio" : names[i];
}

static int write_grid(writer *w, const rs_config *cfg, const rs_grid *g, hid_t scales[4])
{
    int rc = -1;
    hid_t grp = -1;
    int64_t *d0c = NULL, *P = NULL, *bins = NULL;
    hsize_t dims[3] = {(hsize_t)g->n0, (hsize_t)g->n1, (hsize_t)g->nn};
    H5_TRY(grp = H5Gcreate2(w->file, "grid", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (g->ratio_axis)
        scales[0] = put_axis(w, grp, "d0_ratio", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, (hsize_t)g->n0, cfg->d0_ratio.v);
    else
        scales[0] = put_axis(w, grp, "d0", H5T_NATIVE_INT64, H5T_STD_I64LE, (hsize_t)g->n0, cfg->d0.v);
    scales[1] = put_axis(w, grp, "d1", H5T_NATIVE_INT64, H5T_STD_I64LE, (hsize_t)g->n1, cfg->d1.v);
    scales[2] = put_axis(w, grp, "n", H5T_NATIVE_INT64, H5T_STD_I64LE, (hsize_t)g->nn, cfg->n.v);
    bins = rs_calloc((size_t)g->max_n + 1, sizeof *bins);
    d0c = rs_calloc((size_t)g->ncells, sizeof *d0c);
    P = rs_calloc((size_t)g->ncells, sizeof *P);
    if (!bins || !d0c || !P) goto done;
    for (int b = 0; b <= g->max_n; b++) bins[b] = b;
    scales[3] = put_axis(w, grp, "deficit", H5T_NATIVE_INT64, H5T_STD_I64LE, (hsize_t)g->max_n + 1, bins);
    for (int i = 0; i < 4; i++)
        if (scales[i] < 0) goto done;
    for (int c = 0; c < g->ncells; c++) {
        d0c[c] = g->cells[c].d0;
        P[c] = (int64_t)g->cells[c].d1 * g->cells[c].p;
    }
    if (put_grid_array(w, grp, "d0_of_cell", H5T_NATIVE_INT64, H5T_STD_I64LE, dims, 3, d0c, scales) ||
        put_grid_array(w, grp, "P", H5T_NATIVE_INT64, H5T_STD_I64LE, dims, 3, P, scales))
        goto done;
    rc = 0;
done:
    free(bins);
    free(d0c);
    free(P);
    if (grp >= 0) H5Gclose(grp);
    return rc;
}

static int write_stats(writer *w, const rs_grid *g, const rs_stats *st, const hid_t scales[4])
{
    int rc = -1;
    hid_t grp = -1;
    double *frac = NULL, *lo = NULL, *hi = NULL, *mean = NULL;
    hsize_t dims[4] = {(hsize_t)g->n0, (hsize_t)g->n1, (hsize_t)g->nn, (hsize_t)st->hist_bins};
    H5_TRY(grp = H5Gcreate2(w->file, "stats", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    const struct { const char *name; const int64_t *data; } counts[] = {
        {"trials", st->trials},           {"full_rank", st->full_rank},
        {"rank_sum", st->rank_sum},       {"zero_column", st->zero_column},
        {"crowded_column", st->crowded_column}, {"certified", st->certified},
        {"verified", st->verified},       {"verify_disagree", st->verify_disagree},
    };
    for (size_t i = 0; i < RS_ARRAY_LEN(counts); i++)
        if (put_grid_array(w, grp, counts[i].name, H5T_NATIVE_INT64, H5T_STD_I64LE, dims, 3, counts[i].data, scales))
            goto done;
    if (put_grid_array(w, grp, "deficit_hist", H5T_NATIVE_INT64, H5T_STD_I64LE, dims, 4, st->deficit_hist, scales))
        goto done;
    /* Hard links to the axes (same objects as /grid/<axis>): netCDF readers look for
     * dimensions in a group and its ancestors, and xarray shows only same-group
     * coordinates; with these, open_dataset(group="stats") is fully labelled. */
    for (int i = 0; i < 4; i++) {
        const char *name = axis_name(g, i);
        char path[64];
        RS_FMT(path, sizeof path, "/grid/%s", name);
        H5_TRY(H5Lcreate_hard(w->file, path, w->file, name, H5P_DEFAULT, H5P_DEFAULT));
        H5_TRY(H5Lcreate_hard(w->file, path, grp, name, H5P_DEFAULT, H5P_DEFAULT));
    }
    frac = rs_calloc((size_t)g->ncells, sizeof *frac);
    lo = rs_calloc((size_t)g->ncells, sizeof *lo);
    hi = rs_calloc((size_t)g->ncells, sizeof *hi);
    mean = rs_calloc((size_t)g->ncells, sizeof *mean);
    if (!frac || !lo || !hi || !mean) goto done;
    for (int c = 0; c < g->ncells; c++) {
        int64_t N = st->trials[c];
        frac[c] = N ? (double)st->full_rank[c] / (double)N : 0.0;
        mean[c] = N ? (double)st->rank_sum[c] / (double)N : 0.0;
        rs_wilson(st->full_rank[c], N, 1.959963984540054, &lo[c], &hi[c]);
    }
    const struct { const char *name; const double *data; } derived[] = {
        {"full_rank_fraction", frac}, {"full_rank_lo", lo}, {"full_rank_hi", hi}, {"mean_rank", mean},
    };
    for (size_t i = 0; i < RS_ARRAY_LEN(derived); i++)
        if (put_grid_array(w, grp, derived[i].name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, dims, 3, derived[i].data, scales))
            goto done;
    rc = 0;
done:
    free(frac);
    free(lo);
    free(hi);
    free(mean);
    if (grp >= 0) H5Gclose(grp);
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
    rc = 0;
done:
    free(ranks);
    if (scale >= 0) H5Dclose(scale);
    if (grp >= 0) H5Gclose(grp);
    return rc;
}

static int write_root_attrs(writer *w, const rs_config *cfg, const rs_provenance *prov, MPI_Comm comm)
{
    int rc = -1;
    rs_fact facts[RS_NFACTS];
    /* attributes must carry identical values on every rank: take rank 0's values */
    rs_provenance_collect(facts);
    for (int i = 0; i < RS_NFACTS; i++)
        RS_MPI_CHECK(MPI_Bcast(facts[i].value, (int)sizeof facts[i].value, MPI_CHAR, 0, comm));
    int64_t schema_version = RS_SCHEMA_VERSION, zero = 0, nranks = prov->nranks;
    H5_TRY(put_attr_string(w->file, "schema", "reluscape"));
    H5_TRY(put_attr_num(w->file, "schema_version", H5T_NATIVE_INT64, &schema_version));
    H5_TRY(put_attr_num(w->file, "complete", H5T_NATIVE_INT64, &zero));
    for (int i = 0; i < RS_NFACTS; i++) H5_TRY(put_attr_string(w->file, facts[i].key, facts[i].value));
    H5_TRY(put_attr_string(w->file, "created", prov->created));
    H5_TRY(put_attr_string(w->file, "command_line", prov->command_line));
    H5_TRY(put_attr_string(w->file, "config", prov->config_text));
    H5_TRY(put_attr_num(w->file, "seed", H5T_NATIVE_UINT64, &cfg->seed));
    H5_TRY(put_attr_num(w->file, "ranks", H5T_NATIVE_INT64, &nranks));
    int64_t shard[2] = {prov->shard_index, prov->shard_count > 0 ? prov->shard_count : 1};
    H5_TRY(put_attr_num(w->file, "shard_index", H5T_NATIVE_INT64, &shard[0]));
    H5_TRY(put_attr_num(w->file, "shard_count", H5T_NATIVE_INT64, &shard[1]));
    rc = 0;
done:
    return rc;
}

/* Last step: finished time and complete = 1, then close. */
static int mark_complete(writer *w, MPI_Comm comm)
{
    int rc = -1;
    hid_t a = -1;
    char now[64];
    if (w->rank == 0) rs_iso8601_now(now, sizeof now);
    RS_MPI_CHECK(MPI_Bcast(now, (int)sizeof now, MPI_CHAR, 0, comm));
    H5_TRY(put_attr_string(w->file, "finished", now));
    int64_t one = 1;
    H5_TRY(a = H5Aopen(w->file, "complete", H5P_DEFAULT));
    H5_TRY(H5Awrite(a, H5T_NATIVE_INT64, &one));
    rc = 0;
done:
    if (a >= 0) H5Aclose(a);
    return rc;
}

int rs_h5_write(const char *path, const rs_config *cfg, const rs_grid *g, const rs_stats *st,
                const rs_run_report *rep, const rs_provenance *prov, MPI_Comm comm)
{
    writer w = {.file = -1, .xfer = -1};
    MPI_Comm_rank(comm, &w.rank);
    MPI_Comm_size(comm, &w.size);
    char partial[RS_PATH_MAX + 16];
    RS_FMT(partial, sizeof partial, "%s.partial", path);
    hid_t fapl = -1, scales[4] = {-1, -1, -1, -1};
    int fail = 1;

    H5_TRY(fapl = H5Pcreate(H5P_FILE_ACCESS));
    H5_TRY(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL));
    H5_TRY(H5Pset_all_coll_metadata_ops(fapl, 1));
    H5_TRY(H5Pset_coll_metadata_write(fapl, 1));
    H5_TRY(w.xfer = H5Pcreate(H5P_DATASET_XFER));
    H5_TRY(H5Pset_dxpl_mpio(w.xfer, H5FD_MPIO_COLLECTIVE));
    w.file = H5Fcreate(partial, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (w.file < 0) {
        rs_error("cannot create '%s' (directory missing or not writable?)", partial);
        goto done;
    }
    if (write_root_attrs(&w, cfg, prov, comm) || write_grid(&w, cfg, g, scales) ||
        write_stats(&w, g, st, scales) || write_run(&w, rep))
        goto done;
    for (int i = 0; i < 4; i++) {
        H5Dclose(scales[i]);
        scales[i] = -1;
    }
    if (mark_complete(&w, comm)) goto done;
    H5_TRY(H5Fclose(w.file));
    w.file = -1;
    fail = 0;
done:
    for (int i = 0; i < 4; i++)
        if (scales[i] >= 0) H5Dclose(scales[i]);
    if (w.file >= 0) H5Fclose(w.file);
    if (w.xfer >= 0) H5Pclose(w.xfer);
    if (fapl >= 0) H5Pclose(fapl);
    /* HDF5 errors surface on all ranks for collective calls, but agree anyway */
    if (rs_any_true(fail, comm)) {
        if (w.rank == 0) remove(partial);
        return -1;
    }
    int rename_fail = 0;
    if (w.rank == 0 && rename(partial, path) != 0) {
        rs_error("cannot rename '%s' to '%s'", partial, path);
        rename_fail = 1;
    }
    return rs_any_true(rename_fail, comm) ? -1 : 0;
}
