/*
 * fe-solve: a Gmsh mesh with phases and interfaces + a material file -> effective properties
 * (a table) and fields (VTU). Steady heat conduction (--heat) with anisotropic conductivity
 * per phase and interfacial (Kapitza) conductance, homogenised over a periodic cell, measured
 * across a slab, or solved with the boundary conditions of the material file; linear
 * plane-stress elasticity (--elastic) with bonded interfaces, homogenised (the effective
 * stiffness) or in displacement-controlled tension, where interfaces may also be cohesive
 * (linear, or bilinear with damage). See man/fe-solve.1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../formats/feout.h"
#include "../formats/gmsh.h"
#include "../formats/material.h"
#include "../formats/prog.h"
#include "../formats/stream.h"
#include "../formats/vtu.h"
#include "../lib/fe/fe.h"

static const char synopsis[] = "--heat | --elastic -m FILE [options] [MESH]";

enum {
    OPT_HEAT = 256,
    OPT_ELASTIC,
    OPT_STRAIN,
    OPT_STEPS,
    OPT_VTU,
    OPT_SOLVER,
    OPT_RTOL,
    OPT_TOL,
    OPT_PROGRESS,
    OPT_VERSION,
};

static const struct prog_opt opts[] = {
    {"heat", OPT_HEAT, NULL, "steady heat conduction (one analysis is required)"},
    {"elastic", OPT_ELASTIC, NULL, "linear plane-stress elasticity"},
    {"materials", 'm', "FILE", "material file: conductivities, moduli, thicknesses, BCs"},
    {"bc", 'b', "NAME",
     "periodic (homogenisation); --heat: slab or given (from -m); --elastic: tension (periodic)"},
    {"strain", OPT_STRAIN, "X", "--bc tension: the applied strain (0.01)"},
    {"steps", OPT_STEPS, "N",
     "--bc tension: load steps (100 with a bilinear interface, 20 with a curve, else 1)"},
    {"unit", 'u', "L", "length of one mesh unit: 1nm, 10A, ... (1nm)"},
    {"vtu", OPT_VTU, "FILE", "write the temperature and flux fields to FILE (VTU)"},
    {"solver", OPT_SOLVER, "NAME", "auto, pcg or cholmod (auto: pcg)"},
    {"rtol", OPT_RTOL, "X", "pcg: relative residual to reach (1e-10)"},
    {"tol", OPT_TOL, "X", "matching of periodic nodes and sides, relative to the box (1e-8)"},
    {"output", 'o', "FILE", "write the table to FILE instead of stdout"},
    {"progress", OPT_PROGRESS, NULL, "report progress on stderr"},
    {"quiet", 'q', NULL, "no warnings"},
    {"verbose", 'v', NULL, "solver statistics and timings on stderr"},
    {"help", 'h', NULL, "show this help"},
    {"version", OPT_VERSION, NULL, "show the version"},
};

#define NOPTS (sizeof opts / sizeof opts[0])

enum bc_kind { BC_PERIODIC, BC_SLAB, BC_GIVEN, BC_TENSION };

struct solve_opts {
    int heat, elastic;
    double strain;
    size_t steps;     /* 0: the default */
    int strain_given; /* --strain */
    const char *materials, *mesh, *vtu, *output;
    enum bc_kind bc;
    double unit; /* m per mesh unit */
    struct fe_solve_opts so;
    double tol;
};

