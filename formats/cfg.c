/*
 * cfg: MLIP .cfg configurations. See cfg.h for the promises and cfg.md for the format.
 *
 * MLIP reads .cfg as a stream of whitespace-separated tokens (Configuration::Load in MLIP-2's
 * src/configuration.cpp); so do we, through a small lexer over stream_in that keeps the line
 * of every token for messages. Three parts are line-bound in MLIP and here: the names after
 * `AtomData:`, `PlusStress:` and `Features:` (the rest of that line), and the value of
 * `Feature key value` (the rest of the line after one separator character). AtomData rows
 * are read one atom per line, as every writer writes them, so that a short row is reported on
 * its own line instead of shifting every value after it.
 */
#include "cfg.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define WS " \t\r\f\v"

/* ---- lexer ---- */

struct lexer {
    struct stream_in *in;
    const char *p; /* cursor in the current line (borrowed from in); NULL before the first */
    long lineno;   /* number of the current line */
};

/* Next token across lines; *tok = NULL at end of input. The token lies in the current line. */
static int
lex_next(struct lexer *lx, const char **tok, size_t *len, struct core_err *err)
{
    for (;;) {
        const char *line;
        int rc;
        if (lx->p) {
            lx->p += strspn(lx->p, WS);
            if (*lx->p) {
                *tok = lx->p;
                *len = strcspn(lx->p, WS);
                lx->p += *len;
                return CORE_OK;
            }
        }
        rc = stream_getline(lx->in, &line, err);
        if (rc)
            return rc;
        lx->lineno = lx->in->lineno;
        if (!line) {
            lx->p = NULL;
            *tok = NULL;
            *len = 0;
            return CORE_OK;
        }
        lx->p = line;
    }
}

/* Next token on the current line only; *tok = NULL when the line is used up. */
static void
lex_inline(struct lexer *lx, const char **tok, size_t *len)
{
    *tok = NULL;
    *len = 0;
    if (!lx->p)
        return;
    lx->p += strspn(lx->p, WS);
    if (!*lx->p)
        return;
    *tok = lx->p;
    *len = strcspn(lx->p, WS);
    lx->p += *len;
}

static int
tok_is(const char *tok, size_t len, const char *word)
{
    return tok && strlen(word) == len && memcmp(tok, word, len) == 0;
}

enum { NUM_OK, NUM_BAD, NUM_NONFINITE };

/* Parses a whole token as a finite double: NUM_OK, NUM_BAD or NUM_NONFINITE. */
static int
tok_double(const char *tok, size_t len, double *out)
{
    char buf[96], *end;
    double v;
    if (len == 0 || len >= sizeof buf)
        return NUM_BAD;
    memcpy(buf, tok, len);
    buf[len] = '\0';
    v = strtod(buf, &end);
    if (end == buf || *end != '\0')
        return NUM_BAD;
    if (!isfinite(v))
        return NUM_NONFINITE; /* nan, inf, or beyond the range of a double */
    if (strspn(buf, "0123456789+-.eE") != len)
        return NUM_BAD; /* hexadecimal: strtod takes it, MLIP (C++ streams) does not */
    *out = v;
    return NUM_OK;
}

/* Parses a whole token as a long. */
static int
tok_long(const char *tok, size_t len, long *out)
{
    char buf[32], *end;
    long v;
    if (len == 0 || len >= sizeof buf)
        return NUM_BAD;
    memcpy(buf, tok, len);
    buf[len] = '\0';
    errno = 0;
    v = strtol(buf, &end, 10);
    if (end == buf || *end != '\0' || errno == ERANGE)
        return NUM_BAD;
    *out = v;
    return NUM_OK;
}

/* ---- reader ---- */

/* Per-atom columns of MLIP-2 and MLIP-3 besides id, type, positions and forces: kept as
 * pass-through properties of the same name (R, 1 column; ghost: L, 1 column). */
static const char *const extra_cols[] = {
    "site_en",  "charge",    "nbh_grades", "magmom_x",  "magmom_y",
    "magmom_z", "en_der_mx", "en_der_my",  "en_der_mz", "ghost",
};

#define NEXTRA (sizeof extra_cols / sizeof extra_cols[0])

enum col_kind { COL_ID, COL_TYPE, COL_CART, COL_DIRECT, COL_FORCE, COL_REAL, COL_GHOST };

