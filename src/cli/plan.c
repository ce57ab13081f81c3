/* cli/plan.c - `reluscape plan CONFIG.ini [--set k=v]... [-o OUT.h5] [--ranks N] [--hours H]
 * [--calibrate S] [--per-cell] [--sbatch]`: size a sweep before submitting it.
 *
 * The config is read and checked as `run` does (rank 0 reads, every rank parses; the same
 * messages and exit 2).  Rank 0 then prints the cost model: per cell (or per axis-0 value
 * for large grids) the flops and bytes of one trial; the core-hours of the sweep, from the
 * CPU time of a few trials through rs_trial_run (the production trial kernel) of the
 * middle cell of each cost stratum and of the largest cell, when they fit the time budget;
 * the memory per rank; a rank count, wall time, time limit and signal lead for a target;
 * and with --sbatch a batch script of the form of jobs/sweep.sbatch (the report becomes
 * its comment header). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/common.h"
#include "reluscape/cli.h"
#include "reluscape/config.h"
#include "reluscape/experiment.h"
#include "reluscape/data.h"
#include "reluscape/footprint.h"
#include "reluscape/jacobian.h"
#include "reluscape/log.h"
#include "reluscape/sweep.h"
#include "reluscape/trial.h"
#include "util.h"

#define UNITS_TARGET 4096      /* as in sweep.c: the run is cut into about this many units */
#define EFFICIENCY 0.9         /* assumed parallel efficiency of the dynamic scheduler */
#define NOMINAL_RATE 1e9       /* flop/s and ... */
#define NOMINAL_OVERHEAD 20e-6 /* ... s per trial when nothing is measured (--calibrate 0) */
#define MAX_STRATA 256         /* cells timed by the calibration (plus the largest) */
#define PER_CELL_LIMIT 40      /* larger grids are summarised per axis-0 value */
#define STARTUP_SECONDS 10     /* a start's launch, config and checkpoint reading, before trials run */
#define REQUEUE_WAIT 120       /* a requeued job's least wait: SLURM's credential lifetime (default) */
#define UNITS_PER_START 4      /* a start should finish at least this many of the longest units */

typedef struct plan_args {
    const char *config_path, *output;
    long ranks;
    double hours, calibrate;
    double time_limit;  /* --time in seconds, 0 = suggest one */
    const char *time_text;
    long signal_lead;   /* --signal lead in seconds, -1 = suggest one */
    int per_cell, sbatch, nset;
    char **set;
} plan_args;

static void plan_usage(FILE *out)
{
    fprintf(out,
            "usage: reluscape plan CONFIG.ini [--set section.key=value]... [-o FILE.h5] [--ranks N] [--hours H]\n"
            "                      [--calibrate SECONDS] [--time T] [--signal B:USR1@S] [--per-cell] [--sbatch]\n"
            "  --set k=v        override a config key (repeatable), as for run\n"
            "  -o FILE.h5       output file for the batch script (default: output.file)\n"
            "  --ranks N        plan for N MPI ranks (default: suggested for the target)\n"
            "  --hours H        target wall time in hours for the suggestion (default 1)\n"
            "  --calibrate S    at most S seconds timing trials, in rounds until the total's 95%% interval is\n"
            "                   within +-5%% (default 60; 0 = nominal rate, not measured)\n"
            "  --time T         check a SLURM time limit (M, M:S, H:M:S, D-H[:M[:S]]) against the signal lead and\n"
            "                   the restart cost, and use it in the script (default: suggested)\n"
            "  --signal B:USR1@S  the signal lead S seconds to check and use (default: suggested)\n"
            "  --per-cell       one line per cell even for a large grid\n"
            "  --sbatch         print a batch script for this config (the report as its comments)\n"
            "See docs/slurm.md.\n");
}

/* SLURM's --time forms (M, M:S, H:M:S, D-H, D-H:M, D-H:M:S) in seconds; 0, or -1. */
static int parse_slurm_time(const char *v, double *seconds)
{
    long f[4] = {0};
    int nf = 0, days = 0;
    const char *p = v;
    if (!v || !*v) return -1;
    for (;;) {
        char *end;
        if (!isdigit((unsigned char)*p)) return -1;
        errno = 0;
        long x = strtol(p, &end, 10);
        if (errno || x > 10000000 || nf == 4) return -1;
        f[nf++] = x;
        p = end;
        if (*p == '-' && nf == 1 && !days) days = 1, p++;
        else if (*p == ':') p++;
        else if (!*p) break;
        else return -1;
    }
    double t;
    if (days) { /* D-H, D-H:M, D-H:M:S */
        if (nf < 2) return -1;
        t = f[0] * 86400.0 + f[1] * 3600.0 + (nf > 2 ? f[2] * 60.0 : 0) + (nf > 3 ? (double)f[3] : 0);
    } else if (nf == 1) t = f[0] * 60.0;
    else if (nf == 2) t = f[0] * 60.0 + (double)f[1];
    else if (nf == 3) t = f[0] * 3600.0 + f[1] * 60.0 + (double)f[2];
    else return -1;
    if (t <= 0) return -1;
    *seconds = t;
    return 0;
}

/* --signal [B:]USR1@S (or [B:]SIGUSR1@S): the lead S in seconds; 0, or -1. */
static int parse_signal_lead(const char *v, long *lead)
{
    if (!v) return -1;
    if (!strncmp(v, "B:", 2)) v += 2;
    if (!strncmp(v, "SIG", 3)) v += 3;
    if (strncmp(v, "USR1@", 5)) return -1;
    char *end;
    errno = 0;
    long x = strtol(v + 5, &end, 10);
    if (errno || *end || end == v + 5 || x < 0 || x > 65535) return -1;
    *lead = x;
    return 0;
}

/* Local (same result on every rank). 0 ok, 1 help printed, -1 usage error. */
static int parse_args(int argc, char **argv, plan_args *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->hours = 1.0;
    a->signal_lead = -1;
    a->calibrate = 60.0; /* at most: calibrate_stable stops once the estimate is stable */
    a->set = rs_calloc((size_t)argc, sizeof *a->set);
    if (!a->set) return RS_FMT(err, errlen, "out of memory"), -1;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) return 1;
        if (!strcmp(s, "--per-cell"))
            a->per_cell = 1;
        else if (!strcmp(s, "--sbatch"))
            a->sbatch = 1;
        else if (!strncmp(s, "--set=", 6))
            a->set[a->nset++] = (char *)s + 6;
        else if (!strncmp(s, "--time", 6) || !strncmp(s, "--signal", 8)) {
            int is_time = s[2] == 't';
            size_t len = is_time ? 6 : 8;
            const char *v = s[len] == '=' ? s + len + 1 : s[len] ? NULL : i + 1 < argc ? argv[++i] : NULL;
            if (!v && s[len] && s[len] != '=') return RS_FMT(err, errlen, "unknown option '%s'", s), -1;
            if (is_time) a->time_text = v;
            if (is_time ? parse_slurm_time(v, &a->time_limit) : parse_signal_lead(v, &a->signal_lead))
                return RS_FMT(err, errlen, is_time ? "--time takes a SLURM time limit: M, M:S, H:M:S, D-H, D-H:M or "
                                                     "D-H:M:S (got '%s')"
                                                   : "--signal takes [B:]USR1@SECONDS as sbatch does (got '%s')",
                              v ? v : ""), -1;
        } else if (!strcmp(s, "--set") || !strcmp(s, "-o") || !strcmp(s, "--ranks") || !strcmp(s, "--hours") ||
                 !strcmp(s, "--calibrate")) {
            if (i + 1 >= argc) return RS_FMT(err, errlen, "%s needs a value", s), -1;
            const char *v = argv[++i];
            char *end;
            errno = 0;
            if (!strcmp(s, "--set"))
                a->set[a->nset++] = (char *)v;
            else if (!strcmp(s, "-o"))
                a->output = v;
            else if (!strcmp(s, "--ranks")) {
                a->ranks = strtol(v, &end, 10);
                if (*end || end == v || errno || a->ranks < 1 || a->ranks > 10000000)
                    return RS_FMT(err, errlen, "--ranks takes a positive integer (got '%s')", v), -1;
            } else {
                double x = strtod(v, &end);
                int hours = s[2] == 'h';
                if (*end || end == v || errno || !isfinite(x) || x < 0 || (hours && x <= 0) || x > 1e6)
                    return RS_FMT(err, errlen, "%s takes a %s number (got '%s')", s,
                                  hours ? "positive" : "non-negative", v), -1;
                if (hours)
                    a->hours = x;
                else
                    a->calibrate = x;
            }
        } else if (s[0] == '-')
            return RS_FMT(err, errlen, "unknown option '%s'", s), -1;
        else if (a->config_path)
            return RS_FMT(err, errlen, "more than one config file given ('%s' and '%s')", a->config_path, s), -1;
        else
            a->config_path = s;
    }
    if (!a->config_path) return RS_FMT(err, errlen, "no config file given"), -1;
    return 0;
}

