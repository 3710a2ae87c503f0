/*
 * gk cepstral: the cepstral estimate of S(0) (Ercole, Marcolongo & Baroni, Sci. Rep. 7, 15835
 * (2017), doi:10.1038/s41598-017-15843-2, sections "Cepstral analysis" and "Model selection";
 * the same steps as SporTran's CosFilter, Ercole et al., Comput. Phys. Commun. 280, 108470
 * (2022)).
 *
 * The mean of l independent periodograms is S_k chi^2_{2l} / (2l) for 0 < k < N/2 and
 * S_k chi^2_l / l at k = 0 and k = N/2. The log of chi^2_nu / nu has mean psi(nu/2) - ln(nu/2)
 * and variance psi'(nu/2), so L_k = log psd_k - lambda_k is log S_k plus a noise of zero mean,
 * independent between frequencies. Its cosine transform over k = 0 .. M (M = nf - 1, the even
 * extension of period N' = 2M) gives the cepstral coefficients
 *     C_n = (1/N') [L_0 + (-1)^n L_M + 2 sum_{k=1}^{M-1} L_k cos(pi k n / M)],
 * FFTW's REDFT00 (DCT-I) divided by N'. With noise variances v_0, v_M at the ends and v
 * inside, the variance of C_n is exactly
 *     sigma_n^2 = (v_0 + v_M + 2 v (M - 2)) / N'^2          for 0 < n < M,
 *     sigma_n^2 = (v_0 + v_M + 4 v (M - 1)) / N'^2          for n = 0, M,
 * (the paper's psi'(l)/N' and 2 psi'(l)/N' when v_0 = v_M = 2v). A smooth log-spectrum has
 * few large coefficients; the rest are noise. AIC(P) = sum_{n>=P} C_n^2/sigma_n^2 + 2P picks
 * P*, and log S(0) = sum_{n<P*} w_n C_n (w = 1 at n = 0 and M, 2 between) with variance
 * sum w_n^2 sigma_n^2 (the coefficients' noises are taken as independent, as in the paper).
 *
 * Selecting P* on the same coefficients that are then summed makes that variance too small
 * (a coefficient kept because noise made it large counts fully): on pure noise two of these
 * error bars cover the truth in about 90 % of the cases, and less when the cepstrum decays
 * slowly. The default therefore averages over P with Akaike weights p_P ~ exp(-AIC(P)/2),
 * the model averaging of Burnham & Anderson (Model Selection and Multimodel Inference, 2nd ed.,
 * Springer 2002, section 4.2) that SporTran offers as its "Bayesian AIC weighting":
 *     log S(0) = sum_P p_P L(P),  var = sum_P p_P (var(P) + L(P)^2) - (log S(0))^2,
 * whose two-error-bar coverage is 95-99 % in the tests (the spread between P is included).
 */
#include <complex.h>
#include <fftw3.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_psi.h>
#include <math.h>
#include <stdlib.h>

#include "gk.h"

void
gk_cepstral_release(struct gk_cepstral *c)
{
    if (!c)
        return;
    free(c->coef);
    free(c->coef_var);
    free(c->aic);
    free(c->logpsd);
    free(c->logs0_p);
    c->coef = c->coef_var = c->aic = c->logpsd = c->logs0_p = NULL;
}

int
gk_cepstral_exec(const double *psd, size_t nf, int last_nyquist, size_t ell, size_t pstar,
                 enum gk_aic mode, struct gk_cepstral *c, struct core_err *err)
{
    double *buf = NULL, *out = NULL;
    fftw_plan plan = NULL;
    double lam_in, lam_end, v_in, v_end, v_last, np2, tail, best, sum = 0.0, var = 0.0;
    size_t m = nf - 1;
    int rc = CORE_OK;