static int
parse_one(void *ctx, int c, const char *arg, struct core_err *err)
{
    struct solve_opts *o = ctx;
    double v;
    switch (c) {
    case OPT_HEAT:
        o->heat = 1;
        return 0;
    case OPT_ELASTIC:
        o->elastic = 1;
        return 0;
    case OPT_STRAIN:
        if (core_parse_double(arg, &v) || !(v != 0 && fabs(v) < 1))
            return core_err_set(err, CORE_EINPUT, "--strain: '%s' is not in (-1, 1) and not 0",
                                arg);
        o->strain = v;
        o->strain_given = 1;
        return 0;
    case 'm':
        o->materials = arg;
        return 0;
    case 'b':
        if (strcmp(arg, "periodic") == 0)
            o->bc = BC_PERIODIC;
        else if (strcmp(arg, "slab") == 0)
            o->bc = BC_SLAB;
        else if (strcmp(arg, "given") == 0)
            o->bc = BC_GIVEN;
        else if (strcmp(arg, "tension") == 0)
            o->bc = BC_TENSION;
        else
            return core_err_set(err, CORE_EINPUT,
                                "--bc: '%s' is not periodic, slab, given or tension", arg);
        return 0;
    case OPT_STEPS: {
        long n;
        if (core_parse_long(arg, &n) || n < 1 || n > 100000)
            return core_err_set(err, CORE_EINPUT, "--steps: '%s' is not in 1 .. 100000", arg);
        o->steps = (size_t)n;
        return 0;
    }
    case 'u':
        if (core_quantity_parse(arg, CORE_DIM_LENGTH, &v, err) || !(v > 0))
            return core_err_set(err, CORE_EINPUT, "--unit: '%s' is not a length > 0 (1nm, 10A)",
                                arg);
        o->unit = v * 1e-10;
        return 0;
    case OPT_VTU:
        o->vtu = arg;
        return 0;
    case OPT_SOLVER:
        if (strcmp(arg, "auto") == 0)
            o->so.solver = FE_SOLVER_AUTO;
        else if (strcmp(arg, "cholmod") == 0)
            o->so.solver = FE_SOLVER_CHOLMOD;
        else if (strcmp(arg, "pcg") == 0)
            o->so.solver = FE_SOLVER_PCG;
        else
            return core_err_set(err, CORE_EINPUT, "--solver: '%s' is not auto, cholmod or pcg",
                                arg);
        return 0;
    case OPT_RTOL:
    case OPT_TOL:
        if (core_parse_double(arg, &v) || !(v > 0 && v < 0.1))
            return core_err_set(err, CORE_EINPUT, "--%s: '%s' is not in (0, 0.1)",
                                c == OPT_RTOL ? "rtol" : "tol", arg);
        *(c == OPT_RTOL ? &o->so.rtol : &o->tol) = v;
        return 0;
    case 'o':
        o->output = arg;
        return 0;
    }
    return core_err_set(err, CORE_EINTERNAL, "option %d not handled", c);
}

/* ---- the material file (formats/material) ---- */

static int
materials_read(const char *path, struct material_file *mat, struct core_err *err)
{
    struct stream_in in;
    int rc = stream_in_open(&in, path, err);
    if (rc)
        return rc;
    rc = material_read(&in, mat, err);
    stream_in_close(&in);
    return rc ? rc : material_tables_read(mat, err);
}

/* ---- the problem ---- */

struct problem {
    struct gmsh_mesh g;
    struct fe_mesh m;
    int *pt, *gt; /* physical tags of the phases and groups */
    char (*pname)[GMSH_NAMELEN], (*gname)[GMSH_NAMELEN];
    struct fe_problem f;    /* the parameters of the phases and groups */
    struct feout_info info; /* what the outputs record of the problem; borrows the above */
};

static void
problem_release(struct problem *pb)
{
    gmsh_mesh_release(&pb->g);
    fe_mesh_release(&pb->m);
    free(pb->pt);
    free(pb->gt);
    free(pb->pname);
    free(pb->gname);
    fe_problem_release(&pb->f);
}

