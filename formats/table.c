/*
 * table: whitespace-separated tables with a `# name[unit] ...` header. See table.h, table.md.
 */
#include "table.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void
table_init(struct table *t)
{
    memset(t, 0, sizeof *t);
}

void
table_release(struct table *t)
{
    free(t->name);
    free(t->unit);
    free(t->data);
    free(t->row_line);
    for (size_t i = 0; i < t->nmeta; i++)
        free(t->meta[i].value);
    free(t->meta);
    table_init(t);
}

/* ---- reading ---- */

static int
is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int
is_key_start(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int
is_key_char(int c)
{
    return is_key_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/*
 * If body (a comment without its `#`) is `key = value`, returns 1 with the key copied into
 * key (truncation is an error: returns -1) and *value pointing at the trimmed value (its end
 * at *vend). Otherwise 0.
 */
static int
parse_meta(const char *body, char key[CORE_KEYLEN], const char **value, const char **vend)
{
    const char *p = body, *k;
    size_t n;

    while (is_blank((unsigned char)*p))
        p++;
    if (!is_key_start((unsigned char)*p))
        return 0;
    k = p;
    while (is_key_char((unsigned char)*p))
        p++;
    n = (size_t)(p - k);
    while (is_blank((unsigned char)*p))
        p++;
    if (*p != '=')
        return 0;
    if (n >= CORE_KEYLEN)
        return -1;
    memcpy(key, k, n);
    key[n] = '\0';
    p++;
    while (is_blank((unsigned char)*p))
        p++;
    *value = p;
    p += strlen(p);
    while (p > *value && is_blank((unsigned char)p[-1]))
        p--;
    *vend = p;
    return 1;
}

static int
add_meta(struct table *t, const char *key, const char *value, size_t len)
{
    struct core_info *m = realloc(t->meta, (t->nmeta + 1) * sizeof *m);
    char *v = malloc(len + 1);

    if (m)
        t->meta = m;
    if (!m || !v) {
        free(v);
        return CORE_ENOMEM;
    }
    memcpy(v, value, len);
    v[len] = '\0';
    memset(&m[t->nmeta], 0, sizeof m[t->nmeta]);
    snprintf(m[t->nmeta].key, sizeof m[t->nmeta].key, "%s", key);
    m[t->nmeta].value = v;
    t->nmeta++;
    return CORE_OK;
}

/* Parses the header text into t->name/unit; errors cite name:lineno. */
static int
parse_header(struct table *t, const char *text, const char *name, long lineno, struct core_err *err)
{
    const char *p = text;
    size_t cap = 0;

    for (;;) {
        const char *s, *lb = NULL, *rb = NULL;
        size_t icol = t->ncols + 1, nlen, ulen;

        while (is_blank((unsigned char)*p))
            p++;
        if (!*p)
            break;
        s = p;
        /* a token runs to white space outside brackets */
        while (*p && (lb && !rb ? 1 : !is_blank((unsigned char)*p))) {
            if (*p == '[') {
                if (lb)
                    return core_err_set(err, CORE_EINPUT, "%s:%ld: header column %zu: a second '['",
                                        name, lineno, icol);
                lb = p;
            } else if (*p == ']') {
                if (!lb || rb)
                    return core_err_set(err, CORE_EINPUT, "%s:%ld: header column %zu: stray ']'",
                                        name, lineno, icol);
                rb = p;
            } else if (rb) {
                return core_err_set(err, CORE_EINPUT,
                                    "%s:%ld: header column %zu: text after the unit", name, lineno,
                                    icol);
            }
            p++;
        }
        if (lb && !rb)
            return core_err_set(err, CORE_EINPUT, "%s:%ld: header column %zu: unterminated '['",
                                name, lineno, icol);
        nlen = (size_t)((lb ? lb : p) - s);
        ulen = lb ? (size_t)(rb - lb - 1) : 0;
        if (nlen == 0)
            return core_err_set(err, CORE_EINPUT, "%s:%ld: header column %zu: no name", name,
                                lineno, icol);
        if (nlen >= TABLE_NAMELEN)
            return core_err_set(err, CORE_EINPUT,
                                "%s:%ld: header column %zu: name longer than %d characters", name,
                                lineno, icol, TABLE_NAMELEN - 1);
        if (ulen >= TABLE_UNITLEN)
            return core_err_set(err, CORE_EINPUT,
                                "%s:%ld: header column %zu: unit longer than %d characters", name,
                                lineno, icol, TABLE_UNITLEN - 1);
        if (t->ncols == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            char(*nn)[TABLE_NAMELEN] = realloc(t->name, ncap * sizeof *nn);
            char(*nu)[TABLE_UNITLEN];
            if (!nn)
                return core_err_set(err, CORE_ENOMEM, "%s:%ld: out of memory", name, lineno);
            t->name = nn;
            nu = realloc(t->unit, ncap * sizeof *nu);
            if (!nu)
                return core_err_set(err, CORE_ENOMEM, "%s:%ld: out of memory", name, lineno);
            t->unit = nu;
            cap = ncap;
        }
        memcpy(t->name[t->ncols], s, nlen);
        t->name[t->ncols][nlen] = '\0';
        if (ulen)
            memcpy(t->unit[t->ncols], lb + 1, ulen);
        t->unit[t->ncols][ulen] = '\0';
        t->ncols++;
    }
    return CORE_OK;
}

/* Parses one field as a finite decimal number (no hex, NaN or Inf; underflow is fine). */
static int
parse_field(const char *s, size_t len, double *out)
{
    char buf[128], *end;
    double v;

    if (len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)buf[i];
        if (!(isdigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
            return 0; /* rules out nan, inf, 0x... and anything else strtod would take */
    }
    errno = 0;
    v = strtod(buf, &end);
    if (end == buf || *end != '\0' || !isfinite(v))
        return 0;
    if (errno == ERANGE && fabs(v) > 1.0)
        return 0; /* overflow; underflow to a subnormal or zero is a value */
    *out = v;
    return 1;
}

/* Room for one more row in data and row_line; CORE_ENOMEM (no message) when there is none. */
static int
grow_rows(struct table *t)
{
    size_t ncap = t->rowcap ? 2 * t->rowcap : 64;
    double *nd;
    long *nl;

    if (t->nrows < t->rowcap)
        return CORE_OK;
    nd = realloc(t->data, ncap * (t->ncols ? t->ncols : 1) * sizeof *nd);
    if (!nd)
        return CORE_ENOMEM;
    t->data = nd;
    nl = realloc(t->row_line, ncap * sizeof *nl);
    if (!nl)
        return CORE_ENOMEM;
    t->row_line = nl;
    t->rowcap = ncap;
    return CORE_OK;
}

static int
add_row(struct table *t, const char *line, const char *name, long lineno, const char *hdr_what,
        struct core_err *err)
{
    const char *p = line;
    size_t icol = 0;
    double *row;

    if (grow_rows(t))
        return core_err_set(err, CORE_ENOMEM, "%s:%ld: out of memory for %zu rows", name, lineno,
                            t->nrows + 1);
    row = t->data + t->nrows * t->ncols;
    for (;;) {
        const char *s;
        while (is_blank((unsigned char)*p))
            p++;
        if (!*p || *p == '#')
            break;
        s = p;
        while (*p && !is_blank((unsigned char)*p) && *p != '#')
            p++;
        if (icol < t->ncols && !parse_field(s, (size_t)(p - s), &row[icol])) {
            int n = (int)(p - s);
            return core_err_set(err, CORE_EINPUT,
                                "%s:%ld: column %zu (%s): '%.*s' is not a finite decimal number",
                                name, lineno, icol + 1, t->name[icol], n > 40 ? 40 : n, s);
        }
        icol++;
    }
    if (icol != t->ncols)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: %zu columns, but the header (%s) names %zu",
                            name, lineno, icol, hdr_what, t->ncols);
    t->row_line[t->nrows++] = lineno;
    return CORE_OK;
}

int
table_read(struct stream_in *in, struct table *t, struct core_err *err)
{
    struct stream_locale loc;
    char *header = NULL; /* the last comment line that is not metadata, pending */
    long header_line = 0;
    int have_header = 0, last_meta = 0, rc = CORE_OK;
    char hdr_what[32] = "";

    table_release(t);
    stream_locale_enter(&loc, "table", NULL);
    for (;;) {
        const char *line, *p, *value, *vend;
        char key[CORE_KEYLEN];
        int m;

        if ((rc = stream_getline(in, &line, err)))
            goto out;
        if (!line)
            break;
        p = line;
        while (is_blank((unsigned char)*p))
            p++;
        if (!*p)
            continue;
        if (*p == '#') {
            p++;
            m = parse_meta(p, key, &value, &vend);
            if (m < 0) {
                rc = core_err_set(err, CORE_EINPUT, "%s:%ld: metadata key longer than %d", in->name,
                                  in->lineno, CORE_KEYLEN - 1);
                goto out;
            }
            if (m) {
                if (add_meta(t, key, value, (size_t)(vend - value))) {
                    rc = core_err_set(err, CORE_ENOMEM, "%s:%ld: out of memory", in->name,
                                      in->lineno);
                    goto out;
                }
                last_meta = 1;
                continue;
            }
            while (is_blank((unsigned char)*p))
                p++;
            if (!*p || have_header)
                continue; /* a bare `#`, or a comment among the rows */
            free(header);
            header = malloc(strlen(p) + 1);
            if (!header) {
                rc = core_err_set(err, CORE_ENOMEM, "%s:%ld: out of memory", in->name, in->lineno);
                goto out;
            }
            strcpy(header, p);
            header_line = in->lineno;
            last_meta = 0;
            continue;
        }
        if (!have_header) {
            if (!header || last_meta) {
                rc = core_err_set(err, CORE_EINPUT,
                                  "%s:%ld: data before a header line naming the columns "
                                  "(`# name[unit] ...`)",
                                  in->name, in->lineno);
                goto out;
            }
            if ((rc = parse_header(t, header, in->name, header_line, err)))
                goto out;
            have_header = 1;
            t->header_line = header_line;
            snprintf(hdr_what, sizeof hdr_what, "line %ld", header_line);
        }
        if ((rc = add_row(t, line, in->name, in->lineno, hdr_what, err)))
            goto out;
    }
    if (!have_header) {
        if (!header || last_meta) {
            rc = core_err_set(err, CORE_EINPUT, "%s:%ld: no header line naming the columns",
                              in->name, in->lineno);
            goto out;
        }
        rc = parse_header(t, header, in->name, header_line, err);
        t->header_line = header_line;
    }
out:
    stream_locale_leave(&loc);
    free(header);
    if (rc)
        table_release(t);
    return rc;
}

int
table_col(const struct table *t, const char *name)
{
    const char *lb = strchr(name, '[');
    size_t nlen = lb ? (size_t)(lb - name) : strlen(name);

    for (size_t i = 0; i < t->ncols; i++) {
        if (strlen(t->name[i]) != nlen || strncmp(t->name[i], name, nlen) != 0)
            continue;
        if (lb) {
            size_t ulen = strlen(lb + 1);
            if (ulen == 0 || lb[ulen] != ']' || strlen(t->unit[i]) != ulen - 1 ||
                strncmp(t->unit[i], lb + 1, ulen - 1) != 0)
                continue;
        }
        return (int)i;
    }
    return -1;
}

const char *
table_meta_get(const struct table *t, const char *key)
{
    for (size_t i = t->nmeta; i-- > 0;)
        if (strcmp(t->meta[i].key, key) == 0)
            return t->meta[i].value;
    return NULL;
}

/* ---- writing ---- */

static int
write_failed(struct core_err *err)
{
    return core_err_set(err, CORE_EIO, "table: write error: %s", strerror(errno));
}

/* The fewest of 15, 16, 17 significant digits that read back to v. */
static void
format_real(char *buf, size_t cap, double v)
{
    snprintf(buf, cap, "%.15g", v);
    if (strtod(buf, NULL) != v) {
        snprintf(buf, cap, "%.16g", v);
        if (strtod(buf, NULL) != v)
            snprintf(buf, cap, "%.17g", v);
    }
}

int
table_write_meta(FILE *fp, struct core_err *err, const char *key, const char *fmt, ...)
{
    struct stream_locale loc;
    va_list ap;
    char *value;
    int n, rc = CORE_OK;

    if (!key || !is_key_start((unsigned char)key[0]) || strlen(key) >= CORE_KEYLEN)
        return core_err_set(err, CORE_EINPUT, "table: bad metadata key '%s'", key ? key : "");
    for (const char *p = key; *p; p++)
        if (!is_key_char((unsigned char)*p))
            return core_err_set(err, CORE_EINPUT, "table: bad metadata key '%s'", key);
    stream_locale_enter(&loc, "table", NULL);
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    value = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!value) {
        stream_locale_leave(&loc);
        return core_err_set(err, CORE_ENOMEM, "table: out of memory for metadata '%s'", key);
    }
    va_start(ap, fmt);
    vsnprintf(value, (size_t)n + 1, fmt, ap);
    va_end(ap);
    stream_locale_leave(&loc);
    if (strpbrk(value, "\n\r"))
        rc = core_err_set(err, CORE_EINPUT, "table: metadata '%s': value has a line break", key);
    else if (fprintf(fp, "# %s = %s\n", key, value) < 0)
        rc = write_failed(err);
    free(value);
    return rc;
}

/* A name or unit the header can carry: no white space, `#`, `[`, `]` or `=` (which would make
 * the header read as metadata). */
static int
bad_token(const char *s)
{
    for (; *s; s++)
        if (isspace((unsigned char)*s) || *s == '#' || *s == '[' || *s == ']' || *s == '=' ||
            (unsigned char)*s < 32)
            return 1;
    return 0;
}

int
table_write_header(FILE *fp, size_t ncols, const char *const *names, const char *const *units,
                   struct core_err *err)
{
    if (ncols == 0)
        return core_err_set(err, CORE_EINPUT, "table: a header needs at least one column");
    for (size_t i = 0; i < ncols; i++) {
        const char *u = units && units[i] ? units[i] : "";
        if (!names[i] || !names[i][0] || bad_token(names[i]))
            return core_err_set(err, CORE_EINPUT, "table: column %zu: bad name '%s'", i + 1,
                                names[i] ? names[i] : "");
        if (strlen(names[i]) >= TABLE_NAMELEN)
            return core_err_set(err, CORE_EINPUT,
                                "table: column %zu: name longer than %d characters", i + 1,
                                TABLE_NAMELEN - 1);
        if (bad_token(u))
            return core_err_set(err, CORE_EINPUT, "table: column %zu (%s): bad unit '%s'", i + 1,
                                names[i], u);
        if (strlen(u) >= TABLE_UNITLEN)
            return core_err_set(err, CORE_EINPUT,
                                "table: column %zu (%s): unit longer than %d characters", i + 1,
                                names[i], TABLE_UNITLEN - 1);
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return core_err_set(err, CORE_EINPUT,
                                    "table: column %zu: name '%s' already used by column %zu",
                                    i + 1, names[i], j + 1);
    }
    for (size_t i = 0; i < ncols; i++) {
        const char *u = units && units[i] ? units[i] : "";
        char tok[TABLE_NAMELEN + TABLE_UNITLEN + 2];
        int w = i == 0 ? TABLE_WIDTH - 1 : TABLE_WIDTH; /* the `#` takes the first place */
        snprintf(tok, sizeof tok, u[0] ? "%s[%s]" : "%s", names[i], u);
        if (fprintf(fp, i == 0 ? "#%*s" : " %*s", w, tok) < 0)
            return write_failed(err);
    }
    if (fputc('\n', fp) == EOF)
        return write_failed(err);
    return CORE_OK;
}

int
table_write_row(FILE *fp, size_t ncols, const double *row, struct core_err *err)
{
    struct stream_locale loc;
    int rc = CORE_OK;

    for (size_t i = 0; i < ncols; i++)
        if (!isfinite(row[i]))
            return core_err_set(err, CORE_EINPUT, "table: row column %zu is %g", i + 1, row[i]);
    stream_locale_enter(&loc, "table", NULL);
    for (size_t i = 0; i < ncols && rc == CORE_OK; i++) {
        char buf[40];
        format_real(buf, sizeof buf, row[i]);
        if (fprintf(fp, i == 0 ? "%*s" : " %*s", TABLE_WIDTH, buf) < 0)
            rc = write_failed(err);
    }
    stream_locale_leave(&loc);
    if (rc == CORE_OK && fputc('\n', fp) == EOF)
        rc = write_failed(err);
    return rc;
}

int
table_write(FILE *fp, const struct table *t, struct core_err *err)
{
    const char **names, **units;
    int rc = CORE_OK;

    for (size_t i = 0; i < t->nmeta && rc == CORE_OK; i++)
        rc = table_write_meta(fp, err, t->meta[i].key, "%s", t->meta[i].value);
    if (rc)
        return rc;
    names = malloc((t->ncols ? t->ncols : 1) * sizeof *names);
    units = malloc((t->ncols ? t->ncols : 1) * sizeof *units);
    if (!names || !units) {
        free(names);
        free(units);
        return core_err_set(err, CORE_ENOMEM, "table: out of memory");
    }
    for (size_t i = 0; i < t->ncols; i++) {
        names[i] = t->name[i];
        units[i] = t->unit[i];
    }
    rc = table_write_header(fp, t->ncols, names, units, err);
    free(names);
    free(units);
    for (size_t r = 0; r < t->nrows && rc == CORE_OK; r++)
        rc = table_write_row(fp, t->ncols, t->data + r * t->ncols, err);
    return rc;
}

/* ---- building ---- */

int
table_col_add(struct table *t, const char *name, const char *unit, struct core_err *err)
{
    char(*nn)[TABLE_NAMELEN];
    char(*nu)[TABLE_UNITLEN];

    if (!unit)
        unit = "";
    if (!name || !name[0] || strlen(name) >= TABLE_NAMELEN)
        return core_err_set(err, CORE_EINPUT, "table: column %zu: bad name '%.*s'", t->ncols + 1,
                            TABLE_NAMELEN, name ? name : "");
    if (strlen(unit) >= TABLE_UNITLEN)
        return core_err_set(err, CORE_EINPUT,
                            "table: column %zu (%s): unit longer than %d characters", t->ncols + 1,
                            name, TABLE_UNITLEN - 1);
    if (t->nrows)
        return core_err_set(err, CORE_EINPUT, "table: column '%s' added after %zu rows", name,
                            t->nrows);
    /* no rows: whatever was allocated for them was sized for fewer columns */
    free(t->data);
    free(t->row_line);
    t->data = NULL;
    t->row_line = NULL;
    t->rowcap = 0;
    nn = realloc(t->name, (t->ncols + 1) * sizeof *nn);
    if (!nn)
        return core_err_set(err, CORE_ENOMEM, "table: out of memory");
    t->name = nn;
    nu = realloc(t->unit, (t->ncols + 1) * sizeof *nu);
    if (!nu)
        return core_err_set(err, CORE_ENOMEM, "table: out of memory");
    t->unit = nu;
    snprintf(t->name[t->ncols], TABLE_NAMELEN, "%s", name);
    snprintf(t->unit[t->ncols], TABLE_UNITLEN, "%s", unit);
    t->ncols++;
    return CORE_OK;
}

int
table_row_add(struct table *t, const double *row, struct core_err *err)
{
    if (!t->ncols)
        return core_err_set(err, CORE_EINPUT, "table: a row added before any column");
    if (grow_rows(t))
        return core_err_set(err, CORE_ENOMEM, "table: out of memory for %zu rows", t->nrows + 1);
    memcpy(t->data + t->nrows * t->ncols, row, t->ncols * sizeof *row);
    t->row_line[t->nrows++] = 0;
    return CORE_OK;
}

int
table_meta_set(struct table *t, struct core_err *err, const char *key, const char *fmt, ...)
{
    struct stream_locale loc;
    va_list ap;
    char *value;
    int n;

    if (!key || !is_key_start((unsigned char)key[0]) || strlen(key) >= CORE_KEYLEN)
        return core_err_set(err, CORE_EINPUT, "table: bad metadata key '%s'", key ? key : "");
    for (const char *p = key; *p; p++)
        if (!is_key_char((unsigned char)*p))
            return core_err_set(err, CORE_EINPUT, "table: bad metadata key '%s'", key);
    stream_locale_enter(&loc, "table", NULL);
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    value = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (value) {
        va_start(ap, fmt);
        vsnprintf(value, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    stream_locale_leave(&loc);
    if (!value)
        return core_err_set(err, CORE_ENOMEM, "table: out of memory for metadata '%s'", key);
    if (strpbrk(value, "\n\r")) {
        free(value);
        return core_err_set(err, CORE_EINPUT, "table: metadata '%s': value has a line break", key);
    }
    for (size_t i = t->nmeta; i-- > 0;)
        if (strcmp(t->meta[i].key, key) == 0) {
            free(t->meta[i].value);
            t->meta[i].value = value;
            return CORE_OK;
        }
    n = add_meta(t, key, value, strlen(value));
    free(value);
    if (n)
        return core_err_set(err, CORE_ENOMEM, "table: out of memory for metadata '%s'", key);
    return CORE_OK;
}
