/*
 * material: fe-solve's material file, read (see material.h and material.md).
 */
#include "material.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

static const char *const prop_names[MATERIAL_NPROPS] = {
    "k", "thickness", "G",        "R",  "T",  "q",        "E", "nu",
    "C", "curve",     "cohesive", "Kn", "Kt", "strength", "Gc"};

/* Strips the unit suffix suf (and the blanks before it) from val; 1 when it was there. */
static int
strip_unit(char *val, const char *suf)
{
    size_t len = strlen(val), ls = strlen(suf);
    if (len < ls || strcmp(val + len - ls, suf) != 0)
        return 0;
    val[len - ls] = '\0';
    for (len -= ls; len > 0 && (val[len - 1] == ' ' || val[len - 1] == '\t'); len--)
        val[len - 1] = '\0';
    return 1;
}

const char *
material_prop_name(enum material_prop prop)
{
    return (unsigned)prop < MATERIAL_NPROPS ? prop_names[prop] : "?";
}

void
material_file_init(struct material_file *mf)
{
    mf->file[0] = '\0';
    mf->e = NULL;
    mf->n = 0;
}

void
material_file_release(struct material_file *mf)
{
    free(mf->e);
    material_file_init(mf);
}

const struct material_entry *
material_get(const struct material_file *mf, const char *name, enum material_prop prop)
{
    for (size_t i = 0; i < mf->n; i++)
        if (mf->e[i].prop == prop && strcmp(mf->e[i].name, name) == 0)
            return &mf->e[i];
    return NULL;
}

static void
trim(char **s, char **end)
{
    while (**s == ' ' || **s == '\t')
        (*s)++;
    while (*end > *s && ((*end)[-1] == ' ' || (*end)[-1] == '\t' || (*end)[-1] == '\r'))
        (*end)--;
}

