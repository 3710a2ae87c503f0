/*
 * occ: occupation numbers, Fermi level and the entropy term of smeared occupations.
 *
 * With x = (eps - mu)/width, every scheme is a pair of functions: the occupation per spin
 * channel f(x) and the generalised entropy s(x), tied by s'(x) = x f'(x). That relation makes the
 * Mermin free energy
 *   F = E[psi, f] - T S,   -T S = -width sum_k w_k sum_n 2 s(x_nk),
 * stationary with respect to the occupations at fixed electron count (dF = mu dN), so the SCF
 * minimises F and Hellmann-Feynman holds for it. Spin-unpolarised: a band holds 2 f electrons.
 *   Fermi-Dirac (ABINIT occopt 3; width = kT):
 *     f = 1/(1 + e^x),  s = -f ln f - (1 - f) ln(1 - f)
 *   Gaussian (occopt 7; C.-L. Fu, K.-M. Ho, Phys. Rev. B 28, 5480 (1983)):
 *     f = erfc(x)/2,  s = e^{-x^2}/(2 sqrt(pi))
 *   Methfessel-Paxton, first order (M. Methfessel, A. T. Paxton, Phys. Rev. B 40, 3616 (1989);
 *   ABINIT occopt 6, Quantum ESPRESSO 'm-p', VASP ISMEAR 1):
 *     f = erfc(x)/2 - x e^{-x^2}/(2 sqrt(pi)),  s = (1 - 2x^2) e^{-x^2}/(4 sqrt(pi))
 *   Marzari-Vanderbilt cold smearing (N. Marzari, D. Vanderbilt, A. De Vita, M. C. Payne, Phys.
 *   Rev. Lett. 82, 3296 (1999); Quantum ESPRESSO 'm-v'), with u = x + 1/sqrt(2):
 *     f = erfc(u)/2 + e^{-u^2}/sqrt(2 pi),  s = u e^{-u^2}/sqrt(2 pi)
 *   (ABINIT's occopt 4 and 5 are Marzari's other cold smearings, a = -0.5634 and -0.8165; this is
 *   a = -1/sqrt(2).)
 * The energy extrapolated to zero width is E0 = E - TS/2 = (E + F)/2 for Fermi-Dirac and
 * Gaussian, whose F and E deviate from E(0) by opposite second-order terms; for Methfessel-Paxton
 * and cold smearing F itself is already correct to higher order and E0 = F.
 */
#include <math.h>
#include <stddef.h>

#include "dft_impl.h"

#define SQRT_PI 1.7724538509055160273

double
dft_smear_occ(enum dft_smearing sm, double x)
{
    double u;
    switch (sm) {
    case DFT_SMEAR_FD:
        return x > 0 ? exp(-x) / (1 + exp(-x)) : 1 / (1 + exp(x));
    case DFT_SMEAR_GAUSS:
        return 0.5 * erfc(x);
    case DFT_SMEAR_MP:
        return 0.5 * erfc(x) - x * exp(-x * x) / (2 * SQRT_PI);
    case DFT_SMEAR_MV:
        u = x + M_SQRT1_2;
        return 0.5 * erfc(u) + exp(-u * u) / (M_SQRT2 * SQRT_PI);
    case DFT_SMEAR_NONE:
        break;
    }
    return x < 0 ? 1 : x > 0 ? 0 : 0.5;
}

double
dft_smear_entropy(enum dft_smearing sm, double x)
{
    double u, e;
    switch (sm) {
    case DFT_SMEAR_FD:
        /* -f ln f - (1-f) ln(1-f) = ln(1 + e^{-|x|}) + |x| e^{-|x|}/(1 + e^{-|x|}), stable */
        e = exp(-fabs(x));
        return log1p(e) + fabs(x) * e / (1 + e);
    case DFT_SMEAR_GAUSS:
        return exp(-x * x) / (2 * SQRT_PI);
    case DFT_SMEAR_MP:
        return (1 - 2 * x * x) * exp(-x * x) / (4 * SQRT_PI);
    case DFT_SMEAR_MV:
        u = x + M_SQRT1_2;
        return u * exp(-u * u) / (M_SQRT2 * SQRT_PI);
    case DFT_SMEAR_NONE:
        break;
    }
    return 0;
}

