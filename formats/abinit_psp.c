/*
 * abinit_psp: ABINIT pspcod 2, 3 and 10 reader (format in formats/abinit_psp.md).
 */
#include "abinit_psp.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Projectors with |h_ii| below this do not count (ABINIT's psp2in/psp3in). */
#define HTOL 1e-8

/* A Fortran list-directed record: numbers from a new line on, across lines when needed; what
 * follows the last number wanted is ignored. */
struct rec {
    struct stream_in *in;
    char buf[1024];
    char *p; /* next character of the current line; NULL before the first */
};

static int
rec_line(struct rec *r, struct core_err *err)
{
    const char *line;
    int rc = stream_getline(r->in, &line, err);
    if (rc)
        return rc;
    if (!line)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: the file ends early", r->in->name,
                            r->in->lineno + 1);
    if (strlen(line) >= sizeof r->buf)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: line too long", r->in->name, r->in->lineno);
    strcpy(r->buf, line);
    r->p = r->buf;
    return 0;
}

/* Starts a record on the next line. */
static int
rec_begin(struct rec *r, struct core_err *err)
{
    return rec_line(r, err);
}

/* The next number of the record as a double; field names it in messages. */
static int
rec_double(struct rec *r, const char *field, double *x, struct core_err *err)
{
    int rc;
    for (;;) {
        while (*r->p && (isspace((unsigned char)*r->p) || *r->p == ','))
            r->p++;
        if (*r->p)
            break;
        if ((rc = rec_line(r, err)) != 0)
            return rc;
    }
    char *s = r->p, *end, word[64];
    while (*r->p && !isspace((unsigned char)*r->p) && *r->p != ',')
        r->p++;
    size_t len = (size_t)(r->p - s);
    if (len >= sizeof word)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: bad number '%.20s...' for %s", r->in->name,
                            r->in->lineno, s, field);
    memcpy(word, s, len);
    word[len] = '\0';
    /* Fortran writes 1.0d-20 for 1.0e-20 */
    for (char *q = word; *q; q++)
        if (*q == 'd' || *q == 'D')
            *q = 'e';
    errno = 0;
    *x = strtod(word, &end);
    if (end == word || *end || errno == ERANGE || !isfinite(*x)) {
        memcpy(word, s, len); /* as written */
        return core_err_set(err, CORE_EINPUT, "%s:%ld: bad number '%s' for %s", r->in->name,
                            r->in->lineno, word, field);
    }
    return 0;
}

/* An integer-valued number of the record in [lo, hi] (Fortran reads "3" or "3." alike). */
static int
rec_int(struct rec *r, const char *field, int lo, int hi, int *x, struct core_err *err)
{
    double v;
    int rc = rec_double(r, field, &v, err);
    if (rc)
        return rc;
    if (v != floor(v) || v < lo || v > hi)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: %s = %g is not an integer in [%d, %d]",
                            r->in->name, r->in->lineno, field, v, lo, hi);
    *x = (int)v;
    return 0;
}

/* Number of projectors of a channel from its diagonal: the highest i with |h_ii| >= HTOL. */
static int
count_proj(const double *diag, int n)
{
    int np = 0;
    for (int i = 0; i < n; i++)
        if (fabs(diag[i]) >= HTOL)
            np = i + 1;
    return np;
}

/* HGH 1998, eqs. 18-20 (ABINIT's psp3nl): the off-diagonal h from the diagonal, l = 0, 1, 2. */
static void
hgh_offdiag(int l, double h[3][3])
{
    double h22 = h[1][1], h33 = h[2][2], h12 = 0, h13 = 0, h23 = 0;
    switch (l) {
    case 0:
        h12 = -0.5 * sqrt(3.0 / 5.0) * h22;
        h13 = 0.5 * sqrt(5.0 / 21.0) * h33;
        h23 = -0.5 * sqrt(100.0 / 63.0) * h33;
        break;
    case 1:
        h12 = -0.5 * sqrt(5.0 / 7.0) * h22;
        h13 = sqrt(35.0 / 11.0) * h33 / 6;
        h23 = -14 / sqrt(11.0) * h33 / 6;
        break;
    case 2:
        h12 = -0.5 * sqrt(7.0 / 9.0) * h22;
        break;
    default:
        break;
    }
    h[0][1] = h[1][0] = h12;
    h[0][2] = h[2][0] = h13;
    h[1][2] = h[2][1] = h23;
}

/* C_1..C_4 as read; nloc is the index of the last non-zero one. */
static void
set_nloc(struct dft_psp *psp)
{
    psp->nloc = 0;
    for (int i = 0; i < DFT_PSP_NLOC; i++)
        if (psp->cloc[i] != 0)
            psp->nloc = i + 1;
}

/* nchan: one more than the highest l with a projector. */
static void
set_nchan(struct dft_psp *psp)
{
    psp->nchan = 0;
    for (int l = 0; l <= DFT_PSP_LMAX; l++)
        if (psp->nproj[l] > 0)
            psp->nchan = l + 1;
}

