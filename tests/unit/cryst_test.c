/*
 * Unit tests of lib/cryst: builders (bond lengths, coordination, densities, orientation),
 * supercells, deformations, random perturbations, geometry queries, the graphene/borophene
 * heterostructure, and every error path.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/cryst/cryst.h"
#include "../tap.h"

/* ---- helpers ---- */

/* Coordination histogram within rc: hist[k] = atoms with k neighbours (k < 16). */
static void
coord_hist(const struct core_frame *f, double rc, int zmask, size_t hist[16])
{
    size_t *cn = calloc(f->natoms ? f->natoms : 1, sizeof *cn);
    struct core_err err;
    memset(hist, 0, 16 * sizeof *hist);
    if (cryst_frame_neighbors(f, rc, zmask, cn, &err) != 0) {
        ok(0, "neighbors: %s", err.msg);
        free(cn);
        return;
    }
    for (size_t i = 0; i < f->natoms; i++)
        hist[cn[i] < 16 ? cn[i] : 15]++;
    free(cn);
}

/* Range of all interatomic distances below rc (images included), brute force over a 5x5x1
 * image block: independent of the library's image search. */
static void
bond_range(const struct core_frame *f, double rc, double *dlo, double *dhi)
{
    *dlo = HUGE_VAL;
    *dhi = 0;
    for (size_t i = 0; i < f->natoms; i++)
        for (size_t j = 0; j < f->natoms; j++)
            for (int n0 = -2; n0 <= 2; n0++)
                for (int n1 = -2; n1 <= 2; n1++)
                    for (int n2 = -2; n2 <= 2; n2++) {
                        if ((n0 && !f->pbc[0]) || (n1 && !f->pbc[1]) || (n2 && !f->pbc[2]))
                            continue;
                        if (i == j && !n0 && !n1 && !n2)
                            continue;
                        double d2 = 0;
                        for (int l = 0; l < 3; l++) {
                            double x = f->pos[3 * j + l] - f->pos[3 * i + l] + n0 * f->cell[l] +
                                       n1 * f->cell[3 + l] + n2 * f->cell[6 + l];
                            d2 += x * x;
                        }
                        double d = sqrt(d2);
                        if (d <= rc) {
                            if (d < *dlo)
                                *dlo = d;
                            if (d > *dhi)
                                *dhi = d;
                        }
                    }
}

static double
area_xy(const double *cell)
{
    return fabs(cell[0] * cell[4] - cell[1] * cell[3]);
}

/* Fractional coordinates of atom i. */
static void
frac_of(const struct core_frame *f, size_t i, double s[3])
{
    double inv[9];
    core_cell_inverse(f->cell, inv, NULL);
    for (int k = 0; k < 3; k++)
        s[k] = f->pos[3 * i] * inv[k] + f->pos[3 * i + 1] * inv[3 + k] +
               f->pos[3 * i + 2] * inv[6 + k];
}

/* Number of bonds (d <= rc) whose direction is within 1 degree of the x axis, and of y. */
static void
bond_axes(const struct core_frame *f, double rc, int *nx, int *ny)
{
    *nx = *ny = 0;
    for (size_t i = 0; i < f->natoms; i++)
        for (size_t j = 0; j < f->natoms; j++)
            for (int n0 = -1; n0 <= 1; n0++)
                for (int n1 = -1; n1 <= 1; n1++) {
                    if (i == j && !n0 && !n1)
                        continue;
                    double v[2];
                    for (int l = 0; l < 2; l++)
                        v[l] = f->pos[3 * j + l] - f->pos[3 * i + l] + n0 * f->cell[l] +
                               n1 * f->cell[3 + l];
                    double d = hypot(v[0], v[1]);
                    if (d > rc)
                        continue;
                    if (fabs(v[1]) / d < sin(M_PI / 180))
                        (*nx)++;
                    if (fabs(v[0]) / d < sin(M_PI / 180))
                        (*ny)++;
                }
}

/* ---- graphene ---- */

static void
test_graphene(void)
{
    struct core_frame f;
    struct core_err err;
    size_t h[16];
    double lo, hi;
    const double a = 2.467, bond = a / sqrt(3.0);

    core_frame_init(&f);
    is_rel(bond, 1.4243, 1e-4, "graphene bond a/sqrt(3) = 1.4243 A for a = 2.467");
    for (int rect = 0; rect < 2; rect++)
        for (int ax = 0; ax < 2; ax++) {
            const char *nm = ax == CRYST_ZIGZAG ? "zigzag" : "armchair";
            is_int(cryst_graphene_build(&f, 0, rect, (enum cryst_edge)ax, 0, &err), 0,
                   "graphene rect=%d %s builds", rect, nm);
            is_int((long)f.natoms, rect ? 4 : 2, "graphene rect=%d %s: atoms", rect, nm);
            bond_range(&f, 1.6, &lo, &hi);
            is_rel(lo, bond, 1e-12, "graphene rect=%d %s: shortest bond", rect, nm);
            is_rel(hi, bond, 1e-12, "graphene rect=%d %s: longest bond below 1.6 A", rect, nm);
            coord_hist(&f, 1.6, 0, h);
            is_int((long)h[3], (long)f.natoms, "graphene rect=%d %s: every atom 3-coordinated",
                   rect, nm);
            coord_hist(&f, 2.6, 0, h);
            is_int((long)h[9], (long)f.natoms, "graphene rect=%d %s: 3 + 6 neighbours to 2.6 A",
                   rect, nm);
            is_rel(f.natoms / area_xy(f.cell), 4 / (sqrt(3.0) * a * a), 1e-12,
                   "graphene rect=%d %s: areal density", rect, nm);
            ok(f.pbc[0] && f.pbc[1] && !f.pbc[2] && f.has_cell, "graphene pbc T T F");
            is_rel(f.cell[8], CRYST_C_DEFAULT, 0, "graphene default c");
            is_rel(f.pos[2], 0.5 * CRYST_C_DEFAULT, 1e-15, "graphene at mid-cell");
            ok(core_cell_volume(f.cell) > 0 && f.cell[0] * f.cell[4] - f.cell[1] * f.cell[3] > 0,
               "graphene rect=%d %s: right-handed cell", rect, nm);
            int nx, ny;
            bond_axes(&f, 1.6, &nx, &ny);
            if (ax == CRYST_ARMCHAIR)
                ok(nx > 0 && ny == 0,
                   "graphene rect=%d armchair along x: bonds along x, none "
                   "along y (%d, %d)",
                   rect, nx, ny);
            else
                ok(ny > 0 && nx == 0,
                   "graphene rect=%d zigzag along x: bonds along y, none "
                   "along x (%d, %d)",
                   rect, nx, ny);
            if (rect) {
                double w = ax == CRYST_ZIGZAG ? a : sqrt(3.0) * a;
                double l = ax == CRYST_ZIGZAG ? sqrt(3.0) * a : a;
                is_rel(f.cell[0], w, 1e-15, "graphene rect %s: x length", nm);
                is_rel(f.cell[4], l, 1e-15, "graphene rect %s: y length", nm);
                ok(f.cell[1] == 0 && f.cell[3] == 0, "graphene rect %s: orthogonal", nm);
            } else {
                is_rel(hypot(f.cell[0], f.cell[1]), a, 1e-15, "graphene hex |a1| = a");
                is_rel(hypot(f.cell[3], f.cell[4]), a, 1e-15, "graphene hex |a2| = a");
                is_rel(f.cell[0] * f.cell[3] + f.cell[1] * f.cell[4], 0.5 * a * a, 1e-14,
                       "graphene hex 60 degrees");
            }
        }

    /* A slab of whole rectangular cells ends in clean edges: every edge atom keeps two
     * neighbours when the slab is cut open along x. */
    for (int ax = 0; ax < 2; ax++) {
        int n[3] = {3, 2, 1};
        cryst_graphene_build(&f, 2.4671234, 1, (enum cryst_edge)ax, 15.5, &err);
        cryst_supercell_build(&f, &f, n, &err);
        f.pbc[0] = 0;
        coord_hist(&f, 1.6, 0, h);
        is_int((long)(h[2] + h[3]), (long)f.natoms, "graphene slab %s along x: 2- or 3-coord.",
               ax ? "zigzag" : "armchair");
        is_int((long)h[2], ax == CRYST_ZIGZAG ? 8 : 4,
               "graphene slab %s along x: edge atoms with 2 neighbours",
               ax ? "zigzag" : "armchair");
        is_rel(f.cell[8], 15.5, 0, "graphene c as given");
    }

    /* a given */
    cryst_graphene_build(&f, 2.5, 0, CRYST_ZIGZAG, 0, &err);
    bond_range(&f, 1.6, &lo, &hi);
    is_rel(lo, 2.5 / sqrt(3.0), 1e-12, "graphene a = 2.5 scales the bond");

    /* errors */
    f.natoms = f.natoms; /* keep */
    is_int(cryst_graphene_build(&f, -1, 0, CRYST_ZIGZAG, 0, &err), CORE_EINPUT, "graphene a < 0");
    ok(strstr(err.msg, "graphene") && strstr(err.msg, "-1"), "graphene a < 0 message: %s", err.msg);
    is_int((long)f.natoms, 0, "graphene error leaves the frame empty");
    is_int(cryst_graphene_build(&f, NAN, 0, CRYST_ZIGZAG, 0, &err), CORE_EINPUT, "graphene a NaN");
    is_int(cryst_graphene_build(&f, INFINITY, 0, CRYST_ZIGZAG, 0, &err), CORE_EINPUT,
           "graphene a inf");
    is_int(cryst_graphene_build(&f, 0, 2, CRYST_ZIGZAG, 0, &err), CORE_EINPUT, "graphene rect 2");
    is_int(cryst_graphene_build(&f, 0, 0, (enum cryst_edge)7, 0, &err), CORE_EINPUT,
           "graphene bad direction");
    is_int(cryst_graphene_build(&f, 0, 0, CRYST_ZIGZAG, -3.5, &err), CORE_EINPUT,
           "graphene negative c");
    ok(strstr(err.msg, "-3.5") != NULL, "negative c message: %s", err.msg);
    is_int(cryst_graphene_build(&f, 0, 0, CRYST_ZIGZAG, 0.5, &err), CORE_EINPUT,
           "graphene c below the margin");
    is_int(cryst_graphene_build(&f, 0, 0, CRYST_ZIGZAG, NAN, &err), CORE_EINPUT, "graphene c NaN");
    core_frame_release(&f);
}

