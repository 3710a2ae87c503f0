/*
 * gk: lattice thermal conductivity from equilibrium heat-current series (Green-Kubo).
 *
 * Promises
 *   - kappa_aa = 1/(V k_B T^2) int_0^inf <J_a(0) J_a(t)> dt, J the volume-integrated heat
 *     current (LAMMPS `compute heat/flux` and GPUMD convention), by two independent routes:
 *     1. Direct: the heat-current autocorrelation function (HCACF) by FFT (Wiener-Khinchin,
 *        zero padding to a length >= 2N, so no circular wrap-around), unbiased normalisation
 *        C(m) = sum_n J_n J_{n+m} / (N - m); averaged over independent runs and over the
 *        equivalent directions; the running integral kappa(t) by the trapezoid rule; the value
 *        at a cut-off t_c (a fixed time, or by default the first zero of the averaged HCACF:
 *        the "first dip" of McGaughey & Kaviany, Int. J. Heat Mass Transf. 47, 1783 (2004));
 *        optionally a double-exponential fit of the HCACF on [0, t_c], integrated to infinity.
 *        The error is the standard error of the mean over the independent samples (runs), the
 *        error of the fit a jackknife over the same samples.
 *     2. Cepstral analysis (Ercole, Marcolongo & Baroni, Sci. Rep. 7, 15835 (2017),
 *        doi:10.1038/s41598-017-15843-2; as SporTran does it): the periodogram averaged over
 *        the l equivalent series, cut at f*, the log-spectrum corrected for the bias of the log
 *        of a chi^2 variable, its cepstral coefficients, the number P* of coefficients kept by
 *        the Akaike information criterion, kappa = S(0) / (2 V k_B T^2) with the error of the
 *        paper, delta kappa / kappa = sigma(P*); by default averaged over P with Akaike
 *        weights, which makes the error bar honest (cepstral.c says why).
 *   - No mean is subtracted from J: in equilibrium it is zero, and subtracting the sample mean
 *     would zero the periodogram at f = 0.
 *   - Deterministic: no random numbers (but in gk_synth, keyed by its seed); FFTW plans with
 *     FFTW_ESTIMATE, sums in a fixed order.
 *
 * Units: time ps, frequency THz (1/ps), J eV*Angstrom/ps, HCACF eV^2 Angstrom^2/ps^2, volume
 * Angstrom^3, temperature K; every conductivity (kappa, running integral, spectrum) in W/(m K),
 * converted with gk_kappa_unit from lib/core/units.h (1 eV/(Angstrom ps K) = e * 1e22 W/(m K)).
 *
 * Layouts: a run is J[3*i + a], sample i, component a = x, y, z (n x 3 row-major, as positions).
 * Per-component results are [4*m + c] with c = GK_X, GK_Y, GK_Z and GK_AVG (the average over
 * the equivalent directions).
 *
 * Ownership: input arrays are borrowed (const). A gk_result or gk_cepstral owns its arrays and
 * frees them with its _release; the opaque plans are freed with their _free (NULL is a no-op).
 *
 * Thread safety: FFTW's planner is not thread safe, so gk_acf_plan, gk_psd_plan,
 * gk_cepstral_exec and gk_analyse must not run concurrently with each other or with other
 * FFTW planning in the process; gk_acf_exec and gk_psd_exec on distinct plans may.
 *
 * Errors: functions return CORE_OK or CORE_EINPUT (bad sizes, options or non-finite data),
 * CORE_ENOMEM, CORE_EINTERNAL (FFTW returned no plan), CORE_ENOCONV (a fit that did not
 * converge), with a message in the struct core_err. lib/gk never prints.
 */
#ifndef FPMS_GK_H
#define FPMS_GK_H

#include <stddef.h>
#include <stdint.h>

#include "../core/core.h"

