/*
 * fe_test: lib/fe (meshes, interface splitting, periodic pairing, heat conduction,
 * homogenisation, the solvers, geometries) and the formats it uses (formats/gmsh, formats/vtu).
 *
 * Closed forms, each exact for P1 or converging at a known rate:
 *   - layered laminates with interface conductance: in series 1/k_eff = sum f_i/k_i +
 *     sum_interfaces 1/(G_j L), in parallel k_eff = sum f_i k_i; P1 is exact (the solution is
 *     piecewise linear), so the error is the solver tolerance; periodic and slab agree;
 *   - a rotated anisotropic tensor in one phase comes back unchanged;
 *   - a circular inclusion with interface conductance in a periodic square cell against
 *     Hasselman & Johnson, J. Compos. Mater. 21 (1987) 508 (Maxwell-Garnett in 2D with
 *     k_i -> k_i / (1 + k_i/(a G))), and the "invisible" inclusion, a = k_m k_i/(G (k_i - k_m)),
 *     for which k_eff = k_m exactly whatever the arrangement;
 *   - second-order convergence of the temperature in L2 for a harmonic manufactured solution
 *     T = exp(a x) sin(b y) of an anisotropic phase (kxx a^2 = kyy b^2).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../formats/gmsh.h"
#include "../../formats/vtu.h"
#include "../../lib/fe/fe.h"
#include "../tap.h"

/* ---- structured meshes ---- */

typedef int (*phase_fn)(double x, double y, const void *ctx);

enum { G_LEFT, G_RIGHT, G_BOTTOM, G_TOP, G_IFACE }; /* groups of grid(); interfaces from 4 */

struct tedge {
    size_t a, b, t;
};