struct col {
    enum col_kind kind;
    int k;        /* component 0..2 of a position or force */
    size_t iprop; /* property index for COL_REAL and COL_GHOST */
    char name[CORE_KEYLEN];
};

/* id, type, cartes_ and direct_ xyz, fx fy fz and the extra columns: names are distinct */
#define CFG_MAXCOLS (2 + 6 + 3 + NEXTRA)

struct reader {
    struct lexer lx;
    const char *name;
    const struct core_species_map *map;
    struct core_frame *f;
    struct core_frame feat; /* collects the Features until the frame is complete */
    struct core_err *err;
    long begin_line;
    long size;      /* -1 until Size */
    int ncell;      /* Supercell rows, -1 without Supercell */
    double cell[9]; /* Supercell rows, zero-padded */
    int has_energy;
    double energy;
    int atomdata;
    int direct; /* positions were given as direct_ (fractional) */
    long atomdata_line;
    double plus[9]; /* PlusStress as a 3x3 tensor, eV */
    int has_plus;
};

static int fail(struct reader *r, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets `name:line: what` with CORE_EINPUT. */
static int
fail(struct reader *r, long line, const char *fmt, ...)
{
    char msg[CORE_ERR_MSGLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return core_err_set(r->err, CORE_EINPUT, "%s:%ld: %s", r->name, line, msg);
}

/* Next token, which must exist: what names it in the message at end of input. */
static int
need_token(struct reader *r, const char *what, const char **tok, size_t *len)
{
    int rc = lex_next(&r->lx, tok, len, r->err);
    if (rc)
        return rc;
    if (!*tok)
        return fail(r, r->lx.lineno,
                    "unexpected end of input: %s expected (configuration from line %ld)", what,
                    r->begin_line);
    return CORE_OK;
}

/* Parses a token as a finite number; what names the quantity in the message. */
static int
number(struct reader *r, const char *tok, size_t len, const char *what, double *out)
{
    switch (tok_double(tok, len, out)) {
    case NUM_OK:
        return CORE_OK;
    case NUM_NONFINITE:
        return fail(r, r->lx.lineno, "%s: '%.*s' is not a finite number", what, (int)len, tok);
    default:
        return fail(r, r->lx.lineno, "%s: bad number '%.*s'", what, (int)len, tok);
    }
}

static int
read_size(struct reader *r, long line)
{
    const char *tok;
    size_t len;
    long n;
    int rc;

    if (r->size >= 0)
        return fail(r, line, "Size given twice");
    if ((rc = need_token(r, "the number of atoms after Size", &tok, &len)))
        return rc;
    if (tok_long(tok, len, &n) || n < 0 || n > INT_MAX)
        return fail(r, r->lx.lineno, "Size: bad number of atoms '%.*s'", (int)len, tok);
    r->size = n;
    return core_frame_resize(r->f, (size_t)n, r->err);
}

/* Supercell: 3, 6 or 9 numbers, the lattice vectors as rows (MLIP reads up to 9). */
static int
read_supercell(struct reader *r, long line)
{
    double c[9] = {0};
    int n = 0, rc;

    if (r->ncell >= 0)
        return fail(r, line, "Supercell given twice");
    while (n < 9) {
        const char *tok;
        size_t len;
        int st;
        if ((rc = lex_next(&r->lx, &tok, &len, r->err)))
            return rc;
        if (!tok)
            break;
        st = tok_double(tok, len, &c[n]);
        if (st == NUM_BAD) {
            r->lx.p = tok; /* the next keyword: put it back */
            break;
        }
        if (st == NUM_NONFINITE)
            return fail(r, r->lx.lineno, "Supercell: '%.*s' is not a finite number", (int)len, tok);
        n++;
    }
    if (n == 0 || n % 3 != 0)
        return fail(r, line, "Supercell has %d numbers; expected 3, 6 or 9 (1 to 3 vectors)", n);
    r->ncell = n / 3;
    memcpy(r->cell, c, sizeof c);
    if (r->ncell == 3) {
        double inv[9];
        struct core_err e;
        if (core_cell_inverse(c, inv, &e))
            return fail(r, line, "Supercell: %s", e.msg);
    } else if (r->ncell == 2) {
        double x[3] = {c[1] * c[5] - c[2] * c[4], c[2] * c[3] - c[0] * c[5],
                       c[0] * c[4] - c[1] * c[3]};
        double a = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
        double b = sqrt(c[3] * c[3] + c[4] * c[4] + c[5] * c[5]);
        if (!(sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]) > 1e-12 * a * b))
            return fail(r, line, "Supercell: the two lattice vectors are zero or parallel");
    } else if (c[0] == 0 && c[1] == 0 && c[2] == 0) {
        return fail(r, line, "Supercell: the lattice vector is zero");
    }
    return CORE_OK;
}

