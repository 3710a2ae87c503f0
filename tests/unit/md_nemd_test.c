/*
 * Unit tests of lib/md/nemd: the least-squares line; binning, block averages, conductivity and
 * interface jump on synthetic profiles (atoms placed with velocities that give each bin a
 * chosen temperature, thermostat heats set by hand), compared with the closed forms to
 * rounding; interfaces found by element, on synthetic phases and on lib/cryst's graphene|borophene
 * cell (strain-gen -b hetero); every error path of the set-up and the analysis; on Lennard-Jones
 * argon, the energy bookkeeping (E - heat_hot - heat_cold conserved, momentum conserved, fixed
 * atoms still) for Bussi and Langevin slabs in both geometries, determinism, and a short NEMD run
 * whose conductivity must be of the right order.
 *
 * The argon reference: LJ argon (eps 0.0104 eV, sigma 3.405 A, cut 8.5 A) near 50 K has a bulk
 * Green-Kubo conductivity of about 0.5 W/(m K) (McGaughey and Kaviany, Int. J. Heat Mass
 * Transfer 47, 1783 (2004), doi:10.1016/j.ijheatmasstransfer.2003.11.002, Fig. 4); a direct
 * NEMD cell only tens of Angstrom long gives less, since phonons scatter at the slabs
 * (1/k = 1/k_bulk + c/L, Schelling et al. PRB 65, 144306 (2002)): for the 24-cell (128 A)
 * bar here about 0.2-0.4. The test asks for 0.08 to 0.8 W/(m K): the right order, not a number.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/cryst/cryst.h"
#include "../../lib/md/md.h"
#include "../tap.h"

static struct core_err err;

/* W/m^2 per eV/(ps Angstrom^2) */
#define FLUX_SI (UNITS_E_SI * 1e32)

static double
gauss(uint64_t a, uint64_t b)
{
    struct core_rng r;
    core_rng_init(&r, 4242, 7, a, b);
    return core_rng_gauss(&r);
}

/* fcc argon, nx x ny x nz cubic cells of side a, periodic along x, y, z as pbc says. */
static void
fcc(struct core_frame *f, int nx, int ny, int nz, double a, const int pbc[3])
{
    static const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
    core_frame_resize(f, (size_t)(4 * nx * ny * nz), &err);
    size_t n = 0;
    for (int i = 0; i < nx; i++)
        for (int j = 0; j < ny; j++)
            for (int k = 0; k < nz; k++)
                for (int b = 0; b < 4; b++, n++) {
                    f->z[n] = 18;
                    f->pos[3 * n] = a * (i + basis[b][0] + 0.25);
                    f->pos[3 * n + 1] = a * (j + basis[b][1] + 0.25);
                    f->pos[3 * n + 2] = a * (k + basis[b][2] + 0.25);
                }
    memset(f->cell, 0, sizeof f->cell);
    f->cell[0] = a * nx;
    f->cell[4] = a * ny;
    f->cell[8] = a * nz;
    f->has_cell = 1;
    memcpy(f->pbc, pbc, sizeof f->pbc);
}

static int
argon(struct md_pot *pot)
{
    return md_lj_init(pot, 0.0104, 3.405, 8.5, 1, &err);
}

/* ---- the least-squares line ---- */

static void
test_linfit(void)
{
    double x[5] = {0.3, 1.7, 2.9, 4.1, 7.3}, y[5], a, b, se;
    for (int i = 0; i < 5; i++)
        y[i] = 271.8 - 3.14159 * x[i];
    is_int(md_nemd_linfit(5, x, y, &b, &a, &se, &err), 0, "linfit: exact line");
    is_rel(b, -3.14159, 1e-13, "linfit: slope");
    is_rel(a, 271.8, 1e-13, "linfit: intercept");
    is_abs(se, 0, 1e-11, "linfit: no scatter, no error");
    double x3[3] = {0, 1, 2}, y3[3] = {0, 2, 1};
    md_nemd_linfit(3, x3, y3, &b, &a, &se, &err);
    ok(fabs(b - 0.5) < 1e-15 && fabs(a - 0.5) < 1e-15 && fabs(se - sqrt(0.75)) < 1e-15,
       "linfit: (0,0) (1,2) (2,1): slope 1/2, intercept 1/2, error sqrt(3/4)");
    y[2] = NAN;
    y[4] = NAN;
    md_nemd_linfit(5, x, y, &b, &a, NULL, &err);
    is_rel(b, -3.14159, 1e-13, "linfit: NaN points left out");
    is_int(md_nemd_linfit(1, x, y, &b, &a, NULL, &err), CORE_EINPUT, "linfit: one point: %s",
           err.msg);
    y[0] = y[1] = y[3] = NAN;
    is_int(md_nemd_linfit(5, x, y, &b, &a, NULL, &err), CORE_EINPUT, "linfit: all NaN: %s",
           err.msg);
    double xs[3] = {1.5, 1.5, 1.5};
    is_int(md_nemd_linfit(3, xs, y3, &b, &a, NULL, &err), CORE_EINPUT, "linfit: one abscissa: %s",
           err.msg);
}

/* ---- synthetic profiles ---- */

#define NBINS  20
#define PERBIN 3
#define LBOX   43.7
#define LY     11.3
#define LZ     9.7

/* A periodic box LBOX x LY x LZ with PERBIN atoms in each of NBINS bins along x (masses of
 * Ar, C and Si), set up as an md_sys with the LJ potential. */
