/* bench_trials.c - trials/s of the library's trial kernel on chosen cells, one core.
 *
 * The same experiment as bench/reference.py (random-initialisation patterns, PyTorch
 * default init, X ~ U[0,1)^d0 with bias, Gaussian v), run through rs_trial_run exactly
 * as the sweep does, so the number measures production code, not a re-implementation.
 *
 *   bench_trials --cells "d0,d1,n;..." [--trials T] [--seconds S] [--seed N]
 *                [--method svd|qrcp|gram|exact|auto] [--verify F] [--certify 0|1]
 *                [--data uniform01|uniform|gaussian|sphere] [--bias 0|1] [--init torch|gaussian|he]
 *
 * --verify and --certify set rank.verify and rank.certify (library defaults if absent);
 * --data, --bias and --init the data law, data.bias and pattern.init (default: the
 * authors' experiment, uniform01 with bias and torch init; bench/run_bench_matrix.sh
 * measures the other settings, and these options rerun one of its slow cells alone).
 * Trials go round-robin over the cells until each has T trials or S seconds have passed.
 * Output lines match reference.py (the cell line adds the engine's counts):
 *   cell d0=D0 d1=D1 n=N trials=T full=F mean_rank=R seconds=S certified=C verified=V disagree=D columns=K
 * (columns: trials whose core the exact step ranked by its columns' certificate, engine.c)
 *   trials=N seconds=S trials_per_s=R
 *   rss base_kb=B peak_kb=K
 * rss: getrusage's peak resident set before the first trial (MPI, config, setup) and
 * after the last, so K - B is what the trials themselves added at their peak.
 */
/* clock_gettime is POSIX, not C11 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/resource.h>

#include <mpi.h>

#include "reluscape/reluscape.h"

typedef struct bench_cell {
    rs_cell cell;        /* copied out of a one-cell grid */
    rs_trial_work work;  /* one per cell, as in a sweep where a unit stays in one cell */
    int64_t done, full, rank_sum, certified, verified, disagree, columns;
    double seconds;
} bench_cell;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Peak resident set so far, in kB (Linux reports ru_maxrss in kB). */
static long peak_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_maxrss;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: bench_trials --cells \"d0,d1,n;...\" [--trials T] [--seconds S] [--seed N]\n"
                 "                    [--method svd|qrcp|gram|exact|auto] [--verify F] [--certify 0|1]\n"
                 "                    [--data uniform01|uniform|gaussian|sphere] [--bias 0|1] [--init torch|gaussian|he]\n");
}

/* The setting's config (the authors' experiment by default), with one cell on the grid. */
typedef struct bench_setting {
    const char *method, *data, *init;
    int bias, certify;
    double verify;
} bench_setting;

static int cell_config(int d0, int d1, int n, long long trials, unsigned long long seed,
                       const bench_setting *bs, rs_config *cfg, char *err, size_t errlen)
{
    char text[1024];
    int len = snprintf(text, sizeof text,
             "[grid]\nd0 = %d\nd1 = %d\nn = %d\n"
             "[sweep]\ntrials = %lld\nseed = %llu\n"
             "[data]\nlaw = %s\nbias = %s\n"
             "[pattern]\nsampler = init\ninit = %s\n"
             "[network]\nv = gaussian\n"
             "[rank]\nmethod = %s\n",
             d0, d1, n, trials, seed, bs->data, bs->bias ? "true" : "false", bs->init, bs->method);
    /* absent keys keep the library's defaults */
    if (bs->verify >= 0) len += snprintf(text + len, sizeof text - (size_t)len, "verify = %.17g\n", bs->verify);
    if (bs->certify >= 0)
        snprintf(text + len, sizeof text - (size_t)len, "certify = %s\n", bs->certify ? "true" : "false");
    return rs_config_parse(text, "bench", 0, NULL, cfg, err, errlen);
}

