/*
 * mtp: the potential struct: life cycle, MLIP's untrained defaults, consistency checks, level.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtp.h"

void
mtp_pot_init(struct mtp_pot *pot)
{
    memset(pot, 0, sizeof *pot);
    snprintf(pot->name, sizeof pot->name, "%s", "MTP1m");
    pot->scaling = 1.0;
}

void
mtp_pot_release(struct mtp_pot *pot)
{
    free(pot->radial);
    free(pot->basic);
    free(pot->times);
    free(pot->mapping);
    free(pot->species_coeffs);
    free(pot->moment_coeffs);
    mtp_pot_init(pot);
}

/* calloc of n elements of size sz, never NULL for n = 0 (so "allocated" is unambiguous). */
static void *
alloc0(size_t n, size_t sz)
{
    return calloc(n ? n : 1, sz);
}

int
mtp_pot_resize(struct mtp_pot *pot, size_t nspecies, size_t nrb, size_t nrad, size_t nmoments,
               size_t nbasic, size_t ntimes, size_t nscalar, struct core_err *err)
{
    struct mtp_pot keep = *pot;
    size_t nrad_all;

    if (nspecies < 1 || nspecies > MTP_MAXSPECIES)
        return core_err_set(err, CORE_EINPUT, "species_count %zu outside 1..%d", nspecies,
                            MTP_MAXSPECIES);
    if (nrb < 1 || nrb > MTP_MAXRB || nrad < 1 || nrad > MTP_MAXRB)
        return core_err_set(err, CORE_EINPUT,
                            "radial_basis_size %zu or radial_funcs_count %zu outside 1..%d", nrb,
                            nrad, MTP_MAXRB);
    if (nmoments > MTP_MAXCOUNT || nbasic > MTP_MAXCOUNT || ntimes > MTP_MAXCOUNT ||
        nscalar > MTP_MAXCOUNT)
        return core_err_set(err, CORE_EINPUT, "more than %d moments, contractions or scalars",
                            MTP_MAXCOUNT);
    nrad_all = nspecies * nspecies * nrad * nrb;
    if (nrad_all > MTP_MAXCOUNT)
        return core_err_set(err, CORE_EINPUT, "more than %d radial coefficients", MTP_MAXCOUNT);

    free(pot->radial);
    free(pot->basic);
    free(pot->times);
    free(pot->mapping);
    free(pot->species_coeffs);
    free(pot->moment_coeffs);
    mtp_pot_init(pot);
    memcpy(pot->name, keep.name, sizeof pot->name);
    memcpy(pot->tag, keep.tag, sizeof pot->tag);
    pot->scaling = keep.scaling;
    pot->rmin = keep.rmin;
    pot->rcut = keep.rcut;

    pot->nspecies = nspecies;
    pot->nrb = nrb;
    pot->nrad = nrad;
    pot->nmoments = nmoments;
    pot->nbasic = nbasic;
    pot->ntimes = ntimes;
    pot->nscalar = nscalar;
    pot->radial = alloc0(nrad_all, sizeof *pot->radial);
    pot->basic = alloc0(4 * nbasic, sizeof *pot->basic);
    pot->times = alloc0(4 * ntimes, sizeof *pot->times);
    pot->mapping = alloc0(nscalar, sizeof *pot->mapping);
    pot->species_coeffs = alloc0(nspecies, sizeof *pot->species_coeffs);
    pot->moment_coeffs = alloc0(nscalar, sizeof *pot->moment_coeffs);
    if (!pot->radial || !pot->basic || !pot->times || !pot->mapping || !pot->species_coeffs ||
        !pot->moment_coeffs) {
        mtp_pot_release(pot);
        return core_err_set(err, CORE_ENOMEM, "out of memory for a potential of %zu parameters",
                            nrad_all + nspecies + nscalar);
    }
    return CORE_OK;
}

int
mtp_pot_copy(struct mtp_pot *dst, const struct mtp_pot *src, struct core_err *err)
{
    int rc;
    if (dst == src)
        return CORE_OK;
    mtp_pot_release(dst);
    memcpy(dst->name, src->name, sizeof dst->name);
    memcpy(dst->tag, src->tag, sizeof dst->tag);
    dst->scaling = src->scaling;
    dst->rmin = src->rmin;
    dst->rcut = src->rcut;
    rc = mtp_pot_resize(dst, src->nspecies, src->nrb, src->nrad, src->nmoments, src->nbasic,
                        src->ntimes, src->nscalar, err);
    if (rc)
        return rc;
    memcpy(dst->radial, src->radial,
           src->nspecies * src->nspecies * src->nrad * src->nrb * sizeof *dst->radial);
    memcpy(dst->basic, src->basic, 4 * src->nbasic * sizeof *dst->basic);
    memcpy(dst->times, src->times, 4 * src->ntimes * sizeof *dst->times);
    memcpy(dst->mapping, src->mapping, src->nscalar * sizeof *dst->mapping);
    memcpy(dst->species_coeffs, src->species_coeffs, src->nspecies * sizeof *dst->species_coeffs);
    memcpy(dst->moment_coeffs, src->moment_coeffs, src->nscalar * sizeof *dst->moment_coeffs);
    dst->has_radial = src->has_radial;
    dst->has_linear = src->has_linear;
    return CORE_OK;
}

