/*
 * xc: LDA exchange-correlation through libxc (S. Lehtola et al., SoftwareX 7, 1 (2018),
 * doi:10.1016/j.softx.2017.11.002). The default, XC_LDA_XC_TETER93, is the Goedecker-Teter-Hutter
 * Pade fit (PRB 54, 1703 (1996)) that the GTH-PADE potentials are made for, ABINIT's ixc = 1.
 * E_xc = int rho eps_xc(rho) and V_xc = d(rho eps_xc)/d rho, point by point on the FFT grid;
 * negative densities (from mixing) are taken as zero.
 */
#include "dft_impl.h"

int
dft_xc_init(struct dft_scf *s, struct core_err *err)
{
    /* ask for the family first: xc_func_init leaks when it fails (libxc 5.2) */
    int family = xc_family_from_id(s->par.xc, NULL, NULL);
    if (family == XC_FAMILY_UNKNOWN)
        return core_err_set(err, CORE_EINPUT, "xc: libxc does not know functional %d", s->par.xc);
    if (family != XC_FAMILY_LDA)
        return core_err_set(err, CORE_EINPUT,
                            "xc: functional %d is not an LDA; only LDA is implemented", s->par.xc);
    if (xc_func_init(&s->xcf, s->par.xc, XC_UNPOLARIZED) != 0)
        return core_err_set(err, CORE_EINTERNAL, "xc: libxc could not set up functional %d",
                            s->par.xc);
    s->xc_ready = 1;
    return 0;
}

void
dft_xc_release(struct dft_scf *s)
{
    if (s->xc_ready)
        xc_func_end(&s->xcf);
    s->xc_ready = 0;
}

double
dft_xc_apply(struct dft_scf *s, const double *rho, double *v, double *exc)
{
    double *r = s->tmp1, *vxc = s->tmp2, e = 0;
    for (size_t i = 0; i < s->nfft; i++)
        r[i] = rho[i] > 0 ? rho[i] : 0;
    xc_lda_exc_vxc(&s->xcf, s->nfft, r, exc, vxc);
    for (size_t i = 0; i < s->nfft; i++) {
        e += r[i] * exc[i];
        if (v)
            v[i] += vxc[i];
    }
    return e * s->omega / (double)s->nfft;
}