/* The local part, one record: rloc, c1 .. c4. */
static int
read_local(struct rec *r, struct dft_psp *psp, struct core_err *err)
{
    static const char *cname[4] = {"c1", "c2", "c3", "c4"};
    int rc;
    if ((rc = rec_begin(r, err)) || (rc = rec_double(r, "rloc", &psp->rloc, err)))
        return rc;
    for (int i = 0; i < 4; i++)
        if ((rc = rec_double(r, cname[i], &psp->cloc[i], err)))
            return rc;
    set_nloc(psp);
    return 0;
}

static int
read_pspcod2(struct rec *r, int lmax, struct dft_psp *psp, struct core_err *err)
{
    double d[2];
    long line_p;
    int rc;
    if ((rc = read_local(r, psp, err)))
        return rc;
    if ((rc = rec_begin(r, err)) || (rc = rec_double(r, "rs", &psp->rl[0], err)) ||
        (rc = rec_double(r, "h1s", &d[0], err)) || (rc = rec_double(r, "h2s", &d[1], err)))
        return rc;
    psp->nproj[0] = count_proj(d, 2);
    psp->h[0][0][0] = d[0];
    psp->h[0][1][1] = d[1];
    if ((rc = rec_begin(r, err)) || (rc = rec_double(r, "rp", &psp->rl[1], err)) ||
        (rc = rec_double(r, "h1p", &d[0], err)))
        return rc;
    line_p = r->in->lineno;
    psp->nproj[1] = count_proj(d, 1);
    psp->h[1][0][0] = d[0];
    if (psp->nproj[1] && lmax < 1)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: h1p = %g but lmax = %d", r->in->name, line_p,
                            d[0], lmax);
    return 0;
}

static int
read_pspcod3(struct rec *r, int lmax, struct dft_psp *psp, struct core_err *err)
{
    static const char *rname[4] = {"rs", "rp", "rd", "rf"};
    static const char *hname[4][3] = {{"h11s", "h22s", "h33s"},
                                      {"h11p", "h22p", "h33p"},
                                      {"h11d", "h22d", "h33d"},
                                      {"h11f", "", ""}};
    static const char *kname[4][3] = {
        {"", "", ""}, {"k11p", "k22p", "k33p"}, {"k11d", "k22d", "k33d"}, {"k11f", "", ""}};
    int rc;
    if ((rc = read_local(r, psp, err)))
        return rc;
    /* the s line is always there; p, d, f up to lmax, each followed by its k line */
    for (int l = 0; l <= lmax; l++) {
        int nh = l == 3 ? 1 : 3;
        double d[3] = {0, 0, 0}, k;
        long line_h;
        if ((rc = rec_begin(r, err)) || (rc = rec_double(r, rname[l], &psp->rl[l], err)))
            return rc;
        for (int i = 0; i < nh; i++)
            if ((rc = rec_double(r, hname[l][i], &d[i], err)))
                return rc;
        line_h = r->in->lineno;
        if (l > 0) {
            if ((rc = rec_begin(r, err)))
                return rc;
            for (int i = 0; i < nh; i++)
                if ((rc = rec_double(r, kname[l][i], &k, err)))
                    return rc;
        }
        if (l == 2 && fabs(d[2]) >= HTOL)
            return core_err_set(err, CORE_EINPUT,
                                "%s:%ld: h33d = %g: a third d projector (ABINIT allows two)",
                                r->in->name, line_h, d[2]);
        psp->nproj[l] = count_proj(d, nh);
        for (int i = 0; i < 3; i++)
            psp->h[l][i][i] = d[i];
        hgh_offdiag(l, psp->h[l]);
        /* entries beyond the projectors are not part of the potential */
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                if (i >= psp->nproj[l] || j >= psp->nproj[l])
                    psp->h[l][i][j] = 0;
    }
    return 0;
}