static void
synthetic_sys(struct md_sys *s, struct md_pot *pot, int open)
{
    struct core_frame f;
    core_frame_init(&f);
    core_frame_resize(&f, NBINS * PERBIN, &err);
    static const int zs[PERBIN] = {18, 6, 14};
    for (size_t b = 0; b < NBINS; b++)
        for (size_t k = 0; k < PERBIN; k++) {
            size_t i = PERBIN * b + k;
            f.z[i] = zs[k];
            /* inside the bin, away from its edges */
            f.pos[3 * i] = LBOX / NBINS * ((double)b + 0.2 + 0.3 * (double)k);
            f.pos[3 * i + 1] = 3.1 * (double)k + 0.7;
            f.pos[3 * i + 2] = 2.9 * (double)k + 0.4;
        }
    /* the open geometry spans the atoms: put one atom at each end of [0, LBOX) */
    if (open) {
        f.pos[0] = 0;
        f.pos[3 * (NBINS * PERBIN - 1)] = LBOX;
    }
    f.cell[0] = LBOX;
    f.cell[4] = LY;
    f.cell[8] = LZ;
    f.has_cell = 1;
    f.pbc[0] = !open;
    f.pbc[1] = f.pbc[2] = 1;
    argon(pot);
    md_sys_init(s, &f, pot, 0.5, &err);
    core_frame_release(&f);
}

/* Gives each bin of nm the temperature temp(c) of its centre c (fraction) with random
 * directions: sum m v^2 = k_B T dof over the bin's mobile atoms. */
static void
set_profile(const struct md_nemd *nm, struct md_sys *s, double (*temp)(double), uint64_t salt)
{
    for (size_t b = 0; b < NBINS; b++) {
        double c = ((double)b + 0.5) / NBINS, t = temp(c), mv2 = 0, nmob = 0;
        for (size_t k = 0; k < PERBIN; k++) {
            size_t i = PERBIN * b + k;
            if (nm->region[i] == MD_NEMD_FIXED)
                continue;
            for (int d = 0; d < 3; d++) {
                s->vel[3 * i + d] = gauss(i + 1000 * salt, (uint64_t)d);
                mv2 += MD_EV_PER_MV2 * s->mass[i] * s->vel[3 * i + d] * s->vel[3 * i + d];
            }
            nmob++;
        }
        double want = UNITS_KB_EV * t * 3 * nmob * nm->dofscale, a = mv2 > 0 ? sqrt(want / mv2) : 0;
        for (size_t k = 0; k < PERBIN; k++) {
            size_t i = PERBIN * b + k;
            for (int d = 0; d < 3; d++)
                s->vel[3 * i + d] *= a;
        }
    }
}

/* Triangular profile: 87 K at 0.25, 53 K at 0.75, linear between (periodic). */
static double
tri(double c)
{
    double d = fabs(c - 0.25);
    if (d > 0.5)
        d = 1 - d;
    return 87 - 34 * d / 0.5;
}

static double
tri2(double c)
{
    return 70 + 2 * (tri(c) - 70);
}

/* Path 1 (0.3 to 0.7) with a jump of 20 K at 0.5: 80 - 10 c before, 60 - 10 c after; path 2
 * linear from 53 K at 0.75 to 87 K at 1.25. */
static double
jumpy(double c)
{
    if (c > 0.3 && c < 0.7)
        return c < 0.5 ? 80 - 10 * c : 60 - 10 * c;
    return tri(c);
}

