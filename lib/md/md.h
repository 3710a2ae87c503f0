/*
 * md: molecular dynamics on site energies: neighbour lists, potentials (Tersoff, Lennard-Jones,
 * the moment tensor potential of lib/mtp), forces, virial, heat current, velocity-Verlet NVE,
 * NVT by stochastic velocity rescaling (Bussi), Langevin dynamics (BAOAB) or Nose-Hoover chains,
 * stress control per direction by stochastic cell rescaling or an MTK barostat (as LAMMPS's fix
 * npt), uniaxial tension, and direct-method NEMD (hot and cold slabs) for the thermal
 * conductivity and the conductance of interfaces.
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
 * What the potential noticed over the evaluations so far that its user should hear (one line,
 * no newline, into buf of n bytes, truncated to fit); returns the line's length, 0 when there is
 * nothing to say.
 */
typedef size_t (*md_pot_note_fn)(const void *self, char *buf, size_t n);

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
    md_pot_note_fn note; /* NULL: the potential never has anything to say */
};

/* Frees what pot owns and zeroes it (safe on a zeroed struct). */
void md_pot_release(struct md_pot *pot);

/* pot's note (md_pot_note_fn) into buf of n bytes; 0 and buf "" when it has none. */
size_t md_pot_note(const struct md_pot *pot, char *buf, size_t n);

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
    double defo[3]; /* scale factors of the cell along x, y, z since the last list build */
    size_t defo_nb; /* the build defo refers to (nl.nbuilds then) */
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

/*
 * Deforms s affinely by F = diag(mu) (mu > 0): positions and the Cartesian component a of the
 * cell vectors are scaled by mu[a], velocities by 1/mu[a]. The neighbour list is deformed with
 * them rather than rebuilt: its images, wrap vectors and reference positions are scaled alike,
 * and md_sys_compute rebuilds it only when the shrinking since the last build plus twice the
 * largest displacement could bring an unlisted pair within the cut-off,
 * (1 - min_a prod mu_a) (rcut + skin) + 2 max_i |x_i - xref_i| > skin.
 * The forces are no longer current (have_force = 0).
 */
void md_sys_deform(struct md_sys *s, const double mu[3]);

/* The two halves of a velocity-Verlet step: v += h F/m (h in ps) for every atom whose entry in
 * still (may be NULL) is not mark, and x += h v. Threaded over atoms. */
void md_sys_kick(struct md_sys *s, double h, const unsigned char *still, unsigned char mark);
void md_sys_drift(struct md_sys *s, double h);

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
    MD_THERMOSTAT_NHC,      /* Nose-Hoover chain, Martyna, Klein and Tuckerman 1992 */
};

/* Longest Nose-Hoover chain, and the default length (LAMMPS's tchain). */
#define MD_NHC_MAXCHAIN 16
#define MD_NHC_CHAIN    3

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
    /* Nose-Hoover chain: length, positions eta (1), velocities veta (1/ps; veta[nchain] is 0)
     * and forces aeta (1/ps^2) of the chain variables, as LAMMPS's fix nvt keeps them. */
    int nchain;
    double eta[MD_NHC_MAXCHAIN], veta[MD_NHC_MAXCHAIN + 1], aeta[MD_NHC_MAXCHAIN];
};

/*
 * Sets th up (step 0, heat 0, a chain of MD_NHC_CHAIN at rest). temp and tdamp are not looked
 * at for MD_THERMOSTAT_NONE. CORE_EINPUT for an unknown kind, temp < 0 (temp <= 0 for nhc),
 * tdamp <= 0 or non-finite values.
 */
int md_thermostat_init(struct md_thermostat *th, enum md_thermostat_kind kind, double temp,
                       double tdamp, uint64_t seed, struct core_err *err);

/* Sets the length of the Nose-Hoover chain (1 .. MD_NHC_MAXCHAIN; CORE_EINPUT otherwise). */
int md_thermostat_chain_set(struct md_thermostat *th, int nchain, struct core_err *err);

/* "none", "bussi", "langevin", "nhc" (static strings). */
const char *md_thermostat_name(enum md_thermostat_kind kind);

/* The kind named name (as md_thermostat_name writes it); CORE_EINPUT for another name. */
int md_thermostat_kind_parse(const char *name, enum md_thermostat_kind *kind, struct core_err *err);

/*
 * One step of dt (ps) with thermostat th: velocity Verlet (md_nve_step) for none; velocity
 * Verlet followed by Bussi's rescaling of the kinetic energy with c = exp(-dt/tdamp) over
 * md_sys_dof degrees of freedom for bussi (a system with zero kinetic energy is left at rest);
 * BAOAB with friction 1/tdamp for langevin, the noise projected to zero total momentum (the
 * centre of mass does not diffuse; md_sys_temp samples temp). Random numbers from core_rng keyed
 * (th->seed, MD_RNG_BUSSI, 0, th->step) and (th->seed, MD_RNG_LANGEVIN, atom, th->step): the same
 * for any number of threads. nhc: the Martyna-Tuckerman-Klein chain integrated as LAMMPS's fix
 * nvt does (tloop 1: a half step of the chain before the first kick and after the last, chain
 * masses Q_1 = Nf k_B T tdamp^2, Q_k = k_B T tdamp^2); heat is then minus the energy of the
 * chain, sum_k Q_k veta_k^2/2 + Nf k_B T eta_1 + k_B T sum_(k>1) eta_k, so E - heat is LAMMPS's
 * conserved quantity (etotal + f_nvt). Updates th->heat and th->step. Errors as
 * md_sys_compute; CORE_ENOMEM.
 */
