/*
 * mdrestart: md-run checkpoints as text with hexadecimal floats. See mdrestart.h.
 */
#include "mdrestart.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "fpms-md-checkpoint 1"

static void
reals(FILE *fp, const char *key, size_t n, const double *v)
{
    fputs(key, fp);
    for (size_t k = 0; k < n; k++)
        fprintf(fp, " %a", v[k]);
    fputc('\n', fp);
}

/* The NEMD record: the set-up it checks and the state it restores (see mdrestart.md). */
static void
nemd_write(FILE *fp, const struct md_nemd *nm)
{
    size_t nb = nm->o.nbins;
    fprintf(fp, "nemd %d %s %zu %zu %llu %a %llu %a %a %zu %a %a %a %a %a %a\n", nm->o.axis,
            nm->o.geom == MD_NEMD_OPEN ? "open" : "periodic", nb, nm->nblocks,
            (unsigned long long)nm->th[0].step, nm->th[0].heat, (unsigned long long)nm->th[1].step,
            nm->th[1].heat, nm->time, nm->nsamples, nm->time0, nm->heat0[0], nm->heat0[1], nm->lo,
            nm->len, nm->area);
    reals(fp, "ke2", nb, nm->ke2);
    reals(fp, "dof", nb, nm->dof);
    for (size_t k = 0; k < nm->nblocks; k++) {
        fprintf(fp, "block %a %a %a", nm->btime[k], nm->bheat[2 * k], nm->bheat[2 * k + 1]);
        for (size_t b = 0; b < nb; b++) {
            double v = nm->bprof[k * nb + b];
            if (isnan(v))
                fputs(" nan", fp);
            else
                fprintf(fp, " %a", v);
        }
        fputc('\n', fp);
    }
}

int
mdrestart_write(FILE *fp, const struct md_sys *s, uint64_t step, const struct md_thermostat *th,
                const struct md_baro *b, const struct md_tension *t, const struct md_nemd *nm,
                struct core_err *err)
{
    struct stream_locale loc;
    int rc = stream_locale_enter(&loc, "checkpoint", err);
    if (rc)
        return rc;
    fprintf(fp, "%s\nnatoms %zu\nstep %llu\n", MAGIC, s->natoms, (unsigned long long)step);
    reals(fp, "cell", 9, s->cell);
    fprintf(fp, "pbc %d %d %d\n", s->pbc[0], s->pbc[1], s->pbc[2]);
    fprintf(fp, "thermostat %s %llu %a %d\n", md_thermostat_name(th->kind),
            (unsigned long long)th->step, th->heat, th->nchain);
    reals(fp, "eta", (size_t)th->nchain, th->eta);
    reals(fp, "veta", (size_t)th->nchain + 1, th->veta);
    reals(fp, "aeta", (size_t)th->nchain, th->aeta);
    fprintf(fp, "barostat %s %llu %a %d %llu %a %a %a %a\n", md_baro_name(b->kind),
            (unsigned long long)b->step, b->heat, b->tdir, (unsigned long long)b->tstep, b->len0,
            b->lnmu[0], b->lnmu[1], b->lnmu[2]);
    if (b->kind == MD_BARO_MTK) {
        fprintf(fp, "mtk %a %a %a %d\n", b->omega_dot[0], b->omega_dot[1], b->omega_dot[2],
                b->pchain);
        reals(fp, "etap", (size_t)b->pchain, b->etap);
        reals(fp, "etap_dot", (size_t)b->pchain + 1, b->etap_dot);
        reals(fp, "etap_dotdot", (size_t)b->pchain, b->etap_dotdot);
    }
    fprintf(fp, "tension %llu %a %a %a %a %d", (unsigned long long)t->nacc, t->acct, t->acce,
            t->peak, t->peak_strain, t->have_peak);
    reals(fp, "", 9, t->acc);
    if (nm)
        nemd_write(fp, nm);
    fputs("atoms\n", fp);
    for (size_t i = 0; i < s->natoms; i++) {
        const double *x = s->pos + 3 * i, *v = s->vel + 3 * i;
        fprintf(fp, "%d %a %a %a %a %a %a", s->z[i], x[0], x[1], x[2], v[0], v[1], v[2]);
        if (nm)
            fprintf(fp, " %d", nm->region[i]);
        fputc('\n', fp);
    }
    fputs("end\n", fp);
    stream_locale_leave(&loc);
    if (ferror(fp))
        return core_err_set(err, CORE_EIO, "checkpoint: write error");
    return CORE_OK;
}

