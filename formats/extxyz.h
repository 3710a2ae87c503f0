/*
 * extxyz: extended XYZ frames, read and written as ASE 3.22 and OVITO do (spec: formats/extxyz.md,
 * man/extxyz.5).
 *
 * A frame is three parts: a line with the atom count N, a comment line of key=value pairs, and N
 * atom lines of whitespace-separated columns described by `Properties=name:T:n:...` (T one of S,
 * R, I, L). Frames are concatenated, so `cat a.xyz b.xyz` is a valid stream; blank lines between
 * frames and at the end are skipped.
 *
 * Mapping to struct core_frame (units as in core.h):
 *   Lattice="9 numbers"     cell (rows a_1, a_2, a_3, Angstrom); has_cell = 1, pbc T T T unless
 *                           pbc= says otherwise. No Lattice: has_cell = 0 and pbc all 0.
 *   pbc="T T F"             pbc (1 or 3 of T/F/True/False)
 *   energy, free_energy     energy, free_energy (eV)
 *   stress                  stress (eV/Angstrom^3, ASE sign), 9 numbers in ASE's (Fortran,
 *                           column-major) order or 6 Voigt numbers xx yy zz yz xz xy
 *   virial                  virial (eV), 9 numbers (Fortran order) or 6 Voigt numbers
 *   any other key           info, value unquoted and unescaped, kept as text; a bare key (no
 *                           `=`) has the value "T", as ASE reads it
 *   species:S:1             z (symbols capitalised as ASE does: "si" is Si)
 *   Z:I:1                   z (when species is also present, the two must agree)
 *   pos:R:3                 pos (Angstrom)
 *   forces:R:3, force:R:3   forces (eV/Angstrom)
 *   momenta:R:3             vel (Angstrom/ps): ASE's momenta are amu * Angstrom per ASE time unit,
 *                           so vel = momenta / (mass * UNITS_ASE_TIME_PS), with mass from
 *                           masses:R:1 or else the element's (core_elem_mass, ASE's table)
 *   masses:R:1              mass (amu, > 0)
 *   tags:I:1                tag
 *   any other column        prop, passed through unchanged (velo, vel, mass, charge, ... keep
 *                           their names and values: their units differ between codes)
 * The writer writes these back in the same form, velocities as momenta, so ASE reads the same
 * velocities, masses and tags; floats are written with the fewest digits that read back to the
 * same double (exact round trip).
 *
 * Numbers are parsed and printed in the "C" locale whatever the process locale is (uselocale for
 * the duration of a call). NaN and Inf are rejected everywhere on input and output.
 *
 * Ownership: the caller owns the core_frame (core_frame_init before the first read,
 * core_frame_release after the last); the stream and FILE are borrowed.
 * Thread safety: no global state; distinct streams and frames may be used from distinct threads.
 * Errors: CORE_EINPUT with `name:line: what` for bad input, CORE_EIO for read or write errors,
 * CORE_ENOMEM. Nothing is printed.
 */
#ifndef FPMS_EXTXYZ_H
#define FPMS_EXTXYZ_H

#include <stdio.h>

#include "../lib/core/core.h"
#include "stream.h"

/* Largest atom count accepted on a count line; larger counts are rejected as bad input. */
#define EXTXYZ_NATOMS_MAX 1000000000L

/* Buffer size that holds any number written by extxyz_real_format, with its NUL. */
#define EXTXYZ_REALLEN 32

/*
 * Reads the next frame from in into f. f must have been initialised (core_frame_init); whatever
 * it held is released first. *got = 1 when a frame was read; *got = 0 at a clean end of input
 * (only blank lines left), with f released. Reads from a pipe without seeking (stream_getline and
 * one line of pushback only).
 * Returns CORE_OK; CORE_EINPUT with `name:line: what` for bad input (truncated frame, bad count,
 * unknown element, wrong column count, NaN/Inf, bad Lattice, Properties, stress, virial or pbc,
 * unterminated quote, ...); CORE_EIO for a read error; CORE_ENOMEM. On error f is released.
 */
int extxyz_read_frame(struct stream_in *in, struct core_frame *f, int *got, struct core_err *err);

/*
 * Writes f as one extended XYZ frame to fp (borrowed): the count, a comment line with Lattice
 * (when has_cell), Properties (species, pos, then forces, momenta, masses, tags and the
 * pass-through columns that are present), energy, free_energy, stress (9 numbers), virial
 * (9 numbers), pbc (always), then the info keys in order; then one line per atom.
 * Returns CORE_OK; CORE_EINPUT when f cannot be written faithfully (an atomic number outside
 * 1..118, a NaN or Inf, a non-positive mass with velocities, an info key named like a key the
 * writer owns, a property name or string cell that cannot be written); CORE_EIO on a write error.
 * Nothing is written when f is rejected.
 */
int extxyz_write_frame(FILE *fp, const struct core_frame *f, struct core_err *err);

/*
 * Writes the shortest decimal form of the finite double v that reads back (strtod) to exactly v
 * into buf (EXTXYZ_REALLEN bytes), with a ".0" added to integral values so that every reader
 * sees a float ("300.0", "-1.5", "1e-05", "0.10000000000000001" never appears). Uses the current
 * locale of the calling thread (extxyz_write_frame sets "C"). Returns the length written.
 */
int extxyz_real_format(char *buf, double v);

/*
 * 1 when line looks like the first line of an extended XYZ frame (an atom count alone on the
 * line, surrounding blanks allowed), else 0: for format recognition by content.
 */
int extxyz_probe(const char *line);

#endif
