/*
 * mtp: generation of the basis of a given level (alpha_index_basic, alpha_index_times,
 * alpha_moment_mapping), documented in mtp.h at mtp_pot_generate.
 *
 * A scalar B is a full contraction of k <= 4 moment tensors M_{mu_v, nu_v}, described by a
 * multigraph on k vertices labelled mu_v, without loops: e_uv indices of M_u are contracted
 * with e_uv indices of M_v, so nu_v = sum_u e_uv. Its level is sum_v (2 + 4 mu_v + nu_v) =
 * 2k + 4 sum mu + 2 E (E edges). The basis of level L is one scalar per isomorphism class of such
 * graphs with level <= L (for L >= 22, mu <= 5 and nu <= 10, as MLIP's untrained_mtps): this
 * gives MLIP's counts K = 1, 2, 5, 9, 16, 29, 52, 92, 163, 288, 500, 864, 1464, 2445 for
 * L = 2 .. 28 (tests/unit/mtp_test.c). The scalars are MLIP's, value for value: checked in the
 * tests against the 06, 10 and 16 potentials of the interop data, and once, by hand, against
 * every untrained_mtps/LL.mtp of MLIP-2 (levels 2 to 28, all K scalars matched one to one).
 *
 * Componentwise: a symmetric tensor is stored by multi-index counts kappa = (a, b, c); a bundle
 * of m contracted indices sums over the m-index sequences, which group into counts kappa with
 * multiplicity mult(kappa) = m! / (a! b! c!). So
 *     B = sum_{kappa_e, each edge bundle e} prod_e mult(kappa_e) prod_v M_v[sum_{e at v} kappa_e].
 * It is evaluated by adding the vertices one at a time: after the vertex set S, T_S is indexed
 * by, for every vertex w outside S, the counts alpha_w of all the indices that go from S to w
 * (merging them is exact because M_w is symmetric), and
 *     T_{S+v}[alpha'] = sum_{alpha_v} sum_{kappa_vw} prod_w mult(kappa_vw) T_S[alpha_v, alpha]
 *                       M_v[alpha_v + sum_w kappa_vw],     alpha'_w = alpha_w + kappa_vw,
 * with integer multiplicities throughout (the .mtp format stores integers). Every component is a
 * moment defined by its list of terms (i, j, mult); identical lists are made once (hash-consing),
 * so sub-contractions shared by several scalars are computed once. For each graph every vertex
 * order is tried (and rolled back) and the one adding the fewest terms is kept. The resulting
 * alpha_index_times_count against MLIP's untrained_mtps: 14/14 (level 8), 42/42 (10), 122/117
 * (12), 337/348 (14), 889/969 (16), 2428/2634 (18), 6336/6349 (20), 15658/15431 (22),
 * 39074/36170 (24), 92746/82520 (26), 207898/180069 (28).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mtp.h"

#define MAXK 4

/* ---- multi-indices ---- */

/* index of counts (a, b, c) among those of order n = a+b+c: a descending, then b descending */
static int
cidx(int a, int b, int c)
{
    int s = b + c;
    (void)a;
    return s * (s + 1) / 2 + (s - b);
}

static int
ncomp(int n)
{
    return (n + 1) * (n + 2) / 2;
}

/* the counts of index q of order n */
static void
comp_of(int n, int q, int abc[3])
{
    abc[0] = n, abc[1] = 0, abc[2] = 0;
    for (int a = n; a >= 0; a--)
        for (int b = n - a; b >= 0; b--) {
            if (q-- == 0) {
                abc[0] = a;
                abc[1] = b;
                abc[2] = n - a - b;
                return;
            }
        }
}

static long long
multinomial(const int abc[3])
{
    long long r = 1;
    int n = 0;
    for (int k = 0; k < 3; k++)
        for (int t = 1; t <= abc[k]; t++) {
            n++;
            r = r * n / t;
        }
    return r;
}

/* ---- graphs ---- */