int md_nvt_step(struct md_sys *s, const struct md_pot *pot, struct md_thermostat *th, double dt,
                struct core_err *err);

/* ---- stress control and uniaxial tension ---- */

/* core_rng purpose of the barostat's draws (entity = Cartesian direction, step = b->step). */
#define MD_RNG_BARO 0x6261726fUL /* "baro" */

enum md_baro_kind {
    MD_BARO_NONE, /* fixed cell (or only the deformation of a tension) */
    MD_BARO_SCR,  /* stochastic cell rescaling, Bernetti and Bussi 2020, per direction */
    MD_BARO_MTK,  /* Martyna-Tobias-Klein per direction with Nose-Hoover chains, as LAMMPS */
};

/* Length of the Nose-Hoover chain on the MTK barostat velocities (LAMMPS's pchain default). */
#define MD_MTK_CHAIN 3

/*
 * Stress control: each controlled Cartesian direction a (dirs[a] = 1) has its own strain
 * eps_a = ln(L_a/L_a0), moved once per step by the anisotropic stochastic cell rescaling of
 * Bernetti and Bussi (J. Chem. Phys. 153, 114107 (2020), doi:10.1063/5.0020514):
 *   d eps_a = -(beta/(3 tau)) (P0 - P_aa - k_B T/V) dt + sqrt(2 k_B T beta/(3 V tau)) dW_a,
 * P_aa = -stress_aa the diagonal of the thermodynamic (kinetic + virial) pressure tensor of the
 * whole cell (vacuum included), P0 = press, beta = compress, tau = pdamp, T = temp (0: no noise,
 * a deterministic relaxation). Positions and the cell's Cartesian component a are scaled by
 * mu_a = exp(d eps_a) and velocities by 1/mu_a. Summed over three directions this is the
 * isotropic scheme of the paper; its stationary distribution is the N P T ensemble of the
 * controlled directions when the atoms are thermostatted at T. Shear is not controlled.
 *
 * A uniaxial deformation (tdir >= 0; see md_baro_tension_set) scales direction tdir so that the
 * cell's diagonal element cell[3 tdir + tdir] is len0 (1 + rate t), t = dt * (steps since the
 * deformation started); tdir is then not among the controlled directions.
 *
 * heat (eV) accumulates the change of K + U + P0 V in each cell move (U by the trapezoid rule
 * in ln mu between the virials before and after the step), so that E + P0 V - heat of the
 * thermostat - heat of the barostat is conserved up to the integration error. The struct owns
 * nothing; it is the whole state (saved in a checkpoint).
 */
struct md_baro {
    enum md_baro_kind kind;
    double press;    /* eV/Angstrom^3, target pressure P0 (= minus the target stress) */
    double pdamp;    /* ps, tau */
    double compress; /* Angstrom^3/eV, beta: the compressibility of the cell's stress */
    int dirs[3];     /* 1 for controlled Cartesian directions x, y, z */
    double temp;     /* K, of the noise */
    uint64_t seed;
    uint64_t step;  /* moves made (random-number key) */
    double heat;    /* eV */
    int tdir;       /* -1, or the direction of the uniaxial deformation (0 x, 1 y, 2 z) */
    double rate;    /* 1/ps, engineering strain rate of the deformation */
    double len0;    /* Angstrom, cell[3 tdir + tdir] at strain 0 */
    uint64_t tstep; /* steps since the deformation started */
    double lnmu[3]; /* ln of the scale factors of the last move */
    /* MTK: barostat velocities omega_dot (1/ps, 0 along directions not controlled), their
     * Nose-Hoover chain of pchain links (positions etap; velocities etap_dot, 1/ps, with
     * etap_dot[pchain] = 0; forces etap_dotdot, 1/ps^2), and work (eV): the energy the
     * deformation of a tension and the MTK scaling of the velocities along directions not
     * controlled have given the atoms. heat is then work minus the barostat's energy. */
    double omega_dot[3];
    int pchain;
    double etap[MD_NHC_MAXCHAIN], etap_dot[MD_NHC_MAXCHAIN + 1], etap_dotdot[MD_NHC_MAXCHAIN];
    double work;
};

