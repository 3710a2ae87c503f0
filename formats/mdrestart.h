/*
 * mdrestart: the checkpoint of an md-run run, from which a restarted run continues bit for
 * bit. A text file with every real number as a C99 hexadecimal float (%a: exact, and still
 * readable by eye, Python's float.fromhex and strtod):
 *
 *   fpms-md-checkpoint 1
 *   natoms 8
 *   step 100                                  steps taken
 *   cell 0x1.1p+2 0x0p+0 ...                  9 numbers, rows (Angstrom)
 *   pbc 1 1 0
 *   thermostat nhc 100 HEAT 3                 kind, steps, heat (eV), chain length
 *   eta ... / veta ... / aeta ...             the chain (nchain, nchain + 1, nchain numbers)
 *   barostat scr 100 HEAT TDIR TSTEP LEN0 LNMU_X LNMU_Y LNMU_Z
 *   mtk OD_X OD_Y OD_Z 3                      only for --barostat mtk: barostat velocities
 *   etap ... / etap_dot ... / etap_dotdot ... (1/ps) and the chain on them, as eta ...
 *   tension NACC ACCT ACCE PEAK PEAK_STRAIN HAVE_PEAK ACC_1 .. ACC_9
 *   nemd AXIS GEOM NBINS NBLOCKS ...          only for an NEMD run (--nemd), then
 *   ke2 ... / dof ... / block ...             the open block's sums and NBLOCKS closed blocks
 *   atoms
 *   Z x y z vx vy vz [REGION]                 natoms lines (Angstrom, Angstrom/ps); REGION
 *                                             (enum md_nemd_region) only for NEMD
 *   end
 *
 * It holds the state of a run (positions, velocities, cell, step, the state variables of the
 * thermostat, barostat, deformation and stress-strain record, and of NEMD the regions, both slab
 * thermostats' steps and heat, time and the block accumulators), not its parameters (temperature,
 * damping times, seed, rates), which come from the command line of the restarted run; the
 * random numbers are keyed by the step, so the step counters are the whole RNG state.
 *
 * Units: Angstrom, Angstrom/ps, eV, ps. Written and read in the "C" locale.
 * Errors: CORE_EINPUT `name:line: what` for anything malformed (a missing or extra field, a
 * number that is not one, NaN or Inf, an unknown kind, a truncated file), CORE_EIO, CORE_ENOMEM.
 * Ownership: struct mdrestart owns z, pos, vel and nemd's arrays (mdrestart_release).
 */
#ifndef FPMS_MDRESTART_H
#define FPMS_MDRESTART_H

#include <stdio.h>

#include "../lib/md/md.h"
#include "stream.h"

struct mdrestart {
    size_t natoms;
    uint64_t step;
    double cell[9];
    int pbc[3];
    int *z;
    double *pos, *vel;         /* 3 natoms each */
    struct md_thermostat th;   /* kind, step, heat, nchain, eta, veta, aeta only */
    struct md_baro baro;       /* kind, step, heat, tdir, tstep, len0, lnmu, and for mtk
                                  omega_dot, pchain, etap, etap_dot, etap_dotdot only */
    struct md_tension tension; /* acc, acct, acce, nacc, peak, peak_strain, have_peak only */
    int has_nemd;              /* the checkpoint has the NEMD record */
    struct md_nemd nemd;       /* o.axis, o.geom, o.nbins, lo, len, area, natoms, region,
                                  th[*].step and heat, time, ke2, dof, nsamples, heat0, time0,
                                  nblocks, bprof, bheat, btime only */
};

/* Writes the state of a run at step; nm is NULL unless the run is NEMD. CORE_EIO on a write
 * error. */
int mdrestart_write(FILE *fp, const struct md_sys *s, uint64_t step, const struct md_thermostat *th,
                    const struct md_baro *b, const struct md_tension *t, const struct md_nemd *nm,
                    struct core_err *err);

/* Reads a checkpoint into r (caller releases it, also on error). */
int mdrestart_read(struct stream_in *in, struct mdrestart *r, struct core_err *err);

void mdrestart_release(struct mdrestart *r);

/*
 * Puts the state of r into a run set up from the command line: s (set up from the input
 * frame), th, b and t (initialised with the parameters). CORE_EINPUT, naming the checkpoint
 * name, when r is of another system (atom count, elements, periodicity) or was written with
 * another thermostat, chain length, barostat (or MTK chain length) or tension direction. A
 * checkpoint without tension may start a run with tension: the test then starts at strain 0 from
 * its cell. nm (NULL unless the run is NEMD) must be set up by md_nemd_init from the same input
 * frame and options as the run that wrote r (CORE_EINPUT, naming the checkpoint, when r has no NEMD
 * record or one with another axis, geometry, bin count, length, cross-section or region of any
 * atom); it then continues r's NEMD run. CORE_ENOMEM.
 */
int mdrestart_apply(const struct mdrestart *r, const char *name, struct md_sys *s,
                    struct md_thermostat *th, struct md_baro *b, struct md_tension *t,
                    struct md_nemd *nm, struct core_err *err);

#endif
