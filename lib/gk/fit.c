/*
 * gk fit: double-exponential fit of an HCACF, C(t) = a1 exp(-t/tau1) + a2 exp(-t/tau2), after
 * McGaughey & Kaviany, Int. J. Heat Mass Transf. 47, 1783 (2004) (fast acoustic and slow
 * tails of Lennard-Jones argon). The integral to infinity, a1 tau1 + a2 tau2, replaces the
 * noisy tail of the running integral by the fitted one.
 *
 * The fit runs in reduced variables: C / C(0) and t / dt. Both times are bounded by the fit
 * window W = (n - 1) dt, tau = W / (1 + exp(-u)) with u free: an HCACF cut at its first zero
 * is positive by construction just before the cut, and an unbounded fit turns that noise into
 * a near-constant "tail" (tau of 1e8 ps seen in the tests) whose integral is nonsense. A tail
 * longer than the window is not in the data; the window must then grow (a later cut-off).
 * GSL's trust-region solver with Levenberg-Marquardt steps; GSL_ENOPROG (no step can lower the
 * cost any more) counts as converged when the result is finite. When the two exponentials
 * cannot be separated (a single-exponential HCACF: 500 iterations crawl along the degenerate
 * valley), one exponential is fitted instead and returned with a2 = 0.
 */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <math.h>

#include "gk.h"

struct fit_data {
    const double *c;
    size_t n, stride;
    double scale; /* 1 / C(0) */
    double win;   /* the window in samples, n - 1: the bound of both times */
};

static double
tau_of(double u, double win)
{
    return win / (1.0 + exp(-u));
}

static int
dexp_f(const gsl_vector *p, void *data, gsl_vector *f)
{
    const struct fit_data *d = data;
    int two = p->size == 4;
    double a1 = gsl_vector_get(p, 0), t1 = tau_of(gsl_vector_get(p, 1), d->win);
    double a2 = two ? gsl_vector_get(p, 2) : 0.0;
    double t2 = two ? tau_of(gsl_vector_get(p, 3), d->win) : 1.0;

    for (size_t m = 0; m < d->n; m++) {
        double t = (double)m;
        double model = a1 * exp(-t / t1) + a2 * exp(-t / t2);
        gsl_vector_set(f, m, model - d->c[m * d->stride] * d->scale);
    }
    return GSL_SUCCESS;
}

static int
dexp_df(const gsl_vector *p, void *data, gsl_matrix *jac)
{
    const struct fit_data *d = data;
    int two = p->size == 4;
    double a1 = gsl_vector_get(p, 0), t1 = tau_of(gsl_vector_get(p, 1), d->win);
    double a2 = two ? gsl_vector_get(p, 2) : 0.0;
    double t2 = two ? tau_of(gsl_vector_get(p, 3), d->win) : 1.0;
    /* d tau / du = tau (1 - tau / win), d model / d tau = a t / tau^2 exp(-t / tau) */
    double g1 = 1.0 - t1 / d->win, g2 = 1.0 - t2 / d->win;

    for (size_t m = 0; m < d->n; m++) {
        double t = (double)m;
        double e1 = exp(-t / t1), e2 = exp(-t / t2);
        gsl_matrix_set(jac, m, 0, e1);
        gsl_matrix_set(jac, m, 1, a1 * e1 * t / t1 * g1);
        if (two) {
            gsl_matrix_set(jac, m, 2, e2);
            gsl_matrix_set(jac, m, 3, a2 * e2 * t / t2 * g2);
        }
    }
    return GSL_SUCCESS;
}

/* Least squares from p (np = 4: two exponentials, 2: one), the solution written back to p.
 * Returns a GSL status; GSL_ENOPROG counts as success. */
