/* test_modrank.c - exact ranks mod a prime against answers known from mathematics:
 * primality (trial division, Carmichael numbers, strong pseudoprimes), residues of doubles
 * (powers of two over the whole exponent range, exact products), exhaustive counts of
 * nonsingular 0/1 matrices (OEIS A055165), planted ranks, matrices whose floating-point rank
 * is wrong, and the Khatri-Rao sketch against the explicitly built Jacobian. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "reluscape/matrank.h"
#include "reluscape/modrank.h"
#include "reluscape/pattern.h"
#include "reluscape/rng.h"

/* xorshift64*: deterministic, independent of the library's rng. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}
static int rnd_int(int lo, int hi) /* inclusive */
{
    return lo + (int)(rnd() % (uint64_t)(hi - lo + 1));
}

/* Reference modular arithmetic by 128-bit division: slow, obviously right. */
static uint64_t ref_mul(uint64_t a, uint64_t b, uint64_t p)
{
    return (uint64_t)((unsigned __int128)a * b % p);
}
static uint64_t ref_pow(uint64_t b, uint64_t e, uint64_t p)
{
    uint64_t r = 1 % p;
    b %= p;
    for (; e; e >>= 1) {
        if (e & 1) r = ref_mul(r, b, p);
        b = ref_mul(b, b, p);
    }
    return r;
}
/* Residue of the integer v (any sign). */
static uint64_t ref_int(int64_t v, uint64_t p)
{
    uint64_t a = (uint64_t)(v < 0 ? -v : v) % p;
    return v < 0 && a ? p - a : a;
}
/* Residue of v * 2^e. */
static uint64_t ref_dyadic(int64_t v, int e, uint64_t p)
{
    uint64_t t = e >= 0 ? ref_pow(2, (uint64_t)e, p) : ref_pow((p + 1) / 2, (uint64_t)-e, p);
    return ref_mul(ref_int(v, p), t, p);
}

static int trial_division_prime(uint64_t n)
{
    if (n < 2) return 0;
    for (uint64_t d = 2; d * d <= n; d++)
        if (n % d == 0) return 0;
    return 1;
}

/* Exact rank over Z/qZ, q = 2^31 - 1, by a plain elimination (int64 products fit): an
 * independent witness.  rank mod q <= rank over Q, so reaching the planted bound proves it. */
#define SMALLQ 2147483647LL
static int rank_mod_small(int m, int n, const int64_t *a /* col-major, ld m */)
{
    if (m == 0 || n == 0) return 0;
    int64_t *t = malloc(sizeof *t * (size_t)m * (size_t)n);
    for (int i = 0; i < m * n; i++)
        t[i] = ((a[i] % SMALLQ) + SMALLQ) % SMALLQ;
    int r = 0;
    for (int c = 0; c < n && r < m; c++) {
        int piv = -1;
        for (int i = r; i < m; i++)
            if (t[i + (size_t)m * c]) {
                piv = i;
                break;
            }
        if (piv < 0) continue;
        for (int cc = 0; cc < n; cc++) {
            int64_t x = t[piv + (size_t)m * cc];
            t[piv + (size_t)m * cc] = t[r + (size_t)m * cc];
            t[r + (size_t)m * cc] = x;
        }
        int64_t inv = (int64_t)ref_pow((uint64_t)t[r + (size_t)m * c], SMALLQ - 2, SMALLQ);
        for (int i = r + 1; i < m; i++) {
            int64_t f = t[i + (size_t)m * c] * inv % SMALLQ;
            for (int cc = c; cc < n; cc++)
                t[i + (size_t)m * cc] =
                    ((t[i + (size_t)m * cc] - f * t[r + (size_t)m * cc]) % SMALLQ + SMALLQ) % SMALLQ;
        }
        r++;
    }
    free(t);
    return r;
}

/* ------------------------------------------------------------------ primes */

static void test_primes(void)
{
    int bad = 0, count = 0;
    for (uint64_t n = 0; n < 100000; n++) {
        int pr = rs_is_prime_u64(n);
        bad += pr != trial_division_prime(n);
        count += pr;
    }
    CHECK(bad == 0, "%d disagreements with trial division below 1e5", bad);
    CHECK(count == 9592, "pi(1e5) = %d, expected 9592", count);

    bad = 0;
    for (int t = 0; t < 300; t++) { /* ~36-bit odd numbers: past the trial-division bases */
        uint64_t n = (((uint64_t)1 << 35) + (rnd() >> 29)) | 1;
        bad += rs_is_prime_u64(n) != trial_division_prime(n);
    }
    CHECK(bad == 0, "%d disagreements with trial division near 2^35", bad);

    static const uint64_t primes[] = {2, 3, 37, 41, 2147483647ull, 4294967291ull,
                                      1000000007ull, (1ull << 61) - 1, (1ull << 62) - 57,
                                      18446744073709551557ull /* 2^64 - 59 */};
    for (size_t i = 0; i < sizeof primes / sizeof *primes; i++)
        CHECK(rs_is_prime_u64(primes[i]), "%llu is prime", (unsigned long long)primes[i]);
    /* Carmichael numbers, then strong pseudoprimes to all prime bases up to 2, 3, 5, 7, 11,
     * 13, 17, 23 (the smallest such), squares and products of primes near 2^32. */
    static const uint64_t composites[] = {
        0, 1, 4, 1369 /* 37^2 */, 561, 1105, 1729, 2465, 2821, 6601, 8911, 41041, 825265,
        321197185, 2047, 1373653, 25326001, 3215031751ull, 2152302898747ull,
        3474749660383ull, 341550071728321ull, 3825123056546413051ull,
        4294967291ull * 4294967291ull, 4294967291ull * 4294967279ull,
        ((1ull << 31) - 1) * ((1ull << 31) - 1), 18446744073709551615ull};
    for (size_t i = 0; i < sizeof composites / sizeof *composites; i++)
        CHECK(!rs_is_prime_u64(composites[i]), "%llu is composite",
              (unsigned long long)composites[i]);

    rs_modp m;
    CHECK(rs_modp_init(&m, 3) == 0, "3 is an allowed modulus");
    CHECK(rs_modp_init(&m, (1ull << 61) - 1) == 0, "2^61-1 is an allowed modulus");
    CHECK(rs_modp_init(&m, (1ull << 62) - 57) == 0, "2^62-57 is an allowed modulus");
    CHECK(rs_modp_init(&m, 2) != 0, "even modulus rejected");
    CHECK(rs_modp_init(&m, 561) != 0, "composite modulus rejected");
    CHECK(rs_modp_init(&m, 18446744073709551557ull) != 0, "prime above 2^62 rejected");

    uint64_t seen[60];
    int ns = 0, dup = 0, range = 0;
    for (uint64_t seed = 0; seed < 20; seed++)
        for (unsigned which = 0; which < 3; which++) {
            uint64_t q = rs_prime_from_seed(seed * 0x100000001ull, which);
            range += q < (1ull << 61) || q >= (1ull << 62) || !rs_is_prime_u64(q);
            CHECK(q == rs_prime_from_seed(seed * 0x100000001ull, which), "deterministic");
            for (int i = 0; i < ns; i++)
                dup += seen[i] == q;
            seen[ns++] = q;
        }
    CHECK(range == 0, "%d seed primes outside [2^61, 2^62) or not prime", range);
    CHECK(dup == 0, "%d repeated seed primes", dup);
}

