/*
 * scf: the self-consistent field loop (fixed occupations, spin-unpolarised).
 *
 * One step (dft_scf_iterate): V = V_loc + V_H[rho_in] + V_xc[rho_in]; the lowest bands at every
 * k-point by block Davidson (eigen.c), warm-started from the previous step, to a residual that
 * tightens with the density residual; rho_out from the occupied bands; the energy terms from
 * the wavefunctions and rho_out (so the energy is the Kohn-Sham functional of the current
 * orbitals, variational); Pulay mixing to the next rho_in (mix.c).
 *
 * Occupations: fixed (insulators): nelec = sum of ionic charges must be even, and the nelec/2
 * lowest bands hold two electrons each. Smeared (metals, occ.c): after the eigensolver, the Fermi
 * level of all k-points' eigenvalues by bisection, occupations from it, and the density from
 * those; the energy is then the Mermin free energy F = E - TS, variational in the wavefunctions
 * and the occupations. The Kerker preconditioner of the mixing (mix.c) damps the long-wavelength
 * charge sloshing that makes metals hard to converge.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "dft_impl.h"

#define SCF_RHO_SIGMA    1.0  /* bohr: width of the Gaussian atoms of the initial density */
#define SCF_RNG_PSI      3    /* core_rng purpose: initial wavefunctions */
#define SCF_WARM_TOL_EIG 1e-5 /* Ha: residual of the warm start's bands before the first step */
#define DFT_RHO_BLOCKS   16   /* most k-point blocks of the density sum (see dft_impl.h) */

void
dft_params_init(struct dft_params *p)
{
    memset(p, 0, sizeof *p);
    p->kgrid[0] = p->kgrid[1] = p->kgrid[2] = 1;
    p->time_reversal = 1;
    p->xc = XC_LDA_XC_TETER93;
    p->maxiter = 100;
    p->tol_energy = 1e-10;
    p->mix_alpha = 0.8;
    p->kerker = -1; /* automatic: 0.3 with smearing, 0.8 without */
    p->mix_history = 8;
    p->tol_eig = 1e-8;
    p->maxiter_eig = 40;
    p->seed = 1;
    p->smearing = DFT_SMEAR_NONE;
    p->tsmear = 0.01;
    p->symmetry = 0;
    p->symprec = 1e-5 / UNITS_BOHR_ANG;
}

static int
check_params(const struct dft_params *p, struct core_err *err)
{
    if (!(p->ecut > 0) || !isfinite(p->ecut) || p->ecut > 1e5)
        return core_err_set(err, CORE_EINPUT, "scf: ecut %g Ha is not in (0, 1e5]", p->ecut);
    if (!(p->tol_energy > 0) || !(p->tol_eig > 0) || !isfinite(p->tol_energy) ||
        !isfinite(p->tol_eig))
        return core_err_set(err, CORE_EINPUT, "scf: tolerances must be positive and finite");
    if (!(p->mix_alpha > 0 && p->mix_alpha <= 2))
        return core_err_set(err, CORE_EINPUT, "scf: mixing parameter %g not in (0, 2]",
                            p->mix_alpha);
    if (isnan(p->kerker) || !isfinite(p->kerker))
        return core_err_set(err, CORE_EINPUT, "scf: Kerker wave vector %g is not finite",
                            p->kerker);
    if (p->mix_history > 64)
        return core_err_set(err, CORE_EINPUT, "scf: mixing history %zu longer than 64",
                            p->mix_history);
    if (p->maxiter < 1 || p->maxiter_eig < 1)
        return core_err_set(err, CORE_EINPUT, "scf: iteration limits must be at least 1");
    if (p->smearing < DFT_SMEAR_NONE || p->smearing > DFT_SMEAR_MV)
        return core_err_set(err, CORE_EINPUT, "scf: unknown smearing %d", p->smearing);
    if (p->smearing != DFT_SMEAR_NONE && !(p->tsmear > 0 && p->tsmear <= 1))
        return core_err_set(err, CORE_EINPUT, "scf: smearing width %g Ha not in (0, 1]", p->tsmear);
    if (p->symmetry && !(p->symprec > 0 && p->symprec < 1))
        return core_err_set(err, CORE_EINPUT, "scf: symmetry tolerance %g bohr not in (0, 1)",
                            p->symprec);
    for (int j = 0; j < 3; j++)
        if (p->ngrid[j] > 4096 || (p->ngrid[j] == 0) != (p->ngrid[0] == 0))
            return core_err_set(err, CORE_EINPUT, "scf: FFT grid must be three sizes or none");
    return 0;
}

static void
recip_rows(const double a[9], double b[9], double *vol)
{
    double det = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) +
                 a[2] * (a[3] * a[7] - a[4] * a[6]);
    for (int j = 0; j < 3; j++) {
        const double *u = a + 3 * ((j + 1) % 3), *v = a + 3 * ((j + 2) % 3);
        b[3 * j + 0] = 2 * M_PI * (u[1] * v[2] - u[2] * v[1]) / det;
        b[3 * j + 1] = 2 * M_PI * (u[2] * v[0] - u[0] * v[2]) / det;
        b[3 * j + 2] = 2 * M_PI * (u[0] * v[1] - u[1] * v[0]) / det;
    }
    *vol = fabs(det);
}

