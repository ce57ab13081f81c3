/* stats.c - table-driven integer accumulators and their exact reduction (stats.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/stats.h"
#include "reluscape/train.h"
#include "util.h"

static const struct {
    const char *name, *description;
} axes[RS_NAXES] = {
    [RS_AXIS_NONE] = {"", ""},
    [RS_AXIS_DEFICIT] = {"deficit", "0 … max n: bins of rank deficits n − rank J_A"},
    [RS_AXIS_DIMENSION] = {"dimension", "0 … max P: bins of the dimension P − rank J_A of a set of minima"},
    [RS_AXIS_ONES] = {"ones", "0 … max d1·n: bins of the number of ones in a pattern"},
    [RS_AXIS_RECORD] = {"step", "the recorded training steps (values: the step numbers 0, ⌊10^(k/train.record)⌋ "
                                "and train.steps)"},
    [RS_AXIS_LOG10] = {"log10_bin", "0 … 201: bin 0 below 1e-16, bin b holds [10^(−16+(b−1)/10), "
                                    "10^(−16+b/10)), bin 201 at least 1e4, inf or NaN"},
    [RS_AXIS_LOG2] = {"log2_bin", "0 … 47: bin b holds counts in [2^b, 2^(b+1)) (bin 0 also 0)"},
    [RS_AXIS_KEPT] = {"kept_trial", "0 … train.keep_trajectories − 1: the trial of the cell whose trajectory is kept"},
};

const char *rs_axis_name(rs_axis_id a) { return axes[a].name; }
const char *rs_axis_description(rs_axis_id a) { return axes[a].description; }

int64_t rs_axis_length(rs_axis_id a, const rs_config *cfg, const rs_grid *g)
{
    switch (a) {
    case RS_AXIS_RECORD: return rs_train_record_steps(cfg->train_steps, cfg->train_record, NULL, 0);
    case RS_AXIS_LOG10: return RS_LOG10_BINS;
    case RS_AXIS_LOG2: return 48;
    case RS_AXIS_KEPT: return cfg->train_keep > 0 ? cfg->train_keep : 1;
    case RS_AXIS_DEFICIT: return (int64_t)g->max_n + 1;
    case RS_AXIS_DIMENSION: return g->max_P + 1;
    case RS_AXIS_ONES: {
        int64_t m = 0;
        for (int c = 0; c < g->ncells; c++)
            if ((int64_t)g->cells[c].d1 * g->cells[c].n > m) m = (int64_t)g->cells[c].d1 * g->cells[c].n;
        return m + 1;
    }
    default: return 1;
    }
}

void rs_axis_labels(rs_axis_id a, const rs_config *cfg, int64_t *labels, int64_t len)
{
    if (a == RS_AXIS_RECORD) {
        rs_train_record_steps(cfg->train_steps, cfg->train_record, labels, len);
        return;
    }
    for (int64_t b = 0; b < len; b++) labels[b] = b;
}

double rs_axis_bin_value(rs_axis_id a, int64_t b)
{
    return a == RS_AXIS_LOG10 ? rs_log10_bin_value(b) : (double)b;
}

int rs_stats_alloc(rs_stats *st, const rs_stat_def *defs, int ndefs, const rs_config *cfg, const rs_grid *g)
{
    memset(st, 0, sizeof *st);
    if (ndefs < 1 || ndefs > RS_STATS_MAX || strcmp(defs[0].name, "trials")) return -1;
    int64_t count = 0;
    for (int k = 0; k < ndefs; k++) {
        /* the axes are linked into /stats under their names: a statistic may not take one */
        static const char *const grid_axes[] = {"d0", "d0_ratio", "d1", "n", "P", "d0_of_cell"};
        for (size_t a = 0; a < RS_ARRAY_LEN(grid_axes); a++)
            if (!strcmp(defs[k].name, grid_axes[a])) return -1;
        for (int a = 1; a < RS_NAXES; a++)
            if (!strcmp(defs[k].name, axes[a].name)) return -1;
        st->width[k] = 1;
        for (int a = 0; a < 2; a++) {
            st->bins[k][a] = defs[k].axis[a] ? rs_axis_length(defs[k].axis[a], cfg, g) : 1;
            st->width[k] *= st->bins[k][a];
        }
        st->off[k] = count;
        count += (int64_t)g->ncells * st->width[k];
    }
    st->buf = rs_calloc((size_t)count, sizeof(int64_t));
    if (!st->buf) return -1;
    st->defs = defs;
    st->ndefs = ndefs;
    st->ncells = g->ncells;
    st->count = count;
    return 0;
}

