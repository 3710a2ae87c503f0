/*
 * poscar: VASP POSCAR/CONTCAR. See poscar.h for the promises and poscar.md for the format.
 *
 * The layout follows the VASP wiki page "POSCAR" and what VASP itself writes to CONTCAR; the
 * lenient parts (only the first character of the mode lines counts, words after the numbers
 * on a line are comments) are VASP's own, as ASE and pymatgen read them too.
 */
#include "poscar.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define WS " \t\r\f\v"

/* Next whitespace-separated token of *p (advanced past it); NULL at the end of the line. */
static const char *
next_tok(const char **p, size_t *len)
{
    const char *t = *p + strspn(*p, WS);
    if (!*t) {
        *p = t;
        *len = 0;
        return NULL;
    }
    *len = strcspn(t, WS);
    *p = t + *len;
    return t;
}

enum { NUM_OK, NUM_BAD, NUM_NONFINITE };

/* A whole token as a finite double. Fortran's D exponent (1.5D-03) is read as E, as VASP's
 * list-directed reads do; hexadecimal is not a number here. */
static int
tok_double(const char *tok, size_t len, double *out)
{
    char buf[96], *end;
    double v;
    if (len == 0 || len >= sizeof buf)
        return NUM_BAD;
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)(tok[i] == 'd' || tok[i] == 'D' ? 'e' : tok[i]);
    buf[len] = '\0';
    v = strtod(buf, &end);
    if (end == buf || *end != '\0')
        return NUM_BAD;
    if (!isfinite(v))
        return NUM_NONFINITE; /* nan, inf, or beyond the range of a double */
    if (strspn(buf, "0123456789+-.eE") != len)
        return NUM_BAD;
    *out = v;
    return NUM_OK;
}

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

static int
is_blank(const char *line)
{
    return line[strspn(line, WS)] == '\0';
}

/* First non-blank character of a line, or '\0'. */
static char
first_char(const char *line)
{
    return line[strspn(line, WS)];
}

struct reader {
    struct stream_in *in;
    struct core_err *err;
    const char *line;
    long lineno;
};

