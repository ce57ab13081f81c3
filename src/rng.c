/* rng.c - counter-based random streams on Random123's Threefry4x64-20.
 *
 * key = (seed, cell, 0, 0), counter = (trial, stream id, block, 0).  Block b of a stream
 * is threefry(counter with block = b, key); its four words are handed out in order 0..3,
 * then block b+1 follows.  A stream therefore depends on nothing but its four coordinates.
 * Blocks are computed RS_RNG_BLOCKS at a time by one of three kernels that give the same
 * bits (generic: Random123's own threefry4x64_R; AVX2; AVX-512): Threefry is additions,
 * rotations and xors of 64-bit words, which vector units do exactly, whereas Philox4x64
 * (draw order versions up to 5) needs 64 x 64 -> 128-bit products that they lack. */
#include <math.h>
#include <string.h>
#include <Random123/philox.h>
#include <Random123/threefry.h>

#include "reluscape/rng.h"
#include "util.h"
#include "ziggurat_tables.h"

void rs_philox4x64(const uint64_t ctr[4], const uint64_t key[2], uint64_t out[4])
{
    philox4x64_ctr_t c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
    philox4x64_key_t k = {{key[0], key[1]}};
    philox4x64_ctr_t r = philox4x64_R(10, c, k);
    for (int w = 0; w < 4; w++)
        out[w] = r.v[w];
}

void rs_threefry4x64(const uint64_t ctr[4], const uint64_t key[4], uint64_t out[4])
{
    threefry4x64_ctr_t c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
    threefry4x64_key_t k = {{key[0], key[1], key[2], key[3]}};
    threefry4x64_ctr_t r = threefry4x64_R(20, c, k);
    for (int w = 0; w < 4; w++)
        out[w] = r.v[w];
}

void rs_stream_init(rs_stream *s, uint64_t seed, uint64_t cell, uint64_t trial, uint32_t stream_id)
{
    s->key[0] = seed;
    s->key[1] = cell;
    s->key[2] = 0;
    s->key[3] = 0;
    s->ctr[0] = trial;
    s->ctr[1] = stream_id;
    s->ctr[2] = 0; /* block index */
    s->ctr[3] = 0;
    s->left = 0;
}

/* ---------------------------------------------------------------- Threefry kernels
 *
 * Each computes blocks ctr[2] .. ctr[2] + RS_RNG_BLOCKS - 1 (the block index wraps mod
 * 2^64, as in the scalar counter) into out, block after block. */

