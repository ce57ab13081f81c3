/* regions_chart.c - the realizable rows of points in R^3 listed through a plane chart,
 * each cell once, without a table of the rows already seen (regions.h, rs_regions_list).
 *
 * The chart is the plane w2 = 1: point k's hyperplane meets it in the line
 * x_k0 w0 + x_k1 w1 + x_k2 = 0, and w1 is the height.  Away from degenerate data (no line
 * horizontal, x_k0 != 0; no two parallel; no three through a point) the lines' cells are
 * the cells below every vertex (the n + 1 intervals at w1 -> -inf, between the lines in
 * the order of their slopes kappa_k = x_k1 / x_k0) and, for each vertex, the one cell it
 * is the lowest point of: the quadrant between the two lines' upward rays.  A cell of the
 * central arrangement meets the chart's half-space w2 > 0 (it is one of those) or lies in
 * w2 < 0, and then its negation is a bounded cell of the chart.  The unbounded cells are
 * the 2n that cross w2 = 0: the n + 1 below and the n - 1 intervals at w1 -> +inf between
 * two lines, so the other vertices' cells are bounded and their complements are the rest.
 * Listing order (the region sampler's draw order, docs/CONVENTIONS.md): the n + 1 cells
 * below (m = 0..n: the m lines of smallest slope left of it), the cell above each vertex
 * (i < j lexicographic), then the complement of each of those that is bounded, in the same
 * order: 2 + n (n - 1) rows, Cover's C(n, 3). */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define RS_CHART_SIMD 1
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/regions.h"
#include "util.h"

typedef struct chart {
    int n, words;
    const double *xt;    /* the points, 3 x n */
    double *x0, *x1, *x2; /* the points coordinate-major */
    double *norm;        /* |x_k| */
    double *inv;         /* 1 / |x_k| */
    double *u, *v;       /* [n]: <x_k, u>, <x_k, v> / |x_k| for a basis u, v of the plane of x_i's rays */
    double *z, *alpha, *beta, *tol; /* [n]: vertex (i, j)'s ray r = alpha u + beta v, RS_REGIONS_GP_TOL |r|_1 */
    uint64_t *neg;       /* bit k: x_k0 < 0 */
} chart;

/* Cell at w (w2 = 1) has bit k = [<x_k, w> > 0].  Far below (w1 = -T, w0 = xi T) that is
 * [x_k0 (xi - kappa_k) > 0], far above (w1 = T) [x_k0 (xi + kappa_k) > 0]: with L the lines
 * left of w (kappa_k < xi below, kappa_k > -xi above), bit k = [x_k0 > 0] on L and
 * [x_k0 < 0] off it, i.e. row = neg xor L.  Below, L is a prefix of the slope order; above,
 * a suffix. */

/* The vertices on line i are the rays r = x_i x x_j, in the plane x_i^perp: with a basis u,
 * v of it, r = alpha u + beta v and <x_k, r> / |x_k| = alpha u_k + beta v_k, two products
 * a point.  u = x_i x e_c (c: x_i's smallest coordinate), v = x_i x u, orthogonal. */
static void frame(chart *c, int i, double *u, double *v, double *uu, double *vv)
{
    const double *x = c->xt + (size_t)3 * i;
    const int m = fabs(x[0]) <= fabs(x[1]) && fabs(x[0]) <= fabs(x[2]) ? 0 : fabs(x[1]) <= fabs(x[2]) ? 1 : 2;
    const double e[3] = {m == 0, m == 1, m == 2};
    u[0] = x[1] * e[2] - x[2] * e[1], u[1] = x[2] * e[0] - x[0] * e[2], u[2] = x[0] * e[1] - x[1] * e[0];
    v[0] = x[1] * u[2] - x[2] * u[1], v[1] = x[2] * u[0] - x[0] * u[2], v[2] = x[0] * u[1] - x[1] * u[0];
    *uu = u[0] * u[0] + u[1] * u[1] + u[2] * u[2], *vv = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
    for (int k = 0; k < c->n; k++) {
        const double *y = c->xt + (size_t)3 * k;
        c->u[k] = (y[0] * u[0] + y[1] * u[1] + y[2] * u[2]) * c->inv[k];
        c->v[k] = (y[0] * v[0] + y[1] * v[1] + y[2] * v[2]) * c->inv[k];
    }
}

