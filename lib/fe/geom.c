/*
 * fe geometries: stripes, one disk, random periodic disks, one regular polygon, random periodic
 * regular polygons, periodic Voronoi grains (and their tidying for meshing); the phase at a
 * point; the Gmsh .geo script that fe-mesh runs. See fe.h.
 *
 * Disks are placed by random sequential addition (Widom 1966; Feder 1980): each centre is
 * drawn uniformly and kept when it keeps the gaps; the jamming fraction of equal disks is
 * about 0.547, less with a gap. The .geo uses Gmsh's OpenCASCADE kernel: the inclusions (and
 * their periodic images) are cut to the box and fragmented with it, so every interface is a
 * curve shared by two surfaces and the mesh is conforming; opposite sides are meshed
 * periodically by matching each piece of the min side with the piece of the max side in its
 * translated bounding box (the recipe of Gmsh's tutorial t18).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fe.h"

#define RNG_PURPOSE_DISKS  0x666564697363ULL /* "fedisc" */
#define RNG_PURPOSE_GRAINS 0x666567726e73ULL /* "fegrns" */

void
fe_geom_init(struct fe_geom *g)
{
    memset(g, 0, sizeof *g);
}

void
fe_geom_release(struct fe_geom *g)
{
    free(g->disks);
    free(g->grains);
    free(g->gphase);
    free(g->poly_off);
    free(g->poly);
    fe_geom_init(g);
}

static double poly_area(const double *p, size_t n);
static void release_shapes(struct fe_geom *g);

/* Minimum-image offset of a along a period l. */
static double
wrap(double a, double l)
{
    return a - l * floor(a / l + 0.5);
}

/* The checks every random placement shares: the box, the fraction, the size and the gap. */
static int
check_placement(const struct fe_geom *g, double fraction, double radius, double gap,
                struct core_err *err)
{
    if (!(g->lx > 0 && g->ly > 0 && isfinite(g->lx * g->ly)))
        return core_err_set(err, CORE_EINPUT, "the box must have positive finite sides");
    if (!(fraction > 0 && fraction < 1))
        return core_err_set(err, CORE_EINPUT, "the area fraction must lie in (0, 1)");
    if (!(radius > 0) || !isfinite(radius) || !(gap >= 0) || !isfinite(gap))
        return core_err_set(err, CORE_EINPUT, "the radius must be > 0 and the gap >= 0");
    return CORE_OK;
}

int
fe_geom_place_disks(struct fe_geom *g, double fraction, double radius, double gap, uint64_t seed,
                    size_t maxtries, struct core_err *err)
{
    double area = g->lx * g->ly, r, dmin;
    size_t n, tries = 0, attempt = 0;
    int rc;
    release_shapes(g);
    g->kind = FE_GEOM_DISKS;
    if ((rc = check_placement(g, fraction, radius, gap, err)))
        return rc;
    n = (size_t)llround(fraction * area / (M_PI * radius * radius));
    if (n < 1)
        n = 1;
    if (n > 1000000)
        return core_err_set(err, CORE_EINPUT, "%zu disks are too many (at most 1e6)", n);
    r = sqrt(fraction * area / ((double)n * M_PI));
    dmin = 2 * r + gap;
    if (dmin > g->lx || dmin > g->ly)
        return core_err_set(err, CORE_EINPUT,
                            "a disk of radius %g with gap %g does not fit the %g x %g box", r, gap,
                            g->lx, g->ly);
    g->disks = malloc(3 * n * sizeof *g->disks);
    if (!g->disks)
        return core_err_set(err, CORE_ENOMEM, "out of memory for %zu disks", n);
    while (g->ndisks < n) {
        struct core_rng rng;
        double cx, cy, sx, sy, dc;
        int ok = 1;
        if (tries++ >= maxtries) {
            size_t placed = g->ndisks;
            free(g->disks);
            g->disks = NULL;
            g->ndisks = 0;
            return core_err_set(err, CORE_EINPUT,
                                "placed %zu of %zu disks (radius %g, gap %g): %zu attempts "
                                "in a row failed; lower the fraction or the gap",
                                placed, n, r, gap, maxtries);
        }
        core_rng_init(&rng, seed, RNG_PURPOSE_DISKS, attempt++, 0);
        cx = core_rng_uniform(&rng) * g->lx;
        cy = core_rng_uniform(&rng) * g->ly;
        /* no slivers where the disk crosses a side or passes a corner */
        sx = fmin(cx, g->lx - cx);
        sy = fmin(cy, g->ly - cy);
        dc = hypot(sx, sy);
        if (fabs(sx - r) < gap || fabs(sy - r) < gap || fabs(dc - r) < gap)
            continue;
        for (size_t k = 0; k < g->ndisks && ok; k++)
            ok = hypot(wrap(cx - g->disks[3 * k], g->lx), wrap(cy - g->disks[3 * k + 1], g->ly)) >=
                 dmin;
        if (!ok)
            continue;
        g->disks[3 * g->ndisks] = cx;
        g->disks[3 * g->ndisks + 1] = cy;
        g->disks[3 * g->ndisks + 2] = r;
        g->ndisks++;
        tries = 0;
    }
    return CORE_OK;
}

/* The grain whose seed (or a periodic image of it) is nearest to (x, y). */
static size_t
nearest_seed(const struct fe_geom *g, double x, double y)
{
    double best = HUGE_VAL;
    size_t kb = 0;
    for (size_t k = 0; k < g->ngrains; k++) {
        double dx = wrap(x - g->grains[3 * k], g->lx), dy = wrap(y - g->grains[3 * k + 1], g->ly);
        if (dx * dx + dy * dy < best) {
            best = dx * dx + dy * dy;
            kb = k;
        }
    }
    return kb;
}

/* Whether (x, y) or one of its periodic images lies in polygon k (crossing number). */
static int
in_poly(const struct fe_geom *g, size_t k, double x, double y)
{
    const double *p = &g->poly[2 * g->poly_off[k]];
    size_t n = g->poly_off[k + 1] - g->poly_off[k];
    for (int i = -1; i <= 1; i++)
        for (int j = -1; j <= 1; j++) {
            double px = x + i * g->lx, py = y + j * g->ly;
            int in = 0;
            for (size_t a = 0, b = n - 1; a < n; b = a++) {
                const double *u = &p[2 * a], *v = &p[2 * b];
                if ((u[1] > py) != (v[1] > py) &&
                    px < (v[0] - u[0]) * (py - u[1]) / (v[1] - u[1]) + u[0])
                    in = !in;
            }
            if (in)
                return 1;
        }
    return 0;
}

/* Start of the stripe pattern along s so that at angle 0 no interface lies on a side. */
static double
stripe_s0(const struct fe_geom *g)
{
    return 0.5 * (1 - g->fraction) * g->period;
}

int
fe_geom_phase(const struct fe_geom *g, double x, double y)
{
    if (g->kind == FE_GEOM_STRIPES) {
        double s = x * cos(g->angle) + y * sin(g->angle) - stripe_s0(g);
        double u = s - g->period * floor(s / g->period);
        return u < g->fraction * g->period;
    }
    if (g->kind == FE_GEOM_POLYGON || g->kind == FE_GEOM_POLYGONS) {
        for (size_t k = 0; k < g->npolys; k++) {
            const double *d = &g->disks[3 * k];
            if (hypot(wrap(x - d[0], g->lx), wrap(y - d[1], g->ly)) <= d[2] && in_poly(g, k, x, y))
                return 1;
        }
        return 0;
    }
    if (g->kind == FE_GEOM_GRAINS) {
        size_t k = nearest_seed(g, x, y);
        if (!g->poly_off || in_poly(g, k, x, y))
            return g->gphase[k];
        for (size_t j = 0; j < g->npolys; j++) /* near a vertex that fe_geom_grains_tidy moved */
            if (in_poly(g, j, x, y))
                return g->gphase[j];
        return g->gphase[k];
    }
    for (size_t k = 0; k < g->ndisks; k++) {
        const double *d = &g->disks[3 * k];
        double dx = x - d[0], dy = y - d[1];
        if (g->kind == FE_GEOM_DISKS) {
            dx = wrap(dx, g->lx);
            dy = wrap(dy, g->ly);
        }
        if (dx * dx + dy * dy < d[2] * d[2])
            return 1;
    }
    return 0;
}

