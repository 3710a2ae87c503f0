/*
 * gmsh: MSH 4.1 ASCII (and MSH 2.2 ASCII, read only). See gmsh.h for the promises and gmsh.md
 * for the format.
 *
 * The layout follows the Gmsh reference manual, section "MSH file format" (version 4.1), and
 * what gmsh 4.8 writes. Gmsh reads its own files with fscanf, so line breaks are only
 * conventional; this reader likewise reads whitespace-separated tokens across lines (except in
 * $PhysicalNames, where a name is quoted on its line), and remembers each token's line for
 * the messages.
 */
#include "gmsh.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/fe/fe.h"

#define WS " \t\r\f\v"

/* Nodes per element type 1..31 (Gmsh manual, "MSH file format"); 0 = unknown. */
static const int type_nnodes[32] = {0, 2,  3,  4,  4, 8,  6,  5,  3,  6,  9, 10, 27, 18, 14, 1,
                                    8, 20, 15, 13, 9, 10, 12, 15, 15, 21, 4, 5,  6,  20, 35, 56};

static const int type_dim[32] = {-1, 1, 2, 2, 3, 3, 3, 3, 1, 2, 2, 3, 3, 3, 3, 0,
                                 2,  3, 3, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 3, 3, 3};

int
gmsh_elem_nnodes(int type)
{
    return type >= 1 && type <= 31 ? type_nnodes[type] : 0;
}

int
gmsh_elem_dim(int type)
{
    return type >= 1 && type <= 31 ? type_dim[type] : -1;
}

void
gmsh_mesh_init(struct gmsh_mesh *m)
{
    memset(m, 0, sizeof *m);
}

void
gmsh_mesh_release(struct gmsh_mesh *m)
{
    for (size_t i = 0; i < m->nentities; i++) {
        free(m->entities[i].phys);
        free(m->entities[i].bound);
    }
    for (size_t i = 0; i < m->nperiodic; i++)
        free(m->periodic[i].pairs);
    free(m->physicals);
    free(m->entities);
    free(m->node_tags);
    free(m->xyz);
    free(m->node_dim);
    free(m->node_entity);
    free(m->elem_tags);
    free(m->elem_type);
    free(m->elem_entity);
    free(m->elem_off);
    free(m->elem_nodes);
    free(m->periodic);
    gmsh_mesh_init(m);
}

const struct gmsh_entity *
gmsh_entity_find(const struct gmsh_mesh *m, int dim, int tag)
{
    for (size_t i = 0; i < m->nentities; i++)
        if (m->entities[i].dim == dim && m->entities[i].tag == tag)
            return &m->entities[i];
    return NULL;
}

const struct gmsh_physical *
gmsh_physical_find(const struct gmsh_mesh *m, int dim, int tag)
{
    for (size_t i = 0; i < m->nphysicals; i++)
        if (m->physicals[i].dim == dim && m->physicals[i].tag == tag)
            return &m->physicals[i];
    return NULL;
}

int
gmsh_physical_tag(const struct gmsh_mesh *m, int dim, const char *name)
{
    for (size_t i = 0; i < m->nphysicals; i++)
        if (m->physicals[i].dim == dim && strcmp(m->physicals[i].name, name) == 0)
            return m->physicals[i].tag;
    return -1;
}

/* ---- reading ---- */

struct reader {
    struct stream_in *in;
    struct core_err *err;
    const char *line; /* current line, NULL at end of input */
    const char *p;    /* position in it */
    long lineno;      /* line of the last token */
    char tok[128];    /* the last token, NUL-terminated (truncated tokens are rejected) */
};

