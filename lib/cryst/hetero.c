/*
 * hetero.c: the coplanar graphene/borophene lateral heterostructure.
 *
 * Geometry (x normal to the interfaces, y along them, z normal to the sheet):
 *
 *   x = 0           width_g      width_g + gap                 lx - gap    lx
 *   | graphene block |   gap     | borophene block             |   gap     | (graphene image)
 *
 * Each block is a whole number of its phase's rectangular cells: nx along x, ny along y. The
 * graphene cell is chosen so that the block ends in clean edges of the requested type, both
 * sides (build.c). Each block keeps its lattice along x and is scaled along y to the common
 * length ly (strain eps_yy = ly / natural - 1, no Poisson contraction); the search for ny
 * compares the natural lengths ny * L1 of the two phases.
 *
 * Cross-phase distances. Every C-B pair is at least as far apart as its x separation, which is
 * at least the gap plus each atom's x distance t from its own block's edge column. So a pair
 * closer than R involves only atoms with t < R: the check below scans those edge atoms only,
 * and the cost grows with the interface length, not with the area.
 *
 * Mortazavi et al. (Mater. Horiz. 7, 2359 (2020); Adv. Mater. 33, 2102807 (2021)) built such
 * cells for their MTP training and NEMD/tensile runs; see REFERENCES.md for what is known of
 * their construction.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cryst.h"

/* Rectangular-cell lengths of a built block phase. */
static void
rect_lengths(const struct core_frame *f, double *lx, double *ly)
{
    *lx = f->cell[0];
    *ly = f->cell[4];
}

static void
xrange(const struct core_frame *f, double *lo, double *hi)
{
    *lo = HUGE_VAL;
    *hi = -HUGE_VAL;
    for (size_t i = 0; i < f->natoms; i++) {
        double x = f->pos[3 * i];
        if (x < *lo)
            *lo = x;
        if (x > *hi)
            *hi = x;
    }
}

static double
common_length(enum cryst_hetero_ref ref, double lg, double lb)
{
    switch (ref) {
    case CRYST_HETERO_GRAPHENE:
        return lg;
    case CRYST_HETERO_BORO:
        return lb;
    case CRYST_HETERO_MEAN:
        break;
    }
    return 0.5 * (lg + lb);
}

static double
mismatch(enum cryst_hetero_ref ref, double lg, double lb)
{
    double l = common_length(ref, lg, lb);
    return fabs(l / lg - l / lb);
}

static int
check_opts(const struct cryst_hetero_opts *o, struct core_err *err)
{
    if (o->edge != CRYST_ARMCHAIR && o->edge != CRYST_ZIGZAG)
        return core_err_set(err, CORE_EINPUT, "heterostructure: unknown edge %d", (int)o->edge);
    if (!cryst_borophene_info(o->phase))
        return core_err_set(err, CORE_EINPUT, "heterostructure: unknown borophene phase %d",
                            (int)o->phase);
    if (o->boro_b_along_y != 0 && o->boro_b_along_y != 1)
        return core_err_set(err, CORE_EINPUT, "heterostructure: boro_b_along_y = %d is not 0 or 1",
                            o->boro_b_along_y);
    if (o->ref != CRYST_HETERO_MEAN && o->ref != CRYST_HETERO_GRAPHENE &&
        o->ref != CRYST_HETERO_BORO)
        return core_err_set(err, CORE_EINPUT, "heterostructure: unknown reference %d", (int)o->ref);
    if (o->nx_graphene < 1 || o->nx_boro < 1)
        return core_err_set(err, CORE_EINPUT,
                            "heterostructure: repeats along x (%d graphene, %d borophene) must "
                            "be >= 1",
                            o->nx_graphene, o->nx_boro);
    if (o->ny_graphene < 0 || o->ny_boro < 0 || (o->ny_graphene == 0) != (o->ny_boro == 0))
        return core_err_set(err, CORE_EINPUT,
                            "heterostructure: repeats along y (%d graphene, %d borophene) must "
                            "both be >= 1, or both 0 to search",
                            o->ny_graphene, o->ny_boro);
    if (!isfinite(o->gap) || o->gap <= 0)
        return core_err_set(err, CORE_EINPUT, "heterostructure: gap %g A is not > 0", o->gap);
    if (!isfinite(o->dmin) || o->dmin < 0)
        return core_err_set(err, CORE_EINPUT, "heterostructure: dmin %g A is not >= 0", o->dmin);
    if (!isfinite(o->shift_y))
        return core_err_set(err, CORE_EINPUT, "heterostructure: shift_y %g A", o->shift_y);
    if (!isfinite(o->mismatch_tol) || o->mismatch_tol < 0)
        return core_err_set(err, CORE_EINPUT, "heterostructure: mismatch tolerance %g is not >= 0",
                            o->mismatch_tol);
    if (o->ny_graphene == 0 && (!isfinite(o->ly_max) || o->ly_max <= 0))
        return core_err_set(err, CORE_EINPUT, "heterostructure: ly_max %g A is not > 0", o->ly_max);
    return CORE_OK;
}

