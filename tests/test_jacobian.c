/* test_jacobian.c - J_A = (diag(v) A) Khatri-Rao X~ on structured cases whose rank is
 * known from linear algebra: zero columns, crowded columns, independent data, and the
 * bounds rank J <= min(n, P) and <= rank(A) * rank(X~). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "reluscape/jacobian.h"
#include "reluscape/matrank.h"

/* xorshift64*: deterministic, independent of the library's rng. */
static uint64_t rng_state = 0x243F6A8885A308D3ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}
static double rnd_unif(void) /* (0, 1) */
{
    return ((double)(rnd() >> 11) + 0.5) / 9007199254740992.0;
}
static double rnd_gauss(void)
{
    return sqrt(-2 * log(rnd_unif())) * cos(6.283185307179586 * rnd_unif());
}

/* Patterns are allocated here rather than with rs_pattern_alloc so this test depends only
 * on the layout in pattern.h. */
static void pat_alloc(rs_pattern *A, int d1, int n)
{
    A->d1 = d1;
    A->n = n;
    A->words = (d1 + 63) / 64;
    A->bits = calloc((size_t)(n > 0 ? n : 1) * (size_t)(A->words > 0 ? A->words : 1), 8);
}
static void pat_free(rs_pattern *A)
{
    free(A->bits);
    A->bits = NULL;
}
static void pat_bernoulli(rs_pattern *A, double q)
{
    memset(A->bits, 0, sizeof *A->bits * (size_t)A->n * A->words);
    for (int i = 0; i < A->n; i++)
        for (int j = 0; j < A->d1; j++)
            if (rnd_unif() < q) rs_pattern_set(A, j, i);
}
static void pat_copy_column(rs_pattern *A, int from, int to)
{
    memcpy(A->bits + (size_t)to * A->words, A->bits + (size_t)from * A->words,
           sizeof *A->bits * A->words);
}
static void pat_clear_column(rs_pattern *A, int i)
{
    memset(A->bits + (size_t)i * A->words, 0, sizeof *A->bits * A->words);
}

/* Dataset x~ (p x n): d0 Gaussian coordinates, then a 1 when bias. */
static double *make_xt(int d0, int bias, int n)
{
    int p = d0 + bias;
    double *xt = malloc(sizeof *xt * (size_t)p * (n > 0 ? n : 1));
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < d0; k++) xt[k + (size_t)p * i] = rnd_gauss();
        if (bias) xt[d0 + (size_t)p * i] = 1.0;
    }
    return xt;
}
static double *make_v(int d1)
{
    double *v = malloc(sizeof *v * (size_t)(d1 > 0 ? d1 : 1));
    for (int j = 0; j < d1; j++) {
        double g = rnd_gauss();
        v[j] = g >= 0 ? g + 0.1 : g - 0.1; /* bounded away from zero */
    }
    return v;
}

/* Rank by the named backend, on a copy. */
static int mrank(const char *method, int m, int n, const double *a)
{
    static rs_workspace ws; /* reused: exercises workspace growth across shapes */
    if (!method) {
        rs_workspace_free(&ws);
        return 0;
    }
    size_t len = (size_t)m * (size_t)n;
    double *c = malloc(sizeof *c * (len ? len : 1));
    if (len) memcpy(c, a, sizeof *c * len);
    int r = -1;
    int info = rs_matrank_lookup(method)->rank(m, n, c, m > 0 ? m : 1, 0, &ws, &r);
    free(c);
    return info ? -1 : r;
}

/* Build J for (A, v, xt) into a fresh buffer. */
static double *build(const rs_pattern *A, const double *v, const double *xt, int p)
{
    size_t len = (size_t)A->n * A->d1 * p;
    double *J = malloc(sizeof *J * (len ? len : 1));
    for (size_t e = 0; e < len; e++) J[e] = NAN; /* every entry must be written */
    rs_jacobian_build(A, v, xt, p, J);
    return J;
}

