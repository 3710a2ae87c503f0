/*
 * gk_test: lib/gk against exact answers.
 *
 * Building blocks against direct O(N^2) sums on high-entropy data; the cepstral variances
 * against their empirical spread; the whole analysis on processes of known Green-Kubo
 * integral, with the stated error bars calibrated over many seeds:
 *   - discrete white noise of variance s^2 sampled every dt: C(0) = s^2, C(m > 0) = 0, so the
 *     trapezoid integral is s^2 dt / 2, and S(0) = dt sum_m C(m) = s^2 dt (kappa = S(0)/2 the
 *     same);
 *   - the Ornstein-Uhlenbeck process in its exact discretisation x_{n+1} = a x_n +
 *     s sqrt(1 - a^2) g_n, a = exp(-dt/tau): C(m) = s^2 a^m, so the trapezoid integral to
 *     infinity is s^2 dt (1 + a) / (2 (1 - a)) = (s^2 dt / 2) coth(dt / (2 tau)) (-> s^2 tau),
 *     and S(0) = dt sum_{m in Z} C(m) is twice that: both routes have the same exact target.
 * Environment: GK_TEST_NSEED overrides the number of seeds of the calibration runs (200, or 10
 * under valgrind); below 100 seeds the calibration fractions are printed but not asserted.
 */
#include <complex.h>
#include <gsl/gsl_sf_psi.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/valgrind.h>

#include "../../lib/core/core.h"
#include "../../lib/gk/gk.h"
#include "../tap.h"

/* purpose keys of core_rng in this test */
enum { RNG_DATA = 101, RNG_CHI2 = 102 };

/* n samples x 3 components of a stationary OU process (a = 0: white noise), variance s2 */
static void
make_ou(double *j, size_t n, double a, double s2, uint64_t seed, uint64_t run)
{
    for (size_t c = 0; c < 3; c++) {
        struct core_rng rng;
        double x, amp = sqrt(s2 * (1.0 - a * a));
        core_rng_init(&rng, seed, RNG_DATA, 3 * run + c, 0);
        x = sqrt(s2) * core_rng_gauss(&rng);
        for (size_t i = 0; i < n; i++) {
            j[3 * i + c] = x;
            x = a * x + amp * core_rng_gauss(&rng);
        }
    }
}

static void
test_units(void)
{
    /* 1 eV/(A ps K) = e * 1e22 W/(m K); with V = 2 A^3, T = 3 K: / (2 * kB * 9) */
    is_rel(gk_kappa_unit(1.0, 1.0) * UNITS_KB_EV, 1602.1766208, 1e-12, "eV/(A ps K) in W/(m K)");
    is_rel(gk_kappa_unit(2.0, 3.0), 1602.1766208 / (2.0 * UNITS_KB_EV * 9.0), 1e-12,
           "gk_kappa_unit scales as 1/(V T^2)");
    is_int((long)gk_fft_size(1), 1, "fft size 1");
    is_int((long)gk_fft_size(11), 12, "fft size 11 -> 12");
    is_int((long)gk_fft_size(121), 125, "fft size 121 -> 125");
    is_int((long)gk_fft_size(4097), 4116, "fft size 4097 -> 4116 = 2^2 3 7^3");
}

static void
test_acf_psd(void)
{
    enum { N = 37, M = 30 };

    double x[3 * N], acf[N], want, maxerr = 0.0, psd[M / 2 + 1];
    struct gk_acf *w = NULL;
    struct gk_psd *p = NULL;
    struct core_err err;
    struct core_rng rng;

    core_rng_init(&rng, 7, RNG_DATA, 0, 0);
    for (size_t i = 0; i < 3 * N; i++)
        x[i] = 3.7 * core_rng_gauss(&rng) + 1.3;
    is_int(gk_acf_plan(&w, N, &err), CORE_OK, "acf plan");
    gk_acf_exec(w, x + 1, 3, acf, N);
    for (size_t m = 0; m < N; m++) {
        want = 0.0;
        for (size_t i = 0; i + m < N; i++)
            want += x[3 * i + 1] * x[3 * (i + m) + 1];
        want /= (double)(N - m);
        if (fabs(acf[m] - want) > maxerr)
            maxerr = fabs(acf[m] - want);
    }
    ok(maxerr < 1e-12 * acf[0], "acf by FFT = direct sum, every lag (max err %.3g)", maxerr);
    gk_acf_free(w);
    gk_acf_free(NULL);
    is_int(gk_acf_plan(&w, 1, &err), CORE_EINPUT, "acf of 1 sample refused");
    ok(w == NULL && strstr(err.msg, "1 samples") != NULL, "message: %s", err.msg);

    for (size_t n = M - 1; n <= M; n++) { /* odd and even lengths */
        is_int(gk_psd_plan(&p, n, &err), CORE_OK, "psd plan n=%zu", n);
        gk_psd_exec(p, x + 2, 3, 0.25, psd);
        maxerr = 0.0;
        for (size_t k = 0; k <= n / 2; k++) {
            double complex s = 0.0;
            for (size_t i = 0; i < n; i++)
                s += x[3 * i + 2] * cexp(-2.0 * M_PI * I * (double)(k * i) / (double)n);
            want = 0.25 / (double)n * creal(s * conj(s));
            if (fabs(psd[k] - want) > maxerr)
                maxerr = fabs(psd[k] - want);
        }
        ok(maxerr < 1e-12 * psd[0], "periodogram = direct DFT, n=%zu (max err %.3g)", n, maxerr);
        gk_psd_free(p);
    }
    gk_psd_free(NULL);
    is_int(gk_psd_plan(&p, 0, &err), CORE_EINPUT, "psd of 0 samples refused");
}

