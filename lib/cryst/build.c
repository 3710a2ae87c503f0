/*
 * build.c: ideal crystal structures (graphene, borophene, diamond, fcc) and their name tables.
 *
 * Every number here is in lib/cryst/REFERENCES.md with its source. Lengths in Angstrom.
 *
 * Graphene. With lattice constant a the C-C bond is d = a / sqrt(3). The rectangular cells hold
 * four atoms; their basis is offset by a quarter of a column spacing from the cell faces so
 * that no atom sits on a face (wrapping then never moves an atom across the cell by rounding),
 * and so that the cell faces normal to x cut only between whole edge columns: a slab of whole
 * cells ends in clean zigzag (along_x = armchair) or armchair (along_x = zigzag) edges.
 *
 * Borophene. 2-Pmmn: two atoms, rows along a_1 at heights -h/2 and +h/2 alternating along a_2.
 * beta12 and chi3: flat sheets on the sites of a triangular lattice of spacing d with hexagonal
 * holes, in the rectangular cell sqrt(3) d x 3 d (beta12, 6 sites, 1 hole) or sqrt(3) d x 5 d
 * (chi3, 10 sites, 2 holes). Sites are at the ideal fractional coordinates (the mirror
 * symmetries of both sheets fix the x coordinates; the PBE relaxation moves atoms along y by a
 * few hundredths of an Angstrom), scaled to the literature cell.
 */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "cryst.h"

/* ---- borophene data ---- */

struct boro_site {
    double fx, fy, z; /* fractional in-plane coordinates, height (A) about the mid-plane */
};

struct boro_phase {
    struct cryst_boro_info info;
    const struct boro_site *sites;
};

/* 2-Pmmn (Mannix et al. 2015): a = 1.614, b = 2.866, h = 0.911. */
#define PMMN_H 0.911
static const struct boro_site pmmn_sites[] = {
    {0.25, 0.25, -0.5 * PMMN_H},
    {0.75, 0.75, +0.5 * PMMN_H},
};

/* beta12: holes at fractional (0, 0); column x = 0 holds sites y = 0, 1/3, 2/3, column
 * x = 1/2 holds y = 1/6, 1/2, 5/6. Coordination: 5, 5 (column 0), 4, 6, 4 (column 1/2). The
 * whole pattern is shifted by (1/4, 1/12) to keep atoms off the cell faces. */
static const struct boro_site beta12_sites[] = {
    {0.25, 1.0 / 3.0 + 1.0 / 12.0, 0.0}, {0.25, 2.0 / 3.0 + 1.0 / 12.0, 0.0},
    {0.75, 1.0 / 6.0 + 1.0 / 12.0, 0.0}, {0.75, 1.0 / 2.0 + 1.0 / 12.0, 0.0},
    {0.75, 5.0 / 6.0 + 1.0 / 12.0, 0.0},
};

/* chi3: holes at fractional (0, 0) and (1/2, 1/2) (a centred pattern: the primitive cell is the
 * rhombus (a/2, +-b/2) with four atoms); column x = 0 holds y = k/5, column x = 1/2 holds
 * y = 1/10 + k/5. Coordination 5, 4, 4, 5 and 4, 5, 5, 4. Shifted by (1/4, 1/20). */
static const struct boro_site chi3_sites[] = {
    {0.25, 0.20 + 0.05, 0.0}, {0.25, 0.40 + 0.05, 0.0}, {0.25, 0.60 + 0.05, 0.0},
    {0.25, 0.80 + 0.05, 0.0}, {0.75, 0.10 + 0.05, 0.0}, {0.75, 0.30 + 0.05, 0.0},
    {0.75, 0.70 + 0.05, 0.0}, {0.75, 0.90 + 0.05, 0.0},
};

static const struct boro_phase boro_phases[CRYST_NBORO] = {
    {{"pmmn", "striped 2-Pmmn", 1.614, 2.866, PMMN_H, 2, 0.0,
      "Mannix et al., Science 350, 1513 (2015), doi:10.1126/science.aad1080"},
     pmmn_sites},
    {{"beta12", "beta12 (v1/6)", 2.926, 5.068, 0.0, 5, 1.0 / 6.0,
      "structure: Feng et al., Nat. Chem. 8, 563 (2016), doi:10.1038/nchem.2491; cell: "
      "free-standing PBE (lib/cryst/REFERENCES.md)"},
     beta12_sites},
    {{"chi3", "chi3 (v1/5)", 2.917, 8.420, 0.0, 8, 1.0 / 5.0,
      "structure: Feng et al., Nat. Chem. 8, 563 (2016), doi:10.1038/nchem.2491; cell: "
      "free-standing PBE (lib/cryst/REFERENCES.md)"},
     chi3_sites},
};

