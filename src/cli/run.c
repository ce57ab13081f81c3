/* cli/run.c - `reluscape run CONFIG.ini [--set key=value]... [-o FILE.h5] [--force]`.
 *
 * Rank 0 reads the config (and a user dataset), broadcasts the bytes, and every rank
 * parses them the same way, so all ranks reach the same decision.  Input errors exit 2
 * before any output is created; an existing output is never touched without --force, and
 * even then it is only replaced by a complete new file (written as FILE.partial). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/common.h"
#include "provenance.h"
#include "reluscape/cli.h"
#include "reluscape/config.h"
#include "reluscape/experiment.h"
#include "reluscape/footprint.h"
#include "reluscape/group.h"
#include "reluscape/h5out.h"
#include "reluscape/log.h"
#include "reluscape/pattern.h"
#include "reluscape/sweep.h"
#include "util.h"

typedef struct run_args {
    const char *config_path;
    const char *output;
    int force, print_config, resume;
    long long shard_index, shard_count;
    int nset;
    char **set;
} run_args;

static void run_usage(FILE *out)
{
    fprintf(out,
            "usage: reluscape run CONFIG.ini [--set section.key=value]... [-o FILE.h5] [--force] [--print-config]\n"
            "  --set k=v        override a config key (repeatable), e.g. --set rank.method=qrcp\n"
            "  -o FILE.h5       output file (default: output.file of the config)\n"
            "  --force          replace an existing output file (only once the new one is complete)\n"
            "  --resume         continue from FILE.h5.ckpt (the last checkpoint) if it exists\n"
            "  --shard i/N      run part i (0 <= i < N) of the work, for job arrays; merge the parts\n"
            "                   with `reluscape merge`\n"
            "  --print-config   print the effective configuration and exit\n"
            "Keys: docs/config.md or `reluscape info --config-doc`.\n");
}

/* Local (same result on every rank). 0 ok, 1 help printed, -1 usage error. */
static int parse_args(int argc, char **argv, run_args *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->shard_count = 1;
    a->set = rs_calloc((size_t)argc, sizeof *a->set);
    if (!a->set) return RS_FMT(err, errlen, "out of memory"), -1;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-h") || !strcmp(s, "--help")) return 1;
        if (!strcmp(s, "--force"))
            a->force = 1;
        else if (!strcmp(s, "--resume"))
            a->resume = 1;
        else if (!strcmp(s, "--shard") || !strncmp(s, "--shard=", 8)) {
            const char *v = s[7] == '=' ? s + 8 : (i + 1 < argc ? argv[++i] : NULL);
            char tail;
            errno = 0; /* sscanf clamps an overflowing number to LLONG_MAX and sets ERANGE */
            if (!v || sscanf(v, "%lld/%lld%c", &a->shard_index, &a->shard_count, &tail) != 2 || errno == ERANGE ||
                a->shard_count < 1 || a->shard_index < 0 || a->shard_index >= a->shard_count ||
                a->shard_count > 1000000000)
                return RS_FMT(err, errlen, "--shard takes i/N with 0 <= i < N <= 10^9, e.g. --shard 3/8 (got '%s')",
                              v ? v : ""), -1;
        }
        else if (!strcmp(s, "--print-config"))
            a->print_config = 1;
        else if (!strcmp(s, "--set") || !strcmp(s, "-o")) {
            if (i + 1 >= argc) return RS_FMT(err, errlen, "%s needs a value", s), -1;
            if (s[1] == 'o')
                a->output = argv[++i];
            else
                a->set[a->nset++] = argv[++i];
        } else if (!strncmp(s, "--set=", 6))
            a->set[a->nset++] = (char *)s + 6;
        else if (s[0] == '-')
            return RS_FMT(err, errlen, "unknown option '%s'", s), -1;
        else if (a->config_path)
            return RS_FMT(err, errlen, "more than one config file given ('%s' and '%s')", a->config_path, s), -1;
        else
            a->config_path = s;
    }
    if (!a->config_path) return RS_FMT(err, errlen, "no config file given"), -1;
    return 0;
}

/* Rank 0 loads and checks a user dataset against the grid; every rank gets a copy. */
/* Collective: rank 0's count doubles on every rank, in chunks that keep each count
 * within int for large files. */
static void bcast_doubles(double *v, long long count, MPI_Comm comm)
{
    const long long chunk = 1 << 26;
    for (long long off = 0; off < count; off += chunk)
        RS_MPI_CHECK(MPI_Bcast(v + off, (int)(count - off < chunk ? count - off : chunk), MPI_DOUBLE, 0, comm));
}

