/*
 * vtu: VTK XML unstructured grids (.vtu), written for ParaView and VisIt. The full description
 * is in formats/vtu.md; in short: one <Piece> with the points (x y z), the cells (connectivity,
 * end offsets, VTK cell types), and named point and cell data arrays of 1 to 9 components,
 * all as ASCII Float64 / Int64 / UInt8 DataArrays (VTK file version 1.0, UInt64 headers),
 * every number with 17 significant digits so values round-trip exactly.
 *
 * Ownership: everything is borrowed from the caller for the duration of the call.
 * Thread safety: none needed (no global state).
 * Errors: CORE_EINPUT (non-finite value, a connectivity index out of range, offsets that do not
 * increase, a bad component count), CORE_EIO on a write error. Nothing is printed.
 */
#ifndef FPMS_VTU_H
#define FPMS_VTU_H

#include <stdio.h>

#include "../lib/core/core.h"

/* VTK cell types used by fpms (vtkCellType.h). */
enum vtu_cell_type {
    VTU_VERTEX = 1,
    VTU_LINE = 3,
    VTU_TRIANGLE = 5,
    VTU_QUAD = 9,
};

/* A named data array: n values of ncomp components, value i component c at val[ncomp*i + c]. */
struct vtu_array {
    const char *name; /* XML special characters are escaped */
    int ncomp;        /* 1..9; 2-component arrays are written padded to 3 (ParaView vectors) */
    const double *val;
};

struct vtu_grid {
    size_t npoints;
    const double *xyz; /* 3*npoints */
    size_t ncells;
    const size_t *offsets;      /* ncells + 1: cell c has conn[offsets[c] .. offsets[c+1]) */
    const size_t *conn;         /* 0-based point indices */
    const unsigned char *types; /* ncells, enum vtu_cell_type */
    size_t npdata;
    const struct vtu_array *pdata; /* point data, npoints values each */
    size_t ncdata;
    const struct vtu_array *cdata; /* cell data, ncells values each */
};

/* Writes g to fp as one .vtu document. Returns CORE_OK, CORE_EINPUT or CORE_EIO. */
int vtu_write(FILE *fp, const struct vtu_grid *g, struct core_err *err);

#endif
