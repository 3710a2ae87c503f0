/*
 * mtp: the moment tensor potential (MTP) of Shapeev (Multiscale Model. Simul. 14, 1153 (2016)),
 * evaluated as the MLIP package does (MLIP-2, class MLMTPR; Novikov et al., Mach. Learn.: Sci.
 * Technol. 2, 025002 (2021)), so that a potential trained by MLIP gives the same energies,
 * forces and virial here (checked against `mlp calc-efs` to ~1e-13 relative,
 * tests/cli/mtp_mlip.bats).
 *
 * The model (notation of the .mtp file, formats/mtp_file.md)
 *   E = sum_i U_i,   U_i = species_coeffs[t_i] + sum_k moment_coeffs[k] B_k(i)
 *   r_ij = r_j - r_i over the neighbours j of i with |r_ij| < rcut (max_dist), periodic images
 *   included (an atom may be its own neighbour through an image).
 *   Radial basis (RBChebyshev), T_b the Chebyshev polynomials, nothing clamps r < rmin:
 *     x = (2r - (rmin + rcut)) / (rcut - rmin),   Q_b(r) = scaling T_b(x) (rcut - r)^2
 *   Radial functions, one block per ordered pair of species (t_i, t_j):
 *     f_mu(r) = sum_b radial[((t_i nspecies + t_j) nrad + mu) nrb + b] Q_b(r)
 *   Basic moments (alpha_index_basic {mu, a, b, c}), u = r_ij / |r_ij|:
 *     m_p = sum_j f_mu(|r_ij|) u_x^a u_y^b u_z^c,   p = 0 .. nbasic-1
 *   Contractions (alpha_index_times {i, j, mult, k}), executed in order:
 *     m_k += mult m_i m_j,   k = nbasic .. nmoments-1
 *   Scalars: B_k = m[mapping[k]], k = 0 .. nscalar-1.
 *   Forces F_i = sum_j (dU_i/dr_ij - dU_j/dr_ji);
 *   virial W_ab = -sum_i sum_j (dU_i/dr_ij)_a (r_ij)_b = -dE/deps_ab (MLIP's PlusStress);
 *   the stress with ASE's sign is -W/V.
 *
 * Units: Angstrom, eV, eV/Angstrom; the virial in eV. Layouts: positions and forces r[3*i + k];
 * cell rows a_i = cell[3*i .. 3*i+2]; 3x3 tensors row-major. Atom types are potential species
 * indices 0 .. nspecies-1 (the .mtp file names no elements: MLIP's type t is the t-th element
 * of the species map the user gives, as for .cfg files).
 *
 * Ownership: struct mtp_pot owns its arrays (_init/_release). struct mtp_work is allocated by
 * mtp_work_alloc and freed by mtp_work_free; it borrows nothing. Arrays passed in are borrowed;
 * output arrays are the caller's. The views of mtp_work_nbrs point into the workspace and stay
 * valid until its next evaluation.
 * Thread safety: a potential may be read by any number of threads at once; a workspace serves
 * one call at a time. The evaluation parallelises itself with OpenMP over atoms (each atom's site
 * energy and derivatives are computed by one thread, the sums run in a fixed order), so results
 * are bitwise identical for every thread count.
 * Memory: the workspace grows when a configuration needs more room than any before (more atoms,
 * neighbours or threads) and is otherwise reused: no allocation per call in steady state.
 * Errors: CORE_EINPUT (an inconsistent potential, a type outside the potential, non-finite
 * positions, overlapping atoms, a degenerate cell), CORE_ENOMEM; messages in the `where: what`
 * form through struct core_err. Nothing is printed.
 */
#ifndef FPMS_MTP_H
#define FPMS_MTP_H

#include <stddef.h>

#include "../core/core.h"

#define MTP_NAMELEN 256 /* potential_name and potential_tag, with the NUL */

/* Limits that keep a malformed file from asking for absurd memory (MLIP's files stay far below). */
#define MTP_MAXSPECIES 128
#define MTP_MAXRB      1024     /* radial_basis_size, radial_funcs_count */
#define MTP_MAXNU      64       /* a + b + c of a basic moment */
#define MTP_MAXCOUNT   10000000 /* alpha_moments_count, _basic_count, _times_count, scalars */

/*
 * A potential: exactly what an .mtp file holds. The arrays are flat and owned.
 * has_radial / has_linear say whether the file gave the coefficients; without them MLIP calls
 * the potential untrained and uses defaults (mtp_pot_coeffs_default), which are in the arrays.
 */