/* The vertices (i, j) on line i for j from j0 on: each ray x_i x x_j oriented into the
 * chart (r_2 = |z| > 0), its coordinates alpha, beta in the frame and its tolerance; z = 0
 * when lines i and j are nearly parallel (the chart cannot take them). */
static void vertices(chart *c, int i, int j0, const double *u, const double *v, double iuu, double ivv)
{
    const double *xi = c->xt + (size_t)3 * i;
    for (int j = j0; j < c->n; j++) {
        const double *xj = c->xt + (size_t)3 * j, z = xi[0] * xj[1] - xi[1] * xj[0], s = z > 0 ? 1 : -1;
        const double r0 = s * (xi[1] * xj[2] - xi[2] * xj[1]), r1 = s * (xi[2] * xj[0] - xi[0] * xj[2]), r2 = s * z;
        c->z[j] = fabs(z) <= RS_REGIONS_GP_TOL * c->norm[i] * c->norm[j] ? 0 : z;
        c->alpha[j] = ((r0 * u[0] + r1 * u[1]) + r2 * u[2]) * iuu;
        c->beta[j] = ((r0 * v[0] + r1 * v[1]) + r2 * v[2]) * ivv;
        c->tol[j] = RS_REGIONS_GP_TOL * ((fabs(r0) + fabs(r1)) + fabs(r2));
    }
}

#ifdef RS_CHART_SIMD
/* The same eight vertices at a time (the same operations in the same order: the same
 * bits), up to a last block of fewer than eight: returns where vertices() takes over. */
__attribute__((target("avx512f"))) static int vertices_avx512(chart *c, int i, const double *u, const double *v,
                                                               double iuu, double ivv)
{
    const double *xi = c->xt + (size_t)3 * i;
    const __m512d a0 = _mm512_set1_pd(xi[0]), a1 = _mm512_set1_pd(xi[1]), a2 = _mm512_set1_pd(xi[2]);
    const __m512d u0 = _mm512_set1_pd(u[0]), u1 = _mm512_set1_pd(u[1]), u2 = _mm512_set1_pd(u[2]);
    const __m512d v0 = _mm512_set1_pd(v[0]), v1 = _mm512_set1_pd(v[1]), v2 = _mm512_set1_pd(v[2]);
    const __m512d gi = _mm512_set1_pd(RS_REGIONS_GP_TOL * c->norm[i]), gp = _mm512_set1_pd(RS_REGIONS_GP_TOL);
    const __m512d vu = _mm512_set1_pd(iuu), vv = _mm512_set1_pd(ivv), zero = _mm512_setzero_pd();
    const __m512d one = _mm512_set1_pd(1), minus = _mm512_set1_pd(-1);
    int j = i + 1;
    for (; j + 8 <= c->n; j += 8) {
        const __m512d b0 = _mm512_loadu_pd(c->x0 + j), b1 = _mm512_loadu_pd(c->x1 + j), b2 = _mm512_loadu_pd(c->x2 + j);
        const __m512d z = _mm512_sub_pd(_mm512_mul_pd(a0, b1), _mm512_mul_pd(a1, b0));
        const __m512d s = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(z, zero, _CMP_GT_OQ), minus, one);
        const __m512d r0 = _mm512_mul_pd(s, _mm512_sub_pd(_mm512_mul_pd(a1, b2), _mm512_mul_pd(a2, b1)));
        const __m512d r1 = _mm512_mul_pd(s, _mm512_sub_pd(_mm512_mul_pd(a2, b0), _mm512_mul_pd(a0, b2)));
        const __m512d r2 = _mm512_mul_pd(s, z);
        const __mmask8 flat = _mm512_cmp_pd_mask(_mm512_abs_pd(z), _mm512_mul_pd(gi, _mm512_loadu_pd(c->norm + j)), _CMP_LE_OQ);
        _mm512_storeu_pd(c->z + j, _mm512_mask_mov_pd(z, flat, zero));
        _mm512_storeu_pd(c->alpha + j, _mm512_mul_pd(_mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(r0, u0), _mm512_mul_pd(r1, u1)),
                                                                   _mm512_mul_pd(r2, u2)), vu));
        _mm512_storeu_pd(c->beta + j, _mm512_mul_pd(_mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(r0, v0), _mm512_mul_pd(r1, v1)),
                                                                  _mm512_mul_pd(r2, v2)), vv));
        _mm512_storeu_pd(c->tol + j, _mm512_mul_pd(gp, _mm512_add_pd(_mm512_add_pd(_mm512_abs_pd(r0), _mm512_abs_pd(r1)),
                                                                     _mm512_abs_pd(r2))));
    }
    return j;
}
#endif

