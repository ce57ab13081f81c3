/* log.c - messages, progress/ETA, clocks, and the small shared helpers of util.h. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "reluscape/log.h"
#include "util.h"

static int log_level = RS_LOG_INFO;
static int log_rank = 0;

void rs_log_set(int level, int mpi_rank)
{
    log_level = level;
    log_rank = mpi_rank;
}

int rs_log_level(void) { return log_level; }

static void vlog(FILE *out, const char *prefix, const char *fmt, va_list ap)
{
    char line[2048];
    vsnprintf(line, sizeof line, fmt, ap);
    /* one fprintf per line so lines from different ranks do not interleave mid-line */
    fprintf(out, "%s%s\n", prefix, line);
    fflush(out);
}

void rs_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(stderr, "reluscape: error: ", fmt, ap);
    va_end(ap);
}

void rs_info(const char *fmt, ...)
{
    if (log_rank != 0 || log_level < RS_LOG_INFO) return;
    va_list ap;
    va_start(ap, fmt);
    vlog(stdout, "", fmt, ap);
    va_end(ap);
}

void rs_debug(const char *fmt, ...)
{
    if (log_level < RS_LOG_DEBUG) return;
    char prefix[32];
    RS_FMT(prefix, sizeof prefix, "[rank %d] ", log_rank);
    va_list ap;
    va_start(ap, fmt);
    vlog(stderr, prefix, fmt, ap);
    va_end(ap);
}

double rs_wtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double rs_cputime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void rs_progress_start(rs_progress *p, int64_t total_cells, int64_t total_trials, double interval)
{
    p->start = p->last = rs_wtime();
    p->interval = interval;
    p->total_cells = total_cells;
    p->total_trials = total_trials;
    p->base_trials = 0;
    p->total_cost = p->cost_done = p->base_cost = 0;
}

static void format_duration(double s, char *buf, size_t len)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        RS_FMT(buf, len, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else if (t >= 60)
        RS_FMT(buf, len, "%ldm%02lds", t / 60, t % 60);
    else
        RS_FMT(buf, len, "%lds", t);
}

void rs_progress_update(rs_progress *p, int64_t cells_done, int64_t trials_done, int force)
{
    double now = rs_wtime();
    if (p->interval <= 0 || (!force && now - p->last < p->interval)) return;
    p->last = now;
    double elapsed = now - p->start;
    double rate = elapsed > 0 ? (double)(trials_done - p->base_trials) / elapsed : 0;
    char eta[32] = "?", el[32];
    double run_cost = p->cost_done - p->base_cost;
    if (p->total_cost > 0 && run_cost > 0)
        format_duration(elapsed * (p->total_cost - p->cost_done) / run_cost, eta, sizeof eta);
    else if (rate > 0)
        format_duration((double)(p->total_trials - trials_done) / rate, eta, sizeof eta);
    format_duration(elapsed, el, sizeof el);
    rs_info("progress: cells %lld/%lld  trials %lld/%lld (%.1f%%)  %.1f trials/s  elapsed %s  ETA %s",
            (long long)cells_done, (long long)p->total_cells, (long long)trials_done,
            (long long)p->total_trials,
            p->total_trials ? 100.0 * (double)trials_done / (double)p->total_trials : 100.0, rate, el,
            eta);
}
