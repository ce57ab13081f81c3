/* regions.c - enumeration of the realizable rows of a dataset (regions.h). */
#include <gmp.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define RS_WALK_AVX2 1
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/regions.h"
#include "util.h"

#define GP_TOL RS_REGIONS_GP_TOL

double rs_cover_count(int n, int p)
{
    double sum = 0, b = 1; /* binom(n-1, k) */
    for (int k = 0; k < p && k <= n - 1; k++) {
        sum += b;
        b = b * (double)(n - 1 - k) / (double)(k + 1);
    }
    return 2 * sum;
}

double rs_regions_candidates(int n, int p)
{
    double b = 1; /* binom(n, p - 1) */
    for (int k = 0; k < p - 1; k++) b = b * (double)(n - k) / (double)(k + 1);
    return b * ldexp(1.0, p);
}

static double dot(const double *x, const double *y, int p)
{
    double s = 0;
    for (int c = 0; c < p; c++) s += x[c] * y[c];
    return s;
}

/* The rows found so far, in the order first found.  Rows of n <= RS_REGIONS_BITMAP_N
 * bits are told apart by a bitmap over all 2^n values (one bit test a candidate); longer
 * rows by a hash table of row indices + 1 (0 = empty), linear probing. */
typedef struct set {
    uint64_t *rows;
    int64_t count, cap;   /* rows stored, rows allocated */
    uint64_t *seen;       /* bitmap (n <= RS_REGIONS_BITMAP_N), or NULL */
    int64_t *slot;        /* hash table, or NULL */
    int64_t nslot;
    int words;
} set;

static uint64_t hash_row(const uint64_t *x, int words)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int w = 0; w < words; w++) h = (h ^ x[w]) * 0xff51afd7ed558ccdull, h ^= h >> 32;
    return h;
}

static int same_row(const uint64_t *x, const uint64_t *y, int words)
{
    for (int w = 0; w < words; w++)
        if (x[w] != y[w]) return 0;
    return 1;
}

/* Append row x to s->rows: 0, or -1 out of memory or over the row limit. */
static int append(set *s, const uint64_t *x)
{
    if (s->count == RS_REGIONS_MAX_ROWS) return -1;
    if (s->count == s->cap) {
        int64_t cap = s->cap ? 2 * s->cap : 1024;
        uint64_t *nr = realloc(s->rows, (size_t)cap * (size_t)s->words * sizeof *nr);
        if (!nr) return -1;
        s->rows = nr;
        s->cap = cap;
    }
    memcpy(s->rows + s->count * s->words, x, (size_t)s->words * sizeof *x);
    s->count++;
    return 0;
}

/* The slot of row x in the hash table: the one holding it, or the empty one where it
 * would go (linear probing). */
static int64_t slot_of(const uint64_t *rows, const int64_t *slot, int64_t nslot, int words, const uint64_t *x)
{
    int64_t at = (int64_t)(hash_row(x, words) & (uint64_t)(nslot - 1));
    while (slot[at] && !same_row(x, rows + (slot[at] - 1) * words, words)) at = (at + 1) & (nslot - 1);
    return at;
}

/* Insert row x unless present.  0, or -1 out of memory or over the row limit. */
static int insert(set *s, const uint64_t *x)
{
    if (s->seen) {
        const uint64_t bit = (uint64_t)1 << (x[0] % 64);
        if (s->seen[x[0] / 64] & bit) return 0;
        s->seen[x[0] / 64] |= bit;
        return append(s, x);
    }
    const int64_t at = slot_of(s->rows, s->slot, s->nslot, s->words, x);
    if (s->slot[at]) return 0;
    if (append(s, x)) return -1;
    s->slot[at] = s->count;
    return 0;
}

/* The lookup of s for rows of n bits, about `rows` of them: a bitmap of all 2^n rows for
 * n <= RS_REGIONS_BITMAP_N, else a hash table of twice as many slots (NULL out of memory). */
static void set_lookup_alloc(set *s, int n, double rows)
{
    if (n <= RS_REGIONS_BITMAP_N) {
        s->seen = rs_calloc(((size_t)1 << n) / 64 + 1, sizeof *s->seen);
        return;
    }
    for (s->nslot = 1024; s->nslot < 2 * (int64_t)rows; s->nslot *= 2) continue;
    s->slot = rs_calloc((size_t)s->nslot, sizeof *s->slot);
}

/* Give r, listed without a lookup (rs_regions_list_chart: distinct rows), the lookup
 * rs_regions_build makes.  0, -1 out of memory. */
static int regions_index(rs_regions *r)
{
    set s = {.words = r->words};
    set_lookup_alloc(&s, r->n, (double)r->count);
    if (!s.seen && !s.slot) return -1;
    for (int64_t q = 0; q < r->count; q++) {
        const uint64_t *x = r->rows + q * r->words;
        if (s.seen) s.seen[x[0] / 64] |= (uint64_t)1 << (x[0] % 64);
        else s.slot[slot_of(r->rows, s.slot, s.nslot, r->words, x)] = q + 1;
    }
    r->seen = s.seen, r->slot = s.slot, r->nslot = s.nslot;
    return 0;
}

int rs_regions_contains(const rs_regions *r, const uint64_t *row)
{
    if (r->nslot < 0) return -1; /* listed without a lookup */
    if (r->seen) return (int)(r->seen[row[0] / 64] >> (row[0] % 64) & 1);
    if (!r->slot) return 1; /* every pattern */
    return r->slot[slot_of(r->rows, r->slot, r->nslot, r->words, row)] != 0;
}

void rs_regions_free(rs_regions *r)
{
    free(r->rows);
    free(r->slot);
    free(r->seen);
    memset(r, 0, sizeof *r);
}

/* Are the n <= p points independent: is every point farther than 1e-9 of its norm from
 * the span of the points before it (modified Gram-Schmidt, twice)?  1 yes, 0 no, -1 out of memory. */
static int independent(const double *xt, int p, int n)
{
    double *q = rs_calloc((size_t)n * p, sizeof *q);
    if (!q) return -1;
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
        double *u = q + (size_t)i * p;
        memcpy(u, xt + (size_t)i * p, (size_t)p * sizeof *u);
        const double norm = sqrt(dot(u, u, p));
        for (int pass = 0; pass < 2; pass++) /* twice: enough for orthogonality to rounding */
            for (int j = 0; j < i; j++) {
                const double *e = q + (size_t)j * p, t = dot(u, e, p);
                for (int c = 0; c < p; c++) u[c] -= t * e[c];
            }
        const double rest = sqrt(dot(u, u, p));
        ok = rest > GP_TOL * norm;
        for (int c = 0; c < p && ok; c++) u[c] /= rest;
    }
    free(q);
    return ok;
}

