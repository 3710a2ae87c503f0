/*
 * extxyz: extended XYZ reader and writer. See extxyz.h for the mapping and formats/extxyz.md for
 * the format as read and written here.
 *
 * The comment line is split as ASE 3.22's key_val_str_to_dict does (ase/io/extxyz.py): keys and
 * values are words ended by unquoted whitespace; "...", '...', {...} and [...] quote (no nesting),
 * a backslash takes the next character literally, `key = value` is allowed, a key without `=`
 * is true ("T"). Unlike ASE an unterminated quote is an error, not the rest of the line.
 * Numeric values are split on whitespace and commas, as ASE splits them.
 *
 * ASE writes 3x3 keys (Lattice, stress, virial) flattened in Fortran order of its matrix, and its
 * matrix for Lattice is the transpose of the cell: so Lattice lists a_1, a_2, a_3 row after row,
 * while stress and virial are read as m[i][j] = v[i + 3*j] and written back the same way (the
 * same thing for the symmetric tensors that occur in practice).
 */
#include "extxyz.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Largest number of columns of an atom line (a sanity bound: no code writes more). */
#define MAXCOLS 100000

/* Widths of the columns the writer aligns (values longer than the width just push on). */
#define WIDTH_R 20
#define WIDTH_I 8

enum col_kind {
    COL_SPECIES,
    COL_Z,
    COL_POS,
    COL_FORCES,
    COL_MOMENTA,
    COL_MASSES,
    COL_TAGS,
    COL_PROP
};

/* A known column: its name in Properties, its one accepted type and width. */
static const struct {
    const char *name;
    enum col_kind kind;
    char type;
    int ncols;
} known_cols[] = {
    {"species", COL_SPECIES, 'S', 1}, {"Z", COL_Z, 'I', 1},
    {"pos", COL_POS, 'R', 3},         {"forces", COL_FORCES, 'R', 3},
    {"force", COL_FORCES, 'R', 3},    {"momenta", COL_MOMENTA, 'R', 3},
    {"masses", COL_MASSES, 'R', 1},   {"tags", COL_TAGS, 'I', 1},
};

#define NKNOWN (sizeof known_cols / sizeof known_cols[0])

/* Comment-line keys the reader interprets and the writer writes itself. */
static const char *const reserved_keys[] = {"Lattice",     "Properties", "pbc",   "energy",
                                            "free_energy", "stress",     "virial"};

struct col {
    enum col_kind kind;
    int ncols;
    size_t iprop; /* COL_PROP: index in f->prop */
    const char *name;
};

struct kv {
    const char *key;
    const char *val;
};

/* Scratch of one read call. */
struct reader {
    struct stream_in *in;
    struct core_err *err;
    long cline; /* line number of the comment line */
    char *cbuf; /* unquoted keys and values of the comment line */
    struct kv *kv;
    size_t nkv;
    struct col cols[NKNOWN + 64];
    struct col *colv; /* cols, or a heap array when there are many */
    size_t ncol, colcap;
    size_t ntok; /* tokens per atom line */
    const char **ts;
    size_t *tl;
    char dflt[20]; /* the default Properties, species:S:1:pos:R:3 */
};

/* ---- small helpers ---- */

static int
is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n';
}

static const char *
skip_ws(const char *p)
{
    while (is_ws(*p))
        p++;
    return p;
}

/*
 * Parses s[0..len) as a finite decimal real: digits, sign, point and exponent only (no hex, no
 * "nan"/"inf", no Fortran "d"). Gradual underflow is accepted; overflow is not.
 */
static int
parse_real(const char *s, size_t len, double *v)
{
    char *end;
    if (len == 0 || strspn(s, "0123456789+-.eE") < len)
        return -1;
    errno = 0;
    *v = strtod(s, &end);
    if (end != s + len || !isfinite(*v) || (errno == ERANGE && fabs(*v) > 1.0))
        return -1;
    return 0;
}

static int
parse_int(const char *s, size_t len, long *v)
{
    char *end;
    if (len == 0 || strspn(s, "0123456789+-") < len)
        return -1;
    errno = 0;
    *v = strtol(s, &end, 10);
    if (end != s + len || errno == ERANGE)
        return -1;
    return 0;
}

static int
parse_bool(const char *s, size_t len, long *v)
{
    if ((len == 1 && s[0] == 'T') || (len == 4 && memcmp(s, "True", 4) == 0)) {
        *v = 1;
        return 0;
    }
    if ((len == 1 && s[0] == 'F') || (len == 5 && memcmp(s, "False", 5) == 0)) {
        *v = 0;
        return 0;
    }
    return -1;
}

/* 1 when s cannot be a Properties column name: empty, or with a blank, a control character or
 * one of : " ' { } [ ] = \ (the comment line would need quotes that ASE does not write there). */
static int
bad_name(const char *s)
{
    if (!*s)
        return 1;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == ' ' || strchr(":\"'{}[]=\\", *s))
            return 1;
    return 0;
}

/* 1 when the string cell s cannot be written as one word of an atom line. */
static int
bad_word(const char *s, size_t len)
{
    if (len == 0)
        return 1;
    for (size_t k = 0; k < len; k++)
        if (is_ws(s[k]))
            return 1;
    return 0;
}

/* ---- reading: the comment line ---- */

/*
 * Copies one word from *pp to *op without its quotes and escapes; stops at unquoted whitespace,
 * and at an unquoted '=' when stop_eq. On an unterminated quote returns -1 with *quote set.
 */
