/* common.c - small pieces shared by the subcommands. */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/common.h"
#include "reluscape/config.h"
#include "util.h"

int rs_cli_check_output(const char *path, int force, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) == 0) {
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
