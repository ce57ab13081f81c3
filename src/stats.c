/* stats.c - per-cell integer accumulators and their exact reduction. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/stats.h"
#include "reluscape/trial.h"
#include "util.h"

int rs_stats_alloc(rs_stats *st, int ncells, int hist_bins)
{
    memset(st, 0, sizeof *st);
    /* eight per-cell scalars + the histogram, one buffer so one Allreduce covers all */
    int64_t count = (int64_t)ncells * (8 + (int64_t)hist_bins);
    st->buf = rs_calloc((size_t)count, sizeof(int64_t));
    if (!st->buf) return -1;
    st->ncells = ncells;
    st->hist_bins = hist_bins;
    st->count = count;
    st->trials = st->buf;
    st->full_rank = st->trials + ncells;
    st->rank_sum = st->full_rank + ncells;
    st->zero_column = st->rank_sum + ncells;
    st->crowded_column = st->zero_column + ncells;
    st->certified = st->crowded_column + ncells;
    st->verified = st->certified + ncells;
    st->verify_disagree = st->verified + ncells;
    st->deficit_hist = st->verify_disagree + ncells;
    return 0;
}

void rs_stats_free(rs_stats *st)
{
    free(st->buf);
    memset(st, 0, sizeof *st);
}

void rs_stats_record(rs_stats *st, int cell, int n, const rs_trial_result *r)
{
    int deficit = n - r->rank.matrank;
    st->trials[cell]++;
    st->full_rank[cell] += deficit == 0;
    st->rank_sum[cell] += r->rank.matrank;
    st->zero_column[cell] += r->zero_column != 0;
    st->crowded_column[cell] += r->crowded_column != 0;
    st->certified[cell] += r->rank.certified != 0;
    st->verified[cell] += r->rank.verified != 0;
    st->verify_disagree[cell] += r->rank.disagree != 0;
    if (deficit >= st->hist_bins) deficit = st->hist_bins - 1; /* cannot happen: bins = max n + 1 */
    st->deficit_hist[(int64_t)cell * st->hist_bins + deficit]++;
}

int rs_stats_allreduce(rs_stats *st, MPI_Comm comm)
{
    /* Integer sums are associative: the result is the same for any rank count. Reduce in
     * chunks so counts stay within int for huge grids. */
    const int64_t chunk = (int64_t)1 << 28;
    for (int64_t off = 0; off < st->count; off += chunk) {
        int len = (int)(st->count - off < chunk ? st->count - off : chunk);
        int rc = MPI_Allreduce(MPI_IN_PLACE, st->buf + off, len, MPI_INT64_T, MPI_SUM, comm);
        if (rc != MPI_SUCCESS) return rc;
    }
    return MPI_SUCCESS;
}

void rs_wilson(int64_t k, int64_t N, double z, double *lo, double *hi)
{
    if (N <= 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double n = (double)N, phat = (double)k / n, z2 = z * z;
    double denom = 1 + z2 / n;
    double centre = (phat + z2 / (2 * n)) / denom;
    double half = z * sqrt(phat * (1 - phat) / n + z2 / (4 * n * n)) / denom;
    *lo = centre - half < 0 ? 0 : centre - half;
    *hi = centre + half > 1 ? 1 : centre + half;
    /* exact ends: k = 0 has lower bound 0, k = N upper bound 1 */
    if (k == 0) *lo = 0;
    if (k == N) *hi = 1;
}