static void
test_small(void)
{
    double c[8] = {4.0, 3.0, 1.5, 0.25, -0.5, 1.0, -2.0, 0.5}, out[8], in2[16], out2[16];
    double x[9] = {1, 5, 2, 8, 3, 9, 4, 7, 6}, sm[9];

    gk_integral(c, 5, 1, 0.5, out);
    is_abs(out[0], 0.0, 0, "integral starts at 0");
    is_abs(out[4], 0.5 * (2.0 + 3.0 + 1.5 + 0.25 - 0.25), 1e-15, "trapezoid sum");
    for (int i = 0; i < 8; i++)
        in2[2 * i] = c[i];
    gk_integral(in2, 8, 2, 0.1, out2);
    is_abs(out2[14], 0.1 * (2.0 + 3.0 + 1.5 + 0.25 - 0.5 + 1.0 - 2.0 + 0.25), 1e-14,
           "strided integral");
    is_int((long)gk_first_zero(c, 8, 1), 4, "first zero at lag 4");
    is_int((long)gk_first_zero(c, 4, 1), 4, "no zero: n");
    is_int((long)gk_first_zero(in2, 8, 2), 4, "strided first zero");
    gk_smooth(x, 9, 3, sm);
    is_abs(sm[0], 1.0, 1e-15, "smooth: end point alone");
    is_abs(sm[1], (1 + 5 + 2) / 3.0, 1e-15, "smooth: width 3");
    is_abs(sm[8], 6.0, 1e-15, "smooth: last point alone");
    gk_smooth(x, 9, 5, sm);
    is_abs(sm[1], (1 + 5 + 2) / 3.0, 1e-15, "smooth 5: shrinks to 3 near the end");
    is_abs(sm[4], (2 + 8 + 3 + 9 + 4) / 5.0, 1e-15, "smooth 5: interior");
    is_abs(sm[7], (4 + 7 + 6) / 3.0, 1e-15, "smooth 5: shrinks at the other end");
    gk_smooth(x, 9, 1, sm);
    is_abs(sm[3], 8.0, 0, "smooth 1 copies");
    gk_smooth(x, 9, 101, sm);
    is_abs(sm[4], 45.0 / 9.0, 1e-15, "smooth wider than the series: centre is the mean");
}

/* A long series with smooth sliding-sum drift check */
static void
test_smooth_long(void)
{
    enum { N = 20000 };

    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), maxerr = 0.0;
    struct core_rng rng;

    core_rng_init(&rng, 3, RNG_DATA, 0, 0);
    for (size_t i = 0; i < N; i++)
        x[i] = 1e3 + core_rng_gauss(&rng);
    gk_smooth(x, N, 41, y);
    for (size_t i = 20; i + 20 < N; i += 997) {
        double s = 0.0;
        for (size_t k = i - 20; k <= i + 20; k++)
            s += x[k];
        if (fabs(y[i] - s / 41.0) > maxerr)
            maxerr = fabs(y[i] - s / 41.0);
    }
    ok(maxerr < 1e-10, "sliding moving average agrees with direct sums (%.3g)", maxerr);
    free(x);
    free(y);
}

static void
test_fit(void)
{
    enum { N = 400 };

    double c[N], dt = 0.004;
    struct gk_dexp want = {7.5, 0.03, 2.25, 0.31}, got, guess = {1.0, 0.01, 1.0, 1.0};
    struct core_err err;

    for (size_t m = 0; m < N; m++) {
        double t = (double)m * dt;
        c[m] = want.a2 * exp(-t / want.tau2) + want.a1 * exp(-t / want.tau1);
    }
    is_int(gk_dexp_fit(c, N, 1, dt, NULL, &got, &err), CORE_OK, "fit of an exact double exp");
    is_rel(got.a1, want.a1, 1e-6, "a1");
    is_rel(got.tau1, want.tau1, 1e-6, "tau1 (the short time comes first)");
    is_rel(got.a2, want.a2, 1e-6, "a2");
    is_rel(got.tau2, want.tau2, 1e-6, "tau2");
    is_int(gk_dexp_fit(c, N, 1, dt, &guess, &got, &err), CORE_OK, "fit from a given guess");
    is_rel(got.a1 * got.tau1 + got.a2 * got.tau2, want.a1 * want.tau1 + want.a2 * want.tau2, 1e-6,
           "integral from a far guess");
    is_int(gk_dexp_fit(c, 4, 1, dt, NULL, &got, &err), CORE_EINPUT, "4 points refused");
    ok(strstr(err.msg, "5 points") != NULL, "message: %s", err.msg);
    c[0] = -1.0;
    is_int(gk_dexp_fit(c, N, 1, dt, NULL, &got, &err), CORE_EINPUT, "C(0) <= 0 refused");
    c[0] = NAN;
    is_int(gk_dexp_fit(c, N, 1, dt, NULL, &got, &err), CORE_EINPUT, "C(0) NaN refused");
    c[0] = 1.0;
    is_int(gk_dexp_fit(c, N, 1, 0.0, NULL, &got, &err), CORE_EINPUT, "dt 0 refused");
    guess.tau1 = -1.0;
    is_int(gk_dexp_fit(c, N, 1, dt, &guess, &got, &err), CORE_EINPUT, "negative guess refused");
}