/* Rank 0: a user dataset, checked against the grid with run's messages. */
/* ------------------------------------------------------------------ the model */

static int64_t cell_P(const rs_cell *c) { return (int64_t)c->d1 * c->p; }

/* Gram matrix formation by neuron and its Cholesky: the certificate (and gram method). */
static double gram_flops(const rs_cell *c)
{
    double n = c->n;
    return n * n * (c->d1 + c->p) + n * n * n / 3.0;
}

/* Bytes one rank holds for a trial of this cell (the experiment's model, footprint.h). */
static double cell_bytes(const rs_config *cfg, const rs_cell *c)
{
    return rs_experiment_lookup(cfg->experiment)->bytes(cfg, c, (int)cfg->group_size);
}

typedef struct cal_cell {
    int cell;
    int64_t trials;
    double per_trial; /* CPU seconds per unverified trial */
    int skipped;      /* not timed */
} cal_cell;

/* The fitted model: seconds per trial = a + b * dense flops. */
typedef struct model {
    double a, b;
    int measured;
    double ratio_lo, ratio_hi; /* measured / fit over the timed cells */
} model;

/* The calibration (see calibrate()). */
typedef struct calib {
    cal_cell *cc;
    int ncal, nstrata;
    int *stratum;   /* [ncells] */
    double *tpc;    /* [ncells] predicted seconds per trial */
    double used;    /* seconds spent timing */
    double vratio;  /* cost of a verified trial / an unverified one (0 = not timed) */
    int vcells;     /* cells it was timed on */
    model m;
    /* rounds (calibrate_stable): their count, the mean total core-seconds and the
     * half-width of its 95 % confidence interval (0 if fewer than two rounds) */
    int rounds;
    double round_seconds, total_mean, total_halfwidth;
} calib;

/* Two regimes of very different cost per flop: P < n can never be full rank, so the
 * certificate is skipped and the method runs on every trial; P >= n usually ends with the
 * certificate, far below the dense model. */
static int regime(const rs_cell *c) { return cell_P(c) >= c->n; }

static double fit_seconds(const model *m, const rs_cell *c) { return m->a + m->b * c->cost; }

/* Weighted least squares of t = a + b f with relative errors, a, b >= 0, over the timed
 * cells of one regime (0 or 1) or of both (-1).  Returns the number of cells used. */
static int fit(const rs_grid *g, const cal_cell *cc, int ncal, int reg, model *m)
{
    double sw = 0, sf = 0, sff = 0, st = 0, sft = 0;
    int k = 0;
    for (int i = 0; i < ncal; i++) {
        if (cc[i].skipped || cc[i].per_trial <= 0) continue;
        if (reg >= 0 && regime(&g->cells[cc[i].cell]) != reg) continue;
        double f = g->cells[cc[i].cell].cost, t = cc[i].per_trial, w = 1 / (t * t);
        sw += w, sf += w * f, sff += w * f * f, st += w * t, sft += w * f * t;
        k++;
    }
    if (k == 0) return 0;
    m->measured = 1;
    double det = sw * sff - sf * sf;
    if (k >= 2 && det > 0) {
        m->a = (sff * st - sf * sft) / det;
        m->b = (sw * sft - sf * st) / det;
        if (m->a < 0) m->a = 0, m->b = sft / sff;
        if (m->b < 0) m->b = 0, m->a = st / sw;
    } else { /* one point: the nominal rate, the rest is overhead */
        m->b = 1 / NOMINAL_RATE;
        m->a = (st - m->b * sf) / sw;
        if (m->a < 0) m->a = 0, m->b = sft / sff;
    }
    m->ratio_lo = INFINITY;
    m->ratio_hi = 0;
    for (int i = 0; i < ncal; i++) {
        if (cc[i].skipped || cc[i].per_trial <= 0) continue;
        double r = cc[i].per_trial / fit_seconds(m, &g->cells[cc[i].cell]);
        if (r < m->ratio_lo) m->ratio_lo = r;
        if (r > m->ratio_hi) m->ratio_hi = r;
    }
    return k;
}

static const rs_grid *cost_grid; /* for qsort's comparison */
static int by_regime_cost(const void *x, const void *y)
{
    const rs_cell *a = &cost_grid->cells[*(const int *)x], *b = &cost_grid->cells[*(const int *)y];
    if (regime(a) != regime(b)) return regime(a) - regime(b);
    if (a->cost != b->cost) return a->cost < b->cost ? -1 : 1;
    return *(const int *)x - *(const int *)y;
}

static void calib_free(calib *k)
{
    free(k->cc);
    free(k->stratum);
    free(k->tpc);
    memset(k, 0, sizeof *k);
}

/* The statistics the timed trials record into (thrown away), and its row of exactly
 * ranked trials (rank.verify), -1 if the experiment has none. */
static rs_stats scratch;
static int verified_row = -1;
static int64_t trial_offset; /* each calibration round times other trials of its cells */

/* One trial of cell ci through the experiment, as a run does it; *verified: it was also
 * ranked exactly. */
static int trial(const rs_trial_setup *ts, const rs_cell *c, int ci, int64_t t, rs_trial_work *w, int *verified,
                 char *err, size_t errlen)
{
    char why[RS_ERR_MAX / 2];
    int64_t before = verified_row >= 0 ? *rs_stat_cell(&scratch, verified_row, ci) : 0;
    if (ts->exp->trial(ts, c, ci, t, w, &scratch, why, sizeof why)) {
        RS_FMT(err, errlen, "trial %lld of cell d0=%d d1=%d n=%d failed (%s): run would fail the same way",
               (long long)t, c->d0, c->d1, c->n, why);
        return -1;
    }
    *verified = verified_row >= 0 && *rs_stat_cell(&scratch, verified_row, ci) > before;
    return 0;
}

/* Time one cell: an untimed first trial when affordable (buffers grow and pages fault in
 * once per cell; a run pays that once per work unit), then trials until its share of time
 * is used.  Verified trials are rare and costly: with sep_verify their time is kept apart
 * (timed separately below).  0, or -1 with a message. */
