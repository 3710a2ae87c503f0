/*
 * Unit tests of formats/extxyz: reading every mapped field, ASE's comment-line syntax, defaults,
 * many frames, pipes, exact write-read round trips of high-entropy values, the writer's text, and
 * every error path with its exact `name:line: what` message.
 */
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../formats/extxyz.h"
#include "../../formats/stream.h"
#include "../../lib/core/core.h"
#include "../tap.h"

/* Reads the first frame of text (stream name "t.xyz"). */
static int
read_text(const char *text, struct core_frame *f, int *got, struct core_err *err)
{
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    struct stream_in in;
    int rc;
    if (!fp)
        return CORE_EIO;
    stream_in_attach(&in, fp, "t.xyz");
    rc = extxyz_read_frame(&in, f, got, err);
    stream_in_close(&in);
    fclose(fp);
    return rc;
}

/* Reads all frames of text; returns the number read through *nframes and the status. */
static int
read_all(const char *text, struct core_frame *f, int *nframes, struct core_err *err)
{
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    struct stream_in in;
    int rc, got;
    *nframes = 0;
    if (!fp)
        return CORE_EIO;
    stream_in_attach(&in, fp, "t.xyz");
    while ((rc = extxyz_read_frame(&in, f, &got, err)) == 0 && got)
        (*nframes)++;
    stream_in_close(&in);
    fclose(fp);
    return rc;
}

/* Writes f into a malloc'd string (caller frees); returns the status. */
static int
write_text(const struct core_frame *f, char **text, struct core_err *err)
{
    size_t len;
    FILE *fp = open_memstream(text, &len);
    int rc;
    if (!fp)
        return CORE_EIO;
    rc = extxyz_write_frame(fp, f, err);
    fclose(fp);
    return rc;
}

/* The error of reading text must be CORE_EINPUT with exactly msg, and f must be released. */
static void
expect_error(const char *text, const char *msg)
{
    struct core_frame f;
    struct core_err err;
    int n, rc;
    core_frame_init(&f);
    core_err_clear(&err);
    rc = read_all(text, &f, &n, &err);
    is_int(rc, CORE_EINPUT, "error code for: %s", msg);
    is_str(err.msg, msg, "message: %s", msg);
    ok(f.natoms == 0 && !f.z && !f.pos && !f.info && !f.prop, "frame released after: %s", msg);
    core_frame_release(&f);
}

/* A full frame with high-entropy values in every mapped field. */
static const char *full =
    "  3  \n"
    "Lattice=\"5.4312345678901234 0.0123 -0.25 1.75 4.987654321 0.0 -0.5 0.375 "
    "13.999999999999998\" "
    "Properties=species:S:1:pos:R:3:forces:R:3:masses:R:1:momenta:R:3:tags:I:1:"
    "q:R:2:flag:L:2:lab:S:1:id:I:1 "
    "energy=-1234.5678901234567 free_energy=-1234.6 "
    "stress=\"0.11 0.21 0.31 0.12 0.22 0.32 0.13 0.23 0.33\" "
    "virial=\"1e-3 2e-3 3e-3 4e-3 5e-3 6e-3 7e-3 8e-3 9.5e-3\" "
    "pbc=\"T F T\" config_type=strain_x temperature=300.25\n"
    "Si  0.1 0.2 0.3  -1.5e-3 2.25 3.125  28.0855  1.5 -2.5 0.75  7  0.5 -0.5  T F  ab  11\n"
    "c\t4.0000000000000009 5 6\t0 0 0  12.011  0 0 0  -3  1e-310 2.5e+2  F True  c_d  -12\n"
    "B 7 8 9 1 2 3 10.81 3e-2 4e-2 5e-2 0 0 0 False F x 0\n";

