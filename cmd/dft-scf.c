/*
 * dft-scf: configurations -> the same, labelled with Kohn-Sham DFT energies (lib/dft).
 *
 * For every configuration of the stream: plane waves, GTH pseudopotentials from CP2K's
 * GTH_POTENTIALS or from ABINIT psp files (--psp EL=FILE), an SCF (k-points reduced by the space
 * group from spglib unless --symmetry none), and the frame written back with energy= (the energy
 * extrapolated to zero smearing) and free_energy= (the Mermin free energy E - TS) in eV (stale
 * forces and stress of the input are dropped). Consecutive configurations start from the
 * previous one's density and wavefunctions (dft_scf_restart). Settings may also come from a
 * key = value file (-i), which the command line overrides. See man/dft-scf.1.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xc.h>

#include "../formats/abinit_psp.h"
#include "../formats/config.h"
#include "../formats/gth.h"
#include "../formats/prog.h"
#include "../formats/stream.h"
#include "../formats/table.h"
#include "../lib/dft/dft.h"

static const char synopsis[] = "[-i INPUT] [--ecut E] [options] [FILE]";

#define PSP_FILE_DEFAULT "/usr/share/cp2k/GTH_POTENTIALS"
#define PSP_NAME_DEFAULT "GTH-PADE" /* CP2K's alias of the LDA (Pade) potential of each element */

enum {
    OPT_ECUT = 256,
    OPT_KPTS,
    OPT_KSHIFT,
    OPT_XC,
    OPT_PSP,
    OPT_PSPFILE,
    OPT_NBANDS,
    OPT_SMEARING,
    OPT_TSMEAR,
    OPT_TOL,
    OPT_MAXITER,
    OPT_MIX,
    OPT_SCRATCH,
    OPT_FFT_MEASURE,
    OPT_SEED,
    OPT_REPORT,
    OPT_PROGRESS,
    OPT_VERSION,
    OPT_SYMMETRY,
    OPT_NOSYM,
    OPT_SYMPREC,
    OPT_LAST,
};

static const struct prog_opt opts[] = {
    {"ecut", OPT_ECUT, "E", "plane-wave cutoff, Ha (also Ry, eV); required"},
    {"kpts", OPT_KPTS, "N1,N2,N3", "Monkhorst-Pack k-point mesh (1,1,1)"},
    {"kshift", OPT_KSHIFT, "S1,S2,S3", "shift of the mesh, fractions of a step in [0,1) (0,0,0)"},
    {"xc", OPT_XC, "NAME",
     "exchange-correlation: lda, pw92, pz, pbe, or libxc names/numbers joined by + (lda)"},
    {"psp", OPT_PSP, "EL=NAME|EL=FILE",
     "potential of EL: NAME in --psp-file, or an ABINIT psp FILE (with / or .) (EL=GTH-PADE)"},
    {"psp-file", OPT_PSPFILE, "FILE", "GTH potentials, CP2K format (" PSP_FILE_DEFAULT ")"},
    {"nbands", OPT_NBANDS, "N", "bands per k-point (the occupied ones; more with smearing)"},
    {"smearing", OPT_SMEARING, "NAME", "occupations: none, fermi-dirac, gaussian, mp, mv (none)"},
    {"tsmear", OPT_TSMEAR, "E", "smearing width, Ha (also Ry, eV, K); kT for fermi-dirac (0.01)"},
    {"tol", OPT_TOL, "E",
     "SCF stops when the energy change and the estimated error are below E, Ha (1e-10)"},
    {"maxiter", OPT_MAXITER, "N", "SCF iterations before giving up (100)"},
    {"mix", OPT_MIX, "ALPHA", "density mixing parameter in (0,2] (0.8)"},
    {"symmetry", OPT_SYMMETRY, "MODE",
     "auto: reduce the k-points by the space group and symmetrise the density; none (auto)"},
    {"nosym", OPT_NOSYM, NULL, "the same as --symmetry none"},
    {"symprec", OPT_SYMPREC, "TOL",
     "tolerance of the symmetry search, Angstrom (also bohr) (1e-5)"},
    {"input", 'i', "FILE", "settings from a file of key = value lines (options override them)"},
    {"scratch", OPT_SCRATCH, NULL, "start every configuration from atoms, not the previous one"},
    {"fft-measure", OPT_FFT_MEASURE, NULL,
     "measured FFTW plans: faster on large grids, last bits may vary between runs"},
    {"seed", OPT_SEED, "N", "seed of the initial wavefunctions (1)"},
    {"report", OPT_REPORT, "FILE", "write a table of energy terms, iterations and timings"},
    {"output", 'o', "FILE", "write to FILE instead of stdout"},
    {"progress", OPT_PROGRESS, NULL, "report every SCF iteration on stderr"},
    {"quiet", 'q', NULL, "no warnings"},
    {"verbose", 'v', NULL, "a summary of every configuration on stderr"},
    {"help", 'h', NULL, "show this help"},
    {"version", OPT_VERSION, NULL, "show the version"},
};

