/*
 * Unit tests of lib/md: neighbour lists against brute force, Tersoff and Lennard-Jones forces
 * against -dE/dx and virials against -dE/d(eps) by central differences, invariance under
 * rotation and translation, per-atom virials, the heat current against d/dt sum_i r_i E_i, NVE
 * energy conservation, Maxwell-Boltzmann velocities, determinism over thread counts, and every
 * error path of the parameter parser and the setup. The MTP adapter against mtp_calc and by
 * finite differences; the Bussi and Langevin thermostats: mean temperature within its error bar,
 * canonical fluctuations, the conserved quantity, determinism.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "../../lib/md/md.h"
#include "../../lib/mtp/mtp.h"
#include "../tap.h"

/* LAMMPS potentials/BNC.tersoff (Kinaci et al., PRB 86, 115410 (2012)), as Debian ships it. */
static const char bnc[] =
    "# DATE: 2013-03-21 UNITS: metal CONTRIBUTOR: Cem Sevik\n"
    "# Tersoff parameters for B, N, C\n"
    "N      N       N   3.0 1.0 0.0 17.7959  5.9484  0.00000 0.6184432 0.019251 2.6272721 "
    "138.77866 2.0 0.1 2.8293093 128.86866\n"
    "N N B 3.0 1.0 0.0 17.7959  5.9484  0.00000 0.6184432 0.019251 2.6272721 138.77866 2.0 0.1 "
    "2.8293093 128.86866\n"
    "N N C 3.0 1.0 0.0 17.7959  5.9484  0.00000 0.6184432 0.019251 2.6272721 138.77866 2.0 0.1 "
    "2.8293093 128.86866\n"
    "B B B 3.0 1.0 0.0 0.52629  0.001587  0.5 3.9929061 1.6e-6 2.0774982 43.132016 2.0 0.1 "
    "2.2372578 40.0520156\n"
    "B B N 3.0 1.0 0.0 0.52629  0.001587  0.5 3.9929061 1.6e-6 2.0774982 43.132016 2.0 0.1 "
    "2.2372578 40.0520156\n"
    "B B C 3.0 1.0 0.0 0.52629  0.001587  0.5 3.9929061 1.6e-6 2.0774982 43.132016 2.0 0.1 "
    "2.2372578 40.0520156\n"
    "N B B 3.0 1.0 0.0 25000 4.3484 -0.89000 0.72751 1.25724e-7 2.199 340.00 1.95 0.05 3.568 "
    "1380.0\n"
    "N B N 3.0 1.0 0.0 25000 4.3484 -0.89000 0.72751 1.25724e-7 2.199 340.00 1.95 0.05 3.568 "
    "1380.0\n"
    "N B C 3.0 1.0 0.0 25000 4.3484 -0.89000 0.72751 1.25724e-7 2.199 340.00 1.95 0.05 3.568 "
    "1380.0\n"
    "B N B 3.0 1.0 0.0 25000 4.3484 -0.89000 0.72751 1.25724e-7 2.199 340.00 1.95 0.05 3.568 "
    "1380.0\n"
    "B N N 3.0 1.0 0.0 25000 4.3484 -0.89000 0.72751 1.25724e-7 2.199 340.00 1.95 0.05 3.568 "
    "1380.0\n"
    "B N C 3.0 1.0 0.0 25000 4.3484 -0.89000 0.72751 1.25724e-7 2.199 340.00 1.95 0.05 3.568 "
    "1380.0\n"
    "C C C 3.0 1.0 0.0 3.8049e4 4.3484 -0.93000 0.72751 1.5724e-7 2.2119 430.00 1.95 0.15 "
    "3.4879 1393.6\n"
    "C C B 3.0 1.0 0.0 3.8049e4 4.3484 -0.93000 0.72751 1.5724e-7 2.2119 430.00 1.95 0.15 "
    "3.4879 1393.6\n"
    "C C N 3.0 1.0 0.0 3.8049e4 4.3484 -0.93000 0.72751 1.5724e-7 2.2119 430.00 1.95 0.15 "
    "3.4879 1393.6\n"
    "C B B 3.0 1.0 0.0 3.8049e4 4.3484 -0.93000 0.72751 1.5724e-7 2.2054 339.068910 1.95 0.10 "
    "3.5279 1386.78\n"
    "C B N 3.0 1.0 0.0 3.8049e4 4.3484 -0.93000 0.72751 1.5724e-7 2.2054 339.068910 1.95 0.10 "
    "3.5279 1386.78\n"
    "C B C 3.0 1.0 0.0 3.8049e4 4.3484 -0.93000 0.72751 1.5724e-7 2.2054 339.068910 1.95 0.10 "
    "3.5279 1386.78\n"
    "C N B 3.0 1.0 0.0 3.8049e4 4.3484 -0.93000 0.72751 1.5724e-7 2.2054 387.575152 1.95 0.10 "
    "3.5279 1386.78\n"
    "C N N 3.0 1.0 0.0 3.8049e4 4.3484 -0.93000 0.72751 1.5724e-7 2.2054 387.575152 1.95 0.10 "
    "3.5279 1386.78\n"
    "C N C 3.0 1.0 0.0 3.8049e4 4.3484 -0.93000 0.72751 1.5724e-7 2.2054 387.575152 1.95 0.10 "
    "3.5279 1386.78\n"
    "B C C 3.0 1.0 0.0 25000 4.3484 -0.89000 0.72751 1.25724e-7 2.2054 339.068910 1.95 0.10 "
    "3.5279 1386.78\n"
    "B C B 3.0 1.0 0.0 25000 4.3484 -0.89000 0.72751 1.25724e-7 2.2054 339.068910 1.95 0.10 "
    "3.5279 1386.78\n"
    "B C N 3.0 1.0 0.0 25000 4.3484 -0.89000 0.72751 1.25724e-7 2.2054 339.068910 1.95 0.10 "
    "3.5279 1386.78\n"
    "N C C 3.0 1.0 0.0 25000 4.3484 -0.89000 0.72751 1.25724e-7 2.2054 387.575152 1.95 0.10 "
    "3.5279 1386.78\n"
    "N C B 3.0 1.0 0.0 25000 4.3484 -0.89000 0.72751 1.25724e-7 2.2054 387.575152 1.95 0.10 "
    "3.5279 1386.78\n"
    "N C N 3.0 1.0 0.0 25000 4.3484 -0.89000 0.72751 1.25724e-7 2.2054 387.575152 1.95 0.10 "
    "3.5279 1386.78\n";

/* LAMMPS potentials/Si.tersoff (Tersoff 1988): m = 3 with lambda3 != 0; an entry over two
 * lines, as the file has it. */
static const char si[] = "# Tersoff_2 (PRB 38, 9902)\n"
                         "Si  Si   Si  3.0 1.0 1.3258 4.8381 2.0417 0.0000 22.956\n"
                         "             0.33675  1.3258  95.373  3.0  0.2  3.2394  3264.7\n";

/* LAMMPS potentials/GaN.tersoff (Nord et al. 2003): m = 1, lambda3 != 0, two elements. */
static const char gan[] = " Ga Ga Ga 1.0 0.007874 1.846 1.918000 0.75000 -0.301300 1.0 1.0\n"
                          "          1.44970 410.132 2.87 0.15 1.60916 535.199\n"
                          " N  N  N  1.0 0.766120 0.000 0.178493 0.20172 -0.045238 1.0 1.0\n"
                          "          2.38426 423.769 2.20 0.20 3.55779 1044.77\n"
                          " Ga Ga N  1.0 0.001632 0.000 65.20700 2.82100 -0.518000 1.0 0.0\n"
                          "          0.00000 0.00000 2.90 0.20 0.00000 0.00000\n"
                          " Ga N  N  1.0 0.001632 0.000 65.20700 2.82100 -0.518000 1.0 1.0\n"
                          "          2.63906 3864.27 2.90 0.20 2.93516 6136.44\n"
                          " N  Ga Ga 1.0 0.001632 0.000 65.20700 2.82100 -0.518000 1.0 1.0\n"
                          "          2.63906 3864.27 2.90 0.20 2.93516 6136.44\n"
                          " N  Ga N  1.0 0.766120 0.000 0.178493 0.20172 -0.045238 1.0 0.0\n"
                          "          0.00000 0.00000 2.20 0.20 0.00000 0.00000\n"
                          " N  N  Ga 1.0 0.001632 0.000 65.20700 2.82100 -0.518000 1.0 0.0\n"
                          "          0.00000 0.00000 2.90 0.20 0.00000 0.00000\n"
                          " Ga N  Ga 1.0 0.007874 1.846 1.918000 0.75000 -0.301300 1.0 0.0\n"
                          "          0.00000 0.00000 2.87 0.15 0.00000 0.00000\n";

