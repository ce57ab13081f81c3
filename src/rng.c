/* rng.c - counter-based random streams on Random123's Philox4x64-10.
 *
 * key = (seed, cell), counter = (trial, stream id, block, 0).  Block b of a stream is
 * philox(counter with block = b, key); its four words are handed out in order 0..3, then
 * block b+1 follows.  A stream therefore depends on nothing but its four coordinates. */
#include <math.h>
#include <string.h>
#include <Random123/philox.h>

#include "reluscape/rng.h"
#include "ziggurat_tables.h"

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
    return rs_u64_to_open01(rs_next_u64(s));
}

double rs_uniform_range(rs_stream *s, double lo, double hi)
{
    return rs_u64_to_range(rs_next_u64(s), lo, hi);
}

/* ---------------------------------------------------------------- normals: ziggurat
 *
 * Marsaglia and Tsang's ziggurat (2000) in Doornik's layout (ZIGNOR, 2005) with the exact
 * wedge and tail tests, on 256 equal-area layers whose tables (src/ziggurat_tables.h) are
 * written in the source as exact hex doubles by tools/gen_ziggurat.py (60-digit
 * arithmetic, rounded once): the same on every machine, nothing computed at run time.
 * One 64-bit word per attempt: bits 0-7 pick the layer i, bit 8 the sign, bits 12-63 the
 * position j, u = (2j+1) 2^-53 in (0,1).  If u X[i] < X[i+1] (j < K[i], integer test,
 * 98.5% of words) the point is inside the layer's rectangle under the curve and
 * x = (2j+1) X[i] 2^-53 is returned: integer arithmetic and one rounded product, no libm.
 * Otherwise (1.5%) a wedge test with a fresh uniform height against exp(-x^2/2), or
 * for layer 0 a tail draw (Marsaglia 1964) with two logs; only these rare paths use libm,
 * and only there could another libm's last bit (or a compiler fusing the wedge's
 * multiply-add) change a result. */

/* Words for the slow paths: what is left of a bulk buffer, then the stream itself (the
 * buffer holds the stream's next words, so the order is that of single draws). */
typedef struct {
    const uint64_t *w;
    size_t n;
    rs_stream *s;
} word_source;

static inline uint64_t next_word(word_source *src)
{
    if (src->n) {
        src->n--;
        return *src->w++;
    }
    return rs_next_u64(src->s);
}

/* |x| with the sign of word w's bit 8 */
static inline double signed_by(double x, uint64_t w)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    b |= (w & 0x100) << 55;
    memcpy(&x, &b, sizeof x);
    return x;
}

static inline int zig_fast(uint64_t w, double *z)
{
    const unsigned i = (unsigned)(w & 0xff);
    const uint64_t j = w >> 12;
    if (j >= rs_zig_k[i]) return 0;
    *z = signed_by((double)(2 * j + 1) * rs_zig_x[i] * 0x1p-53, w);
    return 1;
}

/* The tail x > r: x = r + a, a ~ Exp(r) accepted with probability exp(-a^2/2). */
static double zig_tail(word_source *src)
{
    double a, b;
    do {
        a = -log(rs_u64_to_open01(next_word(src))) / rs_zig_r;
        b = -log(rs_u64_to_open01(next_word(src)));
    } while (b + b < a * a);
    return rs_zig_r + a;
}

double rs_normal_tail(rs_stream *s)
{
    word_source src = {NULL, 0, s};
    return zig_tail(&src);
}

/* Word w failed the rectangle test: wedge or tail, then new attempts until one accepts. */
static double zig_slow(uint64_t w, word_source *src)
{
    for (;;) {
        double z;
        if (zig_fast(w, &z)) return z;
        const unsigned i = (unsigned)(w & 0xff);
        if (i == 0) return signed_by(zig_tail(src), w);
        /* wedge: x in [X[i+1], X[i]), height uniform in the layer [F[i], F[i+1]) */
        const double x = (double)(2 * (w >> 12) + 1) * rs_zig_x[i] * 0x1p-53;
        const double y = rs_zig_f[i] + rs_u64_to_01(next_word(src)) * (rs_zig_f[i + 1] - rs_zig_f[i]);
        if (y < exp(-0.5 * x * x)) return signed_by(x, w);
        w = next_word(src);
    }
}

double rs_normal(rs_stream *s)
{
    const uint64_t w = rs_next_u64(s);
    double z;
    if (zig_fast(w, &z)) return z;
    word_source src = {NULL, 0, s};
    return zig_slow(w, &src);
}

void rs_normal_fill(rs_stream *s, double *out, size_t count)
{
    uint64_t w[256];
    while (count) {
        /* every normal takes at least one word, so count words are never too many */
        const size_t m = count < 256 ? count : 256;
        rs_next_u64_fill(s, w, m);
        for (size_t t = 0; t < m; out++, count--) {
            const uint64_t first = w[t++];
            if (zig_fast(first, out)) continue;
            word_source src = {w + t, m - t, s};
            *out = zig_slow(first, &src);
            t = m - src.n;
        }
    }
}

int rs_bernoulli(rs_stream *s, double p)
{
    return rs_uniform01(s) < p;
}

int rs_below_ratio(rs_stream *s, uint64_t first, uint64_t num, uint64_t den)
{
    if (num >= den) return 1;
    uint64_t u = first, rem = num; /* U's digits in base 2^64 against num / den's, one at a time */
    for (;;) {
        unsigned __int128 x = (unsigned __int128)rem << 64;
        uint64_t digit = (uint64_t)(x / den);
        rem = (uint64_t)(x % den);
        if (u != digit) return u < digit;
        if (rem == 0) return 0; /* U >= num / den from here on */
        u = rs_next_u64(s);
    }
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