/*
 * MTK (kind MD_BARO_MTK; Martyna, Tobias and Klein, J. Chem. Phys. 101, 4177 (1994),
 * doi:10.1063/1.467468; Shinoda, Shiga and Mikami, PRB 69, 134103 (2004),
 * doi:10.1103/PhysRevB.69.134103), per controlled Cartesian direction a as LAMMPS's
 * `fix npt temp T T tdamp x P P pdamp y P P pdamp` (couple none, mtk yes, pchain 3) integrates
 * it: a barostat velocity omega_dot_a (1/ps) of mass W = (N + 1) k_B T pdamp^2 driven by
 *   W d(omega_dot_a)/dt = (P_aa - P0) V + (1/(d N)) sum_(b controlled) K_bb - W omega_dot_a vp_1,
 * K_bb = sum_i m_i v_ib^2, d the number of controlled directions; the atoms' velocities feel
 * -(omega_dot_a + (1/(d N)) sum_b omega_dot_b) v_a along every direction a (including those not
 * controlled, as in LAMMPS), the cell and the positions dilate as d ln L_a/dt = omega_dot_a, and
 * the barostat velocities have their own Nose-Hoover chain (velocities vp_k, masses
 * Q_k = k_B T pdamp^2, first force (sum_a W omega_dot_a^2 - d k_B T)/Q_1). Trotter order of
 * one step (LAMMPS's FixNH::initial_integrate and final_integrate): half step of the barostat
 * chain, half step of the thermostat chain (md_nvt_step's nhc), half step of omega_dot with the
 * pressure now, velocities scaled by exp(-dt/2 (omega_dot_a + sum_b omega_dot_b/(d N))), half
 * kick, cell and positions dilated by exp(dt/2 omega_dot_a), drift, dilated again, (the
 * deformation of a tension), forces, half kick, velocities scaled again, half step of
 * omega_dot with the new pressure, thermostat chain, barostat chain. The barostat's energy is
 * sum_a W omega_dot_a^2/2 + d k_B T etap_1 + k_B T sum_(k>1) etap_k + sum_k Q_k vp_k^2/2; heat
 * is work minus it, so that E + P0 V - heats is conserved up to the integration error
 * (LAMMPS's etotal + f_npt up to the constant P0 V0, when all three directions are
 * controlled: otherwise LAMMPS's scaling of the other directions is not Hamiltonian, and work
 * books it). Needs the nhc thermostat and its temperature T > 0.
 */

/*
 * Sets b up (no deformation, step 0, heat 0). For MD_BARO_SCR, dirs must name at least one
 * direction, pdamp and compress be > 0, temp >= 0, press finite; for MD_BARO_MTK the same
 * with temp > 0 (the masses scale with it) and compress not looked at. CORE_EINPUT otherwise.
 */
int md_baro_init(struct md_baro *b, enum md_baro_kind kind, double press, double pdamp,
                 double compress, const int dirs[3], double temp, uint64_t seed,
                 struct core_err *err);

/* "none", "scr", "mtk" (static strings). */
const char *md_baro_name(enum md_baro_kind kind);

/* The kind named name (as md_baro_name writes it); CORE_EINPUT for another name. */
int md_baro_kind_parse(const char *name, enum md_baro_kind *kind, struct core_err *err);

/* The MTK masses of b for system s (eV ps^2): W = (N + 1) k_B T pdamp^2 of each barostat
 * velocity, q = k_B T pdamp^2 of each link of its chain. */
void md_baro_mtk_mass(const struct md_baro *b, const struct md_sys *s, double *w, double *q);

/* The energy (eV) of an MTK barostat b of system s (0 for another kind): see above. */
double md_baro_energy(const struct md_baro *b, const struct md_sys *s);

/*
 * Checks that b fits system s: a cell with a non-zero volume, periodic along every controlled
 * direction and along tdir, cell[3 a + a] > 0 along tdir. CORE_EINPUT otherwise, with a message
 * naming the direction.
 */
int md_baro_check(const struct md_baro *b, const struct md_sys *s, struct core_err *err);

/*
 * One cell move of a step of dt (ps) with st the thermodynamic stress (eV/Angstrom^3, ASE sign,
 * of md_sys_stress(s, 1, st)) and w the virial (eV) at the start of the step: scales positions,
 * cell and velocities (see struct md_baro). Called by md_npt_step before the force call.
 * CORE_EPHYS when the cell collapses or explodes (a scale factor outside 0.5 .. 2 in one step).
 */
int md_baro_move(struct md_baro *b, struct md_sys *s, const double st[9], const double w[9],
                 double dt, struct core_err *err);

/*
 * One step as md_nvt_step, with the cell moves of b (NULL or MD_BARO_NONE without deformation:
 * exactly md_nvt_step). scr: the stress is taken at the start of the step; the move comes after
 * the positions are advanced and before the force call; the forces are then those of the moved
 * atoms in the moved cell. The noise temperature is b->temp (set it to the thermostat's target).
 * mtk: the step described above (th must be nhc, b->temp its temperature); a deformation
 * (tension) is applied after the second dilation, before the force call, as with scr.
 * Increments b->step (and b->tstep) per move. Errors as md_nvt_step and md_baro_move;
 * CORE_EINPUT for mtk with another thermostat; CORE_EPHYS when an MTK dilation scales the cell
 * by more than a factor 2 in one step; CORE_ENOMEM.
 */