static int time_cell(const rs_trial_setup *ts, const rs_cell *c, double share, double one, int sep_verify,
                     rs_trial_work *w, cal_cell *cc, char *err, size_t errlen)
{
    int verified;
    if (one < share / 4 && trial(ts, c, cc->cell, (trial_offset + c->trials - 1) % c->trials, w, &verified, err, errlen))
        return -1;
    double t0 = rs_wtime(), tv = 0, tnv = 0; /* CPU time: other load on the machine is not ours */
    int64_t nv = 0;
    while (cc->trials < c->trials && (cc->trials == 0 || rs_wtime() - t0 < share)) {
        double c0 = rs_cputime();
        if (trial(ts, c, cc->cell, (trial_offset + cc->trials) % c->trials, w, &verified, err, errlen)) return -1;
        double dt = rs_cputime() - c0;
        if (sep_verify && verified)
            tv += dt, nv++;
        else
            tnv += dt;
        cc->trials++;
    }
    cc->per_trial = cc->trials > nv ? tnv / (double)(cc->trials - nv) : tv / (double)nv;
    return 0;
}

/* Calibration.  Cells are sorted by regime, then dense flops, and cut into strata of equal
 * count (per regime, in proportion to its cells); the middle cell of each stratum is
 * timed, in a coarse-to-fine order (bit-reversed) so that whatever the budget allows is
 * spread over the cost range, each with a share of the budget in proportion to its
 * stratum's predicted time; then the largest cell and the cost of rank.verify.  A stratum
 * left untimed borrows the nearest timed one of its regime.  Every cell is predicted from
 * its (borrowed) timed cell, scaled by the fit.  0, or -1 with a message (out of memory,
 * or a trial failed as it would in run). */
static int calibrate(const rs_config *cfg, const rs_grid *g, const rs_data_spec *data, double budget, calib *k,
                     char *err, size_t errlen)
{
    memset(k, 0, sizeof *k);
    k->m.a = NOMINAL_OVERHEAD;
    k->m.b = 1 / NOMINAL_RATE;
    const int ns = g->ncells < MAX_STRATA ? g->ncells : MAX_STRATA;
    k->nstrata = ns;
    int *order = rs_calloc((size_t)g->ncells, sizeof *order), *seq = rs_calloc((size_t)ns, sizeof *seq);
    double *scount = rs_calloc((size_t)ns, sizeof *scount), *sflops = rs_calloc((size_t)ns, sizeof *sflops);
    k->stratum = rs_calloc((size_t)g->ncells, sizeof *k->stratum);
    k->tpc = rs_calloc((size_t)g->ncells, sizeof *k->tpc);
    k->cc = rs_calloc((size_t)ns + 1, sizeof *k->cc);
    int rc = -1;
    if (!order || !seq || !scount || !sflops || !k->stratum || !k->tpc || !k->cc) {
        RS_FMT(err, errlen, "out of memory");
        goto out;
    }
    for (int c = 0; c < g->ncells; c++) order[c] = c;
    cost_grid = g;
    qsort(order, (size_t)g->ncells, sizeof *order, by_regime_cost);
    int n0 = 0, big = order[0];
    for (int c = 0; c < g->ncells; c++) {
        n0 += !regime(&g->cells[c]);
        if (g->cells[c].cost > g->cells[big].cost) big = c;
    }
    int k0 = n0 ? (int)((int64_t)ns * n0 / g->ncells) : 0; /* strata of regime 0 (P < n) */
    if (n0 && k0 < 1) k0 = 1;
    if (n0 < g->ncells && k0 >= ns) k0 = ns - 1;
    for (int part = 0; part < 2; part++) {
        int first = part ? n0 : 0, count = part ? g->ncells - n0 : n0;
        int s0 = part ? k0 : 0, ks = part ? ns - k0 : k0;
        for (int j = 0; j < count; j++) k->stratum[order[first + j]] = s0 + (int)((int64_t)j * ks / count);
        for (int q = 0; q < ks; q++) /* the middle cell of each stratum */
            k->cc[s0 + q].cell = order[first + (int)(((int64_t)2 * q + 1) * count / (2 * ks))];
    }
    k->ncal = ns;
    int have = 0;
    for (int i = 0; i < ns; i++) have |= k->cc[i].cell == big;
    if (!have) k->cc[k->ncal++].cell = big;
    for (int c = 0; c < g->ncells; c++) scount[k->stratum[c]] += 1, sflops[k->stratum[c]] += g->cells[c].cost;
    int bits = 0, nseq = 0;
    while ((1 << bits) < ns) bits++;
    for (int v = 0; v < (1 << bits); v++) { /* bit-reversed order: coarse to fine */
        int r = 0;
        for (int b = 0; b < bits; b++) r |= ((v >> b) & 1) << (bits - 1 - b);
        if (r < ns) seq[nseq++] = r;
    }
    for (int i = 0; i < k->ncal; i++) k->cc[i].skipped = 1; /* until timed */

    rc = 0;
    if (budget > 0) {
        rs_trial_setup ts;
        const rs_experiment *exp = rs_experiment_lookup(cfg->experiment);
        if (rs_stats_alloc(&scratch, exp->stats, exp->nstats, cfg, g)) {
            RS_FMT(err, errlen, "out of memory for the statistics");
            rc = -1;
            goto out;
        }
        verified_row = rs_stats_find(&scratch, "verified");
        if (rs_experiment_setup(&ts, cfg, data, err, errlen)) {
            rc = -1;
            goto out;
        }
        rs_trial_work w;
        memset(&w, 0, sizeof w);
        double t_start = rs_wtime();
        int sep_verify = cfg->verify > 0 && cfg->verify < 0.5;
        /* strata 70% of the budget, the largest cell 15%, rank.verify 15% */
        double b_strata = budget * (sep_verify ? 0.7 : 0.85), b_big = budget * (sep_verify ? 0.85 : 1.0);
        for (int q = 0; q < nseq && !rc; q++) {
            int s = seq[q];
            cal_cell *cc = &k->cc[s];
            const rs_cell *c = &g->cells[cc->cell];
            double left = b_strata - (rs_wtime() - t_start), wsum = 0, ws = scount[s] * k->m.a + sflops[s] * k->m.b;
            if (left <= 0) break;
            for (int r = q; r < nseq; r++) wsum += scount[seq[r]] * k->m.a + sflops[seq[r]] * k->m.b;
            double share = wsum > 0 ? left * ws / wsum : left / (nseq - q);
            if (share < 0.2 * b_strata / ns) share = 0.2 * b_strata / ns; /* a floor for cheap strata */
            /* one trial must fit (assuming at least 10 GFLOP/s: a fit of a few cheap cells
             * can be far too pessimistic) */
            double one = k->m.a + c->cost * (k->m.b < 1e-10 ? k->m.b : 1e-10);
            if (one > 2 * share && one > left / 4) continue;
            rc = time_cell(&ts, c, share, one, sep_verify, &w, cc, err, errlen);
            cc->skipped = 0;
            model m = k->m;
            if (fit(g, k->cc, k->ncal, -1, &m) > 0) k->m = m; /* refine the estimate for the next one */
        }
        if (k->ncal > ns && !rc) { /* the largest cell, if one trial fits */
            cal_cell *cc = &k->cc[ns];
            const rs_cell *c = &g->cells[cc->cell];
            double left = b_big - (rs_wtime() - t_start), one = k->m.a + c->cost * (k->m.b < 1e-10 ? k->m.b : 1e-10);
            if (left > 0 && one <= 2 * left) {
                rc = time_cell(&ts, c, left, one, sep_verify, &w, cc, err, errlen);
                cc->skipped = 0;
            }
        }
        /* the cost of rank.verify: a few trials with every trial verified, on timed cells
         * spread over the list, against their unverified time */
        if (sep_verify && !rc) {
            rs_config vcfg = *cfg;
            vcfg.verify = 1.0;
            rs_trial_setup tsv;
            if (rs_experiment_setup(&tsv, &vcfg, data, err, errlen)) rc = -1;
            double base = 0, with = 0, guess = 30;
            int want = k->ncal < 16 ? k->ncal : 16;
            for (int j = 0; j < want && !rc; j++) {
                const cal_cell *cc = &k->cc[(int)((int64_t)(2 * j + 1) * k->ncal / (2 * want))];
                double left = budget - (rs_wtime() - t_start), share = left / (want - j);
                if (cc->skipped || cc->per_trial <= 0 || cc->per_trial * guess > 2 * share) continue;
                double t0 = rs_wtime();
                for (int64_t t = 0; t < 4 && t < g->cells[cc->cell].trials && (t == 0 || rs_wtime() - t0 < share) && !rc; t++) {
                    int verified;
                    double c0 = rs_cputime();
                    rc = trial(&tsv, &g->cells[cc->cell], cc->cell, t, &w, &verified, err, errlen);
                    with += rs_cputime() - c0;
                    base += cc->per_trial;
                }
                k->vcells++;
                if (base > 0) guess = with / base;
            }
            k->vratio = base > 0 ? with / base : 0;
        }
        rs_trial_work_free(&w);
        k->used = rs_wtime() - t_start;
    }

    /* predictions: the (nearest timed, same regime) stratum's cell scaled by the fit of
     * the regime (of both when a regime has fewer than two timed cells), else that fit */
    model mr[2] = {k->m, k->m};
    for (int r = 0; r < 2; r++) {
        model t = {0};
        if (fit(g, k->cc, k->ncal, r, &t) >= 2) mr[r] = t;
    }
    for (int i = 0; i < ns; i++) seq[i] = -1; /* reused: the timed stratum each one borrows */
    for (int s = 0; s < ns; s++) {
        int lo = s < k0 ? 0 : k0, hi = s < k0 ? k0 : ns;
        for (int d = 0; seq[s] < 0 && (s - d >= lo || s + d < hi); d++) {
            if (s - d >= lo && !k->cc[s - d].skipped && k->cc[s - d].per_trial > 0) seq[s] = s - d;
            else if (s + d < hi && !k->cc[s + d].skipped && k->cc[s + d].per_trial > 0) seq[s] = s + d;
        }
    }
    for (int c = 0; c < g->ncells; c++) {
        const model *m = &mr[regime(&g->cells[c])];
        double f = fit_seconds(m, &g->cells[c]);
        int s = seq[k->stratum[c]];
        const cal_cell *cc = s >= 0 ? &k->cc[s] : NULL;
        k->tpc[c] = cc ? cc->per_trial * f / fit_seconds(m, &g->cells[cc->cell]) : f;
    }
    const cal_cell *last = &k->cc[k->ncal - 1];
    if (k->ncal > ns && !last->skipped && last->per_trial > 0) k->tpc[last->cell] = last->per_trial;
    if (k->vratio > 1)
        for (int c = 0; c < g->ncells; c++) k->tpc[c] *= 1 + cfg->verify * (k->vratio - 1);
out:
    rs_stats_free(&scratch);
    free(order);
    free(seq);
    free(scount);
    free(sflops);
    return rc;
}

