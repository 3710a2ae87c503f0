/*
 * Unit tests of the exchange-correlation of lib/dft (xc.c): functional names, V_xc as the
 * functional derivative of E_xc (central finite differences of E_xc along random smooth density
 * perturbations, LDA and PBE, on small skewed grids with even and odd sizes), PBE exchange against
 * an independent evaluation with the analytic gradient of the density, the uniform-gas limit, the
 * density floor, and every error path.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xc.h>

#include "../../lib/core/core.h"
#include "../../lib/dft/dft.h"
#include "../tap.h"

/* A skewed cell, bohr (rows), and its grid: one odd size and two even ones (Nyquist planes). */
static const double cell[9] = {7.1234, 0.3141,  -0.2718, 1.4142, 6.5432,
                               0.5772, -0.6931, 0.1618,  8.0123};
static const size_t ngrid[3] = {15, 16, 18};

static double
volume(void)
{
    return fabs(cell[0] * (cell[4] * cell[8] - cell[5] * cell[7]) -
                cell[1] * (cell[3] * cell[8] - cell[5] * cell[6]) +
                cell[2] * (cell[3] * cell[7] - cell[4] * cell[6]));
}

/* Reciprocal rows b_j with a_i . b_j = 2 pi delta_ij. */
static void
recip(double b[9])
{
    double det = volume();
    double sgn = (cell[0] * (cell[4] * cell[8] - cell[5] * cell[7]) -
                  cell[1] * (cell[3] * cell[8] - cell[5] * cell[6]) +
                  cell[2] * (cell[3] * cell[7] - cell[4] * cell[6])) > 0
                     ? 1
                     : -1;
    for (int j = 0; j < 3; j++) {
        const double *u = cell + 3 * ((j + 1) % 3), *v = cell + 3 * ((j + 2) % 3);
        b[3 * j + 0] = sgn * 2 * M_PI * (u[1] * v[2] - u[2] * v[1]) / det;
        b[3 * j + 1] = sgn * 2 * M_PI * (u[2] * v[0] - u[0] * v[2]) / det;
        b[3 * j + 2] = sgn * 2 * M_PI * (u[0] * v[1] - u[1] * v[0]) / det;
    }
}

/*
 * A smooth positive periodic field f(r) = amp exp(sum_t c_t cos(2 pi m_t . x + phi_t)), x the
 * reduced coordinates, with its Cartesian gradient. Few low-frequency terms, so the grid resolves
 * it to round-off.
 */
struct field {
    double amp;
    int nt;
    int m[4][3];
    double c[4], phi[4];
};

static void
field_eval(const struct field *f, const double b[9], size_t idx, double *val, double grad[3])
{
    size_t i2 = idx % ngrid[2], i1 = (idx / ngrid[2]) % ngrid[1], i0 = idx / (ngrid[1] * ngrid[2]);
    double x[3] = {(double)i0 / ngrid[0], (double)i1 / ngrid[1], (double)i2 / ngrid[2]}, s = 0;
    double g[3] = {0, 0, 0};
    for (int t = 0; t < f->nt; t++) {
        double arg =
            2 * M_PI * (f->m[t][0] * x[0] + f->m[t][1] * x[1] + f->m[t][2] * x[2]) + f->phi[t];
        s += f->c[t] * cos(arg);
        for (int k = 0; k < 3; k++) /* d/dr of m . x 2pi = sum_j m_j b_j */
            g[k] -= f->c[t] * sin(arg) *
                    (f->m[t][0] * b[k] + f->m[t][1] * b[3 + k] + f->m[t][2] * b[6 + k]);
    }
    *val = f->amp * exp(s);
    if (grad)
        for (int k = 0; k < 3; k++)
            grad[k] = *val * g[k];
}

static const struct field dens = {0.0731,
                                  4,
                                  {{1, 0, 0}, {0, 1, 1}, {1, -1, 0}, {0, 0, 2}},
                                  {0.71, -0.43, 0.37, 0.29},
                                  {0.3, 1.7, -2.2, 0.9}};
