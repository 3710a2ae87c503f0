/*
 * mtp: evaluation of site energies, their derivatives, forces and virial. See mtp.h.
 *
 * Per atom i (one thread), with its neighbours q (vectors d_q, r_q = |d_q|, u_q = d_q / r_q):
 *   1. radial basis Q_b(r_q) and Q'_b(r_q) by the Chebyshev recursion (MLIP's RBChebyshev), times
 *      scaling; radial functions f_mu = sum_b c_mu,b Q_b and f'_mu once per neighbour and mu
 *      (MLIP recomputes them for every basic moment);
 *   2. every angular monomial u_x^a u_y^b u_z^c up to the largest degree, in the order of
 *      degree, then a and b descending (a prefix of the table holds all degrees <= n);
 *   3. per radial function mu, S_mu[t] += f_mu mono[t] over the prefix of the degrees mu needs
 *      (contiguous, no gathers); after the last neighbour the basic moments are m_p = S_mu[t_p];
 *      then the contractions, grouped by result moment and each group run where its last entry
 *      stands in the file (the same sums in the same order as running the file's list);
 *   4. U_i = species_coeffs[t_i] + sum_k moment_coeffs[k] m[mapping[k]];
 *   5. backward: g = dU_i/dm, seeded by the moment coefficients, through the contractions in
 *      reverse order (valid because mtp_pot_check guarantees no moment is read before its last
 *      update), then for each neighbour
 *        dU_i/dd_q = sum_p g_p [ f'_mu mono_p u + (f_mu / r) (grad_u mono_p - nu_p mono_p u) ],
 *      grad_u mono = (a u^(a-1,b,c), b u^(a,b-1,c), c u^(a,b,c-1)); sum_p g_p nu_p mono_p =
 *      u . sum_p g_p grad_u mono_p (Euler, mono_p is homogeneous of degree nu_p). Per atom the
 *      g_p are scattered once into dense per-mu coefficient vectors over the monomials (C_mu for
 *      mono_p, and three for the gradient), so per neighbour the work is four contiguous dot
 *      products per mu.
 * The per-neighbour values of steps 1-2 are kept in per-thread scratch between the passes.
 *
 * The neighbour list of mtp_calc: positions wrapped into the cell along periodic directions,
 * cell lists with bins at least rcut wide along each reciprocal direction, and as many bins
 * either side as rcut spans (more than one only for cells thinner than rcut), so every image
 * within rcut is found once.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "mtp.h"

#define MAXIMAGES  1000000 /* bin offsets (2K+1)^3 at most: cells far thinner than rcut */
#define MAXBINAXIS 256

struct scratch {
    double *m;  /* nmoments: moment values */
    double *g;  /* nmoments: dU/dm */
    double *S;  /* nrad * nmono: per-mu monomial sums of the forward pass */
    double *C;  /* 4 * nrad * nmono: per-mu coefficient vectors of the backward pass */
    double *nb; /* maxnbr * stride: per neighbour f, f', mono, u, 1/r, skip */
};

struct mtp_work {
    /* the basis this workspace was planned for (copies, compared at every call) */
    size_t nspecies, nrb, nrad, nmoments, nbasic, ntimes, nscalar;
    int *basic, *times, *mapping;

    /* tables */
    int numax;            /* largest a + b + c */
    size_t nmono;         /* monomials of degree 0 .. numax */
    size_t *plen;         /* nrad: monomials of the degrees radial function mu needs (a prefix) */
    int *bmu;             /* per basic: radial function */
    int *bmono;           /* per basic: its monomial */
    int *bdx, *bdy, *bdz; /* per basic: monomial of (a-1,b,c), (a,b-1,c), (a,b,c-1), or -1 */
    double *ba, *bb, *bc; /* per basic: a, b, c */
    /* the contractions grouped by result moment: group q writes moment gk[q] with the terms
     * gs[q] .. gs[q+1]-1 (inputs ti, tj, factor tmult), in file order within the group; groups
     * in the order of their last entry in the file, where every input is complete */
    size_t ngroup;
    int *gk;
    size_t *gs;
    int *ti, *tj;
    double *tmult;
    size_t stride; /* doubles per neighbour in the scratch */

    /* per-thread scratch */
    size_t nthr, nbrcap;
    struct scratch *thr;

    /* the neighbour list of mtp_calc and the results */
    size_t natoms, npairs, atomcap, paircap;
    size_t *start, *nbr;
    int *jtype;
    double *rij, *u, *dudr;
    int has_ders;
    /* cell lists */
    double *wpos, *frac;
    size_t *abin, *binstart, *binatoms;
    size_t bincap;
};

/* ---- plan ---- */

static int
same_basis(const struct mtp_work *w, const struct mtp_pot *pot)
{
    return w->nspecies == pot->nspecies && w->nrb == pot->nrb && w->nrad == pot->nrad &&
           w->nmoments == pot->nmoments && w->nbasic == pot->nbasic && w->ntimes == pot->ntimes &&
           w->nscalar == pot->nscalar && pot->basic && pot->times && pot->mapping && pot->radial &&
           pot->species_coeffs && pot->moment_coeffs &&
           memcmp(w->basic, pot->basic, 4 * w->nbasic * sizeof *w->basic) == 0 &&
           memcmp(w->times, pot->times, 4 * w->ntimes * sizeof *w->times) == 0 &&
           memcmp(w->mapping, pot->mapping, w->nscalar * sizeof *w->mapping) == 0;
}