int md_npt_step(struct md_sys *s, const struct md_pot *pot, struct md_thermostat *th,
                struct md_baro *b, double dt, struct core_err *err);

/*
 * Starts a uniaxial deformation of b along Cartesian direction dir (0 x, 1 y, 2 z) at the
 * engineering strain rate rate (1/ps, > 0) from the current cell of s; dir is removed from the
 * controlled directions. CORE_EINPUT for a bad direction or rate, a direction s is not periodic
 * along, or cell[3 dir + dir] <= 0.
 */
int md_baro_tension_set(struct md_baro *b, const struct md_sys *s, int dir, double rate,
                        struct core_err *err);

/* Engineering strain cell[3 tdir + tdir]/len0 - 1 of s (0 without a deformation). */
double md_baro_strain(const struct md_baro *b, const struct md_sys *s);

/*
 * The record of a tensile test: the stress tensor, temperature and potential energy averaged
 * over the steps of each table row, and the peak of the row-averaged stress along the
 * deformation. The struct owns nothing.
 */
struct md_tension {
    double thick;       /* Angstrom, thickness of a sheet for the stress in GPa */
    double past;        /* strain past the peak at which a run stops */
    double acc[9];      /* eV/Angstrom^3 * samples: sum of the thermodynamic stress */
    double acct, acce;  /* K, eV: sums of the temperature and potential energy */
    uint64_t nacc;      /* samples summed */
    double peak;        /* eV/Angstrom^3, highest row stress along tdir so far */
    double peak_strain; /* engineering strain at the peak */
    int have_peak;
};

/* Number of values md_tension_row writes. */
#define MD_TENSION_NCOLS 17

/* Sets t up: thickness thick (Angstrom, > 0) and stop strain past (>= 0). CORE_EINPUT else. */
int md_tension_init(struct md_tension *t, double thick, double past, struct core_err *err);

/* Adds the state of s (thermodynamic stress, temperature, potential energy) to the row sums. */
void md_tension_sample(struct md_tension *t, const struct md_sys *s);

/*
 * Closes a row: row[0] engineering strain; row[1], row[2] the stress along the pulled direction
 * b->tdir in GPa and N/m (as row[3 + tdir] and row[9 + tdir]; 0 without tension): the uniaxial
 * curve fe-solve reads; row[3..8] the averaged stress (Voigt: xx yy zz yz xz xy) in GPa for a
 * sheet of thickness t->thick: stress_2D / thick, where stress_2D = stress * h (N/m) and
 * h = V/|a x b| the height of the cell along its third vector when s is not periodic along z
 * (a sheet), or the stress of the cell itself when it is (bulk); row[9..14] stress_2D in N/m;
 * row[15] mean temperature (K); row[16] mean potential energy (eV). Updates the peak and resets the
 * sums; *stop is set to 1 when the strain exceeds the peak strain by t->past (0 before any peak). A
 * row with no samples takes the state of s.
 */
void md_tension_row(struct md_tension *t, const struct md_sys *s, const struct md_baro *b,
                    double row[MD_TENSION_NCOLS], int *stop);

