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
 * Nose-Hoover chains (Martyna, Klein and Tuckerman, J. Chem. Phys. 97, 2635 (1992),
 * doi:10.1063/1.463940), integrated as LAMMPS's fix nvt does (Martyna, Tuckerman, Tobias and
 * Klein, Mol. Phys. 87, 1117 (1996), doi:10.1080/00268979600100761, with one Trotter loop and
 * no Suzuki-Yoshida weights, LAMMPS's default tloop 1): a half step of the chain, the
 * velocity-Verlet step, a half step of the chain. In the half step the chain velocities are
 * updated from the end of the chain inwards over dt/4 (each damped by exp(-dt/8 veta_(k+1))
 * on both sides), the atoms' velocities scaled by exp(-dt/2 veta_1), the chain positions
 * advanced by dt/2, and the chain velocities updated outwards again. Chain forces:
 * a_1 = (2K - Nf k_B T)/Q_1, a_k = (Q_(k-1) veta_(k-1)^2 - k_B T)/Q_k, masses
 * Q_1 = Nf k_B T tdamp^2, Q_k = k_B T tdamp^2 (LAMMPS: t_period = tdamp). The chain's energy
 * sum_k Q_k veta_k^2/2 + Nf k_B T eta_1 + k_B T sum_(k>1) eta_k plus E is conserved.
 *
 * MTK barostat (md.h, struct md_baro): md_npt_step interleaves its half steps with the
 * chain's in the order of LAMMPS's FixNH::initial_integrate and final_integrate (fix npt):
 * barostat chain, thermostat chain, cell velocities, velocity scaling, kick, dilation, drift,
 * dilation | forces | kick, velocity scaling, cell velocities, thermostat chain, barostat chain.
 * Checked step by step against LAMMPS's fix npt in tests/cli/md-run.bats.
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
    th->nchain = MD_NHC_CHAIN;
    if (kind != MD_THERMOSTAT_NONE && kind != MD_THERMOSTAT_BUSSI &&
        kind != MD_THERMOSTAT_LANGEVIN && kind != MD_THERMOSTAT_NHC)
        return core_err_set(err, CORE_EINPUT, "thermostat: unknown kind %d", (int)kind);
    if (kind != MD_THERMOSTAT_NONE) {
        if (!(isfinite(temp) && temp >= 0))
            return core_err_set(err, CORE_EINPUT, "thermostat: temperature %g K must be >= 0",
                                temp);
        if (kind == MD_THERMOSTAT_NHC && !(temp > 0))
            return core_err_set(err, CORE_EINPUT,
                                "thermostat: nhc needs a temperature > 0 (its masses scale "
                                "with it)");
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

int
md_thermostat_chain_set(struct md_thermostat *th, int nchain, struct core_err *err)
{
    if (nchain < 1 || nchain > MD_NHC_MAXCHAIN)
        return core_err_set(err, CORE_EINPUT, "thermostat: chain length %d is not in 1..%d", nchain,
                            MD_NHC_MAXCHAIN);
    th->nchain = nchain;
    memset(th->eta, 0, sizeof th->eta);
    memset(th->veta, 0, sizeof th->veta);
    memset(th->aeta, 0, sizeof th->aeta);
    return CORE_OK;
}

int
md_thermostat_kind_parse(const char *name, enum md_thermostat_kind *kind, struct core_err *err)
{
    static const enum md_thermostat_kind all[] = {MD_THERMOSTAT_NONE, MD_THERMOSTAT_BUSSI,
                                                  MD_THERMOSTAT_LANGEVIN, MD_THERMOSTAT_NHC};

    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        if (strcmp(name, md_thermostat_name(all[k])) == 0) {
            *kind = all[k];
            return CORE_OK;
        }
    return core_err_set(err, CORE_EINPUT, "unknown thermostat '%s' (none, bussi, langevin or nhc)",
                        name);
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
    case MD_THERMOSTAT_NHC:
        return "nhc";
    }
    return "unknown";
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
    double r1 = core_rng_gauss(&r), sn = core_rng_chi2(&r, nf - 1);
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

/* The chain masses Q_k (eV ps^2). */
static void
nhc_mass(const struct md_sys *s, const struct md_thermostat *th, double *q)
{
    double kt = UNITS_KB_EV * th->temp, t2 = th->tdamp * th->tdamp;
    q[0] = md_sys_dof(s) * kt * t2;
    for (int k = 1; k < th->nchain; k++)
        q[k] = kt * t2;
}

/* A half step dt/2 of the chain and the velocity scaling it makes (see the top comment). */
static void
nhc_half(struct md_sys *s, struct md_thermostat *th, double dt)
{
    int m = th->nchain;
    double q[MD_NHC_MAXCHAIN], kt = UNITS_KB_EV * th->temp;
    double target = md_sys_dof(s) * kt, ke2 = 2 * md_sys_kinetic(s, NULL);
    double dt2 = 0.5 * dt, dt4 = 0.25 * dt, dt8 = 0.125 * dt, e;
    double *v = th->veta, *a = th->aeta;
    nhc_mass(s, th, q);
    a[0] = (ke2 - target) / q[0];
    for (int k = m - 1; k > 0; k--) {
        e = exp(-dt8 * v[k + 1]);
        v[k] = (v[k] * e + a[k] * dt4) * e;
    }
    e = exp(-dt8 * v[1]);
    v[0] = (v[0] * e + a[0] * dt4) * e;
    double f = exp(-dt2 * v[0]);
    long long n3 = (long long)(3 * s->natoms);
#pragma omp parallel for schedule(static) if (n3 >= MD_OMP_MIN)
    for (long long i = 0; i < n3; i++)
        s->vel[i] *= f;
    ke2 *= f * f;
    a[0] = (ke2 - target) / q[0];
    for (int k = 0; k < m; k++)
        th->eta[k] += dt2 * v[k];
    v[0] = (v[0] * e + a[0] * dt4) * e;
    for (int k = 1; k < m; k++) {
        e = exp(-dt8 * v[k + 1]);
        a[k] = (q[k - 1] * v[k - 1] * v[k - 1] - kt) / q[k];
        v[k] = (v[k] * e + a[k] * dt4) * e;
    }
}

/* Minus the energy of the chain: the heat it has given the atoms. */
static double
nhc_heat(const struct md_sys *s, const struct md_thermostat *th)
{
    double q[MD_NHC_MAXCHAIN], kt = UNITS_KB_EV * th->temp, e = 0;
    nhc_mass(s, th, q);
    for (int k = 0; k < th->nchain; k++)
        e += 0.5 * q[k] * th->veta[k] * th->veta[k] + (k ? kt : md_sys_dof(s) * kt) * th->eta[k];
    return -e;
}

/* ---- MTK (md.h): the pieces of LAMMPS's FixNH for a barostat per Cartesian direction ---- */

/* Number of controlled directions. */
static int
mtk_pdim(const struct md_baro *b)
{
    return b->dirs[0] + b->dirs[1] + b->dirs[2];
}

/* A half step dt/2 of the barostat's chain and the scaling of omega_dot it makes
 * (nhc_press_integrate). */
static void
mtk_chain_half(const struct md_sys *s, struct md_baro *b, double dt)
{
    int m = b->pchain, pdim = mtk_pdim(b);
    double w, q, kt = UNITS_KB_EV * b->temp, ke = 0;
    double dt2 = 0.5 * dt, dt4 = 0.25 * dt, dt8 = 0.125 * dt, e;
    double *v = b->etap_dot, *a = b->etap_dotdot, *od = b->omega_dot;
    md_baro_mtk_mass(b, s, &w, &q);
    for (int d = 0; d < 3; d++)
        if (b->dirs[d])
            ke += w * od[d] * od[d];
    a[0] = (ke - pdim * kt) / q;
    for (int k = m - 1; k > 0; k--) {
        e = exp(-dt8 * v[k + 1]);
        v[k] = (v[k] * e + a[k] * dt4) * e;
    }
    e = exp(-dt8 * v[1]);
    v[0] = (v[0] * e + a[0] * dt4) * e;
    for (int k = 0; k < m; k++)
        b->etap[k] += dt2 * v[k];
    double f = exp(-dt2 * v[0]);
    ke = 0;
    for (int d = 0; d < 3; d++)
        if (b->dirs[d]) {
            od[d] *= f;
            ke += w * od[d] * od[d];
        }
    a[0] = (ke - pdim * kt) / q;
    v[0] = (v[0] * e + a[0] * dt4) * e;
    for (int k = 1; k < m; k++) {
        e = exp(-dt8 * v[k + 1]);
        a[k] = (q * v[k - 1] * v[k - 1] - kt) / q;
        v[k] = (v[k] * e + a[k] * dt4) * e;
    }
}

/* A half step dt/2 of the barostat velocities with the pressure of the velocities now and the
 * virial w (nh_omega_dot); returns the MTK term sum_a omega_dot_a / (d N) of the velocity
 * scaling. */
static double
mtk_omega_half(const struct md_sys *s, struct md_baro *b, const double w[9], double dt)
{
    double k[9], wm, q, v = fabs(core_cell_volume(s->cell));
    double nd = (double)mtk_pdim(b) * (double)s->natoms, t1 = 0, t2 = 0;
    md_baro_mtk_mass(b, s, &wm, &q);
    md_sys_kinetic(s, k);
    for (int a = 0; a < 3; a++)
        if (b->dirs[a])
            t1 += k[4 * a];
    t1 /= nd;
    for (int a = 0; a < 3; a++)
        if (b->dirs[a]) {
            double p = (k[4 * a] + w[4 * a]) / v;
            b->omega_dot[a] += ((p - b->press) * v / wm + t1 / wm) * (0.5 * dt);
            t2 += b->omega_dot[a];
        }
    return t2 / nd;
}

/* The barostat's half-step scaling of the velocities, exp(-dt/2 (omega_dot_a + t2)) along a
 * (nh_v_press, two factors of dt/4 as there). The kinetic energy it changes along directions
 * not controlled is not balanced by the barostat's force: it goes into b->work. */
static void
mtk_v_press(struct md_sys *s, struct md_baro *b, double t2, double dt)
{
    double f[3], k0[9], k1[9];
    for (int a = 0; a < 3; a++)
        f[a] = exp(-0.25 * dt * ((b->dirs[a] ? b->omega_dot[a] : 0) + t2));
    md_sys_kinetic(s, k0);
    long long n = (long long)s->natoms;
#pragma omp parallel for schedule(static) if (n >= MD_OMP_MIN)
    for (long long i = 0; i < n; i++)
        for (int a = 0; a < 3; a++) {
            s->vel[3 * i + a] *= f[a];
            s->vel[3 * i + a] *= f[a];
        }
    md_sys_kinetic(s, k1);
    for (int a = 0; a < 3; a++)
        if (!b->dirs[a])
            b->work += 0.5 * (k1[4 * a] - k0[4 * a]);
}

/* Dilates the cell and the positions by exp(dt/2 omega_dot_a) along the controlled directions
 * (remap), the velocities unchanged (kept in the scratch s->xi across md_sys_deform). */
static int
mtk_remap(struct md_sys *s, const struct md_baro *b, double dt, struct core_err *err)
{
    static const char xyz[] = "xyz";
    double mu[3] = {1, 1, 1};
    for (int a = 0; a < 3; a++)
        if (b->dirs[a]) {
            mu[a] = exp(0.5 * dt * b->omega_dot[a]);
            if (!(mu[a] > 0.5 && mu[a] < 2))
                return core_err_set(err, CORE_EPHYS,
                                    "cell: MTK scale factor %g along %c in half a step (the "
                                    "stress is far from the target: raise --pdamp)",
                                    mu[a], xyz[a]);
        }
    size_t n3 = 3 * s->natoms;
    memcpy(s->xi, s->vel, n3 * sizeof *s->xi);
    md_sys_deform(s, mu);
    memcpy(s->vel, s->xi, n3 * sizeof *s->vel);
    return CORE_OK;
}

/* The first half of an MTK step, up to the force call: see md.h. *t2 gets the MTK term of the
 * velocity scaling for the second half. */
static int
mtk_first(struct md_sys *s, struct md_thermostat *th, struct md_baro *b, const double st[9],
          const double w[9], double dt, double *t2, struct core_err *err)
{
    if (b->step == 0) { /* the chain forces at rest, as LAMMPS's fix npt sets them up */
        double wm, q, kt = UNITS_KB_EV * b->temp;
        md_baro_mtk_mass(b, s, &wm, &q);
        for (int k = 1; k < b->pchain; k++)
            b->etap_dotdot[k] = (q * b->etap_dot[k - 1] * b->etap_dot[k - 1] - kt) / q;
    }
    b->work = b->heat + md_baro_energy(b, s);
    mtk_chain_half(s, b, dt);
    nhc_half(s, th, dt);
    *t2 = mtk_omega_half(s, b, w, dt);
    mtk_v_press(s, b, *t2, dt);
    md_sys_kick(s, 0.5 * dt, NULL, 0);
    int status = mtk_remap(s, b, dt, err);
    if (status)
        return status;
    md_sys_drift(s, dt);
    status = mtk_remap(s, b, dt, err);
    if (!status && b->tdir >= 0)
        status = md_baro_move(b, s, st, w, dt, err);
    return status;
}

/* The second half of an MTK step, after the force call. */
static void
mtk_second(struct md_sys *s, struct md_thermostat *th, struct md_baro *b, double t2, double dt)
{
    double w[9];
    md_sys_kick(s, 0.5 * dt, NULL, 0);
    mtk_v_press(s, b, t2, dt);
    md_sys_virial(s, w);
    mtk_omega_half(s, b, w, dt);
    nhc_half(s, th, dt);
    th->heat = nhc_heat(s, th);
    mtk_chain_half(s, b, dt);
    if (b->tdir < 0)
        b->step++;
}

/* The cell move of a step, when there is one (b may be NULL). */
static int
baro_move(struct md_baro *b, struct md_sys *s, const double st[9], const double w[9], double dt,
          struct core_err *err)
{
    if (!b || (b->kind == MD_BARO_NONE && b->tdir < 0))
        return CORE_OK;
    return md_baro_move(b, s, st, w, dt, err);
}

int
md_npt_step(struct md_sys *s, const struct md_pot *pot, struct md_thermostat *th, struct md_baro *b,
            double dt, struct core_err *err)
{
    int status, cellmove = b && (b->kind != MD_BARO_NONE || b->tdir >= 0);
    int mtk = b && b->kind == MD_BARO_MTK;
    double st[9] = {0}, w[9] = {0}, t2 = 0;
    if (mtk && th->kind != MD_THERMOSTAT_NHC)
        return core_err_set(err, CORE_EINPUT, "barostat: mtk needs the nhc thermostat, not %s",
                            md_thermostat_name(th->kind));
    if ((th->kind == MD_THERMOSTAT_LANGEVIN || mtk) && !s->xi &&
        !(s->xi = malloc(3 * (s->natoms ? s->natoms : 1) * sizeof *s->xi)))
        return core_err_set(err, CORE_ENOMEM, "out of memory for %zu atoms", s->natoms);
    if (!s->have_force && (status = md_sys_compute(s, pot, err)))
        return status;
    if (cellmove) {
        double k[9], v = fabs(core_cell_volume(s->cell));
        md_sys_virial(s, w);
        md_sys_kinetic(s, k);
        for (int a = 0; a < 9; a++)
            st[a] = -(w[a] + k[a]) / v;
    }
    switch (th->kind) {
    case MD_THERMOSTAT_NONE:
    case MD_THERMOSTAT_BUSSI:
        if (!cellmove) {
            status = md_nve_step(s, pot, dt, err);
        } else {
            md_sys_kick(s, 0.5 * dt, NULL, 0);
            md_sys_drift(s, dt);
            status = baro_move(b, s, st, w, dt, err);
            status = status ? status : md_sys_compute(s, pot, err);
            if (!status)
                md_sys_kick(s, 0.5 * dt, NULL, 0);
        }
        if (!status && th->kind == MD_THERMOSTAT_BUSSI)
            bussi(s, th, dt);
        break;
    case MD_THERMOSTAT_NHC:
        if (th->step == 0) { /* the chain forces at rest, as LAMMPS's fix nvt sets them up */
            double q[MD_NHC_MAXCHAIN], kt = UNITS_KB_EV * th->temp;
            nhc_mass(s, th, q);
            for (int k = 1; k < th->nchain; k++)
                th->aeta[k] = (q[k - 1] * th->veta[k - 1] * th->veta[k - 1] - kt) / q[k];
        }
        if (mtk) {
            status = mtk_first(s, th, b, st, w, dt, &t2, err);
            status = status ? status : md_sys_compute(s, pot, err);
            if (!status)
                mtk_second(s, th, b, t2, dt);
            break;
        }
        nhc_half(s, th, dt);
        md_sys_kick(s, 0.5 * dt, NULL, 0);
        md_sys_drift(s, dt);
        status = baro_move(b, s, st, w, dt, err);
        status = status ? status : md_sys_compute(s, pot, err);
        if (!status) {
            md_sys_kick(s, 0.5 * dt, NULL, 0);
            nhc_half(s, th, dt);
            th->heat = nhc_heat(s, th);
        }
        break;
    case MD_THERMOSTAT_LANGEVIN:
        md_sys_kick(s, 0.5 * dt, NULL, 0);
        md_sys_drift(s, 0.5 * dt);
        ou(s, th, dt);
        md_sys_drift(s, 0.5 * dt);
        status = baro_move(b, s, st, w, dt, err);
        status = status ? status : md_sys_compute(s, pot, err);
        if (!status)
            md_sys_kick(s, 0.5 * dt, NULL, 0);
        break;
    default:
        return core_err_set(err, CORE_EINPUT, "thermostat: unknown kind %d", (int)th->kind);
    }
    if (!status && cellmove && !(mtk && b->tdir < 0)) {
        /* trapezoid rule for the potential energy change of the move: -(W0 + W1)/2 ln mu */
        double w1[9], *acc = mtk ? &b->work : &b->heat;
        md_sys_virial(s, w1);
        for (int a = 0; a < 3; a++)
            *acc -= 0.5 * (w1[4 * a] - w[4 * a]) * b->lnmu[a];
    }
    if (!status && mtk)
        b->heat = b->work - md_baro_energy(b, s);
    if (!status)
        th->step++;
    return status;
}

int
md_nvt_step(struct md_sys *s, const struct md_pot *pot, struct md_thermostat *th, double dt,
            struct core_err *err)
{
    return md_npt_step(s, pot, th, NULL, dt, err);
}