/* Parses the AtomData header (rest of the line) into cols. */
static int
atomdata_header(struct reader *r, long line, struct col *cols, int *ncols)
{
    int ncart = 0, ndirect = 0, nforce = 0, seen_xyz[3][3] = {{0}};
    const char *tok;
    size_t len;

    *ncols = 0;
    for (lex_inline(&r->lx, &tok, &len); tok; lex_inline(&r->lx, &tok, &len)) {
        struct col col, *c = &col;
        static const char *const axes = "xyz";
        if (len >= CORE_KEYLEN)
            return fail(r, line, "AtomData: column name '%.20s...' too long", tok);
        memcpy(c->name, tok, len);
        c->name[len] = '\0';
        for (int i = 0; i < *ncols; i++)
            if (strcmp(cols[i].name, c->name) == 0)
                return fail(r, line, "AtomData: column '%s' given twice", c->name);
        c->k = 0;
        if (strcmp(c->name, "id") == 0) {
            c->kind = COL_ID;
        } else if (strcmp(c->name, "type") == 0) {
            c->kind = COL_TYPE;
        } else if (len == 8 && strncmp(c->name, "cartes_", 7) == 0 && strchr(axes, c->name[7])) {
            c->kind = COL_CART;
            c->k = (int)(strchr(axes, c->name[7]) - axes);
            seen_xyz[0][c->k] = 1;
            ncart++;
        } else if (len == 8 && strncmp(c->name, "direct_", 7) == 0 && strchr(axes, c->name[7])) {
            c->kind = COL_DIRECT;
            c->k = (int)(strchr(axes, c->name[7]) - axes);
            seen_xyz[1][c->k] = 1;
            ndirect++;
        } else if (len == 2 && c->name[0] == 'f' && strchr(axes, c->name[1])) {
            c->kind = COL_FORCE;
            c->k = (int)(strchr(axes, c->name[1]) - axes);
            seen_xyz[2][c->k] = 1;
            nforce++;
        } else {
            size_t e;
            int rc;
            for (e = 0; e < NEXTRA; e++)
                if (strcmp(c->name, extra_cols[e]) == 0)
                    break;
            if (e == NEXTRA)
                return fail(r, line, "AtomData: unknown column '%s'", c->name);
            c->kind = strcmp(c->name, "ghost") == 0 ? COL_GHOST : COL_REAL;
            rc = core_frame_prop_add(r->f, c->name, c->kind == COL_GHOST ? 'L' : 'R', 1, &c->iprop,
                                     r->err);
            if (rc)
                return rc;
        }
        cols[(*ncols)++] = col; /* fits: every name is known and new */
    }
    if (ncart && ndirect)
        return fail(r, line, "AtomData: both cartes_ and direct_ columns");
    if (ncart + ndirect != 3) {
        int w = ndirect ? 1 : 0;
        for (int k = 0; k < 3; k++)
            if (!seen_xyz[w][k])
                return fail(r, line, "AtomData: no %s_%c column", w ? "direct" : "cartes",
                            "xyz"[k]);
    }
    if (nforce != 0 && nforce != 3) {
        for (int k = 0; k < 3; k++)
            if (!seen_xyz[2][k])
                return fail(r, line, "AtomData: f%c missing (forces need fx, fy and fz)", "xyz"[k]);
    }
    r->direct = ndirect == 3;
    return CORE_OK;
}