struct mtp_pot {
    char name[MTP_NAMELEN]; /* potential_name: one word ("MTP1m" in MLIP's files) */
    char tag[MTP_NAMELEN];  /* potential_tag: the rest of its line, may be empty */
    double scaling;         /* factor on the radial basis (1 when the file has none) */
    size_t nspecies;        /* species_count */
    double rmin;            /* min_dist, Angstrom: sets the Chebyshev interval only */
    double rcut;            /* max_dist, Angstrom */
    size_t nrb;             /* radial_basis_size: Chebyshev polynomials per radial function */
    size_t nrad;            /* radial_funcs_count: radial functions mu = 0 .. nrad-1 */
    int has_radial;         /* the file gave radial_coeffs */
    double *radial;         /* nspecies^2 * nrad * nrb: [((ti*nspecies + tj)*nrad + mu)*nrb + b] */
    size_t nmoments;        /* alpha_moments_count */
    size_t nbasic;          /* alpha_index_basic_count */
    int *basic;             /* 4 * nbasic: {mu, a, b, c} */
    size_t ntimes;          /* alpha_index_times_count */
    int *times;             /* 4 * ntimes: {i, j, mult, k} */
    size_t nscalar;         /* alpha_scalar_moments: K */
    int *mapping;           /* nscalar: alpha_moment_mapping, moment index of B_k */
    int has_linear;         /* the file gave species_coeffs and moment_coeffs */
    double *species_coeffs; /* nspecies, eV */
    double *moment_coeffs;  /* nscalar, eV */
};

/* Zeroes pot (no arrays), scaling 1, name "MTP1m" (MLIP's). */
void mtp_pot_init(struct mtp_pot *pot);

/* Frees every array and re-initialises pot. */
void mtp_pot_release(struct mtp_pot *pot);

/*
 * Sets the counts and allocates every array for them (zeroed; has_radial and has_linear 0),
 * keeping name, tag, scaling, rmin and rcut. Counts above the MTP_ limits are CORE_EINPUT;
 * CORE_ENOMEM. On error pot is released.
 */
int mtp_pot_resize(struct mtp_pot *pot, size_t nspecies, size_t nrb, size_t nrad, size_t nmoments,
                   size_t nbasic, size_t ntimes, size_t nscalar, struct core_err *err);

/* Deep copy (dst is released first). CORE_ENOMEM. */
int mtp_pot_copy(struct mtp_pot *dst, const struct mtp_pot *src, struct core_err *err);

/*
 * MLIP's coefficients of an untrained potential: radial 1e-6 with 1e-3 at b = min(mu, nrb-1)
 * (if !has_radial), species and moment coefficients 1e-3 (if !has_linear).
 */
void mtp_pot_coeffs_default(struct mtp_pot *pot);

/*
 * Checks that pot can be evaluated and written: counts within limits, 0 <= rmin < rcut, nrb >= 2,
 * finite numbers, every basic {mu, a, b, c} with 0 <= mu < nrad and a, b, c >= 0, the largest
 * mu = nrad - 1 (MLIP's rule), every times entry with inputs in [0, nmoments), output in
 * [nbasic, nmoments), no moment read before its last update, every mapping entry in range.
 * CORE_EINPUT with a message naming the field (`alpha_index_times entry 12: ...`).
 */
int mtp_pot_check(const struct mtp_pot *pot, struct core_err *err);

/* ---- evaluation ---- */

struct mtp_work; /* opaque: precomputed basis tables, neighbour list, per-thread scratch */

/*
 * Plans the evaluation of potentials with the basis of pot (its counts and index lists, which
 * are copied; the coefficients are read at every call, so a fit may change them between calls).
 * mtp_pot_check errors; CORE_ENOMEM. *w is NULL on error. Caller frees with mtp_work_free.
 */
int mtp_work_alloc(const struct mtp_pot *pot, struct mtp_work **w, struct core_err *err);

/* Frees w (NULL is a no-op). */
void mtp_work_free(struct mtp_work *w);

/*
 * Energy, forces and virial of natoms atoms of types type[i] (0 .. nspecies-1) at pos
 * (Angstrom) in cell (rows, Angstrom; NULL for none, then pbc must be all 0) periodic along
 * pbc[a] (NULL: all 0). The neighbour list is built here (cell lists; any cell, however small
 * against rcut: every periodic image within rcut is found). Vectors along non-periodic
 * directions only tell which directions are periodic: they may be zero.
 * energy (eV), forces (3*natoms, eV/Angstrom) and virial (9, eV) may each be NULL; with forces
 * and virial both NULL the derivatives are skipped (about half the cost). After the call,
 * mtp_work_nbrs gives the neighbour list, the site energies and, unless skipped, dU_i/dr_ij.
 * pot must have the basis w was planned for (CORE_EINPUT otherwise).
 * CORE_EINPUT: a type out of range, a non-finite position or cell, two atoms at the same place,
 * periodic cell vectors that are linearly dependent, a cell so small that more than 10^6
 * periodic images lie within rcut; CORE_ENOMEM.
 */
int mtp_calc(const struct mtp_pot *pot, struct mtp_work *w, size_t natoms, const int *type,
             const double *pos, const double *cell, const int *pbc, double *energy, double *forces,
             double *virial, struct core_err *err);

