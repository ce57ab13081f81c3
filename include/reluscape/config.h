/* config.h - the run configuration: one option table drives the INI parser, the
 * --set key=value overrides, --print-config and docs/config.md.
 *
 * INI syntax: [section] headers, `key = value` lines, `#` or `;` comments.  A key's full
 * name is section.key (e.g. rank.method).  Integer axes accept lists and inclusive
 * ranges a:b:step, mixed: "1,2,10:100:10". */
#ifndef RELUSCAPE_CONFIG_H
#define RELUSCAPE_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RS_PATH_MAX 4096
#define RS_NAME_MAX 32
#define RS_ERR_MAX (3 * RS_PATH_MAX + 1024)
#define RS_LINE_MAX (1 << 20) /* longest config line (a long list of values) */

typedef struct rs_intlist {
    int count;
    int64_t *v;
} rs_intlist;

typedef struct rs_dbllist {
    int count;
    double *v;
} rs_dbllist;

typedef struct rs_config {
    /* [experiment] */
    char experiment[RS_NAME_MAX]; /* what a trial measures (experiment.h) */
    /* [grid] */
    rs_intlist d0;          /* exclusive with d0_ratio */
    rs_dbllist d0_ratio;    /* d0 = ceil(r * n) */
    rs_intlist d1, n;
    /* [sweep] */
    int64_t trials;               /* per cell */
    int64_t patterns_per_dataset; /* trials sharing one dataset draw; divides trials */
    uint64_t seed;
    char sweep_mode[RS_NAME_MAX];   /* sample | exhaustive */
    /* [data] */
    char data_law[RS_NAME_MAX];
    int bias;
    char data_file[RS_PATH_MAX];
    char data_dataset[RS_PATH_MAX];
    char count_rows[RS_NAME_MAX];   /* auto | always | never: realizable rows per cell */
    /* [pattern] */
    char sampler[RS_NAME_MAX];
    double bernoulli_p;
    char realizable_test[RS_NAME_MAX]; /* auto | always | never: bernoulli patterns tested */
    char init_law[RS_NAME_MAX];
    /* [network] */
    char vout_law[RS_NAME_MAX];
    /* [rank] */
    char rank_method[RS_NAME_MAX];
    double rtol;                  /* 0 = default max(rows, cols) * eps */
    int certify;                  /* try the Cholesky full-rank certificate first */
    double verify;                /* fraction of trials also ranked exactly */
    int64_t exact_primes;         /* 1 or 2 */
    int64_t group_size;           /* ranks sharing one trial (ScaLAPACK); 1 = serial */
    int64_t mem_per_rank;         /* bytes; 0 = auto (rs_mem_per_rank_default) */
    /* [targets] (experiment minima) */
    char targets_law[RS_NAME_MAX];
    int64_t teacher_width;
    char teacher_init[RS_NAME_MAX];
    int teacher_bias;
    char targets_dataset[RS_PATH_MAX];
    /* [minima] */
    char minima_exact[RS_NAME_MAX];  /* auto | always | never */
    /* [train] (experiment train) */
    char train_optimizer[RS_NAME_MAX]; /* gd | adam */
    double train_lr;                   /* 0 = auto */
    int64_t train_steps;               /* at most this many steps */
    double train_loss_tol;             /* stop when the loss is at most this */
    int64_t train_record;              /* recorded steps per decade */
    int train_v;                       /* train the output weights too */
    int train_classify;                /* the region LP on the final region */
    int train_sigma_min;               /* σ_n(J_A) at the records */
    int64_t train_keep;                /* trajectories kept per cell */
    /* [output] */
    char output[RS_PATH_MAX];
    double progress_seconds;
    double checkpoint_seconds;    /* checkpoint interval; 0 = only when signalled */
} rs_config;

/* Parse config text (the content of `filename`, used in messages) and then apply the
 * overrides ("key=value" strings, reported as "--set").  Local and deterministic: every
 * rank that parses the same text reaches the same result.  Returns 0, or -1 with a
 * message "FILE:LINE: key 'k': what is wrong (allowed: ...)" in err. */
int rs_config_parse(const char *text, const char *filename, int noverride,
                    char *const *overrides, rs_config *cfg, char *err, size_t errlen);
void rs_config_free(rs_config *cfg);

/* Canonical text of every option's effective value, as an INI file.  Caller frees. */
char *rs_config_effective_text(const rs_config *cfg);

/* The same without the [output] keys and the resource keys (rank.group_size,
 * rank.mem_per_rank): what determines the results.  Two runs (parts of a
 * job array, a run and its resumption) belong together iff these texts are equal. */
char *rs_config_science_text(const rs_config *cfg);

/* Every science key that is active for this run (no [output] or resource key, none of
 * another experiment's sections, no unset path) with its typed value, for the result
 * file's attributes: kind 'i' int64 (booleans 0/1), 'u' uint64, 'd' double, 's' text
 * (choices, paths, and lists in their effective-config form). */
typedef struct rs_setting {
    const char *key;
    char kind;
    int64_t i;
    uint64_t u;
    double d;
    const char *s;
} rs_setting;
int rs_config_settings(const rs_config *cfg, void (*fn)(const rs_setting *set, void *ctx), void *ctx);

/* Markdown table of all options (for docs/config.md). */
void rs_config_write_doc(FILE *out);

/* 1 if key (section.key) is read by this run: not in another experiment's section, and
 * not a key that only other values read (pattern.init without the init sampler,
 * pattern.p without bernoulli, network.v when neither the rank method nor the experiment
 * draws v, data.file and data.dataset without data.law = file, the teacher's keys
 * without targets.law = teacher, ...).  Inactive keys are parsed and recorded, but the
 * result file's typed settings leave them out. */
int rs_config_key_active(const rs_config *cfg, const char *key);

/* Provided by the experiment registry (experiment.c), which sits above config and owns
 * that vocabulary: the names allowed for experiment.kind; the config sections only a
 * given experiment reads ("a,b"); and the chosen experiment's cross-key checks: 0, or -1
 * with the offending key in *key and the reason in why. */
const char *rs_experiment_names(void);
const char *rs_experiment_sections(const char *kind);
int rs_experiment_draws_v(const char *kind);
int rs_experiment_check_config(const rs_config *cfg, const char **key, char *why, size_t len);

#endif