static int
read_atomdata(struct reader *r, long line)
{
    struct col cols[CFG_MAXCOLS];
    int ncols, rc, has_type = 0;
    size_t n;
    struct core_frame *f = r->f;

    if (r->atomdata)
        return fail(r, line, "AtomData given twice");
    if (r->size < 0)
        return fail(r, line, "AtomData before Size (MLIP needs Size first)");
    r->atomdata = 1;
    r->atomdata_line = line;
    if ((rc = atomdata_header(r, line, cols, &ncols)))
        return rc;
    for (int j = 0; j < ncols; j++) {
        if (cols[j].kind == COL_TYPE)
            has_type = 1;
        if (cols[j].kind == COL_FORCE && (rc = core_frame_want(f, "forces", r->err)))
            return rc;
    }
    n = (size_t)r->size;
    for (size_t i = 0; i < n; i++) {
        const char *tok;
        size_t len;
        long row;
        if ((rc = lex_next(&r->lx, &tok, &len, r->err)))
            return rc;
        if (!tok)
            return fail(r, r->lx.lineno,
                        "unexpected end of input in AtomData: %zu of %zu atom lines read", i, n);
        row = r->lx.lineno;
        for (int j = 0; j < ncols; j++) {
            const struct col *c = &cols[j];
            double v = 0;
            long l = 0;
            if (j > 0)
                lex_inline(&r->lx, &tok, &len);
            if (!tok)
                return fail(r, row, "AtomData: atom %zu has %d values, the header names %d", i + 1,
                            j, ncols);
            if (j == 0 && c->kind != COL_GHOST && tok_double(tok, len, &v) == NUM_BAD &&
                ((*tok >= 'A' && *tok <= 'Z') || (*tok >= 'a' && *tok <= 'z')))
                return fail(r, row, "AtomData: '%.*s' where atom %zu of %zu was expected", (int)len,
                            tok, i + 1, n);
            switch (c->kind) {
            case COL_ID:
                if (tok_long(tok, len, &l))
                    return fail(r, row, "AtomData: bad id '%.*s'", (int)len, tok);
                if (l != (long)i + 1)
                    return fail(r, row, "AtomData: id %ld where %zu was expected (ids are 1..N)", l,
                                i + 1);
                break;
            case COL_TYPE:
                if (tok_long(tok, len, &l))
                    return fail(r, row, "AtomData: bad type '%.*s'", (int)len, tok);
                if (l < 0 || (size_t)l >= r->map->ntypes)
                    return fail(r, row,
                                "AtomData: type %ld but the species map has %zu species "
                                "(types 0..%zu)",
                                l, r->map->ntypes, r->map->ntypes - 1);
                f->z[i] = r->map->z[l];
                break;
            case COL_GHOST:
                if (tok_is(tok, len, "true"))
                    f->prop[c->iprop].i[i] = 1;
                else if (tok_is(tok, len, "false"))
                    f->prop[c->iprop].i[i] = 0;
                else
                    return fail(r, row, "AtomData: ghost must be true or false, not '%.*s'",
                                (int)len, tok);
                break;
            default:
                switch (tok_double(tok, len, &v)) {
                case NUM_NONFINITE:
                    return fail(r, row, "AtomData: atom %zu: %s '%.*s' is not a finite number",
                                i + 1, c->name, (int)len, tok);
                case NUM_BAD:
                    return fail(r, row, "AtomData: atom %zu: bad number '%.*s' in column %s", i + 1,
                                (int)len, tok, c->name);
                }
                if (c->kind == COL_CART || c->kind == COL_DIRECT)
                    f->pos[3 * i + (size_t)c->k] = v;
                else if (c->kind == COL_FORCE)
                    f->forces[3 * i + (size_t)c->k] = v;
                else
                    f->prop[c->iprop].r[i] = v;
            }
        }
        lex_inline(&r->lx, &tok, &len);
        if (tok)
            return fail(r, row, "AtomData: atom %zu has more values than the %d columns", i + 1,
                        ncols);
    }
    if (!has_type)
        for (size_t i = 0; i < n; i++)
            f->z[i] = r->map->z[0]; /* MLIP: all atoms are type 0 */
    return CORE_OK;
}

static int
read_energy(struct reader *r, long line)
{
    const char *tok;
    size_t len;
    int rc;

    if (r->has_energy)
        return fail(r, line, "Energy given twice");
    if ((rc = need_token(r, "a number after Energy", &tok, &len)))
        return rc;
    if ((rc = number(r, tok, len, "Energy", &r->energy)))
        return rc;
    r->has_energy = 1;
    return CORE_OK;
}

