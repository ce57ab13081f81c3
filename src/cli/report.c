/* report.c - `reluscape report FILE.h5`: a terminal summary of a result file
 * (docs/hdf5-schema.md) and one character heatmap per axis-0 value.
 *
 * Only rank 0 of the communicator opens the file, with serial HDF5: a report is
 * cheap and must work on a login node.  The exit code is broadcast so that every
 * rank returns the same one. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>
#include "cli/common.h"
#include "cli/h5read.h"
#include "reluscape/cli.h"
#include "reluscape/experiment.h"
#include "reluscape/h5out.h"

#define RS_RAMP " .:-=+*#%@"   /* shade by value: ' ' exactly 0 ... '@' exactly 1 */
#define RS_RAMP_LEN 10
#define RS_MARK '<'            /* after the cell where P = d1*p first reaches n */
#define RS_NODATA '?'          /* cell without trials */
#define RS_MAX_WIDTH 100       /* wider maps fall back to 2-character cells */
#define RS_ERRLEN 512

/* The quantities a file's experiment offers (experiment.h: rs_report_view). */
typedef rs_report_view rs_quantity;

/* Everything the heatmaps need, read from the file. Index of a cell = (i0*n1 + i1)*nn + in. */
typedef struct rs_report {
    int n0, n1, nn;
    int ratio;            /* axis 0 is d0_ratio */
    int64_t *d0;          /* [n0] unless ratio */
    double *r;            /* [n0] if ratio */
    int64_t *d1, *n;      /* [n1], [nn] */
    int64_t *trials, *P, *d0_of_cell, *zc, *cc;
    double *val;          /* quantity mapped to [0, 1], NAN where no trials */
    int *rows, *cols;     /* display order: d1 descending, n ascending */
} rs_report;

static void rs_print_theory(hid_t f, const rs_report *R);

static void rs_report_usage(FILE *out)
{
    fputs("usage: reluscape report FILE.h5 [--quantity NAME]\n"
          "\n"
          "Print a summary of a reluscape result file and, for each value of axis 0\n"
          "(d0 or d0_ratio), a character heatmap over n (columns) and d1 (rows).\n"
          "\n"
          "options:\n"
          "  --quantity NAME  what the shade shows (default: the experiment's first):\n",
          out);
    for (int e = 0; e < rs_experiment_count(); e++) {
        const rs_experiment *x = rs_experiment_at(e);
        fprintf(out, "                   experiment %s:\n", x->name);
        for (int i = 0; i < x->nviews; i++)
            fprintf(out, "                     %-19s shade = %s\n", x->views[i].name, x->views[i].label);
    }
    fputs("  -h, --help       show this help\n"
          "\n"
          "exit status: 0 ok, 1 runtime failure, 2 bad usage or not a readable reluscape file\n",
          out);
}

/* ------------------------------------------------------------------ summary */

/* Print "  key   value" with the value's embedded newlines kept. */
static void rs_print_str_attr(hid_t f, const char *label, const char *name)
{
    char *s = NULL;
    int o = rs_h5_attr_str(f, name, &s);
    printf("  %-12s %s\n", label, o > 0 ? (s[0] ? s : "\"\"") : o == 0 ? "(missing)" : "(unreadable)");
    free(s);
}

static void rs_trim(char **s)
{
    while (**s == ' ' || **s == '\t') (*s)++;
    char *e = *s + strlen(*s);
    while (e > *s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) *--e = '\0';
}

/* The config attribute, one line per INI section ([output] left out: paths only), keys
 * joined with "; " and wrapped to the report width. */
