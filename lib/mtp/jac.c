/*
 * mtp: exact derivatives of a configuration's energy, forces and virial with respect to every
 * coefficient of the potential (the Jacobian that Levenberg-Marquardt fitting needs), in one
 * pass over the sites. See mtp_jac_calc in mtp.h.
 *
 * Derivation. Site i (type t_i), neighbours q with vectors d_q, r_q = |d_q|, u_q = d_q / r_q,
 * types t_q. Radial coefficients of the block (t_i, t): c_{t,mu,b}; theta = (t, mu, b) indexes
 * them (theta = (t nrad + mu) nrb + b, the layout of pot->radial inside block t_i), so site i
 * depends on nspecies nrad nrb of them.
 *   f_mu(q) = sum_b c_{t_q,mu,b} Q_b(r_q)            (linear in c)
 *   m_p = sum_q f_{mu_p}(q) Y_p(u_q),  p basic,  Y_p = u_x^a u_y^b u_z^c, nu_p = a + b + c
 *   m_k += mult m_i m_j  (the contractions, in file order),  U_i = s_{t_i} + sum_k xi_k m_{map k}
 * (1) Moments. dm_p/dc_theta = [mu_p = mu] sum_{q: t_q = t} Q_b(r_q) Y_p(u_q) =: P_{p,theta};
 *     the contracted moments follow by the tangent of the contractions (forward mode):
 *       dm_k += mult (dm_i m_j + m_i dm_j).
 * (2) Energy. dU_i/dc_theta = sum_p g_p P_{p,theta} with g = dU_i/dm the adjoint (reverse pass
 *     seeded g_{map k} += xi_k; then in reverse file order g_i += mult g_k m_j, g_j += mult g_k
 * m_i); dU_i/ds_t = [t = t_i]; dU_i/dxi_k = m_{map k}. (3) Site force D_q = dU_i/dd_q = sum_p g_p
 * E_{pq}, with E_{pq} = dm_p/dd_q = f'_{mu_p}(q) Y_p u_q + (f_{mu_p}(q) / r_q)(grad_u Y_p - nu_p
 * Y_p u_q) (grad_u Y = (a Y^{a-1,b,c}, b Y^{a,b-1,c}, c Y^{a,b,c-1}); E is the derivative of
 * Y(d/|d|)). Its derivative has two parts: dD_q/dc_theta = sum_p (dg_p/dc_theta) E_{pq} + sum_p g_p
 * dE_{pq}/dc_theta. (a) dg/dc_theta is the tangent of the reverse pass (forward over reverse), with
 * dg = 0 at the seeds (xi does not depend on c): dg_i += mult (dg_k m_j + g_k dm_j),  dg_j += mult
 * (dg_k m_i + g_k dm_i), in reverse file order; m and dm are final there because no moment is read
 * before its last update (mtp_pot_check). The moment coefficients enter the same way: dg/dxi_k =
 *         the adjoint of B_k alone (reverse pass seeded with e_{map k}), and dD_q/dxi_k =
 *         sum_p (dg_p/dxi_k) E_pq; the species coefficients do not enter D.
 *         So all of these are one matrix product per site, T = E^T G: E is (3 n_i x nbasic),
 *         G = [g | dg/dc (nspecies nrad nrb columns) | dg/dxi (K columns)] (nbasic rows);
 *         column 0 of T is D itself.
 *     (b) E is linear in f and f', which are linear in c: dE_{pq}/dc_theta = [mu_p = mu,
 *         t_q = t] (Q'_b(r_q) Y_p u_q + (Q_b(r_q) / r_q)(grad_u Y_p - nu_p Y_p u_q)), so
 *           sum_p g_p dE_pq/dc_theta = [t_q = t] (Q'_b A_mu u_q + (Q_b / r_q)(G_mu - B_mu u_q)),
 *         A_mu = sum_{p: mu_p = mu} g_p Y_p, G_mu = sum_{p: mu_p = mu} g_p grad_u Y_p,
 *         B_mu = sum_{p: mu_p = mu} g_p nu_p Y_p (all at u_q).
 * (4) Forces and virial are sums over pairs (mtp.h): F_i += D_q, F_j -= D_q, W -= D_q (x) d_q,
 *     so each column of T is scattered the same way into the rows of the Jacobian.
 * Cost per site: the tangents O(ntimes (nspecies nrad nrb + K)), the product
 * O(n_i nbasic (nspecies nrad nrb + K)), the scatter O(n_i (nspecies nrad nrb + K)): against
 * forward differences (one full evaluation per radial coefficient) this is about the cost of a
 * few evaluations. Checked against central differences in tests/unit/mtp_jac_test.c.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mtp.h"

struct mtp_jac {
    /* the basis (copies, compared at every call) */
    size_t nspecies, nrb, nrad, nmoments, nbasic, ntimes, nscalar;
    int *basic, *times, *mapping;
    int numax;
    size_t nmono;
    int *bmu, *bmono, *bdx, *bdy, *bdz; /* per basic: mu, monomial, gradient monomials or -1 */
    double *ba, *bb, *bc, *bnu;         /* per basic: a, b, c, a + b + c */
    size_t nth;                         /* radial coefficients per site: nspecies nrad nrb */
    /* per-site scratch */
    size_t nbrcap;
    double *m, *g, *dm, *dg, *gk, *G; /* moments, adjoint, tangents, adjoints of B_k, G */
    double *acc;                      /* nrad * 5: A, G_x, G_y, G_z, B */
    double *Q, *dQ, *f, *fp, *mono, *uv, *ir;
    int *jt;
    size_t *pidx;
    double *E, *T; /* 3 nbrcap x nbasic, 3 nbrcap x (1 + nth + K) */
};

