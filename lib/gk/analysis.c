/*
 * gk analysis: the direct Green-Kubo integral and the cepstral estimate from a set of runs.
 *
 * Error samples: the independent runs, each cut into nseg segments (for the average over the
 * equivalent directions, each segment's direction average). With R samples the standard error
 * of a mean is sd / sqrt(R), sd with R - 1 degrees of freedom; with one sample it is NaN. The
 * directions of one run are not used as error samples: they share the run's atoms.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gk.h"

#define GK_MINSEG 16 /* samples per segment, below which nothing is meaningful */
#define GK_MINNF  16 /* frequencies kept at least by the automatic f* */

void
gk_opts_init(struct gk_opts *o)
{
    memset(o, 0, sizeof *o);
    o->equiv[0] = o->equiv[1] = o->equiv[2] = 1;
    o->nseg = 1;
}

void
gk_result_release(struct gk_result *res)
{
    if (!res)
        return;
    free(res->hcacf);
    free(res->kint);
    free(res->kint_err);
    free(res->spectrum);
    for (int c = 0; c < GK_NCOMP; c++)
        gk_cepstral_release(&res->cep[c]);
    memset(res, 0, sizeof *res);
}

/* Value of sample s, lag m, component c of a per-sample array x[(s*nlag + m)*4 + c]. */
static double
at(const double *x, size_t nlag, size_t s, size_t m, int c)
{
    return x[(s * nlag + m) * 4 + (size_t)c];
}

static int
check_opts(const struct gk_run *runs, size_t nruns, const struct gk_opts *o, struct core_err *err)
{
    if (!(o->dt > 0.0) || !isfinite(o->dt))
        return core_err_set(err, CORE_EINPUT, "time step %g ps: must be positive", o->dt);
    if (!(o->volume > 0.0) || !isfinite(o->volume))
        return core_err_set(err, CORE_EINPUT, "volume %g A^3: must be positive", o->volume);
    if (!(o->temp > 0.0) || !isfinite(o->temp))
        return core_err_set(err, CORE_EINPUT, "temperature %g K: must be positive", o->temp);
    if (!o->equiv[0] && !o->equiv[1] && !o->equiv[2])
        return core_err_set(err, CORE_EINPUT, "no equivalent direction");
    if (o->nseg < 1)
        return core_err_set(err, CORE_EINPUT, "segments per run: at least 1");
    if (!(o->tcut >= 0.0) || !isfinite(o->tcut))
        return core_err_set(err, CORE_EINPUT, "cut-off time %g ps: must be >= 0", o->tcut);
    if (!(o->fstar >= 0.0) || !isfinite(o->fstar))
        return core_err_set(err, CORE_EINPUT, "f* = %g THz: must be >= 0", o->fstar);
    if (nruns < 1)
        return core_err_set(err, CORE_EINPUT, "no heat-current series");
    for (size_t r = 0; r < nruns; r++) {
        if (runs[r].n / o->nseg < GK_MINSEG)
            return core_err_set(err, CORE_EINPUT,
                                "run %zu: %zu samples in %zu segment(s): at least %d per segment",
                                r + 1, runs[r].n, o->nseg, GK_MINSEG);
        for (size_t i = 0; i < 3 * runs[r].n; i++)
            if (!isfinite(runs[r].j[i]))
                return core_err_set(err, CORE_EINPUT, "run %zu: sample %zu: J is not finite", r + 1,
                                    i / 3 + 1);
    }
    return CORE_OK;
}

/* Standard error over the samples of the running integrals in ks. */
static void
direct_errors(struct gk_result *res, const double *ks)
{
    size_t nlag = res->nlag, ns = res->nsamples;

    for (int c = 0; c < GK_NCOMP; c++)
        for (size_t m = 0; m < nlag; m++) {
            double mean = 0.0, ss = 0.0;
            if (ns < 2) {
                res->kint_err[m * 4 + c] = NAN;
                continue;
            }
            for (size_t s = 0; s < ns; s++)
                mean += at(ks, nlag, s, m, c);
            mean /= (double)ns;
            for (size_t s = 0; s < ns; s++) {
                double d = at(ks, nlag, s, m, c) - mean;
                ss += d * d;
            }
            res->kint_err[m * 4 + c] = sqrt(ss / (double)(ns - 1) / (double)ns);
        }
}