static struct core_err err;

static int
mkmap(struct core_species_map *m, const char *list)
{
    return core_species_map_parse(list, m, &err);
}

/* Tersoff potential from text for the species list. */
static int
tersoff(struct md_pot *pot, const char *text, const char *list)
{
    struct core_species_map m;
    if (mkmap(&m, list))
        return -1;
    return md_tersoff_init(pot, text, "test.tersoff", &m, &err);
}

/* Gaussian numbers for tests from core_rng. */
static double
gauss(uint64_t a, uint64_t b)
{
    struct core_rng r;
    core_rng_init(&r, 12345, 99, a, b);
    return core_rng_gauss(&r);
}

static double
unif(uint64_t a, uint64_t b)
{
    struct core_rng r;
    core_rng_init(&r, 777, 98, a, b);
    return core_rng_uniform(&r);
}

/* Graphene (armchair along x), nx x ny rectangular cells of 4 atoms, bond d, vacuum c; every
 * atom rattled by sigma; element z, with every k-th atom (k > 0) made zb. */
static void
graphene(struct core_frame *f, int nx, int ny, double d, double c, double sigma, int z, int k,
         int zb)
{
    double h = sqrt(3.0) / 2 * d;
    const double base[4][2] = {{0, 0}, {d, 0}, {1.5 * d, h}, {2.5 * d, h}};
    core_frame_resize(f, (size_t)(4 * nx * ny), &err);
    size_t n = 0;
    for (int ix = 0; ix < nx; ix++)
        for (int iy = 0; iy < ny; iy++)
            for (int b = 0; b < 4; b++, n++) {
                f->z[n] = (k > 0 && n % (size_t)k == 0) ? zb : z;
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

/* n random atoms in a triclinic cell, no two closer than dmin (or as close as 2000 tries
 * allow), elements alternating z1, z2. */
static void
random_cell(struct core_frame *f, size_t n, const double cell[9], double dmin, int z1, int z2,
            uint64_t seed)
{
    core_frame_resize(f, n, &err);
    memcpy(f->cell, cell, sizeof f->cell);
    f->has_cell = 1;
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    for (size_t i = 0; i < n; i++) {
        f->z[i] = i % 2 ? z2 : z1;
        for (int t = 0; t < 2000; t++) {
            double s[3], x[3];
            for (int k = 0; k < 3; k++)
                s[k] = unif(seed * 100000 + i, (uint64_t)(3 * t + k));
            for (int k = 0; k < 3; k++)
                x[k] = s[0] * cell[k] + s[1] * cell[3 + k] + s[2] * cell[6 + k];
            int okay = 1;
            for (size_t j = 0; j < i && okay; j++) {
                /* minimum image over -1..1 */
                for (int a = -1; a <= 1 && okay; a++)
                    for (int b = -1; b <= 1 && okay; b++)
                        for (int c = -1; c <= 1 && okay; c++) {
                            double r2 = 0;
                            for (int k = 0; k < 3; k++) {
                                double dk = x[k] - f->pos[3 * j + k] + a * cell[k] +
                                            b * cell[3 + k] + c * cell[6 + k];
                                r2 += dk * dk;
                            }
                            if (r2 < dmin * dmin)
                                okay = 0;
                        }
            }
            memcpy(f->pos + 3 * i, x, sizeof x);
            if (okay)
                break;
        }
    }
}

/* Energy, forces (if F) and virial (if W) of f. Returns the status. */
static int
evaluate(const struct md_pot *pot, const struct core_frame *f, double *e, double *F, double *W)
{
    struct md_sys s;
    int rc = md_sys_init(&s, f, pot, 0.7, &err);
    if (rc)
        return rc;
    rc = md_sys_compute(&s, pot, &err);
    if (!rc) {
        *e = s.epot;
        if (F)
            memcpy(F, s.force, 3 * f->natoms * sizeof *F);
        if (W)
            md_sys_virial(&s, W);
    }
    md_sys_release(&s);
    return rc;
}

/* Forces against central differences of the energy (every component), and the virial against
 * -dE/d(eps) for all 9 components of a non-symmetric strain. */
static void
check_derivatives(const struct md_pot *pot, struct core_frame *f, const char *what)
{
    size_t n = f->natoms;
    double e0 = NAN, W[9], *F = malloc(3 * n * sizeof *F);
    const double h = 1e-5;
    is_int(evaluate(pot, f, &e0, F, W), 0, "%s: evaluates", what);
    double worst = 0, fbig = 0, fsum[3] = {0, 0, 0};
    for (size_t i = 0; i < 3 * n; i++) {
        double x = f->pos[i], ep = NAN, em = NAN;
        f->pos[i] = x + h;
        evaluate(pot, f, &ep, NULL, NULL);
        f->pos[i] = x - h;
        evaluate(pot, f, &em, NULL, NULL);
        f->pos[i] = x;
        double fd = -(ep - em) / (2 * h);
        if (fabs(fd - F[i]) > worst)
            worst = fabs(fd - F[i]);
        if (fabs(F[i]) > fbig)
            fbig = fabs(F[i]);
        fsum[i % 3] += F[i];
    }
    ok(fbig > 0.1, "%s: forces are not trivially small (max %.3g eV/A)", what, fbig);
    is_abs(worst, 0, 2e-7 * (1 + fbig), "%s: forces = -dE/dx by central differences", what);
    is_abs(fabs(fsum[0]) + fabs(fsum[1]) + fabs(fsum[2]), 0, 1e-10 * n * (1 + fbig),
           "%s: forces sum to zero", what);

    double *p0 = malloc(3 * n * sizeof *p0), c0[9];
    memcpy(p0, f->pos, 3 * n * sizeof *p0);
    memcpy(c0, f->cell, sizeof c0);
    double wworst = 0, wmax = 0;
    for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++) {
            double ev[2] = {NAN, NAN};
            for (int sgn = 0; sgn < 2; sgn++) {
                double eps = sgn ? -h : h;
                /* x' = x (I + eps), eps with the single component (a, b) */
                for (size_t i = 0; i < n; i++)
                    f->pos[3 * i + b] = p0[3 * i + b] + eps * p0[3 * i + a];
                for (int r = 0; r < 3; r++)
                    f->cell[3 * r + b] = c0[3 * r + b] + eps * c0[3 * r + a];
                evaluate(pot, f, &ev[sgn], NULL, NULL);
                memcpy(f->pos, p0, 3 * n * sizeof *p0);
                memcpy(f->cell, c0, sizeof c0);
            }
            double dw = -(ev[0] - ev[1]) / (2 * h);
            if (fabs(dw - W[3 * a + b]) > wworst)
                wworst = fabs(dw - W[3 * a + b]);
            if (fabs(W[3 * a + b]) > wmax)
                wmax = fabs(W[3 * a + b]);
        }
    }
    is_abs(wworst, 0, 1e-7 * (1 + wmax), "%s: virial = -dE/d(eps) (max |W| %.3g eV)", what, wmax);

    /* per-atom virials sum to the virial */
    struct md_sys s;
    md_sys_init(&s, f, pot, 0.5, &err);
    md_sys_compute(&s, pot, &err);
    double *wa = malloc(9 * n * sizeof *wa), sw[9] = {0};
    is_int(md_sys_atom_virial(&s, wa, &err), 0, "%s: per-atom virials", what);
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 9; k++)
            sw[k] += wa[9 * i + k];
    double dev = 0;
    for (int k = 0; k < 9; k++)
        dev = fmax(dev, fabs(sw[k] - W[k]));
    is_abs(dev, 0, 1e-10 * (1 + wmax), "%s: sum of per-atom virials is the virial", what);
    md_sys_release(&s);
    free(wa);
    free(p0);
    free(F);
}