static const struct field pert = {
    1.0, 3, {{0, 1, 0}, {1, 1, -1}, {2, 0, 1}}, {0.53, 0.61, -0.47}, {-1.1, 0.4, 2.6}};

/* Density rho_i = dens(r_i), or a vacuum-like one spanning 1e-9 .. 0.3 (vac != 0). */
static void
make_density(double *rho, double *drho, int vac)
{
    double b[9];
    size_t n = ngrid[0] * ngrid[1] * ngrid[2];
    recip(b);
    for (size_t i = 0; i < n; i++) {
        double v, p;
        field_eval(&dens, b, i, &v, NULL);
        field_eval(&pert, b, i, &p, NULL);
        if (vac) /* exp(6 log v + const): strongly varying, never zero */
            v = 0.3 * pow(v / 0.23, 6.0);
        rho[i] = v;
        drho[i] = (p - 1.2) * v; /* a perturbation that keeps the density's scale */
    }
}

/* d E_xc/dh along drho by central differences vs sum V_xc drho dV. */
static void
check_derivative(int xc, const char *name, int vac, double tol)
{
    size_t n = ngrid[0] * ngrid[1] * ngrid[2];
    double *rho = malloc(n * sizeof *rho), *drho = malloc(n * sizeof *drho);
    double *v = malloc(n * sizeof *v), *r2 = malloc(n * sizeof *r2), ep, em, e0, h = 2e-5;
    double lin = 0, dv = volume() / (double)n;
    struct core_err err = {0};
    make_density(rho, drho, vac);
    is_int(dft_xc_eval(xc, cell, ngrid, rho, &e0, v, &err), 0, "%s: eval %s", name, err.msg);
    for (size_t i = 0; i < n; i++)
        lin += v[i] * drho[i] * dv;
    for (size_t i = 0; i < n; i++)
        r2[i] = rho[i] + h * drho[i];
    dft_xc_eval(xc, cell, ngrid, r2, &ep, NULL, &err);
    for (size_t i = 0; i < n; i++)
        r2[i] = rho[i] - h * drho[i];
    dft_xc_eval(xc, cell, ngrid, r2, &em, NULL, &err);
    ok(e0 < 0 && isfinite(e0), "%s: E_xc = %.12g Ha is negative", name, e0);
    printf("# %s: relative difference %.2e\n", name, fabs((ep - em) / (2 * h) / lin - 1));
    is_rel((ep - em) / (2 * h), lin, tol, "%s: dE_xc/dh = int V_xc drho (%s density)", name,
           vac ? "vacuum-like" : "smooth");
    free(rho);
    free(drho);
    free(v);
    free(r2);
}