/*
 * The neighbour list of the last mtp_calc and what it computed, as views into w.
 * Neighbours of atom i are p = start[i] .. start[i+1]-1; atom nbr[p] (an image of it when
 * periodic) at r_ij = rij[3p .. 3p+2] = r_j(+ lattice shift) - r_i, |r_ij| < rcut.
 * u[i] = U_i (eV); dudr[3p + k] = dU_i/d(r_ij)_k (eV/Angstrom), NULL when derivatives were
 * skipped. Heat current (Fan et al., PRB 92, 094301): W_i = sum over pairs p = (j -> i) of
 * r_ji (x) dU_j/dr_ji, or equivalently from the reverse pairs.
 */
struct mtp_nbrs {
    size_t natoms;
    size_t npairs;
    const size_t *start; /* natoms + 1 */
    const size_t *nbr;   /* npairs */
    const double *rij;   /* 3 * npairs, Angstrom */
    const double *u;     /* natoms, eV */
    const double *dudr;  /* 3 * npairs, eV/Angstrom, or NULL */
};

/* Fills v from w's last mtp_calc (all zero before the first). */
void mtp_work_nbrs(const struct mtp_work *w, struct mtp_nbrs *v);

/*
 * Site energies on a neighbour list the caller built (an MD engine's, with a skin): for atom i
 * the pairs p = start[i] .. start[i+1]-1 with vectors rij[3p..3p+2] = r_j - r_i (Angstrom) and
 * neighbour types jtype[p]. Fills u[i] = U_i (eV, natoms) and, when dudr is not NULL,
 * dudr[3p + k] = dU_i/d(r_ij)_k (eV/Angstrom; zero for pairs with |r_ij| >= rcut, which are
 * ignored). Forces and virial follow as in the top comment. CORE_EINPUT for a type out of range,
 * a non-finite vector or a zero one, a basis other than w's; CORE_ENOMEM.
 */
int mtp_site_eval(const struct mtp_pot *pot, struct mtp_work *w, size_t natoms, const int *type,
                  const size_t *start, const int *jtype, const double *rij, double *u, double *dudr,
                  struct core_err *err);

/* ---- derivatives with respect to the coefficients (lib/mtp/jac.c) ---- */

/* Number of coefficients: nspecies^2 nrad nrb + nspecies + nscalar. */
size_t mtp_pot_nparams(const struct mtp_pot *pot);

struct mtp_jac; /* opaque: basis tables and per-site scratch */

/*
 * Plans Jacobians for the basis of pot (copied; coefficients are read at every call).
 * mtp_pot_check errors; CORE_ENOMEM. *j is NULL on error. Free with mtp_jac_free (NULL: no-op).
 * A workspace serves one call at a time; use one per thread.
 */
int mtp_jac_alloc(const struct mtp_pot *pot, struct mtp_jac **j, struct core_err *err);
void mtp_jac_free(struct mtp_jac *j);

/*
 * Energy, forces and virial of a configuration on the neighbour list nl (as mtp_work_nbrs gives
 * it: natoms, npairs, start, nbr, rij; u and dudr unused; pairs at or beyond rcut ignored) with
 * atom types type[natoms], and their exact derivatives with respect to every coefficient.
 * val (nrow = 1 + 3 natoms + 9 doubles): [energy | forces 3 natoms | virial 9], as mtp_calc.
 * J (nrow x mtp_pot_nparams(pot), row-major): J[row][c] = d val[row] / d theta_c with theta in
 * the order [radial (pot->radial's layout) | species_coeffs | moment_coeffs]. With radial 0 the
 * radial columns are left zero (no tangents: less work). Serial (one thread); the
 * sums run in a fixed order. lib/mtp/jac.c has the derivation. CORE_EINPUT: a basis other than
 * j's, a type out of range, an inconsistent list, a zero or non-finite vector; CORE_ENOMEM.
 */
int mtp_jac_calc(const struct mtp_pot *pot, struct mtp_jac *j, const int *type,
                 const struct mtp_nbrs *nl, int radial, double *val, double *J,
                 struct core_err *err);

/* ---- the basis ---- */

/*
 * Makes pot an untrained potential of the given level (even, 2 .. 28) for nspecies species,
 * nrb Chebyshev polynomials and the interval rmin .. rcut (Angstrom): its basis (basic moments,
 * contractions, scalars), radial_funcs_count = the radial functions the level needs, MLIP's
 * default coefficients (has_radial = has_linear = 0), scaling 1, name "MTP1m".
 * The scalars are all full contractions of at most four moment tensors M_{mu,nu} of level
 * sum (2 + 4 mu + nu) <= level, one per isomorphism class of contraction graph; for levels >= 22
 * mu <= 5 and nu <= 10 (MLIP's caps). This reproduces the basis of MLIP's untrained_mtps: the
 * same K (1, 2, 5, 9, 16, 29, 52, 92, 163, 288, 500, 864, 1464, 2445 for levels 2 .. 28) and the
 * same scalars as functions of the moments, in another order and with other (integer)
 * intermediate contractions. lib/mtp/basis.c documents the construction.
 * CORE_EINPUT for a level, count or interval out of range; CORE_ENOMEM. On error pot is released.
 */
