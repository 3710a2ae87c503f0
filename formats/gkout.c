/*
 * gkout: result tables of a Green-Kubo analysis. See gkout.h, gkout.md.
 *
 * The tables are filled completely in memory and then written by table_write. A spectrum
 * table of a long series (nfreq rows of 9 columns) therefore costs about twice the memory of
 * the result's own spectrum for the duration of the write; that is the price of a writer with
 * no knowledge of gk and a result with no knowledge of tables.
 */
#include "gkout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char kunit[] = "W/(m*K)";

/* "x,y" for the equivalent directions */
static void
equiv_str(const struct gk_opts *o, char eq[8])
{
    size_t k = 0;
    for (int a = 0; a < 3; a++)
        if (o->equiv[a]) {
            if (k)
                eq[k++] = ',';
            eq[k++] = (char)('x' + a);
        }
    eq[k] = '\0';
}

/* The metadata every result table starts with. */
static int
meta(struct table *t, const struct gkout_info *in, const struct gk_result *res,
     struct core_err *err)
{
    const struct gk_opts *o = in->gk;
    size_t nf = res->cep[GK_AVG].nf ? res->cep[GK_AVG].nf : res->nfreq;
    char eq[8];
    int rc;

    equiv_str(o, eq);
    rc = table_meta_set(t, err, "program", "kappa-gk (fpms %s)", FPMS_VERSION);
    rc = rc ? rc : table_meta_set(t, err, "volume", "%.10g A^3", o->volume);
    if (!rc && in->thickness > 0.0)
        rc = table_meta_set(t, err, "thickness", "%.10g A", in->thickness);
    rc = rc ? rc : table_meta_set(t, err, "temperature", "%.10g K", o->temp);
    rc = rc ? rc : table_meta_set(t, err, "dt", "%.10g ps", res->dt);
    rc = rc ? rc : table_meta_set(t, err, "runs", "%zu", in->nruns);
    rc = rc ? rc : table_meta_set(t, err, "segments", "%zu", o->nseg);
    rc = rc ? rc : table_meta_set(t, err, "equivalent", "%s", eq);
    rc = rc ? rc : table_meta_set(t, err, "tmax", "%.10g ps", (double)(res->nlag - 1) * res->dt);
    rc = rc ? rc
            : table_meta_set(t, err, "cutoff", "%s",
                             o->tcut > 0.0 ? "fixed (--tcut)" : "first zero of the HCACF");
    rc = rc ? rc : table_meta_set(t, err, "fstar", "%.10g THz", (double)(nf - 1) * res->df);
    rc = rc ? rc
            : table_meta_set(t, err, "aic", "%s",
                             o->pstar               ? "fixed P (--pstar)"
                             : o->aic == GK_AIC_MIN ? "min"
                                                    : "average");
    return rc;
}

/* Adds ncols columns; NULL units are bare. */
static int
cols(struct table *t, size_t ncols, const char *const *names, const char *const *units,
     struct core_err *err)
{
    int rc = CORE_OK;
    for (size_t i = 0; !rc && i < ncols; i++)
        rc = table_col_add(t, names[i], units[i], err);
    return rc;
}

static int
kappa_table(struct table *t, const struct gkout_info *in, const struct gk_result *res,
            struct core_err *err)
{
    static const double code[GK_NCOMP] = {1, 2, 3, 0};
    const char *names[12], *units[12];
    size_t nc = 0;
    int errs = res->nsamples >= 2, fit = in->gk->fit, rc;
    char eq[8];

#define COL(n, u) (names[nc] = (n), units[nc++] = (u))
    COL("dir", NULL);
    COL("kappa", kunit);
    if (errs)
        COL("kappa_err", kunit);
    COL("tcut", "ps");
    COL("plateau", NULL);
    if (fit) {
        COL("fit", kunit);
        if (errs)
            COL("fit_err", kunit);
    }
    COL("cepstral", kunit);
    COL("cepstral_err", kunit);
    COL("pstar", NULL);
    COL("pmean", NULL);
#undef COL
    equiv_str(in->gk, eq);
    rc = table_meta_set(t, err, "dir", "1 xx, 2 yy, 3 zz, 0 average over %s", eq);
    rc = rc ? rc : cols(t, nc, names, units, err);
    for (int c = 0; !rc && c < GK_NCOMP; c++) {
        double row[12];
        size_t k = 0;
        row[k++] = code[c];
        row[k++] = res->kappa[c];
        if (errs)
            row[k++] = res->kappa_err[c];
        row[k++] = (double)res->icut[c] * res->dt;
        row[k++] = res->cut_found[c];
        if (fit) {
            row[k++] = res->kappa_fit[c];
            if (errs)
                row[k++] = res->kappa_fit_err[c];
        }
        row[k++] = res->kappa_cep[c];
        row[k++] = res->kappa_cep_err[c];
        row[k++] = (double)res->cep[c].pstar;
        row[k++] = res->cep[c].nf ? res->cep[c].pmean : 0.0;
        rc = table_row_add(t, row, err);
    }
    return rc;
}

