/* Unit tests of formats/cfg: MLIP .cfg read and write, round trips, every error path. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../formats/cfg.h"
#include "../../formats/stream.h"
#include "../../lib/core/core.h"
#include "../tap.h"

static struct core_species_map cb; /* C,B as in the MLIP interop data */

/* Reads the first frame of text (named t.cfg) into f. */
static int
read_text(const char *text, const struct core_species_map *map, struct core_frame *f, int *got,
          struct core_err *err)
{
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    struct stream_in in;
    int rc;
    if (!fp)
        return -1;
    stream_in_attach(&in, fp, "t.cfg");
    rc = cfg_read_frame(&in, map, f, got, err);
    stream_in_close(&in);
    fclose(fp);
    return rc;
}

/* The reader must fail with CORE_EINPUT, `t.cfg:LINE: ` and want in the message, leaving f and
 * got empty. */
static void
bad(const char *text, long line, const char *want, const char *desc)
{
    struct core_frame f;
    struct core_err err = {0};
    char prefix[32];
    int got = 7, rc;

    core_frame_init(&f);
    core_err_clear(&err);
    rc = read_text(text, &cb, &f, &got, &err);
    snprintf(prefix, sizeof prefix, "t.cfg:%ld: ", line);
    ok(rc == CORE_EINPUT && strncmp(err.msg, prefix, strlen(prefix)) == 0 &&
           strstr(err.msg, want) != NULL && got == 0 && f.natoms == 0 && f.z == NULL &&
           f.ninfo == 0 && f.nprop == 0,
       "error: %s", desc);
    if (rc != CORE_EINPUT || strstr(err.msg, want) == NULL ||
        strncmp(err.msg, prefix, strlen(prefix)))
        printf("#   rc %d, message '%s', want '%s%s'\n", rc, err.msg, prefix, want);
    core_frame_release(&f);
}

#define HEAD "BEGIN_CFG\n Size\n 2\n"
#define CELL " Supercell\n 3 0 0\n 0 4 0\n 0 0 5\n"
#define ATOMS                                                                                      \
    " AtomData: id type cartes_x cartes_y cartes_z\n"                                              \
    " 1 0 0.5 0.25 0.125\n"                                                                        \
    " 2 1 1.5 1.25 1.125\n"

