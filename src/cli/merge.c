/* cli/merge.c - `reluscape merge -o OUT.h5 [--force] PART.h5...`: combine the parts of a
 * job array (`reluscape run ... --shard i/N`, i = 0..N-1) into one result file whose
 * integer /stats arrays are the exact sums, identical to one run of the whole config.
 *
 * Rank 0 checks and reads the parts with serial HDF5 (a merge must work on a login node,
 * and the parts are small next to the sweep); every rank then takes part in the
 * collective write of rs_h5_write, so `mpiexec -n K reluscape merge` works as well.
 * Any refusal (unreadable, incomplete, mismatched, overlapping or missing parts, an
 * existing output without --force) exits 2 before anything is written.  The result is
 * written under a scratch name and renamed to OUT.h5 only when whole, like `run`. */
#include "config.h"

#include <errno.h>
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/h5read.h"
#include "provenance.h"
#include "reluscape/cli.h"
#include "reluscape/config.h"
#include "reluscape/experiment.h"
#include "reluscape/h5out.h"
#include "reluscape/log.h"
#include "reluscape/stats.h"
#include "reluscape/sweep.h"
#include "util.h"

#define RS_MERGE_MAX_LISTED 16   /* missing shards named in a message before "..." */

typedef struct merge_args {
    const char *output;
    int force;
    int nparts;
    char **parts; /* [nparts], pointers into argv */
} merge_args;

/* What rank 0 learns about a part in the first (metadata) pass. */
typedef struct rs_part {
    const char *path;
    int64_t shard_index, shard_count;
} rs_part;

/* Everything the write needs; filled by rank 0, then broadcast. */
typedef struct rs_merged {
    char *config_text;     /* the `config` attribute of shard 0 */
    rs_config cfg;
    int parsed;
    rs_grid grid;
    rs_stats st;
    rs_run_report rep;
    int *order;            /* rank 0: part indices by shard index */
    int lacks_draws;       /* a part predates the cluster counters: their sums are unknown */
} rs_merged;

static void merge_usage(FILE *out)
{
    fprintf(out,
            "usage: reluscape merge -o OUT.h5 [--force] PART.h5...\n"
            "  Combine the parts of a job array (reluscape run ... --shard i/N -o part_i.h5,\n"
            "  i = 0..N-1) into one result file: the /stats counts are the exact sums, identical\n"
            "  to one run of the whole config.  A single whole-run file is copied.\n"
            "  -o OUT.h5   merged output file\n"
            "  --force     replace an existing OUT.h5 (only once the new one is complete)\n"
            "exit status: 0 ok, 1 runtime failure, 2 bad usage or parts that do not fit together\n");
}

/* Local (same result on every rank). 0 ok, 1 help printed, -1 usage error. */
static int parse_args(int argc, char **argv, merge_args *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->parts = rs_calloc((size_t)argc, sizeof *a->parts);
    if (!a->parts) return RS_FMT(err, errlen, "out of memory"), -1;
    int only_files = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (only_files || s[0] != '-' || !s[1])
            a->parts[a->nparts++] = argv[i];
        else if (!strcmp(s, "--"))
            only_files = 1;
        else if (!strcmp(s, "-h") || !strcmp(s, "--help"))
            return 1;
        else if (!strcmp(s, "--force"))
            a->force = 1;
        else if (!strcmp(s, "-o") || !strcmp(s, "--output")) {
            if (i + 1 >= argc) return RS_FMT(err, errlen, "%s needs a value", s), -1;
            if (a->output) return RS_FMT(err, errlen, "more than one output given ('%s' and '%s')", a->output, argv[i + 1]), -1;
            a->output = argv[++i];
        } else
            return RS_FMT(err, errlen, "unknown option '%s'", s), -1;
    }
    if (!a->output) return RS_FMT(err, errlen, "no output given: -o OUT.h5"), -1;
    /* rs_h5_write appends ".partial" within RS_PATH_MAX + 16 */
    if (strlen(a->output) >= RS_PATH_MAX)
        return RS_FMT(err, errlen, "output name is too long"), -1;
    if (a->nparts < 1) return RS_FMT(err, errlen, "no part files given"), -1;
    return 0;
}


