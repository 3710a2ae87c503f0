/*
 * Unit tests of lib/mtp/jac.c: the values of mtp_jac_calc equal mtp_calc's, and every column of
 * its Jacobian (energy, forces, virial with respect to radial, species and moment coefficients)
 * equals five-point central differences of mtp_calc, on two-species configurations (periodic
 * and an isolated cluster) at levels 6, 10 and 16 with random coefficients. The labels are
 * polynomials of degree at most 4 in each coefficient, so the five-point stencil is exact up to
 * rounding and the comparison can be tight (1e-6 relative, per column and row group). Then the
 * linear-only mode, pairs beyond rcut, and every error path.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/core.h"
#include "../../lib/mtp/mtp.h"
#include "../tap.h"

#define NAT 9

static unsigned long long rng_state = 0x2545f4914f6cdd1dULL;

static double
urand(void) /* uniform in [0, 1) */
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

struct conf {
    size_t natoms;
    int type[NAT];
    double pos[3 * NAT], cell[9];
    int pbc[3];
    int periodic;
};

/*
 * A triclinic periodic cell (periodic 1) or a cluster (0) of NAT atoms of two species, no pair
 * below 1.1 A; or (2) two atoms in a cell thinner than rcut, so that atoms are their own
 * neighbours through periodic images.
 */
static void
make_conf(struct conf *c, int periodic)
{
    double L = 5.3;
    memset(c, 0, sizeof *c);
    if (periodic == 2) {
        const double cell[9] = {2.45, 0, 0, 0.3, 2.6, 0, 0, 0.2, 3.1};
        const double pos[6] = {0.1, -0.05, 0.02, 1.31, 1.24, 1.57};
        c->natoms = 2, c->periodic = 1;
        memcpy(c->cell, cell, sizeof cell);
        memcpy(c->pos, pos, sizeof pos);
        c->pbc[0] = c->pbc[1] = c->pbc[2] = 1;
        c->type[0] = 0, c->type[1] = 1;
        return;
    }
    c->natoms = NAT;
    c->periodic = periodic;
    c->cell[0] = L, c->cell[3] = 0.61, c->cell[4] = L * 1.09, c->cell[6] = -0.37, c->cell[7] = 0.29,
    c->cell[8] = L * 0.94;
    c->pbc[0] = c->pbc[1] = c->pbc[2] = periodic;
    for (int i = 0; i < NAT; i++) {
        int good;
        do {
            for (int k = 0; k < 3; k++)
                c->pos[3 * i + k] = urand() * (periodic ? L : 3.9);
            good = 1;
            for (int j = 0; j < i; j++) {
                double r2 = 0;
                for (int k = 0; k < 3; k++)
                    r2 += pow(c->pos[3 * i + k] - c->pos[3 * j + k], 2);
                if (r2 < 1.1 * 1.1)
                    good = 0;
            }
        } while (!good);
        c->type[i] = (i % 3 == 1);
    }
}

static void
random_pot(struct mtp_pot *pot, int level)
{
    struct core_err err = {0};
    ok(mtp_pot_generate(pot, level, 2, 7, 0.7, 4.6, &err) == 0, "generate level %d: %s", level,
       err.msg);
    size_t nr = pot->nspecies * pot->nspecies * pot->nrad * pot->nrb;
    for (size_t i = 0; i < nr; i++)
        pot->radial[i] = (urand() - 0.5) * 0.8 + (i % pot->nrb == 0 ? 0.5 : 0);
    for (size_t i = 0; i < pot->nspecies; i++)
        pot->species_coeffs[i] = -4.3 + 2.1 * urand();
    for (size_t i = 0; i < pot->nscalar; i++)
        pot->moment_coeffs[i] = (urand() - 0.5) * 1.3;
    pot->scaling = 0.43;
    pot->has_radial = pot->has_linear = 1;
}

/* The coefficient c of pot in the order of mtp_jac_calc's columns. */
static double *
param(struct mtp_pot *pot, size_t c)
{
    size_t nr = pot->nspecies * pot->nspecies * pot->nrad * pot->nrb;
    return c < nr                   ? &pot->radial[c]
           : c < nr + pot->nspecies ? &pot->species_coeffs[c - nr]
                                    : &pot->moment_coeffs[c - nr - pot->nspecies];
}

static int
calc(const struct mtp_pot *pot, struct mtp_work *w, const struct conf *c, double *v)
{
    struct core_err err = {0};
    size_t N = c->natoms;
    return mtp_calc(pot, w, N, c->type, c->pos, c->periodic ? c->cell : NULL,
                    c->periodic ? c->pbc : NULL, v, v + 1, v + 1 + 3 * N, &err);
}

