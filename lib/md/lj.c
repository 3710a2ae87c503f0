/*
 * lj: Lennard-Jones 12-6, cut (and optionally shifted to zero at the cut-off), as LAMMPS's
 * pair_style lj/cut (with pair_modify shift yes). See md.h.
 *
 *   phi(r) = 4 eps ((sigma/r)^12 - (sigma/r)^6) - shift phi(rcut),   r < rcut
 *   U_i = 1/2 sum_j phi(r_ij),  dU_i/dr_ij = 1/2 phi'(r) r_ij / r
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "md.h"

struct lj {
    double eps, sigma, rcut, rc2, ecut, lj1, lj2, lj3, lj4;
};

static int
lj_site(void *self, const int *type, const struct md_nlist *nl, double *u, double *du,
        struct core_err *err)
{
    const struct lj *L = self;
    long long n = (long long)nl->natoms;
    (void)type;
    (void)err;
#pragma omp parallel for schedule(static) if (n >= MD_OMP_MIN)
    for (long long ii = 0; ii < n; ii++) {
        size_t i = (size_t)ii;
        double e = 0;
        for (size_t p = nl->start[i]; p < nl->start[i + 1]; p++) {
            double d[3];
            md_nlist_pair_vec(nl, i, p, d);
            double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            double *g = du + 3 * p;
            if (!(r2 < L->rc2)) {
                g[0] = g[1] = g[2] = 0;
                continue;
            }
            double ir2 = 1.0 / r2, ir6 = ir2 * ir2 * ir2;
            /* lj1 = 4 eps sigma^12, lj2 = 4 eps sigma^6; phi'(r)/r = -(12 lj1 ir6 - 6 lj2) ir6 ir2
             */
            e += ir6 * (L->lj1 * ir6 - L->lj2) - L->ecut;
            double s = -0.5 * ir6 * (L->lj3 * ir6 - L->lj4) * ir2;
            g[0] = s * d[0];
            g[1] = s * d[1];
            g[2] = s * d[2];
        }
        u[i] = 0.5 * e;
    }
    return CORE_OK;
}

static void
lj_free(void *self)
{
    free(self);
}

int
md_lj_init(struct md_pot *pot, double eps, double sigma, double rcut, int shift,
           struct core_err *err)
{
    memset(pot, 0, sizeof *pot);
    if (!(isfinite(eps) && eps >= 0))
        return core_err_set(err, CORE_EINPUT, "lj: epsilon %g eV must be >= 0", eps);
    if (!(isfinite(sigma) && sigma > 0))
        return core_err_set(err, CORE_EINPUT, "lj: sigma %g Angstrom must be > 0", sigma);
    if (!(isfinite(rcut) && rcut > 0))
        return core_err_set(err, CORE_EINPUT, "lj: cut-off %g Angstrom must be > 0", rcut);
    struct lj *L = calloc(1, sizeof *L);
    if (!L)
        return core_err_set(err, CORE_ENOMEM, "lj: out of memory");
    double s6 = pow(sigma, 6.0);
    L->eps = eps;
    L->sigma = sigma;
    L->rcut = rcut;
    L->rc2 = rcut * rcut;
    L->lj1 = 4.0 * eps * s6 * s6;
    L->lj2 = 4.0 * eps * s6;
    L->lj3 = 12.0 * L->lj1;
    L->lj4 = 6.0 * L->lj2;
    if (shift) {
        double ir6 = 1.0 / (L->rc2 * L->rc2 * L->rc2);
        L->ecut = ir6 * (L->lj1 * ir6 - L->lj2);
    }
    snprintf(pot->name, sizeof pot->name, "lj");
    pot->rcut = rcut;
    pot->self = L;
    pot->site = lj_site;
    pot->free = lj_free;
    return CORE_OK;
}