/* time or frequency column plus four per-direction columns (and their errors, or the
 * smoothed spectrum) */
static int
series_table(struct table *t, enum gkout_kind kind, const struct gkout_info *in,
             const struct gk_result *res, struct core_err *err)
{
    static const char *const kn[] = {"kappa_xx", "kappa_yy", "kappa_zz", "kappa_avg"};
    static const char *const ke[] = {"kappa_xx_err", "kappa_yy_err", "kappa_zz_err",
                                     "kappa_avg_err"};
    static const char *const hn[] = {"hcacf_xx", "hcacf_yy", "hcacf_zz", "hcacf_avg"};
    static const char *const sn[] = {"kappa_xx_smooth", "kappa_yy_smooth", "kappa_zz_smooth",
                                     "kappa_avg_smooth"};
    int spec = kind == GKOUT_SPECTRUM, errs = kind == GKOUT_INTEGRAL && res->nsamples >= 2, rc;
    size_t nrow = spec ? res->nfreq : res->nlag, w = 1;
    const double *y = kind == GKOUT_INTEGRAL ? res->kint
                      : kind == GKOUT_HCACF  ? res->hcacf
                                             : res->spectrum;
    double *sm = NULL, *x = NULL;

    if (spec) {
        w = (size_t)floor(in->smooth / res->df + 0.5);
        sm = malloc(4 * nrow * sizeof *sm);
        x = malloc(nrow * sizeof *x);
        if (!sm || !x) {
            free(sm);
            free(x);
            return core_err_set(err, CORE_ENOMEM, "out of memory");
        }
        for (int c = 0; c < GK_NCOMP; c++) {
            for (size_t k = 0; k < nrow; k++)
                x[k] = res->spectrum[4 * k + c];
            gk_smooth(x, nrow, w, sm + c * nrow);
        }
        free(x);
    }
    rc = spec ? table_meta_set(t, err, "smooth", "%.10g THz (%zu points)", in->smooth,
                               w < 1 ? 1 : 2 * (w / 2) + 1)
              : CORE_OK;
    rc = rc ? rc : table_col_add(t, spec ? "freq" : "time", spec ? "THz" : "ps", err);
    for (int c = 0; !rc && c < GK_NCOMP; c++)
        rc = kind == GKOUT_HCACF ? table_col_add(t, hn[c], "eV^2*A^2/ps^2", err)
                                 : table_col_add(t, kn[c], kunit, err);
    for (int c = 0; !rc && (errs || spec) && c < GK_NCOMP; c++)
        rc = table_col_add(t, spec ? sn[c] : ke[c], kunit, err);
    for (size_t m = 0; !rc && m < nrow; m++) {
        double row[9];
        size_t k = 0;
        row[k++] = (double)m * (spec ? res->df : res->dt);
        for (int c = 0; c < GK_NCOMP; c++)
            row[k++] = y[4 * m + c];
        for (int c = 0; (errs || spec) && c < GK_NCOMP; c++)
            row[k++] = spec ? sm[c * nrow + m] : res->kint_err[4 * m + c];
        rc = table_row_add(t, row, err);
    }
    free(sm);
    return rc;
}

static int
cepstrum_table(struct table *t, const struct gkout_info *in, const struct gk_result *res,
               struct core_err *err)
{
    static const char *const names[] = {"n",    "freq",     "kappa", "kappa_cepstral",
                                        "coef", "coef_err", "aic",   "kappa_p"};
    const char *units[] = {NULL, "THz", kunit, kunit, NULL, NULL, NULL, kunit};
    const struct gk_cepstral *c = &res->cep[GK_AVG];
    double half = 0.5 * gk_kappa_unit(in->gk->volume, in->gk->temp);
    int rc = table_meta_set(t, err, "ell", "%zu", c->ell);

