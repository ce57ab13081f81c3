/* engine.c - rank methods over the reduced Khatri-Rao problem, the full-rank
 * certificate, and exact verification.  See engine.h for the methods. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "blas.h"
#include "reluscape/engine.h"
#include "reluscape/jacobian.h"
#include "reluscape/rng.h"
#include "util.h"

typedef struct rs_rank_method {
    rs_method_info info; /* what the rest of the program may know (engine.h) */
    int certify_cells;   /* ... also for rank-deficient trials (exact semantics only) */
    int exact;           /* the rank step is exact (runs on one member of a group) */
    int (*rank)(const rs_engine *e, const rs_rank_problem *pb, rs_engine_work *w, int *matrank);
} rs_rank_method;

static int pb_n(const rs_rank_problem *pb) { return pb->A->n; }

/* The SVD rule's relative tolerance, always that of the unreduced J. */
static double rtol_of(const rs_engine *e, const rs_rank_problem *pb)
{
    return e->rtol > 0 ? e->rtol : rs_matrank_default_rtol(pb_n(pb), (int)pb->P);
}

/* svd / qrcp: LAPACK on J' (n x d1' p), built with the merged weights. */
static int rank_dense(const rs_engine *e, const rs_rank_problem *pb, rs_engine_work *w, int *matrank,
                      const char *kernel)
{
    const int n = pb_n(pb), cols = pb->A->d1 * pb->p;
    if (rs_reserve((void **)&w->J, &w->J_cap, (size_t)n * (size_t)cols, sizeof(double))) return -1;
    rs_jacobian_build(pb->A, pb->w, pb->xt, pb->p, w->J);
    return rs_matrank_lookup(kernel)->rank(n, cols, w->J, n, rtol_of(e, pb), &w->ws, matrank);
}

static int rank_svd(const rs_engine *e, const rs_rank_problem *pb, rs_engine_work *w, int *matrank)
{
    return rank_dense(e, pb, w, matrank, "svd");
}

static int rank_qrcp(const rs_engine *e, const rs_rank_problem *pb, rs_engine_work *w, int *matrank)
{
    return rank_dense(e, pb, w, matrank, "qrcp");
}


/* G = (A'^T A') o S (lower triangle, n x n, in place over S), A'^T A' by popcounts of the
 * point-major bit rows, in one pass; returns tr G.  The count is exact and the product
 * rounds once.  The build targets baseline x86-64, whose popcount is a library call; CPUs
 * since 2008 have the instruction, so a copy compiled for it is chosen at run time.  The
 * common word counts get their own loops (constant trip counts, no inner loop). */
#define POPCOUNT_HADAMARD_BODY                                                          \
    double t = 0;                                                                       \
    for (int i = 0; i < n; i++) {                                                       \
        const uint64_t *ai = A->bits + (size_t)i * words;                              \
        double *Gi = G + (size_t)i * n;                                                 \
        switch (words) {                                                                \
        case 1:                                                                         \
            for (int k = i; k < n; k++)                                                 \
                Gi[k] *= __builtin_popcountll(ai[0] & A->bits[k]);                      \
            break;                                                                      \
        case 2:                                                                         \
            for (int k = i; k < n; k++) {                                               \
                const uint64_t *ak = A->bits + (size_t)k * 2;                           \
                Gi[k] *= __builtin_popcountll(ai[0] & ak[0]) + __builtin_popcountll(ai[1] & ak[1]); \
            }                                                                           \
            break;                                                                      \
        default:                                                                        \
            for (int k = i; k < n; k++) {                                               \
                const uint64_t *ak = A->bits + (size_t)k * words;                      \
                int common = 0;                                                         \
                for (int q = 0; q < words; q++) common += __builtin_popcountll(ai[q] & ak[q]); \
                Gi[k] *= common;                                                        \
            }                                                                           \
        }                                                                               \
        t += Gi[i];                                                                     \
    }                                                                                   \
    return t;

static double popcount_hadamard_generic(const rs_pattern *A, double *G)
{
    const int n = A->n, words = A->words;
    POPCOUNT_HADAMARD_BODY
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("popcnt"))) static double popcount_hadamard_popcnt(const rs_pattern *A, double *G)
{
    const int n = A->n, words = A->words;
    POPCOUNT_HADAMARD_BODY
}
#endif

static double popcount_hadamard(const rs_pattern *A, double *G)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (rs_cpu_has(RS_CPU_POPCNT)) return popcount_hadamard_popcnt(A, G);
#endif
    return popcount_hadamard_generic(A, G);
}

/* The unit-weight Gram matrix G = (A^T A) o (X~^T X~) of a pattern A (n points) and its
 * inputs xs (p x n), lower triangle into G (n x n); *trace = tr G~.
 * Returns a bound on ||G~ - G||_2: A^T A is exact (integer counts), so only X~^T X~'s dot
 * products and the product round: rs_gram_error_bound with no neuron term. */
static double unit_gram(const rs_pattern *A, const double *xs, int p, double *G, double *trace)
{
    const int n = A->n;
    const double one = 1.0, zero = 0.0;
    dsyrk_("L", "T", &n, &p, &one, xs, &p, &zero, G, &n);
    *trace = popcount_hadamard(A, G);
    return rs_gram_error_bound(0, p, *trace);
}

/* gram: G = (A'^T A') o (X~^T X~) has the rank of J (v only scales columns), with A'^T A'
 * counted by popcount.  Rank by pivoted Cholesky (dpstrf), stopping at pivots below
 * 2 (n + 1) u tr G: the rounding error a Cholesky of a positive semidefinite matrix can
 * leave (gamma_{n+1} tr G), doubled.  So gram counts singular values of J above about
 * sqrt(2 (n + 1) u) |J|_F; between that and the SVD rule's threshold it sees nothing,
 * which is the price of squaring the condition number (docs/config.md). */
static int rank_gram(const rs_engine *e, const rs_rank_problem *pb, rs_engine_work *w, int *matrank)
{
    (void)e;
    const int n = pb_n(pb);
    if (rs_reserve((void **)&w->G, &w->G_cap, (size_t)n * n, sizeof(double))) return -1;
    double trace = 0;
    unit_gram(pb->A, pb->xt, pb->p, w->G, &trace);
    if (!(trace > 0)) return *matrank = 0, 0;
    int *piv = rs_workspace_ints(&w->ws, (size_t)n);
    double *work = rs_workspace_doubles(&w->ws, 2 * (size_t)n);
    if (!piv || !work) return -1;
    double tol = 2.0 * (n + 1) * (DBL_EPSILON / 2) * trace;
    lapack_int r = 0;
    lapack_int info = LAPACKE_dpstrf_work(LAPACK_COL_MAJOR, 'L', n, w->G, n, piv, &r, tol, work);
    if (info < 0) return (int)-info;
    *matrank = (int)r; /* info = 1 only says the matrix is rank deficient */
    return 0;
}