static void rs_print_config(const char *text)
{
    const int indent = 15;
    char *copy = rs_h5_strdup(text), *next, line_out[4096] = "";
    int skip = 0, first = 1;
    if (!copy) return;
    next = copy;
    for (;;) {
        char *ln = next;  /* NULL after the last line: flushes the last section */
        if (ln) {
            char *nl = strchr(ln, '\n');
            if (nl) *nl = '\0';
            next = nl ? nl + 1 : NULL;
            rs_trim(&ln);
        }
        if (ln && (*ln == '\0' || *ln == '#' || *ln == ';')) continue;
        if (!ln || *ln == '[') {
            if (line_out[0]) {  /* flush the previous section, wrapped */
                const char *p = line_out;
                int col = indent;
                printf("  %-12s ", first ? "config" : "");
                first = 0;
                while (*p) {
                    const char *sep = strstr(p, "; ");
                    int len = sep ? (int)(sep - p) + 1 : (int)strlen(p);
                    if (col > indent && col + len > RS_MAX_WIDTH) {
                        printf("\n%*s", indent + 4, "");
                        col = indent + 4;
                    }
                    printf("%.*s%s", len, p, sep ? " " : "");
                    col += len + 1;
                    p = sep ? sep + 2 : p + len;
                }
                putchar('\n');
                line_out[0] = '\0';
            }
            if (!ln) break;
            skip = strcmp(ln, "[output]") == 0;
            if (!skip) snprintf(line_out, sizeof line_out, "%s", ln);
            continue;
        }
        if (skip) continue;
        char *eq = strchr(ln, '=');
        size_t used = strlen(line_out);
        if (eq) {
            *eq = '\0';
            char *k = ln, *v = eq + 1;
            rs_trim(&k);
            rs_trim(&v);
            snprintf(line_out + used, sizeof line_out - used, "%s%s = %s",
                     used && line_out[used - 1] != ']' ? "; " : " ", k, *v ? v : "\"\"");
        } else {
            snprintf(line_out + used, sizeof line_out - used, "%s%s", used ? "; " : "", ln);
        }
    }
    free(copy);
}

/* ------------------------------------------------------------------ heatmap */

static char rs_shade(double v)
{
    if (isnan(v)) return RS_NODATA;
    if (v <= 0) return RS_RAMP[0];
    if (v >= 1) return RS_RAMP[RS_RAMP_LEN - 1];
    int k = 1 + (int)(v * (RS_RAMP_LEN - 2));  /* (0,1) -> 8 shades of width 1/8 */
    return RS_RAMP[k > RS_RAMP_LEN - 2 ? RS_RAMP_LEN - 2 : k];
}

static int rs_digits(long long v)
{
    char b[32];
    return snprintf(b, sizeof b, "%lld", v);
}

/* One or more rows of column labels (n, or d0 per column), staggered over as many rows
 * as it takes so that neighbouring labels never touch. */
static void rs_print_labels(const char *name, const int64_t *lab, int ncol, int lw, int cw)
{
    int k = 1;
    for (int again = 1; again;) {
        again = 0;
        for (int j = 0; j + k < ncol; j++)
            if (rs_digits(lab[j]) + 1 > k * cw) {
                k++;
                again = 1;
                break;
            }
    }
    for (int row = 0; row < k; row++) {
        char buf[4096];
        int len = snprintf(buf, sizeof buf, "%*s  ", lw, row == 0 ? name : "");
        for (int j = row; j < ncol && len < (int)sizeof buf - 32; j += k) {
            int pos = lw + 2 + j * cw;
            while (len < pos) buf[len++] = ' ';
            len += snprintf(buf + len, sizeof buf - len, "%lld", (long long)lab[j]);
        }
        buf[len] = '\0';
        puts(buf);
    }
}

/* 0, or -1 when out of memory. */
static int rs_print_panel(const rs_report *R, int i0, int cw)
{
    const int n1 = R->n1, nn = R->nn;
    int *mark = malloc(nn * sizeof *mark);
    int64_t *lab = malloc(nn * sizeof *lab);
    int lw = 2;
    if (!mark || !lab) {
        free(mark);
        free(lab);
        return -1;
    }
    for (int i = 0; i < n1; i++)
        if (rs_digits(R->d1[i]) > lw) lw = rs_digits(R->d1[i]);

    /* the marker row of each column: smallest d1 with P >= n (-1: none reaches n) */
    for (int in = 0; in < nn; in++) {
        mark[in] = -1;
        for (int i1 = 0; i1 < n1; i1++) {
            size_t c = ((size_t)i0 * n1 + i1) * nn + in;
            if (R->P[c] >= R->n[in] && (mark[in] < 0 || R->d1[i1] < R->d1[mark[in]]))
                mark[in] = i1;
        }
    }

    if (R->ratio) {
        printf("d0 = ceil(r n), r = %g", R->r[i0]);
    } else {
        printf("d0 = %lld", (long long)R->d0[i0]);
        int64_t P0 = R->P[(size_t)i0 * n1 * nn];
        if (R->d1[0] > 0 && P0 % R->d1[0] == 0)
            printf(" (p = d0 + bias = %lld)", (long long)(P0 / R->d1[0]));
    }
    putchar('\n');
    printf("%*s +", lw, "d1");
    for (int j = 0; j < nn * cw; j++) putchar('-');
    puts("+");
    for (int a = 0; a < n1; a++) {
        int i1 = R->rows[a];
        printf("%*lld |", lw, (long long)R->d1[i1]);
        for (int b = 0; b < nn; b++) {
            int in = R->cols[b];
            size_t c = ((size_t)i0 * n1 + i1) * nn + in;
            char s = rs_shade(R->val[c]);
            for (int k = 0; k < cw - 1; k++) putchar(s);
            putchar(mark[in] == i1 ? RS_MARK : ' ');
        }
        puts("|");  /* closes the frame: trailing blank cells are data (0) */
    }
    printf("%*s +", lw, "");
    for (int j = 0; j < nn * cw; j++) putchar('-');
    puts("+");

    for (int b = 0; b < nn; b++) lab[b] = R->n[R->cols[b]];
    rs_print_labels("n", lab, nn, lw, cw);
    if (R->ratio) {
        for (int b = 0; b < nn; b++)
            lab[b] = R->d0_of_cell[(size_t)i0 * n1 * nn + R->cols[b]];
        rs_print_labels("d0", lab, nn, lw, cw);
    }
    putchar('\n');
    free(mark);
    free(lab);
    return 0;
}

