/*
 * gk acf: autocorrelation and periodogram by FFT, running integral, first zero, smoothing,
 * and the synthetic Ornstein-Uhlenbeck current.
 *
 * Wiener-Khinchin: for x zero-padded to L >= 2n, the inverse transform of |X|^2 is the linear
 * (not circular) correlation sum_i x_i x_{i+m} for 0 <= m < n; dividing by n - m, the number
 * of products, gives the unbiased estimate. FFTW's transforms are unnormalised, hence 1/L.
 */
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gk.h"

double
gk_kappa_unit(double volume, double temp)
{
    /* eV/(Angstrom ps K) -> W/(m K): J per eV, 1e10 per m, 1e12 per s */
    const double ev_a_ps = UNITS_E_SI * 1e10 * 1e12;
    return ev_a_ps / (volume * UNITS_KB_EV * temp * temp);
}

size_t
gk_fft_size(size_t n)
{
    for (size_t m = n < 1 ? 1 : n;; m++) {
        size_t r = m;
        static const size_t p[] = {2, 3, 5, 7};
        for (int i = 0; i < 4; i++)
            while (r % p[i] == 0)
                r /= p[i];
        if (r == 1)
            return m;
    }
}

struct gk_acf {
    size_t n, len;
    double *buf;
    fftw_complex *spec;
    fftw_plan fwd, bwd;
};

int
gk_acf_plan(struct gk_acf **out, size_t n, struct core_err *err)
{
    struct gk_acf *w;

    *out = NULL;
    if (n < 2 || n > ((size_t)1 << 40))
        return core_err_set(err, CORE_EINPUT, "autocorrelation of %zu samples", n);
    w = calloc(1, sizeof *w);
    if (!w)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    w->n = n;
    w->len = gk_fft_size(2 * n);
    w->buf = fftw_malloc(w->len * sizeof *w->buf);
    w->spec = fftw_malloc((w->len / 2 + 1) * sizeof *w->spec);
    if (!w->buf || !w->spec) {
        gk_acf_free(w);
        return core_err_set(err, CORE_ENOMEM, "out of memory (FFT of %zu points)", w->len);
    }
    w->fwd = fftw_plan_dft_r2c_1d((int)w->len, w->buf, w->spec, FFTW_ESTIMATE);
    w->bwd = fftw_plan_dft_c2r_1d((int)w->len, w->spec, w->buf, FFTW_ESTIMATE);
    if (!w->fwd || !w->bwd) {
        gk_acf_free(w);
        return core_err_set(err, CORE_EINTERNAL, "FFTW could not plan a transform of %zu points",
                            2 * n);
    }
    *out = w;
    return CORE_OK;
}

void
gk_acf_exec(struct gk_acf *w, const double *x, size_t stride, double *acf, size_t nlag)
{
    size_t nspec = w->len / 2 + 1;

    for (size_t i = 0; i < w->n; i++)
        w->buf[i] = x[i * stride];
    for (size_t i = w->n; i < w->len; i++)
        w->buf[i] = 0.0;
    fftw_execute(w->fwd);
    for (size_t k = 0; k < nspec; k++) {
        double re = creal(w->spec[k]), im = cimag(w->spec[k]);
        w->spec[k] = re * re + im * im;
    }
    fftw_execute(w->bwd);
    if (nlag > w->n)
        nlag = w->n;
    for (size_t m = 0; m < nlag; m++)
        acf[m] = w->buf[m] / ((double)w->len * (double)(w->n - m));
}

void
gk_acf_free(struct gk_acf *w)
{
    if (!w)
        return;
    if (w->fwd)
        fftw_destroy_plan(w->fwd);
    if (w->bwd)
        fftw_destroy_plan(w->bwd);
    fftw_free(w->buf);
    fftw_free(w->spec);
    free(w);
}

struct gk_psd {
    size_t n;
    double *buf;
    fftw_complex *spec;
    fftw_plan fwd;
};

