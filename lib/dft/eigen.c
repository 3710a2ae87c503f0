/*
 * eigen: block Davidson for the lowest eigenpairs of the Kohn-Sham Hamiltonian at one k-point
 * (E. R. Davidson, J. Comput. Phys. 17, 87 (1975); block form after Liu), with the
 * Teter-Payne-Allan preconditioner (M. P. Teter, M. C. Payne, D. C. Allan, Phys. Rev. B 40,
 * 12255 (1989), doi:10.1103/PhysRevB.40.12255):
 *   K(x) = (27 + 18x + 12x^2 + 8x^3)/(27 + 18x + 12x^2 + 8x^3 + 16x^4),  x = T_G/<psi|T|psi>.
 * The subspace is at most maxdim = 4 nbands vectors; on overflow it restarts from the 2 nbands
 * lowest Ritz vectors. Orthonormalisation is by two passes of block classical Gram-Schmidt
 * (BLAS3), each a projection against the subspace and a Loewdin step within the new block that
 * drops linearly dependent directions. The projected matrix V^H H V is kept between iterations
 * (only the new block's columns are computed; after a restart it is the diagonal of Ritz
 * values). Subspace eigenproblems by LAPACKE_zheev (column-major).
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "dft_impl.h"

#define EIGEN_OCC_EMPTY 0.02 /* electrons: a band holding less is empty (1 % of full) */
#define EIGEN_TOL_EMPTY 1e-3 /* Ha: residual norm of empty bands (eigenvalues to ~1e-6 Ha) */

int
dft_orthonormalize(size_t npw, size_t n, double complex *x, double complex *s, double complex *u,
                   double *ev, size_t *nkept)
{
    const double complex one = 1, zero = 0;
    *nkept = 0;
    if (n == 0)
        return 0;
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, (int)n, (int)n, (int)npw, &one, x,
                (int)npw, x, (int)npw, &zero, s, (int)n);
    lapack_int info = LAPACKE_zheev(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)n,
                                    (lapack_complex_double *)s, (lapack_int)n, ev);
    if (info != 0)
        return CORE_EINTERNAL;
    double emax = ev[n - 1];
    size_t first = 0;
    while (first < n && !(ev[first] > 1e-12 * emax && ev[first] > 1e-26))
        first++;
    size_t nk = n - first;
    /* x <- x U_kept diag(ev^-1/2), through u */
    for (size_t j = 0; j < nk; j++) {
        double f = 1 / sqrt(ev[first + j]);
        for (size_t i = 0; i < n; i++)
            s[i + (first + j) * n] *= f;
    }
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)npw, (int)nk, (int)n, &one, x,
                (int)npw, s + first * n, (int)n, &zero, u, (int)npw);
    memcpy(x, u, npw * nk * sizeof *x);
    *nkept = nk;
    return 0;
}

/* Removes from t (npw x m) its components along v (npw x nv, orthonormal), once. */
static void
project_out(size_t npw, size_t nv, const double complex *v, size_t m, double complex *t,
            double complex *c)
{
    const double complex one = 1, mone = -1, zero = 0;
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, (int)nv, (int)m, (int)npw, &one, v,
                (int)npw, t, (int)npw, &zero, c, (int)nv);
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)npw, (int)m, (int)nv, &mone, v,
                (int)npw, c, (int)nv, &one, t, (int)npw);
}