/* ------------------------------------------------------------------ residues */

static void test_from_double(uint64_t p)
{
    rs_modp m;
    CHECK(rs_modp_init(&m, p) == 0, "init %llu", (unsigned long long)p);
    uint64_t r = 7;
    CHECK(rs_modp_from_double(&m, 0.0, &r) == 0 && r == 0, "+0 -> %llu", (unsigned long long)r);
    CHECK(rs_modp_from_double(&m, -0.0, &r) == 0 && r == 0, "-0 -> %llu", (unsigned long long)r);
    CHECK(rs_modp_from_double(&m, 1.0, &r) == 0 && r == 1 % p, "1 -> %llu", (unsigned long long)r);
    CHECK(rs_modp_from_double(&m, -1.0, &r) == 0 && r == p - 1, "-1 -> %llu", (unsigned long long)r);
    CHECK(rs_modp_from_double(&m, 0.5, &r) == 0 && ref_mul(r, 2, p) == 1, "0.5 -> 1/2");
    CHECK(rs_modp_from_double(&m, -7.25, &r) == 0 && r == ref_dyadic(-29, -2, p), "-29/4");
    CHECK(rs_modp_from_double(&m, 0x1p-1074, &r) == 0 && r == ref_dyadic(1, -1074, p),
          "smallest subnormal");
    CHECK(rs_modp_from_double(&m, 0x0.fffffffffffffp-1022, &r) == 0 &&
              r == ref_dyadic((1ll << 52) - 1, -1074, p), "largest subnormal");
    CHECK(rs_modp_from_double(&m, DBL_MIN, &r) == 0 && r == ref_dyadic(1, -1022, p), "DBL_MIN");
    CHECK(rs_modp_from_double(&m, 0x1p1023, &r) == 0 && r == ref_dyadic(1, 1023, p), "2^1023");
    CHECK(rs_modp_from_double(&m, DBL_MAX, &r) == 0 && r == ref_dyadic((1ll << 53) - 1, 971, p),
          "DBL_MAX");
    CHECK(rs_modp_from_double(&m, NAN, &r) == -1, "NaN rejected");
    CHECK(rs_modp_from_double(&m, INFINITY, &r) == -1, "+Inf rejected");
    CHECK(rs_modp_from_double(&m, -INFINITY, &r) == -1, "-Inf rejected");

    /* Every exponent, with a random odd 53-bit mantissa and sign. */
    int bad = 0;
    for (int e = -1074; e <= 1023; e++) {
        int64_t v = (int64_t)(rnd() >> 11) | 1;
        int emant = e - 52 < -1074 ? -1074 : e - 52; /* subnormals keep fewer bits */
        v >>= emant - (e - 52);
        v = v ? v : 1;
        if (rnd() & 1) v = -v;
        double x = ldexp((double)v, emant);
        bad += rs_modp_from_double(&m, x, &r) != 0 || r != ref_dyadic(v, emant, p);
    }
    CHECK(bad == 0, "%d wrong residues over the exponent range", bad);

    /* Exact products: res(x) res(y) = res(x y). */
    bad = 0;
    for (int t = 0; t < 2000; t++) {
        double x = ldexp((double)rnd_int(-(1 << 25), 1 << 25), rnd_int(-530, 480));
        double y = ldexp((double)rnd_int(-(1 << 25), 1 << 25), rnd_int(-530, 480));
        uint64_t rx, ry, rxy;
        bad += rs_modp_from_double(&m, x, &rx) || rs_modp_from_double(&m, y, &ry) ||
               rs_modp_from_double(&m, x * y, &rxy) || ref_mul(rx, ry, p) != rxy;
    }
    CHECK(bad == 0, "%d products not multiplicative", bad);
}

/* ------------------------------------------------------------------ dense ranks */

static void test_exhaustive(const rs_modp *m, rs_workspace *ws)
{
    static const long expect[5] = {0, 1, 6, 174, 22560}; /* OEIS A055165 */
    for (int n = 1; n <= 4; n++) {
        long full_dense = 0, full_double = 0;
        uint64_t a[16];
        double d[16];
        for (unsigned mask = 0; mask < 1u << (n * n); mask++) {
            for (int t = 0; t < n * n; t++) {
                a[t] = (mask >> t) & 1;
                d[t] = (double)a[t];
            }
            int r1 = -1, r2 = -1;
            rs_modp_rank_dense(m, n, n, a, &r1);
            rs_modp_rank_double(m, n, n, d, n, ws, &r2);
            full_dense += r1 == n;
            full_double += r2 == n;
        }
        CHECK(full_dense == expect[n], "n=%d: %ld nonsingular (dense), expected %ld", n,
              full_dense, expect[n]);
        CHECK(full_double == expect[n], "n=%d: %ld nonsingular (double), expected %ld", n,
              full_double, expect[n]);
    }
}

/* Rank by a plain elimination with 128-bit remainders (row-major rows x cols). */
static int ref_rank(int rows, int cols, uint64_t *a, uint64_t p)
{
    int r = 0;
    for (int c = 0; c < cols && r < rows; c++) {
        int piv = r;
        while (piv < rows && a[(size_t)piv * cols + c] == 0)
            piv++;
        if (piv == rows) continue;
        for (int j = 0; j < cols; j++) {
            uint64_t t = a[(size_t)piv * cols + j];
            a[(size_t)piv * cols + j] = a[(size_t)r * cols + j];
            a[(size_t)r * cols + j] = t;
        }
        uint64_t inv = ref_pow(a[(size_t)r * cols + c], p - 2, p);
        for (int i = r + 1; i < rows; i++) {
            uint64_t f = ref_mul(a[(size_t)i * cols + c], inv, p);
            for (int j = c; j < cols; j++)
                a[(size_t)i * cols + j] = (a[(size_t)i * cols + j] + p -
                                           ref_mul(f, a[(size_t)r * cols + j], p)) % p;
        }
        r++;
    }
    return r;
}

