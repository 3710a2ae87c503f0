/*
 * mdout: md-run's result tables and metadata. See mdout.h.
 */
#include "mdout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hflux.h"
#include "table.h"

const char *
mdout_real(char *buf, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

int
mdout_info_set(struct core_frame *f, const char *key, double v, struct core_err *err)
{
    char buf[32];
    return core_frame_info_set(f, key, mdout_real(buf, v), err);
}

/* The keys every table of a run starts with: program, potential, dt. */
static int
run_meta(FILE *fp, const struct mdout_meta *m, struct core_err *err)
{
    char buf[32];
    int rc = table_write_meta(fp, err, "program", "md-run %s", FPMS_VERSION);
    rc = rc ? rc : table_write_meta(fp, err, "potential", "%s", m->potential);
    return rc ? rc : table_write_meta(fp, err, "dt", "%s ps", mdout_real(buf, m->dt));
}

int
mdout_thermo_meta(FILE *fp, const struct mdout_meta *m, struct core_err *err)
{
    char buf[32], buf2[32], buf3[32];
    int rc = run_meta(fp, m, err);
    if (!rc && m->has_temp)
        rc = table_write_meta(fp, err, "seed", "%llu", m->seed);
    if (!rc && m->thermostat != MD_THERMOSTAT_NONE)
        rc = table_write_meta(fp, err, "thermostat", "%s %s K tdamp %s ps",
                              md_thermostat_name(m->thermostat), mdout_real(buf, m->temp),
                              mdout_real(buf2, m->tdamp));
    if (!rc && m->thermostat == MD_THERMOSTAT_NHC)
        rc = table_write_meta(fp, err, "chain", "%d", m->nchain ? m->nchain : MD_NHC_CHAIN);
    if (!rc && m->baro == MD_BARO_SCR)
        rc = table_write_meta(fp, err, "barostat", "%s %s GPa pdamp %s ps compressibility %s 1/GPa",
                              md_baro_name(m->baro), mdout_real(buf, m->press),
                              mdout_real(buf2, m->pdamp), mdout_real(buf3, m->compress));
    else if (!rc && m->baro != MD_BARO_NONE) /* MTK: no compressibility */
        rc = table_write_meta(fp, err, "barostat", "%s %s GPa pdamp %s ps", md_baro_name(m->baro),
                              mdout_real(buf, m->press), mdout_real(buf2, m->pdamp));
    return rc;
}

int
mdout_heat_meta(FILE *fp, const struct mdout_meta *m, struct core_err *err)
{
    int rc = run_meta(fp, m, err);
    if (!rc && m->has_temp)
        rc = table_write_meta(fp, err, "seed", "%llu", m->seed);
    if (!rc && m->thermostat != MD_THERMOSTAT_NONE)
        rc = table_write_meta(fp, err, "thermostat", "%s", md_thermostat_name(m->thermostat));
    return rc;
}

int
mdout_ss_meta(FILE *fp, const struct mdout_meta *m, int tdir, double rate, struct core_err *err)
{
    char buf[32];
    int rc = run_meta(fp, m, err);
    rc = rc ? rc : table_write_meta(fp, err, "tension", "%c", "xyz"[tdir]);
    rc = rc ? rc : table_write_meta(fp, err, "strain_rate", "%s 1/ps", mdout_real(buf, rate));
    return rc ? rc : table_write_meta(fp, err, "seed", "%llu", m->seed);
}

static const char *const colname[] = {"frame", "step", "time", "temp", "pe",  "ke",  "etot",
                                      "press", "sxx",  "syy",  "szz",  "syz", "sxz", "sxy"};
static const char *const colunit[] = {"",    "",    "ps",  "K",   "eV",  "eV",  "eV",
                                      "GPa", "GPa", "GPa", "GPa", "GPa", "GPa", "GPa"};

int
mdout_thermo_header(FILE *fp, int stress, int econs, int cellmove, int nemd, struct core_err *err)
{
    static const char *const lname[3] = {"lx", "ly", "lz"};
    const char *name[MD_THERMO_NMAX], *unit[MD_THERMO_NMAX];
    size_t n = MD_THERMO_NBASE + (stress ? MD_THERMO_NSTRESS : 0);
    memcpy(name, colname, n * sizeof *name);
    memcpy(unit, colunit, n * sizeof *unit);
    if (econs || nemd) {
        name[n] = "econs";
        unit[n++] = "eV";
    }
    if (nemd) {
        name[n] = "heat_hot";
        unit[n++] = "eV";
        name[n] = "heat_cold";
        unit[n++] = "eV";
    }
    for (int a = 0; cellmove && a < 3; a++) {
        name[n] = lname[a];
        unit[n++] = "A";
    }
    return table_write_header(fp, n, name, unit, err);
}

/* stress and stress_2d: along the pull, what fe-solve's NAME.curve reads */
static const char *const sscol[] = {
    "step", "time",   "strain", "stress", "stress_2d", "sxx",    "syy",    "szz",  "syz", "sxz",
    "sxy",  "sxx_2d", "syy_2d", "szz_2d", "syz_2d",    "sxz_2d", "sxy_2d", "temp", "pe"};
static const char *const ssunit[] = {"",    "ps",  "",    "GPa", "N/m", "GPa", "GPa",
                                     "GPa", "GPa", "GPa", "GPa", "N/m", "N/m", "N/m",
                                     "N/m", "N/m", "N/m", "K",   "eV"};

int
mdout_ss_header(FILE *fp, double thick, struct core_err *err)
{
    char buf[32];
    int rc = table_write_meta(fp, err, "thickness", "%s A", mdout_real(buf, thick));
    return rc ? rc : table_write_header(fp, 2 + MD_TENSION_NCOLS, sscol, ssunit, err);
}

int
mdout_heat_write(FILE *fp, const struct md_heat_buf *h, const struct md_sys *s,
                 struct core_err *err)
{
    char buf[32];
    double v = s->has_cell ? fabs(core_cell_volume(s->cell)) : 0;
    int rc = 0;
    if (v > 0)
        rc = table_write_meta(fp, err, "volume", "%s A^3", mdout_real(buf, v));
    if (!rc && v > 0 && !s->pbc[2]) { /* a sheet: kappa-gk --thickness takes V = area H */
        const double *c = s->cell;
        double ab[3] = {c[1] * c[5] - c[2] * c[4], c[2] * c[3] - c[0] * c[5],
                        c[0] * c[4] - c[1] * c[3]};
        rc = table_write_meta(fp, err, "area", "%s A^2",
                              mdout_real(buf, sqrt(ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2])));
    }
    if (!rc && h->n && h->tsum > 0)
        rc = table_write_meta(fp, err, "temperature", "%s K",
                              mdout_real(buf, h->tsum / (double)h->n));
    rc = rc ? rc : hflux_write_header(fp, err);
    for (size_t i = 0; i < h->n && !rc; i++)
        rc = hflux_write_sample(fp, h->row[4 * i], h->row + 4 * i + 1, err);
    return rc;
}

