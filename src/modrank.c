/* modrank.c - exact ranks of binary64 matrices modulo a prime p in (2^61, 2^62).
 *
 * Why the answer can be trusted.  Reduction Z[1/2] -> Z/pZ is a ring map (p is odd), and
 * every double is in Z[1/2]; so a minor that vanishes over Q vanishes mod p, and the rank
 * mod p never exceeds the rank r over Q.  It is smaller only if
 *  (a) the sketch of rs_modp_rank_khatri_rao loses rank: det of a fixed r x r minor of J R
 *      is a non-zero polynomial of degree r in R's entries, drawn uniformly from a set of
 *      2^52 residues (distinct as p > 2^52), so by Schwartz-Zippel this has probability
 *      <= r / 2^52 (1.1e-13 at r = 500), fresh for every call; or
 *  (b) p divides D, a fixed non-zero r x r minor of J with its rows scaled by powers of two
 *      to integers below 2^B.  Hadamard: |D| <= r^(r/2) 2^(rB), so at most
 *      k = r (B + log2(r)/2) / 61 primes above 2^61 divide D.  p is not random per matrix
 *      but fixed by the seed: rs_prime_from_seed takes the first prime after a hashed odd
 *      start, and with prime gaps below 2^64 at most 1550 a given prime is hit by at most
 *      775 of the 2^60 odd starts.  Over the seed (the Philox hash taken as independent of
 *      the data streams), P(b) <= k * 775 / 2^60 = k * 6.7e-16 (r = 500, B = 64: k = 561,
 *      P(b) <= 3.8e-13; at the average gap ~43 it is ~1e-14).  B is 53 for data in [0,1)
 *      plus the spread of binary exponents within a row of J.
 * Nothing else is approximate: every residue is the exact image of its rational entry.
 *
 * Arithmetic: Montgomery with R = 2^64.  With p < 2^62 a reduced value plus a Montgomery
 * product stays in (-p, 2p), inside int64, so no step can overflow. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/modrank.h"
#include "util.h"

typedef unsigned __int128 rs_u128;
_Static_assert(sizeof(double) == sizeof(uint64_t), "binary64 doubles are required");

#define RS_TWO61 ((uint64_t)1 << 61)
#define RS_TWO62 ((uint64_t)1 << 62)

/* ------------------------------------------------------------------ primes */

/* Plain a*b mod n for any n < 2^64: only for primality tests and one-off constants. */
static uint64_t rs_mulmod(uint64_t a, uint64_t b, uint64_t n)
{
    return (uint64_t)((rs_u128)a * b % n);
}

static uint64_t rs_powmod(uint64_t a, uint64_t e, uint64_t n)
{
    uint64_t r = 1 % n;
    a %= n;
    while (e) {
        if (e & 1) r = rs_mulmod(r, a, n);
        a = rs_mulmod(a, a, n);
        e >>= 1;
    }
    return r;
}

int rs_is_prime_u64(uint64_t n)
{
    /* These 12 bases make Miller-Rabin exact for n < 3.18e23 (Sorenson & Webster 2015). */
    static const uint64_t bases[12] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
    if (n < 2) return 0;
    for (int b = 0; b < 12; b++) { /* also ensures every base is below n */
        if (n == bases[b]) return 1;
        if (n % bases[b] == 0) return 0;
    }
    uint64_t d = n - 1;
    int s = 0;
    while (!(d & 1)) {
        d >>= 1;
        s++;
    }
    for (int b = 0; b < 12; b++) {
        uint64_t x = rs_powmod(bases[b], d, n);
        if (x == 1 || x == n - 1) continue;
        int witness = 1;
        for (int t = 1; t < s && witness; t++) {
            x = rs_mulmod(x, x, n);
            if (x == n - 1) witness = 0;
        }
        if (witness) return 0;
    }
    return 1;
}

uint64_t rs_prime_from_seed(uint64_t seed, unsigned which)
{
    /* The key tag keeps this hash apart from every (seed, cell) data stream. */
    const uint64_t key[2] = {seed, 0x6d6f6472616e6b00ull /* "modrank" */};
    const uint64_t ctr[4] = {which, 0, 0, 0};
    uint64_t h[4];
    rs_philox4x64(ctr, key, h);
    uint64_t x = RS_TWO61 | (h[0] >> 3) | 1;
    while (!rs_is_prime_u64(x)) {
        x += 2;
        if (x >= RS_TWO62) x = RS_TWO61 + 1;
    }
    return x;
}

/* ------------------------------------------------------------------ Montgomery arithmetic */

/* t R^-1 mod p, for t < 2^127.  t - q p is divisible by R with the same low word, so the
 * high words subtract exactly: the result is congruent and lies in [0, max(p, t / R)),
 * i.e. it is reduced when t < p R. */
static inline uint64_t rs_redc(const rs_modp *m, rs_u128 t)
{
    uint64_t q = (uint64_t)t * m->pinv;
    uint64_t h = (uint64_t)(t >> 64) - (uint64_t)(((rs_u128)q * m->p) >> 64);
    return (int64_t)h < 0 ? h + m->p : h;
}

/* a b R^-1 mod p; valid for a < p and any 64-bit b (then a b < p R: the high word of the
 * product is below p). */
static inline uint64_t rs_mont_mul(const rs_modp *m, uint64_t a, uint64_t b)
{
    return rs_redc(m, (rs_u128)a * b);
}

/* x^-1 mod p for 0 < x < p, by the extended Euclidean algorithm: about 36 divisions for
 * p ~ 2^62, several times faster than x^(p-2) (62 dependent Montgomery squarings).  The
 * cofactors stay below p in magnitude, so int64 holds them. */
static uint64_t rs_inv_plain(uint64_t x, uint64_t p)
{
    uint64_t r0 = p, r1 = x;
    int64_t t0 = 0, t1 = 1;
    while (r1) {
        const uint64_t q = r0 / r1, r2 = r0 - q * r1;
        const int64_t t2 = t0 - (int64_t)q * t1;
        r0 = r1;
        r1 = r2;
        t0 = t1;
        t1 = t2;
    }
    return t0 < 0 ? (uint64_t)(t0 + (int64_t)p) : (uint64_t)t0;
}

