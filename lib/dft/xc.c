/*
 * xc: exchange-correlation through libxc (S. Lehtola et al., SoftwareX 7, 1 (2018),
 * doi:10.1016/j.softx.2017.11.002), LDA and GGA, spin-unpolarised.
 *
 * Which functional: dft_params.xc in ABINIT's ixc convention for libxc, so the number says the
 * same to both codes: a positive value is one libxc id (20 = XC_LDA_XC_TETER93, the
 * Goedecker-Teter-Hutter Pade fit of PRB 54, 1703 (1996) that the GTH-PADE potentials are made
 * for, ABINIT's ixc 1), a negative value -(1000 x + c) the sum of two, exchange x and correlation
 * c (-101130 = gga_x_pbe + gga_c_pbe, PBE, PRL 77, 3865 (1996); -1012 = lda_x + lda_c_pw, PW92;
 * -1009 = lda_x + lda_c_pz, PZ81). dft_xc_parse turns names into that number.
 *
 * On the FFT grid (Omega/N per point), with rho~ = max(rho, DFT_XC_DENPOS):
 *   E_xc = (Omega/N) sum_r rho~ eps_xc(rho~, sigma),   sigma = |grad rho|^2,
 *   V_xc = vrho - div(2 vsigma grad rho)               (vrho, vsigma: libxc's derivatives).
 * grad and div are spectral: rho(G) by FFT, times i G_j, back; the same for the divergence. In
 * each direction of the FFT box the Nyquist frequency of an even grid counts as G = 0, so the
 * derivative maps real fields to real fields and is antisymmetric: V_xc is then exactly the
 * derivative of the discrete E_xc with respect to rho on the grid wherever rho > 1e-14
 * (tests/unit/dft_xc_test.c checks it by finite differences to 1e-8 and better).
 * This is what ABINIT does (56_xc/m_xctk.F90, xcden and xcpot, no shifted grid), and so is the
 * density floor: ABINIT's mkdenpos raises every rho < xc_denpos = 1e-14 to 1e-14 for the
 * functional (vacuum of slabs, negative densities from mixing), and takes the gradient of the
 * unmodified density. (The alternative form of White and Bird, PRB 50, 4954 (1994), differs at
 * the level of the grid error.) libxc's own density and sigma thresholds are left at their
 * defaults (they act only in vacuum, far below the densities that carry energy). With one FFT grid
 * both codes agree to 1e-11 Ha on PBE graphene and borophene (tests/ref/dft-scf/graphene-pbe*,
 * borophene-pbe).
 *
 * dft_xc_eval evaluates the same on a caller's grid outside an SCF (tests, other modules).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dft_impl.h"

#define DFT_XC_DENPOS 1e-14 /* e/bohr^3: ABINIT's xc_denpos */

/* Checks one libxc id: known, LDA or GGA (not hybrid, not meta), three-dimensional. what names
 * the input in messages. */
static int
check_id(int id, const char *what, struct core_err *err)
{
    xc_func_type f;
    int family, flags;
    if (id <= 0 || id >= 1000)
        return core_err_set(err, CORE_EINPUT, "xc: '%s': libxc has no functional %d", what, id);
    /* ask for the family first: xc_func_init leaks when it fails (libxc 5.2) */
    family = xc_family_from_id(id, NULL, NULL);
    if (family == XC_FAMILY_UNKNOWN)
        return core_err_set(err, CORE_EINPUT, "xc: '%s': libxc has no functional %d", what, id);
    if (family != XC_FAMILY_LDA && family != XC_FAMILY_GGA)
        return core_err_set(err, CORE_EINPUT,
                            "xc: '%s': libxc functional %d is not an LDA or a GGA (dft-scf takes "
                            "those two families; hybrids and meta-GGAs are outside them)",
                            what, id);
    if (xc_func_init(&f, id, XC_UNPOLARIZED) != 0)
        return core_err_set(err, CORE_EINTERNAL, "xc: libxc could not set up functional %d", id);
    flags = xc_func_info_get_flags(f.info);
    xc_func_end(&f);
    if (!(flags & XC_FLAGS_3D))
        return core_err_set(err, CORE_EINPUT,
                            "xc: '%s': libxc functional %d is not for three dimensions", what, id);
    return 0;
}

/* The one or two libxc ids of an encoded xc; 0 ids for a malformed code. */
static int
decode(int xc, int ids[2])
{
    if (xc > 0) {
        ids[0] = xc;
        return 1;
    }
    if (xc < 0 && xc > -1000000 && -xc / 1000 > 0 && -xc % 1000 > 0) {
        ids[0] = -xc / 1000;
        ids[1] = -xc % 1000;
        return 2;
    }
    return 0;
}

