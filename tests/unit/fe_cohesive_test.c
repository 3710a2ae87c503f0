/*
 * fe_cohesive_test: cohesive interfaces of lib/fe (fe_cohesive_*, fe_elast_tension_coh).
 *
 *   - the law: every error of fe_cohesive_check; the bilinear damage and dissipation at and
 *     between delta0 and deltaf against their closed forms and a quadrature of the envelope;
 *     no healing on unloading, no damage in compression; the consistent tangent against
 *     central differences (mixed mode, loading on the softening branch); the secant;
 *   - a two-material bar (nu = 0: uniaxial stress in each phase, exactly P1) in series with a
 *     linear interface: 1/E_eff = f1/E1 + f2/E2 + 1/(kn L), exactly (solver tolerance); the
 *     periodic cell of it: C11 and C66 in series with kn and kt, C22 the mean;
 *   - the same bar with a bilinear interface, the steps chosen so that rows fall on the two
 *     kinks of the curve (the strength and full damage): the peak stress is the strength, the
 *     work of the end force (trapezoids, exact for a piecewise-linear curve with its kinks on
 *     rows) and the dissipated energy are gc times the interface area, the bar ends broken;
 *   - a bar that snaps back (soft bulk, brittle interface): Newton jumps to the broken
 *     balance within one step, reported as a crack; bad inputs are errors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/fe/fe.h"
#include "../tap.h"

/*
 * An nx x ny grid on [0, lx] x [0, ly] (nx even), phase 0 on x < lx/2 and 1 beyond, the line
 * elements of the interface x = lx/2 in group 0 (the only group), split there when split.
 */
static void bar3(struct fe_mesh *m, size_t nx, size_t ny, double lx, double ly, int split,
                 int three);

static void
bar(struct fe_mesh *m, size_t nx, size_t ny, double lx, double ly, int split)
{
    bar3(m, nx, ny, lx, ly, split, 0);
}

/* bar, or with three: phase 1 on the middle third only (nx a multiple of 6), two interfaces,
 * x = lx/3 and 2 lx/3. */
static void
bar3(struct fe_mesh *m, size_t nx, size_t ny, double lx, double ly, int split, int three)
{
    struct core_err err = {0, ""};
    size_t nn = (nx + 1) * (ny + 1), nt = 2 * nx * ny;
    unsigned char cut[1] = {1};
    fe_mesh_init(m);
    size_t ne = 0;
    if (fe_mesh_alloc(m, nn, nt, 2 * ny, &err))
        abort();
    for (size_t j = 0; j <= ny; j++)
        for (size_t i = 0; i <= nx; i++) {
            m->xy[2 * (j * (nx + 1) + i)] = lx * (double)i / (double)nx;
            m->xy[2 * (j * (nx + 1) + i) + 1] = ly * (double)j / (double)ny;
        }
    for (size_t j = 0; j < ny; j++)
        for (size_t i = 0; i < nx; i++) {
            size_t n0 = j * (nx + 1) + i, n1 = n0 + 1, n2 = n0 + nx + 2, n3 = n0 + nx + 1;
            size_t *t = &m->tri[6 * (j * nx + i)];
            size_t v[6] = {n0, n1, n2, n0, n2, n3};
            memcpy(t, v, sizeof v);
            m->tri_phase[2 * (j * nx + i)] = m->tri_phase[2 * (j * nx + i) + 1] =
                three ? 3 * i >= nx && 3 * i < 2 * nx : 2 * i >= nx;
        }
    for (int k = 0; k < (three ? 2 : 1); k++)
        for (size_t j = 0; j < ny; j++) {
            size_t ix = three ? (size_t)(k + 1) * nx / 3 : nx / 2;
            m->edge[2 * ne] = j * (nx + 1) + ix;
            m->edge[2 * ne + 1] = (j + 1) * (nx + 1) + ix;
            m->edge_group[ne++] = 0;
        }
    m->nedges = ne;
    m->nphases = 2;
    m->ngroups = 1;
    if (fe_mesh_check(m, &err) || (split && fe_mesh_split(m, cut, &err)))
        abort();
}