/* x^-1 R^2 for a Montgomery form x R of a non-zero residue: the same value as x^(p-2) in
 * Montgomery arithmetic. */
static inline uint64_t rs_mont_inv(const rs_modp *m, uint64_t x)
{
    return rs_mont_mul(m, rs_inv_plain(x, m->p), m->r3); /* (x R)^-1 R^3 R^-1 */
}

int rs_modp_init(rs_modp *m, uint64_t p)
{
    if (!m || p < 3 || !(p & 1) || p >= RS_TWO62 || !rs_is_prime_u64(p)) return -1;
    m->p = p;
    /* Newton on the 2-adic inverse: p p = 1 mod 8, and each step doubles the good bits. */
    uint64_t inv = p;
    for (int i = 0; i < 5; i++)
        inv *= 2 - p * inv;
    m->pinv = inv;
    m->one = (uint64_t)(((rs_u128)1 << 64) % p);
    uint64_t one_inv = rs_powmod(m->one, p - 2, p); /* 2^-64 */
    for (int t = -15; t <= 17; t++)
        m->pow2_64[t + 15] = t >= 0 ? rs_powmod(m->one, (uint64_t)t, p)
                                    : rs_powmod(one_inv, (uint64_t)-t, p);
    m->r3 = rs_mulmod(rs_mulmod(m->one, m->one, p), m->one, p);
    m->pow2_73 = rs_powmod(2, 73, p);
    m->pow2_105 = rs_powmod(2, 105, p);
    return 0;
}

/* ------------------------------------------------------------------ doubles */

int rs_modp_from_double(const rs_modp *m, double x, uint64_t *r)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int biased = (int)((bits >> 52) & 0x7ff);
    uint64_t mant = bits & (((uint64_t)1 << 52) - 1);
    if (biased == 0x7ff) return -1; /* NaN or Inf */
    int e = -1074;                  /* x = +-mant 2^e exactly; subnormals have biased 0 */
    if (biased) {
        mant |= (uint64_t)1 << 52;
        e = biased - 1075;
    }
    if (!mant) {
        *r = 0;
        return 0;
    }
    /* e = 64 q + s with s in [0, 64), q in [-17, 15] (floor division on a positive shift).
     * u = redc(mant 2^s) = mant 2^s R^-1 mod p; the high word of mant 2^s is below 2^53,
     * so u < max(p, 2^53) (reduced unless p < 2^53).  Multiplying by 2^(64 (q + 2)) =
     * 2^(64 q) R^2 (< p) in Montgomery fashion leaves mant 2^e, fully reduced.
     * p is odd and, for p > 2^53, mant < p: then a non-zero x never maps to 0. */
    int q = (e + 17 * 64) / 64 - 17;
    int s = e - 64 * q;
    uint64_t u = rs_redc(m, (rs_u128)mant << s);
    uint64_t v = rs_mont_mul(m, m->pow2_64[q + 17], u);
    *r = (bits >> 63) && v ? m->p - v : v;
    return 0;
}

/* ------------------------------------------------------------------ elimination */

/* dst[j] -= g src[j] R^-1 for j < len.  dst + redc-high-words lies in (-p, 2p), so two
 * conditional corrections fully reduce it without a division. */
static void rs_row_submul(const rs_modp *m, uint64_t *restrict dst, const uint64_t *restrict src,
                          int len, uint64_t g)
{
    const uint64_t p = m->p, pinv = m->pinv;
    for (int j = 0; j < len; j++) {
        rs_u128 t = (rs_u128)g * src[j];
        uint64_t q = (uint64_t)t * pinv;
        int64_t x = (int64_t)(dst[j] + (uint64_t)(((rs_u128)q * p) >> 64) - (uint64_t)(t >> 64));
        x += (int64_t)(p & (uint64_t)(x >> 63));
        dst[j] = (uint64_t)(x >= (int64_t)p ? x - (int64_t)p : x);
    }
}

/* Basis rows applied per pass: 8 products < 8 p^2 < 2^127 add up in 128 bits unreduced,
 * and the high word stays below 2p, so one subtraction readies the sum for redc. */
#define RS_CHUNK 8

/* dst[j] -= sum_t g[t] u[t][j] R^-1 for j in [from, cols): the O(n^3) loop, one redc per
 * RS_CHUNK multiply-adds instead of one per product. */
static void rs_row_submul_chunk(const rs_modp *m, uint64_t *restrict dst,
                                const uint64_t *const u[RS_CHUNK], const uint64_t g[RS_CHUNK],
                                int from, int cols)
{
    const uint64_t p = m->p, pinv = m->pinv;
    const uint64_t *u0 = u[0], *u1 = u[1], *u2 = u[2], *u3 = u[3], *u4 = u[4], *u5 = u[5],
                   *u6 = u[6], *u7 = u[7];
    const uint64_t g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3], g4 = g[4], g5 = g[5],
                   g6 = g[6], g7 = g[7];
    _Static_assert(RS_CHUNK == 8, "the pass below is unrolled for 8 rows");
    for (int j = from; j < cols; j++) {
        /* a sum tree instead of a chain: independent 128-bit additions overlap */
        rs_u128 acc = (((rs_u128)g0 * u0[j] + (rs_u128)g1 * u1[j]) +
                       ((rs_u128)g2 * u2[j] + (rs_u128)g3 * u3[j])) +
                      (((rs_u128)g4 * u4[j] + (rs_u128)g5 * u5[j]) +
                       ((rs_u128)g6 * u6[j] + (rs_u128)g7 * u7[j]));
        uint64_t hi = (uint64_t)(acc >> 64);
        hi -= hi >= p ? p : 0; /* subtracts p 2^64, a multiple of p: now acc < p R */
        uint64_t q = (uint64_t)acc * pinv;
        int64_t x = (int64_t)(dst[j] + (uint64_t)(((rs_u128)q * p) >> 64) - hi);
        x += (int64_t)(p & (uint64_t)(x >> 63));
        dst[j] = (uint64_t)(x >= (int64_t)p ? x - (int64_t)p : x);
    }
}

