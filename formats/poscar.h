/*
 * poscar: VASP POSCAR and CONTCAR files (one structure each), read and written. The full
 * description is in formats/poscar.md and man/poscar.5; in short:
 *
 *   comment                      -> f->info "comment" (trimmed; absent if empty)
 *   scale                        1 number: factor (> 0) or minus the cell volume (< 0, A^3);
 *                                3 numbers: factors for x, y, z (all > 0)
 *   a1 / a2 / a3                 lattice vectors as rows (times scale), Angstrom
 *   [species]                    VASP 5: symbols, suffixes `_pv`, `/hash` stripped; VASP 4:
 *                                absent, species from a map (`--species`)
 *   counts
 *   [Selective dynamics]         first character S or s
 *   Direct | Cartesian           first character C, c, K, k: Cartesian (times scale);
 *                                anything else: Direct (fractional)
 *   positions [T/F T/F T/F]      flags -> pass-through prop "selective_dynamics" (L, 3 columns)
 *   [Lattice velocities block]   skipped
 *   [blank or Cartesian line, velocities in A/fs]  -> f->vel in A/ps (times 1000)
 *   [MD predictor-corrector block]  skipped
 *
 * The frame gets has_cell = 1 and pbc = (1, 1, 1). Units: Angstrom, Angstrom/ps.
 *
 * Ownership: the frame is caller-owned; the reader releases it and fills it anew. The stream
 * and the map are borrowed. Thread safety: none needed.
 * Errors: CORE_EINPUT with `name:line: what` (bad scale, singular lattice, counts that do not
 * match the species, truncated positions, bad numbers, NaN/Inf, unknown elements, ...),
 * CORE_EIO, CORE_ENOMEM. Nothing is printed.
 */
#ifndef FPMS_POSCAR_H
#define FPMS_POSCAR_H

#include <stdio.h>

#include "../lib/core/core.h"
#include "stream.h"

/* Most species (count columns) one POSCAR may list. */
#define POSCAR_MAXSPECIES 128

/*
 * Reads the POSCAR in `in` into f. A POSCAR holds one structure: the first call reads it and
 * everything after it (velocities, MD blocks), setting *got = 1; the next call finds the end
 * of input and sets *got = 0 (so does a first call on empty input). map (borrowed, may be
 * NULL) is only used for VASP 4 files without a species line, where count i belongs to
 * map->z[i]; without a map such a file is an error.
 * Returns CORE_OK, CORE_EINPUT, CORE_EIO or CORE_ENOMEM; on error f is released, *got = 0.
 */
int poscar_read_frame(struct stream_in *in, const struct core_species_map *map,
                      struct core_frame *f, int *got, struct core_err *err);

/*
 * Writes f as a VASP 5 POSCAR: comment (info "comment", else the formula), scale 1, the cell,
 * species and counts of each run of equal elements in atom order (so the atom order is kept;
 * a species may then appear more than once), `Selective dynamics` when f has a
 * "selective_dynamics" property (L or I, 3 columns), Cartesian positions, and the velocities
 * (A/fs) after a blank line when f->vel is set. Every number has 17 significant digits.
 * Returns CORE_OK, CORE_EINPUT (no cell, singular cell, atom without an element, non-finite
 * number) or CORE_EIO.
 */
int poscar_write_frame(FILE *fp, const struct core_frame *f, struct core_err *err);

#endif