/* chi^2_nu / nu variate from nu squared Gaussians */
static double
chi2(struct core_rng *rng, size_t nu)
{
    double s = 0.0;
    for (size_t i = 0; i < nu; i++) {
        double g = core_rng_gauss(rng);
        s += g * g;
    }
    return s / (double)nu;
}

static void
test_cepstral(void)
{
    enum { NF = 129, NDRAW = 2000 };

    double psd[NF], mean[NF] = {0}, var[NF] = {0}, s0 = 2.5, want, lam_in, lam_end, maxerr;
    double sum_p = 0.0, in_min = 0.0, in_avg = 0.0;
    struct gk_cepstral c = {0}, ca = {0};
    struct core_err err;
    size_t ell = 3, m = NF - 1;
    int worst = 0;
    double worst_dev = 0.0;
    struct core_rng rng;

    lam_in = gsl_sf_psi((double)ell) - log((double)ell);
    lam_end = gsl_sf_psi(0.5 * (double)ell) - log(0.5 * (double)ell);
    /* noise-free constant spectrum: C_0 is log S minus the weighted mean of the lambdas */
    for (size_t k = 0; k < NF; k++)
        psd[k] = s0;
    is_int(gk_cepstral_exec(psd, NF, 1, ell, 1, GK_AIC_MIN, &c, &err), CORE_OK,
           "cepstral of a constant");
    want = log(s0) - (2.0 * lam_end + 2.0 * (double)(m - 1) * lam_in) / (2.0 * (double)m);
    is_rel(c.logs0, want, 1e-13, "P* = 1: log S(0) = C_0");
    is_int((long)c.pstar, 1, "fixed P* kept");
    is_rel(c.logs0_err, sqrt(c.coef_var[0]), 1e-15, "sigma(1) = sigma_0");
    gk_cepstral_release(&c);
    is_int(gk_cepstral_exec(psd, NF, 0, ell, 1, GK_AIC_MIN, &c, &err), CORE_OK,
           "last point not Nyquist");
    want = log(s0) - (lam_end + lam_in + 2.0 * (double)(m - 1) * lam_in) / (2.0 * (double)m);
    is_rel(c.logs0, want, 1e-13, "then the last point has the interior bias");
    gk_cepstral_release(&c);

    /* all coefficients kept: the cosine series gives back every L_k exactly */
    core_rng_init(&rng, 5, RNG_CHI2, 0, 0);
    for (size_t k = 0; k < NF; k++)
        psd[k] = exp(2.0 * core_rng_gauss(&rng));
    is_int(gk_cepstral_exec(psd, NF, 1, ell, NF, GK_AIC_MIN, &c, &err), CORE_OK, "P* = nf");
    is_rel(c.logs0, log(psd[0]) - lam_end, 1e-12, "P* = nf: log S(0) = L_0");
    maxerr = 0.0;
    for (size_t k = 1; k < NF; k++) {
        double l = log(psd[k]) - (k == m ? lam_end : lam_in);
        if (fabs(c.logpsd[k] - l) > maxerr)
            maxerr = fabs(c.logpsd[k] - l);
    }
    ok(maxerr < 1e-12, "P* = nf: the filtered log-spectrum is L itself (%.3g)", maxerr);
    gk_cepstral_release(&c);

    /* AIC on a spectrum with known cepstrum: C_n = 0.5^n / n plus tiny noise -> P* large */
    for (size_t k = 0; k < NF; k++)
        psd[k] = 1.0 / (1.25 - cos(M_PI * (double)k / (double)m)); /* |1 - 0.5 e^iw|^-2 */
    is_int(gk_cepstral_exec(psd, NF, 1, 1000000000, 0, GK_AIC_MIN, &c, &err), CORE_OK, "AIC");
    ok(c.pstar >= 10 && c.aic[c.pstar - 1] <= c.aic[0] && c.aic[c.pstar - 1] <= c.aic[NF - 1],
       "noise-free AR(1) spectrum: P* = %zu, AIC minimum", c.pstar);
    is_rel(c.coef[3], pow(0.5, 3) / 3.0, 1e-3, "AR(1) cepstrum C_3 = a^3 / 3");
    gk_cepstral_release(&c);

    /* statistics: periodograms of a white spectrum, l = 3 series; C_n mean and variance */
    for (int d = 0; d < NDRAW; d++) {
        core_rng_init(&rng, 11, RNG_CHI2, (uint64_t)d, 0);
        for (size_t k = 0; k < NF; k++)
            psd[k] = s0 * chi2(&rng, (k == 0 || k == m) ? ell : 2 * ell);
        if (gk_cepstral_exec(psd, NF, 1, ell, 0, GK_AIC_MIN, &c, &err)) {
            ok(0, "cepstral draw %d: %s", d, err.msg);
            return;
        }
        for (size_t n = 0; n < NF; n++) {
            mean[n] += c.coef[n];
            var[n] += c.coef[n] * c.coef[n];
        }
        in_min += fabs(c.logs0 - log(s0)) < 2.0 * c.logs0_err;
        if (d < NDRAW - 1)
            gk_cepstral_release(&c);
        if (gk_cepstral_exec(psd, NF, 1, ell, 0, GK_AIC_AVERAGE, &ca, &err)) {
            ok(0, "cepstral draw %d: %s", d, err.msg);
            return;
        }
        sum_p += ca.logs0;
        in_avg += fabs(ca.logs0 - log(s0)) < 2.0 * ca.logs0_err;
        gk_cepstral_release(&ca);
    }
    for (size_t n = 0; n < NF; n++) {
        double mn = mean[n] / NDRAW, v = var[n] / NDRAW - mn * mn;
        double dev = fabs(v / c.coef_var[n] - 1.0);
        if (dev > worst_dev) {
            worst_dev = dev;
            worst = (int)n;
        }
    }
    ok(worst_dev < 0.12, "var C_n = sigma_n^2 within 12%% for every n (worst n=%d: %.3f)", worst,
       worst_dev);
    is_abs(mean[0] / NDRAW, log(s0), 4.0 * sqrt(c.coef_var[0] / NDRAW),
           "C_0 is unbiased for log S (chi^2 bias removed)");
    printf("# white log-spectrum, l = %zu, nf = %d: within 2 err: AIC min %.3f, AIC average %.3f\n",
           ell, NF, in_min / NDRAW, in_avg / NDRAW);
    is_abs(sum_p / NDRAW, log(s0), 4.0 * sqrt(c.coef_var[0] / NDRAW),
           "log S(0) by the AIC average is unbiased for a white spectrum");
    ok(in_avg / NDRAW > 0.93 && in_avg / NDRAW <= 1.0, "AIC average: %.3f of draws within 2 err",
       in_avg / NDRAW);
    gk_cepstral_release(&c);

    /* errors */
    is_int(gk_cepstral_exec(psd, 3, 1, ell, 0, GK_AIC_MIN, &c, &err), CORE_EINPUT, "nf 3 refused");
    ok(strstr(err.msg, "at least 4") != NULL, "message: %s", err.msg);
    is_int(gk_cepstral_exec(psd, NF, 1, 0, 0, GK_AIC_MIN, &c, &err), CORE_EINPUT, "ell 0 refused");
    is_int(gk_cepstral_exec(psd, NF, 1, ell, NF + 1, GK_AIC_MIN, &c, &err), CORE_EINPUT,
           "P* > nf refused");
    ok(strstr(err.msg, "P* = 130") != NULL, "message: %s", err.msg);
    psd[7] = 0.0;
    is_int(gk_cepstral_exec(psd, NF, 1, ell, 0, GK_AIC_MIN, &c, &err), CORE_EINPUT,
           "S = 0 refused");
    ok(strstr(err.msg, "point 7") != NULL && c.coef == NULL, "message: %s", err.msg);
    psd[7] = INFINITY;
    is_int(gk_cepstral_exec(psd, NF, 1, ell, 0, GK_AIC_MIN, &c, &err), CORE_EINPUT,
           "S = Inf refused");
    gk_cepstral_release(&c);
}

