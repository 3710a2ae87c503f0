/*
 * geom.c: supercells, wrapping, rotation, and distance queries with periodic images.
 *
 * Image search. For a pair displacement dr, the fractional components s_k along periodic
 * vectors are first reduced to [-1/2, 1/2). Any image dr + sum n_k a_k within rcut has
 * |s_k + n_k| h_k <= rcut, where h_k = 1 / |b_k| is the spacing of the lattice planes normal to
 * the reciprocal vector b_k (the k-th column of the inverse cell). So n_k runs over
 * [ceil(-rcut/h_k - s_k), floor(rcut/h_k - s_k)]: every image within reach, whatever the cell
 * shape or the cutoff, with no minimum-image assumption.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cryst.h"

/* The most lattice-plane spacings a cutoff may span (guards the image loops). */
#define MAX_SPANS 1e4

struct pbcgeom {
    int per[3]; /* periodic along a_k (and the cell is usable) */
    double cell[9];
    double inv[9]; /* valid when any per[k] */
    double h[3];   /* lattice-plane spacings along periodic k */
};

static int
pbc_setup(const struct core_frame *f, struct pbcgeom *g, struct core_err *err)
{
    int any = 0;

    memset(g, 0, sizeof *g);
    if (!f->has_cell)
        return CORE_OK;
    memcpy(g->cell, f->cell, sizeof g->cell);
    for (int k = 0; k < 3; k++) {
        g->per[k] = f->pbc[k] != 0;
        any |= g->per[k];
    }
    if (!any)
        return CORE_OK;
    if (core_cell_inverse(f->cell, g->inv, err))
        return CORE_EINPUT;
    for (int k = 0; k < 3; k++) { /* all three: the sheet area needs h of a_3 */
        double b2 = 0;
        for (int l = 0; l < 3; l++)
            b2 += g->inv[3 * l + k] * g->inv[3 * l + k];
        g->h[k] = 1.0 / sqrt(b2);
    }
    return CORE_OK;
}

static int
check_reach(const struct pbcgeom *g, double r, const char *what, struct core_err *err)
{
    for (int k = 0; k < 3; k++)
        if (g->per[k] && r / g->h[k] > MAX_SPANS)
            return core_err_set(err, CORE_EINPUT,
                                "%s %g A spans more than %g lattice planes (spacing %g A)", what, r,
                                MAX_SPANS, g->h[k]);
    return CORE_OK;
}

/*
 * Scans the images of displacement dr within rcut; self excludes the zero translation (an atom
 * and itself). Returns how many lie at distance <= rcut and lowers *dmin2 (if not NULL) to the
 * smallest squared distance among them.
 */
static size_t
pair_scan(const struct pbcgeom *g, const double dr0[3], double rcut, int self, double *dmin2)
{
    double dr[3] = {dr0[0], dr0[1], dr0[2]}, s[3] = {0, 0, 0};
    long lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
    double rc2 = rcut * rcut;
    size_t count = 0;

    for (int k = 0; k < 3; k++) {
        if (!g->per[k])
            continue;
        s[k] = dr[0] * g->inv[k] + dr[1] * g->inv[3 + k] + dr[2] * g->inv[6 + k];
        double sh = -floor(s[k] + 0.5);
        s[k] += sh;
        for (int l = 0; l < 3; l++)
            dr[l] += sh * g->cell[3 * k + l];
        double reach = rcut / g->h[k];
        lo[k] = (long)ceil(-reach - s[k]);
        hi[k] = (long)floor(reach - s[k]);
    }
    for (long n0 = lo[0]; n0 <= hi[0]; n0++)
        for (long n1 = lo[1]; n1 <= hi[1]; n1++)
            for (long n2 = lo[2]; n2 <= hi[2]; n2++) {
                double d2 = 0;
                for (int l = 0; l < 3; l++) {
                    double x = dr[l] + n0 * g->cell[l] + n1 * g->cell[3 + l] + n2 * g->cell[6 + l];
                    d2 += x * x;
                }
                if (self && n0 == 0 && n1 == 0 && n2 == 0)
                    continue;
                if (d2 <= rc2) {
                    count++;
                    if (dmin2 && d2 < *dmin2)
                        *dmin2 = d2;
                }
            }
    return count;
}

static void
pair_dr(const struct core_frame *f, size_t i, size_t j, double dr[3])
{
    for (int l = 0; l < 3; l++)
        dr[l] = f->pos[3 * j + l] - f->pos[3 * i + l];
}