double
fe_geom_fraction(const struct fe_geom *g)
{
    double a = 0;
    if (g->kind == FE_GEOM_STRIPES)
        return g->fraction;
    for (size_t k = 0; k < g->ngrains; k++)
        a += g->gphase[k] ? g->grains[3 * k + 2] : 0;
    if (g->kind == FE_GEOM_POLYGON || g->kind == FE_GEOM_POLYGONS) {
        for (size_t k = 0; k < g->npolys; k++) /* exact: straight sides */
            a += poly_area(&g->poly[2 * g->poly_off[k]], g->poly_off[k + 1] - g->poly_off[k]);
        return a / (g->lx * g->ly);
    }
    for (size_t k = 0; k < g->ndisks; k++)
        a += M_PI * g->disks[3 * k + 2] * g->disks[3 * k + 2];
    return a / (g->lx * g->ly);
}

/* Whether x is within tol of an integer. */
static int
near_int(double x, double tol)
{
    return fabs(x - nearbyint(x)) <= tol;
}

int
fe_geom_is_periodic(const struct fe_geom *g, double tol)
{
    if (g->kind != FE_GEOM_STRIPES)
        return 1;
    return near_int(g->lx * cos(g->angle) / g->period, tol) &&
           near_int(g->ly * sin(g->angle) / g->period, tol);
}

/* ---- the .geo script ---- */

struct buf {
    char *s;
    size_t len, cap;
    int nomem;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (b->nomem)
        return;
    va_start(ap, fmt);
    n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->nomem = 1;
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        size_t cap = 2 * b->cap + (size_t)n + 1;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->nomem = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

/* Clips polygon p (n points, 2 each) to a.x + b.y >= c; returns the new count (into q). */
static size_t
clip(const double *p, size_t n, double a, double b, double c, double *q)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const double *u = &p[2 * i], *v = &p[2 * ((i + 1) % n)];
        double fu = a * u[0] + b * u[1] - c, fv = a * v[0] + b * v[1] - c;
        if (fu >= 0) {
            q[2 * m] = u[0];
            q[2 * m + 1] = u[1];
            m++;
        }
        if ((fu >= 0) != (fv >= 0)) {
            double t = fu / (fu - fv);
            q[2 * m] = u[0] + t * (v[0] - u[0]);
            q[2 * m + 1] = u[1] + t * (v[1] - u[1]);
            m++;
        }
    }
    return m;
}

/* ---- grains ---- */

struct near {
    double d2, dx, dy; /* squared distance and offset of a neighbour image from the seed */
};

static int
near_cmp(const void *a, const void *b)
{
    double x = ((const struct near *)a)->d2, y = ((const struct near *)b)->d2;
    return (x > y) - (x < y);
}

/*
 * The Voronoi cell of grain i (in the periodic box) into poly (2 per point), its count
 * returned; nb (9 ngrains) and tmp (as poly) are work space, poly and tmp hold 2 (9 ngrains + 4)
 * numbers. The cell starts as the box-sized rectangle centred on the seed (the region nearer to
 * the seed than to its own images) and is clipped by the bisectors of the other seeds' images
 * within a radius rc, nearest first, until the next one is beyond twice the cell's radius; rc
 * starts at four mean spacings and is doubled until it is beyond that too.
 */
static size_t
grain_cell(const struct fe_geom *g, size_t i, struct near *nb, double *poly, double *tmp)
{
    const double *s = &g->grains[3 * i];
    double rc2 = 16 * g->lx * g->ly / (double)g->ngrains,
           all2 = 2.25 * (g->lx * g->lx + g->ly * g->ly), r2 = 0;
    size_t n = 0;
    for (;;) { /* neighbours within rc, rc doubled until it holds twice the cell's radius */
        size_t nn = 0;
        for (size_t j = 0; j < g->ngrains; j++)
            for (int a = -1; a <= 1; a++)
                for (int b = -1; b <= 1; b++) {
                    double dx = wrap(g->grains[3 * j] - s[0], g->lx) + a * g->lx,
                           dy = wrap(g->grains[3 * j + 1] - s[1], g->ly) + b * g->ly;
                    if (j != i && dx * dx + dy * dy <= rc2)
                        nb[nn++] = (struct near){dx * dx + dy * dy, dx, dy};
                }
        qsort(nb, nn, sizeof *nb, near_cmp);
        poly[0] = -g->lx / 2, poly[1] = -g->ly / 2;
        poly[2] = g->lx / 2, poly[3] = -g->ly / 2;
        poly[4] = g->lx / 2, poly[5] = g->ly / 2;
        poly[6] = -g->lx / 2, poly[7] = g->ly / 2;
        n = 4;
        for (size_t k = 0; k <= nn && n >= 3; k++) {
            r2 = 0;
            for (size_t v = 0; v < n; v++)
                r2 = fmax(r2, poly[2 * v] * poly[2 * v] + poly[2 * v + 1] * poly[2 * v + 1]);
            if (k == nn || nb[k].d2 > 4 * r2 * (1 + 1e-12))
                break;
            /* nearer to 0 than to d: x.d <= |d|^2/2 */
            n = clip(poly, n, -nb[k].dx, -nb[k].dy, -0.5 * nb[k].d2, tmp);
            memcpy(poly, tmp, 2 * n * sizeof *poly);
        }
        if (4 * r2 * (1 + 1e-12) < rc2 || rc2 >= all2)
            break;
        rc2 *= 4;
    }
    for (size_t v = 0; v < n; v++) {
        poly[2 * v] += s[0];
        poly[2 * v + 1] += s[1];
    }
    return n;
}

static double
poly_area(const double *p, size_t n)
{
    double a = 0;
    for (size_t i = 0; i < n; i++)
        a += p[2 * i] * p[2 * ((i + 1) % n) + 1] - p[2 * i + 1] * p[2 * ((i + 1) % n)];
    return 0.5 * a;
}

/* Drops repeated points of polygon p (n points, closed) within eps; returns the new count.
 * flag (n, or NULL): a per-edge flag (edge i runs from point i to i+1) that follows its edge. */
static size_t
dedupe(double *p, size_t n, double eps, unsigned char *flag)
{
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        const double *a = &p[2 * i], *z = u ? &p[2 * (u - 1)] : NULL;
        if (z && hypot(a[0] - z[0], a[1] - z[1]) <= eps) {
            if (flag)
                flag[u - 1] = flag[i];
            continue;
        }
        p[2 * u] = a[0];
        p[2 * u + 1] = a[1];
        if (flag)
            flag[u] = flag[i];
        u++;
    }
    while (u > 1 && hypot(p[0] - p[2 * (u - 1)], p[1] - p[2 * (u - 1) + 1]) <= eps)
        u--; /* the closing edge u-1 -> 0 was the empty one: edge u-2 keeps its flag */
    return u;
}

/* Appends polygon p (n points) to g->poly as polygon g->npolys (poly_off allocated); *cap is
 * the capacity of g->poly in points. CORE_OK or CORE_ENOMEM. */