/* Calibration of gk_analyse over nseed seeds on an OU process (a = 0: white noise). */
struct calib {
    double in_gk, in_cep, in_fit; /* fraction of seeds within two error bars */
    double in_min, rel_min;       /* the same for the cepstral estimate with P* = argmin AIC */
    double z_gk, z_cep;           /* mean of (kappa - exact) / err */
    double rel_gk, rel_cep;       /* mean relative error bar */
    double pstar;                 /* mean P* */
    int failed;
    int nfit; /* seeds whose fit and jackknife succeeded */
};

static struct calib
calibrate(int nseed, size_t nruns, size_t n, double a, const struct gk_opts *o, double exact)
{
    struct calib cb = {0};
    double *j = malloc(nruns * n * 3 * sizeof *j);
    struct gk_run *runs = malloc(nruns * sizeof *runs);
    int nfit = 0;

    for (int seed = 0; seed < nseed; seed++) {
        struct gk_result res;
        struct core_err err;
        for (size_t r = 0; r < nruns; r++) {
            make_ou(j + 3 * n * r, n, a, 1.0, (uint64_t)seed, r);
            runs[r] = (struct gk_run){j + 3 * n * r, n};
        }
        if (gk_analyse(runs, nruns, o, &res, &err)) {
            printf("# seed %d: %s\n", seed, err.msg);
            cb.failed++;
            continue;
        }
        cb.in_gk += fabs(res.kappa[GK_AVG] - exact) < 2.0 * res.kappa_err[GK_AVG];
        cb.in_cep += fabs(res.kappa_cep[GK_AVG] - exact) < 2.0 * res.kappa_cep_err[GK_AVG];
        cb.z_gk += (res.kappa[GK_AVG] - exact) / res.kappa_err[GK_AVG];
        cb.z_cep += (res.kappa_cep[GK_AVG] - exact) / res.kappa_cep_err[GK_AVG];
        cb.rel_gk += res.kappa_err[GK_AVG] / exact;
        cb.rel_cep += res.kappa_cep_err[GK_AVG] / exact;
        cb.pstar += (double)res.cep[GK_AVG].pstar;
        {
            /* the same spectrum with P* = argmin AIC (the spectrum is S/(2 V kB T^2), so
             * exp(log S(0)) is kappa directly) */
            struct gk_cepstral cm;
            size_t nf = res.cep[GK_AVG].nf;
            double *sp = malloc(nf * sizeof *sp), km;
            for (size_t k = 0; k < nf; k++)
                sp[k] = res.spectrum[4 * k + GK_AVG];
            if (gk_cepstral_exec(sp, nf, nf == res.nfreq && res.ncep % 2 == 0, res.cep[GK_AVG].ell,
                                 0, GK_AIC_MIN, &cm, &err) == CORE_OK) {
                km = exp(cm.logs0);
                cb.in_min += fabs(km - exact) < 2.0 * km * cm.logs0_err;
                cb.rel_min += km * cm.logs0_err / exact;
                gk_cepstral_release(&cm);
            }
            free(sp);
        }
        if (o->fit && res.fit_status[GK_AVG] == CORE_OK && isfinite(res.kappa_fit_err[GK_AVG])) {
            cb.in_fit += fabs(res.kappa_fit[GK_AVG] - exact) < 2.0 * res.kappa_fit_err[GK_AVG];
            nfit++;
        }
        gk_result_release(&res);
    }
    cb.in_gk /= nseed;
    cb.in_cep /= nseed;
    cb.in_fit = nfit ? cb.in_fit / nfit : 0.0;
    cb.nfit = nfit;
    cb.z_gk /= nseed;
    cb.z_cep /= nseed;
    cb.rel_gk /= nseed;
    cb.rel_cep /= nseed;
    cb.pstar /= nseed;
    cb.in_min /= nseed;
    cb.rel_min /= nseed;
    free(j);
    free(runs);
    return cb;
}

