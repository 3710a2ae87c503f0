/*
 * fe geometries: stripes, one disk, random periodic disks; the phase at a point; the Gmsh
 * .geo script that fe-mesh runs. See fe.h.
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
    fe_geom_init(g);
}

/* Minimum-image offset of a along a period l. */
static double
wrap(double a, double l)
{
    return a - l * floor(a / l + 0.5);
}

int
fe_geom_place_disks(struct fe_geom *g, double fraction, double radius, double gap, uint64_t seed,
                    size_t maxtries, struct core_err *err)
{
    double area = g->lx * g->ly, r, dmin;
    size_t n, tries = 0, attempt = 0;
    free(g->disks);
    g->disks = NULL;
    g->ndisks = 0;
    g->kind = FE_GEOM_DISKS;
    if (!(g->lx > 0 && g->ly > 0 && isfinite(area)))
        return core_err_set(err, CORE_EINPUT, "the box must have positive finite sides");
    if (!(fraction > 0 && fraction < 1))
        return core_err_set(err, CORE_EINPUT, "the area fraction must lie in (0, 1)");
    if (!(radius > 0) || !isfinite(radius) || !(gap >= 0) || !isfinite(gap))
        return core_err_set(err, CORE_EINPUT, "the radius must be > 0 and the gap >= 0");
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
    if (g->kind == FE_GEOM_GRAINS) {
        double best = HUGE_VAL;
        int ph = 0;
        for (size_t k = 0; k < g->ngrains; k++) {
            double dx = wrap(x - g->grains[3 * k], g->lx),
                   dy = wrap(y - g->grains[3 * k + 1], g->ly);
            if (dx * dx + dy * dy < best) {
                best = dx * dx + dy * dy;
                ph = g->gphase[k];
            }
        }
        return ph;
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

int
fe_geom_place_grains(struct fe_geom *g, size_t ngrains, double fraction, uint64_t seed,
                     struct core_err *err)
{
    double area = g->lx * g->ly, a1 = 0, target = fraction * area;
    struct near *nb = NULL;
    double *poly = NULL, *tmp = NULL;
    size_t *order = NULL, n1 = 0;
    free(g->grains);
    free(g->gphase);
    g->grains = NULL;
    g->gphase = NULL;
    g->ngrains = 0;
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
    for (size_t i = 0; i < ngrains; i++)
        g->grains[3 * i + 2] = poly_area(poly, grain_cell(g, i, nb, poly, tmp));
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

/* Emits the phase-1 cells (and their periodic images that reach into the box) from tag 2;
 * returns their number, the largest perimeter in *maxlen. */
static int
put_grains(struct buf *b, const struct fe_geom *g, double eps, double *maxlen)
{
    int surf = 1;
    struct near *nb = malloc(9 * g->ngrains * sizeof *nb);
    double *poly = malloc(2 * (9 * g->ngrains + 4) * sizeof *poly),
           *tmp = malloc(2 * (9 * g->ngrains + 4) * sizeof *tmp);
    *maxlen = 0;
    if (!nb || !poly || !tmp) {
        b->nomem = 1;
        free(nb), free(poly), free(tmp);
        return 0;
    }
    for (size_t k = 0; k < g->ngrains; k++) {
        size_t n, u = 0;
        double xmin = HUGE_VAL, xmax = -HUGE_VAL, ymin = HUGE_VAL, ymax = -HUGE_VAL, per = 0;
        if (!g->gphase[k])
            continue;
        n = grain_cell(g, k, nb, poly, tmp);
        /* drop repeated points */
        for (size_t i = 0; i < n; i++) {
            const double *a = &poly[2 * i], *z = u ? &poly[2 * (u - 1)] : NULL;
            if (z && hypot(a[0] - z[0], a[1] - z[1]) <= eps)
                continue;
            poly[2 * u] = a[0];
            poly[2 * u + 1] = a[1];
            u++;
        }
        while (u > 1 && hypot(poly[0] - poly[2 * (u - 1)], poly[1] - poly[2 * (u - 1) + 1]) <= eps)
            u--;
        if (u < 3)
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
        for (int i = -1; i <= 1; i++)
            for (int j = -1; j <= 1; j++) {
                double ox = i * g->lx, oy = j * g->ly;
                if (xmax + ox <= eps || xmin + ox >= g->lx - eps || ymax + oy <= eps ||
                    ymin + oy >= g->ly - eps)
                    continue;
                surf++;
                put(b, "// grain %zu (%d, %d)\np0 = newp;\nl0 = newl;\n", k, i, j);
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
    free(nb), free(poly), free(tmp);
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
        nincl = put_grains(&b, g, eps, &maxlen);
        if (nincl > 1)
            put(&b,
                "Geometry.ToleranceBoolean = e;\n"
                "u() = BooleanUnion{ Surface{2}; Delete; }{ Surface{3:%d}; Delete; };\n"
                "v() = BooleanIntersection{ Surface{u()}; Delete; }{ Surface{1}; };\n",
                nincl + 1);
        else if (nincl == 1)
            put(&b, "v() = BooleanIntersection{ Surface{2}; Delete; }{ Surface{1}; };\n");
    } else {
        nincl = put_disks(&b, g);
        if (nincl > 0)
            put(&b, "BooleanIntersection{ Surface{2:%d}; Delete; }{ Surface{1}; }\n", nincl + 1);
        maxlen = 0;
        for (size_t k = 0; k < g->ndisks; k++)
            maxlen = fmax(maxlen, 2 * M_PI * g->disks[3 * k + 2]);
    }
    if (nincl > 0 && g->kind == FE_GEOM_GRAINS)
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
        g->kind == FE_GEOM_STRIPES || g->kind == FE_GEOM_GRAINS ? 0 : 24);
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