/* Picks ny_g, ny_b (see cryst.h). */
static int
search_repeats(const struct cryst_hetero_opts *o, double lg1, double lb1, int *nyg, int *nyb,
               struct core_err *err)
{
    double best_m = HUGE_VAL, best_l = HUGE_VAL;
    int bg = 0, bb = 0;

    if (lg1 > o->ly_max || lb1 > o->ly_max)
        return core_err_set(err, CORE_EINPUT,
                            "heterostructure: ly_max %g A is shorter than one cell (graphene "
                            "%g A, borophene %g A)",
                            o->ly_max, lg1, lb1);
    for (int ng = 1; ng * lg1 <= o->ly_max; ng++) {
        double lg = ng * lg1;
        int nb0 = (int)floor(lg / lb1);
        for (int nb = nb0; nb <= nb0 + 1; nb++) {
            if (nb < 1 || nb * lb1 > o->ly_max)
                continue;
            double lb = nb * lb1, m = mismatch(o->ref, lg, lb);
            double l = common_length(o->ref, lg, lb);
            int better;
            if (o->mismatch_tol > 0) {
                if (m > o->mismatch_tol)
                    continue;
                better = l < best_l - 1e-9 || (fabs(l - best_l) <= 1e-9 && m < best_m);
            } else {
                better = m < best_m - 1e-12 || (fabs(m - best_m) <= 1e-12 && l < best_l);
            }
            if (better) {
                best_m = m;
                best_l = l;
                bg = ng;
                bb = nb;
            }
        }
    }
    if (!bg) {
        /* only reachable with a tolerance: report the best mismatch on offer */
        double m_any = HUGE_VAL;
        for (int ng = 1; ng * lg1 <= o->ly_max; ng++)
            for (int nb = 1; nb * lb1 <= o->ly_max; nb++) {
                double m = mismatch(o->ref, ng * lg1, nb * lb1);
                if (m < m_any)
                    m_any = m;
            }
        return core_err_set(err, CORE_EINPUT,
                            "heterostructure: no repeats up to ly_max %g A with mismatch <= %g "
                            "(best %.4g)",
                            o->ly_max, o->mismatch_tol, m_any);
    }
    *nyg = bg;
    *nyb = bb;
    return CORE_OK;
}

/* Smallest distance between points p and q of a rectangular cell (lx, ly) periodic in x and y,
 * over every image within r; HUGE_VAL if none. */
static double
rect_dist(const double *p, const double *q, double lx, double ly, double r)
{
    double dx0 = q[0] - p[0], dy0 = q[1] - p[1], dz = q[2] - p[2], best = HUGE_VAL;

    dx0 -= lx * floor(dx0 / lx + 0.5);
    dy0 -= ly * floor(dy0 / ly + 0.5);
    /* |dx0| <= lx/2: images within r have |i| <= r/lx + 1/2 */
    long nx = (long)ceil(r / lx + 0.5), ny = (long)ceil(r / ly + 0.5);
    for (long i = -nx; i <= nx; i++)
        for (long j = -ny; j <= ny; j++) {
            double dx = dx0 + i * lx, dy = dy0 + j * ly;
            double d2 = dx * dx + dy * dy + dz * dz;
            if (d2 < best)
                best = d2;
        }
    best = sqrt(best);
    return best <= r ? best : HUGE_VAL;
}

/* x distance of each atom from its block's nearer edge column */
static double
edge_t(double x, double lo, double hi)
{
    double a = x - lo, b = hi - x;
    return a < b ? a : b;
}

