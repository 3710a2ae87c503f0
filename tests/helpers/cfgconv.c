/*
 * cfgconv: test-only converter for the MLIP .cfg and VASP POSCAR round trips of
 * tests/cli/cfg_mlip.bats.
 *
 *   cfgconv --species C,B [--from cfg|poscar] [--to cfg|xyzsimple|poscar] [FILE] > out
 *
 * Reads every frame of FILE (default stdin) and writes it back: `cfg` with cfg_write_frame,
 * `poscar` with poscar_write_frame (one frame only), `xyzsimple` as a minimal extended XYZ
 * (Lattice, species, pos, forces, energy, stress, pbc and info keys) that ASE reads, so the
 * tests can compare with ASE. --species may be left out for POSCAR input with a species line.
 * On error prints `cfgconv: <msg>` and exits 1, leaving stdout empty.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../formats/cfg.h"
#include "../../formats/poscar.h"
#include "../../formats/stream.h"
#include "../../lib/core/core.h"

static void
put_quoted(FILE *fp, const char *v)
{
    fputc('"', fp);
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            fprintf(fp, "\\%c", *v);
        else if (*v == '\n')
            fputs("\\n", fp);
        else
            fputc(*v, fp);
    }
    fputc('"', fp);
}

static int
plain_key(const char *k)
{
    if (!isalpha((unsigned char)k[0]) && k[0] != '_')
        return 0;
    for (; *k; k++)
        if (!isalnum((unsigned char)*k) && *k != '_')
            return 0;
    return 1;
}

static void
write_xyzsimple(FILE *fp, const struct core_frame *f)
{
    fprintf(fp, "%zu\n", f->natoms);
    if (f->has_cell) {
        fputs("Lattice=\"", fp);
        for (int k = 0; k < 9; k++)
            fprintf(fp, "%s%.17g", k ? " " : "", f->cell[k]);
        fputs("\" ", fp);
    }
    fprintf(fp, "Properties=species:S:1:pos:R:3%s", f->forces ? ":forces:R:3" : "");
    if (f->has_energy)
        fprintf(fp, " energy=%.17g", f->energy);
    if (f->has_stress) {
        fputs(" stress=\"", fp);
        for (int k = 0; k < 9; k++)
            fprintf(fp, "%s%.17g", k ? " " : "", f->stress[k]);
        fputc('"', fp);
    }
    for (size_t j = 0; j < f->ninfo; j++) {
        if (!plain_key(f->info[j].key))
            continue;
        fprintf(fp, " %s=", f->info[j].key);
        put_quoted(fp, f->info[j].value);
    }
    fprintf(fp, " pbc=\"%c %c %c\"\n", f->pbc[0] ? 'T' : 'F', f->pbc[1] ? 'T' : 'F',
            f->pbc[2] ? 'T' : 'F');
    for (size_t i = 0; i < f->natoms; i++) {
        fprintf(fp, "%-2s %.17g %.17g %.17g", core_elem_symbol(f->z[i]), f->pos[3 * i],
                f->pos[3 * i + 1], f->pos[3 * i + 2]);
        if (f->forces)
            fprintf(fp, " %.17g %.17g %.17g", f->forces[3 * i], f->forces[3 * i + 1],
                    f->forces[3 * i + 2]);
        fputc('\n', fp);
    }
}

static int
usage(void)
{
    fputs("usage: cfgconv [--species LIST] [--from cfg|poscar] [--to cfg|xyzsimple|poscar] "
          "[FILE]\n",
          stderr);
    return 1;
}

int
main(int argc, char **argv)
{
    const char *species = NULL, *from = "cfg", *to = "cfg", *path = NULL;
    struct core_species_map map, *mapp = NULL;
    struct core_err err;
    struct stream_in in;
    struct stream_out out;
    struct core_frame f;
    int rc, got;
    size_t nframes = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--species") == 0 && i + 1 < argc)
            species = argv[++i];
        else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
            from = argv[++i];
        else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
            to = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return usage();
        else if (!path)
            path = argv[i];
        else
            return usage();
    }
    if ((strcmp(from, "cfg") && strcmp(from, "poscar")) ||
        (strcmp(to, "cfg") && strcmp(to, "xyzsimple") && strcmp(to, "poscar")))
        return usage();
    core_err_clear(&err);
    if (species) {
        if (core_species_map_parse(species, &map, &err)) {
            fprintf(stderr, "cfgconv: %s\n", err.msg);
            return 1;
        }
        mapp = &map;
    }
    if (stream_in_open(&in, path, &err)) {
        fprintf(stderr, "cfgconv: %s\n", err.msg);
        return 1;
    }
    if (stream_out_open(&out, NULL, 0, &err)) {
        stream_in_close(&in);
        fprintf(stderr, "cfgconv: %s\n", err.msg);
        return 1;
    }
    core_frame_init(&f);
    for (;;) {
        if (strcmp(from, "cfg") == 0)
            rc = cfg_read_frame(&in, mapp, &f, &got, &err);
        else
            rc = poscar_read_frame(&in, mapp, &f, &got, &err);
        if (rc || !got)
            break;
        nframes++;
        if (strcmp(to, "cfg") == 0) {
            rc = cfg_write_frame(out.fp, mapp, &f, &err);
        } else if (strcmp(to, "poscar") == 0) {
            if (nframes > 1)
                rc = core_err_set(&err, CORE_EINPUT, "%s: more than one frame for a POSCAR",
                                  in.name);
            else
                rc = poscar_write_frame(out.fp, &f, &err);
        } else {
            write_xyzsimple(out.fp, &f);
        }
        if (rc)
            break;
    }
    core_frame_release(&f);
    stream_in_close(&in);
    if (!rc)
        rc = stream_out_commit(&out, &err);
    else
        stream_out_abort(&out);
    if (rc) {
        fprintf(stderr, "cfgconv: %s\n", err.msg);
        return 1;
    }
    return 0;
}