#define NOPTS (sizeof opts / sizeof opts[0])

#define PSP_ARGLEN 256

struct ds_opts {
    struct dft_params par;
    const char *output, *report, *psp_file, *input;
    char psp[CORE_ZMAX + 1][PSP_ARGLEN]; /* name or ABINIT file per atomic number; "" = default */
    int scratch;
    int tsmear_set;
    /* the input file: what the command line gave is not taken from it */
    int from_file;
    unsigned char given[OPT_LAST];          /* options given on the command line */
    unsigned char psp_given[CORE_ZMAX + 1]; /* --psp on the command line, per element */
    char strbuf[3][4096]; /* --psp-file, -o, --report values read from the input file */
};

/* Smearing names, in the order of enum dft_smearing, then aliases. */
static const struct {
    const char *name;
    enum dft_smearing sm;
} smearings[] = {
    {"none", DFT_SMEAR_NONE},
    {"fermi-dirac", DFT_SMEAR_FD},
    {"gaussian", DFT_SMEAR_GAUSS},
    {"mp", DFT_SMEAR_MP},
    {"mv", DFT_SMEAR_MV},
    {"fd", DFT_SMEAR_FD},
    {"gauss", DFT_SMEAR_GAUSS},
    {"methfessel-paxton", DFT_SMEAR_MP},
    {"marzari-vanderbilt", DFT_SMEAR_MV},
    {"cold", DFT_SMEAR_MV},
};

#define NSMEAR (sizeof smearings / sizeof smearings[0])

/* A quantity in Ha: a bare number is Ha; a unit (Ha, Ry, eV, meV, ...) is converted. */
static int
parse_energy_ha(const char *s, double *ha, struct core_err *err)
{
    double v;
    if (core_parse_double(s, &v) == 0) {
        *ha = v;
        return 0;
    }
    if (core_quantity_parse(s, CORE_DIM_ENERGY, &v, err))
        return CORE_EINPUT;
    *ha = v / UNITS_HARTREE_EV;
    return 0;
}

/* n comma-separated numbers, or one number that stands for all n. */
static int
parse_list(const char *s, double *v, int n)
{
    char buf[128], *tok, *save = NULL;
    int k = 0;
    if (strlen(s) >= sizeof buf || s[0] == ',' || strstr(s, ",,"))
        return -1;
    strcpy(buf, s);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (k == n || core_parse_double(tok, &v[k]))
            return -1;
        k++;
    }
    if (k == 1)
        for (int i = 1; i < n; i++)
            v[i] = v[0];
    else if (k != n || s[strlen(s) - 1] == ',')
        return -1;
    return 0;
}

/* An ABINIT psp file rather than a name in the GTH file: CP2K's names have neither. */
static int
psp_is_file(const char *s)
{
    return strchr(s, '/') || strchr(s, '.');
}

