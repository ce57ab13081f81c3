/* test_data.c - dataset laws, layout, reproducibility, the HDF5 file law and its errors. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <hdf5.h>

#include "reluscape/data.h"
#include "reluscape/targets.h"
#include "check.h"

static char h5name[64], txtname[64];

/* ---------------------------------------------------------------- synthetic laws */

static void test_shapes(void)
{
    const int d0 = 3, n = 40;
    for (int law = RS_DATA_GAUSSIAN; law <= RS_DATA_SPHERE; law++) {
        for (int bias = 0; bias <= 1; bias++) {
            int p = d0 + bias;
            /* guard words after p*n catch writes past the end */
            double *xt = malloc((size_t)(p * n + 8) * sizeof *xt);
            for (int k = 0; k < p * n + 8; k++)
                xt[k] = -12345.0;
            rs_data_spec spec = {.law = (rs_data_law)law, .bias = bias, .file = NULL};
            int rc = rs_data_draw(&spec, d0, n, 1, 2, 3, xt);
            CHECK(rc == 0, "%s bias %d: rc %d", rs_data_law_name(law), bias, rc);
            int bias_ok = 1, filled = 1, guard = 1;
            for (int i = 0; i < n; i++) {
                if (bias)
                    bias_ok &= xt[i * p + d0] == 1.0;
                for (int r = 0; r < d0; r++)
                    filled &= xt[i * p + r] != -12345.0 && isfinite(xt[i * p + r]);
            }
            for (int k = p * n; k < p * n + 8; k++)
                guard &= xt[k] == -12345.0;
            CHECK(bias_ok, "%s: bias row is 1", rs_data_law_name(law));
            CHECK(filled, "%s bias %d: every coordinate drawn", rs_data_law_name(law), bias);
            CHECK(guard, "%s bias %d: nothing written past p*n", rs_data_law_name(law), bias);
            free(xt);
        }
    }
}

static void test_ranges(void)
{
    const int d0 = 4, n = 50000, p = d0 + 1;
    double *xt = malloc((size_t)p * n * sizeof *xt);
    rs_data_spec spec = {.law = RS_DATA_UNIFORM01, .bias = 1};
    rs_data_draw(&spec, d0, n, 7, 0, 0, xt);
    int ok = 1;
    double sum = 0;
    for (int i = 0; i < n; i++)
        for (int r = 0; r < d0; r++) {
            ok &= xt[i * p + r] >= 0.0 && xt[i * p + r] < 1.0;
            sum += xt[i * p + r];
        }
    CHECK(ok, "uniform01 in [0,1)");
    /* the bulk draw hands out the stream's words in the documented order: point by point,
     * coordinate by coordinate, one rs_uniform01 each */
    {
        rs_stream s;
        rs_stream_init(&s, 7, 0, 0, RS_STREAM_DATA);
        int same = 1;
        for (int i = 0; i < n; i++)
            for (int r = 0; r < d0; r++) same &= xt[i * p + r] == rs_uniform01(&s);
        CHECK(same, "uniform01: the same numbers as rs_uniform01 point by point");
    }
    /* se = sqrt(1/12/200000) = 6.5e-4 */
    CHECK(fabs(sum / (n * d0) - 0.5) < 3.5e-3, "uniform01 mean %g", sum / (n * d0));
    /* the same where points straddle the bulk buffer (d0 = 7) or are longer than it
     * (d0 = 700, in pieces), scalar (d0 = 7) and through the vector pass (d0 = 19, 700),
     * with the bias column left at 1 */
    for (int shape = 0; shape < 3; shape++) {
        const int e = shape == 2 ? 700 : shape ? 19 : 7, m = shape == 2 ? 5 : 300, q = e + 1;
        double *yt = malloc((size_t)q * m * sizeof *yt);
        rs_data_draw(&spec, e, m, 8, 1, 2, yt);
        rs_stream s;
        rs_stream_init(&s, 8, 1, 2, RS_STREAM_DATA);
        int same = 1;
        for (int i = 0; i < m; i++) {
            for (int r = 0; r < e; r++) same &= yt[i * q + r] == rs_uniform01(&s);
            same &= yt[i * q + e] == 1.0;
        }
        CHECK(same, "uniform01, d0 = %d: the same numbers as rs_uniform01 point by point, bias 1", e);
        free(yt);
    }

    spec.law = RS_DATA_UNIFORM;
    rs_data_draw(&spec, d0, n, 7, 0, 0, xt);
    ok = 1;
    double lo = 1, hi = -1;
    sum = 0;
    for (int i = 0; i < n; i++)
        for (int r = 0; r < d0; r++) {
            double x = xt[i * p + r];
            ok &= x > -1.0 && x < 1.0;
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
            sum += x;
        }
    CHECK(ok, "uniform in (-1,1)");
    CHECK(lo < -0.999 && hi > 0.999, "uniform covers (-1,1): [%g, %g]", lo, hi);
    CHECK(fabs(sum / (n * d0)) < 7e-3, "uniform mean %g", sum / (n * d0));

    spec.law = RS_DATA_GAUSSIAN;
    rs_data_draw(&spec, d0, n, 7, 0, 0, xt);
    double s1 = 0, s2 = 0;
    for (int i = 0; i < n; i++)
        for (int r = 0; r < d0; r++) {
            s1 += xt[i * p + r];
            s2 += xt[i * p + r] * xt[i * p + r];
        }
    double m = s1 / (n * d0), v = s2 / (n * d0) - m * m;
    CHECK(fabs(m) < 1.2e-2 && fabs(v - 1.0) < 1.6e-2, "gaussian mean %g var %g", m, v);
    /* the documented order (bulk draw spread to stride p): point by point, coordinate by
     * coordinate, one rs_normal each; sphere: that point times 1 / its norm, |x|^2 summed
     * as eight partial sums (coordinate r into sum r mod 8) added pairwise */
    for (int law = RS_DATA_GAUSSIAN; law <= RS_DATA_SPHERE; law += RS_DATA_SPHERE - RS_DATA_GAUSSIAN) {
        spec.law = (rs_data_law)law;
        rs_data_draw(&spec, d0, n, 7, 0, 0, xt);
        rs_stream s;
        rs_stream_init(&s, 7, 0, 0, RS_STREAM_DATA);
        int same = 1;
        for (int i = 0; i < n; i++) {
            double z[4], part[8] = {0};
            for (int r = 0; r < d0; r++) z[r] = rs_normal(&s), part[r % 8] += z[r] * z[r];
            const double nrm2 = ((part[0] + part[4]) + (part[1] + part[5])) + ((part[2] + part[6]) + (part[3] + part[7]));
            for (int r = 0; r < d0; r++)
                same &= xt[i * p + r] == (law == RS_DATA_SPHERE ? z[r] * (1.0 / sqrt(nrm2)) : z[r]);
            same &= xt[i * p + d0] == 1.0;
        }
        CHECK(same, "%s: the numbers of rs_normal point by point", rs_data_law_name(law));
    }
    free(xt);
}