/* One Householder step on the p x m column-major a at column s: v = a_s - alpha e_s (alpha
 * = -sign(a_ss) |a_s from row s down|, no cancellation) stored in a_s from row s down,
 * tau = 2 / |v|^2, and H = I - tau v v^T applied to the columns right of s.  Returns alpha
 * (R's diagonal entry); when |alpha| <= tol (or alpha is NaN) returns it with a untouched. */
static double householder(double *a, int p, int m, int s, double tol, double *tau)
{
    double *v = a + (size_t)s * p, nn = 0, vv = 0;
    for (int c = s; c < p; c++) nn += v[c] * v[c];
    const double alpha = v[s] > 0 ? -sqrt(nn) : sqrt(nn);
    if (!(fabs(alpha) > tol)) return alpha;
    v[s] -= alpha;
    for (int c = s; c < p; c++) vv += v[c] * v[c];
    *tau = 2 / vv;
    for (int j = s + 1; j < m; j++) {
        double *x = a + (size_t)j * p, t = 0;
        for (int c = s; c < p; c++) t += v[c] * x[c];
        t *= *tau;
        for (int c = s; c < p; c++) x[c] -= t * v[c];
    }
    return alpha;
}

/* z = H_0 H_1 .. H_(m-1) z = Q z for the reflectors householder() left in the p x m a. */
static void apply_reflectors(const double *a, const double *tau, int p, int m, double *z)
{
    for (int s = m - 1; s >= 0; s--) {
        const double *v = a + (size_t)s * p;
        double t = 0;
        for (int c = s; c < p; c++) t += v[c] * z[c];
        t *= tau[s];
        for (int c = s; c < p; c++) z[c] -= t * v[c];
    }
}

/* The rays of the listing, a pencil at a time.  The ray of the k = p - 1 points S is their
 * generalised cross product r, r_c = (-1)^c det(M without column c) (M: their rows).  All
 * S with the same first m = p - 2 points (the prefix) have their rays in the prefix's
 * 2-dimensional null space: with X_P = Q [R; 0] a Householder QR of the prefix's points
 * and u, v Q's last two columns, r = det(R) ((v.x_j) u - (u.x_j) v) for S's last point
 * x_j (r is multilinear and alternating; Q's m reflections give det Q = (-1)^m, which
 * cancels the (-1)^p of the cross product's last two coordinates).  So
 * <x_i, r> = det(R) (V_j U_i - U_j V_i), U_i = <u, x_i>, V_i = <v, x_i>: three operations
 * a point where the ray took p, and the prefix's QR and U, V once for all its last
 * points.  |r| = |det R| (U_j^2 + V_j^2)^(1/2). */
typedef struct pencil {
    int p, m, n;
    double *a, *tau; /* p x m: the reflectors, column s from row s down */
    double *U, *V;   /* [n] */
    double lam;      /* det R: its sign orients the rays; 0 (or NaN) when the prefix is dependent */
} pencil;

static int pencil_alloc(pencil *pc, int p, int n)
{
    pc->p = p, pc->m = p - 2, pc->n = n;
    pc->a = rs_calloc((size_t)p * p, sizeof *pc->a);
    pc->tau = rs_calloc((size_t)p, sizeof *pc->tau);
    pc->U = rs_calloc((size_t)n, sizeof *pc->U);
    pc->V = rs_calloc((size_t)n, sizeof *pc->V);
    return pc->a && pc->tau && pc->U && pc->V ? 0 : -1;
}

static void pencil_free(pencil *pc)
{
    free(pc->a), free(pc->tau), free(pc->U), free(pc->V);
}

/* The pencil of the prefix S[0..m-1] (p >= 2). */
static void pencil_prefix(pencil *pc, const double *xt, const int *S)
{
    const int p = pc->p, m = pc->m;
    double *a = pc->a, lam = 1, u[64], v[64];
    for (int s = 0; s < m; s++) memcpy(a + (size_t)s * p, xt + (size_t)S[s] * p, (size_t)p * sizeof *a);
    for (int s = 0; s < m; s++) {
        const double alpha = householder(a, p, m, s, 0, &pc->tau[s]);
        lam *= alpha;
        if (!(fabs(alpha) > 0)) break; /* dependent (or not finite): lam says so */
    }
    pc->lam = lam;
    if (!(fabs(lam) > 0)) return;
    for (int c = 0; c < p; c++) u[c] = c == p - 2, v[c] = c == p - 1;
    apply_reflectors(a, pc->tau, p, m, u); /* u, v = Q e_(p-2), Q e_(p-1) */
    apply_reflectors(a, pc->tau, p, m, v);
    for (int i = 0; i < pc->n; i++) pc->U[i] = dot(u, xt + (size_t)i * p, p), pc->V[i] = dot(v, xt + (size_t)i * p, p);
}

/* The sides of the points off S (insk: S's bits) of the ray of the prefix and x_j: bit i
 * of pos (neg) when <x~_i, r> > 0 (< 0).  1 when a point lies (nearly) on the ray's line,
 * within GP_TOL |r| |x~_i|: the data are not in general position there.  From point i0
 * on (pos, neg cleared by the caller). */
static int pencil_sides(const pencil *pc, int j, const double *norm, const uint64_t *insk, int i0, uint64_t *pos,
                        uint64_t *neg)
{
    const double Uj = pc->U[j], Vj = pc->V[j], tol = GP_TOL * sqrt(Uj * Uj + Vj * Vj);
    uint64_t *up = pc->lam > 0 ? pos : neg, *down = pc->lam > 0 ? neg : pos;
    for (int i = i0; i < pc->n; i++) {
        if (insk[i / 64] >> (i % 64) & 1) continue; /* on the ray's hyperplanes: chosen by the caller */
        const double e = Vj * pc->U[i] - Uj * pc->V[i];
        if (fabs(e) <= tol * norm[i]) return 1;
        up[i / 64] |= (uint64_t)(e > 0) << (i % 64);
        down[i / 64] |= (uint64_t)(e < 0) << (i % 64);
    }
    return 0;
}

#ifdef RS_WALK_AVX2
/* The same four points at a time (multiplies and a subtraction, no fused multiply-add:
 * the same bits). */
