/*
 * mtpfitout: mtp-fit's error table and loss plot. See mtpfitout.h.
 */
#include "mtpfitout.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#define NCOL 24 /* columns of the error table */

int
mtpfitout_errors_write(FILE *fp, const struct mtp_fit_stats *st, size_t nst, const char *names,
                       const char *evaluated, const struct mtp_fit_result *res, int hold,
                       int nstarts, int best, unsigned long seed, int cv, struct core_err *err)
{
    /* MLIP's report, then (appended, so the first 12 keep their places) the rest of it */
    static const struct {
        const char *name, *unit;
    } col[NCOL] = {{"set", ""},
                   {"nconf", ""},
                   {"e_max", "eV/atom"},
                   {"e_mae", "eV/atom"},
                   {"e_rms", "eV/atom"},
                   {"f_max", "eV/Angstrom"},
                   {"f_mae", "eV/Angstrom"},
                   {"f_rms", "eV/Angstrom"},
                   {"s_max", "eV"},
                   {"s_mae", "eV"},
                   {"s_rms", "eV"},
                   {"loss", ""},
                   {"et_max", "eV"},
                   {"et_mae", "eV"},
                   {"et_rms", "eV"},
                   {"f_rel_max", ""},
                   {"f_rel_rms", ""},
                   {"s_rel_max", ""},
                   {"s_rel_rms", ""},
                   {"p_max", "GPa"},
                   {"p_mae", "GPa"},
                   {"p_rms", "GPa"},
                   {"p_rel_max", ""},
                   {"p_rel_rms", ""}};

    const char *cols[NCOL], *units[NCOL];
    for (size_t k = 0; k < NCOL; k++)
        cols[k] = col[k].name, units[k] = col[k].unit;
    int rc = table_write_meta(fp, err, "program", "mtp-fit");
    rc = rc ? rc : table_write_meta(fp, err, "sets", "%s", names);
    if (evaluated)
        rc = rc ? rc : table_write_meta(fp, err, "evaluated", "%s", evaluated);
    if (hold) {
        rc = rc ? rc : table_write_meta(fp, err, "best_iter", "%d", res[best].best_iter);
        rc = rc ? rc : table_write_meta(fp, err, "best_holdout_loss", "%.17g", res[best].best_loss);
        rc = rc ? rc : table_write_meta(fp, err, "holdout_judged", "%zu", res[best].judged);
    }
    if (cv) { /* the count chosen by the folds, and their loss there */
        rc = rc ? rc : table_write_meta(fp, err, "cv_folds", "%d", cv);
        const struct mtp_fit_result *r = &res[best];
        rc = rc ? rc : table_write_meta(fp, err, "best_iter", "%d", r->best_iter);
        rc = rc ? rc : table_write_meta(fp, err, "best_cv_loss", "%.17g", r->best_loss);
        rc = rc ? rc : table_write_meta(fp, err, "cv_iterations", "%d", r->cv_iters);
        rc = rc ? rc : table_write_meta(fp, err, "cv_judged", "%zu", r->judged);
    }
    if (hold || nstarts > 1 || cv)
        rc = rc ? rc : table_write_meta(fp, err, "seed", "%lu", seed);
    /* the loss that chose the start: held-out or cross-validation, or training */
    if (nstarts > 1) {
        rc = rc ? rc : table_write_meta(fp, err, "starts", "%d", nstarts);
        rc = rc ? rc : table_write_meta(fp, err, "best_start", "%d", best + 1);
        for (int s = 0; !rc && s < nstarts; s++) {
            char key[64];
            snprintf(key, sizeof key, "start_%d", s + 1);
            if (hold)
                rc = table_write_meta(fp, err, key, "holdout_loss %.17g best_iter %d iterations %d",
                                      res[s].best_loss, res[s].best_iter, res[s].niter);
            else if (cv)
                rc = table_write_meta(fp, err, key, "cv_loss %.17g best_iter %d cv_iterations %d",
                                      res[s].best_loss, res[s].best_iter, res[s].cv_iters);
            else
                rc = table_write_meta(fp, err, key, "loss %.17g iterations %d", res[s].loss,
                                      res[s].niter);
        }
    }
    rc = rc ? rc : table_write_header(fp, NCOL, cols, units, err);
    for (size_t i = 0; !rc && i < nst; i++) {
        const struct mtp_fit_stats *s = &st[i];
        double row[NCOL] = {
            (double)i,    (double)s->nenergy, s->e_max,  s->e_mae,     s->e_rms,     s->f_max,
            s->f_mae,     s->f_rms,           s->s_max,  s->s_mae,     s->s_rms,     s->loss,
            s->et_max,    s->et_mae,          s->et_rms, s->f_rel_max, s->f_rel_rms, s->s_rel_max,
            s->s_rel_rms, s->p_max,           s->p_mae,  s->p_rms,     s->p_rel_max, s->p_rel_rms};
        rc = table_write_row(fp, NCOL, row, err);
    }
    return rc;
}