int
gk_psd_plan(struct gk_psd **out, size_t n, struct core_err *err)
{
    struct gk_psd *w;

    *out = NULL;
    if (n < 2 || n > ((size_t)1 << 40))
        return core_err_set(err, CORE_EINPUT, "periodogram of %zu samples", n);
    w = calloc(1, sizeof *w);
    if (!w)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    w->n = n;
    w->buf = fftw_malloc(n * sizeof *w->buf);
    w->spec = fftw_malloc((n / 2 + 1) * sizeof *w->spec);
    if (!w->buf || !w->spec) {
        gk_psd_free(w);
        return core_err_set(err, CORE_ENOMEM, "out of memory (FFT of %zu points)", n);
    }
    w->fwd = fftw_plan_dft_r2c_1d((int)n, w->buf, w->spec, FFTW_ESTIMATE);
    if (!w->fwd) {
        gk_psd_free(w);
        return core_err_set(err, CORE_EINTERNAL, "FFTW could not plan a transform of %zu points",
                            n);
    }
    *out = w;
    return CORE_OK;
}

void
gk_psd_exec(struct gk_psd *w, const double *x, size_t stride, double dt, double *psd)
{
    double scale = dt / (double)w->n;

    for (size_t i = 0; i < w->n; i++)
        w->buf[i] = x[i * stride];
    fftw_execute(w->fwd);
    for (size_t k = 0; k <= w->n / 2; k++) {
        double re = creal(w->spec[k]), im = cimag(w->spec[k]);
        psd[k] = scale * (re * re + im * im);
    }
}

void
gk_psd_free(struct gk_psd *w)
{
    if (!w)
        return;
    if (w->fwd)
        fftw_destroy_plan(w->fwd);
    fftw_free(w->buf);
    fftw_free(w->spec);
    free(w);
}

void
gk_integral(const double *c, size_t n, size_t stride, double dt, double *out)
{
    double sum = 0.0;

    if (n == 0)
        return;
    out[0] = 0.0;
    for (size_t m = 1; m < n; m++) {
        sum += 0.5 * dt * (c[(m - 1) * stride] + c[m * stride]);
        out[m * stride] = sum;
    }
}

size_t
gk_first_zero(const double *c, size_t n, size_t stride)
{
    for (size_t m = 1; m < n; m++)
        if (c[m * stride] <= 0.0)
            return m;
    return n;
}

void
gk_smooth(const double *x, size_t n, size_t w, double *out)
{
    size_t h = w / 2;
    double sum = 0.0;

    if (n == 0)
        return;
    if (h == 0) {
        memcpy(out, x, n * sizeof *out);
        return;
    }
    if (h > (n - 1) / 2)
        h = (n - 1) / 2;
    /* the window shrinks symmetrically near the ends, so every point stays centred */
    for (size_t i = 0; i < h; i++) {
        double s0 = 0.0, s1 = 0.0;
        for (size_t k = 0; k <= 2 * i; k++) {
            s0 += x[k];
            s1 += x[n - 1 - k];
        }
        out[i] = s0 / (double)(2 * i + 1);
        out[n - 1 - i] = s1 / (double)(2 * i + 1);
    }
    /* interior: a sliding sum, summed afresh every 4096 points to bound the rounding drift */
    for (size_t i = h; i + h < n; i++) {
        if ((i - h) % 4096 == 0) {
            sum = 0.0;
            for (size_t k = i - h; k <= i + h; k++)
                sum += x[k];
        } else {
            sum += x[i + h] - x[i - h - 1];
        }
        out[i] = sum / (double)(2 * h + 1);
    }
}

int
gk_synth(double *j, size_t n, double dt, double tau, double integral, uint64_t seed,
         uint64_t stream, struct core_err *err)
{
    double a, s2, amp;

    if (n == 0 || !(dt > 0.0) || !isfinite(dt) || !(tau >= 0.0) || !isfinite(tau) ||
        !(integral > 0.0) || !isfinite(integral))
        return core_err_set(err, CORE_EINPUT,
                            "synthetic series: n %zu, dt %g ps, tau %g ps, integral %g: need "
                            "n > 0, dt > 0, tau >= 0, integral > 0",
                            n, dt, tau, integral);
    a = tau > 0.0 ? exp(-dt / tau) : 0.0;
    s2 = integral / (0.5 * dt * (1.0 + a) / (1.0 - a));
    amp = sqrt(s2 * (1.0 - a * a));
    for (size_t c = 0; c < 3; c++) {
        struct core_rng rng;
        double x;
        core_rng_init(&rng, seed, GK_RNG_SYNTH, 3 * stream + c, 0);
        x = sqrt(s2) * core_rng_gauss(&rng);
        for (size_t i = 0; i < n; i++) {
            j[3 * i + c] = x;
            x = a * x + amp * core_rng_gauss(&rng);
        }
    }
    return CORE_OK;
}