static void
test_tersoff_derivatives(void)
{
    struct md_pot pot;
    struct core_frame f;
    core_frame_init(&f);

    is_int(tersoff(&pot, bnc, "C"), 0, "BNC.tersoff for C");
    is_rel(pot.rcut, 2.1, 1e-15, "BNC carbon cut-off R + D");
    graphene(&f, 3, 2, 1.42, 10, 0.1, 6, 0, 0);
    check_derivatives(&pot, &f, "graphene rattled");
    /* compressed, so that bonds fall into the cut-off region */
    graphene(&f, 3, 2, 1.42, 10, 0.1, 6, 0, 0);
    for (size_t i = 0; i < 3 * f.natoms; i++)
        f.pos[i] *= 1.3;
    for (int k = 0; k < 9; k++)
        f.cell[k] *= 1.3;
    check_derivatives(&pot, &f, "graphene stretched into f_C");
    md_pot_release(&pot);

    is_int(tersoff(&pot, bnc, "C,B,N"), 0, "BNC.tersoff for C,B,N");
    graphene(&f, 3, 2, 1.45, 10, 0.12, 6, 3, 5);
    for (size_t i = 1; i < f.natoms; i += 5)
        f.z[i] = 7;
    check_derivatives(&pot, &f, "B,N-doped graphene");
    md_pot_release(&pot);

    is_int(tersoff(&pot, si, "Si"), 0, "Si.tersoff (entry over two lines)");
    double cell[9] = {9.0, 0, 0, 2.1, 8.5, 0, -1.3, 1.7, 8.8};
    random_cell(&f, 28, cell, 2.2, 14, 14, 1);
    check_derivatives(&pot, &f, "Si random triclinic, lambda3, m=3");
    md_pot_release(&pot);

    is_int(tersoff(&pot, gan, "Ga,N"), 0, "GaN.tersoff");
    double cell2[9] = {8.0, 0, 0, -2.4, 7.6, 0, 1.1, -0.9, 8.3};
    random_cell(&f, 36, cell2, 1.9, 31, 7, 2);
    check_derivatives(&pot, &f, "GaN random triclinic, m=1");
    md_pot_release(&pot);

    /* a small cell: the cut-off is larger than half the cell (images of the atom itself) */
    is_int(tersoff(&pot, si, "Si"), 0, "Si.tersoff again");
    double cell3[9] = {3.9, 0, 0, 0.8, 3.7, 0, 0.3, -0.4, 3.8};
    random_cell(&f, 2, cell3, 2.2, 14, 14, 3);
    check_derivatives(&pot, &f, "Si 2 atoms in a cell smaller than the cut-off");
    md_pot_release(&pot);
    core_frame_release(&f);
}

static void
test_lj(void)
{
    struct md_pot pot;
    struct core_frame f;
    double e = NAN, F[6], W[9];
    core_frame_init(&f);

    is_int(md_lj_init(&pot, 0.0104, 3.4, 8.5, 0, &err), 0, "lj init");
    core_frame_resize(&f, 2, &err);
    f.z[0] = f.z[1] = 18;
    f.pos[3] = 3.7;
    f.pos[4] = 0.4;
    double r = hypot(3.7, 0.4), sr6 = pow(3.4 / r, 6);
    is_int(evaluate(&pot, &f, &e, F, W), 0, "two argon atoms, no cell");
    is_rel(e, 4 * 0.0104 * (sr6 * sr6 - sr6), 1e-14, "lj energy is the pair energy");
    double fr = 24 * 0.0104 * (2 * sr6 * sr6 - sr6) / r; /* -dphi/dr */
    is_rel(F[3], fr * 3.7 / r, 1e-13, "lj force on atom 2, x");
    is_rel(F[0], -fr * 3.7 / r, 1e-13, "lj force on atom 1, x");
    is_rel(W[0], fr * 3.7 * 3.7 / r, 1e-13, "lj virial xx = r_x F_x");
    md_pot_release(&pot);

    is_int(md_lj_init(&pot, 0.0104, 3.4, 8.5, 1, &err), 0, "lj shifted");
    double rc6 = pow(3.4 / 8.5, 6);
    evaluate(&pot, &f, &e, NULL, NULL);
    is_rel(e, 4 * 0.0104 * (sr6 * sr6 - sr6 - rc6 * rc6 + rc6), 1e-13, "shifted energy");
    f.pos[3] = 8.5 - 1e-9;
    f.pos[4] = 0;
    evaluate(&pot, &f, &e, NULL, NULL);
    is_abs(e, 0, 1e-12, "shifted energy vanishes at the cut-off");
    f.pos[3] = 8.5;
    evaluate(&pot, &f, &e, NULL, NULL);
    is_abs(e, 0, 0, "nothing at the cut-off itself");

    /* fcc argon, rattled, triclinic cell larger than 2 rc on no side */
    double a = 5.26, cell[9] = {2 * a, 0, 0, 0.3, 2 * a, 0, -0.2, 0.5, 2 * a};
    core_frame_resize(&f, 32, &err);
    memcpy(f.cell, cell, sizeof cell);
    f.has_cell = 1;
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
    const double b4[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
    size_t n = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 2; k++)
                for (int b = 0; b < 4; b++, n++) {
                    double s[3] = {(i + b4[b][0]) / 2, (j + b4[b][1]) / 2, (k + b4[b][2]) / 2};
                    f.z[n] = 18;
                    for (int c = 0; c < 3; c++)
                        f.pos[3 * n + c] = s[0] * cell[c] + s[1] * cell[3 + c] +
                                           s[2] * cell[6 + c] + 0.1 * gauss(n, (uint64_t)c);
                }
    check_derivatives(&pot, &f, "lj argon, cut-off beyond half the cell");
    md_pot_release(&pot);
    core_frame_release(&f);
}

/* Brute-force pairs closer than rl over images -N..N: count per atom and the sum of r^2 and of
 * r^4 per atom, compared with the list. */
static void
check_nlist(const struct core_frame *f, double rcut, double skin, const char *what)
{
    struct md_nlist nl;
    size_t n = f->natoms;
    double rl = rcut + skin;
    md_nlist_init(&nl, rcut, skin, &err);
    int rc = md_nlist_build(&nl, n, f->pos, f->has_cell ? f->cell : NULL, f->pbc, &err);
    is_int(rc, 0, "%s: built", what);
    if (rc) {
        printf("# %s\n", err.msg);
        md_nlist_release(&nl);
        return;
    }
    int N[3];
    for (int d = 0; d < 3; d++) {
        /* enough images: plane spacing h_d, need N h_d > rl + cell extent */
        double c[3], *a = (double *)f->cell;
        int e = (d + 1) % 3, g = (d + 2) % 3;
        c[0] = a[3 * e + 1] * a[3 * g + 2] - a[3 * e + 2] * a[3 * g + 1];
        c[1] = a[3 * e + 2] * a[3 * g + 0] - a[3 * e + 0] * a[3 * g + 2];
        c[2] = a[3 * e + 0] * a[3 * g + 1] - a[3 * e + 1] * a[3 * g + 0];
        double v = fabs(core_cell_volume(f->cell));
        double hd = v > 0 ? v / sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2])
                          : sqrt(a[3 * d] * a[3 * d] + a[3 * d + 1] * a[3 * d + 1] +
                                 a[3 * d + 2] * a[3 * d + 2]);
        N[d] = f->pbc[d] ? (int)ceil(rl / hd) + 2 : 0;
    }
    size_t bad = 0, total = 0, badrev = 0;
    for (size_t i = 0; i < n; i++) {
        size_t cnt = 0;
        double s2 = 0, s4 = 0;
        for (size_t j = 0; j < n; j++)
            for (int a = -N[0]; a <= N[0]; a++)
                for (int b = -N[1]; b <= N[1]; b++)
                    for (int c = -N[2]; c <= N[2]; c++) {
                        if (i == j && a == 0 && b == 0 && c == 0)
                            continue;
                        double r2 = 0;
                        for (int k = 0; k < 3; k++) {
                            double d = f->pos[3 * j + k] - f->pos[3 * i + k] + a * f->cell[k] +
                                       b * f->cell[3 + k] + c * f->cell[6 + k];
                            r2 += d * d;
                        }
                        if (r2 < rl * rl) {
                            cnt++;
                            s2 += r2;
                            s4 += r2 * r2;
                        }
                    }
        double l2 = 0, l4 = 0;
        for (size_t p = nl.start[i]; p < nl.start[i + 1]; p++) {
            double d[3], dr[3];
            md_nlist_pair_vec(&nl, i, p, d);
            double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            l2 += r2;
            l4 += r2 * r2;
            size_t q = nl.rev[p];
            md_nlist_pair_vec(&nl, nl.nbr[p], q, dr);
            if (nl.nbr[q] != i || dr[0] != -d[0] || dr[1] != -d[1] || dr[2] != -d[2])
                badrev++;
        }
        total += cnt;
        if (cnt != nl.start[i + 1] - nl.start[i] || fabs(l2 - s2) > 1e-9 * (1 + s2) ||
            fabs(l4 - s4) > 1e-9 * (1 + s4))
            bad++;
    }
    is_int((long)bad, 0, "%s: %zu pairs as brute force finds them", what, total);
    is_int((long)badrev, 0, "%s: reverse pairs are exact opposites", what);
    md_nlist_release(&nl);
}

