/* test_lp.c - the region LP module: known answers worked out by hand on tiny 1-D data with a
 * bias, the boundary cases a non-strict LP would get wrong, emptiness per neuron, and random
 * regions (float and exact simplex agree, no failures, teacher regions are global, no
 * global region when the outputs cannot be negative).
 *
 * Hand notation: d0 = 1 with bias, a neuron is relu(w x + b), x~_i = (x_i, 1); a pattern row
 * is written as the bits over the points in the order given.  J_A row i is
 * (v_j a_ji (x_i, 1))_j, P = 2 d1. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/jacobian.h"
#include "reluscape/lp.h"
#include "reluscape/modrank.h"
#include "reluscape/pattern.h"
#include "reluscape/rng.h"
#include "check.h"

static rs_modp modp;
static rs_lp_work work; /* shared by every test: reuse across shapes is part of the test */

/* ---------------------------------------------------------------- helpers */

/* Pattern from row strings: rows[j][i] == '1' means a_ji = 1. */
static void pattern_from(rs_pattern *A, int d1, int n, const char *const *rows)
{
    rs_pattern_alloc(A, d1, n);
    for (int j = 0; j < d1; j++)
        for (int i = 0; i < n; i++)
            if (rows[j][i] == '1') rs_pattern_set(A, j, i);
}

/* xt of 1-D data with bias: column i = (x_i, 1). */
static void data_1d(int n, const double *x, double *xt)
{
    for (int i = 0; i < n; i++) xt[2 * i] = x[i], xt[2 * i + 1] = 1;
}

static rs_lp_result classify(const rs_pattern *A, const double *v, const double *xt, int p,
                             const double *y, int r, rs_lp_exact_mode mode)
{
    rs_lp_problem pb = {A, v, xt, p, y, r, &modp};
    rs_lp_result res;
    int rc = rs_lp_classify(&pb, mode, &work, &res);
    CHECK(rc == 0, "rs_lp_classify returned %d", rc);
    return res;
}

/* Classify in all three modes and check each against the expected class (NEVER may be
 * told to expect `failed`, for exact ties). */
static void expect(const char *what, const rs_pattern *A, const double *v, const double *xt, int p,
                   const double *y, int r, rs_lp_class want, rs_lp_class want_never, int dim, double resid)
{
    rs_lp_exact_mode modes[3] = {RS_LP_EXACT_AUTO, RS_LP_EXACT_ALWAYS, RS_LP_EXACT_NEVER};
    for (int m = 0; m < 3; m++) {
        rs_lp_class w = m == 2 ? want_never : want;
        rs_lp_result res = classify(A, v, xt, p, y, r, modes[m]);
        CHECK(res.cls == w, "%s mode %d: %s, want %s (margin %g)", what, m, rs_lp_class_name(res.cls),
              rs_lp_class_name(w), res.margin);
        if (res.cls == RS_LP_GLOBAL || res.cls == RS_LP_BAD_LOCAL) {
            CHECK(res.dimension == dim, "%s mode %d: dimension %d, want %d", what, m, res.dimension, dim);
            CHECK(fabs(res.residual - resid) <= 1e-12, "%s mode %d: residual %.17g, want %.17g", what, m,
                  res.residual, resid);
            CHECK(res.margin > 0, "%s: meeting needs t* > 0 (%g)", what, res.margin);
        }
        if (res.cls == RS_LP_NONE) CHECK(res.margin <= 0 || m == 2, "%s: none with t* %g", what, res.margin);
        if (m == 1 && !res.by_shortcut) CHECK(res.exact_used, "%s: ALWAYS used glp_exact", what);
        if (m == 2) CHECK(!res.exact_used, "%s: NEVER used glp_exact", what);
    }
}

/* ---------------------------------------------------------------- 1. hand-solved 1-D regions */