static void
test_read_full(void)
{
    struct core_frame f;
    struct core_err err;
    int got = 0;
    const double t = UNITS_ASE_TIME_PS;
    const double cell[9] = {5.4312345678901234, 0.0123, -0.25, 1.75, 4.987654321, 0.0, -0.5, 0.375,
                            13.999999999999998};

    core_frame_init(&f);
    is_int(read_text(full, &f, &got, &err), 0, "full frame reads");
    is_int(got, 1, "got a frame");
    is_int((long)f.natoms, 3, "3 atoms");
    is_int(f.z[0], 14, "Si");
    is_int(f.z[1], 6, "lowercase c is C, as ASE capitalises");
    is_int(f.z[2], 5, "B");
    is_int(f.has_cell, 1, "has cell");
    for (int k = 0; k < 9; k++)
        ok(f.cell[k] == cell[k], "cell[%d] bitwise", k);
    ok(f.pbc[0] == 1 && f.pbc[1] == 0 && f.pbc[2] == 1, "pbc T F T");
    ok(f.pos[3] == 4.0000000000000009 && f.pos[4] == 5 && f.pos[8] == 9, "positions bitwise");
    ok(f.forces[0] == -1.5e-3 && f.forces[2] == 3.125 && f.forces[8] == 3, "forces");
    ok(f.mass[0] == 28.0855 && f.mass[2] == 10.81, "masses");
    is_int(f.tag[0], 7, "tag 0");
    is_int(f.tag[1], -3, "tag 1");
    is_rel(f.vel[0], 1.5 / (28.0855 * t), 1e-15, "momenta -> velocity (A/ps), x");
    is_rel(f.vel[1], -2.5 / (28.0855 * t), 1e-15, "momenta -> velocity, y");
    is_rel(f.vel[8], 5e-2 / (10.81 * t), 1e-15, "momenta -> velocity with masses column");
    is_rel(t, 1 / (1000 * 0.09822694788464063), 1e-15,
           "ASE time unit in ps is 1/(1000 ase.units.fs) (ASE 3.22: fs = 0.09822694788464063)");
    is_int(f.has_energy, 1, "has energy");
    ok(f.energy == -1234.5678901234567, "energy bitwise");
    ok(f.has_free_energy && f.free_energy == -1234.6, "free_energy");
    /* ASE reads 9 numbers in Fortran order: m[i][j] = v[i + 3j] */
    ok(f.has_stress && f.stress[0] == 0.11 && f.stress[1] == 0.12 && f.stress[2] == 0.13 &&
           f.stress[3] == 0.21 && f.stress[5] == 0.23 && f.stress[7] == 0.32,
       "stress in ASE's (Fortran) order");
    ok(f.has_virial && f.virial[1] == 4e-3 && f.virial[3] == 2e-3 && f.virial[8] == 9.5e-3,
       "virial in ASE's (Fortran) order");
    is_int((long)f.ninfo, 2, "two info keys");
    is_str(f.info[0].key, "config_type", "info key order");
    is_str(core_frame_info_get(&f, "config_type"), "strain_x", "config_type kept");
    is_str(core_frame_info_get(&f, "temperature"), "300.25", "number kept as text");
    is_int((long)f.nprop, 4, "four pass-through columns");
    is_str(f.prop[0].name, "q", "prop q");
    ok(f.prop[0].type == 'R' && f.prop[0].ncols == 2, "q is R:2");
    ok(f.prop[0].r[0] == 0.5 && f.prop[0].r[1] == -0.5 && f.prop[0].r[2] == 1e-310 &&
           f.prop[0].r[3] == 250,
       "q values, a subnormal included");
    ok(f.prop[1].type == 'L' && f.prop[1].i[0] == 1 && f.prop[1].i[1] == 0 && f.prop[1].i[2] == 0 &&
           f.prop[1].i[3] == 1 && f.prop[1].i[4] == 0,
       "flag L:2 (T, F, True, False)");
    is_str(f.prop[2].s + CORE_SLEN, "c_d", "S column");
    is_int(f.prop[3].i[1], -12, "I column");
    core_frame_release(&f);
}

static void
test_comment_syntax(void)
{
    struct core_frame f;
    struct core_err err;
    int got;
    const char *text =
        "1\n"
        "Lattice={3 0 0, 0 3 0, 0 0 3} a = 1 b= 2 c =3 bare 'single q'=x note=\"say \\\"hi\\\"\" "
        "br=[1, 2, 3] mixed=ab\"c d\"ef eq=x=y esc=a\\ b \"quoted key\"=v dup=1 dup=2 last\n"
        "H 0 0 0\n";

    core_frame_init(&f);
    is_int(read_text(text, &f, &got, &err), 0, "ASE comment syntax reads");
    ok(f.has_cell && f.cell[0] == 3 && f.cell[4] == 3 && f.cell[8] == 3, "brace array, commas");
    ok(f.pbc[0] && f.pbc[1] && f.pbc[2], "Lattice without pbc: T T T as ASE");
    is_str(core_frame_info_get(&f, "a"), "1", "key = value");
    is_str(core_frame_info_get(&f, "b"), "2", "key= value");
    is_str(core_frame_info_get(&f, "c"), "3", "key =value");
    is_str(core_frame_info_get(&f, "bare"), "T", "bare key is T");
    is_str(core_frame_info_get(&f, "last"), "T", "bare key at the end");
    is_str(core_frame_info_get(&f, "single q"), "x", "single-quoted key");
    is_str(core_frame_info_get(&f, "note"), "say \"hi\"", "escaped quotes");
    is_str(core_frame_info_get(&f, "br"), "1, 2, 3", "bracket array");
    is_str(core_frame_info_get(&f, "mixed"), "abc def", "quotes inside a word");
    is_str(core_frame_info_get(&f, "eq"), "x=y", "= inside a value");
    is_str(core_frame_info_get(&f, "esc"), "a b", "escaped blank");
    is_str(core_frame_info_get(&f, "quoted key"), "v", "quoted key");
    is_str(core_frame_info_get(&f, "dup"), "2", "last of a repeated key wins");
    ok(f.z[0] == 1 && f.pos[0] == 0, "default Properties species:S:1:pos:R:3");
    core_frame_release(&f);
}

