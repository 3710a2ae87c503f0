/*
 * Unit tests of lib/mtp/fit.c: the linear solve recovers the coefficients of a known potential
 * from its own labels, the gradient of mtp_fit_normal agrees with central differences of the loss,
 * a fit lowers the loss, the results do not depend on the thread count, the error statistics, and
 * every error path of mtp_fit_check; the hold-out split (deterministic, disjoint, sizes, uniform)
 * and early stopping (the potential returned has the best held-out loss recorded; patience; the
 * same bits for any thread count; error paths); multi-start fits (initial coefficients, the
 * start kept, determinism, error paths); checkpoints (with and without the ridge); the ridge
 * (the penalised linear minimiser, the fit's objective with the first solve's weights).
 */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/core.h"
#include "../../lib/mtp/mtp.h"
#include "../tap.h"

#define NCONF 6
#define NAT   8
#define NMANY 150

static unsigned long long rng_state = 0x9e3779b97f4a7c15ULL;

static double
urand(void) /* uniform in [0, 1) */
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

struct data {
    int type[NCONF][NAT];
    double pos[NCONF][3 * NAT], cell[NCONF][9], forces[NCONF][3 * NAT];
    int pbc[3];
    struct mtp_fit_conf conf[NCONF];
};

/* Random periodic cells of 8 atoms, no two closer than 1.2 A, labelled by pot. */
static void
make_data(struct data *d, const struct mtp_pot *pot)
{
    struct core_err err = {0};
    struct mtp_work *w = NULL;
    ok(mtp_work_alloc(pot, &w, &err) == 0, "work for labels: %s", err.msg);
    d->pbc[0] = d->pbc[1] = d->pbc[2] = 1;
    for (int c = 0; c < NCONF; c++) {
        double L = 4.3 + 0.37 * c;
        memset(d->cell[c], 0, sizeof d->cell[c]);
        d->cell[c][0] = L, d->cell[c][4] = L * 1.07, d->cell[c][8] = L * 0.93;
        d->cell[c][3] = 0.21 * c;
        for (int i = 0; i < NAT; i++) {
            int good;
            do {
                for (int k = 0; k < 3; k++)
                    d->pos[c][3 * i + k] = urand() * L * 0.9;
                good = 1;
                for (int j = 0; j < i; j++) {
                    double r2 = 0;
                    for (int k = 0; k < 3; k++)
                        r2 += pow(d->pos[c][3 * i + k] - d->pos[c][3 * j + k], 2);
                    if (r2 < 1.3 * 1.3)
                        good = 0;
                }
            } while (!good);
            d->type[c][i] = (i + c) % 3 == 0;
        }
        struct mtp_fit_conf *f = &d->conf[c];
        memset(f, 0, sizeof *f);
        f->natoms = NAT;
        f->type = d->type[c];
        f->pos = d->pos[c];
        f->cell = d->cell[c];
        f->pbc = d->pbc;
        f->has_energy = 1;
        f->has_virial = 1;
        f->forces = d->forces[c];
        ok(mtp_calc(pot, w, NAT, f->type, f->pos, f->cell, f->pbc, &f->energy, d->forces[c],
                    f->virial, &err) == 0,
           "labels of configuration %d: %s", c, err.msg);
    }
    mtp_work_free(w);
}

static void
random_pot(struct mtp_pot *pot, int level)
{
    struct core_err err = {0};
    ok(mtp_pot_generate(pot, level, 2, 6, 0.8, 4.1, &err) == 0, "generate level %d: %s", level,
       err.msg);
    size_t nr = pot->nspecies * pot->nspecies * pot->nrad * pot->nrb;
    for (size_t i = 0; i < nr; i++)
        pot->radial[i] = (urand() - 0.5) * 0.4 + (i % pot->nrb == 0 ? 0.6 : 0);
    for (size_t i = 0; i < pot->nspecies; i++)
        pot->species_coeffs[i] = -3.1 + 1.7 * urand();
    for (size_t i = 0; i < pot->nscalar; i++)
        pot->moment_coeffs[i] = (urand() - 0.5) * 0.9;
    pot->scaling = 0.37;
    pot->has_radial = pot->has_linear = 1;
}

static double
loss_of(const struct mtp_pot *pot, const struct data *d, const struct mtp_fit_opts *o)
{
    struct mtp_fit_stats st;
    struct core_err err = {0};
    if (mtp_fit_stats(pot, d->conf, NCONF, o, &st, &err))
        return NAN;
    return st.loss;
}

static void
test_linear_and_gradient(void)
{
    struct mtp_pot pot, fit;
    struct mtp_fit_opts o;
    struct core_err err = {0};
    struct data *d = calloc(1, sizeof *d);
    mtp_pot_init(&pot);
    mtp_pot_init(&fit);
    mtp_fit_opts_default(&o);
    random_pot(&pot, 8);
    make_data(d, &pot);

    double dmin = 0;
    ok(mtp_fit_check(&pot, d->conf, NCONF, &o, &dmin, &err) == 0, "check: %s", err.msg);
    ok(dmin >= pot.rmin && dmin < 1.3, "smallest distance %g (periodic images) in [rmin, 1.3)",
       dmin);
    is_abs(loss_of(&pot, d, &o), 0, 1e-20, "the labelling potential has zero loss");

    /* the linear solve recovers the species and moment coefficients */
    mtp_pot_copy(&fit, &pot, &err);
    for (size_t i = 0; i < fit.nspecies; i++)
        fit.species_coeffs[i] = 0;
    for (size_t i = 0; i < fit.nscalar; i++)
        fit.moment_coeffs[i] = 1e-3 * (double)i;
    ok(loss_of(&fit, d, &o) > 1, "perturbed potential has a loss");
    ok(mtp_fit_linear(&fit, d->conf, NCONF, &o, &err) == 0, "linear solve: %s", err.msg);
    double worst = 0;
    for (size_t i = 0; i < fit.nspecies; i++)
        worst = fmax(worst, fabs(fit.species_coeffs[i] - pot.species_coeffs[i]) /
                                fabs(pot.species_coeffs[i]));
    for (size_t i = 0; i < fit.nscalar; i++)
        worst = fmax(worst, fabs(fit.moment_coeffs[i] - pot.moment_coeffs[i]) /
                                fabs(pot.moment_coeffs[i]));
    /* normal equations square the condition number of this small, ill-conditioned set */
    ok(worst < 1e-4, "linear solve recovers the %zu coefficients (worst rel. error %.2e)",
       fit.nspecies + fit.nscalar, worst);
    ok(fit.has_linear, "has_linear set");
    ok(loss_of(&fit, d, &o) < 1e-12, "and the loss vanishes (%.2e)", loss_of(&fit, d, &o));

    /* gradient of mtp_fit_normal against central differences of the loss */
    for (size_t i = 0; i < fit.nspecies * fit.nspecies * fit.nrad * fit.nrb; i++)
        fit.radial[i] += 0.02 * (urand() - 0.5);
    for (size_t i = 0; i < fit.nscalar; i++)
        fit.moment_coeffs[i] *= 1.05;
    size_t nr = fit.nspecies * fit.nspecies * fit.nrad * fit.nrb;
    size_t np = nr + fit.nspecies + fit.nscalar;
    double *A = calloc(np * np, sizeof *A), *g = calloc(np, sizeof *g), l0;
    for (int scaled = 0; scaled < 2; scaled++) {
        /* and with MLIP's --scale-by-force: per-atom force weights */
        const char *how = scaled ? ", force_scale 5" : "";
        o.force_scale = scaled ? 5 : 0;
        ok(mtp_fit_normal(&fit, d->conf, NCONF, &o, A, g, &l0, &err) == 0, "normal%s: %s", how,
           err.msg);
        is_rel(l0, loss_of(&fit, d, &o), 1e-12, "normal equations' loss is the loss%s", how);
        double wr = 0, wl = 0;
        for (size_t p = 0; p < np; p++) {
            double *x = p < nr                  ? &fit.radial[p]
                        : p < nr + fit.nspecies ? &fit.species_coeffs[p - nr]
                                                : &fit.moment_coeffs[p - nr - fit.nspecies];
            double x0 = *x, h = 1e-5 * (1 + fabs(x0));
            *x = x0 + h;
            double lp = loss_of(&fit, d, &o);
            *x = x0 - h;
            double lm = loss_of(&fit, d, &o);
            *x = x0;
            double fd = (lp - lm) / (2 * h), e = fabs(g[p] - fd) / (fabs(fd) + 1e-3 * l0);
            if (p < nr)
                wr = fmax(wr, e);
            else
                wl = fmax(wl, e);
        }
        ok(wr < 1e-6, "radial gradient (exact Jacobian) vs central differences%s: worst %.2e", how,
           wr);
        ok(wl < 1e-6, "linear gradient (exact) vs central differences%s: worst %.2e", how, wl);
        double gtg = 0;
        for (size_t i = 0; i < np; i++)
            gtg += A[i * np + i];
        ok(gtg > 0 && isfinite(gtg), "J^T J has a positive trace%s", how);
    }
    o.force_scale = 0;

    /* a fit from the perturbed potential lowers the loss */
    o.maxiter = 4;
    double before = loss_of(&fit, d, &o);
    ok(mtp_fit_run(&fit, d->conf, NCONF, &o, NULL, NULL, &err) == 0, "run: %s", err.msg);
    double after = loss_of(&fit, d, &o);
    ok(after < 0.1 * before, "fit lowers the loss from %.4g to %.4g", before, after);

    /* an untrained potential is initialised and fitted */
    struct mtp_pot un;
    mtp_pot_init(&un);
    ok(mtp_pot_generate(&un, 6, 2, 6, 0.8, 4.1, &err) == 0, "generate");
    o.maxiter = 3;
    ok(mtp_fit_run(&un, d->conf, NCONF, &o, NULL, NULL, &err) == 0, "untrained run: %s", err.msg);
    ok(un.has_radial && un.has_linear && un.scaling > 0 && un.scaling != 1,
       "untrained potential gets coefficients and a scaling (%g)", un.scaling);
    ok(isfinite(loss_of(&un, d, &o)), "its loss is finite");
    mtp_pot_release(&un);

    free(A);
    free(g);
    mtp_pot_release(&pot);
    mtp_pot_release(&fit);
    free(d);
}

