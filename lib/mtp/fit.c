/*
 * Fitting a moment tensor potential: MLIP's loss, an exact solve of the linear coefficients and
 * Levenberg-Marquardt over all coefficients (see mtp.h).
 *
 * Method. The neighbour list of every configuration is built once (mtp_calc, cell lists) and
 * kept for the whole fit (struct clist): the positions never change, only the coefficients, so
 * every later evaluation is mtp_site_eval (the loss) or mtp_jac_calc (the Jacobian) on it.
 *
 * With the radial coefficients fixed, every label is linear in x = [species_coeffs |
 * moment_coeffs]: E = sum_s n_s x_s + sum_k x_{C+k} sum_i B_k(i), and likewise the forces and
 * the virial. The design matrix is the linear block of mtp_jac_calc (radial columns skipped);
 * the weighted normal equations (A^T D A) x = A^T D y are accumulated per thread (BLAS dsyrk,
 * dgemv), equilibrated to unit diagonal and solved by Cholesky (LAPACKE dposv).
 *
 * The optimiser is Levenberg-Marquardt over all parameters: the residuals are few enough
 * (1 + 3N + 9 per configuration) and the parameters few enough (tens to a few hundred) that
 * J^T J is cheap to form per configuration (BLAS dsyrk on the weighted rows) and to factor, and
 * a Gauss-Newton step is worth many quasi-Newton steps on this least-squares loss. J is exact,
 * radial columns included (mtp_jac_calc: forward mode through the moments and contractions, one
 * pass per configuration; lib/mtp/jac.c has the derivation). It replaced forward differences
 * (one evaluation per radial coefficient): on MLIP's Tersoff set (300 configurations, 5660
 * atoms, one core) level 10 went from about 1.2 s to 0.25 s CPU per iteration. The linear
 * coefficients are re-solved exactly every linear_every iterations and at the end (the loss
 * never increases).
 *
 * Early stopping (mtp_fit_run_holdout): the held-out configurations get their own neighbour
 * lists; their loss is evaluated after the initial linear solve and after each iteration, the
 * coefficients of the best iterate are kept (coeffs_copy), and the loop ends patience iterations
 * after it. The validation force error of this fit is not monotone in the iterations (on MLIP's
 * Tersoff set at level 10 it is lowest near 130 and rises once the fit has converged), so the
 * iteration count is a regulariser, and this chooses it from the training data alone.
 * mtp_fit_split draws the held-out part with core_rng (a partial Fisher-Yates shuffle). Only the
 * held-out configurations inside the coverage of the fitted ones judge (inside_coverage), as in
 * the cross-validation below: where the fit extrapolates, a configuration's error follows no
 * trend in the iterations (on MLIP's Tersoff set a held-out tenth holds one or two such
 * configurations at seeds 4 and 8 of 1-8; in the folds of --cv they made most of the loss).
 *
 * Cross-validation (mtp_fit_run_cv): one Levenberg-Marquardt fit is a struct lm stepped by
 * lm_step, so K fits (one per fold, each without its fold) advance side by side and the held-out
 * loss of the whole set under the fits that did not see it is known after every iteration; the
 * count with the lowest is then run on the whole set from the same start. A single held-out
 * tenth judged by 30 configurations whose force errors are heavy-tailed (on MLIP's Tersoff set one
 * configuration holds 36-50 % of the validation squared force error) picks counts that do not
 * carry over; every configuration judged once does. A damping floor (o->damping) makes the path
 * smooth: with full Gauss-Newton steps the held-out loss at level 10 jumps by 50 % between
 * neighbouring iterations, and the count that is best for the folds is not for the whole set.
 *
 * Multi-start (mtp_fit_run_starts): the fit from several initial radial coefficients (start 0
 * the default f_mu = Q_mu, the others MLIP's random distribution, keyed by seed and start through
 * core_rng), each early-stopped on the same held-out part; the start with the lowest held-out
 * loss is kept. The starts run one after another, each threaded over configurations (as one fit
 * is), so a multi-start fit gives the same bits on any thread count. What else MLIP-2 does
 * (mtpr_trainer.cpp, read for the facts) and why it is not here: it rescales the radial basis
 * (Rescale: the scaling among x1.2 steps that minimises rms/median of the linear coefficients)
 * before and after a 75-iteration BFGS "pre-training" and at the end, which conditions its BFGS;
 * Levenberg-Marquardt with damping lambda diag(A) and the equilibrated linear solve are invariant
 * under that scaling. Its linear solve has a ridge of 1e-10 max(1, G_ii), as negligible as ours.
 *
 * Determinism: sums over configurations run in configuration order from per-configuration
 * results (the loss), or from per-configuration slots of a batch of configurations formed side by
 * side (the normal equations), so they do not depend on the thread count; each configuration is
 * one thread's, with BLAS called serially inside the parallel regions.
 */
#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtp.h"

/* Memory for the slots of normal equations formed side by side (normal_sum), and their most. */
#define FIT_BATCH_BYTES ((size_t)32 << 20)
#define FIT_BATCH_MAX   64

void
mtp_fit_opts_default(struct mtp_fit_opts *o)
{
    o->wenergy = 1;
    o->wforce = 0.01;
    o->wstress = 0.001;
    o->scale = MTP_FIT_VIBRATIONS;
    o->maxiter = 100;
    o->linear_every = 10;
    o->tol = 1e-6;
    o->patience = 20;
    o->damping = 1e-12;
    o->force_scale = 0;
    o->ridge = 0;
    o->judge_all = 0;
    o->ckpt = NULL;
}

/* Weights of the energy, each force component and each virial component of a configuration. */
static void
conf_weights(const struct mtp_fit_opts *o, size_t natoms, double *ce, double *cf, double *cs)
{
    double n = (double)natoms;
    switch (o->scale) {
    case MTP_FIT_MOLECULES:
        *ce = o->wenergy, *cf = o->wforce, *cs = o->wstress;
        break;
    case MTP_FIT_STRUCTURES:
        *ce = o->wenergy / (n * n), *cf = o->wforce / n, *cs = o->wstress / (n * n);
        break;
    default:
        *ce = o->wenergy / n, *cf = o->wforce, *cs = o->wstress / n;
        break;
    }
}

/* The factor of atom a's force weight under force_scale (1 when it is off). */
static double
force_factor(const struct mtp_fit_opts *o, const double *f_label)
{
    if (!(o->force_scale > 0))
        return 1;
    double f2 = f_label[0] * f_label[0] + f_label[1] * f_label[1] + f_label[2] * f_label[2];
    return o->force_scale / (f2 + o->force_scale);
}

/* Where mtp_fit_predict wants the model's energies and forces (off: each configuration's first
 * force component); NULL elsewhere. */
struct model_out {
    double *energy, *forces;
    const size_t *off;
};

/* What one configuration contributes to the loss and the error report. */
struct conf_res {
    double loss;
    double de;                /* dE / N */
    double e;                 /* |dE| / N */
    double fmax, fsum, fsum2; /* over atoms of |dF_i| */
    double s;                 /* |dW|_F */
};

/*
 * A configuration's neighbour list, built once by mtp_calc and kept for every evaluation of a
 * fit (the coefficients change, the positions do not): loss evaluations run mtp_site_eval on it
 * and the Jacobian mtp_jac_calc.
 */
struct clist {
    size_t natoms, npairs;
    size_t *start, *nbr;
    int *jtype;
    double *rij;
};

/* Per-thread workspaces and scratch, and the neighbour lists of the set. */
struct fctx {
    int nth;
    struct mtp_work **w;
    struct mtp_jac **jw;
    double **buf; /* nth scratch arrays of bufsz doubles */
    size_t bufsz;
    size_t nconf;
    struct clist *cl; /* nconf */
    size_t nmax, pmax;
};

static void
clist_release(struct clist *l)
{
    free(l->start), free(l->nbr), free(l->jtype), free(l->rij);
    memset(l, 0, sizeof *l);
}

/* Copies the neighbour list of w's last mtp_calc on atoms of types type. */
static int
clist_set(struct clist *l, const struct mtp_work *w, const int *type, struct core_err *err)
{
    struct mtp_nbrs v;
    mtp_work_nbrs(w, &v);
    l->start = malloc((v.natoms + 1) * sizeof *l->start);
    l->nbr = malloc((v.npairs ? v.npairs : 1) * sizeof *l->nbr);
    l->jtype = malloc((v.npairs ? v.npairs : 1) * sizeof *l->jtype);
    l->rij = malloc((v.npairs ? 3 * v.npairs : 1) * sizeof *l->rij);
    if (!l->start || !l->nbr || !l->jtype || !l->rij) {
        clist_release(l);
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory for a neighbour list");
    }
    l->natoms = v.natoms, l->npairs = v.npairs;
    memcpy(l->start, v.start, (v.natoms + 1) * sizeof *l->start);
    memcpy(l->nbr, v.nbr, v.npairs * sizeof *l->nbr);
    memcpy(l->rij, v.rij, 3 * v.npairs * sizeof *l->rij);
    for (size_t p = 0; p < v.npairs; p++)
        l->jtype[p] = type[v.nbr[p]];
    return CORE_OK;
}

static void
clist_view(const struct clist *l, struct mtp_nbrs *v)
{
    memset(v, 0, sizeof *v);
    v->natoms = l->natoms, v->npairs = l->npairs;
    v->start = l->start, v->nbr = l->nbr, v->rij = l->rij;
}

/*
 * Energy m[0], forces m[1 .. 3N] and virial m[1+3N .. 9+3N] of pot on a kept list, as mtp_calc
 * assembles them (F_i += D_p, F_j -= D_p, W -= D_p (x) r_p for each pair p = (i -> j), D_p =
 * dU_i/dr_ij); u (N) and dudr (3 npairs) scratch.
 */