/*
 * ---- NEMD ----
 * Direct-method non-equilibrium MD (hot and cold thermostatted slabs), the binned temperature
 * profile, the thermal conductivity of a homogeneous system and the thermal conductance of an
 * interface, on an md_sys with an md_pot; the slabs use md_thermostat's state.
 *
 * Method (Schelling, Phillpot and Keblinski, PRB 65, 144306 (2002), doi:10.1103/PhysRevB.65.
 * 144306; Ikeshoji and Hafskjold, Mol. Phys. 81, 251 (1994)). Along an axis (x, y or z) of
 * length L two slabs of atoms are thermostatted, the hot one at temp + dtemp/2 and the cold
 * one at temp - dtemp/2; every other atom follows NVE (velocity Verlet). Slabs and fixed
 * layers are chosen once, from the positions at md_nemd_init (the atoms of a solid stay in
 * their slab; a liquid would need regions that follow the atoms, which this is not).
 *   - periodic (MD_NEMD_PERIODIC): the axis is periodic; default slabs [0.2, 0.3) and
 *     [0.7, 0.8) of L, so heat flows from the hot slab to the cold one along two paths
 *     (+axis and -axis) of cross-section A each: J = Q / (2 A t).
 *   - open (MD_NEMD_OPEN): the axis is not periodic; atoms within `fixed` of either end (as a
 *     fraction of the extent of the atoms along the axis at init) are held still, the hot slab
 *     is next to the first fixed layer and the cold one next to the last: one path, J = Q/(A t).
 * Q is the energy the thermostats exchange: heat_hot is what the hot thermostat has given the
 * atoms, heat_cold (negative) what the cold one has given; in a steady state they cancel and
 * Q = (heat_hot - heat_cold)/2 (eV) over the time t. E_total - heat_hot - heat_cold is
 * conserved up to the integration error (Bussi et al., JCP 126, 014101 (2007), eq. (9)).
 *
 * Thermostats act on the velocities relative to their slab's centre of mass, so each keeps
 * its slab's momentum (and the total momentum is conserved in the periodic geometry):
 *   Bussi: after each velocity-Verlet step the internal kinetic energy of the slab is drawn
 *     as in md_nvt_step over 3 n - 3 degrees of freedom, keyed (seed, MD_RNG_BUSSI, 1 for hot
 *     or 2 for cold, step);
 *   Langevin: BAOAB with the O step v = v_cm + c (v - v_cm) + xi - xi_cm on the slab's atoms,
 *     c = exp(-dt/tdamp), noise keyed (seed, MD_RNG_LANGEVIN, atom, step).
 * Fixed atoms have zero velocity and ignore their forces (they are a static wall).
 *
 * Profile. md_nemd_sample adds the current kinetic energy of each bin (nbins equal bins of
 * the axis, an atom in the bin of its wrapped position; fixed atoms excluded) to the block's
 * sums; the bin temperature is T_b = sum m v^2 / (k_B sum dof), dof = 3 per atom scaled by
 * (N - 1)/N in the periodic geometry (the total momentum of the N mobile atoms is fixed, so
 * each atom carries 3 (N - 1)/N degrees of freedom on average) and 3 in the open one.
 * md_nemd_block_end closes a block: its mean profile, the heat each thermostat exchanged and
 * its duration are stored. The profile, the conductivity and the conductance come from the
 * closed blocks; their errors are standard errors of the block values (blocks should be
 * longer than the correlation time of J and of the profile: tens of ps).
 *
 * Conductivity: in each block the profile is fitted (least squares) on each path between the
 * slabs, leaving out `margin` (fraction of L) next to each slab where the profile is not
 * linear; g = |dT/dx| along the flow (mean of the two paths when periodic) and
 * kappa_b = J_b / g_b. kappa is the mean of kappa_b.
 * Conductance of an interface at fraction xi (on a path between the slabs): the two sides of
 * the path are fitted separately (margin away from the slabs and from xi), both lines are
 * extrapolated to xi and dT = T_upstream(xi) - T_downstream(xi); G_b = J_b / dT_b
 * (W/(m^2 K)). For a 2D sheet the cross-section is the in-plane width times the stated
 * thickness (3.35 Angstrom for graphene), and G and kappa scale as 1/thickness.
 *
 * Units: Angstrom, ps, K, eV inside; J in W/m^2, kappa in W/(m K), G in W/(m^2 K) in results.
 * Ownership: struct md_nemd is caller-owned (md_nemd_init/md_nemd_release) and owns its
 * arrays; the md_sys and md_pot passed in are borrowed. Thread safety: as above; one md_nemd
 * per run. Errors: CORE_EINPUT (bad options, a geometry the method cannot use, too few bins
 * to fit), CORE_ENOMEM, and md_sys_compute's. Nothing printed.
 */
enum md_nemd_geom {
    MD_NEMD_PERIODIC, /* periodic along the axis: two paths */
    MD_NEMD_OPEN,     /* fixed ends, one path */
};

/* Region of an atom (md_nemd.region). */
enum md_nemd_region {
    MD_NEMD_FREE,
    MD_NEMD_HOT,
    MD_NEMD_COLD,
    MD_NEMD_FIXED,
};

struct md_nemd_opts {
    int axis; /* 0 x, 1 y, 2 z */
    enum md_nemd_geom geom;
    double hot[2], cold[2];       /* slabs [lo, hi) as fractions of the length along axis */
    double fixed;                 /* open: fixed layer at each end, fraction (0.02) */
    double temp, dtemp;           /* K: slabs at temp + dtemp/2 and temp - dtemp/2 */
    enum md_thermostat_kind kind; /* MD_THERMOSTAT_BUSSI or MD_THERMOSTAT_LANGEVIN */
    double tdamp;                 /* ps (0.1) */
    uint64_t seed;                /* core_rng seed (1) */
    size_t nbins;                 /* profile bins (20) */
    double area;                  /* Angstrom^2: cross-section; 0 = from the cell */
    double thickness;             /* Angstrom: of a sheet (the cell's non-periodic height
                                     is replaced by it); 0 = not a sheet */
};

/*
 * Defaults for geom: axis x, temp 300 K, dtemp 40 K, bussi, tdamp 0.1 ps, seed 1, 20 bins;
 * periodic: hot [0.2, 0.3), cold [0.7, 0.8); open: fixed 0.02, hot [0.02, 0.12),
 * cold [0.88, 0.98); area and thickness 0.
 */
void md_nemd_opts_default(struct md_nemd_opts *o, enum md_nemd_geom geom);

