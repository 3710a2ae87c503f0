/*
 * md-run: molecular dynamics with a site-energy potential (Tersoff as LAMMPS defines it, the
 * MLIP moment tensor potential, Lennard-Jones), NVE or NVT (Bussi, Langevin), with a thermo table
 * and the heat-current series; with --steps 0 it labels every input frame with energy, forces
 * and stress.
 * See man/md-run.1; the science is in lib/md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/config.h"
#include "../formats/hflux.h"
#include "../formats/mtp_file.h"
#include "../formats/prog.h"
#include "../formats/stream.h"
#include "../formats/table.h"
#include "../lib/md/md.h"
#include "../lib/mtp/mtp.h"

static const char synopsis[] = "-p SPEC [options] [FILE]";

enum {
    OPT_DT = 256,
    OPT_SEED,
    OPT_SKIN,
    OPT_THERMO,
    OPT_EVERY,
    OPT_INFMT,
    OPT_PROGRESS,
    OPT_VERSION,
    OPT_THERMOSTAT,
    OPT_TDAMP,
    OPT_HEAT,
    OPT_HEAT_EVERY,
};

static const struct prog_opt opts[] = {
    {"potential", 'p', "SPEC",
     "tersoff:FILE, mtp:FILE or lj:EPS,SIGMA,RCUT[,shift] (eV, Angstrom)"},
    {"species", 's', "LIST", "elements of the potential's types, in order: C,B"},
    {"steps", 'n', "N", "MD steps; 0 labels each frame with energy, forces, stress (0)"},
    {"dt", OPT_DT, "TIME", "time step, ps (0.5fs)"},
    {"temp", 'T', "TEMP", "initial Maxwell-Boltzmann velocities and thermostat target, K"},
    {"thermostat", OPT_THERMOSTAT, "KIND", "none, bussi or langevin (none)"},
    {"tdamp", OPT_TDAMP, "TIME", "thermostat relaxation time, ps (0.1ps)"},
    {"seed", OPT_SEED, "N", "random seed of the velocities and thermostat (1)"},
    {"skin", OPT_SKIN, "L", "neighbour-list skin, Angstrom (1)"},
    {"thermo", OPT_THERMO, "FILE", "write a thermo table to FILE"},
    {"thermo-every", OPT_EVERY, "N", "a thermo row every N steps (100)"},
    {"heat", OPT_HEAT, "FILE", "write the heat-current series J(t) to FILE"},
    {"heat-every", OPT_HEAT_EVERY, "N", "a heat-current sample every N steps (1)"},
    {"input-format", OPT_INFMT, "FMT", "input format: auto, extxyz, cfg, poscar, netcdf (auto)"},
    {"output", 'o', "FILE", "write to FILE instead of stdout"},
    {"progress", OPT_PROGRESS, NULL, "report progress on stderr"},
    {"quiet", 'q', NULL, "no warnings"},
    {"verbose", 'v', NULL, "more detail on stderr"},
    {"help", 'h', NULL, "show this help"},
    {"version", OPT_VERSION, NULL, "show the version"},
};

#define NOPTS (sizeof opts / sizeof opts[0])

struct md_opts {
    const char *potential, *species, *input, *output, *thermo, *heat;
    long steps, every, heat_every;
    double dt, temp, skin, tdamp;
    int has_temp;
    enum md_thermostat_kind thermostat;
    unsigned long long seed;
    enum config_fmt infmt;
};

static int
parse_one(struct md_opts *o, int c, const char *arg, struct prog *p, struct core_err *err)
{
    long l;
    switch (c) {
    case 'p':
        o->potential = arg;
        return 0;
    case 's':
        o->species = arg;
        return 0;
    case 'n':
        if (core_parse_long(arg, &l) || l < 0)
            return core_err_set(err, CORE_EINPUT, "--steps: '%s' is not an integer >= 0", arg);
        o->steps = l;
        return 0;
    case OPT_DT:
        if (core_quantity_parse(arg, CORE_DIM_TIME, &o->dt, err) || !(o->dt > 0))
            return core_err_set(err, CORE_EINPUT, "--dt: '%s' is not a time > 0", arg);
        return 0;
    case 'T':
        if (core_quantity_parse(arg, CORE_DIM_TEMP, &o->temp, err) || !(o->temp >= 0))
            return core_err_set(err, CORE_EINPUT, "--temp: '%s' is not a temperature >= 0", arg);
        o->has_temp = 1;
        return 0;
    case OPT_SEED:
        if (core_parse_long(arg, &l) || l < 0)
            return core_err_set(err, CORE_EINPUT, "--seed: '%s' is not an integer >= 0", arg);
        o->seed = (unsigned long long)l;
        return 0;
    case OPT_SKIN:
        if (core_quantity_parse(arg, CORE_DIM_LENGTH, &o->skin, err) || !(o->skin >= 0))
            return core_err_set(err, CORE_EINPUT, "--skin: '%s' is not a length >= 0", arg);
        return 0;
    case OPT_THERMOSTAT:
        if (strcmp(arg, "none") == 0)
            o->thermostat = MD_THERMOSTAT_NONE;
        else if (strcmp(arg, "bussi") == 0)
            o->thermostat = MD_THERMOSTAT_BUSSI;
        else if (strcmp(arg, "langevin") == 0)
            o->thermostat = MD_THERMOSTAT_LANGEVIN;
        else
            return core_err_set(err, CORE_EINPUT,
                                "--thermostat: unknown '%s' (none, bussi or langevin)", arg);
        return 0;
    case OPT_TDAMP:
        if (core_quantity_parse(arg, CORE_DIM_TIME, &o->tdamp, err) || !(o->tdamp > 0))
            return core_err_set(err, CORE_EINPUT, "--tdamp: '%s' is not a time > 0", arg);
        return 0;
    case OPT_HEAT:
        o->heat = arg;
        return 0;
    case OPT_HEAT_EVERY:
        if (core_parse_long(arg, &l) || l < 1)
            return core_err_set(err, CORE_EINPUT, "--heat-every: '%s' is not an integer >= 1", arg);
        o->heat_every = l;
        return 0;
    case OPT_THERMO:
        o->thermo = arg;
        return 0;
    case OPT_EVERY:
        if (core_parse_long(arg, &l) || l < 1)
            return core_err_set(err, CORE_EINPUT, "--thermo-every: '%s' is not an integer >= 1",
                                arg);
        o->every = l;
        return 0;
    case OPT_INFMT:
        return config_fmt_parse(arg, &o->infmt, err);
    case 'o':
        o->output = arg;
        return 0;
    case OPT_PROGRESS:
        p->progress = 1;
        return 0;
    case 'q':
        p->quiet = 1;
        return 0;
    case 'v':
        p->verbose = 1;
        return 0;
    }
    return core_err_set(err, CORE_EINTERNAL, "option %d not handled", c);
}

/* Reads a whole text file (the potential's parameters) into *text (caller frees). */
static int
slurp(const char *path, char **text, struct core_err *err)
{
    struct stream_in in;
    const char *line;
    size_t len = 0, cap = 4096;
    int rc;
    char *buf = malloc(cap);
    if (!buf)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    if ((rc = stream_in_open(&in, path, err))) {
        free(buf);
        return rc;
    }
    buf[0] = '\0';
    while (!(rc = stream_getline(&in, &line, err)) && line) {
        size_t n = strlen(line);
        if (len + n + 2 > cap) {
            cap = 2 * (len + n + 2);
            char *b = realloc(buf, cap);
            if (!b) {
                rc = core_err_set(err, CORE_ENOMEM, "out of memory");
                break;
            }
            buf = b;
        }
        memcpy(buf + len, line, n);
        len += n;
        buf[len++] = '\n';
        buf[len] = '\0';
    }
    stream_in_close(&in);
    if (rc) {
        free(buf);
        return rc;
    }
    *text = buf;
    return CORE_OK;
}