static void
test_synthetic(void)
{
    struct md_sys s;
    struct md_pot pot;
    struct md_nemd nm;
    struct md_nemd_opts o;
    synthetic_sys(&s, &pot, 0);
    md_nemd_opts_default(&o, MD_NEMD_PERIODIC);
    o.nbins = NBINS;
    o.temp = 70;
    o.dtemp = 34;
    is_int(md_nemd_init(&nm, &o, &s, &err), 0, "synthetic: set up");
    is_int((long)nm.nhot, 2 * PERBIN, "synthetic: %d atoms in the hot slab", 2 * PERBIN);
    is_int((long)nm.ncold, 2 * PERBIN, "synthetic: and in the cold one");
    is_rel(nm.area, LY * LZ, 1e-15, "synthetic: cross-section from the cell");
    is_rel(nm.dofscale, (NBINS * PERBIN - 1.0) / (NBINS * PERBIN), 1e-15,
           "synthetic: periodic: 3 (N - 1)/N degrees of freedom per atom");
    is_int(md_nemd_block_end(&nm, &err), CORE_EINPUT, "synthetic: empty block refused: %s",
           err.msg);

    /* block 1: the triangle, heats 0.731 and -0.695 eV over 2.5 ps */
    set_profile(&nm, &s, tri, 1);
    md_nemd_sample(&nm, &s);
    md_nemd_sample(&nm, &s);
    is_int(md_nemd_block_end(&nm, &err), CORE_EINPUT, "synthetic: block with no time refused");
    nm.time = 2.5;
    nm.th[0].heat = 0.731;
    nm.th[1].heat = -0.695;
    is_int(md_nemd_block_end(&nm, &err), 0, "synthetic: block 1 closed");
    double x[NBINS], t[NBINS], te[NBINS], worst = 0;
    md_nemd_profile(&nm, x, t, te);
    for (int b = 0; b < NBINS; b++)
        worst = fmax(worst, fabs(t[b] / tri((b + 0.5) / NBINS) - 1));
    ok(worst < 1e-13, "synthetic: every bin temperature exact (rel %.2g)", worst);
    is_rel(x[7], 7.5 * LBOX / NBINS, 1e-15, "synthetic: bin centres");
    struct md_nemd_kappa kr;
    is_int(md_nemd_kappa(&nm, 0, &kr, &err), 0, "synthetic: kappa");
    double j1 = 0.5 * (0.731 + 0.695) / (2.5 * 2 * LY * LZ) * FLUX_SI, g = 34 / (0.5 * LBOX);
    is_rel(kr.flux, j1, 1e-13, "synthetic: J = Q / (2 A t) = %.6g W/m^2", j1);
    is_rel(kr.grad, g, 1e-12, "synthetic: |dT/dx| = %.6g K/A on both paths", g);
    is_rel(kr.kappa, j1 / (g * 1e10), 1e-12, "synthetic: kappa = J/|dT/dx| = %.6g W/(m K)",
           kr.kappa);
    ok(kr.nblocks == 1 && kr.kappa_err == 0, "synthetic: one block, no error bar");

    /* block 2: twice the gradient, three times the heat: kappa 1.5 times block 1's */
    set_profile(&nm, &s, tri2, 2);
    for (int k = 0; k < 5; k++)
        md_nemd_sample(&nm, &s);
    nm.time = 5.0;
    nm.th[0].heat += 3 * 0.731;
    nm.th[1].heat += -3 * 0.695;
    md_nemd_block_end(&nm, &err);
    double k1 = j1 / (g * 1e10);
    md_nemd_kappa(&nm, 0.02, &kr, &err);
    is_rel(kr.kappa, 1.25 * k1, 1e-12, "synthetic: two blocks: mean of the block values");
    is_rel(kr.kappa_err, 0.25 * k1, 1e-10, "synthetic: standard error over blocks");
    is_rel(kr.flux, 2 * j1, 1e-12, "synthetic: mean flux");
    md_nemd_profile(&nm, x, t, te);
    is_rel(te[10], fabs(tri2(10.5 / NBINS) - tri(10.5 / NBINS)) / 2, 1e-11,
           "synthetic: profile standard error over blocks");
    is_int(md_nemd_kappa(&nm, 0.19, &kr, &err), CORE_EINPUT, "synthetic: margin too wide: %s",
           err.msg);
    is_int(md_nemd_kappa(&nm, -1, &kr, &err), CORE_EINPUT, "synthetic: negative margin");
    md_nemd_release(&nm);

    /* a jump of 20 K at 0.5 */
    md_nemd_init(&nm, &o, &s, &err);
    struct md_nemd_iface ir;
    is_int(md_nemd_interface(&nm, 0.5, 0.02, &ir, &err), CORE_EINPUT,
           "interface: no closed block: %s", err.msg);
    set_profile(&nm, &s, jumpy, 3);
    md_nemd_sample(&nm, &s);
    nm.time = 1.75;
    nm.th[0].heat = 0.412;
    nm.th[1].heat = -0.398;
    md_nemd_block_end(&nm, &err);
    is_int(md_nemd_interface(&nm, 1.5, 0.02, &ir, &err), 0, "interface: at 0.5 (given as 1.5)");
    double j3 = 0.5 * (0.412 + 0.398) / (1.75 * 2 * LY * LZ) * FLUX_SI;
    is_rel(ir.jump, 20, 1e-11, "interface: the jump of 20 K from the two fits");
    is_rel(ir.g, j3 / 20, 1e-11, "interface: G = J/dT = %.6g W/(m^2 K)", ir.g);
    is_rel(ir.pos, 0.5 * LBOX, 1e-15, "interface: position");
    is_rel(ir.grad_up, 10 / LBOX, 1e-10, "interface: upstream gradient");
    is_rel(ir.grad_dn, 10 / LBOX, 1e-10, "interface: downstream gradient");
    is_int(md_nemd_interface(&nm, 0.25, 0.02, &ir, &err), CORE_EINPUT,
           "interface: inside a slab: %s", err.msg);
    is_int(md_nemd_interface(&nm, NAN, 0.02, &ir, &err), CORE_EINPUT, "interface: NaN position");
    is_int(md_nemd_interface(&nm, 0.5, NAN, &ir, &err), CORE_EINPUT, "interface: NaN margin");
    is_int(md_nemd_interface(&nm, 0.32, 0.02, &ir, &err), CORE_EINPUT,
           "interface: too close to a slab to fit: %s", err.msg);
    md_nemd_release(&nm);

    /* reversed slabs: the cold one first; same magnitudes */
    o.hot[0] = 0.7;
    o.hot[1] = 0.8;
    o.cold[0] = 0.2;
    o.cold[1] = 0.3;
    md_nemd_init(&nm, &o, &s, &err);
    set_profile(&nm, &s, tri, 1);
    /* tri has its maximum at 0.25: with the slabs swapped, against the flow */
    md_nemd_sample(&nm, &s);
    nm.time = 2.5;
    nm.th[0].heat = 0.731;
    nm.th[1].heat = -0.695;
    md_nemd_block_end(&nm, &err);
    md_nemd_kappa(&nm, 0, &kr, &err);
    is_rel(kr.grad, -g, 1e-12, "synthetic: a gradient against the flow comes out negative");
    md_nemd_release(&nm);
    md_sys_release(&s);
    md_pot_release(&pot);
}

static double
ramp(double c)
{
    return 90 - 40 * c;
}