static void
test_nlist(void)
{
    struct core_frame f;
    core_frame_init(&f);
    /* random triclinic cells, some much smaller than the cut-off, every pbc combination */
    for (int t = 0; t < 16; t++) {
        double L = t < 8 ? 4 + 8 * unif(1000 + (uint64_t)t, 0) : 1.5 + 2 * unif(t, 9);
        double cell[9];
        for (int k = 0; k < 9; k++)
            cell[k] = (k % 4 == 0 ? L : 0) + 0.35 * L * (unif((uint64_t)t, (uint64_t)k) - 0.5);
        size_t n = 1 + (size_t)(40 * unif((uint64_t)t, 20));
        random_cell(&f, n, cell, 0.0, 6, 6, 50 + (uint64_t)t);
        for (int d = 0; d < 3; d++)
            f.pbc[d] = t < 8 ? (t >> d) & 1 : unif((uint64_t)t, 40 + (uint64_t)d) < 0.6;
        if (t == 15)
            f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
        /* atoms outside the cell too */
        for (size_t i = 0; i < 3 * n; i += 7)
            f.pos[i] += 2.5 * L * (unif(i, 77) - 0.3);
        char what[96];
        snprintf(what, sizeof what, "cell %d (L %.2f, %zu atoms, pbc %d%d%d)", t, L, n, f.pbc[0],
                 f.pbc[1], f.pbc[2]);
        check_nlist(&f, 2.1 + 2 * unif((uint64_t)t, 30), 0.5, what);
    }
    /* no cell at all */
    random_cell(&f, 30, (double[9]){10, 0, 0, 0, 10, 0, 0, 0, 10}, 0, 6, 6, 99);
    f.has_cell = 0;
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 0;
    memset(f.cell, 0, sizeof f.cell);
    check_nlist(&f, 3.0, 1.0, "molecule without a cell");
    /* a sheet with a zero vacuum vector */
    graphene(&f, 2, 2, 1.42, 0, 0.3, 6, 0, 0);
    check_nlist(&f, 2.5, 1.0, "sheet with a zero third vector");

    /* update: below skin/2 no rebuild and every pair within rcut still listed */
    struct md_nlist nl;
    random_cell(&f, 40, (double[9]){9, 0, 0, 1, 9, 0, 0, 2, 9}, 1.0, 6, 6, 7);
    md_nlist_init(&nl, 3.0, 1.0, &err);
    md_nlist_build(&nl, f.natoms, f.pos, f.cell, f.pbc, &err);
    for (size_t i = 0; i < 3 * f.natoms; i++)
        f.pos[i] += 0.28 * (unif(i, 5) - 0.5);
    int rebuilt = -1;
    is_int(md_nlist_update(&nl, f.natoms, f.pos, f.cell, f.pbc, &rebuilt, &err), 0, "update");
    is_int(rebuilt, 0, "moves below skin/2: no rebuild");
    size_t missing = 0;
    for (size_t i = 0; i < f.natoms; i++)
        for (size_t j = 0; j < f.natoms; j++)
            for (int a = -1; a <= 1; a++)
                for (int b = -1; b <= 1; b++)
                    for (int c = -1; c <= 1; c++) {
                        if (i == j && !a && !b && !c)
                            continue;
                        double r2 = 0, d[3];
                        for (int k = 0; k < 3; k++) {
                            d[k] = f.pos[3 * j + k] - f.pos[3 * i + k] + a * f.cell[k] +
                                   b * f.cell[3 + k] + c * f.cell[6 + k];
                            r2 += d[k] * d[k];
                        }
                        if (r2 >= 9.0)
                            continue;
                        int found = 0;
                        for (size_t p = nl.start[i]; p < nl.start[i + 1] && !found; p++) {
                            double e[3];
                            md_nlist_pair_vec(&nl, i, p, e);
                            found =
                                nl.nbr[p] == j &&
                                fabs(e[0] - d[0]) + fabs(e[1] - d[1]) + fabs(e[2] - d[2]) < 1e-9;
                        }
                        missing += !found;
                    }
    is_int((long)missing, 0, "every pair within rcut is listed after moves below skin/2");
    f.pos[0] += 0.6;
    md_nlist_update(&nl, f.natoms, f.pos, f.cell, f.pbc, &rebuilt, &err);
    is_int(rebuilt, 1, "a move beyond skin/2 rebuilds");
    f.cell[0] += 0.01;
    md_nlist_update(&nl, f.natoms, f.pos, f.cell, f.pbc, &rebuilt, &err);
    is_int(rebuilt, 1, "a new cell rebuilds");
    size_t nb = nl.nbuilds;
    md_nlist_update(&nl, f.natoms, f.pos, f.cell, f.pbc, &rebuilt, &err);
    ok(rebuilt == 0 && nl.nbuilds == nb, "no move, no rebuild");
    md_nlist_release(&nl);

    /* errors */
    is_int(md_nlist_init(&nl, 0, 1, &err), CORE_EINPUT, "rcut 0 refused");
    is_int(md_nlist_init(&nl, NAN, 1, &err), CORE_EINPUT, "rcut NaN refused");
    is_int(md_nlist_init(&nl, 2, -1, &err), CORE_EINPUT, "negative skin refused");
    md_nlist_init(&nl, 3, 1, &err);
    double sing[9] = {1, 0, 0, 2, 0, 0, 0, 0, 1};
    int pbc3[3] = {1, 1, 1}, pbc2[3] = {1, 1, 0}, pbc0[3] = {0, 0, 0};
    is_int(md_nlist_build(&nl, f.natoms, f.pos, sing, pbc3, &err), CORE_EINPUT,
           "parallel periodic vectors refused: %s", err.msg);
    is_int(md_nlist_build(&nl, f.natoms, f.pos, sing, pbc2, &err), CORE_EINPUT,
           "parallel periodic vectors of a sheet refused: %s", err.msg);
    double zv[9] = {0, 0, 0, 0, 5, 0, 0, 0, 5};
    is_int(md_nlist_build(&nl, f.natoms, f.pos, zv, pbc3, &err), CORE_EINPUT,
           "zero periodic vector refused: %s", err.msg);
    is_int(md_nlist_build(&nl, f.natoms, f.pos, NULL, pbc3, &err), CORE_EINPUT,
           "pbc without a cell refused: %s", err.msg);
    double tiny[9] = {0.01, 0, 0, 0, 0.01, 0, 0, 0, 0.01};
    is_int(md_nlist_build(&nl, f.natoms, f.pos, tiny, pbc3, &err), CORE_EINPUT,
           "absurdly small cell refused: %s", err.msg);
    f.pos[5] = NAN;
    is_int(md_nlist_build(&nl, f.natoms, f.pos, NULL, pbc0, &err), CORE_EPHYS,
           "NaN position is a physical failure: %s", err.msg);
    is_int(md_nlist_build(&nl, 0, f.pos, NULL, pbc0, &err), 0, "zero atoms");
    is_int((long)nl.npairs, 0, "zero atoms, zero pairs");
    md_nlist_release(&nl);
    core_frame_release(&f);
}