/* Names the mesh's groups and fills the parameters from the material entries. */
static int
setup(struct problem *pb, const struct material_file *mat, const struct solve_opts *o,
      struct prog *p, struct core_err *err)
{
    size_t np = pb->m.nphases, ng = pb->m.ngroups;
    double *area = calloc(np + 1, sizeof *area);
    int rc;
    pb->pname = calloc(np + 1, sizeof *pb->pname);
    pb->gname = calloc(ng + 1, sizeof *pb->gname);
    if (!pb->pname || !pb->gname || !area) {
        free(area);
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < np + ng; i++) {
        int dim = i < np ? 2 : 1, tag = i < np ? pb->pt[i] : pb->gt[i - np];
        const struct gmsh_physical *ph = gmsh_physical_find(&pb->g, dim, tag);
        char *name = i < np ? pb->pname[i] : pb->gname[i - np];
        if (ph && ph->name[0])
            snprintf(name, GMSH_NAMELEN, "%s", ph->name);
        else
            snprintf(name, GMSH_NAMELEN, "%d", tag);
    }
    for (size_t i = 0; i < mat->n; i++) {
        const struct material_entry *e = &mat->e[i];
        if (e->name[0] && (e->prop == MATERIAL_T || e->prop == MATERIAL_Q) && o->bc != BC_GIVEN &&
            o->heat)
            prog_warn(p, "%s:%ld: %s.%s is used only with --bc given", mat->file, e->line, e->name,
                      material_prop_name(e->prop));
        if (e->name[0] && e->prop >= MATERIAL_COHESIVE && o->heat)
            prog_warn(p, "%s:%ld: %s.%s is used only with --elastic", mat->file, e->line, e->name,
                      material_prop_name(e->prop));
    }
    fe_mesh_area(&pb->m, area);
    rc = material_fe_problem_get(mat, o->mesh, o->heat, o->elastic, np, pb->pname[0], ng,
                                 pb->gname[0], GMSH_NAMELEN, area, &pb->f, err);
    free(area);
    return rc;
}

static int
read_mesh(struct problem *pb, const struct solve_opts *o, struct core_err *err)
{
    struct stream_in in;
    char name[STREAM_NAMELEN];
    int rc = stream_in_open(&in, o->mesh, err);
    if (rc)
        return rc;
    snprintf(name, sizeof name, "%s", in.name);
    rc = gmsh_read(&in, &pb->g, err);
    stream_in_close(&in);
    if (!rc)
        rc = gmsh_to_fe(&pb->g, name, o->unit, &pb->m, &pb->pt, &pb->gt, err);
    return rc;
}

/* Prefixes err's message with the mesh name (lib/fe messages say what, not where). */
static int
where(int rc, const char *name, struct core_err *err)
{
    char msg[CORE_ERR_MSGLEN];
    if (!rc)
        return 0;
    snprintf(msg, sizeof msg, "%s", err->msg);
    return core_err_set(err, rc, "%s: %s", name, msg);
}

/* ---- output ---- */

/* The temperatures t and their fluxes q = -k grad T (kreal: W/(m K)) as a VTU grid. */
static int
write_vtu(FILE *fp, const struct problem *pb, size_t nfields, const char *const *names,
          double *const *t, struct core_err *err)
{
    const struct fe_mesh *m = &pb->m;
    double *q = malloc((2 * nfields * m->ntris + 1) * sizeof *q);
    struct vtu_array pd[2], cd[2];
    char qnames[2][32];
    int rc;
    if (!q)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    for (size_t f = 0; f < nfields; f++) {
        fe_heat_flux(m, pb->f.kreal, t[f], q + 2 * f * m->ntris);
        pd[f] = (struct vtu_array){names[f], 1, t[f]};
        snprintf(qnames[f], sizeof qnames[f], "q%s", names[f] + 1);
        cd[f] = (struct vtu_array){qnames[f], 2, q + 2 * f * m->ntris};
    }
    rc = feout_vtu_write(fp, &pb->info, nfields, pd, nfields, cd, err);
    free(q);
    return rc;
}

static void
report(struct prog *p, const struct fe_solve_stats *st)
{
    prog_info(p,
              "%zu unknowns, %zu nonzeros, %zu pinned, solver %s (%zu AMG levels), last "
              "solve %zu iterations, residual %.2e",
              st->ndofs, st->nnz, st->npinned, fe_solver_name(st->solver), st->levels, st->iters,
              st->resid);
    prog_info(p, "time: assembly %.3f s, set-up %.3f s, solves %.3f s", st->t_assemble, st->t_setup,
              st->t_solve);
}

