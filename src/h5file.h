/* h5file.h - HDF5 files built in memory and saved with plain POSIX I/O (private).
 *
 * The result file and the checkpoint are small next to memory.  Building them with HDF5's
 * core driver and writing the image ourselves keeps every I/O error (ENOSPC, EFBIG, EIO)
 * in one place with its errno, and leaves HDF5 in a clean state when the disk fails: a
 * failed H5Fclose on a real file leaves a half-closed file that HDF5 tries to close again
 * at exit (a crash inside MPI_Finalize).  Local; serial. */
#ifndef RS_H5FILE_H
#define RS_H5FILE_H

#include <hdf5.h>
#include <stddef.h>

/* A new, empty HDF5 file in memory, or -1. */
hid_t rs_h5_create_in_memory(void);

/* Write the image of the in-memory file f to PATH (created or truncated, fsync'ed) and
 * close f.  0, or -1 with "cannot write 'PATH': cause" in err and PATH removed. */
int rs_h5_save(hid_t f, const char *path, char *err, size_t errlen);

/* Attribute writers (0, or -1; HDF5's error stack is the caller's to print or silence):
 * a variable-length UTF-8 string, a scalar of file type ftype from memory type mtype, and
 * a 1-D array of count strings. */
int rs_h5_put_str(hid_t loc, const char *name, const char *value);
int rs_h5_put_num(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *value);
int rs_h5_put_strs(hid_t loc, const char *name, const char **values, int count);

#endif
