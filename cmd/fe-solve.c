/*
 * fe-solve: a Gmsh mesh with phases and interfaces + a material file -> effective properties
 * (a table) and fields (VTU). So far: steady heat conduction (--heat) with anisotropic
 * conductivity per phase and interfacial (Kapitza) conductance, homogenised over a periodic
 * cell, measured across a slab, or solved with the boundary conditions of the material file.
 * See man/fe-solve.1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../formats/gmsh.h"
#include "../formats/material.h"
#include "../formats/prog.h"
#include "../formats/stream.h"
#include "../formats/table.h"
#include "../formats/vtu.h"
#include "../lib/fe/fe.h"

static const char synopsis[] = "--heat -m FILE [options] [MESH]";

enum {
    OPT_HEAT = 256,
    OPT_VTU,
    OPT_SOLVER,
    OPT_RTOL,
    OPT_TOL,
    OPT_PROGRESS,
    OPT_VERSION,
};

static const struct prog_opt opts[] = {
    {"heat", OPT_HEAT, NULL, "steady heat conduction (the analysis; required)"},
    {"materials", 'm', "FILE", "material file: conductivities, thicknesses, conductances, BCs"},
    {"bc", 'b', "NAME", "periodic (homogenisation), slab or given (from -m) (periodic)"},
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

enum bc_kind { BC_PERIODIC, BC_SLAB, BC_GIVEN };

struct solve_opts {
    int heat;
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
        else
            return core_err_set(err, CORE_EINPUT, "--bc: '%s' is not periodic, slab or given", arg);
        return 0;
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
        if (o->so.solver == FE_SOLVER_CHOLMOD && !fe_have_cholmod())
            return core_err_set(err, CORE_EINPUT,
                                "--solver cholmod: this fpms was built without CHOLMOD");
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
    return rc;
}

/* ---- the problem ---- */

struct problem {
    struct gmsh_mesh g;
    struct fe_mesh m;
    int *pt, *gt; /* physical tags of the phases and groups */
    char (*pname)[GMSH_NAMELEN], (*gname)[GMSH_NAMELEN];
    double *kappa, *kreal; /* 3*nphases: k t (W/K), k (W/(m K)) */
    double *gcond;         /* ngroups: G t (W/(m K)) */
    double *tgroup;        /* ngroups: thickness (m) */
    unsigned char *cut;    /* ngroups */
    double tref;           /* reference thickness (m) */
    int have_thickness;
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
    free(pb->kappa);
    free(pb->kreal);
    free(pb->gcond);
    free(pb->tgroup);
    free(pb->cut);
}