static int fail(const struct stream_in *in, struct core_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(const struct stream_in *in, struct core_err *err, const char *fmt, ...)
{
    char msg[CORE_ERR_MSGLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return core_err_set(err, CORE_EINPUT, "%s:%ld: %s", in->name, in->lineno, msg);
}

/* Parses the value of an entry: numbers, a length (thickness) or inf (G). */
static int
parse_value(const struct stream_in *in, struct material_entry *e, char *val, struct core_err *err)
{
    char *tok, *save = NULL;
    const char *pn = prop_names[e->prop];
    if (e->prop == MATERIAL_THICKNESS) {
        struct core_err e2; /* its message names no line: ours replaces it */
        if (core_quantity_parse(val, CORE_DIM_LENGTH, &e->v[0], &e2) || !(e->v[0] > 0))
            return fail(in, err, "thickness: '%s' is not a length > 0 (3.35, 3.35A, 0.335nm)", val);
        e->v[0] *= 1e-10;
        e->nv = 1;
        return 0;
    }
    if (e->prop == MATERIAL_CURVE) {
        if (!val[0])
            return fail(in, err, "curve: no file name");
        snprintf(e->path, sizeof e->path, "%s", val);
        return 0;
    }
    if (e->prop == MATERIAL_K && strncmp(val, "table:", 6) == 0) {
        const char *f = val + 6;
        while (*f == ' ' || *f == '\t')
            f++;
        if (!*f)
            return fail(in, err, "k: table: no file name");
        snprintf(e->path, sizeof e->path, "%s", f);
        e->table = 1;
        return 0;
    }
    if (e->prop == MATERIAL_COHESIVE) {
        static const char *const laws[] = {"bonded", "linear", "bilinear"};
        for (int k = 0; k < 3; k++)
            if (strcmp(val, laws[k]) == 0) {
                e->v[0] = k;
                e->nv = 1;
                return 0;
            }
        return fail(in, err, "cohesive: '%s' is not bonded, linear or bilinear", val);
    }
    if (e->prop == MATERIAL_KN || e->prop == MATERIAL_KT || e->prop == MATERIAL_STRENGTH ||
        e->prop == MATERIAL_GC) {
        double scale = 1;
        if (e->prop == MATERIAL_STRENGTH) {
            strip_unit(val, "GPa");
            scale = 1e9;
        } else if (e->prop == MATERIAL_GC) {
            strip_unit(val, "J/m^2");
        } else if (!strip_unit(val, "N/m^3")) {
            strip_unit(val, "GPa/nm");
            scale = 1e18;
        }
        if (!val[0])
            return fail(in, err, "%s: no value", pn);
        if (strpbrk(val, ", \t"))
            return fail(in, err, "%s takes one number", pn);
        if (core_parse_double(val, &e->v[0]))
            return fail(in, err, "%s: '%s' is not a finite number", pn, val);
        if (!(e->v[0] > 0))
            return fail(in, err, "%s: %g is out of range (> 0)", pn, e->v[0]);
        e->v[0] *= scale;
        if (!isfinite(e->v[0]))
            return fail(in, err, "%s: '%s' overflows", pn, val);
        e->nv = 1;
        return 0;
    }
    if (e->prop == MATERIAL_G && (strcmp(val, "inf") == 0 || strcmp(val, "infinity") == 0)) {
        e->v[0] = HUGE_VAL;
        e->nv = 1;
        return 0;
    }
    if (e->prop == MATERIAL_E || e->prop == MATERIAL_C) {
        /* a trailing unit: GPa (the default) or N/m (a 2D modulus) */
        size_t len = strlen(val);
        if (len >= 3 && strcmp(val + len - 3, "N/m") == 0) {
            e->per2d = 1;
            val[len - 3] = '\0';
        } else if (len >= 3 && strcmp(val + len - 3, "GPa") == 0) {
            val[len - 3] = '\0';
        }
    }
    for (tok = strtok_r(val, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
        if (e->nv == (e->prop == MATERIAL_C ? 6 : 3))
            return fail(in, err, "%s: too many numbers", pn);
        if (core_parse_double(tok, &e->v[e->nv]))
            return fail(in, err, "%s: '%s' is not a finite number", pn, tok);
        e->nv++;
    }
    if (e->nv == 0)
        return fail(in, err, "%s: no value", pn);
    if (e->prop == MATERIAL_K) {
        if (e->nv == 1) {
            e->v[1] = e->v[0];
            e->v[2] = 0;
        } else if (e->nv != 3) {
            return fail(in, err, "k: give one number or three (kxx, kyy, kxy)");
        }
        if (!(e->v[0] > 0 && e->v[1] > 0 && e->v[0] * e->v[1] > e->v[2] * e->v[2]))
            return fail(in, err, "k: the conductivity must be positive definite");
        return 0;
    }
    if (e->prop == MATERIAL_C) {
        double c[9], *v = e->v, scale = e->per2d ? 1 : 1e9;
        if (e->nv != 4 && e->nv != 6)
            return fail(in, err, "C: give four numbers or six (C11, C22, C12, C66, C16, C26)");
        if (e->nv == 4)
            v[4] = v[5] = 0;
        c[0] = v[0];
        c[4] = v[1];
        c[1] = c[3] = v[2];
        c[8] = v[3];
        c[2] = c[6] = v[4];
        c[5] = c[7] = v[5];
        if (!(c[0] > 0 && c[0] * c[4] - c[1] * c[1] > 0 &&
              c[0] * (c[4] * c[8] - c[5] * c[5]) - c[1] * (c[1] * c[8] - c[5] * c[2]) +
                      c[2] * (c[1] * c[5] - c[4] * c[2]) >
                  0))
            return fail(in, err, "C: the stiffness must be positive definite");
        for (int k = 0; k < 6; k++)
            v[k] *= scale;
        return 0;
    }
    if (e->nv != 1)
        return fail(in, err, "%s takes one number", pn);
    if (e->prop == MATERIAL_E) {
        if (!(e->v[0] > 0))
            return fail(in, err, "E: %g is out of range (> 0)", e->v[0]);
        if (!e->per2d)
            e->v[0] *= 1e9;
        return 0;
    }
    if (e->prop == MATERIAL_NU && !(e->v[0] > -1 && e->v[0] < 1))
        return fail(in, err, "nu: %g is out of range (-1 < nu < 1)", e->v[0]);
    if ((e->prop == MATERIAL_G && !(e->v[0] >= 0)) || (e->prop == MATERIAL_R && !(e->v[0] > 0)) ||
        (e->prop == MATERIAL_T && !(e->v[0] >= 0)))
        return fail(in, err, "%s: %g is out of range (%s)", pn, e->v[0],
                    e->prop == MATERIAL_R ? "> 0" : ">= 0");
    return 0;
}

/* Splits one line (a copy in buf) into e; *empty when it holds no entry. */
static int
parse_line(const struct stream_in *in, char *buf, struct material_entry *e, int *empty,
           struct core_err *err)
{
    char *s = buf, *eq, *end, *key, *kend, *val, *dot;
    const char *pn;
    int prop = -1;
    *empty = 0;
    if ((end = strchr(buf, '#')))
        *end = '\0';
    end = buf + strlen(buf);
    trim(&s, &end);
    if (s == end) {
        *empty = 1;
        return 0;
    }
    *end = '\0';
    if (!(eq = strchr(s, '=')))
        return fail(in, err, "expected NAME.property = value, got '%s'", s);
    key = s;
    kend = eq;
    trim(&key, &kend);
    *kend = '\0';
    val = eq + 1;
    end = val + strlen(val);
    trim(&val, &end);
    *end = '\0';
    dot = strrchr(key, '.');
    if (dot == key || (dot && !dot[1]) || !key[0])
        return fail(in, err, "bad key '%s'", key);
    if (dot) {
        *dot = '\0';
        if (strlen(key) >= sizeof e->name)
            return fail(in, err, "name longer than %zu characters", sizeof e->name - 1);
        strcpy(e->name, key);
    }
    pn = dot ? dot + 1 : key;
    for (int k = 0; k < MATERIAL_NPROPS; k++)
        if (strcmp(pn, prop_names[k]) == 0)
            prop = k;
    if (prop < 0)
        return fail(in, err,
                    "unknown property '%s' (k, thickness, G, R, T, q, E, nu, C, curve, cohesive, "
                    "Kn, Kt, strength or Gc)",
                    pn);
    if (!dot && prop != MATERIAL_THICKNESS)
        return fail(in, err, "'%s' needs a group name: NAME.%s = ...", pn, pn);
    e->prop = (enum material_prop)prop;
    return parse_value(in, e, val, err);
}

/* Whether a and b give the same thing: the same property, or G and R, or E and C, of the
 * same name. */
static int
clash(const struct material_entry *a, const struct material_entry *b)
{
    int pa = a->prop == MATERIAL_R ? MATERIAL_G : a->prop == MATERIAL_C ? MATERIAL_E : a->prop;
    int pb = b->prop == MATERIAL_R ? MATERIAL_G : b->prop == MATERIAL_C ? MATERIAL_E : b->prop;
    return strcmp(a->name, b->name) == 0 && pa == pb;
}

int
material_read(struct stream_in *in, struct material_file *mf, struct core_err *err)
{
    struct stream_locale loc;
    const char *line;
    size_t cap = 0;
    int rc;
    material_file_release(mf);
    snprintf(mf->file, sizeof mf->file, "%s", in->name);
    if ((rc = stream_locale_enter(&loc, "material", err)))
        return rc;
    while (!(rc = stream_getline(in, &line, err)) && line) {
        char buf[MATERIAL_LINELEN];
        static const struct material_entry zero;
        struct material_entry e = zero;
        int empty;
        if (strlen(line) >= sizeof buf) {
            rc = fail(in, err, "line longer than %zu characters", sizeof buf - 1);
            break;
        }
        strcpy(buf, line);
        e.line = in->lineno;
        if ((rc = parse_line(in, buf, &e, &empty, err)))
            break;
        if (empty)
            continue;
        for (size_t i = 0; i < mf->n && !rc; i++)
            if (clash(&mf->e[i], &e))
                rc = fail(in, err, "%s%s%s given twice (line %ld)", e.name, e.name[0] ? "." : "",
                          prop_names[e.prop], mf->e[i].line);
        if (rc)
            break;
        if (mf->n == cap) {
            struct material_entry *p = realloc(mf->e, (2 * cap + 8) * sizeof *p);
            if (!p) {
                rc = core_err_set(err, CORE_ENOMEM, "%s: out of memory", in->name);
                break;
            }
            mf->e = p;
            cap = 2 * cap + 8;
        }
        mf->e[mf->n++] = e;
    }
    stream_locale_leave(&loc);
    if (rc) {
        char file[STREAM_NAMELEN];
        snprintf(file, sizeof file, "%s", mf->file);
        material_file_release(mf);
        snprintf(mf->file, sizeof mf->file, "%s", file);
    }
    return rc;
}

int
material_ktable_read(struct material_entry *e, struct stream_in *in, struct core_err *err)
{
    struct table t;
    double k[4];
    long line[4] = {0, 0, 0, 0};
    int di, ki, rc = 0;
    table_init(&t);
    if ((rc = table_read(in, &t, err)))
        return rc;
    di = table_col(&t, "dir");
    ki = table_col(&t, "kappa");
    if (di < 0 || ki < 0) {
        rc = core_err_set(err, CORE_EINPUT,
                          "%s:%ld: no column '%s' (a kappa-gk table has dir and kappa[W/(m*K)])",
                          in->name, t.header_line, di < 0 ? "dir" : "kappa");
        goto done;
    }
    if (strcmp(t.unit[ki], "W/(m*K)") != 0 && strcmp(t.unit[ki], "W/(m K)") != 0 &&
        strcmp(t.unit[ki], "W/m/K") != 0) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: kappa is in '%s' (W/(m*K))", in->name,
                          t.header_line, t.unit[ki]);
        goto done;
    }
    for (size_t r = 0; r < t.nrows; r++) {
        double d = t.data[r * t.ncols + (size_t)di], kv = t.data[r * t.ncols + (size_t)ki];
        int id = (int)d;
        if (!(d >= 0 && d <= 3 && d == id)) {
            rc = core_err_set(err, CORE_EINPUT, "%s:%ld: dir %g is not 0, 1, 2 or 3", in->name,
                              t.row_line[r], d);
            goto done;
        }
        if (line[id]) {
            rc = core_err_set(err, CORE_EINPUT, "%s:%ld: dir %d given twice (line %ld)", in->name,
                              t.row_line[r], id, line[id]);
            goto done;
        }
        if (!(kv > 0) && id != 3) {
            rc = core_err_set(err, CORE_EINPUT, "%s:%ld: kappa %g of dir %d is not > 0", in->name,
                              t.row_line[r], kv, id);
            goto done;
        }
        line[id] = t.row_line[r];
        k[id] = kv;
    }
    if (!line[1] != !line[2]) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: the table has dir %d but not dir %d", in->name,
                          line[1] ? line[1] : line[2], line[1] ? 1 : 2, line[1] ? 2 : 1);
        goto done;
    }
    if (line[1]) {
        e->v[0] = k[1];
        e->v[1] = k[2];
        e->v[2] = 0;
        e->nv = 3;
    } else if (line[0]) {
        e->v[0] = e->v[1] = k[0];
        e->v[2] = 0;
        e->nv = 1;
    } else {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: no row for dir 1 and 2, nor 0 (the average)",
                          in->name, t.header_line);
    }