static int
poly_push(struct fe_geom *g, size_t *cap, const double *p, size_t n)
{
    size_t used = g->poly_off[g->npolys];
    if (used + n > *cap) {
        size_t c = 2 * *cap + n + 64;
        double *q = realloc(g->poly, 2 * c * sizeof *q);
        if (!q)
            return CORE_ENOMEM;
        g->poly = q;
        *cap = c;
    }
    memcpy(&g->poly[2 * used], p, 2 * n * sizeof *p);
    g->npolys++;
    g->poly_off[g->npolys] = used + n;
    return CORE_OK;
}

/* Frees the disks, grains and polygons of g (keeps the box). */
static void
release_shapes(struct fe_geom *g)
{
    free(g->disks);
    free(g->grains);
    free(g->gphase);
    free(g->poly_off);
    free(g->poly);
    g->disks = g->grains = g->poly = NULL;
    g->gphase = NULL;
    g->poly_off = NULL;
    g->ndisks = g->ngrains = g->npolys = 0;
}

int
fe_geom_place_grains(struct fe_geom *g, size_t ngrains, double fraction, uint64_t seed,
                     struct core_err *err)
{
    double area = g->lx * g->ly, a1 = 0, target = fraction * area;
    struct near *nb = NULL;
    double *poly = NULL, *tmp = NULL;
    size_t *order = NULL, n1 = 0, cap = 0;
    release_shapes(g);
    g->kind = FE_GEOM_GRAINS;
    if (!(g->lx > 0 && g->ly > 0 && isfinite(area)))
        return core_err_set(err, CORE_EINPUT, "the box must have positive finite sides");
    if (!(fraction > 0 && fraction < 1))
        return core_err_set(err, CORE_EINPUT, "the area fraction must lie in (0, 1)");
    if (ngrains < 2 || ngrains > 5000)
        return core_err_set(err, CORE_EINPUT, "%zu grains: give 2 to 5000", ngrains);
    g->grains = malloc(3 * ngrains * sizeof *g->grains);
    g->gphase = calloc(ngrains, sizeof *g->gphase);
    nb = malloc(9 * ngrains * sizeof *nb);
    poly = malloc(2 * (9 * ngrains + 4) * sizeof *poly);
    tmp = malloc(2 * (9 * ngrains + 4) * sizeof *tmp);
    order = malloc(ngrains * sizeof *order);
    if (!g->grains || !g->gphase || !nb || !poly || !tmp || !order) {
        free(nb), free(poly), free(tmp), free(order);
        fe_geom_release(g);
        return core_err_set(err, CORE_ENOMEM, "out of memory for %zu grains", ngrains);
    }
    g->ngrains = ngrains;
    for (size_t i = 0; i < ngrains; i++) {
        struct core_rng rng;
        core_rng_init(&rng, seed, RNG_PURPOSE_GRAINS, i, 0);
        g->grains[3 * i] = core_rng_uniform(&rng) * g->lx;
        g->grains[3 * i + 1] = core_rng_uniform(&rng) * g->ly;
    }
    g->poly_off = calloc(ngrains + 1, sizeof *g->poly_off);
    if (!g->poly_off) {
        free(nb), free(poly), free(tmp), free(order);
        fe_geom_release(g);
        return core_err_set(err, CORE_ENOMEM, "out of memory for %zu grains", ngrains);
    }
    for (size_t i = 0; i < ngrains; i++) {
        size_t n = dedupe(poly, grain_cell(g, i, nb, poly, tmp), 1e-9 * fmax(g->lx, g->ly), NULL);
        if (poly_push(g, &cap, poly, n)) {
            free(nb), free(poly), free(tmp), free(order);
            fe_geom_release(g);
            return core_err_set(err, CORE_ENOMEM, "out of memory for %zu grains", ngrains);
        }
        g->grains[3 * i + 2] = poly_area(poly, n);
    }
    /* a random order (Fisher-Yates), then greedy toward the target */
    for (size_t i = 0; i < ngrains; i++)
        order[i] = i;
    for (size_t i = ngrains - 1; i > 0; i--) {
        struct core_rng rng;
        size_t j, t;
        core_rng_init(&rng, seed, RNG_PURPOSE_GRAINS, ngrains + i, 1);
        j = (size_t)(core_rng_uniform(&rng) * (double)(i + 1));
        j = j > i ? i : j;
        t = order[i], order[i] = order[j], order[j] = t;
    }
    for (size_t k = 0; k < ngrains; k++) {
        double a = g->grains[3 * order[k] + 2];
        if (fabs(a1 + a - target) < fabs(a1 - target)) {
            g->gphase[order[k]] = 1;
            a1 += a;
            n1++;
        }
    }
    if (n1 == 0)
        g->gphase[order[0]] = 1;
    else if (n1 == ngrains)
        g->gphase[order[0]] = 0;
    free(nb), free(poly), free(tmp), free(order);
    return CORE_OK;
}

/* ---- regular polygons ---- */

#define RNG_PURPOSE_POLYS 0x6665706f6c79ULL /* "fepoly" */

/* Distance from point p to segment a-b. */
static double
seg_dist(const double *p, const double *a, const double *b)
{
    double dx = b[0] - a[0], dy = b[1] - a[1], l2 = dx * dx + dy * dy, t = 0;
    if (l2 > 0)
        t = fmax(0, fmin(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2));
    return hypot(a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
}

/* Whether p is inside the convex counter-clockwise polygon q (n points), boundary included. */
static int
in_convex(const double *p, const double *q, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const double *a = &q[2 * i], *b = &q[2 * ((i + 1) % n)];
        if ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) < 0)
            return 0;
    }
    return 1;
}

/* Distance between convex counter-clockwise polygons p (np points, shifted by (ox, oy)) and q
 * (nq points): 0 when they overlap. */
static double
convex_dist(const double *p, size_t np, double ox, double oy, const double *q, size_t nq)
{
    double d = HUGE_VAL, s[128];
    for (size_t i = 0; i < np; i++) {
        s[2 * i] = p[2 * i] + ox;
        s[2 * i + 1] = p[2 * i + 1] + oy;
    }
    for (size_t i = 0; i < np; i++)
        if (in_convex(&s[2 * i], q, nq))
            return 0;
    for (size_t i = 0; i < nq; i++)
        if (in_convex(&q[2 * i], s, np))
            return 0;
    /* no vertex inside the other: they overlap only if edges cross, and then (convex, no vertex
     * inside) some edge pair crosses, which makes the distance 0 below too */
    for (size_t i = 0; i < np; i++)
        for (size_t j = 0; j < nq; j++) {
            const double *a = &s[2 * i], *b = &s[2 * ((i + 1) % np)], *c = &q[2 * j],
                         *e = &q[2 * ((j + 1) % nq)];
            double d1 = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]),
                   d2 = (b[0] - a[0]) * (e[1] - a[1]) - (b[1] - a[1]) * (e[0] - a[0]),
                   d3 = (e[0] - c[0]) * (a[1] - c[1]) - (e[1] - c[1]) * (a[0] - c[0]),
                   d4 = (e[0] - c[0]) * (b[1] - c[1]) - (e[1] - c[1]) * (b[0] - c[0]);
            if (((d1 > 0) != (d2 > 0)) && ((d3 > 0) != (d4 > 0)))
                return 0;
            d = fmin(d, fmin(seg_dist(a, c, e), seg_dist(c, a, b)));
        }
    return d;
}

/* The regular polygon of n sides, circumradius r, centre (cx, cy), a vertex at angle th. */
static void
regular(double *p, unsigned n, double r, double cx, double cy, double th)
{
    for (unsigned j = 0; j < n; j++) {
        double a = th + 2 * M_PI * j / n;
        p[2 * j] = cx + r * cos(a);
        p[2 * j + 1] = cy + r * sin(a);
    }
}

/* Whether polygon p (n points) keeps gap from the box sides (its vertices) and corners (its
 * boundary), with the periodic images. */
