/*
 * fe elast: linear plane-stress elasticity with P1 triangles, two unknowns per node (u_x, u_y,
 * interleaved: dof 2 i + c); plan (unknowns, pattern, assembly, preconditioner) and exec (loads,
 * solve); periodic homogenisation of the stiffness and a displacement-controlled tension test.
 * See fe.h.
 *
 * Strain in Voigt form with engineering shear, eps = (u_x,x, u_y,y, u_x,y + u_y,x) = B u with,
 * for corner a of a triangle with basis gradients (gx_a, gy_a),
 *     B_a = [[gx_a, 0], [0, gy_a], [gy_a, gx_a]],
 * so K_e = A B^T C B (exact for P1: B is constant). The phases share nodes (the mesh is
 * conforming), which bonds the interfaces perfectly.
 *
 * As in heat.c, periodicity and fixed values are eliminated, not penalised: each node is
 * represented by its periodic master, and each of its two components is either fixed or one
 * unknown. A mean strain E enters as u = H (x - x0) + w, H = [[Exx, Exy/2], [Exy/2, Eyy]]:
 * its load is -int B^T C E over the triangles.
 *
 * Cohesive interfaces (fe_elast_tension_coh): the plan then also holds the interface elements
 * of the split groups (8 dofs: a1 b1 a2 b2), which join their two sides in the pinning of
 * regions; each has two Gauss points with a damage history, committed at every balance.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fe_impl.h"

struct fe_elast {
    const struct fe_mesh *m;
    double *cmat;         /* 9*nphases */
    size_t *rep;          /* nnodes: periodic master */
    unsigned char *fixed; /* 2*nnodes, by rep: 1 fixed by the caller, 2 pinned at 0 */
    long *dof;            /* 2*nnodes: unknown of the node's rep and component, or -1 */
    size_t ndofs;
    struct fe_csr k;
    struct fe_linsolve *ls; /* CHOLMOD */
    /* PCG: preconditioned by the AMG of the matrix without the couplings between the x and
     * y components ("separate displacement components"; spectrally equivalent to K for a
     * compressible solid by Korn's inequality); the scalar aggregation of the whole K would
     * mix components, whose constants are not its near null space, and needed 741 iterations
     * against 40 here on 1.2e5 unknowns */
    struct fe_csr kdec;
    struct fe_amg *amg;
    double *work; /* fe_pcg's four vectors */
    double rtol;
    size_t maxiter;
    int direct;
    struct fe_solve_stats st;
    double *b, *babs, *x;
    double x0[2];
    /* cohesive interfaces (fe_elast_tension_coh; NULL otherwise): the law of each group, the
     * committed history and the trial one of each Gauss point (2 per interface element), and
     * whether the tangent is the secant */
    const struct fe_cohesive *coh;
    double *kappa, *ktrial;
    int secant;
};

void
fe_elast_iso(double e, double nu, double c[9])
{
    double f = e / (1 - nu * nu);
    c[0] = f;
    c[1] = f * nu;
    c[2] = 0;
    c[3] = f * nu;
    c[4] = f;
    c[5] = 0;
    c[6] = 0;
    c[7] = 0;
    c[8] = 0.5 * e / (1 + nu);
}

void
fe_elast_rotate(const double c[9], double angle, double out[9])
{
    /* material axes at angle from x: the strain in the material frame is eps' = R eps
     * (Voigt, engineering shear), and the energy eps'.C'eps' = eps.(R^T C' R)eps */
    double co = cos(angle), si = sin(angle), r[9], t[9];
    r[0] = co * co;
    r[1] = si * si;
    r[2] = co * si;
    r[3] = si * si;
    r[4] = co * co;
    r[5] = -co * si;
    r[6] = -2 * co * si;
    r[7] = 2 * co * si;
    r[8] = co * co - si * si;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++)
                s += c[3 * i + k] * r[3 * k + j];
            t[3 * i + j] = s;
        }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++)
                s += r[3 * k + i] * t[3 * k + j];
            out[3 * i + j] = s;
        }
}

int
fe_elast_check(const double c[9])
{
    double d2 = c[0] * c[4] - c[1] * c[3];
    double d3 = c[0] * (c[4] * c[8] - c[5] * c[7]) - c[1] * (c[3] * c[8] - c[5] * c[6]) +
                c[2] * (c[3] * c[7] - c[4] * c[6]);
    double tol = 1e-12 * (fabs(c[0]) + fabs(c[4]) + fabs(c[8]));
    for (int i = 0; i < 9; i++)
        if (!isfinite(c[i]))
            return 0;
    if (fabs(c[1] - c[3]) > tol || fabs(c[2] - c[6]) > tol || fabs(c[5] - c[7]) > tol)
        return 0;
    return c[0] > 0 && d2 > 0 && d3 > 0;
}

/* B (3x6, row-major) of triangle e; returns the area. */
static double
tri_b(const struct fe_mesh *m, size_t e, double b[18])
{
    double gx[3], gy[3], a = fe_tri_grad(m, e, gx, gy);
    for (int k = 0; k < 3; k++) {
        b[2 * k] = gx[k];
        b[2 * k + 1] = 0;
        b[6 + 2 * k] = 0;
        b[6 + 2 * k + 1] = gy[k];
        b[12 + 2 * k] = gy[k];
        b[12 + 2 * k + 1] = gx[k];
    }
    return a;
}

/* Element matrix (6x6 over u_x, u_y of the three corners); returns the area. cb = C B. */
static double
tri_matrix(const struct fe_mesh *m, const double *cmat, size_t e, double ke[36], double b[18],
           double cb[18])
{
    const double *c = &cmat[9 * m->tri_phase[e]];
    double a = tri_b(m, e, b);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 6; j++)
            cb[6 * i + j] = c[3 * i] * b[j] + c[3 * i + 1] * b[6 + j] + c[3 * i + 2] * b[12 + j];
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            ke[6 * i + j] = a * (b[i] * cb[j] + b[6 + i] * cb[6 + j] + b[12 + i] * cb[12 + j]);
    return a;
}

void
fe_elast_free(struct fe_elast *h)
{
    if (!h)
        return;
    fe_linsolve_free(h->ls);
    fe_amg_free(h->amg);
    fe_csr_release(&h->kdec);
    free(h->work);
    fe_csr_release(&h->k);
    free(h->cmat);
    free(h->rep);
    free(h->fixed);
    free(h->dof);
    free(h->b);
    free(h->babs);
    free(h->x);
    free(h->kappa);
    free(h->ktrial);
    free(h);
}

const struct fe_solve_stats *
fe_elast_stats(const struct fe_elast *h)
{
    return &h->st;
}

/* Unknowns (fe_number, two per node): the interface elements with coh join their sides. */
static int
number(struct fe_elast *h, const size_t *master, const unsigned char *fixed, struct core_err *err)
{
    const struct fe_mesh *m = h->m;
    unsigned char *joins = NULL;
    if (h->coh && m->nifaces) {
        if (!(joins = malloc(m->nifaces)))
            return core_err_set(err, CORE_ENOMEM, "out of memory");
        memset(joins, 1, m->nifaces);
    }
    int rc = fe_number(m, 2, master, fixed, joins, h->rep, h->fixed, h->dof, &h->ndofs,
                       &h->st.npinned, err);
    free(joins);
    return rc;
}

