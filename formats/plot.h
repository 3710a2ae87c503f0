/*
 * plot: PNG plots drawn by gnuplot, all or nothing, for any tool with a --plot option
 * (kappa-gk's running integral; md-run's stress-strain curve, fe-solve's fields likewise).
 *
 * The caller gives the data as a struct table and the gnuplot commands that draw it:
 *
 *   struct plot pl;
 *   plot_open(&pl, "k.png", err);              // the PNG's temporary beside k.png
 *   plot_render(&pl, &data, script, 900, 600, err);
 *   ...                                        // other outputs, all to temporaries
 *   plot_commit(&pl, err);                     // rename into place; or plot_abort(&pl)
 *
 * plot_render writes the table (table_write) and the script to temporary files beside the PNG
 * and runs `gnuplot -c SCRIPT PNG DATA` with fork and execvp: no shell, so no file name is
 * ever parsed as a command, and none needs quoting, since the script refers to them only as
 * gnuplot's string arguments ARG1 (the PNG, set as output before the caller's commands) and
 * ARG2 (the data): `plot ARG2 using 1:2 with lines`. The terminal is pngcairo; the script
 * must not set terminal or output. gnuplot's own output goes to stderr, never stdout; its
 * stdin is /dev/null.
 *
 * Ownership: struct plot is caller-owned (stack); every plot_open is followed by plot_commit
 * or plot_abort. data and script are borrowed. Not thread safe per object; plot_render forks,
 * so call it from the thread that drives the run.
 * Errors: CORE_EIO with `path: what` from plot_open and plot_commit; from plot_render
 * CORE_EIO with `gnuplot is not on PATH (Debian: apt install gnuplot-nox)`, `gnuplot failed
 * (exit status N)` (-1: killed by a signal), or `fork: ...`; table_write's errors for the
 * data (CORE_EINPUT for NaN); CORE_ENOMEM. The messages do not name the option, so a tool
 * prefixes its own (`--plot: gnuplot failed ...`).
 */
#ifndef FPMS_PLOT_H
#define FPMS_PLOT_H

#include "../lib/core/core.h"
#include "stream.h"
#include "table.h"

struct plot {
    char path[STREAM_NAMELEN];     /* the PNG to publish */
    char tmp[STREAM_NAMELEN + 16]; /* `path.tmpXXXXXX`, drawn into; "" when there is none */
};

/* Creates the PNG's temporary beside path (mode 0666 & ~umask, like stream_out). CORE_EIO
 * `path: strerror` when the directory is not writable; CORE_EINPUT for a path too long. */
int plot_open(struct plot *pl, const char *path, struct core_err *err);

/*
 * Draws data with script into the temporary, on a width x height pixel canvas. The data and
 * script files are removed again whatever happens. Returns CORE_OK when gnuplot exited 0 and
 * wrote a non-empty file; errors as above (the temporary is kept for plot_abort).
 */
int plot_render(struct plot *pl, const struct table *data, const char *script, int width,
                int height, struct core_err *err);

/* Renames the drawn PNG over path. CORE_EIO `path: strerror` (the temporary is removed). */
int plot_commit(struct plot *pl, struct core_err *err);

/* Removes the temporary, if any. Safe after plot_commit (then a no-op). */
void plot_abort(struct plot *pl);

#endif