static void
test_stats(void)
{
    /* two atoms, no cell, one pair: check each statistic against its definition */
    struct mtp_pot pot;
    struct core_err err = {0};
    struct mtp_fit_opts o;
    mtp_fit_opts_default(&o);
    mtp_pot_init(&pot);
    random_pot(&pot, 6);
    int type[2] = {0, 1};
    double pos[6] = {0, 0, 0, 1.1, 0.4, -0.3}, F[6], e, W[9];
    struct mtp_work *w = NULL;
    mtp_work_alloc(&pot, &w, &err);
    mtp_calc(&pot, w, 2, type, pos, NULL, NULL, &e, F, W, &err);
    mtp_work_free(w);
    double fl[6], dF[6] = {0.3, -0.1, 0.2, -0.4, 0.25, 0.05};
    for (int i = 0; i < 6; i++)
        fl[i] = F[i] + dF[i];
    struct mtp_fit_conf c = {.natoms = 2,
                             .type = type,
                             .pos = pos,
                             .has_energy = 1,
                             .energy = e - 0.5,
                             .forces = fl,
                             .has_virial = 1};
    for (int k = 0; k < 9; k++)
        c.virial[k] = W[k] + (k == 4 ? 2.0 : 0);
    struct mtp_fit_stats st;
    ok(mtp_fit_stats(&pot, &c, 1, &o, &st, &err) == 0, "stats: %s", err.msg);
    double n0 = sqrt(0.09 + 0.01 + 0.04), n1 = sqrt(0.16 + 0.0625 + 0.0025);
    is_rel(st.e_max, 0.25, 1e-9, "energy per atom max");
    is_rel(st.e_rms, 0.25, 1e-9, "energy per atom rms");
    is_rel(st.f_max, fmax(n0, n1), 1e-9, "force max is the largest vector norm");
    is_rel(st.f_mae, (n0 + n1) / 6, 1e-9, "force mean: sum of norms over components (MLIP)");
    is_rel(st.f_rms, sqrt((n0 * n0 + n1 * n1) / 6), 1e-9, "force rms per component");
    is_rel(st.s_rms, 2.0 / 3.0, 1e-9, "virial rms per component");
    is_rel(st.loss, 0.25 / 2 + 0.01 * (n0 * n0 + n1 * n1) + 0.001 * 4 / 2, 1e-9,
           "loss with MLIP's default weights (vibrations)");
    /* the model's own numbers, as mtp_calc gives them */
    double pe, pf[6];
    ok(mtp_fit_predict(&pot, &c, 1, &pe, pf, &err) == 0, "predict: %s", err.msg);
    double worst = fabs(pe - e) / fabs(e);
    for (int k = 0; k < 6; k++)
        worst = fmax(worst, fabs(pf[k] - F[k]) / (fabs(F[k]) + 1));
    ok(worst < 1e-12, "predicted energy and forces are mtp_calc's (%.2g)", worst);
    /* the same configuration's own errors, the parts of the set's */
    struct mtp_fit_conf_err ce;
    ok(mtp_fit_conf_errors(&pot, &c, 1, &o, &ce, &err) == 0, "errors per configuration: %s",
       err.msg);
    is_rel(ce.de, 0.25, 1e-9, "energy error per atom, signed (model above the label)");
    is_rel(ce.f_sq, n0 * n0 + n1 * n1, 1e-9, "its squared force error");
    is_rel(ce.f_rms, st.f_rms, 1e-12, "its force rms is the set's (one configuration)");
    is_rel(ce.f_max, st.f_max, 1e-12, "its largest force error");
    is_rel(ce.s_rms, st.s_rms, 1e-12, "its virial rms");
    is_rel(ce.loss, st.loss, 1e-12, "its loss term");
    /* the rest of MLIP's report */
    double l0 = sqrt(fl[0] * fl[0] + fl[1] * fl[1] + fl[2] * fl[2]),
           l1 = sqrt(fl[3] * fl[3] + fl[4] * fl[4] + fl[5] * fl[5]), w2 = 0;
    for (int k = 0; k < 9; k++)
        w2 += c.virial[k] * c.virial[k];
    is_rel(st.et_max, 0.5, 1e-9, "energy max");
    is_rel(st.et_rms, 0.5, 1e-9, "energy rms");
    is_rel(st.f_rel_max, fmax(n0, n1) / fmax(l0, l1), 1e-9, "force max over the largest label");
    is_rel(st.f_rel_rms, sqrt((n0 * n0 + n1 * n1) / (l0 * l0 + l1 * l1)), 1e-9,
           "force rms relative to the labels'");
    is_rel(st.s_rel_rms, 2 / sqrt(w2), 1e-9, "virial rms relative to the label's");
    ok(st.npressure == 0 && st.p_rms == 0, "no cell, no stress in GPa");
    double cell[9] = {10, 0, 0, 0, 11, 0, 0, 0, 12};
    int pbc[3] = {0, 0, 0};
    c.cell = cell, c.pbc = pbc;
    ok(mtp_fit_stats(&pot, &c, 1, &o, &st, &err) == 0, "stats with a cell: %s", err.msg);
    ok(st.npressure == 1, "a cell: the stress in GPa");
    is_rel(st.p_max, 2 * UNITS_EVA3_GPA / 1320, 1e-9, "stress max, GPa: |dW| / volume");
    is_rel(st.p_rms, 2.0 / 3.0 * UNITS_EVA3_GPA / 1320, 1e-9, "stress rms per component, GPa");
    is_rel(st.p_rel_rms, 2 / sqrt(w2), 1e-9, "stress relative rms: the volume cancels");
    c.cell = NULL, c.pbc = NULL;
    o.scale = MTP_FIT_MOLECULES;
    mtp_fit_stats(&pot, &c, 1, &o, &st, &err);
    is_rel(st.loss, 0.25 + 0.01 * (n0 * n0 + n1 * n1) + 0.001 * 4, 1e-9, "molecules weighting");
    o.scale = MTP_FIT_STRUCTURES;
    mtp_fit_stats(&pot, &c, 1, &o, &st, &err);
    is_rel(st.loss, 0.25 / 4 + 0.01 / 2 * (n0 * n0 + n1 * n1) + 0.001 * 4 / 4, 1e-9,
           "structures weighting");
    /* MLIP's --scale-by-force s: atom i's force weight times s / (|F_i label|^2 + s) */
    double s = 2, q0 = s / (fl[0] * fl[0] + fl[1] * fl[1] + fl[2] * fl[2] + s),
           q1 = s / (fl[3] * fl[3] + fl[4] * fl[4] + fl[5] * fl[5] + s);
    o.force_scale = s;
    mtp_fit_stats(&pot, &c, 1, &o, &st, &err);
    is_rel(st.loss, 0.25 / 4 + 0.01 / 2 * (q0 * n0 * n0 + q1 * n1 * n1) + 0.001 * 4 / 4, 1e-9,
           "structures weighting, force_scale 2 (factors %.3g, %.3g)", q0, q1);
    is_rel(st.f_rms, sqrt((n0 * n0 + n1 * n1) / 6), 1e-9, "the errors do not change");
    o.scale = MTP_FIT_VIBRATIONS;
    mtp_fit_stats(&pot, &c, 1, &o, &st, &err);
    is_rel(st.loss, 0.25 / 2 + 0.01 * (q0 * n0 * n0 + q1 * n1 * n1) + 0.001 * 4 / 2, 1e-9,
           "vibrations weighting, force_scale 2");
    o.force_scale = 0;

    /* error paths of mtp_fit_check */
    mtp_fit_opts_default(&o);
    double dmin;
    struct mtp_fit_conf b = c;
    ok(mtp_fit_check(&pot, &c, 0, &o, &dmin, &err) == CORE_EINPUT, "no configurations");
    int bad[2] = {0, 2};
    b.type = bad;
    ok(mtp_fit_check(&pot, &b, 1, &o, &dmin, &err) == CORE_EINPUT &&
           strstr(err.msg, "configuration 1: atom 2 has type 2"),
       "type out of range: %s", err.msg);
    b = c, b.has_energy = 0;
    ok(mtp_fit_check(&pot, &b, 1, &o, &dmin, &err) == CORE_EINPUT && strstr(err.msg, "no energy"),
       "missing energy: %s", err.msg);
    b = c, b.forces = NULL;
    ok(mtp_fit_check(&pot, &b, 1, &o, &dmin, &err) == CORE_EINPUT && strstr(err.msg, "no force"),
       "missing forces: %s", err.msg);
    o.wforce = 0;
    ok(mtp_fit_check(&pot, &b, 1, &o, &dmin, &err) == 0, "forces not needed with weight 0");
    mtp_fit_opts_default(&o);
    b = c, b.energy = NAN;
    ok(mtp_fit_check(&pot, &b, 1, &o, &dmin, &err) == CORE_EINPUT &&
           strstr(err.msg, "energy is not finite"),
       "NaN energy: %s", err.msg);
    double fnan[6];
    memcpy(fnan, fl, sizeof fnan);
    fnan[4] = INFINITY;
    b = c, b.forces = fnan;
    ok(mtp_fit_check(&pot, &b, 1, &o, &dmin, &err) == CORE_EINPUT &&
           strstr(err.msg, "atom 2: force is not finite"),
       "Inf force: %s", err.msg);
    b = c, b.virial[3] = NAN;
    ok(mtp_fit_check(&pot, &b, 1, &o, &dmin, &err) == CORE_EINPUT &&
           strstr(err.msg, "virial is not finite"),
       "NaN virial: %s", err.msg);
    b = c, b.natoms = 0;
    ok(mtp_fit_check(&pot, &b, 1, &o, &dmin, &err) == CORE_EINPUT && strstr(err.msg, "no atoms"),
       "empty configuration: %s", err.msg);
    pot.rmin = 1.3;
    ok(mtp_fit_check(&pot, &c, 1, &o, &dmin, &err) == CORE_EINPUT &&
           strstr(err.msg, "rmin 1.3 Angstrom exceeds the smallest interatomic distance 1.2"),
       "rmin above the data: %s", err.msg);
    is_rel(dmin, sqrt(1.21 + 0.16 + 0.09), 1e-12, "reports the smallest distance");
    pot.rmin = 0.5;
    double far[6] = {0, 0, 0, 5, 0, 0};
    b = c, b.pos = far;
    ok(mtp_fit_check(&pot, &b, 1, &o, &dmin, &err) == CORE_EINPUT &&
           strstr(err.msg, "no two atoms closer than rcut"),
       "rcut below every distance: %s", err.msg);
    o.maxiter = 2;
    ok(mtp_fit_run(&pot, &b, 1, &o, NULL, NULL, &err) == CORE_EINPUT, "run checks too");
    mtp_pot_release(&pot);
}

/*
 * The sums do not depend on the thread count: NMANY configurations (the 6 repeated; three
 * batches of 64 normal equations, the last one partial) give the same bits with 1, 2 and 3
 * threads, for the normal equations and for a whole fit.
 */
