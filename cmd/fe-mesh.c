/*
 * fe-mesh: two-phase sheet geometries -> conforming triangle meshes (Gmsh .msh 4.1) with
 * physical groups for each phase, the interface and each side of the box. Grains are tidied
 * for the interface element size first (fe_geom_grains_tidy: short Voronoi edges collapsed,
 * the pattern shifted so the sides cut it cleanly).
 *
 * The geometry (lib/fe geom.c) is written as a Gmsh .geo script, Gmsh meshes it (OpenCASCADE
 * booleans make the interfaces shared curves, periodic sides match node for node, a distance
 * field grades the size toward the interfaces), and the mesh is read back and its entities
 * are named here: a surface takes the phase of its triangles, a curve is the interface when
 * its two sides differ and a side of the box when it has one. See man/fe-mesh.1.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../formats/gmsh.h"
#include "../formats/prog.h"
#include "../formats/stream.h"
#include "../lib/fe/fe.h"

/* Interface edges of grains shorter than this times --size-iface are collapsed. */
#define GRAIN_MERGE 0.5

static const char synopsis[] = "[-g stripes|disk|disks|polygon|polygons|grains] [options]";

enum {
    OPT_BOX = 256,
    OPT_PERIOD,
    OPT_ANGLE,
    OPT_GAP,
    OPT_SEED,
    OPT_GRAINS,
    OPT_SIDES,
    OPT_SIZE_IFACE,
    OPT_GRADE,
    OPT_PHASES,
    OPT_GEO,
    OPT_PROGRESS,
    OPT_VERSION,
};

static const struct prog_opt opts[] = {
    {"geometry", 'g', "NAME",
     "stripes, disk (one, centred), disks (random, periodic), polygon (one, centred), polygons "
     "(random, periodic) or grains (Voronoi) (disks)"},
    {"box", OPT_BOX, "LX,LY", "box sides, mesh units (100,100)"},
    {"fraction", 'f', "F", "area fraction of the second phase (0.3; stripes 0.5)"},
    {"period", OPT_PERIOD, "P", "stripes: period along the stripe normal, mesh units (LX/2)"},
    {"angle", OPT_ANGLE, "DEG",
     "stripes: angle of the stripe normal from x; polygon: of a vertex from x; degrees (0)"},
    {"radius", 'r', "R",
     "disks, polygons: radius (circumradius), mesh units (disk: from -f; else min(LX,LY)/10)"},
    {"sides", OPT_SIDES, "N[-M]", "polygon(s): sides, or a range drawn from (6)"},
    {"gap", OPT_GAP, "D",
     "disks, polygon(s): least gap between inclusions and to the sides (size-iface)"},
    {"grains", OPT_GRAINS, "N", "grains: number of Voronoi grains (50)"},
    {"seed", OPT_SEED, "N", "random seed of the disks, polygons or grains (1)"},
    {"size", 's', "H", "largest element size, mesh units (min(LX,LY)/20)"},
    {"size-iface", OPT_SIZE_IFACE, "H", "element size on the interfaces (size/2)"},
    {"grade", OPT_GRADE, "D", "distance over which the size grows to --size (4 size)"},
    {"phases", OPT_PHASES, "A,B", "names of the two phases (matrix,inclusion)"},
    {"geo", OPT_GEO, "FILE", "also write the Gmsh script used to FILE"},
    {"output", 'o', "FILE", "write the mesh to FILE instead of stdout"},
    {"progress", OPT_PROGRESS, NULL, "report progress on stderr"},
    {"quiet", 'q', NULL, "no warnings and no mesh report"},
    {"verbose", 'v', NULL, "more detail on stderr (Gmsh's warnings, timings)"},
    {"help", 'h', NULL, "show this help"},
    {"version", OPT_VERSION, NULL, "show the version"},
};

#define NOPTS (sizeof opts / sizeof opts[0])

struct mesh_opts {
    const char *geometry, *output, *geo;
    double lx, ly, fraction, period, angle, radius, gap, size, size_iface, grade;
    unsigned long long seed;
    long ngrains, nmin, nmax;
    char phase[2][GMSH_NAMELEN / 2];
};