/* A value that must outlive the line it was read from (input file) into o's buffer i. */
static const char *
keep(struct ds_opts *o, int i, const char *arg)
{
    if (!o->from_file)
        return arg;
    snprintf(o->strbuf[i], sizeof o->strbuf[i], "%s", arg);
    return o->strbuf[i];
}

static int
parse_one(void *ctx, int c, const char *arg, struct core_err *err)
{
    struct ds_opts *o = ctx;
    double v[3];
    long l;
    if (!o->from_file && c >= 0 && c < OPT_LAST)
        o->given[c] = 1;
    switch (c) {
    case OPT_ECUT:
        if (parse_energy_ha(arg, &o->par.ecut, err) || !(o->par.ecut > 0) || o->par.ecut > 1e5)
            return core_err_set(err, CORE_EINPUT, "--ecut: '%s' is not an energy in (0, 1e5 Ha]",
                                arg);
        return 0;
    case OPT_KPTS:
        if (parse_list(arg, v, 3))
            return core_err_set(err, CORE_EINPUT, "--kpts: '%s' is not N1,N2,N3", arg);
        for (int j = 0; j < 3; j++) {
            if (v[j] != floor(v[j]) || v[j] < 1 || v[j] > 1000)
                return core_err_set(err, CORE_EINPUT, "--kpts: '%s' is not N1,N2,N3 in 1..1000",
                                    arg);
            o->par.kgrid[j] = (int)v[j];
        }
        return 0;
    case OPT_KSHIFT:
        if (parse_list(arg, v, 3))
            return core_err_set(err, CORE_EINPUT, "--kshift: '%s' is not S1,S2,S3", arg);
        for (int j = 0; j < 3; j++) {
            if (!(v[j] >= 0 && v[j] < 1))
                return core_err_set(err, CORE_EINPUT, "--kshift: '%s' is not in [0, 1)", arg);
            o->par.kshift[j] = v[j];
        }
        return 0;
    case OPT_XC:
        if (dft_xc_parse(arg, &o->par.xc, err)) {
            char msg[CORE_ERR_MSGLEN]; /* lib says "xc: ...": name the option */
            snprintf(msg, sizeof msg, "%s", err->msg);
            return core_err_set(err, CORE_EINPUT, "--%s", msg);
        }
        return 0;
    case OPT_PSP: {
        const char *eq = strchr(arg, '=');
        char sym[8];
        int z;
        if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof sym || !eq[1] ||
            strlen(eq + 1) >= (psp_is_file(eq + 1) ? PSP_ARGLEN : 64))
            return core_err_set(err, CORE_EINPUT, "--psp: '%s' is not ELEMENT=NAME or ELEMENT=FILE",
                                arg);
        memcpy(sym, arg, (size_t)(eq - arg));
        sym[eq - arg] = '\0';
        if (!(z = core_elem_z(sym)))
            return core_err_set(err, CORE_EINPUT, "--psp: unknown element '%s'", sym);
        if (!psp_is_file(eq + 1) && strpbrk(eq + 1, " \t"))
            return core_err_set(err, CORE_EINPUT, "--psp: '%s' has a blank in the name", arg);
        if (o->from_file && o->psp_given[z])
            return 0; /* the command line wins */
        if (!o->from_file)
            o->psp_given[z] = 1;
        strcpy(o->psp[z], eq + 1);
        return 0;
    }
    case OPT_PSPFILE:
        o->psp_file = keep(o, 0, arg);
        return 0;
    case OPT_SYMMETRY:
        if (strcmp(arg, "auto") == 0)
            o->par.symmetry = 1;
        else if (strcmp(arg, "none") == 0)
            o->par.symmetry = 0;
        else
            return core_err_set(err, CORE_EINPUT, "--symmetry: '%s' is not auto or none", arg);
        return 0;
    case OPT_NOSYM:
        o->par.symmetry = 0;
        return 0;
    case OPT_SYMPREC:
        if (core_parse_double(arg, &v[0]) != 0 &&
            core_quantity_parse(arg, CORE_DIM_LENGTH, &v[0], err) != 0)
            v[0] = NAN;
        if (!(v[0] > 0 && v[0] <= 0.5))
            return core_err_set(err, CORE_EINPUT,
                                "--symprec: '%s' is not a length in (0, 0.5 Angstrom]", arg);
        o->par.symprec = v[0] / UNITS_BOHR_ANG;
        return 0;
    case OPT_NBANDS:
        if (core_parse_long(arg, &l) || l < 1 || l > 100000)
            return core_err_set(err, CORE_EINPUT, "--nbands: '%s' is not an integer >= 1", arg);
        o->par.nbands = (size_t)l;
        return 0;
    case OPT_SMEARING:
        for (size_t i = 0; i < NSMEAR; i++)
            if (strcmp(arg, smearings[i].name) == 0) {
                o->par.smearing = (int)smearings[i].sm;
                return 0;
            }
        return core_err_set(err, CORE_EINPUT,
                            "--smearing: '%s' is not none, fermi-dirac, gaussian, mp or mv", arg);
    case OPT_TSMEAR:
        if (parse_energy_ha(arg, &v[0], err) || !(v[0] > 0) || v[0] > 1)
            return core_err_set(err, CORE_EINPUT, "--tsmear: '%s' is not an energy in (0, 1 Ha]",
                                arg);
        o->par.tsmear = v[0];
        o->tsmear_set = 1;
        return 0;
    case OPT_TOL:
        if (parse_energy_ha(arg, &v[0], err) || !(v[0] > 0) || v[0] > 1)
            return core_err_set(err, CORE_EINPUT, "--tol: '%s' is not an energy in (0, 1 Ha]", arg);
        o->par.tol_energy = v[0];
        return 0;
    case OPT_MAXITER:
        if (core_parse_long(arg, &l) || l < 1 || l > 100000)
            return core_err_set(err, CORE_EINPUT, "--maxiter: '%s' is not an integer >= 1", arg);
        o->par.maxiter = (size_t)l;
        return 0;
    case OPT_MIX:
        if (core_parse_double(arg, &v[0]) || !(v[0] > 0 && v[0] <= 2))
            return core_err_set(err, CORE_EINPUT, "--mix: '%s' is not in (0, 2]", arg);
        o->par.mix_alpha = v[0];
        return 0;
    case OPT_SCRATCH:
        o->scratch = 1;
        return 0;
    case OPT_FFT_MEASURE:
        o->par.fft_measure = 1;
        return 0;
    case OPT_SEED:
        if (core_parse_long(arg, &l) || l < 0)
            return core_err_set(err, CORE_EINPUT, "--seed: '%s' is not an integer >= 0", arg);
        o->par.seed = (unsigned long)l;
        return 0;
    case OPT_REPORT:
        o->report = keep(o, 2, arg);
        return 0;
    case 'o':
        o->output = keep(o, 1, arg);
        return 0;
    case 'i':
        o->input = arg;
        return 0;
    }
    return core_err_set(err, CORE_EINTERNAL, "option %d not handled", c);
}