/* Rotation and translation: the energy is the same, the forces rotate, the virial rotates. */
static void
test_invariance(void)
{
    struct md_pot pot;
    struct core_frame f;
    core_frame_init(&f);
    tersoff(&pot, gan, "Ga,N");
    double cell[9] = {8.0, 0, 0, -2.4, 7.6, 0, 1.1, -0.9, 8.3};
    random_cell(&f, 36, cell, 1.9, 31, 7, 2);
    size_t n = f.natoms;
    double e0 = NAN, e1 = NAN, W0[9], W1[9], *F0 = malloc(3 * n * sizeof *F0),
           *F1 = malloc(3 * n * sizeof *F1);
    evaluate(&pot, &f, &e0, F0, W0);
    /* rotation from an axis and angle */
    double ax[3] = {0.3, -0.5, 0.81}, an = 0.73, R[9];
    double nn = sqrt(ax[0] * ax[0] + ax[1] * ax[1] + ax[2] * ax[2]);
    for (int k = 0; k < 3; k++)
        ax[k] /= nn;
    double c = cos(an), s = sin(an);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            R[3 * a + b] = (a == b ? c : 0) + (1 - c) * ax[a] * ax[b];
        }
    R[1] -= s * ax[2];
    R[2] += s * ax[1];
    R[3] += s * ax[2];
    R[5] -= s * ax[0];
    R[6] -= s * ax[1];
    R[7] += s * ax[0];
    struct core_frame g;
    core_frame_init(&g);
    core_frame_copy(&g, &f, &err);
    for (size_t i = 0; i < n + 3; i++) {
        const double *x = i < n ? f.pos + 3 * i : f.cell + 3 * (i - n);
        double *y = i < n ? g.pos + 3 * i : g.cell + 3 * (i - n);
        for (int a = 0; a < 3; a++)
            y[a] = R[3 * a] * x[0] + R[3 * a + 1] * x[1] + R[3 * a + 2] * x[2] + (i < n ? 5.3 : 0);
    }
    evaluate(&pot, &g, &e1, F1, W1);
    is_rel(e1, e0, 1e-12, "energy invariant under rotation and translation");
    double dev = 0, fm = 0;
    for (size_t i = 0; i < n; i++)
        for (int a = 0; a < 3; a++) {
            double rf =
                R[3 * a] * F0[3 * i] + R[3 * a + 1] * F0[3 * i + 1] + R[3 * a + 2] * F0[3 * i + 2];
            dev = fmax(dev, fabs(rf - F1[3 * i + a]));
            fm = fmax(fm, fabs(rf));
        }
    is_abs(dev, 0, 1e-11 * (1 + fm), "forces rotate with the system");
    double wd = 0, wm = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            double rw = 0;
            for (int k = 0; k < 3; k++)
                for (int l = 0; l < 3; l++)
                    rw += R[3 * a + k] * W0[3 * k + l] * R[3 * b + l];
            wd = fmax(wd, fabs(rw - W1[3 * a + b]));
            wm = fmax(wm, fabs(rw));
        }
    is_abs(wd, 0, 1e-11 * (1 + wm), "virial rotates as a tensor");
    is_abs(fabs(W0[1] - W0[3]) + fabs(W0[2] - W0[6]) + fabs(W0[5] - W0[7]), 0, 1e-10 * (1 + wm),
           "virial is symmetric");
    free(F0);
    free(F1);
    core_frame_release(&g);
    core_frame_release(&f);
    md_pot_release(&pot);
}

/* d/dt sum_i r_i E_i by central differences along an NVE trajectory of an isolated flake,
 * against J; the error falls with the step. */
static double
heat_error(const struct md_pot *pot, const struct core_frame *f, double dt)
{
    struct md_sys s;
    md_sys_init(&s, f, pot, 0.5, &err);
    md_sys_thermalize(&s, 2000, 3, &err);
    double m[3][3], J[3], Jc[3];
    for (int step = 0; step < 3; step++) {
        if (step)
            md_nve_step(&s, pot, dt, &err);
        else
            md_sys_compute(&s, pot, &err);
        double acc[3] = {0, 0, 0};
        for (size_t i = 0; i < s.natoms; i++) {
            const double *v = s.vel + 3 * i;
            double e = s.u[i] +
                       0.5 * MD_EV_PER_MV2 * s.mass[i] * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
            for (int k = 0; k < 3; k++)
                acc[k] += s.pos[3 * i + k] * e;
        }
        memcpy(m[step], acc, sizeof acc);
        if (step == 1)
            md_sys_heat(&s, J, Jc, &err);
    }
    double num = 0, den = 0;
    for (int k = 0; k < 3; k++) {
        double d = (m[2][k] - m[0][k]) / (2 * dt);
        num += (d - J[k]) * (d - J[k]);
        den += J[k] * J[k];
    }
    md_sys_release(&s);
    return sqrt(num / den);
}

static void
test_heat(void)
{
    struct md_pot pot;
    struct core_frame f;
    core_frame_init(&f);
    tersoff(&pot, bnc, "C,B");
    graphene(&f, 3, 3, 1.42, 10, 0.08, 6, 4, 5);
    f.has_cell = 0;
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 0;
    double e1 = heat_error(&pot, &f, 1e-5), e2 = heat_error(&pot, &f, 5e-6);
    double e3 = heat_error(&pot, &f, 2.5e-6);
    printf("# heat current errors %.3g %.3g %.3g\n", e1, e2, e3);
    ok(e3 < 1e-4, "flake: J = d/dt sum r_i E_i to %.2g relative at dt 2.5e-6 ps", e3);
    ok(e1 / e2 > 3.5 && e1 / e2 < 4.5 && e2 / e3 > 3.5 && e2 / e3 < 4.5,
       "the difference falls as dt^2, as a central difference does (ratios %.2f %.2f)", e1 / e2,
       e2 / e3);
    md_pot_release(&pot);
    core_frame_release(&f);
}

static void
test_nve(void)
{
    struct md_pot pot;
    struct core_frame f;
    struct md_sys s;
    core_frame_init(&f);
    tersoff(&pot, bnc, "C");
    graphene(&f, 4, 3, 1.44, 12, 0.02, 6, 0, 0);
    is_int(md_sys_init(&s, &f, &pot, 0.3, &err), 0, "sys init");
    is_int(md_sys_thermalize(&s, 300, 42, &err), 0, "thermalize");
    is_rel(md_sys_temp(&s), 300, 1e-12, "temperature exactly as asked");
    double p[3] = {0, 0, 0};
    for (size_t i = 0; i < s.natoms; i++)
        for (int k = 0; k < 3; k++)
            p[k] += s.mass[i] * s.vel[3 * i + k];
    is_abs(fabs(p[0]) + fabs(p[1]) + fabs(p[2]), 0, 1e-10, "zero total momentum");
    md_sys_compute(&s, &pot, &err);
    double e0 = s.epot + md_sys_kinetic(&s, NULL), dmax = 0, elast;
    int rc = 0;
    size_t builds0 = s.nl.nbuilds;
    double first = 0, last = 0;
    for (int step = 0; step < 2000 && !rc; step++) {
        rc = md_nve_step(&s, &pot, 0.0005, &err);
        elast = s.epot + md_sys_kinetic(&s, NULL);
        dmax = fmax(dmax, fabs(elast - e0));
        if (step < 200)
            first += elast / 200;
        if (step >= 1800)
            last += elast / 200;
    }
    is_int(rc, 0, "2000 steps of 0.5 fs");
    {
        double st[9], w[9], kt[9], v = core_cell_volume(s.cell), dev = 0;
        is_int(md_sys_stress(&s, 1, st), 1, "a cell: a stress");
        md_sys_virial(&s, w);
        md_sys_kinetic(&s, kt);
        for (int k = 0; k < 9; k++)
            dev = fmax(dev, fabs(st[k] + (w[k] + kt[k]) / v));
        is_abs(dev, 0, 1e-15, "thermodynamic stress -(W + K)/V");
        md_sys_stress(&s, 0, st);
        is_rel(st[4], -w[4] / v, 1e-15, "virial stress -W/V");
    }
    ok(dmax / (double)s.natoms < 2e-4, "NVE 300 K, 0.5 fs: largest |E - E0| %.3g eV/atom over 1 ps",
       dmax / (double)s.natoms);
    ok(fabs(last - first) / (double)s.natoms < 1e-5,
       "NVE drift (mean of the last 0.1 ps - the first) %.3g eV/atom over 1 ps",
       (last - first) / (double)s.natoms);
    ok(s.nl.nbuilds > builds0 && s.nl.nbuilds < builds0 + 200,
       "neighbour list rebuilt now and then (%zu times)", s.nl.nbuilds - builds0);
    md_sys_release(&s);

    /* same seed, same velocities; another seed, others; thread counts give identical bits */
    struct md_sys a, b;
    md_sys_init(&a, &f, &pot, 1.0, &err);
    md_sys_init(&b, &f, &pot, 1.0, &err);
    md_sys_thermalize(&a, 300, 7, &err);
    md_sys_thermalize(&b, 300, 7, &err);
    ok(memcmp(a.vel, b.vel, 3 * a.natoms * sizeof *a.vel) == 0, "same seed, same velocities");
    md_sys_thermalize(&b, 300, 8, &err);
    ok(memcmp(a.vel, b.vel, 3 * a.natoms * sizeof *a.vel) != 0, "another seed, others");
    md_sys_thermalize(&b, 300, 7, &err);
#ifdef _OPENMP
    int nth = omp_get_max_threads();
    omp_set_num_threads(1);
#endif
    for (int k = 0; k < 50; k++)
        md_nve_step(&a, &pot, 0.0005, &err);
#ifdef _OPENMP
    omp_set_num_threads(3);
#endif
    for (int k = 0; k < 50; k++)
        md_nve_step(&b, &pot, 0.0005, &err);
#ifdef _OPENMP
    omp_set_num_threads(nth);
#endif
    double wa[9], wb[9];
    md_sys_virial(&a, wa);
    md_sys_virial(&b, wb);
    ok(memcmp(a.pos, b.pos, 3 * a.natoms * sizeof *a.pos) == 0 && a.epot == b.epot &&
           memcmp(wa, wb, sizeof wa) == 0,
       "1 and 3 threads give bit-identical trajectories");
    is_int(md_sys_thermalize(&a, -1, 7, &err), CORE_EINPUT, "negative temperature refused");
    md_sys_release(&a);
    md_sys_release(&b);
    md_pot_release(&pot);
    core_frame_release(&f);
}