/* Fit of the mean HCACF of component c on [0, t_c], and its jackknife over the samples:
 * var = (R-1)/R sum_q (theta_q - mean theta)^2, theta_q the fit without sample q. */
static void
fit_component(struct gk_result *res, int c, const double *hs, double unit, double *tmp)
{
    struct core_err ferr;
    size_t nfit = res->icut[c] + 1, nlag = res->nlag, ns = res->nsamples;
    double sum = 0.0, ss = 0.0;
    double *theta;

    res->kappa_fit[c] = res->kappa_fit_err[c] = NAN;
    res->fit_status[c] = gk_dexp_fit(res->hcacf + c, nfit, 4, res->dt, NULL, &res->dexp[c], &ferr);
    if (res->fit_status[c])
        return;
    res->kappa_fit[c] =
        unit * (res->dexp[c].a1 * res->dexp[c].tau1 + res->dexp[c].a2 * res->dexp[c].tau2);
    if (ns < 2)
        return;
    theta = malloc(ns * sizeof *theta);
    if (!theta)
        return;
    for (size_t q = 0; q < ns; q++) {
        struct gk_dexp p;
        double rr = (double)ns;
        for (size_t m = 0; m < nfit; m++)
            tmp[m] = (rr * res->hcacf[m * 4 + c] - at(hs, nlag, q, m, c)) / (rr - 1.0);
        if (gk_dexp_fit(tmp, nfit, 1, res->dt, &res->dexp[c], &p, &ferr)) {
            free(theta);
            return;
        }
        theta[q] = unit * (p.a1 * p.tau1 + p.a2 * p.tau2);
        sum += theta[q];
    }
    sum /= (double)ns;
    for (size_t q = 0; q < ns; q++)
        ss += (theta[q] - sum) * (theta[q] - sum);
    res->kappa_fit_err[c] = sqrt(ss * (double)(ns - 1) / (double)ns);
    free(theta);
}

int
gk_analyse(const struct gk_run *runs, size_t nruns, const struct gk_opts *o, struct gk_result *res,
           struct core_err *err)
{
    const double **sj = NULL;
    size_t *sn = NULL, nseg = o->nseg, ns, nmin, nlag, nequiv = 0, nf, ncep, nfreq;
    double *hs = NULL, *ks = NULL, *tmp = NULL, *psd = NULL, *col = NULL;
    struct gk_acf *acf = NULL;
    struct gk_psd *pw = NULL;
    double unit;
    int rc;

    memset(res, 0, sizeof *res);
    if ((rc = check_opts(runs, nruns, o, err)))
        return rc;
    for (int a = 0; a < 3; a++)
        nequiv += o->equiv[a] != 0;
    unit = gk_kappa_unit(o->volume, o->temp);