/* The value as the option takes it: lists "4 4 4" or "4, 4, 4" become "4,4,4", quantities
 * "20 Ha" become "20Ha". */
static void
normalize(int c, char *val)
{
    char *r = val, *w = val;
    int list = c == OPT_KPTS || c == OPT_KSHIFT;
    int quantity = c == OPT_ECUT || c == OPT_TSMEAR || c == OPT_TOL || c == OPT_SYMPREC;
    if (!list && !quantity)
        return;
    for (; *r; r++) {
        int sep = isspace((unsigned char)*r) || (list && *r == ',');
        if (!sep)
            *w++ = *r;
        else if (list && w > val && w[-1] != ',' && (*r == ',' || r[1]))
            *w++ = ','; /* a run of blanks and commas is one comma */
    }
    *w = '\0';
}

/* Whether the command line set the option (or its twin: --symmetry and --nosym). */
static int
cli_has(const struct ds_opts *o, int c)
{
    if (c == OPT_SYMMETRY || c == OPT_NOSYM)
        return o->given[OPT_SYMMETRY] || o->given[OPT_NOSYM];
    return o->given[c];
}

/* A setting of the input file (prog_input_read): the command line wins, for --psp per
 * element. */
static int
input_one(void *ctx, int c, char *val, struct core_err *err)
{
    struct ds_opts *o = ctx;
    if (c != OPT_PSP && cli_has(o, c))
        return 0;
    if (val)
        normalize(c, val);
    return parse_one(o, c, val, err);
}