static int
clear_of_sides(const struct fe_geom *g, const double *p, unsigned n, double gap)
{
    double cx = 0, cy = 0, corner[2];
    for (unsigned j = 0; j < n; j++) {
        if (fabs(wrap(p[2 * j], g->lx)) < gap || fabs(wrap(p[2 * j + 1], g->ly)) < gap)
            return 0;
        cx += p[2 * j] / n;
        cy += p[2 * j + 1] / n;
    }
    /* the corner image nearest to the centre */
    corner[0] = g->lx * nearbyint(cx / g->lx);
    corner[1] = g->ly * nearbyint(cy / g->ly);
    for (unsigned j = 0; j < n; j++)
        if (seg_dist(corner, &p[2 * j], &p[2 * ((j + 1) % n)]) < gap)
            return 0;
    return 1;
}

int
fe_geom_place_polygons(struct fe_geom *g, double fraction, double radius, unsigned nmin,
                       unsigned nmax, double gap, uint64_t seed, size_t maxtries,
                       struct core_err *err)
{
    double area = g->lx * g->ly, amean = 0, s = 0, r, p[128];
    size_t n, tries = 0, attempt = 0, cap = 0;
    unsigned *ns = NULL;
    double *th = NULL;
    int rc = CORE_OK;
    release_shapes(g);
    g->kind = FE_GEOM_POLYGONS;
    if ((rc = check_placement(g, fraction, radius, gap, err)))
        return rc;
    if (nmin < 3 || nmax > 64 || nmin > nmax)
        return core_err_set(err, CORE_EINPUT, "sides %u to %u: give 3 <= N <= M <= 64", nmin, nmax);
    for (unsigned k = nmin; k <= nmax; k++)
        amean += 0.5 * k * sin(2 * M_PI / k) * radius * radius / (nmax - nmin + 1);
    n = (size_t)llround(fraction * area / amean);
    if (n < 1)
        n = 1;
    if (n > 1000000)
        return core_err_set(err, CORE_EINPUT, "%zu polygons are too many (at most 1e6)", n);
    ns = malloc(n * sizeof *ns);
    th = malloc(n * sizeof *th);
    g->disks = malloc(3 * n * sizeof *g->disks);
    g->poly_off = calloc(n + 1, sizeof *g->poly_off);
    if (!ns || !th || !g->disks || !g->poly_off) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory for %zu polygons", n);
        goto fail;
    }
    for (size_t k = 0; k < n; k++) {
        struct core_rng rng;
        core_rng_init(&rng, seed, RNG_PURPOSE_POLYS, k, 1);
        ns[k] = nmin + (unsigned)(core_rng_uniform(&rng) * (nmax - nmin + 1));
        ns[k] = ns[k] > nmax ? nmax : ns[k];
        th[k] = core_rng_uniform(&rng) * 2 * M_PI / ns[k];
        s += 0.5 * ns[k] * sin(2 * M_PI / ns[k]);
    }
    r = sqrt(fraction * area / s);
    if (2 * r + gap > g->lx || 2 * r + gap > g->ly) {
        rc = core_err_set(err, CORE_EINPUT,
                          "a polygon of circumradius %g with gap %g does not fit the %g x %g box",
                          r, gap, g->lx, g->ly);
        goto fail;
    }
    while (g->npolys < n) {
        struct core_rng rng;
        size_t k = g->npolys;
        double cx, cy;
        int ok = 1;
        if (tries++ >= maxtries) {
            rc = core_err_set(err, CORE_EINPUT,
                              "placed %zu of %zu polygons (circumradius %g, gap %g): %zu "
                              "attempts in a row failed; lower the fraction or the gap",
                              k, n, r, gap, maxtries);
            goto fail;
        }
        core_rng_init(&rng, seed, RNG_PURPOSE_POLYS, attempt++, 0);
        cx = core_rng_uniform(&rng) * g->lx;
        cy = core_rng_uniform(&rng) * g->ly;
        regular(p, ns[k], r, cx, cy, th[k]);
        if (!clear_of_sides(g, p, ns[k], gap))
            continue;
        for (size_t j = 0; j < k && ok; j++) {
            const double *q = &g->poly[2 * g->poly_off[j]];
            size_t nq = g->poly_off[j + 1] - g->poly_off[j];
            for (int a = -1; a <= 1 && ok; a++)
                for (int b = -1; b <= 1 && ok; b++) {
                    double ox = a * g->lx, oy = b * g->ly;
                    if (hypot(cx + ox - g->disks[3 * j], cy + oy - g->disks[3 * j + 1]) >=
                        2 * r + gap)
                        continue;
                    ok = convex_dist(p, ns[k], ox, oy, q, nq) >= gap;
                }
        }
        if (!ok)
            continue;
        if (poly_push(g, &cap, p, ns[k])) {
            rc = core_err_set(err, CORE_ENOMEM, "out of memory for %zu polygons", n);
            goto fail;
        }
        g->disks[3 * k] = cx;
        g->disks[3 * k + 1] = cy;
        g->disks[3 * k + 2] = r;
        g->ndisks = g->npolys;
        tries = 0;
    }
    free(ns);
    free(th);
    return CORE_OK;
fail:
    free(ns);
    free(th);
    release_shapes(g);
    return rc;
}

int
fe_geom_place_polygon(struct fe_geom *g, double fraction, unsigned nsides, double angle, double gap,
                      struct core_err *err)
{
    double r, p[128];
    size_t cap = 0;
    release_shapes(g);
    g->kind = FE_GEOM_POLYGON;
    if (!(g->lx > 0 && g->ly > 0 && isfinite(g->lx * g->ly)))
        return core_err_set(err, CORE_EINPUT, "the box must have positive finite sides");
    if (!(fraction > 0 && fraction < 1))
        return core_err_set(err, CORE_EINPUT, "the area fraction must lie in (0, 1)");
    if (nsides < 3 || nsides > 64)
        return core_err_set(err, CORE_EINPUT, "%u sides: give 3 to 64", nsides);
    if (!isfinite(angle) || !(gap >= 0) || !isfinite(gap))
        return core_err_set(err, CORE_EINPUT, "the angle must be finite and the gap >= 0");
    r = sqrt(fraction * g->lx * g->ly / (0.5 * nsides * sin(2 * M_PI / nsides)));
    regular(p, nsides, r, g->lx / 2, g->ly / 2, angle);
    for (unsigned j = 0; j < nsides; j++)
        if (p[2 * j] < gap || p[2 * j] > g->lx - gap || p[2 * j + 1] < gap ||
            p[2 * j + 1] > g->ly - gap)
            return core_err_set(err, CORE_EINPUT,
                                "a %u-gon of circumradius %g with gap %g does not fit the %g x %g "
                                "box",
                                nsides, r, gap, g->lx, g->ly);
    g->disks = malloc(3 * sizeof *g->disks);
    g->poly_off = calloc(2, sizeof *g->poly_off);
    if (!g->disks || !g->poly_off || poly_push(g, &cap, p, nsides)) {
        release_shapes(g);
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    }
    g->disks[0] = g->lx / 2;
    g->disks[1] = g->ly / 2;
    g->disks[2] = r;
    g->ndisks = 1;
    return CORE_OK;
}

/* ---- tidying grains for meshing ---- */

/* Ids of the polygon points: points that coincide within tol, modulo the box, share one id.
 * vid (npts) receives the ids, w (2 npts) the wrapped position of each id; returns the number
 * of ids, or SIZE_MAX when out of memory. A grid of buckets finds the neighbours. */