/* Brute-force multiplicity: O(n^2) column comparisons through rs_pattern_get. */
static int brute_multiplicity(const rs_pattern *A)
{
    int best = 0;
    for (int i = 0; i < A->n; i++) {
        int c = 0;
        for (int k = 0; k < A->n; k++) {
            int eq = 1;
            for (int j = 0; j < A->d1 && eq; j++)
                eq = rs_pattern_get(A, j, i) == rs_pattern_get(A, j, k);
            c += eq;
        }
        if (c > best) best = c;
    }
    return best;
}
static int brute_zero_column(const rs_pattern *A)
{
    for (int i = 0; i < A->n; i++) {
        int any = 0;
        for (int j = 0; j < A->d1; j++) any |= rs_pattern_get(A, j, i);
        if (!any) return 1;
    }
    return 0;
}

static const char *METHODS[] = {"svd", "qrcp"};

/* J[i + n*(j*p + k)] = v_j a_ji x~_ki, entry by entry, across a word boundary. */
static void test_entries(void)
{
    rng_state = 1;
    static const int cases[][4] = {{7, 70, 3, 1}, {5, 3, 2, 0}, {12, 130, 1, 1}, {1, 64, 4, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int n = cases[c][0], d1 = cases[c][1], d0 = cases[c][2], bias = cases[c][3];
        int p = d0 + bias;
        rs_pattern A;
        pat_alloc(&A, d1, n);
        pat_bernoulli(&A, 0.5);
        double *xt = make_xt(d0, bias, n), *v = make_v(d1);
        double *J = build(&A, v, xt, p);
        long bad = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d1; j++)
                for (int k = 0; k < p; k++) {
                    double want = v[j] * rs_pattern_get(&A, j, i) * xt[k + p * i];
                    double got = J[i + (size_t)n * (j * p + k)];
                    bad += !(got == want);
                }
        CHECK(bad == 0, "case %zu (n=%d d1=%d p=%d): %ld wrong entries", c, n, d1, p, bad);
        free(J);
        free(xt);
        free(v);
        pat_free(&A);
    }
    /* Degenerate shapes write nothing and do not crash. */
    rs_pattern E;
    pat_alloc(&E, 5, 0);
    double dummy = 42;
    rs_jacobian_build(&E, &dummy, &dummy, 3, &dummy);
    CHECK(dummy == 42, "n = 0 writes nothing");
    pat_free(&E);
}

/* A point activating no neuron gives a zero row of J, hence rank J < n. */
static void test_zero_column(void)
{
    rng_state = 2;
    const int n = 10, d0 = 4, bias = 1, d1 = 8, p = d0 + bias;
    int with_full = 0;
    for (int trial = 0; trial < 20; trial++) {
        rs_pattern A;
        pat_alloc(&A, d1, n);
        pat_bernoulli(&A, 0.7);
        double *xt = make_xt(d0, bias, n), *v = make_v(d1);
        int zero_before = rs_pattern_has_zero_column(&A);
        CHECK(zero_before == brute_zero_column(&A), "trial %d: zero-column agrees", trial);
        if (!zero_before) {
            double *J = build(&A, v, xt, p);
            with_full += mrank("svd", n, d1 * p, J) == n;
            free(J);
        }
        int victim = (int)(rnd() % n);
        pat_clear_column(&A, victim);
        CHECK(rs_pattern_has_zero_column(&A) == 1, "trial %d: cleared column %d", trial, victim);
        double *J = build(&A, v, xt, p);
        for (int m = 0; m < 2; m++) {
            int r = mrank(METHODS[m], n, d1 * p, J);
            CHECK(r >= 0 && r < n, "trial %d %s: rank %d with a zero column", trial, METHODS[m],
                  r);
        }
        free(J);
        free(xt);
        free(v);
        pat_free(&A);
    }
    /* Control: without the zero column these shapes are usually full rank, so the drop
     * above is the zero column's doing. */
    CHECK(with_full > 0, "control: no full-rank pattern among the uncleared ones");
    /* Only the high word active still counts as non-zero. */
    rs_pattern B;
    pat_alloc(&B, 65, 2);
    rs_pattern_set(&B, 64, 0);
    rs_pattern_set(&B, 0, 1);
    CHECK(rs_pattern_has_zero_column(&B) == 0, "bit 64 alone is an active column");
    pat_clear_column(&B, 1);
    CHECK(rs_pattern_has_zero_column(&B) == 1, "second column zero");
    pat_free(&B);
}

