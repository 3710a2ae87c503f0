/*
 * md-run: molecular dynamics with a site-energy potential (Tersoff as LAMMPS defines it, the
 * MLIP moment tensor potential, Lennard-Jones), NVE or NVT (Bussi, Langevin, Nose-Hoover
 * chains), stress control per direction (stochastic cell rescaling or Martyna-Tobias-Klein),
 * uniaxial tension with a stress-strain table, NEMD (hot and cold slabs: temperature profile,
 * conductivity, interface conductance), trajectories, checkpoints and restarts, a thermo table
 * and the heat-current series; with --steps 0 it labels every input frame with energy, forces
 * and stress.
 * See man/md-run.1; the science is in lib/md (the run itself in lib/md/run.c), the result
 * tables and info keys in formats/mdout.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/config.h"
#include "../formats/mdout.h"
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
    {"barostat", OPT_BARO, "KIND", "none, scr or mtk: stress control per direction (none)"},
    {"pressure", OPT_PRESS, "P", "target pressure (minus the target stress), GPa (0)"},
    {"pdamp", OPT_PDAMP, "TIME", "barostat relaxation time, ps (1ps)"},
    {"pdirs", OPT_PDIRS, "LIST", "controlled directions, e.g. x,y (every periodic one)"},
    {"compressibility", OPT_COMPRESS, "BETA", "of the cell for scr, 1/GPa (0.01)"},
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
    double ifx[MD_RUN_MAXIFACE];
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
        if (fracs_parse(arg, o->ifx, MD_RUN_MAXIFACE, &o->nifx))
            return core_err_set(err, CORE_EINPUT,
                                "--interface: '%s' is not auto or up to %d fractions X[,X]", arg,
                                MD_RUN_MAXIFACE);
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
        if (md_baro_kind_parse(arg, &o->baro, err))
            return core_err_set(err, CORE_EINPUT, "--barostat: unknown '%s' (none, scr or mtk)",
                                arg);
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

/* One row of the thermo table. */
static int
thermo_row(FILE *fp, const struct md_run *r, size_t iframe, long step, double dt, int stress,
           struct core_err *err)
{
    double row[MD_THERMO_NMAX];
    size_t n;
    int rc = md_run_thermo_row(r, iframe, step, dt, stress, row, &n, err);
    return rc ? rc : table_write_row(fp, n, row, err);
}

/* The run's parameters for the tables' metadata. */
static struct mdout_meta
run_meta(const struct md_opts *o)
{
    return (struct mdout_meta){.potential = o->potential,
                               .dt = o->dt,
                               .has_temp = o->has_temp,
                               .seed = o->seed,
                               .thermostat = o->thermostat,
                               .temp = o->temp,
                               .tdamp = o->tdamp,
                               .nchain = o->nchain,
                               .baro = o->baro,
                               .press = o->press,
                               .pdamp = o->pdamp,
                               .compress = o->compress};
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
    int rc = md_sys_snapshot(s, tf, err);
    if (rc)
        return rc;
    if (io->nct)
        return nctraj_write_frame(io->nct, tf, (double)step * o->dt, err);
    rc = mdout_info_set(tf, "time", (double)step * o->dt, err);
    rc = rc ? rc : mdout_info_set(tf, "step", (double)step, err);
    return rc ? rc : config_write_frame(io->trajxyz, CONFIG_EXTXYZ, NULL, tf, err);
}

/* Writes the checkpoint of r at step, all or nothing; the neighbour list is rebuilt and the
 * forces recomputed first, so that a restarted run (which builds its list afresh) continues
 * with the same bits. */
static int
checkpoint(const struct md_opts *o, struct md_run *r, const struct md_pot *pot, long step,
           struct core_err *err)
{
    struct stream_out co;
    int rc = md_run_refresh(r, pot, err);
    if (rc || (rc = stream_out_open(&co, o->ckpt, 0, err)))
        return rc;
    rc = mdrestart_write(co.fp, &r->s, (uint64_t)step, &r->th, &r->b, &r->tn,
                         r->nemd ? &r->nm : NULL, err);
    rc = rc ? rc : stream_out_commit(&co, err);
    if (rc)
        stream_out_abort(&co);
    return rc;
}

/* Reads --restart into r; returns the step it was written at in *step. */
static int
restart(const struct md_opts *o, struct md_run *r, long *step, struct core_err *err)
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

