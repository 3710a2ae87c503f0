/*
 * nemd: direct-method non-equilibrium MD (hot and cold thermostatted slabs), the binned
 * temperature profile, the thermal conductivity of a homogeneous system and the thermal
 * conductance of an interface. To be folded into md.h; it includes md.h and uses its md_sys,
 * md_pot and md_thermostat.
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
 * arrays; the md_sys and md_pot passed in are borrowed. Thread safety: as md.h; one md_nemd
 * per run. Errors: CORE_EINPUT (bad options, a geometry the method cannot use, too few bins
 * to fit), CORE_ENOMEM, and md_sys_compute's. Nothing printed.
 */
#ifndef FPMS_MD_NEMD_H
#define FPMS_MD_NEMD_H

#include "md.h"

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

#endif
