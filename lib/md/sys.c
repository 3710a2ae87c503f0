/*
 * sys: the atoms of a run, the force call on site energies (Fan et al., PRB 92, 094301 (2015)),
 * virials, heat current, Maxwell-Boltzmann velocities and the velocity-Verlet step. See md.h.
 *
 * Every sum over atoms runs over blocks of BLOCK atoms: each block is summed in index order by
 * one thread, then the blocks in order, so the results do not depend on the number of threads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "md.h"

#define BLOCK 128

void
md_pot_release(struct md_pot *pot)
{
    if (pot->free && pot->self)
        pot->free(pot->self);
    memset(pot, 0, sizeof *pot);
}

size_t
md_pot_note(const struct md_pot *pot, char *buf, size_t n)
{
    if (n)
        buf[0] = 0;
    return pot->note && pot->self && n ? pot->note(pot->self, buf, n) : 0;
}

void
md_sys_release(struct md_sys *s)
{
    free(s->z);
    free(s->type);
    free(s->pos);
    free(s->vel);
    free(s->mass);
    free(s->force);
    free(s->u);
    free(s->du);
    free(s->part);
    free(s->xi);
    md_nlist_release(&s->nl);
    memset(s, 0, sizeof *s);
}

int
md_sys_init(struct md_sys *s, const struct core_frame *f, const struct md_pot *pot, double skin,
            struct core_err *err)
{
    size_t n = f->natoms, n1 = n ? n : 1;
    int status;

    memset(s, 0, sizeof *s);
    s->defo[0] = s->defo[1] = s->defo[2] = 1;
    if ((status = md_nlist_init(&s->nl, pot->rcut > 0 ? pot->rcut : 1.0, skin, err)))
        return status;
    s->natoms = n;
    s->nblocks = (n + BLOCK - 1) / BLOCK;
    s->z = malloc(n1 * sizeof *s->z);
    s->type = malloc(n1 * sizeof *s->type);
    s->pos = malloc(3 * n1 * sizeof *s->pos);
    s->vel = calloc(3 * n1, sizeof *s->vel);
    s->mass = malloc(n1 * sizeof *s->mass);
    s->force = calloc(3 * n1, sizeof *s->force);
    s->u = calloc(n1, sizeof *s->u);
    s->part = malloc((s->nblocks ? s->nblocks : 1) * 16 * sizeof *s->part);
    if (!s->z || !s->type || !s->pos || !s->vel || !s->mass || !s->force || !s->u || !s->part) {
        status = core_err_set(err, CORE_ENOMEM, "out of memory for %zu atoms", n);
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        int z = f->z[i], t = 0;
        if (pot->ntypes) {
            for (t = 0; t < (int)pot->ntypes && pot->z[t] != z; t++)
                ;
            if (t == (int)pot->ntypes) {
                status = core_err_set(err, CORE_EINPUT,
                                      "atom %zu: element %s is not among the species of the "
                                      "%s potential",
                                      i + 1, core_elem_symbol(z), pot->name);
                goto fail;
            }
        }
        s->z[i] = z;
        s->type[i] = t;
        double m = f->mass ? f->mass[i] : core_elem_mass(z);
        if (!(isfinite(m) && m > 0)) {
            status = core_err_set(err, CORE_EINPUT, "atom %zu: mass %g amu must be > 0", i + 1, m);
            goto fail;
        }
        s->mass[i] = m;
        for (int k = 0; k < 3; k++) {
            double x = f->pos[3 * i + k];
            if (!isfinite(x)) {
                status = core_err_set(err, CORE_EINPUT, "atom %zu: position is not finite", i + 1);
                goto fail;
            }
            s->pos[3 * i + k] = x;
            if (f->vel)
                s->vel[3 * i + k] = f->vel[3 * i + k];
        }
    }
    s->has_cell = f->has_cell;
    if (f->has_cell) {
        memcpy(s->cell, f->cell, sizeof s->cell);
        memcpy(s->pbc, f->pbc, sizeof s->pbc);
    }
    return CORE_OK;
fail:
    md_sys_release(s);
    return status;
}

/* Sums the nv values per block in part[nv*b + k] over blocks into out[k], in block order. */
static void
sum_blocks(const struct md_sys *s, size_t nv, double *out)
{
    for (size_t k = 0; k < nv; k++)
        out[k] = 0;
    for (size_t b = 0; b < s->nblocks; b++)
        for (size_t k = 0; k < nv; k++)
            out[k] += s->part[nv * b + k];
}