static int
check_code(int xc, const char *what, struct core_err *err)
{
    int ids[2], n = decode(xc, ids), rc;
    if (n == 0)
        return core_err_set(err, CORE_EINPUT,
                            "xc: '%s' is neither a libxc id nor -(1000 x + c) for two of them",
                            what);
    for (int i = 0; i < n; i++)
        if ((rc = check_id(ids[i], what, err)) != 0)
            return rc;
    return 0;
}

/* One functional by libxc name or number (no '+'); 0 when unknown. */
static int
parse_one(const char *s)
{
    long l;
    if (core_parse_long(s, &l) == 0)
        return l > 0 && l < 1000 ? (int)l : 0;
    l = xc_functional_get_number(s);
    return l > 0 && l < 1000 ? (int)l : 0;
}

int
dft_xc_parse(const char *name, int *xc, struct core_err *err)
{
    static const struct {
        const char *alias;
        int xc;
    } aliases[] = {
        {"lda", XC_LDA_XC_TETER93},
        {"teter93", XC_LDA_XC_TETER93},
        {"pade", XC_LDA_XC_TETER93},
        {"pw92", -(1000 * XC_LDA_X + XC_LDA_C_PW)},
        {"pw", -(1000 * XC_LDA_X + XC_LDA_C_PW)},
        {"pz", -(1000 * XC_LDA_X + XC_LDA_C_PZ)},
        {"pz81", -(1000 * XC_LDA_X + XC_LDA_C_PZ)},
        {"pbe", -(1000 * XC_GGA_X_PBE + XC_GGA_C_PBE)},
    };

    char buf[128], low[128];
    long l;
    size_t len;
    char *plus;
    int ids[2] = {0, 0}, code;
    if (!name || !*name)
        return core_err_set(err, CORE_EINPUT, "xc: empty functional name");
    len = strlen(name);
    if (len >= sizeof buf)
        return core_err_set(err, CORE_EINPUT, "xc: functional name of %zu characters is too long",
                            len);
    for (size_t i = 0; i <= len; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(low, aliases[i].alias) == 0) {
            *xc = aliases[i].xc;
            return 0;
        }
    /* a number: one libxc id, or ABINIT's -(1000 x + c) */
    if (core_parse_long(name, &l) == 0) {
        if (l <= -1000000 || l >= 1000 || l == 0)
            return core_err_set(err, CORE_EINPUT,
                                "xc: '%s' is neither a libxc id nor -(1000 x + c) for two of them",
                                name);
        code = (int)l;
        if (check_code(code, name, err))
            return err->code;
        *xc = code;
        return 0;
    }
    memcpy(buf, low, len + 1);
    plus = strchr(buf, '+');
    if (plus) {
        *plus = '\0';
        if (strchr(plus + 1, '+'))
            return core_err_set(err, CORE_EINPUT,
                                "xc: '%s': at most two functionals (exchange+correlation)", name);
        ids[1] = parse_one(plus + 1);
        if (!ids[1])
            return core_err_set(err, CORE_EINPUT, "xc: '%s': libxc has no functional '%s'", name,
                                plus + 1);
    }
    ids[0] = parse_one(buf);
    if (!ids[0] && !plus)
        return core_err_set(err, CORE_EINPUT, "xc: libxc has no functional '%s'", name);
    if (!ids[0])
        return core_err_set(err, CORE_EINPUT, "xc: '%s': libxc has no functional '%s'", name, buf);
    code = plus ? -(1000 * ids[0] + ids[1]) : ids[0];
    if (check_code(code, name, err))
        return err->code;
    *xc = code;
    return 0;
}

/* Cartesian G of every box point for the spectral derivative, Nyquist planes at zero. */
static void
box_gvectors(const struct dft_scf *s, double *g)
{
    const size_t *n = s->ngrid;
    for (size_t i0 = 0, idx = 0; i0 < n[0]; i0++)
        for (size_t i1 = 0; i1 < n[1]; i1++)
            for (size_t i2 = 0; i2 < n[2]; i2++, idx++) {
                size_t ii[3] = {i0, i1, i2};
                double f[3];
                for (int j = 0; j < 3; j++) {
                    if (n[j] % 2 == 0 && ii[j] == n[j] / 2)
                        f[j] = 0;
                    else
                        f[j] = ii[j] <= n[j] / 2 ? (double)ii[j] : (double)ii[j] - (double)n[j];
                }
                for (int k = 0; k < 3; k++)
                    g[3 * idx + k] =
                        f[0] * s->recip[k] + f[1] * s->recip[3 + k] + f[2] * s->recip[6 + k];
            }
}

