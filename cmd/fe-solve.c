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

#include "../formats/gmsh.h"
#include "../formats/material.h"
#include "../formats/prog.h"
#include "../formats/stream.h"
#include "../formats/table.h"
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
    return rc ? rc : material_tables_read(mat, err);
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
    double *cmat;       /* --elastic: 9*nphases, C t (N/m) */
    int *per2d;         /* --elastic: nphases, 1 when the modulus is in N/m */
    struct fe_law *law; /* --elastic: nphases (npts 0: linear) */
    double *lawdata;    /* the laws' points, owned */
    size_t nlawdata, caplawdata;
    int have_curve;
    double oscale;           /* --elastic: N/m -> the output unit */
    const char *ounit;       /* --elastic: "GPa" or "N/m" */
    struct fe_cohesive *coh; /* --elastic: ngroups, values times the group's thickness */
    int have_coh;            /* some group is cohesive (linear or bilinear) */
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
    free(pb->cmat);
    free(pb->per2d);
    free(pb->law);
    free(pb->lawdata);
    free(pb->coh);
}

/*
 * Reads the stress-strain curve of entry ce (md-run's table: columns strain and stress[GPa] or
 * stress[N/m]) into phase q's law, with stresses times th (m) when in GPa; the file name is
 * relative to the material file's directory.
 */
static int
read_curve(struct problem *pb, const struct material_file *mat, const struct material_entry *ce,
           size_t q, double th, double nu, struct core_err *err)
{
    char path[2 * MATERIAL_LINELEN];
    const char *slash = strrchr(mat->file, '/');
    struct stream_in in;
    struct table t;
    double *pts;
    size_t n, k0;
    int ci, si, rc;
    if (ce->path[0] != '/' && slash)
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - mat->file), mat->file, ce->path);
    else
        snprintf(path, sizeof path, "%s", ce->path);
    table_init(&t);
    if ((rc = stream_in_open(&in, path, err))) {
        char msg[CORE_ERR_MSGLEN];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return core_err_set(err, rc, "%s:%ld: curve: %s", mat->file, ce->line, msg);
    }
    rc = table_read(&in, &t, err);
    stream_in_close(&in);
    if (rc)
        return rc;
    ci = table_col(&t, "strain");
    si = table_col(&t, "stress");
    if (ci < 0 || si < 0) {
        rc = core_err_set(err, CORE_EINPUT,
                          "%s:%ld: no column '%s' (a curve needs strain and stress[GPa] or "
                          "stress[N/m])",
                          path, t.header_line, ci < 0 ? "strain" : "stress");
        goto done;
    }
    if (strcmp(t.unit[si], "GPa") != 0 && strcmp(t.unit[si], "N/m") != 0) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: the stress is in '%s' (GPa or N/m)", path,
                          t.header_line, t.unit[si]);
        goto done;
    }
    if (t.unit[ci][0] && strcmp(t.unit[ci], "-") != 0 && strcmp(t.unit[ci], "1") != 0) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: the strain is in '%s' (dimensionless)", path,
                          t.header_line, t.unit[ci]);
        goto done;
    }
    if (t.nrows == 0) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: the curve has no rows", path, t.header_line);
        goto done;
    }
    pb->per2d[q] = strcmp(t.unit[si], "N/m") == 0;
    /* (0, 0) first: a row at zero strain gives its place (its stress, the MD cell's residual,
     * is dropped); a curve starting above 0 gets it in front */
    k0 = t.data[ci] == 0 ? 1 : 0;
    n = t.nrows - k0 + 1;
    if (n < 2) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: the curve has no point beyond strain 0", path,
                          t.row_line[0]);
        goto done;
    }
    if (pb->nlawdata + 2 * n > pb->caplawdata) {
        size_t cap = 2 * (pb->nlawdata + 2 * n);
        double *p = malloc(cap * sizeof *p);
        if (!p) {
            rc = core_err_set(err, CORE_ENOMEM, "out of memory");
            goto done;
        }
        /* the laws keep pointers into the array: move them */
        if (pb->nlawdata)
            memcpy(p, pb->lawdata, pb->nlawdata * sizeof *p);
        for (size_t r = 0; r < pb->m.nphases; r++)
            if (pb->law[r].npts) {
                pb->law[r].eps = p + (pb->law[r].eps - pb->lawdata);
                pb->law[r].sig = p + (pb->law[r].sig - pb->lawdata);
            }
        free(pb->lawdata);
        pb->lawdata = p;
        pb->caplawdata = cap;
    }
    pts = pb->lawdata + pb->nlawdata;
    pts[0] = pts[n] = 0;
    for (size_t r = k0; r < t.nrows; r++) {
        size_t k = r - k0 + 1;
        double e = t.data[r * t.ncols + (size_t)ci], sg = t.data[r * t.ncols + (size_t)si];
        if (!(e > pts[k - 1])) {
            rc = core_err_set(err, CORE_EINPUT, "%s:%ld: the strain %g does not increase%s", path,
                              t.row_line[r], e, e < 0 ? " (a curve in tension starts at 0)" : "");
            goto done;
        }
        if (k == 1 && !(sg > 0)) {
            rc = core_err_set(err, CORE_EINPUT,
                              "%s:%ld: the curve's first stress is %g (it must rise from 0)", path,
                              t.row_line[r], sg);
            goto done;
        }
        pts[k] = e;
        pts[n + k] = sg * (pb->per2d[q] ? 1 : 1e9 * th);
    }
    pb->nlawdata += 2 * n;
    pb->law[q] = (struct fe_law){n, pts, pts + n, nu};
    pb->have_curve = 1;
    fe_elast_iso(pts[n + 1] / pts[1], nu, &pb->cmat[9 * q]); /* the initial stiffness */