void
md_sys_deform(struct md_sys *s, const double mu[3])
{
    struct md_nlist *nl = &s->nl;
    long long n = (long long)s->natoms;
    /* the list follows when it was built for the current cell */
    int follow = nl->nbuilds > 0 && nl->natoms == s->natoms && s->has_cell && nl->has_cell &&
                 memcmp(nl->cell, s->cell, sizeof s->cell) == 0;
#pragma omp parallel for schedule(static) if (n >= MD_OMP_MIN)
    for (long long i = 0; i < n; i++)
        for (int a = 0; a < 3; a++) {
            s->pos[3 * i + a] *= mu[a];
            s->vel[3 * i + a] /= mu[a];
            if (follow) {
                nl->xref[3 * i + a] *= mu[a];
                nl->wrapv[3 * i + a] *= mu[a];
            }
        }
    for (int r = 0; r < 3; r++)
        for (int a = 0; a < 3; a++)
            s->cell[3 * r + a] *= mu[a];
    if (follow) {
        memcpy(nl->cell, s->cell, sizeof nl->cell);
        for (size_t q = 0; q < nl->nshift; q++)
            for (int a = 0; a < 3; a++)
                nl->shift[3 * q + a] *= mu[a];
        if (s->defo_nb != nl->nbuilds) {
            s->defo[0] = s->defo[1] = s->defo[2] = 1;
            s->defo_nb = nl->nbuilds;
        }
        for (int a = 0; a < 3; a++)
            s->defo[a] *= mu[a];
    }
    s->have_force = 0;
}

/* Rebuilds a deformed neighbour list when the shrinking since its build and the displacements
 * together could have brought an unlisted pair within the cut-off (see md_sys_deform). */
static int
deform_check(struct md_sys *s, struct core_err *err)
{
    struct md_nlist *nl = &s->nl;
    if (nl->nbuilds == 0 || s->defo_nb != nl->nbuilds || nl->natoms != s->natoms)
        return CORE_OK;
    double m = fmin(fmin(s->defo[0], s->defo[1]), s->defo[2]);
    if (!(m < 1))
        return CORE_OK;
    double lim = 0.5 * (nl->skin - (1 - m) * (nl->rcut + nl->skin)), worst = 0;
    long long n = (long long)s->natoms;
#pragma omp parallel for schedule(static) reduction(max : worst) if (n >= MD_OMP_MIN)
    for (long long i = 0; i < n; i++) {
        const double *x = s->pos + 3 * i, *r = nl->xref + 3 * i;
        double dx = x[0] - r[0], dy = x[1] - r[1], dz = x[2] - r[2];
        double d2 = dx * dx + dy * dy + dz * dz;
        if (!(d2 <= worst)) /* NaN counts as a move */
            worst = isnan(d2) ? HUGE_VAL : d2;
    }
    if (lim > 0 && worst <= lim * lim)
        return CORE_OK;
    return md_nlist_build(nl, s->natoms, s->pos, s->cell, s->pbc, err);
}

int
md_sys_compute(struct md_sys *s, const struct md_pot *pot, struct core_err *err)
{
    size_t n = s->natoms;
    const double *cell = s->has_cell ? s->cell : NULL;
    long long nb = (long long)s->nblocks;
    int status;

    s->have_force = 0;
    if (pot->total) {
        status = pot->total(pot->self, n, s->type, s->pos, cell, s->pbc, &s->epot, s->force,
                            s->virial, err);
        if (status)
            return status;
    } else {
        if ((status = deform_check(s, err)))
            return status;
        if ((status = md_nlist_update(&s->nl, n, s->pos, cell, s->pbc, NULL, err)))
            return status;
        const struct md_nlist *nl = &s->nl;
        size_t need = 3 * (nl->npairs ? nl->npairs : 1);
        if (need > s->ducap) {
            size_t cap = need + need / 4;
            double *du = realloc(s->du, cap * sizeof *du);
            if (!du)
                return core_err_set(err, CORE_ENOMEM, "out of memory for %zu pairs", nl->npairs);
            s->du = du;
            s->ducap = cap;
        }
        if ((status = pot->site(pot->self, s->type, nl, s->u, s->du, err)))
            return status;
        /* F_i = sum_j dU_i/dr_ij - dU_j/dr_ji */
        const double *du = s->du;
#pragma omp parallel for schedule(static) if (nb > 1)
        for (long long b = 0; b < nb; b++) {
            size_t lo = (size_t)b * BLOCK, hi = lo + BLOCK < n ? lo + BLOCK : n;
            double e = 0;
            for (size_t i = lo; i < hi; i++) {
                double fx = 0, fy = 0, fz = 0;
                for (size_t p = nl->start[i]; p < nl->start[i + 1]; p++) {
                    const double *a = du + 3 * p, *r = du + 3 * nl->rev[p];
                    fx += a[0] - r[0];
                    fy += a[1] - r[1];
                    fz += a[2] - r[2];
                }
                s->force[3 * i] = fx;
                s->force[3 * i + 1] = fy;
                s->force[3 * i + 2] = fz;
                e += s->u[i];
            }
            s->part[b] = e;
        }
        sum_blocks(s, 1, &s->epot);
    }
    if (!isfinite(s->epot))
        return core_err_set(err, CORE_EPHYS, "potential energy is not finite");
    for (size_t i = 0; i < 3 * n; i++)
        if (!isfinite(s->force[i]))
            return core_err_set(err, CORE_EPHYS, "atom %zu: force is not finite", i / 3 + 1);
    s->have_force = 1;
    return CORE_OK;
}

