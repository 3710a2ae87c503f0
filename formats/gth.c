/*
 * gth: CP2K GTH_POTENTIALS reader (format in formats/gth.md).
 */
#include "gth.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A token reader over the lines of one entry: numbers may continue on the next line. */
struct tok {
    struct stream_in *in;
    char buf[1024];
    char *p;
    const char *what; /* "Si GTH-PADE-q4", for messages */
};

static int
is_header(const char *line)
{
    return isalpha((unsigned char)line[0]);
}

/* Next whitespace-separated word into *w; comments (#) and blank lines are skipped. */
static int
tok_next(struct tok *t, char **w, struct core_err *err)
{
    for (;;) {
        while (t->p && *t->p && isspace((unsigned char)*t->p))
            t->p++;
        if (t->p && *t->p) {
            char *s = t->p;
            while (*t->p && !isspace((unsigned char)*t->p))
                t->p++;
            if (*t->p)
                *t->p++ = '\0';
            *w = s;
            return 0;
        }
        const char *line;
        int rc = stream_getline(t->in, &line, err);
        if (rc)
            return rc;
        if (!line || is_header(line))
            return core_err_set(err, CORE_EINPUT, "%s:%ld: potential %s ends early", t->in->name,
                                t->in->lineno, t->what);
        if (strlen(line) >= sizeof t->buf)
            return core_err_set(err, CORE_EINPUT, "%s:%ld: line too long", t->in->name,
                                t->in->lineno);
        strcpy(t->buf, line);
        char *hash = strchr(t->buf, '#');
        if (hash)
            *hash = '\0';
        t->p = t->buf;
    }
}

static int
tok_double(struct tok *t, const char *field, double *x, struct core_err *err)
{
    char *w, *end;
    int rc = tok_next(t, &w, err);
    if (rc)
        return rc;
    errno = 0;
    *x = strtod(w, &end);
    if (end == w || *end || errno == ERANGE || !isfinite(*x))
        return core_err_set(err, CORE_EINPUT, "%s:%ld: %s: bad number '%s' for %s", t->in->name,
                            t->in->lineno, t->what, w, field);
    return 0;
}

static int
tok_int(struct tok *t, const char *field, int lo, int hi, int *x, struct core_err *err)
{
    char *w, *end;
    int rc = tok_next(t, &w, err);
    if (rc)
        return rc;
    errno = 0;
    long v = strtol(w, &end, 10);
    if (end == w || *end || errno == ERANGE)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: %s: bad integer '%s' for %s", t->in->name,
                            t->in->lineno, t->what, w, field);
    if (v < lo || v > hi)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: %s: %s = %ld not in [%d, %d]", t->in->name,
                            t->in->lineno, t->what, field, v, lo, hi);
    *x = (int)v;
    return 0;
}

/* 1 when the header line names symbol and name (as its name or an alias). */
static int
header_matches(const char *line, const char *symbol, const char *name)
{
    char buf[1024], *save = NULL, *w;
    if (strlen(line) >= sizeof buf)
        return 0;
    strcpy(buf, line);
    w = strtok_r(buf, " \t", &save);
    if (!w || strcmp(w, symbol) != 0)
        return 0;
    while ((w = strtok_r(NULL, " \t", &save)) != NULL) {
        if (w[0] == '#')
            break;
        if (strcasecmp(w, name) == 0)
            return 1;
    }
    return 0;
}

/* The line of electron counts per angular momentum: a list of integers on one line. */
static int
read_nelec(struct tok *t, double *zion, struct core_err *err)
{
    const char *line;
    int rc;
    for (;;) {
        if ((rc = stream_getline(t->in, &line, err)) != 0)
            return rc;
        if (!line || is_header(line))
            return core_err_set(err, CORE_EINPUT, "%s:%ld: potential %s ends early", t->in->name,
                                t->in->lineno, t->what);
        const char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p && *p != '#')
            break;
    }
    if (strlen(line) >= sizeof t->buf)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: line too long", t->in->name, t->in->lineno);
    strcpy(t->buf, line);
    char *hash = strchr(t->buf, '#');
    if (hash)
        *hash = '\0';
    t->p = t->buf;
    int n = 0, total = 0;
    char *w;
    while (t->p && *t->p) {
        while (*t->p && isspace((unsigned char)*t->p))
            t->p++;
        if (!*t->p)
            break;
        int v;
        if ((rc = tok_int(t, "electrons per l", 0, 64, &v, err)) != 0)
            return rc;
        total += v;
        n++;
    }
    (void)w;
    if (n == 0 || total == 0)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: %s: no valence electrons", t->in->name,
                            t->in->lineno, t->what);
    *zion = total;
    t->p = NULL;
    return 0;
}