/* The shared reader with the shape check of want (0 = any extent, got receives them). */
static int read_dset(hid_t f, const char *path, int nd, const hsize_t *want, hsize_t *got, hid_t memtype,
                     void **buf, size_t elsize, char *err, size_t errlen)
{
    hsize_t dims[H5S_MAX_RANK];
    (void)elsize; /* int64 and double: both 8 bytes, as rs_h5_read_dset reads them */
    for (int i = 0; i < nd; i++) dims[i] = want[i];
    if (rs_h5_read_dset(f, path, nd, dims, memtype, buf, err, errlen) != RS_EXIT_OK) return -1;
    for (int i = 0; got && i < nd; i++) got[i] = dims[i];
    return 0;
}

/* Open a part and check that it is a complete reluscape file this version reads.
 * Returns the open file, or -1 with a message in err (*rc: the exit code). */
static hid_t open_part(const char *path, int *rc, char *err, size_t errlen)
{
    hid_t f = H5I_INVALID_HID;
    char *schema = NULL;
    *rc = RS_EXIT_USAGE;
    char why[256];
    int io_error;
    if ((f = rs_h5_open_read(path, &io_error, why, sizeof why)) < 0)
        return RS_FMT(err, errlen, "'%s': %s", path, why), -1;
    int o = rs_h5_attr_str(f, "schema", &schema);
    if (o <= 0 || strcmp(schema, "reluscape") != 0) {
        RS_FMT(err, errlen, "'%s': not a reluscape result file (root attribute 'schema' %s)", path,
               o == 0 ? "is missing" : o < 0 ? "is unreadable" : "is not \"reluscape\"");
        goto fail;
    }
    int64_t version = 0, complete = 0;
    if (rs_h5_attr_num(f, "schema_version", H5T_NATIVE_INT64, &version) <= 0) {
        RS_FMT(err, errlen, "'%s': missing or unreadable root attribute 'schema_version'", path);
        goto fail;
    }
    if (version < 1 || version > RS_SCHEMA_VERSION) {
        RS_FMT(err, errlen, "'%s': schema_version %lld is %s than this reluscape reads (%d)", path,
               (long long)version, version < 1 ? "older" : "newer", RS_SCHEMA_VERSION);
        goto fail;
    }
    if (rs_h5_attr_num(f, "complete", H5T_NATIVE_INT64, &complete) <= 0 || complete != 1) {
        RS_FMT(err, errlen, "'%s': incomplete part (complete = %lld): finish it with --resume", path,
               (long long)complete);
        goto fail;
    }
    free(schema);
    return f;
fail:
    free(schema);
    H5Fclose(f);
    return -1;
}

/* Name the first line where two science texts differ, with its [section]. */
static void describe_difference(const char *a, const char *b, const char *pa, const char *pb, char *err,
                                size_t errlen)
{
    char section[64] = "";
    for (;;) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        if (la != lb || memcmp(a, b, la)) {
            RS_FMT(err, errlen,
                   "parts '%s' and '%s' come from different configurations (beyond [output]): "
                   "first difference%s%s: '%.*s' in '%s', '%.*s' in '%s'",
                   pa, pb, section[0] ? " in " : "", section, (int)la, a, pa, (int)lb, b, pb);
            return;
        }
        if (la > 0 && a[0] == '[') RS_FMT(section, sizeof section, "%.*s", (int)la, a);
        if (!a[la]) break;
        a += la + 1;
        b += lb + 1;
    }
    RS_FMT(err, errlen, "parts '%s' and '%s' come from different configurations", pa, pb);
}

static const rs_part *sort_parts; /* qsort has no context argument */

static int cmp_shard(const void *x, const void *y)
{
    const rs_part *a = &sort_parts[*(const int *)x], *b = &sort_parts[*(const int *)y];
    if (a->shard_index != b->shard_index) return a->shard_index < b->shard_index ? -1 : 1;
    return *(const int *)x - *(const int *)y; /* command-line order among equals */
}

/* Rank 0, first pass: every part is a complete reluscape file of the same config, and the
 * shards are exactly 0..N-1 once each.  Leaves the config text of the lowest shard, its
 * parsed config and the shard order in m.  Returns an rs_exit code with a message in err. */