/* Index of monomial (a, b, c): degree ascending, then a, b descending (as lib/mtp/eval.c). */
static int
mono_index(int a, int b, int c)
{
    int n = a + b + c, s = b + c;
    return n * (n + 1) * (n + 2) / 6 + s * (s + 1) / 2 + (s - b);
}

static void *
xcalloc(size_t n, size_t sz)
{
    return calloc(n ? n : 1, sz);
}

static void
nbr_free(struct mtp_jac *j)
{
    free(j->Q), free(j->dQ), free(j->f), free(j->fp), free(j->mono), free(j->uv), free(j->ir);
    free(j->jt), free(j->pidx), free(j->E), free(j->T);
    j->Q = j->dQ = j->f = j->fp = j->mono = j->uv = j->ir = j->E = j->T = NULL;
    j->jt = NULL;
    j->pidx = NULL;
    j->nbrcap = 0;
}

void
mtp_jac_free(struct mtp_jac *j)
{
    if (!j)
        return;
    nbr_free(j);
    free(j->basic), free(j->times), free(j->mapping);
    free(j->bmu), free(j->bmono), free(j->bdx), free(j->bdy), free(j->bdz);
    free(j->ba), free(j->bb), free(j->bc), free(j->bnu);
    free(j->m), free(j->g), free(j->dm), free(j->dg), free(j->gk), free(j->G), free(j->acc);
    free(j);
}

size_t
mtp_pot_nparams(const struct mtp_pot *pot)
{
    return pot->nspecies * pot->nspecies * pot->nrad * pot->nrb + pot->nspecies + pot->nscalar;
}

