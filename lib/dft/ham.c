/*
 * ham: the Kohn-Sham Hamiltonian H = T + V_loc + V_H + V_xc + V_nl applied to a block of
 * wavefunctions, and the density of a k-point. The local potential is applied on the FFT grid:
 * scatter the coefficients into the box, FFTW_BACKWARD, multiply by V(r), FFTW_FORWARD, gather
 * and divide by the number of grid points.
 *
 * The wavefunction transforms are zero-padded, as in ABINIT and Quantum ESPRESSO: the
 * coefficients of a wavefunction fill a sphere whose diameter is about half the box in each
 * direction (the box holds the density, of twice the wave vectors), so the 3D transform is done
 * as three passes of 1D transforms that skip what is known to be zero (G to r) or is not needed
 * (r to G). In the box (row-major, index (i0 n1 + i1) n2 + i2) G to r transforms
 *   1. along i2 only the columns (i0, i1) that hold a plane wave of some k-point,
 *   2. along i1 only the planes i0 that hold one,
 *   3. along i0 everything;
 * and r to G runs the same passes in the opposite order, keeping only those columns. The 1D
 * transforms are the same as those of the full 3D FFT, so the result is the full transform's
 * (to round-off). About 0.6 of the work of a full transform for a cubic box, less with vacuum.
 * Plans are made once per SCF (dft_ham_plan) and shared: fftw_execute_dft is thread safe, and
 * each thread brings its own box (struct dft_work).
 */
#include <stdlib.h>
#include <string.h>

#include "dft_impl.h"

#define HAM_MEASURE_NFFT 20000 /* boxes at least this big get measured FFTW plans */

struct dft_fft {
    fftw_plan col_b, col_f;     /* one column: n2 points, stride 1 */
    fftw_plan plane_b, plane_f; /* one plane: n2 transforms of n1 points, stride n2 */
    fftw_plan all_b, all_f;     /* the box: n1 n2 transforms of n0 points, stride n1 n2 */
    size_t ncol, nplane;
    size_t *col;   /* ncol box offsets (i0 n1 + i1) n2 of the columns used */
    size_t *plane; /* nplane box offsets i0 n1 n2 of the planes used */
};

void
dft_ham_unplan(struct dft_scf *s)
{
    struct dft_fft *f = s->fft;
    if (!f)
        return;
    fftw_plan *p[] = {&f->col_b, &f->col_f, &f->plane_b, &f->plane_f, &f->all_b, &f->all_f};
    for (size_t i = 0; i < sizeof p / sizeof *p; i++)
        if (*p[i])
            fftw_destroy_plan(*p[i]);
    free(f->col);
    free(f->plane);
    free(f);
    s->fft = NULL;
}

int
dft_ham_plan(struct dft_scf *s, struct core_err *err)
{
    size_t n0 = s->ngrid[0], n1 = s->ngrid[1], n2 = s->ngrid[2], ncol = n0 * n1;
    unsigned char *used = calloc(ncol, 1);
    double complex *box = fftw_malloc(s->nfft * sizeof *box);
    struct dft_fft *f = calloc(1, sizeof *f);
    int rc = 0;
    dft_ham_unplan(s);
    if (!used || !box || !f) {
        rc = core_err_set(err, CORE_ENOMEM, "ham: out of memory");
        goto done;
    }
    s->fft = f;
    for (size_t ik = 0; ik < s->nkpts; ik++)
        for (size_t g = 0; g < s->kp[ik].npw; g++)
            used[s->kp[ik].ifft[g] / n2] = 1;
    for (size_t c = 0; c < ncol; c++)
        f->ncol += used[c];
    for (size_t i0 = 0; i0 < n0; i0++)
        for (size_t i1 = 0; i1 < n1; i1++)
            if (used[i0 * n1 + i1]) {
                f->nplane++;
                break;
            }
    f->col = malloc((f->ncol ? f->ncol : 1) * sizeof *f->col);
    f->plane = malloc((f->nplane ? f->nplane : 1) * sizeof *f->plane);
    if (!f->col || !f->plane) {
        rc = core_err_set(err, CORE_ENOMEM, "ham: out of memory");
        goto done;
    }
    f->ncol = f->nplane = 0;
    for (size_t i0 = 0; i0 < n0; i0++) {
        int any = 0;
        for (size_t i1 = 0; i1 < n1; i1++)
            if (used[i0 * n1 + i1]) {
                f->col[f->ncol++] = (i0 * n1 + i1) * n2;
                any = 1;
            }
        if (any)
            f->plane[f->nplane++] = i0 * n1 * n2;
    }
    /* FFTW_MEASURE: FFTW_ESTIMATE's guesses for these 1D and strided transforms run 2 to 10
     * times slower here (n = 144: 0.53 against 0.20 us a transform; strided n = 48: 0.94 against
     * 0.07 us). Measuring costs up to a second, once per box size in a process (FFTW keeps the
     * wisdom), so small boxes, where it would not pay, keep FFTW_ESTIMATE. A measured plan may
     * differ between runs, and so may the last bits of the results (round-off, 1e-15 relative):
     * only on request (dft_params.fft_measure), since the same input must give the same output.
     * Columns and planes start at offsets of the box: plan for unaligned data where those lose
     * the alignment of the box itself. */
    unsigned fl = s->par.fft_measure && s->nfft >= HAM_MEASURE_NFFT ? FFTW_MEASURE : FFTW_ESTIMATE;
    unsigned flc = fftw_alignment_of((double *)(box + n2)) == fftw_alignment_of((double *)box)
                       ? fl
                       : fl | FFTW_UNALIGNED;
    unsigned flp = fftw_alignment_of((double *)(box + n1 * n2)) == fftw_alignment_of((double *)box)
                       ? fl
                       : fl | FFTW_UNALIGNED;
    int len0 = (int)n0, len1 = (int)n1, len2 = (int)n2, s12 = (int)(n1 * n2);
    f->col_b = fftw_plan_dft_1d(len2, box, box, FFTW_BACKWARD, flc);
    f->col_f = fftw_plan_dft_1d(len2, box, box, FFTW_FORWARD, flc);
    f->plane_b = fftw_plan_many_dft(1, &len1, len2, box, NULL, len2, 1, box, NULL, len2, 1,
                                    FFTW_BACKWARD, flp);
    f->plane_f = fftw_plan_many_dft(1, &len1, len2, box, NULL, len2, 1, box, NULL, len2, 1,
                                    FFTW_FORWARD, flp);
    f->all_b =
        fftw_plan_many_dft(1, &len0, s12, box, NULL, s12, 1, box, NULL, s12, 1, FFTW_BACKWARD, fl);
    f->all_f =
        fftw_plan_many_dft(1, &len0, s12, box, NULL, s12, 1, box, NULL, s12, 1, FFTW_FORWARD, fl);
    if (!f->col_b || !f->col_f || !f->plane_b || !f->plane_f || !f->all_b || !f->all_f)
        rc = core_err_set(err, CORE_EINTERNAL, "ham: FFTW could not plan a %zux%zux%zu grid", n0,
                          n1, n2);
done:
    if (rc && s->fft != f)
        free(f);
    free(used);
    fftw_free(box);
    return rc;
}

