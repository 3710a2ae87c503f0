/*
 * Fitting a moment tensor potential: MLIP's loss, an exact solve of the linear coefficients and
 * Levenberg-Marquardt over all coefficients (see mtp.h).
 *
 * Method. With the radial coefficients fixed, every label is linear in x = [species_coeffs |
 * moment_coeffs]: E = sum_s n_s x_s + sum_k x_{C+k} sum_i B_k(i), and likewise the forces and
 * the virial (derivatives of the same sums). The columns of the design matrix are obtained by
 * linearity, one mtp_calc per scalar with moment_coeffs = e_k and species_coeffs = 0: K
 * evaluations per configuration. This was chosen over per-basis-function derivatives inside the
 * evaluator because lib/mtp's evaluator is verified against MLIP and stays untouched, and
 * because it is cheap where it matters: measured on MLIP's Tersoff set (300 configurations, 5660
 * atoms, level 10, K = 16, one core) a linear solve costs about 0.25 s CPU against about 1 s for
 * one Levenberg-Marquardt iteration (whose Jacobian needs 96 radial columns anyway), and it runs
 * once every linear_every iterations. The weighted normal equations (A^T D A) x = A^T D y are
 * accumulated per thread, equilibrated to unit diagonal and solved by Cholesky (LAPACKE dposv).
 *
 * The optimiser is Levenberg-Marquardt over all parameters: the residuals are few enough
 * (1 + 3N + 9 per configuration) and the parameters few enough (tens to a few hundred) that
 * J^T J is cheap to form per configuration and to factor, and a Gauss-Newton step is worth many
 * quasi-Newton steps on this least-squares loss. The radial columns of J are forward differences,
 * one evaluation of a configuration per radial coefficient of a species pair it contains, on the
 * neighbour list kept from the first evaluation (mtp_site_eval: 25 % less time than mtp_calc
 * per column at level 6); an analytic Jacobian (reverse mode through the contractions and the
 * force term) would make levels 16+ affordable and is the next step. The linear coefficients are
 * re-solved exactly every linear_every iterations and at the end (the loss never increases).
 *
 * Determinism: sums over configurations run in configuration order from per-configuration
 * results; the normal equations are reduced over threads in thread order with a static schedule,
 * so a fit is reproducible for a given thread count.
 */
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "mtp.h"

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
    o->fd_step = 1e-6;
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

static size_t
max_natoms(const struct mtp_fit_conf *conf, size_t nconf)
{
    size_t nmax = 0;
    for (size_t i = 0; i < nconf; i++)
        if (conf[i].natoms > nmax)
            nmax = conf[i].natoms;
    return nmax;
}

/* Scratch doubles conf_normal needs: the design matrix of the largest configuration and forces. */
static size_t
lin_bufsz(const struct mtp_pot *pot, size_t nmax)
{
    return (3 * nmax + 10) * (pot->nspecies + pot->nscalar + 1) + 3 * nmax;
}

/* What one configuration contributes to the loss and the error report. */
struct conf_res {
    double loss;
    double e;                 /* |dE| / N */
    double fmax, fsum, fsum2; /* over atoms of |dF_i| */
    double s;                 /* |dW|_F */
};

/* Per-thread state: a workspace, a copy of the potential, scratch. */
/*
 * A neighbour list kept from one mtp_calc, so that the many evaluations of the same
 * configuration with other coefficients (Jacobian columns) skip the cell lists: mtp_site_eval
 * on it, then forces and virial assembled here (F_i += D_p, F_j -= D_p, W -= D_p (x) r_p for each
 * pair p = (i -> j), D_p = dU_i/dr_ij), as mtp_calc does.
 */
struct nbcache {
    size_t natoms, npairs, cap_atoms, cap_pairs;
    size_t *start, *nbr;
    int *jtype;
    double *rij, *u, *dudr;
};

struct fctx {
    int nth;
    struct mtp_work **w;
    struct mtp_pot *pot; /* nth copies */
    double **buf;        /* nth scratch arrays of bufsz doubles */
    size_t bufsz;
    struct nbcache *nb; /* nth */
};

static void
nbcache_release(struct nbcache *b)
{
    free(b->start), free(b->nbr), free(b->jtype), free(b->rij), free(b->u), free(b->dudr);
    memset(b, 0, sizeof *b);
}