static void batch_generic(const uint64_t key[4], const uint64_t ctr[4], uint64_t *out)
{
    for (int b = 0; b < RS_RNG_BLOCKS; b++) {
        const uint64_t c[4] = {ctr[0], ctr[1], ctr[2] + (uint64_t)b, ctr[3]};
        rs_threefry4x64(c, key, out + 4 * b);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* Threefry-256's rotation constants (Random123's R_64x4), by round mod 8 */
#define THREEFRY_C240 0x1BD11BDAA9FC1A22ull
#define ROT_0_0 14
#define ROT_0_1 16
#define ROT_1_0 52
#define ROT_1_1 57
#define ROT_2_0 23
#define ROT_2_1 40
#define ROT_3_0 5
#define ROT_3_1 37
#define ROT_4_0 25
#define ROT_4_1 33
#define ROT_5_0 46
#define ROT_5_1 12
#define ROT_6_0 58
#define ROT_6_1 22
#define ROT_7_0 32
#define ROT_7_1 32

static void key_schedule(const uint64_t key[4], uint64_t ks[5])
{
    ks[4] = THREEFRY_C240;
    for (int i = 0; i < 4; i++) {
        ks[i] = key[i];
        ks[4] ^= key[i];
    }
}

/* Four rounds starting at round 4q (rotation rows r0..r3 = 4q mod 8 ...), then the key
 * injection number q + 1; the mixing pairs alternate (0,1)(2,3) and (0,3)(2,1).  Written
 * once over the vector operations VADD, VXOR, VROL and VSET1 that each kernel defines for
 * its width, on its lanes x0..x3 and key schedule ks. */
#define MIX(a, b, c, d, ra, rb)                                                             \
    do {                                                                                    \
        a = VADD(a, b);                                                                     \
        b = VXOR(VROL(b, ra), a);                                                           \
        c = VADD(c, d);                                                                     \
        d = VXOR(VROL(d, rb), c);                                                           \
    } while (0)
#define INJECT(i)                                                                           \
    do {                                                                                    \
        x0 = VADD(x0, VSET1(ks[(i) % 5]));                                                  \
        x1 = VADD(x1, VSET1(ks[((i) + 1) % 5]));                                            \
        x2 = VADD(x2, VSET1(ks[((i) + 2) % 5]));                                            \
        x3 = VADD(x3, VSET1(ks[((i) + 3) % 5] + (i)));                                      \
    } while (0)
#define THREEFRY_FOUR(r0, r1, r2, r3, q)                                                    \
    do {                                                                                    \
        MIX(x0, x1, x2, x3, ROT_##r0##_0, ROT_##r0##_1);                                    \
        MIX(x0, x3, x2, x1, ROT_##r1##_0, ROT_##r1##_1);                                    \
        MIX(x0, x1, x2, x3, ROT_##r2##_0, ROT_##r2##_1);                                    \
        MIX(x0, x3, x2, x1, ROT_##r3##_0, ROT_##r3##_1);                                    \
        INJECT((q) + 1);                                                                    \
    } while (0)
#define THREEFRY_20()                                                                       \
    do {                                                                                    \
        THREEFRY_FOUR(0, 1, 2, 3, 0);                                                       \
        THREEFRY_FOUR(4, 5, 6, 7, 1);                                                       \
        THREEFRY_FOUR(0, 1, 2, 3, 2);                                                       \
        THREEFRY_FOUR(4, 5, 6, 7, 3);                                                       \
        THREEFRY_FOUR(0, 1, 2, 3, 4);                                                       \
    } while (0)

/* AVX2: four blocks a vector (lane b = block b), two vectors' worth per batch; no 64-bit
 * rotation instruction, so two shifts */
#define VADD _mm256_add_epi64
#define VXOR _mm256_xor_si256
#define VROL(x, r) _mm256_or_si256(_mm256_slli_epi64(x, r), _mm256_srli_epi64(x, 64 - (r)))
#define VSET1(w) _mm256_set1_epi64x((long long)(w))

__attribute__((target("avx2"))) static void batch_avx2(const uint64_t key[4], const uint64_t ctr[4], uint64_t *out)
{
    uint64_t ks[5];
    key_schedule(key, ks);
    for (int half = 0; half < RS_RNG_BLOCKS / 4; half++) {
        const uint64_t b0 = ctr[2] + 4 * (uint64_t)half;
        __m256i x0 = _mm256_set1_epi64x((long long)(ctr[0] + ks[0]));
        __m256i x1 = _mm256_set1_epi64x((long long)(ctr[1] + ks[1]));
        __m256i x2 = _mm256_add_epi64(_mm256_set_epi64x(3, 2, 1, 0), _mm256_set1_epi64x((long long)b0));
        x2 = _mm256_add_epi64(x2, _mm256_set1_epi64x((long long)ks[2]));
        __m256i x3 = _mm256_set1_epi64x((long long)(ctr[3] + ks[3]));
        THREEFRY_20();
        /* lanes to blocks: a 4 x 4 transpose of 64-bit words */
        const __m256i t0 = _mm256_unpacklo_epi64(x0, x1), t1 = _mm256_unpackhi_epi64(x0, x1);
        const __m256i t2 = _mm256_unpacklo_epi64(x2, x3), t3 = _mm256_unpackhi_epi64(x2, x3);
        __m256i *o = (__m256i *)(out + 16 * half);
        _mm256_storeu_si256(o + 0, _mm256_permute2x128_si256(t0, t2, 0x20));
        _mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(t1, t3, 0x20));
        _mm256_storeu_si256(o + 2, _mm256_permute2x128_si256(t0, t2, 0x31));
        _mm256_storeu_si256(o + 3, _mm256_permute2x128_si256(t1, t3, 0x31));
    }
}
#undef VADD
#undef VXOR
#undef VROL
#undef VSET1

/* AVX-512: eight blocks a vector, with the native 64-bit rotation */
#define VADD _mm512_add_epi64
#define VXOR _mm512_xor_si512
#define VROL _mm512_rol_epi64
#define VSET1(w) _mm512_set1_epi64((long long)(w))

/* Lanes to blocks: lane b of x0..x3 is block b's four words; pairs within 128-bit lanes,
 * then the 128-bit lanes gathered, eight blocks to out[0..32). */
__attribute__((target("avx512f"))) static inline void store_blocks_avx512(__m512i x0, __m512i x1, __m512i x2,
                                                                          __m512i x3, uint64_t *out)
{
    const __m512i t0 = _mm512_unpacklo_epi64(x0, x1), t1 = _mm512_unpackhi_epi64(x0, x1);
    const __m512i t2 = _mm512_unpacklo_epi64(x2, x3), t3 = _mm512_unpackhi_epi64(x2, x3);
    const __m512i u0 = _mm512_shuffle_i64x2(t0, t2, 0x88), u1 = _mm512_shuffle_i64x2(t0, t2, 0xDD);
    const __m512i v0 = _mm512_shuffle_i64x2(t1, t3, 0x88), v1 = _mm512_shuffle_i64x2(t1, t3, 0xDD);
    _mm512_storeu_si512(out + 0, _mm512_shuffle_i64x2(u0, v0, 0x88));
    _mm512_storeu_si512(out + 8, _mm512_shuffle_i64x2(u1, v1, 0x88));
    _mm512_storeu_si512(out + 16, _mm512_shuffle_i64x2(u0, v0, 0xDD));
    _mm512_storeu_si512(out + 24, _mm512_shuffle_i64x2(u1, v1, 0xDD));
}

__attribute__((target("avx512f"))) static void batch_avx512(const uint64_t key[4], const uint64_t ctr[4], uint64_t *out)
{
    uint64_t ks[5];
    key_schedule(key, ks);
    __m512i x0 = _mm512_set1_epi64((long long)(ctr[0] + ks[0]));
    __m512i x1 = _mm512_set1_epi64((long long)(ctr[1] + ks[1]));
    __m512i x2 = _mm512_add_epi64(_mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0), _mm512_set1_epi64((long long)ctr[2]));
    x2 = _mm512_add_epi64(x2, _mm512_set1_epi64((long long)ks[2]));
    __m512i x3 = _mm512_set1_epi64((long long)(ctr[3] + ks[3]));
    THREEFRY_20();
    store_blocks_avx512(x0, x1, x2, x3, out);
}
#undef VADD
#undef VXOR
#undef VROL
#undef VSET1

/* AVX-512, two batches at once: each operation on a pair of vectors, so the rounds of
 * one batch fill the other's latencies (a batch alone has two chains of dependent adds,
 * rotations and xors).  The same blocks, in order, as two calls of batch_avx512. */
typedef struct {
    __m512i a, b;
} vec2;
#define VADD(x, y) ((vec2){_mm512_add_epi64((x).a, (y).a), _mm512_add_epi64((x).b, (y).b)})
#define VXOR(x, y) ((vec2){_mm512_xor_si512((x).a, (y).a), _mm512_xor_si512((x).b, (y).b)})
#define VROL(x, r) ((vec2){_mm512_rol_epi64((x).a, r), _mm512_rol_epi64((x).b, r)})
#define VSET1(w) ((vec2){_mm512_set1_epi64((long long)(w)), _mm512_set1_epi64((long long)(w))})

__attribute__((target("avx512f"))) static void batch2_avx512(const uint64_t key[4], const uint64_t ctr[4],
                                                             uint64_t *out)
{
    uint64_t ks[5];
    key_schedule(key, ks);
    vec2 x0 = VSET1(ctr[0] + ks[0]), x1 = VSET1(ctr[1] + ks[1]), x3 = VSET1(ctr[3] + ks[3]);
    const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    vec2 x2 = {_mm512_add_epi64(lane, _mm512_set1_epi64((long long)(ctr[2] + ks[2]))),
               _mm512_add_epi64(lane, _mm512_set1_epi64((long long)(ctr[2] + RS_RNG_BLOCKS + ks[2])))};
    THREEFRY_20();
    store_blocks_avx512(x0.a, x1.a, x2.a, x3.a, out);
    store_blocks_avx512(x0.b, x1.b, x2.b, x3.b, out + 4 * RS_RNG_BLOCKS);
}
#undef VADD
#undef VXOR
#undef VROL
#undef VSET1
#else /* elsewhere rs_cpu_has reports neither, and these are never called */
#define batch_avx2 batch_generic
#define batch_avx512 batch_generic
#endif

typedef void (*batch_fn)(const uint64_t key[4], const uint64_t ctr[4], uint64_t *out);
static const batch_fn batch_kernels[RS_RNG_KERNELS] = {batch_generic, batch_avx2, batch_avx512};

static int kernel_supported(int kernel)
{
    switch (kernel) {
    case RS_RNG_GENERIC: return 1;
    case RS_RNG_AVX2: return rs_cpu_has(RS_CPU_AVX2);
    case RS_RNG_AVX512: return rs_cpu_has(RS_CPU_AVX512);
    }
    return 0;
}

int rs_rng_kernel(void)
{
    static int chosen = -1;
    if (chosen < 0)
        chosen = kernel_supported(RS_RNG_AVX512) ? RS_RNG_AVX512 : kernel_supported(RS_RNG_AVX2) ? RS_RNG_AVX2 : RS_RNG_GENERIC;
    return chosen;
}

int rs_threefry_batch(int kernel, const uint64_t key[4], const uint64_t ctr[4], uint64_t out[4 * RS_RNG_BLOCKS])
{
    if (kernel < 0 || kernel >= RS_RNG_KERNELS || !kernel_supported(kernel)) return -1;
    batch_kernels[kernel](key, ctr, out);
    return 0;
}

static void next_batch(rs_stream *s, uint64_t *out)
{
    batch_kernels[rs_rng_kernel()](s->key, s->ctr, out);
    s->ctr[2] += RS_RNG_BLOCKS; /* 2^64 blocks per stream: never wraps in practice */
}

void rs_next_u64_fill(rs_stream *s, uint64_t *out, size_t count)
{
    while (count && s->left) {
        *out++ = s->buf[4 * RS_RNG_BLOCKS - s->left--];
        count--;
    }
#if defined(__x86_64__) && defined(__GNUC__)
    if (rs_rng_kernel() == RS_RNG_AVX512)
        for (; count >= 8 * RS_RNG_BLOCKS; out += 8 * RS_RNG_BLOCKS, count -= 8 * RS_RNG_BLOCKS) {
            batch2_avx512(s->key, s->ctr, out); /* two batches at once */
            s->ctr[2] += 2 * RS_RNG_BLOCKS;
        }
#endif
    while (count >= 4 * RS_RNG_BLOCKS) { /* whole batches straight into out */
        next_batch(s, out);
        out += 4 * RS_RNG_BLOCKS;
        count -= 4 * RS_RNG_BLOCKS;
    }
    while (count--) *out++ = rs_next_u64(s); /* the tail leaves the buffer as single draws would */
}

uint64_t rs_next_u64(rs_stream *s)
{
    if (s->left == 0) {
        next_batch(s, s->buf);
        s->left = 4 * RS_RNG_BLOCKS;
    }
    return s->buf[4 * RS_RNG_BLOCKS - s->left--];
}

#if defined(__x86_64__) && defined(__GNUC__)
/* rs_u64_to_01 eight words at a time with AVX-512F alone (no 64-bit integer conversion
 * before AVX-512DQ): v = u >> 11 < 2^53 as 2^32 hi + lo, each half converted exactly, the
 * product by 2^32, the sum (< 2^53) and the product by 2^-53 exact too: the same numbers. */
__attribute__((target("avx512f"))) static size_t to01_avx512(const uint64_t *u, double *x, size_t count)
{
    const __m512d two32 = _mm512_set1_pd(0x1p32), scale = _mm512_set1_pd(0x1p-53);
    size_t t = 0;
    for (; t + 8 <= count; t += 8) {
        const __m512i v = _mm512_srli_epi64(_mm512_loadu_si512(u + t), 11);
        const __m512d lo = _mm512_cvtepu32_pd(_mm512_cvtepi64_epi32(v));
        const __m512d hi = _mm512_cvtepu32_pd(_mm512_cvtepi64_epi32(_mm512_srli_epi64(v, 32)));
        _mm512_storeu_pd(x + t, _mm512_mul_pd(_mm512_add_pd(_mm512_mul_pd(hi, two32), lo), scale));
    }
    return t;
}
#endif

void rs_u64_to_01_fill(const uint64_t *u, double *x, size_t count)
{
    size_t t = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    if (rs_rng_kernel() == RS_RNG_AVX512) t = to01_avx512(u, x, count);
#endif
    for (; t < count; t++) x[t] = rs_u64_to_01(u[t]);
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

#if defined(__x86_64__) && defined(__GNUC__)
/* zig_fast on words w[0..m), eight at a time (AVX-512F), up to the first word that fails
 * the rectangle test: how many normals it wrote (one a word).  The same operations as
 * zig_fast lane by lane, so the same bits: 2j + 1 < 2^53 exactly as j + j + 1, j from
 * its bits under 2^52's exponent minus 2^52, then the two products in zig_fast's order. */
__attribute__((target("avx512f"))) static size_t zig_fast_avx512(const uint64_t *w, size_t m, double *out)
{
    const __m512i low8 = _mm512_set1_epi64(0xff), bit8 = _mm512_set1_epi64(0x100);
    const __m512i exp52 = _mm512_set1_epi64(0x4330000000000000);
    const __m512d two52 = _mm512_set1_pd(0x1p52), one = _mm512_set1_pd(1.0), ulp = _mm512_set1_pd(0x1p-53);
    size_t t = 0;
    for (; t + 8 <= m; t += 8) {
        const __m512i v = _mm512_loadu_si512((const void *)(w + t));
        const __m512i i = _mm512_and_si512(v, low8), j = _mm512_srli_epi64(v, 12);
        const __mmask8 in = _mm512_cmplt_epu64_mask(j, _mm512_i64gather_epi64(i, (const void *)rs_zig_k, 8));
        const __m512d jd = _mm512_sub_pd(_mm512_castsi512_pd(_mm512_or_si512(j, exp52)), two52);
        __m512d z = _mm512_mul_pd(_mm512_add_pd(_mm512_add_pd(jd, jd), one), _mm512_i64gather_pd(i, rs_zig_x, 8));
        z = _mm512_mul_pd(z, ulp);
        z = _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(z), _mm512_slli_epi64(_mm512_and_si512(v, bit8), 55)));
        if (in != 0xFF) { /* the lanes before the first failure */
            const unsigned k = (unsigned)__builtin_ctz(~(unsigned)in);
            _mm512_mask_storeu_pd(out + t, (__mmask8)((1u << k) - 1), z);
            return t + k;
        }
        _mm512_storeu_pd(out + t, z);
    }
    return t;
}
#endif

void rs_normal_fill(rs_stream *s, double *out, size_t count)
{
    uint64_t w[256];
#if defined(__x86_64__) && defined(__GNUC__)
    const int avx512 = rs_rng_kernel() == RS_RNG_AVX512;
#endif
    while (count) {
        /* every normal takes at least one word, so count words are never too many */
        const size_t m = count < 256 ? count : 256;
        rs_next_u64_fill(s, w, m);
        for (size_t t = 0; t < m; out++, count--) {
#if defined(__x86_64__) && defined(__GNUC__)
            if (avx512) { /* the rectangle's normals in bulk, then one word below */
                const size_t a = zig_fast_avx512(w + t, m - t, out);
                t += a, out += a, count -= a;
                if (t == m) break;
            }
#endif
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