const struct cryst_boro_info *
cryst_borophene_info(enum cryst_boro phase)
{
    if ((int)phase < 0 || (int)phase >= CRYST_NBORO)
        return NULL;
    return &boro_phases[phase].info;
}

/* ---- name parsing ---- */

static int
name_eq(const char *s, const char *name)
{
    for (; *s && *name; s++, name++)
        if (tolower((unsigned char)*s) != *name)
            return 0;
    return *s == '\0' && *name == '\0';
}

int
cryst_boro_parse(const char *s, enum cryst_boro *phase, struct core_err *err)
{
    static const struct {
        const char *name;
        enum cryst_boro phase;
    } names[] = {
        {"pmmn", CRYST_BORO_PMMN},     {"2-pmmn", CRYST_BORO_PMMN}, {"striped", CRYST_BORO_PMMN},
        {"beta12", CRYST_BORO_BETA12}, {"b12", CRYST_BORO_BETA12},  {"v1/6", CRYST_BORO_BETA12},
        {"chi3", CRYST_BORO_CHI3},     {"x3", CRYST_BORO_CHI3},     {"v1/5", CRYST_BORO_CHI3},
    };

    if (s)
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (name_eq(s, names[i].name)) {
                *phase = names[i].phase;
                return CORE_OK;
            }
    return core_err_set(err, CORE_EINPUT,
                        "unknown borophene phase '%s' (expected pmmn, beta12 or chi3)",
                        s ? s : "(null)");
}

int
cryst_edge_parse(const char *s, enum cryst_edge *edge, struct core_err *err)
{
    if (s && (name_eq(s, "armchair") || name_eq(s, "ac"))) {
        *edge = CRYST_ARMCHAIR;
        return CORE_OK;
    }
    if (s && (name_eq(s, "zigzag") || name_eq(s, "zz"))) {
        *edge = CRYST_ZIGZAG;
        return CORE_OK;
    }
    return core_err_set(err, CORE_EINPUT, "unknown edge '%s' (expected armchair or zigzag)",
                        s ? s : "(null)");
}

const char *
cryst_edge_name(enum cryst_edge edge)
{
    switch (edge) {
    case CRYST_ARMCHAIR:
        return "armchair";
    case CRYST_ZIGZAG:
        return "zigzag";
    }
    return "?";
}

/* ---- common checks ---- */

/* Resolves c (0 -> default) and checks it against the sheet thickness. */
static int
sheet_c(const char *what, double c, double thickness, double *out, struct core_err *err)
{
    if (!isfinite(c) || c < 0)
        return core_err_set(err, CORE_EINPUT, "%s: cell length c = %g A is not >= 0", what, c);
    if (c == 0)
        c = CRYST_C_DEFAULT;
    if (c < thickness + CRYST_C_MARGIN)
        return core_err_set(err, CORE_EINPUT,
                            "%s: cell length c = %g A is less than the sheet thickness %g A + %g A",
                            what, c, thickness, CRYST_C_MARGIN);
    *out = c;
    return CORE_OK;
}

/* Allocates natoms atoms of element z in a sheet cell with in-plane rows a1, a2 and a_3 = (0, 0,
 * c); pbc (1, 1, 0). */
static int
sheet_alloc(struct core_frame *f, size_t natoms, int z, const double a1[2], const double a2[2],
            double c, struct core_err *err)
{
    if (core_frame_resize(f, natoms, err))
        return CORE_ENOMEM;
    memset(f->cell, 0, sizeof f->cell);
    f->cell[0] = a1[0];
    f->cell[1] = a1[1];
    f->cell[3] = a2[0];
    f->cell[4] = a2[1];
    f->cell[8] = c;
    f->has_cell = 1;
    f->pbc[0] = f->pbc[1] = 1;
    f->pbc[2] = 0;
    for (size_t i = 0; i < natoms; i++)
        f->z[i] = z;
    return CORE_OK;
}

