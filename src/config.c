/* config.c - the option table and everything driven by it: INI parsing, --set
 * overrides, cross-key validation, the effective-config text and the docs table. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/config.h"
#include "reluscape/data.h"
#include "reluscape/engine.h"
#include "reluscape/pattern.h"
#include "reluscape/regions.h"
#include "reluscape/targets.h"
#include "reluscape/train.h"
#include "util.h"

typedef enum { OPT_INTLIST, OPT_DBLLIST, OPT_INT, OPT_UINT64, OPT_DOUBLE, OPT_BOOL,
               OPT_CHOICE, OPT_STRING, OPT_BYTES } opt_type;

typedef struct rs_option {
    const char *name;      /* section.key */
    opt_type type;
    size_t offset;         /* into rs_config */
    const char *def;       /* default value text ("" = unset) */
    const char *choices;   /* OPT_CHOICE: "a|b|c", or (registry set) */
    double min, max;       /* numeric bounds (lists: per element) */
    const char *help;
    const char *(*registry)(void); /* OPT_CHOICE: the names of a registry ("a|b|c") */
} rs_option;

#define OFF(field) offsetof(rs_config, field)
#define MAX_LIST 100000

static const rs_option options[] = {
    {"experiment.kind", OPT_CHOICE, OFF(experiment), "rank", NULL, 0, 0,
     "what each trial measures: rank = the rank of J_A (docs/config.md, Experiments)", rs_experiment_names},
    {"grid.d0", OPT_INTLIST, OFF(d0), "", NULL, 1, 100000,
     "input dimensions d0: list and/or ranges a:b:step (inclusive); exclusive with grid.d0_ratio", NULL},
    {"grid.d0_ratio", OPT_DBLLIST, OFF(d0_ratio), "", NULL, 1e-6, 1000,
     "d0 = ceil(r * n) for each listed ratio r (the authors' family (b))", NULL},
    {"grid.d1", OPT_INTLIST, OFF(d1), "", NULL, 1, 1000000, "hidden widths d1 (required)", NULL},
    {"grid.n", OPT_INTLIST, OFF(n), "", NULL, 1, 1000000, "sample sizes n (required)", NULL},
    {"sweep.trials", OPT_INT, OFF(trials), "100", NULL, 1, 1e12, "trials per cell", NULL},
    {"sweep.patterns_per_dataset", OPT_INT, OFF(patterns_per_dataset), "1", NULL, 1, 1e12,
     "consecutive trials that share one dataset draw; must divide sweep.trials "
     "(1 = a new X every trial; sweep.trials = one generic X per cell)", NULL},
    {"sweep.seed", OPT_UINT64, OFF(seed), "1", NULL, 0, 0,
     "seed: a trial's random numbers depend only on (seed, cell, trial)", NULL},
    {"sweep.mode", OPT_CHOICE, OFF(sweep_mode), "sample", "sample|exhaustive", 0, 0,
     "sample: sweep.trials random trials per cell; exhaustive: every pattern of {0,1}^(d1 x n) "
     "(pattern.sampler = bernoulli) or every non-empty region (region) exactly once, on one dataset per "
     "cell: exact fractions (docs/config.md, Exhaustive)", NULL},
    {"data.law", OPT_CHOICE, OFF(data_law), "uniform01", NULL, 0, 0,
     "input law: N(0,1), U(-1,1), U[0,1) (the authors'), unit sphere, or rows of data.file", rs_data_law_names_list},
    {"data.bias", OPT_BOOL, OFF(bias), "true", NULL, 0, 0,
     "hidden-layer bias: append a constant 1 to every input (p = d0 + 1)", NULL},
    {"data.file", OPT_STRING, OFF(data_file), "", NULL, 0, 0,
     "HDF5 file holding a user dataset (data.law = file)", NULL},
    {"data.dataset", OPT_STRING, OFF(data_dataset), "X", NULL, 0, 0,
     "dataset path in data.file, shape n_total x d0; each draw is a random n-row subset", NULL},
    {"data.count_rows", OPT_CHOICE, OFF(count_rows), "auto", "auto|always|never", 0, 0,
     "count the realizable rows of each cell's first dataset exactly (rank: /stats/realizable_rows): always "
     "(up to 1e7 point tests a cell), auto (also at most 2% of the cell's trials' work), never", NULL},
    {"pattern.sampler", OPT_CHOICE, OFF(sampler), "init", NULL, 0, 0,
     "bernoulli: all patterns (count); init: random initialisation (volume); "
     "region: uniform over non-empty regions (d0 = 1 with bias)", rs_sampler_names},
    {"pattern.realizable", OPT_CHOICE, OFF(realizable_test), "auto", "auto|always|never", 0, 0,
     "test each bernoulli pattern for realizability (rank: /stats/realizable over realizable_tested): always; "
     "auto (1-D, lookups in the dataset's enumerated rows, and the LP up to p = 16); never", NULL},
    {"pattern.p", OPT_DOUBLE, OFF(bernoulli_p), "0.5", NULL, 0, 1, "P(a_ji = 1) for the bernoulli sampler", NULL},
    {"pattern.init", OPT_CHOICE, OFF(init_law), "torch", NULL, 0, 0,
     "init law: w,b ~ N(0,1); He w ~ N(0,2/d0), b = 0; PyTorch default w,b ~ U(+-1/sqrt(d0))", rs_init_law_names},
    {"network.v", OPT_CHOICE, OFF(vout_law), "gaussian", NULL, 0, 0,
     "frozen output weights v: N(0,1); half -1 and half +1; all ones (they scale J's columns: "
     "only svd and qrcp depend on them, the other methods skip the draws)", rs_vout_law_names},
    {"rank.method", OPT_CHOICE, OFF(rank_method), "auto", NULL, 0, 0,
     "svd: float64 singular values (the reference); qrcp: pivoted QR; gram: pivoted Cholesky of "
     "(A^T A) o (X^T X); exact: rank over Q modulo a large prime; auto: the full-rank certificate, "
     "then exact (docs/config.md, Rank)", rs_engine_method_names},
    {"rank.rtol", OPT_DOUBLE, OFF(rtol), "0", NULL, 0, 1,
     "relative tolerance of svd and qrcp (and the certificate): count sigma > sigma_max * rtol; "
     "0 = max(n, P) * eps", NULL},
    {"rank.certify", OPT_BOOL, OFF(certify), "true", NULL, 0, 0,
     "first try to prove rank = min(n, P) by a shifted Cholesky factorisation of J J^T "
     "(decides as the SVD would, at a fraction of the cost); undecided trials run rank.method", NULL},
    {"rank.verify", OPT_DOUBLE, OFF(verify), "0.01", NULL, 0, 1,
     "fraction of trials (chosen by their own random stream) also ranked exactly; disagreements "
     "are counted in /stats/verify_disagree", NULL},
    {"rank.exact_primes", OPT_INT, OFF(exact_primes), "1", NULL, 1, 2,
     "primes for the exact rank (2: the larger of two modular ranks, even less likely to fall short)", NULL},
    {"rank.group_size", OPT_INT, OFF(group_size), "1", NULL, 1, 65536,
     "ranks that share one trial (a ScaLAPACK process grid, as square as possible); 1 = every rank "
     "ranks its own trials with LAPACK.  Results do not depend on it (docs/config.md, Groups)", NULL},
    {"rank.mem_per_rank", OPT_BYTES, OFF(mem_per_rank), "auto", NULL, 0, 0,
     "memory one rank may use for a trial, e.g. 3.5G, 800M (K, M, G, T: powers of 1024); auto = "
     "SLURM's --mem-per-cpu or --mem, else the node's memory, divided by the ranks on the node. "
     "A cell that does not fit is refused before any work, naming the smallest group_size that fits", NULL},
    {"targets.law", OPT_CHOICE, OFF(targets_law), "gaussian", NULL, 0, 0,
     "regression targets y per dataset draw (minima): N(0,1); U(-1,1); a random ReLU teacher network; a "
     "random degree-2 polynomial of the inputs (coefficients U(-1,1)); the targets.dataset of data.file",
     rs_targets_law_names},
    {"targets.teacher_width", OPT_INT, OFF(teacher_width), "10", NULL, 1, 1000000,
     "hidden width of the teacher network (targets.law = teacher)", NULL},
    {"targets.teacher_init", OPT_CHOICE, OFF(teacher_init), "gaussian", NULL, 0, 0,
     "init law of the teacher's weights; its output weights are N(0,1)/sqrt(width)", rs_init_law_names},
    {"targets.teacher_bias", OPT_BOOL, OFF(teacher_bias), "true", NULL, 0, 0,
     "the teacher network has hidden biases", NULL},
    {"targets.dataset", OPT_STRING, OFF(targets_dataset), "y", NULL, 0, 0,
     "targets.law = file: dataset in data.file with one target per row of data.dataset", NULL},
    {"minima.exact", OPT_CHOICE, OFF(minima_exact), "auto", "auto|always|never", 0, 0,
     "re-solve region LPs with GLPK's exact rational simplex: auto = when the float margin is near 0 "
     "(docs/config.md, Minima); always; never (near-zero margins are then counted as failed)", NULL},
    {"train.optimizer", OPT_CHOICE, OFF(train_optimizer), "gd", NULL, 0, 0,
     "full-batch optimizer on the loss (1/2n) sum (f(x_i) - y_i)^2: plain gradient descent, or Adam "
     "(beta 0.9, 0.999, eps 1e-8)", rs_train_optimizer_names},
    {"train.lr", OPT_DOUBLE, OFF(train_lr), "0", NULL, 0, 1e9,
     "step size; 0 = auto: gd 1/lambda, lambda the largest eigenvalue of (1/n) J J^T at the initial "
     "weights (power iteration); adam 1e-3", NULL},
    {"train.steps", OPT_INT, OFF(train_steps), "10000", NULL, 1, 1e9, "at most this many steps per trial", NULL},
    {"train.loss_tol", OPT_DOUBLE, OFF(train_loss_tol), "1e-10", NULL, 0, 1e9,
     "a trial reaches zero loss (a global minimum) when the loss is at most this; training stops there", NULL},
    {"train.record", OPT_INT, OFF(train_record), "10", NULL, 1, 1000,
     "recorded steps per decade: 0, floor(10^(k/record)) and train.steps (the step axis of /stats)", NULL},
    {"train.train_v", OPT_BOOL, OFF(train_v), "false", NULL, 0, 0,
     "train the output weights v too (else v stays frozen at network.v)", NULL},
    {"train.classify", OPT_BOOL, OFF(train_classify), "true", NULL, 0, 0,
     "classify the final region with the region LP of experiment minima (does it hold a global minimum?); "
     "costs an LP of d1 n rows per trial", NULL},
    {"train.sigma_min", OPT_BOOL, OFF(train_sigma_min), "false", NULL, 0, 0,
     "record the n-th singular value of J_A (its distance to rank deficiency) at the recorded steps: a "
     "float64 SVD of J_A (n x P) whenever the pattern moved", NULL},
    {"train.keep_trajectories", OPT_INT, OFF(train_keep), "0", NULL, 0, 10000,
     "keep the whole recorded trajectory (loss, rank deficit) of the first k trials of every cell "
     "(loss_trajectory, deficit_trajectory in /stats)", NULL},
    {"output.file", OPT_STRING, OFF(output), "reluscape.h5", NULL, 0, 0,
     "result file (HDF5); -o overrides; an existing file needs --force", NULL},
    {"output.progress", OPT_DOUBLE, OFF(progress_seconds), "10", NULL, 0, 1e9,
     "seconds between progress lines on rank 0 (0 = none)", NULL},
    {"output.checkpoint", OPT_DOUBLE, OFF(checkpoint_seconds), "600", NULL, 0, 1e9,
     "seconds between checkpoints (OUT.h5.ckpt: finished work units and their statistics) for "
     "--resume; 0 = only on SIGTERM/SIGUSR1/SIGINT", NULL},
};
#define NOPT ((int)RS_ARRAY_LEN(options))