static int
word_parse(const char **pp, char **op, int stop_eq, char *quote)
{
    const char *p = *pp;
    char *o = *op;

    while (*p && !is_ws(*p) && !(stop_eq && *p == '=')) {
        char c = *p++;
        if (c == '\\') {
            if (*p)
                *o++ = *p++;
        } else if (c == '"' || c == '\'' || c == '{' || c == '[') {
            char close = c == '{' ? '}' : c == '[' ? ']' : c;
            for (;;) {
                if (!*p) {
                    *quote = c;
                    return -1;
                }
                if (*p == '\\' && p[1]) {
                    *o++ = p[1];
                    p += 2;
                } else if (*p == close) {
                    p++;
                    break;
                } else {
                    *o++ = *p++;
                }
            }
        } else {
            *o++ = c;
        }
    }
    *o++ = '\0';
    *pp = p;
    *op = o;
    return 0;
}

static int
comment_split(struct reader *r, const char *line)
{
    size_t len = strlen(line);
    const char *p = line;
    char *o, quote = 0;

    r->cbuf = malloc(3 * len + 4);
    r->kv = malloc((len / 2 + 1) * sizeof *r->kv);
    if (!r->cbuf || !r->kv)
        return core_err_set(r->err, CORE_ENOMEM, "out of memory");
    o = r->cbuf;
    for (;;) {
        struct kv *kv = &r->kv[r->nkv];
        const char *q;
        p = skip_ws(p);
        if (!*p)
            break;
        if (*p == '=')
            return core_err_set(r->err, CORE_EINPUT, "%s:%ld: '=' without a key before it",
                                r->in->name, r->cline);
        kv->key = o;
        if (word_parse(&p, &o, 1, &quote))
            goto unterminated;
        if (!kv->key[0])
            return core_err_set(r->err, CORE_EINPUT, "%s:%ld: empty key", r->in->name, r->cline);
        if (strlen(kv->key) >= CORE_KEYLEN)
            return core_err_set(r->err, CORE_EINPUT,
                                "%s:%ld: key '%.20s...' longer than %d characters", r->in->name,
                                r->cline, kv->key, CORE_KEYLEN - 1);
        q = skip_ws(p);
        if (*q == '=') {
            p = skip_ws(q + 1);
            kv->val = o;
            if (word_parse(&p, &o, 0, &quote))
                goto unterminated;
        } else {
            kv->val = o; /* a bare key is true, as ASE reads it */
            *o++ = 'T';
            *o++ = '\0';
        }
        r->nkv++;
    }
    return CORE_OK;
unterminated:
    return core_err_set(r->err, CORE_EINPUT, "%s:%ld: unterminated quote %c in the comment line",
                        r->in->name, r->cline, quote);
}

/*
 * Parses the numbers of a value (split on whitespace and commas, as ASE does) into v[0..max).
 * *n counts all of them. Returns -1 with *bad and *badlen set at the first token that is not
 * a finite number.
 */
static int
numbers_parse(const char *s, double *v, size_t max, size_t *n, const char **bad, size_t *badlen)
{
    *n = 0;
    for (;;) {
        size_t len;
        double x;
        while (is_ws(*s) || *s == ',')
            s++;
        if (!*s)
            return 0;
        len = 0;
        while (s[len] && !is_ws(s[len]) && s[len] != ',')
            len++;
        if (parse_real(s, len, &x)) {
            *bad = s;
            *badlen = len;
            return -1;
        }
        if (*n < max)
            v[*n] = x;
        (*n)++;
        s += len;
    }
}

/* Parses key's value into exactly one of the counts n1, n2 (n2 = 0: only n1) of numbers. */
static int
key_numbers(struct reader *r, const struct kv *kv, double *v, size_t n1, size_t n2, size_t *n)
{
    const char *bad;
    size_t badlen;
    size_t max = n1 > n2 ? n1 : n2;

    if (numbers_parse(kv->val, v, max, n, &bad, &badlen))
        return core_err_set(r->err, CORE_EINPUT, "%s:%ld: %s: '%.*s' is not a finite number",
                            r->in->name, r->cline, kv->key, (int)(badlen > 40 ? 40 : badlen), bad);
    if (*n == n1 || (n2 && *n == n2))
        return CORE_OK;
    if (n2)
        return core_err_set(r->err, CORE_EINPUT, "%s:%ld: %s: expected %zu or %zu numbers, got %zu",
                            r->in->name, r->cline, kv->key, n2, n1, *n);
    return core_err_set(r->err, CORE_EINPUT, "%s:%ld: %s: expected %zu number%s, got %zu",
                        r->in->name, r->cline, kv->key, n1, n1 == 1 ? "" : "s", *n);
}

/* A 3x3 tensor from 9 numbers in ASE's Fortran order, or from 6 Voigt numbers xx yy zz yz xz xy. */
static void
tensor_set(double m[9], const double *v, size_t n)
{
    if (n == 9) {
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                m[3 * i + j] = v[i + 3 * j];
        return;
    }
    m[0] = v[0];
    m[4] = v[1];
    m[8] = v[2];
    m[5] = m[7] = v[3];
    m[2] = m[6] = v[4];
    m[1] = m[3] = v[5];
}

static int
pbc_parse(struct reader *r, const char *s, int pbc[3])
{
    long b[3];
    int n = 0;
    const char *p = s;

    for (;;) {
        size_t len = 0;
        while (is_ws(*p) || *p == ',')
            p++;
        if (!*p)
            break;
        while (p[len] && !is_ws(p[len]) && p[len] != ',')
            len++;
        if (n == 3 || parse_bool(p, len, &b[n]))
            goto bad;
        n++;
        p += len;
    }
    if (n == 1)
        b[1] = b[2] = b[0];
    else if (n != 3)
        goto bad;
    for (int k = 0; k < 3; k++)
        pbc[k] = (int)b[k];
    return CORE_OK;
bad:
    return core_err_set(r->err, CORE_EINPUT, "%s:%ld: pbc: expected 3 of T/F, got '%.40s'",
                        r->in->name, r->cline, s);
}

