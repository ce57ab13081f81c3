/* rng.c - counter-based random streams on Random123's Philox4x64-10.
 *
 * key = (seed, cell), counter = (trial, stream id, block, 0).  Block b of a stream is
 * philox(counter with block = b, key); its four words are handed out in order 0..3, then
 * block b+1 follows.  A stream therefore depends on nothing but its four coordinates. */
#include <math.h>
#include <Random123/philox.h>

#include "reluscape/rng.h"

void rs_philox4x64(const uint64_t ctr[4], const uint64_t key[2], uint64_t out[4])
{
    philox4x64_ctr_t c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
    philox4x64_key_t k = {{key[0], key[1]}};
    philox4x64_ctr_t r = philox4x64_R(10, c, k);
    for (int w = 0; w < 4; w++)
        out[w] = r.v[w];
}

void rs_stream_init(rs_stream *s, uint64_t seed, uint64_t cell, uint64_t trial, uint32_t stream_id)
{
    s->key[0] = seed;
    s->key[1] = cell;
    s->ctr[0] = trial;
    s->ctr[1] = stream_id;
    s->ctr[2] = 0; /* block index */
    s->ctr[3] = 0;
    for (int w = 0; w < 4; w++)
        s->buf[w] = 0;
    s->left = 0;
    s->have_normal = 0;
    s->spare_normal = 0.0;
}

/* Philox4x64-10 on two consecutive blocks at once: the same rounds as Random123's
 * philox4x64_R (mulhilo by the two multipliers, Weyl key schedule), written out over
 * named words so that both blocks' state stays in registers and their multiplications
 * overlap. */
#define RS_BATCH 2
#define PHILOX_ROUND(c0, c1, c2, c3)                                                    \
    do {                                                                                \
        const unsigned __int128 p0 = (unsigned __int128)0xD2E7470EE14C6C93ull * (c0);   \
        const unsigned __int128 p1 = (unsigned __int128)0xCA5A826395121157ull * (c2);   \
        (c0) = (uint64_t)(p1 >> 64) ^ (c1) ^ k0;                                        \
        (c2) = (uint64_t)(p0 >> 64) ^ (c3) ^ k1;                                        \
        (c1) = (uint64_t)p1;                                                            \
        (c3) = (uint64_t)p0;                                                            \
    } while (0)

static void philox_batch(const uint64_t key[2], const uint64_t ctr[4], uint64_t *out)
{
    uint64_t a0 = ctr[0], a1 = ctr[1], a2 = ctr[2], a3 = ctr[3];
    uint64_t b0 = ctr[0], b1 = ctr[1], b2 = ctr[2] + 1, b3 = ctr[3];
    uint64_t k0 = key[0], k1 = key[1];
#pragma GCC unroll 10
    for (int r = 0; r < 10; r++) {
        PHILOX_ROUND(a0, a1, a2, a3);
        PHILOX_ROUND(b0, b1, b2, b3);
        k0 += 0x9E3779B97F4A7C15ull;
        k1 += 0xBB67AE8584CAA73Bull;
    }
    out[0] = a0, out[1] = a1, out[2] = a2, out[3] = a3;
    out[4] = b0, out[5] = b1, out[6] = b2, out[7] = b3;
}

void rs_next_u64_fill(rs_stream *s, uint64_t *out, size_t count)
{
    while (count && s->left) {
        *out++ = s->buf[4 - s->left--];
        count--;
    }
    while (count >= 4 * RS_BATCH) { /* whole blocks, RS_BATCH at a time */
        philox_batch(s->key, s->ctr, out);
        s->ctr[2] += RS_BATCH;
        out += 4 * RS_BATCH;
        count -= 4 * RS_BATCH;
    }
    while (count--) *out++ = rs_next_u64(s); /* the tail leaves the buffer as single draws would */
}

uint64_t rs_next_u64(rs_stream *s)
{
    if (s->left == 0) {
        rs_philox4x64(s->ctr, s->key, s->buf);
        s->ctr[2]++; /* 2^64 blocks per stream: never wraps in practice */
        s->left = 4;
    }
    return s->buf[4 - s->left--];
}

double rs_uniform01(rs_stream *s)
{
    return rs_u64_to_01(rs_next_u64(s));
}

double rs_uniform_open01(rs_stream *s)
{
    /* Midpoints of a 2^-52 grid: exact, never 0 or 1 (safe for log). */
    return ((double)(rs_next_u64(s) >> 12) + 0.5) * 0x1p-52;
}

double rs_uniform_range(rs_stream *s, double lo, double hi)
{
    return rs_u64_to_range(rs_next_u64(s), lo, hi);
}

double rs_normal(rs_stream *s)
{
    if (s->have_normal) {
        s->have_normal = 0;
        return s->spare_normal;
    }
    /* Box-Muller: two uniforms give two independent normals; cache the second. */
    double u1 = rs_uniform_open01(s);
    double u2 = rs_uniform01(s);
    double r = sqrt(-2.0 * log(u1));
    double t = 6.283185307179586476925 * u2;
    s->spare_normal = r * sin(t);
    s->have_normal = 1;
    return r * cos(t);
}

int rs_bernoulli(rs_stream *s, double p)
{
    return rs_uniform01(s) < p;
}

uint64_t rs_uniform_index(rs_stream *s, uint64_t n)
{
    if (n <= 1)
        return 0;
    /* Reject the lowest 2^64 mod n words so the rest split evenly into n classes. */
    uint64_t threshold = (0 - n) % n;
    uint64_t x;
    do {
        x = rs_next_u64(s);
    } while (x < threshold);
    return x % n;
}
