/*
 * nemd: direct-method NEMD with thermostatted hot and cold slabs, the binned temperature
 * profile and its analysis (conductivity, interface conductance). See md.h for the method,
 * units and conventions.
 *
 * The step is BAOAB for every atom (B and A are velocity Verlet's kick and drift; the O step,
 * Langevin only, acts on the slabs), so the free atoms follow velocity Verlet exactly; Bussi's
 * rescaling follows the step as in md_nvt_step. Sums over atoms run in index order on one
 * thread, so results do not depend on the number of threads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "md.h"

/* W/m^2 per eV/(ps Angstrom^2) */
#define FLUX_SI (UNITS_E_SI * 1e32)

void
md_nemd_opts_default(struct md_nemd_opts *o, enum md_nemd_geom geom)
{
    memset(o, 0, sizeof *o);
    o->axis = 0;
    o->geom = geom;
    o->temp = 300;
    o->dtemp = 40;
    o->kind = MD_THERMOSTAT_BUSSI;
    o->tdamp = 0.1;
    o->seed = 1;
    o->nbins = 20;
    if (geom == MD_NEMD_OPEN) {
        o->fixed = 0.02;
        o->hot[0] = 0.02;
        o->hot[1] = 0.12;
        o->cold[0] = 0.88;
        o->cold[1] = 0.98;
    } else {
        o->hot[0] = 0.2;
        o->hot[1] = 0.3;
        o->cold[0] = 0.7;
        o->cold[1] = 0.8;
    }
}

void
md_nemd_release(struct md_nemd *nm)
{
    free(nm->region);
    free(nm->ke2);
    free(nm->dof);
    free(nm->bprof);
    free(nm->bheat);
    free(nm->btime);
    free(nm->xi);
    memset(nm, 0, sizeof *nm);
}

static int
check_range(const double r[2], const char *what, struct core_err *err)
{
    if (!(isfinite(r[0]) && isfinite(r[1]) && r[0] >= 0 && r[1] <= 1 && r[0] < r[1]))
        return core_err_set(err, CORE_EINPUT,
                            "nemd: %s slab [%g, %g) must lie in [0, 1] and not be empty", what,
                            r[0], r[1]);
    return CORE_OK;
}

static int
check_opts(const struct md_nemd_opts *o, struct core_err *err)
{
    int status;
    if (o->axis < 0 || o->axis > 2)
        return core_err_set(err, CORE_EINPUT, "nemd: axis %d must be 0, 1 or 2 (x, y, z)", o->axis);
    if (o->geom != MD_NEMD_PERIODIC && o->geom != MD_NEMD_OPEN)
        return core_err_set(err, CORE_EINPUT, "nemd: unknown geometry %d", (int)o->geom);
    if (o->nbins < 2)
        return core_err_set(err, CORE_EINPUT, "nemd: %zu bins: need at least 2", o->nbins);
    if (!(isfinite(o->temp) && isfinite(o->dtemp) && o->dtemp >= 0 &&
          o->temp - 0.5 * o->dtemp >= 0))
        return core_err_set(err, CORE_EINPUT,
                            "nemd: temperature %g K and difference %g K must give slab "
                            "temperatures >= 0",
                            o->temp, o->dtemp);
    if (o->kind != MD_THERMOSTAT_BUSSI && o->kind != MD_THERMOSTAT_LANGEVIN)
        return core_err_set(err, CORE_EINPUT,
                            "nemd: the slab thermostat must be bussi or "
                            "langevin");
    if (!(isfinite(o->tdamp) && o->tdamp > 0))
        return core_err_set(err, CORE_EINPUT, "nemd: damping time %g ps must be > 0", o->tdamp);
    if ((status = check_range(o->hot, "hot", err)) || (status = check_range(o->cold, "cold", err)))
        return status;
    if (o->hot[0] < o->cold[1] && o->cold[0] < o->hot[1])
        return core_err_set(err, CORE_EINPUT,
                            "nemd: hot slab [%g, %g) and cold slab [%g, %g) "
                            "overlap",
                            o->hot[0], o->hot[1], o->cold[0], o->cold[1]);
    if (o->geom == MD_NEMD_OPEN) {
        if (!(isfinite(o->fixed) && o->fixed >= 0 && o->fixed < 0.5))
            return core_err_set(err, CORE_EINPUT, "nemd: fixed layer %g must be in [0, 0.5)",
                                o->fixed);
        double lo = fmin(o->hot[0], o->cold[0]), hi = fmax(o->hot[1], o->cold[1]);
        if (lo < o->fixed || hi > 1 - o->fixed)
            return core_err_set(err, CORE_EINPUT,
                                "nemd: the slabs must lie between the fixed layers [0, %g) and "
                                "[%g, 1]",
                                o->fixed, 1 - o->fixed);
    }
    if (!(isfinite(o->area) && o->area >= 0) || !(isfinite(o->thickness) && o->thickness >= 0))
        return core_err_set(err, CORE_EINPUT, "nemd: area %g and thickness %g must be >= 0",
                            o->area, o->thickness);
    return CORE_OK;
}

