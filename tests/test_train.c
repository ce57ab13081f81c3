/* test_train.c - the training module against mathematics:
 *  - gradients equal central finite differences of the loss (W and v, with and without bias);
 *  - while the pattern stays fixed, plain GD is linear least squares: the residual follows
 *    r_k = (I − (η/n) J_A J_Aᵀ)^k r_0 with J_A built independently (rs_jacobian_build);
 *  - on a full-rank region with a small step the loss decreases monotonically, and Adam
 *    and GD both reduce it;
 *  - the curvature estimate equals the largest eigenvalue of (1/n) J Jᵀ from a separate
 *    power iteration on the explicit matrix;
 *  - the recorded steps and the log bins at hand-worked values. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/jacobian.h"
#include "reluscape/pattern.h"
#include "reluscape/rng.h"
#include "reluscape/train.h"
#include "check.h"

/* A random problem: x ~ U(-1, 1) with a bias coordinate, W, v, y ~ N(0, 1). */
typedef struct problem {
    int d1, p, n, bias;
    double *xt, *W, *v, *y;
} problem;

static void problem_init(problem *pb, int d1, int d0, int bias, int n, uint64_t seed)
{
    rs_stream s;
    rs_stream_init(&s, seed, 0, 0, 1);
    pb->d1 = d1, pb->p = d0 + bias, pb->n = n, pb->bias = bias;
    pb->xt = malloc(sizeof(double) * pb->p * n);
    pb->W = malloc(sizeof(double) * d1 * pb->p);
    pb->v = malloc(sizeof(double) * d1);
    pb->y = malloc(sizeof(double) * n);
    for (int i = 0; i < n; i++) {
        for (int r = 0; r < d0; r++) pb->xt[i * pb->p + r] = 2 * rs_uniform01(&s) - 1;
        if (bias) pb->xt[i * pb->p + d0] = 1;
        pb->y[i] = rs_normal(&s);
    }
    for (int k = 0; k < d1 * pb->p; k++) pb->W[k] = rs_normal(&s);
    for (int j = 0; j < d1; j++) pb->v[j] = rs_normal(&s);
}

static void problem_free(problem *pb)
{
    free(pb->xt), free(pb->W), free(pb->v), free(pb->y);
}

/* The loss computed plainly, point by point. */
static double loss_plain(const problem *pb, const double *W, const double *v)
{
    double L = 0;
    for (int i = 0; i < pb->n; i++) {
        double f = 0;
        for (int j = 0; j < pb->d1; j++) {
            double z = 0;
            for (int r = 0; r < pb->p; r++) z += W[j * pb->p + r] * pb->xt[i * pb->p + r];
            f += v[j] * (z > 0 ? z : 0);
        }
        L += (f - pb->y[i]) * (f - pb->y[i]);
    }
    return L / (2.0 * pb->n);
}

static void test_gradient(int d0, int bias, uint64_t seed)
{
    problem pb;
    problem_init(&pb, 7, d0, bias, 9, seed);
    rs_train_work tw = {0};
    CHECK(rs_train_work_init(&tw, pb.d1, pb.p, pb.n, pb.xt) == 0, "init");
    double L = rs_train_forward(&tw, pb.W, pb.v, pb.y);
    CHECK(fabs(L - loss_plain(&pb, pb.W, pb.v)) <= 1e-12 * (1 + L), "forward %.17g vs plain %.17g", L,
          loss_plain(&pb, pb.W, pb.v));
    rs_train_gradient(&tw, pb.W, pb.v, 1);
    const double h = 1e-6;
    double worst = 0;
    int P = pb.d1 * pb.p;
    for (int k = 0; k < P + pb.d1; k++) {
        double *x = k < P ? &pb.W[k] : &pb.v[k - P], keep = *x;
        *x = keep + h;
        double up = loss_plain(&pb, pb.W, pb.v);
        *x = keep - h;
        double down = loss_plain(&pb, pb.W, pb.v);
        *x = keep;
        double fd = (up - down) / (2 * h), err = fabs(fd - tw.grad[k]) / (1e-8 + fabs(fd));
        if (err > worst) worst = err;
    }
    /* a kink within h of a point would spoil one difference: the random data keeps every
     * |z| far above h (checked) */
    double zmin = INFINITY;
    for (int j = 0; j < pb.d1; j++)
        for (int i = 0; i < pb.n; i++) {
            double z = 0;
            for (int r = 0; r < pb.p; r++) z += pb.W[j * pb.p + r] * pb.xt[i * pb.p + r];
            if (fabs(z) < zmin) zmin = fabs(z);
        }
    CHECK(zmin > 1e-4, "a kink within 1e-4 of a point (seed %llu): pick another seed", (unsigned long long)seed);
    CHECK(worst < 1e-6, "d0 %d bias %d: gradient vs central differences: worst relative error %.3g", d0, bias, worst);
    /* frozen v: no v gradient */
    rs_train_gradient(&tw, pb.W, pb.v, 0);
    double gv = 0;
    for (int j = 0; j < pb.d1; j++) gv += fabs(tw.grad[P + j]);
    CHECK(gv == 0, "frozen v has gradient %g", gv);
    rs_train_work_free(&tw);
    problem_free(&pb);
}