void rs_stats_free(rs_stats *st)
{
    free(st->buf);
    memset(st, 0, sizeof *st);
}

int rs_stats_find(const rs_stats *st, const char *name)
{
    for (int k = 0; k < st->ndefs; k++)
        if (!strcmp(st->defs[k].name, name)) return k;
    return -1;
}

int rs_stats_check(const rs_stats *st, const int64_t *trials, char *why, size_t len)
{
    for (int c = 0; c < st->ncells; c++) {
        int64_t N = *rs_stat_cell(st, 0, c);
        if (trials && N != trials[c])
            return RS_FMT(why, len, "cell %d holds %lld trials where %lld were run", c, (long long)N,
                          (long long)trials[c]), -1;
        for (int k = 0; k < st->ndefs; k++) {
            const int64_t *x = rs_stat_cell(st, k, c);
            for (int64_t b = 0; b < st->width[k]; b++)
                if (x[b] < 0)
                    return RS_FMT(why, len, "%s of cell %d is negative (%lld)", st->defs[k].name, c, (long long)x[b]), -1;
            if (st->defs[k].derive == RS_DERIVE_FRACTION && x[0] > N)
                return RS_FMT(why, len, "%s of cell %d counts %lld of %lld trials", st->defs[k].name, c,
                              (long long)x[0], (long long)N), -1;
        }
    }
    return 0;
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

void rs_stat_draw(rs_stats *st, int k_sq, int k_draws, int c, int64_t draw, int hit)
{
    if (draw < 0) return;
    if (!st->draw_open || st->draw_cell != c || st->draw_id != draw) {
        st->draw_open = 1;
        st->draw_cell = c;
        st->draw_id = draw;
        st->draw_hits = 0;
        rs_stat_add(st, k_draws, c, 1);
    }
    if (hit) rs_stat_add(st, k_sq, c, 2 * st->draw_hits++ + 1);
}

void rs_stats_derived(const rs_stats *st, int k, int c, double *value, double *lo, double *hi)
{
    int64_t N = *rs_stat_cell(st, 0, c), x = *rs_stat_cell(st, k, c);
    if (st->defs[k].derive == RS_DERIVE_CLUSTER) {
        int kf = rs_stats_find(st, st->defs[k].of), kg = rs_stats_find(st, "datasets");
        int64_t K = kf < 0 ? 0 : *rs_stat_cell(st, kf, c), G = kg < 0 ? 0 : *rs_stat_cell(st, kg, c);
        *value = N > 0 ? (double)K / (double)N : NAN;
        rs_cluster_wilson(K, N, x, G, RS_WILSON_Z95, lo, hi);
        return;
    }
    if (st->defs[k].derive == RS_DERIVE_FRACTION && st->defs[k].per) { /* a fraction of another row */
        int kp = rs_stats_find(st, st->defs[k].per);
        N = kp < 0 ? 0 : *rs_stat_cell(st, kp, c);
    }
    if (N <= 0) { /* no trials: no value (schema 2; schema 1 wrote 0 in [0, 1]) */
        *value = *lo = *hi = NAN;
        return;
    }
    *value = (double)x / (double)N;
    if (st->defs[k].derive == RS_DERIVE_FRACTION)
        rs_wilson(x, N, RS_WILSON_Z95, lo, hi);
    else
        *lo = *hi = *value;
}

int64_t rs_stat_value_code(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    bits &= ~((uint64_t)1 << 63); /* -0 and a NaN's sign: stored as their positive twins */
    return (int64_t)bits + 1;
}

double rs_stat_value_decode(int64_t code)
{
    if (code <= 0) return NAN;
    uint64_t bits = (uint64_t)(code - 1);
    double x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

/* Row `series` of a two-axis stat: bins[k][1] counts. */
static const int64_t *series_row(const rs_stats *st, int k, int c, int64_t series)
{
    return rs_stat_cell(st, k, c) + series * st->bins[k][1];
}

double rs_stats_quantile(const rs_stats *st, int k, int c, int64_t series, double q)
{
    const int64_t *h = series_row(st, k, c, series), B = st->bins[k][1];
    int64_t total = 0, cum = 0;
    for (int64_t b = 0; b < B; b++) total += h[b];
    if (total <= 0) return NAN;
    for (int64_t b = 0; b < B; b++)
        if ((double)(cum += h[b]) >= q * (double)total) return rs_axis_bin_value(st->defs[k].axis[1], b);
    return rs_axis_bin_value(st->defs[k].axis[1], B - 1);
}

double rs_stats_series_mean(const rs_stats *st, int k, int c, int64_t series)
{
    const int64_t *h = series_row(st, k, c, series), B = st->bins[k][1];
    int64_t total = 0;
    double sum = 0;
    for (int64_t b = 0; b < B; b++)
        if (h[b]) {
            total += h[b];
            sum += (double)h[b] * rs_axis_bin_value(st->defs[k].axis[1], b);
        }
    return total > 0 ? sum / (double)total : NAN;
}

/* Wilson for the fraction phat at a real sample size n. */
static void wilson(double phat, double n, double z, double *lo, double *hi)
{
    double z2 = z * z;
    double denom = 1 + z2 / n;
    double centre = (phat + z2 / (2 * n)) / denom;
    double half = z * sqrt(phat * (1 - phat) / n + z2 / (4 * n * n)) / denom;
    *lo = centre - half < 0 ? 0 : centre - half;
    *hi = centre + half > 1 ? 1 : centre + half;
}

void rs_wilson(int64_t k, int64_t N, double z, double *lo, double *hi)
{
    if (N <= 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    wilson((double)k / (double)N, (double)N, z, lo, hi);
    /* exact ends: k = 0 has lower bound 0, k = N upper bound 1 */
    if (k == 0) *lo = 0;
    if (k == N) *hi = 1;
}

void rs_cluster_wilson(int64_t K, int64_t N, int64_t S, int64_t G, double z, double *lo, double *hi)
{
    if (N <= 0 || G <= 0) {
        *lo = *hi = NAN;
        return;
    }
    double n = (double)N, g = (double)G, p = (double)K / n, m = n / g, deff = m;
    if (G >= 2 && K > 0 && K < N) {
        /* G·S − K² exactly in double while both stay below 2^53 */
        double between = g * (double)S - (double)K * (double)K;
        double var_cluster = between < 0 ? 0 : between / ((g - 1) * n * n);
        deff = var_cluster / (p * (1 - p) / n);
        deff = deff < 1 ? 1 : deff > m ? m : deff;
    }
    wilson(p, n / deff, z, lo, hi);
    if (K == 0) *lo = 0;
    if (K == N) *hi = 1;
}

void rs_stats_write_doc(FILE *out, const rs_stat_def *defs, int ndefs)
{
    fprintf(out, "| dataset | shape | type | meaning |\n|---|---|---|---|\n");
    for (int k = 0; k < ndefs; k++) {
        const rs_stat_def *d = &defs[k];
        char shape[128] = "[N0, N1, Nn";
        for (int a = 0; a < 2 && d->axis[a]; a++) {
            size_t len = strlen(shape);
            RS_FMT(shape + len, sizeof shape - len, ", %s", rs_axis_name(d->axis[a]));
        }
        fprintf(out, "| `%s` | %s] | int64 | %s |\n", d->name, shape, d->description);
        if (d->derive == RS_DERIVE_FRACTION)
            fprintf(out, "| `%s`, `%s_lo`, `%s_hi` | [N0, N1, Nn] | float64 | %s / %s and its 95%% Wilson "
                    "score interval |\n", d->derived, d->name, d->name, d->name, d->per ? d->per : "trials");
        else if (d->derive == RS_DERIVE_MEAN)
            fprintf(out, "| `%s` | [N0, N1, Nn] | float64 | %s / trials |\n", d->derived, d->name);
        else if (d->derive == RS_DERIVE_VALUES)
            fprintf(out, "| `%s` | %s] | float64 | the values stored in %s (NaN: none) |\n", d->derived, shape, d->name);
        else if (d->derive == RS_DERIVE_QUANTILES)
            fprintf(out, "| `%s_q10`, `%s_q50`, `%s_q90`, `%s_mean` | [N0, N1, Nn, %s] | float64 | per %s: "
                    "quantiles and mean of the %s bins' values over the trials of %s (NaN: none) |\n",
                    d->derived, d->derived, d->derived, d->derived, rs_axis_name(d->axis[0]),
                    rs_axis_name(d->axis[0]), rs_axis_name(d->axis[1]), d->name);
        else if (d->derive == RS_DERIVE_CLUSTER)
            fprintf(out, "| `%s_lo`, `%s_hi` | [N0, N1, Nn] | float64 | 95%% interval of %s_fraction that allows "
                    "for trials sharing a dataset draw (Wilson at the design-effect sample size) |\n", d->derived,
                    d->derived, d->of);
    }
}
