/* bench_gram.c - the gram method's steps timed one by one, against this machine's dgemm.
 *
 *   bench_gram [--cell d0,d1,n] [--dgemm N] [--reps R] [--trial T] [--seed S]
 *
 * 1. dgemm: C = A B with N x N matrices, one thread, best of R: the machine's Level-3 rate.
 * 2. One real trial of the cell (the authors' setup: bias, X ~ U[0,1]^d0, torch init,
 *    Gaussian v; rank.method = gram, rank.verify = 0) is run through rs_trial_run, and its
 *    reduced problem (A', X~) is then ranked again step by step, as src/engine.c's
 *    rank_gram does it:
 *      data_syrk  S = X~^T X~ (dsyrk, n x n, k = p)
 *      popcount   G = (A'^T A') o S by popcounts (the same loop as the engine's)
 *      dpstrf     pivoted Cholesky of G with the engine's tolerance
 *    and, for comparison only: the popcount loop compiled for the CPU's popcnt
 *    instruction, and dpotrf (unpivoted Cholesky, same n^3/3 flops) on the same G.
 * Output (best of R for every step; rates in GFLOP/s, dpstrf's flops for rank r are
 * (n^3 - (n - r)^3) / 3):
 *   dgemm n=N seconds=S gflops=F
 *   trial d0= d1= n= d1r= rank= seconds=S       (rs_trial_run, whole trial)
 *   step name=NAME seconds=S [gflops=F] [frac_dgemm=X]
 */
#define _POSIX_C_SOURCE 200809L

#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lapacke.h>
#include <mpi.h>

#include "blas.h"
#include "reluscape/reluscape.h"

void dgemm_(const char *ta, const char *tb, const int *m, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
            const double *beta, double *c, const int *ldc);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double dgemm_rate(int n, int reps)
{
    size_t nn = (size_t)n * (size_t)n;
    double *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b), *c = malloc(nn * sizeof *c);
    if (!a || !b || !c) {
        free(a), free(b), free(c);
        return -1;
    }
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < nn; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        a[i] = (double)(x >> 11) * 0x1p-53;
        b[i] = 1.0 - a[i];
        c[i] = 0;
    }
    const double one = 1.0, zero = 0.0;
    double best = 1e300;
    for (int r = 0; r <= reps; r++) { /* r = 0 warms up */
        double t0 = now();
        dgemm_("N", "N", &n, &n, &n, &one, a, &n, b, &n, &zero, c, &n);
        double t = now() - t0;
        if (r > 0 && t < best) best = t;
    }
    free(a), free(b), free(c);
    printf("dgemm n=%d seconds=%.6f gflops=%.2f\n", n, best, 2.0 * n * (double)n * n / best * 1e-9);
    return 2.0 * n * (double)n * n / best * 1e-9;
}

/* G = (A^T A) o S on the lower triangle, S = X~^T X~ already there; returns tr G.
 * The loop of src/engine.c's rank_gram, as a macro so it can be compiled twice. */
#define POPCOUNT_GRAM_BODY                                                                    \
    const int n = A->n, words = A->words;                                                     \
    double trace = 0;                                                                         \
    for (int i = 0; i < n; i++) {                                                             \
        const uint64_t *ai = A->bits + (size_t)i * words;                                     \
        for (int k = i; k < n; k++) {                                                         \
            const uint64_t *ak = A->bits + (size_t)k * words;                                 \
            int common = 0;                                                                   \
            for (int q = 0; q < words; q++) common += __builtin_popcountll(ai[q] & ak[q]);    \
            size_t at = (size_t)i * n + (size_t)k;                                            \
            G[at] = common * S[at];                                                           \
            if (k == i) trace += G[at];                                                       \
        }                                                                                     \
    }                                                                                         \
    return trace;

static double popcount_gram(const rs_pattern *A, const double *S, double *G) { POPCOUNT_GRAM_BODY }

#if defined(__GNUC__) && defined(__x86_64__)
/* The same loop with the popcnt instruction (what -mpopcnt or -march=native would give;
 * without it gcc calls libgcc's __popcountdi2 for every word). */
__attribute__((target("popcnt"))) static double popcount_gram_hw(const rs_pattern *A, const double *S,
                                                                  double *G)
{
    POPCOUNT_GRAM_BODY
}
#define HAVE_HW_POPCOUNT 1
#endif

typedef struct step {
    const char *name;
    double best;
} step;

static void report(const step *s, double flops, double dgemm)
{
    printf("step name=%s seconds=%.6f", s->name, s->best);
    if (flops > 0) printf(" gflops=%.2f frac_dgemm=%.3f", flops / s->best * 1e-9, flops / s->best * 1e-9 / dgemm);
    printf("\n");
}

