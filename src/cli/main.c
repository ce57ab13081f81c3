/* cli/main.c - subcommand dispatch and global options. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/common.h"
#include "reluscape/cli.h"
#include "reluscape/log.h"
#include "util.h"

#if HAVE_OPENBLAS
void openblas_set_num_threads(int);
char *openblas_get_corename(void);
#endif

static const struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv, MPI_Comm comm);
    int mpi; /* needs MPI; else runs on MPI_COMM_NULL without MPI_Init */
    const char *help;
} subcommands[] = {
    {"run", rs_cmd_run, 1, "run a sweep: reluscape run CONFIG.ini [--set key=value]... [-o FILE.h5] [--force]"},
    {"merge", rs_cmd_merge, 1, "combine job-array parts (run --shard i/N): reluscape merge -o OUT.h5 [--force] PART.h5..."},
    {"plan", rs_cmd_plan, 1, "size a sweep (cost, core-hours, memory, ranks; --sbatch): reluscape plan CONFIG.ini"},
    {"report", rs_cmd_report, 0, "summarise a result file with a terminal heatmap: reluscape report FILE.h5"},
    {"analyse", rs_cmd_analyse, 0, "(re)write /theory and /analysis of a result file from its /stats: reluscape analyse FILE.h5"},
    {"info", rs_cmd_info, 0, "build configuration, library versions and features"},
};

int rs_needs_mpi(int argc, char **argv)
{
    int i = 1;
    while (i < argc && argv[i][0] == '-') i++; /* global options; --help and --version need none */
    if (i >= argc) return 0;
    for (size_t k = 0; k < RS_ARRAY_LEN(subcommands); k++)
        if (!strcmp(argv[i], subcommands[k].name)) return subcommands[k].mpi;
    return 0; /* an unknown command is refused without MPI */
}

static void usage(FILE *out)
{
    fprintf(out, "usage: reluscape [-q|-v] COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < RS_ARRAY_LEN(subcommands); i++)
        fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].help);
    fprintf(out, "\noptions: -q quiet (errors only), -v verbose (debug), --version, -h help\n"
                 "Run under mpiexec -n N or srun for N ranks; without a launcher it runs as one rank.\n");
}

/* OpenBLAS fixes its threads and its kernels when it is loaded, before main, from the
 * environment; reluscape sets what it needs there and starts again, once (an exec fails:
 * it goes on as it is).
 * - Threads: with more than one, the idle BLAS threads spin after BLAS calls (as much CPU
 *   again as the sweep, on a core another rank needs), whatever openblas_set_num_threads
 *   says later: OPENBLAS_NUM_THREADS=1 unless it or OMP_NUM_THREADS is set.
 * - Kernels: on a CPU it does not know (a virtual machine's "Intel Xeon Processor")
 *   OpenBLAS falls back to Prescott's SSE3 kernels; when the CPU has AVX2 and FMA the
 *   Haswell kernels are 1.5x faster on the Gram matrices (OPENBLAS_CORETYPE=Haswell,
 *   unless it is set).  Each setting is noted in RELUSCAPE_BLAS_SET for the -v log. */
void rs_blas_environment(char **argv)
{
#if HAVE_OPENBLAS && defined(__linux__) && (defined(__x86_64__) || defined(__i386__))
    if (getenv("RELUSCAPE_BLAS_SET")) return; /* started again already */
    char set[64] = "";
    if (!getenv("OPENBLAS_NUM_THREADS") && !getenv("OMP_NUM_THREADS") && !setenv("OPENBLAS_NUM_THREADS", "1", 1))
        strcat(set, " OPENBLAS_NUM_THREADS=1");
    const char *core = openblas_get_corename();
    __builtin_cpu_init();
    if (!getenv("OPENBLAS_CORETYPE") && core && !strcasecmp(core, "prescott") && __builtin_cpu_supports("avx2") &&
        __builtin_cpu_supports("fma") && !setenv("OPENBLAS_CORETYPE", "Haswell", 1))
        strcat(set, " OPENBLAS_CORETYPE=Haswell");
    if (set[0] && !setenv("RELUSCAPE_BLAS_SET", set + 1, 1)) execv("/proc/self/exe", argv);
#else
    (void)argv;
#endif
}

int rs_main(int argc, char **argv, MPI_Comm comm)
{
    int rank = rs_cli_rank(comm);
    int level = RS_LOG_INFO, i = 1;
#if HAVE_OPENBLAS
    /* one BLAS thread per MPI rank unless the user asked otherwise */
    if (!getenv("OPENBLAS_NUM_THREADS") && !getenv("OMP_NUM_THREADS")) openblas_set_num_threads(1);
#endif
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
            level = RS_LOG_QUIET;
        else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
            level = RS_LOG_DEBUG;
        else if (!strcmp(argv[i], "--version")) {
            if (rank == 0) printf("reluscape %s\n", PACKAGE_VERSION);
            return RS_EXIT_OK;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            if (rank == 0) usage(stdout);
            return RS_EXIT_OK;
        } else {
            if (rank == 0) {
                rs_error("unknown option '%s'", argv[i]);
                usage(stderr);
            }
            return RS_EXIT_USAGE;
        }
    }
    rs_log_set(level, rank);
    if (getenv("RELUSCAPE_BLAS_SET"))
        rs_debug("set at start: %s (set them in the environment to choose otherwise)", getenv("RELUSCAPE_BLAS_SET"));
    if (i >= argc) {
        if (rank == 0) usage(stderr);
        return RS_EXIT_USAGE;
    }
    for (size_t k = 0; k < RS_ARRAY_LEN(subcommands); k++)
        if (!strcmp(argv[i], subcommands[k].name)) return subcommands[k].run(argc - i, argv + i, comm);
    if (rank == 0) {
        rs_error("unknown command '%s'", argv[i]);
        usage(stderr);
    }
    return RS_EXIT_USAGE;
}