/* Bits k != i, j of row, from k0 on: [alpha u_k + beta v_k > tol], the vertex's sides; 1
 * when a point is within tol = RS_REGIONS_GP_TOL |r|_1 of the vertex's ray, relative to
 * |x_k| (three points nearly dependent). */
static int sides(const chart *c, double alpha, double beta, double tol, int i, int j, int k0, uint64_t *row)
{
    for (int k = k0; k < c->n; k++) {
        if (k == i || k == j) continue;
        const double e = alpha * c->u[k] + beta * c->v[k];
        if (!(e > tol) && !(e < -tol)) return 1;
        row[k / 64] |= (uint64_t)(e > tol) << (k % 64);
    }
    return 0;
}

/* The vertex's two points in word w. */
static uint64_t vertex_bits(int i, int j, int w)
{
    return (i / 64 == w ? (uint64_t)1 << (i % 64) : 0) | (j / 64 == w ? (uint64_t)1 << (j % 64) : 0);
}

#ifdef RS_CHART_SIMD
/* The same, sixteen points at a time (the same products, sums and comparisons: the same
 * bits), a word of the row in a register. */
__attribute__((target("avx512f"))) static int sides_avx512(const chart *c, double alpha, double beta, double tol,
                                                            int i, int j, uint64_t *row)
{
    const __m512d va = _mm512_set1_pd(alpha), vb = _mm512_set1_pd(beta);
    const __m512d hi = _mm512_set1_pd(tol), lo = _mm512_set1_pd(-tol);
    for (int w = 0; w < c->words; w++) {
        uint64_t pos = 0, off = 0; /* off: within tol, or past the last point */
        const int end = c->n - 64 * w < 64 ? c->n : 64 * w + 64;
        for (int k = 64 * w; k < end; k += 16) {
            const int rest = end - k;
            const __mmask8 in0 = rest >= 8 ? 0xFF : (__mmask8)((1u << rest) - 1);
            const __mmask8 in1 = rest >= 16 ? 0xFF : rest > 8 ? (__mmask8)((1u << (rest - 8)) - 1) : 0;
            const __m512d e0 = _mm512_add_pd(_mm512_mul_pd(va, _mm512_maskz_loadu_pd(in0, c->u + k)),
                                             _mm512_mul_pd(vb, _mm512_maskz_loadu_pd(in0, c->v + k)));
            const __m512d e1 = _mm512_add_pd(_mm512_mul_pd(va, _mm512_maskz_loadu_pd(in1, c->u + k + 8)),
                                             _mm512_mul_pd(vb, _mm512_maskz_loadu_pd(in1, c->v + k + 8)));
            const __mmask16 p = _mm512_kunpackb(_mm512_cmp_pd_mask(e1, hi, _CMP_GT_OQ), _mm512_cmp_pd_mask(e0, hi, _CMP_GT_OQ));
            const __mmask16 q = _mm512_kunpackb(_mm512_cmp_pd_mask(e1, lo, _CMP_LT_OQ), _mm512_cmp_pd_mask(e0, lo, _CMP_LT_OQ));
            pos |= (uint64_t)_cvtmask16_u32(p) << (k % 64);
            off |= (uint64_t)(uint16_t)~_cvtmask16_u32(_mm512_kor(p, q)) << (k % 64);
        }
        const uint64_t vertex = vertex_bits(i, j, w), valid = end - 64 * w == 64 ? ~(uint64_t)0 : ((uint64_t)1 << (end - 64 * w)) - 1;
        if (off & valid & ~vertex) return 1;
        row[w] |= pos & ~vertex; /* the vertex's two points: set by the caller */
    }
    return 0;
}