/* PlusStress: names of the six components on the rest of the line, then their values. */
static int
read_plusstress(struct reader *r, long line)
{
    static const char *const comp[6] = {"xx", "yy", "zz", "yz", "xz", "xy"};
    static const int at[6][2] = {{0, 0}, {4, 4}, {8, 8}, {5, 7}, {2, 6}, {1, 3}};
    int order[6], n = 0, rc;
    const char *tok;
    size_t len;

    if (r->has_plus)
        return fail(r, line, "PlusStress given twice");
    for (lex_inline(&r->lx, &tok, &len); tok; lex_inline(&r->lx, &tok, &len)) {
        int c;
        for (c = 0; c < 6; c++)
            if (tok_is(tok, len, comp[c]))
                break;
        if (c == 6)
            return fail(r, line, "PlusStress: unknown component '%.*s'", (int)len, tok);
        for (int j = 0; j < n; j++)
            if (order[j] == c)
                return fail(r, line, "PlusStress: component %s given twice", comp[c]);
        order[n++] = c;
    }
    if (n != 6)
        return fail(r, line, "PlusStress: %d components named; expected xx yy zz yz xz xy", n);
    for (int j = 0; j < 6; j++) {
        double v;
        char what[32];
        if ((rc = need_token(r, "six PlusStress values", &tok, &len)))
            return rc;
        snprintf(what, sizeof what, "PlusStress %s", comp[order[j]]);
        if ((rc = number(r, tok, len, what, &v)))
            return rc;
        r->plus[at[order[j]][0]] = v;
        r->plus[at[order[j]][1]] = v;
    }
    r->has_plus = 1;
    return CORE_OK;
}

/* MLIP's key unescaping (mlip_string_unescape): \_ space, \t, \n, \r. */
static int
unescape_key(struct reader *r, const char *tok, size_t len, char *key)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = tok[i];
        if (ch == '\\' && i + 1 < len && strchr("_tnr", tok[i + 1])) {
            static const char from[] = "_tnr", to[] = " \t\n\r";
            ch = to[strchr(from, tok[++i]) - from];
        }
        if (o + 1 >= CORE_KEYLEN)
            return fail(r, r->lx.lineno, "Feature name '%.20s...' longer than %d characters", tok,
                        CORE_KEYLEN - 1);
        key[o++] = ch;
    }
    key[o] = '\0';
    return CORE_OK;
}

/* Adds a feature; a repeated key continues the value on a new line (as MLIP does). */
static int
add_feature(struct reader *r, const char *key, const char *value)
{
    const char *old = core_frame_info_get(&r->feat, key);
    char *joined;
    int rc;
    size_t lo, lv;

    if (!old)
        return core_frame_info_set(&r->feat, key, value, r->err);
    lo = strlen(old);
    lv = strlen(value);
    joined = malloc(lo + lv + 2);
    if (!joined)
        return core_err_set(r->err, CORE_ENOMEM, "out of memory");
    memcpy(joined, old, lo);
    joined[lo] = '\n';
    memcpy(joined + lo + 1, value, lv + 1);
    rc = core_frame_info_set(&r->feat, key, joined, r->err);
    free(joined);
    return rc;
}

/* `Feature key value`: value is the rest of the line after one separator character. */
static int
read_feature(struct reader *r, long line)
{
    const char *tok, *value;
    size_t len;
    char key[CORE_KEYLEN];
    int rc;

    lex_inline(&r->lx, &tok, &len);
    if (!tok)
        return fail(r, line, "Feature without a name");
    if ((rc = unescape_key(r, tok, len, key)))
        return rc;
    value = r->lx.p;
    if (*value)
        value++;
    r->lx.p = value + strlen(value);
    return add_feature(r, key, value);
}

/* `Features: k1 k2 ...` then one value token per name. */
static int
read_features(struct reader *r, long line)
{
    char keys[8][CORE_KEYLEN];
    int n = 0, rc;
    const char *tok;
    size_t len;

    for (lex_inline(&r->lx, &tok, &len); tok; lex_inline(&r->lx, &tok, &len)) {
        if (n == 8)
            return fail(r, line, "Features: more than 8 names on one line");
        if ((rc = unescape_key(r, tok, len, keys[n])))
            return rc;
        n++;
    }
    for (int j = 0; j < n; j++) {
        char value[256];
        if ((rc = need_token(r, "a value of Features:", &tok, &len)))
            return rc;
        if (len >= sizeof value)
            return fail(r, r->lx.lineno, "Features: value of '%s' too long", keys[j]);
        memcpy(value, tok, len);
        value[len] = '\0';
        if ((rc = add_feature(r, keys[j], value)))
            return rc;
    }
    return CORE_OK;
}

