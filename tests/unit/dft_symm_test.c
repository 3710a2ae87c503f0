/*
 * Unit tests of lib/dft/symm.c: space groups through spglib (diamond Si, graphene, a rattled
 * cell, a supercell, error paths), k-point reduction (ABINIT's irreducible points and weights for
 * the shifted 4x4x4 fcc mesh, symmetric meshes, no symmetry = dft_kmesh_make), the density
 * average over the group (idempotent, invariant under every operation, symmetric functions
 * unchanged), and the SCF with symmetry: the shifted 4x4x4 Si mesh against ABINIT with its
 * default symmetry (tests/ref/dft-scf/si-lda-sym, FPMS_ROOT), and symmetric meshes against the
 * same SCF without symmetry. The 20 Ha runs are skipped when FPMS_DFT_SMALL is set or under
 * valgrind.
 */
#include <complex.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/dft/dft.h"
#include "../tap.h"

/* Si GTH-PADE-q4 (CP2K GTH_POTENTIALS, tests/ref/dft-scf/si-lda/14si-gth-pade-q4.psp10) */
static struct dft_psp
si_psp(void)
{
    struct dft_psp p;
    memset(&p, 0, sizeof p);
    strcpy(p.symbol, "Si");
    strcpy(p.name, "GTH-PADE-q4");
    p.z = 14;
    p.zion = 4;
    p.rloc = 0.44;
    p.nloc = 1;
    p.cloc[0] = -7.33610297;
    p.nchan = 2;
    p.rl[0] = 0.42273813;
    p.nproj[0] = 2;
    p.h[0][0][0] = 5.90692831;
    p.h[0][0][1] = p.h[0][1][0] = -1.26189397;
    p.h[0][1][1] = 3.25819622;
    p.rl[1] = 0.48427842;
    p.nproj[1] = 1;
    p.h[1][0][0] = 2.72701346;
    return p;
}

static void
si_cell(double cell[9], double pos[6])
{
    double a = 10.26;
    double c[9] = {0, a / 2, a / 2, a / 2, 0, a / 2, a / 2, a / 2, 0};
    double p[6] = {0, 0, 0, a / 4, a / 4, a / 4};
    memcpy(cell, c, sizeof c);
    memcpy(pos, p, sizeof p);
}

/* graphene, a = 4.65 bohr, c bohr of vacuum, atoms at reduced (1/3, 2/3, 0), (2/3, 1/3, 0) */
static void
graphene_cell(double c, double cell[9], double pos[6])
{
    double a = 4.65, s3 = sqrt(3) / 2;
    double cc[9] = {a, 0, 0, -a / 2, a * s3, 0, 0, 0, c};
    for (int k = 0; k < 3; k++) {
        pos[k] = cc[k] / 3 + 2 * cc[3 + k] / 3;
        pos[3 + k] = 2 * cc[k] / 3 + cc[3 + k] / 3;
    }
    memcpy(cell, cc, sizeof cc);
}