static void *field(rs_config *cfg, const rs_option *o) { return (char *)cfg + o->offset; }
static const void *cfield(const rs_config *cfg, const rs_option *o)
{
    return (const char *)cfg + o->offset;
}

static const rs_option *find_option(const char *name)
{
    for (int i = 0; i < NOPT; i++)
        if (strcmp(options[i].name, name) == 0) return &options[i];
    return NULL;
}

/* Where a value came from, for messages: "cfg.ini:12", "cfg.ini" (line 0), "--set k=v",
 * or unset (file NULL).  Pointers into the parse's own arguments: small and cheap. */
typedef struct where {
    const char *file, *set;
    int line;
} where;

static void where_text(const where *w, char *buf, size_t len)
{
    if (w->set)
        RS_FMT(buf, len, "--set %s", w->set);
    else if (w->line > 0)
        RS_FMT(buf, len, "%s:%d", w->file, w->line);
    else
        RS_FMT(buf, len, "%s", w->file ? w->file : "defaults");
}

static int fail(char *err, size_t errlen, const where *w, const char *key, const char *fmt, ...)
{
    char what[RS_ERR_MAX], at[RS_PATH_MAX + 64];
    where_text(w, at, sizeof at);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (key)
        RS_FMT(err, errlen, "%s: key '%s': %s", at, key, what);
    else
        RS_FMT(err, errlen, "%s: %s", at, what);
    return -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
    return s;
}

