/*
 * tersoff: the Tersoff potential as LAMMPS's pair_style tersoff defines it, written as site
 * energies (Fan et al., PRB 92, 094301 (2015); GPUMD). See md.h for the energy and parameters.
 *
 * J. Tersoff, PRB 37, 6991 (1988), doi:10.1103/PhysRevB.37.6991; PRB 39, 5566 (1989),
 * doi:10.1103/PhysRevB.39.5566 (multi-component); LAMMPS pair_style tersoff documentation for
 * the file format and the choice of parameters per (i, j, k).
 *
 *   U_i   = 1/2 sum_j f_C(r_ij) [f_R(r_ij) + b_ij f_A(r_ij)]
 *   f_R   = A exp(-lambda1 r),  f_A = -B exp(-lambda2 r)
 *   f_C   = 1 (r < R - D), 1/2 - 1/2 sin(pi/2 (r - R)/D) (|r - R| <= D), 0 (r > R + D)
 *   b_ij  = (1 + (beta zeta_ij)^n)^(-1/(2n))
 *   zeta_ij = sum_{k != j} f_C(r_ik) g(cos theta_ijk) exp((lambda3 (r_ij - r_ik))^m)
 *   g     = gamma (1 + c^2/d^2 - c^2 / (d^2 + (cos theta0 - cos theta)^2))
 *
 * The kernel: for each atom i (one thread), the neighbours within the largest cut-off of i's
 * entries (the "short" list), zeta_ij and b_ij for each bond, then dU_i/dr_ij for every
 * neighbour j, accumulated in per-thread scratch and written once per pair. No atomics.
 * db/dzeta = -b x / (2 zeta (1 + x)) with x = (beta zeta)^n is the closed form; LAMMPS uses
 * asymptotic series when beta zeta is beyond 1e-8-based thresholds, which agree with it to
 * about 1e-16 relative.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "md.h"

#define NWORDS 17

static const char *const field[14] = {"m",    "gamma",   "lambda3", "c", "d", "costheta0", "n",
                                      "beta", "lambda2", "B",       "R", "D", "lambda1",   "A"};

struct tparam {
    double m, gamma, lam3, c, d, h, n, beta, lam2, bigb, bigr, bigd, lam1, biga;
    double cutsq, c2, d2, c2d2; /* (R + D)^2, c^2, d^2, c^2/d^2 */
    int mint;
};

struct twork {
    size_t cap;
    size_t *p;
    int *t;
    double *r2, *r, *ux, *uy, *uz, *ax, *ay, *az, *zeta, *bij, *dbij;
};

struct tersoff {
    size_t nt;
    struct tparam *par; /* nt^3: par[(ti nt + tj) nt + tk] */
    double cutmax2[CORE_MAXTYPES];
    int nwork;
    struct twork *work;
};

static void
work_free(struct twork *w)
{
    free(w->p);
    free(w->t);
    free(w->r2);
    memset(w, 0, sizeof *w);
}

static void
tersoff_free(void *self)
{
    struct tersoff *T = self;
    if (!T)
        return;
    for (int i = 0; i < T->nwork; i++)
        work_free(&T->work[i]);
    free(T->work);
    free(T->par);
    free(T);
}

static int
work_reserve(struct twork *w, size_t n)
{
    if (n <= w->cap && w->p)
        return 0;
    work_free(w);
    size_t c = n + 8;
    w->p = malloc(c * sizeof *w->p);
    w->t = malloc(c * sizeof *w->t);
    w->r2 = malloc(11 * c * sizeof *w->r2);
    if (!w->p || !w->t || !w->r2) {
        work_free(w);
        return -1;
    }
    w->r = w->r2 + c;
    w->ux = w->r2 + 2 * c;
    w->uy = w->r2 + 3 * c;
    w->uz = w->r2 + 4 * c;
    w->ax = w->r2 + 5 * c;
    w->ay = w->r2 + 6 * c;
    w->az = w->r2 + 7 * c;
    w->zeta = w->r2 + 8 * c;
    w->bij = w->r2 + 9 * c;
    w->dbij = w->r2 + 10 * c;
    w->cap = c;
    return 0;
}

