/*
 * core: status codes, elements, configurations, counter-based RNG, quantities with units.
 * See core.h for the promises.
 */
#include "core.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gen/elements.h"

/* ---- status and errors ---- */

int
core_err_set(struct core_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int
core_err_prefix(struct core_err *err, const char *fmt, ...)
{
    if (!err)
        return CORE_OK;
    char where[CORE_ERR_MSGLEN], both[2 * CORE_ERR_MSGLEN + 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(where, sizeof where, fmt, ap);
    va_end(ap);
    snprintf(both, sizeof both, "%s: %s", where, err->msg); /* both fit: no truncation here */
    memcpy(err->msg, both, sizeof err->msg - 1);
    err->msg[sizeof err->msg - 1] = '\0';
    return err->code;
}

void
core_err_clear(struct core_err *err)
{
    if (err) {
        err->code = CORE_OK;
        err->msg[0] = '\0';
    }
}

int
core_exit_status(int code)
{
    switch (code) {
    case CORE_OK:
        return CORE_EXIT_OK;
    case CORE_ENOCONV:
    case CORE_EPHYS:
        return CORE_EXIT_PHYS;
    default:
        return CORE_EXIT_FAIL;
    }
}

const char *
core_strerror(int code)
{
    switch (code) {
    case CORE_OK:
        return "success";
    case CORE_EINPUT:
        return "bad input";
    case CORE_ENOMEM:
        return "out of memory";
    case CORE_EIO:
        return "input/output error";
    case CORE_ENOCONV:
        return "not converged";
    case CORE_EPHYS:
        return "physical failure";
    case CORE_EINTERNAL:
        return "internal error";
    default:
        return "unknown error";
    }
}

/* ---- elements ---- */

int
core_elem_z(const char *symbol)
{
    for (int z = 1; z <= CORE_ZMAX; z++)
        if (strcmp(symbol, elem_symbol[z]) == 0)
            return z;
    return 0;
}

const char *
core_elem_symbol(int z)
{
    if (z < 1 || z > CORE_ZMAX)
        return "X";
    return elem_symbol[z];
}

double
core_elem_mass(int z)
{
    if (z < 1 || z > CORE_ZMAX)
        return 0.0;
    return elem_mass[z];
}

int
core_species_map_parse(const char *list, struct core_species_map *map, struct core_err *err)
{
    const char *p = list;

    memset(map, 0, sizeof *map);
    for (;;) {
        size_t len = strcspn(p, ",");
        char sym[8];
        int z;
        if (len == 0 || len >= sizeof sym)
            return core_err_set(err, CORE_EINPUT, "species list '%s': empty or bad entry", list);
        memcpy(sym, p, len);
        sym[len] = '\0';
        z = core_elem_z(sym);
        if (!z)
            return core_err_set(err, CORE_EINPUT, "species list '%s': unknown element '%s'", list,
                                sym);
        if (core_species_map_type(map, z) >= 0)
            return core_err_set(err, CORE_EINPUT, "species list '%s': '%s' given twice", list, sym);
        if (map->ntypes == CORE_MAXTYPES)
            return core_err_set(err, CORE_EINPUT, "species list '%s': more than %d species", list,
                                CORE_MAXTYPES);
        map->z[map->ntypes++] = z;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    return CORE_OK;
}

int
core_species_map_type(const struct core_species_map *map, int z)
{
    for (size_t i = 0; i < map->ntypes; i++)
        if (map->z[i] == z)
            return (int)i;
    return -1;
}

/* ---- configurations ---- */

void
core_frame_init(struct core_frame *f)
{
    memset(f, 0, sizeof *f);
}

static void
prop_release(struct core_prop *p)
{
    free(p->r);
    free(p->i);
    free(p->s);
    memset(p, 0, sizeof *p);
}

void
core_frame_release(struct core_frame *f)
{
    if (!f)
        return;
    free(f->z);
    free(f->pos);
    free(f->forces);
    free(f->vel);
    free(f->mass);
    free(f->tag);
    for (size_t i = 0; i < f->ninfo; i++)
        free(f->info[i].value);
    free(f->info);
    for (size_t i = 0; i < f->nprop; i++)
        prop_release(&f->prop[i]);
    free(f->prop);
    core_frame_init(f);
}

int
core_frame_resize(struct core_frame *f, size_t natoms, struct core_err *err)
{
    core_frame_release(f);
    f->natoms = natoms;
    f->z = calloc(natoms ? natoms : 1, sizeof *f->z);
    f->pos = calloc(natoms ? 3 * natoms : 1, sizeof *f->pos);
    if (!f->z || !f->pos) {
        core_frame_release(f);
        return core_err_set(err, CORE_ENOMEM, "out of memory for %zu atoms", natoms);
    }
    return CORE_OK;
}

int
core_frame_want(struct core_frame *f, const char *which, struct core_err *err)
{
    size_t n = f->natoms ? f->natoms : 1;
    void **slot;
    size_t size;

    if (strcmp(which, "forces") == 0) {
        slot = (void **)&f->forces;
        size = 3 * n * sizeof(double);
    } else if (strcmp(which, "vel") == 0) {
        slot = (void **)&f->vel;
        size = 3 * n * sizeof(double);
    } else if (strcmp(which, "mass") == 0) {
        slot = (void **)&f->mass;
        size = n * sizeof(double);
    } else if (strcmp(which, "tag") == 0) {
        slot = (void **)&f->tag;
        size = n * sizeof(long);
    } else {
        return core_err_set(err, CORE_EINTERNAL, "core_frame_want: unknown array '%s'", which);
    }
    if (*slot)
        return CORE_OK;
    *slot = calloc(1, size);
    if (!*slot)
        return core_err_set(err, CORE_ENOMEM, "out of memory for %s", which);
    return CORE_OK;
}

static void *
dup_array(const void *src, size_t size, int *fail)
{
    void *p;
    if (!src)
        return NULL;
    p = malloc(size ? size : 1);
    if (!p) {
        *fail = 1;
        return NULL;
    }
    memcpy(p, src, size);
    return p;
}

int
core_frame_copy(struct core_frame *dst, const struct core_frame *src, struct core_err *err)
{
    int fail = 0;
    size_t n = src->natoms;

    if (dst == src)
        return CORE_OK;
    core_frame_release(dst);
    *dst = *src;
    dst->z = dup_array(src->z, n * sizeof *src->z, &fail);
    dst->pos = dup_array(src->pos, 3 * n * sizeof(double), &fail);
    dst->forces = dup_array(src->forces, 3 * n * sizeof(double), &fail);
    dst->vel = dup_array(src->vel, 3 * n * sizeof(double), &fail);
    dst->mass = dup_array(src->mass, n * sizeof(double), &fail);
    dst->tag = dup_array(src->tag, n * sizeof(long), &fail);
    dst->info = NULL;
    dst->ninfo = 0;
    dst->prop = NULL;
    dst->nprop = 0;
    if (fail)
        goto fail;
    for (size_t i = 0; i < src->ninfo; i++)
        if (core_frame_info_set(dst, src->info[i].key, src->info[i].value, err))
            goto fail;
    for (size_t i = 0; i < src->nprop; i++) {
        const struct core_prop *p = &src->prop[i];
        size_t ip, cells = n * (size_t)p->ncols;
        if (core_frame_prop_add(dst, p->name, p->type, p->ncols, &ip, err))
            goto fail;
        if (p->r)
            memcpy(dst->prop[ip].r, p->r, cells * sizeof(double));
        if (p->i)
            memcpy(dst->prop[ip].i, p->i, cells * sizeof(long));
        if (p->s)
            memcpy(dst->prop[ip].s, p->s, cells * CORE_SLEN);
    }
    return CORE_OK;
fail:
    core_frame_release(dst);
    return core_err_set(err, CORE_ENOMEM, "out of memory copying a frame of %zu atoms", n);
}

const char *
core_frame_info_get(const struct core_frame *f, const char *key)
{
    for (size_t i = 0; i < f->ninfo; i++)
        if (strcmp(f->info[i].key, key) == 0)
            return f->info[i].value;
    return NULL;
}

int
core_frame_info_set(struct core_frame *f, const char *key, const char *value, struct core_err *err)
{
    char *v;
    struct core_info *grown;

    if (strlen(key) >= CORE_KEYLEN)
        return core_err_set(err, CORE_EINPUT, "key '%.20s...' longer than %d characters", key,
                            CORE_KEYLEN - 1);
    v = strdup(value);
    if (!v)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    for (size_t i = 0; i < f->ninfo; i++) {
        if (strcmp(f->info[i].key, key) == 0) {
            free(f->info[i].value);
            f->info[i].value = v;
            return CORE_OK;
        }
    }
    grown = realloc(f->info, (f->ninfo + 1) * sizeof *grown);
    if (!grown) {
        free(v);
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    }
    f->info = grown;
    snprintf(f->info[f->ninfo].key, CORE_KEYLEN, "%s", key);
    f->info[f->ninfo].value = v;
    f->ninfo++;
    return CORE_OK;
}

void
core_frame_info_del(struct core_frame *f, const char *key)
{
    for (size_t i = 0; i < f->ninfo; i++) {
        if (strcmp(f->info[i].key, key) == 0) {
            free(f->info[i].value);
            memmove(&f->info[i], &f->info[i + 1], (f->ninfo - i - 1) * sizeof *f->info);
            f->ninfo--;
            return;
        }
    }
}

int
core_frame_prop_add(struct core_frame *f, const char *name, char type, int ncols, size_t *iprop,
                    struct core_err *err)
{
    struct core_prop *grown, *p;
    size_t cells = (f->natoms ? f->natoms : 1) * (size_t)(ncols > 0 ? ncols : 1);

    if (strlen(name) >= CORE_KEYLEN)
        return core_err_set(err, CORE_EINPUT, "property name '%.20s...' too long", name);
    if (ncols < 1)
        return core_err_set(err, CORE_EINPUT, "property '%s' has %d columns", name, ncols);
    grown = realloc(f->prop, (f->nprop + 1) * sizeof *grown);
    if (!grown)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    f->prop = grown;
    p = &f->prop[f->nprop];
    memset(p, 0, sizeof *p);
    snprintf(p->name, CORE_KEYLEN, "%s", name);
    p->type = type;
    p->ncols = ncols;
    switch (type) {
    case 'R':
        p->r = calloc(cells, sizeof(double));
        break;
    case 'I':
    case 'L':
        p->i = calloc(cells, sizeof(long));
        break;
    case 'S':
        p->s = calloc(cells, CORE_SLEN);
        break;
    default:
        return core_err_set(err, CORE_EINPUT, "property '%s': unknown type '%c'", name, type);
    }
    if (!p->r && !p->i && !p->s)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    *iprop = f->nprop++;
    return CORE_OK;
}

double
core_cell_volume(const double c[9])
{
    double v = c[0] * (c[4] * c[8] - c[5] * c[7]) - c[1] * (c[3] * c[8] - c[5] * c[6]) +
               c[2] * (c[3] * c[7] - c[4] * c[6]);
    return fabs(v);
}

int
core_cell_inverse(const double c[9], double inv[9], struct core_err *err)
{
    double det = c[0] * (c[4] * c[8] - c[5] * c[7]) - c[1] * (c[3] * c[8] - c[5] * c[6]) +
                 c[2] * (c[3] * c[7] - c[4] * c[6]);
    double scale = 0.0;
    for (int i = 0; i < 9; i++)
        scale = fmax(scale, fabs(c[i]));
    if (scale == 0.0 || fabs(det) < 1e-12 * scale * scale * scale)
        return core_err_set(err, CORE_EINPUT, "singular cell (volume %g A^3)", fabs(det));
    inv[0] = (c[4] * c[8] - c[5] * c[7]) / det;
    inv[1] = (c[2] * c[7] - c[1] * c[8]) / det;
    inv[2] = (c[1] * c[5] - c[2] * c[4]) / det;
    inv[3] = (c[5] * c[6] - c[3] * c[8]) / det;
    inv[4] = (c[0] * c[8] - c[2] * c[6]) / det;
    inv[5] = (c[2] * c[3] - c[0] * c[5]) / det;
    inv[6] = (c[3] * c[7] - c[4] * c[6]) / det;
    inv[7] = (c[1] * c[6] - c[0] * c[7]) / det;
    inv[8] = (c[0] * c[4] - c[1] * c[3]) / det;
    return CORE_OK;
}

/* ---- random numbers ---- */

/* SplitMix64 finaliser (Steele, Lea & Flood, OOPSLA 2014): a bijective 64-bit mixer. */
static uint64_t
mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void
core_rng_init(struct core_rng *rng, uint64_t seed, uint64_t purpose, uint64_t entity, uint64_t step)
{
    /* Chained mixing, after CoMD's mkSeed: each field changes every bit of the key. */
    uint64_t k = mix64(seed);
    k = mix64(k ^ purpose);
    k = mix64(k ^ entity);
    k = mix64(k ^ step);
    rng->key = k;
    rng->ctr = 0;
}

uint64_t
core_rng_next(struct core_rng *rng)
{
    return mix64(rng->key ^ mix64(rng->ctr++));
}

double
core_rng_uniform(struct core_rng *rng)
{
    return (double)(core_rng_next(rng) >> 11) * 0x1.0p-53;
}

double
core_rng_gauss(struct core_rng *rng)
{
    double u1 = 1.0 - core_rng_uniform(rng); /* (0, 1]: log is finite */
    double u2 = core_rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double
core_rng_gamma(struct core_rng *r, double a)
{
    double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = core_rng_gauss(r), v = 1.0 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        double u = core_rng_uniform(r);
        if (u < 1.0 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
            return d * v;
    }
}

double
core_rng_chi2(struct core_rng *r, double n)
{
    if (n <= 0)
        return 0;
    if (n < 2) {
        double g = core_rng_gauss(r);
        return g * g;
    }
    return 2.0 * core_rng_gamma(r, 0.5 * n);
}

/* ---- quantities with units ---- */

int
core_parse_double(const char *s, double *out)
{
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return CORE_EINPUT;
    *out = v;
    return CORE_OK;
}

int
core_parse_long(const char *s, long *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE)
        return CORE_EINPUT;
    *out = v;
    return CORE_OK;
}

struct unit_def {
    enum core_dim dim;
    const char *name;
    double factor; /* to the dimension's base unit */
};

static const struct unit_def unit_table[] = {
    {CORE_DIM_LENGTH, "A", 1.0},
    {CORE_DIM_LENGTH, "Ang", 1.0},
    {CORE_DIM_LENGTH, "nm", 10.0},
    {CORE_DIM_LENGTH, "pm", 0.01},
    {CORE_DIM_LENGTH, "bohr", UNITS_BOHR_ANG},
    {CORE_DIM_ENERGY, "eV", 1.0},
    {CORE_DIM_ENERGY, "meV", 1e-3},
    {CORE_DIM_ENERGY, "Ha", UNITS_HARTREE_EV},
    {CORE_DIM_ENERGY, "Ry", UNITS_RY_EV},
    {CORE_DIM_ENERGY, "K", UNITS_KB_EV},
    {CORE_DIM_ENERGY, "kJ/mol", UNITS_KJMOL_EV},
    {CORE_DIM_ENERGY, "kcal/mol", UNITS_KCALMOL_EV},
    {CORE_DIM_TIME, "ps", 1.0},
    {CORE_DIM_TIME, "fs", 1e-3},
    {CORE_DIM_TIME, "ns", 1e3},
    {CORE_DIM_TEMP, "K", 1.0},
    {CORE_DIM_PRESSURE, "GPa", 1.0},
    {CORE_DIM_PRESSURE, "MPa", 1e-3},
    {CORE_DIM_PRESSURE, "bar", 1e-4},
    {CORE_DIM_PRESSURE, "kbar", 0.1},
    {CORE_DIM_PRESSURE, "eV/A^3", UNITS_EVA3_GPA},
};

int
core_quantity_parse(const char *s, enum core_dim dim, double *out, struct core_err *err)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(v))
        return core_err_set(err, CORE_EINPUT, "'%s' is not a number", s);
    if (*end == '\0') {
        *out = v;
        return CORE_OK;
    }
    for (size_t i = 0; i < sizeof unit_table / sizeof unit_table[0]; i++) {
        if (unit_table[i].dim == dim && strcmp(end, unit_table[i].name) == 0) {
            *out = v * unit_table[i].factor;
            return CORE_OK;
        }
    }
    return core_err_set(err, CORE_EINPUT, "'%s': unknown unit '%s'", s, end);
}

int
core_values_parse(const char *s, enum core_dim dim, double **vals, size_t *nvals,
                  struct core_err *err)
{
    char buf[256];
    double *v = NULL;
    size_t n = 0;
    int rc;

    *vals = NULL;
    *nvals = 0;
    if (strlen(s) >= sizeof buf || s[0] == '\0')
        return core_err_set(err, CORE_EINPUT, "'%.40s': empty or too long a list", s);
    snprintf(buf, sizeof buf, "%s", s);
    if (strchr(buf, ':')) {
        char *a = buf, *b = strchr(a, ':'), *c;
        double start, stop, step, span;
        *b++ = '\0';
        c = strchr(b, ':');
        if (!c)
            return core_err_set(err, CORE_EINPUT, "'%s': a range is start:stop:step", s);
        *c++ = '\0';
        if ((rc = core_quantity_parse(a, dim, &start, err)) ||
            (rc = core_quantity_parse(b, dim, &stop, err)) ||
            (rc = core_quantity_parse(c, dim, &step, err)))
            return rc;
        span = (stop - start) / step;
        if (step == 0.0 || span < -1e-9)
            return core_err_set(err, CORE_EINPUT, "'%s': step %g does not go from %g to %g", s,
                                step, start, stop);
        if (span > 1e6)
            return core_err_set(err, CORE_EINPUT, "'%s': more than 1e6 values", s);
        n = (size_t)floor(span + 1e-9) + 1;
        v = malloc(n * sizeof *v);
        if (!v)
            return core_err_set(err, CORE_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
            v[i] = start + (double)i * step;
    } else {
        char *tok, *save = NULL;
        size_t cap = 0;
        for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            double x;
            rc = core_quantity_parse(tok, dim, &x, err);
            if (rc) {
                free(v);
                return rc;
            }
            if (n == cap) {
                double *g;
                cap = cap ? 2 * cap : 8;
                g = realloc(v, cap * sizeof *g);
                if (!g) {
                    free(v);
                    return core_err_set(err, CORE_ENOMEM, "out of memory");
                }
                v = g;
            }
            v[n++] = x;
        }
        if (n == 0)
            return core_err_set(err, CORE_EINPUT, "'%s': no values", s);
    }
    *vals = v;
    *nvals = n;
    return CORE_OK;
}