enum gk_comp {
    GK_X = 0,
    GK_Y = 1,
    GK_Z = 2,
    GK_AVG = 3, /* average over the equivalent directions */
    GK_NCOMP = 4,
};

/* ---- building blocks ---- */

/* W/(m K) per unit of int C dt (eV^2 Angstrom^2/ps), i.e. 1/(V k_B T^2) in SI.
 * volume in Angstrom^3, temp in K. */
double gk_kappa_unit(double volume, double temp);

/* Smallest length >= n of the form 2^a 3^b 5^c 7^d (a fast FFTW size). */
size_t gk_fft_size(size_t n);

/* Autocorrelation by FFT, planned once for series of length n, executed on many. */
struct gk_acf;

/* Plans for series of n >= 2 samples; *out is freed with gk_acf_free. */
int gk_acf_plan(struct gk_acf **out, size_t n, struct core_err *err);

/* acf[m] = sum_{i<n-m} x[i s] x[(i+m) s] / (n - m) for m < nlag <= n, with s = stride
 * (x has n samples spaced by stride doubles; acf is contiguous). */
void gk_acf_exec(struct gk_acf *w, const double *x, size_t stride, double *acf, size_t nlag);

void gk_acf_free(struct gk_acf *w);

/* Periodogram, planned once for series of length n >= 2. */
struct gk_psd;

int gk_psd_plan(struct gk_psd **out, size_t n, struct core_err *err);

/* psd[k] = (dt / n) |sum_i x[i s] exp(-2 pi i k i / n)|^2 for k = 0 .. n/2 (n/2 + 1 values):
 * the one-sided estimate of S(f_k) = int C(t) exp(2 pi i f_k t) dt at f_k = k / (n dt), with
 * E psd[0] -> S(0) = 2 int_0^inf C dt. dt in ps; psd in (unit of x)^2 ps. */
void gk_psd_exec(struct gk_psd *w, const double *x, size_t stride, double dt, double *psd);

void gk_psd_free(struct gk_psd *w);

/* Running trapezoid integral: out[0] = 0, out[m] = out[m-1] + dt (c[m-1] + c[m]) / 2, for
 * m < n; c and out are read and written with the same stride. */
void gk_integral(const double *c, size_t n, size_t stride, double dt, double *out);

/* First m >= 1 with c[m stride] <= 0, or n when c stays positive. */
size_t gk_first_zero(const double *c, size_t n, size_t stride);

/* Centred moving average over w points (an even w acts as w + 1; w <= 1 copies), the window
 * shrinking symmetrically at the ends. out must not alias x. */
void gk_smooth(const double *x, size_t n, size_t w, double *out);

/* Double exponential C(t) = a1 exp(-t/tau1) + a2 exp(-t/tau2), tau1 <= tau2. a in the unit of
 * C, tau in ps; its integral over [0, inf) is a1 tau1 + a2 tau2. */
struct gk_dexp {
    double a1, tau1, a2, tau2;
};

/*
 * Least-squares fit (GSL gsl_multifit_nlinear, trust region with Levenberg-Marquardt steps) of
 * c[0 .. n-1] (stride s, sampled at t = m dt) to a double exponential, both times bounded by
 * the window (n - 1) dt (fit.c says why); when the two cannot be separated, one exponential
 * (a2 = 0, tau2 = tau1). guess may be NULL (then a guess from the 1/e time of c is used). Returns
 * CORE_EINPUT for n < 5 or c[0] <= 0, CORE_ENOCONV when the fit fails or gives non-finite or
 * non-positive times. Calls gsl_set_error_handler_off() (process-wide: GSL's default handler
 * aborts).
 */
int gk_dexp_fit(const double *c, size_t n, size_t stride, double dt, const struct gk_dexp *guess,
                struct gk_dexp *fit, struct core_err *err);

