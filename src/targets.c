/* targets.c - regression targets y (targets.h).  The order of draws is part of the
 * reproducibility contract and is documented per law. */
#include <math.h>
#include <stdlib.h>

#include "reluscape/rng.h"
#include "reluscape/targets.h"
#include "util.h"

static const char *const law_names[] = {
    [RS_TARGETS_GAUSSIAN] = "gaussian", [RS_TARGETS_UNIFORM] = "uniform", [RS_TARGETS_TEACHER] = "teacher",
    [RS_TARGETS_POLY2] = "poly2",       [RS_TARGETS_FILE] = "file",
};

int rs_targets_law_from_name(const char *name) { return rs_name_index(law_names, (int)RS_ARRAY_LEN(law_names), name); }

const char *rs_targets_law_names(void)
{
    static char names[64];
    return names[0] ? names : rs_names_join(law_names, (int)RS_ARRAY_LEN(law_names), names, sizeof names);
}

/* One weight of the teacher's init law for fan-in d0. */
static double init_weight(rs_init_law law, int d0, rs_stream *s)
{
    switch (law) {
    case RS_INIT_HE: return sqrt(2.0 / d0) * rs_normal(s);
    case RS_INIT_TORCH: return rs_uniform_range(s, -1.0 / sqrt(d0), 1.0 / sqrt(d0));
    case RS_INIT_GAUSSIAN:
    default: return rs_normal(s);
    }
}

/* Draw order: neuron k = 0..m-1: w_k1..w_kd0, then b_k (drawn only with teacher_bias and
 * a law other than he), then v_k.  y_i = sum_k v_k relu(<w_k, x_i> + b_k). */
static int teacher(const rs_targets_spec *t, const double *xt, int d0, int p, int n, rs_stream *s, double *y)
{
    const int m = t->teacher_width;
    double *w = malloc((size_t)m * (size_t)(d0 + 2) * sizeof *w);
    if (!w) return -1;
    for (int k = 0; k < m; k++) {
        double *wk = w + (size_t)k * (d0 + 2);
        for (int r = 0; r < d0; r++) wk[r] = init_weight(t->teacher_init, d0, s);
        wk[d0] = t->teacher_bias && t->teacher_init != RS_INIT_HE ? init_weight(t->teacher_init, d0, s) : 0.0;
        wk[d0 + 1] = rs_normal(s) / sqrt((double)m);
    }
    for (int i = 0; i < n; i++) {
        const double *x = xt + (size_t)i * p;
        double out = 0;
        for (int k = 0; k < m; k++) {
            const double *wk = w + (size_t)k * (d0 + 2);
            double z = wk[d0];
            for (int r = 0; r < d0; r++) z += wk[r] * x[r];
            if (z > 0) out += wk[d0 + 1] * z;
        }
        y[i] = out;
    }
    free(w);
    return 0;
}

/* Draw order: c_0, then c_r (r = 0..d0-1), then c_rs for r <= s in row order, all
 * U(-1,1).  y_i = c_0 + sum_r c_r x_r + sum_{r <= s} c_rs x_r x_s. */
static int poly2(const double *xt, int d0, int p, int n, rs_stream *s, double *y)
{
    size_t nc = 1 + (size_t)d0 + (size_t)d0 * (d0 + 1) / 2;
    double *c = malloc(nc * sizeof *c);
    if (!c) return -1;
    for (size_t k = 0; k < nc; k++) c[k] = rs_uniform_range(s, -1.0, 1.0);
    for (int i = 0; i < n; i++) {
        const double *x = xt + (size_t)i * p;
        double out = c[0];
        size_t k = 1;
        for (int r = 0; r < d0; r++) out += c[k++] * x[r];
        for (int r = 0; r < d0; r++)
            for (int q = r; q < d0; q++) out += c[k++] * x[r] * x[q];
        y[i] = out;
    }
    free(c);
    return 0;
}

int rs_targets_draw(const rs_targets_spec *t, const double *xt, int d0, int p, int n, uint64_t seed,
                    uint64_t cell, uint64_t dataset, double *y)
{
    rs_stream s;
    rs_stream_init(&s, seed, cell, dataset, RS_STREAM_TARGET);
    switch (t->law) {
    case RS_TARGETS_GAUSSIAN:
        rs_normal_fill(&s, y, (size_t)n);
        return 0;
    case RS_TARGETS_UNIFORM:
        for (int i = 0; i < n; i++) y[i] = 2.0 * rs_uniform_open01(&s) - 1.0;
        return 0;
    case RS_TARGETS_TEACHER: return teacher(t, xt, d0, p, n, &s, y);
    case RS_TARGETS_POLY2: return poly2(xt, d0, p, n, &s, y);
    case RS_TARGETS_FILE: return rs_data_draw_targets(t->data, d0, n, seed, cell, dataset, y);
    }
    return -1;
}