/* A potential without site energies: harmonic springs to the origin. */
static int
springs(void *self, size_t natoms, const int *type, const double *pos, const double *cell,
        const int pbc[3], double *energy, double *forces, double virial[9], struct core_err *e)
{
    double k = *(double *)self;
    (void)type;
    (void)cell;
    (void)pbc;
    (void)e;
    *energy = 0;
    memset(virial, 0, 9 * sizeof *virial);
    for (size_t i = 0; i < 3 * natoms; i++) {
        *energy += 0.5 * k * pos[i] * pos[i];
        forces[i] = -k * pos[i];
    }
    for (size_t i = 0; i < natoms; i++)
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                virial[3 * a + b] += pos[3 * i + a] * forces[3 * i + b];
    return CORE_OK;
}

static void
test_total_and_errors(void)
{
    struct md_pot pot;
    struct core_frame f;
    struct md_sys s;
    double k = 2.0;
    core_frame_init(&f);
    memset(&pot, 0, sizeof pot);
    pot.total = springs;
    pot.self = &k;
    snprintf(pot.name, sizeof pot.name, "springs");
    core_frame_resize(&f, 3, &err);
    for (size_t i = 0; i < 9; i++)
        f.pos[i] = 0.1 * (double)i - 0.3;
    f.z[0] = f.z[1] = f.z[2] = 1;
    is_int(md_sys_init(&s, &f, &pot, 1, &err), 0, "total potential: init");
    is_int(md_sys_compute(&s, &pot, &err), 0, "total potential: compute");
    is_rel(s.force[4], -2.0 * 0.1, 1e-14, "total potential: forces as given");
    double w[9], wa[27], j[3];
    md_sys_virial(&s, w);
    ok(w[0] < 0, "total potential: virial as given");
    is_int(md_sys_atom_virial(&s, wa, &err), CORE_EINPUT, "no per-atom virial: %s", err.msg);
    is_int(md_sys_stress(&s, 1, wa), 0, "no cell, no stress");
    is_int(md_sys_heat(&s, j, NULL, &err), CORE_EINPUT, "no heat current: %s", err.msg);
    /* a period of the oscillator: omega = sqrt(k/m) */
    double om = sqrt(k * MD_ACC_PER_FORCE / s.mass[0]), T = 2 * M_PI / om, x0 = s.pos[0];
    int nstep = 2000;
    for (int i = 0; i < nstep; i++)
        md_nve_step(&s, &pot, T / nstep, &err);
    is_rel(s.pos[0], x0, 1e-5, "velocity Verlet: a harmonic period returns (units of a = F/m)");
    md_sys_release(&s);

    /* errors of the setup */
    tersoff(&pot, bnc, "C,B");
    f.z[0] = f.z[2] = 6;
    f.z[1] = 7;
    is_int(md_sys_init(&s, &f, &pot, 1, &err), CORE_EINPUT, "element outside the species");
    is_str(err.msg, "atom 2: element N is not among the species of the tersoff potential",
           "message names the atom and element");
    f.z[1] = 6;
    core_frame_want(&f, "mass", &err);
    f.mass[0] = 12;
    f.mass[1] = 0;
    f.mass[2] = 1;
    is_int(md_sys_init(&s, &f, &pot, 1, &err), CORE_EINPUT, "zero mass: %s", err.msg);
    f.mass[1] = 5;
    f.pos[2] = INFINITY;
    is_int(md_sys_init(&s, &f, &pot, 1, &err), CORE_EINPUT, "infinite position: %s", err.msg);
    f.pos[2] = 0;
    is_int(md_sys_init(&s, &f, &pot, -1, &err), CORE_EINPUT, "negative skin: %s", err.msg);
    md_pot_release(&pot);

    /* two atoms on top of each other: not finite, a physical failure */
    md_lj_init(&pot, 0.01, 3.4, 8.5, 0, &err);
    memset(f.pos, 0, 9 * sizeof *f.pos);
    f.pos[0] = 5;
    md_sys_init(&s, &f, &pot, 1, &err);
    is_int(md_sys_compute(&s, &pot, &err), CORE_EPHYS, "overlapping atoms: %s", err.msg);
    md_sys_release(&s);
    md_pot_release(&pot);
    is_int(md_lj_init(&pot, -1, 3.4, 8.5, 0, &err), CORE_EINPUT, "lj eps < 0: %s", err.msg);
    is_int(md_lj_init(&pot, 1, 0, 8.5, 0, &err), CORE_EINPUT, "lj sigma 0: %s", err.msg);
    is_int(md_lj_init(&pot, 1, 3, INFINITY, 0, &err), CORE_EINPUT, "lj rcut inf: %s", err.msg);
    md_pot_release(&pot);

    /* zero atoms: nothing to do, nothing fails */
    core_frame_resize(&f, 0, &err);
    md_lj_init(&pot, 0.01, 3.4, 8.5, 0, &err);
    is_int(md_sys_init(&s, &f, &pot, 1, &err), 0, "zero atoms: init");
    is_int(md_sys_compute(&s, &pot, &err), 0, "zero atoms: compute");
    is_abs(s.epot, 0, 0, "zero atoms: zero energy");
    md_sys_release(&s);
    md_pot_release(&pot);
    core_frame_release(&f);
}

