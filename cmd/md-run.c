/*
 * md-run: molecular dynamics with a site-energy potential (Tersoff as LAMMPS defines it,
 * Lennard-Jones); with --steps 0 it labels every input frame with energy, forces and stress.
 * See man/md-run.1; the science is in lib/md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/config.h"
#include "../formats/prog.h"
#include "../formats/stream.h"
#include "../formats/table.h"
#include "../lib/md/md.h"

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
};

static const struct prog_opt opts[] = {
    {"potential", 'p', "SPEC", "tersoff:FILE or lj:EPS,SIGMA,RCUT[,shift] (eV, Angstrom)"},
    {"species", 's', "LIST", "elements of the potential's types, in order: C,B"},
    {"steps", 'n', "N", "MD steps; 0 labels each frame with energy, forces, stress (0)"},
    {"dt", OPT_DT, "TIME", "time step, ps (0.5fs)"},
    {"temp", 'T', "TEMP", "initial Maxwell-Boltzmann velocities at TEMP, K (input's)"},
    {"seed", OPT_SEED, "N", "random seed of the velocities (1)"},
    {"skin", OPT_SKIN, "L", "neighbour-list skin, Angstrom (1)"},
    {"thermo", OPT_THERMO, "FILE", "write a thermo table to FILE"},
    {"thermo-every", OPT_EVERY, "N", "a thermo row every N steps (100)"},
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
    const char *potential, *species, *input, *output, *thermo;
    long steps, every;
    double dt, temp, skin;
    int has_temp;
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
    return core_err_set(err, CORE_EINPUT,
                        "--potential: unknown '%s' (tersoff:FILE or lj:EPS,SIGMA,RCUT[,shift])",
                        spec);
}

enum { NCOL_BASE = 7, NCOL_STRESS = 7 };

static const char *const colname[] = {"frame", "step", "time", "temp", "pe",  "ke",  "etot",
                                      "press", "sxx",  "syy",  "szz",  "syz", "sxz", "sxy"};
static const char *const colunit[] = {"",    "",    "ps",  "K",   "eV",  "eV",  "eV",
                                      "GPa", "GPa", "GPa", "GPa", "GPa", "GPa", "GPa"};

static int
thermo_row(FILE *fp, const struct md_sys *s, size_t iframe, long step, double dt, int stress,
           struct core_err *err)
{
    double row[NCOL_BASE + NCOL_STRESS], st[9], ke = md_sys_kinetic(s, NULL);
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
    return table_write_row(fp, NCOL_BASE + (stress ? NCOL_STRESS : 0), row, err);
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

/* Runs one frame: labels it (steps 0) or runs NVE; thermo rows go to tfp (may be NULL). */
static int
run_frame(const struct md_opts *o, struct prog *p, const struct md_pot *pot, struct core_frame *f,
          size_t iframe, FILE *tfp, int *stresscols, struct core_err *err)
{
    struct md_sys s;
    int rc;
    if ((rc = md_sys_init(&s, f, pot, o->skin, err)))
        return rc;
    if (o->has_temp)
        rc = md_sys_thermalize(&s, o->temp, o->seed, err);
    rc = rc ? rc : md_sys_compute(&s, pot, err);
    if (!rc && tfp && *stresscols < 0) {
        double st[9];
        *stresscols = md_sys_stress(&s, 1, st);
        rc = table_write_header(tfp, NCOL_BASE + (*stresscols ? NCOL_STRESS : 0), colname, colunit,
                                err);
    }
    if (!rc && tfp)
        rc = thermo_row(tfp, &s, iframe, 0, o->dt, *stresscols, err);
    for (long step = 1; step <= o->steps && !rc; step++) {
        if ((rc = md_nve_step(&s, pot, o->dt, err))) {
            char msg[CORE_ERR_MSGLEN];
            snprintf(msg, sizeof msg, "%s", err->msg);
            rc = core_err_set(err, rc, "step %ld: %s", step, msg);
            break;
        }
        if (step % o->every == 0 || step == o->steps) {
            if (tfp)
                rc = thermo_row(tfp, &s, iframe, step, o->dt, *stresscols, err);
            prog_progress(p, "frame %zu step %ld/%ld T %.1f K etot %.6f eV", iframe + 1, step,
                          o->steps, md_sys_temp(&s), s.epot + md_sys_kinetic(&s, NULL));
        }
    }
    rc = rc ? rc : label(f, &s, o->steps > 0 || o->has_temp, err);
    if (!rc && o->steps > 0) {
        rc = set_info(f, "md_steps", (double)o->steps, err);
        rc = rc ? rc : set_info(f, "md_dt", o->dt, err);
    }
    if (!rc && o->has_temp) {
        rc = set_info(f, "md_temp", o->temp, err);
        rc = rc ? rc : set_info(f, "md_seed", (double)o->seed, err);
    }
    if (!rc)
        prog_info(p, "frame %zu: %zu atoms, %zu neighbour-list builds", iframe + 1, s.natoms,
                  s.nl.nbuilds);
    md_sys_release(&s);
    return rc;
}

int
main(int argc, char **argv)
{
    struct prog p;
    struct md_opts o = {.steps = 0, .every = 100, .dt = 0.0005, .skin = 1.0, .seed = 1};
    struct option longopts[NOPTS + 1];
    char shortopts[3 * NOPTS + 2];
    struct core_err err = {0};
    struct core_species_map map, *mapp = NULL;
    struct md_pot pot = {0};
    struct core_frame f;
    struct stream_out out = {0}, tout = {0};
    struct config_src src;
    int c, rc, got, src_open = 0, stresscols = -1;
    size_t iframe = 0;

    prog_init(&p, argv[0]);
    prog_getopt_tables(opts, NOPTS, longopts, shortopts);
    opterr = 0; /* getopt's own messages name argv[0] as given; ours name the tool */
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (c == 'h') {
            prog_help(&p, stdout, synopsis,
                      "Runs molecular dynamics (NVE, velocity Verlet) with a Tersoff or "
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
        char buf[32];
        rc = rc ? rc : table_write_meta(tout.fp, &err, "dt", "%s ps", real(buf, o.dt));
        if (!rc && o.has_temp)
            rc = table_write_meta(tout.fp, &err, "seed", "%llu", o.seed);
        if (rc)
            goto done;
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
        rc = run_frame(&o, &p, &pot, &f, iframe, o.thermo ? tout.fp : NULL, &stresscols, &err);
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
    if (!rc && iframe == 0)
        prog_warn(&p, "%s: no frames", src.nc ? o.input : src.in.name);
    /* the table first: if the output then fails, the table is removed again */
    if (!rc && o.thermo)
        rc = stream_out_commit(&tout, &err);
    if (!rc && (rc = stream_out_commit(&out, &err)) && o.thermo)
        remove(o.thermo);
done:
    if (src_open)
        config_src_close(&src);
    if (rc) {
        stream_out_abort(&out);
        if (o.thermo)
            stream_out_abort(&tout);
    }
    core_frame_release(&f);
    md_pot_release(&pot);
    if (rc)
        return prog_fail(&p, &err);
    return 0;
}