static int
nseed_env(int dflt)
{
    const char *s = getenv("GK_TEST_NSEED");
    long v;
    if (s && core_parse_long(s, &v) == CORE_OK && v > 0)
        return (int)v;
    return RUNNING_ON_VALGRIND ? 10 : dflt;
}

static int calib_seeds; /* seeds of the current calibration */

/* A calibration check: asserted only with enough seeds for the fraction to mean something. */
__attribute__((format(printf, 2, 3))) static void
calib_ok(int cond, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (calib_seeds < 100)
        ok(1, "%s # skip: %d seeds are too few to assert a calibration", buf, calib_seeds);
    else
        ok(cond, "%s", buf);
}

static void
report(const char *what, const struct calib *cb)
{
    printf("# %s: within 2 err: direct %.3f cepstral %.3f (AIC min %.3f); mean z: direct %+.3f"
           " cepstral %+.3f; mean err/kappa: direct %.4f cepstral %.4f (AIC min %.4f);"
           " mean P* %.1f\n",
           what, cb->in_gk, cb->in_cep, cb->in_min, cb->z_gk, cb->z_cep, cb->rel_gk, cb->rel_cep,
           cb->rel_min, cb->pstar);
}

static void
test_white(int nseed)
{
    struct gk_opts o;
    struct calib cb;
    double exact;

    gk_opts_init(&o);
    o.dt = 0.002;
    o.volume = 1234.5;
    o.temp = 300.0;
    exact = gk_kappa_unit(o.volume, o.temp) * 1.0 * o.dt / 2.0;
    calib_seeds = nseed;
    cb = calibrate(nseed, 16, 1024, 0.0, &o, exact);
    report("white noise, 16 runs x 1024", &cb);
    is_int(cb.failed, 0, "white noise: every seed analysed");
    calib_ok(cb.in_gk > 0.88 && cb.in_gk < 0.99, "white noise, direct: %.3f of seeds within 2 err",
             cb.in_gk);
    calib_ok(cb.in_cep > 0.92 && cb.in_cep <= 1.0,
             "white noise, cepstral: %.3f of seeds within 2 err", cb.in_cep);
    calib_ok(cb.in_min > 0.8, "white noise, cepstral with P* = argmin AIC: %.3f within 2 err",
             cb.in_min);
    calib_ok(fabs(cb.z_gk) < 0.3 && fabs(cb.z_cep) < 0.3,
             "white noise: no bias (mean z %.3f, %.3f)", cb.z_gk, cb.z_cep);
}