void
md_sys_virial(const struct md_sys *s, double w[9])
{
    if (!s->du || !s->have_force || s->nl.nbuilds == 0) {
        memcpy(w, s->virial, 9 * sizeof *w);
        return;
    }
    /* W = -sum_i sum_j r_ij (x) dU_i/dr_ij */
    const struct md_nlist *nl = &s->nl;
    size_t n = s->natoms;
    struct md_sys *ms = (struct md_sys *)s; /* the block partials are scratch */
    long long nb = (long long)s->nblocks;
#pragma omp parallel for schedule(static) if (nb > 1)
    for (long long b = 0; b < nb; b++) {
        size_t lo = (size_t)b * BLOCK, hi = lo + BLOCK < n ? lo + BLOCK : n;
        double acc[9] = {0};
        for (size_t i = lo; i < hi; i++) {
            for (size_t p = nl->start[i]; p < nl->start[i + 1]; p++) {
                const double *g = s->du + 3 * p;
                if (g[0] == 0 && g[1] == 0 && g[2] == 0)
                    continue;
                double d[3];
                md_nlist_pair_vec(nl, i, p, d);
                for (int a = 0; a < 3; a++)
                    for (int c = 0; c < 3; c++)
                        acc[3 * a + c] -= d[a] * g[c];
            }
        }
        memcpy(ms->part + 9 * b, acc, sizeof acc);
    }
    sum_blocks(s, 9, w);
}

int
md_sys_atom_virial(const struct md_sys *s, double *w, struct core_err *err)
{
    if (!s->du || !s->have_force)
        return core_err_set(err, CORE_EINPUT, "per-atom virials need a site-energy potential");
    const struct md_nlist *nl = &s->nl;
    long long n = (long long)s->natoms;
    /* W_i = sum_j r_ij (x) dU_j/dr_ji */
#pragma omp parallel for schedule(static) if (n >= MD_OMP_MIN)
    for (long long ii = 0; ii < n; ii++) {
        size_t i = (size_t)ii;
        double acc[9] = {0};
        for (size_t p = nl->start[i]; p < nl->start[i + 1]; p++) {
            const double *g = s->du + 3 * nl->rev[p];
            if (g[0] == 0 && g[1] == 0 && g[2] == 0)
                continue;
            double d[3];
            md_nlist_pair_vec(nl, i, p, d);
            for (int a = 0; a < 3; a++)
                for (int c = 0; c < 3; c++)
                    acc[3 * a + c] += d[a] * g[c];
        }
        memcpy(w + 9 * i, acc, sizeof acc);
    }
    return CORE_OK;
}

int
md_sys_heat(const struct md_sys *s, double j[3], double jconv[3], struct core_err *err)
{
    if (!s->du || !s->have_force)
        return core_err_set(err, CORE_EINPUT, "the heat current needs a site-energy potential");
    const struct md_nlist *nl = &s->nl;
    size_t n = s->natoms;
    struct md_sys *ms = (struct md_sys *)s;
    long long nb = (long long)s->nblocks;
#pragma omp parallel for schedule(static) if (nb > 1)
    for (long long b = 0; b < nb; b++) {
        size_t lo = (size_t)b * BLOCK, hi = lo + BLOCK < n ? lo + BLOCK : n;
        double acc[6] = {0};
        for (size_t i = lo; i < hi; i++) {
            const double *v = s->vel + 3 * i;
            double e = s->u[i] +
                       0.5 * MD_EV_PER_MV2 * s->mass[i] * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
            /* (W_i . v_i)_a = sum_j r_ij,a (dU_j/dr_ji . v_i) */
            double jp[3] = {0, 0, 0};
            for (size_t p = nl->start[i]; p < nl->start[i + 1]; p++) {
                const double *g = s->du + 3 * nl->rev[p];
                double gv = g[0] * v[0] + g[1] * v[1] + g[2] * v[2];
                if (gv == 0)
                    continue;
                double d[3];
                md_nlist_pair_vec(nl, i, p, d);
                for (int a = 0; a < 3; a++)
                    jp[a] += d[a] * gv;
            }
            for (int a = 0; a < 3; a++) {
                acc[a] += e * v[a];
                acc[3 + a] += jp[a];
            }
        }
        memcpy(ms->part + 6 * b, acc, sizeof acc);
    }
    double t[6];
    sum_blocks(s, 6, t);
    for (int a = 0; a < 3; a++) {
        j[a] = t[a] + t[3 + a];
        if (jconv)
            jconv[a] = t[a];
    }
    return CORE_OK;
}

