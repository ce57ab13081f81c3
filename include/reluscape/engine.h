/* engine.h - the rank engine: how the rank of one trial's Jacobian is decided.
 *
 * A trial hands over its reduced problem (distinct non-zero neuron rows with merged
 * weights, so J'J'^T = JJ^T; rs_neuron_reduce) and the engine applies the configured
 * method.  Methods (rank.method):
 *   svd, qrcp  float64 LAPACK on J' with the SVD rule's tolerance (svd is the reference);
 *   gram       pivoted Cholesky of G = (A'^T A') o (X~^T X~), never forming J;
 *   exact      rank over Q of J (binary64 inputs taken exactly) modulo a large prime,
 *              after peeling, or a Gram certificate of a tall core's columns (engine.c);
 *   auto       the Gram certificates (full rank; cell bound) on the rows left after
 *              peeling (engine.c: rows provably independent of the rest), then exact.
 * Before svd, qrcp and auto the certificate (rank.certify) may prove rank = n from the
 * Gram matrix: it decides as the SVD rule would and proves the exact rank n as well.
 * rank.verify: a deterministic fraction of trials is also ranked exactly and
 * disagreements are counted.  All functions are local. */
#ifndef RELUSCAPE_ENGINE_H
#define RELUSCAPE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "reluscape/matrank.h"
#include "reluscape/modrank.h"
#include "reluscape/pattern.h"

typedef struct rs_rank_problem {
    const rs_pattern *A;  /* distinct non-zero neuron rows, d1' x n */
    const double *w;      /* their merged output weights sqrt(sum v_j^2) */
    const double *xt;     /* data, p x n column-major */
    int p;                /* d0 + bias */
    int64_t P;            /* parameters of the unreduced J: the tolerance's shape */
    int ruled_out;        /* a zero or crowded column: rank n impossible */
    uint64_t cell, trial; /* for the exact method's random sketch */
} rs_rank_problem;

typedef struct rs_rank_result {
    int matrank;
    int certified;       /* decided by the Gram certificate */
    int verified;        /* also ranked exactly (rank.verify) */
    int disagree;        /* ... and the exact rank differs */
} rs_rank_result;

/* The registry of rank methods (rank.method): what the rest of the program may know about
 * a method.  config, info, footprint, plan, group and sweep ask this, never the name. */
typedef enum {
    RS_FORM_DENSE,   /* forms J (n x P doubles) and runs LAPACK on it */
    RS_FORM_GRAM,    /* forms the n x n Gram matrix only */
    RS_FORM_MODULAR  /* ranks over Q modulo primes (Gram certificates first for auto) */
} rs_method_form;
typedef enum { RS_GROUP_FORM_NONE = -1, RS_GROUP_FORM_SVD, RS_GROUP_FORM_GRAM, RS_GROUP_FORM_AUTO } rs_group_form;
typedef struct rs_method_info {
    const char *name, *help;
    rs_method_form form;
    int exact;          /* the rank is exact over Q */
    int uses_v;         /* the rank depends on the output weights v (rounding only: a
                           non-zero v_j scales columns); else trials skip their draws */
    int certifies;      /* tries the full-rank certificate first (rank.certify) */
    rs_group_form group; /* distributed form over a group of ranks, or NONE */
} rs_method_info;
int rs_method_count(void);
const rs_method_info *rs_method_at(int i);
const rs_method_info *rs_method_lookup(const char *name); /* NULL if unknown */

struct rs_rank_method;

/* Everything fixed for a run. */
typedef struct rs_engine {
    const struct rs_rank_method *method;
    double rtol;          /* 0 = max(n, P) eps */
    int certify;
    double verify;        /* fraction of trials also ranked exactly */
    uint64_t seed;
    int nprimes;          /* 1 or 2 primes for the exact rank (the larger rank wins) */
    rs_modp modp[2];      /* primes from the seed */
} rs_engine;

