/* test_matrank.c - numerical rank backends against answers known from mathematics:
 * exhaustive counts of nonsingular 0/1 matrices (OEIS A046747), exact ranks mod a prime,
 * planted-rank products B*C, and the tolerance policy. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "reluscape/matrank.h"

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

/* Exact rank over Z/pZ by Gaussian elimination (int64, p < 2^31 so products fit).
 * rank mod p <= rank over Q always, with equality when p divides no relevant minor. */
#define PRIME 2147483647LL
static int64_t mod_pow(int64_t b, int64_t e)
{
    int64_t r = 1;
    b %= PRIME;
    while (e) {
        if (e & 1) r = r * b % PRIME;
        b = b * b % PRIME;
        e >>= 1;
    }
    return r;
}
static int rank_mod_p(int m, int n, const int *a /* col-major, ld m */)
{
    if (m == 0 || n == 0) return 0;
    int64_t *t = malloc(sizeof *t * (size_t)m * (size_t)n);
    for (int i = 0; i < m * n; i++) t[i] = ((a[i] % PRIME) + PRIME) % PRIME;
    int r = 0;
    for (int c = 0; c < n && r < m; c++) {
        int piv = -1;
        for (int i = r; i < m; i++)
            if (t[i + (size_t)m * c]) { piv = i; break; }
        if (piv < 0) continue;
        for (int cc = 0; cc < n; cc++) { /* swap rows piv, r */
            int64_t x = t[piv + (size_t)m * cc];
            t[piv + (size_t)m * cc] = t[r + (size_t)m * cc];
            t[r + (size_t)m * cc] = x;
        }
        int64_t inv = mod_pow(t[r + (size_t)m * c], PRIME - 2);
        for (int i = r + 1; i < m; i++) {
            int64_t f = t[i + (size_t)m * c] * inv % PRIME;
            if (!f) continue;
            for (int cc = c; cc < n; cc++)
                t[i + (size_t)m * cc] =
                    ((t[i + (size_t)m * cc] - f * t[r + (size_t)m * cc]) % PRIME + PRIME) % PRIME;
        }
        r++;
    }
    free(t);
    return r;
}

/* Rank of a copy (the backends overwrite their input); -1000 - info on failure. */
static int rank_of(const rs_matrank_method *M, int m, int n, const double *a, int lda,
                   double rtol, rs_workspace *ws)
{
    size_t len = (size_t)lda * (size_t)(n > 0 ? n : 1);
    double *c = malloc(sizeof *c * (len ? len : 1));
    if (len) memcpy(c, a, sizeof *c * len);
    int r = -1;
    int info = M->rank(m, n, c, lda, rtol, ws, &r);
    free(c);
    return info ? -1000 - info : r;
}

static const char *METHODS[] = {"svd", "qrcp"};
#define NMETHODS 2

static void test_registry(void)
{
    CHECK(strcmp(rs_matrank_names(), "svd|qrcp") == 0, "names = %s", rs_matrank_names());
    for (int k = 0; k < NMETHODS; k++) {
        const rs_matrank_method *M = rs_matrank_lookup(METHODS[k]);
        CHECK(M && strcmp(M->name, METHODS[k]) == 0 && M->help && M->rank, "lookup %s",
              METHODS[k]);
    }
    CHECK(rs_matrank_lookup("lu") == NULL, "unknown method");
    CHECK(rs_matrank_lookup(NULL) == NULL, "NULL name");
    CHECK(rs_matrank_default_rtol(3, 5) == 5 * DBL_EPSILON, "default rtol(3,5)");
    CHECK(rs_matrank_default_rtol(7, 2) == 7 * DBL_EPSILON, "default rtol(7,2)");
}

static void test_workspace(void)
{
    rs_workspace ws = {0};
    double *d = rs_workspace_doubles(&ws, 10);
    CHECK(d && ws.ndbl >= 10, "first grow");
    for (int i = 0; i < 10; i++) d[i] = i;
    double *d2 = rs_workspace_doubles(&ws, 5);
    CHECK(d2 == d && ws.ndbl >= 10, "smaller request keeps the buffer");
    double *d3 = rs_workspace_doubles(&ws, 1000);
    CHECK(d3 && ws.ndbl >= 1000 && d3[9] == 9.0, "grow keeps contents (realloc)");
    int *ii = rs_workspace_ints(&ws, 33);
    CHECK(ii && ws.nints >= 33, "ints");
    CHECK(rs_workspace_ints(&ws, 0) != NULL, "zero-size request gives a pointer");
    rs_workspace_free(&ws);
    CHECK(ws.dbl == NULL && ws.ints == NULL && ws.ndbl == 0 && ws.nints == 0, "free resets");
    rs_workspace_free(&ws); /* idempotent */
}

