/*
 * mtp_file: MLIP .mtp potentials. See mtp_file.h for the promises and mtp_file.md for the format.
 *
 * MLIP reads the file with C++ stream extraction in a fixed order of keys (MLMTPR::Load); we
 * read the same sequence through a character-level scanner over stream_in, so that whitespace
 * and line breaks between tokens do not matter and every error names the line of the offending
 * token. The two header lines are compared whole, as MLIP does (a CR before the newline is
 * dropped by stream_getline, as MLIP drops it).
 */
#include "mtp_file.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define WS " \t\r\f\v"

struct scan {
    struct stream_in *in;
    const char *p; /* cursor in the current line; NULL at end of input */
    long lineno;
    struct core_err *err;
};

static int fail(struct scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* CORE_EINPUT with `name:line: what` at the current line. */
static int
fail(struct scan *s, const char *fmt, ...)
{
    char msg[CORE_ERR_MSGLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return core_err_set(s->err, CORE_EINPUT, "%s:%ld: %s", s->in->name,
                        s->lineno > 0 ? s->lineno : 1, msg);
}

/* Next line into s->p (NULL at end of input). */
static int
next_line(struct scan *s)
{
    const char *line;
    int rc = stream_getline(s->in, &line, s->err);
    if (rc)
        return rc;
    s->p = line;
    if (line)
        s->lineno = s->in->lineno;
    return CORE_OK;
}

/* Skips whitespace and line ends; *c is the next character, or 0 at end of input. */
static int
skip(struct scan *s, char *c)
{
    for (;;) {
        int rc;
        if (!s->p) {
            *c = 0;
            return CORE_OK;
        }
        s->p += strspn(s->p, WS);
        if (*s->p) {
            *c = *s->p;
            return CORE_OK;
        }
        rc = next_line(s);
        if (rc)
            return rc;
    }
}

/* A short printable excerpt of what is at the cursor, for messages. */
static const char *
here(const struct scan *s, char *buf, size_t cap)
{
    size_t n;
    if (!s->p || !*s->p)
        return "end of file";
    n = strcspn(s->p, WS ",{}=");
    if (n == 0)
        n = 1;
    if (n > 24)
        n = 24;
    snprintf(buf, cap, "'%.*s'", (int)n, s->p);
    return buf;
}

/* The next word ([A-Za-z0-9_]+) into buf; what names the expectation for messages. */
static int
word(struct scan *s, char *buf, size_t cap, const char *what)
{
    char c, ex[32];
    size_t n;
    int rc = skip(s, &c);
    if (rc)
        return rc;
    n = s->p ? strspn(s->p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") : 0;
    if (n == 0)
        return fail(s, "expected %s, found %s", what, here(s, ex, sizeof ex));
    if (n >= cap)
        return fail(s, "expected %s, found a word of %zu characters", what, n);
    memcpy(buf, s->p, n);
    buf[n] = '\0';
    s->p += n;
    return CORE_OK;
}

/* The word key (exactly). */
static int
key(struct scan *s, const char *want)
{
    char c, ex[32];
    int rc = skip(s, &c);
    size_t n;
    if (rc)
        return rc;
    n = s->p ? strspn(s->p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") : 0;
    if (n == 0 || strncmp(s->p, want, n) != 0 || want[n] != '\0')
        return fail(s, "expected '%s', found %s", want, here(s, ex, sizeof ex));
    s->p += n;
    return CORE_OK;
}

/* The character ch; what names the context for messages. */
static int
expect(struct scan *s, char ch, const char *what)
{
    char c, ex[32];
    int rc = skip(s, &c);
    if (rc)
        return rc;
    if (c != ch)
        return fail(s, "%s: expected '%c', found %s", what, ch, here(s, ex, sizeof ex));
    s->p++;
    return CORE_OK;
}

/* An integer (optional sign, digits) within [lo, hi]. */
static int
integer(struct scan *s, long lo, long hi, const char *what, long *out)
{
    char c, buf[32], ex[32], *end;
    size_t n;
    long v;
    int rc = skip(s, &c);
    if (rc)
        return rc;
    n = (c == '-' || c == '+') ? 1 : 0;
    n += s->p ? strspn(s->p + n, "0123456789") : 0;
    if (!s->p || n == 0 || (n == 1 && (c == '-' || c == '+')))
        return fail(s, "%s: expected an integer, found %s", what, here(s, ex, sizeof ex));
    if (n >= sizeof buf)
        return fail(s, "%s: integer too long", what);
    memcpy(buf, s->p, n);
    buf[n] = '\0';
    errno = 0;
    v = strtol(buf, &end, 10);
    if (errno == ERANGE || *end || v < lo || v > hi)
        return fail(s, "%s: %s outside %ld..%ld", what, buf, lo, hi);
    s->p += n;
    *out = v;
    return CORE_OK;
}

/* A finite number in the C++ stream syntax (digits, sign, point, exponent). */
static int
number(struct scan *s, const char *what, double *out)
{
    char c, buf[96], ex[32], *end;
    size_t n;
    double v;
    int rc = skip(s, &c);
    if (rc)
        return rc;
    n = s->p ? strspn(s->p, "0123456789+-.eE") : 0;
    if (n == 0) {
        if (s->p && (strncmp(s->p, "nan", 3) == 0 || strncmp(s->p, "-nan", 4) == 0 ||
                     strncmp(s->p, "inf", 3) == 0 || strncmp(s->p, "-inf", 4) == 0))
            return fail(s, "%s: %s is not a finite number", what, here(s, ex, sizeof ex));
        return fail(s, "%s: expected a number, found %s", what, here(s, ex, sizeof ex));
    }
    if (n >= sizeof buf)
        return fail(s, "%s: number too long", what);
    memcpy(buf, s->p, n);
    buf[n] = '\0';
    v = strtod(buf, &end);
    if (end == buf || *end)
        return fail(s, "%s: '%s' is not a number", what, buf);
    if (!isfinite(v))
        return fail(s, "%s: %s is not a finite number", what, buf);
    s->p += n;
    *out = v;
    return CORE_OK;
}

/* The rest of the current line, trimmed, into buf (what names it in messages). */
static int
rest_of_line(struct scan *s, char *buf, size_t cap, const char *what)
{
    const char *p = s->p ? s->p : "";
    size_t n;
    p += strspn(p, WS);
    n = strlen(p);
    while (n > 0 && strchr(WS, p[n - 1]))
        n--;
    if (n >= cap)
        return fail(s, "%s: longer than %zu characters", what, cap - 1);
    memcpy(buf, p, n);
    buf[n] = '\0';
    if (s->p)
        s->p += strlen(s->p);
    return CORE_OK;
}

/* `name = ` then an integer. */
static int
key_int(struct scan *s, const char *name, long lo, long hi, long *out)
{
    int rc = key(s, name);
    if (!rc)
        rc = expect(s, '=', name);
    if (!rc)
        rc = integer(s, lo, hi, name, out);
    return rc;
}

/* `name = ` then a number. */
static int
key_num(struct scan *s, const char *name, double *out)
{
    int rc = key(s, name);
    if (!rc)
        rc = expect(s, '=', name);
    if (!rc)
        rc = number(s, name, out);
    return rc;
}

/* Between list items: ',' before item k > 0 of n; reports a wrong count by name. */
static int
list_sep(struct scan *s, size_t k, size_t n, const char *what)
{
    char c;
    int rc = skip(s, &c);
    if (rc)
        return rc;
    if (k == 0)
        return CORE_OK;
    if (c == '}')
        return fail(s, "%s: %zu entries where %zu were announced", what, k, n);
    return expect(s, ',', what);
}

/* The closing '}' of a list of n entries (a ',' here means too many). */
static int
list_end(struct scan *s, size_t n, const char *what)
{
    char c;
    int rc = skip(s, &c);
    if (rc)
        return rc;
    if (c == ',')
        return fail(s, "%s: more than the %zu entries announced", what, n);
    return expect(s, '}', what);
}

/* {x0, x1, ...} with exactly n numbers. */
static int
num_list(struct scan *s, size_t n, const char *what, double *x)
{
    int rc = expect(s, '{', what);
    for (size_t k = 0; !rc && k < n; k++) {
        rc = list_sep(s, k, n, what);
        if (!rc)
            rc = number(s, what, x + k);
    }
    return rc ? rc : list_end(s, n, what);
}

/* {{e0, e1, e2, e3}, ...} with n entries of 4 integers within [lo, hi]. */
static int
quad_list(struct scan *s, size_t n, long lo, long hi, const char *what, int *x)
{
    char item[96];
    int rc = expect(s, '{', what);
    for (size_t k = 0; !rc && k < n; k++) {
        snprintf(item, sizeof item, "%s entry %zu", what, k);
        rc = list_sep(s, k, n, what);
        if (!rc)
            rc = expect(s, '{', item);
        for (int c = 0; !rc && c < 4; c++) {
            long v;
            if (c)
                rc = expect(s, ',', item);
            if (!rc)
                rc = integer(s, lo, hi, item, &v);
            if (!rc)
                x[4 * k + (size_t)c] = (int)v;
        }
        if (!rc)
            rc = expect(s, '}', item);
    }
    return rc ? rc : list_end(s, n, what);
}

static int
read_pot(struct scan *s, struct mtp_pot *pot)
{
    char w[64], c;
    const char *line;
    double sc2 = 1, rmin, rcut, scaling = 1;
    long nspecies, nrb, nrad, nmom, nbasic, ntimes, nscalar, v;
    double *radial = NULL;
    size_t nradial = 0;
    long line_basic, line_times;
    struct mtp_pot tmp;
    int rc;

    /* the two header lines, compared whole (trailing blanks allowed) */
    rc = next_line(s);
    if (rc)
        return rc;
    line = s->p;
    if (!line || strncmp(line, "MTP", 3) != 0 || line[3 + strspn(line + 3, WS)] != '\0')
        return fail(s, "not an MTP potential: the first line must be 'MTP'");
    rc = next_line(s);
    if (rc)
        return rc;
    line = s->p;
    if (!line || strncmp(line, "version = 1.1.0", 15) != 0 ||
        line[15 + strspn(line + 15, WS)] != '\0')
        return fail(s, "expected 'version = 1.1.0' (the only version of the format MLIP reads)");
    s->p = NULL;
    rc = next_line(s);
    if (rc)
        return rc;

    mtp_pot_init(pot);
    rc = word(s, w, sizeof w, "potential_name or species_count");
    if (rc)
        return rc;
    if (strcmp(w, "potential_name") == 0) {
        rc = expect(s, '=', "potential_name");
        if (!rc)
            rc = rest_of_line(s, pot->name, sizeof pot->name, "potential_name");
        if (rc)
            return rc;
        if (pot->name[0] == '\0' || strpbrk(pot->name, WS))
            return fail(s, "potential_name: expected one word, found '%s'", pot->name);
        rc = word(s, w, sizeof w, "scaling or species_count");
        if (rc)
            return rc;
    }
    if (strcmp(w, "scaling") == 0) {
        rc = expect(s, '=', "scaling");
        if (!rc)
            rc = number(s, "scaling", &scaling);
        if (!rc)
            rc = word(s, w, sizeof w, "species_count");
        if (rc)
            return rc;
    }
    if (strcmp(w, "species_count") != 0)
        return fail(s, "expected 'species_count', found '%s'", w);
    rc = expect(s, '=', "species_count");
    if (!rc)
        rc = integer(s, 1, MTP_MAXSPECIES, "species_count", &nspecies);
    if (!rc)
        rc = word(s, w, sizeof w, "potential_tag or radial_basis_type");
    if (rc)
        return rc;
    if (strcmp(w, "potential_tag") == 0) {
        /* MLIP keeps the rest of the line; we drop the ' = ' before it */
        if (s->p) {
            s->p += strspn(s->p, WS);
            if (*s->p == '=')
                s->p++;
        }
        rc = rest_of_line(s, pot->tag, sizeof pot->tag, "potential_tag");
        if (!rc)
            rc = word(s, w, sizeof w, "radial_basis_type");
        if (rc)
            return rc;
    }
    if (strcmp(w, "radial_basis_type") != 0)
        return fail(s, "expected 'radial_basis_type', found '%s'", w);
    rc = expect(s, '=', "radial_basis_type");
    if (!rc)
        rc = word(s, w, sizeof w, "a radial basis type");
    if (rc)
        return rc;
    if (strcmp(w, "RBChebyshev") != 0)
        return fail(s, "radial basis '%s' is not supported (only RBChebyshev)", w);
    rc = word(s, w, sizeof w, "scaling or min_dist");
    if (rc)
        return rc;
    if (strcmp(w, "scaling") == 0) {
        rc = expect(s, '=', "scaling");
        if (!rc)
            rc = number(s, "scaling", &sc2);
        if (!rc)
            rc = word(s, w, sizeof w, "min_dist");
        if (rc)
            return rc;
    }
    if (strcmp(w, "min_dist") != 0)
        return fail(s, "expected 'min_dist', found '%s'", w);
    rc = expect(s, '=', "min_dist");
    if (!rc)
        rc = number(s, "min_dist", &rmin);
    if (!rc)
        rc = key_num(s, "max_dist", &rcut);
    if (rc)
        return rc;
    if (rmin < 0 || rmin >= rcut)
        return fail(s, "min_dist %.17g and max_dist %.17g: need 0 <= min_dist < max_dist", rmin,
                    rcut);
    rc = key_int(s, "radial_basis_size", 2, MTP_MAXRB, &nrb);
    if (!rc)
        rc = key_int(s, "radial_funcs_count", 1, MTP_MAXRB, &nrad);
    if (rc)
        return rc;
    if ((size_t)(nspecies * nspecies) * (size_t)nrad * (size_t)nrb > MTP_MAXCOUNT)
        return fail(s, "more than %d radial coefficients", MTP_MAXCOUNT);
    rc = word(s, w, sizeof w, "radial_coeffs or alpha_moments_count");
    if (rc)
        return rc;

    if (strcmp(w, "radial_coeffs") == 0) {
        nradial = (size_t)(nspecies * nspecies * nrad * nrb);
        radial = malloc(nradial * sizeof *radial);
        if (!radial)
            return core_err_set(s->err, CORE_ENOMEM, "out of memory");
        for (long i = 0; i < nspecies; i++)
            for (long j = 0; j < nspecies; j++) {
                char what[128];
                long a, b;
                snprintf(what, sizeof what, "radial_coeffs block %ld-%ld", i, j);
                rc = integer(s, 0, LONG_MAX, what, &a);
                if (!rc)
                    rc = expect(s, '-', what);
                if (!rc)
                    rc = integer(s, 0, LONG_MAX, what, &b);
                if (!rc && (a != i || b != j))
                    rc =
                        fail(s, "radial_coeffs: expected block %ld-%ld, found %ld-%ld", i, j, a, b);
                for (long mu = 0; !rc && mu < nrad; mu++) {
                    snprintf(what, sizeof what, "radial_coeffs block %ld-%ld, function %ld", i, j,
                             mu);
                    rc = num_list(s, (size_t)nrb, what,
                                  radial + (size_t)(((i * nspecies + j) * nrad + mu) * nrb));
                }
                if (rc) {
                    free(radial);
                    return rc;
                }
            }
        rc = word(s, w, sizeof w, "alpha_moments_count");
        if (rc) {
            free(radial);
            return rc;
        }
    }
    if (strcmp(w, "alpha_moments_count") != 0) {
        free(radial);
        return fail(s, "expected 'alpha_moments_count', found '%s'", w);
    }
    rc = expect(s, '=', "alpha_moments_count");
    if (!rc)
        rc = integer(s, 0, MTP_MAXCOUNT, "alpha_moments_count", &nmom);
    if (!rc)
        rc = key_int(s, "alpha_index_basic_count", 1, nmom, &nbasic);
    if (rc) {
        free(radial);
        return rc;
    }
    /* the arrays whose counts are known; the rest once they are */
    tmp = *pot;
    tmp.scaling = scaling * sc2;
    tmp.rmin = rmin;
    tmp.rcut = rcut;
    rc = mtp_pot_resize(&tmp, (size_t)nspecies, (size_t)nrb, (size_t)nrad, (size_t)nmom,
                        (size_t)nbasic, 0, 0, s->err);
    if (rc) {
        free(radial);
        return rc;
    }
    if (radial) {
        memcpy(tmp.radial, radial, nradial * sizeof *radial);
        tmp.has_radial = 1;
        free(radial);
    }
    rc = key(s, "alpha_index_basic");
    if (!rc)
        rc = expect(s, '=', "alpha_index_basic");
    line_basic = s->lineno;
    if (!rc)
        rc = quad_list(s, (size_t)nbasic, 0, INT_MAX, "alpha_index_basic", tmp.basic);
    if (rc)
        goto fail;
    {
        long maxmu = -1;
        for (long p = 0; p < nbasic; p++) {
            const int *e = tmp.basic + 4 * p;
            if (e[0] >= nrad) {
                s->lineno = line_basic;
                rc = fail(s, "alpha_index_basic entry %ld: radial function %d outside 0..%ld", p,
                          e[0], nrad - 1);
                goto fail;
            }
            if (e[1] + (long)e[2] + e[3] > MTP_MAXNU) {
                s->lineno = line_basic;
                rc = fail(s, "alpha_index_basic entry %ld: tensor rank %ld above %d", p,
                          e[1] + (long)e[2] + e[3], MTP_MAXNU);
                goto fail;
            }
            if (e[0] > maxmu)
                maxmu = e[0];
        }
        if (maxmu != nrad - 1) {
            rc = fail(s,
                      "radial_funcs_count = %ld but alpha_index_basic uses %ld radial functions "
                      "(MLIP requires them equal)",
                      nrad, maxmu + 1);
            goto fail;
        }
    }
    rc = key_int(s, "alpha_index_times_count", 0, MTP_MAXCOUNT, &ntimes);
    if (rc)
        goto fail;
    tmp.ntimes = (size_t)ntimes;
    free(tmp.times);
    tmp.times = malloc((ntimes ? (size_t)ntimes : 1) * 4 * sizeof *tmp.times);
    if (!tmp.times) {
        rc = core_err_set(s->err, CORE_ENOMEM, "out of memory");
        goto fail;
    }
    rc = key(s, "alpha_index_times");
    if (!rc)
        rc = expect(s, '=', "alpha_index_times");
    line_times = s->lineno;
    if (!rc)
        rc = quad_list(s, (size_t)ntimes, INT_MIN, INT_MAX, "alpha_index_times", tmp.times);
    if (rc)
        goto fail;
    {
        /* ranges and order of the contractions (the scalars are not read yet: none checked) */
        struct core_err e2 = {0};
        if (mtp_pot_check(&tmp, &e2) != CORE_OK) {
            s->lineno = line_times;
            rc = fail(s, "%s", e2.msg);
            goto fail;
        }
    }
    rc = key_int(s, "alpha_scalar_moments", 0, MTP_MAXCOUNT, &nscalar);
    if (rc)
        goto fail;
    tmp.nscalar = (size_t)nscalar;
    free(tmp.mapping);
    free(tmp.moment_coeffs);
    tmp.mapping = calloc(nscalar ? (size_t)nscalar : 1, sizeof *tmp.mapping);
    tmp.moment_coeffs = calloc(nscalar ? (size_t)nscalar : 1, sizeof *tmp.moment_coeffs);
    if (!tmp.mapping || !tmp.moment_coeffs) {
        rc = core_err_set(s->err, CORE_ENOMEM, "out of memory");
        goto fail;
    }
    rc = key(s, "alpha_moment_mapping");
    if (!rc)
        rc = expect(s, '=', "alpha_moment_mapping");
    if (!rc)
        rc = expect(s, '{', "alpha_moment_mapping");
    for (long k = 0; !rc && k < nscalar; k++) {
        rc = list_sep(s, (size_t)k, (size_t)nscalar, "alpha_moment_mapping");
        if (!rc)
            rc = integer(s, 0, nmom - 1, "alpha_moment_mapping", &v);
        if (!rc)
            tmp.mapping[k] = (int)v;
    }
    if (!rc)
        rc = list_end(s, (size_t)nscalar, "alpha_moment_mapping");
    if (rc)
        goto fail;

    rc = skip(s, &c);
    if (rc)
        goto fail;
    if (c) {
        rc = word(s, w, sizeof w, "species_coeffs or the end of the file");
        if (!rc && strcmp(w, "species_coeffs") != 0)
            rc = fail(s, "expected 'species_coeffs' or the end of the file, found '%s'", w);
        if (!rc)
            rc = expect(s, '=', "species_coeffs");
        if (!rc)
            rc = num_list(s, (size_t)nspecies, "species_coeffs", tmp.species_coeffs);
        if (!rc)
            rc = key(s, "moment_coeffs");
        if (!rc)
            rc = expect(s, '=', "moment_coeffs");
        if (!rc)
            rc = num_list(s, (size_t)nscalar, "moment_coeffs", tmp.moment_coeffs);
        if (!rc)
            rc = skip(s, &c);
        if (!rc && c) {
            char ex[32];
            rc = fail(s, "unexpected %s after moment_coeffs", here(s, ex, sizeof ex));
        }
        if (rc)
            goto fail;
        tmp.has_linear = 1;
    }
    mtp_pot_coeffs_default(&tmp);
    rc = mtp_pot_check(&tmp, s->err);
    if (rc) {
        char msg[CORE_ERR_MSGLEN];
        snprintf(msg, sizeof msg, "%s", s->err->msg);
        rc = core_err_set(s->err, rc, "%s:%ld: %s", s->in->name, s->lineno, msg);
        goto fail;
    }
    *pot = tmp;
    return CORE_OK;
fail:
    mtp_pot_release(&tmp);
    return rc;
}

int
mtp_file_read(struct stream_in *in, struct mtp_pot *pot, struct core_err *err)
{
    struct stream_locale loc = {0};
    struct scan s = {in, NULL, in->lineno, err};
    int rc;

    mtp_pot_release(pot);
    if ((rc = stream_locale_enter(&loc, "mtp", err)))
        return rc;
    rc = read_pot(&s, pot);
    stream_locale_leave(&loc);
    if (rc)
        mtp_pot_release(pot);
    return rc;
}

/* ---- writer ---- */

static void
put_nums(FILE *fp, const double *x, size_t n)
{
    fputc('{', fp);
    for (size_t k = 0; k < n; k++)
        fprintf(fp, "%s%.16e", k ? ", " : "", x[k]);
    fputc('}', fp);
}

static void
put_quads(FILE *fp, const int *x, size_t n)
{
    fputc('{', fp);
    for (size_t k = 0; k < n; k++)
        fprintf(fp, "%s{%d, %d, %d, %d}", k ? ", " : "", x[4 * k], x[4 * k + 1], x[4 * k + 2],
                x[4 * k + 3]);
    fputc('}', fp);
}

static int
write_pot(FILE *fp, const struct mtp_pot *pot, struct core_err *err)
{
    int rc = mtp_pot_check(pot, err);
    if (rc)
        return rc;
    fputs("MTP\nversion = 1.1.0\n", fp);
    fprintf(fp, "potential_name = %s\n", pot->name);
    if (pot->scaling != 1.0)
        fprintf(fp, "scaling = %.16e\n", pot->scaling);
    fprintf(fp, "species_count = %zu\n", pot->nspecies);
    fprintf(fp, "potential_tag = %s\n", pot->tag);
    fputs("radial_basis_type = RBChebyshev\n", fp);
    fprintf(fp, "\tmin_dist = %.16e\n\tmax_dist = %.16e\n", pot->rmin, pot->rcut);
    fprintf(fp, "\tradial_basis_size = %zu\n\tradial_funcs_count = %zu\n", pot->nrb, pot->nrad);
    if (pot->has_radial) {
        fputs("\tradial_coeffs\n", fp);
        for (size_t i = 0; i < pot->nspecies; i++)
            for (size_t j = 0; j < pot->nspecies; j++) {
                fprintf(fp, "\t\t%zu-%zu\n", i, j);
                for (size_t mu = 0; mu < pot->nrad; mu++) {
                    fputs("\t\t\t", fp);
                    put_nums(fp,
                             pot->radial + ((i * pot->nspecies + j) * pot->nrad + mu) * pot->nrb,
                             pot->nrb);
                    fputc('\n', fp);
                }
            }
    }
    fprintf(fp, "alpha_moments_count = %zu\n", pot->nmoments);
    fprintf(fp, "alpha_index_basic_count = %zu\nalpha_index_basic = ", pot->nbasic);
    put_quads(fp, pot->basic, pot->nbasic);
    fprintf(fp, "\nalpha_index_times_count = %zu\nalpha_index_times = ", pot->ntimes);
    put_quads(fp, pot->times, pot->ntimes);
    fprintf(fp, "\nalpha_scalar_moments = %zu\nalpha_moment_mapping = {", pot->nscalar);
    for (size_t k = 0; k < pot->nscalar; k++)
        fprintf(fp, "%s%d", k ? ", " : "", pot->mapping[k]);
    fputs("}\n", fp);
    if (pot->has_linear) {
        fputs("species_coeffs = ", fp);
        put_nums(fp, pot->species_coeffs, pot->nspecies);
        fputs("\nmoment_coeffs = ", fp);
        put_nums(fp, pot->moment_coeffs, pot->nscalar);
        fputc('\n', fp);
    }
    if (ferror(fp))
        return core_err_set(err, CORE_EIO, "write error");
    return CORE_OK;
}

int
mtp_file_write(FILE *fp, const struct mtp_pot *pot, struct core_err *err)
{
    struct stream_locale loc = {0};
    int rc;

    if ((rc = stream_locale_enter(&loc, "mtp", err)))
        return rc;
    rc = write_pot(fp, pot, err);
    stream_locale_leave(&loc);
    return rc;
}