static void
test_check(void)
{
    struct core_err err = {0, ""};
    struct fe_cohesive ok_lin = {FE_COH_LINEAR, 3e18, 2e18, 0, 0};
    struct fe_cohesive ok_bil = {FE_COH_BILINEAR, 3e18, 2e18, 1.5e9, 0.9};
    struct fe_cohesive c;
    is_int(fe_cohesive_check(&ok_lin, &err), CORE_OK, "check: a linear law");
    is_int(fe_cohesive_check(&ok_bil, &err), CORE_OK, "check: a bilinear law");
    c = (struct fe_cohesive){FE_COH_BONDED, NAN, NAN, NAN, NAN};
    is_int(fe_cohesive_check(&c, &err), CORE_OK, "check: bonded takes no numbers");
    c = ok_lin;
    c.kind = (enum fe_coh_kind)7;
    is_int(fe_cohesive_check(&c, &err), CORE_EINPUT, "check: unknown law");
    is_str(err.msg, "unknown cohesive law 7", "check: its message");
    c = ok_lin;
    c.kn = 0;
    is_int(fe_cohesive_check(&c, &err), CORE_EINPUT, "check: kn 0");
    is_str(err.msg, "the interface stiffness (kn 0, kt 2e+18) is not finite and > 0",
           "check: its message");
    c = ok_bil;
    c.kt = INFINITY;
    is_int(fe_cohesive_check(&c, &err), CORE_EINPUT, "check: kt inf");
    c = ok_bil;
    c.strength = NAN;
    is_int(fe_cohesive_check(&c, &err), CORE_EINPUT, "check: strength NaN");
    is_str(err.msg, "the interface strength nan is not finite and > 0", "check: its message");
    c = ok_bil;
    c.gc = -1;
    is_int(fe_cohesive_check(&c, &err), CORE_EINPUT, "check: gc < 0");
    is_str(err.msg, "the fracture energy -1 is not finite and > 0", "check: its message");
    c = ok_bil;
    c.gc = 1.5e9 * 1.5e9 / (2 * 3e18); /* deltaf = delta0: a vertical drop */
    is_int(fe_cohesive_check(&c, &err), CORE_EINPUT, "check: gc at strength^2/(2 kn)");
    ok(strstr(err.msg, "is not above strength^2 / (2 kn) = 0.375") != NULL, "check: '%s'", err.msg);
}