/* More than p points with one activation column: their rows (v .* a) kron x~_i live in a
 * p-dimensional space, so rank J < n. */
static void test_crowded_column(void)
{
    rng_state = 3;
    const int n = 10, d0 = 2, bias = 1, d1 = 12, p = d0 + bias;
    int control_full = 0, scratch[10];
    for (int trial = 0; trial < 30; trial++) {
        rs_pattern A;
        pat_alloc(&A, d1, n);
        pat_bernoulli(&A, 0.5);
        rs_pattern_set(&A, 0, 0); /* the shared column is non-zero */
        double *xt = make_xt(d0, bias, n), *v = make_v(d1);
        for (int c = 1; c < p; c++) pat_copy_column(&A, 0, c);
        /* Control: exactly p copies may still give full rank. */
        if (rs_pattern_max_column_multiplicity(&A, scratch) <= p &&
            !rs_pattern_has_zero_column(&A)) {
            double *J = build(&A, v, xt, p);
            control_full += mrank("svd", n, d1 * p, J) == n;
            free(J);
        }
        pat_copy_column(&A, 0, p); /* the (p+1)-th copy */
        int mult = rs_pattern_max_column_multiplicity(&A, scratch);
        CHECK(mult > p && mult == brute_multiplicity(&A), "trial %d: multiplicity %d (brute %d)",
              trial, mult, brute_multiplicity(&A));
        double *J = build(&A, v, xt, p);
        for (int m = 0; m < 2; m++) {
            int r = mrank(METHODS[m], n, d1 * p, J);
            CHECK(r >= 0 && r < n, "trial %d %s: rank %d with %d copies", trial, METHODS[m], r,
                  mult);
        }
        free(J);
        free(xt);
        free(v);
        pat_free(&A);
    }
    CHECK(control_full > 0, "control: p copies never gave full rank");
}

/* d0 >= n, no bias, Gaussian X (independent columns almost surely): rank J = n iff no
 * column of A is zero (if sum_i c_i (v.*a_i) kron x_i = 0 then block j gives
 * v_j sum_i c_i a_ji x_i = 0, so c_i a_ji = 0 for all j; a non-zero column forces c_i = 0). */
static void test_independent_data(void)
{
    rng_state = 4;
    int outcomes[2][2] = {{0, 0}, {0, 0}}; /* [d0 case][full] */
    long disagree = 0;
    for (int dc = 0; dc < 2; dc++) {
        const int n = 8, d0 = dc == 0 ? n : n + 2, bias = 0, p = d0;
        for (int trial = 0; trial < 300; trial++) {
            int d1 = 2 + (int)(rnd() % 3);
            double q = 0.3 + 0.4 * rnd_unif();
            rs_pattern A;
            pat_alloc(&A, d1, n);
            pat_bernoulli(&A, q);
            double *xt = make_xt(d0, bias, n), *v = make_v(d1);
            double *J = build(&A, v, xt, p);
            int zero = rs_pattern_has_zero_column(&A);
            for (int m = 0; m < 2; m++) {
                int r = mrank(METHODS[m], n, d1 * p, J);
                int full = r == n;
                disagree += full == zero;
                if (m == 0) outcomes[dc][full]++;
            }
            free(J);
            free(xt);
            free(v);
            pat_free(&A);
        }
    }
    CHECK(disagree == 0, "%ld (trial, method) pairs break 'full rank iff no zero column'",
          disagree);
    for (int dc = 0; dc < 2; dc++)
        CHECK(outcomes[dc][0] > 0 && outcomes[dc][1] > 0,
              "d0 case %d: both outcomes should occur (deficient %d, full %d)", dc,
              outcomes[dc][0], outcomes[dc][1]);
}