void
mdrestart_release(struct mdrestart *r)
{
    free(r->z);
    free(r->pos);
    free(r->vel);
    md_nemd_release(&r->nemd);
    memset(r, 0, sizeof *r);
}

/* The words of one line, split in place (at most max). */
struct words {
    char buf[4096];
    char *w[32];
    int n;
};

static int
next_line(struct stream_in *in, struct words *ws, const char *what, int nmin, int nmax,
          struct core_err *err)
{
    const char *line;
    int rc = stream_getline(in, &line, err);
    if (rc)
        return rc;
    if (!line)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: truncated checkpoint: expected %s", in->name,
                            in->lineno + 1, what);
    size_t len = strlen(line);
    if (len >= sizeof ws->buf)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: line too long", in->name, in->lineno);
    memcpy(ws->buf, line, len + 1);
    ws->n = 0;
    char *save = NULL;
    for (char *t = strtok_r(ws->buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (ws->n == 32)
            return core_err_set(err, CORE_EINPUT, "%s:%ld: too many fields", in->name, in->lineno);
        ws->w[ws->n++] = t;
    }
    if (ws->n < nmin || ws->n > nmax)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: expected %s", in->name, in->lineno, what);
    return CORE_OK;
}

static int
key(struct stream_in *in, const struct words *ws, const char *k, const char *what,
    struct core_err *err)
{
    if (strcmp(ws->w[0], k) != 0)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: expected %s, got '%s'", in->name, in->lineno,
                            what, ws->w[0]);
    return CORE_OK;
}

static int
real(struct stream_in *in, const char *s, double *v, struct core_err *err)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end || !isfinite(x) || (errno == ERANGE && fabs(x) > 1))
        return core_err_set(err, CORE_EINPUT, "%s:%ld: '%s' is not a finite number", in->name,
                            in->lineno, s);
    *v = x;
    return CORE_OK;
}

static int
count(struct stream_in *in, const char *s, unsigned long long max, unsigned long long *v,
      struct core_err *err)
{
    char *end;
    errno = 0;
    if (*s == '-' || *s == '+')
        goto bad;
    unsigned long long x = strtoull(s, &end, 10);
    if (end == s || *end || errno == ERANGE || x > max)
        goto bad;
    *v = x;
    return CORE_OK;
bad:
    return core_err_set(err, CORE_EINPUT, "%s:%ld: '%s' is not an integer in 0..%llu", in->name,
                        in->lineno, s, max);
}

static int
reals_read(struct stream_in *in, const struct words *ws, int first, int n, double *v,
           struct core_err *err)
{
    for (int k = 0; k < n; k++) {
        int rc = real(in, ws->w[first + k], &v[k], err);
        if (rc)
            return rc;
    }
    return CORE_OK;
}

/* A line `k v_1 .. v_n` of n reals, of any length; "nan" is accepted from v_(nan_from + 1) on. */
static int
array_line(struct stream_in *in, const char *k, size_t n, double *v, size_t nan_from,
           struct core_err *err)
{
    const char *line, *q;
    char tok[64];
    size_t kl = strlen(k);
    int rc = stream_getline(in, &line, err);
    if (rc)
        return rc;
    if (!line)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: truncated checkpoint: expected '%s'",
                            in->name, in->lineno + 1, k);
    q = line + strspn(line, " \t");
    if (strncmp(q, k, kl) != 0 || (q[kl] != ' ' && q[kl] != '\t' && q[kl] != '\0'))
        goto bad;
    q += kl;
    for (size_t i = 0; i < n; i++) {
        q += strspn(q, " \t");
        size_t len = strcspn(q, " \t");
        if (len == 0)
            goto bad;
        if (len >= sizeof tok)
            return core_err_set(err, CORE_EINPUT, "%s:%ld: field %zu is not a finite number",
                                in->name, in->lineno, i + 2);
        memcpy(tok, q, len);
        tok[len] = '\0';
        if (i >= nan_from && strcmp(tok, "nan") == 0)
            v[i] = NAN;
        else if ((rc = real(in, tok, &v[i], err)))
            return rc;
        q += len;
    }
    q += strspn(q, " \t");
    if (*q == '\0')
        return CORE_OK;
