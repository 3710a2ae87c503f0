/*
 * fe meshes: checks, quality, node doubling along interfaces, periodic node pairing.
 * See fe.h for the promises.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fe.h"
#include "fe_impl.h"

void
fe_mesh_init(struct fe_mesh *m)
{
    memset(m, 0, sizeof *m);
}

void
fe_mesh_release(struct fe_mesh *m)
{
    free(m->xy);
    free(m->node_orig);
    free(m->tri);
    free(m->tri_phase);
    free(m->edge);
    free(m->edge_group);
    free(m->iface);
    free(m->iface_group);
    free(m->iface_edge);
    fe_mesh_init(m);
}

int
fe_mesh_alloc(struct fe_mesh *m, size_t nnodes, size_t ntris, size_t nedges, struct core_err *err)
{
    fe_mesh_release(m);
    m->xy = calloc(2 * nnodes + 1, sizeof *m->xy);
    m->node_orig = malloc((nnodes + 1) * sizeof *m->node_orig);
    m->tri = calloc(3 * ntris + 1, sizeof *m->tri);
    m->tri_phase = calloc(ntris + 1, sizeof *m->tri_phase);
    m->edge = calloc(2 * nedges + 1, sizeof *m->edge);
    m->edge_group = calloc(nedges + 1, sizeof *m->edge_group);
    if (!m->xy || !m->node_orig || !m->tri || !m->tri_phase || !m->edge || !m->edge_group) {
        fe_mesh_release(m);
        return core_err_set(err, CORE_ENOMEM, "out of memory for a mesh of %zu nodes", nnodes);
    }
    for (size_t i = 0; i < nnodes; i++)
        m->node_orig[i] = i;
    m->nnodes = nnodes;
    m->ntris = ntris;
    m->nedges = nedges;
    return CORE_OK;
}

/* Twice the signed area of triangle (a, b, c). */
static double
area2(const double *a, const double *b, const double *c)
{
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

int
fe_mesh_check(struct fe_mesh *m, struct core_err *err)
{
    for (size_t i = 0; i < 2 * m->nnodes; i++)
        if (!isfinite(m->xy[i]))
            return core_err_set(err, CORE_EINPUT, "node %zu has a non-finite coordinate",
                                i / 2 + 1);
    for (size_t e = 0; e < m->ntris; e++) {
        size_t *v = &m->tri[3 * e];
        double a2, l2 = 0;
        for (int k = 0; k < 3; k++)
            if (v[k] >= m->nnodes)
                return core_err_set(err, CORE_EINPUT,
                                    "triangle %zu: node index %zu out of "
                                    "range",
                                    e + 1, v[k]);
        if (m->tri_phase[e] < 0 || (size_t)m->tri_phase[e] >= m->nphases)
            return core_err_set(err, CORE_EINPUT, "triangle %zu: phase %d out of range", e + 1,
                                m->tri_phase[e]);
        for (int k = 0; k < 3; k++) {
            const double *p = &m->xy[2 * v[k]], *q = &m->xy[2 * v[(k + 1) % 3]];
            double d = (q[0] - p[0]) * (q[0] - p[0]) + (q[1] - p[1]) * (q[1] - p[1]);
            l2 = d > l2 ? d : l2;
        }
        a2 = area2(&m->xy[2 * v[0]], &m->xy[2 * v[1]], &m->xy[2 * v[2]]);
        if (!(fabs(a2) > 1e-14 * l2))
            return core_err_set(err, CORE_EINPUT, "triangle %zu has zero area", e + 1);
        if (a2 < 0) {
            size_t t = v[1];
            v[1] = v[2];
            v[2] = t;
        }
    }
    for (size_t e = 0; e < m->nedges; e++) {
        if (m->edge[2 * e] >= m->nnodes || m->edge[2 * e + 1] >= m->nnodes)
            return core_err_set(err, CORE_EINPUT, "line element %zu: node index out of range",
                                e + 1);
        if (m->edge[2 * e] == m->edge[2 * e + 1])
            return core_err_set(err, CORE_EINPUT, "line element %zu has zero length", e + 1);
        if (m->edge_group[e] < 0 || (size_t)m->edge_group[e] >= m->ngroups)
            return core_err_set(err, CORE_EINPUT, "line element %zu: group %d out of range", e + 1,
                                m->edge_group[e]);
    }
    return CORE_OK;
}

double
fe_mesh_min_angle(const struct fe_mesh *m)
{
    double amin = M_PI;
    for (size_t e = 0; e < m->ntris; e++) {
        const size_t *v = &m->tri[3 * e];
        for (int k = 0; k < 3; k++) {
            const double *p = &m->xy[2 * v[k]], *q = &m->xy[2 * v[(k + 1) % 3]],
                         *r = &m->xy[2 * v[(k + 2) % 3]];
            double ux = q[0] - p[0], uy = q[1] - p[1], wx = r[0] - p[0], wy = r[1] - p[1];
            double a = atan2(fabs(ux * wy - uy * wx), ux * wx + uy * wy);
            amin = a < amin ? a : amin;
        }
    }
    return amin * 180.0 / M_PI;
}

void
fe_mesh_box(const struct fe_mesh *m, double box[4])
{
    box[0] = box[1] = HUGE_VAL;
    box[2] = box[3] = -HUGE_VAL;
    for (size_t i = 0; i < m->nnodes; i++)
        for (int k = 0; k < 2; k++) {
            double x = m->xy[2 * i + k];
            box[k] = x < box[k] ? x : box[k];
            box[2 + k] = x > box[2 + k] ? x : box[2 + k];
        }
    if (m->nnodes == 0)
        box[0] = box[1] = box[2] = box[3] = 0;
}

double
fe_mesh_area(const struct fe_mesh *m, double *phase_area)
{
    double total = 0;
    if (phase_area)
        for (size_t p = 0; p < m->nphases; p++)
            phase_area[p] = 0;
    for (size_t e = 0; e < m->ntris; e++) {
        const size_t *v = &m->tri[3 * e];
        double a = 0.5 * fabs(area2(&m->xy[2 * v[0]], &m->xy[2 * v[1]], &m->xy[2 * v[2]]));
        total += a;
        if (phase_area)
            phase_area[m->tri_phase[e]] += a;
    }
    return total;
}

int
fe_incidence(const struct fe_mesh *m, size_t **ptr, size_t **inc)
{
    size_t *p = calloc(m->nnodes + 1, sizeof *p), *c = malloc((3 * m->ntris + 1) * sizeof *c);
    if (!p || !c) {
        free(p);
        free(c);
        return CORE_ENOMEM;
    }
    for (size_t k = 0; k < 3 * m->ntris; k++)
        p[m->tri[k] + 1]++;
    for (size_t i = 0; i < m->nnodes; i++)
        p[i + 1] += p[i];
    for (size_t k = 0; k < 3 * m->ntris; k++)
        c[p[m->tri[k]]++] = k;
    for (size_t i = m->nnodes; i > 0; i--)
        p[i] = p[i - 1];
    p[0] = 0;
    *ptr = p;
    *inc = c;
    return CORE_OK;
}

/* Local index of node n in triangle t, or -1. */
static int
local(const struct fe_mesh *m, size_t t, size_t n)
{
    for (int k = 0; k < 3; k++)
        if (m->tri[3 * t + k] == n)
            return k;
    return -1;
}

/* Where a line element sits: up to two triangles with the local indices of its ends. */
struct edge_at {
    size_t t[2];
    int la[2], lb[2];
    int n;
};

static void
edge_find(const struct fe_mesh *m, const size_t *ptr, const size_t *inc, size_t a, size_t b,
          struct edge_at *at)
{
    at->n = 0;
    for (size_t k = ptr[a]; k < ptr[a + 1]; k++) {
        size_t t = inc[k] / 3;
        int lb = local(m, t, b);
        if (lb < 0)
            continue;
        if (at->n < 2) {
            at->t[at->n] = t;
            at->la[at->n] = (int)(inc[k] % 3);
            at->lb[at->n] = lb;
        }
        at->n++;
    }
}

static size_t
uf_find(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

int
fe_mesh_split(struct fe_mesh *m, const unsigned char *cut, struct core_err *err)
{
    size_t *ptr = NULL, *inc = NULL, ncut = 0, nnew = 0, *newnode = NULL;
    unsigned char *tcut = NULL, *touch = NULL; /* per triangle: cut local edges (bit k: k,k+1) */
    struct edge_at *at = NULL;
    size_t tmp[64], parent[64];
    int rc = CORE_OK;

    if (m->nifaces)
        return core_err_set(err, CORE_EINPUT, "mesh already split");
    for (size_t e = 0; e < m->nedges; e++)
        ncut += cut[m->edge_group[e]] != 0;
    if (ncut == 0)
        return CORE_OK;
    if (fe_incidence(m, &ptr, &inc))
        goto nomem;
    tcut = calloc(m->ntris + 1, 1);
    touch = calloc(m->nnodes + 1, 1);
    at = malloc((m->nedges + 1) * sizeof *at);
    newnode = malloc((3 * m->ntris + 1) * sizeof *newnode);
    if (!tcut || !touch || !at || !newnode)
        goto nomem;
    for (size_t e = 0; e < m->nedges; e++) {
        size_t a = m->edge[2 * e], b = m->edge[2 * e + 1];
        edge_find(m, ptr, inc, a, b, &at[e]);
        if (!cut[m->edge_group[e]])
            continue;
        if (at[e].n != 2) {
            rc = core_err_set(err, CORE_EINPUT,
                              "interface line element %zu (nodes %zu %zu) borders %d "
                              "triangle%s, not 2",
                              e + 1, a + 1, b + 1, at[e].n, at[e].n == 1 ? "" : "s");
            goto done;
        }
        for (int s = 0; s < 2; s++) {
            int la = at[e].la[s], lb = at[e].lb[s];
            int k = (lb == (la + 1) % 3) ? la : lb; /* local edge k joins k and k+1 */
            tcut[at[e].t[s]] |= (unsigned char)(1u << k);
        }
        touch[a] = touch[b] = 1;
    }
    /* group the triangles around each touched node by uncut edges; one copy per extra group */
    for (size_t k = 0; k < 3 * m->ntris; k++)
        newnode[k] = m->tri[k];
    for (size_t n = 0; n < m->nnodes; n++) {
        size_t deg = ptr[n + 1] - ptr[n], nroots = 0;
        if (!touch[n])
            continue;
        if (deg > 64) {
            rc = core_err_set(err, CORE_EINPUT, "node %zu is in %zu triangles (at most 64)", n + 1,
                              deg);
            goto done;
        }
        for (size_t i = 0; i < deg; i++)
            parent[i] = i;
        for (size_t i = 0; i < deg; i++) {
            size_t t = inc[ptr[n] + i] / 3;
            int j = (int)(inc[ptr[n] + i] % 3);
            /* edges through n: local edge j (to vertex j+1) and local edge j-1 (to vertex j-1) */
            for (int side = 0; side < 2; side++) {
                int le = side ? (j + 2) % 3 : j;
                size_t other = m->tri[3 * t + (side ? (j + 2) % 3 : (j + 1) % 3)];
                if (tcut[t] & (1u << le))
                    continue;
                for (size_t i2 = 0; i2 < deg; i2++) {
                    size_t t2 = inc[ptr[n] + i2] / 3;
                    if (i2 != i && local(m, t2, other) >= 0) {
                        size_t r1 = uf_find(parent, i), r2 = uf_find(parent, i2);
                        if (r1 != r2)
                            parent[r1 > r2 ? r1 : r2] = r1 < r2 ? r1 : r2;
                    }
                }
            }
        }
        for (size_t i = 0; i < deg; i++) {
            size_t r = uf_find(parent, i);
            if (r == i)
                tmp[i] = nroots++ == 0 ? n : m->nnodes + nnew++;
            newnode[inc[ptr[n] + i]] = tmp[r];
        }
    }
    if (nnew) {
        double *xy = realloc(m->xy, 2 * (m->nnodes + nnew) * sizeof *xy);
        if (xy)
            m->xy = xy;
        size_t *orig = realloc(m->node_orig, (m->nnodes + nnew) * sizeof *orig);
        if (orig)
            m->node_orig = orig;
        if (!xy || !orig)
            goto nomem;
        for (size_t k = 0; k < 3 * m->ntris; k++) {
            size_t nn = newnode[k], o = m->tri[k];
            if (nn >= m->nnodes) {
                m->xy[2 * nn] = m->xy[2 * o];
                m->xy[2 * nn + 1] = m->xy[2 * o + 1];
                m->node_orig[nn] = m->node_orig[o];
            }
        }
    }
    m->iface = malloc((4 * ncut + 1) * sizeof *m->iface);
    m->iface_group = malloc((ncut + 1) * sizeof *m->iface_group);
    m->iface_edge = malloc((ncut + 1) * sizeof *m->iface_edge);
    if (!m->iface || !m->iface_group || !m->iface_edge)
        goto nomem;
    m->nnodes += nnew;
    memcpy(m->tri, newnode, 3 * m->ntris * sizeof *m->tri);
    for (size_t e = 0; e < m->nedges; e++) {
        const struct edge_at *w = &at[e];
        if (cut[m->edge_group[e]]) {
            /* side 1: the triangle in which a -> b runs counter-clockwise */
            int s1 = (w->lb[0] == (w->la[0] + 1) % 3) ? 0 : 1, s2 = 1 - s1;
            size_t *f = &m->iface[4 * m->nifaces];
            f[0] = m->tri[3 * w->t[s1] + w->la[s1]];
            f[1] = m->tri[3 * w->t[s1] + w->lb[s1]];
            f[2] = m->tri[3 * w->t[s2] + w->la[s2]];
            f[3] = m->tri[3 * w->t[s2] + w->lb[s2]];
            m->iface_group[m->nifaces] = m->edge_group[e];
            m->iface_edge[m->nifaces] = e;
            m->nifaces++;
            m->edge[2 * e] = f[0];
            m->edge[2 * e + 1] = f[1];
        } else if (w->n >= 1) {
            m->edge[2 * e] = m->tri[3 * w->t[0] + w->la[0]];
            m->edge[2 * e + 1] = m->tri[3 * w->t[0] + w->lb[0]];
        }
    }
    goto done;
nomem:
    rc = core_err_set(err, CORE_ENOMEM, "out of memory splitting the mesh");
done:
    free(ptr);
    free(inc);
    free(tcut);
    free(touch);
    free(at);
    free(newnode);
    return rc;
}

/* ---- periodic pairing ---- */

struct side_node {
    double s; /* coordinate along the side */
    double f; /* fan direction along the side: where the node's triangles lie */
    size_t i;
};

static int
cmp_side(const void *a, const void *b)
{
    const struct side_node *x = a, *y = b;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Component `along` (0 x, 1 y) of the mean unit direction from node i to its triangles. */
static double
fan(const struct fe_mesh *m, const size_t *ptr, const size_t *inc, size_t i, int along)
{
    double sx = 0, sy = 0;
    for (size_t k = ptr[i]; k < ptr[i + 1]; k++) {
        const size_t *v = &m->tri[3 * (inc[k] / 3)];
        double cx = 0, cy = 0, d;
        for (int j = 0; j < 3; j++) {
            cx += m->xy[2 * v[j]] / 3;
            cy += m->xy[2 * v[j] + 1] / 3;
        }
        cx -= m->xy[2 * i];
        cy -= m->xy[2 * i + 1];
        d = hypot(cx, cy);
        if (d > 0) {
            sx += cx / d;
            sy += cy / d;
        }
    }
    return along ? sy : sx;
}

/* Pairs the nodes on the max side of axis ax with those on the min side. */
static int
pair_axis(const struct fe_mesh *m, const size_t *ptr, const size_t *inc, int ax,
          const double box[4], double eps, size_t *master, struct core_err *err)
{
    const char *axn = ax ? "y" : "x", *lo_name = ax ? "bottom" : "left",
               *hi_name = ax ? "top" : "right";
    int along = 1 - ax;
    size_t nlo = 0, nhi = 0;
    struct side_node *lo = NULL, *hi = NULL;
    unsigned char *used = NULL;
    int rc = CORE_OK;
    for (size_t i = 0; i < m->nnodes; i++) {
        double c = m->xy[2 * i + ax];
        if (ptr[i + 1] == ptr[i])
            continue; /* in no triangle: not part of the problem */
        nlo += fabs(c - box[ax]) <= eps;
        nhi += fabs(c - box[2 + ax]) <= eps;
    }
    lo = malloc((nlo + 1) * sizeof *lo);
    hi = malloc((nhi + 1) * sizeof *hi);
    used = calloc(nlo + 1, 1);
    if (!lo || !hi || !used) {
        rc = core_err_set(err, CORE_ENOMEM, "out of memory pairing periodic nodes");
        goto done;
    }
    nlo = nhi = 0;
    for (size_t i = 0; i < m->nnodes; i++) {
        double c = m->xy[2 * i + ax];
        struct side_node sn = {m->xy[2 * i + along], fan(m, ptr, inc, i, along), i};
        if (ptr[i + 1] == ptr[i])
            continue;
        if (fabs(c - box[ax]) <= eps)
            lo[nlo++] = sn;
        if (fabs(c - box[2 + ax]) <= eps)
            hi[nhi++] = sn;
    }
    if (nlo != nhi) {
        rc = core_err_set(err, CORE_EINPUT,
                          "the mesh is not periodic along %s: %zu nodes on the %s side, "
                          "%zu on the %s side",
                          axn, nlo, lo_name, nhi, hi_name);
        goto done;
    }
    qsort(lo, nlo, sizeof *lo, cmp_side);
    for (size_t k = 0; k < nhi; k++) {
        const struct side_node *h = &hi[k];
        size_t a = 0, b = nlo, best = SIZE_MAX;
        double bestd = HUGE_VAL;
        while (a < b) { /* first lo with s >= h->s - eps */
            size_t mid = a + (b - a) / 2;
            if (lo[mid].s < h->s - eps)
                a = mid + 1;
            else
                b = mid;
        }
        for (size_t j = a; j < nlo && lo[j].s <= h->s + eps; j++) {
            double d = fabs(lo[j].f - h->f);
            if (!used[j] && d < bestd) {
                bestd = d;
                best = j;
            }
        }
        if (best == SIZE_MAX) {
            rc = core_err_set(err, CORE_EINPUT,
                              "the mesh is not periodic along %s: node %zu at (%.9g, %.9g) "
                              "on the %s side has no partner on the %s side",
                              axn, m->node_orig[h->i] + 1, m->xy[2 * h->i], m->xy[2 * h->i + 1],
                              hi_name, lo_name);
            goto done;
        }
        used[best] = 1;
        if (master[h->i] == h->i)
            master[h->i] = lo[best].i;
    }
done:
    free(lo);
    free(hi);
    free(used);
    return rc;
}

int
fe_mesh_periodic(const struct fe_mesh *m, int axes, double tol, size_t *master,
                 struct core_err *err)
{
    double box[4], eps;
    size_t *ptr = NULL, *inc = NULL;
    int rc = CORE_OK;
    fe_mesh_box(m, box);
    eps = tol * fmax(box[2] - box[0], box[3] - box[1]);
    for (size_t i = 0; i < m->nnodes; i++)
        master[i] = i;
    if (fe_incidence(m, &ptr, &inc))
        return core_err_set(err, CORE_ENOMEM, "out of memory pairing periodic nodes");
    for (int ax = 0; ax < 2 && !rc; ax++)
        if (axes & (1 << ax))
            rc = pair_axis(m, ptr, inc, ax, box, eps, master, err);
    free(ptr);
    free(inc);
    if (rc)
        return rc;
    for (size_t i = 0; i < m->nnodes; i++) {
        size_t r = master[i];
        for (int guard = 0; master[r] != r && guard < 4; guard++)
            r = master[r];
        master[i] = r;
    }
    return CORE_OK;
}

double
fe_tri_grad(const struct fe_mesh *m, size_t e, double gx[3], double gy[3])
{
    const size_t *v = &m->tri[3 * e];
    const double *p0 = &m->xy[2 * v[0]], *p1 = &m->xy[2 * v[1]], *p2 = &m->xy[2 * v[2]];
    double a2 = (p1[0] - p0[0]) * (p2[1] - p0[1]) - (p1[1] - p0[1]) * (p2[0] - p0[0]);
    gx[0] = (p1[1] - p2[1]) / a2;
    gx[1] = (p2[1] - p0[1]) / a2;
    gx[2] = (p0[1] - p1[1]) / a2;
    gy[0] = (p2[0] - p1[0]) / a2;
    gy[1] = (p0[0] - p2[0]) / a2;
    gy[2] = (p1[0] - p0[0]) / a2;
    return 0.5 * a2;
}

size_t
fe_uf_find(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

void
fe_uf_union(size_t *parent, size_t a, size_t b)
{
    a = fe_uf_find(parent, a);
    b = fe_uf_find(parent, b);
    if (a != b)
        parent[a > b ? a : b] = a < b ? a : b;
}

int
fe_number(const struct fe_mesh *m, int ncomp, const size_t *master, const unsigned char *fixed_in,
          const unsigned char *joins, size_t *rep, unsigned char *fixed, long *dof, size_t *ndofs,
          size_t *npinned, struct core_err *err)
{
    size_t n = m->nnodes, nc = (size_t)ncomp, *parent = NULL;
    unsigned char *used = NULL, *anchored = NULL;
    for (size_t i = 0; i < n; i++) {
        rep[i] = master ? master[i] : i;
        if (rep[i] >= n || (master && master[rep[i]] != rep[i]))
            return core_err_set(err, CORE_EINPUT, "bad periodic master of node %zu", i + 1);
    }
    for (size_t i = 0; fixed_in && i < nc * n; i++)
        if (fixed_in[i])
            fixed[nc * rep[i / nc] + i % nc] = 1;
    parent = malloc((n + 1) * sizeof *parent);
    used = calloc(n + 1, 1);
    anchored = calloc(nc * n + 1, 1);
    if (!parent || !used || !anchored) {
        free(parent);
        free(used);
        free(anchored);
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    }
    /* the regions: nodes joined by triangles, and across the interfaces that join */
    for (size_t i = 0; i < n; i++)
        parent[i] = i;
    for (size_t e = 0; e < m->ntris; e++) {
        const size_t *v = &m->tri[3 * e];
        for (int k = 0; k < 3; k++)
            used[rep[v[k]]] = 1;
        fe_uf_union(parent, rep[v[0]], rep[v[1]]);
        fe_uf_union(parent, rep[v[0]], rep[v[2]]);
    }
    for (size_t f = 0; joins && f < m->nifaces; f++) {
        const size_t *v = &m->iface[4 * f];
        if (joins[f]) {
            fe_uf_union(parent, rep[v[0]], rep[v[2]]);
            fe_uf_union(parent, rep[v[1]], rep[v[3]]);
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < nc; c++)
            if (rep[i] == i && fixed[nc * i + c])
                anchored[nc * fe_uf_find(parent, i) + c] = 1;
    /* a component floating in a region: pinned at the region's lowest rep (or an unused node) */
    for (size_t i = 0; i < n; i++) {
        if (rep[i] != i)
            continue;
        size_t r = fe_uf_find(parent, i);
        for (size_t c = 0; c < nc; c++)
            if (!anchored[nc * r + c]) {
                anchored[nc * r + c] = 1;
                fixed[nc * i + c] = 2;
                *npinned += used[i];
            }
    }
    *ndofs = 0;
    for (size_t i = 0; i < nc * n; i++)
        dof[i] = rep[i / nc] == i / nc && !fixed[i] ? (long)(*ndofs)++ : -1;
    for (size_t i = 0; i < nc * n; i++)
        dof[i] = dof[nc * rep[i / nc] + i % nc];
    free(parent);
    free(used);
    free(anchored);
    return CORE_OK;
}