static void
test_find(void)
{
    struct dft_symm sym;
    struct core_err err = {0};
    double cell[9], pos[24], sc[9];
    int types[2] = {0};
    dft_symm_init(&sym);
    si_cell(cell, pos);
    is_int(dft_symm_find(cell, 2, pos, types, 1e-5, &sym, &err), 0, "find: Si %s", err.msg);
    is_int((long)sym.nops, 48, "find: Si has 48 operations");
    is_int(sym.number, 227, "find: Si is space group 227");
    is_str(sym.symbol, "Fd-3m", "find: Si is Fd-3m");
    {
        /* every operation maps the atoms onto atoms; translations in [0, 1) */
        int good = 1;
        for (size_t o = 0; o < sym.nops; o++) {
            const int *r = sym.rot + 9 * o;
            const double *t = sym.trans + 3 * o;
            double x[2][3] = {{0, 0, 0}, {0.25, 0.25, 0.25}};
            for (int a = 0; a < 2; a++) {
                int hit = 0;
                double y[3];
                for (int i = 0; i < 3; i++)
                    y[i] =
                        r[3 * i] * x[a][0] + r[3 * i + 1] * x[a][1] + r[3 * i + 2] * x[a][2] + t[i];
                for (int b = 0; b < 2; b++) {
                    double d = 0;
                    for (int i = 0; i < 3; i++)
                        d += fabs((y[i] - x[b][i]) - round(y[i] - x[b][i]));
                    hit |= d < 1e-9;
                }
                good &= hit;
                for (int i = 0; i < 3; i++)
                    good &= t[i] >= 0 && t[i] < 1;
            }
        }
        ok(good, "find: every operation maps Si onto itself");
    }
    /* two species: zincblende */
    types[1] = 1;
    is_int(dft_symm_find(cell, 2, pos, types, 1e-5, &sym, &err), 0, "find: zincblende");
    is_int(sym.number, 216, "find: two species make F-43m (216)");
    is_int((long)sym.nops, 24, "find: 24 operations");
    types[1] = 0;
    /* a displacement above the tolerance breaks the symmetry, one below does not */
    pos[3] += 1e-3;
    dft_symm_find(cell, 2, pos, types, 1e-5, &sym, &err);
    ok(sym.number != 227 && sym.nops < 48, "find: displaced atom: %s (%d), %zu operations",
       sym.symbol, sym.number, sym.nops);
    dft_symm_find(cell, 2, pos, types, 1e-2, &sym, &err);
    is_int(sym.number, 227, "find: the same within a tolerance of 1e-2 bohr");
    pos[3] -= 1e-3;
    /* a 2x2x2 supercell: 8 pure translations times 48 */
    {
        double p16[48];
        int t16[16] = {0};
        for (int i = 0; i < 9; i++)
            sc[i] = 2 * cell[i];
        for (int c = 0; c < 8; c++)
            for (int a = 0; a < 2; a++)
                for (int k = 0; k < 3; k++)
                    p16[6 * c + 3 * a + k] = pos[3 * a + k] + (c & 1) * cell[k] +
                                             (c >> 1 & 1) * cell[3 + k] + (c >> 2) * cell[6 + k];
        is_int(dft_symm_find(sc, 16, p16, t16, 1e-5, &sym, &err), 0, "find: supercell");
        is_int((long)sym.nops, 384, "find: 2x2x2 supercell has 384 operations");
    }
    graphene_cell(20, cell, pos);
    is_int(dft_symm_find(cell, 2, pos, types, 1e-5, &sym, &err), 0, "find: graphene");
    is_int(sym.number, 191, "find: graphene is P6/mmm (191)");
    is_int((long)sym.nops, 24, "find: graphene has 24 operations");
    /* errors */
    si_cell(cell, pos);
    is_int(dft_symm_find(cell, 2, pos, types, 0, &sym, &err), CORE_EINPUT, "find: symprec 0");
    is_str(err.msg, "symmetry: tolerance 0 bohr not in (0, 1)", "find: symprec message");
    is_int(dft_symm_find(cell, 2, pos, types, NAN, &sym, &err), CORE_EINPUT, "find: NaN symprec");
    is_int(dft_symm_find(cell, 0, pos, types, 1e-5, &sym, &err), CORE_EINPUT, "find: no atoms");
    pos[4] = INFINITY;
    is_int(dft_symm_find(cell, 2, pos, types, 1e-5, &sym, &err), CORE_EINPUT, "find: Inf");
    is_str(err.msg, "symmetry: atom 2: position is not finite", "find: Inf message");
    pos[4] = pos[3];
    cell[4] = NAN;
    is_int(dft_symm_find(cell, 2, pos, types, 1e-5, &sym, &err), CORE_EINPUT, "find: NaN cell");
    si_cell(cell, pos);
    memcpy(cell + 6, cell + 3, 3 * sizeof *cell);
    is_int(dft_symm_find(cell, 2, pos, types, 1e-5, &sym, &err), CORE_EINPUT, "find: singular");
    is_str(err.msg, "symmetry: singular cell", "find: singular message");
    si_cell(cell, pos);
    pos[3] = pos[4] = pos[5] = 1e-6;
    is_int(dft_symm_find(cell, 2, pos, types, 1e-5, &sym, &err), CORE_EINPUT,
           "find: atoms closer than the tolerance");
    ok(strncmp(err.msg, "symmetry: spglib found no space group (", 39) == 0, "find: says so: %s",
       err.msg);
    is_int((long)sym.nops, 0, "find: nothing kept after an error");
    dft_symm_release(&sym);
    dft_symm_release(&sym);
}

