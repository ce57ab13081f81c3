/* test_engine.c - the rank methods agree with each other and with known answers.
 * (Not the sphere law at d0 = 1: its points are +-1 only up to the last bit, so the exact
 * rank legitimately exceeds every float rank there; tests/rank_engine.sh tests such data.)
 *  - >= 10,000 random trials over grids through the transition (bernoulli and init
 *    patterns, four data laws): svd, qrcp, exact, auto and svd without the certificate
 *    give the same rank on every trial; gram never exceeds it and falls short on at
 *    most one trial in a thousand (the price of squaring the condition number);
 *  - planted facts: rank <= min(n, P); a zero column forces a deficit;
 *  - verification picks the same trials whatever else changes and counts nothing when
 *    the method is exact. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#define RS_FMT_TEST(buf, text) snprintf((buf), sizeof(buf), "%s", (text))
#include "reluscape/reluscape.h"

static const char *METHODS[] = {"svd", "qrcp", "gram", "exact", "auto"};
#define NMETHODS 5

typedef struct run {
    rs_config cfg;
    rs_grid grid;
    rs_data_spec data;
} run;

static int open_run(run *r, const char *text, const char *method, const char *certify)
{
    char err[RS_ERR_MAX], m[64], c[64];
    char *sets[] = {m, c};
    snprintf(m, sizeof m, "rank.method=%s", method);
    snprintf(c, sizeof c, "rank.certify=%s", certify);
    if (rs_config_parse(text, "test", 2, sets, &r->cfg, err, sizeof err) ||
        rs_grid_build(&r->cfg, "test", &r->grid, err, sizeof err)) {
        CHECK(0, "the test's config must parse: %s", err); /* an early return is a failure */
        return -1;
    }
    r->data = (rs_data_spec){.law = (rs_data_law)rs_data_law_from_name(r->cfg.data_law), .bias = r->cfg.bias};
    return 0;
}

static void close_run(run *r)
{
    rs_grid_free(&r->grid);
    rs_config_free(&r->cfg);
}

/* Ranks of every (cell, trial) of a config under one method; NULL on failure. */
static int *ranks_of(const char *text, const char *method, const char *certify, int *count,
                     int64_t *certified, int *zero_and_full)
{
    run r;
    if (open_run(&r, text, method, certify)) return NULL;
    char err[RS_ERR_MAX];
    rs_trial_setup ts;
    rs_trial_work w = {0};
    int total = r.grid.ncells * (int)r.cfg.trials, k = 0;
    int *out = malloc(sizeof *out * (size_t)total);
    CHECK(rs_trial_setup_init(&ts, &r.cfg, &r.data, err, sizeof err) == 0, "%s", err);
    for (int c = 0; c < r.grid.ncells; c++)
        for (int64_t t = 0; t < r.cfg.trials; t++) {
            rs_trial_result res;
            int rc = rs_trial_run(&ts, &r.grid.cells[c], t, &w, &res);
            CHECK(rc == 0, "%s: trial failed (%d)", method, rc);
            const rs_cell *cell = &r.grid.cells[c];
            int bound = cell->n < cell->d1 * cell->p ? cell->n : cell->d1 * cell->p;
            CHECK(res.rank.matrank >= 0 && res.rank.matrank <= bound, "%s: rank %d above min(n, P) = %d",
                  method, res.rank.matrank, bound);
            if (res.zero_column && res.rank.matrank == cell->n) (*zero_and_full)++;
            *certified += res.rank.certified;
            out[k++] = res.rank.matrank;
        }
    rs_trial_work_free(&w);
    close_run(&r);
    *count = k;
    return out;
}

/* Central arrangements on centred data (no bias column): many rank-deficient trials whose
 * exact step peels rows (engine.c); test_planted_peeling checks that it does. */
#define PEEL_CONFIG                                                                             \
    "[grid]\nd0 = 2, 3\nd1 = 8, 20, 40\nn = 16, 40\n[sweep]\ntrials = 60\nseed = 15\n"          \
    "[data]\nlaw = gaussian\nbias = false\n[pattern]\nsampler = init\ninit = torch\n"

