/* Unit tests of formats/poscar: VASP POSCAR/CONTCAR read and write, every error path. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../formats/poscar.h"
#include "../../formats/stream.h"
#include "../../lib/core/core.h"
#include "../tap.h"

static struct core_species_map cb; /* C,B */

static int
read_text(const char *text, const struct core_species_map *map, struct core_frame *f, int *got,
          struct core_err *err)
{
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    struct stream_in in;
    int rc;
    if (!fp)
        return -1;
    stream_in_attach(&in, fp, "POSCAR");
    rc = poscar_read_frame(&in, map, f, got, err);
    stream_in_close(&in);
    fclose(fp);
    return rc;
}

static void
bad_map(const char *text, const struct core_species_map *map, long line, const char *want,
        const char *desc)
{
    struct core_frame f;
    struct core_err err = {0};
    char prefix[32];
    int got = 7, rc;

    core_frame_init(&f);
    core_err_clear(&err);
    rc = read_text(text, map, &f, &got, &err);
    snprintf(prefix, sizeof prefix, "POSCAR:%ld: ", line);
    ok(rc == CORE_EINPUT && strncmp(err.msg, prefix, strlen(prefix)) == 0 &&
           strstr(err.msg, want) != NULL && got == 0 && f.natoms == 0 && f.z == NULL &&
           f.ninfo == 0,
       "error: %s", desc);
    if (rc != CORE_EINPUT || strstr(err.msg, want) == NULL ||
        strncmp(err.msg, prefix, strlen(prefix)))
        printf("#   rc %d, message '%s', want '%s%s'\n", rc, err.msg, prefix, want);
    core_frame_release(&f);
}

static void
bad(const char *text, long line, const char *want, const char *desc)
{
    bad_map(text, NULL, line, want, desc);
}

#define TOP  "graphene\n1.0\n2.46 0 0\n-1.23 2.13042249 0\n0 0 20\n"
#define SPEC "C B\n1 1\n"
#define POS  "Direct\n0 0 0.5\n0.333 0.667 0.5\n"