/* rank J <= min(n, P) and <= rank(A) * rank(X~), on random and deliberately low-rank A/X. */
static void test_rank_bounds(void)
{
    rng_state = 5;
    int binding = 0; /* cases where rank(A)*rank(X~) < min(n, P) */
    for (int trial = 0; trial < 120; trial++) {
        int n = 4 + (int)(rnd() % 20), d0 = 1 + (int)(rnd() % 4), bias = (int)(rnd() & 1);
        int d1 = 1 + (int)(rnd() % 10), p = d0 + bias, P = d1 * p;
        rs_pattern A;
        pat_alloc(&A, d1, n);
        pat_bernoulli(&A, 0.5);
        if (trial % 3 == 1) { /* low-rank A: every row copies one of two rows */
            int r0 = 0, r1 = d1 > 1 ? 1 : 0;
            for (int j = 2; j < d1; j++) {
                int src = (rnd() & 1) ? r0 : r1;
                for (int i = 0; i < n; i++) {
                    uint64_t *w = &A.bits[(size_t)i * A.words + j / 64];
                    *w &= ~((uint64_t)1 << (j % 64));
                    if (rs_pattern_get(&A, src, i)) rs_pattern_set(&A, j, i);
                }
            }
        }
        double *xt = make_xt(d0, bias, n), *v = make_v(d1);
        if (trial % 3 == 2 && d0 >= 2) /* low-rank X: every x is a multiple of x_0 */
            for (int i = 1; i < n; i++) {
                double s = rnd_gauss();
                for (int k = 0; k < d0; k++) xt[k + (size_t)p * i] = s * xt[k];
            }
        double *Ad = malloc(sizeof *Ad * (size_t)d1 * n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d1; j++) Ad[j + (size_t)d1 * i] = rs_pattern_get(&A, j, i);
        int rA = mrank("svd", d1, n, Ad), rX = mrank("svd", p, n, xt);
        double *J = build(&A, v, xt, p);
        int rs = mrank("svd", n, P, J), rq = mrank("qrcp", n, P, J);
        int cap = n < P ? n : P;
        binding += rA * rX < cap;
        CHECK(rs >= 0 && rs <= cap && rs <= rA * rX, "trial %d svd: rank %d, min(n,P) %d, "
              "rank A %d, rank X~ %d", trial, rs, cap, rA, rX);
        CHECK(rq >= 0 && rq <= cap && rq <= rA * rX, "trial %d qrcp: rank %d, min(n,P) %d, "
              "rank A %d, rank X~ %d", trial, rq, cap, rA, rX);
        CHECK(rs == rq, "trial %d: svd %d vs qrcp %d", trial, rs, rq);
        free(J);
        free(Ad);
        free(xt);
        free(v);
        pat_free(&A);
    }
    CHECK(binding > 10, "only %d cases exercised the product bound", binding);
}