struct graph {
    int k;
    int mu[MAXK];
    int e[MAXK][MAXK]; /* symmetric, zero diagonal */
};

static const int pair_u[6] = {0, 0, 1, 0, 1, 2};
static const int pair_v[6] = {1, 2, 2, 3, 3, 3};

struct glist {
    struct graph *g;
    size_t n, cap;
};

static int
glist_push(struct glist *l, const struct graph *g)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        struct graph *p = realloc(l->g, cap * sizeof *p);
        if (!p)
            return CORE_ENOMEM;
        l->g = p;
        l->cap = cap;
    }
    l->g[l->n++] = *g;
    return CORE_OK;
}

static int perms4[24][4];

static void
make_perms(void)
{
    int n = 0;
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++)
            for (int c = 0; c < 4; c++)
                for (int d = 0; d < 4; d++)
                    if (a != b && a != c && a != d && b != c && b != d && c != d) {
                        perms4[n][0] = a, perms4[n][1] = b, perms4[n][2] = c, perms4[n][3] = d;
                        n++;
                    }
}

/* Is g (mu non-decreasing) the canonical member of its class: the lexicographically smallest
 * edge list among the relabellings that keep the mu labels in place? Only permutations of the
 * first k vertices count (perms4 lists those of 0..3; the ones moving k..3 are skipped). */
static int
canonical(const struct graph *g)
{
    int base[6], cand[6], npair = g->k * (g->k - 1) / 2;
    for (int p = 0; p < npair; p++)
        base[p] = g->e[pair_u[p]][pair_v[p]];
    for (int q = 0; q < 24; q++) {
        const int *pm = perms4[q];
        int ok = 1, cmp = 0;
        for (int v = g->k; v < 4; v++)
            if (pm[v] != v)
                ok = 0;
        if (!ok)
            continue;
        for (int v = 0; v < g->k; v++)
            if (g->mu[pm[v]] != g->mu[v])
                ok = 0;
        if (!ok)
            continue;
        /* relabelled graph: vertex v of the new one is vertex pm[v] of g */
        for (int p = 0; p < npair; p++)
            cand[p] = g->e[pm[pair_u[p]]][pm[pair_v[p]]];
        for (int p = 0; p < npair && !cmp; p++)
            cmp = (cand[p] > base[p]) - (cand[p] < base[p]);
        if (cmp < 0)
            return 0;
    }
    return 1;
}

struct genum {
    struct glist *out;
    struct graph g;
    int npair, numax, rc;
};

static void
edges_rec(struct genum *s, int p, int left)
{
    if (s->rc)
        return;
    if (p == s->npair) {
        for (int v = 0; v < s->g.k; v++) {
            int d = 0;
            for (int u = 0; u < s->g.k; u++)
                d += s->g.e[u][v];
            if (d > s->numax)
                return;
        }
        if (canonical(&s->g))
            s->rc = glist_push(s->out, &s->g);
        return;
    }
    for (int m = 0; m <= left; m++) {
        s->g.e[pair_u[p]][pair_v[p]] = s->g.e[pair_v[p]][pair_u[p]] = m;
        edges_rec(s, p + 1, left - m);
    }
    s->g.e[pair_u[p]][pair_v[p]] = s->g.e[pair_v[p]][pair_u[p]] = 0;
}

static void
mu_rec(struct genum *s, int v, int from, int budget, int mumax)
{
    if (s->rc)
        return;
    if (v == s->g.k) {
        edges_rec(s, 0, budget / 2);
        return;
    }
    for (int mu = from; mu <= mumax && 4 * mu <= budget; mu++) {
        s->g.mu[v] = mu;
        mu_rec(s, v + 1, mu, budget - 4 * mu, mumax);
    }
}

/* ---- hash-consed moments ---- */

struct term {
    int i, j;
    long long c;
};

struct moments {
    size_t nbasic, n; /* moments so far, basic ones included */
    size_t *off, *len, cap;
    struct term *pool;
    size_t npool, poolcap;
    size_t *tab, tabcap; /* open addressing: moment index + 1, 0 empty */
};