/* Four points at a time. */
__attribute__((target("avx2"))) static int sides_avx2(const chart *c, double alpha, double beta, double tol, int i,
                                                      int j, uint64_t *row)
{
    const __m256d va = _mm256_set1_pd(alpha), vb = _mm256_set1_pd(beta);
    const __m256d hi = _mm256_set1_pd(tol), lo = _mm256_set1_pd(-tol);
    int k = 0;
    for (; k + 4 <= c->n; k += 4) {
        const __m256d e = _mm256_add_pd(_mm256_mul_pd(va, _mm256_loadu_pd(c->u + k)),
                                        _mm256_mul_pd(vb, _mm256_loadu_pd(c->v + k)));
        const uint64_t p = (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(e, hi, _CMP_GT_OQ));
        const uint64_t q = (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(e, lo, _CMP_LT_OQ));
        const uint64_t vertex = vertex_bits(i, j, k / 64) >> (k % 64) & 0xF;
        if (~(p | q) & 0xF & ~vertex) return 1;
        row[k / 64] |= (p & ~vertex) << (k % 64);
    }
    return sides(c, alpha, beta, tol, i, j, k, row); /* the last points */
}
#endif

/* x_i0 x_j1 - x_i1 x_j0: the third coordinate of x_i x x_j, > 0 when kappa_i < kappa_j
 * and x_i0 x_j0 > 0.  0 when it is within RS_REGIONS_GP_TOL |x_i| |x_j| of 0 (the lines
 * nearly parallel: the chart cannot tell their order). */
static inline double cross2(const chart *c, int i, int j)
{
    const double *x = c->xt + (size_t)3 * i, *y = c->xt + (size_t)3 * j;
    const double z = x[0] * y[1] - x[1] * y[0];
    return fabs(z) <= RS_REGIONS_GP_TOL * c->norm[i] * c->norm[j] ? 0 : z;
}

/* The bits in which rows x and y differ (no popcnt instruction assumed). */
static int distance(const uint64_t *x, const uint64_t *y, int words)
{
    int m = 0;
    for (int w = 0; w < words; w++) {
        uint64_t d = x[w] ^ y[w], y2 = d - (d >> 1 & 0x5555555555555555ull);
        y2 = (y2 & 0x3333333333333333ull) + (y2 >> 2 & 0x3333333333333333ull);
        m += (int)(((y2 + (y2 >> 4)) & 0x0f0f0f0f0f0f0f0full) * 0x0101010101010101ull >> 56);
    }
    return m;
}