struct md_nemd {
    struct md_nemd_opts o;
    double lo, len;        /* Angstrom: axis coordinate of fraction 0 and the length L */
    double area;           /* Angstrom^2: cross-section of one path */
    double dofscale;       /* degrees of freedom per atom / 3 */
    size_t natoms;         /* of the md_sys it was set up for */
    unsigned char *region; /* natoms: enum md_nemd_region */
    size_t nhot, ncold, nfixed, nmobile;
    struct md_thermostat th[2]; /* hot, cold: their heat (eV) and step */
    double time;                /* ps run so far */
    /* the open block */
    double *ke2, *dof; /* nbins: sums over samples of m v^2 (eV) and of the dof per bin */
    size_t nsamples;
    double heat0[2], time0;
    /* closed blocks */
    size_t nblocks, blockcap;
    double *bprof; /* nblocks * nbins: mean bin temperatures (K), NaN for an empty bin */
    double *bheat; /* 2 * nblocks: heat given by the hot and the cold thermostat (eV) */
    double *btime; /* nblocks: duration (ps) */
    double *xi;    /* 3 * natoms: Langevin noise scratch */
};

/*
 * Sets nm up for the atoms of s (borrowed; the velocities of fixed atoms are set to zero):
 * assigns slabs and fixed layers from the positions now, and the cross-section A:
 *   o->area if > 0; otherwise |(a_p x a_q) . e_axis| for the other two cell vectors, where
 *   with o->thickness > 0 the one non-periodic vector among them is taken as thickness along
 *   its own direction (a sheet). For the periodic geometry the axis must be periodic and the
 *   other two cell vectors must have no component along it (then x wraps with period
 *   L = cell[4 * axis]); for the open one the axis must not be periodic and L is the extent of
 *   the atoms along it. CORE_EINPUT for: an axis outside 0..2, fewer than 2 bins, temp or
 *   dtemp not finite, temp - dtemp/2 < 0, dtemp < 0, tdamp <= 0, a kind other than bussi or
 *   langevin, slabs outside [0, 1], empty, overlapping or (open) overlapping a fixed layer,
 *   fixed outside [0, 0.5), no cell where one is needed, a non-periodic axis for the periodic
 *   geometry or a periodic one for the open, a cell vector with a component along the axis,
 *   atoms that span no length, a slab with fewer than 2 atoms, a sheet (one non-periodic
 *   direction besides the axis) with no thickness, a cross-section that is not positive;
 *   CORE_ENOMEM.
 */
int md_nemd_init(struct md_nemd *nm, const struct md_nemd_opts *o, struct md_sys *s,
                 struct core_err *err);

void md_nemd_release(struct md_nemd *nm);

/*
 * One step of dt (ps) of s with pot: velocity Verlet for the free atoms, the slabs
 * thermostatted as described above, fixed atoms still. Updates nm->th[*].heat and step and
 * nm->time. CORE_EINPUT when s is not the system nm was set up for (another atom count);
 * md_sys_compute's errors.
 */
int md_nemd_step(struct md_nemd *nm, struct md_sys *s, const struct md_pot *pot, double dt,
                 struct core_err *err);

/* Adds the current bin kinetic energies of s to the open block's profile sums. */
void md_nemd_sample(struct md_nemd *nm, const struct md_sys *s);

/*
 * Closes the open block: stores its mean profile, the heat both thermostats exchanged and the
 * time since the block began, and opens the next. CORE_EINPUT for a block with no sample or
 * no time; CORE_ENOMEM.
 */
int md_nemd_block_end(struct md_nemd *nm, struct core_err *err);

/*
 * Appends a closed block (as md_nemd_block_end stores it: prof the nbins mean bin temperatures,
 * K, NaN for an empty bin; heat[0], heat[1] the heat the hot and the cold thermostat gave in
 * it, eV; time its duration, ps): how a checkpoint restores the blocks of a run. CORE_EINPUT
 * for time not > 0, a heat not finite, a temperature < 0 or infinite; CORE_ENOMEM.
 */
int md_nemd_block_add(struct md_nemd *nm, const double *prof, const double heat[2], double time,
                      struct core_err *err);

/*
 * The run loop's step number step (1-based, counted from the start of the first run, so that a
 * restarted run continues the same way): md_nemd_step; then the first nequil steps are
 * equilibration (at step nequil the open block is discarded), every later step is sampled
 * (md_nemd_sample) and every nblock-th step after nequil closes a block (md_nemd_block_end).
 * CORE_EINPUT for nblock < 1; the errors of md_nemd_step and md_nemd_block_end.
 */
int md_nemd_advance(struct md_nemd *nm, struct md_sys *s, const struct md_pot *pot, double dt,
                    uint64_t step, uint64_t nequil, uint64_t nblock, struct core_err *err);

/* Discards the open block (its samples, heat and time): call it at the end of the
 * equilibration, so that the first block starts in the steady state. */
void md_nemd_block_discard(struct md_nemd *nm);

/*
 * The profile over the closed blocks: x[b] the centre of bin b (Angstrom from nm->lo), t[b]
 * the mean over blocks of its temperature (K; NaN for a bin empty in some block), terr[b]
 * (may be NULL) its standard error over blocks (0 with one block). Each array nbins long.
 */
void md_nemd_profile(const struct md_nemd *nm, double *x, double *t, double *terr);

/*
 * Least-squares line y = icpt + slope x through n points; slope_err (may be NULL) is the
 * standard error of the slope (0 for n = 2). Points with a NaN y are left out. CORE_EINPUT for
 * fewer than 2 points or all x equal.
 */
