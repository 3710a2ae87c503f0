/*
 * mtpset: a labelled set for fitting or judging a moment tensor potential, read from a file of
 * configurations (extxyz or MLIP .cfg, formats/config) into the view lib/mtp fits
 * (struct mtp_fit_conf), each configuration with the file line it starts on, so every message
 * can name it.
 *
 * Units: as the file's (Angstrom, eV, eV/Angstrom); a stress without a virial (extxyz, ASE's
 * sign, eV/Angstrom^3) becomes the virial W = -stress * volume (eV, MLIP's PlusStress).
 * Ownership: struct mtpset owns its frames and arrays (mtpset_release frees them; the conf
 * views point into them); name is borrowed. Errors: CORE_EINPUT `path:line: what` (an element
 * not in the species map, a missing energy or forces where the weights need them, no
 * configurations) and the readers' errors; CORE_ENOMEM.
 */
#ifndef FPMS_MTPSET_H
#define FPMS_MTPSET_H

#include "../lib/core/core.h"
#include "../lib/mtp/mtp.h"

struct mtpset {
    const char *name;          /* the path read */
    struct core_frame *f;      /* n frames as read */
    long *line;                /* n: each frame's first line */
    int *type;                 /* all atoms, frame after frame: types of the species map */
    struct mtp_fit_conf *conf; /* n views of the frames */
    size_t n;
};

/*
 * Reads every configuration of path into s (zeroed first), types by map; an energy is needed
 * when fo->wenergy > 0 and forces when fo->wforce > 0. On error s holds what was read and is
 * released by mtpset_release as always.
 */
int mtpset_read(struct mtpset *s, const char *path, const struct core_species_map *map,
                const struct mtp_fit_opts *fo, struct core_err *err);

/* Frees what s holds and zeroes it; a zeroed set is a no-op. */
void mtpset_release(struct mtpset *s);

#endif
