/*
 * hflux: heat-current series, the input of a Green-Kubo analysis (kappa-gk). Spec:
 * formats/hflux.md.
 *
 * A series is a table (formats/table.h) with three columns of the volume-integrated heat
 * current J in eV*Angstrom/ps, as md-run writes it and as LAMMPS `fix ave/time` writes
 * `compute heat/flux` in metal units:
 *
 *   # volume = 1000 A^3            <- optional keys: the cell volume, the in-plane area of
 *   # area = 100 A^2                  a sheet's cell, and the temperature
 *   # temperature = 300 K
 *   #  time[ps]  Jx[eV*A/ps]  Jy[eV*A/ps]  Jz[eV*A/ps]
 *   0      1.25  -0.5  0.125
 *   0.005  1.5   -0.25 0.25
 *
 * The current columns are, in this order of preference: the three names of hflux_opts.columns;
 * Jx Jy Jz (unit eV*A/ps, one of its spellings, or none); LAMMPS c_ID[1] c_ID[2] c_ID[3]. The
 * sampling interval comes from a column `time` (ps, fs or ns), from a step count (`TimeStep`,
 * `step`) times hflux_opts.dt, or from hflux_opts.dt alone; it must be uniform to 0.1 %.
 *
 * Ownership: struct hflux_series owns j (hflux_series_release); the stream, the options and
 * the FILE are borrowed. Thread safety: no global state.
 * Errors: CORE_EINPUT with `name:line: what` (the header's line for a missing or misnamed
 * column, the row's line for a non-uniform step; the name alone for a bad metadata value and
 * too few rows); the reader's errors from table_read; CORE_EIO; CORE_ENOMEM. Messages name the
 * options `--columns` and `--dt`, the command-line spelling of hflux_opts.columns and .dt.
 */
#ifndef FPMS_HFLUX_H
#define FPMS_HFLUX_H

#include <stddef.h>
#include <stdio.h>

#include "../lib/core/core.h"
#include "stream.h"
#include "table.h"

#define HFLUX_MINSEG 16 /* rows needed per segment (lib/gk's shortest useful series) */

struct hflux_opts {
    const char *columns; /* "X,Y,Z": the three current columns by name; NULL: Jx Jy Jz, else
                            LAMMPS c_ID[1] c_ID[2] c_ID[3] */
    double dt;   /* ps: the sampling interval of a table without a time column, or the MD step
                    of one counted in steps (TimeStep, step); 0: not given. With a time column,
                    a dt > 0 is an error (it would be ignored). */
    size_t nseg; /* the series will be cut into nseg segments: fewer than HFLUX_MINSEG rows per
                    segment is an error; 0 counts as 1 */
};

struct hflux_series {
    char name[STREAM_NAMELEN]; /* the input's name, for messages */
    double *j;                 /* n x 3, j[3*i + a], eV*Angstrom/ps; owned */
    size_t n;                  /* samples */
    double dt;                 /* sampling interval, ps */
    double volume;             /* Angstrom^3, from `# volume = V A^3`; 0 when absent */
    double area; /* Angstrom^2, from `# area = A A^2`: the in-plane area |a x b| of a sheet's
                    cell (not periodic along its third vector); 0 when absent */
    double temp; /* K, from `# temperature = T K`; 0 when absent */
};

/* Zeroes s (an empty series). */
void hflux_series_init(struct hflux_series *s);

/* Frees what s holds and zeroes it. */
void hflux_series_release(struct hflux_series *s);

/*
 * Reads one series from in (to its end) into s, which must be initialised (hflux_series_init,
 * or zeroed) and is released first. The metadata values are
 * `value` or `value unit` with the unit A^3 or K and must be positive. Returns CORE_OK or an
 * error as above; on error s holds no samples (its name stays).
 */
int hflux_read(struct stream_in *in, const struct hflux_opts *o, struct hflux_series *s,
               struct core_err *err);

/*
 * Writer, one sample at a time (md-run during a run, kappa-gk --synth): after the caller's
 * metadata (table_write_meta: `volume` in A^3, `area` in A^2 and `temperature` in K as the
 * reader takes them,
 * and anything else), hflux_write_header writes the column line `time[ps] Jx Jy Jz` (J in
 * eV*A/ps) and hflux_write_sample one row, time in ps and j[0..2] in eV*A/ps, with the exact
 * round trip of table_write_row. CORE_EINPUT for NaN or Inf; CORE_EIO on a write error.
 */
int hflux_write_header(FILE *fp, struct core_err *err);

int hflux_write_sample(FILE *fp, double time, const double j[3], struct core_err *err);

#endif