/* rank_dense against the reference on residue matrices: uniform, close to p (largest
 * products), and planted rank B C mod p, several elimination chunks wide. */
static void test_dense_reference(uint64_t p)
{
    rs_modp m;
    rs_modp_init(&m, p);
    int bad = 0, low = 0;
    for (int trial = 0; trial < 90; trial++) {
        int rows = rnd_int(1, 70), cols = rnd_int(1, 70), kind = trial % 3;
        int r = rnd_int(0, rows < cols ? rows : cols);
        uint64_t *a = malloc(sizeof *a * (size_t)rows * cols + 1);
        uint64_t *b = malloc(sizeof *b * (size_t)rows * cols + 1);
        uint64_t *B = malloc(sizeof *B * (size_t)rows * r + 1);
        uint64_t *C = malloc(sizeof *C * (size_t)r * cols + 1);
        for (int t = 0; t < rows * r; t++)
            B[t] = rnd() % p;
        for (int t = 0; t < r * cols; t++)
            C[t] = rnd() % p;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                uint64_t v = 0;
                if (kind == 0) v = rnd() % p;
                else if (kind == 1) v = p - 1 - rnd() % 1000;
                else
                    for (int k = 0; k < r; k++)
                        v = (v + ref_mul(B[i * r + k], C[k * cols + j], p)) % p;
                a[(size_t)i * cols + j] = b[(size_t)i * cols + j] = v;
            }
        int want = ref_rank(rows, cols, b, p), got = -1;
        bad += rs_modp_rank_dense(&m, rows, cols, a, &got) != 0 || got != want;
        low += kind == 2 && want == r && r < (rows < cols ? rows : cols);
        free(a);
        free(b);
        free(B);
        free(C);
    }
    CHECK(bad == 0, "p=%llu: %d dense ranks differ from the reference", (unsigned long long)p, bad);
    CHECK(low > 10, "only %d planted deficient ranks", low);
}

/* The largest sums the elimination meets: 8 multipliers and 8 basis entries all close to
 * p - 1 (p = 2^62 - 57, so the sums are just below 2p 2^64).  White-box: rank_dense reads
 * residues as Montgomery forms, so a pivot equal to 2^64 mod p is a one and leaves its row
 * as it is.  Rows 0..7: pivot in column t, entries near p - 1 from column 8 on; row 8:
 * p - 1 - t in column t < 8, random after; row 9 = 3 row 8: rank 9. */
static void test_dense_extreme(void)
{
    const uint64_t p = (1ull << 62) - 57, one = (uint64_t)(((unsigned __int128)1 << 64) % p);
    const int cols = 64;
    rs_modp m;
    rs_modp_init(&m, p);
    uint64_t a[10 * 64] = {0};
    for (int t = 0; t < 8; t++) {
        a[t * cols + t] = one;
        for (int j = 8; j < cols; j++)
            a[t * cols + j] = p - 1 - (uint64_t)((7 * j + t) % 50);
    }
    for (int j = 0; j < cols; j++) {
        a[8 * cols + j] = j < 8 ? p - 1 - (uint64_t)j : rnd() % p;
        a[9 * cols + j] = ref_mul(3, a[8 * cols + j], p);
    }
    int r = -1;
    CHECK(rs_modp_rank_dense(&m, 10, cols, a, &r) == 0 && r == 9, "extreme sums: rank %d", r);
}

/* ------------------------------------------------------------------ elimination kernels */

static const char *kernel_name(int k)
{
    return k == RS_MODP_KERNEL_AVX2 ? "avx2" : "scalar";
}

/* Every kernel against the reference on many shapes (column counts on both sides of the
 * AVX2 block width and its tails), kinds: uniform, entries near p, planted rank B C,
 * zero rows and columns, repeated rows, a planted known rank with entries near p. */
static void test_kernels_agree(uint64_t p)
{
    int bad = 0, cases = 0, deficient = 0;
    for (int trial = 0; trial < 240; trial++) {
        const int rows = trial % 7 == 0 ? rnd_int(1, 9) : rnd_int(2, 90);
        const int cols = trial % 5 == 0 ? rnd_int(8, 12) : rnd_int(8, 90);
        const int kind = trial % 5, rmax = rows < cols ? rows : cols;
        const int r = rnd_int(0, rmax);
        const size_t N = (size_t)rows * cols;
        uint64_t *a0 = malloc(sizeof *a0 * N), *a = malloc(sizeof *a * N);
        uint64_t *B = malloc(sizeof *B * ((size_t)rows * r + 1));
        uint64_t *C = malloc(sizeof *C * ((size_t)r * cols + 1));
        for (int t = 0; t < rows * r; t++)
            B[t] = kind == 4 ? p - 1 - rnd() % 3 : rnd() % p;
        for (int t = 0; t < r * cols; t++)
            C[t] = kind == 4 ? p - 1 - rnd() % 5 : rnd() % p;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                uint64_t v = 0;
                if (kind == 0) v = rnd() % p;
                else if (kind == 1) v = p - 1 - rnd() % 3;
                else if (kind == 3) v = (i % 3 == 1 || j % 4 == 2) ? 0 : rnd() % p;
                else
                    for (int k = 0; k < r; k++)
                        v = (v + ref_mul(B[i * r + k], C[k * cols + j], p)) % p;
                a0[(size_t)i * cols + j] = v;
            }
        if (kind == 3 && rows > 4) /* a repeated row and a multiple */
            for (int j = 0; j < cols; j++) {
                a0[(size_t)(rows - 1) * cols + j] = a0[j];
                a0[(size_t)(rows - 2) * cols + j] = ref_mul(p - 7, a0[(size_t)cols + j], p);
            }
        memcpy(a, a0, sizeof *a * N);
        const int want = ref_rank(rows, cols, a, p);
        deficient += want < rmax;
        for (int kern = RS_MODP_KERNEL_SCALAR; kern <= RS_MODP_KERNEL_AVX2; kern++) {
            if (rs_modp_set_kernel(kern)) continue;
            rs_modp m;
            rs_modp_init(&m, p);
            memcpy(a, a0, sizeof *a * N);
            int got = -1;
            const int rc = rs_modp_rank_dense(&m, rows, cols, a, &got);
            if (rc || got != want) {
                if (bad < 5)
                    printf("  p=%llu %s %d x %d kind %d: rank %d, want %d\n",
                           (unsigned long long)p, kernel_name(kern), rows, cols, kind, got, want);
                bad++;
            }
            cases++;
        }
        rs_modp_set_kernel(RS_MODP_KERNEL_AUTO);
        free(a0);
        free(a);
        free(B);
        free(C);
    }
    CHECK(bad == 0, "p=%llu: %d of %d kernel ranks differ from the reference",
          (unsigned long long)p, bad, cases);
    CHECK(deficient > 40, "only %d deficient matrices", deficient);
}