static int
freq(size_t i, size_t n)
{
    return i <= n / 2 ? (int)i : (int)i - (int)n;
}

/*
 * Superposition of Gaussian atoms of charge zion (width SCF_RHO_SIGMA) for the atoms and cell of
 * geom, on the FFT grid of s (the grids of s and geom have the same sizes), into out (nfft).
 * Uses s->cbox and s->bwd.
 */
static void
atomic_density(struct dft_scf *s, const struct dft_scf *geom, double *out)
{
    const size_t *n = s->ngrid;
    double complex *box = s->cbox;
    for (size_t i0 = 0, idx = 0; i0 < n[0]; i0++)
        for (size_t i1 = 0; i1 < n[1]; i1++)
            for (size_t i2 = 0; i2 < n[2]; i2++, idx++) {
                int f[3] = {freq(i0, n[0]), freq(i1, n[1]), freq(i2, n[2])};
                double g[3];
                double complex v = 0;
                for (int k = 0; k < 3; k++)
                    g[k] = f[0] * geom->recip[k] + f[1] * geom->recip[3 + k] +
                           f[2] * geom->recip[6 + k];
                double g2 = g[0] * g[0] + g[1] * g[1] + g[2] * g[2];
                double damp = exp(-0.5 * g2 * SCF_RHO_SIGMA * SCF_RHO_SIGMA);
                for (size_t a = 0; a < geom->natoms; a++) {
                    const double *r = geom->pos + 3 * a;
                    double ph = g[0] * r[0] + g[1] * r[1] + g[2] * r[2];
                    v += geom->psp[a].zion * damp * (cos(ph) - I * sin(ph));
                }
                box[idx] = v / geom->omega;
            }
    fftw_execute_dft(s->bwd, box, box);
    for (size_t i = 0; i < s->nfft; i++)
        out[i] = creal(box[i]);
}

static void
initial_density(struct dft_scf *s)
{
    atomic_density(s, s, s->rho_in);
}

static void
initial_psi(struct dft_scf *s, struct dft_kpt *kp, size_t ik)
{
    for (size_t nb = 0; nb < s->nbands; nb++) {
        struct core_rng rng;
        core_rng_init(&rng, s->par.seed, SCF_RNG_PSI, ik, nb);
        for (size_t g = 0; g < kp->npw; g++) {
            double re = core_rng_gauss(&rng), im = core_rng_gauss(&rng);
            kp->psi[g + nb * kp->npw] = (re + I * im) / (1 + kp->kin[g]);
        }
    }
}

static int
work_alloc(struct dft_scf *s, struct core_err *err)
{
    size_t md = s->maxdim, np = s->nprojmax ? s->nprojmax : 1, pw = s->npwmax;
    s->nwork = (size_t)omp_get_max_threads();
    if (s->nwork < 1)
        s->nwork = 1;
    s->work = calloc(s->nwork, sizeof *s->work);
    if (!s->work)
        return core_err_set(err, CORE_ENOMEM, "scf: out of memory");
    for (size_t t = 0; t < s->nwork; t++) {
        struct dft_work *w = &s->work[t];
        w->box = fftw_malloc(s->nfft * sizeof *w->box);
        w->v = malloc(pw * md * sizeof *w->v);
        w->av = malloc(pw * md * sizeof *w->av);
        w->w = malloc(pw * md * sizeof *w->w);
        w->hs = malloc(md * md * sizeof *w->hs);
        w->ys = malloc(md * md * sizeof *w->ys);
        w->c = malloc(md * md * sizeof *w->c);
        w->pc = malloc(np * md * sizeof *w->pc);
        w->pc2 = malloc(np * md * sizeof *w->pc2);
        w->theta = malloc(md * sizeof *w->theta);
        w->rn = malloc(md * sizeof *w->rn);
        w->tcut = malloc(md * sizeof *w->tcut);
        w->proj = malloc(pw * np * sizeof *w->proj);
        w->proj_kp = NULL;
        w->sfac = malloc((s->ngrid[0] + s->ngrid[1] + s->ngrid[2]) * sizeof *w->sfac);
        if (!w->box || !w->v || !w->av || !w->w || !w->hs || !w->ys || !w->c || !w->pc || !w->pc2 ||
            !w->theta || !w->rn || !w->tcut || !w->proj || !w->sfac)
            return core_err_set(err, CORE_ENOMEM, "scf: out of memory");
    }
    return 0;
}

void
dft_scf_free(struct dft_scf *s)
{
    if (!s)
        return;
    dft_basis_release(s);
    free(s->kp);
    if (s->work)
        for (size_t t = 0; t < s->nwork; t++) {
            struct dft_work *w = &s->work[t];
            fftw_free(w->box);
            free(w->v);
            free(w->av);
            free(w->w);
            free(w->hs);
            free(w->ys);
            free(w->c);
            free(w->pc);
            free(w->pc2);
            free(w->theta);
            free(w->rn);
            free(w->tcut);
            free(w->proj);
            free(w->sfac);
        }
    free(s->work);
    if (s->fwd)
        fftw_destroy_plan(s->fwd);
    if (s->bwd)
        fftw_destroy_plan(s->bwd);
    fftw_free(s->cbox);
    fftw_free(s->sbox);
    dft_symm_release(&s->sym);
    dft_xc_release(s);
    dft_ham_unplan(s);
    free(s->ws_drho);
    free(s->ws_geom);
    s->ws_drho = s->ws_geom = NULL;
    dft_mix_free(s);
    free(s->vloc);
    free(s->vtot);
    free(s->rho_in);
    free(s->rho_out);
    free(s->tmp1);
    free(s->tmp2);
    free(s->tmp3);
    free(s->rhoblk);
    free(s->nl_dmat);
    free(s->pos);
    free(s->psp);
    free(s->kpts);
    free(s->wts);
    free(s->eigall);
    free(s->occall);
    free(s);
}