/*
 * A synthetic heat current of known Green-Kubo integral, for tests and examples: three
 * independent Ornstein-Uhlenbeck components in their exact discretisation,
 * x_{i+1} = a x_i + s sqrt(1 - a^2) g_i, a = exp(-dt/tau) (tau = 0: white noise, a = 0),
 * started from the stationary distribution, so C(t) = s^2 a^(t/dt). s^2 is chosen so that the
 * trapezoid integral to infinity, (s^2 dt / 2) (1 + a) / (1 - a), equals integral
 * (eV^2 Angstrom^2/ps; kappa = integral * gk_kappa_unit). j gets n x 3 values. Random numbers:
 * core_rng keyed by (seed, GK_RNG_SYNTH, 3 stream + component), so streams are independent
 * runs. CORE_EINPUT for n = 0, dt <= 0, tau < 0 or integral <= 0.
 */
#define GK_RNG_SYNTH 3 /* the core_rng purpose of gk_synth (CONVENTIONS.md, Randomness) */

int gk_synth(double *j, size_t n, double dt, double tau, double integral, uint64_t seed,
             uint64_t stream, struct core_err *err);

/* ---- cepstral analysis ---- */

enum gk_aic {
    GK_AIC_AVERAGE = 0, /* average over P with Akaike weights (default) */
    GK_AIC_MIN = 1,     /* P* = argmin AIC, as in the paper and SporTran's default */
};

struct gk_cepstral {
    size_t ell;       /* number of equivalent series averaged */
    size_t nf;        /* frequencies kept: k = 0 .. nf-1 (f_k <= f*) */
    size_t pstar;     /* P* = argmin AIC (or the fixed value), 1 <= pstar <= nf */
    double pmean;     /* the Akaike-weighted mean of P (pstar for GK_AIC_MIN) */
    double logs0;     /* log S(0) in log of the psd unit */
    double logs0_err; /* its standard deviation */
    double *coef;     /* nf cepstral coefficients C_n */
    double *coef_var; /* nf theoretical variances sigma_n^2 */
    double *aic;      /* nf values: aic[p-1] = AIC(P = p) */
    double *logs0_p;  /* nf values: logs0_p[p-1] = log S(0) from P = p coefficients */
    double *logpsd;   /* nf values: the filtered log-spectrum log S_k (from C_0 .. C_{P*-1}, or
                         the Akaike-weighted average of those filters) */
};

/*
 * Cepstral estimate of S(0) from psd[0 .. nf-1], the average of ell independent periodograms
 * of equal spectrum. last_nyquist says whether psd[nf-1] is the Nyquist point (then chi^2 with
 * ell degrees of freedom, like psd[0]; elsewhere 2 ell). AIC(P) = sum_{n>=P} C_n^2 / sigma_n^2
 * + 2P for P = 1 .. nf. pstar > 0 fixes P* (<= nf; mode is then ignored); pstar = 0 takes
 * P* = the first minimum of AIC with GK_AIC_MIN, or averages the estimates of every P with
 * Akaike weights with GK_AIC_AVERAGE (see cepstral.c). Needs nf >= 4 and psd > 0 everywhere.
 * c owns its arrays: gk_cepstral_release.
 */
int gk_cepstral_exec(const double *psd, size_t nf, int last_nyquist, size_t ell, size_t pstar,
                     enum gk_aic mode, struct gk_cepstral *c, struct core_err *err);

void gk_cepstral_release(struct gk_cepstral *c);

/* ---- the whole analysis ---- */

/* One heat-current series: j[3*i + a], i < n, eV*Angstrom/ps. Borrowed. */
struct gk_run {
    const double *j;
    size_t n;
};

