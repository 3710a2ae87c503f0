/*
 * kappa-gk: heat-current series -> thermal conductivity tensor with error bars (Green-Kubo and
 * cepstral analysis, lib/gk). See man/kappa-gk.1.
 *
 * Reads one series per independent run (formats/hflux: md-run's `time Jx Jy Jz`, or LAMMPS
 * `fix ave/time` output of `compute heat/flux`), calls gk_analyse, writes the kappa table and,
 * on request, the running integral, the HCACF, the spectrum, the cepstrum (formats/gkout) and a
 * gnuplot plot (formats/plot). Every output is all or nothing: nothing is published unless
 * everything succeeded.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/gkout.h"
#include "../formats/hflux.h"
#include "../formats/plot.h"
#include "../formats/prog.h"
#include "../formats/stream.h"
#include "../formats/table.h"
#include "../lib/gk/gk.h"

static const char synopsis[] = "[options] [FILE ...]";

enum {
    OPT_CELL = 256,
    OPT_THICKNESS,
    OPT_DT,
    OPT_COLUMNS,
    OPT_SEGMENTS,
    OPT_TMAX,
    OPT_TCUT,
    OPT_FIT,
    OPT_FSTAR,
    OPT_PSTAR,
    OPT_AIC,
    OPT_SMOOTH,
    OPT_INTEGRAL,
    OPT_HCACF,
    OPT_SPECTRUM,
    OPT_CEPSTRUM,
    OPT_PLOT,
    OPT_SYNTH,
    OPT_SYNTH_TAU,
    OPT_SYNTH_KAPPA,
    OPT_SEED,
    OPT_PROGRESS,
    OPT_VERSION,
};

static const struct prog_opt opts[] = {
    {"volume", 'V', "V", "volume, Angstrom^3 (from --cell, or the input's `volume` key)"},
    {"cell", OPT_CELL, "LX,LY[,LZ]", "cell lengths, Angstrom: V = LX LY LZ, or LX LY H"},
    {"thickness", OPT_THICKNESS, "H",
     "sheet thickness, Angstrom: V = LX LY H, or area H (graphene 3.35)"},
    {"temp", 'T', "T", "temperature, K (the input's `temperature` key)"},
    {"dt", OPT_DT, "DT", "sampling interval, ps, or MD step for step-counted input"},
    {"columns", OPT_COLUMNS, "X,Y,Z", "names of the Jx Jy Jz columns (Jx,Jy,Jz or c_ID[1..3])"},
    {"equivalent", 'e', "DIRS", "equivalent directions averaged: xyz, xy, ... (xyz)"},
    {"segments", OPT_SEGMENTS, "N", "cut every run into N independent segments (1)"},
    {"tmax", OPT_TMAX, "T", "longest correlation time, ps (a tenth of the shortest run)"},
    {"tcut", OPT_TCUT, "T", "fixed cut-off of the integral, ps (first zero of the HCACF)"},
    {"fit", OPT_FIT, NULL, "double-exponential fit of the HCACF on [0, t_c]"},
    {"fstar", OPT_FSTAR, "F", "cepstral low-pass cut f*, THz (1/(2 pi tau_GK), >= 16 points)"},
    {"pstar", OPT_PSTAR, "P", "cepstral coefficients kept (chosen by AIC)"},
    {"aic", OPT_AIC, "MODE", "cepstral P: average (Akaike weights) or min (average)"},
    {"smooth", OPT_SMOOTH, "W", "moving-average width of the spectrum table, THz (0.1)"},
    {"integral", OPT_INTEGRAL, "FILE", "write the running integral kappa(t)"},
    {"hcacf", OPT_HCACF, "FILE", "write the HCACF"},
    {"spectrum", OPT_SPECTRUM, "FILE", "write the spectrum kappa(f)"},
    {"cepstrum", OPT_CEPSTRUM, "FILE", "write the cepstral coefficients, AIC and kappa(P)"},
    {"plot", OPT_PLOT, "FILE", "plot kappa(t) with the plateau to FILE (PNG, gnuplot)"},
    {"synth", OPT_SYNTH, "N", "write N samples of a synthetic current of known kappa"},
    {"synth-tau", OPT_SYNTH_TAU, "T", "correlation time of --synth, ps (0.1)"},
    {"synth-kappa", OPT_SYNTH_KAPPA, "K", "exact kappa of --synth, W/(m K) (1)"},
    {"seed", OPT_SEED, "N", "random seed of --synth (1)"},
    {"output", 'o', "FILE", "write the kappa table to FILE instead of stdout"},
    {"progress", OPT_PROGRESS, NULL, "report progress on stderr"},
    {"quiet", 'q', NULL, "no warnings"},
    {"verbose", 'v', NULL, "print the results and details on stderr"},
    {"help", 'h', NULL, "show this help"},
    {"version", OPT_VERSION, NULL, "show the version"},
};

#define NOPTS (sizeof opts / sizeof opts[0])
#define NOUT  6 /* kappa, integral, hcacf, spectrum, cepstrum, plot */