/* Compares J with five-point differences of mtp_calc; returns the worst relative error. */
static double
check_fd(struct mtp_pot *pot, struct mtp_work *w, const struct conf *c, const double *J,
         double *worst_rad, double *worst_lin)
{
    size_t N = c->natoms, nrow = 1 + 3 * N + 9, np = mtp_pot_nparams(pot);
    size_t nr = pot->nspecies * pot->nspecies * pot->nrad * pot->nrb;
    double *v = malloc(4 * nrow * sizeof *v), *fd = malloc(nrow * sizeof *fd);
    *worst_rad = *worst_lin = 0;
    int bad = 0;
    /* a floor for columns whose group is zero (species coefficients on forces): rounding of the
     * differences against the largest derivative of the group */
    size_t g0[3] = {0, 1, 1 + 3 * N}, g1[3] = {1, 1 + 3 * N, nrow};
    double floor_[3] = {0, 0, 0};
    for (int gi = 0; gi < 3; gi++)
        for (size_t r = g0[gi]; r < g1[gi]; r++)
            for (size_t col = 0; col < np; col++)
                floor_[gi] = fmax(floor_[gi], 1e-9 * fabs(J[r * np + col]));
    for (size_t col = 0; col < np; col++) {
        double *x = param(pot, col), x0 = *x, h = 0.1 * (1 + fabs(x0));
        const double st[4] = {-2, -1, 1, 2};
        for (int s = 0; s < 4; s++) {
            *x = x0 + st[s] * h;
            bad |= calc(pot, w, c, v + (size_t)s * nrow);
        }
        *x = x0;
        for (size_t r = 0; r < nrow; r++)
            fd[r] = (v[r] - 8 * v[nrow + r] + 8 * v[2 * nrow + r] - v[3 * nrow + r]) / (12 * h);
        /* per row group (energy, forces, virial): max |J - fd| / max |fd| */
        for (int gi = 0; gi < 3; gi++) {
            double dmax = 0, fmaxv = 0;
            for (size_t r = g0[gi]; r < g1[gi]; r++) {
                dmax = fmax(dmax, fabs(J[r * np + col] - fd[r]));
                fmaxv = fmax(fmaxv, fabs(fd[r]));
            }
            double e = dmax / fmax(fmaxv, floor_[gi]);
            if (col < nr)
                *worst_rad = fmax(*worst_rad, e);
            else
                *worst_lin = fmax(*worst_lin, e);
        }
    }
    free(v);
    free(fd);
    return bad ? INFINITY : fmax(*worst_rad, *worst_lin);
}

static const char *const kind[3] = {"cluster", "periodic", "self-images"};