/* The pattern of the points S (k of them, ascending) and the first m neurons, compact, in
 * w->sub, and their inputs in w->xs. */
static int sub_problem(const rs_rank_problem *pb, const int *S, int k, int m, rs_engine_work *w,
                       rs_pattern *sub)
{
    const int words = (m + 63) / 64, p = pb->p, W = pb->A->words;
    if (rs_reserve((void **)&w->subbits, &w->subbits_cap, (size_t)k * (size_t)words + 1, sizeof(uint64_t)) ||
        rs_reserve((void **)&w->xs, &w->xs_cap, (size_t)k * (size_t)p, sizeof(double)))
        return -1;
    const uint64_t last = m % 64 ? ((uint64_t)1 << (m % 64)) - 1 : ~(uint64_t)0;
    for (int a = 0; a < k; a++) {
        const int i = S ? S[a] : a;
        const uint64_t *src = pb->A->bits + (size_t)i * (size_t)W;
        uint64_t *dst = w->subbits + (size_t)a * (size_t)words;
        for (int q = 0; q < words; q++) dst[q] = src[q];
        dst[words - 1] &= last;
        memcpy(w->xs + (size_t)a * p, pb->xt + (size_t)i * p, sizeof(double) * (size_t)p);
    }
    *sub = (rs_pattern){.d1 = m, .n = k, .words = words, .bits = w->subbits};
    return 0;
}

static int neuron_bound_of(const rs_rank_problem *pb, rs_engine_work *w);
static int cell_rows(const rs_rank_problem *pb, rs_engine_work *w);
static int crowded_cells_span(const rs_engine *e, const rs_rank_problem *pb, const rs_engine_work *w);

/* ------------------------------------------------------------------ peeling
 *
 * J's column space is the sum over the vectors b of the row space L of A' (the span of
 * its neuron rows, as vectors over the points) of W(b) = {(b_i x~_i . t)_i : t in R^p}:
 * W(a_j) is neuron j's block of columns, and W(b + c) lies in W(b) + W(c).  If some b in
 * L has k <= p non-zero entries and the inputs x~_i of its support are linearly
 * independent, W(b) is all of R^supp(b), so e_i lies in col J for each i of the support,
 * and rank J = 1 + rank J_{-i} (deleting coordinate i maps col J onto col J_{-i} with
 * kernel span(e_i)).  J_{-i} is the same kind of matrix on the points left (L restricted
 * to them), so rows peel one support at a time: rank J = peeled + rank J_core, exactly.
 * The vectors tried are the neuron rows and the differences of two (restricted to the
 * points left: entries +-1 on their support), found by popcount; independence is proven
 * by a non-zero minor: 2 x 2 of floats by error-free products, or k x k modulo the prime
 * (a minor that vanishes over Q vanishes mod p).  The exact step and auto's certificate of
 * a deficient trial use it.  Without a bias column on centred data most rows of the
 * rank-deficient trials peel (the neurons' half-spaces come in neighbouring and
 * near-complementary pairs that differ on a few points), and a small core is left
 * (docs/performance.md, issue 15). */

/* 1 if the 2 x 2 minor of columns (t, u) of the rows x, y is non-zero, by error-free
 * products: x_t y_u = a + ea and x_u y_t = b + eb exactly (fma), and fl(.) of equal reals
 * is equal, so the minor is zero iff a = b and ea = eb.  0 when it is zero or the products
 * are near underflow (where ea, eb may be inexact): the caller then tries the minors mod p. */
static int minor2_nonzero(const double *x, const double *y, int t, int u)
{
    const double a = x[t] * y[u], b = x[u] * y[t];
    if (!(fabs(a) > 0x1p-900 || fabs(b) > 0x1p-900) || !(fabs(a) + fabs(b) < 0x1p1000)) return 0;
    if (a != b) return 1;
    return fma(x[t], y[u], -a) != fma(x[u], y[t], -b);
}

/* 1 if the inputs of the k <= p points in mask are linearly independent (x~_i != 0 for
 * k = 1, a non-zero 2 x 2 minor of floats or, failing that, a k x k minor non-zero modulo
 * the prime), else 0; minor: k p words. */
static int inputs_independent(const rs_modp *m, const double *xt, int p, const uint64_t *mask, int W, int k,
                              uint64_t *minor)
{
    int r = 0;
    if (k == 2) { /* the common case: any non-zero 2 x 2 minor proves it */
        const double *x2[2];
        for (int q = 0; q < W; q++)
            for (uint64_t b = mask[q]; b; b &= b - 1) x2[r++] = xt + (size_t)(64 * q + __builtin_ctzll(b)) * (size_t)p;
        for (int t = 0; t < p; t++)
            for (int u = t + 1; u < p; u++)
                if (minor2_nonzero(x2[0], x2[1], t, u)) return 1;
        r = 0;
    }
    for (int q = 0; q < W; q++)
        for (uint64_t b = mask[q]; b; b &= b - 1) {
            const double *x = xt + (size_t)(64 * q + __builtin_ctzll(b)) * (size_t)p;
            if (k == 1) {
                for (int t = 0; t < p; t++)
                    if (x[t] != 0) return 1;
                return 0;
            }
            for (int t = 0; t < p; t++)
                if (rs_modp_from_double(m, x[t], &minor[(size_t)r * p + t])) return 0;
            r++;
        }
    return rs_modp_rank_dense(m, k, p, minor, &r) == 0 && r == k;
}

/* Supports of at most this many points are tried: with many input dimensions (the ratio
 * family: p up to 181) nearly every row would qualify and each minor costs k^2 p, while
 * the peels that matter (d0 <= 5) have 1-3 points.  Measured: 4 peels as much as no cap on
 * the fixed family and keeps the ratio family at its cost without peeling. */
#define PEEL_MAX_SUPPORT 4

