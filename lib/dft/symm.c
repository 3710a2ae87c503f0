/*
 * symm: crystal symmetry through spglib, k-point reduction and symmetrisation of the density.
 *
 * Conventions. An operation {R|t} maps fractional (reduced) coordinates x of the direct lattice
 * (rows a_i of the cell) to x' = R x + t, R an integer 3x3 matrix, t a fraction of the cell, as
 * spglib returns them (A. Togo, K. Shinohara, I. Tanaka, "Spglib: a software library for crystal
 * symmetry search", arXiv:1808.01590). A lattice-periodic f(x) = sum_G f(G) exp(2 pi i G.x), G
 * integer Miller indices, is invariant when f(R x + t) = f(x) for every operation; f(R x + t) has
 * the coefficient f(G) exp(2 pi i G.t) at G' = R^T G. So the group average is
 *   f_sym(G') = (1/N_op) sum_op f(G) exp(2 pi i G.t),  G = R^{-T} G',
 * accumulated here by scattering every G of the box to R^T G.
 *
 * Wave vectors in reduced coordinates of the reciprocal lattice transform as k -> R^{-T} k (the
 * phase k.x is invariant); over the whole group the star of k is {R^T k}, and time reversal adds
 * {-R^T k}.
 *
 * k-point reduction follows ABINIT's symkpt: each point of the Monkhorst-Pack mesh, in ABINIT's
 * order (k_1 fastest), joins the first earlier irreducible point of whose star it is a member (up
 * to a reciprocal lattice vector), with that point's weight growing by one mesh point; otherwise
 * it becomes irreducible. A mesh that some operation does not map onto itself (the shifted 4x4x4
 * mesh of fcc silicon) is reduced by the full group all the same, which is exact because the
 * density is then averaged over the full group: with a symmetric potential the density of k' =
 * R^{-T} k is the density of k moved by {R|t}, so the group average of the reduced sum equals the
 * group average of the sum over the whole mesh, which is the density ABINIT computes (and both
 * differ from the plain, unsymmetrised sum over such a mesh by a few 1e-5 Ha in silicon).
 */
#include <math.h>
#include <spglib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dft_impl.h"

void
dft_symm_init(struct dft_symm *sym)
{
    memset(sym, 0, sizeof *sym);
}

void
dft_symm_release(struct dft_symm *sym)
{
    free(sym->rot);
    free(sym->trans);
    dft_symm_init(sym);
}

int
dft_symm_find(const double cell[9], size_t natoms, const double *pos, const int *types,
              double symprec, struct dft_symm *sym, struct core_err *err)
{
    double lat[3][3], inv[9], (*frac)[3] = NULL;
    int *typ = NULL, rc = 0;
    SpglibDataset *ds = NULL;

    dft_symm_release(sym);
    if (!(symprec > 0 && symprec < 1))
        return core_err_set(err, CORE_EINPUT, "symmetry: tolerance %g bohr not in (0, 1)", symprec);
    if (natoms < 1 || natoms > 100000)
        return core_err_set(err, CORE_EINPUT, "symmetry: %zu atoms (1 to 100000)", natoms);
    for (int i = 0; i < 9; i++)
        if (!isfinite(cell[i]))
            return core_err_set(err, CORE_EINPUT, "symmetry: cell is not finite");
    if ((rc = core_cell_inverse(cell, inv, err)) != 0)
        return core_err_set(err, CORE_EINPUT, "symmetry: singular cell");
    frac = malloc(natoms * sizeof *frac);
    typ = malloc(natoms * sizeof *typ);
    if (!frac || !typ) {
        rc = core_err_set(err, CORE_ENOMEM, "symmetry: out of memory");
        goto done;
    }
    /* spglib wants the lattice vectors as columns */
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            lat[k][i] = cell[3 * i + k];
    for (size_t a = 0; a < natoms; a++) {
        for (int k = 0; k < 3; k++)
            if (!isfinite(pos[3 * a + k])) {
                rc = core_err_set(err, CORE_EINPUT, "symmetry: atom %zu: position is not finite",
                                  a + 1);
                goto done;
            }
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++)
                s += pos[3 * a + k] * inv[3 * k + j];
            frac[a][j] = s - floor(s);
        }
        typ[a] = types[a];
    }
    ds = spg_get_dataset(lat, frac, typ, (int)natoms, symprec);
    if (!ds || ds->n_operations < 1) {
        SpglibError e = spg_get_error_code();
        rc = core_err_set(err, CORE_EINPUT,
                          "symmetry: spglib found no space group (%s, tolerance %g bohr); "
                          "turn symmetry off",
                          spg_get_error_message(e), symprec);
        goto done;
    }
    sym->nops = (size_t)ds->n_operations;
    sym->rot = malloc(9 * sym->nops * sizeof *sym->rot);
    sym->trans = malloc(3 * sym->nops * sizeof *sym->trans);
    if (!sym->rot || !sym->trans) {
        rc = core_err_set(err, CORE_ENOMEM, "symmetry: out of memory");
        goto done;
    }
    for (size_t o = 0; o < sym->nops; o++) {
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++)
                sym->rot[9 * o + 3 * i + j] = ds->rotations[o][i][j];
            /* translations into [0, 1), rounded off below the tolerance */
            double t = ds->translations[o][i] - floor(ds->translations[o][i]);
            if (t > 1 - 1e-12)
                t = 0;
            sym->trans[3 * o + i] = t;
        }
    }
    sym->number = ds->spacegroup_number;
    snprintf(sym->symbol, sizeof sym->symbol, "%s", ds->international_symbol);