static int check_parts(const merge_args *a, rs_part *parts, rs_merged *m, char *err, size_t errlen)
{
    int rc = RS_EXIT_USAGE;
    char *first_science = NULL, *text = NULL, *science = NULL;
    int64_t lowest = 0;
    for (int i = 0; i < a->nparts; i++) {
        rs_part *p = &parts[i];
        p->path = a->parts[i];
        int orc;
        hid_t f = open_part(p->path, &orc, err, errlen);
        if (f < 0) {
            rc = orc;
            goto done;
        }
        int o = rs_h5_attr_str(f, "config", &text);
        /* files written before job arrays have no shard attributes: whole runs */
        int si = rs_h5_attr_num(f, "shard_index", H5T_NATIVE_INT64, &p->shard_index);
        int sc = rs_h5_attr_num(f, "shard_count", H5T_NATIVE_INT64, &p->shard_count);
        H5Fclose(f);
        if (si == 0 && sc == 0) p->shard_index = 0, p->shard_count = 1;
        if (o <= 0) {
            RS_FMT(err, errlen, "'%s': root attribute 'config' is %s", p->path, o ? "unreadable" : "missing");
            goto done;
        }
        if (si < 0 || sc < 0 || (si == 0) != (sc == 0) || p->shard_count < 1 || p->shard_index < 0 ||
            p->shard_index >= p->shard_count) {
            RS_FMT(err, errlen, "'%s': root attributes shard_index, shard_count are missing or invalid", p->path);
            goto done;
        }
        rs_config cfg;
        if (rs_config_parse(text, p->path, 0, NULL, &cfg, err, errlen)) {
            size_t len = strlen(err); /* the message says "PATH:LINE: key ...": say which text */
            RS_FMT(err + len, errlen - len, " (in its root attribute 'config')");
            goto done;
        }
        science = rs_config_science_text(&cfg);
        if (!science) {
            rs_config_free(&cfg);
            RS_FMT(err, errlen, "out of memory");
            rc = RS_EXIT_FAILURE;
            goto done;
        }
        if (i > 0 && strcmp(science, first_science)) {
            rs_config_free(&cfg);
            describe_difference(first_science, science, parts[0].path, p->path, err, errlen);
            goto done;
        }
        /* the merged file's config is part 0's (the parts differ at most in [output]) */
        if (i == 0 || p->shard_index < lowest) {
            if (m->parsed) rs_config_free(&m->cfg);
            free(m->config_text);
            m->cfg = cfg;
            m->parsed = 1;
            m->config_text = text;
            text = NULL;
            lowest = p->shard_index;
        } else
            rs_config_free(&cfg);
        if (i == 0) {
            first_science = science;
            science = NULL;
        }
        free(text);
        free(science);
        text = science = NULL;
    }

    /* shards: whole runs alone, one N, each index once, none missing */
    if (a->nparts > 1)
        for (int i = 0; i < a->nparts; i++)
            if (parts[i].shard_count == 1) {
                RS_FMT(err, errlen, "'%s' is a whole run (shard_count 1), not a part of a job array: "
                       "it cannot be merged with other files", parts[i].path);
                goto done;
            }
    for (int i = 1; i < a->nparts; i++)
        if (parts[i].shard_count != parts[0].shard_count) {
            RS_FMT(err, errlen, "parts of different job arrays: '%s' is shard %lld/%lld, '%s' is shard %lld/%lld",
                   parts[0].path, (long long)parts[0].shard_index, (long long)parts[0].shard_count, parts[i].path,
                   (long long)parts[i].shard_index, (long long)parts[i].shard_count);
            goto done;
        }
    if (!(m->order = rs_calloc((size_t)a->nparts, sizeof *m->order))) {
        RS_FMT(err, errlen, "out of memory");
        rc = RS_EXIT_FAILURE;
        goto done;
    }
    for (int i = 0; i < a->nparts; i++) m->order[i] = i;
    sort_parts = parts;
    qsort(m->order, (size_t)a->nparts, sizeof *m->order, cmp_shard);
    for (int k = 1; k < a->nparts; k++) {
        const rs_part *p = &parts[m->order[k - 1]], *q = &parts[m->order[k]];
        if (p->shard_index == q->shard_index) {
            if (!strcmp(p->path, q->path))
                RS_FMT(err, errlen, "overlapping parts: '%s' (shard %lld/%lld) is given twice", p->path,
                       (long long)p->shard_index, (long long)p->shard_count);
            else
                RS_FMT(err, errlen, "overlapping parts: '%s' and '%s' are both shard %lld/%lld", p->path, q->path,
                       (long long)p->shard_index, (long long)p->shard_count);
            goto done;
        }
    }
    int64_t N = parts[0].shard_count;
    if (a->nparts < N) {
        /* distinct indices in [0, N), sorted: the gaps are the missing shards */
        char list[1024] = "";
        int listed = 0;
        int64_t next = 0;
        for (int k = 0; k <= a->nparts && listed <= RS_MERGE_MAX_LISTED; k++) {
            int64_t upto = k < a->nparts ? parts[m->order[k]].shard_index : N; /* missing: [next, upto) */
            if (upto > next) {
                size_t len = strlen(list);
                if (listed++ == RS_MERGE_MAX_LISTED)
                    RS_FMT(list + len, sizeof list - len, ", ...");
                else if (upto - next == 1)
                    RS_FMT(list + len, sizeof list - len, "%s%lld", len ? ", " : "", (long long)next);
                else
                    RS_FMT(list + len, sizeof list - len, "%s%lld-%lld", len ? ", " : "", (long long)next,
                           (long long)(upto - 1));
            }
            next = upto + 1;
        }
        RS_FMT(err, errlen, "incomplete job array: shard%s %s of 0..%lld missing (%d of %lld parts given, "
               "e.g. '%s'): run them and merge again", a->nparts + 1 < N ? "s" : "", list, (long long)(N - 1),
               a->nparts, (long long)N, parts[0].path);
        goto done;
    }
    rc = RS_EXIT_OK;
done:
    free(text);
    free(science);
    free(first_science);
    return rc;
}

