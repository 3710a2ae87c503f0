/*
 * hflux: heat-current series as tables. See hflux.h, hflux.md.
 */
#include "hflux.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void
hflux_series_init(struct hflux_series *s)
{
    memset(s, 0, sizeof *s);
}

void
hflux_series_release(struct hflux_series *s)
{
    free(s->j);
    hflux_series_init(s);
}

/* `value [unit]` of a metadata key, in the given unit (or bare); 0 when absent. The key's own
 * line is not kept by struct table, so the message names the input only. */
static int
meta_number(const struct table *t, const char *key, const char *unit, const char *name, double *out,
            struct core_err *err)
{
    const char *v = table_meta_get(t, key);
    char *end;

    *out = 0.0;
    if (!v)
        return CORE_OK;
    errno = 0;
    *out = strtod(v, &end);
    while (*end == ' ')
        end++;
    if (end == v || errno || !(*out > 0.0) || !isfinite(*out) || (*end && strcmp(end, unit)))
        return core_err_set(err, CORE_EINPUT, "%s: `%s = %s`: expected a positive number in %s",
                            name, key, v, unit);
    return CORE_OK;
}

static int
j_unit_ok(const char *u)
{
    static const char *const ok[] = {"",        "eV*A/ps", "eV*Ang/ps",
                                     "eV.A/ps", "eVA/ps",  "eV*Angstrom/ps"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!strcmp(u, ok[i]))
            return 1;
    return 0;
}

/* Finds the three current columns: columns, Jx Jy Jz, or LAMMPS c_ID[1] c_ID[2] c_ID[3]. */
static int
find_j(const struct table *t, const char *columns, int col[3], const char *where,
       struct core_err *err)
{
    if (columns) {
        char buf[3 * TABLE_NAMELEN + 8], *save = NULL, *tok;
        int k = 0;
        snprintf(buf, sizeof buf, "%s", columns);
        for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if (k == 3 || (col[k] = table_col(t, tok)) < 0)
                return core_err_set(err, CORE_EINPUT,
                                    k == 3 ? "%s: --columns '%s': give three names"
                                           : "%s: no column '%s' (--columns)",
                                    where, k == 3 ? columns : tok);
            k++;
        }
        if (k != 3)
            return core_err_set(err, CORE_EINPUT, "%s: --columns '%s': give three names", where,
                                columns);
        return CORE_OK;
    }
    col[0] = table_col(t, "Jx"), col[1] = table_col(t, "Jy"), col[2] = table_col(t, "Jz");
    if (col[0] >= 0 && col[1] >= 0 && col[2] >= 0) {
        for (int a = 0; a < 3; a++)
            if (!j_unit_ok(t->unit[col[a]]))
                return core_err_set(err, CORE_EINPUT,
                                    "%s: column %s is in '%s': kappa-gk reads eV*A/ps", where,
                                    t->name[col[a]], t->unit[col[a]]);
        return CORE_OK;
    }
    for (size_t i = 0; i < t->ncols; i++) {
        char want[TABLE_NAMELEN + 8];
        if (strncmp(t->name[i], "c_", 2) || strcmp(t->unit[i], "1"))
            continue;
        col[0] = (int)i;
        snprintf(want, sizeof want, "%s[2]", t->name[i]);
        col[1] = table_col(t, want);
        snprintf(want, sizeof want, "%s[3]", t->name[i]);
        col[2] = table_col(t, want);
        if (col[1] >= 0 && col[2] >= 0)
            return CORE_OK; /* LAMMPS metal units: eV A/ps, compute heat/flux's own */
    }
    return core_err_set(err, CORE_EINPUT,
                        "%s: no heat-current columns: expected Jx Jy Jz, LAMMPS c_ID[1] c_ID[2] "
                        "c_ID[3], or names given with --columns",
                        where);
}