done:
    table_release(&t);
    return rc;
}

int
material_tables_read(struct material_file *mf, struct core_err *err)
{
    const char *slash = strrchr(mf->file, '/');
    for (size_t i = 0; i < mf->n; i++) {
        struct material_entry *e = &mf->e[i];
        char path[STREAM_NAMELEN + MATERIAL_LINELEN], msg[CORE_ERR_MSGLEN];
        struct stream_in in;
        int rc;
        if (e->prop != MATERIAL_K || !e->table)
            continue;
        if (e->path[0] != '/' && slash)
            snprintf(path, sizeof path, "%.*s/%s", (int)(slash - mf->file), mf->file, e->path);
        else
            snprintf(path, sizeof path, "%s", e->path);
        rc = stream_in_open(&in, path, err);
        if (!rc) {
            rc = material_ktable_read(e, &in, err);
            stream_in_close(&in);
        }
        if (rc) {
            snprintf(msg, sizeof msg, "%s", err->msg);
            return core_err_set(err, rc, "%s:%ld: k: %s", mf->file, e->line, msg);
        }
    }
    return 0;
}

void
material_curve_init(struct material_curve *c)
{
    c->n = 0;
    c->pts = NULL;
    c->per2d = 0;
}

void
material_curve_release(struct material_curve *c)
{
    free(c->pts);
    material_curve_init(c);
}