static void
test_defaults_and_frames(void)
{
    struct core_frame f;
    struct core_err err;
    int n, got;
    const char *multi = "\n\n2\n\nH 0 0 0\nH 0 0 0.74\n"
                        "\n1\r\nProperties=Z:I:1:pos:R:3 pbc=\"T T T\"\r\n8 1 2 3\r\n"
                        "1\nLattice=\"2 0 0 0 2 0 0 0 2\" pbc=F stress=\"1 2 3 4 5 6\" "
                        "Properties=species:S:1:Z:I:1:pos:R:3:force:R:3\nAu 79 0 0 0 1 2 3\n"
                        "0\nProperties=species:R:1:pos:R:3 pbc=\"T T T\"\n"
                        "\n  \n\t\n";

    core_frame_init(&f);
    is_int(read_all(multi, &f, &n, &err), 0, "four frames with blank lines and CRLF");
    is_int(n, 4, "four frames");
    is_int(read_text(multi, &f, &got, &err), 0, "first frame");
    ok(!f.has_cell && !f.pbc[0] && !f.pbc[1] && !f.pbc[2], "no Lattice: no cell, pbc F F F");
    is_int((long)f.ninfo, 0, "empty comment: no keys");
    ok(!f.has_energy && !f.has_stress && !f.forces && !f.vel && !f.mass && !f.tag,
       "nothing optional");
    {
        FILE *fp = fmemopen((void *)multi, strlen(multi), "r");
        struct stream_in in;
        stream_in_attach(&in, fp, "t.xyz");
        extxyz_read_frame(&in, &f, &got, &err);
        extxyz_read_frame(&in, &f, &got, &err);
        is_int(f.z[0], 8, "Z column alone");
        ok(!f.has_cell && !f.pbc[0], "pbc without Lattice has no effect");
        extxyz_read_frame(&in, &f, &got, &err);
        is_int(f.z[0], 79, "species and Z agree");
        ok(f.pbc[0] == 0 && f.pbc[1] == 0 && f.pbc[2] == 0, "pbc=F: all three");
        ok(f.forces && f.forces[0] == 1 && f.forces[2] == 3, "force is forces");
        ok(f.stress[0] == 1 && f.stress[4] == 2 && f.stress[8] == 3 && f.stress[5] == 4 &&
               f.stress[7] == 4 && f.stress[2] == 5 && f.stress[6] == 5 && f.stress[1] == 6 &&
               f.stress[3] == 6,
           "Voigt stress xx yy zz yz xz xy");
        extxyz_read_frame(&in, &f, &got, &err);
        ok(got == 1 && f.natoms == 0, "frame without atoms (ASE writes species:R:1)");
        is_int(extxyz_read_frame(&in, &f, &got, &err), 0, "clean end");
        is_int(got, 0, "got 0 at the end");
        ok(f.natoms == 0 && !f.z, "frame released at the end");
        is_int(extxyz_read_frame(&in, &f, &got, &err), 0, "end again");
        is_int(got, 0, "still 0");
        stream_in_close(&in);
        fclose(fp);
    }
    is_int(read_all("", &f, &n, &err), 0, "empty input");
    is_int(n, 0, "no frames in empty input");
    core_frame_release(&f);
}

static void
test_pipe(void)
{
    const char *text = "1\nenergy=-1.5\nH 0 0 0\n2\n\nHe 1 1 1\nHe 2 2 2\n";
    struct core_frame f;
    struct core_err err;
    struct stream_in in;
    int fd[2], got, n = 0, rc;
    FILE *fp;

    core_frame_init(&f);
    if (pipe(fd) != 0 || write(fd[1], text, strlen(text)) != (ssize_t)strlen(text)) {
        ok(0, "pipe set-up");
        return;
    }
    close(fd[1]);
    fp = fdopen(fd[0], "r");
    stream_in_attach(&in, fp, "<pipe>");
    while ((rc = extxyz_read_frame(&in, &f, &got, &err)) == 0 && got)
        n++;
    is_int(rc, 0, "reads from a pipe");
    is_int(n, 2, "two frames from a pipe");
    is_int(f.natoms, 0, "released at the end");
    stream_in_close(&in);
    fclose(fp);
}

static void
test_real_format(void)
{
    char buf[EXTXYZ_REALLEN];
    struct core_rng rng;
    int bad = 0;

    extxyz_real_format(buf, 0.1);
    is_str(buf, "0.1", "0.1 shortest");
    extxyz_real_format(buf, 300);
    is_str(buf, "300.0", "integral values get .0");
    extxyz_real_format(buf, -0.0);
    is_str(buf, "-0.0", "negative zero");
    extxyz_real_format(buf, 1e-5);
    is_str(buf, "1e-05", "exponent");
    extxyz_real_format(buf, 1.0 / 3.0);
    is_str(buf, "0.3333333333333333", "16 digits when 16 suffice");
    extxyz_real_format(buf, 5e-324);
    ok(strtod(buf, NULL) == 5e-324, "smallest subnormal round trips (%s)", buf);
    extxyz_real_format(buf, -1.7976931348623157e308);
    ok(strtod(buf, NULL) == -1.7976931348623157e308, "largest double round trips (%s)", buf);
    core_rng_init(&rng, 20240611, 1, 0, 0);
    for (int k = 0; k < 200000; k++) {
        uint64_t u = core_rng_next(&rng);
        double v;
        memcpy(&v, &u, sizeof v);
        if (!isfinite(v))
            continue;
        extxyz_real_format(buf, v);
        if (strtod(buf, NULL) != v || strlen(buf) >= EXTXYZ_REALLEN)
            bad++;
    }
    is_int(bad, 0, "200000 random bit patterns round trip exactly");
}

