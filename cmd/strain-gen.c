/*
 * strain-gen: structures -> strained, sheared and rattled configurations for DFT labelling.
 *
 * Builds a structure (graphene, borophene, diamond, fcc, the graphene/borophene interface cell)
 * or reads structures from a stream, then writes, for every structure, every strain value and
 * every random draw, one configuration with a config_type saying how it was made. See
 * man/strain-gen.1.
 */
#include <stdlib.h>
#include <string.h>

#include "../formats/config.h"
#include "../formats/prog.h"
#include "../formats/stream.h"
#include "../lib/cryst/cryst.h"

static const char synopsis[] = "[-b NAME] [options] [FILE]";

enum {
    OPT_PHASE = 256,
    OPT_EDGE,
    OPT_CUBIC,
    OPT_VACUUM,
    OPT_HNX,
    OPT_HNY,
    OPT_LYMAX,
    OPT_GAP,
    OPT_DMIN,
    OPT_BIAXIAL,
    OPT_SHEAR,
    OPT_POISSON,
    OPT_CELLSIGMA,
    OPT_SEED,
    OPT_INFMT,
    OPT_SPECIES,
    OPT_PROGRESS,
    OPT_VERSION,
};

static const struct prog_opt opts[] = {
    {"build", 'b', "NAME", "build graphene, graphene-rect, borophene, diamond, fcc or hetero"},
    {"phase", OPT_PHASE, "NAME", "borophene phase: pmmn, beta12 or chi3 (beta12)"},
    {"edge", OPT_EDGE, "NAME", "graphene direction along x, or interface edge: armchair|zigzag"},
    {"lattice", 'a', "A", "lattice constant, Angstrom (from the literature)"},
    {"element", 'e', "SYM", "element of diamond or fcc (Si for diamond, Cu for fcc)"},
    {"cubic", OPT_CUBIC, NULL, "conventional cubic cell for diamond and fcc"},
    {"vacuum", OPT_VACUUM, "L", "vacuum thickness of 2D sheets, Angstrom (15)"},
    {"supercell", 'n', "N1,N2,N3", "repeat the structure N1 x N2 x N3 times"},
    {"hetero-nx", OPT_HNX, "NG,NB", "interface cell: graphene, borophene cells along x (4,4)"},
    {"hetero-ny", OPT_HNY, "NG,NB", "interface cell: cells along y (searched)"},
    {"ly-max", OPT_LYMAX, "L", "interface cell: longest length along y searched, Angstrom (30)"},
    {"gap", OPT_GAP, "D", "interface spacing, Angstrom (1.5)"},
    {"dmin", OPT_DMIN, "D", "remove borophene atoms closer than D to carbon, Angstrom (1.2)"},
    {"uniaxial", 'u', "AXIS", "uniaxial strain along x, y (or z for bulk)"},
    {"biaxial", OPT_BIAXIAL, NULL, "biaxial strain (in plane for sheets, hydrostatic for bulk)"},
    {"shear", OPT_SHEAR, "PAIR", "engineering shear strain xy, xz or yz"},
    {"strain", 's', "LIST", "strain values: a,b,c or start:stop:step (0)"},
    {"poisson", OPT_POISSON, "NU", "lateral contraction -NU*strain for uniaxial strain (0)"},
    {"rattle", 'r', "SIGMA", "Gaussian displacement of every atom, Angstrom (0)"},
    {"cell-sigma", OPT_CELLSIGMA, "S", "Gaussian random strain of the cell (0)"},
    {"count", 'c', "N", "configurations per structure and strain value (1)"},
    {"seed", OPT_SEED, "N", "random seed (1)"},
    {"format", 'f', "FMT", "output format: extxyz, cfg or poscar (extxyz)"},
    {"input-format", OPT_INFMT, "FMT", "input format: auto, extxyz, cfg, poscar, netcdf (auto)"},
    {"species", OPT_SPECIES, "LIST", "species of .cfg types, in order: C,B"},
    {"output", 'o', "FILE", "write to FILE instead of stdout"},
    {"progress", OPT_PROGRESS, NULL, "report progress on stderr"},
    {"quiet", 'q', NULL, "no warnings"},
    {"verbose", 'v', NULL, "more detail on stderr"},
    {"help", 'h', NULL, "show this help"},
    {"version", OPT_VERSION, NULL, "show the version"},
};