/* f_C and its derivative. */
static inline void
fcut(double r, const struct tparam *P, double *fc, double *dfc)
{
    if (r < P->bigr - P->bigd) {
        *fc = 1;
        *dfc = 0;
    } else if (r > P->bigr + P->bigd) {
        *fc = 0;
        *dfc = 0;
    } else {
        double x = M_PI_2 * (r - P->bigr) / P->bigd;
        *fc = 0.5 * (1.0 - sin(x));
        *dfc = -(M_PI_4 / P->bigd) * cos(x);
    }
}

/* g(cos theta) and dg/dcos. */
static inline void
gang(double cs, const struct tparam *P, double *g, double *dg)
{
    if (P->c2 == 0) {
        *g = P->gamma;
        *dg = 0;
        return;
    }
    double hc = P->h - cs;
    double den = 1.0 / (P->d2 + hc * hc);
    *g = P->gamma * (1.0 + P->c2d2 - P->c2 * den);
    *dg = P->gamma * (-2.0 * P->c2 * hc) * den * den;
}

/* exp((lambda3 dr)^m) and its derivative by dr, clamped as LAMMPS does. */
static inline void
expterm(double dr, const struct tparam *P, double *e, double *de)
{
    if (P->lam3 == 0) {
        *e = 1;
        *de = 0;
        return;
    }
    double t = P->lam3 * dr;
    double arg = P->mint == 3 ? t * t * t : t;
    double darg = P->mint == 3 ? 3.0 * P->lam3 * t * t : P->lam3;
    if (arg > 69.0776)
        *e = 1e30;
    else if (arg < -69.0776)
        *e = 0;
    else
        *e = exp(arg);
    *de = darg * *e;
}

