/*
 * material: the material file of fe-solve, read. The full description is in formats/material.md
 * and man/fe-solve.1 (section MATERIAL FILE); in short, one entry a line,
 *
 *   NAME.property = value      # comment
 *   thickness = 3.35A          (the one global key)
 *
 * with property one of k (W/(m K): one number, or kxx, kyy, kxy positive definite, or
 * `table:FILE`, a kappa-gk result table read by material_tables_read), thickness
 * (a length: Angstrom when bare; stored in m), G (W/(m^2 K), >= 0, or inf), R (m^2 K/W, > 0),
 * T (K, >= 0), q (W/m^2), and for elasticity E (Young's modulus, GPa, or N/m with that
 * suffix; > 0), nu (Poisson ratio, -1 < nu < 1) and C (the plane-stress stiffness C11, C22,
 * C12, C66 [, C16, C26] in GPa or N/m, positive definite); E and C are stored in Pa or N/m;
 * curve names a stress-strain table file (md-run's), kept as written; for a cohesive interface
 * cohesive (bonded, linear or bilinear), Kn and Kt (normal and tangential stiffness per unit
 * area: GPa/nm when bare or with that suffix, or N/m^3; > 0; stored in N/m^3 = Pa/m), strength
 * (GPa, > 0; stored in Pa) and Gc (fracture energy, J/m^2, > 0). NAME is
 * a physical group name (it may hold blanks and dots: the property follows the last dot); the
 * reader does not know the mesh, so matching names to groups, and which property belongs to which
 * kind of group, is the caller's business.
 * Given a group's name, material_fe_stiffness_get and material_fe_cohesive_get turn its
 * entries into the parameters of a struct fe_problem (lib/fe), as gmsh_to_fe turns a Gmsh mesh
 * into a struct fe_mesh: what the entries mean together is the format's to say.
 *
 * Numbers are parsed in the "C" locale; NaN and Inf are rejected (only G takes `inf`).
 *
 * Ownership: struct material_file owns its entry array; material_file_release frees it. The
 * reader releases the file first, so one struct can be read into again. Streams are borrowed.
 * Thread safety: none needed (no global state).
 * Errors: CORE_EINPUT with `name:line: what` (no `=`, a bad key, an unknown property, a global
 * key other than thickness, a name or line too long, a bad or missing number, a value out of
 * range, an entry given twice (G and R count as one, and E and C)), CORE_EIO, CORE_ENOMEM. Nothing
 * is printed.
 */
#ifndef FPMS_MATERIAL_H
#define FPMS_MATERIAL_H

#include "../lib/core/core.h"
#include "../lib/fe/fe.h"
#include "stream.h"

/* Longest group name kept, with its NUL (as Gmsh's physical names, GMSH_NAMELEN). */
#define MATERIAL_NAMELEN 256

/* Longest line read, with its NUL. */
#define MATERIAL_LINELEN 1024

enum material_prop {
    MATERIAL_K,         /* conductivity, W/(m K): v[0..2] = kxx, kyy, kxy */
    MATERIAL_THICKNESS, /* m */
    MATERIAL_G,         /* interface conductance, W/(m^2 K); HUGE_VAL for inf */
    MATERIAL_R,         /* interface resistance, m^2 K/W */
    MATERIAL_T,         /* fixed temperature, K */
    MATERIAL_Q,         /* heat flux into the domain, W/m^2 */
    MATERIAL_E,         /* Young's modulus: Pa, or N/m when per2d */
    MATERIAL_NU,        /* Poisson ratio, -1 < nu < 1 (plane stress) */
    MATERIAL_C,         /* plane-stress stiffness: v[0..5] = C11, C22, C12, C66, C16, C26; Pa or
                           N/m when per2d (Voigt xx, yy, xy, engineering shear) */
    MATERIAL_CURVE,     /* a uniaxial stress-strain table: the file name, in path */
    MATERIAL_COHESIVE,  /* interface law: v[0] = MATERIAL_COH_BONDED, _LINEAR or _BILINEAR */
    MATERIAL_KN,        /* interface normal stiffness, N/m^3 (Pa/m) */
    MATERIAL_KT,        /* interface tangential stiffness, N/m^3 */
    MATERIAL_STRENGTH,  /* interface strength, Pa */
    MATERIAL_GC,        /* interface fracture energy, J/m^2 */
    MATERIAL_NPROPS
};

/* The values of `NAME.cohesive` (v[0]). */
#define MATERIAL_COH_BONDED   0
#define MATERIAL_COH_LINEAR   1
#define MATERIAL_COH_BILINEAR 2

struct material_entry {
    char name[MATERIAL_NAMELEN]; /* the group; "" for the global thickness */
    enum material_prop prop;
    double v[6]; /* the value in SI units; k always has three (an isotropic one: k, k, 0), C
                    six (orthotropic: C16 = C26 = 0) */
    int nv;      /* numbers given: 1, 3 for an anisotropic k, 4 or 6 for C */
    int per2d;   /* E, C: 1 when given in N/m (a 2D modulus, stress times thickness), 0 in Pa */
    long line;   /* where it was given */
    char path[MATERIAL_LINELEN]; /* curve, and k from a table: the file name as written */
    int table;                   /* k: 1 when given as `table:FILE` (path holds FILE); v and nv
                                    are filled by material_tables_read, 0 until then */
};

struct material_file {
    char file[STREAM_NAMELEN]; /* the stream's name, for messages of the caller */
    struct material_entry *e;  /* n, in the order of the file (owned) */
    size_t n;
};

void material_file_init(struct material_file *mf);

void material_file_release(struct material_file *mf);

