/*
 * dft: Kohn-Sham density-functional theory in a plane-wave basis with analytic
 * Goedecker-Teter-Hutter / Hartwigsen-Goedecker-Hutter pseudopotentials.
 *
 * Promises
 *   - GTH/HGH pseudopotentials (struct dft_psp, filled by formats/gth.h or by hand): the local part
 *     V_loc(q) and the separable nonlocal projectors p_i^l(q) evaluated analytically in reciprocal
 *     space (S. Goedecker, M. Teter, J. Hutter, Phys. Rev. B 54, 1703 (1996),
 *     doi:10.1103/PhysRevB.54.1703; C. Hartwigsen, S. Goedecker, J. Hutter, Phys. Rev. B 58, 3641
 *     (1998), doi:10.1103/PhysRevB.58.3641).
 *   - The Ewald energy of point ions in a neutralising background, independent of the splitting
 *     parameter to round-off (converged sums).
 *   - A self-consistent field, spin-unpolarised, with fixed occupations for insulators or smeared
 *     ones for metals (Fermi-Dirac, Gaussian, Methfessel-Paxton, cold smearing): plane waves
 *     |k+G|^2/2 <= ecut at every k-point of a Monkhorst-Pack mesh (reduced by time reversal,
 *     and optionally by the space group found by spglib, the density then symmetrised),
 *     FFT grids that hold every density component without aliasing, LDA and GGA (PBE)
 *     exchange-correlation through libxc, a block Davidson eigensolver with the Teter-Payne-Allan
 * preconditioner, Pulay (Anderson) density mixing with Kerker preconditioning. The driver is
 *     dft_scf_iterate/dft_scf_converged; the total energy and its terms come out through
 *     dft_scf_energies. Verified against ABINIT 9.6.2 (tests/ref/dft-scf/).
 *
 * Units: Hartree atomic units throughout (bohr, Hartree, electron charge). The caller converts at
 * the boundary with lib/core/units.h. Cells are rows: a_i = cell[3*i .. 3*i+2]; positions
 * r[3*i + k] are Cartesian, in bohr. Conventions (more in the comment of basis.c): a Bloch function
 * is psi_nk(r) = Omega^{-1/2} sum_G c_G exp(i(k+G).r) with sum_G |c_G|^2 = 1; Fourier coefficients
 * of a lattice-periodic f are f(G) = (1/Omega) int_cell f(r) exp(-iG.r) dr, so f(r) = sum_G f(G)
 * exp(iG.r); wavefunctions are stored npw x nbands column-major (each band contiguous); real-space
 * grids are C row-major, last index fastest.
 *
 * Ownership: dft_scf_alloc copies everything it needs (cell, positions, pseudopotentials) and
 * owns its arrays; dft_scf_free releases them (NULL is a no-op). Pointers returned by
 * dft_scf_eigenvalues and friends are borrowed from the scf object and valid until it is freed.
 *
 * Thread safety: functions on distinct objects may run in distinct threads; an object is not safe
 * to share. dft_scf_alloc creates FFTW plans, which FFTW does not allow concurrently: call it from
 * one thread at a time. Inside, k-points are solved in parallel with OpenMP; results do not
 * depend on the number of threads beyond round-off of BLAS.
 *
 * Errors: fallible functions return 0 or a code of enum core_status and fill struct core_err:
 * CORE_EINPUT for bad parameters (with what and why), CORE_ENOMEM, CORE_EINTERNAL for a failed
 * library call (FFTW plan, libxc, LAPACK). An SCF that does not converge is not an error here:
 * the caller stops after maxiter steps with dft_scf_converged false and reports CORE_ENOCONV.
 * Nothing here prints, exits or does file I/O.
 */
#ifndef FPMS_DFT_H
#define FPMS_DFT_H

#include <stddef.h>

#include "../core/core.h"

/* ---- pseudopotentials ---- */

#define DFT_PSP_LMAX  3 /* highest angular momentum of a nonlocal channel (f) */
#define DFT_PSP_NPROJ 3 /* projectors per channel */
#define DFT_PSP_NLOC  4 /* coefficients C1..C4 of the local part */