static void test_agreement(void)
{
    /* grids through the transition: P = d1 p from below n to well above */
    const char *configs[] = {
        "[grid]\nd0 = 1, 2, 3\nd1 = 2:14:3\nn = 6, 12, 20\n[sweep]\ntrials = 80\nseed = 11\n"
        "[data]\nlaw = gaussian\n[pattern]\nsampler = bernoulli\n",
        "[grid]\nd0 = 2, 4\nd1 = 3:15:4\nn = 10, 25\n[sweep]\ntrials = 60\nseed = 12\n"
        "[data]\nlaw = uniform\nbias = false\n[pattern]\nsampler = init\ninit = gaussian\n",
        "[grid]\nd0 = 1\nd1 = 4:40:6\nn = 6, 12, 18\n[sweep]\ntrials = 60\nseed = 14\n"
        "[data]\nlaw = uniform01\n[pattern]\nsampler = init\ninit = torch\n",
        "[grid]\nd0 = 2, 3, 5\nd1 = 5:40:7\nn = 8, 16, 24\n[sweep]\ntrials = 80\nseed = 13\n"
        "[data]\nlaw = sphere\n[pattern]\nsampler = init\ninit = he\n[network]\nv = balanced\n",
        PEEL_CONFIG,
    };
    int total = 0, gram_differ = 0;
    for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
        int *ranks[NMETHODS + 1], count = 0, zero_full = 0;
        int64_t certified[NMETHODS + 1] = {0};
        for (int m = 0; m <= NMETHODS; m++) {
            /* the extra run: svd without the certificate */
            ranks[m] = ranks_of(configs[c], m < NMETHODS ? METHODS[m] : "svd", m < NMETHODS ? "true" : "false",
                                &count, &certified[m], &zero_full);
            if (!ranks[m]) return;
        }
        CHECK(zero_full == 0, "config %zu: %d trials with a zero column reported full rank", c, zero_full);
        CHECK(certified[0] > 0 && certified[NMETHODS] == 0, "config %zu: the certificate decided %lld trials",
              c, (long long)certified[0]);
        for (int m = 0; m <= NMETHODS; m++) {
            int differ = 0, above = 0, first = -1;
            for (int t = 0; t < count; t++)
                if (ranks[m][t] != ranks[3][t]) {
                    differ++;
                    above += ranks[m][t] > ranks[3][t];
                    if (first < 0) first = t;
                }
            const char *name = m < NMETHODS ? METHODS[m] : "svd (no certificate)";
            if (m == 2) {
                /* gram squares the condition number: it may miss a singular value below
                 * sqrt(2 (n+1) u) |J|_F that the others still see, never invent one.  How
                 * often depends on how many trials sit near that edge (the central
                 * arrangements of PEEL_CONFIG: most), and which side a trial on the edge
                 * falls depends on the kernels' rounding: at most 1% a config, and 1 in
                 * 1000 over all (below) */
                CHECK(above == 0 && differ * 100 <= count, "config %zu: gram differs from exact on %d of %d "
                      "trials, %d of them above", c, differ, count, above);
                gram_differ += differ;
                continue;
            }
            CHECK(differ == 0, "config %zu: %s differs from exact on %d of %d trials (first: trial %d, %d vs %d)",
                  c, name, differ, count, first, first >= 0 ? ranks[m][first] : 0, first >= 0 ? ranks[3][first] : 0);
        }
        CHECK(memcmp(ranks[0], ranks[NMETHODS], sizeof(int) * (size_t)count) == 0,
              "config %zu: svd with and without the certificate", c);
        total += count;
        for (int m = 0; m <= NMETHODS; m++) free(ranks[m]);
    }
    CHECK(total >= 10000, "only %d trials per method", total);
    CHECK(gram_differ * 1000 <= total, "gram differs from exact on %d of %d trials", gram_differ, total);
    printf("agreement: %d trials per method, 6 rankings each; gram below exact on %d\n", total, gram_differ);
}

static void test_verify_selection(void)
{
    const char *text = "[grid]\nd0 = 2\nd1 = 4:12:4\nn = 10\n[sweep]\ntrials = 400\n[data]\nlaw = gaussian\n"
                       "[rank]\nverify = 0.25\n";
    int64_t picked[3] = {0}, disagree[3] = {0}, uncertified_picked = 0;
    const char *methods[3] = {"svd", "exact", "auto"};
    for (int m = 0; m < 3; m++) {
        run r;
        if (open_run(&r, text, methods[m], m == 2 ? "true" : "false")) return;
        char err[RS_ERR_MAX];
        rs_trial_setup ts;
        rs_trial_work w = {0};
        CHECK(rs_trial_setup_init(&ts, &r.cfg, &r.data, err, sizeof err) == 0, "%s", err);
        for (int c = 0; c < r.grid.ncells; c++)
            for (int64_t t = 0; t < r.cfg.trials; t++) {
                rs_trial_result res;
                CHECK(rs_trial_run(&ts, &r.grid.cells[c], t, &w, &res) == 0, "trial");
                picked[m] += res.rank.verified;
                disagree[m] += res.rank.disagree;
                if (m == 2) uncertified_picked += res.rank.verified && !res.rank.certified;
            }
        rs_trial_work_free(&w);
        close_run(&r);
    }
    /* 1200 trials at 1/4: mean 300, sd 15 */
    CHECK(picked[0] > 240 && picked[0] < 360, "verify = 0.25 picked %lld of 1200", (long long)picked[0]);
    CHECK(disagree[0] == 0, "well-conditioned svd disagrees with exact on %lld trials", (long long)disagree[0]);
    CHECK(picked[1] == 0, "the exact method verifies nothing against itself (%lld)", (long long)picked[1]);
    /* auto's own ranks are exact: only its certified trials are verified */
    CHECK(picked[2] > 0 && uncertified_picked == 0 && disagree[2] == 0,
          "auto verified %lld trials, %lld of them uncertified, %lld disagreements", (long long)picked[2],
          (long long)uncertified_picked, (long long)disagree[2]);
}

/* ------------------------------------------------------------ planted certificates */

