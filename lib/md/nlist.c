/*
 * nlist: full Verlet lists with a skin, built from cell lists over a general triclinic cell with
 * any periodic directions. See md.h.
 *
 * Geometry. Fractional coordinates s = x inv(cell). A point within distance rl of x differs in
 * s_d by at most rl / h_d, where h_d = V / |a_e x a_f| is the spacing of the lattice planes
 * normal to a_d. So with nb_d bins of width 1/nb_d along d, neighbours of an atom of bin b lie in
 * bins b - m_d .. b + m_d with m_d = floor(rl nb_d / h_d) + 1. Along periodic directions bin
 * b + o is bin (b + o) mod nb_d of image floor((b + o) / nb_d): with a cut-off larger than the
 * cell the offsets wrap several times and each (bin, image) pair is visited once. Along
 * non-periodic directions the bins span the atoms' extent and the vectors of the cell are
 * replaced, for binning only, by an orthonormal completion of the periodic ones.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "md.h"

#define MAXIMAGES 1000000 /* (2 nimg + 1)^3 beyond this: the cell is absurdly small */

int
md_nlist_init(struct md_nlist *nl, double rcut, double skin, struct core_err *err)
{
    memset(nl, 0, sizeof *nl);
    if (!(isfinite(rcut) && rcut > 0))
        return core_err_set(err, CORE_EINPUT, "neighbour list: cut-off %g must be > 0", rcut);
    if (!(isfinite(skin) && skin >= 0))
        return core_err_set(err, CORE_EINPUT, "neighbour list: skin %g must be >= 0", skin);
    nl->rcut = rcut;
    nl->skin = skin;
    return CORE_OK;
}

void
md_nlist_release(struct md_nlist *nl)
{
    free(nl->start);
    free(nl->nbr);
    free(nl->img);
    free(nl->rev);
    free(nl->shift);
    free(nl->xw);
    free(nl->xref);
    free(nl->wrapv);
    free(nl->binstart);
    free(nl->binatoms);
    free(nl->atombin);
    free(nl->key);
    memset(nl, 0, sizeof *nl);
}

/* Grows *p to hold n elements of size sz (contents kept); *cap counts elements. */
static int
grow(void *p, size_t *cap, size_t n, size_t sz)
{
    void **pp = p;
    if (n <= *cap && *pp)
        return 0;
    size_t c = n + n / 4 + 16;
    void *q = realloc(*pp, c * sz);
    if (!q)
        return -1;
    *pp = q;
    *cap = c;
    return 0;
}

static void
cross(const double a[3], const double b[3], double c[3])
{
    c[0] = a[1] * b[2] - a[2] * b[1];
    c[1] = a[2] * b[0] - a[0] * b[2];
    c[2] = a[0] * b[1] - a[1] * b[0];
}

static double
norm(const double a[3])
{
    return sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
}

/*
 * The binning cell: periodic vectors as given, non-periodic ones replaced by an orthonormal
 * completion. CORE_EINPUT when the periodic vectors are (nearly) dependent.
 */
static int
binning_cell(const double *cell, const int pbc[3], double bc[9], struct core_err *err)
{
    int np = 0, per[3], non[3], nn = 0;
    for (int d = 0; d < 3; d++) {
        if (pbc[d])
            per[np++] = d;
        else
            non[nn++] = d;
    }
    memset(bc, 0, 9 * sizeof *bc);
    for (int k = 0; k < np; k++) {
        int d = per[k];
        memcpy(bc + 3 * d, cell + 3 * d, 3 * sizeof *bc);
        double n = norm(bc + 3 * d);
        if (!(isfinite(n) && n > 0))
            return core_err_set(err, CORE_EINPUT,
                                "cell vector %d is zero along a periodic "
                                "direction",
                                d + 1);
    }
    if (np == 3) {
        double c[3];
        cross(bc, bc + 3, c);
        double v = fabs(c[0] * bc[6] + c[1] * bc[7] + c[2] * bc[8]);
        if (!(v > 1e-10 * norm(bc) * norm(bc + 3) * norm(bc + 6)))
            return core_err_set(err, CORE_EINPUT, "cell vectors are linearly dependent");
    } else if (np == 2) {
        double c[3];
        cross(bc + 3 * per[0], bc + 3 * per[1], c);
        double n = norm(c);
        if (!(n > 1e-10 * norm(bc + 3 * per[0]) * norm(bc + 3 * per[1])))
            return core_err_set(err, CORE_EINPUT, "periodic cell vectors are parallel");
        /* keep the handedness of (a1, a2, a3) in the order of the indices */
        double sgn = (non[0] == 1) ? -1.0 : 1.0;
        for (int k = 0; k < 3; k++)
            bc[3 * non[0] + k] = sgn * c[k] / n;
    } else if (np == 1) {
        const double *a = bc + 3 * per[0];
        double t[3] = {0, 0, 0}, b[3], c[3];
        /* the Cartesian axis least aligned with a */
        int m = 0;
        for (int k = 1; k < 3; k++)
            if (fabs(a[k]) < fabs(a[m]))
                m = k;
        t[m] = 1;
        cross(a, t, b);
        double nb = norm(b);
        for (int k = 0; k < 3; k++)
            b[k] /= nb;
        cross(a, b, c);
        double ncn = norm(c);
        for (int k = 0; k < 3; k++) {
            bc[3 * non[0] + k] = b[k];
            bc[3 * non[1] + k] = c[k] / ncn;
        }
    } else {
        bc[0] = bc[4] = bc[8] = 1;
    }
    return CORE_OK;
}