/* Hand-made patterns whose columns differ only in bits next to word boundaries. */
static void test_multiplicity_words(void)
{
    static const int d1s[] = {64, 65, 130};
    int scratch[64];
    for (size_t c = 0; c < sizeof d1s / sizeof d1s[0]; c++) {
        const int d1 = d1s[c];
        /* Bits that sit on either side of a word boundary (and the top bit). */
        int hot[4] = {0, 63, d1 > 64 ? 64 : 62, d1 - 1};
        rs_pattern A;

        pat_alloc(&A, d1, 12);
        CHECK(rs_pattern_max_column_multiplicity(&A, scratch) == 12, "d1=%d all zero", d1);
        CHECK(rs_pattern_has_zero_column(&A) == 1, "d1=%d all zero has zero column", d1);
        /* Groups of sizes 3, 5, 2, 2: group g = base column plus hot bit g. */
        static const int group_of[12] = {0, 1, 1, 0, 1, 2, 1, 3, 0, 1, 2, 3};
        for (int i = 0; i < 12; i++) {
            rs_pattern_set(&A, 5, i); /* shared base bit */
            rs_pattern_set(&A, hot[group_of[i]], i);
        }
        /* Group 1 has 5 members.  For d1 = 64 the top bit is 63 = hot[1], so groups 1 and 3
         * coincide (7 points); for d1 = 65 groups 2 and 3 coincide (4 points). */
        int expect = d1 == 64 ? 7 : 5;
        int got = rs_pattern_max_column_multiplicity(&A, scratch);
        CHECK(got == expect && got == brute_multiplicity(&A), "d1=%d groups: %d, expected %d "
              "(brute %d)", d1, got, expect, brute_multiplicity(&A));
        CHECK(rs_pattern_has_zero_column(&A) == 0, "d1=%d groups: no zero column", d1);
        pat_free(&A);

        /* Columns equal in word 0 and differing only in the last word (and vice versa). */
        pat_alloc(&A, d1, 6);
        for (int i = 0; i < 6; i++) rs_pattern_set(&A, 10, i);
        rs_pattern_set(&A, d1 - 1, 0);
        rs_pattern_set(&A, d1 - 1, 1);
        rs_pattern_set(&A, d1 - 1, 2);
        rs_pattern_set(&A, 0, 3);
        got = rs_pattern_max_column_multiplicity(&A, scratch);
        CHECK(got == 3 && got == brute_multiplicity(&A), "d1=%d last-word split: %d", d1, got);
        pat_free(&A);

        /* Random columns drawn from a small pool that differ near the boundaries. */
        rng_state = 6 + c;
        for (int trial = 0; trial < 50; trial++) {
            int n = 1 + (int)(rnd() % 64);
            pat_alloc(&A, d1, n);
            for (int i = 0; i < n; i++) {
                int pick = (int)(rnd() % 6);
                for (int b = 0; b < 4; b++)
                    if (pick >> b & 1) rs_pattern_set(&A, hot[b], i);
                if (pick == 5) rs_pattern_set(&A, d1 / 2, i);
            }
            got = rs_pattern_max_column_multiplicity(&A, scratch);
            int bz = brute_zero_column(&A);
            CHECK(got == brute_multiplicity(&A), "d1=%d trial %d: %d vs brute %d", d1, trial,
                  got, brute_multiplicity(&A));
            CHECK(rs_pattern_has_zero_column(&A) == bz, "d1=%d trial %d zero column", d1,
                  trial);
            pat_free(&A);
        }
    }

    /* n = 0 and n = 1. */
    rs_pattern A;
    pat_alloc(&A, 65, 0);
    CHECK(rs_pattern_max_column_multiplicity(&A, scratch) == 0, "n = 0");
    CHECK(rs_pattern_has_zero_column(&A) == 0, "n = 0 has no zero column");
    pat_free(&A);
    pat_alloc(&A, 65, 1);
    CHECK(rs_pattern_max_column_multiplicity(&A, scratch) == 1, "n = 1");
    pat_free(&A);

    /* Bits above d1 in the last word are not part of A and must not split equal columns. */
    pat_alloc(&A, 65, 3);
    for (int i = 0; i < 3; i++) rs_pattern_set(&A, 64, i);
    A.bits[1 * A.words + 1] |= (uint64_t)1 << 40; /* padding bit of point 1 */
    CHECK(rs_pattern_max_column_multiplicity(&A, scratch) == 3, "padding bits ignored");
    pat_free(&A);
}

/* The structured Gram matrix equals J J^T within the bound rs_gram_build returns. */
static void test_gram(void)
{
    for (int trial = 0; trial < 60; trial++) {
        int d0 = 1 + (int)(rnd() % 6), bias = (int)(rnd() % 2), p = d0 + bias;
        int d1 = 1 + (int)(rnd() % 140), n = 1 + (int)(rnd() % 50);
        rs_pattern A;
        pat_alloc(&A, d1, n);
        pat_bernoulli(&A, 0.5);
        double *xt = make_xt(d0, bias, n), *v = make_v(d1), *J = build(&A, v, xt, p);
        size_t big = (size_t)(d1 > n ? d1 : n);
        double *G = malloc(sizeof *G * (size_t)n * n), *scratch = malloc(sizeof *G * big * n);
        double err = rs_gram_build(&A, v, xt, p, G, scratch), worst = 0, trace = 0;
        size_t P = (size_t)d1 * p;
        for (int i = 0; i < n; i++)
            for (int k = i; k < n; k++) {
                long double exact = 0;
                for (size_t c = 0; c < P; c++) exact += (long double)J[i + (size_t)n * c] * J[k + (size_t)n * c];
                double diff = fabs((double)(G[(size_t)i * n + k] - exact));
                if (diff > worst) worst = diff;
                if (i == k) trace += (double)exact;
            }
        CHECK(worst <= err, "trial %d: |G~ - J J^T| = %g above the bound %g", trial, worst, err);
        CHECK(err <= 1e-12 * trace + 1e-300, "trial %d: bound %g is tight enough (trace %g)", trial, err, trace);
        free(G);
        free(scratch);
        free(J);
        free(xt);
        free(v);
        pat_free(&A);
    }
}