static int
col_push(struct reader *r, enum col_kind kind, int ncols, size_t iprop, const char *name)
{
    if (r->ncol == r->colcap) {
        size_t cap = 2 * r->colcap;
        struct col *grown = malloc(cap * sizeof *grown);
        if (!grown)
            return core_err_set(r->err, CORE_ENOMEM, "out of memory");
        memcpy(grown, r->colv, r->ncol * sizeof *grown);
        if (r->colv != r->cols)
            free(r->colv);
        r->colv = grown;
        r->colcap = cap;
    }
    r->colv[r->ncol].kind = kind;
    r->colv[r->ncol].ncols = ncols;
    r->colv[r->ncol].iprop = iprop;
    r->colv[r->ncol].name = name;
    r->ncol++;
    r->ntok += (size_t)ncols;
    return CORE_OK;
}

/* Parses Properties (s is modified: the fields are cut at ':') and allocates f's arrays. */
static int
props_parse(struct reader *r, char *s, struct core_frame *f)
{
    const char *what = s[0] ? s : "(empty)";
    char whatbuf[48];
    int seen[COL_PROP] = {0};
    char *p = s;

    snprintf(whatbuf, sizeof whatbuf, "%.40s%s", what, strlen(what) > 40 ? "..." : "");
    for (;;) {
        char *name = p, *type, *ncs;
        long nc;
        int rc;
        enum col_kind kind = COL_PROP;
        size_t iprop = 0;

        type = strchr(name, ':');
        ncs = type ? strchr(type + 1, ':') : NULL;
        if (!ncs)
            return core_err_set(r->err, CORE_EINPUT,
                                "%s:%ld: Properties: expected name:type:columns triplets, got '%s'",
                                r->in->name, r->cline, whatbuf);
        *type++ = '\0';
        *ncs++ = '\0';
        p = strchr(ncs, ':');
        if (p)
            *p++ = '\0';
        if (bad_name(name) || strlen(name) >= CORE_KEYLEN)
            return core_err_set(r->err, CORE_EINPUT, "%s:%ld: Properties: bad column name '%.40s'",
                                r->in->name, r->cline, name);
        if (strlen(type) != 1 || !strchr("SRIL", type[0]))
            return core_err_set(r->err, CORE_EINPUT,
                                "%s:%ld: Properties: '%s' has type '%.10s', not S, R, I or L",
                                r->in->name, r->cline, name, type);
        if (parse_int(ncs, strlen(ncs), &nc) || nc < 1 || nc > MAXCOLS ||
            r->ntok + (size_t)nc > MAXCOLS)
            return core_err_set(r->err, CORE_EINPUT,
                                "%s:%ld: Properties: '%s' has a bad column count '%.20s'",
                                r->in->name, r->cline, name, ncs);
        for (size_t k = 0; k < NKNOWN; k++) {
            if (strcmp(name, known_cols[k].name) != 0)
                continue;
            /* ASE writes species:R:1 for a frame without atoms: no data, nothing to check */
            if (f->natoms && (type[0] != known_cols[k].type || nc != known_cols[k].ncols))
                return core_err_set(r->err, CORE_EINPUT, "%s:%ld: Properties: '%s' must be %c:%d",
                                    r->in->name, r->cline, name, known_cols[k].type,
                                    known_cols[k].ncols);
            kind = known_cols[k].kind;
            if (seen[kind]++)
                return core_err_set(r->err, CORE_EINPUT, "%s:%ld: Properties: '%s' given twice",
                                    r->in->name, r->cline, name);
        }
        if (kind == COL_PROP) {
            for (size_t k = 0; k < f->nprop; k++)
                if (strcmp(f->prop[k].name, name) == 0)
                    return core_err_set(r->err, CORE_EINPUT, "%s:%ld: Properties: '%s' given twice",
                                        r->in->name, r->cline, name);
            rc = core_frame_prop_add(f, name, type[0], (int)nc, &iprop, r->err);
            if (rc)
                return rc;
        } else if (kind == COL_FORCES || kind == COL_MOMENTA || kind == COL_MASSES ||
                   kind == COL_TAGS) {
            static const char *const which[] = {[COL_FORCES] = "forces",
                                                [COL_MOMENTA] = "vel",
                                                [COL_MASSES] = "mass",
                                                [COL_TAGS] = "tag"};
            rc = core_frame_want(f, which[kind], r->err);
            if (rc)
                return rc;
        }
        rc = col_push(r, kind, (int)nc, iprop, name);
        if (rc)
            return rc;
        if (!p)
            break;
    }
    if (!seen[COL_POS])
        return core_err_set(r->err, CORE_EINPUT, "%s:%ld: Properties: no pos column in '%s'",
                            r->in->name, r->cline, whatbuf);
    if (!seen[COL_SPECIES] && !seen[COL_Z])
        return core_err_set(r->err, CORE_EINPUT,
                            "%s:%ld: Properties: no species or Z column in '%s'", r->in->name,
                            r->cline, whatbuf);
    return CORE_OK;
}

static int
is_reserved(const char *key)
{
    for (size_t k = 0; k < sizeof reserved_keys / sizeof reserved_keys[0]; k++)
        if (strcmp(key, reserved_keys[k]) == 0)
            return 1;
    return 0;
}