static int parse_int64(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *trim(end) != '\0') return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *trim(end) != '\0' || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

/* A list with an empty item ("5,,10", "5,", ",5") or none at all: strtok would drop them
 * silently.  0, or -1 with the reason. */
static int empty_items(const char *text, char *why, size_t len)
{
    const char *c = text;
    for (;;) {
        size_t item = strcspn(c, ",");
        const char *e = c + item;
        while (c < e && isspace((unsigned char)*c)) c++;
        if (c == e)
            return RS_FMT(why, len, "%s", *text ? "empty list item (two commas, or a comma at an end)"
                                                : "empty list (give at least one value)"), -1;
        if (!*e) return 0;
        c = e + 1;
    }
}

static int cmp_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Integer list: comma-separated items, each an integer or an inclusive range a:b[:step]. */
static int parse_intlist_in(char *buf, const rs_option *o, rs_intlist *out, char *why, size_t len);
static int parse_intlist(const char *text, const rs_option *o, rs_intlist *out, char *why, size_t len)
{
    if (empty_items(text, why, len)) return -1;
    char *buf = strdup(text); /* strtok's copy: as long as the list */
    if (!buf) return RS_FMT(why, len, "out of memory"), -1;
    int rc = parse_intlist_in(buf, o, out, why, len);
    free(buf);
    return rc;
}

static int parse_intlist_in(char *buf, const rs_option *o, rs_intlist *out, char *why, size_t len)
{
    int cap = 16, count = 0;
    int64_t *v = malloc(cap * sizeof *v);
    if (!v) return RS_FMT(why, len, "out of memory"), -1;
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        item = trim(item);
        int64_t a, b, step = 1;
        char *c1 = strchr(item, ':');
        if (c1) {
            *c1 = '\0';
            char *c2 = strchr(c1 + 1, ':');
            if (c2) *c2 = '\0';
            if (parse_int64(item, &a) || parse_int64(c1 + 1, &b) || (c2 && parse_int64(c2 + 1, &step))) {
                free(v);
                return RS_FMT(why, len, "malformed range (expected a:b or a:b:step with integers)"), -1;
            }
            if (step <= 0 || b < a) {
                free(v);
                return RS_FMT(why, len, "malformed range %lld:%lld:%lld (need a <= b and step > 0)",
                              (long long)a, (long long)b, (long long)step), -1;
            }
        } else {
            if (parse_int64(item, &a)) {
                free(v);
                return RS_FMT(why, len, "'%s' is not an integer (expected a list like 1,2,5 or a range a:b:step)", item), -1;
            }
            b = a;
        }
        for (int64_t x = a; x <= b; x += step) {
            if (x < o->min || x > o->max) {
                free(v);
                return RS_FMT(why, len, "value %lld out of range (allowed %.0f..%.0f)", (long long)x, o->min, o->max), -1;
            }
            if (count == MAX_LIST) {
                free(v);
                return RS_FMT(why, len, "more than %d values", MAX_LIST), -1;
            }
            if (count == cap) {
                cap *= 2;
                int64_t *nv = realloc(v, cap * sizeof *v);
                if (!nv) return free(v), RS_FMT(why, len, "out of memory"), -1;
                v = nv;
            }
            v[count++] = x;
        }
    }
    /* distinct values: sort a copy (a list of 10^5 values must not take 10^10 steps) */
    int64_t *sorted = malloc((size_t)(count ? count : 1) * sizeof *sorted);
    if (!sorted) return free(v), RS_FMT(why, len, "out of memory"), -1;
    memcpy(sorted, v, (size_t)count * sizeof *v);
    qsort(sorted, (size_t)count, sizeof *sorted, cmp_int64);
    for (int i = 1; i < count; i++)
        if (sorted[i] == sorted[i - 1]) {
            int64_t dup = sorted[i];
            free(sorted);
            free(v);
            return RS_FMT(why, len, "value %lld listed twice", (long long)dup), -1;
        }
    free(sorted);
    free(out->v);
    out->v = v;
    out->count = count;
    return 0;
}