static int
clist_calc(const struct mtp_pot *pot, struct mtp_work *w, const struct clist *l, const int *type,
           double *u, double *dudr, double *m, struct core_err *err)
{
    size_t N = l->natoms;
    int rc = mtp_site_eval(pot, w, N, type, l->start, l->jtype, l->rij, u, dudr, err);
    if (rc)
        return rc;
    double e = 0, *F = m + 1, *W = m + 1 + 3 * N;
    memset(m, 0, (1 + 3 * N + 9) * sizeof *m);
    for (size_t i = 0; i < N; i++) {
        e += u[i];
        for (size_t p = l->start[i]; p < l->start[i + 1]; p++) {
            const double *D = dudr + 3 * p, *r = l->rij + 3 * p;
            size_t j = l->nbr[p];
            for (int k = 0; k < 3; k++) {
                F[3 * i + k] += D[k];
                F[3 * j + k] -= D[k];
                for (int q = 0; q < 3; q++)
                    W[3 * k + q] -= D[k] * r[q];
            }
        }
    }
    m[0] = e;
    return CORE_OK;
}

static void
fctx_free(struct fctx *c)
{
    for (int t = 0; t < c->nth; t++) {
        if (c->w)
            mtp_work_free(c->w[t]);
        if (c->jw)
            mtp_jac_free(c->jw[t]);
        if (c->buf)
            free(c->buf[t]);
    }
    for (size_t i = 0; c->cl && i < c->nconf; i++)
        clist_release(&c->cl[i]);
    free(c->w), free(c->jw), free(c->buf), free(c->cl);
    memset(c, 0, sizeof *c);
}

/* Reports the error of configuration i (from 1) once, from any thread. */
static void
conf_fail(int *status, struct core_err *err, size_t i, int rc, const struct core_err *e)
{
#pragma omp critical(mtp_fit_err)
    if (!*status) {
        core_err_set(err, rc, "configuration %zu: %s", i + 1, e->msg);
#pragma omp atomic write
        *status = rc;
    }
}

/*
 * Per-thread workspaces and scratch, and the neighbour lists of the nconf configurations (built
 * in parallel by mtp_calc: its errors, `configuration N: what`).
 */
static int
fctx_alloc(struct fctx *c, const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
           struct core_err *err)
{
    memset(c, 0, sizeof *c);
    c->nth = omp_get_max_threads();
    if (c->nth < 1)
        c->nth = 1;
    c->w = calloc((size_t)c->nth, sizeof *c->w);
    c->jw = calloc((size_t)c->nth, sizeof *c->jw);
    c->buf = calloc((size_t)c->nth, sizeof *c->buf);
    c->cl = calloc(nconf ? nconf : 1, sizeof *c->cl);
    c->nconf = nconf;
    if (!c->w || !c->jw || !c->buf || !c->cl) {
        fctx_free(c);
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    }
    for (int t = 0; t < c->nth; t++) {
        int rc = mtp_work_alloc(pot, &c->w[t], err);
        if (!rc)
            rc = mtp_jac_alloc(pot, &c->jw[t], err);
        if (rc) {
            fctx_free(c);
            return rc;
        }
    }
    int status = CORE_OK;
#pragma omp parallel for schedule(dynamic) num_threads(c->nth)
    for (size_t i = 0; i < nconf; i++) {
        int t = omp_get_thread_num(), st;
        struct core_err e = {0};
        const struct mtp_fit_conf *f = &conf[i];
#pragma omp atomic read
        st = status;
        if (st)
            continue;
        int rc = mtp_calc(pot, c->w[t], f->natoms, f->type, f->pos, f->cell, f->pbc, NULL, NULL,
                          NULL, &e);
        if (!rc)
            rc = clist_set(&c->cl[i], c->w[t], f->type, &e);
        if (rc)
            conf_fail(&status, err, i, rc, &e);
    }
    if (status) {
        fctx_free(c);
        return status;
    }
    for (size_t i = 0; i < nconf; i++) {
        if (c->cl[i].natoms > c->nmax)
            c->nmax = c->cl[i].natoms;
        if (c->cl[i].npairs > c->pmax)
            c->pmax = c->cl[i].npairs;
    }
    size_t nrow = 1 + 3 * c->nmax + 9, np = mtp_pot_nparams(pot);
    size_t jac = nrow * np + 3 * nrow, ev = c->nmax + 3 * c->pmax + nrow;
    c->bufsz = jac > ev ? jac : ev;
    for (int t = 0; t < c->nth; t++)
        if (!(c->buf[t] = malloc(c->bufsz * sizeof(double)))) {
            fctx_free(c);
            return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
        }
    return CORE_OK;
}

/* Evaluates pot on configuration i (its kept list) and compares with its labels. */
static int
conf_eval(const struct mtp_pot *pot, struct fctx *fc, int t, size_t i, const struct mtp_fit_conf *c,
          const struct mtp_fit_opts *o, struct conf_res *r, const struct model_out *model,
          struct core_err *err)
{
    const struct clist *l = &fc->cl[i];
    double *u = fc->buf[t], *dudr = u + fc->nmax, *m = dudr + 3 * fc->pmax;
    double ce, cf, cs;
    int rc = clist_calc(pot, fc->w[t], l, c->type, u, dudr, m, err);
    if (rc)
        return rc;
    if (model) { /* mtp_fit_predict's copy of the model's energy and forces */
        model->energy[i] = m[0];
        memcpy(model->forces + model->off[i], m + 1, 3 * c->natoms * sizeof *model->forces);
    }
    const double e = m[0], *F = m + 1, *wv = m + 1 + 3 * c->natoms;
    conf_weights(o, c->natoms, &ce, &cf, &cs);
    memset(r, 0, sizeof *r);
    if (c->has_energy) {
        double d = e - c->energy;
        r->loss += ce * d * d;
        r->de = d / (double)c->natoms;
        r->e = fabs(r->de);
    }
    if (c->forces) {
        double sum = 0, wsum = 0;
        for (size_t a = 0; a < c->natoms; a++) {
            double d2 = 0;
            for (int k = 0; k < 3; k++) {
                double d = F[3 * a + k] - c->forces[3 * a + k];
                d2 += d * d;
            }
            double x = sqrt(d2);
            sum += d2;
            wsum += force_factor(o, c->forces + 3 * a) * d2;
            r->fsum += x;
            if (x > r->fmax)
                r->fmax = x;
        }
        r->fsum2 = sum;
        r->loss += cf * wsum;
    }
    if (c->has_virial) {
        double d2 = 0;
        for (int k = 0; k < 9; k++)
            d2 += (wv[k] - c->virial[k]) * (wv[k] - c->virial[k]);
        r->s = sqrt(d2);
        r->loss += cs * d2;
    }
    return CORE_OK;
}

/* Evaluates every configuration in parallel into res[nconf]. */
static int
eval_all(struct fctx *c, const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
         const struct mtp_fit_opts *o, struct conf_res *res, const struct model_out *model,
         struct core_err *err)
{
    int status = CORE_OK;
#pragma omp parallel for schedule(dynamic) num_threads(c->nth)
    for (size_t i = 0; i < nconf; i++) {
        int t = omp_get_thread_num(), st;
        struct core_err e = {0};
#pragma omp atomic read
        st = status;
        if (st)
            continue;
        int rc = conf_eval(pot, c, t, i, &conf[i], o, &res[i], model, &e);
        if (rc)
            conf_fail(&status, err, i, rc, &e);
    }
    return status;
}

static int
stats_ctx(struct fctx *c, const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
          const struct mtp_fit_opts *o, struct mtp_fit_stats *st, struct core_err *err)
{
    struct conf_res *res = calloc(nconf ? nconf : 1, sizeof *res);
    if (!res)
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    int rc = eval_all(c, pot, conf, nconf, o, res, NULL, err);
    if (rc) {
        free(res);
        return rc;
    }
    memset(st, 0, sizeof *st);
    double e2 = 0, et2 = 0, f2 = 0, s2 = 0, p2 = 0, loss = 0;
    double fl2 = 0, flmax = 0, sl2 = 0, slmax = 0, pl2 = 0, plmax = 0; /* of the labels */
    for (size_t i = 0; i < nconf; i++) {
        const struct conf_res *r = &res[i];
        const struct mtp_fit_conf *ci = &conf[i];
        double n = (double)ci->natoms;
        loss += r->loss;
        if (ci->has_energy) {
            st->nenergy++;
            st->e_mae += r->e;
            e2 += r->e * r->e;
            st->e_max = fmax(st->e_max, r->e);
            st->et_mae += r->e * n;
            et2 += r->e * n * r->e * n;
            st->et_max = fmax(st->et_max, r->e * n);
        }
        if (ci->forces) {
            st->nforce += ci->natoms;
            st->f_mae += r->fsum;
            f2 += r->fsum2;
            st->f_max = fmax(st->f_max, r->fmax);
            for (size_t a = 0; a < 3 * ci->natoms; a += 3) {
                const double *f = ci->forces + a;
                double fa2 = f[0] * f[0] + f[1] * f[1] + f[2] * f[2];
                fl2 += fa2, flmax = fmax(flmax, sqrt(fa2));
            }
        }
        if (ci->has_virial) {
            double w2 = 0;
            for (int k = 0; k < 9; k++)
                w2 += ci->virial[k] * ci->virial[k];
            st->nvirial++;
            st->s_mae += r->s;
            s2 += r->s * r->s;
            st->s_max = fmax(st->s_max, r->s);
            sl2 += w2, slmax = fmax(slmax, sqrt(w2));
            double vol = ci->cell ? fabs(core_cell_volume(ci->cell)) : 0;
            if (vol > 0) { /* MLIP's "Stresses (in GPa)": the virial over the volume */
                double gpa = UNITS_EVA3_GPA / vol, dp = r->s * gpa;
                st->npressure++;
                st->p_mae += dp;
                p2 += dp * dp;
                st->p_max = fmax(st->p_max, dp);
                pl2 += w2 * gpa * gpa, plmax = fmax(plmax, sqrt(w2) * gpa);
            }
        }
    }
    free(res);
    if (st->nenergy) {
        double ne = (double)st->nenergy;
        st->e_mae /= ne, st->e_rms = sqrt(e2 / ne);
        st->et_mae /= ne, st->et_rms = sqrt(et2 / ne);
    }
    if (st->nforce) { /* MLIP divides by the number of components */
        st->f_mae /= 3.0 * (double)st->nforce, st->f_rms = sqrt(f2 / (3.0 * (double)st->nforce));
        st->f_rel_max = flmax > 0 ? st->f_max / flmax : 0;
        st->f_rel_rms = fl2 > 0 ? sqrt(f2 / fl2) : 0;
    }
    if (st->nvirial) {
        st->s_mae /= 9.0 * (double)st->nvirial, st->s_rms = sqrt(s2 / (9.0 * (double)st->nvirial));
        st->s_rel_max = slmax > 0 ? st->s_max / slmax : 0;
        st->s_rel_rms = sl2 > 0 ? sqrt(s2 / sl2) : 0;
    }
    if (st->npressure) {
        double np = 9.0 * (double)st->npressure;
        st->p_mae /= np, st->p_rms = sqrt(p2 / np);
        st->p_rel_max = plmax > 0 ? st->p_max / plmax : 0;
        st->p_rel_rms = pl2 > 0 ? sqrt(p2 / pl2) : 0;
    }
    st->loss = loss / (double)(nconf ? nconf : 1);
    if (!isfinite(st->loss))
        return core_err_set(err, CORE_EPHYS, "the loss is not finite (%g)", st->loss);
    return CORE_OK;
}

