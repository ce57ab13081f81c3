/* check.h - a tiny assertion harness for the C unit tests.
 * CHECK(cond, fmt, ...) records a failure with file:line and a message and continues;
 * check_done() prints "N passed, N failed" and returns the automake exit status (a test
 * with no passed check fails). */
#ifndef RS_TESTS_CHECK_H
#define RS_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_passed, check_failed;

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        if (cond) {                                                             \
            check_passed++;                                                     \
        } else {                                                                \
            check_failed++;                                                     \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);     \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
        }                                                                       \
    } while (0)

/* A test that passed no check asserted nothing: that is a failure too. */
static inline int check_done(const char *name)
{
    if (check_passed == 0) {
        check_failed++;
        fprintf(stderr, "FAIL %s: no check passed\n", name);
    }
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
