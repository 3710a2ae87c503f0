/*
 * md: molecular dynamics on site energies: neighbour lists, potentials (Tersoff, Lennard-Jones,
 * the moment tensor potential of lib/mtp), forces, virial, heat current, velocity-Verlet NVE, and
 * NVT by stochastic velocity rescaling (Bussi) or Langevin dynamics (BAOAB).
 *
 * Site energies (Fan et al., PRB 92, 094301 (2015), doi:10.1103/PhysRevB.92.094301)
 *   Every potential with a neighbour list is written as a sum of site energies U = sum_i U_i,
 *   U_i a function of the vectors r_ij = r_j - r_i (j over i's full neighbour list, images
 *   included). The potential gives U_i and the partial derivatives du_ij = dU_i/dr_ij; from them,
 *   with no atomics and in a fixed order,
 *     F_i = sum_j (dU_i/dr_ij - dU_j/dr_ji)                     forces (eV/Angstrom)
 *     W   = -sum_i sum_j r_ij (x) dU_i/dr_ij = sum_i r_i (x) F_i  virial (eV), W_ab = sum r_a F_b
 *     W_i = sum_j r_ij (x) dU_j/dr_ji,  sum_i W_i = W             per-atom virial (eV)
 *     J   = sum_i E_i v_i + sum_i W_i . v_i,  E_i = U_i + m_i v_i^2 / 2
 *                                                              heat current (eV Angstrom/ps)
 *   (Note the sign: with r_ij = r_j - r_i, F_i = -dU/dr_i = sum_j dU_i/dr_ij - dU_j/dr_ji.)
 *   J is the volume-integrated current (LAMMPS compute heat/flux and GPUMD convention).
 *   Potentials without site energies (DFT) give E, F and W directly through the same struct;
 *   per-atom virials and the heat current are then unavailable.
 *
 * Stress: the ASE sign, stress = -W/V (positive = tensile), W = -dE/d(eps). The thermodynamic
 * stress adds the kinetic tensor K = sum_i m_i v_i (x) v_i: stress = -(W + K)/V.
 *
 * Units (the stream units of DESIGN.md): Angstrom, eV, eV/Angstrom, ps, K, amu; velocities in
 * Angstrom/ps. Layouts: r[3*i + k]; cell rows a_i = cell[3*i .. 3*i+2]; 3x3 tensors row-major.
 *
 * Ownership: every struct here is caller-owned (stack or embedded) with _init/_release, and owns
 * the arrays it points to unless a field says "borrowed". A struct md_pot owns its parameters
 * and workspace.
 * Thread safety: functions parallelise themselves with OpenMP over atoms; call them from one
 * thread per object. Results are bitwise identical for every thread count: per-atom quantities
 * are computed by one thread each, and sums run over fixed blocks of atoms in a fixed order.
 * Errors: CORE_EINPUT (bad parameters, an element the potential does not know, a degenerate
 * cell), CORE_ENOMEM, CORE_EPHYS (a non-finite energy or force: the run exploded),
 * CORE_EINTERNAL; messages in the `where: what` form through struct core_err. Nothing printed.
 */
#ifndef FPMS_MD_H
#define FPMS_MD_H

#include <stddef.h>
#include <stdint.h>

#include "../core/core.h"

/* Acceleration in Angstrom/ps^2 of a force of 1 eV/Angstrom on 1 amu (about 9648.5), and the
 * kinetic energy in eV of 1 amu moving at 1 Angstrom/ps (its inverse). From units.h. */
#define MD_ACC_PER_FORCE (1e-4 * UNITS_E_SI / UNITS_AMU_SI)
#define MD_EV_PER_MV2    (1e4 * UNITS_AMU_SI / UNITS_E_SI)

/* core_rng purpose of the initial velocities (CONVENTIONS.md, Randomness); entity = atom index. */
#define MD_RNG_VELOCITIES 0x76656c6fUL /* "velo" */

/* Loops over fewer atoms than this run on one thread: below it, forking a team costs more than
 * the work (and much more on a loaded machine). Results do not depend on it. */
#define MD_OMP_MIN      512
/* core_rng purposes of the thermostats: Bussi's draws (entity 0) and the Langevin noise
 * (entity = atom index), both with the step index as the step. */