int
material_curve_read(const struct material_file *mf, const struct material_entry *ce,
                    struct material_curve *c, struct core_err *err)
{
    char path[2 * MATERIAL_LINELEN];
    const char *slash = strrchr(mf->file, '/');
    struct stream_in in;
    struct table t;
    double *pts = NULL;
    size_t n, k0;
    int ci, si, rc;
    material_curve_release(c);
    if (ce->path[0] != '/' && slash)
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - mf->file), mf->file, ce->path);
    else
        snprintf(path, sizeof path, "%s", ce->path);
    table_init(&t);
    if ((rc = stream_in_open(&in, path, err))) {
        char msg[CORE_ERR_MSGLEN];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return core_err_set(err, rc, "%s:%ld: curve: %s", mf->file, ce->line, msg);
    }
    rc = table_read(&in, &t, err);
    stream_in_close(&in);
    if (rc)
        goto done;
    ci = table_col(&t, "strain");
    si = table_col(&t, "stress");
    if (ci < 0 || si < 0) {
        rc = core_err_set(err, CORE_EINPUT,
                          "%s:%ld: no column '%s' (a curve needs strain and stress[GPa] or "
                          "stress[N/m])",
                          path, t.header_line, ci < 0 ? "strain" : "stress");
        goto done;
    }
    if (strcmp(t.unit[si], "GPa") != 0 && strcmp(t.unit[si], "N/m") != 0) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: the stress is in '%s' (GPa or N/m)", path,
                          t.header_line, t.unit[si]);
        goto done;
    }
    if (t.unit[ci][0] && strcmp(t.unit[ci], "-") != 0 && strcmp(t.unit[ci], "1") != 0) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: the strain is in '%s' (dimensionless)", path,
                          t.header_line, t.unit[ci]);
        goto done;
    }
    if (t.nrows == 0) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: the curve has no rows", path, t.header_line);
        goto done;
    }
    k0 = t.data[ci] == 0 ? 1 : 0;
    n = t.nrows - k0 + 1;
    if (n < 2) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: the curve has no point beyond strain 0", path,
                          t.row_line[0]);
        goto done;
    }
    if (!(pts = malloc(2 * n * sizeof *pts))) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        goto done;
    }
    pts[0] = pts[n] = 0;
    for (size_t r = k0; r < t.nrows; r++) {
        size_t k = r - k0 + 1;
        double e = t.data[r * t.ncols + (size_t)ci], sg = t.data[r * t.ncols + (size_t)si];
        if (!(e > pts[k - 1])) {
            rc = core_err_set(err, CORE_EINPUT, "%s:%ld: the strain %g does not increase%s", path,
                              t.row_line[r], e, e < 0 ? " (a curve in tension starts at 0)" : "");
            goto done;
        }
        if (k == 1 && !(sg > 0)) {
            rc = core_err_set(err, CORE_EINPUT,
                              "%s:%ld: the curve's first stress is %g (it must rise from 0)", path,
                              t.row_line[r], sg);
            goto done;
        }
        pts[k] = e;
        pts[n + k] = sg;
    }
    c->n = n;
    c->pts = pts;
    c->per2d = strcmp(t.unit[si], "N/m") == 0;
    pts = NULL;