static void
test_threads(void)
{
    struct mtp_pot pot, f1, f3;
    struct mtp_fit_opts o;
    struct core_err err = {0};
    struct data *d = calloc(1, sizeof *d);
    struct mtp_fit_conf many[NMANY];
    mtp_pot_init(&pot);
    mtp_pot_init(&f1);
    mtp_pot_init(&f3);
    mtp_fit_opts_default(&o);
    random_pot(&pot, 8);
    make_data(d, &pot);
    for (int i = 0; i < NMANY; i++)
        many[i] = d->conf[i % NCONF];
    { /* the linear solve over several batches recovers the labelling coefficients */
        struct mtp_pot lin;
        mtp_pot_init(&lin);
        mtp_pot_copy(&lin, &pot, &err);
        memset(lin.species_coeffs, 0, lin.nspecies * sizeof(double));
        memset(lin.moment_coeffs, 0, lin.nscalar * sizeof(double));
        ok(mtp_fit_linear(&lin, many, NMANY, &o, &err) == 0, "linear solve, %d: %s", NMANY,
           err.msg);
        double worst = 0;
        for (size_t i = 0; i < lin.nscalar; i++)
            worst = fmax(worst, fabs(lin.moment_coeffs[i] - pot.moment_coeffs[i]) /
                                    fabs(pot.moment_coeffs[i]));
        ok(worst < 1e-4, "%d configurations: linear solve recovers the coefficients (%.2e)", NMANY,
           worst);
        mtp_pot_release(&lin);
    }
    for (size_t i = 0; i < pot.nspecies * pot.nspecies * pot.nrad * pot.nrb; i++)
        pot.radial[i] += 0.03 * (urand() - 0.5);
    size_t np = mtp_pot_nparams(&pot);
    double *A[3], *g[3], l[3];
    for (int t = 0; t < 3; t++) {
        A[t] = calloc(np * np, sizeof(double)), g[t] = calloc(np, sizeof(double));
        omp_set_num_threads(t + 1);
        ok(mtp_fit_normal(&pot, many, NMANY, &o, A[t], g[t], &l[t], &err) == 0, "%d threads: %s",
           t + 1, err.msg);
    }
    /* the batched sums against one configuration at a time: A(NMANY) = sum_i A(conf i) / NMANY */
    double *Ai = calloc(np * np, sizeof(double)), *gi = calloc(np, sizeof(double)), li, dA = 0,
           mA = 0, dg = 0, mg = 0, ls = 0;
    double *As = calloc(np * np, sizeof(double)), *gs = calloc(np, sizeof(double));
    int bad = 0;
    for (int i = 0; i < NMANY; i++) {
        bad |= mtp_fit_normal(&pot, &many[i], 1, &o, Ai, gi, &li, &err);
        for (size_t k = 0; k < np * np; k++)
            As[k] += Ai[k] / NMANY;
        for (size_t k = 0; k < np; k++)
            gs[k] += gi[k] / NMANY;
        ls += li / NMANY;
    }
    for (size_t k = 0; k < np * np; k++)
        dA = fmax(dA, fabs(As[k] - A[0][k])), mA = fmax(mA, fabs(As[k]));
    for (size_t k = 0; k < np; k++)
        dg = fmax(dg, fabs(gs[k] - g[0][k])), mg = fmax(mg, fabs(gs[k]));
    ok(!bad && dA <= 1e-12 * mA && dg <= 1e-12 * mg,
       "%d configurations: A and grad are the sums of the "
       "single ones (%.2e, %.2e)",
       NMANY, dA / mA, dg / mg);
    is_rel(l[0], ls, 1e-12, "and the loss");
    free(Ai), free(gi), free(As), free(gs);
    for (int t = 1; t < 3; t++)
        ok(memcmp(A[0], A[t], np * np * sizeof(double)) == 0 &&
               memcmp(g[0], g[t], np * sizeof(double)) == 0 && l[0] == l[t],
           "normal equations with %d threads: the same bits as with 1", t + 1);
    o.maxiter = 3;
    mtp_pot_copy(&f1, &pot, &err);
    mtp_pot_copy(&f3, &pot, &err);
    omp_set_num_threads(1);
    ok(mtp_fit_run(&f1, many, NMANY, &o, NULL, NULL, &err) == 0, "fit, 1 thread: %s", err.msg);
    omp_set_num_threads(3);
    ok(mtp_fit_run(&f3, many, NMANY, &o, NULL, NULL, &err) == 0, "fit, 3 threads: %s", err.msg);
    size_t nr = pot.nspecies * pot.nspecies * pot.nrad * pot.nrb;
    ok(memcmp(f1.radial, f3.radial, nr * sizeof(double)) == 0 &&
           memcmp(f1.moment_coeffs, f3.moment_coeffs, pot.nscalar * sizeof(double)) == 0 &&
           memcmp(f1.species_coeffs, f3.species_coeffs, pot.nspecies * sizeof(double)) == 0,
       "a fit with 3 threads: the same bits as with 1");
    for (int t = 0; t < 3; t++)
        free(A[t]), free(g[t]);
    mtp_pot_release(&pot);
    mtp_pot_release(&f1);
    mtp_pot_release(&f3);
    free(d);
}

/* mtp_fit_split: sizes, disjoint and covering, ascending, deterministic, uniform; errors. */
static void
test_split(void)
{
    struct core_err err = {0};
    size_t idx[1000], idx2[1000], nh = 99;

    static const struct {
        size_t n;
        double f;
        size_t nh;
    } cases[] = {{300, 0.1, 30},      {7, 0.25, 2}, {3, 0.01, 1}, {2, 0.5, 1},
                 {1000, 0.3337, 334}, {5, 0, 0},    {9, 0.5, 5}};

    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t n = cases[c].n;
        int rc = mtp_fit_split(n, cases[c].f, 4242 + c, idx, &nh, &err);
        ok(rc == 0 && nh == cases[c].nh, "split %zu by %g: %zu held out (%zu expected) %s", n,
           cases[c].f, nh, cases[c].nh, err.msg);
        unsigned char seen[1000] = {0};
        int good = 1;
        for (size_t i = 0; i < n; i++) {
            good &= idx[i] < n && !seen[idx[i]];
            if (idx[i] < n)
                seen[idx[i]] = 1;
            if (i > 0 && i != n - nh)
                good &= idx[i] > idx[i - 1];
        }
        ok(good, "split %zu: a permutation, each part ascending (so disjoint)", n);
        mtp_fit_split(n, cases[c].f, 4242 + c, idx2, &nh, &err);
        ok(memcmp(idx, idx2, n * sizeof *idx) == 0, "split %zu: the same for the same seed", n);
    }
    mtp_fit_split(300, 0.1, 1, idx, &nh, &err);
    mtp_fit_split(300, 0.1, 2, idx2, &nh, &err);
    ok(memcmp(idx + 270, idx2 + 270, 30 * sizeof *idx) != 0, "another seed, another choice");
    /* every configuration equally likely: 10 of 40 held out, 4000 seeds, each count 1000 +- 27 */
    int count[40] = {0}, worst = 0;
    for (unsigned s = 0; s < 4000; s++) {
        mtp_fit_split(40, 0.25, s, idx, &nh, &err);
        for (size_t i = 30; i < 40; i++)
            count[idx[i]]++;
    }
    for (int i = 0; i < 40; i++)
        worst = abs(count[i] - 1000) > worst ? abs(count[i] - 1000) : worst;
    ok(worst < 5 * 27, "uniform choice: the largest deviation of 40 counts from 1000 is %d", worst);
    ok(mtp_fit_split(10, 0.51, 1, idx, &nh, &err) == CORE_EINPUT &&
           strstr(err.msg, "hold-out fraction 0.51 is not in [0, 0.5]"),
       "fraction above 0.5: %s", err.msg);
    ok(mtp_fit_split(10, -1e-9, 1, idx, &nh, &err) == CORE_EINPUT, "negative fraction: %s",
       err.msg);
    ok(mtp_fit_split(10, NAN, 1, idx, &nh, &err) == CORE_EINPUT, "NaN fraction: %s", err.msg);
    ok(mtp_fit_split(1, 0.5, 1, idx, &nh, &err) == CORE_EINPUT &&
           strstr(err.msg, "holding out 1 of 1 configurations leaves none to fit"),
       "nothing left to fit: %s", err.msg);
    ok(mtp_fit_split(1, 0.01, 1, idx, &nh, &err) == CORE_EINPUT, "one configuration, any hold-out");
    ok(mtp_fit_split(0, 0, 1, idx, &nh, &err) == CORE_EINPUT, "no configurations");
}

/* The index of the smallest of l[1 .. n] (0 and *lmin INFINITY when n < 1). */
static int
argmin_from1(const double *l, int n, double *lmin)
{
    int arg = 0;
    *lmin = INFINITY;
    for (int i = 1; i <= n; i++)
        if (l[i] < *lmin)
            *lmin = l[i], arg = i;
    return arg;
}

/* The start (from 0) of the lowest loss among r[0 .. n-1]: best_loss (held-out or
 * cross-validation) when by_best, else the training loss; ties to the lower start. */
static int
start_argmin(const struct mtp_fit_result *r, int n, int by_best)
{
    int arg = 0;
    for (int s = 1; s < n; s++)
        if ((by_best ? r[s].best_loss : r[s].loss) < (by_best ? r[arg].best_loss : r[arg].loss))
            arg = s;
    return arg;
}

/* Noise on the labels of d: they are then no potential's, and a fit can overfit them. */
static void
add_noise(struct data *d)
{
    for (int c = 0; c < NCONF; c++) {
        for (int k = 0; k < 3 * NAT; k++)
            d->forces[c][k] += 0.8 * (urand() - 0.5);
        d->conf[c].energy += 0.5 * (urand() - 0.5);
    }
}

/* Held-out losses seen by the progress callback, iteration by iteration. */
struct trace {
    const struct mtp_pot *pot;
    const struct mtp_fit_conf *hold;
    size_t nhold;
    const struct mtp_fit_opts *o;
    double l[200];
    int n, same; /* iterations whose reported held-out loss was st.loss to the bit */
};

static int
trace_cb(void *ctx, int iter, double loss, double hold_loss)
{
    struct trace *t = ctx;
    struct mtp_fit_stats st;
    struct core_err err = {0};
    (void)loss;
    if (iter < 200 && !mtp_fit_stats(t->pot, t->hold, t->nhold, t->o, &st, &err)) {
        t->l[iter] = st.loss, t->n = iter;
        t->same += st.loss == hold_loss;
    }
    return 0;
}

static int
same_coeffs(const struct mtp_pot *a, const struct mtp_pot *b)
{
    size_t nr = a->nspecies * a->nspecies * a->nrad * a->nrb;
    return memcmp(a->radial, b->radial, nr * sizeof(double)) == 0 &&
           memcmp(a->moment_coeffs, b->moment_coeffs, a->nscalar * sizeof(double)) == 0 &&
           memcmp(a->species_coeffs, b->species_coeffs, a->nspecies * sizeof(double)) == 0 &&
           a->scaling == b->scaling;
}

/* The configurations of hold[nh] inside the coverage of fit[nf] (dmin_ratio >= 1) into in. */
static size_t
inside_of(const struct mtp_pot *pot, const struct mtp_fit_conf *fit, size_t nf,
          const struct mtp_fit_conf *hold, size_t nh, struct mtp_fit_conf *in)
{
    struct core_err err = {0};
    struct mtp_fit_extrap ex[4];
    double ratio[NCONF];
    size_t n = 0;
    if (nh > NCONF || mtp_fit_extrapolation(pot, fit, nf, hold, nh, ex, ratio, NULL, &err))
        return 0;
    for (size_t i = 0; i < nh; i++)
        if (ratio[i] >= 1)
            in[n++] = hold[i];
    return n;
}

/*
 * Early stopping: a level-10 potential overfits 4 configurations with noisy labels; 2 are held
 * out. The potential returned has exactly the best held-out loss of all iterations, the fit
 * stops patience iterations after it, and gives the same bits on 1 and 3 threads.
 */