/* The k-points of expected.txt (reduced coordinates, weight, 4 eigenvalues), or -1. */
static long
ref_kpts(const char *name, double k[][8], size_t max, double *etot)
{
    const char *root = getenv("FPMS_ROOT");
    char path[1024], line[4096];
    size_t n = 0;
    snprintf(path, sizeof path, "%s/tests/ref/dft-scf/%s/expected.txt", root ? root : ".", name);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    while (fgets(line, sizeof line, fp)) {
        if (strncmp(line, "kpt ", 4) == 0 && n < max &&
            sscanf(line + 4, "%lf %lf %lf %lf %lf %lf %lf %lf", &k[n][0], &k[n][1], &k[n][2],
                   &k[n][3], &k[n][4], &k[n][5], &k[n][6], &k[n][7]) == 8)
            n++;
        else if (strncmp(line, "total_energy ", 13) == 0)
            *etot = strtod(line + 13, NULL);
    }
    fclose(fp);
    return (long)n;
}

static int
same_k(const double *a, const double *b)
{
    for (int j = 0; j < 3; j++)
        if (fabs(a[j] - b[j] - round(a[j] - b[j])) > 1e-9)
            return 0;
    return 1;
}

static void
test_kmesh(void)
{
    struct dft_symm sym;
    struct core_err err = {0};
    double cell[9], pos[6], *k = NULL, *w = NULL, *k2 = NULL, *w2 = NULL, ref[64][8], etot = 0,
                            sum = 0;
    int types[2] = {0, 0}, n4[3] = {4, 4, 4}, n6[3] = {6, 6, 1};
    double half[3] = {0.5, 0.5, 0.5}, zero[3] = {0, 0, 0};
    size_t nk = 0, nk2 = 0;
    long nref;
    dft_symm_init(&sym);
    si_cell(cell, pos);
    dft_symm_find(cell, 2, pos, types, 1e-5, &sym, &err);
    is_int(dft_kmesh_reduce(n4, half, 1, &sym, &k, &w, &nk, &err), 0, "kmesh: Si 4x4x4 shifted");
    nref = ref_kpts("si-lda-sym", ref, 64, &etot);
    if (ok(nref > 0, "kmesh: tests/ref/dft-scf/si-lda-sym/expected.txt readable (FPMS_ROOT)")) {
        int same = nk == (size_t)nref;
        for (size_t i = 0; same && i < nk; i++)
            same = same_k(k + 3 * i, ref[i]) && fabs(w[i] - ref[i][3]) < 1e-12;
        is_int((long)nk, nref, "kmesh: as many irreducible points as ABINIT (10)");
        ok(same, "kmesh: ABINIT's points and weights, in its order");
    }
    for (size_t i = 0; i < nk; i++)
        sum += w[i];
    is_abs(sum, 1, 1e-14, "kmesh: weights sum to 1");
    free(k);
    free(w);
    /* unshifted fcc 4x4x4: the 8 points every code finds */
    dft_kmesh_reduce(n4, zero, 1, &sym, &k, &w, &nk, &err);
    is_int((long)nk, 8, "kmesh: Si 4x4x4 unshifted has 8 irreducible points");
    is_abs(w[0], 1.0 / 64, 1e-15, "kmesh: Gamma has weight 1/64");
    free(k);
    free(w);
    {
        /* 8x8x8 unshifted fcc: the 29 points of the textbooks; inversion makes time reversal
         * redundant */
        int n8[3] = {8, 8, 8};
        dft_kmesh_reduce(n8, zero, 1, &sym, &k, &w, &nk, &err);
        is_int((long)nk, 29, "kmesh: Si 8x8x8 unshifted has 29 irreducible points");
        free(k);
        free(w);
        dft_kmesh_reduce(n4, half, 0, &sym, &k, &w, &nk, &err);
        is_int((long)nk, 10, "kmesh: with inversion in the group, time reversal changes nothing");
        free(k);
        free(w);
    }
    /* no symmetry and the identity group give dft_kmesh_make's list */
    dft_kmesh_reduce(n4, half, 1, NULL, &k, &w, &nk, &err);
    dft_kmesh_make(n4, half, 1, &k2, &w2, &nk2, &err);
    ok(nk == 32 && nk2 == 32 && memcmp(k, k2, 3 * nk * sizeof *k) == 0 &&
           memcmp(w, w2, nk * sizeof *w) == 0,
       "kmesh: no symmetry is dft_kmesh_make (32 points)");
    free(k);
    free(w);
    free(k2);
    free(w2);
    dft_kmesh_reduce(n4, half, 0, NULL, &k, &w, &nk, &err);
    is_int((long)nk, 64, "kmesh: neither symmetry nor time reversal: the whole mesh");
    free(k);
    free(w);
    graphene_cell(20, cell, pos);
    dft_symm_find(cell, 2, pos, types, 1e-5, &sym, &err);
    dft_kmesh_reduce(n6, zero, 1, &sym, &k, &w, &nk, &err);
    is_int((long)nk, 7, "kmesh: graphene 6x6x1 has 7 irreducible points");
    free(k);
    free(w);
    /* errors */
    int bad[3] = {4, 0, 4};
    double badshift[3] = {0, 1, 0};
    is_int(dft_kmesh_reduce(bad, zero, 1, &sym, &k, &w, &nk, &err), CORE_EINPUT, "kmesh: n = 0");
    is_str(err.msg, "k-mesh: 0 points along b_2 (1 to 1000)", "kmesh: n = 0 message");
    ok(!k && !w && nk == 0, "kmesh: nothing returned on error");
    is_int(dft_kmesh_reduce(n4, badshift, 1, &sym, &k, &w, &nk, &err), CORE_EINPUT,
           "kmesh: shift 1");
    is_str(err.msg, "k-mesh: shift 1 along b_2 not in [0, 1)", "kmesh: shift message");
    int big[3] = {1000, 1000, 2};
    is_int(dft_kmesh_reduce(big, zero, 1, &sym, &k, &w, &nk, &err), CORE_EINPUT,
           "kmesh: too many points");
    is_str(err.msg, "k-mesh: 1000x1000x2 has more than 1e6 points", "kmesh: size message");
    dft_symm_release(&sym);
}

