/* checkpoint.c - checkpoint files for --resume (checkpoint.h). */
#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5file.h"
#include "reluscape/checkpoint.h"
#include "reluscape/config.h"
#include "util.h"

static int put_i64(hid_t loc, const char *name, int64_t value)
{
    return rs_h5_put_num(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

static int put_array(hid_t loc, const char *name, hid_t ftype, hid_t mtype, hsize_t len, const void *data)
{
    hsize_t dims[1] = {len};
    hid_t sp = H5Screate_simple(1, dims, NULL), d = -1;
    int ok = sp >= 0 && (d = H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
             H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
    if (d >= 0) H5Dclose(d);
    if (sp >= 0) H5Sclose(sp);
    return ok ? 0 : -1;
}

/* FNV-1a over everything a checkpoint holds: a flipped byte or a hand-edited done flag
 * changes it. */
static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *b = data;
    for (size_t i = 0; i < len; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* Format 2 hashes up to the statistics; format 3 adds the starts (nstarts >= 0). */
static uint64_t checksum(const char *config, int64_t si, int64_t sc, int64_t nunits, const uint8_t *done,
                         const int64_t *stats, int64_t nstats, const rs_start *starts, int64_t nstarts)
{
    uint64_t h = 0xcbf29ce484222325ull;
    int64_t head[4] = {si, sc, nunits, nstats};
    h = fnv(h, config, strlen(config));
    h = fnv(h, head, sizeof head);
    h = fnv(h, done, (size_t)nunits);
    h = fnv(h, stats, (size_t)nstats * sizeof *stats);
    for (int64_t k = 0; k < nstarts; k++) {
        const rs_start *p = &starts[k];
        double d[3] = {p->begin, p->end, p->busy_cpu};
        int64_t i[4] = {p->ranks, p->trials, p->ended, p->shard};
        h = fnv(h, d, sizeof d);
        h = fnv(h, i, sizeof i);
        h = fnv(h, p->host, strnlen(p->host, sizeof p->host));
    }
    return h;
}

const char *rs_start_end_name(int64_t ended)
{
    switch (ended) {
    case RS_START_COMPLETE: return "complete";
    case RS_START_SIGNAL: return "signal";
    case RS_START_CHECKPOINT: return "checkpoint";
    default: return "unknown";
    }
}

/* The compound type of one rs_start in memory (and, native, in the checkpoint file). */
static hid_t start_type(void)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(rs_start)), host = H5Tcopy(H5T_C_S1);
    int ok = t >= 0 && host >= 0 && H5Tset_size(host, RS_START_HOST_MAX) >= 0 &&
             H5Tinsert(t, "begin", HOFFSET(rs_start, begin), H5T_NATIVE_DOUBLE) >= 0 &&
             H5Tinsert(t, "end", HOFFSET(rs_start, end), H5T_NATIVE_DOUBLE) >= 0 &&
             H5Tinsert(t, "busy_cpu_seconds", HOFFSET(rs_start, busy_cpu), H5T_NATIVE_DOUBLE) >= 0 &&
             H5Tinsert(t, "ranks", HOFFSET(rs_start, ranks), H5T_NATIVE_INT64) >= 0 &&
             H5Tinsert(t, "trials", HOFFSET(rs_start, trials), H5T_NATIVE_INT64) >= 0 &&
             H5Tinsert(t, "ended", HOFFSET(rs_start, ended), H5T_NATIVE_INT64) >= 0 &&
             H5Tinsert(t, "shard", HOFFSET(rs_start, shard), H5T_NATIVE_INT64) >= 0 &&
             H5Tinsert(t, "host", HOFFSET(rs_start, host), host) >= 0;
    if (host >= 0) H5Tclose(host);
    if (!ok && t >= 0) H5Tclose(t);
    return ok ? t : -1;
}

static int put_starts(hid_t loc, const rs_start *starts, int64_t n)
{
    hid_t t = start_type();
    int rc = t >= 0 ? put_array(loc, "starts", t, t, (hsize_t)n, starts) : -1;
    if (t >= 0) H5Tclose(t);
    return rc;
}

int rs_checkpoint_write(const char *path, const rs_checkpoint *ck, char *err, size_t errlen)
{
    char tmp[RS_PATH_MAX + 8];
    RS_FMT(tmp, sizeof tmp, "%s.tmp", path);
    H5E_auto2_t func;
    void *data;
    H5Eget_auto2(H5E_DEFAULT, &func, &data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = rs_h5_create_in_memory(); /* saved by rs_h5_save: its I/O errors are ours (h5file.h) */
    int ok = f >= 0 && put_i64(f, "checkpoint_version", RS_CHECKPOINT_VERSION) == 0 &&
             rs_h5_put_str(f, "config", ck->config) == 0 && put_i64(f, "shard_index", ck->shard_index) == 0 &&
             put_i64(f, "shard_count", ck->shard_count) == 0 &&
             put_array(f, "done", H5T_STD_U8LE, H5T_NATIVE_UINT8, (hsize_t)ck->nunits, ck->done) == 0 &&
             put_array(f, "stats", H5T_STD_I64LE, H5T_NATIVE_INT64, (hsize_t)ck->nstats, ck->stats) == 0 &&
             put_starts(f, ck->starts, ck->nstarts) == 0 &&
             put_i64(f, "checksum", (int64_t)checksum(ck->config, ck->shard_index, ck->shard_count, ck->nunits,
                                                      ck->done, ck->stats, ck->nstats, ck->starts,
                                                      ck->nstarts)) == 0;
    H5Eset_auto2(H5E_DEFAULT, func, data);
    if (!ok) {
        if (f >= 0) H5Fclose(f);
        RS_FMT(err, errlen, "cannot write checkpoint '%s': HDF5 could not build it", tmp);
        return -1;
    }
    /* the previous checkpoint is replaced only by a whole new one */
    if (rs_h5_save(f, tmp, err, errlen)) return -1;
    if (rename(tmp, path) == 0) return 0;
    RS_FMT(err, errlen, "cannot write checkpoint '%s': %s", path, strerror(errno));
    remove(tmp);
    return -1;
}

static int get_i64(hid_t loc, const char *name, int64_t *v)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    int ok = a >= 0 && H5Aread(a, H5T_NATIVE_INT64, v) >= 0;
    if (a >= 0) H5Aclose(a);
    return ok ? 0 : -1;
}

/* Variable-length string attribute; caller frees. */
static char *get_str(hid_t loc, const char *name)
{
    char *value = NULL, *copy = NULL;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = H5Tcopy(H5T_C_S1);
    if (a >= 0 && t >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 && H5Tset_cset(t, H5T_CSET_UTF8) >= 0 &&
        H5Aread(a, t, &value) >= 0 && value) {
        copy = strdup(value);
        H5free_memory(value);
    }
    if (t >= 0) H5Tclose(t);
    if (a >= 0) H5Aclose(a);
    return copy;
}

static int get_array(hid_t loc, const char *name, hid_t mtype, int64_t len, void *out)
{
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT), sp = d >= 0 ? H5Dget_space(d) : -1;
    hsize_t dims[1] = {0};
    int ok = sp >= 0 && H5Sget_simple_extent_ndims(sp) == 1 && H5Sget_simple_extent_dims(sp, dims, NULL) == 1 &&
             (int64_t)dims[0] == len && H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0;
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
    return ok ? 0 : -1;
}

/* The first line where two texts differ, for the message. */
static void first_difference(const char *a, const char *b, char *out, size_t len)
{
    int line = 1;
    const char *la = a, *lb = b;
    while (*a && *a == *b) {
        if (*a == '\n') line++, la = a + 1, lb = b + 1;
        a++, b++;
    }
    int na = (int)strcspn(la, "\n"), nb = (int)strcspn(lb, "\n");
    RS_FMT(out, len, "line %d of the effective config: checkpoint has '%.*s', this run '%.*s'", line, na, la, nb, lb);
}

/* The starts dataset: *n of them, malloc'ed (NULL if none). */
static int get_starts(hid_t loc, rs_start **out, int64_t *n)
{
    hid_t d = H5Dopen2(loc, "starts", H5P_DEFAULT), sp = d >= 0 ? H5Dget_space(d) : -1, t = start_type();
    hsize_t dims[1] = {0};
    int ok = sp >= 0 && t >= 0 && H5Sget_simple_extent_ndims(sp) == 1 &&
             H5Sget_simple_extent_dims(sp, dims, NULL) == 1 && dims[0] < 1000000;
    if (ok && dims[0] > 0) {
        ok = (*out = rs_calloc((size_t)dims[0], sizeof **out)) != NULL &&
             H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) >= 0;
        for (hsize_t k = 0; ok && k < dims[0]; k++) (*out)[k].host[RS_START_HOST_MAX - 1] = '\0';
    }
    *n = ok ? (int64_t)dims[0] : 0;
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
    return ok ? 0 : -1;
}

