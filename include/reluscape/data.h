/* data.h - dataset draws X~ (inputs with optional bias column).
 *
 * Layout: X~ is p x n column-major, p = d0 + bias; column i is x~_i = (x_i, 1 if bias).
 * A dataset draw uses stream RS_STREAM_DATA (and RS_STREAM_SUBSET for file data) with
 * trial = dataset index, so several patterns can share one generic X. */
#ifndef RELUSCAPE_DATA_H
#define RELUSCAPE_DATA_H

#include <stdint.h>
#include "reluscape/rng.h"

typedef enum {
    RS_DATA_GAUSSIAN,  /* N(0,1) entries */
    RS_DATA_UNIFORM,   /* U(-1,1) entries */
    RS_DATA_UNIFORM01, /* U[0,1) entries (the authors' choice) */
    RS_DATA_SPHERE,    /* uniform on the unit sphere S^{d0-1} */
    RS_DATA_FILE       /* random n-row subset of a user's n_total x d0 matrix */
} rs_data_law;

/* A user dataset held in memory: row-major n_total x d0 (as stored in HDF5). */
typedef struct rs_data_file {
    int64_t n_total;
    int d0;
    double *rows;
    double *y;     /* [n_total] targets (targets.law = file), or NULL */
} rs_data_file;

typedef struct rs_data_spec {
    rs_data_law law;
    int bias;                   /* append constant 1 */
    const rs_data_file *file;   /* law == RS_DATA_FILE only */
} rs_data_spec;

/* Name <-> law ("gaussian", "uniform", "uniform01", "sphere", "file"). -1 if unknown. */
int rs_data_law_from_name(const char *name);
const char *rs_data_law_name(rs_data_law law);
const char *rs_data_law_names_list(void); /* "gaussian|uniform|uniform01|sphere|file" */

/* Draw dataset number `dataset` of a cell into xt (p*n doubles). Local. Returns 0, or -1
 * if the draw is impossible (file law with n > n_total or d0 mismatch). */
int rs_data_draw(const rs_data_spec *spec, int d0, int n, uint64_t seed, uint64_t cell,
                 uint64_t dataset, double *xt);

/* Load an HDF5 dataset of shape n_total x d0 (any float type, converted to double).
 * Serial (call on one rank, then broadcast).  Returns 0, or -1 with a message in err
 * naming the file and dataset (unreadable, not 2-D, empty, NaN/Inf at row r column c). */
int rs_data_file_load(const char *path, const char *dataset, rs_data_file *out,
                      char *err, size_t errlen);
/* Targets for the file's rows: a 1-D dataset (or n_total x 1) of n_total finite numbers
 * into df->y.  0, or -1 with a message naming the file, dataset and key. */
int rs_data_file_load_targets(const char *path, const char *dataset, rs_data_file *df, char *err, size_t errlen);
/* The targets of dataset draw `dataset`: y[i] belongs to the row drawn as point i. Local.
 * 0, or -1 (not a file law, or no targets loaded). */
int rs_data_draw_targets(const rs_data_spec *spec, int d0, int n, uint64_t seed, uint64_t cell, uint64_t dataset,
                         double *y);
void rs_data_file_free(rs_data_file *f);

#endif