static int
cmp_tedge(const void *p, const void *q)
{
    const struct tedge *x = p, *y = q;
    if (x->a != y->a)
        return x->a < y->a ? -1 : 1;
    if (x->b != y->b)
        return x->b < y->b ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

/*
 * An nx x ny grid on [0, lx] x [0, ly] (m), cells split into two triangles with alternating
 * diagonals; phase of a triangle from its centroid. Line elements: the four sides (groups
 * 0..3) and every edge between two phases, in group 4 + iface(pa, pb) where iface maps a
 * phase pair to a group offset (NULL: all in group 4).
 */
static void
grid(struct fe_mesh *m, size_t nx, size_t ny, double lx, double ly, size_t nphases, phase_fn phase,
     const void *ctx, int (*iface)(int, int), size_t ngroups)
{
    struct core_err err = {0, ""};
    size_t nn = (nx + 1) * (ny + 1), nt = 2 * nx * ny, ne = 0, cap = 2 * (nx + ny) + 3 * nt;
    struct tedge *te = malloc(3 * nt * sizeof *te);
    fe_mesh_init(m);
    if (fe_mesh_alloc(m, nn, nt, cap, &err))
        abort();
    for (size_t j = 0; j <= ny; j++)
        for (size_t i = 0; i <= nx; i++) {
            m->xy[2 * (j * (nx + 1) + i)] = lx * (double)i / (double)nx;
            m->xy[2 * (j * (nx + 1) + i) + 1] = ly * (double)j / (double)ny;
        }
    for (size_t j = 0; j < ny; j++)
        for (size_t i = 0; i < nx; i++) {
            size_t n0 = j * (nx + 1) + i, n1 = n0 + 1, n2 = n0 + nx + 2, n3 = n0 + nx + 1;
            size_t *t = &m->tri[6 * (j * nx + i)];
            if ((i + j) % 2) {
                size_t v[6] = {n0, n1, n2, n0, n2, n3};
                memcpy(t, v, sizeof v);
            } else {
                size_t v[6] = {n0, n1, n3, n1, n2, n3};
                memcpy(t, v, sizeof v);
            }
        }
    for (size_t e = 0; e < nt; e++) {
        double cx = 0, cy = 0;
        for (int k = 0; k < 3; k++) {
            cx += m->xy[2 * m->tri[3 * e + k]] / 3;
            cy += m->xy[2 * m->tri[3 * e + k] + 1] / 3;
        }
        m->tri_phase[e] = phase ? phase(cx, cy, ctx) : 0;
        for (int k = 0; k < 3; k++) {
            size_t a = m->tri[3 * e + k], b = m->tri[3 * e + (k + 1) % 3];
            te[3 * e + k] = (struct tedge){a < b ? a : b, a < b ? b : a, e};
        }
    }
    for (size_t i = 0; i < nx; i++) {
        m->edge[2 * ne] = i;
        m->edge[2 * ne + 1] = i + 1;
        m->edge_group[ne++] = G_BOTTOM;
        m->edge[2 * ne] = ny * (nx + 1) + i;
        m->edge[2 * ne + 1] = ny * (nx + 1) + i + 1;
        m->edge_group[ne++] = G_TOP;
    }
    for (size_t j = 0; j < ny; j++) {
        m->edge[2 * ne] = j * (nx + 1);
        m->edge[2 * ne + 1] = (j + 1) * (nx + 1);
        m->edge_group[ne++] = G_LEFT;
        m->edge[2 * ne] = j * (nx + 1) + nx;
        m->edge[2 * ne + 1] = (j + 1) * (nx + 1) + nx;
        m->edge_group[ne++] = G_RIGHT;
    }
    qsort(te, 3 * nt, sizeof *te, cmp_tedge);
    for (size_t k = 0; k + 1 < 3 * nt; k++) {
        const struct tedge *x = &te[k], *y = &te[k + 1];
        int pa, pb;
        if (x->a != y->a || x->b != y->b)
            continue;
        pa = m->tri_phase[x->t];
        pb = m->tri_phase[y->t];
        if (pa == pb)
            continue;
        m->edge[2 * ne] = x->a;
        m->edge[2 * ne + 1] = x->b;
        m->edge_group[ne++] = G_IFACE + (iface ? iface(pa, pb) : 0);
    }
    m->nedges = ne;
    m->nphases = nphases;
    m->ngroups = ngroups;
    free(te);
    if (fe_mesh_check(m, &err))
        abort();
}

/* ---- laminates ---- */

struct layers {
    size_t n;
    double x[4]; /* phase i on [x[i], x[i+1]) as fractions of the box, wrapping at 1 */
};

/* Three layers: A on [0.1, 0.4), B on [0.4, 0.7), C elsewhere (across the periodic side). */
static int
three_layers(double x, double y, const void *ctx)
{
    double lx = *(const double *)ctx, u = x / lx;
    (void)y;
    return u >= 0.1 && u < 0.4 ? 0 : u >= 0.4 && u < 0.7 ? 1 : 2;
}

/* Interface group offset of a phase pair: A/B 0, B/C 1, C/A 2. */
static int
three_ifaces(int a, int b)
{
    int lo = a < b ? a : b, hi = a < b ? b : a;
    return lo == 0 && hi == 1 ? 0 : lo == 1 && hi == 2 ? 1 : 2;
}

static void
test_laminate(enum fe_solver solver)
{
    const char *sn = fe_solver_name(solver);
    struct fe_mesh m;
    struct core_err err = {0, ""};
    struct fe_solve_opts o = FE_SOLVE_OPTS_DEFAULT;
    struct fe_solve_stats st;
    double lx = 1.3e-6, ly = 0.7e-6;
    /* anisotropic phases (kxx, kyy, kxy), W/(m K); conductances W/(m^2 K) */
    double kappa[9] = {137.5, 91.25, 0, 6.125, 21.75, 0, 48.0625, 48.0625, 0};
    double gcond[7] = {0, 0, 0, 0, 3.7e8, 1.15e8, 9.1e8};
    unsigned char cut[7] = {0, 0, 0, 0, 1, 1, 1};
    double keff[3], kslab[2], frac[3] = {0.3, 0.3, 0.4}, r = 0, par = 0;
    size_t nn0;
    int rc;
    o.solver = solver;
    grid(&m, 30, 7, lx, ly, 3, three_layers, &lx, three_ifaces, 7);
    nn0 = m.nnodes;
    rc = fe_mesh_split(&m, cut, &err);
    is_int(rc, CORE_OK, "%s: split a three-layer laminate", sn);
    is_int((long)m.nifaces, 3 * 7, "%s: 3 interfaces x 7 edges", sn);
    is_int((long)(m.nnodes - nn0), 3 * 8, "%s: each interface node doubled", sn);
    for (int i = 0; i < 3; i++) {
        r += frac[i] * lx / kappa[3 * i];
        par += frac[i] * kappa[3 * i + 1];
    }
    for (int j = 0; j < 3; j++)
        r += 1 / gcond[4 + j];
    rc = fe_heat_homog(&m, kappa, gcond, &o, 1e-8, keff, NULL, NULL, &st, &err);
    is_int(rc, CORE_OK, "%s: periodic homogenisation %s", sn, rc ? err.msg : "");
    is_rel(keff[0], lx / r, 1e-9, "%s: series kxx = L / (sum l_i/k_i + sum 1/G_j)", sn);
    is_rel(keff[1], par, 1e-9, "%s: parallel kyy = sum f_i k_i (interfaces idle)", sn);
    is_abs(keff[2], 0, 1e-9 * par, "%s: kxy = 0", sn);
    is_int((long)st.solver, solver, "%s: solver used", sn);
    is_int((long)st.npinned, 1, "%s: one node pinned for the periodic constant", sn);
    ok(st.ndofs > 0 && st.nnz > st.ndofs, "%s: %zu unknowns, %zu nonzeros", sn, st.ndofs, st.nnz);
    rc = fe_heat_slab(&m, kappa, gcond, &o, 1e-8, kslab, NULL, NULL, &st, &err);
    is_int(rc, CORE_OK, "%s: slab %s", sn, rc ? err.msg : "");
    is_rel(kslab[0], lx / r, 1e-9, "%s: slab kxx = series", sn);
    is_rel(kslab[1], par, 1e-9, "%s: slab kyy = parallel", sn);
    fe_mesh_release(&m);
}

/* One phase with a rotated tensor: the homogenised tensor is the tensor. */
static void
test_rotated(void)
{
    struct fe_mesh m;
    struct core_err err = {0, ""};
    struct fe_solve_opts o = FE_SOLVE_OPTS_DEFAULT;
    double th = 0.4363, k1 = 312.5, k2 = 17.25, c = cos(th), s = sin(th), keff[3];
    double kappa[3] = {k1 * c * c + k2 * s * s, k1 * s * s + k2 * c * c, (k1 - k2) * c * s};
    grid(&m, 9, 13, 2e-7, 3e-7, 1, NULL, NULL, NULL, 5);
    o.solver = FE_SOLVER_PCG;
    is_int(fe_heat_homog(&m, kappa, NULL, &o, 1e-8, keff, NULL, NULL, NULL, &err), CORE_OK,
           "rotated tensor: homogenisation");
    is_rel(keff[0], kappa[0], 1e-9, "rotated tensor: kxx");
    is_rel(keff[1], kappa[1], 1e-9, "rotated tensor: kyy");
    is_rel(keff[2], kappa[2], 1e-9, "rotated tensor: kxy");
    fe_mesh_release(&m);
}

/* ---- manufactured solution ---- */

static double
exact(double x, double y)
{
    return exp(0.5 * M_PI * x) * sin(M_PI * y);
}

/* L2 error of the P1 field t against exact(), 3-point rule (degree 2). */
static double
l2_error(const struct fe_mesh *m, const double *t)
{
    static const double w[3][3] = {
        {2. / 3, 1. / 6, 1. / 6}, {1. / 6, 2. / 3, 1. / 6}, {1. / 6, 1. / 6, 2. / 3}};
    double s = 0;
    for (size_t e = 0; e < m->ntris; e++) {
        const size_t *v = &m->tri[3 * e];
        const double *p0 = &m->xy[2 * v[0]], *p1 = &m->xy[2 * v[1]], *p2 = &m->xy[2 * v[2]];
        double a =
            0.5 * fabs((p1[0] - p0[0]) * (p2[1] - p0[1]) - (p1[1] - p0[1]) * (p2[0] - p0[0]));
        for (int q = 0; q < 3; q++) {
            double x = w[q][0] * p0[0] + w[q][1] * p1[0] + w[q][2] * p2[0];
            double y = w[q][0] * p0[1] + w[q][1] * p1[1] + w[q][2] * p2[1];
            double th = w[q][0] * t[v[0]] + w[q][1] * t[v[1]] + w[q][2] * t[v[2]];
            s += a / 3 * (th - exact(x, y)) * (th - exact(x, y));
        }
    }
    return sqrt(s);
}

static void
test_convergence(void)
{
    double kappa[3] = {4, 1, 0}, err2[4];
    size_t ns[4] = {8, 16, 32, 64};
    for (int r = 0; r < 4; r++) {
        struct fe_mesh m;
        struct fe_heat *h = NULL;
        struct core_err err = {0, ""};
        struct fe_solve_opts o = FE_SOLVE_OPTS_DEFAULT;
        unsigned char *fixed;
        double *tfix, *t;
        int rc;
        grid(&m, ns[r], ns[r], 1, 1, 1, NULL, NULL, NULL, 5);
        fixed = calloc(m.nnodes, 1);
        tfix = calloc(m.nnodes, sizeof *tfix);
        t = calloc(m.nnodes, sizeof *t);
        for (size_t e = 0; e < m.nedges; e++)
            for (int k = 0; k < 2; k++) {
                size_t i = m.edge[2 * e + k];
                fixed[i] = 1;
                tfix[i] = exact(m.xy[2 * i], m.xy[2 * i + 1]);
            }
        o.solver = r % 2 ? FE_SOLVER_PCG : FE_SOLVER_AUTO;
        rc = fe_heat_plan(&h, &m, kappa, NULL, NULL, fixed, &o, &err);
        if (!rc)
            rc = fe_heat_exec(h, NULL, tfix, NULL, t, &err);
        is_int(rc, CORE_OK, "manufactured solution on %zu x %zu %s", ns[r], ns[r],
               rc ? err.msg : "");
        err2[r] = l2_error(&m, t);
        if (r > 0) {
            double rate = log2(err2[r - 1] / err2[r]);
            ok(rate > 1.9 && rate < 2.1, "L2 error %.3e, rate %.3f (P1: 2)", err2[r], rate);
        }
        fe_heat_free(h);
        free(fixed);
        free(tfix);
        free(t);
        fe_mesh_release(&m);
    }
}

/* ---- a circular inclusion (O-grid mesh) ---- */

/* Point of the square [0, l]^2 boundary seen from its centre at angle th. */
static void
square_point(double l, double th, double p[2])
{
    double c = cos(th), s = sin(th), q = fmax(fabs(c), fabs(s));
    p[0] = 0.5 * l + 0.5 * l * c / q;
    p[1] = 0.5 * l + 0.5 * l * s / q;
}

/*
 * A periodic square cell of side l with a disk of radius a at its centre: a polar grid of nin
 * rings inside, nout rings blending from the circle to the square outside, na points per ring
 * (a multiple of 8, so the corners are nodes and opposite sides match). Phase 1 inside; the
 * circle's edges in group 4.
 */
static void
disk_mesh(struct fe_mesh *m, double l, double a, size_t na, size_t nin, size_t nout)
{
    struct core_err err = {0, ""};
    size_t nrings = nin + nout, nn = 1 + na * nrings, nt = na + 2 * na * (nrings - 1), t = 0;
    fe_mesh_init(m);
    if (fe_mesh_alloc(m, nn, nt, na, &err))
        abort();
    m->xy[0] = m->xy[1] = 0.5 * l;
    for (size_t r = 1; r <= nrings; r++)
        for (size_t k = 0; k < na; k++) {
            double th = 2 * M_PI * (double)k / (double)na, *p = &m->xy[2 * (1 + (r - 1) * na + k)];
            if (r <= nin) {
                double rr = a * (double)r / (double)nin;
                p[0] = 0.5 * l + rr * cos(th);
                p[1] = 0.5 * l + rr * sin(th);
            } else {
                double sq[2], s = pow((double)(r - nin) / (double)nout, 1.3);
                square_point(l, th, sq);
                p[0] = (1 - s) * (0.5 * l + a * cos(th)) + s * sq[0];
                p[1] = (1 - s) * (0.5 * l + a * sin(th)) + s * sq[1];
            }
        }
    for (size_t k = 0; k < na; k++) {
        size_t k1 = (k + 1) % na;
        m->tri[3 * t] = 0;
        m->tri[3 * t + 1] = 1 + k;
        m->tri[3 * t + 2] = 1 + k1;
        m->tri_phase[t++] = 1;
    }
    for (size_t r = 1; r < nrings; r++)
        for (size_t k = 0; k < na; k++) {
            size_t k1 = (k + 1) % na, i0 = 1 + (r - 1) * na, i1 = 1 + r * na;
            size_t v[6] = {i0 + k, i1 + k, i1 + k1, i0 + k, i1 + k1, i0 + k1};
            memcpy(&m->tri[3 * t], v, sizeof v);
            m->tri_phase[t] = m->tri_phase[t + 1] = r < nin ? 1 : 0;
            t += 2;
        }
    for (size_t k = 0; k < na; k++) {
        m->edge[2 * k] = 1 + (nin - 1) * na + k;
        m->edge[2 * k + 1] = 1 + (nin - 1) * na + (k + 1) % na;
        m->edge_group[k] = G_IFACE;
    }
    m->nphases = 2;
    m->ngroups = 5;
    if (fe_mesh_check(m, &err))
        abort();
}

/* Hasselman-Johnson (cylinders): Maxwell-Garnett with k_i / (1 + k_i / (a G)). */
static double
hasselman_johnson(double km, double ki, double a, double g, double f)
{
    double ke = ki / (1 + ki / (a * g));
    return km * (ke + km + f * (ke - km)) / (ke + km - f * (ke - km));
}

static void
test_disk(void)
{
    struct fe_mesh m;
    struct core_err err = {0, ""};
    struct fe_solve_opts o = FE_SOLVE_OPTS_DEFAULT;
    double l = 1e-7, a = 1.2e-8, km = 10, ki = 100, kappa[6] = {km, km, 0, ki, ki, 0};
    double gcond[5] = {0, 0, 0, 0, ki / a}, cut_area[2], keff[3], f, aeff, want;
    unsigned char cut[5] = {0, 0, 0, 0, 1};
    disk_mesh(&m, l, a, 192, 24, 40);
    ok(fe_mesh_min_angle(&m) > 1, "O-grid: min angle %.1f deg", fe_mesh_min_angle(&m));
    is_int(fe_mesh_split(&m, cut, &err), CORE_OK, "disk: split the circle");
    fe_mesh_area(&m, cut_area);
    f = cut_area[1] / (l * l);
    aeff = sqrt(cut_area[1] / M_PI);
    o.solver = FE_SOLVER_PCG;
    is_int(fe_heat_homog(&m, kappa, gcond, &o, 1e-8, keff, NULL, NULL, NULL, &err), CORE_OK,
           "disk: homogenisation");
    want = hasselman_johnson(km, ki, aeff, gcond[4], f);
    is_rel(keff[0], want, 1e-4, "disk f = %.4f, k_i/(aG) = 1: kxx vs Hasselman-Johnson %.6g", f,
           want);
    is_rel(keff[1], keff[0], 1e-9, "disk: kyy = kxx (square symmetry)");
    is_abs(keff[2], 0, 1e-9 * km, "disk: kxy = 0");
    /* thermally invisible: a G = k_m k_i / (k_i - k_m) */
    gcond[4] = km * ki / (aeff * (ki - km));
    is_int(fe_heat_homog(&m, kappa, gcond, &o, 1e-8, keff, NULL, NULL, NULL, &err), CORE_OK,
           "invisible disk: homogenisation");
    is_rel(keff[0], km, 1e-5, "invisible disk: k_eff = k_m");
    /* no interface resistance (G -> infinity is the unsplit mesh), against Maxwell-Garnett */
    fe_mesh_release(&m);
    disk_mesh(&m, l, a, 192, 24, 40);
    fe_mesh_area(&m, cut_area);
    is_int(fe_heat_homog(&m, kappa, gcond, &o, 1e-8, keff, NULL, NULL, NULL, &err), CORE_OK,
           "perfect disk: homogenisation");
    is_rel(keff[0], hasselman_johnson(km, ki, aeff, HUGE_VAL, f), 2e-4,
           "perfect disk: Maxwell-Garnett");
    fe_mesh_release(&m);
}

/* ---- lib/fe error paths, splitting junctions, periodic pairing ---- */

static int
quadrant(double x, double y, const void *ctx)
{
    (void)ctx;
    return (x >= 0.5) + 2 * (y >= 0.5);
}

/* Which side of node i along y its triangles lie on: the sign of their mean centroid offset. */
static int
fan_side(const struct fe_mesh *m, size_t i)
{
    double s = 0;
    for (size_t e = 0; e < m->ntris; e++)
        for (int k = 0; k < 3; k++)
            if (m->tri[3 * e + k] == i)
                for (int j = 0; j < 3; j++)
                    s += m->xy[2 * m->tri[3 * e + j] + 1] - m->xy[2 * i + 1];
    return s > 1e-12 ? 1 : s < -1e-12 ? -1 : 0;
}

static void
test_mesh_paths(void)
{
    struct fe_mesh m;
    struct core_err err = {0, ""};
    struct fe_solve_opts o = FE_SOLVE_OPTS_DEFAULT;
    struct fe_heat *h = NULL;
    unsigned char cut[5] = {0, 0, 0, 0, 1}, cutb[5] = {1, 0, 0, 0, 0};
    size_t *master, nn0;
    double kappa[12] = {1, 1, 0, 2, 2, 0, 3, 3, 0, 4, 4, 0}, gcond[5] = {0, 0, 0, 0, 1};
    double keff[3];

    /* four quadrants: the centre node gets four copies, the side midpoints two */
    grid(&m, 4, 4, 1, 1, 4, quadrant, NULL, NULL, 5);
    nn0 = m.nnodes;
    is_int(fe_mesh_split(&m, cut, &err), CORE_OK, "quadrants: split");
    is_int((long)(m.nnodes - nn0), 3 + 4 * 1 + 4 * 1,
           "quadrants: centre x4, 4 inner nodes x2, "
           "4 side midpoints x2");
    is_int((long)m.nifaces, 8, "quadrants: 8 interface elements");
    is_int(fe_mesh_split(&m, cut, &err), CORE_EINPUT, "a second split is refused");
    ok(strstr(err.msg, "already split") != NULL, "  message: %s", err.msg);
    master = malloc(m.nnodes * sizeof *master);
    is_int(fe_mesh_periodic(&m, FE_PERIODIC_X | FE_PERIODIC_Y, 1e-9, master, &err), CORE_OK,
           "quadrants: periodic pairing of split nodes %s", err.msg);
    {
        /* each right-side node pairs with a left-side node at the same y; of the two copies
         * at y = 0.5, the one whose triangles lie above pairs with the one above */
        int good = 1;
        for (size_t i = 0; i < m.nnodes; i++)
            if (fabs(m.xy[2 * i] - 1) < 1e-12 && fabs(m.xy[2 * i + 1] - 1) > 1e-12) {
                size_t j = master[i];
                good &=
                    fabs(m.xy[2 * j]) < 1e-12 && fabs(m.xy[2 * j + 1] - m.xy[2 * i + 1]) < 1e-12;
                good &= fan_side(&m, i) == fan_side(&m, j);
            }
        ok(good, "quadrants: right side pairs with left side, copy by copy");
        is_int((long)master[24], 0, "quadrants: the (xmax, ymax) corner maps to node 0");
    }
    /* four phases with interface resistance: a positive definite tensor below the mean */
    o.solver = FE_SOLVER_PCG;
    is_int(fe_heat_homog(&m, kappa, gcond, &o, 1e-9, keff, NULL, NULL, NULL, &err), CORE_OK,
           "quadrants: homogenisation %s", err.msg);
    ok(keff[0] > 0 && keff[0] < 2.5 && keff[1] > 0 && keff[1] < 2.5 &&
           keff[0] * keff[1] > keff[2] * keff[2],
       "quadrants: kxx %.6g kyy %.6g kxy %.3g below the mean", keff[0], keff[1], keff[2]);
    /* bad parameters */
    kappa[3] = -1;
    is_int(fe_heat_homog(&m, kappa, gcond, &o, 1e-9, keff, NULL, NULL, NULL, &err), CORE_EINPUT,
           "a negative conductivity is refused");
    ok(strstr(err.msg, "phase 1") != NULL, "  message: %s", err.msg);
    kappa[3] = 2;
    kappa[5] = 3; /* kxy^2 > kxx kyy */
    is_int(fe_heat_plan(&h, &m, kappa, gcond, NULL, NULL, &o, &err), CORE_EINPUT,
           "a tensor that is not positive definite is refused");
    kappa[5] = 0;
    gcond[4] = NAN;
    is_int(fe_heat_plan(&h, &m, kappa, gcond, NULL, NULL, &o, &err), CORE_EINPUT,
           "a NaN conductance is refused");
    ok(strstr(err.msg, "conductance of group 4") != NULL, "  message: %s", err.msg);
    gcond[4] = 0; /* adiabatic interfaces: four floating quadrants, each pinned */
    is_int(fe_heat_plan(&h, &m, kappa, gcond, NULL, NULL, &o, &err), CORE_OK,
           "G = 0: four floating regions are pinned");
    is_int((long)fe_heat_stats(h)->npinned, 4, "  4 pinned nodes");
    fe_heat_free(h);
    h = NULL;
    gcond[4] = 1;
    {
        /* a master that is not its own master (fe_number: one unknown per node, or two) */
        size_t slave = 0, m0 = master[0];
        while (slave < m.nnodes && master[slave] == slave)
            slave++;
        double *cm = malloc(9 * m.nphases * sizeof *cm);
        for (size_t p = 0; p < m.nphases; p++) {
            const double iso[9] = {16.0 / 15, 4.0 / 15, 0, 4.0 / 15, 16.0 / 15, 0, 0, 0, 0.4};
            memcpy(cm + 9 * p, iso, sizeof iso);
        }
        struct fe_elast *he = NULL;
        is_int(fe_heat_plan(&h, &m, kappa, gcond, master, NULL, &o, &err), CORE_OK,
               "quadrants: the periodic plan");
        fe_heat_free(h);
        h = NULL;
        is_int(fe_elast_plan(&he, &m, cm, master, NULL, &o, &err), CORE_OK,
               "quadrants: the periodic elastic plan");
        fe_elast_free(he);
        he = NULL;
        master[0] = slave;
        ok(slave < m.nnodes &&
               fe_heat_plan(&h, &m, kappa, gcond, master, NULL, &o, &err) == CORE_EINPUT &&
               strstr(err.msg, "bad periodic master of node 1") != NULL,
           "heat: a master that is not its own is refused: %s", err.msg);
        ok(fe_elast_plan(&he, &m, cm, master, NULL, &o, &err) == CORE_EINPUT &&
               strstr(err.msg, "bad periodic master of node 1") != NULL && he == NULL,
           "elasticity: the same: %s", err.msg);
        master[0] = m0;
        free(cm);
    }
    o.rtol = 0;
    is_int(fe_heat_plan(&h, &m, kappa, gcond, NULL, NULL, &o, &err), CORE_EINPUT,
           "rtol 0 is refused");
    free(master);
    fe_mesh_release(&m);
    grid(&m, 40, 40, 1, 1, 4, quadrant, NULL, NULL, 5);
    o.rtol = 1e-14;
    o.maxiter = 1;
    is_int(fe_heat_homog(&m, kappa, gcond, &o, 1e-9, keff, NULL, NULL, NULL, &err), CORE_ENOCONV,
           "one PCG iteration does not converge");
    ok(strstr(err.msg, "not converged after 1 iterations") != NULL, "  message: %s", err.msg);
    fe_mesh_release(&m);

    /* splitting along the boundary is refused: a side edge has one triangle */
    grid(&m, 3, 3, 1, 1, 1, NULL, NULL, NULL, 5);
    is_int(fe_mesh_split(&m, cutb, &err), CORE_EINPUT, "splitting a boundary is refused");
    ok(strstr(err.msg, "borders 1 triangle,") != NULL, "  message: %s", err.msg);
    /* a mesh that is not periodic */
    master = malloc(m.nnodes * sizeof *master);
    {
        struct fe_mesh c;
        fe_mesh_init(&c);
        grid(&c, 3, 3, 1, 1, 1, NULL, NULL, NULL, 5);
        c.xy[2 * 7 + 1] += 0.05; /* node (1, 1/3): its y moves, its left partner stays */
        is_int(fe_mesh_periodic(&c, FE_PERIODIC_X, 1e-9, master, &err), CORE_EINPUT,
               "a mesh that is not periodic is refused");
        ok(strstr(err.msg, "no partner on the left side") != NULL, "  message: %s", err.msg);
        c.xy[2 * 3] -= 0.01; /* a node leaves the right side: counts differ */
        is_int(fe_mesh_periodic(&c, FE_PERIODIC_X, 1e-9, master, &err), CORE_EINPUT,
               "unequal side counts are refused");
        ok(strstr(err.msg, "4 nodes on the left side, 3 on the right") != NULL, "  message: %s",
           err.msg);
        fe_mesh_release(&c);
    }
    free(master);
    fe_mesh_release(&m);

    /* check: zero area, bad indices, orientation */
    grid(&m, 1, 1, 1, 1, 1, NULL, NULL, NULL, 5);
    {
        size_t t = m.tri[1];
        m.tri[1] = m.tri[2];
        m.tri[2] = t;
    }
    is_int(fe_mesh_check(&m, &err), CORE_OK, "a clockwise triangle is accepted");
    ok(fe_mesh_area(&m, NULL) > 0.999999 && fe_mesh_area(&m, NULL) < 1.000001, "  and turned");
    is_rel(fe_mesh_min_angle(&m), 45, 1e-12, "min angle of a split square: 45 deg");
    m.xy[2 * m.tri[2]] = m.xy[2 * m.tri[0]];
    m.xy[2 * m.tri[2] + 1] = m.xy[2 * m.tri[0] + 1];
    is_int(fe_mesh_check(&m, &err), CORE_EINPUT, "a zero-area triangle is refused");
    ok(strstr(err.msg, "zero area") != NULL, "  message: %s", err.msg);
    fe_mesh_release(&m);
    grid(&m, 1, 1, 1, 1, 1, NULL, NULL, NULL, 5);
    m.tri[4] = 99;
    is_int(fe_mesh_check(&m, &err), CORE_EINPUT, "a node index out of range is refused");
    m.tri[4] = 1;
    m.tri_phase[1] = 3;
    is_int(fe_mesh_check(&m, &err), CORE_EINPUT, "a phase out of range is refused");
    m.tri_phase[1] = 0;
    m.edge_group[0] = 7;
    is_int(fe_mesh_check(&m, &err), CORE_EINPUT, "a group out of range is refused");
    m.edge_group[0] = 0;
    m.edge[1] = m.edge[0];
    is_int(fe_mesh_check(&m, &err), CORE_EINPUT, "a zero-length line element is refused");
    m.edge[1] = 99;
    is_int(fe_mesh_check(&m, &err), CORE_EINPUT, "a line element node out of range is refused");
    m.edge[1] = 1;
    m.xy[0] = NAN;
    is_int(fe_mesh_check(&m, &err), CORE_EINPUT, "a NaN coordinate is refused");
    fe_mesh_release(&m);
    fe_mesh_release(&m); /* twice is harmless */
    fe_heat_free(NULL);
}

/* Flux boundary conditions and reactions on a bar: q in at the left, T fixed at the right. */
static void
test_flux_bc(void)
{
    struct fe_mesh m;
    struct core_err err = {0, ""};
    struct fe_solve_opts o = FE_SOLVE_OPTS_DEFAULT;
    struct fe_heat *h = NULL;
    double kappa[3] = {2.5, 7, 0}, *q, *t, *tfix, *r, *flux, lx = 3, ly = 0.5, qin = 4.25;
    unsigned char *fixed;
    double sum = 0;
    grid(&m, 12, 3, lx, ly, 1, NULL, NULL, NULL, 5);
    q = calloc(m.nedges, sizeof *q);
    t = calloc(m.nnodes, sizeof *t);
    tfix = calloc(m.nnodes, sizeof *tfix);
    r = calloc(m.nnodes, sizeof *r);
    flux = calloc(2 * m.ntris, sizeof *flux);
    fixed = calloc(m.nnodes, 1);
    for (size_t e = 0; e < m.nedges; e++) {
        if (m.edge_group[e] == G_LEFT)
            q[e] = qin;
        if (m.edge_group[e] == G_RIGHT)
            for (int k = 0; k < 2; k++) {
                fixed[m.edge[2 * e + k]] = 1;
                tfix[m.edge[2 * e + k]] = 300;
            }
    }
    is_int(fe_heat_plan(&h, &m, kappa, NULL, NULL, fixed, &o, &err), CORE_OK, "bar: plan");
    is_int(fe_heat_exec(h, NULL, tfix, q, t, &err), CORE_OK, "bar: solve");
    is_rel(t[0], 300 + qin * lx / kappa[0], 1e-9, "bar: T(0) = T(L) + q L / k");
    is_rel(t[6], 300 + qin * (lx / 2) / kappa[0], 1e-9, "bar: T(L/2)");
    fe_heat_residual(&m, kappa, NULL, t, r);
    for (size_t i = 0; i < m.nnodes; i++)
        if (fixed[i])
            sum += r[i];
    is_rel(-sum, qin * ly, 1e-9, "bar: the reaction at the fixed end is the inflow q H");
    is_rel(fe_heat_energy(&m, kappa, NULL, t, t), qin * ly * (t[0] - 300), 1e-9,
           "bar: a(T, T) = Q dT");
    fe_heat_flux(&m, kappa, t, flux);
    is_rel(flux[0], qin, 1e-9, "bar: flux q_x = q");
    is_abs(flux[1], 0, 1e-9, "bar: flux q_y = 0");
    q[0] = INFINITY;
    is_int(fe_heat_exec(h, NULL, tfix, q, t, &err), CORE_EINPUT, "a non-finite flux is refused");
    fe_heat_free(h);
    free(q);
    free(t);
    free(tfix);
    free(r);
    free(flux);
    free(fixed);
    fe_mesh_release(&m);
}

/* ---- geometries ---- */

static void
test_geom(void)
{
    struct fe_geom g, g2;
    struct core_err err = {0, ""};
    struct fe_geo_opts go = {5, 2, 10, 1};
    char *text = NULL;
    int same = 1, gapok = 1;
    fe_geom_init(&g);
    fe_geom_init(&g2);
    g.lx = g2.lx = 100;
    g.ly = g2.ly = 80;
    is_int(fe_geom_place_disks(&g, 0.3, 6, 1.5, 7, 100000, &err), CORE_OK, "disks: placed");
    is_rel(fe_geom_fraction(&g), 0.3, 1e-12, "disks: the fraction is exact");
    is_int((long)g.ndisks, (long)llround(0.3 * 8000 / (M_PI * 36)), "disks: count");
    is_int(fe_geom_place_disks(&g2, 0.3, 6, 1.5, 7, 100000, &err), CORE_OK, "disks: again");
    for (size_t k = 0; k < 3 * g.ndisks; k++)
        same &= g.disks[k] == g2.disks[k];
    ok(same, "disks: the same seed gives the same disks");
    for (size_t i = 0; i < g.ndisks; i++)
        for (size_t j = i + 1; j < g.ndisks; j++) {
            double dx = fabs(g.disks[3 * i] - g.disks[3 * j]),
                   dy = fabs(g.disks[3 * i + 1] - g.disks[3 * j + 1]);
            dx = fmin(dx, 100 - dx);
            dy = fmin(dy, 80 - dy);
            gapok &= hypot(dx, dy) >= 2 * g.disks[2] + 1.5 - 1e-12;
        }
    ok(gapok, "disks: periodic gaps kept");
    {
        /* phase: sample the box, the fraction of phase 1 approaches 0.3 */
        size_t n1 = 0, n = 400;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                n1 += (size_t)fe_geom_phase(&g, (i + 0.5) * 100.0 / n, (j + 0.5) * 80.0 / n);
        is_abs((double)n1 / (double)(n * n), 0.3, 0.01, "disks: sampled fraction");
    }
    ok(fe_geom_is_periodic(&g, 1e-9), "disks are periodic");
    is_int(fe_geom_geo(&g, &go, &text, &err), CORE_OK, "disks: .geo");
    ok(text && strstr(text, "BooleanFragments") && strstr(text, "Periodic Curve") &&
           strstr(text, "Disk(2)"),
       "disks: .geo fragments and periodic sides");
    free(text);
    is_int(fe_geom_place_disks(&g2, 0.3, 6, 1.5, 8, 100000, &err), CORE_OK, "disks: seed 8");
    ok(g2.disks[0] != g.disks[0], "disks: another seed, other disks");
    is_int(fe_geom_place_disks(&g2, 0.7, 6, 1.5, 8, 2000, &err), CORE_EINPUT,
           "disks: 0.7 is beyond jamming");
    ok(strstr(err.msg, "lower the fraction") != NULL, "  message: %s", err.msg);
    is_int(fe_geom_place_disks(&g2, 1.5, 6, 1.5, 8, 2000, &err), CORE_EINPUT,
           "disks: fraction above 1");
    is_int(fe_geom_place_disks(&g2, 0.3, -1, 1.5, 8, 2000, &err), CORE_EINPUT,
           "disks: negative radius");
    is_int(fe_geom_place_disks(&g2, 0.9, 60, 0, 8, 2000, &err), CORE_EINPUT,
           "disks: a disk larger than the box");
    ok(strstr(err.msg, "does not fit") != NULL, "  message: %s", err.msg);
    fe_geom_release(&g);
    fe_geom_release(&g2);

    /* stripes */
    g.kind = FE_GEOM_STRIPES;
    g.lx = 100;
    g.ly = 50;
    g.period = 50;
    g.fraction = 0.4;
    g.angle = 0;
    is_int(fe_geom_phase(&g, 14.5, 3), 0, "stripes: matrix at x = 14.5 (band 15..35)");
    is_int(fe_geom_phase(&g, 16, 3), 1, "stripes: stripe at x = 16");
    is_int(fe_geom_phase(&g, 86, 3), 0, "stripes: matrix at x = 86 (band 65..85)");
    is_int(fe_geom_phase(&g, 70, 3), 1, "stripes: stripe at x = 70");
    ok(fe_geom_is_periodic(&g, 1e-9), "stripes at 0 deg, 2 periods: periodic");
    g.angle = 0.3;
    ok(!fe_geom_is_periodic(&g, 1e-9), "stripes at 0.3 rad: not periodic");
    g.angle = atan2(50.0 / 50, 100.0 / 50); /* cos = 2/sqrt5 ... not commensurate */
    g.angle = M_PI / 4;
    g.lx = g.ly = 50 * sqrt(2);
    ok(fe_geom_is_periodic(&g, 1e-9), "stripes at 45 deg in a square of side P sqrt 2: periodic");
    is_int(fe_geom_geo(&g, &go, &text, &err), CORE_OK, "stripes: .geo");
    ok(text && strstr(text, "Plane Surface") && strstr(text, "Threshold"), "stripes: .geo "
                                                                           "surfaces and grading");
    free(text);
    g.fraction = 1;
    is_int(fe_geom_geo(&g, &go, &text, &err), CORE_EINPUT, "stripes: fraction 1 refused");
    go.size = 0;
    g.fraction = 0.5;
    is_int(fe_geom_geo(&g, &go, &text, &err), CORE_EINPUT, "a zero element size is refused");
    ok(text == NULL, "  no text");
}

/* Voronoi grains: cells tile the box, match nearest-seed sampling, phases near the fraction. */
static void
test_grains(void)
{
    struct fe_geom g, g2;
    struct core_err err = {0, ""};
    struct fe_geo_opts go = {5, 2, 10, 1};
    char *text = NULL;
    double asum = 0, amax = 0, a1 = 0, dev = 0, *samp;
    size_t n = 400, n1 = 0, nph[2] = {0, 0};
    int same = 1, pos = 1;
    fe_geom_init(&g);
    fe_geom_init(&g2);
    g.lx = g2.lx = 100.3;
    g.ly = g2.ly = 79.7;
    is_int(fe_geom_place_grains(&g, 37, 0.45, 11, &err), CORE_OK, "grains: placed");
    is_int(g.kind, FE_GEOM_GRAINS, "grains: kind");
    is_int((long)g.ngrains, 37, "grains: count");
    for (size_t k = 0; k < g.ngrains; k++) {
        double a = g.grains[3 * k + 2];
        asum += a;
        amax = fmax(amax, a);
        pos &= a > 0;
        nph[g.gphase[k]]++;
        a1 += g.gphase[k] ? a : 0;
    }
    ok(pos, "grains: every cell has an area");
    is_rel(asum, 100.3 * 79.7, 1e-12, "grains: the cells tile the box");
    is_rel(fe_geom_fraction(&g), a1 / (100.3 * 79.7), 1e-15, "grains: the fraction of phase 1");
    ok(fabs(fe_geom_fraction(&g) - 0.45) <= 0.5 * amax / (100.3 * 79.7),
       "grains: fraction %.6f within half the largest grain of 0.45", fe_geom_fraction(&g));
    ok(nph[0] > 0 && nph[1] > 0, "grains: both phases (%zu, %zu)", nph[0], nph[1]);
    /* the cell areas against nearest-seed sampling, and the phases with them */
    samp = calloc(g.ngrains, sizeof *samp);
    for (size_t i = 0; samp && i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double x = (i + 0.5) * g.lx / (double)n, y = (j + 0.5) * g.ly / (double)n, best = 1e300;
            size_t kb = 0;
            for (size_t k = 0; k < g.ngrains; k++) {
                double dx = fabs(x - g.grains[3 * k]), dy = fabs(y - g.grains[3 * k + 1]);
                dx = fmin(dx, g.lx - dx);
                dy = fmin(dy, g.ly - dy);
                if (dx * dx + dy * dy < best) {
                    best = dx * dx + dy * dy;
                    kb = k;
                }
            }
            samp[kb] += g.lx * g.ly / (double)(n * n);
            n1 += (size_t)fe_geom_phase(&g, x, y);
            same &= fe_geom_phase(&g, x, y) == g.gphase[kb];
        }
    for (size_t k = 0; samp && k < g.ngrains; k++)
        dev += fabs(samp[k] - g.grains[3 * k + 2]);
    free(samp);
    ok(same, "grains: fe_geom_phase is the phase of the nearest seed");
    ok(dev / asum < 0.005, "grains: cell areas match sampling (%.2g)", dev / asum);
    is_abs((double)n1 / (double)(n * n), fe_geom_fraction(&g), 0.005, "grains: sampled fraction");
    ok(fe_geom_is_periodic(&g, 1e-9), "grains are periodic");
    is_int(fe_geom_geo(&g, &go, &text, &err), CORE_OK, "grains: .geo");
    ok(text && strstr(text, "BooleanUnion") && strstr(text, "BooleanFragments") &&
           strstr(text, "Periodic Curve") && strstr(text, "Plane Surface(2)"),
       "grains: .geo unites, fragments, periodic sides");
    free(text);
    /* the same seed: the same grains; another: others */
    is_int(fe_geom_place_grains(&g2, 37, 0.45, 11, &err), CORE_OK, "grains: again");
    same = 1;
    for (size_t k = 0; k < g.ngrains; k++)
        same &= g.grains[3 * k] == g2.grains[3 * k] && g.gphase[k] == g2.gphase[k];
    ok(same, "grains: the same seed gives the same grains and phases");
    is_int(fe_geom_place_grains(&g2, 37, 0.45, 12, &err), CORE_OK, "grains: seed 12");
    ok(g2.grains[0] != g.grains[0], "grains: another seed, other grains");
    /* many grains: the fraction closer */
    is_int(fe_geom_place_grains(&g2, 2000, 0.2, 5, &err), CORE_OK, "grains: 2000");
    is_abs(fe_geom_fraction(&g2), 0.2, 1e-3, "grains: 2000 grains hit 0.2 closely");
    /* two grains: one of each phase whatever the fraction */
    is_int(fe_geom_place_grains(&g2, 2, 0.01, 5, &err), CORE_OK, "grains: 2");
    ok(g2.gphase[0] + g2.gphase[1] == 1, "grains: 2 grains, one of each phase");
    is_int(fe_geom_place_grains(&g2, 2, 0.99, 5, &err), CORE_OK, "grains: 2 at 0.99");
    ok(g2.gphase[0] + g2.gphase[1] == 1, "grains: 2 grains at 0.99, one of each phase");
    /* errors */
    is_int(fe_geom_place_grains(&g2, 1, 0.3, 5, &err), CORE_EINPUT, "grains: 1 is too few");
    is_str(err.msg, "1 grains: give 2 to 5000", "  message");
    is_int(fe_geom_place_grains(&g2, 5001, 0.3, 5, &err), CORE_EINPUT, "grains: too many");
    is_int(fe_geom_place_grains(&g2, 10, 0, 5, &err), CORE_EINPUT, "grains: fraction 0");
    is_int(fe_geom_place_grains(&g2, 10, 1, 5, &err), CORE_EINPUT, "grains: fraction 1");
    is_str(err.msg, "the area fraction must lie in (0, 1)", "  message");
    ok(g2.ngrains == 0 && !g2.grains && !g2.gphase, "grains: nothing kept on error");
    g2.lx = 0;
    is_int(fe_geom_place_grains(&g2, 10, 0.3, 5, &err), CORE_EINPUT, "grains: an empty box");
    is_str(err.msg, "the box must have positive finite sides", "  message");
    fe_geom_release(&g);
    fe_geom_release(&g2);
}

/* Least distance between the boundaries of polygons j and k with k shifted by (ox, oy) (vertex
 * to edge both ways; an overlap would show in the sampled fraction instead). */
static double
poly_gap(const struct fe_geom *g, size_t j, size_t k, double ox, double oy)
{
    const double *p = &g->poly[2 * g->poly_off[j]], *q = &g->poly[2 * g->poly_off[k]];
    size_t np = g->poly_off[j + 1] - g->poly_off[j], nq = g->poly_off[k + 1] - g->poly_off[k];
    double d = HUGE_VAL;
    for (int side = 0; side < 2; side++)
        for (size_t a = 0; a < (side ? nq : np); a++) {
            const double *v = side ? &q[2 * a] : &p[2 * a];
            double vx = v[0] + (side ? ox : 0), vy = v[1] + (side ? oy : 0);
            const double *w = side ? p : q;
            size_t nw = side ? np : nq;
            double wx = side ? 0 : ox, wy = side ? 0 : oy;
            for (size_t b = 0; b < nw; b++) {
                double ax = w[2 * b] + wx, ay = w[2 * b + 1] + wy, bx = w[2 * ((b + 1) % nw)] + wx,
                       by = w[2 * ((b + 1) % nw) + 1] + wy;
                double ex = bx - ax, ey = by - ay,
                       t = fmax(0,
                                fmin(1, ((vx - ax) * ex + (vy - ay) * ey) / (ex * ex + ey * ey)));
                d = fmin(d, hypot(ax + t * ex - vx, ay + t * ey - vy));
            }
        }
    return d;
}

/* Regular polygons: exact fraction, side counts, gaps, seeds, phases, .geo, errors. */
static void
test_polygons(void)
{
    struct fe_geom g, g2;
    struct core_err err = {0, ""};
    struct fe_geo_opts go = {5, 2, 10, 1};
    char *text = NULL;
    double gap = 1.7, amin = HUGE_VAL, dside = HUGE_VAL, r;
    size_t n = 300, n1 = 0, inside = 0;
    int sides_ok = 1, regular_ok = 1, same = 1;
    fe_geom_init(&g);
    fe_geom_init(&g2);
    g.lx = g2.lx = 103.7;
    g.ly = g2.ly = 77.3;
    is_int(fe_geom_place_polygons(&g, 0.27, 7.3, 3, 7, gap, 13, 100000, &err), CORE_OK,
           "polygons: placed %s", err.msg);
    is_int(g.kind, FE_GEOM_POLYGONS, "polygons: kind");
    ok(g.npolys > 10 && g.ndisks == g.npolys, "polygons: %zu of them", g.npolys);
    is_rel(fe_geom_fraction(&g), 0.27, 1e-12, "polygons: the fraction is exact");
    r = g.disks[2];
    for (size_t k = 0; k < g.npolys; k++) {
        size_t o = g.poly_off[k], m = g.poly_off[k + 1] - o;
        sides_ok &= m >= 3 && m <= 7;
        for (size_t i = 0; i < m; i++) {
            const double *v = &g.poly[2 * (o + i)], *w = &g.poly[2 * (o + (i + 1) % m)];
            regular_ok &=
                fabs(hypot(v[0] - g.disks[3 * k], v[1] - g.disks[3 * k + 1]) - r) < 1e-12 * r &&
                fabs(hypot(w[0] - v[0], w[1] - v[1]) - 2 * r * sin(M_PI / m)) < 1e-12 * r &&
                (v[0] - g.disks[3 * k]) * (w[1] - g.disks[3 * k + 1]) -
                        (v[1] - g.disks[3 * k + 1]) * (w[0] - g.disks[3 * k]) >
                    0;
            dside = fmin(dside, fmin(fabs(v[0] - g.lx * nearbyint(v[0] / g.lx)),
                                     fabs(v[1] - g.ly * nearbyint(v[1] / g.ly))));
        }
        for (size_t j = 0; j < k; j++)
            for (int a = -1; a <= 1; a++)
                for (int b = -1; b <= 1; b++)
                    amin = fmin(amin, poly_gap(&g, j, k, a * g.lx, b * g.ly));
    }
    ok(sides_ok, "polygons: 3 to 7 sides each");
    ok(regular_ok, "polygons: regular, counter-clockwise, one circumradius %.6g", r);
    ok(amin >= gap * (1 - 1e-12), "polygons: gap %.6g >= %g between all (periodic)", amin, gap);
    ok(dside >= gap, "polygons: vertices %.4g >= %g from the sides", dside, gap);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            n1 += (size_t)fe_geom_phase(&g, (i + 0.5) * g.lx / (double)n,
                                        (j + 0.5) * g.ly / (double)n);
    is_abs((double)n1 / (double)(n * n), 0.27, 0.004, "polygons: sampled fraction");
    ok(fe_geom_is_periodic(&g, 1e-9), "polygons are periodic");
    is_int(fe_geom_geo(&g, &go, &text, &err), CORE_OK, "polygons: .geo");
    ok(text && strstr(text, "// polygon 0") && strstr(text, "BooleanIntersection") &&
           strstr(text, "BooleanFragments") && strstr(text, "Periodic Curve") &&
           strstr(text, "Mesh.MeshSizeFromCurvature = 0"),
       "polygons: .geo cuts to the box, fragments, periodic sides, no curvature sizing");
    free(text);
    text = NULL;
    is_int(fe_geom_place_polygons(&g2, 0.27, 7.3, 3, 7, gap, 13, 100000, &err), CORE_OK,
           "polygons: again");
    same = g2.npolys == g.npolys;
    for (size_t i = 0; same && i < 2 * g.poly_off[g.npolys]; i++)
        same = g.poly[i] == g2.poly[i];
    ok(same, "polygons: the same seed, the same polygons");
    is_int(fe_geom_place_polygons(&g2, 0.27, 7.3, 3, 7, gap, 14, 100000, &err), CORE_OK,
           "polygons: seed 14");
    ok(g2.poly[0] != g.poly[0], "polygons: another seed, others");
    is_int(fe_geom_place_polygons(&g2, 0.2, 5, 6, 6, 0, 2, 100000, &err), CORE_OK,
           "polygons: hexagons, no gap");
    for (size_t k = 0; k < g2.npolys; k++)
        sides_ok &= g2.poly_off[k + 1] - g2.poly_off[k] == 6;
    ok(sides_ok, "polygons: all hexagons");
    /* errors */
    is_int(fe_geom_place_polygons(&g2, 0.6, 7.3, 3, 7, gap, 13, 2000, &err), CORE_EINPUT,
           "polygons: too dense");
    ok(strstr(err.msg, "attempts in a row failed; lower the fraction or the gap") != NULL,
       "  message: %s", err.msg);
    ok(g2.npolys == 0 && !g2.poly && !g2.disks, "  nothing kept");
    is_int(fe_geom_place_polygons(&g2, 0.3, 7, 2, 7, gap, 1, 10, &err), CORE_EINPUT,
           "polygons: 2 sides");
    is_str(err.msg, "sides 2 to 7: give 3 <= N <= M <= 64", "  message");
    is_int(fe_geom_place_polygons(&g2, 0.3, 7, 5, 4, gap, 1, 10, &err), CORE_EINPUT,
           "polygons: 5 to 4 sides");
    is_int(fe_geom_place_polygons(&g2, 0.3, 7, 3, 65, gap, 1, 10, &err), CORE_EINPUT,
           "polygons: 65 sides");
    is_int(fe_geom_place_polygons(&g2, 1, 7, 3, 6, gap, 1, 10, &err), CORE_EINPUT,
           "polygons: fraction 1");
    is_int(fe_geom_place_polygons(&g2, 0.3, NAN, 3, 6, gap, 1, 10, &err), CORE_EINPUT,
           "polygons: radius NaN");
    is_int(fe_geom_place_polygons(&g2, 0.3, 7, 3, 6, -1, 1, 10, &err), CORE_EINPUT,
           "polygons: gap < 0");
    is_int(fe_geom_place_polygons(&g2, 0.9, 100, 3, 6, 1, 1, 10, &err), CORE_EINPUT,
           "polygons: one does not fit");
    ok(strstr(err.msg, "does not fit the 103.7 x 77.3 box") != NULL, "  message: %s", err.msg);
    g2.ly = 0;
    is_int(fe_geom_place_polygons(&g2, 0.3, 7, 3, 6, 1, 1, 10, &err), CORE_EINPUT,
           "polygons: an empty box");
    g2.ly = 77.3;
    /* one polygon */
    is_int(fe_geom_place_polygon(&g2, 0.2, 5, 0.3, 2, &err), CORE_OK, "polygon: a pentagon");
    is_int(g2.kind, FE_GEOM_POLYGON, "polygon: kind");
    is_rel(fe_geom_fraction(&g2), 0.2, 1e-13, "polygon: the fraction is exact");
    is_rel(atan2(g2.poly[1] - g2.ly / 2, g2.poly[0] - g2.lx / 2), 0.3, 1e-12,
           "polygon: a vertex at the angle");
    is_int(fe_geom_phase(&g2, g2.lx / 2, g2.ly / 2), 1, "polygon: phase 1 at the centre");
    is_int(fe_geom_phase(&g2, 0.1, 0.1), 0, "polygon: phase 0 at a corner");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            inside += (size_t)fe_geom_phase(&g2, (i + 0.5) * g2.lx / (double)n,
                                            (j + 0.5) * g2.ly / (double)n);
    is_abs((double)inside / (double)(n * n), 0.2, 0.003, "polygon: sampled fraction");
    is_int(fe_geom_geo(&g2, &go, &text, &err), CORE_OK, "polygon: .geo");
    ok(text && strstr(text, "// polygon 0 (0, 0)") && !strstr(text, "(-1, "),
       "polygon: no periodic images");
    free(text);
    is_int(fe_geom_place_polygon(&g2, 0.9, 3, 0, 0, &err), CORE_EINPUT, "polygon: too large");
    ok(strstr(err.msg, "a 3-gon of circumradius") != NULL, "  message: %s", err.msg);
    is_int(fe_geom_place_polygon(&g2, 0.2, 65, 0, 0, &err), CORE_EINPUT, "polygon: 65 sides");
    is_str(err.msg, "65 sides: give 3 to 64", "  message");
    is_int(fe_geom_place_polygon(&g2, 0.2, 4, INFINITY, 0, &err), CORE_EINPUT,
           "polygon: angle inf");
    is_int(fe_geom_place_polygon(&g2, 0, 4, 0, 0, &err), CORE_EINPUT, "polygon: fraction 0");
    fe_geom_release(&g);
    fe_geom_release(&g2);
}

/* Shortest edge of the phase-1 cells (all of them curves of the .geo). */
static double
grains_shortest(const struct fe_geom *g)
{
    double lmin = HUGE_VAL;
    for (size_t k = 0; k < g->npolys; k++) {
        size_t o = g->poly_off[k], n = g->poly_off[k + 1] - o;
        for (size_t i = 0; g->gphase[k] && i < n; i++) {
            const double *a = &g->poly[2 * (o + i)], *b = &g->poly[2 * (o + (i + 1) % n)];
            lmin = fmin(lmin, hypot(b[0] - a[0], b[1] - a[1]));
        }
    }
    return lmin;
}

/* fe_geom_grains_tidy: short edges gone, the cells still tile the box, phases and fraction kept
 * consistent, the same tessellation up to vertex moves of lmerge / 2 and a translation. */
static void
test_grains_tidy(void)
{
    struct fe_geom g, g0;
    struct core_err err = {0, ""};
    double lmerge = 1.3, asum = 0, a1 = 0, dev = 0;
    size_t nm = 0, n = 300, n1 = 0, moved = 0;
    int tile = 1;
    fe_geom_init(&g);
    fe_geom_init(&g0);
    g.lx = g0.lx = 97.3;
    g.ly = g0.ly = 81.1;
    is_int(fe_geom_place_grains(&g, 60, 0.37, 4, &err), CORE_OK, "tidy: grains placed");
    is_int(fe_geom_place_grains(&g0, 60, 0.37, 4, &err), CORE_OK, "tidy: and a copy");
    ok(grains_shortest(&g) < 0.5, "tidy: the Voronoi cells have short edges (%.3g)",
       grains_shortest(&g));
    is_int(fe_geom_grains_tidy(&g, lmerge, 2.6, &nm, &err), CORE_OK, "tidy: done %s", err.msg);
    ok(nm > 0, "tidy: %zu edges merged or stretched", nm);
    ok(grains_shortest(&g) >= lmerge * (1 - 1e-9), "tidy: no curve shorter than %g (%.6g)", lmerge,
       grains_shortest(&g));
    for (size_t k = 0; k < g.ngrains; k++) {
        size_t o = g.poly_off[k], np = g.poly_off[k + 1] - o;
        double a = 0;
        for (size_t i = 0; i < np; i++) {
            const double *p = &g.poly[2 * (o + i)], *q = &g.poly[2 * (o + (i + 1) % np)];
            a += 0.5 * (p[0] * q[1] - p[1] * q[0]);
        }
        tile &= a > 0 && fabs(a - g.grains[3 * k + 2]) <= 1e-12 * g.lx * g.ly;
        tile &= g.grains[3 * k] >= 0 && g.grains[3 * k] < g.lx && g.grains[3 * k + 1] >= 0 &&
                g.grains[3 * k + 1] < g.ly;
        asum += a;
        a1 += g.gphase[k] ? a : 0;
        moved += g.gphase[k] != g0.gphase[k];
    }
    ok(tile, "tidy: each cell counter-clockwise, its area stored, its seed in the box");
    is_rel(asum, g.lx * g.ly, 1e-12, "tidy: the cells tile the box");
    is_rel(fe_geom_fraction(&g), a1 / (g.lx * g.ly), 1e-14, "tidy: the fraction is the new one");
    is_abs(fe_geom_fraction(&g), fe_geom_fraction(&g0), 0.01, "tidy: and near the old (%.5f, %.5f)",
           fe_geom_fraction(&g), fe_geom_fraction(&g0));
    is_int((long)moved, 0, "tidy: every grain keeps its phase");
    /* fe_geom_phase follows the new cells: sampling gives their fraction */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            n1 += (size_t)fe_geom_phase(&g, (i + 0.5) * g.lx / (double)n,
                                        (j + 0.5) * g.ly / (double)n);
    is_abs((double)n1 / (double)(n * n), fe_geom_fraction(&g), 0.004, "tidy: sampled fraction");
    /* a translation plus small moves: the sorted cell areas nearly unchanged */
    for (size_t k = 0; k < g.ngrains; k++)
        dev = fmax(dev, fabs(g.grains[3 * k + 2] - g0.grains[3 * k + 2]));
    ok(dev < 2 * lmerge * sqrt(g.lx * g.ly / 60), "tidy: cell areas change by at most %.3g", dev);
    /* lmerge 0: only the translation */
    is_int(fe_geom_place_grains(&g0, 60, 0.37, 4, &err), CORE_OK, "tidy: again");
    is_int(fe_geom_grains_tidy(&g0, 0, 2.6, &nm, &err), CORE_OK, "tidy: lmerge 0");
    is_int((long)nm, 0, "tidy: lmerge 0 merges nothing");
    /* two grains in a small box: a cell next to itself */
    fe_geom_release(&g0);
    g0.lx = 3;
    g0.ly = 2;
    is_int(fe_geom_place_grains(&g0, 2, 0.5, 9, &err), CORE_OK, "tidy: 2 grains");
    is_int(fe_geom_grains_tidy(&g0, 0.5, 0.2, NULL, &err), CORE_OK, "tidy: 2 grains tidied");
    is_rel(g0.grains[2] + g0.grains[5], 6, 1e-12, "tidy: 2 grains tile the box");
    /* errors */
    is_int(fe_geom_grains_tidy(&g, -1, 2, NULL, &err), CORE_EINPUT, "tidy: lmerge < 0");
    is_str(err.msg,
           "tidying grains: the merge length must be >= 0 and the element size > 0 (got -1, 2)",
           "  message");
    is_int(fe_geom_grains_tidy(&g, 1, NAN, NULL, &err), CORE_EINPUT, "tidy: h NaN");
    is_int(fe_geom_grains_tidy(&g, INFINITY, 1, NULL, &err), CORE_EINPUT, "tidy: lmerge inf");
    fe_geom_release(&g0);
    g0.lx = g0.ly = 10;
    is_int(fe_geom_place_disks(&g0, 0.2, 1, 0.1, 3, 1000, &err), CORE_OK, "tidy: disks");
    is_int(fe_geom_grains_tidy(&g0, 1, 1, NULL, &err), CORE_EINPUT, "tidy: not grains");
    is_str(err.msg, "tidying grains: the geometry is not grains", "  message");
    fe_geom_release(&g);
    fe_geom_release(&g0);
}

/* ---- formats/gmsh ---- */

static const char *msh_good =
    "$MeshFormat\n4.1 0 8\n$EndMeshFormat\n"
    "$Comments\nanything $Nodes here\n$EndComments\n"
    "$PhysicalNames\n3\n1 5 \"left side\"\n2 1 \"graphene\"\n2 2 \"boro phene\"\n"
    "$EndPhysicalNames\n"
    "$Entities\n1 1 2 0\n"
    "7 0 0 0 0\n"
    "3 0 0 0 0 1 0 1 5 2 7 -7\n"
    "1 0 0 0 1 1 0 1 1 1 3\n"
    "2 0 0 0 1 1 0 1 2 0\n"
    "$EndEntities\n"
    "$Nodes\n3 4 10 40\n"
    "0 7 0 1\n10\n0 0 0\n"
    "1 3 1 1\n40\n0 1 0 0.5\n"
    "2 1 0 2\n20\n30\n1 0 0\n1.0000000000000002 0.75 -0\n"
    "$EndNodes\n"
    "$Elements\n3 4 1 9\n"
    "2 1 2 1\n9 10 20 30\n"
    "2 2 2 1\n1 10 30 40\n"
    "1 3 1 2\n5 10 40\n6 40 10\n"
    "$EndElements\n"
    "$Periodic\n1\n1 3 3\n16 1 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1\n1\n40 40\n$EndPeriodic\n"
    "$NodeData\n1\n\"T\"\n$EndNodeData\n";

static int
msh_read(const char *text, struct gmsh_mesh *g, struct core_err *err)
{
    struct stream_in in;
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    int rc;
    stream_in_attach(&in, fp, "t.msh");
    rc = gmsh_read(&in, g, err);
    stream_in_close(&in);
    fclose(fp);
    return rc;
}

static void
test_gmsh(void)
{
    struct gmsh_mesh g, h;
    struct core_err err = {0, ""};
    struct fe_mesh m;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp;
    int *pt = NULL, *gt = NULL, rc;
    gmsh_mesh_init(&g);
    gmsh_mesh_init(&h);
    fe_mesh_init(&m);
    rc = msh_read(msh_good, &g, &err);
    is_int(rc, CORE_OK, "gmsh: read a 4.1 file %s", rc ? err.msg : "");
    is_int((long)g.nnodes, 4, "gmsh: 4 nodes");
    is_int((long)g.nelems, 4, "gmsh: 4 elements");
    is_int((long)g.nphysicals, 3, "gmsh: 3 physical names");
    is_str(g.physicals[2].name, "boro phene", "gmsh: a name with a space");
    is_int((long)g.nentities, 4, "gmsh: 4 entities");
    is_int(gmsh_physical_tag(&g, 1, "left side"), 5, "gmsh: physical tag by name");
    is_int(gmsh_physical_tag(&g, 2, "left side"), -1, "gmsh: by name and dimension");
    ok(gmsh_entity_find(&g, 1, 3) && gmsh_entity_find(&g, 1, 3)->nbound == 2 &&
           gmsh_entity_find(&g, 1, 3)->bound[1] == -7,
       "gmsh: curve bounding points");
    ok(gmsh_entity_find(&g, 2, 9) == NULL && gmsh_physical_find(&g, 2, 9) == NULL,
       "gmsh: unknown entity and group");
    is_rel(g.xyz[3 * 3], 1.0000000000000002, 0, "gmsh: 17 digits kept");
    is_int((long)g.node_tags[1], 40, "gmsh: tags kept in file order");
    is_int((long)g.elem_nodes[g.elem_off[1] + 2], 1, "gmsh: element nodes as indices");
    is_int((long)g.nperiodic, 1, "gmsh: a periodic link");
    is_int(gmsh_elem_nnodes(9), 6, "gmsh: type 9 has 6 nodes");
    is_int(gmsh_elem_dim(15), 0, "gmsh: type 15 is a point");
    is_int(gmsh_elem_nnodes(99), 0, "gmsh: unknown type");
    is_int(gmsh_elem_dim(0), -1, "gmsh: unknown type dimension");
    /* write and read back */
    fp = open_memstream(&buf, &len);
    is_int(gmsh_write(fp, &g, &err), CORE_OK, "gmsh: write");
    fclose(fp);
    is_int(msh_read(buf, &h, &err), CORE_OK, "gmsh: read back %s", err.msg);
    {
        int same = h.nnodes == g.nnodes && h.nelems == g.nelems && h.nentities == g.nentities &&
                   h.nperiodic == 1 && h.periodic[0].affine[0] == 1;
        for (size_t i = 0; same && i < g.nnodes; i++) {
            size_t j = 0;
            while (j < h.nnodes && h.node_tags[j] != g.node_tags[i])
                j++;
            same &= j < h.nnodes && memcmp(&h.xyz[3 * j], &g.xyz[3 * i], 3 * sizeof(double)) == 0;
        }
        ok(same, "gmsh: round trip keeps tags, coordinates (bitwise), entities, periodic");
    }
    free(buf);
    buf = NULL;
    /* to lib/fe */
    rc = gmsh_to_fe(&g, "t.msh", 1e-9, &m, &pt, &gt, &err);
    is_int(rc, CORE_OK, "gmsh: to fe %s", rc ? err.msg : "");
    is_int((long)m.ntris, 2, "gmsh: 2 triangles");
    is_int((long)m.nphases, 2, "gmsh: 2 phases");
    is_int(pt[1], 2, "gmsh: phase 1 is physical 2");
    is_int((long)m.nedges, 2, "gmsh: 2 line elements");
    is_int(gt[0], 5, "gmsh: group 0 is physical 5");
    is_rel(m.xy[2 * 3 + 1], 0.75e-9, 1e-15, "gmsh: scaled coordinates");
    free(pt);
    free(gt);
    fe_mesh_release(&m);
    /* an element the fe side does not take */
    g.elem_type[0] = 3;
    is_int(gmsh_to_fe(&g, "t.msh", 1, &m, &pt, &gt, &err), CORE_EINPUT, "gmsh: quads refused");
    ok(strstr(err.msg, "4-node quadrangle") != NULL, "  message: %s", err.msg);
    g.elem_type[0] = 2;
    g.xyz[2] = 0.5;
    is_int(gmsh_to_fe(&g, "t.msh", 1, &m, &pt, &gt, &err), CORE_EINPUT, "gmsh: z != 0 refused");
    ok(strstr(err.msg, "node 10 has z = 0.5") != NULL, "  message: %s", err.msg);
    g.xyz[2] = 0;
    g.entities[2].nphys = 0;
    is_int(gmsh_to_fe(&g, "t.msh", 1, &m, &pt, &gt, &err), CORE_EINPUT,
           "gmsh: a surface in no physical group refused");
    ok(strstr(err.msg, "surface 1") != NULL, "  message: %s", err.msg);
    g.entities[2].nphys = 1;
    /* write errors */
    g.xyz[4] = NAN;
    fp = open_memstream(&buf, &len);
    is_int(gmsh_write(fp, &g, &err), CORE_EINPUT, "gmsh: NaN coordinate not written");
    fclose(fp);
    free(buf);
    buf = NULL;
    g.xyz[4] = 0;
    strcpy(g.physicals[0].name, "a\"b");
    fp = open_memstream(&buf, &len);
    is_int(gmsh_write(fp, &g, &err), CORE_EINPUT, "gmsh: a quote in a name not written");
    fclose(fp);
    free(buf);
    gmsh_mesh_release(&g);
    gmsh_mesh_release(&h);
}

struct bad_msh {
    const char *text, *want;
};

static void
test_gmsh_errors(void)
{
    static const char *head = "$MeshFormat\n4.1 0 8\n$EndMeshFormat\n";
    static const struct bad_msh bad[] = {
        {"", "t.msh:0: no $MeshFormat"},
        {"hello\n", "t.msh:1: expected a section ($Name), got 'hello'"},
        {"$Nodes\n", "t.msh:1: expected $MeshFormat first"},
        {"$MeshFormat\n3.0 0 8\n$EndMeshFormat\n", "t.msh:2: MSH version 3.0 is not supported"},
        {"$MeshFormat\n2.2 1 8\n$EndMeshFormat\n", "t.msh:2: binary MSH"},
        /* MSH 2.2 ('2' puts its header first) */
        {"2$Nodes\n2\n1 0 0 0\n1 1 0 0\n$EndNodes\n", "t.msh:7: duplicate node tag 1"},
        {"2$Nodes\n2\n1 0 0 0\n9000 1 0 0\n1 0 0 0\n$EndNodes\n",
         "t.msh:8: expected $EndNodes, got '1'"},
        {"2$Nodes\n2\n9000 0 0 0\n9000 1 0 0\n$EndNodes\n", "t.msh:7: duplicate node tag 9000"},
        {"2$Nodes\n1\n0 0 0 0\n$EndNodes\n", "t.msh:6: node tag 0 (tags start at 1)"},
        {"2$Nodes\n1\n1 0 nan 0\n$EndNodes\n", "t.msh:6: a coordinate is not finite"},
        {"2$Nodes\n2\n1 0 0 0\n", "t.msh:6: unexpected end of file, expected a node tag"},
        {"2$Elements\n0\n$EndElements\n", "t.msh:4: $Elements before $Nodes"},
        {"2$Nodes\n3\n1 0 0 0\n2 1 0 0\n3 0 1 0\n$EndNodes\n$Elements\n1\n1 99 2 1 1 1 2 3\n"
         "$EndElements\n",
         "t.msh:12: element 1: unknown element type 99"},
        {"2$Nodes\n3\n1 0 0 0\n2 1 0 0\n3 0 1 0\n$EndNodes\n$Elements\n1\n1 2 2 1 1 1 2 4\n"
         "$EndElements\n",
         "t.msh:12: element 1: no node with tag 4"},
        {"2$Nodes\n3\n1 0 0 0\n2 1 0 0\n3 0 1 0\n$EndNodes\n$Elements\n1\n1 2 2 -1 1 1 2 3\n"
         "$EndElements\n",
         "t.msh:12: element 1: negative physical tag -1"},
        {"2$Nodes\n3\n1 0 0 0\n2 1 0 0\n3 0 1 0\n$EndNodes\n$Elements\n1\n0 2 2 1 1 1 2 3\n"
         "$EndElements\n",
         "t.msh:12: element tag 0"},
        {"2$Nodes\n3\n1 0 0 0\n2 1 0 0\n3 0 1 0\n$EndNodes\n$Elements\n2\n1 2 2 1 1 1 2 3\n"
         "1 1 2 1 1 1 2\n$EndElements\n",
         "t.msh:13: duplicate element tag 1"},
        {"2$Nodes\n3\n1 0 0 0\n2 1 0 0\n3 0 1 0\n$EndNodes\n$Elements\n2\n1 2 2 1 1 1 2 3\n"
         "$EndElements\n",
         "t.msh:13: expected an element tag (a non-negative integer), got '$EndElements'"},
        {"2$Nodes\n3\n1 0 0 0\n2 1 0 0\n3 0 1 0\n$EndNodes\n$Elements\n1\n1 2 x\n",
         "t.msh:12: expected the number of tags (a non-negative integer), got 'x'"},
        {"2$Periodic\n1\n1 2 3\nAffine 1 0\n",
         "t.msh:7: unexpected end of file, expected an affine value"},
        {"2$Periodic\n1\n1 2 3\nAffine 1 0 0 0 0 1 0 0 0 0 1 0 0 0 0 inf\n",
         "t.msh:7: an affine value is not finite"},
        {"2$Periodic\n1\n1 2 3\nAfine\n",
         "t.msh:7: expected the number of node pairs (a non-negative integer), got 'Afine'"},
        {"2$Nodes\n1\n1 0 0 0\n$EndNodes\n$Periodic\n1\n0 2 1\n1\n1 7\n$EndPeriodic\n",
         "t.msh: $Periodic names node 7, not in $Nodes"},
        {"2$Entities\n0 0 0 0\n$EndEntities\n$Nodes\n0\n$EndNodes\n$Nodes\n",
         "t.msh:10: a second $Nodes section"},
        {"$MeshFormat\n4.1 1 8\n$EndMeshFormat\n", "t.msh:2: binary MSH"},
        {"$MeshFormat\n4.1 0 8\n", "t.msh:2: unexpected end of file, expected $EndMeshFormat"},
        {"$MeshFormat\n4.1 0 8\n$EndMeshFormat\n$MeshFormat\n", "t.msh:4: a second $MeshFormat"},
        {"H$EndNodes\n", "t.msh:4: $EndNodes outside its section"},
        {"H$Foo\n1\n", "t.msh:4: section $Foo has no $EndFoo"},
        {"H$PhysicalNames\n1\n2 1 graphene\n$EndPhysicalNames\n",
         "t.msh:6: expected a quoted physical name"},
        {"H$PhysicalNames\n1\n2 1 \"graphene\n$EndPhysicalNames\n", "t.msh:6: unterminated"},
        {"H$PhysicalNames\n2\n2 1 \"a\"\n2 1 \"b\"\n$EndPhysicalNames\n",
         "t.msh:7: physical group 1 of dimension 2 named twice"},
        {"H$PhysicalNames\n1\n4 1 \"a\"\n$EndPhysicalNames\n",
         "t.msh:6: the dimension 4 out of range [0, 3]"},
        {"H$Entities\n1 0 0 0\n1 0 0 nan 0\n$EndEntities\n", "t.msh:6: a coordinate is not finite"},
        {"H$Entities\n2 0 0 0\n1 0 0 0 0\n1 1 1 1 0\n$EndEntities\n",
         "t.msh:7: entity 1 of dimension 0 listed twice"},
        {"H$Nodes\n1 2 1 2\n0 1 0 2\n1\n1\n0 0 0\n0 0 0\n$EndNodes\n",
         "t.msh:8: duplicate node tag 1"},
        {"H$Nodes\n1 2 9000 9000\n0 1 0 2\n9000\n9000\n0 0 0\n0 0 0\n$EndNodes\n",
         "t.msh:10: duplicate node tag 9000"},
        {"H$Nodes\n1 2 1 2\n0 1 0 2\n1\n3\n0 0 0\n0 0 0\n$EndNodes\n",
         "t.msh:8: node tag 3 outside the range 1..2"},
        {"H$Nodes\n1 2 1 2\n0 1 0 1\n1\n0 0 0\n$EndNodes\n",
         "t.msh:8: node blocks hold 1 nodes, the header says 2"},
        {"H$Nodes\n1 1 1 1\n0 1 0 1\n1\n0 x 0\n$EndNodes\n",
         "t.msh:8: expected a coordinate (a number), got 'x'"},
        {"H$Nodes\n1 1 1 1\n0 1 0 1\n1\n0 inf 0\n$EndNodes\n",
         "t.msh:8: a coordinate is not finite"},
        {"H$Nodes\n1 1 1 1\n0 1 0 2\n1\n0 0 0\n$EndNodes\n",
         "t.msh:6: node blocks hold more than the 1 nodes"},
        {"H$Nodes\n1 -1 1 1\n", "t.msh:5: expected the number of nodes (a non-negative integer)"},
        {"H$Elements\n0 0 0 0\n$EndElements\n", "t.msh:4: $Elements before $Nodes"},
        {"H$Nodes\n1 3 1 3\n0 1 0 3\n1\n2\n3\n0 0 0\n1 0 0\n0 1 0\n$EndNodes\n"
         "$Elements\n1 1 1 1\n2 1 99 1\n1 1 2 3\n$EndElements\n",
         "t.msh:16: unknown element type 99"},
        {"H$Nodes\n1 3 1 3\n0 1 0 3\n1\n2\n3\n0 0 0\n1 0 0\n0 1 0\n$EndNodes\n"
         "$Elements\n1 1 1 1\n1 1 2 1\n1 1 2 3\n$EndElements\n",
         "t.msh:16: element type 2 has dimension 2, the block says 1"},
        {"H$Nodes\n1 3 1 3\n0 1 0 3\n1\n2\n3\n0 0 0\n1 0 0\n0 1 0\n$EndNodes\n"
         "$Elements\n1 1 1 1\n2 1 2 1\n1 1 2 4\n$EndElements\n",
         "t.msh:17: element 1: no node with tag 4"},
        {"H$Nodes\n1 3 1 3\n0 1 0 3\n1\n2\n3\n0 0 0\n1 0 0\n0 1 0\n$EndNodes\n"
         "$Elements\n1 2 1 2\n2 1 2 2\n1 1 2 3\n1 1 2 3\n$EndElements\n",
         "t.msh:18: duplicate element tag 1"},
        {"H$Nodes\n1 3 1 3\n0 1 0 3\n1\n2\n3\n0 0 0\n1 0 0\n0 1 0\n$EndNodes\n"
         "$Elements\n1 2 1 2\n2 1 2 1\n1 1 2 3\n$EndElements\n",
         "t.msh:17: element blocks hold 1 elements, the header says 2"},
        {"H$Nodes\n1 3 1 3\n0 1 0 3\n1\n2\n3\n0 0 0\n1 0 0\n0 1 0\n$EndNodes\n"
         "$Elements\n1 1 1 1\n2 1 2 1\n1 1 2\n",
         "t.msh:17: unexpected end of file, expected a node tag"},
        {"H$Periodic\n1\n1 2 3\n5 1 2 3 4 5\n0\n$EndPeriodic\n",
         "t.msh:7: 5 affine values (expected 0 or 16)"},
        {"H$Nodes\n1 1 1 1\n0 1 0 1\n1\n0 0 0\n$EndNodes\n$Periodic\n1\n0 2 1\n0\n1\n1 7\n"
         "$EndPeriodic\n",
         "t.msh: $Periodic names node 7, not in $Nodes"},
        {"H$Nodes\n1 1 1 1\n0 1 0 1\n1\n0 0 0\n$EndNodes\n$Nodes\n",
         "t.msh:10: a second $Nodes section"},
        {"H$Entities\n0 0 0 0\n$EndEntities\n$Entities\n", "t.msh:7: a second $Entities"},
        {"H$PhysicalNames\n0\n$EndPhysicalNames\n$PhysicalNames\n",
         "t.msh:7: a second $PhysicalNames"},
        {"H$Nodes\n1 1 1 1\n0 1 0 1\n1\n0 0 0\n$Foo\n", "t.msh:9: expected $EndNodes, got '$Foo'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct gmsh_mesh g;
        struct core_err err = {0, ""};
        char text[1024];
        int rc;
        gmsh_mesh_init(&g);
        if (bad[i].text[0] == 'H')
            snprintf(text, sizeof text, "%s%s", head, bad[i].text + 1);
        else if (bad[i].text[0] == '2')
            snprintf(text, sizeof text, "$MeshFormat\n2.2 0 8\n$EndMeshFormat\n%s",
                     bad[i].text + 1);
        else
            snprintf(text, sizeof text, "%s", bad[i].text);
        rc = msh_read(text, &g, &err);
        is_int(rc, CORE_EINPUT, "gmsh: bad input %zu refused", i);
        ok(rc && strstr(err.msg, bad[i].want) != NULL, "  message: %s (want %s)", err.msg,
           bad[i].want);
        ok(g.nnodes == 0 && !g.xyz && !g.physicals, "  mesh released");
        gmsh_mesh_release(&g);
    }
}

/* MSH 2.2: sparse node tags (the sorted map), one triangle in two physical groups (written
 * twice), a line, an unnamed point, $Periodic with and without Affine; and its lib/fe mesh
 * equals the one from the same mesh in 4.1. */
static const char *msh22_good =
    "$MeshFormat\n2.2 0 8\n$EndMeshFormat\n"
    "$PhysicalNames\n3\n1 5 \"left side\"\n2 1 \"graphene\"\n2 2 \"boro phene\"\n"
    "$EndPhysicalNames\n"
    "$Nodes\n4\n10 0 0 0\n"
    "40000 0 1 0\n20 1 0 0\n30 1.0000000000000002 0.75 -0\n"
    "$EndNodes\n"
    "$Elements\n6\n"
    "7 15 2 0 7 10\n"
    "9 2 2 1 1 10 20 30\n"
    "1 2 2 2 2 10 30 40000\n"
    "5 1 2 5 3 10 40000\n6 1 4 5 3 0 0 40000 10\n"
    "19 2 2 7 1 10 20 30\n"
    "$EndElements\n"
    "$Periodic\n2\n1 3 3\nAffine 1 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1\n1\n40000 40000\n"
    "0 7 7\n0\n$EndPeriodic\n";

static void
test_gmsh22(void)
{
    struct gmsh_mesh g, g4;
    struct core_err err = {0, ""};
    struct fe_mesh m, m4;
    const struct gmsh_entity *en;
    int *pt = NULL, *gt = NULL, *pt4 = NULL, *gt4 = NULL, rc, same = 1;
    gmsh_mesh_init(&g);
    gmsh_mesh_init(&g4);
    fe_mesh_init(&m);
    fe_mesh_init(&m4);
    rc = msh_read(msh22_good, &g, &err);
    is_int(rc, CORE_OK, "gmsh 2.2: read %s", rc ? err.msg : "");
    is_int((long)g.nnodes, 4, "gmsh 2.2: 4 nodes");
    is_int((long)g.nelems, 5, "gmsh 2.2: 5 elements (the triangle in two groups once)");
    is_int((long)g.node_tags[1], 40000, "gmsh 2.2: sparse tags kept");
    is_rel(g.xyz[3 * 3], 1.0000000000000002, 0, "gmsh 2.2: 17 digits kept");
    en = gmsh_entity_find(&g, 2, 1);
    ok(en && en->nphys == 2 &&
           ((en->phys[0] == 1 && en->phys[1] == 7) || (en->phys[0] == 7 && en->phys[1] == 1)),
       "gmsh 2.2: surface 1 is in physical groups 1 and 7");
    en = gmsh_entity_find(&g, 0, 7);
    ok(en && en->nphys == 0, "gmsh 2.2: physical tag 0 is no group");
    en = gmsh_entity_find(&g, 1, 3);
    ok(en && en->nphys == 1 && en->phys[0] == 5 && en->box[1] == 0 && en->box[4] == 1,
       "gmsh 2.2: curve 3 in group 5, its bounding box from its nodes");
    is_int(g.node_dim[0], 2, "gmsh 2.2: a node goes with its highest element");
    is_int((long)g.nperiodic, 2, "gmsh 2.2: two periodic links");
    is_int((long)g.periodic[0].naffine, 16, "gmsh 2.2: Affine read");
    ok(g.periodic[0].affine[15] == 1 && g.periodic[1].naffine == 0 &&
           g.periodic[0].pairs[0] == 40000,
       "gmsh 2.2: the affine map and the pairs");
    /* semantics: a surface in two groups is refused as in 4.1 */
    rc = gmsh_to_fe(&g, "t.msh", 1, &m, &pt, &gt, &err);
    ok(rc == CORE_EINPUT && strstr(err.msg, "in 2 physical groups"),
       "gmsh 2.2: a surface in two phases refused: %s", err.msg);
    /* without the second group, the same lib/fe mesh as the 4.1 file */
    {
        char text[2048];
        const char *cut = strstr(msh22_good, "19 2 2 7");
        size_t n = (size_t)(cut - msh22_good);
        snprintf(text, sizeof text, "%.*s%s", (int)n, msh22_good,
                 cut + strlen("19 2 2 7 1 10 20 30\n"));
        text[strstr(text, "$Elements\n6") - text + 10] = '5';
        rc = msh_read(text, &g, &err);
        is_int(rc, CORE_OK, "gmsh 2.2: one group each %s", rc ? err.msg : "");
        rc = gmsh_to_fe(&g, "t.msh", 1, &m, &pt, &gt, &err);
        is_int(rc, CORE_OK, "gmsh 2.2: to lib/fe %s", rc ? err.msg : "");
        rc = msh_read(msh_good, &g4, &err) || gmsh_to_fe(&g4, "t.msh", 1, &m4, &pt4, &gt4, &err);
        is_int(rc, CORE_OK, "gmsh 4.1: to lib/fe");
        same = m.nnodes == m4.nnodes && m.ntris == m4.ntris && m.nedges == m4.nedges &&
               m.nphases == m4.nphases && m.ngroups == m4.ngroups;
        for (size_t i = 0; same && i < 2 * m.nnodes; i++)
            same = m.xy[i] == m4.xy[i];
        for (size_t e = 0; same && e < m.ntris; e++) {
            int found = 0;
            for (size_t f = 0; f < m4.ntris; f++)
                found |= m.tri_phase[e] == m4.tri_phase[f] &&
                         memcmp(&m.tri[3 * e], &m4.tri[3 * f], 3 * sizeof *m.tri) == 0;
            same = found;
        }
        for (size_t e = 0; same && e < m.nedges; e++)
            same = m.edge_group[e] == m4.edge_group[e] && m.edge[2 * e] == m4.edge[2 * e] &&
                   m.edge[2 * e + 1] == m4.edge[2 * e + 1];
        ok(same && pt[0] == pt4[0] && pt[1] == pt4[1] && gt[0] == gt4[0],
           "gmsh 2.2: the same lib/fe mesh as from the same mesh in 4.1");
    }
    free(pt);
    free(gt);
    free(pt4);
    free(gt4);
    fe_mesh_release(&m);
    fe_mesh_release(&m4);
    gmsh_mesh_release(&g);
    gmsh_mesh_release(&g4);
}

/* ---- formats/vtu ---- */

static void
test_vtu(void)
{
    double xyz[9] = {0, 0, 0, 1, 0, 0, 0, 1.0000000000000002, 0}, t[3] = {300, 301.5, -2e-300};
    double q[2] = {-1.25, 3}, ph[1] = {1};
    size_t off[2] = {0, 3}, conn[3] = {0, 1, 2};
    unsigned char types[1] = {VTU_TRIANGLE};
    struct vtu_array pd[1] = {{"T<&>\"'", 1, t}}, cd[2] = {{"q", 2, q}, {"phase", 1, ph}};
    struct vtu_grid g = {3, xyz, 1, off, conn, types, 1, pd, 2, cd};
    struct core_err err = {0, ""};
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    is_int(vtu_write(fp, &g, &err), CORE_OK, "vtu: write");
    fclose(fp);
    ok(strstr(buf, "<VTKFile type=\"UnstructuredGrid\"") != NULL, "vtu: header");
    ok(strstr(buf, "Name=\"T&lt;&amp;&gt;&quot;&apos;\"") != NULL, "vtu: names escaped");
    ok(strstr(buf, "-1.25 3 0\n") != NULL, "vtu: 2-vectors padded to 3");
    ok(strstr(buf, "1.0000000000000002") && strstr(buf, "-2.0000000000000001e-300"),
       "vtu: 17 digits");
    ok(strstr(buf, "NumberOfPoints=\"3\" NumberOfCells=\"1\"") != NULL, "vtu: counts");
    free(buf);
    buf = NULL;
    t[1] = NAN;
    fp = open_memstream(&buf, &len);
    is_int(vtu_write(fp, &g, &err), CORE_EINPUT, "vtu: NaN refused");
    ok(strstr(err.msg, "'T<&>\"'': value 1 is not finite") != NULL, "  message: %s", err.msg);
    t[1] = 1;
    conn[2] = 3;
    is_int(vtu_write(fp, &g, &err), CORE_EINPUT, "vtu: point out of range refused");
    conn[2] = 2;
    off[1] = 0;
    is_int(vtu_write(fp, &g, &err), CORE_EINPUT, "vtu: empty cell refused");
    off[1] = 3;
    cd[0].ncomp = 10;
    is_int(vtu_write(fp, &g, &err), CORE_EINPUT, "vtu: 10 components refused");
    cd[0].ncomp = 2;
    xyz[0] = INFINITY;
    is_int(vtu_write(fp, &g, &err), CORE_EINPUT, "vtu: infinite point refused");
    fclose(fp);
    free(buf);
}

/* ---- plane-stress elasticity ---- */

struct slabs {
    int axis; /* layers stacked along x (0: interfaces normal to x) or y (1) */
    double len;
};

/* Three layers along an axis: 0 on [0.1, 0.4), 1 on [0.4, 0.7), 2 elsewhere (wrapping). */
static int
slab_layers(double x, double y, const void *ctx)
{
    const struct slabs *s = ctx;
    double u = (s->axis ? y : x) / s->len;
    return u >= 0.1 && u < 0.4 ? 0 : u >= 0.4 && u < 0.7 ? 1 : 2;
}

/* Inverse of a 2x2 matrix (row-major). */
static void
inv2(const double a[4], double b[4])
{
    double d = a[0] * a[3] - a[1] * a[2];
    b[0] = a[3] / d;
    b[1] = -a[1] / d;
    b[2] = -a[2] / d;
    b[3] = a[0] / d;
}

/*
 * The exact effective stiffness of a laminate (layers normal to axis, fractions f), from
 * continuity of the traction (sigma_n: xx and xy for normal x; yy and xy for normal y) and
 * of the tangential strain (eps_t: yy, or xx) across the interfaces, the fields being uniform
 * in each layer: with A = <Cnn^-1>, B = <Cnn^-1 Cnt>, F = <Ctt - Ctn Cnn^-1 Cnt>,
 *   sigma_n = A^-1 (<eps_n> + B eps_t),  <sigma_t> = B^T sigma_n + F eps_t,
 * so C_nn = A^-1, C_nt = A^-1 B, C_tt = B^T A^-1 B + F. For isotropic layers and normal y
 * (stripes along x) this is C11 = <E/(1-nu^2)> - <E nu/(1-nu^2)>^2 ... in general the
 * Voigt mean only when the nu agree; across (normal x) the Reuss mean of the uniaxial moduli,
 * 1/S11 = 1/<1/E>, when nu/E agrees (see fe-solve(1), VERIFICATION).
 */
static void
laminate_c(const double *c, const double *f, size_t nph, int axis, double ceff[9])
{
    int n[2] = {axis ? 1 : 0, 2}, t = axis ? 0 : 1;
    double a[4] = {0, 0, 0, 0}, b[2] = {0, 0}, ff = 0, ai[4], ab[2];
    for (size_t p = 0; p < nph; p++) {
        const double *cp = &c[9 * p];
        double cnn[4], ci[4], cnt[2], ctn[2], cb[2];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++)
                cnn[2 * i + j] = cp[3 * n[i] + n[j]];
            cnt[i] = cp[3 * n[i] + t];
            ctn[i] = cp[3 * t + n[i]];
        }
        inv2(cnn, ci);
        for (int i = 0; i < 2; i++) {
            cb[i] = ci[2 * i] * cnt[0] + ci[2 * i + 1] * cnt[1];
            b[i] += f[p] * cb[i];
            for (int j = 0; j < 2; j++)
                a[2 * i + j] += f[p] * ci[2 * i + j];
        }
        ff += f[p] * (cp[3 * t + t] - ctn[0] * cb[0] - ctn[1] * cb[1]);
    }
    inv2(a, ai);
    for (int i = 0; i < 2; i++) {
        ab[i] = ai[2 * i] * b[0] + ai[2 * i + 1] * b[1];
        for (int j = 0; j < 2; j++)
            ceff[3 * n[i] + n[j]] = ai[2 * i + j];
        ceff[3 * n[i] + t] = ceff[3 * t + n[i]] = ab[i];
    }
    ceff[3 * t + t] = b[0] * ab[0] + b[1] * ab[1] + ff;
}

