/*
 * mtpfitout: what mtp-fit writes besides the potential. The error report as a table
 * (fpms-table(5): one row per set, MLIP's max, mean absolute and RMS errors and the loss; `#`
 * lines name the sets and how the iteration count was chosen) and the loss history with the
 * gnuplot script that draws it (formats/plot). See mtpfitout.md.
 *
 * Units: eV/atom, eV/Angstrom, eV (the virial), the loss as MLIP's (dimensionless).
 * Errors: CORE_EINPUT (a NaN in a row), CORE_EIO, CORE_ENOMEM; CORE_EINTERNAL for a script that
 * does not fit the caller's buffer.
 * Ownership: the caller's table and buffers.
 */
#ifndef FPMS_MTPFITOUT_H
#define FPMS_MTPFITOUT_H

#include <stdio.h>

#include "../lib/mtp/mtp.h"
#include "table.h"

/*
 * The error table: st[0 .. nst) with the names of the sets (`train valid holdout`); evaluated:
 * the potential's file when it was evaluated, not fitted (mtp-fit --evaluate; NULL: fitted, and
 * res is read); res[best] and, with hold, the best held-out iteration; with nstarts > 1 each
 * start's result; with cv > 0 the folds, the chosen count and its cross-validation loss; seed when
 * any of these used it.
 */
int mtpfitout_errors_write(FILE *fp, const struct mtp_fit_stats *st, size_t nst, const char *names,
                           const char *evaluated, const struct mtp_fit_result *res, int hold,
                           int nstarts, int best, unsigned long seed, int cv, struct core_err *err);

/*
 * The errors per configuration (mtp-fit --errors-by-config): one row per configuration of each
 * of nset sets (names: their names, for the `sets` line), columns set (from 0, in that order),
 * conf (from 1, file order), line (its first line in its file), natoms, de
 * (eV/atom, signed), f_rms, f_max (eV/Angstrom), s_rms (eV), f_share (its part of the set's
 * squared force error, sum 1 over a set with forces), loss (its term), held_out (1 for the
 * configurations of set 0 flagged in held[n[0]], held out of the fit; 0 everywhere when held is
 * NULL) and dmin_ratio (dmin_ratio[k][i], mtp_fit_extrapolation's: below 1 where the potential
 * extrapolates; finite: a pair absent within rcut counts as at rcut) and dmin (dmin[k][i],
 * Angstrom: its closest pair of any species, rcut when none is within rcut). Set k has n[k]
 * configurations conf[k], line[k] and errors ce[k].
 */
int mtpfitout_conf_errors_write(FILE *fp, const char *names, size_t nset, const size_t *n,
                                const struct mtp_fit_conf *const *conf, const long *const *line,
                                const struct mtp_fit_conf_err *const *ce, const unsigned char *held,
                                const double *const *dmin_ratio, const double *const *dmin,
                                struct core_err *err);

/*
 * The parity plot (mtp-fit --parity): a table with columns set (from 0), kind (0: energy per atom,
 * eV/atom; 1: a force component, eV/Angstrom), label, model. mtpfitout_parity_init initialises
 * t; mtpfitout_parity_add appends set's rows for nconf configurations with the model's energies
 * e[nconf] (eV) and forces f (3 sum natoms, eV/Angstrom) where the labels have them.
 */
int mtpfitout_parity_init(struct table *t, struct core_err *err);
int mtpfitout_parity_add(struct table *t, int set, const struct mtp_fit_conf *conf, size_t nconf,
                         const double *e, const double *f, struct core_err *err);

/*
 * The gnuplot commands that draw such a table (ARG2) as two panels, energy per atom and force
 * components, model against label with the line y = x, each set in its colour with its RMS
 * error in the key: sets are named by names[nset] (at most 3). CORE_EINPUT for a table with
 * nothing to draw; CORE_EINTERNAL when sz is too small.
 */
int mtpfitout_parity_script(char *script, size_t sz, const struct table *t, const char *title,
                            size_t nset, const char *const *names, struct core_err *err);

/* The history's columns: start (from 1), phase (1: the whole-set fit after cross-validation),
 * iteration, loss, held_out (0 where there is none). t is initialised here. */
int mtpfitout_history_init(struct table *t, struct core_err *err);

/*
 * The gnuplot commands (formats/plot: ARG2 is the history) that draw start's training loss,
 * with marker its held-out or (cv) cross-validation loss and a line at best_iter, with cv the
 * whole-set fit's loss, log scale, under title; into script (n bytes). CORE_EINPUT for a history
 * without a row of start; CORE_EINTERNAL when n is too small.
 */
int mtpfitout_plot_script(char *script, size_t n, const struct table *hist, const char *title,
                          int start, int best_iter, int marker, int cv, struct core_err *err);

#endif