static int add_checked(int64_t *dst, const int64_t *src, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (__builtin_add_overflow(dst[i], src[i], &dst[i])) return -1;
    return 0;
}

/* The cluster-interval rows (stats.h), absent from parts written before them. */
static int is_draw_row(const rs_stat_def *d)
{
    return d->derive == RS_DERIVE_CLUSTER || !strcmp(d->name, "datasets");
}

/* Rank 0: append a part's starts (/run/start_*) to rep->starts; a part written before
 * they existed counts as one start with its ranks' busy seconds and trials. */
static int read_starts(hid_t f, const rs_part *p, rs_run_report *rep, const double *busy, const int64_t *done_,
                       hsize_t nranks, double wall, char *err, size_t errlen)
{
    static const char *const fname[3] = {"/run/start_begin", "/run/start_end", "/run/start_busy_cpu_seconds"};
    static const char *const iname[4] = {"/run/start_ranks", "/run/start_trials", "/run/start_ended",
                                         "/run/start_shard"};
    double *dv[3] = {0};
    int64_t *iv[4] = {0};
    char **host = NULL, msg[512];
    hsize_t n[1] = {1};
    hid_t d = -1, t = -1;
    int rc = RS_EXIT_USAGE, have = rs_h5_exists(f, "/run/start_begin") > 0, k;
    if (have) {
        hsize_t any[1] = {0};
        for (k = 0; k < 3; k++)
            if (read_dset(f, fname[k], 1, k ? n : any, k ? NULL : n, H5T_NATIVE_DOUBLE, (void **)&dv[k],
                          sizeof *dv[k], msg, sizeof msg))
                goto bad;
        for (k = 0; k < 4; k++)
            if (read_dset(f, iname[k], 1, n, NULL, H5T_NATIVE_INT64, (void **)&iv[k], sizeof *iv[k], msg, sizeof msg))
                goto bad;
        host = rs_calloc((size_t)n[0], sizeof *host);
        if (!host || (t = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(t, H5T_VARIABLE) < 0 ||
            (d = H5Dopen2(f, "/run/start_host", H5P_DEFAULT)) < 0 ||
            H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, host) < 0) {
            RS_FMT(msg, sizeof msg, "/run/start_host is missing or not %llu strings", (unsigned long long)n[0]);
            goto bad;
        }
    }
    rs_start *all = realloc(rep->starts, (size_t)(rep->nstarts + (int64_t)n[0]) * sizeof *all);
    if (!all) {
        RS_FMT(err, errlen, "out of memory");
        rc = RS_EXIT_FAILURE;
        goto done;
    }
    rep->starts = all;
    for (hsize_t j = 0; j < n[0]; j++) {
        rs_start *o = &all[rep->nstarts++];
        memset(o, 0, sizeof *o);
        if (have) {
            o->begin = dv[0][j], o->end = dv[1][j], o->busy_cpu = dv[2][j];
            o->ranks = iv[0][j], o->trials = iv[1][j], o->ended = iv[2][j], o->shard = iv[3][j];
            RS_FMT(o->host, sizeof o->host, "%s", host[j] ? host[j] : "");
        } else { /* the begin is unknown; the end is when the part finished its sweep */
            o->begin = 0, o->end = wall, o->ranks = (int64_t)nranks, o->shard = p->shard_index;
            for (hsize_t r = 0; r < nranks; r++) o->busy_cpu += busy[r], o->trials += done_[r];
        }
    }
    rc = RS_EXIT_OK;
    goto done;
bad:
    RS_FMT(err, errlen, "'%s': %s", p->path, msg);
done:
    if (host && d >= 0 && t >= 0) {
        hid_t sp = H5Dget_space(d);
        if (sp >= 0) H5Dvlen_reclaim(t, sp, H5P_DEFAULT, host), H5Sclose(sp);
    }
    free(host);
    if (d >= 0) H5Dclose(d);
    if (t >= 0) H5Tclose(t);
    for (k = 0; k < 3; k++) free(dv[k]);
    for (k = 0; k < 4; k++) free(iv[k]);
    return rc;
}