int
mtpfitout_conf_errors_write(FILE *fp, const char *names, size_t nset, const size_t *n,
                            const struct mtp_fit_conf *const *conf, const long *const *line,
                            const struct mtp_fit_conf_err *const *ce, const unsigned char *held,
                            const double *const *dmin_ratio, const double *const *dmin,
                            struct core_err *err)
{
    static const char *const cols[] = {"set",      "conf",       "line",  "natoms",  "de",
                                       "f_rms",    "f_max",      "s_rms", "f_share", "loss",
                                       "held_out", "dmin_ratio", "dmin"};
    static const char *const units[] = {"",   "", "", "", "eV/atom", "eV/Angstrom", "eV/Angstrom",
                                        "eV", "", "", "", "",        "Angstrom"};
    int rc = table_write_meta(fp, err, "program", "mtp-fit");
    rc = rc ? rc : table_write_meta(fp, err, "sets", "%s", names);
    rc = rc ? rc : table_write_header(fp, 13, cols, units, err);
    for (size_t k = 0; !rc && k < nset; k++) {
        double fsq = 0;
        for (size_t i = 0; i < n[k]; i++)
            fsq += ce[k][i].f_sq;
        for (size_t i = 0; !rc && i < n[k]; i++) {
            const struct mtp_fit_conf_err *e = &ce[k][i];
            double row[13] = {(double)k,
                              (double)(i + 1),
                              (double)line[k][i],
                              (double)conf[k][i].natoms,
                              e->de,
                              e->f_rms,
                              e->f_max,
                              e->s_rms,
                              fsq > 0 ? e->f_sq / fsq : 0,
                              e->loss,
                              k == 0 && held && held[i] ? 1 : 0,
                              dmin_ratio[k][i],
                              dmin[k][i]};
            rc = table_write_row(fp, 13, row, err);
        }
    }
    return rc;
}

int
mtpfitout_history_init(struct table *t, struct core_err *err)
{
    static const char *const cols[] = {"start", "phase", "iteration", "loss", "held_out"};
    table_init(t);
    int rc = CORE_OK;
    for (size_t k = 0; k < 5 && !rc; k++)
        rc = table_col_add(t, cols[k], NULL, err);
    return rc;
}

/* s for a gnuplot single-quoted string: each ' doubled (gnuplot's escape there), into q (n). */
static const char *
gp_quote(const char *s, char *q, size_t n)
{
    size_t k = 0;
    for (; *s && k + 2 < n; s++) {
        if (*s == '\'')
            q[k++] = '\'';
        q[k++] = *s;
    }
    q[k] = '\0';
    return q;
}

/* Appends to b (sz bytes, *n used so far) while it fits; *n counts on past sz. */
static void __attribute__((format(printf, 4, 5)))
append(char *b, size_t sz, size_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(*n < sz ? b + *n : NULL, *n < sz ? sz - *n : 0, fmt, ap);
    va_end(ap);
    *n += k > 0 ? (size_t)k : 0;
}

int
mtpfitout_plot_script(char *script, size_t sz, const struct table *hist, const char *title,
                      int start, int best_iter, int marker, int cv, struct core_err *err)
{
    double last = -1; /* the kept label goes on the side of best_iter with more room */
    for (size_t r = 0; r < hist->nrows; r++)
        if (hist->data[r * hist->ncols] == start)
            last = fmax(last, hist->data[r * hist->ncols + 2]);
    if (last < 0)
        return core_err_set(err, CORE_EINPUT, "no iterations to draw");
    int right = best_iter > last / 2, s = start;
    size_t n = 0;
    char qt[512];
    append(script, sz, &n,
           "set termoption noenhanced\nset xlabel 'iteration'\nset ylabel 'loss'\n"
           "set logscale y\nset grid\n"
           "set key top right\nset title '%s'\nset xrange [0:%g]\n",
           gp_quote(title, qt, sizeof qt), fmax(last, 1));
    if (marker)
        append(script, sz, &n,
               "set arrow from %d, graph 0 to %d, graph 1 nohead dt 2 lc rgb '#666666'\n"
               "set label 'kept: iteration %d' at %d, graph 0.05 %s offset %s0.5, 0\n",
               best_iter, best_iter, best_iter, best_iter, right ? "right" : "left",
               right ? "-" : "");
    append(script, sz, &n,
           "plot ARG2 using 3:(($1 == %d && $2 == 0) ? $4 : 1/0) with lines lw 2 "
           "lc rgb '#4477aa' title '%s'",
           s, cv ? "folds: mean training loss" : "training loss");
    if (marker)
        append(script, sz, &n,
               ", \\\n  ARG2 using 3:(($1 == %d && $2 == 0) ? $5 : 1/0) with lines lw 2 "
               "lc rgb '#ee6677' title '%s'",
               s, cv ? "cross-validation loss" : "held-out loss");
    if (cv)
        append(script, sz, &n,
               ", \\\n  ARG2 using 3:(($1 == %d && $2 == 1) ? $4 : 1/0) with lines lw 2 dt 2 "
               "lc rgb '#228833' title 'all of TRAIN: training loss'",
               s);
    if (n + 2 > sz)
        return core_err_set(err, CORE_EINTERNAL, "plot script longer than %zu bytes", sz);
    script[n] = '\n', script[n + 1] = '\0';
    return CORE_OK;
}

