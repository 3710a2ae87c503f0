/*
 * Unit tests of the dynamics of lib/md beyond NVE and Bussi/Langevin: the Nose-Hoover chain
 * (mean temperature within its error bar, canonical fluctuations, E - heat conserved, LAMMPS's
 * chain energy, determinism), stochastic cell rescaling per direction (a rattled, strained
 * graphene sheet relaxes x and y to zero mean stress while z is left alone; the effective
 * energy; determinism), uniaxial tension (a positive small-strain slope of the right size, a
 * peak and the stop past it), the MTK barostat (econs drift as dt^2, dt against two half
 * steps, mean pressure at the target, tension with it, determinism), and every error path of
 * their set-up.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "../../lib/md/md.h"
#include "../tap.h"

/* The carbon entry of LAMMPS potentials/BNC.tersoff (Lindsay and Broido's graphene set). */
static const char cc[] = "C C C 3.0 1.0 0.0 3.8049e4 4.3484 -0.93000 0.72751 1.5724e-7 2.2119 "
                         "430.00 1.95 0.15 3.4879 1393.6\n";

static struct core_err err;

static double
gauss(uint64_t a, uint64_t b)
{
    struct core_rng r;
    core_rng_init(&r, 4242, 97, a, b);
    return core_rng_gauss(&r);
}

static int
tersoff_c(struct md_pot *pot)
{
    struct core_species_map m;
    if (core_species_map_parse("C", &m, &err))
        return -1;
    return md_tersoff_init(pot, cc, "test.tersoff", &m, &err);
}

/* Graphene (armchair along x), nx x ny rectangular cells of 4 atoms, bond d, cell height c,
 * rattled by sigma; pbc T T F. */
static void
graphene(struct core_frame *f, int nx, int ny, double d, double c, double sigma)
{
    double h = sqrt(3.0) / 2 * d;
    const double base[4][2] = {{0, 0}, {d, 0}, {1.5 * d, h}, {2.5 * d, h}};
    core_frame_resize(f, (size_t)(4 * nx * ny), &err);
    size_t n = 0;
    for (int ix = 0; ix < nx; ix++)
        for (int iy = 0; iy < ny; iy++)
            for (int b = 0; b < 4; b++, n++) {
                f->z[n] = 6;
                f->pos[3 * n] = base[b][0] + 3 * d * ix + sigma * gauss(n, 0);
                f->pos[3 * n + 1] = base[b][1] + 2 * h * iy + sigma * gauss(n, 1);
                f->pos[3 * n + 2] = c / 2 + sigma * gauss(n, 2);
            }
    memset(f->cell, 0, sizeof f->cell);
    f->cell[0] = 3 * d * nx;
    f->cell[4] = 2 * h * ny;
    f->cell[8] = c;
    f->has_cell = 1;
    f->pbc[0] = f->pbc[1] = 1;
    f->pbc[2] = 0;
}