/* Rank 0, second pass: sum one part's /stats into m->st and append its /run arrays. */
static int read_part(const rs_part *p, rs_merged *m, char *err, size_t errlen)
{
    int rc = RS_EXIT_USAGE, orc;
    int64_t *counts = NULL, *done_ = NULL;
    double *busy = NULL;
    char msg[512];
    hid_t f = open_part(p->path, &orc, err, errlen), run = H5I_INVALID_HID;
    if (f < 0) return orc;
    const rs_grid *g = &m->grid;
    rs_stats *st = &m->st;
    for (int k = 0; k < st->ndefs; k++) {
        char path[128];
        hsize_t want[5] = {(hsize_t)g->n0, (hsize_t)g->n1, (hsize_t)g->nn, (hsize_t)st->bins[k][0],
                           (hsize_t)st->bins[k][1]};
        int nd = 3 + (st->defs[k].axis[0] != RS_AXIS_NONE) + (st->defs[k].axis[1] != RS_AXIS_NONE);
        RS_FMT(path, sizeof path, "/stats/%s", st->defs[k].name);
        if (is_draw_row(&st->defs[k]) && H5Lexists(f, path, H5P_DEFAULT) <= 0) {
            m->lacks_draws = 1;
            continue;
        }
        if (read_dset(f, path, nd, want, NULL, H5T_NATIVE_INT64, (void **)&counts, sizeof *counts, msg, sizeof msg)) {
            RS_FMT(err, errlen, "'%s': %s", p->path, msg);
            goto done;
        }
        for (size_t i = 0; i < (size_t)g->ncells * (size_t)st->width[k]; i++)
            if (counts[i] < 0) {
                RS_FMT(err, errlen, "'%s': /stats/%s holds a negative count (%lld): a damaged part", p->path,
                       st->defs[k].name, (long long)counts[i]);
                goto done;
            }
        if (add_checked(rs_stat_cell(st, k, 0), counts, (size_t)g->ncells * (size_t)st->width[k])) {
            RS_FMT(err, errlen, "'%s': /stats/%s: the sum overflows int64", p->path, st->defs[k].name);
            goto done;
        }
        free(counts);
        counts = NULL;
    }

    /* /run: per-rank accounting, concatenated over the parts */
    hsize_t any[1] = {0}, nr[1];
    if (read_dset(f, "/run/busy_cpu_seconds", 1, any, nr, H5T_NATIVE_DOUBLE, (void **)&busy, sizeof *busy, msg,
                  sizeof msg) ||
        read_dset(f, "/run/trials_done", 1, nr, NULL, H5T_NATIVE_INT64, (void **)&done_, sizeof *done_, msg,
                  sizeof msg)) {
        RS_FMT(err, errlen, "'%s': %s", p->path, msg);
        goto done;
    }
    double wall = 0;
    int64_t units = 0;
    if ((run = H5Gopen2(f, "/run", H5P_DEFAULT)) < 0 ||
        rs_h5_attr_num(run, "wall_seconds", H5T_NATIVE_DOUBLE, &wall) <= 0 ||
        rs_h5_attr_num(run, "work_units", H5T_NATIVE_INT64, &units) <= 0) {
        RS_FMT(err, errlen, "'%s': missing or unreadable /run attributes wall_seconds, work_units", p->path);
        goto done;
    }
    rs_run_report *rep = &m->rep;
    size_t old = (size_t)rep->nranks, add = (size_t)nr[0];
    if (old + add > INT32_MAX) {
        RS_FMT(err, errlen, "'%s': too many ranks over all parts", p->path);
        goto done;
    }
    double *nb = realloc(rep->busy_cpu, (old + add) * sizeof *nb);
    if (nb) rep->busy_cpu = nb;
    int64_t *nd = nb ? realloc(rep->trials_done, (old + add) * sizeof *nd) : NULL;
    if (nd) rep->trials_done = nd;
    if (!nb || !nd) {
        RS_FMT(err, errlen, "out of memory");
        rc = RS_EXIT_FAILURE;
        goto done;
    }
    memcpy(rep->busy_cpu + old, busy, add * sizeof *busy);
    memcpy(rep->trials_done + old, done_, add * sizeof *done_);
    rep->nranks = (int)(old + add);
    if (wall > rep->wall) rep->wall = wall;
    rep->units += units;
    rc = read_starts(f, p, rep, busy, done_, nr[0], wall, err, errlen);
done:
    free(counts);
    free(busy);
    free(done_);
    if (run >= 0) H5Gclose(run);
    H5Fclose(f);
    return rc;
}

