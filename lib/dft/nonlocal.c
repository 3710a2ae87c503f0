/*
 * nonlocal: the separable GTH/HGH nonlocal term V_nl = sum_a sum_lm sum_ij |p_ai^lm> h^l_ij
 * <p_aj^lm|, as a dense projector matrix P (npw x nproj) of one k-point so that
 * V_nl X = P (D (P^H X)) is two BLAS3 products; D (nproj x nproj, block diagonal) is the same at
 * every k-point.
 *
 * <k+G|p_ai^lm> = Omega^{-1/2} exp(-iq.R_a) (-i)^l Y_lm(q^) proj_i^l(|q|), q = k + G, with real
 * spherical harmonics (any orthonormal set serves: h does not depend on m). The (-i)^l phase
 * cancels in P D P^H; it is kept so that P holds the true projections.
 *
 * P is not kept for every k-point (npw x nproj complex numbers each: as much as a few bands):
 * each thread's workspace holds the P of the k-point it last worked on and rebuilds it when
 * given another one, as pw.x does (init_us_2). A k-point's bands are worked on by one thread
 * in a step, so a step builds each P about once.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>

#include "dft_impl.h"

int
dft_nonlocal_build(struct dft_scf *s, struct core_err *err)
{
    size_t nproj = 0, col = 0;
    for (size_t a = 0; a < s->natoms; a++)
        for (int l = 0; l < s->psp[a].nchan; l++)
            nproj += (size_t)(2 * l + 1) * (size_t)s->psp[a].nproj[l];
    s->nprojmax = nproj;
    for (size_t ik = 0; ik < s->nkpts; ik++)
        s->kp[ik].nproj = nproj;
    if (nproj == 0)
        return 0;
    if (!(s->nl_dmat = calloc(nproj * nproj, sizeof *s->nl_dmat)))
        return core_err_set(err, CORE_ENOMEM, "nonlocal: out of memory");
    for (size_t a = 0; a < s->natoms; a++) {
        const struct dft_psp *p = &s->psp[a];
        for (int l = 0; l < p->nchan; l++)
            for (int m = 0; m < 2 * l + 1; m++) {
                for (int i = 0; i < p->nproj[l]; i++)
                    for (int j = 0; j < p->nproj[l]; j++)
                        s->nl_dmat[(col + (size_t)i) + (col + (size_t)j) * nproj] = p->h[l][i][j];
                col += (size_t)p->nproj[l];
            }
    }
    return 0;
}

/* The projectors of kp into w->proj, unless they are there already. The structure factor
 * exp(-iq.R_a) = exp(-ik.R_a) prod_j exp(-i f_j b_j.R_a), q = k + sum_j f_j b_j, from a table
 * of the three factors per atom (w->sfac: ngrid[0] + ngrid[1] + ngrid[2] per atom). */