/* The elimination state shared by both kernels: basis rows U_0..U_{k-1} in rows 0..k-1 of a
 * (ld = cols words apart), columns permuted so that U_t's pivot is in column t; swap[t] is
 * the column that step t swapped into column t.  Rows arrive in batches (rs_elim_rows): a
 * batch's rows first get the swaps made so far, so a sketch can be produced lazily. */
typedef struct {
    const rs_modp *m;
    int cols, k;
    uint64_t *a;
    int *swap;   /* cols entries */
    uint64_t *gl; /* rs_elim_gl_words(cols) words: the AVX2 kernel's multiplier limbs */
} rs_elim;

/* Rows of at least RS_BATCH_COLS entries go RS_BATCH_ROWS at a time: the basis outgrows
 * the first caches there, and a batch reads each block of it once for all its rows (the
 * others find it in L2): -10 % at n = 500, -40 % at n = 2000 (measured).  The rows of a
 * batch are reduced by the basis at the batch's start together, then finished in order,
 * each also by the basis rows its predecessors became: (RS_BATCH_ROWS^2 / 2) n extra
 * products per batch, against its k n dot products. */
#define RS_BATCH_COLS 256
#define RS_BATCH_ROWS 8

/* The multiplier limbs rs_elim needs for rows of cols entries: 3 cols words per row of a
 * batch. */
static size_t rs_elim_gl_words(int cols)
{
    return 3 * (size_t)cols * (cols >= RS_BATCH_COLS ? RS_BATCH_ROWS : 1);
}

/* Row (already reduced by U_0..U_{k-1}) becomes basis row k: its first non-zero at or
 * after column k is swapped into column k in rows 0..nrows-1 (column order does not change
 * the rank).  0, or -1 if the row is zero from k on, i.e. depends on the rows before it. */
static inline int rs_pivot_to(rs_elim *el, int nrows, const uint64_t *row)
{
    const int k = el->k, cols = el->cols;
    int c = k;
    while (c < cols && row[c] == 0)
        c++;
    if (c == cols) return -1;
    el->swap[k] = c;
    if (c != k)
        for (int r = 0; r < nrows; r++) {
            uint64_t *ar = el->a + (size_t)r * (size_t)cols, t = ar[c];
            ar[c] = ar[k];
            ar[k] = t;
        }
    return 0;
}

/* Rows i0..i1-1 are new: give them the column swaps of the basis steps so far. */
static void rs_elim_admit(const rs_elim *el, int i0, int i1)
{
    for (int i = i0; i < i1; i++) {
        uint64_t *row = el->a + (size_t)i * (size_t)el->cols;
        for (int t = 0; t < el->k; t++) {
            const int c = el->swap[t];
            const uint64_t x = row[c];
            row[c] = row[t];
            row[t] = x;
        }
    }
}

/* The portable kernel on rows i0..i1-1; with stop, it returns 1 at the first row that
 * depends on the rows before it (else 0). */
static int rs_elim_scalar(rs_elim *el, int i0, int i1, int stop)
{
    const rs_modp *m = el->m;
    const int cols = el->cols;
    uint64_t *a = el->a;
    /* The residues are read as Montgomery forms, i.e. the matrix is scaled by R^-1: a
     * non-zero scalar, so the rank is unchanged and no conversion pass is needed.
     * Rows are reduced one at a time against the basis: U_t's pivot is normalised to one,
     * the multiplier of U_t is then the row's current entry t, and the new pivot is the
     * first non-zero entry of the reduced row (a contiguous search). */
    for (int i = i0; i < i1 && el->k < cols; i++) {
        const int k = el->k;
        uint64_t *row = a + (size_t)i * cols;
        for (int t0 = 0; t0 < k; t0 += RS_CHUNK) {
            const int t1 = t0 + RS_CHUNK < k ? t0 + RS_CHUNK : k;
            const uint64_t *u[RS_CHUNK];
            uint64_t g[RS_CHUNK];
            int any = 0;
            for (int t = t0; t < t0 + RS_CHUNK; t++) {
                /* past the basis: multiplier 0 on a valid row keeps the pass branch-free */
                u[t - t0] = a + (size_t)(t < t1 ? t : t0) * cols;
                g[t - t0] = t < t1 ? row[t] : 0;
                if (g[t - t0]) { /* entries t+1 .. t1-1 feed the next multipliers */
                    rs_row_submul(m, row + t + 1, u[t - t0] + t + 1, t1 - t - 1, g[t - t0]);
                    any = 1;
                }
            }
            if (any) rs_row_submul_chunk(m, row, u, g, t1, cols);
        }
        if (rs_pivot_to(el, i1, row)) { /* row i depends on the rows before it */
            if (stop) return 1;
            continue;
        }
        const uint64_t inv = rs_mont_inv(m, row[k]); /* (x R)^-1 R^2 = x^-1 R */
        uint64_t *uk = a + (size_t)k * cols;
        for (int j = k; j < cols; j++)
            uk[j] = rs_mont_mul(m, row[j], inv);
        el->k++;
    }
    return 0;
}

/* ------------------------------------------------------------------ AVX2 elimination */

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define RS_HAVE_AVX2_KERNEL 1

/* AVX2 has no 64 x 64-bit multiply, only 32 x 32 -> 64 (vpmuludq, four lanes).  The AVX2
 * kernel eliminates the same way as the scalar one (a row's entries t < k become its
 * multipliers g_t) but computes each entry of a row as a dot product over the basis, four
 * columns at a time:
 *   v[j] = row[j] - sum_t g_t U_t[j] R^-1  (mod p).
 * A basis entry u < p < 2^62 is kept split, u = u0 + 2^31 u1 with 31-bit limbs stored as
 * the low and the high half of its word: vpmuludq reads the low half of a lane, and the
 * same row loaded 4 bytes further on has u1 there, so neither limb costs a shift or mask.
 * A multiplier g < p is cut into three 21-bit limbs g0 + 2^21 g1 + 2^42 g2.  g u is then
 * six limb products below 2^52, one per accumulator (bit offsets 0, 21, 31, 42, 52, 73),
 * so RS_DOT_RUN = 1024 basis rows add up below 2^62 without any reduction. */
#define RS_M31 (((uint64_t)1 << 31) - 1)
#define RS_M21 (((uint64_t)1 << 21) - 1)
#define RS_DOT_RUN 1024