static int
solve(struct fit_data *d, double *p, size_t np)
{
    gsl_multifit_nlinear_fdf fdf;
    gsl_multifit_nlinear_parameters par = gsl_multifit_nlinear_default_parameters();
    gsl_multifit_nlinear_workspace *w;
    gsl_vector_view pv = gsl_vector_view_array(p, np);
    int info = 0, status;

    fdf.f = dexp_f;
    fdf.df = dexp_df;
    fdf.fvv = NULL;
    fdf.n = d->n;
    fdf.p = np;
    fdf.params = d;
    par.trs = gsl_multifit_nlinear_trs_lm;
    w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, d->n, np);
    if (!w)
        return GSL_ENOMEM;
    status = gsl_multifit_nlinear_init(&pv.vector, &fdf, w);
    if (status == GSL_SUCCESS)
        status = gsl_multifit_nlinear_driver(500, 1e-10, 1e-10, 0.0, NULL, NULL, &info, w);
    for (size_t i = 0; i < np; i++)
        p[i] = gsl_vector_get(w->x, i);
    gsl_multifit_nlinear_free(w);
    return status == GSL_ENOPROG ? GSL_SUCCESS : status;
}

int
gk_dexp_fit(const double *c, size_t n, size_t stride, double dt, const struct gk_dexp *guess,
            struct gk_dexp *fit, struct core_err *err)
{
    struct fit_data d = {c, n, stride, 0.0, (double)(n - 1)};
    double p0[4];
    int status;
    double a1, t1, a2, t2;

    if (n < 5)
        return core_err_set(err, CORE_EINPUT, "a double-exponential fit needs 5 points, got %zu",
                            n);
    if (!(c[0] > 0.0) || !isfinite(c[0]) || !(dt > 0.0))
        return core_err_set(err, CORE_EINPUT, "a double-exponential fit needs C(0) > 0, got %g",
                            c[0]);
    gsl_set_error_handler_off();
    d.scale = 1.0 / c[0];
    if (guess) {
        t1 = guess->tau1 / dt;
        t2 = guess->tau2 / dt;
        p0[0] = guess->a1 * d.scale;
        p0[2] = guess->a2 * d.scale;
    } else {
        /* the 1/e time splits into a fast part and a slow part */
        size_t me = 1;
        while (me < n && c[me * stride] > c[0] / M_E)
            me++;
        t1 = 0.5 * (double)me;
        t2 = 2.0 * (double)me;
        p0[0] = 0.7;
        p0[2] = 0.3;
    }
    /* inside the window: u = ln(tau / (win - tau)) */
    if (!(t1 > 0.0) || !(t2 > 0.0))
        return core_err_set(err, CORE_EINPUT, "double-exponential fit: bad initial guess");
    t1 = fmin(t1, 0.9 * d.win);
    t2 = fmin(t2, 0.95 * d.win);
    p0[1] = log(t1 / (d.win - t1));
    p0[3] = log(t2 / (d.win - t2));
    for (int i = 0; i < 4; i++)
        if (!isfinite(p0[i]))
            return core_err_set(err, CORE_EINPUT, "double-exponential fit: bad initial guess");

    status = solve(&d, p0, 4);
    if (status == GSL_EMAXITER) {
        /* the two exponentials do not separate: one exponential, from the slower guess */
        p0[0] += p0[2];
        p0[1] = p0[3];
        status = solve(&d, p0, 2);
        p0[2] = 0.0;
        p0[3] = p0[1];
    }
    if (status == GSL_ENOMEM)
        return core_err_set(err, CORE_ENOMEM, "out of memory (fit of %zu points)", n);
    if (status != GSL_SUCCESS)
        return core_err_set(err, CORE_ENOCONV, "double-exponential fit: %s", gsl_strerror(status));
    a1 = p0[0] / d.scale;
    t1 = tau_of(p0[1], d.win) * dt;
    a2 = p0[2] / d.scale;
    t2 = tau_of(p0[3], d.win) * dt;
    if (!isfinite(a1) || !isfinite(a2) || !isfinite(t1) || !isfinite(t2) || !(t1 > 0.0) ||
        !(t2 > 0.0))
        return core_err_set(err, CORE_ENOCONV, "double-exponential fit: no finite solution");
    if (t1 <= t2)
        *fit = (struct gk_dexp){a1, t1, a2, t2};
    else
        *fit = (struct gk_dexp){a2, t2, a1, t1};
    return CORE_OK;
}
