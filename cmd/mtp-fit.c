/*
 * mtp-fit: labelled configurations -> a trained moment tensor potential (.mtp, MLIP's format).
 *
 * Reads the training set (extxyz or MLIP .cfg: formats/mtpset), starts from a new basis of a
 * given level or from an existing potential, fits with lib/mtp's mtp_fit_run (MLIP's loss, exact
 * linear solves, Levenberg-Marquardt; with --holdout, early stopping on a held-out part of the
 * training set: mtp_fit_split, mtp_fit_run_holdout), prints MLIP's style of error report for the
 * training, held-out and validation sets and writes the potential. --evaluate skips the fit: the
 * errors of the --init potential as it is (MLIP's calc-errors). See man/mtp-fit.1.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/config.h"
#include "../formats/mtp_file.h"
#include "../formats/mtpckpt.h"
#include "../formats/mtpfitout.h"
#include "../formats/mtpset.h"
#include "../formats/plot.h"
#include "../formats/prog.h"
#include "../formats/stream.h"
#include "../formats/table.h"
#include "../lib/mtp/mtp.h"

static const char synopsis[] =
    "--species LIST (--level N | --init FILE) [options] (-o FILE | --evaluate) TRAIN";

enum {
    OPT_LEVEL = 256,
    OPT_SPECIES,
    OPT_RMIN,
    OPT_RCUT,
    OPT_RADIAL,
    OPT_INIT,
    OPT_VALID,
    OPT_MAXITER,
    OPT_LINEAR,
    OPT_TOL,
    OPT_HOLDOUT,
    OPT_PATIENCE,
    OPT_SEED,
    OPT_REFIT,
    OPT_STARTS,
    OPT_CV,
    OPT_CV_ALL,
    OPT_HOLDOUT_ALL,
    OPT_DAMPING,
    OPT_RIDGE,
    OPT_CKPT,
    OPT_CKPT_EVERY,
    OPT_RESTART,
    OPT_PLOT,
    OPT_WEIGHTS,
    OPT_WEIGHTING,
    OPT_SCALE_BY_FORCE,
    OPT_ERRORS,
    OPT_BY_CONFIG,
    OPT_PARITY,
    OPT_EVALUATE,
    OPT_PROGRESS,
    OPT_VERSION,
};

static const struct prog_opt opts[] = {
    {"level", OPT_LEVEL, "N", "level of a new potential, even, 2 to 28"},
    {"species", OPT_SPECIES, "LIST", "elements of the potential's types, in order: C,B"},
    {"rmin", OPT_RMIN, "R", "smallest distance of the radial basis, Angstrom (the set's minimum)"},
    {"rcut", OPT_RCUT, "R", "cutoff radius, Angstrom (5)"},
    {"radial-size", OPT_RADIAL, "N", "Chebyshev polynomials per radial function (8)"},
    {"init", OPT_INIT, "FILE", "start from the potential in FILE (.mtp) instead of --level"},
    {"valid", OPT_VALID, "FILE", "validation set, reported but not fitted"},
    {"max-iter", OPT_MAXITER, "N", "Levenberg-Marquardt iterations (100)"},
    {"linear-every", OPT_LINEAR, "N", "iterations between exact linear solves (10)"},
    {"tol", OPT_TOL, "X", "stop when an iteration lowers the loss by less than X relative (1e-6)"},
    {"holdout", OPT_HOLDOUT, "F",
     "hold out a fraction F (0 to 0.5) of TRAIN for early stopping (0: off)"},
    {"patience", OPT_PATIENCE, "N",
     "with --holdout: stop after N iterations without improvement (20)"},
    {"seed", OPT_SEED, "N", "seed of the --holdout choice and of the --starts (1)"},
    {"refit", OPT_REFIT, NULL,
     "with --holdout: fit all of TRAIN again for the best held-out iteration count"},
    {"starts", OPT_STARTS, "N",
     "fit N times from different initial radial coefficients, keep the best held-out (1)"},
    {"cv", OPT_CV, "K",
     "choose the iteration count by K-fold cross-validation on TRAIN, then fit all of it (0: off)"},
    {"cv-all", OPT_CV_ALL, NULL,
     "with --cv: judge by every held-out configuration, not only those inside the coverage"},
    {"holdout-all", OPT_HOLDOUT_ALL, NULL,
     "with --holdout: judge by every held-out configuration, not only those inside the coverage"},
    {"damping", OPT_DAMPING, "X", "least Levenberg-Marquardt damping, relative (1e-12)"},
    {"ridge", OPT_RIDGE, "RHO",
     "penalise the moment coefficients, RHO relative to the loss's curvature (0: off)"},
    {"checkpoint", OPT_CKPT, "FILE", "write the state of the fit to FILE every N iterations"},
    {"checkpoint-every", OPT_CKPT_EVERY, "N", "iterations between checkpoints (10)"},
    {"restart", OPT_RESTART, "FILE", "continue the fit saved in checkpoint FILE"},
    {"plot", OPT_PLOT, "FILE", "draw the loss at every iteration to FILE (PNG, gnuplot)"},
    {"weights", OPT_WEIGHTS, "E,F,S", "weights of energy, forces, stress (1,0.01,0.001)"},
    {"weighting", OPT_WEIGHTING, "MODE", "vibrations, molecules or structures (vibrations)"},
    {"scale-by-force", OPT_SCALE_BY_FORCE, "S",
     "force weight of atom i times S/(|F_i|^2+S), (eV/Angstrom)^2, as MLIP's (0: off)"},
    {"errors", OPT_ERRORS, "FILE", "also write the error report as a table to FILE"},
    {"parity", OPT_PARITY, "FILE",
     "draw model against label, energies and forces of TRAIN and --valid, to FILE (PNG)"},
    {"errors-by-config", OPT_BY_CONFIG, "FILE",
     "also write each configuration's errors and share of the force error to FILE"},
    {"evaluate", OPT_EVALUATE, NULL,
     "no fit: the errors of the --init potential as it is (MLIP's calc-errors)"},
    {"output", 'o', "FILE", "write the trained potential to FILE"},
    {"progress", OPT_PROGRESS, NULL, "report the loss at each iteration on stderr"},
    {"quiet", 'q', NULL, "no error report and no warnings"},
    {"verbose", 'v', NULL, "more detail on stderr"},
    {"help", 'h', NULL, "show this help"},
    {"version", OPT_VERSION, NULL, "show the version"},
};

#define NOPTS (sizeof opts / sizeof opts[0])

struct fit_opts {
    long level, radial;
    double rmin, rcut;
    int has_rmin, has_rcut, has_radial, refit, starts, cv, ckpt_every, has_ckpt_every, evaluate;
    int cv_all, holdout_all; /* given: --cv-all, --holdout-all (both set fit.judge_all) */
    const char *fit_only;    /* the last option given that only a fit uses (NULL: none) */
    double holdout;
    unsigned long seed;
    const char *species, *init, *valid, *output, *errors, *by_config, *ckpt, *restart, *plot;
    const char *parity;
    struct mtp_fit_opts fit;
};

