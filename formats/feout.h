/*
 * feout: the result files of fe-solve, the metadata that opens its tables and the VTU grid of
 * its fields. Users' page: man/fe-solve.1 (OUTPUT); the table format is formats/table.md, the
 * grid formats/vtu.md.
 *
 * Why here: which metadata a result table records and how the mesh becomes a VTU grid are
 * file formats, and lib/fe knows no formats. The fields themselves (temperatures, fluxes,
 * stresses) are computed by the cmd through lib/fe; these functions only lay them out.
 *
 * Every table starts with: mesh, bc, unit ("%.15g m"), thickness ("%.15g A", only when the
 * material file gave one), phase.TAG = NAME for every phase, ndofs and solver.
 * A grid has the mesh's nodes in mesh units (z = 0), its triangles, the cell data "phase" (the
 * physical tag) first and then the caller's point and cell data.
 *
 * Ownership: everything is borrowed; nothing is kept after a call.
 * Errors: CORE_ENOMEM, CORE_EIO (from table_write_meta and vtu_write), CORE_EINPUT (vtu_write).
 */
#ifndef FPMS_FEOUT_H
#define FPMS_FEOUT_H

#include <stddef.h>
#include <stdio.h>

#include "../lib/core/core.h"
#include "../lib/fe/fe.h"
#include "gmsh.h"
#include "vtu.h"

/* What every output records of the problem; all borrowed. */
struct feout_info {
    const char *mesh;            /* the mesh's name as messages give it */
    const char *bc;              /* "periodic", "slab", "given" or "tension" */
    double unit;                 /* m per mesh unit */
    int have_thickness;          /* the material file gave a thickness: record tref */
    double tref;                 /* reference thickness, m */
    const struct fe_mesh *m;     /* the (split) mesh */
    const int *pt;               /* m->nphases physical tags of the phases */
    char (*pname)[GMSH_NAMELEN]; /* m->nphases names of the phases (not modified) */
    char (*gname)[GMSH_NAMELEN]; /* m->ngroups names of the groups (not modified) */
    const int *gt;               /* m->ngroups physical tags of the groups */
};

/* Writes the metadata every fe-solve table starts with (see above); st gives ndofs, solver. */
int feout_meta_write(FILE *fp, const struct feout_info *in, const struct fe_solve_stats *st,
                     struct core_err *err);

/*
 * The table of a heat homogenisation or slab: metadata, then one row kxx, kyy and (nk 3) kxy
 * in W/(m*K), from kt (nk values of k_eff t, W/K) divided by in->tref.
 */
int feout_heat_write(FILE *fp, const struct feout_info *in, const struct fe_solve_stats *st,
                     size_t nk, const double *kt, struct core_err *err);

/*
 * The table of an elastic homogenisation: metadata, then one row C11, C22, C12, C66, C16,
 * C26, Ex, Ey, nuxy and Gxy in ounit, from the effective stiffness c (N/m, Voigt), its
 * compliance s (m/N) and oscale (N/m -> ounit).
 */
int feout_elast_write(FILE *fp, const struct feout_info *in, const struct fe_solve_stats *st,
                      const double c[9], const double s[9], double oscale, const char *ounit,
                      struct core_err *err);

/*
 * The table of a heat problem with given boundary conditions: metadata and group.TAG = NAME
 * for every group, then a row group, Q (W, or W/m without a thickness), mean T (K) and
 * length (m) for every group with keep[group] set, from sum (3*ngroups:
 * fe_heat_group_sums).
 */
int feout_given_write(FILE *fp, const struct feout_info *in, const struct fe_solve_stats *st,
                      const double *sum, const unsigned char *keep, struct core_err *err);

/*
 * Writes the mesh of in as a VTU grid with the cell data "phase" followed by ncd (at most 7)
 * arrays of cd, and the npd arrays of pd as point data.
 */
int feout_vtu_write(FILE *fp, const struct feout_info *in, size_t npd, const struct vtu_array *pd,
                    size_t ncd, const struct vtu_array *cd, struct core_err *err);

/* A displacement-controlled tension run (fe_elast_tension or fe_elast_tension_coh). */
struct feout_tension {
    int nl;                      /* load-stepped (fe_elast_tension_coh): record the steps */
    size_t nsteps;               /* the steps asked for */
    const struct fe_failure *fl; /* nl: how the run ended */
    int have_coh;                /* some group is cohesive: the damage columns and metadata */
    double iarea;                /* area of the cohesive interfaces, m^2 (length x thickness) */
    size_t nrows;                /* rows of the curve */
    const double *curve;         /* 3*nrows: applied strain, stress (N/m), nu */
    const double *dcurve;        /* have_coh: 2*nrows: largest damage, dissipated energy (J) */
    double oscale;               /* N/m -> ounit */
    const char *ounit;           /* the unit of stress and E: "GPa" or "N/m" */
};

/*
 * After feout_meta_write: the metadata of a tension run (nl: steps, cuts, failure; have_coh:
 * cohesive.damage.max, .broken, .dissipated (J/m^2) and, when damage began, cohesive.onset.*;
 * a failure: failure.strain, .group and .interface or .phase and .triangle, .x and .y in mesh
 * units) and the table strain, stress, E, nu[, damage, dissipated].
 */
int feout_tension_write(FILE *fp, const struct feout_info *in, const struct feout_tension *t,
                        struct core_err *err);

#endif
