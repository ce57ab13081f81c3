/* group_rank.c - the rank of one trial shared by a group of ranks (group.h): every
 * member fills its own blocks of the Gram matrix or of J' and ScaLAPACK decides. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "reluscape/group.h"
#include "reluscape/jacobian.h"
#include "scalapack.h"
#include "util.h"

#define ROW_CHUNK 256 /* local rows per Gram tile */

/* A k x m matrix distributed block-cyclically (square nb blocks) over the group's grid. */
typedef struct dist {
    int m, n, nb, mloc, nloc, lld;
    int desc[9];
} dist;

static int dist_init(const rs_group *grp, int m, int n, int nb, dist *d)
{
    d->m = m;
    d->n = n;
    d->nb = nb;
    d->mloc = rs_local_extent(m, nb, grp->myrow, grp->nprow);
    d->nloc = rs_local_extent(n, nb, grp->mycol, grp->npcol);
    d->lld = d->mloc > 1 ? d->mloc : 1;
    const int zero = 0;
    int info = 0;
    descinit_(d->desc, &m, &n, &nb, &nb, &zero, &zero, &grp->ctxt, &d->lld, &info);
    return info;
}

/* Global index of local index l along a dimension with blocks nb over nprocs (source 0). */
static inline int l2g(int l, int nb, int iproc, int nprocs)
{
    return ((l / nb) * nprocs + iproc) * nb + l % nb;
}

/* Testing hook: RELUSCAPE_TEST_SCALAPACK_INFO=routine:value makes `routine` report info =
 * value, so that the error path can be exercised (tests/groups.sh). */
static int injected(const char *routine, int info)
{
    const char *spec = getenv("RELUSCAPE_TEST_SCALAPACK_INFO");
    size_t len = strlen(routine);
    if (spec && !strncmp(spec, routine, len) && spec[len] == ':') return atoi(spec + len + 1);
    return info;
}

/* One info for the whole group: ScaLAPACK's are global already; this makes sure. */
static int agree(const rs_group *grp, int info)
{
    int v[2] = {info, -info}, r[2];
    RS_MPI_CHECK(MPI_Allreduce(v, r, 2, MPI_INT, MPI_MAX, grp->comm));
    return r[1] > 0 ? -r[1] : r[0];
}

static int scalapack_error(char *err, size_t errlen, const char *routine, int info, int k)
{
    if (info < 0)
        RS_FMT(err, errlen, "ScaLAPACK %s: info = %d (argument %d had an illegal value), order %d", routine,
               info, -info, k);
    else
        RS_FMT(err, errlen, "ScaLAPACK %s: info = %d (failed to converge), order %d", routine, info, k);
    return -1;
}

/* Room for this member's part; the same verdict on every member. */
static int reserve_all(const rs_group *grp, void **buf, size_t *cap, size_t count, size_t size,
                       char *err, size_t errlen)
{
    int bad = rs_reserve(buf, cap, count, size) != 0;
    if (rs_any_true(bad, grp->comm)) {
        RS_FMT(err, errlen, "out of memory for %zu bytes of a distributed matrix on some rank of the group",
               count * size);
        return -1;
    }
    return 0;
}

/* Neuron bits of point i among the first m neurons, word q. */
static inline uint64_t neuron_word(const rs_pattern *R, int i, int q, int m)
{
    uint64_t word = R->bits[(size_t)i * R->words + q];
    return m - 64 * q >= 64 ? word : word & (((uint64_t)1 << (m - 64 * q)) - 1);
}

/* K_ii over the first m neurons: weighted sum_j w_j^2 a_ji, or the count of active ones. */
static double neuron_diag(const rs_rank_problem *pb, int i, int m, int weighted)
{
    double s = 0;
    for (int q = 0; 64 * q < m; q++) {
        uint64_t word = neuron_word(pb->A, i, q, m);
        while (word) {
            int j = q * 64 + __builtin_ctzll(word);
            word &= word - 1;
            s += weighted ? pb->w[j] * pb->w[j] : 1.0;
        }
    }
    return s;
}

