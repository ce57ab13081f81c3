/* train_kernels.h - the two passes of a training step for one instruction set, included
 * by train.c once per set (SSE2, AVX2, or plain C) with these defined:
 *   VEC, LANES          the vector type and its doubles
 *   V_LOAD V_STORE V_SET1 V_ADD V_MUL V_ZERO
 *   V_ACTIVE(z, t)      t where z > 0, else +0
 *   V_BITS(z)           the lanes with z > 0 as bits (lane 0 = bit 0)
 *   KFN(name)           the function's name for this set;  KATTR its attributes
 * and undefined again at the end, ready for the next set.
 * Every set does the same operations in the same order on each element, and no sum runs
 * across lanes: the forward pass is vectorised over points (f_i sums over neurons), the
 * backward pass over neurons (s_jr sums over points), so all sets give the same bits. */

/* z_k of LANES points at i for nb neurons (weights wp[k p + r] broadcast), summed over
 * coordinates in increasing order. */
KATTR static inline __attribute__((always_inline)) void KFN(preact_points)(const double *x, int npad, int p,
                                                                     const VEC *wp, int nb, int i, VEC *z)
{
    const VEC x0 = V_LOAD(x + i);
    for (int k = 0; k < nb; k++) z[k] = V_MUL(wp[k * p], x0);
    for (int r = 1; r < p; r++) {
        const VEC xr = V_LOAD(x + (size_t)r * npad + i);
        for (int k = 0; k < nb; k++) z[k] = V_ADD(z[k], V_MUL(wp[k * p + r], xr));
    }
}

/* f += Σ_k v_k relu(z_k) for nb ≤ NB neurons with p ≤ RS_TRAIN_BLOCK_P inputs, and their
 * activity bits (nb rows of `words`). */
KATTR static inline __attribute__((always_inline)) void KFN(forward_body)(const rs_train_work *tw, const double *w,
                                                                    const double *v, const int nb, const int p,
                                                                    double *restrict f, uint64_t *bits)
{
    const int npad = tw->npad, words = (tw->n + 63) / 64;
    VEC z[NB], wp[NB * RS_TRAIN_BLOCK_P], vp[NB];
    for (int k = 0; k < nb * p; k++) wp[k] = V_SET1(w[k]);
    for (int k = 0; k < nb; k++) vp[k] = V_SET1(v[k]);
    for (int lo = 0, wd = 0; lo < npad; lo += 64, wd++) {
        const int hi = npad < lo + 64 ? npad : lo + 64;
        uint64_t word[NB] = {0};
        for (int i = lo; i < hi; i += LANES) {
            KFN(preact_points)(tw->x, npad, p, wp, nb, i, z);
            VEC fi = V_LOAD(f + i);
            for (int k = 0; k < nb; k++) {
                fi = V_ADD(fi, V_ACTIVE(z[k], V_MUL(vp[k], z[k])));
                word[k] |= (uint64_t)V_BITS(z[k]) << (i - lo);
            }
            V_STORE(f + i, fi);
        }
        for (int k = 0; k < nb && wd < words; k++) bits[k * words + wd] = word[k];
    }
}

/* One block of the forward pass; wide inputs one coordinate row at a time. */
KATTR static void KFN(forward_block)(const rs_train_work *tw, const double *w, const double *v, int nb,
                                     double *f, uint64_t *bits)
{
    const int p = tw->p;
    if (nb == NB) {
        switch (p) {
        case 1: KFN(forward_body)(tw, w, v, NB, 1, f, bits); return;
        case 2: KFN(forward_body)(tw, w, v, NB, 2, f, bits); return;
        case 3: KFN(forward_body)(tw, w, v, NB, 3, f, bits); return;
        case 4: KFN(forward_body)(tw, w, v, NB, 4, f, bits); return;
        }
    }
    if (p <= RS_TRAIN_BLOCK_P) {
        KFN(forward_body)(tw, w, v, nb, p, f, bits);
        return;
    }
    const int npad = tw->npad, words = (tw->n + 63) / 64;
    for (int k = 0; k < nb; k++) {
        const double *wk = w + (size_t)k * p;
        double *z = tw->z;
        for (int i = 0; i < npad; i += LANES) V_STORE(z + i, V_MUL(V_SET1(wk[0]), V_LOAD(tw->x + i)));
        for (int r = 1; r < p; r++)
            for (int i = 0; i < npad; i += LANES)
                V_STORE(z + i, V_ADD(V_LOAD(z + i), V_MUL(V_SET1(wk[r]), V_LOAD(tw->x + (size_t)r * npad + i))));
        const VEC vk = V_SET1(v[k]);
        for (int i = 0; i < npad; i += LANES) {
            const VEC zi = V_LOAD(z + i);
            V_STORE(f + i, V_ADD(V_LOAD(f + i), V_ACTIVE(zi, V_MUL(vk, zi))));
            if (i / 64 < words) bits[k * words + i / 64] |= (uint64_t)V_BITS(zi) << (i % 64);
        }
    }
}