bad:
    return core_err_set(err, CORE_EINPUT, "%s:%ld: expected '%s' and %zu numbers", in->name,
                        in->lineno, k, n);
}

/* The NEMD record (after `tension`, before `atoms`); see mdrestart.md. */
static int
nemd_parse(struct stream_in *in, struct mdrestart *r, struct core_err *err)
{
    static const char nw[] = "'nemd AXIS GEOM NBINS NBLOCKS HOT_STEP HOT_HEAT COLD_STEP "
                             "COLD_HEAT TIME NSAMPLES TIME0 HEAT0_HOT HEAT0_COLD LO LEN AREA'";
    struct md_nemd *nm = &r->nemd;
    struct words ws;
    unsigned long long u[6];
    double v[10];
    int rc;
    if ((rc = next_line(in, &ws, nw, 17, 17, err)) || (rc = key(in, &ws, "nemd", nw, err)) ||
        (rc = count(in, ws.w[1], 2, &u[0], err)) ||
        (rc = count(in, ws.w[3], 1000000, &u[1], err)) ||
        (rc = count(in, ws.w[4], 100000000, &u[2], err)) ||
        (rc = count(in, ws.w[5], UINT64_MAX, &u[3], err)) ||
        (rc = count(in, ws.w[7], UINT64_MAX, &u[4], err)) ||
        (rc = count(in, ws.w[10], UINT64_MAX, &u[5], err)) ||
        (rc = real(in, ws.w[6], &v[0], err)) || (rc = real(in, ws.w[8], &v[1], err)) ||
        (rc = real(in, ws.w[9], &v[2], err)) || (rc = reals_read(in, &ws, 11, 6, v + 3, err)))
        return rc;
    if (strcmp(ws.w[2], "periodic") == 0)
        nm->o.geom = MD_NEMD_PERIODIC;
    else if (strcmp(ws.w[2], "open") == 0)
        nm->o.geom = MD_NEMD_OPEN;
    else
        return core_err_set(err, CORE_EINPUT, "%s:%ld: unknown NEMD geometry '%s'", in->name,
                            in->lineno, ws.w[2]);
    if (u[1] < 2)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: %llu bins: need at least 2", in->name,
                            in->lineno, u[1]);
    if (!(v[8] > 0) || !(v[7] > 0))
        return core_err_set(err, CORE_EINPUT, "%s:%ld: NEMD length and area must be > 0", in->name,
                            in->lineno);
    nm->o.axis = (int)u[0];
    nm->o.nbins = (size_t)u[1];
    nm->nblocks = nm->blockcap = (size_t)u[2];
    nm->th[0].step = u[3];
    nm->th[1].step = u[4];
    nm->nsamples = (size_t)u[5];
    nm->th[0].heat = v[0];
    nm->th[1].heat = v[1];
    nm->time = v[2];
    nm->time0 = v[3];
    nm->heat0[0] = v[4];
    nm->heat0[1] = v[5];
    nm->lo = v[6];
    nm->len = v[7];
    nm->area = v[8];
    size_t nb = nm->o.nbins, nk = nm->nblocks ? nm->nblocks : 1;
    nm->ke2 = malloc(nb * sizeof *nm->ke2);
    nm->dof = malloc(nb * sizeof *nm->dof);
    nm->bprof = malloc(nk * (nb + 3) * sizeof *nm->bprof);
    nm->bheat = malloc(2 * nk * sizeof *nm->bheat);
    nm->btime = malloc(nk * sizeof *nm->btime);
    if (!nm->ke2 || !nm->dof || !nm->bprof || !nm->bheat || !nm->btime)
        return core_err_set(err, CORE_ENOMEM, "out of memory for %zu NEMD blocks", nm->nblocks);
    if ((rc = array_line(in, "ke2", nb, nm->ke2, nb, err)) ||
        (rc = array_line(in, "dof", nb, nm->dof, nb, err)))
        return rc;
    /* bprof has room for 3 more: each line is read in place, then moved to its block */
    for (size_t k = 0; k < nm->nblocks; k++) {
        double *row = nm->bprof + k * nb;
        if ((rc = array_line(in, "block", nb + 3, row, 3, err)))
            return rc;
        if (!(row[0] > 0))
            return core_err_set(err, CORE_EINPUT, "%s:%ld: block time must be > 0", in->name,
                                in->lineno);
        nm->btime[k] = row[0];
        nm->bheat[2 * k] = row[1];
        nm->bheat[2 * k + 1] = row[2];
        memmove(row, row + 3, nb * sizeof *row);
    }
    return CORE_OK;
}