static void
test_holdout(void)
{
    struct mtp_pot pot, f1, f3;
    struct mtp_fit_opts o;
    struct mtp_fit_result r1, r3;
    struct core_err err = {0};
    struct data *d = calloc(1, sizeof *d);
    mtp_pot_init(&pot);
    mtp_pot_init(&f1);
    mtp_pot_init(&f3);
    mtp_fit_opts_default(&o);
    random_pot(&pot, 8);
    make_data(d, &pot);
    add_noise(d);
    const struct mtp_fit_conf *hold = d->conf + 4;
    ok(mtp_pot_generate(&f1, 10, 2, 6, 0.8, 4.1, &err) == 0, "generate level 10: %s", err.msg);
    mtp_pot_copy(&f3, &f1, &err);
    o.maxiter = 150;
    o.tol = 0;
    o.patience = 6;
    o.judge_all = 1; /* the mechanics, both held-out configurations judging; the rule below */
    struct trace tr = {.pot = &f1, .hold = hold, .nhold = 2, .o = &o};
    omp_set_num_threads(1);
    ok(mtp_fit_run_holdout(&f1, d->conf, 4, hold, 2, &o, trace_cb, &tr, &r1, &err) == 0,
       "fit with a held-out set: %s", err.msg);
    double lmin;
    int argmin = argmin_from1(tr.l, tr.n, &lmin);
    ok(tr.n == r1.niter && r1.niter >= 1, "%d iterations traced", r1.niter);
    ok(tr.same == tr.n, "the held-out loss passed to progress is mtp_fit_stats' (%d of %d)",
       tr.same, tr.n);
    ok(r1.best_iter == 0 ? r1.best_loss <= lmin : (r1.best_iter == argmin && r1.best_loss == lmin),
       "best held-out loss %.9g at iteration %d (trace: %.9g at %d)", r1.best_loss, r1.best_iter,
       lmin, argmin);
    ok(r1.stopped && r1.niter == r1.best_iter + o.patience && r1.niter < o.maxiter,
       "the patience ran out %d iterations after the best (%d of at most %d)", o.patience, r1.niter,
       o.maxiter);
    ok(r1.best_iter >= 1 && tr.l[tr.n] > r1.best_loss, "the held-out loss rose after the best");
    struct mtp_fit_stats st;
    int rc = mtp_fit_stats(&f1, hold, 2, &o, &st, &err);
    ok(rc == 0 && st.loss == r1.best_loss,
       "the potential returned has the best held-out loss, to the bit (%.17g)", st.loss);
    rc = mtp_fit_stats(&f1, d->conf, 4, &o, &st, &err);
    ok(rc == 0 && st.loss == r1.loss, "and the training loss reported (%.17g)", st.loss);
    omp_set_num_threads(3);
    ok(mtp_fit_run_holdout(&f3, d->conf, 4, hold, 2, &o, NULL, NULL, &r3, &err) == 0,
       "3 threads: %s", err.msg);
    size_t nr = f1.nspecies * f1.nspecies * f1.nrad * f1.nrb;
    ok(memcmp(f1.radial, f3.radial, nr * sizeof(double)) == 0 &&
           memcmp(f1.moment_coeffs, f3.moment_coeffs, f1.nscalar * sizeof(double)) == 0 &&
           memcmp(f1.species_coeffs, f3.species_coeffs, f1.nspecies * sizeof(double)) == 0 &&
           r1.best_iter == r3.best_iter && r1.best_loss == r3.best_loss && r1.niter == r3.niter,
       "early stopping with 3 threads: the same bits as with 1");
    omp_set_num_threads(1);

    /* without a held-out set: mtp_fit_run's result */
    mtp_pot_release(&f3);
    mtp_pot_init(&f3);
    ok(mtp_pot_generate(&f3, 6, 2, 6, 0.8, 4.1, &err) == 0, "generate level 6");
    mtp_pot_copy(&f1, &f3, &err);
    o.maxiter = 5;
    ok(mtp_fit_run(&f1, d->conf, 4, &o, NULL, NULL, &err) == 0 &&
           mtp_fit_run_holdout(&f3, d->conf, 4, NULL, 7, &o, NULL, NULL, &r3, &err) == 0,
       "fits without a held-out set: %s", err.msg);
    ok(memcmp(f1.moment_coeffs, f3.moment_coeffs, f1.nscalar * sizeof(double)) == 0 &&
           r3.niter == 5 && r3.best_iter == 5 && r3.best_loss == 0 && !r3.stopped,
       "no hold-out: mtp_fit_run, every iteration kept");

    /*
     * The default: only the held-out configurations inside the fitted ones' coverage judge, so
     * the fit is the one judged by those alone, to the bit.
     */
    struct mtp_fit_conf in[NCONF];
    size_t nin = inside_of(&f3, d->conf, 4, hold, 2, in);
    ok(nin == 1, "one of the two held-out configurations inside the coverage (%zu)", nin);
    o.maxiter = 40, o.patience = 6;
    mtp_pot_copy(&f1, &f3, &err);
    o.judge_all = 0;
    rc = mtp_fit_run_holdout(&f1, d->conf, 4, hold, 2, &o, NULL, NULL, &r1, &err);
    ok(rc == 0 && r1.judged == nin, "judged by those inside: %zu", r1.judged);
    o.judge_all = 1;
    rc = mtp_fit_run_holdout(&f3, d->conf, 4, in, nin, &o, NULL, NULL, &r3, &err);
    ok(rc == 0 && same_coeffs(&f1, &f3) && r1.best_iter == r3.best_iter &&
           r1.best_loss == r3.best_loss && r1.niter == r3.niter && r3.judged == nin,
       "the same bits as the fit held out by them alone (best iteration %d of %d)", r1.best_iter,
       r1.niter);
    o.judge_all = 0;
    struct mtp_fit_conf out[2];
    size_t nout = 0;
    for (int c = 0; c < 2; c++)
        if (inside_of(&f3, d->conf, 4, hold + c, 1, in) == 0)
            out[nout++] = hold[c];
    ok(nout == 1 &&
           mtp_fit_run_holdout(&f3, d->conf, 4, out, nout, &o, NULL, NULL, &r3, &err) ==
               CORE_EINPUT &&
           strstr(err.msg, "no held-out configuration (of 1) lies inside") &&
           strstr(err.msg, "--holdout-all"),
       "none inside: %s", err.msg);

    /* error paths */
    o.patience = 0;
    ok(mtp_fit_run_holdout(&f3, d->conf, 4, hold, 2, &o, NULL, NULL, NULL, &err) == CORE_EINPUT &&
           strstr(err.msg, "patience 0 is not >= 1"),
       "patience 0: %s", err.msg);
    o.patience = 3;
    struct mtp_fit_conf bad = hold[1];
    int badtype[NAT];
    memcpy(badtype, bad.type, sizeof badtype);
    badtype[5] = 7;
    bad.type = badtype;
    ok(mtp_fit_run_holdout(&f3, d->conf, 4, &bad, 1, &o, NULL, NULL, NULL, &err) == CORE_EINPUT &&
           strstr(err.msg, "held-out set: configuration 1: atom 6 has type 7"),
       "a held-out configuration is checked: %s", err.msg);
    bad = hold[0], bad.energy = INFINITY;
    ok(mtp_fit_run_holdout(&f3, d->conf, 4, &bad, 1, &o, NULL, NULL, NULL, &err) == CORE_EINPUT &&
           strstr(err.msg, "held-out set: configuration 1: energy is not finite"),
       "Inf held-out energy: %s", err.msg);
    mtp_pot_release(&pot);
    mtp_pot_release(&f1);
    mtp_pot_release(&f3);
    free(d);
}

/* What the start callback of mtp_fit_run_starts saw. */
struct starts_seen {
    int before, after, order_ok;
    double l[8];
};

static void
start_seen(void *ctx, int start, const struct mtp_fit_result *r)
{
    struct starts_seen *t = ctx;
    if (!r)
        t->order_ok &= start == t->before++;
    else if (start < 8)
        t->order_ok &= start == t->after++, t->l[start] = r->best_loss;
}

/*
 * Multi-start: the initial radial coefficients of each start (start 0 the default, others random
 * and keyed by seed and start), the potential kept is the start with the lowest held-out loss and
 * has that loss to the bit, one start is mtp_fit_run_holdout, the same bits for 1 and 3 threads
 * and for a repeated seed, another seed another result, and the error paths.
 */