/* One neuron, v = 1, points x = (-1, 0.5, 2), y = (0, 0.5, 3.5) = relu(2x - 1/2), ||y||^2 = 12.5.
 * The six step vectors (the realisable rows of sorted 1-D data):
 *  000  J = 0, r = 0: every W of the region is critical with loss ||y||^2 > 0: bad_local,
 *       dimension P - 0 = 2, residual 1.
 *  111  J rows (x_i, 1), r = 2 < 3; y is not affine in x (slopes 1/3 and 2), so bad_local or
 *       none.  Least squares: mean x = 1/2, mean y = 4/3, Sxx = 4.5, Sxy = 5.25, w = 7/6,
 *       b = 3/4; at x = -1, w x + b = -5/12 < 0 violates a = 1: none.
 *  001  r = 1, yhat = (0, 0, 3.5) != y: critical set 2w + b = 3.5; region -w + b < 0,
 *       w/2 + b < 0, 2w + b > 0 holds on it for w > 7/3 (e.g. w = 3): bad_local, dimension 1,
 *       residual 0.5 / sqrt(12.5).
 *  011  r = 2, y in col J (y_1 = 0); critical w/2 + b = 1/2, 2w + b = 7/2: w = 2, b = -1/2,
 *       inside (margins -5/2 < 0, 1/2, 7/2 > 0): global, dimension 0.
 *  100  r = 1, yhat = (y_1, 0, 0) = 0, critical set -w + b = 0: the active point sits exactly
 *       on the hyperplane, so the critical set only touches the closure: none.
 *  110  r = 2, yhat = (0, 0.5, 0); critical -w + b = 0, w/2 + b = 1/2: w = b = 1/3; besides
 *       the margin 0 at x = -1, 2w + b = 1 > 0 at x = 2 where a = 0: clearly none. */
