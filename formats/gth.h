/*
 * gth: reader of CP2K's GTH_POTENTIALS format (Goedecker-Teter-Hutter and
 * Hartwigsen-Goedecker-Hutter pseudopotentials; Debian cp2k-data ships
 * /usr/share/cp2k/GTH_POTENTIALS). The format is described in formats/gth.md.
 *
 * The reader finds one entry by element symbol and potential name (or any alias on its header
 * line, compared without regard to case) and fills a struct dft_psp (lib/dft/dft.h) in Hartree
 * atomic units, as the file holds them. It reads through struct stream_in, so errors name the
 * file and line; numbers are parsed in the "C" locale and NaN or Inf is rejected.
 *
 * Ownership: no allocation; the stream is the caller's. Not thread safe per stream.
 */
#ifndef FPMS_GTH_H
#define FPMS_GTH_H

#include "../lib/core/core.h"
#include "../lib/dft/dft.h"
#include "stream.h"

/*
 * Reads from in until the entry `symbol name` (e.g. "Si", "GTH-PADE-q4") and parses it into
 * *psp. The stream is left after the entry. CORE_EINPUT with `file:line: what` for a malformed
 * entry, and `file: no potential 'Si GTH-PADE-q4'` when the entry is absent; CORE_EIO for a read
 * error.
 */
int gth_read(struct stream_in *in, const char *symbol, const char *name, struct dft_psp *psp,
             struct core_err *err);

/*
 * Parses "Si GTH-PADE-q4" (symbol, blanks, name) into its two words; CORE_EINPUT when it has not
 * exactly two words or a word is too long (symbol < 4, name < 64 bytes).
 */
int gth_spec_parse(const char *spec, char symbol[4], char name[64], struct core_err *err);

#endif