/* END_CFG: checks what must be there and derives the rest. */
static int
finish(struct reader *r, long line)
{
    struct core_frame *f = r->f;
    const char *tok;
    size_t len;

    lex_inline(&r->lx, &tok, &len);
    if (tok)
        return fail(r, line, "'%.*s' after END_CFG on the same line", (int)len, tok);
    if (r->size < 0)
        return fail(r, line, "configuration from line %ld has no Size", r->begin_line);
    if (r->size > 0 && !r->atomdata)
        return fail(r, line, "configuration from line %ld has no AtomData", r->begin_line);
    /* the keywords may come in any order and Size resets the frame: fill in the rest now */
    memcpy(f->cell, r->cell, sizeof r->cell);
    f->has_energy = r->has_energy;
    f->energy = r->energy;
    if (r->ncell > 0) {
        f->has_cell = 1;
        for (int k = 0; k < 3; k++)
            f->pbc[k] = k < r->ncell;
    }
    if (r->direct) {
        if (r->ncell != 3)
            return fail(r, r->atomdata_line,
                        "AtomData: direct_ coordinates need a Supercell of three vectors");
        for (size_t i = 0; i < f->natoms; i++) {
            double s[3] = {f->pos[3 * i], f->pos[3 * i + 1], f->pos[3 * i + 2]};
            for (int k = 0; k < 3; k++)
                f->pos[3 * i + k] =
                    s[0] * f->cell[k] + s[1] * f->cell[3 + k] + s[2] * f->cell[6 + k];
        }
    }
    if (r->has_plus) {
        f->has_virial = 1;
        memcpy(f->virial, r->plus, sizeof r->plus);
        if (r->ncell == 3) {
            double vol = core_cell_volume(f->cell);
            f->has_stress = 1;
            for (int k = 0; k < 9; k++)
                f->stress[k] = -r->plus[k] / vol;
        }
    }
    /* move the features over */
    f->info = r->feat.info;
    f->ninfo = r->feat.ninfo;
    r->feat.info = NULL;
    r->feat.ninfo = 0;
    return CORE_OK;
}

static int
read_body(struct reader *r)
{
    for (;;) {
        const char *tok;
        size_t len;
        long line;
        int rc;

        if ((rc = need_token(r, "END_CFG", &tok, &len)))
            return rc;
        line = r->lx.lineno;
        if (tok_is(tok, len, "Size"))
            rc = read_size(r, line);
        else if (tok_is(tok, len, "Supercell") || tok_is(tok, len, "SuperCell"))
            rc = read_supercell(r, line);
        else if (tok_is(tok, len, "AtomData:") || tok_is(tok, len, "Atomic_data:"))
            rc = read_atomdata(r, line);
        else if (tok_is(tok, len, "Energy"))
            rc = read_energy(r, line);
        else if (tok_is(tok, len, "PlusStress:"))
            rc = read_plusstress(r, line);
        else if (tok_is(tok, len, "Virial:") || tok_is(tok, len, "Stress:"))
            rc = fail(r, line,
                      "'%.*s' is not supported: MLIP itself rejects or rescales it; "
                      "write the virial in eV as PlusStress:",
                      (int)len, tok);
        else if (tok_is(tok, len, "Feature"))
            rc = read_feature(r, line);
        else if (tok_is(tok, len, "Features:"))
            rc = read_features(r, line);
        else if (tok_is(tok, len, "END_CFG"))
            return finish(r, line);
        else if (tok_is(tok, len, "BEGIN_CFG"))
            rc = fail(r, line, "BEGIN_CFG inside the configuration from line %ld (END_CFG missing)",
                      r->begin_line);
        else
            rc = fail(r, line, "unknown keyword '%.*s'", (int)len, tok);
        if (rc)
            return rc;
    }
}

static int
read_frame(struct stream_in *in, const struct core_species_map *map, struct core_frame *f, int *got,
           struct core_err *err)
{
    struct reader r;
    const char *line, *tok;
    size_t len;
    int rc;

