/* h5theory.h - the groups /theory and /analysis of a result file (docs/hdf5-schema.md),
 * computed from what the file already holds: the axes and per-cell d0 in /grid, the
 * counts trials, full_rank and realizable_rows in /stats.  The one implementation behind
 * the writer (run, merge) and `reluscape analyse` (older and synthetic files).  Local;
 * serial HDF5 (private). */
#ifndef RS_H5THEORY_H
#define RS_H5THEORY_H

#include <hdf5.h>
#include <stddef.h>

/* (Re)write /theory and /analysis of the open writable file f (any existing ones are
 * detached from the axes and unlinked).  bias: data.bias; exhaustive: sweep.mode =
 * exhaustive (the exact fractions are written).  0; -1 with a message in err when the
 * file lacks what they are computed from (RS_EXIT_USAGE material) or -2 when HDF5 failed
 * (its error stack printed). */
int rs_h5_write_theory(hid_t f, int bias, int exhaustive, char *err, size_t errlen);

#endif
