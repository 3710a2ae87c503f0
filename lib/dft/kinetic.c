/*
 * kinetic: the kinetic-energy term, diagonal in plane waves, T = |k+G|^2/2 (Hartree), and its
 * energy sum_k w_k sum_n f_n sum_G |k+G|^2/2 |c_nk(G)|^2.
 */
#include "dft_impl.h"

double
dft_kinetic_energy(const struct dft_scf *s)
{
    double e = 0;
    for (size_t ik = 0; ik < s->nkpts; ik++) {
        const struct dft_kpt *kp = &s->kp[ik];
        double ek = 0;
        for (size_t n = 0; n < s->nocc; n++) {
            const double complex *c = kp->psi + n * kp->npw;
            double en = 0;
            for (size_t g = 0; g < kp->npw; g++)
                en += kp->kin[g] * (creal(c[g]) * creal(c[g]) + cimag(c[g]) * cimag(c[g]));
            ek += kp->occ[n] * en;
        }
        e += kp->weight * ek;
    }
    return e;
}