static int
parse_pos(const char *arg, const char *what, double *v, struct core_err *err)
{
    if (core_parse_double(arg, v) || !(*v > 0))
        return core_err_set(err, CORE_EINPUT, "%s: '%s' is not a number > 0", what, arg);
    return 0;
}

static int
parse_one(void *ctx, int c, const char *arg, struct core_err *err)
{
    struct mesh_opts *o = ctx;
    char *comma;
    long l;
    switch (c) {
    case 'g':
        if (strcmp(arg, "stripes") && strcmp(arg, "disk") && strcmp(arg, "disks") &&
            strcmp(arg, "polygon") && strcmp(arg, "polygons") && strcmp(arg, "grains"))
            return core_err_set(err, CORE_EINPUT,
                                "--geometry: '%s' is not stripes, disk, disks, polygon, polygons "
                                "or grains",
                                arg);
        o->geometry = arg;
        return 0;
    case OPT_BOX: {
        char a[64];
        if (strlen(arg) >= sizeof a || !(comma = strchr(strcpy(a, arg), ',')))
            return core_err_set(err, CORE_EINPUT, "--box: '%s' is not LX,LY", arg);
        *comma = '\0';
        if (core_parse_double(a, &o->lx) || core_parse_double(comma + 1, &o->ly) || !(o->lx > 0) ||
            !(o->ly > 0))
            return core_err_set(err, CORE_EINPUT, "--box: '%s' is not LX,LY > 0", arg);
        return 0;
    }
    case 'f':
        if (core_parse_double(arg, &o->fraction) || !(o->fraction > 0 && o->fraction < 1))
            return core_err_set(err, CORE_EINPUT, "--fraction: '%s' is not in (0, 1)", arg);
        return 0;
    case OPT_PERIOD:
        return parse_pos(arg, "--period", &o->period, err);
    case OPT_ANGLE:
        if (core_parse_double(arg, &o->angle) || fabs(o->angle) > 360)
            return core_err_set(err, CORE_EINPUT, "--angle: '%s' is not in [-360, 360]", arg);
        return 0;
    case 'r':
        return parse_pos(arg, "--radius", &o->radius, err);
    case OPT_GAP:
        if (core_parse_double(arg, &o->gap) || !(o->gap >= 0))
            return core_err_set(err, CORE_EINPUT, "--gap: '%s' is not a number >= 0", arg);
        return 0;
    case OPT_SEED:
        if (core_parse_long(arg, &l) || l < 0)
            return core_err_set(err, CORE_EINPUT, "--seed: '%s' is not an integer >= 0", arg);
        o->seed = (unsigned long long)l;
        return 0;
    case OPT_GRAINS:
        if (core_parse_long(arg, &l) || l < 2 || l > 5000)
            return core_err_set(err, CORE_EINPUT, "--grains: '%s' is not an integer in [2, 5000]",
                                arg);
        o->ngrains = l;
        return 0;
    case OPT_SIDES: {
        char a[64], *dash;
        long hi;
        if (strlen(arg) >= sizeof a)
            return core_err_set(err, CORE_EINPUT, "--sides: '%s' is not N or N-M", arg);
        strcpy(a, arg);
        dash = strchr(a, '-');
        if (dash)
            *dash = '\0';
        if (core_parse_long(a, &l) || (dash && core_parse_long(dash + 1, &hi)))
            return core_err_set(err, CORE_EINPUT, "--sides: '%s' is not N or N-M", arg);
        if (!dash)
            hi = l;
        if (l < 3 || hi > 64 || l > hi)
            return core_err_set(err, CORE_EINPUT,
                                "--sides: '%s' is not N or N-M with 3 <= N <= M <= 64", arg);
        o->nmin = l;
        o->nmax = hi;
        return 0;
    }
    case 's':
        return parse_pos(arg, "--size", &o->size, err);
    case OPT_SIZE_IFACE:
        return parse_pos(arg, "--size-iface", &o->size_iface, err);
    case OPT_GRADE:
        if (core_parse_double(arg, &o->grade) || !(o->grade >= 0))
            return core_err_set(err, CORE_EINPUT, "--grade: '%s' is not a number >= 0", arg);
        return 0;
    case OPT_PHASES:
        comma = strchr(arg, ',');
        if (!comma || comma == arg || !comma[1] || strchr(comma + 1, ',') ||
            (size_t)(comma - arg) >= sizeof o->phase[0] ||
            strlen(comma + 1) >= sizeof o->phase[1] || strpbrk(arg, "\"/=#\n") ||
            ((size_t)(comma - arg) == strlen(comma + 1) &&
             strncmp(arg, comma + 1, (size_t)(comma - arg)) == 0))
            return core_err_set(err, CORE_EINPUT,
                                "--phases: '%s' is not two different names A,B (without \" / = #)",
                                arg);
        memcpy(o->phase[0], arg, (size_t)(comma - arg));
        o->phase[0][comma - arg] = '\0';
        strcpy(o->phase[1], comma + 1);
        return 0;
    case OPT_GEO:
        o->geo = arg;
        return 0;
    case 'o':
        o->output = arg;
        return 0;
    }
    return core_err_set(err, CORE_EINTERNAL, "option %d not handled", c);
}