/* One row of the stress-strain table; *stop set past the peak. */
static int
ss_row(const struct md_opts *o, struct outs *io, struct md_run *r, long step, int *stop,
       struct core_err *err)
{
    double row[2 + MD_TENSION_NCOLS];
    int rc = 0;
    if (io->ss && !io->ssdone) {
        rc = mdout_ss_header(io->ss, o->thick, err);
        io->ssdone = 1;
    }
    md_tension_row(&r->tn, &r->s, &r->b, row + 2, stop);
    row[0] = (double)step;
    row[1] = (double)step * o->dt;
    if (!rc && io->ss)
        rc = table_write_row(io->ss, 2 + MD_TENSION_NCOLS, row, err);
    return rc;
}

/* The run's parameters for lib/md. */
static struct md_run_opts
run_opts(const struct md_opts *o)
{
    return (struct md_run_opts){.thermostat = o->thermostat,
                                .temp = o->temp,
                                .tdamp = o->tdamp,
                                .nchain = o->nchain,
                                .seed = o->seed,
                                .baro = o->baro,
                                .press = o->press,
                                .pdamp = o->pdamp,
                                .compress = o->compress,
                                .pdirs = {o->pdirs[0], o->pdirs[1], o->pdirs[2]},
                                .has_pdirs = o->has_pdirs,
                                .tdir = o->tdir,
                                .rate = o->rate,
                                .thick = o->thick,
                                .past = o->past,
                                .nemd_axis = o->nemd_axis,
                                .nemd_open = o->nemd_open,
                                .has_slabs = o->has_slabs,
                                .nemd_dt = o->nemd_dt,
                                .slabs = {o->slabs[0], o->slabs[1], o->slabs[2], o->slabs[3]},
                                .fixed = o->fixed,
                                .nbins = (size_t)o->bins,
                                .iface = o->iface != NULL,
                                .ifx = o->ifx,
                                .nifx = o->nifx};
}

/* The results of an NEMD run (conductivity, interfaces) into the info keys of f, the profile
 * table and the thermo table's metadata. */
static int
nemd_results(const struct md_opts *o, const struct outs *io, struct md_run *r, struct core_frame *f,
             struct core_err *err)
{
    struct md_nemd *nm = &r->nm;
    struct md_nemd_kappa k;
    struct md_nemd_iface ifc[MD_RUN_MAXIFACE];
    struct mdout_meta m = run_meta(o);
    struct mdout_nemd q = {
        .block = o->block, .equil = o->equil, .thick = o->thick, .margin = o->margin};
    char b1[32];
    int rc;
    if (nm->nblocks == 0)
        return core_err_set(err, CORE_EINPUT, "--nemd: no block completed (--block %s ps)",
                            mdout_real(b1, o->block));
    if ((rc = md_nemd_kappa(nm, o->margin, &k, err)))
        return rc;
    for (size_t i = 0; i < r->ni; i++)
        if ((rc = md_nemd_interface(nm, r->xi[i], o->margin, &ifc[i], err)))
            return rc;
    rc = mdout_nemd_info(f, nm, &k, ifc, r->ni, err);
    return rc ? rc
              : mdout_nemd_write(io->profile, io->thermo, &m, &q, nm, &r->s, &k, ifc, r->ni, err);
}

/* Runs one frame: labels it (steps 0) or runs MD; thermo rows go to the thermo table, the heat
 * current to its series, and the rest to the files of --stress-strain, --traj, --checkpoint. */