/* tr G over the points pts[0..k) and the first m neurons, computed the same way on every
 * member and for any g. */
static double gram_trace(const rs_rank_problem *pb, const int *pts, int k, int m, int weighted)
{
    double t = 0;
    for (int a = 0; a < k; a++) {
        const double *x = pb->xt + (size_t)pts[a] * pb->p;
        double s = 0;
        for (int q = 0; q < pb->p; q++) s += x[q] * x[q];
        t += neuron_diag(pb, pts[a], m, weighted) * s;
    }
    return t;
}

/* Column of B (m x cols): |w_j| where neuron j < m fires on point i. */
static void neuron_column(const rs_rank_problem *pb, int i, int m, double *b)
{
    memset(b, 0, sizeof *b * (size_t)m);
    for (int q = 0; 64 * q < m; q++) {
        uint64_t word = neuron_word(pb->A, i, q, m);
        while (word) {
            int j = q * 64 + __builtin_ctzll(word);
            word &= word - 1;
            b[j] = fabs(pb->w[j]);
        }
    }
}

/* This member's blocks of G[a][b] = K(pts[a], pts[b]) S(pts[a], pts[b]) on and below the
 * diagonal (the only part pdpotrf and pdsyev read with uplo = 'L').  weighted: K =
 * sum_{j < m} w_j^2 a_ja a_jb by dgemm (the certificate's matrix, as rs_gram_build);
 * otherwise the popcount A'^T A' over all neurons (the gram method's matrix, exact
 * integers).  tile: scratch of (m + p) (ROW_CHUNK + nb) + ROW_CHUNK nb doubles. */
static void fill_gram(const rs_group *grp, const rs_rank_problem *pb, const int *pts, const dist *d, int m,
                      int weighted, double *G, double *tile)
{
    const rs_pattern *R = pb->A;
    const int d1 = m, p = pb->p, nb = d->nb, words = R->words;
    double *Br = tile, *Bc = Br + (size_t)d1 * ROW_CHUNK, *Xr = Bc + (size_t)d1 * nb,
           *Xc = Xr + (size_t)p * ROW_CHUNK, *S = Xc + (size_t)p * nb;
    int rows[ROW_CHUNK];
    const double one = 1.0, zero = 0.0;
    for (int lj0 = 0; lj0 < d->nloc; lj0 += nb) {
        int cw = d->nloc - lj0 < nb ? d->nloc - lj0 : nb;
        int gcb = (lj0 / nb) * grp->npcol + grp->mycol; /* global block column */
        /* local block rows whose global block row is >= gcb */
        int lbi0 = gcb > grp->myrow ? (gcb - grp->myrow + grp->nprow - 1) / grp->nprow : 0;
        if (lbi0 * nb >= d->mloc) continue;
        for (int c = 0; c < cw; c++) {
            int pt = pts[gcb * nb + c];
            if (weighted) neuron_column(pb, pt, m, Bc + (size_t)c * d1);
            memcpy(Xc + (size_t)c * p, pb->xt + (size_t)pt * p, sizeof *Xc * (size_t)p);
        }
        for (int li0 = lbi0 * nb; li0 < d->mloc; li0 += ROW_CHUNK) {
            int rh = d->mloc - li0 < ROW_CHUNK ? d->mloc - li0 : ROW_CHUNK;
            double *Gt = G + (size_t)lj0 * d->lld + li0;
            for (int r = 0; r < rh; r++) {
                rows[r] = pts[l2g(li0 + r, nb, grp->myrow, grp->nprow)];
                if (weighted) neuron_column(pb, rows[r], m, Br + (size_t)r * d1);
                memcpy(Xr + (size_t)r * p, pb->xt + (size_t)rows[r] * p, sizeof *Xr * (size_t)p);
            }
            if (weighted) {
                dgemm_("T", "N", &rh, &cw, &d1, &one, Br, &d1, Bc, &d1, &zero, Gt, &d->lld);
            } else {
                const int full = m / 64, last = m % 64; /* the first m neurons */
                const uint64_t mask = last ? ((uint64_t)1 << last) - 1 : 0;
                for (int c = 0; c < cw; c++) {
                    const uint64_t *bc = R->bits + (size_t)pts[gcb * nb + c] * words;
                    for (int r = 0; r < rh; r++) {
                        const uint64_t *br = R->bits + (size_t)rows[r] * words;
                        int common = 0;
                        for (int q = 0; q < full; q++) common += __builtin_popcountll(br[q] & bc[q]);
                        if (last) common += __builtin_popcountll(br[full] & bc[full] & mask);
                        Gt[(size_t)c * d->lld + r] = common;
                    }
                }
            }
            dgemm_("T", "N", &rh, &cw, &p, &one, Xr, &p, Xc, &p, &zero, S, &rh);
            for (int c = 0; c < cw; c++)
                for (int r = 0; r < rh; r++) Gt[(size_t)c * d->lld + r] *= S[(size_t)c * rh + r];
        }
    }
}