static size_t
vertex_ids(const struct fe_geom *g, double tol, size_t *vid, double *w)
{
    size_t npts = g->poly_off[g->npolys], nid = 0, nx, ny, *head, *next;
    double side = sqrt(g->lx * g->ly / (double)(npts + 1));
    nx = (size_t)fmin(fmax(g->lx / side, 1), 1024);
    ny = (size_t)fmin(fmax(g->ly / side, 1), 1024);
    head = malloc(nx * ny * sizeof *head);
    next = malloc((npts + 1) * sizeof *next);
    if (!head || !next) {
        free(head);
        free(next);
        return SIZE_MAX;
    }
    for (size_t i = 0; i < nx * ny; i++)
        head[i] = SIZE_MAX;
    for (size_t j = 0; j < npts; j++) {
        double x = g->poly[2 * j] - g->lx * floor(g->poly[2 * j] / g->lx),
               y = g->poly[2 * j + 1] - g->ly * floor(g->poly[2 * j + 1] / g->ly);
        size_t bx = (size_t)fmin(x / g->lx * (double)nx, (double)(nx - 1)),
               by = (size_t)fmin(y / g->ly * (double)ny, (double)(ny - 1)), found = SIZE_MAX;
        for (size_t di = 0; di < 3 && found == SIZE_MAX; di++)
            for (size_t dj = 0; dj < 3 && found == SIZE_MAX; dj++) {
                size_t c = ((bx + di + nx - 1) % nx) * ny + (by + dj + ny - 1) % ny;
                for (size_t id = head[c]; id != SIZE_MAX && found == SIZE_MAX; id = next[id])
                    if (hypot(wrap(x - w[2 * id], g->lx), wrap(y - w[2 * id + 1], g->ly)) <= tol)
                        found = id;
            }
        if (found == SIZE_MAX) {
            size_t c = bx * ny + by;
            found = nid++;
            w[2 * found] = x;
            w[2 * found + 1] = y;
            next[found] = head[c];
            head[c] = found;
        }
        vid[j] = found;
    }
    free(head);
    free(next);
    return nid;
}

/* An edge of a cell by the ids of its ends (a < b), for finding the cell across it. */
struct gedge {
    size_t a, b, j, k; /* ids, first point, cell */
};

static int
gedge_cmp(const void *x, const void *y)
{
    const struct gedge *u = x, *v = y;
    if (u->a != v->a)
        return u->a < v->a ? -1 : 1;
    if (u->b != v->b)
        return u->b < v->b ? -1 : 1;
    return u->j < v->j ? -1 : u->j > v->j;
}

/* A short interface edge: its length, first point and the cells on both sides. */
struct cand {
    double len;
    size_t j, k, o;
};

static int
cand_cmp(const void *x, const void *y)
{
    const struct cand *u = x, *v = y;
    if (u->len != v->len)
        return u->len < v->len ? -1 : 1;
    return u->j < v->j ? -1 : u->j > v->j;
}

static int
dbl_cmp(const void *x, const void *y)
{
    double u = *(const double *)x, v = *(const double *)y;
    return (u > v) - (u < v);
}

/*
 * How cleanly the line {x_ax = t} (mod the period lper along axis ax) crosses the interface
 * segments seg (4 per segment: a, b): the smallest of the distances of their ends to the line,
 * h sin(angle) / sin(35 deg) for the angle of each crossing, and the spacing of the crossings
 * along the line (period lalong), as a length (the larger the better). The crossings' positions
 * along the line go to cross (2 nseg + 2), their count to *ncross.
 */
static double
line_score(const double *seg, size_t nseg, int ax, double t, double lper, double lalong, double h,
           double *cross, size_t *ncross)
{
    double score = HUGE_VAL, s35 = sin(35 * M_PI / 180);
    size_t n = 0;
    for (size_t i = 0; i < nseg; i++) {
        const double *a = &seg[4 * i], *b = &seg[4 * i + 2];
        double lo = fmin(a[ax], b[ax]), hi = fmax(a[ax], b[ax]);
        score = fmin(score, fabs(wrap(a[ax] - t, lper)));
        score = fmin(score, fabs(wrap(b[ax] - t, lper)));
        for (double m = ceil((lo - t) / lper); t + m * lper < hi; m++) {
            double c = t + m * lper, s, pos, len = hypot(b[0] - a[0], b[1] - a[1]);
            if (c <= lo || n >= 2 * nseg + 2)
                continue;
            s = (c - a[ax]) / (b[ax] - a[ax]);
            pos = a[1 - ax] + s * (b[1 - ax] - a[1 - ax]);
            score = fmin(score, h * fabs(b[ax] - a[ax]) / len / s35);
            cross[n++] = pos - lalong * floor(pos / lalong);
        }
    }
    qsort(cross, n, sizeof *cross, dbl_cmp);
    for (size_t i = 1; i < n; i++)
        score = fmin(score, cross[i] - cross[i - 1]);
    if (n >= 2)
        score = fmin(score, cross[0] + lalong - cross[n - 1]);
    *ncross = n;
    return score;
}

/* Distance from t to the nearest of the n positions cross (period l); HUGE_VAL for none. */
static double
corner_score(const double *cross, size_t n, double t, double l)
{
    double d = HUGE_VAL;
    for (size_t i = 0; i < n; i++)
        d = fmin(d, fabs(wrap(cross[i] - t, l)));
    return d;
}

#define NBEST 8

/* The shifts t_i = i lper / ncand with the NBEST best scores into best[] (count returned). */
static size_t
best_shifts(const double *seg, size_t nseg, int ax, double lper, double lalong, double h,
            size_t ncand, double *cross, size_t *best, double *bscore)
{
    size_t nb = 0, nc;
    for (size_t i = 0; i < ncand; i++) {
        double sc = line_score(seg, nseg, ax, (double)i * lper / (double)ncand, lper, lalong, h,
                               cross, &nc);
        size_t pos = nb < NBEST ? nb : NBEST;
        while (pos > 0 && bscore[pos - 1] < sc)
            pos--;
        if (pos >= NBEST)
            continue;
        for (size_t q = (nb < NBEST ? nb : NBEST - 1); q > pos; q--) {
            best[q] = best[q - 1];
            bscore[q] = bscore[q - 1];
        }
        best[pos] = i;
        bscore[pos] = sc;
        nb += nb < NBEST;
    }
    return nb;
}

/* Collapses the short interface edges (see fe_geom_grains_tidy); ifc (npts) flags the
 * interface edges of the cells on return. */