static void
test_parse(void)
{
    struct core_err err = {0};
    int xc = 0;
    const int pbe = -(1000 * XC_GGA_X_PBE + XC_GGA_C_PBE);
    is_int(dft_xc_parse("pbe", &xc, &err), 0, "parse: pbe");
    is_int(xc, -101130, "parse: pbe is ABINIT's ixc -101130");
    is_int(dft_xc_parse("PBE", &xc, &err), 0, "parse: PBE, any case");
    is_int(xc, pbe, "parse: PBE = gga_x_pbe + gga_c_pbe");
    is_int(dft_xc_parse("gga_x_pbe+gga_c_pbe", &xc, &err), 0, "parse: by libxc names");
    is_int(xc, pbe, "parse: gga_x_pbe+gga_c_pbe");
    is_int(dft_xc_parse("GGA_X_PBE+130", &xc, &err), 0, "parse: name + number");
    is_int(xc, pbe, "parse: GGA_X_PBE+130");
    is_int(dft_xc_parse("-101130", &xc, &err), 0, "parse: ABINIT's -101130");
    is_int(xc, pbe, "parse: -101130");
    is_int(dft_xc_parse("lda", &xc, &err), 0, "parse: lda");
    is_int(xc, XC_LDA_XC_TETER93, "parse: lda is Teter 93");
    is_int(dft_xc_parse("teter93", &xc, &err), 0, "parse: teter93");
    is_int(xc, 20, "parse: teter93 = 20");
    is_int(dft_xc_parse("lda_xc_teter93", &xc, &err), 0, "parse: lda_xc_teter93");
    is_int(xc, 20, "parse: lda_xc_teter93 = 20");
    is_int(dft_xc_parse("20", &xc, &err), 0, "parse: 20");
    is_int(xc, 20, "parse: number 20");
    is_int(dft_xc_parse("pw92", &xc, &err), 0, "parse: pw92");
    is_int(xc, -1012, "parse: pw92 = lda_x + lda_c_pw (-1012)");
    is_int(dft_xc_parse("lda_x+lda_c_pw", &xc, &err), 0, "parse: lda_x+lda_c_pw");
    is_int(xc, -1012, "parse: lda_x+lda_c_pw = -1012");
    is_int(dft_xc_parse("pz", &xc, &err), 0, "parse: pz");
    is_int(xc, -1009, "parse: pz = lda_x + lda_c_pz (-1009)");
    is_int(dft_xc_parse("gga_x_pbe", &xc, &err), 0, "parse: exchange alone");
    is_int(xc, 101, "parse: gga_x_pbe = 101");

    xc = 777;
    is_int(dft_xc_parse("", &xc, &err), CORE_EINPUT, "parse: empty");
    ok(strstr(err.msg, "empty") != NULL, "parse: message '%s'", err.msg);
    is_int(dft_xc_parse("gga_x_pbe+", &xc, &err), CORE_EINPUT, "parse: empty second term");
    ok(strstr(err.msg, "no functional ''") != NULL, "parse: message '%s'", err.msg);
    is_int(dft_xc_parse("nosuch", &xc, &err), CORE_EINPUT, "parse: unknown name");
    is_str(err.msg, "xc: libxc has no functional 'nosuch'", "parse: message");
    is_int(dft_xc_parse("gga_x_pbe+nosuch", &xc, &err), CORE_EINPUT, "parse: unknown second");
    ok(strstr(err.msg, "'nosuch'") != NULL, "parse: message '%s'", err.msg);
    is_int(dft_xc_parse("lda_x+lda_c_pw+gga_c_pbe", &xc, &err), CORE_EINPUT, "parse: three");
    ok(strstr(err.msg, "at most two") != NULL, "parse: message '%s'", err.msg);
    is_int(dft_xc_parse("mgga_x_tpss", &xc, &err), CORE_EINPUT, "parse: meta-GGA");
    is_str(
        err.msg,
        "xc: 'mgga_x_tpss': libxc functional 202 is not an LDA or a GGA (dft-scf takes those two "
        "families; hybrids and meta-GGAs are outside them)",
        "parse: message");
    is_int(dft_xc_parse("hyb_gga_xc_b3lyp", &xc, &err), CORE_EINPUT, "parse: hybrid");
    ok(strstr(err.msg, "not an LDA or a GGA") != NULL, "parse: message '%s'", err.msg);
    is_int(dft_xc_parse("lda_x+mgga_c_tpss", &xc, &err), CORE_EINPUT, "parse: meta-GGA second");
    is_int(dft_xc_parse("lda_x_2d", &xc, &err), CORE_EINPUT, "parse: 2D functional");
    ok(strstr(err.msg, "three dimensions") != NULL, "parse: message '%s'", err.msg);
    is_int(dft_xc_parse("0", &xc, &err), CORE_EINPUT, "parse: 0");
    is_int(dft_xc_parse("1000", &xc, &err), CORE_EINPUT, "parse: 1000");
    is_int(dft_xc_parse("-5", &xc, &err), CORE_EINPUT, "parse: -5 has no exchange part");
    ok(strstr(err.msg, "-(1000 x + c)") != NULL, "parse: message '%s'", err.msg);
    is_int(dft_xc_parse("-101000", &xc, &err), CORE_EINPUT, "parse: -101000 no correlation");
    is_int(dft_xc_parse("-1000000", &xc, &err), CORE_EINPUT, "parse: -1000000");
    is_int(dft_xc_parse("999", &xc, &err), CORE_EINPUT, "parse: unknown number");
    ok(strstr(err.msg, "no functional 999") != NULL, "parse: message '%s'", err.msg);
    is_int(dft_xc_parse("-999130", &xc, &err), CORE_EINPUT, "parse: unknown exchange number");
    is_int(dft_xc_parse("nan", &xc, &err), CORE_EINPUT, "parse: nan");
    {
        char longname[200];
        memset(longname, 'x', sizeof longname - 1);
        longname[sizeof longname - 1] = '\0';
        is_int(dft_xc_parse(longname, &xc, &err), CORE_EINPUT, "parse: long name");
        ok(strstr(err.msg, "too long") != NULL, "parse: message '%s'", err.msg);
    }
    is_int(xc, 777, "parse: xc untouched on errors");
}