/* 1 when two potentials are the same (field by field: padding and the bytes after the names
 * may differ). */
static int
psp_same(const struct dft_psp *a, const struct dft_psp *b)
{
    if (a->z != b->z || strcmp(a->name, b->name) != 0 || a->zion != b->zion || a->rloc != b->rloc ||
        a->nloc != b->nloc || a->nchan != b->nchan)
        return 0;
    for (int i = 0; i < DFT_PSP_NLOC; i++)
        if (a->cloc[i] != b->cloc[i])
            return 0;
    for (int l = 0; l <= DFT_PSP_LMAX; l++) {
        if (a->rl[l] != b->rl[l] || a->nproj[l] != b->nproj[l])
            return 0;
        for (int i = 0; i < DFT_PSP_NPROJ; i++)
            for (int j = 0; j < DFT_PSP_NPROJ; j++)
                if (a->h[l][i][j] != b->h[l][i][j])
                    return 0;
    }
    return 1;
}

/* The space group of the atoms of s, alike when their pseudopotentials are the same. */
static int
find_symmetry(struct dft_scf *s, struct core_err *err)
{
    int *types = malloc(s->natoms * sizeof *types), rc;
    if (!types)
        return core_err_set(err, CORE_ENOMEM, "scf: out of memory");
    for (size_t a = 0; a < s->natoms; a++) {
        types[a] = (int)a;
        for (size_t b = 0; b < a; b++)
            if (psp_same(&s->psp[a], &s->psp[b])) {
                types[a] = types[b];
                break;
            }
    }
    rc = dft_symm_find(s->cell, s->natoms, s->pos, types, s->par.symprec, &s->sym, err);
    free(types);
    return rc;
}

int
dft_scf_alloc(const double cell[9], size_t natoms, const double *pos,
              const struct dft_psp *const *psp, const struct dft_params *par, struct dft_scf **out,
              struct core_err *err)
{
    struct dft_scf *s;
    double *kpts = NULL, *wts = NULL;
    int rc;
    *out = NULL;
    if ((rc = check_params(par, err)) != 0)
        return rc;
    if (natoms < 1)
        return core_err_set(err, CORE_EINPUT, "scf: no atoms");
    for (int i = 0; i < 9; i++)
        if (!isfinite(cell[i]))
            return core_err_set(err, CORE_EINPUT, "scf: cell is not finite");
    for (size_t a = 0; a < natoms; a++) {
        for (int k = 0; k < 3; k++)
            if (!isfinite(pos[3 * a + k]))
                return core_err_set(err, CORE_EINPUT, "scf: atom %zu: position is not finite",
                                    a + 1);
        if ((rc = dft_psp_check(psp[a], err)) != 0)
            return rc;
    }
    s = calloc(1, sizeof *s);
    if (!s)
        return core_err_set(err, CORE_ENOMEM, "scf: out of memory");
    s->par = *par;
    memcpy(s->cell, cell, sizeof s->cell);
    recip_rows(cell, s->recip, &s->omega);
    if (!(s->omega > 1e-6) || !isfinite(s->omega)) {
        rc = core_err_set(err, CORE_EINPUT, "scf: singular cell (volume %g bohr^3)", s->omega);
        goto fail;
    }
    s->natoms = natoms;
    s->pos = malloc(3 * natoms * sizeof *s->pos);
    s->psp = malloc(natoms * sizeof *s->psp);
    if (!s->pos || !s->psp) {
        rc = core_err_set(err, CORE_ENOMEM, "scf: out of memory");
        goto fail;
    }
    memcpy(s->pos, pos, 3 * natoms * sizeof *s->pos);
    for (size_t a = 0; a < natoms; a++) {
        s->psp[a] = *psp[a];
        s->nelec += psp[a]->zion;
    }
    if (par->smearing == DFT_SMEAR_NONE) {
        double ne = round(s->nelec);
        if (fabs(s->nelec - ne) > 1e-9 || fmod(ne, 2) != 0) {
            rc = core_err_set(err, CORE_EINPUT,
                              "scf: %g valence electrons: fixed occupations need an even number "
                              "(use smearing)",
                              s->nelec);
            goto fail;
        }
        s->nocc = (size_t)(ne / 2);
        s->nbands = par->nbands ? par->nbands : s->nocc;
        if (s->nbands < s->nocc) {
            rc = core_err_set(err, CORE_EINPUT, "scf: %zu bands for %zu occupied", s->nbands,
                              s->nocc);
            goto fail;
        }
    } else {
        /* Quantum ESPRESSO's default for metals: 20% or 4 empty bands, whichever is more */
        double half = 0.5 * s->nelec, nb = fmax(1.2 * half, half + 4);
        s->nbands = par->nbands ? par->nbands : (size_t)ceil(nb - 1e-9);
        if (!(2.0 * (double)s->nbands > s->nelec)) {
            rc = core_err_set(err, CORE_EINPUT,
                              "scf: %zu bands hold %zu electrons: smearing needs more than the "
                              "%g valence electrons",
                              s->nbands, 2 * s->nbands, s->nelec);
            goto fail;
        }
        s->nocc = s->nbands;
    }
    s->maxdim = 4 * s->nbands;