static int
merge_edges(struct fe_geom *g, double lmerge, unsigned char *ifc, size_t *nmerged,
            struct core_err *err)
{
    double L = fmax(g->lx, g->ly), tol = 1e-9 * L, asum = 0;
    size_t npts = g->poly_off[g->npolys], nid, ncand = 0, nm = 0, ne = 0, used = 0;
    size_t *vid = malloc((npts + 1) * sizeof *vid), *cnt = malloc(g->npolys * sizeof *cnt),
           *nbr = malloc((npts + 1) * sizeof *nbr), *off = malloc((g->npolys + 1) * sizeof *off);
    double *w = malloc(2 * (npts + 1) * sizeof *w), *shift = calloc(2 * npts + 2, sizeof *shift),
           *np = malloc(2 * (npts + 1) * sizeof *np), *area = malloc(g->npolys * sizeof *area);
    unsigned char *touched = calloc(npts + 1, 1), *nifc = malloc(npts + 1);
    struct gedge *ge = malloc((npts + 1) * sizeof *ge);
    struct cand *cand = malloc((npts + 1) * sizeof *cand);
    int rc = CORE_OK, ok = 1;
    *nmerged = 0;
    if (!vid || !cnt || !nbr || !off || !w || !shift || !np || !area || !touched || !nifc || !ge ||
        !cand || (nid = vertex_ids(g, tol, vid, w)) == SIZE_MAX) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory tidying %zu grains", g->ngrains);
        goto done;
    }
    /* the cell across each edge: the other cell with the same two vertex ids */
    for (size_t k = 0; k < g->npolys; k++) {
        size_t o = g->poly_off[k], n = g->poly_off[k + 1] - o;
        cnt[k] = n;
        for (size_t i = 0; i < n; i++) {
            size_t a = vid[o + i], b = vid[o + (i + 1) % n];
            ge[ne++] = (struct gedge){a < b ? a : b, a < b ? b : a, o + i, k};
            nbr[o + i] = SIZE_MAX;
        }
    }
    qsort(ge, ne, sizeof *ge, gedge_cmp);
    for (size_t i = 0; i < ne;) {
        size_t r = i + 1;
        while (r < ne && ge[r].a == ge[i].a && ge[r].b == ge[i].b)
            r++;
        if (r == i + 2) {
            nbr[ge[i].j] = ge[i + 1].k;
            nbr[ge[i + 1].j] = ge[i].k;
        }
        i = r;
    }
    for (size_t k = 0; k < g->npolys; k++) {
        size_t o = g->poly_off[k], n = g->poly_off[k + 1] - o;
        for (size_t i = 0; i < n; i++) {
            const double *a = &g->poly[2 * (o + i)], *b = &g->poly[2 * (o + (i + 1) % n)];
            double len = hypot(b[0] - a[0], b[1] - a[1]);
            if (nbr[o + i] == SIZE_MAX) { /* a cell next to itself (tiny boxes): look */
                double d = fmin(1e-6 * L, 0.01 * len);
                nbr[o + i] = nearest_seed(g, 0.5 * (a[0] + b[0]) + d * (b[1] - a[1]) / len,
                                          0.5 * (a[1] + b[1]) - d * (b[0] - a[0]) / len);
            }
            /* 1: an interface; 2: between two phase-1 cells, taken from the one of lower
             * index: both are curves of the .geo (OpenCASCADE keeps edges between united
             * surfaces), which the side crossings must keep clear of */
            ifc[o + i] = g->gphase[nbr[o + i]] != g->gphase[k]
                             ? 1
                             : (g->gphase[k] && nbr[o + i] > k ? 2 : 0);
        }
        for (size_t i = 0; i < n; i++) {
            const double *a = &g->poly[2 * (o + i)], *b = &g->poly[2 * (o + (i + 1) % n)];
            double len = hypot(b[0] - a[0], b[1] - a[1]);
            if (len < lmerge * (1 - 1e-9) && nbr[o + i] != k &&
                (ifc[o + i] == 1 ? g->gphase[k] == 1 : nbr[o + i] > k))
                cand[ncand++] = (struct cand){len, o + i, k, nbr[o + i]};
        }
    }
    qsort(cand, ncand, sizeof *cand, cand_cmp);
    for (size_t c = 0; c < ncand; c++) {
        size_t k = cand[c].k, o = g->poly_off[k], n = g->poly_off[k + 1] - o, j = cand[c].j,
               j2 = o + (j - o + 1) % n, a = vid[j], b = vid[j2];
        const double *pa = &g->poly[2 * j], *pb = &g->poly[2 * j2];
        /* the cells at the two ends (across the edges before and after this one) */
        int pk = g->gphase[k], pc = g->gphase[nbr[o + (j - o + n - 1) % n]],
            pd = g->gphase[nbr[j2]];
        double f;
        if (a == b || touched[a] || touched[b])
            continue;
        if (g->gphase[cand[c].o] == pk && pc == pd && pc != pk) {
            /* a neck: phases 1, 0, 1, 0 around the edge; collapsed, two cells of one phase
             * would touch at a point, so the edge is stretched to lmerge instead */
            f = 0.5 * (lmerge / cand[c].len - 1);
        } else if (g->gphase[cand[c].o] == pk && pk == 0) {
            continue; /* inside phase 0: not a curve of the .geo */
        } else {
            if (cnt[k] <= 3 || cnt[cand[c].o] <= 3)
                continue;
            cnt[k]--;
            cnt[cand[c].o]--;
            f = -0.5;
        }
        shift[2 * a] = -f * (pb[0] - pa[0]);
        shift[2 * a + 1] = -f * (pb[1] - pa[1]);
        shift[2 * b] = f * (pb[0] - pa[0]);
        shift[2 * b + 1] = f * (pb[1] - pa[1]);
        touched[a] = touched[b] = 1;
        nm++;
    }
    /* the moved cells; kept only when they still tile the box */
    off[0] = 0;
    for (size_t k = 0; k < g->npolys && ok; k++) {
        size_t o = g->poly_off[k], n = g->poly_off[k + 1] - o;
        for (size_t i = 0; i < n; i++) {
            np[2 * (used + i)] = g->poly[2 * (o + i)] + shift[2 * vid[o + i]];
            np[2 * (used + i) + 1] = g->poly[2 * (o + i) + 1] + shift[2 * vid[o + i] + 1];
            nifc[used + i] = ifc[o + i];
        }
        n = dedupe(&np[2 * used], n, tol, &nifc[used]);
        area[k] = n >= 3 ? poly_area(&np[2 * used], n) : 0;
        ok = area[k] > 0;
        asum += area[k];
        used += n;
        off[k + 1] = used;
    }
    if (!ok || fabs(asum - g->lx * g->ly) > 1e-9 * g->lx * g->ly || nm == 0)
        goto done; /* nothing to do, or (never seen) a merge that folded a cell: keep the cells */
    memcpy(g->poly, np, 2 * used * sizeof *np);
    memcpy(g->poly_off, off, (g->npolys + 1) * sizeof *off);
    memcpy(ifc, nifc, used);
    for (size_t k = 0; k < g->npolys; k++)
        g->grains[3 * k + 2] = area[k];
    *nmerged = nm;
done:
    free(vid), free(cnt), free(nbr), free(off), free(w), free(shift), free(np), free(area);
    free(touched), free(nifc), free(ge), free(cand);
    return rc;
}