/* ---- running Gmsh ---- */

struct tmpdir {
    char dir[256], geo[300], msh[300], log[300];
};

static int
tmpdir_make(struct tmpdir *t, struct core_err *err)
{
    const char *base = getenv("TMPDIR");
    snprintf(t->dir, sizeof t->dir, "%s/fe-mesh.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(t->dir)) {
        t->dir[0] = '\0';
        return core_err_set(err, CORE_EIO, "cannot make a temporary directory: %s",
                            strerror(errno));
    }
    snprintf(t->geo, sizeof t->geo, "%s/in.geo", t->dir);
    snprintf(t->msh, sizeof t->msh, "%s/out.msh", t->dir);
    snprintf(t->log, sizeof t->log, "%s/gmsh.log", t->dir);
    return 0;
}

static void
tmpdir_remove(struct tmpdir *t)
{
    if (!t->dir[0])
        return;
    unlink(t->geo);
    unlink(t->msh);
    unlink(t->log);
    rmdir(t->dir);
}

/* Runs gmsh on t->geo; its messages go to t->log, the first error line into err. */
static int
run_gmsh(const struct tmpdir *t, struct prog *p, struct core_err *err)
{
    const char *gmsh = getenv("GMSH");
    char line[512], first[512] = "";
    FILE *log;
    pid_t pid;
    int status;
    if (!gmsh || !*gmsh)
        gmsh = "gmsh";
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return core_err_set(err, CORE_EIO, "fork: %s", strerror(errno));
    if (pid == 0) {
        FILE *f = freopen(t->log, "w", stdout);
        if (!f || dup2(1, 2) < 0)
            _exit(126);
        execlp(gmsh, gmsh, t->geo, "-2", "-format", "msh41", "-save_all", "-nt", "1", "-v", "2",
               "-o", t->msh, (char *)NULL);
        fprintf(stderr, "Error   : cannot run '%s': %s\n", gmsh, strerror(errno));
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return core_err_set(err, CORE_EIO, "waitpid: %s", strerror(errno));
    log = fopen(t->log, "r");
    while (log && fgets(line, sizeof line, log)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "Error", 5) == 0 && !first[0])
            snprintf(first, sizeof first, "%s", line);
        else if (line[0])
            prog_info(p, "gmsh: %s", line);
    }
    if (log)
        fclose(log);
    if (first[0] || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        const char *m = first;
        if (strncmp(m, "Error", 5) == 0)
            m += strspn(m + 5, " :") + 5;
        return core_err_set(err, CORE_EIO, "gmsh failed (exit %d)%s%s",
                            WIFEXITED(status) ? WEXITSTATUS(status) : -1, m[0] ? ": " : "", m);
    }
    return 0;
}

/* ---- naming the entities ---- */

enum { PH_A = 1, PH_B = 2, IFACE = 3, LEFT = 4, RIGHT = 5, BOTTOM = 6, TOP = 7 };