/* The three lines of a Nose-Hoover chain of length m: positions, velocities (m + 1 numbers)
 * and forces, each line its key names[c] and the numbers, into dst[c]. */
static int
chain_read(struct stream_in *in, const char *const names[3], int m, double *const dst[3],
           struct core_err *err)
{
    struct words ws;
    int rc;
    for (int c = 0; c < 3; c++) {
        char what[64];
        int nv = m + (c == 1);
        snprintf(what, sizeof what, "'%s' and %d numbers", names[c], nv);
        if ((rc = next_line(in, &ws, what, nv + 1, nv + 1, err)) ||
            (rc = key(in, &ws, names[c], what, err)) ||
            (rc = reals_read(in, &ws, 1, nv, dst[c], err)))
            return rc;
    }
    return CORE_OK;
}

/* The MTK record after the barostat line: barostat velocities and chain (see mdrestart.md). */
static int
mtk_parse(struct stream_in *in, struct md_baro *b, struct core_err *err)
{
    static const char mtw[] = "'mtk OMEGA_DOT*3 NCHAIN'";
    struct words ws;
    unsigned long long u;
    int rc;
    if ((rc = next_line(in, &ws, mtw, 5, 5, err)) || (rc = key(in, &ws, "mtk", mtw, err)) ||
        (rc = reals_read(in, &ws, 1, 3, b->omega_dot, err)) ||
        (rc = count(in, ws.w[4], MD_NHC_MAXCHAIN, &u, err)))
        return rc;
    if (u < 1)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: chain length 0", in->name, in->lineno);
    int m = (int)u;
    b->pchain = m;
    static const char *const chain[3] = {"etap", "etap_dot", "etap_dotdot"};
    double *const dst[3] = {b->etap, b->etap_dot, b->etap_dotdot};
    return chain_read(in, chain, m, dst, err);
}