static uint64_t
hash_terms(const struct term *t, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t q = 0; q < n; q++) {
        uint64_t x[3] = {(uint64_t)t[q].i, (uint64_t)t[q].j, (uint64_t)t[q].c};
        for (int k = 0; k < 3; k++) {
            h ^= x[k] + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
            h *= 1099511628211ull;
        }
    }
    return h;
}

static int
term_cmp(const void *pa, const void *pb)
{
    const struct term *a = pa, *b = pb;
    if (a->i != b->i)
        return a->i < b->i ? -1 : 1;
    if (a->j != b->j)
        return a->j < b->j ? -1 : 1;
    return 0;
}

static int
tab_grow(struct moments *m)
{
    size_t cap = m->tabcap ? 2 * m->tabcap : 1024;
    size_t *tab = calloc(cap, sizeof *tab);
    if (!tab)
        return CORE_ENOMEM;
    for (size_t q = 0; q < m->tabcap; q++)
        if (m->tab[q]) {
            size_t id = m->tab[q] - 1;
            size_t h = (size_t)hash_terms(m->pool + m->off[id], m->len[id]) & (cap - 1);
            while (tab[h])
                h = (h + 1) & (cap - 1);
            tab[h] = id + 1;
        }
    free(m->tab);
    m->tab = tab;
    m->tabcap = cap;
    return CORE_OK;
}

/* The moment with terms t[0..n) (reordered and merged here): an existing one or a new one. */
static int
moment_get(struct moments *m, struct term *t, size_t n, int *id)
{
    size_t w = 0, h;
    int rc;
    for (size_t q = 0; q < n; q++)
        if (t[q].i > t[q].j) {
            int x = t[q].i;
            t[q].i = t[q].j;
            t[q].j = x;
        }
    qsort(t, n, sizeof *t, term_cmp);
    for (size_t q = 0; q < n; q++) {
        if (w > 0 && t[w - 1].i == t[q].i && t[w - 1].j == t[q].j)
            t[w - 1].c += t[q].c;
        else
            t[w++] = t[q];
    }
    n = w;
    for (size_t q = 0; q < n; q++)
        if (t[q].c > 2147483647LL)
            return CORE_EINTERNAL;
    if (2 * (m->n - m->nbasic + 1) > m->tabcap && (rc = tab_grow(m)))
        return rc;
    h = (size_t)hash_terms(t, n) & (m->tabcap - 1);
    while (m->tab[h]) {
        size_t cand = m->tab[h] - 1;
        if (m->len[cand] == n && memcmp(m->pool + m->off[cand], t, n * sizeof *t) == 0) {
            *id = (int)cand;
            return CORE_OK;
        }
        h = (h + 1) & (m->tabcap - 1);
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 1024;
        size_t *off = realloc(m->off, cap * sizeof *off);
        if (!off)
            return CORE_ENOMEM;
        m->off = off;
        off = realloc(m->len, cap * sizeof *off);
        if (!off)
            return CORE_ENOMEM;
        m->len = off;
        m->cap = cap;
    }
    if (m->npool + n > m->poolcap) {
        size_t cap = m->poolcap ? 2 * m->poolcap : 4096;
        struct term *p;
        while (cap < m->npool + n)
            cap *= 2;
        p = realloc(m->pool, cap * sizeof *p);
        if (!p)
            return CORE_ENOMEM;
        m->pool = p;
        m->poolcap = cap;
    }
    memcpy(m->pool + m->npool, t, n * sizeof *t);
    m->off[m->n] = m->npool;
    m->len[m->n] = n;
    m->npool += n;
    m->tab[h] = m->n + 1;
    *id = (int)m->n++;
    return CORE_OK;
}

/* ---- contraction of one graph ---- */

struct gen {
    struct moments mom;
    int bstart[MTP_MAXRB][MTP_MAXNU + 1]; /* first basic index of M_{mu,nu}, or -1 */
    struct term *tbuf;
    size_t tcap;
    int *tcur, *tnext; /* component ids of T_S and T_{S+v} */
    size_t tcurcap, tnextcap;
};