static int
parse_pos_long(const char *arg, long lo, long hi, long *v, const char *name, struct core_err *err)
{
    if (core_parse_long(arg, v) || *v < lo || *v > hi)
        return core_err_set(err, CORE_EINPUT, "%s: '%s' is not an integer in %ld..%ld", name, arg,
                            lo, hi);
    return CORE_OK;
}

/* The options that shape a fit or its start, which --evaluate has none of. */
static const int fit_only[] = {OPT_LEVEL,  OPT_RMIN,       OPT_RCUT,    OPT_RADIAL,   OPT_MAXITER,
                               OPT_LINEAR, OPT_TOL,        OPT_HOLDOUT, OPT_PATIENCE, OPT_SEED,
                               OPT_REFIT,  OPT_STARTS,     OPT_CV,      OPT_DAMPING,  OPT_RIDGE,
                               OPT_CKPT,   OPT_CKPT_EVERY, OPT_RESTART, OPT_PLOT};

static int
parse_one(void *ctx, int c, const char *arg, struct core_err *err)
{
    struct fit_opts *o = ctx;
    long l;
    for (size_t i = 0; i < sizeof fit_only / sizeof *fit_only; i++)
        for (size_t k = 0; fit_only[i] == c && k < NOPTS; k++)
            if (opts[k].short_name == c)
                o->fit_only = opts[k].long_name;
    switch (c) {
    case OPT_LEVEL:
        if (parse_pos_long(arg, 2, 28, &o->level, "--level", err) || o->level % 2)
            return core_err_set(err, CORE_EINPUT, "--level: '%s' is not an even level 2..28", arg);
        return 0;
    case OPT_SPECIES:
        o->species = arg;
        return 0;
    case OPT_RMIN:
    case OPT_RCUT: {
        double v;
        if (core_quantity_parse(arg, CORE_DIM_LENGTH, &v, err) || !(v >= 0) || !isfinite(v))
            return core_err_set(err, CORE_EINPUT, "--%s: '%s' is not a length >= 0",
                                c == OPT_RMIN ? "rmin" : "rcut", arg);
        if (c == OPT_RMIN)
            o->rmin = v, o->has_rmin = 1;
        else
            o->rcut = v, o->has_rcut = 1;
        return 0;
    }
    case OPT_RADIAL:
        o->has_radial = 1;
        return parse_pos_long(arg, 2, MTP_MAXRB, &o->radial, "--radial-size", err);
    case OPT_INIT:
        o->init = arg;
        return 0;
    case OPT_VALID:
        o->valid = arg;
        return 0;
    case OPT_MAXITER:
        if (parse_pos_long(arg, 0, 100000000, &l, "--max-iter", err))
            return CORE_EINPUT;
        o->fit.maxiter = (int)l;
        return 0;
    case OPT_LINEAR:
        if (parse_pos_long(arg, 1, 100000000, &l, "--linear-every", err))
            return CORE_EINPUT;
        o->fit.linear_every = (int)l;
        return 0;
    case OPT_TOL:
        if (core_parse_double(arg, &o->fit.tol) || !(o->fit.tol >= 0) || !isfinite(o->fit.tol))
            return core_err_set(err, CORE_EINPUT, "--tol: '%s' is not a number >= 0", arg);
        return 0;
    case OPT_HOLDOUT:
        if (core_parse_double(arg, &o->holdout) || !(o->holdout >= 0 && o->holdout <= 0.5))
            return core_err_set(err, CORE_EINPUT, "--holdout: '%s' is not a fraction in [0, 0.5]",
                                arg);
        return 0;
    case OPT_PATIENCE:
        if (parse_pos_long(arg, 1, 100000000, &l, "--patience", err))
            return CORE_EINPUT;
        o->fit.patience = (int)l;
        return 0;
    case OPT_SEED:
        if (core_parse_long(arg, &l) || l < 0)
            return core_err_set(err, CORE_EINPUT, "--seed: '%s' is not a whole number >= 0", arg);
        o->seed = (unsigned long)l;
        return 0;
    case OPT_REFIT:
        o->refit = 1;
        return 0;
    case OPT_STARTS:
        if (parse_pos_long(arg, 1, 10000, &l, "--starts", err))
            return CORE_EINPUT;
        o->starts = (int)l;
        return 0;
    case OPT_CV:
        if (parse_pos_long(arg, 0, 1000, &l, "--cv", err) || l == 1)
            return core_err_set(err, CORE_EINPUT,
                                "--cv: '%s' is not 0 or a number of folds 2..1000", arg);
        o->cv = (int)l;
        return 0;
    case OPT_CV_ALL:
        o->fit.judge_all = o->cv_all = 1;
        return 0;
    case OPT_HOLDOUT_ALL:
        o->fit.judge_all = o->holdout_all = 1;
        return 0;
    case OPT_DAMPING:
        if (core_parse_double(arg, &o->fit.damping) ||
            !(o->fit.damping >= 0 && o->fit.damping <= 1e6))
            return core_err_set(err, CORE_EINPUT, "--damping: '%s' is not a number in [0, 1e6]",
                                arg);
        return 0;
    case OPT_RIDGE:
        if (core_parse_double(arg, &o->fit.ridge) || !(o->fit.ridge >= 0 && o->fit.ridge <= 1e6))
            return core_err_set(err, CORE_EINPUT, "--ridge: '%s' is not a number in [0, 1e6]", arg);
        return 0;
    case OPT_CKPT:
        o->ckpt = arg;
        return 0;
    case OPT_RESTART:
        o->restart = arg;
        return 0;
    case OPT_PLOT:
        o->plot = arg;
        return 0;
    case OPT_CKPT_EVERY:
        if (parse_pos_long(arg, 1, 100000000, &l, "--checkpoint-every", err))
            return CORE_EINPUT;
        o->ckpt_every = (int)l, o->has_ckpt_every = 1;
        return 0;
    case OPT_WEIGHTS: {
        double w[3];
        const char *s = arg;
        for (int i = 0; i < 3; i++) {
            char buf[64], *comma = strchr(s, ',');
            size_t len = comma ? (size_t)(comma - s) : strlen(s);
            if (len == 0 || len >= sizeof buf || (i < 2) != (comma != NULL))
                return core_err_set(err, CORE_EINPUT, "--weights: '%s' is not E,F,S", arg);
            memcpy(buf, s, len);
            buf[len] = '\0';
            if (core_parse_double(buf, &w[i]) || !(w[i] >= 0) || !isfinite(w[i]))
                return core_err_set(err, CORE_EINPUT, "--weights: '%s' is not a weight >= 0", buf);
            s = comma ? comma + 1 : s + len;
        }
        if (w[0] == 0 && w[1] == 0 && w[2] == 0)
            return core_err_set(err, CORE_EINPUT, "--weights: all three are zero");
        o->fit.wenergy = w[0], o->fit.wforce = w[1], o->fit.wstress = w[2];
        return 0;
    }
    case OPT_WEIGHTING:
        if (!strcmp(arg, "vibrations"))
            o->fit.scale = MTP_FIT_VIBRATIONS;
        else if (!strcmp(arg, "molecules"))
            o->fit.scale = MTP_FIT_MOLECULES;
        else if (!strcmp(arg, "structures"))
            o->fit.scale = MTP_FIT_STRUCTURES;
        else
            return core_err_set(err, CORE_EINPUT,
                                "--weighting: '%s' is not vibrations, molecules or structures",
                                arg);
        return 0;
    case OPT_SCALE_BY_FORCE:
        if (core_parse_double(arg, &o->fit.force_scale) || !(o->fit.force_scale >= 0) ||
            !isfinite(o->fit.force_scale))
            return core_err_set(err, CORE_EINPUT,
                                "--scale-by-force: '%s' is not a number >= 0, (eV/Angstrom)^2",
                                arg);
        return 0;
    case OPT_ERRORS:
        o->errors = arg;
        return 0;
    case OPT_EVALUATE:
        o->evaluate = 1;
        return 0;
    case OPT_BY_CONFIG:
        o->by_config = arg;
        return 0;
    case OPT_PARITY:
        o->parity = arg;
        return 0;
    case 'o':
        o->output = arg;
        return 0;
    }
    return core_err_set(err, CORE_EINTERNAL, "unhandled option");
}