static int
freq(size_t i, size_t n)
{
    return i <= n / 2 ? (int)i : (int)i - (int)n;
}

/* Values of a real-space function given by coefficients c on box n at fractional x. */
static double
eval(const double complex *c, const size_t n[3], const double x[3])
{
    double complex v = 0;
    for (size_t i0 = 0, idx = 0; i0 < n[0]; i0++)
        for (size_t i1 = 0; i1 < n[1]; i1++)
            for (size_t i2 = 0; i2 < n[2]; i2++, idx++) {
                int f[3] = {freq(i0, n[0]), freq(i1, n[1]), freq(i2, n[2])};
                double ph = 2 * M_PI * (f[0] * x[0] + f[1] * x[1] + f[2] * x[2]);
                v += c[idx] * (cos(ph) + I * sin(ph));
            }
    return creal(v);
}

static void
test_density(void)
{
    struct dft_symm sym;
    struct core_err err = {0};
    double cell[9], pos[6];
    int types[2] = {0, 0};
    size_t n[3] = {12, 12, 12}, nfft = 12 * 12 * 12, nin = 0;
    double complex *a = calloc(nfft, sizeof *a), *b = calloc(nfft, sizeof *b),
                   *c = calloc(nfft, sizeof *c);
    struct core_rng rng;
    dft_symm_init(&sym);
    si_cell(cell, pos);
    dft_symm_find(cell, 2, pos, types, 1e-5, &sym, &err);
    /* a random real function inside the sphere |f| <= 3 (a box of 12 holds every image) */
    core_rng_init(&rng, 7, 1, 0, 0);
    for (size_t i0 = 0, idx = 0; i0 < n[0]; i0++)
        for (size_t i1 = 0; i1 < n[1]; i1++)
            for (size_t i2 = 0; i2 < n[2]; i2++, idx++) {
                int f[3] = {freq(i0, n[0]), freq(i1, n[1]), freq(i2, n[2])};
                /* |G|^2 in units of (2 pi/a)^2 for fcc reduced coordinates */
                double g2 = 3 * (f[0] * f[0] + f[1] * f[1] + f[2] * f[2]) -
                            2 * (f[0] * f[1] + f[1] * f[2] + f[0] * f[2]);
                if (g2 > 12)
                    continue;
                a[idx] = core_rng_gauss(&rng) + I * core_rng_gauss(&rng);
                nin++;
            }
    /* make it real: a(-G) = conj(a(G)) */
    for (size_t i0 = 0, idx = 0; i0 < n[0]; i0++)
        for (size_t i1 = 0; i1 < n[1]; i1++)
            for (size_t i2 = 0; i2 < n[2]; i2++, idx++) {
                size_t j =
                    (((n[0] - i0) % n[0]) * n[1] + (n[1] - i1) % n[1]) * n[2] + (n[2] - i2) % n[2];
                if (j > idx) {
                    a[idx] = 0.5 * (a[idx] + conj(a[j]));
                    a[j] = conj(a[idx]);
                } else if (j == idx)
                    a[idx] = creal(a[idx]);
            }
    dft_symm_density_g(&sym, n, a, b);
    dft_symm_density_g(&sym, n, b, c);
    double d = 0, m = 0;
    for (size_t i = 0; i < nfft; i++) {
        d = fmax(d, cabs(c[i] - b[i]));
        m = fmax(m, cabs(b[i]));
    }
    ok(nin > 50 && m > 0.1 && d < 1e-13, "density: averaging twice changes nothing (%.1e)", d);
    /* f(R x + t) = f(x) at random points, for every operation */
    {
        double worst = 0;
        for (int trial = 0; trial < 3; trial++) {
            double x[3] = {core_rng_uniform(&rng), core_rng_uniform(&rng), core_rng_uniform(&rng)};
            double f0 = eval(b, n, x);
            for (size_t o = 0; o < sym.nops; o += 5) {
                const int *r = sym.rot + 9 * o;
                double y[3];
                for (int i = 0; i < 3; i++)
                    y[i] = r[3 * i] * x[0] + r[3 * i + 1] * x[1] + r[3 * i + 2] * x[2] +
                           sym.trans[3 * o + i];
                worst = fmax(worst, fabs(eval(b, n, y) - f0));
            }
        }
        ok(worst < 1e-11, "density: the average is invariant under the operations (%.1e)", worst);
    }
    /* a symmetric function (Gaussian atoms at the Si sites) is unchanged */
    {
        double md = 0;
        for (size_t i0 = 0, idx = 0; i0 < n[0]; i0++)
            for (size_t i1 = 0; i1 < n[1]; i1++)
                for (size_t i2 = 0; i2 < n[2]; i2++, idx++) {
                    int f[3] = {freq(i0, n[0]), freq(i1, n[1]), freq(i2, n[2])};
                    double g2 = 3 * (f[0] * f[0] + f[1] * f[1] + f[2] * f[2]) -
                                2 * (f[0] * f[1] + f[1] * f[2] + f[0] * f[2]);
                    double ph = 2 * M_PI * 0.25 * (f[0] + f[1] + f[2]);
                    a[idx] = g2 > 12 ? 0 : exp(-0.3 * g2) * (1 + cos(ph) - I * sin(ph));
                }
        dft_symm_density_g(&sym, n, a, b);
        for (size_t i = 0; i < nfft; i++)
            md = fmax(md, cabs(b[i] - a[i]));
        ok(md < 1e-14, "density: symmetric Gaussian atoms unchanged (%.1e)", md);
    }
    /* no symmetry copies */
    dft_symm_density_g(NULL, n, a, c);
    ok(memcmp(a, c, nfft * sizeof *a) == 0, "density: no symmetry copies");
    free(a);
    free(b);
    free(c);
    dft_symm_release(&sym);
}