static void rs_print_legend(const rs_quantity *q, int cw)
{
    printf("legend: one cell = %d characters per (d1, n); shade = %s\n", cw, q->label);
    printf("  ' '=0");
    for (int k = 1; k < RS_RAMP_LEN - 1; k++) {
        if (k < RS_RAMP_LEN - 2) printf(" '%c'<%d/8", RS_RAMP[k], k);
        else printf(" '%c'<1", RS_RAMP[k]);
    }
    printf(" '%c'=1 '%c'=no trials\n", RS_RAMP[RS_RAMP_LEN - 1], RS_NODATA);
    printf("  '%c' after a cell: the smallest d1 of that column with P = d1*p >= n, i.e. the\n"
           "      line P = n (below it P < n, so rank n is impossible)\n", RS_MARK);
}

/* Sort index arrays for display (grid lists need not be sorted). */
static void rs_order(const int64_t *v, int len, int descending, int *idx)
{
    for (int i = 0; i < len; i++) idx[i] = i;
    for (int i = 1; i < len; i++)
        for (int j = i; j > 0; j--) {
            int64_t a = v[idx[j - 1]], b = v[idx[j]];
            if (descending ? a >= b : a <= b) break;
            int t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
}

/* ------------------------------------------------------------------ the report */

/* How ranks were decided (schema files without these arrays print nothing): trials the
 * certificate decided, trials also ranked exactly, and where the two ranks disagreed. */
static int rs_print_rank_checks(hid_t f, const rs_report *R, const hsize_t *dims)
{
    int64_t *cert = NULL, *ver = NULL, *dis = NULL;
    char err[256];
    hsize_t d[3][3] = {{dims[0], dims[1], dims[2]}, {dims[0], dims[1], dims[2]}, {dims[0], dims[1], dims[2]}};
    if (rs_h5_exists(f, "/stats/verify_disagree") <= 0) return 0;
    int rc = rs_h5_read_dset(f, "/stats/certified", 3, d[0], H5T_NATIVE_INT64, (void **)&cert, err, sizeof err) ||
             rs_h5_read_dset(f, "/stats/verified", 3, d[1], H5T_NATIVE_INT64, (void **)&ver, err, sizeof err) ||
             rs_h5_read_dset(f, "/stats/verify_disagree", 3, d[2], H5T_NATIVE_INT64, (void **)&dis, err, sizeof err);
    if (rc) {
        fprintf(stderr, "reluscape report: %s\n", err);
        goto done;
    }
    size_t N = (size_t)R->n0 * R->n1 * R->nn, cells = 0;
    int64_t tc = 0, tv = 0, td = 0, tt = 0;
    for (size_t c = 0; c < N; c++) {
        tc += cert[c];
        tv += ver[c];
        td += dis[c];
        tt += R->trials[c];
        cells += dis[c] > 0;
    }
    printf("  %-12s %lld of %lld trials decided by a Gram certificate\n", "rank", (long long)tc,
           (long long)tt);
    printf("  %-12s %lld trials also ranked exactly: %lld disagreements%s\n", "verification", (long long)tv,
           (long long)td, td ? "" : " (none)");
    for (size_t c = 0, shown = 0; c < N && shown < 8; c++)
        if (dis[c] > 0) {
            size_t i0 = c / ((size_t)R->n1 * R->nn), i1 = c / R->nn % R->n1, in = c % R->nn;
            printf("  %-12s   d0=%lld d1=%lld n=%lld: %lld of %lld verified trials\n", "", (long long)R->d0_of_cell[c],
                   (long long)R->d1[i1], (long long)R->n[in], (long long)dis[c], (long long)ver[c]);
            (void)i0;
            shown++;
        }
    if (cells > 8) printf("  %-12s   ... %zu cells in all\n", "", cells);
done:
    free(cert);
    free(ver);
    free(dis);
    return rc;
}

/* The view named qname (NULL: the first) of the file's experiment (attribute
 * `experiment`; files without it are rank files).  NULL with a message in err. */
static const rs_quantity *rs_pick_view(hid_t f, const char *qname, char *err, size_t errlen)
{
    char *kind = NULL;
    int o = rs_h5_attr_str(f, "experiment", &kind);
    const rs_experiment *x = rs_experiment_lookup(o > 0 ? kind : "rank");
    if (!x) {
        snprintf(err, errlen, "experiment '%s' is not known to this reluscape (known: %s)", kind,
                 rs_experiment_names());
        free(kind);
        return NULL;
    }
    free(kind);
    for (int i = 0; i < x->nviews; i++)
        if (!qname || !strcmp(qname, x->views[i].name)) return &x->views[i];
    size_t len = (size_t)snprintf(err, errlen, "unknown --quantity '%s' for experiment %s (allowed:", qname, x->name);
    for (int i = 0; i < x->nviews && len < errlen; i++)
        len += (size_t)snprintf(err + len, errlen - len, " %s", x->views[i].name);
    if (len < errlen) snprintf(err + len, errlen - len, ")");
    return NULL;
}

/* The total of every per-cell count of the file's statistics (beyond trials), one line. */
static void rs_print_totals(hid_t f, const char *kind, const hsize_t *dims)
{
    const rs_experiment *x = rs_experiment_lookup(kind);
    if (!x) return;
    printf("  %-12s", "totals");
    for (int k = 1; k < x->nstats; k++) {
        if (x->stats[k].axis[0] != RS_AXIS_NONE) continue;
        char path[128], err[256];
        int64_t *v = NULL, sum = 0;
        hsize_t d[3] = {dims[0], dims[1], dims[2]};
        snprintf(path, sizeof path, "/stats/%s", x->stats[k].name);
        if (rs_h5_read_dset(f, path, 3, d, H5T_NATIVE_INT64, (void **)&v, err, sizeof err)) continue;
        for (hsize_t c = 0; c < dims[0] * dims[1] * dims[2]; c++) sum += v[c];
        free(v);
        printf(" %s %lld", x->stats[k].name, (long long)sum);
    }
    putchar('\n');
}

/* A merged file: its parts and the ranks each ran on (the last start of each part, from
 * /run/start_*; the root attribute ranks is the merge's own).  1 if printed. */
static int print_merged_ranks(hid_t f)
{
    hid_t a = H5Aexists(f, "merged_parts") > 0 ? H5Aopen(f, "merged_parts", H5P_DEFAULT) : -1;
    if (a < 0) return 0;
    hid_t sp = H5Aget_space(a);
    hssize_t nparts = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : 0;
    if (sp >= 0) H5Sclose(sp);
    H5Aclose(a);
    char err[256];
    hsize_t d1[1] = {0}, d2[1] = {0};
    int64_t *shard = NULL, *ranks = NULL;
    printf("  %-12s merged from %lld parts", "ranks", (long long)nparts);
    if (rs_h5_read_dset(f, "/run/start_shard", 1, d1, H5T_NATIVE_INT64, (void **)&shard, err, sizeof err) == 0 &&
        (d2[0] = d1[0], rs_h5_read_dset(f, "/run/start_ranks", 1, d2, H5T_NATIVE_INT64, (void **)&ranks, err,
                                        sizeof err) == 0)) {
        printf("; ranks of each part:");
        for (hsize_t k = 0; k < d1[0]; k++) /* the last start of each part */
            if (k + 1 == d1[0] || shard[k + 1] != shard[k]) printf(" %lld", (long long)ranks[k]);
    }
    putchar('\n');
    free(shard);
    free(ranks);
    return 1;
}

/* Restarts and the cost over every start (/run attributes; older files have none). */
static void print_accounting(hid_t run)
{
    int64_t restarts = 0;
    double busy = 0, wall = 0;
    if (rs_h5_attr_num(run, "restarts", H5T_NATIVE_INT64, &restarts) <= 0 ||
        rs_h5_attr_num(run, "total_busy_cpu_seconds", H5T_NATIVE_DOUBLE, &busy) <= 0 ||
        rs_h5_attr_num(run, "total_wall_seconds", H5T_NATIVE_DOUBLE, &wall) <= 0)
        return;
    printf("  %-12s %lld restart%s; all starts: %.1f s wall, %.4f core-hours busy in trials\n", "accounting",
           (long long)restarts, restarts == 1 ? "" : "s", wall, busy / 3600);
}

static int rs_report_file(const char *path, const char *qname)
{
    const rs_quantity *q = NULL;
    rs_report R = {0};
    hid_t f = H5I_INVALID_HID, run = H5I_INVALID_HID;
    char err[RS_ERRLEN] = "", *s = NULL;
    double *qraw = NULL;
    int64_t *qint = NULL;
    int rc = RS_EXIT_USAGE;
    int io_error = 0;
    if ((f = rs_h5_open_read(path, &io_error, err, sizeof err)) < 0) {
        (void)io_error; /* truncated or damaged: bad input like any other, as in merge */
        goto done;
    }

    int o = rs_h5_attr_str(f, "schema", &s);
    if (o <= 0 || strcmp(s, "reluscape") != 0) {
        snprintf(err, sizeof err, "not a reluscape file (root attribute 'schema' %s)",
                 o == 0 ? "is missing" : o < 0 ? "is unreadable" : "is not \"reluscape\"");
        goto done;
    }
    free(s);
    s = NULL;
    int64_t schema_version = 0, complete = 0;
    if (rs_h5_attr_num(f, "schema_version", H5T_NATIVE_INT64, &schema_version) <= 0) {
        snprintf(err, sizeof err, "missing or unreadable root attribute 'schema_version'");
        goto done;
    }
    if (schema_version > RS_SCHEMA_VERSION || schema_version < 1) {
        snprintf(err, sizeof err, "schema_version %lld is %s than this reluscape reads (%d)",
                 (long long)schema_version, schema_version < 1 ? "older" : "newer",
                 RS_SCHEMA_VERSION);
        goto done;
    }
    if (rs_h5_attr_num(f, "complete", H5T_NATIVE_INT64, &complete) <= 0) complete = 0;
    if (!(q = rs_pick_view(f, qname, err, sizeof err))) goto done;

    /* ---- grid: axes first, so every array can be checked against their lengths */
    hsize_t dims[3] = {0, 0, 0};
    int e0 = rs_h5_exists(f, "/grid/d0"), er = rs_h5_exists(f, "/grid/d0_ratio");
    if (e0 < 0 || er < 0) {
        snprintf(err, sizeof err, "cannot look into /grid");
        rc = RS_EXIT_FAILURE;
        goto done;
    }
    if (e0 == er) {
        snprintf(err, sizeof err, "%s", e0 ? "both /grid/d0 and /grid/d0_ratio present"
                                           : "missing /grid/d0 (or /grid/d0_ratio)");
        goto done;
    }
    R.ratio = er;
    if (R.ratio ? (rc = rs_h5_read_dset(f, "/grid/d0_ratio", 1, &dims[0], H5T_NATIVE_DOUBLE,
                                     (void **)&R.r, err, sizeof err))
                : (rc = rs_h5_read_dset(f, "/grid/d0", 1, &dims[0], H5T_NATIVE_INT64,
                                     (void **)&R.d0, err, sizeof err)))
        goto done;
    if ((rc = rs_h5_read_dset(f, "/grid/d1", 1, &dims[1], H5T_NATIVE_INT64, (void **)&R.d1, err,
                           sizeof err)) ||
        (rc = rs_h5_read_dset(f, "/grid/n", 1, &dims[2], H5T_NATIVE_INT64, (void **)&R.n, err,
                           sizeof err)))
        goto done;
    R.n0 = (int)dims[0];
    R.n1 = (int)dims[1];
    R.nn = (int)dims[2];
    if ((size_t)R.n0 * R.n1 > SIZE_MAX / 8 / R.nn) {
        snprintf(err, sizeof err, "grid too large");
        goto done;
    }
    const size_t N = (size_t)R.n0 * R.n1 * R.nn;

    struct { const char *path; int64_t **dst; int optional; } ints[] = {
        {"/grid/P", &R.P, 0}, {"/grid/d0_of_cell", &R.d0_of_cell, 0}, {"/stats/trials", &R.trials, 0},
        {"/stats/zero_column", &R.zc, 1}, {"/stats/crowded_column", &R.cc, 1},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        hsize_t d[3] = {dims[0], dims[1], dims[2]};
        if (ints[i].optional && rs_h5_exists(f, ints[i].path) <= 0) continue; /* rank files only */
        if ((rc = rs_h5_read_dset(f, ints[i].path, 3, d, H5T_NATIVE_INT64, (void **)ints[i].dst,
                               err, sizeof err)))
            goto done;
    }
    char qpath[64];
    snprintf(qpath, sizeof qpath, "/stats/%s", q->name);
    hsize_t dq[3] = {dims[0], dims[1], dims[2]};
    if (q->kind == RS_VIEW_PER_TRIAL)
        rc = rs_h5_read_dset(f, qpath, 3, dq, H5T_NATIVE_INT64, (void **)&qint, err, sizeof err);
    else
        rc = rs_h5_read_dset(f, qpath, 3, dq, H5T_NATIVE_DOUBLE, (void **)&qraw, err, sizeof err);
    if (rc) goto done;

    rc = RS_EXIT_FAILURE;
    R.val = malloc(N * sizeof *R.val);
    R.rows = malloc(R.n1 * sizeof *R.rows);
    R.cols = malloc(R.nn * sizeof *R.cols);
    if (!R.val || !R.rows || !R.cols) {
        snprintf(err, sizeof err, "out of memory");
        goto done;
    }
    /* a damaged file (hand-edited, truncated, another writer) is refused, not drawn */
    for (size_t c = 0; c < N; c++) {
        int64_t t = R.trials[c];
        int badq = q->kind == RS_VIEW_PER_TRIAL ? (qint[c] < 0 || qint[c] > t)
                                                : (t > 0 && !(qraw[c] >= 0 && (q->kind != RS_VIEW_FLOAT || qraw[c] <= 1)));
        if (t < 0 || badq) {
            snprintf(err, sizeof err, "damaged statistics: cell %zu has trials %lld and %s %g", c, (long long)t,
                     q->name, q->kind == RS_VIEW_PER_TRIAL ? (double)qint[c] : qraw[c]);
            rc = RS_EXIT_USAGE;
            goto done;
        }
    }
    int64_t total = 0;
    size_t empty = 0, nzc = 0, ncc = 0;
    for (size_t c = 0; c < N; c++) {
        int64_t t = R.trials[c];
        int64_t n = R.n[c % R.nn];
        total += t;
        empty += t <= 0;
        nzc += R.zc && R.zc[c] > 0;
        ncc += R.cc && R.cc[c] > 0;
        if (t <= 0) R.val[c] = NAN;
        else if (q->kind == RS_VIEW_PER_TRIAL) R.val[c] = (double)qint[c] / (double)t;
        else if (q->kind == RS_VIEW_PER_N) R.val[c] = n > 0 ? qraw[c] / (double)n : NAN;
        else R.val[c] = qraw[c];
    }
    rs_order(R.d1, R.n1, 1, R.rows);
    rs_order(R.n, R.nn, 0, R.cols);

    /* ---- summary */
    if (!complete)
        fprintf(stderr, "reluscape report: warning: %s: incomplete run (complete = 0): "
                        "counts may be partial\n", path);
    printf("reluscape report: %s%s\n", path, complete ? "" : "  [INCOMPLETE RUN]");
    printf("  %-12s reluscape, version %lld\n", "schema", (long long)schema_version);
    rs_print_str_attr(f, "version", "version");
    rs_print_str_attr(f, "git_describe", "git_describe");
    rs_print_str_attr(f, "created", "created");
    rs_print_str_attr(f, "finished", "finished");
    int64_t ranks = 0;
    uint64_t seed = 0;
    if (print_merged_ranks(f)) {
    } else if (rs_h5_attr_num(f, "ranks", H5T_NATIVE_INT64, &ranks) > 0)
        printf("  %-12s %lld\n", "ranks", (long long)ranks);
    else
        printf("  %-12s (missing)\n", "ranks");
    if (rs_h5_attr_num(f, "seed", H5T_NATIVE_UINT64, &seed) > 0)
        printf("  %-12s %llu\n", "seed", (unsigned long long)seed);
    else
        printf("  %-12s (missing)\n", "seed");
    if (rs_h5_attr_str(f, "config", &s) > 0) rs_print_config(s);
    else printf("  %-12s (missing)\n", "config");
    free(s);
    s = NULL;
    printf("  %-12s %lld in %zu cells (%d x %d x %d)", "trials", (long long)total, N, R.n0, R.n1,
           R.nn);
    if (empty) printf(", %zu cells without trials", empty);
    putchar('\n');

    double wall = 0, imb = 0;
    int64_t units = 0;
    int ew = -1, ei = -1, eu = -1;
    if (rs_h5_exists(f, "/run") > 0 && (run = H5Gopen2(f, "/run", H5P_DEFAULT)) >= 0) {
        ew = rs_h5_attr_num(run, "wall_seconds", H5T_NATIVE_DOUBLE, &wall);
        ei = rs_h5_attr_num(run, "imbalance", H5T_NATIVE_DOUBLE, &imb);
        eu = rs_h5_attr_num(run, "work_units", H5T_NATIVE_INT64, &units);
    }
    printf("  %-12s ", "wall");
    if (ew > 0) printf("%.1f s", wall); else printf("?");
    printf(", imbalance ");
    if (ei > 0) printf("%.3f", imb); else printf("?");
    printf(", work units ");
    if (eu > 0) printf("%lld\n", (long long)units); else printf("?\n");
    if (run >= 0) print_accounting(run);
    if (R.zc && R.cc)
        printf("  %-12s cells with zero_column trials: %zu of %zu; with crowded_column trials: "
               "%zu of %zu\n", "diagnostics", nzc, N, ncc, N);
    if (rs_print_rank_checks(f, &R, dims)) goto done;
    if (rs_h5_attr_str(f, "experiment", &s) > 0) {
        printf("  %-12s %s\n", "experiment", s);
        rs_print_totals(f, s, dims);
    } else {
        rs_print_totals(f, "rank", dims);
    }
    free(s);
    s = NULL;
    putchar('\n');

    /* ---- heatmaps: 3-character cells unless the map would be too wide */
    int lw = 2;
    for (int i = 0; i < R.n1; i++)
        if (rs_digits(R.d1[i]) > lw) lw = rs_digits(R.d1[i]);
    int cw = lw + 3 + 3 * R.nn <= RS_MAX_WIDTH ? 3 : 2;
    printf("heatmaps of %s: columns n, rows d1\n\n", q->label);
    for (int i0 = 0; i0 < R.n0; i0++)
        if (rs_print_panel(&R, i0, cw)) {
            snprintf(err, sizeof err, "out of memory");
            goto done;  /* rc is still RS_EXIT_FAILURE */
        }
    rs_print_legend(q, cw);
    rs_print_theory(f, &R);
    rc = RS_EXIT_OK;

done:
    if (rc != RS_EXIT_OK) fprintf(stderr, "reluscape report: %s: %s\n", path, err);
    fflush(stdout);
    free(s);
    free(qraw);
    free(qint);
    free(R.d0);
    free(R.r);
    free(R.d1);
    free(R.n);
    free(R.trials);
    free(R.P);
    free(R.d0_of_cell);
    free(R.zc);
    free(R.cc);
    free(R.val);
    free(R.rows);
    free(R.cols);
    if (run >= 0) H5Gclose(run);
    if (f >= 0) H5Fclose(f);
    return rc;
}

/* The theory curves of /theory and the transition of /analysis per (a0, n): nothing for
 * files written before they existed (`reluscape analyse` adds them). */
static void rs_print_theory(hid_t f, const rs_report *R)
{
    static const char *const curves[] = {"P_minus_n", "all_patterns_bound", "nonempty_d0_ge_n", "cover_rows",
                                         "log2_nonempty_regions", "exact_full_rank_fraction"};
    char err[RS_ERRLEN], path[64];
    if (rs_h5_exists(f, "/theory") != 1) {
        printf("\nno /theory or /analysis in this file: `reluscape analyse FILE.h5` adds them\n");
        return;
    }
    printf("\ntheory curves (/theory, same grid; contours at contour_level):\n");
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++) {
        snprintf(path, sizeof path, "/theory/%s", curves[i]);
        if (rs_h5_exists(f, path) != 1) continue;
        hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
        char *ln = NULL;
        double level = NAN;
        if (d >= 0) {
            rs_h5_attr_str(d, "long_name", &ln);
            rs_h5_attr_num(d, "contour_level", H5T_NATIVE_DOUBLE, &level);
            H5Dclose(d);
        }
        if (isnan(level)) printf("  %-26s %s\n", curves[i], ln ? ln : "");
        else printf("  %-26s %s (contour at %g)\n", curves[i], ln ? ln : "", level);
        free(ln);
    }
    hsize_t dims[2] = {(hsize_t)R->n0, (hsize_t)R->nn};
    double *v[3] = {NULL, NULL, NULL};
    const char *names[3] = {"/analysis/transition_d1", "/analysis/transition_d1_lo", "/analysis/transition_d1_hi"};
    for (int k = 0; k < 3; k++)
        if (rs_h5_exists(f, names[k]) != 1 ||
            rs_h5_read_dset(f, names[k], 2, dims, H5T_NATIVE_DOUBLE, (void **)&v[k], err, sizeof err) != RS_EXIT_OK)
            goto done;
    printf("\ntransition: d1 where the full-rank fraction crosses 1/2 [95%% interval] (/analysis; - : not "
           "inside the grid)\n");
    for (int i0 = 0; i0 < R->n0; i0++) {
        if (R->ratio) printf("  d0_ratio = %g\n", R->r[i0]);
        else printf("  d0 = %lld\n", (long long)R->d0[i0]);
        for (int in = 0; in < R->nn; in++) {
            size_t o = (size_t)i0 * R->nn + in;
            printf("    n = %-6lld", (long long)R->n[in]);
            if (isnan(v[0][o])) printf(" -");
            else printf(" %.2f", v[0][o]);
            printf(" [");
            for (int k = 1; k < 3; k++) {
                if (isnan(v[k][o])) printf("-");
                else printf("%.2f", v[k][o]);
                printf(k == 1 ? ", " : "]\n");
            }
        }
    }
done:
    for (int k = 0; k < 3; k++) free(v[k]);
}

