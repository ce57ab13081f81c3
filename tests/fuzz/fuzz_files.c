/* fuzz_files.c - libFuzzer target: the readers of files a user hands to reluscape, on any
 * bytes written to a scratch file: a checkpoint (--resume), a result file (report) and a
 * data file (data.law = file).  Each must read or refuse; none may crash or leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "reluscape/checkpoint.h"
#include "reluscape/cli.h"
#include "reluscape/config.h"
#include "reluscape/data.h"

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(path, sizeof path, "/dev/shm/rs-fuzz-%d.h5", (int)getpid());
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* refusals are the normal case here */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);

    char err[RS_ERR_MAX];
    uint8_t done[64];
    int64_t stats[64];
    rs_checkpoint expect = {.config = "[grid]\nd0 = 1\n", .nunits = 64, .shard_index = 0, .shard_count = 1,
                            .nstats = 64};
    rs_start *starts = NULL;
    int64_t nstarts = 0;
    rs_checkpoint_read(path, &expect, done, stats, &starts, &nstarts, err, sizeof err);
    free(starts);

    rs_data_file df;
    if (rs_data_file_load(path, "X", &df, err, sizeof err) == 0) {
        rs_data_file_load_targets(path, "y", &df, err, sizeof err);
        rs_data_file_free(&df);
    }

    char *argv[] = {"report", path, NULL}; /* run with -close_fd_mask=3: its output is noise */
    rs_cmd_report(2, argv, MPI_COMM_NULL);
    return 0;
}