int rs_regions_list_chart(rs_regions *r, const double *xt, int n)
{
    memset(r, 0, sizeof *r);
    if (n < 3) return -3;
    const double cover = rs_cover_count(n, 3);
    if (cover > (double)RS_REGIONS_MAX_ROWS) return -1;
    const int words = (n + 63) / 64;
    const int64_t count = (int64_t)cover, pairs = (int64_t)n * (n - 1) / 2;
    chart c = {.n = n, .words = words, .xt = xt};
    double *buf = rs_calloc((size_t)11 * n, sizeof *buf);
    rs_keyed *order = rs_calloc((size_t)n, sizeof *order); /* the slopes kappa_k, sorted */
    uint64_t *suffix = rs_calloc((size_t)(n + 1) * words, sizeof *suffix); /* m: the m largest slopes' bits */
    uint64_t *rows = rs_calloc((size_t)count * words, sizeof *rows);
    c.neg = rs_calloc((size_t)words, sizeof *c.neg);
    int rc = -1;
    if (!buf || !order || !suffix || !rows || !c.neg) goto done;
    rc = -3;
    c.norm = buf, c.inv = buf + n, c.u = buf + 2 * n, c.v = buf + 3 * n;
    c.z = buf + 4 * n, c.alpha = buf + 5 * n, c.beta = buf + 6 * n, c.tol = buf + 7 * n;
    c.x0 = buf + 8 * n, c.x1 = buf + 9 * n, c.x2 = buf + 10 * n;
    for (int k = 0; k < n; k++) {
        const double *x = xt + (size_t)3 * k;
        c.norm[k] = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
        c.inv[k] = 1 / c.norm[k];
        c.x0[k] = x[0], c.x1[k] = x[1], c.x2[k] = x[2];
        if (!(fabs(x[0]) > RS_REGIONS_GP_TOL * c.norm[k])) goto done; /* a horizontal line (or not finite) */
        c.neg[k / 64] |= (uint64_t)(x[0] < 0) << (k % 64);
        order[k] = (rs_keyed){x[1] / x[0], k};
    }
    qsort(order, (size_t)n, sizeof *order, rs_cmp_keyed);
    for (int m = 0; m + 1 < n; m++) { /* the computed order is the lines' order, pair by adjacent pair */
        const int a = order[m].i, b = order[m + 1].i;
        const double z = cross2(&c, a, b);
        if (z == 0 || (z > 0) != (xt[3 * a] * xt[3 * b] > 0)) goto done;
    }
    /* the cells below, and the suffix rows of the cells above */
    memcpy(rows, c.neg, (size_t)words * sizeof *rows);
    for (int m = 1; m <= n; m++) {
        const int lo = order[m - 1].i, hi = order[n - m].i;
        memcpy(rows + (size_t)m * words, rows + (size_t)(m - 1) * words, (size_t)words * sizeof *rows);
        rows[(size_t)m * words + lo / 64] ^= (uint64_t)1 << (lo % 64);
        memcpy(suffix + (size_t)m * words, suffix + (size_t)(m - 1) * words, (size_t)words * sizeof *suffix);
        suffix[(size_t)m * words + hi / 64] ^= (uint64_t)1 << (hi % 64);
    }
#ifdef RS_CHART_SIMD
    const int avx512 = rs_cpu_has(RS_CPU_AVX512), avx2 = rs_cpu_has(RS_CPU_AVX2);
#endif
    const uint64_t last = n % 64 ? ((uint64_t)1 << (n % 64)) - 1 : ~(uint64_t)0;
    uint64_t *up = rows + (size_t)(n + 1) * words, *down = up + (size_t)pairs * words;
    const int bottom = order[0].i, top = order[n - 1].i; /* the smallest and the largest slope */
    int64_t crossing = 0;
    for (int i = 0; i < n; i++) {
        double u[3], v[3], uu, vv;
        frame(&c, i, u, v, &uu, &vv);
        const double iuu = 1 / uu, ivv = 1 / vv, *xi = xt + (size_t)3 * i;
        int j0 = i + 1;
#ifdef RS_CHART_SIMD
        if (avx512) j0 = vertices_avx512(&c, i, u, v, iuu, ivv);
#endif
        vertices(&c, i, j0, u, v, iuu, ivv);
        for (int j = i + 1; j < n; j++, up += words) {
            const double *xj = xt + (size_t)3 * j, z = c.z[j], alpha = c.alpha[j], beta = c.beta[j], tol = c.tol[j];
            if (z == 0) goto done;
            int degenerate;
#ifdef RS_CHART_SIMD
            if (avx512) degenerate = sides_avx512(&c, alpha, beta, tol, i, j, up);
            else if (avx2) degenerate = sides_avx2(&c, alpha, beta, tol, i, j, up);
            else
#endif
                degenerate = sides(&c, alpha, beta, tol, i, j, 0, up);
            if (degenerate) goto done;
            /* the quadrant between the upward rays u_i = sgn(x_i0) (-x_i1, x_i0, 0) and u_j:
             * <x_i, u_j> = -sgn(x_j0) z, <x_j, u_i> = sgn(x_i0) z */
            up[i / 64] |= (uint64_t)((xj[0] > 0) != (z > 0)) << (i % 64);
            up[j / 64] |= (uint64_t)((xi[0] > 0) == (z > 0)) << (j % 64);
            /* bounded unless it is an interval above between two lines: neg xor a suffix of
             * size 1..n-1, which holds the line of largest slope and not that of smallest */
            int is_suffix = (up[top / 64] ^ c.neg[top / 64]) >> (top % 64) & 1 &&
                            !((up[bottom / 64] ^ c.neg[bottom / 64]) >> (bottom % 64) & 1);
            if (is_suffix) {
                const int m = distance(up, c.neg, words);
                for (int w = 0; w < words && is_suffix; w++) is_suffix = (up[w] ^ c.neg[w]) == suffix[(size_t)m * words + w];
            }
            if (is_suffix) {
                crossing++;
                continue;
            }
            if (down == rows + (size_t)count * words) goto done; /* more bounded cells than there can be */
            for (int w = 0; w < words; w++) down[w] = ~up[w];
            down[words - 1] &= last;
            down += words;
        }
    }
    if (crossing != n - 1 || down != rows + (size_t)count * words) goto done;
    r->n = n, r->p = 3, r->words = words, r->count = count, r->rows = rows;
    r->nslot = -1; /* no lookup table */
    rows = NULL;
    rc = 0;
done:
    free(buf);
    free(order);
    free(suffix);
    free(rows);
    free(c.neg);
    return rc;
}