/*
 * Cell lists. Along each periodic a_k the fractional coordinate is cut into nb_k bins of width
 * 1/nb_k >= rcut/h_k, so two atoms with an image closer than rcut sit in the same or adjacent
 * bins (cyclically). With nb_k >= 3 the stencil is the bin and its two neighbours; with fewer,
 * every bin along k (each once). Non-periodic directions have one bin, so a cluster falls back
 * to all pairs. pair_scan then finds every image of each candidate pair.
 */
struct bins {
    long nb[3];
    size_t *start; /* nbins + 1 offsets into atom */
    size_t *atom;  /* atom indices grouped by bin */
    long *cell;    /* 3 bin coordinates per atom */
};

static void
bins_free(struct bins *b)
{
    free(b->start);
    free(b->atom);
    free(b->cell);
}

static int
bins_build(const struct core_frame *f, const struct pbcgeom *g, double rcut, struct bins *b,
           struct core_err *err)
{
    size_t n = f->natoms, nbins;
    size_t *fill = NULL;

    memset(b, 0, sizeof *b);
    for (int k = 0; k < 3; k++) {
        double m = g->per[k] ? floor(g->h[k] / (rcut * (1 + 1e-9))) : 1;
        b->nb[k] = m < 1 ? 1 : (m > 1e6 ? 1000000 : (long)m);
    }
    /* no more bins than about twice the atoms */
    while ((double)b->nb[0] * b->nb[1] * b->nb[2] > 2.0 * n + 8) {
        int kmax = 0;
        for (int k = 1; k < 3; k++)
            if (b->nb[k] > b->nb[kmax])
                kmax = k;
        b->nb[kmax] = b->nb[kmax] / 2 > 0 ? b->nb[kmax] / 2 : 1;
    }
    nbins = (size_t)(b->nb[0] * b->nb[1] * b->nb[2]);
    b->start = calloc(nbins + 1, sizeof *b->start);
    b->atom = malloc((n ? n : 1) * sizeof *b->atom);
    b->cell = malloc((n ? 3 * n : 1) * sizeof *b->cell);
    fill = calloc(nbins, sizeof *fill);
    if (!b->start || !b->atom || !b->cell || !fill) {
        free(fill);
        bins_free(b);
        return core_err_set(err, CORE_ENOMEM, "out of memory for the cell list of %zu atoms", n);
    }
    for (size_t i = 0; i < n; i++) {
        size_t id = 0;
        for (int k = 0; k < 3; k++) {
            long c = 0;
            if (b->nb[k] > 1) {
                const double *r = &f->pos[3 * i];
                double s = r[0] * g->inv[k] + r[1] * g->inv[3 + k] + r[2] * g->inv[6 + k];
                s -= floor(s);
                c = (long)(s * b->nb[k]);
                c = c < 0 ? 0 : (c >= b->nb[k] ? b->nb[k] - 1 : c);
            }
            b->cell[3 * i + k] = c;
            id = id * (size_t)b->nb[k] + (size_t)c;
        }
        b->start[id + 1]++;
    }
    for (size_t c = 0; c < nbins; c++)
        b->start[c + 1] += b->start[c];
    for (size_t i = 0; i < n; i++) {
        size_t id = 0;
        for (int k = 0; k < 3; k++)
            id = id * (size_t)b->nb[k] + (size_t)b->cell[3 * i + k];
        b->atom[b->start[id] + fill[id]++] = i;
    }
    free(fill);
    return CORE_OK;
}

/* The distinct bins that may hold neighbours of atom i (at most 27). */
static size_t
bins_stencil(const struct bins *b, size_t i, size_t out[27])
{
    long cand[3][3];
    int nc[3];
    size_t m = 0;

    for (int k = 0; k < 3; k++) {
        long c = b->cell[3 * i + k], nb = b->nb[k];
        if (nb >= 3) {
            cand[k][0] = (c + nb - 1) % nb;
            cand[k][1] = c;
            cand[k][2] = (c + 1) % nb;
            nc[k] = 3;
        } else {
            for (long q = 0; q < nb; q++)
                cand[k][q] = q;
            nc[k] = (int)nb;
        }
    }
    for (int x = 0; x < nc[0]; x++)
        for (int y = 0; y < nc[1]; y++)
            for (int z = 0; z < nc[2]; z++)
                out[m++] = ((size_t)cand[0][x] * (size_t)b->nb[1] + (size_t)cand[1][y]) *
                               (size_t)b->nb[2] +
                           (size_t)cand[2][z];
    return m;
}

/* Smallest squared distance within rcut over pairs j >= i (images included), with the pair;
 * HUGE_VAL if none. */