static int parse_dbllist_in(char *buf, const rs_option *o, rs_dbllist *out, char *why, size_t len);
static int parse_dbllist(const char *text, const rs_option *o, rs_dbllist *out, char *why, size_t len)
{
    if (empty_items(text, why, len)) return -1;
    char *buf = strdup(text);
    if (!buf) return RS_FMT(why, len, "out of memory"), -1;
    int rc = parse_dbllist_in(buf, o, out, why, len);
    free(buf);
    return rc;
}

static int parse_dbllist_in(char *buf, const rs_option *o, rs_dbllist *out, char *why, size_t len)
{
    int count = 0;
    double *v = malloc(sizeof(double) * 1024);
    if (!v) return RS_FMT(why, len, "out of memory"), -1;
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        double x;
        if (count == 1024) return free(v), RS_FMT(why, len, "more than 1024 values"), -1;
        if (parse_double(trim(item), &x)) {
            free(v);
            return RS_FMT(why, len, "'%s' is not a number (expected a list like 0.25, 0.5, 1)", trim(item)), -1;
        }
        if (x < o->min || x > o->max) {
            free(v);
            return RS_FMT(why, len, "value %g out of range (allowed %g..%g)", x, o->min, o->max), -1;
        }
        for (int j = 0; j < count; j++)
            if (v[j] == x) {
                free(v);
                return RS_FMT(why, len, "value %g listed twice (the values must be distinct)", x), -1;
            }
        v[count++] = x;
    }
    free(out->v);
    out->v = v;
    out->count = count;
    return 0;
}

static const char *choices_of(const rs_option *o) { return o->registry ? o->registry() : o->choices; }

static int choice_ok(const char *choices, const char *value)
{
    size_t n = strlen(value);
    for (const char *c = choices; *c;) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && strncmp(c, value, n) == 0) return 1;
        c += len + (bar != NULL);
    }
    return 0;
}

/* Set one option from text; on failure write the reason into why. */
static int set_option(rs_config *cfg, const rs_option *o, const char *value, char *why, size_t len)
{
    void *f = field(cfg, o);
    switch (o->type) {
    case OPT_INTLIST:
        return parse_intlist(value, o, f, why, len);
    case OPT_DBLLIST:
        return parse_dbllist(value, o, f, why, len);
    case OPT_INT: {
        int64_t x;
        if (parse_int64(value, &x)) return RS_FMT(why, len, "'%s' is not an integer", value), -1;
        if (x < o->min || x > o->max)
            return RS_FMT(why, len, "%lld out of range (allowed %.0f..%.0f)", (long long)x, o->min, o->max), -1;
        *(int64_t *)f = x;
        return 0;
    }
    case OPT_UINT64: {
        char *end;
        errno = 0;
        unsigned long long x = strtoull(value, &end, 0);
        if (errno || end == value || *end || value[0] == '-')
            return RS_FMT(why, len, "'%s' is not an unsigned 64-bit integer", value), -1;
        *(uint64_t *)f = x;
        return 0;
    }
    case OPT_DOUBLE: {
        double x;
        if (parse_double(value, &x)) return RS_FMT(why, len, "'%s' is not a number", value), -1;
        if (x < o->min || x > o->max)
            return RS_FMT(why, len, "%g out of range (allowed %g..%g)", x, o->min, o->max), -1;
        *(double *)f = x;
        return 0;
    }
    case OPT_BOOL:
        if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "1") || !strcmp(value, "on"))
            *(int *)f = 1;
        else if (!strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "0") || !strcmp(value, "off"))
            *(int *)f = 0;
        else
            return RS_FMT(why, len, "'%s' is not a boolean (allowed: true|false)", value), -1;
        return 0;
    case OPT_CHOICE:
        if (!choice_ok(choices_of(o), value))
            return RS_FMT(why, len, "'%s' is not allowed (allowed: %s)", value, choices_of(o)), -1;
        RS_FMT((char *)f, RS_NAME_MAX, "%s", value);
        return 0;
    case OPT_BYTES: {
        if (!strcmp(value, "auto")) {
            *(int64_t *)f = 0;
            return 0;
        }
        char *end;
        errno = 0;
        double x = strtod(value, &end);
        const char *units = "KMGT";
        double scale = 1;
        if (*end && strchr(units, toupper((unsigned char)*end))) {
            scale = ldexp(1.0, 10 * (int)(strchr(units, toupper((unsigned char)*end)) - units + 1));
            end++;
            if (toupper((unsigned char)*end) == 'I' && toupper((unsigned char)end[1]) == 'B') end += 2;
            else if (toupper((unsigned char)*end) == 'B') end++;
        }
        if (errno || end == value || *end || !(x > 0) || x * scale > 9.0e18)
            return RS_FMT(why, len, "'%s' is not a memory size (allowed: auto, or a positive number of "
                          "bytes with an optional K, M, G or T suffix, e.g. 3.5G)", value), -1;
        if (x * scale < 1024 * 1024) /* below 1 MiB it is a typo (0.5 for 0.5G), not a budget */
            return RS_FMT(why, len, "'%s' is %.0f bytes: less than 1 MiB (did you mean a unit, e.g. %sG?)", value,
                          x * scale, value), -1;
        *(int64_t *)f = (int64_t)(x * scale);
        return 0;
    }
    case OPT_STRING:
        if (strlen(value) >= RS_PATH_MAX) return RS_FMT(why, len, "value longer than %d characters", RS_PATH_MAX - 1), -1;
        /* '#' or ';' at the start or after a blank would begin a comment when the effective
         * text (the file's `config` attribute) is read back: refuse what cannot round-trip */
        for (const char *c = value; *c; c++)
            if ((*c == '#' || *c == ';') && (c == value || isspace((unsigned char)c[-1])))
                return RS_FMT(why, len, "'%s': a '%c' %s starts a comment in a config; rename it", value, *c,
                              c == value ? "at the start" : "after a blank"), -1;
        RS_FMT((char *)f, RS_PATH_MAX, "%s", value);
        return 0;
    }
    return -1;
}