#define NOPTS (sizeof opts / sizeof opts[0])

struct sg_opts {
    const char *build, *input, *output, *strain, *species;
    enum cryst_boro phase;
    enum cryst_edge edge;
    double lattice, vacuum, poisson, rattle, cell_sigma;
    int element, cubic, supercell[3];
    struct cryst_hetero_opts hetero;
    int axis, biaxial, shear[2];
    long count;
    unsigned long long seed;
    enum config_fmt fmt, infmt;
};

static int
parse_ints(const char *s, int *v, int n)
{
    char *end;
    for (int i = 0; i < n; i++) {
        long x = strtol(s, &end, 10);
        if (end == s || x < 1 || x > 100000 || (i < n - 1 ? *end != ',' : *end != '\0'))
            return -1;
        v[i] = (int)x;
        s = end + 1;
    }
    return 0;
}

static int
axis_index(char c)
{
    return c == 'x' ? 0 : c == 'y' ? 1 : c == 'z' ? 2 : -1;
}

/* Parses one option into o (a struct sg_opts); returns 0, or an error message in err. */
static int
parse_one(void *ctx, int c, const char *arg, struct core_err *err)
{
    struct sg_opts *o = ctx;
    double v;
    long l;
    switch (c) {
    case 'b':
        o->build = arg;
        return 0;
    case OPT_PHASE:
        return cryst_boro_parse(arg, &o->phase, err);
    case OPT_EDGE:
        return cryst_edge_parse(arg, &o->edge, err);
    case 'a':
        if (core_quantity_parse(arg, CORE_DIM_LENGTH, &o->lattice, err) || o->lattice <= 0)
            return core_err_set(err, CORE_EINPUT, "--lattice: '%s' is not a length > 0", arg);
        return 0;
    case 'e':
        if (!(o->element = core_elem_z(arg)))
            return core_err_set(err, CORE_EINPUT, "--element: unknown element '%s'", arg);
        return 0;
    case OPT_CUBIC:
        o->cubic = 1;
        return 0;
    case OPT_VACUUM:
    case OPT_LYMAX:
    case OPT_GAP:
    case OPT_DMIN:
        if (core_quantity_parse(arg, CORE_DIM_LENGTH, &v, err) || v < 0)
            return core_err_set(err, CORE_EINPUT, "'%s' is not a length >= 0", arg);
        if (c == OPT_VACUUM)
            o->vacuum = v;
        else if (c == OPT_LYMAX)
            o->hetero.ly_max = v;
        else if (c == OPT_GAP)
            o->hetero.gap = v;
        else
            o->hetero.dmin = v;
        return 0;
    case 'n':
        if (parse_ints(arg, o->supercell, 3))
            return core_err_set(err, CORE_EINPUT, "--supercell: '%s' is not N1,N2,N3 >= 1", arg);
        return 0;
    case OPT_HNX:
    case OPT_HNY: {
        int n2[2];
        if (parse_ints(arg, n2, 2))
            return core_err_set(err, CORE_EINPUT, "'%s' is not NG,NB >= 1", arg);
        if (c == OPT_HNX) {
            o->hetero.nx_graphene = n2[0];
            o->hetero.nx_boro = n2[1];
        } else {
            o->hetero.ny_graphene = n2[0];
            o->hetero.ny_boro = n2[1];
        }
        return 0;
    }
    case 'u':
        if (strlen(arg) != 1 || (o->axis = axis_index(arg[0])) < 0)
            return core_err_set(err, CORE_EINPUT, "--uniaxial: '%s' is not x, y or z", arg);
        return 0;
    case OPT_BIAXIAL:
        o->biaxial = 1;
        return 0;
    case OPT_SHEAR:
        if (strlen(arg) != 2 || (o->shear[0] = axis_index(arg[0])) < 0 ||
            (o->shear[1] = axis_index(arg[1])) < 0 || o->shear[0] == o->shear[1])
            return core_err_set(err, CORE_EINPUT, "--shear: '%s' is not xy, xz or yz", arg);
        return 0;
    case 's':
        o->strain = arg;
        return 0;
    case OPT_POISSON:
    case 'r':
    case OPT_CELLSIGMA:
        if (core_quantity_parse(arg, c == 'r' ? CORE_DIM_LENGTH : CORE_DIM_NONE, &v, err) ||
            v < 0 || (c == OPT_POISSON && v >= 1))
            return core_err_set(err, CORE_EINPUT, "'%s' is out of range", arg);
        *(c == OPT_POISSON ? &o->poisson : c == 'r' ? &o->rattle : &o->cell_sigma) = v;
        return 0;
    case 'c':
        if (core_parse_long(arg, &l) || l < 1 || l > 10000000)
            return core_err_set(err, CORE_EINPUT, "--count: '%s' is not an integer >= 1", arg);
        o->count = l;
        return 0;
    case OPT_SEED:
        if (core_parse_long(arg, &l) || l < 0)
            return core_err_set(err, CORE_EINPUT, "--seed: '%s' is not an integer >= 0", arg);
        o->seed = (unsigned long long)l;
        return 0;
    case 'f':
        return config_fmt_parse(arg, &o->fmt, err);
    case OPT_INFMT:
        return config_fmt_parse(arg, &o->infmt, err);
    case OPT_SPECIES:
        o->species = arg;
        return 0;
    case 'o':
        o->output = arg;
        return 0;
    }
    return core_err_set(err, CORE_EINTERNAL, "option %d not handled", c);
}