static int
min_within(const struct core_frame *f, const struct pbcgeom *g, double rcut, double *best2,
           size_t *bi, size_t *bj, struct core_err *err)
{
    struct bins b;
    size_t st[27];

    *best2 = HUGE_VAL;
    if (bins_build(f, g, rcut, &b, err))
        return CORE_ENOMEM;
    for (size_t i = 0; i < f->natoms; i++) {
        size_t ns = bins_stencil(&b, i, st);
        for (size_t q = 0; q < ns; q++)
            for (size_t t = b.start[st[q]]; t < b.start[st[q] + 1]; t++) {
                size_t j = b.atom[t];
                double dr[3], d2 = HUGE_VAL;
                if (j < i)
                    continue;
                pair_dr(f, i, j, dr);
                pair_scan(g, dr, rcut, i == j, &d2);
                if (d2 < *best2 || (d2 == *best2 && (i < *bi || (i == *bi && j < *bj)))) {
                    *best2 = d2;
                    *bi = i;
                    *bj = j;
                }
            }
    }
    bins_free(&b);
    return CORE_OK;
}

int
cryst_frame_mindist(const struct core_frame *f, double *dmin, size_t *pi, size_t *pj,
                    struct core_err *err)
{
    struct pbcgeom g;
    double best2 = HUGE_VAL, lmin = HUGE_VAL, r;
    size_t bi = 0, bj = 0;
    int nper = 0;

    *dmin = HUGE_VAL;
    if (pbc_setup(f, &g, err))
        return CORE_EINPUT;
    for (int k = 0; k < 3; k++)
        if (g.per[k]) {
            double a2 = 0;
            for (int l = 0; l < 3; l++)
                a2 += g.cell[3 * k + l] * g.cell[3 * k + l];
            lmin = fmin(lmin, sqrt(a2));
            nper++;
        }
    if (f->natoms == 0 || (f->natoms == 1 && nper == 0))
        goto done;
    if (nper == 0) {
        /* a cluster: one bin, every pair */
        if (min_within(f, &g, HUGE_VAL, &best2, &bi, &bj, err))
            return CORE_ENOMEM;
        goto done;
    }
    /* A first guess from the density (a close packing of the periodic volume, area or length),
     * doubled until a pair is found; the shortest periodic vector always holds one. */
    {
        /* measure of the periodic sub-lattice: volume, area V |b_k| (k the non-periodic
         * vector, b_k its reciprocal), or the shortest (only) periodic length */
        double meas = fabs(core_cell_volume(g.cell));
        if (nper == 2)
            for (int k = 0; k < 3; k++)
                if (!g.per[k])
                    meas /= g.h[k];
        if (nper == 1)
            meas = lmin;
        r = 1.2 * pow(meas / (double)f->natoms, 1.0 / nper);
        if (!(r > 0) || r > lmin)
            r = lmin;
    }
    for (;;) {
        double rc = r * (1 + 1e-9) + 1e-12;
        if (check_reach(&g, rc, "shortest distance", err))
            return CORE_EINPUT;
        if (min_within(f, &g, rc, &best2, &bi, &bj, err))
            return CORE_ENOMEM;
        if (best2 < HUGE_VAL || r >= lmin)
            break;
        r = fmin(2 * r, lmin);
    }
done:
    *dmin = best2 < HUGE_VAL ? sqrt(best2) : HUGE_VAL;
    if (pi)
        *pi = bi;
    if (pj)
        *pj = bj;
    return CORE_OK;
}

static int
check_radius(const char *what, double r, struct core_err *err)
{
    if (!isfinite(r) || r <= 0)
        return core_err_set(err, CORE_EINPUT, "%s %g A is not > 0", what, r);
    return CORE_OK;
}

int
cryst_frame_neighbors(const struct core_frame *f, double rcut, int zmask, size_t *count,
                      struct core_err *err)
{
    struct pbcgeom g;
    struct bins b;
    size_t st[27];

    if (check_radius("neighbour cutoff", rcut, err) || pbc_setup(f, &g, err) ||
        check_reach(&g, rcut, "neighbour cutoff", err))
        return CORE_EINPUT;
    if (bins_build(f, &g, rcut, &b, err))
        return CORE_ENOMEM;
    for (size_t i = 0; i < f->natoms; i++) {
        size_t n = 0, ns = bins_stencil(&b, i, st);
        for (size_t q = 0; q < ns; q++)
            for (size_t t = b.start[st[q]]; t < b.start[st[q] + 1]; t++) {
                size_t j = b.atom[t];
                double dr[3];
                if (zmask && f->z[j] != zmask)
                    continue;
                pair_dr(f, i, j, dr);
                n += pair_scan(&g, dr, rcut, i == j, NULL);
            }
        count[i] = n;
    }
    bins_free(&b);
    return CORE_OK;
}