/* ---- graphene ---- */

int
cryst_graphene_build(struct core_frame *f, double a, int rect, enum cryst_edge along_x, double c,
                     struct core_err *err)
{
    const double s3 = sqrt(3.0);
    double d, a1[2], a2[2];
    /* positions in units of (x, y) scales given per case */
    double xy[4][2];
    size_t n;

    core_frame_release(f);
    if (!isfinite(a) || a < 0)
        return core_err_set(err, CORE_EINPUT, "graphene: lattice constant a = %g A is not > 0", a);
    if (a == 0)
        a = CRYST_GRAPHENE_A;
    if (rect != 0 && rect != 1)
        return core_err_set(err, CORE_EINPUT, "graphene: rect = %d is not 0 or 1", rect);
    if (along_x != CRYST_ARMCHAIR && along_x != CRYST_ZIGZAG)
        return core_err_set(err, CORE_EINPUT, "graphene: unknown direction %d along x",
                            (int)along_x);
    if (sheet_c("graphene", c, 0.0, &c, err))
        return CORE_EINPUT;
    d = a / s3;

    if (!rect) {
        n = 2;
        if (along_x == CRYST_ZIGZAG) {
            /* a_1 along x; atoms at (1/3, 1/3) and (2/3, 2/3): one bond along y */
            a1[0] = a, a1[1] = 0;
            a2[0] = 0.5 * a, a2[1] = 0.5 * s3 * a;
        } else {
            /* a_1 + a_2 along x; the bond between the two atoms is along x */
            a1[0] = 0.5 * s3 * a, a1[1] = -0.5 * a;
            a2[0] = 0.5 * s3 * a, a2[1] = 0.5 * a;
        }
        for (int k = 0; k < 2; k++) {
            double t = (k + 1) / 3.0;
            xy[k][0] = t * (a1[0] + a2[0]);
            xy[k][1] = t * (a1[1] + a2[1]);
        }
    } else {
        n = 4;
        if (along_x == CRYST_ZIGZAG) {
            /* a x 3d; bonds along y; columns x = a/4 and 3a/4 (armchair edges along y) */
            a1[0] = a, a1[1] = 0;
            a2[0] = 0, a2[1] = 3 * d;
            const double y0 = 0.25 * d;
            double p[4][2] = {{0.25 * a, y0},
                              {0.25 * a, y0 + d},
                              {0.75 * a, y0 + 1.5 * d},
                              {0.75 * a, y0 + 2.5 * d}};
            memcpy(xy, p, sizeof p);
        } else {
            /* 3d x a; bonds along x; columns x = d/4 + {0, d/2, 3d/2, 2d}: zigzag chains, the
             * x-parallel bond crossing each cell face */
            a1[0] = 3 * d, a1[1] = 0;
            a2[0] = 0, a2[1] = a;
            const double x0 = 0.25 * d, y0 = 0.25 * a;
            double p[4][2] = {{x0, y0},
                              {x0 + 0.5 * d, y0 + 0.5 * a},
                              {x0 + 1.5 * d, y0 + 0.5 * a},
                              {x0 + 2.0 * d, y0}};
            memcpy(xy, p, sizeof p);
        }
    }
    if (sheet_alloc(f, n, 6, a1, a2, c, err))
        return CORE_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        f->pos[3 * i] = xy[i][0];
        f->pos[3 * i + 1] = xy[i][1];
        f->pos[3 * i + 2] = 0.5 * c;
    }
    return CORE_OK;
}

/* ---- borophene ---- */

int
cryst_borophene_build(struct core_frame *f, enum cryst_boro phase, double c, struct core_err *err)
{
    const struct boro_phase *p;
    double a1[2], a2[2];

    core_frame_release(f);
    if ((int)phase < 0 || (int)phase >= CRYST_NBORO)
        return core_err_set(err, CORE_EINPUT, "borophene: unknown phase %d", (int)phase);
    p = &boro_phases[phase];
    if (sheet_c("borophene", c, p->info.thickness, &c, err))
        return CORE_EINPUT;
    a1[0] = p->info.a, a1[1] = 0;
    a2[0] = 0, a2[1] = p->info.b;
    if (sheet_alloc(f, p->info.natoms, 5, a1, a2, c, err))
        return CORE_ENOMEM;
    for (size_t i = 0; i < p->info.natoms; i++) {
        f->pos[3 * i] = p->sites[i].fx * p->info.a;
        f->pos[3 * i + 1] = p->sites[i].fy * p->info.b;
        f->pos[3 * i + 2] = 0.5 * c + p->sites[i].z;
    }
    return CORE_OK;
}