    if (par->symmetry && (rc = find_symmetry(s, err)) != 0)
        goto fail;
    if ((rc = dft_kmesh_reduce(par->kgrid, par->kshift, par->time_reversal, &s->sym, &kpts, &wts,
                               &s->nkpts, err)) != 0)
        goto fail;
    s->kp = calloc(s->nkpts, sizeof *s->kp);
    if (!s->kp) {
        rc = core_err_set(err, CORE_ENOMEM, "scf: out of memory");
        goto fail;
    }
    for (size_t ik = 0; ik < s->nkpts; ik++) {
        memcpy(s->kp[ik].k, kpts + 3 * ik, sizeof s->kp[ik].k);
        s->kp[ik].weight = wts[ik];
    }
    s->kpts = kpts;
    s->wts = wts;
    kpts = wts = NULL;

    if (par->ngrid[0])
        memcpy(s->ngrid, par->ngrid, sizeof s->ngrid);
    else
        dft_fft_grid(cell, par->ecut, s->ngrid);
    s->nfft = s->ngrid[0] * s->ngrid[1] * s->ngrid[2];
    s->cbox = fftw_malloc(s->nfft * sizeof *s->cbox);
    if (s->sym.nops > 1)
        s->sbox = fftw_malloc(s->nfft * sizeof *s->sbox);
    if (!s->cbox || (s->sym.nops > 1 && !s->sbox)) {
        rc = core_err_set(err, CORE_ENOMEM, "scf: out of memory");
        goto fail;
    }
    s->fwd = fftw_plan_dft_3d((int)s->ngrid[0], (int)s->ngrid[1], (int)s->ngrid[2], s->cbox,
                              s->cbox, FFTW_FORWARD, FFTW_ESTIMATE);
    s->bwd = fftw_plan_dft_3d((int)s->ngrid[0], (int)s->ngrid[1], (int)s->ngrid[2], s->cbox,
                              s->cbox, FFTW_BACKWARD, FFTW_ESTIMATE);
    if (!s->fwd || !s->bwd) {
        rc = core_err_set(err, CORE_EINTERNAL, "scf: FFTW could not plan a %zux%zux%zu grid",
                          s->ngrid[0], s->ngrid[1], s->ngrid[2]);
        goto fail;
    }
    if ((rc = dft_basis_build(s, err)) != 0)
        goto fail;
    if ((rc = dft_xc_init(s, err)) != 0)
        goto fail;
    size_t n = s->nfft;
    s->vloc = malloc(n * sizeof(double));
    s->vtot = malloc(n * sizeof(double));
    s->rho_in = malloc(n * sizeof(double));
    s->rho_out = malloc(n * sizeof(double));
    s->tmp1 = malloc(n * sizeof(double));
    s->tmp2 = malloc(n * sizeof(double));
    s->tmp3 = malloc(n * sizeof(double));
    s->nrhoblk = s->nkpts < DFT_RHO_BLOCKS ? s->nkpts : DFT_RHO_BLOCKS;
    s->rhoblk = malloc(n * (s->nrhoblk ? s->nrhoblk : 1) * sizeof(double));
    if (!s->vloc || !s->vtot || !s->rho_in || !s->rho_out || !s->tmp1 || !s->tmp2 || !s->tmp3 ||
        !s->rhoblk) {
        rc = core_err_set(err, CORE_ENOMEM, "scf: out of memory");
        goto fail;
    }
    if ((rc = dft_nonlocal_build(s, err)) != 0)
        goto fail;
    if ((rc = work_alloc(s, err)) != 0)
        goto fail;
    if ((rc = dft_ham_plan(s, err)) != 0 || (rc = dft_mix_alloc(s, err)) != 0)
        goto fail;
    for (size_t ik = 0; ik < s->nkpts; ik++) {
        struct dft_kpt *kp = &s->kp[ik];
        kp->psi = malloc(kp->npw * s->nbands * sizeof *kp->psi);
        kp->eig = calloc(s->nbands, sizeof *kp->eig);
        kp->occ = calloc(s->nbands, sizeof *kp->occ);
        kp->enl = calloc(s->nbands, sizeof *kp->enl);
        if (!kp->psi || !kp->eig || !kp->occ || !kp->enl) {
            rc = core_err_set(err, CORE_ENOMEM, "scf: out of memory");
            goto fail;
        }
        /* fixed occupations; smeared ones start flat (the first step replaces them) */
        for (size_t nb = 0; nb < s->nocc; nb++)
            kp->occ[nb] = par->smearing == DFT_SMEAR_NONE ? 2 : s->nelec / (double)s->nbands;
        initial_psi(s, kp, ik);
    }
    s->eigall = malloc(s->nkpts * s->nbands * sizeof *s->eigall);
    s->occall = malloc(s->nkpts * s->nbands * sizeof *s->occall);
    if (!s->eigall || !s->occall) {
        rc = core_err_set(err, CORE_ENOMEM, "scf: out of memory");
        goto fail;
    }
    dft_local_build(s);
    initial_density(s);
    dft_symm_rho(s, s->rho_in);
    {
        double *charge = malloc(natoms * sizeof *charge);
        if (!charge) {
            rc = core_err_set(err, CORE_ENOMEM, "scf: out of memory");
            goto fail;
        }
        for (size_t a = 0; a < natoms; a++)
            charge[a] = s->psp[a].zion;
        rc = dft_ewald_energy(cell, natoms, pos, charge, 0, &s->en.ewald, NULL, err);
        free(charge);
        if (rc)
            goto fail;
    }
    s->e_prev = NAN;
    s->de = NAN;
    s->resid = NAN;
    s->est = NAN;
    *out = s;
    return 0;
fail:
    free(kpts);
    free(wts);
    dft_scf_free(s);
    return rc;
}