/* The Tersoff file parser: every error path. */
static void
test_parse(void)
{
    struct md_pot pot;
    struct core_species_map m;
    static const char cc[] =
        "C C C 3.0 1.0 0.0 3.8049e4 4.3484 -0.93000 0.72751 1.5724e-7 2.2119 430.00 1.95 0.15 "
        "3.4879 1393.6\n";
    char buf[1024];

    const struct {
        const char *text, *msg;
    } bad[] = {
        {"C C C 3.0 1.0 0.0 3.8049e4 4.3484 -0.93\n", "t:1: incomplete entry: 9 of 17 words"},
        {"C C C 3.0 1.0 0.0 x 4.3484 -0.93000 0.72751 1.5724e-7 2.2119 430 1.95 0.15 3.4879 1\n",
         "t:1: c: bad number 'x'"},
        {"C C C 3.0 1.0 0.0 1 4.3484 -0.93000 0.72751 1.5724e-7 2.2119 430 1.95 0.15 3.4879 nan\n",
         "t:1: A: bad number 'nan'"},
        {"C C C 2.0 1.0 0.0 1 4.3484 -0.93000 0.72751 1.5724e-7 2.2119 430 1.95 0.15 3.4879 1\n",
         "t:1: entry C C C: m = 2 must be 1 or 3"},
        {"C C C 3.0 -1 0.0 1 4.3484 -0.93000 0.72751 1.5724e-7 2.2119 430 1.95 0.15 3.4879 1\n",
         "t:1: entry C C C: gamma = -1 must not be negative"},
        {"C C C 3.0 1 0.0 1 4.3484 -0.93000 0.72751 1.5724e-7 2.2119 430 1.95 0 3.4879 1\n",
         "t:1: entry C C C: D = 0 must be > 0"},
        {"C C C 3.0 1 0.0 1 4.3484 -0.93000 0.72751 1.5724e-7 2.2119 430 1.95 2 3.4879 1\n",
         "t:1: entry C C C: D = 2 must not exceed R"},
        {"C C C 3.0 1 0.0 1 0 -0.93000 0.72751 1.5724e-7 2.2119 430 1.95 0.15 3.4879 1\n",
         "t:1: entry C C C: d = 0 must be > 0 when c is not 0"},
        {"C C C 3.0 1 0.0 1 1 -0.93000 0 1.5724e-7 2.2119 430 1.95 0.15 3.4879 1\n",
         "t:1: entry C C C: n = 0 must be > 0 when beta is not 0"},
        {"# only a comment\n", "t: no entry for C C C"},
    };

    mkmap(&m, "C");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        is_int(md_tersoff_init(&pot, bad[i].text, "t", &m, &err), CORE_EINPUT, "bad file %zu", i);
        is_str(err.msg, bad[i].msg, "message %zu", i);
    }
    snprintf(buf, sizeof buf, "# two\n%s\n\n%s", cc, cc);
    is_int(md_tersoff_init(&pot, buf, "t", &m, &err), CORE_EINPUT, "duplicate entry");
    is_str(err.msg, "t:5: duplicate entry C C C (first at line 2)", "duplicate message");
    mkmap(&m, "C,B");
    is_int(md_tersoff_init(&pot, cc, "t", &m, &err), CORE_EINPUT, "missing entry");
    is_str(err.msg, "t: no entry for C C B", "missing message");
    m.ntypes = 0;
    is_int(md_tersoff_init(&pot, cc, "t", &m, &err), CORE_EINPUT, "no species: %s", err.msg);
    is_int(md_tersoff_init(&pot, cc, "t", NULL, &err), CORE_EINPUT, "no map");
    /* other elements are skipped, even with odd names; comments anywhere */
    snprintf(buf, sizeof buf,
             "Xx Yy Zz 1 2 3 4 5 6 7 8 9 10 11 12 13 14 # another potential's entry\n%s", cc);
    mkmap(&m, "C");
    is_int(md_tersoff_init(&pot, buf, "t", &m, &err), 0, "entries of other elements skipped");
    ok(pot.site && pot.ntypes == 1 && pot.z[0] == 6, "tersoff pot for C");
    md_pot_release(&pot);
    md_pot_release(&pot);
    ok(pot.self == NULL, "release twice is harmless");
}

/* An MTP of level 8 for C and B with high-entropy coefficients (lib/mtp's basis generator). */
static void
mtp_random(struct mtp_pot *m)
{
    mtp_pot_init(m);
    mtp_pot_generate(m, 8, 2, 6, 0.9, 4.3, &err);
    size_t nr = m->nspecies * m->nspecies * m->nrad * m->nrb;
    for (size_t k = 0; k < nr; k++)
        m->radial[k] = 0.1 * gauss(500 + k, 7);
    for (size_t k = 0; k < m->nspecies; k++)
        m->species_coeffs[k] = -3 + gauss(600 + k, 7);
    for (size_t k = 0; k < m->nscalar; k++)
        m->moment_coeffs[k] = 0.05 * gauss(700 + k, 7);
    m->has_radial = m->has_linear = 1;
}