static void
test_law(void)
{
    /* kn 3 GPa/nm, kt 2 GPa/nm, 1.5 GPa, 0.9 J/m^2: delta0 = 0.5 nm, deltaf = 1.2 nm */
    struct fe_cohesive c = {FE_COH_BILINEAR, 3e18, 2e18, 1.5e9, 0.9};
    struct fe_cohesive lin = {FE_COH_LINEAR, 3e18, 2e18, 0, 0};
    double d0 = 0.5e-9, df = 1.2e-9, k, t[2], d[4], kap;
    is_abs(fe_cohesive_damage(&c, d0), 0, 0, "damage 0 at delta0");
    is_abs(fe_cohesive_damage(&c, 0.3e-9), 0, 0, "damage 0 below delta0");
    is_abs(fe_cohesive_damage(&c, df), 1, 0, "damage 1 at deltaf");
    is_abs(fe_cohesive_damage(&c, 7e-9), 1, 0, "damage 1 beyond");
    k = 0.8371e-9;
    is_rel(fe_cohesive_damage(&c, k), df * (k - d0) / (k * (df - d0)), 1e-15,
           "damage between: deltaf (kappa - delta0) / (kappa (deltaf - delta0))");
    is_abs(fe_cohesive_damage(&lin, 1), 0, 0, "a linear law does not damage");
    is_abs(fe_cohesive_dissipated(&lin, 1), 0, 0, "nor dissipate");
    is_abs(fe_cohesive_dissipated(&c, 0.49e-9), 0, 0, "no dissipation below delta0");
    is_rel(fe_cohesive_dissipated(&c, df), 0.9, 1e-15, "gc dissipated at deltaf");
    is_rel(fe_cohesive_dissipated(&c, 3 * df), 0.9, 1e-15, "and beyond");
    {
        /* the work along the envelope to kappa (midpoint rule on a fine grid, exact per
         * linear piece), less the elastic energy 1/2 t(kappa) kappa */
        size_t n = 200000;
        double w = 0, h = k / (double)n, tk;
        for (size_t i = 0; i < n; i++) {
            double l = (i + 0.5) * h, dl[2] = {l, 0}, tt[2];
            fe_cohesive_traction(&c, dl, 0, &kap, tt, NULL, 0);
            w += tt[0] * h;
        }
        tk = (1 - fe_cohesive_damage(&c, k)) * c.kn * k;
        is_rel(fe_cohesive_dissipated(&c, k), w - 0.5 * tk * k, 1e-9,
               "dissipated = envelope work - elastic energy at kappa = %g", k);
    }
    {
        double dl[2] = {0.2e-9, -0.1e-9};
        fe_cohesive_traction(&c, dl, 0, &kap, t, d, 0);
        is_rel(t[0], 3e18 * 0.2e-9, 1e-15, "elastic: tn = kn dn");
        is_rel(t[1], 2e18 * -0.1e-9, 1e-15, "elastic: tt = kt dt");
        is_rel(kap, sqrt(0.04e-18 + 2.0 / 3 * 0.01e-18), 1e-15,
               "history: lambda = sqrt(dn^2 + kt/kn dt^2)");
        is_rel(d[0], 3e18, 1e-15, "elastic tangent kn");
        is_rel(d[3], 2e18, 1e-15, "elastic tangent kt");
        is_abs(d[1], 0, 0, "elastic tangent uncoupled");
    }
    {
        /* unloading from kappa0 = 1 nm: the damage of 1 nm stays (no healing) */
        double dl[2] = {0.3e-9, 0.2e-9}, dm = fe_cohesive_damage(&c, 1e-9);
        fe_cohesive_traction(&c, dl, 1e-9, &kap, t, d, 0);
        is_rel(kap, 1e-9, 0, "unloading keeps the history");
        is_rel(t[0], (1 - dm) * 3e18 * 0.3e-9, 1e-15, "unloading: (1 - d) kn dn");
        is_rel(t[1], (1 - dm) * 2e18 * 0.2e-9, 1e-15, "unloading: (1 - d) kt dt");
        is_rel(d[0], (1 - dm) * 3e18, 1e-15, "unloading tangent: the secant");
        is_abs(d[1], 0, 0, "unloading tangent uncoupled");
        dl[0] = -0.4e-9;
        fe_cohesive_traction(&c, dl, 1e-9, &kap, t, d, 0);
        is_rel(t[0], 3e18 * -0.4e-9, 1e-15, "compression: kn dn, undamaged (contact)");
        is_rel(t[1], (1 - dm) * 2e18 * 0.2e-9, 1e-15, "compression: shear still damaged");
        is_rel(d[0], 3e18, 1e-15, "compression tangent kn");
    }
    {
        /* broken: no traction in tension, 1e-6 of the stiffness in the tangent */
        double dl[2] = {2e-9, 1e-9};
        fe_cohesive_traction(&c, dl, 0, &kap, t, d, 1);
        is_abs(t[0], 0, 0, "broken: tn 0");
        is_abs(t[1], 0, 0, "broken: tt 0");
        is_rel(d[0], 3e12, 1e-12, "broken: tangent kept at 1e-6 kn");
        is_rel(d[3], 2e12, 1e-12, "broken: tangent kept at 1e-6 kt");
    }
    {
        /* consistent tangent on the softening branch, mixed mode, against central differences */
        double dl[2] = {0.61e-9, -0.337e-9}, h = 1e-15, fd[4], sec[4];
        fe_cohesive_traction(&c, dl, 0.55e-9, &kap, t, d, 0);
        ok(kap > 0.55e-9 && fe_cohesive_damage(&c, kap) > 0 && fe_cohesive_damage(&c, kap) < 1,
           "the point is loading on the softening branch (d = %g)", fe_cohesive_damage(&c, kap));
        for (int j = 0; j < 2; j++) {
            double dp[2] = {dl[0], dl[1]}, dm[2] = {dl[0], dl[1]}, tp[2], tm[2];
            dp[j] += h;
            dm[j] -= h;
            fe_cohesive_traction(&c, dp, 0.55e-9, &kap, tp, NULL, 0);
            fe_cohesive_traction(&c, dm, 0.55e-9, &kap, tm, NULL, 0);
            for (int i = 0; i < 2; i++)
                fd[2 * i + j] = (tp[i] - tm[i]) / (2 * h);
        }
        for (int q = 0; q < 4; q++)
            is_abs(d[q], fd[q], 1e-6 * 3e18, "consistent tangent %d against differences", q);
        is_rel(d[1], d[2], 1e-14, "the consistent tangent is symmetric");
        ok(d[0] * d[3] - d[1] * d[2] < 0 || d[0] < 3e18, "it softens");
        fe_cohesive_traction(&c, dl, 0.55e-9, &kap, t, sec, 1);
        fe_cohesive_traction(&c, dl, 0.55e-9, &kap, t, sec, 1);
        is_rel(sec[0], (1 - fe_cohesive_damage(&c, kap)) * 3e18, 1e-15, "secant: (1 - d) kn");
        is_abs(sec[1], 0, 0, "secant: uncoupled");
    }
}