/* Energy terms of the current wavefunctions with density rho (ewald kept). */
static void
energies(struct dft_scf *s, const double *rho, struct dft_energies *e)
{
    double alpha = 0;
    for (size_t a = 0; a < s->natoms; a++)
        alpha += dft_psp_vloc_alpha(&s->psp[a]);
    e->kinetic = dft_kinetic_energy(s);
    e->nonlocal = dft_nonlocal_energy(s);
    e->psp_core = s->nelec * alpha / s->omega;
    e->local = dft_local_energy(s, rho);
    e->hartree = dft_hartree_apply(s, rho, NULL);
    e->xc = dft_xc_apply(s, rho, NULL, s->tmp3);
    e->ewald = s->en.ewald;
    e->internal = e->kinetic + e->local + e->psp_core + e->nonlocal + e->hartree + e->xc + e->ewald;
    e->entropy = s->mts;
    e->total = e->internal + e->entropy;
    e->extrapolated = s->par.smearing == DFT_SMEAR_FD || s->par.smearing == DFT_SMEAR_GAUSS
                          ? e->internal + 0.5 * e->entropy
                          : e->total;
    e->band = 0;
    for (size_t ik = 0; ik < s->nkpts; ik++)
        for (size_t nb = 0; nb < s->nocc; nb++)
            e->band += s->kp[ik].weight * s->kp[ik].occ[nb] * s->kp[ik].eig[nb];
    e->fermi = s->fermi;
}

/* Occupations of the current eigenvalues: the Fermi level and -TS (smearing), or the highest
 * occupied eigenvalue (fixed occupations). */
static int
occupy(struct dft_scf *s, struct core_err *err)
{
    size_t nb = s->nbands;
    int rc;
    if (s->par.smearing == DFT_SMEAR_NONE) {
        s->fermi = -INFINITY;
        for (size_t ik = 0; ik < s->nkpts; ik++)
            s->fermi = fmax(s->fermi, s->kp[ik].eig[s->nocc - 1]);
        s->mts = 0;
        return 0;
    }
    for (size_t ik = 0; ik < s->nkpts; ik++)
        memcpy(s->eigall + ik * nb, s->kp[ik].eig, nb * sizeof *s->eigall);
    if ((rc = dft_occ_fermi((enum dft_smearing)s->par.smearing, s->par.tsmear, s->nelec, s->nkpts,
                            nb, s->wts, s->eigall, s->occall, &s->fermi, &s->mts, err)) != 0)
        return rc;
    for (size_t ik = 0; ik < s->nkpts; ik++)
        memcpy(s->kp[ik].occ, s->occall + ik * nb, nb * sizeof *s->occall);
    return 0;
}

/* The density of the current bands and occupations into rho (nfft), summed in the fixed
 * blocks of dft_impl.h. */
static void
sum_density(struct dft_scf *s, double *rho)
{
    long nblk = (long)s->nrhoblk;
    size_t n = s->nfft, nk = s->nkpts;
#pragma omp parallel for schedule(dynamic)
    for (long b = 0; b < nblk; b++) {
        double *rb = s->rhoblk + (size_t)b * n;
        memset(rb, 0, n * sizeof *rb);
        for (size_t ik = (size_t)b * nk / (size_t)nblk; ik < (size_t)(b + 1) * nk / (size_t)nblk;
             ik++)
            dft_ham_density(s, &s->kp[ik], &s->work[omp_get_thread_num()], s->kp[ik].weight, rb);
    }
    memset(rho, 0, n * sizeof *rho);
    for (long b = 0; b < nblk; b++)
        for (size_t i = 0; i < n; i++)
            rho[i] += s->rhoblk[(size_t)b * n + i];
}