__attribute__((target("avx2"))) static int pencil_sides_avx2(const pencil *pc, int j, const double *norm,
                                                             const uint64_t *insk, uint64_t *pos, uint64_t *neg)
{
    const double Uj = pc->U[j], Vj = pc->V[j];
    const __m256d vtol = _mm256_set1_pd(GP_TOL * sqrt(Uj * Uj + Vj * Vj)), zero = _mm256_setzero_pd();
    const __m256d absmask = _mm256_castsi256_pd(_mm256_set1_epi64x(INT64_MAX));
    const __m256d vu = _mm256_set1_pd(Uj), vv = _mm256_set1_pd(Vj);
    uint64_t *up = pc->lam > 0 ? pos : neg, *down = pc->lam > 0 ? neg : pos;
    int i = 0;
    for (; i + 4 <= pc->n; i += 4) {
        const __m256d e = _mm256_sub_pd(_mm256_mul_pd(vv, _mm256_loadu_pd(pc->U + i)),
                                        _mm256_mul_pd(vu, _mm256_loadu_pd(pc->V + i)));
        const uint64_t off = ~(insk[i / 64] >> (i % 64)) & 0xF;
        const __m256d lim = _mm256_mul_pd(vtol, _mm256_loadu_pd(norm + i));
        if ((uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(_mm256_and_pd(e, absmask), lim, _CMP_LE_OQ)) & off) return 1;
        up[i / 64] |= ((uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(e, zero, _CMP_GT_OQ)) & off) << (i % 64);
        down[i / 64] |= ((uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(e, zero, _CMP_LT_OQ)) & off) << (i % 64);
    }
    return pencil_sides(pc, j, norm, insk, i, pos, neg);
}
#endif

int rs_regions_build(rs_regions *r, const double *xt, int p, int n)
{
    memset(r, 0, sizeof *r);
    double cover = rs_cover_count(n, p);
    if (n < 1 || p < 1 || cover > (double)RS_REGIONS_MAX_ROWS || rs_regions_candidates(n, p) > RS_REGIONS_MAX_CANDIDATES)
        return -1;
    const int words = (n + 63) / 64, k = p - 1;
    if (n <= k) { /* at most p - 1 points: every pattern, if they are independent */
        if (n > 22) return -1;
        int indep = independent(xt, p, n);
        if (indep < 0) return -1;
        r->n = n, r->p = p, r->words = words;
        if (!indep) return -2; /* dependent points */
        r->count = (int64_t)1 << n;
        if (!(r->rows = rs_calloc((size_t)r->count, sizeof *r->rows))) return -1;
        for (int64_t q = 0; q < r->count; q++) r->rows[q] = (uint64_t)q;
        return 0;
    }
    set s = {.words = words};
    set_lookup_alloc(&s, n, cover);
    int *S = rs_calloc((size_t)(k + 1), sizeof *S);
    pencil pc = {0};
    double *norm = rs_calloc((size_t)n, sizeof *norm);
    uint64_t *side = rs_calloc((size_t)3 * words, sizeof *side), *row = rs_calloc((size_t)words, sizeof *row);
    uint64_t *insk = side + 2 * words;
#ifdef RS_WALK_AVX2
    const int avx2 = rs_cpu_has(RS_CPU_AVX2);
#endif
    int rc = -1;
    if ((!s.seen && !s.slot) || !S || (p >= 2 && pencil_alloc(&pc, p, n)) || !norm || !side || !row) goto done;
    for (int i = 0; i < n; i++) norm[i] = sqrt(dot(xt + (size_t)i * p, xt + (size_t)i * p, p));
    for (int i = 0; i < k; i++) S[i] = i;
    for (int from = 0, first = 1;; first = 0) { /* every (p-1)-subset S in lexicographic order (one empty subset when p = 1) */
        memset(side, 0, (size_t)3 * words * sizeof *side);
        for (int q = 0; q < k; q++) insk[S[q] / 64] |= (uint64_t)1 << (S[q] % 64);
        int degenerate = 0;
        if (p == 1) /* the ray +1: the points' signs */
            for (int i = 0; i < n && !degenerate; i++) {
                degenerate = xt[i] == 0;
                side[i / 64] |= (uint64_t)(xt[i] > 0) << (i % 64);
                side[words + i / 64] |= (uint64_t)(xt[i] < 0) << (i % 64);
            }
        else {
            if (first || from < k - 1) pencil_prefix(&pc, xt, S); /* a new prefix */
            degenerate = !(fabs(pc.lam) > 0);
#ifdef RS_WALK_AVX2
            if (!degenerate && avx2) degenerate = pencil_sides_avx2(&pc, S[k - 1], norm, insk, side, side + words);
            else
#endif
                degenerate = degenerate || pencil_sides(&pc, S[k - 1], norm, insk, 0, side, side + words);
        }
        /* the cells around the ray +r, then -r: S's points on either side, 2^k ways */
        if (!degenerate)
            for (int sign = 0; sign < 2; sign++) {
                if (words == 1) { /* the subsets x of S's bits in increasing order: x - mask & mask */
                    uint64_t mask = 0, x = 0;
                    for (int q = 0; q < k; q++) mask |= (uint64_t)1 << S[q];
                    do {
                        row[0] = side[sign] | x;
                        if (insert(&s, row)) goto done;
                    } while ((x = (x - mask) & mask));
                    continue;
                }
                for (uint32_t choice = 0; choice < (1u << k); choice++) { /* bit q: S[q] active */
                    memcpy(row, side + sign * words, (size_t)words * sizeof *row);
                    for (int q = 0; q < k; q++)
                        if (choice >> q & 1) row[S[q] / 64] |= (uint64_t)1 << (S[q] % 64);
                    if (insert(&s, row)) goto done;
                }
            }
        int q = k - 1; /* next subset */
        while (q >= 0 && S[q] == n - k + q) q--;
        if (q < 0) break;
        S[q]++;
        for (int j = q + 1; j < k; j++) S[j] = S[j - 1] + 1;
        from = q;
    }
    r->n = n, r->p = p, r->words = words, r->count = s.count, r->rows = s.rows;
    r->seen = s.seen, r->slot = s.slot, r->nslot = s.nslot;
    s.rows = NULL, s.seen = NULL, s.slot = NULL;
    rc = (double)r->count == cover ? 0 : -2;
done:
    free(s.rows);
    free(s.seen);
    free(s.slot);
    free(S);
    pencil_free(&pc);
    free(norm);
    free(side);
    free(row);
    return rc;
}

int rs_regions_list(rs_regions *r, const double *xt, int p, int n)
{
    if (p == 3 && n >= 3) {
        int rc = rs_regions_list_chart(r, xt, n);
        if (rc != -3) return rc;
    }
    return rs_regions_build(r, xt, p, n);
}

/* ---------------------------------------------------------------- uniform draws (regions.h) */

void rs_region_walk_free(rs_region_walk *w)
{
    free(w->norm);
    free(w->xc);
    free(w->a);
    free(w->sgn);
    free(w->c);
    free(w->perm);
    free(w->mark);
    free(w->r);
    free(w->d);
    free(w->mat);
    free(w->tau);
    free(w->rdiag);
    free(w->verts);
    free(w->vslot);
    memset(w, 0, sizeof *w);
}