/* The input file: `key = value` lines, key a long option name (prog_input_read). */
static int
read_input(struct ds_opts *o, struct core_err *err)
{
    static const char *const cli_only[] = {"input", NULL}, *const repeatable[] = {"psp", NULL};
    o->from_file = 1;
    int rc = prog_input_read(o->input, opts, NOPTS, cli_only, repeatable, input_one, o, err);
    o->from_file = 0;
    return rc;
}

/* The potential of atomic number z, read the first time it is needed: entry NAME of the GTH file,
 * or an ABINIT psp file (which must be for z). */
static int
psp_get(const struct ds_opts *o, struct dft_psp **cache, int z, const struct dft_psp **out,
        struct core_err *err)
{
    struct stream_in in;
    int rc;
    if (!cache[z]) {
        const char *name = o->psp[z][0] ? o->psp[z] : PSP_NAME_DEFAULT;
        int abinit = psp_is_file(name);
        if (!(cache[z] = malloc(sizeof **cache)))
            return core_err_set(err, CORE_ENOMEM, "out of memory");
        if ((rc = stream_in_open(&in, abinit ? name : o->psp_file, err))) {
            free(cache[z]);
            cache[z] = NULL;
            return rc;
        }
        if (abinit) {
            rc = abinit_psp_read(&in, cache[z], NULL, err);
            if (rc == 0 && cache[z]->z != z)
                rc = core_err_set(err, CORE_EINPUT, "%s: a potential for %s (Z = %d), not for %s",
                                  in.name, cache[z]->symbol, cache[z]->z, core_elem_symbol(z));
        } else {
            rc = gth_read(&in, core_elem_symbol(z), name, cache[z], err);
        }
        stream_in_close(&in);
        if (rc) {
            free(cache[z]);
            cache[z] = NULL;
            return rc;
        }
    }
    *out = cache[z];
    return 0;
}

/* Report table: one row per configuration. */
static const char *const rep_names[] = {"frame",       "natoms",  "niter",  "warm",     "energy",
                                        "free_energy", "kinetic", "local",  "psp_core", "nonloc",
                                        "hartree",     "xc",      "ewald",  "internal", "entropy",
                                        "total",       "band",    "homo",   "fermi",    "nkpts",
                                        "npw",         "time",    "t_iter", "spgroup",  "nsym"};
static const char *const rep_units[] = {"",   "",   "",   "",   "eV", "eV", "Ha", "Ha", "Ha",
                                        "Ha", "Ha", "Ha", "Ha", "Ha", "Ha", "Ha", "Ha", "Ha",
                                        "Ha", "",   "",   "s",  "s",  "",   ""};
#define NREP (sizeof rep_names / sizeof rep_names[0])

enum { REP_WARM = 3, REP_ENERGY = 4, REP_FREE = 5, REP_TIME = 21 };

/* Runs the SCF of one frame (positions and cell in Angstrom); on success *scf holds the result
 * and row the report row. prev (may be NULL) is the previous SCF to start from. */
static int
label(const struct ds_opts *o, struct prog *p, struct dft_psp **cache, const struct core_frame *f,
      const char *where, struct dft_scf *prev, struct dft_scf **scf, double *row,
      struct core_err *err)
{
    double cell[9], *pos = NULL, t0 = prog_wtime(), t1;
    const struct dft_psp **pp = NULL;
    struct dft_energies e;
    int rc = 0, warm = 0;