/* The bar: 100 x 20 nm, phases 100 and 300 GPa (per metre of thickness), nu = 0. */
#define LX 100e-9
#define LY 20e-9

static void
bar_cmat(double c[18])
{
    fe_elast_iso(100e9, 0, c);
    fe_elast_iso(300e9, 0, c + 9);
}

static void
test_bar_linear(enum fe_solver solver)
{
    struct core_err err = {0, ""};
    struct fe_mesh m;
    struct fe_solve_opts o = FE_SOLVE_OPTS_DEFAULT;
    struct fe_cohesive coh[1] = {{FE_COH_LINEAR, 1.7e18, 0.6e18, 0, 0}};
    struct fe_failure fl;
    double c[18], cv[6], dc[4], want;
    int rc;
    o.solver = solver;
    bar(&m, 10, 4, LX, LY, 1);
    bar_cmat(c);
    rc = fe_elast_tension_coh(&m, c, NULL, coh, &o, 1e-8, 0.0123, 2, cv, dc, &fl, NULL, NULL, NULL,
                              &err);
    is_int(rc, CORE_OK, "linear interface (%s): runs (%s)", fe_solver_name(solver), err.msg);
    want = 1 / (0.5 / 100e9 + 0.5 / 300e9 + 1 / (1.7e18 * LX));
    is_rel(cv[3 + 1] / cv[3], want, 1e-9, "linear interface: 1/E = f1/E1 + f2/E2 + 1/(kn L)");
    is_rel(cv[1] / cv[0], want, 1e-9, "linear interface: the first step too");
    is_abs(cv[3 + 2], 0, 1e-9, "nu = 0 stays 0");
    is_int(fl.failed, 0, "no failure");
    is_abs(fl.dmax, 0, 0, "no damage");
    is_abs(dc[2], 0, 0, "dcurve: damage 0");
    is_abs(dc[3], 0, 0, "dcurve: nothing dissipated");
    is_rel(fl.ilength, LY, 1e-14, "interface length");
    fe_mesh_release(&m);
}

/* Periodic homogenisation with the interface (and the bonded phase boundary at x = 0 = LX):
 * with nu = 0, in series C11 = 1/(f1/E1 + f2/E2 + 1/(kn L)) and C66 = 1/(f1/G1 + f2/G2 +
 * 1/(kt L)), along C22 = f1 E1 + f2 E2, C12 = C16 = C26 = 0, exactly. */
