/*
 * vtu: VTK XML unstructured grid writer. See vtu.h and vtu.md.
 *
 * Layout after "VTK File Formats" (https://docs.vtk.org/en/latest/design_documents/
 * VTKFileFormats.html), section "UnstructuredGrid": offsets are the end of each cell in the
 * connectivity array, ASCII data are whitespace-separated.
 */
#include "vtu.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* Writes s with the five XML special characters escaped. */
static void
put_escaped(FILE *fp, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", fp);
            break;
        case '<':
            fputs("&lt;", fp);
            break;
        case '>':
            fputs("&gt;", fp);
            break;
        case '"':
            fputs("&quot;", fp);
            break;
        case '\'':
            fputs("&apos;", fp);
            break;
        default:
            fputc(*s, fp);
        }
    }
}

static int
check_arrays(const struct vtu_array *a, size_t na, size_t n, const char *where,
             struct core_err *err)
{
    for (size_t i = 0; i < na; i++) {
        if (!a[i].name || !a[i].name[0])
            return core_err_set(err, CORE_EINPUT, "vtu: %s array %zu has no name", where, i);
        if (a[i].ncomp < 1 || a[i].ncomp > 9)
            return core_err_set(err, CORE_EINPUT, "vtu: %s array '%s': %d components", where,
                                a[i].name, a[i].ncomp);
        for (size_t k = 0; k < n * (size_t)a[i].ncomp; k++)
            if (!isfinite(a[i].val[k]))
                return core_err_set(err, CORE_EINPUT, "vtu: %s array '%s': value %zu is not finite",
                                    where, a[i].name, k / (size_t)a[i].ncomp);
    }
    return CORE_OK;
}

static void
put_arrays(FILE *fp, const struct vtu_array *a, size_t na, size_t n)
{
    for (size_t i = 0; i < na; i++) {
        int nc = a[i].ncomp == 2 ? 3 : a[i].ncomp;
        fputs("        <DataArray type=\"Float64\" Name=\"", fp);
        put_escaped(fp, a[i].name);
        fprintf(fp, "\" NumberOfComponents=\"%d\" format=\"ascii\">\n", nc);
        for (size_t p = 0; p < n; p++) {
            const double *v = &a[i].val[(size_t)a[i].ncomp * p];
            for (int c = 0; c < a[i].ncomp; c++)
                fprintf(fp, c ? " %.17g" : "%.17g", v[c]);
            fputs(a[i].ncomp == 2 ? " 0\n" : "\n", fp);
        }
        fputs("        </DataArray>\n", fp);
    }
}

int
vtu_write(FILE *fp, const struct vtu_grid *g, struct core_err *err)
{
    int rc;
    for (size_t i = 0; i < 3 * g->npoints; i++)
        if (!isfinite(g->xyz[i]))
            return core_err_set(err, CORE_EINPUT, "vtu: point %zu is not finite", i / 3);
    if (g->ncells && g->offsets[0] != 0)
        return core_err_set(err, CORE_EINPUT, "vtu: offsets must start at 0");
    for (size_t c = 0; c < g->ncells; c++) {
        if (g->offsets[c + 1] <= g->offsets[c])
            return core_err_set(err, CORE_EINPUT, "vtu: cell %zu has no points", c);
        for (size_t k = g->offsets[c]; k < g->offsets[c + 1]; k++)
            if (g->conn[k] >= g->npoints)
                return core_err_set(err, CORE_EINPUT, "vtu: cell %zu: point %zu out of range", c,
                                    g->conn[k]);
    }
    if ((rc = check_arrays(g->pdata, g->npdata, g->npoints, "point", err)) ||
        (rc = check_arrays(g->cdata, g->ncdata, g->ncells, "cell", err)))
        return rc;

    fputs("<?xml version=\"1.0\"?>\n"
          "<VTKFile type=\"UnstructuredGrid\" version=\"1.0\" byte_order=\"LittleEndian\" "
          "header_type=\"UInt64\">\n"
          "  <UnstructuredGrid>\n",
          fp);
    fprintf(fp, "    <Piece NumberOfPoints=\"%zu\" NumberOfCells=\"%zu\">\n", g->npoints,
            g->ncells);
    fputs("      <PointData>\n", fp);
    put_arrays(fp, g->pdata, g->npdata, g->npoints);
    fputs("      </PointData>\n      <CellData>\n", fp);
    put_arrays(fp, g->cdata, g->ncdata, g->ncells);
    fputs("      </CellData>\n      <Points>\n"
          "        <DataArray type=\"Float64\" Name=\"Points\" NumberOfComponents=\"3\" "
          "format=\"ascii\">\n",
          fp);
    for (size_t i = 0; i < g->npoints; i++)
        fprintf(fp, "%.17g %.17g %.17g\n", g->xyz[3 * i], g->xyz[3 * i + 1], g->xyz[3 * i + 2]);
    fputs("        </DataArray>\n      </Points>\n      <Cells>\n"
          "        <DataArray type=\"Int64\" Name=\"connectivity\" format=\"ascii\">\n",
          fp);
    for (size_t c = 0; c < g->ncells; c++) {
        for (size_t k = g->offsets[c]; k < g->offsets[c + 1]; k++)
            fprintf(fp, k > g->offsets[c] ? " %zu" : "%zu", g->conn[k]);
        fputc('\n', fp);
    }
    fputs("        </DataArray>\n"
          "        <DataArray type=\"Int64\" Name=\"offsets\" format=\"ascii\">\n",
          fp);
    for (size_t c = 0; c < g->ncells; c++)
        fprintf(fp, "%zu\n", g->offsets[c + 1]);
    fputs("        </DataArray>\n"
          "        <DataArray type=\"UInt8\" Name=\"types\" format=\"ascii\">\n",
          fp);
    for (size_t c = 0; c < g->ncells; c++)
        fprintf(fp, "%u\n", (unsigned)g->types[c]);
    fputs("        </DataArray>\n      </Cells>\n    </Piece>\n  </UnstructuredGrid>\n"
          "</VTKFile>\n",
          fp);
    if (ferror(fp))
        return core_err_set(err, CORE_EIO, "vtu: write error: %s", strerror(errno));
    return CORE_OK;
}