/* The six dofs of triangle e. */
static void
tri_dofs(const struct fe_elast *h, size_t e, long d[6])
{
    const size_t *v = &h->m->tri[3 * e];
    for (int k = 0; k < 3; k++) {
        d[2 * k] = h->dof[2 * v[k]];
        d[2 * k + 1] = h->dof[2 * v[k] + 1];
    }
}

/* The dofs of element el: a triangle (6), or interface element el - ntris (8: a1 b1 a2 b2). */
static int
elem_dofs(const struct fe_elast *h, size_t el, long d[8])
{
    const size_t *v;
    if (el < h->m->ntris) {
        tri_dofs(h, el, d);
        return 6;
    }
    v = &h->m->iface[4 * (el - h->m->ntris)];
    for (int k = 0; k < 4; k++) {
        d[2 * k] = h->dof[2 * v[k]];
        d[2 * k + 1] = h->dof[2 * v[k] + 1];
    }
    return 8;
}

/* Number of elements in the pattern: the triangles, and the interface elements with coh. */
static size_t
nelems(const struct fe_elast *h)
{
    return h->m->ntris + (h->coh ? h->m->nifaces : 0);
}

/* elem_dofs for fe_csr_pattern. */
static int
pattern_dofs(const void *ctx, size_t el, long *d)
{
    return elem_dofs(ctx, el, d);
}

static int
pattern(struct fe_elast *h, struct core_err *err)
{
    int rc = fe_csr_pattern(&h->k, h->ndofs, nelems(h), pattern_dofs, h, err);
    h->st.nnz = rc ? 0 : (size_t)h->k.ptr[h->ndofs];
    return rc;
}

/* ---- cohesive interfaces ---- */

/* delta0 (the opening at the strength) and deltaf (full damage) of a bilinear law. */
static void
bilinear_openings(const struct fe_cohesive *c, double *d0, double *df)
{
    *d0 = c->strength / c->kn;
    *df = 2 * c->gc / c->strength;
}

int
fe_cohesive_check(const struct fe_cohesive *c, struct core_err *err)
{
    double d0, df;
    if (c->kind == FE_COH_BONDED)
        return CORE_OK;
    if (c->kind != FE_COH_LINEAR && c->kind != FE_COH_BILINEAR)
        return core_err_set(err, CORE_EINPUT, "unknown cohesive law %d", (int)c->kind);
    if (!(isfinite(c->kn) && c->kn > 0) || !(isfinite(c->kt) && c->kt > 0))
        return core_err_set(err, CORE_EINPUT,
                            "the interface stiffness (kn %g, kt %g) is not finite and > 0", c->kn,
                            c->kt);
    if (c->kind == FE_COH_LINEAR)
        return CORE_OK;
    if (!(isfinite(c->strength) && c->strength > 0))
        return core_err_set(err, CORE_EINPUT, "the interface strength %g is not finite and > 0",
                            c->strength);
    if (!(isfinite(c->gc) && c->gc > 0))
        return core_err_set(err, CORE_EINPUT, "the fracture energy %g is not finite and > 0",
                            c->gc);
    bilinear_openings(c, &d0, &df);
    if (!(df > d0 * (1 + 1e-12)))
        return core_err_set(err, CORE_EINPUT,
                            "the fracture energy %g is not above strength^2 / (2 kn) = %g (the "
                            "bilinear law needs 2 gc / strength > strength / kn)",
                            c->gc, c->strength * c->strength / (2 * c->kn));
    return CORE_OK;
}

double
fe_cohesive_damage(const struct fe_cohesive *c, double kappa)
{
    double d0, df;
    if (c->kind != FE_COH_BILINEAR)
        return 0;
    bilinear_openings(c, &d0, &df);
    if (kappa <= d0)
        return 0;
    if (kappa >= df)
        return 1;
    return df * (kappa - d0) / (kappa * (df - d0));
}

double
fe_cohesive_dissipated(const struct fe_cohesive *c, double kappa)
{
    double d0, df, t;
    if (c->kind != FE_COH_BILINEAR)
        return 0;
    bilinear_openings(c, &d0, &df);
    if (kappa <= d0)
        return 0;
    if (kappa >= df)
        return c->gc;
    /* the work of the traction along the envelope up to kappa, less the elastic energy left
     * (unloading to the origin with the secant) */
    t = c->strength * (df - kappa) / (df - d0);
    return 0.5 * c->strength * d0 + 0.5 * (kappa - d0) * (c->strength + t) - 0.5 * t * kappa;
}

void
fe_cohesive_traction(const struct fe_cohesive *c, const double delta[2], double kappa0,
                     double *kappa, double t[2], double d[4], int secant)
{
    double dn = delta[0], dt = delta[1], dp = dn > 0 ? dn : 0;
    double lam = sqrt(dp * dp + c->kt / c->kn * dt * dt), k = fmax(kappa0, lam);
    double s = 1 - fe_cohesive_damage(c, k), sf = fmax(s, 1e-6);
    *kappa = k;
    t[0] = (dn > 0 ? s : 1) * c->kn * dn;
    t[1] = s * c->kt * dt;
    if (!d)
        return;
    d[0] = (dn > 0 ? sf : 1) * c->kn;
    d[1] = d[2] = 0;
    d[3] = sf * c->kt;
    if (!secant && c->kind == FE_COH_BILINEAR && lam >= kappa0 && lam > 0) {
        double d0, df;
        bilinear_openings(c, &d0, &df);
        if (lam > d0 && lam < df) { /* loading on the softening branch: d grows with lambda */
            double dd = df * d0 / (lam * lam * (df - d0)), a[2] = {c->kn * dp, c->kt * dt};
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++)
                    d[2 * i + j] -= dd * a[i] * a[j] / (c->kn * lam);
        }
    }
}

/* The two Gauss points on [0, 1] (weights 1/2). */
static const double gauss_xi[2] = {0.21132486540518711775, 0.78867513459481288225};

/* Length, normal n (from side 1 to side 2: right of a -> b) and tangent s (a -> b) of
 * interface element f. */
static double
iface_frame(const struct fe_mesh *m, size_t f, double n[2], double s[2])
{
    const size_t *v = &m->iface[4 * f];
    double dx = m->xy[2 * v[1]] - m->xy[2 * v[0]], dy = m->xy[2 * v[1] + 1] - m->xy[2 * v[0] + 1];
    double len = hypot(dx, dy);
    s[0] = dx / len;
    s[1] = dy / len;
    n[0] = s[1];
    n[1] = -s[0];
    return len;
}

/*
 * Interface element f at the displacements u (NULL: zero): its nodal forces fe (8, over a1 b1
 * a2 b2, x and y) and, unless ke is NULL, its tangent (8x8); the histories of its two points
 * go from kappa0 (2, or NULL: 0) into kappa (2, or NULL: not kept).
 */