static void
test_ou(int nseed)
{
    struct gk_opts o;
    struct calib cb;
    double exact, tau = 0.05, a;

    gk_opts_init(&o);
    o.dt = 0.005;
    o.volume = 987.6;
    o.temp = 77.0;
    a = exp(-o.dt / tau);
    exact = gk_kappa_unit(o.volume, o.temp) * o.dt * (1.0 + a) / (2.0 * (1.0 - a));
    o.fit = 1;
    calib_seeds = nseed;
    cb = calibrate(nseed, 16, 2048, a, &o, exact);
    report("OU tau = 10 dt, 16 runs x 2048, defaults (first zero, automatic f*)", &cb);
    printf("# OU fit: %d of %d seeds fitted, %.3f of them within 2 err\n", cb.nfit, nseed,
           cb.in_fit);
    is_int(cb.failed, 0, "OU: every seed analysed");
    calib_ok(cb.in_gk > 0.85 && cb.in_gk < 0.99, "OU, direct, first zero: %.3f within 2 err",
             cb.in_gk);
    calib_ok(cb.in_cep > 0.92 && cb.in_cep <= 1.0, "OU, cepstral, automatic f*: %.3f within 2 err",
             cb.in_cep);
    calib_ok(fabs(cb.z_cep) < 0.3, "OU, cepstral: no bias (mean z %.3f)", cb.z_cep);
    calib_ok(cb.nfit >= nseed * 0.95, "OU: fit and jackknife succeed for %d of %d seeds", cb.nfit,
             nseed);
    calib_ok(cb.in_fit > 0.85 && cb.in_fit < 0.99, "OU, double-exponential fit: %.3f within 2 err",
             cb.in_fit);

    o.tcut = 15 * tau; /* fixed: the truncation bias is exp(-15) */
    o.fstar = 1.0 / (2.0 * M_PI * tau);
    o.fit = 0;
    calib_seeds = nseed;
    cb = calibrate(nseed, 16, 2048, a, &o, exact);
    report("OU, fixed t_c = 15 tau, f* = 1/(2 pi tau)", &cb);
    calib_ok(cb.in_gk > 0.88 && cb.in_gk < 0.99, "OU, direct, fixed t_c: %.3f within 2 err",
             cb.in_gk);
    calib_ok(fabs(cb.z_gk) < 0.3, "OU, direct, fixed t_c: no bias (mean z %.3f)", cb.z_gk);
    calib_ok(cb.in_cep > 0.92 && cb.in_cep <= 1.0, "OU, cepstral, f* given: %.3f within 2 err",
             cb.in_cep);

    /* oversampled: tau = 50 dt, where f* = Nyquist would be 10-20 % low */
    gk_opts_init(&o);
    o.dt = 0.001;
    o.volume = 2000.0;
    o.temp = 500.0;
    a = exp(-o.dt / tau);
    exact = gk_kappa_unit(o.volume, o.temp) * o.dt * (1.0 + a) / (2.0 * (1.0 - a));
    calib_seeds = nseed / 2;
    cb = calibrate(nseed / 2, 8, 8192, a, &o, exact);
    report("OU tau = 50 dt, 8 runs x 8192, defaults", &cb);
    calib_ok(cb.in_cep > 0.90 && cb.in_cep <= 1.0, "OU tau = 50 dt, cepstral: %.3f within 2 err",
             cb.in_cep);
    calib_ok(fabs(cb.z_cep) < 0.4, "OU tau = 50 dt, cepstral: no bias (mean z %.3f)", cb.z_cep);
}