int
cryst_frame_nearest(const struct core_frame *f, int zsel, double rmax, double *dist,
                    struct core_err *err)
{
    struct pbcgeom g;
    struct bins b;
    size_t st[27];

    if (check_radius("search radius", rmax, err) || pbc_setup(f, &g, err) ||
        check_reach(&g, rmax, "search radius", err))
        return CORE_EINPUT;
    if (bins_build(f, &g, rmax, &b, err))
        return CORE_ENOMEM;
    for (size_t i = 0; i < f->natoms; i++) {
        double d2 = HUGE_VAL;
        size_t ns = bins_stencil(&b, i, st);
        for (size_t q = 0; q < ns; q++)
            for (size_t t = b.start[st[q]]; t < b.start[st[q] + 1]; t++) {
                size_t j = b.atom[t];
                double dr[3];
                if (zsel && f->z[j] != zsel)
                    continue;
                pair_dr(f, i, j, dr);
                pair_scan(&g, dr, rmax, i == j, &d2);
            }
        dist[i] = d2 < HUGE_VAL ? sqrt(d2) : HUGE_VAL;
    }
    bins_free(&b);
    return CORE_OK;
}

int
cryst_frame_wrap(struct core_frame *f, struct core_err *err)
{
    double inv[9];

    if (!f->has_cell)
        return core_err_set(err, CORE_EINPUT, "wrap: the frame has no cell");
    if (core_cell_inverse(f->cell, inv, err))
        return CORE_EINPUT;
    for (size_t i = 0; i < f->natoms; i++) {
        double *r = &f->pos[3 * i];
        for (int k = 0; k < 3; k++) {
            if (!f->pbc[k])
                continue;
            double s = r[0] * inv[k] + r[1] * inv[3 + k] + r[2] * inv[6 + k];
            /* whole lattice vectors, so atoms inside stay bit for bit where they are; a tiny
             * negative s, whose s + 1 rounds to 1, is moved to s = 0 instead */
            double n = -floor(s);
            if (s + n >= 1.0)
                n = -s;
            if (n != 0)
                for (int l = 0; l < 3; l++)
                    r[l] += n * f->cell[3 * k + l];
        }
    }
    return CORE_OK;
}

static void
drop_labels(struct core_frame *f)
{
    f->has_energy = f->has_free_energy = f->has_stress = f->has_virial = 0;
    free(f->forces);
    f->forces = NULL;
}

int
cryst_frame_rotz90(struct core_frame *f, struct core_err *err)
{
    double c[9];
    int p0;

    if (!f->has_cell)
        return core_err_set(err, CORE_EINPUT, "rotate: the frame has no cell");
    if (f->cell[2] != 0 || f->cell[5] != 0 || f->cell[6] != 0 || f->cell[7] != 0)
        return core_err_set(err, CORE_EINPUT,
                            "rotate: cell vector a_3 is not along z (or a_1, a_2 leave the plane)");
    if (fabs(core_cell_volume(f->cell)) == 0)
        return core_err_set(err, CORE_EINPUT, "rotate: singular cell");
    /* R(x, y) = (-y, x); new a_1 = -R a_2 = (a2y, -a2x), new a_2 = R a_1 = (-a1y, a1x) */
    memcpy(c, f->cell, sizeof c);
    f->cell[0] = c[4];
    f->cell[1] = -c[3];
    f->cell[3] = -c[1];
    f->cell[4] = c[0];
    p0 = f->pbc[0];
    f->pbc[0] = f->pbc[1];
    f->pbc[1] = p0;
    for (size_t i = 0; i < f->natoms; i++) {
        double x = f->pos[3 * i], y = f->pos[3 * i + 1];
        f->pos[3 * i] = -y;
        f->pos[3 * i + 1] = x;
        if (f->vel) {
            x = f->vel[3 * i], y = f->vel[3 * i + 1];
            f->vel[3 * i] = -y;
            f->vel[3 * i + 1] = x;
        }
    }
    drop_labels(f);
    return cryst_frame_wrap(f, err);
}

/* ---- supercells ---- */

static int
repeat_into(struct core_frame *dst, const struct core_frame *src, const int n[3], size_t nimg,
            struct core_err *err)
{
    size_t na = src->natoms, nt = na * nimg;
    int rc = CORE_OK;

