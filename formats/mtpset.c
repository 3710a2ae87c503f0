/* mtpset: a labelled set read for lib/mtp's fit (see mtpset.h). */
#include "mtpset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

void
mtpset_release(struct mtpset *s)
{
    for (size_t i = 0; i < s->n; i++)
        core_frame_release(&s->f[i]);
    free(s->f), free(s->line), free(s->type), free(s->conf);
    memset(s, 0, sizeof *s);
}

int
mtpset_read(struct mtpset *s, const char *path, const struct core_species_map *map,
            const struct mtp_fit_opts *fo, struct core_err *err)
{
    struct config_src src;
    size_t cap = 0, ntot = 0;
    int rc, got;
    memset(s, 0, sizeof *s);
    s->name = path;
    if ((rc = config_src_open(&src, path, CONFIG_AUTO, map, err)))
        return rc;
    for (;;) {
        if (s->n == cap) {
            size_t nc = cap ? 2 * cap : 64;
            struct core_frame *f = realloc(s->f, nc * sizeof *f);
            if (f)
                s->f = f;
            long *l = realloc(s->line, nc * sizeof *l);
            if (l)
                s->line = l;
            if (!f || !l) {
                rc = core_err_set(err, CORE_ENOMEM, "out of memory");
                break;
            }
            cap = nc;
        }
        core_frame_init(&s->f[s->n]);
        s->line[s->n] = src.in.lineno + 1;
        if ((rc = config_src_read(&src, &s->f[s->n], &got, err)) || !got) {
            core_frame_release(&s->f[s->n]);
            break;
        }
        ntot += s->f[s->n].natoms;
        s->n++;
    }
    config_src_close(&src);
    if (rc)
        return rc;
    if (s->n == 0)
        return core_err_set(err, CORE_EINPUT, "%s: no configurations", path);
    s->type = malloc((ntot ? ntot : 1) * sizeof *s->type);
    s->conf = calloc(s->n, sizeof *s->conf);
    if (!s->type || !s->conf)
        return core_err_set(err, CORE_ENOMEM, "out of memory");
    int *t = s->type;
    for (size_t i = 0; i < s->n; i++) {
        struct core_frame *f = &s->f[i];
        struct mtp_fit_conf *c = &s->conf[i];
        for (size_t a = 0; a < f->natoms; a++)
            if ((t[a] = core_species_map_type(map, f->z[a])) < 0)
                return core_err_set(err, CORE_EINPUT,
                                    "%s:%ld: atom %zu: element %s is not in "
                                    "--species",
                                    path, s->line[i], a + 1, core_elem_symbol(f->z[a]));
        if (!f->has_energy && fo->wenergy > 0)
            return core_err_set(err, CORE_EINPUT, "%s:%ld: configuration %zu has no energy", path,
                                s->line[i], i + 1);
        if (!f->forces && fo->wforce > 0)
            return core_err_set(err, CORE_EINPUT, "%s:%ld: configuration %zu has no forces", path,
                                s->line[i], i + 1);
        c->natoms = f->natoms;
        c->type = t;
        c->pos = f->pos;
        c->cell = f->has_cell ? f->cell : NULL;
        c->pbc = f->has_cell ? f->pbc : NULL;
        c->has_energy = f->has_energy;
        c->energy = f->energy;
        c->forces = f->forces;
        if (f->has_virial) {
            c->has_virial = 1;
            memcpy(c->virial, f->virial, sizeof c->virial);
        } else if (f->has_stress && f->has_cell) {
            double v = fabs(core_cell_volume(f->cell));
            c->has_virial = 1;
            for (int k = 0; k < 9; k++)
                c->virial[k] = -f->stress[k] * v;
        }
        t += f->natoms;
    }
    return CORE_OK;
}