/* Residual recursion with the pattern fixed: explicit J_A (n x P, column-major). */
static void test_linear_gd(void)
{
    problem pb;
    problem_init(&pb, 6, 2, 1, 5, 11);
    const int n = pb.n, P = pb.d1 * pb.p;
    /* biases large: every point active in every neuron, except neuron 0 whose bias is very
     * negative (inactive everywhere); the pattern cannot change for small steps */
    for (int j = 0; j < pb.d1; j++) pb.W[j * pb.p + 2] = j == 0 ? -50 : 50;
    rs_train_work tw = {0};
    rs_train_work_init(&tw, pb.d1, pb.p, n, pb.xt);
    double L0 = rs_train_forward(&tw, pb.W, pb.v, pb.y);
    rs_pattern A;
    rs_pattern_alloc(&A, pb.d1, n);
    for (int j = 0; j < pb.d1; j++)
        for (int i = 0; i < n; i++)
            if (rs_train_active(tw.mask, n, j, i)) rs_pattern_set(&A, j, i);
    double *J = calloc((size_t)n * P, sizeof *J), *r = malloc(sizeof(double) * n), *g = malloc(sizeof(double) * P);
    rs_jacobian_build(&A, pb.v, pb.xt, pb.p, J);
    /* f = J vec(W) exactly (ReLU is positively homogeneous): the residual of the model */
    for (int i = 0; i < n; i++) {
        double f = 0;
        for (int k = 0; k < P; k++) f += J[(size_t)k * n + i] * pb.W[k];
        r[i] = f - pb.y[i];
        CHECK(fabs(r[i] - tw.r[i]) < 1e-9 * (1 + fabs(r[i])), "f = J w at point %d: %g vs %g", i, r[i], tw.r[i]);
    }
    CHECK(L0 > 0, "loss %g", L0);
    const double eta = 1e-4;
    int flips = 0;
    for (int step = 1; step <= 200; step++) {
        rs_train_gradient(&tw, pb.W, pb.v, 0);
        rs_train_update(&tw, RS_TRAIN_GD, eta, step, pb.W, pb.v, 0);
        rs_train_forward(&tw, pb.W, pb.v, pb.y);
        flips += tw.flips != 0;
        /* r ← r − (η/n) J (Jᵀ r) */
        for (int k = 0; k < P; k++) {
            g[k] = 0;
            for (int i = 0; i < n; i++) g[k] += J[(size_t)k * n + i] * r[i];
        }
        for (int i = 0; i < n; i++) {
            double Jg = 0;
            for (int k = 0; k < P; k++) Jg += J[(size_t)k * n + i] * g[k];
            r[i] -= eta / n * Jg;
        }
    }
    CHECK(flips == 0, "the pattern changed in %d steps", flips);
    double worst = 0;
    for (int i = 0; i < n; i++) {
        double e = fabs(r[i] - tw.r[i]) / (1 + fabs(r[i]));
        if (e > worst) worst = e;
    }
    CHECK(worst < 1e-9, "residual after 200 steps differs from (I - eta/n J J^T)^k r0 by %.3g", worst);
    free(J), free(r), free(g);
    rs_pattern_free(&A);
    rs_train_work_free(&tw);
    problem_free(&pb);
}