/* Builds the named structure into f and its config_type base name into base. */
static int
build(const struct sg_opts *o, struct prog *p, struct core_frame *f, char *base, size_t nbase,
      struct core_err *err)
{
    const char *b = o->build;
    int rc;

    if (strcmp(b, "graphene") == 0 || strcmp(b, "graphene-rect") == 0) {
        int rect = strcmp(b, "graphene-rect") == 0;
        rc = cryst_graphene_build(f, o->lattice, rect, o->edge, o->vacuum, err);
        snprintf(base, nbase, "graphene%s_%s", rect ? "_rect" : "", cryst_edge_name(o->edge));
    } else if (strcmp(b, "borophene") == 0) {
        const struct cryst_boro_info *bi = cryst_borophene_info(o->phase);
        if (o->lattice > 0)
            prog_warn(p, "--lattice is ignored for borophene: its cell is the phase's own");
        rc = cryst_borophene_build(f, o->phase, o->vacuum + bi->thickness, err);
        snprintf(base, nbase, "borophene_%s", bi->name);
    } else if (strcmp(b, "diamond") == 0 || strcmp(b, "fcc") == 0) {
        int z = o->element ? o->element : (b[0] == 'd' ? 14 : 29);
        rc = b[0] == 'd' ? cryst_diamond_build(f, z, o->lattice, o->cubic, err)
                         : cryst_fcc_build(f, z, o->lattice, o->cubic, err);
        snprintf(base, nbase, "%s_%s", b, core_elem_symbol(z));
    } else if (strcmp(b, "hetero") == 0) {
        struct cryst_hetero_opts h = o->hetero;
        struct cryst_hetero_report rep;
        h.edge = o->edge;
        h.phase = o->phase;
        h.a_graphene = o->lattice;
        h.c = o->vacuum + cryst_borophene_info(o->phase)->thickness;
        rc = cryst_hetero_build(f, &h, &rep, err);
        if (rc)
            return rc;
        snprintf(base, nbase, "hetero_%s_%s", cryst_edge_name(o->edge),
                 cryst_borophene_info(o->phase)->name);
        /* the mismatch is part of the result, not chatter: say it unless -q */
        if (!p->quiet)
            fprintf(stderr,
                    "%s: interface cell: %zu C + %zu B atoms, ly %.4f A, mismatch strain "
                    "graphene %+.4f%% borophene %+.4f%%, %zu B removed, min C-B %.3f A\n",
                    p->name, rep.natoms_graphene, rep.natoms_boro, rep.ly,
                    100 * rep.strain_graphene, 100 * rep.strain_boro, rep.nremoved, rep.dmin_cross);
        {
            char v[64];
            snprintf(v, sizeof v, "%.10g", rep.strain_graphene);
            rc = core_frame_info_set(f, "mismatch_graphene", v, err);
            snprintf(v, sizeof v, "%.10g", rep.strain_boro);
            rc = rc ? rc : core_frame_info_set(f, "mismatch_borophene", v, err);
        }
    } else {
        return core_err_set(err, CORE_EINPUT,
                            "--build: unknown structure '%s' (graphene, graphene-rect, "
                            "borophene, diamond, fcc or hetero)",
                            b);
    }
    return rc;
}

