/* test_stats.c - accumulators, their exact MPI reduction, and Wilson intervals. */
#include <math.h>

#include "check.h"
#include "reluscape/stats.h"
#include "reluscape/trial.h"

static int near(double a, double b, double tol) { return fabs(a - b) <= tol; }

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    rs_stats st;
    CHECK(rs_stats_alloc(&st, 3, 6) == 0, "alloc");
    rs_trial_result a = {.rank = {.matrank = 5, .certified = 1, .verified = 1}},
                    b = {.rank = {.matrank = 3, .verified = 1, .disagree = 1}, .zero_column = 1},
                    c = {.rank = {.matrank = 0}, .zero_column = 1, .crowded_column = 1};
    rs_stats_record(&st, 1, 5, &a);
    rs_stats_record(&st, 1, 5, &b);
    rs_stats_record(&st, 2, 4, &c);
    CHECK(st.trials[0] == 0 && st.trials[1] == 2 && st.trials[2] == 1, "trials");
    CHECK(st.full_rank[1] == 1 && st.rank_sum[1] == 8 && st.zero_column[1] == 1, "cell 1 counts");
    CHECK(st.certified[1] == 1 && st.certified[2] == 0, "certified counts");
    CHECK(st.verified[1] == 2 && st.verify_disagree[1] == 1 && st.verified[2] == 0, "verification counts");
    CHECK(st.deficit_hist[1 * 6 + 0] == 1 && st.deficit_hist[1 * 6 + 2] == 1, "deficit histogram");
    CHECK(st.deficit_hist[2 * 6 + 4] == 1 && st.crowded_column[2] == 1, "cell 2");
    int64_t before = st.rank_sum[1];
    int size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECK(rs_stats_allreduce(&st, MPI_COMM_WORLD) == MPI_SUCCESS, "allreduce");
    CHECK(st.rank_sum[1] == before * size, "sum over %d ranks", size);
    rs_stats_free(&st);

    /* Wilson score interval, z = 1.96: closed forms checked by hand */
    double lo, hi, z = 1.959963984540054;
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
    MPI_Finalize();
    return check_done("test_stats");
}