/* Copies the neighbour list of w's last mtp_calc on atoms of types type. */
static int
nbcache_set(struct nbcache *b, const struct mtp_work *w, const int *type, struct core_err *err)
{
    struct mtp_nbrs v;
    mtp_work_nbrs(w, &v);
    if (v.natoms > b->cap_atoms) {
        size_t *st = realloc(b->start, (v.natoms + 1) * sizeof *st);
        double *u = st ? realloc(b->u, v.natoms * sizeof *u) : NULL;
        if (st)
            b->start = st;
        if (u)
            b->u = u;
        if (!st || !u)
            return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
        b->cap_atoms = v.natoms;
    }
    if (v.npairs > b->cap_pairs) {
        size_t *nb = realloc(b->nbr, v.npairs * sizeof *nb);
        if (nb)
            b->nbr = nb;
        int *jt = realloc(b->jtype, v.npairs * sizeof *jt);
        if (jt)
            b->jtype = jt;
        double *r = realloc(b->rij, 3 * v.npairs * sizeof *r);
        if (r)
            b->rij = r;
        double *d = realloc(b->dudr, 3 * v.npairs * sizeof *d);
        if (d)
            b->dudr = d;
        if (!nb || !jt || !r || !d)
            return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
        b->cap_pairs = v.npairs;
    }
    b->natoms = v.natoms, b->npairs = v.npairs;
    memcpy(b->start, v.start, (v.natoms + 1) * sizeof *b->start);
    memcpy(b->nbr, v.nbr, v.npairs * sizeof *b->nbr);
    memcpy(b->rij, v.rij, 3 * v.npairs * sizeof *b->rij);
    for (size_t p = 0; p < v.npairs; p++)
        b->jtype[p] = type[v.nbr[p]];
    return CORE_OK;
}