static uint64_t pl_state = 0x243F6A8885A308D3ull;
static double pl_unif(void) /* [0, 1) */
{
    pl_state = pl_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(pl_state >> 11) * 0x1p-53;
}

/* rank of a planted problem under one method (rtol 0, no verification) */
static int planted_colproof; /* the last planted trial's core was proven by its columns */

static rs_rank_result planted(const char *method, int certify, const rs_pattern *A, const double *w,
                              const double *xt, int p)
{
    rs_engine e;
    char err[RS_ERR_MAX];
    rs_rank_result res = {.matrank = -1};
    CHECK(rs_engine_init(&e, method, 0, certify, 0, 1, 3, err, sizeof err) == 0, "%s", err);
    int *scratch = malloc(sizeof *scratch * (size_t)(A->n + 1));
    rs_rank_problem pb = {.A = A, .w = w, .xt = xt, .p = p, .P = (int64_t)A->d1 * p, .cell = 1, .trial = 2};
    pb.ruled_out = rs_pattern_has_zero_column(A) || rs_pattern_max_column_multiplicity(A, scratch) > p;
    rs_engine_work wk = {0};
    CHECK(rs_engine_rank(&e, &pb, &wk, &res) == 0, "%s: rank failed", method);
    planted_colproof = wk.colproof;
    rs_engine_work_free(&wk);
    free(scratch);
    return res;
}

static void planted_data(double *xt, int n, int p)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < p; k++) xt[(size_t)i * p + k] = k == p - 1 ? 1.0 : pl_unif();
}

static void test_planted_certificates(void)
{
    enum { N = 40, D1 = 300, P = 3 };
    static double xt[N * P], w[D1];
    for (int j = 0; j < D1; j++) w[j] = 0.5 + pl_unif();
    rs_pattern A;

    /* every neuron active on every point: J = [w_1 X~^T ... w_d X~^T], rank p exactly; all
     * points share one cell, so the cell bound U = p holds and auto proves it */
    rs_pattern_alloc(&A, 5, 12);
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < 5; j++) rs_pattern_set(&A, j, i);
    planted_data(xt, 12, P);
    rs_rank_result a = planted("auto", 1, &A, w, xt, P), x = planted("exact", 1, &A, w, xt, P),
                   v = planted("svd", 1, &A, w, xt, P);
    CHECK(a.matrank == P && a.certified && x.matrank == P, "all active: auto %d (certified %d), exact %d, want %d",
          a.matrank, a.certified, x.matrank, P);
    CHECK(v.matrank == P && !v.certified, "all active: svd %d, its certificate must not decide a crowded trial",
          v.matrank);
    rs_pattern_free(&A);

    /* wide and full rank: the neuron-subset Gram certificate decides (auto and svd) */
    rs_pattern_alloc(&A, D1, N);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < D1; j++)
            if (pl_unif() < 0.5) rs_pattern_set(&A, j, i);
    planted_data(xt, N, P);
    a = planted("auto", 1, &A, w, xt, P);
    v = planted("svd", 1, &A, w, xt, P);
    x = planted("exact", 1, &A, w, xt, P);
    CHECK(a.matrank == N && a.certified && v.matrank == N && v.certified && x.matrank == N,
          "wide: auto %d (%d), svd %d (%d), exact %d, want %d", a.matrank, a.certified, v.matrank,
          v.certified, x.matrank, N);

    /* the first neurons (the subset's) never fire at point 0: the subset's Gram matrix is
     * singular, the proof falls back to all neurons and still decides */
    for (int j = 0; j < 3 * N / P + 8; j++) A.bits[j / 64] &= ~((uint64_t)1 << (j % 64));
    a = planted("auto", 1, &A, w, xt, P);
    v = planted("svd", 1, &A, w, xt, P);
    CHECK(a.matrank == N && a.certified && v.matrank == N && v.certified,
          "subset misses a point: auto %d (%d), svd %d (%d), want %d certified", a.matrank, a.certified,
          v.matrank, v.certified, N);

    /* a planted dependency, no zero or crowded column: points 0, 1, 2 share x~ and
     * a_2 = a_0 + a_1 (disjoint), so row 2 = row 0 + row 1 and rank J = n - 1 exactly; no
     * certificate may decide it */
    memcpy(xt + P, xt, sizeof *xt * P);
    memcpy(xt + 2 * P, xt, sizeof *xt * P);
    for (int q = 0; q < A.words; q++) A.bits[q] = A.bits[A.words + q] = A.bits[2 * A.words + q] = 0;
    for (int j = 0; j < D1; j++) {
        int which = j % 3; /* 0: point 0, 1: point 1, 2: neither */
        if (which < 2) {
            rs_pattern_set(&A, j, which);
            rs_pattern_set(&A, j, 2);
        }
    }
    int scratch[N];
    CHECK(!rs_pattern_has_zero_column(&A) && rs_pattern_max_column_multiplicity(&A, scratch) <= P,
          "dependency: not ruled out by the combinatorial checks");
    a = planted("auto", 1, &A, w, xt, P);
    v = planted("svd", 1, &A, w, xt, P);
    x = planted("exact", 1, &A, w, xt, P);
    CHECK(x.matrank == N - 1 && a.matrank == N - 1 && !a.certified && !v.certified,
          "dependency: exact %d, auto %d (certified %d), svd certified %d; want %d, none certified",
          x.matrank, a.matrank, a.certified, v.certified, N - 1);
    rs_pattern_free(&A);

    /* 1-D with bias, steps (cells are intervals of the sorted points), two points of one
     * cell 2^-40 apart: the cell bound U is the rank (two distinct points in a cell give
     * two independent rows), but too ill-conditioned for a float proof.  auto's peeling
     * proves it exactly: consecutive neurons differ on one cell, whose kept points have a
     * non-zero 2 x 2 minor (2^-40 for the close pair, non-zero modulo p), so every kept row
     * peels and the trial is decided without a Gram matrix; exact must agree */
    enum { N1 = 30, D11 = 6 };
    double x1[N1 * 2];
    rs_pattern_alloc(&A, D11, N1);
    for (int i = 0; i < N1; i++) {
        x1[2 * i] = (double)i / N1;
        x1[2 * i + 1] = 1.0;
        for (int j = 0; j < D11; j++)
            if (i >= 4 + 4 * j) rs_pattern_set(&A, j, i); /* neuron j: x >= (4 + 4j)/n */
    }
    x1[2 * 5] = x1[2 * 4] + 0x1p-40; /* points 4, 5: the first two of the cell {4..7} */
    int U = 0;
    for (int c = 0; c <= D11; c++) U += 2; /* cells: [4,8), [8,12), ..., [24,30) */
    U -= 2;                                /* points 0..3 fire nothing: a zero cell */
    a = planted("auto", 1, &A, w, x1, 2);
    x = planted("exact", 1, &A, w, x1, 2);
    CHECK(x.matrank == U && a.matrank == U && a.certified,
          "1-D steps: exact %d, auto %d (certified %d: by peeling, not a float proof), want the cell bound %d",
          x.matrank, a.matrank, a.certified, U);

    /* the same steps, but the cell {4..7}'s first two points coincide: the cell bound's
     * rows S (the first p = 2 points of each cell) then span one dimension of that cell,
     * while its four points span two, so rank J_S = U - 1 < rank J = U.  The exact step
     * ranks J_S only after proving that the kept points span each crowded cell: here the
     * proof fails and all rows are ranked (exact and auto must both give U) */
    x1[2 * 5] = x1[2 * 4];
    a = planted("auto", 1, &A, w, x1, 2);
    x = planted("exact", 1, &A, w, x1, 2);
    CHECK(x.matrank == U && a.matrank == U && !a.certified,
          "1-D steps, kept points dependent: exact %d, auto %d (certified %d), want %d", x.matrank,
          a.matrank, a.certified, U);
    rs_pattern_free(&A);
}