/* Total core-seconds of the sweep predicted by a calibration. */
static double predicted_total(const rs_grid *g, const double *tpc)
{
    double t = 0;
    for (int c = 0; c < g->ncells; c++) t += tpc[c] * (double)g->cells[c].trials;
    return t;
}

/* Two-sided 95 % Student t quantile for df degrees of freedom (df >= 1). */
static double t95(int df)
{
    static const double t[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228};
    return df <= 10 ? t[df - 1] : 1.96 + 2.4 / df;
}

/* Calibrate in rounds of a few seconds, each on other trials of the timed cells, until the
 * 95 % confidence interval of the predicted total (Student t over the rounds' totals) is
 * within +-CI_TARGET of their mean, or the budget (--calibrate) is spent; at least
 * MIN_ROUNDS rounds when the budget allows.  The prediction per cell is the mean over the
 * rounds; the table printed is the last round's.  A timed total varies between rounds
 * through the trials drawn and the load on the machine: the interval covers both. */
#define ROUND_SECONDS 2.0
#define MIN_ROUNDS 3
#define MAX_ROUNDS 64
#define CI_TARGET 0.05
static int calibrate_stable(const rs_config *cfg, const rs_grid *g, const rs_data_spec *data, double budget,
                            calib *k, char *err, size_t errlen)
{
    if (budget <= 0) return calibrate(cfg, g, data, 0, k, err, errlen);
    double rb = budget / MIN_ROUNDS < ROUND_SECONDS ? budget / MIN_ROUNDS : ROUND_SECONDS, t0 = rs_wtime();
    double *sum = rs_calloc((size_t)g->ncells, sizeof *sum), totals[MAX_ROUNDS];
    if (!sum) return RS_FMT(err, errlen, "out of memory"), -1;
    int n = 0, rc = 0;
    double mean = 0, hw = 0;
    memset(k, 0, sizeof *k);
    for (; n < MAX_ROUNDS; n++) {
        if (n > 0) {
            if (!k->m.measured) break; /* nothing fits the round: more rounds time nothing */
            if (n >= MIN_ROUNDS && hw <= CI_TARGET * mean) break;
            if (rs_wtime() - t0 + rb > budget * 1.0001) break;
            calib_free(k);
        }
        trial_offset = (int64_t)n * 7919; /* a prime: other trials in every round */
        if ((rc = calibrate(cfg, g, data, rb, k, err, errlen))) break;
        for (int c = 0; c < g->ncells; c++) sum[c] += k->tpc[c];
        totals[n] = predicted_total(g, k->tpc);
        mean = 0;
        for (int i = 0; i <= n; i++) mean += totals[i];
        mean /= n + 1;
        double var = 0;
        for (int i = 0; i <= n; i++) var += (totals[i] - mean) * (totals[i] - mean);
        hw = n > 0 ? t95(n) * sqrt(var / n / (n + 1)) : INFINITY;
    }
    trial_offset = 0;
    if (!rc) {
        int rounds = n < MAX_ROUNDS ? n : MAX_ROUNDS;
        if (rounds < 1) rounds = 1;
        for (int c = 0; c < g->ncells; c++) k->tpc[c] = sum[c] / rounds;
        k->rounds = rounds;
        k->round_seconds = rb;
        k->total_mean = predicted_total(g, k->tpc);
        k->total_halfwidth = rounds > 1 && isfinite(hw) ? hw : 0;
        k->used = rs_wtime() - t0;
    }
    free(sum);
    return rc;
}

/* ------------------------------------------------------------------ printing */

static int sb_mode; /* --sbatch: every report line becomes a comment */

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    printf("%s%s\n", sb_mode ? (line[0] ? "# " : "#") : "", line);
}

static const char *human_time(double s, char *buf, size_t len)
{
    if (s < 1e-3)
        RS_FMT(buf, len, "%.0f us", s * 1e6);
    else if (s < 1)
        RS_FMT(buf, len, "%.0f ms", s * 1e3);
    else if (s < 120)
        RS_FMT(buf, len, "%.0f s", s);
    else if (s < 7200)
        RS_FMT(buf, len, "%.1f min", s / 60);
    else if (s < 3 * 86400)
        RS_FMT(buf, len, "%.1f h", s / 3600);
    else
        RS_FMT(buf, len, "%.1f d", s / 86400);
    return buf;
}

