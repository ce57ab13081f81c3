/* bench_group.c - one large trial shared by a group of ranks (rank.group_size) against the
 * serial gram path: time per trial and peak resident memory per rank.
 *
 *   mpiexec -n G bench_group --cell d0,d1,n [--trials T] [--method gram|svd|auto] [--serial]
 *
 * The authors' setup (bias, X ~ U[0,1)^d0, PyTorch-default init patterns, Gaussian v),
 * rank.verify = 0.  Without --serial the G ranks form one group with a BLACS grid (G = 1:
 * ScaLAPACK on a 1 x 1 grid) and rank through rs_group_rank, as a sweep with
 * rank.group_size = G does; with --serial one rank runs rs_trial_run (LAPACK).  Trials
 * are timed from a barrier to a barrier; the trial's preparation (data, pattern,
 * reduction) is included, as in production.  Output:
 *   group mode=scalapack|serial g=G grid=RxC d0= d1= n= trials=T rank=R seconds_per_trial=S
 *         rss_base_mb=B rss_peak_mb=P rss_added_mb=A rss_added_min_mb=M
 * rss_*: getrusage's peak resident set (MB = 10^6 bytes) before the first trial and after
 * the last, the largest over the ranks (added_min: the smallest rank's increase). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/resource.h>

#include <mpi.h>

#include "reluscape/footprint.h"
#include "reluscape/group.h"
#include "reluscape/reluscape.h"

static double peak_rss_mb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_maxrss * 1024.0 / 1e6;
}

static int fail(const char *msg)
{
    fprintf(stderr, "bench_group: %s\n", msg);
    MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size, d0 = 10, d1 = 1000, n = 8000, serial = 0;
    long long trials = 1;
    const char *method = "gram";
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--cell") && i + 1 < argc) {
            if (sscanf(argv[++i], "%d,%d,%d", &d0, &d1, &n) != 3) return fail("--cell d0,d1,n");
        } else if (!strcmp(argv[i], "--trials") && i + 1 < argc) {
            trials = atoll(argv[++i]);
        } else if (!strcmp(argv[i], "--method") && i + 1 < argc) {
            method = argv[++i];
        } else if (!strcmp(argv[i], "--serial")) {
            serial = 1;
        } else {
            return fail("usage: bench_group --cell d0,d1,n [--trials T] [--method gram|svd|auto] [--serial]");
        }
    }
    if (serial && size != 1) return fail("--serial runs on one rank");
    char text[512], err[RS_ERR_MAX];
    snprintf(text, sizeof text,
             "[grid]\nd0 = %d\nd1 = %d\nn = %d\n[sweep]\ntrials = %lld\n[data]\nlaw = uniform01\n"
             "[pattern]\nsampler = init\ninit = torch\n[rank]\nmethod = %s\nverify = 0\n",
             d0, d1, n, trials, method);
    rs_config cfg;
    rs_grid grid;
    rs_trial_setup ts;
    rs_data_spec data = {.law = RS_DATA_UNIFORM01, .bias = 1};
    if (rs_config_parse(text, "bench", 0, NULL, &cfg, err, sizeof err) ||
        rs_grid_build(&cfg, "bench", &grid, err, sizeof err) || rs_trial_setup_init(&ts, &cfg, &data, err, sizeof err))
        return fail(err);
    rs_group grp;
    if (rs_group_split(MPI_COMM_WORLD, size, !serial, &grp, err, sizeof err)) return fail(err);
    const rs_method_info *mi = rs_method_lookup(method);
    int gm = mi ? (int)mi->group : -1;
    if (!serial && gm < 0) return fail("--method has no distributed form");

    rs_trial_work tw;
    rs_group_work gw;
    memset(&tw, 0, sizeof tw);
    memset(&gw, 0, sizeof gw);
    const rs_cell *cell = &grid.cells[0];
    double base = peak_rss_mb(), seconds = 0;
    int matrank = -1;
    for (long long t = 0; t < trials; t++) {
        rs_trial_result r;
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        int rc;
        if (serial) {
            rc = rs_trial_run(&ts, cell, t, &tw, &r);
        } else {
            rs_rank_problem pb;
            memset(&r, 0, sizeof r);
            rc = rs_trial_prepare(&ts, cell, t, &tw, &r, &pb);
            if (!rc) rc = rs_group_rank(&grp, (rs_group_form)gm, &ts.engine, &pb, 0, &gw, &r.rank, err, sizeof err);
        }
        MPI_Barrier(MPI_COMM_WORLD);
        seconds += MPI_Wtime() - t0;
        if (rc) return fail(serial ? "trial failed" : err);
        matrank = r.rank.matrank;
    }
    double peak = peak_rss_mb(), added = peak - base, v[3] = {base, peak, added}, mx[3], added_min;
    MPI_Reduce(v, mx, 3, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    MPI_Reduce(&added, &added_min, 1, MPI_DOUBLE, MPI_MIN, 0, MPI_COMM_WORLD);
    if (rank == 0)
        printf("group mode=%s g=%d grid=%dx%d d0=%d d1=%d n=%d trials=%lld rank=%d seconds_per_trial=%.3f "
               "rss_base_mb=%.1f rss_peak_mb=%.1f rss_added_mb=%.1f rss_added_min_mb=%.1f "
               "model_mb=%.1f\n",
               serial ? "serial" : "scalapack", size, serial ? 1 : grp.nprow, serial ? 1 : grp.npcol, d0, d1, n,
               trials, matrank, seconds / (double)trials, mx[0], mx[1], mx[2], added_min,
               (serial ? rs_trial_bytes(&cfg, cell, 1) : rs_group_trial_bytes(&cfg, cell, size)) / 1e6);
    rs_group_work_free(&gw);
    rs_trial_work_free(&tw);
    rs_group_free(&grp);
    rs_grid_free(&grid);
    rs_config_free(&cfg);
    MPI_Finalize();
    return 0;
}