/* ---- borophene ---- */

static void
test_borophene(void)
{
    struct core_frame f;
    struct core_err err;
    size_t h[16];
    double lo, hi;

    core_frame_init(&f);

    /* 2-Pmmn: 2 atoms, in-row bond a = 1.614, inter-row 1.880 A, 6-coordinated */
    is_int(cryst_borophene_build(&f, CRYST_BORO_PMMN, 0, &err), 0, "pmmn builds");
    is_int((long)f.natoms, 2, "pmmn atoms");
    bond_range(&f, 2.0, &lo, &hi);
    is_rel(lo, 1.614, 1e-12, "pmmn shortest bond = a");
    is_abs(hi, 1.8801, 1e-4, "pmmn inter-row bond");
    ok(lo >= 1.6 && hi <= 1.9, "pmmn B-B bonds within 1.6-1.9 A");
    coord_hist(&f, 2.0, 0, h);
    is_int((long)h[6], 2, "pmmn: every atom 6-coordinated");
    is_abs(fabs(f.pos[5] - f.pos[2]), 0.911, 1e-12, "pmmn buckling 0.911 A");
    is_abs(0.5 * (f.pos[5] + f.pos[2]), 0.5 * f.cell[8], 1e-12, "pmmn mid-plane at c/2");
    is_rel(f.natoms / area_xy(f.cell), 2 / (1.614 * 2.866), 1e-12, "pmmn density");
    is_int(cryst_borophene_build(&f, CRYST_BORO_PMMN, 1.5, &err), CORE_EINPUT,
           "pmmn c below buckling + margin");

    /* beta12: 5 atoms, coordination 4, 4, 5, 5, 6; v = 1/6 */
    is_int(cryst_borophene_build(&f, CRYST_BORO_BETA12, 0, &err), 0, "beta12 builds");
    is_int((long)f.natoms, 5, "beta12 atoms");
    bond_range(&f, 2.0, &lo, &hi);
    ok(lo >= 1.6 && hi <= 1.9, "beta12 B-B bonds within 1.6-1.9 A (%g-%g)", lo, hi);
    coord_hist(&f, 2.0, 0, h);
    ok(h[4] == 2 && h[5] == 2 && h[6] == 1, "beta12 coordination 2x4, 2x5, 1x6 (%zu %zu %zu)", h[4],
       h[5], h[6]);
    {
        /* vacancy concentration: sites of the triangular lattice with the observed bond d */
        double site_density = 2 / (sqrt(3.0) * lo * lo);
        is_rel(1 - f.natoms / area_xy(f.cell) / site_density, 1.0 / 6.0, 2e-3,
               "beta12 hole concentration 1/6");
        is_rel(f.natoms / area_xy(f.cell), 5 / (2.926 * 5.068), 1e-12, "beta12 density");
        is_rel(cryst_borophene_info(CRYST_BORO_BETA12)->vacancy, 1.0 / 6.0, 1e-15,
               "beta12 info vacancy");
    }
    for (size_t i = 0; i < f.natoms; i++)
        if (f.pos[3 * i + 2] != 0.5 * f.cell[8])
            ok(0, "beta12 atom %zu off the plane", i);

    /* chi3: 8 atoms, coordination 4 x4, 5 x4; v = 1/5 */
    is_int(cryst_borophene_build(&f, CRYST_BORO_CHI3, 12.0, &err), 0, "chi3 builds");
    is_int((long)f.natoms, 8, "chi3 atoms");
    bond_range(&f, 2.0, &lo, &hi);
    ok(lo >= 1.6 && hi <= 1.9, "chi3 B-B bonds within 1.6-1.9 A (%g-%g)", lo, hi);
    coord_hist(&f, 2.0, 0, h);
    ok(h[4] == 4 && h[5] == 4, "chi3 coordination 4x4, 4x5 (%zu %zu)", h[4], h[5]);
    {
        double site_density = 2 / (sqrt(3.0) * lo * lo);
        is_rel(1 - f.natoms / area_xy(f.cell) / site_density, 1.0 / 5.0, 2e-3,
               "chi3 hole concentration 1/5");
        is_rel(f.natoms / area_xy(f.cell), 8 / (2.917 * 8.420), 1e-12, "chi3 density");
    }
    /* chi3 is centred: the rhombic 4-atom cell (a/2, +-b/2) is a lattice translation */
    {
        int n[3] = {1, 1, 1};
        size_t cn[8], cn2[8];
        cryst_frame_neighbors(&f, 2.0, 0, cn, &err);
        for (size_t i = 0; i < 8; i++) {
            f.pos[3 * i] += 0.5 * f.cell[0];
            f.pos[3 * i + 1] += 0.5 * f.cell[4];
        }
        cryst_frame_wrap(&f, &err);
        cryst_supercell_build(&f, &f, n, &err);
        cryst_frame_neighbors(&f, 2.0, 0, cn2, &err);
        size_t s1 = 0, s2 = 0;
        for (size_t i = 0; i < 8; i++)
            s1 += cn[i], s2 += cn2[i];
        is_int((long)s1, (long)s2, "chi3 shifted by (a/2, b/2): same bonds");
        is_int((long)s1, 36, "chi3: 18 bonds per cell");
    }

    /* info and names */
    for (int p = 0; p < CRYST_NBORO; p++) {
        const struct cryst_boro_info *in = cryst_borophene_info((enum cryst_boro)p);
        enum cryst_boro q;
        ok(in && in->name && in->source && in->a > 0 && in->b > in->a, "boro info %d", p);
        is_int(cryst_boro_parse(in->name, &q, &err), 0, "parse '%s'", in->name);
        is_int(q, p, "parse '%s' gives the phase", in->name);
        cryst_borophene_build(&f, (enum cryst_boro)p, 0, &err);
        is_int((long)f.natoms, (long)in->natoms, "info natoms %s", in->name);
        is_rel(f.cell[0], in->a, 0, "info a %s", in->name);
        is_rel(f.cell[4], in->b, 0, "info b %s", in->name);
    }
    {
        enum cryst_boro q = CRYST_BORO_PMMN;
        is_int(cryst_boro_parse("Beta12", &q, &err), 0, "parse is case-insensitive");
        is_int(q, CRYST_BORO_BETA12, "Beta12");
        is_int(cryst_boro_parse("v1/5", &q, &err), 0, "parse v1/5");
        is_int(q, CRYST_BORO_CHI3, "v1/5 is chi3");
        is_int(cryst_boro_parse("2-Pmmn", &q, &err), 0, "parse 2-Pmmn");
        is_int(cryst_boro_parse("alpha", &q, &err), CORE_EINPUT, "parse unknown phase");
        ok(strstr(err.msg, "'alpha'") && strstr(err.msg, "beta12"), "unknown phase message: %s",
           err.msg);
        is_int(cryst_boro_parse("beta", &q, &err), CORE_EINPUT, "parse a prefix is an error");
        is_int(cryst_boro_parse(NULL, &q, &err), CORE_EINPUT, "parse NULL");
        ok(cryst_borophene_info((enum cryst_boro)3) == NULL, "info of an unknown phase");
        ok(cryst_borophene_info((enum cryst_boro) - 1) == NULL, "info of a negative phase");
    }
    {
        enum cryst_edge e = CRYST_ZIGZAG;
        is_int(cryst_edge_parse("AC", &e, &err), 0, "edge parse AC");
        is_int(e, CRYST_ARMCHAIR, "AC is armchair");
        is_int(cryst_edge_parse("zigzag", &e, &err), 0, "edge parse zigzag");
        is_int(e, CRYST_ZIGZAG, "zigzag");
        is_int(cryst_edge_parse("chiral", &e, &err), CORE_EINPUT, "edge parse unknown");
        is_str(cryst_edge_name(CRYST_ARMCHAIR), "armchair", "edge name");
        is_str(cryst_edge_name((enum cryst_edge)5), "?", "edge name unknown");
    }
    is_int(cryst_borophene_build(&f, (enum cryst_boro)3, 0, &err), CORE_EINPUT,
           "borophene bad phase");
    ok(strstr(err.msg, "phase 3") != NULL, "bad phase message: %s", err.msg);
    is_int(cryst_borophene_build(&f, CRYST_BORO_BETA12, -1, &err), CORE_EINPUT,
           "borophene negative c");
    core_frame_release(&f);
}