int
mtp_fit_stats(const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
              const struct mtp_fit_opts *o, struct mtp_fit_stats *st, struct core_err *err)
{
    struct fctx c;
    int rc = fctx_alloc(&c, pot, conf, nconf, err);
    if (rc)
        return rc;
    rc = stats_ctx(&c, pot, conf, nconf, o, st, err);
    fctx_free(&c);
    return rc;
}

int
mtp_fit_predict(const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                double *energy, double *forces, struct core_err *err)
{
    struct fctx c;
    struct mtp_fit_opts o;
    size_t *off = malloc((nconf + 1) * sizeof *off);
    struct conf_res *res = calloc(nconf ? nconf : 1, sizeof *res);
    int rc = CORE_OK;
    mtp_fit_opts_default(&o);
    if (!off || !res)
        rc = core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    for (size_t i = 0; !rc && i <= nconf; i++)
        off[i] = i ? off[i - 1] + 3 * conf[i - 1].natoms : 0;
    if (!rc && !(rc = fctx_alloc(&c, pot, conf, nconf, err))) {
        struct model_out model = {energy, forces, off};
        rc = eval_all(&c, pot, conf, nconf, &o, res, &model, err);
        fctx_free(&c);
    }
    free(off), free(res);
    return rc;
}

int
mtp_fit_conf_errors(const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                    const struct mtp_fit_opts *o, struct mtp_fit_conf_err *ce, struct core_err *err)
{
    struct fctx c;
    struct conf_res *res = calloc(nconf ? nconf : 1, sizeof *res);
    if (!res)
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    int rc = fctx_alloc(&c, pot, conf, nconf, err);
    if (!rc) {
        rc = eval_all(&c, pot, conf, nconf, o, res, NULL, err);
        fctx_free(&c);
    }
    for (size_t i = 0; !rc && i < nconf; i++) {
        const struct conf_res *r = &res[i];
        double n = (double)conf[i].natoms;
        ce[i] = (struct mtp_fit_conf_err){
            .de = conf[i].has_energy ? r->de : 0,
            .f_rms = conf[i].forces && n > 0 ? sqrt(r->fsum2 / (3 * n)) : 0,
            .f_max = conf[i].forces ? r->fmax : 0,
            .f_sq = conf[i].forces ? r->fsum2 : 0,
            .s_rms = conf[i].has_virial ? r->s / 3 : 0,
            .loss = r->loss};
    }
    free(res);
    return rc;
}

/* mtp_fit_pair_dmin with a workspace of the caller's; messages number the configurations from
 * first + 1. */
static int
pair_dmin_work(const struct mtp_pot *pot, struct mtp_work *w, const struct mtp_fit_conf *conf,
               size_t nconf, size_t first, double *dmin, size_t *where, struct core_err *err)
{
    size_t C = pot->nspecies;
    for (size_t k = 0; k < C * C; k++)
        dmin[k] = INFINITY, where[k] = SIZE_MAX;
    for (size_t i = 0; i < nconf; i++) {
        const struct mtp_fit_conf *c = &conf[i];
        struct core_err e = {0};
        int rc =
            mtp_calc(pot, w, c->natoms, c->type, c->pos, c->cell, c->pbc, NULL, NULL, NULL, &e);
        if (rc)
            return core_err_set(err, rc, "configuration %zu: %s", first + i + 1, e.msg);
        struct mtp_nbrs v;
        mtp_work_nbrs(w, &v);
        for (size_t a = 0; a < v.natoms; a++)
            for (size_t p = v.start[a]; p < v.start[a + 1]; p++) {
                const double *r = v.rij + 3 * p;
                double d = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
                size_t ta = (size_t)c->type[a], tb = (size_t)c->type[v.nbr[p]];
                if (d < dmin[ta * C + tb]) {
                    dmin[ta * C + tb] = dmin[tb * C + ta] = d;
                    where[ta * C + tb] = where[tb * C + ta] = i;
                }
            }
    }
    return CORE_OK;
}

int
mtp_fit_pair_dmin(const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                  double *dmin, size_t *where, struct core_err *err)
{
    struct mtp_work *w = NULL;
    int rc = mtp_work_alloc(pot, &w, err);
    if (!rc)
        rc = pair_dmin_work(pot, w, conf, nconf, 0, dmin, where, err);
    mtp_work_free(w);
    return rc;
}

int
mtp_fit_extrapolation(const struct mtp_pot *pot, const struct mtp_fit_conf *train, size_t ntrain,
                      const struct mtp_fit_conf *set, size_t nset, struct mtp_fit_extrap *ex,
                      double *dmin_ratio, double *dmin, struct core_err *err)
{
    size_t C2 = pot->nspecies * pot->nspecies;
    double *dt = malloc(2 * C2 * sizeof *dt), *dv = dt ? dt + C2 : NULL;
    size_t *w = malloc(C2 * sizeof *w);
    struct mtp_work *work = NULL; /* one workspace for every configuration of set */
    int rc = CORE_OK;
    if (!dt || !w)
        rc = core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    if (!rc)
        rc = mtp_work_alloc(pot, &work, err);
    if (!rc)
        rc = pair_dmin_work(pot, work, train, ntrain, 0, dt, w, err);
    for (size_t k = 0; k < C2 && !rc; k++)
        ex[k] = (struct mtp_fit_extrap){.dmin = INFINITY, .dmin_train = dt[k]};
    for (size_t i = 0; i < nset && !rc; i++) {
        if ((rc = pair_dmin_work(pot, work, &set[i], 1, i, dv, w, err)))
            break;
        double lowest = INFINITY, closest = pot->rcut;
        for (size_t k = 0; k < C2; k++) {
            closest = fmin(closest, dv[k]);
            if (dv[k] < dt[k]) {
                ex[k].count++;
                ex[k].below += dv[k] < pot->rmin;
                if (dv[k] < ex[k].dmin)
                    ex[k].dmin = dv[k], ex[k].worst = i;
            }
            /* pairs are found within rcut only: a pair absent counts as at rcut, so the ratio
               stays finite and is below 1 exactly where dv < dt */
            double r = fmin(dv[k], pot->rcut) / fmin(dt[k], pot->rcut);
            lowest = fmin(lowest, r);
        }
        if (dmin_ratio)
            dmin_ratio[i] = lowest;
        if (dmin)
            dmin[i] = closest;
    }
    mtp_work_free(work);
    free(dt), free(w);
    return rc;
}

int
mtp_fit_check(const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
              const struct mtp_fit_opts *o, double *dmin, struct core_err *err)
{
    int rc = mtp_pot_check(pot, err);
    if (rc)
        return rc;
    *dmin = pot->rcut;
    if (nconf == 0)
        return core_err_set(err, CORE_EINPUT, "no configurations");
    size_t imin = 0;
    for (size_t i = 0; i < nconf && !rc; i++) {
        const struct mtp_fit_conf *c = &conf[i];
        if (c->natoms == 0) {
            rc = core_err_set(err, CORE_EINPUT, "configuration %zu: no atoms", i + 1);
            break;
        }
        for (size_t a = 0; a < c->natoms; a++)
            if (c->type[a] < 0 || (size_t)c->type[a] >= pot->nspecies) {
                rc = core_err_set(err, CORE_EINPUT,
                                  "configuration %zu: atom %zu has type %d, the potential has "
                                  "%zu species",
                                  i + 1, a + 1, c->type[a], pot->nspecies);
                break;
            }
        if (rc)
            break;
        if (!c->has_energy && o->wenergy > 0)
            rc = core_err_set(err, CORE_EINPUT, "configuration %zu: no energy label", i + 1);
        else if (!c->forces && o->wforce > 0)
            rc = core_err_set(err, CORE_EINPUT, "configuration %zu: no force labels", i + 1);
        else if (c->has_energy && !isfinite(c->energy))
            rc = core_err_set(err, CORE_EINPUT, "configuration %zu: energy is not finite", i + 1);
        for (size_t k = 0; !rc && c->forces && k < 3 * c->natoms; k++)
            if (!isfinite(c->forces[k]))
                rc = core_err_set(err, CORE_EINPUT,
                                  "configuration %zu: atom %zu: force is not "
                                  "finite",
                                  i + 1, k / 3 + 1);
        for (int k = 0; !rc && c->has_virial && k < 9; k++)
            if (!isfinite(c->virial[k]))
                rc = core_err_set(err, CORE_EINPUT, "configuration %zu: virial is not finite",
                                  i + 1);
    }
    size_t C2 = pot->nspecies * pot->nspecies;
    double *pd = rc ? NULL : malloc(C2 * sizeof *pd);
    size_t *pw = rc ? NULL : malloc(C2 * sizeof *pw);
    if (!rc && (!pd || !pw))
        rc = core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    if (!rc && !(rc = mtp_fit_pair_dmin(pot, conf, nconf, pd, pw, err)))
        for (size_t k = 0; k < C2; k++)
            if (pd[k] < *dmin)
                *dmin = pd[k], imin = pw[k];
    free(pd), free(pw);
    if (rc)
        return rc;
    if (*dmin >= pot->rcut)
        return core_err_set(err, CORE_EINPUT,
                            "no two atoms closer than rcut %g Angstrom in any configuration: "
                            "every scalar is zero",
                            pot->rcut);
    if (*dmin < pot->rmin)
        return core_err_set(err, CORE_EINPUT,
                            "rmin %g Angstrom exceeds the smallest interatomic distance %.6g "
                            "Angstrom (configuration %zu): lower rmin",
                            pot->rmin, *dmin, imin + 1);
    return CORE_OK;
}

