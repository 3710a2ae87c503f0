/*
 * basis: FFT grids and the plane-wave basis of each k-point (k-point meshes: symm.c).
 *
 * Conventions (after DFTK's conventions page):
 *   - reciprocal vectors b_j satisfy a_i . b_j = 2 pi delta_ij; a wave vector with reduced
 *     coordinates (k_1, k_2, k_3) is sum_j k_j b_j;
 *   - FFT box point (i_0, i_1, i_2), i_2 fastest, is r = sum_j (i_j/n_j) a_j; frequency f_j = i_j
 *     for i_j <= n_j/2 and i_j - n_j otherwise; G = sum_j f_j b_j;
 *   - FFTW_BACKWARD (exp(+i...)) takes Fourier coefficients to values on the grid; FFTW_FORWARD
 *     divided by n_0 n_1 n_2 takes them back;
 *   - the basis of k is every G with |k+G|^2/2 <= ecut, in the order of the FFT box.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dft_impl.h"

size_t
dft_fft_size(size_t nmin)
{
    for (size_t n = nmin < 1 ? 1 : nmin;; n++) {
        size_t m = n;
        while (m % 2 == 0)
            m /= 2;
        while (m % 3 == 0)
            m /= 3;
        while (m % 5 == 0)
            m /= 5;
        if (m == 1)
            return n;
    }
}

void
dft_fft_grid(const double cell[9], double ecut, size_t ngrid[3])
{
    double gmax = sqrt(2 * ecut);
    for (int j = 0; j < 3; j++) {
        double aj = sqrt(cell[3 * j] * cell[3 * j] + cell[3 * j + 1] * cell[3 * j + 1] +
                         cell[3 * j + 2] * cell[3 * j + 2]);
        size_t m = (size_t)floor(2 * gmax * aj / (2 * M_PI));
        ngrid[j] = dft_fft_size(2 * m + 1);
    }
}

double
dft_ylm_solid(int l, int m, const double r[3])
{
    double x = r[0], y = r[1], z = r[2], r2 = x * x + y * y + z * z;
    const double pi = M_PI;
    switch (l) {
    case 0:
        return 0.5 / sqrt(pi);
    case 1: {
        double c = sqrt(3 / (4 * pi));
        return c * (m == 0 ? y : m == 1 ? z : x);
    }
    case 2:
        switch (m) {
        case 0:
            return sqrt(15 / (4 * pi)) * x * y;
        case 1:
            return sqrt(15 / (4 * pi)) * y * z;
        case 2:
            return sqrt(5 / (16 * pi)) * (3 * z * z - r2);
        case 3:
            return sqrt(15 / (4 * pi)) * x * z;
        default:
            return sqrt(15 / (16 * pi)) * (x * x - y * y);
        }
    default:
        switch (m) {
        case 0:
            return sqrt(35 / (32 * pi)) * y * (3 * x * x - y * y);
        case 1:
            return sqrt(105 / (4 * pi)) * x * y * z;
        case 2:
            return sqrt(21 / (32 * pi)) * y * (5 * z * z - r2);
        case 3:
            return sqrt(7 / (16 * pi)) * z * (5 * z * z - 3 * r2);
        case 4:
            return sqrt(21 / (32 * pi)) * x * (5 * z * z - r2);
        case 5:
            return sqrt(105 / (16 * pi)) * z * (x * x - y * y);
        default:
            return sqrt(35 / (32 * pi)) * x * (x * x - 3 * y * y);
        }
    }
}

static int
freq(size_t i, size_t n)
{
    return i <= n / 2 ? (int)i : (int)i - (int)n;
}

int
dft_basis_build(struct dft_scf *s, struct core_err *err)
{
    const size_t *n = s->ngrid;
    double ecut = s->par.ecut;
    s->npwmax = 0;
    s->gsq = malloc(s->nfft * sizeof *s->gsq);
    if (!s->gsq)
        return core_err_set(err, CORE_ENOMEM, "basis: out of memory");
    for (size_t i0 = 0, idx = 0; i0 < n[0]; i0++)
        for (size_t i1 = 0; i1 < n[1]; i1++)
            for (size_t i2 = 0; i2 < n[2]; i2++, idx++) {
                int f[3] = {freq(i0, n[0]), freq(i1, n[1]), freq(i2, n[2])};
                double g[3];
                for (int k = 0; k < 3; k++)
                    g[k] = f[0] * s->recip[k] + f[1] * s->recip[3 + k] + f[2] * s->recip[6 + k];
                s->gsq[idx] = g[0] * g[0] + g[1] * g[1] + g[2] * g[2];
            }
    for (size_t ik = 0; ik < s->nkpts; ik++) {
        struct dft_kpt *kp = &s->kp[ik];
        size_t cnt = 0;
        for (int k = 0; k < 3; k++)
            kp->kcart[k] =
                kp->k[0] * s->recip[k] + kp->k[1] * s->recip[3 + k] + kp->k[2] * s->recip[6 + k];
        for (int pass = 0; pass < 2; pass++) {
            cnt = 0;
            for (size_t i0 = 0, idx = 0; i0 < n[0]; i0++)
                for (size_t i1 = 0; i1 < n[1]; i1++)
                    for (size_t i2 = 0; i2 < n[2]; i2++, idx++) {
                        int f[3] = {freq(i0, n[0]), freq(i1, n[1]), freq(i2, n[2])};
                        double q[3], e;
                        for (int k = 0; k < 3; k++)
                            q[k] = kp->kcart[k] + f[0] * s->recip[k] + f[1] * s->recip[3 + k] +
                                   f[2] * s->recip[6 + k];
                        e = 0.5 * (q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
                        if (e > ecut)
                            continue;
                        /* a sphere that would wrap around the box would alias */
                        if ((2 * (size_t)abs(f[0]) >= n[0]) || (2 * (size_t)abs(f[1]) >= n[1]) ||
                            (2 * (size_t)abs(f[2]) >= n[2]))
                            return core_err_set(err, CORE_EINPUT,
                                                "basis: FFT grid %zux%zux%zu too small for ecut "
                                                "%g Ha",
                                                n[0], n[1], n[2], ecut);
                        if (pass == 1) {
                            kp->ifft[cnt] = idx;
                            kp->kin[cnt] = e;
                        }
                        cnt++;
                    }
            if (pass == 0) {
                kp->npw = cnt;
                kp->ifft = malloc((cnt ? cnt : 1) * sizeof *kp->ifft);
                kp->kin = malloc((cnt ? cnt : 1) * sizeof *kp->kin);
                if (!kp->ifft || !kp->kin)
                    return core_err_set(err, CORE_ENOMEM, "basis: out of memory");
            }
        }
        if (kp->npw < s->nbands)
            return core_err_set(err, CORE_EINPUT,
                                "basis: %zu plane waves at k-point %zu, fewer than %zu bands",
                                kp->npw, ik + 1, s->nbands);
        if (kp->npw > s->npwmax)
            s->npwmax = kp->npw;
    }
    return 0;
}

void
dft_basis_release(struct dft_scf *s)
{
    free(s->gsq);
    s->gsq = NULL;
    if (!s->kp)
        return;
    for (size_t ik = 0; ik < s->nkpts; ik++) {
        struct dft_kpt *kp = &s->kp[ik];
        free(kp->ifft);
        free(kp->kin);
        free(kp->psi);
        free(kp->eig);
        free(kp->occ);
        free(kp->enl);
    }
}