/* ---- 3D ---- */

static void
test_cubic(void)
{
    struct core_frame f;
    struct core_err err;
    size_t h[16];
    double lo, hi;
    const double asi = 5.431020504;

    core_frame_init(&f);
    for (int cubic = 0; cubic < 2; cubic++) {
        is_int(cryst_diamond_build(&f, 14, 0, cubic, &err), 0, "Si diamond cubic=%d", cubic);
        is_int((long)f.natoms, cubic ? 8 : 2, "Si atoms cubic=%d", cubic);
        is_rel(core_cell_volume(f.cell) / f.natoms, asi * asi * asi / 8, 1e-13,
               "Si volume per atom cubic=%d", cubic);
        coord_hist(&f, 2.5, 0, h);
        is_int((long)h[4], (long)f.natoms, "Si 4 neighbours cubic=%d", cubic);
        bond_range(&f, 2.5, &lo, &hi);
        is_rel(lo, sqrt(3.0) / 4 * asi, 1e-13, "Si bond sqrt(3)/4 a cubic=%d", cubic);
        is_rel(hi, sqrt(3.0) / 4 * asi, 1e-13, "Si bond (longest) cubic=%d", cubic);
        coord_hist(&f, 4.0, 0, h);
        is_int((long)h[16 - 1], (long)f.natoms, "Si 4 + 12 neighbours to 4 A cubic=%d", cubic);
        ok(f.pbc[0] && f.pbc[1] && f.pbc[2], "Si periodic");

        is_int(cryst_fcc_build(&f, 29, 0, cubic, &err), 0, "Cu fcc cubic=%d", cubic);
        is_int((long)f.natoms, cubic ? 4 : 1, "Cu atoms cubic=%d", cubic);
        coord_hist(&f, 3.0, 0, h);
        is_int((long)h[12 < 16 ? 12 : 15], (long)f.natoms, "Cu 12 neighbours cubic=%d", cubic);
        bond_range(&f, 3.0, &lo, &hi);
        is_rel(lo, 3.61 / sqrt(2.0), 1e-13, "Cu nearest a/sqrt2 cubic=%d", cubic);
    }
    is_rel(cryst_fcc_a_default(13), 4.05, 0, "Al a");
    is_rel(cryst_fcc_a_default(18), 5.26, 0, "Ar a");
    is_rel(cryst_diamond_a_default(6), 3.567, 0, "C diamond a");
    is_rel(cryst_diamond_a_default(14), asi, 0, "Si a (CODATA 2014)");
    is_rel(cryst_fcc_a_default(26), 0, 0, "Fe has no fcc default");
    is_rel(cryst_diamond_a_default(0), 0, 0, "z = 0 has no default");
    is_int(cryst_fcc_build(&f, 13, 4.0321, 1, &err), 0, "fcc with a given");
    is_rel(f.cell[0], 4.0321, 0, "fcc a given");

    is_int(cryst_fcc_build(&f, 26, 0, 1, &err), CORE_EINPUT, "fcc Fe without a");
    ok(strstr(err.msg, "Fe") && strstr(err.msg, "give a"), "no default message: %s", err.msg);
    is_int(cryst_fcc_build(&f, 26, 3.6, 1, &err), 0, "fcc Fe with a");
    is_int(cryst_diamond_build(&f, 0, 5.0, 0, &err), CORE_EINPUT, "diamond z = 0");
    is_int(cryst_diamond_build(&f, 119, 5.0, 0, &err), CORE_EINPUT, "diamond z = 119");
    is_int(cryst_diamond_build(&f, 14, -5.0, 0, &err), CORE_EINPUT, "diamond a < 0");
    is_int(cryst_diamond_build(&f, 14, NAN, 0, &err), CORE_EINPUT, "diamond a NaN");
    is_int(cryst_diamond_build(&f, 14, 0, 3, &err), CORE_EINPUT, "diamond cubic 3");
    is_int((long)f.natoms, 0, "error leaves the frame empty");
    core_frame_release(&f);
}

/* ---- supercell ---- */