/*
 * Weights sqrt(w_row / nconf) of the rows of a configuration (energy, 3N forces, 9 virial; zero
 * for absent labels) into wr and the labels into y.
 */
static void
conf_rows(const struct mtp_fit_conf *c, size_t nconf, const struct mtp_fit_opts *o, double *wr,
          double *y)
{
    size_t N = c->natoms, nrow = 1 + 3 * N + 9;
    double ce, cf, cs;
    conf_weights(o, N, &ce, &cf, &cs);
    for (size_t row = 0; row < nrow; row++) {
        double w = row == 0 ? (c->has_energy ? ce : 0)
                   : row <= 3 * N
                       ? (c->forces ? cf * force_factor(o, c->forces + 3 * ((row - 1) / 3)) : 0)
                       : (c->has_virial ? cs : 0);
        wr[row] = sqrt(w / (double)nconf);
        y[row] = w == 0         ? 0
                 : row == 0     ? c->energy
                 : row <= 3 * N ? c->forces[row - 1]
                                : c->virial[row - 1 - 3 * N];
    }
}

/*
 * The weighted normal equations of the linear coefficients of one configuration into G (n x n,
 * upper; overwritten) and b: the labels are linear in [species | moment] coefficients with the
 * columns of mtp_jac_calc (radial columns skipped), so G = Jl^T W Jl, b = Jl^T W y.
 */
static int
conf_normal(const struct mtp_pot *pot, struct fctx *fc, int t, size_t i,
            const struct mtp_fit_conf *c, size_t nconf, const struct mtp_fit_opts *o, double *G,
            double *b, struct core_err *err)
{
    size_t N = c->natoms, nrow = 1 + 3 * N + 9, np = mtp_pot_nparams(pot);
    size_t n = pot->nspecies + pot->nscalar, nr = np - n;
    double *J = fc->buf[t], *val = J + nrow * np, *wr = val + nrow, *y = wr + nrow;
    struct mtp_nbrs nl;
    clist_view(&fc->cl[i], &nl);
    int rc = mtp_jac_calc(pot, fc->jw[t], c->type, &nl, 0, val, J, err);
    if (rc)
        return rc;
    conf_rows(c, nconf, o, wr, y);
    for (size_t row = 0; row < nrow; row++) {
        double *jr = J + row * np + nr;
        for (size_t k = 0; k < n; k++)
            jr[k] *= wr[row];
        y[row] *= wr[row];
    }
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)n, (int)nrow, 1.0, J + nr, (int)np, 0.0,
                G, (int)n);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)nrow, (int)n, 1.0, J + nr, (int)np, y, 1, 0.0, b,
                1);
    return CORE_OK;
}

/*
 * LAPACKE_dposv (upper, row-major, one right-hand side) run by one thread inside an active
 * parallel region, where a threaded BLAS (OpenBLAS) works serially: the same operations, so the
 * same bits, for every thread count.
 */
static lapack_int
posv_serial(size_t n, double *M, double *x)
{
    lapack_int info = 0;
#pragma omp parallel num_threads(2)
#pragma omp single
    info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)n, 1, M, (lapack_int)n, x, 1);
    return info;
}

static int conf_jac(const struct mtp_pot *pot, struct fctx *fc, int t, size_t i,
                    const struct mtp_fit_conf *c, size_t nconf, const struct mtp_fit_opts *o,
                    double *A, double *g, double *l, struct core_err *err);

/*
 * Sums the normal equations of the configurations into out (sz doubles, zeroed here): those of
 * the linear coefficients (all 0: conf_normal, [G n x n | b n]) or of all coefficients (all 1:
 * conf_jac, [A np x np | g np | loss]). Configurations are taken a batch at a time (as many as
 * FIT_BATCH_BYTES hold, at most FIT_BATCH_MAX: a function of the basis alone), each into
 * its own slot (threads over the batch), and the slots are added in configuration order, so the
 * sums are the same for every thread count.
 */
static int
normal_sum(struct fctx *c, const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
           const struct mtp_fit_opts *o, int all, double *out, size_t sz, struct core_err *err)
{
    size_t np = mtp_pot_nparams(pot), n = pot->nspecies + pot->nscalar;
    size_t batch = FIT_BATCH_BYTES / (sz * sizeof(double));
    batch = batch < 1 ? 1 : batch > FIT_BATCH_MAX ? FIT_BATCH_MAX : batch;
    double *slot = calloc(batch * sz, sizeof *slot); /* lower triangles stay 0 */
    if (!slot)
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    memset(out, 0, sz * sizeof *out);
    int status = CORE_OK;
    for (size_t b0 = 0; b0 < nconf && !status; b0 += batch) {
        size_t nb = nconf - b0 < batch ? nconf - b0 : batch;
#pragma omp parallel num_threads(c->nth)
        {
            int t = omp_get_thread_num();
#pragma omp for schedule(dynamic)
            for (size_t q = 0; q < nb; q++) {
                struct core_err e = {0};
                size_t i = b0 + q;
                double *S = slot + q * sz;
                int st, rc;
#pragma omp atomic read
                st = status;
                if (st)
                    continue;
                if (all)
                    rc = conf_jac(pot, c, t, i, &conf[i], nconf, o, S, S + np * np,
                                  S + np * np + np, &e);
                else
                    rc = conf_normal(pot, c, t, i, &conf[i], nconf, o, S, S + n * n, &e);
                if (rc)
                    conf_fail(&status, err, i, rc, &e);
            }
#pragma omp for schedule(static)
            for (size_t k = 0; k < sz; k++) {
                double acc = out[k];
                for (size_t q = 0; q < nb; q++)
                    acc += slot[q * sz + k];
                out[k] = acc;
            }
        }
    }
    free(slot);
    return status;
}

/*
 * The exact linear solve (mtp_fit_linear). pen (pot->nscalar, NULL when o->ridge is 0): the
 * penalty's weights d_k; with pen_set they are taken from this solve's G first.
 */
static int
linear_ctx(struct fctx *c, struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
           const struct mtp_fit_opts *o, double *pen, int pen_set, struct core_err *err)
{
    size_t n = pot->nspecies + pot->nscalar;
    double *Gt = malloc((n * n + n) * sizeof *Gt);
    if (!Gt)
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    int status = normal_sum(c, pot, conf, nconf, o, 0, Gt, n * n + n, err);
    if (status) {
        free(Gt);
        return status;
    }
    double *G = Gt, *b = Gt + n * n;
    for (size_t k = 0; pen && k < pot->nscalar; k++) {
        size_t i = pot->nspecies + k;
        if (pen_set)
            pen[k] = G[i * n + i];
        G[i * n + i] += o->ridge * pen[k];
    }
    /* equilibrate: unit diagonal, a relative ridge of 1e-12; a zero column (a species absent
     * from the set) gets coefficient 0 */
    double *D = malloc(n * sizeof *D);
    if (!D) {
        free(Gt);
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    }
    for (size_t i = 0; i < n; i++)
        D[i] = G[i * n + i] > 0 ? 1 / sqrt(G[i * n + i]) : 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i; j < n; j++)
            G[i * n + j] *= D[i] * D[j];
        G[i * n + i] = 1 + 1e-12;
        b[i] *= D[i];
    }
    lapack_int info = posv_serial(n, G, b);
    for (size_t i = 0; i < n; i++)
        b[i] *= D[i];
    free(D);
    if (info != 0) {
        free(Gt);
        return core_err_set(err, CORE_EPHYS,
                            "linear least squares: normal equations not positive definite "
                            "(LAPACK dposv info %d)",
                            (int)info);
    }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(b[i])) {
            free(Gt);
            return core_err_set(err, CORE_EPHYS, "linear least squares: non-finite coefficient %zu",
                                i + 1);
        }
    memcpy(pot->species_coeffs, b, pot->nspecies * sizeof(double));
    memcpy(pot->moment_coeffs, b + pot->nspecies, pot->nscalar * sizeof(double));
    pot->has_linear = 1;
    free(Gt);
    return CORE_OK;
}

int
mtp_fit_linear(struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
               const struct mtp_fit_opts *o, struct core_err *err)
{
    struct fctx c;
    double *pen = NULL;
    if (o->ridge > 0 && !(pen = malloc(pot->nscalar * sizeof *pen)))
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    int rc = fctx_alloc(&c, pot, conf, nconf, err);
    if (!rc) {
        rc = linear_ctx(&c, pot, conf, nconf, o, pen, 1, err);
        fctx_free(&c);
    }
    free(pen);
    return rc;
}

