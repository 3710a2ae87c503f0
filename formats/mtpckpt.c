/*
 * mtpckpt: mtp-fit checkpoints as text with hexadecimal floats. See mtpckpt.h.
 */
#include "mtpckpt.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "fpms-mtp-fit-checkpoint 1"

/* ` v_1 .. v_n`, the reals as %a (NaN as nan). */
static void
put_reals(FILE *fp, size_t n, const double *v)
{
    for (size_t k = 0; k < n; k++)
        isnan(v[k]) ? fputs(" nan", fp) : fprintf(fp, " %a", v[k]);
}

int
mtpckpt_write(FILE *fp, const char *setup, const struct mtp_fit_state *st, struct core_err *err)
{
    struct stream_locale loc;
    int rc = stream_locale_enter(&loc, "checkpoint", err);
    if (rc)
        return rc;
    const struct mtp_fit_result *r = &st->res;
    fprintf(fp, "%s\nsetup %s\nphase %d\niter %d\nnparams %zu\nscaling %a\n", MAGIC, setup,
            st->phase, st->iter, st->nparams, st->scaling);
    fprintf(fp, "result %d %d %a %a %d %d\nfits %zu\n", r->niter, r->best_iter, r->best_loss,
            r->loss, r->stopped, r->cv_iters, st->nfits);
    for (size_t k = 0; k < st->nfits; k++) {
        const struct mtp_fit_lm_state *f = &st->fit[k];
        double v[3] = {f->lambda, f->loss, f->hold_loss};
        fputs("fit", fp);
        put_reals(fp, 3, v);
        fprintf(fp, " %d\ncoeffs", f->running ? 1 : 0);
        put_reals(fp, st->nparams, f->coeffs);
        fputc('\n', fp);
    }
    fputs("best", fp);
    if (st->best)
        put_reals(fp, st->nparams, st->best);
    else
        fputs(" none", fp);
    fputs("\nend\n", fp);
    stream_locale_leave(&loc);
    if (ferror(fp))
        return core_err_set(err, CORE_EIO, "checkpoint: write error");
    return CORE_OK;
}

void
mtpckpt_release(struct mtpckpt *ck)
{
    free(ck->st.fit);
    free(ck->mem);
    memset(ck, 0, sizeof *ck);
}

/* The next line, which must start with `key `: *rest is what follows. */
static int
keyed(struct stream_in *in, const char *key, const char **rest, struct core_err *err)
{
    const char *line;
    int rc = stream_getline(in, &line, err);
    if (rc)
        return rc;
    if (!line)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: truncated checkpoint: expected '%s'",
                            in->name, in->lineno + 1, key);
    size_t kl = strlen(key);
    if (strncmp(line, key, kl) || (line[kl] != ' ' && line[kl] != '\0'))
        return core_err_set(err, CORE_EINPUT, "%s:%ld: expected '%s'", in->name, in->lineno, key);
    *rest = line + kl;
    return CORE_OK;
}

/*
 * n numbers from s (whitespace separated, nothing after them): reals (nan accepted when
 * nan_ok), or with ints set whole numbers in [0, INT_MAX] (ints[k] 1) mixed with reals.
 */
static int
numbers(struct stream_in *in, const char *s, size_t n, double *v, const unsigned char *ints,
        int nan_ok, struct core_err *err)
{
    for (size_t k = 0; k < n; k++) {
        char *end;
        errno = 0;
        double x = strtod(s, &end);
        int whole = ints && ints[k];
        if (end == s || (!nan_ok && isnan(x)) || isinf(x) ||
            (whole && (x < 0 || x > INT_MAX || x != floor(x))))
            return core_err_set(err, CORE_EINPUT, "%s:%ld: field %zu is not %s", in->name,
                                in->lineno, k + 1, whole ? "a whole number" : "a finite number");
        v[k] = x, s = end;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: more than %zu fields", in->name, in->lineno,
                            n);
    return CORE_OK;
}

/* One whole number after key. */
static int
whole(struct stream_in *in, const char *key, double *v, struct core_err *err)
{
    static const unsigned char one = 1;
    const char *rest;
    int rc = keyed(in, key, &rest, err);
    return rc ? rc : numbers(in, rest, 1, v, &one, 0, err);
}