/* The scratch of one peeling pass: blocks of the points left, a hash table of rows. */
typedef struct {
    int kmax;         /* the largest support peeled: min(p, PEEL_MAX_SUPPORT) */
    uint64_t *block;  /* [(kmax + 1) W] the blocks' point masks */
    int *list, *next; /* [d1] the distinct non-zero rows on R; chains of a block's groups */
    int *table;       /* [tsize] a group's first row (index into list), -1 empty */
    size_t tsize;     /* a power of two >= 2 d1 */
} peel_scratch;

/* The hash of x's bits under mask (W words), for the groups below. */
static inline uint64_t masked_hash(const uint64_t *x, const uint64_t *mask, int W)
{
    uint64_t h = 0x9E3779B97F4A7C15ull;
    for (int q = 0; q < W; q++) h = (h ^ (x[q] & mask[q])) * 0xFF51AFD7ED558CCDull, h ^= h >> 32;
    return h;
}

static inline int masked_equal(const uint64_t *x, const uint64_t *y, const uint64_t *mask, int W)
{
    for (int q = 0; q < W; q++)
        if ((x[q] ^ y[q]) & mask[q]) return 0;
    return 1;
}

/* Peels the support d (k points, 0 < k <= kmax) from R if its inputs are independent. */
static inline __attribute__((always_inline)) int peel_support(const rs_modp *m, const double *xt, int p, int W,
                                                                int k, uint64_t *R, uint64_t *d,
                                                                uint64_t *minor)
{
    if (!inputs_independent(m, xt, p, d, W, k, minor)) return 0;
    for (int q = 0; q < W; q++) R[q] &= ~d[q];
    return k;
}

/* One pass over the neuron rows s (d1 of them, W words, restricted to the points left R):
 * peels every support of a row or of the difference of two that is small (at most
 * kmax = min(p, PEEL_MAX_SUPPORT) points) and independent; returns the points peeled.
 * The pairs compared: two rows that differ on at most kmax points of R agree on at least
 * one of kmax + 1 blocks that split R's points (pigeonhole), so for each block the rows
 * are grouped by their bits there (a hash table) and only rows of one group are compared.
 * That finds every such pair while R stays as it was at the pass's start, which it does
 * in a pass that peels nothing, the last one.  Where the peeling ends, the points left,
 * does not depend on the order of the peels: a support that is small and independent
 * stays so (or empties) as R shrinks, so any order reaches the same points. */
static inline __attribute__((always_inline)) int peel_pass_body(const rs_modp *m, const double *xt, int p,
                                                                  const uint64_t *s, int d1, int W, uint64_t *R,
                                                                  uint64_t *d, uint64_t *minor,
                                                                  const peel_scratch *ps)
{
    const int kmax = ps->kmax;
    const size_t tmask = ps->tsize - 1;
    int peeled = 0, nl = 0;
    /* single rows, and the distinct non-zero rows left on R for the pairs */
    memset(ps->table, 0xff, sizeof *ps->table * ps->tsize);
    for (int j = 0; j < d1; j++) {
        const uint64_t *sj = s + (size_t)j * W;
        int k = 0;
        for (int q = 0; q < W; q++) k += __builtin_popcountll(d[q] = sj[q] & R[q]);
        if (k == 0) continue;
        if (k <= kmax && peel_support(m, xt, p, W, k, R, d, minor)) {
            peeled += k;
            continue;
        }
        size_t t = (size_t)masked_hash(sj, R, W) & tmask;
        while (ps->table[t] >= 0 && !masked_equal(s + (size_t)ps->list[ps->table[t]] * W, sj, R, W))
            t = (t + 1) & tmask;
        if (ps->table[t] < 0) ps->table[t] = nl, ps->list[nl++] = j; /* else a copy on R: differs on nothing */
    }
    int left = 0;
    for (int q = 0; q < W; q++) left += __builtin_popcountll(R[q]);
    if (nl < 2 || left == 0) return peeled;
    /* kmax + 1 blocks of R's points, in their order */
    const int nb = kmax + 1;
    memset(ps->block, 0, sizeof *ps->block * (size_t)nb * (size_t)W);
    for (int q = 0, r = 0; q < W; q++)
        for (uint64_t b = R[q]; b; b &= b - 1, r++)
            ps->block[(size_t)(r * nb / left) * W + q] |= b & -b;
    for (int t0 = 0; t0 < nb; t0++) {
        const uint64_t *B = ps->block + (size_t)t0 * W;
        memset(ps->table, 0xff, sizeof *ps->table * ps->tsize);
        for (int a = 0; a < nl; a++) {
            const uint64_t *sa = s + (size_t)ps->list[a] * W;
            size_t t = (size_t)masked_hash(sa, B, W) & tmask;
            while (ps->table[t] >= 0 && !masked_equal(s + (size_t)ps->list[ps->table[t]] * W, sa, B, W))
                t = (t + 1) & tmask;
            ps->next[a] = ps->table[t]; /* the group's rows so far, then a joins it */
            ps->table[t] = a;
            for (int b = ps->next[a]; b >= 0; b = ps->next[b]) {
                const uint64_t *sb = s + (size_t)ps->list[b] * W;
                int k = 0;
                for (int q = 0; q < W; q++) k += __builtin_popcountll(d[q] = (sa[q] ^ sb[q]) & R[q]);
                if (k > 0 && k <= kmax) peeled += peel_support(m, xt, p, W, k, R, d, minor);
            }
        }
    }
    return peeled;
}

static int peel_pass_generic(const rs_modp *m, const double *xt, int p, const uint64_t *s, int d1, int W,
                             uint64_t *R, uint64_t *d, uint64_t *minor, const peel_scratch *ps)
{
    return peel_pass_body(m, xt, p, s, d1, W, R, d, minor, ps);
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("popcnt"))) static int peel_pass_popcnt(const rs_modp *m, const double *xt, int p,
                                                              const uint64_t *s, int d1, int W, uint64_t *R,
                                                              uint64_t *d, uint64_t *minor, const peel_scratch *ps)
{
    return peel_pass_body(m, xt, p, s, d1, W, R, d, minor, ps);
}
#endif

/* Peels the rows of J it can prove independent of the others (see above), starting from
 * the points rows[0..nrows) (ascending; NULL: all n); w->keep[0..*nkeep) gets the points
 * left, ascending.  Returns the number of points peeled, -1 out of memory. */
