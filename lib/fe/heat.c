/*
 * fe heat: steady conduction with P1 triangles and interface elements; plan (unknowns,
 * pattern, assembly, factorisation) and exec (loads, solve); homogenisation. See fe.h.
 *
 * Periodicity and fixed temperatures are eliminated, not penalised: every node is represented
 * by its periodic master ("rep"); a rep is either fixed or one unknown. The right-hand side
 * carries the fixed values (-K_fd t_d), the mean-gradient load -int grad(phi_i).k.G and the
 * boundary fluxes. The mean gradient enters only through the triangles: across an interface
 * element G.x is continuous, so it adds no jump.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fe_impl.h"

struct fe_heat {
    const struct fe_mesh *m;
    double *kappa;        /* 3*nphases */
    double *gcond;        /* ngroups */
    size_t *rep;          /* nnodes: periodic master */
    unsigned char *fixed; /* nnodes, by rep: 1 fixed by the caller, 2 pinned at 0 */
    long *dof;            /* nnodes: unknown of the node's rep, or -1 */
    size_t ndofs;
    struct fe_csr k;
    struct fe_linsolve *ls;
    struct fe_solve_stats st;
    double *b, *babs, *x;
    double x0[2];
};

/* Element matrix of triangle e (3x3, row-major); returns the area. */
static double
tri_matrix(const struct fe_mesh *m, const double *kappa, size_t e, double ke[9], double gx[3],
           double gy[3])
{
    const double *k = &kappa[3 * m->tri_phase[e]];
    double a = fe_tri_grad(m, e, gx, gy);
    for (int i = 0; i < 3; i++) {
        double qx = k[0] * gx[i] + k[2] * gy[i], qy = k[2] * gx[i] + k[1] * gy[i];
        for (int j = 0; j < 3; j++)
            ke[3 * i + j] = a * (qx * gx[j] + qy * gy[j]);
    }
    return a;
}

/* Element matrix of interface element f (4x4 over a1 b1 a2 b2). */
static void
iface_matrix(const struct fe_mesh *m, const double *gcond, size_t f, double kf[16])
{
    const size_t *v = &m->iface[4 * f];
    double len =
        hypot(m->xy[2 * v[1]] - m->xy[2 * v[0]], m->xy[2 * v[1] + 1] - m->xy[2 * v[0] + 1]);
    double c = gcond[m->iface_group[f]] * len / 6, mm[4] = {2 * c, c, c, 2 * c};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            kf[4 * i + j] = ((i < 2) == (j < 2) ? 1 : -1) * mm[2 * (i % 2) + j % 2];
}

void
fe_heat_free(struct fe_heat *h)
{
    if (!h)
        return;
    fe_linsolve_free(h->ls);
    fe_csr_release(&h->k);
    free(h->kappa);
    free(h->gcond);
    free(h->rep);
    free(h->fixed);
    free(h->dof);
    free(h->b);
    free(h->babs);
    free(h->x);
    free(h);
}

const struct fe_solve_stats *
fe_heat_stats(const struct fe_heat *h)
{
    return &h->st;
}

static int
check_params(const struct fe_mesh *m, const double *kappa, const double *gcond,
             struct core_err *err)
{
    for (size_t p = 0; p < m->nphases; p++) {
        const double *k = &kappa[3 * p];
        if (!isfinite(k[0]) || !isfinite(k[1]) || !isfinite(k[2]) || !(k[0] > 0) || !(k[1] > 0) ||
            !(k[0] * k[1] - k[2] * k[2] > 0))
            return core_err_set(err, CORE_EINPUT,
                                "the conductivity of phase %zu (%g, %g, %g) is not "
                                "positive definite",
                                p, k[0], k[1], k[2]);
    }
    for (size_t f = 0; f < m->nifaces; f++) {
        double g = gcond[m->iface_group[f]];
        if (!isfinite(g) || g < 0)
            return core_err_set(err, CORE_EINPUT,
                                "the interface conductance of group %d is %g (must be a "
                                "finite number >= 0)",
                                m->iface_group[f], g);
    }
    return CORE_OK;
}

/* Unknowns (fe_number, one per node): the interfaces that conduct join their sides. */
static int
number(struct fe_heat *h, const size_t *master, const unsigned char *fixed, struct core_err *err)
{
    const struct fe_mesh *m = h->m;
    unsigned char *joins = malloc(m->nifaces + 1);
    if (!joins)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    for (size_t f = 0; f < m->nifaces; f++)
        joins[f] = h->gcond[m->iface_group[f]] > 0;
    int rc = fe_number(m, 1, master, fixed, joins, h->rep, h->fixed, h->dof, &h->ndofs,
                       &h->st.npinned, err);
    free(joins);
    return rc;
}