int
mdout_nemd_info(struct core_frame *f, const struct md_nemd *nm, const struct md_nemd_kappa *k,
                const struct md_nemd_iface *ifc, size_t ni, struct core_err *err)
{
    const char ax[2] = {"xyz"[nm->o.axis], '\0'};
    char key[48];
    int rc = core_frame_info_set(f, "md_nemd_axis", ax, err);
    rc = rc ? rc : mdout_info_set(f, "md_nemd_blocks", (double)nm->nblocks, err);
    rc = rc ? rc : mdout_info_set(f, "md_nemd_flux", k->flux, err);
    rc = rc ? rc : mdout_info_set(f, "md_nemd_flux_err", k->flux_err, err);
    rc = rc ? rc : mdout_info_set(f, "md_nemd_kappa", k->kappa, err);
    rc = rc ? rc : mdout_info_set(f, "md_nemd_kappa_err", k->kappa_err, err);
    rc = rc ? rc : mdout_info_set(f, "md_nemd_heat_hot", nm->th[0].heat, err);
    rc = rc ? rc : mdout_info_set(f, "md_nemd_heat_cold", nm->th[1].heat, err);
    for (size_t i = 0; i < ni && !rc; i++) {
        static const char *const what[5] = {"iface", "jump", "jump_err", "G", "G_err"};
        double v[5] = {ifc[i].pos, ifc[i].jump, ifc[i].jump_err, ifc[i].g, ifc[i].g_err};
        for (int q = 0; q < 5 && !rc; q++) {
            snprintf(key, sizeof key, "md_nemd_%s%zu", what[q], i + 1);
            if (q == 2 || q == 4) /* jump1_err, G1_err */
                snprintf(key, sizeof key, "md_nemd_%s%zu_err", what[q - 1], i + 1);
            rc = mdout_info_set(f, key, v[q], err);
        }
    }
    return rc;
}