static int peel_rows(const rs_modp *m, const rs_pattern *A, const double *xt, int p, const int *rows, int nrows,
                     rs_engine_work *w, int *nkeep)
{
    const int n = A->n, d1 = A->d1, W = (n + 63) / 64;
    peel_scratch ps = {.kmax = p < PEEL_MAX_SUPPORT ? p : PEEL_MAX_SUPPORT, .tsize = rs_hash_slots(d1)};
    if (rs_reserve((void **)&w->peel, &w->peel_cap,
                   (size_t)d1 * W + 2 * (size_t)W + (size_t)p * p + (size_t)(ps.kmax + 1) * W, sizeof(uint64_t)) ||
        rs_reserve((void **)&w->keep, &w->keep_cap, (size_t)n + 2 * (size_t)d1 + ps.tsize, sizeof(int)))
        return -1;
    uint64_t *s = w->peel, *R = s + (size_t)d1 * W, *d = R + W, *minor = d + W;
    ps.block = minor + (size_t)p * p;
    int *keep = w->keep;
    ps.list = keep + n, ps.next = ps.list + d1, ps.table = ps.next + d1;
    memset(s, 0, sizeof *s * (size_t)d1 * (size_t)W);
    for (int i = 0; i < n; i++) { /* neuron-major copy: row j = the points neuron j is active on */
        const uint64_t *bits = A->bits + (size_t)i * (size_t)A->words, bit = (uint64_t)1 << (i % 64);
        for (int q = 0; q < A->words; q++)
            for (uint64_t b = bits[q]; b; b &= b - 1) {
                const int j = 64 * q + __builtin_ctzll(b);
                if (j < d1) s[(size_t)j * W + (size_t)(i / 64)] |= bit;
            }
    }
    memset(R, 0, sizeof *R * (size_t)W);
    for (int a = 0; a < (rows ? nrows : n); a++) {
        const int i = rows ? rows[a] : a;
        R[i / 64] |= (uint64_t)1 << (i % 64);
    }
    const int left0 = rows ? nrows : n;
    int peeled = 0, more;
    do { /* until a pass peels nothing: each peel shrinks the other supports */
#if defined(__x86_64__) && defined(__GNUC__)
        if (rs_cpu_has(RS_CPU_POPCNT))
            more = peel_pass_popcnt(m, xt, p, s, d1, W, R, d, minor, &ps);
        else
#endif
            more = peel_pass_generic(m, xt, p, s, d1, W, R, d, minor, &ps);
        peeled += more;
    } while (more && peeled < left0);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (R[i / 64] >> (i % 64) & 1) keep[k++] = i;
    *nkeep = k;
    return peeled;
}

/* The core's columns.  After peel_rows, rank J = peeled + rank J_core, and J_core's columns
 * are the neurons' blocks diag(a_j) X~ restricted to the core points: a neuron silent there
 * adds nothing, and neurons that agree there give the same block.  Complementary neurons
 * (a_j + a_j' = 1 on the core: half-spaces through the origin that split the core's points
 * between them, common without a bias) have blocks adding up to the data's own columns
 * X~_core, and so does a neuron active on every core point alone: with m such pairs (or
 * singles), every pair after the first has one member in the span of the others (block_j'
 * = block_k + block_k' - block_j, (k, k') the first pair).  So rank J_core <= d1k p, d1k the
 * distinct non-silent neurons on the core less one per later pair, with equality iff
 * their columns are independent.  Where a core has fewer such columns than rows (the
 * deficiency lies on the column side: d0 = 3, d1 = 30, n = 100 without bias, where neurons
 * that differ on a few points peel those points and then agree), a Gram certificate of
 * the columns (d1k p x d1k p) proves the rank, instead of eliminating the core modulo p. */

/* The slot of the masked neuron row x (W words) in the table of the distinct rows listed
 * in sel (the table holds positions in sel, -1 empty). */
static size_t core_slot(const uint64_t *s, int W, const int *sel, const int *table, size_t tsize, const uint64_t *x)
{
    size_t t = (size_t)rs_words_hash(x, W, ~(uint64_t)0) & (tsize - 1);
    while (table[t] >= 0 && memcmp(s + (size_t)sel[table[t]] * W, x, sizeof *x * (size_t)W)) t = (t + 1) & (tsize - 1);
    return t;
}

/* Masks w->peel's neuron rows to the core points R (in place: idempotent), lists the
 * distinct non-silent ones in w->colsel[0..d1c) (each class by its first neuron) and drops
 * one member of every complementary pair after the first (above).  Returns d1k p, the
 * columns left, or -1 if a neuron listed is active on fewer than p core points (its block
 * cannot have rank p), -2 out of memory.  (w->colsel: the list, the table, n ints for
 * core_columns_independent, a flag per neuron listed.) */
static int core_columns(const rs_pattern *A, int p, rs_engine_work *w)
{
    const int d1 = A->d1, n = A->n, W = (n + 63) / 64;
    const size_t tsize = rs_hash_slots(d1);
    if (rs_reserve((void **)&w->colsel, &w->colsel_cap, 2 * (size_t)d1 + tsize + (size_t)n, sizeof(int))) return -2;
    uint64_t *s = w->peel;
    const uint64_t *R = s + (size_t)d1 * W;
    uint64_t *comp = s + (size_t)d1 * W + W; /* peel_rows' scratch word d */
    int *sel = w->colsel, *table = sel + d1, *dropped = table + tsize + n, d1c = 0;
    memset(table, 0xff, sizeof *table * tsize); /* -1: empty */
    for (int j = 0; j < d1; j++) {
        uint64_t *row = s + (size_t)j * W;
        int cnt = 0;
        for (int q = 0; q < W; q++) cnt += __builtin_popcountll(row[q] &= R[q]);
        if (cnt == 0) continue;
        const size_t t = core_slot(s, W, sel, table, tsize, row);
        if (table[t] >= 0) continue; /* the same block as an earlier neuron */
        if (cnt < p) return -1;
        table[t] = d1c;
        dropped[d1c] = 0;
        sel[d1c++] = j;
    }
    int pairs = 0;
    for (int a = 0; a < d1c; a++) {
        if (dropped[a]) continue; /* a later pair's second member */
        const uint64_t *row = s + (size_t)sel[a] * W;
        int all = 1;
        for (int q = 0; q < W; q++) all &= (comp[q] = R[q] & ~row[q]) == 0;
        int b = -1; /* the complement's position, after a */
        if (!all) {
            const size_t t = core_slot(s, W, sel, table, tsize, comp);
            if (table[t] > a) b = table[t];
        }
        if ((all || b > a) && pairs++ > 0) /* a later pair: drop its second member (or the single) */
            dropped[all ? a : b] = 1;
    }
    int d1k = 0;
    for (int a = 0; a < d1c; a++)
        if (!dropped[a]) sel[d1k++] = sel[a];
    return d1k * p;
}