/* Site energy of atom i; writes du for every pair of i. */
static double
tersoff_atom(const struct tersoff *T, const int *type, const struct md_nlist *nl, size_t i,
             double *du, struct twork *w)
{
    size_t nt = T->nt, ns = 0;
    int ti = type[i];
    double cm2 = T->cutmax2[ti];
    for (size_t p = nl->start[i]; p < nl->start[i + 1]; p++) {
        double d[3];
        md_nlist_pair_vec(nl, i, p, d);
        double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
        du[3 * p] = du[3 * p + 1] = du[3 * p + 2] = 0;
        if (r2 < cm2) {
            double r = sqrt(r2), ir = 1.0 / r;
            w->p[ns] = p;
            w->t[ns] = type[nl->nbr[p]];
            w->r2[ns] = r2;
            w->r[ns] = r;
            w->ux[ns] = d[0] * ir;
            w->uy[ns] = d[1] * ir;
            w->uz[ns] = d[2] * ir;
            w->ax[ns] = w->ay[ns] = w->az[ns] = 0;
            ns++;
        }
    }
    const struct tparam *Pi = T->par + (size_t)ti * nt * nt;
    double ui = 0;
    /* pass 1: zeta of every bond; pass 2: the bond orders (independent pows); pass 3: the
     * derivatives */
    for (size_t a = 0; a < ns; a++) {
        const struct tparam *Pj = Pi + (size_t)w->t[a] * nt;
        double zeta = 0;
        w->zeta[a] = -1; /* not a bond */
        if (!(w->r2[a] < Pj[w->t[a]].cutsq))
            continue;
        for (size_t b = 0; b < ns; b++) {
            const struct tparam *P3 = Pj + w->t[b];
            if (b == a || !(w->r2[b] < P3->cutsq))
                continue;
            double fc, dfc, g, dg, e, de;
            double cs = w->ux[a] * w->ux[b] + w->uy[a] * w->uy[b] + w->uz[a] * w->uz[b];
            fcut(w->r[b], P3, &fc, &dfc);
            gang(cs, P3, &g, &dg);
            expterm(w->r[a] - w->r[b], P3, &e, &de);
            zeta += fc * g * e;
        }
        w->zeta[a] = zeta;
    }
    for (size_t a = 0; a < ns; a++) {
        const struct tparam *P2 = Pi + (size_t)w->t[a] * nt + w->t[a];
        double zeta = w->zeta[a], bij = 1, dbij = 0;
        if (P2->beta != 0 && zeta > 0) {
            double x = pow(P2->beta * zeta, P2->n);
            bij = pow(1.0 + x, -1.0 / (2.0 * P2->n));
            dbij = -0.5 * bij * x / (zeta * (1.0 + x));
        }
        w->bij[a] = bij;
        w->dbij[a] = dbij;
    }
    for (size_t a = 0; a < ns; a++) {
        if (w->zeta[a] < 0)
            continue;
        const struct tparam *Pj = Pi + (size_t)w->t[a] * nt;
        const struct tparam *P2 = Pj + w->t[a];
        double ra = w->r[a], bij = w->bij[a];
        double fc, dfc;
        fcut(ra, P2, &fc, &dfc);
        double fr = P2->biga * exp(-P2->lam1 * ra), dfr = -P2->lam1 * fr;
        double fa = -P2->bigb * exp(-P2->lam2 * ra), dfa = -P2->lam2 * fa;
        ui += 0.5 * fc * (fr + bij * fa);
        double s = 0.5 * (dfc * (fr + bij * fa) + fc * (dfr + bij * dfa));
        w->ax[a] += s * w->ux[a];
        w->ay[a] += s * w->uy[a];
        w->az[a] += s * w->uz[a];
        double pref = 0.5 * fc * fa * w->dbij[a];
        if (pref == 0)
            continue;
        double ira = 1.0 / ra;
        for (size_t b = 0; b < ns; b++) {
            const struct tparam *P3 = Pj + w->t[b];
            if (b == a || !(w->r2[b] < P3->cutsq))
                continue;
            double fk, dfk, g, dg, e, de;
            double cs = w->ux[a] * w->ux[b] + w->uy[a] * w->uy[b] + w->uz[a] * w->uz[b];
            fcut(w->r[b], P3, &fk, &dfk);
            gang(cs, P3, &g, &dg);
            expterm(ra - w->r[b], P3, &e, &de);
            /* t = fk g e: dt/dr_ij = fk (dg e dcos/dr_ij + g de u_ij),
             * dt/dr_ik = dfk g e u_ik + fk (dg e dcos/dr_ik - g de u_ik),
             * dcos/dr_ij = (u_ik - cos u_ij)/r_ij, dcos/dr_ik = (u_ij - cos u_ik)/r_ik */
            double c1 = pref * fk * dg * e;
            double ca = c1 * ira, cb = c1 / w->r[b];
            double sa = pref * fk * g * de - ca * cs;
            double sb = pref * (dfk * g * e - fk * g * de) - cb * cs;
            w->ax[a] += ca * w->ux[b] + sa * w->ux[a];
            w->ay[a] += ca * w->uy[b] + sa * w->uy[a];
            w->az[a] += ca * w->uz[b] + sa * w->uz[a];
            w->ax[b] += cb * w->ux[a] + sb * w->ux[b];
            w->ay[b] += cb * w->uy[a] + sb * w->uy[b];
            w->az[b] += cb * w->uz[a] + sb * w->uz[b];
        }
    }
    for (size_t a = 0; a < ns; a++) {
        double *g = du + 3 * w->p[a];
        g[0] = w->ax[a];
        g[1] = w->ay[a];
        g[2] = w->az[a];
    }
    return ui;
}