/* Cross-section |(a_p x a_q) . e_axis|, a non-periodic one of a_p, a_q of length thickness. */
static int
cross_section(const struct md_nemd_opts *o, const struct md_sys *s, double *area,
              struct core_err *err)
{
    if (o->area > 0) {
        *area = o->area;
        return CORE_OK;
    }
    if (!s->has_cell)
        return core_err_set(err, CORE_EINPUT, "nemd: no cell: give the cross-section area");
    int p = (o->axis + 1) % 3, q = (o->axis + 2) % 3;
    double a[3], b[3];
    memcpy(a, s->cell + 3 * p, sizeof a);
    memcpy(b, s->cell + 3 * q, sizeof b);
    int np = !s->pbc[p] + !s->pbc[q];
    if (np == 2)
        return core_err_set(err, CORE_EINPUT,
                            "nemd: no periodic direction across the axis: give the area");
    if (np == 1) {
        if (!(o->thickness > 0))
            return core_err_set(err, CORE_EINPUT,
                                "nemd: a sheet (direction %c not periodic) needs a thickness",
                                "xyz"[s->pbc[p] ? q : p]);
        double *v = s->pbc[p] ? b : a, l = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        if (!(l > 0))
            return core_err_set(err, CORE_EINPUT, "nemd: the sheet's normal cell vector is zero");
        for (int k = 0; k < 3; k++)
            v[k] *= o->thickness / l;
    }
    int k = o->axis;
    double c = a[(k + 1) % 3] * b[(k + 2) % 3] - a[(k + 2) % 3] * b[(k + 1) % 3];
    *area = fabs(c);
    if (!(*area > 0))
        return core_err_set(err, CORE_EINPUT, "nemd: the cross-section across %c is zero",
                            "xyz"[k]);
    return CORE_OK;
}

/* Fraction of the length along the axis of coordinate x (wrapped when periodic). */
static double
frac(const struct md_nemd *nm, double x)
{
    double f = (x - nm->lo) / nm->len;
    if (nm->o.geom == MD_NEMD_PERIODIC)
        f -= floor(f);
    return f;
}

static int
in_range(const double r[2], double f)
{
    return f >= r[0] && f < r[1];
}

int
md_nemd_init(struct md_nemd *nm, const struct md_nemd_opts *o, struct md_sys *s,
             struct core_err *err)
{
    int status, ax = o->axis;
    size_t n = s->natoms, n1 = n ? n : 1;

    memset(nm, 0, sizeof *nm);
    if ((status = check_opts(o, err)))
        return status;
    nm->o = *o;
    if (o->geom == MD_NEMD_PERIODIC) {
        if (!s->has_cell || !s->pbc[ax])
            return core_err_set(err, CORE_EINPUT,
                                "nemd: the periodic geometry needs a cell periodic along %c",
                                "xyz"[ax]);
        for (int j = 0; j < 3; j++)
            if (j != ax && s->cell[3 * j + ax] != 0)
                return core_err_set(err, CORE_EINPUT,
                                    "nemd: cell vector %d has a component along the axis %c", j + 1,
                                    "xyz"[ax]);
        nm->lo = 0;
        nm->len = s->cell[4 * ax];
        if (!(nm->len > 0))
            return core_err_set(err, CORE_EINPUT, "nemd: cell length %g along %c must be > 0",
                                nm->len, "xyz"[ax]);
    } else {
        if (s->has_cell && s->pbc[ax])
            return core_err_set(err, CORE_EINPUT,
                                "nemd: the open geometry needs a non-periodic axis (%c is "
                                "periodic)",
                                "xyz"[ax]);
        double lo = HUGE_VAL, hi = -HUGE_VAL;
        for (size_t i = 0; i < n; i++) {
            lo = fmin(lo, s->pos[3 * i + ax]);
            hi = fmax(hi, s->pos[3 * i + ax]);
        }
        if (!(hi > lo))
            return core_err_set(err, CORE_EINPUT, "nemd: the atoms span no length along %c",
                                "xyz"[ax]);
        nm->lo = lo;
        nm->len = hi - lo;
    }
    if ((status = cross_section(o, s, &nm->area, err)))
        return status;