/* core_columns once per peeling: auto's certificate and the exact step share it. */
static int core_columns_once(const rs_pattern *A, int p, rs_engine_work *w)
{
    if (w->core_cols == -3) w->core_cols = core_columns(A, p, w);
    return w->core_cols;
}

/* 1 if the core's P = d1k p columns (core_columns) are proven independent: the Gram
 * matrix of J_core's columns (its entries x~_ic, exact; P x P, dot products of `core`
 * terms) positive definite by the certificate (no SVD threshold: exact semantics); 0 if
 * not proven, -1 out of memory. */
static int core_columns_independent(const rs_rank_problem *pb, rs_engine_work *w, int P, int core)
{
    const int p = pb->p, n = pb->A->n, W = (n + 63) / 64, d1k = P / p;
    if (rs_reserve((void **)&w->J, &w->J_cap, (size_t)core * (size_t)P, sizeof(double)) ||
        rs_reserve((void **)&w->G, &w->G_cap, (size_t)P * (size_t)P, sizeof(double)))
        return -1;
    int *at = w->colsel + pb->A->d1 + rs_hash_slots(pb->A->d1); /* point -> its row in J_core */
    for (int a = 0; a < core; a++) at[w->keep[a]] = a;
    memset(w->J, 0, sizeof *w->J * (size_t)core * (size_t)P);
    for (int t = 0; t < d1k; t++) {
        const uint64_t *row = w->peel + (size_t)w->colsel[t] * W;
        double *col = w->J + (size_t)core * (size_t)p * (size_t)t;
        for (int q = 0; q < W; q++)
            for (uint64_t b = row[q]; b; b &= b - 1) {
                const int i = 64 * q + __builtin_ctzll(b);
                for (int c = 0; c < p; c++) col[(size_t)core * c + at[i]] = pb->xt[(size_t)i * p + c];
            }
    }
    const double one = 1.0, zero = 0.0;
    dsyrk_("L", "T", &P, &core, &one, w->J, &core, &zero, w->G, &P);
    double trace = 0;
    for (int r = 0; r < P; r++) trace += w->G[(size_t)r * P + r];
    return rs_matrank_certify_gram(P, w->G, rs_gram_error_bound(0, core, trace), 0, 0);
}

/* peel_rows from all rows (rows NULL) or from the cell bound's rows S, once per trial:
 * auto's certificate and the exact step share it.  Returns the rows peeled (w->keep holds
 * the core rows left), -1 out of memory. */
static int peel_once(const rs_engine *e, const rs_rank_problem *pb, rs_engine_work *w, const int *rows, int nrows,
                     int *core)
{
    const int from = rows ? 1 : 0;
    if (w->peel_from != from) {
        const int peeled = peel_rows(&e->modp[0], pb->A, pb->xt, pb->p, rows, nrows, w, &w->core);
        if (peeled < 0) return -1;
        w->peeled = peeled;
        w->peel_from = from;
        w->core_cols = -3; /* a new core */
    }
    *core = w->core;
    return w->peeled;
}

/* exact: rank of A' o_KR X~ modulo one or two primes from the seed, through a random
 * sketch whose stream depends on (seed, cell, trial) only.  When some cell is crowded and
 * the points the cell bound keeps span each crowded cell's inputs, the rank is that of
 * J_S, the rows S alone (U of them instead of n): every other row of a crowded cell is a
 * combination of the kept rows of its cell.  Then the rows that peel (above) are counted
 * and only the rest, the core, is sketched. */
static int rank_exact(const rs_engine *e, const rs_rank_problem *pb, rs_engine_work *w, int *matrank)
{
    const rs_pattern *A = pb->A;
    const double *xt = pb->xt;
    rs_pattern sub;
    int n = pb_n(pb);
    const int k = cell_rows(pb, w), V = neuron_bound_of(pb, w);
    if (k < -1) return -1;
    const int *rows = NULL; /* the rows ranked (NULL: all n) */
    if (k >= 0 && k < n) {
        const int span = crowded_cells_span(e, pb, w);
        if (span < 0) return -1;
        if (span) rows = w->S, n = k;
    }
    /* rank J <= min(n, V, U) */
    int bound = n;
    if (V < bound) bound = V;
    if (k >= 0 && k < bound) bound = k;
    int core = 0;
    const int peeled = peel_once(e, pb, w, rows, n, &core);
    if (peeled < 0) return -1;
    /* fewer columns than rows left: prove the core's columns independent (above) */
    const int P = core_columns_once(pb->A, pb->p, w);
    if (P < -1) return -1;
    if (P >= 0 && P < core && P <= bound - peeled) {
        const int proved = P == 0 ? 1 : core_columns_independent(pb, w, P, core); /* P = 0: J_core = 0 */
        if (proved < 0) return -1;
        if (proved) return w->colproof = 1, *matrank = peeled + P, 0;
    }
    if (peeled > 0 || rows) {
        if (sub_problem(pb, w->keep, core, pb->A->d1, w, &sub)) return -1;
        A = &sub, xt = w->xs, n = core;
    }
    /* rank J_core <= min(its rows, bound - peeled).  The core is ranked as the whole
     * would have been, with a sketch no wider than min(rows, bound) or J_core^T itself when
     * that has hardly more rows (modrank.c; a narrower width would trade the elimination of
     * a few extra rows for a whole sketch), and the result capped by bound - peeled. */
    const int width = bound < n ? bound : n, cap = bound - peeled;
    *matrank = 0;
    for (int q = 0; q < e->nprimes && cap > 0; q++) {
        rs_stream s;
        rs_stream_init(&s, e->seed, pb->cell, pb->trial, RS_STREAM_SKETCH + (uint32_t)q);
        int r = 0;
        if (rs_modp_rank_khatri_rao_width(&e->modp[q], A, xt, pb->p, width, &s, &w->ws, &r)) return -1;
        if (r > cap) r = cap; /* the sketch may run past it: the rank cannot */
        if (r > *matrank) *matrank = r; /* each is <= the true rank */
    }
    *matrank += peeled;
    return 0;
}