int
mtp_jac_alloc(const struct mtp_pot *pot, struct mtp_jac **out, struct core_err *err)
{
    *out = NULL;
    int rc = mtp_pot_check(pot, err);
    if (rc)
        return rc;
    struct mtp_jac *j = calloc(1, sizeof *j);
    if (!j)
        return core_err_set(err, CORE_ENOMEM, "out of memory for an MTP Jacobian workspace");
    size_t nb = pot->nbasic, nt = pot->ntimes, nm = pot->nmoments, K = pot->nscalar;
    j->nspecies = pot->nspecies, j->nrb = pot->nrb, j->nrad = pot->nrad;
    j->nmoments = nm, j->nbasic = nb, j->ntimes = nt, j->nscalar = K;
    j->nth = pot->nspecies * pot->nrad * pot->nrb;
    size_t ncol = 1 + j->nth + K;
    j->basic = xcalloc(4 * nb, sizeof(int));
    j->times = xcalloc(4 * nt, sizeof(int));
    j->mapping = xcalloc(K, sizeof(int));
    j->bmu = xcalloc(nb, sizeof(int));
    j->bmono = xcalloc(nb, sizeof(int));
    j->bdx = xcalloc(nb, sizeof(int));
    j->bdy = xcalloc(nb, sizeof(int));
    j->bdz = xcalloc(nb, sizeof(int));
    j->ba = xcalloc(nb, sizeof(double));
    j->bb = xcalloc(nb, sizeof(double));
    j->bc = xcalloc(nb, sizeof(double));
    j->bnu = xcalloc(nb, sizeof(double));
    j->m = xcalloc(nm, sizeof(double));
    j->g = xcalloc(nm, sizeof(double));
    j->dm = xcalloc(nm * j->nth, sizeof(double));
    j->dg = xcalloc(nm * j->nth, sizeof(double));
    j->gk = xcalloc(nm * K, sizeof(double));
    j->G = xcalloc(nb * ncol, sizeof(double));
    j->acc = xcalloc(5 * pot->nrad, sizeof(double));
    if (!j->basic || !j->times || !j->mapping || !j->bmu || !j->bmono || !j->bdx || !j->bdy ||
        !j->bdz || !j->ba || !j->bb || !j->bc || !j->bnu || !j->m || !j->g || !j->dm || !j->dg ||
        !j->gk || !j->G || !j->acc) {
        mtp_jac_free(j);
        return core_err_set(err, CORE_ENOMEM, "out of memory for an MTP Jacobian workspace");
    }
    memcpy(j->basic, pot->basic, 4 * nb * sizeof(int));
    memcpy(j->times, pot->times, 4 * nt * sizeof(int));
    memcpy(j->mapping, pot->mapping, K * sizeof(int));
    j->numax = 0;
    for (size_t p = 0; p < nb; p++) {
        const int *e = pot->basic + 4 * p;
        int a = e[1], b = e[2], c = e[3];
        if (a + b + c > j->numax)
            j->numax = a + b + c;
        j->bmu[p] = e[0];
        j->bmono[p] = mono_index(a, b, c);
        j->bdx[p] = a > 0 ? mono_index(a - 1, b, c) : -1;
        j->bdy[p] = b > 0 ? mono_index(a, b - 1, c) : -1;
        j->bdz[p] = c > 0 ? mono_index(a, b, c - 1) : -1;
        j->ba[p] = a, j->bb[p] = b, j->bc[p] = c, j->bnu[p] = a + b + c;
    }
    j->nmono = (size_t)((j->numax + 1) * (j->numax + 2) * (j->numax + 3) / 6);
    *out = j;
    return CORE_OK;
}

static int
nbr_grow(struct mtp_jac *j, size_t n, struct core_err *err)
{
    if (n <= j->nbrcap)
        return CORE_OK;
    n += n / 4 + 8;
    nbr_free(j);
    size_t ncol = 1 + j->nth + j->nscalar;
    j->Q = xcalloc(n * j->nrb, sizeof(double));
    j->dQ = xcalloc(n * j->nrb, sizeof(double));
    j->f = xcalloc(n * j->nrad, sizeof(double));
    j->fp = xcalloc(n * j->nrad, sizeof(double));
    j->mono = xcalloc(n * j->nmono, sizeof(double));
    j->uv = xcalloc(3 * n, sizeof(double));
    j->ir = xcalloc(n, sizeof(double));
    j->jt = xcalloc(n, sizeof(int));
    j->pidx = xcalloc(n, sizeof(size_t));
    j->E = xcalloc(3 * n * j->nbasic, sizeof(double));
    j->T = xcalloc(3 * n * ncol, sizeof(double));
    if (!j->Q || !j->dQ || !j->f || !j->fp || !j->mono || !j->uv || !j->ir || !j->jt || !j->pidx ||
        !j->E || !j->T) {
        nbr_free(j);
        return core_err_set(err, CORE_ENOMEM, "out of memory for MTP Jacobian scratch (%zu pairs)",
                            n);
    }
    j->nbrcap = n;
    return CORE_OK;
}