done:
    free(pts);
    table_release(&t);
    return rc;
}

/*
 * Phase q's law from the stress-strain curve of entry ce (material_curve_read), with stresses
 * times th (m) when in GPa, appended to the laws' points.
 */
static int
curve_law(const struct material_file *mat, const struct material_entry *ce, double th, double nu,
          struct fe_problem *f, size_t q, struct core_err *err)
{
    struct material_curve cv;
    int rc;
    material_curve_init(&cv);
    if ((rc = material_curve_read(mat, ce, &cv, err)))
        return rc;
    f->per2d[q] = cv.per2d;
    rc = fe_problem_law_add(f, q, cv.n, cv.pts, cv.pts + cv.n, cv.per2d ? 1 : 1e9 * th, nu, err);
    material_curve_release(&cv);
    return rc;
}

int
material_fe_stiffness_get(const struct material_file *mat, const char *name, const char *mesh,
                          double th, struct fe_problem *f, size_t q, struct core_err *err)
{
    const struct material_entry *e = material_get(mat, name, MATERIAL_E),
                                *nu = material_get(mat, name, MATERIAL_NU),
                                *c = material_get(mat, name, MATERIAL_C),
                                *cv = material_get(mat, name, MATERIAL_CURVE);
    double *cm = &f->cmat[9 * q];
    if (cv && (e || c))
        return core_err_set(err, CORE_EINPUT,
                            "%s:%ld: '%s' has a curve and %s: give one or the other", mat->file,
                            cv->line, name, e ? "E" : "C");
    if (cv && !nu)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: '%s' has a curve but no nu (%s.nu = ...)",
                            mat->file, cv->line, name, name);
    if (cv)
        return curve_law(mat, cv, th, nu->v[0], f, q, err);
    if (e && !nu)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: '%s' has E but no nu (%s.nu = ...)",
                            mat->file, e->line, name, name);
    if (c && nu)
        return core_err_set(err, CORE_EINPUT,
                            "%s:%ld: '%s': nu goes with E; C is the whole stiffness", mat->file,
                            nu->line, name);
    if (!e && nu)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: '%s' has nu but no E (%s.E = ...)",
                            mat->file, nu->line, name, name);
    if (!e && !c)
        return core_err_set(err, CORE_EINPUT,
                            "%s: phase '%s' has no stiffness in %s (%s.E and %s.nu, %s.C, or "
                            "%s.curve and %s.nu)",
                            mesh, name, mat->file, name, name, name, name, name);
    f->per2d[q] = (e ? e : c)->per2d;
    if (e) {
        fe_elast_iso(e->v[0], nu->v[0], cm);
    } else {
        const double *v = c->v;
        double full[9] = {v[0], v[2], v[4], v[2], v[1], v[5], v[4], v[5], v[3]};
        memcpy(cm, full, sizeof full);
    }
    if (!(e ? e : c)->per2d)
        for (int k = 0; k < 9; k++)
            cm[k] *= th;
    return 0;
}