/* A frame with every field set to high-entropy values. */
static void
make_frame(struct core_frame *f, size_t natoms, uint64_t seed)
{
    struct core_rng rng;
    struct core_err err;
    size_t ip;

    core_rng_init(&rng, seed, 2, 0, 0);
    core_frame_resize(f, natoms, &err);
    core_frame_want(f, "forces", &err);
    core_frame_want(f, "vel", &err);
    core_frame_want(f, "mass", &err);
    core_frame_want(f, "tag", &err);
    for (size_t i = 0; i < natoms; i++) {
        f->z[i] = 1 + (int)(core_rng_next(&rng) % CORE_ZMAX);
        for (int k = 0; k < 3; k++) {
            f->pos[3 * i + k] = 40 * core_rng_uniform(&rng) - 20;
            f->forces[3 * i + k] = core_rng_gauss(&rng) * pow(10, (double)(i % 7) - 3);
            f->vel[3 * i + k] = core_rng_gauss(&rng) * 10;
        }
        f->mass[i] = 0.5 + 300 * core_rng_uniform(&rng);
        f->tag[i] = (long)(core_rng_next(&rng) >> 1) * (i % 2 ? -1 : 1);
    }
    f->pos[0] = 1e-300;
    if (natoms > 1)
        f->pos[1] = -0.0;
    for (int k = 0; k < 9; k++) {
        f->cell[k] = (k % 4 == 0 ? 10 : 0) + core_rng_uniform(&rng);
        f->stress[k] = core_rng_gauss(&rng) * 1e-3;
        f->virial[k] = core_rng_gauss(&rng) * 10;
    }
    f->has_cell = f->has_stress = f->has_virial = 1;
    f->pbc[0] = 1;
    f->pbc[2] = 1;
    f->has_energy = f->has_free_energy = 1;
    f->energy = -1e3 * core_rng_uniform(&rng);
    f->free_energy = f->energy - core_rng_uniform(&rng);
    core_frame_info_set(f, "config_type", "md_1500K", &err);
    core_frame_info_set(f, "note", "spaces, \"quotes\", {braces}, back\\slash and = sign", &err);
    core_frame_info_set(f, "weird key", "", &err);
    core_frame_prop_add(f, "charges", 'R', 1, &ip, &err);
    for (size_t i = 0; i < natoms; i++)
        f->prop[ip].r[i] = core_rng_gauss(&rng);
    core_frame_prop_add(f, "nbr", 'I', 4, &ip, &err);
    for (size_t i = 0; i < 4 * natoms; i++)
        f->prop[ip].i[i] = (long)(core_rng_next(&rng) % 1000) - 500;
    core_frame_prop_add(f, "fix", 'L', 3, &ip, &err);
    for (size_t i = 0; i < 3 * natoms; i++)
        f->prop[ip].i[i] = (long)(core_rng_next(&rng) % 2);
    core_frame_prop_add(f, "label", 'S', 1, &ip, &err);
    for (size_t i = 0; i < natoms; i++)
        snprintf(f->prop[ip].s + i * CORE_SLEN, CORE_SLEN, "site_%zu", i * 37 % 101);
}

/* Equal optional arrays: both absent, or both present with the same bytes. */
static int
same_bytes(const void *a, const void *b, size_t size)
{
    if (!a || !b)
        return a == b;
    return memcmp(a, b, size) == 0;
}

static int
frames_equal(const struct core_frame *a, const struct core_frame *b)
{
    size_t n = a->natoms;
    if (n != b->natoms || !same_bytes(a->z, b->z, n * sizeof *a->z) ||
        !same_bytes(a->pos, b->pos, 3 * n * sizeof(double)) ||
        !same_bytes(a->forces, b->forces, 3 * n * sizeof(double)) ||
        !same_bytes(a->mass, b->mass, n * sizeof(double)) ||
        !same_bytes(a->tag, b->tag, n * sizeof(long)) || !a->vel != !b->vel)
        return 0;
    if (a->has_cell != b->has_cell || memcmp(a->cell, b->cell, sizeof a->cell) ||
        memcmp(a->pbc, b->pbc, sizeof a->pbc) || a->energy != b->energy ||
        a->free_energy != b->free_energy || memcmp(a->stress, b->stress, sizeof a->stress) ||
        memcmp(a->virial, b->virial, sizeof a->virial))
        return 0;
    if (a->ninfo != b->ninfo || a->nprop != b->nprop)
        return 0;
    for (size_t k = 0; k < a->ninfo; k++)
        if (strcmp(a->info[k].key, b->info[k].key) || strcmp(a->info[k].value, b->info[k].value))
            return 0;
    for (size_t k = 0; k < a->nprop; k++) {
        const struct core_prop *p = &a->prop[k], *q = &b->prop[k];
        size_t cells = n * (size_t)p->ncols;
        if (strcmp(p->name, q->name) || p->type != q->type || p->ncols != q->ncols)
            return 0;
        if ((p->r && memcmp(p->r, q->r, cells * sizeof(double))) ||
            (p->i && memcmp(p->i, q->i, cells * sizeof(long))))
            return 0;
        for (size_t c = 0; p->s && c < cells; c++)
            if (strcmp(p->s + c * CORE_SLEN, q->s + c * CORE_SLEN))
                return 0;
    }
    return 1;
}

static void
test_roundtrip(void)
{
    struct core_frame a, b;
    struct core_err err;
    char *t1 = NULL, *t2 = NULL;
    int got = 0;
    double maxrel = 0, diag_exact;
    size_t nexact = 0;

    core_frame_init(&a);
    core_frame_init(&b);
    make_frame(&a, 257, 99);
    is_int(write_text(&a, &t1, &err), 0, "write a high-entropy frame");
    is_int(read_text(t1, &b, &got, &err), 0, "read it back");
    ok(frames_equal(&a, &b), "every field bitwise equal after write+read (velocities aside)");
    for (size_t k = 0; k < 3 * a.natoms; k++) {
        maxrel = fmax(maxrel, fabs(b.vel[k] - a.vel[k]) / fabs(a.vel[k]));
        nexact += b.vel[k] == a.vel[k];
    }
    ok(maxrel <= 2.3e-16, "velocities through momenta within one rounding (max rel %.3g)", maxrel);
    diag_exact = (double)nexact / (double)(3 * a.natoms);
    /* about 10% of random velocities have no double momentum that divides back to them */
    ok(diag_exact > 0.85, "velocities through momenta bitwise for %.4f of them", diag_exact);
    is_int(write_text(&b, &t2, &err), 0, "write again");
    is_str(t2, t1, "second write is identical text");
    core_frame_release(&a);
    core_frame_release(&b);
    free(t1);
    free(t2);
}

