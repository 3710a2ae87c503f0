/*
 * Smoothed-aggregation algebraic multigrid, used as the preconditioner of conjugate gradients
 * for the SPD systems of lib/fe. Private (fe_impl.h).
 *
 * Method: Vanek, Mandel & Brezina, "Algebraic multigrid by smoothed aggregation for second
 * and fourth order elliptic problems", Computing 56 (1996) 179, doi:10.1007/BF02238511.
 *   - strength: j is a strong neighbour of i when a_ij^2 >= theta^2 |a_ii a_jj|, theta = 0.08
 *     on the finest level, halved on each coarser one (their eq. 3.4); weak couplings (across
 *     a low-conductance interface, along the weak axis of an anisotropic phase) are left out
 *     of the aggregates, so the coarse spaces follow the physics;
 *   - aggregation in three passes (their section 4.1): disjoint neighbourhoods, then the left
 *     nodes join a neighbouring aggregate, then the rest form aggregates of their own;
 *   - tentative prolongator: the constants on each aggregate (the near null space of heat
 *     conduction); smoothed by one damped Jacobi step on the filtered matrix (weak entries
 *     lumped onto the diagonal), omega = 4/3 / rho, rho from 15 power iterations (times 1.05,
 *     never above the Gershgorin bound);
 *   - Galerkin coarse matrices R A P with R = P^T;
 *   - V(1,1) cycle: forward Gauss-Seidel before, backward after the coarse correction, so the
 *     cycle is a symmetric positive definite operator (required by CG); dense Cholesky on the
 *     coarsest level.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fe_impl.h"

#define MAXLEVELS   30
#define COARSE_N    300  /* solve directly at or below this size */
#define COARSE_MAXN 4000 /* largest dense coarsest level; beyond, smooth only */

struct level {
    struct fe_csr a; /* level 0: a borrowed copy of the caller's struct */
    struct fe_csr p, r;
    double *dinv;
    double *x, *b, *res;
};

struct fe_amg {
    size_t nlevels;
    struct level lv[MAXLEVELS];
    double *chol; /* dense Cholesky factor (lower, row-major) of the coarsest matrix, or NULL */
    size_t nc;
};

size_t
fe_amg_levels(const struct fe_amg *amg)
{
    return amg->nlevels;
}

void
fe_amg_free(struct fe_amg *amg)
{
    if (!amg)
        return;
    for (size_t l = 0; l < amg->nlevels; l++) {
        struct level *v = &amg->lv[l];
        if (l > 0)
            fe_csr_release(&v->a);
        fe_csr_release(&v->p);
        fe_csr_release(&v->r);
        free(v->dinv);
        free(v->x);
        free(v->b);
        free(v->res);
    }
    free(amg->chol);
    free(amg);
}

static double
diag(const struct fe_csr *a, size_t i)
{
    for (int k = a->ptr[i]; k < a->ptr[i + 1]; k++)
        if ((size_t)a->col[k] == i)
            return a->val[k];
    return 0;
}

/* Aggregates of a (agg[i] = aggregate or -1); returns their number. */
static size_t
aggregate(const struct fe_csr *a, const double *d, double theta, int *agg, int *tmp)
{
    size_t n = a->n, nagg = 0;
    double t2 = theta * theta;
#define STRONG(i, k)                                                                               \
    ((size_t)a->col[k] != (i) && a->val[k] * a->val[k] >= t2 * fabs(d[i] * d[a->col[k]]))
    for (size_t i = 0; i < n; i++)
        agg[i] = -1;
    /* pass 1: a node whose strong neighbours are all free starts an aggregate with them */
    for (size_t i = 0; i < n; i++) {
        int ok = 1, any = 0;
        if (agg[i] >= 0)
            continue;
        for (int k = a->ptr[i]; k < a->ptr[i + 1]; k++)
            if (STRONG(i, k)) {
                any = 1;
                if (agg[a->col[k]] >= 0) {
                    ok = 0;
                    break;
                }
            }
        if (!ok || !any)
            continue;
        agg[i] = (int)nagg;
        for (int k = a->ptr[i]; k < a->ptr[i + 1]; k++)
            if (STRONG(i, k))
                agg[a->col[k]] = (int)nagg;
        nagg++;
    }
    /* pass 2: the rest join the aggregate of their strongest aggregated neighbour */
    memcpy(tmp, agg, n * sizeof *tmp);
    for (size_t i = 0; i < n; i++) {
        double best = 0;
        if (agg[i] >= 0)
            continue;
        for (int k = a->ptr[i]; k < a->ptr[i + 1]; k++)
            if (STRONG(i, k) && agg[a->col[k]] >= 0 && fabs(a->val[k]) > best) {
                best = fabs(a->val[k]);
                tmp[i] = agg[a->col[k]];
            }
    }
    memcpy(agg, tmp, n * sizeof *agg);
    /* pass 3: what is left forms aggregates with its free strong neighbours */
    for (size_t i = 0; i < n; i++) {
        int any = 0;
        if (agg[i] >= 0)
            continue;
        for (int k = a->ptr[i]; k < a->ptr[i + 1]; k++)
            any |= STRONG(i, k);
        if (!any)
            continue; /* isolated: left to the smoother */
        agg[i] = (int)nagg;
        for (int k = a->ptr[i]; k < a->ptr[i + 1]; k++)
            if (STRONG(i, k) && agg[a->col[k]] < 0)
                agg[a->col[k]] = (int)nagg;
        nagg++;
    }
#undef STRONG
    return nagg;
}