/* A rank above the AVX2 kernel's run of 1024 basis rows between reductions: a random
 * 2050 x 2050 matrix whose last row is row 3 - 5 row 7, so rank 2049 unless p divides a
 * random determinant (probability ~ 2^-61).  Every kernel but the scalar one (too slow
 * here, and it has no runs). */
static void test_kernel_long_run(void)
{
    if (rs_modp_set_kernel(RS_MODP_KERNEL_AVX2)) {
        const char *ci = getenv("CI"), *generic = getenv("RELUSCAPE_GENERIC_KERNELS");
        CHECK(!ci || strcmp(ci, "true") || (generic && strcmp(generic, "0")),
              "no AVX2 on this CPU: the long-run test cannot run under CI=true");
        printf("  (no AVX2 on this CPU: long-run test skipped)\n");
        return;
    }
    const int n = 2050;
    const uint64_t p = (1ull << 62) - 57;
    rs_modp m;
    rs_modp_init(&m, p);
    uint64_t *a = malloc(sizeof *a * (size_t)n * n);
    for (size_t t = 0; t < (size_t)n * n; t++)
        a[t] = p - 1 - rnd() % (p / 2);
    for (int j = 0; j < n; j++)
        a[(size_t)(n - 1) * n + j] = (a[3 * (size_t)n + j] + p - ref_mul(5, a[7 * (size_t)n + j], p)) % p;
    int r = -1;
    CHECK(rs_modp_rank_dense(&m, n, n, a, &r) == 0 && r == n - 1, "avx2, %d x %d: rank %d", n, n, r);
    rs_modp_set_kernel(RS_MODP_KERNEL_AUTO);
    free(a);
}

/* Wide rows (from 256 entries the AVX2 kernel reduces 8 rows per pass and finishes them in
 * order): fresh random rows and rows that combine earlier ones (rows 3, 9, 10 inside the
 * first batch, then every row from `last` on, or every 7th), so the rank is the number of
 * fresh rows, at most the columns (but for a random minor divisible by p, ~2^-50); both
 * kernels must find it. */
static void test_kernels_wide(void)
{
    const uint64_t p = (1ull << 62) - 57;
    const int shapes[][4] = {{520, 512, 300, 0}, {300, 600, 300, 7}, {600, 530, 533, 0}, {64, 700, 40, 0},
                             {270, 256, 200, 0}};
    int bad = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int rows = shapes[s][0], cols = shapes[s][1], last = shapes[s][2], every = shapes[s][3];
        uint64_t *a0 = malloc(sizeof *a0 * (size_t)rows * cols), *a = malloc(sizeof *a * (size_t)rows * cols);
        int fresh = 0;
        for (int i = 0; i < rows; i++) {
            uint64_t *row = a0 + (size_t)i * cols;
            const int dependent = i == 3 || i == 9 || i == 10 || i >= last || (every && i > 100 && i % every == 0);
            if (!dependent) {
                for (int j = 0; j < cols; j++) row[j] = rnd() % p;
                fresh++;
                continue;
            }
            const uint64_t *x = a0 + (size_t)(i == 3 ? 1 : rnd_int(0, i - 1)) * cols;
            const uint64_t *y = a0 + (size_t)(i == 3 ? 1 : rnd_int(0, i - 1)) * cols;
            const uint64_t cx = i == 3 ? 1 : rnd() % p, cy = i == 3 ? 0 : rnd() % p;
            for (int j = 0; j < cols; j++) row[j] = (ref_mul(cx, x[j], p) + ref_mul(cy, y[j], p)) % p;
        }
        const int want = fresh < cols ? fresh : cols;
        for (int kern = RS_MODP_KERNEL_SCALAR; kern <= RS_MODP_KERNEL_AVX2; kern++) {
            if (rs_modp_set_kernel(kern)) continue;
            rs_modp m;
            rs_modp_init(&m, p);
            memcpy(a, a0, sizeof *a * (size_t)rows * cols);
            int got = -1;
            if (rs_modp_rank_dense(&m, rows, cols, a, &got) || got != want) {
                printf("  %s %d x %d: rank %d, want %d\n", kernel_name(kern), rows, cols, got, want);
                bad++;
            }
        }
        rs_modp_set_kernel(RS_MODP_KERNEL_AUTO);
        free(a0);
        free(a);
    }
    CHECK(bad == 0, "%d wide ranks differ from the number of fresh rows", bad);
}

/* The kernel switch: unknown kernels refused, AUTO resolves to a real kernel. */
static void test_kernel_select(void)
{
    CHECK(rs_modp_set_kernel(7) == -1 && rs_modp_set_kernel(-1) == -1, "unknown kernels refused");
    CHECK(rs_modp_set_kernel(RS_MODP_KERNEL_SCALAR) == 0 && rs_modp_kernel() == RS_MODP_KERNEL_SCALAR,
          "scalar selectable");
    CHECK(rs_modp_set_kernel(RS_MODP_KERNEL_AUTO) == 0 &&
              (rs_modp_kernel() == RS_MODP_KERNEL_SCALAR || rs_modp_kernel() == RS_MODP_KERNEL_AVX2),
          "auto resolves");
    printf("  dense kernel: %s\n", kernel_name(rs_modp_kernel()));
}

/* B (m x r) C (r x n) with small integers, then rows and columns scaled by random powers of
 * two (exact, rank-preserving).  The rank is r over Q when the witness mod 2^31-1 says so. */
