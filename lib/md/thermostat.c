/*
 * thermostat: canonical (NVT) sampling by stochastic velocity rescaling (Bussi, Donadio and
 * Parrinello, J. Chem. Phys. 126, 014101 (2007), doi:10.1063/1.2408420) and by Langevin
 * dynamics in the BAOAB splitting (Leimkuhler and Matthews, Appl. Math. Res. Express 2013, 34,
 * doi:10.1093/amrx/abs010). See md.h.
 *
 * Bussi: after each velocity-Verlet step the kinetic energy K is replaced by a draw K' of the
 * exact solution over dt of the stochastic differential equation (Bussi et al. eq. (7), their
 * appendix):
 *   K' = c K + (1 - c) Kt (R_1^2 + S) / Nf + 2 R_1 sqrt(c (1 - c) K Kt / Nf),
 * c = exp(-dt/tdamp), Kt = Nf k_B T / 2, R_1 standard normal, S a sum of Nf - 1 squared
 * standard normals (drawn as 2 Gamma((Nf - 1)/2), Marsaglia and Tsang, ACM TOMS 26, 363
 * (2000)); every velocity is scaled by sqrt(K'/K), which keeps the total momentum.
 *
 * BAOAB: v += dt/2 F/m; x += dt/2 v; v = c v + sqrt(1 - c^2) sqrt(k_B T/m) R (O);
 * x += dt/2 v; forces; v += dt/2 F/m, with c = exp(-dt/tdamp) (friction 1/tdamp). The noise of
 * the O step is projected onto zero total momentum (its mass-weighted mean is removed), which
 * is the exact O step on the 3N - 3 internal degrees of freedom: the centre of mass neither
 * diffuses nor counts in the temperature (md_sys_dof).
 *
 * Random numbers: Bussi draws from core_rng keyed (seed, MD_RNG_BUSSI, 0, step), Langevin
 * atom i from (seed, MD_RNG_LANGEVIN, i, step); the sums over atoms run in index order, so
 * results do not depend on the number of threads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "md.h"

int
md_thermostat_init(struct md_thermostat *th, enum md_thermostat_kind kind, double temp,
                   double tdamp, uint64_t seed, struct core_err *err)
{
    memset(th, 0, sizeof *th);
    if (kind != MD_THERMOSTAT_NONE && kind != MD_THERMOSTAT_BUSSI && kind != MD_THERMOSTAT_LANGEVIN)
        return core_err_set(err, CORE_EINPUT, "thermostat: unknown kind %d", (int)kind);
    if (kind != MD_THERMOSTAT_NONE) {
        if (!(isfinite(temp) && temp >= 0))
            return core_err_set(err, CORE_EINPUT, "thermostat: temperature %g K must be >= 0",
                                temp);
        if (!(isfinite(tdamp) && tdamp > 0))
            return core_err_set(err, CORE_EINPUT, "thermostat: damping time %g ps must be > 0",
                                tdamp);
    }
    th->kind = kind;
    th->temp = temp;
    th->tdamp = tdamp;
    th->seed = seed;
    return CORE_OK;
}

const char *
md_thermostat_name(enum md_thermostat_kind kind)
{
    switch (kind) {
    case MD_THERMOSTAT_NONE:
        return "none";
    case MD_THERMOSTAT_BUSSI:
        return "bussi";
    case MD_THERMOSTAT_LANGEVIN:
        return "langevin";
    }
    return "unknown";
}

/* Gamma(a, 1) for a >= 1 (Marsaglia and Tsang). */
static double
gamma_draw(struct core_rng *r, double a)
{
    double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x = core_rng_gauss(r), v = 1.0 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        double u = core_rng_uniform(r);
        if (u < 1.0 - 0.0331 * x * x * x * x)
            return d * v;
        if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
            return d * v;
    }
}

/* Sum of n squared standard normals (chi-squared with n degrees of freedom). */
static double
chi2_draw(struct core_rng *r, double n)
{
    if (n <= 0)
        return 0;
    if (n < 2) {
        double g = core_rng_gauss(r);
        return g * g;
    }
    return 2.0 * gamma_draw(r, 0.5 * n);
}

