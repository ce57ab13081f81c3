/* test_stats.c - the statistics table: layout, recording, the exact MPI reduction with
 * distinct values in every entry (run on 1 and 3 ranks: tests/stats_mpi.sh), derived
 * values and Wilson intervals. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "reluscape/config.h"
#include "reluscape/stats.h"

static int near(double a, double b, double tol) { return fabs(a - b) <= tol; }

static const rs_stat_def table[] = {
    RS_STAT_TRIALS_ROW,
    {.name = "hits", .description = "h", .derive = RS_DERIVE_FRACTION, .derived = "hit_fraction"},
    {.name = "total", .description = "t", .derive = RS_DERIVE_MEAN, .derived = "mean_total"},
    {.name = "hist", .axis = {RS_AXIS_DEFICIT}, .description = "by deficit"},
    {.name = "series", .axis = {RS_AXIS_DEFICIT, RS_AXIS_DEFICIT}, .description = "two axes"},
};
#define NT ((int)(sizeof table / sizeof table[0]))

/* A 3-cell grid with max n = 5: deficit axis 6 bins. */
static rs_cell cells[3] = {{.n = 3, .d1 = 2, .p = 2}, {.n = 4, .d1 = 2, .p = 2}, {.n = 5, .d1 = 2, .p = 2}};
static rs_grid g = {.n0 = 1, .n1 = 1, .nn = 3, .ncells = 3, .max_n = 5, .max_P = 4, .cells = cells};
static rs_config cfg;

static void test_layout(void)
{
    rs_stats st;
    CHECK(rs_stats_alloc(&st, table, NT, &cfg, &g) == 0, "alloc");
    CHECK(st.count == 3 * (1 + 1 + 1 + 6 + 36), "count %lld = 3 cells x (3 scalars + 6 + 36 bins)", (long long)st.count);
    CHECK(st.off[0] == 0 && st.off[1] == 3 && st.off[2] == 6 && st.off[3] == 9 && st.off[4] == 27,
          "offsets in table order");
    CHECK(st.width[3] == 6 && st.width[4] == 36 && st.bins[4][0] == 6 && st.bins[4][1] == 6, "widths");
    CHECK(rs_stats_find(&st, "hist") == 3 && rs_stats_find(&st, "nope") == -1, "find");
    rs_stat_add(&st, 1, 2, 1);
    rs_stat_bin(&st, 3, 1, 4);
    rs_stat_bin(&st, 3, 1, 99); /* clamped to the last bin */
    rs_stat_bin(&st, 3, 1, -3); /* clamped to bin 0 */
    CHECK(st.buf[3 + 2] == 1, "stat 1 of cell 2");
    CHECK(st.buf[9 + 6 + 4] == 1 && st.buf[9 + 6 + 5] == 1 && st.buf[9 + 6 + 0] == 1, "histogram bins of cell 1");
    rs_stats_free(&st);

    static const rs_stat_def bad[] = {{.name = "hits"}};
    CHECK(rs_stats_alloc(&st, bad, 1, &cfg, &g) == -1, "a table must start with trials");
    static const rs_stat_def clash[] = {RS_STAT_TRIALS_ROW, {.name = "deficit"}}, clash2[] = {RS_STAT_TRIALS_ROW, {.name = "n"}};
    CHECK(rs_stats_alloc(&st, clash, 2, &cfg, &g) == -1, "a statistic named like a bin axis is refused");
    CHECK(rs_stats_alloc(&st, clash2, 2, &cfg, &g) == -1, "a statistic named like a grid axis is refused");
}

/* Every entry of every rank distinct: entry i of rank r holds (i + 1) * 1000 + r, so the
 * sum over R ranks is R (i + 1) 1000 + R (R - 1) / 2, the last entry included. */
static void test_allreduce(void)
{
    rs_stats st;
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECK(rs_stats_alloc(&st, table, NT, &cfg, &g) == 0, "alloc");
    for (int64_t i = 0; i < st.count; i++) st.buf[i] = (i + 1) * 1000 + rank;
    CHECK(rs_stats_allreduce(&st, MPI_COMM_WORLD) == MPI_SUCCESS, "allreduce");
    int64_t bad = 0;
    for (int64_t i = 0; i < st.count; i++)
        bad += st.buf[i] != (int64_t)size * (i + 1) * 1000 + (int64_t)size * (size - 1) / 2;
    CHECK(bad == 0, "%lld of %lld entries differ from the closed-form sum over %d ranks", (long long)bad,
          (long long)st.count, size);
    CHECK(st.buf[st.count - 1] == (int64_t)size * st.count * 1000 + (int64_t)size * (size - 1) / 2,
          "the last entry is summed (%d ranks)", size);
    rs_stats_free(&st);
}

static void test_derived(void)
{
    rs_stats st;
    CHECK(rs_stats_alloc(&st, table, NT, &cfg, &g) == 0, "alloc");
    rs_stat_add(&st, 0, 1, 10);
    rs_stat_add(&st, 1, 1, 5);
    rs_stat_add(&st, 2, 1, 37);
    double v, lo, hi;
    rs_stats_derived(&st, 1, 1, &v, &lo, &hi);
    CHECK(v == 0.5 && near(lo, 0.2365930905, 1e-9) && near(hi, 0.7634069095, 1e-9), "fraction 5/10 [%g, %g]", lo, hi);
    rs_stats_derived(&st, 2, 1, &v, &lo, &hi);
    CHECK(v == 3.7 && lo == v && hi == v, "mean 37/10 = %g", v);
    rs_stats_derived(&st, 1, 0, &v, &lo, &hi);
    CHECK(isnan(v) && isnan(lo) && isnan(hi), "a cell without trials: NaN");
    rs_stats_free(&st);
}

