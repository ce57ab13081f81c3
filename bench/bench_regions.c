/* bench_regions.c - the general region sampler (pattern.sampler = region, src/pattern.c)
 * timed on one generic Gaussian dataset per setting.
 *
 *   bench_regions --cell d0,d1,n [--bias 0|1] [--seconds S] [--seed S]
 *
 * The first region pays the enumeration of the data's realizable rows (src/regions.c),
 * done once per dataset; the later ones are d1 uniform draws each.  Output:
 *   regions d0= d1= n= p= rows= enumerate_seconds= regions= seconds= regions_per_s=
 * where regions_per_s counts the regions after the first (the steady rate of trials that
 * share a dataset), and the rate including the enumeration is regions / (enumerate +
 * seconds). */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reluscape/pattern.h"
#include "reluscape/regions.h"
#include "reluscape/rng.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    int d0 = 2, d1 = 100, n = 50, bias = 0;
    double seconds = 2;
    uint64_t seed = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--cell") && sscanf(argv[i + 1], "%d,%d,%d", &d0, &d1, &n) == 3) continue;
        if (!strcmp(argv[i], "--bias")) bias = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--seed")) seed = strtoull(argv[i + 1], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_regions --cell d0,d1,n [--bias 0|1] [--seconds S] [--seed S]\n");
            return 2;
        }
    }
    const int p = d0 + bias;
    double *xt = malloc((size_t)p * n * sizeof *xt);
    rs_pattern A;
    if (!xt || rs_pattern_alloc(&A, d1, n)) return 1;
    rs_stream s;
    rs_stream_init(&s, seed, 1, 0, RS_STREAM_DATA);
    for (int i = 0; i < n; i++) {
        for (int r = 0; r < d0; r++) xt[(size_t)i * p + r] = rs_normal(&s);
        if (bias) xt[(size_t)i * p + d0] = 1.0;
    }
    const rs_sampler *region = rs_sampler_lookup("region");
    rs_sampler_params prm = {.d0 = d0, .bias = bias};
    double t0 = now();
    rs_stream_init(&s, seed, 2, 0, RS_STREAM_PATTERN);
    if (region->sample(&prm, xt, &s, &A)) {
        fprintf(stderr, "bench_regions: the region sampler refused d0=%d n=%d bias=%d (too many rows)\n", d0, n, bias);
        return 1;
    }
    double t1 = now(), t2 = t1;
    long count = 0;
    while (t2 - t1 < seconds) {
        for (int k = 0; k < 100; k++, count++) {
            rs_stream_init(&s, seed, 2, (uint64_t)count + 1, RS_STREAM_PATTERN);
            region->sample(&prm, xt, &s, &A);
        }
        t2 = now();
    }
    printf("regions d0=%d d1=%d n=%d p=%d rows=%.0f enumerate_seconds=%.6f regions=%ld seconds=%.6f regions_per_s=%.6g\n",
           d0, d1, n, p, rs_cover_count(n, p), t1 - t0, count, t2 - t1, count / (t2 - t1));
    rs_pattern_free(&A);
    free(xt);
    return 0;
}