static void
test_starts(void)
{
    struct mtp_pot pot, gen, a, b;
    struct mtp_fit_opts o;
    struct mtp_fit_result r[4], r1[4], rs;
    struct core_err err = {0};
    struct data *d = calloc(1, sizeof *d);
    int best = -1, best1 = -1;
    mtp_pot_init(&pot), mtp_pot_init(&gen), mtp_pot_init(&a), mtp_pot_init(&b);
    mtp_fit_opts_default(&o);
    random_pot(&pot, 8);
    make_data(d, &pot);
    for (int c = 0; c < NCONF; c++) {
        for (int k = 0; k < 3 * NAT; k++)
            d->forces[c][k] += 0.6 * (urand() - 0.5);
        d->conf[c].energy += 0.3 * (urand() - 0.5);
    }
    const struct mtp_fit_conf *hold = d->conf + 4;
    ok(mtp_pot_generate(&gen, 8, 2, 6, 0.8, 4.1, &err) == 0, "generate level 8: %s", err.msg);
    size_t nr = gen.nspecies * gen.nspecies * gen.nrad * gen.nrb;

    /* initial radial coefficients */
    mtp_pot_copy(&a, &gen, &err);
    mtp_pot_copy(&b, &gen, &err);
    ok(mtp_fit_radial_init(&a, d->conf, 4, 77, 0, &err) == 0 && a.has_radial,
       "start 0 initialised: %s", err.msg);
    int pattern = 1;
    for (size_t pr = 0; pr < 4; pr++)
        for (size_t mu = 0; mu < a.nrad; mu++)
            for (size_t k = 0; k < a.nrb; k++)
                pattern &= a.radial[(pr * a.nrad + mu) * a.nrb + k] ==
                           (k == (mu < a.nrb - 1 ? mu : a.nrb - 1) ? 1 : 1e-3);
    ok(pattern && a.scaling > 0 && isfinite(a.scaling),
       "start 0: f_mu = Q_mu (1 and 1e-3), scaling %g", a.scaling);
    ok(mtp_fit_radial_init(&a, d->conf, 4, 77, 2, &err) == 0 &&
           mtp_fit_radial_init(&b, d->conf, 4, 77, 2, &err) == 0 && same_coeffs(&a, &b),
       "start 2, seed 77: the same coefficients twice");
    int range = 1, ndiff = 0;
    for (size_t pr = 0; pr < 4; pr++)
        for (size_t mu = 0; mu < a.nrad; mu++)
            for (size_t k = 0; k < a.nrb; k++) {
                double c = a.radial[(pr * a.nrad + mu) * a.nrb + k];
                range &= k == (mu < a.nrb - 1 ? mu : a.nrb - 1) ? c >= 0 && c < 2 : fabs(c) < 5;
            }
    ok(range, "random start: diagonal in [0, 2), the rest in (-5, 5)");
    mtp_fit_radial_init(&b, d->conf, 4, 77, 3, &err);
    for (size_t i = 0; i < nr; i++)
        ndiff += a.radial[i] != b.radial[i];
    ok(ndiff == (int)nr, "start 3 differs from start 2 everywhere (%d of %zu)", ndiff, nr);
    mtp_fit_radial_init(&b, d->conf, 4, 78, 2, &err);
    ok(memcmp(a.radial, b.radial, nr * sizeof(double)) != 0, "seed 78 differs from seed 77");
    ok(mtp_fit_radial_init(&b, d->conf, 4, 78, 1, &err) == 0 && a.scaling == b.scaling,
       "the scaling depends on the set, not the pattern");

    /* four starts with a held-out set */
    o.maxiter = 40, o.tol = 0, o.patience = 5;
    struct starts_seen seen = {.order_ok = 1};
    omp_set_num_threads(1);
    mtp_pot_copy(&a, &gen, &err);
    ok(mtp_fit_run_starts(&a, d->conf, 4, hold, 2, 0, &o, 4, 123, NULL, start_seen, &seen, r, &best,
                          &err) == 0,
       "4 starts: %s", err.msg);
    ok(seen.before == 4 && seen.after == 4 && seen.order_ok,
       "the start callback ran before and after each start, in order");
    int argmin = 0, distinct = 1;
    for (int s = 1; s < 4; s++) {
        if (r[s].best_loss < r[argmin].best_loss)
            argmin = s;
        for (int q = 0; q < s; q++)
            distinct &= r[s].best_loss != r[q].best_loss;
    }
    ok(distinct, "the starts reach different held-out losses: %.6g %.6g %.6g %.6g", r[0].best_loss,
       r[1].best_loss, r[2].best_loss, r[3].best_loss);
    ok(best == argmin, "start %d kept, the lowest held-out loss (%d)", best, argmin);
    struct mtp_fit_stats st;
    struct mtp_fit_conf in[NCONF]; /* the held-out configurations that judge */
    size_t nin = inside_of(&gen, d->conf, 4, hold, 2, in);
    int rc = mtp_fit_stats(&a, in, nin, &o, &st, &err);
    ok(rc == 0 && nin >= 1 && r[best].judged == nin && st.loss == r[best].best_loss &&
           seen.l[best] == st.loss,
       "the potential written has that held-out loss over the %zu inside, to the bit (%.17g)", nin,
       st.loss);
    /* start 0 is the single-start fit */
    mtp_pot_copy(&b, &gen, &err);
    ok(mtp_fit_run_holdout(&b, d->conf, 4, hold, 2, &o, NULL, NULL, &rs, &err) == 0 &&
           rs.best_loss == r[0].best_loss && rs.best_iter == r[0].best_iter,
       "start 0 is mtp_fit_run_holdout from the default start");
    mtp_pot_copy(&pot, &gen, &err);
    ok(mtp_fit_run_starts(&pot, d->conf, 4, hold, 2, 0, &o, 1, 123, NULL, NULL, NULL, r1, &best1,
                          &err) == 0 &&
           best1 == 0 && same_coeffs(&pot, &b),
       "one start: the same bits as mtp_fit_run_holdout");
    /* determinism */
    omp_set_num_threads(3);
    mtp_pot_copy(&b, &gen, &err);
    ok(mtp_fit_run_starts(&b, d->conf, 4, hold, 2, 0, &o, 4, 123, NULL, NULL, NULL, r1, &best1,
                          &err) == 0 &&
           best1 == best && same_coeffs(&a, &b) && r1[3].best_loss == r[3].best_loss,
       "3 threads: the same bits as 1 thread");
    omp_set_num_threads(1);
    mtp_pot_copy(&b, &gen, &err);
    ok(mtp_fit_run_starts(&b, d->conf, 4, hold, 2, 0, &o, 4, 124, NULL, NULL, NULL, r1, &best1,
                          &err) == 0 &&
           r1[0].best_loss == r[0].best_loss && r1[1].best_loss != r[1].best_loss,
       "seed 124: start 0 the same, the random starts not");
    /* without a held-out set: the lowest training loss */
    o.maxiter = 8;
    mtp_pot_copy(&b, &gen, &err);
    ok(mtp_fit_run_starts(&b, d->conf, 4, NULL, 0, 0, &o, 3, 9, NULL, NULL, NULL, r1, &best1,
                          &err) == 0,
       "3 starts without a held-out set: %s", err.msg);
    argmin = start_argmin(r1, 3, 0);
    rc = mtp_fit_stats(&b, d->conf, 4, &o, &st, &err);
    ok(best1 == argmin && rc == 0 && st.loss == r1[best1].loss,
       "no hold-out: start %d kept, its training loss %.9g", best1, st.loss);

    /* with cross-validation: each start on the same folds, the lowest cross-validation loss */
    o.maxiter = 20, o.judge_all = 1;
    mtp_pot_copy(&b, &gen, &err);
    ok(mtp_fit_run_starts(&b, d->conf, NCONF, NULL, 0, 3, &o, 3, 11, NULL, NULL, NULL, r1, &best1,
                          &err) == 0,
       "3 starts with 3-fold cross-validation: %s", err.msg);
    argmin = start_argmin(r1, 3, 1);
    ok(best1 == argmin && r1[0].best_loss != r1[1].best_loss,
       "start %d kept, the lowest cross-validation loss (%.9g %.9g %.9g)", best1, r1[0].best_loss,
       r1[1].best_loss, r1[2].best_loss);
    /* each start is mtp_fit_run_cv from its own initial coefficients */
    struct mtp_fit_result rcv;
    mtp_pot_copy(&pot, &gen, &err);
    if (best1 > 0)
        mtp_fit_radial_init(&pot, d->conf, NCONF, 11, best1, &err);
    ok(mtp_fit_run_cv(&pot, d->conf, NCONF, 3, 11, &o, NULL, NULL, &rcv, &err) == 0 &&
           same_coeffs(&pot, &b) && rcv.best_loss == r1[best1].best_loss &&
           rcv.best_iter == r1[best1].best_iter,
       "the potential kept is mtp_fit_run_cv's from start %d, to the bit", best1);
    ok(mtp_fit_run_starts(&b, d->conf, 4, hold, 2, 3, &o, 2, 1, NULL, NULL, NULL, r1, &best1,
                          &err) == CORE_EINPUT &&
           strstr(err.msg, "one way to choose the count"),
       "cross-validation and a held-out set: %s", err.msg);
    o.judge_all = 0;

    /* errors */
    mtp_pot_copy(&b, &gen, &err);
    ok(mtp_fit_run_starts(&b, d->conf, 4, hold, 2, 0, &o, 0, 1, NULL, NULL, NULL, r1, &best1,
                          &err) == CORE_EINPUT &&
           strstr(err.msg, "number of starts 0 is not >= 1"),
       "0 starts: %s", err.msg);
    ok(mtp_fit_run_starts(&b, d->conf, 4, hold, 2, 0, &o, -3, 1, NULL, NULL, NULL, r1, &best1,
                          &err) == CORE_EINPUT,
       "-3 starts: %s", err.msg);
    ok(mtp_fit_run_starts(&a, d->conf, 4, hold, 2, 0, &o, 2, 1, NULL, NULL, NULL, r1, &best1,
                          &err) == CORE_EINPUT &&
           strstr(err.msg, "2 starts need a potential without radial coefficients"),
       "a trained potential: %s", err.msg);
    struct mtp_fit_conf bad = hold[1];
    int badtype[NAT];
    memcpy(badtype, bad.type, sizeof badtype);
    badtype[2] = 9;
    bad.type = badtype;
    ok(mtp_fit_run_starts(&b, d->conf, 4, &bad, 1, 0, &o, 2, 1, NULL, NULL, NULL, r1, &best1,
                          &err) == CORE_EINPUT &&
           strstr(err.msg, "start 1: held-out set: configuration 1: atom 3 has type 9") &&
           !b.has_radial && !b.has_linear,
       "an error names the start and leaves the potential as it was: %s", err.msg);
    mtp_pot_release(&pot), mtp_pot_release(&gen), mtp_pot_release(&a), mtp_pot_release(&b);
    free(d);
}

/* The cross-validation losses the progress callback saw, and the whole-set iterations. */
struct cv_trace {
    double cv[200];
    int n, whole, order_ok;
};

static int
cv_cb(void *ctx, int iter, double loss, double hold_loss)
{
    struct cv_trace *t = ctx;
    (void)loss;
    if (isnan(hold_loss)) { /* the whole-set fit comes after every fold iteration */
        t->order_ok &= iter == t->whole + 1;
        t->whole = iter;
    } else if (iter < 200) {
        t->order_ok &= iter == t->n + 1 && t->whole == 0;
        t->cv[iter] = hold_loss, t->n = iter;
    }
    return 0;
}

/* The last held-out loss of a mtp_fit_run_holdout. */
static int
last_cb(void *ctx, int iter, double loss, double hold_loss)
{
    (void)iter, (void)loss;
    *(double *)ctx = hold_loss;
    return 0;
}

/* Fold k's parts of the set: fit (every other fold) and hold (its own), in order. */
static void
fold_parts(const struct data *d, const int *fold, int k, struct mtp_fit_conf *fit, size_t *nf,
           struct mtp_fit_conf *hold, size_t *nh)
{
    *nf = *nh = 0;
    for (int i = 0; i < NCONF; i++) {
        if (fold[i] == k)
            hold[(*nh)++] = d->conf[i];
        else
            fit[(*nf)++] = d->conf[i];
    }
}

/*
 * Cross-validation: folds of equal size from a seed; the loss of each iteration is the
 * held-out loss of each fold's own fit (rebuilt here from mtp_fit_run_holdout on the fold's
 * parts), weighted by fold size; the count with the lowest is chosen, the folds stop patience
 * iterations after it, and the whole set is fitted for that count from the same start (the
 * radial coefficients of mtp_fit_run for that count). The same bits on 1 and 3 threads.
 */