/* Parse "d0,d1,n;d0,d1,n;..." into a malloc'd array of triples. */
static int parse_cells(const char *s, int **out, int *count)
{
    int cap = 16, k = 0;
    int *v = malloc((size_t)cap * 3 * sizeof *v);
    if (!v) return -1;
    while (*s) {
        while (*s == ';' || *s == ' ') s++;
        if (!*s) break;
        int a, b, c, used = 0;
        if (sscanf(s, "%d,%d,%d%n", &a, &b, &c, &used) != 3 || a < 1 || b < 1 || c < 1) {
            free(v);
            return -1;
        }
        if (k == cap) {
            cap *= 2;
            int *nv = realloc(v, (size_t)cap * 3 * sizeof *v);
            if (!nv) {
                free(v);
                return -1;
            }
            v = nv;
        }
        v[3 * k] = a;
        v[3 * k + 1] = b;
        v[3 * k + 2] = c;
        k++;
        s += used;
        if (*s && *s != ';') {
            free(v);
            return -1;
        }
    }
    if (k == 0) {
        free(v);
        return -1;
    }
    *out = v;
    *count = k;
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    const char *cells_arg = NULL, *method = "svd", *data_law = "uniform01", *init = "torch";
    long long trials = 100;
    double seconds = 1e9;
    unsigned long long seed = 1;
    double verify = -1;
    long certify = -1, bias = 1;
    int rc = 1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            MPI_Finalize();
            return 0;
        }
        if (i + 1 >= argc) {
            usage(stderr);
            goto done_mpi;
        }
        const char *val = argv[++i];
        char *end = NULL;
        errno = 0;
        if (!strcmp(a, "--cells")) cells_arg = val;
        else if (!strcmp(a, "--method")) method = val;
        else if (!strcmp(a, "--trials")) trials = strtoll(val, &end, 10);
        else if (!strcmp(a, "--seconds")) seconds = strtod(val, &end);
        else if (!strcmp(a, "--seed")) seed = strtoull(val, &end, 10);
        else if (!strcmp(a, "--verify")) verify = strtod(val, &end);
        else if (!strcmp(a, "--certify")) certify = strtol(val, &end, 10);
        else if (!strcmp(a, "--data")) data_law = val;
        else if (!strcmp(a, "--bias")) bias = strtol(val, &end, 10);
        else if (!strcmp(a, "--init")) init = val;
        else {
            fprintf(stderr, "bench_trials: unknown option '%s'\n", a);
            usage(stderr);
            goto done_mpi;
        }
        if (end && (*end || errno || end == val)) {
            fprintf(stderr, "bench_trials: bad value '%s' for %s\n", val, a);
            goto done_mpi;
        }
    }
    if (!cells_arg || trials < 1 || !(seconds > 0) || verify > 1 || certify > 1 || bias < 0 || bias > 1) {
        usage(stderr);
        goto done_mpi;
    }

    int *triples = NULL, ncells = 0;
    if (parse_cells(cells_arg, &triples, &ncells)) {
        fprintf(stderr, "bench_trials: --cells: expected \"d0,d1,n;...\" with positive integers\n");
        goto done_mpi;
    }
    bench_cell *bc = calloc((size_t)ncells, sizeof *bc);
    if (!bc) {
        free(triples);
        goto done_mpi;
    }

    /* rs_trial_setup keeps a pointer to the data spec; the config only has to outlive
     * rs_trial_setup_init, which copies what it needs. */
    const int law = rs_data_law_from_name(data_law);
    if (law < 0 || law == RS_DATA_FILE) {
        fprintf(stderr, "bench_trials: --data: '%s' is not allowed (allowed: uniform01|uniform|gaussian|sphere)\n", data_law);
        free(triples);
        free(bc);
        goto done_mpi;
    }
    const rs_data_spec data = {.law = (rs_data_law)law, .bias = (int)bias};
    const bench_setting bs = {.method = method, .data = data_law, .init = init, .bias = (int)bias,
                              .certify = (int)certify, .verify = verify};
    rs_trial_setup ts;
    char err[RS_ERR_MAX];
    int setup_ok = 1;
    for (int c = 0; c < ncells && setup_ok; c++) {
        rs_config cfg;
        rs_grid grid;
        setup_ok = 0;
        if (cell_config(triples[3 * c], triples[3 * c + 1], triples[3 * c + 2], trials, seed, &bs, &cfg,
                        err, sizeof err)) {
            fprintf(stderr, "bench_trials: %s\n", err);
            break;
        }
        if (rs_grid_build(&cfg, "bench", &grid, err, sizeof err)) {
            fprintf(stderr, "bench_trials: %s\n", err);
            rs_config_free(&cfg);
            break;
        }
        bc[c].cell = grid.cells[0];
        rs_grid_free(&grid);
        /* the setup does not depend on the cell; the first config resolves it */
        if (c > 0 || rs_trial_setup_init(&ts, &cfg, &data, err, sizeof err) == 0) setup_ok = 1;
        else fprintf(stderr, "bench_trials: %s\n", err);
        rs_config_free(&cfg);
    }
    free(triples);

    int64_t total = 0;
    long rss_base = peak_rss_kb();
    double start = now(), wall = 0;
    if (setup_ok) {
        rc = 0;
        for (long long t = 0; t < trials && rc == 0; t++) {
            if (now() - start >= seconds) break;
            for (int c = 0; c < ncells; c++) {
                bench_cell *b = &bc[c];
                rs_trial_result res;
                double t0 = now();
                int trc = rs_trial_run(&ts, &b->cell, (int64_t)t, &b->work, &res);
                b->seconds += now() - t0;
                if (trc) {
                    fprintf(stderr, "bench_trials: trial %lld of cell d0=%d d1=%d n=%d failed (%d)\n",
                            t, b->cell.d0, b->cell.d1, b->cell.n, trc);
                    rc = 1;
                    break;
                }
                b->done++;
                b->full += res.rank.matrank == b->cell.n;
                b->rank_sum += res.rank.matrank;
                b->certified += res.rank.certified;
                b->verified += res.rank.verified;
                b->disagree += res.rank.disagree;
                b->columns += b->work.ew.colproof;
                total++;
            }
        }
        wall = now() - start;
    }

    if (rc == 0) {
        for (int c = 0; c < ncells; c++) {
            const bench_cell *b = &bc[c];
            printf("cell d0=%d d1=%d n=%d trials=%lld full=%lld mean_rank=%.4f seconds=%.6f "
                   "certified=%lld verified=%lld disagree=%lld columns=%lld\n",
                   b->cell.d0, b->cell.d1, b->cell.n, (long long)b->done, (long long)b->full,
                   b->done ? (double)b->rank_sum / (double)b->done : 0.0, b->seconds,
                   (long long)b->certified, (long long)b->verified, (long long)b->disagree,
                   (long long)b->columns);
        }
        printf("trials=%lld seconds=%.6f trials_per_s=%.2f\n", (long long)total, wall,
               wall > 0 ? (double)total / wall : 0.0);
        printf("rss base_kb=%ld peak_kb=%ld\n", rss_base, peak_rss_kb());
    }
    for (int c = 0; c < ncells; c++) rs_trial_work_free(&bc[c].work);
    free(bc);
done_mpi:
    MPI_Finalize();
    return rc;
}