static int
set_phys(struct gmsh_entity *e, int tag)
{
    free(e->phys);
    e->phys = NULL;
    e->nphys = 0;
    if (tag <= 0)
        return 0;
    if (!(e->phys = malloc(sizeof *e->phys)))
        return CORE_ENOMEM;
    e->phys[0] = tag;
    e->nphys = 1;
    return 0;
}

/* gmsh_entity_find with a cache of the last hit: elements come in blocks of one entity. */
struct ecache {
    int dim, tag;
    struct gmsh_entity *e;
};

static struct gmsh_entity *
entity(struct gmsh_mesh *g, int dim, int tag, struct ecache *c)
{
    if (!c->e || c->dim != dim || c->tag != tag) {
        c->dim = dim;
        c->tag = tag;
        c->e = (struct gmsh_entity *)gmsh_entity_find(g, dim, tag);
    }
    return c->e;
}

/*
 * Names the entities of g: surfaces by the phase of most of their triangle centroids,
 * curves by their sides. Drops the elements of unnamed entities (points, internal curves).
 */
static int
name_entities(struct gmsh_mesh *g, const struct fe_geom *geom, const struct mesh_opts *o,
              struct core_err *err)
{
    size_t *ptr = calloc(g->nnodes + 1, sizeof *ptr), *inc = NULL, ntri = 0, k = 0, used = 0;
    int *sphase = NULL, rc = 0;
    double eps = 1e-6 * fmax(o->lx, o->ly);
    int present[8] = {0};
    static const char *side[4] = {"left", "right", "bottom", "top"};
    struct ecache c0 = {0, 0, NULL}, c1 = {0, 0, NULL}, c2 = {0, 0, NULL};
    if (!ptr)
        goto nomem;
    for (size_t e = 0; e < g->nelems; e++)
        if (g->elem_type[e] == 2) {
            ntri++;
            for (size_t j = g->elem_off[e]; j < g->elem_off[e + 1]; j++)
                ptr[g->elem_nodes[j] + 1]++;
        }
    for (size_t i = 0; i < g->nnodes; i++)
        ptr[i + 1] += ptr[i];
    inc = malloc((3 * ntri + 1) * sizeof *inc);
    sphase = calloc(2 * g->nentities + 2, sizeof *sphase); /* votes per entity: phase 0, 1 */
    if (!inc || !sphase)
        goto nomem;
    for (size_t e = 0; e < g->nelems; e++) {
        double cx = 0, cy = 0;
        size_t ie;
        if (g->elem_type[e] != 2)
            continue;
        for (size_t j = g->elem_off[e]; j < g->elem_off[e + 1]; j++) {
            size_t n = g->elem_nodes[j];
            inc[ptr[n]++] = e;
            cx += g->xyz[3 * n] / 3;
            cy += g->xyz[3 * n + 1] / 3;
        }
        if (!entity(g, 2, g->elem_entity[e], &c2)) {
            rc = core_err_set(err, CORE_EINTERNAL, "gmsh output: surface %d not in $Entities",
                              g->elem_entity[e]);
            goto done;
        }
        ie = (size_t)(c2.e - g->entities);
        sphase[2 * ie + fe_geom_phase(geom, cx, cy)]++;
    }
    for (size_t i = g->nnodes; i > 0; i--)
        ptr[i] = ptr[i - 1];
    ptr[0] = 0;
    for (size_t ie = 0; ie < g->nentities && !rc; ie++) {
        struct gmsh_entity *en = &g->entities[ie];
        if (en->dim == 2) {
            int ph = sphase[2 * ie + 1] > sphase[2 * ie] ? PH_B : PH_A;
            rc = set_phys(en, sphase[2 * ie] + sphase[2 * ie + 1] ? ph : 0);
            present[ph] |= sphase[2 * ie] + sphase[2 * ie + 1] > 0;
        } else {
            rc = set_phys(en, 0);
        }
    }
    /* curves: look at one line element of each */
    for (size_t e = 0; e < g->nelems && !rc; e++) {
        struct gmsh_entity *en;
        size_t a, b, nt = 0, t[2] = {0, 0};
        int tag;
        if (g->elem_type[e] != 1 || !(en = entity(g, 1, g->elem_entity[e], &c1)) || en->nphys ||
            (e > 0 && g->elem_type[e - 1] == 1 && g->elem_entity[e - 1] == g->elem_entity[e]))
            continue; /* one line element per curve is enough */
        a = g->elem_nodes[g->elem_off[e]];
        b = g->elem_nodes[g->elem_off[e] + 1];
        for (size_t q = ptr[a]; q < ptr[a + 1]; q++)
            for (size_t j = g->elem_off[inc[q]]; j < g->elem_off[inc[q] + 1]; j++)
                if (g->elem_nodes[j] == b && nt < 2)
                    t[nt++] = inc[q];
        if (nt == 2) {
            const struct gmsh_entity *s0 = gmsh_entity_find(g, 2, g->elem_entity[t[0]]),
                                     *s1 = gmsh_entity_find(g, 2, g->elem_entity[t[1]]);
            tag = s0 && s1 && s0->nphys && s1->nphys && s0->phys[0] != s1->phys[0] ? IFACE : 0;
        } else {
            double mx = 0.5 * (g->xyz[3 * a] + g->xyz[3 * b]);
            double my = 0.5 * (g->xyz[3 * a + 1] + g->xyz[3 * b + 1]);
            tag = fabs(mx) < eps           ? LEFT
                  : fabs(mx - o->lx) < eps ? RIGHT
                  : fabs(my) < eps         ? BOTTOM
                  : fabs(my - o->ly) < eps ? TOP
                                           : 0;
        }
        present[tag] = 1;
        rc = set_phys(en, tag);
    }
    if (rc)
        goto nomem;
    /* the physical names */
    free(g->physicals);
    g->physicals = calloc(8, sizeof *g->physicals);
    if (!g->physicals)
        goto nomem;
    g->nphysicals = 0;
    for (int tag = 1; tag <= 7; tag++) {
        struct gmsh_physical *ph = &g->physicals[g->nphysicals];
        if (!present[tag])
            continue;
        ph->dim = tag <= 2 ? 2 : 1;
        ph->tag = tag;
        if (tag <= 2)
            snprintf(ph->name, sizeof ph->name, "%s", o->phase[tag - 1]);
        else if (tag == IFACE)
            snprintf(ph->name, sizeof ph->name, "%s/%s", o->phase[0], o->phase[1]);
        else
            snprintf(ph->name, sizeof ph->name, "%s", side[tag - LEFT]);
        g->nphysicals++;
    }
    /* drop the elements of unnamed entities */
    for (size_t e = 0; e < g->nelems; e++) {
        int d = gmsh_elem_dim(g->elem_type[e]);
        const struct gmsh_entity *en = entity(g, d, g->elem_entity[e], &c0);
        size_t lo = g->elem_off[e], hi = g->elem_off[e + 1];
        if (!en || !en->nphys)
            continue;
        g->elem_tags[k] = g->elem_tags[e];
        g->elem_type[k] = g->elem_type[e];
        g->elem_entity[k] = g->elem_entity[e];
        memmove(&g->elem_nodes[used], &g->elem_nodes[lo], (hi - lo) * sizeof *g->elem_nodes);
        g->elem_off[k] = used;
        used += hi - lo;
        k++;
    }
    g->nelems = k;
    g->elem_off[k] = used;
    goto done;
nomem:
    rc = core_err_set(err, CORE_ENOMEM, "out of memory naming the mesh");
done:
    free(ptr);
    free(inc);
    free(sphase);
    return rc;
}