static void
test_cv(void)
{
    struct core_err err = {0};
    int fold[10], fold2[10], n[3] = {0};
    ok(mtp_fit_folds(10, 3, 5, fold, &err) == 0, "10 configurations in 3 folds: %s", err.msg);
    for (int i = 0; i < 10; i++)
        n[fold[i] >= 0 && fold[i] < 3 ? fold[i] : 0] += fold[i] >= 0 && fold[i] < 3 ? 1 : 100;
    ok(n[0] == 4 && n[1] == 3 && n[2] == 3, "fold sizes 4 3 3 (%d %d %d)", n[0], n[1], n[2]);
    mtp_fit_folds(10, 3, 5, fold2, &err);
    ok(memcmp(fold, fold2, sizeof fold) == 0, "the same seed, the same folds");
    mtp_fit_folds(10, 3, 6, fold2, &err);
    ok(memcmp(fold, fold2, sizeof fold) != 0, "another seed, other folds");
    ok(mtp_fit_folds(10, 1, 5, fold, &err) == CORE_EINPUT && strstr(err.msg, "need 2 to 10"),
       "one fold: %s", err.msg);
    ok(mtp_fit_folds(3, 4, 5, fold, &err) == CORE_EINPUT, "more folds than configurations");

    struct mtp_pot pot, cv1, cv3, ref;
    struct mtp_fit_opts o;
    struct mtp_fit_result r1, r3;
    struct data *d = calloc(1, sizeof *d);
    mtp_pot_init(&pot), mtp_pot_init(&cv1), mtp_pot_init(&cv3), mtp_pot_init(&ref);
    mtp_fit_opts_default(&o);
    random_pot(&pot, 8);
    make_data(d, &pot);
    add_noise(d);
    ok(mtp_pot_generate(&cv1, 4, 2, 6, 0.8, 4.1, &err) == 0, "generate level 4: %s", err.msg);
    mtp_pot_copy(&cv3, &cv1, &err);
    mtp_pot_copy(&ref, &cv1, &err);
    o.maxiter = 150, o.tol = 0, o.patience = 6, o.damping = 1e-2;
    o.judge_all = 1; /* the mechanics, every held-out configuration counted; the default below */
    struct cv_trace tr = {.order_ok = 1};
    omp_set_num_threads(1);
    ok(mtp_fit_run_cv(&cv1, d->conf, NCONF, 3, 11, &o, cv_cb, &tr, &r1, &err) == 0,
       "cross-validation, 3 folds: %s", err.msg);
    double lmin;
    int argmin = argmin_from1(tr.cv, tr.n, &lmin);
    ok(tr.order_ok && tr.n == r1.cv_iters && tr.whole == r1.niter,
       "progress: %d fold iterations, then %d of the whole set", tr.n, tr.whole);
    ok(r1.best_iter >= 1 && r1.best_iter == argmin && r1.best_loss == lmin,
       "the lowest cross-validation loss %.9g at iteration %d (trace: %.9g at %d)", r1.best_loss,
       r1.best_iter, lmin, argmin);
    ok(r1.stopped && r1.cv_iters == r1.best_iter + o.patience && r1.niter == r1.best_iter,
       "the folds stop %d iterations after it (%d run); the whole set gets %d", o.patience,
       r1.cv_iters, r1.niter);

    /* the loss at best_iter rebuilt fold by fold, in the same order */
    ok(mtp_fit_radial_init(&ref, d->conf, NCONF, 0, 0, &err) == 0, "start: %s", err.msg);
    mtp_fit_folds(NCONF, 3, 11, fold, &err);
    struct mtp_fit_opts fo = o;
    fo.maxiter = r1.best_iter, fo.patience = 1000;
    double cv = 0;
    for (int k = 0; k < 3; k++) {
        struct mtp_fit_conf fit[NCONF], hold[NCONF];
        size_t nf, nh;
        fold_parts(d, fold, k, fit, &nf, hold, &nh);
        struct mtp_pot f;
        double hl = NAN;
        mtp_pot_init(&f);
        mtp_pot_copy(&f, &ref, &err);
        ok(mtp_fit_run_holdout(&f, fit, nf, hold, nh, &fo, last_cb, &hl, NULL, &err) == 0,
           "fold %d by hand: %s", k + 1, err.msg);
        cv += hl * (double)nh / NCONF;
        mtp_pot_release(&f);
    }
    ok(cv == r1.best_loss, "the cross-validation loss rebuilt from the folds: %.17g, %.17g", cv,
       r1.best_loss);
    struct mtp_fit_opts wo = o;
    wo.maxiter = r1.best_iter;
    ok(mtp_fit_run(&ref, d->conf, NCONF, &wo, NULL, NULL, &err) == 0, "whole set: %s", err.msg);
    size_t nr = cv1.nspecies * cv1.nspecies * cv1.nrad * cv1.nrb;
    ok(memcmp(cv1.radial, ref.radial, nr * sizeof(double)) == 0,
       "the whole-set fit: mtp_fit_run's radial coefficients after %d iterations", r1.best_iter);
    struct mtp_fit_stats st;
    int src = mtp_fit_stats(&cv1, d->conf, NCONF, &o, &st, &err);
    ok(src == 0 && st.loss == r1.loss, "and the training loss reported (%.17g)", st.loss);

    omp_set_num_threads(3);
    ok(mtp_fit_run_cv(&cv3, d->conf, NCONF, 3, 11, &o, NULL, NULL, &r3, &err) == 0, "3 threads: %s",
       err.msg);
    ok(memcmp(cv1.radial, cv3.radial, nr * sizeof(double)) == 0 &&
           memcmp(cv1.moment_coeffs, cv3.moment_coeffs, cv1.nscalar * sizeof(double)) == 0 &&
           r1.best_iter == r3.best_iter && r1.best_loss == r3.best_loss,
       "cross-validation with 3 threads: the same bits as with 1");
    omp_set_num_threads(1);
    ok(r1.judged == NCONF, "--cv-all: every configuration judged (%zu)", r1.judged);

    /* the default: only the held-out configurations inside their fold's coverage count */
    o.judge_all = 0;
    struct mtp_fit_result rc;
    struct mtp_pot cvc, refc;
    mtp_pot_init(&cvc), mtp_pot_init(&refc);
    mtp_pot_copy(&cvc, &cv3, &err), mtp_pot_copy(&refc, &ref, &err);
    mtp_pot_generate(&cvc, 4, 2, 6, 0.8, 4.1, &err);
    mtp_pot_generate(&refc, 4, 2, 6, 0.8, 4.1, &err);
    ok(mtp_fit_run_cv(&cvc, d->conf, NCONF, 3, 11, &o, NULL, NULL, &rc, &err) == 0,
       "cross-validation inside the coverage: %s", err.msg);
    mtp_fit_radial_init(&refc, d->conf, NCONF, 0, 0, &err);
    fo = o;
    fo.maxiter = rc.best_iter, fo.patience = 1000;
    double cvin = 0, hlk[3];
    size_t nin = 0, nhk[3];
    for (int k = 0; k < 3; k++) {
        struct mtp_fit_conf fit[NCONF], hold[NCONF], in[NCONF];
        size_t nf, nh;
        fold_parts(d, fold, k, fit, &nf, hold, &nh);
        struct mtp_fit_extrap ex[4];
        double ratio[NCONF];
        mtp_fit_extrapolation(&refc, fit, nf, hold, nh, ex, ratio, NULL, &err);
        nhk[k] = 0;
        for (size_t i = 0; i < nh; i++)
            if (ratio[i] >= 1)
                in[nhk[k]++] = hold[i];
        nin += nhk[k];
        struct mtp_pot f;
        hlk[k] = 0;
        mtp_pot_init(&f);
        mtp_pot_copy(&f, &refc, &err);
        struct mtp_fit_result rk;
        if (nhk[k] &&
            mtp_fit_run_holdout(&f, fit, nf, in, nhk[k], &fo, last_cb, &hlk[k], &rk, &err))
            hlk[k] = NAN;
        else if (nhk[k] && rc.best_iter == 0) /* no iteration: the initial linear solve's */
            hlk[k] = rk.best_loss;
        mtp_pot_release(&f);
    }
    for (int k = 0; k < 3; k++)
        cvin += hlk[k] * (double)nhk[k] / (double)nin;
    ok(rc.judged == nin && nin > 0 && nin < NCONF,
       "%zu of %d held-out configurations inside their fold's coverage (by hand %zu: %zu %zu %zu "
       "per fold)",
       rc.judged, NCONF, nin, nhk[0], nhk[1], nhk[2]);
    ok(nhk[0] == 0 || nhk[1] == 0 || nhk[2] == 0,
       "a fold with none inside weighs nothing and the loss still rebuilds (the case exercised)");
    ok(cvin == rc.best_loss, "their loss rebuilt from the folds at iteration %d: %.17g, %.17g",
       rc.best_iter, cvin, rc.best_loss);
    mtp_pot_release(&cvc), mtp_pot_release(&refc);
    /* no held-out configuration inside: each of two holds a species pair the other lacks */
    struct data *d2 = malloc(sizeof *d2);
    memcpy(d2, d, sizeof *d2);
    for (int c = 0; c < 2; c++) {
        d2->conf[c].type = d2->type[c];
        for (int i = 0; i < NAT; i++)
            d2->type[c][i] = c;
    }
    mtp_pot_generate(&cvc, 4, 2, 6, 0.8, 4.1, &err);
    ok(mtp_fit_run_cv(&cvc, d2->conf, 2, 2, 11, &o, NULL, NULL, NULL, &err) == CORE_EINPUT &&
           strstr(err.msg, "no held-out configuration lies inside") && strstr(err.msg, "--cv-all"),
       "none inside: %s", err.msg);
    mtp_pot_release(&cvc);
    free(d2);

    /* error paths */
    ok(mtp_fit_run_cv(&cv3, d->conf, NCONF, 7, 11, &o, NULL, NULL, NULL, &err) == CORE_EINPUT &&
           strstr(err.msg, "7 folds of 6 configurations"),
       "more folds than configurations: %s", err.msg);
    o.patience = 0;
    ok(mtp_fit_run_cv(&cv3, d->conf, NCONF, 3, 11, &o, NULL, NULL, NULL, &err) == CORE_EINPUT,
       "patience 0: %s", err.msg);
    o.patience = 6, o.damping = -1;
    ok(mtp_fit_run_cv(&cv3, d->conf, NCONF, 3, 11, &o, NULL, NULL, NULL, &err) == CORE_EINPUT &&
           strstr(err.msg, "damping -1"),
       "negative damping: %s", err.msg);
    mtp_pot_release(&pot), mtp_pot_release(&cv1), mtp_pot_release(&cv3), mtp_pot_release(&ref);
    free(d);
}

