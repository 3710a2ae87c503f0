/*
 * md-run: molecular dynamics with a site-energy potential (Tersoff as LAMMPS defines it, the
 * MLIP moment tensor potential, Lennard-Jones), NVE or NVT (Bussi, Langevin, Nose-Hoover
 * chains), stress control per direction (stochastic cell rescaling), uniaxial tension with a
 * stress-strain table, NEMD (hot and cold slabs: temperature profile, conductivity, interface
 * conductance), trajectories, checkpoints and restarts, a thermo table and the heat-current
 * series; with --steps 0 it labels every input frame with energy, forces and
 * stress.
 * See man/md-run.1; the science is in lib/md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/config.h"
#include "../formats/hflux.h"
#include "../formats/mdrestart.h"
#include "../formats/mtp_file.h"
#include "../formats/nctraj.h"
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
    OPT_CHAIN,
    OPT_BARO,
    OPT_PRESS,
    OPT_PDAMP,
    OPT_PDIRS,
    OPT_COMPRESS,
    OPT_TENSION,
    OPT_RATE,
    OPT_SS,
    OPT_THICK,
    OPT_PAST,
    OPT_TRAJ,
    OPT_TRAJ_EVERY,
    OPT_TRAJ_FMT,
    OPT_CKPT,
    OPT_CKPT_EVERY,
    OPT_RESTART,
    OPT_NEMD,
    OPT_NEMD_OPEN,
    OPT_NEMD_DT,
    OPT_SLABS,
    OPT_FIXED,
    OPT_BINS,
    OPT_PROFILE,
    OPT_BLOCK,
    OPT_NEMD_EQUIL,
    OPT_MARGIN,
    OPT_IFACE,
    OPT_LAST,
};

static const struct prog_opt opts[] = {
    {"potential", 'p', "SPEC",
     "tersoff:FILE, mtp:FILE or lj:EPS,SIGMA,RCUT[,shift] (eV, Angstrom)"},
    {"species", 's', "LIST", "elements of the potential's types, in order: C,B"},
    {"steps", 'n', "N", "MD steps; 0 labels each frame with energy, forces, stress (0)"},
    {"dt", OPT_DT, "TIME", "time step, ps (0.5fs)"},
    {"temp", 'T', "TEMP", "initial Maxwell-Boltzmann velocities and thermostat target, K"},
    {"thermostat", OPT_THERMOSTAT, "KIND", "none, bussi, langevin or nhc (none)"},
    {"tdamp", OPT_TDAMP, "TIME", "thermostat relaxation time, ps (0.1ps)"},
    {"chain", OPT_CHAIN, "N", "length of the Nose-Hoover chain (3)"},
    {"barostat", OPT_BARO, "KIND", "none or scr: stochastic cell rescaling per direction (none)"},
    {"pressure", OPT_PRESS, "P", "target pressure (minus the target stress), GPa (0)"},
    {"pdamp", OPT_PDAMP, "TIME", "barostat relaxation time, ps (1ps)"},
    {"pdirs", OPT_PDIRS, "LIST", "controlled directions, e.g. x,y (every periodic one)"},
    {"compressibility", OPT_COMPRESS, "BETA", "of the cell, 1/GPa (0.01)"},
    {"tension", OPT_TENSION, "DIR", "uniaxial tension along x, y or z"},
    {"strain-rate", OPT_RATE, "RATE", "engineering strain rate, 1/ps (or 1e9/s, 0.001/ps)"},
    {"stress-strain", OPT_SS, "FILE", "write the stress-strain table of --tension to FILE"},
    {"thickness", OPT_THICK, "L", "sheet thickness for the stress or NEMD, Angstrom (3.35)"},
    {"past-peak", OPT_PAST, "X", "stop at this strain past the peak stress (0.05)"},
    {"nemd", OPT_NEMD, "AXIS", "NEMD: hot and cold slabs along x, y or z"},
    {"nemd-open", OPT_NEMD_OPEN, NULL, "NEMD with fixed ends on a non-periodic axis"},
    {"nemd-dt", OPT_NEMD_DT, "TEMP", "NEMD: hot minus cold slab temperature, K (40K)"},
    {"slabs", OPT_SLABS, "H0,H1,C0,C1", "NEMD: hot and cold slabs, fractions of the length"},
    {"fixed", OPT_FIXED, "F", "NEMD: fixed layer at each end, fraction (0.02)"},
    {"bins", OPT_BINS, "N", "NEMD: temperature-profile bins (20)"},
    {"profile", OPT_PROFILE, "FILE", "NEMD: write the temperature profile and results to FILE"},
    {"block", OPT_BLOCK, "TIME", "NEMD: block length for the error bars, ps (10ps)"},
    {"nemd-equil", OPT_NEMD_EQUIL, "TIME", "NEMD: time discarded first, ps (0)"},
    {"margin", OPT_MARGIN, "F", "NEMD: left out of the fits next to slabs, fraction (0.05)"},
    {"interface", OPT_IFACE, "auto|X[,X]", "NEMD: interfaces for the conductance, fractions"},
    {"seed", OPT_SEED, "N", "random seed of the velocities, thermostat, barostat (1)"},
    {"skin", OPT_SKIN, "L", "neighbour-list skin, Angstrom (1)"},
    {"thermo", OPT_THERMO, "FILE", "write a thermo table to FILE"},
    {"thermo-every", OPT_EVERY, "N", "a thermo row every N steps (100)"},
    {"heat", OPT_HEAT, "FILE", "write the heat-current series J(t) to FILE"},
    {"heat-every", OPT_HEAT_EVERY, "N", "a heat-current sample every N steps (1)"},
    {"traj", OPT_TRAJ, "FILE", "write a trajectory (AMBER NetCDF, or extxyz for .xyz)"},
    {"traj-every", OPT_TRAJ_EVERY, "N", "a trajectory frame every N steps (100)"},
    {"traj-format", OPT_TRAJ_FMT, "FMT", "auto, netcdf or extxyz (auto: by the name)"},
    {"checkpoint", OPT_CKPT, "FILE", "write a checkpoint to FILE at the end of the run"},
    {"checkpoint-every", OPT_CKPT_EVERY, "N", "also every N steps"},
    {"restart", OPT_RESTART, "FILE", "continue the run saved in checkpoint FILE"},
    {"input-format", OPT_INFMT, "FMT", "input format: auto, extxyz, cfg, poscar, netcdf (auto)"},
    {"output", 'o', "FILE", "write to FILE instead of stdout"},
    {"progress", OPT_PROGRESS, NULL, "report progress on stderr"},
    {"quiet", 'q', NULL, "no warnings"},
    {"verbose", 'v', NULL, "more detail on stderr"},
    {"help", 'h', NULL, "show this help"},
    {"version", OPT_VERSION, NULL, "show the version"},
};

#define NOPTS (sizeof opts / sizeof opts[0])

enum { TRAJ_AUTO, TRAJ_NETCDF, TRAJ_EXTXYZ };

/* Most interfaces --interface takes or finds. */
#define MAXIFACE 8