/* The deformation mode as a config_type suffix, or "" for none. */
static void
mode_name(const struct sg_opts *o, char *s, size_t n)
{
    static const char xyz[] = "xyz";
    if (o->axis >= 0)
        snprintf(s, n, "uniaxial_%c", xyz[o->axis]);
    else if (o->biaxial)
        snprintf(s, n, "biaxial");
    else if (o->shear[0] >= 0)
        snprintf(s, n, "shear_%c%c", xyz[o->shear[0]], xyz[o->shear[1]]);
    else
        s[0] = '\0';
}

/* Writes every configuration made from one structure; *iconfig counts configurations. */
static int
emit(const struct sg_opts *o, struct prog *p, const struct core_frame *s0, const char *base,
     const double *strains, size_t nstrains, FILE *fp, const struct core_species_map *map,
     unsigned long long *iconfig, struct core_err *err)
{
    struct core_frame f;
    char mode[32], type[192], v[64];
    int ndim = s0->has_cell && !s0->pbc[2] ? 2 : 3;
    int rc = 0;

    core_frame_init(&f);
    mode_name(o, mode, sizeof mode);
    for (size_t is = 0; is < nstrains && !rc; is++) {
        for (long ic = 0; ic < o->count && !rc; ic++, (*iconfig)++) {
            double eps[9];
            if ((rc = core_frame_copy(&f, s0, err)))
                break;
            if (o->axis >= 0)
                rc = cryst_strain_uniaxial(eps, o->axis, strains[is], o->poisson, ndim, err);
            else if (o->biaxial)
                rc = cryst_strain_biaxial(eps, strains[is], ndim, err);
            else if (o->shear[0] >= 0)
                rc = cryst_strain_shear(eps, o->shear[0], o->shear[1], strains[is], err);
            if (!rc && mode[0])
                rc = cryst_frame_deform(&f, eps, err);
            if (!rc && o->cell_sigma > 0)
                rc = cryst_cell_perturb(&f, o->cell_sigma, o->seed, *iconfig, NULL, err);
            if (!rc && o->rattle > 0)
                rc = cryst_frame_rattle(&f, o->rattle, o->seed, *iconfig, err);
            snprintf(type, sizeof type, "%s%s%s%s", base, mode[0] ? "_" : "", mode,
                     o->rattle > 0 || o->cell_sigma > 0 ? "_rattled" : "");
            rc = rc ? rc : core_frame_info_set(&f, "config_type", type, err);
            if (!rc && mode[0]) {
                snprintf(v, sizeof v, "%.10g", strains[is]);
                rc = core_frame_info_set(&f, "strain", v, err);
            }
            if (!rc && (o->rattle > 0 || o->cell_sigma > 0)) {
                snprintf(v, sizeof v, "%llu", o->seed);
                rc = core_frame_info_set(&f, "seed", v, err);
                snprintf(v, sizeof v, "%llu", *iconfig);
                rc = rc ? rc : core_frame_info_set(&f, "iconfig", v, err);
            }
            if (!rc && o->rattle > 0) {
                snprintf(v, sizeof v, "%.10g", o->rattle);
                rc = core_frame_info_set(&f, "rattle", v, err);
            }
            if (!rc && o->cell_sigma > 0) {
                snprintf(v, sizeof v, "%.10g", o->cell_sigma);
                rc = core_frame_info_set(&f, "cell_sigma", v, err);
            }
            rc = rc ? rc : config_write_frame(fp, o->fmt, map, &f, err);
            prog_progress(p, "configuration %llu", *iconfig + 1);
        }
    }
    core_frame_release(&f);
    return rc;
}