static void test_planted(const rs_modp *m, rs_workspace *ws)
{
    int verified = 0, bad = 0;
    for (int trial = 0; trial < 400; trial++) {
        int rows = rnd_int(1, 14), cols = rnd_int(1, 14);
        int lim = rows < cols ? rows : cols, r = rnd_int(0, lim);
        int64_t *ai = calloc((size_t)rows * cols, sizeof *ai);
        double *a = malloc(sizeof *a * (size_t)rows * cols);
        int64_t B[14 * 14], C[14 * 14];
        for (int t = 0; t < rows * r; t++)
            B[t] = rnd_int(-9, 9);
        for (int t = 0; t < r * cols; t++)
            C[t] = rnd_int(-9, 9);
        for (int j = 0; j < cols; j++)
            for (int i = 0; i < rows; i++)
                for (int k = 0; k < r; k++)
                    ai[i + rows * j] += B[i + rows * k] * C[k + r * j];
        int rs[14], cs[14];
        for (int i = 0; i < rows; i++)
            rs[i] = rnd_int(-300, 300);
        for (int j = 0; j < cols; j++)
            cs[j] = rnd_int(-300, 300);
        for (int j = 0; j < cols; j++)
            for (int i = 0; i < rows; i++)
                a[i + rows * j] = ldexp((double)ai[i + rows * j], rs[i] + cs[j]);
        if (rank_mod_small(rows, cols, ai) == r) {
            verified++;
            int got = -1;
            bad += rs_modp_rank_double(m, rows, cols, a, rows, ws, &got) != 0 || got != r;
        }
        free(ai);
        free(a);
    }
    CHECK(verified > 350, "only %d planted ranks verified by the witness", verified);
    CHECK(bad == 0, "%d planted ranks wrong", bad);
}

static void test_edge(const rs_modp *m, rs_workspace *ws)
{
    double z[12] = {0};
    int r = -1;
    CHECK(rs_modp_rank_double(m, 3, 4, z, 3, ws, &r) == 0 && r == 0, "zero matrix: %d", r);
    r = -1;
    CHECK(rs_modp_rank_double(m, 0, 4, z, 1, ws, &r) == 0 && r == 0, "0 x 4: %d", r);
    r = -1;
    CHECK(rs_modp_rank_double(m, 4, 0, z, 4, ws, &r) == 0 && r == 0, "4 x 0: %d", r);
    r = -1;
    CHECK(rs_modp_rank_dense(m, 0, 0, NULL, &r) == 0 && r == 0, "0 x 0: %d", r);
    uint64_t big[2] = {1, m->p};
    CHECK(rs_modp_rank_dense(m, 1, 2, big, &r) == -1, "entry >= p rejected");
    double nan[4] = {1, 2, NAN, 4};
    CHECK(rs_modp_rank_double(m, 2, 2, nan, 2, ws, &r) == -1, "NaN entry rejected");
    CHECK(rs_modp_rank_double(m, 2, 2, nan, 1, ws, &r) == -1, "lda < rows rejected");

    /* lda > rows: the padding rows (NaN here) are never read. */
    double pad[6] = {1, 2, NAN, 2, 4, NAN};
    r = -1;
    CHECK(rs_modp_rank_double(m, 2, 2, pad, 3, ws, &r) == 0 && r == 1, "lda 3: rank %d", r);

    /* det [[1,3],[2,9]] = 3: singular mod 3, regular mod the large prime.  The rank mod p
     * never exceeds the rank over Q, but can fall below it for a prime dividing the minors. */
    rs_modp m3;
    rs_modp_init(&m3, 3);
    double d3[4] = {1, 2, 3, 9};
    CHECK(rs_modp_rank_double(&m3, 2, 2, d3, 2, ws, &r) == 0 && r == 1, "mod 3: %d", r);
    CHECK(rs_modp_rank_double(m, 2, 2, d3, 2, ws, &r) == 0 && r == 2, "mod p: %d", r);
}

/* Matrices whose floating-point rank (SVD, numpy's tolerance) is wrong. */
static void test_float_traps(const rs_modp *m, rs_workspace *ws)
{
    const rs_matrank_method *svd = rs_matrank_lookup("svd");
    double a[9], c[9];
    int r = -1, rf = -1;

    /* (a) column 2 = column 1 + 2^-50 e_1: independent, sigma_min ~ 2^-51 below tolerance. */
    for (int i = 0; i < 3; i++)
        a[i] = a[3 + i] = 1.0;
    a[3] += 0x1p-50;
    CHECK(rs_modp_rank_double(m, 3, 2, a, 3, ws, &r) == 0 && r == 2, "near-parallel: %d", r);
    memcpy(c, a, sizeof c);
    svd->rank(3, 2, c, 3, 0.0, ws, &rf);
    printf("near-parallel columns: exact rank %d, float svd rank %d\n", r, rf);

    /* (b) rank-2 integer matrix (row 3 = row 1 + row 2) with rows scaled by 2^500, 1,
     * 2^-500: exact rank 2; and a regular one scaled the same way: exact rank 3. */
    static const double dep[9] = {1, 4, 5, 2, 5, 7, 3, 7, 10}; /* col-major */
    static const double reg[9] = {2, 1, 1, 1, 3, 1, 1, 1, 4};
    const double scale[3] = {0x1p500, 1.0, 0x1p-500};
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 3; i++)
            a[i + 3 * j] = dep[i + 3 * j] * scale[i];
    CHECK(rs_modp_rank_double(m, 3, 3, a, 3, ws, &r) == 0 && r == 2, "scaled rank 2: %d", r);
    memcpy(c, a, sizeof c);
    svd->rank(3, 3, c, 3, 0.0, ws, &rf);
    printf("rank-2 matrix, rows scaled 2^500/1/2^-500: exact %d, float svd %d\n", r, rf);
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 3; i++)
            a[i + 3 * j] = reg[i + 3 * j] * scale[i];
    CHECK(rs_modp_rank_double(m, 3, 3, a, 3, ws, &r) == 0 && r == 3, "scaled rank 3: %d", r);
    memcpy(c, a, sizeof c);
    svd->rank(3, 3, c, 3, 0.0, ws, &rf);
    printf("regular matrix, rows scaled 2^500/1/2^-500: exact %d, float svd %d\n", r, rf);

    /* (c) subnormal entries: 2^-1074 [[1,3],[2,5]] (det -1) and 2^-1074 [[1,2],[2,4]]. */
    double s1[4] = {0x1p-1074, 0x1p-1073, 3 * 0x1p-1074, 5 * 0x1p-1074};
    double s2[4] = {0x1p-1074, 0x1p-1073, 0x1p-1073, 0x1p-1072};
    CHECK(rs_modp_rank_double(m, 2, 2, s1, 2, ws, &r) == 0 && r == 2, "subnormal regular: %d", r);
    CHECK(rs_modp_rank_double(m, 2, 2, s2, 2, ws, &r) == 0 && r == 1, "subnormal rank 1: %d", r);
    /* and mixed with DBL_MAX: [[DBL_MAX, 2^-1074], [DBL_MAX, 2^-1074]] has rank 1 */
    double s3[4] = {DBL_MAX, DBL_MAX, 0x1p-1074, 0x1p-1074};
    CHECK(rs_modp_rank_double(m, 2, 2, s3, 2, ws, &r) == 0 && r == 1, "DBL_MAX/subnormal: %d", r);
    s3[3] = 0x1p-1073;
    CHECK(rs_modp_rank_double(m, 2, 2, s3, 2, ws, &r) == 0 && r == 2, "DBL_MAX/subnormal: %d", r);
}