    nm->natoms = n;
    nm->region = calloc(n1, 1);
    nm->ke2 = calloc(o->nbins, sizeof *nm->ke2);
    nm->dof = calloc(o->nbins, sizeof *nm->dof);
    nm->xi = calloc(3 * n1, sizeof *nm->xi);
    if (!nm->region || !nm->ke2 || !nm->dof || !nm->xi) {
        status = core_err_set(err, CORE_ENOMEM, "out of memory for %zu atoms", n);
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        double f = frac(nm, s->pos[3 * i + ax]);
        unsigned char r = MD_NEMD_FREE;
        if (o->geom == MD_NEMD_OPEN && (f < o->fixed || f >= 1 - o->fixed))
            r = MD_NEMD_FIXED;
        else if (in_range(o->hot, f))
            r = MD_NEMD_HOT;
        else if (in_range(o->cold, f))
            r = MD_NEMD_COLD;
        nm->region[i] = r;
        nm->nhot += r == MD_NEMD_HOT;
        nm->ncold += r == MD_NEMD_COLD;
        nm->nfixed += r == MD_NEMD_FIXED;
    }
    if (nm->nhot < 2 || nm->ncold < 2) {
        status = core_err_set(err, CORE_EINPUT,
                              "nemd: the hot slab holds %zu atoms and the cold one %zu: need at "
                              "least 2 each",
                              nm->nhot, nm->ncold);
        goto fail;
    }
    nm->nmobile = n - nm->nfixed;
    nm->dofscale = o->geom == MD_NEMD_PERIODIC ? (double)(nm->nmobile - 1) / nm->nmobile : 1.0;
    for (int k = 0; k < 2; k++) {
        double t = o->temp + (k ? -0.5 : 0.5) * o->dtemp;
        if ((status = md_thermostat_init(&nm->th[k], o->kind, t, o->tdamp, o->seed, err)))
            goto fail;
    }
    for (size_t i = 0; i < n; i++)
        if (nm->region[i] == MD_NEMD_FIXED)
            s->vel[3 * i] = s->vel[3 * i + 1] = s->vel[3 * i + 2] = 0;
    return CORE_OK;
fail:
    md_nemd_release(nm);
    return status;
}

/* Centre-of-mass velocity of the atoms of region reg, and their total mass. */
static double
slab_com(const struct md_nemd *nm, const struct md_sys *s, int reg, double vcm[3])
{
    double m = 0, p[3] = {0, 0, 0};
    for (size_t i = 0; i < s->natoms; i++) {
        if (nm->region[i] != reg)
            continue;
        for (int k = 0; k < 3; k++)
            p[k] += s->mass[i] * s->vel[3 * i + k];
        m += s->mass[i];
    }
    for (int k = 0; k < 3; k++)
        vcm[k] = p[k] / m;
    return m;
}

/* Kinetic energy (eV) of region reg relative to velocity vcm. */
static double
slab_kinetic(const struct md_nemd *nm, const struct md_sys *s, int reg, const double vcm[3])
{
    double k2 = 0;
    for (size_t i = 0; i < s->natoms; i++) {
        if (nm->region[i] != reg)
            continue;
        const double *v = s->vel + 3 * i;
        double a = v[0] - vcm[0], b = v[1] - vcm[1], c = v[2] - vcm[2];
        k2 += s->mass[i] * (a * a + b * b + c * c);
    }
    return 0.5 * MD_EV_PER_MV2 * k2;
}