static int load_data_file(const rs_config *cfg, const char *cfgname, rs_data_file *df, MPI_Comm comm,
                          int rank, char *err, size_t errlen)
{
    int bad = 0;
    if (rank == 0) {
        bad = rs_cli_load_data(cfg, cfgname, df, err, errlen) != 0;
    }
    RS_MPI_CHECK(MPI_Bcast(&bad, 1, MPI_INT, 0, comm));
    if (bad) return -1;
    long long shape[3] = {df->n_total, df->d0, df->y != NULL};
    RS_MPI_CHECK(MPI_Bcast(shape, 3, MPI_LONG_LONG, 0, comm));
    if (rank != 0) {
        df->n_total = shape[0];
        df->d0 = (int)shape[1];
        df->rows = malloc((size_t)(shape[0] * shape[1]) * sizeof(double));
        df->y = shape[2] ? malloc((size_t)shape[0] * sizeof(double)) : NULL;
        if (!df->rows || (shape[2] && !df->y)) rs_mpi_fail(MPI_ERR_NO_MEM, "malloc", __FILE__, __LINE__);
    }
    bcast_doubles(df->rows, shape[0] * shape[1], comm);
    if (shape[2]) bcast_doubles(df->y, shape[0], comm);
    return 0;
}

static void on_stop_signal(int sig)
{
    (void)sig;
    rs_sweep_request_stop();
}

/* SLURM sends SIGTERM at the time limit (or --signal=USR1@T before it); Ctrl-C is SIGINT.
 * Each ends the run at a work-unit boundary with a checkpoint. */
static void install_stop_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