static int
same_basis(const struct mtp_jac *j, const struct mtp_pot *pot)
{
    return j->nspecies == pot->nspecies && j->nrb == pot->nrb && j->nrad == pot->nrad &&
           j->nmoments == pot->nmoments && j->nbasic == pot->nbasic && j->ntimes == pot->ntimes &&
           j->nscalar == pot->nscalar && pot->basic && pot->times && pot->mapping && pot->radial &&
           pot->species_coeffs && pot->moment_coeffs &&
           memcmp(j->basic, pot->basic, 4 * j->nbasic * sizeof(int)) == 0 &&
           memcmp(j->times, pot->times, 4 * j->ntimes * sizeof(int)) == 0 &&
           memcmp(j->mapping, pot->mapping, j->nscalar * sizeof(int)) == 0;
}

/*
 * Neighbour data of site i: the n pairs within rcut, compacted (pidx: their pair indices).
 * Returns the number kept.
 */
static size_t
site_basis(const struct mtp_jac *j, const struct mtp_pot *pot, int ti, size_t p0, size_t p1,
           const int *type, const size_t *nbr, const double *rij)
{
    const size_t nrb = j->nrb, nrad = j->nrad, nmono = j->nmono, C = j->nspecies;
    const double rmin = pot->rmin, rcut = pot->rcut, sc = pot->scaling;
    const double kd = 2.0 / (rcut - rmin);
    double px[MTP_MAXNU + 1], py[MTP_MAXNU + 1], pz[MTP_MAXNU + 1];
    size_t s = 0;
    for (size_t p = p0; p < p1; p++) {
        const double *d = rij + 3 * p;
        double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        if (!(r < rcut))
            continue;
        double *q = j->Q + s * nrb, *dq = j->dQ + s * nrb, *u = j->uv + 3 * s;
        double ksi = (2 * r - (rmin + rcut)) / (rcut - rmin), rc = r - rcut, rc2 = rc * rc;
        q[0] = sc * rc2;
        dq[0] = sc * 2 * rc;
        q[1] = sc * ksi * rc2;
        dq[1] = sc * (kd * rc2 + 2 * ksi * rc);
        for (size_t b = 2; b < nrb; b++) {
            q[b] = 2 * ksi * q[b - 1] - q[b - 2];
            dq[b] = 2 * (kd * q[b - 1] + ksi * dq[b - 1]) - dq[b - 2];
        }
        int tj = type[nbr[p]];
        const double *c = pot->radial + ((size_t)ti * C + (size_t)tj) * nrad * nrb;
        for (size_t mu = 0; mu < nrad; mu++, c += nrb) {
            double v = 0, dv = 0;
            for (size_t b = 0; b < nrb; b++)
                v += c[b] * q[b], dv += c[b] * dq[b];
            j->f[s * nrad + mu] = v;
            j->fp[s * nrad + mu] = dv;
        }
        double ir = 1.0 / r;
        u[0] = d[0] * ir, u[1] = d[1] * ir, u[2] = d[2] * ir;
        j->ir[s] = ir;
        j->jt[s] = tj;
        j->pidx[s] = p;
        px[0] = py[0] = pz[0] = 1;
        for (int a = 1; a <= j->numax; a++) {
            px[a] = px[a - 1] * u[0];
            py[a] = py[a - 1] * u[1];
            pz[a] = pz[a - 1] * u[2];
        }
        double *mono = j->mono + s * nmono;
        size_t t = 0;
        for (int deg = 0; deg <= j->numax; deg++)
            for (int a = deg; a >= 0; a--)
                for (int b = deg - a; b >= 0; b--)
                    mono[t++] = px[a] * py[b] * pz[deg - a - b];
        s++;
    }
    return s;
}

/* y[0..n) += a x[0..n) */
static void
axpy(size_t n, double a, const double *restrict x, double *restrict y)
{
    if (a == 0)
        return;
#pragma omp simd
    for (size_t k = 0; k < n; k++)
        y[k] += a * x[k];
}