static void test_sphere(void)
{
    int dims[] = {1, 2, 5, 8, 16, 19}; /* from 8 on the AVX-512 kernel where the CPU has it */
    for (size_t t = 0; t < sizeof dims / sizeof dims[0]; t++) {
        int d0 = dims[t], n = 2001, p = d0 + 1; /* odd: AVX-512 normalises two points at a time */
        double *xt = malloc((size_t)p * n * sizeof *xt);
        rs_data_spec spec = {.law = RS_DATA_SPHERE, .bias = 1};
        rs_data_draw(&spec, d0, n, 3, 1, 4, xt);
        double worst = 0, mean0 = 0;
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int r = 0; r < d0; r++)
                s += xt[i * p + r] * xt[i * p + r];
            worst = fmax(worst, fabs(sqrt(s) - 1.0));
            mean0 += xt[i * p] / n;
        }
        CHECK(worst < 1e-12, "sphere d0=%d: max |norm-1| = %g", d0, worst);
        /* symmetric law: first coordinate has mean 0, se <= 1/sqrt(n) = 0.022 */
        CHECK(fabs(mean0) < 0.11, "sphere d0=%d: mean of x_1 %g", d0, mean0);
        /* the documented order, here with whole blocks of eight coordinates too */
        rs_stream s;
        rs_stream_init(&s, 3, 1, 4, RS_STREAM_DATA);
        int same = 1;
        for (int i = 0; i < n; i++) {
            double z[19], part[8] = {0};
            for (int r = 0; r < d0; r++) z[r] = rs_normal(&s), part[r % 8] += z[r] * z[r];
            const double nrm2 = ((part[0] + part[4]) + (part[1] + part[5])) + ((part[2] + part[6]) + (part[3] + part[7]));
            for (int r = 0; r < d0; r++) same &= xt[i * p + r] == z[r] * (1.0 / sqrt(nrm2));
        }
        CHECK(same, "sphere d0=%d: the numbers of rs_normal point by point, the norm's documented order", d0);
        free(xt);
    }
}