/* SLURM's --time format, rounded up to whole minutes. */
static const char *slurm_time(double s, char *buf, size_t len)
{
    long long m = (long long)ceil(s / 60);
    if (m < 1) m = 1;
    if (m >= 1440)
        RS_FMT(buf, len, "%lld-%02lld:%02lld:00", m / 1440, m % 1440 / 60, m % 60);
    else
        RS_FMT(buf, len, "%02lld:%02lld:00", m / 60, m % 60);
    return buf;
}

static double mib(double bytes) { return bytes / 1048576.0; }

static void print_axis_value(const rs_config *cfg, const rs_grid *g, int i0, char *buf, size_t len)
{
    if (g->ratio_axis)
        RS_FMT(buf, len, "r=%g", cfg->d0_ratio.v[i0]);
    else
        RS_FMT(buf, len, "%lld", (long long)cfg->d0.v[i0]);
}

/* Shell single-quoting for the batch script. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++)
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    fputc('\'', f);
}

/* The body of jobs/sweep.sbatch from its "# --- body" line on (tests/slurm.sh checks
 * that the two are the same). */
static const char sweep_body[] =
    "# --- body (reluscape plan --sbatch prints the same) ---\n"
    "set -uo pipefail\n"
    "config=${1:?usage: sbatch jobs/sweep.sbatch CONFIG.ini [OUT.h5] [reluscape run options...]}\n"
    "out=${2:-reluscape-$SLURM_JOB_ID.h5}\n"
    "shift $(( $# >= 2 ? 2 : 1 ))\n"
    "export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}  # one BLAS thread per MPI rank\n"
    "RELUSCAPE=${RELUSCAPE:-reluscape}       # set to a build tree's ./reluscape if not installed\n"
    "restarts=${SLURM_RESTART_COUNT:-0}\n"
    "echo \"sweep.sbatch: job $SLURM_JOB_ID start $((restarts + 1)) on $(hostname) at $(date -u +%FT%TZ)\"\n"
    "\n"
    "pid= signalled=0\n"
    "forward() {             # USR1 from SLURM (the time limit is near) or from scancel -b -s USR1\n"
    "    signalled=1\n"
    "    echo \"sweep.sbatch: USR1 at $(date -u +%FT%TZ): asking reluscape to checkpoint and stop\"\n"
    "    [ -n \"$pid\" ] && kill -USR1 \"$pid\" 2>/dev/null   # srun forwards it to every task\n"
    "}\n"
    "# 4 = cannot start (reluscape or srun not found, or reluscape's libraries missing here):\n"
    "# without this check srun would report 2, the code of bad input\n"
    "for c in srun \"$RELUSCAPE\"; do\n"
    "    if ! command -v \"$c\" >/dev/null 2>&1 || { [ \"$c\" != srun ] && ! \"$c\" --version >/dev/null 2>&1; }; then\n"
    "        echo \"sweep.sbatch: cannot start '$c' on $(hostname) (not found, or its libraries missing): exit 4; set RELUSCAPE=/path/to/reluscape or load its modules\"\n"
    "        exit 4\n"
    "    fi\n"
    "done\n"
    "trap forward USR1\n"
    "srun --mpi=pmix \"$RELUSCAPE\" run \"$config\" -o \"$out\" --resume \"$@\" &\n"
    "pid=$!\n"
    "[ \"$signalled\" = 1 ] && forward         # the signal came before srun started\n"
    "while :; do             # a trapped signal interrupts wait (status > 128): wait again\n"
    "    wait \"$pid\"\n"
    "    kill -0 \"$pid\" 2>/dev/null || break\n"
    "done\n"
    "wait \"$pid\"             # srun's own exit status (bash keeps it)\n"
    "rc=$?\n"
    "trap - USR1\n"
    "if [ \"$rc\" -eq 0 ] && [ ! -f \"$out\" ]; then  # srun can return 0 when the step never launched\n"
    "    echo \"sweep.sbatch: srun returned 0 but $out does not exist (step launch failed?)\"\n"
    "    rc=4\n"
    "fi\n"
    "\n"
    "# 3 = checkpoint written.  After a forwarded signal anything but success or bad input is\n"
    "# retried too: a signal that came before reluscape was ready kills it without a checkpoint,\n"
    "# and --resume then continues from the last one (or from the start).\n"
    "if [ \"$rc\" -eq 3 ] || { [ \"$signalled\" = 1 ] && [ \"$rc\" -ne 0 ] && [ \"$rc\" -ne 2 ] && [ \"$rc\" -ne 4 ]; }; then\n"
    "    if [ \"$restarts\" -lt \"${RELUSCAPE_MAX_REQUEUES:-20}\" ] && scontrol requeue \"$SLURM_JOB_ID\"; then\n"
    "        echo \"sweep.sbatch: exit $rc, requeued job $SLURM_JOB_ID: it continues from $out.ckpt\"\n"
    "    else\n"
    "        echo \"sweep.sbatch: exit $rc, not requeued: submit the same command again to continue from $out.ckpt\"\n"
    "    fi\n"
    "    exit 3\n"
    "fi\n"
    "echo \"sweep.sbatch: reluscape exited $rc at $(date -u +%FT%TZ)\"\n"
    "exit \"$rc\"\n";

/* ------------------------------------------------------------------ the command */

typedef struct suggestion {
    long ranks;
    double core_seconds, wall, limit, unit_max, trial_max;
    long signal_lead;
    long long mem_mib;
    int64_t units;
    int capped;
} suggestion;

/* path made absolute against the working directory (it need not exist); malloc'ed. */
static char *absolute_path(const char *path)
{
    char cwd[RS_PATH_MAX], *r;
    if (path[0] == '/' || !getcwd(cwd, sizeof cwd)) return strdup(path);
    size_t len = strlen(cwd) + strlen(path) + 2;
    if ((r = malloc(len))) snprintf(r, len, "%s/%s", cwd, path);
    return r;
}

/* The installed job script NAME (pkgdatadir/jobs), else the source tree's this binary was
 * built from; NULL if neither exists. */
static char *jobs_path(const char *name)
{
    const char *dirs[] = {RS_PKGDATADIR "/jobs", RS_SRCDIR "/jobs"};
    for (size_t i = 0; i < RS_ARRAY_LEN(dirs); i++) {
        char p[RS_PATH_MAX];
        RS_FMT(p, sizeof p, "%s/%s", dirs[i], name);
        if (access(p, R_OK) == 0) return realpath(p, NULL);
    }
    return NULL;
}

/* Each start sweeps from its start-up to the signal (--time - lead); then the job
 * checkpoints, requeues and waits at least REQUEUE_WAIT.  Warn when a start does too
 * little (fewer than UNITS_PER_START of the longest units, or under half its limit) and
 * the sweep needs several starts; refuse (-1) when not one unit fits a start. */