double rs_region_draw_cost(int n, int p)
{
    if (n <= p) return n;
    double mean_rays = rs_regions_candidates(n, p) / rs_cover_count(n, p), pp = p;
    return mean_rays * (1 + log(mean_rays / pp)) * pp * (n * pp + pp * pp);
}

int rs_region_enumerate_cheaper(int n, int p, double rows)
{
    if (n <= p) return 0; /* the draw is n fair bits */
    if (rs_cover_count(n, p) > (double)RS_REGIONS_MAX_ROWS) return 0; /* too many rows to list */
    if (p == 3) /* the chart's listing against the walk, both in nanoseconds */
        return rows * (RS_REGIONS_WALK3_ROW + RS_REGIONS_WALK3_POINT * n) >
               0.5 * n * (n - 1) * (RS_REGIONS_CHART_PAIR + RS_REGIONS_CHART_POINT * n);
    double candidates = rs_regions_candidates(n, p);
    if (candidates > RS_REGIONS_MAX_CANDIDATES) return 0;
    /* below 17 points a walk's fixed costs (subset, frame, vertex table) weigh more */
    const double weight = RS_REGIONS_ENUMERATE_WEIGHT * (n < 17 ? n / 17.0 : 1.0);
    return weight * candidates * n * p < rows * rs_region_draw_cost(n, p);
}

int rs_region_walk_prepare(rs_region_walk *w, const double *xt, int p, int n)
{
    if (p < 1 || n < 1 || (p > 63 && n > p)) return -1;
    uint64_t key = rs_regions_data_key(xt, p, n);
    if (w->norm && w->key == key && w->n == n && w->p == p) return n <= p && !w->independent ? -2 : 0;
    if (w->n != n || w->p != p) {
        rs_region_walk_free(w);
        w->n = n, w->p = p, w->k = p - 1;
        w->norm = rs_calloc((size_t)n, sizeof *w->norm);
        w->xc = rs_calloc((size_t)n * p, sizeof *w->xc);
        w->a = rs_calloc((size_t)n, sizeof *w->a);
        w->sgn = rs_calloc((size_t)n, sizeof *w->sgn);
        w->c = rs_calloc((size_t)n, sizeof *w->c);
        w->perm = rs_calloc((size_t)n, sizeof *w->perm);
        w->mark = rs_calloc((size_t)n, sizeof *w->mark);
        w->r = rs_calloc((size_t)p, sizeof *w->r);
        w->d = rs_calloc((size_t)p, sizeof *w->d);
        w->mat = rs_calloc((size_t)p * p, sizeof *w->mat);
        w->tau = rs_calloc((size_t)p, sizeof *w->tau);
        w->rdiag = rs_calloc((size_t)p, sizeof *w->rdiag);
        if (!w->norm || !w->xc || !w->a || !w->c || !w->sgn || !w->perm || !w->mark || !w->r || !w->d || !w->mat || !w->tau || !w->rdiag) {
            rs_region_walk_free(w);
            return -1;
        }
        for (int i = 0; i < n; i++) w->perm[i] = i;
    }
    for (int i = 0; i < n; i++) {
        w->norm[i] = sqrt(dot(xt + (size_t)i * p, xt + (size_t)i * p, p));
        for (int c = 0; c < p; c++) w->xc[(size_t)c * n + i] = xt[(size_t)i * p + c];
    }
    w->key = key;
    w->avx2 = rs_cpu_has(RS_CPU_AVX2);
    w->independent = n <= p ? independent(xt, p, n) : 1;
    if (w->independent < 0) {
        rs_region_walk_free(w);
        return -1;
    }
    return w->independent ? 0 : -2;
}

static uint64_t hash_ints(const int *t, int k)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int q = 0; q < k; q++) h = (h ^ (uint64_t)(uint32_t)t[q]) * 0xff51afd7ed558ccdull, h ^= h >> 29;
    return h;
}

/* Add vertex t (k sorted points; entered, left: how the walk came) unless visited: 1 added,
 * 0 visited, -1 out of memory. */
static int add_vertex(rs_region_walk *w, const int *t, int entered, int left)
{
    const int k = w->k, rec = k + 2;
    if (2 * (w->nverts + 1) > w->nvslot) { /* grow and rehash */
        int64_t ns = w->nvslot ? 2 * w->nvslot : 64;
        int64_t *slot = rs_calloc((size_t)ns, sizeof *slot);
        if (!slot) return -1;
        for (int64_t v = 0; v < w->nverts; v++) {
            int64_t at = (int64_t)(hash_ints(w->verts + v * rec, k) & (uint64_t)(ns - 1));
            while (slot[at]) at = (at + 1) & (ns - 1);
            slot[at] = v + 1;
        }
        free(w->vslot);
        w->vslot = slot, w->nvslot = ns;
    }
    int64_t at = (int64_t)(hash_ints(t, k) & (uint64_t)(w->nvslot - 1));
    for (; w->vslot[at]; at = (at + 1) & (w->nvslot - 1))
        if (!memcmp(w->verts + (w->vslot[at] - 1) * rec, t, (size_t)k * sizeof *t)) return 0;
    if (w->nverts == w->vcap) {
        int64_t cap = w->vcap ? 2 * w->vcap : 64;
        int *nv = realloc(w->verts, (size_t)cap * (size_t)rec * sizeof *nv);
        if (!nv) return -1;
        w->verts = nv, w->vcap = cap;
    }
    int *v = w->verts + w->nverts * rec;
    memcpy(v, t, (size_t)k * sizeof *t);
    v[k] = entered, v[k + 1] = left;
    w->vslot[at] = ++w->nverts;
    return 1;
}

/* <x~_i, v> over the coordinate-major copy, summed in the order of dot(): every pass over
 * the points (and their SSE2 and AVX2 forms) gives these bits. */
static inline double point_dot(const rs_region_walk *w, const double *v, int i)
{
    double s = 0;
    for (int c = 0; c < w->p; c++) s += w->xc[(size_t)c * w->n + i] * v[c];
    return s;
}

/* The two passes over the points a walk makes at every vertex, each fused with its dot
 * products.
 *
 * inside_pass, from point i0 on: a_i = sgn_i <x~_i, r>, c_i = sgn_i / a_i; 1 if a point off
 * the vertex (mark != stamp) is not strictly inside (a_i <= tol |x~_i|). */
static int inside_pass(rs_region_walk *w, int i0, double tol)
{
    int bad = 0;
    for (int i = i0; i < w->n; i++) {
        const double a = point_dot(w, w->r, i) * w->sgn[i];
        w->a[i] = a;
        w->c[i] = w->sgn[i] / a;
        bad |= !(a > tol * w->norm[i]) & (w->mark[i] != w->stamp);
    }
    return bad;
}