/* fcc argon, nc^3 cubic cells of a = 5.26 Angstrom, rattled a little. */
static void
argon(struct core_frame *f, int nc)
{
    const double a = 5.26, base[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
    core_frame_resize(f, (size_t)(4 * nc * nc * nc), &err);
    size_t n = 0;
    for (int x = 0; x < nc; x++)
        for (int y = 0; y < nc; y++)
            for (int z = 0; z < nc; z++)
                for (int b = 0; b < 4; b++, n++) {
                    f->z[n] = 18;
                    f->pos[3 * n] = a * (x + base[b][0]) + 0.05 * gauss(n, 10);
                    f->pos[3 * n + 1] = a * (y + base[b][1]) + 0.05 * gauss(n, 11);
                    f->pos[3 * n + 2] = a * (z + base[b][2]) + 0.05 * gauss(n, 12);
                }
    memset(f->cell, 0, sizeof f->cell);
    f->cell[0] = f->cell[4] = f->cell[8] = a * nc;
    f->has_cell = 1;
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
}

/* The positions, velocities and cell of s into f (same atoms). */
static void
md_frame_from(struct core_frame *f, const struct md_sys *s)
{
    memcpy(f->pos, s->pos, 3 * s->natoms * sizeof *f->pos);
    memcpy(f->cell, s->cell, sizeof f->cell);
}

static void
one_thread(int *saved)
{
#ifdef _OPENMP
    *saved = omp_get_max_threads();
    omp_set_num_threads(1);
#else
    *saved = 1;
#endif
}

static void
threads(int n)
{
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

static void
test_nhc(void)
{
    struct md_pot pot;
    struct core_frame f;
    struct md_thermostat th;
    struct md_sys s;
    int nth;
    const double T = 70, dt = 0.005;
    const int nsteps = 16000;
    core_frame_init(&f);
    md_lj_init(&pot, 0.0104, 3.4, 6.5, 1, &err);
    argon(&f, 2);
    double nf = 3.0 * (double)f.natoms - 3;

    is_int(md_thermostat_init(&th, MD_THERMOSTAT_NHC, T, 0.1, 3, &err), 0, "nhc init");
    is_int(th.nchain, MD_NHC_CHAIN, "default chain length %d", MD_NHC_CHAIN);
    is_int(md_sys_init(&s, &f, &pot, 0.5, &err), 0, "argon set up");
    md_sys_thermalize(&s, 2 * T, 9, &err);
    md_sys_compute(&s, &pot, &err);
    one_thread(&nth);
    double c0 = s.epot + md_sys_kinetic(&s, NULL), cd = 0, blk[20] = {0}, sum = 0, sum2 = 0;
    int n0 = nsteps / 10, nb = (nsteps - n0) / 20, m = 0, rc = 0;
    for (int step = 0; step < nsteps && !rc; step++) {
        rc = md_nvt_step(&s, &pot, &th, dt, &err);
        double t = md_sys_temp(&s), c = s.epot + md_sys_kinetic(&s, NULL) - th.heat;
        cd = fmax(cd, fabs(c - c0) / (double)s.natoms);
        if (step >= n0 && (step - n0) / nb < 20) {
            blk[(step - n0) / nb] += t / nb;
            sum += t;
            sum2 += t * t;
            m++;
        }
    }
    threads(nth);
    is_int(rc, 0, "nhc: %d steps", nsteps);
    double bm = 0, bv = 0;
    for (int b = 0; b < 20; b++)
        bm += blk[b] / 20;
    for (int b = 0; b < 20; b++)
        bv += (blk[b] - bm) * (blk[b] - bm) / 19;
    double mean = sum / m, se = sqrt(bv / 20), rsd = sqrt(sum2 / m - mean * mean) / mean;
    printf("# nhc: T %.3f +- %.3f K, rel sd %.4f (canonical %.4f), |dE - heat| %.2g eV/atom, "
           "heat %.4g eV\n",
           mean, se, rsd, sqrt(2 / nf), cd, th.heat);
    ok(fabs(mean - T) < 4 * se && se < 0.03 * T, "nhc: mean T %.2f +- %.2f K of %g K", mean, se, T);
    ok(fabs(rsd / sqrt(2 / nf) - 1) < 0.2, "nhc: canonical fluctuations of T (%.4f, %.4f)", rsd,
       sqrt(2 / nf));
    ok(cd < 2e-4, "nhc: E - heat conserved to %.2g eV/atom over 80 ps", cd);
    ok(th.heat < 0, "nhc: cooled from %g K (heat %.3g eV)", 2 * T, th.heat);
    /* heat is minus LAMMPS's f_nvt: sum Q v^2/2 + Nf kT eta_1 + kT sum eta_k */
    {
        double kt = UNITS_KB_EV * T, t2 = 0.01, e = 0;
        for (int k = 0; k < th.nchain; k++) {
            double q = (k ? 1 : nf) * kt * t2;
            e += 0.5 * q * th.veta[k] * th.veta[k] + (k ? kt : nf * kt) * th.eta[k];
        }
        is_rel(th.heat, -e, 1e-12, "nhc: heat is minus the chain energy");
    }
    md_sys_release(&s);

    /* a chain of 1 is Nose-Hoover; a longer one differs; same bits for any thread count */
    {
        struct md_sys a, b, c;
        struct md_thermostat ta, tb, tc;
        md_thermostat_init(&ta, MD_THERMOSTAT_NHC, 300, 0.05, 5, &err);
        md_thermostat_init(&tb, MD_THERMOSTAT_NHC, 300, 0.05, 5, &err);
        md_thermostat_init(&tc, MD_THERMOSTAT_NHC, 300, 0.05, 5, &err);
        is_int(md_thermostat_chain_set(&tc, 1, &err), 0, "chain of 1");
        md_sys_init(&a, &f, &pot, 0.5, &err);
        md_sys_init(&b, &f, &pot, 0.5, &err);
        md_sys_init(&c, &f, &pot, 0.5, &err);
        md_sys_thermalize(&a, 100, 3, &err);
        md_sys_thermalize(&b, 100, 3, &err);
        md_sys_thermalize(&c, 100, 3, &err);
        one_thread(&nth);
        for (int k = 0; k < 40; k++) {
            md_nvt_step(&a, &pot, &ta, 0.005, &err);
            md_nvt_step(&c, &pot, &tc, 0.005, &err);
        }
        threads(3);
        for (int k = 0; k < 40; k++)
            md_nvt_step(&b, &pot, &tb, 0.005, &err);
        threads(nth);
        ok(memcmp(a.pos, b.pos, 3 * a.natoms * sizeof *a.pos) == 0 &&
               memcmp(a.vel, b.vel, 3 * a.natoms * sizeof *a.vel) == 0 && ta.heat == tb.heat,
           "nhc: 1 and 3 threads: identical bits");
        ok(memcmp(a.vel, c.vel, 3 * a.natoms * sizeof *a.vel) != 0, "nhc: chain of 1 differs");
        ok(ta.heat > 0 && tc.heat > 0, "nhc: heats 100 K towards 300 K (%.3g, %.3g eV)", ta.heat,
           tc.heat);
        double p[3] = {0, 0, 0};
        for (size_t i = 0; i < a.natoms; i++)
            for (int k = 0; k < 3; k++)
                p[k] += a.mass[i] * a.vel[3 * i + k];
        is_abs(fabs(p[0]) + fabs(p[1]) + fabs(p[2]), 0, 1e-10, "nhc: total momentum stays 0");
        md_sys_release(&a);
        md_sys_release(&b);
        md_sys_release(&c);
    }

    is_int(md_thermostat_init(&th, MD_THERMOSTAT_NHC, 0, 0.1, 0, &err), CORE_EINPUT,
           "nhc at 0 K refused");
    is_str(err.msg, "thermostat: nhc needs a temperature > 0 (its masses scale with it)",
           "its message");
    md_thermostat_init(&th, MD_THERMOSTAT_NHC, 10, 0.1, 0, &err);
    is_int(md_thermostat_chain_set(&th, 0, &err), CORE_EINPUT, "chain of 0 refused");
    is_str(err.msg, "thermostat: chain length 0 is not in 1..16", "its message");
    is_int(md_thermostat_chain_set(&th, MD_NHC_MAXCHAIN + 1, &err), CORE_EINPUT,
           "chain of 17 refused");
    is_int(md_thermostat_chain_set(&th, MD_NHC_MAXCHAIN, &err), 0, "chain of 16 taken");
    enum md_thermostat_kind kind;
    is_int(md_thermostat_kind_parse("nhc", &kind, &err), 0, "parse nhc");
    is_int(kind, MD_THERMOSTAT_NHC, "nhc parsed");
    is_int(md_thermostat_kind_parse("langevin", &kind, &err), 0, "parse langevin");
    is_int(kind, MD_THERMOSTAT_LANGEVIN, "langevin parsed");
    is_int(md_thermostat_kind_parse("nose", &kind, &err), CORE_EINPUT, "unknown name refused");
    is_str(err.msg, "unknown thermostat 'nose' (none, bussi, langevin or nhc)", "its message");
    is_str(md_thermostat_name(MD_THERMOSTAT_NHC), "nhc", "name");
    md_pot_release(&pot);
    core_frame_release(&f);
}

/* Runs a graphene sheet with the barostat b and a Bussi thermostat at temp; returns the mean
 * 2D stress (N/m) xx and yy over the last half and their standard errors (10 blocks). */
static int
sheet_run(const struct md_pot *pot, struct md_sys *s, struct md_baro *b, double temp, int nsteps,
          double mean[2], double se[2], double *cdrift)
{
    struct md_thermostat th;
    double blk[2][10] = {{0}}, dt = 0.001;
    int rc = md_thermostat_init(&th, MD_THERMOSTAT_BUSSI, temp, 0.05, 77, &err), nh = nsteps / 2;
    rc = rc ? rc : md_sys_thermalize(s, temp, 5, &err);
    rc = rc ? rc : md_sys_compute(s, pot, &err);
    double v0 = fabs(core_cell_volume(s->cell));
    double c0 = s->epot + md_sys_kinetic(s, NULL) + b->press * v0;
    *cdrift = 0;
    for (int step = 0; step < nsteps && !rc; step++) {
        rc = md_npt_step(s, pot, &th, b, dt, &err);
        double st[9], v = fabs(core_cell_volume(s->cell));
        md_sys_stress(s, 1, st);
        double h = v / (s->cell[0] * s->cell[4]);
        double c = s->epot + md_sys_kinetic(s, NULL) + b->press * v - th.heat - b->heat;
        *cdrift = fmax(*cdrift, fabs(c - c0) / (double)s->natoms);
        if (step >= nh) {
            int k = (step - nh) * 10 / (nsteps - nh);
            blk[0][k] += st[0] * h * UNITS_EVA2_NM / (nsteps - nh) * 10;
            blk[1][k] += st[4] * h * UNITS_EVA2_NM / (nsteps - nh) * 10;
        }
    }
    for (int a = 0; a < 2; a++) {
        double m = 0, var = 0;
        for (int k = 0; k < 10; k++)
            m += blk[a][k] / 10;
        for (int k = 0; k < 10; k++)
            var += (blk[a][k] - m) * (blk[a][k] - m) / 9;
        mean[a] = m;
        se[a] = sqrt(var / 10);
    }
    return rc;
}

static void
test_baro(void)
{
    struct md_pot pot;
    struct core_frame f;
    struct md_sys s;
    struct md_baro b;
    int nth, xy[3] = {1, 1, 0}, none[3] = {0, 0, 0};
    core_frame_init(&f);
    is_int(tersoff_c(&pot), 0, "carbon Tersoff");
    /* compressed by 2 % in x and stretched by 1 % in y, rattled */
    graphene(&f, 3, 2, 1.44, 12, 0.03);
    for (size_t i = 0; i < f.natoms; i++) {
        f.pos[3 * i] *= 0.98;
        f.pos[3 * i + 1] *= 1.01;
    }
    f.cell[0] *= 0.98;
    f.cell[4] *= 1.01;
    md_sys_init(&s, &f, &pot, 0.5, &err);
    md_sys_compute(&s, &pot, &err);
    double st0[9];
    md_sys_stress(&s, 0, st0);
    double h = f.cell[8];
    printf("# sheet before: sxx %.3f syy %.3f N/m\n", st0[0] * h * UNITS_EVA2_NM,
           st0[4] * h * UNITS_EVA2_NM);
    /* compliance of the cell's stress: 1/(200 N/m) times the cell height */
    double beta = h / (200 / UNITS_EVA2_NM);
    is_int(md_baro_init(&b, MD_BARO_SCR, 0, 0.1, beta, xy, 20, 31, &err), 0, "scr init");
    is_int(md_baro_check(&b, &s, &err), 0, "sheet fits the barostat");
    double z0[24];
    for (size_t i = 0; i < s.natoms; i++)
        z0[i] = s.pos[3 * i + 2];
    double mean[2], se[2], cd;
    one_thread(&nth);
    is_int(sheet_run(&pot, &s, &b, 20, 4000, mean, se, &cd), 0, "sheet: 4000 steps of 1 fs");
    threads(nth);
    printf("# sheet after: sxx %.3f +- %.3f, syy %.3f +- %.3f N/m; a %.4f b %.4f c %.4f; "
           "|econs drift| %.2g eV/atom, baro heat %.3g eV\n",
           mean[0], se[0], mean[1], se[1], s.cell[0], s.cell[4], s.cell[8], cd, b.heat);
    ok(fabs(st0[0]) * h * UNITS_EVA2_NM > 3 && fabs(st0[4]) * h * UNITS_EVA2_NM > 1,
       "the sheet starts stressed");
    ok(fabs(mean[0]) < fmax(4 * se[0], 0.3) && fabs(mean[1]) < fmax(4 * se[1], 0.3),
       "x and y relax to zero mean stress (%.3f +- %.3f, %.3f +- %.3f N/m)", mean[0], se[0],
       mean[1], se[1]);
    ok(s.cell[8] == f.cell[8] && s.cell[2] == 0 && s.cell[5] == 0, "z of the cell untouched");
    {
        int same = 1;
        for (size_t i = 0; i < s.natoms; i++) /* z moves only by the dynamics: no scaling */
            same &= fabs(s.pos[3 * i + 2] - z0[i]) < 0.5;
        ok(same, "z positions are not scaled");
    }
    ok(s.cell[0] > f.cell[0] && s.cell[4] < f.cell[4], "x expands and y shrinks");
    ok(cd < 2e-3, "E + P0 V - heats conserved to %.2g eV/atom", cd);
    ok(b.step == 4000, "moves counted");
    md_sys_release(&s);

    /* same bits for any thread count */
    {
        struct md_sys a, c;
        struct md_baro ba, bc;
        struct md_thermostat ta, tc;
        md_baro_init(&ba, MD_BARO_SCR, 0.01, 0.1, beta, xy, 300, 3, &err);
        md_baro_init(&bc, MD_BARO_SCR, 0.01, 0.1, beta, xy, 300, 3, &err);
        md_thermostat_init(&ta, MD_THERMOSTAT_LANGEVIN, 300, 0.1, 4, &err);
        md_thermostat_init(&tc, MD_THERMOSTAT_LANGEVIN, 300, 0.1, 4, &err);
        md_sys_init(&a, &f, &pot, 0.5, &err);
        md_sys_init(&c, &f, &pot, 0.5, &err);
        md_sys_thermalize(&a, 300, 3, &err);
        md_sys_thermalize(&c, 300, 3, &err);
        one_thread(&nth);
        for (int k = 0; k < 50; k++)
            md_npt_step(&a, &pot, &ta, &ba, 0.001, &err);
        threads(3);
        for (int k = 0; k < 50; k++)
            md_npt_step(&c, &pot, &tc, &bc, 0.001, &err);
        threads(nth);
        ok(memcmp(a.pos, c.pos, 3 * a.natoms * sizeof *a.pos) == 0 &&
               memcmp(a.cell, c.cell, sizeof a.cell) == 0 && ba.heat == bc.heat,
           "scr + langevin: 1 and 3 threads: identical bits");
        ok(a.cell[0] != f.cell[0] && a.cell[8] == f.cell[8], "the cell moved in x, not in z");
        md_sys_release(&a);
        md_sys_release(&c);
    }

    /* the deformed neighbour list: forces and energy as from a fresh list, few rebuilds */
    {
        struct md_sys a, c;
        struct md_baro ba;
        struct md_thermostat ta;
        struct core_frame g;
        core_frame_init(&g);
        graphene(&g, 4, 3, 1.40, 12, 0.05);
        md_baro_init(&ba, MD_BARO_SCR, -5 / UNITS_EVA3_GPA, 0.05, 0.3 * UNITS_EVA3_GPA, xy, 300, 3,
                     &err);
        md_thermostat_init(&ta, MD_THERMOSTAT_BUSSI, 300, 0.1, 4, &err);
        md_sys_init(&a, &g, &pot, 0.5, &err);
        md_sys_thermalize(&a, 300, 3, &err);
        double maxf = 0, maxe = 0, l0 = g.cell[0];
        int rc = 0;
        for (int k = 1; k <= 600 && !rc; k++) {
            rc = md_npt_step(&a, &pot, &ta, &ba, 0.001, &err);
            if (k % 50)
                continue;
            md_frame_from(&g, &a);
            rc = rc ? rc : md_sys_init(&c, &g, &pot, 0.5, &err);
            rc = rc ? rc : md_sys_compute(&c, &pot, &err);
            maxe = fmax(maxe, fabs(c.epot - a.epot) / fabs(c.epot));
            for (size_t i = 0; i < 3 * a.natoms; i++)
                maxf = fmax(maxf, fabs(c.force[i] - a.force[i]));
            md_sys_release(&c);
        }
        is_int(rc, 0, "600 steps under a tension of 5 GPa");
        printf("# deformed list: a %.4f -> %.4f A, %zu builds in 600 steps, energy %.2g rel, "
               "forces %.2g eV/A\n",
               l0, a.cell[0], a.nl.nbuilds, maxe, maxf);
        ok(a.cell[0] > 1.02 * l0, "the cell stretched by %.1f %%", 100 * (a.cell[0] / l0 - 1));
        ok(maxe < 1e-12 && maxf < 1e-9, "forces and energy as with a fresh list (%.2g, %.2g)", maxe,
           maxf);
        ok(a.nl.nbuilds < 300, "the list is deformed, not rebuilt every step (%zu builds)",
           a.nl.nbuilds);
        md_sys_release(&a);
        core_frame_release(&g);
    }

    /* errors */
    is_int(md_baro_init(&b, MD_BARO_SCR, 0, 0, beta, xy, 0, 0, &err), CORE_EINPUT, "pdamp 0");
    is_str(err.msg, "barostat: damping time 0 ps must be > 0", "its message");
    is_int(md_baro_init(&b, MD_BARO_SCR, 0, 0.1, -1, xy, 0, 0, &err), CORE_EINPUT,
           "negative compressibility");
    is_str(err.msg, "barostat: compressibility -1 A^3/eV must be > 0", "its message");
    is_int(md_baro_init(&b, MD_BARO_SCR, NAN, 0.1, 1, xy, 0, 0, &err), CORE_EINPUT, "NaN pressure");
    is_str(err.msg, "barostat: pressure is not finite", "its message");
    is_int(md_baro_init(&b, MD_BARO_SCR, 0, 0.1, 1, xy, -3, 0, &err), CORE_EINPUT, "T < 0");
    is_str(err.msg, "barostat: temperature -3 K must be >= 0", "its message");
    is_int(md_baro_init(&b, MD_BARO_SCR, 0, 0.1, 1, none, 0, 0, &err), CORE_EINPUT, "no dirs");
    is_str(err.msg, "barostat: no direction to control", "its message");
    is_int(md_baro_init(&b, (enum md_baro_kind)5, 0, 0.1, 1, xy, 0, 0, &err), CORE_EINPUT,
           "unknown kind");
    is_str(md_baro_name(MD_BARO_SCR), "scr", "name");
    md_sys_init(&s, &f, &pot, 0.5, &err);
    int xyz[3] = {1, 1, 1};
    md_baro_init(&b, MD_BARO_SCR, 0, 0.1, 1, xyz, 0, 0, &err);
    is_int(md_baro_check(&b, &s, &err), CORE_EINPUT, "z of a sheet refused");
    is_str(err.msg, "barostat: the cell is not periodic along z (pbc of cell vector 3)",
           "its message");
    /* a huge compressibility blows the cell up in one step */
    md_baro_init(&b, MD_BARO_SCR, 0, 0.001, 1e6, xy, 0, 0, &err);
    {
        struct md_thermostat tn;
        md_thermostat_init(&tn, MD_THERMOSTAT_NONE, 0, 0, 0, &err);
        is_int(md_npt_step(&s, &pot, &tn, &b, 0.001, &err), CORE_EPHYS, "a runaway cell: EPHYS");
        ok(strncmp(err.msg, "cell: scale factor ", 19) == 0, "its message: %s", err.msg);
    }
    md_sys_release(&s);
    s.has_cell = 0;
    f.has_cell = 0;
    f.pbc[0] = f.pbc[1] = 0;
    md_sys_init(&s, &f, &pot, 0.5, &err);
    md_baro_init(&b, MD_BARO_SCR, 0, 0.1, 1, xy, 0, 0, &err);
    is_int(md_baro_check(&b, &s, &err), CORE_EINPUT, "no cell refused");
    is_str(err.msg, "stress control and tension need a cell with a volume", "its message");
    md_baro_init(&b, MD_BARO_NONE, 0, 0, 0, NULL, 0, 0, &err);
    is_int(md_baro_check(&b, &s, &err), 0, "no barostat: any system");
    md_sys_release(&s);
    md_pot_release(&pot);
    core_frame_release(&f);
}

static void
test_tension(void)
{
    struct md_pot pot;
    struct core_frame f;
    struct md_sys s;
    struct md_baro b;
    struct md_tension t;
    struct md_thermostat th;
    int nth, xy[3] = {1, 1, 0};
    core_frame_init(&f);
    tersoff_c(&pot);
    graphene(&f, 3, 2, 1.44, 10, 0.01);
    md_sys_init(&s, &f, &pot, 0.5, &err);
    double h = f.cell[8], beta = h / (200 / UNITS_EVA2_NM);
    md_baro_init(&b, MD_BARO_SCR, 0, 0.05, beta, xy, 5, 1, &err);
    md_thermostat_init(&th, MD_THERMOSTAT_BUSSI, 5, 0.05, 2, &err);
    /* relax first, then pull along x at 0.5/ps (fast: a test) */
    md_sys_thermalize(&s, 5, 1, &err);
    one_thread(&nth);
    for (int k = 0; k < 1000; k++)
        md_npt_step(&s, &pot, &th, &b, 0.001, &err);
    is_int(md_baro_tension_set(&b, &s, 0, 0.5, &err), 0, "tension along x");
    ok(b.dirs[0] == 0 && b.dirs[1] == 1, "x is pulled, y relaxed");
    is_int(md_tension_init(&t, 3.35, 0.03, &err), 0, "tension record");
    double row[MD_TENSION_NCOLS], s1 = 0, e1 = 0, peak = 0, epk = 0;
    int stop = 0, rows = 0, rc = 0, cols = 1;
    for (int k = 1; k <= 2000 && !stop && !rc; k++) {
        rc = md_npt_step(&s, &pot, &th, &b, 0.001, &err);
        md_tension_sample(&t, &s);
        if (k % 20 == 0) {
            md_tension_row(&t, &s, &b, row, &stop);
            rows++;
            cols &= fabs(row[9] - row[3] * 3.35 / 10) < 1e-9 * fabs(row[9]);
            cols &= row[1] == row[3] && row[2] == row[9]; /* the pull is along x */
            if (rows == 2) {                              /* 2 % strain */
                s1 = row[9];
                e1 = row[0];
            }
            if (row[9] > peak) {
                peak = row[9];
                epk = row[0];
            }
        }
    }
    threads(nth);
    is_int(rc, 0, "tension run");
    double slope = s1 / e1;
    printf("# tension: slope %.1f N/m over %.3f strain, peak %.1f N/m at %.3f, stopped at %.3f "
           "after %d rows\n",
           slope, e1, peak, epk, md_baro_strain(&b, &s), rows);
    ok(slope > 200 && slope < 500, "small-strain slope %.0f N/m (about 340 N/m)", slope);
    ok(cols, "GPa column = N/m column / 3.35 Angstrom for a sheet");
    ok(stop && md_baro_strain(&b, &s) > epk + 0.03 && md_baro_strain(&b, &s) < epk + 0.03 + 0.02,
       "stops 0.03 past the peak strain %.3f", epk);
    ok(peak > 20, "a peak of %.1f N/m", peak);
    is_rel(b.len0 * (1 + md_baro_strain(&b, &s)), s.cell[0], 1e-14, "strain from the cell");
    ok(s.cell[8] == f.cell[8], "z of the cell untouched");

    /* errors */
    is_int(md_baro_tension_set(&b, &s, 3, 0.5, &err), CORE_EINPUT, "direction 3");
    is_str(err.msg, "tension: direction 3 is not x, y or z", "its message");
    is_int(md_baro_tension_set(&b, &s, 0, -1, &err), CORE_EINPUT, "negative rate");
    is_str(err.msg, "tension: strain rate -1 1/ps must be > 0", "its message");
    is_int(md_baro_tension_set(&b, &s, 2, 0.1, &err), CORE_EINPUT, "z of a sheet");
    is_str(err.msg, "tension: the cell is not periodic along z (pbc of cell vector 3)",
           "its message");
    is_int(md_tension_init(&t, 0, 0.05, &err), CORE_EINPUT, "thickness 0");
    is_str(err.msg, "tension: thickness 0 Angstrom must be > 0", "its message");
    is_int(md_tension_init(&t, 3.35, -0.1, &err), CORE_EINPUT, "negative past");
    is_str(err.msg, "tension: strain past the peak -0.1 must be >= 0", "its message");
    md_baro_init(&b, MD_BARO_NONE, 0, 0, 0, NULL, 0, 0, &err);
    is_abs(md_baro_strain(&b, &s), 0, 0, "no deformation: strain 0");
    md_sys_release(&s);
    md_pot_release(&pot);
    core_frame_release(&f);
}

/* An MTK run of a graphene sheet (x, y controlled, target press in eV/A^3) with the nhc
 * thermostat at 300 K: nsteps of dt from f with velocities of seed 5; *drift gets the largest
 * |econs - econs_0| (eV), and with pm not NULL the mean of P_xx, P_yy over the second half and
 * their standard errors over 10 blocks (eV/A^3). The state stays in s, b. */
static int
mtk_run(const struct md_pot *pot, const struct core_frame *f, struct md_sys *s, struct md_baro *b,
        double press, double pdamp, double dt, int nsteps, double *drift, double pm[2],
        double pse[2])
{
    struct md_thermostat th;
    int xy[3] = {1, 1, 0}, nh = nsteps / 2;
    double blk[2][10] = {{0}};
    int rc = md_sys_init(s, f, pot, 0.5, &err);
    rc = rc ? rc : md_thermostat_init(&th, MD_THERMOSTAT_NHC, 300, 0.05, 1, &err);
    rc = rc ? rc : md_baro_init(b, MD_BARO_MTK, press, pdamp, 0, xy, 300, 1, &err);
    rc = rc ? rc : md_sys_thermalize(s, 300, 5, &err);
    rc = rc ? rc : md_sys_compute(s, pot, &err);
    if (rc)
        return rc;
    double c0 = s->epot + md_sys_kinetic(s, NULL) + press * fabs(core_cell_volume(s->cell));
    *drift = 0;
    for (int step = 0; step < nsteps && !rc; step++) {
        rc = md_npt_step(s, pot, &th, b, dt, &err);
        double st[9], v = fabs(core_cell_volume(s->cell));
        md_sys_stress(s, 1, st);
        double c = s->epot + md_sys_kinetic(s, NULL) + press * v - th.heat - b->heat;
        *drift = fmax(*drift, fabs(c - c0));
        if (pm && step >= nh) {
            int k = (step - nh) * 10 / (nsteps - nh);
            for (int a = 0; a < 2; a++)
                blk[a][k] += -st[4 * a] / (nsteps - nh) * 10;
        }
    }
    for (int a = 0; pm && a < 2; a++) {
        double m = 0, var = 0;
        for (int k = 0; k < 10; k++)
            m += blk[a][k] / 10;
        for (int k = 0; k < 10; k++)
            var += (blk[a][k] - m) * (blk[a][k] - m) / 9;
        pm[a] = m;
        pse[a] = sqrt(var / 10);
    }
    return rc;
}

/* Largest difference of the velocities (A/ps) and of the cell (A) of two runs. */
static double
state_diff(const struct md_sys *a, const struct md_sys *c)
{
    double d = 0;
    for (size_t i = 0; i < 3 * a->natoms; i++)
        d = fmax(d, fabs(a->vel[i] - c->vel[i]));
    for (int k = 0; k < 9; k++)
        d = fmax(d, fabs(a->cell[k] - c->cell[k]));
    return d;
}

static void
test_mtk(void)
{
    struct md_pot pot;
    struct core_frame f;
    struct md_sys s, s2, s4;
    struct md_baro b, b2, b4;
    int nth, xy[3] = {1, 1, 0}, none[3] = {0, 0, 0};
    core_frame_init(&f);
    is_int(tersoff_c(&pot), 0, "carbon Tersoff");
    graphene(&f, 3, 2, 1.43, 12, 0.02);
    one_thread(&nth);

    /* E + P0 V - heats: its drift over 0.1 ps shrinks as dt^2 */
    double d[3], p0 = -0.3 / UNITS_EVA3_GPA;
    int rc = 0;
    for (int k = 0; k < 3 && !rc; k++) {
        double dt = 0.001 / (1 << k);
        rc = mtk_run(&pot, &f, &s, &b, p0, 0.05, dt, 100 << k, &d[k], NULL, NULL);
        md_sys_release(&s);
    }
    is_int(rc, 0, "mtk runs of 0.1 ps at dt 1, 0.5, 0.25 fs");
    printf("# mtk: |econs drift| over 0.1 ps: %.3g %.3g %.3g eV (24 atoms)\n", d[0], d[1], d[2]);
    ok(d[0] < 0.04 && d[1] < 0.01 && d[2] < 0.0025,
       "econs drift within 0.04 eV (dt / 1 fs)^2 (a stiff barostat, pdamp 0.05 ps)");
    ok(d[0] / d[1] > 3 && d[0] / d[1] < 5.5 && d[1] / d[2] > 3 && d[1] / d[2] < 5.5,
       "econs drift shrinks as dt^2 (ratios %.2f %.2f)", d[0] / d[1], d[1] / d[2]);

    /* velocities and cell after 20 fs: dt -> the same with two half steps, error as dt^2 */
    double dd[2];
    rc = mtk_run(&pot, &f, &s, &b, p0, 0.05, 0.001, 20, &d[0], NULL, NULL);
    rc = rc ? rc : mtk_run(&pot, &f, &s2, &b2, p0, 0.05, 0.0005, 40, &d[0], NULL, NULL);
    rc = rc ? rc : mtk_run(&pot, &f, &s4, &b4, p0, 0.05, 0.00025, 80, &d[0], NULL, NULL);
    is_int(rc, 0, "20 fs at three time steps");
    dd[0] = state_diff(&s, &s2);
    dd[1] = state_diff(&s2, &s4);
    printf("# mtk: |state(dt) - state(dt/2)| %.3g, |state(dt/2) - state(dt/4)| %.3g; "
           "omega_dot %.4g %.4g 1/ps\n",
           dd[0], dd[1], b4.omega_dot[0], b4.omega_dot[1]);
    ok(dd[0] / dd[1] > 3 && dd[0] / dd[1] < 5.5 && dd[1] < 0.1,
       "consistent: two half steps converge to the step as dt^2 (%.3g, %.3g)", dd[0], dd[1]);
    ok(fabs(s.cell[0] - f.cell[0]) > 1e-4 && s.cell[8] == f.cell[8],
       "the cell moved in x, not in z");
    md_sys_release(&s);
    md_sys_release(&s2);
    md_sys_release(&s4);

    /* the mean of P_aa is the target within its error, up to O(k_B T/V): the MTK kinetic term
     * and the covariance of P_aa and V, of opposite signs, move it by about k_B T/V each */
    double pm[2], pse[2];
    rc = mtk_run(&pot, &f, &s, &b, p0, 0.05, 0.001, 20000, &d[0], pm, pse);
    is_int(rc, 0, "20 ps of 1 fs");
    double kv = UNITS_KB_EV * 300 / fabs(core_cell_volume(s.cell));
    printf("# mtk: P0 %.4f GPa; mean Pxx %.4f +- %.4f, Pyy %.4f +- %.4f GPa; kT/V %.4f GPa; "
           "|econs drift| %.3g eV\n",
           p0 * UNITS_EVA3_GPA, pm[0] * UNITS_EVA3_GPA, pse[0] * UNITS_EVA3_GPA,
           pm[1] * UNITS_EVA3_GPA, pse[1] * UNITS_EVA3_GPA, kv * UNITS_EVA3_GPA, d[0]);
    for (int a = 0; a < 2; a++)
        ok(fabs(pm[a] - p0) < 4 * pse[a] + 2 * kv, "<P_%c%c> = P0 within 4 se + 2 kT/V", "xy"[a],
           "xy"[a]);
    ok(b.step == 20000 && b.pchain == MD_MTK_CHAIN, "moves counted, LAMMPS's pchain 3");
    ok(d[0] < 0.1, "econs over 20 ps within 0.1 eV (%.3g eV)", d[0]);
    md_sys_release(&s);

    /* same bits for any thread count */
    threads(3);
    rc = mtk_run(&pot, &f, &s2, &b2, p0, 0.05, 0.001, 20000, &d[1], NULL, NULL);
    threads(1);
    ok(rc == 0 && b2.heat == b.heat && b2.omega_dot[0] == b.omega_dot[0],
       "3 threads: the same bits as 1");
    md_sys_release(&s2);

    /* tension along x with MTK on y: the strain follows the rate exactly */
    {
        struct md_thermostat th;
        int yonly[3] = {0, 1, 0};
        md_sys_init(&s, &f, &pot, 0.5, &err);
        md_sys_thermalize(&s, 300, 5, &err);
        md_thermostat_init(&th, MD_THERMOSTAT_NHC, 300, 0.05, 1, &err);
        md_baro_init(&b, MD_BARO_MTK, 0, 0.1, 0, yonly, 300, 1, &err);
        is_int(md_baro_tension_set(&b, &s, 0, 0.5, &err), 0, "tension x");
        rc = 0;
        for (int k = 0; k < 200 && !rc; k++)
            rc = md_npt_step(&s, &pot, &th, &b, 0.001, &err);
        is_int(rc, 0, "200 steps of tension with mtk");
        is_abs(md_baro_strain(&b, &s), 0.1, 1e-12, "strain = rate t");
        ok(b.tstep == 200 && b.step == 200, "deformation steps counted");
        ok(s.cell[4] != f.cell[4] && s.cell[8] == f.cell[8], "y controlled, z not");
        md_sys_release(&s);
    }

    /* errors */
    is_int(md_baro_init(&b, MD_BARO_MTK, 0, 0.1, 0, xy, 0, 0, &err), CORE_EINPUT, "mtk at 0 K");
    is_str(err.msg, "barostat: mtk needs a temperature > 0 (its masses scale with it), not 0 K",
           "its message");
    is_int(md_baro_init(&b, MD_BARO_MTK, 0, -1, 0, xy, 300, 0, &err), CORE_EINPUT, "pdamp < 0");
    is_int(md_baro_init(&b, MD_BARO_MTK, 0, 0.1, 0, none, 300, 0, &err), CORE_EINPUT, "no dirs");
    is_int(md_baro_init(&b, MD_BARO_MTK, 0, 0.1, -5, xy, 300, 0, &err), 0,
           "mtk: compress not looked at");
    {
        enum md_baro_kind k;
        is_int(md_baro_kind_parse("mtk", &k, &err), 0, "parse mtk");
        ok(k == MD_BARO_MTK, "mtk parsed");
        is_int(md_baro_kind_parse("MTK", &k, &err), CORE_EINPUT, "parse MTK");
        is_str(err.msg, "unknown barostat 'MTK' (none, scr or mtk)", "its message");
        is_str(md_baro_name(MD_BARO_MTK), "mtk", "name");
    }
    md_sys_init(&s, &f, &pot, 0.5, &err);
    {
        struct md_thermostat tb;
        md_thermostat_init(&tb, MD_THERMOSTAT_BUSSI, 300, 0.1, 0, &err);
        md_baro_init(&b, MD_BARO_MTK, 0, 0.1, 0, xy, 300, 0, &err);
        is_int(md_npt_step(&s, &pot, &tb, &b, 0.001, &err), CORE_EINPUT, "mtk with bussi");
        is_str(err.msg, "barostat: mtk needs the nhc thermostat, not bussi", "its message");
        md_thermostat_init(&tb, MD_THERMOSTAT_NHC, 300, 0.1, 0, &err);
        /* a target 1e5 GPa from the stress: omega_dot about 4000/ps in half a step */
        md_baro_init(&b, MD_BARO_MTK, -1e5 / UNITS_EVA3_GPA, 0.1, 0, xy, 300, 0, &err);
        is_int(md_npt_step(&s, &pot, &tb, &b, 0.001, &err), CORE_EPHYS, "a runaway cell: EPHYS");
        ok(strncmp(err.msg, "cell: MTK scale factor ", 23) == 0, "its message: %s", err.msg);
        struct md_baro bs;
        md_baro_init(&bs, MD_BARO_SCR, 0, 0.1, 1, xy, 300, 0, &err);
        is_abs(md_baro_energy(&bs, &s), 0, 0, "scr has no barostat energy");
    }
    md_sys_release(&s);
    threads(nth);
    md_pot_release(&pot);
    core_frame_release(&f);
}

int
main(void)
{
    test_nhc();
    test_baro();
    test_tension();
    test_mtk();
    done_testing();
    return exit_status();
}