static int check_limit(const plan_args *a, const suggestion *sg, double eff, double suggested_limit)
{
    char t1[64], t2[64], t3[64], t4[64];
    double work = sg->limit - (double)sg->signal_lead - STARTUP_SECONDS;
    double need = sg->core_seconds / (eff * (double)sg->ranks);
    const char *given = a->time_limit > 0 ? a->time_text : slurm_time(sg->limit, t4, sizeof t4);
    if (work < sg->unit_max || work <= 0) {
        rs_error("plan: --time=%s with --signal=B:USR1@%ld leaves %s of work per start after the signal lead and "
                 "%d s start-up, less than the longest work unit (%s): no start could finish; use --time=%s",
                 given, sg->signal_lead, human_time(work > 0 ? work : 0, t1, sizeof t1), STARTUP_SECONDS,
                 human_time(sg->unit_max, t2, sizeof t2), slurm_time(suggested_limit, t3, sizeof t3));
        return -1;
    }
    long starts = (long)ceil(need / work);
    out("  per start: about %s of work (--time - signal lead - %d s start-up): %ld start%s for %s of compute",
        human_time(work, t1, sizeof t1), STARTUP_SECONDS, starts, starts == 1 ? "" : "s",
        human_time(need, t2, sizeof t2));
    if (starts > 1 && (work < UNITS_PER_START * sg->unit_max || work < 0.5 * sg->limit)) {
        double wall = (double)starts * (sg->limit - (double)sg->signal_lead) + (double)(starts - 1) * REQUEUE_WAIT;
        char msg[1024];
        RS_FMT(msg, sizeof msg, "--time=%s with --signal=B:USR1@%ld leaves about %s of work per start (%.0f%% of the "
               "limit): about %ld starts, each requeue waiting at least %d s (SLURM's credential lifetime) plus the "
               "queue, so about %s of wall for %s of compute; use --time=%s or more", given, sg->signal_lead,
               human_time(work, t1, sizeof t1), 100 * work / sg->limit, starts, REQUEUE_WAIT,
               human_time(wall, t2, sizeof t2), human_time(need, t3, sizeof t3),
               slurm_time(suggested_limit, t4, sizeof t4));
        out("  warning: %s", msg);
        fprintf(stderr, "reluscape plan: warning: %s\n", msg);
    }
    return 0;
}