/* Brute force: 1 if neuron j fires at some point and no neuron before it has the same
 * activation row (the neurons rs_neuron_reduce keeps). */
static int first_of_its_row(const rs_pattern *A, int j)
{
    int nonzero = 0;
    for (int i = 0; i < A->n; i++) nonzero |= rs_pattern_get(A, j, i);
    for (int q = 0; q < j && nonzero; q++) {
        int same = 1;
        for (int i = 0; i < A->n && same; i++) same = rs_pattern_get(A, j, i) == rs_pattern_get(A, q, i);
        if (same) return 0;
    }
    return nonzero;
}

/* Neuron reduction: zero rows dropped, equal rows merged with weight sqrt(sum v^2), so
 * J' J'^T = J J^T; the kept count is the number of distinct non-zero rows. */
static void test_neuron_reduce(void)
{
    for (int trial = 0; trial < 80; trial++) {
        int d0 = 1 + (int)(rnd() % 4), bias = (int)(rnd() % 2), p = d0 + bias;
        int d1 = 1 + (int)(rnd() % 150), n = 1 + (int)(rnd() % 70);
        rs_pattern A, R;
        pat_alloc(&A, d1, n);
        pat_alloc(&R, d1, n);
        /* few distinct rows: each neuron copies one of k prototypes (one of them zero) */
        int k = 1 + (int)(rnd() % 6);
        for (int j = 0; j < d1; j++) {
            int proto = (int)(rnd() % (unsigned)k);
            for (int i = 0; i < n; i++) {
                uint64_t h = (uint64_t)(proto + 1) * 0x9E3779B97F4A7C15ull ^ (uint64_t)(i + 1) * 0xC2B2AE3D27D4EB4Full;
                h ^= h >> 29;
                if (proto != 0 && (h * 0xBF58476D1CE4E5B9ull) >> 63) rs_pattern_set(&A, j, i);
            }
        }
        double *xt = make_xt(d0, bias, n), *v = make_v(d1), *vr = malloc(sizeof *vr * (size_t)d1);
        uint64_t *rows = malloc(sizeof *rows * (size_t)d1 * (size_t)((n + 63) / 64));
        rs_neuron_key *idx = malloc(sizeof *idx * rs_neuron_keys(d1));
        int kept = rs_neuron_reduce(&A, v, &R, vr, rows, idx);
        /* brute force: distinct non-zero rows */
        int distinct = 0;
        for (int j = 0; j < d1; j++) distinct += first_of_its_row(&A, j);
        CHECK(kept == distinct && R.d1 == kept, "trial %d: kept %d, distinct non-zero rows %d", trial, kept, distinct);
        double *J = build(&A, v, xt, p), *Jr = kept ? build(&R, vr, xt, p) : NULL;
        double worst = 0, scale = 0;
        for (int i = 0; i < n; i++)
            for (int q = 0; q <= i; q++) {
                double g = 0, gr = 0;
                for (size_t c = 0; c < (size_t)d1 * p; c++) g += J[i + (size_t)n * c] * J[q + (size_t)n * c];
                for (size_t c = 0; c < (size_t)kept * p; c++) gr += Jr[i + (size_t)n * c] * Jr[q + (size_t)n * c];
                if (fabs(g - gr) > worst) worst = fabs(g - gr);
                if (fabs(g) > scale) scale = fabs(g);
            }
        CHECK(worst <= 1e-12 * (scale + 1e-300), "trial %d: |J'J'^T - JJ^T| = %g (scale %g)", trial, worst, scale);
        if (kept) {
            for (int m = 0; m < 2; m++)
                CHECK(mrank(METHODS[m], n, kept * p, Jr) == mrank(METHODS[m], n, d1 * p, J),
                      "trial %d: %s rank of J' = rank of J", trial, METHODS[m]);
        }
        free(J);
        free(Jr);
        free(xt);
        free(v);
        free(vr);
        free(rows);
        free(idx);
        pat_free(&A);
        pat_free(&R);
    }
}

