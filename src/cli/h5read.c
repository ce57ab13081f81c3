/* h5read.c - serial HDF5 reading for report and merge: attributes of any string or
 * numeric type, whole datasets with shape checks, and messages instead of HDF5's stack. */
#include <errno.h>
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/h5read.h"
#include "reluscape/cli.h"

char *rs_h5_strdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = malloc(len);
    if (d) memcpy(d, s, len);
    return d;
}

/* 1 if every component of the absolute path exists, 0 if one is missing, -1 on error.
 * (H5Lexists fails rather than answering "no" when a parent group is missing.) */
int rs_h5_exists(hid_t f, const char *path)
{
    char buf[256];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf) return -1;
    memcpy(buf, path, len + 1);
    for (char *s = buf + 1;; s++) {
        if (*s != '/' && *s != '\0') continue;
        char c = *s;
        *s = '\0';
        htri_t e = H5Lexists(f, buf, H5P_DEFAULT);
        if (e <= 0) return e < 0 ? -1 : 0;
        *s = c;
        if (c == '\0') return 1;
    }
}

/* Open a one-element attribute: 1 opened, 0 missing, -1 error. */
static int attr_open(hid_t obj, const char *name, hid_t *a)
{
    hid_t sp = H5I_INVALID_HID;
    htri_t e = H5Aexists(obj, name);
    if (e <= 0) return e < 0 ? -1 : 0;
    if ((*a = H5Aopen(obj, name, H5P_DEFAULT)) < 0) return -1;
    if ((sp = H5Aget_space(*a)) < 0 || H5Sget_simple_extent_npoints(sp) != 1) {
        if (sp >= 0) H5Sclose(sp);
        H5Aclose(*a);
        return -1;
    }
    H5Sclose(sp);
    return 1;
}

/* String attribute, variable- or fixed-length, into a malloc'd string.
 * 1 read, 0 missing, -1 unreadable or not a string. */
int rs_h5_attr_str(hid_t obj, const char *name, char **out)
{
    hid_t a = H5I_INVALID_HID, ft = H5I_INVALID_HID, mt = H5I_INVALID_HID;
    int rc = -1;
    *out = NULL;
    int o = attr_open(obj, name, &a);
    if (o <= 0) return o;
    if ((ft = H5Aget_type(a)) < 0 || H5Tget_class(ft) != H5T_STRING) goto done;
    htri_t vlen = H5Tis_variable_str(ft);
    H5T_cset_t cset = H5Tget_cset(ft);
    if (vlen < 0 || cset == H5T_CSET_ERROR) goto done;
    /* same character set as the file: HDF5 refuses ASCII <-> UTF-8 conversion */
    if ((mt = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_cset(mt, cset) < 0) goto done;
    if (vlen) {
        char *s = NULL;
        if (H5Tset_size(mt, H5T_VARIABLE) < 0 || H5Aread(a, mt, &s) < 0) goto done;
        *out = rs_h5_strdup(s ? s : "");
        H5free_memory(s);
    } else {
        size_t sz = H5Tget_size(ft);
        if (sz == 0) goto done;
        char *s = calloc(sz + 1, 1);
        if (!s) goto done;
        if (H5Tset_size(mt, sz + 1) < 0 || H5Tset_strpad(mt, H5T_STR_NULLTERM) < 0 ||
            H5Aread(a, mt, s) < 0) {
            free(s);
            goto done;
        }
        *out = s;
    }
    rc = *out ? 1 : -1;
done:
    if (mt >= 0) H5Tclose(mt);
    if (ft >= 0) H5Tclose(ft);
    H5Aclose(a);
    return rc;
}

/* Numeric attribute converted to memtype: 1 read, 0 missing, -1 unreadable or not a number. */
int rs_h5_attr_num(hid_t obj, const char *name, hid_t memtype, void *out)
{
    hid_t a = H5I_INVALID_HID, ft = H5I_INVALID_HID;
    int rc = -1;
    int o = attr_open(obj, name, &a);
    if (o <= 0) return o;
    if ((ft = H5Aget_type(a)) < 0) goto done;
    H5T_class_t cls = H5Tget_class(ft);
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) goto done;
    if (H5Aread(a, memtype, out) < 0) goto done;
    rc = 1;
done:
    if (ft >= 0) H5Tclose(ft);
    H5Aclose(a);
    return rc;
}