    if (core_frame_resize(dst, nt, err))
        return CORE_ENOMEM;
    if ((src->forces && (rc = core_frame_want(dst, "forces", err))) ||
        (src->vel && (rc = core_frame_want(dst, "vel", err))) ||
        (src->mass && (rc = core_frame_want(dst, "mass", err))) ||
        (src->tag && (rc = core_frame_want(dst, "tag", err))))
        return rc;
    for (size_t ip = 0; ip < src->nprop; ip++) {
        const struct core_prop *p = &src->prop[ip];
        size_t iq;
        if ((rc = core_frame_prop_add(dst, p->name, p->type, p->ncols, &iq, err)))
            return rc;
    }
    for (size_t ii = 0; ii < src->ninfo; ii++)
        if ((rc = core_frame_info_set(dst, src->info[ii].key, src->info[ii].value, err)))
            return rc;

    size_t img = 0;
    for (int i0 = 0; i0 < n[0]; i0++)
        for (int i1 = 0; i1 < n[1]; i1++)
            for (int i2 = 0; i2 < n[2]; i2++, img++) {
                double t[3];
                size_t off = img * na;
                for (int l = 0; l < 3; l++)
                    t[l] = i0 * src->cell[l] + i1 * src->cell[3 + l] + i2 * src->cell[6 + l];
                for (size_t a = 0; a < na; a++) {
                    dst->z[off + a] = src->z[a];
                    for (int l = 0; l < 3; l++)
                        dst->pos[3 * (off + a) + l] = src->pos[3 * a + l] + t[l];
                }
                if (src->forces)
                    memcpy(dst->forces + 3 * off, src->forces, 3 * na * sizeof(double));
                if (src->vel)
                    memcpy(dst->vel + 3 * off, src->vel, 3 * na * sizeof(double));
                if (src->mass)
                    memcpy(dst->mass + off, src->mass, na * sizeof(double));
                if (src->tag)
                    memcpy(dst->tag + off, src->tag, na * sizeof(long));
                for (size_t ip = 0; ip < src->nprop; ip++) {
                    const struct core_prop *p = &src->prop[ip];
                    struct core_prop *q = &dst->prop[ip];
                    size_t cells = na * (size_t)p->ncols, o = off * (size_t)p->ncols;
                    if (p->r)
                        memcpy(q->r + o, p->r, cells * sizeof(double));
                    if (p->i)
                        memcpy(q->i + o, p->i, cells * sizeof(long));
                    if (p->s)
                        memcpy(q->s + o * CORE_SLEN, p->s, cells * CORE_SLEN);
                }
            }
    for (int k = 0; k < 3; k++)
        for (int l = 0; l < 3; l++)
            dst->cell[3 * k + l] = n[k] * src->cell[3 * k + l];
    dst->has_cell = 1;
    memcpy(dst->pbc, src->pbc, sizeof dst->pbc);
    dst->has_energy = src->has_energy;
    dst->energy = src->energy * (double)nimg;
    dst->has_free_energy = src->has_free_energy;
    dst->free_energy = src->free_energy * (double)nimg;
    dst->has_stress = src->has_stress;
    memcpy(dst->stress, src->stress, sizeof dst->stress);
    dst->has_virial = src->has_virial;
    for (int l = 0; l < 9; l++)
        dst->virial[l] = src->virial[l] * (double)nimg;
    return CORE_OK;
}

int
cryst_supercell_build(struct core_frame *dst, const struct core_frame *src, const int n[3],
                      struct core_err *err)
{
    struct core_frame tmp;
    double nimg_d = 1;
    int rc = CORE_OK;

    for (int k = 0; k < 3 && !rc; k++) {
        if (n[k] < 1)
            rc = core_err_set(err, CORE_EINPUT, "supercell: n[%d] = %d is not >= 1", k, n[k]);
        nimg_d *= n[k];
    }
    if (!rc && !src->has_cell)
        rc = core_err_set(err, CORE_EINPUT, "supercell: the frame has no cell");
    for (int k = 0; k < 3 && !rc; k++)
        if (n[k] > 1 && !src->pbc[k])
            rc = core_err_set(err, CORE_EINPUT,
                              "supercell: n[%d] = %d along non-periodic cell vector a_%d", k, n[k],
                              k + 1);
    if (!rc && nimg_d * (double)src->natoms > CRYST_MAX_ATOMS)
        rc = core_err_set(err, CORE_ENOMEM,
                          "supercell: %g images of %zu atoms is more than %g atoms", nimg_d,
                          src->natoms, CRYST_MAX_ATOMS);
    core_frame_init(&tmp);
    if (!rc)
        rc = repeat_into(&tmp, src, n, (size_t)nimg_d, err);
    if (rc) {
        core_frame_release(&tmp);
        if (dst != src)
            core_frame_release(dst);
        return rc;
    }
    core_frame_release(dst); /* src may be dst: it is no longer needed */
    *dst = tmp;
    return CORE_OK;
}