int rs_cmd_run(int argc, char **argv, MPI_Comm comm)
{
    int rank, size, rc = RS_EXIT_USAGE;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    char err[RS_ERR_MAX] = "";
    run_args a;
    rs_config cfg;
    rs_grid grid = {0};
    rs_stats st = {0};
    rs_run_report rep = {0};
    rs_data_file df = {0};
    char *effective = NULL, *science = NULL, *cmdline = NULL;
    int parsed = 0;

    int pa = parse_args(argc, argv, &a, err, sizeof err);
    if (pa != 0) {
        if (rank == 0) {
            if (pa < 0) rs_error("run: %s", err);
            run_usage(pa < 0 ? stderr : stdout);
        }
        rc = pa > 0 ? RS_EXIT_OK : RS_EXIT_USAGE;
        goto done;
    }
    if (!(parsed = rs_cli_load_config(a.config_path, a.nset, a.set, a.output, comm, rank, &cfg))) goto done;
    effective = rs_config_effective_text(&cfg);
    if (!effective) goto done;
    if (a.print_config) {
        if (rank == 0) fputs(effective, stdout);
        rc = RS_EXIT_OK;
        goto done;
    }
    if (rs_grid_build(&cfg, a.config_path, &grid, err, sizeof err)) {
        if (rank == 0) rs_error("%s", err);
        goto done;
    }
    const rs_experiment *exp = rs_experiment_lookup(cfg.experiment);
    rs_experiment_set_costs(exp, &cfg, &grid);
    const char *mem_source = "rank.mem_per_rank";
    int64_t mem = cfg.mem_per_rank ? cfg.mem_per_rank : rs_mem_per_rank_auto(comm, &mem_source);
    if (rs_memory_check(&cfg, &grid, exp->bytes, size, mem, a.config_path, err, sizeof err)) {
        if (rank == 0) rs_error("%s (from %s)", err, mem_source);
        goto done;
    }
    const char *inputs[] = {a.config_path, rs_data_law_from_name(cfg.data_law) == RS_DATA_FILE ? cfg.data_file : NULL,
                            NULL};
    int bad = rank == 0 && rs_cli_check_output(cfg.output, a.force, inputs, err, sizeof err);
    if (bad) rs_error("%s", err);
    if (rs_any_true(bad, comm)) goto done;
    rs_data_spec data = {.law = (rs_data_law)rs_data_law_from_name(cfg.data_law), .bias = cfg.bias};
    if (data.law == RS_DATA_FILE) {
        if (load_data_file(&cfg, a.config_path, &df, comm, rank, err, sizeof err)) {
            if (rank == 0) rs_error("%s", err);
            goto done;
        }
        data.file = &df;
    }

    rc = RS_EXIT_FAILURE;
    if (rs_any_true(rs_stats_alloc(&st, exp->stats, exp->nstats, &cfg, &grid) != 0, comm)) {
        rs_error("out of memory for the statistics of %d cells", grid.ncells);
        goto done;
    }
    char part[64] = ""; /* a shard runs part of the grid: sweep.c says how much */
    if (a.shard_count > 1) RS_FMT(part, sizeof part, "shard %lld/%lld of ", a.shard_index, a.shard_count);
    rs_info("reluscape %s: %s%d cells x %lld trials on %d rank%s (experiment %s, sampler %s, data %s, rank %s) -> %s",
            PACKAGE_VERSION, part, grid.ncells, (long long)cfg.trials, size, size == 1 ? "" : "s", cfg.experiment,
            cfg.sampler, cfg.data_law, cfg.rank_method, cfg.output);
    const rs_sampler *sampler = rs_sampler_lookup(cfg.sampler);
    rs_sampler_params prm = {.p = cfg.bernoulli_p, .init = (rs_init_law)rs_init_law_from_name(cfg.init_law),
                             .bias = cfg.bias};
    const char *reach = sampler->reach ? sampler->reach(&prm) : NULL;
    if (reach) rs_info("warning: %s", reach);
    if (cfg.group_size > 1) {
        int gs = cfg.group_size < size ? (int)cfg.group_size : size, nprow, npcol;
        rs_blacs_shape(gs, &nprow, &npcol);
        double need = 0;
        for (int c = 0; c < grid.ncells; c++) {
            double b = exp->bytes(&cfg, &grid.cells[c], gs);
            if (b > need) need = b;
        }
        rs_info("groups of %d ranks (%d x %d BLACS grid)%s; the largest trial needs %.1f MiB per rank of "
                "%.1f MiB (%s)", gs, nprow, npcol, size % gs ? ", the last one smaller" : "",
                need / 1048576.0, (double)mem / 1048576.0, mem_source);
    }
    char created[64], ckpt[RS_PATH_MAX + 8];
    rs_iso8601_now(created, sizeof created);
    RS_FMT(ckpt, sizeof ckpt, "%s.ckpt", cfg.output);
    science = rs_config_science_text(&cfg);
    if (!science) goto done;
    rs_sweep_opts opts = {.shard_index = a.shard_index, .shard_count = a.shard_count, .checkpoint = ckpt,
                          .checkpoint_seconds = cfg.checkpoint_seconds, .resume = a.resume,
                          .config_text = science, .mem_per_rank = mem};
    install_stop_handlers();
    int status = rs_sweep_run(&cfg, &grid, &data, comm, &opts, &st, &rep);
    if (status == RS_SWEEP_BAD_CHECKPOINT) rc = RS_EXIT_USAGE;
    if (status == RS_SWEEP_STOPPED) {
        rs_info("stopped on request after a checkpoint: continue with the same command and --resume");
        rc = RS_EXIT_CHECKPOINTED;
    }
    if (status != RS_SWEEP_DONE) goto done;

    cmdline = rs_cli_command_line(argc, argv);
    RS_MPI_CHECK(MPI_Bcast(created, sizeof created, MPI_CHAR, 0, comm));
    if (rep.nstarts > 1 && rep.starts[0].begin > 0) { /* a resumed run was created by its first start */
        time_t first = (time_t)rep.starts[0].begin;
        struct tm tm;
        gmtime_r(&first, &tm);
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    rs_provenance prov = {.command_line = cmdline ? cmdline : "", .config_text = effective,
                          .created = created, .nranks = size, .shard_index = a.shard_index,
                          .shard_count = a.shard_count};
    if (rs_h5_write(cfg.output, &cfg, &grid, &st, &rep, &prov, comm)) goto done;
    if (rank == 0) remove(ckpt); /* the complete file supersedes it */
    int64_t total = 0; /* trials run by this invocation (a resumed run did some before) */
    for (int r = 0; r < rep.nranks; r++) total += rep.trials_done[r];
    rs_info("wrote %s: %lld trials in %.2f s (%.1f trials/s), load imbalance %.2f, %.2f s busy CPU", cfg.output,
            (long long)total, rep.wall, rep.wall > 0 ? (double)total / rep.wall : 0.0, rep.imbalance,
            rep.nstarts > 0 ? rep.starts[rep.nstarts - 1].busy_cpu : 0.0);
    if (rep.nstarts > 1) { /* a resumed run: the cost of every start */
        double busy = 0, wall = 0;
        for (int64_t k = 0; k < rep.nstarts; k++)
            busy += rep.starts[k].busy_cpu, wall += rep.starts[k].end - rep.starts[k].begin;
        rs_info("all %lld starts (%lld restarts): %.2f s wall, %.4f core-hours busy in trials",
                (long long)rep.nstarts, (long long)rep.nstarts - 1, wall, busy / 3600);
    }
    rc = RS_EXIT_OK;
done:
    free(a.set);
    free(effective);
    free(science);
    free(cmdline);
    if (parsed) rs_config_free(&cfg);
    rs_grid_free(&grid);
    rs_stats_free(&st);
    rs_run_report_free(&rep);
    rs_data_file_free(&df);
    return rc;
}
