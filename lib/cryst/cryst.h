/*
 * cryst: crystal structures for fpms, the science behind strain-gen.
 *
 * Promises
 *   - Builders of ideal structures: graphene (2-atom primitive or 4-atom rectangular cell, either
 *     edge direction along x), three borophene polymorphs (striped buckled 2-Pmmn, beta12 = v1/6,
 *     chi3 = v1/5), diamond-structure and fcc elements (primitive or conventional cell).
 *     Every lattice parameter and atomic basis comes from the literature; the sources are in
 *     lib/cryst/REFERENCES.md, which the strain-gen man page cites.
 *   - Supercells, and the coplanar graphene/borophene lateral heterostructure (two straight
 *     interfaces per periodic cell, both phases strained to one common length along the
 *     interface).
 *   - Homogeneous deformations (cell and positions mapped by one affine map, fractional
 *     coordinates kept) and the strain tensors of uniaxial, biaxial and shear loading.
 *   - Random perturbations that are deterministic per (seed, iconfig, atom): the displacement of
 *     atom 17 does not depend on loop order, threads, or how many atoms come before it.
 *   - Geometry checks: wrapping into the cell, minimum interatomic distance and neighbour counts
 *     with periodic images (any triclinic cell, any cutoff: all images within reach are searched,
 *     not just the nearest one).
 *
 * Conventions
 *   - Units: Angstrom for lengths and cells; strains are dimensionless (0.05 = 5 %).
 *   - Cells are rows (core.h): a_i = cell[3*i .. 3*i+2]. Positions pos[3*i + k], Cartesian.
 *   - 2D sheets lie in the xy plane, a_1 and a_2 in plane, a_3 = (0, 0, c), pbc = (1, 1, 0),
 *     atoms centred at z = c/2 (the mid-plane of a buckled sheet). c is the cell length along z
 *     ("vacuum" on the strain-gen command line): 0 selects CRYST_C_DEFAULT, and it must exceed
 *     the sheet thickness by at least CRYST_C_MARGIN.
 *   - Graphene directions: the zigzag direction is along a lattice vector (no C-C bond parallel
 *     to it); the armchair direction is perpendicular to it (one C-C bond in three is parallel).
 *     An edge cut along the zigzag direction is a zigzag edge, along the armchair direction an
 *     armchair edge. enum cryst_edge names the direction that lies along x.
 *   - Strain: the deformation gradient is F = I + eps (exactly, not linearised); cell rows map as
 *     a_i' = F a_i, i.e. cell' = cell F^T, and positions as r' = F r. eps is row-major 3x3;
 *     eps[3*i + j] = eps_ij. Engineering shear gamma_ij = 2 eps_ij.
 *
 * Ownership: every function that builds a frame takes a caller-owned struct core_frame that has
 * been initialised (core_frame_init) or holds an earlier frame; what it held is released and
 * replaced. The caller frees it with core_frame_release. On error a built frame is left empty
 * (natoms 0, as after core_frame_init) and an in-place function (deform, rattle, wrap, ...)
 * leaves the frame unchanged. Arrays passed as const are borrowed.
 *
 * Labels: a function that moves atoms or changes the cell (deform, rattle, cell_perturb,
 * rotz90) drops the frame's energy, free energy, stress, virial and forces, because they no
 * longer describe the structure; velocities, masses, tags, info and per-atom properties stay.
 *
 * Thread safety: no global mutable state; distinct frames may be used from distinct threads.
 *
 * Errors: fallible functions return CORE_OK or a code of enum core_status and fill err (which may
 * be NULL) with a one-line message, e.g. "borophene: unknown phase 7" or "supercell: n[2] = 0 is
 * not >= 1". CORE_EINPUT for bad arguments (non-finite or out-of-range numbers, unknown enums,
 * singular cells, a cell missing where one is needed), CORE_ENOMEM for allocation failures.
 * lib/cryst does no I/O and never prints.
 */
#ifndef FPMS_CRYST_H
#define FPMS_CRYST_H

#include <stddef.h>
#include <stdint.h>

#include "../core/core.h"

/* ---- defaults (Angstrom) ---- */

/* Graphene lattice constant, PBE (REFERENCES.md); C-C bond a/sqrt(3) = 1.4243 A. */
#define CRYST_GRAPHENE_A 2.467
/* Cell length along z of a 2D sheet when the caller passes c = 0. */
#define CRYST_C_DEFAULT  20.0
/* c must be at least the sheet thickness (buckling) plus this. */
#define CRYST_C_MARGIN   1.0

/* ---- graphene ---- */