static void
report(const struct prog *p, const char *what, const char *name, size_t n,
       const struct mtp_fit_stats *st)
{
    if (p->quiet)
        return;
    prog_error(p, "%s errors, %s: %zu configurations, loss %.6g", what, name, n, st->loss);
    if (st->nenergy) {
        fprintf(stderr, "  energy (eV), %zu configurations: max %.6g, mean abs %.6g, RMS %.6g\n",
                st->nenergy, st->et_max, st->et_mae, st->et_rms);
        fprintf(stderr,
                "  energy per atom (eV/atom), %zu configurations: max %.6g, mean abs "
                "%.6g, RMS %.6g\n",
                st->nenergy, st->e_max, st->e_mae, st->e_rms);
    }
    if (st->nforce)
        fprintf(stderr,
                "  forces (eV/Angstrom), %zu atoms: max %.6g, mean abs %.6g, RMS %.6g; relative "
                "max %.6g, RMS %.6g\n",
                st->nforce, st->f_max, st->f_mae, st->f_rms, st->f_rel_max, st->f_rel_rms);
    if (st->nvirial)
        fprintf(stderr,
                "  virial (eV), %zu configurations: max %.6g, mean abs %.6g, RMS %.6g; relative "
                "max %.6g, RMS %.6g\n",
                st->nvirial, st->s_max, st->s_mae, st->s_rms, st->s_rel_max, st->s_rel_rms);
    if (st->npressure)
        fprintf(stderr,
                "  stress (GPa, the virial over the cell's volume), %zu configurations: max %.6g, "
                "mean abs %.6g, RMS %.6g; relative max %.6g, RMS %.6g\n",
                st->npressure, st->p_max, st->p_mae, st->p_rms, st->p_rel_max, st->p_rel_rms);
}

/*
 * Warns, per species pair, when configurations of valid hold a pair closer than any of that pair
 * in train: there the radial functions extrapolate (a single such configuration can carry much
 * of the validation force error), as MLIP's extrapolation grade would flag.
 */