static int
parse(struct stream_in *in, struct mdrestart *r, struct core_err *err)
{
    struct words ws;
    unsigned long long u, u2;
    int rc;
    static const char thw[] = "'thermostat KIND STEP HEAT NCHAIN'";
    static const char baw[] = "'barostat KIND STEP HEAT TDIR TSTEP LEN0 LNMU*3'";
    static const char tew[] = "'tension NACC ACCT ACCE PEAK PEAK_STRAIN HAVE_PEAK ACC*9'";

    if ((rc = next_line(in, &ws, "'" MAGIC "'", 2, 2, err)))
        return rc;
    if (strcmp(ws.w[0], "fpms-md-checkpoint") || strcmp(ws.w[1], "1"))
        return core_err_set(err, CORE_EINPUT, "%s:%ld: not an md-run checkpoint (expected '%s')",
                            in->name, in->lineno, MAGIC);
    if ((rc = next_line(in, &ws, "'natoms N'", 2, 2, err)) ||
        (rc = key(in, &ws, "natoms", "'natoms N'", err)) ||
        (rc = count(in, ws.w[1], 100000000ULL, &u, err)))
        return rc;
    r->natoms = (size_t)u;
    if ((rc = next_line(in, &ws, "'step N'", 2, 2, err)) ||
        (rc = key(in, &ws, "step", "'step N'", err)) ||
        (rc = count(in, ws.w[1], (unsigned long long)LONG_MAX, &u, err)))
        return rc;
    r->step = u;
    if ((rc = next_line(in, &ws, "'cell' and 9 numbers", 10, 10, err)) ||
        (rc = key(in, &ws, "cell", "'cell' and 9 numbers", err)) ||
        (rc = reals_read(in, &ws, 1, 9, r->cell, err)))
        return rc;
    if ((rc = next_line(in, &ws, "'pbc' and 3 flags", 4, 4, err)) ||
        (rc = key(in, &ws, "pbc", "'pbc' and 3 flags", err)))
        return rc;
    for (int k = 0; k < 3; k++) {
        if ((rc = count(in, ws.w[1 + k], 1, &u, err)))
            return rc;
        r->pbc[k] = (int)u;
    }
    /* thermostat */
    if ((rc = next_line(in, &ws, thw, 5, 5, err)) || (rc = key(in, &ws, "thermostat", thw, err)))
        return rc;
    if (md_thermostat_kind_parse(ws.w[1], &r->th.kind, err))
        return core_err_set(err, CORE_EINPUT, "%s:%ld: unknown thermostat '%s'", in->name,
                            in->lineno, ws.w[1]);
    if ((rc = count(in, ws.w[2], UINT64_MAX, &u, err)) ||
        (rc = real(in, ws.w[3], &r->th.heat, err)) ||
        (rc = count(in, ws.w[4], MD_NHC_MAXCHAIN, &u2, err)))
        return rc;
    if (u2 < 1)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: chain length 0", in->name, in->lineno);
    r->th.step = u;
    int m = (int)u2;
    r->th.nchain = m;
    static const char *const chain[3] = {"eta", "veta", "aeta"};
    double *const dst[3] = {r->th.eta, r->th.veta, r->th.aeta};
    if ((rc = chain_read(in, chain, m, dst, err)))
        return rc;
    /* barostat */
    if ((rc = next_line(in, &ws, baw, 10, 10, err)) || (rc = key(in, &ws, "barostat", baw, err)))
        return rc;
    if (md_baro_kind_parse(ws.w[1], &r->baro.kind, err))
        return core_err_set(err, CORE_EINPUT, "%s:%ld: unknown barostat '%s'", in->name, in->lineno,
                            ws.w[1]);
    if ((rc = count(in, ws.w[2], UINT64_MAX, &u, err)) ||
        (rc = real(in, ws.w[3], &r->baro.heat, err)))
        return rc;
    r->baro.step = u;
    if (strcmp(ws.w[4], "-1") == 0) {
        r->baro.tdir = -1;
    } else {
        if ((rc = count(in, ws.w[4], 2, &u, err)))
            return rc;
        r->baro.tdir = (int)u;
    }
    if ((rc = count(in, ws.w[5], UINT64_MAX, &u, err)) ||
        (rc = real(in, ws.w[6], &r->baro.len0, err)) ||
        (rc = reals_read(in, &ws, 7, 3, r->baro.lnmu, err)))
        return rc;
    r->baro.tstep = u;
    if (r->baro.kind == MD_BARO_MTK && (rc = mtk_parse(in, &r->baro, err)))
        return rc;
    /* tension record */
    if ((rc = next_line(in, &ws, tew, 16, 16, err)) || (rc = key(in, &ws, "tension", tew, err)) ||
        (rc = count(in, ws.w[1], UINT64_MAX, &u, err)) ||
        (rc = real(in, ws.w[2], &r->tension.acct, err)) ||
        (rc = real(in, ws.w[3], &r->tension.acce, err)) ||
        (rc = real(in, ws.w[4], &r->tension.peak, err)) ||
        (rc = real(in, ws.w[5], &r->tension.peak_strain, err)) ||
        (rc = count(in, ws.w[6], 1, &u2, err)) ||
        (rc = reals_read(in, &ws, 7, 9, r->tension.acc, err)))
        return rc;
    r->tension.nacc = u;
    r->tension.have_peak = (int)u2;
    /* NEMD, optional */
    const char *peek;
    if ((rc = stream_peekline(in, &peek, err)))
        return rc;
    if (peek && strncmp(peek + strspn(peek, " \t"), "nemd", 4) == 0) {
        r->has_nemd = 1;
        if ((rc = nemd_parse(in, r, err)))
            return rc;
        if (!(r->nemd.region = malloc(r->natoms ? r->natoms : 1)))
            return core_err_set(err, CORE_ENOMEM, "out of memory for %zu atoms", r->natoms);
        r->nemd.natoms = r->natoms;
    }
    /* atoms */
    if ((rc = next_line(in, &ws, "'atoms'", 1, 1, err)) ||
        (rc = key(in, &ws, "atoms", "'atoms'", err)))
        return rc;
    size_t n1 = r->natoms ? r->natoms : 1;
    r->z = malloc(n1 * sizeof *r->z);
    r->pos = malloc(3 * n1 * sizeof *r->pos);
    r->vel = malloc(3 * n1 * sizeof *r->vel);
    if (!r->z || !r->pos || !r->vel)
        return core_err_set(err, CORE_ENOMEM, "out of memory for %zu atoms", r->natoms);
    int nf = 7 + r->has_nemd;
    const char *aw = r->has_nemd ? "'Z x y z vx vy vz REGION'" : "'Z x y z vx vy vz'";
    for (size_t i = 0; i < r->natoms; i++) {
        if ((rc = next_line(in, &ws, aw, nf, nf, err)) || (rc = count(in, ws.w[0], 118, &u, err)) ||
            (rc = reals_read(in, &ws, 1, 3, r->pos + 3 * i, err)) ||
            (rc = reals_read(in, &ws, 4, 3, r->vel + 3 * i, err)))
            return rc;
        if (u < 1)
            return core_err_set(err, CORE_EINPUT, "%s:%ld: atomic number 0", in->name, in->lineno);
        r->z[i] = (int)u;
        if (r->has_nemd) {
            if ((rc = count(in, ws.w[7], MD_NEMD_FIXED, &u, err)))
                return rc;
            r->nemd.region[i] = (unsigned char)u;
        }
    }
    if ((rc = next_line(in, &ws, "'end'", 1, 1, err)) || (rc = key(in, &ws, "end", "'end'", err)))
        return rc;
    const char *line;
    if ((rc = stream_peekline(in, &line, err)))
        return rc;
    if (line)
        return core_err_set(err, CORE_EINPUT, "%s:%ld: text after 'end'", in->name, in->lineno);
    return CORE_OK;
}