static void
test_supercell(void)
{
    struct core_frame f, g;
    struct core_err err;
    int n[3] = {3, 2, 1};
    size_t ip;

    core_frame_init(&f);
    core_frame_init(&g);
    cryst_borophene_build(&f, CRYST_BORO_BETA12, 0, &err);
    core_frame_want(&f, "forces", &err);
    core_frame_want(&f, "tag", &err);
    core_frame_want(&f, "vel", &err);
    core_frame_want(&f, "mass", &err);
    for (size_t i = 0; i < f.natoms; i++) {
        f.forces[3 * i + 1] = 0.1 * i - 0.2;
        f.tag[i] = 10 + (long)i;
        f.vel[3 * i] = 3.25 * i;
        f.mass[i] = 10.81 + i;
    }
    f.has_energy = 1;
    f.energy = -31.4159;
    f.has_stress = 1;
    f.stress[0] = 0.0123;
    f.has_virial = 1;
    f.virial[4] = -2.5;
    core_frame_info_set(&f, "config_type", "beta12", &err);
    core_frame_prop_add(&f, "fixed", 'I', 1, &ip, &err);
    core_frame_prop_add(&f, "label", 'S', 1, &ip, &err);
    for (size_t i = 0; i < f.natoms; i++) {
        f.prop[0].i[i] = (long)(i % 2);
        f.prop[1].s[i * CORE_SLEN] = (char)('a' + i);
    }

    is_int(cryst_supercell_build(&g, &f, n, &err), 0, "supercell 3x2x1");
    is_int((long)g.natoms, 30, "supercell atoms");
    is_rel(core_cell_volume(g.cell), 6 * core_cell_volume(f.cell), 1e-14, "supercell volume");
    is_rel(g.energy, 6 * f.energy, 1e-15, "supercell energy extensive");
    is_rel(g.stress[0], f.stress[0], 0, "supercell stress intensive");
    is_rel(g.virial[4], 6 * f.virial[4], 0, "supercell virial extensive");
    is_str(core_frame_info_get(&g, "config_type"), "beta12", "supercell info");
    /* image (i0, i1, i2) = (2, 1, 0) is image 2*2 + 1 = 5; atom 3 of it */
    {
        size_t k = 5 * 5 + 3;
        is_rel(g.pos[3 * k], f.pos[9] + 2 * f.cell[0], 1e-14, "supercell image order x");
        is_rel(g.pos[3 * k + 1], f.pos[10] + 1 * f.cell[4], 1e-14, "supercell image order y");
        is_int(g.tag[k], 13, "supercell tag");
        is_rel(g.forces[3 * k + 1], f.forces[10], 0, "supercell forces");
        is_rel(g.vel[3 * k], f.vel[9], 0, "supercell vel");
        is_rel(g.mass[k], f.mass[3], 0, "supercell mass");
        is_int(g.prop[0].i[k], 1, "supercell int property");
        ok(g.prop[1].s[k * CORE_SLEN] == 'd', "supercell string property");
    }
    {
        double d1, d2;
        cryst_frame_mindist(&f, &d1, NULL, NULL, &err);
        cryst_frame_mindist(&g, &d2, NULL, NULL, &err);
        is_rel(d2, d1, 1e-12, "supercell keeps the shortest distance");
    }
    /* in place */
    n[0] = 1, n[1] = 1, n[2] = 1;
    is_int(cryst_supercell_build(&f, &f, n, &err), 0, "supercell 1x1x1 in place");
    is_int((long)f.natoms, 5, "1x1x1 keeps atoms");

    n[2] = 2;
    is_int(cryst_supercell_build(&g, &f, n, &err), CORE_EINPUT, "supercell along non-periodic z");
    ok(strstr(err.msg, "non-periodic") != NULL, "non-periodic message: %s", err.msg);
    is_int((long)g.natoms, 0, "failed supercell leaves dst empty");
    n[2] = 0;
    is_int(cryst_supercell_build(&g, &f, n, &err), CORE_EINPUT, "supercell n = 0");
    ok(strstr(err.msg, "n[2] = 0") != NULL, "n = 0 message: %s", err.msg);
    n[2] = -4;
    is_int(cryst_supercell_build(&f, &f, n, &err), CORE_EINPUT, "supercell n < 0 in place");
    is_int((long)f.natoms, 5, "failed in-place supercell leaves src unchanged");
    n[0] = 100000, n[1] = 100000, n[2] = 1;
    f.pbc[2] = 1;
    n[2] = 100000;
    is_int(cryst_supercell_build(&g, &f, n, &err), CORE_ENOMEM, "supercell too large");
    f.has_cell = 0;
    n[0] = n[1] = n[2] = 1;
    is_int(cryst_supercell_build(&g, &f, n, &err), CORE_EINPUT, "supercell without a cell");
    core_frame_release(&f);
    core_frame_release(&g);
}

/* ---- deformations ---- */

static void
test_deform(void)
{
    struct core_frame f, g;
    struct core_err err;
    double eps[9], s0[3], s1[3];

    core_frame_init(&f);
    core_frame_init(&g);
    cryst_graphene_build(&f, 0, 1, CRYST_ARMCHAIR, 0, &err);
    {
        int n[3] = {2, 3, 1};
        cryst_supercell_build(&f, &f, n, &err);
    }
    core_frame_copy(&g, &f, &err);
    core_frame_want(&f, "forces", &err);
    f.has_energy = f.has_stress = 1;

    is_int(cryst_strain_uniaxial(eps, 0, 0.05, 0, 2, &err), 0, "uniaxial x 5%%");
    is_int(cryst_frame_deform(&f, eps, &err), 0, "deform");
    is_rel(f.cell[0], 1.05 * g.cell[0], 1e-15, "uniaxial 5%%: x length");
    is_rel(f.cell[4], g.cell[4], 0, "uniaxial 5%%: y length kept");
    is_rel(f.cell[8], g.cell[8], 0, "uniaxial 5%%: c kept");
    ok(!f.forces && !f.has_energy && !f.has_stress, "deform drops the labels");
    {
        double maxds = 0;
        for (size_t i = 0; i < f.natoms; i++) {
            frac_of(&f, i, s1);
            frac_of(&g, i, s0);
            for (int k = 0; k < 3; k++)
                maxds = fmax(maxds, fabs(s1[k] - s0[k]));
        }
        ok(maxds < 1e-14, "deform keeps fractional coordinates (max %g)", maxds);
    }
    /* Poisson contraction in 2D: y shrinks, z untouched */
    core_frame_copy(&f, &g, &err);
    is_int(cryst_strain_uniaxial(eps, 1, 0.031, 0.19, 2, &err), 0, "uniaxial y with nu");
    is_rel(eps[0], -0.19 * 0.031, 1e-15, "2D lateral eps_xx = -nu e");
    is_rel(eps[4], 0.031, 0, "eps_yy = e");
    is_rel(eps[8], 0, 0, "2D eps_zz = 0");
    cryst_frame_deform(&f, eps, &err);
    is_rel(f.cell[0], g.cell[0] * (1 - 0.19 * 0.031), 1e-15, "Poisson contraction along x");
    is_rel(f.pos[2], g.pos[2], 0, "2D deformation keeps z");
    is_int(cryst_strain_uniaxial(eps, 2, 0.01, 0.25, 3, &err), 0, "3D uniaxial z");
    ok(eps[0] == -0.0025 && eps[4] == -0.0025 && eps[8] == 0.01, "3D lateral contraction");
    is_int(cryst_strain_biaxial(eps, -0.02, 2, &err), 0, "biaxial 2D");
    ok(eps[0] == -0.02 && eps[4] == -0.02 && eps[8] == 0, "biaxial 2D components");
    is_int(cryst_strain_biaxial(eps, 0.01, 3, &err), 0, "biaxial 3D (hydrostatic)");
    ok(eps[8] == 0.01, "hydrostatic zz");

    /* shear: engineering gamma, eps_xy = gamma/2; the angle between a_1 and a_2 */
    core_frame_copy(&f, &g, &err);
    is_int(cryst_strain_shear(eps, 0, 1, 0.04, &err), 0, "shear xy");
    is_rel(eps[1], 0.02, 0, "eps_xy = gamma/2");
    is_rel(eps[3], 0.02, 0, "eps_yx = gamma/2");
    cryst_frame_deform(&f, eps, &err);
    {
        double *a1 = f.cell, *a2 = f.cell + 3;
        double cosang =
            (a1[0] * a2[0] + a1[1] * a2[1]) / (hypot(a1[0], a1[1]) * hypot(a2[0], a2[1]));
        /* for small strain the right angle closes by gamma; exactly: 2e/(1+e^2) for F = I+eps */
        is_rel(asin(cosang), asin(2 * 0.02 / (1 + 0.02 * 0.02)), 1e-13,
               "shear closes the angle by ~gamma");
        is_rel(asin(cosang), 0.04, 2e-3, "shear angle ~ gamma");
    }
    /* non-symmetric: a pure rotation keeps distances */
    {
        double th = 0.3, d0, d1;
        double rot[9] = {cos(th) - 1, -sin(th), 0, sin(th), cos(th) - 1, 0, 0, 0, 0};
        core_frame_copy(&f, &g, &err);
        cryst_frame_mindist(&f, &d0, NULL, NULL, &err);
        is_int(cryst_frame_deform(&f, rot, &err), 0, "deform with a rotation");
        cryst_frame_mindist(&f, &d1, NULL, NULL, &err);
        is_rel(d1, d0, 1e-13, "rotation keeps the shortest distance");
    }

    /* errors */
    memset(eps, 0, sizeof eps);
    eps[0] = -1.0;
    is_int(cryst_frame_deform(&f, eps, &err), CORE_EINPUT, "deform collapsing the cell");
    ok(strstr(err.msg, "det") != NULL, "collapse message: %s", err.msg);
    eps[0] = -1.5;
    is_int(cryst_frame_deform(&f, eps, &err), CORE_EINPUT, "deform inverting the cell");
    eps[0] = NAN;
    is_int(cryst_frame_deform(&f, eps, &err), CORE_EINPUT, "deform NaN");
    ok(strstr(err.msg, "eps_11") != NULL, "NaN message: %s", err.msg);
    eps[0] = 0;
    eps[5] = INFINITY;
    is_int(cryst_frame_deform(&f, eps, &err), CORE_EINPUT, "deform inf");
    eps[5] = 0;
    f.has_cell = 0;
    is_int(cryst_frame_deform(&f, eps, &err), CORE_EINPUT, "deform without a cell");
    f.has_cell = 1;
    is_int(cryst_strain_uniaxial(eps, 2, 0.01, 0, 2, &err), CORE_EINPUT, "2D uniaxial along z");
    is_int(cryst_strain_uniaxial(eps, -1, 0.01, 0, 3, &err), CORE_EINPUT, "uniaxial axis -1");
    is_int(cryst_strain_uniaxial(eps, 0, 0.01, 0, 4, &err), CORE_EINPUT, "uniaxial ndim 4");
    is_int(cryst_strain_uniaxial(eps, 0, NAN, 0, 2, &err), CORE_EINPUT, "uniaxial NaN");
    is_int(cryst_strain_uniaxial(eps, 0, 0.1, INFINITY, 2, &err), CORE_EINPUT, "uniaxial nu inf");
    is_int(cryst_strain_biaxial(eps, 0.1, 1, &err), CORE_EINPUT, "biaxial ndim 1");
    is_int(cryst_strain_biaxial(eps, NAN, 2, &err), CORE_EINPUT, "biaxial NaN");
    is_int(cryst_strain_shear(eps, 1, 1, 0.1, &err), CORE_EINPUT, "shear i == j");
    is_int(cryst_strain_shear(eps, 0, 3, 0.1, &err), CORE_EINPUT, "shear j = 3");
    is_int(cryst_strain_shear(eps, 0, 1, NAN, &err), CORE_EINPUT, "shear NaN");
    core_frame_release(&f);
    core_frame_release(&g);
}