/* Nodes of element el (triangles first, then interface elements) and their count. */
static int
elem_nodes(const struct fe_mesh *m, size_t el, const size_t **v)
{
    if (el < m->ntris) {
        *v = &m->tri[3 * el];
        return 3;
    }
    *v = &m->iface[4 * (el - m->ntris)];
    return 4;
}

/* The unknowns of element el (fe_csr_pattern's elem_dofs). */
static int
pattern_dofs(const void *ctx, size_t el, long *d)
{
    const struct fe_heat *h = ctx;
    const size_t *v;
    int nv = elem_nodes(h->m, el, &v);
    for (int k = 0; k < nv; k++)
        d[k] = h->dof[v[k]];
    return nv;
}

static int
pattern(struct fe_heat *h, struct core_err *err)
{
    int rc = fe_csr_pattern(&h->k, h->ndofs, h->m->ntris + h->m->nifaces, pattern_dofs, h, err);
    h->st.nnz = rc ? 0 : (size_t)h->k.ptr[h->ndofs];
    return rc;
}

static void
assemble(struct fe_heat *h)
{
    const struct fe_mesh *m = h->m;
    double ke[16], gx[3], gy[3];
    for (size_t e = 0; e < m->ntris; e++) {
        const size_t *v = &m->tri[3 * e];
        tri_matrix(m, h->kappa, e, ke, gx, gy);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                if (h->dof[v[i]] >= 0 && h->dof[v[j]] >= 0)
                    fe_csr_add(&h->k, h->dof[v[i]], h->dof[v[j]], ke[3 * i + j]);
    }
    for (size_t f = 0; f < m->nifaces; f++) {
        const size_t *v = &m->iface[4 * f];
        iface_matrix(m, h->gcond, f, ke);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                if (h->dof[v[i]] >= 0 && h->dof[v[j]] >= 0)
                    fe_csr_add(&h->k, h->dof[v[i]], h->dof[v[j]], ke[4 * i + j]);
    }
}

int
fe_heat_plan(struct fe_heat **out, const struct fe_mesh *m, const double *kappa,
             const double *gcond, const size_t *master, const unsigned char *fixed,
             const struct fe_solve_opts *o, struct core_err *err)
{
    struct fe_heat *h;
    double t0 = fe_wtime(), box[4];
    int rc;
    *out = NULL;
    if ((rc = check_params(m, kappa, gcond, err)))
        return rc;
    if (!(o->rtol > 0 && o->rtol < 1) || o->maxiter == 0)
        return core_err_set(err, CORE_EINPUT, "bad solver tolerance or iteration limit");
    h = calloc(1, sizeof *h);
    if (!h)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    h->m = m;
    h->kappa = malloc((3 * m->nphases + 1) * sizeof *h->kappa);
    h->gcond = calloc(m->ngroups + 1, sizeof *h->gcond);
    h->rep = malloc((m->nnodes + 1) * sizeof *h->rep);
    h->fixed = calloc(m->nnodes + 1, 1);
    h->dof = malloc((m->nnodes + 1) * sizeof *h->dof);
    if (!h->kappa || !h->gcond || !h->rep || !h->fixed || !h->dof) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        goto fail;
    }
    memcpy(h->kappa, kappa, 3 * m->nphases * sizeof *kappa);
    if (gcond)
        memcpy(h->gcond, gcond, m->ngroups * sizeof *gcond);
    fe_mesh_box(m, box);
    h->x0[0] = box[0];
    h->x0[1] = box[1];
    if ((rc = number(h, master, fixed, err)) || (rc = pattern(h, err)))
        goto fail;
    h->st.ndofs = h->ndofs;
    h->b = malloc((h->ndofs + 1) * sizeof *h->b);
    h->babs = malloc((h->ndofs + 1) * sizeof *h->babs);
    h->x = malloc((h->ndofs + 1) * sizeof *h->x);
    if (!h->b || !h->babs || !h->x) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        goto fail;
    }
    assemble(h);
    h->st.t_assemble = fe_wtime() - t0;
    if ((rc = fe_linsolve_setup(&h->ls, &h->k, o, &h->st, err)))
        goto fail;
    *out = h;
    return CORE_OK;
fail:
    fe_heat_free(h);
    return rc;
}

/* The prescribed part of node i: its fixed value, or 0 when pinned. */
static double
fixed_value(const struct fe_heat *h, const double *tfix, size_t i)
{
    size_t r = h->rep[i];
    return h->fixed[r] == 1 && tfix ? tfix[r] : 0;
}