/* One site: adds its energy, forces and virial into val and their derivatives into J. */
static void
site_jac(struct mtp_jac *j, const struct mtp_pot *pot, size_t natoms, size_t i, const int *type,
         const struct mtp_nbrs *nl, int radial, double *val, double *J)
{
    const size_t C = j->nspecies, nrb = j->nrb, nrad = j->nrad, nb = j->nbasic;
    const size_t nm = j->nmoments, nt = j->ntimes, K = j->nscalar, nmono = j->nmono;
    const size_t nth = radial ? j->nth : 0, ncol = 1 + nth + K;
    const size_t nr = C * C * nrad * nrb, np = nr + C + K, N = natoms;
    const int ti = type[i];
    const int *tm = j->times;
    double *m = j->m, *g = j->g, *dm = j->dm, *dg = j->dg, *gk = j->gk, *G = j->G;
    double *Ji0 = J, *val_f = val + 1, *val_w = val + 1 + 3 * N;
    size_t ns = site_basis(j, pot, ti, nl->start[i], nl->start[i + 1], type, nl->nbr, nl->rij);

    /* moments and U_i */
    memset(m, 0, nm * sizeof *m);
    for (size_t s = 0; s < ns; s++) {
        const double *f = j->f + s * nrad, *mono = j->mono + s * nmono;
        for (size_t p = 0; p < nb; p++)
            m[p] += f[j->bmu[p]] * mono[j->bmono[p]];
    }
    for (size_t e = 0; e < nt; e++)
        m[tm[4 * e + 3]] += tm[4 * e + 2] * m[tm[4 * e]] * m[tm[4 * e + 1]];
    double ui = pot->species_coeffs[ti];
    for (size_t k = 0; k < K; k++)
        ui += pot->moment_coeffs[k] * m[j->mapping[k]];
    val[0] += ui;
    Ji0[nr + (size_t)ti] += 1;
    for (size_t k = 0; k < K; k++)
        Ji0[nr + C + k] += m[j->mapping[k]];

    /* adjoints: g = dU_i/dm; gk[., k] = dB_k/dm */
    memset(g, 0, nm * sizeof *g);
    memset(gk, 0, nm * K * sizeof *gk);
    for (size_t k = 0; k < K; k++) {
        g[j->mapping[k]] += pot->moment_coeffs[k];
        gk[(size_t)j->mapping[k] * K + k] += 1;
    }
    for (size_t e = nt; e-- > 0;) {
        size_t a = (size_t)tm[4 * e], b = (size_t)tm[4 * e + 1], k = (size_t)tm[4 * e + 3];
        double mult = tm[4 * e + 2];
        g[a] += mult * g[k] * m[b];
        g[b] += mult * g[k] * m[a];
        axpy(K, mult * m[b], gk + k * K, gk + a * K);
        axpy(K, mult * m[a], gk + k * K, gk + b * K);
    }

    if (radial) {
        /* P = dm_basic/dc, the energy's radial derivatives, then the tangents dm and dg */
        memset(dm, 0, nm * nth * sizeof *dm);
        for (size_t s = 0; s < ns; s++) {
            const double *q = j->Q + s * nrb, *mono = j->mono + s * nmono;
            size_t off = (size_t)j->jt[s] * nrad;
            for (size_t p = 0; p < nb; p++)
                axpy(nrb, mono[j->bmono[p]], q, dm + p * nth + (off + (size_t)j->bmu[p]) * nrb);
        }
        double *Je = Ji0 + (size_t)ti * nth;
        for (size_t p = 0; p < nb; p++)
            axpy(nth, g[p], dm + p * nth, Je);
        for (size_t e = 0; e < nt; e++) {
            size_t a = (size_t)tm[4 * e], b = (size_t)tm[4 * e + 1], k = (size_t)tm[4 * e + 3];
            double mult = tm[4 * e + 2];
            axpy(nth, mult * m[b], dm + a * nth, dm + k * nth);
            axpy(nth, mult * m[a], dm + b * nth, dm + k * nth);
        }
        memset(dg, 0, nm * nth * sizeof *dg);
        for (size_t e = nt; e-- > 0;) {
            size_t a = (size_t)tm[4 * e], b = (size_t)tm[4 * e + 1], k = (size_t)tm[4 * e + 3];
            double mult = tm[4 * e + 2];
            axpy(nth, mult * m[b], dg + k * nth, dg + a * nth);
            axpy(nth, mult * g[k], dm + b * nth, dg + a * nth);
            axpy(nth, mult * m[a], dg + k * nth, dg + b * nth);
            axpy(nth, mult * g[k], dm + a * nth, dg + b * nth);
        }
    }
    if (ns == 0)
        return;

    /* G = [g | dg/dc | dg/dxi] over the basic moments; E = dm_basic/dd (3 ns x nb) */
    for (size_t p = 0; p < nb; p++) {
        double *Gp = G + p * ncol;
        Gp[0] = g[p];
        if (nth)
            memcpy(Gp + 1, dg + p * nth, nth * sizeof *Gp);
        memcpy(Gp + 1 + nth, gk + p * K, K * sizeof *Gp);
    }
    for (size_t s = 0; s < ns; s++) {
        const double *f = j->f + s * nrad, *fp = j->fp + s * nrad, *mono = j->mono + s * nmono;
        const double *u = j->uv + 3 * s, ir = j->ir[s];
        double *E0 = j->E + 3 * s * nb, *E1 = E0 + nb, *E2 = E1 + nb;
        for (size_t p = 0; p < nb; p++) {
            double y = mono[j->bmono[p]], fm = f[j->bmu[p]], rad = fp[j->bmu[p]] * y;
            double fr = fm * ir, gx = j->bdx[p] >= 0 ? j->ba[p] * mono[j->bdx[p]] : 0;
            double gy = j->bdy[p] >= 0 ? j->bb[p] * mono[j->bdy[p]] : 0;
            double gz = j->bdz[p] >= 0 ? j->bc[p] * mono[j->bdz[p]] : 0;
            double ny = j->bnu[p] * y;
            E0[p] = rad * u[0] + fr * (gx - ny * u[0]);
            E1[p] = rad * u[1] + fr * (gy - ny * u[1]);
            E2[p] = rad * u[2] + fr * (gz - ny * u[2]);
        }
    }
    double *T = j->T;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(3 * ns), (int)ncol, (int)nb, 1.0,
                j->E, (int)nb, G, (int)ncol, 0.0, T, (int)ncol);

    /* the direct term: f and f' in E depend on c */
    for (size_t s = 0; radial && s < ns; s++) {
        const double *q = j->Q + s * nrb, *dq = j->dQ + s * nrb, *mono = j->mono + s * nmono;
        const double *u = j->uv + 3 * s, ir = j->ir[s];
        double *acc = j->acc;
        memset(acc, 0, 5 * nrad * sizeof *acc);
        for (size_t p = 0; p < nb; p++) {
            double *a = acc + 5 * (size_t)j->bmu[p], gp = g[p], y = mono[j->bmono[p]];
            a[0] += gp * y;
            if (j->bdx[p] >= 0)
                a[1] += gp * j->ba[p] * mono[j->bdx[p]];
            if (j->bdy[p] >= 0)
                a[2] += gp * j->bb[p] * mono[j->bdy[p]];
            if (j->bdz[p] >= 0)
                a[3] += gp * j->bc[p] * mono[j->bdz[p]];
            a[4] += gp * j->bnu[p] * y;
        }
        for (size_t mu = 0; mu < nrad; mu++) {
            const double *a = acc + 5 * mu;
            size_t off = 1 + ((size_t)j->jt[s] * nrad + mu) * nrb;
            for (int k = 0; k < 3; k++) {
                double cq = a[0] * u[k], cd = ir * (a[1 + k] - a[4] * u[k]);
                double *Tk = T + (3 * s + (size_t)k) * ncol + off;
#pragma omp simd
                for (size_t b = 0; b < nrb; b++)
                    Tk[b] += dq[b] * cq + q[b] * cd;
            }
        }
    }

    /* scatter: F_i += D, F_j -= D, W -= D (x) d, for the value (column 0) and every column */
    for (size_t s = 0; s < ns; s++) {
        size_t p = j->pidx[s], jn = nl->nbr[p];
        const double *d = nl->rij + 3 * p;
        for (size_t k = 0; k < 3; k++) {
            const double *Tk = T + (3 * s + k) * ncol;
            val_f[3 * i + k] += Tk[0];
            val_f[3 * jn + k] -= Tk[0];
            for (int l = 0; l < 3; l++)
                val_w[3 * k + (size_t)l] -= Tk[0] * d[l];
            double *Fi = J + (1 + 3 * i + k) * np, *Fj = J + (1 + 3 * jn + k) * np;
            const double *Tr = Tk + 1, *Tl = Tk + 1 + nth;
            if (nth && jn != i) { /* an image of atom i itself: F_i += D - D */
                double *restrict Fir = Fi + (size_t)ti * nth, *restrict Fjr = Fj + (size_t)ti * nth;
#pragma omp simd
                for (size_t c = 0; c < nth; c++) {
                    Fir[c] += Tr[c];
                    Fjr[c] -= Tr[c];
                }
            }
            if (nth) {
                for (int l = 0; l < 3; l++) {
                    double *Wr = J + (1 + 3 * N + 3 * k + (size_t)l) * np + (size_t)ti * nth;
                    axpy(nth, -d[l], Tr, Wr);
                }
            }
            if (jn != i) {
                double *restrict Fil = Fi + nr + C, *restrict Fjl = Fj + nr + C;
#pragma omp simd
                for (size_t c = 0; c < K; c++) {
                    Fil[c] += Tl[c];
                    Fjl[c] -= Tl[c];
                }
            }
            for (int l = 0; l < 3; l++) {
                double *Wl = J + (1 + 3 * N + 3 * k + (size_t)l) * np + nr + C;
                axpy(K, -d[l], Tl, Wl);
            }
        }
    }
}