static void
test_analyse(void)
{
    enum { N = 4000, NR = 4 };

    double *j = malloc(NR * N * 3 * sizeof *j), *one = malloc(NR * N * 3 * sizeof *one);
    struct gk_run runs[NR], whole;
    struct gk_opts o;
    struct gk_result r1, r2, r3;
    struct core_err err;
    double a = exp(-0.2), diff = 0.0;

    for (size_t r = 0; r < NR; r++) {
        make_ou(j + 3 * N * r, N, a, 2.0, 42, r);
        runs[r] = (struct gk_run){j + 3 * N * r, N};
    }
    gk_opts_init(&o);
    o.dt = 0.001;
    o.volume = 500.0;
    o.temp = 250.0;
    o.nlag = 300;
    o.fit = 1;
    is_int(gk_analyse(runs, NR, &o, &r1, &err), CORE_OK, "analysis of 4 runs");
    is_int((long)r1.nsamples, NR, "4 samples");
    is_int((long)r1.nlag, 300, "nlag as asked");
    is_int((long)r1.nfreq, N / 2 + 1, "nfreq");
    is_rel(r1.df, 1.0 / (N * 0.001), 1e-14, "df = 1/(N dt)");
    {
        double want = 0.0;
        for (int c = 0; c < 3; c++)
            want += r1.hcacf[c];
        is_rel(r1.hcacf[GK_AVG], want / 3.0, 1e-14, "HCACF average of x, y, z");
        is_rel(r1.kappa[GK_AVG], r1.kint[r1.icut[GK_AVG] * 4 + GK_AVG], 1e-15,
               "kappa is the running integral at t_c");
        ok(r1.cut_found[GK_AVG] && r1.icut[GK_AVG] > 5 && r1.hcacf[4 * r1.icut[GK_AVG] + 3] <= 0,
           "t_c at the first zero of the HCACF (lag %zu)", r1.icut[GK_AVG]);
        ok(r1.hcacf[4 * (r1.icut[GK_AVG] - 1) + 3] > 0, "and not before");
    }
    for (int c = 0; c < GK_NCOMP; c++) {
        ok(isfinite(r1.kappa_err[c]) && r1.kappa_err[c] > 0, "direct error %d", c);
        is_int(r1.fit_status[c], CORE_OK, "fit %d converged", c);
        ok(isfinite(r1.kappa_fit_err[c]) && r1.kappa_fit_err[c] > 0, "fit error %d: %g", c,
           r1.kappa_fit_err[c]);
        ok(r1.kappa_cep_err[c] > 0 && r1.cep[c].nf >= 16 && r1.cep[c].nf < N / 2 + 1,
           "cepstral %d: automatic f* keeps %zu frequencies", c, r1.cep[c].nf);
    }
    is_int((long)r1.cep[GK_AVG].ell, 3 * NR, "l = runs x directions for the average");
    {
        /* automatic f* = 1/(2 pi tau_GK) */
        double tau = r1.kint[4 * r1.icut[GK_AVG] + 3] / gk_kappa_unit(500.0, 250.0) / r1.hcacf[3];
        double f = 1.0 / (2.0 * M_PI * tau);
        ok(r1.fstar <= f && r1.fstar > f - r1.df && r1.fstar == (r1.cep[3].nf - 1) * r1.df,
           "automatic f* = %g THz below 1/(2 pi tau_GK) = %g THz", r1.fstar, f);
    }
    is_int((long)r1.cep[GK_X].ell, NR, "l = runs for one component");

    /* the same data as one run cut into 4 segments gives the same numbers */
    for (size_t r = 0; r < NR; r++)
        memcpy(one + 3 * N * r, j + 3 * N * r, 3 * N * sizeof *one);
    whole = (struct gk_run){one, NR * N};
    o.nseg = NR;
    is_int(gk_analyse(&whole, 1, &o, &r2, &err), CORE_OK, "one run in 4 segments");
    for (size_t i = 0; i < r1.nlag * 4; i++)
        diff = fmax(diff, fabs(r1.kint[i] - r2.kint[i]));
    ok(diff == 0.0 && r1.kappa_cep[GK_AVG] == r2.kappa_cep[GK_AVG] &&
           r1.kappa_fit[GK_AVG] == r2.kappa_fit[GK_AVG],
       "segments = runs, bit for bit");
    gk_result_release(&r2);
    o.nseg = 1;

    /* deterministic */
    is_int(gk_analyse(runs, NR, &o, &r2, &err), CORE_OK, "again");
    ok(memcmp(r1.kint, r2.kint, r1.nlag * 4 * sizeof *r1.kint) == 0 &&
           memcmp(r1.spectrum, r2.spectrum, r1.nfreq * 4 * sizeof *r1.spectrum) == 0 &&
           r1.kappa_cep[GK_AVG] == r2.kappa_cep[GK_AVG],
       "bit-identical on a second call");
    gk_result_release(&r2);

    /* x, y equivalent, Jz zero; fixed t_c; fixed P*; AIC min; f* */
    for (size_t r = 0; r < NR; r++)
        for (size_t i = 0; i < N; i++)
            j[3 * N * r + 3 * i + 2] = 0.0;
    o.equiv[2] = 0;
    o.tcut = 0.05;
    o.pstar = 3;
    o.fstar = 100.0;
    is_int(gk_analyse(runs, NR, &o, &r2, &err), CORE_OK, "sheet: x, y equivalent, Jz = 0");
    is_rel(r2.fstar, 100.0, 1e-12, "f* as given");
    is_int((long)r2.nequiv, 2, "two equivalent directions");
    is_rel(r2.kint[4 * 50 + GK_AVG], 0.5 * (r2.kint[4 * 50] + r2.kint[4 * 50 + 1]), 1e-14,
           "the average is over x and y");
    ok(r2.kappa[GK_Z] == 0.0 && r2.kappa_cep[GK_Z] == 0.0 && r2.kappa_fit[GK_Z] == 0.0 &&
           r2.cep[GK_Z].nf == 0,
       "Jz = 0 gives kappa_zz = 0 by every route");
    is_int((long)r2.icut[GK_X], 50, "fixed t_c = 0.05 ps = lag 50");
    is_int((long)r2.cep[GK_AVG].pstar, 3, "fixed P*");
    is_int((long)r2.cep[GK_AVG].nf, 401, "f* = 100 THz keeps 401 frequencies (df 0.25 THz)");
    is_int((long)r2.cep[GK_AVG].ell, 2 * NR, "l = runs x 2");
    {
        size_t nf = r2.cep[GK_AVG].nf;
        double want = log(r2.spectrum[GK_AVG]) + log(1.0); /* same constant: compare shapes */
        (void)want;
        ok(fabs(log(r2.kappa_cep[GK_AVG]) - log(0.5 * gk_kappa_unit(500.0, 250.0)) -
                r2.cep[GK_AVG].logs0) < 1e-12 &&
               nf == 401,
           "kappa_cep = S(0) / (2 V kB T^2)");
    }
    gk_result_release(&r2);
    o.equiv[2] = 1;
    o.tcut = 0.0;
    o.pstar = 0;
    o.fstar = 0.0;
    o.aic = GK_AIC_MIN;
    o.fit = 0;

    /* HCACF that never crosses zero within nlag */
    o.nlag = 3;
    is_int(gk_analyse(runs, NR, &o, &r2, &err), CORE_OK, "short HCACF");
    ok(!r2.cut_found[GK_X] && r2.icut[GK_X] == 2, "no zero crossing: t_c at the end, flagged");
    ok(isnan(r2.kappa_fit[GK_X]), "no fit asked: NaN");
    gk_result_release(&r2);
    o.nlag = 0;

    /* one sample: no spread errors */
    is_int(gk_analyse(runs, 1, &o, &r3, &err), CORE_OK, "one run");
    ok(isnan(r3.kappa_err[GK_AVG]) && isnan(r3.kint_err[4]) && r3.kappa_cep_err[GK_AVG] > 0,
       "one run: no direct error, a cepstral one");
    is_int((long)r3.nlag, N / 10, "default nlag = a tenth of the run");
    gk_result_release(&r3);
    gk_result_release(&r1);

    /* errors */
    {
        struct gk_opts b = o;
        struct gk_run shortrun = {j, 15}, bad = {j, N};
        b.dt = 0.0;
        is_int(gk_analyse(runs, NR, &b, &r3, &err), CORE_EINPUT, "dt 0: %s", err.msg);
        b = o;
        b.dt = NAN;
        is_int(gk_analyse(runs, NR, &b, &r3, &err), CORE_EINPUT, "dt NaN: %s", err.msg);
        b = o;
        b.volume = -1.0;
        is_int(gk_analyse(runs, NR, &b, &r3, &err), CORE_EINPUT, "volume < 0: %s", err.msg);
        b = o;
        b.temp = 0.0;
        is_int(gk_analyse(runs, NR, &b, &r3, &err), CORE_EINPUT, "T 0: %s", err.msg);
        b = o;
        b.equiv[0] = b.equiv[1] = b.equiv[2] = 0;
        is_int(gk_analyse(runs, NR, &b, &r3, &err), CORE_EINPUT, "no direction: %s", err.msg);
        b = o;
        b.nseg = 0;
        is_int(gk_analyse(runs, NR, &b, &r3, &err), CORE_EINPUT, "0 segments: %s", err.msg);
        b = o;
        b.nseg = N / 15;
        is_int(gk_analyse(runs, NR, &b, &r3, &err), CORE_EINPUT, "segments too short: %s", err.msg);
        b = o;
        b.tcut = -1.0;
        is_int(gk_analyse(runs, NR, &b, &r3, &err), CORE_EINPUT, "t_c < 0: %s", err.msg);
        b = o;
        b.tcut = 1.0;
        is_int(gk_analyse(runs, NR, &b, &r3, &err), CORE_EINPUT, "t_c beyond: %s", err.msg);
        b = o;
        b.tcut = 0.0001;
        is_int(gk_analyse(runs, NR, &b, &r3, &err), CORE_EINPUT, "t_c below dt: %s", err.msg);
        b = o;
        b.fstar = -1.0;
        is_int(gk_analyse(runs, NR, &b, &r3, &err), CORE_EINPUT, "f* < 0: %s", err.msg);
        b = o;
        b.fstar = 0.5;
        is_int(gk_analyse(runs, NR, &b, &r3, &err), CORE_EINPUT, "f* too low: %s", err.msg);
        ok(strstr(err.msg, "at least 4") != NULL, "message names the need");
        b = o;
        b.pstar = N;
        is_int(gk_analyse(runs, NR, &b, &r3, &err), CORE_EINPUT, "P* too big: %s", err.msg);
        b = o;
        b.nlag = N + 1;
        is_int(gk_analyse(runs, NR, &b, &r3, &err), CORE_EINPUT, "nlag > N: %s", err.msg);
        is_int(gk_analyse(runs, 0, &o, &r3, &err), CORE_EINPUT, "no runs: %s", err.msg);
        is_int(gk_analyse(&shortrun, 1, &o, &r3, &err), CORE_EINPUT, "15 samples: %s", err.msg);
        j[3 * 17 + 1] = INFINITY;
        is_int(gk_analyse(&bad, 1, &o, &r3, &err), CORE_EINPUT, "Inf in J: %s", err.msg);
        ok(strstr(err.msg, "sample 18") != NULL && r3.hcacf == NULL, "names the sample");
        j[3 * 17 + 1] = 0.5;
        memset(j, 0, 3 * N * sizeof *j);
        o.fit = 1;
        is_int(gk_analyse(&bad, 1, &o, &r3, &err), CORE_OK, "all-zero J is no error");
        ok(r3.kappa[GK_AVG] == 0.0 && r3.kappa_cep[GK_AVG] == 0.0, "and gives 0");
        gk_result_release(&r3);
        gk_result_release(NULL);
    }
    free(j);
    free(one);
}