static const rs_rank_method methods[] = {
    {.info = {.name = "svd", .help = "singular values of J (LAPACK dgesvd), the float reference",
              .form = RS_FORM_DENSE, .uses_v = 1, .certifies = 1, .group = RS_GROUP_FORM_SVD},
     .rank = rank_svd},
    {.info = {.name = "qrcp", .help = "QR with column pivoting of J (LAPACK dgeqp3)", .form = RS_FORM_DENSE,
              .uses_v = 1, .certifies = 1, .group = RS_GROUP_FORM_NONE},
     .rank = rank_qrcp},
    {.info = {.name = "gram", .help = "pivoted Cholesky of (A^T A) o (X^T X) (LAPACK dpstrf)",
              .form = RS_FORM_GRAM, .group = RS_GROUP_FORM_GRAM},
     .rank = rank_gram},
    {.info = {.name = "exact", .help = "rank over Q modulo a large prime", .form = RS_FORM_MODULAR,
              .exact = 1, .group = RS_GROUP_FORM_NONE},
     .exact = 1, .rank = rank_exact},
    {.info = {.name = "auto", .help = "Gram certificates (full rank, cell bound), then exact",
              .form = RS_FORM_MODULAR, .exact = 1, .certifies = 1, .group = RS_GROUP_FORM_AUTO},
     .certify_cells = 1, .exact = 1, .rank = rank_exact},
};

int rs_method_count(void) { return (int)RS_ARRAY_LEN(methods); }
const rs_method_info *rs_method_at(int i) { return &methods[i].info; }

const rs_method_info *rs_method_lookup(const char *name)
{
    for (size_t i = 0; i < RS_ARRAY_LEN(methods); i++)
        if (!strcmp(methods[i].info.name, name)) return &methods[i].info;
    return NULL;
}

const char *rs_engine_method_names(void)
{
    static char names[128];
    if (!names[0])
        for (size_t i = 0; i < RS_ARRAY_LEN(methods); i++) {
            size_t len = strlen(names);
            RS_FMT(names + len, sizeof names - len, "%s%s", i ? "|" : "", methods[i].info.name);
        }
    return names;
}

int rs_engine_init(rs_engine *e, const char *method, double rtol, int certify, double verify,
                   int nprimes, uint64_t seed, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    const rs_method_info *info = rs_method_lookup(method);
    e->method = info ? (const rs_rank_method *)info : NULL; /* info is the first member */
    if (!e->method) {
        RS_FMT(err, errlen, "key 'rank.method': '%s' is not allowed (allowed: %s)", method,
               rs_engine_method_names());
        return -1;
    }
    e->rtol = rtol;
    e->certify = certify;
    e->verify = verify;
    e->seed = seed;
    e->nprimes = nprimes == 2 ? 2 : 1;
    for (int q = 0; q < e->nprimes; q++)
        if (rs_modp_init(&e->modp[q], rs_prime_from_seed(seed, (unsigned)q))) {
            RS_FMT(err, errlen, "internal: no prime for seed %llu", (unsigned long long)seed);
            return -1;
        }
    return 0;
}

/* The neuron bound: neuron j's columns diag(a_j) X~^T w_j have rank <= min(|a_j|, p), so
 * rank J <= V = sum_j min(|a_j|, p). */
static int neuron_bound(const rs_pattern *A, int p)
{
    int V = 0;
    for (int j0 = 0; j0 < A->d1; j0 += 64) {
        int cnt[64] = {0};
        const int q = j0 / 64, len = A->d1 - j0 < 64 ? A->d1 - j0 : 64;
        for (int i = 0; i < A->n; i++)
            for (uint64_t b = A->bits[(size_t)i * A->words + q]; b; b &= b - 1) cnt[__builtin_ctzll(b)]++;
        for (int c = 0; c < len; c++) V += cnt[c] < p ? cnt[c] : p;
    }
    return V;
}

/* V for this trial, computed once (the certificate and the exact sketch both use it). */
static int neuron_bound_of(const rs_rank_problem *pb, rs_engine_work *w)
{
    if (w->bound_v < 0) w->bound_v = neuron_bound(pb->A, pb->p);
    return w->bound_v;
}

/* The cell bound.  Points with the same activation column a_c give rows (w o a_c) (x) x~_i,
 * which span at most p dimensions, and a point with a zero column gives a zero row; so
 * rank J <= U = sum over non-zero cells of min(m_c, p).  S (ascending) holds the first
 * min(m_c, p) points of each non-zero cell; returns U = |S|.  The cells' classes go to
 * first and count (n ints each); taken (n ints) and table (rs_hash_slots(n)
 * ints) are scratch. */
static int cell_bound(const rs_pattern *A, int p, int *S, int *first, int *count, int *taken, int *table)
{
    rs_pattern_column_classes(A, first, count, table);
    int k = 0;
    for (int i = 0; i < A->n; i++) {
        const int c = first[i];
        if (c == i) taken[i] = rs_pattern_column_is_zero(A, i) ? p : 0; /* a zero cell contributes nothing */
        if (taken[c] < p) {
            taken[c]++;
            S[k++] = i;
        }
    }
    return k;
}

/* The same through the workspace; -1 out of memory. */
int rs_engine_cell_bound(const rs_pattern *A, int p, int *S, rs_workspace *ws)
{
    const int n = A->n;
    int *first = rs_workspace_ints(ws, (size_t)n * 3 + rs_hash_slots(n));
    if (!first) return -1;
    return cell_bound(A, p, S, first, first + n, first + 2 * n, first + 3 * n);
}

/* The cell bound's rows of this trial, computed once: U = |S| (S in w->S, the cells in
 * w->cells) when a zero or crowded column rules rank n out, else -1 (then U = n).  -2 out
 * of memory. */
static int cell_rows(const rs_rank_problem *pb, rs_engine_work *w)
{
    if (w->bound_k >= 0 || !pb->ruled_out) return w->bound_k;
    const int n = pb_n(pb);
    if (rs_reserve((void **)&w->S, &w->S_cap, (size_t)n, sizeof(int)) ||
        rs_reserve((void **)&w->cells, &w->cells_cap, (size_t)n * 3 + rs_hash_slots(n), sizeof(int)))
        return -2;
    int *first = w->cells;
    return w->bound_k = cell_bound(pb->A, pb->p, w->S, first, first + n, first + 2 * n, first + 3 * n);
}

/* 1 if in every crowded cell (more than p points, of which S keeps the first p) the kept
 * points' inputs x~ span R^p modulo the first prime, hence over Q (a non-zero p x p minor
 * mod p is non-zero): then every row a_c (x) x~_i of the cell lies in the span of the kept
 * rows, and rank J = rank J_S.  0 if some cell's do not (then J_S may lose rank), -1 out
 * of memory.  After cell_rows (its cells). */