    *scf = NULL;
    if (!f->has_cell)
        return core_err_set(err, CORE_EINPUT, "%s: no cell: plane waves need a periodic box",
                            where);
    for (int j = 0; j < 3; j++)
        if (!f->pbc[j] && o->par.kgrid[j] > 1)
            return core_err_set(err, CORE_EINPUT,
                                "%s: not periodic along a%d, but --kpts has %d points there", where,
                                j + 1, o->par.kgrid[j]);
    pos = malloc(3 * f->natoms * sizeof *pos);
    pp = malloc(f->natoms * sizeof *pp);
    if (!pos || !pp) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < 9; i++)
        cell[i] = f->cell[i] / UNITS_BOHR_ANG;
    for (size_t i = 0; i < 3 * f->natoms; i++)
        pos[i] = f->pos[i] / UNITS_BOHR_ANG;
    for (size_t a = 0; a < f->natoms && !rc; a++)
        rc = psp_get(o, cache, f->z[a], &pp[a], err);
    if (rc)
        goto done;
    if ((rc = dft_scf_alloc(cell, f->natoms, pos, pp, &o->par, scf, err))) {
        struct core_err e2 = *err;
        rc = core_err_set(err, rc, "%s: %s", where, e2.msg);
        goto done;
    }
    if (prev && (rc = dft_scf_restart(*scf, prev, &warm, err)))
        goto done;
    t1 = prog_wtime();
    while (!dft_scf_converged(*scf) && dft_scf_niter(*scf) < o->par.maxiter) {
        if ((rc = dft_scf_iterate(*scf, err)))
            goto done;
        dft_scf_energies(*scf, &e);
        if (isnan(dft_scf_delta_energy(*scf))) /* the first iteration has no previous energy */
            prog_progress(p, "scf %zu E=%.10g dE=- t=%.3gs", dft_scf_niter(*scf),
                          e.total * UNITS_HARTREE_EV, prog_wtime() - t0);
        else
            prog_progress(p, "scf %zu E=%.10g dE=%.2g t=%.3gs", dft_scf_niter(*scf),
                          e.total * UNITS_HARTREE_EV, dft_scf_delta_energy(*scf) * UNITS_HARTREE_EV,
                          prog_wtime() - t0);
    }
    prog_progress_end(p);
    if (!dft_scf_converged(*scf)) {
        double de = fabs(dft_scf_delta_energy(*scf));
        if (de >= o->par.tol_energy)
            rc = core_err_set(err, CORE_ENOCONV,
                              "%s: scf not converged after %zu iterations (dE %.2g Ha > %.2g Ha)",
                              where, dft_scf_niter(*scf), de, o->par.tol_energy);
        else
            rc = core_err_set(err, CORE_ENOCONV,
                              "%s: scf not converged after %zu iterations (estimated error "
                              "%.2g Ha > %.2g Ha)",
                              where, dft_scf_niter(*scf), dft_scf_est_error(*scf),
                              o->par.tol_energy);
        goto done;
    }
    dft_scf_energies(*scf, &e);
    {
        size_t nk = dft_scf_nkpts(*scf), npw = 0;
        for (size_t ik = 0; ik < nk; ik++)
            npw = dft_scf_npw(*scf, ik) > npw ? dft_scf_npw(*scf, ik) : npw;
        double r[NREP] = {0,
                          (double)f->natoms,
                          (double)dft_scf_niter(*scf),
                          warm,
                          e.extrapolated * UNITS_HARTREE_EV,
                          e.total * UNITS_HARTREE_EV,
                          e.kinetic,
                          e.local,
                          e.psp_core,
                          e.nonlocal,
                          e.hartree,
                          e.xc,
                          e.ewald,
                          e.internal,
                          e.entropy,
                          e.total,
                          e.band,
                          e.fermi,
                          e.fermi,
                          (double)nk,
                          (double)npw,
                          prog_wtime() - t0,
                          (prog_wtime() - t1) / (double)dft_scf_niter(*scf),
                          (double)dft_scf_symm(*scf)->number,
                          (double)dft_scf_symm(*scf)->nops};
        memcpy(row, r, sizeof r);
    }