static void
scratch_free(struct mtp_work *w)
{
    for (size_t t = 0; t < w->nthr; t++) {
        free(w->thr[t].m);
        free(w->thr[t].g);
        free(w->thr[t].S);
        free(w->thr[t].C);
        free(w->thr[t].nb);
    }
    free(w->thr);
    w->thr = NULL;
    w->nthr = 0;
    w->nbrcap = 0;
}

void
mtp_work_free(struct mtp_work *w)
{
    if (!w)
        return;
    scratch_free(w);
    free(w->basic);
    free(w->times);
    free(w->mapping);
    free(w->plen);
    free(w->bmu);
    free(w->bmono);
    free(w->bdx);
    free(w->bdy);
    free(w->bdz);
    free(w->ba);
    free(w->bb);
    free(w->bc);
    free(w->gk);
    free(w->gs);
    free(w->ti);
    free(w->tj);
    free(w->tmult);
    free(w->start);
    free(w->nbr);
    free(w->jtype);
    free(w->rij);
    free(w->u);
    free(w->dudr);
    free(w->wpos);
    free(w->frac);
    free(w->abin);
    free(w->binstart);
    free(w->binatoms);
    free(w);
}

static void *
xmalloc(size_t n, size_t sz)
{
    return malloc((n ? n : 1) * sz);
}

/* Index of monomial (a, b, c) in the table: degree n = a+b+c ascending, then a, b descending. */
static int
mono_index(int a, int b, int c)
{
    int n = a + b + c, s = b + c;
    return n * (n + 1) * (n + 2) / 6 + s * (s + 1) / 2 + (s - b);
}

int
mtp_work_alloc(const struct mtp_pot *pot, struct mtp_work **out, struct core_err *err)
{
    struct mtp_work *w;
    size_t nb, nt, *cnt, *last, *byk;
    int rc;

    *out = NULL;
    rc = mtp_pot_check(pot, err);
    if (rc)
        return rc;
    w = calloc(1, sizeof *w);
    if (!w)
        return core_err_set(err, CORE_ENOMEM, "out of memory for an MTP workspace");
    w->nspecies = pot->nspecies;
    w->nrb = pot->nrb;
    w->nrad = pot->nrad;
    w->nmoments = pot->nmoments;
    w->nbasic = nb = pot->nbasic;
    w->ntimes = nt = pot->ntimes;
    w->nscalar = pot->nscalar;
    w->basic = xmalloc(4 * nb, sizeof *w->basic);
    w->times = xmalloc(4 * nt, sizeof *w->times);
    w->mapping = xmalloc(pot->nscalar, sizeof *w->mapping);
    w->plen = calloc(pot->nrad, sizeof *w->plen);
    w->bmu = xmalloc(nb, sizeof(int));
    w->bmono = xmalloc(nb, sizeof(int));
    w->bdx = xmalloc(nb, sizeof(int));
    w->bdy = xmalloc(nb, sizeof(int));
    w->bdz = xmalloc(nb, sizeof(int));
    w->ba = xmalloc(nb, sizeof(double));
    w->bb = xmalloc(nb, sizeof(double));
    w->bc = xmalloc(nb, sizeof(double));
    w->gk = xmalloc(nt, sizeof(int));
    w->gs = xmalloc(nt + 1, sizeof(size_t));
    w->ti = xmalloc(nt, sizeof(int));
    w->tj = xmalloc(nt, sizeof(int));
    w->tmult = xmalloc(nt, sizeof(double));
    cnt = calloc(pot->nmoments + 1, sizeof *cnt);
    last = xmalloc(pot->nmoments, sizeof *last);
    byk = xmalloc(nt, sizeof *byk);
    if (!w->basic || !w->times || !w->mapping || !w->plen || !w->bmu || !w->bmono || !w->bdx ||
        !w->bdy || !w->bdz || !w->ba || !w->bb || !w->bc || !w->gk || !w->gs || !w->ti || !w->tj ||
        !w->tmult || !cnt || !last || !byk) {
        free(cnt);
        free(last);
        free(byk);
        mtp_work_free(w);
        return core_err_set(err, CORE_ENOMEM, "out of memory for an MTP workspace");
    }
    memcpy(w->basic, pot->basic, 4 * nb * sizeof *w->basic);
    memcpy(w->times, pot->times, 4 * nt * sizeof *w->times);
    memcpy(w->mapping, pot->mapping, pot->nscalar * sizeof *w->mapping);

    w->numax = 0;
    for (size_t p = 0; p < nb; p++) {
        const int *e = pot->basic + 4 * p;
        const int a = e[1], b = e[2], c = e[3], n = a + b + c;
        size_t len = (size_t)((n + 1) * (n + 2) * (n + 3) / 6);
        if (n > w->numax)
            w->numax = n;
        if (len > w->plen[e[0]])
            w->plen[e[0]] = len;
        w->bmu[p] = e[0];
        w->bmono[p] = mono_index(a, b, c);
        w->bdx[p] = a > 0 ? mono_index(a - 1, b, c) : -1;
        w->bdy[p] = b > 0 ? mono_index(a, b - 1, c) : -1;
        w->bdz[p] = c > 0 ? mono_index(a, b, c - 1) : -1;
        w->ba[p] = a;
        w->bb[p] = b;
        w->bc[p] = c;
    }
    w->nmono = (size_t)((w->numax + 1) * (w->numax + 2) * (w->numax + 3) / 6);
    /* group the contractions by result moment: a counting sort that keeps the file order
     * within each moment (byk), then the groups in the order of their last entry */
    for (size_t e = 0; e < nt; e++) {
        const size_t k = (size_t)pot->times[4 * e + 3];
        cnt[k + 1]++;
        last[k] = e;
    }
    for (size_t k = 0; k < pot->nmoments; k++)
        cnt[k + 1] += cnt[k];
    for (size_t e = 0; e < nt; e++)
        byk[cnt[pot->times[4 * e + 3]]++] = e; /* cnt[k] moves to the end of k's run */
    w->ngroup = 0;
    {
        size_t t = 0;
        for (size_t e = 0; e < nt; e++) {
            const size_t k = (size_t)pot->times[4 * e + 3];
            const size_t first = k ? cnt[k - 1] : 0;
            if (last[k] != e)
                continue;
            w->gk[w->ngroup] = (int)k;
            w->gs[w->ngroup++] = t;
            for (size_t f = first; f < cnt[k]; f++, t++) {
                const int *x = pot->times + 4 * byk[f];
                w->ti[t] = x[0];
                w->tj[t] = x[1];
                w->tmult[t] = x[2];
            }
        }
        w->gs[w->ngroup] = t;
    }
    free(byk);
    free(cnt);
    free(last);
    /* per neighbour: f[nrad], f'[nrad], mono[nmono], u[3], 1/r, skip flag */
    w->stride = 2 * w->nrad + w->nmono + 5;
    *out = w;
    return CORE_OK;
}