struct gk_opts {
    double dt;       /* sampling interval, ps (> 0) */
    double volume;   /* Angstrom^3 (> 0); for a sheet: area times thickness */
    double temp;     /* K (> 0) */
    int equiv[3];    /* nonzero for the directions averaged into GK_AVG (at least one) */
    size_t nseg;     /* every run is cut into nseg consecutive independent segments (>= 1) */
    size_t nlag;     /* HCACF length in samples; 0: a tenth of the shortest segment (>= 2) */
    double tcut;     /* fixed cut-off time, ps; 0: the first zero of the HCACF */
    int fit;         /* nonzero: double-exponential fit of the HCACF on [0, t_c] */
    double fstar;    /* cepstral low-pass cut f*, THz (above Nyquist: no cut); 0: automatic,
                        1 / (2 pi tau_GK), tau_GK = int_0^t_c C dt / C(0) of the averaged HCACF
                        (the corner of an OU spectrum), keeping at least 16 frequencies */
    size_t pstar;    /* cepstral coefficients kept; 0: by AIC */
    enum gk_aic aic; /* with pstar 0: Akaike-weighted average (default) or argmin */
};

/* Defaults: all three directions equivalent, nseg 1, everything else automatic; dt, volume
 * and temp are 0 and must be set. */
void gk_opts_init(struct gk_opts *o);

struct gk_result {
    size_t nsamples; /* independent samples: runs times segments */
    size_t nequiv;   /* equivalent directions */
    /* direct Green-Kubo */
    size_t nlag;             /* HCACF points, lag m at t = m dt */
    double dt;               /* ps */
    double *hcacf;           /* nlag*4, eV^2 Angstrom^2/ps^2, mean over samples (and directions) */
    double *kint;            /* nlag*4, running integral kappa(t), W/(m K) */
    double *kint_err;        /* nlag*4, its standard error (NaN where none can be given) */
    size_t icut[GK_NCOMP];   /* cut-off lag */
    int cut_found[GK_NCOMP]; /* 0 when the HCACF stayed positive up to nlag-1 (then icut is
                                nlag-1: no plateau was reached) */
    double kappa[GK_NCOMP];  /* W/(m K) */
    double kappa_err[GK_NCOMP]; /* standard error, W/(m K); NaN with a single sample */
    /* An all-zero component (Jz of a strictly 2D run) gets 0 +- 0 from every route, no fit and
     * no cepstrum (its cep[c].nf is 0). */
    /* double-exponential fit (opts.fit) */
    int fit_status[GK_NCOMP]; /* CORE_OK, or the code of the failed fit (kappa_fit NaN) */
    struct gk_dexp dexp[GK_NCOMP];
    double kappa_fit[GK_NCOMP], kappa_fit_err[GK_NCOMP]; /* W/(m K); err by jackknife, NaN
                                                            with one sample or a failed refit */
    /* cepstral */
    size_t ncep;      /* samples per series used (the shortest segment) */
    size_t nfreq;     /* periodogram points k = 0 .. ncep/2, f_k = k df */
    double df;        /* THz */
    double fstar;     /* THz, the cut used: f_{nf-1} */
    double *spectrum; /* nfreq*4: S(f_k) / (2 V k_B T^2), W/(m K) (so spectrum at 0 ~ kappa) */
    struct gk_cepstral cep[GK_NCOMP]; /* logpsd etc. in log of eV^2 Angstrom^2 ps */
    double kappa_cep[GK_NCOMP], kappa_cep_err[GK_NCOMP]; /* W/(m K) */
};

/*
 * Runs both analyses on nruns runs sampled every o->dt. Runs may differ in length; the
 * cepstral analysis uses the first ncep samples of each segment (ncep the shortest). Needs
 * every segment >= 16 samples, nlag <= the shortest segment, a fixed t_c below (nlag-1) dt,
 * f* above 3 df, P* at most the frequencies below f*. res is overwritten (release an earlier
 * result first) and owns its arrays; on error it holds nothing. Fit failures do not fail the
 * call: see fit_status.
 */
int gk_analyse(const struct gk_run *runs, size_t nruns, const struct gk_opts *o,
               struct gk_result *res, struct core_err *err);

void gk_result_release(struct gk_result *res);

#endif