static void
test_errors_reader(void)
{
    char many[2048];

    bad("c\nabc\n", 2, "bad scale 'abc'", "scale not a number");
    bad("c\n0.0\n", 2, "bad scale: zero", "scale zero");
    bad("c\n1 2\n", 2, "bad scale: 2 numbers", "two scale numbers");
    bad("c\n1 -2 1\n", 2, "must all be positive", "three scales, one negative");
    bad("c\n1 1 1 1\n", 2, "more than 3 numbers", "four scales");
    bad("c\nNaN\n", 2, "bad scale: 'NaN' is not a finite number", "scale NaN");
    bad("c\n   \n", 2, "bad scale: the line is empty", "empty scale line");
    bad("c\n", 1, "end of input: the scaling factor expected", "no scale");
    bad("c\n1\n1 0 0\n0 1\n", 4, "lattice vector a2: 2 numbers; 3 expected", "short lattice row");
    bad("c\n1\n1 0 0\n0 1 x\n", 4, "lattice vector a2: bad number 'x'", "bad lattice number");
    bad("c\n1\n1 0 0\n0 1 0\n0 inf 1\n", 5, "lattice vector a3: 'inf' is not a finite number",
        "Inf in the lattice");
    bad("c\n1\n1 0 0\n0 1 0\n", 4, "end of input: lattice vector a3 expected", "lattice cut");
    bad("c\n1\n1 0 0\n0 1 0\n1 1 0\nC\n2\nDirect\n0 0 0\n0.5 0.5 0\n", 5,
        "singular lattice: singular cell", "singular lattice");
    bad("c\n-100\n1 0 0\n2 0 0\n0 0 1\nC\n2\nDirect\n0 0 0\n0.5 0.5 0\n", 5,
        "singular lattice (volume 0)", "singular lattice with a volume scale");
    bad(TOP "C Qq\n1 1\n" POS, 6, "unknown element 'Qq'", "unknown element");
    bad(TOP "C B_sv Xx/1a2b\n1 1 1\n" POS, 6, "unknown element 'Xx/1a2b'",
        "unknown element with a hash suffix");
    bad(TOP "Carbon\n1\n" POS, 6, "unknown element 'Carbon'", "a name, not a symbol");
    bad(TOP "C B\n1 1 2\n" POS, 7, "3 counts for 2 species", "counts do not match species");
    bad(TOP "C B N\n1 1\n" POS, 7, "2 counts for 3 species", "fewer counts than species");
    bad(TOP "C B\n1 -1\n" POS, 7, "bad atom count '-1'", "negative count");
    bad(TOP "C B\n1 x\n" POS, 7, "bad atom count 'x'", "bad count");
    bad(TOP "C B\n1 2.0\n" POS, 7, "bad atom count '2.0'", "fractional count");
    bad(TOP "C B\n  ! none\n" POS, 7, "no atom counts", "no counts");
    bad(TOP "C B\n0 0\n" POS, 7, "no atoms (all counts are zero)", "zero atoms");
    bad(TOP "C B\n", 6, "end of input: the counts line expected", "no counts line");
    bad(TOP "\n", 6, "empty line where the species or counts were expected", "blank line 6");
    bad(TOP, 5, "end of input: the species or counts line expected", "cut after the lattice");
    bad(TOP "1 1\n" POS, 6, "VASP 4 POSCAR without a species line: a species map is needed",
        "VASP 4 without a map");
    bad_map(TOP "1 1 1\n" POS, &cb, 6, "3 counts but the species map has 2 species",
            "VASP 4 with a short map");
    strcpy(many, TOP);
    for (int i = 0; i < POSCAR_MAXSPECIES + 1; i++)
        strcat(many, "C ");
    strcat(many, "\n");
    bad(many, 6, "more than 128 species", "too many species");
    strcpy(many, TOP "C\n");
    for (int i = 0; i < POSCAR_MAXSPECIES + 1; i++)
        strcat(many, "1 ");
    strcat(many, "\n");
    bad(many, 7, "more than 128 counts", "too many counts");
    bad(TOP "C B\n2147483647 2\n" POS, 7, "more than 2147483647 atoms", "too many atoms");
    bad(TOP SPEC, 7, "end of input: the Direct or Cartesian line expected", "no mode line");
    bad(TOP SPEC "Selective\n", 8, "end of input: the Direct or Cartesian line expected",
        "no mode line after Selective");
    bad(TOP SPEC "0 0 0\n0.5 0.5 0.5\n", 8, "'Direct' or 'Cartesian' expected",
        "positions without a mode line");
    bad(TOP SPEC "\n0 0 0\n0.5 0.5 0.5\n", 8, "'Direct' or 'Cartesian' expected",
        "blank mode line");
    bad(TOP SPEC "Direct\n0 0 0\n", 9, "unexpected end of input: 1 of 2 positions read (truncated)",
        "truncated positions");
    bad(TOP SPEC "Direct\n0 0 0\n\n0.5 0.5 0.5\n", 10, "blank line: 1 of 2 positions read",
        "blank line among positions");
    bad(TOP SPEC "Direct\n0 0 0\n0.5 0.5\n", 10, "atom 2: 2 coordinates; 3 expected",
        "two coordinates");
    bad(TOP SPEC "Direct\n0 0 0\n0.5 0.5 0.5q\n", 10, "atom 2: bad number '0.5q'",
        "bad coordinate");
    bad(TOP SPEC "Direct\n0 0 0\n0.5 0x1 0.5\n", 10, "atom 2: bad number '0x1'",
        "hexadecimal coordinate");
    bad(TOP SPEC "Direct\n0 0 0\n0.5 nan 0.5\n", 10, "atom 2: 'nan' is not a finite number",
        "NaN coordinate");
    bad(TOP SPEC "Selective dynamics\nDirect\n0 0 0 T T\n0.5 0.5 0.5 T T T\n", 10,
        "atom 1: 2 selective dynamics flags; 3 expected", "two flags");
    bad(TOP SPEC "Selective dynamics\nDirect\n0 0 0 T T T\n0.5 0.5 0.5 T X T\n", 11,
        "atom 2: selective dynamics flag 'X' is not T or F", "bad flag");
    bad(TOP SPEC "Selective dynamics\nDirect\n0 0 0 T T T\n0.5 0.5 0.5 T . T\n", 11,
        "flag '.' is not T or F", "flag '.'");
    bad(TOP SPEC POS "0.1 0.2 0.3\n", 11,
        "unexpected '0.1' after the 2 positions (the counts say 2", "one position too many");
    bad(TOP SPEC POS "Direct\n0 0 0\n", 11, "velocities in Direct coordinates are not supported",
        "direct velocities");
    bad(TOP SPEC POS "Cartesian\n", 11, "'Cartesian' velocity line without velocities",
        "velocity header at the end");
    bad(TOP SPEC POS "Cartesian\n\n", 12, "'Cartesian' velocity line without velocities",
        "velocity header then a blank line");
    bad(TOP SPEC POS "Cartesian\n  1\n", 12, "'Cartesian' velocity line without velocities",
        "velocity header then an MD block");
    bad(TOP SPEC POS "\n0.1 0.2 0.3\n", 12,
        "unexpected end of input: 1 of 2 velocities read (truncated)", "truncated velocities");
    bad(TOP SPEC POS "\n0.1 0.2 0.3\n\n", 13, "blank line: 1 of 2 velocities read",
        "blank line among velocities");
    bad(TOP SPEC POS "\n0.1 0.2 0.3\n0.1 0.2\n", 13, "velocity of atom 2: 2 numbers; 3 expected",
        "short velocity");
    bad(TOP SPEC POS "\n0.1 0.2 0.3\n0.1 0.2 NaN\n", 13,
        "velocity of atom 2: 'NaN' is not a finite number", "NaN velocity");
    bad(TOP SPEC POS "\n0.1 0.2 0.3\n0.1 0.2 0.3\n\nnext POSCAR\n1.0\n", 15,
        "unexpected 'next' after the velocities (a POSCAR holds one structure)",
        "a second structure after the velocities");
    bad(TOP SPEC POS "\n\ngraphene 2\n1.0\n", 13,
        "unexpected 'graphene' after the positions (a POSCAR holds one structure)",
        "a second structure after the positions");
    bad(TOP SPEC POS "\ngraphene 2\n1.0\n", 12,
        "unexpected 'graphene' after the positions (a POSCAR holds one structure)",
        "a second structure after one blank line");
    bad(TOP SPEC POS "Lattice velocities and vectors\n1\n0 0 0\n0 0 0\n", 14,
        "end of input: the lattice velocities block (7 lines) expected",
        "truncated lattice velocities");
}