done:
    table_release(&t);
    return rc;
}

/* The stiffness C t (N/m) of phase q from E and nu, C, or a curve; th the phase's thickness
 * (m). */
static int
elastic_phase(struct problem *pb, const struct material_file *mat, size_t q, double th,
              const struct solve_opts *o, struct core_err *err)
{
    const char *name = pb->pname[q];
    const struct material_entry *e = material_get(mat, name, MATERIAL_E),
                                *nu = material_get(mat, name, MATERIAL_NU),
                                *c = material_get(mat, name, MATERIAL_C),
                                *cv = material_get(mat, name, MATERIAL_CURVE);
    double *cm = &pb->cmat[9 * q];
    if (cv && (e || c))
        return core_err_set(err, CORE_EINPUT,
                            "%s:%ld: '%s' has a curve and %s: give one or the other", mat->file,
                            cv->line, name, e ? "E" : "C");
    if (cv && !nu)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: '%s' has a curve but no nu (%s.nu = ...)",
                            mat->file, cv->line, name, name);
    if (cv)
        return read_curve(pb, mat, cv, q, th, nu->v[0], err);
    if (e && !nu)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: '%s' has E but no nu (%s.nu = ...)",
                            mat->file, e->line, name, name);
    if (c && nu)
        return core_err_set(err, CORE_EINPUT,
                            "%s:%ld: '%s': nu goes with E; C is the whole stiffness", mat->file,
                            nu->line, name);
    if (!e && nu)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: '%s' has nu but no E (%s.E = ...)",
                            mat->file, nu->line, name, name);
    if (!e && !c)
        return core_err_set(err, CORE_EINPUT,
                            "%s: phase '%s' has no stiffness in %s (%s.E and %s.nu, %s.C, or "
                            "%s.curve and %s.nu)",
                            o->mesh, name, mat->file, name, name, name, name, name);
    pb->per2d[q] = (e ? e : c)->per2d;
    if (e) {
        fe_elast_iso(e->v[0], nu->v[0], cm);
    } else {
        const double *v = c->v;
        double full[9] = {v[0], v[2], v[4], v[2], v[1], v[5], v[4], v[5], v[3]};
        memcpy(cm, full, sizeof full);
    }
    if (!(e ? e : c)->per2d)
        for (int k = 0; k < 9; k++)
            cm[k] *= th;
    return 0;
}