/* Sets up the potential from --potential and --species. */
static int
potential(const struct md_opts *o, const struct core_species_map *map, struct md_pot *pot,
          struct core_err *err)
{
    const char *spec = o->potential;
    if (strncmp(spec, "tersoff:", 8) == 0) {
        char *text = NULL;
        int rc;
        if (!map)
            return core_err_set(err, CORE_EINPUT, "tersoff needs --species, e.g. C,B");
        if ((rc = slurp(spec + 8, &text, err)))
            return rc;
        rc = md_tersoff_init(pot, text, spec + 8, map, err);
        free(text);
        return rc;
    }
    if (strncmp(spec, "mtp:", 4) == 0) {
        struct stream_in in;
        struct mtp_pot mtp;
        int rc;
        if (!map)
            return core_err_set(err, CORE_EINPUT, "mtp needs --species, e.g. C,B");
        if ((rc = stream_in_open(&in, spec + 4, err)))
            return rc;
        mtp_pot_init(&mtp);
        rc = mtp_file_read(&in, &mtp, err);
        stream_in_close(&in);
        if (!rc && map->ntypes != mtp.nspecies)
            rc = core_err_set(err, CORE_EINPUT, "%s: the potential has %zu species, --species %zu",
                              spec + 4, mtp.nspecies, map->ntypes);
        rc = rc ? rc : md_mtp_init(pot, &mtp, map, err);
        mtp_pot_release(&mtp);
        return rc;
    }
    if (strncmp(spec, "lj:", 3) == 0) {
        char buf[256], *fld[5], *save = NULL;
        int nf = 0, shift = 0;
        double v[3];
        if (strlen(spec + 3) >= sizeof buf)
            return core_err_set(err, CORE_EINPUT, "--potential: '%s' is too long", spec);
        strcpy(buf, spec + 3);
        for (char *t = strtok_r(buf, ",", &save); t && nf < 5; t = strtok_r(NULL, ",", &save))
            fld[nf++] = t;
        if (nf == 4 && strcmp(fld[3], "shift") == 0)
            shift = 1;
        else if (nf != 3)
            return core_err_set(err, CORE_EINPUT,
                                "--potential: '%s' is not lj:EPS,SIGMA,RCUT[,shift]", spec);
        for (int k = 0; k < 3; k++)
            if (core_quantity_parse(fld[k], k ? CORE_DIM_LENGTH : CORE_DIM_ENERGY, &v[k], err))
                return core_err_set(err, CORE_EINPUT, "--potential: lj: '%s' is not %s", fld[k],
                                    k ? "a length" : "an energy");
        return md_lj_init(pot, v[0], v[1], v[2], shift, err);
    }
    return core_err_set(
        err, CORE_EINPUT,
        "--potential: unknown '%s' (tersoff:FILE, mtp:FILE or lj:EPS,SIGMA,RCUT[,shift])", spec);
}

