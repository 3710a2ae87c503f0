/*
 * core: what every fpms module shares.
 *
 * Promises
 *   - Status codes: every fallible function in lib/ and formats/ returns 0 (CORE_OK) or one of
 *     enum core_status, and fills a caller-supplied struct core_err with a one-line message in
 *     the `where: what` form (`si.xyz:14: unknown element 'Xx'`). core_err_set is the one
 *     breakpoint for every error.
 *   - Elements: symbols, atomic numbers and standard atomic masses (amu, the IUPAC values ASE
 *     uses), Z = 1..118.
 *   - struct core_frame: one atomic configuration with its labels (the unit of every stream).
 *     Units at this boundary are the stream units of DESIGN.md: Angstrom, eV, eV/Angstrom,
 *     eV/Angstrom^3 (stress, ASE sign: positive = tensile), amu, Angstrom/ps.
 *   - A counter-based random number generator (SplitMix64 mixing of a key built from
 *     seed, purpose, entity and step): the numbers drawn for an entity do not depend on the
 *     order of loops or on threads.
 *   - Quantities with units on the command line (`30Ha`, `0.5fs`, `300K`).
 *
 * Ownership: a core_frame owns all of its arrays; core_frame_release frees them. Functions
 * that take a const pointer borrow it.
 * Thread safety: no global mutable state; distinct objects may be used from distinct threads.
 * lib/core does no file I/O and never prints.
 */
#ifndef FPMS_CORE_H
#define FPMS_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "units.h"

#define FPMS_VERSION "0.1"

/* ---- status and errors ---- */

enum core_status {
    CORE_OK = 0,
    CORE_EINPUT,    /* bad input: syntax, values, usage */
    CORE_ENOMEM,    /* allocation failed */
    CORE_EIO,       /* reading or writing a file failed */
    CORE_ENOCONV,   /* an iteration did not converge */
    CORE_EPHYS,     /* a physically failed run (lost atoms, exploding energy, singular matrix) */
    CORE_EINTERNAL, /* a bug */
};

/* Exit statuses of every tool (STYLE.md): 1 for usage, input and system errors, 2 physical. */
enum core_exit {
    CORE_EXIT_OK = 0,
    CORE_EXIT_USAGE = 1,
    CORE_EXIT_FAIL = 1,
    CORE_EXIT_PHYS = 2,
};

#define CORE_ERR_MSGLEN 512

struct core_err {
    int code;
    char msg[CORE_ERR_MSGLEN];
};

/* Records code and a printf-style message in err (err may be NULL); returns code. */
int core_err_set(struct core_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Puts `where: ` (printf-style) before err's message, keeping its code; returns the code (err
 * may be NULL). */