static void test_hand_one_neuron(void)
{
    const double x[3] = {-1, 0.5, 2}, y[3] = {0, 0.5, 3.5}, v[1] = {1};
    double xt[6];
    data_1d(3, x, xt);
    struct {
        const char *row;
        int r;
        rs_lp_class cls, never;
        int dim;
        double resid;
    } cases[] = {
        {"000", 0, RS_LP_BAD_LOCAL, RS_LP_BAD_LOCAL, 2, 1.0},
        {"111", 2, RS_LP_NONE, RS_LP_NONE, 0, 0},
        {"001", 1, RS_LP_BAD_LOCAL, RS_LP_BAD_LOCAL, 1, 0.5 / sqrt(12.5)},
        {"011", 2, RS_LP_GLOBAL, RS_LP_GLOBAL, 0, 0.0},
        {"100", 1, RS_LP_NONE, RS_LP_FAILED, 0, 0},
        {"110", 2, RS_LP_NONE, RS_LP_NONE, 0, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        rs_pattern A;
        const char *rows[1] = {cases[c].row};
        pattern_from(&A, 1, 3, rows);
        expect(cases[c].row, &A, v, xt, 2, y, cases[c].r, cases[c].cls, cases[c].never, cases[c].dim,
               cases[c].resid);
        rs_pattern_free(&A);
    }
}

/* Two neurons, v = (1, -1), same points, teacher relu(2x - 1/2) - relu(-x - 1/2):
 * y = (-1/2, 1/2, 7/2).
 *  [011; 100]  teacher's own pattern.  J rows: x=-1 (0,0, 1,-1), x=1/2 (1/2,1, 0,0),
 *       x=2 (2,1, 0,0): r = 3 = n, so global (the teacher is inside), dimension 4 - 3 = 1.
 *  [011; 110]  r = 3 (rows (0,0,1,-1), (1/2,1,-1/2,-1), (2,1,0,0)).  Zero loss:
 *       -w2 + b2 = 1/2, m1 - m2 = 1/2 (m_j = w_j/2 + b_j), 2w1 + b1 = 7/2.  Neuron 2 needs
 *       m2 > 0 and 2w2 + b2 < 0: w2 in (-1/3, -1/6), m2 in (0, 1/4); then m1 in (1/2, 3/4),
 *       w1 = (7/2 - m1)/(3/2), and -w1 + b1 = 2 m1 - 7/2 < 0: global, dimension 1.
 *  [001; 100]  point x = 1/2 fires nothing: r = 2, y_2 = 1/2 is lost: yhat = (-1/2, 0, 7/2).
 *       Critical: -w2 + b2 = 1/2, 2w1 + b1 = 7/2; w1 > 7/3 and w2 < -1/3 satisfy every sign:
 *       bad_local, dimension 2, residual (1/2) / sqrt(12.75).
 *  [111; 100]  r = 3.  Neuron 1 active everywhere: (w1 x + b1) is affine, so
 *       y_2 = 1/2 and y_3 = 7/2 give w1 = 2, b1 = -1/2, whose value at x = -1 is -5/2 < 0
 *       against a_11 = 1; the critical set (a line: w2 free with b2 - w2 fixed) misses the
 *       region: none. */
static void test_hand_two_neurons(void)
{
    const double x[3] = {-1, 0.5, 2}, y[3] = {-0.5, 0.5, 3.5}, v[2] = {1, -1};
    double xt[6];
    data_1d(3, x, xt);
    struct {
        const char *r0, *r1;
        int r;
        rs_lp_class cls;
        int dim;
        double resid;
    } cases[] = {
        {"011", "100", 3, RS_LP_GLOBAL, 1, 0},
        {"011", "110", 3, RS_LP_GLOBAL, 1, 0},
        {"001", "100", 2, RS_LP_BAD_LOCAL, 2, 0.5 / sqrt(12.75)},
        {"111", "100", 3, RS_LP_NONE, 0, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        rs_pattern A;
        const char *rows[2] = {cases[c].r0, cases[c].r1};
        pattern_from(&A, 2, 3, rows);
        char what[32];
        snprintf(what, sizeof what, "[%s;%s]", cases[c].r0, cases[c].r1);
        expect(what, &A, v, xt, 2, y, cases[c].r, cases[c].cls, cases[c].cls, cases[c].dim, cases[c].resid);
        rs_pattern_free(&A);
    }
}

/* ---------------------------------------------------------------- 2. boundary only */

/* Zero-loss sets that touch only the boundary of the region must be `none`.
 *  (a) one neuron, row 111 on x = (-1, 1/2, 2), y = 0: J has rank 2 = P, so the only
 *      zero-loss W is W = 0, on every hyperplane: none, t* = 0 exactly (AUTO decides with
 *      glp_exact; NEVER cannot decide a tie and answers failed).
 *  (b) one neuron, row 110, y = (3/2, 0, 0) (in col J: y_3 = 0, r = 2): -w + b = 3/2,
 *      w/2 + b = 0 give w = -1, b = 1/2, and w/2 + b = 0 puts x = 1/2 on the hyperplane.
 *  (c) r = n: points x = (-1, 2), row 11, y = (0, 3): -w + b = 0, 2w + b = 3, so w = b = 1
 *      and x = -1 lies on the hyperplane.
 *  A non-strict LP (margins >= 0) would call all three global. */
static void test_boundary(void)
{
    const double v[1] = {1};
    double xt[6];
    const double x3[3] = {-1, 0.5, 2};
    data_1d(3, x3, xt);
    rs_pattern A;
    const char *r111[1] = {"111"}, *r110[1] = {"110"}, *r11[1] = {"11"};

    const double y0[3] = {0, 0, 0};
    pattern_from(&A, 1, 3, r111);
    expect("W=0 only", &A, v, xt, 2, y0, 2, RS_LP_NONE, RS_LP_FAILED, 0, 0);
    rs_lp_result res = classify(&A, v, xt, 2, y0, 2, RS_LP_EXACT_AUTO);
    CHECK(res.exact_used && res.margin == 0, "W=0: exact tie decided exactly (t* %g)", res.margin);
    rs_pattern_free(&A);

    const double yb[3] = {1.5, 0, 0};
    pattern_from(&A, 1, 3, r110);
    expect("point on hyperplane", &A, v, xt, 2, yb, 2, RS_LP_NONE, RS_LP_FAILED, 0, 0);
    rs_pattern_free(&A);

    const double x2[2] = {-1, 2}, yc[2] = {0, 3};
    double xt2[4];
    data_1d(2, x2, xt2);
    pattern_from(&A, 1, 2, r11);
    expect("r = n on hyperplane", &A, v, xt2, 2, yc, 2, RS_LP_NONE, RS_LP_FAILED, 0, 0);
    /* and moving the target inside makes it global: y = (1/2, 3) gives w = 5/6, b = 4/3,
     * margin -5/6 + 4/3 = 1/2 > 0 at x = -1 (and 3 > 0 at x = 2) */
    const double yd[2] = {0.5, 3};
    expect("r = n inside", &A, v, xt2, 2, yd, 2, RS_LP_GLOBAL, RS_LP_GLOBAL, 0, 0);
    rs_pattern_free(&A);
}

/* ---------------------------------------------------------------- 3. bad local minimum */

/* Two neurons with the same row 011 on x = (-1, 1/2, 2), y = (1, 1/2, 7/2).
 *  v = (1, 1): J = [K K], K rows (0,0), (1/2,1), (2,1): r = 2 < n, P = 4.  y_1 = 1 is lost,
 *    yhat = (0, 1/2, 7/2); critical set: w1 + w2 = 2, b1 + b2 = -1/2 (dimension 2), and
 *    w1 = w2 = 1, b1 = b2 = -1/4 realises 011 for both (margins -5/4, 1/4, 7/4):
 *    bad_local, dimension 2, residual 1/sqrt(13.5).
 *  v = (1, -1): w1 - w2 = 2, b1 - b2 = -1/2; (w1, b1) = (3, -3/4), (w2, b2) = (1, -1/4) both
 *    realise 011: bad_local, dimension 2. */
static void test_bad_local(void)
{
    const double x[3] = {-1, 0.5, 2}, y[3] = {1, 0.5, 3.5}, vp[2] = {1, 1}, vm[2] = {1, -1};
    double xt[6];
    data_1d(3, x, xt);
    rs_pattern A;
    const char *rows[2] = {"011", "011"};
    pattern_from(&A, 2, 3, rows);
    expect("011x2 v=(1,1)", &A, vp, xt, 2, y, 2, RS_LP_BAD_LOCAL, RS_LP_BAD_LOCAL, 2, 1 / sqrt(13.5));
    expect("011x2 v=(1,-1)", &A, vm, xt, 2, y, 2, RS_LP_BAD_LOCAL, RS_LP_BAD_LOCAL, 2, 1 / sqrt(13.5));
    rs_pattern_free(&A);
}

/* ---------------------------------------------------------------- 5. empty per neuron */

/* Rows of 1-D data with bias on sorted points are realisable iff they are step vectors:
 * for 010 / 101 on x = (-1, 1/2, 2), 1/2 = (-1 + 2)/2 makes w/2 + b the mean of the values
 * at -1 and 2, so it cannot have the opposite sign of both.  With d0 = 2 and bias, XOR on
 * the square (+-1, +-1) is unrealisable: the two positive points and the two negative ones
 * have the same sum (0, 0, 2).  A zero data point (no bias) can never be strictly signed. */
static void test_empty(void)
{
    const double x[3] = {-1, 0.5, 2}, y[3] = {1, -2, 0.5}, v[2] = {1, -1};
    double xt[6];
    data_1d(3, x, xt);
    const char *all[8] = {"000", "001", "010", "011", "100", "101", "110", "111"};
    const int realisable[8] = {1, 1, 0, 1, 1, 0, 1, 1};
    for (int q = 0; q < 8; q++) {
        rs_pattern A;
        const char *rows[2] = {"011", all[q]};
        pattern_from(&A, 2, 3, rows);
        int got = rs_lp_row_realizable(&A, 1, xt, 2, &work);
        CHECK(got == realisable[q], "row %s realisable %d, want %d", all[q], got, realisable[q]);
        CHECK(rs_lp_row_realizable(&A, 0, xt, 2, &work) == 1, "row 011 realisable");
        if (!realisable[q]) {
            /* the rank does not matter for `empty`; give the true one (rows (-1,1)...: 3) */
            for (int m = 0; m < 3; m++) {
                rs_lp_result res = classify(&A, v, xt, 2, y, 3, (rs_lp_exact_mode)m);
                CHECK(res.cls == RS_LP_EMPTY && res.by_neuron && res.by_shortcut,
                      "row %s mode %d: %s by_neuron %d", all[q], m, rs_lp_class_name(res.cls), res.by_neuron);
                CHECK(m != 2 || !res.exact_used, "NEVER used exact");
                CHECK(m != 0 || res.exact_used, "AUTO confirms an empty row exactly");
            }
        }
        rs_pattern_free(&A);
    }

    /* XOR, d0 = 2 with bias: points (1,1), (1,-1), (-1,1), (-1,-1) */
    const double xt2[12] = {1, 1, 1, 1, -1, 1, -1, 1, 1, -1, -1, 1};
    rs_pattern A;
    const char *xr[2] = {"1001", "0110"}, *ok[1] = {"1100"};
    pattern_from(&A, 2, 4, xr);
    CHECK(rs_lp_row_realizable(&A, 0, xt2, 3, &work) == 0, "XOR row");
    CHECK(rs_lp_row_realizable(&A, 1, xt2, 3, &work) == 0, "complement of XOR");
    rs_pattern_free(&A);
    pattern_from(&A, 1, 4, ok); /* x1 > 0 */
    CHECK(rs_lp_row_realizable(&A, 0, xt2, 3, &work) == 1, "half-plane row");
    rs_pattern_free(&A);

    /* no bias, p = 2, a zero point: every row (even all-zero) is empty */
    const double xt3[6] = {1, 0, 0, 0, 0, 1}, y3[3] = {1, 1, 1}, v1[1] = {1};
    const char *z[1] = {"000"};
    pattern_from(&A, 1, 3, z);
    CHECK(rs_lp_row_realizable(&A, 0, xt3, 2, &work) == 0, "zero point");
    rs_lp_result res = classify(&A, v1, xt3, 2, y3, 0, RS_LP_EXACT_AUTO);
    CHECK(res.cls == RS_LP_EMPTY && res.by_neuron, "zero point: %s", rs_lp_class_name(res.cls));
    rs_pattern_free(&A);
}

/* ---------------------------------------------------------------- random regions */

typedef struct rand_case {
    int d0, p, n, d1;
    double xt[3 * 8], W[6 * 3], v[6], y[8];
    rs_pattern A;
    int r;
} rand_case;

/* Random small case: d0 in {1, 2} with bias, n in [3, 8], d1 in [1, 6].  kind 0: pattern of
 * a Gaussian W (non-empty), y Gaussian; kind 1: Bernoulli(1/2) pattern (often empty);
 * kind 2: a teacher, pattern of W and y = its outputs, global by construction -- with data,
 * W and v multiples of 1/8 and 1/4 so that y = J_A vec(W) holds exactly (a rounded y would
 * leave col J_A when r < n), and W redrawn until no point lies on a hyperplane.  vpos: all
 * v_j > 0, else +-1 or Gaussian (dyadic +-(k/4) for teachers). */
static double dyadic(rs_stream *s)
{
    return round(8 * rs_normal(s)) / 8;
}

static void rand_case_draw(rand_case *c, uint64_t trial, int kind, int vpos)
{
    rs_stream s;
    rs_stream_init(&s, 2024, 7, trial, RS_STREAM_DATA);
    c->d0 = 1 + (int)rs_uniform_index(&s, 2);
    c->p = c->d0 + 1;
    c->n = 3 + (int)rs_uniform_index(&s, 6);
    c->d1 = 1 + (int)rs_uniform_index(&s, 6);
    for (int i = 0; i < c->n; i++) {
        for (int k = 0; k < c->d0; k++) c->xt[c->p * i + k] = kind == 2 ? dyadic(&s) : rs_normal(&s);
        c->xt[c->p * i + c->d0] = 1;
    }
    for (int tie = 1; tie;) {
        tie = 0;
        for (int q = 0; q < c->d1 * c->p; q++) c->W[q] = kind == 2 ? dyadic(&s) : rs_normal(&s);
        for (int j = 0; j < c->d1; j++)
            for (int i = 0; i < c->n; i++) {
                double d = 0;
                for (int k = 0; k < c->p; k++) d += c->W[c->p * j + k] * c->xt[c->p * i + k];
                tie |= d == 0;
            }
    }
    int vlaw = (int)rs_uniform_index(&s, 2);
    for (int j = 0; j < c->d1; j++) {
        double mag = kind == 2 ? (1 + (double)rs_uniform_index(&s, 8)) / 4
                     : vlaw   ? fabs(rs_normal(&s)) + 0.01
                              : 1;
        c->v[j] = vpos || j % 2 ? mag : -mag;
    }
    rs_pattern_alloc(&c->A, c->d1, c->n);
    for (int j = 0; j < c->d1; j++)
        for (int i = 0; i < c->n; i++) {
            double d = 0;
            for (int k = 0; k < c->p; k++) d += c->W[c->p * j + k] * c->xt[c->p * i + k];
            if (kind == 1 ? rs_bernoulli(&s, 0.5) : d > 0) rs_pattern_set(&c->A, j, i);
        }
    for (int i = 0; i < c->n; i++) {
        if (kind == 2) {
            double f = 0;
            for (int j = 0; j < c->d1; j++) {
                double d = 0;
                for (int k = 0; k < c->p; k++) d += c->W[c->p * j + k] * c->xt[c->p * i + k];
                if (d > 0) f += c->v[j] * d;
            }
            c->y[i] = f;
        } else {
            c->y[i] = rs_normal(&s);
        }
    }
    /* exact rank of J_A (mod a large prime), built with v = 1 as the rank engine does: v_j
     * scales columns, but rounded products fl(v_j x~_ki) are not exact multiples of one
     * column and can raise the rank of the floating-point matrix */
    int P = c->d1 * c->p;
    double *J = malloc(sizeof(double) * c->n * P), ones[6] = {1, 1, 1, 1, 1, 1};
    rs_workspace ws = {0};
    rs_jacobian_build(&c->A, ones, c->xt, c->p, J);
    c->r = -1;
    rs_modp_rank_double(&modp, c->n, P, J, c->n, &ws, &c->r);
    rs_workspace_free(&ws);
    free(J);
}

/* 4. v > 0 makes every output >= 0, so a target with a negative entry is never reached:
 *    no region is global.  The same regions with the teacher's own y are all global. */
static void test_nonnegative_outputs(void)
{
    int global = 0, failed = 0, meets = 0, teach_global = 0, teach = 0;
    for (uint64_t t = 0; t < 300; t++) {
        rand_case c;
        rand_case_draw(&c, 1000 + t, (int)(t % 2), 1);
        c.y[0] = -fabs(c.y[0]) - 0.1;
        rs_lp_result res = classify(&c.A, c.v, c.xt, c.p, c.y, c.r, RS_LP_EXACT_AUTO);
        global += res.cls == RS_LP_GLOBAL;
        failed += res.cls == RS_LP_FAILED;
        if (res.cls == RS_LP_FAILED)
            fprintf(stderr, "nonneg trial %d: n %d d1 %d p %d r %d failed, t %g\n", (int)t, c.n, c.d1, c.p, c.r, res.margin);
        meets += res.cls == RS_LP_BAD_LOCAL;
        rs_pattern_free(&c.A);

        rand_case_draw(&c, 1000 + t, 2, 1);
        res = classify(&c.A, c.v, c.xt, c.p, c.y, c.r, RS_LP_EXACT_AUTO);
        teach++;
        teach_global += res.cls == RS_LP_GLOBAL;
        rs_pattern_free(&c.A);
    }
    CHECK(global == 0, "%d global regions with a negative target and v > 0", global);
    CHECK(failed == 0, "%d failed", failed);
    CHECK(meets > 10, "only %d bad_local regions: the test is too easy", meets);
    CHECK(teach_global == teach, "teacher regions: %d of %d global", teach_global, teach);
}

/* 6./7. Float and exact simplex agree; nothing fails; teacher regions are global. */
static void test_float_vs_exact(void)
{
    int count[RS_LP_NCLASSES] = {0}, disagree = 0, failed = 0, teach_bad = 0, auto_diff = 0;
    const int trials = 360;
    for (uint64_t t = 0; t < trials; t++) {
        rand_case c;
        int kind = (int)(t % 3);
        rand_case_draw(&c, t, kind, 0);
        rs_lp_result rn = classify(&c.A, c.v, c.xt, c.p, c.y, c.r, RS_LP_EXACT_NEVER);
        rs_lp_result ra = classify(&c.A, c.v, c.xt, c.p, c.y, c.r, RS_LP_EXACT_ALWAYS);
        rs_lp_result ru = classify(&c.A, c.v, c.xt, c.p, c.y, c.r, RS_LP_EXACT_AUTO);
        if (rn.cls != ra.cls) {
            disagree++;
            fprintf(stderr, "trial %d (kind %d n %d d1 %d p %d r %d): never %s (t %g) always %s (t %g)\n",
                    (int)t, kind, c.n, c.d1, c.p, c.r, rs_lp_class_name(rn.cls), rn.margin,
                    rs_lp_class_name(ra.cls), ra.margin);
        }
        auto_diff += ru.cls != ra.cls;
        failed += (rn.cls == RS_LP_FAILED) + (ra.cls == RS_LP_FAILED) + (ru.cls == RS_LP_FAILED);
        if (rn.cls == RS_LP_FAILED || ra.cls == RS_LP_FAILED || ru.cls == RS_LP_FAILED)
            fprintf(stderr, "trial %d (kind %d n %d d1 %d p %d r %d): failed: never %s (t %g) always %s auto %s\n",
                    (int)t, kind, c.n, c.d1, c.p, c.r, rs_lp_class_name(rn.cls), rn.margin,
                    rs_lp_class_name(ra.cls), rs_lp_class_name(ru.cls));
        count[ra.cls]++;
        if (kind == 2 && ra.cls != RS_LP_GLOBAL) teach_bad++;
        if (ra.cls == RS_LP_GLOBAL || ra.cls == RS_LP_BAD_LOCAL)
            CHECK(ra.dimension == c.d1 * c.p - c.r && rn.dimension == ra.dimension, "dimension");
        CHECK(ra.exact_disagree == 0, "trial %d: exact disagreed with float", (int)t);
        rs_pattern_free(&c.A);
    }
    CHECK(disagree == 0, "NEVER and ALWAYS disagree on %d of %d regions", disagree, trials);
    CHECK(auto_diff == 0, "AUTO and ALWAYS disagree on %d regions", auto_diff);
    CHECK(failed == 0, "%d failed answers", failed);
    CHECK(teach_bad == 0, "%d teacher regions not global", teach_bad);
    /* the mix must cover every class, or agreement means little */
    for (int k = 0; k < RS_LP_FAILED; k++)
        CHECK(count[k] >= 5, "class %s seen %d times", rs_lp_class_name((rs_lp_class)k), count[k]);
    printf("random regions (ALWAYS): empty %d none %d global %d bad_local %d failed %d\n",
           count[RS_LP_EMPTY], count[RS_LP_NONE], count[RS_LP_GLOBAL], count[RS_LP_BAD_LOCAL],
           count[RS_LP_FAILED]);
}

/* 7. At the benchmark sizes, with the rank from the library's exact engine: patterns of a
 *    Gaussian W are realised by W, so never empty, and nothing fails. */
static void test_benchmark_sizes(void)
{
    const int shapes[2][3] = {{1, 50, 100}, {4, 30, 110}}; /* d0, n, d1 (with bias) */
    for (int sh = 0; sh < 2; sh++) {
        int d0 = shapes[sh][0], n = shapes[sh][1], d1 = shapes[sh][2], p = d0 + 1;
        double *xt = malloc(sizeof(double) * p * n), *W = malloc(sizeof(double) * d1 * p);
        double *v = malloc(sizeof(double) * d1), *y = malloc(sizeof(double) * n);
        rs_workspace ws = {0};
        for (uint64_t t = 0; t < 3; t++) {
            rs_stream s;
            rs_stream_init(&s, 77, (uint64_t)sh, t, RS_STREAM_DATA);
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < d0; k++) xt[p * i + k] = rs_normal(&s);
                xt[p * i + d0] = 1;
            }
            for (int q = 0; q < d1 * p; q++) W[q] = rs_normal(&s);
            rs_vout_draw(RS_VOUT_BALANCED, d1, &s, v);
            for (int i = 0; i < n; i++) y[i] = rs_normal(&s);
            rs_pattern A;
            rs_pattern_alloc(&A, d1, n);
            for (int j = 0; j < d1; j++)
                for (int i = 0; i < n; i++) {
                    double d = 0;
                    for (int k = 0; k < p; k++) d += W[p * j + k] * xt[p * i + k];
                    if (d > 0) rs_pattern_set(&A, j, i);
                }
            int r = -1;
            rs_stream sk;
            rs_stream_init(&sk, 77, (uint64_t)sh, t, RS_STREAM_SKETCH);
            CHECK(rs_modp_rank_khatri_rao(&modp, &A, xt, p, &sk, &ws, &r) == 0, "rank");
            rs_lp_result res = classify(&A, v, xt, p, y, r, RS_LP_EXACT_AUTO);
            CHECK(res.cls != RS_LP_EMPTY && res.cls != RS_LP_FAILED, "d0=%d trial %d: %s", d0, (int)t,
                  rs_lp_class_name(res.cls));
            rs_pattern_free(&A);
        }
        rs_workspace_free(&ws);
        free(xt), free(W), free(v), free(y);
    }
}