static int
comment_apply(struct reader *r, struct core_frame *f)
{
    char *props = NULL;
    int pbc[3] = {1, 1, 1}; /* ASE: a Lattice without pbc is periodic in all three */
    double v[9];
    size_t n;
    int rc;

    for (size_t ik = 0; ik < r->nkv; ik++) {
        const struct kv *kv = &r->kv[ik];
        if (strcmp(kv->key, "Lattice") == 0) {
            double inv[9];
            struct core_err e2;
            if ((rc = key_numbers(r, kv, v, 9, 0, &n)))
                return rc;
            if (core_cell_inverse(v, inv, &e2))
                return core_err_set(r->err, CORE_EINPUT, "%s:%ld: Lattice: %s", r->in->name,
                                    r->cline, e2.msg);
            memcpy(f->cell, v, sizeof v);
            f->has_cell = 1;
        } else if (strcmp(kv->key, "Properties") == 0) {
            props = r->cbuf + (kv->val - r->cbuf); /* our own copy */
        } else if (strcmp(kv->key, "pbc") == 0) {
            if ((rc = pbc_parse(r, kv->val, pbc)))
                return rc;
        } else if (strcmp(kv->key, "energy") == 0) {
            if ((rc = key_numbers(r, kv, &f->energy, 1, 0, &n)))
                return rc;
            f->has_energy = 1;
        } else if (strcmp(kv->key, "free_energy") == 0) {
            if ((rc = key_numbers(r, kv, &f->free_energy, 1, 0, &n)))
                return rc;
            f->has_free_energy = 1;
        } else if (strcmp(kv->key, "stress") == 0) {
            if ((rc = key_numbers(r, kv, v, 9, 6, &n)))
                return rc;
            tensor_set(f->stress, v, n);
            f->has_stress = 1;
        } else if (strcmp(kv->key, "virial") == 0) {
            if ((rc = key_numbers(r, kv, v, 9, 6, &n)))
                return rc;
            tensor_set(f->virial, v, n);
            f->has_virial = 1;
        } else {
            if ((rc = core_frame_info_set(f, kv->key, kv->val, r->err)))
                return rc;
        }
    }
    /* without a Lattice the frame has no cell and pbc means nothing (core_frame: pbc all 0) */
    for (int k = 0; k < 3; k++)
        f->pbc[k] = f->has_cell ? pbc[k] : 0;
    if (!props) {
        memcpy(r->dflt, "species:S:1:pos:R:3", sizeof r->dflt);
        props = r->dflt;
    }
    return props_parse(r, props, f);
}

/* ---- reading: the count line and the atom lines ---- */

/* Parses a count line: an integer alone, blanks around it allowed. Returns 0; -1 when the line
 * is not an integer; -2 when it is an integer too large for a long (*n = LONG_MAX). */
static int
count_parse(const char *line, long *n)
{
    const char *p = skip_ws(line);
    size_t len = 0, sign;
    while (p[len] && !is_ws(p[len]))
        len++;
    if (*skip_ws(p + len) != '\0')
        return -1;
    if (parse_int(p, len, n) == 0)
        return 0;
    sign = *p == '+' || *p == '-';
    if (len > sign && strspn(p + sign, "0123456789") == len - sign) {
        *n = *p == '-' ? LONG_MIN : LONG_MAX;
        return -2;
    }
    return -1;
}

int
extxyz_probe(const char *line)
{
    long n;
    return line && count_parse(line, &n) == 0 && n >= 0 && n <= EXTXYZ_NATOMS_MAX;
}

/* Element of a species token, capitalised as ASE does ("si", "SI" -> Si); 0 if unknown. */
static int
species_z(const char *s, size_t len)
{
    char sym[8];
    if (len == 0 || len >= sizeof sym)
        return 0;
    sym[0] = (char)(s[0] >= 'a' && s[0] <= 'z' ? s[0] - 'a' + 'A' : s[0]);
    for (size_t k = 1; k < len; k++)
        sym[k] = (char)(s[k] >= 'A' && s[k] <= 'Z' ? s[k] - 'A' + 'a' : s[k]);
    sym[len] = '\0';
    return core_elem_z(sym);
}

static int
bad_value(struct reader *r, const char *col, const char *tok, size_t len, const char *what)
{
    return core_err_set(r->err, CORE_EINPUT, "%s:%ld: %s: '%.*s' is not %s", r->in->name,
                        r->in->lineno, col, (int)(len > 40 ? 40 : len), tok, what);
}