static void
test_errors_reader(void)
{
    struct core_frame f;
    struct core_err err = {0};
    struct core_species_map empty = {0};
    int got = 5;

    core_frame_init(&f);
    is_int(read_text(HEAD CELL ATOMS "END_CFG\n", NULL, &f, &got, &err), CORE_EINPUT,
           "no species map: error");
    ok(strstr(err.msg, "t.cfg:1: ") == err.msg && strstr(err.msg, "species map") &&
           strstr(err.msg, "--species"),
       "no species map: message says what to do (%s)", err.msg);
    is_int(read_text(HEAD CELL ATOMS "END_CFG\n", &empty, &f, &got, &err), CORE_EINPUT,
           "empty species map: error");
    is_int(got, 0, "no frame on error");
    core_frame_release(&f);

    bad("hello\n", 1, "expected BEGIN_CFG, found 'hello'", "not a cfg");
    bad("\n\nBEGIN_CFG\n Size\n 2\n", 5, "END_CFG expected (configuration from line 3)",
        "end of input inside a configuration");
    bad(HEAD " Size 2\n", 4, "Size given twice", "Size twice");
    bad("BEGIN_CFG\n Size\n two\n", 3, "bad number of atoms 'two'", "Size not a number");
    bad("BEGIN_CFG\n Size\n -3\n", 3, "bad number of atoms '-3'", "Size negative");
    bad("BEGIN_CFG\n Size\n 3000000000\n", 3, "bad number of atoms", "Size beyond int");
    bad("BEGIN_CFG\n Size\n 2.5\n", 3, "bad number of atoms '2.5'", "Size fractional");
    bad("BEGIN_CFG\n Size\n", 2, "the number of atoms after Size expected", "Size at the end");
    bad(HEAD CELL CELL, 8, "Supercell given twice", "Supercell twice");
    bad(HEAD " Supercell\n 3 0 0 1\n Energy 1\n", 4, "Supercell has 4 numbers", "Supercell 4");
    bad(HEAD " Supercell\n Energy 1\n", 4, "Supercell has 0 numbers", "Supercell empty");
    bad(HEAD " Supercell\n 3 0 nan\n", 5, "Supercell: 'nan' is not a finite number",
        "Supercell NaN");
    bad(HEAD " Supercell\n 3 0 0\n 0 4 0\n 6 8 0\n", 4, "Supercell: singular cell",
        "Supercell singular");
    bad(HEAD " Supercell\n 3 0 0\n -6 0 0\n", 4, "zero or parallel", "Supercell parallel");
    bad(HEAD " Supercell\n 0 0 0\n", 4, "the lattice vector is zero", "Supercell zero");
    bad(HEAD ATOMS ATOMS, 7, "AtomData given twice", "AtomData twice");
    bad("BEGIN_CFG\n" ATOMS, 2, "AtomData before Size", "AtomData before Size");
    bad(HEAD " AtomData: id id cartes_x cartes_y cartes_z\n", 4, "column 'id' given twice",
        "duplicate column");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z magmom\n", 4, "unknown column 'magmom'",
        "unknown column");
    bad(HEAD " AtomData: id type cartes_x cartes_y "
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
        4, "too long", "long column name");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z direct_x direct_y direct_z fx fy fz "
             "site_en charge nbh_grades magmom_x magmom_y magmom_z en_der_mx en_der_my en_der_mz "
             "ghost type\n",
        4, "column 'type' given twice", "every column and one more");
    bad(HEAD " AtomData: id type cartes_x cartes_y direct_z\n", 4, "both cartes_ and direct_",
        "mixed positions");
    bad(HEAD " AtomData: id type cartes_x cartes_z\n", 4, "no cartes_y column", "missing cartes_y");
    bad(HEAD " AtomData: id type direct_x direct_y\n", 4, "no direct_z column", "missing direct_z");
    bad(HEAD " AtomData: id type\n", 4, "no cartes_x column", "no positions");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z fx fz\n", 4, "fy missing",
        "partial forces");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z\n 1 0 1 2 3\n", 5,
        "1 of 2 atom lines read", "end of input in AtomData");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z\n 1 0 1 2\n", 5,
        "atom 1 has 4 values, the header names 5", "short row");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z\n 1 0 1 2 3 4\n", 5,
        "atom 1 has more values than the 5 columns", "long row");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z\n 1 0 1 2 3\n Energy\n 1\n", 6,
        "'Energy' where atom 2 of 2 was expected", "Size larger than AtomData");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z\n one 0 1 2 3\n", 5,
        "'one' where atom 1 of 2 was expected", "word as id");
    bad(HEAD " AtomData: type id cartes_x cartes_y cartes_z\n 0 1.5 1 2 3\n", 5, "bad id '1.5'",
        "bad id");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z\n 2 0 1 2 3\n", 5,
        "id 2 where 1 was expected", "ids out of order");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z\n 1 C 1 2 3\n", 5, "bad type 'C'",
        "bad type");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z\n 1 2 1 2 3\n", 5,
        "type 2 but the species map has 2 species", "type out of range");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z\n 1 -1 1 2 3\n", 5,
        "type -1 but the species map", "negative type");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z ghost\n 1 0 1 2 3 yes\n", 5,
        "ghost must be true or false, not 'yes'", "bad ghost");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z\n 1 0 1 NaN 3\n", 5,
        "atom 1: cartes_y 'NaN' is not a finite number", "NaN position");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z fx fy fz\n 1 0 1 2 3 4 -inf 6\n", 5,
        "atom 1: fy '-inf' is not a finite number", "Inf force");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z\n 1 0 1 2 3,5\n", 5,
        "atom 1: bad number '3,5' in column cartes_z", "bad number");
    bad(HEAD " AtomData: id type cartes_x cartes_y cartes_z site_en\n 1 0 1 2 3 1e999\n", 5,
        "site_en '1e999' is not a finite number", "overflowing number");
    bad(HEAD " Energy\n 1\n Energy\n 2\n", 6, "Energy given twice", "Energy twice");
    bad(HEAD " Energy\n -1.2.3\n", 5, "Energy: bad number '-1.2.3'", "Energy bad");
    bad(HEAD " Energy\n 0x1p3\n", 5, "Energy: bad number '0x1p3'", "hexadecimal is no number");
    bad(HEAD " Energy\n nan\n", 5, "Energy: 'nan' is not a finite number", "Energy NaN");
    bad(HEAD " Energy\n", 4, "a number after Energy expected", "Energy at the end");
    bad(HEAD " PlusStress: xx yy zz yz xz xy\n 1 2 3 4 5 6\n PlusStress: xx yy zz yz xz xy\n", 6,
        "PlusStress given twice", "PlusStress twice");
    bad(HEAD " PlusStress: xx yy zz yz zx xy\n", 4, "unknown component 'zx'",
        "PlusStress unknown component");
    bad(HEAD " PlusStress: xx yy zz yz xz xx\n", 4, "component xx given twice",
        "PlusStress repeated component");
    bad(HEAD " PlusStress: xx yy zz\n 1 2 3\n", 4, "3 components named", "PlusStress partial");
    bad(HEAD " PlusStress: xx yy zz yz xz xy\n 1 2 3 4 five 6\n", 5,
        "PlusStress xz: bad number 'five'", "PlusStress bad value");
    bad(HEAD " PlusStress: xx yy zz yz xz xy\n 1 2 3 4 5 inf\n", 5,
        "PlusStress xy: 'inf' is not a finite number", "PlusStress Inf");
    bad(HEAD " PlusStress: xx yy zz yz xz xy\n 1 2 3\n", 5, "six PlusStress values expected",
        "PlusStress truncated");
    bad(HEAD " Virial: xx yy zz yz xz xy\n 1 2 3 4 5 6\n", 4, "'Virial:' is not supported",
        "Virial rejected");
    bad(HEAD " Stress: xx yy zz yz xz xy\n 1 2 3 4 5 6\n", 4, "'Stress:' is not supported",
        "Stress rejected");
    bad(HEAD " Feature\n", 4, "Feature without a name", "Feature without a name");
    bad(HEAD
        " Feature "
        "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk v\n",
        4, "longer than 63 characters", "Feature name too long");
    bad(HEAD " Features: a b c d e f g h i\n", 4, "more than 8 names", "Features: too many");
    bad(HEAD " Features: a b\n 1\n", 5, "a value of Features: expected", "Features: truncated");
    bad(HEAD
        " Features: a\n "
        "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"
        "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"
        "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\n",
        5, "value of 'a' too long", "Features: long value");
    bad(HEAD CELL ATOMS "END_CFG BEGIN_CFG\n", 11, "'BEGIN_CFG' after END_CFG on the same line",
        "junk after END_CFG");
    bad("BEGIN_CFG\n END_CFG\n", 2, "configuration from line 1 has no Size", "no Size");
    bad(HEAD " Energy 1\nEND_CFG\n", 5, "has no AtomData", "no AtomData");
    bad(HEAD " Supercell\n 3 0 0\n 0 4 0\n AtomData: id type direct_x direct_y direct_z\n"
             " 1 0 0.5 0.5 0.5\n 2 0 0 0 0\nEND_CFG\n",
        7, "direct_ coordinates need a Supercell of three vectors", "direct without a 3D cell");
    bad(HEAD "BEGIN_CFG\n", 4, "BEGIN_CFG inside the configuration from line 1", "nested");
    bad(HEAD " Energie\n 1\n", 4, "unknown keyword 'Energie'", "unknown keyword");
}