int
dft_eigen_solve(const struct dft_scf *s, struct dft_kpt *kp, struct dft_work *w, double tol,
                size_t maxiter)
{
    const double complex one = 1, zero = 0;
    size_t npw = kp->npw, nb = s->nbands, maxdim = s->maxdim, nv, nk, nold;
    if (maxdim > npw)
        maxdim = npw;
    double complex *v = w->v, *av = w->av, *x = w->w, *hp = w->ys;
    size_t ld = s->maxdim; /* leading dimension of hp, the projected H = V^H A V */
    lapack_int info;

    /* start: V = orthonormalised psi */
    memcpy(v, kp->psi, npw * nb * sizeof *v);
    if (dft_orthonormalize(npw, nb, v, w->c, x, w->theta, &nk) != 0 || nk < nb)
        return CORE_EINTERNAL;
    dft_ham_apply(s, kp, w, nb, v, av);
    nv = nb;
    nold = 0; /* columns of hp already known */
    for (size_t it = 0;; it++) {
        /* Rayleigh-Ritz: the new columns of V^H A V (the old ones are kept in hp), made
         * Hermitian, copied into hs for the eigensolver */
        cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, (int)nv, (int)(nv - nold),
                    (int)npw, &one, v, (int)npw, av + nold * npw, (int)npw, &zero, hp + nold * ld,
                    (int)ld);
        for (size_t j = nold; j < nv; j++) {
            for (size_t i = 0; i < nold; i++)
                hp[j + i * ld] = conj(hp[i + j * ld]);
            for (size_t i = nold; i < j; i++) {
                double complex h = 0.5 * (hp[i + j * ld] + conj(hp[j + i * ld]));
                hp[i + j * ld] = h;
                hp[j + i * ld] = conj(h);
            }
            hp[j + j * ld] = creal(hp[j + j * ld]);
        }
        for (size_t j = 0; j < nv; j++)
            memcpy(w->hs + j * nv, hp + j * ld, nv * sizeof *w->hs);
        info = LAPACKE_zheev(LAPACK_COL_MAJOR, 'V', 'U', (lapack_int)nv,
                             (lapack_complex_double *)w->hs, (lapack_int)nv, w->theta);
        if (info != 0)
            return CORE_EINTERNAL;
        nold = nv;
        /* Ritz vectors X = V Y (into kp->psi) and residuals R = AV Y - X theta (into x) */
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)npw, (int)nb, (int)nv, &one, v,
                    (int)npw, w->hs, (int)nv, &zero, kp->psi, (int)npw);
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)npw, (int)nb, (int)nv, &one, av,
                    (int)npw, w->hs, (int)nv, &zero, x, (int)npw);
        /* the first pass corrects every band not yet within the floor tolerance: the caller's
         * tolerance follows the SCF residual, and bands already within it (a warm start, or a
         * potential that barely moved) would otherwise keep answering the previous potential,
         * which stalls the density mixing */
        double tcut = it == 0 ? fmin(tol, s->par.tol_eig) : tol;
        size_t nconv = 0;
        for (size_t n = 0; n < nb; n++) {
            w->tcut[n] = tcut;
            /* empty bands (smearing) barely enter the density: converged loosely, to a
             * residual of at least 1e-3 (Quantum ESPRESSO takes them to an eigenvalue error of
             * max(5 ethr, 1e-5 Ha); 1e-3 keeps -TS and the Fermi level of the fcc Al
             * references within 1e-9 Ha, 3e-3 did not) */
            if (s->par.smearing != DFT_SMEAR_NONE && fabs(kp->occ[n]) < EIGEN_OCC_EMPTY)
                w->tcut[n] = fmax(sqrt(5.0) * tol, EIGEN_TOL_EMPTY);
        }
        for (size_t n = 0; n < nb; n++) {
            double r2 = 0;
            kp->eig[n] = w->theta[n];
            for (size_t g = 0; g < npw; g++) {
                double complex r = x[g + n * npw] - w->theta[n] * kp->psi[g + n * npw];
                x[g + n * npw] = r;
                r2 += creal(r) * creal(r) + cimag(r) * cimag(r);
            }
            w->rn[n] = sqrt(r2);
            if (w->rn[n] <= w->tcut[n])
                nconv++;
        }
        if (nconv == nb || it >= maxiter)
            break;
        /* residuals of the unconverged bands, preconditioned, packed to the front of x */
        size_t m = 0;
        for (size_t n = 0; n < nb; n++) {
            if (w->rn[n] <= w->tcut[n])
                continue;
            double tpsi = 0;
            const double complex *p = kp->psi + n * npw;
            for (size_t g = 0; g < npw; g++)
                tpsi += kp->kin[g] * (creal(p[g]) * creal(p[g]) + cimag(p[g]) * cimag(p[g]));
            if (!(tpsi > 1e-3))
                tpsi = 1e-3;
            for (size_t g = 0; g < npw; g++) {
                double y = kp->kin[g] / tpsi, y2 = y * y;
                double num = 27 + 18 * y + 12 * y2 + 8 * y2 * y;
                x[g + m * npw] = x[g + n * npw] * (num / (num + 16 * y2 * y2));
            }
            m++;
        }
        /* restart when the new block does not fit: keep the 2 nb lowest Ritz vectors (nb when
         * the basis is small), and drop residuals that still do not fit; the projected H of
         * Ritz vectors is diagonal, their Ritz values */
        if (nv + m > maxdim) {
            size_t keep = 2 * nb < nv ? 2 * nb : nv;
            if (keep + m > maxdim)
                keep = nb;
            if (keep + m > maxdim)
                m = maxdim - keep;
            if (m == 0)
                break;
            double complex *tmp = x + m * npw; /* x has room for maxdim >= m + keep columns */
            cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)npw, (int)keep, (int)nv,
                        &one, v, (int)npw, w->hs, (int)nv, &zero, tmp, (int)npw);
            memcpy(v, tmp, npw * keep * sizeof *v);
            cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)npw, (int)keep, (int)nv,
                        &one, av, (int)npw, w->hs, (int)nv, &zero, tmp, (int)npw);
            memcpy(av, tmp, npw * keep * sizeof *av);
            for (size_t j = 0; j < keep; j++) {
                memset(hp + j * ld, 0, keep * sizeof *hp);
                hp[j + j * ld] = w->theta[j];
            }
            nv = nold = keep;
        }
        /* the new block orthonormal to V and within itself: block classical Gram-Schmidt,
         * twice (one pass of projection and Loewdin step, then a second against round-off) */
        project_out(npw, nv, v, m, x, w->c);
        memcpy(v + nv * npw, x, npw * m * sizeof *v);
        if (dft_orthonormalize(npw, m, v + nv * npw, w->c, x, w->theta + nv, &nk) != 0)
            return CORE_EINTERNAL;
        if (nk == 0)
            break;
        project_out(npw, nv, v, nk, v + nv * npw, w->c);
        if (dft_orthonormalize(npw, nk, v + nv * npw, w->c, x, w->theta + nv, &nk) != 0)
            return CORE_EINTERNAL;
        if (nk == 0)
            break;
        dft_ham_apply(s, kp, w, nk, v + nv * npw, av + nv * npw);
        nv += nk;
    }
    return 0;
}