/* All 2^(n*n) 0/1 matrices for n = 1..4. Full-rank counts 1, 6, 174, 22560 (A046747:
 * singular counts 1, 10, 338, 42976).  Each numeric rank is also compared with the exact
 * rank mod p, which equals the rational rank here (0/1 minors of order <= 4 are at most 3
 * in absolute value, so none vanishes mod p). */
static void test_binary_exhaustive(void)
{
    static const long full_expected[5] = {0, 1, 6, 174, 22560};
    rs_workspace ws = {0};
    for (int n = 1; n <= 4; n++) {
        long full[NMETHODS] = {0}, mismatch[NMETHODS] = {0}, exact_full = 0;
        const long total = 1L << (n * n);
        double a[16];
        int ai[16];
        for (long mask = 0; mask < total; mask++) {
            for (int e = 0; e < n * n; e++) ai[e] = (int)((mask >> e) & 1), a[e] = ai[e];
            int ex = rank_mod_p(n, n, ai);
            exact_full += ex == n;
            for (int k = 0; k < NMETHODS; k++) {
                int r = rank_of(rs_matrank_lookup(METHODS[k]), n, n, a, n, 0, &ws);
                full[k] += r == n;
                mismatch[k] += r != ex;
            }
        }
        CHECK(exact_full == full_expected[n], "exact n=%d: %ld full rank", n, exact_full);
        for (int k = 0; k < NMETHODS; k++) {
            CHECK(full[k] == full_expected[n], "%s n=%d: %ld full rank, expected %ld",
                  METHODS[k], n, full[k], full_expected[n]);
            CHECK(total - full[k] == total - full_expected[n], "%s n=%d singular count",
                  METHODS[k], n);
            CHECK(mismatch[k] == 0, "%s n=%d: %ld ranks differ from exact", METHODS[k], n,
                  mismatch[k]);
        }
    }
    rs_workspace_free(&ws);
}

/* A = B*C with integer B (m x r), C (r x n) in -3..3.  rank A = r exactly when B has full
 * column rank and C full row rank (then B is injective and C surjective); that is certified
 * by the exact rank mod p (which can only under-count), redrawing the rare degenerate
 * draw so the planted rank is really r. */
static void test_planted_rank(void)
{
    static const int shapes[][3] = {
        {5, 8, 3},  {8, 5, 3},  {6, 6, 0},   {6, 6, 6},   {7, 4, 4},   {4, 7, 4},
        {1, 1, 1},  {1, 5, 0},  {5, 1, 1},   {30, 50, 17}, {50, 30, 30}, {40, 40, 39},
        {60, 20, 1}, {20, 60, 20}, {100, 120, 55}, {3, 3, 2},
    };
    rs_workspace ws = {0};
    int certified_total = 0;
    rng_state = 12345;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int m = shapes[s][0], n = shapes[s][1], r = shapes[s][2];
        for (int trial = 0; trial < 5; trial++) {
            int *B = malloc(sizeof *B * (size_t)(m * r + 1));
            int *C = malloc(sizeof *C * (size_t)(r * n + 1));
            int redraws = 0;
            for (;;) {
                for (int e = 0; e < m * r; e++) B[e] = rnd_int(-3, 3);
                for (int e = 0; e < r * n; e++) C[e] = rnd_int(-3, 3);
                if (rank_mod_p(m, r, B) == r && rank_mod_p(r, n, C) == r) break;
                redraws++;
            }
            CHECK(redraws < 20, "(%d,%d,%d): %d redraws", m, n, r, redraws);
            double *A = calloc((size_t)m * n, sizeof *A);
            for (int j = 0; j < n; j++)
                for (int l = 0; l < r; l++)
                    for (int i = 0; i < m; i++)
                        A[i + (size_t)m * j] += (double)B[i + m * l] * C[l + r * j];
            /* the certificate may only ever claim full rank when it is true */
            int certified = rs_matrank_certify_full(m, n, A, m, 0, &ws);
            CHECK(!certified || r == (m < n ? m : n), "(%d,%d) planted %d certified full", m, n, r);
            certified_total += certified;
            for (int k = 0; k < NMETHODS; k++) {
                int got = rank_of(rs_matrank_lookup(METHODS[k]), m, n, A, m, 0, &ws);
                CHECK(got == r, "%s (%d x %d, planted %d) trial %d: rank %d", METHODS[k], m, n,
                      r, trial, got);
            }
            free(A);
            free(B);
            free(C);
        }
    }
    CHECK(certified_total >= 5 * 6, "full-rank planted products get certified (%d)", certified_total);
    rs_workspace_free(&ws);
}

