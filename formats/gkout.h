/*
 * gkout: the result tables of a Green-Kubo analysis (kappa-gk's outputs), built in memory as
 * struct table and written with table_write. Spec: formats/gkout.md; users' page
 * man/kappa-gk.1 (OUTPUT).
 *
 * Why here: which columns and metadata a result table has is a file format, and the tables
 * are struct table (formats/table.h), which lib/gk must not depend on (lib/ knows no formats).
 * Filling a table is not I/O, so these functions print and write nothing; the cmd writes.
 *
 * Every table starts with the same metadata: program, volume, thickness (sheets only),
 * temperature, dt, runs, segments, equivalent, tmax, cutoff, fstar, aic. Conductivities are in
 * W/(m*K), times in ps, frequencies in THz.
 *
 * Ownership: the table is caller-owned (table_init before, table_release after); the result
 * and the options are borrowed. Errors: CORE_ENOMEM; CORE_EINPUT when t is not empty.
 */
#ifndef FPMS_GKOUT_H
#define FPMS_GKOUT_H

#include <stddef.h>

#include "../lib/core/core.h"
#include "../lib/gk/gk.h"
#include "table.h"

enum gkout_kind {
    GKOUT_KAPPA = 0, /* one row per component: dir, kappa, kappa_err, tcut, plateau, fit,
                        fit_err, cepstral, cepstral_err, pstar, pmean */
    GKOUT_INTEGRAL,  /* time, kappa_xx .. kappa_avg (running integral), their errors */
    GKOUT_HCACF,     /* time, hcacf_xx .. hcacf_avg */
    GKOUT_SPECTRUM,  /* freq, kappa_xx .. kappa_avg (S(f)/(2 V k_B T^2)), smoothed copies */
    GKOUT_CEPSTRUM,  /* n, freq, kappa, kappa_cepstral, coef, coef_err, aic, kappa_p */
    GKOUT_PLOT,      /* time, kappa, kappa_err: the averaged running integral, for the plot */
};

/* What a result table records besides the result itself. */
struct gkout_info {
    const struct gk_opts *gk; /* the options of the analysis (volume, temp, equiv, nseg, tcut,
                                 fit, pstar, aic); borrowed */
    size_t nruns;             /* independent input runs */
    double thickness;         /* Angstrom: a sheet's thickness, recorded when > 0 */
    double smooth;            /* THz: moving-average width of the spectrum's smoothed columns */
};

/*
 * Fills the empty table t with the table kind of res (from gk_analyse with the options
 * info->gk). The error columns of the direct route (kappa_err, fit_err, kappa_*_err) are left
 * out when res has a single sample; fit and fit_err appear with info->gk->fit only.
 */
int gkout_table_fill(struct table *t, enum gkout_kind kind, const struct gkout_info *info,
                     const struct gk_result *res, struct core_err *err);

/*
 * The gnuplot script for plot_render (formats/plot.h) drawing the GKOUT_PLOT table: the running
 * integral with its standard-error band, t_c, the direct, cepstral and (with fit) fitted
 * values. *script is malloc'd: the caller frees it. CORE_ENOMEM.
 */
int gkout_plot_script(char **script, const struct gkout_info *info, const struct gk_result *res,
                      struct core_err *err);

#endif