#define MD_RNG_BUSSI    0x62757373UL /* "buss" */
#define MD_RNG_LANGEVIN 0x6c616e67UL /* "lang" */

/* ---- neighbour lists ---- */

/*
 * A full Verlet list (every pair stored twice, i -> j and j -> i) of the pairs closer than
 * rcut + skin, built with cell lists over a general triclinic cell, periodic along any subset of
 * the cell vectors. Cut-offs larger than half the cell are handled: a pair appears once per
 * periodic image within range (an atom may be its own neighbour through an image).
 *
 * The positions the potentials see are xw, the positions wrapped into the cell at the last
 * build and moved rigidly with the atoms since; the vector of pair p (i -> j) is
 *     r_p = (xw[j] - xw[i]) + shift[img[p]],
 * computed in this order so that r of the reverse pair is exactly -r_p. md_nlist_pair_vec does
 * it. Pairs of atom i are start[i] .. start[i+1]-1, sorted by (j, image); rev[p] is the pair
 * j -> i through the opposite image.
 *
 * The list is rebuilt when an atom has moved more than skin/2 since the last build (so no pair
 * that comes within rcut is ever missing), or when natoms, the cell or pbc change.
 */
struct md_nlist {
    double rcut; /* Angstrom: pairs closer than rcut are guaranteed to be listed */
    double skin; /* Angstrom */
    size_t natoms;
    double cell[9]; /* the cell of the last build, rows (a copy) */
    int pbc[3];
    int has_cell;
    size_t *start; /* natoms + 1 */
    uint32_t *nbr; /* npairs: neighbour atom j of each pair */
    uint32_t *img; /* npairs: image of j, index into shift */
    size_t *rev;   /* npairs: index of the reverse pair */
    size_t npairs;
    size_t maxnbr;  /* largest number of pairs of one atom */
    size_t nshift;  /* number of images */
    double *shift;  /* 3*nshift: Cartesian shift of each image (Angstrom) */
    double *xw;     /* 3*natoms: wrapped positions (Angstrom) */
    double *xref;   /* 3*natoms: positions at the last build */
    double *wrapv;  /* 3*natoms: xw = x - wrapv */
    size_t nbuilds; /* number of builds so far */
    /* workspace */
    size_t paircap, atomcap, bincap, keycap, nimg[3];
    size_t *binstart, *binatoms, *atombin;
    uint64_t *key;
};

/* Prepares an empty list for cut-off rcut and skin (Angstrom, rcut > 0, skin >= 0).
 * CORE_EINPUT for bad values. */
int md_nlist_init(struct md_nlist *nl, double rcut, double skin, struct core_err *err);

/* Frees every array; nl may then be md_nlist_init'ed again. */
void md_nlist_release(struct md_nlist *nl);

/*
 * Builds the list for natoms atoms at pos (Angstrom, borrowed). cell: rows (Angstrom) or NULL
 * for none (then pbc must be all 0). Vectors along non-periodic directions are only used to
 * tell which directions are periodic: they may be zero. CORE_EINPUT for periodic vectors that
 * are linearly dependent, a cell so small that more than 10^6 images are in range, or
 * natoms >= 2^32; CORE_EPHYS for a non-finite position (a run that exploded); CORE_ENOMEM.
 */
int md_nlist_build(struct md_nlist *nl, size_t natoms, const double *pos, const double *cell,
                   const int pbc[3], struct core_err *err);

/*
 * Brings the list up to date for new positions: rebuilds it (see above) or only moves xw.
 * *rebuilt (may be NULL) is set to 1 when it was rebuilt. Errors as md_nlist_build.
 */
int md_nlist_update(struct md_nlist *nl, size_t natoms, const double *pos, const double *cell,
                    const int pbc[3], int *rebuilt, struct core_err *err);

/* The vector r_p = x_j - x_i of pair p (Angstrom). */
static inline void
md_nlist_pair_vec(const struct md_nlist *nl, size_t i, size_t p, double d[3])
{
    const double *xi = nl->xw + 3 * i, *xj = nl->xw + 3 * (size_t)nl->nbr[p];
    const double *s = nl->shift + 3 * (size_t)nl->img[p];
    d[0] = (xj[0] - xi[0]) + s[0];
    d[1] = (xj[1] - xi[1]) + s[1];
    d[2] = (xj[2] - xi[2]) + s[2];
}