int
mdrestart_read(struct stream_in *in, struct mdrestart *r, struct core_err *err)
{
    struct stream_locale loc;
    memset(r, 0, sizeof *r);
    int rc = stream_locale_enter(&loc, "checkpoint", err);
    if (rc)
        return rc;
    rc = parse(in, r, err);
    stream_locale_leave(&loc);
    return rc;
}

/* The NEMD state of r into nm, set up from the command line with the same slabs. */
static int
nemd_apply(const struct mdrestart *r, const char *name, struct md_nemd *nm, struct core_err *err)
{
    const struct md_nemd *c = &r->nemd;
    static const char *const gn[2] = {"", " with --nemd-open"};
    int rc;
    if (c->o.axis != nm->o.axis || c->o.geom != nm->o.geom || c->o.nbins != nm->o.nbins)
        return core_err_set(err, CORE_EINPUT,
                            "%s: written with --nemd %c%s and %zu bins, this run has --nemd "
                            "%c%s and %zu bins",
                            name, "xyz"[c->o.axis], gn[c->o.geom == MD_NEMD_OPEN], c -> o.nbins,
                            "xyz"[nm->o.axis], gn[nm->o.geom == MD_NEMD_OPEN], nm -> o.nbins);
    if (c->lo != nm->lo || c->len != nm->len || c->area != nm->area ||
        memcmp(c->region, nm->region, nm->natoms) != 0)
        return core_err_set(err, CORE_EINPUT,
                            "%s: written with other NEMD slabs, fixed layers or cross-section "
                            "than this run's",
                            name);
    if (nm->nblocks)
        return core_err_set(err, CORE_EINTERNAL, "%s: NEMD state already has blocks", name);
    for (int k = 0; k < 2; k++) {
        nm->th[k].step = c->th[k].step;
        nm->th[k].heat = c->th[k].heat;
        nm->heat0[k] = c->heat0[k];
    }
    nm->time = c->time;
    nm->time0 = c->time0;
    nm->nsamples = c->nsamples;
    memcpy(nm->ke2, c->ke2, nm->o.nbins * sizeof *nm->ke2);
    memcpy(nm->dof, c->dof, nm->o.nbins * sizeof *nm->dof);
    for (size_t k = 0; k < c->nblocks; k++)
        if ((rc = md_nemd_block_add(nm, c->bprof + k * c->o.nbins, c->bheat + 2 * k, c->btime[k],
                                    err)))
            return rc;
    return CORE_OK;
}