/* G_ii -= shift on this member's part of the diagonal. */
static void shift_diagonal(const rs_group *grp, const dist *d, double *G, double shift)
{
    for (int i = 0; i < d->m; i++) {
        int blk = i / d->nb;
        if (blk % grp->nprow != grp->myrow || blk % grp->npcol != grp->mycol) continue;
        int li = (blk / grp->nprow) * d->nb + i % d->nb, lj = (blk / grp->npcol) * d->nb + i % d->nb;
        G[(size_t)lj * d->lld + li] -= shift;
    }
}

/* Build this member's part of the Gram matrix on pts[0..k) (neurons < m) into w->mat. */
static int build_gram(const rs_group *grp, const rs_rank_problem *pb, const int *pts, int k, int m, int weighted,
                      rs_group_work *w, dist *d, char *err, size_t errlen)
{
    int info = dist_init(grp, k, k, rs_block_size(k, grp->nprow, grp->npcol), d);
    if (info) return scalapack_error(err, errlen, "descinit", info, k);
    size_t tile = (size_t)(m + pb->p) * (ROW_CHUNK + (size_t)d->nb) + (size_t)ROW_CHUNK * d->nb;
    if (reserve_all(grp, (void **)&w->mat, &w->mat_cap, (size_t)d->lld * (size_t)(d->nloc > 0 ? d->nloc : 1),
                    sizeof(double), err, errlen) ||
        reserve_all(grp, (void **)&w->tile, &w->tile_cap, tile, sizeof(double), err, errlen))
        return -1;
    fill_gram(grp, pb, pts, d, m, weighted, w->mat, w->tile);
    return 0;
}

/* pdpotrf of this member's part: 0 positive definite, 1 not, -1 an error. */
static int cholesky(const rs_group *grp, const dist *d, double *G, char *err, size_t errlen)
{
    const int one = 1;
    int info = 0;
    pdpotrf_("L", &d->m, G, &one, &one, d->desc, &info);
    info = agree(grp, injected("pdpotrf", info));
    if (info < 0) return scalapack_error(err, errlen, "pdpotrf", info, d->m);
    return info > 0;
}

/* This member's blocks of J' (n x d1' p): J'[i, j p + k] = w_j a_ji x~_ki. */
static void fill_jacobian(const rs_group *grp, const rs_rank_problem *pb, const dist *d, double *J)
{
    const int p = pb->p;
    for (int lj = 0; lj < d->nloc; lj++) {
        int gj = l2g(lj, d->nb, grp->mycol, grp->npcol), j = gj / p, k = gj % p;
        double *col = J + (size_t)lj * d->lld;
        for (int li = 0; li < d->mloc; li++) {
            int gi = l2g(li, d->nb, grp->myrow, grp->nprow);
            col[li] = rs_pattern_get(pb->A, j, gi) ? pb->w[j] * pb->xt[(size_t)gi * p + k] : 0.0;
        }
    }
}