static void test_determinism(void)
{
    const int d0 = 2, n = 30, p = 3, len = p * n;
    double a[90], b[90];
    for (int law = RS_DATA_GAUSSIAN; law <= RS_DATA_SPHERE; law++) {
        rs_data_spec spec = {.law = (rs_data_law)law, .bias = 1};
        rs_data_draw(&spec, d0, n, 100, 5, 9, a);
        rs_data_draw(&spec, d0, n, 100, 5, 9, b);
        CHECK(memcmp(a, b, sizeof a) == 0, "%s: same arguments, same data", rs_data_law_name(law));
        rs_data_draw(&spec, d0, n, 100, 5, 10, b);
        int diff = 0;
        for (int k = 0; k < len; k++)
            diff += a[k] != b[k];
        CHECK(diff >= n * d0 - 1, "%s: other dataset index differs (%d/%d entries)",
              rs_data_law_name(law), diff, len);
        rs_data_draw(&spec, d0, n, 100, 6, 9, b);
        CHECK(memcmp(a, b, sizeof a) != 0, "%s: other cell differs", rs_data_law_name(law));
        rs_data_draw(&spec, d0, n, 101, 5, 9, b);
        CHECK(memcmp(a, b, sizeof a) != 0, "%s: other seed differs", rs_data_law_name(law));
    }
}

static void test_names(void)
{
    const char *names[] = {"gaussian", "uniform", "uniform01", "sphere", "file"};
    for (int l = 0; l < 5; l++) {
        CHECK(rs_data_law_from_name(names[l]) == l, "from_name(%s)", names[l]);
        CHECK(strcmp(rs_data_law_name((rs_data_law)l), names[l]) == 0, "name(%d)", l);
    }
    CHECK(rs_data_law_from_name("normal") == -1, "unknown law");
    CHECK(rs_data_law_from_name(NULL) == -1, "NULL law");
}

/* ---------------------------------------------------------------- HDF5 files */