/* Which graphene direction lies along x (see Conventions). */
enum cryst_edge {
    CRYST_ARMCHAIR = 0, /* armchair direction along x: a C-C bond is parallel to x */
    CRYST_ZIGZAG = 1,   /* zigzag direction along x: a_1 = (a, 0, 0), a C-C bond parallel to y */
};

/*
 * Graphene in the xy plane.
 *   a       lattice constant, A; 0 selects CRYST_GRAPHENE_A; otherwise must be > 0 and finite
 *   rect    0: primitive hexagonal cell, 2 atoms, |a_1| = |a_2| = a at 60 degrees, right-handed;
 *           1: rectangular (orthogonal) cell, 4 atoms: a x sqrt(3) a with along_x = CRYST_ZIGZAG,
 *           sqrt(3) a x a with CRYST_ARMCHAIR.
 *   along_x which direction lies along x (for rect = 0: along_x = CRYST_ZIGZAG puts a_1 along x;
 *           CRYST_ARMCHAIR puts a_1 + a_2 along x).
 *   c       cell length along z, A (0: CRYST_C_DEFAULT)
 * The rectangular basis is chosen so that a slab of whole cells cut normal to x ends in clean
 * edges (every edge atom keeps two neighbours): zigzag edges when along_x = CRYST_ARMCHAIR,
 * armchair edges when along_x = CRYST_ZIGZAG. Species z = 6. Returns CORE_OK, CORE_EINPUT
 * (bad a, rect, along_x or c) or CORE_ENOMEM.
 */
int cryst_graphene_build(struct core_frame *f, double a, int rect, enum cryst_edge along_x,
                         double c, struct core_err *err);

/* ---- borophene ---- */

enum cryst_boro {
    CRYST_BORO_PMMN = 0,   /* striped, buckled 2-Pmmn (Mannix et al. 2015), 2 atoms */
    CRYST_BORO_BETA12 = 1, /* flat beta12, vacancy concentration v = 1/6, 5 atoms */
    CRYST_BORO_CHI3 = 2,   /* flat chi3, v = 1/5, 8 atoms in the rectangular cell */
};

#define CRYST_NBORO 3

/*
 * Borophene in the xy plane, in its rectangular (orthogonal) cell with a_1 = (a, 0, 0) along the
 * short axis and a_2 = (0, b, 0), lattice parameters and basis from PBE calculations in the
 * literature (REFERENCES.md):
 *   CRYST_BORO_PMMN    a = 1.614, b = 2.866, buckling h = 0.911 (2 atoms; a_1 along the
 *                      unbuckled B rows, a_2 across the buckle)
 *   CRYST_BORO_BETA12  a_1 along the rows of hexagonal holes (5 atoms, coordination 4, 5, 6)
 *   CRYST_BORO_CHI3    8 atoms, coordination 4 and 5
 * (the exact values are in cryst_borophene_info and REFERENCES.md.) c as for graphene, measured
 * over the buckling for PMMN. Species z = 5. Returns CORE_OK, CORE_EINPUT (unknown phase, bad c)
 * or CORE_ENOMEM.
 */
int cryst_borophene_build(struct core_frame *f, enum cryst_boro phase, double c,
                          struct core_err *err);

/* What the library knows about one borophene phase (all static data, never freed). */
struct cryst_boro_info {
    const char *name;     /* "pmmn", "beta12", "chi3": the strain-gen spelling */
    const char *longname; /* "striped 2-Pmmn", "beta12 (v1/6)", "chi3 (v1/5)" */
    double a, b;          /* rectangular cell, A */
    double thickness;     /* buckling height, A (0 for flat sheets) */
    size_t natoms;        /* atoms in the rectangular cell */
    double vacancy;       /* hole concentration of the triangular lattice (0, 1/6, 1/5) */
    const char *source;   /* short citation, e.g. "Mannix et al., Science 350, 1513 (2015)" */
};

/* Information about phase, or NULL for an unknown phase. */
const struct cryst_boro_info *cryst_borophene_info(enum cryst_boro phase);

/* Parses a phase name: "pmmn" (also "2-pmmn", "striped"), "beta12" ("b12", "v1/6"), "chi3"
 * ("x3", "v1/5"), case-insensitive. CORE_EINPUT with the list of names otherwise. */
int cryst_boro_parse(const char *s, enum cryst_boro *phase, struct core_err *err);

/* Parses "armchair" ("ac") or "zigzag" ("zz"), case-insensitive; CORE_EINPUT otherwise. */
int cryst_edge_parse(const char *s, enum cryst_edge *edge, struct core_err *err);

/* "armchair" or "zigzag" ("?" for an unknown value). */
const char *cryst_edge_name(enum cryst_edge edge);