done:
    if (rc) {
        dft_scf_free(*scf);
        *scf = NULL;
    }
    free(pos);
    free(pp);
    return rc;
}

/* The labelled frame: energies in eV, and no forces or stress left over from the input. */
static void
relabel(struct core_frame *f, double energy_ev, double free_energy_ev)
{
    free(f->forces);
    f->forces = NULL;
    f->has_stress = f->has_virial = 0;
    f->has_energy = f->has_free_energy = 1;
    f->energy = energy_ev;
    f->free_energy = free_energy_ev;
}

static int
write_report(const struct ds_opts *o, const struct table *t, struct core_err *err)
{
    struct stream_out out;
    int rc;
    if ((rc = stream_out_open(&out, o->report, 0, err)))
        return rc;
    rc = table_write(out.fp, t, err);
    rc = rc ? rc : stream_out_commit(&out, err);
    if (rc)
        stream_out_abort(&out);
    return rc;
}

int
main(int argc, char **argv)
{
    struct prog p;
    struct ds_opts o;
    struct core_err err = {0};
    struct dft_psp *cache[CORE_ZMAX + 1] = {0};
    struct dft_scf *prev = NULL, *scf = NULL;
    struct core_frame f;
    struct config_src src;
    struct stream_out out;
    struct table rep;
    size_t nframes = 0, niter = 0;
    int rc, got, src_open = 0, out_open = 0;
    double t0 = prog_wtime();

    memset(&o, 0, sizeof o);
    dft_params_init(&o.par);
    o.par.symmetry = 1; /* the library's default is off; the tool's is on */
    o.psp_file = PSP_FILE_DEFAULT;
    prog_init(&p, argv[0]);
    p.progress = 0; /* one line per SCF iteration: only on request */
    rc = prog_parse(&p, argc, argv, synopsis,
                    "Labels configurations with Kohn-Sham DFT energies (plane waves, GTH "
                    "pseudopotentials, LDA or PBE; insulators, or metals with smearing).",
                    opts, NOPTS, parse_one, &o, &optind);
    if (rc != PROG_CONTINUE)
        return rc;
    rc = 0;
    if (optind < argc - 1)
        return prog_usage_error(&p, synopsis, "one input file at most");
    if (o.input && (rc = read_input(&o, &err)))
        return prog_fail(&p, &err);
    if (!(o.par.ecut > 0))
        return prog_usage_error(
            &p, synopsis, "--ecut is required (e.g. --ecut 20Ha, or ecut = 20 Ha in -i FILE)");
    if (o.tsmear_set && o.par.smearing == DFT_SMEAR_NONE)
        return prog_usage_error(&p, synopsis, "--tsmear needs --smearing");
    if (o.report && o.output && strcmp(o.report, o.output) == 0)
        return prog_usage_error(&p, synopsis, "--report and -o name the same file");
    if (o.report && strcmp(o.report, "-") == 0 && (!o.output || strcmp(o.output, "-") == 0))
        return prog_usage_error(&p, synopsis, "--report - and the configurations both on stdout");

    core_frame_init(&f);
    table_init(&rep);
    for (size_t i = 0; i < NREP && !rc; i++)
        rc = table_col_add(&rep, rep_names[i], rep_units[i], &err);
    rc = rc ? rc : table_meta_set(&rep, &err, "ecut", "%.17g Ha", o.par.ecut);
    rc = rc ? rc
            : table_meta_set(&rep, &err, "kpts", "%d %d %d shift %.17g %.17g %.17g", o.par.kgrid[0],
                             o.par.kgrid[1], o.par.kgrid[2], o.par.kshift[0], o.par.kshift[1],
                             o.par.kshift[2]);
    rc = rc ? rc : table_meta_set(&rep, &err, "xc", "%d", o.par.xc);
    if (o.par.smearing == DFT_SMEAR_NONE)
        rc = rc ? rc : table_meta_set(&rep, &err, "smearing", "none");
    else
        rc = rc ? rc
                : table_meta_set(&rep, &err, "smearing", "%s %.17g Ha",
                                 smearings[o.par.smearing].name, o.par.tsmear);
    rc = rc ? rc : table_meta_set(&rep, &err, "psp_file", "%s", o.psp_file);
    if (o.par.symmetry)
        rc = rc ? rc
                : table_meta_set(&rep, &err, "symmetry", "auto symprec %.17g A",
                                 o.par.symprec * UNITS_BOHR_ANG);
    else
        rc = rc ? rc : table_meta_set(&rep, &err, "symmetry", "none");
    rc = rc ? rc : table_meta_set(&rep, &err, "tol", "%.3g Ha", o.par.tol_energy);
    rc = rc ? rc : table_meta_set(&rep, &err, "seed", "%lu", o.par.seed);
    if (rc)
        goto done;
    if ((rc = stream_out_open(&out, o.output, 0, &err)))
        goto done;
    out_open = 1;
    if ((rc = config_src_open(&src, optind < argc ? argv[optind] : "-", CONFIG_AUTO, NULL, &err)))
        goto done;
    src_open = 1;
    while (!(rc = config_src_read(&src, &f, &got, &err)) && got) {
        char where[STREAM_NAMELEN + 32];
        double row[NREP];
        snprintf(where, sizeof where, "%s:%zu", src.in.name, nframes + 1);
        rc = label(&o, &p, cache, &f, where, o.scratch ? NULL : prev, &scf, row, &err);
        if (rc)
            break;
        row[0] = (double)(nframes + 1);
        niter += dft_scf_niter(scf);
        prog_info(&p, "%s: %zu atoms, %zu iterations%s, E = %.10g eV, %.3g s", where, f.natoms,
                  dft_scf_niter(scf), row[REP_WARM] != 0 ? " (warm start)" : "", row[REP_ENERGY],
                  row[REP_TIME]);
        {
            const struct dft_symm *sy = dft_scf_symm(scf);
            long nmesh = (long)o.par.kgrid[0] * o.par.kgrid[1] * o.par.kgrid[2];
            if (sy->nops)
                prog_info(&p,
                          "%s: space group %s (%d), %zu operations, %zu irreducible k-points "
                          "of %ld",
                          where, sy->symbol, sy->number, sy->nops, dft_scf_nkpts(scf), nmesh);
            else
                prog_info(&p, "%s: no symmetry, %zu k-points of %ld (time reversal)", where,
                          dft_scf_nkpts(scf), nmesh);
        }
        dft_scf_free(prev);
        prev = scf;
        scf = NULL;
        relabel(&f, row[REP_ENERGY], row[REP_FREE]);
        if ((rc = table_row_add(&rep, row, &err)) ||
            (rc = config_write_frame(out.fp, CONFIG_EXTXYZ, NULL, &f, &err)))
            break;
        nframes++;
    }
    if (!rc && o.report)
        rc = write_report(&o, &rep, &err);
    if (!rc)
        rc = stream_out_commit(&out, &err);
done:
    if (rc && out_open)
        stream_out_abort(&out);
    if (src_open)
        config_src_close(&src);
    dft_scf_free(prev);
    dft_scf_free(scf);
    for (int z = 0; z <= CORE_ZMAX; z++)
        free(cache[z]);
    core_frame_release(&f);
    table_release(&rep);
    if (rc)
        return prog_fail(&p, &err);
    prog_info(&p, "%zu configurations, %zu SCF iterations, %.3g s", nframes, niter,
              prog_wtime() - t0);
    return 0;
}