static void
test_level(int level, int periodic)
{
    struct mtp_pot pot;
    struct mtp_work *w = NULL;
    struct mtp_jac *jw = NULL;
    struct core_err err = {0};
    struct conf c;
    mtp_pot_init(&pot);
    random_pot(&pot, level);
    make_conf(&c, periodic);
    size_t N = c.natoms, nrow = 1 + 3 * N + 9, np = mtp_pot_nparams(&pot);
    is_int((long)np,
           (long)(pot.nspecies * pot.nspecies * pot.nrad * pot.nrb + pot.nspecies + pot.nscalar),
           "level %d: mtp_pot_nparams", level);
    ok(mtp_work_alloc(&pot, &w, &err) == 0, "work: %s", err.msg);
    ok(mtp_jac_alloc(&pot, &jw, &err) == 0, "jac: %s", err.msg);
    double *ref = calloc(nrow, sizeof *ref), *val = calloc(nrow, sizeof *val);
    double *J = calloc(nrow * np, sizeof *J), *J2 = calloc(nrow * np, sizeof *J2);
    ok(calc(&pot, w, &c, ref) == 0, "mtp_calc");
    struct mtp_nbrs nl;
    mtp_work_nbrs(w, &nl);
    ok(nl.npairs > 0, "level %d %s: %zu pairs", level, kind[periodic], nl.npairs);
    ok(mtp_jac_calc(&pot, jw, c.type, &nl, 1, val, J, &err) == 0, "mtp_jac_calc: %s", err.msg);
    double vmax = 0, dv = 0;
    for (size_t r = 0; r < nrow; r++) {
        vmax = fmax(vmax, fabs(ref[r]));
        dv = fmax(dv, fabs(val[r] - ref[r]));
    }
    ok(dv <= 1e-12 * vmax, "level %d: values equal mtp_calc's (max diff %.2e of %.2e)", level, dv,
       vmax);
    /* check_fd reuses w, so nl (views into w) is invalid after it: taken again below */
    double wr, wl;
    double worst = check_fd(&pot, w, &c, J, &wr, &wl);
    ok(worst < 1e-6,
       "level %d %s: %zu columns x %zu rows vs 5-point differences: radial %.2e, linear %.2e",
       level, kind[periodic], np, nrow, wr, wl);

    /* linear-only: same linear columns, zero radial columns, same values */
    ok(calc(&pot, w, &c, ref) == 0, "mtp_calc again");
    mtp_work_nbrs(w, &nl);
    ok(mtp_jac_calc(&pot, jw, c.type, &nl, 0, val, J2, &err) == 0, "linear only: %s", err.msg);
    size_t nr = np - pot.nspecies - pot.nscalar;
    double dl = 0, zr = 0, jmax = 0;
    for (size_t r = 0; r < nrow; r++)
        for (size_t col = 0; col < np; col++) {
            if (col < nr)
                zr = fmax(zr, fabs(J2[r * np + col]));
            else
                dl = fmax(dl, fabs(J2[r * np + col] - J[r * np + col])),
                jmax = fmax(jmax, fabs(J[r * np + col]));
        }
    ok(zr == 0 && dl <= 1e-13 * jmax, "level %d linear only: radial columns 0, linear equal (%.2e)",
       level, dl);
    free(ref), free(val), free(J), free(J2);
    mtp_jac_free(jw);
    mtp_work_free(w);
    mtp_pot_release(&pot);
}

/* Pairs at or beyond rcut are ignored: a list built with a larger cut-off gives the same. */
static void
test_beyond_rcut(void)
{
    struct mtp_pot big, small;
    struct mtp_work *wb = NULL, *ws = NULL;
    struct mtp_jac *jw = NULL;
    struct core_err err = {0};
    struct conf c;
    mtp_pot_init(&big);
    mtp_pot_init(&small);
    random_pot(&big, 8);
    mtp_pot_copy(&small, &big, &err);
    small.rcut = 3.7;
    make_conf(&c, 1);
    size_t N = c.natoms, nrow = 1 + 3 * N + 9, np = mtp_pot_nparams(&big);
    double *v1 = calloc(nrow, sizeof *v1), *v2 = calloc(nrow, sizeof *v2);
    double *J1 = calloc(nrow * np, sizeof *J1), *J2 = calloc(nrow * np, sizeof *J2);
    ok(mtp_work_alloc(&big, &wb, &err) == 0 && mtp_work_alloc(&small, &ws, &err) == 0, "works");
    ok(mtp_jac_alloc(&small, &jw, &err) == 0, "jac");
    struct mtp_nbrs nb, ns;
    ok(calc(&big, wb, &c, v1) == 0 && calc(&small, ws, &c, v1) == 0, "calc");
    mtp_work_nbrs(wb, &nb);
    mtp_work_nbrs(ws, &ns);
    ok(nb.npairs > ns.npairs, "the larger cut-off has more pairs (%zu > %zu)", nb.npairs,
       ns.npairs);
    ok(mtp_jac_calc(&small, jw, c.type, &nb, 1, v1, J1, &err) == 0, "on the long list: %s",
       err.msg);
    ok(mtp_jac_calc(&small, jw, c.type, &ns, 1, v2, J2, &err) == 0, "on the short list: %s",
       err.msg);
    double d = 0, mx = 0;
    for (size_t i = 0; i < nrow * np; i++)
        d = fmax(d, fabs(J1[i] - J2[i])), mx = fmax(mx, fabs(J2[i]));
    for (size_t i = 0; i < nrow; i++)
        d = fmax(d, fabs(v1[i] - v2[i]));
    ok(d <= 1e-12 * mx, "pairs beyond rcut ignored (%.2e)", d);
    free(v1), free(v2), free(J1), free(J2);
    mtp_jac_free(jw);
    mtp_work_free(wb);
    mtp_work_free(ws);
    mtp_pot_release(&big);
    mtp_pot_release(&small);
}