/* ------------------------------------------------------------------ Khatri-Rao */

/* J[i, j*p + k] = a_ji xt[k + p*i], n x P column-major. */
static double *build_j(const rs_pattern *A, const double *xt, int p)
{
    int n = A->n, P = A->d1 * p;
    double *J = calloc((size_t)n * P + 1, sizeof *J);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < A->d1; j++)
            if (rs_pattern_get(A, j, i))
                for (int k = 0; k < p; k++)
                    J[i + (size_t)n * (j * p + k)] = xt[k + p * i];
    return J;
}

static int kr_rank(const rs_modp *m, const rs_pattern *A, const double *xt, int p, uint64_t trial,
                   rs_workspace *ws)
{
    rs_stream s;
    rs_stream_init(&s, 11, 0, trial, RS_STREAM_PATTERN);
    int r = -1;
    return rs_modp_rank_khatri_rao(m, A, xt, p, &s, ws, &r) ? -2 : r;
}

/* A d1 x n pattern of iid bits, each set with a random probability q in {0.1, .., 0.9}. */
static void random_pattern(rs_pattern *A, int d1, int n)
{
    rs_pattern_alloc(A, d1, n);
    double q = (double)rnd_int(1, 9) / 10;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d1; j++)
            if ((double)(rnd() >> 11) * 0x1p-53 < q) rs_pattern_set(A, j, i);
}

/* Random cases against rank_double of the explicit J: small (both the exact P <= n path
 * and the sketch), medium (several sketch passes, neuron groups straddling pattern words). */
static void test_khatri_rao_random(const rs_modp *m, rs_workspace *ws)
{
    int bad = 0, deficient = 0, sketched = 0;
    for (int trial = 0; trial < 700; trial++) {
        int n, p = rnd_int(1, 4), d1;
        if (trial < 600) {
            n = rnd_int(1, 12);
            d1 = trial % 10 == 0 ? rnd_int(60, 140) : rnd_int(1, 8); /* multi-word patterns */
        } else if (trial < 698) {
            n = rnd_int(20, 80);
            d1 = rnd_int(5, 100);
        } else {
            n = 300;
            d1 = 150;
            p = 3;
        }
        rs_pattern A;
        random_pattern(&A, d1, n);
        double *xt = malloc(sizeof *xt * (size_t)p * n);
        int dyadic = trial % 2;
        for (int t = 0; t < p * n; t++)
            xt[t] = dyadic ? ldexp((double)rnd_int(-50, 50), rnd_int(-60, 60)) : rnd_int(-3, 3);
        if (trial % 7 == 1 && n > 1) /* a repeated point */
            memcpy(xt + p * (n - 1), xt, sizeof *xt * (size_t)p);
        if (trial % 5 == 2) { /* a point that activates nothing */
            int i = rnd_int(0, n - 1);
            for (int w = 0; w < A.words; w++)
                A.bits[(size_t)i * A.words + w] = 0;
        }
        if (trial % 9 == 3 && n > 1) /* a repeated activation column */
            memcpy(A.bits + A.words, A.bits, sizeof *A.bits * (size_t)A.words);
        double *J = build_j(&A, xt, p);
        int want = -1, got = kr_rank(m, &A, xt, p, (uint64_t)trial, ws);
        rs_modp_rank_double(m, n, d1 * p, J, n, ws, &want);
        bad += got != want;
        deficient += want < (n < d1 * p ? n : d1 * p);
        sketched += d1 * p > n;
        free(J);
        free(xt);
        rs_pattern_free(&A);
    }
    CHECK(bad == 0, "%d sketch ranks differ from the explicit Jacobian", bad);
    CHECK(deficient > 100, "only %d rank-deficient cases exercised", deficient);
    CHECK(sketched > 200 && sketched < 600, "%d of 700 cases sketched: both paths needed",
          sketched);
}

/* Wide inputs (p > RS_XC_RUN = 1024: X~^T C summed in several runs) with large residues:
 * the sketch's rank equals the explicit J's. */
static void test_khatri_rao_wide_inputs(const rs_modp *m, rs_workspace *ws)
{
    int bad = 0;
    for (int trial = 0; trial < 6; trial++) {
        const int n = 6 + trial, d1 = 2 + trial % 3, p = 1030 + 500 * (trial % 2);
        rs_pattern A;
        rs_pattern_alloc(&A, d1, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d1; j++)
                if (rnd() & 1) rs_pattern_set(&A, j, i);
        double *xt = malloc(sizeof *xt * (size_t)p * n);
        for (int t = 0; t < p * n; t++) /* residues near p from large mantissas and exponents */
            xt[t] = ldexp((double)(rnd() >> 11), rnd_int(-200, 200)) * (rnd() & 1 ? 1 : -1);
        if (trial % 2) memcpy(xt + p, xt, sizeof *xt * (size_t)p); /* points 0 and 1 equal */
        for (int i = n / 2; i < n; i++) /* points seen only by the second run */
            memset(xt + (size_t)p * i, 0, sizeof *xt * 1024);
        double *J = build_j(&A, xt, p);
        int want = -1, got = kr_rank(m, &A, xt, p, (uint64_t)trial + 900, ws);
        rs_modp_rank_double(m, n, d1 * p, J, n, ws, &want);
        bad += got != want;
        free(J);
        free(xt);
        rs_pattern_free(&A);
    }
    CHECK(bad == 0, "%d wide-input sketch ranks differ from the explicit Jacobian", bad);
}