static int crowded_cells_span(const rs_engine *e, const rs_rank_problem *pb, const rs_engine_work *w)
{
    const rs_pattern *A = pb->A;
    const int n = A->n, p = pb->p, *first = w->cells, *count = w->cells + n;
    uint64_t stack[64], *x = p * p <= 64 ? stack : malloc(sizeof *x * (size_t)p * (size_t)p);
    if (!x) return -1;
    int span = 1;
    for (int c = 0; c < n && span; c++) {
        /* a zero cell's rows are zero: S keeps none of them, and needs none */
        if (first[c] != c || count[c] <= p || rs_pattern_column_is_zero(A, c)) continue;
        int m = 0;
        for (int i = c; i < n && m < p; i++) /* the cell's first p points, as S has them */
            if (first[i] == c) {
                for (int t = 0; t < p && span; t++)
                    if (rs_modp_from_double(&e->modp[0], pb->xt[(size_t)i * p + t], &x[(size_t)m * p + t])) span = -1;
                m++;
            }
        int r = 0;
        if (span > 0 && rs_modp_rank_dense(&e->modp[0], p, p, x, &r)) span = -1;
        if (span > 0 && r < p) span = 0;
    }
    if (x != stack) free(x);
    return span;
}

/* The SVD rule's threshold needs sigma_max(J)^2 <= tr(J J^T) = sum_i |x~_i|^2
 * sum_{j active at i} w_j^2 <= (sum_i |x~_i|^2)(sum_j w_j^2): the bound is cheaper and only
 * raises the threshold (within a factor 1/(active fraction); the rounding shift dominates
 * the threshold by ten orders of magnitude at the default rtol).  0 for unit weights. */
static double ref_trace_of(const rs_rank_problem *pb, int weighted)
{
    const int n = pb_n(pb), p = pb->p, d1r = pb->A->d1;
    double sx = 0, sw = 0;
    for (size_t t = 0; weighted && t < (size_t)n * (size_t)p; t++) sx += pb->xt[t] * pb->xt[t];
    for (int j = 0; weighted && j < d1r; j++) sw += pb->w[j] * pb->w[j];
    return sx * sw * (1 + 4 * DBL_EPSILON * (n * p + d1r)); /* above the float sums' error */
}

/* Fewer rows than columns (d1' p < n): rank J = P' = d1' p exactly when J's P' rows are
 * independent, which the Gram certificate proves on J J^T (P' x P', the Gram matrix of
 * the stored n x P' J's columns).  The merged weights scale the rows: their independence
 * is the same, and for svd and qrcp the threshold is the weighted J's.  The entries w_j x_ic
 * round once, the dot products have n terms.  *matrank = P', or -1 when not proven. */
static int rows_step(const rs_engine *e, const rs_rank_problem *pb, rs_engine_work *w, int *matrank)
{
    const int n = pb_n(pb), P = pb->A->d1 * pb->p, weighted = !e->method->exact;
    *matrank = -1;
    if (rs_reserve((void **)&w->J, &w->J_cap, (size_t)n * (size_t)P, sizeof(double)) ||
        rs_reserve((void **)&w->G, &w->G_cap, (size_t)P * (size_t)P, sizeof(double)))
        return -1;
    rs_jacobian_build(pb->A, pb->w, pb->xt, pb->p, w->J);
    const double one = 1.0, zero = 0.0;
    dsyrk_("L", "T", &P, &n, &one, w->J, &n, &zero, w->G, &P);
    double trace = 0;
    for (int r = 0; r < P; r++) trace += w->G[(size_t)r * P + r];
    if (rs_matrank_certify_gram(P, w->G, rs_gram_error_bound(1, n, trace), weighted ? rtol_of(e, pb) : 0,
                                ref_trace_of(pb, weighted)))
        *matrank = P;
    return 0;
}

/* The Gram certificate (matrank.c) on the weighted Gram matrix, built without J.  Rank n:
 * when no zero or crowded column rules it out, prove lambda_min(J J^T) above the SVD
 * rule's threshold.  With cells = 1 (auto, exact semantics) also a rank-deficient trial:
 * prove the rows S of the cell bound independent; then rank J = U = |S|, since U is also
 * an upper bound.  With cells = 1 the rows that peel (peel_rows) are taken out first and
 * only the rest is proven, or nothing when no row is left.
 * First with the rows' Gram matrix over a subset of the neurons only (the first m, with
 * m p about 3 k columns): it is G_N = sum over those neurons of w_j^2 diag(a_j) S diag(a_j),
 * and G - G_N is the same sum over the others, positive semidefinite, so lambda_min(G) >=
 * lambda_min(G_N): a proof for G_N is one for G, at a fraction of the cost when d1' p >> k.
 * Likewise over a subset of the coordinates: X~^T X~ = sum_c x_c x_c^T >= the same sum over
 * the first s coordinates, and a Schur product with the PSD A^T A (or K) keeps the order.
 * So where p is large (the ratio family's d0 ~ n) the first try takes all neurons on the
 * first s coordinates, d1' s about 3 k, and the Gram matrix costs k^2 s, not k^2 p.
 * The SVD rule's threshold is always that of the whole J (its trace).  If the subset does
 * not prove it, all neurons and coordinates are tried.  *decided = 1 with *matrank set, or 0. */