/* Smoothed prolongator p (n x nagg) from the aggregates. */
static int
prolongator(const struct fe_csr *a, const double *d, double theta, const int *agg, size_t nagg,
            struct fe_csr *p)
{
    size_t n = a->n, cap = 0;
    double t2 = theta * theta, rho = 0, omega;
    double *df = malloc((n + 1) * sizeof *df);
    int rc;
    if (!df)
        return CORE_ENOMEM;
    /* filtered diagonal and the Gershgorin bound of rho(D_F^{-1} A_F) */
    for (size_t i = 0; i < n; i++) {
        double di = d[i], off = 0;
        for (int k = a->ptr[i]; k < a->ptr[i + 1]; k++) {
            size_t j = (size_t)a->col[k];
            if (j == i)
                continue;
            if (a->val[k] * a->val[k] >= t2 * fabs(d[i] * d[j]))
                off += fabs(a->val[k]);
            else
                di += a->val[k];
        }
        if (!(di > 0))
            di = d[i];
        df[i] = di;
        rho = fmax(rho, 1 + off / di);
    }
    /* a few power iterations on D_F^{-1} A_F sharpen the Gershgorin bound (never above it) */
    {
        double *x = malloc((n + 1) * sizeof *x), *y = malloc((n + 1) * sizeof *y), lam = rho;
        if (x && y && n > 0) {
            for (size_t i = 0; i < n; i++)
                x[i] = 1.0 + (double)((i * 2654435761u) % 1000) / 1000.0;
            for (int it = 0; it < 15; it++) {
                double num = 0, den = 0;
                for (size_t i = 0; i < n; i++) {
                    double sacc = 0;
                    for (int k = a->ptr[i]; k < a->ptr[i + 1]; k++) {
                        size_t j = (size_t)a->col[k];
                        if (j == i)
                            sacc += df[i] * x[j];
                        else if (a->val[k] * a->val[k] >= t2 * fabs(d[i] * d[j]))
                            sacc += a->val[k] * x[j];
                    }
                    y[i] = sacc / df[i];
                }
                for (size_t i = 0; i < n; i++) {
                    num += y[i] * y[i] * df[i];
                    den += x[i] * y[i] * df[i];
                }
                lam = den > 0 ? num / den : rho;
                for (size_t i = 0; i < n; i++)
                    x[i] = y[i];
                {
                    double nrm = 0;
                    for (size_t i = 0; i < n; i++)
                        nrm = fmax(nrm, fabs(x[i]));
                    for (size_t i = 0; i < n && nrm > 0; i++)
                        x[i] /= nrm;
                }
            }
            rho = fmin(rho, 1.05 * lam);
        }
        free(x);
        free(y);
    }
    omega = 4.0 / 3.0 / rho;
    cap = (size_t)a->ptr[n];
    if ((rc = fe_csr_alloc(p, n, nagg, cap))) {
        free(df);
        return rc;
    }
    size_t nnz = 0;
    for (size_t i = 0; i < n; i++) {
        size_t start = nnz;
        for (int k = a->ptr[i]; k < a->ptr[i + 1]; k++) {
            size_t j = (size_t)a->col[k];
            double v;
            int c, found = 0;
            if (agg[j] < 0)
                continue;
            if (j == i)
                v = 1 - omega * df[i] / df[i];
            else if (a->val[k] * a->val[k] >= t2 * fabs(d[i] * d[j]))
                v = -omega * a->val[k] / df[i];
            else
                continue;
            c = agg[j];
            for (size_t q = start; q < nnz; q++)
                if (p->col[q] == c) {
                    p->val[q] += v;
                    found = 1;
                    break;
                }
            if (!found) {
                p->col[nnz] = c;
                p->val[nnz] = v;
                nnz++;
            }
        }
        /* a node in an aggregate whose diagonal entry was skipped keeps its tentative 1 */
        p->ptr[i + 1] = (int)nnz;
    }
    free(df);
    /* sort each row's columns */
    for (size_t i = 0; i < n; i++)
        for (int k = p->ptr[i] + 1; k < p->ptr[i + 1]; k++) {
            int c = p->col[k], j = k - 1;
            double v = p->val[k];
            while (j >= p->ptr[i] && p->col[j] > c) {
                p->col[j + 1] = p->col[j];
                p->val[j + 1] = p->val[j];
                j--;
            }
            p->col[j + 1] = c;
            p->val[j + 1] = v;
        }
    return CORE_OK;
}