static int
tbuf_push(struct gen *G, size_t *n, int i, int j, long long c)
{
    if (*n == G->tcap) {
        size_t cap = G->tcap ? 2 * G->tcap : 1024;
        struct term *p = realloc(G->tbuf, cap * sizeof *p);
        if (!p)
            return CORE_ENOMEM;
        G->tbuf = p;
        G->tcap = cap;
    }
    if (c > 2147483647LL)
        return CORE_EINTERNAL;
    G->tbuf[*n].i = i;
    G->tbuf[*n].j = j;
    G->tbuf[*n].c = c;
    (*n)++;
    return CORE_OK;
}

static int
basic_id(const struct gen *G, int mu, const int abc[3])
{
    return G->bstart[mu][abc[0] + abc[1] + abc[2]] + cidx(abc[0], abc[1], abc[2]);
}

/* Removes the moments made since n0 (hash-table entries in reverse order, then the pool). */
static void
moments_rollback(struct moments *m, size_t n0)
{
    while (m->n > n0) {
        size_t id = m->n - 1;
        size_t h = (size_t)hash_terms(m->pool + m->off[id], m->len[id]) & (m->tabcap - 1);
        while (m->tab[h] != id + 1)
            h = (h + 1) & (m->tabcap - 1);
        m->tab[h] = 0;
        /* linear probing: entries after it in the run may have to move back; the ones made
         * later were removed already, older ones never probed past a newer entry */
        m->npool = m->off[id];
        m->n--;
    }
}

static int contract_order(struct gen *G, const struct graph *g, const int *ord, int *scalar);

/*
 * The scalar of graph g: contracts it in the vertex order that adds the fewest contraction
 * terms, given the moments made so far (each order is tried and rolled back).
 */
static int
contract(struct gen *G, const struct graph *g, int *scalar)
{
    int k = g->k, best[MAXK] = {0, 1, 2, 3}, rc;
    size_t bestcost = (size_t)-1;

    if (k == 1) {
        int abc[3] = {0, 0, 0};
        *scalar = basic_id(G, g->mu[0], abc);
        return CORE_OK;
    }
    for (int q = 0; q < 24; q++) {
        int ok = 1, dummy;
        size_t n0 = G->mom.n, pool0 = G->mom.npool;
        for (int v = k; v < 4; v++)
            if (perms4[q][v] != v)
                ok = 0;
        /* (v0, v1) and (v1, v0) give the same first step: try v0 < v1 only */
        if (!ok || perms4[q][0] > perms4[q][1])
            continue;
        rc = contract_order(G, g, perms4[q], &dummy);
        if (rc)
            return rc;
        if (G->mom.npool - pool0 < bestcost) {
            bestcost = G->mom.npool - pool0;
            memcpy(best, perms4[q], sizeof best);
        }
        moments_rollback(&G->mom, n0);
    }
    return contract_order(G, g, best, scalar);
}

/* Contracts g in the vertex order ord. T_S has up to 2 outside vertices; the component index
 * of T is q0 * n1 + q1. */