/* Bussi's rescaling of the internal kinetic energy of slab k (0 hot, 1 cold). */
static void
bussi_slab(struct md_nemd *nm, struct md_sys *s, int k, double dt)
{
    struct md_thermostat *th = &nm->th[k];
    int reg = k ? MD_NEMD_COLD : MD_NEMD_HOT;
    double vcm[3], nf = 3.0 * (double)(k ? nm->ncold : nm->nhot) - 3.0;
    slab_com(nm, s, reg, vcm);
    double kin = slab_kinetic(nm, s, reg, vcm);
    if (!(kin > 0))
        return;
    double kt = 0.5 * nf * UNITS_KB_EV * th->temp, c = exp(-dt / th->tdamp);
    struct core_rng r;
    core_rng_init(&r, th->seed, MD_RNG_BUSSI, (uint64_t)(k + 1), th->step);
    double r1 = core_rng_gauss(&r), sn = core_rng_chi2(&r, nf - 1);
    double knew =
        c * kin + (1 - c) * kt * (r1 * r1 + sn) / nf + 2 * r1 * sqrt(c * (1 - c) * kin * kt / nf);
    if (!(knew > 0))
        knew = 0;
    double a = sqrt(knew / kin);
    for (size_t i = 0; i < s->natoms; i++)
        if (nm->region[i] == reg)
            for (int d = 0; d < 3; d++)
                s->vel[3 * i + d] = vcm[d] + a * (s->vel[3 * i + d] - vcm[d]);
    th->heat += slab_kinetic(nm, s, reg, vcm) - kin;
}

/* The O step of BAOAB on slab k: v = v_cm + c (v - v_cm) + xi - xi_cm. */
static void
langevin_slab(struct md_nemd *nm, struct md_sys *s, int k, double dt)
{
    struct md_thermostat *th = &nm->th[k];
    int reg = k ? MD_NEMD_COLD : MD_NEMD_HOT;
    double vcm[3], xcm[3] = {0, 0, 0};
    double m = slab_com(nm, s, reg, vcm);
    double kin = slab_kinetic(nm, s, reg, vcm);
    double c = exp(-dt / th->tdamp), c2 = sqrt(1 - c * c);
    for (size_t i = 0; i < s->natoms; i++) {
        if (nm->region[i] != reg)
            continue;
        struct core_rng r;
        core_rng_init(&r, th->seed, MD_RNG_LANGEVIN, i, th->step);
        double sd = c2 * sqrt(UNITS_KB_EV * th->temp / (s->mass[i] * MD_EV_PER_MV2));
        for (int d = 0; d < 3; d++) {
            nm->xi[3 * i + d] = sd * core_rng_gauss(&r);
            xcm[d] += s->mass[i] * nm->xi[3 * i + d];
        }
    }
    for (int d = 0; d < 3; d++)
        xcm[d] /= m;
    for (size_t i = 0; i < s->natoms; i++)
        if (nm->region[i] == reg)
            for (int d = 0; d < 3; d++)
                s->vel[3 * i + d] =
                    vcm[d] + c * (s->vel[3 * i + d] - vcm[d]) + (nm->xi[3 * i + d] - xcm[d]);
    th->heat += slab_kinetic(nm, s, reg, vcm) - kin;
}

int
md_nemd_step(struct md_nemd *nm, struct md_sys *s, const struct md_pot *pot, double dt,
             struct core_err *err)
{
    int status;
    if (s->natoms != nm->natoms)
        return core_err_set(err, CORE_EINPUT, "nemd: set up for %zu atoms, not %zu", nm->natoms,
                            s->natoms);
    if (!s->have_force && (status = md_sys_compute(s, pot, err)))
        return status;
    md_sys_kick(s, 0.5 * dt, nm->region, MD_NEMD_FIXED);
    if (nm->o.kind == MD_THERMOSTAT_LANGEVIN) {
        md_sys_drift(s, 0.5 * dt);
        langevin_slab(nm, s, 0, dt);
        langevin_slab(nm, s, 1, dt);
        md_sys_drift(s, 0.5 * dt);
    } else {
        md_sys_drift(s, dt);
    }
    if ((status = md_sys_compute(s, pot, err)))
        return status;
    md_sys_kick(s, 0.5 * dt, nm->region, MD_NEMD_FIXED);
    if (nm->o.kind == MD_THERMOSTAT_BUSSI) {
        bussi_slab(nm, s, 0, dt);
        bussi_slab(nm, s, 1, dt);
    }
    nm->th[0].step++;
    nm->th[1].step++;
    nm->time += dt;
    return CORE_OK;
}