static void
bussi(struct md_sys *s, struct md_thermostat *th, double dt)
{
    double k = md_sys_kinetic(s, NULL);
    if (!(k > 0))
        return; /* a system at rest has no direction to scale */
    double nf = md_sys_dof(s), kt = 0.5 * nf * UNITS_KB_EV * th->temp;
    double c = exp(-dt / th->tdamp);
    struct core_rng r;
    core_rng_init(&r, th->seed, MD_RNG_BUSSI, 0, th->step);
    double r1 = core_rng_gauss(&r), sn = chi2_draw(&r, nf - 1);
    double knew =
        c * k + (1 - c) * kt * (r1 * r1 + sn) / nf + 2 * r1 * sqrt(c * (1 - c) * k * kt / nf);
    if (!(knew > 0))
        knew = 0;
    double a = sqrt(knew / k);
    long long n3 = (long long)(3 * s->natoms);
#pragma omp parallel for schedule(static) if (n3 >= MD_OMP_MIN)
    for (long long i = 0; i < n3; i++)
        s->vel[i] *= a;
    th->heat += md_sys_kinetic(s, NULL) - k;
}

/* x += h v */
static void
drift(struct md_sys *s, double h)
{
    long long n3 = (long long)(3 * s->natoms);
#pragma omp parallel for schedule(static) if (n3 >= MD_OMP_MIN)
    for (long long i = 0; i < n3; i++)
        s->pos[i] += h * s->vel[i];
}

/* v += h F/m (h in ps, with the unit factor) */
static void
kick(struct md_sys *s, double h)
{
    long long n = (long long)s->natoms;
#pragma omp parallel for schedule(static) if (n >= MD_OMP_MIN)
    for (long long i = 0; i < n; i++) {
        double c = h * MD_ACC_PER_FORCE / s->mass[i];
        for (int k = 0; k < 3; k++)
            s->vel[3 * i + k] += c * s->force[3 * i + k];
    }
}

/* The O step of BAOAB on the internal degrees of freedom: v = c v + xi, the noise xi (in the
 * scratch array s->xi) projected to zero total momentum. */
static void
ou(struct md_sys *s, struct md_thermostat *th, double dt)
{
    double *xi = s->xi;
    long long n = (long long)s->natoms;
    double c = exp(-dt / th->tdamp), c2 = sqrt(1 - c * c), k0 = md_sys_kinetic(s, NULL);
#pragma omp parallel for schedule(static) if (n >= MD_OMP_MIN)
    for (long long ii = 0; ii < n; ii++) {
        size_t i = (size_t)ii;
        struct core_rng r;
        core_rng_init(&r, th->seed, MD_RNG_LANGEVIN, i, th->step);
        /* sqrt(k_B T / m) in Angstrom/ps */
        double sd = c2 * sqrt(UNITS_KB_EV * th->temp / (s->mass[i] * MD_EV_PER_MV2));
        for (int k = 0; k < 3; k++)
            xi[3 * i + k] = sd * core_rng_gauss(&r);
    }
    double p[3] = {0, 0, 0}, mt = 0;
    for (size_t i = 0; i < s->natoms; i++) {
        for (int k = 0; k < 3; k++)
            p[k] += s->mass[i] * xi[3 * i + k];
        mt += s->mass[i];
    }
    for (int k = 0; k < 3; k++)
        p[k] = s->natoms > 1 ? p[k] / mt : 0;
#pragma omp parallel for schedule(static) if (n >= MD_OMP_MIN)
    for (long long ii = 0; ii < n; ii++) {
        size_t i = (size_t)ii;
        for (int k = 0; k < 3; k++)
            s->vel[3 * i + k] = c * s->vel[3 * i + k] + (xi[3 * i + k] - p[k]);
    }
    th->heat += md_sys_kinetic(s, NULL) - k0;
}

int
md_nvt_step(struct md_sys *s, const struct md_pot *pot, struct md_thermostat *th, double dt,
            struct core_err *err)
{
    int status;
    switch (th->kind) {
    case MD_THERMOSTAT_NONE:
        status = md_nve_step(s, pot, dt, err);
        break;
    case MD_THERMOSTAT_BUSSI:
        if (!(status = md_nve_step(s, pot, dt, err)))
            bussi(s, th, dt);
        break;
    case MD_THERMOSTAT_LANGEVIN:
        if (!s->xi && !(s->xi = malloc(3 * (s->natoms ? s->natoms : 1) * sizeof *s->xi)))
            return core_err_set(err, CORE_ENOMEM, "out of memory for %zu atoms", s->natoms);
        if (!s->have_force && (status = md_sys_compute(s, pot, err)))
            return status;
        kick(s, 0.5 * dt);
        drift(s, 0.5 * dt);
        ou(s, th, dt);
        drift(s, 0.5 * dt);
        if ((status = md_sys_compute(s, pot, err)))
            return status;
        kick(s, 0.5 * dt);
        break;
    default:
        return core_err_set(err, CORE_EINPUT, "thermostat: unknown kind %d", (int)th->kind);
    }
    if (!status)
        th->step++;
    return status;
}