static inline uint64_t rs_split31(uint64_t v)
{
    return (v & RS_M31) | (v >> 31) << 32;
}
static inline uint64_t rs_join31(uint64_t s)
{
    return (s & 0xffffffffu) + ((s >> 32) << 31);
}

/* x - y mod p for x, y < p */
static inline uint64_t rs_subm(uint64_t x, uint64_t y, uint64_t p)
{
    return x >= y ? x - y : x + (p - y);
}

/* dst[l] -= g u[l] R^-1 mod p for l < len, u split (a basis row), dst reduced */
static inline void rs_row_submul_split(const rs_modp *m, uint64_t *dst, const uint64_t *u, int len, uint64_t g)
{
    for (int l = 0; l < len; l++)
        dst[l] = rs_subm(dst[l], rs_mont_mul(m, g, rs_join31(u[l])), m->p);
}

/* 2^73 and 2^105 mod p in 21-bit limbs, broadcast: the fold of the offset-73 accumulator */
typedef struct {
    __m256i k73[3], k105[3];
    __m256i p[2], pinv[2]; /* p and p^-1 mod 2^64 in 32-bit halves */
    __m256i p64;           /* p */
} rs_fold;

__attribute__((target("avx2"))) static void rs_fold_init(rs_fold *f, const rs_modp *m)
{
    const uint64_t k73 = m->pow2_73, k105 = m->pow2_105;
    for (int l = 0; l < 3; l++) {
        f->k73[l] = _mm256_set1_epi64x((long long)((k73 >> (21 * l)) & RS_M21));
        f->k105[l] = _mm256_set1_epi64x((long long)((k105 >> (21 * l)) & RS_M21));
    }
    for (int l = 0; l < 2; l++) {
        f->p[l] = _mm256_set1_epi64x((long long)((m->p >> (32 * l)) & 0xffffffffu));
        f->pinv[l] = _mm256_set1_epi64x((long long)((m->pinv >> (32 * l)) & 0xffffffffu));
    }
    f->p64 = _mm256_set1_epi64x((long long)m->p);
}

/* Adds A 2^(32 q + s) (A < 2^63, s < 32) to the 32-bit digits d[q..q+2]: the low and high
 * halves of A, shifted by s, each land in two digits. */
__attribute__((target("avx2"), always_inline)) static inline void rs_digits_add(__m256i d[4], __m256i A, int s,
                                                                              int q, __m256i m32)
{
    const __m256i x = _mm256_slli_epi64(_mm256_and_si256(A, m32), s); /* < 2^(32 + s) */
    const __m256i y = _mm256_slli_epi64(_mm256_srli_epi64(A, 32), s); /* < 2^(31 + s) */
    d[q] = _mm256_add_epi64(d[q], _mm256_and_si256(x, m32));
    d[q + 1] = _mm256_add_epi64(d[q + 1], _mm256_add_epi64(_mm256_srli_epi64(x, 32), _mm256_and_si256(y, m32)));
    d[q + 2] = _mm256_add_epi64(d[q + 2], _mm256_srli_epi64(y, 32));
}

/* v[l] -= sum_{t < nt} g_t U_t[j + l] R^-1 mod p, l < w <= 4, for the basis rows U_t = u + t ld
 * (split) and the multipliers' limbs gl[3 t + 0..2]; nt <= RS_DOT_RUN.  Reads U_t[j ..
 * j + 4] (the half word after the block too): a block that reaches past a row's end reads
 * the rows after it, which must exist.
 * The offset-73 accumulator a73 = l + 2^32 h (< 2^62) is folded in the vector registers:
 * a73 2^73 = l 2^73 + h 2^105, and 2^73, 2^105 mod p in 21-bit limbs times the 32-bit l
 * and the 30-bit h stay below 2^54 per lane, so they add to a0, a21, a42 (< 2^63).  The
 * rest, a0 + 2^21 a21 + 2^31 a31 + 2^42 a42 + 2^52 a52 < 2^116, then needs one Montgomery
 * reduction per lane: its high word is below 2^52 < p, so the result is reduced (the
 * kernel is used for p > 2^52 only).  The reduction stays in the vector registers too:
 * the sum as four 32-bit digits with carries, and the 64 x 64-bit products of Montgomery's
 * q = lo p^-1 and q p from 32 x 32-bit ones. */
