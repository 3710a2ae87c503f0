/*
 * mtpset_test: formats/mtpset (a labelled set read into lib/mtp's view: lines, types, the virial
 * from an extxyz stress, the errors that name file and line), stream_out_try and
 * mtpckpt_setup_check (mtp-fit's early failures and its checkpoint's setting check).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../formats/mtpckpt.h"
#include "../../formats/mtpset.h"
#include "../../formats/stream.h"
#include "../tap.h"

static char dir[] = "/tmp/mtpset_testXXXXXX";

/* Writes text to dir/name and returns that path (static buffer). */
static const char *
put(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    fputs(text, fp);
    fclose(fp);
    return path;
}

static const char two[] =
    "2\n"
    "Lattice=\"10 0 0 0 10 0 0 0 10\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-3.5 "
    "stress=\"0.01 0 0 0 0.02 0 0 0 0.03\" pbc=\"T T T\"\n"
    "C 0 0 0 0.1 0 0\n"
    "B 1.4 0 0 -0.1 0 0\n"
    "1\n"
    "Lattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1 "
    "pbc=\"T T T\"\n"
    "C 0 0 0 0 0 0\n";

int
main(void)
{
    struct core_err err = {0};
    struct core_species_map map;
    struct mtp_fit_opts fo;
    struct mtpset s = {0};
    mtp_fit_opts_default(&fo);
    core_species_map_parse("C,B", &map, &err);
    if (!ok(mkdtemp(dir) != NULL, "a scratch directory %s", dir))
        return 1;

    const char *p = put("two.xyz", two);
    ok(mtpset_read(&s, p, &map, &fo, &err) == 0 && s.n == 2, "two configurations: %s", err.msg);
    ok(s.line[0] == 1 && s.line[1] == 5, "their first lines: %ld, %ld", s.line[0], s.line[1]);
    ok(s.conf[0].natoms == 2 && s.conf[0].type[0] == 0 && s.conf[0].type[1] == 1 &&
           s.conf[1].type[0] == 0,
       "types by the species map (C 0, B 1)");
    ok(s.conf[0].has_energy && s.conf[0].energy == -3.5 && s.conf[0].forces[0] == 0.1,
       "energy and forces");
    ok(s.conf[0].has_virial && fabs(s.conf[0].virial[0] + 10.0) < 1e-12 &&
           fabs(s.conf[0].virial[8] + 30.0) < 1e-12,
       "the virial from ASE's stress: -stress * volume (%g, %g eV)", s.conf[0].virial[0],
       s.conf[0].virial[8]);
    ok(!s.conf[1].has_virial, "no stress, no virial");
    mtpset_release(&s);
    ok(s.n == 0 && !s.conf, "released and zeroed");

    p = put("noe.xyz", "1\nProperties=species:S:1:pos:R:3:forces:R:3\nC 0 0 0 0 0 0\n");
    ok(mtpset_read(&s, p, &map, &fo, &err) == CORE_EINPUT && strstr(err.msg, "noe.xyz:1: ") &&
           strstr(err.msg, "configuration 1 has no energy"),
       "no energy: %s", err.msg);
    mtpset_release(&s);
    fo.wenergy = 0;
    ok(mtpset_read(&s, p, &map, &fo, &err) == 0, "none needed with energy weight 0");
    mtpset_release(&s);
    mtp_fit_opts_default(&fo);
    p = put("n.xyz", "1\nProperties=species:S:1:pos:R:3 energy=1\nN 0 0 0\n");
    ok(mtpset_read(&s, p, &map, &fo, &err) == CORE_EINPUT &&
           strstr(err.msg, "n.xyz:1: atom 1: element N is not in --species"),
       "an element outside the map: %s", err.msg);
    mtpset_release(&s);
    p = put("empty.xyz", "");
    ok(mtpset_read(&s, p, &map, &fo, &err) == CORE_EINPUT && strstr(err.msg, "no configurations"),
       "no configurations: %s", err.msg);
    mtpset_release(&s);

    /* stream_out_try: a missing directory fails, a good place leaves nothing, stdout passes */
    char path[300];
    snprintf(path, sizeof path, "%s/nodir/x.txt", dir);
    ok(stream_out_try(path, &err) == CORE_EIO, "unwritable: %s", err.msg);
    snprintf(path, sizeof path, "%s/x.txt", dir);
    ok(stream_out_try(path, &err) == CORE_OK && access(path, F_OK) != 0,
       "writable: nothing left behind");
    ok(stream_out_try("-", &err) == CORE_OK && stream_out_try(NULL, &err) == CORE_OK &&
           stream_out_try("/dev/null", &err) == CORE_OK,
       "stdout and devices are not tried");

    /* mtpckpt_setup_check names the first setting that differs, with its key */
    struct mtpckpt ck = {0};
    snprintf(ck.setup, sizeof ck.setup, "species C,B cv 5 seed 1 damping 0x1p-3");
    ok(mtpckpt_setup_check(&ck, "species C,B cv 5 seed 1 damping 0x1p-3", "c", &err) == 0,
       "the same setup");
    ok(mtpckpt_setup_check(&ck, "species C,B cv 5 seed 2 damping 0x1p-3", "c", &err) ==
               CORE_EINPUT &&
           !strcmp(err.msg, "c: a checkpoint of another fit: written with 'seed 1', this fit "
                            "has 'seed 2'"),
       "another seed: %s", err.msg);
    ok(mtpckpt_setup_check(&ck, "species C cv 5", "c", &err) == CORE_EINPUT &&
           strstr(err.msg, "written with 'species C,B', this fit has 'species C'"),
       "the first word: %s", err.msg);
    ok(mtpckpt_setup_check(&ck, "species C,B cv 5 seed 1 damping 0x1p-3 ridge 0x1p-7", "c", &err) ==
               CORE_EINPUT &&
           strstr(err.msg, "written with '', this fit has 'ridge 0x1p-7'"),
       "a setting the checkpoint lacks: %s", err.msg);
    ok(mtpckpt_setup_check(&ck, "species C,B cv 5 seed 1", "c", &err) == CORE_EINPUT &&
           strstr(err.msg, "written with 'damping 0x1p-3', this fit has ''"),
       "a setting this fit lacks: %s", err.msg);

    remove(put("two.xyz", "")), remove(put("noe.xyz", "")), remove(put("n.xyz", ""));
    remove(put("empty.xyz", ""));
    rmdir(dir);
    done_testing();
    return exit_status();
}