    *got = 0;
    core_frame_release(f);
    if ((rc = stream_peekline(in, &line, err)))
        return rc;
    if (!line)
        return CORE_OK;
    memset(&r, 0, sizeof r);
    r.lx.in = in;
    r.name = in->name;
    r.map = map;
    r.f = f;
    r.err = err;
    r.size = -1;
    r.ncell = -1;
    core_frame_init(&r.feat);
    if ((rc = lex_next(&r.lx, &tok, &len, err)))
        goto fail;
    r.begin_line = r.lx.lineno;
    if (!tok_is(tok, len, "BEGIN_CFG")) {
        rc = fail(&r, r.lx.lineno, "expected BEGIN_CFG, found '%.*s'", (int)len, tok);
        goto fail;
    }
    if (!map || map->ntypes == 0) {
        rc = fail(&r, r.lx.lineno,
                  "MLIP .cfg stores atom types, not elements: a species map is needed "
                  "(--species C,B: type 0 is C, type 1 is B)");
        goto fail;
    }
    if ((rc = read_body(&r)))
        goto fail;
    *got = 1;
    return CORE_OK;
fail:
    core_frame_release(&r.feat);
    core_frame_release(f);
    return rc;
}

/* ---- writer ---- */

/* A pass-through property that MLIP knows as an AtomData column. */
static int
writable_prop(const struct core_prop *p)
{
    if (p->ncols != 1)
        return 0;
    if (strcmp(p->name, "ghost") == 0)
        return p->type == 'L';
    if (p->type != 'R')
        return 0;
    for (size_t e = 0; e < NEXTRA; e++)
        if (strcmp(p->name, extra_cols[e]) == 0)
            return 1;
    return 0;
}

static int
all_finite(const double *x, size_t n, size_t *bad)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            *bad = i;
            return 0;
        }
    return 1;
}

/* Writes a Feature key escaped as MLIP does (space \_, tab \t, newline \n, CR \r). */
static void
put_key(FILE *fp, const char *key)
{
    for (const char *c = key; *c; c++) {
        switch (*c) {
        case ' ':
            fputs("\\_", fp);
            break;
        case '\t':
            fputs("\\t", fp);
            break;
        case '\n':
            fputs("\\n", fp);
            break;
        case '\r':
            fputs("\\r", fp);
            break;
        default:
            fputc(*c, fp);
        }
    }
}

static int
write_frame(FILE *fp, const struct core_species_map *map, const struct core_frame *f,
            struct core_err *err)
{
    size_t n = f->natoms, bad;
    int nrows = 0, periodic = 0;
    double plus[9];
    int has_plus = 0;

    if (!map || map->ntypes == 0)
        return core_err_set(err, CORE_EINPUT,
                            "MLIP .cfg stores atom types: a species map is needed to write it "
                            "(--species C,B: type 0 is C, type 1 is B)");
    for (size_t i = 0; i < n; i++)
        if (core_species_map_type(map, f->z[i]) < 0)
            return core_err_set(err, CORE_EINPUT,
                                "atom %zu: element '%s' is not in the species map (%zu species)",
                                i + 1, core_elem_symbol(f->z[i]), map->ntypes);
    if (!all_finite(f->pos, 3 * n, &bad))
        return core_err_set(err, CORE_EINPUT, "atom %zu: position is not finite", bad / 3 + 1);
    if (f->forces && !all_finite(f->forces, 3 * n, &bad))
        return core_err_set(err, CORE_EINPUT, "atom %zu: force is not finite", bad / 3 + 1);
    if (f->has_energy && !isfinite(f->energy))
        return core_err_set(err, CORE_EINPUT, "energy is not finite");

    /* Supercell: MLIP has no per-direction flag; rows up to the last non-zero one. */
    for (int k = 0; k < 3; k++)
        periodic |= f->pbc[k];
    if (f->has_cell && periodic) {
        if (!all_finite(f->cell, 9, &bad))
            return core_err_set(err, CORE_EINPUT, "cell is not finite");
        for (int k = 0; k < 3; k++)
            if (f->cell[3 * k] != 0 || f->cell[3 * k + 1] != 0 || f->cell[3 * k + 2] != 0)
                nrows = k + 1;
        for (int k = 0; k < nrows; k++)
            if (f->cell[3 * k] == 0 && f->cell[3 * k + 1] == 0 && f->cell[3 * k + 2] == 0)
                return core_err_set(err, CORE_EINPUT,
                                    "cell vector a%d is zero but a%d is not: MLIP .cfg cannot "
                                    "hold that cell",
                                    k + 1, nrows);
    }