/* Electrons at chemical potential mu. */
static double
count(enum dft_smearing sm, double width, double mu, size_t nkpts, size_t nbands, const double *w,
      const double *eig)
{
    double n = 0;
    for (size_t ik = 0; ik < nkpts; ik++) {
        double nk = 0;
        for (size_t b = 0; b < nbands; b++)
            nk += 2 * dft_smear_occ(sm, (eig[ik * nbands + b] - mu) / width);
        n += w[ik] * nk;
    }
    return n;
}

int
dft_occ_fermi(enum dft_smearing sm, double width, double nelec, size_t nkpts, size_t nbands,
              const double *w, const double *eig, double *occ, double *mu, double *mts,
              struct core_err *err)
{
    double lo = INFINITY, hi = -INFINITY, wsum = 0;
    if (sm == DFT_SMEAR_NONE)
        return core_err_set(err, CORE_EINPUT, "occ: no smearing scheme");
    if (!(width > 0) || !isfinite(width))
        return core_err_set(err, CORE_EINPUT, "occ: smearing width %g Ha is not positive", width);
    if (!(nelec > 0) || !(nelec < 2.0 * (double)nbands))
        return core_err_set(err, CORE_EINPUT,
                            "occ: %g electrons do not fit below the top of %zu bands", nelec,
                            nbands);
    for (size_t ik = 0; ik < nkpts; ik++) {
        if (!(w[ik] >= 0) || !isfinite(w[ik]))
            return core_err_set(err, CORE_EINPUT, "occ: k-point %zu: bad weight %g", ik + 1, w[ik]);
        wsum += w[ik];
        for (size_t b = 0; b < nbands; b++) {
            double e = eig[ik * nbands + b];
            if (!isfinite(e))
                return core_err_set(err, CORE_EINPUT, "occ: k-point %zu band %zu: eigenvalue %g",
                                    ik + 1, b + 1, e);
            lo = e < lo ? e : lo;
            hi = e > hi ? e : hi;
        }
    }
    if (nkpts == 0 || fabs(wsum - 1) > 1e-9)
        return core_err_set(err, CORE_EINPUT, "occ: k-point weights sum to %g, not 1", wsum);
    /* Bisection for the lowest mu with N(mu) >= nelec - tol and the highest with
     * N(mu) <= nelec + tol; mu is their midpoint: the root in a metal (the two differ by
     * tol/DOS), the middle of the gap in an insulator. Outside [lo - 40 width, hi + 40 width]
     * every scheme is empty or full to round-off, so the roots are bracketed. N(mu) is
     * monotonic for Fermi-Dirac and Gaussian and nearly so for the others: bisection finds a
     * root where Newton could wander. */
    double tol = 1e-12 * nelec, bnd[2];
    lo -= 40 * width;
    hi += 40 * width;
    for (int side = 0; side < 2; side++) {
        double a = lo, b = hi, target = side == 0 ? nelec - tol : nelec + tol;
        while (b - a > 1e-15 * fmax(1, fabs(a) + fabs(b))) {
            double mid = 0.5 * (a + b);
            if (mid <= a || mid >= b)
                break;
            double nm = count(sm, width, mid, nkpts, nbands, w, eig);
            if (side == 0 ? nm < target : nm <= target)
                a = mid;
            else
                b = mid;
        }
        bnd[side] = 0.5 * (a + b);
    }
    *mu = 0.5 * (bnd[0] + bnd[1]);
    /* Methfessel-Paxton's N(mu) may wiggle: if the two sides found different roots, keep one */
    if (fabs(count(sm, width, *mu, nkpts, nbands, w, eig) - nelec) > 1e-9 * nelec)
        *mu = bnd[0];
    /* occupations, renormalised by the tiny residual of the count so they sum to nelec */
    double n = 0, s = 0;
    for (size_t ik = 0; ik < nkpts; ik++)
        for (size_t b = 0; b < nbands; b++) {
            double x = (eig[ik * nbands + b] - *mu) / width;
            occ[ik * nbands + b] = 2 * dft_smear_occ(sm, x);
            n += w[ik] * occ[ik * nbands + b];
            s += w[ik] * 2 * dft_smear_entropy(sm, x);
        }
    if (!(n > 0))
        return core_err_set(err, CORE_EINTERNAL, "occ: no electrons at the Fermi level %g", *mu);
    if (fabs(n - nelec) > 1e-6 * nelec)
        return core_err_set(err, CORE_EINTERNAL,
                            "occ: Fermi level %g Ha holds %.17g electrons, not %g", *mu, n, nelec);
    for (size_t i = 0; i < nkpts * nbands; i++)
        occ[i] *= nelec / n;
    *mts = -width * s;
    return 0;
}