/* first_tight, from point i0 on, continuing a search at (best, at): the first point with
 * the least o <x~_i, d> c_i (NaN, a point of the vertex, never). */
static int first_tight(const rs_region_walk *w, const double *d, double o, int i0, double *best, int at)
{
    for (int i = i0; i < w->n; i++) {
        const double v = o * point_dot(w, d, i) * w->c[i];
        if (v < *best) *best = v, at = i;
    }
    return at;
}

#ifdef RS_WALK_AVX2
/* <x~_i, v> for the points i .. i+3, summed as point_dot sums them. */
__attribute__((target("avx2"), always_inline)) static inline __m256d dot4_avx2(const rs_region_walk *w,
                                                                             const double *v, int i)
{
    __m256d s = _mm256_setzero_pd();
    for (int c = 0; c < w->p; c++)
        s = _mm256_add_pd(s, _mm256_mul_pd(_mm256_loadu_pd(w->xc + (size_t)c * w->n + i), _mm256_set1_pd(v[c])));
    return s;
}

/* The same passes four points at a time (multiplies and adds, no fused multiply-add). */
__attribute__((target("avx2"))) static int inside_avx2(rs_region_walk *w, double tol)
{
    const int n = w->n;
    const __m256d vtol = _mm256_set1_pd(tol);
    int i = 0, bad = 0;
    for (; i + 4 <= n; i += 4) {
        const __m256d s = dot4_avx2(w, w->r, i);
        const __m256d sg = _mm256_loadu_pd(w->sgn + i), a = _mm256_mul_pd(s, sg);
        _mm256_storeu_pd(w->a + i, a);
        _mm256_storeu_pd(w->c + i, _mm256_div_pd(sg, a));
        const __m256d lim = _mm256_mul_pd(vtol, _mm256_loadu_pd(w->norm + i));
        for (int out = _mm256_movemask_pd(_mm256_cmp_pd(a, lim, _CMP_GT_OQ)) ^ 0xF; out; out &= out - 1)
            bad |= w->mark[i + __builtin_ctz((unsigned)out)] != w->stamp;
    }
    return bad | inside_pass(w, i, tol);
}

__attribute__((target("avx2"))) static int first_tight_avx2(const rs_region_walk *w, const double *d, double o)
{
    const int n = w->n;
    const __m256d vo = _mm256_set1_pd(o), four = _mm256_set1_pd(4);
    __m256d best = _mm256_set1_pd(HUGE_VAL), at = _mm256_set1_pd(-2), idx = _mm256_setr_pd(0, 1, 2, 3);
    int i = 0;
    for (; i + 4 <= n; i += 4, idx = _mm256_add_pd(idx, four)) {
        const __m256d s = dot4_avx2(w, d, i);
        const __m256d v = _mm256_mul_pd(_mm256_mul_pd(vo, s), _mm256_loadu_pd(w->c + i));
        const __m256d less = _mm256_cmp_pd(v, best, _CMP_LT_OQ); /* per lane: its first least */
        best = _mm256_blendv_pd(best, v, less);
        at = _mm256_blendv_pd(at, idx, less);
    }
    double bl[4], al[4], b = HUGE_VAL;
    int a = -2;
    _mm256_storeu_pd(bl, best);
    _mm256_storeu_pd(al, at);
    for (int l = 0; l < 4; l++) /* the least over the lanes, ties to the first point */
        if (bl[l] < b || (bl[l] == b && al[l] >= 0 && (a < 0 || (int)al[l] < a))) b = bl[l], a = (int)al[l];
    return first_tight(w, d, o, i, &b, a);
}

/* signs_of four points at a time: the row's four bits against 1, 2, 4, 8.  Returns the
 * points done. */
__attribute__((target("avx2"))) static int signs_avx2(rs_region_walk *w, const uint64_t *row)
{
    const __m256i lanes = _mm256_setr_epi64x(1, 2, 4, 8);
    const __m256d plus = _mm256_set1_pd(1.0), minus = _mm256_set1_pd(-1.0);
    int i = 0;
    for (; i + 4 <= w->n; i += 4) {
        const __m256i b = _mm256_set1_epi64x((long long)(row[i / 64] >> (i % 64) & 0xF));
        const __m256i on = _mm256_cmpeq_epi64(_mm256_and_si256(b, lanes), lanes);
        _mm256_storeu_pd(w->sgn + i, _mm256_blendv_pd(minus, plus, _mm256_castsi256_pd(on)));
    }
    return i;
}

/* row_of_ray four points at a time, the dot products summed as point_dot sums them.
 * Returns the points done. */
__attribute__((target("avx2"))) static int row_avx2(const rs_region_walk *w, int sign, uint64_t *row)
{
    const int n = w->n;
    const __m256d zero = _mm256_setzero_pd(), vs = _mm256_set1_pd(sign);
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m256d s = dot4_avx2(w, w->r, i);
        const uint64_t m = (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(_mm256_mul_pd(vs, s), zero, _CMP_GT_OQ));
        row[i / 64] |= m << (i % 64);
    }
    return i;
}
#endif

/* sgn_i = +1 where bit i of row is set, else -1. */
static void signs_of(rs_region_walk *w, const uint64_t *row)
{
    int i = 0;
#ifdef RS_WALK_AVX2
    if (w->avx2) i = signs_avx2(w, row);
#endif
    for (; i < w->n; i++) w->sgn[i] = row[i / 64] >> (i % 64) & 1 ? 1.0 : -1.0;
}

/* The draw's row: bit i set where sign <x~_i, r> > 0, for every point (the caller sets the
 * vertex's own points afterwards). */
static void row_of_ray(const rs_region_walk *w, int sign, uint64_t *row)
{
    int i = 0;
#ifdef RS_WALK_AVX2
    if (w->avx2) i = row_avx2(w, sign, row);
#endif
    for (; i < w->n; i++)
        if (sign * point_dot(w, w->r, i) > 0) row[i / 64] |= (uint64_t)1 << (i % 64);
}

static void apply_q(const rs_region_walk *w, double *z);

/* The frame of vertex T: a Householder QR of the p x k matrix X_T = [x~_T[0] .. x~_T[k-1]]
 * = Q [R; 0] in w->mat (column-major p x k: the reflectors from the diagonal down, R above
 * it; its diagonal in w->rdiag), and the ray, Q's last column (unit length: the points'
 * null space), in w->r.  One factorisation serves the ray and every edge of the vertex.
 * -2 when the points are dependent (a diagonal of R below GP_TOL of its point's norm). */