/* ---- elasticity ---- */

/* Scales u (2*nnodes, m) to mesh units and fills strain and stress (3*ntris, output unit). */
static void
elastic_fields(const struct problem *pb, const struct solve_opts *o, double *u, double *eps,
               double *sig)
{
    const struct fe_mesh *m = &pb->m;
    fe_elast_stress(m, pb->f.cmat, u, eps, sig);
    for (size_t e = 0; e < 3 * m->ntris; e++)
        sig[e] *= pb->f.oscale;
    for (size_t i = 0; i < 2 * m->nnodes; i++)
        u[i] /= o->unit;
}

static int
run_elastic_periodic(struct problem *pb, const struct solve_opts *o, struct prog *p, FILE *fp,
                     FILE *vtu, struct core_err *err)
{
    struct fe_mesh *m = &pb->m;
    struct fe_solve_stats st;
    size_t nn = 2 * m->nnodes, nt = 3 * m->ntris;
    double c[9] = {0}, sm[9] = {0}, *u = malloc((3 * nn + 6 * nt + 1) * sizeof *u);
    int rc;
    if (!u)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    prog_progress(p, "homogenisation: %zu nodes", m->nnodes);
    rc = where(fe_elast_homog_coh(m, pb->f.cmat, pb->f.have_coh ? pb->f.coh : NULL, &o->so, o->tol,
                                  c, u, &st, err),
               o->mesh, err);
    rc = rc ? rc : where(fe_elast_compliance(c, sm, err), o->mesh, err);
    if (!rc) {
        report(p, &st);
        rc = feout_elast_write(fp, &pb->info, &st, c, sm, pb->f.oscale, pb->f.ounit, err);
    }
    if (!rc && vtu) {
        /* the three load cases at a mean strain of 1 % */
        static const char *const un[] = {"u_xx", "u_yy", "u_xy"};
        static const char *const sn[] = {"stress_xx", "stress_yy", "stress_xy"};
        struct vtu_array pd[3], cd[3];
        double *sig = u + 3 * nn;
        for (size_t i = 0; i < 3 * nn; i++)
            u[i] *= 0.01;
        for (int k = 0; k < 3; k++) {
            elastic_fields(pb, o, u + k * nn, NULL, sig + k * nt);
            pd[k] = (struct vtu_array){un[k], 2, u + k * nn};
            cd[k] = (struct vtu_array){sn[k], 3, sig + k * nt};
        }
        rc = feout_vtu_write(vtu, &pb->info, 3, pd, 3, cd, err);
    }
    free(u);
    return rc;
}

/* The -v lines on where a tension run began to soften and where it failed. */
static void
report_failure(struct prog *p, const struct problem *pb, const struct solve_opts *o,
               const struct fe_failure *fl)
{
    double c[2];
    if (pb->f.have_coh && fl->onset) {
        fe_mesh_iface_mid(&pb->m, fl->onset_iface, o->unit, c);
        prog_info(p, "interface damage starts at strain %.6g near (%g, %g)", fl->onset_strain, c[0],
                  c[1]);
    }
    if (fl->failed >= 3) {
        fe_mesh_iface_mid(&pb->m, fl->elem, o->unit, c);
        prog_info(p, "fails at strain %.6g: %s, interface element %zu at (%g, %g)", fl->strain,
                  fl->failed == 3 ? "the interface cracks (full damage)"
                                  : "the balance is lost while the interface softens",
                  fl->elem + 1, c[0], c[1]);
    } else if (fl->failed) {
        fe_mesh_tri_centroid(&pb->m, fl->elem, o->unit, c);
        prog_info(p, "fails at strain %.6g: %s, triangle %zu at (%g, %g)", fl->strain,
                  fl->failed == 1 ? "the strain passes the peak of the curve"
                                  : "the balance is lost at a peak",
                  fl->elem + 1, c[0], c[1]);
    }
}