int md_nemd_linfit(size_t n, const double *x, const double *y, double *slope, double *icpt,
                   double *slope_err, struct core_err *err);

struct md_nemd_kappa {
    size_t nblocks;
    double flux, flux_err;   /* J, W/m^2 */
    double grad, grad_err;   /* |dT/dx| along the flow, K/Angstrom */
    double kappa, kappa_err; /* W/(m K): mean and standard error of the block values */
};

/*
 * Conductivity from the closed blocks, leaving out margin (fraction of L, >= 0) next to each
 * slab. CORE_EINPUT for no closed block, a margin that leaves fewer than 2 bins on a path, a
 * zero gradient in a block.
 */
int md_nemd_kappa(const struct md_nemd *nm, double margin, struct md_nemd_kappa *r,
                  struct core_err *err);

struct md_nemd_iface {
    size_t nblocks;
    double pos;              /* Angstrom from nm->lo (unwrapped onto its path) */
    double flux, flux_err;   /* J, W/m^2, the current through the interface */
    double jump, jump_err;   /* dT = T_upstream - T_downstream at pos, K */
    double grad_up, grad_dn; /* |dT/dx| of the two sides, K/Angstrom (mean over blocks) */
    double g, g_err;         /* conductance J/dT, W/(m^2 K) */
};

/*
 * Conductance of the interface at fraction xi of the length (on a path between the slabs,
 * periodic images allowed), from the closed blocks: each side fitted from margin past the
 * slab to margin before the interface. CORE_EINPUT for xi not finite or inside or at a slab,
 * no closed block, fewer than 2 bins on a side, a block with no jump.
 */
int md_nemd_interface(const struct md_nemd *nm, double xi, double margin, struct md_nemd_iface *r,
                      struct core_err *err);

/*
 * Interfaces between phases of different elements along the axis, for md_nemd_interface: the
 * mobile atoms of s are ordered by their (wrapped) fraction of the length, and wherever the
 * element changes from one atom to the next the midpoint of the two fractions is an interface
 * (across the periodic boundary too, in the periodic geometry). A clean lateral interface such
 * as strain-gen's graphene|borophene cell (-b hetero: blocks separated by a gap) gives one
 * position per interface: two in a periodic cell. xi (maxn long) gets them in increasing
 * order, *n their number. CORE_EINPUT when there are more than maxn (a rough or mixed
 * interface: give its position instead), CORE_ENOMEM.
 */
int md_nemd_find_interfaces(const struct md_nemd *nm, const struct md_sys *s, double *xi,
                            size_t maxn, size_t *n, struct core_err *err);

/* ---- one run (run.c): the state md-run drives, and the numbers it reports ---- */

/* Most NEMD interfaces a run takes or finds. */
#define MD_RUN_MAXIFACE 8

/* The columns of a thermo row: frame step time temp pe ke etot, then (stress) press and the six
 * stresses, then econs, heat_hot heat_cold and lx ly lz as md_run_thermo_row says. */
enum { MD_THERMO_NBASE = 7, MD_THERMO_NSTRESS = 7, MD_THERMO_NMAX = 21 };

/*
 * The state of one run on one frame: the system, its thermostat, barostat, tension record and
 * NEMD set-up. Caller-owned, started by md_run_init (or zeroed and set up piece by piece); it
 * owns s and nm, released by md_run_release (safe on a zeroed or partly set-up run). The caller
 * drives the steps (md_run_step) and does all I/O: tables, trajectories, checkpoints.
 */
struct md_run {
    struct md_sys s;
    struct md_thermostat th;
    struct md_baro b;
    struct md_tension tn;
    int cellmove; /* a barostat or a deformation moves the cell */
    int nemd;     /* nm is set up */
    struct md_nemd nm;
    double xi[MD_RUN_MAXIFACE]; /* NEMD interfaces, fractions of the length */
    size_t ni;
};

void md_run_release(struct md_run *r);

/*
 * The parameters of a run, as md-run's options give them (their command-line units: GPa and
 * 1/GPa for the barostat, converted here). Arrays are borrowed.
 */
struct md_run_opts {
    enum md_thermostat_kind thermostat; /* with NEMD, the slabs' (NONE there: Bussi) */
    double temp, tdamp;                 /* K, ps */
    int nchain;                         /* Nose-Hoover chain length; 0: MD_NHC_CHAIN */
    unsigned long long seed;
    enum md_baro_kind baro;
    double press, pdamp, compress; /* GPa, ps, 1/GPa */
    int pdirs[3], has_pdirs;       /* without has_pdirs: every periodic direction but tdir */
    int tdir;                      /* direction of uniaxial tension, -1: none */
    double rate, thick, past;      /* 1/ps, Angstrom, strain past the peak */
    int nemd_axis;                 /* -1: no NEMD */
    int nemd_open, has_slabs;
    double nemd_dt, slabs[4], fixed; /* K, fractions H0 H1 C0 C1, fraction */
    size_t nbins;
    int iface;         /* interfaces asked for */
    const double *ifx; /* nifx fractions, borrowed; nifx 0 with iface: found (auto) */
    size_t nifx;
};