/* What the reader accepts, the writer writes back so that it reads the same. */
static void
test_odd_text(void)
{
    const char *text = "1\n\"tab\tkey\"=\"x\ty\" empty=\"\" q=\"it's \\\\ \\\"so\\\"\" "
                       "Properties=species:S:1:pos:R:3:lab:S:1\n"
                       "H 0 0 0 a\"b{c}='d'\\\n";
    struct core_frame a, b;
    struct core_err err;
    char *t = NULL;
    int got;

    core_frame_init(&a);
    core_frame_init(&b);
    is_int(read_text(text, &a, &got, &err), 0, "odd but legal text reads");
    is_str(core_frame_info_get(&a, "tab\tkey"), "x\ty", "tab in a quoted key and value");
    is_str(core_frame_info_get(&a, "empty"), "", "empty quoted value");
    is_str(core_frame_info_get(&a, "q"), "it's \\ \"so\"", "quote, backslash and escapes");
    is_str(a.prop[0].s, "a\"b{c}='d'\\", "string cell with quotes and braces");
    is_int(write_text(&a, &t, &err), 0, "and writes");
    is_int(read_text(t, &b, &got, &err), 0, "and reads back");
    ok(frames_equal(&a, &b), "the same frame");
    free(t);
    core_frame_release(&a);
    core_frame_release(&b);
}

static void
test_write_text(void)
{
    struct core_frame f;
    struct core_err err;
    char *t = NULL;
    size_t ip;

    core_frame_init(&f);
    core_frame_resize(&f, 2, &err);
    f.z[0] = 6;
    f.z[1] = 14;
    f.pos[1] = 0.5;
    f.pos[5] = -1.25;
    f.has_cell = 1;
    f.cell[0] = f.cell[4] = 2.5;
    f.cell[8] = 20;
    f.cell[3] = 1.25;
    f.pbc[0] = f.pbc[1] = 1;
    f.has_energy = 1;
    f.energy = -10;
    f.has_stress = 1;
    f.stress[1] = 0.5; /* m[0][1], non-symmetric: written in ASE's Fortran order, 4th number */
    core_frame_info_set(&f, "config_type", "sheet", &err);
    core_frame_info_set(&f, "note", "a \"b\"", &err);
    core_frame_prop_add(&f, "lab", 'S', 1, &ip, &err);
    strcpy(f.prop[ip].s, "long_label");
    strcpy(f.prop[ip].s + CORE_SLEN, "x");
    core_frame_prop_add(&f, "on", 'L', 1, &ip, &err);
    f.prop[ip].i[1] = 1;
    is_int(write_text(&f, &t, &err), 0, "write a small frame");
    is_str(t,
           "2\n"
           "Lattice=\"2.5 0.0 0.0 1.25 2.5 0.0 0.0 0.0 20.0\" "
           "Properties=species:S:1:pos:R:3:lab:S:1:on:L:1 energy=-10.0 "
           "stress=\"0.0 0.0 0.0 0.5 0.0 0.0 0.0 0.0 0.0\" pbc=\"T T F\" config_type=sheet "
           "note=\"a \\\"b\\\"\"\n"
           "C                   0.0                  0.5                  0.0 long_label F\n"
           "Si                  0.0                  0.0                -1.25 x          T\n",
           "exact text of a small frame");
    free(t);
    t = NULL;
    f.stress[1] = 0;
    f.stress[3] = 0.5;
    write_text(&f, &t, &err);
    ok(strstr(t, "stress=\"0.0 0.5 0.0 0.0 0.0 0.0 0.0 0.0 0.0\"") != NULL,
       "m[1][0] is the second number (Fortran order)");
    free(t);
    t = NULL;
    f.has_cell = 0;
    write_text(&f, &t, &err);
    ok(strncmp(t, "2\nProperties=", 13) == 0 && strstr(t, "pbc=\"F F F\""),
       "no cell: no Lattice, pbc F F F (as ASE)");
    free(t);
    core_frame_release(&f);
}

/* Writing a rejected frame must fail with code and write nothing. */
static void
expect_write_error(const struct core_frame *f, int code, const char *msg)
{
    struct core_err err;
    char *t = NULL;
    core_err_clear(&err);
    is_int(write_text(f, &t, &err), code, "write rejected: %s", msg);
    is_str(err.msg, msg, "write message: %s", msg);
    ok(t && t[0] == '\0', "nothing written: %s", msg);
    free(t);
}