static void
test_open_synthetic(void)
{
    struct md_sys s;
    struct md_pot pot;
    struct md_nemd nm;
    struct md_nemd_opts o;
    synthetic_sys(&s, &pot, 1);
    md_nemd_opts_default(&o, MD_NEMD_OPEN);
    o.nbins = NBINS;
    o.temp = 70;
    o.dtemp = 30;
    o.fixed = 0.05;
    o.hot[0] = 0.05;
    o.hot[1] = 0.15;
    o.cold[0] = 0.85;
    o.cold[1] = 0.95;
    for (size_t i = 0; i < s.natoms; i++)
        s.vel[3 * i] = 1.234;
    is_int(md_nemd_init(&nm, &o, &s, &err), 0, "open: set up");
    is_int((long)nm.nfixed, 2 * PERBIN, "open: one bin of fixed atoms at each end");
    ok(s.vel[0] == 0 && s.vel[3 * (s.natoms - 1)] == 0 && s.vel[3 * PERBIN] == 1.234,
       "open: fixed atoms at rest, others untouched");
    is_rel(nm.len, LBOX, 1e-15, "open: length = extent of the atoms");
    ok(nm.dofscale == 1, "open: 3 degrees of freedom per atom");
    set_profile(&nm, &s, ramp, 4);
    md_nemd_sample(&nm, &s);
    nm.time = 3;
    nm.th[0].heat = 0.5;
    nm.th[1].heat = -0.5;
    md_nemd_block_end(&nm, &err);
    double x[NBINS], t[NBINS];
    md_nemd_profile(&nm, x, t, NULL);
    ok(isnan(t[0]) && isnan(t[NBINS - 1]) && fabs(t[5] / ramp(5.5 / NBINS) - 1) < 1e-13,
       "open: fixed bins empty (NaN), others exact");
    struct md_nemd_kappa kr;
    is_int(md_nemd_kappa(&nm, 0.0, &kr, &err), 0, "open: kappa");
    double j = 0.5 / (3 * LY * LZ) * FLUX_SI, g = 40 / LBOX;
    is_rel(kr.flux, j, 1e-13, "open: J = Q/(A t), one path");
    is_rel(kr.kappa, j / (g * 1e10), 1e-12, "open: kappa");
    is_int(md_nemd_interface(&nm, 0.9, 0.0, &(struct md_nemd_iface){0}, &err), CORE_EINPUT,
           "open: interface in a slab refused");
    md_nemd_release(&nm);
    md_sys_release(&s);
    md_pot_release(&pot);
}

static void
test_find_interfaces(void)
{
    struct md_sys s;
    struct md_pot pot;
    struct md_nemd nm;
    struct md_nemd_opts o;
    double xi[4];
    size_t n = 9;
    synthetic_sys(&s, &pot, 0);
    md_nemd_opts_default(&o, MD_NEMD_PERIODIC);
    md_nemd_init(&nm, &o, &s, &err);
    is_int(md_nemd_find_interfaces(&nm, &s, xi, 4, &n, &err), CORE_EINPUT,
           "interfaces: mixed elements refused: %s", err.msg);
    /* two phases: C below half the length, B above */
    for (size_t i = 0; i < s.natoms; i++)
        s.z[i] = s.pos[3 * i] < 0.5 * LBOX ? 6 : 5;
    is_int(md_nemd_find_interfaces(&nm, &s, xi, 4, &n, &err), 0, "interfaces: two phases");
    ok(n == 2 && fabs(xi[0]) < 1e-12 && fabs(xi[1] - 0.5) < 1e-12,
       "interfaces: at 0 (across the boundary) and 0.5 (%zu: %g %g)", n, xi[0], xi[1]);
    is_int(md_nemd_find_interfaces(&nm, &s, xi, 1, &n, &err), CORE_EINPUT,
           "interfaces: more than maxn: %s", err.msg);
    md_nemd_release(&nm);
    md_sys_release(&s);
    md_pot_release(&pot);
    /* open: no interface across the ends */
    synthetic_sys(&s, &pot, 1);
    md_nemd_opts_default(&o, MD_NEMD_OPEN);
    o.fixed = 0.05;
    o.hot[0] = 0.05;
    o.cold[1] = 0.95;
    md_nemd_init(&nm, &o, &s, &err);
    for (size_t i = 0; i < s.natoms; i++)
        s.z[i] = s.pos[3 * i] < 0.3 * LBOX ? 6 : 5;
    md_nemd_find_interfaces(&nm, &s, xi, 4, &n, &err);
    ok(n == 1 && fabs(xi[0] - 0.3) < 1e-12, "interfaces: open: one, at 0.3 (%g)", xi[0]);
    md_nemd_release(&nm);
    md_sys_release(&s);
    md_pot_release(&pot);
}

/* strain-gen's graphene|borophene cell (lib/cryst): the two interfaces found where expected,
 * the cross-section of the sheet from its thickness. */