void
md_nemd_sample(struct md_nemd *nm, const struct md_sys *s)
{
    size_t nb = nm->o.nbins;
    for (size_t i = 0; i < s->natoms && i < nm->natoms; i++) {
        if (nm->region[i] == MD_NEMD_FIXED)
            continue;
        double f = frac(nm, s->pos[3 * i + nm->o.axis]);
        size_t b = f <= 0 ? 0 : (size_t)(f * (double)nb);
        if (b >= nb)
            b = nb - 1;
        const double *v = s->vel + 3 * i;
        nm->ke2[b] += MD_EV_PER_MV2 * s->mass[i] * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        nm->dof[b] += 3.0 * nm->dofscale;
    }
    nm->nsamples++;
}

/* Room for one more closed block. */
static int
block_grow(struct md_nemd *nm, struct core_err *err)
{
    size_t nb = nm->o.nbins;
    if (nm->nblocks < nm->blockcap)
        return CORE_OK;
    size_t cap = nm->blockcap ? 2 * nm->blockcap : 16;
    double *p = realloc(nm->bprof, cap * nb * sizeof *p);
    if (!p)
        return core_err_set(err, CORE_ENOMEM, "out of memory for %zu blocks", cap);
    nm->bprof = p;
    if (!(p = realloc(nm->bheat, 2 * cap * sizeof *p)))
        return core_err_set(err, CORE_ENOMEM, "out of memory for %zu blocks", cap);
    nm->bheat = p;
    if (!(p = realloc(nm->btime, cap * sizeof *p)))
        return core_err_set(err, CORE_ENOMEM, "out of memory for %zu blocks", cap);
    nm->btime = p;
    nm->blockcap = cap;
    return CORE_OK;
}

int
md_nemd_block_end(struct md_nemd *nm, struct core_err *err)
{
    size_t nb = nm->o.nbins;
    double dt = nm->time - nm->time0;
    int status;
    if (!nm->nsamples || !(dt > 0))
        return core_err_set(err, CORE_EINPUT,
                            "nemd: a block needs samples and time (%zu samples, %g ps)",
                            nm->nsamples, dt);
    if ((status = block_grow(nm, err)))
        return status;
    size_t k = nm->nblocks++;
    for (size_t b = 0; b < nb; b++) {
        nm->bprof[k * nb + b] = nm->dof[b] > 0 ? nm->ke2[b] / (UNITS_KB_EV * nm->dof[b]) : NAN;
        nm->ke2[b] = nm->dof[b] = 0;
    }
    for (int t = 0; t < 2; t++) {
        nm->bheat[2 * k + t] = nm->th[t].heat - nm->heat0[t];
        nm->heat0[t] = nm->th[t].heat;
    }
    nm->btime[k] = dt;
    nm->time0 = nm->time;
    nm->nsamples = 0;
    return CORE_OK;
}

int
md_nemd_block_add(struct md_nemd *nm, const double *prof, const double heat[2], double time,
                  struct core_err *err)
{
    size_t nb = nm->o.nbins;
    int status;
    if (!(isfinite(time) && time > 0) || !isfinite(heat[0]) || !isfinite(heat[1]))
        return core_err_set(err, CORE_EINPUT,
                            "nemd: a block needs a time > 0 (%g ps) and finite heats", time);
    for (size_t b = 0; b < nb; b++)
        if (!isnan(prof[b]) && !(isfinite(prof[b]) && prof[b] >= 0))
            return core_err_set(err, CORE_EINPUT,
                                "nemd: bin %zu of a block has temperature %g K (need >= 0 or NaN)",
                                b + 1, prof[b]);
    if ((status = block_grow(nm, err)))
        return status;
    size_t k = nm->nblocks++;
    memcpy(nm->bprof + k * nb, prof, nb * sizeof *prof);
    nm->bheat[2 * k] = heat[0];
    nm->bheat[2 * k + 1] = heat[1];
    nm->btime[k] = time;
    return CORE_OK;
}