static const char *const dirname_[GK_NCOMP] = {"xx", "yy", "zz", "avg"};

struct kg_opts {
    const char *out[NOUT]; /* -o, --integral, --hcacf, --spectrum, --cepstrum, --plot */
    double volume, cell[3], thickness, temp, tmax, smooth, synth_tau, synth_kappa;
    size_t ncell;
    long synth;
    unsigned long seed;
    struct hflux_opts in; /* --columns, --dt, --segments */
    struct gk_opts gk;
};

/* ---- options ---- */

/* Prefixes err's message with what (`--dt: ...`), keeping its code. */
static int
prefix(struct core_err *err, const char *what)
{
    char msg[CORE_ERR_MSGLEN];
    memcpy(msg, err->msg, sizeof msg);
    return core_err_set(err, err->code ? err->code : CORE_EINPUT, "%s: %s", what, msg);
}

static int
parse_list(const char *s, enum core_dim dim, double *v, size_t nmax, size_t *n,
           struct core_err *err)
{
    double *vals = NULL;
    size_t nv = 0;
    int rc = core_values_parse(s, dim, &vals, &nv, err);
    if (rc)
        return rc;
    if (strchr(s, ':') || nv > nmax || nv < 2)
        rc = core_err_set(err, CORE_EINPUT, "'%s': give 2 or %zu values", s, nmax);
    for (size_t i = 0; !rc && i < nv; i++)
        if (!((v[i] = vals[i]) > 0.0))
            rc = core_err_set(err, CORE_EINPUT, "'%s': lengths must be positive", s);
    *n = rc ? 0 : nv;
    free(vals);
    return rc;
}

static int
positive(const char *s, enum core_dim dim, double *out, const char *what, struct core_err *err)
{
    int rc = dim == CORE_DIM_NONE ? (core_parse_double(s, out)
                                         ? core_err_set(err, CORE_EINPUT, "'%s' is not a number", s)
                                         : 0)
                                  : core_quantity_parse(s, dim, out, err);
    if (rc)
        return prefix(err, what);
    if (!(*out > 0.0))
        return core_err_set(err, CORE_EINPUT, "%s: '%s' must be positive", what, s);
    return CORE_OK;
}

static int
count(const char *s, long max, long *out, const char *what, struct core_err *err)
{
    if (core_parse_long(s, out) || *out < 1 || *out > max)
        return core_err_set(err, CORE_EINPUT, "%s: '%s' is not a whole number in 1..%ld", what, s,
                            max);
    return CORE_OK;
}