static void
test_hetero_cell(void)
{
    struct cryst_hetero_opts ho = CRYST_HETERO_OPTS_DEFAULT;
    struct cryst_hetero_report rep;
    struct core_frame f;
    struct md_pot pot;
    struct md_sys s;
    struct md_nemd nm;
    struct md_nemd_opts o;
    double xi[4];
    size_t n = 0;
    core_frame_init(&f);
    ho.nx_graphene = 10;
    ho.nx_boro = 6;
    int rc = cryst_hetero_build(&f, &ho, &rep, &err);
    is_int(rc, 0, "hetero: built (%zu C + %zu B)", rc ? 0 : rep.natoms_graphene,
           rc ? 0 : rep.natoms_boro);
    argon(&pot); /* any potential: only the geometry is used */
    md_sys_init(&s, &f, &pot, 0.5, &err);
    md_nemd_opts_default(&o, MD_NEMD_PERIODIC);
    is_int(md_nemd_init(&nm, &o, &s, &err), CORE_EINPUT, "hetero: a sheet needs a thickness: %s",
           err.msg);
    o.thickness = 3.35;
    /* hot slab inside graphene, cold inside borophene */
    double wg = rep.width_graphene / rep.lx;
    o.hot[0] = 0.2 * wg;
    o.hot[1] = 0.5 * wg;
    o.cold[0] = wg + 0.4 * (1 - wg);
    o.cold[1] = wg + 0.6 * (1 - wg);
    is_int(md_nemd_init(&nm, &o, &s, &err), 0, "hetero: set up");
    is_rel(nm.area, rep.ly * 3.35, 1e-14, "hetero: A = ly x 3.35 A");
    is_int(md_nemd_find_interfaces(&nm, &s, xi, 4, &n, &err), 0, "hetero: interfaces");
    double gap = (rep.lx - rep.width_graphene - rep.width_boro) / 2;
    ok(n == 2 && fabs(xi[0] * rep.lx - (rep.width_graphene + gap / 2)) < 1e-9 &&
           fabs(xi[1] * rep.lx - (rep.lx - gap / 2)) < 1e-9,
       "hetero: interfaces in the middle of both gaps (%g, %g of %g A)", xi[0] * rep.lx,
       xi[1] * rep.lx, rep.lx);
    md_nemd_release(&nm);
    md_sys_release(&s);
    md_pot_release(&pot);
    core_frame_release(&f);
}

/* ---- error paths of the set-up ---- */

static int
try_opts(struct md_sys *s, const struct md_nemd_opts *o)
{
    struct md_nemd nm;
    int rc = md_nemd_init(&nm, o, s, &err);
    if (!rc)
        md_nemd_release(&nm);
    else if (nm.region || nm.ke2)
        return -1; /* something kept on error */
    return rc;
}

static void
test_errors(void)
{
    struct md_sys s, so;
    struct md_pot pot;
    struct md_nemd_opts o, d;
    synthetic_sys(&s, &pot, 0);
    md_pot_release(&pot);
    synthetic_sys(&so, &pot, 1);
    md_nemd_opts_default(&d, MD_NEMD_PERIODIC);
#define BAD(stmt, what)                                                                            \
    do {                                                                                           \
        o = d;                                                                                     \
        stmt;                                                                                      \
        is_int(try_opts(&s, &o), CORE_EINPUT, "refused: %s: %s", what, err.msg);                   \
    } while (0)
    BAD(o.axis = 3, "axis 3");
    BAD(o.axis = -1, "axis -1");
    BAD(o.geom = (enum md_nemd_geom)7, "unknown geometry");
    BAD(o.nbins = 1, "one bin");
    BAD(o.temp = NAN, "NaN temperature");
    BAD(o.dtemp = INFINITY, "infinite difference");
    BAD(o.dtemp = -1, "negative difference");
    BAD((o.temp = 10, o.dtemp = 20.5), "cold slab below 0 K");
    BAD(o.kind = MD_THERMOSTAT_NONE, "no thermostat");
    BAD(o.tdamp = 0, "zero damping time");
    BAD(o.hot[1] = 1.5, "hot slab past the end");
    BAD(o.cold[0] = o.cold[1], "empty cold slab");
    BAD(o.hot[0] = NAN, "NaN slab");
    BAD((o.hot[0] = 0.65, o.hot[1] = 0.72), "overlapping slabs");
    BAD(o.area = -1, "negative area");
    BAD(o.thickness = NAN, "NaN thickness");
    BAD((o.hot[0] = 0.2, o.hot[1] = 0.21), "a slab with fewer than 2 atoms");
    BAD(o.axis = 1, "a slab of a cell vector with no atoms in it");
    /* periodic geometry on a non-periodic axis; a tilted cell */
    s.pbc[0] = 0;
    BAD((void)0, "periodic geometry, axis not periodic");
    s.pbc[0] = 1;
    s.cell[3] = 0.5;
    BAD((void)0, "cell vector b with a component along x");
    s.cell[3] = 0;
    s.has_cell = 0;
    BAD((void)0, "no cell");
    BAD(o.area = 100, "no cell even with an area (periodic needs one)");
    s.has_cell = 1;
    s.pbc[1] = 0;
    BAD((void)0, "sheet with no thickness");
    o = d;
    o.thickness = 3.35;
    is_int(try_opts(&s, &o), 0, "sheet with a thickness accepted");
    {
        struct md_nemd nm;
        md_nemd_init(&nm, &o, &s, &err);
        is_rel(nm.area, 3.35 * LZ, 1e-15, "sheet: area = width x thickness");
        md_nemd_release(&nm);
    }
    s.pbc[2] = 0;
    BAD((void)0, "no periodic direction across the axis and no area");
    o = d;
    o.area = 57.5;
    is_int(try_opts(&s, &o), 0, "an area given is used");
    s.pbc[1] = s.pbc[2] = 1;
    s.cell[4] = 0;
    BAD(o.area = 0, "zero cross-section");
    s.cell[4] = LY;
    s.cell[0] = -1;
    BAD((void)0, "negative cell length along the axis");
    s.cell[0] = LBOX;

    /* the open geometry */
    md_nemd_opts_default(&d, MD_NEMD_OPEN);
    d.fixed = 0.05;
    d.hot[0] = 0.05;
    d.cold[1] = 0.95;
    o = d;
    is_int(try_opts(&so, &o), 0, "open: accepted");
    is_int(try_opts(&s, &o), CORE_EINPUT, "open: a periodic axis refused: %s", err.msg);
#undef BAD
#define BAD(stmt, what)                                                                            \
    do {                                                                                           \
        o = d;                                                                                     \
        stmt;                                                                                      \
        is_int(try_opts(&so, &o), CORE_EINPUT, "open: refused: %s: %s", what, err.msg);            \
    } while (0)
    BAD(o.fixed = 0.5, "fixed layer of half the length");
    BAD(o.fixed = -0.1, "negative fixed layer");
    BAD(o.fixed = 0.1, "slabs inside the fixed layers");
    double keep = so.pos[0];
    for (size_t i = 0; i < so.natoms; i++)
        so.pos[3 * i] = 7.0;
    BAD((void)0, "atoms spanning no length");
    for (size_t i = 0; i < so.natoms; i++)
        so.pos[3 * i] = LBOX / NBINS * ((double)(i / PERBIN) + 0.2 + 0.3 * (double)(i % PERBIN));
    so.pos[0] = keep;
    so.pos[3 * (so.natoms - 1)] = LBOX;
    is_int(try_opts(&so, &d), 0, "open: positions restored");

    /* step on another system */
    struct md_nemd nm;
    md_nemd_init(&nm, &d, &so, &err);
    nm.natoms--;
    is_int(md_nemd_step(&nm, &so, &pot, 0.001, &err), CORE_EINPUT, "step: other atom count: %s",
           err.msg);
    nm.natoms++;
    struct md_nemd_kappa kr;
    is_int(md_nemd_kappa(&nm, 0, &kr, &err), CORE_EINPUT, "kappa: no closed block: %s", err.msg);
    /* a block with a flat profile */
    for (size_t i = 0; i < so.natoms; i++)
        for (int k = 0; k < 3; k++)
            so.vel[3 * i + k] = nm.region[i] == MD_NEMD_FIXED ? 0 : 1.0;
    md_nemd_sample(&nm, &so);
    nm.time = 1;
    md_nemd_block_end(&nm, &err);
    /* equal masses per bin: the profile is flat when each bin holds the same atom types */
    is_int(md_nemd_kappa(&nm, 0, &kr, &err), CORE_EINPUT, "kappa: flat profile: %s", err.msg);
    md_nemd_release(&nm);
    md_sys_release(&s);
    md_sys_release(&so);
    md_pot_release(&pot);
}