static void
iface_elem(const struct fe_mesh *m, const struct fe_cohesive *coh, size_t f, const double *u,
           const double *kappa0, double *kappa, int secant, double fe[8], double ke[64])
{
    const size_t *v = &m->iface[4 * f];
    const struct fe_cohesive *c = &coh[m->iface_group[f]];
    double n[2], s[2], len = iface_frame(m, f, n, s);
    memset(fe, 0, 8 * sizeof *fe);
    if (ke)
        memset(ke, 0, 64 * sizeof *ke);
    for (int g = 0; g < 2; g++) {
        double na = 1 - gauss_xi[g], nb = gauss_xi[g], ck[4] = {-na, -nb, na, nb};
        double b[16], delta[2] = {0, 0}, t[2], d[4], kap, w = 0.5 * len;
        for (int k = 0; k < 4; k++)
            for (int q = 0; q < 2; q++) {
                b[2 * k + q] = ck[k] * n[q];
                b[8 + 2 * k + q] = ck[k] * s[q];
            }
        for (int j = 0; u && j < 8; j++) {
            double uj = u[2 * v[j / 2] + j % 2];
            delta[0] += b[j] * uj;
            delta[1] += b[8 + j] * uj;
        }
        fe_cohesive_traction(c, delta, kappa0 ? kappa0[g] : 0, &kap, t, ke ? d : NULL, secant);
        if (kappa)
            kappa[g] = kap;
        for (int j = 0; j < 8; j++)
            fe[j] += w * (b[j] * t[0] + b[8 + j] * t[1]);
        if (!ke)
            continue;
        for (int i = 0; i < 8; i++) {
            double db0 = d[0] * b[i] + d[2] * b[8 + i], db1 = d[1] * b[i] + d[3] * b[8 + i];
            for (int j = 0; j < 8; j++)
                ke[8 * i + j] += w * (db0 * b[j] + db1 * b[8 + j]);
        }
    }
}

static void
assemble(struct fe_elast *h)
{
    double ke[36], b[18], cb[18], kf[64], ff[8];
    long d[8];
    for (size_t e = 0; e < h->m->ntris; e++) {
        tri_matrix(h->m, h->cmat, e, ke, b, cb);
        tri_dofs(h, e, d);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
                if (d[i] >= 0 && d[j] >= 0)
                    fe_csr_add(&h->k, d[i], d[j], ke[6 * i + j]);
    }
    for (size_t f = 0; h->coh && f < h->m->nifaces; f++) { /* the undamaged interfaces */
        iface_elem(h->m, h->coh, f, NULL, NULL, NULL, 0, ff, kf);
        elem_dofs(h, h->m->ntris + f, d);
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++)
                if (d[i] >= 0 && d[j] >= 0)
                    fe_csr_add(&h->k, d[i], d[j], kf[8 * i + j]);
    }
}

/* The component (0: x, 1: y) of each unknown, from the numbering. */
static void
dof_comp(const struct fe_elast *h, unsigned char *comp)
{
    for (size_t i = 0; i < 2 * h->m->nnodes; i++)
        if (h->dof[i] >= 0)
            comp[h->dof[i]] = (unsigned char)(i % 2);
}

/* Factorises h->k (CHOLMOD) or builds the AMG of its decoupled part (PCG). */
static int
esolve_setup(struct fe_elast *h, struct core_err *err)
{
    double t0 = fe_wtime();
    unsigned char *comp;
    size_t nnz = 0;
    int rc;
    if (h->direct) {
        struct fe_solve_opts o = {FE_SOLVER_CHOLMOD, h->rtol, h->maxiter};
        fe_linsolve_free(h->ls);
        h->ls = NULL;
        return fe_linsolve_setup(&h->ls, &h->k, &o, &h->st, err);
    }
    fe_amg_free(h->amg);
    h->amg = NULL;
    comp = malloc(h->ndofs + 1);
    if (!comp)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    dof_comp(h, comp);
    h->kdec.ptr[0] = 0;
    for (size_t r = 0; r < h->k.n; r++) {
        for (int q = h->k.ptr[r]; q < h->k.ptr[r + 1]; q++)
            if (comp[h->k.col[q]] == comp[r]) {
                h->kdec.col[nnz] = h->k.col[q];
                h->kdec.val[nnz++] = h->k.val[q];
            }
        h->kdec.ptr[r + 1] = (int)nnz;
    }
    free(comp);
    rc = fe_amg_setup(&h->amg, &h->kdec, err);
    h->st.levels = h->amg ? fe_amg_levels(h->amg) : 0;
    h->st.solver = FE_SOLVER_PCG;
    h->st.t_setup += fe_wtime() - t0;
    return rc;
}

/* Solves K x = b: CHOLMOD, or conjugate gradients from 0 to |r| <= rtol max(bscale, |b|). */
static int
esolve(struct fe_elast *h, const double *b, double bscale, double *x, struct core_err *err)
{
    double t0 = fe_wtime();
    if (h->direct)
        return fe_linsolve_solve(h->ls, b, bscale, x, &h->st, err);
    memset(x, 0, h->ndofs * sizeof *x);
    h->st.iters = 0;
    h->st.resid = 0;
    if (h->ndofs == 0)
        return CORE_OK;
    int rc = fe_pcg(&h->k, h->amg, b, bscale, h->rtol, h->maxiter, h->work, "stiffness matrix", x,
                    &h->st, err);
    if (!rc)
        h->st.t_solve += fe_wtime() - t0;
    return rc;
}

static int plan_coh(struct fe_elast **out, const struct fe_mesh *m, const double *cmat,
                    const struct fe_cohesive *coh, const size_t *master, const unsigned char *fixed,
                    const struct fe_solve_opts *o, struct core_err *err);

int
fe_elast_plan(struct fe_elast **out, const struct fe_mesh *m, const double *cmat,
              const size_t *master, const unsigned char *fixed, const struct fe_solve_opts *o,
              struct core_err *err)
{
    return plan_coh(out, m, cmat, NULL, master, fixed, o, err);
}

/* fe_elast_plan with the interface elements of coh (NULL: none) in the pattern and matrix. */
static int
plan_coh(struct fe_elast **out, const struct fe_mesh *m, const double *cmat,
         const struct fe_cohesive *coh, const size_t *master, const unsigned char *fixed,
         const struct fe_solve_opts *o, struct core_err *err)
{
    struct fe_elast *h;
    double t0 = fe_wtime(), box[4];
    int rc;
    *out = NULL;
    for (size_t p = 0; p < m->nphases; p++)
        if (!fe_elast_check(&cmat[9 * p]))
            return core_err_set(err, CORE_EINPUT,
                                "the stiffness of phase %zu is not symmetric positive definite", p);
    if (!(o->rtol > 0 && o->rtol < 1) || o->maxiter == 0)
        return core_err_set(err, CORE_EINPUT, "bad solver tolerance or iteration limit");
    h = calloc(1, sizeof *h);
    if (!h)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    h->m = m;
    h->coh = coh;
    h->cmat = malloc((9 * m->nphases + 1) * sizeof *h->cmat);
    h->rep = malloc((m->nnodes + 1) * sizeof *h->rep);
    h->fixed = calloc(2 * m->nnodes + 1, 1);
    h->dof = malloc((2 * m->nnodes + 1) * sizeof *h->dof);
    h->kappa = coh ? calloc(2 * m->nifaces + 1, sizeof *h->kappa) : NULL;
    h->ktrial = coh ? calloc(2 * m->nifaces + 1, sizeof *h->ktrial) : NULL;
    if (!h->cmat || !h->rep || !h->fixed || !h->dof || (coh && (!h->kappa || !h->ktrial))) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        goto fail;
    }
    memcpy(h->cmat, cmat, 9 * m->nphases * sizeof *cmat);
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
    h->rtol = o->rtol;
    h->maxiter = o->maxiter;
    h->direct = o->solver == FE_SOLVER_CHOLMOD;
    if (!h->direct) {
        h->work = malloc((4 * h->ndofs + 1) * sizeof *h->work);
        if (!h->work || fe_csr_alloc(&h->kdec, h->k.n, h->k.m, (size_t)h->k.ptr[h->k.n])) {
            rc = core_err_set(err, CORE_ENOMEM, "out of memory");
            goto fail;
        }
    }
    if ((rc = esolve_setup(h, err)))
        goto fail;
    *out = h;
    return CORE_OK;