/* Matches the material entries to the mesh's groups and fills the parameters. */
static int
setup(struct problem *pb, const struct material_file *mat, const struct solve_opts *o,
      struct prog *p, struct core_err *err)
{
    struct fe_mesh *m = &pb->m;
    const struct material_entry *gt = material_get(mat, "", MATERIAL_THICKNESS);
    double *area = NULL, tmin = HUGE_VAL, asum = 0, tsum = 0;
    size_t np = m->nphases, ng = m->ngroups;
    pb->pname = calloc(np + 1, sizeof *pb->pname);
    pb->gname = calloc(ng + 1, sizeof *pb->gname);
    pb->kappa = calloc(3 * np + 1, sizeof *pb->kappa);
    pb->kreal = calloc(3 * np + 1, sizeof *pb->kreal);
    pb->gcond = calloc(ng + 1, sizeof *pb->gcond);
    pb->tgroup = calloc(ng + 1, sizeof *pb->tgroup);
    pb->cut = calloc(ng + 1, 1);
    area = calloc(np + 1, sizeof *area);
    if (!pb->pname || !pb->gname || !pb->kappa || !pb->kreal || !pb->gcond || !pb->tgroup ||
        !pb->cut || !area) {
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
    /* every entry names a group of the mesh, of the right kind */
    for (size_t i = 0; i < mat->n; i++) {
        const struct material_entry *e = &mat->e[i];
        int dim = -1; /* of the group e names */
        if (!e->name[0])
            continue;
        for (size_t q = 0; q < np && dim < 0; q++)
            if (strcmp(pb->pname[q], e->name) == 0)
                dim = 2;
        for (size_t q = 0; q < ng && dim < 0; q++)
            if (strcmp(pb->gname[q], e->name) == 0)
                dim = 1;
        if (dim < 0) {
            free(area);
            return core_err_set(err, CORE_EINPUT, "%s:%ld: no physical group '%s' in %s", mat->file,
                                e->line, e->name, o->mesh);
        }
        if ((dim == 2) != (e->prop == MATERIAL_K || e->prop == MATERIAL_THICKNESS)) {
            free(area);
            return core_err_set(err, CORE_EINPUT, "%s:%ld: '%s' is a %s group; %s belongs to %s",
                                mat->file, e->line, e->name, dim == 2 ? "phase (2D)" : "curve (1D)",
                                material_prop_name(e->prop),
                                e->prop == MATERIAL_K ? "phases" : "interfaces and boundaries");
        }
        if ((e->prop == MATERIAL_T || e->prop == MATERIAL_Q) && o->bc != BC_GIVEN)
            prog_warn(p, "%s:%ld: %s.%s is used only with --bc given", mat->file, e->line, e->name,
                      material_prop_name(e->prop));
    }
    /* phases */
    fe_mesh_area(m, area);
    for (size_t q = 0; q < np; q++) {
        const struct material_entry *k = material_get(mat, pb->pname[q], MATERIAL_K),
                                    *t = material_get(mat, pb->pname[q], MATERIAL_THICKNESS);
        double th = t ? t->v[0] : gt ? gt->v[0] : 1;
        if (!k) {
            free(area);
            return core_err_set(err, CORE_EINPUT,
                                "%s: phase '%s' has no conductivity in %s (%s.k = ...)", o->mesh,
                                pb->pname[q], mat->file, pb->pname[q]);
        }
        pb->have_thickness |= t != NULL || gt != NULL;
        for (int c = 0; c < 3; c++) {
            pb->kreal[3 * q + c] = k->v[c];
            pb->kappa[3 * q + c] = k->v[c] * th;
        }
        tmin = fmin(tmin, th);
        asum += area[q];
        tsum += area[q] * th;
    }
    free(area);
    pb->tref = gt ? gt->v[0] : tsum / asum;
    /* groups: interface conductance, thickness */
    for (size_t q = 0; q < ng; q++) {
        const struct material_entry *g = material_get(mat, pb->gname[q], MATERIAL_G),
                                    *r = material_get(mat, pb->gname[q], MATERIAL_R),
                                    *t = material_get(mat, pb->gname[q], MATERIAL_THICKNESS);
        double gv = g ? g->v[0] : r ? 1 / r->v[0] : HUGE_VAL;
        pb->tgroup[q] = t ? t->v[0] : gt ? gt->v[0] : tmin;
        if ((g || r) && (material_get(mat, pb->gname[q], MATERIAL_T) ||
                         material_get(mat, pb->gname[q], MATERIAL_Q)))
            return core_err_set(err, CORE_EINPUT,
                                "%s:%ld: '%s' has an interface conductance and a boundary "
                                "condition",
                                mat->file, (g ? g : r)->line, pb->gname[q]);
        if (isfinite(gv)) {
            pb->cut[q] = 1;
            pb->gcond[q] = gv * pb->tgroup[q];
        }
    }
    return 0;
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

static int
write_vtu(FILE *fp, const struct problem *pb, const struct solve_opts *o, size_t nfields,
          const char *const *names, double *const *t, struct core_err *err)
{
    const struct fe_mesh *m = &pb->m;
    size_t *off = malloc((m->ntris + 1) * sizeof *off);
    unsigned char *types = malloc(m->ntris + 1);
    double *xyz = malloc((3 * m->nnodes + 1) * sizeof *xyz);
    double *q = malloc((2 * nfields * m->ntris + 1) * sizeof *q);
    double *phase = malloc((m->ntris + 1) * sizeof *phase);
    struct vtu_array pd[2], cd[3];
    char qnames[2][32];
    int rc;
    if (!off || !types || !xyz || !q || !phase) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t e = 0; e <= m->ntris; e++)
        off[e] = 3 * e;
    memset(types, VTU_TRIANGLE, m->ntris + 1);
    for (size_t i = 0; i < m->nnodes; i++) {
        xyz[3 * i] = m->xy[2 * i] / o->unit;
        xyz[3 * i + 1] = m->xy[2 * i + 1] / o->unit;
        xyz[3 * i + 2] = 0;
    }
    for (size_t e = 0; e < m->ntris; e++)
        phase[e] = pb->pt[m->tri_phase[e]];
    cd[0] = (struct vtu_array){"phase", 1, phase};
    for (size_t f = 0; f < nfields; f++) {
        fe_heat_flux(m, pb->kreal, t[f], q + 2 * f * m->ntris);
        pd[f] = (struct vtu_array){names[f], 1, t[f]};
        snprintf(qnames[f], sizeof qnames[f], "q%s", names[f] + 1);
        cd[1 + f] = (struct vtu_array){qnames[f], 2, q + 2 * f * m->ntris};
    }
    {
        struct vtu_grid g = {m->nnodes, xyz,     m->ntris, off,         m->tri,
                             types,     nfields, pd,       1 + nfields, cd};
        rc = vtu_write(fp, &g, err);
    }
done:
    free(off);
    free(types);
    free(xyz);
    free(q);
    free(phase);
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

static int
write_meta(FILE *fp, const struct problem *pb, const struct solve_opts *o,
           const struct fe_solve_stats *st, struct core_err *err)
{
    static const char *bcn[] = {"periodic", "slab", "given"};
    int rc = table_write_meta(fp, err, "mesh", "%s", o->mesh ? o->mesh : "-");
    rc = rc ? rc : table_write_meta(fp, err, "bc", "%s", bcn[o->bc]);
    rc = rc ? rc : table_write_meta(fp, err, "unit", "%.15g m", o->unit);
    if (pb->have_thickness)
        rc = rc ? rc : table_write_meta(fp, err, "thickness", "%.15g A", pb->tref * 1e10);
    for (size_t q = 0; q < pb->m.nphases && !rc; q++) {
        char key[32];
        snprintf(key, sizeof key, "phase.%d", pb->pt[q]);
        rc = table_write_meta(fp, err, key, "%s", pb->pname[q]);
    }
    rc = rc ? rc : table_write_meta(fp, err, "ndofs", "%zu", st->ndofs);
    rc = rc ? rc : table_write_meta(fp, err, "solver", "%s", fe_solver_name(st->solver));
    return rc;
}

/* ---- the three analyses ---- */

static int
run_periodic(struct problem *pb, const struct solve_opts *o, struct prog *p, FILE *fp, FILE *vtu,
             struct core_err *err)
{
    struct fe_mesh *m = &pb->m;
    struct fe_solve_stats st;
    double keff[3], box[4], *t = malloc((2 * m->nnodes + 1) * sizeof *t), *tt[2];
    static const char *const names[] = {"T_x", "T_y"};
    static const char *const cols[] = {"kxx", "kyy", "kxy"};
    static const char *const units[] = {"W/(m*K)", "W/(m*K)", "W/(m*K)"};
    int rc;
    if (!t)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    tt[0] = t;
    tt[1] = t + m->nnodes;
    prog_progress(p, "homogenisation: %zu nodes", m->nnodes);
    rc = where(fe_heat_homog(m, pb->kappa, pb->gcond, &o->so, o->tol, keff, tt[0], tt[1], &st, err),
               o->mesh, err);
    if (!rc) {
        double row[3] = {keff[0] / pb->tref, keff[1] / pb->tref, keff[2] / pb->tref};
        report(p, &st);
        rc = write_meta(fp, pb, o, &st, err);
        rc = rc ? rc : table_write_header(fp, 3, cols, units, err);
        rc = rc ? rc : table_write_row(fp, 3, row, err);
    }
    if (!rc && vtu) {
        /* fields for a 1 K drop across the box: T = 1 - t / L */
        fe_mesh_box(m, box);
        for (size_t i = 0; i < m->nnodes; i++) {
            tt[0][i] = 1 - tt[0][i] / (box[2] - box[0]);
            tt[1][i] = 1 - tt[1][i] / (box[3] - box[1]);
        }
        rc = write_vtu(vtu, pb, o, 2, names, tt, err);
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
    static const char *const cols[] = {"kxx", "kyy"};
    static const char *const units[] = {"W/(m*K)", "W/(m*K)"};
    int rc;
    if (!t)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    tt[0] = t;
    tt[1] = t + m->nnodes;
    prog_progress(p, "slab: %zu nodes", m->nnodes);
    rc = where(fe_heat_slab(m, pb->kappa, pb->gcond, &o->so, o->tol, k, tt[0], tt[1], &st, err),
               o->mesh, err);
    if (!rc) {
        double row[2] = {k[0] / pb->tref, k[1] / pb->tref};
        report(p, &st);
        rc = write_meta(fp, pb, o, &st, err);
        rc = rc ? rc : table_write_header(fp, 2, cols, units, err);
        rc = rc ? rc : table_write_row(fp, 2, row, err);
    }
    if (!rc && vtu)
        rc = write_vtu(vtu, pb, o, 2, names, tt, err);
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
    double *r = calloc(n + 1, sizeof *r), *qedge = calloc(m->nedges + 1, sizeof *qedge);
    double *sum = calloc(3 * ng + 1, sizeof *sum); /* per group: Q, int T ds, length */
    struct fe_heat *h = NULL;
    static const char *const names[] = {"T"};
    static const char *const cols[] = {"group", "Q", "T", "length"};
    const char *units[] = {NULL, pb->have_thickness ? "W" : "W/m", "K", "m"};
    int rc = 0, nfixed = 0;
    if (!fixed || !owner || !tfix || !t || !r || !qedge || !sum) {
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
            qedge[e] += qe->v[0] * pb->tgroup[gi];
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
    rc = where(fe_heat_plan(&h, m, pb->kappa, pb->gcond, NULL, fixed, &o->so, err), o->mesh, err);
    rc = rc ? rc : where(fe_heat_exec(h, NULL, tfix, qedge, t, err), o->mesh, err);
    if (rc)
        goto done;
    report(p, fe_heat_stats(h));
    if (fe_heat_stats(h)->npinned)
        prog_warn(p,
                  "%zu region(s) without a fixed temperature: their level is arbitrary "
                  "(fixed at 0 K at one node)",
                  fe_heat_stats(h)->npinned);
    /* the reaction at a fixed node is K t minus the flux load it also receives */
    fe_heat_residual(m, pb->kappa, pb->gcond, t, r);
    for (size_t e = 0; e < m->nedges; e++) {
        size_t a = m->edge[2 * e], b = m->edge[2 * e + 1];
        double half = 0.5 * qedge[e] *
                      hypot(m->xy[2 * b] - m->xy[2 * a], m->xy[2 * b + 1] - m->xy[2 * a + 1]);
        r[a] -= half;
        r[b] -= half;
    }
    for (size_t i = 0; i < n; i++)
        if (fixed[i])
            sum[3 * owner[i]] += r[i];
    for (size_t e = 0; e < m->nedges; e++) {
        int gi = m->edge_group[e];
        size_t a = m->edge[2 * e], b = m->edge[2 * e + 1];
        double len = hypot(m->xy[2 * b] - m->xy[2 * a], m->xy[2 * b + 1] - m->xy[2 * a + 1]);
        if (!material_get(mat, pb->gname[gi], MATERIAL_T))
            sum[3 * gi] += qedge[e] * len;
        sum[3 * gi + 1] += 0.5 * (t[a] + t[b]) * len;
        sum[3 * gi + 2] += len;
    }
    rc = write_meta(fp, pb, o, fe_heat_stats(h), err);
    for (size_t q = 0; q < ng && !rc; q++) {
        char key[32];
        snprintf(key, sizeof key, "group.%d", pb->gt[q]);
        rc = table_write_meta(fp, err, key, "%s", pb->gname[q]);
    }
    rc = rc ? rc : table_write_header(fp, 4, cols, units, err);
    for (size_t q = 0; q < ng && !rc; q++) {
        double row[4] = {pb->gt[q], sum[3 * q], sum[3 * q + 1] / sum[3 * q + 2], sum[3 * q + 2]};
        if (!material_get(mat, pb->gname[q], MATERIAL_T) &&
            !material_get(mat, pb->gname[q], MATERIAL_Q))
            continue;
        rc = table_write_row(fp, 4, row, err);
    }
    if (!rc && vtu)
        rc = write_vtu(vtu, pb, o, 1, names, &t, err);
done:
    fe_heat_free(h);
    free(fixed);
    free(owner);
    free(tfix);
    free(t);
    free(r);
    free(qedge);
    free(sum);
    return rc;
}

int
main(int argc, char **argv)
{
    struct prog p;
    struct solve_opts o = {
        .bc = BC_PERIODIC, .unit = 1e-9, .so = FE_SOLVE_OPTS_DEFAULT, .tol = 1e-8};
    struct core_err err = {0, ""};
    struct material_file mat;
    struct problem pb;
    struct stream_out out = {0}, vout = {0};
    int rc, out_open = 0, vtu_open = 0, vtu_done = 0;

    prog_init(&p, argv[0]);
    rc = prog_parse(&p, argc, argv, synopsis,
                    "Solves steady heat conduction on a Gmsh mesh with phases and interfaces "
                    "and writes the effective conductivity (a table) and the fields (VTU).",
                    opts, NOPTS, parse_one, &o, &optind);
    if (rc != PROG_CONTINUE)
        return rc;
    rc = 0;
    if (optind < argc - 1)
        return prog_usage_error(&p, synopsis, "one mesh file at most");
    o.mesh = optind < argc ? argv[optind] : "-";
    if (!o.heat)
        return prog_usage_error(&p, synopsis, "give the analysis: --heat");
    if (!o.materials)
        return prog_usage_error(&p, synopsis, "give the material file: -m FILE");
    if (strcmp(o.materials, "-") == 0 && strcmp(o.mesh, "-") == 0)
        return prog_usage_error(&p, synopsis, "the mesh and the materials cannot both be stdin");

    material_file_init(&mat);
    memset(&pb, 0, sizeof pb);
    gmsh_mesh_init(&pb.g);
    fe_mesh_init(&pb.m);
    prog_progress(&p, "reading");
    if ((rc = materials_read(o.materials, &mat, &err)) || (rc = read_mesh(&pb, &o, &err)) ||
        (rc = setup(&pb, &mat, &o, &p, &err)))
        goto done;
    if (strcmp(o.mesh, "-") == 0)
        o.mesh = "<stdin>";
    if ((rc = where(fe_mesh_check(&pb.m, &err), o.mesh, &err)) ||
        (rc = where(fe_mesh_split(&pb.m, pb.cut, &err), o.mesh, &err)))
        goto done;
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
    if (o.bc == BC_PERIODIC)
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