/* ---- dynamics on argon ---- */

struct run {
    double drift;    /* max |E - heat_h - heat_c - E0| per atom, eV */
    double pdrift;   /* max |P - P0| / sum m |v| */
    double heat[2];  /* eV */
    int fixed_still; /* fixed atoms did not move */
};

static int
run_nemd(const struct core_frame *f, const struct md_pot *pot, const struct md_nemd_opts *o,
         double dt, int nsteps, struct run *r, struct md_sys *out)
{
    struct md_sys s;
    struct md_nemd nm;
    int rc = md_sys_init(&s, f, pot, 1.0, &err);
    if (rc)
        return rc;
    md_sys_thermalize(&s, o->temp, 5, &err);
    if ((rc = md_nemd_init(&nm, o, &s, &err)) || (rc = md_sys_compute(&s, pot, &err))) {
        md_sys_release(&s);
        return rc;
    }
    double *x0 = malloc(3 * s.natoms * sizeof *x0), e0 = s.epot + md_sys_kinetic(&s, NULL);
    memcpy(x0, s.pos, 3 * s.natoms * sizeof *x0);
    double p0[3] = {0, 0, 0}, pabs = 0;
    for (size_t i = 0; i < s.natoms; i++)
        for (int k = 0; k < 3; k++) {
            p0[k] += s.mass[i] * s.vel[3 * i + k];
            pabs += s.mass[i] * fabs(s.vel[3 * i + k]);
        }
    memset(r, 0, sizeof *r);
    for (int step = 0; step < nsteps && !rc; step++) {
        rc = md_nemd_step(&nm, &s, pot, dt, &err);
        double e = s.epot + md_sys_kinetic(&s, NULL) - nm.th[0].heat - nm.th[1].heat;
        r->drift = fmax(r->drift, fabs(e - e0) / (double)s.natoms);
        double p[3] = {0, 0, 0};
        for (size_t i = 0; i < s.natoms; i++)
            for (int k = 0; k < 3; k++)
                p[k] += s.mass[i] * s.vel[3 * i + k];
        for (int k = 0; k < 3; k++)
            r->pdrift = fmax(r->pdrift, fabs(p[k] - p0[k]) / pabs);
    }
    r->heat[0] = nm.th[0].heat;
    r->heat[1] = nm.th[1].heat;
    r->fixed_still = 1;
    for (size_t i = 0; i < s.natoms; i++)
        if (nm.region[i] == MD_NEMD_FIXED && memcmp(s.pos + 3 * i, x0 + 3 * i, 3 * sizeof *x0))
            r->fixed_still = 0;
    free(x0);
    md_nemd_release(&nm);
    if (out)
        *out = s;
    else
        md_sys_release(&s);
    return rc;
}