/* Fewer columns than rows (P' = d1' p < n): C = J'^T J' (P' x P', pdsyrk) has the non-zero
 * eigenvalues of G = J' J'^T.  J' and C share w->mat; the caller checks they fit in the
 * room of G.  *dc describes C, which starts at *c. */
static int build_column_gram(const rs_group *grp, const rs_rank_problem *pb, rs_group_work *w, dist *dc,
                             double **c, char *err, size_t errlen)
{
    const int n = pb->A->n, cols = pb->A->d1 * pb->p;
    dist dj;
    int nb = rs_block_size(cols, grp->nprow, grp->npcol), info;
    if ((info = dist_init(grp, n, cols, nb, &dj)) || (info = dist_init(grp, cols, cols, nb, dc)))
        return scalapack_error(err, errlen, "descinit", info, cols);
    size_t jsize = (size_t)dj.lld * (size_t)(dj.nloc > 0 ? dj.nloc : 1);
    if (reserve_all(grp, (void **)&w->mat, &w->mat_cap, jsize + (size_t)dc->lld * (size_t)(dc->nloc > 0 ? dc->nloc : 1),
                    sizeof(double), err, errlen))
        return -1;
    fill_jacobian(grp, pb, &dj, w->mat);
    *c = w->mat + jsize;
    const int one = 1;
    const double alpha = 1.0, beta = 0.0;
    pdsyrk_("L", "T", &cols, &n, &alpha, w->mat, &one, &one, dj.desc, &beta, *c, &one, &one, dc->desc);
    return 0;
}

/* svd: the singular values of J' (pdgesvd), counted by the SVD rule. */
static int rank_svd(const rs_group *grp, const rs_rank_problem *pb, double rtol, rs_group_work *w,
                    int *matrank, char *err, size_t errlen)
{
    const rs_pattern *R = pb->A;
    const int n = R->n, p = pb->p, cols = R->d1 * p, mn = n < cols ? n : cols;
    dist d;
    int info = dist_init(grp, n, cols, rs_block_size(mn, grp->nprow, grp->npcol), &d);
    if (info) return scalapack_error(err, errlen, "descinit", info, n);
    if (reserve_all(grp, (void **)&w->mat, &w->mat_cap, (size_t)d.lld * (size_t)(d.nloc > 0 ? d.nloc : 1),
                    sizeof(double), err, errlen))
        return -1;
    fill_jacobian(grp, pb, &d, w->mat);
    double *s = malloc(sizeof *s * (size_t)mn), query = 0;
    int bad = !s;
    const int one = 1, minus1 = -1;
    if (!bad) pdgesvd_("N", "N", &n, &cols, w->mat, &one, &one, d.desc, s, NULL, &one, &one, d.desc, NULL,
                       &one, &one, d.desc, &query, &minus1, &info);
    int lwork = (int)(query * 1.01) + 64 * d.nb; /* a little room: some versions under-report */
    if (rs_any_true(bad || rs_reserve((void **)&w->work, &w->work_cap, (size_t)lwork, sizeof(double)), grp->comm)) {
        free(s);
        return RS_FMT(err, errlen, "out of memory for pdgesvd's workspace"), -1;
    }
    pdgesvd_("N", "N", &n, &cols, w->mat, &one, &one, d.desc, s, NULL, &one, &one, d.desc, NULL, &one, &one,
             d.desc, w->work, &lwork, &info);
    info = agree(grp, injected("pdgesvd", info));
    int r = 0;
    double cut = s[0] * rtol;
    for (int i = 0; i < mn && !info; i++) r += s[i] > cut;
    free(s);
    if (info) return scalapack_error(err, errlen, "pdgesvd", info, n);
    *matrank = r;
    return 0;
}

