/*
 * pot_mtp: the moment tensor potential (lib/mtp) as an md site-energy potential. See md.h.
 *
 * lib/mtp evaluates site energies on a neighbour list in CSR layout with explicit pair vectors
 * and neighbour types (mtp_site_eval); this adapter fills those from the md Verlet list (pairs
 * within rcut + skin; mtp_site_eval gives zero derivatives beyond its rcut) and passes the
 * results through: u[i] = U_i, du[3p + k] = dU_i/d(r_p)_k.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mtp/mtp.h"
#include "md.h"

struct mtpa {
    struct mtp_pot mtp;
    struct mtp_work *work;
    double *rij;   /* 3 * cap */
    int *jtype;    /* cap */
    size_t cap;    /* pairs */
    size_t nevals; /* evaluations so far */
    size_t nbelow; /* of them, those with a pair closer than mtp.rmin */
    double dmin;   /* the closest such pair, Angstrom (INFINITY before one) */
};

/*
 * Below rmin the Chebyshev polynomials of the radial basis leave [-1, 1], where they grow as fast
 * as their degree allows and no fit has a say: the forces there are chance, and an MD run that
 * goes there is often about to explode or fall into a well. MLIP's LAMMPS interface evaluates
 * them silently; this says so.
 */
static size_t
mtpa_note(const void *self, char *buf, size_t n)
{
    const struct mtpa *M = self;
    if (!M->nbelow)
        return 0;
    int len = snprintf(buf, n,
                       "mtp: in %zu of %zu force evaluations a pair was closer than the "
                       "potential's rmin %g Angstrom (the closest %.4g Angstrom): outside the "
                       "range of its radial basis, where its forces follow no fit",
                       M->nbelow, M->nevals, M->mtp.rmin, M->dmin);
    return len < 0 ? 0 : (size_t)len < n ? (size_t)len : n - 1;
}

static int
mtpa_site(void *self, const int *type, const struct md_nlist *nl, double *u, double *du,
          struct core_err *err)
{
    struct mtpa *M = self;
    size_t np = nl->npairs;
    if (np > M->cap || !M->rij) {
        size_t cap = np + np / 4 + 16;
        double *r = realloc(M->rij, 3 * cap * sizeof *r);
        if (!r)
            return core_err_set(err, CORE_ENOMEM, "mtp: out of memory for %zu pairs", np);
        M->rij = r;
        int *t = realloc(M->jtype, cap * sizeof *t);
        if (!t)
            return core_err_set(err, CORE_ENOMEM, "mtp: out of memory for %zu pairs", np);
        M->jtype = t;
        M->cap = cap;
    }
    long long n = (long long)nl->natoms;
    double *rij = M->rij, d2min = INFINITY;
    int *jtype = M->jtype;
#pragma omp parallel for schedule(static) reduction(min : d2min) if (n >= MD_OMP_MIN)
    for (long long ii = 0; ii < n; ii++) {
        size_t i = (size_t)ii;
        for (size_t p = nl->start[i]; p < nl->start[i + 1]; p++) {
            double *d = rij + 3 * p;
            md_nlist_pair_vec(nl, i, p, d);
            jtype[p] = type[nl->nbr[p]];
            d2min = fmin(d2min, d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        }
    }
    M->nevals++;
    if (d2min < M->mtp.rmin * M->mtp.rmin)
        M->nbelow++, M->dmin = fmin(M->dmin, sqrt(d2min));
    return mtp_site_eval(&M->mtp, M->work, nl->natoms, type, nl->start, jtype, rij, u, du, err);
}

static void
mtpa_free(void *self)
{
    struct mtpa *M = self;
    if (!M)
        return;
    mtp_work_free(M->work);
    mtp_pot_release(&M->mtp);
    free(M->rij);
    free(M->jtype);
    free(M);
}

int
md_mtp_init(struct md_pot *pot, const struct mtp_pot *mtp, const struct core_species_map *map,
            struct core_err *err)
{
    int status;
    memset(pot, 0, sizeof *pot);
    if (!map || map->ntypes != mtp->nspecies)
        return core_err_set(err, CORE_EINPUT,
                            "mtp: the potential has %zu species but --species names %zu",
                            mtp->nspecies, map ? map->ntypes : (size_t)0);
    struct mtpa *M = calloc(1, sizeof *M);
    if (!M)
        return core_err_set(err, CORE_ENOMEM, "mtp: out of memory");
    mtp_pot_init(&M->mtp);
    M->dmin = INFINITY;
    if ((status = mtp_pot_copy(&M->mtp, mtp, err)))
        goto fail;
    if ((status = mtp_work_alloc(&M->mtp, &M->work, err)))
        goto fail;
    snprintf(pot->name, sizeof pot->name, "mtp");
    pot->rcut = mtp->rcut;
    pot->ntypes = map->ntypes;
    memcpy(pot->z, map->z, sizeof pot->z);
    pot->self = M;
    pot->site = mtpa_site;
    pot->free = mtpa_free;
    pot->note = mtpa_note;
    return CORE_OK;
fail:
    mtpa_free(M);
    return status;
}