static int frame(rs_region_walk *w, const double *xt, const int *T)
{
    const int p = w->p, k = w->k;
    double *a = w->mat;
    for (int s = 0; s < k; s++) memcpy(a + (size_t)s * p, xt + (size_t)T[s] * p, (size_t)p * sizeof *a);
    for (int s = 0; s < k; s++) {
        const double tol = GP_TOL * w->norm[T[s]];
        if (!(fabs(w->rdiag[s] = householder(a, p, k, s, tol, &w->tau[s])) > tol)) return -2;
    }
    for (int c = 0; c < p; c++) w->r[c] = c == p - 1;
    apply_q(w, w->r);
    return 0;
}

/* z = Q z = H_0 H_1 .. H_(k-1) z. */
static void apply_q(const rs_region_walk *w, double *z)
{
    apply_reflectors(w->mat, w->tau, w->p, w->k, z);
}

/* Visit vertex v of the cell w->sgn: its frame, the ray w->r oriented so that sgn_left
 * <x_left, r> > 0 (the start: sign times Q's last column), and w->a[i] = sgn_i <x_i, r> off T.  Every
 * point off T must lie strictly inside: -2 if not (degenerate data, or a walk misled by a
 * near tie). */
static int visit(rs_region_walk *w, const double *xt, const int *T, int left, int sign)
{
    const int p = w->p, k = w->k;
    if (frame(w, xt, T)) return -2;
    if (left >= 0) sign = w->sgn[left] * dot(xt + (size_t)left * p, w->r, p) > 0 ? 1 : -1;
    double nr = 0;
    for (int c = 0; c < p; c++) w->r[c] *= sign, nr += w->r[c] * w->r[c];
    if (!(nr > 0)) return -2;
    const double tol = GP_TOL * sqrt(nr);
    w->stamp++;
    for (int q = 0; q < k; q++) w->mark[T[q]] = w->stamp;
#ifdef RS_WALK_AVX2
    int bad = w->avx2 ? inside_avx2(w, tol) : inside_pass(w, 0, tol);
#else
    int bad = inside_pass(w, 0, tol);
#endif
    for (int q = 0; q < k; q++) w->c[T[q]] = NAN; /* never the first to become tight */
    return bad ? -2 : 0;
}

/* From the visited vertex T with ray w->r, along the edge that leaves T[q]: the point off T
 * that becomes tight first, or -2.  The edge's 2-face is spanned by r and d, d orthogonal
 * to the points T \ {t} with <x_t, d> = 1 (d = Q [R^-T e_q; 0] from the vertex's frame),
 * turned into the cell (o = sgn_t); on r cos th + o d sin th, point i is tight where
 * cot th = -o sgn_i b_i / a_i (b_i = <x_i, d>), and the first one, the smallest th, has
 * the largest of these: the least o b_i c_i. */
static int edge_end(rs_region_walk *w, const double *xt, const int *T, int q)
{
    const int p = w->p, k = w->k, t = T[q];
    double *d = w->d;
    for (int s = 0; s < k; s++) { /* R^T y = e_q, forward */
        double y = s == q;
        for (int j = 0; j < s; j++) y -= w->mat[(size_t)s * p + j] * d[j];
        d[s] = y / w->rdiag[s];
    }
    for (int c = k; c < p; c++) d[c] = 0;
    apply_q(w, d);
    if (!(dot(xt + (size_t)t * p, d, p) > 0.5)) return -2; /* 1 but for rounding: else ill-conditioned */
#ifdef RS_WALK_AVX2
    if (w->avx2) return first_tight_avx2(w, d, w->sgn[t]);
#endif
    double best = HUGE_VAL; /* the least o b_i sgn_i / a_i */
    return first_tight(w, d, w->sgn[t], 0, &best, -2);
}

/* Insert j into the c sorted ints of t. */
static void insert_sorted(int *t, int c, int j)
{
    while (c > 0 && t[c - 1] > j) t[c] = t[c - 1], c--;
    t[c] = j;
}

int64_t rs_region_cell_rays(rs_region_walk *w, const double *xt, const int *S, int sign, const uint64_t *row,
                            int64_t limit)
{
    const int k = w->k, rec = k + 2;
    int t[63];
    signs_of(w, row);
    w->nverts = 0;
    if (w->vslot) memset(w->vslot, 0, (size_t)w->nvslot * sizeof *w->vslot);
    int64_t rc = add_vertex(w, S, -1, -1);
    for (int64_t v = 0; rc >= 0 && v < w->nverts && w->nverts < limit; v++) { /* breadth first */
        const int *T = w->verts + v * rec;
        const int entered = T[k], left = T[k + 1];
        if ((rc = visit(w, xt, T, left, sign)) < 0) break;
        for (int q = 0; q < k && rc >= 0 && w->nverts < limit; q++) {
            if (T[q] == entered) continue; /* back where the walk came from */
            int j = edge_end(w, xt, T, q);
            if (j < 0) {
                rc = j;
                break;
            }
            int c = 0; /* T \ {T[q]} + {j}, sorted */
            for (int s = 0; s < k; s++)
                if (s != q) t[c++] = T[s];
            insert_sorted(t, c, j);
            rc = add_vertex(w, t, j, T[q]);
            T = w->verts + v * rec; /* add_vertex may move the list */
        }
    }
    return rc < 0 ? rc : w->nverts;
}

int rs_region_draw(rs_region_walk *w, const double *xt, rs_stream *s, uint64_t *row)
{
    const int n = w->n, p = w->p, k = w->k, words = (n + 63) / 64;
    if (n <= p) { /* every row is realizable: n bits */
        for (int q = 0; q < words; q++) row[q] = rs_next_u64(s);
        if (n % 64) row[words - 1] &= ((uint64_t)1 << (n % 64)) - 1;
        return 0;
    }
    int S[63], at[63];
    for (;;) {
        for (int q = 0; q < k; q++) { /* a uniform k-subset by a partial Fisher-Yates shuffle */
            int j = q + (int)rs_uniform_index(s, (uint64_t)(n - q)), x = w->perm[q];
            w->perm[q] = w->perm[j], w->perm[j] = x;
            at[q] = j;
        }
        for (int q = k - 1; q >= 0; q--) { /* undone: perm is the identity again */
            int j = at[q], x = w->perm[q];
            insert_sorted(S, k - 1 - q, x);
            w->perm[q] = w->perm[j], w->perm[j] = x;
        }
        const uint64_t side = rs_next_u64(s);
        const int sign = side & 1 ? -1 : 1;
        if (frame(w, xt, S)) return -2; /* dependent points */
        memset(row, 0, (size_t)words * sizeof *row);
        row_of_ray(w, sign, row);
        for (int q = 0; q < k; q++) { /* the vertex's own points: the side's bits */
            const uint64_t bit = (uint64_t)1 << (S[q] % 64);
            row[S[q] / 64] = side >> (q + 1) & 1 ? row[S[q] / 64] | bit : row[S[q] / 64] & ~bit;
        }
        /* accept with probability p / m: U < p / m for U uniform in [0, 1) with first word u;
         * the walk stops as soon as it has found m_lo >= p 2^64 / u rays (U >= p / m_lo >= p / m).
         * A walk that ends below that has u < p 2^64 / m, so U < p / m unless u is the first
         * digit of p / m itself: rs_below_ratio settles that tie with more words. */
        const uint64_t u = rs_next_u64(s);
        const unsigned __int128 stop = u ? (((unsigned __int128)p << 64) - 1) / u + 1 : (unsigned __int128)INT64_MAX;
        int64_t m = rs_region_cell_rays(w, xt, S, sign, row, stop < (unsigned __int128)INT64_MAX ? (int64_t)stop : INT64_MAX);
        if (m < 0) return (int)m;
        if (m < p) return -2; /* not a pointed cone: not general position */
        if ((unsigned __int128)m < stop && rs_below_ratio(s, u, (uint64_t)p, (uint64_t)m)) return 0;
    }
}

