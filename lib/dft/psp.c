/*
 * psp: analytic GTH/HGH pseudopotentials in real and reciprocal space.
 *
 * Local part (GTH 1996, eq. 1; HGH 1998, eq. 1), with x = q rloc, its Fourier transform
 *   vloc(q) = -4 pi zion/q^2 exp(-x^2/2)
 *             + (2 pi)^{3/2} rloc^3 exp(-x^2/2) [C1 + C2 (3 - x^2) + C3 (15 - 10 x^2 + x^4)
 *                                               + C4 (105 - 105 x^2 + 21 x^4 - x^6)]
 * (GTH 1996, eq. 5 without the 1/Omega). Projectors (HGH 1998, eq. 3) are Gaussians times
 * r^(l+2k); with p = 1/(2 rl^2) and t = q^2 rl^2/2 their radial transforms follow from
 *   int_0^inf r^(l+2) exp(-p r^2) j_l(q r) dr = sqrt(pi) q^l / (2^(l+2) p^(l+3/2)) exp(-q^2/(4p))
 * by k-fold differentiation in -p, which gives p^(-nu-k) exp(-t) P_k(t) with nu = l + 3/2 and
 *   P_0 = 1,  P_1 = nu - t,  P_2 = t^2 - 2 (nu + 1) t + nu (nu + 1).
 * These agree with HGH 1998, eqs. 15-22 (checked numerically in tests/unit/dft_test.c against a
 * radial quadrature of the real-space projectors).
 */
#include <math.h>
#include <string.h>

#include "dft.h"
#include "dft_impl.h"

int
dft_psp_check(const struct dft_psp *psp, struct core_err *err)
{
    const char *nm = psp->name[0] ? psp->name : "(unnamed)";
    if (!(psp->zion > 0) || !isfinite(psp->zion) || psp->zion > 200)
        return core_err_set(err, CORE_EINPUT, "pseudopotential %s %s: bad ionic charge %g",
                            psp->symbol, nm, psp->zion);
    if (!(psp->rloc > 0) || !isfinite(psp->rloc))
        return core_err_set(err, CORE_EINPUT, "pseudopotential %s %s: bad rloc %g", psp->symbol, nm,
                            psp->rloc);
    if (psp->nloc < 0 || psp->nloc > DFT_PSP_NLOC)
        return core_err_set(err, CORE_EINPUT,
                            "pseudopotential %s %s: %d local coefficients (at most %d)",
                            psp->symbol, nm, psp->nloc, DFT_PSP_NLOC);
    for (int i = 0; i < psp->nloc; i++)
        if (!isfinite(psp->cloc[i]))
            return core_err_set(err, CORE_EINPUT, "pseudopotential %s %s: C%d is not finite",
                                psp->symbol, nm, i + 1);
    if (psp->nchan < 0 || psp->nchan > DFT_PSP_LMAX + 1)
        return core_err_set(err, CORE_EINPUT,
                            "pseudopotential %s %s: %d nonlocal channels (at most %d)", psp->symbol,
                            nm, psp->nchan, DFT_PSP_LMAX + 1);
    for (int l = 0; l < psp->nchan; l++) {
        int np = psp->nproj[l];
        if (np < 0 || np > DFT_PSP_NPROJ)
            return core_err_set(err, CORE_EINPUT,
                                "pseudopotential %s %s: %d projectors for l = %d (at most %d)",
                                psp->symbol, nm, np, l, DFT_PSP_NPROJ);
        if (np > 0 && (!(psp->rl[l] > 0) || !isfinite(psp->rl[l])))
            return core_err_set(err, CORE_EINPUT, "pseudopotential %s %s: bad r for l = %d: %g",
                                psp->symbol, nm, l, psp->rl[l]);
        for (int i = 0; i < np; i++)
            for (int j = 0; j < np; j++) {
                double hij = psp->h[l][i][j];
                if (!isfinite(hij))
                    return core_err_set(err, CORE_EINPUT,
                                        "pseudopotential %s %s: h(l=%d) is not finite", psp->symbol,
                                        nm, l);
                if (fabs(hij - psp->h[l][j][i]) > 1e-12 * (1 + fabs(hij)))
                    return core_err_set(err, CORE_EINPUT,
                                        "pseudopotential %s %s: h(l=%d) is not symmetric",
                                        psp->symbol, nm, l);
            }
    }
    return 0;
}