static int certify(const rs_engine *e, const rs_rank_problem *pb, rs_engine_work *w, int cells,
                   const rs_engine_backend *be, int *decided, int *matrank)
{
    const int n = pb_n(pb), d1r = pb->A->d1, p = pb->p;
    *decided = 0;
    if (pb->ruled_out && !cells) return 0;
    /* the weighted Gram matrix (svd, qrcp) is built through a d1' x n scratch */
    const int weighted = !e->method->exact;
    size_t big = (size_t)(d1r > n ? d1r : n);
    if (rs_reserve((void **)&w->G, &w->G_cap, (size_t)n * n, sizeof(double)) ||
        (weighted && rs_reserve((void **)&w->scratch, &w->scratch_cap, big * (size_t)n, sizeof(double))) ||
        rs_reserve((void **)&w->S, &w->S_cap, (size_t)n, sizeof(int)))
        return -1;
    int k = n;
    if (pb->ruled_out && (k = cell_rows(pb, w)) < 0) return -1;
    int *S = w->S;
    if ((int64_t)d1r * p < k) { /* rank <= P' < k: the points cannot be independent; are J's rows? */
        if (!cells || (be && !be->exact_fits)) return 0;
        int r = -1, rc = be ? be->on_one(be->ctx, rows_step, e, pb, w, &r) : rows_step(e, pb, w, &r);
        if (rc || r < 0) return rc;
        *matrank = r;
        return *decided = 1, 0;
    }
    if ((pb->ruled_out || (int64_t)d1r * p < 2 * (int64_t)k) && neuron_bound_of(pb, w) < k)
        return 0; /* rank <= V < k, as below */
    *matrank = k;
    if (k == 0) return *decided = 1, 0;
    /* the rows to prove independent: S (all n when k = n).  A deficient trial of auto
     * (exact semantics) peels first, exactly: J_S has full row rank iff its core has, since
     * rank J_S = peeled + rank of the core (peel_rows), and a trial with nothing left is
     * decided without a Gram matrix.  (Where rank n is possible the Gram matrix of all
     * rows usually proves it at once, cheaper than peeling.) */
    const int *rows = k < n ? S : NULL;
    int kc = k;
    if (cells && pb->ruled_out) {
        int core = 0;
        const int peeled = peel_once(e, pb, w, rows, k, &core);
        if (peeled < 0) return -1;
        if (core == 0) return *decided = 1, 0;
        const int P = core_columns_once(pb->A, p, w);
        if (P < -1) return -1;
        if (P >= 0 && P < core) return 0; /* fewer columns than rows: for the exact step */
        if (peeled > 0) rows = w->keep, kc = core;
    }
    /* auto needs the exact rank only, which the weights do not change: it proves the
     * unit-weight Gram matrix positive definite (popcount, exact counts; no SVD threshold),
     * svd and qrcp the weighted one above the SVD rule's threshold */
    const double rtol = weighted ? rtol_of(e, pb) : 0, trace = ref_trace_of(pb, weighted);
    /* the first try: m neurons, s coordinates (below); the second all of both */
    int m = (3 * kc + p - 1) / p, s = (3 * kc + d1r - 1) / d1r;
    if (m < 8) m = 8;
    if (s < 8) s = 8;
    if (2 * s <= p) m = d1r; /* all neurons on the first s coordinates: the Gram matrix's dot products shrink */
    else s = p;
    for (;;) {
        if (m >= d1r) m = d1r;
        rs_rank_problem few = *pb; /* pb on the first s coordinates of every point */
        if (s < p) {
            if (rs_reserve((void **)&w->xcoord, &w->xcoord_cap, (size_t)n * (size_t)s, sizeof(double))) return -1;
            for (int i = 0; i < n; i++) memcpy(w->xcoord + (size_t)i * s, pb->xt + (size_t)i * p, sizeof(double) * (size_t)s);
            few.xt = w->xcoord, few.p = s;
        }
        int proved = 0;
        if (be) {
            int rc = be->certify_gram(be->ctx, &few, rows, kc, m, weighted, rtol, trace, &proved);
            if (rc) return rc;
        } else {
            rs_pattern sub = *pb->A;
            const double *xs = few.xt;
            if (rows || m < d1r) {
                if (sub_problem(&few, rows, kc, m, w, &sub)) return -1;
                xs = w->xs;
            }
            double sub_trace;
            double err = weighted ? rs_gram_build(&sub, pb->w, xs, s, w->G, w->scratch)
                                  : unit_gram(&sub, xs, s, w->G, &sub_trace);
            proved = rs_matrank_certify_gram(kc, w->G, err, rtol, trace);
        }
        if (proved) return *decided = 1, 0;
        if (m == d1r && s == p) return 0;
        m = d1r, s = p;
    }
}

/* Deterministic choice of the verified trials: a uniform draw of their own stream. */
static int chosen_for_verify(const rs_engine *e, const rs_rank_problem *pb)
{
    if (e->verify <= 0) return 0;
    rs_stream s;
    rs_stream_init(&s, e->seed, pb->cell, pb->trial, RS_STREAM_VERIFY);
    return rs_uniform01(&s) < e->verify;
}

/* A rank step here, or through the backend: exact steps on one member, float ones in
 * the backend's distributed form. */
static int run_step(const rs_engine *e, rs_rank_step step, int exact, const rs_rank_problem *pb,
                    rs_engine_work *w, const rs_engine_backend *be, int *matrank)
{
    if (!be) return step(e, pb, w, matrank);
    return exact ? be->on_one(be->ctx, step, e, pb, w, matrank) : be->rank(be->ctx, pb, rtol_of(e, pb), matrank);
}

int rs_engine_rank_on(const rs_engine *e, const rs_rank_problem *pb, rs_engine_work *w,
                      const rs_engine_backend *be, rs_rank_result *res)
{
    memset(res, 0, sizeof *res);
    w->bound_k = w->bound_v = -1;
    w->peeled = 0;
    w->peel_from = -1;
    w->colproof = 0;
    if (pb->A->d1 == 0) return 0; /* no neuron fires on any point: J = 0 */
    int rc = 0;
    if (e->method->info.certifies && e->certify &&
        (rc = certify(e, pb, w, e->method->certify_cells, be, &res->certified, &res->matrank)))
        return rc;
    if (!res->certified && (rc = run_step(e, e->method->rank, e->method->exact, pb, w, be, &res->matrank)))
        return rc;
    /* verify the certified and float ranks; auto's own exact path needs no second look */
    if ((!e->method->exact || res->certified) && (!be || be->exact_fits) && chosen_for_verify(e, pb)) {
        int exact = 0;
        if ((rc = run_step(e, rank_exact, 1, pb, w, be, &exact))) return rc;
        res->verified = 1;
        res->disagree = exact != res->matrank;
    }
    return 0;
}

int rs_engine_rank(const rs_engine *e, const rs_rank_problem *pb, rs_engine_work *w,
                   rs_rank_result *res)
{
    return rs_engine_rank_on(e, pb, w, NULL, res);
}

int rs_engine_uses_weights(const rs_engine *e) { return e->method->info.uses_v; }

void rs_engine_work_free(rs_engine_work *w)
{
    rs_workspace_free(&w->ws);
    free(w->J);
    free(w->G);
    free(w->scratch);
    free(w->S);
    free(w->cells);
    free(w->subbits);
    free(w->xs);
    free(w->xcoord);
    free(w->peel);
    free(w->keep);
    free(w->colsel);
    memset(w, 0, sizeof *w);
}