__attribute__((target("avx2"), always_inline)) static inline void
rs_dot_avx2(const rs_modp *m, const rs_fold *f, const uint64_t *u, size_t ld, const uint64_t *gl,
            int nt, uint64_t *v, int w)
{
    __m256i a0 = _mm256_setzero_si256(), a21 = a0, a31 = a0, a42 = a0, a52 = a0, a73 = a0;
    for (int t = 0; t < nt; t++, u += ld, gl += 3) {
        const __m256i lo = _mm256_loadu_si256((const __m256i *)u);
        const __m256i hi = _mm256_loadu_si256((const __m256i *)((const char *)u + 4));
        const __m256i b0 = _mm256_set1_epi64x((long long)gl[0]);
        const __m256i b1 = _mm256_set1_epi64x((long long)gl[1]);
        const __m256i b2 = _mm256_set1_epi64x((long long)gl[2]);
        a0 = _mm256_add_epi64(a0, _mm256_mul_epu32(b0, lo));
        a31 = _mm256_add_epi64(a31, _mm256_mul_epu32(b0, hi));
        a21 = _mm256_add_epi64(a21, _mm256_mul_epu32(b1, lo));
        a52 = _mm256_add_epi64(a52, _mm256_mul_epu32(b1, hi));
        a42 = _mm256_add_epi64(a42, _mm256_mul_epu32(b2, lo));
        a73 = _mm256_add_epi64(a73, _mm256_mul_epu32(b2, hi));
    }
    const __m256i h = _mm256_srli_epi64(a73, 32); /* vpmuludq reads a73's low half as l */
    a0 = _mm256_add_epi64(a0, _mm256_add_epi64(_mm256_mul_epu32(a73, f->k73[0]), _mm256_mul_epu32(h, f->k105[0])));
    a21 = _mm256_add_epi64(a21, _mm256_add_epi64(_mm256_mul_epu32(a73, f->k73[1]), _mm256_mul_epu32(h, f->k105[1])));
    a42 = _mm256_add_epi64(a42, _mm256_add_epi64(_mm256_mul_epu32(a73, f->k73[2]), _mm256_mul_epu32(h, f->k105[2])));
    /* T = a0 + 2^21 a21 + 2^31 a31 + 2^42 a42 + 2^52 a52 as 32-bit digits d0..d3 (64-bit
     * lanes with room for carries), then lo = T mod 2^64 and hi = T >> 64 < 2^52 */
    const __m256i m32 = _mm256_set1_epi64x(0xffffffff);
    __m256i d[4] = {_mm256_and_si256(a0, m32), _mm256_srli_epi64(a0, 32), _mm256_setzero_si256(),
                    _mm256_setzero_si256()};
    rs_digits_add(d, a21, 21, 0, m32);
    rs_digits_add(d, a31, 31, 0, m32);
    rs_digits_add(d, a42, 10, 1, m32);
    rs_digits_add(d, a52, 20, 1, m32);
    for (int q = 0; q < 3; q++) {
        d[q + 1] = _mm256_add_epi64(d[q + 1], _mm256_srli_epi64(d[q], 32));
        d[q] = _mm256_and_si256(d[q], m32);
    }
    const __m256i lo = _mm256_or_si256(d[0], _mm256_slli_epi64(d[1], 32));
    const __m256i hi = _mm256_or_si256(d[2], _mm256_slli_epi64(d[3], 32));
    /* Montgomery: q = lo p^-1 mod 2^64, then T R^-1 = hi - mulhi(q, p) (the low words
     * cancel), in (-p, p) since hi < 2^52 < p */
    const __m256i q = _mm256_add_epi64(
        _mm256_mul_epu32(lo, f->pinv[0]),
        _mm256_slli_epi64(_mm256_add_epi64(_mm256_mul_epu32(lo, f->pinv[1]), _mm256_mul_epu32(d[1], f->pinv[0])), 32));
    const __m256i q1 = _mm256_srli_epi64(q, 32);
    const __m256i t00 = _mm256_mul_epu32(q, f->p[0]), t01 = _mm256_mul_epu32(q, f->p[1]);
    const __m256i t10 = _mm256_mul_epu32(q1, f->p[0]), t11 = _mm256_mul_epu32(q1, f->p[1]);
    const __m256i mid = _mm256_add_epi64(_mm256_srli_epi64(t00, 32),
                                         _mm256_add_epi64(_mm256_and_si256(t01, m32), _mm256_and_si256(t10, m32)));
    const __m256i mh = _mm256_add_epi64(_mm256_add_epi64(t11, _mm256_srli_epi64(mid, 32)),
                                        _mm256_add_epi64(_mm256_srli_epi64(t01, 32), _mm256_srli_epi64(t10, 32)));
    const __m256i zero = _mm256_setzero_si256();
    __m256i r = _mm256_sub_epi64(hi, mh);
    r = _mm256_add_epi64(r, _mm256_and_si256(_mm256_cmpgt_epi64(zero, r), f->p64));
    /* v - r mod p (v, r < p < 2^62: signed compares are exact) */
    if (w == 4) {
        __m256i x = _mm256_sub_epi64(_mm256_loadu_si256((const __m256i *)v), r);
        x = _mm256_add_epi64(x, _mm256_and_si256(_mm256_cmpgt_epi64(zero, x), f->p64));
        _mm256_storeu_si256((__m256i *)v, x);
    } else { /* the row's last block: no access past its end */
        uint64_t rl[4] __attribute__((aligned(32)));
        _mm256_store_si256((__m256i *)rl, r);
        for (int l = 0; l < w; l++)
            v[l] = rs_subm(v[l], rl[l], m->p);
    }
}

/* The elimination of rs_elim_scalar with the dot products above, on rows i0..i1-1. */
__attribute__((target("avx2"))) static int rs_elim_avx2(rs_elim *el, int i0, int i1, int stop)
{
    const rs_modp *m = el->m;
    const int cols = el->cols, batch = cols >= RS_BATCH_COLS ? RS_BATCH_ROWS : 1;
    const size_t ld = (size_t)cols;
    uint64_t *a = el->a;
    rs_fold f;
    rs_fold_init(&f, m);
    for (int i = i0; i < i1 && el->k < cols;) {
        const int k = el->k, nb = i1 - i < batch ? i1 - i : batch;
        for (int j = 0; j < cols; j += 4) {
            const int w = cols - j < 4 ? cols - j : 4;
            /* basis rows before the block: dot products (a block only reads past the
             * row's end at j + 4 > cols, and then only rows t < k <= i, which have a
             * successor) */
            const int tk = j < k ? j : k, te = j + w < k ? j + w : k;
            for (int r = 0; r < nb; r++) {
                uint64_t *v = a + (size_t)(i + r) * ld + j, *gl = el->gl + 3 * ld * (size_t)r;
                for (int t0 = 0; t0 < tk; t0 += RS_DOT_RUN) {
                    const int nt = tk - t0 < RS_DOT_RUN ? tk - t0 : RS_DOT_RUN;
                    rs_dot_avx2(m, &f, a + (size_t)t0 * ld + j, ld, gl + 3 * (size_t)t0, nt, v, w);
                }
                /* basis rows whose pivots lie in the block: in order, each fixing the
                 * next multiplier */
                for (int t = j; t < te; t++) {
                    const uint64_t g = v[t - j];
                    gl[3 * (size_t)t] = g & RS_M21;
                    gl[3 * (size_t)t + 1] = (g >> 21) & RS_M21;
                    gl[3 * (size_t)t + 2] = g >> 42;
                    if (g) rs_row_submul_split(m, v + (t - j + 1), a + (size_t)t * ld + t + 1, j + w - t - 1, g);
                }
            }
        }
        for (int r = 0; r < nb && el->k < cols; r++) {
            uint64_t *row = a + (size_t)(i + r) * ld;
            for (int t = k; t < el->k; t++) /* the batch's earlier rows, now basis rows */
                if (row[t]) rs_row_submul_split(m, row + t + 1, a + (size_t)t * ld + t + 1, cols - t - 1, row[t]);
            if (rs_pivot_to(el, i1, row)) { /* row i + r depends on the rows before it */
                if (stop) return 1;
                continue;
            }
            const int kk = el->k;
            const uint64_t inv = rs_mont_inv(m, row[kk]); /* (x R)^-1 R^2 = x^-1 R */
            uint64_t *uk = a + (size_t)kk * ld;
            for (int j = kk; j < cols; j++)
                uk[j] = rs_split31(rs_mont_mul(m, inv, row[j]));
            el->k++;
        }
        i += nb;
    }
    return 0;
}
#endif