static int fail(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* `name:line: what` on the current line, CORE_EINPUT. */
static int
fail(struct reader *r, const char *fmt, ...)
{
    char msg[CORE_ERR_MSGLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return core_err_set(r->err, CORE_EINPUT, "%s:%ld: %s", r->in->name, r->lineno, msg);
}

/* Reads the next line into r->line (NULL at end of input). */
static int
get(struct reader *r)
{
    int rc = stream_getline(r->in, &r->line, r->err);
    r->lineno = r->in->lineno;
    return rc;
}

/* Reads the next line, which must exist; what names it at end of input. */
static int
need(struct reader *r, const char *what)
{
    int rc = get(r);
    if (rc)
        return rc;
    if (!r->line)
        return fail(r, "unexpected end of input: %s expected", what);
    return CORE_OK;
}

/* Parses a number token; what names it in messages. */
static int
number(struct reader *r, const char *tok, size_t len, const char *what, double *out)
{
    if (!tok)
        return fail(r, "%s: number missing", what);
    switch (tok_double(tok, len, out)) {
    case NUM_OK:
        return CORE_OK;
    case NUM_NONFINITE:
        return fail(r, "%s: '%.*s' is not a finite number", what, (int)len, tok);
    default:
        return fail(r, "%s: bad number '%.*s'", what, (int)len, tok);
    }
}

/* Reads three numbers at the start of the current line into v. */
static int
three(struct reader *r, const char *what, double v[3])
{
    const char *p = r->line;
    for (int k = 0; k < 3; k++) {
        size_t len;
        const char *tok = next_tok(&p, &len);
        int rc;
        if (!tok)
            return fail(r, "%s: %d numbers; 3 expected", what, k);
        if ((rc = number(r, tok, len, what, &v[k])))
            return rc;
    }
    return CORE_OK;
}

/* Element of a VASP 5 species word: `C`, `C_pv`, `Fe/3c1a9`, `Si_GW/4f2e` -> Z, 0 if none. */
static int
species_z(const char *tok, size_t len)
{
    char sym[4];
    size_t n = strcspn(tok, "_/");
    if (n > len)
        n = len;
    if (n == 0 || n > 2)
        return 0;
    sym[0] = (char)(tok[0] >= 'a' && tok[0] <= 'z' ? tok[0] - 'a' + 'A' : tok[0]);
    if (n == 2)
        sym[1] = (char)(tok[1] >= 'A' && tok[1] <= 'Z' ? tok[1] - 'A' + 'a' : tok[1]);
    sym[n] = '\0';
    return core_elem_z(sym);
}

static int
is_comment_tok(const char *tok)
{
    return *tok == '!' || *tok == '#';
}

struct head {
    double scale[3];
    int nscale;
    double raw[9]; /* lattice rows as written */
    int zs[POSCAR_MAXSPECIES];
    long counts[POSCAR_MAXSPECIES];
    int nspecies;
    int ncounts;
    size_t natoms;
};

static int
read_scale(struct reader *r, struct head *h)
{
    const char *p, *tok;
    size_t len;
    int rc;

    if ((rc = need(r, "the scaling factor")))
        return rc;
    p = r->line;
    h->nscale = 0;
    while ((tok = next_tok(&p, &len)) && !is_comment_tok(tok)) {
        double v;
        int st = tok_double(tok, len, &v);
        if (st == NUM_NONFINITE)
            return fail(r, "bad scale: '%.*s' is not a finite number", (int)len, tok);
        if (st == NUM_BAD) {
            if (h->nscale == 0)
                return fail(r, "bad scale '%.*s': a number expected", (int)len, tok);
            break;
        }
        if (h->nscale == 3)
            return fail(r, "bad scale: more than 3 numbers");
        h->scale[h->nscale++] = v;
    }
    if (h->nscale == 0)
        return fail(r, "bad scale: the line is empty");
    if (h->nscale == 2)
        return fail(r, "bad scale: 2 numbers; 1 or 3 expected");
    if (h->nscale == 1 && h->scale[0] == 0)
        return fail(r, "bad scale: zero");
    if (h->nscale == 3 && !(h->scale[0] > 0 && h->scale[1] > 0 && h->scale[2] > 0))
        return fail(r, "bad scale: three scaling factors must all be positive");
    return CORE_OK;
}

/* Species line (VASP 5, optional) and counts line. */
static int
read_species_counts(struct reader *r, const struct core_species_map *map, struct head *h)
{
    const char *p, *tok;
    size_t len;
    long first;
    int rc;

    if ((rc = need(r, "the species or counts line")))
        return rc;
    p = r->line;
    tok = next_tok(&p, &len);
    if (!tok)
        return fail(r, "empty line where the species or counts were expected");
    h->nspecies = 0;
    if (tok_long(tok, len, &first) != NUM_OK) {
        /* VASP 5: species symbols */
        for (; tok && !is_comment_tok(tok); tok = next_tok(&p, &len)) {
            int z = species_z(tok, len);
            if (!z)
                return fail(r, "unknown element '%.*s'", (int)len, tok);
            if (h->nspecies == POSCAR_MAXSPECIES)
                return fail(r, "more than %d species", POSCAR_MAXSPECIES);
            h->zs[h->nspecies++] = z;
        }
        if ((rc = need(r, "the counts line")))
            return rc;
    }
    p = r->line;
    h->ncounts = 0;
    h->natoms = 0;
    while ((tok = next_tok(&p, &len)) && !is_comment_tok(tok)) {
        long c;
        if (tok_long(tok, len, &c) != NUM_OK || c < 0 || c > INT_MAX)
            return fail(r, "bad atom count '%.*s'", (int)len, tok);
        if (h->ncounts == POSCAR_MAXSPECIES)
            return fail(r, "more than %d counts", POSCAR_MAXSPECIES);
        h->counts[h->ncounts++] = c;
        h->natoms += (size_t)c;
        if (h->natoms > INT_MAX)
            return fail(r, "more than %d atoms", INT_MAX);
    }
    if (h->ncounts == 0)
        return fail(r, "no atom counts");
    if (h->natoms == 0)
        return fail(r, "no atoms (all counts are zero)");
    if (h->nspecies > 0) {
        if (h->nspecies != h->ncounts)
            return fail(r, "%d counts for %d species", h->ncounts, h->nspecies);
        return CORE_OK;
    }
    /* VASP 4: no species line */
    if (!map || map->ntypes == 0)
        return fail(r, "VASP 4 POSCAR without a species line: a species map is needed "
                       "(--species C,B: the first count is C, the second B)");
    if ((size_t)h->ncounts > map->ntypes)
        return fail(r, "%d counts but the species map has %zu species", h->ncounts, map->ntypes);
    for (int s = 0; s < h->ncounts; s++)
        h->zs[s] = map->z[s];
    h->nspecies = h->ncounts;
    return CORE_OK;
}

/* T/F flag (Fortran logical: T, F, .TRUE., .false., ...). */
static int
flag(const char *tok, size_t len, long *out)
{
    char c;
    if (len > 0 && tok[0] == '.') {
        tok++;
        len--;
    }
    if (len == 0)
        return -1;
    c = tok[0];
    if (c == 'T' || c == 't')
        *out = 1;
    else if (c == 'F' || c == 'f')
        *out = 0;
    else
        return -1;
    return 0;
}

static int
read_positions(struct reader *r, struct core_frame *f, int selective, long *sd)
{
    for (size_t i = 0; i < f->natoms; i++) {
        const char *p, *tok;
        size_t len;
        int rc = get(r);
        if (rc)
            return rc;
        if (!r->line || is_blank(r->line))
            return fail(r, "%s: %zu of %zu positions read (truncated)",
                        r->line ? "blank line" : "unexpected end of input", i, f->natoms);
        p = r->line;
        for (int k = 0; k < 3; k++) {
            char what[48];
            tok = next_tok(&p, &len);
            snprintf(what, sizeof what, "atom %zu", i + 1);
            if (!tok)
                return fail(r, "atom %zu: %d coordinates; 3 expected", i + 1, k);
            if ((rc = number(r, tok, len, what, &f->pos[3 * i + (size_t)k])))
                return rc;
        }
        if (!selective)
            continue;
        for (int k = 0; k < 3; k++) {
            tok = next_tok(&p, &len);
            if (!tok)
                return fail(r, "atom %zu: %d selective dynamics flags; 3 expected", i + 1, k);
            if (flag(tok, len, &sd[3 * i + (size_t)k]))
                return fail(r, "atom %zu: selective dynamics flag '%.*s' is not T or F", i + 1,
                            (int)len, tok);
        }
    }
    return CORE_OK;
}

/* Skips to the end of input (the MD predictor-corrector block of a CONTCAR). */
static int
skip_rest(struct reader *r)
{
    int rc;
    do {
        if ((rc = get(r)))
            return rc;
    } while (r->line);
    return CORE_OK;
}

/* Blank lines, then end of input or an MD block (a line with one word). */
static int
read_tail(struct reader *r, const char *after)
{
    int rc;
    for (;;) {
        const char *p, *tok;
        size_t len, len2;
        if ((rc = get(r)))
            return rc;
        if (!r->line)
            return CORE_OK;
        if (is_blank(r->line))
            continue;
        p = r->line;
        tok = next_tok(&p, &len);
        if (!next_tok(&p, &len2))
            return skip_rest(r);
        return fail(r, "unexpected '%.*s' after the %s (a POSCAR holds one structure)", (int)len,
                    tok, after);
    }
}

/* What may follow the positions: lattice velocities, ion velocities, MD block. */
static int
read_after_positions(struct reader *r, struct core_frame *f)
{
    const char *p, *tok;
    size_t len;
    int rc;
    char c;

    if ((rc = get(r)))
        return rc;
    if (!r->line)
        return CORE_OK;
    c = first_char(r->line);
    if (c == 'L' || c == 'l') {
        /* "Lattice velocities and vectors": initialisation state, 3 velocities, 3 vectors */
        for (int k = 0; k < 7; k++)
            if ((rc = need(r, "the lattice velocities block (7 lines)")))
                return rc;
        if ((rc = get(r)))
            return rc;
        if (!r->line)
            return CORE_OK;
        c = first_char(r->line);
    }
    if (c == 'D' || c == 'd')
        return fail(r, "velocities in Direct coordinates are not supported (they are in lattice "
                       "units per POTIM step); write them in Cartesian A/fs");
    if (c != '\0' && c != 'C' && c != 'c' && c != 'K' && c != 'k') {
        p = r->line;
        tok = next_tok(&p, &len);
        return fail(r, "unexpected '%.*s' after the %zu positions (the counts say %zu atoms)",
                    (int)len, tok, f->natoms, f->natoms);
    }
    /* a blank line or `Cartesian`: velocities may follow, in A/fs */
    if ((rc = get(r)))
        return rc;
    if (!r->line || is_blank(r->line)) {
        if (c != '\0')
            return fail(r, "'Cartesian' velocity line without velocities");
        return r->line ? read_tail(r, "positions") : CORE_OK;
    }
    p = r->line;
    tok = next_tok(&p, &len);
    if (!next_tok(&p, &len)) { /* one word: not a velocity */
        if (c != '\0')
            return fail(r, "'Cartesian' velocity line without velocities");
        return skip_rest(r); /* MD block without velocities */
    }
    {
        double v;
        size_t l0;
        const char *t0 = r->line;
        t0 = next_tok(&t0, &l0);
        if (tok_double(t0, l0, &v) == NUM_BAD)
            return fail(r, "unexpected '%.*s' after the positions (a POSCAR holds one structure)",
                        (int)l0, t0);
    }
    if ((rc = core_frame_want(f, "vel", r->err)))
        return rc;
    for (size_t i = 0; i < f->natoms; i++) {
        double v[3];
        char what[48];
        if (i > 0) {
            if ((rc = get(r)))
                return rc;
            if (!r->line || is_blank(r->line))
                return fail(r, "%s: %zu of %zu velocities read (truncated)",
                            r->line ? "blank line" : "unexpected end of input", i, f->natoms);
        }
        snprintf(what, sizeof what, "velocity of atom %zu", i + 1);
        if ((rc = three(r, what, v)))
            return rc;
        for (int k = 0; k < 3; k++)
            f->vel[3 * i + (size_t)k] = v[k] * 1000.0; /* A/fs -> A/ps */
    }
    return read_tail(r, "velocities");
}

static int
read_frame(struct stream_in *in, const struct core_species_map *map, struct core_frame *f, int *got,
           struct core_err *err)
{
    struct reader r = {in, err, NULL, 0};
    struct head h;
    char *comment = NULL;
    long *sd = NULL, lattice_line;
    int rc, selective = 0, cartesian;
    size_t iatom = 0;
    double sc[3], inv[9];

    *got = 0;
    core_frame_release(f);
    memset(&h, 0, sizeof h);
    if ((rc = get(&r)))
        return rc;
    if (!r.line)
        return CORE_OK;
    {
        const char *s = r.line + strspn(r.line, WS);
        size_t n = strlen(s);
        while (n > 0 && strchr(WS, s[n - 1]))
            n--;
        comment = strndup(s, n);
        if (!comment)
            return core_err_set(err, CORE_ENOMEM, "out of memory");
    }
    if (!comment[0]) {
        /* a blank comment line, or nothing but blank lines */
        const char *next;
        if ((rc = stream_peekline(in, &next, err)) || !next) {
            free(comment);
            return rc;
        }
    }
    if ((rc = read_scale(&r, &h)))
        goto fail;
    for (int k = 0; k < 3; k++) {
        char what[32];
        snprintf(what, sizeof what, "lattice vector a%d", k + 1);
        if ((rc = need(&r, what)) || (rc = three(&r, what, &h.raw[3 * k])))
            goto fail;
    }
    lattice_line = r.lineno;
    if ((rc = read_species_counts(&r, map, &h)))
        goto fail;
    if ((rc = need(&r, "the Direct or Cartesian line")))
        goto fail;
    if (first_char(r.line) == 'S' || first_char(r.line) == 's') {
        selective = 1;
        if ((rc = need(&r, "the Direct or Cartesian line")))
            goto fail;
    }
    {
        char c = first_char(r.line);
        if (c == '\0' || strchr("0123456789+-.", c)) {
            rc = fail(&r, "'Direct' or 'Cartesian' expected before the positions");
            goto fail;
        }
        cartesian = c == 'C' || c == 'c' || c == 'K' || c == 'k';
    }

    if ((rc = core_frame_resize(f, h.natoms, err)))
        goto fail;
    for (int s = 0; s < h.nspecies; s++)
        for (long j = 0; j < h.counts[s]; j++)
            f->z[iatom++] = h.zs[s];
    if (selective) {
        size_t ip;
        if ((rc = core_frame_prop_add(f, "selective_dynamics", 'L', 3, &ip, err)))
            goto fail;
        sd = f->prop[ip].i;
    }
    if ((rc = read_positions(&r, f, selective, sd)))
        goto fail;

    /* scaling: VASP applies it to the lattice and to Cartesian positions */
    if (h.nscale == 1) {
        double s = h.scale[0];
        if (s < 0) {
            double vol = core_cell_volume(h.raw);
            if (!(vol > 0)) {
                r.lineno = lattice_line;
                rc = fail(&r, "singular lattice (volume 0); the scale asks for volume %g A^3", -s);
                goto fail;
            }
            s = cbrt(-s / vol);
        }
        sc[0] = sc[1] = sc[2] = s;
    } else {
        memcpy(sc, h.scale, sizeof sc);
    }
    for (int k = 0; k < 9; k++)
        f->cell[k] = h.raw[k] * sc[k % 3];
    {
        struct core_err e;
        if (core_cell_inverse(f->cell, inv, &e)) {
            r.lineno = lattice_line;
            rc = fail(&r, "singular lattice: %s", e.msg);
            goto fail;
        }
    }
    f->has_cell = 1;
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    for (size_t i = 0; i < f->natoms; i++) {
        double *x = &f->pos[3 * i];
        if (cartesian) {
            for (int k = 0; k < 3; k++)
                x[k] *= sc[k];
        } else {
            double s[3] = {x[0], x[1], x[2]};
            for (int k = 0; k < 3; k++)
                x[k] = s[0] * f->cell[k] + s[1] * f->cell[3 + k] + s[2] * f->cell[6 + k];
        }
    }
    if ((rc = read_after_positions(&r, f)))
        goto fail;
    if (comment[0] && (rc = core_frame_info_set(f, "comment", comment, err)))
        goto fail;
    free(comment);
    *got = 1;
    return CORE_OK;
fail:
    free(comment);
    core_frame_release(f);
    return rc;
}

/* ---- writer ---- */

static int
finite_all(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

/* The selective_dynamics property (L or I, 3 columns), or NULL. */
static const struct core_prop *
find_selective(const struct core_frame *f)
{
    for (size_t j = 0; j < f->nprop; j++) {
        const struct core_prop *p = &f->prop[j];
        if (strcmp(p->name, "selective_dynamics") == 0 && p->ncols == 3 &&
            (p->type == 'L' || p->type == 'I'))
            return p;
    }
    return NULL;
}

static int
write_frame(FILE *fp, const struct core_frame *f, struct core_err *err)
{
    size_t n = f->natoms;
    double inv[9];
    const struct core_prop *sd = find_selective(f);
    const char *comment = core_frame_info_get(f, "comment");

    if (!f->has_cell)
        return core_err_set(err, CORE_EINPUT, "a POSCAR needs a cell; the frame has none");
    if (!finite_all(f->cell, 9))
        return core_err_set(err, CORE_EINPUT, "cell is not finite");
    if (core_cell_inverse(f->cell, inv, err))
        return err ? err->code : CORE_EINPUT;
    if (n == 0)
        return core_err_set(err, CORE_EINPUT, "a POSCAR needs at least one atom");
    for (size_t i = 0; i < n; i++) {
        if (f->z[i] < 1 || f->z[i] > CORE_ZMAX)
            return core_err_set(err, CORE_EINPUT, "atom %zu has no element (Z = %d)", i + 1,
                                f->z[i]);
        if (!finite_all(&f->pos[3 * i], 3))
            return core_err_set(err, CORE_EINPUT, "atom %zu: position is not finite", i + 1);
        if (f->vel && !finite_all(&f->vel[3 * i], 3))
            return core_err_set(err, CORE_EINPUT, "atom %zu: velocity is not finite", i + 1);
    }

    /* comment: the first line of info "comment", else the formula in order of appearance */
    if (comment && comment[0] && comment[0] != '\n') {
        fprintf(fp, "%.*s\n", (int)strcspn(comment, "\n"), comment);
    } else {
        for (size_t i = 0; i < n; i++) {
            size_t count = 0, j;
            for (j = 0; j < i; j++)
                if (f->z[j] == f->z[i])
                    break;
            if (j < i)
                continue;
            for (j = i; j < n; j++)
                count += f->z[j] == f->z[i];
            fprintf(fp, "%s%zu", core_elem_symbol(f->z[i]), count);
        }
        fputc('\n', fp);
    }
    fputs("1.0\n", fp);
    for (int k = 0; k < 3; k++)
        fprintf(fp, "  % .16e % .16e % .16e\n", f->cell[3 * k], f->cell[3 * k + 1],
                f->cell[3 * k + 2]);
    /* runs of equal elements keep the atom order */
    for (size_t i = 0; i < n; i++)
        if (i == 0 || f->z[i] != f->z[i - 1])
            fprintf(fp, "%s%s", i ? " " : "", core_elem_symbol(f->z[i]));
    fputc('\n', fp);
    for (size_t i = 0, run = 0; i < n; i++) {
        run++;
        if (i + 1 == n || f->z[i + 1] != f->z[i]) {
            fprintf(fp, "%s%zu", i + 1 == run ? "" : " ", run);
            run = 0;
        }
    }
    fputc('\n', fp);
    if (sd)
        fputs("Selective dynamics\n", fp);
    fputs("Cartesian\n", fp);
    for (size_t i = 0; i < n; i++) {
        fprintf(fp, "  % .16e % .16e % .16e", f->pos[3 * i], f->pos[3 * i + 1], f->pos[3 * i + 2]);
        if (sd)
            for (int k = 0; k < 3; k++)
                fprintf(fp, " %c", sd->i[3 * i + (size_t)k] ? 'T' : 'F');
        fputc('\n', fp);
    }
    if (f->vel) {
        fputc('\n', fp);
        for (size_t i = 0; i < n; i++)
            fprintf(fp, "  % .16e % .16e % .16e\n", f->vel[3 * i] / 1000.0,
                    f->vel[3 * i + 1] / 1000.0, f->vel[3 * i + 2] / 1000.0);
    }
    if (ferror(fp))
        return core_err_set(err, CORE_EIO, "write error");
    return CORE_OK;
}

int
poscar_read_frame(struct stream_in *in, const struct core_species_map *map, struct core_frame *f,
                  int *got, struct core_err *err)
{
    struct stream_locale loc = {0};
    int rc;

    *got = 0;
    if ((rc = stream_locale_enter(&loc, "poscar", err))) {
        core_frame_release(f);
        return rc;
    }
    rc = read_frame(in, map, f, got, err);
    stream_locale_leave(&loc);
    return rc;
}

int
poscar_write_frame(FILE *fp, const struct core_frame *f, struct core_err *err)
{
    struct stream_locale loc = {0};
    int rc;

    if ((rc = stream_locale_enter(&loc, "poscar", err)))
        return rc;
    rc = write_frame(fp, f, err);
    stream_locale_leave(&loc);
    return rc;
}