static int
tersoff_site(void *self, const int *type, const struct md_nlist *nl, double *u, double *du,
             struct core_err *err)
{
    struct tersoff *T = self;
    int nth = 1;
#ifdef _OPENMP
    if (nl->natoms >= MD_OMP_MIN)
        nth = omp_get_max_threads();
#endif
    if (nth > T->nwork) {
        struct twork *w = realloc(T->work, (size_t)nth * sizeof *w);
        if (!w)
            return core_err_set(err, CORE_ENOMEM, "tersoff: out of memory");
        memset(w + T->nwork, 0, (size_t)(nth - T->nwork) * sizeof *w);
        T->work = w;
        T->nwork = nth;
    }
    for (int k = 0; k < nth; k++)
        if (work_reserve(&T->work[k], nl->maxnbr))
            return core_err_set(err, CORE_ENOMEM, "tersoff: out of memory");
    long long n = (long long)nl->natoms;
#pragma omp parallel num_threads(nth)
    {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        struct twork *w = &T->work[tid];
#pragma omp for schedule(static)
        for (long long i = 0; i < n; i++)
            u[i] = tersoff_atom(T, type, nl, (size_t)i, du, w);
    }
    return CORE_OK;
}

/* ---- the parameter file ---- */

struct word {
    const char *s;
    size_t len;
    long line;
};

/* Type of an element word in map, or -1. */
static int
word_type(const struct word *w, const struct core_species_map *map)
{
    for (size_t t = 0; t < map->ntypes; t++) {
        const char *sym = core_elem_symbol(map->z[t]);
        if (strlen(sym) == w->len && memcmp(sym, w->s, w->len) == 0)
            return (int)t;
    }
    return -1;
}

static int
check_entry(const struct tparam *P, const char *name, long line, const struct word *w,
            struct core_err *err)
{
    const double *v = &P->m;
    const char *why = NULL;
    int bad = -1;
    if (P->m != 1 && P->m != 3) {
        bad = 0;
        why = "must be 1 or 3";
    }
    /* gamma c d n beta lambda2 B R lambda1 A must not be negative */
    static const int nonneg[] = {1, 3, 4, 6, 7, 8, 9, 10, 12, 13};
    for (size_t k = 0; bad < 0 && k < sizeof nonneg / sizeof *nonneg; k++)
        if (v[nonneg[k]] < 0) {
            bad = nonneg[k];
            why = "must not be negative";
        }
    if (bad < 0 && !(P->bigd > 0)) {
        bad = 11;
        why = "must be > 0";
    }
    if (bad < 0 && P->bigd > P->bigr) {
        bad = 11;
        why = "must not exceed R";
    }
    if (bad < 0 && P->d == 0 && P->c != 0) {
        bad = 4;
        why = "must be > 0 when c is not 0";
    }
    if (bad < 0 && P->n == 0 && P->beta != 0) {
        bad = 6;
        why = "must be > 0 when beta is not 0";
    }
    if (bad < 0)
        return CORE_OK;
    return core_err_set(err, CORE_EINPUT, "%s:%ld: entry %.*s %.*s %.*s: %s = %.17g %s", name, line,
                        (int)w[0].len, w[0].s, (int)w[1].len, w[1].s, (int)w[2].len, w[2].s,
                        field[bad], v[bad], why);
}

/* Handles one complete entry of NWORDS words. */
static int
entry(struct tersoff *T, const struct core_species_map *map, const struct word *w, const char *name,
      long *seen, struct core_err *err)
{
    struct tparam P;
    double *v = &P.m;
    memset(&P, 0, sizeof P);
    for (int k = 0; k < 14; k++) {
        const struct word *x = &w[3 + k];
        char buf[64];
        if (x->len >= sizeof buf || (memcpy(buf, x->s, x->len), buf[x->len] = '\0',
                                     core_parse_double(buf, &v[k]) != CORE_OK))
            return core_err_set(err, CORE_EINPUT, "%s:%ld: %s: bad number '%.*s'", name, x->line,
                                field[k], (int)(x->len > 40 ? 40 : x->len), x->s);
    }
    int t0 = word_type(&w[0], map), t1 = word_type(&w[1], map), t2 = word_type(&w[2], map);
    if (t0 < 0 || t1 < 0 || t2 < 0)
        return CORE_OK;
    size_t nt = T->nt, q = ((size_t)t0 * nt + (size_t)t1) * nt + (size_t)t2;
    if (seen[q])
        return core_err_set(err, CORE_EINPUT,
                            "%s:%ld: duplicate entry %.*s %.*s %.*s (first at "
                            "line %ld)",
                            name, w[0].line, (int)w[0].len, w[0].s, (int)w[1].len, w[1].s,
                            (int)w[2].len, w[2].s, seen[q]);
    int status = check_entry(&P, name, w[0].line, w, err);
    if (status)
        return status;
    P.mint = (int)P.m;
    P.cutsq = (P.bigr + P.bigd) * (P.bigr + P.bigd);
    P.c2 = P.c * P.c;
    P.d2 = P.d * P.d;
    P.c2d2 = P.c2 != 0 ? P.c2 / P.d2 : 0;
    T->par[q] = P;
    seen[q] = w[0].line;
    return CORE_OK;
}