/* The Cholesky certificate against the SVD rule: near-dependent and badly scaled columns
 * are never certified unless the SVD counts full rank, and it does not touch the matrix. */
static void test_certificate(void)
{
    rs_workspace ws = {0};
    const rs_matrank_method *svd = rs_matrank_lookup("svd");
    int certified = 0, undecided_full = 0;
    rng_state = 777;
    for (int trial = 0; trial < 400; trial++) {
        int m = rnd_int(1, 30), n = rnd_int(1, 40);
        double *A = malloc(sizeof *A * (size_t)m * n), *copy = malloc(sizeof *A * (size_t)m * n);
        for (int e = 0; e < m * n; e++) A[e] = rnd_int(-1000, 1000) / 7.0;
        /* make some columns nearly dependent: col j = col 0 + delta * noise */
        double delta = trial % 4 == 0 ? 0 : trial % 4 == 1 ? 1e-4 : trial % 4 == 2 ? 1e-9 : 1e-14;
        for (int j = 1; j < n && trial % 3 == 0; j += 3)
            for (int i = 0; i < m; i++) A[i + (size_t)m * j] = A[i] + delta * rnd_int(-5, 5);
        memcpy(copy, A, sizeof *A * (size_t)m * n);
        int c = rs_matrank_certify_full(m, n, A, m, 0, &ws);
        CHECK(memcmp(copy, A, sizeof *A * (size_t)m * n) == 0, "certificate left the matrix intact");
        int r = rank_of(svd, m, n, A, m, 0, &ws), k = m < n ? m : n;
        CHECK(!c || r == k, "trial %d (%d x %d, delta %g): certified but svd rank %d", trial, m, n, delta, r);
        certified += c;
        undecided_full += !c && r == k;
        free(A);
        free(copy);
    }
    CHECK(certified > 150, "well-conditioned matrices are certified (%d of 400)", certified);
    printf("certificate: %d certified, %d full-rank left to the svd\n", certified, undecided_full);
    /* a matrix full rank by the SVD rule but too ill-conditioned for the Gram route */
    double D[4] = {1, 0, 0, 1e-10};
    CHECK(rank_of(svd, 2, 2, D, 2, 0, &ws) == 2 && !rs_matrank_certify_full(2, 2, D, 2, 0, &ws),
          "diag(1, 1e-10): svd rank 2, certificate undecided");
    double Z[6] = {0};
    CHECK(!rs_matrank_certify_full(2, 3, Z, 2, 0, &ws), "zero matrix not certified");
    rs_workspace_free(&ws);
}

static void test_tolerance_and_edges(void)
{
    rs_workspace ws = {0};
    for (int k = 0; k < NMETHODS; k++) {
        const rs_matrank_method *M = rs_matrank_lookup(METHODS[k]);
        const char *nm = METHODS[k];
        double d[4] = {1, 0, 0, 1e-10};
        CHECK(rank_of(M, 2, 2, d, 2, 0, &ws) == 2, "%s diag(1,1e-10) default", nm);
        CHECK(rank_of(M, 2, 2, d, 2, -1, &ws) == 2, "%s diag(1,1e-10) rtol<0", nm);
        CHECK(rank_of(M, 2, 2, d, 2, 1e-8, &ws) == 1, "%s diag(1,1e-10) rtol 1e-8", nm);
        CHECK(rank_of(M, 2, 2, d, 2, 1e-11, &ws) == 2, "%s diag(1,1e-10) rtol 1e-11", nm);
        /* Just below the default threshold (2*eps relative) is dropped. */
        double e[4] = {1, 0, 0, DBL_EPSILON};
        CHECK(rank_of(M, 2, 2, e, 2, 0, &ws) == 1, "%s diag(1,eps) default", nm);

        double z[12] = {0};
        CHECK(rank_of(M, 3, 4, z, 3, 0, &ws) == 0, "%s zero 3x4", nm);
        CHECK(rank_of(M, 1, 1, z, 1, 0, &ws) == 0, "%s zero 1x1", nm);
        double one = -7.5;
        CHECK(rank_of(M, 1, 1, &one, 1, 0, &ws) == 1, "%s 1x1 non-zero", nm);
        int r = -1;
        CHECK(M->rank(0, 5, z, 1, 0, &ws, &r) == 0 && r == 0, "%s 0 x 5", nm);
        r = -1;
        CHECK(M->rank(5, 0, z, 5, 0, &ws, &r) == 0 && r == 0, "%s 5 x 0", nm);
        r = -1;
        CHECK(M->rank(0, 0, z, 1, 0, &ws, &r) == 0 && r == 0, "%s 0 x 0", nm);

        /* lda > m: a 3 x 3 rank-2 matrix inside a 5-row buffer with junk padding rows. */
        double pad[15];
        const double core[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}; /* rank 2 */
        for (int j = 0; j < 3; j++) {
            for (int i = 0; i < 3; i++) pad[i + 5 * j] = core[i + 3 * j];
            pad[3 + 5 * j] = 1e300;
            pad[4 + 5 * j] = -1e300;
        }
        CHECK(rank_of(M, 3, 3, pad, 5, 0, &ws) == 2, "%s lda > m", nm);

        /* Scale invariance: the tolerance is relative. */
        double tiny[9], huge[9];
        for (int i = 0; i < 9; i++) tiny[i] = core[i] * 1e-200, huge[i] = core[i] * 1e200;
        CHECK(rank_of(M, 3, 3, tiny, 3, 0, &ws) == 2, "%s scaled 1e-200", nm);
        CHECK(rank_of(M, 3, 3, huge, 3, 0, &ws) == 2, "%s scaled 1e200", nm);
    }
    rs_workspace_free(&ws);
}