static void
test_elast_rotate(void)
{
    double c[9], r[9], back[9], iso[9], iso_r[9], ortho[9] = {0};
    ortho[0] = 341.5;
    ortho[4] = 187.25;
    ortho[1] = ortho[3] = 61.125;
    ortho[8] = 93.75;
    fe_elast_rotate(ortho, 0.5 * M_PI, r);
    is_rel(r[0], ortho[4], 1e-14, "rotate 90 degrees: C11 <- C22");
    is_rel(r[4], ortho[0], 1e-14, "rotate 90 degrees: C22 <- C11");
    is_rel(r[1], ortho[1], 1e-14, "rotate 90 degrees: C12 kept");
    is_rel(r[8], ortho[8], 1e-14, "rotate 90 degrees: C66 kept");
    is_abs(r[2], 0, 1e-12, "rotate 90 degrees: C16 = 0");
    fe_elast_rotate(ortho, 0.7316, c);
    fe_elast_rotate(c, -0.7316, back);
    for (int i = 0; i < 9; i++)
        is_abs(back[i], ortho[i], 1e-12, "rotate and back: C[%d]", i);
    ok(fe_elast_check(c), "a rotated stiffness is symmetric positive definite");
    /* the energy of a strain is frame-independent: eps.C.eps = eps'.C'.eps' */
    {
        double co = cos(0.7316), si = sin(0.7316), e[3] = {1.5e-3, -0.75e-3, 2.25e-3};
        double ep[3] = {co * co * e[0] + si * si * e[1] + co * si * e[2],
                        si * si * e[0] + co * co * e[1] - co * si * e[2],
                        -2 * co * si * e[0] + 2 * co * si * e[1] + (co * co - si * si) * e[2]};
        double w = 0, wp = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                w += e[i] * c[3 * i + j] * e[j];
                wp += ep[i] * ortho[3 * i + j] * ep[j];
            }
        is_rel(w, wp, 1e-13, "rotation keeps the strain energy");
    }
    fe_elast_iso(211.5, 0.287, iso);
    fe_elast_rotate(iso, 1.1, iso_r);
    for (int i = 0; i < 9; i++)
        is_abs(iso_r[i], iso[i], 1e-12, "isotropic stiffness is rotation invariant: C[%d]", i);
    is_rel(iso[0], 211.5 / (1 - 0.287 * 0.287), 1e-15, "plane stress C11 = E/(1-nu^2)");
    is_rel(iso[8], 211.5 / (2 * 1.287), 1e-15, "plane stress C66 = E/(2(1+nu))");
    ok(!fe_elast_check((double[9]){1, 2, 0, 2, 1, 0, 0, 0, 1}), "indefinite: refused");
    ok(!fe_elast_check((double[9]){2, 1, 0, 0.5, 2, 0, 0, 0, 1}), "asymmetric: refused");
    ok(!fe_elast_check((double[9]){2, 0, 0, 0, NAN, 0, 0, 0, 1}), "NaN: refused");
    ok(!fe_elast_check((double[9]){2, 0, 0, 0, 2, 0, 0, 0, 0}), "no shear stiffness: refused");
}