/* ---- the geometry ---- */

static int
make_geom(struct mesh_opts *o, struct prog *p, struct fe_geom *g, struct core_err *err)
{
    double lmin = fmin(o->lx, o->ly);
    g->lx = o->lx;
    g->ly = o->ly;
    if (strcmp(o->geometry, "stripes") == 0) {
        g->kind = FE_GEOM_STRIPES;
        g->fraction = o->fraction > 0 ? o->fraction : 0.5;
        g->period = o->period > 0 ? o->period : o->lx / 2;
        g->angle = o->angle * M_PI / 180;
        if (!fe_geom_is_periodic(g, 1e-9))
            prog_warn(p, "the stripes do not repeat with the box (LX cos(angle) and "
                         "LY sin(angle) are not multiples of the period): the mesh is not "
                         "periodic");
        return 0;
    }
    if (strcmp(o->geometry, "disk") == 0) {
        double f = o->fraction > 0 ? o->fraction : 0.3;
        double r = o->radius > 0 ? o->radius : sqrt(f * o->lx * o->ly / M_PI);
        g->kind = FE_GEOM_DISK;
        if (r + o->gap > lmin / 2)
            return core_err_set(err, CORE_EINPUT,
                                "a disk of radius %g with gap %g does not fit the %g x %g box", r,
                                o->gap, o->lx, o->ly);
        if (!(g->disks = malloc(3 * sizeof *g->disks)))
            return core_err_set(err, CORE_ENOMEM, "out of memory");
        g->disks[0] = o->lx / 2;
        g->disks[1] = o->ly / 2;
        g->disks[2] = r;
        g->ndisks = 1;
        return 0;
    }
    if (strcmp(o->geometry, "polygon") == 0) {
        if (o->nmin != o->nmax)
            return core_err_set(err, CORE_EINPUT, "--sides: one polygon has one side count");
        return fe_geom_place_polygon(g, o->fraction > 0 ? o->fraction : 0.3, (unsigned)o->nmin,
                                     o->angle * M_PI / 180, o->gap, err);
    }
    if (strcmp(o->geometry, "polygons") == 0)
        return fe_geom_place_polygons(g, o->fraction > 0 ? o->fraction : 0.3,
                                      o->radius > 0 ? o->radius : lmin / 10, (unsigned)o->nmin,
                                      (unsigned)o->nmax, o->gap, o->seed, 100000, err);
    if (strcmp(o->geometry, "grains") == 0) {
        size_t nm = 0;
        int rc = fe_geom_place_grains(g, (size_t)o->ngrains, o->fraction > 0 ? o->fraction : 0.3,
                                      o->seed, err);
        if (rc ||
            (rc = fe_geom_grains_tidy(g, GRAIN_MERGE * o->size_iface, o->size_iface, &nm, err)))
            return rc;
        prog_info(p, "grains: %zu Voronoi edges shorter than %g collapsed or stretched", nm,
                  GRAIN_MERGE * o->size_iface);
        return 0;
    }
    return fe_geom_place_disks(g, o->fraction > 0 ? o->fraction : 0.3,
                               o->radius > 0 ? o->radius : lmin / 10, o->gap, o->seed, 100000, err);
}

