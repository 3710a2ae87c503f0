/*
 * baro: stress control per Cartesian direction by stochastic cell rescaling (Bernetti and
 * Bussi, J. Chem. Phys. 153, 114107 (2020), doi:10.1063/5.0020514), and the affine
 * deformation of a uniaxial tensile test. See md.h.
 *
 * MTK (Martyna-Tobias-Klein with Nose-Hoover chains, md.h) is integrated in thermostat.c
 * (md_npt_step), since it is interleaved with the thermostat's chain; here are its kind, masses
 * and energy.
 *
 * Why stochastic cell rescaling is the default, and when MTK: SCR is first order (no cell momentum
 * to equilibrate, so no cell "ringing" after a sudden change of the stress, which a tensile test
 * produces at every crack), it samples the isothermal-isobaric ensemble of the controlled
 * directions when the atoms are thermostatted, it relaxes exponentially with the chosen time
 * pdamp when compress matches the material, and one step is a few lines with one Gaussian draw
 * per direction from the counter-based generator, so a checkpoint holds its whole state. But
 * being first order, SCR lets the lateral stress of a tensile test lag and scatter, while
 * MTK's integral action (a cell momentum) keeps its mean at the target: for the modulus of a
 * rippled sheet at finite temperature, which depends on the barostat's dynamics, MTK is what
 * LAMMPS's fix npt does (tests/bench/md-tension.sh compares both).
 *
 * Per direction a, with eps_a = ln L_a, the paper's isotropic equation (their eq. (5): drift
 * -(beta/tau)(P0 - P - k_B T/V), noise sqrt(2 k_B T beta/(V tau))) is split into three
 * independent equations, each with a third of the drift and noise variance:
 *   d eps_a = -(beta/(3 tau)) (P0 - P_aa - k_B T/V) dt + sqrt(2 k_B T beta/(3 V tau)) dW_a.
 * The drift is -D_a/(k_B T) dA/d eps_a with D_a = k_B T beta/(3 V tau) and
 * dA/d eps_a = V (P0 - P_aa - k_B T/V), the derivative of the Gibbs free energy in eps_a (the
 * k_B T/V term is the Jacobian of dL_a = L_a d eps_a), so the noise and drift satisfy the
 * fluctuation-dissipation relation direction by direction. The three summed give back the
 * isotropic scheme. The Euler-Maruyama step is taken with the stress at the start of the step.
 *
 * Thin sheets: V is the volume of the cell, vacuum included, and P_aa the pressure of the
 * whole cell; the in-plane stress of the sheet in N/m is the cell's stress times the height of
 * the cell. The right compress for a sheet is therefore the sheet's in-plane compliance times
 * the cell height (for graphene, about 1/(200 N/m) * h).
 */
#include <math.h>
#include <string.h>

#include "md.h"

int
md_baro_init(struct md_baro *b, enum md_baro_kind kind, double press, double pdamp, double compress,
             const int dirs[3], double temp, uint64_t seed, struct core_err *err)
{
    memset(b, 0, sizeof *b);
    b->tdir = -1;
    b->pchain = MD_MTK_CHAIN;
    if (kind != MD_BARO_NONE && kind != MD_BARO_SCR && kind != MD_BARO_MTK)
        return core_err_set(err, CORE_EINPUT, "barostat: unknown kind %d", (int)kind);
    if (kind == MD_BARO_MTK && !(isfinite(temp) && temp > 0))
        return core_err_set(err, CORE_EINPUT,
                            "barostat: mtk needs a temperature > 0 (its masses scale with it), "
                            "not %g K",
                            temp);
    if (kind != MD_BARO_NONE) {
        if (!isfinite(press))
            return core_err_set(err, CORE_EINPUT, "barostat: pressure is not finite");
        if (!(isfinite(pdamp) && pdamp > 0))
            return core_err_set(err, CORE_EINPUT, "barostat: damping time %g ps must be > 0",
                                pdamp);
        if (kind == MD_BARO_SCR && !(isfinite(compress) && compress > 0))
            return core_err_set(err, CORE_EINPUT, "barostat: compressibility %g A^3/eV must be > 0",
                                compress);
        if (!(isfinite(temp) && temp >= 0))
            return core_err_set(err, CORE_EINPUT, "barostat: temperature %g K must be >= 0", temp);
        if (!dirs || !(dirs[0] || dirs[1] || dirs[2]))
            return core_err_set(err, CORE_EINPUT, "barostat: no direction to control");
        for (int a = 0; a < 3; a++)
            b->dirs[a] = dirs[a] != 0;
    }
    b->kind = kind;
    b->press = press;
    b->pdamp = pdamp;
    b->compress = compress;
    b->temp = temp;
    b->seed = seed;
    return CORE_OK;
}

const char *
md_baro_name(enum md_baro_kind kind)
{
    switch (kind) {
    case MD_BARO_NONE:
        return "none";
    case MD_BARO_SCR:
        return "scr";
    case MD_BARO_MTK:
        return "mtk";
    }
    return "unknown";
}

