/* common.h - small pieces shared by the subcommands (private). */
#ifndef RS_CLI_COMMON_H
#define RS_CLI_COMMON_H

#include <stddef.h>

/* Rank 0: may the output be written?  It must not exist (unless force, and then be a
 * regular file) and its directory must be writable.  0, or -1 with a message. */
int rs_cli_check_output(const char *path, int force, char *err, size_t errlen);

/* "reluscape ARGV..." for the command_line attribute; caller frees (NULL on OOM). */
char *rs_cli_command_line(int argc, char **argv);

#endif