static int
run_frame(const struct md_opts *o, struct prog *p, const struct md_pot *pot, struct core_frame *f,
          size_t iframe, struct outs *io, struct core_err *err)
{
    struct md_run r = {0};
    const struct md_run_opts ro = run_opts(o);
    struct md_heat_buf hb = {0};
    struct core_frame tf;
    struct md_sys *s = &r.s;
    FILE *tfp = io->thermo;
    long step = 0, last = 0, start;
    int rc, stop = 0;
    core_frame_init(&tf);
    rc = md_run_init(&r, f, pot, o->skin, &ro, !o->restart && o->has_temp, err);
    if (!rc && o->restart)
        rc = restart(o, &r, &step, err);
    rc = rc ? rc : md_sys_compute(s, pot, err);
    start = step;
    /* a checkpoint of a tensile test that had stopped past the peak stays stopped */
    stop = o->tdir >= 0 && md_run_stopped(&r);
    if (!rc && tfp && io->stresscols < 0) {
        double st[9];
        io->stresscols = md_sys_stress(s, 1, st);
        rc = mdout_thermo_header(tfp, io->stresscols, r.th.kind != MD_THERMOSTAT_NONE || r.cellmove,
                                 r.cellmove, r.nemd, err);
    }
    if (!rc && tfp)
        rc = thermo_row(tfp, &r, iframe, step, o->dt, io->stresscols, err);
    if (!rc && io->heat)
        rc = md_heat_buf_sample(&hb, s, (double)step * o->dt, err);
    if (!rc && (o->traj))
        rc = core_frame_copy(&tf, f, err);
    if (!rc && o->traj && io->trajxyz == NULL && !io->nct)
        rc = nctraj_create(o->traj, s->natoms, NCTRAJ_VELOCITIES | NCTRAJ_ENERGY, &io->nct, err);
    if (!rc && o->traj && step == 0)
        rc = traj_frame(o, io, &tf, s, step, err);
    last = step;
    uint64_t nequil, nblock;
    md_nemd_steps(o->equil, o->block, o->dt, &nequil, &nblock);
    for (step++; step <= o->steps && !rc && !stop; step++) {
        if ((rc = md_run_step(&r, pot, o->dt, (uint64_t)step, nequil, nblock, err))) {
            char msg[CORE_ERR_MSGLEN];
            snprintf(msg, sizeof msg, "%s", err->msg);
            rc = core_err_set(err, rc, "step %ld: %s", step, msg);
            break;
        }
        last = step;
        if (io->heat && step % o->heat_every == 0 &&
            (rc = md_heat_buf_sample(&hb, s, (double)step * o->dt, err)))
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
        rc = mdout_heat_write(io->heat, &hb, s, err);
    rc = rc ? rc : md_sys_label(s, o->steps > 0 || o->has_temp, f, err);
    if (!rc && r.nemd)
        rc = nemd_results(o, io, &r, f, err);
    if (!rc) {
        struct mdout_meta m = run_meta(o);
        rc = mdout_run_info(f, &m, &r, o->steps, last, o->tdir, err);
    }
    if (!rc && s->has_cell)
        memcpy(f->cell, s->cell, sizeof f->cell);
    if (!rc)
        prog_info(p, "frame %zu: %zu atoms, %zu neighbour-list builds%s", iframe + 1, s->natoms,
                  s->nl.nbuilds, stop ? ", stopped past the peak stress" : "");
    md_heat_buf_release(&hb);
    core_frame_release(&tf);
    md_run_release(&r);
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
                            mdout_real(b1, o->nemd_dt), mdout_real(b2, o->temp));
    uint64_t nequil, nblock;
    md_nemd_steps(o->equil, o->block, o->dt, &nequil, &nblock);
    if (o->steps < 1 || (uint64_t)o->steps < nequil + nblock)
        return core_err_set(err, CORE_EINPUT,
                            "--nemd: --steps %ld completes no block: %llu steps of --nemd-equil "
                            "and %llu of --block at --dt %s ps",
                            o->steps, (unsigned long long)nequil, (unsigned long long)nblock,
                            mdout_real(b1, o->dt));
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
            return core_err_set(err, CORE_EINPUT, "%s needs --barostat %s", needs_baro[k].msg,
                                needs_baro[k].opt == OPT_COMPRESS ? "scr" : "scr or mtk");
    if (o->has_pdirs && o->baro == MD_BARO_NONE)
        return core_err_set(err, CORE_EINPUT, "--pdirs needs --barostat scr or mtk");
    if (seen[OPT_COMPRESS] && o->baro == MD_BARO_MTK)
        return core_err_set(err, CORE_EINPUT,
                            "--compressibility does not apply to --barostat mtk (its cell mass "
                            "comes from --pdamp)");
    if (o->baro == MD_BARO_MTK && o->thermostat != MD_THERMOSTAT_NHC)
        return core_err_set(err, CORE_EINPUT,
                            "--barostat mtk needs --thermostat nhc (its cell velocities are "
                            "integrated with the Nose-Hoover chain)");
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
    struct mdout_meta meta;
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

    meta = run_meta(&o);
    core_frame_init(&f);
    if ((rc = stream_out_open(&out, o.output, 0, &err)))
        goto done;
    if (o.thermo && (rc = stream_out_open(&tout, o.thermo, 0, &err)))
        goto done;
    if (o.thermo && (rc = mdout_thermo_meta(tout.fp, &meta, &err)))
        goto done;
    if (o.heat && (rc = stream_out_open(&hout, o.heat, 0, &err)))
        goto done;
    if (o.heat && (rc = mdout_heat_meta(hout.fp, &meta, &err)))
        goto done;
    io.heat = o.heat ? hout.fp : NULL;
    if (o.ss && (rc = stream_out_open(&sout, o.ss, 0, &err)))
        goto done;
    if (o.ss && (rc = mdout_ss_meta(sout.fp, &meta, o.tdir, o.rate, &err)))
        goto done;
    io.ss = o.ss ? sout.fp : NULL;
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
    char note[512];
    if (md_pot_note(&pot, note, sizeof note)) /* also when the run failed: it may say why */
        prog_warn(&p, "%s", note);
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