static void
test_homog(void)
{
    struct core_err err = {0, ""};
    struct fe_mesh m;
    struct fe_solve_opts o = FE_SOLVE_OPTS_DEFAULT;
    struct fe_cohesive coh[1] = {{FE_COH_BILINEAR, 1.7e18, 0.6e18, 1e9, 5}};
    double c[18], ce[9], ce2[9], want;
    bar(&m, 10, 4, LX, LY, 1);
    bar_cmat(c);
    is_int(fe_elast_homog_coh(&m, c, coh, &o, 1e-8, ce, NULL, NULL, &err), CORE_OK,
           "homogenisation with a cohesive interface (%s)", err.msg);
    want = 1 / (0.5 / 100e9 + 0.5 / 300e9 + 1 / (1.7e18 * LX));
    is_rel(ce[0], want, 1e-9, "C11 in series with kn");
    want = 1 / (0.5 / 50e9 + 0.5 / 150e9 + 1 / (0.6e18 * LX));
    is_rel(ce[8], want, 1e-9, "C66 in series with kt");
    is_rel(ce[4], 200e9, 1e-9, "C22 along: the mean");
    is_abs(ce[1], 0, 1e-9 * 200e9, "C12 0");
    is_abs(ce[2], 0, 1e-9 * 200e9, "C16 0");
    is_abs(ce[5], 0, 1e-9 * 200e9, "C26 0");
    coh[0].kind = FE_COH_LINEAR;
    fe_elast_homog_coh(&m, c, coh, &o, 1e-8, ce2, NULL, NULL, &err);
    is_rel(ce2[0], ce[0], 1e-12, "a bilinear law homogenises with its undamaged stiffness");
    coh[0].kind = FE_COH_BONDED;
    is_int(fe_elast_homog_coh(&m, c, coh, &o, 1e-8, ce, NULL, NULL, &err), CORE_EINPUT,
           "homogenisation: a split group that is bonded");
    fe_mesh_release(&m);
}

static void
test_bar_bilinear(void)
{
    struct core_err err = {0, ""};
    struct fe_mesh m;
    struct fe_solve_opts o = FE_SOLVE_OPTS_DEFAULT;
    /* 1 GPa/nm, 0.7 GPa/nm, 1 GPa, 2 J/m^2: delta0 = 1 nm, deltaf = 4 nm */
    struct fe_cohesive coh[1] = {{FE_COH_BILINEAR, 1e18, 0.7e18, 1e9, 2}};
    struct fe_failure fl;
    size_t nst = 150, k0 = 50, kpeak = 0;
    double c[18], *cv = malloc(3 * nst * sizeof *cv), *dc = malloc(2 * nst * sizeof *dc);
    double e0 = (1e9 * (0.5 * LX / 100e9 + 0.5 * LX / 300e9) + 1e-9) / LX, smax = 0, w = 0;
    double ep = 0, sp = 0, dmg[8], dmin = 2;
    int rc;
    bar(&m, 10, 4, LX, LY, 1);
    bar_cmat(c);
    is_int((long)m.nifaces, 4, "four interface elements");
    /* row k0 at the strength, row 120 at deltaf / L = 0.04 = 2.4 e0 */
    rc = fe_elast_tension_coh(&m, c, NULL, coh, &o, 1e-8, e0 * (double)nst / (double)k0, nst, cv,
                              dc, &fl, NULL, dmg, NULL, &err);
    is_int(rc, CORE_OK, "bilinear interface: runs (%s)", err.msg);
    for (int k = 0; k < 8; k++)
        dmin = fmin(dmin, dmg[k]);
    is_abs(dmin, 1, 0, "damage output: every Gauss point broken");
    is_int((long)fl.nsteps, (long)nst, "every step done");
    for (size_t k = 0; k < fl.nsteps; k++) {
        if (cv[3 * k + 1] > smax) {
            smax = cv[3 * k + 1];
            kpeak = k + 1;
        }
        /* the work of the end force per unit interface area: sigma Ly dU / Ly */
        w += 0.5 * (cv[3 * k + 1] + sp) * (cv[3 * k] - ep) * LX;
        ep = cv[3 * k];
        sp = cv[3 * k + 1];
    }
    is_rel(smax, 1e9, 1e-9, "peak stress = strength");
    is_int((long)kpeak, (long)k0, "at row %zu, the strain of the strength", k0);
    is_rel(w, 2, 1e-9, "work of the end force = gc per interface area");
    is_rel(fl.dissipated, 2 * LY, 1e-12, "dissipated = gc times the interface length");
    is_rel(dc[2 * (nst - 1) + 1], 2 * LY, 1e-12, "dcurve: the same at the last row");
    is_abs(cv[3 * (nst - 1) + 1], 0, 1e-3, "broken: no stress left (1e-12 of the strength)");
    is_int(fl.failed, 3, "failure 3: a crack");
    is_rel(fl.strain, 0.04, 1e-12, "the crack at deltaf / L");
    ok(fl.onset == 1, "damage onset reported");
    is_rel(fl.onset_strain, e0 * (double)(k0 + 1) / (double)k0, 1e-12,
           "onset: the first balance past the strength");
    is_rel(fl.broken, 1, 0, "the whole interface broken");
    is_rel(fl.dmax, 1, 0, "largest damage 1");
    is_int((long)fl.ncuts, 0, "no step cut");
    ok(fl.elem < m.nifaces && fl.onset_iface < m.nifaces, "elements in range");
    free(cv);
    free(dc);
    fe_mesh_release(&m);
}