/* ------------------------------------------------------------ planted peeling */

/* Hand-made problems whose rank is known, ranked by exact (which peels), auto and svd. */
/* The certificate on the first coordinates (p large: the ratio family's d0 ~ n).  Every
 * neuron active on every point makes J = w (x) X~^T, so rank J = rank X~, known by
 * construction: generic points in p = 40 have rank n = 12; with their first 8 coordinates
 * zero still 12 (the first try on those coordinates fails, the second proves it); with only
 * their first 8 coordinates non-zero 8; as B z_i for an integer 40 x 8 matrix B of rank 8
 * (exact in doubles) also 8, with most coordinates non-zero (a certificate on other
 * numbers than the points' first coordinates would call it 12). */
static void test_planted_coordinates(void)
{
    enum { N = 12, D1 = 6, P = 40 };
    static double xt[N * P], w[D1];
    for (int j = 0; j < D1; j++) w[j] = 0.5 + pl_unif();
    rs_pattern A;
    rs_pattern_alloc(&A, D1, N);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < D1; j++) rs_pattern_set(&A, j, i);
    const char *methods[] = {"auto", "svd", "exact"};
    static double B[P * 8]; /* [I_8; C], C small integers: rank 8, and B z exact in doubles */
    for (int k = 0; k < P * 8; k++) B[k] = k < 64 ? (k / 8 == k % 8) : (double)(int)(7 * pl_unif()) - 3;
    for (int c = 0; c < 4; c++) {
        for (int i = 0; i < N; i++)
            for (int k = 0; k < P; k++) {
                double u = pl_unif() - 0.5;
                xt[(size_t)i * P + k] = (c == 1 && k < 8) || (c == 2 && k >= 8) ? 0.0 : u;
            }
        if (c == 3) /* x_i = B z_i, z_i = e_i for i < 8, else small integers: rank 8 exactly */
            for (int i = 0; i < N; i++) {
                double z[8];
                for (int q = 0; q < 8; q++) z[q] = i < 8 ? (q == i) : (double)(int)(7 * pl_unif()) - 3;
                for (int k = 0; k < P; k++) {
                    double t = 0;
                    for (int q = 0; q < 8; q++) t += B[k * 8 + q] * z[q];
                    xt[(size_t)i * P + k] = t;
                }
            }
        const int want = c >= 2 ? 8 : N;
        for (int m = 0; m < 3; m++) {
            rs_rank_result r = planted(methods[m], 1, &A, w, xt, P);
            CHECK(r.matrank == want, "coordinates case %d: %s rank %d, want %d", c, methods[m], r.matrank, want);
            if (m < 2 && want == N)
                CHECK(r.certified, "coordinates case %d: %s's certificate proves rank %d", c, methods[m], N);
        }
    }
    /* A dependent cell: points 0, 1 and 11 share one activation column and x~_11 = x~_0 +
     * x~_1 (small integers: exact), so column 11 of J is the sum of columns 0 and 1 and
     * rank J <= 11 for any pattern; the first try (all neurons on 8 coordinates, 48 rows)
     * must not prove 12. */
    rs_pattern_clear(&A);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < D1; j++)
            if ((i == 1 || i == 11 ? rs_pattern_get(&A, j, 0) : j == i % D1 || pl_unif() < 0.5)) rs_pattern_set(&A, j, i);
    for (int i = 0; i < N; i++)
        for (int k = 0; k < P; k++)
            xt[(size_t)i * P + k] = i == 11 ? xt[k] + xt[P + k] : (double)(int)(7 * pl_unif()) - 3;
    rs_rank_result a = planted("auto", 1, &A, w, xt, P), x = planted("exact", 1, &A, w, xt, P);
    CHECK(a.matrank <= N - 1 && a.matrank == x.matrank, "dependent cell: auto %d (certified %d), exact %d, at most %d",
          a.matrank, a.certified, x.matrank, N - 1);
    rs_pattern_free(&A);
}