int
md_baro_kind_parse(const char *name, enum md_baro_kind *kind, struct core_err *err)
{
    static const enum md_baro_kind all[] = {MD_BARO_NONE, MD_BARO_SCR, MD_BARO_MTK};

    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        if (strcmp(name, md_baro_name(all[k])) == 0) {
            *kind = all[k];
            return CORE_OK;
        }
    return core_err_set(err, CORE_EINPUT, "unknown barostat '%s' (none, scr or mtk)", name);
}

void
md_baro_mtk_mass(const struct md_baro *b, const struct md_sys *s, double *w, double *q)
{
    double kt = UNITS_KB_EV * b->temp, t2 = b->pdamp * b->pdamp;
    *w = ((double)s->natoms + 1) * kt * t2;
    *q = kt * t2;
}

double
md_baro_energy(const struct md_baro *b, const struct md_sys *s)
{
    if (b->kind != MD_BARO_MTK)
        return 0;
    double w, q, kt = UNITS_KB_EV * b->temp, e = 0;
    int pdim = 0;
    md_baro_mtk_mass(b, s, &w, &q);
    for (int a = 0; a < 3; a++)
        if (b->dirs[a]) {
            e += 0.5 * w * b->omega_dot[a] * b->omega_dot[a];
            pdim++;
        }
    for (int k = 0; k < b->pchain; k++)
        e += (k ? kt : pdim * kt) * b->etap[k] + 0.5 * q * b->etap_dot[k] * b->etap_dot[k];
    return e;
}

int
md_baro_check(const struct md_baro *b, const struct md_sys *s, struct core_err *err)
{
    static const char xyz[] = "xyz";
    int moving =
        b->tdir >= 0 || (b->kind != MD_BARO_NONE && (b->dirs[0] || b->dirs[1] || b->dirs[2]));
    if (!moving)
        return CORE_OK;
    if (!s->has_cell || !(fabs(core_cell_volume(s->cell)) > 0))
        return core_err_set(err, CORE_EINPUT,
                            "stress control and tension need a cell with a volume");
    for (int a = 0; a < 3; a++) {
        int ctl = b->kind != MD_BARO_NONE && b->dirs[a];
        if ((ctl || a == b->tdir) && !s->pbc[a])
            return core_err_set(err, CORE_EINPUT,
                                "%s: the cell is not periodic along %c (pbc of cell vector %d)",
                                a == b->tdir ? "tension" : "barostat", xyz[a], a + 1);
    }
    if (b->tdir >= 0 && !(s->cell[4 * b->tdir] > 0))
        return core_err_set(err, CORE_EINPUT, "tension: cell component %c%c is not > 0",
                            xyz[b->tdir], xyz[b->tdir]);
    return CORE_OK;
}

int
md_baro_move(struct md_baro *b, struct md_sys *s, const double st[9], const double w[9], double dt,
             struct core_err *err)
{
    static const char xyz[] = "xyz";
    double v = fabs(core_cell_volume(s->cell)), kt = UNITS_KB_EV * b->temp;
    double mu[3] = {1, 1, 1}, lnmu[3] = {0, 0, 0};
    for (int a = 0; a < 3; a++) {
        if (a == b->tdir) {
            double target = b->len0 * (1 + b->rate * dt * (double)(b->tstep + 1));
            mu[a] = target / s->cell[4 * a];
            lnmu[a] = log(mu[a]);
        } else if (b->kind == MD_BARO_SCR && b->dirs[a]) {
            struct core_rng r;
            double c = b->compress / (3 * b->pdamp);
            core_rng_init(&r, b->seed, MD_RNG_BARO, (uint64_t)a, b->step);
            double g = core_rng_gauss(&r);
            lnmu[a] = -c * (b->press + st[4 * a] - kt / v) * dt + sqrt(2 * kt * c * dt / v) * g;
            mu[a] = exp(lnmu[a]);
        }
        if (!(mu[a] > 0.5 && mu[a] < 2))
            return core_err_set(err, CORE_EPHYS,
                                "cell: scale factor %g along %c in one step (the stress %g GPa "
                                "is far from the target: reduce --compressibility or raise "
                                "--pdamp)",
                                mu[a], xyz[a], st[4 * a] * UNITS_EVA3_GPA);
    }
    /* energy bookkeeping: kinetic exactly, P0 V exactly, potential from the virial at the start
     * (md_npt_step adds the trapezoid correction with the virial after the step) */
    double k[9], de = 0;
    md_sys_kinetic(s, k);
    for (int a = 0; a < 3; a++)
        de += 0.5 * k[4 * a] * (1 / (mu[a] * mu[a]) - 1) - w[4 * a] * lnmu[a];
    de += b->press * v * (mu[0] * mu[1] * mu[2] - 1);
    md_sys_deform(s, mu);
    *(b->kind == MD_BARO_MTK ? &b->work : &b->heat) += de;
    memcpy(b->lnmu, lnmu, sizeof lnmu);
    b->step++;
    if (b->tdir >= 0)
        b->tstep++;
    return CORE_OK;
}
