/* footprint.c - memory per rank of a trial (footprint.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reluscape/footprint.h"
#include "reluscape/group.h"
#include "reluscape/jacobian.h"
#include "util.h"

#define ROW_CHUNK 256 /* group_rank.c's Gram tile height */
#define MIB (1024.0 * 1024.0)

/* What every rank holds to prepare a trial (rs_trial_work): data, v, neuron rows and
 * keys, A and A', point scratch. */
static double prepare_bytes(const rs_cell *c)
{
    double n = c->n, d1 = c->d1, p = c->p;
    return 8 * p * n + 16 * d1 + 4 * n + 8 * d1 * ceil(n / 64) +
           (double)rs_neuron_keys(c->d1) * sizeof(rs_neuron_key) + 2 * 8 * ceil(d1 / 64) * n;
}

double rs_exact_bytes(const rs_cell *c)
{
    double n = c->n, P = (double)c->d1 * c->p, mn = n < P ? n : P;
    /* the residues of J^T or of the sketch (whole passes of 8 columns), of X~, one pass of
     * R, its subset sums and table, the elimination's multiplier limbs and swaps; a tall
     * core's columns and their Gram matrix with the list of its neurons (engine.c: fewer
     * columns than rows, so at most n x mn and mn x mn) */
    return 8 * n * (mn + 8) + 8 * c->p * n + 64 * ((double)c->d1 + c->p) + 64 * n + 16384 + 32 * n +
           8 * n * mn + 8 * mn * mn + 16 * (double)c->d1 + 4 * n;
}

static double serial_bytes(const rs_config *cfg, const rs_cell *c)
{
    double n = c->n, d1 = c->d1, P = (double)c->d1 * c->p, mn = n < P ? n : P;
    double big = d1 > n ? d1 : n;
    const rs_method_info *m = rs_method_lookup(cfg->rank_method);
    int dense = m->form == RS_FORM_DENSE;
    double b = prepare_bytes(c) + 8 * n * n;            /* G (certificate, gram) */
    if (dense) b += 8 * big * n;                         /* the weighted certificate's scratch */
    b += 32 * n + 8 * n * ceil(d1 / 64) + 8 * c->p * n;  /* the cell bound's rows and cells, sub-pattern, inputs */
    int modular = m->form == RS_FORM_MODULAR; /* auto, exact */
    if (dense) b += 8 * n * P + 8 * (5 * mn + (n > P ? n : P)) + 64 * P; /* J and LAPACK work */
    if (modular || cfg->verify > 0) b += rs_exact_bytes(c);
    return b;
}

/* Local part of a k x m block-cyclic matrix on process (0, 0), the largest. */
static double local_doubles(int k, int m, int nb, int nprow, int npcol)
{
    return (double)rs_local_extent(k, nb, 0, nprow) * (double)rs_local_extent(m, nb, 0, npcol);
}

double rs_group_trial_bytes(const rs_config *cfg, const rs_cell *c, int g)
{
    int nprow, npcol;
    rs_blacs_shape(g, &nprow, &npcol);
    const int n = c->n;
    const int64_t P = (int64_t)c->d1 * c->p;
    int nb = rs_block_size(n, nprow, npcol);
    double mat = local_doubles(n, n, nb, nprow, npcol); /* the Gram matrix */
    double tile = (double)(c->d1 + c->p) * (ROW_CHUNK + nb) + (double)ROW_CHUNK * nb;
    double work = 0, extra = 0;
    rs_group_form form = rs_method_lookup(cfg->rank_method)->group;
    if (form == RS_GROUP_FORM_SVD) {
        int cols = P > 2000000000 ? 2000000000 : (int)P, mn = n < cols ? n : cols;
        int nbj = rs_block_size(mn, nprow, npcol);
        double mloc = rs_local_extent(n, nbj, 0, nprow), nloc = rs_local_extent(cols, nbj, 0, npcol);
        double jloc = mloc * nloc;
        if (jloc > mat) mat = jloc;
        /* pdgesvd without vectors: bidiagonal reduction panels and the singular values */
        work = (double)nbj * (mloc + nloc + 1) * 2 + 8.0 * (n > cols ? n : cols) + 64.0 * nbj + mn;
    } else if (form == RS_GROUP_FORM_GRAM) {
        /* pdsyev without vectors: tridiagonal reduction panels and the eigenvalues */
        double mloc = rs_local_extent(n, nb, 0, nprow);
        work = 5.0 * n + (double)nb * (mloc + 1) * 3 + 64.0 * nb + n;
    } else { /* auto: the exact rank of undecided trials on the group's first rank */
        extra = rs_exact_bytes(c);
    }
    return prepare_bytes(c) + 8 * (mat + tile + work) + 4.0 * n + extra;
}