    /* PlusStress = virial (eV) = -stress * V, symmetrised */
    if (f->has_virial) {
        memcpy(plus, f->virial, sizeof plus);
        has_plus = 1;
    } else if (f->has_stress) {
        double vol = nrows == 3 ? core_cell_volume(f->cell) : 0.0;
        if (!(vol > 0))
            return core_err_set(
                err, CORE_EINPUT,
                "stress without a periodic 3D cell cannot be written as PlusStress");
        for (int k = 0; k < 9; k++)
            plus[k] = -f->stress[k] * vol;
        has_plus = 1;
    }
    if (has_plus && !all_finite(plus, 9, &bad))
        return core_err_set(err, CORE_EINPUT, "stress or virial is not finite");
    for (size_t j = 0; j < f->nprop; j++)
        if (writable_prop(&f->prop[j]) && f->prop[j].type == 'R' &&
            !all_finite(f->prop[j].r, n, &bad))
            return core_err_set(err, CORE_EINPUT, "atom %zu: %s is not finite", bad + 1,
                                f->prop[j].name);
    for (size_t j = 0; j < f->ninfo; j++)
        if (!f->info[j].key[0])
            return core_err_set(err, CORE_EINPUT, "an info key is empty");

    fprintf(fp, "BEGIN_CFG\n Size\n    %zu\n", n);
    if (nrows > 0) {
        fputs(" Supercell\n", fp);
        for (int k = 0; k < nrows; k++)
            fprintf(fp, "    % .16e % .16e % .16e\n", f->cell[3 * k], f->cell[3 * k + 1],
                    f->cell[3 * k + 2]);
    }
    fputs(" AtomData:  id type       cartes_x      cartes_y      cartes_z", fp);
    if (f->forces)
        fputs("           fx          fy          fz", fp);
    for (size_t j = 0; j < f->nprop; j++)
        if (writable_prop(&f->prop[j]))
            fprintf(fp, "  %s", f->prop[j].name);
    fputc('\n', fp);
    for (size_t i = 0; i < n; i++) {
        fprintf(fp, "    %zu %d  % .16e % .16e % .16e", i + 1, core_species_map_type(map, f->z[i]),
                f->pos[3 * i], f->pos[3 * i + 1], f->pos[3 * i + 2]);
        if (f->forces)
            fprintf(fp, "  % .16e % .16e % .16e", f->forces[3 * i], f->forces[3 * i + 1],
                    f->forces[3 * i + 2]);
        for (size_t j = 0; j < f->nprop; j++) {
            const struct core_prop *p = &f->prop[j];
            if (!writable_prop(p))
                continue;
            if (p->type == 'L')
                fprintf(fp, "  %s", p->i[i] ? "true" : "false");
            else
                fprintf(fp, "  % .16e", p->r[i]);
        }
        fputc('\n', fp);
    }
    if (f->has_energy)
        fprintf(fp, " Energy\n    % .16e\n", f->energy);
    if (has_plus)
        fprintf(fp,
                " PlusStress:  xx          yy          zz          yz          xz          xy\n"
                "    % .16e % .16e % .16e % .16e % .16e % .16e\n",
                plus[0], plus[4], plus[8], 0.5 * (plus[5] + plus[7]), 0.5 * (plus[2] + plus[6]),
                0.5 * (plus[1] + plus[3]));
    for (size_t j = 0; j < f->ninfo; j++) {
        const char *v = f->info[j].value;
        /* a value of several lines becomes several Feature lines of one key, as in MLIP */
        for (;;) {
            size_t l = strcspn(v, "\n");
            fputs(" Feature   ", fp);
            put_key(fp, f->info[j].key);
            fprintf(fp, "\t%.*s\n", (int)l, v);
            if (!v[l])
                break;
            v += l + 1;
        }
    }
    fputs("END_CFG\n\n", fp);
    if (ferror(fp))
        return core_err_set(err, CORE_EIO, "write error");
    return CORE_OK;
}

int
cfg_read_frame(struct stream_in *in, const struct core_species_map *map, struct core_frame *f,
               int *got, struct core_err *err)
{
    struct stream_locale loc = {0};
    int rc;

    *got = 0;
    if ((rc = stream_locale_enter(&loc, "cfg", err))) {
        core_frame_release(f);
        return rc;
    }
    rc = read_frame(in, map, f, got, err);
    stream_locale_leave(&loc);
    return rc;
}

int
cfg_write_frame(FILE *fp, const struct core_species_map *map, const struct core_frame *f,
                struct core_err *err)
{
    struct stream_locale loc = {0};
    int rc;

    if ((rc = stream_locale_enter(&loc, "cfg", err)))
        return rc;
    rc = write_frame(fp, map, f, err);
    stream_locale_leave(&loc);
    return rc;
}