static int fail(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* `name:line: what` at the last token's line, CORE_EINPUT. */
static int
fail(struct reader *r, const char *fmt, ...)
{
    char msg[CORE_ERR_MSGLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return core_err_set(r->err, CORE_EINPUT, "%s:%ld: %s", r->in->name, r->lineno, msg);
}

static int
nomem(struct reader *r)
{
    return core_err_set(r->err, CORE_ENOMEM, "%s: out of memory", r->in->name);
}

static int
next_line(struct reader *r)
{
    int rc = stream_getline(r->in, &r->line, r->err);
    if (rc)
        return rc;
    r->p = r->line;
    if (r->line)
        r->lineno = r->in->lineno;
    return CORE_OK;
}

/*
 * Next token into r->tok (what names the expected item in the message at end of input or
 * inside a section). *got = 0 at end of input when may_end, else an error.
 */
static int
token(struct reader *r, const char *what, int *got)
{
    for (;;) {
        if (r->line) {
            const char *t = r->p + strspn(r->p, WS);
            if (*t) {
                size_t len = strcspn(t, WS);
                r->p = t + len;
                r->lineno = r->in->lineno;
                if (len >= sizeof r->tok)
                    return fail(r, "%s: token too long", what);
                memcpy(r->tok, t, len);
                r->tok[len] = '\0';
                if (got)
                    *got = 1;
                return CORE_OK;
            }
        }
        int rc = next_line(r);
        if (rc)
            return rc;
        if (!r->line) {
            if (got) {
                *got = 0;
                return CORE_OK;
            }
            return fail(r, "unexpected end of file, expected %s", what);
        }
    }
}

static int
read_long(struct reader *r, const char *what, long lo, long hi, long *out)
{
    char *end;
    long v;
    int rc = token(r, what, NULL);
    if (rc)
        return rc;
    errno = 0;
    v = strtol(r->tok, &end, 10);
    if (end == r->tok || *end != '\0' || errno == ERANGE)
        return fail(r, "expected %s (an integer), got '%s'", what, r->tok);
    if (v < lo || v > hi)
        return fail(r, "%s %ld out of range [%ld, %ld]", what, v, lo, hi);
    *out = v;
    return CORE_OK;
}

static int
read_int(struct reader *r, const char *what, long lo, long hi, int *out)
{
    long v = 0;
    int rc = read_long(r, what, lo, hi, &v);
    if (!rc)
        *out = (int)v;
    return rc;
}

/* A count or tag: 0 .. hi. */
static int
read_size(struct reader *r, const char *what, size_t hi, size_t *out)
{
    char *end;
    unsigned long long v;
    int rc = token(r, what, NULL);
    if (rc)
        return rc;
    if (r->tok[0] == '-' || r->tok[0] == '+')
        return fail(r, "expected %s (a non-negative integer), got '%s'", what, r->tok);
    errno = 0;
    v = strtoull(r->tok, &end, 10);
    if (end == r->tok || *end != '\0' || errno == ERANGE)
        return fail(r, "expected %s (a non-negative integer), got '%s'", what, r->tok);
    if (v > hi)
        return fail(r, "%s %llu too large", what, v);
    *out = (size_t)v;
    return CORE_OK;
}

static int
read_double(struct reader *r, const char *what, double *out)
{
    char *end;
    double v;
    int rc = token(r, what, NULL);
    if (rc)
        return rc;
    v = strtod(r->tok, &end);
    if (end == r->tok || *end != '\0')
        return fail(r, "expected %s (a number), got '%s'", what, r->tok);
    if (!isfinite(v))
        return fail(r, "%s is not finite: '%s'", what, r->tok);
    *out = v;
    return CORE_OK;
}

/* The next token must be `word`. */
static int
expect(struct reader *r, const char *word)
{
    int rc = token(r, word, NULL);
    if (rc)
        return rc;
    if (strcmp(r->tok, word) != 0)
        return fail(r, "expected %s, got '%s'", word, r->tok);
    return CORE_OK;
}

/* Counts above this are rejected before any allocation: 2^40 items. */
#define MAXCOUNT ((size_t)1 << 40)

static void *
xcalloc(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

/* $MeshFormat: *v2 = 1 for MSH 2.2 (or 2.0, 2.1, which read alike), 0 for 4.1. */
static int
read_format(struct reader *r, int *v2)
{
    size_t ftype, dsize;
    int rc = token(r, "the version", NULL);
    if (rc)
        return rc;
    *v2 = strcmp(r->tok, "2.2") == 0 || strcmp(r->tok, "2.1") == 0 || strcmp(r->tok, "2") == 0 ||
          strcmp(r->tok, "2.0") == 0;
    if (strcmp(r->tok, "4.1") != 0 && !*v2)
        return fail(r,
                    "MSH version %s is not supported (only 4.1 and 2.2; convert with "
                    "`gmsh FILE -save -format msh41`)",
                    r->tok);
    if ((rc = read_size(r, "the file type", 1000, &ftype)))
        return rc;
    if (ftype != 0)
        return fail(r, "binary MSH (file type %zu) is not supported (only ASCII, file type 0)",
                    ftype);
    if ((rc = read_size(r, "the data size", 1000, &dsize)))
        return rc;
    return expect(r, "$EndMeshFormat");
}

static int
read_names(struct reader *r, struct gmsh_mesh *m)
{
    size_t n;
    int rc;
    if (m->physicals)
        return fail(r, "a second $PhysicalNames section");
    if ((rc = read_size(r, "the number of physical names", 1000000, &n)))
        return rc;
    m->physicals = xcalloc(n, sizeof *m->physicals);
    if (!m->physicals)
        return nomem(r);
    for (size_t i = 0; i < n; i++) {
        struct gmsh_physical *g = &m->physicals[i];
        const char *q, *e;
        if ((rc = read_int(r, "the dimension", 0, 3, &g->dim)))
            return rc;
        if ((rc = read_int(r, "the physical tag", 1, INT_MAX, &g->tag)))
            return rc;
        q = r->p + strspn(r->p, WS);
        if (*q != '"')
            return fail(r, "expected a quoted physical name");
        e = strchr(q + 1, '"');
        if (!e)
            return fail(r, "unterminated physical name");
        if ((size_t)(e - q - 1) >= GMSH_NAMELEN)
            return fail(r, "physical name longer than %d characters", GMSH_NAMELEN - 1);
        memcpy(g->name, q + 1, (size_t)(e - q - 1));
        g->name[e - q - 1] = '\0';
        r->p = e + 1;
        for (size_t j = 0; j < i; j++)
            if (m->physicals[j].dim == g->dim && m->physicals[j].tag == g->tag)
                return fail(r, "physical group %d of dimension %d named twice", g->tag, g->dim);
        m->nphysicals = i + 1;
    }
    return expect(r, "$EndPhysicalNames");
}

/* Reads `count` tags into a fresh array (what names them). */
static int
read_tags(struct reader *r, const char *what, int allow_negative, size_t *count, int **tags)
{
    int rc = read_size(r, what, 1000000, count);
    if (rc)
        return rc;
    *tags = xcalloc(*count, sizeof **tags);
    if (!*tags)
        return nomem(r);
    for (size_t k = 0; k < *count; k++)
        if ((rc = read_int(r, what, allow_negative ? -INT_MAX : 1, INT_MAX, &(*tags)[k])))
            return rc;
    return CORE_OK;
}

static int
read_entities(struct reader *r, struct gmsh_mesh *m)
{
    size_t count[4], total = 0;
    int rc;
    if (m->entities)
        return fail(r, "a second $Entities section");
    for (int d = 0; d < 4; d++) {
        if ((rc = read_size(r, "the number of entities", MAXCOUNT, &count[d])))
            return rc;
        total += count[d];
    }
    m->entities = xcalloc(total, sizeof *m->entities);
    if (!m->entities)
        return nomem(r);
    for (int d = 0; d < 4; d++) {
        for (size_t i = 0; i < count[d]; i++) {
            struct gmsh_entity *e = &m->entities[m->nentities++];
            e->dim = d;
            if ((rc = read_int(r, "the entity tag", 1, INT_MAX, &e->tag)))
                return rc;
            for (int k = 0; k < (d == 0 ? 3 : 6); k++)
                if ((rc = read_double(r, "a coordinate", &e->box[k])))
                    return rc;
            if (d == 0)
                memcpy(e->box + 3, e->box, 3 * sizeof *e->box);
            if ((rc = read_tags(r, "a physical tag", 1, &e->nphys, &e->phys)))
                return rc;
            if (d > 0 && (rc = read_tags(r, "a bounding entity tag", 1, &e->nbound, &e->bound)))
                return rc;
            for (size_t j = 0; j + 1 < m->nentities; j++)
                if (m->entities[j].dim == d && m->entities[j].tag == e->tag)
                    return fail(r, "entity %d of dimension %d listed twice", e->tag, d);
        }
    }
    return expect(r, "$EndEntities");
}

static int
cmp_size2(const void *a, const void *b)
{
    const size_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

struct tagmap {
    size_t *dense; /* dense[tag] = index or SIZE_MAX */
    size_t ndense;
    size_t *pairs; /* 2*n: tag, index, sorted by tag */
    size_t n;
};

/* The sparse form of map: (tag, index) pairs of the n nodes of m sorted by tag. *dup gets the
 * index of a node whose tag another node has too, or SIZE_MAX. Returns -1 when out of memory. */
static int
tagmap_sort(const struct gmsh_mesh *m, size_t n, struct tagmap *map, size_t *dup)
{
    *dup = SIZE_MAX;
    map->pairs = malloc((2 * n + 1) * sizeof *map->pairs);
    if (!map->pairs)
        return -1;
    for (size_t i = 0; i < n; i++) {
        map->pairs[2 * i] = m->node_tags[i];
        map->pairs[2 * i + 1] = i;
    }
    qsort(map->pairs, n, 2 * sizeof *map->pairs, cmp_size2);
    map->n = n;
    for (size_t i = 1; i < n && *dup == SIZE_MAX; i++)
        if (map->pairs[2 * i] == map->pairs[2 * i - 2])
            *dup = map->pairs[2 * i + 1];
    return 0;
}

/* Maps node tags to indices: a dense table when the tags are dense enough, else sorted pairs. */
static size_t
tagmap_get(const struct tagmap *t, size_t tag)
{
    if (t->dense)
        return tag < t->ndense ? t->dense[tag] : SIZE_MAX;
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->pairs[2 * mid] < tag)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n && t->pairs[2 * lo] == tag ? t->pairs[2 * lo + 1] : SIZE_MAX;
}

static void
tagmap_release(struct tagmap *t)
{
    free(t->dense);
    free(t->pairs);
    memset(t, 0, sizeof *t);
}

static int
read_nodes(struct reader *r, struct gmsh_mesh *m, struct tagmap *map)
{
    size_t nblocks, n, mintag, maxtag, done = 0;
    int rc;
    if (m->xyz)
        return fail(r, "a second $Nodes section");
    if ((rc = read_size(r, "the number of node blocks", MAXCOUNT, &nblocks)) ||
        (rc = read_size(r, "the number of nodes", MAXCOUNT, &n)) ||
        (rc = read_size(r, "the minimum node tag", SIZE_MAX, &mintag)) ||
        (rc = read_size(r, "the maximum node tag", SIZE_MAX, &maxtag)))
        return rc;
    if (n > 0 && (mintag < 1 || maxtag < mintag))
        return fail(r, "bad node tag range %zu..%zu", mintag, maxtag);
    m->node_tags = xcalloc(n, sizeof *m->node_tags);
    m->xyz = xcalloc(3 * n, sizeof *m->xyz);
    m->node_dim = xcalloc(n, sizeof *m->node_dim);
    m->node_entity = xcalloc(n, sizeof *m->node_entity);
    if (!m->node_tags || !m->xyz || !m->node_dim || !m->node_entity)
        return nomem(r);
    m->nnodes = n;
    if (n > 0 && maxtag <= 8 * n + 1024) {
        map->ndense = maxtag + 1;
        map->dense = malloc(map->ndense * sizeof *map->dense);
        if (!map->dense)
            return nomem(r);
        for (size_t i = 0; i < map->ndense; i++)
            map->dense[i] = SIZE_MAX;
    }
    for (size_t b = 0; b < nblocks; b++) {
        int dim, tag, param;
        size_t nb;
        if ((rc = read_int(r, "the entity dimension", 0, 3, &dim)) ||
            (rc = read_int(r, "the entity tag", 1, INT_MAX, &tag)) ||
            (rc = read_int(r, "the parametric flag", 0, 1, &param)) ||
            (rc = read_size(r, "the number of nodes in the block", MAXCOUNT, &nb)))
            return rc;
        if (nb > n - done)
            return fail(r, "node blocks hold more than the %zu nodes of the header", n);
        for (size_t i = done; i < done + nb; i++) {
            size_t t;
            if ((rc = read_size(r, "a node tag", SIZE_MAX, &t)))
                return rc;
            if (t < mintag || t > maxtag)
                return fail(r, "node tag %zu outside the range %zu..%zu of the header", t, mintag,
                            maxtag);
            if (map->dense) {
                if (map->dense[t] != SIZE_MAX)
                    return fail(r, "duplicate node tag %zu", t);
                map->dense[t] = i;
            }
            m->node_tags[i] = t;
            m->node_dim[i] = dim;
            m->node_entity[i] = tag;
        }
        for (size_t i = done; i < done + nb; i++) {
            double extra;
            for (int k = 0; k < 3; k++)
                if ((rc = read_double(r, "a coordinate", &m->xyz[3 * i + k])))
                    return rc;
            for (int k = 0; param && k < dim; k++)
                if ((rc = read_double(r, "a parametric coordinate", &extra)))
                    return rc;
        }
        done += nb;
    }
    if (done != n)
        return fail(r, "node blocks hold %zu nodes, the header says %zu", done, n);
    if (!map->dense) {
        size_t dup;
        if (tagmap_sort(m, n, map, &dup))
            return nomem(r);
        if (dup != SIZE_MAX)
            return fail(r, "duplicate node tag %zu", m->node_tags[dup]);
    }
    return expect(r, "$EndNodes");
}

static int
read_elements(struct reader *r, struct gmsh_mesh *m, const struct tagmap *map, int have_nodes)
{
    size_t nblocks, n, mintag, maxtag, done = 0, cap, used = 0;
    unsigned char *seen = NULL;
    int rc;
    if (m->elem_type)
        return fail(r, "a second $Elements section");
    if (!have_nodes)
        return fail(r, "$Elements before $Nodes");
    if ((rc = read_size(r, "the number of element blocks", MAXCOUNT, &nblocks)) ||
        (rc = read_size(r, "the number of elements", MAXCOUNT, &n)) ||
        (rc = read_size(r, "the minimum element tag", SIZE_MAX, &mintag)) ||
        (rc = read_size(r, "the maximum element tag", SIZE_MAX, &maxtag)))
        return rc;
    if (n > 0 && (mintag < 1 || maxtag < mintag))
        return fail(r, "bad element tag range %zu..%zu", mintag, maxtag);
    m->elem_tags = xcalloc(n, sizeof *m->elem_tags);
    m->elem_type = xcalloc(n, sizeof *m->elem_type);
    m->elem_entity = xcalloc(n, sizeof *m->elem_entity);
    m->elem_off = xcalloc(n + 1, sizeof *m->elem_off);
    cap = 3 * n + 16;
    m->elem_nodes = malloc(cap * sizeof *m->elem_nodes);
    if (!m->elem_tags || !m->elem_type || !m->elem_entity || !m->elem_off || !m->elem_nodes)
        return nomem(r);
    if (n > 0 && maxtag - mintag <= 8 * n + 1024) {
        seen = calloc(maxtag - mintag + 1, 1);
        if (!seen)
            return nomem(r);
    }
    for (size_t b = 0; b < nblocks && !rc; b++) {
        int dim, tag, type, nn;
        size_t nb;
        if ((rc = read_int(r, "the entity dimension", 0, 3, &dim)) ||
            (rc = read_int(r, "the entity tag", 1, INT_MAX, &tag)) ||
            (rc = read_int(r, "the element type", INT_MIN, INT_MAX, &type)) ||
            (rc = read_size(r, "the number of elements in the block", MAXCOUNT, &nb)))
            break;
        nn = gmsh_elem_nnodes(type);
        if (nn == 0) {
            rc = fail(r, "unknown element type %d", type);
            break;
        }
        if (gmsh_elem_dim(type) != dim) {
            rc = fail(r, "element type %d has dimension %d, the block says %d", type,
                      gmsh_elem_dim(type), dim);
            break;
        }
        if (nb > n - done) {
            rc = fail(r, "element blocks hold more than the %zu elements of the header", n);
            break;
        }
        for (size_t e = done; e < done + nb && !rc; e++) {
            size_t t;
            if ((rc = read_size(r, "an element tag", SIZE_MAX, &t)))
                break;
            if (t < mintag || t > maxtag) {
                rc = fail(r, "element tag %zu outside the range %zu..%zu of the header", t, mintag,
                          maxtag);
                break;
            }
            if (seen) {
                if (seen[t - mintag]) {
                    rc = fail(r, "duplicate element tag %zu", t);
                    break;
                }
                seen[t - mintag] = 1;
            }
            m->elem_tags[e] = t;
            m->elem_type[e] = type;
            m->elem_entity[e] = tag;
            if (used + (size_t)nn > cap) {
                size_t *p;
                cap = 2 * cap + (size_t)nn;
                p = realloc(m->elem_nodes, cap * sizeof *p);
                if (!p) {
                    rc = nomem(r);
                    break;
                }
                m->elem_nodes = p;
            }
            for (int k = 0; k < nn; k++) {
                size_t nt, idx;
                if ((rc = read_size(r, "a node tag", SIZE_MAX, &nt)))
                    break;
                idx = tagmap_get(map, nt);
                if (idx == SIZE_MAX) {
                    rc = fail(r, "element %zu: no node with tag %zu", t, nt);
                    break;
                }
                m->elem_nodes[used++] = idx;
            }
            m->elem_off[e + 1] = used;
            m->nelems = e + 1;
        }
        done += nb;
    }
    free(seen);
    if (rc)
        return rc;
    if (done != n)
        return fail(r, "element blocks hold %zu elements, the header says %zu", done, n);
    return expect(r, "$EndElements");
}

/* $Periodic of MSH 4.1 (a count of affine values, 0 or 16) or, msh2, of MSH 2.2 (an optional
 * `Affine` line of 16 values). */
static int
read_periodic(struct reader *r, struct gmsh_mesh *m, int msh2)
{
    size_t n;
    int rc;
    if (m->periodic)
        return fail(r, "a second $Periodic section");
    if ((rc = read_size(r, "the number of periodic links", 1000000, &n)))
        return rc;
    m->periodic = xcalloc(n, sizeof *m->periodic);
    if (!m->periodic)
        return nomem(r);
    for (size_t i = 0; i < n; i++) {
        struct gmsh_periodic *p = &m->periodic[i];
        m->nperiodic = i + 1;
        if ((rc = read_int(r, "the entity dimension", 0, 3, &p->dim)) ||
            (rc = read_int(r, "the entity tag", 1, INT_MAX, &p->tag)) ||
            (rc = read_int(r, "the master entity tag", 1, INT_MAX, &p->master)))
            return rc;
        if (msh2) {
            if ((rc = token(r, "Affine or the number of node pairs", NULL)))
                return rc;
            if (strcmp(r->tok, "Affine") == 0)
                p->naffine = 16;
            else
                r->p -= strlen(r->tok); /* not a keyword: read it again as the count */
        } else if ((rc = read_size(r, "the number of affine values", 16, &p->naffine))) {
            return rc;
        }
        if (p->naffine != 0 && p->naffine != 16)
            return fail(r, "%zu affine values (expected 0 or 16)", p->naffine);
        for (size_t k = 0; k < p->naffine; k++)
            if ((rc = read_double(r, "an affine value", &p->affine[k])))
                return rc;
        if ((rc = read_size(r, "the number of node pairs", MAXCOUNT, &p->npairs)))
            return rc;
        p->pairs = xcalloc(2 * p->npairs, sizeof *p->pairs);
        if (!p->pairs)
            return nomem(r);
        for (size_t k = 0; k < 2 * p->npairs; k++)
            if ((rc = read_size(r, "a node tag", SIZE_MAX, &p->pairs[k])))
                return rc;
    }
    return expect(r, "$EndPeriodic");
}

/* Skips an unknown section $Name up to its $EndName line. */
static int
skip_section(struct reader *r)
{
    char end[sizeof r->tok + 4];
    long start = r->lineno;
    snprintf(end, sizeof end, "$End%s", r->tok + 1);
    for (;;) {
        int rc = next_line(r);
        if (rc)
            return rc;
        if (!r->line) {
            r->lineno = start;
            return fail(r, "section %s has no %s", r->tok, end);
        }
        const char *t = r->line + strspn(r->line, WS);
        size_t len = strcspn(t, WS);
        if (len == strlen(end) && strncmp(t, end, len) == 0) {
            r->p = t + len;
            return CORE_OK;
        }
    }
}

/* ---- MSH 2.2 ---- */

/*
 * MSH 2.2 (Gmsh manual, "MSH file format version 2"): nodes `tag x y z` with no entities;
 * elements `tag type ntags physical elementary [partitions...] nodes...`, an element listed
 * once per physical group it is in. Read into the same struct as 4.1: each elementary entity
 * (dim, tag) becomes an entity whose physical groups are those of its elements, duplicates
 * of one element (same entity, type and nodes) are kept once, and a node is listed under the
 * entity of the first element of highest dimension that uses it. So physical groups mean what
 * they mean in 4.1, and gmsh_to_fe treats both alike.
 */
struct msh2 {
    int *phys;   /* nelems: the physical tag of each element line (0: none) */
    long *eline; /* nelems: its line, for messages */
};

static int
read_nodes2(struct reader *r, struct gmsh_mesh *m, struct tagmap *map)
{
    size_t n, maxtag = 0;
    long *line = NULL;
    int rc;
    if (m->xyz)
        return fail(r, "a second $Nodes section");
    if ((rc = read_size(r, "the number of nodes", MAXCOUNT, &n)))
        return rc;
    m->node_tags = xcalloc(n, sizeof *m->node_tags);
    m->xyz = xcalloc(3 * n, sizeof *m->xyz);
    m->node_dim = xcalloc(n, sizeof *m->node_dim);
    m->node_entity = xcalloc(n, sizeof *m->node_entity);
    line = xcalloc(n, sizeof *line);
    if (!m->node_tags || !m->xyz || !m->node_dim || !m->node_entity || !line) {
        free(line);
        return nomem(r);
    }
    m->nnodes = n;
    for (size_t i = 0; i < n; i++) {
        size_t t;
        if ((rc = read_size(r, "a node tag", SIZE_MAX / 2, &t)))
            goto done;
        if (t < 1) {
            rc = fail(r, "node tag 0 (tags start at 1)");
            goto done;
        }
        line[i] = r->lineno;
        m->node_tags[i] = t;
        m->node_dim[i] = -1;
        maxtag = t > maxtag ? t : maxtag;
        for (int k = 0; k < 3; k++)
            if ((rc = read_double(r, "a coordinate", &m->xyz[3 * i + k])))
                goto done;
    }
    if (n > 0 && maxtag <= 8 * n + 1024) {
        map->ndense = maxtag + 1;
        map->dense = malloc(map->ndense * sizeof *map->dense);
        if (!map->dense) {
            rc = nomem(r);
            goto done;
        }
        for (size_t i = 0; i < map->ndense; i++)
            map->dense[i] = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
            if (map->dense[m->node_tags[i]] != SIZE_MAX) {
                r->lineno = line[i];
                rc = fail(r, "duplicate node tag %zu", m->node_tags[i]);
                goto done;
            }
            map->dense[m->node_tags[i]] = i;
        }
    } else if (n > 0) {
        size_t dup;
        if (tagmap_sort(m, n, map, &dup)) {
            rc = nomem(r);
            goto done;
        }
        if (dup != SIZE_MAX) {
            r->lineno = line[dup];
            rc = fail(r, "duplicate node tag %zu", m->node_tags[dup]);
            goto done;
        }
    }
    rc = expect(r, "$EndNodes");
done:
    free(line);
    return rc;
}

static int
read_elements2(struct reader *r, struct gmsh_mesh *m, const struct tagmap *map, int have_nodes,
               struct msh2 *x)
{
    size_t n, cap, used = 0;
    int rc;
    if (m->elem_type)
        return fail(r, "a second $Elements section");
    if (!have_nodes)
        return fail(r, "$Elements before $Nodes");
    if ((rc = read_size(r, "the number of elements", MAXCOUNT, &n)))
        return rc;
    m->elem_tags = xcalloc(n, sizeof *m->elem_tags);
    m->elem_type = xcalloc(n, sizeof *m->elem_type);
    m->elem_entity = xcalloc(n, sizeof *m->elem_entity);
    m->elem_off = xcalloc(n + 1, sizeof *m->elem_off);
    x->phys = xcalloc(n, sizeof *x->phys);
    x->eline = xcalloc(n, sizeof *x->eline);
    cap = 3 * n + 16;
    m->elem_nodes = malloc(cap * sizeof *m->elem_nodes);
    if (!m->elem_tags || !m->elem_type || !m->elem_entity || !m->elem_off || !m->elem_nodes ||
        !x->phys || !x->eline)
        return nomem(r);
    for (size_t e = 0; e < n; e++) {
        size_t t, ntags;
        int type, nn;
        if ((rc = read_size(r, "an element tag", SIZE_MAX, &t)))
            return rc;
        x->eline[e] = r->lineno;
        if (t < 1)
            return fail(r, "element tag 0 (tags start at 1)");
        if ((rc = read_int(r, "the element type", INT_MIN, INT_MAX, &type)))
            return rc;
        nn = gmsh_elem_nnodes(type);
        if (nn == 0)
            return fail(r, "element %zu: unknown element type %d", t, type);
        if ((rc = read_size(r, "the number of tags", 1000, &ntags)))
            return rc;
        for (size_t k = 0; k < ntags; k++) {
            long v;
            if ((rc = read_long(r, "an element tag value", -(long)INT_MAX, INT_MAX, &v)))
                return rc;
            if (k < 2 && v < 0)
                return fail(r, "element %zu: negative %s tag %ld", t,
                            k == 0 ? "physical" : "elementary", v);
            if (k == 0)
                x->phys[e] = (int)v;
            else if (k == 1)
                m->elem_entity[e] = (int)v;
        }
        m->elem_tags[e] = t;
        m->elem_type[e] = type;
        if (used + (size_t)nn > cap) {
            size_t *p;
            cap = 2 * cap + (size_t)nn;
            p = realloc(m->elem_nodes, cap * sizeof *p);
            if (!p)
                return nomem(r);
            m->elem_nodes = p;
        }
        for (int k = 0; k < nn; k++) {
            size_t nt, idx;
            if ((rc = read_size(r, "a node tag", SIZE_MAX, &nt)))
                return rc;
            idx = tagmap_get(map, nt);
            if (idx == SIZE_MAX)
                return fail(r, "element %zu: no node with tag %zu", t, nt);
            m->elem_nodes[used++] = idx;
        }
        m->elem_off[e + 1] = used;
        m->nelems = e + 1;
    }
    return expect(r, "$EndElements");
}

/* Element order for finding duplicates: type, entity, then the sorted nodes. */
struct dupkey {
    const struct gmsh_mesh *m;
    size_t e;
    size_t nodes[8]; /* sorted, first min(8, count) */
};

static int
dupkey_cmp(const void *a, const void *b)
{
    const struct dupkey *x = a, *y = b;
    const struct gmsh_mesh *m = x->m;
    size_t nx = m->elem_off[x->e + 1] - m->elem_off[x->e];
    if (m->elem_type[x->e] != m->elem_type[y->e])
        return m->elem_type[x->e] < m->elem_type[y->e] ? -1 : 1;
    if (m->elem_entity[x->e] != m->elem_entity[y->e])
        return m->elem_entity[x->e] < m->elem_entity[y->e] ? -1 : 1;
    for (size_t k = 0; k < nx && k < 8; k++)
        if (x->nodes[k] != y->nodes[k])
            return x->nodes[k] < y->nodes[k] ? -1 : 1;
    for (size_t k = 0; k < nx; k++) { /* the nodes in order: beyond 8, or a reordering */
        size_t u = m->elem_nodes[m->elem_off[x->e] + k], v = m->elem_nodes[m->elem_off[y->e] + k];
        if (u != v)
            return u < v ? -1 : 1;
    }
    return x->e < y->e ? -1 : x->e > y->e;
}

/* Adds physical tag ph to entity (dim, tag) of m, creating the entity. */
static int
entity_add_phys(struct gmsh_mesh *m, size_t *cap, int dim, int tag, int ph)
{
    struct gmsh_entity *en = (struct gmsh_entity *)gmsh_entity_find(m, dim, tag);
    if (!en) {
        if (m->nentities == *cap) {
            size_t c = 2 * *cap + 16;
            struct gmsh_entity *p = realloc(m->entities, c * sizeof *p);
            if (!p)
                return CORE_ENOMEM;
            m->entities = p;
            *cap = c;
        }
        en = &m->entities[m->nentities++];
        memset(en, 0, sizeof *en);
        en->dim = dim;
        en->tag = tag;
        for (int k = 0; k < 3; k++) {
            en->box[k] = HUGE_VAL;
            en->box[3 + k] = -HUGE_VAL;
        }
    }
    if (ph <= 0)
        return CORE_OK;
    for (size_t k = 0; k < en->nphys; k++)
        if (en->phys[k] == ph)
            return CORE_OK;
    {
        int *p = realloc(en->phys, (en->nphys + 1) * sizeof *p);
        if (!p)
            return CORE_ENOMEM;
        en->phys = p;
        en->phys[en->nphys++] = ph;
    }
    return CORE_OK;
}

/* Entities from the elements, duplicates dropped, nodes given an entity (see struct msh2). */
static int
msh2_finish(struct reader *r, struct gmsh_mesh *m, struct msh2 *x)
{
    size_t cap = 0, k = 0, used = 0;
    struct dupkey *key = malloc((m->nelems + 1) * sizeof *key);
    unsigned char *drop = calloc(m->nelems + 1, 1);
    int rc = CORE_OK;
    if (!key || !drop) {
        rc = nomem(r);
        goto done;
    }
    for (size_t e = 0; e < m->nelems; e++) {
        size_t lo = m->elem_off[e], nn = m->elem_off[e + 1] - lo;
        key[e].m = m;
        key[e].e = e;
        for (size_t i = 0; i < 8; i++)
            key[e].nodes[i] = i < nn ? m->elem_nodes[lo + i] : 0;
        for (size_t i = 1; i < nn && i < 8; i++) /* insertion sort of the first 8 */
            for (size_t j = i; j > 0 && key[e].nodes[j - 1] > key[e].nodes[j]; j--) {
                size_t t = key[e].nodes[j];
                key[e].nodes[j] = key[e].nodes[j - 1];
                key[e].nodes[j - 1] = t;
            }
    }
    qsort(key, m->nelems, sizeof *key, dupkey_cmp);
    for (size_t i = 0; i < m->nelems; i++) {
        const struct dupkey *a = &key[i];
        size_t j = i + 1;
        int dim = gmsh_elem_dim(m->elem_type[a->e]);
        if (entity_add_phys(m, &cap, dim, m->elem_entity[a->e], x->phys[a->e])) {
            rc = nomem(r);
            goto done;
        }
        /* the same element again (another physical group): same type, entity and nodes */
        while (j < m->nelems && m->elem_type[key[j].e] == m->elem_type[a->e] &&
               m->elem_entity[key[j].e] == m->elem_entity[a->e] &&
               m->elem_off[key[j].e + 1] - m->elem_off[key[j].e] ==
                   m->elem_off[a->e + 1] - m->elem_off[a->e] &&
               memcmp(&m->elem_nodes[m->elem_off[key[j].e]], &m->elem_nodes[m->elem_off[a->e]],
                      (m->elem_off[a->e + 1] - m->elem_off[a->e]) * sizeof *m->elem_nodes) == 0) {
            if (entity_add_phys(m, &cap, dim, m->elem_entity[a->e], x->phys[key[j].e])) {
                rc = nomem(r);
                goto done;
            }
            drop[key[j].e] = 1;
            j++;
        }
        i = j - 1;
    }
    /* compact, keeping the file order; nodes take the entity of their highest element */
    for (size_t e = 0; e < m->nelems; e++) {
        size_t lo = m->elem_off[e], hi = m->elem_off[e + 1];
        int dim = gmsh_elem_dim(m->elem_type[e]);
        struct gmsh_entity *en;
        if (drop[e])
            continue;
        en = (struct gmsh_entity *)gmsh_entity_find(m, dim, m->elem_entity[e]);
        for (size_t j = lo; j < hi; j++) {
            size_t n = m->elem_nodes[j];
            if (dim > m->node_dim[n]) {
                m->node_dim[n] = dim;
                m->node_entity[n] = m->elem_entity[e];
            }
            for (int c = 0; en && c < 3; c++) {
                en->box[c] = fmin(en->box[c], m->xyz[3 * n + c]);
                en->box[3 + c] = fmax(en->box[3 + c], m->xyz[3 * n + c]);
            }
        }
        m->elem_tags[k] = m->elem_tags[e];
        m->elem_type[k] = m->elem_type[e];
        m->elem_entity[k] = m->elem_entity[e];
        x->eline[k] = x->eline[e];
        memmove(&m->elem_nodes[used], &m->elem_nodes[lo], (hi - lo) * sizeof *m->elem_nodes);
        m->elem_off[k] = used;
        used += hi - lo;
        k++;
    }
    m->nelems = k;
    if (m->elem_off)
        m->elem_off[k] = used;
    for (size_t i = 0; i < m->nnodes; i++)
        if (m->node_dim[i] < 0) { /* in no element */
            m->node_dim[i] = 0;
            m->node_entity[i] = 0;
        }
    /* duplicate element tags (not the copies of one element) */
    {
        size_t *t = malloc((2 * m->nelems + 1) * sizeof *t);
        if (!t) {
            rc = nomem(r);
            goto done;
        }
        for (size_t i = 0; i < m->nelems; i++) {
            t[2 * i] = m->elem_tags[i];
            t[2 * i + 1] = i;
        }
        qsort(t, m->nelems, 2 * sizeof *t, cmp_size2);
        for (size_t i = 1; i < m->nelems && !rc; i++)
            if (t[2 * i] == t[2 * i - 2]) {
                r->lineno = x->eline[t[2 * i + 1] > t[2 * i - 1] ? t[2 * i + 1] : t[2 * i - 1]];
                rc = fail(r, "duplicate element tag %zu", t[2 * i]);
            }
        free(t);
    }
done:
    free(key);
    free(drop);
    return rc;
}

int
gmsh_read(struct stream_in *in, struct gmsh_mesh *m, struct core_err *err)
{
    struct reader r = {in, err, NULL, "", 0, ""};
    struct tagmap map = {0};
    struct msh2 x = {NULL, NULL};
    int rc, got, have_format = 0, have_nodes = 0, v2 = 0;
    gmsh_mesh_release(m);
    r.line = NULL;
    for (;;) {
        if ((rc = token(&r, "a section", &got)))
            goto fail;
        if (!got)
            break;
        if (r.tok[0] != '$') {
            rc = fail(&r, "expected a section ($Name), got '%s'", r.tok);
            goto fail;
        }
        if (!have_format && strcmp(r.tok, "$MeshFormat") != 0) {
            rc = fail(&r, "expected $MeshFormat first, got '%s'", r.tok);
            goto fail;
        }
        if (strcmp(r.tok, "$MeshFormat") == 0) {
            if (have_format) {
                rc = fail(&r, "a second $MeshFormat section");
                goto fail;
            }
            rc = read_format(&r, &v2);
            have_format = 1;
        } else if (strcmp(r.tok, "$PhysicalNames") == 0) {
            rc = read_names(&r, m);
        } else if (strcmp(r.tok, "$Entities") == 0 && !v2) {
            rc = read_entities(&r, m);
        } else if (strcmp(r.tok, "$Nodes") == 0) {
            rc = v2 ? read_nodes2(&r, m, &map) : read_nodes(&r, m, &map);
            have_nodes = 1;
        } else if (strcmp(r.tok, "$Elements") == 0) {
            rc = v2 ? read_elements2(&r, m, &map, have_nodes, &x)
                    : read_elements(&r, m, &map, have_nodes);
        } else if (strcmp(r.tok, "$Periodic") == 0) {
            rc = read_periodic(&r, m, v2);
        } else if (strncmp(r.tok, "$End", 4) == 0) {
            rc = fail(&r, "%s outside its section", r.tok);
        } else {
            rc = skip_section(&r);
        }
        if (rc)
            goto fail;
    }
    if (!have_format) {
        rc = core_err_set(err, CORE_EINPUT, "%s:%ld: no $MeshFormat: not a Gmsh .msh file",
                          in->name, in->lineno);
        goto fail;
    }
    for (size_t i = 0; i < m->nperiodic; i++)
        for (size_t k = 0; k < 2 * m->periodic[i].npairs; k++)
            if (tagmap_get(&map, m->periodic[i].pairs[k]) == SIZE_MAX) {
                rc = core_err_set(err, CORE_EINPUT, "%s: $Periodic names node %zu, not in $Nodes",
                                  in->name, m->periodic[i].pairs[k]);
                goto fail;
            }
    if (v2 && (rc = msh2_finish(&r, m, &x)))
        goto fail;
    free(x.phys);
    free(x.eline);
    x.phys = NULL;
    x.eline = NULL;
    tagmap_release(&map);
    if (!m->elem_off) {
        m->elem_off = calloc(1, sizeof *m->elem_off);
        if (!m->elem_off) {
            rc = core_err_set(err, CORE_ENOMEM, "%s: out of memory", in->name);
            goto fail;
        }
    }
    return CORE_OK;
fail:
    free(x.phys);
    free(x.eline);
    tagmap_release(&map);
    gmsh_mesh_release(m);
    return rc;
}

/* ---- writing ---- */

struct block {
    int dim, tag, type;
    size_t first, count; /* range in the sorted index array */
};

/* Sort keys: nodes by (dim, entity, index); elements by (dim, entity, type, index). */
struct key {
    int dim, tag, type;
    size_t idx;
};

static int
cmp_key(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    if (x->dim != y->dim)
        return x->dim < y->dim ? -1 : 1;
    if (x->tag != y->tag)
        return x->tag < y->tag ? -1 : 1;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int
wfail(struct core_err *err, int code, const char *what)
{
    return core_err_set(err, code, "gmsh: %s", what);
}

/* Index of a (dim, tag) in a list of entity keys, or SIZE_MAX. */
static size_t
key_find(const int *keys, size_t n, int dim, int tag)
{
    for (size_t i = 0; i < n; i++)
        if (keys[2 * i] == dim && keys[2 * i + 1] == tag)
            return i;
    return SIZE_MAX;
}

int
gmsh_write(FILE *fp, const struct gmsh_mesh *m, struct core_err *err)
{
    struct key *nk = NULL, *ek = NULL;
    size_t nnb = 0, neb = 0, nnamed = 0, nextra = 0;
    struct block *nb = NULL, *eb = NULL;
    int *extra = NULL; /* 2*nextra keys of entities not in m->entities */
    double *ebox = NULL;
    size_t mintag = SIZE_MAX, maxtag = 0, minel = SIZE_MAX, maxel = 0, counts[4] = {0};
    int rc = CORE_OK;

    /* checks */
    for (size_t i = 0; i < 3 * m->nnodes; i++)
        if (!isfinite(m->xyz[i]))
            return core_err_set(err, CORE_EINPUT, "gmsh: node %zu has a non-finite coordinate",
                                m->node_tags[i / 3]);
    for (size_t e = 0; e < m->nelems; e++) {
        if (gmsh_elem_nnodes(m->elem_type[e]) == 0 ||
            m->elem_off[e + 1] - m->elem_off[e] != (size_t)gmsh_elem_nnodes(m->elem_type[e]))
            return core_err_set(err, CORE_EINPUT, "gmsh: element %zu: bad type or node count",
                                m->elem_tags[e]);
        for (size_t k = m->elem_off[e]; k < m->elem_off[e + 1]; k++)
            if (m->elem_nodes[k] >= m->nnodes)
                return core_err_set(err, CORE_EINPUT, "gmsh: element %zu: node index out of range",
                                    m->elem_tags[e]);
    }
    for (size_t i = 0; i < m->nphysicals; i++)
        if (strpbrk(m->physicals[i].name, "\"\n\r"))
            return core_err_set(err, CORE_EINPUT,
                                "gmsh: physical name '%s' has a quote or a line break",
                                m->physicals[i].name);

    nk = malloc((m->nnodes + 1) * sizeof *nk);
    ek = malloc((m->nelems + 1) * sizeof *ek);
    nb = malloc((m->nnodes + 1) * sizeof *nb);
    eb = malloc((m->nelems + 1) * sizeof *eb);
    if (!nk || !ek || !nb || !eb) {
        rc = wfail(err, CORE_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < m->nnodes; i++)
        nk[i] = (struct key){m->node_dim[i], m->node_entity[i], 0, i};
    for (size_t e = 0; e < m->nelems; e++)
        ek[e] = (struct key){gmsh_elem_dim(m->elem_type[e]), m->elem_entity[e], m->elem_type[e], e};
    qsort(nk, m->nnodes, sizeof *nk, cmp_key);
    qsort(ek, m->nelems, sizeof *ek, cmp_key);
    for (size_t k = 0; k < m->nnodes; k++) {
        size_t i = nk[k].idx;
        if (nnb == 0 || nb[nnb - 1].dim != nk[k].dim || nb[nnb - 1].tag != nk[k].tag)
            nb[nnb++] = (struct block){nk[k].dim, nk[k].tag, 0, k, 0};
        nb[nnb - 1].count++;
        mintag = m->node_tags[i] < mintag ? m->node_tags[i] : mintag;
        maxtag = m->node_tags[i] > maxtag ? m->node_tags[i] : maxtag;
    }
    for (size_t k = 0; k < m->nelems; k++) {
        size_t e = ek[k].idx;
        if (neb == 0 || eb[neb - 1].dim != ek[k].dim || eb[neb - 1].tag != ek[k].tag ||
            eb[neb - 1].type != ek[k].type)
            eb[neb++] = (struct block){ek[k].dim, ek[k].tag, ek[k].type, k, 0};
        eb[neb - 1].count++;
        minel = m->elem_tags[e] < minel ? m->elem_tags[e] : minel;
        maxel = m->elem_tags[e] > maxel ? m->elem_tags[e] : maxel;
    }
    /* entities referred to but not described: give them a bounding box of their nodes */
    extra = malloc(2 * (nnb + neb + 1) * sizeof *extra);
    ebox = malloc(6 * (nnb + neb + 1) * sizeof *ebox);
    if (!extra || !ebox) {
        rc = wfail(err, CORE_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t b = 0; b < nnb + neb; b++) {
        const struct block *bl = b < nnb ? &nb[b] : &eb[b - nnb];
        if (!gmsh_entity_find(m, bl->dim, bl->tag) &&
            key_find(extra, nextra, bl->dim, bl->tag) == SIZE_MAX) {
            extra[2 * nextra] = bl->dim;
            extra[2 * nextra + 1] = bl->tag;
            for (int k = 0; k < 3; k++) {
                ebox[6 * nextra + k] = HUGE_VAL;
                ebox[6 * nextra + 3 + k] = -HUGE_VAL;
            }
            nextra++;
        }
    }
    for (size_t b = 0; b < nnb + neb; b++) {
        const struct block *bl = b < nnb ? &nb[b] : &eb[b - nnb];
        size_t x = key_find(extra, nextra, bl->dim, bl->tag);
        if (x == SIZE_MAX)
            continue;
        for (size_t k = bl->first; k < bl->first + bl->count; k++) {
            size_t lo, hi;
            if (b < nnb) {
                lo = nk[k].idx;
                hi = lo + 1;
            } else {
                lo = m->elem_off[ek[k].idx];
                hi = m->elem_off[ek[k].idx + 1];
            }
            for (size_t j = lo; j < hi; j++) {
                size_t i = b < nnb ? j : m->elem_nodes[j];
                for (int c = 0; c < 3; c++) {
                    double v = m->xyz[3 * i + c];
                    ebox[6 * x + c] = v < ebox[6 * x + c] ? v : ebox[6 * x + c];
                    ebox[6 * x + 3 + c] = v > ebox[6 * x + 3 + c] ? v : ebox[6 * x + 3 + c];
                }
            }
        }
    }

    fprintf(fp, "$MeshFormat\n4.1 0 %zu\n$EndMeshFormat\n", sizeof(double));
    for (size_t i = 0; i < m->nphysicals; i++)
        nnamed += m->physicals[i].name[0] != '\0';
    if (nnamed) {
        fprintf(fp, "$PhysicalNames\n%zu\n", nnamed);
        for (size_t i = 0; i < m->nphysicals; i++)
            if (m->physicals[i].name[0])
                fprintf(fp, "%d %d \"%s\"\n", m->physicals[i].dim, m->physicals[i].tag,
                        m->physicals[i].name);
        fprintf(fp, "$EndPhysicalNames\n");
    }
    for (size_t i = 0; i < m->nentities; i++)
        counts[m->entities[i].dim]++;
    for (size_t x = 0; x < nextra; x++)
        counts[extra[2 * x]]++;
    fprintf(fp, "$Entities\n%zu %zu %zu %zu\n", counts[0], counts[1], counts[2], counts[3]);
    for (int d = 0; d < 4; d++) {
        for (size_t i = 0; i < m->nentities + nextra; i++) {
            const struct gmsh_entity *e = i < m->nentities ? &m->entities[i] : NULL;
            int dim = e ? e->dim : extra[2 * (i - m->nentities)];
            const double *box = e ? e->box : &ebox[6 * (i - m->nentities)];
            if (dim != d)
                continue;
            fprintf(fp, "%d", e ? e->tag : extra[2 * (i - m->nentities) + 1]);
            for (int k = 0; k < (d == 0 ? 3 : 6); k++)
                fprintf(fp, " %.17g", isfinite(box[k]) ? box[k] : 0.0);
            fprintf(fp, " %zu", e ? e->nphys : 0);
            for (size_t k = 0; e && k < e->nphys; k++)
                fprintf(fp, " %d", e->phys[k]);
            if (d > 0) {
                fprintf(fp, " %zu", e ? e->nbound : 0);
                for (size_t k = 0; e && k < e->nbound; k++)
                    fprintf(fp, " %d", e->bound[k]);
            }
            fputc('\n', fp);
        }
    }
    fprintf(fp, "$EndEntities\n");

    fprintf(fp, "$Nodes\n%zu %zu %zu %zu\n", nnb, m->nnodes, m->nnodes ? mintag : 0,
            m->nnodes ? maxtag : 0);
    for (size_t b = 0; b < nnb; b++) {
        fprintf(fp, "%d %d 0 %zu\n", nb[b].dim, nb[b].tag, nb[b].count);
        for (size_t k = nb[b].first; k < nb[b].first + nb[b].count; k++)
            fprintf(fp, "%zu\n", m->node_tags[nk[k].idx]);
        for (size_t k = nb[b].first; k < nb[b].first + nb[b].count; k++) {
            const double *x = &m->xyz[3 * nk[k].idx];
            fprintf(fp, "%.17g %.17g %.17g\n", x[0], x[1], x[2]);
        }
    }
    fprintf(fp, "$EndNodes\n");

    fprintf(fp, "$Elements\n%zu %zu %zu %zu\n", neb, m->nelems, m->nelems ? minel : 0,
            m->nelems ? maxel : 0);
    for (size_t b = 0; b < neb; b++) {
        fprintf(fp, "%d %d %d %zu\n", eb[b].dim, eb[b].tag, eb[b].type, eb[b].count);
        for (size_t k = eb[b].first; k < eb[b].first + eb[b].count; k++) {
            size_t e = ek[k].idx;
            fprintf(fp, "%zu", m->elem_tags[e]);
            for (size_t j = m->elem_off[e]; j < m->elem_off[e + 1]; j++)
                fprintf(fp, " %zu", m->node_tags[m->elem_nodes[j]]);
            fputc('\n', fp);
        }
    }
    fprintf(fp, "$EndElements\n");

    if (m->nperiodic) {
        /* links by (dim, tag) and pairs by slave tag: Gmsh's own order varies from run to run */
        struct key *lk = malloc(m->nperiodic * sizeof *lk);
        size_t maxp = 0, *pp;
        for (size_t i = 0; i < m->nperiodic; i++)
            maxp = m->periodic[i].npairs > maxp ? m->periodic[i].npairs : maxp;
        pp = malloc((2 * maxp + 1) * sizeof *pp);
        if (!lk || !pp) {
            free(lk);
            free(pp);
            rc = wfail(err, CORE_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < m->nperiodic; i++)
            lk[i] = (struct key){m->periodic[i].dim, m->periodic[i].tag, 0, i};
        qsort(lk, m->nperiodic, sizeof *lk, cmp_key);
        fprintf(fp, "$Periodic\n%zu\n", m->nperiodic);
        for (size_t i = 0; i < m->nperiodic; i++) {
            const struct gmsh_periodic *p = &m->periodic[lk[i].idx];
            fprintf(fp, "%d %d %d\n%zu", p->dim, p->tag, p->master, p->naffine);
            for (size_t k = 0; k < p->naffine; k++)
                fprintf(fp, " %.17g", p->affine[k]);
            fprintf(fp, "\n%zu\n", p->npairs);
            memcpy(pp, p->pairs, 2 * p->npairs * sizeof *pp);
            qsort(pp, p->npairs, 2 * sizeof *pp, cmp_size2);
            for (size_t k = 0; k < p->npairs; k++)
                fprintf(fp, "%zu %zu\n", pp[2 * k], pp[2 * k + 1]);
        }
        fprintf(fp, "$EndPeriodic\n");
        free(lk);
        free(pp);
    }
    if (ferror(fp))
        rc = core_err_set(err, CORE_EIO, "gmsh: write error: %s", strerror(errno));
done:
    free(nk);
    free(ek);
    free(nb);
    free(eb);
    free(extra);
    free(ebox);
    return rc;
}

/* ---- conversion to lib/fe ---- */

static int
cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return x < y ? -1 : x > y;
}

/* Sorted distinct physical tags of dimension dim over the entities that hold elements of type
 * `type`. */
static int
collect_tags(const struct gmsh_mesh *g, int dim, int type, int **tags, size_t *ntags)
{
    size_t cap = 16, n = 0;
    int *t = malloc(cap * sizeof *t), last_entity = 0;
    if (!t)
        return CORE_ENOMEM;
    for (size_t e = 0; e < g->nelems; e++) {
        const struct gmsh_entity *en;
        if (g->elem_type[e] != type || g->elem_entity[e] == last_entity)
            continue;
        last_entity = g->elem_entity[e];
        en = gmsh_entity_find(g, dim, g->elem_entity[e]);
        for (size_t k = 0; en && k < en->nphys; k++) {
            size_t j = 0;
            while (j < n && t[j] != en->phys[k])
                j++;
            if (j < n)
                continue;
            if (n == cap) {
                int *u = realloc(t, 2 * cap * sizeof *u);
                if (!u) {
                    free(t);
                    return CORE_ENOMEM;
                }
                t = u;
                cap *= 2;
            }
            t[n++] = en->phys[k];
        }
    }
    qsort(t, n, sizeof *t, cmp_int);
    *tags = t;
    *ntags = n;
    return CORE_OK;
}

/* gmsh_entity_find with a one-entry cache (elements come in blocks of one entity). */
struct ecache {
    int dim, tag;
    const struct gmsh_entity *e;
};

static const struct gmsh_entity *
efind(const struct gmsh_mesh *g, int dim, int tag, struct ecache *c)
{
    if (c->e && c->dim == dim && c->tag == tag)
        return c->e;
    c->dim = dim;
    c->tag = tag;
    c->e = gmsh_entity_find(g, dim, tag);
    return c->e;
}

static size_t
tag_index(const int *tags, size_t n, int tag)
{
    for (size_t i = 0; i < n; i++)
        if (tags[i] == tag)
            return i;
    return SIZE_MAX;
}

static const char *
type_name(int type)
{
    switch (type) {
    case 3:
        return "4-node quadrangle";
    case 8:
        return "3-node line";
    case 9:
        return "6-node triangle";
    default:
        return gmsh_elem_dim(type) == 3 ? "volume element" : "higher-order element";
    }
}

int
gmsh_to_fe(const struct gmsh_mesh *g, const char *name, double scale, struct fe_mesh *m,
           int **phase_tags, int **group_tags, struct core_err *err)
{
    int *pt = NULL, *gt = NULL, rc;
    size_t npt = 0, ngt = 0, ntris = 0, nedges = 0;
    struct ecache c1 = {0, 0, NULL}, c2 = {0, 0, NULL};
    double box[6] = {HUGE_VAL, HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL}, ext = 0;
    *phase_tags = *group_tags = NULL;
    fe_mesh_release(m);
    for (size_t e = 0; e < g->nelems; e++) {
        int t = g->elem_type[e];
        if (t == 2) {
            const struct gmsh_entity *en = efind(g, 2, g->elem_entity[e], &c2);
            if (!en || en->nphys != 1)
                return core_err_set(err, CORE_EINPUT,
                                    "%s: the triangles of surface %d are in %zu physical "
                                    "groups (a phase must be exactly one)%s",
                                    name, g->elem_entity[e], en ? en->nphys : 0,
                                    en && en->nphys ? ""
                                                    : "; note that Gmsh writes no physical "
                                                      "groups into MSH 2.2 with -save_all");
            ntris++;
        } else if (t == 1) {
            const struct gmsh_entity *en = efind(g, 1, g->elem_entity[e], &c1);
            nedges += en ? en->nphys : 0;
        } else if (t != 15) {
            return core_err_set(err, CORE_EINPUT,
                                "%s: element %zu is of type %d (%s); fe-solve needs 3-node "
                                "triangles and 2-node lines (mesh with Mesh.ElementOrder = 1 "
                                "and without recombination)",
                                name, g->elem_tags[e], t, type_name(t));
        }
    }
    if (ntris == 0)
        return core_err_set(err, CORE_EINPUT, "%s: no triangles", name);
    for (size_t i = 0; i < g->nnodes; i++)
        for (int k = 0; k < 3; k++) {
            box[k] = fmin(box[k], g->xyz[3 * i + k]);
            box[3 + k] = fmax(box[3 + k], g->xyz[3 * i + k]);
        }
    for (int k = 0; k < 3; k++)
        ext = fmax(ext, box[3 + k] - box[k]);
    for (size_t i = 0; i < g->nnodes; i++)
        if (fabs(g->xyz[3 * i + 2]) > 1e-9 * ext)
            return core_err_set(err, CORE_EINPUT,
                                "%s: node %zu has z = %g; only meshes in the plane z = 0 are "
                                "supported",
                                name, g->node_tags[i], g->xyz[3 * i + 2]);
    if ((rc = collect_tags(g, 2, 2, &pt, &npt)) || (rc = collect_tags(g, 1, 1, &gt, &ngt)) ||
        (rc = fe_mesh_alloc(m, g->nnodes, ntris, nedges, err))) {
        free(pt);
        free(gt);
        return rc == CORE_ENOMEM ? core_err_set(err, CORE_ENOMEM, "%s: out of memory", name) : rc;
    }
    m->nphases = npt;
    m->ngroups = ngt;
    for (size_t i = 0; i < g->nnodes; i++) {
        m->xy[2 * i] = scale * g->xyz[3 * i];
        m->xy[2 * i + 1] = scale * g->xyz[3 * i + 1];
    }
    ntris = nedges = 0;
    for (size_t e = 0; e < g->nelems; e++) {
        const size_t *v = &g->elem_nodes[g->elem_off[e]];
        if (g->elem_type[e] == 2) {
            const struct gmsh_entity *en = efind(g, 2, g->elem_entity[e], &c2);
            memcpy(&m->tri[3 * ntris], v, 3 * sizeof *v);
            m->tri_phase[ntris++] = (int)tag_index(pt, npt, en->phys[0]);
        } else if (g->elem_type[e] == 1) {
            const struct gmsh_entity *en = efind(g, 1, g->elem_entity[e], &c1);
            for (size_t k = 0; en && k < en->nphys; k++) {
                m->edge[2 * nedges] = v[0];
                m->edge[2 * nedges + 1] = v[1];
                m->edge_group[nedges++] = (int)tag_index(gt, ngt, en->phys[k]);
            }
        }
    }
    *phase_tags = pt;
    *group_tags = gt;
    return CORE_OK;
}
