/*
 * local: the local pseudopotential on the FFT grid and its energy int V_loc rho.
 *
 * V_loc(G) = (1/Omega) sum_a vloc_a(|G|) exp(-iG.R_a) for G != 0 (dft_psp_vloc). The G = 0 term
 * is set to zero in the Hamiltonian, as ABINIT does: the Coulomb divergence cancels against the
 * Hartree and Ewald terms, and the finite remainder (1/Omega) sum_a alpha_a only shifts every
 * eigenvalue; it enters the energy as the constant "psp core" term nelec/Omega sum_a alpha_a
 * (scf.c). So eigenvalues compare with ABINIT's directly (DFTK and Quantum ESPRESSO keep the
 * constant in the potential: their eigenvalues are higher by sum_a alpha_a/Omega). Every G of
 * the box is included: the box holds all density components without aliasing, so the energy is
 * exact for the grid.
 */
#include <math.h>

#include "dft_impl.h"

static int
freq(size_t i, size_t n)
{
    return i <= n / 2 ? (int)i : (int)i - (int)n;
}

void
dft_local_build(struct dft_scf *s)
{
    const size_t *n = s->ngrid;
    double complex *box = s->cbox;
    for (size_t i0 = 0, idx = 0; i0 < n[0]; i0++)
        for (size_t i1 = 0; i1 < n[1]; i1++)
            for (size_t i2 = 0; i2 < n[2]; i2++, idx++) {
                int f[3] = {freq(i0, n[0]), freq(i1, n[1]), freq(i2, n[2])};
                double g[3], q = sqrt(s->gsq[idx]);
                double complex v = 0;
                for (int k = 0; k < 3; k++)
                    g[k] = f[0] * s->recip[k] + f[1] * s->recip[3 + k] + f[2] * s->recip[6 + k];
                for (size_t a = 0; a < s->natoms; a++) {
                    const double *r = s->pos + 3 * a;
                    double ph = g[0] * r[0] + g[1] * r[1] + g[2] * r[2];
                    double va = idx == 0 ? 0 : dft_psp_vloc(&s->psp[a], q);
                    v += va * (cos(ph) - I * sin(ph));
                }
                box[idx] = v / s->omega;
            }
    fftw_execute_dft(s->bwd, box, box);
    for (size_t i = 0; i < s->nfft; i++)
        s->vloc[i] = creal(box[i]);
}

double
dft_local_energy(const struct dft_scf *s, const double *rho)
{
    double e = 0;
    for (size_t i = 0; i < s->nfft; i++)
        e += s->vloc[i] * rho[i];
    return e * s->omega / (double)s->nfft;
}