int
cryst_hetero_build(struct core_frame *f, const struct cryst_hetero_opts *o,
                   struct cryst_hetero_report *rep, struct core_err *err)
{
    struct core_frame g, b;
    double lg1, lb1, wg1, wb1, ly, c, xg0, xg1, xb0, xb1, lx, zb;
    int nyg = 0, nyb = 0, rc;
    size_t ng, nb, nkeep;
    unsigned char *drop = NULL;
    size_t *cand_c = NULL, *cand_b = NULL;
    double *nearest = NULL;

    core_frame_release(f);
    core_frame_init(&g);
    core_frame_init(&b);
    if ((rc = check_opts(o, err)))
        return rc;
    if ((rc = cryst_graphene_build(&g, o->a_graphene, 1,
                                   o->edge == CRYST_ARMCHAIR ? CRYST_ZIGZAG : CRYST_ARMCHAIR, 0,
                                   err)))
        goto fail;
    if ((rc = cryst_borophene_build(&b, o->phase, o->c, err)))
        goto fail;
    c = b.cell[8];
    if (!o->boro_b_along_y && (rc = cryst_frame_rotz90(&b, err)))
        goto fail;
    rect_lengths(&g, &wg1, &lg1);
    rect_lengths(&b, &wb1, &lb1);

    if (o->ny_graphene) {
        nyg = o->ny_graphene;
        nyb = o->ny_boro;
    } else if ((rc = search_repeats(o, lg1, lb1, &nyg, &nyb, err))) {
        goto fail;
    }
    {
        int ngr[3] = {o->nx_graphene, nyg, 1}, nbr[3] = {o->nx_boro, nyb, 1};
        if ((rc = cryst_supercell_build(&g, &g, ngr, err)) ||
            (rc = cryst_supercell_build(&b, &b, nbr, err)))
            goto fail;
    }
    ly = common_length(o->ref, nyg * lg1, nyb * lb1);
    if (fabs(ly / (nyg * lg1) - 1) > CRYST_HETERO_MAX_STRAIN ||
        fabs(ly / (nyb * lb1) - 1) > CRYST_HETERO_MAX_STRAIN) {
        rc = core_err_set(err, CORE_EINPUT,
                          "heterostructure: %d graphene and %d borophene repeats (%g and %g A) "
                          "would strain a phase by more than %g",
                          nyg, nyb, nyg * lg1, nyb * lb1, CRYST_HETERO_MAX_STRAIN);
        goto fail;
    }
    xrange(&g, &xg0, &xg1);
    xrange(&b, &xb0, &xb1);
    {
        double wg = xg1 - xg0, wb = xb1 - xb0;
        lx = wg + wb + 2 * o->gap;
        if (rep) {
            memset(rep, 0, sizeof *rep);
            rep->nx_graphene = o->nx_graphene;
            rep->nx_boro = o->nx_boro;
            rep->ny_graphene = nyg;
            rep->ny_boro = nyb;
            rep->ly = ly;
            rep->ly_graphene = nyg * lg1;
            rep->ly_boro = nyb * lb1;
            rep->strain_graphene = ly / (nyg * lg1) - 1;
            rep->strain_boro = ly / (nyb * lb1) - 1;
            rep->lx = lx;
            rep->width_graphene = wg;
            rep->width_boro = wb;
        }
    }
    ng = g.natoms;
    nb = b.natoms;

    /* Place: graphene from x = 0 at z = c/2; borophene after the gap, its mid-plane at c/2. */
    {
        double zlo = HUGE_VAL, zhi = -HUGE_VAL, sg = ly / (nyg * lg1), sb = ly / (nyb * lb1);
        for (size_t i = 0; i < nb; i++) {
            double z = b.pos[3 * i + 2];
            zlo = z < zlo ? z : zlo;
            zhi = z > zhi ? z : zhi;
        }
        zb = 0.5 * c - 0.5 * (zlo + zhi);
        for (size_t i = 0; i < ng; i++) {
            g.pos[3 * i] -= xg0;
            g.pos[3 * i + 1] *= sg;
            g.pos[3 * i + 2] = 0.5 * c;
        }
        for (size_t i = 0; i < nb; i++) {
            b.pos[3 * i] += (xg1 - xg0) + o->gap - xb0;
            b.pos[3 * i + 1] = b.pos[3 * i + 1] * sb + o->shift_y;
            b.pos[3 * i + 2] += zb;
        }
    }

