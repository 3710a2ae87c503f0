/*
 * ewald: electrostatic energy of point ions in a uniform neutralising background.
 *
 *   E = 1/2 sum_ij sum_L' q_i q_j erfc(eta |r_ij + L|)/|r_ij + L|
 *     + (2 pi/Omega) sum_{G != 0} exp(-G^2/(4 eta^2))/G^2 |sum_j q_j exp(iG.r_j)|^2
 *     - eta/sqrt(pi) sum_i q_i^2 - pi Q^2/(2 Omega eta^2)
 * (P. P. Ewald, Ann. Phys. 369, 253 (1921), doi:10.1002/andp.19213690304; the background term as
 * in ABINIT's ewald.F90 and DFTK's energy_ewald). The real-space sum runs to eta r = EWALD_X and
 * the reciprocal one to G/(2 eta) = EWALD_X, where erfc and the Gaussian are below 1e-17.
 */
#include <math.h>
#include <stdlib.h>

#include "dft.h"

#define EWALD_X 6.4 /* erfc(6.4) = 3e-20, exp(-6.4^2) = 1.5e-18 */

static void
recip_rows(const double a[9], double b[9], double *vol)
{
    double det = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) +
                 a[2] * (a[3] * a[7] - a[4] * a[6]);
    /* b_j = 2 pi (a_k x a_l)/det for cyclic (j, k, l) */
    for (int j = 0; j < 3; j++) {
        const double *u = a + 3 * ((j + 1) % 3), *v = a + 3 * ((j + 2) % 3);
        b[3 * j + 0] = 2 * M_PI * (u[1] * v[2] - u[2] * v[1]) / det;
        b[3 * j + 1] = 2 * M_PI * (u[2] * v[0] - u[0] * v[2]) / det;
        b[3 * j + 2] = 2 * M_PI * (u[0] * v[1] - u[1] * v[0]) / det;
    }
    *vol = fabs(det);
}

int
dft_ewald_energy(const double cell[9], size_t natoms, const double *pos, const double *charge,
                 double eta, double *energy, double *forces, struct core_err *err)
{
    double b[9], vol, qsum = 0, q2sum = 0, ereal = 0, erecip = 0;
    for (int i = 0; i < 9; i++)
        if (!isfinite(cell[i]))
            return core_err_set(err, CORE_EINPUT, "ewald: cell is not finite");
    recip_rows(cell, b, &vol);
    if (!(vol > 1e-10) || !isfinite(vol))
        return core_err_set(err, CORE_EINPUT, "ewald: singular cell (volume %g bohr^3)", vol);
    for (size_t i = 0; i < natoms; i++) {
        if (!isfinite(charge[i]) || !isfinite(pos[3 * i]) || !isfinite(pos[3 * i + 1]) ||
            !isfinite(pos[3 * i + 2]))
            return core_err_set(err, CORE_EINPUT, "ewald: atom %zu: position or charge not finite",
                                i + 1);
        qsum += charge[i];
        q2sum += charge[i] * charge[i];
    }
    if (!(eta > 0))
        eta = sqrt(M_PI) / cbrt(vol) * 1.2;
    if (forces)
        for (size_t i = 0; i < 3 * natoms; i++)
            forces[i] = 0;

    /* real space: |n_j| up to rmax |b_j|/(2 pi) + 1 covers every L within rmax of a pair */
    double rmax = EWALD_X / eta, gmax = 2 * eta * EWALD_X;
    int nr[3], ng[3];
    for (int j = 0; j < 3; j++) {
        double bj =
            sqrt(b[3 * j] * b[3 * j] + b[3 * j + 1] * b[3 * j + 1] + b[3 * j + 2] * b[3 * j + 2]);
        double aj = sqrt(cell[3 * j] * cell[3 * j] + cell[3 * j + 1] * cell[3 * j + 1] +
                         cell[3 * j + 2] * cell[3 * j + 2]);
        nr[j] = (int)ceil(rmax * bj / (2 * M_PI)) + 1;
        ng[j] = (int)ceil(gmax * aj / (2 * M_PI)) + 1;
    }
    for (size_t i = 0; i < natoms; i++)
        for (size_t j = 0; j < natoms; j++) {
            double dij[3], fi[3] = {0, 0, 0}, sum = 0;
            for (int k = 0; k < 3; k++)
                dij[k] = pos[3 * i + k] - pos[3 * j + k];
            for (int n0 = -nr[0]; n0 <= nr[0]; n0++)
                for (int n1 = -nr[1]; n1 <= nr[1]; n1++)
                    for (int n2 = -nr[2]; n2 <= nr[2]; n2++) {
                        double d[3], r2;
                        if (i == j && n0 == 0 && n1 == 0 && n2 == 0)
                            continue;
                        for (int k = 0; k < 3; k++)
                            d[k] = dij[k] - n0 * cell[k] - n1 * cell[3 + k] - n2 * cell[6 + k];
                        r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                        if (r2 > rmax * rmax)
                            continue;
                        double r = sqrt(r2), ec = erfc(eta * r);
                        sum += ec / r;
                        if (forces) {
                            double g = (ec / r + 2 * eta / sqrt(M_PI) * exp(-eta * eta * r2)) / r2;
                            for (int k = 0; k < 3; k++)
                                fi[k] += g * d[k];
                        }
                    }
            ereal += 0.5 * charge[i] * charge[j] * sum;
            if (forces)
                for (int k = 0; k < 3; k++)
                    forces[3 * i + k] += charge[i] * charge[j] * fi[k];
        }

    /* reciprocal space: G and -G together (half the lattice, doubled) */
    for (int m0 = 0; m0 <= ng[0]; m0++)
        for (int m1 = (m0 == 0 ? 0 : -ng[1]); m1 <= ng[1]; m1++)
            for (int m2 = (m0 == 0 && m1 == 0 ? 1 : -ng[2]); m2 <= ng[2]; m2++) {
                double g[3], g2;
                for (int k = 0; k < 3; k++)
                    g[k] = m0 * b[k] + m1 * b[3 + k] + m2 * b[6 + k];
                g2 = g[0] * g[0] + g[1] * g[1] + g[2] * g[2];
                if (g2 > gmax * gmax)
                    continue;
                double f = exp(-g2 / (4 * eta * eta)) / g2, sr = 0, si = 0;
                for (size_t j = 0; j < natoms; j++) {
                    double ph = g[0] * pos[3 * j] + g[1] * pos[3 * j + 1] + g[2] * pos[3 * j + 2];
                    sr += charge[j] * cos(ph);
                    si += charge[j] * sin(ph);
                }
                erecip += 2 * (2 * M_PI / vol) * f * (sr * sr + si * si);
                if (forces)
                    for (size_t i = 0; i < natoms; i++) {
                        double ph =
                            g[0] * pos[3 * i] + g[1] * pos[3 * i + 1] + g[2] * pos[3 * i + 2];
                        /* Im(exp(iG.r_i) S*) = sin(ph) sr - cos(ph) si */
                        double im = sin(ph) * sr - cos(ph) * si;
                        for (int k = 0; k < 3; k++)
                            forces[3 * i + k] += 2 * (4 * M_PI / vol) * f * charge[i] * g[k] * im;
                    }
            }
    *energy =
        ereal + erecip - eta / sqrt(M_PI) * q2sum - M_PI * qsum * qsum / (2 * vol * eta * eta);
    return 0;
}