static int
atom_line(struct reader *r, struct core_frame *f, size_t i, const char *line, int *zcache,
          const char **symcache, size_t *symlen)
{
    size_t nt = 0, it = 0;
    const char *p = line;
    int zs = 0, zz = 0;

    for (;;) {
        size_t len = 0;
        p = skip_ws(p);
        if (!*p)
            break;
        while (p[len] && !is_ws(p[len]))
            len++;
        if (nt < r->ntok) {
            r->ts[nt] = p;
            r->tl[nt] = len;
        }
        nt++;
        p += len;
    }
    if (nt != r->ntok)
        return core_err_set(r->err, CORE_EINPUT, "%s:%ld: expected %zu columns, got %zu",
                            r->in->name, r->in->lineno, r->ntok, nt);
    for (size_t ic = 0; ic < r->ncol; ic++) {
        const struct col *c = &r->colv[ic];
        const char **ts = r->ts + it;
        const size_t *tl = r->tl + it;
        double *dst = NULL;
        it += (size_t)c->ncols;
        switch (c->kind) {
        case COL_SPECIES:
            if (*symcache && tl[0] == *symlen && memcmp(ts[0], *symcache, tl[0]) == 0) {
                zs = *zcache;
            } else {
                zs = species_z(ts[0], tl[0]);
                if (!zs)
                    return core_err_set(r->err, CORE_EINPUT, "%s:%ld: unknown element '%.*s'",
                                        r->in->name, r->in->lineno, (int)(tl[0] > 20 ? 20 : tl[0]),
                                        ts[0]);
                *zcache = zs;
                *symcache = ts[0];
                *symlen = tl[0];
            }
            continue;
        case COL_Z: {
            long z;
            if (parse_int(ts[0], tl[0], &z) || z < 1 || z > CORE_ZMAX)
                return bad_value(r, c->name, ts[0], tl[0], "an atomic number (1..118)");
            zz = (int)z;
            continue;
        }
        case COL_TAGS:
            if (parse_int(ts[0], tl[0], &f->tag[i]))
                return bad_value(r, c->name, ts[0], tl[0], "an integer");
            continue;
        case COL_MASSES:
            if (parse_real(ts[0], tl[0], &f->mass[i]))
                return bad_value(r, c->name, ts[0], tl[0], "a finite number");
            if (!(f->mass[i] > 0))
                return bad_value(r, c->name, ts[0], tl[0], "a positive mass");
            continue;
        case COL_POS:
            dst = f->pos + 3 * i;
            break;
        case COL_FORCES:
            dst = f->forces + 3 * i;
            break;
        case COL_MOMENTA:
            dst = f->vel + 3 * i; /* momenta for now; made velocities once masses are known */
            break;
        case COL_PROP: {
            struct core_prop *pr = &f->prop[c->iprop];
            size_t base = i * (size_t)pr->ncols;
            for (int k = 0; k < pr->ncols; k++) {
                switch (pr->type) {
                case 'R':
                    if (parse_real(ts[k], tl[k], &pr->r[base + k]))
                        return bad_value(r, c->name, ts[k], tl[k], "a finite number");
                    break;
                case 'I':
                    if (parse_int(ts[k], tl[k], &pr->i[base + k]))
                        return bad_value(r, c->name, ts[k], tl[k], "an integer");
                    break;
                case 'L':
                    if (parse_bool(ts[k], tl[k], &pr->i[base + k]))
                        return bad_value(r, c->name, ts[k], tl[k], "a logical (T or F)");
                    break;
                default: /* 'S' */
                    if (tl[k] >= CORE_SLEN)
                        return core_err_set(r->err, CORE_EINPUT,
                                            "%s:%ld: %s: '%.*s...' is longer than %d characters",
                                            r->in->name, r->in->lineno, c->name, 20, ts[k],
                                            CORE_SLEN - 1);
                    memcpy(pr->s + (base + k) * CORE_SLEN, ts[k], tl[k]);
                    pr->s[(base + k) * CORE_SLEN + tl[k]] = '\0';
                    break;
                }
            }
            continue;
        }
        }
        for (int k = 0; k < 3; k++)
            if (parse_real(ts[k], tl[k], &dst[k]))
                return bad_value(r, c->name, ts[k], tl[k], "a finite number");
    }
    if (zs && zz && zs != zz)
        return core_err_set(r->err, CORE_EINPUT, "%s:%ld: species %s and Z %d disagree",
                            r->in->name, r->in->lineno, core_elem_symbol(zs), zz);
    f->z[i] = zs ? zs : zz;
    return CORE_OK;
}

static int
read_frame(struct reader *r, struct core_frame *f, int *got)
{
    struct stream_in *in = r->in;
    const char *line;
    long natoms;
    int rc;

    if ((rc = stream_peekline(in, &line, r->err)))
        return rc;
    if (!line)
        return CORE_OK;
    if ((rc = stream_getline(in, &line, r->err)))
        return rc;
    rc = count_parse(line, &natoms);
    if (rc == -2 && natoms > 0)
        return core_err_set(r->err, CORE_EINPUT, "%s:%ld: atom count %.40s exceeds the limit %ld",
                            in->name, in->lineno, skip_ws(line), EXTXYZ_NATOMS_MAX);
    if (rc == -2)
        return core_err_set(r->err, CORE_EINPUT, "%s:%ld: negative atom count %.40s", in->name,
                            in->lineno, skip_ws(line));
    if (rc)
        return core_err_set(r->err, CORE_EINPUT, "%s:%ld: expected an atom count, got '%.40s%s'",
                            in->name, in->lineno, line, strlen(line) > 40 ? "..." : "");
    if (natoms < 0)
        return core_err_set(r->err, CORE_EINPUT, "%s:%ld: negative atom count %ld", in->name,
                            in->lineno, natoms);
    if (natoms > EXTXYZ_NATOMS_MAX)
        return core_err_set(r->err, CORE_EINPUT, "%s:%ld: atom count %ld exceeds the limit %ld",
                            in->name, in->lineno, natoms, EXTXYZ_NATOMS_MAX);
    if (core_frame_resize(f, (size_t)natoms, r->err))
        return core_err_set(r->err, CORE_ENOMEM, "%s:%ld: out of memory for %ld atoms", in->name,
                            in->lineno, natoms);
    if ((rc = stream_getline(in, &line, r->err)))
        return rc;
    if (!line)
        return core_err_set(r->err, CORE_EINPUT,
                            "%s:%ld: truncated frame: expected a comment line after the count",
                            in->name, in->lineno);
    r->cline = in->lineno;
    if ((rc = comment_split(r, line)) || (rc = comment_apply(r, f)))
        return rc;
    r->ts = malloc((r->ntok + 1) * sizeof *r->ts);
    r->tl = malloc((r->ntok + 1) * sizeof *r->tl);
    if (!r->ts || !r->tl)
        return core_err_set(r->err, CORE_ENOMEM, "out of memory");
    {
        int zcache = 0;
        const char *symcache = NULL;
        char sym[8];
        size_t symlen = 0;
        for (size_t i = 0; i < f->natoms; i++) {
            if ((rc = stream_getline(in, &line, r->err)))
                return rc;
            if (!line)
                return core_err_set(r->err, CORE_EINPUT,
                                    "%s:%ld: truncated frame: expected %zu atoms, got %zu",
                                    in->name, in->lineno, f->natoms, i);
            if ((rc = atom_line(r, f, i, line, &zcache, &symcache, &symlen)))
                return rc;
            /* the line buffer is reused: keep the cached symbol in our own storage */
            if (symcache && symcache != sym) {
                memcpy(sym, symcache, symlen);
                symcache = sym;
            }
        }
    }
    if (f->vel) {
        /* ASE momenta p = m v in amu * Angstrom / (ASE time unit); v in Angstrom/ps is
         * p / (m * T) with T = UNITS_ASE_TIME_PS. The writer uses the same factor m * T and
         * writes the decimal that divides back to the same v (momentum_format). */
        const double t = UNITS_ASE_TIME_PS;
        for (size_t i = 0; i < f->natoms; i++) {
            double k = (f->mass ? f->mass[i] : core_elem_mass(f->z[i])) * t;
            for (int c = 0; c < 3; c++)
                f->vel[3 * i + c] /= k;
        }
    }
    *got = 1;
    return CORE_OK;
}