done:
    if (ds)
        spg_free_dataset(ds);
    free(frac);
    free(typ);
    if (rc)
        dft_symm_release(sym);
    return rc;
}

int
dft_kmesh_reduce(const int n[3], const double shift[3], int time_reversal,
                 const struct dft_symm *sym, double **kpts, double **weights, size_t *nkpts,
                 struct core_err *err)
{
    static const int identity[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    const int *rot = sym && sym->nops ? sym->rot : identity;
    size_t nops = sym && sym->nops ? sym->nops : 1;
    *kpts = NULL;
    *weights = NULL;
    *nkpts = 0;
    for (int j = 0; j < 3; j++) {
        if (n[j] < 1 || n[j] > 1000)
            return core_err_set(err, CORE_EINPUT, "k-mesh: %d points along b_%d (1 to 1000)", n[j],
                                j + 1);
        if (!(shift[j] >= 0 && shift[j] < 1))
            return core_err_set(err, CORE_EINPUT, "k-mesh: shift %g along b_%d not in [0, 1)",
                                shift[j], j + 1);
    }
    size_t ntot = (size_t)n[0] * n[1] * n[2], nk = 0;
    if (ntot > 1000000)
        return core_err_set(err, CORE_EINPUT, "k-mesh: %dx%dx%d has more than 1e6 points", n[0],
                            n[1], n[2]);
    double *k = malloc(3 * ntot * sizeof *k), *w = malloc(ntot * sizeof *w);
    size_t *owner = malloc(ntot * sizeof *owner); /* irreducible point of each mesh point */
    if (!k || !w || !owner) {
        free(k);
        free(w);
        free(owner);
        return core_err_set(err, CORE_ENOMEM, "k-mesh: out of memory");
    }
    for (size_t i = 0; i < ntot; i++)
        owner[i] = SIZE_MAX;
    /* k_1 fastest, as ABINIT lists them: a point not yet in the star of an earlier irreducible
     * point becomes one, and takes the mesh points of its star (images off the mesh match no
     * mesh point, so they are skipped) */
    size_t idx = 0;
    for (int i2 = 0; i2 < n[2]; i2++)
        for (int i1 = 0; i1 < n[1]; i1++)
            for (int i0 = 0; i0 < n[0]; i0++, idx++) {
                double kk[3];
                int ii[3] = {i0, i1, i2};
                if (owner[idx] != SIZE_MAX)
                    continue;
                for (int j = 0; j < 3; j++) {
                    kk[j] = (ii[j] + shift[j]) / n[j];
                    kk[j] -= floor(kk[j] + 0.5); /* into [-1/2, 1/2) */
                    if (kk[j] <= -0.5 + 1e-12)
                        kk[j] += 1; /* into (-1/2, 1/2] */
                    k[3 * nk + j] = kk[j];
                }
                owner[idx] = nk;
                w[nk] = 1;
                for (size_t o = 0; o < nops; o++) {
                    const int *r = rot + 9 * o;
                    for (int sgn = 1; sgn >= (time_reversal ? -1 : 1); sgn -= 2) {
                        long m[3];
                        int on = 1;
                        for (int j = 0; j < 3 && on; j++) {
                            /* (R^T k)_j = sum_i R_ij k_i, as a mesh index i_j = n_j k_j - s_j */
                            double t = sgn * (r[j] * kk[0] + r[3 + j] * kk[1] + r[6 + j] * kk[2]);
                            double x = t * n[j] - shift[j];
                            m[j] = lround(x);
                            on = fabs(x - (double)m[j]) < 1e-6;
                            m[j] = ((m[j] % n[j]) + n[j]) % n[j];
                        }
                        if (!on)
                            continue;
                        size_t jdx = (size_t)m[0] +
                                     (size_t)n[0] * ((size_t)m[1] + (size_t)n[1] * (size_t)m[2]);
                        if (owner[jdx] == SIZE_MAX) {
                            owner[jdx] = nk;
                            w[nk] += 1;
                        }
                    }
                }
                nk++;
            }
    free(owner);
    for (size_t q = 0; q < nk; q++)
        w[q] /= (double)ntot;
    *kpts = k;
    *weights = w;
    *nkpts = nk;
    return 0;
}

int
dft_kmesh_make(const int n[3], const double shift[3], int time_reversal, double **kpts,
               double **weights, size_t *nkpts, struct core_err *err)
{
    return dft_kmesh_reduce(n, shift, time_reversal, NULL, kpts, weights, nkpts, err);
}

static int
freq(size_t i, size_t n)
{
    return i <= n / 2 ? (int)i : (int)i - (int)n;
}

void
dft_symm_density_g(const struct dft_symm *sym, const size_t ngrid[3], const double _Complex *in,
                   double _Complex *out)
{
    const size_t *n = ngrid, nfft = n[0] * n[1] * n[2];
    if (!sym || sym->nops == 0) {
        if (out != in)
            memcpy(out, in, nfft * sizeof *out);
        return;
    }
    memset(out, 0, nfft * sizeof *out);
    for (size_t i0 = 0, idx = 0; i0 < n[0]; i0++)
        for (size_t i1 = 0; i1 < n[1]; i1++)
            for (size_t i2 = 0; i2 < n[2]; i2++, idx++) {
                int f[3] = {freq(i0, n[0]), freq(i1, n[1]), freq(i2, n[2])};
                double complex v = in[idx];
                if (v == 0)
                    continue;
                for (size_t o = 0; o < sym->nops; o++) {
                    const int *r = sym->rot + 9 * o;
                    const double *t = sym->trans + 3 * o;
                    size_t ii[3];
                    int ok = 1;
                    for (int j = 0; j < 3 && ok; j++) {
                        int g = r[j] * f[0] + r[3 + j] * f[1] + r[6 + j] * f[2];
                        /* the Nyquist plane of an even size and beyond are outside the box */
                        if (2 * (size_t)abs(g) >= n[j])
                            ok = 0;
                        else
                            ii[j] = g >= 0 ? (size_t)g : n[j] - (size_t)(-g);
                    }
                    if (!ok)
                        continue;
                    double ph = 2 * M_PI * (f[0] * t[0] + f[1] * t[1] + f[2] * t[2]);
                    out[(ii[0] * n[1] + ii[1]) * n[2] + ii[2]] += v * (cos(ph) + I * sin(ph));
                }
            }
    double inv = 1.0 / (double)sym->nops;
    for (size_t i = 0; i < nfft; i++)
        out[i] *= inv;
}

void
dft_symm_rho(struct dft_scf *s, double *rho)
{
    if (s->sym.nops <= 1 || !s->sbox)
        return;
    double complex *box = s->cbox, *sb = s->sbox;
    for (size_t i = 0; i < s->nfft; i++)
        box[i] = rho[i];
    fftw_execute_dft(s->fwd, box, box);
    for (size_t i = 0; i < s->nfft; i++)
        box[i] /= (double)s->nfft;
    dft_symm_density_g(&s->sym, s->ngrid, box, sb);
    fftw_execute_dft(s->bwd, sb, sb);
    for (size_t i = 0; i < s->nfft; i++)
        rho[i] = creal(sb[i]);
}