fail:
    fe_elast_free(h);
    return rc;
}

/* The prescribed part of dof i (2 node + component): its fixed value, or 0 when pinned. */
static double
fixed_value(const struct fe_elast *h, const double *ufix, size_t i)
{
    size_t r = 2 * h->rep[i / 2] + i % 2;
    return h->fixed[r] == 1 && ufix ? ufix[r] : 0;
}

int
fe_elast_exec(struct fe_elast *h, const double *strain, const double *ufix, double *u,
              struct core_err *err)
{
    const struct fe_mesh *m = h->m;
    double ke[36], b[18], cb[18], eps[3] = {0, 0, 0}, bscale = 0;
    long d[6];
    int rc;
    if (strain) {
        for (int c = 0; c < 3; c++)
            eps[c] = strain[c];
        if (!isfinite(eps[0]) || !isfinite(eps[1]) || !isfinite(eps[2]))
            return core_err_set(err, CORE_EINPUT, "the mean strain is not finite");
    }
    memset(h->b, 0, h->ndofs * sizeof *h->b);
    memset(h->babs, 0, h->ndofs * sizeof *h->babs);
    for (size_t e = 0; e < m->ntris; e++) {
        const size_t *v = &m->tri[3 * e];
        double a = tri_matrix(m, h->cmat, e, ke, b, cb);
        tri_dofs(h, e, d);
        for (int i = 0; i < 6; i++) {
            double f = 0, fa;
            if (d[i] < 0)
                continue;
            for (int c = 0; c < 3; c++) /* -A (C B)^T_i eps, as (B^T C eps)_i */
                f -= a * cb[6 * c + i] * eps[c];
            fa = fabs(f);
            for (int j = 0; j < 6; j++)
                if (d[j] < 0) {
                    double c = ke[6 * i + j] * fixed_value(h, ufix, 2 * v[j / 2] + j % 2);
                    f -= c;
                    fa += fabs(c);
                }
            h->b[d[i]] += f;
            h->babs[d[i]] += fa;
        }
    }
    for (size_t q = 0; q < h->ndofs; q++)
        bscale += h->babs[q] * h->babs[q];
    bscale = sqrt(bscale);
    if ((rc = esolve(h, h->b, bscale, h->x, err)))
        return rc;
    for (size_t i = 0; i < m->nnodes; i++) {
        double dx = m->xy[2 * i] - h->x0[0], dy = m->xy[2 * i + 1] - h->x0[1];
        double mean[2] = {eps[0] * dx + 0.5 * eps[2] * dy, 0.5 * eps[2] * dx + eps[1] * dy};
        for (int c = 0; c < 2; c++) {
            long q = h->dof[2 * i + c];
            u[2 * i + c] = mean[c] + (q >= 0 ? h->x[q] : fixed_value(h, ufix, 2 * i + c));
        }
    }
    return CORE_OK;
}

void
fe_elast_residual(const struct fe_mesh *m, const double *cmat, const double *u, double *r)
{
    double ke[36], b[18], cb[18];
    memset(r, 0, 2 * m->nnodes * sizeof *r);
    for (size_t e = 0; e < m->ntris; e++) {
        const size_t *v = &m->tri[3 * e];
        tri_matrix(m, cmat, e, ke, b, cb);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
                r[2 * v[i / 2] + i % 2] += ke[6 * i + j] * u[2 * v[j / 2] + j % 2];
    }
}

double
fe_elast_energy(const struct fe_mesh *m, const double *cmat, const double *u1, const double *u2)
{
    double ke[36], b[18], cb[18], s = 0;
    for (size_t e = 0; e < m->ntris; e++) {
        const size_t *v = &m->tri[3 * e];
        tri_matrix(m, cmat, e, ke, b, cb);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
                s += u1[2 * v[i / 2] + i % 2] * ke[6 * i + j] * u2[2 * v[j / 2] + j % 2];
    }
    return s;
}

void
fe_elast_stress(const struct fe_mesh *m, const double *cmat, const double *u, double *strain,
                double *stress)
{
    double b[18];
    for (size_t e = 0; e < m->ntris; e++) {
        const size_t *v = &m->tri[3 * e];
        const double *c = &cmat[9 * m->tri_phase[e]];
        double eps[3] = {0, 0, 0};
        tri_b(m, e, b);
        for (int r = 0; r < 3; r++)
            for (int j = 0; j < 6; j++)
                eps[r] += b[6 * r + j] * u[2 * v[j / 2] + j % 2];
        for (int r = 0; r < 3; r++) {
            if (strain)
                strain[3 * e + r] = eps[r];
            if (stress)
                stress[3 * e + r] =
                    c[3 * r] * eps[0] + c[3 * r + 1] * eps[1] + c[3 * r + 2] * eps[2];
        }
    }
}

/*
 * Checks the laws of coh (ngroups) against the mesh: each valid, no interface element in a
 * bonded group. *use is coh, or NULL when nothing is split (every interface bonded).
 */
static int
coh_validate(const struct fe_mesh *m, const struct fe_cohesive *coh, const struct fe_cohesive **use,
             struct core_err *err)
{
    int rc;
    *use = coh && m->nifaces ? coh : NULL;
    for (size_t g = 0; coh && g < m->ngroups; g++)
        if ((rc = fe_cohesive_check(&coh[g], err))) {
            char msg[CORE_ERR_MSGLEN];
            snprintf(msg, sizeof msg, "%s", err->msg);
            return core_err_set(err, rc, "group %zu: %s", g, msg);
        }
    for (size_t f = 0; coh && f < m->nifaces; f++)
        if (coh[m->iface_group[f]].kind == FE_COH_BONDED)
            return core_err_set(err, CORE_EINPUT,
                                "interface element %zu is in group %d, which is bonded (not to "
                                "be split)",
                                f + 1, m->iface_group[f]);
    return CORE_OK;
}