/* ---- random perturbations ---- */

static void
test_random(void)
{
    struct core_frame f, g, h;
    struct core_err err;
    const double sigma = 0.0371;
    const uint64_t seed = 0x9e3779b97f4a7c15ULL;

    core_frame_init(&f);
    core_frame_init(&g);
    core_frame_init(&h);
    cryst_diamond_build(&f, 14, 0, 1, &err);
    {
        int n[3] = {4, 4, 4};
        cryst_supercell_build(&f, &f, n, &err); /* 512 atoms */
    }
    core_frame_copy(&g, &f, &err);
    core_frame_copy(&h, &f, &err);
    is_int(cryst_frame_rattle(&g, sigma, seed, 7, &err), 0, "rattle");
    is_int(cryst_frame_rattle(&h, sigma, seed, 7, &err), 0, "rattle again");
    ok(memcmp(g.pos, h.pos, 3 * f.natoms * sizeof(double)) == 0,
       "same seed and iconfig: identical positions");
    {
        /* atom 17's displacement does not depend on the frame size */
        struct core_frame s;
        core_frame_init(&s);
        core_frame_copy(&s, &f, &err);
        s.natoms = 18; /* the first 18 atoms only: arrays are larger, which is fine */
        cryst_frame_rattle(&s, sigma, seed, 7, &err);
        ok(memcmp(&s.pos[3 * 17], &g.pos[3 * 17], 3 * sizeof(double)) == 0,
           "atom 17 draws the same numbers in a smaller frame");
        s.natoms = f.natoms;
        core_frame_release(&s);
    }
    core_frame_copy(&h, &f, &err);
    cryst_frame_rattle(&h, sigma, seed, 8, &err);
    {
        size_t same = 0;
        double s1 = 0, s2 = 0, mean = 0, var = 0, cov = 0;
        size_t n = 3 * f.natoms;
        for (size_t k = 0; k < n; k++) {
            double d1 = g.pos[k] - f.pos[k], d2 = h.pos[k] - f.pos[k];
            same += d1 == d2;
            mean += d1;
            s1 += d1 * d1;
            s2 += d2 * d2;
            cov += d1 * d2;
        }
        mean /= n;
        var = s1 / n - mean * mean;
        is_int((long)same, 0, "different iconfig: different displacements");
        /* 1536 samples: the std error of the sample std is sigma/sqrt(2n) ~ 1.8% */
        is_rel(sqrt(var), sigma, 0.08, "sample std ~ sigma (%g)", sqrt(var));
        is_abs(mean, 0, 4 * sigma / sqrt((double)n), "sample mean ~ 0 (%g)", mean);
        is_abs(cov / sqrt(s1 * s2), 0, 0.1, "iconfigs 7 and 8 uncorrelated");
    }
    core_frame_copy(&h, &f, &err);
    is_int(cryst_frame_rattle(&h, 0, seed, 1, &err), 0, "rattle sigma 0");
    ok(memcmp(h.pos, f.pos, 3 * f.natoms * sizeof(double)) == 0, "sigma 0 moves nothing");
    is_int(cryst_frame_rattle(&h, -0.1, seed, 1, &err), CORE_EINPUT, "rattle sigma < 0");
    ok(strstr(err.msg, "sigma") != NULL, "rattle message: %s", err.msg);
    is_int(cryst_frame_rattle(&h, NAN, seed, 1, &err), CORE_EINPUT, "rattle NaN");

    /* cell perturbation of a sheet keeps c and z */
    {
        double eps[9], e2[9];
        cryst_borophene_build(&f, CRYST_BORO_PMMN, 0, &err);
        core_frame_copy(&g, &f, &err);
        is_int(cryst_cell_perturb(&g, 0.02, seed, 3, eps, &err), 0, "cell perturb a sheet");
        ok(eps[2] == 0 && eps[5] == 0 && eps[6] == 0 && eps[7] == 0 && eps[8] == 0,
           "sheet: no strain involving z");
        ok(eps[0] != 0 && eps[4] != 0 && eps[1] != 0 && eps[1] == eps[3],
           "sheet: in-plane strain drawn, symmetric");
        ok(memcmp(g.cell + 6, f.cell + 6, 3 * sizeof(double)) == 0, "sheet: a_3 unchanged");
        ok(g.pos[2] == f.pos[2] && g.pos[5] == f.pos[5], "sheet: heights unchanged");
        is_rel(g.cell[0], f.cell[0] * (1 + eps[0]), 1e-15, "perturbed a_1 = F a_1");
        core_frame_copy(&h, &f, &err);
        cryst_cell_perturb(&h, 0.02, seed, 3, e2, &err);
        ok(memcmp(eps, e2, sizeof eps) == 0, "cell perturb deterministic");
        core_frame_copy(&h, &f, &err);
        cryst_cell_perturb(&h, 0.02, seed, 4, e2, &err);
        ok(e2[0] != eps[0], "cell perturb: other iconfig, other strain");
        /* 3D: all six components */
        cryst_fcc_build(&f, 13, 0, 1, &err);
        is_int(cryst_cell_perturb(&f, 0.01, seed, 3, eps, &err), 0, "cell perturb 3D");
        ok(eps[8] != 0 && eps[5] != 0 && eps[5] == eps[7], "3D: zz and yz drawn");
        is_int(cryst_cell_perturb(&f, -0.01, seed, 3, NULL, &err), CORE_EINPUT,
               "cell perturb sigma < 0");
        is_int(cryst_cell_perturb(&f, 50.0, seed, 3, NULL, &err), CORE_EINPUT,
               "cell perturb with a collapsing draw");
        f.has_cell = 0;
        is_int(cryst_cell_perturb(&f, 0.01, seed, 3, NULL, &err), CORE_EINPUT,
               "cell perturb without a cell");
    }
    core_frame_release(&f);
    core_frame_release(&g);
    core_frame_release(&h);
}