/* The reduced pattern bit for bit, on shapes with many kept neurons and points (several
 * 64 x 64 blocks, ragged edges): kept neuron k is the k-th distinct non-zero row in index
 * order, and nothing is set past d1' in R. */
static void test_neuron_reduce_bits(void)
{
    static const int shapes[][2] = {{1, 1}, {63, 65}, {64, 64}, {65, 63}, {130, 200}, {200, 129}, {300, 100}};
    for (size_t t = 0; t < sizeof shapes / sizeof *shapes; t++) {
        const int d1 = shapes[t][0], n = shapes[t][1];
        rs_pattern A, R;
        pat_alloc(&A, d1, n);
        pat_alloc(&R, d1, n);
        pat_bernoulli(&A, 0.5);
        for (int j = 3; j < d1; j += 7) /* some copies and some silent neurons */
            for (int i = 0; i < n; i++) {
                int b = j % 2 ? rs_pattern_get(&A, j / 2, i) : 0;
                A.bits[(size_t)i * A.words + j / 64] &= ~((uint64_t)1 << (j % 64));
                if (b) rs_pattern_set(&A, j, i);
            }
        if (d1 % 64) /* garbage past d1 must be ignored */
            for (int i = 0; i < n; i++) A.bits[(size_t)i * A.words + A.words - 1] |= ~(uint64_t)0 << (d1 % 64);
        double *v = make_v(d1), *vr = malloc(sizeof *vr * (size_t)d1);
        uint64_t *rows = malloc(sizeof *rows * (size_t)d1 * (size_t)((n + 63) / 64));
        rs_neuron_key *idx = malloc(sizeof *idx * rs_neuron_keys(d1));
        int kept = rs_neuron_reduce(&A, v, &R, vr, rows, idx);
        int k = 0, same = 1;
        for (int j = 0; j < d1; j++) {
            if (!first_of_its_row(&A, j)) continue;
            for (int i = 0; i < n && k < kept; i++) same &= rs_pattern_get(&R, k, i) == rs_pattern_get(&A, j, i);
            k++;
        }
        CHECK(k == kept, "shape %zu: kept %d, distinct non-zero rows %d", t, kept, k);
        for (int i = 0; i < n && kept % 64; i++) same &= R.bits[(size_t)i * R.words + R.words - 1] >> (kept % 64) == 0;
        CHECK(same, "shape %zu (d1 %d, n %d): R is the distinct rows, bit for bit", t, d1, n);
        free(v);
        free(vr);
        free(rows);
        free(idx);
        pat_free(&A);
        pat_free(&R);
    }
}