int
md_nemd_advance(struct md_nemd *nm, struct md_sys *s, const struct md_pot *pot, double dt,
                uint64_t step, uint64_t nequil, uint64_t nblock, struct core_err *err)
{
    int status;
    if (nblock < 1)
        return core_err_set(err, CORE_EINPUT, "nemd: a block must have at least 1 step");
    if ((status = md_nemd_step(nm, s, pot, dt, err)))
        return status;
    if (step < nequil)
        return CORE_OK;
    if (step == nequil) {
        md_nemd_block_discard(nm);
        return CORE_OK;
    }
    md_nemd_sample(nm, s);
    if ((step - nequil) % nblock == 0)
        return md_nemd_block_end(nm, err);
    return CORE_OK;
}

void
md_nemd_block_discard(struct md_nemd *nm)
{
    for (size_t b = 0; b < nm->o.nbins; b++)
        nm->ke2[b] = nm->dof[b] = 0;
    nm->nsamples = 0;
    nm->heat0[0] = nm->th[0].heat;
    nm->heat0[1] = nm->th[1].heat;
    nm->time0 = nm->time;
}

/* Mean and standard error of n values. */
static void
mean_se(size_t n, const double *v, double *mean, double *se)
{
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    double m = s / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - m) * (v[i] - m);
    *mean = m;
    *se = n > 1 ? sqrt(ss / ((double)n - 1) / (double)n) : 0;
}

void
md_nemd_profile(const struct md_nemd *nm, double *x, double *t, double *terr)
{
    size_t nb = nm->o.nbins, nk = nm->nblocks;
    for (size_t b = 0; b < nb; b++) {
        x[b] = ((double)b + 0.5) / (double)nb * nm->len;
        double s = 0, ss = 0;
        for (size_t k = 0; k < nk; k++)
            s += nm->bprof[k * nb + b];
        double m = nk ? s / (double)nk : NAN;
        for (size_t k = 0; k < nk; k++)
            ss += (nm->bprof[k * nb + b] - m) * (nm->bprof[k * nb + b] - m);
        t[b] = m;
        if (terr)
            terr[b] = nk > 1 ? sqrt(ss / (double)(nk - 1) / (double)nk) : 0;
    }
}

int
md_nemd_linfit(size_t n, const double *x, const double *y, double *slope, double *icpt,
               double *slope_err, struct core_err *err)
{
    size_t m = 0;
    double sx = 0, sy = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(y[i])) {
            sx += x[i];
            sy += y[i];
            m++;
        }
    if (m < 2)
        return core_err_set(err, CORE_EINPUT, "nemd: a line through %zu points", m);
    double mx = sx / (double)m, my = sy / (double)m, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(y[i])) {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
        }
    if (!(sxx > 0))
        return core_err_set(err, CORE_EINPUT, "nemd: a line through points at one abscissa");
    double b = sxy / sxx, a = my - b * mx;
    *slope = b;
    *icpt = a;
    if (slope_err) {
        double rss = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(y[i])) {
                double r = y[i] - a - b * x[i];
                rss += r * r;
            }
        *slope_err = m > 2 ? sqrt(rss / ((double)m - 2) / sxx) : 0;
    }
    return CORE_OK;
}

/* A path between the slabs: fractions a < b (b may exceed 1 across the periodic boundary),
 * dir +1 when heat flows towards +axis along it. */
struct path {
    double a, b;
    int dir;
};

static size_t
paths(const struct md_nemd *nm, struct path p[2])
{
    const struct md_nemd_opts *o = &nm->o;
    int hot_first = o->hot[0] < o->cold[0];
    const double *s1 = hot_first ? o->hot : o->cold, *s2 = hot_first ? o->cold : o->hot;
    p[0].a = s1[1];
    p[0].b = s2[0];
    p[0].dir = hot_first ? 1 : -1;
    if (o->geom == MD_NEMD_OPEN)
        return 1;
    p[1].a = s2[1];
    p[1].b = s1[0] + 1;
    p[1].dir = -p[0].dir;
    return 2;
}