void
mtp_pot_coeffs_default(struct mtp_pot *pot)
{
    if (!pot->has_radial && pot->radial) {
        size_t npair = pot->nspecies * pot->nspecies;
        for (size_t p = 0; p < npair; p++)
            for (size_t mu = 0; mu < pot->nrad; mu++) {
                double *c = pot->radial + (p * pot->nrad + mu) * pot->nrb;
                for (size_t b = 0; b < pot->nrb; b++)
                    c[b] = 1e-6;
                c[mu < pot->nrb - 1 ? mu : pot->nrb - 1] = 1e-3;
            }
    }
    if (!pot->has_linear) {
        for (size_t t = 0; t < pot->nspecies && pot->species_coeffs; t++)
            pot->species_coeffs[t] = 1e-3;
        for (size_t k = 0; k < pot->nscalar && pot->moment_coeffs; k++)
            pot->moment_coeffs[k] = 1e-3;
    }
}

static int
all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

int
mtp_pot_check(const struct mtp_pot *pot, struct core_err *err)
{
    long *last = NULL; /* index of the last times entry that writes each moment, or -1 */
    int maxmu = -1;

    if (pot->nspecies < 1 || pot->nspecies > MTP_MAXSPECIES)
        return core_err_set(err, CORE_EINPUT, "species_count %zu outside 1..%d", pot->nspecies,
                            MTP_MAXSPECIES);
    if (!pot->radial || !pot->basic || !pot->times || !pot->mapping || !pot->species_coeffs ||
        !pot->moment_coeffs)
        return core_err_set(err, CORE_EINPUT, "potential without arrays (not read or resized)");
    if (pot->name[0] == '\0' || strpbrk(pot->name, " \t\r\n\f\v"))
        return core_err_set(err, CORE_EINPUT,
                            "potential_name '%s' must be one word (MLIP reads one token)",
                            pot->name);
    if (strpbrk(pot->tag, "\r\n"))
        return core_err_set(err, CORE_EINPUT, "potential_tag has a line break");
    if (!isfinite(pot->scaling))
        return core_err_set(err, CORE_EINPUT, "scaling is not finite");
    if (!isfinite(pot->rmin) || !isfinite(pot->rcut) || pot->rmin < 0 || pot->rmin >= pot->rcut)
        return core_err_set(err, CORE_EINPUT,
                            "min_dist %.17g and max_dist %.17g: need 0 <= min_dist < max_dist",
                            pot->rmin, pot->rcut);
    if (pot->nrb < 2 || pot->nrb > MTP_MAXRB)
        return core_err_set(err, CORE_EINPUT, "radial_basis_size %zu outside 2..%d", pot->nrb,
                            MTP_MAXRB);
    if (pot->nrad < 1 || pot->nrad > MTP_MAXRB)
        return core_err_set(err, CORE_EINPUT, "radial_funcs_count %zu outside 1..%d", pot->nrad,
                            MTP_MAXRB);
    if (pot->nmoments > MTP_MAXCOUNT || pot->ntimes > MTP_MAXCOUNT || pot->nscalar > MTP_MAXCOUNT)
        return core_err_set(err, CORE_EINPUT, "more than %d moments, contractions or scalars",
                            MTP_MAXCOUNT);
    if (pot->nbasic > pot->nmoments)
        return core_err_set(err, CORE_EINPUT,
                            "alpha_index_basic_count %zu exceeds alpha_moments_count %zu",
                            pot->nbasic, pot->nmoments);
    for (size_t p = 0; p < pot->nbasic; p++) {
        const int *e = pot->basic + 4 * p;
        if (e[0] < 0 || (size_t)e[0] >= pot->nrad)
            return core_err_set(err, CORE_EINPUT,
                                "alpha_index_basic entry %zu: radial function %d outside 0..%zu", p,
                                e[0], pot->nrad - 1);
        if (e[1] < 0 || e[2] < 0 || e[3] < 0 || e[1] + e[2] + e[3] > MTP_MAXNU)
            return core_err_set(err, CORE_EINPUT,
                                "alpha_index_basic entry %zu: powers %d %d %d must be >= 0 with a "
                                "sum <= %d",
                                p, e[1], e[2], e[3], MTP_MAXNU);
        if (e[0] > maxmu)
            maxmu = e[0];
    }
    if ((size_t)(maxmu + 1) != pot->nrad)
        return core_err_set(err, CORE_EINPUT,
                            "radial_funcs_count %zu but alpha_index_basic uses %d radial "
                            "functions (MLIP requires them equal)",
                            pot->nrad, maxmu + 1);
    last = malloc((pot->nmoments ? pot->nmoments : 1) * sizeof *last);
    if (!last)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    for (size_t m = 0; m < pot->nmoments; m++)
        last[m] = -1;
    for (size_t e = 0; e < pot->ntimes; e++) {
        const int *t = pot->times + 4 * e;
        if (t[0] < 0 || (size_t)t[0] >= pot->nmoments || t[1] < 0 ||
            (size_t)t[1] >= pot->nmoments) {
            free(last);
            return core_err_set(err, CORE_EINPUT,
                                "alpha_index_times entry %zu: moment %d or %d outside 0..%zu", e,
                                t[0], t[1], pot->nmoments - 1);
        }
        if (t[3] < 0 || (size_t)t[3] < pot->nbasic || (size_t)t[3] >= pot->nmoments) {
            free(last);
            return core_err_set(err, CORE_EINPUT,
                                "alpha_index_times entry %zu: result %d outside the non-basic "
                                "moments %zu..%zu",
                                e, t[3], pot->nbasic, pot->nmoments - 1);
        }
        last[t[3]] = (long)e;
    }
    for (size_t e = 0; e < pot->ntimes; e++) {
        const int *t = pot->times + 4 * e;
        for (int s = 0; s < 2; s++)
            if (last[t[s]] >= (long)e) {
                long l = last[t[s]];
                free(last);
                return core_err_set(err, CORE_EINPUT,
                                    "alpha_index_times entry %zu reads moment %d before its last "
                                    "update (entry %ld)",
                                    e, t[s], l);
            }
    }
    free(last);
    for (size_t k = 0; k < pot->nscalar; k++)
        if (pot->mapping[k] < 0 || (size_t)pot->mapping[k] >= pot->nmoments)
            return core_err_set(err, CORE_EINPUT,
                                "alpha_moment_mapping entry %zu: moment %d outside 0..%zu", k,
                                pot->mapping[k], pot->nmoments ? pot->nmoments - 1 : 0);
    if (!all_finite(pot->radial, pot->nspecies * pot->nspecies * pot->nrad * pot->nrb))
        return core_err_set(err, CORE_EINPUT, "radial_coeffs: a coefficient is not finite");
    if (!all_finite(pot->species_coeffs, pot->nspecies))
        return core_err_set(err, CORE_EINPUT, "species_coeffs: a coefficient is not finite");
    if (!all_finite(pot->moment_coeffs, pot->nscalar))
        return core_err_set(err, CORE_EINPUT, "moment_coeffs: a coefficient is not finite");
    return CORE_OK;
}