struct md_opts {
    const char *potential, *species, *input, *output, *thermo, *heat;
    long steps, every, heat_every;
    double dt, temp, skin, tdamp;
    int has_temp;
    enum md_thermostat_kind thermostat;
    int nchain;
    enum md_baro_kind baro;
    double press, pdamp, compress; /* GPa, ps, 1/GPa as given */
    int pdirs[3], has_pdirs;
    int tdir; /* -1: no tension */
    double rate, thick, past;
    const char *ss, *traj, *ckpt, *restart;
    long traj_every, ckpt_every;
    int trajfmt;
    unsigned long long seed;
    enum config_fmt infmt;
    /* NEMD */
    int nemd_axis; /* -1: no NEMD */
    int nemd_open, has_slabs;
    double nemd_dt, slabs[4], fixed, block, equil, margin;
    long bins;
    const char *profile, *iface;
    double ifx[MAXIFACE];
    size_t nifx; /* 0 with iface "auto" */
};

/* A direction x, y or z; -1 otherwise. */
static int
dir_parse(const char *s)
{
    if (strlen(s) != 1 || s[0] < 'x' || s[0] > 'z')
        return -1;
    return s[0] - 'x';
}

/* --strain-rate: a number with an optional unit /ps (the default), /fs, /ns or /s; in 1/ps. */
static int
rate_parse(const char *arg, double *out)
{
    static const struct {
        const char *unit;
        double per_ps;
    } units[] = {{"", 1}, {"/ps", 1}, {"/fs", 1e3}, {"/ns", 1e-3}, {"/s", 1e-12}};

    char buf[64];
    const char *slash = strchr(arg, '/');
    size_t n = slash ? (size_t)(slash - arg) : strlen(arg);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, arg, n);
    buf[n] = '\0';
    double v;
    if (core_parse_double(buf, &v))
        return -1;
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
        if (strcmp(slash ? slash : "", units[k].unit) == 0) {
            *out = v * units[k].per_ps;
            return isfinite(*out) && *out > 0 ? 0 : -1;
        }
    return -1;
}

/* A list of n fractions (max at most 8) separated by commas, each finite. */
static int
fracs_parse(const char *arg, double *v, size_t max, size_t *n)
{
    char buf[256], *save = NULL;
    if (strlen(arg) >= sizeof buf)
        return -1;
    strcpy(buf, arg);
    *n = 0;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (*n == max || core_parse_double(t, &v[*n]) || !isfinite(v[*n]))
            return -1;
        (*n)++;
    }
    return *n ? 0 : -1;
}

static int
parse_nemd(struct md_opts *o, int c, const char *arg, struct core_err *err)
{
    long l;
    size_t n;
    switch (c) {
    case OPT_NEMD:
        if ((o->nemd_axis = dir_parse(arg)) < 0)
            return core_err_set(err, CORE_EINPUT, "--nemd: '%s' is not x, y or z", arg);
        return 0;
    case OPT_NEMD_OPEN:
        o->nemd_open = 1;
        return 0;
    case OPT_NEMD_DT:
        if (core_quantity_parse(arg, CORE_DIM_TEMP, &o->nemd_dt, err) || !(o->nemd_dt > 0))
            return core_err_set(err, CORE_EINPUT, "--nemd-dt: '%s' is not a temperature > 0", arg);
        return 0;
    case OPT_SLABS:
        if (fracs_parse(arg, o->slabs, 4, &n) || n != 4)
            return core_err_set(err, CORE_EINPUT, "--slabs: '%s' is not four fractions H0,H1,C0,C1",
                                arg);
        for (int k = 0; k < 4; k++)
            if (!(o->slabs[k] >= 0 && o->slabs[k] <= 1))
                return core_err_set(err, CORE_EINPUT, "--slabs: %g is outside [0, 1]", o->slabs[k]);
        if (!(o->slabs[0] < o->slabs[1] && o->slabs[2] < o->slabs[3]))
            return core_err_set(err, CORE_EINPUT,
                                "--slabs: '%s': a slab is empty (H0 >= H1 or "
                                "C0 >= C1)",
                                arg);
        if (o->slabs[0] < o->slabs[3] && o->slabs[2] < o->slabs[1])
            return core_err_set(err, CORE_EINPUT, "--slabs: '%s': the hot and cold slabs overlap",
                                arg);
        o->has_slabs = 1;
        return 0;
    case OPT_FIXED:
        if (core_parse_double(arg, &o->fixed) || !(o->fixed >= 0 && o->fixed < 0.5))
            return core_err_set(err, CORE_EINPUT, "--fixed: '%s' is not a fraction in [0, 0.5)",
                                arg);
        return 0;
    case OPT_BINS:
        if (core_parse_long(arg, &l) || l < 2 || l > 100000)
            return core_err_set(err, CORE_EINPUT, "--bins: '%s' is not an integer in 2..100000",
                                arg);
        o->bins = l;
        return 0;
    case OPT_PROFILE:
        o->profile = arg;
        return 0;
    case OPT_BLOCK:
    case OPT_NEMD_EQUIL: {
        double *v = c == OPT_BLOCK ? &o->block : &o->equil;
        if (core_quantity_parse(arg, CORE_DIM_TIME, v, err) || !(c == OPT_BLOCK ? *v > 0 : *v >= 0))
            return core_err_set(err, CORE_EINPUT, "--%s: '%s' is not a time %s",
                                c == OPT_BLOCK ? "block" : "nemd-equil", arg,
                                c == OPT_BLOCK ? "> 0" : ">= 0");
        return 0;
    }
    case OPT_MARGIN:
        if (core_parse_double(arg, &o->margin) || !(o->margin >= 0 && o->margin < 0.5))
            return core_err_set(err, CORE_EINPUT, "--margin: '%s' is not a fraction in [0, 0.5)",
                                arg);
        return 0;
    case OPT_IFACE:
        o->iface = arg;
        o->nifx = 0;
        if (strcmp(arg, "auto") == 0)
            return 0;
        if (fracs_parse(arg, o->ifx, MAXIFACE, &o->nifx))
            return core_err_set(err, CORE_EINPUT,
                                "--interface: '%s' is not auto or up to %d fractions X[,X]", arg,
                                MAXIFACE);
        for (size_t k = 0; k < o->nifx; k++)
            if (!(o->ifx[k] >= 0 && o->ifx[k] <= 1))
                return core_err_set(err, CORE_EINPUT, "--interface: %g is outside [0, 1]",
                                    o->ifx[k]);
        return 0;
    }
    return core_err_set(err, CORE_EINTERNAL, "option %d not handled", c);
}