/* The coefficients of x (npw) into a zeroed box, transformed to real space. */
static void
to_real(const struct dft_scf *s, const struct dft_kpt *kp, const double complex *x,
        double complex *box)
{
    const struct dft_fft *f = s->fft;
    memset(box, 0, s->nfft * sizeof *box);
    for (size_t g = 0; g < kp->npw; g++)
        box[kp->ifft[g]] = x[g];
    for (size_t c = 0; c < f->ncol; c++)
        fftw_execute_dft(f->col_b, box + f->col[c], box + f->col[c]);
    for (size_t p = 0; p < f->nplane; p++)
        fftw_execute_dft(f->plane_b, box + f->plane[p], box + f->plane[p]);
    fftw_execute_dft(f->all_b, box, box);
}

/* The box transformed back to reciprocal space, on the columns of the spheres only. */
static void
to_recip(const struct dft_scf *s, double complex *box)
{
    const struct dft_fft *f = s->fft;
    fftw_execute_dft(f->all_f, box, box);
    for (size_t p = 0; p < f->nplane; p++)
        fftw_execute_dft(f->plane_f, box + f->plane[p], box + f->plane[p]);
    for (size_t c = 0; c < f->ncol; c++)
        fftw_execute_dft(f->col_f, box + f->col[c], box + f->col[c]);
}

void
dft_ham_apply(const struct dft_scf *s, const struct dft_kpt *kp, struct dft_work *w, size_t n,
              const double complex *x, double complex *y)
{
    size_t npw = kp->npw;
    double scale = 1.0 / (double)s->nfft;
    for (size_t j = 0; j < n; j++) {
        const double complex *xj = x + j * npw;
        double complex *yj = y + j * npw;
        to_real(s, kp, xj, w->box);
        for (size_t i = 0; i < s->nfft; i++)
            w->box[i] *= s->vtot[i];
        to_recip(s, w->box);
        for (size_t g = 0; g < npw; g++)
            yj[g] = kp->kin[g] * xj[g] + w->box[kp->ifft[g]] * scale;
    }
    dft_nonlocal_apply(s, kp, w, n, x, y);
}

void
dft_ham_density(const struct dft_scf *s, const struct dft_kpt *kp, struct dft_work *w,
                double weight, double *rho)
{
    for (size_t n = 0; n < s->nocc; n++) {
        /* spin-unpolarised: up to two electrons a band */
        double f = weight * kp->occ[n] / s->omega;
        if (f == 0)
            continue;
        to_real(s, kp, kp->psi + n * kp->npw, w->box);
        for (size_t i = 0; i < s->nfft; i++)
            rho[i] +=
                f * (creal(w->box[i]) * creal(w->box[i]) + cimag(w->box[i]) * cimag(w->box[i]));
    }
}