/* ---- 3D elements ---- */

/*
 * Diamond structure (Fd-3m) of element z with cubic lattice constant a (A).
 *   a      0 selects the tabulated value (cryst_diamond_a_default), CORE_EINPUT if there is none
 *   cubic  0: primitive fcc cell, 2 atoms, a_i = (a/2)(0 1 1), (1 0 1), (1 1 0), atoms at 0 and
 *          (a/4)(1 1 1); 1: conventional cubic cell, 8 atoms
 * pbc = (1, 1, 1). Returns CORE_OK, CORE_EINPUT (bad z, a or cubic) or CORE_ENOMEM.
 */
int cryst_diamond_build(struct core_frame *f, int z, double a, int cubic, struct core_err *err);

/* Face-centred cubic element z, as cryst_diamond_build: cubic 0 gives the 1-atom primitive cell
 * a_i = (a/2)(0 1 1), (1 0 1), (1 1 0); cubic 1 the 4-atom conventional cell. */
int cryst_fcc_build(struct core_frame *f, int z, double a, int cubic, struct core_err *err);

/* Tabulated experimental cubic lattice constants in A (REFERENCES.md: Ashcroft & Mermin, and
 * CODATA for Si), or 0 when the element has none in that structure. Diamond: C, Si, Ge, Sn
 * (alpha). Fcc: Ne, Al, Ar, Ca, Ni, Cu, Kr, Sr, Rh, Pd, Ag, Xe, Ce, Yb, Ir, Pt, Au, Pb, Ac, Th. */
double cryst_diamond_a_default(int z);

double cryst_fcc_a_default(int z);

/* ---- supercells ---- */

/* The most atoms a supercell may hold (a guard against overflow and absurd requests). */
#define CRYST_MAX_ATOMS 1e9

/*
 * dst = src repeated n[0] x n[1] x n[2] times along its cell vectors (n[k] >= 1). Atom order as
 * ASE's Atoms.repeat: image-major, images in C order (n[2] fastest), the atoms of src in their
 * order within each image. Copied per atom: z, positions (shifted), forces, velocities, masses,
 * tags and every per-atom property; info keys are copied. Energy, free energy and virial are
 * multiplied by the number of images (extensive), stress is kept (intensive). src needs a cell;
 * n[k] > 1 along a non-periodic vector is CORE_EINPUT. dst may be src (replaced in place; on
 * error it is then left unchanged, otherwise dst is left empty). Returns CORE_OK, CORE_EINPUT or
 * CORE_ENOMEM (also for more than CRYST_MAX_ATOMS atoms).
 */
int cryst_supercell_build(struct core_frame *dst, const struct core_frame *src, const int n[3],
                          struct core_err *err);

/* ---- graphene/borophene lateral heterostructure ---- */

/* How the common length along the interface (y) is chosen once the repeats are fixed. */
enum cryst_hetero_ref {
    CRYST_HETERO_MEAN = 0,     /* L = mean of the two natural lengths: both phases strained */
    CRYST_HETERO_GRAPHENE = 1, /* L = graphene's natural length: only borophene strained */
    CRYST_HETERO_BORO = 2,     /* L = borophene's natural length: only graphene strained */
};

struct cryst_hetero_opts {
    enum cryst_edge edge;     /* graphene edge at the interface (the edge runs along y):
                                 CRYST_ARMCHAIR or CRYST_ZIGZAG */
    double a_graphene;        /* graphene lattice constant, A (0: CRYST_GRAPHENE_A) */
    enum cryst_boro phase;    /* borophene phase */
    int boro_b_along_y;       /* 0: borophene a_1 (short axis) runs along the interface (y);
                                 1: a_2 does */
    int nx_graphene, nx_boro; /* repeats of each phase's rectangular cell along x, >= 1 */
    int ny_graphene, ny_boro; /* repeats along y; both 0: searched (below); else both >= 1 */
    double ly_max;            /* A: largest natural length along y of either phase that the
                                 search considers (> 0 when searching) */
    double mismatch_tol;      /* > 0: the search takes the shortest cell whose mismatch
                                 |eps_graphene - eps_boro| is <= this; 0: the smallest mismatch
                                 up to ly_max (ties: the shorter cell) */
    enum cryst_hetero_ref ref;
    double gap;     /* A: x distance between the last column of one phase and the first
                       column of the other, the same at both interfaces (> 0) */
    double shift_y; /* A: rigid shift of the borophene block along y (registry) */
    double dmin;    /* A: an atom of borophene closer than this to a graphene atom
                       (periodic images included) is removed; 0: none removed */
    double c;       /* cell length along z, A (0: CRYST_C_DEFAULT) */
};