static int
run(struct dft_scf *scf, struct dft_energies *e)
{
    struct core_err err = {0};
    int rc = 0;
    while (!dft_scf_converged(scf) && dft_scf_niter(scf) < 100 && rc == 0)
        rc = dft_scf_iterate(scf, &err);
    dft_scf_energies(scf, e);
    return rc == 0 && dft_scf_converged(scf);
}

/* Si with and without symmetry on mesh n shifted by sh, at ecut; returns the energies. */
static int
si_scf(double ecut, int nk, double sh, int symmetry, struct dft_scf **out, struct dft_energies *e)
{
    struct dft_psp p = si_psp();
    const struct dft_psp *pp[2] = {&p, &p};
    struct dft_params par;
    struct core_err err = {0};
    double cell[9], pos[6];
    si_cell(cell, pos);
    dft_params_init(&par);
    par.ecut = ecut;
    par.kgrid[0] = par.kgrid[1] = par.kgrid[2] = nk;
    par.kshift[0] = par.kshift[1] = par.kshift[2] = sh;
    par.symmetry = symmetry;
    par.tol_energy = 1e-12;
    *out = NULL;
    if (dft_scf_alloc(cell, 2, pos, pp, &par, out, &err) != 0) {
        fprintf(stderr, "# alloc: %s\n", err.msg);
        return 0;
    }
    return run(*out, e);
}