int
mtpfitout_parity_init(struct table *t, struct core_err *err)
{
    static const char *const cols[] = {"set", "kind", "label", "model"};
    table_init(t);
    int rc = CORE_OK;
    for (size_t k = 0; k < 4 && !rc; k++)
        rc = table_col_add(t, cols[k], NULL, err);
    return rc;
}

int
mtpfitout_parity_add(struct table *t, int set, const struct mtp_fit_conf *conf, size_t nconf,
                     const double *e, const double *f, struct core_err *err)
{
    int rc = CORE_OK;
    for (size_t i = 0, a0 = 0; i < nconf && !rc; a0 += 3 * conf[i].natoms, i++) {
        double n = (double)conf[i].natoms;
        if (conf[i].has_energy && n > 0) {
            double row[4] = {set, 0, conf[i].energy / n, e[i] / n};
            rc = table_row_add(t, row, err);
        }
        for (size_t k = 0; conf[i].forces && k < 3 * conf[i].natoms && !rc; k++) {
            double row[4] = {set, 1, conf[i].forces[k], f[a0 + k]};
            rc = table_row_add(t, row, err);
        }
    }
    return rc;
}

int
mtpfitout_parity_script(char *script, size_t sz, const struct table *t, const char *title,
                        size_t nset, const char *const *names, struct core_err *err)
{
    static const char *const colour[] = {"#4477aa", "#ee6677", "#228833"};
    double sq[3][2] = {{0}}, cnt[3][2] = {{0}};
    if (nset > 3)
        return core_err_set(err, CORE_EINTERNAL, "parity plot: %zu sets, at most 3", nset);
    for (size_t r = 0; r < t->nrows; r++) {
        const double *row = t->data + r * t->ncols;
        size_t k = (size_t)row[0], kind = row[1] != 0;
        if (k < nset)
            sq[k][kind] += (row[3] - row[2]) * (row[3] - row[2]), cnt[k][kind]++;
    }
    if (t->nrows == 0)
        return core_err_set(err, CORE_EINPUT, "nothing to draw");
    size_t n = 0;
    char qt[512];
    /* file names are text, not gnuplot's enhanced markup (pot_10: no subscript); the corners
     * off the diagonal are empty, so the key goes in one */
    append(script, sz, &n,
           "set termoption noenhanced\nset multiplot layout 1,2 title '%s'\nset grid\n"
           "set key bottom right\nset size square\n",
           gp_quote(title, qt, sizeof qt));
    for (int kind = 0; kind < 2; kind++) {
        const char *q = kind ? "force component (eV/Angstrom)" : "energy per atom (eV/atom)";
        append(script, sz, &n, "set xlabel 'label: %s'\nset ylabel 'model: %s'\nplot ", q, q);
        for (size_t k = 0; k < nset; k++) {
            double rms = cnt[k][kind] > 0 ? sqrt(sq[k][kind] / cnt[k][kind]) : 0;
            append(script, sz, &n,
                   "ARG2 using (($1 == %zu && $2 == %d) ? $3 : 1/0):4 with points pt 7 ps 0.35 "
                   "lc rgb '%s' title '%s: RMS %.3g %s', \\\n  ",
                   k, kind, colour[k], gp_quote(names[k], qt, sizeof qt), kind ? rms : 1000 * rms,
                   kind ? "eV/Angstrom" : "meV/atom");
        }
        append(script, sz, &n, "x with lines dt 2 lc rgb '#666666' notitle\n");
    }
    append(script, sz, &n, "unset multiplot");
    if (n + 2 > sz)
        return core_err_set(err, CORE_EINTERNAL, "parity script longer than %zu bytes", sz);
    script[n] = '\n', script[n + 1] = '\0';
    return CORE_OK;
}
