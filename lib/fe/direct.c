/*
 * fe direct solver: SuiteSparse CHOLMOD (Chen, Davis, Hager & Rajamanickam, ACM TOMS 35(3),
 * 2008, art. 22, doi:10.1145/1391989.1391995), supernodal Cholesky with the AMD ordering only
 * (CHOLMOD's default also tries METIS, whose analysis costs more than it saves on 2D meshes).
 * Debian's libsuitesparse-dev (installed by .ci/deps); the Makefile links -lcholmod.
 */
#include <stdlib.h>
#include <suitesparse/cholmod.h>

#include "fe_impl.h"

struct fe_direct {
    cholmod_common c;
    cholmod_factor *l;
    cholmod_sparse a;
    size_t n;
};

void
fe_direct_free(struct fe_direct *d)
{
    if (!d)
        return;
    if (d->l)
        cholmod_free_factor(&d->l, &d->c);
    cholmod_finish(&d->c);
    free(d);
}

int
fe_direct_setup(struct fe_direct **out, const struct fe_csr *a, struct core_err *err)
{
    struct fe_direct *d = calloc(1, sizeof *d);
    *out = NULL;
    if (!d)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    cholmod_start(&d->c);
    d->c.print = 0;
    d->c.nmethods = 1;
    d->c.method[0].ordering = CHOLMOD_AMD;
    d->c.postorder = 1;
    d->n = a->n;
    /* the CSR of a symmetric matrix is its CSC; stype 1: only the upper triangle is read */
    d->a.nrow = a->n;
    d->a.ncol = a->n;
    d->a.nzmax = (size_t)a->ptr[a->n];
    d->a.p = a->ptr;
    d->a.i = a->col;
    d->a.x = a->val;
    d->a.stype = 1;
    d->a.itype = CHOLMOD_INT;
    d->a.xtype = CHOLMOD_REAL;
    d->a.dtype = CHOLMOD_DOUBLE;
    d->a.sorted = 1;
    d->a.packed = 1;
    d->l = cholmod_analyze(&d->a, &d->c);
    if (!d->l || d->c.status < CHOLMOD_OK) {
        int st = d->c.status;
        fe_direct_free(d);
        return core_err_set(err, st == CHOLMOD_OUT_OF_MEMORY ? CORE_ENOMEM : CORE_EINTERNAL,
                            "cholmod_analyze failed (status %d)", st);
    }
    cholmod_factorize(&d->a, d->l, &d->c);
    if (d->c.status == CHOLMOD_NOT_POSDEF) {
        fe_direct_free(d);
        return core_err_set(err, CORE_EPHYS,
                            "the conduction matrix is not positive definite (cholmod)");
    }
    if (d->c.status < CHOLMOD_OK) {
        int st = d->c.status;
        fe_direct_free(d);
        return core_err_set(err, st == CHOLMOD_OUT_OF_MEMORY ? CORE_ENOMEM : CORE_EINTERNAL,
                            "cholmod_factorize failed (status %d)", st);
    }
    *out = d;
    return CORE_OK;
}

int
fe_direct_solve(struct fe_direct *d, const double *b, double *x, struct core_err *err)
{
    cholmod_dense bd = {0}, *xd;
    bd.nrow = d->n;
    bd.ncol = 1;
    bd.nzmax = d->n;
    bd.d = d->n;
    bd.x = (double *)b;
    bd.xtype = CHOLMOD_REAL;
    bd.dtype = CHOLMOD_DOUBLE;
    xd = cholmod_solve(CHOLMOD_A, d->l, &bd, &d->c);
    if (!xd)
        return core_err_set(err, CORE_ENOMEM, "cholmod_solve failed (status %d)", d->c.status);
    for (size_t i = 0; i < d->n; i++)
        x[i] = ((const double *)xd->x)[i];
    cholmod_free_dense(&xd, &d->c);
    return CORE_OK;
}