static void
test_scf(int small)
{
    struct dft_scf *a = NULL, *b = NULL;
    struct dft_energies ea, eb;
    /* a symmetric mesh: symmetry changes nothing but the cost */
    ok(si_scf(8, 2, 0, 1, &a, &ea) && si_scf(8, 2, 0, 0, &b, &eb),
       "scf: Si 8 Ha 2x2x2 unshifted with and without symmetry converge");
    if (a && b) {
        is_abs(ea.total, eb.total, 1e-9, "scf: same energy with symmetry (%.3e)",
               ea.total - eb.total);
        is_int((long)dft_scf_nkpts(a), 3, "scf: 3 irreducible k-points");
        is_int((long)dft_scf_nkpts(b), 8, "scf: 8 with time reversal alone");
        is_int(dft_scf_symm(a)->number, 227, "scf: space group 227");
        is_int((long)dft_scf_symm(b)->nops, 0, "scf: no symmetry: no operations");
    }
    dft_scf_free(a);
    dft_scf_free(b);
    {
        /* bad tolerance */
        struct dft_psp p = si_psp();
        const struct dft_psp *pp[2] = {&p, &p};
        struct dft_params par;
        struct core_err err = {0};
        double cell[9], pos[6];
        si_cell(cell, pos);
        dft_params_init(&par);
        par.ecut = 5;
        par.symmetry = 1;
        par.symprec = -1;
        is_int(dft_scf_alloc(cell, 2, pos, pp, &par, &a, &err), CORE_EINPUT, "scf: symprec < 0");
        is_str(err.msg, "scf: symmetry tolerance -1 bohr not in (0, 1)", "scf: symprec message");
        par.symprec = 1e-5;
        pos[3] = pos[4] = pos[5] = 1e-7;
        is_int(dft_scf_alloc(cell, 2, pos, pp, &par, &a, &err), CORE_EINPUT,
               "scf: spglib failure is an error");
    }
    if (small) {
        ok(1, "# skip si-lda-sym (20 Ha, 4x4x4): FPMS_DFT_SMALL or valgrind");
        return;
    }
    /* the case with ABINIT's default symmetry */
    double ref[64][8], etot = 0;
    long nref = ref_kpts("si-lda-sym", ref, 64, &etot);
    ok(si_scf(20, 4, 0.5, 1, &a, &ea), "scf: si-lda-sym converges");
    if (a && nref > 0) {
        is_abs(ea.total / 2, etot / 2, 1e-6, "scf si-lda-sym: energy per atom within 1e-6 Ha");
        is_abs(ea.total, etot, 1e-9, "scf si-lda-sym: total within 1e-9 Ha (%.12f vs %.12f)",
               ea.total, etot);
        is_int((long)dft_scf_nkpts(a), nref, "scf si-lda-sym: 10 k-points as ABINIT (not 32)");
        double md = 0;
        for (size_t ik = 0; ik < dft_scf_nkpts(a) && ik < (size_t)nref; ik++) {
            const double *ev = dft_scf_eigenvalues(a, ik);
            for (int n = 0; n < 4; n++)
                md = fmax(md, fabs(ev[n] - ref[ik][4 + n]));
        }
        ok(md < 1e-5, "scf si-lda-sym: eigenvalues within 1e-5 Ha of ABINIT's (%.1e)", md);
    }
    dft_scf_free(a);
}

int
main(void)
{
    const char *pre = getenv("LD_PRELOAD");
    int valgrind = pre && strstr(pre, "vgpreload");
    int small = getenv("FPMS_DFT_SMALL") || valgrind;
    if (valgrind)
        omp_set_num_threads(1);
    test_find();
    test_kmesh();
    test_density();
    test_scf(small);
    done_testing();
    return exit_status();
}