/* Makes room for nthr threads and maxnbr neighbours per atom. */
static int
scratch_grow(struct mtp_work *w, size_t nthr, size_t maxnbr, struct core_err *err)
{
    if (nthr <= w->nthr && maxnbr <= w->nbrcap)
        return CORE_OK;
    if (nthr < w->nthr)
        nthr = w->nthr;
    if (maxnbr < w->nbrcap)
        maxnbr = w->nbrcap;
    maxnbr += maxnbr / 4 + 8;
    scratch_free(w);
    w->thr = calloc(nthr, sizeof *w->thr);
    if (!w->thr)
        goto nomem;
    w->nthr = nthr;
    w->nbrcap = maxnbr;
    for (size_t t = 0; t < nthr; t++) {
        struct scratch *s = w->thr + t;
        s->m = xmalloc(w->nmoments, sizeof *s->m);
        s->g = xmalloc(w->nmoments, sizeof *s->g);
        s->S = xmalloc(w->nrad * w->nmono, sizeof *s->S);
        s->C = xmalloc(4 * w->nrad * w->nmono, sizeof *s->C);
        s->nb = xmalloc(maxnbr * w->stride, sizeof *s->nb);
        if (!s->m || !s->g || !s->S || !s->C || !s->nb)
            goto nomem;
    }
    return CORE_OK;
nomem:
    scratch_free(w);
    return core_err_set(err, CORE_ENOMEM, "out of memory for MTP scratch (%zu neighbours)", maxnbr);
}

/* ---- one site ---- */

/*
 * U_i of an atom of type ti with n neighbours (types jt, vectors d, 3n) into *u_out and, when
 * dudr is not NULL, dU_i/dd into dudr (3n).
 */