static void
test_mtp(void)
{
    struct mtp_pot m;
    struct md_pot pot;
    struct core_species_map map;
    struct core_frame f;
    core_frame_init(&f);
    mtp_random(&m);
    mkmap(&map, "C");
    is_int(md_mtp_init(&pot, &m, &map, &err), CORE_EINPUT, "mtp: a species map of another size");
    ok(pot.self == NULL, "mtp: nothing kept on error");
    is_int(md_mtp_init(&pot, &m, NULL, &err), CORE_EINPUT, "mtp: no species map");
    mkmap(&map, "C,B");
    is_int(md_mtp_init(&pot, &m, &map, &err), 0, "mtp: set up for C,B");
    ok(pot.site && pot.rcut == 4.3 && pot.ntypes == 2 && pot.z[1] == 5, "mtp: site potential");

    /* a triclinic cell smaller than twice the cut-off: md's list against mtp_calc's own */
    double cell[9] = {6.1, 0, 0, -1.3, 5.7, 0, 0.9, -0.6, 6.4};
    random_cell(&f, 24, cell, 1.3, 6, 5, 4);
    size_t n = f.natoms;
    int *type = malloc(n * sizeof *type);
    double e0 = NAN, e1 = NAN, W0[9], W1[9], *F0 = malloc(3 * n * sizeof *F0),
           *F1 = malloc(3 * n * sizeof *F1);
    for (size_t i = 0; i < n; i++)
        type[i] = f.z[i] == 6 ? 0 : 1;
    struct mtp_work *w = NULL;
    mtp_work_alloc(&m, &w, &err);
    is_int(mtp_calc(&m, w, n, type, f.pos, f.cell, f.pbc, &e1, F1, W1, &err), 0, "mtp_calc");
    is_int(evaluate(&pot, &f, &e0, F0, W0), 0, "mtp through md");
    is_rel(e0, e1, 1e-12, "mtp: md energy is mtp_calc's (%.6f eV)", e0);
    double dev = 0, fm = 0, wd = 0, wm = 0;
    for (size_t k = 0; k < 3 * n; k++) {
        dev = fmax(dev, fabs(F0[k] - F1[k]));
        fm = fmax(fm, fabs(F1[k]));
    }
    for (int k = 0; k < 9; k++) {
        wd = fmax(wd, fabs(W0[k] - W1[k]));
        wm = fmax(wm, fabs(W1[k]));
    }
    is_abs(dev, 0, 1e-12 * (1 + fm), "mtp: md forces are mtp_calc's (max %.3g eV/A)", fm);
    is_abs(wd, 0, 1e-12 * (1 + wm), "mtp: md virial is mtp_calc's");
    check_derivatives(&pot, &f, "mtp C,B triclinic");

    /* the heat current of an isolated flake */
    graphene(&f, 2, 2, 1.45, 10, 0.05, 6, 3, 5);
    f.has_cell = 0;
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 0;
    double h1 = heat_error(&pot, &f, 1e-5), h2 = heat_error(&pot, &f, 5e-6);
    ok(h2 < 1e-4 && h1 / h2 > 3.5 && h1 / h2 < 4.5,
       "mtp flake: J = d/dt sum r_i E_i (errors %.2g, %.2g: dt^2)", h1, h2);

    /* two atoms at one place: the potential's error comes through */
    f.pos[3] = f.pos[0];
    f.pos[4] = f.pos[1];
    f.pos[5] = f.pos[2];
    is_int(evaluate(&pot, &f, &e0, NULL, NULL), CORE_EINPUT, "mtp: overlapping atoms refused");
    mtp_work_free(w);
    free(type);
    free(F0);
    free(F1);
    mtp_pot_release(&m);
    md_pot_release(&pot);
    core_frame_release(&f);
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

/* Runs nsteps of 5 fs with th from velocities at th->temp; returns the mean and the standard
 * error (from 20 block means) of T over the last 90 %, the relative standard deviation of T,
 * and the largest |(E - heat) - (E0 - heat0)| per atom. */
static int
nvt_run(const struct md_pot *pot, const struct core_frame *f, struct md_thermostat *th, int nsteps,
        double *mean, double *se, double *rsd, double *cdrift)
{
    struct md_sys s;
    int rc = md_sys_init(&s, f, pot, 0.5, &err);
    rc = rc ? rc : md_sys_thermalize(&s, th->temp, th->seed + 1000, &err);
    rc = rc ? rc : md_sys_compute(&s, pot, &err);
    if (rc) {
        md_sys_release(&s);
        return rc;
    }
    /* one thread: 32 atoms give OpenMP nothing but its barriers */
#ifdef _OPENMP
    int nth = omp_get_max_threads();
    omp_set_num_threads(1);
#endif
    double c0 = s.epot + md_sys_kinetic(&s, NULL), blk[20] = {0}, sum = 0, sum2 = 0;
    int n0 = nsteps / 10, nb = (nsteps - n0) / 20, m = 0;
    *cdrift = 0;
    for (int step = 0; step < nsteps && !rc; step++) {
        rc = md_nvt_step(&s, pot, th, 0.005, &err);
        double t = md_sys_temp(&s);
        double c = s.epot + md_sys_kinetic(&s, NULL) - th->heat;
        *cdrift = fmax(*cdrift, fabs(c - c0) / (double)s.natoms);
        if (step >= n0 && (step - n0) / nb < 20) {
            blk[(step - n0) / nb] += t / nb;
            sum += t;
            sum2 += t * t;
            m++;
        }
    }
    double bm = 0, bv = 0;
    for (int b = 0; b < 20; b++)
        bm += blk[b] / 20;
    for (int b = 0; b < 20; b++)
        bv += (blk[b] - bm) * (blk[b] - bm) / 19;
#ifdef _OPENMP
    omp_set_num_threads(nth);
#endif
    *mean = sum / m;
    *se = sqrt(bv / 20);
    *rsd = sqrt(sum2 / m - *mean * *mean) / *mean;
    md_sys_release(&s);
    return rc;
}

static void
test_thermostats(void)
{
    struct md_pot pot;
    struct core_frame f;
    struct md_thermostat th;
    core_frame_init(&f);
    md_lj_init(&pot, 0.0104, 3.4, 6.5, 1, &err);
    argon(&f, 2);
    double nf = 3.0 * (double)f.natoms - 3, mean, se, rsd, cd;
    const double T = 70;

    is_int(md_thermostat_init(&th, MD_THERMOSTAT_BUSSI, T, 0.1, 11, &err), 0, "bussi init");
    is_int(nvt_run(&pot, &f, &th, 12000, &mean, &se, &rsd, &cd), 0, "bussi: 12000 steps");
    printf("# bussi: T %.3f +- %.3f K, rel sd %.4f (canonical %.4f), |dE - heat| %.2g eV/atom, "
           "heat %.4g eV\n",
           mean, se, rsd, sqrt(2 / nf), cd, th.heat);
    ok(fabs(mean - T) < 4 * se && se < 0.02 * T, "bussi: mean T %.2f +- %.2f K of %g K", mean, se,
       T);
    ok(fabs(rsd / sqrt(2 / nf) - 1) < 0.15, "bussi: canonical fluctuations of T (%.4f, %.4f)", rsd,
       sqrt(2 / nf));
    ok(cd < 2e-4, "bussi: E - heat conserved to %.2g eV/atom over 60 ps", cd);
    ok(th.step == 12000, "bussi: steps counted");

    is_int(md_thermostat_init(&th, MD_THERMOSTAT_LANGEVIN, T, 0.2, 12, &err), 0, "langevin init");
    is_int(nvt_run(&pot, &f, &th, 12000, &mean, &se, &rsd, &cd), 0, "langevin: 12000 steps");
    printf("# langevin: T %.3f +- %.3f K, rel sd %.4f, |dE - heat| %.2g eV/atom\n", mean, se, rsd,
           cd);
    ok(fabs(mean - T) < 4 * se && se < 0.02 * T, "langevin: mean T %.2f +- %.2f K of %g K", mean,
       se, T);
    ok(fabs(rsd / sqrt(2 / nf) - 1) < 0.15, "langevin: canonical fluctuations of T (%.4f, %.4f)",
       rsd, sqrt(2 / nf));
    ok(cd < 2e-3, "langevin: E - heat conserved to %.2g eV/atom over 60 ps", cd);

    /* determinism: same seed, same bits for 1 and 3 threads; zero momentum kept; another seed */
    for (int kind = MD_THERMOSTAT_BUSSI; kind <= MD_THERMOSTAT_LANGEVIN; kind++) {
        struct md_sys a, b;
        struct md_thermostat ta, tb;
        const char *name = md_thermostat_name((enum md_thermostat_kind)kind);
        md_thermostat_init(&ta, (enum md_thermostat_kind)kind, 300, 0.05, 5, &err);
        md_thermostat_init(&tb, (enum md_thermostat_kind)kind, 300, 0.05, 5, &err);
        md_sys_init(&a, &f, &pot, 0.5, &err);
        md_sys_init(&b, &f, &pot, 0.5, &err);
        md_sys_thermalize(&a, 100, 3, &err);
        md_sys_thermalize(&b, 100, 3, &err);
#ifdef _OPENMP
        int nth = omp_get_max_threads();
        omp_set_num_threads(1);
#endif
        for (int k = 0; k < 40; k++)
            md_nvt_step(&a, &pot, &ta, 0.005, &err);
#ifdef _OPENMP
        omp_set_num_threads(3);
#endif
        for (int k = 0; k < 40; k++)
            md_nvt_step(&b, &pot, &tb, 0.005, &err);
#ifdef _OPENMP
        omp_set_num_threads(nth);
#endif
        ok(memcmp(a.pos, b.pos, 3 * a.natoms * sizeof *a.pos) == 0 &&
               memcmp(a.vel, b.vel, 3 * a.natoms * sizeof *a.vel) == 0 && ta.heat == tb.heat,
           "%s: same seed, 1 and 3 threads: identical bits", name);
        double p[3] = {0, 0, 0};
        for (size_t i = 0; i < a.natoms; i++)
            for (int k = 0; k < 3; k++)
                p[k] += a.mass[i] * a.vel[3 * i + k];
        is_abs(fabs(p[0]) + fabs(p[1]) + fabs(p[2]), 0, 1e-10, "%s: total momentum stays 0", name);
        ok(ta.heat > 0, "%s: heats 100 K towards 300 K in 0.2 ps (heat %.3g eV)", name, ta.heat);
        md_thermostat_init(&tb, (enum md_thermostat_kind)kind, 300, 0.05, 6, &err);
        md_sys_thermalize(&b, 100, 3, &err);
        for (int k = 0; k < 40; k++)
            md_nvt_step(&b, &pot, &tb, 0.005, &err);
        ok(memcmp(a.vel, b.vel, 3 * a.natoms * sizeof *a.vel) != 0, "%s: another seed, another run",
           name);
        md_sys_release(&a);
        md_sys_release(&b);
    }

    /* none is NVE */
    {
        struct md_sys a, b;
        struct md_thermostat tn;
        md_thermostat_init(&tn, MD_THERMOSTAT_NONE, NAN, NAN, 0, &err);
        md_sys_init(&a, &f, &pot, 0.5, &err);
        md_sys_init(&b, &f, &pot, 0.5, &err);
        md_sys_thermalize(&a, 50, 3, &err);
        md_sys_thermalize(&b, 50, 3, &err);
        for (int k = 0; k < 20; k++) {
            md_nvt_step(&a, &pot, &tn, 0.005, &err);
            md_nve_step(&b, &pot, 0.005, &err);
        }
        ok(memcmp(a.pos, b.pos, 3 * a.natoms * sizeof *a.pos) == 0 && tn.heat == 0,
           "none: NVE exactly");
        md_sys_release(&a);
        md_sys_release(&b);
    }

    is_int(md_thermostat_init(&th, MD_THERMOSTAT_BUSSI, -1, 0.1, 0, &err), CORE_EINPUT,
           "negative temperature refused");
    is_str(err.msg, "thermostat: temperature -1 K must be >= 0", "its message");
    is_int(md_thermostat_init(&th, MD_THERMOSTAT_LANGEVIN, 300, 0, 0, &err), CORE_EINPUT,
           "zero damping time refused");
    is_str(err.msg, "thermostat: damping time 0 ps must be > 0", "its message");
    is_int(md_thermostat_init(&th, MD_THERMOSTAT_LANGEVIN, INFINITY, 0.1, 0, &err), CORE_EINPUT,
           "infinite temperature refused");
    is_int(md_thermostat_init(&th, (enum md_thermostat_kind)7, 300, 0.1, 0, &err), CORE_EINPUT,
           "unknown kind refused");
    th.kind = (enum md_thermostat_kind)7;
    {
        struct md_sys a;
        md_sys_init(&a, &f, &pot, 0.5, &err);
        is_int(md_nvt_step(&a, &pot, &th, 0.005, &err), CORE_EINPUT, "step: unknown kind");
        md_sys_release(&a);
    }
    is_str(md_thermostat_name(MD_THERMOSTAT_LANGEVIN), "langevin", "names");
    md_pot_release(&pot);
    core_frame_release(&f);
}

int
main(void)
{
    test_parse();
    test_nlist();
    test_lj();
    test_tersoff_derivatives();
    test_invariance();
    test_heat();
    test_nve();
    test_total_and_errors();
    test_mtp();
    test_thermostats();
    done_testing();
    return exit_status();
}