static void
test_elast_laminate(int axis)
{
    struct fe_mesh m;
    struct core_err err = {0, ""};
    struct fe_solve_opts o = FE_SOLVE_OPTS_DEFAULT;
    struct fe_solve_stats st;
    double lx = 1.3e-6, ly = 0.7e-6, c[27], ceff[9], want[9], f[3] = {0.3, 0.3, 0.4}, ortho[9];
    double *u;
    struct slabs sl = {axis, axis ? ly : lx};
    /* three anisotropic phases with different Poisson ratios, one rotated */
    fe_elast_iso(412.5e9, 0.173, c);
    fe_elast_iso(97.25e9, 0.381, c + 9);
    memset(ortho, 0, sizeof ortho);
    ortho[0] = 231.0e9;
    ortho[4] = 143.5e9;
    ortho[1] = ortho[3] = 37.75e9;
    ortho[8] = 58.125e9;
    fe_elast_rotate(ortho, 0.4363, c + 18);
    o.rtol = 1e-12;
    grid(&m, axis ? 7 : 30, axis ? 30 : 7, lx, ly, 3, slab_layers, &sl, NULL, 5);
    u = malloc(6 * m.nnodes * sizeof *u);
    is_int(fe_elast_homog(&m, c, &o, 1e-8, ceff, u, &st, &err), CORE_OK,
           "laminate normal to %c: homogenisation %s", "xy"[axis], err.msg);
    laminate_c(c, f, 3, axis, want);
    {
        double maxerr = 0;
        for (int i = 0; i < 9; i++)
            maxerr = fmax(maxerr, fabs(ceff[i] - want[i]) / want[0]);
        ok(maxerr < 1e-9, "laminate normal to %c: max |C - exact| / C11 = %.2g", "xy"[axis],
           maxerr);
    }
    for (int i = 0; i < 9; i++)
        is_abs(ceff[i], want[i], 1e-9 * want[0], "laminate normal to %c: C[%d] = %.10g (exact)",
               "xy"[axis], i, want[i]);
    is_int((long)st.npinned, 2, "laminate: one node pinned in x and y");
    ok(st.ndofs == 2 * 30 * 7 - 2, "laminate: %zu unknowns (two per periodic node)", st.ndofs);
    /* the energy form equals the mean stress */
    {
        double *sig = malloc(3 * m.ntris * sizeof *sig), mean[3] = {0, 0, 0}, area = 0;
        fe_elast_stress(&m, c, u + 2 * m.nnodes, NULL, sig);
        for (size_t e = 0; e < m.ntris; e++) {
            const size_t *v = &m.tri[3 * e];
            double a =
                0.5 *
                fabs((m.xy[2 * v[1]] - m.xy[2 * v[0]]) * (m.xy[2 * v[2] + 1] - m.xy[2 * v[0] + 1]) -
                     (m.xy[2 * v[1] + 1] - m.xy[2 * v[0] + 1]) * (m.xy[2 * v[2]] - m.xy[2 * v[0]]));
            for (int k = 0; k < 3; k++)
                mean[k] += a * sig[3 * e + k];
            area += a;
        }
        for (int k = 0; k < 3; k++)
            is_abs(mean[k] / area, ceff[3 * k + 1], 1e-9 * want[0],
                   "laminate: mean stress of the eyy case, component %d", k);
        free(sig);
    }
    free(u);
    fe_mesh_release(&m);
}