static int
parse_one(struct md_opts *o, int c, const char *arg, struct prog *p, struct core_err *err)
{
    long l;
    if (c >= OPT_NEMD && c < OPT_LAST)
        return parse_nemd(o, c, arg, err);
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
        if (md_thermostat_kind_parse(arg, &o->thermostat, err))
            return core_err_set(err, CORE_EINPUT,
                                "--thermostat: unknown '%s' (none, bussi, langevin or nhc)", arg);
        return 0;
    case OPT_CHAIN:
        if (core_parse_long(arg, &l) || l < 1 || l > MD_NHC_MAXCHAIN)
            return core_err_set(err, CORE_EINPUT, "--chain: '%s' is not an integer in 1..%d", arg,
                                MD_NHC_MAXCHAIN);
        o->nchain = (int)l;
        return 0;
    case OPT_BARO:
        if (strcmp(arg, "none") == 0)
            o->baro = MD_BARO_NONE;
        else if (strcmp(arg, "scr") == 0)
            o->baro = MD_BARO_SCR;
        else
            return core_err_set(err, CORE_EINPUT, "--barostat: unknown '%s' (none or scr)", arg);
        return 0;
    case OPT_PRESS:
        if (core_quantity_parse(arg, CORE_DIM_PRESSURE, &o->press, err))
            return core_err_set(err, CORE_EINPUT, "--pressure: '%s' is not a pressure", arg);
        return 0;
    case OPT_PDAMP:
        if (core_quantity_parse(arg, CORE_DIM_TIME, &o->pdamp, err) || !(o->pdamp > 0))
            return core_err_set(err, CORE_EINPUT, "--pdamp: '%s' is not a time > 0", arg);
        return 0;
    case OPT_PDIRS: {
        char buf[16], *save = NULL;
        if (strlen(arg) >= sizeof buf)
            return core_err_set(err, CORE_EINPUT, "--pdirs: '%s' is not a list of x, y, z", arg);
        strcpy(buf, arg);
        memset(o->pdirs, 0, sizeof o->pdirs);
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            int d = dir_parse(t);
            if (d < 0 || o->pdirs[d])
                return core_err_set(err, CORE_EINPUT,
                                    "--pdirs: '%s' is not a list of distinct x, y, z", arg);
            o->pdirs[d] = 1;
        }
        if (!(o->pdirs[0] || o->pdirs[1] || o->pdirs[2]))
            return core_err_set(err, CORE_EINPUT, "--pdirs: '%s' names no direction", arg);
        o->has_pdirs = 1;
        return 0;
    }
    case OPT_COMPRESS:
        if (core_parse_double(arg, &o->compress) || !(o->compress > 0))
            return core_err_set(err, CORE_EINPUT, "--compressibility: '%s' is not a number > 0",
                                arg);
        return 0;
    case OPT_TENSION:
        if ((o->tdir = dir_parse(arg)) < 0)
            return core_err_set(err, CORE_EINPUT, "--tension: '%s' is not x, y or z", arg);
        return 0;
    case OPT_RATE:
        if (rate_parse(arg, &o->rate))
            return core_err_set(err, CORE_EINPUT,
                                "--strain-rate: '%s' is not a rate > 0 (1/ps, or with /ps, /fs, "
                                "/ns, /s)",
                                arg);
        return 0;
    case OPT_SS:
        o->ss = arg;
        return 0;
    case OPT_THICK:
        if (core_quantity_parse(arg, CORE_DIM_LENGTH, &o->thick, err) || !(o->thick > 0))
            return core_err_set(err, CORE_EINPUT, "--thickness: '%s' is not a length > 0", arg);
        return 0;
    case OPT_PAST:
        if (core_parse_double(arg, &o->past) || !(o->past >= 0))
            return core_err_set(err, CORE_EINPUT, "--past-peak: '%s' is not a strain >= 0", arg);
        return 0;
    case OPT_TRAJ:
        o->traj = arg;
        return 0;
    case OPT_TRAJ_EVERY:
    case OPT_CKPT_EVERY:
        if (core_parse_long(arg, &l) || l < 1)
            return core_err_set(err, CORE_EINPUT, "--%s: '%s' is not an integer >= 1",
                                c == OPT_TRAJ_EVERY ? "traj-every" : "checkpoint-every", arg);
        *(c == OPT_TRAJ_EVERY ? &o->traj_every : &o->ckpt_every) = l;
        return 0;
    case OPT_TRAJ_FMT:
        if (strcmp(arg, "auto") == 0)
            o->trajfmt = TRAJ_AUTO;
        else if (strcmp(arg, "netcdf") == 0)
            o->trajfmt = TRAJ_NETCDF;
        else if (strcmp(arg, "extxyz") == 0)
            o->trajfmt = TRAJ_EXTXYZ;
        else
            return core_err_set(err, CORE_EINPUT,
                                "--traj-format: unknown '%s' (auto, netcdf or extxyz)", arg);
        return 0;
    case OPT_CKPT:
        o->ckpt = arg;
        return 0;
    case OPT_RESTART:
        o->restart = arg;
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

enum { NCOL_BASE = 7, NCOL_STRESS = 7, NCOL_MAX = 21 };

static const char *const colname[] = {"frame", "step", "time", "temp", "pe",  "ke",  "etot",
                                      "press", "sxx",  "syy",  "szz",  "syz", "sxz", "sxy"};
static const char *const colunit[] = {"",    "",    "ps",  "K",   "eV",  "eV",  "eV",
                                      "GPa", "GPa", "GPa", "GPa", "GPa", "GPa", "GPa"};

/* The state of one run. */
struct run {
    struct md_sys s;
    struct md_thermostat th;
    struct md_baro b;
    struct md_tension tn;
    int cellmove; /* a barostat or a deformation moves the cell */
    int nemd;     /* nm is set up */
    struct md_nemd nm;
    double xi[MAXIFACE]; /* NEMD interfaces (fractions of the length) */
    size_t ni;
};

/* The header: the base columns, the stress, econs (E + P0 V - heats) with a thermostat or a
 * barostat, and the cell's diagonal when the cell moves. */
static int
thermo_header(FILE *fp, int stress, int econs, int cellmove, int nemd, struct core_err *err)
{
    static const char *const lname[3] = {"lx", "ly", "lz"};
    const char *name[NCOL_MAX], *unit[NCOL_MAX];
    size_t n = NCOL_BASE + (stress ? NCOL_STRESS : 0);
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

static int
thermo_row(FILE *fp, const struct run *r, size_t iframe, long step, double dt, int stress,
           struct core_err *err)
{
    const struct md_sys *s = &r->s;
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
    if (r->th.kind != MD_THERMOSTAT_NONE || r->cellmove || r->nemd) {
        double pv = r->b.press * (s->has_cell ? fabs(core_cell_volume(s->cell)) : 0);
        double qn = r->nemd ? r->nm.th[0].heat + r->nm.th[1].heat : 0;
        row[n++] = s->epot + ke + pv - r->th.heat - r->b.heat - qn;
    }
    if (r->nemd) {
        row[n++] = r->nm.th[0].heat;
        row[n++] = r->nm.th[1].heat;
    }
    for (int a = 0; r->cellmove && a < 3; a++)
        row[n++] = s->cell[4 * a];
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
    if (!rc && v > 0 && !s->pbc[2]) { /* a sheet: kappa-gk --thickness takes V = area H */
        const double *c = s->cell;
        double ab[3] = {c[1] * c[5] - c[2] * c[4], c[2] * c[3] - c[0] * c[5],
                        c[0] * c[4] - c[1] * c[3]};
        rc = table_write_meta(fp, err, "area", "%s A^2",
                              real(buf, sqrt(ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2])));
    }
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
    FILE *heat;         /* may be NULL */
    FILE *ss;           /* stress-strain table, may be NULL */
    FILE *trajxyz;      /* extxyz trajectory, may be NULL */
    FILE *profile;      /* NEMD temperature profile, may be NULL */
    struct nctraj *nct; /* NetCDF trajectory, created by run_frame */
    int ssdone;         /* the stress-strain table has its header */
};