/* Dense Cholesky of a (n x n) into l (lower, row-major). 0, or -1 when not positive definite. */
static int
dense_chol(const struct fe_csr *a, double *l)
{
    size_t n = a->n;
    memset(l, 0, n * n * sizeof *l);
    for (size_t i = 0; i < n; i++)
        for (int k = a->ptr[i]; k < a->ptr[i + 1]; k++)
            if ((size_t)a->col[k] <= i)
                l[i * n + (size_t)a->col[k]] = a->val[k];
    for (size_t j = 0; j < n; j++) {
        double s = l[j * n + j];
        for (size_t k = 0; k < j; k++)
            s -= l[j * n + k] * l[j * n + k];
        if (!(s > 0))
            return -1;
        s = sqrt(s);
        l[j * n + j] = s;
        for (size_t i = j + 1; i < n; i++) {
            double t = l[i * n + j];
            for (size_t k = 0; k < j; k++)
                t -= l[i * n + k] * l[j * n + k];
            l[i * n + j] = t / s;
        }
    }
    return 0;
}

static int
level_alloc(struct level *v)
{
    size_t n = v->a.n + 1;
    v->dinv = malloc(n * sizeof *v->dinv);
    v->x = malloc(n * sizeof *v->x);
    v->b = malloc(n * sizeof *v->b);
    v->res = malloc(n * sizeof *v->res);
    if (!v->dinv || !v->x || !v->b || !v->res)
        return CORE_ENOMEM;
    for (size_t i = 0; i < v->a.n; i++) {
        double d = diag(&v->a, i);
        if (!(d > 0))
            return CORE_EPHYS;
        v->dinv[i] = 1 / d;
    }
    return CORE_OK;
}