/* ---- geometry ---- */

static void
test_geometry(void)
{
    struct core_frame f;
    struct core_err err;
    double d;
    size_t i, j;

    core_frame_init(&f);
    /* one fcc atom: the shortest lattice vector, an atom with its own image */
    cryst_fcc_build(&f, 29, 0, 0, &err);
    is_int(cryst_frame_mindist(&f, &d, &i, &j, &err), 0, "mindist one atom");
    is_rel(d, 3.61 / sqrt(2.0), 1e-14, "one-atom cell: shortest lattice vector");
    ok(i == 0 && j == 0, "self image pair");

    /* a strongly sheared cell where the nearest image is not the minimum-image one */
    {
        double eps[9] = {0};
        eps[1] = 1.7; /* x += 1.7 y */
        cryst_graphene_build(&f, 0, 1, CRYST_ZIGZAG, 0, &err);
        cryst_frame_deform(&f, eps, &err);
        /* reference: brute force over a wide image block */
        double best = HUGE_VAL;
        for (size_t a = 0; a < f.natoms; a++)
            for (size_t b = 0; b < f.natoms; b++)
                for (int n0 = -6; n0 <= 6; n0++)
                    for (int n1 = -6; n1 <= 6; n1++) {
                        if (a == b && !n0 && !n1)
                            continue;
                        double dx = f.pos[3 * b] - f.pos[3 * a] + n0 * f.cell[0] + n1 * f.cell[3];
                        double dy =
                            f.pos[3 * b + 1] - f.pos[3 * a + 1] + n0 * f.cell[1] + n1 * f.cell[4];
                        best = fmin(best, hypot(dx, dy));
                    }
        cryst_frame_mindist(&f, &d, NULL, NULL, &err);
        is_rel(d, best, 1e-13, "mindist in a sheared cell matches brute force");
        size_t cn[4], h1 = 0;
        cryst_frame_neighbors(&f, 3.1, 0, cn, &err);
        for (size_t a = 0; a < 4; a++)
            h1 += cn[a];
        size_t hb = 0;
        for (size_t a = 0; a < f.natoms; a++)
            for (size_t b = 0; b < f.natoms; b++)
                for (int n0 = -8; n0 <= 8; n0++)
                    for (int n1 = -8; n1 <= 8; n1++) {
                        if (a == b && !n0 && !n1)
                            continue;
                        double dx = f.pos[3 * b] - f.pos[3 * a] + n0 * f.cell[0] + n1 * f.cell[3];
                        double dy =
                            f.pos[3 * b + 1] - f.pos[3 * a + 1] + n0 * f.cell[1] + n1 * f.cell[4];
                        hb += hypot(dx, dy) <= 3.1;
                    }
        is_int((long)h1, (long)hb, "neighbour counts in a sheared cell match brute force");
    }

    /* cell lists on a large, rattled, sheared cell against brute force */
    {
        int n[3] = {4, 4, 3};
        double eps[9] = {0.013, 0.21, -0.05, 0.21, -0.02, 0.07, -0.05, 0.07, 0.031};
        size_t *cn, *cnb, nbad = 0;
        double *dn, bestb = HUGE_VAL, dm;
        cryst_diamond_build(&f, 14, 0, 1, &err);
        cryst_supercell_build(&f, &f, n, &err);
        cryst_frame_deform(&f, eps, &err);
        cryst_frame_rattle(&f, 0.15, 42, 0, &err);
        cn = malloc(f.natoms * sizeof *cn);
        cnb = calloc(f.natoms, sizeof *cnb);
        dn = malloc(f.natoms * sizeof *dn);
        is_int(cryst_frame_neighbors(&f, 3.9, 0, cn, &err), 0, "neighbors, 384 atoms");
        is_int(cryst_frame_nearest(&f, 0, 3.0, dn, &err), 0, "nearest, 384 atoms");
        for (size_t a = 0; a < f.natoms; a++) {
            double na = HUGE_VAL;
            for (size_t b = 0; b < f.natoms; b++)
                for (int n0 = -1; n0 <= 1; n0++)
                    for (int n1 = -1; n1 <= 1; n1++)
                        for (int n2 = -1; n2 <= 1; n2++) {
                            if (a == b && !n0 && !n1 && !n2)
                                continue;
                            double d2 = 0;
                            for (int l = 0; l < 3; l++) {
                                double x = f.pos[3 * b + l] - f.pos[3 * a + l] + n0 * f.cell[l] +
                                           n1 * f.cell[3 + l] + n2 * f.cell[6 + l];
                                d2 += x * x;
                            }
                            cnb[a] += d2 <= 3.9 * 3.9;
                            na = fmin(na, d2);
                        }
            nbad += cn[a] != cnb[a];
            nbad += fabs(dn[a] - sqrt(na)) > 1e-12 * sqrt(na);
            bestb = fmin(bestb, na);
        }
        is_int((long)nbad, 0,
               "cell-list neighbour counts and nearest distances match brute "
               "force");
        cryst_frame_mindist(&f, &dm, NULL, NULL, &err);
        is_rel(dm, sqrt(bestb), 1e-13, "cell-list mindist matches brute force");
        free(cn);
        free(cnb);
        free(dn);
    }

    /* a cluster (no cell) */
    core_frame_release(&f);
    core_frame_resize(&f, 3, &err);
    f.pos[3] = 1.1;
    f.pos[7] = 0.7;
    is_int(cryst_frame_mindist(&f, &d, &i, &j, &err), 0, "mindist cluster");
    is_rel(d, 0.7, 1e-15, "cluster shortest distance");
    ok(i == 0 && j == 2, "cluster pair (0, 2)");
    {
        double dist[3];
        is_int(cryst_frame_nearest(&f, 0, 1.0, dist, &err), 0, "nearest in a cluster");
        ok(dist[1] == HUGE_VAL || dist[1] > 1.0, "nearest beyond rmax is HUGE_VAL");
    }
    core_frame_resize(&f, 1, &err);
    is_int(cryst_frame_mindist(&f, &d, &i, &j, &err), 0, "mindist of a lone atom");
    ok(d == HUGE_VAL, "lone atom: HUGE_VAL");

    /* wrap */
    cryst_borophene_build(&f, CRYST_BORO_BETA12, 0, &err);
    f.pos[0] -= 3 * f.cell[0] + 1e-17;
    f.pos[1] += 2 * f.cell[4];
    f.pos[2] += 100; /* non-periodic z is kept */
    is_int(cryst_frame_wrap(&f, &err), 0, "wrap");
    {
        double s[3];
        frac_of(&f, 0, s);
        ok(s[0] >= 0 && s[0] < 1 && s[1] >= 0 && s[1] < 1, "wrapped into [0, 1)");
        is_rel(f.pos[2], 0.5 * f.cell[8] + 100, 0, "wrap keeps non-periodic z");
    }
    f.pos[3] = -1e-300;
    cryst_frame_wrap(&f, &err);
    ok(f.pos[3] >= 0 && f.pos[3] < f.cell[0], "tiny negative wraps inside");

    /* rotz90 */
    {
        struct core_frame g;
        double d0, d1;
        core_frame_init(&g);
        cryst_borophene_build(&f, CRYST_BORO_CHI3, 0, &err);
        core_frame_want(&f, "vel", &err);
        f.vel[0] = 1.5;
        core_frame_copy(&g, &f, &err);
        is_int(cryst_frame_rotz90(&f, &err), 0, "rotz90");
        is_rel(f.cell[0], g.cell[4], 0, "rotz90: new a_1 = b along x");
        is_rel(f.cell[4], g.cell[0], 0, "rotz90: new a_2 = a along y");
        ok(f.cell[1] == 0 && f.cell[3] == 0, "rotz90 keeps the cell rectangular");
        ok(core_cell_volume(f.cell) > 0 && f.cell[0] * f.cell[4] > 0, "rotz90 right-handed");
        is_rel(f.vel[1], 1.5, 0, "rotz90 rotates velocities");
        cryst_frame_mindist(&g, &d0, NULL, NULL, &err);
        cryst_frame_mindist(&f, &d1, NULL, NULL, &err);
        is_rel(d1, d0, 1e-14, "rotz90 keeps distances");
        size_t h0[16], h1[16];
        coord_hist(&g, 2.0, 0, h0);
        coord_hist(&f, 2.0, 0, h1);
        ok(memcmp(h0, h1, sizeof h0) == 0, "rotz90 keeps coordination");
        f.cell[6] = 0.1;
        is_int(cryst_frame_rotz90(&f, &err), CORE_EINPUT, "rotz90 with a tilted a_3");
        f.has_cell = 0;
        is_int(cryst_frame_rotz90(&f, &err), CORE_EINPUT, "rotz90 without a cell");
        core_frame_release(&g);
    }

    /* errors */
    {
        size_t cn[8];
        double dist[8];
        cryst_borophene_build(&f, CRYST_BORO_CHI3, 0, &err);
        is_int(cryst_frame_neighbors(&f, 0, 0, cn, &err), CORE_EINPUT, "neighbors rcut 0");
        is_int(cryst_frame_neighbors(&f, NAN, 0, cn, &err), CORE_EINPUT, "neighbors rcut NaN");
        is_int(cryst_frame_neighbors(&f, 1e6, 0, cn, &err), CORE_EINPUT,
               "neighbors rcut spanning too many cells");
        is_int(cryst_frame_nearest(&f, 5, -1, dist, &err), CORE_EINPUT, "nearest rmax < 0");
        is_int(cryst_frame_neighbors(&f, 2.0, 6, cn, &err), 0, "neighbors of carbon only");
        is_int((long)cn[0], 0, "no carbon neighbours in borophene");
        f.cell[4] = 0; /* singular */
        f.cell[3] = 0;
        is_int(cryst_frame_neighbors(&f, 2.0, 0, cn, &err), CORE_EINPUT, "neighbors singular");
        is_int(cryst_frame_mindist(&f, &d, NULL, NULL, &err), CORE_EINPUT, "mindist singular");
        is_int(cryst_frame_wrap(&f, &err), CORE_EINPUT, "wrap singular");
        is_int(cryst_frame_rotz90(&f, &err), CORE_EINPUT, "rotz90 singular");
        f.has_cell = 0;
        is_int(cryst_frame_wrap(&f, &err), CORE_EINPUT, "wrap without a cell");
    }
    core_frame_release(&f);
}