/* Copies the coefficients (not the basis) of src into dst, which has the same basis. */
static void
coeffs_copy(struct mtp_pot *dst, const struct mtp_pot *src)
{
    size_t nr = src->nspecies * src->nspecies * src->nrad * src->nrb;
    memcpy(dst->radial, src->radial, nr * sizeof(double));
    memcpy(dst->species_coeffs, src->species_coeffs, src->nspecies * sizeof(double));
    memcpy(dst->moment_coeffs, src->moment_coeffs, src->nscalar * sizeof(double));
    dst->scaling = src->scaling, dst->rmin = src->rmin, dst->rcut = src->rcut;
    dst->has_radial = src->has_radial, dst->has_linear = src->has_linear;
}

static int
loss_ctx(struct fctx *c, const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
         const struct mtp_fit_opts *o, double *loss, struct core_err *err)
{
    struct conf_res *res = calloc(nconf ? nconf : 1, sizeof *res);
    if (!res)
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    int rc = eval_all(c, pot, conf, nconf, o, res, NULL, err);
    double l = 0;
    for (size_t i = 0; !rc && i < nconf; i++)
        l += res[i].loss;
    free(res);
    *loss = l / (double)(nconf ? nconf : 1);
    return rc;
}

/*
 * Radial coefficients of start number start (mtp.h): start 0 f_mu = Q_mu (MLIP's default
 * pattern scaled by 1e3); start >= 1 MLIP's random initialisation (mtpr_trainer.cpp, Train:
 * 5e-7 U(-1, 1) everywhere, then 1e-7 (1 + U(-1, 1)) at b = min(mu, nrb-1)) scaled by 1e7. Then
 * scaling such that sum_j (rcut - r_ij)^2 scaling is 1 on average over the atoms of the set.
 * MLIP also rescales (Rescale: the scaling that minimises rms/median of the linear coefficients,
 * for its BFGS); Levenberg-Marquardt with damping lambda diag(A) and the equilibrated linear
 * solve do not depend on the scaling, so that step has nothing to do here.
 */
int
mtp_fit_radial_init(struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                    uint64_t seed, int start, struct core_err *err)
{
    size_t C = pot->nspecies;
    struct core_rng rng;
    core_rng_init(&rng, seed, 0x696e6974 /* "init" */, (uint64_t)(start > 0 ? start : 0), 0);
    for (size_t pr = 0; pr < C * C; pr++)
        for (size_t mu = 0; mu < pot->nrad; mu++) {
            double *c = pot->radial + (pr * pot->nrad + mu) * pot->nrb;
            size_t bd = mu < pot->nrb - 1 ? mu : pot->nrb - 1;
            for (size_t b = 0; b < pot->nrb; b++)
                c[b] = start > 0 ? 5 * (2 * core_rng_uniform(&rng) - 1) : b == bd ? 1 : 1e-3;
            if (start > 0)
                c[bd] = 2 * core_rng_uniform(&rng);
        }
    struct mtp_work *w = NULL;
    int rc = mtp_work_alloc(pot, &w, err);
    if (rc)
        return rc;
    double sq = 0;
    size_t nat = 0;
    for (size_t i = 0; i < nconf && !rc; i++) {
        const struct mtp_fit_conf *c = &conf[i];
        rc = mtp_calc(pot, w, c->natoms, c->type, c->pos, c->cell, c->pbc, NULL, NULL, NULL, err);
        if (rc)
            break;
        struct mtp_nbrs v;
        mtp_work_nbrs(w, &v);
        for (size_t p = 0; p < v.npairs; p++) {
            const double *r = v.rij + 3 * p;
            double d = pot->rcut - sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
            sq += d * d;
        }
        nat += c->natoms;
    }
    mtp_work_free(w);
    if (rc)
        return rc;
    pot->scaling = sq > 0 ? (double)nat / sq : 1;
    pot->has_radial = 1;
    return CORE_OK;
}

/*
 * One configuration's weighted residuals r (rows: energy, 3N forces, 9 virial; zero weight for
 * absent labels) and Jacobian J (rows x np, parameters [radial | species | moment], exact:
 * mtp_jac_calc) into A = J^T J (upper triangle, BLAS dsyrk; overwritten) and g = J^T r;
 * *l = r.r.
 */
static int
conf_jac(const struct mtp_pot *pot, struct fctx *fc, int t, size_t i, const struct mtp_fit_conf *c,
         size_t nconf, const struct mtp_fit_opts *o, double *A, double *g, double *l,
         struct core_err *err)
{
    size_t N = c->natoms, nrow = 1 + 3 * N + 9, np = mtp_pot_nparams(pot);
    double *J = fc->buf[t], *val = J + nrow * np, *wr = val + nrow, *y = wr + nrow;
    struct mtp_nbrs nl;
    clist_view(&fc->cl[i], &nl);
    int rc = mtp_jac_calc(pot, fc->jw[t], c->type, &nl, 1, val, J, err);
    if (rc)
        return rc;
    conf_rows(c, nconf, o, wr, y);
    *l = 0;
    for (size_t row = 0; row < nrow; row++) {
        double *jr = J + row * np, w = wr[row];
        val[row] = w * (val[row] - y[row]); /* the residual */
        *l += val[row] * val[row];
        for (size_t k = 0; k < np; k++)
            jr[k] *= w;
    }
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)np, (int)nrow, 1.0, J, (int)np, 0.0, A,
                (int)np);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)nrow, (int)np, 1.0, J, (int)np, val, 1, 0.0, g, 1);
    return CORE_OK;
}

static int
normal_ctx(struct fctx *c, const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
           const struct mtp_fit_opts *o, double *A, double *g, double *loss, struct core_err *err)
{
    size_t np = mtp_pot_nparams(pot), sz = np * np + np + 1;
    double *Gt = malloc(sz * sizeof *Gt);
    if (!Gt)
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    int status = normal_sum(c, pot, conf, nconf, o, 1, Gt, sz, err);
    if (!status) {
        memcpy(A, Gt, np * np * sizeof *A);
        memcpy(g, Gt + np * np, np * sizeof *g);
        *loss = Gt[np * np + np];
    }
    free(Gt);
    return status;
}

int
mtp_fit_normal(const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
               const struct mtp_fit_opts *o, double *A, double *grad, double *loss,
               struct core_err *err)
{
    struct fctx c;
    size_t np = mtp_pot_nparams(pot);
    int rc = fctx_alloc(&c, pot, conf, nconf, err);
    if (rc)
        return rc;
    rc = normal_ctx(&c, pot, conf, nconf, o, A, grad, loss, err);
    for (size_t i = 0; !rc && i < np; i++)
        grad[i] *= 2;
    fctx_free(&c);
    return rc;
}

/* Adds the step x = [radial | species | moment] to the coefficients of src, into dst. */
static void
coeffs_step(struct mtp_pot *dst, const struct mtp_pot *src, const double *x)
{
    size_t nr = src->nspecies * src->nspecies * src->nrad * src->nrb;
    coeffs_copy(dst, src);
    for (size_t i = 0; i < nr; i++)
        dst->radial[i] += x[i];
    for (size_t i = 0; i < src->nspecies; i++)
        dst->species_coeffs[i] += x[nr + i];
    for (size_t i = 0; i < src->nscalar; i++)
        dst->moment_coeffs[i] += x[nr + src->nspecies + i];
}

int
mtp_fit_split(size_t nconf, double frac, uint64_t seed, size_t *idx, size_t *nhold,
              struct core_err *err)
{
    *nhold = 0;
    if (!(frac >= 0 && frac <= 0.5))
        return core_err_set(err, CORE_EINPUT, "hold-out fraction %g is not in [0, 0.5]", frac);
    size_t nh = (size_t)floor(frac * (double)nconf + 0.5);
    if (frac > 0 && nh == 0)
        nh = 1;
    if (nh >= nconf && nconf > 0 && frac > 0)
        return core_err_set(err, CORE_EINPUT,
                            "holding out %zu of %zu configurations leaves none to fit", nh, nconf);
    if (nconf == 0)
        return core_err_set(err, CORE_EINPUT, "no configurations");
    size_t *perm = malloc(nconf * sizeof *perm);
    unsigned char *held = calloc(nconf, 1);
    if (!perm || !held) {
        free(perm), free(held);
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    }
    struct core_rng rng;
    core_rng_init(&rng, seed, 0x686f6c64 /* "hold" */, 0, 0);
    for (size_t i = 0; i < nconf; i++)
        perm[i] = i;
    for (size_t i = 0; i < nh; i++) { /* partial Fisher-Yates: perm[0 .. nh) is the sample */
        size_t j = i + (size_t)(core_rng_uniform(&rng) * (double)(nconf - i));
        if (j >= nconf)
            j = nconf - 1;
        size_t t = perm[i];
        perm[i] = perm[j], perm[j] = t;
        held[perm[i]] = 1;
    }
    size_t a = 0, b = nconf - nh;
    for (size_t i = 0; i < nconf; i++)
        idx[held[i] ? b++ : a++] = i;
    free(perm), free(held);
    *nhold = nh;
    return CORE_OK;
}

/*
 * One Levenberg-Marquardt fit in progress (lm_init, lm_step, lm_free): mtp_fit_run_holdout steps
 * one, mtp_fit_run_cv one per fold side by side. pot is the caller's, the iterate.
 */
struct lm {
    struct fctx c;
    struct mtp_pot *pot, trial;
    const struct mtp_fit_conf *conf;
    size_t nconf, np;
    const struct mtp_fit_opts *o;
    double *mem, *A, *M, *g, *x; /* J^T J and its damped copy (np^2 each), gradient, step */
    double *pen;                 /* the ridge's weights d_k (nscalar; NULL without o->ridge) */
    double loss, lambda;         /* loss: with the ridge's penalty */
};

/* The ridge's penalty rho sum_k d_k xi_k^2 at pot (0 without one). */
static double
lm_penalty(const struct lm *s, const struct mtp_pot *pot)
{
    double p = 0;
    for (size_t k = 0; s->pen && k < pot->nscalar; k++)
        p += s->pen[k] * pot->moment_coeffs[k] * pot->moment_coeffs[k];
    return s->o->ridge * p;
}