int
material_fe_cohesive_get(const struct material_file *mat, const char *name, struct fe_problem *f,
                         size_t q, struct core_err *err)
{
    static const enum material_prop props[4] = {MATERIAL_KN, MATERIAL_KT, MATERIAL_STRENGTH,
                                                MATERIAL_GC};

    const struct material_entry *c = material_get(mat, name, MATERIAL_COHESIVE), *v[4];
    int kind = c ? (int)c->v[0] : MATERIAL_COH_BONDED;
    double th = f->tgroup[q];
    struct fe_cohesive *fc = &f->coh[q];
    for (int k = 0; k < 4; k++) {
        /* bonded: none; linear: Kn and Kt; bilinear: all four */
        int want = kind == MATERIAL_COH_BILINEAR || (kind == MATERIAL_COH_LINEAR && k < 2);
        v[k] = material_get(mat, name, props[k]);
        if (v[k] && !want)
            return core_err_set(err, CORE_EINPUT, "%s:%ld: %s.%s goes with %s.cohesive = %s",
                                mat->file, v[k]->line, name, material_prop_name(props[k]), name,
                                k < 2 ? "linear or bilinear" : "bilinear");
        if (!v[k] && want)
            return core_err_set(err, CORE_EINPUT, "%s:%ld: '%s' is %s but has no %s (%s.%s = ...)",
                                mat->file, c->line, name,
                                kind == MATERIAL_COH_LINEAR ? "linear" : "bilinear",
                                material_prop_name(props[k]), name, material_prop_name(props[k]));
    }
    fc->kind = kind == MATERIAL_COH_LINEAR     ? FE_COH_LINEAR
               : kind == MATERIAL_COH_BILINEAR ? FE_COH_BILINEAR
                                               : FE_COH_BONDED;
    if (fc->kind == FE_COH_BONDED)
        return 0;
    fc->kn = v[0]->v[0] * th;
    fc->kt = v[1]->v[0] * th;
    fc->strength = v[2] ? v[2]->v[0] * th : 0;
    fc->gc = v[3] ? v[3]->v[0] * th : 0;
    if (fe_cohesive_check(fc, err)) {
        char msg[CORE_ERR_MSGLEN];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return core_err_set(err, CORE_EINPUT, "%s:%ld: '%s': %s", mat->file, c->line, name, msg);
    }
    f->have_coh = 1;
    f->cut[q] = 1;
    return 0;
}