static int
warn_extrapolation(const struct prog *p, const struct mtp_pot *pot,
                   const struct core_species_map *map, const struct mtpset *train,
                   const struct mtpset *valid, struct core_err *err)
{
    size_t C = pot->nspecies;
    struct mtp_fit_extrap *ex = malloc(C * C * sizeof *ex);
    if (!ex)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    int rc = mtp_fit_extrapolation(pot, train->conf, train->n, valid->conf, valid->n, ex, NULL,
                                   NULL, err);
    for (size_t a = 0; a < C && !rc; a++)
        for (size_t b = a; b < C; b++) {
            const struct mtp_fit_extrap *e = &ex[a * C + b];
            if (!e->count)
                continue;
            char tr[64] = "none within rcut";
            if (isfinite(e->dmin_train))
                snprintf(tr, sizeof tr, "the smallest %.4g", e->dmin_train);
            /* below rmin the Chebyshev polynomials leave [-1, 1], where they grow as fast as
               their degree allows: no fit has a say there */
            char below[128] = "";
            if (e->below)
                snprintf(below, sizeof below,
                         "; %zu of them below the potential's rmin %g, outside the range of its "
                         "radial basis",
                         e->below, pot->rmin);
            const char *sa = core_elem_symbol(map->z[a]), *sb = core_elem_symbol(map->z[b]);
            prog_warn(p,
                      "%s:%ld: configuration %zu has a %s-%s distance of %.4g Angstrom, closer "
                      "than any %s-%s pair in %s (%s): the potential extrapolates there (%zu "
                      "configuration%s of %s so%s)",
                      valid->name, valid->line[e->worst], e->worst + 1, sa, sb, e->dmin, sa, sb,
                      train->name, tr, e->count, e->count == 1 ? "" : "s", valid->name, below);
        }
    free(ex);
    return rc;
}

/*
 * What a checkpoint belongs to: the options that shape the fit's path and the size of the
 * training set (not --max-iter, which a restart may raise, nor --valid or outputs).
 */
static void
ckpt_setup(char *buf, size_t n, const struct fit_opts *o, const struct mtp_pot *pot,
           const struct mtpset *train)
{
    size_t natoms = 0;
    for (size_t i = 0; i < train->n; i++)
        natoms += train->conf[i].natoms;
    const struct mtp_fit_opts *f = &o->fit;
    snprintf(buf, n,
             "species %s nscalar %zu nrad %zu nrb %zu rmin %a rcut %a train %zu configurations "
             "%zu atoms holdout %a cv %d seed %lu weights %a %a %a weighting %d linear-every %d "
             "tol %a patience %d damping %a scale-by-force %a judge-all %d",
             o->species, pot->nscalar, pot->nrad, pot->nrb, pot->rmin, pot->rcut, train->n, natoms,
             o->holdout, o->cv, o->seed, f->wenergy, f->wforce, f->wstress, (int)f->scale,
             f->linear_every, f->tol, f->patience, f->damping, f->force_scale, f->judge_all);
    /* only when set, so that checkpoints written before the option existed still resume; a
       --holdout checkpoint from before the coverage rule (mtp_fit_split_cover) may hold another
       split, so it is refused */
    size_t len = strlen(buf);
    if (o->holdout > 0 && !f->judge_all && len < n)
        len += (size_t)snprintf(buf + len, n - len, " holdout-coverage 1");
    if (f->ridge > 0 && len < n)
        snprintf(buf + len, n - len, " ridge %a", f->ridge);
}

/* What the checkpoint callback needs. */
struct ckpt_ctx {
    const char *path;
    char setup[MTPCKPT_SETUPLEN];
};

/* Writes the fit's state to --checkpoint, all or nothing. */
static int
ckpt_save_cb(void *ctx, const struct mtp_fit_state *st, struct core_err *err)
{
    struct ckpt_ctx *c = ctx;
    struct stream_out co;
    int rc = stream_out_open(&co, c->path, 0, err);
    if (rc)
        return rc;
    rc = mtpckpt_write(co.fp, c->setup, st, err);
    rc = rc ? rc : stream_out_commit(&co, err);
    if (rc)
        stream_out_abort(&co);
    return rc;
}

/* Reads --restart into ck and checks that it belongs to this fit (setup). */
static int
ckpt_restart(const char *path, const char *setup, struct mtpckpt *ck, struct core_err *err)
{
    struct stream_in in;
    int rc = stream_in_open(&in, path, err);
    if (rc)
        return rc;
    rc = mtpckpt_read(&in, ck, err);
    stream_in_close(&in);
    return rc ? rc : mtpckpt_setup_check(ck, setup, path, err);
}

/*
 * --errors-by-config: the errors of pot on each configuration of TRAIN (all of it, in file
 * order; hold[nhold] the indices of its held-out part) and of VALID (when given) into fp.
 */
static int
by_config_write(FILE *fp, const struct mtp_pot *pot, const struct mtpset *train,
                const struct mtpset *valid, const size_t *hold, size_t nhold,
                const struct mtp_fit_opts *fo, int evaluate, struct core_err *err)
{
    const struct mtpset *sets[2] = {train, valid};
    size_t nset = valid->n ? 2 : 1, n[2] = {train->n, valid->n};
    size_t C = pot->nspecies;
    struct mtp_fit_conf_err *ce[2] = {NULL, NULL};
    double *dr[2] = {NULL, NULL}, *dm[2] = {NULL, NULL};
    struct mtp_fit_extrap *ex = malloc(C * C * sizeof *ex);
    int rc = ex ? CORE_OK : core_err_set(err, CORE_ENOMEM, "--errors-by-config: out of memory");
    for (size_t k = 0; k < nset && !rc; k++) {
        ce[k] = malloc((n[k] ? n[k] : 1) * sizeof *ce[k]);
        dr[k] = malloc((n[k] ? n[k] : 1) * sizeof *dr[k]);
        dm[k] = malloc((n[k] ? n[k] : 1) * sizeof *dm[k]);
        if (!ce[k] || !dr[k] || !dm[k])
            rc = core_err_set(err, CORE_ENOMEM, "--errors-by-config: out of memory");
        else if ((rc = mtp_fit_conf_errors(pot, sets[k]->conf, n[k], fo, ce[k], err)) ||
                 (rc = mtp_fit_extrapolation(pot, train->conf, train->n, sets[k]->conf, n[k], ex,
                                             dr[k], dm[k], err)))
            core_err_prefix(err, "%s", sets[k]->name);
    }
    if (!rc) {
        const struct mtp_fit_conf *conf[2] = {train->conf, valid->conf};
        const long *line[2] = {train->line, valid->line};
        const struct mtp_fit_conf_err *cc[2] = {ce[0], ce[1]};
        const double *dc[2] = {dr[0], dr[1]}, *mc[2] = {dm[0], dm[1]};
        const char *names =
            evaluate ? (nset == 2 ? "set valid" : "set") : (nset == 2 ? "train valid" : "train");
        unsigned char *held = nhold ? calloc(train->n, 1) : NULL;
        if (nhold && !held)
            rc = core_err_set(err, CORE_ENOMEM, "--errors-by-config: out of memory");
        for (size_t i = 0; held && i < nhold; i++)
            held[hold[i]] = 1;
        if (!rc)
            rc = mtpfitout_conf_errors_write(fp, names, nset, n, conf, line, cc, held, dc, mc, err);
        free(held);
    }
    free(ce[0]), free(ce[1]), free(dr[0]), free(dr[1]), free(dm[0]), free(dm[1]), free(ex);
    return rc;
}