static void list_keys(const char *section, char *buf, size_t len)
{
    size_t used = 0, sl = strlen(section);
    buf[0] = '\0';
    for (int i = 0; i < NOPT; i++) {
        if (section[0] && (strncmp(options[i].name, section, sl) || options[i].name[sl] != '.')) continue;
        int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", options[i].name);
        if (w < 0 || (size_t)w >= len - used) break;
        used += (size_t)w;
    }
}

static int apply(rs_config *cfg, where *set_at, const where *w, const char *key, const char *value,
                 char *err, size_t errlen)
{
    const rs_option *o = find_option(key);
    if (!o) {
        char known[2048], section[RS_NAME_MAX * 2] = "";
        const char *dot = strchr(key, '.');
        if (dot && (size_t)(dot - key) < sizeof section) memcpy(section, key, (size_t)(dot - key));
        list_keys(section, known, sizeof known);
        if (!known[0]) list_keys("", known, sizeof known);
        return fail(err, errlen, w, key, "unknown key (known keys: %s)", known);
    }
    char why[RS_ERR_MAX];
    if (set_option(cfg, o, value, why, sizeof why)) return fail(err, errlen, w, key, "%s", why);
    set_at[o - options] = *w;
    return 0;
}

/* Cross-key checks; each message points at the line that set the offending key. */
static int validate(const rs_config *cfg, const where *set_at, const char *filename, char *err, size_t errlen)
{
    where file = {.file = filename};
#define AT(key) (set_at[find_option(key) - options].file ? &set_at[find_option(key) - options] : &file)
    if (cfg->d0.count && cfg->d0_ratio.count)
        return fail(err, errlen, AT("grid.d0_ratio"), "grid.d0_ratio",
                    "give either grid.d0 or grid.d0_ratio, not both");
    if (!cfg->d0.count && !cfg->d0_ratio.count)
        return fail(err, errlen, &file, "grid.d0", "missing: give grid.d0 (a list or range) or grid.d0_ratio");
    if (!cfg->d1.count) return fail(err, errlen, &file, "grid.d1", "missing: give the hidden widths, e.g. d1 = 30:300:30");
    if (!cfg->n.count) return fail(err, errlen, &file, "grid.n", "missing: give the sample sizes, e.g. n = 10:100:10");
    if (cfg->group_size > 1 && rs_method_lookup(cfg->rank_method)->group == RS_GROUP_FORM_NONE)
        return fail(err, errlen, AT("rank.group_size"), "rank.group_size",
                    "%lld needs a rank.method with a distributed form (svd|gram|auto); rank.method = %s "
                    "runs on one rank only", (long long)cfg->group_size, cfg->rank_method);
    if (cfg->trials % cfg->patterns_per_dataset)
        return fail(err, errlen, AT("sweep.patterns_per_dataset"), "sweep.patterns_per_dataset",
                    "%lld does not divide sweep.trials = %lld", (long long)cfg->patterns_per_dataset,
                    (long long)cfg->trials);
    int file_law = rs_data_law_from_name(cfg->data_law) == RS_DATA_FILE;
    if (file_law && !cfg->data_file[0])
        return fail(err, errlen, AT("data.law"), "data.file", "data.law = file needs data.file (an HDF5 file)");
    if (!file_law && cfg->data_file[0])
        return fail(err, errlen, AT("data.file"), "data.file", "data.file is set but data.law is '%s' (use data.law = file)",
                    cfg->data_law);
    if (!strcmp(cfg->sweep_mode, "exhaustive") && strcmp(cfg->sampler, "bernoulli") && strcmp(cfg->sampler, "region"))
        return fail(err, errlen, AT("sweep.mode"), "sweep.mode",
                    "exhaustive enumerates all patterns (pattern.sampler = bernoulli) or all non-empty regions "
                    "(region), not '%s'", cfg->sampler);
    if (!strcmp(cfg->sampler, "region")) { /* the enumeration (exhaustive) or the draws (sampled) must fit */
        int64_t n = 0, d0 = 0;
        for (int i = 0; i < cfg->n.count; i++) n = cfg->n.v[i] > n ? cfg->n.v[i] : n;
        for (int i = 0; i < cfg->d0.count; i++) d0 = cfg->d0.v[i] > d0 ? cfg->d0.v[i] : d0;
        for (int i = 0; i < cfg->d0_ratio.count; i++) {
            int64_t c = (int64_t)ceil(cfg->d0_ratio.v[i] * (double)n);
            d0 = c > d0 ? c : d0;
        }
        int p = (int)d0 + (cfg->bias != 0);
        double rows = rs_cover_count((int)n, p), tests = rs_regions_candidates((int)n, p);
        int fast = d0 == 1 && cfg->bias && cfg->d0.count == 1; /* the step vectors, no enumeration */
        if (fast) {
            /* the step vectors: nothing to enumerate or walk */
        } else if (!strcmp(cfg->sweep_mode, "exhaustive")) {
            if (rows > (double)RS_REGIONS_MAX_ROWS || tests > RS_REGIONS_MAX_CANDIDATES || (n < p && n > 22))
                return fail(err, errlen, AT("pattern.sampler"), "pattern.sampler",
                            "exhaustive region mode enumerates the realizable rows of each dataset: at d0 = %lld, "
                            "n = %lld that is %.3g rows (%.3g patterns to test; at most %lld rows and %.3g tests): "
                            "use smaller d0 or n",
                            (long long)d0, (long long)n, rows, tests, (long long)RS_REGIONS_MAX_ROWS,
                            RS_REGIONS_MAX_CANDIDATES);
        } else if (rs_region_draw_cost((int)n, p) > RS_REGIONS_MAX_DRAW_COST) { /* also every p > 63 < n */
            return fail(err, errlen, AT("pattern.sampler"), "pattern.sampler",
                        "region sampling at d0 = %lld, n = %lld would cost about %.3g multiply-adds per neuron "
                        "(a cell has %.3g extreme rays on average, each draw walks them; at most %.3g): use smaller "
                        "d0 or n",
                        (long long)d0, (long long)n, rs_region_draw_cost((int)n, p), tests / rows,
                        RS_REGIONS_MAX_DRAW_COST);
        }
    }
    if (!cfg->output[0]) return fail(err, errlen, AT("output.file"), "output.file", "empty file name");
    const char *key = NULL;
    char why[RS_ERR_MAX];
    if (rs_experiment_check_config(cfg, &key, why, sizeof why))
        return fail(err, errlen, find_option(key) ? AT(key) : &file, key, "%s", why);
#undef AT
    return 0;
}

