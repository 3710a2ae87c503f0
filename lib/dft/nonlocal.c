/*
 * nonlocal: the separable GTH/HGH nonlocal term V_nl = sum_a sum_lm sum_ij |p_ai^lm> h^l_ij
 * <p_aj^lm|, as a dense projector matrix per k-point (npw x nproj) so that
 * V_nl X = P (D (P^H X)) is two BLAS3 products.
 *
 * <k+G|p_ai^lm> = Omega^{-1/2} exp(-iq.R_a) (-i)^l Y_lm(q^) proj_i^l(|q|), q = k + G, with real
 * spherical harmonics (any orthonormal set serves: h does not depend on m). The (-i)^l phase
 * cancels in P D P^H; it is kept so that P holds the true projections.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>

#include "dft_impl.h"

int
dft_nonlocal_build(struct dft_scf *s, struct core_err *err)
{
    size_t nproj = 0;
    for (size_t a = 0; a < s->natoms; a++)
        for (int l = 0; l < s->psp[a].nchan; l++)
            nproj += (size_t)(2 * l + 1) * (size_t)s->psp[a].nproj[l];
    s->nprojmax = nproj;
    double sqo = 1 / sqrt(s->omega);
    for (size_t ik = 0; ik < s->nkpts; ik++) {
        struct dft_kpt *kp = &s->kp[ik];
        kp->nproj = nproj;
        if (nproj == 0)
            continue;
        kp->proj = malloc(kp->npw * nproj * sizeof *kp->proj);
        kp->dmat = calloc(nproj * nproj, sizeof *kp->dmat);
        if (!kp->proj || !kp->dmat)
            return core_err_set(err, CORE_ENOMEM, "nonlocal: out of memory");
        size_t col = 0;
        for (size_t a = 0; a < s->natoms; a++) {
            const struct dft_psp *p = &s->psp[a];
            const double *ra = s->pos + 3 * a;
            for (int l = 0; l < p->nchan; l++) {
                double complex il = l == 0 ? 1 : l == 1 ? -I : l == 2 ? -1 : I;
                for (int m = 0; m < 2 * l + 1; m++) {
                    size_t col0 = col;
                    for (int i = 0; i < p->nproj[l]; i++, col++) {
                        double complex *pc = kp->proj + col * kp->npw;
                        for (size_t g = 0; g < kp->npw; g++) {
                            size_t idx = kp->ifft[g];
                            /* q = k + G from the box index */
                            size_t i2 = idx % s->ngrid[2], i1 = (idx / s->ngrid[2]) % s->ngrid[1],
                                   i0 = idx / (s->ngrid[2] * s->ngrid[1]);
                            int f0 = i0 <= s->ngrid[0] / 2 ? (int)i0 : (int)i0 - (int)s->ngrid[0];
                            int f1 = i1 <= s->ngrid[1] / 2 ? (int)i1 : (int)i1 - (int)s->ngrid[1];
                            int f2 = i2 <= s->ngrid[2] / 2 ? (int)i2 : (int)i2 - (int)s->ngrid[2];
                            double q[3];
                            for (int k = 0; k < 3; k++)
                                q[k] = kp->kcart[k] + f0 * s->recip[k] + f1 * s->recip[3 + k] +
                                       f2 * s->recip[6 + k];
                            double qn = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
                            double ph = q[0] * ra[0] + q[1] * ra[1] + q[2] * ra[2];
                            double rad = dft_psp_proj_reduced(p, l, i, qn);
                            pc[g] =
                                sqo * il * dft_ylm_solid(l, m, q) * rad * (cos(ph) - I * sin(ph));
                        }
                    }
                    for (int i = 0; i < p->nproj[l]; i++)
                        for (int j = 0; j < p->nproj[l]; j++)
                            kp->dmat[(col0 + i) + (col0 + j) * nproj] = p->h[l][i][j];
                }
            }
        }
    }
    return 0;
}

void
dft_nonlocal_apply(const struct dft_kpt *kp, size_t n, const double complex *x, double complex *y,
                   double complex *c, double complex *c2)
{
    size_t np = kp->nproj;
    const double complex one = 1, zero = 0;
    if (np == 0 || n == 0)
        return;
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, (int)np, (int)n, (int)kp->npw, &one,
                kp->proj, (int)kp->npw, x, (int)kp->npw, &zero, c, (int)np);
    /* c2 = D c: D is real, small and block diagonal */
    for (size_t j = 0; j < n; j++)
        for (size_t a = 0; a < np; a++) {
            double complex sum = 0;
            for (size_t b = 0; b < np; b++) {
                double d = kp->dmat[a + b * np];
                if (d != 0)
                    sum += d * c[b + j * np];
            }
            c2[a + j * np] = sum;
        }
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)kp->npw, (int)n, (int)np, &one,
                kp->proj, (int)kp->npw, c2, (int)np, &one, y, (int)kp->npw);
}

double
dft_nonlocal_energy(const struct dft_scf *s)
{
    double e = 0;
    for (size_t ik = 0; ik < s->nkpts; ik++) {
        const struct dft_kpt *kp = &s->kp[ik];
        size_t np = kp->nproj;
        if (np == 0)
            continue;
        struct dft_work *w = &s->work[0];
        const double complex one = 1, zero = 0;
        cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, (int)np, (int)s->nocc,
                    (int)kp->npw, &one, kp->proj, (int)kp->npw, kp->psi, (int)kp->npw, &zero, w->pc,
                    (int)np);
        double ek = 0;
        for (size_t n = 0; n < s->nocc; n++) {
            double en = 0;
            for (size_t a = 0; a < np; a++)
                for (size_t b = 0; b < np; b++) {
                    double d = kp->dmat[a + b * np];
                    if (d != 0)
                        en += d * creal(conj(w->pc[a + n * np]) * w->pc[b + n * np]);
                }
            ek += kp->occ[n] * en;
        }
        e += kp->weight * ek;
    }
    return e;
}