/* The objective at pot: the loss on the fit's set plus the ridge's penalty. */
static int
lm_loss(struct lm *s, const struct mtp_pot *pot, double *loss, struct core_err *err)
{
    int rc = loss_ctx(&s->c, pot, s->conf, s->nconf, s->o, loss, err);
    if (!rc && s->pen)
        *loss += lm_penalty(s, pot);
    return rc;
}

static void
lm_free(struct lm *s)
{
    free(s->mem);
    free(s->pen);
    mtp_pot_release(&s->trial);
    fctx_free(&s->c);
    memset(s, 0, sizeof *s);
}

/* The neighbour lists of the set, the initial exact linear solve and its loss. */
static int
lm_init(struct lm *s, struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
        const struct mtp_fit_opts *o, struct core_err *err)
{
    memset(s, 0, sizeof *s);
    mtp_pot_init(&s->trial);
    s->pot = pot, s->conf = conf, s->nconf = nconf, s->o = o;
    s->np = mtp_pot_nparams(pot);
    s->lambda = fmax(1e-3, o->damping);
    int rc = fctx_alloc(&s->c, pot, conf, nconf, err);
    if (rc)
        return rc;
    size_t np = s->np;
    if (!(s->mem = calloc(2 * np * np + 2 * np, sizeof *s->mem))) {
        lm_free(s);
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    }
    s->A = s->mem, s->M = s->A + np * np, s->g = s->M + np * np, s->x = s->g + np;
    if (o->ridge > 0 && !(s->pen = malloc(pot->nscalar * sizeof *s->pen))) {
        lm_free(s);
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    }
    if ((rc = mtp_pot_copy(&s->trial, pot, err)) ||
        (rc = linear_ctx(&s->c, pot, conf, nconf, o, s->pen, 1, err)) ||
        (rc = lm_loss(s, pot, &s->loss, err))) {
        lm_free(s);
        return rc;
    }
    if (!isfinite(s->loss)) {
        lm_free(s);
        return core_err_set(err, CORE_EPHYS, "the initial loss is not finite");
    }
    return CORE_OK;
}

/*
 * Iteration iter (from 1): the least damping lambda diag(A) (from lambda / 4 of the last step,
 * at least o->damping) whose Gauss-Newton step lowers the loss, then the exact linear solve when
 * iter is a multiple of linear_every. *moved = 0 when no damping lowers the loss (converged;
 * the iterate unchanged), *dec the relative decrease of the loss.
 */
static int
lm_step(struct lm *s, int iter, int *moved, double *dec, struct core_err *err)
{
    size_t np = s->np;
    double l0, lt = s->loss;
    int rc = normal_ctx(&s->c, s->pot, s->conf, s->nconf, s->o, s->A, s->g, &l0, err);
    if (rc)
        return rc;
    for (size_t k = 0, off = np - s->pot->nscalar; s->pen && k < s->pot->nscalar; k++) {
        double rd = s->o->ridge * s->pen[k]; /* half the penalty's curvature and gradient */
        s->A[(off + k) * np + off + k] += rd;
        s->g[off + k] += rd * s->pot->moment_coeffs[k];
    }
    int ok = 0;
    for (int tries = 0; tries < 30 && !ok; tries++, s->lambda *= 4) {
        memcpy(s->M, s->A, np * np * sizeof *s->M);
        for (size_t i = 0; i < np; i++) {
            s->M[i * np + i] += s->lambda * s->A[i * np + i] + 1e-12 * s->A[i * np + i] + DBL_MIN;
            s->x[i] = -s->g[i];
        }
        if (posv_serial(np, s->M, s->x))
            continue;
        coeffs_step(&s->trial, s->pot, s->x);
        if ((rc = lm_loss(s, &s->trial, &lt, err)))
            return rc;
        if (isfinite(lt) && lt < s->loss)
            ok = 1;
    }
    *moved = ok, *dec = 0;
    if (!ok)
        return CORE_OK;
    s->lambda = fmax(s->lambda / 16, s->o->damping); /* undo the last *4, then relax */
    coeffs_copy(s->pot, &s->trial);
    *dec = (s->loss - lt) / s->loss;
    s->loss = lt;
    if (iter % s->o->linear_every == 0) {
        if ((rc = linear_ctx(&s->c, &s->trial, s->conf, s->nconf, s->o, s->pen, 0, err)) ||
            (rc = lm_loss(s, &s->trial, &lt, err)))
            return rc;
        if (isfinite(lt) && lt <= s->loss)
            coeffs_copy(s->pot, &s->trial), s->loss = lt;
    }
    return CORE_OK;
}

/* The coefficients of p as one vector, in mtp_fit_normal's order, and back. */
static void
coeffs_get(const struct mtp_pot *p, double *x)
{
    size_t nr = p->nspecies * p->nspecies * p->nrad * p->nrb;
    memcpy(x, p->radial, nr * sizeof *x);
    memcpy(x + nr, p->species_coeffs, p->nspecies * sizeof *x);
    memcpy(x + nr + p->nspecies, p->moment_coeffs, p->nscalar * sizeof *x);
}

static void
coeffs_put(struct mtp_pot *p, const double *x)
{
    size_t nr = p->nspecies * p->nspecies * p->nrad * p->nrb;
    memcpy(p->radial, x, nr * sizeof *x);
    memcpy(p->species_coeffs, x + nr, p->nspecies * sizeof *x);
    memcpy(p->moment_coeffs, x + nr + p->nspecies, p->nscalar * sizeof *x);
}

/* Whether a checkpoint is due after iteration iter (last: the last the loop allows). */
static int
ckpt_due(const struct mtp_fit_opts *o, int iter, int last)
{
    return o->ckpt && o->ckpt->save && o->ckpt->every > 0 &&
           (iter % o->ckpt->every == 0 || iter == last);
}

/* Hands the state of fits f[0 .. n) after iteration iter of phase to o->ckpt->save. */
static int
ckpt_save(const struct mtp_fit_opts *o, int phase, int iter, struct lm *const *f, size_t n,
          const double *hl, const int *running, const struct mtp_pot *best,
          const struct mtp_fit_result *res, struct core_err *err)
{
    size_t np = f[0]->np;
    struct mtp_fit_lm_state *ls = calloc(n, sizeof *ls);
    double *mem = malloc((n + 1) * np * sizeof *mem);
    if (!ls || !mem) {
        free(ls), free(mem);
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        ls[k].coeffs = mem + k * np;
        coeffs_get(f[k]->pot, ls[k].coeffs);
        ls[k].lambda = f[k]->lambda, ls[k].loss = f[k]->loss;
        ls[k].hold_loss = hl ? hl[k] : NAN, ls[k].running = running ? running[k] : 1;
    }
    struct mtp_fit_state st = {.phase = phase,
                               .iter = iter,
                               .nparams = np,
                               .nfits = n,
                               .scaling = f[0]->pot->scaling,
                               .fit = ls,
                               .best = best ? mem + n * np : NULL,
                               .res = *res};
    if (best)
        coeffs_get(best, st.best);
    int rc = o->ckpt->save(o->ckpt->ctx, &st, err);
    free(ls), free(mem);
    return rc;
}

/* Checks the resume state r against a fit of nfits fits of phase on pot. */
static int
ckpt_check(const struct mtp_fit_state *r, int phase, size_t nfits, int need_best,
           const struct mtp_pot *pot, struct core_err *err)
{
    size_t np = mtp_pot_nparams(pot);
    if (r->phase != phase || r->nfits != nfits || r->nparams != np || !r->best != !need_best ||
        r->iter < 0)
        return core_err_set(err, CORE_EINPUT,
                            "the checkpoint holds %zu fit%s of %zu coefficients (phase %d%s), "
                            "this fit has %zu of %zu (phase %d%s)",
                            r->nfits, r->nfits == 1 ? "" : "s", r->nparams, r->phase,
                            r->best ? ", held-out best" : "", nfits, np, phase,
                            need_best ? ", held-out best" : "");
    if (r->scaling != pot->scaling)
        return core_err_set(err, CORE_EINPUT,
                            "the checkpoint's radial scaling %.17g is not this fit's %.17g: "
                            "another training set or potential",
                            r->scaling, pot->scaling);
    return CORE_OK;
}

/* Puts a fit back where its checkpoint record left it. */
static void
lm_resume(struct lm *s, const struct mtp_fit_lm_state *ls)
{
    coeffs_put(s->pot, ls->coeffs);
    s->lambda = ls->lambda, s->loss = ls->loss;
}

int
mtp_fit_run(struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
            const struct mtp_fit_opts *o, mtp_fit_progress_fn progress, void *ctx,
            struct core_err *err)
{
    return mtp_fit_run_holdout(pot, conf, nconf, NULL, 0, o, progress, ctx, NULL, err);
}

/*
 * in[i] = 1 where hold[i] lies inside the coverage of fit[nfit] (mtp_fit_extrapolation's
 * dmin_ratio >= 1: no pair closer than fit holds of that species pair), 0 where it does not.
 * Where the fit would extrapolate its error is chance, and a few such configurations would
 * decide an early stop or a cross-validated count.
 */
static int
covered(const struct mtp_pot *pot, const struct mtp_fit_conf *fit, size_t nfit,
        const struct mtp_fit_conf *hold, size_t nhold, unsigned char *in, struct core_err *err)
{
    size_t C = pot->nspecies;
    struct mtp_fit_extrap *ex = malloc(C * C * sizeof *ex);
    double *ratio = malloc((nhold ? nhold : 1) * sizeof *ratio);
    int rc = ex && ratio ? CORE_OK : core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    if (!rc && !(rc = mtp_fit_extrapolation(pot, fit, nfit, hold, nhold, ex, ratio, NULL, err)))
        for (size_t i = 0; i < nhold; i++)
            in[i] = ratio[i] >= 1;
    free(ex), free(ratio);
    return rc;
}