/* PBE exchange of the smooth density against F_x(s) with the analytic gradient, and the
 * uniform gas: PBE exchange = LDA exchange = -(3/4)(3/pi)^(1/3) rho^(4/3) Omega. */
static void
test_pbe_exchange(void)
{
    size_t n = ngrid[0] * ngrid[1] * ngrid[2];
    double *rho = malloc(n * sizeof *rho), b[9], e, want = 0, dv = volume() / (double)n;
    const double kappa = 0.804, mu = 0.2195149727645171, cx = -0.75 * cbrt(3 / M_PI);
    struct core_err err = {0};
    recip(b);
    for (size_t i = 0; i < n; i++) {
        double g[3], kf, s2;
        field_eval(&dens, b, i, &rho[i], g);
        kf = cbrt(3 * M_PI * M_PI * rho[i]);
        s2 = (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]) / (4 * kf * kf * rho[i] * rho[i]);
        want += cx * pow(rho[i], 4.0 / 3) * (1 + kappa - kappa / (1 + mu * s2 / kappa)) * dv;
    }
    is_int(dft_xc_eval(XC_GGA_X_PBE, cell, ngrid, rho, &e, NULL, &err), 0, "pbe x: %s", err.msg);
    /* 6e-11 measured: the exp(cos) density is resolved by the 15-point axis to about that */
    is_rel(e, want, 1e-9, "pbe x: E_x = %.15g Ha with the analytic gradient", want);
    for (size_t i = 0; i < n; i++)
        rho[i] = 0.0123;
    is_int(dft_xc_eval(XC_GGA_X_PBE, cell, ngrid, rho, &e, NULL, &err), 0, "uniform: %s", err.msg);
    is_rel(e, cx * pow(0.0123, 4.0 / 3) * volume(), 1e-13, "uniform: PBE exchange = LDA's");
    /* the density floor: no density gives the energy of 1e-14 everywhere */
    for (size_t i = 0; i < n; i++)
        rho[i] = i % 2 ? 0.0 : -1e-3;
    is_int(dft_xc_eval(-1012, cell, ngrid, rho, &e, NULL, &err), 0, "floor: %s", err.msg);
    ok(e < 0 && fabs(e) < 1e-15 * volume(), "floor: E_xc %g of the 1e-14 floor", e);
    free(rho);
}