/* The trajectory frame of s at step: f's atoms with the positions, velocities, cell, energy. */
static int
traj_frame(const struct md_opts *o, struct outs *io, struct core_frame *tf, const struct md_sys *s,
           long step, struct core_err *err)
{
    size_t n = s->natoms;
    int rc = core_frame_want(tf, "vel", err);
    if (rc)
        return rc;
    memcpy(tf->pos, s->pos, 3 * n * sizeof *tf->pos);
    memcpy(tf->vel, s->vel, 3 * n * sizeof *tf->vel);
    if (s->has_cell)
        memcpy(tf->cell, s->cell, sizeof tf->cell);
    tf->has_energy = 1;
    tf->energy = s->epot;
    if (io->nct)
        return nctraj_write_frame(io->nct, tf, (double)step * o->dt, err);
    rc = set_info(tf, "time", (double)step * o->dt, err);
    rc = rc ? rc : set_info(tf, "step", (double)step, err);
    return rc ? rc : config_write_frame(io->trajxyz, CONFIG_EXTXYZ, NULL, tf, err);
}

/* Writes the checkpoint of r at step, all or nothing; the neighbour list is rebuilt and the
 * forces recomputed first, so that a restarted run (which builds its list afresh) continues
 * with the same bits. */
static int
checkpoint(const struct md_opts *o, struct run *r, const struct md_pot *pot, long step,
           struct core_err *err)
{
    struct stream_out co;
    struct md_sys *s = &r->s;
    int rc = 0;
    if (!pot->total) {
        rc = md_nlist_build(&s->nl, s->natoms, s->pos, s->has_cell ? s->cell : NULL, s->pbc, err);
        rc = rc ? rc : md_sys_compute(s, pot, err);
        if (rc)
            return rc;
    }
    if ((rc = stream_out_open(&co, o->ckpt, 0, err)))
        return rc;
    rc = mdrestart_write(co.fp, s, (uint64_t)step, &r->th, &r->b, &r->tn, r->nemd ? &r->nm : NULL,
                         err);
    rc = rc ? rc : stream_out_commit(&co, err);
    if (rc)
        stream_out_abort(&co);
    return rc;
}

/* Reads --restart into r; returns the step it was written at in *step. */
static int
restart(const struct md_opts *o, struct run *r, long *step, struct core_err *err)
{
    struct stream_in in;
    struct mdrestart ck;
    int rc = stream_in_open(&in, o->restart, err);
    if (rc)
        return rc;
    rc = mdrestart_read(&in, &ck, err);
    stream_in_close(&in);
    rc = rc ? rc
            : mdrestart_apply(&ck, o->restart, &r->s, &r->th, &r->b, &r->tn,
                              r->nemd ? &r->nm : NULL, err);
    if (!rc && ck.step > (uint64_t)o->steps)
        rc = core_err_set(err, CORE_EINPUT, "%s: the checkpoint is at step %llu, past --steps %ld",
                          o->restart, (unsigned long long)ck.step, o->steps);
    if (!rc)
        *step = (long)ck.step;
    mdrestart_release(&ck);
    return rc;
}

/* stress and stress_2d: along the pull, what fe-solve's NAME.curve reads */
static const char *const sscol[] = {
    "step", "time",   "strain", "stress", "stress_2d", "sxx",    "syy",    "szz",  "syz", "sxz",
    "sxy",  "sxx_2d", "syy_2d", "szz_2d", "syz_2d",    "sxz_2d", "sxy_2d", "temp", "pe"};
static const char *const ssunit[] = {"",    "ps",  "",    "GPa", "N/m", "GPa", "GPa",
                                     "GPa", "GPa", "GPa", "GPa", "N/m", "N/m", "N/m",
                                     "N/m", "N/m", "N/m", "K",   "eV"};

/* One row of the stress-strain table; *stop set past the peak. */
static int
ss_row(const struct md_opts *o, struct outs *io, struct run *r, long step, int *stop,
       struct core_err *err)
{
    double row[2 + MD_TENSION_NCOLS];
    int rc = 0;
    if (io->ss && !io->ssdone) {
        char buf[32];
        rc = table_write_meta(io->ss, err, "thickness", "%s A", real(buf, o->thick));
        rc = rc ? rc : table_write_header(io->ss, 2 + MD_TENSION_NCOLS, sscol, ssunit, err);
        io->ssdone = 1;
    }
    md_tension_row(&r->tn, &r->s, &r->b, row + 2, stop);
    row[0] = (double)step;
    row[1] = (double)step * o->dt;
    if (!rc && io->ss)
        rc = table_write_row(io->ss, 2 + MD_TENSION_NCOLS, row, err);
    return rc;
}

/* Sets up the thermostat, barostat and tension of a run from the options and the frame. */
static int
run_setup(const struct md_opts *o, struct run *r, const struct core_frame *f, struct core_err *err)
{
    /* with --nemd, --thermostat is the slabs' (nemd_setup) */
    enum md_thermostat_kind tk = o->nemd_axis >= 0 ? MD_THERMOSTAT_NONE : o->thermostat;
    int rc = md_thermostat_init(&r->th, tk, o->temp, o->tdamp, o->seed, err);
    if (!rc && o->thermostat == MD_THERMOSTAT_NHC && o->nchain)
        rc = md_thermostat_chain_set(&r->th, o->nchain, err);
    if (rc)
        return rc;
    int dirs[3];
    for (int a = 0; a < 3; a++)
        dirs[a] = o->has_pdirs ? o->pdirs[a] : f->has_cell && f->pbc[a] && a != o->tdir;
    if (o->baro == MD_BARO_SCR && !(dirs[0] || dirs[1] || dirs[2]))
        return core_err_set(err, CORE_EINPUT,
                            "--barostat scr: the frame has no periodic "
                            "direction to control");
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

/* Sets up the NEMD of a run from the options and the positions of s now. */
static int
nemd_setup(const struct md_opts *o, struct run *r, struct core_err *err)
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
    no.nbins = (size_t)o->bins;
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
    if ((rc = md_nemd_find_interfaces(&r->nm, &r->s, r->xi, MAXIFACE, &r->ni, err)))
        return rc;
    if (r->ni == 0)
        return core_err_set(err, CORE_EINPUT,
                            "--interface auto: the element does not change along %c",
                            "xyz"[o->nemd_axis]);
    return CORE_OK;
}

