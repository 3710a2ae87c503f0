/*
 * dft_impl.h: private structures of lib/dft (not to be included outside lib/dft).
 */
#ifndef FPMS_DFT_IMPL_H
#define FPMS_DFT_IMPL_H

#include <complex.h>
#include <fftw3.h>
#include <xc.h>

#include "dft.h"

/* The plane-wave basis of one k-point, with what the Hamiltonian needs there. */
struct dft_kpt {
    double k[3];         /* reduced coordinates */
    double kcart[3];     /* Cartesian, 1/bohr */
    double weight;       /* sums to 1 over k-points */
    size_t npw;          /* plane waves |k+G|^2/2 <= ecut */
    size_t *ifft;        /* npw: index of G in the FFT box */
    double *kin;         /* npw: |k+G|^2/2, Hartree */
    size_t nproj;        /* projectors (atom, l, m, i) */
    double complex *psi; /* npw x nbands, column-major */
    double *eig;         /* nbands, Hartree */
    double *occ;         /* nbands: electrons in each band (0..2), set by the SCF step */
    double *enl;         /* nbands: <psi_n|V_nl|psi_n>, Hartree (dft_nonlocal_bands) */
};

/* Per-thread scratch for the eigensolver and the Hamiltonian. */
struct dft_work {
    double complex *box;  /* nfft, fftw_malloc */
    double complex *v;    /* npwmax x maxdim: subspace basis */
    double complex *av;   /* npwmax x maxdim: H times the basis */
    double complex *w;    /* npwmax x maxdim: scratch */
    double complex *hs;   /* maxdim x maxdim */
    double complex *ys;   /* maxdim x maxdim */
    double complex *c;    /* maxdim x maxdim (projections, overlaps) */
    double complex *pc;   /* nprojmax x maxdim: projections */
    double complex *pc2;  /* nprojmax x maxdim */
    double *theta;        /* maxdim */
    double *rn;           /* maxdim: residual norms */
    double *tcut;         /* maxdim: their tolerances */
    double complex *proj; /* npwmax x nprojmax: the projectors <k+G|p> of proj_kp (nonlocal.c) */
    const struct dft_kpt *proj_kp; /* the k-point proj holds, or NULL */
    double complex *sfac;          /* ngrid[0] + ngrid[1] + ngrid[2]: structure factors */
};

struct dft_scf {
    struct dft_params par;
    double cell[9], recip[9]; /* rows: a_i and b_j with a_i . b_j = 2 pi delta_ij */
    double omega;             /* cell volume, bohr^3 */
    size_t natoms;
    double *pos;         /* natoms*3, bohr */
    struct dft_psp *psp; /* natoms copies */
    double nelec;
    size_t nocc; /* bands that may hold electrons: nelec/2 fixed, nbands smeared */
    size_t nbands, maxdim;
    double *eigall, *occall; /* nkpts x nbands scratch for dft_occ_fermi */
    double fermi, mts;       /* Fermi level and -TS of the last occupations */
    size_t ngrid[3], nfft, npwmax, nprojmax;
    double *nl_dmat; /* nprojmax x nprojmax: the coupling h of the projectors (block diagonal) */
    size_t nkpts;
    double *kpts, *wts; /* nkpts*3 reduced coordinates, nkpts weights */
    struct dft_kpt *kp;
    fftw_plan fwd, bwd;  /* in place on boxes from fftw_malloc */
    xc_func_type xcf[2]; /* the libxc functionals summed (xc.c) */
    int nxcf;            /* how many of xcf are set up, 0..2 */
    int xc_gga;          /* 1 when one of them is a GGA */
    double *xc_buf;      /* xc scratch: 3 nfft (LDA) or 9 nfft (GGA) */
    double *xc_g;        /* GGA: 3*nfft Cartesian G of the box for derivatives, Nyquist zeroed */
    double complex *xc_rhog;    /* GGA: nfft */
    double *gsq;                /* nfft: |G|^2 of the box */
    double *vloc;               /* nfft: local pseudopotential on the grid */
    double *vtot;               /* nfft: V_loc + V_H + V_xc of rho_in */
    double *rho_in, *rho_out;   /* nfft */
    double *tmp1, *tmp2, *tmp3; /* nfft scratch */
    /* the density is summed over k-points in nrhoblk fixed blocks of consecutive k-points
     * (block b: k-points [b nk/nrhoblk, (b+1) nk/nrhoblk)), each in k order, then the blocks
     * in order: the same sum whatever the number of threads, with nrhoblk <= DFT_RHO_BLOCKS
     * densities in memory instead of one per k-point */
    size_t nrhoblk;
    double *rhoblk;       /* nfft x nrhoblk */
    double complex *cbox; /* nfft scratch for the serial parts, fftw_malloc */
    size_t nwork;
    struct dft_work *work;
    struct dft_fft *fft; /* ham.c: zero-padded FFTs of the wavefunction spheres */
    /* warm start (scf.c, dft_scf_restart): the frame this one started from, for the next
     * frame's extrapolation: its density minus its atoms times its volume (electrons per cell
     * on the fractional grid of this SCF, nfft) and its geometry (cell rows, then positions,
     * bohr); NULL when this SCF started from scratch. Freed by dft_mix_free. */
    double *ws_drho, *ws_geom;
    /* Pulay mixing history */
    size_t nhist, ihist;
    double *dx, *df;       /* nfft x mix_history each */
    double *xprev, *fprev; /* nfft */
    int has_prev;
    /* status */
    size_t niter;
    double e_prev, de, resid;
    double est; /* Hartree energy of rho_out - rho_in, Ha: pw.x's "estimated scf accuracy" */
    struct dft_energies en;
    /* symmetry (symm.c): the group (nops 0: none) and a scratch box for dft_symm_rho */
    struct dft_symm sym;
    double complex *sbox; /* nfft, fftw_malloc; NULL without symmetry */
};