/* ---- potentials ---- */

/*
 * A site-energy potential: fills u[i] = U_i (eV) for every atom and du[3*p + k] = dU_i/dr_p
 * (eV/Angstrom) for every pair p = (i -> j) of nl (zero for pairs beyond the potential's
 * range). type[i] is the atom's index into the potential's species list. Positions are nl->xw.
 * self is the potential's own state (parameters and workspace; it may grow the workspace).
 */
typedef int (*md_pot_site_fn)(void *self, const int *type, const struct md_nlist *nl, double *u,
                              double *du, struct core_err *err);

/*
 * A potential without site energies (DFT): the energy (eV), forces (eV/Angstrom, 3*natoms) and
 * virial W (eV, 3x3, W_ab = sum_i r_ia F_ib) of natoms atoms at pos in cell (rows, or NULL)
 * with pbc.
 */
typedef int (*md_pot_total_fn)(void *self, size_t natoms, const int *type, const double *pos,
                               const double *cell, const int pbc[3], double *energy, double *forces,
                               double virial[9], struct core_err *err);

/* Frees self. */
typedef void (*md_pot_free_fn)(void *self);

/*
 * One energy model. Exactly one of site and total is set. ntypes = 0 means the potential takes
 * every element as type 0 (Lennard-Jones); otherwise z[t] is the element of type t (the species
 * map it was set up with) and an atom of another element is refused.
 */
struct md_pot {
    char name[32]; /* "tersoff", "lj", ... */
    double rcut;   /* Angstrom: the range of the interaction (0 for total potentials) */
    size_t ntypes;
    int z[CORE_MAXTYPES];
    void *self; /* owned: freed by free */
    md_pot_site_fn site;
    md_pot_total_fn total;
    md_pot_free_fn free;
};

/* Frees what pot owns and zeroes it (safe on a zeroed struct). */
void md_pot_release(struct md_pot *pot);

/*
 * Tersoff potential from the text of a LAMMPS `.tersoff` file (borrowed; name is used in
 * messages `name:line: what`), for the elements of map in type order (the elements of the
 * LAMMPS pair_coeff line). The file is read as LAMMPS reads it: '#' starts a comment; an entry
 * is 17 whitespace-separated words, possibly over several lines:
 *     e1 e2 e3  m gamma lambda3 c d costheta0 n beta lambda2 B R D lambda1 A
 * Entries for elements outside map are skipped; every (e1, e2, e3) over map must be present once.
 * The energy is LAMMPS's: E = 1/2 sum_i sum_j f_C(r_ij) [f_R(r_ij) + b_ij f_A(r_ij)] with the
 * two-body parameters (n beta lambda2 B R D lambda1 A) of entry (i, j, j) and the three-body ones
 * (m gamma lambda3 c d costheta0, and R D of f_C(r_ik)) of entry (i, j, k);
 * exp((lambda3 (r_ij - r_ik))^m) is clamped as LAMMPS does (argument beyond +-69.0776). The site
 * energy is U_i = 1/2 sum_j f_C [f_R + b_ij f_A] (Fan et al.; GPUMD). CORE_EINPUT for a
 * malformed file (bad number, incomplete or duplicate entry, a parameter out of range: m not 1
 * or 3, negative values, D = 0 or D > R, d = 0 with c != 0, n = 0 with beta != 0), a missing
 * entry; CORE_ENOMEM.
 */
int md_tersoff_init(struct md_pot *pot, const char *text, const char *name,
                    const struct core_species_map *map, struct core_err *err);

/*
 * Lennard-Jones 4 eps ((sigma/r)^12 - (sigma/r)^6) for r < rcut, the same for every element
 * (eps in eV, sigma and rcut in Angstrom); shift = 1 subtracts the value at rcut (LAMMPS
 * pair_modify shift yes). U_i = 1/2 sum_j phi(r_ij). CORE_EINPUT for eps < 0, sigma <= 0,
 * rcut <= 0 or non-finite values.
 */
