/*
 * mtp_file: MLIP's moment tensor potential text format (.mtp), as MLIP-2 reads and writes it
 * (`MLMTPR::Load/Save` in dev_src/mtpr.cpp, `AnyRadialBasis::ReadRadialBasis` in
 * src/radial_basis.cpp; MLIP-3 reads the same files). The full description is in
 * formats/mtp_file.md and man/mtp.5; in short, in this order:
 *
 *   MTP
 *   version = 1.1.0
 *   potential_name = MTP1m            optional, one word
 *   scaling = 1.95e-01                optional (1)
 *   species_count = 2
 *   potential_tag =                   optional, rest of the line
 *   radial_basis_type = RBChebyshev
 *       scaling = ...                 optional, multiplies the one above (MLIP does the same)
 *       min_dist = 0.9                Angstrom
 *       max_dist = 5                  Angstrom
 *       radial_basis_size = 8
 *       radial_funcs_count = 2
 *       radial_coeffs                 optional: species_count^2 blocks `i-j` (i, j in order),
 *           0-0                       each with radial_funcs_count rows {c_0, ..., c_nrb-1}
 *               {..., ...}
 *   alpha_moments_count = 8
 *   alpha_index_basic_count = 5
 *   alpha_index_basic = {{mu, a, b, c}, ...}
 *   alpha_index_times_count = 5
 *   alpha_index_times = {{i, j, mult, k}, ...}
 *   alpha_scalar_moments = 5
 *   alpha_moment_mapping = {0, 4, 5, 6, 7}
 *   species_coeffs = {...}            optional, eV (with moment_coeffs)
 *   moment_coeffs = {...}             eV
 *
 * As in MLIP, whitespace (tabs, indentation, line breaks, CRLF line ends) between the tokens does
 * not matter, except that potential_name and potential_tag are read from their own line. A file
 * without radial_coeffs or species_coeffs is untrained: has_radial / has_linear are 0 and the
 * arrays hold MLIP's defaults (mtp_pot_coeffs_default).
 *
 * Ownership: the potential is caller-owned (mtp_pot_init'ed); the reader releases it and fills it
 * anew. The stream is borrowed.
 * Thread safety: distinct streams and potentials may be used from distinct threads.
 * Errors: CORE_EINPUT with `name:line: what` for bad input (and a potential that mtp_pot_check
 * rejects), CORE_EIO for read errors, CORE_ENOMEM. Nothing is printed.
 */
#ifndef FPMS_MTP_FILE_H
#define FPMS_MTP_FILE_H

#include <stdio.h>

#include "../lib/core/core.h"
#include "../lib/mtp/mtp.h"
#include "stream.h"

/*
 * Reads one potential, the whole of in (only whitespace may follow moment_coeffs), into pot.
 * Numbers must be finite; counts must agree with the lists; the potential must pass
 * mtp_pot_check. Only RBChebyshev is supported (MLIP's other radial bases are refused by name).
 * On error pot is released (empty) and err says where and what.
 */
int mtp_file_read(struct stream_in *in, struct mtp_pot *pot, struct core_err *err);

/*
 * Writes pot in MLIP's layout, numbers with 17 significant digits (%.16e; MLIP writes 16, which
 * does not always round-trip), so that mtp_file_read gives back an identical potential. The
 * coefficient blocks are written only when pot has them (has_radial, has_linear), so an untrained
 * file stays untrained. `scaling` is written only when it is not 1 (as MLIP). Ends with a
 * newline. CORE_EINPUT for a potential mtp_pot_check rejects, CORE_EIO when writing fails,
 * CORE_ENOMEM.
 */
int mtp_file_write(FILE *fp, const struct mtp_pot *pot, struct core_err *err);

#endif