static void
test_read(void)
{
    struct core_frame f;
    struct core_err err = {0};
    int got = 0;
    const char *text;

    core_frame_init(&f);
    core_err_clear(&err);
    /* layout as MLIP writes it, with stress sign and volume checked by hand */
    text = "\n\nBEGIN_CFG\n Size\n    2\n Supercell\n  3.5 0 0\n  0.25 4.5 0\n  0 0 12\n"
           " AtomData:  id type cartes_x cartes_y cartes_z fx fy fz\n"
           "   1 1  0.1 0.2 0.3  -1.5 2.25 0.75\n"
           "   2 0  1.7 2.1 6.0   1.5 -2.25 -0.75\n"
           " Energy\n  -15.875\n"
           " PlusStress:  xx yy zz yz xz xy\n  -8.9 -6.4 0.5 0.125 -0.25 1.75\n"
           " Feature   EFS_by\tLAMMPS tersoff\n Feature   conf_id\tbo8_000\nEND_CFG\n\n";
    is_int(read_text(text, &cb, &f, &got, &err), 0, "read MLIP layout");
    is_int(got, 1, "got a frame");
    is_int((long)f.natoms, 2, "natoms");
    ok(f.z[0] == 5 && f.z[1] == 6, "types 1, 0 -> B, C");
    ok(f.has_cell && f.pbc[0] && f.pbc[1] && f.pbc[2], "periodic in 3D");
    is_abs(f.cell[3], 0.25, 0, "cell a2x");
    is_abs(f.pos[5], 6.0, 0, "position");
    is_abs(f.forces[1], 2.25, 0, "force");
    ok(f.has_energy && f.energy == -15.875, "energy");
    ok(f.has_virial && f.virial[0] == -8.9 && f.virial[5] == 0.125 && f.virial[7] == 0.125 &&
           f.virial[2] == -0.25 && f.virial[6] == -0.25 && f.virial[1] == 1.75 &&
           f.virial[3] == 1.75,
       "virial = PlusStress, Voigt order xx yy zz yz xz xy");
    /* V = 3.5 * 4.5 * 12 = 189; stress = -PlusStress / V (ASE sign) */
    ok(f.has_stress, "stress derived");
    is_rel(f.stress[0], 8.9 / 189.0, 1e-15, "stress xx = -PlusStress_xx / V");
    is_rel(f.stress[1], -1.75 / 189.0, 1e-15, "stress xy = -PlusStress_xy / V");
    is_rel(f.stress[8], -0.5 / 189.0, 1e-15, "stress zz");
    is_str(core_frame_info_get(&f, "EFS_by"), "LAMMPS tersoff", "Feature value with a space");
    is_str(core_frame_info_get(&f, "conf_id"), "bo8_000", "Feature conf_id");
    is_int((long)f.ninfo, 2, "two info keys");
    ok(f.vel == NULL && f.mass == NULL && f.tag == NULL && f.nprop == 0, "nothing else");

    /* token layout, aliases, reordered columns, no type or id column, direct coordinates */
    text = "BEGIN_CFG Size 2 SuperCell 2 0 0 0 2 0 0 0 2\n"
           " Atomic_data: direct_z direct_y direct_x nbh_grades ghost charge\n"
           "  0.5 0.25 0.125 1.5 true -0.5\n"
           "  0 0 0.75 2.5 false 0.5\n"
           " Features: MV_grade step\n 3.25 17\n"
           " Feature   multi\tone\n Feature   multi\ttwo\n Feature   empty\t\n"
           " Feature two\\_words  lead\nEND_CFG\n";
    is_int(read_text(text, &cb, &f, &got, &err), 0, "read free layout (%s)", err.msg);
    ok(f.z[0] == 6 && f.z[1] == 6, "no type column: type 0 (C)");
    ok(f.pos[0] == 0.25 && f.pos[1] == 0.5 && f.pos[2] == 1.0 && f.pos[3] == 1.5,
       "direct -> Cartesian");
    ok(f.forces == NULL && !f.has_energy && !f.has_stress && !f.has_virial, "no labels");
    is_int((long)f.nprop, 3, "three pass-through columns");
    ok(strcmp(f.prop[0].name, "nbh_grades") == 0 && f.prop[0].type == 'R' && f.prop[0].r[1] == 2.5,
       "nbh_grades R:1");
    ok(strcmp(f.prop[1].name, "ghost") == 0 && f.prop[1].type == 'L' && f.prop[1].i[0] == 1 &&
           f.prop[1].i[1] == 0,
       "ghost L:1");
    ok(strcmp(f.prop[2].name, "charge") == 0 && f.prop[2].r[0] == -0.5, "charge R:1");
    is_str(core_frame_info_get(&f, "MV_grade"), "3.25", "Features: value");
    is_str(core_frame_info_get(&f, "step"), "17", "Features: second value");
    is_str(core_frame_info_get(&f, "multi"), "one\ntwo", "repeated Feature joined by newline");
    is_str(core_frame_info_get(&f, "empty"), "", "empty Feature value");
    is_str(core_frame_info_get(&f, "two words"), " lead",
           "escaped key; one separator skipped, the rest kept");

    /* any order of the keywords but AtomData after Size (as MLIP) */
    text = "BEGIN_CFG\n Energy\n -3.5\n Supercell\n 2 0 0\n 0 2 0\n 0 0 2\n Feature a\tb\n"
           " PlusStress: xy xz yz zz yy xx\n 6 5 4 3 2 1\n Size\n 1\n"
           " AtomData: id type cartes_x cartes_y cartes_z\n 1 1 0.5 0.5 0.5\nEND_CFG\n";
    is_int(read_text(text, &cb, &f, &got, &err), 0, "keywords before Size (%s)", err.msg);
    ok(f.has_energy && f.energy == -3.5 && f.has_cell && f.cell[8] == 2 && f.natoms == 1,
       "energy and cell given before Size are kept");
    ok(f.virial[0] == 1 && f.virial[4] == 2 && f.virial[8] == 3 && f.virial[5] == 4 &&
           f.virial[2] == 5 && f.virial[1] == 6 && f.stress[1] == -6.0 / 8,
       "PlusStress components in any order");
    is_str(core_frame_info_get(&f, "a"), "b", "feature before Size kept");

    /* fewer than three Supercell vectors: periodic only along them */
    text = "BEGIN_CFG\n Size\n 1\n Supercell\n 2.5 0 0\n 0 3 0\n"
           " AtomData: id type cartes_x cartes_y cartes_z\n 1 1 0 0 0\n"
           " PlusStress: xx yy zz yz xz xy\n 1 2 3 4 5 6\nEND_CFG\n";
    is_int(read_text(text, &cb, &f, &got, &err), 0, "two Supercell vectors");
    ok(f.has_cell && f.pbc[0] && f.pbc[1] && !f.pbc[2] && f.cell[4] == 3 && f.cell[8] == 0,
       "pbc T T F, a3 zero");
    ok(f.has_virial && !f.has_stress, "virial kept, no stress without a volume");
    text = "BEGIN_CFG\n Size\n 1\n Supercell 4 0 0\n"
           " AtomData: id type cartes_x cartes_y cartes_z\n 1 1 0 0 0\nEND_CFG\n";
    is_int(read_text(text, &cb, &f, &got, &err), 0, "one Supercell vector");
    ok(f.has_cell && f.pbc[0] && !f.pbc[1] && !f.pbc[2], "pbc T F F");
    text = "BEGIN_CFG\n Size\n 1\n AtomData: id type cartes_x cartes_y cartes_z\n 1 1 0 0 0\n"
           "END_CFG\n";
    is_int(read_text(text, &cb, &f, &got, &err), 0, "no Supercell");
    ok(!f.has_cell && !f.pbc[0] && !f.pbc[1] && !f.pbc[2], "a molecule");
    text = "BEGIN_CFG\n Size\n 0\nEND_CFG\n";
    is_int(read_text(text, &cb, &f, &got, &err), 0, "no atoms");
    ok(got == 1 && f.natoms == 0, "an empty configuration is a frame");

    /* end of input */
    is_int(read_text("\n  \n\t\n", &cb, &f, &got, &err), 0, "blank input");
    ok(got == 0 && f.natoms == 0 && f.z == NULL, "blank input: no frame");
    core_frame_release(&f);
}