/* Equilibration and block lengths of NEMD in steps. */
static void
nemd_steps(const struct md_opts *o, uint64_t *nequil, uint64_t *nblock)
{
    double e = floor(o->equil / o->dt + 0.5), b = floor(o->block / o->dt + 0.5);
    *nequil = e < 1e18 ? (uint64_t)e : (uint64_t)1e18;
    *nblock = b < 1 ? 1 : b < 1e18 ? (uint64_t)b : (uint64_t)1e18;
}

/* Writes `# key = value` to each of the n files that is not NULL. */
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
    snprintf(buf, 96, "%s +- %s %s", real(b1, x), real(b2, dx), unit);
    return buf;
}

/* The results of an NEMD run (conductivity, interfaces) into the profile table, the thermo
 * table's metadata and the info keys of f. */
static int
nemd_results(const struct md_opts *o, const struct outs *io, struct run *r, struct core_frame *f,
             struct core_err *err)
{
    struct md_nemd *nm = &r->nm;
    struct md_nemd_kappa k;
    struct md_nemd_iface ifc[MAXIFACE];
    size_t ni = r->ni, nb = nm->o.nbins;
    char buf[96], b1[32], b2[32], key[48];
    FILE *const fp[2] = {io->profile, io->thermo};
    const char ax[2] = {"xyz"[nm->o.axis], '\0'};
    int rc;
    if (nm->nblocks == 0)
        return core_err_set(err, CORE_EINPUT, "--nemd: no block completed (--block %s ps)",
                            real(b1, o->block));
    if ((rc = md_nemd_kappa(nm, o->margin, &k, err)))
        return rc;
    for (size_t i = 0; i < ni; i++)
        if ((rc = md_nemd_interface(nm, r->xi[i], o->margin, &ifc[i], err)))
            return rc;
    /* the final configuration's info keys */
    rc = core_frame_info_set(f, "md_nemd_axis", ax, err);
    rc = rc ? rc : set_info(f, "md_nemd_blocks", (double)nm->nblocks, err);
    rc = rc ? rc : set_info(f, "md_nemd_flux", k.flux, err);
    rc = rc ? rc : set_info(f, "md_nemd_flux_err", k.flux_err, err);
    rc = rc ? rc : set_info(f, "md_nemd_kappa", k.kappa, err);
    rc = rc ? rc : set_info(f, "md_nemd_kappa_err", k.kappa_err, err);
    rc = rc ? rc : set_info(f, "md_nemd_heat_hot", nm->th[0].heat, err);
    rc = rc ? rc : set_info(f, "md_nemd_heat_cold", nm->th[1].heat, err);
    for (size_t i = 0; i < ni && !rc; i++) {
        static const char *const what[5] = {"iface", "jump", "jump_err", "G", "G_err"};
        double v[5] = {ifc[i].pos, ifc[i].jump, ifc[i].jump_err, ifc[i].g, ifc[i].g_err};
        for (int q = 0; q < 5 && !rc; q++) {
            snprintf(key, sizeof key, "md_nemd_%s%zu", what[q], i + 1);
            if (q == 2 || q == 4) /* jump1_err, G1_err */
                snprintf(key, sizeof key, "md_nemd_%s%zu_err", what[q - 1], i + 1);
            rc = set_info(f, key, v[q], err);
        }
    }
    /* metadata of the profile and the thermo table */
    if (!rc && io->profile) {
        FILE *pf = io->profile;
        char b3[32], b4[32];
        rc = table_write_meta(pf, err, "program", "md-run %s", FPMS_VERSION);
        rc = rc ? rc : table_write_meta(pf, err, "potential", "%s", o->potential);
        rc = rc ? rc : table_write_meta(pf, err, "dt", "%s ps", real(b1, o->dt));
        rc = rc ? rc : table_write_meta(pf, err, "seed", "%llu", o->seed);
        rc = rc ? rc
                : table_write_meta(pf, err, "geometry", "%s",
                                   nm->o.geom == MD_NEMD_OPEN ? "open" : "periodic");
        rc = rc ? rc
                : table_write_meta(pf, err, "slabs", "hot %s %s cold %s %s", real(b1, nm->o.hot[0]),
                                   real(b2, nm->o.hot[1]), real(b3, nm->o.cold[0]),
                                   real(b4, nm->o.cold[1]));
        if (!rc && nm->o.geom == MD_NEMD_OPEN)
            rc = table_write_meta(pf, err, "fixed", "%s", real(b1, nm->o.fixed));
        rc = rc ? rc
                : table_write_meta(pf, err, "temperatures", "hot %s K cold %s K",
                                   real(b1, nm->th[0].temp), real(b2, nm->th[1].temp));
        rc = rc ? rc
                : table_write_meta(pf, err, "thermostat", "%s tdamp %s ps",
                                   md_thermostat_name(nm->o.kind), real(b1, nm->o.tdamp));
        rc = rc ? rc
                : table_write_meta(pf, err, "atoms", "hot %zu cold %zu fixed %zu", nm->nhot,
                                   nm->ncold, nm->nfixed);
        rc = rc ? rc : table_write_meta(pf, err, "length", "%s A", real(b1, nm->len));
        rc = rc ? rc : table_write_meta(pf, err, "area", "%s A^2", real(b1, nm->area));
        int ax2 = (nm->o.axis + 1) % 3, ax3 = (nm->o.axis + 2) % 3;
        if (!rc && r->s.has_cell && (!r->s.pbc[ax2] || !r->s.pbc[ax3])) /* a sheet */
            rc = table_write_meta(pf, err, "thickness", "%s A", real(b1, o->thick));
        rc = rc ? rc : table_write_meta(pf, err, "equilibration", "%s ps", real(b1, o->equil));
        rc = rc ? rc : table_write_meta(pf, err, "margin", "%s", real(b1, o->margin));
    }
    rc = rc ? rc : meta2(fp, err, "nemd_axis", ax);
    snprintf(buf, sizeof buf, "%zu of %s ps", nm->nblocks, real(b1, o->block));
    rc = rc ? rc : meta2(fp, err, "nemd_blocks", buf);
    rc = rc ? rc : meta2(fp, err, "nemd_flux", pm(buf, k.flux, k.flux_err, "W/m^2"));
    rc = rc ? rc : meta2(fp, err, "nemd_gradient", pm(buf, k.grad, k.grad_err, "K/A"));
    rc = rc ? rc : meta2(fp, err, "nemd_kappa", pm(buf, k.kappa, k.kappa_err, "W/(m K)"));
    for (size_t i = 0; i < ni && !rc; i++) {
        snprintf(key, sizeof key, "nemd_interface%zu", i + 1);
        snprintf(buf, sizeof buf, "%s A (fraction %s)", real(b1, ifc[i].pos),
                 real(b2, ifc[i].pos / nm->len));
        rc = meta2(fp, err, key, buf);
        snprintf(key, sizeof key, "nemd_jump%zu", i + 1);
        rc = rc ? rc : meta2(fp, err, key, pm(buf, ifc[i].jump, ifc[i].jump_err, "K"));
        snprintf(key, sizeof key, "nemd_G%zu", i + 1);
        rc = rc ? rc : meta2(fp, err, key, pm(buf, ifc[i].g, ifc[i].g_err, "W/(m^2 K)"));
    }
    if (rc || !io->profile)
        return rc;
    /* the profile: bins empty in some block (NaN) are left out */
    static const char *const pname[3] = {"x", "T", "T_err"}, *const punit[3] = {"A", "K", "K"};
    double *x = malloc(3 * nb * sizeof *x);
    if (!x)
        return core_err_set(err, CORE_ENOMEM, "out of memory for %zu bins", nb);
    md_nemd_profile(nm, x, x + nb, x + 2 * nb);
    rc = table_write_header(io->profile, 3, pname, punit, err);
    for (size_t b = 0; b < nb && !rc; b++) {
        double row[3] = {x[b], x[nb + b], x[2 * nb + b]};
        if (isfinite(row[1]) && isfinite(row[2]))
            rc = table_write_row(io->profile, 3, row, err);
    }
    free(x);
    return rc;
}