/*
 * A GTH/HGH pseudopotential, in Hartree atomic units (all lengths bohr, h in Hartree):
 *   V_loc(r) = -zion/r erf(r/(sqrt(2) rloc))
 *              + exp(-(r/rloc)^2/2) sum_{i=1..nloc} cloc[i-1] (r/rloc)^(2i-2)
 *   V_nl = sum_{l<nchan} sum_m sum_{ij<nproj[l]} |p_i^l Y_lm> h[l][i][j] <p_j^l Y_lm|
 *   p_i^l(r) = sqrt(2) r^(l+2(i-1)) exp(-r^2/(2 rl^2)) / (rl^(l+(4i-1)/2) sqrt(Gamma(l+(4i-1)/2)))
 * (i counted from 1 in the formulas, from 0 in the arrays). h is symmetric; all nine entries of
 * each channel are filled. Plain data: no pointers, copy freely.
 */
struct dft_psp {
    char symbol[4]; /* element symbol, "Si" */
    char name[64];  /* potential name as read, "GTH-PADE-q4" */
    int z;          /* atomic number */
    double zion;    /* valence (ionic) charge, e */
    double rloc;    /* bohr */
    int nloc;       /* 0..DFT_PSP_NLOC */
    double cloc[DFT_PSP_NLOC];
    int nchan;                   /* nonlocal channels l = 0..nchan-1, 0..DFT_PSP_LMAX+1 */
    double rl[DFT_PSP_LMAX + 1]; /* bohr */
    int nproj[DFT_PSP_LMAX + 1]; /* projectors in channel l, 0..DFT_PSP_NPROJ */
    double h[DFT_PSP_LMAX + 1][DFT_PSP_NPROJ][DFT_PSP_NPROJ]; /* Hartree */
};

/* Checks a psp for consistency (positive radii and charge, counts in range, finite numbers,
 * symmetric h). CORE_EINPUT with a message naming the potential and the field. */
int dft_psp_check(const struct dft_psp *psp, struct core_err *err);

/*
 * Fourier transform of the local part of one atom, vloc(q) = int V_loc(r) exp(-iq.r) d^3r
 * (Hartree bohr^3), for q > 0 in 1/bohr. It behaves as -4 pi zion/q^2 at small q and decays as a
 * Gaussian at large q. (Divide by the cell volume and multiply by the structure factor for the
 * Fourier coefficient of the crystal potential.)
 */
double dft_psp_vloc(const struct dft_psp *psp, double q);

/* The finite part at q -> 0: lim (vloc(q) + 4 pi zion/q^2) = int (V_loc(r) + zion/r) d^3r,
 * Hartree bohr^3. Its sum over atoms times nelec/Omega is the "psp core" energy. */
double dft_psp_vloc_alpha(const struct dft_psp *psp);

/* The local part in real space, V_loc(r) in Hartree, r >= 0 in bohr (r = 0 is the limit). */
double dft_psp_vloc_real(const struct dft_psp *psp, double r);

/*
 * Radial Fourier transform of projector i (0-based) of channel l:
 *   proj(q) = 4 pi int_0^inf r^2 p_i^l(r) j_l(q r) dr    (bohr^{3/2}),
 * so that int p_i^l(r) Y_lm(r^) exp(-iq.r) d^3r = (-i)^l Y_lm(q^) proj(q). q >= 0 in 1/bohr.
 * Returns 0 for l or i out of range.
 */
double dft_psp_proj(const struct dft_psp *psp, int l, int i, double q);

/* The projector in real space, p_i^l(r), bohr^{-3/2}; int_0^inf r^2 p^2 dr = 1. */
double dft_psp_proj_real(const struct dft_psp *psp, int l, int i, double r);

/* ---- Ewald sum ---- */

/*
 * Electrostatic energy (Hartree) of point charges charge[i] (e) at pos[3*i+k] (bohr) in the
 * periodic cell (rows, bohr), with a uniform compensating background, by Ewald's method with
 * splitting parameter eta (1/bohr; eta <= 0 picks a balanced value). The sums are taken until
 * their terms fall below 1e-17 relative, so the result does not depend on eta beyond round-off.
 * forces (natoms*3, Ha/bohr) may be NULL. CORE_EINPUT for a singular cell or non-finite input.
 */
int dft_ewald_energy(const double cell[9], size_t natoms, const double *pos, const double *charge,
                     double eta, double *energy, double *forces, struct core_err *err);

/* ---- k-points ---- */