/* Reusing one workspace across shapes of growing and shrinking size gives the same ranks
 * as a fresh workspace each time. */
static void test_workspace_reuse(void)
{
    rs_workspace shared = {0};
    rng_state = 777;
    static const int shapes[][2] = {{3, 3}, {40, 90}, {5, 2}, {90, 40}, {1, 7}, {64, 64}};
    for (int rep = 0; rep < 2; rep++)
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            int m = shapes[s][0], n = shapes[s][1];
            double *a = malloc(sizeof *a * (size_t)m * n);
            for (int e = 0; e < m * n; e++) a[e] = (double)rnd_int(0, 1);
            for (int k = 0; k < NMETHODS; k++) {
                const rs_matrank_method *M = rs_matrank_lookup(METHODS[k]);
                rs_workspace fresh = {0};
                int r1 = rank_of(M, m, n, a, m, 0, &shared);
                int r2 = rank_of(M, m, n, a, m, 0, &fresh);
                CHECK(r1 == r2 && r1 >= 0, "%s %dx%d shared %d fresh %d", METHODS[k], m, n, r1,
                      r2);
                rs_workspace_free(&fresh);
            }
            free(a);
        }
    rs_workspace_free(&shared);
}

/* The certificate's shift at its edge.  G = diag(big, ..., big, small) is positive
 * definite with Cholesky exact on a diagonal, so certify_gram succeeds iff small > shift,
 * shift = 100 tol^2 + 2 form_err + 2 (k + 1) u tr G with tol^2 = tr G rtol^2 (matrank.h).
 * Each case makes one term dominate, puts small a relative 1e-6 below and above the
 * shift, and expects "undecided" below and "certified" above: a shift that lost a term or
 * a factor of two moves the edge and fails one side. */
static int certifies_diag(int k, double big, double small, double form_err, double rtol)
{
    double g[16 * 16] = {0};
    for (int i = 0; i < k - 1; i++) g[i * k + i] = big;
    g[(k - 1) * k + (k - 1)] = small;
    return rs_matrank_certify_gram(k, g, form_err, rtol, 0);
}

static void test_certificate_edge(void)
{
    const double u = DBL_EPSILON / 2;
    const int k = 12;
    const double big = 1.0;
    const struct { const char *term; double form_err, rtol; } cases[] = {
        {"rounding 2(k+1) u tr G", 0.0, 1e-200},
        {"twice form_err", 1e-9, 1e-200},
        {"100 tol^2", 0.0, 1e-6},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double fe = cases[c].form_err, r = cases[c].rtol, shift = 0;
        for (int it = 0; it < 3; it++) { /* tr G contains small itself: a fixed point */
            double trace = (k - 1) * big + shift;
            shift = 100.0 * trace * r * r + 2.0 * fe + 2.0 * (k + 1) * u * trace;
        }
        CHECK(!certifies_diag(k, big, shift * (1 - 1e-6), fe, r), "%s: small just below the shift certified",
              cases[c].term);
        CHECK(certifies_diag(k, big, shift * (1 + 1e-6), fe, r), "%s: small just above the shift not certified",
              cases[c].term);
    }
}

int main(void)
{
    test_registry();
    test_workspace();
    test_binary_exhaustive();
    test_planted_rank();
    test_tolerance_and_edges();
    test_workspace_reuse();
    test_certificate();
    test_certificate_edge();
    return check_done("test_matrank");
}