static void
test_bar_snapback(void)
{
    struct core_err err = {0, ""};
    struct fe_mesh m;
    struct fe_solve_opts o = FE_SOLVE_OPTS_DEFAULT;
    /* a bulk of 1 GPa stores sigma L / E = 100 nm at the strength, far beyond deltaf = 4 nm:
     * the curve snaps back past the peak, which displacement control cannot follow */
    struct fe_cohesive coh[1] = {{FE_COH_BILINEAR, 1e18, 1e18, 1e9, 2}};
    struct fe_failure fl;
    double c[18], cv[30];
    int rc;
    bar(&m, 10, 4, LX, LY, 1);
    fe_elast_iso(1e9, 0, c);
    fe_elast_iso(1e9, 0, c + 9);
    rc = fe_elast_tension_coh(&m, c, NULL, coh, &o, 1e-8, 1.5, 10, cv, NULL, &fl, NULL, NULL, NULL,
                              &err);
    is_int(rc, CORE_OK, "snap-back: a result, not an error (%s)", err.msg);
    /* Newton jumps from the rising branch (step 6, strain 0.9) to the broken balance: the
     * curve drops in one row, reported as a crack */
    is_int((long)fl.nsteps, 10, "snap-back: every step done");
    is_int(fl.failed, 3, "snap-back: failure 3, a crack");
    is_rel(cv[3 * 5 + 1], 0.9 / 1.01 * 1e9, 1e-9, "snap-back: elastic up to step 6");
    is_abs(cv[3 * 6 + 1], 0, 1e-2, "snap-back: broken at step 7");
    is_rel(fl.strain, 1.05, 1e-12, "snap-back: the crack at step 7");
    is_rel(fl.onset_strain, 1.05, 1e-12, "snap-back: the onset in the same step");
    is_rel(fl.dissipated, 2 * LY, 1e-12, "snap-back: gc dissipated");
    fe_mesh_release(&m);
}

/* Two equal interfaces in series: past the strength one of them must soften while the other
 * unloads; the symmetric balance is unstable, the consistent tangent indefinite there, and
 * the secant takes over. The bar breaks (one interface at least), with Gc dissipated at least
 * once and at most twice. */
