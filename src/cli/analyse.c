/* cli/analyse.c - `reluscape analyse FILE.h5`: (re)write /theory and /analysis of an
 * existing result file from its /grid and /stats (h5theory.h), so files written before
 * they existed, merged by other tools or made by hand can be analysed.  The file is
 * changed in memory and replaced whole (FILE.h5.partial renamed over it): a failure
 * leaves it as it was. */
#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "cli/h5read.h"
#include "h5file.h"
#include "h5theory.h"
#include "reluscape/cli.h"
#include "reluscape/log.h"
#include "util.h"

static void usage(FILE *out) { fprintf(out, "usage: reluscape analyse FILE.h5\n"); }

static int analyse(const char *path)
{
    char err[RS_ERR_MAX], partial[RS_PATH_MAX + 16];
    int io = 0, rc = RS_EXIT_USAGE;
    hid_t f = rs_h5_open_read(path, &io, err, sizeof err);
    if (f < 0) {
        rs_error("%s: %s", path, err);
        return io ? RS_EXIT_FAILURE : RS_EXIT_USAGE;
    }
    int64_t bias = 0;
    char *mode = NULL;
    int have_bias = rs_h5_attr_num(f, "data.bias", H5T_NATIVE_INT64, &bias), have_mode = rs_h5_attr_str(f, "sweep.mode", &mode);
    H5Fclose(f);
    if (have_bias != 1 || (bias != 0 && bias != 1) || have_mode < 0) {
        rs_error("%s: %s", path, have_mode < 0 ? "root attribute 'sweep.mode' is not a string"
                                              : "root attribute 'data.bias' missing or not 0/1 (p = d0 + data.bias)");
        free(mode);
        return RS_EXIT_USAGE;
    }
    int exhaustive = have_mode == 1 && !strcmp(mode, "exhaustive");
    free(mode);
    if (strlen(path) > RS_PATH_MAX) {
        rs_error("%s: path longer than %d characters", path, RS_PATH_MAX);
        return RS_EXIT_USAGE;
    }
    RS_FMT(partial, sizeof partial, "%s.partial", path);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    f = -1;
    if (fapl >= 0 && H5Pset_fapl_core(fapl, (size_t)1 << 20, 0) >= 0) /* in memory: the disk file is untouched */
        H5E_BEGIN_TRY { f = H5Fopen(path, H5F_ACC_RDWR, fapl); }
    H5E_END_TRY;
    if (fapl >= 0) H5Pclose(fapl);
    if (f < 0) {
        rs_error("%s: HDF5 cannot open it for writing", path);
        return RS_EXIT_FAILURE;
    }
    int t = rs_h5_write_theory(f, (int)bias, exhaustive, err, sizeof err);
    if (t) {
        rs_error("%s: %s", path, err);
        H5Fclose(f);
        return t == -1 ? RS_EXIT_USAGE : RS_EXIT_FAILURE;
    }
    if (rs_h5_save(f, partial, err, sizeof err)) {
        rs_error("%s", err);
        return RS_EXIT_FAILURE;
    }
    if (rename(partial, path) != 0) {
        rs_error("cannot rename '%s' to '%s': %s", partial, path, strerror(errno));
        remove(partial);
        return RS_EXIT_FAILURE;
    }
    rc = RS_EXIT_OK;
    rs_info("%s: /theory and /analysis written", path);
    return rc;
}

int rs_cmd_analyse(int argc, char **argv, MPI_Comm comm)
{
    if (rs_cli_rank(comm) != 0) return argc == 2 && argv[1][0] != '-' ? RS_EXIT_OK : RS_EXIT_USAGE;
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return RS_EXIT_OK;
    }
    if (argc != 2 || argv[1][0] == '-') {
        usage(stderr);
        return RS_EXIT_USAGE;
    }
    return analyse(argv[1]);
}
