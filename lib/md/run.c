/*
 * run: the bookkeeping of one MD run that md-run drives step by step: the run state, the
 * numbers of a thermo row, NEMD step counts, the heat-current samples and the labelling of the
 * final frame. The loop itself stays in the cmd, which prints progress and writes checkpoints
 * (lib/ reports nothing). See md.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "md.h"

void
md_run_release(struct md_run *r)
{
    md_nemd_release(&r->nm);
    md_sys_release(&r->s);
}

int
md_run_setup(struct md_run *r, const struct md_run_opts *o, const struct core_frame *f,
             struct core_err *err)
{
    /* with NEMD, the thermostat is the slabs' (md_run_nemd_setup) */
    enum md_thermostat_kind tk = o->nemd_axis >= 0 ? MD_THERMOSTAT_NONE : o->thermostat;
    int rc = md_thermostat_init(&r->th, tk, o->temp, o->tdamp, o->seed, err);
    if (!rc && o->thermostat == MD_THERMOSTAT_NHC && o->nchain)
        rc = md_thermostat_chain_set(&r->th, o->nchain, err);
    if (rc)
        return rc;
    int dirs[3];
    for (int a = 0; a < 3; a++)
        dirs[a] = o->has_pdirs ? o->pdirs[a] : f->has_cell && f->pbc[a] && a != o->tdir;
    if (o->baro != MD_BARO_NONE && !(dirs[0] || dirs[1] || dirs[2]))
        return core_err_set(err, CORE_EINPUT,
                            "--barostat %s: the frame has no periodic "
                            "direction to control",
                            md_baro_name(o->baro));
    if (o->baro == MD_BARO_MTK && tk != MD_THERMOSTAT_NHC)
        return core_err_set(err, CORE_EINPUT,
                            "--barostat mtk needs --thermostat nhc (its cell velocities are "
                            "integrated with the Nose-Hoover chain), not %s",
                            md_thermostat_name(tk));
    double tb = tk != MD_THERMOSTAT_NONE ? o->temp : 0;
    rc = md_baro_init(&r->b, o->baro, o->press / UNITS_EVA3_GPA, o->pdamp,
                      o->compress * UNITS_EVA3_GPA, dirs, tb, o->seed, err);
    rc = rc ? rc : md_tension_init(&r->tn, o->thick, o->past, err);
    if (!rc && o->tdir >= 0 && o->has_pdirs && o->pdirs[o->tdir])
        rc = core_err_set(err, CORE_EINPUT, "--pdirs names the direction of --tension");
    if (!rc && o->tdir >= 0)
        rc = md_baro_tension_set(&r->b, &r->s, o->tdir, o->rate, err);
    rc = rc ? rc : md_baro_check(&r->b, &r->s, err);
    r->cellmove = o->baro != MD_BARO_NONE || o->tdir >= 0;
    return rc;
}

int
md_run_nemd_setup(struct md_run *r, const struct md_run_opts *o, struct core_err *err)
{
    struct md_nemd_opts no;
    md_nemd_opts_default(&no, o->nemd_open ? MD_NEMD_OPEN : MD_NEMD_PERIODIC);
    no.axis = o->nemd_axis;
    if (o->nemd_open) { /* default slabs: 0.1 of the length next to each fixed layer */
        no.fixed = o->fixed;
        no.hot[0] = o->fixed;
        no.hot[1] = o->fixed + 0.1;
        no.cold[0] = 1 - o->fixed - 0.1;
        no.cold[1] = 1 - o->fixed;
    }
    if (o->has_slabs) {
        memcpy(no.hot, o->slabs, sizeof no.hot);
        memcpy(no.cold, o->slabs + 2, sizeof no.cold);
    }
    no.temp = o->temp;
    no.dtemp = o->nemd_dt;
    no.kind = o->thermostat == MD_THERMOSTAT_NONE ? MD_THERMOSTAT_BUSSI : o->thermostat;
    no.tdamp = o->tdamp;
    no.seed = o->seed;
    no.nbins = o->nbins;
    no.thickness = o->thick;
    int rc = md_nemd_init(&r->nm, &no, &r->s, err);
    r->nemd = !rc;
    if (rc || !o->iface)
        return rc;
    if (o->nifx) {
        r->ni = o->nifx;
        memcpy(r->xi, o->ifx, r->ni * sizeof *r->xi);
        return CORE_OK;
    }
    /* auto: from the input positions, where the phases are cleanly apart */
    if ((rc = md_nemd_find_interfaces(&r->nm, &r->s, r->xi, MD_RUN_MAXIFACE, &r->ni, err)))
        return rc;
    if (r->ni == 0)
        return core_err_set(err, CORE_EINPUT,
                            "--interface auto: the element does not change along %c",
                            "xyz"[o->nemd_axis]);
    return CORE_OK;
}