/* ---------------------------------------------------------------- realizability */

/* The 1-D points (x_i, 1) sorted into w->keyed; -1 out of memory or non-finite. */
static rs_keyed *sorted_1d(const double *xt, int n, rs_realizable_work *w)
{
    if (rs_reserve(&w->keyed, &w->keyed_cap, (size_t)n, sizeof(rs_keyed))) return NULL;
    rs_keyed *k = w->keyed;
    for (int i = 0; i < n; i++) {
        if (!isfinite(xt[(size_t)i * 2])) return NULL;
        k[i].x = xt[(size_t)i * 2];
        k[i].i = i;
    }
    qsort(k, (size_t)n, sizeof *k, rs_cmp_keyed);
    return k;
}

static uint64_t rotl64(uint64_t x, int r)
{
    return x << r | x >> (64 - r);
}

uint64_t rs_regions_data_key(const double *xt, int p, int n)
{
    /* a word at a time (a byte at a time cost as much as a small trial's rank), four
     * independent lanes so that the multiplications overlap */
    uint64_t h[4] = {0xcbf29ce484222325ull ^ (uint64_t)p, 0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full,
                     0x165667b19e3779f9ull};
    const size_t words = (size_t)p * (size_t)n;
    for (size_t i = 0; i < words; i++) {
        uint64_t w;
        memcpy(&w, xt + i, sizeof w);
        h[i % 4] = (h[i % 4] ^ w) * 0xff51afd7ed558ccdull;
        h[i % 4] ^= h[i % 4] >> 29;
    }
    return (h[0] ^ rotl64(h[1], 17) ^ rotl64(h[2], 31) ^ rotl64(h[3], 47)) ^ (uint64_t)n << 32;
}

/* The enumerated rows of xt in w, built once per dataset when small: 1, or 0 (use the LP). */
static int have_rows(const double *xt, int p, int n, double max_work, rs_realizable_work *w)
{
    uint64_t key = rs_regions_data_key(xt, p, n);
    if (w->have && w->key == key && w->rows.n == n && w->rows.p == p) return w->have > 0;
    rs_regions_free(&w->rows);
    w->key = key;
    w->have = -1;
    if (n > p - 1 && rs_regions_candidates(n, p) * n > max_work) return 0;
    if (rs_regions_list(&w->rows, xt, p, n) == 0 && (w->rows.nslot >= 0 || regions_index(&w->rows) == 0)) w->have = 1;
    w->rows.n = n, w->rows.p = p; /* the key's shape, also when refused */
    return w->have > 0;
}

/* The sign of det(m), m a k x k matrix of integers (destroyed): Bareiss' fraction-free
 * elimination, every division exact. */
static int det_sign(mpz_t *m, int k, mpz_t t)
{
    int sign = 1;
    for (int c = 0; c < k - 1; c++) {
        if (!mpz_sgn(m[c * k + c])) {
            int r = c + 1;
            while (r < k && !mpz_sgn(m[r * k + c])) r++;
            if (r == k) return 0;
            for (int j = 0; j < k; j++) mpz_swap(m[c * k + j], m[r * k + j]);
            sign = -sign;
        }
        for (int i = c + 1; i < k; i++)
            for (int j = c + 1; j < k; j++) {
                mpz_mul(t, m[i * k + j], m[c * k + c]);
                mpz_submul(t, m[i * k + c], m[c * k + j]);
                if (c > 0) mpz_divexact(m[i * k + j], t, m[(c - 1) * k + c - 1]);
                else mpz_set(m[i * k + j], t);
            }
    }
    return sign * mpz_sgn(m[(k - 1) * k + k - 1]);
}

/* Is 0 a non-negative, non-zero combination of the p + 1 vectors y_q = s_q x~_{S[q]}
 * (row j of A gives the signs)?  Exact: each double is M 2^E with an integer M, so column
 * q scaled by 2^-(its least E) is integer and keeps every determinant's sign.  The
 * Cramer coefficients lambda_q = (-1)^q det(Y without column q) satisfy sum lambda_q y_q =
 * 0; one sign among the non-zero ones (not all zero) proves the row not realizable.
 * 1 proven, 0 not proven. */
static int gordan_exact(const rs_pattern *A, int j, const double *xt, int p, const int *S)
{
    const int k = p + 1;
    mpz_t *y = malloc((size_t)p * k * sizeof *y), *m = malloc((size_t)p * p * sizeof *m), t;
    if (!y || !m) {
        free(y), free(m);
        return 0;
    }
    mpz_init(t);
    for (int i = 0; i < p * k; i++) mpz_init(y[i]);
    for (int i = 0; i < p * p; i++) mpz_init(m[i]);
    for (int q = 0; q < k; q++) {
        const double *x = xt + (size_t)S[q] * p;
        int emin = INT32_MAX, e;
        for (int r = 0; r < p; r++)
            if (x[r] != 0) {
                frexp(x[r], &e);
                if (e - 53 < emin) emin = e - 53;
            }
        for (int r = 0; r < p; r++) {
            if (x[r] == 0) continue;
            double f = frexp(x[r], &e);
            mpz_set_d(y[r * k + q], ldexp(f, 53)); /* an integer, exactly */
            mpz_mul_2exp(y[r * k + q], y[r * k + q], (mp_bitcnt_t)(e - 53 - emin));
            if (!rs_pattern_get(A, j, S[q])) mpz_neg(y[r * k + q], y[r * k + q]);
        }
    }
    int pos = 0, neg = 0;
    for (int q = 0; q < k && !(pos && neg); q++) {
        for (int r = 0; r < p; r++)
            for (int c = 0, cc = 0; c < k; c++)
                if (c != q) mpz_set(m[r * p + cc++], y[r * k + c]);
        int s = det_sign(m, p, t) * (q % 2 ? -1 : 1);
        pos |= s > 0, neg |= s < 0;
    }
    for (int i = 0; i < p * k; i++) mpz_clear(y[i]);
    for (int i = 0; i < p * p; i++) mpz_clear(m[i]);
    mpz_clear(t);
    free(y), free(m);
    return pos != neg;
}

