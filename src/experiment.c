/* experiment.c - the registry of experiments (experiment.h). */
#include <string.h>

#include <stdlib.h>

#include "reluscape/experiment.h"
#include "reluscape/targets.h"
#include "util.h"

#define RS_EXPERIMENTS_MAX 16

/* The library's experiments, then any a test registered. */
static const rs_experiment *registry[RS_EXPERIMENTS_MAX] = {&rs_experiment_rank, &rs_experiment_minima,
                                                            &rs_experiment_train};
static int registered = 3;
static char names[256];

int rs_experiment_count(void) { return registered; }
const rs_experiment *rs_experiment_at(int i) { return i >= 0 && i < registered ? registry[i] : NULL; }

const rs_experiment *rs_experiment_lookup(const char *name)
{
    for (int i = 0; name && i < registered; i++)
        if (!strcmp(registry[i]->name, name)) return registry[i];
    return NULL;
}

int rs_experiment_register(const rs_experiment *e)
{
    if (registered == RS_EXPERIMENTS_MAX || rs_experiment_lookup(e->name)) return -1;
    registry[registered++] = e;
    names[0] = '\0';
    return 0;
}

const char *rs_experiment_names(void)
{
    if (!names[0]) {
        const char *list[RS_EXPERIMENTS_MAX];
        for (int i = 0; i < registered; i++) list[i] = registry[i]->name;
        rs_names_join(list, registered, names, sizeof names);
    }
    return names;
}

const char *rs_experiment_sections(const char *kind)
{
    const rs_experiment *e = rs_experiment_lookup(kind);
    return e && e->sections ? e->sections : "";
}

int rs_experiment_draws_v(const char *kind)
{
    const rs_experiment *e = rs_experiment_lookup(kind);
    return e && e->draws_v;
}

int rs_experiment_check_config(const rs_config *cfg, const char **key, char *why, size_t len)
{
    const rs_experiment *e = rs_experiment_lookup(cfg->experiment);
    if (!e) { /* the option table already restricts the name */
        *key = "experiment.kind";
        RS_FMT(why, len, "'%s' is not allowed (allowed: %s)", cfg->experiment, rs_experiment_names());
        return -1;
    }
    if (cfg->group_size > 1 && !e->group_trial) {
        *key = "rank.group_size";
        RS_FMT(why, len, "%lld: experiment.kind = %s runs on single ranks only", (long long)cfg->group_size,
               e->name);
        return -1;
    }
    return e->check ? e->check(cfg, key, why, len) : 0;
}

int rs_experiment_setup(rs_trial_setup *ts, const rs_config *cfg, const rs_data_spec *data, char *err,
                        size_t errlen)
{
    if (rs_trial_setup_init(ts, cfg, data, err, errlen)) return -1;
    if (!(ts->exp = rs_experiment_lookup(cfg->experiment))) {
        RS_FMT(err, errlen, "internal: experiment.kind '%s' not in the registry", cfg->experiment);
        return -1;
    }
    ts->draw_v |= ts->exp->draws_v;
    return 0;
}

void rs_experiment_set_costs(const rs_experiment *e, const rs_config *cfg, rs_grid *g)
{
    for (int c = 0; c < g->ncells; c++) g->cells[c].cost = e->cost(cfg, &g->cells[c]);
}

int64_t rs_stats_count(const rs_experiment *e, const rs_config *cfg, const rs_grid *g)
{
    int64_t count = 0;
    for (int k = 0; k < e->nstats; k++) {
        int64_t w = 1;
        for (int a = 0; a < 2 && e->stats[k].axis[a]; a++) w *= rs_axis_length(e->stats[k].axis[a], cfg, g);
        count += w * g->ncells;
    }
    return count;
}

void rs_experiment_write_doc(FILE *out)
{
    fprintf(out, "### Bin axes\n\nThe axes histograms and series add after (a0, d1, n), each a dimension scale "
                 "in /grid (values: the bin's label, 0 … B−1 except where said):\n\n| axis | bins |\n|---|---|\n");
    for (int a = 1; a < RS_NAXES; a++)
        fprintf(out, "| `%s` | %s |\n", rs_axis_name((rs_axis_id)a), rs_axis_description((rs_axis_id)a));
    fprintf(out, "\n");
    for (int i = 0; i < registered; i++) {
        const rs_experiment *e = registry[i];
        fprintf(out, "### experiment.kind = %s\n\n%s\n\n", e->name, e->help);
        rs_stats_write_doc(out, e->stats, e->nstats);
        fprintf(out, "\n");
    }
}

const double *rs_experiment_targets(const rs_trial_setup *ts, const rs_cell *cell, int64_t t, const double *xt,
                                    rs_targets_cache *c)
{
    const rs_config *cfg = ts->cfg;
    int64_t dataset = t / ts->patterns_per_dataset;
    if (c->cell == cell && c->dataset == dataset) return c->y;
    if (rs_reserve((void **)&c->y, &c->cap, (size_t)cell->n, sizeof *c->y)) return NULL;
    rs_targets_spec spec = {.law = (rs_targets_law)rs_targets_law_from_name(cfg->targets_law),
                            .teacher_width = (int)cfg->teacher_width,
                            .teacher_init = (rs_init_law)rs_init_law_from_name(cfg->teacher_init),
                            .teacher_bias = cfg->teacher_bias,
                            .data = ts->data};
    c->cell = NULL;
    if (rs_targets_draw(&spec, xt, cell->d0, cell->p, cell->n, ts->seed, cell->key, (uint64_t)dataset, c->y))
        return NULL;
    c->cell = cell;
    c->dataset = dataset;
    return c->y;
}

void rs_targets_cache_free(rs_targets_cache *c)
{
    free(c->y);
    memset(c, 0, sizeof *c);
}

int rs_experiment_check_targets(const rs_config *cfg, const char **key, char *why, size_t len)
{
    if (rs_targets_law_from_name(cfg->targets_law) == RS_TARGETS_FILE &&
        rs_data_law_from_name(cfg->data_law) != RS_DATA_FILE) {
        *key = "targets.law";
        RS_FMT(why, len, "targets.law = file reads targets.dataset beside data.dataset: it needs data.law = file");
        return -1;
    }
    return 0;
}