static int
run_tension(struct problem *pb, const struct solve_opts *o, struct prog *p, FILE *fp, FILE *vtu,
            struct core_err *err)
{
    struct fe_mesh *m = &pb->m;
    struct fe_solve_stats st;
    struct fe_failure fl = {0};
    size_t nn = 2 * m->nnodes, nt = 3 * m->ntris, nrows = 1;
    int soft = 0; /* a bilinear (softening) interface */
    size_t nsteps;
    int nl = pb->f.have_curve || o->steps || pb->f.have_coh;
    double *u = malloc((nn + 2 * nt + m->ntris + 1) * sizeof *u), *curve, *dcurve, iarea = 0;
    double *dmg = calloc(2 * m->nifaces + m->nnodes + 1, sizeof *dmg); /* per point, per node */
    int rc;
    for (size_t q = 0; q < m->ngroups; q++)
        soft |= pb->f.coh[q].kind == FE_COH_BILINEAR;
    nsteps = o->steps ? o->steps : soft ? 100 : pb->f.have_curve ? 20 : 1;
    curve = malloc((3 * nsteps + 1) * sizeof *curve);
    dcurve = malloc((2 * nsteps + 1) * sizeof *dcurve);
    if (!u || !curve || !dcurve || !dmg) {
        free(u);
        free(curve);
        free(dcurve);
        free(dmg);
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    }
    /* the area of the cohesive interfaces (length times thickness), for the energy per area */
    iarea = fe_mesh_iface_area(m, pb->f.tgroup);
    prog_progress(p, "tension: %zu nodes, %zu steps", m->nnodes, nl ? nsteps : 1);
    if (nl) {
        rc = where(fe_elast_tension_coh(m, pb->f.cmat, pb->f.law, pb->f.have_coh ? pb->f.coh : NULL,
                                        &o->so, o->tol, o->strain, nsteps, curve, dcurve, &fl, u,
                                        dmg, &st, err),
                   o->mesh, err);
        nrows = fl.nsteps;
    } else {
        rc = where(
            fe_elast_tension(m, pb->f.cmat, &o->so, o->tol, o->strain, curve + 1, u, &st, err),
            o->mesh, err);
        curve[0] = o->strain;
        curve[2] = curve[3];
    }
    if (!rc) {
        report(p, &st);
        if (nl)
            prog_info(p, "%zu steps, %zu Newton iterations, %zu step cuts, %zu secant steps",
                      fl.nsteps, fl.newton, fl.ncuts, fl.nsecant);
        if (fl.ncuts)
            prog_warn(p, "Newton failed on %zu sub-steps, which were halved (cut)", fl.ncuts);
        rc = feout_meta_write(fp, &pb->info, &st, err);
    }
    if (!rc) {
        struct feout_tension tw = {nl,    nsteps, &fl,    pb->f.have_coh, iarea,
                                   nrows, curve,  dcurve, pb->f.oscale,   pb->f.ounit};
        rc = feout_tension_write(fp, &pb->info, &tw, err);
    }
    if (!rc && nl)
        report_failure(p, pb, o, &fl);
    if (!rc && vtu) {
        struct vtu_array pd[2], cd[3];
        double *nd = dmg + 2 * m->nifaces; /* a node's damage: its nearer Gauss point's, the
                                              largest of its interface elements */
        double *eps = u + nn, *sig = u + nn + nt, *ratio = u + nn + 2 * nt;
        fe_elast_stress_law(m, pb->f.cmat, pb->f.law, u, eps, sig, ratio);
        for (size_t e = 0; e < nt; e++)
            sig[e] *= pb->f.oscale;
        for (size_t i = 0; i < nn; i++)
            u[i] /= o->unit;
        pd[0] = (struct vtu_array){"u", 2, u};
        cd[0] = (struct vtu_array){"strain", 3, eps};
        cd[1] = (struct vtu_array){"stress", 3, sig};
        cd[2] = (struct vtu_array){"peak_ratio", 1, ratio};
        if (pb->f.have_coh)
            fe_cohesive_node_damage(m, dmg, nd);
        pd[1] = (struct vtu_array){"damage", 1, nd};
        rc = feout_vtu_write(vtu, &pb->info, pb->f.have_coh ? 2 : 1, pd, 3, cd, err);
    }
    free(u);
    free(curve);
    free(dcurve);
    free(dmg);
    return rc;
}