static int
check_opts(struct sg_opts *o, struct prog *p, struct core_err *err)
{
    int nmodes = (o->axis >= 0) + o->biaxial + (o->shear[0] >= 0);
    if (o->build && o->input)
        return core_err_set(err, CORE_EINPUT, "give --build or an input file, not both");
    if (nmodes > 1)
        return core_err_set(err, CORE_EINPUT, "give one of --uniaxial, --biaxial and --shear");
    if (o->strain && nmodes == 0)
        return core_err_set(err, CORE_EINPUT,
                            "--strain needs --uniaxial, --biaxial or --shear to say how");
    if (o->count > 1 && o->rattle == 0 && o->cell_sigma == 0)
        prog_warn(p, "--count %ld without --rattle or --cell-sigma writes identical copies",
                  o->count);
    return 0;
}

int
main(int argc, char **argv)
{
    struct prog p;
    struct sg_opts o = {.lattice = 0,
                        .vacuum = 15.0,
                        .supercell = {1, 1, 1},
                        .axis = -1,
                        .shear = {-1, -1},
                        .count = 1,
                        .seed = 1,
                        .phase = CRYST_BORO_BETA12,
                        .edge = CRYST_ARMCHAIR,
                        .hetero = CRYST_HETERO_OPTS_DEFAULT};
    struct core_err err = {0};
    struct core_species_map map, *mapp = NULL;
    struct core_frame s0;
    struct stream_out out;
    struct config_src src;
    double *strains = NULL, zero = 0.0;
    size_t nstrains = 1;
    unsigned long long iconfig = 0;
    char base[128];
    int rc, got;

    prog_init(&p, argv[0]);
    rc = prog_parse(&p, argc, argv, synopsis,
                    "Builds or reads structures and writes strained and rattled configurations.",
                    opts, NOPTS, parse_one, &o, &optind);
    if (rc != PROG_CONTINUE)
        return rc;
    rc = 0;
    if (optind < argc - 1)
        return prog_usage_error(&p, synopsis, "one input file at most");
    o.input = optind < argc ? argv[optind] : NULL;
    if (!o.build && !o.input)
        o.input = "-";
    if (check_opts(&o, &p, &err))
        return prog_usage_error(&p, synopsis, "%s", err.msg);
    if (o.species) {
        if (core_species_map_parse(o.species, &map, &err))
            return prog_usage_error(&p, synopsis, "--species: %s", err.msg);
        mapp = &map;
    }
    if (o.fmt == CONFIG_CFG && !mapp)
        return prog_usage_error(&p, synopsis, "--format cfg needs --species, e.g. C,B");
    if (o.fmt == CONFIG_NETCDF)
        return prog_usage_error(&p, synopsis, "--format netcdf is for trajectories; use md-run");
    if (o.strain && core_values_parse(o.strain, CORE_DIM_NONE, &strains, &nstrains, &err))
        return prog_usage_error(&p, synopsis, "--strain: %s", err.msg);

    core_frame_init(&s0);
    if ((rc = stream_out_open(&out, o.output, 0, &err)))
        goto done;
    if (o.build) {
        int one[3] = {1, 1, 1};
        rc = build(&o, &p, &s0, base, sizeof base, &err);
        if (!rc && memcmp(o.supercell, one, sizeof one))
            rc = cryst_supercell_build(&s0, &s0, o.supercell, &err);
        rc = rc ? rc
                : emit(&o, &p, &s0, base, strains ? strains : &zero, nstrains, out.fp, mapp,
                       &iconfig, &err);
    } else if (!(rc = config_src_open(&src, o.input, o.infmt, mapp, &err))) {
        int one[3] = {1, 1, 1};
        while (!rc && !(rc = config_src_read(&src, &s0, &got, &err)) && got) {
            const char *t = core_frame_info_get(&s0, "config_type");
            snprintf(base, sizeof base, "%s", t ? t : "input");
            if (memcmp(o.supercell, one, sizeof one))
                rc = cryst_supercell_build(&s0, &s0, o.supercell, &err);
            rc = rc ? rc
                    : emit(&o, &p, &s0, base, strains ? strains : &zero, nstrains, out.fp, mapp,
                           &iconfig, &err);
        }
        config_src_close(&src);
    }
    prog_progress_end(&p);
    rc = rc ? rc : stream_out_commit(&out, &err);
done:
    if (rc)
        stream_out_abort(&out);
    free(strains);
    core_frame_release(&s0);
    if (rc)
        return prog_fail(&p, &err);
    prog_info(&p, "%llu configurations written", iconfig);
    return 0;
}