int
material_fe_problem_get(const struct material_file *mat, const char *mesh, int heat, int elastic,
                        size_t np, const char *pnames, size_t ng, const char *gnames,
                        size_t namelen, const double *area, struct fe_problem *f,
                        struct core_err *err)
{
    const struct material_entry *gt = material_get(mat, "", MATERIAL_THICKNESS);
    double tmin = HUGE_VAL, asum = 0, tsum = 0;
    static const struct material_entry kdummy = {"", MATERIAL_K, {1, 1, 0, 0, 0, 0}, 1, 0, 0,
                                                 "", 0};
    int rc;
    if ((rc = fe_problem_alloc(f, np, ng, err)))
        return rc;
    /* every entry names a group of the mesh, of the right kind */
    for (size_t i = 0; i < mat->n; i++) {
        const struct material_entry *e = &mat->e[i];
        int dim = -1; /* of the group e names */
        if (!e->name[0])
            continue;
        for (size_t q = 0; q < np && dim < 0; q++)
            if (strcmp(pnames + q * namelen, e->name) == 0)
                dim = 2;
        for (size_t q = 0; q < ng && dim < 0; q++)
            if (strcmp(gnames + q * namelen, e->name) == 0)
                dim = 1;
        if (dim < 0)
            return core_err_set(err, CORE_EINPUT, "%s:%ld: no physical group '%s' in %s", mat->file,
                                e->line, e->name, mesh);
        if ((dim == 2) != (e->prop == MATERIAL_K || e->prop == MATERIAL_THICKNESS ||
                           e->prop == MATERIAL_E || e->prop == MATERIAL_NU ||
                           e->prop == MATERIAL_C || e->prop == MATERIAL_CURVE))
            return core_err_set(err, CORE_EINPUT, "%s:%ld: '%s' is a %s group; %s belongs to %s",
                                mat->file, e->line, e->name, dim == 2 ? "phase (2D)" : "curve (1D)",
                                material_prop_name(e->prop),
                                dim == 1 ? "phases" : "interfaces and boundaries");
    }
    /* phases */
    for (size_t q = 0; q < np; q++) {
        const char *name = pnames + q * namelen;
        const struct material_entry *k = material_get(mat, name, MATERIAL_K),
                                    *t = material_get(mat, name, MATERIAL_THICKNESS);
        double th = t ? t->v[0] : gt ? gt->v[0] : 1;
        if (elastic) {
            if ((rc = material_fe_stiffness_get(mat, name, mesh, th, f, q, err)))
                return rc;
            k = k ? k : &kdummy;
        }
        if (!k)
            return core_err_set(err, CORE_EINPUT,
                                "%s: phase '%s' has no conductivity in %s (%s.k = ...)", mesh, name,
                                mat->file, name);
        f->have_thickness |= t != NULL || gt != NULL;
        for (int c = 0; c < 3; c++) {
            f->kreal[3 * q + c] = k->v[c];
            f->kappa[3 * q + c] = k->v[c] * th;
        }
        tmin = fmin(tmin, th);
        asum += area[q];
        tsum += area[q] * th;
    }
    f->tref = gt ? gt->v[0] : tsum / asum;
    if (elastic && fe_problem_out_unit(f, err))
        return core_err_set(err, CORE_EINPUT,
                            "%s: moduli in GPa and in N/m need a thickness (thickness = ...)",
                            mat->file);
    /* groups: interface conductance, thickness, cohesive law */
    for (size_t q = 0; q < ng; q++) {
        const char *name = gnames + q * namelen;
        const struct material_entry *g = material_get(mat, name, MATERIAL_G),
                                    *r = material_get(mat, name, MATERIAL_R),
                                    *t = material_get(mat, name, MATERIAL_THICKNESS);
        double gv = g ? g->v[0] : r ? 1 / r->v[0] : HUGE_VAL;
        f->tgroup[q] = t ? t->v[0] : gt ? gt->v[0] : tmin;
        if ((g || r) &&
            (material_get(mat, name, MATERIAL_T) || material_get(mat, name, MATERIAL_Q)))
            return core_err_set(err, CORE_EINPUT,
                                "%s:%ld: '%s' has an interface conductance and a boundary "
                                "condition",
                                mat->file, (g ? g : r)->line, name);
        if (isfinite(gv) && heat) {
            f->cut[q] = 1;
            f->gcond[q] = gv * f->tgroup[q];
        }
        if (elastic && (rc = material_fe_cohesive_get(mat, name, f, q, err)))
            return rc;
    }
    return 0;
}