static void
site_one(const struct mtp_work *w, const struct mtp_pot *pot, struct scratch *s, int ti, size_t n,
         const int *jt, const double *d, double *u_out, double *dudr)
{
    const size_t nrb = w->nrb, nrad = w->nrad, nbasic = w->nbasic, nmono = w->nmono;
    const size_t stride = w->stride;
    const int numax = w->numax;
    const double rmin = pot->rmin, rcut = pot->rcut, scaling = pot->scaling;
    const double ksi_d = 2.0 / (rcut - rmin);
    double *m = s->m, *S = s->S;
    double q[MTP_MAXRB], dq[MTP_MAXRB], px[MTP_MAXNU + 1], py[MTP_MAXNU + 1], pz[MTP_MAXNU + 1];
    double ui;

    for (size_t mu = 0; mu < nrad; mu++)
        memset(S + mu * nmono, 0, w->plen[mu] * sizeof *S);
    for (size_t k = 0; k < n; k++) {
        double *nb = s->nb + k * stride;
        double *f = nb, *fp = nb + nrad, *mono = nb + 2 * nrad, *uv = mono + nmono;
        const double *dk = d + 3 * k;
        const double r2 = dk[0] * dk[0] + dk[1] * dk[1] + dk[2] * dk[2];
        const double r = sqrt(r2);
        const double *c;
        double ksi, rc, rc2, ir;
        size_t t;

        if (!(r < rcut)) {
            uv[4] = 1; /* beyond the cut-off: no contribution */
            continue;
        }
        uv[4] = 0;
        /* RBChebyshev: Q_0 = s (r-rcut)^2, Q_1 = s ksi (r-rcut)^2, Q_b = 2 ksi Q_b-1 - Q_b-2 */
        ksi = (2 * r - (rmin + rcut)) / (rcut - rmin);
        rc = r - rcut;
        rc2 = rc * rc;
        q[0] = scaling * rc2;
        dq[0] = scaling * 2 * rc;
        q[1] = scaling * ksi * rc2;
        dq[1] = scaling * (ksi_d * rc2 + 2 * ksi * rc);
        for (size_t b = 2; b < nrb; b++) {
            q[b] = 2 * ksi * q[b - 1] - q[b - 2];
            dq[b] = 2 * (ksi_d * q[b - 1] + ksi * dq[b - 1]) - dq[b - 2];
        }
        c = pot->radial + ((size_t)ti * w->nspecies + (size_t)jt[k]) * nrad * nrb;
        for (size_t mu = 0; mu < nrad; mu++, c += nrb) {
            double v = 0, dv = 0;
            for (size_t b = 0; b < nrb; b++) {
                v += c[b] * q[b];
                dv += c[b] * dq[b];
            }
            f[mu] = v;
            fp[mu] = dv;
        }
        ir = 1.0 / r;
        uv[0] = dk[0] * ir;
        uv[1] = dk[1] * ir;
        uv[2] = dk[2] * ir;
        uv[3] = ir;
        px[0] = py[0] = pz[0] = 1;
        for (int a = 1; a <= numax; a++) {
            px[a] = px[a - 1] * uv[0];
            py[a] = py[a - 1] * uv[1];
            pz[a] = pz[a - 1] * uv[2];
        }
        t = 0;
        for (int deg = 0; deg <= numax; deg++)
            for (int a = deg; a >= 0; a--) {
                const double xa = px[a];
                for (int b = deg - a; b >= 0; b--)
                    mono[t++] = xa * py[b] * pz[deg - a - b];
            }
        for (size_t mu = 0; mu < nrad; mu++) {
            const double fm = f[mu];
            double *Sm = S + mu * nmono;
            const size_t len = w->plen[mu];
#pragma omp simd
            for (size_t j = 0; j < len; j++)
                Sm[j] += fm * mono[j];
        }
    }
    for (size_t p = 0; p < nbasic; p++)
        m[p] = S[(size_t)w->bmu[p] * nmono + (size_t)w->bmono[p]];
    for (size_t p = nbasic; p < w->nmoments; p++)
        m[p] = 0;
    for (size_t gq = 0; gq < w->ngroup; gq++) {
        double acc = 0;
        for (size_t t = w->gs[gq]; t < w->gs[gq + 1]; t++)
            acc += w->tmult[t] * m[w->ti[t]] * m[w->tj[t]];
        m[w->gk[gq]] = acc;
    }
    ui = pot->species_coeffs[ti];
    for (size_t k = 0; k < w->nscalar; k++)
        ui += pot->moment_coeffs[k] * m[w->mapping[k]];
    *u_out = ui;
    if (!dudr)
        return;

    {
        double *g = s->g, *C = s->C;
        memset(g, 0, w->nmoments * sizeof *g);
        for (size_t k = 0; k < w->nscalar; k++)
            g[w->mapping[k]] += pot->moment_coeffs[k];
        for (size_t gq = w->ngroup; gq-- > 0;) {
            const double gk = g[w->gk[gq]];
            if (gk == 0)
                continue;
            for (size_t t = w->gs[gq + 1]; t-- > w->gs[gq];) {
                const double c = gk * w->tmult[t];
                g[w->ti[t]] += c * m[w->tj[t]];
                g[w->tj[t]] += c * m[w->ti[t]];
            }
        }
        /* C_mu: 4 vectors over the monomials (A: mono_p; X, Y, Z: the gradient's) */
        for (size_t mu = 0; mu < nrad; mu++)
            for (int v = 0; v < 4; v++)
                memset(C + (4 * mu + (size_t)v) * nmono, 0, w->plen[mu] * sizeof *C);
        for (size_t p = 0; p < nbasic; p++) {
            double *Cm = C + 4 * (size_t)w->bmu[p] * nmono;
            Cm[w->bmono[p]] += g[p];
            if (w->bdx[p] >= 0)
                Cm[nmono + (size_t)w->bdx[p]] += g[p] * w->ba[p];
            if (w->bdy[p] >= 0)
                Cm[2 * nmono + (size_t)w->bdy[p]] += g[p] * w->bb[p];
            if (w->bdz[p] >= 0)
                Cm[3 * nmono + (size_t)w->bdz[p]] += g[p] * w->bc[p];
        }
        /* dm_p/dd = f'_mu mono_p u + (f_mu / r) (grad_u mono_p - nu_p mono_p u), and
         * sum_p g_p nu_p mono_p = u . sum_p g_p grad_u mono_p (Euler: mono_p is homogeneous) */
        for (size_t k = 0; k < n; k++) {
            const double *nb = s->nb + k * stride;
            const double *f = nb, *fp = nb + nrad, *mono = nb + 2 * nrad, *uv = mono + nmono;
            double D0 = 0, D1 = 0, D2 = 0;
            if (uv[4] != 0) {
                dudr[3 * k] = dudr[3 * k + 1] = dudr[3 * k + 2] = 0;
                continue;
            }
            for (size_t mu = 0; mu < nrad; mu++) {
                const double *CA = C + 4 * mu * nmono, *CX = CA + nmono, *CY = CX + nmono,
                             *CZ = CY + nmono;
                const size_t len = w->plen[mu];
                double A = 0, Gx = 0, Gy = 0, Gz = 0, B, fr, rad;
                /* a fixed order of partial sums (SIMD lanes): the same for every call */
#pragma omp simd reduction(+ : A, Gx, Gy, Gz)
                for (size_t j = 0; j < len; j++) {
                    const double x = mono[j];
                    A += CA[j] * x;
                    Gx += CX[j] * x;
                    Gy += CY[j] * x;
                    Gz += CZ[j] * x;
                }
                B = uv[0] * Gx + uv[1] * Gy + uv[2] * Gz;
                fr = f[mu] * uv[3];
                rad = fp[mu] * A - fr * B;
                D0 += rad * uv[0] + fr * Gx;
                D1 += rad * uv[1] + fr * Gy;
                D2 += rad * uv[2] + fr * Gz;
            }
            dudr[3 * k] = D0;
            dudr[3 * k + 1] = D1;
            dudr[3 * k + 2] = D2;
        }
    }
}