int core_err_prefix(struct core_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears err to CORE_OK and an empty message. */
void core_err_clear(struct core_err *err);

/* Maps a status code to the tool exit status (0, 1 or 2). */
int core_exit_status(int code);

/* Short name of a status code ("bad input", ...). */
const char *core_strerror(int code);

/* ---- elements ---- */

#define CORE_ZMAX 118

/* Atomic number of an element symbol (case-sensitive as written: "C", "Si"); 0 if unknown. */
int core_elem_z(const char *symbol);

/* Symbol of atomic number z, or "X" when z is out of range. */
const char *core_elem_symbol(int z);

/* Standard atomic mass of z in amu (the table ASE uses); 0 when out of range. */
double core_elem_mass(int z);

/*
 * A species map: type index -> atomic number, for formats that store types instead of
 * elements (MLIP .cfg types 0..n-1, LAMMPS types 1..n, VASP 4 POSCAR without a species line).
 */
#define CORE_MAXTYPES 16

struct core_species_map {
    size_t ntypes;
    int z[CORE_MAXTYPES]; /* z[itype] */
};

/* Parses "C,B" (comma-separated element symbols). CORE_EINPUT for an unknown symbol, an empty
 * or repeated entry, or more than CORE_MAXTYPES. */
int core_species_map_parse(const char *list, struct core_species_map *map, struct core_err *err);

/* Type index of atomic number z in map, or -1. */
int core_species_map_type(const struct core_species_map *map, int z);

/* ---- configurations ---- */

#define CORE_KEYLEN 64
#define CORE_SLEN   32 /* width of one string cell of a pass-through property */

/* A key=value pair of a frame's comment line, kept as written (value unquoted). */
struct core_info {
    char key[CORE_KEYLEN];
    char *value; /* owned */
};

/* A per-atom column the reader does not interpret, passed through unchanged. */
struct core_prop {
    char name[CORE_KEYLEN];
    char type; /* 'S', 'R', 'I' or 'L' as in extxyz Properties */
    int ncols; /* columns per atom */
    double *r; /* natoms*ncols, type R */
    long *i;   /* natoms*ncols, type I; type L stores 0/1 */
    char *s;   /* natoms*ncols cells of CORE_SLEN bytes, type S, NUL-terminated */
};

/*
 * One atomic configuration. Optional arrays are NULL when absent; optional scalars carry a
 * has_ flag. The frame owns every pointer in it.
 */
struct core_frame {
    size_t natoms;
    int *z;         /* atomic numbers, natoms */
    double *pos;    /* Cartesian positions, Angstrom, pos[3*i + k] */
    double cell[9]; /* lattice vectors as rows, Angstrom: a_i = cell[3*i .. 3*i+2] */
    int has_cell;   /* 0: no Lattice (a molecule); then pbc is all 0 */
    int pbc[3];     /* periodic along a_1, a_2, a_3 */
    double *forces; /* eV/Angstrom, natoms*3, or NULL */
    double *vel;    /* Angstrom/ps, natoms*3, or NULL */
    double *mass;   /* amu, natoms, or NULL (then element masses apply) */
    long *tag;      /* integer tags, natoms, or NULL */
    int has_energy;
    double energy; /* eV */
    int has_free_energy;
    double free_energy; /* eV */
    int has_stress;
    double stress[9]; /* eV/Angstrom^3, 3x3 row-major, ASE sign (positive = tensile) */
    int has_virial;
    double virial[9];       /* eV, 3x3 row-major; virial = -stress * volume */
    struct core_info *info; /* other comment-line keys, in order read */
    size_t ninfo;
    struct core_prop *prop; /* other per-atom columns, in order read */
    size_t nprop;
};

/* Zeroes f (no arrays). Use before anything else on a stack frame. */
void core_frame_init(struct core_frame *f);

/* Frees every array of f and zeroes it; f may be reused after core_frame_init is implied. */
void core_frame_release(struct core_frame *f);

/*
 * Sets natoms and allocates z and pos (zeroed), releasing what f held before.
 * Returns CORE_OK or CORE_ENOMEM.
 */
int core_frame_resize(struct core_frame *f, size_t natoms, struct core_err *err);

/* Allocates one optional per-atom array if absent (zeroed): which is "forces", "vel", "mass"
 * or "tag". Returns CORE_OK, CORE_ENOMEM or CORE_EINTERNAL for an unknown name. */
int core_frame_want(struct core_frame *f, const char *which, struct core_err *err);

/* Deep copy of src into dst (dst is released first). */
int core_frame_copy(struct core_frame *dst, const struct core_frame *src, struct core_err *err);

/* Value of an info key, or NULL. The pointer is borrowed from f. */
const char *core_frame_info_get(const struct core_frame *f, const char *key);

/* Sets (or replaces) an info key; the value is copied. Returns CORE_OK or an error. */
int core_frame_info_set(struct core_frame *f, const char *key, const char *value,
                        struct core_err *err);

/* Removes an info key if present. */
void core_frame_info_del(struct core_frame *f, const char *key);

/* Adds a pass-through property with natoms*ncols cells allocated (zeroed); returns its index
 * through *iprop. */
int core_frame_prop_add(struct core_frame *f, const char *name, char type, int ncols, size_t *iprop,
                        struct core_err *err);

/* Cell volume |a1 . (a2 x a3)| in Angstrom^3 (0 without a cell). */
double core_cell_volume(const double cell[9]);

/* Inverse of the cell matrix (rows a_i) so that fractional s = r * inv, i.e.
 * s_j = sum_k r_k inv[3*k + j]. Returns CORE_EINPUT for a singular cell. */
int core_cell_inverse(const double cell[9], double inv[9], struct core_err *err);

/* ---- random numbers ---- */

/*
 * Counter-based RNG. A stream is identified by (seed, purpose, entity, step); each call of
 * core_rng_next advances a counter inside it. Same key, same numbers, on any thread.
 */
struct core_rng {
    uint64_t key;
    uint64_t ctr;
};

void core_rng_init(struct core_rng *rng, uint64_t seed, uint64_t purpose, uint64_t entity,
                   uint64_t step);

uint64_t core_rng_next(struct core_rng *rng);

/* Uniform in [0, 1) with 53 random bits. */
double core_rng_uniform(struct core_rng *rng);

/* Standard normal (Box-Muller, both values used in turn is avoided for order independence:
 * each call consumes two uniforms). */
double core_rng_gauss(struct core_rng *rng);

/* Gamma(a, 1) for a >= 1 (Marsaglia and Tsang, ACM TOMS 26, 363 (2000)); a variable number of
 * draws from rng. */
double core_rng_gamma(struct core_rng *rng, double a);

/* Sum of n squared standard normals (chi-squared with n degrees of freedom, n >= 0): 0 for
 * n <= 0, one squared normal for n < 2, else 2 Gamma(n/2). */
double core_rng_chi2(struct core_rng *rng, double n);

/* ---- quantities with units ---- */

enum core_dim {
    CORE_DIM_NONE,     /* plain number */
    CORE_DIM_LENGTH,   /* Angstrom; accepts A, Ang, nm, pm, bohr */
    CORE_DIM_ENERGY,   /* eV; accepts eV, meV, Ha, Ry, K (k_B T), kJ/mol, kcal/mol */
    CORE_DIM_TIME,     /* ps; accepts ps, fs, ns */
    CORE_DIM_TEMP,     /* K */
    CORE_DIM_PRESSURE, /* GPa; accepts GPa, MPa, bar, kbar, eV/A^3 */
};

/*
 * Parses "number[unit]" and converts to the unit in brackets above; a bare number is taken to
 * be in that unit already. Returns CORE_EINPUT with a message for a bad number or unit.
 */
int core_quantity_parse(const char *s, enum core_dim dim, double *out, struct core_err *err);

/* Parses a whole string as a finite double; CORE_EINPUT otherwise. */
int core_parse_double(const char *s, double *out);

/* Parses a whole string as a long; CORE_EINPUT otherwise. */
int core_parse_long(const char *s, long *out);

/*
 * Parses a list of values "0,0.01,0.05" or an inclusive range "start:stop:step" (values
 * start + i*step, i = 0.., up to stop within 1e-9 of a step; step may be negative), each
 * number with an optional unit of dim. *vals is allocated (caller frees with free()).
 * CORE_EINPUT for a bad number, zero step, a step of the wrong sign or more than 1e6 values.
 */
int core_values_parse(const char *s, enum core_dim dim, double **vals, size_t *nvals,
                      struct core_err *err);

#endif
