/*
 * hartree: V_H(G) = 4 pi rho(G)/|G|^2 for G != 0, V_H(0) = 0 (the neutralising background), and
 * E_H = (Omega/2) sum_{G != 0} 4 pi |rho(G)|^2/|G|^2.
 */
#include <math.h>

#include "dft_impl.h"

double
dft_hartree_apply(struct dft_scf *s, const double *rho, double *vh)
{
    double complex *box = s->cbox;
    double e = 0, scale = 1.0 / (double)s->nfft;
    for (size_t i = 0; i < s->nfft; i++)
        box[i] = rho[i];
    fftw_execute_dft(s->fwd, box, box);
    box[0] = 0;
    for (size_t i = 1; i < s->nfft; i++) {
        double complex r = box[i] * scale;
        double f = 4 * M_PI / s->gsq[i];
        e += f * (creal(r) * creal(r) + cimag(r) * cimag(r));
        box[i] = f * r;
    }
    if (vh) {
        fftw_execute_dft(s->bwd, box, box);
        for (size_t i = 0; i < s->nfft; i++)
            vh[i] = creal(box[i]);
    }
    return 0.5 * s->omega * e;
}