/* Tension of a layered bar: the Voigt and Reuss limits are exact for these phases. */
static void
test_elast_tension(void)
{
    struct fe_mesh m;
    struct core_err err = {0, ""};
    struct fe_solve_opts o = FE_SOLVE_OPTS_DEFAULT;
    double lx = 1.3e-6, ly = 0.7e-6, c[27], res[3], f[3] = {0.3, 0.3, 0.4}, ceff[9], s11;
    double e[3] = {412.5e9, 97.25e9, 233.0e9}, nu[3] = {0.173, 0.381, 0.2911};
    double reuss = 0, voigt = 0, nuv = 0, strain = 2.5e-3;
    struct slabs sl = {1, ly};
    o.rtol = 1e-12;
    for (int p = 0; p < 3; p++) {
        fe_elast_iso(e[p], nu[p], c + 9 * p);
        voigt += f[p] * e[p];
        nuv += f[p] * nu[p];
    }
    /* along the stripes (interfaces normal to y): each layer in uniaxial stress, any nu */
    grid(&m, 13, 30, lx, ly, 3, slab_layers, &sl, NULL, 5);
    is_int(fe_elast_tension(&m, c, &o, 1e-8, strain, res, NULL, NULL, &err), CORE_OK,
           "tension along the stripes %s", err.msg);
    is_rel(res[1], voigt, 1e-9, "tension along: E = sum f_i E_i (Voigt, exact; error %.2g)",
           fabs(res[1] / voigt - 1));
    is_rel(res[0], voigt * strain, 1e-9, "tension along: sigma = E strain");
    is_rel(res[2], nuv, 1e-9, "tension along: nu = sum f_i nu_i");
    fe_mesh_release(&m);
    /* across (interfaces normal to x), with nu_i/E_i equal: uniform uniaxial stress */
    for (int p = 0; p < 3; p++) {
        nu[p] = e[p] * 0.9e-12;
        fe_elast_iso(e[p], nu[p], c + 9 * p);
        reuss += f[p] / e[p];
    }
    sl.axis = 0;
    sl.len = lx;
    grid(&m, 30, 9, lx, ly, 3, slab_layers, &sl, NULL, 5);
    is_int(fe_elast_tension(&m, c, &o, 1e-8, strain, res, NULL, NULL, &err), CORE_OK,
           "tension across the stripes %s", err.msg);
    is_rel(res[1], 1 / reuss, 1e-9, "tension across: E = 1/sum(f_i/E_i) (Reuss, exact; error %.2g)",
           fabs(res[1] * reuss - 1));
    is_rel(res[2], 0.9e-12 / reuss, 1e-9, "tension across: nu = (nu/E) E_eff");
    /* the periodic cell agrees: 1/S11 of the homogenised stiffness */
    is_int(fe_elast_homog(&m, c, &o, 1e-8, ceff, NULL, NULL, &err), CORE_OK, "periodic across");
    s11 = (ceff[4] * ceff[8] - ceff[5] * ceff[7]) /
          (ceff[0] * (ceff[4] * ceff[8] - ceff[5] * ceff[7]) -
           ceff[1] * (ceff[3] * ceff[8] - ceff[5] * ceff[6]) +
           ceff[2] * (ceff[3] * ceff[7] - ceff[4] * ceff[6]));
    is_rel(1 / s11, 1 / reuss, 1e-9, "periodic across: 1/S11 = Reuss");
    is_int(fe_elast_tension(&m, c, &o, 1e-8, 0, res, NULL, NULL, &err), CORE_OK, "zero strain");
    ok(res[0] == 0 && res[1] == 0 && res[2] == 0, "zero strain: no stress, E and nu 0");
    is_int(fe_elast_tension(&m, c, &o, 1e-8, NAN, res, NULL, NULL, &err), CORE_EINPUT,
           "NaN strain: %s", err.msg);
    fe_mesh_release(&m);
}