static void
test_write_errors(void)
{
    struct core_frame f;
    struct core_err err;
    size_t ip;
    FILE *full_dev;

    core_frame_init(&f);
    make_frame(&f, 4, 7);
    f.z[2] = 0;
    expect_write_error(&f, CORE_EINPUT, "extxyz: atom 3: atomic number 0 not in 1..118");
    f.z[2] = 6;
    f.pos[4] = NAN;
    expect_write_error(&f, CORE_EINPUT, "extxyz: atom 2: position is NaN or Inf");
    f.pos[4] = 0;
    f.forces[11] = INFINITY;
    expect_write_error(&f, CORE_EINPUT, "extxyz: atom 4: force is NaN or Inf");
    f.forces[11] = 0;
    f.vel[0] = NAN;
    expect_write_error(&f, CORE_EINPUT, "extxyz: atom 1: velocity is NaN or Inf");
    f.vel[0] = 0;
    f.mass[1] = 0;
    expect_write_error(&f, CORE_EINPUT, "extxyz: atom 2: mass 0 is not positive");
    f.mass[1] = 1;
    f.stress[4] = NAN;
    expect_write_error(&f, CORE_EINPUT, "extxyz: NaN or Inf in the cell, energy, stress or virial");
    f.stress[4] = 0;
    f.energy = INFINITY;
    expect_write_error(&f, CORE_EINPUT, "extxyz: NaN or Inf in the cell, energy, stress or virial");
    f.energy = 0;
    f.prop[0].r[3] = NAN;
    expect_write_error(&f, CORE_EINPUT, "extxyz: atom 4: charges is NaN or Inf");
    f.prop[0].r[3] = 0;
    strcpy(f.prop[3].s + CORE_SLEN, "two words");
    expect_write_error(&f, CORE_EINPUT,
                       "extxyz: atom 2: label: string cannot be written as a column");
    f.prop[3].s[CORE_SLEN] = '\0';
    expect_write_error(&f, CORE_EINPUT,
                       "extxyz: atom 2: label: string cannot be written as a column");
    strcpy(f.prop[3].s + CORE_SLEN, "ok");
    core_frame_info_set(&f, "energy", "1.0", &err);
    expect_write_error(&f, CORE_EINPUT,
                       "extxyz: info key 'energy' is reserved for the frame's own field");
    core_frame_info_del(&f, "energy");
    core_frame_info_set(&f, "bad", "line\nbreak", &err);
    expect_write_error(&f, CORE_EINPUT,
                       "extxyz: info key 'bad' has several lines (a repeated .cfg Feature?); "
                       "one comment line cannot hold them");
    core_frame_info_del(&f, "bad");
    core_frame_prop_add(&f, "a:b", 'R', 1, &ip, &err);
    expect_write_error(&f, CORE_EINPUT, "extxyz: property name 'a:b' cannot be written");
    strcpy(f.prop[ip].name, "pos");
    expect_write_error(&f, CORE_EINPUT,
                       "extxyz: property 'pos' clashes with the column of that name");
    strcpy(f.prop[ip].name, "label");
    expect_write_error(&f, CORE_EINPUT, "extxyz: property 'label' given twice");
    strcpy(f.prop[ip].name, "extra");
    {
        char *t = NULL;
        is_int(write_text(&f, &t, &err), 0, "the repaired frame writes");
        free(t);
    }
    full_dev = fopen("/dev/full", "w");
    if (full_dev) {
        setvbuf(full_dev, NULL, _IONBF, 0);
        is_int(extxyz_write_frame(full_dev, &f, &err), CORE_EIO, "write error is CORE_EIO");
        ok(strncmp(err.msg, "extxyz: write error: ", 21) == 0, "write error message: %s", err.msg);
        fclose(full_dev);
    }
    core_frame_release(&f);
}