int
fe_geom_grains_tidy(struct fe_geom *g, double lmerge, double h, size_t *nmerged,
                    struct core_err *err)
{
    size_t npts, nseg = 0, nm = 0, bx[NBEST], by[NBEST], nbx, nby, kx, ky, ncx, ncy;
    double *seg = NULL, *crx = NULL, *cry = NULL, sx[NBEST], sy[NBEST], best = -1, tx = 0, ty = 0;
    unsigned char *ifc = NULL;
    int rc;
    if (nmerged)
        *nmerged = 0;
    if (g->kind != FE_GEOM_GRAINS || !g->poly_off || g->npolys != g->ngrains)
        return core_err_set(err, CORE_EINPUT, "tidying grains: the geometry is not grains");
    if (!(lmerge >= 0) || !isfinite(lmerge) || !(h > 0) || !isfinite(h))
        return core_err_set(err, CORE_EINPUT,
                            "tidying grains: the merge length must be >= 0 and the element "
                            "size > 0 (got %g, %g)",
                            lmerge, h);
    npts = g->poly_off[g->npolys];
    ifc = malloc(npts + 1);
    if (!ifc)
        return core_err_set(err, CORE_ENOMEM, "out of memory tidying %zu grains", g->ngrains);
    for (int pass = 0; pass < 4; pass++) { /* again: an edge next to a moved one may be left */
        size_t n1 = 0;
        if ((rc = merge_edges(g, lmerge, ifc, &n1, err)))
            goto done;
        nm += n1;
        if (n1 == 0)
            break;
    }
    npts = g->poly_off[g->npolys];
    seg = malloc(4 * (npts + 1) * sizeof *seg);
    crx = malloc((2 * npts + 2) * sizeof *crx);
    cry = malloc((2 * npts + 2) * sizeof *cry);
    if (!seg || !crx || !cry) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory tidying %zu grains", g->ngrains);
        goto done;
    }
    for (size_t k = 0; k < g->npolys; k++) {
        size_t o = g->poly_off[k], n = g->poly_off[k + 1] - o;
        for (size_t i = 0; g->gphase[k] && i < n; i++)
            if (ifc[o + i]) {
                memcpy(&seg[4 * nseg], &g->poly[2 * (o + i)], 2 * sizeof *seg);
                memcpy(&seg[4 * nseg + 2], &g->poly[2 * (o + (i + 1) % n)], 2 * sizeof *seg);
                nseg++;
            }
    }
    /* the best shifts along each axis, then the best pair with the corners in view */
    kx = (size_t)fmin(fmax(ceil(8 * g->lx / h), 16), 2048);
    ky = (size_t)fmin(fmax(ceil(8 * g->ly / h), 16), 2048);
    nbx = best_shifts(seg, nseg, 0, g->lx, g->ly, h, kx, crx, bx, sx);
    nby = best_shifts(seg, nseg, 1, g->ly, g->lx, h, ky, cry, by, sy);
    for (size_t i = 0; i < nbx; i++)
        for (size_t j = 0; j < nby; j++) {
            double ax = (double)bx[i] * g->lx / (double)kx, ay = (double)by[j] * g->ly / (double)ky,
                   sc = fmin(sx[i], sy[j]);
            if (sc <= best)
                continue;
            line_score(seg, nseg, 0, ax, g->lx, g->ly, h, crx, &ncx);
            line_score(seg, nseg, 1, ay, g->ly, g->lx, h, cry, &ncy);
            sc = fmin(sc,
                      fmin(corner_score(crx, ncx, ay, g->ly), corner_score(cry, ncy, ax, g->lx)));
            if (sc > best) {
                best = sc;
                tx = ax;
                ty = ay;
            }
        }
    /* translate the pattern by (-tx, -ty), each seed back into the box with its cell */
    for (size_t k = 0; k < g->ngrains; k++) {
        double *s = &g->grains[3 * k], nx = s[0] - tx, ny = s[1] - ty, dx, dy;
        nx -= g->lx * floor(nx / g->lx);
        ny -= g->ly * floor(ny / g->ly);
        dx = nx - s[0];
        dy = ny - s[1];
        s[0] = nx;
        s[1] = ny;
        for (size_t i = g->poly_off[k]; i < g->poly_off[k + 1]; i++) {
            g->poly[2 * i] += dx;
            g->poly[2 * i + 1] += dy;
        }
    }
    if (nmerged)
        *nmerged = nm;
done:
    free(ifc);
    free(seg);
    free(crx);
    free(cry);
    return rc;
}

/* Emits the phase-1 polygons (grains: the phase-1 cells; polygons: all), with their periodic
 * images that reach into the box, as plane surfaces from tag 2; returns their number, the
 * largest perimeter in *maxlen. */
static int
put_polys(struct buf *b, const struct fe_geom *g, double eps, double *maxlen)
{
    int surf = 1;
    *maxlen = 0;
    for (size_t k = 0; k < g->npolys; k++) {
        const double *poly = &g->poly[2 * g->poly_off[k]];
        size_t u = g->poly_off[k + 1] - g->poly_off[k];
        double xmin = HUGE_VAL, xmax = -HUGE_VAL, ymin = HUGE_VAL, ymax = -HUGE_VAL, per = 0;
        int lim = g->kind == FE_GEOM_POLYGON ? 0 : 1;
        if ((g->kind == FE_GEOM_GRAINS && !g->gphase[k]) || u < 3)
            continue;
        for (size_t i = 0; i < u; i++) {
            xmin = fmin(xmin, poly[2 * i]);
            xmax = fmax(xmax, poly[2 * i]);
            ymin = fmin(ymin, poly[2 * i + 1]);
            ymax = fmax(ymax, poly[2 * i + 1]);
            per += hypot(poly[2 * ((i + 1) % u)] - poly[2 * i],
                         poly[2 * ((i + 1) % u) + 1] - poly[2 * i + 1]);
        }
        *maxlen = fmax(*maxlen, per);
        for (int i = -lim; i <= lim; i++)
            for (int j = -lim; j <= lim; j++) {
                double ox = i * g->lx, oy = j * g->ly;
                if (xmax + ox <= eps || xmin + ox >= g->lx - eps || ymax + oy <= eps ||
                    ymin + oy >= g->ly - eps)
                    continue;
                surf++;
                put(b, "// %s %zu (%d, %d)\np0 = newp;\nl0 = newl;\n",
                    g->kind == FE_GEOM_GRAINS ? "grain" : "polygon", k, i, j);
                for (size_t v = 0; v < u; v++)
                    put(b, "Point(p0 + %zu) = {%.17g, %.17g, 0};\n", v, poly[2 * v] + ox,
                        poly[2 * v + 1] + oy);
                for (size_t v = 0; v < u; v++)
                    put(b, "Line(l0 + %zu) = {p0 + %zu, p0 + %zu};\n", v, v, (v + 1) % u);
                put(b, "cl = newll;\nCurve Loop(cl) = {");
                for (size_t v = 0; v < u; v++)
                    put(b, v ? ", l0 + %zu" : "l0 + %zu", v);
                put(b, "};\nPlane Surface(%d) = {cl};\n", surf);
            }
    }
    return surf - 1;
}

/* Emits the stripes clipped to the box as plane surfaces from tag 2; returns their number. */
static int
put_stripes(struct buf *b, const struct fe_geom *g, double eps)
{
    double c = cos(g->angle), s = sin(g->angle), s0 = stripe_s0(g), smin = HUGE_VAL,
           smax = -HUGE_VAL;
    double corners[8] = {0, 0, g->lx, 0, g->lx, g->ly, 0, g->ly};
    int surf = 1;
    long k0, k1;
    for (int i = 0; i < 4; i++) {
        double v = corners[2 * i] * c + corners[2 * i + 1] * s;
        smin = fmin(smin, v);
        smax = fmax(smax, v);
    }
    k0 = (long)floor((smin - s0) / g->period) - 1;
    k1 = (long)ceil((smax - s0) / g->period) + 1;
    for (long k = k0; k <= k1; k++) {
        double lo = s0 + (double)k * g->period, hi = lo + g->fraction * g->period;
        double p1[16], p2[16], area = 0;
        size_t n = clip(corners, 4, c, s, lo, p1), m, u = 0;
        m = clip(p1, n, -c, -s, -hi, p2);
        /* drop repeated points (a band edge through a corner) */
        for (size_t i = 0; i < m; i++) {
            const double *a = &p2[2 * i], *z = u ? &p2[2 * (u - 1)] : NULL;
            if (z && hypot(a[0] - z[0], a[1] - z[1]) <= eps)
                continue;
            p2[2 * u] = a[0];
            p2[2 * u + 1] = a[1];
            u++;
        }
        while (u > 1 && hypot(p2[0] - p2[2 * (u - 1)], p2[1] - p2[2 * (u - 1) + 1]) <= eps)
            u--;
        for (size_t i = 0; i < u; i++) {
            const double *a = &p2[2 * i], *z = &p2[2 * ((i + 1) % u)];
            area += a[0] * z[1] - a[1] * z[0];
        }
        if (u < 3 || fabs(area) <= eps * (g->lx + g->ly))
            continue;
        surf++;
        put(b, "// stripe %ld\np0 = newp;\nl0 = newl;\n", k);
        for (size_t i = 0; i < u; i++)
            put(b, "Point(p0 + %zu) = {%.17g, %.17g, 0};\n", i, p2[2 * i], p2[2 * i + 1]);
        for (size_t i = 0; i < u; i++)
            put(b, "Line(l0 + %zu) = {p0 + %zu, p0 + %zu};\n", i, i, (i + 1) % u);
        put(b, "cl = newll;\nCurve Loop(cl) = {");
        for (size_t i = 0; i < u; i++)
            put(b, i ? ", l0 + %zu" : "l0 + %zu", i);
        put(b, "};\nPlane Surface(%d) = {cl};\n", surf);
    }
    return surf - 1;
}