/* One phase: isotropic and rotated anisotropic stiffness come back; the patch test. */
static void
test_elast_homogeneous(void)
{
    struct fe_mesh m;
    struct core_err err = {0, ""};
    struct fe_solve_opts o = FE_SOLVE_OPTS_DEFAULT;
    struct fe_elast *h = NULL;
    double c[9], ceff[9], ortho[9] = {0}, *u, *ufix, *sig, *eps, maxerr = 0, maxs = 0;
    double a0[2] = {3.1e-9, -1.7e-9}, hh[4] = {1.25e-3, -0.75e-3, 2.5e-3, -0.5e-3};
    unsigned char *fixed;
    o.rtol = 1e-12;
    grid(&m, 9, 13, 2e-7, 3e-7, 1, NULL, NULL, NULL, 5);
    fe_elast_iso(1021.5, 0.1625, c);
    is_int(fe_elast_homog(&m, c, &o, 1e-8, ceff, NULL, NULL, &err), CORE_OK, "isotropic: homog");
    for (int i = 0; i < 9; i++)
        is_abs(ceff[i], c[i], 1e-10 * c[0], "isotropic: C[%d] back", i);
    ortho[0] = 341.5;
    ortho[4] = 187.25;
    ortho[1] = ortho[3] = 61.125;
    ortho[8] = 93.75;
    fe_elast_rotate(ortho, 0.4363, c);
    is_int(fe_elast_homog(&m, c, &o, 1e-8, ceff, NULL, NULL, &err), CORE_OK, "rotated: homog");
    for (int i = 0; i < 9; i++)
        is_abs(ceff[i], c[i], 1e-10 * c[0], "rotated anisotropic: C[%d] back", i);
    /* patch test: distort the interior, fix the boundary at u = a + H x */
    for (size_t i = 0; i < m.nnodes; i++) {
        double x = m.xy[2 * i], y = m.xy[2 * i + 1];
        if (x > 1e-12 && x < 2e-7 - 1e-12 && y > 1e-12 && y < 3e-7 - 1e-12) {
            m.xy[2 * i] += 0.3 * 2e-7 / 9 * sin(17.0 * (double)i);
            m.xy[2 * i + 1] += 0.3 * 3e-7 / 13 * cos(11.0 * (double)i);
        }
    }
    is_int(fe_mesh_check(&m, &err), CORE_OK, "distorted mesh is valid");
    fixed = calloc(2 * m.nnodes, 1);
    ufix = calloc(2 * m.nnodes, sizeof *ufix);
    u = malloc(2 * m.nnodes * sizeof *u);
    sig = malloc(3 * m.ntris * sizeof *sig);
    eps = malloc(3 * m.ntris * sizeof *eps);
    for (size_t i = 0; i < m.nnodes; i++) {
        double x = m.xy[2 * i], y = m.xy[2 * i + 1];
        int bnd = x < 1e-12 || x > 2e-7 - 1e-12 || y < 1e-12 || y > 3e-7 - 1e-12;
        for (int k = 0; k < 2; k++) {
            fixed[2 * i + k] = (unsigned char)bnd;
            ufix[2 * i + k] = a0[k] + hh[2 * k] * x + hh[2 * k + 1] * y;
        }
    }
    is_int(fe_elast_plan(&h, &m, c, NULL, fixed, &o, &err), CORE_OK, "patch: plan");
    is_int((long)fe_elast_stats(h)->npinned, 0, "patch: nothing pinned");
    is_int(fe_elast_exec(h, NULL, ufix, u, &err), CORE_OK, "patch: exec");
    for (size_t i = 0; i < 2 * m.nnodes; i++)
        maxerr = fmax(maxerr, fabs(u[i] - ufix[i]));
    is_abs(maxerr, 0, 1e-9 * 5e-10,
           "patch: the linear field is reproduced (max error %.2g m of |u| ~ 5e-10 m)", maxerr);
    fe_elast_stress(&m, c, u, eps, sig);
    {
        double e0[3] = {hh[0], hh[3], hh[1] + hh[2]}, s0[3];
        for (int r = 0; r < 3; r++)
            s0[r] = c[3 * r] * e0[0] + c[3 * r + 1] * e0[1] + c[3 * r + 2] * e0[2];
        for (size_t e = 0; e < m.ntris; e++)
            for (int r = 0; r < 3; r++) {
                maxs = fmax(maxs, fabs(sig[3 * e + r] - s0[r]) / fabs(s0[0]));
                maxs = fmax(maxs, fabs(eps[3 * e + r] - e0[r]) / fabs(e0[0]));
            }
    }
    is_abs(maxs, 0, 1e-9, "patch: strain and stress constant and exact (%.2g)", maxs);
    /* errors */
    is_int(fe_elast_exec(h, (double[3]){0, NAN, 0}, ufix, u, &err), CORE_EINPUT,
           "exec: NaN strain: %s", err.msg);
    fe_elast_free(h);
    h = NULL;
    for (size_t i = 0; i < m.nnodes; i++) /* one node of the right side moves: not periodic */
        if (m.xy[2 * i] > 2e-7 - 1e-12 && m.xy[2 * i + 1] > 1e-12 &&
            m.xy[2 * i + 1] < 3e-7 - 1e-12) {
            m.xy[2 * i + 1] += 1e-9;
            break;
        }
    is_int(fe_elast_homog(&m, c, &o, 1e-8, ceff, NULL, NULL, &err), CORE_EINPUT,
           "homog of a non-periodic mesh: %s", err.msg);
    c[1] = c[3] = 1e3;
    is_int(fe_elast_plan(&h, &m, c, NULL, fixed, &o, &err), CORE_EINPUT,
           "plan: indefinite stiffness: %s", err.msg);
    ok(h == NULL, "plan: no plan on error");
    fe_elast_iso(1, 0.25, c);
    o.rtol = 0;
    is_int(fe_elast_plan(&h, &m, c, NULL, fixed, &o, &err), CORE_EINPUT, "plan: rtol 0: %s",
           err.msg);
    fe_elast_free(NULL);
    free(fixed);
    free(ufix);
    free(u);
    free(sig);
    free(eps);
    fe_mesh_release(&m);
}