static int
write_text(const char *path, const char *text, struct core_err *err)
{
    FILE *fp = fopen(path, "w");
    if (!fp || fputs(text, fp) == EOF || fclose(fp) != 0)
        return core_err_set(err, CORE_EIO, "%s: %s", path, strerror(errno));
    return 0;
}

int
main(int argc, char **argv)
{
    struct prog p;
    struct mesh_opts o = {.geometry = "disks",
                          .lx = 100,
                          .ly = 100,
                          .gap = -1,
                          .grade = -1,
                          .seed = 1,
                          .ngrains = 50,
                          .nmin = 6,
                          .nmax = 6,
                          .phase = {"matrix", "inclusion"}};
    char *text = NULL;
    struct core_err err = {0, ""};
    struct fe_geom geom;
    struct fe_geo_opts go;
    struct gmsh_mesh g;
    struct fe_mesh fm;
    struct tmpdir td = {"", "", "", ""};
    struct stream_out out = {0}, geo = {0};
    struct stream_in in;
    int rc, out_open = 0, geo_open = 0, *pt = NULL, *gt = NULL;
    double t0;

    prog_init(&p, argv[0]);
    rc = prog_parse(&p, argc, argv, synopsis,
                    "Meshes a two-phase sheet (stripes, one disk or polygon, random disks or "
                    "polygons, or Voronoi grains in a box) with "
                    "Gmsh and writes a .msh 4.1 file with physical groups for the phases, the "
                    "interface and the sides.",
                    opts, NOPTS, parse_one, &o, &optind);
    if (rc != PROG_CONTINUE)
        return rc;
    rc = 0;
    if (optind < argc)
        return prog_usage_error(&p, synopsis, "unexpected argument '%s'", argv[optind]);
    if (o.size <= 0)
        o.size = fmin(o.lx, o.ly) / 20;
    if (o.size_iface <= 0)
        o.size_iface = o.size / 2;
    if (o.size_iface > o.size)
        o.size_iface = o.size;
    if (o.grade < 0)
        o.grade = 4 * o.size;
    if (o.gap < 0)
        o.gap = o.size_iface;
    if (fmax(o.lx, o.ly) / o.size_iface > 1e5)
        return prog_usage_error(&p, synopsis,
                                "--size-iface %g is too small for the box "
                                "(more than 1e5 elements along a side)",
                                o.size_iface);

    fe_geom_init(&geom);
    gmsh_mesh_init(&g);
    fe_mesh_init(&fm);
    t0 = prog_wtime();
    prog_progress(&p, "geometry %s", o.geometry);
    if ((rc = make_geom(&o, &p, &geom, &err)))
        goto done;
    go = (struct fe_geo_opts){o.size, o.size_iface, o.grade, fe_geom_is_periodic(&geom, 1e-9)};
    if ((rc = fe_geom_geo(&geom, &go, &text, &err)) || (rc = tmpdir_make(&td, &err)) ||
        (rc = write_text(td.geo, text, &err)))
        goto done;
    if (o.geo) {
        if ((rc = stream_out_open(&geo, o.geo, 0, &err)))
            goto done;
        geo_open = 1;
        fputs(text, geo.fp);
    }
    if ((rc = stream_out_open(&out, o.output, 0, &err)))
        goto done;
    out_open = 1;
    prog_progress(&p, "meshing with gmsh");
    if ((rc = run_gmsh(&td, &p, &err)))
        goto done;
    prog_progress(&p, "reading the mesh");
    if ((rc = stream_in_open(&in, td.msh, &err)))
        goto done;
    rc = gmsh_read(&in, &g, &err);
    stream_in_close(&in);
    if (rc || (rc = name_entities(&g, &geom, &o, &err)) ||
        (rc = gmsh_to_fe(&g, "gmsh output", 1, &fm, &pt, &gt, &err)) ||
        (rc = fe_mesh_check(&fm, &err)))
        goto done;
    if (!p.quiet) {
        double area[2] = {0, 0};
        size_t niface = 0;
        int ig = -1;
        for (size_t i = 0; i < fm.ngroups; i++)
            if (gt[i] == IFACE)
                ig = (int)i;
        for (size_t e = 0; e < fm.nedges; e++)
            niface += fm.edge_group[e] == ig;
        fe_mesh_area(&fm, fm.nphases == 2 ? area : NULL);
        fprintf(stderr,
                "%s: %zu nodes, %zu triangles, %zu interface edges, min angle %.1f deg, "
                "fraction %.4f (geometry %.4f)\n",
                p.name, fm.nnodes, fm.ntris, niface, fe_mesh_min_angle(&fm),
                fm.nphases == 2 ? area[1] / (area[0] + area[1]) : (pt[0] == PH_B ? 1.0 : 0.0),
                fe_geom_fraction(&geom));
    }
    prog_progress(&p, "writing");
    if ((rc = gmsh_write(out.fp, &g, &err)) || (geo_open && (rc = stream_out_commit(&geo, &err))) ||
        (rc = stream_out_commit(&out, &err)))
        goto done;
    prog_info(&p, "%.2f s", prog_wtime() - t0);
done:
    prog_progress_end(&p);
    if (rc && out_open)
        stream_out_abort(&out);
    if (rc && geo_open)
        stream_out_abort(&geo);
    tmpdir_remove(&td);
    free(text);
    free(pt);
    free(gt);
    fe_geom_release(&geom);
    gmsh_mesh_release(&g);
    fe_mesh_release(&fm);
    if (rc)
        return prog_fail(&p, &err);
    return 0;
}