/*
 * The cohesive law of group q from NAME.cohesive, Kn, Kt, strength and Gc (times the group's
 * thickness); a group without NAME.cohesive is bonded.
 */
static int
cohesive_group(struct problem *pb, const struct material_file *mat, size_t q, struct core_err *err)
{
    static const enum material_prop props[4] = {MATERIAL_KN, MATERIAL_KT, MATERIAL_STRENGTH,
                                                MATERIAL_GC};

    const char *name = pb->gname[q];
    const struct material_entry *c = material_get(mat, name, MATERIAL_COHESIVE), *v[4];
    int kind = c ? (int)c->v[0] : MATERIAL_COH_BONDED;
    double th = pb->tgroup[q];
    struct fe_cohesive *fc = &pb->coh[q];
    for (int k = 0; k < 4; k++) {
        /* bonded: none; linear: Kn and Kt; bilinear: all four */
        int want = kind == MATERIAL_COH_BILINEAR || (kind == MATERIAL_COH_LINEAR && k < 2);
        v[k] = material_get(mat, name, props[k]);
        if (v[k] && !want)
            return core_err_set(err, CORE_EINPUT, "%s:%ld: %s.%s goes with %s.cohesive = %s",
                                mat->file, v[k]->line, name, material_prop_name(props[k]), name,
                                k < 2 ? "linear or bilinear" : "bilinear");
        if (!v[k] && want)
            return core_err_set(err, CORE_EINPUT, "%s:%ld: '%s' is %s but has no %s (%s.%s = ...)",
                                mat->file, c->line, name,
                                kind == MATERIAL_COH_LINEAR ? "linear" : "bilinear",
                                material_prop_name(props[k]), name, material_prop_name(props[k]));
    }
    fc->kind = kind == MATERIAL_COH_LINEAR     ? FE_COH_LINEAR
               : kind == MATERIAL_COH_BILINEAR ? FE_COH_BILINEAR
                                               : FE_COH_BONDED;
    if (fc->kind == FE_COH_BONDED)
        return 0;
    fc->kn = v[0]->v[0] * th;
    fc->kt = v[1]->v[0] * th;
    fc->strength = v[2] ? v[2]->v[0] * th : 0;
    fc->gc = v[3] ? v[3]->v[0] * th : 0;
    if (fe_cohesive_check(fc, err)) {
        char msg[CORE_ERR_MSGLEN];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return core_err_set(err, CORE_EINPUT, "%s:%ld: '%s': %s", mat->file, c->line, name, msg);
    }
    pb->have_coh = 1;
    pb->cut[q] = 1;
    return 0;
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
    static const struct material_entry kdummy = {"", MATERIAL_K, {1, 1, 0, 0, 0, 0}, 1, 0, 0,
                                                 "", 0};
    pb->pname = calloc(np + 1, sizeof *pb->pname);
    pb->gname = calloc(ng + 1, sizeof *pb->gname);
    pb->kappa = calloc(3 * np + 1, sizeof *pb->kappa);
    pb->kreal = calloc(3 * np + 1, sizeof *pb->kreal);
    pb->gcond = calloc(ng + 1, sizeof *pb->gcond);
    pb->tgroup = calloc(ng + 1, sizeof *pb->tgroup);
    pb->cut = calloc(ng + 1, 1);
    pb->cmat = calloc(9 * np + 1, sizeof *pb->cmat);
    pb->per2d = calloc(np + 1, sizeof *pb->per2d);
    pb->law = calloc(np + 1, sizeof *pb->law);
    pb->coh = calloc(ng + 1, sizeof *pb->coh);
    area = calloc(np + 1, sizeof *area);
    if (!pb->pname || !pb->gname || !pb->kappa || !pb->kreal || !pb->gcond || !pb->tgroup ||
        !pb->cut || !pb->cmat || !pb->per2d || !pb->law || !pb->coh || !area) {
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
        if ((dim == 2) != (e->prop == MATERIAL_K || e->prop == MATERIAL_THICKNESS ||
                           e->prop == MATERIAL_E || e->prop == MATERIAL_NU ||
                           e->prop == MATERIAL_C || e->prop == MATERIAL_CURVE)) {
            free(area);
            return core_err_set(err, CORE_EINPUT, "%s:%ld: '%s' is a %s group; %s belongs to %s",
                                mat->file, e->line, e->name, dim == 2 ? "phase (2D)" : "curve (1D)",
                                material_prop_name(e->prop),
                                dim == 1 ? "phases" : "interfaces and boundaries");
        }
        if ((e->prop == MATERIAL_T || e->prop == MATERIAL_Q) && o->bc != BC_GIVEN && o->heat)
            prog_warn(p, "%s:%ld: %s.%s is used only with --bc given", mat->file, e->line, e->name,
                      material_prop_name(e->prop));
        if (e->prop >= MATERIAL_COHESIVE && o->heat)
            prog_warn(p, "%s:%ld: %s.%s is used only with --elastic", mat->file, e->line, e->name,
                      material_prop_name(e->prop));
    }
    /* phases */
    fe_mesh_area(m, area);
    for (size_t q = 0; q < np; q++) {
        const struct material_entry *k = material_get(mat, pb->pname[q], MATERIAL_K),
                                    *t = material_get(mat, pb->pname[q], MATERIAL_THICKNESS);
        double th = t ? t->v[0] : gt ? gt->v[0] : 1;
        if (o->elastic) {
            int rc = elastic_phase(pb, mat, q, th, o, err);
            if (rc) {
                free(area);
                return rc;
            }
            k = k ? k : &kdummy;
        }
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
    if (o->elastic) {
        int n2d = 0;
        for (size_t q = 0; q < np; q++)
            n2d += pb->per2d[q];
        if (pb->have_thickness) {
            pb->oscale = 1e-9 / pb->tref;
            pb->ounit = "GPa";
        } else if (n2d == 0) {
            pb->oscale = 1e-9; /* per metre of thickness: C t / 1 m = C */
            pb->ounit = "GPa";
        } else if (n2d == (int)np) {
            pb->oscale = 1;
            pb->ounit = "N/m";
        } else {
            return core_err_set(err, CORE_EINPUT,
                                "%s: moduli in GPa and in N/m need a thickness (thickness = ...)",
                                mat->file);
        }
    }
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
        if (isfinite(gv) && o->heat) {
            pb->cut[q] = 1;
            pb->gcond[q] = gv * pb->tgroup[q];
        }
        if (o->elastic) {
            int rc = cohesive_group(pb, mat, q, err);
            if (rc)
                return rc;
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
    static const char *bcn[] = {"periodic", "slab", "given", "tension"};
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

/* ---- elasticity ---- */

/* The mesh with point and cell data (phase first, added here); u in mesh units. */
static int
write_grid(FILE *fp, const struct problem *pb, const struct solve_opts *o, size_t npd,
           const struct vtu_array *pd, size_t ncd, const struct vtu_array *cd, struct core_err *err)
{
    const struct fe_mesh *m = &pb->m;
    size_t *off = malloc((m->ntris + 1) * sizeof *off);
    unsigned char *types = malloc(m->ntris + 1);
    double *xyz = malloc((3 * m->nnodes + 1) * sizeof *xyz);
    double *phase = malloc((m->ntris + 1) * sizeof *phase);
    struct vtu_array cdp[8];
    int rc;
    if (!off || !types || !xyz || !phase) {
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
    cdp[0] = (struct vtu_array){"phase", 1, phase};
    for (size_t k = 0; k < ncd && k < 7; k++)
        cdp[1 + k] = cd[k];
    {
        struct vtu_grid g = {m->nnodes, xyz, m->ntris, off, m->tri, types, npd, pd, 1 + ncd, cdp};
        rc = vtu_write(fp, &g, err);
    }
done:
    free(off);
    free(types);
    free(xyz);
    free(phase);
    return rc;
}

/* Scales u (2*nnodes, m) to mesh units and fills strain and stress (3*ntris, output unit). */
static void
elastic_fields(const struct problem *pb, const struct solve_opts *o, double *u, double *eps,
               double *sig)
{
    const struct fe_mesh *m = &pb->m;
    fe_elast_stress(m, pb->cmat, u, eps, sig);
    for (size_t e = 0; e < 3 * m->ntris; e++)
        sig[e] *= pb->oscale;
    for (size_t i = 0; i < 2 * m->nnodes; i++)
        u[i] /= o->unit;
}

/* S = C^-1 of a 3x3 matrix; 0 when singular. */
static int
inv3(const double c[9], double s[9])
{
    double d = c[0] * (c[4] * c[8] - c[5] * c[7]) - c[1] * (c[3] * c[8] - c[5] * c[6]) +
               c[2] * (c[3] * c[7] - c[4] * c[6]);
    if (!(d != 0) || !isfinite(d))
        return 0;
    s[0] = (c[4] * c[8] - c[5] * c[7]) / d;
    s[1] = (c[2] * c[7] - c[1] * c[8]) / d;
    s[2] = (c[1] * c[5] - c[2] * c[4]) / d;
    s[3] = (c[5] * c[6] - c[3] * c[8]) / d;
    s[4] = (c[0] * c[8] - c[2] * c[6]) / d;
    s[5] = (c[2] * c[3] - c[0] * c[5]) / d;
    s[6] = (c[3] * c[7] - c[4] * c[6]) / d;
    s[7] = (c[1] * c[6] - c[0] * c[7]) / d;
    s[8] = (c[0] * c[4] - c[1] * c[3]) / d;
    return 1;
}

static int
run_elastic_periodic(struct problem *pb, const struct solve_opts *o, struct prog *p, FILE *fp,
                     FILE *vtu, struct core_err *err)
{
    struct fe_mesh *m = &pb->m;
    struct fe_solve_stats st;
    size_t nn = 2 * m->nnodes, nt = 3 * m->ntris;
    double c[9] = {0}, sm[9] = {0}, *u = malloc((3 * nn + 6 * nt + 1) * sizeof *u);
    static const char *const cols[] = {"C11", "C22", "C12", "C66",  "C16",
                                       "C26", "Ex",  "Ey",  "nuxy", "Gxy"};
    const char *units[10];
    int rc;
    if (!u)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    for (int k = 0; k < 10; k++)
        units[k] = k == 8 ? NULL : pb->ounit;
    prog_progress(p, "homogenisation: %zu nodes", m->nnodes);
    rc = where(fe_elast_homog_coh(m, pb->cmat, pb->have_coh ? pb->coh : NULL, &o->so, o->tol, c, u,
                                  &st, err),
               o->mesh, err);
    if (!rc && !inv3(c, sm))
        rc = core_err_set(err, CORE_EPHYS, "%s: the effective stiffness is singular", o->mesh);
    if (!rc) {
        double f = pb->oscale;
        double row[10] = {c[0] * f, c[4] * f,  c[1] * f,  c[8] * f,       c[2] * f,
                          c[5] * f, f / sm[0], f / sm[4], -sm[1] / sm[0], f / sm[8]};
        report(p, &st);
        rc = write_meta(fp, pb, o, &st, err);
        rc = rc ? rc : table_write_header(fp, 10, cols, units, err);
        rc = rc ? rc : table_write_row(fp, 10, row, err);
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
        rc = write_grid(vtu, pb, o, 3, pd, 3, cd, err);
    }
    free(u);
    return rc;
}

/* The state of the cohesive interfaces at the end of a tension run, as table metadata. */
static int
write_cohesive(FILE *fp, const struct problem *pb, const struct solve_opts *o,
               const struct fe_failure *fl, double iarea, struct prog *p, struct core_err *err)
{
    const struct fe_mesh *m = &pb->m;
    int rc = table_write_meta(fp, err, "cohesive.damage.max", "%.17g", fl->dmax);
    rc = rc ? rc : table_write_meta(fp, err, "cohesive.broken", "%.17g", fl->broken);
    rc = rc ? rc
            : table_write_meta(fp, err, "cohesive.dissipated", "%.17g J/m^2",
                               iarea > 0 ? fl->dissipated / iarea : 0);
    if (!rc && fl->onset) {
        const size_t *v = &m->iface[4 * fl->onset_iface];
        double cx = 0.5 * (m->xy[2 * v[0]] + m->xy[2 * v[1]]) / o->unit;
        double cy = 0.5 * (m->xy[2 * v[0] + 1] + m->xy[2 * v[1] + 1]) / o->unit;
        rc = table_write_meta(fp, err, "cohesive.onset.strain", "%.17g", fl->onset_strain);
        rc = rc ? rc
                : table_write_meta(fp, err, "cohesive.onset.group", "%s",
                                   pb->gname[m->iface_group[fl->onset_iface]]);
        rc = rc ? rc : table_write_meta(fp, err, "cohesive.onset.x", "%.17g", cx);
        rc = rc ? rc : table_write_meta(fp, err, "cohesive.onset.y", "%.17g", cy);
        if (!rc)
            prog_info(p, "interface damage starts at strain %.6g near (%g, %g)", fl->onset_strain,
                      cx, cy);
    }
    return rc;
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
    int nl = pb->have_curve || o->steps || pb->have_coh;
    double *u = malloc((nn + 2 * nt + m->ntris + 1) * sizeof *u), *curve, *dcurve, iarea = 0;
    double *dmg = calloc(2 * m->nifaces + m->nnodes + 1, sizeof *dmg); /* per point, per node */
    static const char *const cols[] = {"strain", "stress", "E", "nu", "damage", "dissipated"};
    const char *units[] = {NULL, pb->ounit, pb->ounit, NULL, NULL, "J/m^2"};
    int rc, ncols = pb->have_coh ? 6 : 4;
    for (size_t q = 0; q < m->ngroups; q++)
        soft |= pb->coh[q].kind == FE_COH_BILINEAR;
    nsteps = o->steps ? o->steps : soft ? 100 : pb->have_curve ? 20 : 1;
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
    for (size_t f = 0; f < m->nifaces; f++) {
        const size_t *v = &m->iface[4 * f];
        iarea +=
            hypot(m->xy[2 * v[1]] - m->xy[2 * v[0]], m->xy[2 * v[1] + 1] - m->xy[2 * v[0] + 1]) *
            pb->tgroup[m->iface_group[f]];
    }
    prog_progress(p, "tension: %zu nodes, %zu steps", m->nnodes, nl ? nsteps : 1);
    if (nl) {
        rc = where(fe_elast_tension_coh(m, pb->cmat, pb->law, pb->have_coh ? pb->coh : NULL, &o->so,
                                        o->tol, o->strain, nsteps, curve, dcurve, &fl, u, dmg, &st,
                                        err),
                   o->mesh, err);
        nrows = fl.nsteps;
    } else {
        rc = where(fe_elast_tension(m, pb->cmat, &o->so, o->tol, o->strain, curve + 1, u, &st, err),
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
        rc = write_meta(fp, pb, o, &st, err);
    }
    if (!rc && nl) {
        static const char *const fname[] = {"none", "peak", "limit", "interface",
                                            "interface-limit"};
        rc = table_write_meta(fp, err, "steps", "%zu", nsteps);
        rc = rc ? rc : table_write_meta(fp, err, "cuts", "%zu", fl.ncuts);
        rc = rc ? rc : table_write_meta(fp, err, "failure", "%s", fname[fl.failed]);
        if (!rc && pb->have_coh)
            rc = write_cohesive(fp, pb, o, &fl, iarea, p, err);
        if (!rc && fl.failed >= 3) {
            const size_t *v = &m->iface[4 * fl.elem];
            double cx = 0.5 * (m->xy[2 * v[0]] + m->xy[2 * v[1]]) / o->unit;
            double cy = 0.5 * (m->xy[2 * v[0] + 1] + m->xy[2 * v[1] + 1]) / o->unit;
            rc = table_write_meta(fp, err, "failure.strain", "%.17g", fl.strain);
            rc = rc ? rc
                    : table_write_meta(fp, err, "failure.group", "%s",
                                       pb->gname[m->iface_group[fl.elem]]);
            rc = rc ? rc : table_write_meta(fp, err, "failure.interface", "%zu", fl.elem + 1);
            rc = rc ? rc : table_write_meta(fp, err, "failure.x", "%.17g", cx);
            rc = rc ? rc : table_write_meta(fp, err, "failure.y", "%.17g", cy);
            if (!rc)
                prog_info(p, "fails at strain %.6g: %s, interface element %zu at (%g, %g)",
                          fl.strain,
                          fl.failed == 3 ? "the interface cracks (full damage)"
                                         : "the balance is lost while the interface softens",
                          fl.elem + 1, cx, cy);
        } else if (!rc && fl.failed) {
            const size_t *v = &m->tri[3 * fl.elem];
            double cx = 0, cy = 0;
            for (int k = 0; k < 3; k++) {
                cx += m->xy[2 * v[k]] / 3 / o->unit;
                cy += m->xy[2 * v[k] + 1] / 3 / o->unit;
            }
            rc = table_write_meta(fp, err, "failure.strain", "%.17g", fl.strain);
            rc = rc ? rc
                    : table_write_meta(fp, err, "failure.phase", "%s",
                                       pb->pname[m->tri_phase[fl.elem]]);
            rc = rc ? rc : table_write_meta(fp, err, "failure.triangle", "%zu", fl.elem + 1);
            rc = rc ? rc : table_write_meta(fp, err, "failure.x", "%.17g", cx);
            rc = rc ? rc : table_write_meta(fp, err, "failure.y", "%.17g", cy);
            if (!rc)
                prog_info(p, "fails at strain %.6g: %s, triangle %zu at (%g, %g)", fl.strain,
                          fl.failed == 1 ? "the strain passes the peak of the curve"
                                         : "the balance is lost at a peak",
                          fl.elem + 1, cx, cy);
        }
    }
    rc = rc ? rc : table_write_header(fp, (size_t)ncols, cols, units, err);
    for (size_t k = 0; k < nrows && !rc; k++) {
        double row[6] = {curve[3 * k],
                         curve[3 * k + 1] * pb->oscale,
                         curve[3 * k + 1] * pb->oscale / curve[3 * k],
                         curve[3 * k + 2],
                         pb->have_coh ? dcurve[2 * k] : 0,
                         pb->have_coh && iarea > 0 ? dcurve[2 * k + 1] / iarea : 0};
        rc = table_write_row(fp, (size_t)ncols, row, err);
    }
    if (!rc && vtu) {
        struct vtu_array pd[2], cd[3];
        double *nd = dmg + 2 * m->nifaces; /* a node's damage: its nearer Gauss point's, the
                                              largest of its interface elements */
        double *eps = u + nn, *sig = u + nn + nt, *ratio = u + nn + 2 * nt;
        fe_elast_stress_law(m, pb->cmat, pb->law, u, eps, sig, ratio);
        for (size_t e = 0; e < nt; e++)
            sig[e] *= pb->oscale;
        for (size_t i = 0; i < nn; i++)
            u[i] /= o->unit;
        pd[0] = (struct vtu_array){"u", 2, u};
        cd[0] = (struct vtu_array){"strain", 3, eps};
        cd[1] = (struct vtu_array){"stress", 3, sig};
        cd[2] = (struct vtu_array){"peak_ratio", 1, ratio};
        for (size_t f = 0; pb->have_coh && f < m->nifaces; f++)
            for (int k = 0; k < 4; k++) {
                size_t i = m->iface[4 * f + k];
                nd[i] = fmax(nd[i], dmg[2 * f + k % 2]);
            }
        pd[1] = (struct vtu_array){"damage", 1, nd};
        rc = write_grid(vtu, pb, o, pb->have_coh ? 2 : 1, pd, 3, cd, err);
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