/* Fewer rows than points (d1 p < n), every point its own cell: p points active on neuron j
 * alone for each j (a block diagonal part of rank p per block, generic points), then 20
 * more points with other patterns, all distinct.  Then rank J = P = 15 exactly (at most
 * its rows, at least the blocks), which the cell bound (U = 15 + 20) cannot decide and the
 * rows' certificate proves.  With neuron 0's block cut to 2 points and neuron 0 silent on
 * the rest, its 3 rows are non-zero on 2 points only: rank 14 exactly (the blocks give 14),
 * which no certificate may call 15. */
static void test_planted_rows(void)
{
    enum { D1 = 5, P = 3, EXTRA = 20, NMAX = D1 * P + EXTRA };
    static double xt[NMAX * P], w[D1];
    for (int j = 0; j < D1; j++) w[j] = 0.5 + pl_unif();
    for (int c = 0; c < 2; c++) {
        const int first = c == 0 ? P : 2, blocks = first + P * (D1 - 1), n = blocks + EXTRA;
        const int want = c == 0 ? D1 * P : 2 + P * (D1 - 1);
        rs_pattern A;
        rs_pattern_alloc(&A, D1, n);
        for (int i = 0; i < blocks; i++) rs_pattern_set(&A, i < first ? 0 : 1 + (i - first) / P, i);
        for (int e = 0; e < EXTRA; e++) /* patterns 3.. of neurons 1..4 (c = 1) or 0..4: two bits or more */
            for (int j = 0; j < D1; j++)
                if ((e + 3) >> j & 1 && (c == 0 || j > 0)) rs_pattern_set(&A, j, blocks + e);
        planted_data(xt, n, P);
        rs_rank_result a = planted("auto", 1, &A, w, xt, P), x = planted("exact", 1, &A, w, xt, P);
        CHECK(a.matrank == want && x.matrank == want, "rows case %d: auto %d, exact %d, want %d", c, a.matrank,
              x.matrank, want);
        if (c == 0) CHECK(a.certified, "rows case 0: the rows' certificate proves rank P = %d", D1 * P);
        rs_pattern_free(&A);
    }
}