/* Rank 0: check and read every part into m.  Returns an rs_exit code; on failure the
 * message has been printed. */
static int gather_parts(const merge_args *a, rs_merged *m)
{
    char err[RS_ERR_MAX] = "";
    rs_part *parts = rs_calloc((size_t)a->nparts, sizeof *parts);
    int rc = RS_EXIT_FAILURE;
    /* our own messages instead of HDF5's error stack; restored afterwards */
    H5E_auto2_t old_func = NULL;
    void *old_data = NULL;
    int have_old = H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data) >= 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (!parts) {
        RS_FMT(err, sizeof err, "out of memory");
        goto done;
    }
    if ((rc = check_parts(a, parts, m, err, sizeof err))) goto done;
    rc = RS_EXIT_USAGE;
    if (rs_grid_build(&m->cfg, parts[0].path, &m->grid, err, sizeof err)) goto done;
    rc = RS_EXIT_FAILURE;
    const rs_experiment *exp = rs_experiment_lookup(m->cfg.experiment);
    if (rs_stats_alloc(&m->st, exp->stats, exp->nstats, &m->cfg, &m->grid)) {
        RS_FMT(err, sizeof err, "out of memory for the statistics of %d cells", m->grid.ncells);
        goto done;
    }
    for (int k = 0; k < a->nparts; k++)
        if ((rc = read_part(&parts[m->order[k]], m, err, sizeof err))) goto done;
    /* no draw counts from some part: no cluster interval (NaN) rather than a wrong one */
    for (int k = 0; m->lacks_draws && k < m->st.ndefs; k++)
        if (is_draw_row(&m->st.defs[k]))
            memset(rs_stat_cell(&m->st, k, 0), 0, (size_t)m->grid.ncells * sizeof(int64_t));
    /* every shard scheme covers each trial once: anything else means parts that only
     * look alike (another program version, a damaged file) */
    rc = RS_EXIT_USAGE;
    char why[256];
    if (rs_stats_check(&m->st, NULL, why, sizeof why)) {
        RS_FMT(err, sizeof err, "the parts' statistics are inconsistent (%s): a damaged part ('%s' ...)", why,
               parts[0].path);
        goto done;
    }
    for (int c = 0; c < m->grid.ncells; c++)
        if (*rs_stat_cell(&m->st, 0, c) != m->grid.cells[c].trials) {
            const rs_cell *cell = &m->grid.cells[c];
            RS_FMT(err, sizeof err, "the parts hold %lld trials of cell d0=%d d1=%d n=%d, the config asks for %lld: "
                   "they do not add up to the whole run ('%s' ...)", (long long)*rs_stat_cell(&m->st, 0, c), cell->d0,
                   cell->d1, cell->n, (long long)cell->trials, parts[0].path);
            goto done;
        }
    rs_run_report *rep = &m->rep;
    double max = 0, sum = 0;
    for (int r = 0; r < rep->nranks; r++) {
        sum += rep->busy_cpu[r];
        if (rep->busy_cpu[r] > max) max = rep->busy_cpu[r];
    }
    rep->imbalance = sum > 0 ? max / (sum / rep->nranks) : 1.0;
    rc = RS_EXIT_OK;