/* ---- heterostructure ---- */

static void
check_hetero(const struct cryst_hetero_opts *o, const char *nm)
{
    struct core_frame f;
    struct core_err err;
    struct cryst_hetero_report r;
    double *dist;
    size_t nc = 0, nbo = 0;

    core_frame_init(&f);
    if (!ok(cryst_hetero_build(&f, o, &r, &err) == 0, "hetero %s builds", nm)) {
        printf("# %s\n", err.msg);
        return;
    }
    for (size_t i = 0; i < f.natoms; i++) {
        nc += f.z[i] == 6;
        nbo += f.z[i] == 5;
    }
    ok(nc > 0 && nbo > 0, "hetero %s: both phases present (%zu C, %zu B)", nm, nc, nbo);
    is_int((long)f.natoms, (long)(r.natoms_graphene + r.natoms_boro), "hetero %s: atom count", nm);
    is_int((long)nc, (long)r.natoms_graphene, "hetero %s: C count as reported", nm);
    is_int((long)nbo, (long)r.natoms_boro, "hetero %s: B count as reported", nm);
    is_int((long)r.natoms_graphene, 4L * r.nx_graphene * r.ny_graphene,
           "hetero %s: graphene atoms = 4 nx ny", nm);
    is_int((long)(r.natoms_boro + r.nremoved),
           (long)(cryst_borophene_info(o->phase)->natoms * r.nx_boro * r.ny_boro),
           "hetero %s: borophene atoms + removed", nm);
    is_rel(f.cell[4], r.ly, 0, "hetero %s: cell y = ly", nm);
    is_rel(f.cell[0], r.lx, 0, "hetero %s: cell x = lx", nm);
    is_rel(r.lx, r.width_graphene + r.width_boro + 2 * o->gap, 1e-14, "hetero %s: lx", nm);
    ok(f.pbc[0] && f.pbc[1] && !f.pbc[2], "hetero %s: pbc T T F", nm);

    /* the mismatch strain reported is the strain measured: nearest C-C along y in graphene,
     * and the cell ratio */
    {
        double a = o->a_graphene > 0 ? o->a_graphene : CRYST_GRAPHENE_A;
        double l1 = o->edge == CRYST_ARMCHAIR ? sqrt(3.0) * a : a;
        is_rel(r.ly_graphene, r.ny_graphene * l1, 1e-14, "hetero %s: natural graphene length", nm);
        is_rel(r.ly / r.ly_graphene - 1, r.strain_graphene, 1e-12, "hetero %s: graphene eps", nm);
        const struct cryst_boro_info *in = cryst_borophene_info(o->phase);
        double b1 = o->boro_b_along_y ? in->b : in->a;
        is_rel(r.ly_boro, r.ny_boro * b1, 1e-14, "hetero %s: natural borophene length", nm);
        is_rel(r.ly / r.ly_boro - 1, r.strain_boro, 1e-12, "hetero %s: borophene eps", nm);
        /* measured: the y spacing of graphene atoms of one column equals l1 (1 + eps) */
        double ymin = HUGE_VAL, x0 = f.pos[0];
        for (size_t i = 1; i < f.natoms; i++)
            if (f.z[i] == 6 && fabs(f.pos[3 * i] - x0) < 1e-9) {
                double dy = fabs(f.pos[3 * i + 1] - f.pos[1]);
                dy = fmin(dy, r.ly - dy);
                if (dy > 1e-9)
                    ymin = fmin(ymin, dy);
            }
        /* along an armchair edge a column holds the y-parallel bonds, d = l1 / 3 apart */
        double per = o->edge == CRYST_ARMCHAIR ? l1 / 3 : l1;
        is_rel(ymin, per * (1 + r.strain_graphene), 1e-10,
               "hetero %s: measured graphene column period matches the strain", nm);
        if (r.nremoved == 0) {
            /* measured in borophene too: the shortest same-height y period */
            double bmin = HUGE_VAL;
            size_t ib = r.natoms_graphene;
            for (size_t i = ib + 1; i < f.natoms; i++)
                if (fabs(f.pos[3 * i] - f.pos[3 * ib]) < 1e-9 &&
                    fabs(f.pos[3 * i + 2] - f.pos[3 * ib + 2]) < 1e-9) {
                    double dy = fabs(f.pos[3 * i + 1] - f.pos[3 * ib + 1]);
                    dy = fmin(dy, r.ly - dy);
                    if (dy > 1e-9)
                        bmin = fmin(bmin, dy);
                }
            if (r.ny_boro > 1)
                ok(fabs(bmin - b1 * (1 + r.strain_boro)) < 1e-9 || bmin < b1,
                   "hetero %s: borophene period %g vs %g", nm, bmin, b1 * (1 + r.strain_boro));
        }
    }
    if (o->ny_graphene == 0 && o->mismatch_tol > 0)
        ok(fabs(r.strain_graphene - r.strain_boro) <= o->mismatch_tol,
           "hetero %s: mismatch within tolerance", nm);
    if (o->ref == CRYST_HETERO_GRAPHENE)
        is_rel(r.strain_graphene, 0, 0, "hetero %s: graphene unstrained", nm);

    /* distances: no C-B pair closer than dmin, and the reported smallest C-B distance */
    dist = malloc(f.natoms * sizeof *dist);
    cryst_frame_nearest(&f, 6, 10.0, dist, &err);
    double cbmin = HUGE_VAL;
    for (size_t i = 0; i < f.natoms; i++)
        if (f.z[i] == 5)
            cbmin = fmin(cbmin, dist[i]);
    ok(cbmin >= o->dmin, "hetero %s: no C-B pair closer than dmin (%g >= %g)", nm, cbmin, o->dmin);
    is_rel(cbmin, r.dmin_cross, 1e-12, "hetero %s: dmin_cross as measured", nm);
    {
        double dmin;
        cryst_frame_mindist(&f, &dmin, NULL, NULL, &err);
        ok(dmin > 1.3, "hetero %s: no two atoms closer than 1.3 A (%g)", nm, dmin);
    }
    /* every interface atom (the edge columns) has an atom of the other phase within 3.2 A */
    {
        double *db = malloc(f.natoms * sizeof *db);
        double gx0 = HUGE_VAL, gx1 = -HUGE_VAL;
        size_t bad = 0, nedge = 0;
        cryst_frame_nearest(&f, 5, 10.0, db, &err);
        for (size_t i = 0; i < f.natoms; i++)
            if (f.z[i] == 6) {
                gx0 = fmin(gx0, f.pos[3 * i]);
                gx1 = fmax(gx1, f.pos[3 * i]);
            }
        for (size_t i = 0; i < f.natoms; i++)
            if (f.z[i] == 6 && (f.pos[3 * i] < gx0 + 1e-9 || f.pos[3 * i] > gx1 - 1e-9)) {
                nedge++;
                bad += db[i] > 3.2;
            }
        ok(nedge > 0 && bad == 0, "hetero %s: %zu graphene edge atoms all within 3.2 A of B", nm,
           nedge);
        /* and the borophene atoms facing graphene */
        bad = nedge = 0;
        for (size_t i = 0; i < f.natoms; i++)
            if (f.z[i] == 5) {
                double x = f.pos[3 * i];
                double t = fmin(x - (gx1 + o->gap), r.lx - o->gap - x);
                if (t < 1e-9) {
                    nedge++;
                    bad += dist[i] > 3.2;
                }
            }
        ok(nedge > 0 && bad == 0, "hetero %s: %zu borophene edge atoms all within 3.2 A of C", nm,
           nedge);
        free(db);
    }
    /* graphene keeps three C neighbours inside, two or three at the edges */
    {
        size_t *cn = malloc(f.natoms * sizeof *cn), bad = 0, n3 = 0;
        cryst_frame_neighbors(&f, 1.6, 6, cn, &err);
        for (size_t i = 0; i < f.natoms; i++)
            if (f.z[i] == 6) {
                bad += cn[i] < 2 || cn[i] > 3;
                n3 += cn[i] == 3;
            }
        ok(bad == 0 && n3 > 0, "hetero %s: every C has 2 or 3 C neighbours", nm);
        free(cn);
    }
    free(dist);
    core_frame_release(&f);
}