static int
parse_one(void *ctx, int c, const char *arg, struct core_err *err)
{
    struct kg_opts *o = ctx;
    long n;
    int rc = CORE_OK;

    switch (c) {
    case 'V':
        return positive(arg, CORE_DIM_NONE, &o->volume, "--volume", err);
    case OPT_CELL:
        if (parse_list(arg, CORE_DIM_LENGTH, o->cell, 3, &o->ncell, err))
            return prefix(err, "--cell");
        return CORE_OK;
    case OPT_THICKNESS:
        return positive(arg, CORE_DIM_LENGTH, &o->thickness, "--thickness", err);
    case 'T':
        return positive(arg, CORE_DIM_TEMP, &o->temp, "--temp", err);
    case OPT_DT:
        return positive(arg, CORE_DIM_TIME, &o->in.dt, "--dt", err);
    case OPT_COLUMNS:
        o->in.columns = arg;
        return CORE_OK;
    case 'e':
        memset(o->gk.equiv, 0, sizeof o->gk.equiv);
        for (const char *p = arg; *p; p++) {
            int a = *p - 'x';
            if (*p == ',')
                continue;
            if (a < 0 || a > 2 || o->gk.equiv[a])
                return core_err_set(err, CORE_EINPUT,
                                    "--equivalent: '%s': a set of x, y, z, e.g. xy", arg);
            o->gk.equiv[a] = 1;
        }
        if (!o->gk.equiv[0] && !o->gk.equiv[1] && !o->gk.equiv[2])
            return core_err_set(err, CORE_EINPUT, "--equivalent: no direction");
        return CORE_OK;
    case OPT_SEGMENTS:
        rc = count(arg, 1000000, &n, "--segments", err);
        o->gk.nseg = o->in.nseg = (size_t)n;
        return rc;
    case OPT_TMAX:
        return positive(arg, CORE_DIM_TIME, &o->tmax, "--tmax", err);
    case OPT_TCUT:
        return positive(arg, CORE_DIM_TIME, &o->gk.tcut, "--tcut", err);
    case OPT_FIT:
        o->gk.fit = 1;
        return CORE_OK;
    case OPT_FSTAR:
        return positive(arg, CORE_DIM_NONE, &o->gk.fstar, "--fstar", err);
    case OPT_PSTAR:
        rc = count(arg, 100000000, &n, "--pstar", err);
        o->gk.pstar = (size_t)n;
        return rc;
    case OPT_AIC:
        if (strcmp(arg, "average") && strcmp(arg, "min"))
            return core_err_set(err, CORE_EINPUT, "--aic: '%s': average or min", arg);
        o->gk.aic = strcmp(arg, "min") ? GK_AIC_AVERAGE : GK_AIC_MIN;
        return CORE_OK;
    case OPT_SMOOTH:
        if (core_parse_double(arg, &o->smooth) || o->smooth < 0.0)
            return core_err_set(err, CORE_EINPUT, "--smooth: '%s' is not a width >= 0", arg);
        return CORE_OK;
    case 'o':
        o->out[0] = arg;
        return CORE_OK;
    case OPT_INTEGRAL:
    case OPT_HCACF:
    case OPT_SPECTRUM:
    case OPT_CEPSTRUM:
    case OPT_PLOT:
        o->out[1 + c - OPT_INTEGRAL] = arg;
        return CORE_OK;
    case OPT_SYNTH:
        rc = count(arg, 100000000, &o->synth, "--synth", err);
        if (!rc && o->synth < 16)
            rc = core_err_set(err, CORE_EINPUT, "--synth: at least 16 samples");
        return rc;
    case OPT_SYNTH_TAU:
        return positive(arg, CORE_DIM_TIME, &o->synth_tau, "--synth-tau", err);
    case OPT_SYNTH_KAPPA:
        return positive(arg, CORE_DIM_NONE, &o->synth_kappa, "--synth-kappa", err);
    case OPT_SEED:
        if (core_parse_long(arg, &n) || n < 0)
            return core_err_set(err, CORE_EINPUT, "--seed: '%s' is not a whole number >= 0", arg);
        o->seed = (unsigned long)n;
        return CORE_OK;
    }
    return core_err_set(err, CORE_EINTERNAL, "option %d not handled", c);
}

/* ---- the run ---- */