/* a(u1, u2) over the triangles and, with coh, the undamaged interface elements. */
static double
energy_coh(const struct fe_mesh *m, const double *cmat, const struct fe_cohesive *coh,
           const double *u1, const double *u2)
{
    double s = fe_elast_energy(m, cmat, u1, u2), kf[64], ff[8];
    for (size_t f = 0; coh && f < m->nifaces; f++) {
        const size_t *v = &m->iface[4 * f];
        iface_elem(m, coh, f, NULL, NULL, NULL, 0, ff, kf);
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++)
                s += u1[2 * v[i / 2] + i % 2] * kf[8 * i + j] * u2[2 * v[j / 2] + j % 2];
    }
    return s;
}

int
fe_elast_homog(const struct fe_mesh *m, const double *cmat, const struct fe_solve_opts *o,
               double tol, double ceff[9], double *u, struct fe_solve_stats *st,
               struct core_err *err)
{
    return fe_elast_homog_coh(m, cmat, NULL, o, tol, ceff, u, st, err);
}

int
fe_elast_homog_coh(const struct fe_mesh *m, const double *cmat, const struct fe_cohesive *coh,
                   const struct fe_solve_opts *o, double tol, double ceff[9], double *u,
                   struct fe_solve_stats *st, struct core_err *err)
{
    size_t *master = malloc((m->nnodes + 1) * sizeof *master), nn = 2 * m->nnodes;
    double *uu = u ? u : malloc((3 * nn + 1) * sizeof *uu), area;
    struct fe_elast *h = NULL;
    int rc;
    if (st)
        memset(st, 0, sizeof *st);
    if (!master || !uu) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        goto done;
    }
    /* the mean strain has no jump across an interface (both copies of a node share their
     * position), so the interface elements add stiffness but no load */
    if ((rc = coh_validate(m, coh, &coh, err)) ||
        (rc = fe_mesh_periodic(m, FE_PERIODIC_X | FE_PERIODIC_Y, tol, master, err)) ||
        (rc = plan_coh(&h, m, cmat, coh, master, NULL, o, err)))
        goto done;
    for (int c = 0; c < 3; c++) {
        double eps[3] = {c == 0, c == 1, c == 2};
        if ((rc = fe_elast_exec(h, eps, NULL, uu + c * nn, err)))
            goto done;
    }
    area = fe_mesh_area(m, NULL);
    for (int i = 0; i < 3; i++)
        for (int j = i; j < 3; j++)
            ceff[3 * i + j] = ceff[3 * j + i] =
                energy_coh(m, cmat, coh, uu + i * nn, uu + j * nn) / area;
    if (st)
        fe_stats_add(st, fe_elast_stats(h));
done:
    fe_elast_free(h);
    free(master);
    if (uu != u)
        free(uu);
    return rc;
}

int
fe_elast_tension(const struct fe_mesh *m, const double *cmat, const struct fe_solve_opts *o,
                 double tol, double strain, double res[3], double *u, struct fe_solve_stats *st,
                 struct core_err *err)
{
    size_t n = m->nnodes, pin = n, nlo = 0, nhi = 0, nbot = 0, ntop = 0;
    unsigned char *fixed = calloc(2 * n + 1, 1);
    double *ufix = calloc(2 * n + 1, sizeof *ufix), *r = malloc((2 * n + 1) * sizeof *r);
    double *uu = u ? u : malloc((2 * n + 1) * sizeof *uu), box[4], eps, lx, ly, f = 0;
    double ybot = 0, ytop = 0, best = HUGE_VAL;
    struct fe_elast *h = NULL;
    int rc;
    if (st)
        memset(st, 0, sizeof *st);
    if (!fixed || !ufix || !r || !uu) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        goto done;
    }
    if (!isfinite(strain)) {
        rc = core_err_set(err, CORE_EINPUT, "the strain is not finite");
        goto done;
    }
    fe_mesh_box(m, box);
    lx = box[2] - box[0];
    ly = box[3] - box[1];
    eps = tol * fmax(lx, ly);
    for (size_t i = 0; i < n; i++) {
        double x = m->xy[2 * i], y = m->xy[2 * i + 1];
        if (fabs(x - box[0]) <= eps) {
            double dist = fabs(y - box[1]);
            fixed[2 * i] = 1;
            nlo++;
            if (dist < best) { /* the lowest node of the left side holds u_y = 0 */
                best = dist;
                pin = i;
            }
        } else if (fabs(x - box[2]) <= eps) {
            fixed[2 * i] = 1;
            ufix[2 * i] = strain * lx;
            nhi++;
        }
    }
    if (!nlo || !nhi || !(lx > 0) || !(ly > 0)) {
        rc = core_err_set(err, CORE_EINPUT, "the mesh has no extent along x");
        goto done;
    }
    fixed[2 * pin + 1] = 1;
    if ((rc = fe_elast_plan(&h, m, cmat, NULL, fixed, o, err)) ||
        (rc = fe_elast_exec(h, NULL, ufix, uu, err)))
        goto done;
    fe_elast_residual(m, cmat, uu, r);
    for (size_t i = 0; i < n; i++) {
        double y = m->xy[2 * i + 1];
        if (fixed[2 * i] && ufix[2 * i] != 0)
            f += r[2 * i];
        if (fabs(y - box[1]) <= eps) {
            ybot += uu[2 * i + 1];
            nbot++;
        } else if (fabs(y - box[3]) <= eps) {
            ytop += uu[2 * i + 1];
            ntop++;
        }
    }
    res[0] = f / ly;
    res[1] = strain != 0 ? res[0] / strain : 0;
    res[2] = strain != 0 && nbot && ntop ? -(ytop / ntop - ybot / nbot) / ly / strain : 0;
    if (st)
        fe_stats_add(st, fe_elast_stats(h));
done:
    fe_elast_free(h);
    free(fixed);
    free(ufix);
    free(r);
    if (uu != u)
        free(uu);
    return rc;
}

/* ---- nonlinear (deformation-theory) law from a uniaxial curve ---- */

/* S(q) and S'(q) of the piecewise-linear curve, extrapolated with the end segments. */
static void
curve_eval(const struct fe_law *law, double q, double *s, double *ds)
{
    size_t n = law->npts, k = 1;
    while (k + 1 < n && law->eps[k] < q)
        k++;
    *ds = (law->sig[k] - law->sig[k - 1]) / (law->eps[k] - law->eps[k - 1]);
    *s = law->sig[k - 1] + *ds * (q - law->eps[k - 1]);
}

double
fe_law_peak(const struct fe_law *law)
{
    size_t best = 0;
    for (size_t k = 1; k < law->npts; k++)
        if (law->sig[k] > law->sig[best])
            best = k;
    return law->eps[best];
}