/* Full rank (d1 p >= n, generic data), small step: inside a region the loss is a convex
 * quadratic, so a step below 2/λ never increases it; a step that moves a kink across a
 * point may (the loss is not smooth there, and GD zig-zags across kinks whose one-sided
 * gradients point at each other), so those are counted apart.  Adam too. */
static void test_monotone(rs_train_optimizer opt, double lr_scale)
{
    /* four problems: how many steps stay inside a region depends on the draw (GD may
     * zig-zag across a kink for most of a run), so the count is over all four */
    int increases = 0, still = 0;
    for (uint64_t seed = 5; seed < 9; seed++) {
        problem pb;
        problem_init(&pb, 40, 2, 1, 8, seed);
        rs_train_work tw = {0};
        rs_train_work_init(&tw, pb.d1, pb.p, pb.n, pb.xt);
        double lambda = rs_train_curvature(&tw, pb.W, pb.v, 0);
        double lr = opt == RS_TRAIN_GD ? lr_scale / lambda : 1e-3;
        double L = rs_train_forward(&tw, pb.W, pb.v, pb.y), L0 = L;
        for (int step = 1; step <= 2000; step++) {
            rs_train_gradient(&tw, pb.W, pb.v, 0);
            rs_train_update(&tw, opt, lr, step, pb.W, pb.v, 0);
            double next = rs_train_forward(&tw, pb.W, pb.v, pb.y);
            still += tw.flips == 0;
            increases += tw.flips == 0 && next > L * (1 + 1e-12);
            L = next;
        }
        CHECK(L < 0.1 * L0, "%s, problem %llu: loss %g from %g after 2000 steps", opt == RS_TRAIN_GD ? "gd" : "adam",
              (unsigned long long)seed, L, L0);
        rs_train_work_free(&tw);
        problem_free(&pb);
    }
    CHECK(still > 400, "%d of 4 x 2000 steps kept the pattern", still);
    if (opt == RS_TRAIN_GD) CHECK(increases == 0, "gd: the loss increased in %d of %d steps inside a region", increases, still);
}

static void test_curvature(int train_v)
{
    problem pb;
    problem_init(&pb, 5, 3, 1, 6, 21);
    const int n = pb.n, PW = pb.d1 * pb.p, P = PW + (train_v ? pb.d1 : 0);
    rs_train_work tw = {0};
    rs_train_work_init(&tw, pb.d1, pb.p, n, pb.xt);
    double lambda = rs_train_curvature(&tw, pb.W, pb.v, train_v);
    /* explicit J: columns v_j a_ji x̃_i for W, then relu(z_ji) for v */
    double *J = calloc((size_t)n * P, sizeof *J), K[64 * 64] = {0}, u[64], ku[64];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < pb.d1; j++) {
            double z = 0;
            for (int r = 0; r < pb.p; r++) z += pb.W[j * pb.p + r] * pb.xt[i * pb.p + r];
            for (int r = 0; r < pb.p; r++) J[(size_t)(j * pb.p + r) * n + i] = z > 0 ? pb.v[j] * pb.xt[i * pb.p + r] : 0;
            if (train_v) J[(size_t)(PW + j) * n + i] = z > 0 ? z : 0;
        }
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++)
            for (int k = 0; k < P; k++) K[a * n + b] += J[(size_t)k * n + a] * J[(size_t)k * n + b] / n;
    double mu = 0;
    for (int i = 0; i < n; i++) u[i] = 1.0 + i; /* another start than the module's */
    for (int it = 0; it < 5000; it++) {
        double norm = 0;
        for (int a = 0; a < n; a++) {
            ku[a] = 0;
            for (int b = 0; b < n; b++) ku[a] += K[a * n + b] * u[b];
            norm += ku[a] * ku[a];
        }
        mu = sqrt(norm);
        for (int a = 0; a < n; a++) u[a] = ku[a] / mu;
    }
    CHECK(fabs(lambda - mu) < 1e-6 * mu, "train_v %d: curvature %.12g vs explicit %.12g", train_v, lambda, mu);
    free(J);
    rs_train_work_free(&tw);
    problem_free(&pb);
}

/* Every kernel set (plain C, SSE2, AVX2 where the CPU has it) gives the same bits: 50 GD
 * steps from the same start end at bitwise equal weights, losses and pattern hashes. */