/* Writes `# key = value` to each of the two files that is not NULL. */
static int
meta2(FILE *const fp[2], struct core_err *err, const char *key, const char *value)
{
    int rc = 0;
    for (int k = 0; k < 2 && !rc; k++)
        if (fp[k])
            rc = table_write_meta(fp[k], err, key, "%s", value);
    return rc;
}

/* "X +- Y UNIT" with exact numbers, into buf (96 bytes). */
static const char *
pm(char *buf, double x, double dx, const char *unit)
{
    char b1[32], b2[32];
    snprintf(buf, 96, "%s +- %s %s", mdout_real(b1, x), mdout_real(b2, dx), unit);
    return buf;
}

/* The run keys and the set-up of the slabs, at the top of the profile table. */
static int
profile_meta(FILE *pf, const struct mdout_meta *m, const struct mdout_nemd *q,
             const struct md_nemd *nm, const struct md_sys *s, struct core_err *err)
{
    char b1[32], b2[32], b3[32], b4[32];
    int rc = run_meta(pf, m, err);
    rc = rc ? rc : table_write_meta(pf, err, "seed", "%llu", m->seed);
    rc = rc ? rc
            : table_write_meta(pf, err, "geometry", "%s",
                               nm->o.geom == MD_NEMD_OPEN ? "open" : "periodic");
    rc = rc ? rc
            : table_write_meta(pf, err, "slabs", "hot %s %s cold %s %s",
                               mdout_real(b1, nm->o.hot[0]), mdout_real(b2, nm->o.hot[1]),
                               mdout_real(b3, nm->o.cold[0]), mdout_real(b4, nm->o.cold[1]));
    if (!rc && nm->o.geom == MD_NEMD_OPEN)
        rc = table_write_meta(pf, err, "fixed", "%s", mdout_real(b1, nm->o.fixed));
    rc = rc ? rc
            : table_write_meta(pf, err, "temperatures", "hot %s K cold %s K",
                               mdout_real(b1, nm->th[0].temp), mdout_real(b2, nm->th[1].temp));
    rc = rc ? rc
            : table_write_meta(pf, err, "thermostat", "%s tdamp %s ps",
                               md_thermostat_name(nm->o.kind), mdout_real(b1, nm->o.tdamp));
    rc = rc ? rc
            : table_write_meta(pf, err, "atoms", "hot %zu cold %zu fixed %zu", nm->nhot, nm->ncold,
                               nm->nfixed);
    rc = rc ? rc : table_write_meta(pf, err, "length", "%s A", mdout_real(b1, nm->len));
    rc = rc ? rc : table_write_meta(pf, err, "area", "%s A^2", mdout_real(b1, nm->area));
    int ax2 = (nm->o.axis + 1) % 3, ax3 = (nm->o.axis + 2) % 3;
    if (!rc && s->has_cell && (!s->pbc[ax2] || !s->pbc[ax3])) /* a sheet */
        rc = table_write_meta(pf, err, "thickness", "%s A", mdout_real(b1, q->thick));
    rc = rc ? rc : table_write_meta(pf, err, "equilibration", "%s ps", mdout_real(b1, q->equil));
    return rc ? rc : table_write_meta(pf, err, "margin", "%s", mdout_real(b1, q->margin));
}