/* Inverse of a 3x3 row matrix m (non-singular): s = x inv. */
static void
inverse(const double m[9], double inv[9])
{
    double c0[3], c1[3], c2[3];
    cross(m + 3, m + 6, c0);
    cross(m + 6, m, c1);
    cross(m, m + 3, c2);
    double det = m[0] * c0[0] + m[1] * c0[1] + m[2] * c0[2];
    /* inv[k][d] = (a_e x a_f)_k / det for d = 0, 1, 2 */
    for (int k = 0; k < 3; k++) {
        inv[3 * k + 0] = c0[k] / det;
        inv[3 * k + 1] = c1[k] / det;
        inv[3 * k + 2] = c2[k] / det;
    }
}

static long
floordiv(long a, long b)
{
    long q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Grows the per-atom arrays. */
static int
reserve_atoms(struct md_nlist *nl, size_t natoms)
{
    if (natoms <= nl->atomcap && nl->xw)
        return 0;
    size_t n = natoms ? natoms : 1;
    size_t *start = realloc(nl->start, (n + 1) * sizeof *start);
    if (start)
        nl->start = start;
    double *xw = realloc(nl->xw, 3 * n * sizeof *xw);
    if (xw)
        nl->xw = xw;
    double *xref = realloc(nl->xref, 3 * n * sizeof *xref);
    if (xref)
        nl->xref = xref;
    double *wv = realloc(nl->wrapv, 3 * n * sizeof *wv);
    if (wv)
        nl->wrapv = wv;
    size_t *ab = realloc(nl->atombin, n * sizeof *ab);
    if (ab)
        nl->atombin = ab;
    size_t *ba = realloc(nl->binatoms, n * sizeof *ba);
    if (ba)
        nl->binatoms = ba;
    if (!start || !xw || !xref || !wv || !ab || !ba)
        return -1;
    nl->atomcap = n;
    return 0;
}

/* Everything one atom's pair search needs. */
struct search {
    const struct md_nlist *nl;
    size_t nb[3];
    long m[3];
    double rl2;
};

/* Visits the pairs of atom i; fills nbr/img from start[i] when fill, else only counts. */
static size_t
search_atom(const struct search *S, size_t i, int fill)
{
    const struct md_nlist *nl = S->nl;
    const size_t *nb = S->nb;
    size_t b = nl->atombin[i];
    long bi[3] = {(long)(b / (nb[1] * nb[2])), (long)((b / nb[2]) % nb[1]), (long)(b % nb[2])};
    const double *xi = nl->xw + 3 * i;
    size_t n = 0, at = fill ? nl->start[i] : 0;
    size_t ni1 = 2 * nl->nimg[1] + 1, ni2 = 2 * nl->nimg[2] + 1;
    for (long o0 = -S->m[0]; o0 <= S->m[0]; o0++) {
        long c0 = bi[0] + o0, t0 = 0;
        if (nl->pbc[0]) {
            t0 = floordiv(c0, (long)nb[0]);
            c0 -= t0 * (long)nb[0];
        } else if (c0 < 0 || c0 >= (long)nb[0]) {
            continue;
        }
        for (long o1 = -S->m[1]; o1 <= S->m[1]; o1++) {
            long c1 = bi[1] + o1, t1 = 0;
            if (nl->pbc[1]) {
                t1 = floordiv(c1, (long)nb[1]);
                c1 -= t1 * (long)nb[1];
            } else if (c1 < 0 || c1 >= (long)nb[1]) {
                continue;
            }
            for (long o2 = -S->m[2]; o2 <= S->m[2]; o2++) {
                long c2 = bi[2] + o2, t2 = 0;
                if (nl->pbc[2]) {
                    t2 = floordiv(c2, (long)nb[2]);
                    c2 -= t2 * (long)nb[2];
                } else if (c2 < 0 || c2 >= (long)nb[2]) {
                    continue;
                }
                size_t im =
                    ((size_t)(t0 + (long)nl->nimg[0]) * ni1 + (size_t)(t1 + (long)nl->nimg[1])) *
                        ni2 +
                    (size_t)(t2 + (long)nl->nimg[2]);
                const double *sh = nl->shift + 3 * im;
                int self = (t0 == 0 && t1 == 0 && t2 == 0);
                size_t cb = ((size_t)c0 * nb[1] + (size_t)c1) * nb[2] + (size_t)c2;
                for (size_t q = nl->binstart[cb]; q < nl->binstart[cb + 1]; q++) {
                    size_t j = nl->binatoms[q];
                    if (self && j == i)
                        continue;
                    const double *xj = nl->xw + 3 * j;
                    double dx = (xj[0] - xi[0]) + sh[0];
                    double dy = (xj[1] - xi[1]) + sh[1];
                    double dz = (xj[2] - xi[2]) + sh[2];
                    if (dx * dx + dy * dy + dz * dz < S->rl2) {
                        if (fill) {
                            nl->nbr[at + n] = (uint32_t)j;
                            nl->img[at + n] = (uint32_t)im;
                        }
                        n++;
                    }
                }
            }
        }
    }
    return n;
}

int
md_nlist_build(struct md_nlist *nl, size_t natoms, const double *pos, const double *cell,
               const int pbc[3], struct core_err *err)
{
    static const int nopbc[3] = {0, 0, 0};
    double bc[9], inv[9], zero[9] = {0};
    int status;

    if (!cell) {
        if (pbc && (pbc[0] || pbc[1] || pbc[2]))
            return core_err_set(err, CORE_EINPUT, "periodic directions without a cell");
        cell = zero;
        pbc = nopbc;
    }
    if (natoms >= UINT32_MAX)
        return core_err_set(err, CORE_EINPUT, "%zu atoms: at most %lu in a neighbour list", natoms,
                            (unsigned long)UINT32_MAX - 1);
    if ((status = binning_cell(cell, pbc, bc, err)))
        return status;
    if (reserve_atoms(nl, natoms))
        goto nomem;
    inverse(bc, inv);
    nl->natoms = natoms;
    memcpy(nl->cell, cell, sizeof nl->cell);
    memcpy(nl->pbc, pbc, sizeof nl->pbc);
    nl->has_cell = (cell != zero);

    /* plane spacings of the binning cell */
    double h[3], vol;
    {
        double c[3];
        cross(bc + 3, bc + 6, c);
        vol = fabs(c[0] * bc[0] + c[1] * bc[1] + c[2] * bc[2]);
        for (int d = 0; d < 3; d++) {
            cross(bc + 3 * ((d + 1) % 3), bc + 3 * ((d + 2) % 3), c);
            h[d] = vol / norm(c);
        }
    }

    /* wrap along periodic directions; fractional extents along the others */
    double smin[3] = {HUGE_VAL, HUGE_VAL, HUGE_VAL}, smax[3] = {-HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    double *sfrac = nl->xref; /* scratch until xref is written at the end */
    for (size_t i = 0; i < natoms; i++) {
        const double *x = pos + 3 * i;
        if (!(isfinite(x[0]) && isfinite(x[1]) && isfinite(x[2])))
            return core_err_set(err, CORE_EPHYS, "atom %zu: position is not finite", i + 1);
        double s[3], n[3] = {0, 0, 0};
        for (int d = 0; d < 3; d++) {
            s[d] = x[0] * inv[d] + x[1] * inv[3 + d] + x[2] * inv[6 + d];
            if (pbc[d]) {
                n[d] = floor(s[d]);
                s[d] -= n[d];
                if (!(s[d] < 1.0))
                    s[d] = 0x1.fffffffffffffp-1;
            }
            if (s[d] < smin[d])
                smin[d] = s[d];
            if (s[d] > smax[d])
                smax[d] = s[d];
            sfrac[3 * i + d] = s[d];
        }
        for (int k = 0; k < 3; k++) {
            double w = n[0] * bc[k] + n[1] * bc[3 + k] + n[2] * bc[6 + k];
            nl->wrapv[3 * i + k] = w;
            nl->xw[3 * i + k] = x[k] - w;
        }
    }

    /* bins */
    double rl = nl->rcut + nl->skin;
    struct search S = {.nl = nl, .rl2 = rl * rl};
    double span[3];
    for (int d = 0; d < 3; d++) {
        span[d] = pbc[d] ? 1.0 : (natoms ? smax[d] - smin[d] : 0.0);
        double len = span[d] * h[d];
        double nbd = floor(len / rl);
        if (!(nbd >= 1))
            nbd = 1;
        if (nbd > 1e5)
            nbd = 1e5;
        S.nb[d] = (size_t)nbd;
    }
    /* at most about 2 natoms + 27 bins (sparse systems, atoms flying apart) */
    while ((double)S.nb[0] * (double)S.nb[1] * (double)S.nb[2] > 2.0 * (double)natoms + 27) {
        int dm = 0;
        for (int d = 1; d < 3; d++)
            if (S.nb[d] > S.nb[dm])
                dm = d;
        S.nb[dm] = (S.nb[dm] + 1) / 2;
    }
    double nimages = 1;
    for (int d = 0; d < 3; d++) {
        double width = span[d] * h[d] / (double)S.nb[d]; /* Angstrom */
        double q = width > 0 ? rl / width : 0;
        if (q > 1e6)
            q = 1e6;
        S.m[d] = (long)floor(q + 1e-9) + 1;
        if (!pbc[d] && S.m[d] > (long)S.nb[d])
            S.m[d] = (long)S.nb[d];
        nl->nimg[d] = pbc[d] ? ((size_t)S.m[d] + S.nb[d] - 1) / S.nb[d] : 0;
        nimages *= 2.0 * (double)nl->nimg[d] + 1;
    }
    if (nimages > MAXIMAGES)
        return core_err_set(err, CORE_EINPUT,
                            "cell too small for cut-off %g + skin %g Angstrom: %.0f images",
                            nl->rcut, nl->skin, nimages);
    nl->nshift = (size_t)nimages;
    {
        double *sh = realloc(nl->shift, 3 * nl->nshift * sizeof *sh);
        if (!sh)
            goto nomem;
        nl->shift = sh;
        size_t q = 0;
        long n0 = (long)nl->nimg[0], n1 = (long)nl->nimg[1], n2 = (long)nl->nimg[2];
        for (long t0 = -n0; t0 <= n0; t0++)
            for (long t1 = -n1; t1 <= n1; t1++)
                for (long t2 = -n2; t2 <= n2; t2++, q++)
                    for (int k = 0; k < 3; k++)
                        sh[3 * q + k] =
                            (double)t0 * bc[k] + (double)t1 * bc[3 + k] + (double)t2 * bc[6 + k];
    }
    size_t nbins = S.nb[0] * S.nb[1] * S.nb[2];
    if (grow(&nl->binstart, &nl->bincap, nbins + 1, sizeof *nl->binstart))
        goto nomem;
    memset(nl->binstart, 0, (nbins + 1) * sizeof *nl->binstart);
    for (size_t i = 0; i < natoms; i++) {
        size_t c[3];
        for (int d = 0; d < 3; d++) {
            double t = pbc[d] ? sfrac[3 * i + d]
                              : (span[d] > 0 ? (sfrac[3 * i + d] - smin[d]) / span[d] : 0);
            double f = floor(t * (double)S.nb[d]);
            if (f < 0)
                f = 0;
            if (f > (double)S.nb[d] - 1)
                f = (double)S.nb[d] - 1;
            c[d] = (size_t)f;
        }
        size_t b = (c[0] * S.nb[1] + c[1]) * S.nb[2] + c[2];
        nl->atombin[i] = b;
        nl->binstart[b + 1]++;
    }
    for (size_t b = 0; b < nbins; b++)
        nl->binstart[b + 1] += nl->binstart[b];
    /* counting sort, stable: atoms of a bin in index order */
    for (size_t i = 0; i < natoms; i++)
        nl->binatoms[nl->binstart[nl->atombin[i]]++] = i;
    for (size_t b = nbins; b > 0; b--)
        nl->binstart[b] = nl->binstart[b - 1];
    nl->binstart[0] = 0;

    /* count, then fill */
    long long nat = (long long)natoms;
#pragma omp parallel for schedule(dynamic, 64) if (nat >= MD_OMP_MIN)
    for (long long i = 0; i < nat; i++)
        nl->start[i + 1] = search_atom(&S, (size_t)i, 0);
    nl->start[0] = 0;
    size_t maxnbr = 0;
    for (size_t i = 0; i < natoms; i++) {
        if (nl->start[i + 1] > maxnbr)
            maxnbr = nl->start[i + 1];
        nl->start[i + 1] += nl->start[i];
    }
    nl->npairs = nl->start[natoms];
    nl->maxnbr = maxnbr;
    {
        size_t c1 = nl->paircap, c2 = nl->paircap, c3 = nl->paircap;
        if (grow(&nl->nbr, &c1, nl->npairs, sizeof *nl->nbr) ||
            grow(&nl->img, &c2, nl->npairs, sizeof *nl->img) ||
            grow(&nl->rev, &c3, nl->npairs, sizeof *nl->rev))
            goto nomem;
        nl->paircap = c1 < c2 ? (c1 < c3 ? c1 : c3) : (c2 < c3 ? c2 : c3);
        if (grow(&nl->key, &nl->keycap, nl->npairs, sizeof *nl->key))
            goto nomem;
    }
    int bad = 0;
#pragma omp parallel for schedule(dynamic, 64) if (nat >= MD_OMP_MIN)
    for (long long ii = 0; ii < nat; ii++) {
        size_t i = (size_t)ii, a = nl->start[i], e = nl->start[i + 1];
        search_atom(&S, i, 1);
        /* sort by (j, image): locality, and the reverse pair by binary search */
        for (size_t p = a; p < e; p++)
            nl->key[p] = ((uint64_t)nl->nbr[p] << 32) | nl->img[p];
        qsort(nl->key + a, e - a, sizeof *nl->key, cmp_u64);
        for (size_t p = a; p < e; p++) {
            nl->nbr[p] = (uint32_t)(nl->key[p] >> 32);
            nl->img[p] = (uint32_t)(nl->key[p] & 0xffffffffu);
        }
    }
#pragma omp parallel for schedule(dynamic, 64) reduction(| : bad) if (nat >= MD_OMP_MIN)
    for (long long ii = 0; ii < nat; ii++) {
        size_t i = (size_t)ii;
        for (size_t p = nl->start[i]; p < nl->start[i + 1]; p++) {
            size_t j = nl->nbr[p];
            uint64_t want = ((uint64_t)i << 32) | (uint64_t)(nl->nshift - 1 - nl->img[p]);
            const uint64_t *lo = nl->key + nl->start[j];
            size_t len = nl->start[j + 1] - nl->start[j];
            const uint64_t *hit = bsearch(&want, lo, len, sizeof *lo, cmp_u64);
            if (!hit) {
                bad = 1;
                nl->rev[p] = p;
            } else {
                nl->rev[p] = (size_t)(hit - nl->key);
            }
        }
    }
    if (bad)
        return core_err_set(err, CORE_EINTERNAL, "neighbour list is not symmetric");
    memcpy(nl->xref, pos, 3 * natoms * sizeof *pos);
    nl->nbuilds++;
    return CORE_OK;
nomem:
    return core_err_set(err, CORE_ENOMEM, "neighbour list: out of memory");
}

int
md_nlist_update(struct md_nlist *nl, size_t natoms, const double *pos, const double *cell,
                const int pbc[3], int *rebuilt, struct core_err *err)
{
    static const int nopbc[3] = {0, 0, 0};
    const int *pb = cell ? pbc : nopbc;
    int same = nl->nbuilds > 0 && natoms == nl->natoms && (cell != NULL) == nl->has_cell &&
               memcmp(pb, nl->pbc, sizeof nl->pbc) == 0 &&
               (!cell || memcmp(cell, nl->cell, sizeof nl->cell) == 0);
    if (rebuilt)
        *rebuilt = 0;
    if (same) {
        /* move xw with the atoms and find the largest displacement in one pass; a rebuild
         * overwrites xw */
        double lim = 0.25 * nl->skin * nl->skin, worst = 0;
        long long n = (long long)natoms;
#pragma omp parallel for schedule(static) reduction(max : worst) if (n >= MD_OMP_MIN)
        for (long long i = 0; i < n; i++) {
            const double *x = pos + 3 * i, *r = nl->xref + 3 * i, *w = nl->wrapv + 3 * i;
            double *xw = nl->xw + 3 * i;
            double dx = x[0] - r[0], dy = x[1] - r[1], dz = x[2] - r[2];
            double d2 = dx * dx + dy * dy + dz * dz;
            if (!(d2 <= worst)) /* NaN counts as a move */
                worst = isnan(d2) ? HUGE_VAL : d2;
            xw[0] = x[0] - w[0];
            xw[1] = x[1] - w[1];
            xw[2] = x[2] - w[2];
        }
        if (worst <= lim)
            return CORE_OK;
    }
    int status = md_nlist_build(nl, natoms, pos, cell, pb, err);
    if (status == CORE_OK && rebuilt)
        *rebuilt = 1;
    return status;
}