int rs_config_parse(const char *text, const char *filename, int noverride, char *const *overrides,
                    rs_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    where *set_at = rs_calloc(NOPT, sizeof *set_at);
    if (!set_at) return RS_FMT(err, errlen, "out of memory"), -1;
    where w = {0};
    for (int i = 0; i < NOPT; i++) {
        char why[RS_ERR_MAX];
        if (options[i].def[0] && set_option(cfg, &options[i], options[i].def, why, sizeof why)) abort();
    }
    memset(set_at, 0, NOPT * sizeof *set_at);

    int rc = -1;
    char section[RS_NAME_MAX * 2] = "", *line = NULL, *buf = NULL;
    size_t line_cap = 0;
    const char *p = text;
    if (!strncmp(p, "\xEF\xBB\xBF", 3)) p += 3; /* a UTF-8 byte order mark from some editors */
    for (int lineno = 1; *p; lineno++) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        w = (where){.file = filename, .line = lineno};
        if (len >= RS_LINE_MAX) {
            fail(err, errlen, &w, NULL, "line longer than %d characters", RS_LINE_MAX - 1);
            goto done;
        }
        if (rs_reserve((void **)&line, &line_cap, len + 1, 1)) {
            fail(err, errlen, &w, NULL, "out of memory");
            goto done;
        }
        memcpy(line, p, len);
        line[len] = '\0';
        p += len + (nl != NULL);
        /* comments: whole lines starting with # or ;, or inline after whitespace */
        for (char *c = line; *c; c++)
            if ((*c == '#' || *c == ';') && (c == line || isspace((unsigned char)c[-1]))) {
                *c = '\0';
                break;
            }
        char *s = trim(line);
        if (!*s) continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close || close[1] || close == s + 1) {
                fail(err, errlen, &w, NULL, "malformed section header '%s' (expected [name])", s);
                goto done;
            }
            *close = '\0';
            RS_FMT(section, sizeof section, "%s", trim(s + 1));
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            fail(err, errlen, &w, NULL, "expected 'key = value' or '[section]', got '%s'", s);
            goto done;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1), full[RS_NAME_MAX * 4];
        if (!section[0]) {
            fail(err, errlen, &w, key, "key outside any [section]");
            goto done;
        }
        RS_FMT(full, sizeof full, "%s.%s", section, key);
        const rs_option *o = find_option(full);
        if (o && set_at[o - options].file) {
            char first[RS_PATH_MAX + 64];
            where_text(&set_at[o - options], first, sizeof first);
            fail(err, errlen, &w, full, "set twice (first at %s)", first);
            goto done;
        }
        if (apply(cfg, set_at, &w, full, value, err, errlen)) goto done;
    }
    for (int i = 0; i < noverride; i++) {
        w = (where){.file = filename, .set = overrides[i]};
        free(buf);
        if (!(buf = strdup(overrides[i]))) {
            fail(err, errlen, &w, NULL, "out of memory");
            goto done;
        }
        char *eq = strchr(buf, '=');
        if (!eq) {
            fail(err, errlen, &w, NULL, "expected --set section.key=value");
            goto done;
        }
        *eq = '\0';
        if (apply(cfg, set_at, &w, trim(buf), trim(eq + 1), err, errlen)) goto done;
    }
    rc = validate(cfg, set_at, filename, err, errlen);
