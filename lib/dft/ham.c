/*
 * ham: the Kohn-Sham Hamiltonian H = T + V_loc + V_H + V_xc + V_nl applied to a block of
 * wavefunctions, and the density of a k-point. The local potential is applied on the FFT grid:
 * scatter the coefficients into the box, FFTW_BACKWARD, multiply by V(r), FFTW_FORWARD, gather
 * and divide by the number of grid points. Plans are shared (fftw_execute_dft is thread safe);
 * each thread brings its own box.
 */
#include <string.h>

#include "dft_impl.h"

void
dft_ham_apply(const struct dft_scf *s, const struct dft_kpt *kp, struct dft_work *w, size_t n,
              const double complex *x, double complex *y)
{
    size_t npw = kp->npw;
    double scale = 1.0 / (double)s->nfft;
    for (size_t j = 0; j < n; j++) {
        const double complex *xj = x + j * npw;
        double complex *yj = y + j * npw;
        memset(w->box, 0, s->nfft * sizeof *w->box);
        for (size_t g = 0; g < npw; g++)
            w->box[kp->ifft[g]] = xj[g];
        fftw_execute_dft(s->bwd, w->box, w->box);
        for (size_t i = 0; i < s->nfft; i++)
            w->box[i] *= s->vtot[i];
        fftw_execute_dft(s->fwd, w->box, w->box);
        for (size_t g = 0; g < npw; g++)
            yj[g] = kp->kin[g] * xj[g] + w->box[kp->ifft[g]] * scale;
    }
    dft_nonlocal_apply(kp, n, x, y, w->pc, w->pc2);
}

void
dft_ham_density(const struct dft_scf *s, struct dft_kpt *kp, struct dft_work *w)
{
    memset(kp->rho, 0, s->nfft * sizeof *kp->rho);
    for (size_t n = 0; n < s->nocc; n++) {
        const double complex *c = kp->psi + n * kp->npw;
        double f = kp->occ[n] / s->omega; /* spin-unpolarised: up to two electrons a band */
        if (f == 0)
            continue;
        memset(w->box, 0, s->nfft * sizeof *w->box);
        for (size_t g = 0; g < kp->npw; g++)
            w->box[kp->ifft[g]] = c[g];
        fftw_execute_dft(s->bwd, w->box, w->box);
        for (size_t i = 0; i < s->nfft; i++)
            kp->rho[i] +=
                f * (creal(w->box[i]) * creal(w->box[i]) + cimag(w->box[i]) * cimag(w->box[i]));
    }
}