    /* Cross-phase distances among the edge atoms (see the file comment). */
    cand_c = malloc((ng ? ng : 1) * sizeof *cand_c);
    cand_b = malloc((nb ? nb : 1) * sizeof *cand_b);
    nearest = malloc((nb ? nb : 1) * sizeof *nearest);
    drop = calloc(nb ? nb : 1, 1);
    if (!cand_c || !cand_b || !nearest || !drop) {
        rc = core_err_set(err, CORE_ENOMEM, "heterostructure: out of memory");
        goto fail;
    }
    {
        double wg = xg1 - xg0, bx0 = wg + o->gap, bx1 = lx - o->gap, far = lx + ly + c, R;
        size_t ilast = 0, ifirst = 0;
        /* an upper bound on the closest C-B distance: any C-B pair, here the last graphene
         * column and the first borophene column */
        for (size_t i = 0; i < ng; i++)
            if (g.pos[3 * i] > g.pos[3 * ilast])
                ilast = i;
        for (size_t i = 0; i < nb; i++)
            if (b.pos[3 * i] < b.pos[3 * ifirst])
                ifirst = i;
        R = rect_dist(&g.pos[3 * ilast], &b.pos[3 * ifirst], lx, ly, far);
        if (R < o->dmin)
            R = o->dmin;
        R = R * (1 + 1e-9) + 1e-12;
        for (;;) {
            size_t ncc = 0, ncb = 0;
            double best = HUGE_VAL;
            for (size_t i = 0; i < ng; i++)
                if (o->gap + edge_t(g.pos[3 * i], 0, wg) <= R)
                    cand_c[ncc++] = i;
            for (size_t i = 0; i < nb; i++) {
                nearest[i] = HUGE_VAL;
                if (o->gap + edge_t(b.pos[3 * i], bx0, bx1) <= R)
                    cand_b[ncb++] = i;
            }
            for (size_t k = 0; k < ncb; k++) {
                size_t i = cand_b[k];
                for (size_t m = 0; m < ncc; m++) {
                    double d = rect_dist(&b.pos[3 * i], &g.pos[3 * cand_c[m]], lx, ly, R);
                    if (d < nearest[i])
                        nearest[i] = d;
                }
            }
            /* removal needs exact distances below dmin <= R: settled in the first pass */
            nkeep = 0;
            for (size_t i = 0; i < nb; i++) {
                drop[i] = nearest[i] < o->dmin;
                nkeep += !drop[i];
                if (!drop[i] && nearest[i] < best)
                    best = nearest[i];
            }
            if (nkeep == 0) {
                rc = core_err_set(err, CORE_EINPUT,
                                  "heterostructure: every borophene atom is within dmin %g A of "
                                  "graphene",
                                  o->dmin);
                goto fail;
            }
            /* the pair that set R may have been removed: widen until a kept pair is in reach */
            if (best < HUGE_VAL || R >= far) {
                if (rep)
                    rep->dmin_cross = best;
                break;
            }
            R = 2 * R < far ? 2 * R : far;
        }
    }

    /* Assemble: graphene, then the kept borophene atoms. */
    if ((rc = core_frame_resize(f, ng + nkeep, err)))
        goto fail;
    memcpy(f->z, g.z, ng * sizeof *f->z);
    memcpy(f->pos, g.pos, 3 * ng * sizeof *f->pos);
    for (size_t i = 0, m = ng; i < nb; i++) {
        if (drop[i])
            continue;
        f->z[m] = b.z[i];
        memcpy(&f->pos[3 * m], &b.pos[3 * i], 3 * sizeof *f->pos);
        m++;
    }
    memset(f->cell, 0, sizeof f->cell);
    f->cell[0] = lx;
    f->cell[4] = ly;
    f->cell[8] = c;
    f->has_cell = 1;
    f->pbc[0] = f->pbc[1] = 1;
    f->pbc[2] = 0;
    if ((rc = cryst_frame_wrap(f, err)))
        goto fail;
    if (rep) {
        rep->natoms_graphene = ng;
        rep->natoms_boro = nkeep;
        rep->nremoved = nb - nkeep;
    }
    free(drop);
    free(cand_c);
    free(cand_b);
    free(nearest);
    core_frame_release(&g);
    core_frame_release(&b);
    return CORE_OK;
fail:
    free(drop);
    free(cand_c);
    free(cand_b);
    free(nearest);
    core_frame_release(&g);
    core_frame_release(&b);
    core_frame_release(f);
    return rc;
}