/* ---- psp.c ---- */
/* proj(q) / q^l, finite at q = 0 */
double dft_psp_proj_reduced(const struct dft_psp *psp, int l, int i, double q);

/* ---- basis.c ---- */
int dft_basis_build(struct dft_scf *s, struct core_err *err);
void dft_basis_release(struct dft_scf *s);
/* Real solid harmonics r^l Y_lm(r^), m = 0..2l, for l <= 3. */
double dft_ylm_solid(int l, int m, const double r[3]);

/* ---- kinetic.c ---- */
double dft_kinetic_energy(const struct dft_scf *s);

/* ---- local.c ---- */
void dft_local_build(struct dft_scf *s);
double dft_local_energy(const struct dft_scf *s, const double *rho);

/* ---- nonlocal.c ---- */
/* Counts the projectors (nprojmax, every kp->nproj) and builds the coupling s->nl_dmat. */
int dft_nonlocal_build(struct dft_scf *s, struct core_err *err);
/* y += V_nl x for n columns; c, c2 are nproj x n scratch. */
/* y += V_nl x for n columns of x (npw x n) at kp, through w (its projectors built there when
 * w does not hold kp's). */
void dft_nonlocal_apply(const struct dft_scf *s, const struct dft_kpt *kp, struct dft_work *w,
                        size_t n, const double complex *x, double complex *y);
/* kp->enl of kp's current bands, through w. */
void dft_nonlocal_bands(const struct dft_scf *s, struct dft_kpt *kp, struct dft_work *w);
/* sum_k w_k sum_n occ_n enl_n, Hartree. */
double dft_nonlocal_energy(const struct dft_scf *s);

/* ---- hartree.c ---- */
/* V_H of rho into vh (may be NULL) and the Hartree energy; uses s->cbox. */
double dft_hartree_apply(struct dft_scf *s, const double *rho, double *vh);

/* ---- xc.c ---- */
int dft_xc_init(struct dft_scf *s, struct core_err *err);
void dft_xc_release(struct dft_scf *s);
/* V_xc of rho added into v (may be NULL); returns E_xc. exc is nfft scratch (gets eps_xc).
 * Uses s->cbox and the plans for GGA. */
double dft_xc_apply(struct dft_scf *s, const double *rho, double *v, double *exc);
/* ---- ham.c ---- */
/* y = H x for n columns of x (npw x n) at k-point kp, with the local potential s->vtot. */
void dft_ham_apply(const struct dft_scf *s, const struct dft_kpt *kp, struct dft_work *w, size_t n,
                   const double complex *x, double complex *y);
/* Adds weight times the density of kp's occupied bands (e/bohr^3) into rho (nfft). */
void dft_ham_density(const struct dft_scf *s, const struct dft_kpt *kp, struct dft_work *w,
                     double weight, double *rho);
/* Plans the zero-padded FFTs of the wavefunctions (after dft_basis_build; serial: it calls the
 * FFTW planner) into s->fft; dft_ham_unplan frees them (no-op when absent). */
int dft_ham_plan(struct dft_scf *s, struct core_err *err);
void dft_ham_unplan(struct dft_scf *s);

/* ---- eigen.c ---- */
/* Orthonormalises the n columns of x (npw x n) in place; returns the number kept (<= n). */
int dft_orthonormalize(size_t npw, size_t n, double complex *x, double complex *s,
                       double complex *u, double *ev, size_t *nkept);
/* Block Davidson for the lowest nbands of H at kp, starting from kp->psi. */
int dft_eigen_solve(const struct dft_scf *s, struct dft_kpt *kp, struct dft_work *w, double tol,
                    size_t maxiter);

/* ---- symm.c ---- */
/* Averages rho (nfft, real space) over the space group in place, through s->cbox and s->sbox;
 * nothing without symmetry. */
void dft_symm_rho(struct dft_scf *s, double *rho);

/* ---- mix.c ---- */
int dft_mix_alloc(struct dft_scf *s, struct core_err *err);
void dft_mix_free(struct dft_scf *s);
/* Next input density from rho_in and rho_out (Pulay with Kerker), written into rho_in. */
int dft_mix_step(struct dft_scf *s, struct core_err *err);

#endif