static void
test_errors(void)
{
    size_t n = ngrid[0] * ngrid[1] * ngrid[2], g0[3] = {15, 0, 18}, gbig[3] = {4097, 1, 1};
    double *rho = calloc(n, sizeof *rho), e, bad[9], flat[9];
    struct core_err err = {0};
    memcpy(bad, cell, sizeof bad);
    memcpy(flat, cell, sizeof flat);
    flat[6] = flat[0] + flat[3];
    flat[7] = flat[1] + flat[4];
    flat[8] = flat[2] + flat[5];
    is_int(dft_xc_eval(202, cell, ngrid, rho, &e, NULL, &err), CORE_EINPUT, "eval: meta-GGA");
    ok(strstr(err.msg, "not an LDA or a GGA") != NULL, "eval: message '%s'", err.msg);
    is_int(dft_xc_eval(-5, cell, ngrid, rho, &e, NULL, &err), CORE_EINPUT, "eval: bad code");
    is_int(dft_xc_eval(20, cell, g0, rho, &e, NULL, &err), CORE_EINPUT, "eval: zero grid");
    ok(strstr(err.msg, "grid size 0") != NULL, "eval: message '%s'", err.msg);
    is_int(dft_xc_eval(20, cell, gbig, rho, &e, NULL, &err), CORE_EINPUT, "eval: huge grid");
    is_int(dft_xc_eval(20, flat, ngrid, rho, &e, NULL, &err), CORE_EINPUT, "eval: flat cell");
    ok(strstr(err.msg, "singular") != NULL, "eval: message '%s'", err.msg);
    bad[4] = INFINITY;
    is_int(dft_xc_eval(20, bad, ngrid, rho, &e, NULL, &err), CORE_EINPUT, "eval: Inf cell");
    rho[77] = NAN;
    is_int(dft_xc_eval(20, cell, ngrid, rho, &e, NULL, &err), CORE_EINPUT, "eval: NaN density");
    ok(strstr(err.msg, "grid point 77") != NULL, "eval: message '%s'", err.msg);
    rho[77] = -INFINITY;
    is_int(dft_xc_eval(20, cell, ngrid, rho, &e, NULL, &err), CORE_EINPUT, "eval: -Inf");
    free(rho);
}

/* The SCF refuses what libxc cannot do for it, and accepts GGA. */
static void
test_scf(void)
{
    struct dft_psp c = {.symbol = "C",
                        .name = "GTH-PBE-q4",
                        .z = 6,
                        .zion = 4,
                        .rloc = 0.33847124,
                        .nloc = 2,
                        .cloc = {-8.80367398, 1.33921085},
                        .nchan = 2,
                        .rl = {0.30257575, 0.29150694},
                        .nproj = {1, 0},
                        .h = {{{9.62248665}}}};
    const struct dft_psp *pp[2] = {&c, &c};
    double box[9] = {6, 0, 0, 0, 6, 0, 0, 0, 6}, pos[6] = {0, 0, 0, 1.2, 1.3, 1.1};
    struct dft_params par;
    struct dft_scf *scf = NULL;
    struct dft_energies en;
    struct core_err err = {0};
    dft_params_init(&par);
    par.ecut = 6;
    par.maxiter = 3;
    par.xc = XC_MGGA_X_TPSS;
    is_int(dft_scf_alloc(box, 2, pos, pp, &par, &scf, &err), CORE_EINPUT, "scf: meta-GGA");
    ok(strstr(err.msg, "not an LDA or a GGA") != NULL, "scf: message '%s'", err.msg);
    par.xc = -101999;
    is_int(dft_scf_alloc(box, 2, pos, pp, &par, &scf, &err), CORE_EINPUT, "scf: unknown c");
    is_str(err.msg, "xc: '-101999': libxc has no functional 999", "scf: message");
    par.xc = -101130;
    is_int(dft_scf_alloc(box, 2, pos, pp, &par, &scf, &err), 0, "scf: PBE %s", err.msg);
    for (int i = 0; i < 3 && scf; i++)
        dft_scf_iterate(scf, &err);
    if (scf) {
        dft_scf_energies(scf, &en);
        ok(isfinite(en.total) && en.xc < 0, "scf: PBE iterates, E_xc %.6f Ha", en.xc);
    }
    dft_scf_free(scf);
}

int
main(void)
{
    test_parse();
    check_derivative(XC_LDA_XC_TETER93, "teter93", 0, 1e-7);
    check_derivative(-1012, "pw92", 0, 1e-7);
    check_derivative(-1009, "pz", 1, 1e-7);
    check_derivative(-101130, "pbe", 0, 1e-7);
    check_derivative(-101130, "pbe", 1, 1e-7);
    check_derivative(-(1000 * XC_LDA_X + XC_GGA_C_PBE), "lda_x+gga_c_pbe", 1, 1e-7);
    test_pbe_exchange();
    test_errors();
    test_scf();
    done_testing();
    return exit_status();
}