/* The largest |strain| along y that cryst_hetero_build applies to either phase. */
#define CRYST_HETERO_MAX_STRAIN 0.15

/* Defaults: armchair edge, beta12 with a_1 along y, 4 + 4 repeats along x, ny searched up to
 * 30 A with mismatch_tol 0, ref MEAN, gap 1.5 A, shift_y 0, dmin 1.2 A, c 0. */
#define CRYST_HETERO_OPTS_DEFAULT                                                                  \
    {                                                                                              \
        CRYST_ARMCHAIR, 0.0, CRYST_BORO_BETA12, 0, 4, 4, 0, 0, 30.0, 0.0, CRYST_HETERO_MEAN, 1.5,  \
            0.0, 1.2, 0.0                                                                          \
    }

struct cryst_hetero_report {
    int nx_graphene, nx_boro, ny_graphene, ny_boro; /* repeats used */
    double ly;                                      /* common cell length along y, A */
    double ly_graphene, ly_boro; /* natural (unstrained) lengths of the repeats, A */
    double strain_graphene;      /* eps_yy applied to graphene: ly / ly_graphene - 1 */
    double strain_boro;          /* eps_yy applied to borophene: ly / ly_boro - 1 */
    double lx;                   /* cell length along x, A */
    double width_graphene;       /* x extent of the graphene atoms (last - first column), A */
    double width_boro;           /* same for borophene, A */
    size_t natoms_graphene;      /* atoms of each phase in the output */
    size_t natoms_boro;
    size_t nremoved;   /* borophene atoms removed by dmin */
    double dmin_cross; /* smallest C-B distance in the output, A */
};

/*
 * Builds the coplanar lateral heterostructure in the xy plane: a graphene block of nx_graphene
 * rectangular cells (x from 0) followed, after gap, by a borophene block of nx_boro cells, then
 * gap again to the periodic image of graphene, so lx = width_graphene + width_boro + 2 gap.
 * Both interfaces are straight lines along y. Each phase keeps its lattice along x and is
 * strained along y only (no Poisson contraction) to the common length ly, chosen by ref; the
 * repeats ny are given or searched over 1 <= ny * natural length <= ly_max. Atoms: graphene
 * first, then borophene, each block in builder order; a planar borophene lies in the graphene
 * plane and a buckled one is centred on it. pbc = (1, 1, 0). rep (may be NULL) receives what was
 * built. Returns CORE_OK, CORE_EINPUT (bad options; no repeats fit under ly_max; given repeats
 * that strain a phase by more than CRYST_HETERO_MAX_STRAIN; every borophene atom removed) or
 * CORE_ENOMEM.
 */
int cryst_hetero_build(struct core_frame *f, const struct cryst_hetero_opts *o,
                       struct cryst_hetero_report *rep, struct core_err *err);

/* ---- deformations ---- */

/*
 * Applies F = I + eps to the cell and positions (see Conventions): fractional coordinates are
 * unchanged. eps need not be symmetric (a non-symmetric eps includes a rotation). Velocities are
 * left as they are; labels are dropped. f needs a cell. CORE_EINPUT for a non-finite eps, a
 * frame without a cell, or det F <= 0 (a collapsed or inverted cell).
 */
int cryst_frame_deform(struct core_frame *f, const double eps[9], struct core_err *err);

/*
 * Strain tensors (eps is overwritten, all other components 0).
 * uniaxial: eps_aa = e along axis (0 x, 1 y, 2 z); the lateral axes contract by -nu e. ndim 2
 *           (a sheet in the xy plane): axis must be 0 or 1 and only the other in-plane axis
 *           contracts; ndim 3: both lateral axes contract. nu = 0 for uniaxial strain proper.
 * biaxial:  ndim 2: eps_xx = eps_yy = e; ndim 3: eps_xx = eps_yy = eps_zz = e (hydrostatic).
 * shear:    engineering shear gamma between axes i != j: eps_ij = eps_ji = gamma / 2.
 * CORE_EINPUT for a bad axis or ndim or a non-finite value.
 */
int cryst_strain_uniaxial(double eps[9], int axis, double e, double nu, int ndim,
                          struct core_err *err);

int cryst_strain_biaxial(double eps[9], double e, int ndim, struct core_err *err);

int cryst_strain_shear(double eps[9], int i, int j, double gamma, struct core_err *err);

/* ---- random perturbations ---- */

/* Purposes of the core_rng streams (core_rng_init's purpose), documented so that other tools
 * can reproduce or avoid them. */