/* Runs one frame: labels it (steps 0) or runs MD; thermo rows go to the thermo table, the heat
 * current to its series, and the rest to the files of --stress-strain, --traj, --checkpoint. */
static int
run_frame(const struct md_opts *o, struct prog *p, const struct md_pot *pot, struct core_frame *f,
          size_t iframe, struct outs *io, struct core_err *err)
{
    struct run r = {0};
    struct heat_buf hb = {0};
    struct core_frame tf;
    struct md_sys *s = &r.s;
    FILE *tfp = io->thermo;
    long step = 0, last = 0, start;
    int rc, stop = 0;
    core_frame_init(&tf);
    if ((rc = md_sys_init(s, f, pot, o->skin, err)))
        return rc;
    rc = run_setup(o, &r, f, err);
    if (!rc && !o->restart && o->has_temp)
        rc = md_sys_thermalize(s, o->temp, o->seed, err);
    /* from the input positions, also on a restart: the checkpoint's regions must agree */
    if (!rc && o->nemd_axis >= 0)
        rc = nemd_setup(o, &r, err);
    if (!rc && o->restart)
        rc = restart(o, &r, &step, err);
    rc = rc ? rc : md_sys_compute(s, pot, err);
    start = step;
    /* a checkpoint of a tensile test that had stopped past the peak stays stopped */
    if (o->tdir >= 0 && r.tn.have_peak && md_baro_strain(&r.b, s) > r.tn.peak_strain + r.tn.past)
        stop = 1;
    if (!rc && tfp && io->stresscols < 0) {
        double st[9];
        io->stresscols = md_sys_stress(s, 1, st);
        rc = thermo_header(tfp, io->stresscols, r.th.kind != MD_THERMOSTAT_NONE || r.cellmove,
                           r.cellmove, r.nemd, err);
    }
    if (!rc && tfp)
        rc = thermo_row(tfp, &r, iframe, step, o->dt, io->stresscols, err);
    if (!rc && io->heat)
        rc = heat_sample(&hb, s, (double)step * o->dt, err);
    if (!rc && (o->traj))
        rc = core_frame_copy(&tf, f, err);
    if (!rc && o->traj && io->trajxyz == NULL && !io->nct)
        rc = nctraj_create(o->traj, s->natoms, NCTRAJ_VELOCITIES | NCTRAJ_ENERGY, &io->nct, err);
    if (!rc && o->traj && step == 0)
        rc = traj_frame(o, io, &tf, s, step, err);
    last = step;
    uint64_t nequil, nblock;
    nemd_steps(o, &nequil, &nblock);
    for (step++; step <= o->steps && !rc && !stop; step++) {
        if (r.nemd)
            rc = md_nemd_advance(&r.nm, s, pot, o->dt, (uint64_t)step, nequil, nblock, err);
        else
            rc = md_npt_step(s, pot, &r.th, &r.b, o->dt, err);
        if (rc) {
            char msg[CORE_ERR_MSGLEN];
            snprintf(msg, sizeof msg, "%s", err->msg);
            rc = core_err_set(err, rc, "step %ld: %s", step, msg);
            break;
        }
        last = step;
        if (io->heat && step % o->heat_every == 0 &&
            (rc = heat_sample(&hb, s, (double)step * o->dt, err)))
            break;
        if (o->tdir >= 0)
            md_tension_sample(&r.tn, s);
        if (step % o->every == 0 || step == o->steps) {
            if (tfp)
                rc = thermo_row(tfp, &r, iframe, step, o->dt, io->stresscols, err);
            if (!rc && o->tdir >= 0)
                rc = ss_row(o, io, &r, step, &stop, err);
            prog_progress(p, "frame %zu step %ld/%ld T %.1f K etot %.6f eV", iframe + 1, step,
                          o->steps, md_sys_temp(s), s->epot + md_sys_kinetic(s, NULL));
        }
        if (!rc && o->traj && step % o->traj_every == 0)
            rc = traj_frame(o, io, &tf, s, step, err);
        if (!rc && o->ckpt &&
            (step == o->steps || stop || (o->ckpt_every && step % o->ckpt_every == 0)))
            rc = checkpoint(o, &r, pot, step, err);
    }
    if (!rc && o->ckpt && last == start) /* nothing left to run after a restart */
        rc = checkpoint(o, &r, pot, last, err);
    if (!rc && io->heat)
        rc = heat_write(io->heat, &hb, s, err);
    rc = rc ? rc : label(f, s, o->steps > 0 || o->has_temp, err);
    if (!rc && r.nemd)
        rc = nemd_results(o, io, &r, f, err);
    if (!rc && o->steps > 0) {
        rc = set_info(f, "md_steps", (double)last, err);
        rc = rc ? rc : set_info(f, "md_dt", o->dt, err);
    }
    if (!rc && o->has_temp) {
        rc = set_info(f, "md_temp", o->temp, err);
        rc = rc ? rc : set_info(f, "md_seed", (double)o->seed, err);
    }
    if (!rc && r.th.kind != MD_THERMOSTAT_NONE) {
        rc = core_frame_info_set(f, "md_thermostat", md_thermostat_name(r.th.kind), err);
        rc = rc ? rc : set_info(f, "md_tdamp", o->tdamp, err);
        rc = rc ? rc : set_info(f, "md_heat", r.th.heat, err);
    }
    if (!rc && r.b.kind != MD_BARO_NONE) {
        rc = core_frame_info_set(f, "md_barostat", md_baro_name(r.b.kind), err);
        rc = rc ? rc : set_info(f, "md_pressure", o->press, err);
        rc = rc ? rc : set_info(f, "md_baro_heat", r.b.heat, err);
    }
    if (!rc && o->tdir >= 0) {
        rc = set_info(f, "md_strain", md_baro_strain(&r.b, s), err);
        if (!rc && r.tn.have_peak)
            rc = set_info(f, "md_peak_strain", r.tn.peak_strain, err);
    }
    if (!rc && s->has_cell)
        memcpy(f->cell, s->cell, sizeof f->cell);
    if (!rc)
        prog_info(p, "frame %zu: %zu atoms, %zu neighbour-list builds%s", iframe + 1, s->natoms,
                  s->nl.nbuilds, stop ? ", stopped past the peak stress" : "");
    free(hb.row);
    core_frame_release(&tf);
    md_nemd_release(&r.nm);
    md_sys_release(s);
    return rc;
}