/* ------------------------------------------------------------------ kernel choice */

static int rs_kernel_choice = RS_MODP_KERNEL_AUTO;

/* Below RS_AVX2_AUTO_COLS columns the scalar kernel is as fast (the per-entry reductions
 * and the small triangles in each block weigh more than the dot products). */
#define RS_AVX2_MIN_COLS 8
#define RS_AVX2_AUTO_COLS 36
#define RS_AVX2_MIN_P ((uint64_t)1 << 52)

static int rs_avx2_available(void)
{
#ifdef RS_HAVE_AVX2_KERNEL
    return rs_cpu_has(RS_CPU_AVX2);
#else
    return 0;
#endif
}

int rs_modp_set_kernel(int kernel)
{
    if (kernel != RS_MODP_KERNEL_AUTO && kernel != RS_MODP_KERNEL_SCALAR &&
        kernel != RS_MODP_KERNEL_AVX2)
        return -1;
    if (kernel == RS_MODP_KERNEL_AVX2 && !rs_avx2_available()) return -1;
    rs_kernel_choice = kernel;
    return 0;
}

int rs_modp_kernel(void)
{
    if (rs_kernel_choice != RS_MODP_KERNEL_AUTO) return rs_kernel_choice;
    return rs_avx2_available() ? RS_MODP_KERNEL_AVX2 : RS_MODP_KERNEL_SCALAR;
}

/* 1 if rows of cols entries go to the AVX2 kernel: it needs cols >= RS_AVX2_MIN_COLS (its
 * reads past a row's end stay in the matrix) and p > 2^52 (its reduction), and is chosen
 * automatically only from RS_AVX2_AUTO_COLS on, where it is faster.  (The primes from
 * rs_prime_from_seed have 62 bits; smaller ones are for tests.) */
static int rs_elim_uses_avx2(uint64_t p, int cols)
{
#ifdef RS_HAVE_AVX2_KERNEL
    return cols >= RS_AVX2_MIN_COLS && p > RS_AVX2_MIN_P && rs_modp_kernel() == RS_MODP_KERNEL_AVX2 &&
           (cols >= RS_AVX2_AUTO_COLS || rs_kernel_choice == RS_MODP_KERNEL_AVX2);
#else
    (void)p;
    (void)cols;
    return 0;
#endif
}

/* An empty basis over the rows of a (cols entries each); swap: cols ints, gl:
 * rs_elim_gl_words(cols) words (only for the AVX2 kernel). */
static void rs_elim_init(rs_elim *el, const rs_modp *m, int cols, uint64_t *a, int *swap, uint64_t *gl)
{
    el->m = m;
    el->cols = cols;
    el->k = 0;
    el->a = a;
    el->swap = swap;
    el->gl = gl;
}

/* Rows i0..i1-1 of a join the elimination (rows before i0 were given before); with stop,
 * it ends at the first row that depends on the rows before it.  Returns 1 then, else 0. */
static int rs_elim_rows(rs_elim *el, int i0, int i1, int stop)
{
    rs_elim_admit(el, i0, i1);
#ifdef RS_HAVE_AVX2_KERNEL
    if (el->gl && rs_elim_uses_avx2(el->m->p, el->cols) && i1 > 1) return rs_elim_avx2(el, i0, i1, stop);
#endif
    return rs_elim_scalar(el, i0, i1, stop);
}

int rs_modp_rank_dense(const rs_modp *m, int rows, int cols, uint64_t *a, int *rank)
{
    if (!m || !rank || rows < 0 || cols < 0 || (rows && cols && !a)) return -1;
    const size_t total = (size_t)rows * (size_t)cols;
    for (size_t t = 0; t < total; t++)
        if (a[t] >= m->p) return -1;
    /* the column swaps and the multipliers' limbs; without memory for the limbs the
     * scalar kernel does the job */
    int swap_stack[256], *swap = cols <= 256 ? swap_stack : malloc(sizeof *swap * (size_t)cols);
    uint64_t gl_stack[3 * 256], *gl = NULL;
    if (!swap) return -1;
    if (rs_elim_uses_avx2(m->p, cols))
        gl = rs_elim_gl_words(cols) <= 3 * 256 ? gl_stack : malloc(sizeof *gl * rs_elim_gl_words(cols));
    rs_elim el;
    rs_elim_init(&el, m, cols, a, swap, gl);
    rs_elim_rows(&el, 0, rows, 0);
    *rank = el.k;
    if (swap != swap_stack) free(swap);
    if (gl && gl != gl_stack) free(gl);
    return 0;
}

int rs_modp_rank_double(const rs_modp *m, int rows, int cols, const double *a, int lda,
                        rs_workspace *ws, int *rank)
{
    if (!m || !ws || !rank || rows < 0 || cols < 0 || lda < (rows > 1 ? rows : 1) ||
        (rows && cols && !a))
        return -1;
    uint64_t *t = (uint64_t *)rs_workspace_doubles(ws, (size_t)rows * (size_t)cols);
    if (!t) return -1;
    /* Long rows make the elimination's inner loop long: store A^T when A is tall. */
    const int tall = rows >= cols;
    for (int c = 0; c < cols; c++)
        for (int i = 0; i < rows; i++) {
            uint64_t v;
            if (rs_modp_from_double(m, a[i + (size_t)lda * c], &v)) return -1;
            t[tall ? (size_t)c * rows + i : (size_t)i * cols + c] = v;
        }
    return rs_modp_rank_dense(m, tall ? cols : rows, tall ? rows : cols, t, rank);
}

/* ------------------------------------------------------------------ Khatri-Rao sketch */

/* Sketch entries have 52 bits and sums restart from a value below p < 2^62, so 2048 of
 * them fit in a uint64 (< 2^62 + 2^63): the accumulation is plain integer addition. */