int
mdrestart_apply(const struct mdrestart *r, const char *name, struct md_sys *s,
                struct md_thermostat *th, struct md_baro *b, struct md_tension *t,
                struct md_nemd *nm, struct core_err *err)
{
    if (r->natoms != s->natoms)
        return core_err_set(err, CORE_EINPUT,
                            "%s: checkpoint of another system: %zu atoms, the input has %zu", name,
                            r->natoms, s->natoms);
    for (size_t i = 0; i < r->natoms; i++)
        if (r->z[i] != s->z[i])
            return core_err_set(err, CORE_EINPUT,
                                "%s: checkpoint of another system: atom %zu is %s, in the input %s",
                                name, i + 1, core_elem_symbol(r->z[i]), core_elem_symbol(s->z[i]));
    if (!s->has_cell && (r->pbc[0] || r->pbc[1] || r->pbc[2]))
        return core_err_set(err, CORE_EINPUT,
                            "%s: checkpoint of another system: periodic, the input has no cell",
                            name);
    if (s->has_cell && memcmp(r->pbc, s->pbc, sizeof r->pbc) != 0)
        return core_err_set(err, CORE_EINPUT,
                            "%s: checkpoint of another system: pbc %d %d %d, the input %d %d %d",
                            name, r->pbc[0], r->pbc[1], r->pbc[2], s->pbc[0], s->pbc[1], s->pbc[2]);
    if (r->has_nemd != (nm != NULL))
        return core_err_set(err, CORE_EINPUT, "%s: written %s --nemd, this run %s", name,
                            r->has_nemd ? "with" : "without", nm ? "has it" : "has none");
    if (r->th.kind != th->kind)
        return core_err_set(err, CORE_EINPUT,
                            "%s: written with --thermostat %s, this run has --thermostat %s", name,
                            md_thermostat_name(r->th.kind), md_thermostat_name(th->kind));
    if (th->kind == MD_THERMOSTAT_NHC && r->th.nchain != th->nchain)
        return core_err_set(err, CORE_EINPUT,
                            "%s: written with --chain %d, this run has --chain %d", name,
                            r->th.nchain, th->nchain);
    if (r->baro.kind != b->kind)
        return core_err_set(err, CORE_EINPUT,
                            "%s: written with --barostat %s, this run has --barostat %s", name,
                            md_baro_name(r->baro.kind), md_baro_name(b->kind));
    if (b->kind == MD_BARO_MTK && r->baro.pchain != b->pchain)
        return core_err_set(err, CORE_EINPUT,
                            "%s: written with a barostat chain of %d, this run has %d", name,
                            r->baro.pchain, b->pchain);
    int fresh = r->baro.tdir < 0 && b->tdir >= 0; /* a tensile test from an equilibrated run */
    if (r->baro.tdir != b->tdir && !fresh) {
        static const char *const dn[4] = {"none", "x", "y", "z"};
        return core_err_set(err, CORE_EINPUT,
                            "%s: written with tension along %s, this run pulls along %s", name,
                            dn[r->baro.tdir + 1], dn[b->tdir + 1]);
    }
    int rc = nm ? nemd_apply(r, name, nm, err) : CORE_OK;
    if (rc)
        return rc;
    memcpy(s->pos, r->pos, 3 * s->natoms * sizeof *s->pos);
    memcpy(s->vel, r->vel, 3 * s->natoms * sizeof *s->vel);
    if (s->has_cell)
        memcpy(s->cell, r->cell, sizeof s->cell);
    s->have_force = 0;
    th->step = r->th.step;
    th->heat = r->th.heat;
    memcpy(th->eta, r->th.eta, sizeof th->eta);
    memcpy(th->veta, r->th.veta, sizeof th->veta);
    memcpy(th->aeta, r->th.aeta, sizeof th->aeta);
    b->step = r->baro.step;
    b->heat = r->baro.heat;
    memcpy(b->lnmu, r->baro.lnmu, sizeof b->lnmu);
    if (b->kind == MD_BARO_MTK) {
        memcpy(b->omega_dot, r->baro.omega_dot, sizeof b->omega_dot);
        memcpy(b->etap, r->baro.etap, sizeof b->etap);
        memcpy(b->etap_dot, r->baro.etap_dot, sizeof b->etap_dot);
        memcpy(b->etap_dotdot, r->baro.etap_dotdot, sizeof b->etap_dotdot);
    }
    if (fresh) {
        b->tstep = 0;
        b->len0 = s->cell[4 * b->tdir];
        return CORE_OK;
    }
    b->tstep = r->baro.tstep;
    if (b->tdir >= 0)
        b->len0 = r->baro.len0;
    memcpy(t->acc, r->tension.acc, sizeof t->acc);
    t->acct = r->tension.acct;
    t->acce = r->tension.acce;
    t->nacc = r->tension.nacc;
    t->peak = r->tension.peak;
    t->peak_strain = r->tension.peak_strain;
    t->have_peak = r->tension.have_peak;
    return CORE_OK;
}