/* Emits the disks (and their periodic images that reach into the box) from tag 2. */
static int
put_disks(struct buf *b, const struct fe_geom *g)
{
    int surf = 1;
    for (size_t k = 0; k < g->ndisks; k++) {
        const double *d = &g->disks[3 * k];
        int lim = g->kind == FE_GEOM_DISKS ? 1 : 0;
        for (int i = -lim; i <= lim; i++)
            for (int j = -lim; j <= lim; j++) {
                double cx = d[0] + i * g->lx, cy = d[1] + j * g->ly;
                if (cx + d[2] <= 0 || cx - d[2] >= g->lx || cy + d[2] <= 0 || cy - d[2] >= g->ly)
                    continue;
                put(b, "Disk(%d) = {%.17g, %.17g, 0, %.17g};\n", ++surf, cx, cy, d[2]);
            }
    }
    return surf - 1;
}

int
fe_geom_geo(const struct fe_geom *g, const struct fe_geo_opts *o, char **text, struct core_err *err)
{
    struct buf b = {NULL, 0, 0, 0};
    double l = fmax(g->lx, g->ly), eps = 1e-7 * l, maxlen;
    int nincl;
    *text = NULL;
    if (!(g->lx > 0 && g->ly > 0) || !isfinite(l))
        return core_err_set(err, CORE_EINPUT, "the box must have positive finite sides");
    if (!(o->size > 0) || !(o->size_iface > 0) || !(o->grade >= 0) || !isfinite(o->size) ||
        !isfinite(o->size_iface) || !isfinite(o->grade))
        return core_err_set(err, CORE_EINPUT, "element sizes must be > 0 and finite");
    if (g->kind == FE_GEOM_STRIPES &&
        (!(g->period > 0) || !isfinite(g->period) || !(g->fraction > 0 && g->fraction < 1) ||
         !isfinite(g->angle)))
        return core_err_set(err, CORE_EINPUT, "stripes need a period > 0 and a fraction in (0, 1)");
    b.cap = 4096;
    b.s = malloc(b.cap);
    if (!b.s)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    b.s[0] = '\0';
    put(&b,
        "// generated by fpms fe-mesh: a two-phase sheet, phase 1 in phase 0\n"
        "SetFactory(\"OpenCASCADE\");\n"
        "Geometry.OCCBoundsUseStl = 0;\n"
        "Lx = %.17g;\nLy = %.17g;\ne = %.17g;\n"
        "Rectangle(1) = {0, 0, 0, Lx, Ly};\n",
        g->lx, g->ly, eps);
    if (g->kind == FE_GEOM_STRIPES) {
        nincl = put_stripes(&b, g, eps);
        maxlen = hypot(g->lx, g->ly);
    } else if (g->kind == FE_GEOM_GRAINS) {
        nincl = put_polys(&b, g, eps, &maxlen);
        if (nincl > 1)
            put(&b,
                "Geometry.ToleranceBoolean = e;\n"
                "u() = BooleanUnion{ Surface{2}; Delete; }{ Surface{3:%d}; Delete; };\n"
                "v() = BooleanIntersection{ Surface{u()}; Delete; }{ Surface{1}; };\n",
                nincl + 1);
        else if (nincl == 1)
            put(&b, "v() = BooleanIntersection{ Surface{2}; Delete; }{ Surface{1}; };\n");
    } else if (g->kind == FE_GEOM_POLYGON || g->kind == FE_GEOM_POLYGONS) {
        nincl = put_polys(&b, g, eps, &maxlen);
        if (nincl > 0)
            put(&b, "v() = BooleanIntersection{ Surface{2:%d}; Delete; }{ Surface{1}; };\n",
                nincl + 1);
    } else {
        nincl = put_disks(&b, g);
        if (nincl > 0)
            put(&b, "BooleanIntersection{ Surface{2:%d}; Delete; }{ Surface{1}; }\n", nincl + 1);
        maxlen = 0;
        for (size_t k = 0; k < g->ndisks; k++)
            maxlen = fmax(maxlen, 2 * M_PI * g->disks[3 * k + 2]);
    }
    if (nincl > 0 &&
        (g->kind == FE_GEOM_GRAINS || g->kind == FE_GEOM_POLYGON || g->kind == FE_GEOM_POLYGONS))
        put(&b, "BooleanFragments{ Surface{1}; Delete; }{ Surface{v()}; Delete; }\n");
    else if (nincl > 0)
        put(&b, "BooleanFragments{ Surface{1}; Delete; }{ Surface{2:%d}; Delete; }\n", nincl + 1);
    put(&b, "bnd() = Curve In BoundingBox{-e, -e, -e, e, Ly + e, e};\n"
            "bnd() += Curve In BoundingBox{Lx - e, -e, -e, Lx + e, Ly + e, e};\n"
            "bnd() += Curve In BoundingBox{-e, -e, -e, Lx + e, e, e};\n"
            "bnd() += Curve In BoundingBox{-e, Ly - e, -e, Lx + e, Ly + e, e};\n"
            "ifc() = Curve{:};\nifc() -= bnd();\n");
    if (o->periodic)
        put(&b, "// periodic sides: each piece of the min side meshed as its image on the max "
                "side\n"
                "L() = Curve In BoundingBox{-e, -e, -e, e, Ly + e, e};\n"
                "For i In {0:#L()-1}\n"
                "  bb() = BoundingBox Curve{L(i)};\n"
                "  R() = Curve In BoundingBox{bb(0) - e + Lx, bb(1) - e, -e, bb(3) + e + Lx, "
                "bb(4) + e, e};\n"
                "  Periodic Curve{R(0)} = {L(i)} Translate{Lx, 0, 0};\n"
                "EndFor\n"
                "B() = Curve In BoundingBox{-e, -e, -e, Lx + e, e, e};\n"
                "For i In {0:#B()-1}\n"
                "  bb() = BoundingBox Curve{B(i)};\n"
                "  T() = Curve In BoundingBox{bb(0) - e, bb(1) - e + Ly, -e, bb(3) + e, "
                "bb(4) + e + Ly, e};\n"
                "  Periodic Curve{T(0)} = {B(i)} Translate{0, Ly, 0};\n"
                "EndFor\n");
    put(&b,
        "Mesh.MeshSizeMax = %.17g;\nMesh.MeshSizeMin = %.17g;\n"
        "Mesh.MeshSizeFromPoints = 0;\nMesh.MeshSizeExtendFromBoundary = 0;\n"
        "Mesh.MeshSizeFromCurvature = %d;\n",
        o->size, fmin(o->size, o->size_iface),
        g->kind == FE_GEOM_DISK || g->kind == FE_GEOM_DISKS ? 24 : 0);
    if (nincl > 0 && o->size_iface < o->size) {
        /* one sample per interface element: Debian's Gmsh lacks ANN, so the distance field
         * searches its samples exhaustively, and each one costs */
        double npts = ceil(1.5 * maxlen / o->size_iface) + 16;
        put(&b,
            "Field[1] = Distance;\nField[1].CurvesList = {ifc()};\n"
            "Field[1].NumPointsPerCurve = %.0f;\n"
            "Field[2] = Threshold;\nField[2].InField = 1;\n"
            "Field[2].SizeMin = %.17g;\nField[2].SizeMax = %.17g;\n"
            "Field[2].DistMin = 0;\nField[2].DistMax = %.17g;\n"
            "Background Field = 2;\n",
            fmin(npts, 1e6), fmin(o->size, o->size_iface), o->size, fmax(o->grade, 1e-12 * l));
    }
    if (b.nomem) {
        free(b.s);
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    }
    *text = b.s;
    return CORE_OK;
}
