/*
 * deform.c: homogeneous deformations, strain tensors, and random perturbations.
 *
 * A deformation with gradient F = I + eps maps every lattice vector and every position by the
 * same linear map: a_i' = F a_i, r' = F r. Fractional coordinates s = r A^-1 (rows a_i in A)
 * are then unchanged, because r' A'^-1 = r F^T (A F^T)^-1 = r A^-1.
 *
 * Random numbers come from core_rng streams keyed by (seed, purpose, entity, iconfig), after
 * CoMD's per-atom seeding: atom i always draws from the stream (seed, CRYST_RNG_RATTLE, i,
 * iconfig), so its displacement does not depend on the loop order or the other atoms.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cryst.h"

static void
drop_labels(struct core_frame *f)
{
    f->has_energy = f->has_free_energy = f->has_stress = f->has_virial = 0;
    free(f->forces);
    f->forces = NULL;
}

static double
det3(const double m[9])
{
    return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
           m[2] * (m[3] * m[7] - m[4] * m[6]);
}

/* Checks eps and the frame; fills F = I + eps. */
static int
deform_check(const struct core_frame *f, const double eps[9], double F[9], struct core_err *err)
{
    double det;

    for (int k = 0; k < 9; k++)
        if (!isfinite(eps[k]))
            return core_err_set(err, CORE_EINPUT, "deform: strain component eps_%d%d = %g",
                                k / 3 + 1, k % 3 + 1, eps[k]);
    if (!f->has_cell)
        return core_err_set(err, CORE_EINPUT, "deform: the frame has no cell");
    for (int k = 0; k < 9; k++)
        F[k] = eps[k] + (k % 4 == 0 ? 1.0 : 0.0);
    det = det3(F);
    if (!(det > 1e-6))
        return core_err_set(err, CORE_EINPUT,
                            "deform: det(I + eps) = %g: the strain collapses or inverts the cell",
                            det);
    return CORE_OK;
}

static void
apply_F(struct core_frame *f, const double F[9])
{
    for (int i = 0; i < 3; i++) {
        double a[3] = {f->cell[3 * i], f->cell[3 * i + 1], f->cell[3 * i + 2]};
        for (int k = 0; k < 3; k++)
            f->cell[3 * i + k] = F[3 * k] * a[0] + F[3 * k + 1] * a[1] + F[3 * k + 2] * a[2];
    }
    for (size_t n = 0; n < f->natoms; n++) {
        double *r = &f->pos[3 * n];
        double x[3] = {r[0], r[1], r[2]};
        for (int k = 0; k < 3; k++)
            r[k] = F[3 * k] * x[0] + F[3 * k + 1] * x[1] + F[3 * k + 2] * x[2];
    }
    drop_labels(f);
}

int
cryst_frame_deform(struct core_frame *f, const double eps[9], struct core_err *err)
{
    double F[9];

    if (deform_check(f, eps, F, err))
        return CORE_EINPUT;
    apply_F(f, F);
    return CORE_OK;
}

/* ---- strain tensors ---- */

int
cryst_strain_uniaxial(double eps[9], int axis, double e, double nu, int ndim, struct core_err *err)
{
    if (ndim != 2 && ndim != 3)
        return core_err_set(err, CORE_EINPUT, "uniaxial strain: ndim = %d is not 2 or 3", ndim);
    if (axis < 0 || axis >= ndim)
        return core_err_set(err, CORE_EINPUT, "uniaxial strain: axis %d out of range for %dD", axis,
                            ndim);
    if (!isfinite(e) || !isfinite(nu))
        return core_err_set(err, CORE_EINPUT, "uniaxial strain: strain %g or Poisson ratio %g", e,
                            nu);
    memset(eps, 0, 9 * sizeof *eps);
    for (int k = 0; k < ndim; k++)
        eps[4 * k] = (k == axis) ? e : -nu * e;
    return CORE_OK;
}

int
cryst_strain_biaxial(double eps[9], double e, int ndim, struct core_err *err)
{
    if (ndim != 2 && ndim != 3)
        return core_err_set(err, CORE_EINPUT, "biaxial strain: ndim = %d is not 2 or 3", ndim);
    if (!isfinite(e))
        return core_err_set(err, CORE_EINPUT, "biaxial strain: strain %g", e);
    memset(eps, 0, 9 * sizeof *eps);
    for (int k = 0; k < ndim; k++)
        eps[4 * k] = e;
    return CORE_OK;
}