/* Copies into out, in order, the configurations of hold[nhold] that covered finds inside; *n:
 * how many. out may be hold itself. */
static int
inside_coverage(const struct mtp_pot *pot, const struct mtp_fit_conf *fit, size_t nfit,
                const struct mtp_fit_conf *hold, size_t nhold, struct mtp_fit_conf *out, size_t *n,
                struct core_err *err)
{
    unsigned char *in = malloc(nhold ? nhold : 1);
    int rc = in ? covered(pot, fit, nfit, hold, nhold, in, err)
                : core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    size_t m = 0;
    for (size_t i = 0; !rc && i < nhold; i++)
        if (in[i])
            out[m++] = hold[i];
    *n = m;
    free(in);
    return rc;
}

/* The held-out loss of pot into *l; when it is the best so far, keeps pot's coefficients. */
static int
hold_track(struct fctx *hc, const struct mtp_pot *pot, const struct mtp_fit_conf *hold,
           size_t nhold, const struct mtp_fit_opts *o, int iter, double loss, struct mtp_pot *best,
           struct mtp_fit_result *res, double *hl, struct core_err *err)
{
    double l;
    int rc = loss_ctx(hc, pot, hold, nhold, o, &l, err);
    *hl = l;
    if (rc)
        return rc;
    if (!isfinite(l))
        return core_err_set(err, CORE_EPHYS, "held-out set: the loss is not finite (%g)", l);
    if (iter == 0 || l < res->best_loss) {
        res->best_loss = l, res->best_iter = iter, res->loss = loss;
        coeffs_copy(best, pot);
    }
    return CORE_OK;
}

/* The checks common to the runs: options, and every set against pot (`what: ` before errors). */
static int
run_check(const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
          const struct mtp_fit_conf *hold, size_t nhold, const struct mtp_fit_opts *o,
          int need_patience, struct core_err *err)
{
    double dmin;
    if (need_patience && o->patience < 1)
        return core_err_set(err, CORE_EINPUT, "patience %d is not >= 1", o->patience);
    if (!(o->damping >= 0 && o->damping <= 1e6))
        return core_err_set(err, CORE_EINPUT, "damping %g is not in [0, 1e6]", o->damping);
    if (!(o->ridge >= 0 && o->ridge <= 1e6))
        return core_err_set(err, CORE_EINPUT, "ridge %g is not in [0, 1e6]", o->ridge);
    int rc = mtp_fit_check(pot, conf, nconf, o, &dmin, err);
    if (rc)
        return rc;
    if (nhold && (rc = mtp_fit_check(pot, hold, nhold, o, &dmin, err)))
        return core_err_prefix(err, "held-out set");
    return CORE_OK;
}

/* The error of a held-out set none of whose nhold configurations lies inside the coverage. */
static int
none_inside(size_t nhold, struct core_err *err)
{
    return core_err_set(err, CORE_EINPUT,
                        "no held-out configuration (of %zu) lies inside the coverage of the fitted "
                        "ones (each holds a pair closer than they do): nothing to judge the stop "
                        "by; count them all (--holdout-all) or hold out more",
                        nhold);
}

int
mtp_fit_split_cover(const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                    size_t *idx, size_t *nhold, size_t *moved, struct core_err *err)
{
    size_t nh = *nhold, nfit = nconf - nh;
    *moved = 0;
    if (!nh)
        return CORE_OK;
    struct mtp_fit_conf *v = malloc(nconf * sizeof *v);
    unsigned char *held = calloc(nconf, 1), *in = malloc(nh);
    int rc = v && held && in ? CORE_OK : core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    for (size_t i = 0; !rc && i < nconf; i++)
        v[i] = conf[idx[i]];
    if (!rc)
        rc = covered(pot, v, nfit, v + nfit, nh, in, err);
    size_t m = 0;
    for (size_t i = 0; !rc && i < nh; i++)
        held[idx[nfit + i]] = in[i], m += !in[i];
    if (!rc && m == nh)
        rc = none_inside(nh, err);
    if (!rc && m) { /* both parts ascending again, as mtp_fit_split leaves them */
        size_t a = 0, b = nconf - (nh - m);
        for (size_t i = 0; i < nconf; i++)
            idx[held[i] ? b++ : a++] = i;
        *nhold = nh - m, *moved = m;
    }
    free(v), free(held), free(in);
    return rc;
}

int
mtp_fit_run_holdout(struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                    const struct mtp_fit_conf *hold, size_t nhold, const struct mtp_fit_opts *o,
                    mtp_fit_progress_fn progress, void *ctx, struct mtp_fit_result *res,
                    struct core_err *err)
{
    struct mtp_fit_result rdummy;
    if (!res)
        res = &rdummy;
    memset(res, 0, sizeof *res);
    if (!hold)
        nhold = 0;
    int rc = run_check(pot, conf, nconf, hold, nhold, o, nhold > 0, err);
    if (rc)
        return rc;
    if (!pot->has_radial && (rc = mtp_fit_radial_init(pot, conf, nconf, 0, 0, err)))
        return rc;
    /* the held-out configurations that judge: those inside conf's coverage, unless all */
    struct mtp_fit_conf *judged = NULL;
    size_t njudged = nhold;
    if (nhold && !o->judge_all) {
        if (!(judged = malloc(nhold * sizeof *judged)))
            return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
        if ((rc = inside_coverage(pot, conf, nconf, hold, nhold, judged, &njudged, err)) ||
            (!njudged && (rc = none_inside(nhold, err)))) {
            free(judged);
            return rc;
        }
        hold = judged, nhold = njudged;
    }
    struct lm s;
    struct fctx hc;
    struct mtp_pot best;
    mtp_pot_init(&best);
    memset(&hc, 0, sizeof hc);
    if ((rc = lm_init(&s, pot, conf, nconf, o, err))) {
        free(judged);
        return rc;
    }
    if (nhold &&
        ((rc = fctx_alloc(&hc, pot, hold, nhold, err)) || (rc = mtp_pot_copy(&best, pot, err))))
        goto out;
    res->judged = nhold;
    res->loss = s.loss;
    double hl = NAN;
    if (nhold && (rc = hold_track(&hc, pot, hold, nhold, o, 0, s.loss, &best, res, &hl, err)))
        goto out;
    int iter0 = 1;
    const struct mtp_fit_state *rs = o->ckpt ? o->ckpt->resume : NULL;
    if (rs) {
        if ((rc = ckpt_check(rs, 0, 1, nhold > 0, pot, err)))
            goto out;
        lm_resume(&s, &rs->fit[0]);
        if (nhold)
            coeffs_put(&best, rs->best);
        *res = rs->res, res->judged = nhold;
        iter0 = rs->iter + 1;
    }
    struct lm *sp = &s;
    for (int iter = iter0; iter <= o->maxiter; iter++) {
        int moved;
        double dec;
        if ((rc = lm_step(&s, iter, &moved, &dec, err)))
            goto out;
        if (!moved) /* no step lowers the loss: converged */
            break;
        res->niter = iter;
        if (!nhold)
            res->best_iter = iter, res->loss = s.loss;
        else if ((rc = hold_track(&hc, pot, hold, nhold, o, iter, s.loss, &best, res, &hl, err)))
            goto out;
        if (progress && progress(ctx, iter, s.loss, hl))
            break;
        if (dec < o->tol)
            break;
        if (nhold && iter - res->best_iter >= o->patience) {
            res->stopped = 1;
            break;
        }
        if (ckpt_due(o, iter, o->maxiter) &&
            (rc = ckpt_save(o, 0, iter, &sp, 1, NULL, NULL, nhold ? &best : NULL, res, err)))
            goto out;
    }
    if (nhold) { /* the best held-out iterate, as it was measured */
        coeffs_copy(pot, &best);
        goto out;
    }
    { /* a last exact linear solve */
        double lt;
        coeffs_copy(&s.trial, pot);
        if ((rc = linear_ctx(&s.c, &s.trial, conf, nconf, o, s.pen, 0, err)) ||
            (rc = lm_loss(&s, &s.trial, &lt, err)))
            goto out;
        if (isfinite(lt) && lt <= s.loss)
            coeffs_copy(pot, &s.trial), res->loss = lt;
    }
out:
    lm_free(&s);
    mtp_pot_release(&best);
    if (nhold)
        fctx_free(&hc);
    free(judged);
    return rc;
}

int
mtp_fit_folds(size_t nconf, int nfold, uint64_t seed, int *fold, struct core_err *err)
{
    if (nfold < 2 || (size_t)nfold > nconf)
        return core_err_set(err, CORE_EINPUT, "%d folds of %zu configurations: need 2 to %zu",
                            nfold, nconf, nconf);
    size_t *perm = malloc(nconf * sizeof *perm);
    if (!perm)
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    struct core_rng rng;
    core_rng_init(&rng, seed, 0x666f6c64 /* "fold" */, 0, 0);
    for (size_t i = 0; i < nconf; i++)
        perm[i] = i;
    for (size_t i = 0; i + 1 < nconf; i++) { /* Fisher-Yates */
        size_t j = i + (size_t)(core_rng_uniform(&rng) * (double)(nconf - i));
        if (j >= nconf)
            j = nconf - 1;
        size_t t = perm[i];
        perm[i] = perm[j], perm[j] = t;
    }
    for (size_t i = 0; i < nconf; i++)
        fold[perm[i]] = (int)(i % (size_t)nfold);
    free(perm);
    return CORE_OK;
}

/* The fits of the folds of mtp_fit_run_cv, side by side. */
struct cv_fold {
    struct lm s;
    struct fctx hc;
    struct mtp_pot pot;
    struct mtp_fit_conf *fit, *hold; /* views of the set, file order */
    size_t nfit, nhold;
    double hl;   /* held-out loss of the current iterate */
    int running; /* 0 once no step lowers its loss or it moved by less than tol */
};

/*
 * Keeps in each fold's held-out view only the configurations inside the coverage of the fold's
 * fit part (inside_coverage), in order; *njudged: how many are kept over all folds.
 */
