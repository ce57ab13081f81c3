/* cli/info.c - `reluscape info`: build facts, library versions and features. */
#include <stdio.h>
#include <string.h>

#include "provenance.h"
#include "reluscape/cli.h"
#include "reluscape/config.h"
#include "reluscape/h5out.h"
#include "reluscape/matrank.h"
#include "reluscape/pattern.h"

int rs_cmd_info(int argc, char **argv, MPI_Comm comm)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    if (rank != 0) return RS_EXIT_OK;
    if (argc > 1 && !strcmp(argv[1], "--config-doc")) {
        rs_config_write_doc(stdout);
        return RS_EXIT_OK;
    }
    if (argc > 1) {
        fprintf(stderr, "usage: reluscape info [--config-doc]\n");
        return RS_EXIT_USAGE;
    }
    rs_fact facts[RS_NFACTS];
    rs_provenance_collect(facts);
    for (int i = 0; i < RS_NFACTS; i++) printf("%-20s %s\n", facts[i].key, facts[i].value);
    printf("%-20s %d\n", "schema_version", RS_SCHEMA_VERSION);
    printf("%-20s %s\n", "rank methods", rs_matrank_names());
    printf("%-20s %s\n", "pattern samplers", rs_sampler_names());
    printf("%-20s %s\n", "data laws", "gaussian|uniform|uniform01|sphere|file");
    return RS_EXIT_OK;
}