static void
projectors(const struct dft_scf *s, const struct dft_kpt *kp, struct dft_work *w)
{
    size_t npw = kp->npw, col = 0;
    double sqo = 1 / sqrt(s->omega);
    if (w->proj_kp == kp)
        return;
    for (size_t a = 0; a < s->natoms; a++) {
        const struct dft_psp *p = &s->psp[a];
        const double *ra = s->pos + 3 * a;
        double complex *tab[3] = {w->sfac, w->sfac + s->ngrid[0],
                                  w->sfac + s->ngrid[0] + s->ngrid[1]};
        size_t ncol = 0;
        for (int l = 0; l < p->nchan; l++)
            ncol += (size_t)(2 * l + 1) * (size_t)p->nproj[l];
        if (ncol == 0)
            continue;
        double kr = kp->kcart[0] * ra[0] + kp->kcart[1] * ra[1] + kp->kcart[2] * ra[2];
        double complex phk = sqo * (cos(kr) - I * sin(kr));
        for (int j = 0; j < 3; j++) {
            const double *b = s->recip + 3 * j;
            double br = b[0] * ra[0] + b[1] * ra[1] + b[2] * ra[2];
            for (size_t i = 0; i < s->ngrid[j]; i++) {
                int f = i <= s->ngrid[j] / 2 ? (int)i : (int)i - (int)s->ngrid[j];
                tab[j][i] = cos(f * br) - I * sin(f * br);
            }
        }
        for (size_t g = 0; g < npw; g++) {
            size_t idx = kp->ifft[g], c = col;
            /* q = k + G from the box index */
            size_t i2 = idx % s->ngrid[2], i1 = (idx / s->ngrid[2]) % s->ngrid[1],
                   i0 = idx / (s->ngrid[2] * s->ngrid[1]);
            int f0 = i0 <= s->ngrid[0] / 2 ? (int)i0 : (int)i0 - (int)s->ngrid[0];
            int f1 = i1 <= s->ngrid[1] / 2 ? (int)i1 : (int)i1 - (int)s->ngrid[1];
            int f2 = i2 <= s->ngrid[2] / 2 ? (int)i2 : (int)i2 - (int)s->ngrid[2];
            double q[3];
            for (int k = 0; k < 3; k++)
                q[k] =
                    kp->kcart[k] + f0 * s->recip[k] + f1 * s->recip[3 + k] + f2 * s->recip[6 + k];
            double qn = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
            double complex phase = phk * tab[0][i0] * tab[1][i1] * tab[2][i2];
            for (int l = 0; l < p->nchan; l++) {
                double complex il = l == 0 ? 1 : l == 1 ? -I : l == 2 ? -1 : I;
                for (int m = 0; m < 2 * l + 1; m++) {
                    double complex ylm = il * dft_ylm_solid(l, m, q) * phase;
                    for (int i = 0; i < p->nproj[l]; i++, c++)
                        w->proj[c * npw + g] = ylm * dft_psp_proj_reduced(p, l, i, qn);
                }
            }
        }
        col += ncol;
    }
    w->proj_kp = kp;
}

void
dft_nonlocal_apply(const struct dft_scf *s, const struct dft_kpt *kp, struct dft_work *w, size_t n,
                   const double complex *x, double complex *y)
{
    size_t np = kp->nproj;
    const double complex one = 1, zero = 0;
    double complex *c = w->pc, *c2 = w->pc2;
    if (np == 0 || n == 0)
        return;
    projectors(s, kp, w);
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, (int)np, (int)n, (int)kp->npw, &one,
                w->proj, (int)kp->npw, x, (int)kp->npw, &zero, c, (int)np);
    /* c2 = D c: D is real, small and block diagonal */
    for (size_t j = 0; j < n; j++)
        for (size_t a = 0; a < np; a++) {
            double complex sum = 0;
            for (size_t b = 0; b < np; b++) {
                double d = s->nl_dmat[a + b * np];
                if (d != 0)
                    sum += d * c[b + j * np];
            }
            c2[a + j * np] = sum;
        }
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)kp->npw, (int)n, (int)np, &one,
                w->proj, (int)kp->npw, c2, (int)np, &one, y, (int)kp->npw);
}

void
dft_nonlocal_bands(const struct dft_scf *s, struct dft_kpt *kp, struct dft_work *w)
{
    size_t np = kp->nproj, nb = s->nbands;
    const double complex one = 1, zero = 0;
    for (size_t n = 0; n < nb; n++)
        kp->enl[n] = 0;
    if (np == 0)
        return;
    projectors(s, kp, w);
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, (int)np, (int)nb, (int)kp->npw, &one,
                w->proj, (int)kp->npw, kp->psi, (int)kp->npw, &zero, w->pc, (int)np);
    for (size_t n = 0; n < nb; n++) {
        double en = 0;
        for (size_t a = 0; a < np; a++)
            for (size_t b = 0; b < np; b++) {
                double d = s->nl_dmat[a + b * np];
                if (d != 0)
                    en += d * creal(conj(w->pc[a + n * np]) * w->pc[b + n * np]);
            }
        kp->enl[n] = en;
    }
}

double
dft_nonlocal_energy(const struct dft_scf *s)
{
    double e = 0;
    for (size_t ik = 0; ik < s->nkpts; ik++) {
        const struct dft_kpt *kp = &s->kp[ik];
        double ek = 0;
        for (size_t n = 0; n < s->nocc; n++)
            ek += kp->occ[n] * kp->enl[n];
        e += kp->weight * ek;
    }
    return e;
}