/* Site energies over a CSR neighbour list (checked by the callers). */
static int
site_all(const struct mtp_pot *pot, struct mtp_work *w, size_t natoms, const int *type,
         const size_t *start, const int *jtype, const double *rij, double *u, double *dudr,
         struct core_err *err)
{
    size_t maxnbr = 0, nthr = 1;
    long long i, nat = (long long)natoms;
    int rc;

    for (size_t a = 0; a < natoms; a++)
        if (start[a + 1] - start[a] > maxnbr)
            maxnbr = start[a + 1] - start[a];
#ifdef _OPENMP
    nthr = (size_t)omp_get_max_threads();
    if (nthr < 1)
        nthr = 1;
#endif
    rc = scratch_grow(w, nthr, maxnbr, err);
    if (rc)
        return rc;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 8) num_threads((int)nthr) if (natoms >= 32)
#endif
    for (i = 0; i < nat; i++) {
        size_t tid = 0;
#ifdef _OPENMP
        tid = (size_t)omp_get_thread_num();
#endif
        site_one(w, pot, w->thr + tid, type[i], start[i + 1] - start[i], jtype + start[i],
                 rij + 3 * start[i], u + i, dudr ? dudr + 3 * start[i] : NULL);
    }
    return CORE_OK;
}

static int
check_types(const struct mtp_pot *pot, size_t natoms, const int *type, struct core_err *err)
{
    for (size_t i = 0; i < natoms; i++)
        if (type[i] < 0 || (size_t)type[i] >= pot->nspecies)
            return core_err_set(err, CORE_EINPUT,
                                "atom %zu: type %d outside the potential's species 0..%zu", i,
                                type[i], pot->nspecies - 1);
    return CORE_OK;
}

static int
check_basis(const struct mtp_pot *pot, const struct mtp_work *w, struct core_err *err)
{
    if (!same_basis(w, pot))
        return core_err_set(err, CORE_EINPUT,
                            "potential and MTP workspace differ in their basis (plan it again)");
    return CORE_OK;
}

int
mtp_site_eval(const struct mtp_pot *pot, struct mtp_work *w, size_t natoms, const int *type,
              const size_t *start, const int *jtype, const double *rij, double *u, double *dudr,
              struct core_err *err)
{
    int rc = check_basis(pot, w, err);
    if (rc)
        return rc;
    rc = check_types(pot, natoms, type, err);
    if (rc)
        return rc;
    if (start[0] != 0)
        return core_err_set(err, CORE_EINPUT, "neighbour list: start[0] = %zu, not 0", start[0]);
    for (size_t i = 0; i < natoms; i++) {
        if (start[i + 1] < start[i])
            return core_err_set(err, CORE_EINPUT, "neighbour list: start decreases at atom %zu", i);
        for (size_t p = start[i]; p < start[i + 1]; p++) {
            const double *d = rij + 3 * p;
            const double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            if (!isfinite(r2))
                return core_err_set(err, CORE_EINPUT, "atom %zu, pair %zu: non-finite vector", i,
                                    p);
            if (r2 == 0)
                return core_err_set(err, CORE_EINPUT, "atom %zu, pair %zu: zero vector", i, p);
            if (jtype[p] < 0 || (size_t)jtype[p] >= pot->nspecies)
                return core_err_set(err, CORE_EINPUT,
                                    "atom %zu, pair %zu: type %d outside the potential's species "
                                    "0..%zu",
                                    i, p, jtype[p], pot->nspecies - 1);
        }
    }
    return site_all(pot, w, natoms, type, start, jtype, rij, u, dudr, err);
}

/* ---- the neighbour list of mtp_calc ---- */

static int
grow_atoms(struct mtp_work *w, size_t natoms, struct core_err *err)
{
    size_t cap = natoms + natoms / 4 + 8;
    if (natoms <= w->atomcap)
        return CORE_OK;
    free(w->start);
    free(w->u);
    free(w->wpos);
    free(w->frac);
    free(w->abin);
    free(w->binatoms);
    w->start = xmalloc(cap + 1, sizeof *w->start);
    w->u = xmalloc(cap, sizeof *w->u);
    w->wpos = xmalloc(3 * cap, sizeof *w->wpos);
    w->frac = xmalloc(3 * cap, sizeof *w->frac);
    w->abin = xmalloc(cap, sizeof *w->abin);
    w->binatoms = xmalloc(cap, sizeof *w->binatoms);
    w->atomcap = 0;
    if (!w->start || !w->u || !w->wpos || !w->frac || !w->abin || !w->binatoms)
        return core_err_set(err, CORE_ENOMEM, "out of memory for %zu atoms", natoms);
    w->atomcap = cap;
    return CORE_OK;
}