int
fe_heat_exec(struct fe_heat *h, const double *grad, const double *tfix, const double *qedge,
             double *t, struct core_err *err)
{
    const struct fe_mesh *m = h->m;
    double ke[16], gx[3], gy[3], g[2] = {0, 0}, bscale = 0;
    int rc;
    if (grad) {
        g[0] = grad[0];
        g[1] = grad[1];
    }
    memset(h->b, 0, h->ndofs * sizeof *h->b);
    memset(h->babs, 0, h->ndofs * sizeof *h->babs);
    for (size_t e = 0; e < m->ntris; e++) {
        const size_t *v = &m->tri[3 * e];
        const double *k = &h->kappa[3 * m->tri_phase[e]];
        double a = tri_matrix(m, h->kappa, e, ke, gx, gy);
        double qx = k[0] * g[0] + k[2] * g[1], qy = k[2] * g[0] + k[1] * g[1];
        for (int i = 0; i < 3; i++) {
            long d = h->dof[v[i]];
            double f = -a * (gx[i] * qx + gy[i] * qy), fa = fabs(f);
            if (d < 0)
                continue;
            for (int j = 0; j < 3; j++)
                if (h->dof[v[j]] < 0) {
                    double c = ke[3 * i + j] * fixed_value(h, tfix, v[j]);
                    f -= c;
                    fa += fabs(c);
                }
            h->b[d] += f;
            h->babs[d] += fa;
        }
    }
    for (size_t fi = 0; fi < m->nifaces; fi++) {
        const size_t *v = &m->iface[4 * fi];
        iface_matrix(m, h->gcond, fi, ke);
        for (int i = 0; i < 4; i++) {
            long d = h->dof[v[i]];
            if (d < 0)
                continue;
            for (int j = 0; j < 4; j++)
                if (h->dof[v[j]] < 0) {
                    double c = ke[4 * i + j] * fixed_value(h, tfix, v[j]);
                    h->b[d] -= c;
                    h->babs[d] += fabs(c);
                }
        }
    }
    for (size_t e = 0; qedge && e < m->nedges; e++) {
        size_t a = m->edge[2 * e], b = m->edge[2 * e + 1];
        double half = 0.5 * qedge[e] *
                      hypot(m->xy[2 * b] - m->xy[2 * a], m->xy[2 * b + 1] - m->xy[2 * a + 1]);
        if (!isfinite(half))
            return core_err_set(err, CORE_EINPUT,
                                "the flux of line element %zu is not "
                                "finite",
                                e + 1);
        if (h->dof[a] >= 0) {
            h->b[h->dof[a]] += half;
            h->babs[h->dof[a]] += fabs(half);
        }
        if (h->dof[b] >= 0) {
            h->b[h->dof[b]] += half;
            h->babs[h->dof[b]] += fabs(half);
        }
    }
    for (size_t d = 0; d < h->ndofs; d++)
        bscale += h->babs[d] * h->babs[d];
    bscale = sqrt(bscale);
    if ((rc = fe_linsolve_solve(h->ls, h->b, bscale, h->x, &h->st, err)))
        return rc;
    for (size_t i = 0; i < m->nnodes; i++) {
        long d = h->dof[i];
        t[i] = g[0] * (m->xy[2 * i] - h->x0[0]) + g[1] * (m->xy[2 * i + 1] - h->x0[1]) +
               (d >= 0 ? h->x[d] : fixed_value(h, tfix, i));
    }
    return CORE_OK;
}

void
fe_heat_residual(const struct fe_mesh *m, const double *kappa, const double *gcond, const double *t,
                 double *r)
{
    double ke[16], gx[3], gy[3];
    memset(r, 0, m->nnodes * sizeof *r);
    for (size_t e = 0; e < m->ntris; e++) {
        const size_t *v = &m->tri[3 * e];
        tri_matrix(m, kappa, e, ke, gx, gy);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                r[v[i]] += ke[3 * i + j] * t[v[j]];
    }
    for (size_t f = 0; f < m->nifaces; f++) {
        const size_t *v = &m->iface[4 * f];
        iface_matrix(m, gcond, f, ke);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                r[v[i]] += ke[4 * i + j] * t[v[j]];
    }
}

double
fe_heat_energy(const struct fe_mesh *m, const double *kappa, const double *gcond, const double *t1,
               const double *t2)
{
    double ke[16], gx[3], gy[3], s = 0;
    for (size_t e = 0; e < m->ntris; e++) {
        const size_t *v = &m->tri[3 * e];
        tri_matrix(m, kappa, e, ke, gx, gy);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                s += t1[v[i]] * ke[3 * i + j] * t2[v[j]];
    }
    for (size_t f = 0; f < m->nifaces; f++) {
        const size_t *v = &m->iface[4 * f];
        iface_matrix(m, gcond, f, ke);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                s += t1[v[i]] * ke[4 * i + j] * t2[v[j]];
    }
    return s;
}