/* The time column and its scale to ps (*tcol -1: none, the interval is o->dt). */
static int
find_time(const struct table *t, const struct hflux_opts *o, const char *name, const char *where,
          int *tcol, double *tscale, struct core_err *err)
{
    *tscale = 1.0;
    if ((*tcol = table_col(t, "time")) >= 0) {
        char q[TABLE_UNITLEN + 2];
        snprintf(q, sizeof q, "1%s", t->unit[*tcol]);
        if (core_quantity_parse(q, CORE_DIM_TIME, tscale, err))
            return core_err_set(err, CORE_EINPUT, "%s: column time is in '%s', not ps, fs or ns",
                                where, t->unit[*tcol]);
        if (o->dt > 0.0)
            return core_err_set(err, CORE_EINPUT,
                                "%s: the input has a time column; --dt is for input without one "
                                "or counted in steps",
                                name);
        return CORE_OK;
    }
    if ((*tcol = table_col(t, "TimeStep")) >= 0 || (*tcol = table_col(t, "step")) >= 0) {
        *tscale = o->dt;
        if (!(o->dt > 0.0))
            return core_err_set(err, CORE_EINPUT,
                                "%s: time counted in steps (%s): give the MD time step with --dt",
                                where, t->name[*tcol]);
        return CORE_OK;
    }
    if (!(o->dt > 0.0))
        return core_err_set(err, CORE_EINPUT,
                            "%s: no time column (time[ps], TimeStep or step): give --dt", where);
    return CORE_OK;
}

int
hflux_read(struct stream_in *in, const struct hflux_opts *o, struct hflux_series *s,
           struct core_err *err)
{
    struct table t;
    int col[3], tcol, rc;
    double tscale;
    size_t nseg = o->nseg ? o->nseg : 1;
    char where[STREAM_NAMELEN + 24];

    hflux_series_release(s);
    table_init(&t);
    snprintf(s->name, sizeof s->name, "%s", in->name);
    if ((rc = table_read(in, &t, err)))
        goto out;
    snprintf(where, sizeof where, "%s:%ld", s->name, t.header_line);
    if ((rc = find_j(&t, o->columns, col, where, err)) ||
        (rc = meta_number(&t, "volume", "A^3", s->name, &s->volume, err)) ||
        (rc = meta_number(&t, "area", "A^2", s->name, &s->area, err)) ||
        (rc = meta_number(&t, "temperature", "K", s->name, &s->temp, err)) ||
        (rc = find_time(&t, o, s->name, where, &tcol, &tscale, err)))
        goto out;
    if (t.nrows / nseg < HFLUX_MINSEG) {
        rc = core_err_set(err, CORE_EINPUT, "%s: %zu rows: at least %d per segment are needed",
                          s->name, t.nrows, HFLUX_MINSEG);
        goto out;
    }
    s->n = t.nrows;
    s->dt = o->dt;
    if (tcol >= 0) {
        /* every step within 0.1 % of the first one: a missing or repeated row shows */
        double d1 = t.data[t.ncols + tcol] - t.data[tcol];
        for (size_t i = 1; i < t.nrows; i++) {
            double di = t.data[i * t.ncols + tcol] - t.data[(i - 1) * t.ncols + tcol];
            if (!(d1 > 0.0) || fabs(di - d1) > 1e-3 * d1) {
                rc = core_err_set(err, CORE_EINPUT,
                                  "%s:%ld: %s %.10g: a step of %.6g after the previous row, not "
                                  "%.6g: sampling must be uniform (a missing, repeated or "
                                  "reordered row?)",
                                  s->name, t.row_line[i], t.name[tcol], t.data[i * t.ncols + tcol],
                                  di, d1);
                goto out;
            }
        }
        s->dt = (t.data[(t.nrows - 1) * t.ncols + tcol] - t.data[tcol]) / (double)(t.nrows - 1) *
                tscale;
    }
    s->j = malloc(3 * s->n * sizeof *s->j);
    if (!s->j) {
        rc = core_err_set(err, CORE_ENOMEM, "%s: out of memory for %zu rows", s->name, s->n);
        goto out;
    }
    for (size_t i = 0; i < s->n; i++)
        for (int a = 0; a < 3; a++)
            s->j[3 * i + a] = t.data[i * t.ncols + (size_t)col[a]];
out:
    table_release(&t);
    if (rc) {
        char name[STREAM_NAMELEN];
        memcpy(name, s->name, sizeof name);
        hflux_series_release(s);
        memcpy(s->name, name, sizeof name); /* the name still says which input failed */
    }
    return rc;
}

int
hflux_write_header(FILE *fp, struct core_err *err)
{
    static const char *const names[] = {"time", "Jx", "Jy", "Jz"};
    static const char *const units[] = {"ps", "eV*A/ps", "eV*A/ps", "eV*A/ps"};
    return table_write_header(fp, 4, names, units, err);
}

int
hflux_write_sample(FILE *fp, double time, const double j[3], struct core_err *err)
{
    double row[4] = {time, j[0], j[1], j[2]};
    return table_write_row(fp, 4, row, err);
}
