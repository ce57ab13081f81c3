/* h5file.c - HDF5 files built in memory, saved with POSIX I/O (h5file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5file.h"
#include "util.h"

hid_t rs_h5_create_in_memory(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), f = -1;
    /* 1 MiB growth steps, no backing store: nothing touches the disk until rs_h5_save */
    if (fapl >= 0 && H5Pset_fapl_core(fapl, (size_t)1 << 20, 0) >= 0)
        f = H5Fcreate("reluscape-in-memory.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (fapl >= 0) H5Pclose(fapl);
    return f;
}

/* All of buf to fd, through short writes and signals.  0, or -1 with errno. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

int rs_h5_save(hid_t f, const char *path, char *err, size_t errlen)
{
    char *image = NULL;
    ssize_t size = -1;
    if (H5Fflush(f, H5F_SCOPE_GLOBAL) >= 0) size = H5Fget_file_image(f, NULL, 0);
    if (size > 0 && (image = malloc((size_t)size)) && H5Fget_file_image(f, image, (size_t)size) != size) size = -1;
    H5Fclose(f);
    if (size <= 0 || !image) {
        free(image);
        RS_FMT(err, errlen, "cannot write '%s': %s", path, size <= 0 ? "HDF5 could not build the file" : "out of memory");
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), rc = -1;
    if (fd >= 0 && write_all(fd, image, (size_t)size) == 0 && fsync(fd) == 0) rc = 0;
    int saved = errno;
    if (fd >= 0 && close(fd) != 0 && rc == 0) rc = -1, saved = errno; /* NFS reports here */
    free(image);
    if (rc) {
        RS_FMT(err, errlen, "cannot write '%s': %s", path, strerror(saved));
        if (fd >= 0) remove(path);
    }
    return rc;
}

/* The string type of the file's attributes: variable length, UTF-8. */
static hid_t str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* One attribute of type t over space sp, written from buf. */
static int put_attr(hid_t loc, const char *name, hid_t ftype, hid_t mtype, hid_t sp, const void *buf)
{
    hid_t a = sp >= 0 && ftype >= 0 ? H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    int ok = a >= 0 && H5Awrite(a, mtype, buf) >= 0;
    if (a >= 0 && H5Aclose(a) < 0) ok = 0;
    return ok ? 0 : -1;
}

int rs_h5_put_str(hid_t loc, const char *name, const char *value)
{
    hid_t t = str_type(), sp = H5Screate(H5S_SCALAR);
    int rc = put_attr(loc, name, t, t, sp, &value);
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    return rc;
}

int rs_h5_put_num(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *value)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    int rc = put_attr(loc, name, ftype, mtype, sp, value);
    if (sp >= 0) H5Sclose(sp);
    return rc;
}

int rs_h5_put_strs(hid_t loc, const char *name, const char **values, int count)
{
    hsize_t n = (hsize_t)count;
    hid_t t = str_type(), sp = H5Screate_simple(1, &n, NULL);
    int rc = put_attr(loc, name, t, t, sp, values);
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    return rc;
}