static int
read_pspcod10(struct rec *r, int lmax, struct dft_psp *psp, struct core_err *err)
{
    static const char *cname[4] = {"c1", "c2", "c3", "c4"};
    int rc, nnonloc;
    long line;
    if ((rc = rec_begin(r, err)) || (rc = rec_double(r, "rloc", &psp->rloc, err)) ||
        (rc = rec_int(r, "nloc", 0, DFT_PSP_NLOC, &psp->nloc, err)))
        return rc;
    for (int i = 0; i < psp->nloc; i++)
        if ((rc = rec_double(r, cname[i], &psp->cloc[i], err)))
            return rc;
    if ((rc = rec_begin(r, err)) ||
        (rc = rec_int(r, "nnonloc", 0, DFT_PSP_LMAX + 1, &nnonloc, err)))
        return rc;
    line = r->in->lineno;
    if (nnonloc != lmax + 1)
        return core_err_set(err, CORE_EINPUT,
                            "%s:%ld: nnonloc = %d but lmax = %d (nnonloc is lmax + 1)", r->in->name,
                            line, nnonloc, lmax);
    psp->nchan = nnonloc;
    for (int l = 0; l < nnonloc; l++) {
        int np;
        char field[48];
        if ((rc = rec_begin(r, err)) || (rc = rec_double(r, "r_l", &psp->rl[l], err)) ||
            (rc = rec_int(r, "nprl", 0, DFT_PSP_NPROJ, &np, err)))
            return rc;
        psp->nproj[l] = np;
        for (int i = 0; i < np; i++) {
            if (i > 0 && (rc = rec_begin(r, err)))
                return rc;
            for (int j = i; j < np; j++) {
                snprintf(field, sizeof field, "h%d%d (l = %d)", i + 1, j + 1, l);
                if ((rc = rec_double(r, field, &psp->h[l][i][j], err)))
                    return rc;
                psp->h[l][j][i] = psp->h[l][i][j];
            }
        }
        if (l == 0)
            continue;
        for (int i = 0; i < np; i++) {
            if ((rc = rec_begin(r, err)))
                return rc;
            for (int j = i; j < np; j++) {
                double k;
                snprintf(field, sizeof field, "k%d%d (l = %d)", i + 1, j + 1, l);
                if ((rc = rec_double(r, field, &k, err)))
                    return rc;
            }
        }
    }
    return 0;
}

int
abinit_psp_read(struct stream_in *in, struct dft_psp *psp, int *pspxc, struct core_err *err)
{
    struct stream_locale loc;
    struct rec r = {.in = in, .p = NULL};
    double zatom, date, r2well;
    int rc, pspcod, ixc, lmax, lloc, mmax;
    long line2, line3;
    const char *base;

    memset(psp, 0, sizeof *psp);
    if ((rc = stream_locale_enter(&loc, "abinit psp", err)) != 0)
        return rc;
    /* line 1: title */
    if ((rc = rec_begin(&r, err)))
        goto out;
    /* line 2: zatom, zion, pspdat */
    if ((rc = rec_begin(&r, err)) || (rc = rec_double(&r, "zatom", &zatom, err)) ||
        (rc = rec_double(&r, "zion", &psp->zion, err)) ||
        (rc = rec_double(&r, "pspdat", &date, err)))
        goto out;
    line2 = in->lineno;
    if (zatom != floor(zatom) || zatom < 1 || zatom > CORE_ZMAX) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: zatom = %g is not an atomic number", in->name,
                          line2, zatom);
        goto out;
    }
    psp->z = (int)zatom;
    if (!(psp->zion > 0) || psp->zion > zatom) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: zion = %g not in (0, zatom = %d]", in->name,
                          line2, psp->zion, psp->z);
        goto out;
    }
    snprintf(psp->symbol, sizeof psp->symbol, "%s", core_elem_symbol(psp->z));
    /* line 3: pspcod, pspxc, lmax, lloc, mmax, r2well */
    if ((rc = rec_begin(&r, err)) || (rc = rec_int(&r, "pspcod", -1000, 1000, &pspcod, err)) ||
        (rc = rec_int(&r, "pspxc", -999999999, 999999999, &ixc, err)) ||
        (rc = rec_int(&r, "lmax", 0, DFT_PSP_LMAX, &lmax, err)) ||
        (rc = rec_int(&r, "lloc", -10, 10, &lloc, err)) ||
        (rc = rec_int(&r, "mmax", 0, 100000000, &mmax, err)) ||
        (rc = rec_double(&r, "r2well", &r2well, err)))
        goto out;
    line3 = in->lineno;
    switch (pspcod) {
    case 2:
        rc = read_pspcod2(&r, lmax, psp, err);
        break;
    case 3:
        rc = read_pspcod3(&r, lmax, psp, err);
        break;
    case 10:
        rc = read_pspcod10(&r, lmax, psp, err);
        break;
    default:
        rc = core_err_set(err, CORE_EINPUT,
                          "%s:%ld: pspcod %d is not supported (2, 3 or 10: the analytic GTH and "
                          "HGH forms)",
                          in->name, line3, pspcod);
    }
    if (rc)
        goto out;
    if (pspcod != 10)
        set_nchan(psp);
    base = strrchr(in->name, '/');
    base = base ? base + 1 : in->name;
    {
        size_t n = strlen(base) < sizeof psp->name - 1 ? strlen(base) : sizeof psp->name - 1;
        memcpy(psp->name, base, n);
        psp->name[n] = '\0';
    }
    if ((rc = dft_psp_check(psp, err)) != 0) {
        struct core_err e2 = *err;
        rc = core_err_set(err, rc, "%s: %s", in->name, e2.msg);
        goto out;
    }
    if (pspxc)
        *pspxc = ixc;
out:
    stream_locale_leave(&loc);
    return rc;
}