static void
test_read(void)
{
    struct core_frame f;
    struct core_err err = {0};
    int got = 0;
    const char *text;
    double x;

    core_frame_init(&f);
    core_err_clear(&err);
    /* VASP 5, suffixes, Direct, comment */
    text = "  BC3 sheet, relaxed  \n1.0\n 2.5 0 0\n 0 4.25 0\n 0.5 0 15\n"
           "  C_s B_h/5f3a\t! PAW set\n 1 2 ! counts\ndirect\n"
           " 0.5 0.25 0.1 C\n 0 0 0\n 0.75 0.5 1.0 ! last\n";
    is_int(read_text(text, NULL, &f, &got, &err), 0, "VASP 5 Direct (%s)", err.msg);
    ok(got == 1 && f.natoms == 3, "three atoms");
    ok(f.z[0] == 6 && f.z[1] == 5 && f.z[2] == 5, "C_s B_h/hash -> C B B");
    ok(f.has_cell && f.pbc[0] && f.pbc[1] && f.pbc[2], "periodic");
    is_abs(f.pos[0], 0.5 * 2.5 + 0.1 * 0.5, 1e-15, "x = s1 a1x + s3 a3x");
    is_abs(f.pos[1], 0.25 * 4.25, 1e-15, "y");
    is_abs(f.pos[2], 1.5, 1e-15, "z");
    is_abs(f.pos[8], 15.0, 1e-15, "last z");
    is_str(core_frame_info_get(&f, "comment"), "BC3 sheet, relaxed", "comment trimmed");
    ok(f.vel == NULL && f.nprop == 0 && f.forces == NULL, "nothing else");

    /* Cartesian with a scale factor; K also means Cartesian; lowercase species */
    text = "x\n 2.0\n1 0 0\n0 1 0\n0 0 1\nsi\n2\nK\n0.25 0 0\n0 0.5 0.125\n";
    is_int(read_text(text, NULL, &f, &got, &err), 0, "Cartesian scaled");
    ok(f.z[0] == 14, "si -> Si");
    ok(f.cell[0] == 2 && f.cell[8] == 2, "cell times scale");
    ok(f.pos[0] == 0.5 && f.pos[4] == 1.0 && f.pos[5] == 0.25, "Cartesian positions times scale");

    /* negative scale: the volume */
    text = "x\n-27\n1 0 0\n0 2 0\n0 0 0.5\nB\n1\nCartesian\n1 1 1\n";
    is_int(read_text(text, NULL, &f, &got, &err), 0, "volume scale");
    is_rel(core_cell_volume(f.cell), 27.0, 1e-14, "volume as asked");
    is_rel(f.cell[0], 3.0, 1e-15, "s = cbrt(27 / 1)");
    is_rel(f.pos[1], 3.0, 1e-15, "Cartesian positions times s");

    /* three scale factors */
    text = "x\n2 3 4\n1 0 0\n0.5 1 0\n0 0 1\nC\n1\nC\n1 1 1\n";
    is_int(read_text(text, NULL, &f, &got, &err), 0, "three scale factors");
    ok(f.cell[0] == 2 && f.cell[3] == 1 && f.cell[4] == 3 && f.cell[8] == 4,
       "x, y, z components scaled");
    ok(f.pos[0] == 2 && f.pos[1] == 3 && f.pos[2] == 4, "Cartesian positions per axis");

    /* VASP 4 with a map; selective dynamics */
    text = "C B sheet\n1\n3 0 0\n0 3 0\n0 0 9\n 1 2\nSelective dynamics\nDirect\n"
           "0 0 0 T F T\n0.5 0 0 F F F\n0 0.5 0 .TRUE. .false. t\n";
    is_int(read_text(text, &cb, &f, &got, &err), 0, "VASP 4 with a map");
    ok(f.z[0] == 6 && f.z[1] == 5 && f.z[2] == 5, "species from the map");
    ok(f.nprop == 1 && strcmp(f.prop[0].name, "selective_dynamics") == 0 && f.prop[0].type == 'L' &&
           f.prop[0].ncols == 3,
       "selective_dynamics L:3");
    ok(f.prop[0].i[0] == 1 && f.prop[0].i[1] == 0 && f.prop[0].i[2] == 1 && f.prop[0].i[3] == 0 &&
           f.prop[0].i[6] == 1 && f.prop[0].i[7] == 0 && f.prop[0].i[8] == 1,
       "flags T F T / F F F / .TRUE. .false. t");
    is_abs(f.pos[3], 1.5, 0, "direct x");

    /* CONTCAR after MD: lattice velocities, velocities (A/fs), predictor-corrector block */
    text = TOP SPEC POS "Lattice velocities and vectors\n  1\n 0 0 0\n 0 0 0\n 0 0 0\n"
                        " 2.46 0 0\n -1.23 2.13 0\n 0 0 20\n"
                        "\n  0.125E-01 -0.25D-02 0.5\n -0.001 0 1d-03\n"
                        "\n  1\n  0.1E+01\n junk the reader skips\n 1 2 3\n";
    is_int(read_text(text, NULL, &f, &got, &err), 0, "CONTCAR of an MD run (%s)", err.msg);
    ok(f.vel != NULL, "velocities read");
    is_rel(f.vel[0], 12.5, 1e-15, "0.0125 A/fs = 12.5 A/ps");
    is_rel(f.vel[1], -2.5, 1e-15, "vy (Fortran D exponent)");
    is_rel(f.vel[2], 500.0, 1e-15, "vz");
    is_rel(f.vel[5], 1.0, 1e-15, "1E-03 A/fs = 1 A/ps");

    text = TOP SPEC POS "Cartesian\n 1 2 3\n 4 5 6\n";
    is_int(read_text(text, NULL, &f, &got, &err), 0, "velocities after a Cartesian line");
    ok(f.vel && f.vel[0] == 1000.0 && f.vel[5] == 6000.0, "values");
    text = TOP SPEC POS "\n  1\n 0.1E+01\n";
    is_int(read_text(text, NULL, &f, &got, &err), 0, "MD block without velocities");
    ok(f.vel == NULL, "no velocities");
    text = TOP SPEC POS "\n\n\n";
    is_int(read_text(text, NULL, &f, &got, &err), 0, "trailing blank lines");
    text = TOP SPEC POS "\n 1 2 3\n 4 5 6\n\n\n";
    is_int(read_text(text, NULL, &f, &got, &err), 0, "velocities then blank lines");
    ok(f.vel && f.vel[3] == 4000.0, "velocities kept");

    /* blank comment line */
    text = "\n1.0\n3 0 0\n0 3 0\n0 0 3\nN\n1\nD\n0 0 0\n";
    is_int(read_text(text, NULL, &f, &got, &err), 0, "blank comment line");
    ok(got == 1 && f.z[0] == 7 && core_frame_info_get(&f, "comment") == NULL, "no comment key");

    /* empty or blank input: no frame */
    is_int(read_text("\n \n\n", NULL, &f, &got, &err), 0, "blank input");
    ok(got == 0 && f.natoms == 0, "blank input: no frame");
    x = 0;
    (void)x;
    core_frame_release(&f);
}

