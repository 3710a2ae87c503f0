/*
 * fe problems: the parameters of the phases and groups of a mesh that the analyses of fe.h
 * take (conductivities, conductances, stiffnesses, laws, cohesive laws) gathered in one owner,
 * with the choices that follow from them (the output unit of stresses). See fe.h.
 */
#include <stdlib.h>
#include <string.h>

#include "fe.h"

void
fe_problem_init(struct fe_problem *pb)
{
    memset(pb, 0, sizeof *pb);
}

void
fe_problem_release(struct fe_problem *pb)
{
    free(pb->kappa);
    free(pb->kreal);
    free(pb->gcond);
    free(pb->tgroup);
    free(pb->cut);
    free(pb->cmat);
    free(pb->per2d);
    free(pb->law);
    free(pb->lawdata);
    free(pb->coh);
    fe_problem_init(pb);
}

int
fe_problem_alloc(struct fe_problem *pb, size_t nphases, size_t ngroups, struct core_err *err)
{
    size_t np = nphases, ng = ngroups;
    fe_problem_release(pb);
    pb->nphases = np;
    pb->ngroups = ng;
    /* one more than asked, so that an empty mesh still gets arrays (calloc(0) may be NULL) */
    pb->kappa = calloc(3 * np + 1, sizeof *pb->kappa);
    pb->kreal = calloc(3 * np + 1, sizeof *pb->kreal);
    pb->gcond = calloc(ng + 1, sizeof *pb->gcond);
    pb->tgroup = calloc(ng + 1, sizeof *pb->tgroup);
    pb->cut = calloc(ng + 1, 1);
    pb->cmat = calloc(9 * np + 1, sizeof *pb->cmat);
    pb->per2d = calloc(np + 1, sizeof *pb->per2d);
    pb->law = calloc(np + 1, sizeof *pb->law);
    pb->coh = calloc(ng + 1, sizeof *pb->coh);
    if (!pb->kappa || !pb->kreal || !pb->gcond || !pb->tgroup || !pb->cut || !pb->cmat ||
        !pb->per2d || !pb->law || !pb->coh) {
        fe_problem_release(pb);
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    }
    return CORE_OK;
}

int
fe_problem_law_add(struct fe_problem *pb, size_t q, size_t n, const double *eps, const double *sig,
                   double scale, double nu, struct core_err *err)
{
    double *pts;
    if (pb->nlawdata + 2 * n > pb->caplawdata) {
        size_t cap = 2 * (pb->nlawdata + 2 * n);
        double *p = malloc(cap * sizeof *p);
        if (!p)
            return core_err_set(err, CORE_ENOMEM, "out of memory");
        /* the laws keep pointers into the array: move them */
        if (pb->nlawdata)
            memcpy(p, pb->lawdata, pb->nlawdata * sizeof *p);
        for (size_t r = 0; r < pb->nphases; r++)
            if (pb->law[r].npts) {
                pb->law[r].eps = p + (pb->law[r].eps - pb->lawdata);
                pb->law[r].sig = p + (pb->law[r].sig - pb->lawdata);
            }
        free(pb->lawdata);
        pb->lawdata = p;
        pb->caplawdata = cap;
    }
    pts = pb->lawdata + pb->nlawdata;
    for (size_t k = 0; k < n; k++) {
        pts[k] = eps[k];
        pts[n + k] = sig[k] * scale;
    }
    pb->nlawdata += 2 * n;
    pb->law[q] = (struct fe_law){n, pts, pts + n, nu};
    pb->have_curve = 1;
    fe_elast_iso(pts[n + 1] / pts[1], nu, &pb->cmat[9 * q]); /* the initial stiffness */
    return CORE_OK;
}

int
fe_problem_out_unit(struct fe_problem *pb, struct core_err *err)
{
    size_t n2d = 0;
    for (size_t q = 0; q < pb->nphases; q++)
        n2d += (size_t)pb->per2d[q];
    if (pb->have_thickness) {
        pb->oscale = 1e-9 / pb->tref;
        pb->ounit = "GPa";
    } else if (n2d == 0) {
        pb->oscale = 1e-9; /* per metre of thickness: C t / 1 m = C */
        pb->ounit = "GPa";
    } else if (n2d == pb->nphases) {
        pb->oscale = 1;
        pb->ounit = "N/m";
    } else {
        return core_err_set(err, CORE_EINPUT, "moduli in GPa and in N/m need a thickness");
    }
    return CORE_OK;
}