int
md_sys_stress(const struct md_sys *s, int kinetic, double st[9])
{
    double w[9], k[9] = {0}, v = s->has_cell ? fabs(core_cell_volume(s->cell)) : 0;
    if (!(v > 0))
        return 0;
    md_sys_virial(s, w);
    if (kinetic)
        md_sys_kinetic(s, k);
    for (int a = 0; a < 9; a++)
        st[a] = -(w[a] + k[a]) / v;
    return 1;
}

double
md_sys_kinetic(const struct md_sys *s, double kt[9])
{
    double k[9] = {0};
    for (size_t i = 0; i < s->natoms; i++) {
        const double *v = s->vel + 3 * i;
        double m = s->mass[i] * MD_EV_PER_MV2;
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                k[3 * a + b] += m * v[a] * v[b];
    }
    if (kt)
        memcpy(kt, k, sizeof k);
    return 0.5 * (k[0] + k[4] + k[8]);
}

double
md_sys_dof(const struct md_sys *s)
{
    double dof = 3.0 * (double)s->natoms - 3.0;
    return dof >= 1 ? dof : 1;
}

double
md_sys_temp(const struct md_sys *s)
{
    return 2.0 * md_sys_kinetic(s, NULL) / (md_sys_dof(s) * UNITS_KB_EV);
}

int
md_sys_thermalize(struct md_sys *s, double temp, uint64_t seed, struct core_err *err)
{
    if (!(isfinite(temp) && temp >= 0))
        return core_err_set(err, CORE_EINPUT, "temperature %g K must be >= 0", temp);
    size_t n = s->natoms;
    double p[3] = {0, 0, 0}, mt = 0;
    for (size_t i = 0; i < n; i++) {
        struct core_rng rng;
        core_rng_init(&rng, seed, MD_RNG_VELOCITIES, i, 0);
        /* sqrt(k_B T / m) in Angstrom/ps */
        double sd = sqrt(UNITS_KB_EV * temp / (s->mass[i] * MD_EV_PER_MV2));
        for (int k = 0; k < 3; k++) {
            s->vel[3 * i + k] = sd * core_rng_gauss(&rng);
            p[k] += s->mass[i] * s->vel[3 * i + k];
        }
        mt += s->mass[i];
    }
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++)
            s->vel[3 * i + k] -= p[k] / mt;
    double t = md_sys_temp(s);
    double f = t > 0 ? sqrt(temp / t) : 0;
    for (size_t i = 0; i < 3 * n; i++)
        s->vel[i] *= f;
    return CORE_OK;
}

void
md_sys_kick(struct md_sys *s, double h, const unsigned char *still, unsigned char mark)
{
    long long n = (long long)s->natoms;
#pragma omp parallel for schedule(static) if (n >= MD_OMP_MIN)
    for (long long i = 0; i < n; i++) {
        if (still && still[i] == mark)
            continue;
        double c = h * MD_ACC_PER_FORCE / s->mass[i];
        for (int k = 0; k < 3; k++)
            s->vel[3 * i + k] += c * s->force[3 * i + k];
    }
}

void
md_sys_drift(struct md_sys *s, double h)
{
    long long n3 = (long long)(3 * s->natoms);
#pragma omp parallel for schedule(static) if (n3 >= MD_OMP_MIN)
    for (long long i = 0; i < n3; i++)
        s->pos[i] += h * s->vel[i];
}

int
md_nve_step(struct md_sys *s, const struct md_pot *pot, double dt, struct core_err *err)
{
    int status;
    long long n = (long long)s->natoms;
    if (!s->have_force && (status = md_sys_compute(s, pot, err)))
        return status;
    double h = 0.5 * dt * MD_ACC_PER_FORCE;
#pragma omp parallel for schedule(static) if (n >= MD_OMP_MIN)
    for (long long i = 0; i < n; i++) {
        double c = h / s->mass[i];
        for (int k = 0; k < 3; k++) {
            s->vel[3 * i + k] += c * s->force[3 * i + k];
            s->pos[3 * i + k] += dt * s->vel[3 * i + k];
        }
    }
    if ((status = md_sys_compute(s, pot, err)))
        return status;
#pragma omp parallel for schedule(static) if (n >= MD_OMP_MIN)
    for (long long i = 0; i < n; i++) {
        double c = h / s->mass[i];
        for (int k = 0; k < 3; k++)
            s->vel[3 * i + k] += c * s->force[3 * i + k];
    }
    return CORE_OK;
}