int
fe_law_check(const struct fe_law *law, struct core_err *err)
{
    if (law->npts < 2)
        return core_err_set(err, CORE_EINPUT, "the stress-strain curve has %zu points (at least 2)",
                            law->npts);
    if (!(law->nu > -1 && law->nu < 1))
        return core_err_set(err, CORE_EINPUT, "the Poisson ratio %g is not in (-1, 1)", law->nu);
    for (size_t k = 0; k < law->npts; k++) {
        if (!isfinite(law->eps[k]) || !isfinite(law->sig[k]))
            return core_err_set(err, CORE_EINPUT, "point %zu of the curve is not finite", k + 1);
        if (k == 0 && (law->eps[0] != 0 || law->sig[0] != 0))
            return core_err_set(err, CORE_EINPUT, "the curve does not start at (0, 0)");
        if (k > 0 && !(law->eps[k] > law->eps[k - 1]))
            return core_err_set(err, CORE_EINPUT,
                                "the strains of the curve do not increase at point %zu", k + 1);
    }
    if (!(law->sig[1] > 0))
        return core_err_set(err, CORE_EINPUT, "the curve's initial slope is not positive");
    return CORE_OK;
}

void
fe_law_stress(const struct fe_law *law, const double eps[3], double sig[3], double d[9])
{
    double c0[9], ce[3], q2 = 0, q, s, ds, a, b;
    fe_elast_iso(1, law->nu, c0);
    for (int i = 0; i < 3; i++) {
        ce[i] = c0[3 * i] * eps[0] + c0[3 * i + 1] * eps[1] + c0[3 * i + 2] * eps[2];
        q2 += eps[i] * ce[i];
    }
    q = sqrt(fmax(q2, 0));
    curve_eval(law, q, &s, &ds);
    if (q <= 1e-300 || q < 1e-12 * law->eps[1]) {
        a = (law->sig[1] - law->sig[0]) / (law->eps[1] - law->eps[0]); /* the initial slope */
        b = 0;
    } else {
        a = s / q;
        b = (ds - a) / q2;
    }
    for (int i = 0; i < 3; i++)
        sig[i] = a * ce[i];
    if (d) {
        /* the tangent; where the curve softens (S' < 0) it is not positive definite, and the
         * secant a C0 (positive while S > 0) takes its place: Newton becomes a quasi-Newton
         * there, which still converges to the same balance; where S <= 0 (far past the peak,
         * a transient of the iterations) a small positive stiffness keeps the matrix definite */
        double a0 = (law->sig[1] - law->sig[0]) / (law->eps[1] - law->eps[0]);
        if (ds < 0)
            b = 0;
        if (a < 1e-6 * a0) {
            a = 1e-6 * a0;
            b = 0;
        }
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                d[3 * i + j] = a * c0[3 * i + j] + b * ce[i] * ce[j];
    }
}

double
fe_law_strain(const struct fe_law *law, const double eps[3])
{
    double c0[9], q2 = 0;
    fe_elast_iso(1, law->nu, c0);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            q2 += eps[i] * c0[3 * i + j] * eps[j];
    return sqrt(fmax(q2, 0));
}

/* Strain of triangle e from u. */
static void
tri_strain(const struct fe_mesh *m, size_t e, const double *u, double b[18], double *area,
           double eps[3])
{
    const size_t *v = &m->tri[3 * e];
    *area = tri_b(m, e, b);
    for (int r = 0; r < 3; r++) {
        eps[r] = 0;
        for (int j = 0; j < 6; j++)
            eps[r] += b[6 * r + j] * u[2 * v[j / 2] + j % 2];
    }
}

/* Stress and tangent of triangle e: the law of its phase, or its linear stiffness. */
static void
tri_law(const struct fe_mesh *m, const double *cmat, const struct fe_law *law, size_t e,
        const double eps[3], double sig[3], double d[9])
{
    int p = m->tri_phase[e];
    const double *c = &cmat[9 * p];
    if (law && law[p].npts) {
        fe_law_stress(&law[p], eps, sig, d);
        return;
    }
    for (int i = 0; i < 3; i++)
        sig[i] = c[3 * i] * eps[0] + c[3 * i + 1] * eps[1] + c[3 * i + 2] * eps[2];
    memcpy(d, c, 9 * sizeof *d);
}

/*
 * Internal forces f (2*nnodes) at u and, when tangent, the tangent assembled into h->k over
 * the unknowns and tv = K_T dv (2*nnodes, all dofs).
 */
static void
nl_forces(struct fe_elast *h, const double *cmat, const struct fe_law *law, const double *u,
          double *f, int tangent, const double *dv, double *tv)
{
    const struct fe_mesh *m = h->m;
    double b[18], a, eps[3], sig[3], d[9];
    long dd[6];
    memset(f, 0, 2 * m->nnodes * sizeof *f);
    if (tangent) {
        memset(h->k.val, 0, (size_t)h->k.ptr[h->k.n] * sizeof *h->k.val);
        memset(tv, 0, 2 * m->nnodes * sizeof *tv);
    }
    for (size_t e = 0; e < m->ntris; e++) {
        const size_t *v = &m->tri[3 * e];
        double db[18];
        tri_strain(m, e, u, b, &a, eps);
        tri_law(m, cmat, law, e, eps, sig, d);
        for (int j = 0; j < 6; j++)
            f[2 * v[j / 2] + j % 2] += a * (b[j] * sig[0] + b[6 + j] * sig[1] + b[12 + j] * sig[2]);
        if (!tangent)
            continue;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 6; j++)
                db[6 * i + j] =
                    d[3 * i] * b[j] + d[3 * i + 1] * b[6 + j] + d[3 * i + 2] * b[12 + j];
        tri_dofs(h, e, dd);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) {
                double kij = a * (b[i] * db[j] + b[6 + i] * db[6 + j] + b[12 + i] * db[12 + j]);
                if (dd[i] >= 0 && dd[j] >= 0)
                    fe_csr_add(&h->k, dd[i], dd[j], kij);
                tv[2 * v[i / 2] + i % 2] += kij * dv[2 * v[j / 2] + j % 2];
            }
    }
    /* the cohesive interfaces, from the committed history into the trial one */
    for (size_t fi = 0; h->coh && fi < m->nifaces; fi++) {
        const size_t *v = &m->iface[4 * fi];
        double ff[8], kf[64];
        long d8[8];
        iface_elem(m, h->coh, fi, u, h->kappa + 2 * fi, h->ktrial + 2 * fi, h->secant, ff,
                   tangent ? kf : NULL);
        for (int j = 0; j < 8; j++)
            f[2 * v[j / 2] + j % 2] += ff[j];
        if (!tangent)
            continue;
        elem_dofs(h, m->ntris + fi, d8);
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++) {
                if (d8[i] >= 0 && d8[j] >= 0)
                    fe_csr_add(&h->k, d8[i], d8[j], kf[8 * i + j]);
                tv[2 * v[i / 2] + i % 2] += kf[8 * i + j] * dv[2 * v[j / 2] + j % 2];
            }
    }
}

/* The state of a tension run: the plan, the boundary, the work arrays. */
struct nl_run {
    struct fe_elast *h;
    const double *cmat;
    const struct fe_law *law;
    unsigned char *fixed; /* 2*nnodes */
    double *f, *tv, *dp;  /* 2*nnodes */
    double *b, *du;       /* ndofs */
    double box[4], eps, lx, ly;
    size_t newton;
    double fscale; /* the largest norm of the reactions at a balance so far: once softening
                      interfaces or phases unload the structure, the residual is measured
                      against it (the reactions of a broken bar are 0) */
};

