/* targets.h - regression targets y for a dataset draw (targets.law).
 *
 * Targets depend on (seed, cell, dataset) only: stream RS_STREAM_TARGET with trial =
 * dataset index, so the patterns_per_dataset trials that share X share y as well.
 * Laws: gaussian y_i ~ N(0,1); uniform U(-1,1); teacher, a random two-layer ReLU network
 * of its own width m, init law and bias on the same inputs (v_k ~ N(0,1)/sqrt(m));
 * poly2, a random polynomial of degree 2 in the inputs with coefficients U(-1,1); file,
 * the rows of a `y` dataset beside data.dataset in data.file matched to the drawn points.
 * All functions are local. */
#ifndef RELUSCAPE_TARGETS_H
#define RELUSCAPE_TARGETS_H

#include <stdint.h>

#include "reluscape/data.h"
#include "reluscape/pattern.h"

typedef enum {
    RS_TARGETS_GAUSSIAN,
    RS_TARGETS_UNIFORM,
    RS_TARGETS_TEACHER,
    RS_TARGETS_POLY2,
    RS_TARGETS_FILE
} rs_targets_law;

typedef struct rs_targets_spec {
    rs_targets_law law;
    int teacher_width;        /* m */
    rs_init_law teacher_init; /* law of the teacher's w (and b) */
    int teacher_bias;         /* the teacher has biases (he: b = 0 anyway) */
    const rs_data_spec *data; /* file law: the data file with its targets */
} rs_targets_spec;

int rs_targets_law_from_name(const char *name); /* -1 if unknown */
const char *rs_targets_law_names(void);         /* "gaussian|uniform|teacher|poly2|file" */

/* y[0..n) for dataset number `dataset` of a cell whose inputs are xt (p x n, p = d0 +
 * bias; the bias row is not an input).  0, or -1 (file law without targets, out of
 * memory). */
int rs_targets_draw(const rs_targets_spec *t, const double *xt, int d0, int p, int n, uint64_t seed,
                    uint64_t cell, uint64_t dataset, double *y);

#endif
