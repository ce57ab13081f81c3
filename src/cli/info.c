/* cli/info.c - `reluscape info`: build facts, library versions and the vocabularies
 * (experiments, rank methods, samplers, laws), each listed from its registry. */
#include <stdio.h>
#include <string.h>

#include "cli/common.h"
#include "provenance.h"
#include "reluscape/cli.h"
#include "reluscape/config.h"
#include "reluscape/data.h"
#include "reluscape/engine.h"
#include "reluscape/experiment.h"
#include "reluscape/h5out.h"
#include "reluscape/pattern.h"

static void usage(FILE *out) { fprintf(out, "usage: reluscape info [--config-doc | --stats-doc]\n"); }

int rs_cmd_info(int argc, char **argv, MPI_Comm comm)
{
    int rank = rs_cli_rank(comm);
    if (rank != 0) return argc > 2 || (argc == 2 && strcmp(argv[1], "--config-doc") && strcmp(argv[1], "--stats-doc") &&
                                       strcmp(argv[1], "-h") && strcmp(argv[1], "--help"))
                              ? RS_EXIT_USAGE
                              : RS_EXIT_OK;
    if (argc == 2 && !strcmp(argv[1], "--config-doc")) {
        rs_config_write_doc(stdout);
        return RS_EXIT_OK;
    }
    if (argc == 2 && !strcmp(argv[1], "--stats-doc")) {
        rs_experiment_write_doc(stdout);
        return RS_EXIT_OK;
    }
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return RS_EXIT_OK;
    }
    if (argc > 1) {
        usage(stderr);
        return RS_EXIT_USAGE;
    }
    rs_fact facts[RS_NFACTS];
    rs_provenance_collect(facts);
    for (int i = 0; i < RS_NFACTS; i++) printf("%-20s %s\n", facts[i].key, facts[i].value);
    printf("%-20s %d\n", "schema_version", RS_SCHEMA_VERSION);
    printf("%-20s %s\n", "experiments", rs_experiment_names());
    for (int i = 0; i < rs_experiment_count(); i++)
        printf("  %-18s %s\n", rs_experiment_at(i)->name, rs_experiment_at(i)->help);
    printf("%-20s %s\n", "rank methods", rs_engine_method_names());
    for (int i = 0; i < rs_method_count(); i++) {
        const rs_method_info *m = rs_method_at(i);
        printf("  %-18s %s%s%s\n", m->name, m->help, m->exact ? "; exact" : "",
               m->group != RS_GROUP_FORM_NONE ? "; distributable (rank.group_size)" : "");
    }
    printf("%-20s %s\n", "pattern samplers", rs_sampler_names());
    printf("%-20s %s\n", "init laws", rs_init_law_names());
    printf("%-20s %s\n", "output weights v", rs_vout_law_names());
    printf("%-20s %s\n", "data laws", rs_data_law_names_list());
    return RS_EXIT_OK;
}