    *c = (struct gk_cepstral){0};
    if (nf < 4)
        return core_err_set(err, CORE_EINPUT,
                            "cepstral analysis needs at least 4 frequencies below f*, got %zu", nf);
    if (ell < 1)
        return core_err_set(err, CORE_EINPUT, "cepstral analysis of no series");
    if (pstar > nf)
        return core_err_set(err, CORE_EINPUT, "P* = %zu is more than the %zu coefficients", pstar,
                            nf);
    for (size_t k = 0; k < nf; k++)
        if (!(psd[k] > 0.0) || !isfinite(psd[k]))
            return core_err_set(err, CORE_EINPUT,
                                "periodogram point %zu is %g: the log-spectrum needs S > 0", k,
                                psd[k]);
    gsl_set_error_handler_off();
    c->ell = ell;
    c->nf = nf;
    c->coef = malloc(nf * sizeof *c->coef);
    c->coef_var = malloc(nf * sizeof *c->coef_var);
    c->aic = malloc(nf * sizeof *c->aic);
    c->logpsd = malloc(nf * sizeof *c->logpsd);
    c->logs0_p = malloc(nf * sizeof *c->logs0_p);
    buf = fftw_malloc(nf * sizeof *buf);
    out = fftw_malloc(nf * sizeof *out);
    if (!c->coef || !c->coef_var || !c->aic || !c->logpsd || !c->logs0_p || !buf || !out) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        goto fail;
    }
    plan = fftw_plan_r2r_1d((int)nf, buf, out, FFTW_REDFT00, FFTW_ESTIMATE);
    if (!plan) {
        rc = core_err_set(err, CORE_EINTERNAL, "FFTW could not plan a DCT of %zu points", nf);
        goto fail;
    }

    /* mean and variance of log(chi^2_nu / nu): psi(nu/2) - ln(nu/2) and psi'(nu/2) */
    lam_in = gsl_sf_psi((double)ell) - log((double)ell);
    v_in = gsl_sf_psi_1((double)ell);
    lam_end = gsl_sf_psi(0.5 * (double)ell) - log(0.5 * (double)ell);
    v_end = gsl_sf_psi_1(0.5 * (double)ell);
    v_last = last_nyquist ? v_end : v_in;
    for (size_t k = 0; k < nf; k++) {
        int end = k == 0 || (k == m && last_nyquist);
        buf[k] = log(psd[k]) - (end ? lam_end : lam_in);
    }
    fftw_execute(plan);
    np2 = 4.0 * (double)m * (double)m; /* N'^2 */
    for (size_t n = 0; n < nf; n++) {
        c->coef[n] = out[n] / (2.0 * (double)m);
        if (n == 0 || n == m)
            c->coef_var[n] = (v_end + v_last + 4.0 * v_in * (double)(m - 1)) / np2;
        else
            c->coef_var[n] = (v_end + v_last + 2.0 * v_in * (double)(m - 2)) / np2;
    }

    /* AIC(P), P = 1 .. nf, from the tail sums */
    tail = 0.0;
    for (size_t p = nf; p >= 1; p--) {
        c->aic[p - 1] = tail + 2.0 * (double)p;
        tail += c->coef[p - 1] * c->coef[p - 1] / c->coef_var[p - 1];
    }
    /* P* = argmin AIC, or the fixed value */
    if (pstar == 0) {
        pstar = 1;
        best = c->aic[0];
        for (size_t p = 2; p <= nf; p++)
            if (c->aic[p - 1] < best) {
                best = c->aic[p - 1];
                pstar = p;
            }
    } else {
        mode = GK_AIC_MIN; /* a fixed P* is used as it is */
        best = c->aic[pstar - 1];
    }
    c->pstar = pstar;

    /* the estimate with P coefficients, L(P) = sum_{n<P} w_n C_n, var(P) = sum w_n^2 sigma_n^2;
     * weights p_P = exp(-(AIC(P) - AIC_min)/2) / Z for the average; q_n = sum_{P>n} p_P is the
     * weight of coefficient n in the averaged filter */
    {
        double z = 0.0, mean = 0.0, second = 0.0, pmean = 0.0, lp = 0.0, vp = 0.0, q = 0.0;
        for (size_t p = 1; p <= nf; p++)
            z += exp(-0.5 * (c->aic[p - 1] - best));
        if (mode == GK_AIC_MIN)
            z = 0.0;
        /* q_n accumulates from the top: q_{nf-1} = p_nf, q_n = q_{n+1} + p_{n+1} */
        for (size_t n = nf; n-- > 0;) {
            double pp = z > 0.0 ? exp(-0.5 * (c->aic[n] - best)) / z : (n + 1 == pstar);
            q += pp;
            buf[n] = q; /* weight of C_n */
        }
        for (size_t p = 1; p <= nf; p++) {
            size_t n = p - 1;
            double w = (n == 0 || n == m) ? 1.0 : 2.0;
            double pp = z > 0.0 ? exp(-0.5 * (c->aic[p - 1] - best)) / z : (p == pstar);
            lp += w * c->coef[n];
            vp += w * w * c->coef_var[n];
            c->logs0_p[n] = lp;
            mean += pp * lp;
            second += pp * (vp + lp * lp);
            pmean += pp * (double)p;
            if (p == pstar) {
                sum = lp;
                var = vp;
            }
        }
        if (mode == GK_AIC_AVERAGE) {
            sum = mean;
            var = second - mean * mean;
            if (var < 0.0)
                var = 0.0;
        }
        c->pmean = pmean;
    }
    c->logs0 = sum;
    c->logs0_err = sqrt(var);

    /* the filtered log-spectrum: the same cosine sum over the kept coefficients */
    for (size_t n = 0; n < nf; n++)
        buf[n] *= c->coef[n];
    fftw_execute(plan);
    for (size_t k = 0; k < nf; k++)
        c->logpsd[k] = out[k];

    fftw_destroy_plan(plan);
    fftw_free(buf);
    fftw_free(out);
    return CORE_OK;

fail:
    if (plan)
        fftw_destroy_plan(plan);
    fftw_free(buf);
    fftw_free(out);
    gk_cepstral_release(c);
    *c = (struct gk_cepstral){0};
    return rc;
}