static void
test_once(void)
{
    const char *text = TOP SPEC POS;
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    struct stream_in in;
    struct core_frame f;
    struct core_err err = {0};
    int got, rc;

    core_frame_init(&f);
    stream_in_attach(&in, fp, "POSCAR");
    rc = poscar_read_frame(&in, NULL, &f, &got, &err);
    ok(rc == 0 && got == 1 && f.natoms == 2, "one structure");
    rc = poscar_read_frame(&in, NULL, &f, &got, &err);
    ok(rc == 0 && got == 0 && f.natoms == 0, "then the end");
    stream_in_close(&in);
    fclose(fp);
    fp = fopen("/dev/null", "r");
    stream_in_attach(&in, fp, "empty");
    rc = poscar_read_frame(&in, NULL, &f, &got, &err);
    ok(rc == 0 && got == 0, "empty input: no frame");
    stream_in_close(&in);
    fclose(fp);
    core_frame_release(&f);
}

static int
write_mem(const struct core_frame *f, char **out, struct core_err *err)
{
    size_t len;
    FILE *fp = open_memstream(out, &len);
    int rc = poscar_write_frame(fp, f, err);
    fclose(fp);
    return rc;
}

static void
test_round_trip(void)
{
    struct core_frame f, g;
    struct core_err err = {0};
    struct core_rng rng;
    char *buf = NULL;
    size_t ip, n = 23;
    int got, rc, vel_ok = 1;
    static const int zs[] = {6, 6, 5, 42, 6};

    core_rng_init(&rng, 77, 3, 0, 0);
    core_frame_init(&f);
    core_frame_init(&g);
    core_frame_resize(&f, n, &err);
    core_frame_want(&f, "vel", &err);
    core_frame_prop_add(&f, "selective_dynamics", 'L', 3, &ip, &err);
    for (size_t i = 0; i < n; i++) {
        f.z[i] = zs[core_rng_next(&rng) % 5];
        for (int k = 0; k < 3; k++) {
            f.pos[3 * i + k] = 30 * core_rng_gauss(&rng) * pow(10, -3 * core_rng_uniform(&rng));
            f.vel[3 * i + k] = 10 * core_rng_gauss(&rng);
            f.prop[ip].i[3 * i + k] = (long)(core_rng_next(&rng) & 1);
        }
    }
    f.pos[0] = -0.0;
    for (int k = 0; k < 9; k++)
        f.cell[k] = (k % 4 == 0 ? 7.0 : 0.0) + core_rng_gauss(&rng);
    f.has_cell = 1;
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
    core_frame_info_set(&f, "comment", "high entropy\nsecond line dropped", &err);

    rc = write_mem(&f, &buf, &err);
    is_int(rc, 0, "write");
    ok(strncmp(buf, "high entropy\n1.0\n", 17) == 0, "comment (first line) and scale 1");
    ok(strstr(buf, "Selective dynamics\nCartesian\n") != NULL, "selective and Cartesian");
    rc = read_text(buf, NULL, &g, &got, &err);
    is_int(rc, 0, "read it back (%s)", err.msg);
    ok(g.natoms == n && memcmp(g.z, f.z, n * sizeof *f.z) == 0, "elements in atom order");
    ok(memcmp(g.cell, f.cell, sizeof f.cell) == 0, "cell bit for bit");
    ok(memcmp(g.pos, f.pos, 3 * n * sizeof(double)) == 0, "positions bit for bit");
    ok(g.nprop == 1 && memcmp(g.prop[0].i, f.prop[ip].i, 3 * n * sizeof(long)) == 0,
       "selective dynamics flags");
    for (size_t i = 0; i < 3 * n; i++)
        vel_ok &= fabs(g.vel[i] - f.vel[i]) <= 4e-16 * fabs(f.vel[i]);
    ok(vel_ok, "velocities to 1 ulp (A/ps -> A/fs -> A/ps)");
    is_str(core_frame_info_get(&g, "comment"), "high entropy", "comment");
    free(buf);

    /* no comment: the formula; runs of equal elements */
    core_frame_info_del(&f, "comment");
    core_frame_resize(&f, 4, &err);
    f.z[0] = 6;
    f.z[1] = 6;
    f.z[2] = 5;
    f.z[3] = 6;
    f.cell[0] = f.cell[4] = f.cell[8] = 3;
    f.has_cell = 1;
    rc = write_mem(&f, &buf, &err);
    ok(rc == 0 && strncmp(buf, "C3B1\n", 5) == 0, "formula as comment");
    ok(strstr(buf, "\nC B C\n2 1 1\nCartesian\n") != NULL, "species runs keep the order");
    rc = read_text(buf, NULL, &g, &got, &err);
    ok(rc == 0 && g.z[2] == 5 && g.z[3] == 6 && g.vel == NULL && g.nprop == 0, "runs read back");
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
    FILE *full;

    core_frame_init(&f);
    core_frame_resize(&f, 2, &err);
    f.z[0] = 6;
    f.z[1] = 5;
    is_int(write_mem(&f, &buf, &err), CORE_EINPUT, "no cell");
    is_str(err.msg, "a POSCAR needs a cell; the frame has none", "no cell message");
    free(buf);
    f.has_cell = 1;
    f.cell[0] = f.cell[4] = 2;
    is_int(write_mem(&f, &buf, &err), CORE_EINPUT, "singular cell");
    ok(strstr(err.msg, "singular cell") != NULL, "singular message");
    free(buf);
    f.cell[8] = NAN;
    is_int(write_mem(&f, &buf, &err), CORE_EINPUT, "NaN cell");
    free(buf);
    f.cell[8] = 2;
    f.z[1] = 0;
    is_int(write_mem(&f, &buf, &err), CORE_EINPUT, "no element");
    is_str(err.msg, "atom 2 has no element (Z = 0)", "no element message");
    free(buf);
    f.z[1] = 5;
    f.pos[2] = INFINITY;
    is_int(write_mem(&f, &buf, &err), CORE_EINPUT, "Inf position");
    is_str(err.msg, "atom 1: position is not finite", "position message");
    free(buf);
    f.pos[2] = 0;
    core_frame_want(&f, "vel", &err);
    f.vel[4] = NAN;
    is_int(write_mem(&f, &buf, &err), CORE_EINPUT, "NaN velocity");
    is_str(err.msg, "atom 2: velocity is not finite", "velocity message");
    free(buf);
    f.vel[4] = 0;
    full = fopen("/dev/full", "w");
    if (full) {
        setvbuf(full, NULL, _IONBF, 0);
        is_int(poscar_write_frame(full, &f, &err), CORE_EIO, "write error is CORE_EIO");
        fclose(full);
    }
    core_frame_resize(&f, 0, &err);
    f.has_cell = 1;
    f.cell[0] = f.cell[4] = f.cell[8] = 2;
    is_int(write_mem(&f, &buf, &err), CORE_EINPUT, "no atoms");
    free(buf);
    core_frame_release(&f);
}

int
main(void)
{
    struct core_err err = {0};
    core_species_map_parse("C,B", &cb, &err);
    test_errors_reader();
    test_read();
    test_once();
    test_round_trip();
    test_errors_writer();
    done_testing();
    return exit_status();
}