/* Read the whole dataset `path` of rank `rank` into a new buffer of memtype (int64 or
 * double).  dims[i] = 0 accepts any extent and is filled in; otherwise the extent must
 * match.  Returns an rs_exit code with a message in err. */
int rs_h5_read_dset(hid_t f, const char *path, int rank, hsize_t *dims, hid_t memtype,
                        void **buf, char *err, size_t errlen)
{
    hid_t d = H5I_INVALID_HID, sp = H5I_INVALID_HID, ft = H5I_INVALID_HID;
    hsize_t got[H5S_MAX_RANK];
    int rc = RS_EXIT_USAGE;
    int want_int = H5Tget_class(memtype) == H5T_INTEGER;
    *buf = NULL;
    int e = rs_h5_exists(f, path);
    if (e <= 0) {
        snprintf(err, errlen, "missing %s", path);
        return e < 0 ? RS_EXIT_FAILURE : RS_EXIT_USAGE;
    }
    if ((d = H5Dopen2(f, path, H5P_DEFAULT)) < 0) {
        snprintf(err, errlen, "%s is not a dataset", path);
        goto done;
    }
    if ((ft = H5Dget_type(d)) < 0 || (sp = H5Dget_space(d)) < 0) {
        snprintf(err, errlen, "cannot read the type or shape of %s", path);
        rc = RS_EXIT_FAILURE;
        goto done;
    }
    H5T_class_t cls = H5Tget_class(ft);
    if (want_int ? cls != H5T_INTEGER : (cls != H5T_FLOAT && cls != H5T_INTEGER)) {
        snprintf(err, errlen, "%s is not %s dataset", path, want_int ? "an integer" : "a numeric");
        goto done;
    }
    int r = H5Sget_simple_extent_ndims(sp);
    if (r != rank || H5Sget_simple_extent_dims(sp, got, NULL) < 0) {
        snprintf(err, errlen, "%s has %d dimensions, expected %d", path, r, rank);
        goto done;
    }
    size_t count = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] != 0 && got[i] != dims[i]) {
            char have[128] = "", want[128] = "";
            for (int k = 0; k < rank; k++) {
                size_t lh = strlen(have), lw = strlen(want);
                snprintf(have + lh, sizeof have - lh, "%s%llu", k ? "," : "",
                         (unsigned long long)got[k]);
                snprintf(want + lw, sizeof want - lw, "%s%llu", k ? "," : "",
                         (unsigned long long)dims[k]);
            }
            snprintf(err, errlen, "%s has shape [%s], expected [%s]", path, have, want);
            goto done;
        }
        dims[i] = got[i];
        if (got[i] == 0 || got[i] > (hsize_t)INT32_MAX || count > SIZE_MAX / 8 / got[i]) {
            snprintf(err, errlen, "%s has an empty or absurd extent %llu", path,
                     (unsigned long long)got[i]);
            goto done;
        }
        count *= (size_t)got[i];
    }
    if (!(*buf = malloc(count * 8))) {
        snprintf(err, errlen, "out of memory reading %s", path);
        rc = RS_EXIT_FAILURE;
        goto done;
    }
    if (H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *buf) < 0) {
        snprintf(err, errlen, "cannot read %s", path);
        free(*buf);
        *buf = NULL;
        rc = RS_EXIT_FAILURE;
        goto done;
    }
    rc = RS_EXIT_OK;
done:
    if (sp >= 0) H5Sclose(sp);
    if (ft >= 0) H5Tclose(ft);
    if (d >= 0) H5Dclose(d);
    return rc;
}


hid_t rs_h5_open_read(const char *path, int *io_error, char *err, size_t errlen)
{
    *io_error = 0;
    /* a plain open first, so that "no such file" says so in the system's words */
    FILE *probe = fopen(path, "rb");
    if (!probe) return snprintf(err, errlen, "cannot read: %s", strerror(errno)), -1;
    fclose(probe);
#if H5_VERSION_GE(1, 12, 0)
    htri_t is_h5 = H5Fis_accessible(path, H5P_DEFAULT);
#else
    htri_t is_h5 = H5Fis_hdf5(path);
#endif
    if (is_h5 <= 0) return snprintf(err, errlen, "not an HDF5 file"), -1;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        *io_error = 1;
        snprintf(err, errlen, "cannot open the HDF5 file (truncated or damaged, or still being written?)");
    }
    return f;
}