/* ---- nonlinear elasticity ---- */

/* A curve: stiff, yielding, peak at 0.12, softening. */
static const double curve_e[] = {0, 0.02, 0.05, 0.09, 0.12, 0.15};
static const double curve_s[] = {0, 20.5, 41.75, 55.25, 58.125, 30.0};
/* A softer one: peak at 0.2 */
static const double curve2_e[] = {0, 0.04, 0.1, 0.2, 0.25};
static const double curve2_s[] = {0, 9.25, 18.5, 24.0, 12.0};

/* Inverse of the rising part of a curve: the strain at stress s (<= the peak). */
static double
curve_inv(const double *e, const double *sg, size_t n, double s)
{
    for (size_t k = 1; k < n; k++)
        if (s <= sg[k])
            return e[k - 1] + (s - sg[k - 1]) / (sg[k] - sg[k - 1]) * (e[k] - e[k - 1]);
    return NAN;
}

static double
curve_at(const double *e, const double *sg, size_t n, double x)
{
    size_t k = 1;
    while (k + 1 < n && e[k] < x)
        k++;
    return sg[k - 1] + (sg[k] - sg[k - 1]) / (e[k] - e[k - 1]) * (x - e[k - 1]);
}

static void
test_law(void)
{
    struct core_err err = {0, ""};
    struct fe_law law = {6, curve_e, curve_s, 0.2375};
    double sig[3], d[9], eps[3] = {0.0317, -0.0121, 0.0213}, h = 1e-7, maxd = 0;
    double e0[] = {0, 0.1, 0.05}, s0[] = {0, 1, 2}, e1[] = {0.01, 0.1}, s1[] = {0, 1};
    double bad[] = {0, NAN};
    is_int(fe_law_check(&law, &err), CORE_OK, "law: a valid curve");
    is_rel(fe_law_peak(&law), 0.12, 1e-15, "law: peak strain");
    /* uniaxial stress gives the curve back */
    for (double e = 0.01; e < 0.14; e += 0.0173) {
        double u[3] = {e, -law.nu * e, 0};
        fe_law_stress(&law, u, sig, NULL);
        is_rel(sig[0], curve_at(curve_e, curve_s, 6, e), 1e-13, "law: uniaxial S(%.4f)", e);
        is_abs(sig[1], 0, 1e-12, "law: uniaxial sigma_yy = 0 at %.4f", e);
        is_rel(fe_law_strain(&law, u), e, 1e-13, "law: q = e in uniaxial stress");
    }
    /* the tangent is the derivative of the stress (rising part: S' > 0) */
    fe_law_stress(&law, eps, sig, d);
    for (int j = 0; j < 3; j++) {
        double ep[3] = {eps[0], eps[1], eps[2]}, em[3] = {eps[0], eps[1], eps[2]}, sp[3], sm[3];
        ep[j] += h;
        em[j] -= h;
        fe_law_stress(&law, ep, sp, NULL);
        fe_law_stress(&law, em, sm, NULL);
        for (int i = 0; i < 3; i++)
            maxd = fmax(maxd, fabs((sp[i] - sm[i]) / (2 * h) - d[3 * i + j]) / d[0]);
    }
    is_abs(maxd, 0, 1e-6, "law: tangent = dsigma/deps by central differences (%.2g)", maxd);
    ok(fabs(d[1] - d[3]) < 1e-12 * d[0] && fabs(d[2] - d[6]) < 1e-12 * d[0],
       "law: the tangent is symmetric (hyperelastic)");
    /* at zero strain: the initial slope */
    fe_law_stress(&law, (double[3]){0, 0, 0}, sig, d);
    is_rel(d[0], 20.5 / 0.02 / (1 - law.nu * law.nu), 1e-14, "law: D(0) = E0 C0");
    ok(sig[0] == 0 && sig[1] == 0 && sig[2] == 0, "law: no stress at zero strain");
    law = (struct fe_law){3, e0, s0, 0.2};
    is_int(fe_law_check(&law, &err), CORE_EINPUT, "law: strains must increase: %s", err.msg);
    law = (struct fe_law){2, e1, s1, 0.2};
    is_int(fe_law_check(&law, &err), CORE_EINPUT, "law: must start at (0, 0): %s", err.msg);
    law = (struct fe_law){1, curve_e, curve_s, 0.2};
    is_int(fe_law_check(&law, &err), CORE_EINPUT, "law: one point: %s", err.msg);
    law = (struct fe_law){2, curve_e, curve_s, 1.0};
    is_int(fe_law_check(&law, &err), CORE_EINPUT, "law: nu = 1: %s", err.msg);
    law = (struct fe_law){2, curve_e, bad, 0.2};
    is_int(fe_law_check(&law, &err), CORE_EINPUT, "law: NaN: %s", err.msg);
    law = (struct fe_law){2, curve_e, (double[2]){0, -1}, 0.2};
    is_int(fe_law_check(&law, &err), CORE_EINPUT, "law: negative slope at 0: %s", err.msg);
}