static int run_cell(int d0, int d1, int n, int reps, long long trial, unsigned long long seed, double dgemm)
{
    char text[512], err[RS_ERR_MAX];
    snprintf(text, sizeof text,
             "[grid]\nd0 = %d\nd1 = %d\nn = %d\n[sweep]\ntrials = %lld\nseed = %llu\n"
             "[data]\nlaw = uniform01\nbias = true\n[pattern]\nsampler = init\ninit = torch\n"
             "[network]\nv = gaussian\n[rank]\nmethod = gram\nverify = 0\n",
             d0, d1, n, trial + 1, seed);
    rs_config cfg;
    rs_grid grid;
    if (rs_config_parse(text, "bench", 0, NULL, &cfg, err, sizeof err)) {
        fprintf(stderr, "bench_gram: %s\n", err);
        return 1;
    }
    if (rs_grid_build(&cfg, "bench", &grid, err, sizeof err)) {
        fprintf(stderr, "bench_gram: %s\n", err);
        rs_config_free(&cfg);
        return 1;
    }
    static const rs_data_spec data = {.law = RS_DATA_UNIFORM01, .bias = 1};
    rs_trial_setup ts;
    rs_cell cell = grid.cells[0];
    rs_grid_free(&grid);
    int rc = rs_trial_setup_init(&ts, &cfg, &data, err, sizeof err);
    rs_config_free(&cfg);
    if (rc) {
        fprintf(stderr, "bench_gram: %s\n", err);
        return 1;
    }

    rs_trial_work w;
    memset(&w, 0, sizeof w);
    rs_trial_result res;
    double best = 1e300;
    for (int r = 0; r <= reps; r++) {
        double t0 = now();
        if ((rc = rs_trial_run(&ts, &cell, (int64_t)trial, &w, &res))) {
            fprintf(stderr, "bench_gram: trial failed (%d)\n", rc);
            rs_trial_work_free(&w);
            return 1;
        }
        double t = now() - t0;
        if (r > 0 && t < best) best = t;
    }
    const rs_pattern *A = &w.R; /* the reduced problem the engine ranked */
    const int p = cell.p;
    printf("trial d0=%d d1=%d n=%d d1r=%d rank=%d seconds=%.6f\n", d0, d1, n, A->d1, res.rank.matrank, best);

    size_t nn = (size_t)n * (size_t)n;
    double *S = calloc(nn, sizeof *S), *G = calloc(nn, sizeof *G), *F = calloc(nn, sizeof *F);
    double *work = malloc(2 * (size_t)n * sizeof *work);
    lapack_int *piv = malloc((size_t)n * sizeof *piv);
    if (!S || !G || !F || !work || !piv) {
        rc = 1;
        goto out;
    }
    const double one = 1.0, zero = 0.0;
    step syrk = {"data_syrk", 1e300}, pop = {"popcount", 1e300}, pophw = {"popcount_hw", 1e300},
         pstrf = {"dpstrf", 1e300}, potrf = {"dpotrf", 1e300};
    double trace = 0;
    lapack_int rank = 0, info = 0, pinfo = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        dsyrk_("L", "T", &n, &p, &one, w.xt, &p, &zero, S, &n);
        double t1 = now();
        trace = popcount_gram(A, S, G);
        double t2 = now();
        if (t1 - t0 < syrk.best) syrk.best = t1 - t0;
        if (t2 - t1 < pop.best) pop.best = t2 - t1;
#ifdef HAVE_HW_POPCOUNT
        t1 = now();
        popcount_gram_hw(A, S, F);
        t2 = now();
        if (t2 - t1 < pophw.best) pophw.best = t2 - t1;
#endif
        double tol = 2.0 * (n + 1) * (DBL_EPSILON / 2) * trace;
        memcpy(F, G, nn * sizeof *F);
        t1 = now();
        info = LAPACKE_dpstrf_work(LAPACK_COL_MAJOR, 'L', n, F, n, piv, &rank, tol, work);
        t2 = now();
        if (t2 - t1 < pstrf.best) pstrf.best = t2 - t1;
        memcpy(F, G, nn * sizeof *F);
        t1 = now();
        pinfo = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', n, F, n);
        t2 = now();
        if (t2 - t1 < potrf.best) potrf.best = t2 - t1;
    }
    if (info < 0) {
        fprintf(stderr, "bench_gram: dpstrf info %d\n", (int)info);
        rc = 1;
        goto out;
    }
    double nd = n, rest = n - (double)rank;
    report(&syrk, nd * (nd + 1) * p, dgemm);
    report(&pop, 0, dgemm);
#ifdef HAVE_HW_POPCOUNT
    report(&pophw, 0, dgemm);
#endif
    report(&pstrf, (nd * nd * nd - rest * rest * rest) / 3, dgemm);
    printf("dpstrf rank=%d (trial: %d)\n", (int)rank, res.rank.matrank);
    if (pinfo == 0) report(&potrf, nd * nd * nd / 3, dgemm);
    else printf("step name=dpotrf info=%d (not positive definite in float)\n", (int)pinfo);
    printf("steps: data_syrk + popcount + dpstrf = %.6f s of the trial's %.6f s\n",
           syrk.best + pop.best + pstrf.best, best);
out:
    free(S), free(G), free(F), free(work), free(piv);
    rs_trial_work_free(&w);
    return rc;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int d0 = 10, d1 = 400, n = 2000, ng = 2000, reps = 3, rc = 1;
    long long trial = 0;
    unsigned long long seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = val != NULL;
        if (ok && !strcmp(a, "--cell")) ok = sscanf(val, "%d,%d,%d", &d0, &d1, &n) == 3;
        else if (ok && !strcmp(a, "--dgemm")) ok = sscanf(val, "%d", &ng) == 1;
        else if (ok && !strcmp(a, "--reps")) ok = sscanf(val, "%d", &reps) == 1;
        else if (ok && !strcmp(a, "--trial")) ok = sscanf(val, "%lld", &trial) == 1;
        else if (ok && !strcmp(a, "--seed")) ok = sscanf(val, "%llu", &seed) == 1;
        else ok = 0;
        if (!ok || d0 < 1 || d1 < 1 || n < 1 || ng < 1 || reps < 1 || trial < 0) {
            fprintf(stderr, "usage: bench_gram [--cell d0,d1,n] [--dgemm N] [--reps R] [--trial T] "
                            "[--seed S]\n");
            goto done;
        }
        i++;
    }
    double rate = dgemm_rate(ng, reps);
    if (rate > 0) rc = run_cell(d0, d1, n, reps, trial, seed, rate);
done:
    MPI_Finalize();
    return rc;
}