int md_lj_init(struct md_pot *pot, double eps, double sigma, double rcut, int shift,
               struct core_err *err);

struct mtp_pot; /* lib/mtp/mtp.h */

/*
 * Moment tensor potential (lib/mtp, MLIP's model) from mtp (borrowed: it is copied, so the
 * caller may release it), with map giving the element of each of its species in type order
 * (MLIP's type t is the t-th element of map, as in .cfg files). U_i and dU_i/dr_ij are those of
 * mtp_site_eval on the md neighbour list; pairs beyond mtp->rcut get zero derivatives.
 * CORE_EINPUT when map is NULL or names another number of species than the potential has, and
 * mtp_work_alloc's errors (a potential mtp_pot_check rejects); CORE_ENOMEM. During a run, the
 * potential's CORE_EINPUT for two atoms at the same place.
 */
int md_mtp_init(struct md_pot *pot, const struct mtp_pot *mtp, const struct core_species_map *map,
                struct core_err *err);

/* ---- the system ---- */

/*
 * Atoms, their state and the results of the last force call. Owns every array.
 */
struct md_sys {
    size_t natoms;
    int *z;        /* atomic numbers */
    int *type;     /* index into the potential's species */
    double *pos;   /* Angstrom, not wrapped: atoms move continuously */
    double *vel;   /* Angstrom/ps */
    double *mass;  /* amu */
    double *force; /* eV/Angstrom, of the last md_sys_compute */
    double *u;     /* eV, site energies of the last md_sys_compute (site potentials) */
    double cell[9];
    int has_cell;
    int pbc[3];
    double epot;      /* eV */
    double virial[9]; /* eV: set by total potentials; site potentials: see md_sys_virial */
    int have_force;   /* force, epot (and u) belong to the current positions */
    struct md_nlist nl;
    double *du; /* 3 * nl.npairs */
    size_t ducap;
    double *part; /* per-block partial sums */
    size_t nblocks;
    double *xi; /* 3 * natoms scratch of the Langevin thermostat (allocated at its first step) */
};

/*
 * Sets s up from frame f (borrowed; positions, cell, pbc, velocities if present, masses if
 * present or else the elements', z) for potential pot with neighbour-list skin (Angstrom).
 * CORE_EINPUT when an atom's element is not among pot's species (the message names the atom,
 * 1-based, and the element), for a non-positive mass, a non-finite position, or from
 * md_nlist_init; CORE_ENOMEM.
 */
int md_sys_init(struct md_sys *s, const struct core_frame *f, const struct md_pot *pot, double skin,
                struct core_err *err);

void md_sys_release(struct md_sys *s);

/*
 * Forces, potential energy and site energies at the current positions (updates the neighbour
 * list first). CORE_EPHYS when the energy or a force is not finite; the potential's errors.
 */
int md_sys_compute(struct md_sys *s, const struct md_pot *pot, struct core_err *err);

/* Virial W (eV, W_ab = sum_i r_ia F_ib) of the last md_sys_compute. Uses scratch space in s:
 * not to be called on one s from two threads at once (nor md_sys_heat). */
void md_sys_virial(const struct md_sys *s, double w[9]);

/*
 * Per-atom virials W_i (eV, w[9*i + 3*a + b]) of the last md_sys_compute of a site potential.
 * CORE_EINPUT for a potential without site energies.
 */
int md_sys_atom_virial(const struct md_sys *s, double *w, struct core_err *err);

/*
 * Heat current J = sum_i E_i v_i + sum_i W_i . v_i (eV Angstrom/ps) with the velocities now and
 * the forces of the last md_sys_compute; jconv (may be NULL) gets the convective part
 * sum_i E_i v_i. CORE_EINPUT for a potential without site energies.
 */
int md_sys_heat(const struct md_sys *s, double j[3], double jconv[3], struct core_err *err);

/*
 * Stress (eV/Angstrom^3, ASE sign: positive = tensile) of the last md_sys_compute:
 * -W/V, or with kinetic = 1 the thermodynamic stress -(W + K)/V, with V the cell volume (vacuum
 * included). Returns 1, or 0 (st untouched) when there is no cell or its volume is 0.
 */