/* Reads the whole stream into mf (released first). Returns 0 or a CORE_E* code with err set. */
int material_read(struct stream_in *in, struct material_file *mf, struct core_err *err);

/*
 * Fills a `k = table:FILE` entry e from in, a kappa-gk result table (formats/gkout.h,
 * GKOUT_KAPPA): columns dir and kappa[W/(m*K)], one row per dir (1 xx, 2 yy, 3 zz, 0 the
 * average). With rows for dir 1 and 2: kxx = kappa(1), kyy = kappa(2), kxy = 0 (nv 3); with
 * neither, the average (dir 0) isotropically (nv 1). Errors, CORE_EINPUT with the table's
 * `name:line: what`: no dir or kappa column, kappa in another unit, a dir that is not 0..3 or
 * given twice, dir 1 without dir 2 (or the reverse), no usable row, a kappa <= 0; and what
 * table_read reports. e is unchanged on error.
 */
int material_ktable_read(struct material_entry *e, struct stream_in *in, struct core_err *err);

/*
 * Reads the table of every `k = table:FILE` entry of mf (FILE relative to the directory of
 * mf->file, unless absolute) with material_ktable_read. Errors start with the entry's place,
 * `mfile:line: k: `, followed by the table's `name:line: what` or the open error.
 */
int material_tables_read(struct material_file *mf, struct core_err *err);

/* A stress-strain curve read by material_curve_read; owns pts (material_curve_release). */
struct material_curve {
    size_t n;    /* points, (0, 0) first */
    double *pts; /* 2*n: the strains, then the stresses (GPa, or N/m when per2d) */
    int per2d;   /* 1 when the stress column is in N/m */
};

void material_curve_init(struct material_curve *c);

void material_curve_release(struct material_curve *c);

/*
 * Reads the stress-strain table of a `curve = FILE` entry ce of mf (md-run's table: columns
 * strain, dimensionless, and stress[GPa] or stress[N/m]; FILE relative to the directory of
 * mf->file unless absolute) into c (released first). The curve starts at (0, 0): a row at
 * strain 0 gives its place (its stress, an MD cell's residual, is dropped); a curve starting
 * above 0 gets it in front. Errors, CORE_EINPUT: `mfile:line: curve: ` and the open error,
 * what table_read reports, or `name:line: what` for no strain or stress column, other units,
 * no rows, no point beyond strain 0, a strain that does not increase, a first stress <= 0;
 * CORE_ENOMEM. c is empty on error.
 */
int material_curve_read(const struct material_file *mf, const struct material_entry *ce,
                        struct material_curve *c, struct core_err *err);

/*
 * The stiffness of phase name, q of f (C t, N/m, into f->cmat; f->per2d), from E and nu, C,
 * or a curve (read with material_curve_read, f's law through fe_problem_law_add); th is the
 * phase's thickness (m), by which moduli in Pa are multiplied. Errors, CORE_EINPUT with the
 * entry's `mfile:line: ` (or `mesh: ` when the phase has no stiffness at all): a curve with E
 * or C, a curve or E without nu, nu with C, nu without E; and those of material_curve_read.
 */
int material_fe_stiffness_get(const struct material_file *mat, const char *name, const char *mesh,
                              double th, struct fe_problem *f, size_t q, struct core_err *err);

/*
 * The cohesive law of group name, q of f (f->coh[q], values times f->tgroup[q]) from
 * NAME.cohesive, Kn, Kt, strength and Gc; a group without NAME.cohesive is bonded. A cohesive
 * group sets f->cut[q] (to be split) and f->have_coh. Errors, CORE_EINPUT with the entry's
 * `mfile:line: `: a property the kind does not take or lacks, a law fe_cohesive_check refuses.
 */
int material_fe_cohesive_get(const struct material_file *mat, const char *name,
                             struct fe_problem *f, size_t q, struct core_err *err);

/*
 * The parameters of a whole problem into f (allocated here, fe_problem_alloc, for np phases and
 * ng groups) from the entries of mat. pnames and gnames hold the names of the mesh's phases (2D
 * groups) and of its 1D groups, np and ng strings of namelen chars each; area (np, any unit) the
 * phases' areas; heat and elastic say which analysis (phases need k for heat; a stiffness, see
 * material_fe_stiffness_get, for elasticity). Every named entry must name a group of the right
 * kind. A phase's thickness is NAME.thickness, else the global thickness, else 1 m (tref: the
 * global thickness, else the area-weighted mean); a group's is its own, else the global one,
 * else the thinnest phase's. Groups with G or R are interfaces (heat: f->cut, f->gcond =
 * G times the thickness); elasticity reads their cohesive laws (material_fe_cohesive_get) and
 * chooses the output unit (fe_problem_out_unit). Errors, CORE_EINPUT with `mfile:line: ` or
 * `mesh: ` (mesh names the mesh): an entry naming no group or a group of the wrong kind, a
 * phase without a conductivity, a group with a conductance and a boundary condition, moduli in
 * Pa and N/m without a thickness; those of the two functions above; CORE_ENOMEM.
 */
int material_fe_problem_get(const struct material_file *mat, const char *mesh, int heat,
                            int elastic, size_t np, const char *pnames, size_t ng,
                            const char *gnames, size_t namelen, const double *area,
                            struct fe_problem *f, struct core_err *err);

/* The entry giving property prop of the group name ("" for the global key), or NULL. */
const struct material_entry *material_get(const struct material_file *mf, const char *name,
                                          enum material_prop prop);

/* The name of a property as the file spells it: "k", "thickness", "G", "R", "T", "q", "E",
 * "nu", "C", "curve", "cohesive", "Kn", "Kt", "strength", "Gc". */
const char *material_prop_name(enum material_prop prop);

#endif