/* Parse the command line (rank 0 only) and report. */
static int rs_report_rank0(int argc, char **argv)
{
    const char *path = NULL, *qname = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            rs_report_usage(stdout);
            return RS_EXIT_OK;
        } else if (!strcmp(a, "--quantity")) {
            if (++i >= argc) {
                fprintf(stderr, "reluscape report: --quantity needs a value\n");
                return RS_EXIT_USAGE;
            }
            qname = argv[i];
        } else if (!strncmp(a, "--quantity=", 11)) {
            qname = a + 11;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "reluscape report: unknown option '%s' (try --help)\n", a);
            return RS_EXIT_USAGE;
        } else if (path) {
            fprintf(stderr, "reluscape report: one file only ('%s' and '%s')\n", path, a);
            return RS_EXIT_USAGE;
        } else {
            path = a;
        }
    }
    if (!path) {
        fprintf(stderr, "reluscape report: no file given\n");
        rs_report_usage(stderr);
        return RS_EXIT_USAGE;
    }
    /* our own messages instead of HDF5's error stack; restored for the rest of the program */
    H5E_auto2_t old_func = NULL;
    void *old_data = NULL;
    int have_old = H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data) >= 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int rc = rs_report_file(path, qname);
    if (have_old) H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
    return rc;
}

int rs_cmd_report(int argc, char **argv, MPI_Comm comm)
{
    int rank = rs_cli_rank(comm), rc = RS_EXIT_FAILURE;
    if (rank == 0) {
        rc = rs_report_rank0(argc, argv);
        fflush(stdout);
        fflush(stderr);
    }
    if (comm == MPI_COMM_NULL) return rank == 0 ? rc : RS_EXIT_OK; /* without MPI: rank 0 decides alone */
    if (MPI_Bcast(&rc, 1, MPI_INT, 0, comm) != MPI_SUCCESS) return RS_EXIT_FAILURE;
    return rc;
}