int mtp_pot_generate(struct mtp_pot *pot, int level, size_t nspecies, size_t nrb, double rmin,
                     double rcut, struct core_err *err);

/*
 * Level of the scalars of pot's basis: lev(m_p) = 2 + 4 mu + (a + b + c) for a basic moment,
 * lev(m_k) = lev(m_i) + lev(m_j) for a contraction; returns the largest level of a scalar B_k
 * (0 without scalars), or -1 when the contractions give one moment two different levels, an
 * index is out of range or memory runs out.
 */
int mtp_pot_level(const struct mtp_pot *pot);

/* ---- fitting (lib/mtp/fit.c) ---- */

/*
 * A labelled configuration for fitting, borrowed arrays (layouts as mtp_calc). Energy (eV),
 * forces (eV/Angstrom) and the virial W = -stress * volume (eV, MLIP's PlusStress, 3x3 row-major)
 * are the labels; forces NULL and has_energy / has_virial 0 mean absent.
 */
struct mtp_fit_conf {
    size_t natoms;
    const int *type;    /* natoms, 0 .. nspecies-1 */
    const double *pos;  /* 3 * natoms, Angstrom */
    const double *cell; /* 9, rows, Angstrom, or NULL */
    const int *pbc;     /* 3, or NULL */
    int has_energy;
    double energy;        /* eV */
    const double *forces; /* 3 * natoms, eV/Angstrom, or NULL */
    int has_virial;
    double virial[9]; /* eV */
};

/*
 * Per-configuration weighting of the loss, as MLIP's --weighting (N atoms, d = model - label):
 *   vibrations: wE dE^2 / N + wF sum_i |dF_i|^2 + wS |dW|^2 / N           (MLIP's default)
 *   molecules:  wE dE^2     + wF sum_i |dF_i|^2 + wS |dW|^2
 *   structures: wE (dE/N)^2 + wF/N sum_i |dF_i|^2 + wS |dW|^2 / N^2
 * |dW|^2 sums all 9 components. The loss is the mean over configurations of these terms. With
 * force_scale s > 0 each atom's wF is wF s / (|F_i|^2 + s) (MLIP's --scale-by-force; unlike MLIP,
 * whose linear solve ignores it, every solve here minimises this same loss).
 */
enum mtp_fit_scale { MTP_FIT_VIBRATIONS = 0, MTP_FIT_MOLECULES, MTP_FIT_STRUCTURES };

struct mtp_fit_ckpt;

struct mtp_fit_opts {
    double wenergy;           /* 1 */
    double wforce;            /* 0.01, Angstrom^2 */
    double wstress;           /* 0.001 */
    enum mtp_fit_scale scale; /* MTP_FIT_VIBRATIONS */
    double force_scale;       /* MLIP's --scale-by-force s, (eV/Angstrom)^2: atom i's force weight
                                 is wF s / (|F_i|^2 + s), F_i its label, so atoms near
                                 equilibrium weigh more; 0 (the default): wF for every atom */
    int maxiter;              /* Levenberg-Marquardt iterations (100) */
    int linear_every;         /* iterations between exact linear solves (10) */
    double tol;               /* stop when an iteration lowers the loss by less than tol
                                 relative (1e-6) */
    int patience;             /* with a held-out set (mtp_fit_run_holdout) or folds
                                 (mtp_fit_run_cv): stop when the held-out loss has not improved
                                 for patience iterations (20) */
    double damping;           /* least Levenberg-Marquardt damping lambda (1e-12): a larger one
                                 takes shorter steps, a smoother path for early stopping */
    double ridge;             /* rho >= 0 (0, MLIP's loss): the fits minimise the loss plus
                                 rho sum_k d_k xi_k^2 over the moment coefficients xi_k, d_k the
                                 k-th diagonal element of the linear normal matrix (G of
                                 mtp_fit_linear, half the loss's curvature in xi_k) at the fit's
                                 first linear solve, fixed for the fit: a ridge on the
                                 equilibrated linear problem, the same penalty in every linear
                                 solve, Gauss-Newton system and loss the steps are judged by.
                                 Held-out and cross-validation losses and mtp_fit_stats stay
                                 MLIP's loss; mtp_fit_normal ignores it */
    int judge_all;            /* mtp_fit_run_cv and mtp_fit_run_holdout: 1, every held-out
                                 configuration counts in the loss that chooses the count; 0 (the
                                 default), only those inside the coverage of the configurations
                                 fitted (see mtp_fit_run_cv) */
    const struct mtp_fit_ckpt *ckpt; /* checkpoints and restart (NULL: none) */
};

/* Sets MLIP's defaults (the values in the comments above). */
void mtp_fit_opts_default(struct mtp_fit_opts *o);