static void test_wilson(void)
{
    /* Wilson score interval, z = 1.96: closed forms checked by hand */
    double lo, hi, z = RS_WILSON_Z95;
    rs_wilson(5, 10, z, &lo, &hi);
    CHECK(near(lo, 0.2365930905, 1e-9) && near(hi, 0.7634069095, 1e-9), "5/10: [%.10f, %.10f]", lo, hi);
    rs_wilson(0, 10, z, &lo, &hi);
    CHECK(lo == 0 && near(hi, z * z / (10 + z * z), 1e-12), "0/10: upper = z^2/(N+z^2), got %.12f", hi);
    rs_wilson(10, 10, z, &lo, &hi);
    CHECK(hi == 1 && near(lo, 10 / (10 + z * z), 1e-12), "10/10: lower = N/(N+z^2), got %.12f", lo);
    rs_wilson(0, 0, z, &lo, &hi);
    CHECK(lo == 0 && hi == 1, "no trials: [0, 1]");
    rs_wilson(1, 1000000, z, &lo, &hi);
    CHECK(lo > 0 && lo < 1e-6 && hi > 1e-6 && hi < 1e-5, "rare event bracket [%g, %g]", lo, hi);
}

/* The cluster interval by hand: 20 trials in 4 draws of 5 (K = 10, p = 1/2, binomial
 * variance 1/80).  Cluster-robust variance (G·S − K²) / ((G − 1) N²). */
static void test_cluster(void)
{
    const double z = RS_WILSON_Z95;
    double lo, hi, wlo, whi;
    /* hits per draw 3, 2, 3, 2: S = 26, variance 4/1200 < 1/80, design effect clamped to 1 */
    rs_cluster_wilson(10, 20, 26, 4, z, &lo, &hi);
    rs_wilson(10, 20, z, &wlo, &whi);
    CHECK(lo == wlo && hi == whi, "under-dispersed draws: Wilson of 10/20 [%g, %g]", lo, hi);
    /* 5, 5, 0, 0: S = 50, variance 100/1200, design effect 80/12 > 5 clamped to 5: N_eff = 4 */
    rs_cluster_wilson(10, 20, 50, 4, z, &lo, &hi);
    rs_wilson(2, 4, z, &wlo, &whi);
    CHECK(near(lo, wlo, 1e-15) && near(hi, whi, 1e-15), "draws all-or-nothing: Wilson of 2/4 [%g, %g]", lo, hi);
    /* 4, 3, 2, 1: S = 30, variance 20/1200, design effect 80/60 = 4/3: N_eff = 15, p = 1/2 */
    rs_cluster_wilson(10, 20, 30, 4, z, &lo, &hi);
    double n = 15, c = (0.5 + z * z / (2 * n)) / (1 + z * z / n), h = z * sqrt(0.25 / n + z * z / (4 * n * n)) / (1 + z * z / n);
    CHECK(near(lo, c - h, 1e-12) && near(hi, c + h, 1e-12), "design effect 4/3: Wilson at N = 15 [%g, %g]", lo, hi);
    /* one trial per draw (S = K): the Wilson interval, bit for bit */
    rs_cluster_wilson(7, 30, 7, 30, z, &lo, &hi);
    rs_wilson(7, 30, z, &wlo, &whi);
    CHECK(lo == wlo && hi == whi, "one trial per draw: Wilson");
    /* no hits in 4 draws of 5: no variance to estimate, the draws count: Wilson of 0/4 */
    rs_cluster_wilson(0, 20, 0, 4, z, &lo, &hi);
    CHECK(lo == 0 && near(hi, z * z / (4 + z * z), 1e-12), "0 hits: upper bound of 0/4, got %g", hi);
    rs_cluster_wilson(3, 10, 9, 0, z, &lo, &hi);
    CHECK(isnan(lo) && isnan(hi), "no draws recorded (exhaustive mode): NaN");
}

/* rs_stat_draw: draw counts and Σ k² from trials in order. */
static void test_draw_tally(void)
{
    static const rs_stat_def t[] = {RS_STAT_TRIALS_ROW, {.name = "full_rank"}, RS_STAT_DRAWS_ROW, RS_STAT_FULL_SQ_ROW};
    rs_grid g2 = {.ncells = 2};
    rs_stats st;
    CHECK(rs_stats_alloc(&st, t, 4, &cfg, &g2) == 0, "alloc");
    /* cell 0: draws of 3 trials with hits 1,1,0 | 1,1,1 ; cell 1: 0,0,1 ; exhaustive trials add nothing */
    const int hits[] = {1, 1, 0, 1, 1, 1};
    for (int i = 0; i < 6; i++) rs_stat_draw(&st, 3, 2, 0, i / 3, hits[i]);
    for (int i = 0; i < 3; i++) rs_stat_draw(&st, 3, 2, 1, 0, i == 2);
    rs_stat_draw(&st, 3, 2, 1, -1, 1);
    CHECK(*rs_stat_cell(&st, 2, 0) == 2 && *rs_stat_cell(&st, 3, 0) == 4 + 9, "cell 0: 2 draws, S = 2² + 3²");
    CHECK(*rs_stat_cell(&st, 2, 1) == 1 && *rs_stat_cell(&st, 3, 1) == 1, "cell 1: 1 draw, S = 1");
    rs_stats_free(&st);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    test_layout();
    test_allreduce();
    test_derived();
    test_wilson();
    test_cluster();
    test_draw_tally();
    MPI_Finalize();
    return rank == 0 ? check_done("test_stats") : (check_failed ? 1 : 0);
}