enum { NCOL_BASE = 7, NCOL_STRESS = 7, NCOL_MAX = 15 };

static const char *const colname[] = {"frame", "step", "time", "temp", "pe",  "ke",  "etot",
                                      "press", "sxx",  "syy",  "szz",  "syz", "sxz", "sxy"};
static const char *const colunit[] = {"",    "",    "ps",  "K",   "eV",  "eV",  "eV",
                                      "GPa", "GPa", "GPa", "GPa", "GPa", "GPa", "GPa"};

/* The header: the base columns, the stress, and econs (E - heat) with a thermostat. */
static int
thermo_header(FILE *fp, int stress, int thermostat, struct core_err *err)
{
    const char *name[NCOL_MAX], *unit[NCOL_MAX];
    size_t n = NCOL_BASE + (stress ? NCOL_STRESS : 0);
    memcpy(name, colname, n * sizeof *name);
    memcpy(unit, colunit, n * sizeof *unit);
    if (thermostat) {
        name[n] = "econs";
        unit[n++] = "eV";
    }
    return table_write_header(fp, n, name, unit, err);
}

static int
thermo_row(FILE *fp, const struct md_sys *s, const struct md_thermostat *th, size_t iframe,
           long step, double dt, int stress, struct core_err *err)
{
    double row[NCOL_MAX], st[9], ke = md_sys_kinetic(s, NULL);
    size_t n = NCOL_BASE + (stress ? NCOL_STRESS : 0);
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
        static const int voigt[6] = {0, 4, 8, 5, 2, 1};
        row[7] = -(st[0] + st[4] + st[8]) / 3 * UNITS_EVA3_GPA;
        for (int k = 0; k < 6; k++)
            row[8 + k] = st[voigt[k]] * UNITS_EVA3_GPA;
    }
    if (th->kind != MD_THERMOSTAT_NONE)
        row[n++] = s->epot + ke - th->heat;
    return table_write_row(fp, n, row, err);
}

/* Writes the results of s into f: positions, velocities (if moved), forces, energy, stress. */
static int
label(struct core_frame *f, const struct md_sys *s, int moved, struct core_err *err)
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

