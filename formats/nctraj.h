/*
 * nctraj: trajectories in the AMBER NetCDF convention 1.0 (ambermd.org/netcdf/nctraj.xhtml),
 * readable by ASE, OVITO, VMD, cpptraj/MDAnalysis and LAMMPS tools. formats/nctraj.md is the
 * spec of what is written and read; man/fpms-nctraj.5 is the same for users.
 *
 * Writing: nctraj_create -> nctraj_write_frame (once per frame) -> nctraj_close(t, 1, err).
 *   The file is written under a temporary name in the target's directory (mkstemp) and renamed
 *   over the target by nctraj_close with commit = 1; commit = 0, or any failed call before
 *   it, leaves no file behind. Path "-" writes stdout (buffered in a temporary file, copied out
 *   on commit). Encoding: classic 64-bit offset (CDF-2), as the convention asks.
 * Reading: nctraj_open -> nctraj_nframes / nctraj_read_frame (any order) -> nctraj_close.
 *   Reads what fpms, AMBER, ASE (3.22) and LAMMPS (dump netcdf) write, in any NetCDF encoding
 *   (CDF-1, CDF-2, CDF-5, NetCDF-4/HDF5): the `units` attribute of each variable is honoured
 *   (unknown units are an error, never silently ignored), and `scale_factor`/`add_offset` are
 *   applied, whether the data are float, double or integer.
 *
 * Units at this API (DESIGN.md): Angstrom, ps, eV, eV/Angstrom, Angstrom/ps, eV/Angstrom^3.
 *
 * Frames are numbered from 0 (iframe, and "frame N" in messages), as in ncdump, ASE and OVITO.
 *
 * Errors: CORE_EIO for a file that cannot be opened, written or renamed; CORE_EINPUT for a file
 * that is not NetCDF or not an AMBER trajectory, for data that are missing, malformed, filled,
 * non-finite or in unknown units, and for frames that do not fit the trajectory; CORE_ENOMEM.
 * Messages name the file: `traj.nc: frame 3: atom 17 has atomic number 0`, and NetCDF library
 * failures end with nc_strerror's text in parentheses.
 *
 * Ownership: struct nctraj is opaque; nctraj_create and nctraj_open allocate it and
 * nctraj_close frees it (also on error; nctraj_close(NULL, ...) is a no-op). Frames passed in
 * are borrowed; frames read are caller-owned (core_frame_release).
 * Thread safety: one struct nctraj per thread; libnetcdf itself is not thread safe, so distinct
 * trajectories must not be used from distinct threads at the same time either.
 */
#ifndef FPMS_NCTRAJ_H
#define FPMS_NCTRAJ_H

#include <stddef.h>

#include "../lib/core/core.h"

struct nctraj;

/* What a trajectory stores besides positions, cell and atomic numbers (always written). */
enum nctraj_flags {
    NCTRAJ_VELOCITIES = 1u << 0, /* velocities(frame,atom,spatial), Angstrom/ps */
    NCTRAJ_FORCES = 1u << 1,     /* forces(frame,atom,spatial), eV/Angstrom */
    NCTRAJ_ENERGY = 1u << 2,     /* energy(frame), eV (double) */
    NCTRAJ_STRESS = 1u << 3,     /* stress(frame,Voigt), eV/Angstrom^3, ASE sign and order */
    NCTRAJ_DOUBLE = 1u << 4,     /* coordinates, velocities, forces and time in double
                                    precision (the convention says float): exact round trip */
    NCTRAJ_REORIENT = 1u << 5,   /* rotate each frame with a cell into the standard AMBER
                                    orientation (a along x, b in the xy plane) before writing,
                                    so that every AMBER reader sees the exact cell */
};

/*
 * Flags for what frame f carries: NCTRAJ_VELOCITIES, NCTRAJ_FORCES, NCTRAJ_ENERGY and
 * NCTRAJ_STRESS for vel, forces, has_energy and has_stress. Convenient for nctraj_create.
 */
unsigned nctraj_frame_flags(const struct core_frame *f);