static void
test_hetero(void)
{
    struct cryst_hetero_opts o = CRYST_HETERO_OPTS_DEFAULT;
    struct core_frame f;
    struct core_err err;
    struct cryst_hetero_report r;
    char nm[64];

    core_frame_init(&f);
    for (int e = 0; e < 2; e++)
        for (int p = 0; p < CRYST_NBORO; p++)
            for (int ax = 0; ax < 2; ax++) {
                o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
                o.edge = (enum cryst_edge)e;
                o.phase = (enum cryst_boro)p;
                o.boro_b_along_y = ax;
                o.nx_graphene = 2 + e;
                o.nx_boro = 3 - ax;
                snprintf(nm, sizeof nm, "%s/%s/%s", cryst_edge_name(o.edge),
                         cryst_borophene_info(o.phase)->name, ax ? "b" : "a");
                check_hetero(&o, nm);
            }
    /* tolerance search, refs, given repeats, a shift, removal */
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.mismatch_tol = 0.015;
    o.boro_b_along_y = 1;
    o.ref = CRYST_HETERO_GRAPHENE;
    o.a_graphene = 2.4731;
    o.shift_y = 0.77;
    check_hetero(&o, "tol 1.5% ref graphene");
    is_int(cryst_hetero_build(&f, &o, &r, &err), 0, "tolerance search");
    is_int(r.ny_graphene, 6, "shortest ny within 1.5%%: graphene");
    is_int(r.ny_boro, 5, "shortest ny within 1.5%%: borophene");
    o.ref = CRYST_HETERO_BORO;
    o.ny_graphene = 3;
    o.ny_boro = 4;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "given repeats straining 58%%");
    ok(strstr(err.msg, "more than 0.15") != NULL, "strain limit message: %s", err.msg);
    o.boro_b_along_y = 0;
    o.ny_graphene = 2;
    o.ny_boro = 3;
    check_hetero(&o, "given ny ref boro");
    is_int(cryst_hetero_build(&f, &o, &r, &err), 0, "given repeats");
    is_rel(r.strain_boro, 0, 0, "ref boro: borophene unstrained");
    ok(r.ny_graphene == 2 && r.ny_boro == 3, "given repeats used");
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.gap = 0.6;
    o.dmin = 1.25;
    is_int(cryst_hetero_build(&f, &o, &r, &err), 0, "small gap builds");
    ok(r.nremoved > 0, "small gap: %zu borophene atoms removed", r.nremoved);
    ok(r.dmin_cross >= 1.25, "small gap: closest C-B %g >= dmin", r.dmin_cross);
    check_hetero(&o, "gap 0.6 dmin 1.25");
    o.dmin = 0;
    is_int(cryst_hetero_build(&f, &o, &r, &err), 0, "dmin 0: none removed");
    is_int((long)r.nremoved, 0, "dmin 0 removes nothing");
    is_int(cryst_hetero_build(&f, &o, NULL, &err), 0, "report may be NULL");

    /* errors */
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.edge = (enum cryst_edge)9;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero bad edge");
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.phase = (enum cryst_boro)4;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero bad phase");
    ok(strstr(err.msg, "phase 4") != NULL, "bad phase message: %s", err.msg);
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.boro_b_along_y = 2;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero boro axis 2");
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.ref = (enum cryst_hetero_ref)3;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero bad ref");
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.nx_boro = 0;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero nx 0");
    ok(strstr(err.msg, ">= 1") != NULL, "nx message: %s", err.msg);
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.ny_graphene = 3;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero only one ny given");
    o.ny_boro = -1;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero ny < 0");
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.gap = 0;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero gap 0");
    o.gap = NAN;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero gap NaN");
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.dmin = -1;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero dmin < 0");
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.shift_y = INFINITY;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero shift inf");
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.mismatch_tol = -0.1;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero tolerance < 0");
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.ly_max = 0;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero ly_max 0");
    o.ly_max = 3.0;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero ly_max below one cell");
    ok(strstr(err.msg, "shorter than one cell") != NULL, "ly_max message: %s", err.msg);
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.mismatch_tol = 1e-6;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero tolerance unreachable");
    ok(strstr(err.msg, "best") != NULL, "tolerance message: %s", err.msg);
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.c = -2;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero negative c");
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.a_graphene = -2.4;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero negative a");
    is_int((long)f.natoms, 0, "hetero error leaves the frame empty");
    o = (struct cryst_hetero_opts)CRYST_HETERO_OPTS_DEFAULT;
    o.gap = 0.01;
    o.dmin = 50;
    is_int(cryst_hetero_build(&f, &o, &r, &err), CORE_EINPUT, "hetero removing every B atom");
    ok(strstr(err.msg, "every borophene atom") != NULL, "removal message: %s", err.msg);
    core_frame_release(&f);
}

int
main(void)
{
    test_graphene();
    test_borophene();
    test_cubic();
    test_supercell();
    test_deform();
    test_random();
    test_geometry();
    test_hetero();
    done_testing();
    return exit_status();
}