#define CRYST_RNG_RATTLE 0x72617474UL /* "ratt" */
#define CRYST_RNG_CELL   0x63656c6cUL /* "cell" */

/*
 * Displaces every atom by a Gaussian vector with standard deviation sigma (A) per Cartesian
 * component, all three components (including z of a sheet). Atom i draws from the stream
 * (seed, CRYST_RNG_RATTLE, entity i, step iconfig): the same seed and iconfig give the same
 * displacements for atom i whatever the frame size; a different iconfig gives independent ones.
 * sigma = 0 leaves the positions unchanged (labels are still dropped). CORE_EINPUT for sigma < 0
 * or non-finite.
 */
int cryst_frame_rattle(struct core_frame *f, double sigma, uint64_t seed, uint64_t iconfig,
                       struct core_err *err);

/*
 * Random homogeneous strain: the six independent components eps_ij (i <= j) are drawn as
 * Gaussians of standard deviation sigma (dimensionless), in Voigt order xx yy zz yz xz xy, from
 * the stream (seed, CRYST_RNG_CELL, entity 0, step iconfig), eps_ji = eps_ij, then projected so
 * that every non-periodic cell vector and the positions' components along it are unchanged (eps' =
 * P eps P with P the projector onto the plane normal to the non-periodic vectors: for a sheet,
 * eps_xz, eps_yz and eps_zz are zero), and applied as cryst_frame_deform. If eps_out is not NULL it
 * receives the applied eps'. CORE_EINPUT for sigma < 0, non-finite, no cell, or a draw whose det F
 * <= 0.
 */
int cryst_cell_perturb(struct core_frame *f, double sigma, uint64_t seed, uint64_t iconfig,
                       double eps_out[9], struct core_err *err);

/* ---- geometry ---- */

/* Maps positions into the cell along periodic vectors: fractional coordinates in [0, 1).
 * Non-periodic components are kept. CORE_EINPUT without a cell or with a singular one. */
int cryst_frame_wrap(struct core_frame *f, struct core_err *err);

/*
 * Rotates the frame by +90 degrees about z, (x, y, z) -> (-y, x, z), then relabels the in-plane
 * cell vectors so that a rectangular cell a x b becomes b x a with a_1 along +x (new a_1 =
 * -R a_2, new a_2 = R a_1; handedness kept), swaps pbc[0] and pbc[1], and wraps positions.
 * Velocities are rotated; per-atom properties are passed through unrotated. For sheets built in
 * one orientation but wanted in the other. Labels are dropped. CORE_EINPUT without a cell, a
 * singular cell, or a_3 not along z (or a_1, a_2 with a z component).
 */
int cryst_frame_rotz90(struct core_frame *f, struct core_err *err);

/*
 * Smallest distance between two atoms, periodic images included (along periodic cell vectors;
 * an atom and its own image count, so a 1-atom periodic cell gives its shortest lattice
 * vector). *dmin receives it (A) and, when not NULL, *i <= *j the pair (i == j for a self
 * image). With fewer than two atoms and no periodic direction, *dmin = HUGE_VAL and i = j = 0.
 * Frames without a cell are treated as clusters (all pairs); periodic frames use cell lists.
 * CORE_EINPUT for a singular cell.
 */
int cryst_frame_mindist(const struct core_frame *f, double *dmin, size_t *i, size_t *j,
                        struct core_err *err);

/*
 * Distance from each atom to its nearest other atom of atomic number zsel (0: any element),
 * periodic images included (an atom's own images count), searched up to rmax (A): dist has
 * natoms entries, caller-owned; HUGE_VAL where none lies within rmax. Cost O(natoms^2 x
 * images) for a cluster; cell lists make it O(natoms x neighbours) in periodic cells.
 * CORE_EINPUT for rmax <= 0 or non-finite, a singular cell, or rmax over 10^4 layer
 * spacings of the cell.
 */
int cryst_frame_nearest(const struct core_frame *f, int zsel, double rmax, double *dist,
                        struct core_err *err);

/*
 * Number of neighbours of each atom within rcut (A, distance <= rcut), periodic images
 * included and counted once per image (an atom's own images count). count has natoms entries,
 * caller-owned. If zmask is not 0, only neighbours of atomic number zmask are counted.
 * Cell lists along periodic vectors: O(natoms x neighbours); a cluster costs O(natoms^2).
 * CORE_EINPUT for rcut <= 0 or non-finite, a singular cell, or
 * rcut over 10^4 layer spacings of the cell.
 */
int cryst_frame_neighbors(const struct core_frame *f, double rcut, int zmask, size_t *count,
                          struct core_err *err);

#endif