/* ---- cubic elements ---- */

/* Ashcroft & Mermin, Solid State Physics (1976), Tables 4.3 (fcc) and 4.6 (diamond), the values
 * ASE's ase.data.reference_states carries; Si from CODATA 2014. */
static const struct {
    int z;
    double a;
} fcc_a[] =
    {
        {10, 4.43}, {13, 4.05}, {18, 5.26}, {20, 5.58}, {28, 3.52}, {29, 3.61}, {36, 5.72},
        {38, 6.08}, {45, 3.80}, {46, 3.89}, {47, 4.09}, {54, 6.20}, {58, 5.16}, {70, 5.49},
        {77, 3.84}, {78, 3.92}, {79, 4.08}, {82, 4.95}, {89, 5.31}, {90, 5.08},
},
  diamond_a[] = {
      {6, 3.567},
      {14, 5.431020504},
      {32, 5.658},
      {50, 6.49},
};

double
cryst_fcc_a_default(int z)
{
    for (size_t i = 0; i < sizeof fcc_a / sizeof fcc_a[0]; i++)
        if (fcc_a[i].z == z)
            return fcc_a[i].a;
    return 0;
}

double
cryst_diamond_a_default(int z)
{
    for (size_t i = 0; i < sizeof diamond_a / sizeof diamond_a[0]; i++)
        if (diamond_a[i].z == z)
            return diamond_a[i].a;
    return 0;
}

/* Builds a cubic-lattice element: the fcc lattice with nbasis atoms at fractional positions
 * (of the conventional cube) basis[], primitive or conventional. */
static int
cubic_build(struct core_frame *f, const char *what, int z, double a, double a_default, int cubic,
            const double (*basis)[3], size_t nbasis, struct core_err *err)
{
    static const double fcc[4][3] = {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
    size_t n;

    core_frame_release(f);
    if (z < 1 || z > CORE_ZMAX)
        return core_err_set(err, CORE_EINPUT, "%s: atomic number %d out of range", what, z);
    if (!isfinite(a) || a < 0)
        return core_err_set(err, CORE_EINPUT, "%s: lattice constant a = %g A is not > 0", what, a);
    if (a == 0) {
        if (a_default <= 0)
            return core_err_set(err, CORE_EINPUT,
                                "%s: no tabulated lattice constant for %s; give a", what,
                                core_elem_symbol(z));
        a = a_default;
    }
    if (cubic != 0 && cubic != 1)
        return core_err_set(err, CORE_EINPUT, "%s: cubic = %d is not 0 or 1", what, cubic);

    n = cubic ? 4 * nbasis : nbasis;
    if (core_frame_resize(f, n, err))
        return CORE_ENOMEM;
    memset(f->cell, 0, sizeof f->cell);
    if (cubic) {
        f->cell[0] = f->cell[4] = f->cell[8] = a;
    } else {
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 3; k++)
                f->cell[3 * i + k] = (i == k) ? 0 : 0.5 * a;
    }
    f->has_cell = 1;
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    for (size_t i = 0, m = 0; i < (cubic ? 4u : 1u); i++)
        for (size_t b = 0; b < nbasis; b++, m++) {
            f->z[m] = z;
            for (int k = 0; k < 3; k++)
                f->pos[3 * m + k] = a * (fcc[i][k] + basis[b][k]);
        }
    return CORE_OK;
}

int
cryst_fcc_build(struct core_frame *f, int z, double a, int cubic, struct core_err *err)
{
    static const double basis[1][3] = {{0, 0, 0}};
    return cubic_build(f, "fcc", z, a, cryst_fcc_a_default(z), cubic, basis, 1, err);
}

int
cryst_diamond_build(struct core_frame *f, int z, double a, int cubic, struct core_err *err)
{
    static const double basis[2][3] = {{0, 0, 0}, {0.25, 0.25, 0.25}};
    return cubic_build(f, "diamond", z, a, cryst_diamond_a_default(z), cubic, basis, 2, err);
}