static void
test_synth(void)
{
    enum { N = 20000 };

    double *j = malloc(3 * N * sizeof *j), *k = malloc(3 * N * sizeof *k), var = 0.0, lag1 = 0.0;
    double dt = 0.002, tau = 0.01, integral = 3.5, a = exp(-dt / tau);
    double s2 = integral / (0.5 * dt * (1.0 + a) / (1.0 - a));
    struct core_err err;

    is_int(gk_synth(j, N, dt, tau, integral, 9, 0, &err), CORE_OK, "synth");
    for (size_t i = 0; i + 1 < N; i++)
        for (int c = 0; c < 3; c++) {
            var += j[3 * i + c] * j[3 * i + c];
            lag1 += j[3 * i + c] * j[3 * (i + 1) + c];
        }
    var /= 3.0 * (N - 1);
    lag1 /= 3.0 * (N - 1);
    is_rel(var, s2, 0.05, "synth: variance s^2");
    is_rel(lag1 / var, a, 0.02, "synth: lag-1 correlation exp(-dt/tau)");
    gk_synth(k, N, dt, tau, integral, 9, 0, &err);
    ok(memcmp(j, k, 3 * N * sizeof *j) == 0, "synth: same seed, same series");
    gk_synth(k, N, dt, tau, integral, 9, 1, &err);
    ok(j[3 * 5] != k[3 * 5], "synth: another stream, another series");
    is_int(gk_synth(k, N, dt, 0.0, integral, 9, 0, &err), CORE_OK, "synth: white noise");
    is_int(gk_synth(k, 0, dt, tau, integral, 9, 0, &err), CORE_EINPUT, "synth: n 0");
    is_int(gk_synth(k, N, -dt, tau, integral, 9, 0, &err), CORE_EINPUT, "synth: dt < 0");
    is_int(gk_synth(k, N, dt, -tau, integral, 9, 0, &err), CORE_EINPUT, "synth: tau < 0");
    is_int(gk_synth(k, N, dt, tau, 0.0, 9, 0, &err), CORE_EINPUT, "synth: integral 0: %s", err.msg);
    free(j);
    free(k);
}

int
main(void)
{
    int nseed = nseed_env(200);

    test_units();
    test_acf_psd();
    test_small();
    test_smooth_long();
    test_fit();
    test_cepstral();
    test_synth();
    test_analyse();
    test_white(nseed);
    test_ou(nseed);
    done_testing();
    return exit_status();
}