int
extxyz_read_frame(struct stream_in *in, struct core_frame *f, int *got, struct core_err *err)
{
    struct reader r;
    struct stream_locale loc = {0};
    int rc;

    *got = 0;
    core_frame_release(f);
    memset(&r, 0, sizeof r);
    r.in = in;
    r.err = err;
    r.colv = r.cols;
    r.colcap = sizeof r.cols / sizeof r.cols[0];
    if ((rc = stream_locale_enter(&loc, "extxyz", err)))
        return rc;
    rc = read_frame(&r, f, got);
    stream_locale_leave(&loc);
    free(r.cbuf);
    free(r.kv);
    free(r.ts);
    free(r.tl);
    if (r.colv != r.cols)
        free(r.colv);
    if (rc) {
        core_frame_release(f);
        *got = 0;
    }
    return rc;
}

/* ---- writing ---- */

/* A growing text buffer; fail is set once an allocation failed. */
struct sbuf {
    char *s;
    size_t len, cap;
    int fail;
};

static int
sb_room(struct sbuf *b, size_t add)
{
    if (b->fail)
        return -1;
    if (b->len + add + 1 > b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 1024;
        char *s;
        while (cap < b->len + add + 1)
            cap *= 2;
        s = realloc(b->s, cap);
        if (!s) {
            b->fail = 1;
            return -1;
        }
        b->s = s;
        b->cap = cap;
    }
    return 0;
}