int
md_tersoff_init(struct md_pot *pot, const char *text, const char *name,
                const struct core_species_map *map, struct core_err *err)
{
    struct tersoff *T = NULL;
    long *seen = NULL;
    int status;
    struct word w[NWORDS];
    int nw = 0;

    memset(pot, 0, sizeof *pot);
    if (!name)
        name = "tersoff";
    if (!map || map->ntypes == 0 || map->ntypes > CORE_MAXTYPES)
        return core_err_set(err, CORE_EINPUT, "%s: the Tersoff potential needs a species list",
                            name);
    size_t nt = map->ntypes;
    T = calloc(1, sizeof *T);
    if (!T)
        goto nomem;
    T->nt = nt;
    T->par = calloc(nt * nt * nt, sizeof *T->par);
    seen = calloc(nt * nt * nt, sizeof *seen);
    if (!T->par || !seen)
        goto nomem;

    long line = 1;
    for (const char *c = text; *c;) {
        if (*c == '\n') {
            line++;
            c++;
        } else if (*c == '#') {
            while (*c && *c != '\n')
                c++;
        } else if (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\f' || *c == '\v') {
            c++;
        } else {
            const char *e = c;
            while (*e && *e != '\n' && *e != '#' && *e != ' ' && *e != '\t' && *e != '\r' &&
                   *e != '\f' && *e != '\v')
                e++;
            w[nw].s = c;
            w[nw].len = (size_t)(e - c);
            w[nw].line = line;
            if (++nw == NWORDS) {
                if ((status = entry(T, map, w, name, seen, err)))
                    goto fail;
                nw = 0;
            }
            c = e;
        }
    }
    if (nw) {
        status = core_err_set(err, CORE_EINPUT, "%s:%ld: incomplete entry: %d of %d words", name,
                              w[0].line, nw, NWORDS);
        goto fail;
    }
    double rcut = 0;
    for (size_t ti = 0; ti < nt; ti++) {
        for (size_t tj = 0; tj < nt; tj++) {
            for (size_t tk = 0; tk < nt; tk++) {
                size_t q = (ti * nt + tj) * nt + tk;
                if (!seen[q]) {
                    status =
                        core_err_set(err, CORE_EINPUT, "%s: no entry for %s %s %s", name,
                                     core_elem_symbol(map->z[ti]), core_elem_symbol(map->z[tj]),
                                     core_elem_symbol(map->z[tk]));
                    goto fail;
                }
                if (T->par[q].cutsq > T->cutmax2[ti])
                    T->cutmax2[ti] = T->par[q].cutsq;
                if (T->par[q].bigr + T->par[q].bigd > rcut)
                    rcut = T->par[q].bigr + T->par[q].bigd;
            }
        }
    }
    free(seen);
    snprintf(pot->name, sizeof pot->name, "tersoff");
    pot->rcut = rcut;
    pot->ntypes = nt;
    memcpy(pot->z, map->z, nt * sizeof *map->z);
    pot->self = T;
    pot->site = tersoff_site;
    pot->free = tersoff_free;
    return CORE_OK;
nomem:
    status = core_err_set(err, CORE_ENOMEM, "%s: out of memory", name);
fail:
    free(seen);
    tersoff_free(T);
    return status;
}