/*
 * Monkhorst-Pack mesh k = (i_j + shift_j)/n_j in reduced coordinates of the reciprocal lattice,
 * folded into (-1/2, 1/2]; with time_reversal, k and -k are one point of double weight. Weights
 * sum to 1. *kpts (3 per point) and *weights are allocated; caller frees both with free().
 * CORE_EINPUT for n_j < 1 or a shift outside [0, 1).
 */
int dft_kmesh_make(const int n[3], const double shift[3], int time_reversal, double **kpts,
                   double **weights, size_t *nkpts, struct core_err *err);

/* ---- symmetry (symm.c, through spglib) ---- */

/*
 * The space group of a configuration: operations {R|t} mapping fractional coordinates x of the
 * direct lattice (rows a_i of the cell) to R x + t, as spglib gives them. nops = 0 stands for no
 * symmetry (the identity alone). Owns rot and trans: init with dft_symm_init, free with
 * dft_symm_release.
 */
struct dft_symm {
    size_t nops;     /* operations, pure lattice translations of a supercell included */
    int *rot;        /* nops x 9: R row-major, R[i][j] = rot[9*op + 3*i + j] */
    double *trans;   /* nops x 3: t in [0, 1) */
    int number;      /* international space-group number, 1..230 */
    char symbol[16]; /* Hermann-Mauguin symbol, "Fd-3m" */
};

void dft_symm_init(struct dft_symm *sym);
void dft_symm_release(struct dft_symm *sym);

/*
 * Finds the space group of natoms atoms at Cartesian pos (bohr) in cell (rows, bohr), atoms of
 * equal types[i] being alike, with spglib's spg_get_dataset: symprec is spglib's tolerance, a
 * Cartesian distance in the unit of the cell (here bohr; spglib's customary 1e-5 is meant in
 * Angstrom, 1.9e-5 bohr). The configuration is taken as it is (positions are not symmetrised),
 * so keep symprec well below the displacements that matter. Replaces *sym (released first).
 * CORE_EINPUT for symprec outside (0, 1), a singular or non-finite cell, non-finite positions, or
 * when spglib fails (atoms too close), with spglib's message; CORE_ENOMEM.
 */
int dft_symm_find(const double cell[9], size_t natoms, const double *pos, const int *types,
                  double symprec, struct dft_symm *sym, struct core_err *err);

/*
 * The Monkhorst-Pack mesh of dft_kmesh_make reduced by the point group of sym (NULL or nops 0:
 * time reversal alone) and time reversal: each mesh point, in the order k_1 fastest, joins the
 * first earlier irreducible point k whose star {R^T k} (and {-R^T k} with time_reversal) holds it
 * modulo a reciprocal lattice vector, as ABINIT's symkpt does; the weight of a point is the share
 * of the mesh in its star. A mesh that not every operation maps onto itself is reduced all the
 * same: this is exact when the density is averaged over the full group (dft_symm_density_g), as
 * the SCF does and ABINIT does (see symm.c). Allocation and errors as dft_kmesh_make, and
 * CORE_EINPUT for more than 1e6 mesh points.
 */
int dft_kmesh_reduce(const int n[3], const double shift[3], int time_reversal,
                     const struct dft_symm *sym, double **kpts, double **weights, size_t *nkpts,
                     struct core_err *err);

/*
 * Averages a lattice-periodic function over the group: Fourier coefficients in[] on an FFT box of
 * sizes ngrid (the order of basis.c: i_2 fastest, frequency i or i - n) into out[] (not in[]):
 *   out(R^T G) = (1/nops) sum_op in(G) exp(2 pi i G.t).
 * Images outside the box (beyond its Nyquist planes) are dropped, exact for a density whose
 * coefficients vanish outside a sphere the box holds (dft_fft_grid's). sym NULL or nops 0 copies.
 */
void dft_symm_density_g(const struct dft_symm *sym, const size_t ngrid[3],
                        const double _Complex *in, double _Complex *out);

/* ---- FFT grids ---- */

/* Functional by name into dft_params.xc (ABINIT's ixc convention for libxc, see xc.c): pbe, lda
 * (= teter93, pade), pw92 (pw), pz (pz81), a libxc name or number, or two joined by '+'
 * (gga_x_pbe+gga_c_pbe), or -(1000 x + c). CORE_EINPUT for an unknown name or a functional
 * that is not an LDA or GGA. */