#define RS_SKETCH_BITS 52
#define RS_ACC_RUN 2048
#define RS_SKETCH_W 8 /* sketch columns per pass: one cache line of a row of R */
#define RS_XC_RUN 1024 /* residue x 52-bit products summed before a reduction: < 2^124 < p R */
#define RS_SKETCH_SLACK 4 /* J^T up to this many rows wider than the sketch is eliminated as is */

/* dst = a + b and acc += b over one pass width; the constant trip count lets -O2
 * vectorise them. */
static inline void rs_add_w(uint64_t *restrict dst, const uint64_t *restrict a,
                            const uint64_t *restrict b)
{
    for (int u = 0; u < RS_SKETCH_W; u++)
        dst[u] = a[u] + b[u];
}
static inline void rs_acc_w(uint64_t *restrict acc, const uint64_t *restrict b)
{
    for (int u = 0; u < RS_SKETCH_W; u++)
        acc[u] += b[u];
}

/* Neurons j0 .. j0+g-1 of one point as a g-bit index (g <= 8, j0 + g <= d1). */
static unsigned rs_pattern_group(const uint64_t *bits, int j0, int g)
{
    const int w = j0 / 64, off = j0 % 64;
    uint64_t b = bits[w] >> off;
    if (off + g > 64) b |= bits[w + 1] << (64 - off);
    return (unsigned)(b & ((1u << g) - 1));
}

/* a * b is small enough that a sum of four such word counts fits in bytes. */
static int rs_words_ok(size_t a, size_t b)
{
    return !b || a <= SIZE_MAX / 32 / b;
}

/* M = J^T (P x n, row-major), when J is hardly wider than a sketch would be. */
static void rs_kr_exact(const rs_pattern *A, const uint64_t *xr, int p, uint64_t *M)
{
    const int n = A->n;
    for (int j = 0; j < A->d1; j++)
        for (int k = 0; k < p; k++) {
            uint64_t *row = M + ((size_t)j * p + k) * n;
            for (int i = 0; i < n; i++)
                row[i] = rs_pattern_get(A, j, i) ? xr[k + (size_t)p * i] : 0;
        }
}

/* The Khatri-Rao sketch R = B o C, produced RS_SKETCH_W columns (one pass) at a time:
 * column t of R is b_t (x) c_t with B (d1 x c) and C (p x c) drawn from s, 52-bit entries.
 * Then
 *   (J R)[i, t] = (sum_{j active at i} B[j, t]) (sum_k x_ki C[k, t]) = U[i, t] V[i, t],
 * so R costs (d1 + p) draws per column instead of d1 p, and U one pass of neuron subset
 * sums instead of p.  Its entries are degree-2 polynomials in (B, C), and some rank-one
 * columns b (x) c see the whole row space of J (the e_j (x) e_k span R^P), so by
 * Schwartz-Zippel a new column J r_t lies in the span of the columns before it, while
 * those do not yet span J's column space, with probability at most 2/2^52: the sketch can
 * stop at its first dependent column, and rank J R < rank J with probability at most
 * 2 rank J / 2^52 in all (docs/config.md). */
typedef struct {
    const rs_modp *m;
    const rs_pattern *A;
    const uint64_t *xr; /* the inputs' residues, p x n */
    int p, gs, ngroups; /* neurons go in groups of gs: ngroups of them */
    const int *idx;     /* ngroups x n: each point's active neurons of a group as gs bits */
    uint64_t *R;        /* (d1 + p) x RS_SKETCH_W: this pass's columns of B, then of C */
    uint64_t *acc;      /* n x RS_SKETCH_W */
    uint64_t *tab;      /* 256 x RS_SKETCH_W */
} rs_kr_sketch;

/* Neurons go in groups of g; a group's 2^g subset sums of B rows are tabulated once per
 * pass and each point adds one entry (Four Russians), so a pass costs (2^g + n) W
 * additions per group instead of (#active) W per point.  g minimises (2^g + n) / g. */
static int rs_kr_sketch_init(rs_kr_sketch *k, const rs_modp *m, const rs_pattern *A, const uint64_t *xr,
                             int p, rs_workspace *ws, uint64_t *R, uint64_t *acc, uint64_t *tab)
{
    const int n = A->n, d1 = A->d1;
    int gs = 1;
    for (int g = 2; g <= 8; g++)
        if (((int64_t)(1 << g) + n) * gs < ((int64_t)(1 << gs) + n) * g) gs = g;
    const int ngroups = (d1 + gs - 1) / gs;
    int *idx = rs_workspace_ints(ws, (size_t)ngroups * n);
    if (!idx) return -1;
    for (int q = 0; q < ngroups; q++) {
        const int j0 = q * gs, g = d1 - j0 < gs ? d1 - j0 : gs;
        for (int i = 0; i < n; i++)
            idx[(size_t)q * n + i] = (int)rs_pattern_group(A->bits + (size_t)i * A->words, j0, g);
    }
    *k = (rs_kr_sketch){.m = m, .A = A, .xr = xr, .p = p, .gs = gs, .ngroups = ngroups, .idx = idx,
                        .R = R, .acc = acc, .tab = tab};
    return 0;
}

/* Rows 0..wide-1 of M (n words each) = the next wide <= RS_SKETCH_W columns of J R,
 * transposed; draws (d1 + p) wide words from s: for each row of B, then of C, its wide
 * entries. */