static int report(const plan_args *a, const rs_config *cfg, const rs_grid *g, const calib *k, double base_rss,
                  double peak_rss, double data_bytes, suggestion *sg)
{
    const model *m = &k->m;
    char t1[64], t2[64];
    int64_t trials = cfg->trials, all_trials = 0; /* per cell (exhaustive cells differ) */
    /* work units as sweep.c cuts them (make_units), for the tail and the signal lead */
    double total_flops = 0;
    for (int c = 0; c < g->ncells; c++) {
        total_flops += g->cells[c].cost * (double)g->cells[c].trials;
        all_trials += g->cells[c].trials;
    }
    double target = total_flops / UNITS_TARGET;
    sg->units = 0;
    sg->unit_max = sg->trial_max = sg->core_seconds = 0;
    for (int c = 0; c < g->ncells; c++) {
        const rs_cell *cell = &g->cells[c];
        trials = cell->trials;
        int64_t size = (int64_t)(target / cell->cost), ppd = g->exhaustive ? 1 : cfg->patterns_per_dataset;
        if (size < 1) size = 1;
        size = (size + ppd - 1) / ppd * ppd;
        if (size > trials) size = trials;
        sg->units += (trials + size - 1) / size;
        double ts = k->tpc[c];
        /* a group of rank.group_size ranks shares each trial: its wall time shrinks about 1/g */
        double unit_wall = ts * (double)size / (double)cfg->group_size;
        if (unit_wall > sg->unit_max) sg->unit_max = unit_wall;
        if (ts > sg->trial_max) sg->trial_max = ts;
        sg->core_seconds += ts * (double)trials;
    }

    char axis0[16];
    RS_FMT(axis0, sizeof axis0, "%s", g->ratio_axis ? "d0_ratio" : "d0");
    if (g->exhaustive)
        out("reluscape plan for %s%s: %d cells (%s %d x d1 %d x n %d), exhaustive: %lld trials (every pattern or "
            "region once)", a->config_path, a->nset ? " (with --set)" : "", g->ncells, axis0, g->n0, g->n1, g->nn,
            (long long)all_trials);
    else
        out("reluscape plan for %s%s: %d cells (%s %d x d1 %d x n %d) x %lld trials = %.0f trials",
            a->config_path, a->nset ? " (with --set)" : "", g->ncells, axis0, g->n0, g->n1, g->nn,
            (long long)cfg->trials, (double)g->ncells * (double)cfg->trials);
    int certified = cfg->certify && rs_method_lookup(cfg->rank_method)->certifies;
    out("  sampler %s, data %s, rank.method %s%s, rank.verify %g; %lld work units",
        cfg->sampler, cfg->data_law, cfg->rank_method, certified ? " after the certificate" : "", cfg->verify,
        (long long)sg->units);
    out("%s", "");
    out("Cost of one trial (model):");
    out("  dense flops = min(n,P)^2 max(n,P) + nP: a dense rank (LAPACK dgesvd/dgeqp3) of the unreduced");
    out("    n x P Jacobian, the scheduler's cost model (src/grid.c) - the cost of rank.method svd/qrcp;");
    out("  gram flops = n^2 (d1 + p) + n^3/3: forming the n x n Gram matrix and its Cholesky, the cost of");
    out("    the full-rank certificate (rank.certify) and of rank.method gram.  The certificate decides");
    out("    most full-rank trials at that price, so they are usually cheaper than the dense model;");
    out("    equal neurons are merged first (P shrinks); auto/exact eliminate modulo a prime only for");
    out("    the trials the certificate leaves open.  Bytes: J = 8 n P (svd/qrcp), Gram = 8 n^2.");
    out("  s/trial: timed (calibration below): each cell from the timed cell of its cost stratum, scaled by the fit.");
    int per_cell = a->per_cell || g->ncells <= PER_CELL_LIMIT;
    if (per_cell) {
        out("  %8s %6s %6s %8s %11s %11s %9s %9s %10s %9s", axis0, "d1", "n", "P", "dense_flop", "gram_flop",
            "J_MiB", "Gram_MiB", "s/trial", "core_h");
        for (int c = 0; c < g->ncells; c++) {
            const rs_cell *cell = &g->cells[c];
            char av[32];
            print_axis_value(cfg, g, cell->i0, av, sizeof av);
            double ts = k->tpc[c];
            out("  %8s %6d %6d %8lld %11.3g %11.3g %9.3g %9.3g %10.3g %9.3g", av, cell->d1, cell->n,
                (long long)cell_P(cell), cell->cost, gram_flops(cell), mib(8.0 * cell->n * (double)cell_P(cell)),
                mib(8.0 * cell->n * cell->n), ts, ts * (double)trials / 3600);
        }
    } else {
        out("  per %s value (maxima over its cells; --per-cell lists every cell):", axis0);
        out("  %8s %7s %12s %11s %11s %9s %9s %10s", axis0, "cells", "trials", "dense_flop", "gram_flop", "J_MiB",
            "Gram_MiB", "core_h");
        for (int i0 = 0; i0 < g->n0; i0++) {
            double fmax = 0, gmax = 0, jmax = 0, smax = 0, secs = 0;
            int cells = g->n1 * g->nn;
            for (int kk = 0; kk < cells; kk++) {
                const rs_cell *cell = &g->cells[(int64_t)i0 * cells + kk];
                double j = 8.0 * cell->n * (double)cell_P(cell), s = 8.0 * cell->n * cell->n;
                if (cell->cost > fmax) fmax = cell->cost;
                if (gram_flops(cell) > gmax) gmax = gram_flops(cell);
                if (j > jmax) jmax = j;
                if (s > smax) smax = s;
                secs += k->tpc[(int64_t)i0 * cells + kk] * (double)trials;
            }
            char av[32];
            print_axis_value(cfg, g, i0, av, sizeof av);
            out("  %8s %7d %12.0f %11.3g %11.3g %9.3g %9.3g %10.3g", av, cells, (double)cells * (double)trials, fmax,
                gmax, mib(jmax), mib(smax), secs / 3600);
        }
    }
    out("%s", "");

    /* calibration */
    if (!m->measured) {
        out("Calibration: none (%s): nominal %.1f GFLOP/s + %.0f us per trial - NOT measured, a rough guess.",
            a->calibrate > 0 ? "no cell fitted the time budget" : "--calibrate 0", NOMINAL_RATE / 1e9,
            NOMINAL_OVERHEAD * 1e6);
    } else {
        int timed = 0;
        int64_t ttrials = 0;
        for (int i = 0; i < k->ncal; i++) timed += !k->cc[i].skipped, ttrials += k->cc[i].trials;
        out("Calibration: CPU time of rs_trial_run (the production trial kernel: data, pattern, reduction,");
        out("  rank.method %s) on one core, %d round%s of %.2g s in %.1f s, each on other trials; the last round",
            cfg->rank_method, k->rounds, k->rounds == 1 ? "" : "s", k->round_seconds, k->used);
        out("  timed %lld trials of %d cells (the middle cell of each of %d cost strata%s):",
            (long long)ttrials, timed, k->nstrata, k->ncal > k->nstrata ? ", and the largest cell" : "");
        out("  %8s %6s %6s %11s %8s %12s %12s", axis0, "d1", "n", "dense_flop", "trials", "s/trial", "fit s/trial");
        int step = a->per_cell || k->ncal <= 12 ? 1 : (k->ncal + 9) / 10;
        for (int i = 0; i < k->ncal; i++) {
            if (i % step && i != k->ncal - 1) continue;
            const cal_cell *cc = &k->cc[i];
            const rs_cell *cell = &g->cells[cc->cell];
            char av[32];
            print_axis_value(cfg, g, cell->i0, av, sizeof av);
            if (cc->skipped)
                out("  %8s %6d %6d %11.3g %8s %12s %12.3g  (not timed: budget; --calibrate S times more)",
                    av, cell->d1, cell->n, cell->cost, "-", "-", fit_seconds(m, cell));
            else
                out("  %8s %6d %6d %11.3g %8lld %12.3g %12.3g", av, cell->d1, cell->n, cell->cost, (long long)cc->trials,
                    cc->per_trial, fit_seconds(m, cell));
        }
        if (step > 1) out("  (every %d-th timed cell shown; --per-cell shows all)", step);
        if (!getenv("OPENBLAS_NUM_THREADS") && !getenv("OMP_NUM_THREADS"))
            out("  note: OPENBLAS_NUM_THREADS is not set: idle BLAS threads may add CPU time; jobs set it to 1");
        out("  fit: s/trial = %.3g us + dense flops / %.3g GFLOP/s effective (timed cells at x%.2f..%.2f of the fit)",
            m->a * 1e6, m->b > 0 ? 1e-9 / m->b : INFINITY, m->ratio_lo, m->ratio_hi);
        if (k->rounds > 1)
            out("  total over the rounds: %.3g core-seconds +- %.1f%% (95%% confidence interval, Student t over %d "
                "rounds)%s", k->total_mean, 100 * k->total_halfwidth / k->total_mean, k->rounds,
                k->total_halfwidth <= CI_TARGET * k->total_mean ? ": stable"
                                                                : ": not yet within +-5% - a longer --calibrate narrows it");
        else
            out("  one round only (--calibrate %g): no confidence interval; --calibrate %g allows %d rounds", a->calibrate,
                3 * ROUND_SECONDS, MIN_ROUNDS);
        if (k->vratio > 0)
            out("  rank.verify %g: verified trials are timed apart; one costs x%.1f an unverified trial (%d cells),"
                " adding %.1f%%", cfg->verify, k->vratio, k->vcells, 100 * cfg->verify * (k->vratio - 1));
        else if (cfg->verify > 0 && cfg->verify < 0.5)
            out("  rank.verify %g: the cost of verified trials was not timed (budget): add it", cfg->verify);
    }
    out("%s", "");
    out("Total: %.3g core-hours (%.3g core-seconds) for all trials; one trial at most %s, one work unit at most %s",
        sg->core_seconds / 3600, sg->core_seconds, human_time(sg->trial_max, t1, sizeof t1),
        human_time(sg->unit_max, t2, sizeof t2));

    /* memory of the largest cell */
    int big = 0;
    double big_bytes = 0;
    for (int c = 0; c < g->ncells; c++) {
        double b = cell_bytes(cfg, &g->cells[c]);
        if (b > big_bytes) big_bytes = b, big = c;
    }
    const rs_cell *bc = &g->cells[big];
    double stats_bytes = 8.0 * (double)rs_stats_count(rs_experiment_lookup(cfg->experiment), cfg, g), queue_bytes = 48.0 * (double)sg->units;
    double est = base_rss + big_bytes + 3 * stats_bytes + queue_bytes + data_bytes;
    sg->mem_mib = (long long)ceil(mib(1.25 * est) / 64) * 64;
    if (sg->mem_mib < 256) sg->mem_mib = 256;
    out("Memory per rank: about %.0f MiB = process %.0f MiB (measured at start) + largest cell d0=%d d1=%d n=%d",
        mib(est), mib(base_rss), bc->d0, bc->d1, bc->n);
    char jtext[64];
    if (rs_method_lookup(cfg->rank_method)->form == RS_FORM_DENSE)
        RS_FMT(jtext, sizeof jtext, "J %.3g MiB", mib(8.0 * bc->n * (double)cell_P(bc)));
    else
        RS_FMT(jtext, sizeof jtext, "no J with rank.method %s", cfg->rank_method);
    if (cfg->group_size > 1)
        out("  %.3g MiB (a rank's share of the trial in groups of %lld ranks, rank.group_size; "
            "the whole Gram matrix is %.3g MiB) + statistics 3 x %.3g MiB%s", mib(big_bytes),
            (long long)cfg->group_size, mib(8.0 * bc->n * bc->n), mib(stats_bytes), data_bytes > 0 ? " + data.file" : "");
    else
        out("  %.3g MiB (%s, Gram and scratch %.3g MiB) + statistics 3 x %.3g MiB%s", mib(big_bytes), jtext,
            mib(8.0 * bc->n * bc->n + 8.0 * (bc->d1 > bc->n ? bc->d1 : bc->n) * bc->n), mib(stats_bytes),
            data_bytes > 0 ? " + data.file" : "");
    if (peak_rss > 0) out("  (peak while timing: %.0f MiB)", mib(peak_rss));

    /* ranks and time */
    double want = a->hours * 3600;
    /* groups share trials: count ranks in whole groups */
    long gs = (long)cfg->group_size, cap = (long)(sg->units / 8 > 1 ? sg->units / 8 : 1) * gs;
    sg->capped = 0;
    if (a->ranks > 0) {
        sg->ranks = a->ranks;
    } else {
        double r = ceil(sg->core_seconds / (EFFICIENCY * want));
        sg->ranks = r < 1 ? 1 : r > (double)cap ? cap : (long)r;
        sg->ranks = (sg->ranks + gs - 1) / gs * gs;
        sg->capped = r > (double)cap;
    }
    double eff = sg->ranks > 1 ? EFFICIENCY : 1.0;
    sg->wall = sg->core_seconds / (eff * (double)sg->ranks) + sg->unit_max + STARTUP_SECONDS;
    sg->signal_lead = 120 + (2 * sg->unit_max < 1 ? 0 : 10 * (long)ceil(2 * sg->unit_max / 10));
    sg->limit = 1.25 * sg->wall + (double)sg->signal_lead + 300;
    double suggested_limit = sg->limit;
    long suggested_lead = sg->signal_lead;
    if (a->signal_lead >= 0) sg->signal_lead = a->signal_lead;
    if (a->time_limit > 0) sg->limit = a->time_limit;
    out("%s", "");
    if (a->ranks > 0)
        out("Plan for --ranks %ld:", sg->ranks);
    else
        out("Suggestion (target %g h wall, --hours; rule: ranks = ceil(core-seconds / (%.1f x target)), at most work units / 8 = %ld):",
            a->hours, EFFICIENCY, cap);
    if (sg->capped) out("  (capped: more ranks would idle; the wall time exceeds the target - use a job array)");
    if (a->ranks > 0 && sg->ranks > cap)
        out("  (more than work units / 8 = %ld ranks: expect idle ranks at the end)", cap);
    out("  ranks %ld: expected wall %s = core-seconds / (%.1f x ranks) + largest unit + %d s start-up", sg->ranks,
        human_time(sg->wall, t1, sizeof t1), eff, STARTUP_SECONDS);
    if (a->time_limit > 0)
        out("  --time=%s (given; suggested %s = 1.25 x wall + signal lead + 5 min)", a->time_text,
            slurm_time(suggested_limit, t1, sizeof t1));
    else
    {
        out("  --time=%s (1.25 x wall + signal lead + 5 min; if it is too short the job checkpoints,",
            slurm_time(sg->limit, t1, sizeof t1));
        out("    requeues itself and continues: only a requeue is lost)");
    }
    if (a->signal_lead >= 0)
        out("  --signal=B:USR1@%ld (given; suggested %ld = 120 s + 2 x largest unit)", sg->signal_lead, suggested_lead);
    else
        out("  --signal=B:USR1@%ld (120 s + 2 x largest unit: every rank finishes its unit, then the checkpoint)",
            sg->signal_lead);
    if (check_limit(a, sg, eff, suggested_limit)) return -1;
    out("  --mem-per-cpu=%lldM (1.25 x the estimate, in 64 MiB steps, at least 256M)", sg->mem_mib);
    if (!a->sbatch) {
        char *conf = absolute_path(a->config_path), *outp = absolute_path(cfg->output), *script = jobs_path("sweep.sbatch");
        out("  submit: sbatch --ntasks=%ld --time=%s --mem-per-cpu=%lldM --signal=B:USR1@%ld %s %s %s", sg->ranks,
            a->time_limit > 0 ? a->time_text : slurm_time(sg->limit, t1, sizeof t1), sg->mem_mib, sg->signal_lead,
            script ? script : "jobs/sweep.sbatch", conf ? conf : a->config_path, outp ? outp : cfg->output);
        out("  or write this as a batch script: reluscape plan ... --sbatch > job.sbatch");
        free(conf);
        free(outp);
        free(script);
    }
    return 0;
}