int md_sys_stress(const struct md_sys *s, int kinetic, double st[9]);

/* Kinetic energy (eV); kt (may be NULL) gets the kinetic tensor sum_i m_i v_i (x) v_i (eV). */
double md_sys_kinetic(const struct md_sys *s, double kt[9]);

/* Degrees of freedom for the temperature: 3 natoms - 3 (total momentum fixed), at least 1. */
double md_sys_dof(const struct md_sys *s);

/* Temperature 2 KE / (dof k_B) in K. */
double md_sys_temp(const struct md_sys *s);

/*
 * Maxwell-Boltzmann velocities at temp (K): v_ik = sqrt(k_B T/m_i) g, g standard normal drawn
 * from core_rng keyed (seed, MD_RNG_VELOCITIES, atom index, 0); then the centre-of-mass velocity
 * is removed and the velocities are scaled so that md_sys_temp is temp exactly. The same seed
 * gives the same velocities for any thread count or loop order. CORE_EINPUT for temp < 0.
 */
int md_sys_thermalize(struct md_sys *s, double temp, uint64_t seed, struct core_err *err);

/*
 * One velocity-Verlet step of dt (ps): v += dt/2 a; x += dt v; forces; v += dt/2 a. Computes
 * the forces first when they are not current. Errors as md_sys_compute.
 */
int md_nve_step(struct md_sys *s, const struct md_pot *pot, double dt, struct core_err *err);

/* ---- thermostats ---- */

enum md_thermostat_kind {
    MD_THERMOSTAT_NONE,     /* NVE */
    MD_THERMOSTAT_BUSSI,    /* stochastic velocity rescaling, Bussi et al. 2007 */
    MD_THERMOSTAT_LANGEVIN, /* Langevin dynamics, BAOAB (Leimkuhler and Matthews 2013) */
};

/*
 * A thermostat and its state (caller-owned, nothing allocated). heat is the energy it has given
 * the atoms so far (eV; negative when it has taken energy out), so that the total energy minus
 * heat is conserved up to the integration error: the quantity whose drift measures the quality
 * of a thermostatted run (Bussi et al., eq. (9)). step counts the steps taken: it is the step
 * key of the random numbers, so a run continued from a saved struct draws what an uninterrupted
 * run would have drawn.
 */
struct md_thermostat {
    enum md_thermostat_kind kind;
    double temp;   /* K, target */
    double tdamp;  /* ps: relaxation time of the kinetic energy (Bussi), 1/friction (Langevin) */
    uint64_t seed; /* of core_rng */
    uint64_t step; /* steps taken */
    double heat;   /* eV */
};

/*
 * Sets th up (step 0, heat 0). temp and tdamp are not looked at for MD_THERMOSTAT_NONE.
 * CORE_EINPUT for an unknown kind, temp < 0, tdamp <= 0 or non-finite values.
 */
int md_thermostat_init(struct md_thermostat *th, enum md_thermostat_kind kind, double temp,
                       double tdamp, uint64_t seed, struct core_err *err);

/* "none", "bussi", "langevin" (static strings). */
const char *md_thermostat_name(enum md_thermostat_kind kind);

/*
 * One step of dt (ps) with thermostat th: velocity Verlet (md_nve_step) for none; velocity
 * Verlet followed by Bussi's rescaling of the kinetic energy with c = exp(-dt/tdamp) over
 * md_sys_dof degrees of freedom for bussi (a system with zero kinetic energy is left at rest);
 * BAOAB with friction 1/tdamp for langevin, the noise projected to zero total momentum (the
 * centre of mass does not diffuse; md_sys_temp samples temp). Random numbers from core_rng keyed
 * (th->seed, MD_RNG_BUSSI, 0, th->step) and (th->seed, MD_RNG_LANGEVIN, atom, th->step): the same
 * for any number of threads. Updates th->heat and th->step. Errors as md_sys_compute;
 * CORE_ENOMEM.
 */
int md_nvt_step(struct md_sys *s, const struct md_pot *pot, struct md_thermostat *th, double dt,
                struct core_err *err);

#endif