static void
test_stream(void)
{
    const char *text = HEAD CELL ATOMS "END_CFG\n\n" HEAD ATOMS " Energy -2\nEND_CFG\n\n\n";
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    struct stream_in in;
    struct core_frame f;
    struct core_err err = {0};
    int got, rc;

    core_frame_init(&f);
    stream_in_attach(&in, fp, "t.cfg");
    rc = cfg_read_frame(&in, &cb, &f, &got, &err);
    ok(rc == 0 && got == 1 && f.has_cell && !f.has_energy, "frame 1 of 2");
    rc = cfg_read_frame(&in, &cb, &f, &got, &err);
    ok(rc == 0 && got == 1 && !f.has_cell && f.energy == -2, "frame 2 of 2, nothing carried over");
    rc = cfg_read_frame(&in, &cb, &f, &got, &err);
    ok(rc == 0 && got == 0 && f.natoms == 0, "clean end");
    rc = cfg_read_frame(&in, &cb, &f, &got, &err);
    ok(rc == 0 && got == 0, "end stays end");
    stream_in_close(&in);
    fclose(fp);
    core_frame_release(&f);
}

/* Writes f to a memory buffer; returns the status, *out (caller frees). */
static int
write_mem(const struct core_species_map *map, const struct core_frame *f, char **out,
          struct core_err *err)
{
    size_t len;
    FILE *fp = open_memstream(out, &len);
    int rc = cfg_write_frame(fp, map, f, err);
    fclose(fp);
    return rc;
}