/* Whether --traj writes extended XYZ (by --traj-format, else by the name ending in .xyz). */
static int
traj_xyz(const struct md_opts *o)
{
    size_t n = o->traj ? strlen(o->traj) : 0;
    if (o->trajfmt != TRAJ_AUTO)
        return o->trajfmt == TRAJ_EXTXYZ;
    return n >= 4 && strcmp(o->traj + n - 4, ".xyz") == 0;
}

/* The usage rules of the NEMD options. */
static int
check_nemd(const struct md_opts *o, const int *seen, struct core_err *err)
{
    static const struct {
        int opt;
        const char *msg;
    } needs_nemd[] = {{OPT_NEMD_OPEN, "--nemd-open"}, {OPT_NEMD_DT, "--nemd-dt"},
                      {OPT_SLABS, "--slabs"},         {OPT_FIXED, "--fixed"},
                      {OPT_BINS, "--bins"},           {OPT_PROFILE, "--profile"},
                      {OPT_BLOCK, "--block"},         {OPT_NEMD_EQUIL, "--nemd-equil"},
                      {OPT_MARGIN, "--margin"},       {OPT_IFACE, "--interface"}};

    char b1[32], b2[32];
    for (size_t k = 0; k < sizeof needs_nemd / sizeof needs_nemd[0]; k++)
        if (seen[needs_nemd[k].opt] && o->nemd_axis < 0)
            return core_err_set(err, CORE_EINPUT, "%s needs --nemd", needs_nemd[k].msg);
    if (o->nemd_axis < 0)
        return CORE_OK;
    if (seen[OPT_FIXED] && !o->nemd_open)
        return core_err_set(err, CORE_EINPUT, "--fixed needs --nemd-open");
    if (o->baro != MD_BARO_NONE)
        return core_err_set(err, CORE_EINPUT, "--nemd and --barostat do not go together");
    if (o->tdir >= 0)
        return core_err_set(err, CORE_EINPUT, "--nemd and --tension do not go together");
    if (o->thermostat != MD_THERMOSTAT_NONE && o->thermostat != MD_THERMOSTAT_BUSSI &&
        o->thermostat != MD_THERMOSTAT_LANGEVIN)
        return core_err_set(err, CORE_EINPUT,
                            "--nemd: the slabs take --thermostat bussi or langevin, not %s",
                            md_thermostat_name(o->thermostat));
    if (!o->has_temp)
        return core_err_set(err, CORE_EINPUT, "--nemd needs --temp (the mean slab temperature)");
    if (o->temp - 0.5 * o->nemd_dt < 0)
        return core_err_set(err, CORE_EINPUT,
                            "--nemd-dt %s K: the cold slab would be below 0 K (--temp %s K)",
                            real(b1, o->nemd_dt), real(b2, o->temp));
    uint64_t nequil, nblock;
    nemd_steps(o, &nequil, &nblock);
    if (o->steps < 1 || (uint64_t)o->steps < nequil + nblock)
        return core_err_set(err, CORE_EINPUT,
                            "--nemd: --steps %ld completes no block: %llu steps of --nemd-equil "
                            "and %llu of --block at --dt %s ps",
                            o->steps, (unsigned long long)nequil, (unsigned long long)nblock,
                            real(b1, o->dt));
    return CORE_OK;
}