static int
grow_pairs(struct mtp_work *w, size_t need, struct core_err *err)
{
    size_t cap;
    void *a, *b, *c, *d;
    if (need <= w->paircap)
        return CORE_OK;
    cap = w->paircap ? 2 * w->paircap : 64;
    while (cap < need)
        cap *= 2;
    a = realloc(w->nbr, cap * sizeof *w->nbr);
    if (a)
        w->nbr = a;
    b = realloc(w->jtype, cap * sizeof *w->jtype);
    if (b)
        w->jtype = b;
    c = realloc(w->rij, 3 * cap * sizeof *w->rij);
    if (c)
        w->rij = c;
    d = realloc(w->dudr, 3 * cap * sizeof *w->dudr);
    if (d)
        w->dudr = d;
    if (!a || !b || !c || !d)
        return core_err_set(err, CORE_ENOMEM, "out of memory for %zu neighbour pairs", need);
    w->paircap = cap;
    return CORE_OK;
}

static void
cross(const double *a, const double *b, double *c)
{
    c[0] = a[1] * b[2] - a[2] * b[1];
    c[1] = a[2] * b[0] - a[0] * b[2];
    c[2] = a[0] * b[1] - a[1] * b[0];
}

static double
norm3(const double *a)
{
    return sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
}

/*
 * The cell used for the search: the periodic vectors as given, the others replaced by unit
 * vectors orthogonal to them (and to each other). CORE_EINPUT when the periodic vectors are
 * zero, non-finite or linearly dependent.
 */
static int
search_cell(const double *cell, const int per[3], double e[9], struct core_err *err)
{
    int np = 0, ip[3], in[3], nn = 0;
    for (int a = 0; a < 3; a++) {
        if (per[a]) {
            const double *v = cell + 3 * a;
            if (!isfinite(v[0]) || !isfinite(v[1]) || !isfinite(v[2]) || norm3(v) == 0)
                return core_err_set(err, CORE_EINPUT,
                                    "periodic cell vector %d is zero or not finite", a + 1);
            memcpy(e + 3 * a, v, 3 * sizeof *v);
            ip[np++] = a;
        } else {
            in[nn++] = a;
        }
    }
    if (np == 2) {
        double c[3], l;
        cross(e + 3 * ip[0], e + 3 * ip[1], c);
        l = norm3(c);
        if (!(l > 1e-10 * norm3(e + 3 * ip[0]) * norm3(e + 3 * ip[1])))
            return core_err_set(err, CORE_EINPUT, "periodic cell vectors are parallel");
        for (int k = 0; k < 3; k++)
            e[3 * in[0] + k] = c[k] / l;
    } else if (np == 1) {
        const double *v = e + 3 * ip[0];
        double l = norm3(v), vu[3] = {v[0] / l, v[1] / l, v[2] / l}, x[3] = {0, 0, 0}, n1[3], n2[3];
        int kmin = 0;
        for (int k = 1; k < 3; k++)
            if (fabs(vu[k]) < fabs(vu[kmin]))
                kmin = k;
        x[kmin] = 1;
        cross(vu, x, n1);
        l = norm3(n1);
        for (int k = 0; k < 3; k++)
            n1[k] /= l;
        cross(vu, n1, n2);
        memcpy(e + 3 * in[0], n1, sizeof n1);
        memcpy(e + 3 * in[1], n2, sizeof n2);
    } else if (np == 0) {
        memset(e, 0, 9 * sizeof *e);
        e[0] = e[4] = e[8] = 1;
    } else {
        double c[3], vol;
        cross(e + 3, e + 6, c);
        vol = fabs(e[0] * c[0] + e[1] * c[1] + e[2] * c[2]);
        if (!(vol > 1e-10 * norm3(e) * norm3(e + 3) * norm3(e + 6)))
            return core_err_set(err, CORE_EINPUT, "periodic cell vectors are linearly dependent");
    }
    return CORE_OK;
}