/* The smallest distance per species pair, and where, on two hand-built molecules. */
static void
test_pair_dmin(void)
{
    struct core_err err = {0};
    struct mtp_pot pot;
    mtp_pot_init(&pot);
    ok(mtp_pot_generate(&pot, 6, 2, 6, 0.8, 4.1, &err) == 0, "generate: %s", err.msg);
    int t1[3] = {0, 0, 1}, t2[2] = {1, 1};
    double x1[9] = {0, 0, 0, 1.5, 0, 0, 0, 1.2, 0}, x2[6] = {0, 0, 0, 0, 0, 2.0};
    struct mtp_fit_conf c[2] = {{.natoms = 3, .type = t1, .pos = x1},
                                {.natoms = 2, .type = t2, .pos = x2}};
    double d[4];
    size_t w[4];
    ok(mtp_fit_pair_dmin(&pot, c, 2, d, w, &err) == 0, "pair minima: %s", err.msg);
    ok(fabs(d[0] - 1.5) < 1e-15 && w[0] == 0, "0-0: 1.5 in configuration 0 (%g, %zu)", d[0], w[0]);
    ok(fabs(d[1] - 1.2) < 1e-15 && d[2] == d[1] && w[1] == 0 && w[2] == 0,
       "0-1 = 1-0: 1.2 in configuration 0 (%g, %g)", d[1], d[2]);
    ok(fabs(d[3] - 2.0) < 1e-15 && w[3] == 1, "1-1: 2.0 in configuration 1 (%g, %zu)", d[3], w[3]);
    ok(mtp_fit_pair_dmin(&pot, c, 1, d, w, &err) == 0 && isinf(d[3]) && w[3] == SIZE_MAX,
       "no 1-1 pair: infinite, nowhere");
    /* configuration 1 (1-1 at 2.0) against configuration 0 (no 1-1 pair, 0-0 at 1.5) */
    struct mtp_fit_extrap ex[4];
    double ratio[3];
    ok(mtp_fit_extrapolation(&pot, c, 1, c + 1, 1, ex, ratio, NULL, &err) == 0, "extrapolation: %s",
       err.msg);
    ok(fabs(ratio[0] - 2.0 / 4.1) < 1e-15,
       "dmin ratio: a pair training has none of counts as at rcut (%g)", ratio[0]);
    ok(ex[3].count == 1 && ex[3].worst == 0 && fabs(ex[3].dmin - 2.0) < 1e-15 &&
           isinf(ex[3].dmin_train) && ex[0].count == 0 && ex[1].count == 0 &&
           fabs(ex[0].dmin_train - 1.5) < 1e-15,
       "1-1 outside the training pairs (%zu, %g), 0-0 and 0-1 absent from the set", ex[3].count,
       ex[3].dmin);
    ok(mtp_fit_extrapolation(&pot, c, 2, c, 2, ex, NULL, NULL, &err) == 0 && !ex[0].count &&
           !ex[1].count && !ex[3].count,
       "a set against itself: nothing outside");
    /* 0-0 at 1.2 (training's closest 1.5), 0-1 at 2.4 (1.2): 0.8 */
    int t3[3] = {0, 0, 1};
    double x3[9] = {0, 0, 0, 1.2, 0, 0, 0, 0, 2.4};
    struct mtp_fit_conf set[3] = {
        c[0], {.natoms = 3, .type = t3, .pos = x3}, {.natoms = 1, .type = t3, .pos = x3}};
    double closest[3];
    int rc = mtp_fit_extrapolation(&pot, c, 2, set, 3, ex, ratio, closest, &err);
    ok(rc == 0 && ex[0].count == 1 && ex[0].worst == 1 && ex[1].count == 0,
       "dmin ratio set: one configuration outside, by its 0-0 pair (%zu)", ex[0].count);
    /* configuration 0 has no 1-1 pair (at rcut: 4.1/2.0); the lone atom none at all */
    ok(fabs(ratio[0] - 1) < 1e-15 && fabs(ratio[1] - 0.8) < 1e-15 &&
           fabs(ratio[2] - 4.1 / 2.0) < 1e-15,
       "dmin ratio: 1 for training's own closest pairs, 1.2/1.5 = 0.8, a lone atom rcut over "
       "training's largest closest distance (%g %g %g)",
       ratio[0], ratio[1], ratio[2]);
    ok(fabs(closest[0] - 1.2) < 1e-15 && fabs(closest[1] - 1.2) < 1e-15 && closest[2] == 4.1,
       "closest pair of any species: 1.2 (0-1), 1.2 (0-0), a lone atom rcut (%g %g %g)", closest[0],
       closest[1], closest[2]);
    ok(ex[0].below == 0, "1.2 lies above rmin 0.8: none below (%zu)", ex[0].below);
    double x4[6] = {0, 0, 0, 0.7, 0, 0};
    struct mtp_fit_conf near = {.natoms = 2, .type = t3, .pos = x4};
    rc = mtp_fit_extrapolation(&pot, c, 2, &near, 1, ex, ratio, closest, &err);
    ok(rc == 0 && ex[0].count == 1 && ex[0].below == 1 && fabs(closest[0] - 0.7) < 1e-15,
       "a 0-0 pair at 0.7, below rmin 0.8: counted outside and below (%zu %zu %g)", ex[0].count,
       ex[0].below, closest[0]);
    /* a configuration of the set that cannot be evaluated is named by its place in the set */
    int tbad[2] = {1, 7};
    struct mtp_fit_conf bad[2] = {c[1], {.natoms = 2, .type = tbad, .pos = x2}};
    ok(mtp_fit_extrapolation(&pot, c, 2, bad, 2, ex, ratio, NULL, &err) != 0 &&
           strstr(err.msg, "configuration 2: "),
       "a bad configuration of the set: %s", err.msg);
    mtp_pot_release(&pot);
}

#define CK_MAXNP 512

/* A deep copy of the state save was given at (phase, iter), and how many saves there were. */
struct saved {
    int want_phase, want_iter, nsave, got, phases_seen;
    struct mtp_fit_state st;
    struct mtp_fit_lm_state ls[8];
    double coeffs[8][CK_MAXNP], best[CK_MAXNP];
};

static int
save_cb(void *ctx, const struct mtp_fit_state *st, struct core_err *err)
{
    struct saved *s = ctx;
    (void)err;
    s->nsave++;
    s->phases_seen |= 1 << st->phase;
    if (st->phase != s->want_phase || st->iter != s->want_iter || st->nfits > 8 ||
        st->nparams > CK_MAXNP)
        return 0;
    s->st = *st, s->st.fit = s->ls, s->st.best = st->best ? s->best : NULL;
    for (size_t k = 0; k < st->nfits; k++) {
        s->ls[k] = st->fit[k], s->ls[k].coeffs = s->coeffs[k];
        memcpy(s->coeffs[k], st->fit[k].coeffs, st->nparams * sizeof(double));
    }
    if (st->best)
        memcpy(s->best, st->best, st->nparams * sizeof(double));
    s->got = 1;
    return 0;
}

static int
same_pot(const struct mtp_pot *a, const struct mtp_pot *b)
{
    size_t nr = a->nspecies * a->nspecies * a->nrad * a->nrb;
    return memcmp(a->radial, b->radial, nr * sizeof(double)) == 0 &&
           memcmp(a->species_coeffs, b->species_coeffs, a->nspecies * sizeof(double)) == 0 &&
           memcmp(a->moment_coeffs, b->moment_coeffs, a->nscalar * sizeof(double)) == 0;
}

/*
 * Checkpoints: a fit resumed from the state saved after some iteration ends with the same bits
 * and result as the fit that ran through, for a plain fit, early stopping and both phases of
 * cross-validation; a state of another fit is refused.
 */
static void
test_ckpt(double ridge)
{
    struct core_err err = {0};
    struct data *d = calloc(1, sizeof *d);
    struct saved *sv = calloc(1, sizeof *sv);
    struct mtp_pot pot, gen, a, b;
    struct mtp_fit_opts o;
    struct mtp_fit_result ra, rb;
    mtp_pot_init(&pot), mtp_pot_init(&gen), mtp_pot_init(&a), mtp_pot_init(&b);
    random_pot(&pot, 8);
    make_data(d, &pot);
    add_noise(d);
    ok(mtp_pot_generate(&gen, 4, 2, 6, 0.8, 4.1, &err) == 0, "generate level 4: %s", err.msg);
    const struct mtp_fit_conf *hold = d->conf + 4;
    struct mtp_fit_ckpt ck = {.every = 5, .save = save_cb, .ctx = sv};
    mtp_fit_opts_default(&o);
    o.maxiter = 40, o.tol = 0, o.patience = 1000, o.damping = 1e-2, o.ckpt = &ck;
    o.ridge = ridge; /* its weights are not in the state: the resumed fit takes them again */
    for (int nh = 0; nh <= 2; nh += 2) { /* a plain fit, then early stopping */
        memset(sv, 0, sizeof *sv);
        sv->want_iter = 15;
        mtp_pot_copy(&a, &gen, &err), mtp_pot_copy(&b, &gen, &err);
        ok(mtp_fit_run_holdout(&a, d->conf, 4, hold, (size_t)nh, &o, NULL, NULL, &ra, &err) == 0,
           "%s, through: %s", nh ? "held-out" : "plain", err.msg);
        ok(sv->got && sv->nsave == 8 && sv->st.nfits == 1 && !sv->st.best == !nh,
           "saved after every 5th iteration, 8 times (%d), the best iterate with a held-out set",
           sv->nsave);
        ck.resume = &sv->st;
        ok(mtp_fit_run_holdout(&b, d->conf, 4, hold, (size_t)nh, &o, NULL, NULL, &rb, &err) == 0,
           "resumed after iteration 15: %s", err.msg);
        ck.resume = NULL;
        ok(same_pot(&a, &b) && ra.niter == rb.niter && ra.best_iter == rb.best_iter &&
               ra.best_loss == rb.best_loss && ra.loss == rb.loss && ra.judged == rb.judged &&
               rb.judged == (nh ? 1u : 0u),
           "%s, ridge %g: the same bits and result as through (%d iterations, best %d, %zu "
           "judged)",
           nh ? "held-out" : "plain", ridge, rb.niter, rb.best_iter, rb.judged);
    }
    o.patience = 6, o.judge_all = 1;
    for (int phase = 0; phase <= 1; phase++) { /* cross-validation: the folds, the whole set */
        memset(sv, 0, sizeof *sv);
        sv->want_phase = phase, sv->want_iter = phase ? 5 : 10;
        ck.every = 5;
        mtp_pot_copy(&a, &gen, &err), mtp_pot_copy(&b, &gen, &err);
        ok(mtp_fit_run_cv(&a, d->conf, NCONF, 3, 11, &o, NULL, NULL, &ra, &err) == 0,
           "cross-validation through: %s", err.msg);
        ok(sv->got && sv->phases_seen == 3 && sv->st.nfits == (phase ? 1u : 3u),
           "phase %d saved (%d saves, folds and whole set)", phase, sv->nsave);
        ck.resume = &sv->st;
        ok(mtp_fit_run_cv(&b, d->conf, NCONF, 3, 11, &o, NULL, NULL, &rb, &err) == 0,
           "resumed in phase %d: %s", phase, err.msg);
        ck.resume = NULL;
        ok(same_pot(&a, &b) && ra.niter == rb.niter && ra.best_iter == rb.best_iter &&
               ra.best_loss == rb.best_loss && ra.cv_iters == rb.cv_iters && ra.loss == rb.loss &&
               ra.judged == rb.judged && rb.judged == NCONF,
           "phase %d, ridge %g: the same bits and result as through (count %d, folds ran %d)",
           phase, ridge, rb.best_iter, rb.cv_iters);
    }
    /* a state of another fit */
    ck.resume = &sv->st; /* the whole-set phase of a cross-validation */
    mtp_pot_copy(&b, &gen, &err);
    ok(mtp_fit_run_holdout(&b, d->conf, 4, hold, 2, &o, NULL, NULL, &rb, &err) == CORE_EINPUT &&
           strstr(err.msg, "the checkpoint holds 1 fit of"),
       "a cross-validation's state in a held-out fit: %s", err.msg);
    struct mtp_fit_state other = sv->st;
    other.phase = 0, other.scaling *= 2;
    mtp_pot_copy(&b, &gen, &err);
    ck.resume = &other;
    ok(mtp_fit_run_holdout(&b, d->conf, 4, NULL, 0, &o, NULL, NULL, &rb, &err) == CORE_EINPUT &&
           strstr(err.msg, "radial scaling"),
       "another scaling: %s", err.msg);
    mtp_pot_release(&pot), mtp_pot_release(&gen), mtp_pot_release(&a), mtp_pot_release(&b);
    free(d), free(sv);
}