/* Energy m[0], forces m[1 .. 3N] and virial m[1+3N .. 9+3N] of pot on the cached list. */
static int
nbcache_calc(const struct mtp_pot *pot, struct mtp_work *w, struct nbcache *b, const int *type,
             double *m, struct core_err *err)
{
    size_t N = b->natoms;
    int rc = mtp_site_eval(pot, w, N, type, b->start, b->jtype, b->rij, b->u, b->dudr, err);
    if (rc)
        return rc;
    double e = 0, *F = m + 1, *W = m + 1 + 3 * N;
    memset(m, 0, (1 + 3 * N + 9) * sizeof *m);
    for (size_t i = 0; i < N; i++) {
        e += b->u[i];
        for (size_t p = b->start[i]; p < b->start[i + 1]; p++) {
            const double *D = b->dudr + 3 * p, *r = b->rij + 3 * p;
            size_t j = b->nbr[p];
            for (int k = 0; k < 3; k++) {
                F[3 * i + k] += D[k];
                F[3 * j + k] -= D[k];
                for (int l = 0; l < 3; l++)
                    W[3 * k + l] -= D[k] * r[l];
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
        if (c->pot)
            mtp_pot_release(&c->pot[t]);
        if (c->buf)
            free(c->buf[t]);
        if (c->nb)
            nbcache_release(&c->nb[t]);
    }
    free(c->w);
    free(c->pot);
    free(c->buf);
    free(c->nb);
    memset(c, 0, sizeof *c);
}

/* Per-thread workspaces, potential copies and bufsz doubles of scratch. */
static int
fctx_alloc(struct fctx *c, const struct mtp_pot *pot, size_t bufsz, struct core_err *err)
{
    memset(c, 0, sizeof *c);
    c->nth = omp_get_max_threads();
    if (c->nth < 1)
        c->nth = 1;
    c->bufsz = bufsz ? bufsz : 1;
    c->w = calloc((size_t)c->nth, sizeof *c->w);
    c->pot = calloc((size_t)c->nth, sizeof *c->pot);
    c->buf = calloc((size_t)c->nth, sizeof *c->buf);
    c->nb = calloc((size_t)c->nth, sizeof *c->nb);
    if (!c->w || !c->pot || !c->buf || !c->nb) {
        free(c->w), free(c->pot), free(c->buf), free(c->nb);
        memset(c, 0, sizeof *c);
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    }
    for (int t = 0; t < c->nth; t++)
        mtp_pot_init(&c->pot[t]);
    for (int t = 0; t < c->nth; t++) {
        int rc = mtp_work_alloc(pot, &c->w[t], err);
        if (!rc)
            rc = mtp_pot_copy(&c->pot[t], pot, err);
        if (!rc && !(c->buf[t] = malloc(c->bufsz * sizeof(double))))
            rc = core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
        if (rc) {
            fctx_free(c);
            return rc;
        }
    }
    return CORE_OK;
}

/* Evaluates pot on one configuration and compares with its labels; F: 3 natoms scratch. */
static int
conf_eval(const struct mtp_pot *pot, struct mtp_work *w, const struct mtp_fit_conf *c,
          const struct mtp_fit_opts *o, double *F, struct conf_res *r, struct core_err *err)
{
    double e, wv[9], ce, cf, cs;
    int rc = mtp_calc(pot, w, c->natoms, c->type, c->pos, c->cell, c->pbc, &e, F, wv, err);
    if (rc)
        return rc;
    conf_weights(o, c->natoms, &ce, &cf, &cs);
    memset(r, 0, sizeof *r);
    if (c->has_energy) {
        double d = e - c->energy;
        r->loss += ce * d * d;
        r->e = fabs(d) / (double)c->natoms;
    }
    if (c->forces) {
        double sum = 0;
        for (size_t i = 0; i < c->natoms; i++) {
            double d2 = 0;
            for (int k = 0; k < 3; k++) {
                double d = F[3 * i + k] - c->forces[3 * i + k];
                d2 += d * d;
            }
            double a = sqrt(d2);
            sum += d2;
            r->fsum += a;
            if (a > r->fmax)
                r->fmax = a;
        }
        r->fsum2 = sum;
        r->loss += cf * sum;
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
         const struct mtp_fit_opts *o, struct conf_res *res, struct core_err *err)
{
    int status = CORE_OK;
#pragma omp parallel for schedule(dynamic) num_threads(c->nth)
    for (size_t i = 0; i < nconf; i++) {
        int t = omp_get_thread_num();
        struct core_err e = {0};
        int st;
#pragma omp atomic read
        st = status;
        if (st)
            continue;
        int rc = conf_eval(pot, c->w[t], &conf[i], o, c->buf[t], &res[i], &e);
        if (rc) {
#pragma omp critical(mtp_fit_err)
            if (!status) {
                core_err_set(err, rc, "configuration %zu: %s", i + 1, e.msg);
#pragma omp atomic write
                status = rc;
            }
        }
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
    int rc = eval_all(c, pot, conf, nconf, o, res, err);
    if (rc) {
        free(res);
        return rc;
    }
    memset(st, 0, sizeof *st);
    double e2 = 0, f2 = 0, s2 = 0, loss = 0;
    for (size_t i = 0; i < nconf; i++) {
        const struct conf_res *r = &res[i];
        loss += r->loss;
        if (conf[i].has_energy) {
            st->nenergy++;
            st->e_mae += r->e;
            e2 += r->e * r->e;
            st->e_max = fmax(st->e_max, r->e);
        }
        if (conf[i].forces) {
            st->nforce += conf[i].natoms;
            st->f_mae += r->fsum;
            f2 += r->fsum2;
            st->f_max = fmax(st->f_max, r->fmax);
        }
        if (conf[i].has_virial) {
            st->nvirial++;
            st->s_mae += r->s;
            s2 += r->s * r->s;
            st->s_max = fmax(st->s_max, r->s);
        }
    }
    free(res);
    if (st->nenergy)
        st->e_mae /= (double)st->nenergy, st->e_rms = sqrt(e2 / (double)st->nenergy);
    if (st->nforce) /* MLIP divides by the number of components */
        st->f_mae /= 3.0 * (double)st->nforce, st->f_rms = sqrt(f2 / (3.0 * (double)st->nforce));
    if (st->nvirial)
        st->s_mae /= 9.0 * (double)st->nvirial, st->s_rms = sqrt(s2 / (9.0 * (double)st->nvirial));
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
    int rc = fctx_alloc(&c, pot, 3 * max_natoms(conf, nconf) + 1, err);
    if (rc)
        return rc;
    rc = stats_ctx(&c, pot, conf, nconf, o, st, err);
    fctx_free(&c);
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
    struct mtp_work *w = NULL;
    if ((rc = mtp_work_alloc(pot, &w, err)))
        return rc;
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
        if (rc)
            break;
        struct core_err e = {0};
        if ((rc = mtp_calc(pot, w, c->natoms, c->type, c->pos, c->cell, c->pbc, NULL, NULL, NULL,
                           &e))) {
            core_err_set(err, rc, "configuration %zu: %s", i + 1, e.msg);
            break;
        }
        struct mtp_nbrs v;
        mtp_work_nbrs(w, &v);
        for (size_t p = 0; p < v.npairs; p++) {
            const double *r = v.rij + 3 * p;
            double d = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
            if (d < *dmin)
                *dmin = d, imin = i;
        }
    }
    mtp_work_free(w);
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

/* The normal equations of one configuration added into G (n x n, upper) and b; buf scratch. */
static int
conf_normal(struct mtp_pot *p, struct mtp_work *w, const struct mtp_fit_conf *c,
            const struct mtp_fit_opts *o, double *buf, double *G, double *b, struct core_err *err)
{
    size_t C = p->nspecies, K = p->nscalar, n = C + K, N = c->natoms;
    size_t nrow = 1 + 3 * N + 9;
    double *A = buf, *F = buf + nrow * n; /* A: nrow x n, row-major */
    double ce, cf, cs, wv[9], e;
    conf_weights(o, N, &ce, &cf, &cs);
    memset(A, 0, nrow * n * sizeof *A);
    for (size_t a = 0; a < N; a++)
        A[c->type[a]] += 1;
    memset(p->species_coeffs, 0, C * sizeof(double));
    for (size_t k = 0; k < K; k++) {
        memset(p->moment_coeffs, 0, K * sizeof(double));
        p->moment_coeffs[k] = 1;
        int rc = mtp_calc(p, w, N, c->type, c->pos, c->cell, c->pbc, &e, F, wv, err);
        if (rc)
            return rc;
        A[C + k] = e;
        for (size_t r = 0; r < 3 * N; r++)
            A[(1 + r) * n + C + k] = F[r];
        for (int r = 0; r < 9; r++)
            A[(1 + 3 * N + (size_t)r) * n + C + k] = wv[r];
    }
    for (size_t r = 0; r < nrow; r++) {
        double wr, y;
        if (r == 0) {
            if (!c->has_energy)
                continue;
            wr = ce, y = c->energy;
        } else if (r <= 3 * N) {
            if (!c->forces)
                continue;
            wr = cf, y = c->forces[r - 1];
        } else {
            if (!c->has_virial)
                continue;
            wr = cs, y = c->virial[r - 1 - 3 * N];
        }
        if (wr == 0)
            continue;
        const double *ar = A + r * n;
        for (size_t i = 0; i < n; i++) {
            double wa = wr * ar[i];
            if (wa == 0)
                continue;
            b[i] += wa * y;
            for (size_t j = i; j < n; j++)
                G[i * n + j] += wa * ar[j];
        }
    }
    return CORE_OK;
}

static int
linear_ctx(struct fctx *c, struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
           const struct mtp_fit_opts *o, struct core_err *err)
{
    size_t n = pot->nspecies + pot->nscalar;
    double *Gt = calloc((size_t)c->nth * (n * n + n), sizeof *Gt);
    if (!Gt)
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    for (int t = 0; t < c->nth; t++)
        memcpy(c->pot[t].radial, pot->radial,
               pot->nspecies * pot->nspecies * pot->nrad * pot->nrb * sizeof(double)),
            c->pot[t].scaling = pot->scaling, c->pot[t].rmin = pot->rmin,
            c->pot[t].rcut = pot->rcut;
    int status = CORE_OK;
#pragma omp parallel num_threads(c->nth)
    {
        int t = omp_get_thread_num();
        double *G = Gt + (size_t)t * (n * n + n), *b = G + n * n;
#pragma omp for schedule(static)
        for (size_t i = 0; i < nconf; i++) {
            struct core_err e = {0};
            int st;
#pragma omp atomic read
            st = status;
            if (st)
                continue;
            int rc = conf_normal(&c->pot[t], c->w[t], &conf[i], o, c->buf[t], G, b, &e);
            if (rc) {
#pragma omp critical(mtp_fit_err)
                if (!status) {
                    core_err_set(err, rc, "configuration %zu: %s", i + 1, e.msg);
#pragma omp atomic write
                    status = rc;
                }
            }
        }
    }
    if (status) {
        free(Gt);
        return status;
    }
    for (int t = 1; t < c->nth; t++)
        for (size_t i = 0; i < n * n + n; i++)
            Gt[i] += Gt[(size_t)t * (n * n + n) + i];
    double *G = Gt, *b = Gt + n * n;
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
    lapack_int info =
        LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)n, 1, G, (lapack_int)n, b, 1);
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
    int rc = fctx_alloc(&c, pot, lin_bufsz(pot, max_natoms(conf, nconf)), err);
    if (rc)
        return rc;
    rc = linear_ctx(&c, pot, conf, nconf, o, err);
    fctx_free(&c);
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
    int rc = eval_all(c, pot, conf, nconf, o, res, err);
    double l = 0;
    for (size_t i = 0; !rc && i < nconf; i++)
        l += res[i].loss;
    free(res);
    *loss = l / (double)(nconf ? nconf : 1);
    return rc;
}

/* Radial coefficients of an untrained potential: f_mu = Q_mu (MLIP's pattern scaled by 1e3), and
 * scaling such that sum_j (rcut - r_ij)^2 scaling is 1 on average over the atoms of the set. */
static int
radial_init(struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
            struct core_err *err)
{
    size_t C = pot->nspecies;
    for (size_t pr = 0; pr < C * C; pr++)
        for (size_t mu = 0; mu < pot->nrad; mu++)
            for (size_t b = 0; b < pot->nrb; b++)
                pot->radial[(pr * pot->nrad + mu) * pot->nrb + b] =
                    b == (mu < pot->nrb - 1 ? mu : pot->nrb - 1) ? 1 : 1e-3;
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
 * absent labels) and Jacobian J (rows x npar, parameters [radial | species | moment]) added into
 * A += J^T J (upper triangle) and g += J^T r; *l = r.r. q is a thread's copy of the potential
 * with its coefficients, restored on return. Radial columns by forward differences (skipped for
 * pairs of species the configuration lacks), linear columns exact (unit coefficients).
 */
static int
conf_jac(struct mtp_pot *q, struct mtp_work *w, struct nbcache *nb, const struct mtp_fit_conf *c,
         size_t nconf, const struct mtp_fit_opts *o, double *buf, double *A, double *g, double *l,
         struct core_err *err)
{
    size_t C = q->nspecies, K = q->nscalar, N = c->natoms, nrow = 1 + 3 * N + 9;
    size_t nr = C * C * q->nrad * q->nrb, np = nr + C + K, blk = q->nrad * q->nrb;
    double *J = buf, *r = J + nrow * np, *m0 = r + nrow, *m = m0 + nrow, *wr = m + nrow;
    double ce, cf, cs;
    int has[MTP_MAXSPECIES] = {0}, rc;
    conf_weights(o, N, &ce, &cf, &cs);
    for (size_t row = 0; row < nrow; row++)
        wr[row] = row == 0       ? (c->has_energy ? ce : 0)
                  : row <= 3 * N ? (c->forces ? cf : 0)
                                 : (c->has_virial ? cs : 0);
    for (size_t row = 0; row < nrow; row++)
        wr[row] = sqrt(wr[row] / (double)nconf);
    for (size_t a = 0; a < N; a++)
        has[c->type[a]] = 1;
    if ((rc = mtp_calc(q, w, N, c->type, c->pos, c->cell, c->pbc, m0, m0 + 1, m0 + 1 + 3 * N, err)))
        return rc;
    if ((rc = nbcache_set(nb, w, c->type, err)))
        return rc;
    *l = 0;
    for (size_t row = 0; row < nrow; row++) {
        double y = row == 0       ? c->energy
                   : row <= 3 * N ? (c->forces ? c->forces[row - 1] : 0)
                                  : c->virial[row - 1 - 3 * N];
        r[row] = wr[row] ? wr[row] * (m0[row] - y) : 0;
        *l += r[row] * r[row];
    }
    memset(J, 0, nrow * np * sizeof *J);
    for (size_t p = 0; p < nr; p++) {
        size_t pr = p / blk;
        if (!has[pr / C] || !has[pr % C])
            continue;
        double x = q->radial[p], h = o->fd_step * (1 + fabs(x));
        q->radial[p] = x + h;
        h = q->radial[p] - x;
        rc = nbcache_calc(q, w, nb, c->type, m, err);
        q->radial[p] = x;
        if (rc)
            return rc;
        for (size_t row = 0; row < nrow; row++)
            J[row * np + p] = wr[row] * (m[row] - m0[row]) / h;
    }
    for (size_t a = 0; a < N; a++)
        J[nr + (size_t)c->type[a]] += wr[0];
    double *sc = wr + nrow, *mc = sc + C; /* the coefficients, kept */
    memcpy(sc, q->species_coeffs, C * sizeof *sc);
    memcpy(mc, q->moment_coeffs, K * sizeof *mc);
    memset(q->species_coeffs, 0, C * sizeof(double));
    for (size_t k = 0; k < K && !rc; k++) {
        memset(q->moment_coeffs, 0, K * sizeof(double));
        q->moment_coeffs[k] = 1;
        rc = nbcache_calc(q, w, nb, c->type, m, err);
        for (size_t row = 0; !rc && row < nrow; row++)
            J[row * np + nr + C + k] = wr[row] * m[row];
    }
    memcpy(q->species_coeffs, sc, C * sizeof *sc);
    memcpy(q->moment_coeffs, mc, K * sizeof *mc);
    if (rc)
        return rc;
    for (size_t row = 0; row < nrow; row++) {
        const double *jr = J + row * np;
        if (r[row] == 0 && wr[row] == 0)
            continue;
        for (size_t i = 0; i < np; i++) {
            double v = jr[i];
            if (v == 0)
                continue;
            g[i] += v * r[row];
            for (size_t j = i; j < np; j++)
                A[i * np + j] += v * jr[j];
        }
    }
    return CORE_OK;
}

/* Scratch doubles conf_jac needs per thread for the largest configuration (nmax atoms). */
static size_t
jac_bufsz(const struct mtp_pot *pot, size_t nmax)
{
    size_t nrow = 1 + 3 * nmax + 9;
    size_t np = pot->nspecies * pot->nspecies * pot->nrad * pot->nrb + pot->nspecies + pot->nscalar;
    return nrow * (np + 4) + np;
}

static int
normal_ctx(struct fctx *c, const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
           const struct mtp_fit_opts *o, double *A, double *g, double *loss, struct core_err *err)
{
    size_t np = pot->nspecies * pot->nspecies * pot->nrad * pot->nrb + pot->nspecies + pot->nscalar;
    size_t sz = np * np + np + 1;
    double *Gt = calloc((size_t)c->nth * sz, sizeof *Gt);
    if (!Gt)
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    for (int t = 0; t < c->nth; t++)
        coeffs_copy(&c->pot[t], pot);
    int status = CORE_OK;
#pragma omp parallel num_threads(c->nth)
    {
        int t = omp_get_thread_num();
        double *G = Gt + (size_t)t * sz;
#pragma omp for schedule(static)
        for (size_t i = 0; i < nconf; i++) {
            struct core_err e = {0};
            double l = 0;
            int st;
#pragma omp atomic read
            st = status;
            if (st)
                continue;
            int rc = conf_jac(&c->pot[t], c->w[t], &c->nb[t], &conf[i], nconf, o, c->buf[t], G,
                              G + np * np, &l, &e);
            G[np * np + np] += l;
            if (rc) {
#pragma omp critical(mtp_fit_err)
                if (!status) {
                    core_err_set(err, rc, "configuration %zu: %s", i + 1, e.msg);
#pragma omp atomic write
                    status = rc;
                }
            }
        }
    }
    if (!status) {
        for (int t = 1; t < c->nth; t++)
            for (size_t i = 0; i < sz; i++)
                Gt[i] += Gt[(size_t)t * sz + i];
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
    size_t np = pot->nspecies * pot->nspecies * pot->nrad * pot->nrb + pot->nspecies + pot->nscalar;
    int rc = fctx_alloc(&c, pot, jac_bufsz(pot, max_natoms(conf, nconf)), err);
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
mtp_fit_run(struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
            const struct mtp_fit_opts *o, mtp_fit_progress_fn progress, void *ctx,
            struct core_err *err)
{
    double dmin;
    int rc = mtp_fit_check(pot, conf, nconf, o, &dmin, err);
    if (rc)
        return rc;
    if (!pot->has_radial && (rc = radial_init(pot, conf, nconf, err)))
        return rc;
    size_t np = pot->nspecies * pot->nspecies * pot->nrad * pot->nrb + pot->nspecies + pot->nscalar;
    struct fctx c;
    struct mtp_pot trial;
    mtp_pot_init(&trial);
    size_t nmax = max_natoms(conf, nconf), bs = jac_bufsz(pot, nmax);
    if (bs < lin_bufsz(pot, nmax))
        bs = lin_bufsz(pot, nmax);
    if ((rc = fctx_alloc(&c, pot, bs, err)))
        return rc;
    double *mem = calloc(3 * np * np + 3 * np, sizeof *mem);
    if (!mem) {
        fctx_free(&c);
        return core_err_set(err, CORE_ENOMEM, "mtp-fit: out of memory");
    }
    double *A = mem, *M = A + np * np, *g = M + np * np, *x = g + np;
    if ((rc = mtp_pot_copy(&trial, pot, err)))
        goto out;
    if ((rc = linear_ctx(&c, pot, conf, nconf, o, err)))
        goto out;
    double loss, lambda = 1e-3;
    if ((rc = loss_ctx(&c, pot, conf, nconf, o, &loss, err)))
        goto out;
    if (!isfinite(loss)) {
        rc = core_err_set(err, CORE_EPHYS, "the initial loss is not finite");
        goto out;
    }
    for (int iter = 1; iter <= o->maxiter; iter++) {
        double l0;
        if ((rc = normal_ctx(&c, pot, conf, nconf, o, A, g, &l0, err)))
            goto out;
        int ok = 0;
        double lt = loss;
        for (int tries = 0; tries < 30 && !ok; tries++, lambda *= 4) {
            memcpy(M, A, np * np * sizeof *M);
            for (size_t i = 0; i < np; i++) {
                M[i * np + i] += lambda * A[i * np + i] + 1e-12 * A[i * np + i] + DBL_MIN;
                x[i] = -g[i];
            }
            if (LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)np, 1, M, (lapack_int)np, x, 1))
                continue;
            coeffs_step(&trial, pot, x);
            if ((rc = loss_ctx(&c, &trial, conf, nconf, o, &lt, err)))
                goto out;
            if (isfinite(lt) && lt < loss)
                ok = 1;
        }
        if (!ok) /* no step lowers the loss: converged */
            break;
        lambda = fmax(lambda / 16, 1e-12); /* undo the last *4, then relax */
        coeffs_copy(pot, &trial);
        double dec = (loss - lt) / loss;
        loss = lt;
        if (iter % o->linear_every == 0) {
            if ((rc = linear_ctx(&c, &trial, conf, nconf, o, err)))
                goto out;
            if ((rc = loss_ctx(&c, &trial, conf, nconf, o, &lt, err)))
                goto out;
            if (isfinite(lt) && lt <= loss)
                coeffs_copy(pot, &trial), loss = lt;
        }
        if (progress && progress(ctx, iter, loss))
            break;
        if (dec < o->tol)
            break;
    }
    { /* a last exact linear solve */
        double lt;
        coeffs_copy(&trial, pot);
        if ((rc = linear_ctx(&c, &trial, conf, nconf, o, err)) ||
            (rc = loss_ctx(&c, &trial, conf, nconf, o, &lt, err)))
            goto out;
        if (isfinite(lt) && lt <= loss)
            coeffs_copy(pot, &trial);
    }
out:
    free(mem);
    mtp_pot_release(&trial);
    fctx_free(&c);
    return rc;
}