/* The bins of block k with centres (unwrapped onto [a, b]) in [lo, hi]: x in Angstrom. */
static size_t
gather(const struct md_nemd *nm, size_t k, double a, double b, double lo, double hi, double *x,
       double *y)
{
    size_t nb = nm->o.nbins, m = 0;
    for (size_t i = 0; i < nb; i++) {
        double c = ((double)i + 0.5) / (double)nb;
        if (c < a && nm->o.geom == MD_NEMD_PERIODIC)
            c += 1;
        if (c < lo || c > hi || c > b)
            continue;
        x[m] = c * nm->len;
        y[m] = nm->bprof[k * nb + i];
        m++;
    }
    return m;
}

/* Least-squares line of block k over [lo, hi] of the path [a, b]. */
static int
fit_range(const struct md_nemd *nm, size_t k, double a, double b, double lo, double hi, double *x,
          double *y, double *slope, double *icpt, struct core_err *err)
{
    size_t m = gather(nm, k, a, b, lo, hi, x, y);
    int status = md_nemd_linfit(m, x, y, slope, icpt, NULL, err);
    if (status)
        return core_err_set(err, status,
                            "nemd: block %zu: fewer than 2 bins in [%g, %g] of the length to fit",
                            k + 1, lo, hi);
    return CORE_OK;
}

/* Heat current of block k, W/m^2. */
static double
block_flux(const struct md_nemd *nm, size_t k)
{
    double q = 0.5 * (nm->bheat[2 * k] - nm->bheat[2 * k + 1]);
    double npath = nm->o.geom == MD_NEMD_PERIODIC ? 2 : 1;
    return q / (nm->btime[k] * npath * nm->area) * FLUX_SI;
}

int
md_nemd_kappa(const struct md_nemd *nm, double margin, struct md_nemd_kappa *r,
              struct core_err *err)
{
    size_t nk = nm->nblocks, nb = nm->o.nbins;
    int status = CORE_OK;
    memset(r, 0, sizeof *r);
    if (!nk)
        return core_err_set(err, CORE_EINPUT, "nemd: no closed block to analyse");
    if (!(isfinite(margin) && margin >= 0))
        return core_err_set(err, CORE_EINPUT, "nemd: margin %g must be >= 0", margin);
    struct path p[2];
    size_t np = paths(nm, p);
    double *x = malloc(2 * nb * sizeof *x), *kb = malloc(3 * nk * sizeof *kb);
    if (!x || !kb) {
        status = core_err_set(err, CORE_ENOMEM, "out of memory for %zu blocks", nk);
        goto done;
    }
    double *y = x + nb, *jb = kb + nk, *gb = kb + 2 * nk;
    for (size_t k = 0; k < nk; k++) {
        double g = 0;
        for (size_t q = 0; q < np; q++) {
            double slope, icpt;
            if ((status = fit_range(nm, k, p[q].a, p[q].b, p[q].a + margin, p[q].b - margin, x, y,
                                    &slope, &icpt, err)))
                goto done;
            g += -p[q].dir * slope / (double)np;
        }
        if (!(g != 0) || !isfinite(g)) {
            status =
                core_err_set(err, CORE_EINPUT, "nemd: block %zu: no temperature gradient", k + 1);
            goto done;
        }
        jb[k] = block_flux(nm, k);
        gb[k] = g;
        kb[k] = jb[k] / (g * 1e10);
    }
    r->nblocks = nk;
    mean_se(nk, jb, &r->flux, &r->flux_err);
    mean_se(nk, gb, &r->grad, &r->grad_err);
    mean_se(nk, kb, &r->kappa, &r->kappa_err);
done:
    free(x);
    free(kb);
    return status;
}