/* The training objective seen by the progress callback: how often it rose. */
struct rise {
    double last;
    int n, rises;
};

static int
rise_cb(void *ctx, int iter, double loss, double hold_loss)
{
    struct rise *r = ctx;
    (void)iter, (void)hold_loss;
    if (r->n++ && loss > r->last)
        r->rises++;
    r->last = loss;
    return 0;
}

/*
 * How far pot's moment coefficients are from minimising loss + rho sum_k d_k xi_k^2 given the
 * rest: max over k of |dloss/dxi_k + 2 rho d_k xi_k| / (2 sqrt(G_kk loss)), a cosine (the
 * gradient's term is 2 J_k.r, |J_k| = sqrt(G_kk), |r| = sqrt(loss)); also the largest
 * |dloss/dspecies| the same way. A, g: np^2 and np of scratch.
 */
static double
ridge_stationarity(const struct mtp_pot *pot, const struct data *d, const struct mtp_fit_opts *o,
                   double rho, const double *dk, double *A, double *g)
{
    struct core_err err = {0};
    double l;
    size_t np = mtp_pot_nparams(pot), off = np - pot->nscalar, offs = off - pot->nspecies;
    if (mtp_fit_normal(pot, d->conf, NCONF, o, A, g, &l, &err))
        return INFINITY;
    double worst = 0;
    for (size_t i = offs; i < np; i++) {
        double pen = i >= off ? 2 * rho * dk[i - off] * pot->moment_coeffs[i - off] : 0;
        worst = fmax(worst, fabs(g[i] + pen) / (2 * sqrt(A[i * np + i] * l)));
    }
    return worst;
}

/*
 * The ridge (mtp_fit_opts.ridge): the linear solve minimises loss + rho sum_k d_k xi_k^2 with
 * d_k its own G's diagonal; a fit keeps the d_k of its first solve: its objective is the loss
 * plus that penalty, never increases, and its last linear solve is that objective's minimiser
 * in the linear coefficients; a bad rho is refused.
 */
static void
test_ridge(void)
{
    struct core_err err = {0};
    struct data *d = calloc(1, sizeof *d);
    struct mtp_pot pot, gen, lin, fit;
    struct mtp_fit_opts o;
    mtp_pot_init(&pot), mtp_pot_init(&gen), mtp_pot_init(&lin), mtp_pot_init(&fit);
    mtp_fit_opts_default(&o);
    random_pot(&pot, 8);
    make_data(d, &pot);
    add_noise(d);
    ok(mtp_pot_generate(&gen, 6, 2, 6, 0.8, 4.1, &err) == 0 &&
           mtp_fit_radial_init(&gen, d->conf, NCONF, 0, 0, &err) == 0,
       "level 6 with initial radial coefficients: %s", err.msg);
    size_t np = mtp_pot_nparams(&gen), off = np - gen.nscalar;
    double *A = calloc(np * np, sizeof *A), *g = calloc(np, sizeof *g), l;
    double *dk = calloc(gen.nscalar, sizeof *dk);
    const double rho = 1e-2;

    /* d_k at the start: the linear columns do not depend on the linear coefficients */
    ok(mtp_fit_normal(&gen, d->conf, NCONF, &o, A, g, &l, &err) == 0, "normal: %s", err.msg);
    for (size_t k = 0; k < gen.nscalar; k++)
        dk[k] = A[(off + k) * np + off + k];

    /* one linear solve, without and with the ridge */
    mtp_pot_copy(&lin, &gen, &err);
    ok(mtp_fit_linear(&lin, d->conf, NCONF, &o, &err) == 0, "linear, rho 0: %s", err.msg);
    double l0 = loss_of(&lin, d, &o), p0 = 0, s0 = ridge_stationarity(&lin, d, &o, rho, dk, A, g);
    for (size_t k = 0; k < gen.nscalar; k++)
        p0 += dk[k] * lin.moment_coeffs[k] * lin.moment_coeffs[k];
    o.ridge = rho;
    ok(mtp_fit_linear(&lin, d->conf, NCONF, &o, &err) == 0, "linear, rho %g: %s", rho, err.msg);
    double l1 = loss_of(&lin, d, &o), p1 = 0, s1 = ridge_stationarity(&lin, d, &o, rho, dk, A, g);
    for (size_t k = 0; k < gen.nscalar; k++)
        p1 += dk[k] * lin.moment_coeffs[k] * lin.moment_coeffs[k];
    ok(s1 < 1e-10 && s0 > 1e-3,
       "the ridge's linear solve minimises loss + rho sum d_k xi_k^2 (gradient %.2e; the plain "
       "solve's %.2e)",
       s1, s0);
    ok(l1 > l0 && p1 < p0 && l1 + rho * p1 < l0 + rho * p0,
       "it trades loss (%.6g > %.6g) for smaller coefficients (%.4g < %.4g)", l1, l0, p1, p0);

    /* a fit: its objective is the loss plus the penalty with the d_k of its first solve */
    struct rise r = {0};
    struct mtp_fit_result res;
    mtp_pot_copy(&fit, &gen, &err);
    o.maxiter = 8, o.linear_every = 3, o.tol = 0;
    ok(mtp_fit_run_holdout(&fit, d->conf, NCONF, NULL, 0, &o, rise_cb, &r, &res, &err) == 0,
       "fit with the ridge: %s", err.msg);
    double pf = 0;
    for (size_t k = 0; k < gen.nscalar; k++)
        pf += dk[k] * fit.moment_coeffs[k] * fit.moment_coeffs[k];
    ok(r.n >= 4 && r.rises == 0, "its objective never rose over %d iterations", r.n);
    is_rel(res.loss, loss_of(&fit, d, &o) + rho * pf, 1e-12,
           "the objective is the loss plus rho sum d_k xi_k^2, d_k of the start");
    double sf = ridge_stationarity(&fit, d, &o, rho, dk, A, g);
    ok(sf < 1e-9, "the last linear solve minimises it in the linear coefficients (%.2e)", sf);
    ok(res.loss < l1 + rho * p1, "and the fit lowered it below the first solve's (%.6g < %.6g)",
       res.loss, l1 + rho * p1);

    for (int bad = 0; bad < 2; bad++) {
        o.ridge = bad ? NAN : -1e-3;
        mtp_pot_copy(&fit, &gen, &err);
        ok(mtp_fit_run(&fit, d->conf, NCONF, &o, NULL, NULL, &err) == CORE_EINPUT &&
               strstr(err.msg, "ridge"),
           "ridge %g refused: %s", o.ridge, err.msg);
    }
    free(A), free(g), free(dk), free(d);
    mtp_pot_release(&pot), mtp_pot_release(&gen), mtp_pot_release(&lin), mtp_pot_release(&fit);
}

/*
 * mtp_fit_split_cover: a held-out configuration with a pair closer than the fitted part holds
 * (by each configuration's own closest pairs, mtp_fit_pair_dmin) moves into the fitted part, both
 * parts stay ascending; none left held out is refused.
 */
static void
test_split_cover(void)
{
    struct core_err err = {0};
    struct data *d = calloc(1, sizeof *d);
    struct mtp_pot pot;
    mtp_pot_init(&pot);
    random_pot(&pot, 6);
    make_data(d, &pot);
    /* configuration 1: atoms 0 and 1 (types 0 and 1) 0.85 A apart, closer than make_data's */
    for (int k = 0; k < 3; k++)
        d->pos[1][3 + k] = d->pos[1][k] + (k == 0 ? 0.85 : 0);
    size_t C = pot.nspecies, where[4];
    double dm[NCONF][4];
    for (size_t i = 0; i < NCONF; i++)
        mtp_fit_pair_dmin(&pot, &d->conf[i], 1, dm[i], where, &err);
    /* fitted {0, 2, 3}, held out {1, 4, 5}: which held-out ones hold a pair closer than the fit */
    size_t idx[NCONF] = {0, 2, 3, 1, 4, 5}, nh = 3, moved = 99, want[NCONF], nw = 0;
    int out[NCONF] = {0};
    for (size_t h = 3; h < NCONF; h++)
        for (size_t p = 0; p < C * C; p++) {
            double fit = fmin(dm[0][p], fmin(dm[2][p], dm[3][p]));
            out[idx[h]] |= dm[idx[h]][p] < (isfinite(fit) ? fit : pot.rcut);
        }
    ok(out[1], "configuration 1 lies outside the coverage of {0, 2, 3}");
    for (size_t i = 0; i < NCONF; i++) /* the fitted part, then the held-out, each ascending */
        if ((i == 0 || i == 2 || i == 3) || out[i])
            want[nw++] = i;
    size_t nfit = nw;
    for (size_t i = 0; i < NCONF; i++)
        if (!(i == 0 || i == 2 || i == 3) && !out[i])
            want[nw++] = i;
    ok(mtp_fit_split_cover(&pot, d->conf, NCONF, idx, &nh, &moved, &err) == 0, "cover: %s",
       err.msg);
    ok(moved == nfit - 3 && nh == NCONF - nfit && !memcmp(idx, want, sizeof want),
       "%zu moved into the fitted part, %zu still held out, both ascending: %zu %zu %zu %zu %zu "
       "%zu",
       moved, nh, idx[0], idx[1], idx[2], idx[3], idx[4], idx[5]);
    size_t idx1[NCONF] = {0, 2, 3, 4, 5, 1};
    nh = 1;
    ok(mtp_fit_split_cover(&pot, d->conf, NCONF, idx1, &nh, &moved, &err) == CORE_EINPUT &&
           strstr(err.msg, "no held-out configuration (of 1) lies inside the coverage"),
       "none left held out: %s", err.msg);
    size_t idx0[NCONF] = {0, 1, 2, 3, 4, 5};
    nh = 0;
    ok(mtp_fit_split_cover(&pot, d->conf, NCONF, idx0, &nh, &moved, &err) == 0 && moved == 0 &&
           nh == 0,
       "no held-out part: nothing to do");
    mtp_pot_release(&pot);
    free(d);
}

int
main(void)
{
    test_linear_and_gradient();
    test_threads();
    test_stats();
    test_split();
    unsigned long long later = rng_state;
    test_split_cover();
    rng_state = later; /* the later tests' data as before it */
    test_holdout();
    test_starts();
    test_cv();
    test_pair_dmin();
    unsigned long long data_state = rng_state;
    test_ckpt(0);
    rng_state = data_state; /* the same data, with the ridge */
    test_ckpt(1e-2);
    test_ridge();
    done_testing();
    return exit_status();
}