int dft_xc_parse(const char *name, int *xc, struct core_err *err);
/* E_xc (Hartree) and V_xc (nfft, may be NULL; Hartree) of the density rho (e/bohr^3) on an
 * ngrid[0] x ngrid[1] x ngrid[2] grid (C order) of the cell (rows, bohr), as in the SCF. Plans
 * FFTs: not concurrently with other FFTW planning. CORE_EINPUT for a bad xc, grid or cell or
 * non-finite density; CORE_ENOMEM; CORE_EINTERNAL. */
int dft_xc_eval(int xc, const double cell[9], const size_t ngrid[3], const double *rho,
                double *energy, double *vxc, struct core_err *err);

/* Smallest FFT size >= nmin whose only prime factors are 2, 3 and 5. */
size_t dft_fft_size(size_t nmin);

/*
 * FFT grid that holds every Fourier component of the density made from plane waves
 * |k+G|^2/2 <= ecut, the sphere |G| <= 2 sqrt(2 ecut), so products of two wavefunctions never
 * alias: its Miller indices reach |f_j| <= M_j = floor(2 sqrt(2 ecut) |a_j|/2pi), and
 * n_j = dft_fft_size(2 M_j + 1) (ABINIT's boxcut >= 2). ecut in Hartree, cell rows in bohr.
 * (The rule floor(..)/2 used before, n_j = dft_fft_size(4 floor(sqrt(2 ecut)|a_j|/2pi) + 1), can
 * be one short: Si at 8 Ha got 18 where the density needs 19.)
 */
void dft_fft_grid(const double cell[9], double ecut, size_t ngrid[3]);

/* ---- occupations ---- */

/* Occupation schemes (see occ.c for the formulas and references). */
enum dft_smearing {
    DFT_SMEAR_NONE = 0, /* fixed occupations: the nelec/2 lowest bands doubly filled */
    DFT_SMEAR_FD,       /* Fermi-Dirac, width = kT (ABINIT occopt 3) */
    DFT_SMEAR_GAUSS,    /* Gaussian (ABINIT occopt 7) */
    DFT_SMEAR_MP,       /* Methfessel-Paxton, first order (ABINIT occopt 6) */
    DFT_SMEAR_MV,       /* Marzari-Vanderbilt cold smearing, a = -1/sqrt(2) (QE's m-v) */
};

/* Occupation per spin channel f(x) and entropy s(x) of a scheme at x = (eps - mu)/width; they
 * obey s'(x) = x f'(x). DFT_SMEAR_NONE: the step (1/2 at x = 0) and zero entropy. */
double dft_smear_occ(enum dft_smearing sm, double x);
double dft_smear_entropy(enum dft_smearing sm, double x);

/*
 * Fermi level and occupations for eigenvalues eig[ik*nbands + n] (Hartree) at nkpts k-points of
 * weights w (summing to 1): mu by bisection on the electron count sum_k w_k sum_n occ = nelec,
 * occ[ik*nbands + n] = 2 f((eps - mu)/width) (spin-unpolarised), and the entropy term
 * *mts = -T S = -width sum_k w_k sum_n 2 s(x) (Hartree, <= 0 for Fermi-Dirac and Gaussian).
 * CORE_EINPUT for sm NONE, width <= 0, nelec outside (0, 2 nbands), bad weights or non-finite
 * eigenvalues; CORE_EINTERNAL if no mu gives the count to 1e-6 (not seen: N(mu) is continuous).
 * The occupations are scaled by the last 1e-12 of the count so they sum to nelec exactly.
 */
int dft_occ_fermi(enum dft_smearing sm, double width, double nelec, size_t nkpts, size_t nbands,
                  const double *w, const double *eig, double *occ, double *mu, double *mts,
                  struct core_err *err);

/* ---- self-consistent field ---- */