static void
test_errors(void)
{
    struct mtp_pot pot, other;
    struct mtp_jac *jw = NULL;
    struct core_err err = {0};
    mtp_pot_init(&pot);
    mtp_pot_init(&other);
    random_pot(&pot, 6);
    random_pot(&other, 8);

    pot.rmin = 5; /* rmin >= rcut: mtp_pot_check */
    ok(mtp_jac_alloc(&pot, &jw, &err) == CORE_EINPUT && jw == NULL, "bad potential: %s", err.msg);
    pot.rmin = 0.7;
    memset(&err, 0, sizeof err);
    ok(mtp_jac_alloc(&pot, &jw, &err) == 0, "alloc");
    mtp_jac_free(NULL);

    /* two atoms, one pair each way */
    int type[2] = {0, 1};
    size_t start[3] = {0, 1, 2}, nbr[2] = {1, 0};
    double rij[6] = {1.3, 0.2, -0.1, -1.3, -0.2, 0.1};
    struct mtp_nbrs nl = {2, 2, start, nbr, rij, NULL, NULL};
    size_t np = mtp_pot_nparams(&pot), nrow = 1 + 6 + 9;
    double *val = calloc(nrow, sizeof *val), *J = calloc(nrow * np, sizeof *J);
    ok(mtp_jac_calc(&pot, jw, type, &nl, 1, val, J, &err) == 0, "a dimer: %s", err.msg);
    ok(fabs(val[1] + val[4]) <= 1e-14 * fabs(val[1]) && val[1] != 0, "dimer forces balance");

    ok(mtp_jac_calc(&other, jw, type, &nl, 1, val, J, &err) == CORE_EINPUT &&
           strstr(err.msg, "basis"),
       "another basis: %s", err.msg);
    type[1] = 2;
    ok(mtp_jac_calc(&pot, jw, type, &nl, 1, val, J, &err) == CORE_EINPUT &&
           strstr(err.msg, "atom 1: type 2"),
       "type out of range: %s", err.msg);
    type[1] = -1;
    ok(mtp_jac_calc(&pot, jw, type, &nl, 1, val, J, &err) == CORE_EINPUT &&
           strstr(err.msg, "type -1"),
       "negative type: %s", err.msg);
    type[1] = 1;
    start[0] = 1;
    ok(mtp_jac_calc(&pot, jw, type, &nl, 1, val, J, &err) == CORE_EINPUT &&
           strstr(err.msg, "start[0] = 1"),
       "start[0] not 0: %s", err.msg);
    start[0] = 0, start[2] = 1;
    ok(mtp_jac_calc(&pot, jw, type, &nl, 1, val, J, &err) == CORE_EINPUT &&
           strstr(err.msg, "start[2] = 1"),
       "start[natoms] not npairs: %s", err.msg);
    start[2] = 2, start[1] = 3; /* {0, 3, 2} */
    ok(mtp_jac_calc(&pot, jw, type, &nl, 1, val, J, &err) == CORE_EINPUT &&
           strstr(err.msg, "decreases at atom 1"),
       "decreasing start: %s", err.msg);
    start[1] = 1;
    nbr[1] = 2;
    ok(mtp_jac_calc(&pot, jw, type, &nl, 1, val, J, &err) == CORE_EINPUT &&
           strstr(err.msg, "pair 1: neighbour 2 of 2 atoms"),
       "neighbour out of range: %s", err.msg);
    nbr[1] = 0;
    rij[3] = NAN;
    ok(mtp_jac_calc(&pot, jw, type, &nl, 1, val, J, &err) == CORE_EINPUT &&
           strstr(err.msg, "pair 1: non-finite"),
       "NaN vector: %s", err.msg);
    rij[3] = INFINITY;
    ok(mtp_jac_calc(&pot, jw, type, &nl, 1, val, J, &err) == CORE_EINPUT &&
           strstr(err.msg, "pair 1: non-finite"),
       "Inf vector: %s", err.msg);
    rij[3] = rij[4] = rij[5] = 0;
    ok(mtp_jac_calc(&pot, jw, type, &nl, 1, val, J, &err) == CORE_EINPUT &&
           strstr(err.msg, "pair 1: zero vector"),
       "zero vector: %s", err.msg);
    free(val), free(J);
    mtp_jac_free(jw);
    mtp_pot_release(&pot);
    mtp_pot_release(&other);
}

int
main(void)
{
    const int levels[3] = {6, 10, 16};
    for (int l = 0; l < 3; l++)
        test_level(levels[l], 1);
    test_level(10, 0);
    test_level(10, 2);
    test_level(16, 2);
    test_beyond_rcut();
    test_errors();
    done_testing();
    return exit_status();
}