/* The shortest %g form of v that reads back exactly, into buf (32 bytes). */
static const char *
real(char *buf, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

static int
set_info(struct core_frame *f, const char *key, double v, struct core_err *err)
{
    char buf[32];
    return core_frame_info_set(f, key, real(buf, v), err);
}

/* Heat-current samples of a run, kept until its end (the mean temperature goes in the header). */
struct heat_buf {
    double *row; /* 4 per sample: time (ps), J (eV*A/ps) */
    size_t n, cap;
    double tsum; /* sum of the temperatures at the samples */
};

static int
heat_sample(struct heat_buf *h, const struct md_sys *s, double time, struct core_err *err)
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

/* Writes the series: metadata (volume when the cell has one, the mean temperature), header, rows.
 */
static int
heat_write(FILE *fp, const struct heat_buf *h, const struct md_sys *s, struct core_err *err)
{
    char buf[32];
    double v = s->has_cell ? fabs(core_cell_volume(s->cell)) : 0;
    int rc = 0;
    if (v > 0)
        rc = table_write_meta(fp, err, "volume", "%s A^3", real(buf, v));
    if (!rc && h->n && h->tsum > 0)
        rc = table_write_meta(fp, err, "temperature", "%s K", real(buf, h->tsum / (double)h->n));
    rc = rc ? rc : hflux_write_header(fp, err);
    for (size_t i = 0; i < h->n && !rc; i++)
        rc = hflux_write_sample(fp, h->row[4 * i], h->row + 4 * i + 1, err);
    return rc;
}

/* Output files of a run besides the configurations. */
struct outs {
    FILE *thermo; /* may be NULL */
    int stresscols;
    FILE *heat; /* may be NULL */
};

/* Runs one frame: labels it (steps 0) or runs MD; thermo rows go to the thermo table, the heat
 * current to its series. */
static int
run_frame(const struct md_opts *o, struct prog *p, const struct md_pot *pot, struct core_frame *f,
          size_t iframe, struct outs *io, struct core_err *err)
{
    struct md_sys s;
    struct md_thermostat th;
    struct heat_buf hb = {0};
    FILE *tfp = io->thermo;
    int rc;
    if ((rc = md_thermostat_init(&th, o->thermostat, o->temp, o->tdamp, o->seed, err)))
        return rc;
    if ((rc = md_sys_init(&s, f, pot, o->skin, err)))
        return rc;
    if (o->has_temp)
        rc = md_sys_thermalize(&s, o->temp, o->seed, err);
    rc = rc ? rc : md_sys_compute(&s, pot, err);
    if (!rc && tfp && io->stresscols < 0) {
        double st[9];
        io->stresscols = md_sys_stress(&s, 1, st);
        rc = thermo_header(tfp, io->stresscols, th.kind != MD_THERMOSTAT_NONE, err);
    }
    if (!rc && tfp)
        rc = thermo_row(tfp, &s, &th, iframe, 0, o->dt, io->stresscols, err);
    if (!rc && io->heat)
        rc = heat_sample(&hb, &s, 0, err);
    for (long step = 1; step <= o->steps && !rc; step++) {
        if ((rc = md_nvt_step(&s, pot, &th, o->dt, err))) {
            char msg[CORE_ERR_MSGLEN];
            snprintf(msg, sizeof msg, "%s", err->msg);
            rc = core_err_set(err, rc, "step %ld: %s", step, msg);
            break;
        }
        if (io->heat && step % o->heat_every == 0 &&
            (rc = heat_sample(&hb, &s, (double)step * o->dt, err)))
            break;
        if (step % o->every == 0 || step == o->steps) {
            if (tfp)
                rc = thermo_row(tfp, &s, &th, iframe, step, o->dt, io->stresscols, err);
            prog_progress(p, "frame %zu step %ld/%ld T %.1f K etot %.6f eV", iframe + 1, step,
                          o->steps, md_sys_temp(&s), s.epot + md_sys_kinetic(&s, NULL));
        }
    }
    if (!rc && io->heat)
        rc = heat_write(io->heat, &hb, &s, err);
    rc = rc ? rc : label(f, &s, o->steps > 0 || o->has_temp, err);
    if (!rc && o->steps > 0) {
        rc = set_info(f, "md_steps", (double)o->steps, err);
        rc = rc ? rc : set_info(f, "md_dt", o->dt, err);
    }
    if (!rc && o->has_temp) {
        rc = set_info(f, "md_temp", o->temp, err);
        rc = rc ? rc : set_info(f, "md_seed", (double)o->seed, err);
    }
    if (!rc && th.kind != MD_THERMOSTAT_NONE) {
        rc = core_frame_info_set(f, "md_thermostat", md_thermostat_name(th.kind), err);
        rc = rc ? rc : set_info(f, "md_tdamp", o->tdamp, err);
        rc = rc ? rc : set_info(f, "md_heat", th.heat, err);
    }
    if (!rc)
        prog_info(p, "frame %zu: %zu atoms, %zu neighbour-list builds", iframe + 1, s.natoms,
                  s.nl.nbuilds);
    free(hb.row);
    md_sys_release(&s);
    return rc;
}

int
main(int argc, char **argv)
{
    struct prog p;
    struct md_opts o = {.steps = 0,
                        .every = 100,
                        .heat_every = 1,
                        .dt = 0.0005,
                        .skin = 1.0,
                        .tdamp = 0.1,
                        .seed = 1};
    struct option longopts[NOPTS + 1];
    char shortopts[3 * NOPTS + 2];
    struct core_err err = {0};
    struct core_species_map map, *mapp = NULL;
    struct md_pot pot = {0};
    struct core_frame f;
    struct stream_out out = {0}, tout = {0}, hout = {0};
    struct config_src src;
    struct outs io = {.stresscols = -1};
    int c, rc, got, src_open = 0, has_tdamp = 0, has_heat_every = 0;
    size_t iframe = 0;

    prog_init(&p, argv[0]);
    prog_getopt_tables(opts, NOPTS, longopts, shortopts);
    opterr = 0; /* getopt's own messages name argv[0] as given; ours name the tool */
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (c == 'h') {
            prog_help(&p, stdout, synopsis,
                      "Runs molecular dynamics (velocity Verlet) with a Tersoff, MTP or "
                      "Lennard-Jones potential,\nor labels configurations with energy, forces "
                      "and stress (--steps 0).",
                      opts, NOPTS);
            return 0;
        }
        if (c == OPT_VERSION) {
            prog_version(&p);
            return 0;
        }
        if (c == '?' || c == ':')
            return prog_usage_error(&p, synopsis, "unknown option or missing argument: '%s'",
                                    argv[optind - 1]);
        if (parse_one(&o, c, optarg, &p, &err))
            return prog_usage_error(&p, synopsis, "%s", err.msg);
        has_tdamp |= c == OPT_TDAMP;
        has_heat_every |= c == OPT_HEAT_EVERY;
    }
    if (optind < argc - 1)
        return prog_usage_error(&p, synopsis, "one input file at most");
    o.input = optind < argc ? argv[optind] : "-";
    if (!o.potential)
        return prog_usage_error(&p, synopsis, "--potential is required, e.g. -p tersoff:FILE");
    if (o.species) {
        if (core_species_map_parse(o.species, &map, &err))
            return prog_usage_error(&p, synopsis, "--species: %s", err.msg);
        mapp = &map;
    }
    if (o.thermo && o.output && strcmp(o.thermo, o.output) == 0)
        return prog_usage_error(&p, synopsis, "--thermo and --output name the same file");
    if (o.heat && ((o.output && strcmp(o.heat, o.output) == 0) ||
                   (o.thermo && strcmp(o.heat, o.thermo) == 0)))
        return prog_usage_error(&p, synopsis, "--heat names the same file as --output or --thermo");
    if (o.thermostat != MD_THERMOSTAT_NONE && !o.has_temp)
        return prog_usage_error(&p, synopsis, "--thermostat %s needs --temp",
                                md_thermostat_name(o.thermostat));
    if (has_tdamp && o.thermostat == MD_THERMOSTAT_NONE)
        return prog_usage_error(&p, synopsis, "--tdamp needs --thermostat bussi or langevin");
    if (o.heat && o.steps < 1)
        return prog_usage_error(&p, synopsis, "--heat needs --steps N > 0");
    if (has_heat_every && !o.heat)
        return prog_usage_error(&p, synopsis, "--heat-every needs --heat");
    if ((rc = potential(&o, mapp, &pot, &err)))
        return prog_fail(&p, &err);
    prog_info(&p, "%s potential, cut-off %g Angstrom", pot.name, pot.rcut);

    core_frame_init(&f);
    if ((rc = stream_out_open(&out, o.output, 0, &err)))
        goto done;
    if (o.thermo && (rc = stream_out_open(&tout, o.thermo, 0, &err)))
        goto done;
    if (o.thermo) {
        rc = table_write_meta(tout.fp, &err, "program", "md-run %s", FPMS_VERSION);
        rc = rc ? rc : table_write_meta(tout.fp, &err, "potential", "%s", o.potential);
        char buf[32], buf2[32];
        rc = rc ? rc : table_write_meta(tout.fp, &err, "dt", "%s ps", real(buf, o.dt));
        if (!rc && o.has_temp)
            rc = table_write_meta(tout.fp, &err, "seed", "%llu", o.seed);
        if (!rc && o.thermostat != MD_THERMOSTAT_NONE)
            rc = table_write_meta(tout.fp, &err, "thermostat", "%s %s K tdamp %s ps",
                                  md_thermostat_name(o.thermostat), real(buf, o.temp),
                                  real(buf2, o.tdamp));
        if (rc)
            goto done;
    }
    if (o.heat && (rc = stream_out_open(&hout, o.heat, 0, &err)))
        goto done;
    if (o.heat) {
        char buf[32];
        rc = table_write_meta(hout.fp, &err, "program", "md-run %s", FPMS_VERSION);
        rc = rc ? rc : table_write_meta(hout.fp, &err, "potential", "%s", o.potential);
        rc = rc ? rc : table_write_meta(hout.fp, &err, "dt", "%s ps", real(buf, o.dt));
        if (!rc && o.has_temp)
            rc = table_write_meta(hout.fp, &err, "seed", "%llu", o.seed);
        if (!rc && o.thermostat != MD_THERMOSTAT_NONE)
            rc = table_write_meta(hout.fp, &err, "thermostat", "%s",
                                  md_thermostat_name(o.thermostat));
        if (rc)
            goto done;
        io.heat = hout.fp;
    }
    if ((rc = config_src_open(&src, o.input, o.infmt, mapp, &err)))
        goto done;
    src_open = 1;
    for (;;) {
        const char *line;
        long fline = 0;
        if (!src.nc) {
            if ((rc = stream_peekline(&src.in, &line, &err)))
                break;
            fline = src.in.lineno;
        }
        if ((rc = config_src_read(&src, &f, &got, &err)) || !got)
            break;
        io.thermo = o.thermo ? tout.fp : NULL;
        if (o.heat && iframe > 0)
            rc = core_err_set(&err, CORE_EINPUT, "--heat: a heat-current series takes one frame");
        else
            rc = run_frame(&o, &p, &pot, &f, iframe, &io, &err);
        if (rc) {
            char msg[CORE_ERR_MSGLEN];
            const char *name = src.nc ? o.input : src.in.name;
            snprintf(msg, sizeof msg, "%s", err.msg);
            if (fline > 0)
                core_err_set(&err, rc, "%s:%ld: frame %zu: %s", name, fline, iframe + 1, msg);
            else
                core_err_set(&err, rc, "%s: frame %zu: %s", name, iframe + 1, msg);
            break;
        }
        if ((rc = config_write_frame(out.fp, CONFIG_EXTXYZ, NULL, &f, &err)))
            break;
        iframe++;
    }
    prog_progress_end(&p);
    if (!rc && iframe == 0 && !o.heat)
        prog_warn(&p, "%s: no frames", src.nc ? o.input : src.in.name);
    if (!rc && o.heat && iframe == 0)
        rc = core_err_set(&err, CORE_EINPUT, "--heat: %s: no frames",
                          src.nc ? o.input : src.in.name);
    /* the tables first: if the output then fails, they are removed again */
    if (!rc && o.heat)
        rc = stream_out_commit(&hout, &err);
    if (!rc && o.thermo && (rc = stream_out_commit(&tout, &err)) && o.heat)
        remove(o.heat);
    if (!rc && (rc = stream_out_commit(&out, &err))) {
        if (o.thermo)
            remove(o.thermo);
        if (o.heat)
            remove(o.heat);
    }
done:
    if (src_open)
        config_src_close(&src);
    if (rc) {
        stream_out_abort(&out);
        if (o.thermo)
            stream_out_abort(&tout);
        if (o.heat)
            stream_out_abort(&hout);
    }
    core_frame_release(&f);
    md_pot_release(&pot);
    if (rc)
        return prog_fail(&p, &err);
    return 0;
}