int
mtpckpt_read(struct stream_in *in, struct mtpckpt *ck, struct core_err *err)
{
    struct stream_locale loc;
    const char *line, *rest;
    double v[6], np, nf;
    memset(ck, 0, sizeof *ck);
    int rc = stream_locale_enter(&loc, "checkpoint", err);
    if (rc)
        return rc;
    if ((rc = stream_getline(in, &line, err)))
        goto out;
    if (!line || strcmp(line, MAGIC)) {
        rc = core_err_set(err, CORE_EINPUT, "%s:1: not an mtp-fit checkpoint (no '%s')", in->name,
                          MAGIC);
        goto out;
    }
    if ((rc = keyed(in, "setup", &rest, err)))
        goto out;
    snprintf(ck->setup, sizeof ck->setup, "%s", *rest ? rest + 1 : rest);
    static const unsigned char result_ints[6] = {1, 1, 0, 0, 1, 1};
    if ((rc = whole(in, "phase", &v[0], err)) || (rc = whole(in, "iter", &v[1], err)) ||
        (rc = whole(in, "nparams", &np, err)))
        goto out;
    ck->st.phase = (int)v[0], ck->st.iter = (int)v[1], ck->st.nparams = (size_t)np;
    if (ck->st.phase > 1 || np < 1) {
        rc = core_err_set(err, CORE_EINPUT, "%s: phase %d or nparams %zu out of range", in->name,
                          ck->st.phase, ck->st.nparams);
        goto out;
    }
    if ((rc = keyed(in, "scaling", &rest, err)) ||
        (rc = numbers(in, rest, 1, &ck->st.scaling, NULL, 0, err)) ||
        (rc = keyed(in, "result", &rest, err)) ||
        (rc = numbers(in, rest, 6, v, result_ints, 0, err)))
        goto out;
    ck->st.res = (struct mtp_fit_result){.niter = (int)v[0],
                                         .best_iter = (int)v[1],
                                         .best_loss = v[2],
                                         .loss = v[3],
                                         .stopped = (int)v[4],
                                         .cv_iters = (int)v[5]};
    if ((rc = whole(in, "fits", &nf, err)))
        goto out;
    size_t n = (size_t)nf, npar = ck->st.nparams;
    if (n < 1 || n > 1000 || npar > ((size_t)1 << 24)) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: %zu fits of %zu coefficients: out of range",
                          in->name, in->lineno, n, npar);
        goto out;
    }
    ck->st.nfits = n;
    ck->st.fit = calloc(n, sizeof *ck->st.fit);
    ck->mem = malloc((n + 1) * npar * sizeof *ck->mem);
    if (!ck->st.fit || !ck->mem) {
        rc = core_err_set(err, CORE_ENOMEM, "checkpoint: out of memory");
        goto out;
    }
    static const unsigned char fit_ints[4] = {0, 0, 0, 1};
    for (size_t k = 0; k < n; k++) {
        struct mtp_fit_lm_state *f = &ck->st.fit[k];
        f->coeffs = ck->mem + k * npar;
        if ((rc = keyed(in, "fit", &rest, err)) || (rc = numbers(in, rest, 4, v, fit_ints, 1, err)))
            goto out;
        if (isnan(v[0]) || isnan(v[1]) || v[3] > 1) {
            rc = core_err_set(err, CORE_EINPUT,
                              "%s:%ld: a damping, a loss, a held-out loss and 0 "
                              "or 1 expected",
                              in->name, in->lineno);
            goto out;
        }
        f->lambda = v[0], f->loss = v[1], f->hold_loss = v[2], f->running = (int)v[3];
        if ((rc = keyed(in, "coeffs", &rest, err)) ||
            (rc = numbers(in, rest, npar, f->coeffs, NULL, 0, err)))
            goto out;
    }
    if ((rc = keyed(in, "best", &rest, err)))
        goto out;
    if (strcmp(rest, " none")) {
        ck->st.best = ck->mem + n * npar;
        if ((rc = numbers(in, rest, npar, ck->st.best, NULL, 0, err)))
            goto out;
    }
    if ((rc = keyed(in, "end", &rest, err)))
        goto out;
    if (*rest)
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: expected 'end'", in->name, in->lineno);
out:
    stream_locale_leave(&loc);
    if (rc)
        mtpckpt_release(ck);
    return rc;
}

int
mtpckpt_setup_check(const struct mtpckpt *ck, const char *setup, const char *path,
                    struct core_err *err)
{
    if (!strcmp(ck->setup, setup))
        return CORE_OK;
    /* the first word that differs, with the word before it (its key) */
    const char *a = ck->setup, *b = setup, *wa = a, *wb = b, *pa = a, *pb = b;
    for (; *a && *a == *b; a++, b++)
        if (*a == ' ')
            pa = wa, pb = wb, wa = a + 1, wb = b + 1;
    if (wa == ck->setup)
        pa = wa, pb = wb;
    int la = (int)strcspn(pa, " "), lb = (int)strcspn(pb, " ");
    if (pa != wa) /* the key and its value */
        la += 1 + (int)strcspn(wa, " "), lb += 1 + (int)strcspn(wb, " ");
    if ((!*a && *b == ' ') || (!*b && *a == ' ')) /* one has words the other lacks */
        pa = *a ? a + 1 : a, pb = *b ? b + 1 : b, la = (int)strlen(pa), lb = (int)strlen(pb);
    return core_err_set(err, CORE_EINPUT,
                        "%s: a checkpoint of another fit: written with '%.*s', this fit has '%.*s'",
                        path, la, pa, lb, pb);
}