    rc = rc ? rc : table_meta_set(t, err, "pstar", "%zu", c->pstar);
    rc = rc ? rc : cols(t, 8, names, units, err);
    for (size_t n = 0; !rc && n < c->nf; n++) {
        double row[8] = {(double)n,
                         (double)n * res->df,
                         res->spectrum[4 * n + GK_AVG],
                         half * exp(c->logpsd[n]),
                         c->coef[n],
                         sqrt(c->coef_var[n]),
                         c->aic[n],
                         half * exp(c->logs0_p[n])};
        rc = table_row_add(t, row, err);
    }
    return rc;
}

static int
plot_table(struct table *t, const struct gk_result *res, struct core_err *err)
{
    static const char *const names[] = {"time", "kappa", "kappa_err"};
    const char *units[] = {"ps", kunit, kunit};
    int errs = res->nsamples >= 2, rc = cols(t, 3, names, units, err);

    for (size_t m = 0; !rc && m < res->nlag; m++) {
        double row[3] = {(double)m * res->dt, res->kint[4 * m + GK_AVG],
                         errs ? res->kint_err[4 * m + GK_AVG] : 0.0};
        rc = table_row_add(t, row, err);
    }
    return rc;
}

int
gkout_table_fill(struct table *t, enum gkout_kind kind, const struct gkout_info *info,
                 const struct gk_result *res, struct core_err *err)
{
    int rc;

    if (t->ncols || t->nmeta)
        return core_err_set(err, CORE_EINPUT, "gkout: the table is not empty");
    if (kind == GKOUT_PLOT)
        return plot_table(t, res, err);
    if ((rc = meta(t, info, res, err)))
        return rc;
    switch (kind) {
    case GKOUT_KAPPA:
        return kappa_table(t, info, res, err);
    case GKOUT_CEPSTRUM:
        return cepstrum_table(t, info, res, err);
    default:
        return series_table(t, kind, info, res, err);
    }
}

int
gkout_plot_script(char **script, const struct gkout_info *info, const struct gk_result *res,
                  struct core_err *err)
{
    int errs = res->nsamples >= 2;
    double kc = res->kappa[GK_AVG], ke = errs ? res->kappa_err[GK_AVG] : 0.0;
    double tc = (double)res->icut[GK_AVG] * res->dt;
    size_t len = 0;
    struct stream_locale loc;
    FILE *fp;
    int rc = CORE_OK;

    *script = NULL;
    if ((fp = open_memstream(script, &len)) == NULL)
        return core_err_set(err, CORE_ENOMEM, "plot script: out of memory");
    stream_locale_enter(&loc, "gkout", NULL); /* the numbers in the script take a '.' */
    fprintf(fp, "set xlabel 'correlation time t (ps)'\nset ylabel 'kappa (W/(m K))'\n");
    fprintf(fp, "set key top left\nset grid\n");
    fprintf(fp, "set arrow from %.10g, graph 0 to %.10g, graph 1 nohead dt 2\n", tc, tc);
    fprintf(fp,
            "plot ARG2 using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.3 "
            "lc rgb '#4477aa' title 'standard error', \\\n"
            "  ARG2 using 1:2 with lines lw 2 lc rgb '#4477aa' title 'running integral', \\\n"
            "  %.10g with lines dt 2 lc rgb '#228833' title 'direct: %.4g +- %.2g at t_c', \\\n"
            "  %.10g with lines lc rgb '#ee6677' title 'cepstral: %.4g +- %.2g'",
            kc, kc, ke, res->kappa_cep[GK_AVG], res->kappa_cep[GK_AVG], res->kappa_cep_err[GK_AVG]);
    if (info->gk->fit)
        fprintf(fp, ", \\\n  %.10g with lines dt 3 lc rgb '#aa3377' title 'fit: %.4g +- %.2g'",
                res->kappa_fit[GK_AVG], res->kappa_fit[GK_AVG],
                errs ? res->kappa_fit_err[GK_AVG] : 0.0);
    fputc('\n', fp);
    stream_locale_leave(&loc);
    if (fclose(fp) != 0 || !*script) {
        free(*script);
        *script = NULL;
        rc = core_err_set(err, CORE_ENOMEM, "plot script: out of memory");
    }
    return rc;
}