static void
test_read_errors(void)
{
    const char *h = "Properties=species:S:1:pos:R:3";
    char buf[512];

    /* the count line */
    expect_error("abc\n\nH 0 0 0\n", "t.xyz:1: expected an atom count, got 'abc'");
    expect_error("\n\n3 atoms\n", "t.xyz:3: expected an atom count, got '3 atoms'");
    expect_error("1.5\n", "t.xyz:1: expected an atom count, got '1.5'");
    expect_error("-2\n\n", "t.xyz:1: negative atom count -2");
    expect_error("-99999999999999999999\n\n", "t.xyz:1: negative atom count -99999999999999999999");
    expect_error("2000000000\n\n", "t.xyz:1: atom count 2000000000 exceeds the limit 1000000000");
    expect_error("99999999999999999999\n\n",
                 "t.xyz:1: atom count 99999999999999999999 exceeds the limit 1000000000");
    /* truncation */
    expect_error("1\n", "t.xyz:1: truncated frame: expected a comment line after the count");
    expect_error("3\n\nH 0 0 0\nH 1 1 1\n", "t.xyz:4: truncated frame: expected 3 atoms, got 2");
    expect_error("1\n\nH 0 0 0\n2\n\nH 0 0 0\n",
                 "t.xyz:6: truncated frame: expected 2 atoms, got 1");
    /* atom lines */
    expect_error("2\n\nH 0 0 0\nH 1 1\n", "t.xyz:4: expected 4 columns, got 3");
    expect_error("1\n\nH 0 0 0 0\n", "t.xyz:3: expected 4 columns, got 5");
    expect_error("2\n\nH 0 0 0\n\n", "t.xyz:4: expected 4 columns, got 0");
    expect_error("1\n\nXx 0 0 0\n", "t.xyz:3: unknown element 'Xx'");
    expect_error("1\n\nX 0 0 0\n", "t.xyz:3: unknown element 'X'");
    expect_error("2\n\nH 0 0 0\nHe1 0 0 0\n", "t.xyz:4: unknown element 'He1'");
    expect_error("1\n\nH nan 0 0\n", "t.xyz:3: pos: 'nan' is not a finite number");
    expect_error("1\n\nH 0 -inf 0\n", "t.xyz:3: pos: '-inf' is not a finite number");
    expect_error("1\n\nH 0 0 1e999\n", "t.xyz:3: pos: '1e999' is not a finite number");
    expect_error("1\n\nH 0 0 0x1p3\n", "t.xyz:3: pos: '0x1p3' is not a finite number");
    expect_error("1\n\nH 0 0 1.0d0\n", "t.xyz:3: pos: '1.0d0' is not a finite number");
    expect_error("1\n\nH 0 0 -\n", "t.xyz:3: pos: '-' is not a finite number");
    expect_error("1\nProperties=species:S:1:pos:R:3:forces:R:3\nH 0 0 0 1 NaN 3\n",
                 "t.xyz:3: forces: 'NaN' is not a finite number");
    expect_error("1\nProperties=species:S:1:pos:R:3:masses:R:1\nH 0 0 0 0\n",
                 "t.xyz:3: masses: '0' is not a positive mass");
    expect_error("1\nProperties=species:S:1:pos:R:3:masses:R:1\nH 0 0 0 -1.008\n",
                 "t.xyz:3: masses: '-1.008' is not a positive mass");
    expect_error("1\nProperties=species:S:1:pos:R:3:tags:I:1\nH 0 0 0 1.5\n",
                 "t.xyz:3: tags: '1.5' is not an integer");
    expect_error("1\nProperties=species:S:1:pos:R:3:tags:I:1\nH 0 0 0 99999999999999999999\n",
                 "t.xyz:3: tags: '99999999999999999999' is not an integer");
    expect_error("1\nProperties=Z:I:1:pos:R:3\n0 0 0 0\n",
                 "t.xyz:3: Z: '0' is not an atomic number (1..118)");
    expect_error("1\nProperties=Z:I:1:pos:R:3\n119 0 0 0\n",
                 "t.xyz:3: Z: '119' is not an atomic number (1..118)");
    expect_error("1\nProperties=species:S:1:pos:R:3:Z:I:1\nC 0 0 0 5\n",
                 "t.xyz:3: species C and Z 5 disagree");
    expect_error("1\nProperties=species:S:1:pos:R:3:on:L:1\nH 0 0 0 yes\n",
                 "t.xyz:3: on: 'yes' is not a logical (T or F)");
    expect_error("1\nProperties=species:S:1:pos:R:3:q:R:1\nH 0 0 0 inf\n",
                 "t.xyz:3: q: 'inf' is not a finite number");
    expect_error("1\nProperties=species:S:1:pos:R:3:n:I:2\nH 0 0 0 1 x\n",
                 "t.xyz:3: n: 'x' is not an integer");
    expect_error("1\nProperties=species:S:1:pos:R:3:s:S:1\nH 0 0 0 "
                 "abcdefghijklmnopqrstuvwxyz0123456789\n",
                 "t.xyz:3: s: 'abcdefghijklmnopqrst...' is longer than 31 characters");
    /* Lattice */
    expect_error("1\nLattice=\"1 0 0 0 1 0 0 0\"\nH 0 0 0\n",
                 "t.xyz:2: Lattice: expected 9 numbers, got 8");
    expect_error("1\nLattice=\"1 0 0 0 1 0 0 0 1 0\"\nH 0 0 0\n",
                 "t.xyz:2: Lattice: expected 9 numbers, got 10");
    expect_error("1\nLattice=\"1 0 0 0 1 0 0 0 nan\"\nH 0 0 0\n",
                 "t.xyz:2: Lattice: 'nan' is not a finite number");
    expect_error("1\nLattice=\"1 0 0 0 1 0 0 0 Inf\"\nH 0 0 0\n",
                 "t.xyz:2: Lattice: 'Inf' is not a finite number");
    expect_error("1\nLattice=\"1 0 0 2 0 0 0 0 1\"\nH 0 0 0\n",
                 "t.xyz:2: Lattice: singular cell (volume 0 A^3)");
    expect_error("1\nLattice\nH 0 0 0\n", "t.xyz:2: Lattice: 'T' is not a finite number");
    /* Properties */
    snprintf(buf, sizeof buf, "1\n%s:forces:R\nH 0 0 0\n", h);
    expect_error(buf, "t.xyz:2: Properties: expected name:type:columns triplets, got "
                      "'species:S:1:pos:R:3:forces:R'");
    expect_error("1\nProperties=species:S:1:pos:X:3\nH 0 0 0\n",
                 "t.xyz:2: Properties: 'pos' has type 'X', not S, R, I or L");
    expect_error("1\nProperties=species:S:1:pos:R:0\nH 0 0 0\n",
                 "t.xyz:2: Properties: 'pos' has a bad column count '0'");
    expect_error("1\nProperties=species:S:1:pos:R:three\nH 0 0 0\n",
                 "t.xyz:2: Properties: 'pos' has a bad column count 'three'");
    expect_error("1\nProperties=species:S:1:pos:R:3:q:R:-1\nH 0 0 0\n",
                 "t.xyz:2: Properties: 'q' has a bad column count '-1'");
    expect_error("1\nProperties=species:S:1:pos:R:2\nH 0 0\n",
                 "t.xyz:2: Properties: 'pos' must be R:3");
    expect_error("1\nProperties=species:S:1:pos:R:3:forces:I:3\nH 0 0 0 0 0 0\n",
                 "t.xyz:2: Properties: 'forces' must be R:3");
    expect_error("1\nProperties=species:S:1:pos:R:3:forces:R:3:force:R:3\nH 0 0 0 0 0 0 0 0 0\n",
                 "t.xyz:2: Properties: 'force' given twice");
    expect_error("1\nProperties=species:S:1:pos:R:3:q:R:1:q:I:1\nH 0 0 0 0 0\n",
                 "t.xyz:2: Properties: 'q' given twice");
    expect_error("1\nProperties=species:S:1:forces:R:3\nH 0 0 0\n",
                 "t.xyz:2: Properties: no pos column in 'species:S:1:forces:R:3'");
    expect_error("1\nProperties=pos:R:3\n0 0 0\n",
                 "t.xyz:2: Properties: no species or Z column in 'pos:R:3'");
    expect_error("1\nProperties=\nH 0 0 0\n",
                 "t.xyz:2: Properties: expected name:type:columns triplets, got '(empty)'");
    expect_error("1\nProperties=species:S:1:pos:R:3::R:1\nH 0 0 0 0\n",
                 "t.xyz:2: Properties: bad column name ''");
    expect_error("1\nProperties=\"species:S:1:pos:R:3:a b:R:1\"\nH 0 0 0 0\n",
                 "t.xyz:2: Properties: bad column name 'a b'");
    expect_error("1\nProperties=species:S:1:pos:R:3:a\\{b:R:1\nH 0 0 0 0\n",
                 "t.xyz:2: Properties: bad column name 'a{b'");
    expect_error("1\nProperties=species:S:1:pos:R:3:a\\=b:R:1\nH 0 0 0 0\n",
                 "t.xyz:2: Properties: bad column name 'a=b'");
    /* energy, stress, virial */
    expect_error("1\nenergy=nan\nH 0 0 0\n", "t.xyz:2: energy: 'nan' is not a finite number");
    expect_error("1\nenergy=\"1 2\"\nH 0 0 0\n", "t.xyz:2: energy: expected 1 number, got 2");
    expect_error("1\nfree_energy=abc\nH 0 0 0\n",
                 "t.xyz:2: free_energy: 'abc' is not a finite number");
    expect_error("1\nstress=\"1 2 3 4\"\nH 0 0 0\n",
                 "t.xyz:2: stress: expected 6 or 9 numbers, got 4");
    expect_error("1\nstress=\"1 2 3 4 5 6 7 8 9 10\"\nH 0 0 0\n",
                 "t.xyz:2: stress: expected 6 or 9 numbers, got 10");
    expect_error("1\nstress=\"1 2 3 4 5 inf\"\nH 0 0 0\n",
                 "t.xyz:2: stress: 'inf' is not a finite number");
    expect_error("1\nvirial=\"1 2 3 4 5 6 7 8\"\nH 0 0 0\n",
                 "t.xyz:2: virial: expected 6 or 9 numbers, got 8");
    /* quoting and keys */
    expect_error("1\nnote=\"abc def\nH 0 0 0\n",
                 "t.xyz:2: unterminated quote \" in the comment line");
    expect_error("1\nLattice={1 0 0 0 1 0 0 0 1\nH 0 0 0\n",
                 "t.xyz:2: unterminated quote { in the comment line");
    expect_error("1\nnote='it\nH 0 0 0\n", "t.xyz:2: unterminated quote ' in the comment line");
    expect_error("1\na=1 =2\nH 0 0 0\n", "t.xyz:2: '=' without a key before it");
    expect_error("1\n\"\"=2\nH 0 0 0\n", "t.xyz:2: empty key");
    expect_error("1\nk234567890123456789012345678901234567890123456789012345678901234=1\nH 0 0 0\n",
                 "t.xyz:2: key 'k2345678901234567890...' longer than 63 characters");
    /* pbc */
    expect_error("1\nLattice=\"1 0 0 0 1 0 0 0 1\" pbc=\"T T\"\nH 0 0 0\n",
                 "t.xyz:2: pbc: expected 3 of T/F, got 'T T'");
    expect_error("1\npbc=\"T T T T\"\nH 0 0 0\n", "t.xyz:2: pbc: expected 3 of T/F, got 'T T T T'");
    expect_error("1\npbc=\"1 1 0\"\nH 0 0 0\n", "t.xyz:2: pbc: expected 3 of T/F, got '1 1 0'");
    expect_error("1\npbc=\"\"\nH 0 0 0\n", "t.xyz:2: pbc: expected 3 of T/F, got ''");
}

static void
test_probe(void)
{
    ok(extxyz_probe("42"), "probe: count");
    ok(extxyz_probe("  7 \t"), "probe: count with blanks");
    ok(!extxyz_probe("BEGIN_CFG"), "probe: not a count");
    ok(!extxyz_probe("-1"), "probe: negative");
    ok(!extxyz_probe("3 atoms"), "probe: trailing words");
    ok(!extxyz_probe(NULL), "probe: NULL");
}

int
main(void)
{
    test_read_full();
    test_comment_syntax();
    test_defaults_and_frames();
    test_pipe();
    test_real_format();
    test_roundtrip();
    test_odd_text();
    test_write_text();
    test_write_errors();
    test_read_errors();
    test_probe();
    done_testing();
    return exit_status();
}