/*
 * Errors of a potential on a set, exactly as MLIP's error report (`mlp calc-errors`): energy per
 * atom |dE|/N over the configurations with an energy; forces: max = max_i |dF_i| (vector norm),
 * mean = sum_i |dF_i| / (3 n), RMS = sqrt(sum_i |dF_i|^2 / (3 n)) over the n atoms with forces
 * (so RMS is per component); virial likewise with |dW|_F and 9 components per configuration.
 * loss is the loss of mtp_fit_opts on the set. Relative errors are 0 where every label is 0.
 */
struct mtp_fit_stats {
    size_t nenergy, nforce, nvirial;
    double e_max, e_mae, e_rms; /* eV/atom */
    double f_max, f_mae, f_rms; /* eV/Angstrom */
    double s_max, s_mae, s_rms; /* eV */
    double loss;
    /* the rest of MLIP's report: the energy of the configuration; relative errors max(|d|) /
     * max(|label|) and sqrt(sum |d|^2 / sum |label|^2) (vector and Frobenius norms); the virial
     * over the cell's volume (MLIP's "Stresses (in GPa)", configurations with a cell only) */
    double et_max, et_mae, et_rms; /* eV */
    double f_rel_max, f_rel_rms, s_rel_max, s_rel_rms;
    size_t npressure;
    double p_max, p_mae, p_rms, p_rel_max, p_rel_rms; /* GPa */
};

/*
 * Checks a training set against pot: every type within the potential, finite labels, an energy
 * and (when the force weight is not 0) forces in every configuration. Computes the smallest
 * interatomic distance within rcut over the set (*dmin, Angstrom; rcut when no pair is closer)
 * and refuses a set whose smallest distance lies below rmin (the Chebyshev basis would
 * extrapolate) or that has no pair within rcut. *dmin may be set even on error. CORE_EINPUT with
 * `configuration N: what` (N from 1); errors of mtp_calc.
 */
int mtp_fit_check(const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                  const struct mtp_fit_opts *o, double *dmin, struct core_err *err);

/*
 * The potential's energy (energy[nconf], eV) and forces (forces[3 sum natoms], eV/Angstrom,
 * configuration after configuration) on each configuration of the set, as mtp_fit_stats
 * compares them with the labels. Threads over configurations. Errors of mtp_calc
 * (`configuration N: what`); CORE_ENOMEM.
 */
int mtp_fit_predict(const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                    double *energy, double *forces, struct core_err *err);

/* One configuration's errors (mtp_fit_conf_errors); 0 where it has no such label. */
struct mtp_fit_conf_err {
    double de;    /* (E - E_label) / N, eV/atom, signed */
    double f_rms; /* sqrt(sum_i |dF_i|^2 / 3N), eV/Angstrom */
    double f_max; /* max_i |dF_i|, eV/Angstrom */
    double f_sq;  /* sum_i |dF_i|^2, (eV/Angstrom)^2: its part of the set's squared force error */
    double s_rms; /* |dW|_F / 3, eV (RMS over the 9 components) */
    double loss;  /* its term of the loss (mtp_fit_stats' loss is the mean of these) */
};

/*
 * The errors of pot on each configuration of the set into ce[nconf] (threads over
 * configurations), the parts that mtp_fit_stats sums: where a set's error comes from. Errors of
 * mtp_calc (`configuration N: what`); CORE_ENOMEM.
 */
int mtp_fit_conf_errors(const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                        const struct mtp_fit_opts *o, struct mtp_fit_conf_err *ce,
                        struct core_err *err);

/*
 * The smallest distance between atoms of types a and b within rcut over the set: dmin[a C + b]
 * (= dmin[b C + a], Angstrom, C = pot->nspecies; INFINITY when no such pair) in the configuration
 * where[a C + b] (from 0; SIZE_MAX when none). dmin, where: C^2 each. A set whose smallest distance
 * of a pair lies below the training set's is where the radial functions of that pair
 * extrapolate. Errors of mtp_calc (`configuration N: what`); the set must pass mtp_fit_check's
 * type checks.
 */
int mtp_fit_pair_dmin(const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                      double *dmin, size_t *where, struct core_err *err);

/* Per species pair, the configurations of a set that the training set does not cover. */
struct mtp_fit_extrap {
    size_t count;      /* configurations of the set with a pair closer than any in training */
    size_t worst;      /* the one with the closest such pair (from 0) */
    double dmin;       /* that distance, Angstrom (INFINITY when count is 0) */
    double dmin_train; /* the training set's smallest of the pair (INFINITY: none within rcut) */
    size_t below;      /* of count, those with such a pair below pot->rmin, outside the range of
                          the radial basis (training never has one: mtp_fit_check) */
};