done:
    free(set_at);
    free(line);
    free(buf);
    if (rc) rs_config_free(cfg);
    return rc;
}

void rs_config_free(rs_config *cfg)
{
    free(cfg->d0.v);
    free(cfg->d0_ratio.v);
    free(cfg->d1.v);
    free(cfg->n.v);
    memset(cfg, 0, sizeof *cfg);
}

/* Append to a growing string; returns -1 on OOM. */
typedef struct sbuf { char *s; size_t len, cap; } sbuf;
static int sb_printf(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (w < 0) return -1;
        if (b->s && (size_t)w < b->cap - b->len) {
            b->len += (size_t)w;
            return 0;
        }
        size_t cap = (b->cap ? b->cap * 2 : 1024) + (size_t)w;
        char *ns = realloc(b->s, cap);
        if (!ns) return -1;
        b->s = ns;
        b->cap = cap;
    }
}

static void format_value(sbuf *b, const rs_config *cfg, const rs_option *o)
{
    const void *f = cfield(cfg, o);
    switch (o->type) {
    case OPT_INTLIST: {
        /* runs of 3 or more equally spaced ascending values as ranges a:b or a:b:step, so a
         * long range stays one short line that parses back to the same list */
        const rs_intlist *l = f;
        for (int i = 0; i < l->count;) {
            int j = i + 1;
            int64_t step = j < l->count ? l->v[j] - l->v[i] : 0;
            while (step > 0 && j + 1 < l->count && l->v[j + 1] - l->v[j] == step) j++;
            sb_printf(b, "%s", i ? "," : "");
            if (step > 0 && j - i >= 2) {
                sb_printf(b, "%lld:%lld", (long long)l->v[i], (long long)l->v[j]);
                if (step > 1) sb_printf(b, ":%lld", (long long)step);
                i = j + 1;
            } else {
                sb_printf(b, "%lld", (long long)l->v[i]);
                i++;
            }
        }
        break;
    }
    case OPT_DBLLIST: {
        const rs_dbllist *l = f;
        for (int i = 0; i < l->count; i++) sb_printf(b, "%s%.17g", i ? "," : "", l->v[i]);
        break;
    }
    case OPT_INT: sb_printf(b, "%lld", (long long)*(const int64_t *)f); break;
    case OPT_UINT64: sb_printf(b, "%llu", (unsigned long long)*(const uint64_t *)f); break;
    case OPT_DOUBLE: sb_printf(b, "%.17g", *(const double *)f); break;
    case OPT_BOOL: sb_printf(b, "%s", *(const int *)f ? "true" : "false"); break;
    case OPT_CHOICE:
    case OPT_STRING: sb_printf(b, "%s", (const char *)f); break;
    case OPT_BYTES:
        if (*(const int64_t *)f)
            sb_printf(b, "%lld", (long long)*(const int64_t *)f);
        else
            sb_printf(b, "auto");
        break;
    }
}

/* Keys that say how a run executes, not what it computes: not in the science text, so a
 * run may resume or merge with other resources. */
static int is_resource(const rs_option *o)
{
    return !strncmp(o->name, "output.", 7) || !strcmp(o->name, "rank.group_size") ||
           !strcmp(o->name, "rank.mem_per_rank");
}

static char *config_text(const rs_config *cfg, int with_output)
{
    sbuf b = {0};
    char section[RS_NAME_MAX * 2] = "";
    sb_printf(&b, "# reluscape effective configuration (every key)\n");
    for (int i = 0; i < NOPT; i++) {
        const rs_option *o = &options[i];
        const char *dot = strchr(o->name, '.');
        if (!with_output && is_resource(o)) continue;
        size_t sl = (size_t)(dot - o->name);
        if (strlen(section) != sl || strncmp(section, o->name, sl)) {
            memcpy(section, o->name, sl);
            section[sl] = '\0';
            sb_printf(&b, "\n[%s]\n", section);
        }
        /* an empty list stays commented out so the text parses back to the same config */
        int empty = (o->type == OPT_INTLIST && !((const rs_intlist *)cfield(cfg, o))->count) ||
                    (o->type == OPT_DBLLIST && !((const rs_dbllist *)cfield(cfg, o))->count);
        sb_printf(&b, "%s%s = ", empty ? "# " : "", dot + 1);
        format_value(&b, cfg, o);
        sb_printf(&b, "\n");
    }
    return b.s;
}

char *rs_config_effective_text(const rs_config *cfg) { return config_text(cfg, 1); }

