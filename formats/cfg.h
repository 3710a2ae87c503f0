/*
 * cfg: the MLIP text configuration format (.cfg), as read and written by MLIP-2 and MLIP-3
 * (Shapeev, Novikov, Podryabinkin; `Configuration::Load/Save` in src/configuration.cpp). The
 * full mapping is in formats/cfg.md and man/mlip-cfg.5; in short:
 *
 *   BEGIN_CFG
 *    Size                       natoms
 *    Supercell                  0 to 3 lattice vectors (rows), Angstrom; a missing row means
 *                               non-periodic along it (has_cell, pbc)
 *    AtomData: id type cartes_x cartes_y cartes_z fx fy fz [site_en charge nbh_grades ...]
 *                               types 0..n-1 -> Z through a species map; direct_x.. allowed;
 *                               the other MLIP columns pass through as f->prop of that name
 *    Energy                     total energy, eV
 *    PlusStress: xx yy zz yz xz xy
 *                               the virial in eV: PlusStress = -V * stress(ASE sign)
 *    Feature key value          f->info key -> value (repeated keys joined by '\n')
 *   END_CFG
 *
 * Units: Angstrom, eV, eV/Angstrom; f->virial in eV and f->stress in eV/Angstrom^3 with
 * ASE's sign (positive = tensile), so that virial = -stress * V.
 *
 * The format stores atom types, not elements: every call takes a species map (type index ->
 * Z, `--species C,B` means type 0 = C, type 1 = B). MLIP has no convention that would name the
 * elements inside the file, so reading or writing without a map is an error.
 *
 * Ownership: the frame is caller-owned; the reader releases it and fills it anew (the frame
 * owns every array, see core.h). The stream and the map are borrowed.
 * Thread safety: none needed; distinct streams and frames may be used from distinct threads.
 * Errors: CORE_EINPUT with `name:line: what` for bad input, CORE_EIO for read errors,
 * CORE_ENOMEM; the writer reports CORE_EINPUT for frames the format cannot hold and CORE_EIO
 * when writing fails. Nothing is printed.
 */
#ifndef FPMS_CFG_H
#define FPMS_CFG_H

#include <stdio.h>

#include "../lib/core/core.h"
#include "stream.h"

/*
 * Reads the next configuration (BEGIN_CFG ... END_CFG) from in into f. Blank lines before it
 * are skipped. *got = 1 when a frame was read, 0 at a clean end of input (then f is released
 * and empty). map (borrowed) turns types into atomic numbers and must not be NULL.
 * Returns CORE_OK, or CORE_EINPUT / CORE_EIO / CORE_ENOMEM with err filled; on error f is
 * released and *got is 0.
 */
int cfg_read_frame(struct stream_in *in, const struct core_species_map *map, struct core_frame *f,
                   int *got, struct core_err *err);

/*
 * Writes f as one configuration to fp, every number with 17 significant digits (exact round
 * trip). map (borrowed) gives the type of each element; an element not in the map is an error
 * that names it. Info keys become `Feature key value` lines; the pass-through properties with
 * MLIP column names (site_en, charge, nbh_grades, magmom_x..z, en_der_mx..z: R with 1 column;
 * ghost: L with 1 column) become AtomData columns; other properties, velocities, masses, tags
 * and free_energy are not written (the format has no place for them).
 * Returns CORE_OK, CORE_EINPUT (unmapped element, non-finite number, stress without a 3D cell,
 * a zero lattice vector before a non-zero one) or CORE_EIO.
 */
int cfg_write_frame(FILE *fp, const struct core_species_map *map, const struct core_frame *f,
                    struct core_err *err);

#endif