/* ---- the three analyses of heat ---- */

static int
run_periodic(struct problem *pb, const struct solve_opts *o, struct prog *p, FILE *fp, FILE *vtu,
             struct core_err *err)
{
    struct fe_mesh *m = &pb->m;
    struct fe_solve_stats st;
    double keff[3], box[4], *t = malloc((2 * m->nnodes + 1) * sizeof *t), *tt[2];
    static const char *const names[] = {"T_x", "T_y"};
    int rc;
    if (!t)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    tt[0] = t;
    tt[1] = t + m->nnodes;
    prog_progress(p, "homogenisation: %zu nodes", m->nnodes);
    rc = where(
        fe_heat_homog(m, pb->f.kappa, pb->f.gcond, &o->so, o->tol, keff, tt[0], tt[1], &st, err),
        o->mesh, err);
    if (!rc) {
        report(p, &st);
        rc = feout_heat_write(fp, &pb->info, &st, 3, keff, err);
    }
    if (!rc && vtu) {
        /* fields for a 1 K drop across the box: T = 1 - t / L */
        fe_mesh_box(m, box);
        for (size_t i = 0; i < m->nnodes; i++) {
            tt[0][i] = 1 - tt[0][i] / (box[2] - box[0]);
            tt[1][i] = 1 - tt[1][i] / (box[3] - box[1]);
        }
        rc = write_vtu(vtu, pb, 2, names, tt, err);
    }
    free(t);
    return rc;
}

static int
run_slab(struct problem *pb, const struct solve_opts *o, struct prog *p, FILE *fp, FILE *vtu,
         struct core_err *err)
{
    struct fe_mesh *m = &pb->m;
    struct fe_solve_stats st;
    double k[2], *t = malloc((2 * m->nnodes + 1) * sizeof *t), *tt[2];
    static const char *const names[] = {"T_x", "T_y"};
    int rc;
    if (!t)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    tt[0] = t;
    tt[1] = t + m->nnodes;
    prog_progress(p, "slab: %zu nodes", m->nnodes);
    rc = where(fe_heat_slab(m, pb->f.kappa, pb->f.gcond, &o->so, o->tol, k, tt[0], tt[1], &st, err),
               o->mesh, err);
    if (!rc) {
        report(p, &st);
        rc = feout_heat_write(fp, &pb->info, &st, 2, k, err);
    }
    if (!rc && vtu)
        rc = write_vtu(vtu, pb, 2, names, tt, err);
    free(t);
    return rc;
}