static void
sb_put(struct sbuf *b, const char *s, size_t n)
{
    if (sb_room(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void
sb_puts(struct sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* Appends s right-aligned (width > 0) or left-aligned (width < 0) in |width|, after one space. */
static void
sb_col(struct sbuf *b, const char *s, size_t n, int width)
{
    size_t w = (size_t)(width < 0 ? -width : width);
    size_t pad = n < w ? w - n : 0;
    if (sb_room(b, 1 + pad + n))
        return;
    b->s[b->len++] = ' ';
    if (width > 0) {
        memset(b->s + b->len, ' ', pad);
        b->len += pad;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    if (width < 0) {
        memset(b->s + b->len, ' ', pad);
        b->len += pad;
    }
    b->s[b->len] = '\0';
}

static void
sb_real(struct sbuf *b, double v)
{
    char buf[EXTXYZ_REALLEN];
    sb_put(b, buf, (size_t)extxyz_real_format(buf, v));
}

/* Characters that make a comment-line word need quotes (ASE's escape() plus '=' and '\'). */
static int
needs_quotes(const char *s)
{
    if (!*s)
        return 1;
    for (; *s; s++)
        if (is_ws(*s) || strchr("\"'{}[]=\\", *s))
            return 1;
    return 0;
}

static void
sb_word(struct sbuf *b, const char *s)
{
    if (!needs_quotes(s)) {
        sb_puts(b, s);
        return;
    }
    sb_put(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            sb_put(b, "\\", 1);
        sb_put(b, s, 1);
    }
    sb_put(b, "\"", 1);
}

/* 9 numbers of a tensor in ASE's order (Fortran order of m; rows of the cell for Lattice). */
static void
sb_tensor(struct sbuf *b, const char *key, const double m[9], int fortran)
{
    sb_puts(b, key);
    sb_puts(b, "=\"");
    for (int k = 0; k < 9; k++) {
        if (k)
            sb_put(b, " ", 1);
        sb_real(b, fortran ? m[3 * (k % 3) + k / 3] : m[k]);
    }
    sb_puts(b, "\" ");
}

/* Adds ".0" to an integral number of n characters in buf, so that readers see a float. */
static int
point_append(char *buf, int n)
{
    if (!strpbrk(buf, ".eEni")) {
        buf[n++] = '.';
        buf[n++] = '0';
        buf[n] = '\0';
    }
    return n;
}

int
extxyz_real_format(char *buf, double v)
{
    int n = snprintf(buf, EXTXYZ_REALLEN, "%.15g", v);
    if (strtod(buf, NULL) != v) {
        n = snprintf(buf, EXTXYZ_REALLEN, "%.16g", v);
        if (strtod(buf, NULL) != v)
            n = snprintf(buf, EXTXYZ_REALLEN, "%.17g", v);
    }
    return point_append(buf, n);
}

/*
 * Momentum p = v k (k = m T) as the shortest decimal that the reader turns back into exactly v
 * (p / k == v), when 15 or 16 digits do; else the shortest form of v k or of a neighbouring
 * double that divides back to v. For momenta that came from text with up to 15 digits this gives
 * back that text.
 */
static int
momentum_format(char *buf, double v, double k)
{
    double p = v * k;
    for (int prec = 15; prec <= 16; prec++) {
        int n = snprintf(buf, EXTXYZ_REALLEN, "%.*g", prec, p);
        if (strtod(buf, NULL) / k == v)
            return point_append(buf, n);
    }
    /* 17 digits: p or a neighbour of it that divides back to v, when one does */
    if (p / k != v && nextafter(p, -INFINITY) / k == v)
        p = nextafter(p, -INFINITY);
    else if (p / k != v && nextafter(p, INFINITY) / k == v)
        p = nextafter(p, INFINITY);
    return extxyz_real_format(buf, p);
}

static int
all_finite(const double *v, size_t n, size_t *bad)
{
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(v[k])) {
            *bad = k;
            return 0;
        }
    }
    return 1;
}

static int
frame_check(const struct core_frame *f, struct core_err *err)
{
    size_t n = f->natoms, bad;

    if (n && (!f->z || !f->pos))
        return core_err_set(err, CORE_EINPUT, "extxyz: frame of %zu atoms without z or pos", n);
    for (size_t i = 0; i < n; i++)
        if (f->z[i] < 1 || f->z[i] > CORE_ZMAX)
            return core_err_set(err, CORE_EINPUT, "extxyz: atom %zu: atomic number %d not in 1..%d",
                                i + 1, f->z[i], CORE_ZMAX);
    if (!all_finite(f->pos, 3 * n, &bad))
        return core_err_set(err, CORE_EINPUT, "extxyz: atom %zu: position is NaN or Inf",
                            bad / 3 + 1);
    if (f->forces && !all_finite(f->forces, 3 * n, &bad))
        return core_err_set(err, CORE_EINPUT, "extxyz: atom %zu: force is NaN or Inf", bad / 3 + 1);
    if (f->vel && !all_finite(f->vel, 3 * n, &bad))
        return core_err_set(err, CORE_EINPUT, "extxyz: atom %zu: velocity is NaN or Inf",
                            bad / 3 + 1);
    if (f->mass)
        for (size_t i = 0; i < n; i++)
            if (!isfinite(f->mass[i]) || !(f->mass[i] > 0))
                return core_err_set(err, CORE_EINPUT, "extxyz: atom %zu: mass %g is not positive",
                                    i + 1, f->mass[i]);
    if ((f->has_cell && !all_finite(f->cell, 9, &bad)) || (f->has_energy && !isfinite(f->energy)) ||
        (f->has_free_energy && !isfinite(f->free_energy)) ||
        (f->has_stress && !all_finite(f->stress, 9, &bad)) ||
        (f->has_virial && !all_finite(f->virial, 9, &bad)))
        return core_err_set(err, CORE_EINPUT,
                            "extxyz: NaN or Inf in the cell, energy, stress or virial");
    for (size_t ip = 0; ip < f->nprop; ip++) {
        const struct core_prop *p = &f->prop[ip];
        size_t cells = n * (size_t)(p->ncols > 0 ? p->ncols : 0);
        if (bad_name(p->name))
            return core_err_set(err, CORE_EINPUT, "extxyz: property name '%s' cannot be written",
                                p->name);
        for (size_t k = 0; k < NKNOWN; k++)
            if (strcmp(p->name, known_cols[k].name) == 0)
                return core_err_set(err, CORE_EINPUT,
                                    "extxyz: property '%s' clashes with the column of that name",
                                    p->name);
        for (size_t k = 0; k < ip; k++)
            if (strcmp(p->name, f->prop[k].name) == 0)
                return core_err_set(err, CORE_EINPUT, "extxyz: property '%s' given twice", p->name);
        if (p->ncols < 1 || !strchr("SRIL", p->type) || !p->type || (p->type == 'R' && !p->r) ||
            ((p->type == 'I' || p->type == 'L') && !p->i) || (p->type == 'S' && !p->s))
            return core_err_set(err, CORE_EINPUT, "extxyz: property '%s' is malformed", p->name);
        if (p->type == 'R' && !all_finite(p->r, cells, &bad))
            return core_err_set(err, CORE_EINPUT, "extxyz: atom %zu: %s is NaN or Inf",
                                bad / (size_t)p->ncols + 1, p->name);
        if (p->type == 'S')
            for (size_t k = 0; k < cells; k++) {
                const char *s = p->s + k * CORE_SLEN;
                size_t len = strnlen(s, CORE_SLEN);
                if (len == CORE_SLEN || bad_word(s, len))
                    return core_err_set(
                        err, CORE_EINPUT,
                        "extxyz: atom %zu: %s: string cannot be written as a column",
                        k / (size_t)p->ncols + 1, p->name);
            }
    }
    for (size_t k = 0; k < f->ninfo; k++) {
        const struct core_info *in = &f->info[k];
        if (!in->key[0] || strchr(in->key, '\n') || !in->value)
            return core_err_set(err, CORE_EINPUT, "extxyz: info key '%s' cannot be written",
                                in->key);
        if (strchr(in->value, '\n'))
            return core_err_set(err, CORE_EINPUT,
                                "extxyz: info key '%s' has several lines (a repeated .cfg "
                                "Feature?); one comment line cannot hold them",
                                in->key);
        if (is_reserved(in->key))
            return core_err_set(err, CORE_EINPUT,
                                "extxyz: info key '%s' is reserved for the frame's own field",
                                in->key);
    }
    return CORE_OK;
}

static void
comment_build(struct sbuf *b, const struct core_frame *f)
{
    if (f->has_cell)
        sb_tensor(b, "Lattice", f->cell, 0);
    sb_puts(b, "Properties=species:S:1:pos:R:3");
    if (f->forces)
        sb_puts(b, ":forces:R:3");
    if (f->vel)
        sb_puts(b, ":momenta:R:3");
    if (f->mass)
        sb_puts(b, ":masses:R:1");
    if (f->tag)
        sb_puts(b, ":tags:I:1");
    for (size_t ip = 0; ip < f->nprop; ip++) {
        char tail[24];
        snprintf(tail, sizeof tail, ":%c:%d", f->prop[ip].type, f->prop[ip].ncols);
        sb_put(b, ":", 1);
        sb_puts(b, f->prop[ip].name);
        sb_puts(b, tail);
    }
    sb_put(b, " ", 1);
    if (f->has_energy) {
        sb_puts(b, "energy=");
        sb_real(b, f->energy);
        sb_put(b, " ", 1);
    }
    if (f->has_free_energy) {
        sb_puts(b, "free_energy=");
        sb_real(b, f->free_energy);
        sb_put(b, " ", 1);
    }
    if (f->has_stress)
        sb_tensor(b, "stress", f->stress, 1);
    if (f->has_virial)
        sb_tensor(b, "virial", f->virial, 1);
    sb_puts(b, "pbc=\"");
    for (int k = 0; k < 3; k++) {
        sb_puts(b, f->has_cell && f->pbc[k] ? "T" : "F");
        sb_puts(b, k < 2 ? " " : "\"");
    }
    for (size_t k = 0; k < f->ninfo; k++) {
        sb_put(b, " ", 1);
        sb_word(b, f->info[k].key);
        sb_put(b, "=", 1);
        sb_word(b, f->info[k].value);
    }
    sb_put(b, "\n", 1);
}

static void
atom_build(struct sbuf *b, const struct core_frame *f, size_t i, int wsym, const int *wstr)
{
    char buf[EXTXYZ_REALLEN];
    const char *sym = core_elem_symbol(f->z[i]);
    size_t start = b->len;
    int n;

    sb_put(b, sym, strlen(sym));
    for (int k = (int)strlen(sym); k < wsym; k++)
        sb_put(b, " ", 1);
    for (int k = 0; k < 3; k++) {
        n = extxyz_real_format(buf, f->pos[3 * i + k]);
        sb_col(b, buf, (size_t)n, WIDTH_R);
    }
    if (f->forces)
        for (int k = 0; k < 3; k++) {
            n = extxyz_real_format(buf, f->forces[3 * i + k]);
            sb_col(b, buf, (size_t)n, WIDTH_R);
        }
    if (f->vel) {
        /* ASE momenta: the inverse of the reader's conversion, with the same factor */
        double m = (f->mass ? f->mass[i] : core_elem_mass(f->z[i])) * UNITS_ASE_TIME_PS;
        for (int k = 0; k < 3; k++) {
            n = momentum_format(buf, f->vel[3 * i + k], m);
            sb_col(b, buf, (size_t)n, WIDTH_R);
        }
    }
    if (f->mass) {
        n = extxyz_real_format(buf, f->mass[i]);
        sb_col(b, buf, (size_t)n, WIDTH_R);
    }
    if (f->tag) {
        n = snprintf(buf, sizeof buf, "%ld", f->tag[i]);
        sb_col(b, buf, (size_t)n, WIDTH_I);
    }
    for (size_t ip = 0; ip < f->nprop; ip++) {
        const struct core_prop *p = &f->prop[ip];
        size_t base = i * (size_t)p->ncols;
        for (int k = 0; k < p->ncols; k++) {
            switch (p->type) {
            case 'R':
                n = extxyz_real_format(buf, p->r[base + k]);
                sb_col(b, buf, (size_t)n, WIDTH_R);
                break;
            case 'I':
                n = snprintf(buf, sizeof buf, "%ld", p->i[base + k]);
                sb_col(b, buf, (size_t)n, WIDTH_I);
                break;
            case 'L':
                sb_col(b, p->i[base + k] ? "T" : "F", 1, 1);
                break;
            default: {
                const char *s = p->s + (base + k) * CORE_SLEN;
                sb_col(b, s, strlen(s), -wstr[ip]);
                break;
            }
            }
        }
    }
    while (b->len > start && b->s[b->len - 1] == ' ')
        b->len--;
    sb_put(b, "\n", 1);
}

int
extxyz_write_frame(FILE *fp, const struct core_frame *f, struct core_err *err)
{
    struct sbuf b = {0};
    struct stream_locale loc = {0};
    int *wstr = NULL;
    int wsym = 1, rc;

    if ((rc = frame_check(f, err)))
        return rc;
    wstr = calloc(f->nprop + 1, sizeof *wstr);
    if (!wstr)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    for (size_t i = 0; i < f->natoms; i++) {
        int w = (int)strlen(core_elem_symbol(f->z[i]));
        wsym = w > wsym ? w : wsym;
    }
    for (size_t ip = 0; ip < f->nprop; ip++) {
        const struct core_prop *p = &f->prop[ip];
        if (p->type == 'S')
            for (size_t k = 0; k < f->natoms * (size_t)p->ncols; k++) {
                int w = (int)strlen(p->s + k * CORE_SLEN);
                wstr[ip] = w > wstr[ip] ? w : wstr[ip];
            }
    }
    if ((rc = stream_locale_enter(&loc, "extxyz", err))) {
        free(wstr);
        return rc;
    }
    if (fprintf(fp, "%zu\n", f->natoms) < 0)
        goto io;
    comment_build(&b, f);
    for (size_t i = 0; i < f->natoms && !b.fail; i++) {
        atom_build(&b, f, i, wsym, wstr);
        if (b.len >= 65536) {
            if (fwrite(b.s, 1, b.len, fp) != b.len)
                goto io;
            b.len = 0;
        }
    }
    if (b.fail) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        goto out;
    }
    if (b.len && fwrite(b.s, 1, b.len, fp) != b.len)
        goto io;
    if (ferror(fp))
        goto io;
    rc = CORE_OK;
    goto out;
io:
    rc = core_err_set(err, CORE_EIO, "extxyz: write error: %s", strerror(errno));
out:
    stream_locale_leave(&loc);
    free(b.s);
    free(wstr);
    return rc;
}
