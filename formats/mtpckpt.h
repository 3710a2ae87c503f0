/*
 * mtpckpt: the checkpoint of an mtp-fit run (struct mtp_fit_state), from which a restarted fit
 * continues bit for bit. Text, every real a C99 hexadecimal float (%a: exact; strtod and
 * Python's float.fromhex read it):
 *
 *   fpms-mtp-fit-checkpoint 1
 *   setup TEXT                          the options and sets the state belongs to (the tool's)
 *   phase 0                             1: the whole-set fit after cross-validation
 *   iter 30                             iterations done in the phase
 *   nparams 146                         coefficients of one fit
 *   scaling 0x1.5p-4                    the radial scaling they go with
 *   result NITER BEST_ITER BEST_LOSS LOSS STOPPED CV_ITERS    struct mtp_fit_result so far
 *   fits 5                              then per fit two lines:
 *   fit LAMBDA LOSS HOLD_LOSS RUNNING   damping, training and held-out loss (nan: none), 0 or 1
 *   coeffs NPARAMS reals                radial | species | moment, mtp_fit_normal's order
 *   best NPARAMS reals                  or `best none`: the best held-out iterate
 *   end
 *
 * It holds the state of the fit, not its data or options: the setup line lets the tool refuse a
 * checkpoint of another fit. Written and read in the "C" locale.
 * Errors: CORE_EINPUT `name:line: what` for anything malformed or truncated, CORE_EIO,
 * CORE_ENOMEM.
 * Ownership: struct mtpckpt owns its state's arrays (mtpckpt_release).
 */
#ifndef FPMS_MTPCKPT_H
#define FPMS_MTPCKPT_H

#include <stdio.h>

#include "../lib/mtp/mtp.h"
#include "stream.h"

#define MTPCKPT_SETUPLEN 1024

struct mtpckpt {
    char setup[MTPCKPT_SETUPLEN];
    struct mtp_fit_state st; /* fit and best point into mem */
    double *mem;
};

/* Writes st with the setup line (one line of text, no newline) to fp. */
int mtpckpt_write(FILE *fp, const char *setup, const struct mtp_fit_state *st,
                  struct core_err *err);

/* Reads a checkpoint into ck (released first by the caller, or zeroed). */
int mtpckpt_read(struct stream_in *in, struct mtpckpt *ck, struct core_err *err);

void mtpckpt_release(struct mtpckpt *ck);

/*
 * Checks that ck was written by the fit whose setup line is setup (path names the file in the
 * message): CORE_EINPUT `path: a checkpoint of another fit: written with 'KEY VALUE', this fit
 * has 'KEY VALUE'`, naming the first setting that differs.
 */
int mtpckpt_setup_check(const struct mtpckpt *ck, const char *setup, const char *path,
                        struct core_err *err);

#endif