/*
 * Sets up the thermostat, barostat and tension of r (whose s is initialised from f) from o.
 * With NEMD the system has no thermostat of its own (md_run_nemd_setup gives the slabs theirs).
 * CORE_EINPUT, with messages that name md-run's options (--barostat, --pdirs), for a barostat
 * with no direction to control, or tension along a controlled direction; md_baro_*'s errors.
 */
int md_run_setup(struct md_run *r, const struct md_run_opts *o, const struct core_frame *f,
                 struct core_err *err);

/*
 * Sets up the NEMD of r from o and the positions of r->s now (the input positions, also on a
 * restart: the checkpoint's regions must agree), and its interfaces: those of o, or found where
 * the element changes along the axis. md_nemd_init's errors; CORE_EINPUT (naming --interface)
 * when none is found.
 */
int md_run_nemd_setup(struct md_run *r, const struct md_run_opts *o, struct core_err *err);

/*
 * Starts a run on frame f: zeroes r, sets up r->s (md_sys_init with pot and skin, Angstrom), then
 * md_run_setup, Maxwell-Boltzmann velocities at o->temp if thermalize (md_sys_thermalize), and
 * with NEMD md_run_nemd_setup. Forces are not computed (a restart may still replace the state).
 * On error r can still be released with md_run_release. pot is borrowed.
 */
int md_run_init(struct md_run *r, const struct core_frame *f, const struct md_pot *pot, double skin,
                const struct md_run_opts *o, int thermalize, struct core_err *err);

/* Whether the tensile test of r is already past its stop strain (restarted from a checkpoint of
 * a finished test); meaningful only for a run with tension. */
int md_run_stopped(const struct md_run *r);

/* Rebuilds the neighbour list of r and recomputes the forces (not needed for a potential
 * without a list), so that the state is bit for bit what a run restarted from it computes
 * (a restart builds its list afresh): called before a checkpoint is written. */
int md_run_refresh(struct md_run *r, const struct md_pot *pot, struct core_err *err);

/* Copies the state of s into f, which has s's atoms: positions, velocities, cell (if any) and
 * energy; forces and the rest of f are left as they are. CORE_ENOMEM. */
int md_sys_snapshot(const struct md_sys *s, struct core_frame *f, struct core_err *err);

/* A mean kinetic energy per atom above this (eV; 7.7e6 K) is no chemistry any more: md_run_step
 * stops there. An MTP that explodes outside its training data passes it within tens of steps
 * (MLIP's level-16 potential of ../shared/interop, a 32-atom B/C sheet at 2000 K: from 5000 K to
 * 5e8 K in 70 steps of 0.5 fs), while a cascade's primary knock-on atom of a few keV shares its
 * energy with the whole cell. */
#define MD_EKIN_EXPLODED 1e3

/* One step of r: NEMD (step index step, nequil and nblock from md_nemd_steps) or NVE/NVT/NPT.
 * CORE_EPHYS when the step leaves a mean kinetic energy per atom above MD_EKIN_EXPLODED. */
int md_run_step(struct md_run *r, const struct md_pot *pot, double dt, uint64_t step,
                uint64_t nequil, uint64_t nblock, struct core_err *err);

/*
 * One thermo row of r at step (time step dt, ps) of frame iframe into row (MD_THERMO_NMAX
 * doubles), its length into *n: the base columns, the stress (GPa) if stress, econs
 * (E + P0 V - heats, eV) with a thermostat, a barostat or NEMD, the slab heats (eV) with NEMD,
 * the cell's diagonal (Angstrom) when the cell moves. CORE_EINPUT when stress is asked of a
 * frame without a cell volume.
 */
int md_run_thermo_row(const struct md_run *r, size_t iframe, long step, double dt, int stress,
                      double *row, size_t *n, struct core_err *err);

/* Equilibration and block lengths of NEMD in steps, from their times and dt (ps); a block is at
 * least one step, and both are capped at 1e18. */
void md_nemd_steps(double equil, double block, double dt, uint64_t *nequil, uint64_t *nblock);

/*
 * Heat-current samples of a run, kept until its end (the mean temperature goes in the header
 * of the series). Zero it ({0}) before use; it owns row, freed by md_heat_buf_release.
 */
struct md_heat_buf {
    double *row; /* 4 per sample: time (ps), J (eV*Angstrom/ps) */
    size_t n, cap;
    double tsum; /* sum of the temperatures at the samples, K */
};

/* Appends the current J of s at time (ps) and its temperature; CORE_ENOMEM, md_sys_heat's. */
int md_heat_buf_sample(struct md_heat_buf *h, const struct md_sys *s, double time,
                       struct core_err *err);
void md_heat_buf_release(struct md_heat_buf *h);

/* Writes the results of s into f: forces, energy, stress (if the cell has a volume), and the
 * positions and velocities if moved. CORE_ENOMEM. */
int md_sys_label(const struct md_sys *s, int moved, struct core_frame *f, struct core_err *err);

#endif