/* Whether node i is on the left side (u_x = 0). */
static int
on_left(const struct nl_run *r, size_t i)
{
    return fabs(r->h->m->xy[2 * i] - r->box[0]) <= r->eps;
}

/*
 * From the balance u at applied strain from, to the balance at strain to: a predictor (the
 * increment of the end displacement through the tangent at u, K_ff du = -(f_f + K_fp dp)),
 * then Newton. CORE_ENOCONV when Newton does not converge in 50 iterations; the linear
 * solver's CORE_ENOCONV or CORE_EPHYS; u is then partly updated.
 */
static int
nl_step(struct nl_run *r, double from, double to, double *u, struct core_err *err)
{
    const struct fe_mesh *m = r->h->m;
    /* the secant converges linearly: it gets more iterations */
    size_t n = m->nnodes, maxit = r->h->secant ? 400 : 50;
    for (size_t i = 0; i < n; i++)
        r->dp[2 * i] = r->fixed[2 * i] && !on_left(r, i) ? (to - from) * r->lx : 0;
    for (size_t it = 0;; it++) {
        double rn = 0, fn = 0;
        int rc;
        nl_forces(r->h, r->cmat, r->law, u, r->f, 1, r->dp, r->tv);
        if (it == 0)
            for (size_t i = 0; i < 2 * n; i++)
                r->f[i] += r->tv[i];
        for (size_t i = 0; i < 2 * n; i++) {
            long d = r->h->dof[i];
            if (d >= 0) {
                r->b[d] = -r->f[i];
                rn += r->f[i] * r->f[i];
            } else {
                fn += r->f[i] * r->f[i];
            }
        }
        rn = sqrt(rn);
        fn = sqrt(fn);
        if (!isfinite(rn))
            return core_err_set(err, CORE_ENOCONV, "Newton diverged at strain %g", to);
        if (it > 0 && (rn <= 1e-10 * fmax(fn, r->fscale) || rn == 0)) {
            r->fscale = fmax(r->fscale, fn);
            return CORE_OK;
        }
        if (it == maxit)
            return core_err_set(err, CORE_ENOCONV,
                                "Newton not converged at strain %g after %zu iterations "
                                "(residual %.3g of the reactions)",
                                to, maxit, rn / fn);
        if ((rc = esolve_setup(r->h, err)) || (rc = esolve(r->h, r->b, rn, r->du, err)))
            return rc;
        r->newton++;
        for (size_t i = 0; i < 2 * n; i++)
            if (r->h->dof[i] >= 0)
                u[i] += r->du[r->h->dof[i]];
            else if (it == 0)
                u[i] += r->dp[i];
    }
}

/* The largest q / peak strain over the elements with a law, and its element. */
static double
nl_ratio(const struct nl_run *r, const double *u, size_t *elem)
{
    const struct fe_mesh *m = r->h->m;
    double best = 0;
    *elem = 0;
    for (size_t e = 0; r->law && e < m->ntris; e++) {
        const struct fe_law *l = &r->law[m->tri_phase[e]];
        double bb[18], a, es[3], q;
        if (!l->npts)
            continue;
        tri_strain(m, e, u, bb, &a, es);
        q = fe_law_strain(l, es) / fe_law_peak(l);
        if (q > best) {
            best = q;
            *elem = e;
        }
    }
    return best;
}

/* One row of the curve: strain, F / Ly, nu. */
static void
nl_row(const struct nl_run *r, double strain, const double *u, double row[3])
{
    const struct fe_mesh *m = r->h->m;
    double fsum = 0, ytop = 0, ybot = 0;
    size_t nbot = 0, ntop = 0;
    for (size_t i = 0; i < m->nnodes; i++) {
        double y = m->xy[2 * i + 1];
        if (r->fixed[2 * i] && !on_left(r, i))
            fsum += r->f[2 * i];
        if (fabs(y - r->box[1]) <= r->eps) {
            ybot += u[2 * i + 1];
            nbot++;
        } else if (fabs(y - r->box[3]) <= r->eps) {
            ytop += u[2 * i + 1];
            ntop++;
        }
    }
    row[0] = strain;
    row[1] = fsum / r->ly;
    row[2] = nbot && ntop ? -(ytop / (double)ntop - ybot / (double)nbot) / r->ly / strain : 0;
}

/*
 * The state of the interfaces at the committed history: largest damage (and its element),
 * fraction of the length fully damaged, energy dissipated, length.
 */
static void
coh_state(const struct fe_elast *h, double *dmax, size_t *imax, double *broken, double *diss,
          double *len)
{
    const struct fe_mesh *m = h->m;
    double bl = 0;
    *dmax = *broken = *diss = *len = 0;
    *imax = 0;
    for (size_t f = 0; h->coh && f < m->nifaces; f++) {
        const struct fe_cohesive *c = &h->coh[m->iface_group[f]];
        double n[2], s[2], l = iface_frame(m, f, n, s);
        *len += l;
        for (int g = 0; g < 2; g++) {
            double k = h->kappa[2 * f + g], d = fe_cohesive_damage(c, k);
            if (d > *dmax) {
                *dmax = d;
                *imax = f;
            }
            bl += d >= 1 ? 0.5 * l : 0;
            *diss += 0.5 * l * fe_cohesive_dissipated(c, k);
        }
    }
    *broken = *len > 0 ? bl / *len : 0;
}

int
fe_elast_tension_nl(const struct fe_mesh *m, const double *cmat, const struct fe_law *law,
                    const struct fe_solve_opts *o, double tol, double strain, size_t nsteps,
                    double *curve, struct fe_failure *fail, double *u, struct fe_solve_stats *st,
                    struct core_err *err)
{
    return fe_elast_tension_coh(m, cmat, law, NULL, o, tol, strain, nsteps, curve, NULL, fail, u,
                                NULL, st, err);
}