/*
 * Compares set against train per species pair (mtp_fit_pair_dmin): ex[a C + b] (= ex[b C + a];
 * C^2 entries) counts the configurations of set with an a-b pair closer than any a-b pair of
 * train; there the radial functions extrapolate. dmin_ratio[nset] (NULL: not wanted) gets each
 * configuration's lowest, over the species pairs, of its closest distance of the pair over
 * train's closest (either taken as rcut where there is no such pair within rcut): below 1
 * exactly where the configuration counts in ex, so a test set's error is an error of the fit,
 * not of extrapolation, where it is >= 1. dmin[nset] (NULL: not wanted) gets each
 * configuration's closest pair of any species, Angstrom (rcut when none is within rcut): below
 * pot->rmin the radial basis is evaluated outside the range it was built for, where no fit
 * constrains it.
 * Errors of mtp_fit_pair_dmin; CORE_ENOMEM.
 */
int mtp_fit_extrapolation(const struct mtp_pot *pot, const struct mtp_fit_conf *train,
                          size_t ntrain, const struct mtp_fit_conf *set, size_t nset,
                          struct mtp_fit_extrap *ex, double *dmin_ratio, double *dmin,
                          struct core_err *err);

/* Loss and error statistics of pot on the set (threads over configurations). */
int mtp_fit_stats(const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                  const struct mtp_fit_opts *o, struct mtp_fit_stats *st, struct core_err *err);

/*
 * Solves exactly for species_coeffs and moment_coeffs with the radial coefficients of pot fixed:
 * the weighted linear least-squares problem of the loss, by normal equations (Cholesky, LAPACK
 * dposv) with a relative ridge of 1e-12 on the diagonal. The columns are the linear block of
 * mtp_jac_calc. With o->ridge rho > 0 it solves (G + rho diag(G)) xi = b instead, diag(G)
 * over the moment coefficients only (o->ridge, d_k taken from this G). Sets has_linear. CORE_EPHYS
 * when the system is singular or the solution is not finite (pot unchanged); CORE_ENOMEM.
 */
int mtp_fit_linear(struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                   const struct mtp_fit_opts *o, struct core_err *err);

/*
 * The Gauss-Newton system of the loss at pot over all parameters, in MLIP's order
 * [radial (nspecies^2 nrad nrb, pot->radial's layout) | species_coeffs | moment_coeffs]: with r
 * the weighted residuals (loss = r.r) and J = dr/dparameters, A = J^T J (np x np, row-major,
 * upper triangle; the lower is 0) and grad = dloss/dparameters = 2 J^T r. J is exact
 * (mtp_jac_calc). Threads over configurations; the sums run in a fixed order, so A, grad and loss
 * are the same bits for every thread count (as are mtp_fit_stats, mtp_fit_linear and mtp_fit_run).
 * A: np^2 doubles, grad: np.
 */
int mtp_fit_normal(const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                   const struct mtp_fit_opts *o, double *A, double *grad, double *loss,
                   struct core_err *err);

/*
 * Chooses a held-out part of a set of nconf configurations: nhold = round(frac nconf), at least 1
 * when frac > 0, drawn without replacement by a partial Fisher-Yates shuffle driven by
 * core_rng (seed, purpose "hold"), so the same for a given seed on any machine and thread count.
 * idx (nconf) receives the training indices in ascending order, then the held-out ones in
 * ascending order; *nhold their number. CORE_EINPUT when frac is not in [0, 0.5] or the hold-out
 * leaves no training configuration (`holding out N of M configurations leaves none to fit`).
 */
int mtp_fit_split(size_t nconf, double frac, uint64_t seed, size_t *idx, size_t *nhold,
                  struct core_err *err);

/*
 * Moves into the fitted part of a split of conf[nconf] (idx as mtp_fit_split leaves it: nconf -
 * *nhold fitted indices, then *nhold held-out ones, each ascending) the held-out configurations
 * outside the fitted part's coverage (mtp_fit_extrapolation's dmin_ratio < 1: a pair closer than
 * the fitted part holds of that species pair); *moved: how many. mtp_fit_run_holdout would judge
 * by none of them (unless judge_all), so held out they only take their short distances from the
 * fit, which then extrapolates there; fitted, they give the potential the whole set's coverage,
 * and every configuration still held out lies inside it (one pass suffices: the fitted part only
 * grows). Both parts stay ascending and *nhold shrinks by *moved. CORE_EINPUT when none would
 * stay held out (`no held-out configuration (of N) lies inside the coverage ...`, as
 * mtp_fit_run_holdout says it); errors of mtp_fit_extrapolation; CORE_ENOMEM.
 */
int mtp_fit_split_cover(const struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                        size_t *idx, size_t *nhold, size_t *moved, struct core_err *err);

/* What mtp_fit_run_holdout did. With no held-out set best_iter = niter and best_loss = 0. */
struct mtp_fit_result {
    int niter;        /* accepted Levenberg-Marquardt iterations */
    int best_iter;    /* the iteration whose coefficients were kept (0: the initial linear solve) */
    double best_loss; /* the held-out loss of the returned potential */
    double loss;      /* the training loss of the returned potential (with o->ridge's
                         penalty: the objective the fit minimised) */
    int stopped;      /* 1 when the patience ran out */
    int cv_iters;     /* mtp_fit_run_cv: the iterations the folds ran (0 otherwise) */
    size_t judged;    /* the held-out configurations the held-out or cross-validation loss
                         counts (0 without either) */
};