/* Volume and temperature: options first, then the inputs' keys. */
static int
resolve(struct kg_opts *o, const struct hflux_series *runs, size_t nruns, struct prog *p,
        struct core_err *err)
{
    if (o->ncell) {
        o->volume = o->cell[0] * o->cell[1] * (o->thickness > 0.0 ? o->thickness : o->cell[2]);
    } else if (o->thickness > 0.0) {
        /* a sheet without --cell: the in-plane area md-run records */
        for (size_t r = 0; r < nruns; r++) {
            if (!(runs[r].area > 0.0))
                return core_err_set(err, CORE_EINPUT,
                                    "%s: no `area` key (md-run writes it for a sheet): give "
                                    "--cell LX,LY with --thickness",
                                    runs[r].name);
            if (fabs(runs[r].area - runs[0].area) > 1e-9 * runs[0].area)
                return core_err_set(err, CORE_EINPUT,
                                    "%s: area %.10g A^2 differs from %s's %.10g A^2: give "
                                    "--cell LX,LY",
                                    runs[r].name, runs[r].area, runs[0].name, runs[0].area);
        }
        if (nruns)
            o->volume = runs[0].area * o->thickness;
    } else if (!(o->volume > 0.0) && nruns && runs[0].volume > 0.0) {
        for (size_t r = 1; r < nruns; r++)
            if (fabs(runs[r].volume - runs[0].volume) > 1e-9 * runs[0].volume)
                return core_err_set(err, CORE_EINPUT,
                                    "%s: volume %.10g A^3 differs from %s's %.10g A^3: give "
                                    "--volume",
                                    runs[r].name, runs[r].volume, runs[0].name, runs[0].volume);
        o->volume = runs[0].volume;
    }
    if (!(o->volume > 0.0))
        return core_err_set(err, CORE_EINPUT, "no volume: give --volume or --cell");
    if (!(o->temp > 0.0) && nruns && runs[0].temp > 0.0) {
        double tmin = runs[0].temp, tmax = tmin, sum = 0.0;
        for (size_t r = 0; r < nruns; r++) {
            if (!(runs[r].temp > 0.0))
                return core_err_set(err, CORE_EINPUT, "%s: no temperature key: give --temp",
                                    runs[r].name);
            sum += runs[r].temp;
            tmin = fmin(tmin, runs[r].temp);
            tmax = fmax(tmax, runs[r].temp);
        }
        o->temp = sum / (double)nruns;
        if (tmax - tmin > 0.05 * o->temp)
            prog_warn(p, "run temperatures %g to %g K: their mean %g K is used", tmin, tmax,
                      o->temp);
    }
    if (!(o->temp > 0.0))
        return core_err_set(err, CORE_EINPUT, "no temperature: give --temp");
    for (size_t r = 1; r < nruns; r++)
        if (fabs(runs[r].dt - runs[0].dt) > 1e-6 * runs[0].dt)
            return core_err_set(err, CORE_EINPUT, "%s: sampled every %g ps, %s every %g ps",
                                runs[r].name, runs[r].dt, runs[0].name, runs[0].dt);
    return CORE_OK;
}

/* --synth: gk_synth's series as a table, with the keys an analysis reads back */
static int
synth(struct prog *p, struct kg_opts *o, int noperands)
{
    struct core_err err = {0};
    struct stream_out out;
    size_t n = (size_t)o->synth;
    double *j = NULL;
    int rc;

    if (noperands > 0)
        return prog_usage_error(p, synopsis, "--synth reads no input");
    if (o->in.dt <= 0.0)
        o->in.dt = 0.002;
    if (resolve(o, NULL, 0, p, &err))
        return prog_usage_error(p, synopsis, "--synth: %s", err.msg);
    if ((rc = stream_out_open(&out, o->out[0], 0, &err)))
        return prog_fail(p, &err);
    if (!(j = malloc(3 * n * sizeof *j)))
        rc = core_err_set(&err, CORE_ENOMEM, "--synth: out of memory for %zu samples", n);
    rc = rc ? rc
            : gk_synth(j, n, o->in.dt, o->synth_tau,
                       o->synth_kappa / gk_kappa_unit(o->volume, o->temp), o->seed, 0, &err);
    rc = rc ? rc
            : table_write_meta(out.fp, &err, "program", "kappa-gk --synth (fpms %s)", FPMS_VERSION);
    rc = rc ? rc : table_write_meta(out.fp, &err, "volume", "%.17g A^3", o->volume);
    rc = rc ? rc : table_write_meta(out.fp, &err, "temperature", "%.17g K", o->temp);
    rc = rc ? rc : table_write_meta(out.fp, &err, "seed", "%lu", o->seed);
    rc = rc ? rc : table_write_meta(out.fp, &err, "synth_tau", "%.17g ps", o->synth_tau);
    rc = rc ? rc : table_write_meta(out.fp, &err, "synth_kappa", "%.17g W/(m K)", o->synth_kappa);
    rc = rc ? rc : hflux_write_header(out.fp, &err);
    for (size_t i = 0; !rc && i < n; i++)
        rc = hflux_write_sample(out.fp, (double)i * o->in.dt, j + 3 * i, &err);
    free(j);
    rc = rc ? rc : stream_out_commit(&out, &err);
    if (rc)
        stream_out_abort(&out);
    return rc ? prog_fail(p, &err) : 0;
}