int
dft_xc_init(struct dft_scf *s, struct core_err *err)
{
    int ids[2], n, rc;
    s->nxcf = 0;
    s->xc_gga = 0;
    char what[16];
    snprintf(what, sizeof what, "%d", s->par.xc);
    if ((rc = check_code(s->par.xc, what, err)) != 0)
        return rc;
    n = decode(s->par.xc, ids);
    for (int i = 0; i < n; i++) {
        if (xc_func_init(&s->xcf[i], ids[i], XC_UNPOLARIZED) != 0) {
            dft_xc_release(s);
            return core_err_set(err, CORE_EINTERNAL, "xc: libxc could not set up functional %d",
                                ids[i]);
        }
        s->nxcf++;
        if (xc_func_info_get_family(s->xcf[i].info) == XC_FAMILY_GGA)
            s->xc_gga = 1;
    }
    /* scratch: rho~, exc and vrho of one functional; with GGA also grad rho (3), sigma, vsigma,
     * the sum of 2 vsigma, and rho(G) */
    s->xc_buf = malloc((s->xc_gga ? 9 : 3) * s->nfft * sizeof *s->xc_buf);
    if (s->xc_gga) {
        s->xc_g = malloc(3 * s->nfft * sizeof *s->xc_g);
        s->xc_rhog = malloc(s->nfft * sizeof *s->xc_rhog);
    }
    if (!s->xc_buf || (s->xc_gga && (!s->xc_g || !s->xc_rhog))) {
        dft_xc_release(s);
        return core_err_set(err, CORE_ENOMEM, "xc: out of memory");
    }
    if (s->xc_gga)
        box_gvectors(s, s->xc_g);
    return 0;
}

void
dft_xc_release(struct dft_scf *s)
{
    for (int i = 0; i < s->nxcf; i++)
        xc_func_end(&s->xcf[i]);
    s->nxcf = 0;
    free(s->xc_buf);
    free(s->xc_g);
    free(s->xc_rhog);
    s->xc_buf = s->xc_g = NULL;
    s->xc_rhog = NULL;
}

/* grad[j] = d f/d x_j on the grid (spectral), from fg = f(G) (already divided by N). */
static void
spectral_gradient(struct dft_scf *s, const double complex *fg, double *grad[3])
{
    double complex *box = s->cbox;
    for (int j = 0; j < 3; j++) {
        for (size_t i = 0; i < s->nfft; i++)
            box[i] = I * s->xc_g[3 * i + j] * fg[i];
        fftw_execute_dft(s->bwd, box, box);
        for (size_t i = 0; i < s->nfft; i++)
            grad[j][i] = creal(box[i]);
    }
}

double
dft_xc_apply(struct dft_scf *s, const double *rho, double *v, double *exc)
{
    size_t nfft = s->nfft;
    double *r = s->xc_buf, *e1 = r + nfft, *vr = e1 + nfft, e = 0;
    double *grad[3] = {NULL, NULL, NULL}, *sigma = NULL, *vs = NULL, *vs2 = NULL;
    double complex *box = s->cbox, *acc = s->xc_rhog;
    for (size_t i = 0; i < nfft; i++) {
        r[i] = rho[i] > DFT_XC_DENPOS ? rho[i] : DFT_XC_DENPOS;
        exc[i] = 0;
    }
    if (s->xc_gga) {
        grad[0] = vr + nfft;
        grad[1] = grad[0] + nfft;
        grad[2] = grad[1] + nfft;
        sigma = grad[2] + nfft;
        vs = sigma + nfft;
        vs2 = vs + nfft;
        /* the gradient of the density as it is (ABINIT's xcden), not of rho~ */
        for (size_t i = 0; i < nfft; i++)
            box[i] = rho[i];
        fftw_execute_dft(s->fwd, box, box);
        for (size_t i = 0; i < nfft; i++)
            acc[i] = box[i] / (double)nfft;
        spectral_gradient(s, acc, grad);
        for (size_t i = 0; i < nfft; i++) {
            sigma[i] = grad[0][i] * grad[0][i] + grad[1][i] * grad[1][i] + grad[2][i] * grad[2][i];
            vs2[i] = 0;
        }
    }
    for (int f = 0; f < s->nxcf; f++) {
        if (xc_func_info_get_family(s->xcf[f].info) == XC_FAMILY_GGA) {
            xc_gga_exc_vxc(&s->xcf[f], nfft, r, sigma, e1, vr, vs);
            for (size_t i = 0; i < nfft; i++)
                vs2[i] += 2 * vs[i];
        } else {
            xc_lda_exc_vxc(&s->xcf[f], nfft, r, e1, vr);
        }
        for (size_t i = 0; i < nfft; i++) {
            exc[i] += e1[i];
            if (v)
                v[i] += vr[i];
        }
    }
    for (size_t i = 0; i < nfft; i++)
        e += r[i] * exc[i];
    if (s->xc_gga && v) {
        /* - div(2 vsigma grad rho), accumulated in reciprocal space */
        for (size_t i = 0; i < nfft; i++)
            acc[i] = 0;
        for (int j = 0; j < 3; j++) {
            for (size_t i = 0; i < nfft; i++)
                box[i] = vs2[i] * grad[j][i];
            fftw_execute_dft(s->fwd, box, box);
            for (size_t i = 0; i < nfft; i++)
                acc[i] += I * s->xc_g[3 * i + j] * box[i];
        }
        for (size_t i = 0; i < nfft; i++)
            box[i] = acc[i] / (double)nfft;
        fftw_execute_dft(s->bwd, box, box);
        for (size_t i = 0; i < nfft; i++)
            v[i] -= creal(box[i]);
    }
    return e * s->omega / (double)nfft;
}