int
dft_scf_iterate(struct dft_scf *s, struct core_err *err)
{
    size_t n = s->nfft;
    int rc = 0;
    /* Hamiltonian of rho_in */
    dft_hartree_apply(s, s->rho_in, s->vtot);
    for (size_t i = 0; i < n; i++)
        s->vtot[i] += s->vloc[i];
    dft_xc_apply(s, s->rho_in, s->vtot, s->tmp3);

    /* the bands to a residual that follows the density's estimated error: an eigenvalue error
     * of about tol^2 = 0.1 est/nelec, Quantum ESPRESSO's diago_thr_init rule (ethr), capped
     * at 1e-2 for the first steps */
    double tol = s->niter == 0 ? 1e-2 : sqrt(0.1 * s->est / fmax(s->nelec, 1));
    if (!(tol <= 1e-2))
        tol = 1e-2;
    if (tol < s->par.tol_eig)
        tol = s->par.tol_eig;
    long nk = (long)s->nkpts;
#pragma omp parallel for schedule(dynamic) reduction(| : rc)
    for (long ik = 0; ik < nk; ik++) {
        struct dft_work *w = &s->work[omp_get_thread_num()];
        struct dft_kpt *kp = &s->kp[ik];
        int r = dft_eigen_solve(s, kp, w, tol, s->par.maxiter_eig);
        if (r == 0)
            dft_nonlocal_bands(s, kp, w);
        rc |= r;
    }
    if (rc)
        return core_err_set(err, CORE_EINTERNAL, "scf: eigensolver failed (LAPACK)");
    if ((rc = occupy(s, err)) != 0)
        return rc;
    /* the occupations (smearing) need every k-point's eigenvalues: the density in a second
     * pass */
    sum_density(s, s->rho_out);
    dft_symm_rho(s, s->rho_out); /* the reduced k-points: average over the full group */
    energies(s, s->rho_out, &s->en);
    s->de = s->en.total - s->e_prev;
    s->e_prev = s->en.total;
    {
        double r2 = 0;
        for (size_t i = 0; i < n; i++) {
            double d = s->rho_out[i] - s->rho_in[i];
            r2 += d * d;
        }
        s->resid = sqrt(r2 * s->omega / (double)n);
        for (size_t i = 0; i < n; i++)
            s->tmp1[i] = s->rho_out[i] - s->rho_in[i];
        s->est = dft_hartree_apply(s, s->tmp1, NULL);
    }
    s->niter++;
    return dft_mix_step(s, err);
}

int
dft_scf_converged(const struct dft_scf *s)
{
    return s->niter >= 2 && fabs(s->de) < s->par.tol_energy && s->est < s->par.tol_energy;
}

void
dft_scf_energies(const struct dft_scf *s, struct dft_energies *e)
{
    *e = s->en;
}

size_t
dft_scf_niter(const struct dft_scf *s)
{
    return s->niter;
}

double
dft_scf_delta_energy(const struct dft_scf *s)
{
    return s->de;
}

double
dft_scf_residual(const struct dft_scf *s)
{
    return s->resid;
}

double
dft_scf_est_error(const struct dft_scf *s)
{
    return s->est;
}

size_t
dft_scf_nkpts(const struct dft_scf *s)
{
    return s->nkpts;
}

const double *
dft_scf_kpts(const struct dft_scf *s)
{
    return s->kpts;
}

const double *
dft_scf_weights(const struct dft_scf *s)
{
    return s->wts;
}

size_t
dft_scf_nbands(const struct dft_scf *s)
{
    return s->nbands;
}

const double *
dft_scf_eigenvalues(const struct dft_scf *s, size_t ik)
{
    return ik < s->nkpts ? s->kp[ik].eig : NULL;
}

const double *
dft_scf_occupations(const struct dft_scf *s, size_t ik)
{
    return ik < s->nkpts ? s->kp[ik].occ : NULL;
}

size_t
dft_scf_npw(const struct dft_scf *s, size_t ik)
{
    return ik < s->nkpts ? s->kp[ik].npw : 0;
}

void
dft_scf_grid(const struct dft_scf *s, size_t ngrid[3])
{
    memcpy(ngrid, s->ngrid, 3 * sizeof *ngrid);
}

const double complex *
dft_scf_psi(const struct dft_scf *s, size_t ik)
{
    return ik < s->nkpts ? s->kp[ik].psi : NULL;
}

const struct dft_symm *
dft_scf_symm(const struct dft_scf *s)
{
    return &s->sym;
}

int
dft_scf_energy_of(struct dft_scf *s, size_t ik, const double complex *psi, double *energy,
                  struct core_err *err)
{
    if (ik >= s->nkpts)
        return core_err_set(err, CORE_EINPUT, "scf: no k-point %zu", ik + 1);
    struct dft_kpt *kp = &s->kp[ik];
    struct dft_work *w = &s->work[0];
    size_t npw = kp->npw, nb = s->nbands, nkept;
    double complex *trial = malloc(npw * nb * sizeof *trial), *save = kp->psi;
    struct dft_energies e;
    if (!trial)
        return core_err_set(err, CORE_ENOMEM, "scf: out of memory");
    memcpy(trial, psi, npw * nb * sizeof *trial);
    if (dft_orthonormalize(npw, nb, trial, w->c, w->w, w->theta, &nkept) != 0 || nkept < nb) {
        free(trial);
        return core_err_set(err, CORE_EINPUT, "scf: trial wavefunctions are linearly dependent");
    }
    kp->psi = trial;
    dft_nonlocal_bands(s, kp, w);
    sum_density(s, s->rho_out);
    dft_symm_rho(s, s->rho_out);
    e.ewald = s->en.ewald;
    {
        struct dft_energies keep = s->en;
        energies(s, s->rho_out, &e);
        s->en = keep;
    }
    *energy = e.total;
    kp->psi = save;
    dft_nonlocal_bands(s, kp, w);
    free(trial);
    return 0;
}

/* Miller indices of index idx of an FFT box of sizes n. */
static void
box_miller(size_t idx, const size_t n[3], int f[3])
{
    f[2] = freq(idx % n[2], n[2]);
    f[1] = freq(idx / n[2] % n[1], n[1]);
    f[0] = freq(idx / (n[1] * n[2]), n[0]);
}

