/* feout: fe-solve's table metadata and VTU grid; see feout.h. */
#include "feout.h"

#include <stdlib.h>
#include <string.h>

#include "table.h"

int
feout_meta_write(FILE *fp, const struct feout_info *in, const struct fe_solve_stats *st,
                 struct core_err *err)
{
    int rc = table_write_meta(fp, err, "mesh", "%s", in->mesh ? in->mesh : "-");
    rc = rc ? rc : table_write_meta(fp, err, "bc", "%s", in->bc);
    rc = rc ? rc : table_write_meta(fp, err, "unit", "%.15g m", in->unit);
    if (in->have_thickness)
        rc = rc ? rc : table_write_meta(fp, err, "thickness", "%.15g A", in->tref * 1e10);
    for (size_t q = 0; q < in->m->nphases && !rc; q++) {
        char key[32];
        snprintf(key, sizeof key, "phase.%d", in->pt[q]);
        rc = table_write_meta(fp, err, key, "%s", in->pname[q]);
    }
    rc = rc ? rc : table_write_meta(fp, err, "ndofs", "%zu", st->ndofs);
    rc = rc ? rc : table_write_meta(fp, err, "solver", "%s", fe_solver_name(st->solver));
    return rc;
}

int
feout_heat_write(FILE *fp, const struct feout_info *in, const struct fe_solve_stats *st, size_t nk,
                 const double *kt, struct core_err *err)
{
    static const char *const cols[] = {"kxx", "kyy", "kxy"};
    static const char *const units[] = {"W/(m*K)", "W/(m*K)", "W/(m*K)"};
    double row[3];
    int rc;
    for (size_t k = 0; k < nk && k < 3; k++)
        row[k] = kt[k] / in->tref;
    rc = feout_meta_write(fp, in, st, err);
    rc = rc ? rc : table_write_header(fp, nk, cols, units, err);
    rc = rc ? rc : table_write_row(fp, nk, row, err);
    return rc;
}

int
feout_elast_write(FILE *fp, const struct feout_info *in, const struct fe_solve_stats *st,
                  const double c[9], const double s[9], double oscale, const char *ounit,
                  struct core_err *err)
{
    static const char *const cols[] = {"C11", "C22", "C12", "C66",  "C16",
                                       "C26", "Ex",  "Ey",  "nuxy", "Gxy"};
    const char *units[10];
    double f = oscale;
    double row[10] = {c[0] * f, c[4] * f, c[1] * f, c[8] * f,     c[2] * f,
                      c[5] * f, f / s[0], f / s[4], -s[1] / s[0], f / s[8]};
    int rc;
    for (int k = 0; k < 10; k++)
        units[k] = k == 8 ? NULL : ounit;
    rc = feout_meta_write(fp, in, st, err);
    rc = rc ? rc : table_write_header(fp, 10, cols, units, err);
    rc = rc ? rc : table_write_row(fp, 10, row, err);
    return rc;
}

int
feout_given_write(FILE *fp, const struct feout_info *in, const struct fe_solve_stats *st,
                  const double *sum, const unsigned char *keep, struct core_err *err)
{
    static const char *const cols[] = {"group", "Q", "T", "length"};
    const char *units[] = {NULL, in->have_thickness ? "W" : "W/m", "K", "m"};
    size_t ng = in->m->ngroups;
    int rc = feout_meta_write(fp, in, st, err);
    for (size_t q = 0; q < ng && !rc; q++) {
        char key[32];
        snprintf(key, sizeof key, "group.%d", in->gt[q]);
        rc = table_write_meta(fp, err, key, "%s", in->gname[q]);
    }
    rc = rc ? rc : table_write_header(fp, 4, cols, units, err);
    for (size_t q = 0; q < ng && !rc; q++) {
        double row[4] = {in->gt[q], sum[3 * q], sum[3 * q + 1] / sum[3 * q + 2], sum[3 * q + 2]};
        if (!keep[q])
            continue;
        rc = table_write_row(fp, 4, row, err);
    }
    return rc;
}

int
feout_vtu_write(FILE *fp, const struct feout_info *in, size_t npd, const struct vtu_array *pd,
                size_t ncd, const struct vtu_array *cd, struct core_err *err)
{
    const struct fe_mesh *m = in->m;
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
        xyz[3 * i] = m->xy[2 * i] / in->unit;
        xyz[3 * i + 1] = m->xy[2 * i + 1] / in->unit;
        xyz[3 * i + 2] = 0;
    }
    for (size_t e = 0; e < m->ntris; e++)
        phase[e] = in->pt[m->tri_phase[e]];
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