int rs_pattern_realizable(const rs_pattern *A, const double *xt, int d0, int bias, double max_work, int max_lp_p,
                          rs_realizable_work *w)
{
    const int n = A->n;
    if (n < 1) return 1;
    if (d0 == 1 && bias) { /* w x + b > 0 on a suffix (w > 0), a prefix (w < 0), or all / none */
        const rs_keyed *k = sorted_1d(xt, n, w);
        if (!k) return -1;
        for (int j = 0; j < A->d1; j++) {
            int changes = 0;
            for (int r = 1; r < n; r++)
                if (rs_pattern_get(A, j, k[r - 1].i) != rs_pattern_get(A, j, k[r].i)) {
                    if (k[r].x == k[r - 1].x || ++changes > 1) return 0; /* a tie split, or two steps */
                }
        }
        return 1;
    }
    if (d0 + bias == 1) { /* w x > 0 on {x > 0} (w > 0) or on {x < 0} (w < 0); a zero point is never signed */
        for (int j = 0; j < A->d1; j++) {
            int pos = 1, neg = 1;
            for (int i = 0; i < n && (pos || neg); i++) {
                int a = rs_pattern_get(A, j, i);
                if (xt[i] == 0 || !isfinite(xt[i])) return isfinite(xt[i]) ? 0 : -1;
                pos &= a == (xt[i] > 0), neg &= a == (xt[i] < 0);
            }
            if (!pos && !neg) return 0;
        }
        return 1;
    }
    if (have_rows(xt, d0 + bias, n, max_work, w)) {
        const int words = (n + 63) / 64;
        if (rs_reserve((void **)&w->row, &w->row_cap, (size_t)words, sizeof *w->row)) return -1;
        for (int j = 0; j < A->d1; j++) {
            memset(w->row, 0, (size_t)words * sizeof *w->row);
            for (int i = 0; i < n; i++)
                if (rs_pattern_get(A, j, i)) w->row[i / 64] |= (uint64_t)1 << (i % 64);
            if (!rs_regions_contains(&w->rows, w->row)) return 0;
        }
        return 1;
    }
    const int p = d0 + bias;
    if (p > max_lp_p) return 2;
    if (rs_reserve((void **)&w->support, &w->support_cap, (size_t)n, sizeof *w->support)) return -1;
    /* the perceptron's fast yes pays when a uniform row is realizable often enough; for the
     * many points of a Bernoulli pattern it only delays the LP's no */
    const int quick = rs_cover_count(n, p) > 1e-3 * ldexp(1.0, n);
    for (int j = 0, again = 0; j < A->d1; j++) {
        int k, rc = rs_lp_row_float(A, j, xt, p, again, quick, &w->lp, w->support, &k);
        again = 1;
        if (rc == 1) continue;
        if (rc == 0 && k == p + 1 && gordan_exact(A, j, xt, p, w->support)) return 0;
        if ((rc = rs_lp_row_realizable(A, j, xt, p, &w->lp)) != 1) return rc; /* the exact simplex decides */
        again = 0; /* it prepared w for itself */
    }
    return 1;
}

void rs_realizable_work_free(rs_realizable_work *w)
{
    rs_lp_work_free(&w->lp);
    free(w->support);
    rs_regions_free(&w->rows);
    free(w->row);
    free(w->keyed);
    memset(w, 0, sizeof *w);
}

/* Every pattern of the m points u by the LP: the count of feasible ones, or -1. */
static int64_t count_by_lp(const double *u, int p, int m)
{
    rs_pattern A;
    rs_realizable_work w = {0};
    int64_t count = 0;
    if (rs_pattern_alloc(&A, 1, m)) return -1;
    for (uint64_t bits = 0; bits < (uint64_t)1 << m && count >= 0; bits++) {
        rs_pattern_clear(&A);
        for (int i = 0; i < m; i++)
            if (bits >> i & 1) rs_pattern_set(&A, 0, i);
        int rc = rs_lp_row_realizable(&A, 0, u, p, &w.lp);
        count = rc < 0 ? -1 : count + rc;
    }
    rs_realizable_work_free(&w);
    rs_pattern_free(&A);
    return count;
}

int64_t rs_regions_count_rows(const double *xt, int d0, int bias, int n, double max_work)
{
    const int p = d0 + bias;
    if (n < 1 || p < 1) return -1;
    if (d0 == 1 && bias) {
        rs_realizable_work w = {0};
        const rs_keyed *k = sorted_1d(xt, n, &w);
        int64_t distinct = k ? 1 : -1;
        for (int r = 1; k && r < n; r++) distinct += k[r].x != k[r - 1].x;
        rs_realizable_work_free(&w);
        return distinct < 0 ? -1 : 2 * distinct;
    }
    /* one representative u per line through the origin */
    double *u = rs_calloc((size_t)n * p, sizeof *u), *un = rs_calloc((size_t)n, sizeof *un);
    int64_t count = -1;
    int m = 0;
    if (!u || !un) goto done;
    for (int i = 0; i < n; i++) {
        const double *x = xt + (size_t)i * p;
        const double nx = dot(x, x, p);
        if (!isfinite(nx)) goto done;
        if (nx == 0) { /* <w, 0> = 0 is never strictly signed */
            count = 0;
            goto done;
        }
        int on_line = 0;
        for (int q = 0; q < m && !on_line; q++)
            on_line = fabs(dot(x, u + (size_t)q * p, p)) >= (1 - 1e-12) * sqrt(nx * un[q]);
        if (on_line) continue;
        memcpy(u + (size_t)m * p, x, (size_t)p * sizeof *u);
        un[m++] = nx;
        /* more lines can only cost more: stop merging as soon as these are over budget (so
         * the m lines below are within it) */
        if (m > p - 1 ? rs_regions_candidates(m, p) * m > max_work : m > 22 && (double)m * m * p > max_work) goto done;
    }
    if (m <= p - 1 && m > 22) { /* too many to list: 2^m if independent */
        if (m < 63 && independent(u, p, m) == 1) count = (int64_t)1 << m;
        goto done;
    }
    rs_regions r;
    int rc = rs_regions_build(&r, u, p, m);
    if (rc == 0) count = r.count;
    else if (rc == -2 && m <= RS_REGIONS_LP_POINTS) count = count_by_lp(u, p, m);
    rs_regions_free(&r);
done:
    free(u);
    free(un);
    return count;
}