int
mtp_pot_level(const struct mtp_pot *pot)
{
    int *lev, best = 0;
    if (!pot->nmoments)
        return 0;
    lev = calloc(pot->nmoments, sizeof *lev);
    if (!lev)
        return -1;
    for (size_t p = 0; p < pot->nbasic && p < pot->nmoments; p++) {
        const int *e = pot->basic + 4 * p;
        lev[p] = 2 + 4 * e[0] + e[1] + e[2] + e[3];
    }
    for (size_t e = 0; e < pot->ntimes; e++) {
        const int *t = pot->times + 4 * e;
        int l;
        if (t[0] < 0 || t[1] < 0 || t[3] < 0 || (size_t)t[0] >= pot->nmoments ||
            (size_t)t[1] >= pot->nmoments || (size_t)t[3] >= pot->nmoments)
            goto bad;
        l = lev[t[0]] + lev[t[1]];
        if (lev[t[3]] != 0 && lev[t[3]] != l)
            goto bad;
        lev[t[3]] = l;
    }
    for (size_t k = 0; k < pot->nscalar; k++) {
        if (pot->mapping[k] < 0 || (size_t)pot->mapping[k] >= pot->nmoments)
            goto bad;
        if (lev[pot->mapping[k]] > best)
            best = lev[pot->mapping[k]];
    }
    free(lev);
    return best;
bad:
    free(lev);
    return -1;
}