/*
 * --parity: the potential's energies and forces against the labels of TRAIN (all of it) and
 * VALID (when given), drawn into pl.
 */
static int
parity_plot(struct plot *pl, const struct mtp_pot *pot, const struct mtpset *train,
            const struct mtpset *valid, const struct fit_opts *o, struct core_err *err)
{
    const struct mtpset *sets[2] = {train, valid};
    const char *slash = strrchr(train->name, '/');
    const char *names[2] = {o->evaluate ? (slash ? slash + 1 : train->name) : "train", "valid"};
    size_t nset = valid->n ? 2 : 1;
    struct table t;
    char script[4096], title[160];
    double *e = NULL, *f = NULL;
    int rc = mtpfitout_parity_init(&t, err);
    for (size_t k = 0; k < nset && !rc; k++) {
        const struct mtpset *s = sets[k];
        size_t nat = 0;
        for (size_t i = 0; i < s->n; i++)
            nat += s->conf[i].natoms;
        free(e), free(f);
        e = malloc((s->n ? s->n : 1) * sizeof *e), f = malloc((nat ? 3 * nat : 1) * sizeof *f);
        if (!e || !f)
            rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        else if ((rc = mtp_fit_predict(pot, s->conf, s->n, e, f, err)))
            core_err_prefix(err, "%s", s->name);
        else
            rc = mtpfitout_parity_add(&t, (int)k, s->conf, s->n, e, f, err);
    }
    free(e), free(f);
    if (o->init)
        snprintf(title, sizeof title, "mtp-fit: %s", o->init);
    else
        snprintf(title, sizeof title, "mtp-fit: level %ld", o->level);
    if (!rc)
        rc = mtpfitout_parity_script(script, sizeof script, &t, title, nset, names, err);
    if (!rc)
        rc = plot_render(pl, &t, script, 1400, 700, err);
    table_release(&t);
    return rc ? core_err_prefix(err, "--parity") : CORE_OK;
}

/* What the progress and start reports need, and the history --plot draws. */
struct cb {
    struct prog *p;
    int start, nstarts, hold, cv;
    int maxiter, last_iter, best_iter; /* the held-out or cross-validation loss's lowest so far */
    double best, t0;                   /* t0: prog_wtime at the start of the fit */
    struct table *hist; /* start, phase, iteration, loss, held_out (0: none); or NULL */
    int hist_failed;
};

/*
 * Draws the history of the kept start: the training loss, the held-out or cross-validation
 * loss, the whole-set fit after cross-validation, and the iteration kept.
 */
static int
loss_plot(struct plot *pl, const struct table *hist, const struct fit_opts *o,
          const struct mtp_fit_result *res, int best, int hold, struct core_err *err)
{
    char script[2048], title[128];
    int s = best + 1;
    int t = o->init ? snprintf(title, sizeof title, "mtp-fit: the --init potential")
                    : snprintf(title, sizeof title, "mtp-fit: level %ld", o->level);
    if (o->starts > 1)
        snprintf(title + t, sizeof title - (size_t)t, ", start %d of %d", s, o->starts);
    if (mtpfitout_plot_script(script, sizeof script, hist, title, s, res->best_iter, hold || o->cv,
                              o->cv, err))
        return core_err_prefix(err, "--plot");
    int rc = plot_render(pl, hist, script, 900, 600, err);
    return rc ? core_err_prefix(err, "--plot") : CORE_OK;
}

static int
progress_cb(void *ctx, int iter, double loss, double hold_loss)
{
    struct cb *c = ctx;
    if (c->hist && !c->hist_failed) {
        struct core_err e;
        int phase = c->cv && isnan(hold_loss);
        double row[5] = {c->start + 1, phase, iter, loss, isnan(hold_loss) ? 0 : hold_loss};
        c->hist_failed = table_row_add(c->hist, row, &e) != CORE_OK;
    }
    if (iter <= c->last_iter) { /* a new start, or the whole-set fit after the folds */
        if (c->cv && c->last_iter != INT_MAX)
            c->maxiter = c->best_iter; /* the count the folds chose */
        c->best = INFINITY;
    }
    c->last_iter = iter;
    if (!isnan(hold_loss) && !(hold_loss >= c->best))
        c->best = hold_loss, c->best_iter = iter;
    char s[32] = "";
    if (c->nstarts > 1)
        snprintf(s, sizeof s, "start %d: ", c->start + 1);
    double t = prog_wtime() - c->t0;
    if (c->cv && !isnan(hold_loss))
        prog_progress(c->p,
                      "%d folds: iteration %d/%d: mean loss %.9g, cross-validation loss %.9g "
                      "(lowest %.9g at %d) t=%.3gs",
                      c->cv, iter, c->maxiter, loss, hold_loss, c->best, c->best_iter, t);
    else if (isnan(hold_loss))
        prog_progress(c->p, "%siteration %d/%d: loss %.9g t=%.3gs", s, iter, c->maxiter, loss, t);
    else
        prog_progress(c->p,
                      "%siteration %d/%d: loss %.9g, held-out loss %.9g (lowest %.9g at %d) "
                      "t=%.3gs",
                      s, iter, c->maxiter, loss, hold_loss, c->best, c->best_iter, t);
    return 0;
}