int
gth_read(struct stream_in *in, const char *symbol, const char *name, struct dft_psp *psp,
         struct core_err *err)
{
    struct stream_locale loc;
    struct tok t = {.in = in, .p = NULL};
    char what[128];
    const char *line;
    int rc, found = 0;
    memset(psp, 0, sizeof *psp);
    snprintf(what, sizeof what, "%s %s", symbol, name);
    t.what = what;
    int z = core_elem_z(symbol);
    if (z == 0)
        return core_err_set(err, CORE_EINPUT, "%s: unknown element '%s'", in->name, symbol);
    if (strlen(symbol) >= sizeof psp->symbol || strlen(name) >= sizeof psp->name)
        return core_err_set(err, CORE_EINPUT, "%s: potential name '%s' too long", in->name, name);
    if ((rc = stream_locale_enter(&loc, "gth", err)) != 0)
        return rc;
    while ((rc = stream_getline(in, &line, err)) == 0 && line) {
        if (is_header(line) && header_matches(line, symbol, name)) {
            found = 1;
            break;
        }
    }
    if (rc)
        goto out;
    if (!found) {
        rc = core_err_set(err, CORE_EINPUT, "%s: no potential '%s'", in->name, what);
        goto out;
    }
    strcpy(psp->symbol, symbol);
    strcpy(psp->name, name);
    psp->z = z;
    if ((rc = read_nelec(&t, &psp->zion, err)) != 0)
        goto out;
    if (psp->zion > z) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: %s: %g valence electrons for Z = %d", in->name,
                          in->lineno, what, psp->zion, z);
        goto out;
    }
    if ((rc = tok_double(&t, "r_loc", &psp->rloc, err)) != 0)
        goto out;
    if (!(psp->rloc > 0)) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: %s: r_loc %g is not positive", in->name,
                          in->lineno, what, psp->rloc);
        goto out;
    }
    if ((rc = tok_int(&t, "nexp_ppl", 0, DFT_PSP_NLOC, &psp->nloc, err)) != 0)
        goto out;
    for (int i = 0; i < psp->nloc; i++)
        if ((rc = tok_double(&t, "C_i", &psp->cloc[i], err)) != 0)
            goto out;
    if ((rc = tok_int(&t, "nprj", 0, DFT_PSP_LMAX + 1, &psp->nchan, err)) != 0)
        goto out;
    for (int l = 0; l < psp->nchan; l++) {
        int np;
        if ((rc = tok_double(&t, "r_l", &psp->rl[l], err)) != 0)
            goto out;
        if (!(psp->rl[l] > 0)) {
            rc = core_err_set(err, CORE_EINPUT, "%s:%ld: %s: r for l = %d is not positive",
                              in->name, in->lineno, what, l);
            goto out;
        }
        if ((rc = tok_int(&t, "nprj_ppnl", 0, DFT_PSP_NPROJ, &np, err)) != 0)
            goto out;
        psp->nproj[l] = np;
        for (int i = 0; i < np; i++)
            for (int j = i; j < np; j++) {
                if ((rc = tok_double(&t, "h_ij", &psp->h[l][i][j], err)) != 0)
                    goto out;
                psp->h[l][j][i] = psp->h[l][i][j];
            }
    }
    /* what is left on the last line must be blank */
    while (t.p && *t.p && isspace((unsigned char)*t.p))
        t.p++;
    if (t.p && *t.p) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: %s: unexpected '%s' after the entry", in->name,
                          in->lineno, what, t.p);
        goto out;
    }
    rc = dft_psp_check(psp, err);
out:
    stream_locale_leave(&loc);
    return rc;
}

int
gth_spec_parse(const char *spec, char symbol[4], char name[64], struct core_err *err)
{
    char buf[256], *save = NULL, *a, *b, *c;
    if (strlen(spec) >= sizeof buf)
        return core_err_set(err, CORE_EINPUT, "pseudopotential '%.40s...' too long", spec);
    strcpy(buf, spec);
    a = strtok_r(buf, " \t", &save);
    b = a ? strtok_r(NULL, " \t", &save) : NULL;
    c = b ? strtok_r(NULL, " \t", &save) : NULL;
    if (!a || !b || c)
        return core_err_set(err, CORE_EINPUT,
                            "pseudopotential '%s': expected an element and a name, "
                            "as 'Si GTH-PADE-q4'",
                            spec);
    if (strlen(a) >= 4 || strlen(b) >= 64)
        return core_err_set(err, CORE_EINPUT, "pseudopotential '%s': word too long", spec);
    strcpy(symbol, a);
    strcpy(name, b);
    return 0;
}