int
mtp_jac_calc(const struct mtp_pot *pot, struct mtp_jac *j, const int *type,
             const struct mtp_nbrs *nl, int radial, double *val, double *J, struct core_err *err)
{
    if (!same_basis(j, pot))
        return core_err_set(err, CORE_EINPUT,
                            "potential and MTP Jacobian workspace differ in their basis (plan it "
                            "again)");
    size_t N = nl->natoms, nrow = 1 + 3 * N + 9, np = mtp_pot_nparams(pot), maxn = 0;
    if (nl->start[0] != 0 || nl->start[N] != nl->npairs)
        return core_err_set(err, CORE_EINPUT,
                            "neighbour list: start[0] = %zu, start[%zu] = %zu "
                            "for %zu pairs",
                            nl->start[0], N, nl->start[N], nl->npairs);
    for (size_t i = 0; i < N; i++) {
        if (type[i] < 0 || (size_t)type[i] >= pot->nspecies)
            return core_err_set(err, CORE_EINPUT,
                                "atom %zu: type %d outside the potential's species 0..%zu", i,
                                type[i], pot->nspecies - 1);
        if (nl->start[i + 1] < nl->start[i])
            return core_err_set(err, CORE_EINPUT, "neighbour list: start decreases at atom %zu", i);
        if (nl->start[i + 1] - nl->start[i] > maxn)
            maxn = nl->start[i + 1] - nl->start[i];
    }
    for (size_t p = 0; p < nl->npairs; p++) {
        const double *d = nl->rij + 3 * p;
        double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
        if (nl->nbr[p] >= N)
            return core_err_set(err, CORE_EINPUT, "pair %zu: neighbour %zu of %zu atoms", p,
                                nl->nbr[p], N);
        if (!isfinite(r2))
            return core_err_set(err, CORE_EINPUT, "pair %zu: non-finite vector", p);
        if (r2 == 0)
            return core_err_set(err, CORE_EINPUT, "pair %zu: zero vector", p);
    }
    int rc = nbr_grow(j, maxn, err);
    if (rc)
        return rc;
    memset(val, 0, nrow * sizeof *val);
    memset(J, 0, nrow * np * sizeof *J);
    for (size_t i = 0; i < N; i++)
        site_jac(j, pot, N, i, type, nl, radial != 0, val, J);
    return CORE_OK;
}
