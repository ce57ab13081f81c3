/* common.c - small pieces shared by the subcommands. */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mpi.h>
#include <stdio.h>

#include "cli/common.h"
#include "reluscape/targets.h"
#include "reluscape/config.h"
#include "reluscape/data.h"
#include "reluscape/log.h"
#include "util.h"

/* 1 if a and b name the same existing file */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return a && b && a[0] && b[0] && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int rs_cli_check_output(const char *path, int force, const char *const *inputs, char *err, size_t errlen)
{
    struct stat sb;
    size_t len = strlen(path);
    if (!len) return RS_FMT(err, errlen, "output file name is empty (-o FILE.h5 or output.file)"), -1;
    if (path[len - 1] == '/' || (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)))
        return RS_FMT(err, errlen, "output '%s' is a directory: give a file name, e.g. -o %s%sresult.h5", path, path,
                      path[len - 1] == '/' ? "" : "/"), -1;
    if (len + 16 >= RS_PATH_MAX) /* room for .partial and .ckpt.tmp */
        return RS_FMT(err, errlen, "output name is %zu characters long: at most %d", len, RS_PATH_MAX - 17), -1;
    for (int i = 0; inputs && inputs[i]; i++)
        if (same_file(path, inputs[i]))
            return RS_FMT(err, errlen, "output '%s' is the run's input '%s': choose another name (even --force "
                          "never replaces an input)", path, inputs[i]), -1;
    if (lstat(path, &sb) == 0) { /* a dangling symlink exists too */
        if (!force)
            return RS_FMT(err, errlen, "output '%s' exists: use --force to replace it, or -o to choose another name", path), -1;
        if (!S_ISREG(sb.st_mode)) return RS_FMT(err, errlen, "output '%s' exists and is not a regular file", path), -1;
    }
    char dir[RS_PATH_MAX];
    RS_FMT(dir, sizeof dir, "%s", path);
    const char *d = dirname(dir);
    if (access(d, W_OK) != 0)
        return RS_FMT(err, errlen, "output directory '%s' is not writable: %s", d, strerror(errno)), -1;
    return 0;
}

char *rs_cli_command_line(int argc, char **argv)
{
    size_t len = 16;
    for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
    char *s = calloc(len, 1);
    if (!s) return NULL;
    strcat(s, "reluscape");
    for (int i = 0; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

/* Rank 0 reads a whole file; the bytes are broadcast. NULL with err on failure. */
char *rs_cli_read_config(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) return RS_FMT(err, errlen, "cannot read config '%s': %s", path, strerror(errno)), NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            if (cap > ((size_t)64 << 20)) {
                RS_FMT(err, errlen, "config '%s' is larger than 64 MiB", path);
                goto fail;
            }
            char *nb = realloc(buf, cap);
            if (!nb) goto fail;
            buf = nb;
        }
        size_t got = fread(buf + len, 1, 4096, f);
        len += got;
        if (got < 4096) break;
    }
    if (ferror(f)) {
        RS_FMT(err, errlen, "cannot read config '%s': %s", path, strerror(errno));
        goto fail;
    }
    if (memchr(buf, '\0', len)) {
        RS_FMT(err, errlen, "config '%s' is not a text file", path);
        goto fail;
    }
    buf[len] = '\0';
    fclose(f);
    return buf;
fail:
    fclose(f);
    free(buf);
    return NULL;
}

/* Broadcast a string (or NULL) from rank 0. */
char *rs_cli_bcast_string(char *s, MPI_Comm comm, int rank)
{
    long long len = s ? (long long)strlen(s) : -1;
    RS_MPI_CHECK(MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, comm));
    if (len < 0) return NULL;
    if (rank != 0) s = malloc((size_t)len + 1);
    if (!s) rs_mpi_fail(MPI_ERR_NO_MEM, "malloc", __FILE__, __LINE__);
    RS_MPI_CHECK(MPI_Bcast(s, (int)len + 1, MPI_CHAR, 0, comm));
    return s;
}

int rs_cli_load_config(const char *path, int nset, char *const *set, const char *output, MPI_Comm comm, int rank,
                       rs_config *cfg)
{
    char err[RS_ERR_MAX] = "", *text = NULL;
    if (rank == 0 && !(text = rs_cli_read_config(path, err, sizeof err))) rs_error("%s", err);
    if (!(text = rs_cli_bcast_string(text, comm, rank))) return 0;
    const int parsed = rs_config_parse(text, path, nset, set, cfg, err, sizeof err) == 0;
    free(text);
    if (!parsed) {
        if (rank == 0) rs_error("%s", err);
        return 0;
    }
    if (output) RS_FMT(cfg->output, sizeof cfg->output, "%s", output);
    return 1;
}

int rs_cli_check_data_file(const rs_config *cfg, const char *cfgname, const rs_data_file *df, char *err,
                           size_t errlen)
{
    if (cfg->d0_ratio.count)
        return RS_FMT(err, errlen, "%s: key 'grid.d0_ratio': data.law = file fixes d0 = %d (the file's columns); "
                      "use grid.d0 = %d", cfgname, df->d0, df->d0), -1;
    for (int i = 0; i < cfg->d0.count; i++)
        if (cfg->d0.v[i] != df->d0)
            return RS_FMT(err, errlen, "%s: key 'grid.d0': %lld does not match data.file '%s' (%d columns); "
                          "use grid.d0 = %d", cfgname, (long long)cfg->d0.v[i], cfg->data_file, df->d0, df->d0), -1;
    for (int i = 0; i < cfg->n.count; i++)
        if (cfg->n.v[i] > df->n_total)
            return RS_FMT(err, errlen, "%s: key 'grid.n': n = %lld exceeds the %lld rows of data.file '%s'",
                          cfgname, (long long)cfg->n.v[i], (long long)df->n_total, cfg->data_file), -1;
    return 0;
}

int rs_cli_rank(MPI_Comm comm)
{
    int rank = 0;
    if (comm != MPI_COMM_NULL) {
        MPI_Comm_rank(comm, &rank);
        return rank;
    }
    static const char *vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "SLURM_PROCID", "PMI_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) return atoi(v);
    }
    return 0;
}

/* "CFG: key 'KEY': " before a loader's message, unless it names its key already */
static int blame(const char *cfgname, const char *key, char *err, size_t errlen)
{
    if (strstr(err, "key '")) return -1;
    char *why = strdup(err);
    if (why) RS_FMT(err, errlen, "%s: key '%s': %s", cfgname, key, why);
    free(why);
    return -1;
}

int rs_cli_load_data(const rs_config *cfg, const char *cfgname, rs_data_file *df, char *err, size_t errlen)
{
    if (rs_data_file_load(cfg->data_file, cfg->data_dataset, df, err, errlen))
        return blame(cfgname, strstr(err, "dataset '") ? "data.dataset" : "data.file", err, errlen);
    if (rs_cli_check_data_file(cfg, cfgname, df, err, errlen)) return -1;
    if (rs_config_key_active(cfg, "targets.law") && rs_targets_law_from_name(cfg->targets_law) == RS_TARGETS_FILE &&
        rs_data_file_load_targets(cfg->data_file, cfg->targets_dataset, df, err, errlen))
        return blame(cfgname, "targets.dataset", err, errlen);
    return 0;
}
