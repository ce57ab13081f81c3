/* h5read.h - serial HDF5 reading shared by report and merge (private). */
#ifndef RS_CLI_H5READ_H
#define RS_CLI_H5READ_H

#include <hdf5.h>
#include <stddef.h>

char *rs_h5_strdup(const char *s);

/* Open an existing file read-only, telling a missing or unreadable file (the system's
 * words), a file that is not HDF5, and one HDF5 cannot open apart.  Returns the file, or
 * -1 with a message (without the path) in err; *io_error = 1 for the last case. */
hid_t rs_h5_open_read(const char *path, int *io_error, char *err, size_t errlen);

/* 1 if every component of the absolute path exists, 0 if one is missing, -1 on error. */
int rs_h5_exists(hid_t f, const char *path);

/* One-element string attribute (variable or fixed length, ASCII or UTF-8) into a malloc'd
 * string: 1 read, 0 missing, -1 unreadable or not a string. */
int rs_h5_attr_str(hid_t obj, const char *name, char **out);

/* One-element numeric attribute converted to memtype: 1 read, 0 missing, -1 otherwise. */
int rs_h5_attr_num(hid_t obj, const char *name, hid_t memtype, void *out);

/* The whole dataset `path` (rank `rank`) into a new buffer of memtype (8-byte int64 or
 * double).  dims[i] = 0 accepts any extent and is filled in; otherwise it must match.
 * Returns an rs_exit code (RS_EXIT_USAGE: missing or misshapen) with a message in err. */
int rs_h5_read_dset(hid_t f, const char *path, int rank, hsize_t *dims, hid_t memtype, void **buf,
                    char *err, size_t errlen);

#endif