static void
start_cb(void *ctx, int start, const struct mtp_fit_result *r)
{
    struct cb *c = ctx;
    c->start = start;
    if (!r || c->nstarts < 2)
        return;
    prog_progress_end(c->p);
    if (c->cv)
        prog_info(c->p,
                  "start %d of %d: cross-validation loss %.9g at iteration %d (%d iterations run), "
                  "training loss %.9g",
                  start + 1, c->nstarts, r->best_loss, r->best_iter, r->cv_iters, r->loss);
    else if (!c->hold)
        prog_info(c->p, "start %d of %d: training loss %.9g after %d iterations", start + 1,
                  c->nstarts, r->loss, r->niter);
    else
        prog_info(c->p,
                  "start %d of %d: held-out loss %.9g at iteration %d (%d iterations run), "
                  "training loss %.9g",
                  start + 1, c->nstarts, r->best_loss, r->best_iter, r->niter, r->loss);
}

int
main(int argc, char **argv)
{
    struct prog p;
    struct fit_opts o = {.radial = 8, .rcut = 5, .seed = 1, .starts = 1, .ckpt_every = 10};
    struct ckpt_ctx cc = {0};
    struct mtpckpt rk = {0};
    struct mtp_fit_ckpt ck = {0};
    struct table hist;
    struct plot pl = {0}, pp = {0};
    struct core_err err = {0};
    struct core_species_map map;
    struct mtpset train = {0}, valid = {0};
    struct mtp_pot pot, pot0;
    struct mtp_fit_stats st[3];
    struct mtp_fit_result *res = NULL;
    struct cb cb = {.p = &p};
    int best = 0;
    struct mtp_fit_conf *fitc = NULL, *holdc = NULL, *fitc_mem = NULL;
    size_t *idx = NULL, ntr, nhold = 0;
    int rc;

    mtp_fit_opts_default(&o.fit);
    table_init(&hist);
    prog_init(&p, argv[0]);
    rc = prog_parse(&p, argc, argv, synopsis,
                    "Fits a moment tensor potential (MLIP's .mtp) to labelled configurations.",
                    opts, NOPTS, parse_one, &o, &optind);
    if (rc != PROG_CONTINUE)
        return rc;
    if (optind != argc - 1)
        return prog_usage_error(&p, synopsis, "one training file expected");
    if (o.evaluate) { /* MLIP's calc-errors: the potential as it is, nothing written but errors */
        if (!o.init)
            return prog_usage_error(&p, synopsis, "--evaluate needs --init FILE");
        if (o.fit_only)
            return prog_usage_error(&p, synopsis, "--evaluate fits nothing: not with --%s",
                                    o.fit_only);
        if (o.output)
            return prog_usage_error(&p, synopsis,
                                    "--evaluate writes no potential: --errors FILE, not -o");
        if (p.quiet && !o.errors && !o.by_config && !o.parity)
            return prog_usage_error(
                &p, synopsis,
                "--evaluate -q reports nothing without --errors, --errors-by-config or --parity");
    } else if (!o.output)
        return prog_usage_error(&p, synopsis, "-o FILE is required");
    if (!o.species)
        return prog_usage_error(&p, synopsis, "--species is required, e.g. C,B");
    if (!o.level == !o.init)
        return prog_usage_error(&p, synopsis, "give one of --level and --init");
    if (o.init && (o.has_rmin || o.has_rcut || o.has_radial))
        return prog_usage_error(&p, synopsis,
                                "--rmin, --rcut and --radial-size come from the --init file");
    if (o.has_rmin && o.rmin >= o.rcut)
        return prog_usage_error(&p, synopsis, "--rmin %g must be below --rcut %g", o.rmin, o.rcut);
    if (o.cv_all && !o.cv)
        return prog_usage_error(&p, synopsis, "--cv-all needs --cv");
    if (o.holdout_all && !(o.holdout > 0))
        return prog_usage_error(&p, synopsis, "--holdout-all needs --holdout");
    if (o.refit && !(o.holdout > 0))
        return prog_usage_error(&p, synopsis, "--refit needs --holdout");
    if (o.refit && o.starts > 1)
        return prog_usage_error(&p, synopsis, "--refit takes one start, not --starts %d", o.starts);
    if (o.cv && o.holdout > 0)
        return prog_usage_error(&p, synopsis, "--cv chooses alone: not with --holdout");
    if ((o.ckpt || o.restart) && (o.starts > 1 || o.refit))
        return prog_usage_error(&p, synopsis,
                                "--checkpoint and --restart take one fit: not --starts or --refit");
    if (o.has_ckpt_every && !o.ckpt)
        return prog_usage_error(&p, synopsis, "--checkpoint-every needs --checkpoint");
    if (o.plot && o.fit.maxiter == 0)
        return prog_usage_error(&p, synopsis, "--plot draws iterations: --max-iter 0 has none");
    if (core_species_map_parse(o.species, &map, &err))
        return prog_usage_error(&p, synopsis, "--species: %s", err.msg);

    mtp_pot_init(&pot);
    mtp_pot_init(&pot0);
    if ((rc = mtpset_read(&train, argv[optind], &map, &o.fit, &err)))
        goto done;
    if (o.valid && (rc = mtpset_read(&valid, o.valid, &map, &o.fit, &err)))
        goto done;
    if (o.init) {
        struct stream_in in;
        if ((rc = stream_in_open(&in, o.init, &err)))
            goto done;
        rc = mtp_file_read(&in, &pot, &err);
        stream_in_close(&in);
        if (rc)
            goto done;
        if (pot.nspecies != map.ntypes) {
            rc = core_err_set(&err, CORE_EINPUT, "%s: species_count %zu, but --species names %zu",
                              o.init, pot.nspecies, map.ntypes);
            goto done;
        }
        if (o.evaluate && !(pot.has_radial && pot.has_linear)) {
            rc = core_err_set(&err, CORE_EINPUT,
                              "%s: --evaluate: an untrained potential (no %s): nothing to evaluate",
                              o.init, pot.has_radial ? "moment_coeffs" : "radial_coeffs");
            goto done;
        }
        if (o.starts > 1 && pot.has_radial) {
            rc = core_err_set(&err, CORE_EINPUT,
                              "%s: --starts %d: the file has radial coefficients; several starts "
                              "need an untrained potential",
                              o.init, o.starts);
            goto done;
        }
    } else {
        double dmin;
        if ((rc = mtp_pot_generate(&pot, (int)o.level, map.ntypes, (size_t)o.radial, 0, o.rcut,
                                   &err)))
            goto done;
        if (!o.has_rmin) { /* the smallest distance of the training set */
            if ((rc = mtp_fit_check(&pot, train.conf, train.n, &o.fit, &dmin, &err)))
                goto fitfail;
            pot.rmin = dmin;
            prog_info(&p, "rmin = %.17g Angstrom (the smallest distance in %s)", dmin, train.name);
        } else
            pot.rmin = o.rmin;
    }
    { /* an unwritable place fails now, not after a fit of hours */
        const char *outs[] = {o.ckpt, o.output, o.errors, o.by_config, o.plot, o.parity};
        for (size_t k = 0; k < sizeof outs / sizeof *outs; k++)
            if ((rc = stream_out_try(outs[k], &err)))
                goto done;
    }
    /* the fitted part and the held-out part of TRAIN, each in file order */
    ntr = train.n;
    fitc = train.conf;
    if (o.evaluate)
        goto evaluate;
    if (o.holdout > 0) {
        idx = malloc(train.n * sizeof *idx);
        fitc = fitc_mem = malloc(train.n * sizeof *fitc);
        if (!idx || !fitc) {
            rc = core_err_set(&err, CORE_ENOMEM, "out of memory");
            goto done;
        }
        size_t moved = 0;
        if ((rc = mtp_fit_split(train.n, o.holdout, o.seed, idx, &nhold, &err)) ||
            (!o.fit.judge_all &&
             (rc = mtp_fit_split_cover(&pot, train.conf, train.n, idx, &nhold, &moved, &err))))
            goto fitfail;
        ntr = train.n - nhold;
        for (size_t i = 0; i < train.n; i++)
            fitc[i] = train.conf[idx[i]];
        holdc = fitc + ntr;
        prog_info(&p, "holding out %zu of %zu configurations of %s (--seed %lu)", nhold, train.n,
                  train.name, o.seed);
        if (moved)
            prog_info(&p,
                      "fitted instead: %zu more drawn, each with a pair closer than the rest "
                      "hold (outside their coverage)",
                      moved);
    }
    if (nhold && o.refit && (rc = mtp_pot_copy(&pot0, &pot, &err)))
        goto done;
    if (!(res = calloc((size_t)o.starts, sizeof *res))) {
        rc = core_err_set(&err, CORE_ENOMEM, "out of memory");
        goto done;
    }
    if (o.ckpt || o.restart) {
        ckpt_setup(cc.setup, sizeof cc.setup, &o, &pot, &train);
        cc.path = o.ckpt;
        ck.every = o.ckpt_every, ck.save = o.ckpt ? ckpt_save_cb : NULL, ck.ctx = &cc;
        if (o.restart) {
            if ((rc = ckpt_restart(o.restart, cc.setup, &rk, &err)))
                goto done;
            ck.resume = &rk.st;
            prog_info(&p, "restart from %s: phase %d, iteration %d", o.restart, rk.st.phase,
                      rk.st.iter);
        }
        o.fit.ckpt = &ck;
    }
    double t0 = prog_wtime();
    cb.nstarts = o.starts, cb.hold = nhold > 0, cb.cv = o.cv;
    cb.maxiter = o.fit.maxiter, cb.last_iter = INT_MAX, cb.t0 = t0;
    if (o.plot) {
        if ((rc = mtpfitout_history_init(&hist, &err)))
            goto done;
        cb.hist = &hist;
    }
    /* without --holdout fitc is all of TRAIN, which --cv splits into folds */
    if ((rc = mtp_fit_run_starts(&pot, fitc, ntr, holdc, nhold, o.cv, &o.fit, o.starts, o.seed,
                                 progress_cb, start_cb, &cb, res, &best, &err)))
        goto fitfail;
    prog_progress_end(&p);
    if (o.cv && !p.quiet) {
        const struct mtp_fit_result *r = &res[best];
        prog_error(&p,
                   "cross-validation, %d folds (--seed %lu): loss %.9g over %zu held-out "
                   "configurations%s at iteration %d (%d iterations run%s); all %zu "
                   "configurations of %s fitted for %d iterations",
                   o.cv, o.seed, r->best_loss, r->judged,
                   o.fit.judge_all ? "" : " inside their fold's coverage", r->best_iter,
                   r->cv_iters, r->stopped ? ", patience ran out" : "", train.n, train.name,
                   r->niter);
    }
    if (o.starts > 1 && !p.quiet)
        prog_error(&p, "%d starts (--seed %lu): start %d kept, %s loss %.9g", o.starts, o.seed,
                   best + 1,
                   nhold  ? "held-out"
                   : o.cv ? "cross-validation"
                          : "training",
                   nhold || o.cv ? res[best].best_loss : res[best].loss);
    if (nhold && !p.quiet)
        prog_error(&p,
                   "early stopping: held-out loss %.9g over %zu of the %zu held-out "
                   "configurations%s at iteration %d kept (%d iterations run%s)",
                   res[best].best_loss, res[best].judged, nhold,
                   o.fit.judge_all ? "" : " (those inside the coverage of the fitted ones)",
                   res[best].best_iter, res[best].niter,
                   res[best].stopped ? ", patience ran out" : "");
    if (nhold) { /* the early-stopped potential on the held-out part */
        if ((rc = mtp_fit_stats(&pot, holdc, nhold, &o.fit, &st[2], &err)))
            goto fitfail;
        report(&p, "holdout", train.name, nhold, &st[2]);
    }
    if (nhold && o.refit) { /* all of TRAIN, from the same start, best_iter iterations */
        struct mtp_fit_opts ro = o.fit;
        ro.maxiter = res[best].best_iter, ro.tol = 0;
        if ((rc = mtp_pot_copy(&pot, &pot0, &err)) ||
            (rc = mtp_fit_run(&pot, train.conf, train.n, &ro, progress_cb, &cb, &err)))
            goto fitfail;
        prog_progress_end(&p);
        if (!p.quiet)
            prog_error(&p, "refit: %d iterations on all %zu configurations of %s",
                       res[best].best_iter, train.n, train.name);
        fitc = train.conf, ntr = train.n;
    }
    prog_info(&p, "fitting: %.3g s", prog_wtime() - t0);
evaluate:
    if ((rc = mtp_fit_stats(&pot, fitc, ntr, &o.fit, &st[0], &err)))
        goto fitfail;
    report(&p,
           o.evaluate          ? "evaluation"
           : nhold && !o.refit ? "training (fitted part)"
                               : "training",
           train.name, ntr, &st[0]);
    if (o.valid) {
        if ((rc = mtp_fit_stats(&pot, valid.conf, valid.n, &o.fit, &st[1], &err))) {
            core_err_prefix(&err, "%s", valid.name);
            goto done;
        }
        report(&p, "validation", valid.name, valid.n, &st[1]);
        if (!p.quiet && (rc = warn_extrapolation(&p, &pot, &map, &train, &valid, &err)))
            goto done;
    }
    if (nhold && !o.valid)
        st[1] = st[2];
    {
        struct stream_out out = {0}, eout, bout;
        int eopen = 0, bopen = 0;
        if (!o.evaluate) {
            if ((rc = stream_out_open(&out, o.output, 0, &err)))
                goto done;
            rc = mtp_file_write(out.fp, &pot, &err);
        }
        if (!rc && o.errors && !(rc = stream_out_open(&eout, o.errors, 0, &err))) {
            eopen = 1;
            size_t nst = 1 + (o.valid != NULL) + (nhold > 0);
            const char *names = o.evaluate ? (o.valid ? "set valid" : "set")
                                : nst == 1 ? "train"
                                : nst == 3 ? "train valid holdout"
                                : o.valid  ? "train valid"
                                           : "train holdout";
            rc = mtpfitout_errors_write(eout.fp, st, nst, names, o.evaluate ? o.init : NULL, res,
                                        nhold > 0, o.starts, best, o.seed, o.cv, &err);
        }
        if (!rc && o.by_config && !(rc = stream_out_open(&bout, o.by_config, 0, &err))) {
            bopen = 1;
            size_t nheld = nhold && !o.refit ? nhold : 0; /* --refit fits them all again */
            rc =
                by_config_write(bout.fp, &pot, &train, &valid, nheld ? idx + train.n - nhold : NULL,
                                nheld, &o.fit, o.evaluate, &err);
        }
        if (!rc && o.parity && !(rc = plot_open(&pp, o.parity, &err)))
            rc = parity_plot(&pp, &pot, &train, &valid, &o, &err);
        if (!rc && o.plot) {
            if (cb.hist_failed)
                rc = core_err_set(&err, CORE_ENOMEM, "--plot: out of memory");
            else if (!(rc = plot_open(&pl, o.plot, &err)))
                rc = loss_plot(&pl, &hist, &o, &res[best], best, nhold > 0, &err);
        }
        int ecommitted = 0, bcommitted = 0, pcommitted = 0, ppcommitted = 0;
        if (!rc && eopen && !(rc = stream_out_commit(&eout, &err)))
            ecommitted = 1;
        if (!rc && bopen && !(rc = stream_out_commit(&bout, &err)))
            bcommitted = 1;
        if (!rc && o.plot && !(rc = plot_commit(&pl, &err)))
            pcommitted = 1;
        if (!rc && o.parity && !(rc = plot_commit(&pp, &err)))
            ppcommitted = 1;
        if (!o.evaluate)
            rc = rc ? rc : stream_out_commit(&out, &err);
        if (rc) {
            if (!o.evaluate)
                stream_out_abort(&out);
            if (ecommitted && strcmp(o.errors, "-"))
                remove(o.errors); /* written just now, but the potential failed */
            else if (eopen)
                stream_out_abort(&eout);
            if (bcommitted && strcmp(o.by_config, "-"))
                remove(o.by_config);
            else if (bopen && !bcommitted)
                stream_out_abort(&bout);
            if (pcommitted)
                remove(o.plot);
            if (ppcommitted)
                remove(o.parity);
        }
    }
    goto done;
fitfail:
    core_err_prefix(&err, "%s", train.name);
done:
    prog_progress_end(&p);
    if (fitc_mem)
        free(fitc_mem);
    free(idx);
    free(res);
    mtpset_release(&train);
    mtpset_release(&valid);
    mtpckpt_release(&rk);
    plot_abort(&pl);
    plot_abort(&pp);
    table_release(&hist);
    mtp_pot_release(&pot);
    mtp_pot_release(&pot0);
    if (rc)
        return prog_fail(&p, &err);
    return 0;
}