int
md_nemd_interface(const struct md_nemd *nm, double xi, double margin, struct md_nemd_iface *r,
                  struct core_err *err)
{
    size_t nk = nm->nblocks, nb = nm->o.nbins;
    int status = CORE_OK;
    memset(r, 0, sizeof *r);
    if (!isfinite(xi))
        return core_err_set(err, CORE_EINPUT, "nemd: interface position is not finite");
    if (!(isfinite(margin) && margin >= 0))
        return core_err_set(err, CORE_EINPUT, "nemd: margin %g must be >= 0", margin);
    struct path p[2], *on = NULL;
    size_t np = paths(nm, p);
    double f = nm->o.geom == MD_NEMD_PERIODIC ? xi - floor(xi) : xi;
    for (size_t q = 0; q < np && !on; q++) {
        if (f > p[q].a && f < p[q].b)
            on = &p[q];
        else if (nm->o.geom == MD_NEMD_PERIODIC && f + 1 > p[q].a && f + 1 < p[q].b) {
            on = &p[q];
            f += 1;
        }
    }
    if (!on)
        return core_err_set(err, CORE_EINPUT,
                            "nemd: interface at %g of the length is not between the slabs", xi);
    if (!nk)
        return core_err_set(err, CORE_EINPUT, "nemd: no closed block to analyse");
    double *x = malloc(2 * nb * sizeof *x), *v = malloc(5 * nk * sizeof *v);
    if (!x || !v) {
        status = core_err_set(err, CORE_ENOMEM, "out of memory for %zu blocks", nk);
        goto done;
    }
    double *y = x + nb, *jb = v, *db = v + nk, *gb = v + 2 * nk, *gu = v + 3 * nk, *gd = v + 4 * nk;
    r->pos = f * nm->len;
    for (size_t k = 0; k < nk; k++) {
        double sl, il, sr, ir;
        if ((status =
                 fit_range(nm, k, on->a, on->b, on->a + margin, f - margin, x, y, &sl, &il, err)) ||
            (status =
                 fit_range(nm, k, on->a, on->b, f + margin, on->b - margin, x, y, &sr, &ir, err)))
            goto done;
        double tl = il + sl * r->pos, tr = ir + sr * r->pos;
        double jump = on->dir > 0 ? tl - tr : tr - tl;
        if (!(jump != 0) || !isfinite(jump)) {
            status = core_err_set(err, CORE_EINPUT, "nemd: block %zu: no temperature jump", k + 1);
            goto done;
        }
        jb[k] = block_flux(nm, k);
        db[k] = jump;
        gb[k] = jb[k] / jump;
        gu[k] = -on->dir * (on->dir > 0 ? sl : sr);
        gd[k] = -on->dir * (on->dir > 0 ? sr : sl);
    }
    double e;
    r->nblocks = nk;
    mean_se(nk, jb, &r->flux, &r->flux_err);
    mean_se(nk, db, &r->jump, &r->jump_err);
    mean_se(nk, gb, &r->g, &r->g_err);
    mean_se(nk, gu, &r->grad_up, &e);
    mean_se(nk, gd, &r->grad_dn, &e);
done:
    free(x);
    free(v);
    return status;
}

struct keyed {
    double f;
    int z;
};

static int
keyed_cmp(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    return (x->f > y->f) - (x->f < y->f);
}

int
md_nemd_find_interfaces(const struct md_nemd *nm, const struct md_sys *s, double *xi, size_t maxn,
                        size_t *n, struct core_err *err)
{
    size_t m = 0, nn = s->natoms < nm->natoms ? s->natoms : nm->natoms;
    *n = 0;
    struct keyed *k = malloc((nn ? nn : 1) * sizeof *k);
    if (!k)
        return core_err_set(err, CORE_ENOMEM, "out of memory for %zu atoms", nn);
    for (size_t i = 0; i < nn; i++)
        if (nm->region[i] != MD_NEMD_FIXED) {
            k[m].f = frac(nm, s->pos[3 * i + nm->o.axis]);
            k[m].z = s->z[i];
            m++;
        }
    qsort(k, m, sizeof *k, keyed_cmp);
    int status = CORE_OK;
    size_t last = nm->o.geom == MD_NEMD_PERIODIC ? m : (m ? m - 1 : 0);
    for (size_t i = 0; i < last; i++) {
        size_t j = (i + 1) % m;
        if (k[i].z == k[j].z)
            continue;
        if (*n == maxn) {
            status = core_err_set(err, CORE_EINPUT,
                                  "nemd: more than %zu changes of element along %c: a mixed "
                                  "interface (give its position)",
                                  maxn, "xyz"[nm->o.axis]);
            break;
        }
        double f = j ? 0.5 * (k[i].f + k[j].f) : 0.5 * (k[i].f + k[j].f + 1);
        xi[(*n)++] = f - floor(f);
    }
    /* the wrapped midpoint may come first */
    for (size_t a = 1; a < *n; a++)
        for (size_t b = a; b > 0 && xi[b - 1] > xi[b]; b--) {
            double t = xi[b];
            xi[b] = xi[b - 1];
            xi[b - 1] = t;
        }
    free(k);
    return status;
}