static int
contract_order(struct gen *G, const struct graph *g, const int *ordin, int *scalar)
{
    int k = g->k, ord[MAXK], d[MAXK] = {0};
    size_t ncur = 1;
    int rc;

    memcpy(ord, ordin, sizeof ord);
    /* T_{v0}: the moment M_{v0} itself, indexed by the legs to each other vertex; represented
     * implicitly: the first step combines v0 and v1 directly. */
    for (int s = 1; s < k; s++) {
        int v = ord[s];
        int out[2], nout = 0, dims[2] = {1, 1}, ndn[2];
        size_t nnext;
        for (int t = s + 1; t < k; t++)
            out[nout++] = ord[t];
        for (int o = 0; o < nout; o++)
            dims[o] = ncomp((s == 1 ? g->e[ord[0]][out[o]] : d[out[o]]) + g->e[v][out[o]]);
        nnext = (size_t)dims[0] * (size_t)dims[1];
        if (nnext > G->tnextcap) {
            int *p = realloc(G->tnext, nnext * sizeof *p);
            if (!p)
                return CORE_ENOMEM;
            G->tnext = p;
            G->tnextcap = nnext;
        }
        for (int o = 0; o < nout; o++)
            ndn[o] = (s == 1 ? g->e[ord[0]][out[o]] : d[out[o]]) + g->e[v][out[o]];
        for (size_t q = 0; q < nnext; q++) {
            int an[2][3] = {{0, 0, 0}, {0, 0, 0}}; /* alpha'_w */
            size_t nt = 0;
            if (nout > 0)
                comp_of(ndn[0], (int)(q / (size_t)dims[1]), an[0]);
            if (nout > 1)
                comp_of(ndn[1], (int)(q % (size_t)dims[1]), an[1]);
            if (s == 1) {
                /* M_v0[k01 + sum_w k0w] M_v1[k01 + sum_w k1w], k1w = alpha'_w - k0w */
                int v0 = ord[0], e01 = g->e[v0][v];
                int e0[2] = {0, 0};
                for (int o = 0; o < nout; o++)
                    e0[o] = g->e[v0][out[o]];
                for (int q01 = 0; q01 < ncomp(e01); q01++) {
                    int k01[3];
                    comp_of(e01, q01, k01);
                    for (int qa = 0; qa < ncomp(e0[0]); qa++) {
                        int ka[3] = {0, 0, 0}, ra[3];
                        if (nout > 0)
                            comp_of(e0[0], qa, ka);
                        ra[0] = an[0][0] - ka[0], ra[1] = an[0][1] - ka[1],
                        ra[2] = an[0][2] - ka[2];
                        if (ra[0] < 0 || ra[1] < 0 || ra[2] < 0)
                            continue;
                        for (int qb = 0; qb < ncomp(e0[1]); qb++) {
                            int kb[3] = {0, 0, 0}, rb[3], i0[3], i1[3];
                            long long c;
                            if (nout > 1)
                                comp_of(e0[1], qb, kb);
                            rb[0] = an[1][0] - kb[0], rb[1] = an[1][1] - kb[1],
                            rb[2] = an[1][2] - kb[2];
                            if (rb[0] < 0 || rb[1] < 0 || rb[2] < 0)
                                continue;
                            for (int x = 0; x < 3; x++) {
                                i0[x] = k01[x] + ka[x] + kb[x];
                                i1[x] = k01[x] + ra[x] + rb[x];
                            }
                            c = multinomial(k01) * multinomial(ka) * multinomial(kb) *
                                multinomial(ra) * multinomial(rb);
                            rc = tbuf_push(G, &nt, basic_id(G, g->mu[v0], i0),
                                           basic_id(G, g->mu[v], i1), c);
                            if (rc)
                                return rc;
                        }
                    }
                }
            } else {
                /* T_S[alpha_v, alpha_w] M_v[alpha_v + sum_w k_vw], alpha_w = alpha'_w - k_vw */
                int ev[2] = {0, 0}, dv = d[v];
                for (int o = 0; o < nout; o++)
                    ev[o] = g->e[v][out[o]];
                for (int qv = 0; qv < ncomp(dv); qv++) {
                    int av[3];
                    comp_of(dv, qv, av);
                    for (int qa = 0; qa < ncomp(ev[0]); qa++) {
                        int ka[3] = {0, 0, 0}, ra[3];
                        if (nout > 0)
                            comp_of(ev[0], qa, ka);
                        ra[0] = an[0][0] - ka[0], ra[1] = an[0][1] - ka[1],
                        ra[2] = an[0][2] - ka[2];
                        if (ra[0] < 0 || ra[1] < 0 || ra[2] < 0)
                            continue;
                        for (int qb = 0; qb < ncomp(ev[1]); qb++) {
                            int kb[3] = {0, 0, 0}, rb[3], iv[3];
                            size_t tq;
                            if (nout > 1)
                                comp_of(ev[1], qb, kb);
                            rb[0] = an[1][0] - kb[0], rb[1] = an[1][1] - kb[1],
                            rb[2] = an[1][2] - kb[2];
                            if (rb[0] < 0 || rb[1] < 0 || rb[2] < 0)
                                continue;
                            for (int x = 0; x < 3; x++)
                                iv[x] = av[x] + ka[x] + kb[x];
                            /* T_S is indexed by (alpha_v, then the outside vertices in order) */
                            tq = (size_t)qv;
                            if (nout > 0)
                                tq = tq * (size_t)ncomp(d[out[0]]) +
                                     (size_t)cidx(ra[0], ra[1], ra[2]);
                            if (nout > 1)
                                tq = tq * (size_t)ncomp(d[out[1]]) +
                                     (size_t)cidx(rb[0], rb[1], rb[2]);
                            rc = tbuf_push(G, &nt, G->tcur[tq], basic_id(G, g->mu[v], iv),
                                           multinomial(ka) * multinomial(kb));
                            if (rc)
                                return rc;
                        }
                    }
                }
            }
            rc = moment_get(&G->mom, G->tbuf, nt, &G->tnext[q]);
            if (rc)
                return rc;
        }
        /* T_{S+v} becomes T_S; its index is (outside vertices in order) = (next v, rest) */
        {
            int *x = G->tcur;
            size_t xc = G->tcurcap;
            G->tcur = G->tnext;
            G->tcurcap = G->tnextcap;
            G->tnext = x;
            G->tnextcap = xc;
            ncur = nnext;
        }
        if (s == 1)
            for (int w = 0; w < k; w++)
                d[w] = g->e[ord[0]][w] + g->e[v][w];
        else
            for (int w = 0; w < k; w++)
                d[w] += g->e[v][w];
    }
    (void)ncur;
    *scalar = G->tcur[0];
    return CORE_OK;
}