void
fe_heat_flux(const struct fe_mesh *m, const double *kappa, const double *t, double *q)
{
    double gx[3], gy[3];
    for (size_t e = 0; e < m->ntris; e++) {
        const size_t *v = &m->tri[3 * e];
        const double *k = &kappa[3 * m->tri_phase[e]];
        double dx = 0, dy = 0;
        fe_tri_grad(m, e, gx, gy);
        for (int i = 0; i < 3; i++) {
            dx += gx[i] * t[v[i]];
            dy += gy[i] * t[v[i]];
        }
        q[2 * e] = -(k[0] * dx + k[2] * dy);
        q[2 * e + 1] = -(k[2] * dx + k[1] * dy);
    }
}

int
fe_heat_homog(const struct fe_mesh *m, const double *kappa, const double *gcond,
              const struct fe_solve_opts *o, double tol, double keff[3], double *tx, double *ty,
              struct fe_solve_stats *st, struct core_err *err)
{
    size_t *master = malloc((m->nnodes + 1) * sizeof *master);
    double *t[2] = {tx, ty}, *own = NULL, area;
    struct fe_heat *h = NULL;
    int rc;
    if (st)
        memset(st, 0, sizeof *st);
    if (!master)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    if ((rc = fe_mesh_periodic(m, FE_PERIODIC_X | FE_PERIODIC_Y, tol, master, err)) ||
        (rc = fe_heat_plan(&h, m, kappa, gcond, master, NULL, o, err)))
        goto done;
    if (!tx || !ty) {
        own = malloc((2 * m->nnodes + 1) * sizeof *own);
        if (!own) {
            rc = core_err_set(err, CORE_ENOMEM, "out of memory");
            goto done;
        }
        if (!tx)
            t[0] = own;
        if (!ty)
            t[1] = own + m->nnodes;
    }
    for (int c = 0; c < 2; c++) {
        double g[2] = {c == 0, c == 1};
        if ((rc = fe_heat_exec(h, g, NULL, NULL, t[c], err)))
            goto done;
    }
    area = fe_mesh_area(m, NULL);
    keff[0] = fe_heat_energy(m, kappa, gcond, t[0], t[0]) / area;
    keff[1] = fe_heat_energy(m, kappa, gcond, t[1], t[1]) / area;
    keff[2] = fe_heat_energy(m, kappa, gcond, t[0], t[1]) / area;
    if (st)
        fe_stats_add(st, fe_heat_stats(h));
done:
    fe_heat_free(h);
    free(master);
    free(own);
    return rc;
}

int
fe_heat_slab(const struct fe_mesh *m, const double *kappa, const double *gcond,
             const struct fe_solve_opts *o, double tol, double kslab[2], double *tx, double *ty,
             struct fe_solve_stats *st, struct core_err *err)
{
    unsigned char *fixed = calloc(m->nnodes + 1, 1);
    double *tfix = malloc((m->nnodes + 1) * sizeof *tfix);
    double *own = malloc((3 * m->nnodes + 1) * sizeof *own), *r, box[4], eps, *t[2] = {tx, ty};
    struct fe_heat *h = NULL;
    int rc = CORE_OK;
    if (st)
        memset(st, 0, sizeof *st);
    if (!fixed || !tfix || !own) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        goto done;
    }
    r = own + 2 * m->nnodes;
    if (!tx)
        t[0] = own;
    if (!ty)
        t[1] = own + m->nnodes;
    fe_mesh_box(m, box);
    eps = tol * fmax(box[2] - box[0], box[3] - box[1]);
    for (int ax = 0; ax < 2; ax++) {
        double q = 0, len = box[2 + ax] - box[ax], width = box[3 - ax] - box[1 - ax];
        size_t nlo = 0, nhi = 0;
        for (size_t i = 0; i < m->nnodes; i++) {
            double c = m->xy[2 * i + ax];
            fixed[i] = 0;
            tfix[i] = 0;
            if (fabs(c - box[ax]) <= eps) {
                fixed[i] = 1;
                tfix[i] = 1;
                nlo++;
            } else if (fabs(c - box[2 + ax]) <= eps) {
                fixed[i] = 1;
                nhi++;
            }
        }
        if (!nlo || !nhi || !(len > 0) || !(width > 0)) {
            rc = core_err_set(err, CORE_EINPUT, "the mesh has no extent along %s", ax ? "y" : "x");
            goto done;
        }
        if ((rc = fe_heat_plan(&h, m, kappa, gcond, NULL, fixed, o, err)) ||
            (rc = fe_heat_exec(h, NULL, tfix, NULL, t[ax], err)))
            goto done;
        fe_heat_residual(m, kappa, gcond, t[ax], r);
        for (size_t i = 0; i < m->nnodes; i++)
            if (fixed[i] && tfix[i] == 1)
                q += r[i];
        kslab[ax] = q * len / width;
        if (st)
            fe_stats_add(st, fe_heat_stats(h));
        fe_heat_free(h);
        h = NULL;
    }
done:
    fe_heat_free(h);
    free(fixed);
    free(tfix);
    free(own);
    return rc;
}