static void test_khatri_rao_structured(const rs_modp *m, rs_workspace *ws)
{
    /* d0 >= n, independent points: sum_i c_i a_i x_i^T = 0 forces c_i a_i = 0, so the rank
     * is the number of points that activate some neuron. */
    int bad = 0;
    for (int trial = 0; trial < 100; trial++) {
        int n = rnd_int(1, 10), p = n + rnd_int(0, 3), d1 = rnd_int(1, 6);
        double *xt = malloc(sizeof *xt * (size_t)p * n);
        int rx = -1;
        do {
            for (int t = 0; t < p * n; t++)
                xt[t] = rnd_int(-20, 20);
            rs_modp_rank_double(m, p, n, xt, p, ws, &rx);
        } while (rx != n);
        rs_pattern A;
        rs_pattern_alloc(&A, d1, n);
        int active = 0;
        for (int i = 0; i < n; i++) {
            int any = 0;
            for (int j = 0; j < d1; j++)
                if (rnd() & 1) {
                    rs_pattern_set(&A, j, i);
                    any = 1;
                }
            active += any;
        }
        int got = kr_rank(m, &A, xt, p, 1000 + (uint64_t)trial, ws);
        bad += got != active;
        free(xt);
        rs_pattern_free(&A);
    }
    CHECK(bad == 0, "%d independent-data ranks != number of active points", bad);

    /* All points share one non-zero activation column: rows a (x) x_i, rank = rank(X~). */
    bad = 0;
    for (int trial = 0; trial < 100; trial++) {
        int n = rnd_int(1, 12), p = rnd_int(1, 5), d1 = rnd_int(1, 70);
        double *xt = malloc(sizeof *xt * (size_t)p * n);
        for (int t = 0; t < p * n; t++)
            xt[t] = rnd_int(-2, 2);
        rs_pattern A;
        rs_pattern_alloc(&A, d1, n);
        int j0 = rnd_int(0, d1 - 1);
        for (int i = 0; i < n; i++) {
            rs_pattern_set(&A, j0, i);
            for (int j = 0; j < d1; j++)
                if (j % 3 == 0) rs_pattern_set(&A, j, i);
        }
        int rx = -1;
        rs_modp_rank_double(m, p, n, xt, p, ws, &rx);
        bad += kr_rank(m, &A, xt, p, 2000 + (uint64_t)trial, ws) != rx;
        free(xt);
        rs_pattern_free(&A);
    }
    CHECK(bad == 0, "%d shared-pattern ranks != rank(X~)", bad);

    /* More than RS_ACC_RUN active neurons per point: the periodic reduction path. */
    {
        int n = 7, p = 2, d1 = 5000;
        rs_pattern A;
        rs_pattern_alloc(&A, d1, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d1; j++)
                if (rnd() % 10) rs_pattern_set(&A, j, i);
        double xt[14];
        for (int t = 0; t < 14; t++)
            xt[t] = rnd_int(-9, 9);
        double *J = build_j(&A, xt, p);
        int want = -1;
        rs_modp_rank_double(m, n, d1 * p, J, n, ws, &want);
        int got = kr_rank(m, &A, xt, p, 7, ws);
        CHECK(got == want, "dense wide pattern: sketch %d, explicit %d", got, want);
        /* a rank-1 case of the same size: every point the same */
        for (int t = 2; t < 14; t++)
            xt[t] = xt[t % 2];
        for (int i = 1; i < n; i++)
            memcpy(A.bits + (size_t)i * A.words, A.bits, sizeof *A.bits * (size_t)A.words);
        got = kr_rank(m, &A, xt, p, 8, ws);
        CHECK(got == (xt[0] != 0 || xt[1] != 0), "identical points: rank %d", got);
        free(J);
        rs_pattern_free(&A);
    }

    /* Sums over 10000 neurons exceed 2^64 unless reduced: rows a1 (x) 1, a2 (x) 1 and
     * (a1 + a2) (x) 1 with disjoint a1, a2 have rank 2, and a wrapped sum breaks that. */
    {
        int n = 3, p = 1, d1 = 10000;
        rs_pattern A;
        rs_pattern_alloc(&A, d1, n);
        for (int j = 0; j < d1; j++) {
            rs_pattern_set(&A, j, j < d1 / 2 ? 0 : 1);
            rs_pattern_set(&A, j, 2);
        }
        double xt[3] = {1, 1, 1};
        int got = kr_rank(m, &A, xt, p, 9, ws);
        CHECK(got == 2, "rank %d of a1, a2, a1 + a2 over 10000 neurons, expected 2", got);
        rs_pattern_free(&A);
    }

    /* Neuron groups that straddle two pattern words (groups of 5 or 6 bits at n >= 48):
     * with independent points, the rank counts the points that activate anything; point 0
     * fires only neuron 64, point 1 only the last neuron. */
    bad = 0;
    for (int trial = 0; trial < 20; trial++) {
        int n = rnd_int(48, 60), p = n + rnd_int(0, 2), d1 = rnd_int(66, 130);
        double *xt = malloc(sizeof *xt * (size_t)p * n);
        int rx = -1;
        do {
            for (int t = 0; t < p * n; t++)
                xt[t] = rnd_int(-20, 20);
            rs_modp_rank_double(m, p, n, xt, p, ws, &rx);
        } while (rx != n);
        rs_pattern A;
        rs_pattern_alloc(&A, d1, n);
        rs_pattern_set(&A, 64, 0);
        rs_pattern_set(&A, d1 - 1, 1);
        int active = 2;
        for (int i = 2; i < n; i++) {
            int any = 0;
            for (int j = 0; j < d1; j++)
                if (rnd() % (uint64_t)d1 < 2) {
                    rs_pattern_set(&A, j, i);
                    any = 1;
                }
            active += any;
        }
        bad += kr_rank(m, &A, xt, p, 3000 + (uint64_t)trial, ws) != active;
        free(xt);
        rs_pattern_free(&A);
    }
    CHECK(bad == 0, "%d sparse-pattern ranks != number of active points", bad);

    /* The documented draw count: exactly (d1 + p) c words from the stream (B, then C). */
    {
        int n = 5, p = 3, d1 = 4;
        rs_pattern A;
        rs_pattern_alloc(&A, d1, n);
        double xt[15];
        for (int t = 0; t < 15; t++)
            xt[t] = t + 1;
        rs_stream s1, s2;
        rs_stream_init(&s1, 3, 4, 5, RS_STREAM_PATTERN);
        s2 = s1;
        int r = -1;
        CHECK(rs_modp_rank_khatri_rao(m, &A, xt, p, &s1, ws, &r) == 0 && r == 0,
              "empty pattern: rank %d", r);
        for (int t = 0; t < (d1 + p) * n; t++)
            rs_next_u64(&s2);
        CHECK(rs_next_u64(&s1) == rs_next_u64(&s2), "sketch consumes (d1 + p) c draws");
        xt[4] = NAN;
        CHECK(rs_modp_rank_khatri_rao(m, &A, xt, p, &s1, ws, &r) == -1, "NaN data rejected");
        rs_pattern_free(&A);
    }
    /* P <= n: J is eliminated directly, the stream is not touched. */
    {
        int n = 8, p = 3, d1 = 2;
        rs_pattern A;
        rs_pattern_alloc(&A, d1, n);
        double xt[24];
        for (int t = 0; t < 24; t++)
            xt[t] = rnd_int(-5, 5);
        for (int i = 0; i < n; i++)
            rs_pattern_set(&A, i % 2, i);
        rs_stream s1, s2;
        rs_stream_init(&s1, 3, 4, 6, RS_STREAM_PATTERN);
        s2 = s1;
        int r = -1, want = -1;
        double *J = build_j(&A, xt, p);
        rs_modp_rank_double(m, n, d1 * p, J, n, ws, &want);
        CHECK(rs_modp_rank_khatri_rao(m, &A, xt, p, &s1, ws, &r) == 0 && r == want,
              "P <= n: rank %d, explicit %d", r, want);
        CHECK(rs_next_u64(&s1) == rs_next_u64(&s2), "P <= n draws nothing");
        CHECK(rs_modp_rank_khatri_rao(m, &A, xt, p, NULL, ws, &r) == 0 && r == want,
              "P <= n needs no stream");
        free(J);
        rs_pattern_free(&A);
    }
}