/* A failed fit fails the run; a missing plateau and a missing error bar are warned about. */
static int
check(struct prog *p, const struct kg_opts *o, const struct gk_result *res, struct core_err *err)
{
    for (int k = 0; k < GK_NCOMP; k++) {
        double tc = (double)res->icut[k] * res->dt;
        if (o->gk.fit && res->fit_status[k] == CORE_EINPUT)
            return core_err_set(err, CORE_EINPUT,
                                "double-exponential fit of the %s HCACF: [0, %g ps] holds fewer "
                                "than 5 points; give a later --tcut",
                                dirname_[k], tc);
        if (o->gk.fit &&
            (res->fit_status[k] || (res->nsamples >= 2 && isnan(res->kappa_fit_err[k]))))
            return core_err_set(err, CORE_ENOCONV,
                                "double-exponential fit of the %s HCACF on [0, %g ps] %s; try "
                                "another --tcut, or leave out --fit",
                                dirname_[k], tc,
                                res->fit_status[k] ? "did not converge"
                                                   : "failed for a jackknife sample");
        if (!res->cut_found[k] && (k == GK_AVG || o->gk.equiv[k]))
            prog_warn(p,
                      "the %s HCACF stays positive up to %g ps: no plateau reached; raise "
                      "--tmax or set --tcut",
                      dirname_[k], (double)(res->nlag - 1) * res->dt);
    }
    if (res->nsamples < 2)
        prog_warn(p, "one run: no error bar for the direct integral (give several runs or "
                     "--segments); the cepstral one stands");
    prog_info(p, "V = %g A^3%s, T = %g K, dt = %g ps, %zu samples, HCACF to %g ps", o->volume,
              o->thickness > 0.0 ? " (sheet)" : "", o->temp, res->dt, res->nsamples,
              (double)(res->nlag - 1) * res->dt);
    for (int c = 0; c < GK_NCOMP; c++)
        prog_info(p, "kappa_%s: direct %.6g +- %.2g (t_c %g ps); cepstral %.6g +- %.2g (P* %zu)",
                  dirname_[c], res->kappa[c], res->kappa_err[c], (double)res->icut[c] * res->dt,
                  res->kappa_cep[c], res->kappa_cep_err[c], res->cep[c].pstar);
    return CORE_OK;
}

/* Every output goes to a temporary; all are published only when all succeeded, the kappa
 * table last: when it is there, everything asked for is. */
static int
write_all(const struct kg_opts *o, const struct gk_result *res, size_t nruns, struct core_err *err)
{
    static const enum gkout_kind kind[NOUT - 1] = {GKOUT_KAPPA, GKOUT_INTEGRAL, GKOUT_HCACF,
                                                   GKOUT_SPECTRUM, GKOUT_CEPSTRUM};
    const struct gkout_info info = {&o->gk, nruns, o->thickness, o->smooth};
    struct stream_out out[NOUT - 1];
    struct plot pl = {0};
    int opened[NOUT - 1] = {0}, rc = CORE_OK;
    char *script = NULL;
    struct table t;

    for (int k = 0; !rc && k < NOUT - 1; k++) {
        if (k > 0 && !o->out[k])
            continue;
        table_init(&t);
        if (!(rc = stream_out_open(&out[k], o->out[k], 0, err))) {
            opened[k] = 1;
            rc = gkout_table_fill(&t, kind[k], &info, res, err);
            rc = rc ? rc : table_write(out[k].fp, &t, err);
        }
        table_release(&t);
    }
    if (!rc && o->out[NOUT - 1] && !(rc = plot_open(&pl, o->out[NOUT - 1], err))) {
        table_init(&t);
        rc = gkout_table_fill(&t, GKOUT_PLOT, &info, res, err);
        rc = rc ? rc : gkout_plot_script(&script, &info, res, err);
        rc = rc ? rc : plot_render(&pl, &t, script, 900, 600, err);
        rc = rc ? prefix(err, "--plot") : plot_commit(&pl, err);
        table_release(&t);
        free(script);
    }
    for (int k = NOUT - 2; k >= 0 && !rc; k--)
        if (opened[k] && !(rc = stream_out_commit(&out[k], err)))
            opened[k] = 0;
    for (int k = 0; k < NOUT - 1; k++)
        if (opened[k])
            stream_out_abort(&out[k]);
    plot_abort(&pl);
    return rc;
}