static int
same(const double *a, const double *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

/* High-entropy values: random magnitudes over many decades, signs, signed zeros, subnormals. */
static double
wild(struct core_rng *rng)
{
    double u = core_rng_uniform(rng), m = core_rng_gauss(rng);
    if (u < 0.05)
        return u < 0.025 ? 0.0 : -0.0;
    if (u < 0.08)
        return m * 4.9e-320;
    return m * pow(10.0, 40.0 * core_rng_uniform(rng) - 20.0);
}

static void
test_round_trip(void)
{
    struct core_species_map map;
    struct core_frame f, g;
    struct core_err err = {0};
    struct core_rng rng;
    char *buf = NULL;
    size_t ip, ig, is, n = 29;
    int got, rc;
    double vmax;
    static const int zs[] = {6, 5, 7, 14, 32};

    core_species_map_parse("C,B,N,Si,Ge", &map, &err);
    core_rng_init(&rng, 20240607, 42, 0, 0);
    core_frame_init(&f);
    core_frame_init(&g);
    core_frame_resize(&f, n, &err);
    core_frame_want(&f, "forces", &err);
    core_frame_want(&f, "vel", &err);
    core_frame_prop_add(&f, "nbh_grades", 'R', 1, &ip, &err);
    core_frame_prop_add(&f, "ghost", 'L', 1, &ig, &err);
    core_frame_prop_add(&f, "selective_dynamics", 'L', 3, &is, &err);
    for (size_t i = 0; i < n; i++) {
        f.z[i] = zs[core_rng_next(&rng) % 5];
        for (int k = 0; k < 3; k++) {
            f.pos[3 * i + k] = wild(&rng);
            f.forces[3 * i + k] = wild(&rng);
        }
        f.prop[ip].r[i] = wild(&rng);
        f.prop[ig].i[i] = (long)(core_rng_next(&rng) & 1);
    }
    for (int k = 0; k < 9; k++)
        f.cell[k] = (k % 4 == 0 ? 10.0 : 0.0) + 0.3 * core_rng_gauss(&rng);
    f.has_cell = 1;
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
    f.has_energy = 1;
    f.energy = -1234.5678901234567 * core_rng_uniform(&rng);
    f.has_virial = 1;
    for (int a = 0; a < 3; a++)
        for (int b = a; b < 3; b++)
            f.virial[3 * a + b] = f.virial[3 * b + a] = wild(&rng);
    f.has_stress = 1;
    for (int k = 0; k < 9; k++)
        f.stress[k] = -f.virial[k] / core_cell_volume(f.cell);
    core_frame_info_set(&f, "conf_id", "rt_001 with spaces", &err);
    core_frame_info_set(&f, "key with\ttab", "v", &err);
    core_frame_info_set(&f, "lines", "a\n\nb", &err);
    core_frame_info_set(&f, "none", "", &err);

    rc = write_mem(&map, &f, &buf, &err);
    is_int(rc, 0, "write a high-entropy frame");
    ok(buf && strstr(buf, "Feature   key\\_with\\ttab\tv\n") != NULL, "key escaped as MLIP does");
    ok(buf && strstr(buf, "nbh_grades  ghost\n") != NULL, "MLIP columns written");
    ok(buf && strstr(buf, "selective_dynamics") == NULL, "other properties not written");
    rc = read_text(buf, &map, &g, &got, &err);
    is_int(rc, 0, "read it back (%s)", err.msg);
    ok(g.natoms == n && memcmp(g.z, f.z, n * sizeof *f.z) == 0, "elements");
    ok(same(g.pos, f.pos, 3 * n), "positions bit for bit (signed zeros, subnormals)");
    ok(same(g.forces, f.forces, 3 * n), "forces bit for bit");
    ok(same(g.cell, f.cell, 9) && g.pbc[0] && g.pbc[1] && g.pbc[2], "cell bit for bit");
    ok(g.energy == f.energy, "energy");
    ok(same(g.virial, f.virial, 9), "virial bit for bit");
    ok(same(g.stress, f.stress, 9), "stress = -virial / V again");
    ok(g.nprop == 2 && same(g.prop[0].r, f.prop[ip].r, n) &&
           memcmp(g.prop[1].i, f.prop[ig].i, n * sizeof(long)) == 0,
       "nbh_grades and ghost");
    is_str(core_frame_info_get(&g, "conf_id"), "rt_001 with spaces", "info value");
    is_str(core_frame_info_get(&g, "key with\ttab"), "v", "info key with blanks");
    is_str(core_frame_info_get(&g, "lines"), "a\n\nb", "value of several lines");
    is_str(core_frame_info_get(&g, "none"), "", "empty value");
    ok(g.vel == NULL, "velocities are not part of .cfg");
    free(buf);

    /* stress only: PlusStress = -stress * V; 2D slab written with three vectors */
    f.has_virial = 0;
    f.pbc[2] = 0;
    rc = write_mem(&map, &f, &buf, &err);
    is_int(rc, 0, "write stress only");
    rc = read_text(buf, &map, &g, &got, &err);
    ok(rc == 0 && g.pbc[2] == 1, "slab with a third vector reads back periodic (MLIP's 2D)");
    vmax = 0;
    for (int k = 0; k < 9; k++)
        vmax = fmax(vmax, fabs(f.virial[k]));
    for (int k = 0; k < 9; k++)
        if (!is_abs(g.virial[k], f.virial[k], 1e-15 * vmax, "virial %d from stress", k) ||
            !is_rel(g.stress[k], f.stress[k], 1e-15, "stress %d again", k))
            break;
    free(buf);

    /* zero rows stay non-periodic; all pbc false: no Supercell */
    f.cell[6] = f.cell[7] = f.cell[8] = 0;
    f.has_stress = 0;
    rc = write_mem(&map, &f, &buf, &err);
    rc = rc ? rc : read_text(buf, &map, &g, &got, &err);
    ok(rc == 0 && g.pbc[0] && g.pbc[1] && !g.pbc[2] && same(g.cell, f.cell, 9),
       "two vectors round trip");
    free(buf);
    f.pbc[0] = f.pbc[1] = 0;
    rc = write_mem(&map, &f, &buf, &err);
    ok(rc == 0 && strstr(buf, "Supercell") == NULL, "pbc F F F: no Supercell");
    free(buf);

    core_frame_release(&f);
    core_frame_release(&g);
}

static void
test_errors_writer(void)
{
    struct core_frame f;
    struct core_err err = {0};
    char *buf = NULL;
    size_t ip;
    FILE *full;

    core_frame_init(&f);
    core_frame_resize(&f, 3, &err);
    f.z[0] = 6;
    f.z[1] = 14;
    f.z[2] = 5;
    f.has_cell = 1;
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
    f.cell[0] = f.cell[4] = f.cell[8] = 5;

    is_int(write_mem(NULL, &f, &buf, &err), CORE_EINPUT, "write without a map");
    ok(strstr(err.msg, "species map") != NULL, "says a species map is needed");
    free(buf);
    is_int(write_mem(&cb, &f, &buf, &err), CORE_EINPUT, "element outside the map");
    is_str(err.msg, "atom 2: element 'Si' is not in the species map (2 species)",
           "message names the element");
    free(buf);
    f.z[1] = 6;

    f.pos[4] = NAN;
    is_int(write_mem(&cb, &f, &buf, &err), CORE_EINPUT, "NaN position");
    is_str(err.msg, "atom 2: position is not finite", "NaN position message");
    free(buf);
    f.pos[4] = 0;
    core_frame_want(&f, "forces", &err);
    f.forces[8] = INFINITY;
    is_int(write_mem(&cb, &f, &buf, &err), CORE_EINPUT, "Inf force");
    is_str(err.msg, "atom 3: force is not finite", "Inf force message");
    free(buf);
    f.forces[8] = 0;
    f.has_energy = 1;
    f.energy = NAN;
    is_int(write_mem(&cb, &f, &buf, &err), CORE_EINPUT, "NaN energy");
    free(buf);
    f.energy = 1;
    f.cell[4] = INFINITY;
    is_int(write_mem(&cb, &f, &buf, &err), CORE_EINPUT, "Inf cell");
    free(buf);
    f.cell[4] = 0;
    is_int(write_mem(&cb, &f, &buf, &err), CORE_EINPUT, "zero a2 before a3");
    is_str(err.msg, "cell vector a2 is zero but a3 is not: MLIP .cfg cannot hold that cell",
           "zero row message");
    free(buf);
    f.cell[4] = 5;
    f.has_virial = 1;
    f.virial[3] = NAN;
    is_int(write_mem(&cb, &f, &buf, &err), CORE_EINPUT, "NaN virial");
    free(buf);
    f.has_virial = 0;
    f.has_stress = 1;
    f.has_cell = 0;
    is_int(write_mem(&cb, &f, &buf, &err), CORE_EINPUT, "stress without a cell");
    ok(strstr(err.msg, "stress without a periodic 3D cell") != NULL, "stress message");
    free(buf);
    f.has_stress = 0;
    core_frame_prop_add(&f, "site_en", 'R', 1, &ip, &err);
    f.prop[ip].r[2] = -INFINITY;
    is_int(write_mem(&cb, &f, &buf, &err), CORE_EINPUT, "Inf site energy");
    is_str(err.msg, "atom 3: site_en is not finite", "site_en message");
    free(buf);
    f.prop[ip].r[2] = 0;
    core_frame_info_set(&f, "", "x", &err);
    is_int(write_mem(&cb, &f, &buf, &err), CORE_EINPUT, "empty info key");
    free(buf);
    core_frame_info_del(&f, "");

    full = fopen("/dev/full", "w");
    if (full) {
        setvbuf(full, NULL, _IONBF, 0);
        is_int(cfg_write_frame(full, &cb, &f, &err), CORE_EIO, "write error is CORE_EIO");
        fclose(full);
    }
    core_frame_release(&f);
}

int
main(void)
{
    struct core_err err = {0};
    core_species_map_parse("C,B", &cb, &err);
    test_errors_reader();
    test_read();
    test_stream();
    test_round_trip();
    test_errors_writer();
    done_testing();
    return exit_status();
}