/* Per-rank buffers, grown on demand; zero-initialise. */
typedef struct rs_engine_work {
    rs_workspace ws;
    double *J, *G, *scratch;
    size_t J_cap, G_cap, scratch_cap;
    int *S;               /* a row subset (the cell bound's points) */
    size_t S_cap;
    int bound_k;          /* this trial's cell bound |S| (rank J <= bound_k), or -1 */
    int *cells;           /* ... and its cells: first[n], count[n] (rs_pattern_column_classes) */
    size_t cells_cap;
    int bound_v;          /* this trial's neuron bound V once computed, or -1 */
    uint64_t *subbits;    /* the certificate's sub-pattern (points S, first neurons) */
    double *xs;           /* ... and its inputs */
    size_t subbits_cap, xs_cap;
    double *xcoord;       /* the first coordinates of every point (a certificate on fewer of them) */
    size_t xcoord_cap;
    uint64_t *peel;       /* the exact step's peeling: neuron-major rows, kept points, a minor */
    int *keep;            /* ... the points left after it, and the neurons by count */
    size_t peel_cap, keep_cap;
    int peel_from;        /* this trial's peeling: -1 none yet, 0 from all rows, 1 from S */
    int peeled, core;     /* ... the rows it peeled (tests and benchmarks read it), the rows left */
    int core_cols;        /* this peeling's core_columns (engine.c), -3 not yet */
    int colproof;         /* 1: the core's rank was proven by its columns' certificate (tests read it) */
    int *colsel;          /* the core's distinct neurons and their hash table (engine.c) */
    size_t colsel_cap;
} rs_engine_work;

/* 0, or -1 with a message naming rank.method. */
int rs_engine_init(rs_engine *e, const char *method, double rtol, int certify, double verify,
                   int nprimes, uint64_t seed, char *err, size_t errlen);
const char *rs_engine_method_names(void); /* "svd|qrcp|gram|exact|auto" */
/* 0, -1 out of memory or a non-finite input, > 0 a LAPACK info. */
int rs_engine_rank(const rs_engine *e, const rs_rank_problem *pb, rs_engine_work *w,
                   rs_rank_result *res);

/* A serial rank step: the method's own rank, or the exact one. */
typedef int (*rs_rank_step)(const rs_engine *e, const rs_rank_problem *pb, rs_engine_work *w, int *matrank);

/* Where a trial's linear algebra runs when not here with LAPACK: a group of ranks
 * (group.h).  The engine keeps every decision (which certificate on which rows and
 * neurons, which bound, what to verify), so the results do not depend on the backend;
 * the backend only does the heavy steps.  Each function returns 0, or non-zero (the same
 * on every member of a group) with its own message. */
typedef struct rs_engine_backend {
    /* Is the Gram matrix of the points S[0..k) (NULL: all n) over the first m neurons,
     * weighted by w or with unit weights (weighted = 0), shifted by the certificate's rule
     * (rs_matrank_certify_gram with rtol and ref_trace), positive definite? */
    int (*certify_gram)(void *ctx, const rs_rank_problem *pb, const int *S, int k, int m, int weighted,
                        double rtol, double ref_trace, int *proved);
    /* The method's own float rank (svd, gram), with the SVD rule's rtol. */
    int (*rank)(void *ctx, const rs_rank_problem *pb, double rtol, int *matrank);
    /* Run a serial step (the exact rank) on one member and share its answer. */
    int (*on_one)(void *ctx, rs_rank_step step, const rs_engine *e, const rs_rank_problem *pb,
                  rs_engine_work *w, int *matrank);
    int exact_fits; /* the exact step fits one member's memory: verify, else skip it */
    void *ctx;
} rs_engine_backend;

/* rs_engine_rank through a backend (NULL: the same as rs_engine_rank).  On every member
 * of a group, with the same problem. */
int rs_engine_rank_on(const rs_engine *e, const rs_rank_problem *pb, rs_engine_work *w,
                      const rs_engine_backend *be, rs_rank_result *res);
/* 0 if the method's rank does not depend on the output weights v (gram, exact, auto: a
 * non-zero v_j only scales columns), so a trial need not draw them. */
int rs_engine_uses_weights(const rs_engine *e);
/* The cell bound's points (engine.c): the first min(m_c, p) points of each non-zero cell of
 * equal activation columns, ascending, into S (n ints); returns U = |S| >= rank J, or -1
 * out of memory. */
int rs_engine_cell_bound(const rs_pattern *A, int p, int *S, rs_workspace *ws);
void rs_engine_work_free(rs_engine_work *w);

#endif