done:
    if (rc != RS_EXIT_OK) rs_error("merge: %s", err);
    if (have_old) H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
    free(parts);
    return rc;
}

/* ------------------------------------------------------------------ broadcast */

static void bcast_i64(int64_t *v, int64_t count, MPI_Comm comm)
{
    /* chunks keep each count within int for large grids */
    const int64_t chunk = 1 << 26;
    for (int64_t off = 0; off < count; off += chunk)
        RS_MPI_CHECK(MPI_Bcast(v + off, (int)(count - off < chunk ? count - off : chunk), MPI_INT64_T, 0, comm));
}

/* Rank 0 -> all: config text (every rank parses it and builds the grid), sums, report.
 * Collective; 0, or -1 on every rank after a local failure (message printed). */
static int share_merged(rs_merged *m, MPI_Comm comm, int rank)
{
    long long len = rank == 0 ? (long long)strlen(m->config_text) : 0;
    RS_MPI_CHECK(MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, comm));
    int fail = 0;
    char err[RS_ERR_MAX] = "";
    if (rank != 0 && !(m->config_text = malloc((size_t)len + 1))) rs_mpi_fail(MPI_ERR_NO_MEM, "malloc", __FILE__, __LINE__);
    RS_MPI_CHECK(MPI_Bcast(m->config_text, (int)len + 1, MPI_CHAR, 0, comm));
    if (rank != 0) {
        /* rank 0 parsed and built the same text: the same result here */
        m->parsed = rs_config_parse(m->config_text, "merged config", 0, NULL, &m->cfg, err, sizeof err) == 0;
        const rs_experiment *exp = m->parsed ? rs_experiment_lookup(m->cfg.experiment) : NULL;
        fail = !m->parsed || rs_grid_build(&m->cfg, "merged config", &m->grid, err, sizeof err) ||
               rs_stats_alloc(&m->st, exp->stats, exp->nstats, &m->cfg, &m->grid);
        if (fail) rs_error("merge: rank %d: %s", rank, err[0] ? err : "out of memory");
    }
    rs_run_report *rep = &m->rep;
    int nranks = rep->nranks;
    RS_MPI_CHECK(MPI_Bcast(&nranks, 1, MPI_INT, 0, comm));
    if (rank != 0) {
        rep->nranks = nranks;
        rep->busy_cpu = rs_calloc((size_t)nranks, sizeof *rep->busy_cpu);
        rep->trials_done = rs_calloc((size_t)nranks, sizeof *rep->trials_done);
        if (!rep->busy_cpu || !rep->trials_done) fail = 1, rs_error("merge: rank %d: out of memory", rank);
    }
    if (rs_any_true(fail, comm)) return -1;
    bcast_i64(m->st.buf, m->st.count, comm);
    RS_MPI_CHECK(MPI_Bcast(rep->busy_cpu, nranks, MPI_DOUBLE, 0, comm));
    bcast_i64(rep->trials_done, nranks, comm);
    double d[2] = {rep->wall, rep->imbalance};
    RS_MPI_CHECK(MPI_Bcast(d, 2, MPI_DOUBLE, 0, comm));
    RS_MPI_CHECK(MPI_Bcast(&rep->units, 1, MPI_INT64_T, 0, comm));
    RS_MPI_CHECK(MPI_Bcast(&rep->nstarts, 1, MPI_INT64_T, 0, comm));
    if (rank != 0 && !(rep->starts = rs_calloc((size_t)rep->nstarts, sizeof *rep->starts)))
        rs_mpi_fail(MPI_ERR_NO_MEM, "malloc", __FILE__, __LINE__);
    RS_MPI_CHECK(MPI_Bcast(rep->starts, (int)(rep->nstarts * (int64_t)sizeof *rep->starts), MPI_BYTE, 0, comm));
    rep->wall = d[0];
    rep->imbalance = d[1];
    return 0;
}