static void
test_bar_two(void)
{
    struct core_err err = {0, ""};
    struct fe_mesh m;
    struct fe_solve_opts o = FE_SOLVE_OPTS_DEFAULT;
    struct fe_cohesive coh[1] = {{FE_COH_BILINEAR, 1e18, 1e18, 1e9, 2}};
    struct fe_failure fl;
    double c[18], cv[3 * 60];
    int rc;
    bar3(&m, 12, 3, LX, LY, 1, 1);
    fe_elast_iso(100e9, 0, c);
    fe_elast_iso(300e9, 0, c + 9);
    rc = fe_elast_tension_coh(&m, c, NULL, coh, &o, 1e-8, 0.09, 60, cv, NULL, &fl, NULL, NULL, NULL,
                              &err);
    is_int(rc, CORE_OK, "two interfaces: runs (%s)", err.msg);
    is_int((long)fl.nsteps, 60, "two interfaces: every step");
    is_int(fl.failed, 3, "two interfaces: a crack");
    ok(fl.nsecant > 0, "two interfaces: the secant took over (%zu steps)", fl.nsecant);
    ok(fl.dissipated >= 2 * LY * (1 - 1e-9) && fl.dissipated <= 4 * LY * (1 + 1e-9),
       "two interfaces: Gc dissipated once or twice (%g of once)", fl.dissipated / (2 * LY));
    is_abs(cv[3 * 59 + 1], 0, 1e-3, "two interfaces: broken, no stress left");
    fe_mesh_release(&m);
}

static void
test_errors(void)
{
    struct core_err err = {0, ""};
    struct fe_mesh m;
    struct fe_solve_opts o = FE_SOLVE_OPTS_DEFAULT;
    struct fe_cohesive coh[1] = {{FE_COH_BONDED, 0, 0, 0, 0}};
    struct fe_failure fl;
    double c[18], cv[3], u[200];
    bar(&m, 10, 4, LX, LY, 1);
    bar_cmat(c);
    is_int(fe_elast_tension_coh(&m, c, NULL, coh, &o, 1e-8, 0.01, 1, cv, NULL, &fl, NULL, NULL,
                                NULL, &err),
           CORE_EINPUT, "a split group that is bonded");
    is_str(err.msg, "interface element 1 is in group 0, which is bonded (not to be split)",
           "its message");
    coh[0] = (struct fe_cohesive){FE_COH_BILINEAR, 1e18, 1e18, 1e9, 1e-3};
    is_int(fe_elast_tension_coh(&m, c, NULL, coh, &o, 1e-8, 0.01, 1, cv, NULL, &fl, NULL, NULL,
                                NULL, &err),
           CORE_EINPUT, "a law that snaps back by itself");
    ok(strncmp(err.msg, "group 0: the fracture energy 0.001 is not above", 47) == 0, "'%s'",
       err.msg);
    coh[0] = (struct fe_cohesive){FE_COH_LINEAR, 1e18, 1e18, 0, 0};
    is_int(fe_elast_tension_coh(&m, c, NULL, coh, &o, 1e-8, NAN, 1, cv, NULL, &fl, NULL, NULL, NULL,
                                &err),
           CORE_EINPUT, "a strain that is not finite");
    fe_mesh_release(&m);
    /* not split: the interface is bonded whatever coh says; the bar is then Reuss */
    bar(&m, 10, 4, LX, LY, 0);
    is_int(fe_elast_tension_coh(&m, c, NULL, coh, &o, 1e-8, 0.01, 1, cv, NULL, &fl, u, NULL, NULL,
                                &err),
           CORE_OK, "unsplit mesh: bonded");
    is_rel(cv[1] / cv[0], 1 / (0.5 / 100e9 + 0.5 / 300e9), 1e-9, "unsplit mesh: Reuss");
    is_abs(fl.ilength, 0, 0, "unsplit mesh: no cohesive length");
    fe_mesh_release(&m);
}

int
main(void)
{
    test_check();
    test_law();
    test_bar_linear(FE_SOLVER_PCG);
    test_bar_linear(FE_SOLVER_CHOLMOD);
    test_homog();
    test_bar_bilinear();
    test_bar_snapback();
    test_bar_two();
    test_errors();
    done_testing();
    return exit_status();
}