/* The state of the cohesive interfaces at the end of a tension run. */
static int
cohesive_meta_write(FILE *fp, const struct feout_info *in, const struct feout_tension *t,
                    struct core_err *err)
{
    const struct fe_mesh *m = in->m;
    const struct fe_failure *fl = t->fl;
    int rc = table_write_meta(fp, err, "cohesive.damage.max", "%.17g", fl->dmax);
    rc = rc ? rc : table_write_meta(fp, err, "cohesive.broken", "%.17g", fl->broken);
    rc = rc ? rc
            : table_write_meta(fp, err, "cohesive.dissipated", "%.17g J/m^2",
                               t->iarea > 0 ? fl->dissipated / t->iarea : 0);
    if (!rc && fl->onset) {
        double c[2];
        fe_mesh_iface_mid(m, fl->onset_iface, in->unit, c);
        rc = table_write_meta(fp, err, "cohesive.onset.strain", "%.17g", fl->onset_strain);
        rc = rc ? rc
                : table_write_meta(fp, err, "cohesive.onset.group", "%s",
                                   in->gname[m->iface_group[fl->onset_iface]]);
        rc = rc ? rc : table_write_meta(fp, err, "cohesive.onset.x", "%.17g", c[0]);
        rc = rc ? rc : table_write_meta(fp, err, "cohesive.onset.y", "%.17g", c[1]);
    }
    return rc;
}

/* Where the run failed: an interface element (failed >= 3) or a triangle. */
static int
failure_meta_write(FILE *fp, const struct feout_info *in, const struct fe_failure *fl,
                   struct core_err *err)
{
    const struct fe_mesh *m = in->m;
    double c[2];
    int rc;
    if (fl->failed >= 3)
        fe_mesh_iface_mid(m, fl->elem, in->unit, c);
    else
        fe_mesh_tri_centroid(m, fl->elem, in->unit, c);
    rc = table_write_meta(fp, err, "failure.strain", "%.17g", fl->strain);
    if (fl->failed >= 3) {
        rc = rc ? rc
                : table_write_meta(fp, err, "failure.group", "%s",
                                   in->gname[m->iface_group[fl->elem]]);
        rc = rc ? rc : table_write_meta(fp, err, "failure.interface", "%zu", fl->elem + 1);
    } else {
        rc = rc ? rc
                : table_write_meta(fp, err, "failure.phase", "%s",
                                   in->pname[m->tri_phase[fl->elem]]);
        rc = rc ? rc : table_write_meta(fp, err, "failure.triangle", "%zu", fl->elem + 1);
    }
    rc = rc ? rc : table_write_meta(fp, err, "failure.x", "%.17g", c[0]);
    rc = rc ? rc : table_write_meta(fp, err, "failure.y", "%.17g", c[1]);
    return rc;
}

int
feout_tension_write(FILE *fp, const struct feout_info *in, const struct feout_tension *t,
                    struct core_err *err)
{
    static const char *const cols[] = {"strain", "stress", "E", "nu", "damage", "dissipated"};
    const char *units[] = {NULL, t->ounit, t->ounit, NULL, NULL, "J/m^2"};
    const double *curve = t->curve, *dcurve = t->dcurve;
    int rc = 0, ncols = t->have_coh ? 6 : 4;
    if (t->nl) {
        static const char *const fname[] = {"none", "peak", "limit", "interface",
                                            "interface-limit"};
        rc = table_write_meta(fp, err, "steps", "%zu", t->nsteps);
        rc = rc ? rc : table_write_meta(fp, err, "cuts", "%zu", t->fl->ncuts);
        rc = rc ? rc : table_write_meta(fp, err, "failure", "%s", fname[t->fl->failed]);
        if (!rc && t->have_coh)
            rc = cohesive_meta_write(fp, in, t, err);
        if (!rc && t->fl->failed)
            rc = failure_meta_write(fp, in, t->fl, err);
    }
    rc = rc ? rc : table_write_header(fp, (size_t)ncols, cols, units, err);
    for (size_t k = 0; k < t->nrows && !rc; k++) {
        double row[6] = {curve[3 * k],
                         curve[3 * k + 1] * t->oscale,
                         curve[3 * k + 1] * t->oscale / curve[3 * k],
                         curve[3 * k + 2],
                         t->have_coh ? dcurve[2 * k] : 0,
                         t->have_coh && t->iarea > 0 ? dcurve[2 * k + 1] / t->iarea : 0};
        rc = table_write_row(fp, (size_t)ncols, row, err);
    }
    return rc;
}