int
cryst_strain_shear(double eps[9], int i, int j, double gamma, struct core_err *err)
{
    if (i < 0 || i > 2 || j < 0 || j > 2 || i == j)
        return core_err_set(err, CORE_EINPUT, "shear strain: axes %d and %d are not two of 0, 1, 2",
                            i, j);
    if (!isfinite(gamma))
        return core_err_set(err, CORE_EINPUT, "shear strain: gamma %g", gamma);
    memset(eps, 0, 9 * sizeof *eps);
    eps[3 * i + j] = eps[3 * j + i] = 0.5 * gamma;
    return CORE_OK;
}

/* ---- random perturbations ---- */

static int
check_sigma(const char *what, double sigma, struct core_err *err)
{
    if (!isfinite(sigma) || sigma < 0)
        return core_err_set(err, CORE_EINPUT, "%s: sigma = %g is not >= 0", what, sigma);
    return CORE_OK;
}

int
cryst_frame_rattle(struct core_frame *f, double sigma, uint64_t seed, uint64_t iconfig,
                   struct core_err *err)
{
    if (check_sigma("rattle", sigma, err))
        return CORE_EINPUT;
    for (size_t i = 0; i < f->natoms; i++) {
        struct core_rng rng;
        core_rng_init(&rng, seed, CRYST_RNG_RATTLE, (uint64_t)i, iconfig);
        for (int k = 0; k < 3; k++)
            f->pos[3 * i + k] += sigma * core_rng_gauss(&rng);
    }
    drop_labels(f);
    return CORE_OK;
}

/*
 * eps' = P eps P with P = I - sum u u^T over an orthonormal basis u of the span of the
 * non-periodic cell vectors (Gram-Schmidt), so F' n = n for every such direction n.
 */
static void
project_periodic(const struct core_frame *f, double eps[9])
{
    double u[3][3], P[9], t[9];
    int nu = 0;

    for (int k = 0; k < 3; k++) {
        if (f->pbc[k])
            continue;
        double v[3] = {f->cell[3 * k], f->cell[3 * k + 1], f->cell[3 * k + 2]};
        for (int m = 0; m < nu; m++) {
            double p = v[0] * u[m][0] + v[1] * u[m][1] + v[2] * u[m][2];
            for (int l = 0; l < 3; l++)
                v[l] -= p * u[m][l];
        }
        double nv = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        if (nv == 0)
            continue;
        for (int l = 0; l < 3; l++)
            u[nu][l] = v[l] / nv;
        nu++;
    }
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            P[3 * a + b] = (a == b);
            for (int m = 0; m < nu; m++)
                P[3 * a + b] -= u[m][a] * u[m][b];
        }
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            t[3 * a + b] = 0;
            for (int c = 0; c < 3; c++)
                t[3 * a + b] += eps[3 * a + c] * P[3 * c + b];
        }
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            double s = 0;
            for (int c = 0; c < 3; c++)
                s += P[3 * a + c] * t[3 * c + b];
            /* an exact zero where P removes a direction (sheets: the z row and column) */
            eps[3 * a + b] = fabs(s) < 1e-300 ? 0.0 : s;
        }
}

int
cryst_cell_perturb(struct core_frame *f, double sigma, uint64_t seed, uint64_t iconfig,
                   double eps_out[9], struct core_err *err)
{
    /* Voigt order: xx yy zz yz xz xy */
    static const int vi[6] = {0, 1, 2, 1, 0, 0}, vj[6] = {0, 1, 2, 2, 2, 1};
    struct core_rng rng;
    double eps[9] = {0}, F[9];

    if (check_sigma("cell perturbation", sigma, err))
        return CORE_EINPUT;
    if (!f->has_cell)
        return core_err_set(err, CORE_EINPUT, "cell perturbation: the frame has no cell");
    core_rng_init(&rng, seed, CRYST_RNG_CELL, 0, iconfig);
    for (int m = 0; m < 6; m++) {
        double x = sigma * core_rng_gauss(&rng);
        eps[3 * vi[m] + vj[m]] = eps[3 * vj[m] + vi[m]] = x;
    }
    project_periodic(f, eps);
    if (deform_check(f, eps, F, err))
        return CORE_EINPUT;
    apply_F(f, F);
    if (eps_out)
        memcpy(eps_out, eps, sizeof eps);
    return CORE_OK;
}