int
fe_elast_tension_coh(const struct fe_mesh *m, const double *cmat, const struct fe_law *law,
                     const struct fe_cohesive *coh, const struct fe_solve_opts *o, double tol,
                     double strain, size_t nsteps, double *curve, double *dcurve,
                     struct fe_failure *fail, double *u, double *damage, struct fe_solve_stats *st,
                     struct core_err *err)
{
    int crack = 0;
    size_t crack_iface = 0;
    double crack_strain = 0;
    size_t n = m->nnodes, pin = n, nlo = 0, nhi = 0;
    struct nl_run r = {0};
    double *uu = u ? u : malloc((2 * n + 1) * sizeof *uu);
    double *ulast = malloc((2 * n + 1) * sizeof *ulast), best = HUGE_VAL, cur = 0, rcur = 0;
    int rc = CORE_OK;
    if (st)
        memset(st, 0, sizeof *st);
    memset(fail, 0, sizeof *fail);
    r.cmat = cmat;
    r.law = law;
    r.fixed = calloc(2 * n + 1, 1);
    r.f = malloc((2 * n + 1) * sizeof *r.f);
    r.tv = malloc((2 * n + 1) * sizeof *r.tv);
    r.dp = calloc(2 * n + 1, sizeof *r.dp);
    if (!uu || !ulast || !r.fixed || !r.f || !r.tv || !r.dp) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        goto done;
    }
    memset(uu, 0, 2 * n * sizeof *uu);
    if (!isfinite(strain) || strain == 0 || nsteps == 0) {
        rc = core_err_set(err, CORE_EINPUT, "bad strain or step count");
        goto done;
    }
    for (size_t p = 0; law && p < m->nphases; p++)
        if (law[p].npts && (rc = fe_law_check(&law[p], err)))
            goto done;
    if ((rc = coh_validate(m, coh, &coh, err)))
        goto done;
    fe_mesh_box(m, r.box);
    r.lx = r.box[2] - r.box[0];
    r.ly = r.box[3] - r.box[1];
    r.eps = tol * fmax(r.lx, r.ly);
    for (size_t i = 0; i < n; i++) {
        double x = m->xy[2 * i], y = m->xy[2 * i + 1];
        if (fabs(x - r.box[0]) <= r.eps) {
            r.fixed[2 * i] = 1;
            nlo++;
            if (fabs(y - r.box[1]) < best) {
                best = fabs(y - r.box[1]);
                pin = i;
            }
        } else if (fabs(x - r.box[2]) <= r.eps) {
            r.fixed[2 * i] = 1;
            nhi++;
        }
    }
    if (!nlo || !nhi || !(r.lx > 0) || !(r.ly > 0)) {
        rc = core_err_set(err, CORE_EINPUT, "the mesh has no extent along x");
        goto done;
    }
    r.fixed[2 * pin + 1] = 1;
    /* the plan gives the numbering and the pattern; its linear stiffness is not used */
    if ((rc = plan_coh(&r.h, m, cmat, coh, NULL, r.fixed, o, err)))
        goto done;
    r.b = malloc((r.h->ndofs + 1) * sizeof *r.b);
    r.du = malloc((r.h->ndofs + 1) * sizeof *r.du);
    if (!r.b || !r.du) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t k = 1; k <= nsteps && !fail->failed; k++) {
        double ek = strain * (double)k / (double)nsteps, h = ek - cur;
        /* sub-steps, halved when Newton fails (down to 1/256 of a step) */
        while (cur != ek && !fail->failed) {
            double to = fabs(ek - cur) < fabs(h) * 1.000001 ? ek : cur + h, rto;
            size_t elem;
            memcpy(ulast, uu, 2 * n * sizeof *uu);
            rc = nl_step(&r, cur, to, uu, err);
            if ((rc == CORE_ENOCONV || rc == CORE_EPHYS) && coh) {
                /* the consistent tangent of softening interfaces may be indefinite: the secant */
                memcpy(uu, ulast, 2 * n * sizeof *uu);
                r.h->secant = 1;
                rc = nl_step(&r, cur, to, uu, err);
                r.h->secant = 0;
                fail->nsecant += rc == CORE_OK;
            }
            if (rc == CORE_ENOCONV || rc == CORE_EPHYS) {
                double dm, br, di, le;
                size_t im;
                memcpy(uu, ulast, 2 * n * sizeof *uu);
                if (fabs(h) > fabs(strain) / (double)nsteps / 256) {
                    h *= 0.5;
                    fail->ncuts++;
                    rc = CORE_OK;
                    continue;
                }
                coh_state(r.h, &dm, &im, &br, &di, &le);
                if (dm > 0) { /* the balance is lost while an interface softens */
                    rc = CORE_OK;
                    fail->failed = 4;
                    fail->elem = im;
                    fail->ratio = dm;
                    fail->strain = cur;
                    break;
                }
                if (rcur < 0.9) /* no phase near its peak: a numerical failure */
                    goto done;
                /* the balance is lost past a limit point: the structure fails here */
                rc = CORE_OK;
                fail->failed = 2;
                fail->ratio = nl_ratio(&r, uu, &fail->elem);
                fail->strain = cur;
                break;
            }
            if (rc)
                goto done;
            if (coh) { /* commit the history; the first damage and the first crack */
                double dm, br, di, le;
                size_t im;
                memcpy(r.h->kappa, r.h->ktrial, 2 * m->nifaces * sizeof *r.h->kappa);
                coh_state(r.h, &dm, &im, &br, &di, &le);
                if (dm > 1e-9 && !fail->onset) { /* not rounding at the strength */
                    fail->onset = 1;
                    fail->onset_strain = to;
                    fail->onset_iface = im;
                }
                if (dm >= 1 && !crack) {
                    crack = 1;
                    crack_strain = to;
                    crack_iface = im;
                }
            }
            rto = nl_ratio(&r, uu, &elem);
            if (rto > 1) {
                fail->failed = 1;
                fail->elem = elem;
                fail->ratio = rto;
                /* where the ratio crossed 1, linear between the two last balances */
                fail->strain = cur + (1 - rcur) / (rto - rcur) * (to - cur);
            }
            cur = to;
            rcur = rto;
        }
        if (cur == ek || fail->failed) {
            nl_forces(r.h, cmat, law, uu, r.f, 0, NULL, NULL);
            nl_row(&r, cur, uu, &curve[3 * fail->nsteps]);
            if (dcurve) {
                double br, le;
                size_t im;
                coh_state(r.h, &dcurve[2 * fail->nsteps], &im, &br, &dcurve[2 * fail->nsteps + 1],
                          &le);
            }
            fail->nsteps++;
        }
    }
    fail->newton = r.newton;
    if (damage) {
        memset(damage, 0, 2 * m->nifaces * sizeof *damage);
        for (size_t f = 0; coh && f < m->nifaces; f++)
            for (int g = 0; g < 2; g++)
                damage[2 * f + g] =
                    fe_cohesive_damage(&coh[m->iface_group[f]], r.h->kappa[2 * f + g]);
    }
    if (coh) {
        size_t im;
        coh_state(r.h, &fail->dmax, &im, &fail->broken, &fail->dissipated, &fail->ilength);
        if (crack && !fail->failed) {
            fail->failed = 3;
            fail->elem = crack_iface;
            fail->ratio = 1;
            fail->strain = crack_strain;
        }
    }
    if (st)
        fe_stats_add(st, fe_elast_stats(r.h));
done:
    fe_elast_free(r.h);
    free(r.fixed);
    free(r.f);
    free(r.tv);
    free(r.dp);
    free(r.b);
    free(r.du);
    free(ulast);
    if (uu != u)
        free(uu);
    return rc;
}

void
fe_elast_stress_law(const struct fe_mesh *m, const double *cmat, const struct fe_law *law,
                    const double *u, double *strain, double *stress, double *ratio)
{
    for (size_t e = 0; e < m->ntris; e++) {
        const struct fe_law *l = law ? &law[m->tri_phase[e]] : NULL;
        double b[18], a, eps[3], sig[3], d[9];
        tri_strain(m, e, u, b, &a, eps);
        tri_law(m, cmat, law, e, eps, sig, d);
        for (int r = 0; r < 3; r++) {
            if (strain)
                strain[3 * e + r] = eps[r];
            if (stress)
                stress[3 * e + r] = sig[r];
        }
        if (ratio)
            ratio[e] = l && l->npts ? fe_law_strain(l, eps) / fe_law_peak(l) : 0;
    }
}