/* ---------------------------------------------------------------- misc */

static void test_names_and_args(void)
{
    const char *want[] = {"empty", "none", "global", "bad_local", "failed"};
    for (int k = 0; k < RS_LP_NCLASSES; k++)
        CHECK(strcmp(rs_lp_class_name((rs_lp_class)k), want[k]) == 0, "name %d", k);
    CHECK(strcmp(rs_lp_class_name(RS_LP_NCLASSES), "?") == 0, "unknown name");

    const double x[3] = {-1, 0.5, 2}, y[3] = {0, 0.5, 3.5}, v0[1] = {0}, nan_y[3] = {0, NAN, 1};
    double xt[6];
    data_1d(3, x, xt);
    rs_pattern A;
    const char *rows[1] = {"011"};
    pattern_from(&A, 1, 3, rows);
    rs_lp_problem pb = {&A, v0, xt, 2, y, 2, &modp};
    rs_lp_result res;
    CHECK(rs_lp_classify(&pb, RS_LP_EXACT_AUTO, &work, &res) == -1 && res.cls == RS_LP_FAILED, "v = 0");
    const double v1[1] = {1};
    pb.v = v1, pb.y = nan_y;
    CHECK(rs_lp_classify(&pb, RS_LP_EXACT_AUTO, &work, &res) == -1, "NaN target");
    pb.y = y, pb.matrank = 3;
    CHECK(rs_lp_classify(&pb, RS_LP_EXACT_AUTO, &work, &res) == -1, "rank above P");
    pb.matrank = 1, pb.modp = NULL;
    CHECK(rs_lp_classify(&pb, RS_LP_EXACT_AUTO, &work, &res) == -1, "r < n needs a prime");
    /* a wrong matrank is caught by the exact test: the true rank is 2 and y is in col J, so
     * rank [K | y] = 2 is neither matrank = 0 nor 0 + 1 */
    pb.modp = &modp, pb.matrank = 0;
    CHECK(rs_lp_classify(&pb, RS_LP_EXACT_AUTO, &work, &res) == 0 && res.cls == RS_LP_FAILED,
          "inconsistent matrank: %s", rs_lp_class_name(res.cls));
    rs_pattern_free(&A);
}

int main(void)
{
    if (rs_modp_init(&modp, rs_prime_from_seed(12345, 0))) {
        fprintf(stderr, "no prime\n");
        return 1;
    }
    test_names_and_args();
    test_hand_one_neuron();
    test_hand_two_neurons();
    test_boundary();
    test_bad_local();
    test_empty();
    test_nonnegative_outputs();
    test_float_vs_exact();
    test_benchmark_sizes();
    rs_lp_work_free(&work);
    CHECK(work.big_lp == NULL && work.xh == NULL, "work freed");
    return check_done("test_lp");
}