/* Settings of an SCF. dft_params_init fills the defaults named in the comments. */
struct dft_params {
    double ecut;       /* plane-wave cutoff, Hartree; no default (must be > 0) */
    int kgrid[3];      /* Monkhorst-Pack mesh; default 1 1 1 */
    double kshift[3];  /* its shift in [0,1); default 0 0 0 */
    int time_reversal; /* reduce the mesh by k ~ -k; default 1 */
    size_t ngrid[3];   /* FFT grid; 0 0 0 (default): dft_fft_grid */
    size_t nbands;     /* bands to compute; 0 (default): the occupied bands, and with smearing
                          max(1.2 nelec/2, nelec/2 + 4) rounded up (Quantum ESPRESSO's rule) */
    int smearing;      /* enum dft_smearing; default DFT_SMEAR_NONE */
    double tsmear;     /* smearing width, Hartree (kT for Fermi-Dirac); default 0.01 */
    int xc; /* ABINIT's ixc for libxc: a libxc id (an LDA or GGA), or -(1000 x + c) for exchange x
               plus correlation c (PBE: -101130); default 20 (XC_LDA_XC_TETER93) */
    size_t maxiter;     /* SCF iterations; default 100 */
    double tol_energy;  /* Hartree; the SCF stops when |E_n - E_{n-1}| and the estimated error
                           (the Hartree energy of rho_out - rho_in, as pw.x's conv_thr) are both
                           below it; default 1e-10 */
    double mix_alpha;   /* mixing parameter; default 0.8 */
    double kerker;      /* Kerker wave vector k0, 1/bohr (0: none; < 0: 0.3 with smearing, 0.8
                           without, the default) */
    int fft_measure;    /* 1: FFTW_MEASURE plans for the wavefunction FFTs of large grids (faster,
                           but the plan, and so the last bits of the results, may differ between
                           runs); 0 (default): FFTW_ESTIMATE, bit-identical runs */
    size_t mix_history; /* Pulay history length; default 8 */
    double tol_eig;     /* final residual norm of the eigensolver; default 1e-8 */
    size_t maxiter_eig; /* Davidson iterations per k-point and SCF step; default 40 */
    unsigned long seed; /* random initial wavefunctions (core_rng, purpose 3); default 1 */
    int symmetry;       /* 1: find the space group (spglib), reduce the k-mesh by it and
                           symmetrise the density; default 0 (dft-scf's default is on) */
    double symprec;     /* spglib's tolerance, bohr; default 1e-5 Angstrom = 1.89e-5 bohr */
};

void dft_params_init(struct dft_params *p);

/* The energy and its terms, Hartree (the terms of ABINIT's "Components of total free energy").
 * With fixed occupations entropy = 0 and total = internal = extrapolated. */
struct dft_energies {
    double kinetic;  /* sum_nk w f <psi|-nabla^2/2|psi> */
    double local;    /* int V_loc rho without the G = 0 term of V_loc */
    double psp_core; /* the G = 0 term: nelec/Omega sum_atoms dft_psp_vloc_alpha */
    double nonlocal; /* sum_nk w f <psi|V_nl|psi> */
    double hartree;  /* (1/2) int rho V_H */
    double xc;       /* int rho eps_xc */
    double ewald;    /* ions, dft_ewald_energy */
    double internal; /* E: the sum of the above */
    double entropy;  /* -T S of the occupations (ABINIT's -kT*entropy), dft_occ_fermi */
    double total;    /* the free energy F = E - T S, which the SCF minimises (ABINIT's etotal) */
    double extrapolated; /* E0 = E - T S/2 for Fermi-Dirac and Gaussian, F otherwise (occ.c) */
    double band;         /* sum_nk w f eps_nk */
    double fermi;        /* Fermi level mu; fixed occupations: the highest occupied eigenvalue */
};

struct dft_scf;

/*
 * Sets up an SCF for natoms atoms at pos (bohr) in cell (rows, bohr), atom i carrying
 * pseudopotential psp[i] (copied). Builds the k-mesh, the basis at every k-point, the FFT plans,
 * the projectors, the initial density (a superposition of Gaussians of charge zion) and random
 * initial wavefunctions. *scf is allocated; caller frees with dft_scf_free.
 * CORE_EINPUT for bad parameters, an odd number of electrons with fixed occupations (every
 * occupied band doubly filled; smearing takes any count), too few bands for the electrons,
 * CORE_ENOMEM, CORE_EINTERNAL (FFTW, libxc).
 */
int dft_scf_alloc(const double cell[9], size_t natoms, const double *pos,
                  const struct dft_psp *const *psp, const struct dft_params *par,
                  struct dft_scf **scf, struct core_err *err);

void dft_scf_free(struct dft_scf *scf);

/* What dft_scf_restart took over from a previous SCF (bits of *what). */
enum dft_restart {
    DFT_RESTART_DENSITY = 1, /* the density */
    DFT_RESTART_PSI = 2,     /* the wavefunctions */
};