static void print_sbatch(const plan_args *a, const rs_config *cfg, const suggestion *sg)
{
    char t[64], *abs = realpath(a->config_path, NULL);
    const char *base = strrchr(a->config_path, '/');
    base = base ? base + 1 : a->config_path;
    char name[64];
    RS_FMT(name, sizeof name, "%s", base);
    char *dot = strrchr(name, '.');
    if (dot && dot != name) *dot = '\0';
    for (char *p = name; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.')) *p = '_';
    printf("#SBATCH --job-name=rs-%s\n", name);
    printf("#SBATCH --ntasks=%ld\n", sg->ranks);
    printf("#SBATCH --cpus-per-task=1\n");
    printf("#SBATCH --time=%s\n", a->time_limit > 0 ? a->time_text : slurm_time(sg->limit, t, sizeof t));
    printf("#SBATCH --mem-per-cpu=%lldM\n", sg->mem_mib);
    printf("#SBATCH --signal=B:USR1@%ld\n", sg->signal_lead);
    printf("#SBATCH --requeue\n");
    printf("#SBATCH --open-mode=append\n");
    printf("#SBATCH --output=reluscape-%%j.log\n");
    printf("# the output is relative to the directory sbatch is run from\n");
    printf("set --");
    putchar(' ');
    put_quoted(stdout, abs ? abs : a->config_path);
    putchar(' ');
    put_quoted(stdout, cfg->output);
    for (int i = 0; i < a->nset; i++) {
        fputs(" --set ", stdout);
        put_quoted(stdout, a->set[i]);
    }
    putchar('\n');
    fputs(sweep_body, stdout);
    free(abs);
}

static double max_rss_bytes(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru)) return 0;
    return (double)ru.ru_maxrss * 1024.0; /* KiB on Linux */
}

int rs_cmd_plan(int argc, char **argv, MPI_Comm comm)
{
    int rank, rc = RS_EXIT_USAGE;
    MPI_Comm_rank(comm, &rank);
    char err[RS_ERR_MAX] = "";
    plan_args a;
    rs_config cfg;
    rs_grid grid = {0};
    rs_data_file df = {0};
    int parsed = 0;

    int pa = parse_args(argc, argv, &a, err, sizeof err);
    if (pa != 0) {
        if (rank == 0) {
            if (pa < 0) rs_error("plan: %s", err);
            plan_usage(pa < 0 ? stderr : stdout);
        }
        rc = pa > 0 ? RS_EXIT_OK : RS_EXIT_USAGE;
        goto done;
    }
    if (!(parsed = rs_cli_load_config(a.config_path, a.nset, a.set, a.output, comm, rank, &cfg))) goto done;
    if (rs_grid_build(&cfg, a.config_path, &grid, err, sizeof err)) {
        if (rank == 0) rs_error("%s", err);
        goto done;
    }
    rs_experiment_set_costs(rs_experiment_lookup(cfg.experiment), &cfg, &grid);
    /* the rest is rank 0's; the others wait for its exit code */
    if (rank == 0) {
        rs_data_spec data = {.law = (rs_data_law)rs_data_law_from_name(cfg.data_law), .bias = cfg.bias};
        int bad = 0;
        if (data.law == RS_DATA_FILE) {
            bad = rs_cli_load_data(&cfg, a.config_path, &df, err, sizeof err) != 0;
            if (bad) rs_error("%s", err);
            data.file = &df;
        }
        if (!bad) {
            rc = RS_EXIT_FAILURE;
            calib k;
            double base_rss = max_rss_bytes();
            if (calibrate_stable(&cfg, &grid, &data, a.calibrate, &k, err, sizeof err) == 0) {
                double peak = k.m.measured ? max_rss_bytes() : 0;
                suggestion sg;
                sb_mode = a.sbatch;
                if (a.sbatch) {
                    printf("#!/bin/bash\n");
                    char cmd[2048] = "reluscape";
                    for (int i = 0; i < argc; i++)
                        if (strlen(cmd) + strlen(argv[i]) + 2 < sizeof cmd) strcat(strcat(cmd, " "), argv[i]);
                    out("Generated by `%s` (reluscape %s); submit with sbatch.", cmd, PACKAGE_VERSION);
                    out("Exit codes and restarts: jobs/sweep.sbatch, docs/slurm.md.");
                    out("%s", "");
                }
                if (report(&a, &cfg, &grid, &k, base_rss, peak, df.rows ? 8.0 * (double)df.n_total * df.d0 : 0.0,
                           &sg)) {
                    rc = RS_EXIT_USAGE;
                } else {
                    if (a.sbatch) print_sbatch(&a, &cfg, &sg);
                    rc = RS_EXIT_OK;
                }
                fflush(stdout);
            } else {
                rs_error("%s", err);
            }
            calib_free(&k);
        }
    }
    RS_MPI_CHECK(MPI_Bcast(&rc, 1, MPI_INT, 0, comm));
done:
    free(a.set);
    if (parsed) rs_config_free(&cfg);
    rs_grid_free(&grid);
    rs_data_file_free(&df);
    return rc;
}