static void
test_bookkeeping(void)
{
    struct md_pot pot;
    struct core_frame f;
    struct md_nemd_opts o;
    struct run r, r2;
    static const int pbc[3] = {1, 1, 1};
    core_frame_init(&f);
    argon(&pot);
    fcc(&f, 8, 2, 2, 5.30, pbc);
    for (int kind = 0; kind < 2; kind++) {
        const char *name = kind ? "langevin" : "bussi";
        md_nemd_opts_default(&o, MD_NEMD_PERIODIC);
        o.kind = kind ? MD_THERMOSTAT_LANGEVIN : MD_THERMOSTAT_BUSSI;
        o.temp = 40;
        o.dtemp = 30;
        o.tdamp = 0.2;
        is_int(run_nemd(&f, &pot, &o, 0.006, 500, &r, NULL), 0, "%s: 500 steps of 6 fs", name);
        printf("# %s periodic: |E - heat - E0| %.3g eV/atom, heats %.4g %.4g eV, |dP| %.2g\n", name,
               r.drift, r.heat[0], r.heat[1], r.pdrift);
        ok(r.drift < 2e-5, "%s: E - heat_hot - heat_cold conserved to %.2g eV/atom", name, r.drift);
        ok(r.pdrift < 1e-12, "%s: total momentum conserved (%.2g)", name, r.pdrift);
        /* the conserved quantity's error is the integrator's: it falls with dt */
        run_nemd(&f, &pot, &o, 0.003, 1000, &r2, NULL);
        ok(r2.drift < r.drift / 2, "%s: and falls with the step (%.2g at 3 fs)", name, r2.drift);
    }
    /* open: fixed ends, argon bar non-periodic along x */
    static const int pbc_open[3] = {0, 1, 1};
    fcc(&f, 8, 2, 2, 5.30, pbc_open);
    md_nemd_opts_default(&o, MD_NEMD_OPEN);
    o.temp = 40;
    o.dtemp = 30;
    o.fixed = 0.04;
    o.hot[0] = 0.04;
    o.cold[1] = 0.96;
    is_int(run_nemd(&f, &pot, &o, 0.006, 500, &r, NULL), 0, "open: 500 steps");
    printf("# open: |E - heat - E0| %.3g eV/atom, heats %.4g %.4g eV\n", r.drift, r.heat[0],
           r.heat[1]);
    ok(r.drift < 2e-5, "open: E - heat conserved to %.2g eV/atom", r.drift);
    ok(r.fixed_still, "open: fixed atoms did not move");
    o.kind = MD_THERMOSTAT_LANGEVIN;
    is_int(run_nemd(&f, &pot, &o, 0.006, 500, &r, NULL), 0, "open langevin: 500 steps");
    ok(r.drift < 2e-5 && r.fixed_still, "open langevin: E - heat conserved (%.2g), walls still",
       r.drift);

    /* determinism */
    struct md_sys a, b;
    o.kind = MD_THERMOSTAT_BUSSI;
    run_nemd(&f, &pot, &o, 0.004, 200, &r, &a);
    run_nemd(&f, &pot, &o, 0.004, 200, &r2, &b);
    ok(memcmp(a.pos, b.pos, 3 * a.natoms * sizeof *a.pos) == 0 &&
           memcmp(a.vel, b.vel, 3 * a.natoms * sizeof *a.vel) == 0 && r.heat[0] == r2.heat[0],
       "same seed, same run bit for bit");
    md_sys_release(&a);
    md_sys_release(&b);
    md_pot_release(&pot);
    core_frame_release(&f);
}

/* A short NEMD run of an argon bar: 24 x 2 x 2 cells (384 atoms, 128 A), 60 K +- 10 K, steps of
 * 10 fs (0.005 in LJ units), 20 ps to reach the steady state and 4 blocks of 10 ps. */
static void
test_argon_kappa(void)
{
    struct md_pot pot;
    struct core_frame f;
    struct md_sys s;
    struct md_nemd nm;
    struct md_nemd_opts o;
    static const int pbc[3] = {1, 1, 1};
    core_frame_init(&f);
    argon(&pot);
    fcc(&f, 24, 2, 2, 5.34, pbc);
    md_sys_init(&s, &f, &pot, 1.0, &err);
    md_sys_thermalize(&s, 60, 11, &err);
    md_nemd_opts_default(&o, MD_NEMD_PERIODIC);
    o.temp = 60;
    o.dtemp = 20;
    o.tdamp = 0.5;
    o.nbins = 24;
    md_nemd_init(&nm, &o, &s, &err);
    const double dt = 0.01;
    int rc = 0, nequil = 2000, nblock = 1000, nblocks = 4;
    for (int i = 0; i < nequil && !rc; i++)
        rc = md_nemd_step(&nm, &s, &pot, dt, &err);
    md_nemd_sample(&nm, &s); /* a sample of the transient, discarded */
    md_nemd_block_discard(&nm);
    for (int b = 0; b < nblocks && !rc; b++) {
        for (int i = 0; i < nblock && !rc; i++) {
            rc = md_nemd_step(&nm, &s, &pot, dt, &err);
            if (i % 10 == 0)
                md_nemd_sample(&nm, &s);
        }
        rc = rc ? rc : md_nemd_block_end(&nm, &err);
    }
    is_int(rc, 0, "argon: %d steps of NEMD", nequil + nblock * nblocks);
    struct md_nemd_kappa kr;
    is_int(md_nemd_kappa(&nm, 0.05, &kr, &err), 0, "argon: kappa");
    printf("# argon 60 K, 128 A: J %.4g +- %.2g W/m^2, |dT/dx| %.4g +- %.2g K/A, kappa %.3g +- "
           "%.2g W/(m K)\n",
           kr.flux, kr.flux_err, kr.grad, kr.grad_err, kr.kappa, kr.kappa_err);
    ok(kr.kappa > 0.08 && kr.kappa < 0.8, "argon: kappa %.3g W/(m K) of the right order", kr.kappa);
    md_nemd_release(&nm);
    md_sys_release(&s);
    md_pot_release(&pot);
    core_frame_release(&f);
}

/* ---- md_nemd_advance (the run loop) and md_nemd_block_add (the restart) ---- */

