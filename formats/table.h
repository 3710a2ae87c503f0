/*
 * table: plain-text tables of numbers (thermo output, heat flux, stress-strain, kappa,
 * effective properties), as gnuplot, awk and numpy.loadtxt read them. Spec: formats/table.md,
 * man/fpms-table.5.
 *
 *   # seed = 7                       <- metadata: `# key = value`, anywhere
 *   # thickness = 3.35 A
 *   #   time[ps]   temp[K]   pxx[GPa]  <- the LAST `#` line before the first data row that is
 *   0.001  300.5  -0.25                   not metadata names the columns: name[unit] or name
 *   0.002  301.25 -0.125              <- rows: whitespace-separated decimal numbers
 *
 * Lines are data rows, comments (first non-blank character `#`) or blank (skipped). A `#`
 * inside a data row starts a trailing comment. Column names and units contain no white space
 * (the reader also accepts white space inside brackets, `kappa[W/(m K)]`, which the writer
 * refuses because gnuplot's columnheader would split it).
 *
 * Reader: table_read fills a struct table and records the input line of the header and of
 * every row (row_line), so a caller that finds a problem in the values later can still say
 * `name:line: what` without reading the input again.
 *
 * Writer: table_write_meta, table_write_header, then table_write_row per row (or table_write
 * for a whole struct table, read or built in memory with table_col_add, table_row_add and
 * table_meta_set). Columns are right-aligned in fields of TABLE_WIDTH characters;
 * numbers are written with the fewest of 15, 16 or 17 significant digits that read back to the
 * same double (exact round trip). NaN and Inf are refused, since no reader should meet them.
 *
 * Numbers are written and parsed in the "C" locale whatever the process locale (uselocale for
 * the duration of a call).
 *
 * Ownership: struct table is caller-owned (table_init, table_release); it owns all its arrays.
 * The FILE and stream are borrowed. Thread safety: no global state.
 * Errors: CORE_EINPUT with `name:line: what` for bad input (a row with the wrong number of
 * columns, a field that is not a decimal number, NaN or Inf, data before any header, a bad
 * header) and for values the writer refuses; CORE_EIO for read or write errors; CORE_ENOMEM.
 */
#ifndef FPMS_TABLE_H
#define FPMS_TABLE_H

#include <stdio.h>

#include "../lib/core/core.h"
#include "stream.h"

#define TABLE_NAMELEN 64 /* a column name, with its NUL */
#define TABLE_UNITLEN 32 /* a unit, with its NUL */
#define TABLE_WIDTH   24 /* field width of written columns: fits any %.17g number */

struct table {
    size_t ncols;
    size_t nrows;
    char (*name)[TABLE_NAMELEN]; /* ncols column names */
    char (*unit)[TABLE_UNITLEN]; /* ncols units; "" when the header gives none */
    double *data;                /* nrows * ncols values, row-major: data[irow * ncols + icol] */
    struct core_info *meta;      /* `# key = value` lines, in the order read (value owned) */
    size_t nmeta;
    long *row_line;   /* nrows input line numbers (1-based) of the rows as read; 0 for rows
                         added by table_row_add */
    long header_line; /* input line of the header; 0 when the table was not read */
    size_t rowcap;    /* rows allocated in data and row_line */
};

/* Zeroes t (an empty table). */
void table_init(struct table *t);

/* Frees everything t holds and zeroes it. */
void table_release(struct table *t);

/*
 * Reads a whole table from in into t (released first). A table with a header and no rows is
 * valid (nrows = 0). Returns CORE_OK; CORE_EINPUT (`name:line: what`) for no header, a bad
 * header (empty name, unbalanced brackets, name or unit too long), a row whose column count
 * differs from the header's, a field that is not a decimal number, NaN or Inf, or a number
 * out of double range; CORE_EIO; CORE_ENOMEM. On error t is released.
 */
int table_read(struct stream_in *in, struct table *t, struct core_err *err);

/*
 * Index of the column called name, or -1. name may also be `name[unit]`, which matches only
 * when the unit agrees too (`table_col(t, "temp[K]")`). The first match wins.
 */
int table_col(const struct table *t, const char *name);

/* Value of metadata key (the last line that sets it), borrowed from t; NULL when absent. */
const char *table_meta_get(const struct table *t, const char *key);

/*
 * Writes `# key = value` with value formatted from fmt (printf). key is a letter or `_`
 * followed by letters, digits, `_`, `.` or `-`; the value is one line. CORE_EINPUT for a bad
 * key or a value with a newline; CORE_EIO on a write error.
 */
int table_write_meta(FILE *fp, struct core_err *err, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Writes the header line naming ncols columns: names[i] with units[i] in brackets, or bare
 * when units is NULL or units[i] is NULL or "". CORE_EINPUT for ncols 0, an empty, duplicate
 * or too long name, a too long unit, or white space, `#`, `[`, `]` or `=` in a name or unit.
 */
int table_write_header(FILE *fp, size_t ncols, const char *const *names, const char *const *units,
                       struct core_err *err);

/*
 * Writes one row of ncols values (as many as the header names). CORE_EINPUT for NaN or Inf
 * (nothing is written then); CORE_EIO on a write error.
 */
int table_write_row(FILE *fp, size_t ncols, const double *row, struct core_err *err);

/* Writes all of t: its metadata, header and rows. Errors as the three functions above. */
int table_write(FILE *fp, const struct table *t, struct core_err *err);

/* ---- building a table in memory (then table_write) ---- */

/*
 * Appends a column called name with unit (NULL or "": none). Only before the first row.
 * CORE_EINPUT for an empty name, a name or unit too long for TABLE_NAMELEN/TABLE_UNITLEN, or a
 * table that has rows; CORE_ENOMEM. What the header cannot carry (white space, `#`, a repeated
 * name) is refused by table_write.
 */
int table_col_add(struct table *t, const char *name, const char *unit, struct core_err *err);

/* Appends a row: t->ncols values copied from row (row_line 0). CORE_EINPUT when t has no
 * columns; CORE_ENOMEM. NaN and Inf are kept here and refused by table_write. */
int table_row_add(struct table *t, const double *row, struct core_err *err);

/*
 * Sets metadata key to the value formatted from fmt (printf, in the "C" locale): the last
 * entry of key is replaced in place, else a new one is appended, so keys are written in the
 * order first set. CORE_EINPUT for a bad key (as table_write_meta) or a value with a line
 * break; CORE_ENOMEM.
 */
int table_meta_set(struct table *t, struct core_err *err, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