static void write_dset(hid_t file, const char *name, hid_t memtype, hid_t filetype, int rank,
                       const hsize_t *dims, const void *buf)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t ds = H5Dcreate2(file, name, filetype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (buf)
        H5Dwrite(ds, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Dclose(ds);
    H5Sclose(sp);
}

#define NROWS 10
#define NCOLS 3

/* Row r of /X is (r, 10 r + 1, -r/4): every row distinct and recognisable. */
static double file_value(int r, int c)
{
    return c == 0 ? r : c == 1 ? 10.0 * r + 1 : -r / 4.0;
}

static void make_files(void)
{
    snprintf(h5name, sizeof h5name, "test_data_tmp_%ld.h5", (long)getpid());
    snprintf(txtname, sizeof txtname, "test_data_tmp_%ld.txt", (long)getpid());
    hid_t f = H5Fcreate(h5name, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    double x[NROWS][NCOLS];
    float xf[NROWS][NCOLS];
    for (int r = 0; r < NROWS; r++)
        for (int c = 0; c < NCOLS; c++)
            xf[r][c] = (float)(x[r][c] = file_value(r, c));
    hsize_t d2[2] = {NROWS, NCOLS};
    write_dset(f, "/X", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 2, d2, x);
    write_dset(f, "/Xf32", H5T_NATIVE_FLOAT, H5T_IEEE_F32BE, 2, d2, xf);
    x[2][1] = NAN;
    write_dset(f, "/nan", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 2, d2, x);
    x[2][1] = file_value(2, 1);
    x[7][0] = INFINITY;
    write_dset(f, "/inf", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 2, d2, x);
    double cube[2][5][3] = {{{0}}};
    hsize_t d3[3] = {2, 5, 3};
    write_dset(f, "/cube", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 3, d3, cube);
    hsize_t d0e[2] = {0, 3};
    write_dset(f, "/empty", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 2, d0e, NULL);
    H5Fclose(f);
    FILE *t = fopen(txtname, "w");
    fputs("this is not an HDF5 file\n", t);
    fclose(t);
}

/* Which file row is column i of xt?  -1 if none. */
static int row_of(const double *col)
{
    for (int r = 0; r < NROWS; r++) {
        int same = 1;
        for (int c = 0; c < NCOLS; c++)
            same &= col[c] == file_value(r, c);
        if (same)
            return r;
    }
    return -1;
}

static void test_file_load(rs_data_file *f)
{
    char err[512];
    int rc = rs_data_file_load(h5name, "/X", f, err, sizeof err);
    CHECK(rc == 0, "load /X: %s", err);
    CHECK(f->n_total == NROWS && f->d0 == NCOLS, "shape %lld x %d", (long long)f->n_total, f->d0);
    int same = f->rows != NULL;
    for (int r = 0; r < NROWS && same; r++)
        for (int c = 0; c < NCOLS; c++)
            same &= f->rows[r * NCOLS + c] == file_value(r, c);
    CHECK(same, "rows are row-major as stored");

    rs_data_file g;
    rc = rs_data_file_load(h5name, "Xf32", &g, err, sizeof err);
    CHECK(rc == 0 && g.n_total == NROWS && g.d0 == NCOLS, "big-endian float32 loads: %s", err);
    same = rc == 0;
    for (int k = 0; rc == 0 && k < NROWS * NCOLS; k++)
        same &= g.rows[k] == (double)(float)file_value(k / NCOLS, k % NCOLS);
    CHECK(same, "float32 converted to double");
    rs_data_file_free(&g);
    CHECK(g.rows == NULL && g.n_total == 0, "free resets");
}

/* Every failure returns -1, leaves no rows, and names the file (and `must` if given). */
static void expect_load_error(const char *path, const char *dset, const char *must,
                              const char *what)
{
    char err[512] = "unset";
    rs_data_file g = {.n_total = 99, .d0 = 99, .rows = (double *)&g};
    int rc = rs_data_file_load(path, dset, &g, err, sizeof err);
    CHECK(rc == -1, "%s: rc %d", what, rc);
    CHECK(g.rows == NULL && g.n_total == 0, "%s: output reset", what);
    CHECK(strstr(err, path) != NULL, "%s: err names the file: '%s'", what, err);
    if (must)
        CHECK(strstr(err, must) != NULL, "%s: err contains '%s': '%s'", what, must, err);
}

static void test_file_errors(void)
{
    expect_load_error(h5name, "/nan", "row 2, column 1", "NaN");
    expect_load_error(h5name, "/inf", "row 7, column 0", "Inf");
    expect_load_error(h5name, "/cube", "rank 3", "3-D dataset");
    expect_load_error(h5name, "/cube", "'/cube'", "3-D dataset names dataset");
    expect_load_error(h5name, "/missing", "'/missing'", "missing dataset");
    expect_load_error(h5name, "/empty", "empty", "empty dataset");
    expect_load_error("no_such_dir/absent_file.h5", "/X", "No such file", "missing file");
    expect_load_error(txtname, "/X", "HDF5", "not an HDF5 file");
}

static void test_file_draw(const rs_data_file *f)
{
    const int n = 4, p = NCOLS + 1;
    double xt[NROWS * (NCOLS + 1)], xt2[NROWS * (NCOLS + 1)];
    rs_data_spec spec = {.law = RS_DATA_FILE, .bias = 1, .file = f};

    int rc = rs_data_draw(&spec, NCOLS, n, 8, 1, 0, xt);
    CHECK(rc == 0, "file draw rc %d", rc);
    int seen[NROWS] = {0}, ok = 1;
    for (int i = 0; i < n; i++) {
        int r = row_of(xt + i * p);
        ok &= r >= 0 && !seen[r] && xt[i * p + NCOLS] == 1.0;
        if (r >= 0)
            seen[r] = 1;
    }
    CHECK(ok, "chosen columns are distinct file rows with bias 1");

    rs_data_draw(&spec, NCOLS, n, 8, 1, 0, xt2);
    CHECK(memcmp(xt, xt2, (size_t)n * p * sizeof *xt) == 0, "file draw reproducible");
    int differs = 0;
    for (uint64_t ds = 1; ds <= 5; ds++) {
        rs_data_draw(&spec, NCOLS, n, 8, 1, ds, xt2);
        differs += memcmp(xt, xt2, (size_t)n * p * sizeof *xt) != 0;
    }
    CHECK(differs == 5, "other dataset indices give other subsets (%d/5)", differs);

    /* n = n_total: a permutation of all rows, no bias row */
    spec.bias = 0;
    rc = rs_data_draw(&spec, NCOLS, NROWS, 8, 1, 0, xt);
    int all[NROWS] = {0}, perm = rc == 0;
    for (int i = 0; i < NROWS && perm; i++) {
        int r = row_of(xt + i * NCOLS);
        perm &= r >= 0 && !all[r];
        if (r >= 0)
            all[r] = 1;
    }
    CHECK(perm, "n = n_total draws every row once");

    CHECK(rs_data_draw(&spec, NCOLS, NROWS + 1, 8, 1, 0, xt) == -1, "n > n_total gives -1");
    CHECK(rs_data_draw(&spec, NCOLS - 1, 2, 8, 1, 0, xt) == -1, "d0 mismatch gives -1");
    rs_data_spec nofile = {.law = RS_DATA_FILE, .bias = 0, .file = NULL};
    CHECK(rs_data_draw(&nofile, NCOLS, 2, 8, 1, 0, xt) == -1, "file law without file gives -1");
}

/* Each of 10 rows should be chosen equally often in n = 3 subsets, and each row equally
 * often in the first column (the order is uniform too). */
static void test_file_uniform(const rs_data_file *f)
{
    enum { D = 20000, n = 3 };
    long cnt[NROWS] = {0}, first[NROWS] = {0};
    double xt[n * NCOLS];
    rs_data_spec spec = {.law = RS_DATA_FILE, .bias = 0, .file = f};
    int ok = 1;
    for (uint64_t ds = 0; ds < D; ds++) {
        ok &= rs_data_draw(&spec, NCOLS, n, 2024, 3, ds, xt) == 0;
        for (int i = 0; i < n; i++) {
            int r = row_of(xt + i * NCOLS);
            ok &= r >= 0;
            if (r >= 0) {
                cnt[r]++;
                first[r] += i == 0;
            }
        }
    }
    CHECK(ok, "all uniformity draws valid");
    double chi = 0, chi1 = 0, e = (double)D * n / NROWS, e1 = (double)D / NROWS;
    for (int r = 0; r < NROWS; r++) {
        chi += (cnt[r] - e) * (cnt[r] - e) / e;
        chi1 += (first[r] - e1) * (first[r] - e1) / e1;
    }
    /* 99.9% quantile of chi-square with 9 dof.  Without-replacement counts are negatively
     * correlated (E[chi] = 7 < 9 here), so the bound is conservative, still far below
     * what a biased choice of rows would give at these counts. */
    CHECK(chi < 27.877, "row inclusion chi2 = %g", chi);
    CHECK(chi1 < 27.877, "first-column row chi2 = %g", chi1);
}

/* Targets by their laws: gaussian N(0,1) has about half its values negative and mean 0
 * (within 5 sd over 4000 values), uniform lies in (-1, 1) with mean 0; both depend only
 * on (seed, cell, dataset). */
static void test_targets(void)
{
    enum { N = 4000 };
    static double y[N], y2[N], xt[2 * N];
    for (int i = 0; i < N; i++) xt[2 * i] = 0.001 * i, xt[2 * i + 1] = 1;
    rs_targets_spec g = {.law = RS_TARGETS_GAUSSIAN}, u = {.law = RS_TARGETS_UNIFORM};
    CHECK(rs_targets_draw(&g, xt, 1, 2, N, 5, 9, 0, y) == 0, "gaussian targets");
    int neg = 0;
    double mean = 0;
    for (int i = 0; i < N; i++) neg += y[i] < 0, mean += y[i] / N;
    CHECK(fabs(neg - N / 2.0) < 5 * sqrt(N / 4.0), "gaussian: %d of %d negative", neg, N);
    CHECK(fabs(mean) < 5 / sqrt((double)N), "gaussian: mean %g", mean);
    rs_stream s;
    rs_stream_init(&s, 5, 9, 0, RS_STREAM_TARGET);
    int order = 1;
    for (int i = 0; i < N; i++) order &= y[i] == rs_normal(&s);
    CHECK(order, "gaussian: y_i is the i-th rs_normal of the target stream");
    CHECK(rs_targets_draw(&g, xt, 1, 2, N, 5, 9, 0, y2) == 0 && !memcmp(y, y2, sizeof y), "the same draw again");
    CHECK(rs_targets_draw(&g, xt, 1, 2, N, 5, 9, 1, y2) == 0 && memcmp(y, y2, sizeof y), "another dataset differs");
    CHECK(rs_targets_draw(&u, xt, 1, 2, N, 5, 9, 0, y) == 0, "uniform targets");
    int inside = 1;
    mean = 0;
    for (int i = 0; i < N; i++) inside &= y[i] > -1 && y[i] < 1, mean += y[i] / N;
    CHECK(inside && fabs(mean) < 5 / sqrt(3.0 * N), "uniform: in (-1, 1), mean %g", mean);
}

int main(void)
{
    test_targets();
    test_names();
    test_shapes();
    test_ranges();
    test_sphere();
    test_determinism();

    make_files();
    rs_data_file f = {0};
    test_file_load(&f);
    test_file_errors();
    if (f.rows) {
        test_file_draw(&f);
        test_file_uniform(&f);
    }
    rs_data_file_free(&f);
    remove(h5name);
    remove(txtname);
    return check_done("test_data");
}