/*
 * Warm start for a stream of neighbouring configurations (strained, rattled, MD steps): replaces
 * the initial guess of scf, which must not have iterated yet, by the last state of prev (borrowed,
 * unchanged). Both are read on the same fractional points / Miller indices, so a strained cell
 * carries them along and the FFT grids and plane-wave sets may differ (coefficients are matched
 * by Miller index; what one side lacks is dropped, or kept from the random start, scaled down).
 * The density is taken over when the atoms are the same species in the same order: prev's
 * output density minus prev's superposition of Gaussian atoms (the difference density),
 * extrapolated with the difference density of the frame before prev when there was one (by how
 * far the geometry moved on, after Arias, Payne and Joannopoulos, PRB 45, 1538 (1992), as
 * Quantum ESPRESSO does), plus scf's atoms, renormalised to the electron count. The
 * wavefunctions are taken over when the k-points and band counts agree, and made consistent
 * with the potential of that density before the first step. *what gets the DFT_RESTART_* bits
 * of what was used (0 when prev never iterated). The Pulay history starts afresh. CORE_EINPUT
 * when scf has iterated;
 * CORE_ENOMEM.
 */
int dft_scf_restart(struct dft_scf *scf, const struct dft_scf *prev, int *what,
                    struct core_err *err);

/*
 * One SCF step: Hamiltonian from the input density, eigenvectors at every k-point, output
 * density and energies, mixing to the next input density. CORE_EINTERNAL if LAPACK fails.
 */
int dft_scf_iterate(struct dft_scf *scf, struct core_err *err);

/* 1 when the last step changed the energy by less than tol_energy and the estimated error is
 * below it too (never before two steps). */
int dft_scf_converged(const struct dft_scf *scf);

/* Energies of the last step (output density and wavefunctions). */
void dft_scf_energies(const struct dft_scf *scf, struct dft_energies *e);

/* Iterations done, last energy change (Hartree), density residual ||rho_out - rho_in|| (L2
 * over the cell, e/bohr^{3/2}) and the estimated error: the Hartree energy of rho_out - rho_in
 * (Hartree), which bounds the energy's error to second order (pw.x's "estimated scf
 * accuracy"). */
size_t dft_scf_niter(const struct dft_scf *scf);
double dft_scf_delta_energy(const struct dft_scf *scf);
double dft_scf_residual(const struct dft_scf *scf);
double dft_scf_est_error(const struct dft_scf *scf);

/* k-points (reduced coordinates, 3 per point), their weights, and the count. Borrowed. */
size_t dft_scf_nkpts(const struct dft_scf *scf);
const double *dft_scf_kpts(const struct dft_scf *scf);
const double *dft_scf_weights(const struct dft_scf *scf);

/* Bands per k-point, and the eigenvalues (Hartree) of k-point ik, ascending. Borrowed. The
 * G = 0 term of the local potential is left out of the Hamiltonian (ABINIT's convention, see
 * local.c): add sum_atoms dft_psp_vloc_alpha/Omega for the convention of DFTK and QE. */
size_t dft_scf_nbands(const struct dft_scf *scf);
const double *dft_scf_eigenvalues(const struct dft_scf *scf, size_t ik);

/* Occupations (0..2 electrons; Methfessel-Paxton may leave [0, 2] slightly) of the bands of
 * k-point ik, from the last step. Borrowed. */
const double *dft_scf_occupations(const struct dft_scf *scf, size_t ik);

/* Plane waves at k-point ik, and the FFT grid. */
size_t dft_scf_npw(const struct dft_scf *scf, size_t ik);
void dft_scf_grid(const struct dft_scf *scf, size_t ngrid[3]);

/*
 * The Kohn-Sham energy (Hartree) of trial coefficients psi (npw(ik) x nbands, column-major) at
 * k-point ik, all other k-points keeping their current wavefunctions; the density is rebuilt
 * from them (the wavefunctions need not be orthonormal: they are orthonormalised first). For
 * derivative checks: at self-consistency this energy is stationary in psi.
 */
int dft_scf_energy_of(struct dft_scf *scf, size_t ik, const double _Complex *psi, double *energy,
                      struct core_err *err);

/* Current wavefunctions of k-point ik (npw x nbands, column-major), borrowed. */
const double _Complex *dft_scf_psi(const struct dft_scf *scf, size_t ik);

/* The space group used (nops 0 when symmetry is off). Borrowed. */
const struct dft_symm *dft_scf_symm(const struct dft_scf *scf);

#endif