static void
test_tension_nl(void)
{
    struct fe_mesh m;
    struct core_err err = {0, ""};
    struct fe_solve_opts o = FE_SOLVE_OPTS_DEFAULT;
    struct fe_law law[3] = {
        {6, curve_e, curve_s, 0.0}, {5, curve2_e, curve2_s, 0.0}, {6, curve_e, curve_s, 0.0}};
    struct fe_failure fl;
    int rc;
    double lx = 1.3e-6, ly = 0.7e-6, c[27], cv[3 * 40], maxe = 0, f[3] = {0.3, 0.3, 0.4};
    struct slabs sl = {0, lx};
    size_t nst = 37;
    o.rtol = 1e-12;
    for (int p = 0; p < 3; p++)
        fe_elast_iso(p == 1 ? 231.25 : 1025, 0.0, c + 9 * p);
    /* one phase: the curve comes back, failure at the peak strain */
    grid(&m, 13, 7, lx, ly, 1, NULL, NULL, NULL, 5);
    law[0].nu = 0.3125;
    rc = fe_elast_tension_nl(&m, c, law, &o, 1e-8, 0.2, nst, cv, &fl, NULL, NULL, &err);
    is_int(rc, CORE_OK, "nl homogeneous: %s", rc ? err.msg : "");
    ok(fl.failed == 1 && fl.nsteps == 23, "nl homogeneous: fails at step 23 of 37 (strain 0.124)");
    for (size_t k = 0; k < fl.nsteps; k++)
        maxe = fmax(maxe, fabs(cv[3 * k + 1] - curve_at(curve_e, curve_s, 6, cv[3 * k])) / 58.125);
    is_abs(maxe, 0, 1e-9, "nl homogeneous: sigma(e) = the curve (max error %.2g of the peak)",
           maxe);
    is_rel(cv[3 * 10 + 2], 0.3125, 1e-8, "nl homogeneous: nu");
    is_rel(fl.strain, 0.12, 1e-9, "nl homogeneous: failure strain = the peak strain");
    ok(fl.ratio > 1 && fl.newton >= fl.nsteps, "nl homogeneous: %zu Newton iterations", fl.newton);
    fe_mesh_release(&m);
    /* three layers across the load, nu = 0: one stress, the strains add */
    law[0].nu = 0;
    grid(&m, 30, 7, lx, ly, 3, slab_layers, &sl, NULL, 5);
    rc = fe_elast_tension_nl(&m, c, law, &o, 1e-8, 0.2, nst, cv, &fl, NULL, NULL, &err);
    is_int(rc, CORE_OK, "nl series: %s", rc ? err.msg : "");
    maxe = 0;
    for (size_t k = 0; k < fl.nsteps; k++) {
        double s = cv[3 * k + 1];
        double e = (f[0] + f[2]) * curve_inv(curve_e, curve_s, 6, s) +
                   f[1] * curve_inv(curve2_e, curve2_s, 5, s);
        maxe = fmax(maxe, fabs(e - cv[3 * k]) / cv[3 * k]);
    }
    ok(fl.failed, "nl series: fails (%d: the balance is lost at the soft layer's peak)", fl.failed);
    is_abs(maxe, 0, 1e-9,
           "nl series: sum f_i e_i(sigma) = the applied strain at every step (max %.2g)", maxe);
    is_int(m.tri_phase[fl.elem], 1, "nl series: the soft layer fails first");
    {
        /* exact failure: the soft layer at its peak (e 0.2, s 24) */
        double ef = (f[0] + f[2]) * curve_inv(curve_e, curve_s, 6, 24.0) + f[1] * 0.2;
        is_abs(fl.strain, ef, 1e-4, "nl series: failure at %.6f, exact %.6f", fl.strain, ef);
    }
    fe_mesh_release(&m);
    /* along the load, any nu: one strain, the stresses add */
    law[0].nu = 0.21;
    law[1].nu = 0.37;
    law[2].nu = 0.21;
    sl.axis = 1;
    sl.len = ly;
    grid(&m, 9, 30, lx, ly, 3, slab_layers, &sl, NULL, 5);
    rc = fe_elast_tension_nl(&m, c, law, &o, 1e-8, 0.3, 29, cv, &fl, NULL, NULL, &err);
    is_int(rc, CORE_OK, "nl parallel: %s", rc ? err.msg : "");
    maxe = 0;
    for (size_t k = 0; k < fl.nsteps; k++) {
        double e = cv[3 * k];
        double s = (f[0] + f[2]) * curve_at(curve_e, curve_s, 6, e) +
                   f[1] * curve_at(curve2_e, curve2_s, 5, e);
        maxe = fmax(maxe, fabs(s - cv[3 * k + 1]) / s);
    }
    ok(fl.failed == 1 && fl.nsteps == 12, "nl parallel: the stiff layers fail in step 12 (%d, %zu)",
       fl.failed, fl.nsteps);
    is_abs(maxe, 0, 1e-9, "nl parallel: sigma = sum f_i S_i(e) at every step (max %.2g)", maxe);
    is_int(m.tri_phase[fl.elem] != 1, 1, "nl parallel: a stiff layer fails first");
    is_rel(fl.strain, 0.12, 1e-9, "nl parallel: failure strain 0.12");
    /* linear phases only: no failure, the linear result */
    is_int(fe_elast_tension_nl(&m, c, NULL, &o, 1e-8, 0.01, 3, cv, &fl, NULL, NULL, &err), CORE_OK,
           "nl with linear phases");
    ok(!fl.failed && fl.nsteps == 3, "linear: no failure, 3 steps");
    is_rel(cv[3 * 2 + 1], 0.01 * 1025 * 0.7 + 0.01 * 231.25 * 0.3, 1e-9,
           "linear: sigma = <E> strain");
    is_int(fe_elast_tension_nl(&m, c, NULL, &o, 1e-8, 0, 3, cv, &fl, NULL, NULL, &err), CORE_EINPUT,
           "nl: zero strain refused");
    law[1].nu = 2;
    is_int(fe_elast_tension_nl(&m, c, law, &o, 1e-8, 0.1, 3, cv, &fl, NULL, NULL, &err),
           CORE_EINPUT, "nl: a bad law: %s", err.msg);
    fe_mesh_release(&m);
}

int
main(void)
{
    test_laminate(FE_SOLVER_PCG);
    test_laminate(FE_SOLVER_CHOLMOD);
    test_rotated();
    test_convergence();
    test_disk();
    test_mesh_paths();
    test_flux_bc();
    test_geom();
    test_grains();
    test_grains_tidy();
    test_polygons();
    test_gmsh();
    test_gmsh_errors();
    test_gmsh22();
    test_vtu();
    test_elast_rotate();
    test_elast_laminate(0);
    test_elast_laminate(1);
    test_elast_tension();
    test_elast_homogeneous();
    test_law();
    test_tension_nl();
    done_testing();
    return exit_status();
}