static void
test_advance(void)
{
    struct md_pot pot;
    struct core_frame f;
    struct md_sys s1, s2;
    struct md_nemd n1, n2, n3;
    struct md_nemd_opts o;
    static const int pbc[3] = {1, 1, 1};
    core_frame_init(&f);
    argon(&pot);
    fcc(&f, 8, 1, 1, 5.34, pbc);
    md_sys_init(&s1, &f, &pot, 1.0, &err);
    md_sys_init(&s2, &f, &pot, 1.0, &err);
    md_sys_thermalize(&s1, 47.3, 5, &err);
    md_sys_thermalize(&s2, 47.3, 5, &err);
    md_nemd_opts_default(&o, MD_NEMD_PERIODIC);
    o.temp = 47.3;
    o.dtemp = 17.9;
    o.nbins = 8;
    o.seed = 77;
    md_nemd_init(&n1, &o, &s1, &err);
    md_nemd_init(&n2, &o, &s2, &err);
    const double dt = 0.0071;
    int rc = 0;
    is_int(md_nemd_advance(&n1, &s1, &pot, dt, 1, 0, 0, &err), CORE_EINPUT,
           "advance: a block of 0 steps refused: %s", err.msg);
    /* 7 steps of equilibration, blocks of 11: closed at 18 and 29, 4 samples open at 33 */
    for (uint64_t step = 1; step <= 33 && !rc; step++)
        rc = md_nemd_advance(&n1, &s1, &pot, dt, step, 7, 11, &err);
    for (int step = 1; step <= 33 && !rc; step++) {
        rc = md_nemd_step(&n2, &s2, &pot, dt, &err);
        if (step == 7)
            md_nemd_block_discard(&n2);
        if (step > 7)
            md_nemd_sample(&n2, &s2);
        if (!rc && (step == 18 || step == 29))
            rc = md_nemd_block_end(&n2, &err);
    }
    is_int(rc, 0, "advance: 33 steps");
    ok(n1.nblocks == 2 && n2.nblocks == 2 && n1.nsamples == 4 && n2.nsamples == 4,
       "advance: 2 blocks closed, 4 samples in the open one");
    ok(memcmp(n1.bprof, n2.bprof, 2 * 8 * sizeof *n1.bprof) == 0 &&
           memcmp(n1.bheat, n2.bheat, 4 * sizeof *n1.bheat) == 0 &&
           memcmp(n1.btime, n2.btime, 2 * sizeof *n1.btime) == 0 &&
           memcmp(n1.ke2, n2.ke2, 8 * sizeof *n1.ke2) == 0 && n1.time0 == n2.time0 &&
           n1.heat0[0] == n2.heat0[0] && n1.heat0[1] == n2.heat0[1] &&
           memcmp(s1.vel, s2.vel, 3 * s1.natoms * sizeof *s1.vel) == 0,
       "advance: bit for bit the hand-written loop (step, discard, sample, block end)");
    is_rel(n1.btime[0], 11 * dt, 1e-13, "advance: a block lasts nblock steps");

    /* block_add rebuilds the blocks: the same kappa */
    md_nemd_init(&n3, &o, &s2, &err);
    for (size_t k = 0; k < n1.nblocks && !rc; k++)
        rc = md_nemd_block_add(&n3, n1.bprof + 8 * k, n1.bheat + 2 * k, n1.btime[k], &err);
    is_int(rc, 0, "block_add: 2 blocks");
    struct md_nemd_kappa k1, k3;
    md_nemd_kappa(&n1, 0, &k1, &err);
    md_nemd_kappa(&n3, 0, &k3, &err);
    ok(k1.kappa == k3.kappa && k1.kappa_err == k3.kappa_err && k1.flux == k3.flux,
       "block_add: the same kappa, error and flux, bit for bit");
    double prof[8], heat[2] = {0.0123, -0.0119};
    memcpy(prof, n1.bprof, sizeof prof);
    prof[3] = NAN;
    for (int k = 0; k < 40 && !rc; k++) /* past the first growth of the arrays */
        rc = md_nemd_block_add(&n3, prof, heat, 0.25, &err);
    ok(rc == 0 && n3.nblocks == 42 && isnan(n3.bprof[41 * 8 + 3]) && n3.btime[41] == 0.25,
       "block_add: 40 more, an empty bin (NaN) kept");
    is_int(md_nemd_block_add(&n3, prof, heat, 0, &err), CORE_EINPUT, "block_add: time 0: %s",
           err.msg);
    is_int(md_nemd_block_add(&n3, prof, heat, NAN, &err), CORE_EINPUT, "block_add: time NaN");
    heat[1] = INFINITY;
    is_int(md_nemd_block_add(&n3, prof, heat, 0.25, &err), CORE_EINPUT, "block_add: heat Inf");
    heat[1] = -0.0119;
    prof[5] = -1.5;
    is_int(md_nemd_block_add(&n3, prof, heat, 0.25, &err), CORE_EINPUT,
           "block_add: a negative temperature: %s", err.msg);
    prof[5] = INFINITY;
    is_int(md_nemd_block_add(&n3, prof, heat, 0.25, &err), CORE_EINPUT,
           "block_add: an infinite temperature");
    ok(n3.nblocks == 42, "block_add: refused blocks not added");
    md_nemd_release(&n1);
    md_nemd_release(&n2);
    md_nemd_release(&n3);
    md_sys_release(&s1);
    md_sys_release(&s2);
    md_pot_release(&pot);
    core_frame_release(&f);
}

int
main(void)
{
    test_linfit();
    test_synthetic();
    test_open_synthetic();
    test_find_interfaces();
    test_hetero_cell();
    test_errors();
    test_bookkeeping();
    test_advance();
    test_argon_kappa();
    done_testing();
    return exit_status();
}