int rs_checkpoint_read(const char *path, const rs_checkpoint *expect, uint8_t *done, int64_t *stats,
                       rs_start **starts, int64_t *nstarts, char *err, size_t errlen)
{
    *starts = NULL;
    *nstarts = 0;
    if (access(path, F_OK) != 0) return 1;
    H5E_auto2_t func;
    void *data;
    H5Eget_auto2(H5E_DEFAULT, &func, &data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int rc = -1;
    char *config = NULL;
    int64_t version = 0, si = -1, sc = -1;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        RS_FMT(err, errlen, "checkpoint '%s' is not a readable HDF5 file", path);
        goto done;
    }
    /* format 2 (no accounting) is still read: its earlier starts are then unknown */
    if (get_i64(f, "checkpoint_version", &version) || (version != RS_CHECKPOINT_VERSION && version != 2)) {
        RS_FMT(err, errlen, "checkpoint '%s' has format %lld, this reluscape reads 2 and %d: finish it with the "
               "binary that wrote it, or start afresh without --resume", path, (long long)version,
               RS_CHECKPOINT_VERSION);
        goto done;
    }
    if (!(config = get_str(f, "config")) || get_i64(f, "shard_index", &si) || get_i64(f, "shard_count", &sc)) {
        RS_FMT(err, errlen, "checkpoint '%s' lacks its config or shard", path);
        goto done;
    }
    if (strcmp(config, expect->config)) {
        char what[RS_ERR_MAX / 2];
        first_difference(config, expect->config, what, sizeof what);
        RS_FMT(err, errlen, "checkpoint '%s' belongs to another configuration (%s): resume with the same "
               "config, or start afresh without --resume", path, what);
        goto done;
    }
    if (si != expect->shard_index || sc != expect->shard_count) {
        RS_FMT(err, errlen, "checkpoint '%s' is of shard %lld/%lld, this run is shard %lld/%lld", path,
               (long long)si, (long long)sc, (long long)expect->shard_index, (long long)expect->shard_count);
        goto done;
    }
    if (get_array(f, "done", H5T_NATIVE_UINT8, expect->nunits, done) ||
        get_array(f, "stats", H5T_NATIVE_INT64, expect->nstats, stats)) {
        RS_FMT(err, errlen, "checkpoint '%s' does not match this run's work units or statistics (written by "
               "another version?)", path);
        goto done;
    }
    if (version >= 3 && get_starts(f, starts, nstarts)) {
        RS_FMT(err, errlen, "checkpoint '%s' has no readable list of starts (damaged?): remove it and start "
               "afresh without --resume", path);
        goto done;
    }
    int64_t sum = 0;
    if (get_i64(f, "checksum", &sum) ||
        (uint64_t)sum != checksum(config, si, sc, expect->nunits, done, stats, expect->nstats, *starts,
                                  *nstarts)) {
        RS_FMT(err, errlen, "checkpoint '%s' is damaged (its checksum does not match its contents): remove it "
               "and start afresh without --resume", path);
        goto done;
    }
    for (int64_t k = 0; k < expect->nunits; k++)
        if (done[k] > 1) {
            RS_FMT(err, errlen, "checkpoint '%s' is damaged (done flag %lld is %d): remove it and start afresh "
                   "without --resume", path, (long long)k, done[k]);
            goto done;
        }
    if (version == 2) *nstarts = -1;
    rc = 0;
done:
    if (rc) {
        free(*starts);
        *starts = NULL;
        *nstarts = 0;
    }
    if (f >= 0) H5Fclose(f);
    H5Eset_auto2(H5E_DEFAULT, func, data);
    free(config);
    return rc;
}