static long
floordiv(long a, long b)
{
    long q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int
build_nbrs(const struct mtp_pot *pot, struct mtp_work *w, size_t natoms, const int *type,
           const double *pos, const double *cell, const int *pbc, struct core_err *err)
{
    const double rcut = pot->rcut, rcut2 = rcut * rcut;
    int per[3];
    double e[9], inv[9], dperp[3], smin[3], smax[3], width[3];
    long nbin[3], kk[3];
    size_t nbins, npairs = 0;
    int rc;

    for (int a = 0; a < 3; a++) {
        per[a] = pbc ? pbc[a] != 0 : 0;
        if (per[a] && !cell)
            return core_err_set(err, CORE_EINPUT, "periodic along a_%d but no cell given", a + 1);
    }
    rc = search_cell(cell, per, e, err);
    if (rc)
        return rc;
    rc = core_cell_inverse(e, inv, err);
    if (rc)
        return core_err_set(err, CORE_EINPUT, "periodic cell vectors are linearly dependent");
    rc = grow_atoms(w, natoms, err);
    if (rc)
        return rc;
    if (natoms == 0) {
        w->start[0] = 0;
        w->natoms = w->npairs = 0;
        return CORE_OK;
    }

    for (int a = 0; a < 3; a++) {
        dperp[a] = 1.0 / sqrt(inv[a] * inv[a] + inv[3 + a] * inv[3 + a] + inv[6 + a] * inv[6 + a]);
        smin[a] = HUGE_VAL;
        smax[a] = -HUGE_VAL;
    }
    /* fractional coordinates; wrap along periodic directions */
    for (size_t i = 0; i < natoms; i++) {
        const double *r = pos + 3 * i;
        double *s = w->frac + 3 * i, *wp = w->wpos + 3 * i;
        if (!isfinite(r[0]) || !isfinite(r[1]) || !isfinite(r[2]))
            return core_err_set(err, CORE_EINPUT, "atom %zu: position is not finite", i);
        wp[0] = r[0];
        wp[1] = r[1];
        wp[2] = r[2];
        for (int a = 0; a < 3; a++)
            s[a] = r[0] * inv[a] + r[1] * inv[3 + a] + r[2] * inv[6 + a];
        for (int a = 0; a < 3; a++) {
            if (per[a]) {
                double fl = floor(s[a]);
                s[a] -= fl;
                if (fl != 0)
                    for (int k = 0; k < 3; k++)
                        wp[k] -= fl * e[3 * a + k];
            }
            if (s[a] < smin[a])
                smin[a] = s[a];
            if (s[a] > smax[a])
                smax[a] = s[a];
        }
    }
    /* bins along each direction, at least rcut wide (perpendicular), at most MAXBINAXIS, and not
     * many more in all than atoms */
    for (int a = 0; a < 3; a++) {
        double len = per[a] ? dperp[a] : (smax[a] - smin[a]) * dperp[a];
        double nb = floor(len / rcut);
        if (per[a]) {
            smin[a] = 0;
            smax[a] = 1;
        }
        nbin[a] = nb < 1 ? 1 : nb > MAXBINAXIS ? MAXBINAXIS : (long)nb;
    }
    while ((size_t)(nbin[0] * nbin[1] * nbin[2]) > 2 * natoms + 8) {
        int amax = 0;
        for (int a = 1; a < 3; a++)
            if (nbin[a] > nbin[amax])
                amax = a;
        nbin[amax] = nbin[amax] / 2 > 1 ? nbin[amax] / 2 : 1;
    }
    {
        double nimg = 1;
        for (int a = 0; a < 3; a++) {
            double span = per[a] ? 1.0 : smax[a] - smin[a];
            width[a] = span * dperp[a] / (double)nbin[a];
            if (per[a]) {
                double k = ceil(rcut / width[a]);
                if (!(k < 1e6))
                    k = 1e6;
                kk[a] = k < 1 ? 1 : (long)k;
            } else {
                kk[a] = 1;
            }
            nimg *= 2.0 * (double)kk[a] + 1;
        }
        if (nimg > MAXIMAGES)
            return core_err_set(err, CORE_EINPUT,
                                "cell too thin for the cut-off %g Angstrom: more than %d periodic "
                                "images in range (perpendicular widths %g %g %g Angstrom)",
                                rcut, MAXIMAGES, dperp[0], dperp[1], dperp[2]);
    }
    nbins = (size_t)(nbin[0] * nbin[1] * nbin[2]);
    if (nbins + 1 > w->bincap) {
        free(w->binstart);
        w->binstart = xmalloc(nbins + 1, sizeof *w->binstart);
        w->bincap = 0;
        if (!w->binstart)
            return core_err_set(err, CORE_ENOMEM, "out of memory for %zu cell-list bins", nbins);
        w->bincap = nbins + 1;
    }
    /* counting sort of the atoms by bin */
    memset(w->binstart, 0, (nbins + 1) * sizeof *w->binstart);
    for (size_t i = 0; i < natoms; i++) {
        long b[3];
        for (int a = 0; a < 3; a++) {
            double span = smax[a] - smin[a];
            double x = span > 0 ? (w->frac[3 * i + a] - smin[a]) / span : 0;
            long v = (long)floor(x * (double)nbin[a]);
            b[a] = v < 0 ? 0 : v >= nbin[a] ? nbin[a] - 1 : v;
        }
        w->abin[i] = (size_t)((b[0] * nbin[1] + b[1]) * nbin[2] + b[2]);
        w->binstart[w->abin[i] + 1]++;
    }
    for (size_t b = 0; b < nbins; b++)
        w->binstart[b + 1] += w->binstart[b];
    for (size_t i = 0; i < natoms; i++) {
        /* binstart[b] counts up while filling; restored below */
        w->binatoms[w->binstart[w->abin[i]]++] = i;
    }
    for (size_t b = nbins; b > 0; b--)
        w->binstart[b] = w->binstart[b - 1];
    w->binstart[0] = 0;

    for (size_t i = 0; i < natoms; i++) {
        const double *wi = w->wpos + 3 * i;
        long bi[3];
        size_t ab = w->abin[i];
        bi[2] = (long)(ab % (size_t)nbin[2]);
        bi[1] = (long)((ab / (size_t)nbin[2]) % (size_t)nbin[1]);
        bi[0] = (long)(ab / ((size_t)nbin[2] * (size_t)nbin[1]));
        w->start[i] = npairs;
        for (long o0 = -kk[0]; o0 <= kk[0]; o0++) {
            long t0 = bi[0] + o0, n0 = 0;
            if (per[0]) {
                n0 = floordiv(t0, nbin[0]);
                t0 -= n0 * nbin[0];
            } else if (t0 < 0 || t0 >= nbin[0]) {
                continue;
            }
            for (long o1 = -kk[1]; o1 <= kk[1]; o1++) {
                long t1 = bi[1] + o1, n1 = 0;
                if (per[1]) {
                    n1 = floordiv(t1, nbin[1]);
                    t1 -= n1 * nbin[1];
                } else if (t1 < 0 || t1 >= nbin[1]) {
                    continue;
                }
                for (long o2 = -kk[2]; o2 <= kk[2]; o2++) {
                    long t2 = bi[2] + o2, n2 = 0;
                    size_t tb;
                    double sh[3];
                    if (per[2]) {
                        n2 = floordiv(t2, nbin[2]);
                        t2 -= n2 * nbin[2];
                    } else if (t2 < 0 || t2 >= nbin[2]) {
                        continue;
                    }
                    for (int k = 0; k < 3; k++)
                        sh[k] = (double)n0 * e[k] + (double)n1 * e[3 + k] + (double)n2 * e[6 + k];
                    tb = (size_t)((t0 * nbin[1] + t1) * nbin[2] + t2);
                    for (size_t q = w->binstart[tb]; q < w->binstart[tb + 1]; q++) {
                        size_t j = w->binatoms[q];
                        const double *wj = w->wpos + 3 * j;
                        double d[3], r2;
                        if (j == i && n0 == 0 && n1 == 0 && n2 == 0)
                            continue;
                        d[0] = (wj[0] - wi[0]) + sh[0];
                        d[1] = (wj[1] - wi[1]) + sh[1];
                        d[2] = (wj[2] - wi[2]) + sh[2];
                        r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                        if (!(r2 < rcut2))
                            continue;
                        if (r2 == 0)
                            return core_err_set(err, CORE_EINPUT,
                                                "atoms %zu and %zu are at the same place", i, j);
                        if (npairs == w->paircap) {
                            rc = grow_pairs(w, npairs + 1, err);
                            if (rc)
                                return rc;
                        }
                        w->nbr[npairs] = j;
                        w->jtype[npairs] = type[j];
                        memcpy(w->rij + 3 * npairs, d, sizeof d);
                        npairs++;
                    }
                }
            }
        }
    }
    w->start[natoms] = npairs;
    w->natoms = natoms;
    w->npairs = npairs;
    return CORE_OK;
}

int
mtp_calc(const struct mtp_pot *pot, struct mtp_work *w, size_t natoms, const int *type,
         const double *pos, const double *cell, const int *pbc, double *energy, double *forces,
         double *virial, struct core_err *err)
{
    const int ders = forces || virial;
    int rc;

    w->natoms = w->npairs = 0;
    w->has_ders = 0;
    rc = check_basis(pot, w, err);
    if (rc)
        return rc;
    rc = check_types(pot, natoms, type, err);
    if (rc)
        return rc;
    if (cell)
        for (int k = 0; k < 9; k++)
            if (!isfinite(cell[k]))
                return core_err_set(err, CORE_EINPUT, "cell is not finite");
    rc = build_nbrs(pot, w, natoms, type, pos, cell, pbc, err);
    if (rc) {
        w->natoms = w->npairs = 0;
        return rc;
    }
    if (ders && w->npairs == 0 && !w->dudr) {
        rc = grow_pairs(w, 1, err);
        if (rc)
            return rc;
    }
    rc = site_all(pot, w, natoms, type, w->start, w->jtype, w->rij, w->u, ders ? w->dudr : NULL,
                  err);
    if (rc) {
        w->natoms = w->npairs = 0;
        return rc;
    }
    w->has_ders = ders;
    if (energy) {
        double s = 0;
        for (size_t i = 0; i < natoms; i++)
            s += w->u[i];
        *energy = s;
    }
    if (forces) {
        memset(forces, 0, 3 * natoms * sizeof *forces);
        for (size_t i = 0; i < natoms; i++)
            for (size_t p = w->start[i]; p < w->start[i + 1]; p++) {
                const double *dp = w->dudr + 3 * p;
                double *fi = forces + 3 * i, *fj = forces + 3 * w->nbr[p];
                for (int k = 0; k < 3; k++) {
                    fi[k] += dp[k];
                    fj[k] -= dp[k];
                }
            }
    }
    if (virial) {
        double v[9] = {0};
        for (size_t p = 0; p < w->npairs; p++) {
            const double *dp = w->dudr + 3 * p, *r = w->rij + 3 * p;
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++)
                    v[3 * a + b] -= dp[a] * r[b];
        }
        memcpy(virial, v, sizeof v);
    }
    return CORE_OK;
}

void
mtp_work_nbrs(const struct mtp_work *w, struct mtp_nbrs *v)
{
    memset(v, 0, sizeof *v);
    if (!w || !w->start)
        return;
    v->natoms = w->natoms;
    v->npairs = w->npairs;
    v->start = w->start;
    v->nbr = w->nbr;
    v->rij = w->rij;
    v->u = w->u;
    v->dudr = w->has_ders ? w->dudr : NULL;
}