/*
 * Starts a trajectory of natoms atoms at path ("-" or NULL: stdout), storing what flags say
 * (enum nctraj_flags). Every frame then written must carry what the flags ask for; what a
 * frame carries beyond them is not stored. *out is set to the new trajectory (caller closes it
 * with nctraj_close), or to NULL on error. Returns CORE_OK, CORE_EINPUT (natoms 0), CORE_EIO,
 * CORE_ENOMEM.
 */
int nctraj_create(const char *path, size_t natoms, unsigned flags, struct nctraj **out,
                  struct core_err *err);

/*
 * Appends frame f at time time_ps (ps). Writes coordinates, atomic numbers (atom_types, as ASE
 * writes and reads them), cell_lengths and cell_angles (length 0 along non-periodic
 * directions, as ASE and LAMMPS do; all 0 for a frame without a cell), cell_origin (0) and the
 * exact cell rows (cell_vectors), and what the flags ask for. Nothing is written unless the
 * whole frame is valid: CORE_EINPUT for a wrong atom count, an atomic number outside 1..118,
 * a non-finite value, a missing array or label the flags ask for, a value beyond float range
 * (without NCTRAJ_DOUBLE), or a left-handed or singular cell with NCTRAJ_REORIENT. A NetCDF
 * failure while writing (CORE_EIO) makes the trajectory unusable: close it with commit = 0.
 */
int nctraj_write_frame(struct nctraj *t, const struct core_frame *f, double time_ps,
                       struct core_err *err);

/*
 * Closes t and frees it. For a trajectory being written, commit = 1 finishes the file and
 * renames it over the target (or copies it to stdout); commit = 0 removes it. Returns CORE_OK,
 * or CORE_EIO when finishing or renaming fails (the file is then removed), or CORE_EINPUT when
 * committing a trajectory whose earlier write failed. Reading: commit is ignored.
 */
int nctraj_close(struct nctraj *t, int commit, struct core_err *err);

/*
 * Opens an AMBER NetCDF trajectory for reading. The global attribute Conventions must list
 * AMBER and ConventionVersion must be "1.0" (the convention's two hard rules); coordinates
 * must be present. *out is set (caller closes with nctraj_close), or NULL on error. Returns
 * CORE_OK, CORE_EIO (cannot open), CORE_EINPUT (not NetCDF, not AMBER, malformed), CORE_ENOMEM.
 */
int nctraj_open(const char *path, struct nctraj **out, struct core_err *err);

/*
 * Element of each LAMMPS atom type: LAMMPS writes a `type` variable with types 1..n, which
 * carry no element; type k is read as map->z[k - 1]. Without a map such files are refused by
 * nctraj_read_frame. (atom_types, as ASE and fpms write it, and Z hold atomic numbers and need
 * no map.) The map is copied.
 */
void nctraj_species_set(struct nctraj *t, const struct core_species_map *map);

/* Number of frames (of a trajectory being written: frames written so far). */
size_t nctraj_nframes(const struct nctraj *t);

/* Number of atoms per frame. */
size_t nctraj_natoms(const struct nctraj *t);

/* What the file stores: NCTRAJ_VELOCITIES, NCTRAJ_FORCES, NCTRAJ_ENERGY, NCTRAJ_STRESS. */
unsigned nctraj_flags(const struct nctraj *t);

/*
 * Reads frame iframe (0-based) into f (released and refilled; caller-owned): z, pos, cell,
 * has_cell, pbc, and vel, forces, energy, stress where the file has them, and tag from a
 * LAMMPS `id` variable. Atoms come in the order of `id` when the file has one (as ASE reads
 * them). pbc is true along directions with a non-zero cell length. The cell is cell_vectors
 * when present (files from fpms), otherwise built from lengths and angles in the standard
 * orientation, with the length along a non-periodic direction taken as the extent of the
 * atoms' coordinates along that axis, as ASE does; a frame whose lengths are all 0 has no
 * cell. *time_ps (may be NULL) receives the time in ps, or NAN when the file has none.
 * Returns CORE_OK, CORE_EINPUT (iframe out of range, missing or bad data, LAMMPS types
 * without a species map), CORE_EIO, CORE_ENOMEM.
 */
int nctraj_read_frame(struct nctraj *t, size_t iframe, struct core_frame *f, double *time_ps,
                      struct core_err *err);

#endif