/* One Levenberg-Marquardt fit between two iterations. */
struct mtp_fit_lm_state {
    double *coeffs;   /* mtp_pot_nparams, mtp_fit_normal's order: radial | species | moment */
    double lambda;    /* the damping the next iteration starts from */
    double loss;      /* its training loss (with o->ridge's penalty) */
    double hold_loss; /* its held-out loss (mtp_fit_run_cv's folds; else unused) */
    int running;      /* mtp_fit_run_cv's folds: 0 once converged */
};

/*
 * The state of mtp_fit_run_holdout or mtp_fit_run_cv after an iteration: with the same sets and
 * options it continues the fit to the same bits as if it had not stopped. phase: 0, or 1 for the
 * whole-set fit of mtp_fit_run_cv; iter: the iterations done in that phase; fit: nfits (1, or the
 * folds in phase 0); best: with a held-out set, the coefficients of the best iterate so far (else
 * NULL); res: the result so far. Arrays are the caller's in a resume and the library's, valid
 * during the call only, in save.
 */
struct mtp_fit_state {
    int phase, iter;
    size_t nparams, nfits;
    double scaling;
    struct mtp_fit_lm_state *fit;
    double *best;
    struct mtp_fit_result res;
};

/*
 * Checkpoints (mtp_fit_opts.ckpt): save is called after every `every`-th iteration of a phase
 * and after the last one o->maxiter allows (of the folds: the whole-set fit of mtp_fit_run_cv
 * saves only before its count), never where the fit stops by its own rule (patience, tol,
 * convergence: a resumed fit would run past it); a non-zero return stops the fit with that
 * error. resume, when
 * not NULL, is a state save was given: the fit continues from it (CORE_EINPUT when it does not
 * fit this run: other phase, number of fits or coefficients). Not for mtp_fit_run_starts with
 * more than one start.
 */
struct mtp_fit_ckpt {
    int every;
    int (*save)(void *ctx, const struct mtp_fit_state *st, struct core_err *err);
    void *ctx;
    const struct mtp_fit_state *resume;
};

/*
 * Called after each iteration of mtp_fit_run with the training loss and the held-out loss
 * (NAN without a held-out set); returning non-zero stops the fit (no error).
 */
typedef int (*mtp_fit_progress_fn)(void *ctx, int iter, double loss, double hold_loss);

/*
 * Fits pot to the set: when pot has no radial coefficients they are initialised (f_mu = Q_mu,
 * with scaling chosen so that M_{0,0} is about 1 on the set); an exact linear solve; then
 * Levenberg-Marquardt iterations over all parameters (mtp_fit_normal; damping lambda diag(A)),
 * with an exact linear solve every linear_every iterations and at the end. Stops after maxiter
 * iterations, when an iteration lowers the loss by less than tol relative, or when no damping
 * gives a lower loss. The loss (with o->ridge's penalty) never increases. CORE_EPHYS when the loss
 * is not finite at the start or a linear solve fails (pot then keeps the last accepted
 * coefficients); errors of mtp_fit_check. progress may be NULL.
 */
int mtp_fit_run(struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                const struct mtp_fit_opts *o, mtp_fit_progress_fn progress, void *ctx,
                struct core_err *err);

/*
 * mtp_fit_run with early stopping on a held-out set hold[nhold] (not fitted; nhold 0 or hold
 * NULL: exactly mtp_fit_run). The held-out loss (mtp_fit_stats' loss) is evaluated after the
 * initial linear solve (iteration 0) and after every iteration (after its linear solve, if any);
 * unless o->judge_all it counts only the held-out configurations inside the coverage of conf
 * (mtp_fit_extrapolation's dmin_ratio >= 1; res->judged: how many; CORE_EINPUT when none is),
 * as mtp_fit_run_cv's folds do. The fit stops when that loss has not improved for o->patience
 * iterations, besides the other stops of mtp_fit_run, and pot receives the coefficients of the
 * iteration with the lowest held-out loss (no final linear solve: the potential returned is the
 * one that was measured). res may be NULL. Deterministic for any thread count. Errors of
 * mtp_fit_run, and of mtp_fit_check on hold (`held-out configuration N: what`); CORE_EINPUT for
 * patience < 1.
 */
int mtp_fit_run_holdout(struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                        const struct mtp_fit_conf *hold, size_t nhold, const struct mtp_fit_opts *o,
                        mtp_fit_progress_fn progress, void *ctx, struct mtp_fit_result *res,
                        struct core_err *err);