/* S[r][j] = Σ_i a_ji r_i x̃_ir for 2 LANES neurons from j0 (Wt, S: p rows of d1pad), the
 * points in increasing order.  p ≤ RS_TRAIN_BLOCK_P. */
KATTR static inline __attribute__((always_inline)) void KFN(backward_body)(const rs_train_work *tw, const double *Wt,
                                                                     int j0, const int p, double *S)
{
    const int n = tw->n, npad = tw->npad, d1pad = tw->d1pad;
    VEC w[2 * RS_TRAIN_BLOCK_P], s[2 * RS_TRAIN_BLOCK_P];
    for (int r = 0; r < p; r++)
        for (int h = 0; h < 2; h++) {
            w[2 * r + h] = V_LOAD(Wt + (size_t)r * d1pad + j0 + h * LANES);
            s[2 * r + h] = V_ZERO();
        }
    for (int i = 0; i < n; i++) {
        VEC z[2], xr[RS_TRAIN_BLOCK_P];
        for (int r = 0; r < p; r++) xr[r] = V_SET1(tw->x[(size_t)r * npad + i]);
        for (int h = 0; h < 2; h++) {
            z[h] = V_MUL(w[h], xr[0]);
            for (int r = 1; r < p; r++) z[h] = V_ADD(z[h], V_MUL(w[2 * r + h], xr[r]));
        }
        const VEC ri = V_SET1(tw->r[i]);
        for (int h = 0; h < 2; h++) {
            const VEC q = V_ACTIVE(z[h], ri);
            for (int r = 0; r < p; r++) s[2 * r + h] = V_ADD(s[2 * r + h], V_MUL(q, xr[r]));
        }
    }
    for (int r = 0; r < p; r++)
        for (int h = 0; h < 2; h++) V_STORE(S + (size_t)r * d1pad + j0 + h * LANES, s[2 * r + h]);
}

/* The backward pass's sums for every neuron (d1pad a multiple of 2 LANES). */
KATTR static void KFN(backward_all)(const rs_train_work *tw, const double *Wt, double *S)
{
    const int p = tw->p, n = tw->n, npad = tw->npad, d1pad = tw->d1pad;
    for (int j0 = 0; j0 < d1pad; j0 += 2 * LANES) {
        switch (p) {
        case 1: KFN(backward_body)(tw, Wt, j0, 1, S); continue;
        case 2: KFN(backward_body)(tw, Wt, j0, 2, S); continue;
        case 3: KFN(backward_body)(tw, Wt, j0, 3, S); continue;
        case 4: KFN(backward_body)(tw, Wt, j0, 4, S); continue;
        }
        if (p <= RS_TRAIN_BLOCK_P) {
            KFN(backward_body)(tw, Wt, j0, p, S);
            continue;
        }
        /* wide inputs: the sums in S itself, one lane group at a time */
        for (int h = 0; h < 2; h++) {
            const int j = j0 + h * LANES;
            for (int r = 0; r < p; r++) V_STORE(S + (size_t)r * d1pad + j, V_ZERO());
            for (int i = 0; i < n; i++) {
                VEC z = V_MUL(V_LOAD(Wt + j), V_SET1(tw->x[i]));
                for (int r = 1; r < p; r++)
                    z = V_ADD(z, V_MUL(V_LOAD(Wt + (size_t)r * d1pad + j), V_SET1(tw->x[(size_t)r * npad + i])));
                const VEC q = V_ACTIVE(z, V_SET1(tw->r[i]));
                for (int r = 0; r < p; r++) {
                    double *sr = S + (size_t)r * d1pad + j;
                    V_STORE(sr, V_ADD(V_LOAD(sr), V_MUL(q, V_SET1(tw->x[(size_t)r * npad + i]))));
                }
            }
        }
    }
}

#undef VEC
#undef LANES
#undef V_LOAD
#undef V_STORE
#undef V_SET1
#undef V_ADD
#undef V_MUL
#undef V_ZERO
#undef V_ACTIVE
#undef V_BITS
#undef KFN
#undef KATTR