static int
run_given(struct problem *pb, const struct material_file *mat, const struct solve_opts *o,
          struct prog *p, FILE *fp, FILE *vtu, struct core_err *err)
{
    struct fe_mesh *m = &pb->m;
    size_t n = m->nnodes, ng = m->ngroups;
    unsigned char *fixed = calloc(n + 1, 1);
    int *owner = malloc((n + 1) * sizeof *owner);
    double *tfix = calloc(n + 1, sizeof *tfix), *t = calloc(n + 1, sizeof *t);
    double *qedge = calloc(m->nedges + 1, sizeof *qedge);
    double *sum = calloc(3 * ng + 1, sizeof *sum); /* per group: Q, int T ds, length */
    unsigned char *tgiven = calloc(ng + 1, 1);     /* per group: has a fixed temperature */
    unsigned char *keep = calloc(ng + 1, 1);       /* per group: has T or q */
    struct fe_heat *h = NULL;
    static const char *const names[] = {"T"};
    int rc = 0, nfixed = 0;
    if (!fixed || !owner || !tfix || !t || !qedge || !sum || !tgiven || !keep) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        owner[i] = -1;
    for (size_t e = 0; e < m->nedges; e++) {
        int gi = m->edge_group[e];
        const struct material_entry *te = material_get(mat, pb->gname[gi], MATERIAL_T),
                                    *qe = material_get(mat, pb->gname[gi], MATERIAL_Q);
        if (qe)
            qedge[e] += qe->v[0] * pb->f.tgroup[gi];
        for (int k = 0; te && k < 2; k++) {
            size_t i = m->edge[2 * e + k];
            if (fixed[i] && tfix[i] != te->v[0]) {
                rc = core_err_set(
                    err, CORE_EINPUT, "%s:%ld: the node at (%g, %g) of '%s' is also at %g K ('%s')",
                    mat->file, te->line, m->xy[2 * i] / o->unit, m->xy[2 * i + 1] / o->unit,
                    pb->gname[gi], tfix[i], pb->gname[owner[i]]);
                goto done;
            }
            if (!fixed[i])
                owner[i] = gi;
            fixed[i] = 1;
            tfix[i] = te->v[0];
            nfixed++;
        }
    }
    if (!nfixed) {
        rc = core_err_set(err, CORE_EINPUT,
                          "%s: --bc given needs a fixed temperature on some group (NAME.T = ...)",
                          mat->file);
        goto done;
    }
    prog_progress(p, "solving: %zu nodes", n);
    rc = where(fe_heat_plan(&h, m, pb->f.kappa, pb->f.gcond, NULL, fixed, &o->so, err), o->mesh,
               err);
    rc = rc ? rc : where(fe_heat_exec(h, NULL, tfix, qedge, t, err), o->mesh, err);
    if (rc)
        goto done;
    report(p, fe_heat_stats(h));
    if (fe_heat_stats(h)->npinned)
        prog_warn(p,
                  "%zu region(s) without a fixed temperature: their level is arbitrary "
                  "(fixed at 0 K at one node)",
                  fe_heat_stats(h)->npinned);
    for (size_t q = 0; q < ng; q++)
        tgiven[q] = material_get(mat, pb->gname[q], MATERIAL_T) != NULL;
    rc = fe_heat_group_sums(m, pb->f.kappa, pb->f.gcond, t, qedge, fixed, owner, tgiven, sum, err);
    for (size_t q = 0; q < ng; q++) /* the table has the groups with a condition */
        keep[q] = tgiven[q] || material_get(mat, pb->gname[q], MATERIAL_Q);
    rc = rc ? rc : feout_given_write(fp, &pb->info, fe_heat_stats(h), sum, keep, err);
    if (!rc && vtu)
        rc = write_vtu(vtu, pb, 1, names, &t, err);
done:
    fe_heat_free(h);
    free(fixed);
    free(owner);
    free(tfix);
    free(t);
    free(qedge);
    free(sum);
    free(tgiven);
    free(keep);
    return rc;
}