/* ------------------------------------------------------------------ output */

int rs_cmd_merge(int argc, char **argv, MPI_Comm comm)
{
    int rank, size, rc = RS_EXIT_USAGE;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    char err[RS_ERR_MAX] = "", created[64] = "";
    merge_args a;
    rs_merged m = {0};
    char *cmdline = NULL, *merged_text = NULL;

    int pa = parse_args(argc, argv, &a, err, sizeof err);
    if (pa != 0) {
        if (rank == 0) {
            if (pa < 0) rs_error("merge: %s", err);
            merge_usage(pa < 0 ? stderr : stdout);
        }
        rc = pa > 0 ? RS_EXIT_OK : RS_EXIT_USAGE;
        goto done;
    }
    if (rank == 0) {
        rc = RS_EXIT_OK;
        if (rs_cli_check_output(a.output, a.force, (const char *const *)a.parts, err, sizeof err)) {
            rs_error("merge: %s", err);
            rc = RS_EXIT_USAGE;
        }
        if (rc == RS_EXIT_OK) rc = gather_parts(&a, &m);
        rs_iso8601_now(created, sizeof created);
    }
    RS_MPI_CHECK(MPI_Bcast(&rc, 1, MPI_INT, 0, comm));
    if (rc != RS_EXIT_OK) goto done;

    rc = RS_EXIT_FAILURE;
    if (share_merged(&m, comm, rank)) goto done;
    RS_MPI_CHECK(MPI_Bcast(created, sizeof created, MPI_CHAR, 0, comm));
    cmdline = rs_cli_command_line(argc, argv);
    /* the merged file's config names the merged file, so re-running it writes there */
    RS_FMT(m.cfg.output, sizeof m.cfg.output, "%s", a.output);
    merged_text = rs_config_effective_text(&m.cfg);
    rs_provenance prov = {.command_line = cmdline ? cmdline : "",
                          .config_text = merged_text ? merged_text : m.config_text,
                          .created = created, .nranks = size, .shard_index = 0, .shard_count = 1};
    /* the parts in shard order, for the root attribute merged_parts (rank 0 knows them) */
    const char **names = rank == 0 ? rs_calloc((size_t)a.nparts, sizeof *names) : NULL;
    if (rs_any_true(rank == 0 && !names, comm)) goto done;
    for (int k = 0; rank == 0 && k < a.nparts; k++) names[k] = a.parts[m.order[k]];
    prov.merged_parts = names;
    prov.nmerged = a.nparts;
    int wrc = rs_h5_write(a.output, &m.cfg, &m.grid, &m.st, &m.rep, &prov, comm);
    free(names);
    if (wrc) goto done;
    int64_t total = 0;
    for (int c = 0; c < m.grid.ncells; c++) total += *rs_stat_cell(&m.st, 0, c);
    rs_info("merged %d part%s (%lld trials in %d cells, %d ranks) into %s", a.nparts, a.nparts == 1 ? "" : "s",
            (long long)total, m.grid.ncells, m.rep.nranks, a.output);
    rc = RS_EXIT_OK;
done:
    free(a.parts);
    free(cmdline);
    free(merged_text);
    free(m.config_text);
    free(m.order);
    if (m.parsed) rs_config_free(&m.cfg);
    rs_grid_free(&m.grid);
    rs_stats_free(&m.st);
    rs_run_report_free(&m.rep);
    return rc;
}
