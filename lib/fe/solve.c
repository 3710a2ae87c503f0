/*
 * fe linear solvers: CHOLMOD or conjugate gradients with the AMG preconditioner, behind one
 * front (fe_impl.h). Which is used is fe_solve_opts.solver; FE_SOLVER_AUTO takes PCG + AMG,
 * which was faster than CHOLMOD at 1e5 and 1e6 unknowns and needs a third of the memory
 * (measurements in fe.h and fe-solve(1)).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fe_impl.h"

struct fe_linsolve {
    const struct fe_csr *a;
    enum fe_solver kind;
    struct fe_direct *direct;
    struct fe_amg *amg;
    double rtol;
    size_t maxiter;
    double *work; /* fe_pcg's four vectors */
};

const char *
fe_solver_name(enum fe_solver s)
{
    switch (s) {
    case FE_SOLVER_CHOLMOD:
        return "cholmod";
    case FE_SOLVER_PCG:
        return "pcg";
    default:
        return "auto";
    }
}

void
fe_linsolve_free(struct fe_linsolve *s)
{
    if (!s)
        return;
    fe_direct_free(s->direct);
    fe_amg_free(s->amg);
    free(s->work);
    free(s);
}

int
fe_linsolve_setup(struct fe_linsolve **out, const struct fe_csr *a, const struct fe_solve_opts *o,
                  struct fe_solve_stats *st, struct core_err *err)
{
    struct fe_linsolve *s = calloc(1, sizeof *s);
    double t0 = fe_wtime();
    int rc;
    *out = NULL;
    if (!s)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    s->a = a;
    s->rtol = o->rtol;
    s->maxiter = o->maxiter;
    s->kind = o->solver;
    if (s->kind == FE_SOLVER_AUTO)
        s->kind = FE_SOLVER_PCG;
    if (s->kind == FE_SOLVER_CHOLMOD) {
        rc = fe_direct_setup(&s->direct, a, err);
    } else {
        s->work = malloc((4 * a->n + 1) * sizeof *s->work);
        if (!s->work)
            rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        else
            rc = fe_amg_setup(&s->amg, a, err);
        st->levels = s->amg ? fe_amg_levels(s->amg) : 0;
    }
    if (rc) {
        fe_linsolve_free(s);
        return rc;
    }
    st->solver = s->kind;
    st->t_setup += fe_wtime() - t0;
    *out = s;
    return CORE_OK;
}

double
fe_dot(const double *x, const double *y, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i] * y[i];
    return s;
}

int
fe_pcg(const struct fe_csr *a, struct fe_amg *amg, const double *b, double bscale, double rtol,
       size_t maxiter, double *work, const char *what, double *x, struct fe_solve_stats *st,
       struct core_err *err)
{
    size_t n = a->n;
    double *r = work, *z = work + n, *p = work + 2 * n, *q = work + 3 * n, rz, tol, rn;
    tol = rtol * fmax(bscale, sqrt(fe_dot(b, b, n)));
    memset(x, 0, n * sizeof *x);
    memcpy(r, b, n * sizeof *r);
    rn = sqrt(fe_dot(r, r, n));
    st->iters = 0;
    st->resid = tol > 0 ? rn / (tol / rtol) : 0;
    if (rn <= tol || tol == 0)
        return CORE_OK;
    fe_amg_apply(amg, r, z);
    memcpy(p, z, n * sizeof *p);
    rz = fe_dot(r, z, n);
    for (size_t it = 1; it <= maxiter; it++) {
        double alpha, beta, rz1, pq;
        fe_csr_mv(a, p, q);
        pq = fe_dot(p, q, n);
        if (pq == 0) /* p vanished: the residual is at round-off and still above rtol */
            return core_err_set(err, CORE_ENOCONV,
                                "conjugate gradients stagnated after %zu iterations at residual "
                                "%.3g > %.3g",
                                it - 1, st->resid, rtol);
        if (!(pq > 0))
            return core_err_set(err, CORE_EPHYS,
                                "conjugate gradients broke down (%s not positive definite)", what);
        alpha = rz / pq;
        for (size_t i = 0; i < n; i++) {
            x[i] += alpha * p[i];
            r[i] -= alpha * q[i];
        }
        rn = sqrt(fe_dot(r, r, n));
        st->iters = it;
        st->resid = rn / (tol / rtol);
        if (rn <= tol)
            return CORE_OK;
        fe_amg_apply(amg, r, z);
        rz1 = fe_dot(r, z, n);
        beta = rz1 / rz;
        rz = rz1;
        for (size_t i = 0; i < n; i++)
            p[i] = z[i] + beta * p[i];
    }
    return core_err_set(err, CORE_ENOCONV,
                        "conjugate gradients not converged after %zu iterations "
                        "(residual %.3g > %.3g)",
                        maxiter, st->resid, rtol);
}

int
fe_linsolve_solve(struct fe_linsolve *s, const double *b, double bscale, double *x,
                  struct fe_solve_stats *st, struct core_err *err)
{
    double t0 = fe_wtime();
    int rc;
    if (s->a->n == 0) {
        st->iters = 0;
        st->resid = 0;
        return CORE_OK;
    }
    if (s->kind == FE_SOLVER_CHOLMOD) {
        rc = fe_direct_solve(s->direct, b, x, err);
        st->iters = 0;
        if (!rc) {
            /* residual, for the record */
            double *r = malloc(s->a->n * sizeof *r), rn = 0, bn = 0;
            if (r) {
                fe_csr_mv(s->a, x, r);
                for (size_t i = 0; i < s->a->n; i++) {
                    rn += (b[i] - r[i]) * (b[i] - r[i]);
                    bn += b[i] * b[i];
                }
                free(r);
                st->resid = sqrt(rn) / fmax(bscale, sqrt(bn));
            }
        }
    } else {
        rc = fe_pcg(s->a, s->amg, b, bscale, s->rtol, s->maxiter, s->work, "matrix", x, st, err);
    }
    st->t_solve += fe_wtime() - t0;
    return rc;
}

void
fe_stats_add(struct fe_solve_stats *to, const struct fe_solve_stats *from)
{
    size_t npinned = to->npinned;
    double ta = to->t_assemble, ts = to->t_setup, tv = to->t_solve;
    *to = *from;
    to->npinned += npinned;
    to->t_assemble += ta;
    to->t_setup += ts;
    to->t_solve += tv;
}