    /* segments */
    ns = nruns * nseg;
    sj = malloc(ns * sizeof *sj);
    sn = malloc(ns * sizeof *sn);
    if (!sj || !sn) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        goto fail;
    }
    nmin = (size_t)-1;
    for (size_t r = 0; r < nruns; r++) {
        size_t len = runs[r].n / nseg;
        for (size_t g = 0; g < nseg; g++) {
            sj[r * nseg + g] = runs[r].j + 3 * g * len;
            sn[r * nseg + g] = len;
        }
        if (len < nmin)
            nmin = len;
    }
    nlag = o->nlag ? o->nlag : nmin / 10;
    if (nlag < 2)
        nlag = 2;
    if (nlag > nmin) {
        rc = core_err_set(err, CORE_EINPUT,
                          "HCACF length %zu (%g ps) exceeds the shortest segment (%zu samples)",
                          nlag, (double)(nlag - 1) * o->dt, nmin);
        goto fail;
    }
    if (o->tcut > 0.0) {
        double m = floor(o->tcut / o->dt + 0.5);
        if (m < 1.0 || m > (double)(nlag - 1)) {
            rc = core_err_set(err, CORE_EINPUT,
                              "cut-off %g ps is outside the HCACF (%g to %g ps, step %g ps)",
                              o->tcut, o->dt, (double)(nlag - 1) * o->dt, o->dt);
            goto fail;
        }
    }
    ncep = nmin;
    nfreq = ncep / 2 + 1;
    nf = nfreq;
    if (o->fstar > 0.0) {
        double k = floor(o->fstar * (double)ncep * o->dt + 1e-9);
        if (k + 1.0 < (double)nfreq)
            nf = (size_t)k + 1;
    }
    if (nf < 4) {
        rc = core_err_set(err, CORE_EINPUT,
                          "f* = %g THz keeps %zu frequencies (df = %g THz): at least 4 needed",
                          o->fstar, nf, 1.0 / ((double)ncep * o->dt));
        goto fail;
    }
    if (o->fstar > 0.0 && o->pstar > nf) {
        rc = core_err_set(err, CORE_EINPUT, "P* = %zu is more than the %zu frequencies below f*",
                          o->pstar, nf);
        goto fail;
    }

    res->nsamples = ns;
    res->nequiv = nequiv;
    res->nlag = nlag;
    res->dt = o->dt;
    res->ncep = ncep;
    res->nfreq = nfreq;
    res->df = 1.0 / ((double)ncep * o->dt);
    res->hcacf = calloc(nlag * 4, sizeof *res->hcacf);
    res->kint = calloc(nlag * 4, sizeof *res->kint);
    res->kint_err = calloc(nlag * 4, sizeof *res->kint_err);
    res->spectrum = calloc(nfreq * 4, sizeof *res->spectrum);
    hs = malloc(ns * nlag * 4 * sizeof *hs);
    ks = malloc(ns * nlag * 4 * sizeof *ks);
    tmp = malloc((nlag > nfreq ? nlag : nfreq) * sizeof *tmp);
    psd = calloc(nfreq * 4, sizeof *psd);
    col = malloc(nfreq * sizeof *col);
    if (!res->hcacf || !res->kint || !res->kint_err || !res->spectrum || !hs || !ks || !tmp ||
        !psd || !col) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory (%zu samples x %zu lags)", ns, nlag);
        goto fail;
    }

    /* HCACF of every segment and direction, and the direction average */
    for (size_t s = 0; s < ns; s++) {
        double *h = hs + s * nlag * 4;
        if (!acf || (s > 0 && sn[s] != sn[s - 1])) {
            gk_acf_free(acf);
            if ((rc = gk_acf_plan(&acf, sn[s], err)))
                goto fail;
        }
        for (size_t a = 0; a < 3; a++) {
            gk_acf_exec(acf, sj[s] + a, 3, tmp, nlag);
            for (size_t m = 0; m < nlag; m++)
                h[m * 4 + a] = tmp[m];
        }
        for (size_t m = 0; m < nlag; m++) {
            double sum = 0.0;
            for (size_t a = 0; a < 3; a++)
                if (o->equiv[a])
                    sum += h[m * 4 + a];
            h[m * 4 + GK_AVG] = sum / (double)nequiv;
        }
        for (int c = 0; c < GK_NCOMP; c++) {
            gk_integral(h + c, nlag, 4, o->dt, ks + s * nlag * 4 + c);
            for (size_t m = 0; m < nlag; m++)
                ks[s * nlag * 4 + m * 4 + c] *= unit;
        }
        for (size_t i = 0; i < nlag * 4; i++)
            res->hcacf[i] += h[i];
    }
    for (size_t i = 0; i < nlag * 4; i++)
        res->hcacf[i] /= (double)ns;
    for (int c = 0; c < GK_NCOMP; c++) {
        gk_integral(res->hcacf + c, nlag, 4, o->dt, res->kint + c);
        for (size_t m = 0; m < nlag; m++)
            res->kint[m * 4 + c] *= unit;
    }
    direct_errors(res, ks);

    /* cut-off and the direct value */
    for (int c = 0; c < GK_NCOMP; c++) {
        size_t m;
        if (o->tcut > 0.0) {
            m = (size_t)floor(o->tcut / o->dt + 0.5);
            res->cut_found[c] = 1;
        } else {
            m = gk_first_zero(res->hcacf + c, nlag, 4);
            res->cut_found[c] = m < nlag;
            if (m >= nlag)
                m = nlag - 1;
        }
        res->icut[c] = m;
        res->kappa[c] = res->kint[m * 4 + c];
        res->kappa_err[c] = res->kint_err[m * 4 + c];
    }
    for (int c = 0; c < GK_NCOMP; c++) {
        res->fit_status[c] = CORE_OK;
        res->kappa_fit[c] = res->kappa_fit_err[c] = NAN;
        if (res->hcacf[c] == 0.0) {
            /* an all-zero component (Jz of a strictly 2D run): kappa is 0 by every route */
            res->kappa_fit[c] = res->kappa_fit_err[c] = 0.0;
            res->dexp[c] = (struct gk_dexp){0.0, 0.0, 0.0, 0.0};
        } else if (o->fit) {
            fit_component(res, c, hs, unit, tmp);
        }
    }

    /* automatic f* = 1 / (2 pi tau_GK), tau_GK = int_0^t_c C dt / C(0) of the averaged HCACF:
     * the corner frequency of the low-frequency peak (exact for an OU process), below which
     * the log-spectrum needs few cepstral coefficients; at least GK_MINNF frequencies */
    if (o->fstar == 0.0 && res->hcacf[GK_AVG] > 0.0) {
        double tau = res->kint[res->icut[GK_AVG] * 4 + GK_AVG] / unit / res->hcacf[GK_AVG];
        if (tau > 0.0) {
            double k = floor((double)ncep * o->dt / (2.0 * M_PI * tau) + 1e-9);
            if (k + 1.0 < (double)nfreq)
                nf = (size_t)k + 1;
            if (nf < GK_MINNF)
                nf = nfreq < GK_MINNF ? nfreq : GK_MINNF;
        }
        if (o->pstar > nf) {
            rc = core_err_set(err, CORE_EINPUT,
                              "P* = %zu is more than the %zu frequencies below the automatic f* "
                              "(%g THz)",
                              o->pstar, nf, (double)(nf - 1) * res->df);
            goto fail;
        }
    }
    res->fstar = (double)(nf - 1) * res->df;

    /* cepstral analysis on the first ncep samples of every segment */
    if ((rc = gk_psd_plan(&pw, ncep, err)))
        goto fail;
    for (size_t s = 0; s < ns; s++)
        for (size_t a = 0; a < 3; a++) {
            gk_psd_exec(pw, sj[s] + a, 3, o->dt, tmp);
            for (size_t k = 0; k < nfreq; k++)
                psd[k * 4 + a] += tmp[k];
        }
    for (size_t k = 0; k < nfreq; k++) {
        double sum = 0.0;
        for (size_t a = 0; a < 3; a++) {
            psd[k * 4 + a] /= (double)ns;
            if (o->equiv[a])
                sum += psd[k * 4 + a];
        }
        psd[k * 4 + GK_AVG] = sum / (double)nequiv;
        for (int c = 0; c < GK_NCOMP; c++)
            res->spectrum[k * 4 + c] = 0.5 * unit * psd[k * 4 + c];
    }
    for (int c = 0; c < GK_NCOMP; c++) {
        size_t ell = c == GK_AVG ? ns * nequiv : ns;
        if (res->hcacf[c] == 0.0) {
            res->kappa_cep[c] = res->kappa_cep_err[c] = 0.0;
            continue;
        }
        for (size_t k = 0; k < nf; k++)
            col[k] = psd[k * 4 + c];
        rc = gk_cepstral_exec(col, nf, nf == nfreq && ncep % 2 == 0, ell, o->pstar, o->aic,
                              &res->cep[c], err);
        if (rc)
            goto fail;
        res->kappa_cep[c] = 0.5 * unit * exp(res->cep[c].logs0);
        res->kappa_cep_err[c] = res->kappa_cep[c] * res->cep[c].logs0_err;
    }
    rc = CORE_OK;
    goto done;

fail:
    gk_result_release(res);
done:
    gk_acf_free(acf);
    gk_psd_free(pw);
    free(sj);
    free(sn);
    free(hs);
    free(ks);
    free(tmp);
    free(psd);
    free(col);
    return rc;
}