/* gram: rank of (A'^T A') o (X~^T X~) above 2 (n + 1) u tr G, as dpstrf's rule (engine.c). */
static int rank_gram(const rs_group *grp, const rs_rank_problem *pb, rs_group_work *w, int *matrank,
                     char *err, size_t errlen)
{
    const int n = pb->A->n;
    if (rs_reserve((void **)&w->points, &w->points_cap, (size_t)n, sizeof(int)))
        return RS_FMT(err, errlen, "out of memory"), -1;
    for (int i = 0; i < n; i++) w->points[i] = i;
    double trace = gram_trace(pb, w->points, n, pb->A->d1, 0);
    if (!isfinite(trace)) return RS_FMT(err, errlen, "the Gram matrix is not finite (data too large)"), -1;
    if (!(trace > 0)) return *matrank = 0, 0;
    double tol = 2.0 * (n + 1) * (DBL_EPSILON / 2) * trace;
    dist d;
    /* A zero or crowded column caps the rank at the cell bound U (engine.c): if the
     * principal submatrix on the U points clears the threshold, the rank is U; otherwise,
     * and at full rank, try all n points. */
    int k = pb->ruled_out ? rs_engine_cell_bound(pb->A, pb->p, w->points, &w->ew.ws) : n;
    if (k < 0) return RS_FMT(err, errlen, "out of memory"), -1;
    if (k == 0) return *matrank = 0, 0;
    if (k < n) {
        if (build_gram(grp, pb, w->points, k, pb->A->d1, 0, w, &d, err, errlen)) return -1;
        shift_diagonal(grp, &d, w->mat, tol);
        int rc = cholesky(grp, &d, w->mat, err, errlen);
        if (rc <= 0) return rc < 0 ? -1 : (*matrank = k, 0);
        for (int i = 0; i < n; i++) w->points[i] = i;
    }
    /* Fewer columns than points: rank <= P', and C = J'^T J' clearing the threshold makes
     * it P' (when J' and C fit in the room of G) */
    const int cols = pb->A->d1 * pb->p;
    if (cols < n && (double)cols * (n + cols) <= (double)n * n) {
        double *c;
        if (build_column_gram(grp, pb, w, &d, &c, err, errlen)) return -1;
        shift_diagonal(grp, &d, c, tol);
        int rc = cholesky(grp, &d, c, err, errlen);
        if (rc <= 0) return rc < 0 ? -1 : (*matrank = cols, 0);
    }
    if (build_gram(grp, pb, w->points, n, pb->A->d1, 0, w, &d, err, errlen)) return -1;
    shift_diagonal(grp, &d, w->mat, tol);
    int rc = cholesky(grp, &d, w->mat, err, errlen);
    if (rc <= 0) return rc < 0 ? -1 : (*matrank = n, 0);
    /* some eigenvalue is at most about tol: count them all */
    if (build_gram(grp, pb, w->points, n, pb->A->d1, 0, w, &d, err, errlen)) return -1;
    const int one = 1, minus1 = -1;
    double query = 0, *ev = malloc(sizeof *ev * (size_t)n);
    int info = 0, bad = !ev;
    if (!bad) pdsyev_("N", "L", &n, w->mat, &one, &one, d.desc, ev, NULL, &one, &one, d.desc, &query, &minus1, &info);
    int lwork = (int)(query * 1.01) + 64 * d.nb;
    if (rs_any_true(bad || rs_reserve((void **)&w->work, &w->work_cap, (size_t)lwork, sizeof(double)), grp->comm)) {
        free(ev);
        return RS_FMT(err, errlen, "out of memory for pdsyev's workspace"), -1;
    }
    pdsyev_("N", "L", &n, w->mat, &one, &one, d.desc, ev, NULL, &one, &one, d.desc, w->work, &lwork, &info);
    info = agree(grp, injected("pdsyev", info));
    int r = 0;
    for (int i = 0; i < n && !info; i++) r += ev[i] > tol;
    free(ev);
    if (info) return scalapack_error(err, errlen, "pdsyev", info, n);
    *matrank = r;
    return 0;
}