int
main(int argc, char **argv)
{
    struct prog p;
    struct kg_opts o = {.smooth = 0.1, .synth_tau = 0.1, .synth_kappa = 1.0, .seed = 1};
    struct core_err err = {0};
    struct hflux_series *runs = NULL;
    struct gk_run *gr = NULL;
    struct gk_result res = {0};
    size_t nruns;
    int first, rc;

    gk_opts_init(&o.gk);
    o.in.nseg = o.gk.nseg;
    prog_init(&p, argv[0]);
    rc = prog_parse(&p, argc, argv, synopsis,
                    "Computes the thermal conductivity tensor from heat-current series by "
                    "Green-Kubo\nand by cepstral analysis; one FILE per independent run.",
                    opts, NOPTS, parse_one, &o, &first);
    if (rc != PROG_CONTINUE)
        return rc;
    if (o.thickness > 0.0 && o.volume > 0.0)
        return prog_usage_error(
            &p, synopsis, "--thickness needs --cell LX,LY or the inputs' area (not --volume)");
    if (o.ncell == 2 && !(o.thickness > 0.0))
        return prog_usage_error(&p, synopsis, "--cell LX,LY needs --thickness");
    if (o.ncell && o.volume > 0.0)
        return prog_usage_error(&p, synopsis, "--volume and --cell: give one");
    if (o.synth)
        return synth(&p, &o, argc - first);
    if (o.gk.pstar && o.gk.aic == GK_AIC_MIN)
        prog_warn(&p, "--pstar fixes P; --aic min has no effect");

    nruns = first < argc ? (size_t)(argc - first) : 1;
    runs = calloc(nruns, sizeof *runs);
    gr = calloc(nruns, sizeof *gr);
    if (!runs || !gr) {
        rc = core_err_set(&err, CORE_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t r = 0; r < nruns; r++) {
        struct stream_in in;
        if ((rc = stream_in_open(&in, first < argc ? argv[first + (int)r] : "-", &err)))
            goto done;
        rc = hflux_read(&in, &o.in, &runs[r], &err);
        stream_in_close(&in);
        if (rc)
            goto done;
        gr[r] = (struct gk_run){runs[r].j, runs[r].n};
        prog_progress(&p, "read %s: %zu samples every %g ps (%zu/%zu)", runs[r].name, runs[r].n,
                      runs[r].dt, r + 1, nruns);
    }
    if ((rc = resolve(&o, runs, nruns, &p, &err)))
        goto done;
    for (size_t r = 1; r < nruns; r++)
        for (size_t q = 0; q < r; q++)
            if (runs[r].n == runs[q].n &&
                !memcmp(runs[r].j, runs[q].j, 3 * runs[r].n * sizeof(double)))
                prog_warn(&p, "%s repeats %s: the error bars assume independent runs", runs[r].name,
                          runs[q].name);

    o.gk.dt = runs[0].dt;
    o.gk.volume = o.volume;
    o.gk.temp = o.temp;
    if (o.tmax > 0.0)
        o.gk.nlag = (size_t)floor(o.tmax / o.gk.dt + 0.5) + 1;
    prog_progress(&p, "analysing %zu run(s)", nruns);
    if ((rc = gk_analyse(gr, nruns, &o.gk, &res, &err)))
        goto done;
    prog_progress_end(&p);
    if (!(rc = check(&p, &o, &res, &err)))
        rc = write_all(&o, &res, nruns, &err);
done:
    prog_progress_end(&p);
    for (size_t r = 0; runs && r < nruns; r++)
        hflux_series_release(&runs[r]);
    free(runs);
    free(gr);
    gk_result_release(&res);
    return rc ? prog_fail(&p, &err) : 0;
}