double rs_trial_bytes(const rs_config *cfg, const rs_cell *c, int g)
{
    return g <= 1 ? serial_bytes(cfg, c) : rs_group_trial_bytes(cfg, c, g);
}

int64_t rs_mem_per_rank_auto(MPI_Comm comm, const char **source)
{
    MPI_Comm node;
    int local = 1;
    RS_MPI_CHECK(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
    MPI_Comm_size(node, &local);
    MPI_Comm_free(&node);
    const char *per_cpu = getenv("SLURM_MEM_PER_CPU"), *per_node = getenv("SLURM_MEM_PER_NODE"),
               *cpt = getenv("SLURM_CPUS_PER_TASK");
    double mem;
    if (per_cpu && atof(per_cpu) > 0) {
        double cpus = cpt && atoi(cpt) > 0 ? atoi(cpt) : 1;
        mem = atof(per_cpu) * MIB * cpus; /* SLURM gives MiB */
        *source = "SLURM_MEM_PER_CPU";
    } else if (per_node && atof(per_node) > 0) {
        mem = atof(per_node) * MIB / local;
        *source = "SLURM_MEM_PER_NODE / ranks on the node";
    } else {
        mem = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) / local;
        *source = "the node's memory / ranks on the node";
    }
    int64_t mine = mem > 0 ? (int64_t)mem : INT64_MAX, all;
    RS_MPI_CHECK(MPI_Allreduce(&mine, &all, 1, MPI_INT64_T, MPI_MIN, comm));
    return all;
}

int rs_memory_check(const rs_config *cfg, const rs_grid *g, rs_bytes_fn bytes, int nranks, int64_t mem,
                    const char *cfgname, char *err, size_t errlen)
{
    int gs = cfg->group_size < nranks ? (int)cfg->group_size : nranks;
    for (int k = 0; k < g->ncells; k++) {
        const rs_cell *c = &g->cells[k];
        double need = bytes(cfg, c, gs);
        if (need <= (double)mem) continue;
        int fit = 0;
        for (int t = 2; t <= 65536 && !fit; t++)
            if (bytes(cfg, c, t) <= (double)mem) fit = t;
        char hint[256];
        if (fit)
            RS_FMT(hint, sizeof hint, "the smallest rank.group_size that fits is %d%s", fit,
                   fit > nranks ? " (and at least as many ranks)" : "");
        else if (rs_method_lookup(cfg->rank_method)->group == RS_GROUP_FORM_AUTO)
            RS_FMT(hint, sizeof hint, "no rank.group_size fits: auto ranks undecided trials exactly on one "
                   "rank (%.1f MiB); use rank.method = svd or gram", rs_exact_bytes(c) / MIB);
        else
            RS_FMT(hint, sizeof hint, "no rank.group_size up to 65536 fits");
        RS_FMT(err, errlen,
               "%s: key 'rank.mem_per_rank': a trial of cell d0=%d d1=%d n=%d needs %.1f MiB per rank with "
               "rank.group_size = %d (rank.method = %s) but a rank may use %.1f MiB; %s",
               cfgname, c->d0, c->d1, c->n, need / MIB, gs, cfg->rank_method, (double)mem / MIB, hint);
        return -1;
    }
    return 0;
}