static void test_planted_peeling(void)
{
    static const double w[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    rs_pattern A;

    /* x~_1 = 2 x~_0, both points under both neurons, point 2 under neuron 1 only: rows
     * r_1 = 2 r_0 and r_2 = (0, x~_2), rank 2.  Neuron 0's support {0, 1} has p = 2 points,
     * but their inputs are dependent, so it must not peel (else the rank would be 3); the
     * difference of the two neurons, {2}, peels point 2 */
    const double xd[6] = {1, 2, 2, 4, 3, 1};
    rs_pattern_alloc(&A, 2, 3);
    rs_pattern_set(&A, 0, 0), rs_pattern_set(&A, 0, 1);
    rs_pattern_set(&A, 1, 0), rs_pattern_set(&A, 1, 1), rs_pattern_set(&A, 1, 2);
    rs_rank_result x = planted("exact", 1, &A, w, xd, 2), a = planted("auto", 1, &A, w, xd, 2),
                   v = planted("svd", 0, &A, w, xd, 2);
    CHECK(x.matrank == 2 && a.matrank == 2 && !a.certified && v.matrank == 2,
          "dependent support: exact %d, auto %d (certified %d), svd %d, want 2", x.matrank, a.matrank,
          a.certified, v.matrank);
    rs_pattern_free(&A);

    /* nested neurons a_j = {0 .. M-1+j}, j = 0..M: consecutive ones differ in the single
     * point M-1+j, so points M .. 2M-1 peel one by one, and the core (points 0..M-1 under
     * every neuron) has the rank of their inputs, 2: rank J = M + 2.  x~_0 = x~_1 makes the
     * cell bound's kept points of the crowded cell {0..M-1} dependent, so the exact step
     * peels all 2M rows */
    enum { M = 7 };
    double xn[2 * 2 * M];
    for (int i = 0; i < 2 * M; i++) xn[2 * i] = 1.0 + i, xn[2 * i + 1] = 1.0 / (1.0 + i * i);
    xn[2] = xn[0], xn[3] = xn[1];
    rs_pattern_alloc(&A, M + 1, 2 * M);
    for (int j = 0; j <= M; j++)
        for (int i = 0; i < M + j; i++) rs_pattern_set(&A, j, i);
    x = planted("exact", 1, &A, w, xn, 2);
    a = planted("auto", 1, &A, w, xn, 2);
    v = planted("svd", 0, &A, w, xn, 2);
    CHECK(x.matrank == M + 2 && a.matrank == M + 2 && v.matrank == M + 2,
          "nested neurons: exact %d, auto %d, svd %d, want %d", x.matrank, a.matrank, v.matrank, M + 2);
    rs_pattern_free(&A);

    /* the core's columns (engine.c): p = 3, points in cells of 6 (A .. E; generic inputs),
     * so the crowded cells keep 3 rows each, and no neuron nor difference of two has a
     * support of 3 points or fewer on them.  J's columns there are the neurons' blocks,
     * sums of the cells' blocks X~_S (independent columns: disjoint supports, 3 generic
     * points each), so their rank is p rank(I), I the neurons' 0/1 incidence over the
     * cells (or their halves).  Case 0: neurons A+B, B+C, C+D (rank(I) = 3) and a fourth
     * active on two more points only, which peel: rank 2 + 9 = 11, below the 12 columns (no
     * certificate of the whole decides it); the core's 9 columns for 12 rows are proven.
     * Case 1: A+B, C+D, A+C, B+D, two complementary pairs on the core A..D, so (A+B) +
     * (C+D) = (A+C) + (B+D): rank 9; B+D dropped, the 9 columns left are proven.  Case 2:
     * the cells split into halves (3 points each, 24 rows) and a fifth neuron on the first
     * halves: rank(I) = 4, rank 12, proven on 12 columns.  Case 3: also A+E, the fifth
     * neuron on the first halves of A .. E, 30 rows: no pair is complementary on the
     * core A..E, but (A+B) + (C+D) = (A+C) + (B+D) still, so rank(I) = 5, rank 15 < 18
     * columns: the certificate is tried and must fail. */
    {
        enum { CELL = 6, NP = 5 * CELL + 2 };
        static const int incidence[4][5][5] = {{{1, 1, 0, 0, 0}, {0, 1, 1, 0, 0}, {0, 0, 1, 1, 0}},
                                               {{1, 1, 0, 0, 0}, {0, 0, 1, 1, 0}, {1, 0, 1, 0, 0}, {0, 1, 0, 1, 0}},
                                               {{1, 1, 0, 0, 0}, {0, 0, 1, 1, 0}, {1, 0, 1, 0, 0}, {0, 1, 0, 1, 0}},
                                               {{1, 1, 0, 0, 0}, {0, 0, 1, 1, 0}, {1, 0, 1, 0, 0}, {0, 1, 0, 1, 0},
                                                {1, 0, 0, 0, 1}}};
        static const int neurons[4] = {4, 4, 5, 6}, cells[4] = {4, 4, 4, 5}, want[4] = {11, 9, 12, 15},
                         proof[4] = {1, 1, 1, 0};
        double xc[NP * 3];
        planted_data(xc, NP, 3);
        for (int c = 0; c < 4; c++) {
            const int d1 = neurons[c], half = c >= 2 ? d1 - 1 : -1; /* the neuron on the first halves */
            rs_pattern_alloc(&A, d1, NP);
            for (int i = 0; i < cells[c] * CELL; i++) {
                for (int j = 0; j < (half >= 0 ? half : d1); j++)
                    if (incidence[c][j][i / CELL]) rs_pattern_set(&A, j, i);
                if (half >= 0 && i % CELL < CELL / 2) rs_pattern_set(&A, half, i);
            }
            if (c == 0) rs_pattern_set(&A, 3, NP - 2), rs_pattern_set(&A, 3, NP - 1); /* the two points that peel */
            x = planted("exact", 1, &A, w, xc, 3);
            const int xproof = planted_colproof;
            a = planted("auto", 1, &A, w, xc, 3);
            const int aproof = planted_colproof;
            v = planted("svd", 0, &A, w, xc, 3);
            CHECK(x.matrank == want[c] && a.matrank == want[c] && v.matrank == want[c],
                  "core columns case %d: exact %d, auto %d, svd %d, want %d", c, x.matrank, a.matrank, v.matrank,
                  want[c]);
            CHECK(xproof == proof[c] && aproof == proof[c] && !a.certified,
                  "core columns case %d: proven by the columns' certificate: exact %d, auto %d (certified %d), "
                  "want %d", c, xproof, aproof, a.certified, proof[c]);
            rs_pattern_free(&A);
        }
    }

    /* the random config of test_agreement: peeling must actually happen there */
    run r;
    if (open_run(&r, PEEL_CONFIG, "exact", "true")) return;
    char err[RS_ERR_MAX];
    rs_trial_setup ts;
    rs_trial_work wk = {0};
    int64_t trials = 0, deficient = 0, peeled_trials = 0, peeled_rows = 0, colproofs = 0;
    CHECK(rs_trial_setup_init(&ts, &r.cfg, &r.data, err, sizeof err) == 0, "%s", err);
    for (int c = 0; c < r.grid.ncells; c++)
        for (int64_t t = 0; t < r.cfg.trials; t++) {
            rs_trial_result res;
            CHECK(rs_trial_run(&ts, &r.grid.cells[c], t, &wk, &res) == 0, "peel config: trial failed");
            trials++;
            deficient += res.rank.matrank < r.grid.cells[c].n;
            peeled_trials += wk.ew.peeled > 0;
            peeled_rows += wk.ew.peeled;
            colproofs += wk.ew.colproof;
            CHECK(wk.ew.peeled <= res.rank.matrank, "peeled %d rows of a rank-%d trial", wk.ew.peeled,
                  res.rank.matrank);
        }
    CHECK(deficient * 4 >= trials && peeled_trials * 2 >= deficient,
          "peel config: %lld of %lld trials deficient, %lld peeled", (long long)deficient, (long long)trials,
          (long long)peeled_trials);
    CHECK(colproofs > 0, "peel config: no core proven by its columns' certificate");
    printf("peeling: %lld of %lld trials peeled %lld rows (%lld deficient), %lld cores proven by their columns\n",
           (long long)peeled_trials, (long long)trials, (long long)peeled_rows, (long long)deficient,
           (long long)colproofs);
    rs_trial_work_free(&wk);
    close_run(&r);
}

/* ------------------------------------------------------------ peeling's end */

/* 1 if the inputs of the k points pts are linearly independent: Gram-Schmidt in long
 * double, each residual above 1e-9 of its vector (random data: far from either side). */
static int naive_independent(const double *xt, int p, const int *pts, int k)
{
    long double q[4][64];
    for (int a = 0; a < k; a++) {
        long double norm0 = 0, norm = 0;
        for (int c = 0; c < p; c++) q[a][c] = xt[(size_t)pts[a] * p + c], norm0 += q[a][c] * q[a][c];
        for (int b = 0; b < a; b++) {
            long double dot = 0;
            for (int c = 0; c < p; c++) dot += q[a][c] * q[b][c];
            for (int c = 0; c < p; c++) q[a][c] -= dot * q[b][c];
        }
        for (int c = 0; c < p; c++) norm += q[a][c] * q[a][c];
        if (!(norm > 1e-18L * norm0) || norm0 == 0) return 0;
        for (int c = 0; c < p; c++) q[a][c] /= sqrtl(norm);
    }
    return 1;
}

/* Peeling's end from its definition (engine.c): until nothing changes, take every neuron
 * row and every difference of two on the points left, and remove its support when it has
 * 1 .. min(p, 4) points with independent inputs.  left[i] = 1 for the points left. */
static void naive_peel(const rs_pattern *A, const double *xt, int p, uint8_t *left)
{
    const int n = A->n, d1 = A->d1, kmax = p < 4 ? p : 4;
    for (int i = 0; i < n; i++) left[i] = 1;
    for (int changed = 1; changed;) {
        changed = 0;
        for (int a = 0; a < d1; a++)
            for (int b = a; b < d1; b++) { /* b = a: the row itself */
                int pts[4], k = 0;
                for (int i = 0; i < n && k <= kmax; i++) {
                    const int in = b == a ? rs_pattern_get(A, a, i) : rs_pattern_get(A, a, i) != rs_pattern_get(A, b, i);
                    if (left[i] && in) {
                        if (k < kmax) pts[k] = i;
                        k++;
                    }
                }
                if (k == 0 || k > kmax || !naive_independent(xt, p, pts, k)) continue;
                for (int c = 0; c < k; c++) left[pts[c]] = 0;
                changed = 1;
            }
    }
}

/* The exact step's peeling on random trials (one and two words of points, p from 1 to 5,
 * up to 150 neurons) must end on the points naive_peel leaves: the same core, so the same
 * path to the rank. */
static void test_peel_end(void)
{
    run r;
    if (open_run(&r,
                 "[grid]\nd0 = 1, 2, 3, 5\nd1 = 20, 150\nn = 40, 100\n[sweep]\ntrials = 16\nseed = 16\n"
                 "[data]\nlaw = gaussian\nbias = false\n[pattern]\nsampler = init\ninit = gaussian\n",
                 "exact", "false"))
        return;
    char err[RS_ERR_MAX];
    rs_trial_setup ts;
    rs_trial_work wk = {0};
    uint8_t left[128];
    int compared = 0, peeled = 0;
    CHECK(rs_trial_setup_init(&ts, &r.cfg, &r.data, err, sizeof err) == 0, "%s", err);
    for (int c = 0; c < r.grid.ncells; c++)
        for (int64_t t = 0; t < r.cfg.trials; t++) {
            const rs_cell *cell = &r.grid.cells[c];
            rs_trial_result res;
            CHECK(rs_trial_run(&ts, cell, t, &wk, &res) == 0, "peel end: trial failed");
            if (wk.ew.peel_from != 0) continue; /* not peeled, or from the cell bound's rows */
            naive_peel(&wk.R, wk.xt, cell->p, left);
            int k = 0, same = 1;
            for (int i = 0; i < cell->n; i++)
                if (left[i]) same &= k < wk.ew.core && wk.ew.keep[k] == i, k++;
            same &= k == wk.ew.core;
            CHECK(same, "peel end: cell d0=%d d1=%d n=%d trial %lld: %d points left, by definition %d", cell->d0,
                  cell->d1, cell->n, (long long)t, wk.ew.core, k);
            compared++;
            peeled += wk.ew.peeled > 0;
        }
    CHECK(compared >= 100 && peeled >= 50, "peel end: %d trials compared, %d of them peeled", compared, peeled);
    printf("peel end: %d trials against the definition, %d peeled\n", compared, peeled);
    rs_trial_work_free(&wk);
    close_run(&r);
}

/* Each use inside a trial reads its own stream (rng.h): the data its RS_STREAM_DATA with
 * trial = dataset, the pattern RS_STREAM_PATTERN, v RS_STREAM_VOUT, all with the trial's
 * counter.  Rebuilt here from the streams by hand, the prepared trial must match bit for
 * bit; and v, drawn or not, must not move the pattern. */
static void test_streams(void)
{
    const char *text = "[grid]\nd0 = 2\nd1 = 9\nn = 7\n[sweep]\ntrials = 6\npatterns_per_dataset = 3\nseed = 77\n"
                       "[data]\nlaw = gaussian\n[pattern]\nsampler = bernoulli\n[network]\nv = gaussian\n";
    run r;
    if (open_run(&r, text, "svd", "true")) return; /* svd draws v */
    const rs_cell *cell = &r.grid.cells[0];
    const int n = cell->n, d1 = cell->d1;
    char err[RS_ERR_MAX];
    rs_trial_setup ts, ts_nov;
    rs_trial_work w = {0}, w2 = {0};
    CHECK(rs_trial_setup_init(&ts, &r.cfg, &r.data, err, sizeof err) == 0 && ts.draw_v, "%s", err);
    rs_config nov = r.cfg;
    RS_FMT_TEST(nov.rank_method, "exact");
    CHECK(rs_trial_setup_init(&ts_nov, &nov, &r.data, err, sizeof err) == 0 && !ts_nov.draw_v, "%s", err);
    double xt[3 * 7], v[9];
    rs_pattern A;
    CHECK(rs_pattern_alloc(&A, d1, n) == 0, "alloc");
    for (int64_t t = 0; t < 6; t++) {
        rs_trial_result res;
        rs_rank_problem pb;
        CHECK(rs_trial_prepare(&ts, cell, t, &w, &res, &pb) == 0, "prepare");
        CHECK(rs_trial_prepare(&ts_nov, cell, t, &w2, &res, &pb) == 0, "prepare without v");
        CHECK(rs_data_draw(&r.data, cell->d0, n, 77, cell->key, (uint64_t)(t / 3), xt) == 0, "data");
        CHECK(!memcmp(xt, w.xt, sizeof xt), "trial %lld: X~ from RS_STREAM_DATA of dataset %lld", (long long)t,
              (long long)(t / 3));
        rs_stream s;
        rs_stream_init(&s, 77, cell->key, (uint64_t)t, RS_STREAM_VOUT);
        rs_vout_draw(RS_VOUT_GAUSSIAN, d1, &s, v);
        CHECK(!memcmp(v, w.v, sizeof v), "trial %lld: v from RS_STREAM_VOUT", (long long)t);
        rs_stream_init(&s, 77, cell->key, (uint64_t)t, RS_STREAM_PATTERN);
        rs_sampler_params prm = {.p = 0.5, .d0 = cell->d0, .bias = 1};
        CHECK(rs_sampler_lookup("bernoulli")->sample(&prm, xt, &s, &A) == 0, "sample");
        size_t bytes = (size_t)A.n * A.words * sizeof *A.bits;
        CHECK(!memcmp(A.bits, w.A.bits, bytes), "trial %lld: A from RS_STREAM_PATTERN", (long long)t);
        CHECK(!memcmp(w.A.bits, w2.A.bits, bytes), "trial %lld: drawing v does not move the pattern", (long long)t);
        CHECK(w2.v[0] == 1.0 && w.v[0] != 1.0, "trial %lld: v drawn only when the method needs it", (long long)t);
    }
    rs_pattern_free(&A);
    rs_trial_work_free(&w);
    rs_trial_work_free(&w2);
    close_run(&r);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    test_streams();
    test_agreement();
    test_verify_selection();
    test_planted_certificates();
    test_planted_coordinates();
    test_planted_rows();
    test_planted_peeling();
    test_peel_end();
    MPI_Finalize();
    return check_done("test_engine");
}
