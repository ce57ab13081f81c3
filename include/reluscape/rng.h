/* rng.h - counter-based random streams (Random123 Threefry4x64-20).
 *
 * A stream is fully determined by (seed, cell, trial, stream id): key = (seed, cell, 0, 0),
 * counter = (trial, stream id, block, 0).  Nothing else (rank, schedule, rank count)
 * enters, which is what makes every sweep reproducible on any number of ranks.
 * All functions are local (no communication). */
#ifndef RELUSCAPE_RNG_H
#define RELUSCAPE_RNG_H

#include <stddef.h>
#include <stdint.h>

/* Stream ids: one per independent use inside a trial. */
enum rs_stream_id {
    RS_STREAM_DATA = 1,    /* dataset draw (trial = dataset index) */
    RS_STREAM_SUBSET = 2,  /* row subset of a file dataset (trial = dataset index) */
    RS_STREAM_PATTERN = 3, /* activation pattern / initial weights */
    RS_STREAM_VOUT = 4,    /* output weights v */
    RS_STREAM_TARGET = 5,  /* regression targets (region LPs) */
    RS_STREAM_SKETCH = 6,  /* exact rank's random sketch (6 and 7: one per prime) */
    RS_STREAM_VERIFY = 8   /* whether rank.verify picks this trial */
};

#define RS_RNG_BLOCKS 8 /* blocks computed at once: one AVX-512 pass */
typedef struct rs_stream {
    uint64_t key[4];
    uint64_t ctr[4];
    uint64_t buf[4 * RS_RNG_BLOCKS];
    int left;          /* unused words left in buf */
} rs_stream;

/* Raw block functions (known-answer tests; Philox4x64-10 is also the exact rank's hash). */
void rs_philox4x64(const uint64_t ctr[4], const uint64_t key[2], uint64_t out[4]);
void rs_threefry4x64(const uint64_t ctr[4], const uint64_t key[4], uint64_t out[4]);
/* The kernels that compute a stream's blocks, RS_RNG_BLOCKS at a time, all with the same
 * bits; rs_rng_kernel() is the one streams use (the widest the CPU has, generic under
 * RELUSCAPE_GENERIC_KERNELS).  rs_threefry_batch: blocks ctr[2] .. ctr[2] + 7 of (ctr, key)
 * with the given kernel, block after block into out; -1 if this CPU lacks it (tests and
 * benchmarks). */
enum { RS_RNG_GENERIC, RS_RNG_AVX2, RS_RNG_AVX512, RS_RNG_KERNELS };
int rs_rng_kernel(void);
int rs_threefry_batch(int kernel, const uint64_t key[4], const uint64_t ctr[4], uint64_t out[4 * RS_RNG_BLOCKS]);

void rs_stream_init(rs_stream *s, uint64_t seed, uint64_t cell, uint64_t trial, uint32_t stream_id);
uint64_t rs_next_u64(rs_stream *s);
/* out[0..count) = the next count draws of rs_next_u64, with the stream left in the same
 * state; whole blocks are computed several at a time (faster for long runs of draws). */
void rs_next_u64_fill(rs_stream *s, uint64_t *out, size_t count);
double rs_uniform01(rs_stream *s);             /* [0,1), 53 random bits */
double rs_uniform_open01(rs_stream *s);        /* (0,1) */
double rs_uniform_range(rs_stream *s, double lo, double hi); /* [lo,hi) */

/* How rs_uniform01 and rs_uniform_range map one draw u, for draws taken in bulk
 * (rs_next_u64_fill) that must give the same numbers. */
static inline double rs_u64_to_01(uint64_t u)
{
    return (double)(int64_t)(u >> 11) * 0x1p-53; /* < 2^53: exact; the signed conversion is one instruction */
}
/* x[t] = rs_u64_to_01(u[t]) for t < count (vectorised where the CPU allows; the same numbers). */
void rs_u64_to_01_fill(const uint64_t *u, double *x, size_t count);
static inline double rs_u64_to_open01(uint64_t u)
{
    return ((double)(u >> 12) + 0.5) * 0x1p-52; /* 2^-52 grid midpoints: never 0 or 1 */
}
static inline double rs_u64_to_range(uint64_t u, double lo, double hi)
{
    double x = lo + (hi - lo) * rs_u64_to_01(u);
    return x < hi ? x : lo; /* rounding could reach hi; keep the interval half-open */
}

/* N(0,1) by an exact ziggurat (rng.c): one word per draw 98.5% of the time, more
 * otherwise; never exactly 0. */
double rs_normal(rs_stream *s);
/* out[0..count) = the next count values of rs_normal, with the stream left where those
 * calls would leave it (faster: the words are drawn in bulk). */
void rs_normal_fill(rs_stream *s, double *out, size_t count);
/* Z conditioned on Z > r = 3.654..., as rs_normal draws its tail (for tests: 2.6 normals
 * in 10^4 come from there). */
double rs_normal_tail(rs_stream *s);
int rs_bernoulli(rs_stream *s, double p);      /* 1 with probability p */
/* Is U < num / den, for U uniform on [0, 1) whose first 64 bits are `first` (U = 0.first
 * then further words of s, drawn only while U's digits equal those of num / den: with
 * probability 2^-64 each)?  Exactly probability num / den when first is a fresh word. */
int rs_below_ratio(rs_stream *s, uint64_t first, uint64_t num, uint64_t den);
uint64_t rs_uniform_index(rs_stream *s, uint64_t n); /* unbiased in [0,n), n > 0 */

#endif