int rs_config_settings(const rs_config *cfg, void (*fn)(const rs_setting *set, void *ctx), void *ctx)
{
    for (int i = 0; i < NOPT; i++) {
        const rs_option *o = &options[i];
        if (is_resource(o) || !rs_config_key_active(cfg, o->name)) continue;
        const void *f = cfield(cfg, o);
        rs_setting set = {.key = o->name};
        sbuf b = {0};
        switch (o->type) {
        case OPT_INT: set.kind = 'i', set.i = *(const int64_t *)f; break;
        case OPT_BOOL: set.kind = 'i', set.i = *(const int *)f; break;
        case OPT_UINT64: set.kind = 'u', set.u = *(const uint64_t *)f; break;
        case OPT_DOUBLE: set.kind = 'd', set.d = *(const double *)f; break;
        default: /* choices, strings and lists: their text, as in the effective config */
            format_value(&b, cfg, o);
            set.kind = 's';
            set.s = b.s ? b.s : "";
            break;
        }
        if (o->type == OPT_STRING && !set.s[0]) { /* unset optional paths say nothing */
            free(b.s);
            continue;
        }
        fn(&set, ctx);
        free(b.s);
    }
    return 0;
}

char *rs_config_science_text(const rs_config *cfg) { return config_text(cfg, 0); }

/* 1 if the comma-separated list names the section of key (section.key) */
static int lists_section(const char *list, const char *key)
{
    size_t sl = strcspn(key, ".");
    for (const char *c = list; c && *c;) {
        size_t len = strcspn(c, ",");
        if (len == sl && !strncmp(c, key, sl)) return 1;
        c += len + (c[len] == ',');
    }
    return 0;
}

/* Keys that only some values of another key read. */
static int key_read(const rs_config *cfg, const char *key)
{
    int exhaustive = !strcmp(cfg->sweep_mode, "exhaustive");
    if (!strcmp(key, "sweep.trials") || !strcmp(key, "sweep.patterns_per_dataset")) return !exhaustive;
    if (!strcmp(key, "pattern.p")) return !strcmp(cfg->sampler, "bernoulli") && !exhaustive;
    if (!strcmp(key, "pattern.init")) return !strcmp(cfg->sampler, "init");
    if (!strcmp(key, "data.file") || !strcmp(key, "data.dataset"))
        return rs_data_law_from_name(cfg->data_law) == RS_DATA_FILE;
    if (!strcmp(key, "network.v"))
        return rs_method_lookup(cfg->rank_method)->uses_v || rs_experiment_draws_v(cfg->experiment);
    if (!strncmp(key, "targets.teacher_", 16)) return rs_targets_law_from_name(cfg->targets_law) == RS_TARGETS_TEACHER;
    if (!strcmp(key, "targets.dataset")) return rs_targets_law_from_name(cfg->targets_law) == RS_TARGETS_FILE;
    if (!strcmp(key, "data.count_rows")) return !strcmp(cfg->experiment, "rank");
    if (!strcmp(key, "pattern.realizable")) return !strcmp(cfg->experiment, "rank") && !strcmp(cfg->sampler, "bernoulli");
    if (!strcmp(key, "grid.d0")) return cfg->d0.count > 0;
    if (!strcmp(key, "grid.d0_ratio")) return cfg->d0_ratio.count > 0;
    return 1;
}

int rs_config_key_active(const rs_config *cfg, const char *key)
{
    if (!key_read(cfg, key)) return 0;
    /* a section some experiment owns is active only for the experiments that list it */
    if (lists_section(rs_experiment_sections(cfg->experiment), key)) return 1;
    char names[256];
    RS_FMT(names, sizeof names, "%s", rs_experiment_names());
    for (char *save = NULL, *kind = strtok_r(names, "|", &save); kind; kind = strtok_r(NULL, "|", &save))
        if (lists_section(rs_experiment_sections(kind), key)) return 0;
    return 1;
}

void rs_config_write_doc(FILE *out)
{
    static const char *type_name[] = {
        [OPT_INTLIST] = "integer list", [OPT_DBLLIST] = "number list", [OPT_INT] = "integer",
        [OPT_UINT64] = "uint64",        [OPT_DOUBLE] = "number",       [OPT_BOOL] = "boolean",
        [OPT_CHOICE] = "choice",        [OPT_STRING] = "string",       [OPT_BYTES] = "bytes"};
    fprintf(out, "| key | type | default | allowed | meaning |\n|---|---|---|---|---|\n");
    for (int i = 0; i < NOPT; i++) {
        const rs_option *o = &options[i];
        char allowed[128] = "";
        if (o->type == OPT_CHOICE) {
            /* '|' would split a Markdown table cell */
            RS_FMT(allowed, sizeof allowed, "%s", choices_of(o));
            for (char *c = allowed; *c; c++)
                if (*c == '|') *c = '/';
        }
        else if (o->type == OPT_BOOL)
            RS_FMT(allowed, sizeof allowed, "true/false");
        else if (o->type == OPT_INT || o->type == OPT_INTLIST)
            RS_FMT(allowed, sizeof allowed, "%.0f … %.0f", o->min, o->max);
        else if (o->type == OPT_UINT64)
            RS_FMT(allowed, sizeof allowed, "0 … 2^64-1");
        else if (o->type == OPT_BYTES)
            RS_FMT(allowed, sizeof allowed, "auto, or bytes with K/M/G/T");
        else if (o->type != OPT_STRING)
            RS_FMT(allowed, sizeof allowed, "%g … %g", o->min, o->max);
        fprintf(out, "| `%s` | %s | %s | %s | %s |\n", o->name, type_name[o->type],
                o->def[0] ? o->def : "—", allowed, o->help);
    }
}