int
md_run_init(struct md_run *r, const struct core_frame *f, const struct md_pot *pot, double skin,
            const struct md_run_opts *o, int thermalize, struct core_err *err)
{
    memset(r, 0, sizeof *r);
    int rc = md_sys_init(&r->s, f, pot, skin, err);
    rc = rc ? rc : md_run_setup(r, o, f, err);
    if (!rc && thermalize)
        rc = md_sys_thermalize(&r->s, o->temp, o->seed, err);
    /* from the input positions, also on a restart: the checkpoint's regions must agree */
    if (!rc && o->nemd_axis >= 0)
        rc = md_run_nemd_setup(r, o, err);
    return rc;
}

int
md_run_stopped(const struct md_run *r)
{
    return r->tn.have_peak && md_baro_strain(&r->b, &r->s) > r->tn.peak_strain + r->tn.past;
}

int
md_run_refresh(struct md_run *r, const struct md_pot *pot, struct core_err *err)
{
    struct md_sys *s = &r->s;
    if (pot->total)
        return CORE_OK;
    int rc = md_nlist_build(&s->nl, s->natoms, s->pos, s->has_cell ? s->cell : NULL, s->pbc, err);
    return rc ? rc : md_sys_compute(s, pot, err);
}

int
md_sys_snapshot(const struct md_sys *s, struct core_frame *f, struct core_err *err)
{
    size_t n = s->natoms;
    int rc = core_frame_want(f, "vel", err);
    if (rc)
        return rc;
    memcpy(f->pos, s->pos, 3 * n * sizeof *f->pos);
    memcpy(f->vel, s->vel, 3 * n * sizeof *f->vel);
    if (s->has_cell)
        memcpy(f->cell, s->cell, sizeof f->cell);
    f->has_energy = 1;
    f->energy = s->epot;
    return CORE_OK;
}

int
md_run_step(struct md_run *r, const struct md_pot *pot, double dt, uint64_t step, uint64_t nequil,
            uint64_t nblock, struct core_err *err)
{
    int rc = r->nemd ? md_nemd_advance(&r->nm, &r->s, pot, dt, step, nequil, nblock, err)
                     : md_npt_step(&r->s, pot, &r->th, &r->b, dt, err);
    if (rc || r->s.natoms == 0)
        return rc;
    /* An exploded run stays finite in a periodic cell (no atom is lost) and would go on with
     * nonsense; the kinetic energy, unlike the potential energy, has no offset to mislead. */
    double ekin = md_sys_kinetic(&r->s, NULL) / (double)r->s.natoms;
    if (!(ekin <= MD_EKIN_EXPLODED))
        return core_err_set(err, CORE_EPHYS,
                            "the run exploded: mean kinetic energy %.3g eV per atom (%.3g K), "
                            "over %g eV: the potential left its range or the time step is too "
                            "long",
                            ekin, md_sys_temp(&r->s), MD_EKIN_EXPLODED);
    return CORE_OK;
}