static void test_kernel_sets(int d0, int d1, int n)
{
    problem pb;
    problem_init(&pb, d1, d0, 1, n, 31);
    double *W0 = malloc(sizeof(double) * d1 * pb.p), *W = malloc(sizeof(double) * d1 * pb.p);
    double L[3] = {0};
    uint64_t hash[3] = {0};
    int sets = 0;
    for (int k = 0; k < 3; k++) {
#if defined(__x86_64__) && defined(__GNUC__)
        if (k == 2 && !__builtin_cpu_supports("avx2")) continue;
#endif
        rs_train_work tw = {0};
        if (rs_train_set_kernels(&tw, k)) continue;
        rs_train_work_init(&tw, d1, pb.p, n, pb.xt);
        memcpy(W, pb.W, sizeof(double) * d1 * pb.p);
        for (int step = 1; step <= 50; step++) {
            L[k] = rs_train_forward(&tw, W, pb.v, pb.y);
            rs_train_gradient(&tw, W, pb.v, 1);
            rs_train_update(&tw, RS_TRAIN_GD, 0.01, step, W, pb.v, 0);
        }
        hash[k] = tw.hash;
        if (sets++ == 0)
            memcpy(W0, W, sizeof(double) * d1 * pb.p);
        else
            CHECK(!memcmp(W0, W, sizeof(double) * d1 * pb.p) && L[k] == L[0] && hash[k] == hash[0],
                  "d0 %d d1 %d n %d: kernel set %d differs from set 0 (loss %.17g vs %.17g)", d0, d1, n, k, L[k], L[0]);
        rs_train_work_free(&tw);
    }
    CHECK(sets >= 1, "no kernel set ran");
    free(W0), free(W);
    problem_free(&pb);
}

static void test_records_and_bins(void)
{
    int64_t s[16];
    int64_t count = rs_train_record_steps(100, 2, s, 16);
    const int64_t want[] = {0, 1, 3, 10, 31, 100};
    CHECK(count == 6, "records of 100 steps at 2 per decade: %lld", (long long)count);
    for (int k = 0; k < 6 && k < count; k++) CHECK(s[k] == want[k], "record %d: %lld, want %lld", k, (long long)s[k], (long long)want[k]);
    CHECK(rs_train_record_steps(1, 10, NULL, 0) == 2, "one step: records 0 and 1");
    CHECK(rs_train_record_steps(7, 1, s, 16) == 3 && s[2] == 7, "7 steps at 1 per decade: 0, 1, 7");
    CHECK(rs_log10_bin(0.0) == 0, "0 in bin 0");
    CHECK(rs_log10_bin(1e-17) == 0, "1e-17 in bin 0");
    CHECK(rs_log10_bin(1.0) == 161, "1 in bin %lld", (long long)rs_log10_bin(1.0));
    CHECK(rs_log10_bin(2.0) == 164, "2 = 10^0.301 in bin %lld", (long long)rs_log10_bin(2.0));
    CHECK(rs_log10_bin(9999.0) == 200, "9999 in bin %lld", (long long)rs_log10_bin(9999.0));
    CHECK(rs_log10_bin(1e4) == 201 && rs_log10_bin(INFINITY) == 201 && rs_log10_bin(NAN) == 201, "top bin");
    CHECK(fabs(rs_log10_bin_value(161) - pow(10, 0.05)) < 1e-12, "centre of bin 161 is 10^0.05");
    CHECK(rs_train_optimizer_from_name("adam") == RS_TRAIN_ADAM && rs_train_optimizer_from_name("sgd") < 0, "names");
}

int main(void)
{
    test_gradient(1, 1, 3);
    test_gradient(3, 1, 4);
    test_gradient(4, 0, 6);
    test_gradient(6, 1, 7);   /* p = 7: the unspecialised block */
    test_gradient(12, 1, 8);  /* p = 13: wide inputs, one neuron at a time */
    test_linear_gd();
    test_monotone(RS_TRAIN_GD, 0.1);
    test_monotone(RS_TRAIN_ADAM, 0);
    test_curvature(0);
    test_curvature(1);
    test_kernel_sets(1, 13, 9);
    test_kernel_sets(3, 16, 70);
    test_kernel_sets(10, 9, 5);
    test_records_and_bins();
    return check_done("test_train");
}