/* ------------------------------------------------------------------ timing (not asserted) */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void time_khatri_rao(const rs_modp *m, rs_workspace *ws)
{
    const int n = 500, d0 = 5, p = d0 + 1, d1 = 200;
    rs_stream s;
    rs_stream_init(&s, 1, 0, 0, RS_STREAM_DATA);
    double *xt = malloc(sizeof *xt * (size_t)p * n);
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < d0; k++)
            xt[k + p * i] = rs_uniform01(&s);
        xt[d0 + p * i] = 1.0; /* bias */
    }
    rs_pattern A;
    rs_pattern_alloc(&A, d1, n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d1; j++)
            if (rs_bernoulli(&s, 0.5)) rs_pattern_set(&A, j, i);
    double best = 1e30, bestd = 1e30;
    int r = -1, rd = -1;
    double *J = build_j(&A, xt, p);
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        rs_modp_rank_khatri_rao(m, &A, xt, p, &s, ws, &r);
        double t1 = now();
        rs_modp_rank_double(m, n, d1 * p, J, n, ws, &rd);
        double t2 = now();
        best = t1 - t0 < best ? t1 - t0 : best;
        bestd = t2 - t1 < bestd ? t2 - t1 : bestd;
    }
    printf("timing n=%d d0=%d bias d1=%d (J %d x %d): khatri_rao %.4f s (rank %d), "
           "rank_double on J %.4f s (rank %d)\n",
           n, d0, d1, n, d1 * p, best, r, bestd, rd);
    free(J);
    free(xt);
    rs_pattern_free(&A);
}

/* rs_modp_rank_khatri_rao_width: min(rank J, width) against the explicit J's exact rank,
 * for widths below, at and above the rank (J itself when P <= width); never above rank J;
 * width > n refused. */
static void test_khatri_rao_width(const rs_modp *m, rs_workspace *ws)
{
    int bad = 0, over = 0, cases = 0;
    for (int trial = 0; trial < 300; trial++) {
        int n = rnd_int(1, 40), p = rnd_int(1, 4), d1 = rnd_int(1, trial % 3 ? 20 : 90);
        rs_pattern A;
        random_pattern(&A, d1, n);
        double *xt = malloc(sizeof *xt * (size_t)p * n);
        for (int t = 0; t < p * n; t++) xt[t] = trial % 2 ? ldexp((double)rnd_int(-50, 50), rnd_int(-30, 30)) : rnd_int(-3, 3);
        if (trial % 4 == 1 && n > 2) memcpy(xt + p, xt, sizeof *xt * (size_t)p); /* a repeated point */
        double *J = build_j(&A, xt, p);
        int want = -1;
        rs_modp_rank_double(m, n, d1 * p, J, n, ws, &want);
        const int widths[4] = {0, want > 0 ? want - 1 : 0, want, n};
        for (int k = 0; k < 4; k++) {
            rs_stream s;
            rs_stream_init(&s, 5, 1, (uint64_t)trial, RS_STREAM_SKETCH);
            int r = -1, w = widths[k];
            if (rs_modp_rank_khatri_rao_width(m, &A, xt, p, w, &s, ws, &r)) {
                bad++;
                continue;
            }
            bad += r != (want < w ? want : w);
            over += r > want;
            cases++;
        }
        rs_stream s;
        rs_stream_init(&s, 5, 1, (uint64_t)trial, RS_STREAM_SKETCH);
        int r = -1;
        bad += rs_modp_rank_khatri_rao_width(m, &A, xt, p, n + 1, &s, ws, &r) != -1;
        free(J);
        free(xt);
        rs_pattern_free(&A);
    }
    CHECK(bad == 0 && over == 0, "width: %d of %d wrong (%d above the rank)", bad, cases, over);
}

int main(void)
{
    rs_workspace ws = {0};
    rs_modp m;
    uint64_t p = rs_prime_from_seed(2023, 0);
    test_primes();
    test_from_double(p);
    test_from_double((1ull << 61) - 1);
    test_from_double((1ull << 62) - 57);
    test_from_double(1000003); /* a small prime: mantissas exceed p */
    rs_modp_init(&m, p);
    test_kernel_select();
    test_kernels_agree(p);
    test_kernels_agree((1ull << 62) - 57);
    test_kernels_agree((1ull << 61) + 15); /* the smallest prime of the range */
    test_kernels_agree(1000003);           /* a small prime */
    test_kernel_long_run();
    test_kernels_wide();
    /* everything that eliminates, once with each kernel (AUTO picks by size) */
    for (int kern = RS_MODP_KERNEL_SCALAR; kern <= RS_MODP_KERNEL_AVX2; kern++) {
        if (rs_modp_set_kernel(kern)) continue;
        printf("  kernel %s:\n", kernel_name(kern));
        test_dense_reference(p);
        test_dense_reference((1ull << 62) - 57);
        test_dense_reference(1000003);
        test_dense_extreme();
        test_exhaustive(&m, &ws);
        test_planted(&m, &ws);
        test_edge(&m, &ws);
        test_float_traps(&m, &ws);
        test_khatri_rao_random(&m, &ws);
        test_khatri_rao_structured(&m, &ws);
        test_khatri_rao_wide_inputs(&m, &ws);
        test_khatri_rao_width(&m, &ws);
    }
    rs_modp_set_kernel(RS_MODP_KERNEL_AUTO);
    time_khatri_rao(&m, &ws);
    rs_workspace_free(&ws);
    return check_done("test_modrank");
}