/* The bracket of the Gaussian terms of vloc(q) / ((2 pi)^{3/2} rloc^3), x2 = (q rloc)^2. */
static double
vloc_poly(const struct dft_psp *psp, double x2)
{
    static const double c[DFT_PSP_NLOC][4] = {
        {1, 0, 0, 0}, {3, -1, 0, 0}, {15, -10, 1, 0}, {105, -105, 21, -1}};
    double s = 0;
    for (int i = 0; i < psp->nloc; i++)
        s += psp->cloc[i] * (c[i][0] + x2 * (c[i][1] + x2 * (c[i][2] + x2 * c[i][3])));
    return s;
}

double
dft_psp_vloc(const struct dft_psp *psp, double q)
{
    double rl = psp->rloc, x2 = q * q * rl * rl, g = exp(-0.5 * x2);
    return -4 * M_PI * psp->zion / (q * q) * g +
           pow(2 * M_PI, 1.5) * rl * rl * rl * g * vloc_poly(psp, x2);
}

double
dft_psp_vloc_alpha(const struct dft_psp *psp)
{
    double rl = psp->rloc;
    return 2 * M_PI * psp->zion * rl * rl + pow(2 * M_PI, 1.5) * rl * rl * rl * vloc_poly(psp, 0);
}

double
dft_psp_vloc_real(const struct dft_psp *psp, double r)
{
    double rl = psp->rloc, x = r / rl, x2 = x * x, s = 0, pw = 1, coul;
    for (int i = 0; i < psp->nloc; i++, pw *= x2)
        s += psp->cloc[i] * pw;
    coul = r > 1e-12 ? psp->zion * erf(r / (M_SQRT2 * rl)) / r : psp->zion * sqrt(2 / M_PI) / rl;
    return -coul + exp(-0.5 * x2) * s;
}

/* Normalisation of p_i^l: sqrt(2) / (rl^(l+(4i+3)/2) sqrt(Gamma(l+(4i+3)/2))), i 0-based. */
static double
proj_norm(double rl, int l, int i)
{
    double e = l + (4 * i + 3) / 2.0;
    return M_SQRT2 / (pow(rl, e) * sqrt(tgamma(e)));
}

double
dft_psp_proj_reduced(const struct dft_psp *psp, int l, int i, double q)
{
    if (l < 0 || l >= psp->nchan || i < 0 || i >= psp->nproj[l])
        return 0;
    double rl = psp->rl[l], p = 0.5 / (rl * rl), t = 0.5 * q * q * rl * rl, nu = l + 1.5, poly;
    switch (i) {
    case 0:
        poly = 1;
        break;
    case 1:
        poly = nu - t;
        break;
    default:
        poly = t * t - 2 * (nu + 1) * t + nu * (nu + 1);
        break;
    }
    return 4 * M_PI * proj_norm(rl, l, i) * sqrt(M_PI) / pow(2, l + 2) * pow(p, -nu - i) * exp(-t) *
           poly;
}

double
dft_psp_proj(const struct dft_psp *psp, int l, int i, double q)
{
    return pow(q, l) * dft_psp_proj_reduced(psp, l, i, q);
}

double
dft_psp_proj_real(const struct dft_psp *psp, int l, int i, double r)
{
    if (l < 0 || l >= psp->nchan || i < 0 || i >= psp->nproj[l])
        return 0;
    double rl = psp->rl[l];
    return proj_norm(rl, l, i) * pow(r, l + 2 * i) * exp(-0.5 * r * r / (rl * rl));
}