int
mtp_pot_generate(struct mtp_pot *pot, int level, size_t nspecies, size_t nrb, double rmin,
                 double rcut, struct core_err *err)
{
    struct glist gl = {0};
    struct gen *G = NULL;
    int mumax, numax, nrad = 0, rc;
    size_t nbasic = 0, ntimes = 0;
    int *scal = NULL;

    mtp_pot_release(pot);
    if (level < 2 || level > 28 || level % 2)
        return core_err_set(err, CORE_EINPUT, "level %d: MTP levels are even, 2 to 28", level);
    if (nspecies < 1 || nspecies > MTP_MAXSPECIES)
        return core_err_set(err, CORE_EINPUT, "species count %zu outside 1..%d", nspecies,
                            MTP_MAXSPECIES);
    if (nrb < 2 || nrb > MTP_MAXRB)
        return core_err_set(err, CORE_EINPUT, "radial basis size %zu outside 2..%d", nrb,
                            MTP_MAXRB);
    if (!(rmin >= 0) || !(rmin < rcut) || !(rcut < 1e300))
        return core_err_set(err, CORE_EINPUT,
                            "min_dist %g and max_dist %g: need 0 <= min_dist < max_dist", rmin,
                            rcut);
    mumax = level >= 22 ? 5 : level;
    numax = level >= 22 ? 10 : level;
    make_perms();

    {
        struct genum s = {&gl, {0}, 0, numax, 0};
        for (int k = 1; k <= MAXK && !s.rc; k++) {
            memset(&s.g, 0, sizeof s.g);
            s.g.k = k;
            s.npair = k * (k - 1) / 2;
            if (level - 2 * k >= 0)
                mu_rec(&s, 0, 0, level - 2 * k, mumax);
        }
        if (s.rc) {
            rc = core_err_set(err, CORE_ENOMEM, "out of memory generating a level-%d basis", level);
            goto out;
        }
    }
    G = calloc(1, sizeof *G);
    scal = malloc(gl.n * sizeof *scal);
    if (!G || !scal) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory generating a level-%d basis", level);
        goto out;
    }
    /* basic moments: every M_{mu,nu} a vertex uses, ordered by mu, nu, components */
    for (int mu = 0; mu < MTP_MAXRB; mu++)
        for (int nu = 0; nu <= MTP_MAXNU; nu++)
            G->bstart[mu][nu] = -1;
    for (size_t q = 0; q < gl.n; q++)
        for (int v = 0; v < gl.g[q].k; v++) {
            int deg = 0;
            for (int u = 0; u < gl.g[q].k; u++)
                deg += gl.g[q].e[u][v];
            G->bstart[gl.g[q].mu[v]][deg] = 0;
            if (gl.g[q].mu[v] + 1 > nrad)
                nrad = gl.g[q].mu[v] + 1;
        }
    for (int mu = 0; mu < nrad; mu++)
        for (int nu = 0; nu <= MTP_MAXNU; nu++)
            if (G->bstart[mu][nu] == 0) {
                G->bstart[mu][nu] = (int)nbasic;
                nbasic += (size_t)ncomp(nu);
            }
    G->mom.nbasic = G->mom.n = nbasic;
    G->mom.cap = nbasic + 1024;
    G->mom.off = calloc(G->mom.cap, sizeof *G->mom.off);
    G->mom.len = calloc(G->mom.cap, sizeof *G->mom.len);
    if (!G->mom.off || !G->mom.len || tab_grow(&G->mom)) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory generating a level-%d basis", level);
        goto out;
    }
    for (size_t q = 0; q < gl.n; q++) {
        rc = contract(G, &gl.g[q], &scal[q]);
        if (rc) {
            rc = rc == CORE_ENOMEM
                     ? core_err_set(err, rc, "out of memory generating a level-%d basis", level)
                     : core_err_set(err, CORE_EINTERNAL,
                                    "level %d: a multiplicity beyond the range of int", level);
            goto out;
        }
        for (size_t p = 0; p < q; p++)
            if (scal[p] == scal[q]) {
                rc = core_err_set(err, CORE_EINTERNAL, "level %d: scalars %zu and %zu coincide",
                                  level, p, q);
                goto out;
            }
    }
    for (size_t m = nbasic; m < G->mom.n; m++)
        ntimes += G->mom.len[m];

    pot->rmin = rmin;
    pot->rcut = rcut;
    rc = mtp_pot_resize(pot, nspecies, nrb, (size_t)nrad, G->mom.n, nbasic, ntimes, gl.n, err);
    if (rc)
        goto out;
    for (int mu = 0; mu < nrad; mu++)
        for (int nu = 0; nu <= MTP_MAXNU; nu++)
            if (G->bstart[mu][nu] >= 0)
                for (int q = 0; q < ncomp(nu); q++) {
                    int *e = pot->basic + 4 * (G->bstart[mu][nu] + q), abc[3];
                    comp_of(nu, q, abc);
                    e[0] = mu, e[1] = abc[0], e[2] = abc[1], e[3] = abc[2];
                }
    {
        size_t t = 0;
        for (size_t m = nbasic; m < G->mom.n; m++)
            for (size_t q = 0; q < G->mom.len[m]; q++, t++) {
                const struct term *x = G->mom.pool + G->mom.off[m] + q;
                int *e = pot->times + 4 * t;
                e[0] = x->i, e[1] = x->j, e[2] = (int)x->c, e[3] = (int)m;
            }
    }
    for (size_t q = 0; q < gl.n; q++)
        pot->mapping[q] = scal[q];
    mtp_pot_coeffs_default(pot);
    rc = mtp_pot_check(pot, err);
out:
    if (rc)
        mtp_pot_release(pot);
    free(gl.g);
    free(scal);
    if (G) {
        free(G->mom.off);
        free(G->mom.len);
        free(G->mom.pool);
        free(G->mom.tab);
        free(G->tbuf);
        free(G->tcur);
        free(G->tnext);
        free(G);
    }
    return rc;
}