int
mdout_nemd_write(FILE *pf, FILE *tf, const struct mdout_meta *m, const struct mdout_nemd *q,
                 const struct md_nemd *nm, const struct md_sys *s, const struct md_nemd_kappa *k,
                 const struct md_nemd_iface *ifc, size_t ni, struct core_err *err)
{
    FILE *const fp[2] = {pf, tf};
    const char ax[2] = {"xyz"[nm->o.axis], '\0'};
    size_t nb = nm->o.nbins;
    char buf[96], b1[32], b2[32], key[48];
    int rc = 0;
    if (pf)
        rc = profile_meta(pf, m, q, nm, s, err);
    rc = rc ? rc : meta2(fp, err, "nemd_axis", ax);
    snprintf(buf, sizeof buf, "%zu of %s ps", nm->nblocks, mdout_real(b1, q->block));
    rc = rc ? rc : meta2(fp, err, "nemd_blocks", buf);
    rc = rc ? rc : meta2(fp, err, "nemd_flux", pm(buf, k->flux, k->flux_err, "W/m^2"));
    rc = rc ? rc : meta2(fp, err, "nemd_gradient", pm(buf, k->grad, k->grad_err, "K/A"));
    rc = rc ? rc : meta2(fp, err, "nemd_kappa", pm(buf, k->kappa, k->kappa_err, "W/(m K)"));
    for (size_t i = 0; i < ni && !rc; i++) {
        snprintf(key, sizeof key, "nemd_interface%zu", i + 1);
        snprintf(buf, sizeof buf, "%s A (fraction %s)", mdout_real(b1, ifc[i].pos),
                 mdout_real(b2, ifc[i].pos / nm->len));
        rc = meta2(fp, err, key, buf);
        snprintf(key, sizeof key, "nemd_jump%zu", i + 1);
        rc = rc ? rc : meta2(fp, err, key, pm(buf, ifc[i].jump, ifc[i].jump_err, "K"));
        snprintf(key, sizeof key, "nemd_G%zu", i + 1);
        rc = rc ? rc : meta2(fp, err, key, pm(buf, ifc[i].g, ifc[i].g_err, "W/(m^2 K)"));
    }
    if (rc || !pf)
        return rc;
    /* the profile: bins empty in some block (NaN) are left out */
    static const char *const pname[3] = {"x", "T", "T_err"}, *const punit[3] = {"A", "K", "K"};
    double *x = malloc(3 * nb * sizeof *x);
    if (!x)
        return core_err_set(err, CORE_ENOMEM, "out of memory for %zu bins", nb);
    md_nemd_profile(nm, x, x + nb, x + 2 * nb);
    rc = table_write_header(pf, 3, pname, punit, err);
    for (size_t b = 0; b < nb && !rc; b++) {
        double row[3] = {x[b], x[nb + b], x[2 * nb + b]};
        if (isfinite(row[1]) && isfinite(row[2]))
            rc = table_write_row(pf, 3, row, err);
    }
    free(x);
    return rc;
}

int
mdout_run_info(struct core_frame *f, const struct mdout_meta *m, const struct md_run *r, long steps,
               long last, int tdir, struct core_err *err)
{
    int rc = 0;
    if (steps > 0) {
        rc = mdout_info_set(f, "md_steps", (double)last, err);
        rc = rc ? rc : mdout_info_set(f, "md_dt", m->dt, err);
    }
    if (!rc && m->has_temp) {
        rc = mdout_info_set(f, "md_temp", m->temp, err);
        rc = rc ? rc : mdout_info_set(f, "md_seed", (double)m->seed, err);
    }
    if (!rc && r->th.kind != MD_THERMOSTAT_NONE) {
        rc = core_frame_info_set(f, "md_thermostat", md_thermostat_name(r->th.kind), err);
        rc = rc ? rc : mdout_info_set(f, "md_tdamp", m->tdamp, err);
        rc = rc ? rc : mdout_info_set(f, "md_heat", r->th.heat, err);
    }
    if (!rc && r->b.kind != MD_BARO_NONE) {
        rc = core_frame_info_set(f, "md_barostat", md_baro_name(r->b.kind), err);
        rc = rc ? rc : mdout_info_set(f, "md_pressure", m->press, err);
        rc = rc ? rc : mdout_info_set(f, "md_baro_heat", r->b.heat, err);
    }
    if (!rc && tdir >= 0) {
        rc = mdout_info_set(f, "md_strain", md_baro_strain(&r->b, &r->s), err);
        if (!rc && r->tn.have_peak)
            rc = mdout_info_set(f, "md_peak_strain", r->tn.peak_strain, err);
    }
    return rc;
}