/* Index of Miller indices f in an FFT box of sizes n; SIZE_MAX when f does not fit strictly
 * inside (the Nyquist plane of an even size is left out: its sign is ambiguous). */
static size_t
box_index(const int f[3], const size_t n[3])
{
    size_t i[3];
    for (int k = 0; k < 3; k++) {
        if (2 * (size_t)abs(f[k]) >= n[k])
            return SIZE_MAX;
        i[k] = f[k] >= 0 ? (size_t)f[k] : n[k] - (size_t)(-f[k]);
    }
    return (i[0] * n[1] + i[1]) * n[2] + i[2];
}

/* A field f on the grid of prev onto the grid of s, through the Fourier coefficients of the
 * same Miller indices: exact where both grids hold them, the rest dropped or zero. Into out. */
static int
density_transfer(struct dft_scf *s, const struct dft_scf *prev, const double *f, double *out,
                 struct core_err *err)
{
    double complex *pb = fftw_malloc(prev->nfft * sizeof *pb);
    if (!pb)
        return core_err_set(err, CORE_ENOMEM, "scf: out of memory");
    for (size_t i = 0; i < prev->nfft; i++)
        pb[i] = f[i];
    fftw_execute_dft(prev->fwd, pb, pb);
    memset(s->cbox, 0, s->nfft * sizeof *s->cbox);
    for (size_t i = 0; i < prev->nfft; i++) {
        int m[3];
        box_miller(i, prev->ngrid, m);
        size_t j = box_index(m, s->ngrid);
        if (j != SIZE_MAX && box_index(m, prev->ngrid) != SIZE_MAX)
            s->cbox[j] = pb[i] / (double)prev->nfft;
    }
    fftw_free(pb);
    fftw_execute_dft(s->bwd, s->cbox, s->cbox);
    for (size_t i = 0; i < s->nfft; i++)
        out[i] = creal(s->cbox[i]);
    return 0;
}

/* Wavefunctions of prev at the same k-points, coefficient by coefficient of the same Miller
 * indices; plane waves that prev lacks keep a small part of the random start. */
static int
psi_transfer(struct dft_scf *s, const struct dft_scf *prev, struct core_err *err)
{
    size_t *map = malloc(prev->nfft * sizeof *map);
    if (!map)
        return core_err_set(err, CORE_ENOMEM, "scf: out of memory");
    for (size_t ik = 0; ik < s->nkpts; ik++) {
        struct dft_kpt *a = &s->kp[ik];
        const struct dft_kpt *b = &prev->kp[ik];
        for (size_t i = 0; i < prev->nfft; i++)
            map[i] = SIZE_MAX;
        for (size_t g = 0; g < b->npw; g++)
            map[b->ifft[g]] = g;
        for (size_t g = 0; g < a->npw; g++) {
            int f[3];
            box_miller(a->ifft[g], s->ngrid, f);
            size_t j = box_index(f, prev->ngrid);
            j = j == SIZE_MAX ? SIZE_MAX : map[j];
            for (size_t nb = 0; nb < s->nbands; nb++)
                a->psi[g + nb * a->npw] =
                    j == SIZE_MAX ? 1e-4 * a->psi[g + nb * a->npw] : b->psi[j + nb * b->npw];
        }
    }
    free(map);
    return 0;
}

/* Geometry of g as one vector (cell rows, then positions; bohr), 9 + 3 natoms numbers. */
static void
geom_vector(const struct dft_scf *g, double *v)
{
    memcpy(v, g->cell, 9 * sizeof *v);
    memcpy(v + 9, g->pos, 3 * g->natoms * sizeof *v);
}

/*
 * The step of the extrapolation of the density to s: with the geometries x0 (two frames back),
 * x1 (prev) and x2 (s), the alpha that makes x1 + alpha (x1 - x0) closest to x2 (least
 * squares; atoms compared by minimum image in s's cell), clamped to [-1, 1]. 1 for a uniform
 * strain or a steady trajectory (linear extrapolation), about -1/2 for independent
 * displacements about one structure (the mean of the last two), 0 for nothing in common.
 * After the extrapolation of the wavefunctions and densities of T. A. Arias, M. C. Payne and
 * J. D. Joannopoulos, Phys. Rev. B 45, 1538 (1992), doi:10.1103/PhysRevB.45.1538, as Quantum
 * ESPRESSO's pot_extrapolation = 'second_order' does it.
 */
static double
extrap_alpha(const struct dft_scf *s, const double *x0, const struct dft_scf *prev)
{
    double d11 = 0, d21 = 0;
    for (int i = 0; i < 9; i++) {
        double a = prev->cell[i] - x0[i], b = s->cell[i] - prev->cell[i];
        d11 += a * a;
        d21 += b * a;
    }
    for (size_t at = 0; at < s->natoms; at++) {
        double pa[3], pb[3]; /* the atom's two displacements, each by minimum image */
        for (int k = 0; k < 3; k++) {
            pa[k] = prev->pos[3 * at + k] - x0[9 + 3 * at + k];
            pb[k] = s->pos[3 * at + k] - prev->pos[3 * at + k];
        }
        for (int j = 0; j < 3; j++) {
            double fa = 0, fb = 0;
            for (int k = 0; k < 3; k++) {
                fa += pa[k] * s->recip[3 * j + k] / (2 * M_PI);
                fb += pb[k] * s->recip[3 * j + k] / (2 * M_PI);
            }
            fa = round(fa);
            fb = round(fb);
            for (int k = 0; k < 3; k++) {
                pa[k] -= fa * s->cell[3 * j + k];
                pb[k] -= fb * s->cell[3 * j + k];
            }
        }
        for (int k = 0; k < 3; k++) {
            d11 += pa[k] * pa[k];
            d21 += pb[k] * pa[k];
        }
    }
    if (!(d11 > 1e-20))
        return 0;
    return fmax(-1, fmin(1, d21 / d11));
}