static int
cv_inside(const struct mtp_pot *pot, struct cv_fold *f, int nfold, size_t *njudged,
          struct core_err *err)
{
    *njudged = 0;
    int rc = CORE_OK;
    for (int k = 0; k < nfold && !rc; k++) {
        struct cv_fold *F = &f[k];
        rc = inside_coverage(pot, F->fit, F->nfit, F->hold, F->nhold, F->hold, &F->nhold, err);
        *njudged += F->nhold;
    }
    if (!rc && *njudged == 0)
        rc = core_err_set(err, CORE_EINPUT,
                          "no held-out configuration lies inside its fold's coverage (each has a "
                          "pair closer than the rest of the set holds): nothing to judge the "
                          "count by; count them all (--cv-all) or use more configurations");
    return rc;
}

int
mtp_fit_run_cv(struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf, int nfold,
               uint64_t seed, const struct mtp_fit_opts *o, mtp_fit_progress_fn progress, void *ctx,
               struct mtp_fit_result *res, struct core_err *err)
{
    struct mtp_fit_result rdummy;
    if (!res)
        res = &rdummy;
    memset(res, 0, sizeof *res);
    int rc = run_check(pot, conf, nconf, NULL, 0, o, 1, err);
    if (rc)
        return rc;
    int *fold = malloc((nconf ? nconf : 1) * sizeof *fold);
    struct cv_fold *f = calloc(nfold > 0 ? (size_t)nfold : 1, sizeof *f);
    struct mtp_fit_conf *views =
        malloc((size_t)(nfold > 0 ? nfold : 1) * (nconf ? nconf : 1) * sizeof *views);
    size_t nf = nfold > 0 ? (size_t)nfold : 1;
    struct lm **fs = calloc(nf, sizeof *fs);
    double *fhl = calloc(nf, sizeof *fhl);
    int *frun = calloc(nf, sizeof *frun);
    if (!fold || !f || !views || !fs || !fhl || !frun) {
        free(fold), free(f), free(views), free(fs), free(fhl), free(frun);
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    }
    if ((rc = mtp_fit_folds(nconf, nfold, seed, fold, err)))
        goto out;
    /* every fold and the final fit start from the same coefficients: the paths correspond */
    if (!pot->has_radial && (rc = mtp_fit_radial_init(pot, conf, nconf, 0, 0, err)))
        goto out;
    const struct mtp_fit_state *rs = o->ckpt ? o->ckpt->resume : NULL;
    for (int k = 0; k < nfold; k++) {
        struct cv_fold *F = &f[k];
        mtp_pot_init(&F->pot);
        F->fit = views + (size_t)k * nconf;
        for (size_t i = 0; i < nconf; i++)
            if (fold[i] != k)
                F->fit[F->nfit++] = conf[i];
        F->hold = F->fit + F->nfit;
        for (size_t i = 0; i < nconf; i++)
            if (fold[i] == k)
                F->hold[F->nhold++] = conf[i];
    }
    size_t njudged = nconf;
    if (!o->judge_all && (rc = cv_inside(pot, f, nfold, &njudged, err)))
        goto out;
    res->judged = njudged;
    if (rs && rs->phase == 1)
        goto whole;
    if (rs && (rc = ckpt_check(rs, 0, (size_t)nfold, 0, pot, err)))
        goto out;
    /* iteration 0: the initial linear solves */
    double cv = 0, fl = 0;
    for (int k = 0; k < nfold && !rc; k++) {
        struct cv_fold *F = &f[k];
        F->running = 1;
        if ((rc = mtp_pot_copy(&F->pot, pot, err)) ||
            (rc = lm_init(&F->s, &F->pot, F->fit, F->nfit, o, err)) ||
            (rc = fctx_alloc(&F->hc, pot, F->hold, F->nhold, err)) ||
            (rc = loss_ctx(&F->hc, &F->pot, F->hold, F->nhold, o, &F->hl, err)))
            break;
        if (rs) {
            lm_resume(&F->s, &rs->fit[k]);
            F->hl = rs->fit[k].hold_loss, F->running = rs->fit[k].running;
        }
        cv += F->hl * (double)F->nhold / (double)njudged;
        fs[k] = &F->s;
    }
    if (rc)
        goto fold_fail;
    res->best_loss = cv, res->best_iter = 0;
    int iter0 = 1;
    if (rs)
        *res = rs->res, res->judged = njudged, iter0 = rs->iter + 1;
    for (int iter = iter0; iter <= o->maxiter; iter++) {
        int any = 0;
        cv = 0, fl = 0;
        for (int k = 0; k < nfold; k++) {
            struct cv_fold *F = &f[k];
            if (F->running) {
                int moved;
                double dec;
                if ((rc = lm_step(&F->s, iter, &moved, &dec, err)))
                    goto fold_fail;
                if (moved && (rc = loss_ctx(&F->hc, &F->pot, F->hold, F->nhold, o, &F->hl, err)))
                    goto fold_fail;
                F->running = moved && dec >= o->tol;
                any |= moved;
            }
            if (!isfinite(F->hl)) {
                rc = core_err_set(err, CORE_EPHYS, "fold %d: the held-out loss is not finite (%g)",
                                  k + 1, F->hl);
                goto fold_fail;
            }
            cv += F->hl * (double)F->nhold / (double)njudged;
            fl += F->s.loss / nfold;
        }
        if (!any) /* every fold converged */
            break;
        res->niter = iter;
        if (cv < res->best_loss)
            res->best_loss = cv, res->best_iter = iter;
        if (progress && progress(ctx, iter, fl, cv))
            break;
        if (iter - res->best_iter >= o->patience) {
            res->stopped = 1;
            break;
        }
        if (ckpt_due(o, iter, o->maxiter)) {
            for (int k = 0; k < nfold; k++)
                fhl[k] = f[k].hl, frun[k] = f[k].running;
            if ((rc = ckpt_save(o, 0, iter, fs, (size_t)nfold, fhl, frun, NULL, res, err)))
                goto fold_fail;
        }
    }
fold_fail:
    for (int k = 0; k < nfold; k++) {
        lm_free(&f[k].s);
        fctx_free(&f[k].hc);
        mtp_pot_release(&f[k].pot);
    }
    if (rc) {
        core_err_prefix(err, "cross-validation");
        goto out;
    }
    res->cv_iters = res->niter, res->niter = 0;
whole : { /* all of the set, from the same start, for the chosen number of iterations */
    struct lm s, *sp = &s;
    int witer0 = 1;
    if ((rc = lm_init(&s, pot, conf, nconf, o, err)))
        goto out;
    if (rs && rs->phase == 1) {
        if ((rc = ckpt_check(rs, 1, 1, 0, pot, err))) {
            lm_free(&s);
            goto out;
        }
        lm_resume(&s, &rs->fit[0]);
        *res = rs->res, res->judged = njudged, witer0 = rs->iter + 1;
    }
    for (int iter = witer0; iter <= res->best_iter; iter++) {
        int moved;
        double dec;
        if ((rc = lm_step(&s, iter, &moved, &dec, err)))
            break;
        if (!moved)
            break;
        res->niter = iter;
        if (progress && progress(ctx, iter, s.loss, NAN))
            break;
        if (iter < res->best_iter && ckpt_due(o, iter, -1) &&
            (rc = ckpt_save(o, 1, iter, &sp, 1, NULL, NULL, NULL, res, err)))
            break;
    }
    res->loss = s.loss;
    lm_free(&s);
}
out:
    free(fold), free(f), free(views), free(fs), free(fhl), free(frun);
    return rc;
}

int
mtp_fit_run_starts(struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                   const struct mtp_fit_conf *hold, size_t nhold, int nfold,
                   const struct mtp_fit_opts *o, int nstarts, uint64_t seed,
                   mtp_fit_progress_fn progress, mtp_fit_start_fn start, void *ctx,
                   struct mtp_fit_result *res, int *best, struct core_err *err)
{
    *best = 0;
    if (nstarts < 1)
        return core_err_set(err, CORE_EINPUT, "number of starts %d is not >= 1", nstarts);
    if (nfold > 0 && hold && nhold)
        return core_err_set(err, CORE_EINPUT,
                            "cross-validation and a held-out set: one way to choose the count");
    if (nstarts > 1 && pot->has_radial)
        return core_err_set(err, CORE_EINPUT,
                            "%d starts need a potential without radial coefficients (a new basis)",
                            nstarts);
    if (!hold)
        nhold = 0;
    struct mtp_pot trial, keep;
    mtp_pot_init(&trial);
    mtp_pot_init(&keep);
    int rc = CORE_OK;
    double bl = 0;
    for (int s = 0; s < nstarts && !rc; s++) {
        if (start)
            start(ctx, s, NULL);
        if ((rc = mtp_pot_copy(&trial, pot, err)))
            break;
        /* start 0 is the fits' own default, after their checks of the sets */
        if (s > 0)
            rc = mtp_fit_radial_init(&trial, conf, nconf, seed, s, err);
        if (!rc && nfold > 0)
            rc = mtp_fit_run_cv(&trial, conf, nconf, nfold, seed, o, progress, ctx, &res[s], err);
        else if (!rc)
            rc = mtp_fit_run_holdout(&trial, conf, nconf, hold, nhold, o, progress, ctx, &res[s],
                                     err);
        if (rc) {
            if (nstarts > 1)
                core_err_prefix(err, "start %d", s + 1);
            break;
        }
        if (start)
            start(ctx, s, &res[s]);
        double l = nhold || nfold > 0 ? res[s].best_loss : res[s].loss;
        if (s == 0 || l < bl) {
            bl = l, *best = s;
            if ((rc = mtp_pot_copy(&keep, &trial, err)))
                break;
        }
    }
    if (!rc)
        rc = mtp_pot_copy(pot, &keep, err);
    mtp_pot_release(&trial);
    mtp_pot_release(&keep);
    return rc;
}