int
fe_amg_setup(struct fe_amg **out, const struct fe_csr *a, struct core_err *err)
{
    struct fe_amg *amg = calloc(1, sizeof *amg);
    int *agg = NULL, *tmp = NULL;
    double *d = NULL, theta = 0.08;
    int rc = CORE_OK;
    *out = NULL;
    if (!amg)
        return core_err_set(err, CORE_ENOMEM, "out of memory for the multigrid");
    amg->lv[0].a = *a;
    amg->nlevels = 1;
    if ((rc = level_alloc(&amg->lv[0])))
        goto fail;
    for (;;) {
        struct level *v = &amg->lv[amg->nlevels - 1], *w;
        struct fe_csr ap;
        size_t n = v->a.n, nagg;
        if (n <= COARSE_N || amg->nlevels == MAXLEVELS)
            break;
        agg = malloc(n * sizeof *agg);
        tmp = malloc(n * sizeof *tmp);
        d = malloc(n * sizeof *d);
        if (!agg || !tmp || !d) {
            rc = CORE_ENOMEM;
            goto fail;
        }
        for (size_t i = 0; i < n; i++)
            d[i] = 1 / v->dinv[i];
        nagg = aggregate(&v->a, d, theta, agg, tmp);
        if (nagg == 0 || nagg > n - n / 8) { /* no useful coarsening */
            free(agg);
            free(tmp);
            free(d);
            agg = tmp = NULL;
            d = NULL;
            break;
        }
        if ((rc = prolongator(&v->a, d, theta, agg, nagg, &v->p)) ||
            (rc = fe_csr_transpose(&v->p, &v->r)))
            goto fail;
        free(agg);
        free(tmp);
        free(d);
        agg = tmp = NULL;
        d = NULL;
        w = &amg->lv[amg->nlevels];
        if ((rc = fe_csr_mul(&v->a, &v->p, &ap)))
            goto fail;
        rc = fe_csr_mul(&v->r, &ap, &w->a);
        fe_csr_release(&ap);
        amg->nlevels++;
        if (rc || (rc = level_alloc(w)))
            goto fail;
        theta *= 0.5;
    }
    {
        struct level *c = &amg->lv[amg->nlevels - 1];
        if (c->a.n <= COARSE_MAXN) {
            amg->nc = c->a.n;
            amg->chol = malloc((amg->nc * amg->nc + 1) * sizeof *amg->chol);
            if (!amg->chol) {
                rc = CORE_ENOMEM;
                goto fail;
            }
            if (dense_chol(&c->a, amg->chol)) {
                rc = CORE_EPHYS;
                goto fail;
            }
        }
    }
    *out = amg;
    return CORE_OK;
fail:
    free(agg);
    free(tmp);
    free(d);
    fe_amg_free(amg);
    if (rc == CORE_EPHYS)
        return core_err_set(err, CORE_EPHYS, "the matrix is not positive definite (multigrid)");
    if (rc == CORE_EINPUT)
        return core_err_set(err, CORE_EINPUT, "multigrid level too large for int indices");
    return core_err_set(err, CORE_ENOMEM, "out of memory for the multigrid");
}

static void
gs_forward(const struct fe_csr *a, const double *dinv, const double *b, double *x)
{
    for (size_t i = 0; i < a->n; i++) {
        double s = b[i];
        for (int k = a->ptr[i]; k < a->ptr[i + 1]; k++)
            if ((size_t)a->col[k] != i)
                s -= a->val[k] * x[a->col[k]];
        x[i] = s * dinv[i];
    }
}

static void
gs_backward(const struct fe_csr *a, const double *dinv, const double *b, double *x)
{
    for (size_t i = a->n; i-- > 0;) {
        double s = b[i];
        for (int k = a->ptr[i]; k < a->ptr[i + 1]; k++)
            if ((size_t)a->col[k] != i)
                s -= a->val[k] * x[a->col[k]];
        x[i] = s * dinv[i];
    }
}

static void
coarse_solve(const struct fe_amg *amg, const struct level *v, const double *b, double *x)
{
    size_t n = amg->nc;
    const double *l = amg->chol;
    if (!l) {
        memset(x, 0, v->a.n * sizeof *x);
        for (int s = 0; s < 20; s++) {
            gs_forward(&v->a, v->dinv, b, x);
            gs_backward(&v->a, v->dinv, b, x);
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        double s = b[i];
        for (size_t k = 0; k < i; k++)
            s -= l[i * n + k] * x[k];
        x[i] = s / l[i * n + i];
    }
    for (size_t i = n; i-- > 0;) {
        double s = x[i];
        for (size_t k = i + 1; k < n; k++)
            s -= l[k * n + i] * x[k];
        x[i] = s / l[i * n + i];
    }
}

static void
vcycle(struct fe_amg *amg, size_t l, const double *b, double *x)
{
    struct level *v = &amg->lv[l], *w;
    if (l + 1 == amg->nlevels) {
        coarse_solve(amg, v, b, x);
        return;
    }
    w = &amg->lv[l + 1];
    memset(x, 0, v->a.n * sizeof *x);
    gs_forward(&v->a, v->dinv, b, x);
    fe_csr_mv(&v->a, x, v->res);
    for (size_t i = 0; i < v->a.n; i++)
        v->res[i] = b[i] - v->res[i];
    fe_csr_mv(&v->r, v->res, w->b);
    vcycle(amg, l + 1, w->b, w->x);
    fe_csr_mv(&v->p, w->x, v->res);
    for (size_t i = 0; i < v->a.n; i++)
        x[i] += v->res[i];
    gs_backward(&v->a, v->dinv, b, x);
}

void
fe_amg_apply(struct fe_amg *amg, const double *r, double *z)
{
    vcycle(amg, 0, r, z);
}
