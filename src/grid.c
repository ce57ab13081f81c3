/* grid.c - the grid of cells (d0 or d0_ratio) x d1 x n. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/grid.h"
#include "reluscape/regions.h"
#include "util.h"

uint64_t rs_cell_key(int d0, int d1, int n)
{
    /* Injective for d0 < 2^24, d1 < 2^20, n < 2^20 (the config's bounds are smaller), and
     * independent of the grid a cell sits in: the same (d0, d1, n) draws the same numbers
     * in any sweep, shard or job array. */
    return ((uint64_t)d0 << 40) | ((uint64_t)d1 << 20) | (uint64_t)n;
}

/* Exhaustive mode: every pattern of {0,1}^(d1 x n) once, or every non-empty region (each
 * of d1 rows one of the data's realizable rows: 2n of them in 1-D with bias, Cover's
 * count in general position).  0, or -1 when the count is too large to wait for. */
static int exhaustive_trials(const rs_config *cfg, rs_cell *c, const char *cfgname, char *err, size_t errlen)
{
    double rows = !strcmp(cfg->sampler, "bernoulli") ? 2.0 : c->d0 == 1 && cfg->bias ? 2.0 * c->n
                                                                                          : rs_cover_count(c->n, c->p);
    double total = pow(rows, !strcmp(cfg->sampler, "bernoulli") ? (double)c->d1 * c->n : (double)c->d1);
    if (total > (double)RS_EXHAUSTIVE_MAX) {
        RS_FMT(err, errlen, "%s: key 'sweep.mode': exhaustive cell d0=%d d1=%d n=%d has %.3g %s (at most %lld, "
               "about 5 hours of one core at 10^6 trials/s): use smaller d1 or n, or sweep.mode = sample", cfgname,
               c->d0, c->d1, c->n, total, !strcmp(cfg->sampler, "bernoulli") ? "patterns" : "non-empty regions",
               (long long)RS_EXHAUSTIVE_MAX);
        return -1;
    }
    c->trials = (int64_t)total;
    return 0;
}

int rs_grid_build(const rs_config *cfg, const char *cfgname, rs_grid *g, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->exhaustive = !strcmp(cfg->sweep_mode, "exhaustive");
    g->ratio_axis = cfg->d0_ratio.count > 0;
    g->n0 = g->ratio_axis ? cfg->d0_ratio.count : cfg->d0.count;
    g->n1 = cfg->d1.count;
    g->nn = cfg->n.count;
    int64_t ncells = (int64_t)g->n0 * g->n1 * g->nn;
    if (ncells > 10000000) {
        RS_FMT(err, errlen, "%s: keys 'grid.d0'/'grid.d0_ratio', 'grid.d1', 'grid.n': the grid has %lld cells "
               "(limit 10^7): split it into several runs", cfgname, (long long)ncells);
        return -1;
    }
    g->ncells = (int)ncells;
    g->cells = rs_calloc((size_t)ncells, sizeof *g->cells);
    if (!g->cells) return RS_FMT(err, errlen, "out of memory for %lld cells", (long long)ncells), -1;
    for (int i0 = 0; i0 < g->n0; i0++)
        for (int i1 = 0; i1 < g->n1; i1++)
            for (int in = 0; in < g->nn; in++) {
                rs_cell *c = &g->cells[((int64_t)i0 * g->n1 + i1) * g->nn + in];
                c->i0 = i0;
                c->i1 = i1;
                c->in = in;
                c->n = (int)cfg->n.v[in];
                c->d1 = (int)cfg->d1.v[i1];
                if (g->ratio_axis) {
                    /* the small slack absorbs binary rounding of r (0.1 * 30 = 3.0000000000000004) */
                    double x = cfg->d0_ratio.v[i0] * c->n;
                    c->d0 = (int)ceil(x - 1e-9 * x);
                    if (c->d0 < 1) c->d0 = 1;
                } else {
                    c->d0 = (int)cfg->d0.v[i0];
                }
                c->p = c->d0 + (cfg->bias != 0);
                c->key = rs_cell_key(c->d0, c->d1, c->n);
                int64_t P = (int64_t)c->d1 * c->p;
                c->trials = cfg->trials;
                if (g->exhaustive && exhaustive_trials(cfg, c, cfgname, err, errlen)) {
                    rs_grid_free(g);
                    return -1;
                }
                if (c->n > g->max_n) g->max_n = c->n;
                if (P > g->max_P) g->max_P = P;
            }
    return 0;
}

void rs_grid_free(rs_grid *g)
{
    free(g->cells);
    memset(g, 0, sizeof *g);
}