int
dft_xc_eval(int xc, const double cell[9], const size_t ngrid[3], const double *rho, double *energy,
            double *vxc, struct core_err *err)
{
    struct dft_scf *s;
    double det;
    int rc = 0;
    char what[16];
    snprintf(what, sizeof what, "%d", xc);
    if ((rc = check_code(xc, what, err)) != 0)
        return rc;
    for (int j = 0; j < 3; j++)
        if (ngrid[j] < 1 || ngrid[j] > 4096)
            return core_err_set(err, CORE_EINPUT, "xc: FFT grid size %zu not in 1..4096", ngrid[j]);
    for (int j = 0; j < 9; j++)
        if (!isfinite(cell[j]))
            return core_err_set(err, CORE_EINPUT, "xc: cell has a non-finite entry");
    det = cell[0] * (cell[4] * cell[8] - cell[5] * cell[7]) -
          cell[1] * (cell[3] * cell[8] - cell[5] * cell[6]) +
          cell[2] * (cell[3] * cell[7] - cell[4] * cell[6]);
    if (!(fabs(det) > 1e-6))
        return core_err_set(err, CORE_EINPUT, "xc: singular cell (volume %g bohr^3)", fabs(det));
    for (size_t i = 0, n = ngrid[0] * ngrid[1] * ngrid[2]; i < n; i++)
        if (!isfinite(rho[i]))
            return core_err_set(err, CORE_EINPUT, "xc: density at grid point %zu is not finite", i);
    if (!(s = calloc(1, sizeof *s)))
        return core_err_set(err, CORE_ENOMEM, "xc: out of memory");
    s->par.xc = xc;
    memcpy(s->cell, cell, sizeof s->cell);
    for (int j = 0; j < 3; j++) {
        const double *u = cell + 3 * ((j + 1) % 3), *w = cell + 3 * ((j + 2) % 3);
        s->recip[3 * j + 0] = 2 * M_PI * (u[1] * w[2] - u[2] * w[1]) / det;
        s->recip[3 * j + 1] = 2 * M_PI * (u[2] * w[0] - u[0] * w[2]) / det;
        s->recip[3 * j + 2] = 2 * M_PI * (u[0] * w[1] - u[1] * w[0]) / det;
    }
    s->omega = fabs(det);
    memcpy(s->ngrid, ngrid, sizeof s->ngrid);
    s->nfft = ngrid[0] * ngrid[1] * ngrid[2];
    s->cbox = fftw_malloc(s->nfft * sizeof *s->cbox);
    s->tmp1 = malloc(s->nfft * sizeof *s->tmp1);
    if (!s->cbox || !s->tmp1) {
        rc = core_err_set(err, CORE_ENOMEM, "xc: out of memory");
        goto done;
    }
    s->fwd = fftw_plan_dft_3d((int)ngrid[0], (int)ngrid[1], (int)ngrid[2], s->cbox, s->cbox,
                              FFTW_FORWARD, FFTW_ESTIMATE);
    s->bwd = fftw_plan_dft_3d((int)ngrid[0], (int)ngrid[1], (int)ngrid[2], s->cbox, s->cbox,
                              FFTW_BACKWARD, FFTW_ESTIMATE);
    if (!s->fwd || !s->bwd) {
        rc = core_err_set(err, CORE_EINTERNAL, "xc: FFTW could not plan a %zux%zux%zu grid",
                          ngrid[0], ngrid[1], ngrid[2]);
        goto done;
    }
    if ((rc = dft_xc_init(s, err)) != 0)
        goto done;
    if (vxc)
        memset(vxc, 0, s->nfft * sizeof *vxc);
    *energy = dft_xc_apply(s, rho, vxc, s->tmp1);
done:
    dft_xc_release(s);
    if (s->fwd)
        fftw_destroy_plan(s->fwd);
    if (s->bwd)
        fftw_destroy_plan(s->bwd);
    fftw_free(s->cbox);
    free(s->tmp1);
    free(s);
    return rc;
}