/* The backend (engine.h) of one group for one trial. */
typedef struct backend_ctx {
    const rs_group *grp;
    rs_group_form method;
    rs_group_work *w;
    char *err;
    size_t errlen;
} backend_ctx;

/* The certificate's step (rs_matrank_certify_gram, distributed): the Gram matrix of the
 * points S (all if NULL) over the first m neurons, weighted or not, shifted by 100 tol^2
 * (tol: the SVD rule's threshold from ref_trace), twice its rounding bound and twice the
 * Cholesky's rounding error, is positive definite. */
static int be_certify_gram(void *ctx, const rs_rank_problem *pb, const int *S, int k, int m, int weighted,
                           double rtol, double ref_trace, int *proved)
{
    backend_ctx *c = ctx;
    rs_group_work *w = c->w;
    *proved = 0;
    if (rs_reserve((void **)&w->points, &w->points_cap, (size_t)k, sizeof(int)))
        return RS_FMT(c->err, c->errlen, "out of memory"), -1;
    for (int a = 0; a < k; a++) w->points[a] = S ? S[a] : a;
    double trace = gram_trace(pb, w->points, k, m, weighted);
    if (!(trace > 1e-250) || !isfinite(trace) || !isfinite(ref_trace)) return 0; /* as the serial rule */
    /* unit weights: the neuron counts are exact, only X~^T X~ and the product round */
    double err = rs_gram_error_bound(weighted ? m : 0, pb->p, trace);
    double shift = rs_matrank_certify_shift(k, err, rtol, trace, ref_trace);
    dist d;
    if (build_gram(c->grp, pb, w->points, k, m, weighted, w, &d, c->err, c->errlen)) return -1;
    shift_diagonal(c->grp, &d, w->mat, shift);
    int rc = cholesky(c->grp, &d, w->mat, c->err, c->errlen);
    if (rc < 0) return -1;
    *proved = rc == 0;
    return 0;
}

static int be_rank(void *ctx, const rs_rank_problem *pb, double rtol, int *matrank)
{
    backend_ctx *c = ctx;
    if (c->method == RS_GROUP_FORM_SVD) return rank_svd(c->grp, pb, rtol, c->w, matrank, c->err, c->errlen);
    return rank_gram(c->grp, pb, c->w, matrank, c->err, c->errlen);
}

/* The exact step on the group's first rank, its answer shared with all. */
static int be_on_one(void *ctx, rs_rank_step step, const rs_engine *e, const rs_rank_problem *pb,
                     rs_engine_work *ew, int *matrank)
{
    backend_ctx *c = ctx;
    int out[2] = {0, 0}; /* status, rank */
    if (c->grp->rank == 0) out[0] = step(e, pb, ew, &out[1]);
    RS_MPI_CHECK(MPI_Bcast(out, 2, MPI_INT, 0, c->grp->comm));
    if (out[0]) RS_FMT(c->err, c->errlen, "the exact rank failed on the group's first rank (%s %d)",
                       out[0] < 0 ? "out of memory:" : "LAPACK info", out[0]);
    *matrank = out[1];
    return out[0];
}

int rs_group_rank(const rs_group *grp, rs_group_form m, const rs_engine *e, const rs_rank_problem *pb,
                  int exact_fits, rs_group_work *w, rs_rank_result *res, char *err, size_t errlen)
{
    backend_ctx c = {.grp = grp, .method = m, .w = w, .err = err, .errlen = errlen};
    rs_engine_backend be = {.certify_gram = be_certify_gram, .rank = be_rank, .on_one = be_on_one,
                            .exact_fits = exact_fits, .ctx = &c};
    err[0] = '\0';
    int rc = rs_engine_rank_on(e, pb, &w->ew, &be, res);
    if (rc && !err[0]) RS_FMT(err, errlen, "out of memory");
    return rc ? -1 : 0;
}

void rs_group_work_free(rs_group_work *w)
{
    free(w->mat);
    free(w->tile);
    free(w->work);
    free(w->points);
    rs_engine_work_free(&w->ew);
    memset(w, 0, sizeof *w);
}