/* The eigenvectors of the warm start made consistent with the potential of its density before
 * the SCF begins, so that its first step (whose loose tolerance suits a random start) builds
 * the output density from converged bands instead of from the previous frame's; at most
 * maxiter Davidson iterations. */
static int
prediagonalize(struct dft_scf *s, size_t maxiter, struct core_err *err)
{
    int rc = 0;
    dft_hartree_apply(s, s->rho_in, s->vtot);
    for (size_t i = 0; i < s->nfft; i++)
        s->vtot[i] += s->vloc[i];
    dft_xc_apply(s, s->rho_in, s->vtot, s->tmp3);
    double tol = fmax(SCF_WARM_TOL_EIG, s->par.tol_eig);
    long nk = (long)s->nkpts;
#pragma omp parallel for schedule(dynamic) reduction(| : rc)
    for (long ik = 0; ik < nk; ik++)
        rc |= dft_eigen_solve(s, &s->kp[ik], &s->work[omp_get_thread_num()], tol, maxiter);
    if (rc)
        return core_err_set(err, CORE_EINTERNAL, "scf: eigensolver failed (LAPACK)");
    return 0;
}

int
dft_scf_restart(struct dft_scf *s, const struct dft_scf *prev, int *what, struct core_err *err)
{
    int rc, same_atoms, same_grid = memcmp(s->ngrid, prev->ngrid, sizeof s->ngrid) == 0;
    double alpha = 0;
    *what = 0;
    if (s->niter > 0)
        return core_err_set(err, CORE_EINPUT, "scf: restart after the SCF has begun");
    if (prev->niter == 0)
        return 0;
    same_atoms = s->natoms == prev->natoms && fabs(s->nelec - prev->nelec) < 1e-9;
    for (size_t a = 0; same_atoms && a < s->natoms; a++)
        same_atoms = s->psp[a].z == prev->psp[a].z && s->psp[a].zion == prev->psp[a].zion;
    if (same_atoms) {
        /* the density as atoms plus a difference d = (rho - atoms) Omega, electrons per cell
         * on the fractional grid (so a strained cell carries it along): d of prev, extrapolated
         * with the d of the frame before it when there is one, plus the atoms of s,
         * renormalised to nelec */
        double *d = malloc(s->nfft * sizeof *d), *at = s->tmp2, *rho = s->rho_in, q = 0;
        free(s->ws_drho);
        free(s->ws_geom);
        s->ws_drho = d;
        s->ws_geom = malloc((9 + 3 * s->natoms) * sizeof *s->ws_geom);
        if (!d || !s->ws_geom)
            return core_err_set(err, CORE_ENOMEM, "scf: out of memory");
        if (same_grid)
            memcpy(d, prev->rho_out, s->nfft * sizeof *d);
        else if ((rc = density_transfer(s, prev, prev->rho_out, d, err)) != 0)
            return rc;
        atomic_density(s, prev, at);
        for (size_t i = 0; i < s->nfft; i++)
            d[i] = (d[i] - at[i]) * prev->omega;
        geom_vector(prev, s->ws_geom);
        alpha = prev->ws_drho && same_grid ? extrap_alpha(s, prev->ws_geom, prev) : 0;
        atomic_density(s, s, rho);
        for (size_t i = 0; i < s->nfft; i++)
            rho[i] += (d[i] + (alpha != 0 ? alpha * (d[i] - prev->ws_drho[i]) : 0)) / s->omega;
        dft_symm_rho(s, rho); /* prev may have had less symmetry */
        for (size_t i = 0; i < s->nfft; i++)
            q += rho[i];
        q *= s->omega / (double)s->nfft;
        if (q > 0)
            for (size_t i = 0; i < s->nfft; i++)
                rho[i] *= s->nelec / q;
        *what |= DFT_RESTART_DENSITY;
    }
    if (s->nkpts == prev->nkpts && s->nbands == prev->nbands &&
        memcmp(s->kpts, prev->kpts, 3 * s->nkpts * sizeof *s->kpts) == 0) {
        if ((rc = psi_transfer(s, prev, err)) != 0)
            return rc;
        *what |= DFT_RESTART_PSI;
        /* the bands made to fit the new density first: fully when it was extrapolated (a
         * stream of related frames: the density is close), by two Davidson iterations after a
         * single step (a rougher density, where converging the bands to it does not pay;
         * measured on strained silicon, see tests/bench/dft-scf.sh) */
        if ((*what & DFT_RESTART_DENSITY) &&
            (rc = prediagonalize(s, alpha != 0 ? s->par.maxiter_eig : 2, err)) != 0)
            return rc;
    }
    return 0;
}