static void rs_kr_sketch_pass(const rs_kr_sketch *k, int wide, rs_stream *s, uint64_t *M)
{
    const rs_modp *m = k->m;
    const int n = k->A->n, d1 = k->A->d1, p = k->p, gs = k->gs, W = RS_SKETCH_W;
    const size_t rows = (size_t)d1 + (size_t)p, nacc = (size_t)n * W;
    uint64_t *R = k->R, *acc = k->acc, *tab = k->tab;
    /* R's rows W words apart, columns past wide zero */
    if (wide == W)
        rs_next_u64_fill(s, R, rows * W);
    else
        for (size_t row = 0; row < rows; row++) {
            rs_next_u64_fill(s, R + row * W, (size_t)wide);
            memset(R + row * W + wide, 0, (size_t)(W - wide) * sizeof *R);
        }
    for (size_t t = 0; t < rows * W; t++)
        R[t] >>= 64 - RS_SKETCH_BITS;
    const uint64_t *Rc = R + (size_t)d1 * W;

    /* U by integer sums of B rows, V by Montgomery products of the residues x_ki with C;
     * redc(U V) = U V R^-1 for any 64-bit U and V < p, and redc(x C) carries R^-1 too: every
     * entry has the same factor R^-2, which leaves the rank alone. */
    memset(tab, 0, W * sizeof *tab); /* the empty subset */
    memset(acc, 0, nacc * sizeof *acc);
    int run = 0;
    for (int q = 0; q < k->ngroups; q++) {
        const int j0 = q * gs, g = d1 - j0 < gs ? d1 - j0 : gs;
        for (unsigned sub = 1; sub < 1u << g; sub++) {
            const int j = j0 + __builtin_ctz(sub);
            rs_add_w(tab + (size_t)sub * W, tab + (size_t)(sub & (sub - 1)) * W, R + (size_t)j * W);
        }
        if (run + g > RS_ACC_RUN) {
            for (size_t t = 0; t < nacc; t++)
                acc[t] %= m->p;
            run = 0;
        }
        run += g;
        const int *iq = k->idx + (size_t)q * n;
        for (int i = 0; i < n; i++)
            if (iq[i]) rs_acc_w(acc + (size_t)i * W, tab + (size_t)iq[i] * W);
    }
    for (int i = 0; i < n; i++) {
        const uint64_t *xi = k->xr + (size_t)p * i, *ai = acc + (size_t)i * W;
        for (int u = 0; u < wide; u++) {
            /* V = sum_k x_ki C[k, t]: 128-bit products (< 2^62 2^52) summed in runs of
             * RS_XC_RUN, each run below p R, then one REDC per run */
            uint64_t v = 0;
            for (int k0 = 0; k0 < p; k0 += RS_XC_RUN) {
                const int k1 = p - k0 < RS_XC_RUN ? p : k0 + RS_XC_RUN;
                rs_u128 t = 0;
                for (int kk = k0; kk < k1; kk++) t += (rs_u128)xi[kk] * Rc[(size_t)kk * W + u];
                v += rs_redc(m, t);
                v = v >= m->p ? v - m->p : v;
            }
            M[(size_t)u * n + i] = rs_mont_mul(m, v, ai[u]);
        }
    }
}

/* The rank of J R (width columns), or min(rank J, width) when P <= width + RS_SKETCH_SLACK. */
static int rs_kr_rank(const rs_modp *m, const rs_pattern *A, const double *xt, int p, int width,
                      rs_stream *s, rs_workspace *ws, int *rank)
{
    if (!m || !A || !ws || !rank || p < 1 || A->n < 0 || A->d1 < 0 || (A->n && !xt) ||
        (A->n && A->d1 && !A->bits) || width < 0)
        return -1;
    const int n = A->n, W = RS_SKETCH_W;
    const int64_t P = (int64_t)A->d1 * p;
    /* J^T itself when it has at most RS_SKETCH_SLACK rows more than the sketch would: its
     * extra rows cost less than making the sketch */
    const int sketch = P > (int64_t)width + RS_SKETCH_SLACK;
    if (sketch && !s) return -1;
    const size_t c = (size_t)(sketch ? width : P);
    const size_t cw = (c + W - 1) / W * W;
    if (!rs_words_ok((size_t)p, (size_t)n) || !rs_words_ok((size_t)n, cw) ||
        (sketch && (!rs_words_ok((size_t)P, W) || !rs_words_ok((size_t)n + 256, W))))
        return -1;
    /* M: c rows of n words (whole passes for the sketch); the elimination's swaps and
     * multiplier limbs */
    const size_t nx = (size_t)p * n, nm = (size_t)n * (sketch ? cw : c);
    const size_t nr = sketch ? ((size_t)A->d1 + (size_t)p) * W : 0, nacc = sketch ? (size_t)n * W : 0;
    const size_t ntab = sketch ? 256 * (size_t)W : 0, ngl = rs_elim_gl_words(n);
    uint64_t *xr = (uint64_t *)rs_workspace_doubles(ws, nx + nm + nr + nacc + ntab + ngl + (size_t)n);
    if (!xr) return -1;
    uint64_t *M = xr + nx, *R = M + nm, *acc = R + nr, *tab = acc + nacc, *gl = tab + ntab;
    int *swap = (int *)(gl + ngl);

    for (size_t t = 0; t < nx; t++)
        if (rs_modp_from_double(m, xt[t], &xr[t])) return -1;
    *rank = 0;
    if (c == 0) return 0;
    /* M is J^T or (J R)^T, c x n: rows of length n >= c for the elimination */
    rs_elim el;
    rs_elim_init(&el, m, n, M, swap, gl);
    if (!sketch) {
        rs_kr_exact(A, xr, p, M);
        rs_elim_rows(&el, 0, (int)c, 0);
    } else {
        /* pass by pass, until the first column of J R that depends on the ones before it
         * (see rs_kr_sketch) or the width */
        rs_kr_sketch k;
        if (rs_kr_sketch_init(&k, m, A, xr, p, ws, R, acc, tab)) return -1;
        for (size_t c0 = 0; c0 < c && el.k < n; c0 += W) {
            const int wide = c - c0 < (size_t)W ? (int)(c - c0) : W;
            rs_kr_sketch_pass(&k, wide, s, M + c0 * n);
            if (rs_elim_rows(&el, (int)c0, (int)c0 + wide, 1)) break;
        }
    }
    *rank = el.k < width ? el.k : width;
    return 0;
}

int rs_modp_rank_khatri_rao(const rs_modp *m, const rs_pattern *A, const double *xt, int p,
                            rs_stream *s, rs_workspace *ws, int *rank)
{
    return rs_kr_rank(m, A, xt, p, A ? A->n : 0, s, ws, rank);
}

int rs_modp_rank_khatri_rao_width(const rs_modp *m, const rs_pattern *A, const double *xt, int p,
                                  int width, rs_stream *s, rs_workspace *ws, int *rank)
{
    if (!A || width > A->n) return -1;
    return rs_kr_rank(m, A, xt, p, width, s, ws, rank);
}