int
main(int argc, char **argv)
{
    struct prog p;
    struct solve_opts o = {
        .bc = BC_PERIODIC, .unit = 1e-9, .so = FE_SOLVE_OPTS_DEFAULT, .tol = 1e-8, .strain = 0.01};
    struct core_err err = {0, ""};
    struct material_file mat;
    struct problem pb;
    struct stream_out out = {0}, vout = {0};
    int rc, out_open = 0, vtu_open = 0, vtu_done = 0;

    prog_init(&p, argv[0]);
    rc = prog_parse(&p, argc, argv, synopsis,
                    "Solves steady heat conduction or plane-stress elasticity on a Gmsh mesh with "
                    "phases and interfaces and writes the effective conductivity or stiffness (a "
                    "table) and the fields (VTU).",
                    opts, NOPTS, parse_one, &o, &optind);
    if (rc != PROG_CONTINUE)
        return rc;
    rc = 0;
    if (optind < argc - 1)
        return prog_usage_error(&p, synopsis, "one mesh file at most");
    o.mesh = optind < argc ? argv[optind] : "-";
    if (o.heat == o.elastic)
        return prog_usage_error(&p, synopsis, "give one analysis: --heat or --elastic");
    if (o.heat && o.bc == BC_TENSION)
        return prog_usage_error(&p, synopsis, "--bc tension goes with --elastic");
    if (o.elastic && (o.bc == BC_SLAB || o.bc == BC_GIVEN))
        return prog_usage_error(&p, synopsis, "--elastic takes --bc periodic or tension");
    if ((o.strain_given || o.steps) && o.bc != BC_TENSION)
        return prog_usage_error(&p, synopsis, "--strain and --steps go with --bc tension");
    if (!o.materials)
        return prog_usage_error(&p, synopsis, "give the material file: -m FILE");
    if (strcmp(o.materials, "-") == 0 && strcmp(o.mesh, "-") == 0)
        return prog_usage_error(&p, synopsis, "the mesh and the materials cannot both be stdin");

    material_file_init(&mat);
    memset(&pb, 0, sizeof pb);
    gmsh_mesh_init(&pb.g);
    fe_mesh_init(&pb.m);
    fe_problem_init(&pb.f);
    prog_progress(&p, "reading");
    if ((rc = materials_read(o.materials, &mat, &err)) || (rc = read_mesh(&pb, &o, &err)) ||
        (rc = setup(&pb, &mat, &o, &p, &err)))
        goto done;
    if (strcmp(o.mesh, "-") == 0)
        o.mesh = "<stdin>";
    if ((rc = where(fe_mesh_check(&pb.m, &err), o.mesh, &err)) ||
        (rc = where(fe_mesh_split(&pb.m, pb.f.cut, &err), o.mesh, &err)))
        goto done;
    {
        static const char *const bcn[] = {"periodic", "slab", "given", "tension"};
        pb.info = (struct feout_info){o.mesh,    bcn[o.bc], o.unit, pb.f.have_thickness,
                                      pb.f.tref, &pb.m,     pb.pt,  pb.pname,
                                      pb.gname,  pb.gt};
    }
    prog_info(&p, "%zu nodes (%zu interface copies), %zu triangles, %zu interface elements",
              pb.m.nnodes, pb.m.nnodes - pb.g.nnodes, pb.m.ntris, pb.m.nifaces);
    if ((rc = stream_out_open(&out, o.output, 0, &err)))
        goto done;
    out_open = 1;
    if (o.vtu) {
        if ((rc = stream_out_open(&vout, o.vtu, 0, &err)))
            goto done;
        vtu_open = 1;
    }
    if (o.elastic && o.bc == BC_PERIODIC)
        rc = run_elastic_periodic(&pb, &o, &p, out.fp, vtu_open ? vout.fp : NULL, &err);
    else if (o.elastic)
        rc = run_tension(&pb, &o, &p, out.fp, vtu_open ? vout.fp : NULL, &err);
    else if (o.bc == BC_PERIODIC)
        rc = run_periodic(&pb, &o, &p, out.fp, vtu_open ? vout.fp : NULL, &err);
    else if (o.bc == BC_SLAB)
        rc = run_slab(&pb, &o, &p, out.fp, vtu_open ? vout.fp : NULL, &err);
    else
        rc = run_given(&pb, &mat, &o, &p, out.fp, vtu_open ? vout.fp : NULL, &err);
    if (!rc && vtu_open && !(rc = stream_out_commit(&vout, &err)))
        vtu_done = 1;
    rc = rc ? rc : stream_out_commit(&out, &err);
    if (rc && vtu_done)
        remove(o.vtu); /* committed just before the table failed: all or nothing */
done:
    prog_progress_end(&p);
    if (rc && out_open)
        stream_out_abort(&out);
    if (rc && vtu_open)
        stream_out_abort(&vout);
    material_file_release(&mat);
    problem_release(&pb);
    if (rc)
        return prog_fail(&p, &err);
    return 0;
}
