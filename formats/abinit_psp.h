/*
 * abinit_psp: reader of ABINIT's pseudopotential files of the analytic Goedecker-Teter-Hutter
 * kind, pspcod 2 (GTH 1996), 3 (HGH 1998, diagonal h) and 10 (HGH with the full h matrices, as
 * CP2K's GTH_POTENTIALS has them); Debian's abinit-data ships examples in /usr/share/abinit/psp
 * (14si.pspgth, 14si.4.hgh, 14Si_pade-q4). The layout is described in formats/abinit_psp.md.
 *
 * The file is read as ABINIT reads it (Fortran list-directed records: each record starts on a
 * new line, may continue on the next ones, and ignores what follows its last number, such as the
 * labels "rloc, c1, c2, c3, c4"), and fills a struct dft_psp (lib/dft/dft.h) in Hartree atomic
 * units. pspcod 3 gives only the diagonal of h; the off-diagonal elements follow from HGH 1998,
 * eqs. 18-20 (C. Hartwigsen, S. Goedecker, J. Hutter, Phys. Rev. B 58, 3641 (1998),
 * doi:10.1103/PhysRevB.58.3641), as in ABINIT's psp3nl. A projector counts when its diagonal h
 * is at least 1e-8 Ha in magnitude (ABINIT's rule) for pspcod 2 and 3; pspcod 10 gives the counts.
 * Spin-orbit k coefficients are read and ignored. Numbers are parsed in the "C" locale; NaN and
 * Inf are rejected; errors say `file:line: what`.
 *
 * Ownership: no allocation; the stream is the caller's. Not thread safe per stream.
 */
#ifndef FPMS_ABINIT_PSP_H
#define FPMS_ABINIT_PSP_H

#include "../lib/core/core.h"
#include "../lib/dft/dft.h"
#include "stream.h"

/*
 * Reads one pseudopotential file from in (from its first line) into *psp: symbol and z from
 * zatom, zion, the local part and the nonlocal channels; name is the last component of the
 * stream's name (truncated to 63 bytes). *pspxc (may be NULL) gets the file's pspxc, ABINIT's ixc
 * of the functional it was made for (1: Teter Pade LDA; 11: PBE; negative: libxc ids). Lines after
 * the potential (ABINIT's optional rcutoff line, NLCC data) are not read.
 * CORE_EINPUT with `file:line: what` for a missing or malformed number, a count out of range,
 * zatom not an element, zion outside (0, zatom], a pspcod other than 2, 3 and 10, a third d
 * projector in pspcod 3 (ABINIT refuses it too), or a potential that dft_psp_check rejects;
 * CORE_EIO for a read error.
 */
int abinit_psp_read(struct stream_in *in, struct dft_psp *psp, int *pspxc, struct core_err *err);

#endif
