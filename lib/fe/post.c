/*
 * fe post-processing: what a solved problem gives besides its fields, the quantities a result
 * table records (compliance of an effective stiffness, heat through the groups of a boundary,
 * interface area, where an element lies). No I/O; see fe.h.
 */
#include <math.h>
#include <stdlib.h>

#include "fe.h"

int
fe_elast_compliance(const double c[9], double s[9], struct core_err *err)
{
    double d = c[0] * (c[4] * c[8] - c[5] * c[7]) - c[1] * (c[3] * c[8] - c[5] * c[6]) +
               c[2] * (c[3] * c[7] - c[4] * c[6]);
    if (!(d != 0) || !isfinite(d))
        return core_err_set(err, CORE_EPHYS, "the effective stiffness is singular");
    s[0] = (c[4] * c[8] - c[5] * c[7]) / d;
    s[1] = (c[2] * c[7] - c[1] * c[8]) / d;
    s[2] = (c[1] * c[5] - c[2] * c[4]) / d;
    s[3] = (c[5] * c[6] - c[3] * c[8]) / d;
    s[4] = (c[0] * c[8] - c[2] * c[6]) / d;
    s[5] = (c[2] * c[3] - c[0] * c[5]) / d;
    s[6] = (c[3] * c[7] - c[4] * c[6]) / d;
    s[7] = (c[1] * c[6] - c[0] * c[7]) / d;
    s[8] = (c[0] * c[4] - c[1] * c[3]) / d;
    return CORE_OK;
}

double
fe_mesh_iface_area(const struct fe_mesh *m, const double *tgroup)
{
    double a = 0;
    for (size_t f = 0; f < m->nifaces; f++) {
        const size_t *v = &m->iface[4 * f];
        a += hypot(m->xy[2 * v[1]] - m->xy[2 * v[0]], m->xy[2 * v[1] + 1] - m->xy[2 * v[0] + 1]) *
             tgroup[m->iface_group[f]];
    }
    return a;
}

void
fe_mesh_iface_mid(const struct fe_mesh *m, size_t f, double unit, double c[2])
{
    const size_t *v = &m->iface[4 * f];
    c[0] = 0.5 * (m->xy[2 * v[0]] + m->xy[2 * v[1]]) / unit;
    c[1] = 0.5 * (m->xy[2 * v[0] + 1] + m->xy[2 * v[1] + 1]) / unit;
}

void
fe_mesh_tri_centroid(const struct fe_mesh *m, size_t e, double unit, double c[2])
{
    const size_t *v = &m->tri[3 * e];
    c[0] = c[1] = 0;
    /* each term divided on its own, so that the sum does not depend on the caller's scaling */
    for (int k = 0; k < 3; k++) {
        c[0] += m->xy[2 * v[k]] / 3 / unit;
        c[1] += m->xy[2 * v[k] + 1] / 3 / unit;
    }
}

int
fe_heat_group_sums(const struct fe_mesh *m, const double *kappa, const double *gcond,
                   const double *t, const double *qedge, const unsigned char *fixed,
                   const int *owner, const unsigned char *tgiven, double *sum, struct core_err *err)
{
    double *r = calloc(m->nnodes + 1, sizeof *r);
    if (!r)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    /* the reaction at a fixed node is K t minus the flux load it also receives */
    fe_heat_residual(m, kappa, gcond, t, r);
    for (size_t e = 0; e < m->nedges; e++) {
        size_t a = m->edge[2 * e], b = m->edge[2 * e + 1];
        double half = 0.5 * qedge[e] *
                      hypot(m->xy[2 * b] - m->xy[2 * a], m->xy[2 * b + 1] - m->xy[2 * a + 1]);
        r[a] -= half;
        r[b] -= half;
    }
    for (size_t i = 0; i < m->nnodes; i++)
        if (fixed[i])
            sum[3 * owner[i]] += r[i];
    for (size_t e = 0; e < m->nedges; e++) {
        int gi = m->edge_group[e];
        size_t a = m->edge[2 * e], b = m->edge[2 * e + 1];
        double len = hypot(m->xy[2 * b] - m->xy[2 * a], m->xy[2 * b + 1] - m->xy[2 * a + 1]);
        if (!tgiven[gi])
            sum[3 * gi] += qedge[e] * len;
        sum[3 * gi + 1] += 0.5 * (t[a] + t[b]) * len;
        sum[3 * gi + 2] += len;
    }
    free(r);
    return CORE_OK;
}

void
fe_cohesive_node_damage(const struct fe_mesh *m, const double *dmg, double *nd)
{
    for (size_t f = 0; f < m->nifaces; f++)
        for (int k = 0; k < 4; k++) {
            size_t i = m->iface[4 * f + k];
            nd[i] = fmax(nd[i], dmg[2 * f + k % 2]);
        }
}