/*
 * Assigns each of nconf configurations to one of nfold folds (fold[i] in 0 .. nfold-1): a
 * Fisher-Yates shuffle driven by core_rng (seed, purpose "fold"), dealt round-robin, so the fold
 * sizes differ by at most one and are the same on any machine. CORE_EINPUT unless 2 <= nfold <=
 * nconf; CORE_ENOMEM.
 */
int mtp_fit_folds(size_t nconf, int nfold, uint64_t seed, int *fold, struct core_err *err);

/*
 * K-fold cross-validation of the number of iterations, then the fit of the whole set: the set
 * is split by mtp_fit_folds(nfold, seed); one fit per fold (every configuration but the fold's,
 * from the same initial coefficients as pot: mtp_fit_radial_init(seed 0, start 0) on the whole
 * set when pot has none), all stepped together; after each iteration the held-out loss of every
 * configuration by the fit that did not see it, averaged over the set (the cross-validation
 * loss). Unless o->judge_all, a held-out configuration counts only when it lies inside its fold's
 * coverage (mtp_fit_extrapolation's dmin_ratio >= 1 against the fold's fit part: no pair closer
 * than the part holds of that species pair): where the fit would extrapolate its error is
 * chance, and a few such configurations would decide the count (res->judged: how many
 * count; CORE_EINPUT when none does). The folds stop when it has not improved for o->patience
 * iterations, at o->maxiter, or
 * when every fold has converged (a fold that moves by less than o->tol stops and keeps its
 * held-out loss). Then pot is fitted on the whole set from the same start for the iteration
 * count with the lowest cross-validation loss (no final linear solve: the potential is the
 * iterate the folds were judged at). res: best_iter that count, best_loss the cross-validation
 * loss there, cv_iters the iterations the folds ran, niter the iterations of the whole-set fit
 * (best_iter unless it converged earlier), loss its training loss, stopped. progress (may be
 * NULL) sees the folds' iterations with their mean training loss and the cross-validation
 * loss, then the whole-set iterations with hold_loss NAN. Memory: nfold fits, each with
 * neighbour lists of its part. Deterministic for any thread count. CORE_EINPUT for a bad nfold
 * or patience; errors of mtp_fit_run (`cross-validation: ...` for the folds).
 */
int mtp_fit_run_cv(struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf, int nfold,
                   uint64_t seed, const struct mtp_fit_opts *o, mtp_fit_progress_fn progress,
                   void *ctx, struct mtp_fit_result *res, struct core_err *err);

/*
 * Initial radial coefficients of start number start of a multi-start fit (pot must have a basis;
 * its radial coefficients are overwritten and has_radial set): start 0 is mtp_fit_run's default
 * (f_mu = Q_mu); start >= 1 is random, MLIP's distribution scaled by 1e7 (every coefficient
 * uniform in (-5, 5), then the one at b = min(mu, nrb-1) uniform in [0, 2)), drawn from core_rng
 * (seed, purpose "init", entity start), so the same on any machine and thread count. In both the
 * scaling is chosen so that M_{0,0} is about 1 on the set (the coefficients' overall size does
 * not change the fit: the linear coefficients absorb it). Errors of mtp_calc on the set;
 * CORE_ENOMEM.
 */
int mtp_fit_radial_init(struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                        uint64_t seed, int start, struct core_err *err);

/*
 * Called by mtp_fit_run_starts before start s (res NULL) and after it (res: what it did).
 */
typedef void (*mtp_fit_start_fn)(void *ctx, int start, const struct mtp_fit_result *res);

/*
 * Multi-start fit: nstarts fits of pot, which must have no radial coefficients (a new basis), each
 * from mtp_fit_radial_init(seed, s), s = 0 .. nstarts-1, by mtp_fit_run_holdout with the same
 * held-out set; pot receives the potential of the start with the lowest held-out loss (without a
 * held-out set: the lowest training loss; ties go to the lower s). With nfold > 0 (hold must be
 * NULL) each start is mtp_fit_run_cv(nfold, seed) instead, all on the same folds, and the lowest
 * cross-validation loss chooses. res (nstarts, not NULL)
 * receives each start's result, *best the chosen s. The starts run one after another, each with
 * threads over configurations, so the result is the same bits for every thread count.
 * nstarts 1 is exactly mtp_fit_run_holdout from the default start. start and progress may be
 * NULL. CORE_EINPUT for nstarts < 1 or a potential with radial coefficients when nstarts > 1;
 * CORE_EINPUT for a held-out set with nfold > 0; errors of mtp_fit_run_holdout or mtp_fit_run_cv
 * (`start N: what` when nstarts > 1; pot unchanged).
 */
int mtp_fit_run_starts(struct mtp_pot *pot, const struct mtp_fit_conf *conf, size_t nconf,
                       const struct mtp_fit_conf *hold, size_t nhold, int nfold,
                       const struct mtp_fit_opts *o, int nstarts, uint64_t seed,
                       mtp_fit_progress_fn progress, mtp_fit_start_fn start, void *ctx,
                       struct mtp_fit_result *res, int *best, struct core_err *err);

#endif