/* Column classes against brute force, with garbage past d1. */
static void test_column_classes(void)
{
    for (int trial = 0; trial < 40; trial++) {
        int d1 = 1 + (int)(rnd() % 140), n = 1 + (int)(rnd() % 300);
        rs_pattern A;
        pat_alloc(&A, d1, n);
        /* few distinct columns: point i copies prototype point i % m or i / m */
        int m = 1 + (int)(rnd() % 20);
        pat_bernoulli(&A, 0.5);
        for (int i = m; i < n; i++) {
            int src = trial % 2 ? i % m : (int)(rnd() % (unsigned)m);
            memcpy(A.bits + (size_t)i * A.words, A.bits + (size_t)src * A.words, sizeof *A.bits * (size_t)A.words);
        }
        if (d1 % 64)
            for (int i = 0; i < n; i++)
                if (rnd() % 2) A.bits[(size_t)i * A.words + A.words - 1] ^= (uint64_t)1 << 63;
        int *first = malloc(sizeof *first * (size_t)n), *count = malloc(sizeof *count * (size_t)n);
        int *table = malloc(sizeof *table * rs_hash_slots(n)), scratch_best;
        int classes = rs_pattern_column_classes(&A, first, count, table), ok = 1, want = 0, best = 0;
        for (int i = 0; i < n; i++) {
            int f = i;
            for (int q = 0; q < i && f == i; q++) {
                int eq = 1;
                for (int j = 0; j < d1 && eq; j++) eq = rs_pattern_get(&A, j, q) == rs_pattern_get(&A, j, i);
                if (eq) f = q;
            }
            ok &= first[i] == f;
            want += f == i;
        }
        for (int i = 0; i < n; i++)
            if (first[i] == i) {
                int c = 0;
                for (int q = 0; q < n; q++) c += first[q] == i;
                ok &= count[i] == c;
                if (c > best) best = c;
            }
        CHECK(ok && classes == want, "trial %d: classes %d (brute force %d), first and count", trial, classes, want);
        scratch_best = rs_pattern_max_column_multiplicity(&A, first);
        CHECK(scratch_best == best, "trial %d: max multiplicity %d, brute force %d", trial, scratch_best, best);
        free(first);
        free(count);
        free(table);
        pat_free(&A);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
/* XINUSE bit 2 (XGETBV with ECX = 1): the upper halves of ymm0-15 hold something, so
 * every later SSE instruction pays the AVX-SSE transition.  -1 when not readable. */
static int ymm_upper_in_use(void)
{
    unsigned a, b, c, d, lo, hi;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return -1; /* OSXSAVE */
    if (!__get_cpuid_count(0xd, 1, &a, &b, &c, &d) || !(a & 4)) return -1; /* XGETBV ECX = 1 */
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(1));
    (void)hi;
    return (int)(lo >> 2 & 1);
}

/* The AVX2 bit transposes of the neuron reduction leave the upper halves clean: the
 * Gaussian draws of the next trial (libm, SSE) once ran 6x slower after them. */
static void test_reduce_leaves_ymm_clean(void)
{
    if (!__builtin_cpu_supports("avx2")) return;
    __asm__ volatile("vpcmpeqd %%ymm9, %%ymm9, %%ymm9\n\tvzeroupper" ::: "xmm9");
    if (ymm_upper_in_use() != 0) return; /* no probe, or it cannot tell */
    __asm__ volatile("vpcmpeqd %%ymm9, %%ymm9, %%ymm9" ::: "xmm9");
    int dirty = ymm_upper_in_use();
    __asm__ volatile("vzeroupper");
    if (dirty != 1) return; /* the probe does not see the state: skip */
    rs_pattern A, R;
    const int d1 = 130, n = 70;
    pat_alloc(&A, d1, n);
    pat_alloc(&R, d1, n);
    for (int j = 0; j < d1; j++)
        for (int i = 0; i < n; i++)
            if ((i * 7 + j * 3) % 5 < 2) rs_pattern_set(&A, j, i);
    double *v = make_v(d1), *vr = malloc(sizeof *vr * (size_t)d1);
    uint64_t *rows = malloc(sizeof *rows * (size_t)d1 * (size_t)((n + 63) / 64));
    rs_neuron_key *idx = malloc(sizeof *idx * rs_neuron_keys(d1));
    rs_neuron_reduce(&A, v, &R, vr, rows, idx);
    CHECK(ymm_upper_in_use() == 0, "rs_neuron_reduce returns with the upper halves of the ymm registers clean");
    free(v);
    free(vr);
    free(rows);
    free(idx);
    pat_free(&A);
    pat_free(&R);
}
#else
static void test_reduce_leaves_ymm_clean(void) {}
#endif

int main(void)
{
    test_entries();
    test_zero_column();
    test_crowded_column();
    test_independent_data();
    test_rank_bounds();
    test_multiplicity_words();
    test_gram();
    test_neuron_reduce();
    test_neuron_reduce_bits();
    test_column_classes();
    test_reduce_leaves_ymm_clean();
    mrank(NULL, 0, 0, NULL);
    return check_done("test_jacobian");
}