/* The usage rules of the dynamics options; seen[c] is 1 for every option given. */
static int
check_opts(const struct md_opts *o, const int *seen, struct core_err *err)
{
    static const struct {
        int opt;
        const char *msg;
    } needs_baro[] = {{OPT_PRESS, "--pressure"},
                      {OPT_PDAMP, "--pdamp"},
                      {OPT_COMPRESS, "--compressibility"}},
      needs_tension[] = {{OPT_RATE, "--strain-rate"},
                         {OPT_SS, "--stress-strain"},
                         {OPT_THICK, "--thickness"},
                         {OPT_PAST, "--past-peak"}};

    if (seen[OPT_CHAIN] && o->thermostat != MD_THERMOSTAT_NHC)
        return core_err_set(err, CORE_EINPUT, "--chain needs --thermostat nhc");
    for (size_t k = 0; k < sizeof needs_baro / sizeof needs_baro[0]; k++)
        if (seen[needs_baro[k].opt] && o->baro == MD_BARO_NONE)
            return core_err_set(err, CORE_EINPUT, "%s needs --barostat scr", needs_baro[k].msg);
    if (o->has_pdirs && o->baro == MD_BARO_NONE)
        return core_err_set(err, CORE_EINPUT, "--pdirs needs --barostat scr");
    for (size_t k = 0; k < sizeof needs_tension / sizeof needs_tension[0]; k++)
        if (seen[needs_tension[k].opt] && o->tdir < 0 &&
            !(needs_tension[k].opt == OPT_THICK && o->nemd_axis >= 0))
            return core_err_set(err, CORE_EINPUT, "%s needs --tension", needs_tension[k].msg);
    if (o->tdir >= 0 && !seen[OPT_RATE])
        return core_err_set(err, CORE_EINPUT, "--tension needs --strain-rate");
    if ((o->tdir >= 0 || o->baro != MD_BARO_NONE || o->traj || o->ckpt || o->restart) &&
        o->steps < 1)
        return core_err_set(err, CORE_EINPUT,
                            "--barostat, --tension, --traj, --checkpoint and --restart need "
                            "--steps N > 0");
    if (seen[OPT_TRAJ_EVERY] && !o->traj)
        return core_err_set(err, CORE_EINPUT, "--traj-every needs --traj");
    if (seen[OPT_TRAJ_FMT] && !o->traj)
        return core_err_set(err, CORE_EINPUT, "--traj-format needs --traj");
    if (seen[OPT_CKPT_EVERY] && !o->ckpt)
        return core_err_set(err, CORE_EINPUT, "--checkpoint-every needs --checkpoint");
    /* every file written must be another */
    const char *path[7] = {o->output, o->thermo, o->heat, o->ss, o->traj, o->ckpt, o->profile};
    static const char *const what[7] = {"--output", "--thermo",     "--heat",   "--stress-strain",
                                        "--traj",   "--checkpoint", "--profile"};
    for (int a = 0; a < 7; a++)
        for (int b = a + 1; b < 7; b++)
            if (path[a] && path[b] && strcmp(path[a], path[b]) == 0 && strcmp(path[a], "-") != 0)
                return core_err_set(err, CORE_EINPUT, "%s and %s name the same file", what[a],
                                    what[b]);
    return check_nemd(o, seen, err);
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
                        .pdamp = 1.0,
                        .compress = 0.01,
                        .tdir = -1,
                        .thick = 3.35,
                        .past = 0.05,
                        .traj_every = 100,
                        .seed = 1,
                        .nemd_axis = -1,
                        .nemd_dt = 40,
                        .fixed = 0.02,
                        .bins = 20,
                        .block = 10,
                        .margin = 0.05};
    struct option longopts[NOPTS + 1];
    char shortopts[3 * NOPTS + 2];
    struct core_err err = {0};
    struct core_species_map map, *mapp = NULL;
    struct md_pot pot = {0};
    struct core_frame f;
    struct stream_out out = {0}, tout = {0}, hout = {0}, sout = {0}, xout = {0}, pout = {0};
    struct config_src src;
    struct outs io = {.stresscols = -1};
    int c, rc, got, src_open = 0, has_tdamp = 0, has_heat_every = 0, seen[OPT_LAST] = {0};
    size_t iframe = 0;

    prog_init(&p, argv[0]);
    prog_getopt_tables(opts, NOPTS, longopts, shortopts);
    opterr = 0; /* getopt's own messages name argv[0] as given; ours name the tool */
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (c == 'h') {
            prog_help(&p, stdout, synopsis,
                      "Runs molecular dynamics (velocity Verlet; NVE, NVT, stress control, "
                      "uniaxial tension, NEMD)\nwith a Tersoff, MTP or Lennard-Jones potential, or "
                      "labels configurations with energy, forces and\nstress (--steps 0).",
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
        if (c >= 0 && c < OPT_LAST)
            seen[c] = 1;
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
    if (has_tdamp && o.thermostat == MD_THERMOSTAT_NONE && o.nemd_axis < 0)
        return prog_usage_error(&p, synopsis, "--tdamp needs --thermostat bussi, langevin or nhc");
    if (o.heat && o.steps < 1)
        return prog_usage_error(&p, synopsis, "--heat needs --steps N > 0");
    if (has_heat_every && !o.heat)
        return prog_usage_error(&p, synopsis, "--heat-every needs --heat");
    if ((rc = check_opts(&o, seen, &err)))
        return prog_usage_error(&p, synopsis, "%s", err.msg);
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
        if (!rc && o.thermostat == MD_THERMOSTAT_NHC)
            rc = table_write_meta(tout.fp, &err, "chain", "%d", o.nchain ? o.nchain : MD_NHC_CHAIN);
        if (!rc && o.baro != MD_BARO_NONE) {
            char buf3[32];
            rc = table_write_meta(tout.fp, &err, "barostat",
                                  "%s %s GPa pdamp %s ps compressibility %s 1/GPa",
                                  md_baro_name(o.baro), real(buf, o.press), real(buf2, o.pdamp),
                                  real(buf3, o.compress));
        }
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
    if (o.ss && (rc = stream_out_open(&sout, o.ss, 0, &err)))
        goto done;
    if (o.ss) {
        char buf[32];
        static const char dn[] = "xyz";
        rc = table_write_meta(sout.fp, &err, "program", "md-run %s", FPMS_VERSION);
        rc = rc ? rc : table_write_meta(sout.fp, &err, "potential", "%s", o.potential);
        rc = rc ? rc : table_write_meta(sout.fp, &err, "dt", "%s ps", real(buf, o.dt));
        rc = rc ? rc : table_write_meta(sout.fp, &err, "tension", "%c", dn[o.tdir]);
        rc = rc ? rc : table_write_meta(sout.fp, &err, "strain_rate", "%s 1/ps", real(buf, o.rate));
        rc = rc ? rc : table_write_meta(sout.fp, &err, "seed", "%llu", o.seed);
        if (rc)
            goto done;
        io.ss = sout.fp;
    }
    if (o.profile && (rc = stream_out_open(&pout, o.profile, 0, &err)))
        goto done;
    io.profile = o.profile ? pout.fp : NULL;
    if (o.traj && traj_xyz(&o) && (rc = stream_out_open(&xout, o.traj, 0, &err)))
        goto done;
    io.trajxyz = o.traj && traj_xyz(&o) ? xout.fp : NULL;
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
        else if (iframe > 0 && (o.traj || o.ckpt || o.restart || o.ss || o.nemd_axis >= 0))
            rc = core_err_set(&err, CORE_EINPUT,
                              "--traj, --checkpoint, --restart, --stress-strain and --nemd take "
                              "one frame");
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
    if (!rc && iframe == 0 && !o.heat && o.nemd_axis < 0)
        prog_warn(&p, "%s: no frames", src.nc ? o.input : src.in.name);
    if (!rc && o.heat && iframe == 0)
        rc = core_err_set(&err, CORE_EINPUT, "--heat: %s: no frames",
                          src.nc ? o.input : src.in.name);
    if (!rc && o.nemd_axis >= 0 && iframe == 0)
        rc = core_err_set(&err, CORE_EINPUT, "--nemd: %s: no frames",
                          src.nc ? o.input : src.in.name);
    if (!rc && o.traj && iframe == 0)
        rc = core_err_set(&err, CORE_EINPUT, "--traj: %s: no frames",
                          src.nc ? o.input : src.in.name);
    /* the side files first: if the output then fails, they are removed again */
    {
        const char *done_path[6];
        int ndone = 0;
        if (!rc && o.heat && !(rc = stream_out_commit(&hout, &err)))
            done_path[ndone++] = o.heat;
        if (!rc && o.thermo && !(rc = stream_out_commit(&tout, &err)))
            done_path[ndone++] = o.thermo;
        if (!rc && o.ss && !(rc = stream_out_commit(&sout, &err)))
            done_path[ndone++] = o.ss;
        if (!rc && o.profile && !(rc = stream_out_commit(&pout, &err)))
            done_path[ndone++] = o.profile;
        if (!rc && io.trajxyz && !(rc = stream_out_commit(&xout, &err)))
            done_path[ndone++] = o.traj;
        if (!rc && io.nct) {
            rc = nctraj_close(io.nct, 1, &err);
            io.nct = NULL;
            if (!rc)
                done_path[ndone++] = o.traj;
        }
        if (!rc)
            rc = stream_out_commit(&out, &err);
        if (rc)
            for (int k = 0; k < ndone; k++)
                remove(done_path[k]);
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
        if (o.ss)
            stream_out_abort(&sout);
        if (o.profile)
            stream_out_abort(&pout);
        if (io.trajxyz)
            stream_out_abort(&xout);
        nctraj_close(io.nct, 0, NULL);
    }
    core_frame_release(&f);
    md_pot_release(&pot);
    if (rc)
        return prog_fail(&p, &err);
    return 0;
}