int
md_run_thermo_row(const struct md_run *r, size_t iframe, long step, double dt, int stress,
                  double *row, size_t *n, struct core_err *err)
{
    const struct md_sys *s = &r->s;
    double st[9], ke = md_sys_kinetic(s, NULL);
    size_t k = MD_THERMO_NBASE + (stress ? MD_THERMO_NSTRESS : 0);
    row[0] = (double)iframe;
    row[1] = (double)step;
    row[2] = (double)step * dt;
    row[3] = md_sys_temp(s);
    row[4] = s->epot;
    row[5] = ke;
    row[6] = s->epot + ke;
    if (stress) {
        if (!md_sys_stress(s, 1, st))
            return core_err_set(err, CORE_EINPUT,
                                "frame %zu has no cell volume, but the thermo table has stress "
                                "columns (from frame 1)",
                                iframe + 1);
        /* the table's Voigt order xx yy zz yz xz xy, the pressure as minus the mean stress */
        static const int voigt[6] = {0, 4, 8, 5, 2, 1};
        row[7] = -(st[0] + st[4] + st[8]) / 3 * UNITS_EVA3_GPA;
        for (int q = 0; q < 6; q++)
            row[8 + q] = st[voigt[q]] * UNITS_EVA3_GPA;
    }
    if (r->th.kind != MD_THERMOSTAT_NONE || r->cellmove || r->nemd) {
        double pv = r->b.press * (s->has_cell ? fabs(core_cell_volume(s->cell)) : 0);
        double qn = r->nemd ? r->nm.th[0].heat + r->nm.th[1].heat : 0;
        row[k++] = s->epot + ke + pv - r->th.heat - r->b.heat - qn;
    }
    if (r->nemd) {
        row[k++] = r->nm.th[0].heat;
        row[k++] = r->nm.th[1].heat;
    }
    for (int a = 0; r->cellmove && a < 3; a++)
        row[k++] = s->cell[4 * a];
    *n = k;
    return CORE_OK;
}

void
md_nemd_steps(double equil, double block, double dt, uint64_t *nequil, uint64_t *nblock)
{
    double e = floor(equil / dt + 0.5), b = floor(block / dt + 0.5);
    *nequil = e < 1e18 ? (uint64_t)e : (uint64_t)1e18;
    *nblock = b < 1 ? 1 : b < 1e18 ? (uint64_t)b : (uint64_t)1e18;
}

int
md_heat_buf_sample(struct md_heat_buf *h, const struct md_sys *s, double time, struct core_err *err)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 1024;
        double *r = realloc(h->row, 4 * cap * sizeof *r);
        if (!r)
            return core_err_set(err, CORE_ENOMEM, "out of memory for %zu heat samples", cap);
        h->row = r;
        h->cap = cap;
    }
    double *r = h->row + 4 * h->n;
    int rc = md_sys_heat(s, r + 1, NULL, err);
    if (rc)
        return rc;
    r[0] = time;
    h->tsum += md_sys_temp(s);
    h->n++;
    return CORE_OK;
}

void
md_heat_buf_release(struct md_heat_buf *h)
{
    free(h->row);
    h->row = NULL;
    h->n = h->cap = 0;
}

int
md_sys_label(const struct md_sys *s, int moved, struct core_frame *f, struct core_err *err)
{
    int rc;
    size_t n = f->natoms;
    if ((rc = core_frame_want(f, "forces", err)))
        return rc;
    memcpy(f->forces, s->force, 3 * n * sizeof *f->forces);
    if (moved) {
        memcpy(f->pos, s->pos, 3 * n * sizeof *f->pos);
        if ((rc = core_frame_want(f, "vel", err)))
            return rc;
        memcpy(f->vel, s->vel, 3 * n * sizeof *f->vel);
    }
    f->has_energy = 1;
    f->energy = s->epot;
    f->has_free_energy = 0;
    f->has_virial = 0;
    f->has_stress = md_sys_stress(s, 0, f->stress);
    return CORE_OK;
}
