/*
 * material_test: fe-solve's material file. Exact values (high-entropy numbers, units, inf),
 * layout freedom (comments, blanks, CRLF, names with blanks and dots), the accessors, reading
 * again into one struct, locale independence, and every error path of the reader with its
 * `name:line: what` message; the cohesive interface keys (units, values, errors).
 */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../formats/material.h"
#include "../tap.h"

/* Reads len bytes of text as "m.txt"; returns the status. */
static int
read_bytes(const char *text, size_t len, struct material_file *mf, struct core_err *err)
{
    struct stream_in in;
    FILE *fp = fmemopen((void *)text, len, "r");
    int rc;

    if (!fp)
        return -1;
    stream_in_attach(&in, fp, "m.txt");
    rc = material_read(&in, mf, err);
    stream_in_close(&in);
    fclose(fp);
    return rc;
}

static int
read_text(const char *text, struct material_file *mf, struct core_err *err)
{
    return read_bytes(text, strlen(text), mf, err);
}

/* The text must fail with CORE_EINPUT and exactly the message want; mf is left empty. */
static void
fails(const char *text, const char *want)
{
    struct material_file mf;
    struct core_err err = {0, ""};
    int rc;

    material_file_init(&mf);
    rc = read_text(text, &mf, &err);
    is_int(rc, CORE_EINPUT, "error code for '%s'", want);
    is_str(err.msg, want, "message");
    ok(mf.n == 0 && mf.e == NULL, "nothing kept after '%s'", want);
    is_str(mf.file, "m.txt", "the file name is kept");
    material_file_release(&mf);
}

static void
test_values(void)
{
    struct material_file mf;
    struct core_err err = {0, ""};
    const struct material_entry *e;
    const char *text =
        "# materials of a graphene/borophene sheet\n"
        "\n"
        "thickness = 3.35A\n"
        "  borophene.k\t=  76.123456789012345, 147.98765432109876 ,-1.25e-3  # tensor\n"
        "graphene.k = 6.0221407599999999e-123\r\n"
        "hex BN.k=31.415926535897931\n"
        "boro.phene/graphene.G = 5.0000000000000001e9\n"
        "a/b.G = inf\n"
        "c/d.G = infinity\n"
        "e/f.G = 0\n"
        "g/h.R = 1.7976931348623157e308\n"
        "left.T = 0\n"
        "right.T = 300.15\n"
        "top.q = -1e8\n"
        "graphene.thickness = 0.335nm\n"
        "hex BN.thickness = 3.3\n"
        "   \t  \n"
        "#\n";

    material_file_init(&mf);
    is_int(read_text(text, &mf, &err), 0, "a full file reads (%s)", err.msg);
    is_int((long)mf.n, 14, "14 entries");
    is_str(mf.file, "m.txt", "the stream's name");
    e = material_get(&mf, "", MATERIAL_THICKNESS);
    ok(e && fabs(e->v[0] - 3.35e-10) < 1e-25 && e->line == 3 && e->nv == 1,
       "global thickness in m, line 3");
    e = material_get(&mf, "borophene", MATERIAL_K);
    ok(e && e->nv == 3 && e->v[0] == 76.123456789012345 && e->v[1] == 147.98765432109876 &&
           e->v[2] == -1.25e-3 && e->line == 4,
       "an anisotropic k, exactly");
    e = material_get(&mf, "graphene", MATERIAL_K);
    ok(e && e->nv == 1 && e->v[0] == 6.0221407599999999e-123 && e->v[1] == e->v[0] && e->v[2] == 0,
       "an isotropic k: k, k, 0; CRLF");
    e = material_get(&mf, "hex BN", MATERIAL_K);
    ok(e && e->v[0] == 31.415926535897931, "a name with a blank, no blanks around =");
    e = material_get(&mf, "boro.phene/graphene", MATERIAL_G);
    ok(e && e->v[0] == 5.0000000000000001e9, "a name with a dot: the property follows the last");
    e = material_get(&mf, "a/b", MATERIAL_G);
    ok(e && e->v[0] == HUGE_VAL, "G = inf");
    e = material_get(&mf, "c/d", MATERIAL_G);
    ok(e && e->v[0] == HUGE_VAL, "G = infinity");
    e = material_get(&mf, "e/f", MATERIAL_G);
    ok(e && e->v[0] == 0, "G = 0 is allowed");
    e = material_get(&mf, "g/h", MATERIAL_R);
    ok(e && e->v[0] == 1.7976931348623157e308, "R, the largest double");
    ok(material_get(&mf, "g/h", MATERIAL_G) == NULL, "R is not G");
    e = material_get(&mf, "right", MATERIAL_T);
    ok(e && e->v[0] == 300.15 && e->line == 13, "T");
    e = material_get(&mf, "top", MATERIAL_Q);
    ok(e && e->v[0] == -1e8, "q may be negative");
    e = material_get(&mf, "graphene", MATERIAL_THICKNESS);
    is_rel(e ? e->v[0] : 0, 3.35e-10, 1e-15, "a phase thickness in nm");
    e = material_get(&mf, "hex BN", MATERIAL_THICKNESS);
    is_rel(e ? e->v[0] : 0, 3.3e-10, 1e-15, "a bare thickness is in Angstrom");
    ok(material_get(&mf, "nothere", MATERIAL_K) == NULL, "no such group: NULL");
    ok(material_get(&mf, "", MATERIAL_K) == NULL, "no global k: NULL");
    ok(mf.n == 14 && mf.e[0].prop == MATERIAL_THICKNESS && mf.e[13].prop == MATERIAL_THICKNESS,
       "entries in the order of the file");

    /* reading again replaces the entries */
    is_int(read_text("x.k = 7\n", &mf, &err), 0, "read into the same struct again");
    ok(mf.n == 1 && mf.e[0].v[0] == 7 && mf.e[0].line == 1, "only the new entry is kept");
    is_int(read_text("", &mf, &err), 0, "an empty file reads");
    is_int((long)mf.n, 0, "and has no entries");
    is_int(read_text("# only a comment\n\n", &mf, &err), 0, "a file of comments reads");
    is_int((long)mf.n, 0, "and has no entries");
    is_int(read_text("x.k = 7", &mf, &err), 0, "no newline at the end");
    is_int((long)mf.n, 1, "one entry");
    material_file_release(&mf);
    material_file_release(&mf);
    ok(mf.n == 0 && mf.e == NULL, "release twice is harmless");
}

static void
test_elastic(void)
{
    struct material_file mf;
    struct core_err err = {0, ""};
    const struct material_entry *e;
    const char *text = "graphene.E = 1021.7346789012345\n"
                       "graphene.nu = 0.16512345678901234\n"
                       "borophene.C = 398.25, 167.5, -2.125, 41.0625 N/m  # 2D moduli\n"
                       "hbn.E = 275.8GPa\n"
                       "hbn.nu = -0.25\n"
                       "x.C = 200, 100, 30, 50, 7.5, -2.5GPa\n"
                       "y.E = 340N/m\n"
                       "graphene.curve = ../md/graphene tension.tsv  # md-run\n";
    material_file_init(&mf);
    is_int(read_text(text, &mf, &err), 0, "elastic keys read (%s)", err.msg);
    e = material_get(&mf, "graphene", MATERIAL_E);
    ok(e && e->v[0] == 1021.7346789012345e9 && !e->per2d && e->nv == 1, "E in GPa, stored in Pa");
    e = material_get(&mf, "graphene", MATERIAL_NU);
    ok(e && e->v[0] == 0.16512345678901234, "nu exactly");
    e = material_get(&mf, "borophene", MATERIAL_C);
    ok(e && e->per2d && e->nv == 4 && e->v[0] == 398.25 && e->v[1] == 167.5 && e->v[2] == -2.125 &&
           e->v[3] == 41.0625 && e->v[4] == 0 && e->v[5] == 0,
       "C in N/m, orthotropic: C16 = C26 = 0");
    e = material_get(&mf, "hbn", MATERIAL_E);
    ok(e && e->v[0] == 275.8e9 && !e->per2d, "E with GPa");
    e = material_get(&mf, "hbn", MATERIAL_NU);
    ok(e && e->v[0] == -0.25, "a negative nu (auxetic)");
    e = material_get(&mf, "x", MATERIAL_C);
    ok(e && e->nv == 6 && e->v[0] == 200e9 && e->v[4] == 7.5e9 && e->v[5] == -2.5e9 && !e->per2d,
       "C with six numbers and GPa");
    e = material_get(&mf, "y", MATERIAL_E);
    ok(e && e->v[0] == 340 && e->per2d, "E in N/m");
    e = material_get(&mf, "graphene", MATERIAL_CURVE);
    ok(e && strcmp(e->path, "../md/graphene tension.tsv") == 0 && e->line == 8,
       "curve: the file name as written, blanks kept");
    material_file_release(&mf);
}

static void
test_names(void)
{
    static const char *const want[] = {"k",        "thickness", "G",  "R",        "T",
                                       "q",        "E",         "nu", "C",        "curve",
                                       "cohesive", "Kn",        "Kt", "strength", "Gc"};
    for (int p = 0; p < MATERIAL_NPROPS; p++)
        is_str(material_prop_name((enum material_prop)p), want[p], "property %d", p);
    is_str(material_prop_name(MATERIAL_NPROPS), "?", "out of range");
}

static void
test_locale(void)
{
    static const char *const cands[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"};
    struct material_file mf;
    struct core_err err = {0, ""};
    const char *got = NULL;

    for (size_t i = 0; i < sizeof cands / sizeof cands[0] && !got; i++)
        got = setlocale(LC_NUMERIC, cands[i]);
    material_file_init(&mf);
    is_int(read_text("a.k = 1.5, 2.25, 0.125\nthickness = 3.35\n", &mf, &err), 0,
           "reads under LC_NUMERIC=%s", got ? got : "C (no decimal-comma locale here)");
    ok(mf.n == 2 && mf.e[0].v[0] == 1.5 && mf.e[0].v[1] == 2.25 && mf.e[0].v[2] == 0.125 &&
           fabs(mf.e[1].v[0] - 3.35e-10) < 1e-25,
       "a decimal point whatever the locale");
    material_file_release(&mf);
    setlocale(LC_NUMERIC, "C");
}

static void
test_errors(void)
{
    char longline[MATERIAL_LINELEN + 16], longname[MATERIAL_NAMELEN + 16], msg[256];
    struct material_file mf;
    struct core_err err = {0, ""};

    /* the line and the key */
    memset(longline, ' ', sizeof longline);
    memcpy(longline, "a.k = 1", 7);
    longline[MATERIAL_LINELEN] = '\0';
    snprintf(msg, sizeof msg, "m.txt:1: line longer than %d characters", MATERIAL_LINELEN - 1);
    fails(longline, msg);
    longline[MATERIAL_LINELEN - 1] = '\0';
    material_file_init(&mf);
    is_int(read_text(longline, &mf, &err), 0, "a line of %d characters is fine",
           MATERIAL_LINELEN - 1);
    material_file_release(&mf);
    fails("a.k = 1\n\nmatrix.k 100\n",
          "m.txt:3: expected NAME.property = value, got 'matrix.k 100'");
    fails("matrix. = 1\n", "m.txt:1: bad key 'matrix.'");
    fails(".k = 1\n", "m.txt:1: bad key '.k'");
    fails(" = 1\n", "m.txt:1: bad key ''");
    memset(longname, 'x', sizeof longname);
    memcpy(longname + MATERIAL_NAMELEN, ".k = 1", 7);
    snprintf(msg, sizeof msg, "m.txt:1: name longer than %d characters", MATERIAL_NAMELEN - 1);
    fails(longname, msg);
    memcpy(longname + MATERIAL_NAMELEN - 1, ".k = 1", 7);
    material_file_init(&mf);
    is_int(read_text(longname, &mf, &err), 0, "a name of %d characters is fine",
           MATERIAL_NAMELEN - 1);
    ok(mf.n == 1 && strlen(mf.e[0].name) == MATERIAL_NAMELEN - 1, "and kept whole");
    material_file_release(&mf);
    fails("matrix.k = 100\ninclusion.kk = 10\n",
          "m.txt:2: unknown property 'kk' (k, thickness, G, R, T, q, E, nu, C, curve, cohesive, "
          "Kn, Kt, strength or Gc)");
    fails("kappa = 1\n", "m.txt:1: unknown property 'kappa' (k, thickness, G, R, T, q, E, nu, C, "
                         "curve, cohesive, Kn, Kt, strength or Gc)");
    fails("k = 1\n", "m.txt:1: 'k' needs a group name: NAME.k = ...");
    fails("G = 1\n", "m.txt:1: 'G' needs a group name: NAME.G = ...");

    /* numbers */
    fails("matrix.thickness = -1\n",
          "m.txt:1: thickness: '-1' is not a length > 0 (3.35, 3.35A, 0.335nm)");
    fails("thickness = 0\n", "m.txt:1: thickness: '0' is not a length > 0 (3.35, 3.35A, 0.335nm)");
    fails("thickness = 3.35parsec\n",
          "m.txt:1: thickness: '3.35parsec' is not a length > 0 (3.35, 3.35A, 0.335nm)");
    fails("thickness = nan\n",
          "m.txt:1: thickness: 'nan' is not a length > 0 (3.35, 3.35A, 0.335nm)");
    fails("thickness = inf\n",
          "m.txt:1: thickness: 'inf' is not a length > 0 (3.35, 3.35A, 0.335nm)");
    fails("matrix.k = 1e999\n", "m.txt:1: k: '1e999' is not a finite number");
    fails("matrix.k = nan\n", "m.txt:1: k: 'nan' is not a finite number");
    fails("matrix.k = inf\n", "m.txt:1: k: 'inf' is not a finite number");
    fails("matrix.k = 1, 2x, 3\n", "m.txt:1: k: '2x' is not a finite number");
    fails("matrix.k = 1,2\n", "m.txt:1: k: give one number or three (kxx, kyy, kxy)");
    fails("matrix.k = 1, 2, 3, 4\n", "m.txt:1: k: too many numbers");
    fails("matrix.k = 1, 1, 2\n", "m.txt:1: k: the conductivity must be positive definite");
    fails("matrix.k = 1, 1, 1\n", "m.txt:1: k: the conductivity must be positive definite");
    fails("matrix.k = -5\n", "m.txt:1: k: the conductivity must be positive definite");
    fails("matrix.k = 0\n", "m.txt:1: k: the conductivity must be positive definite");
    fails("matrix.k = 2, -1, 0\n", "m.txt:1: k: the conductivity must be positive definite");
    fails("matrix.k =\n", "m.txt:1: k: no value");
    fails("matrix.k = , ,\n", "m.txt:1: k: no value");
    fails("a/b.G = 1 2\n", "m.txt:1: G takes one number");
    fails("a/b.G = -1\n", "m.txt:1: G: -1 is out of range (>= 0)");
    fails("a/b.G = -inf\n", "m.txt:1: G: '-inf' is not a finite number");
    fails("a/b.G = INF\n", "m.txt:1: G: 'INF' is not a finite number");
    fails("a/b.R = 0\n", "m.txt:1: R: 0 is out of range (> 0)");
    fails("a/b.R = inf\n", "m.txt:1: R: 'inf' is not a finite number");
    fails("left.T = -0.5\n", "m.txt:1: T: -0.5 is out of range (>= 0)");
    fails("top.q = nan\n", "m.txt:1: q: 'nan' is not a finite number");
    fails("top.q = 1, 2\n", "m.txt:1: q takes one number");

    /* elasticity */
    fails("a.E = 0\n", "m.txt:1: E: 0 is out of range (> 0)");
    fails("a.E = -3N/m\n", "m.txt:1: E: -3 is out of range (> 0)");
    fails("a.E = N/m\n", "m.txt:1: E: no value");
    fails("a.E = 1, 2\n", "m.txt:1: E takes one number");
    fails("a.E = 1 Pa\n", "m.txt:1: E: 'Pa' is not a finite number");
    fails("a.E = nan\n", "m.txt:1: E: 'nan' is not a finite number");
    fails("a.nu = 1\n", "m.txt:1: nu: 1 is out of range (-1 < nu < 1)");
    fails("a.nu = -1\n", "m.txt:1: nu: -1 is out of range (-1 < nu < 1)");
    fails("a.nu = 0.2N/m\n", "m.txt:1: nu: '0.2N/m' is not a finite number");
    fails("a.C = 1, 2, 3\n", "m.txt:1: C: give four numbers or six (C11, C22, C12, C66, C16, C26)");
    fails("a.C = 1, 2, 0, 1, 0\n",
          "m.txt:1: C: give four numbers or six (C11, C22, C12, C66, C16, C26)");
    fails("a.C = 1, 2, 0, 1, 0, 0, 0\n", "m.txt:1: C: too many numbers");
    fails("a.C = 1, 1, 1, 1\n", "m.txt:1: C: the stiffness must be positive definite");
    fails("a.C = 1, 1, 0, 0\n", "m.txt:1: C: the stiffness must be positive definite");
    fails("a.C = 2, 2, 0, 1, 1.5, 1.5\n", "m.txt:1: C: the stiffness must be positive definite");
    fails("a.C = -1, 1, 0, 1\n", "m.txt:1: C: the stiffness must be positive definite");
    fails("a.E = 1\na.C = 1, 1, 0, 1\n", "m.txt:2: a.C given twice (line 1)");
    fails("a.nu = 0.1\na.nu = 0.2\n", "m.txt:2: a.nu given twice (line 1)");
    fails("a.curve =  \n", "m.txt:1: curve: no file name");
    fails("a.curve = x.tsv\na.curve = y.tsv\n", "m.txt:2: a.curve given twice (line 1)");

    /* twice */
    fails("\n# ok\nmatrix.k = 1\nmatrix.k = 2\n", "m.txt:4: matrix.k given twice (line 3)");
    fails("a/b.G = 1\na/b.R = 1\n", "m.txt:2: a/b.R given twice (line 1)");
    fails("a/b.R = 1\na/b.G = inf\n", "m.txt:2: a/b.G given twice (line 1)");
    fails("thickness = 1\nthickness = 2\n", "m.txt:2: thickness given twice (line 1)");
    material_file_init(&mf);
    is_int(read_text("a.k = 1\nb.k = 1\na.thickness = 2\nthickness = 2\n", &mf, &err), 0,
           "the same property of two groups, two properties of one group");
    material_file_release(&mf);

    /* the stream: a NUL byte in a line */
    material_file_init(&mf);
    is_int(read_bytes("a.k = 1\nb.k = 1\0\n", 16, &mf, &err), CORE_EINPUT, "a NUL byte");
    ok(strstr(err.msg, "m.txt:2") != NULL, "names the line: %s", err.msg);
    ok(mf.n == 0, "nothing kept");
    material_file_release(&mf);
}

/* A kappa-gk table text read into a `k = table:` entry; returns the status. */
static int
ktable(const char *text, struct material_entry *e, struct core_err *err)
{
    struct stream_in in;
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    int rc;
    if (!fp)
        return -1;
    stream_in_attach(&in, fp, "kappa.tsv");
    rc = material_ktable_read(e, &in, err);
    stream_in_close(&in);
    fclose(fp);
    return rc;
}

static void
ktable_fails(const char *text, const char *want)
{
    struct material_entry e = {"a", MATERIAL_K, {7, 7, 7, 7, 7, 7}, 0, 0, 0, "kappa.tsv", 1};
    struct core_err err = {0, ""};
    is_int(ktable(text, &e, &err), CORE_EINPUT, "table error '%s'", want);
    is_str(err.msg, want, "message");
    ok(e.v[0] == 7 && e.v[1] == 7 && e.nv == 0, "the entry is unchanged");
}

#define KHEAD "# program = kappa-gk\n#  dir  kappa[W/(m*K)]  kappa_err[W/(m*K)]  tcut[ps]\n"

static void
test_ktable(void)
{
    struct material_file mf;
    struct core_err err = {0, ""};
    struct material_entry e = {"a", MATERIAL_K, {0, 0, 0, 0, 0, 0}, 0, 0, 0, "kappa.tsv", 1};
    const struct material_entry *k;
    char dir[] = "/tmp/material_test.XXXXXX", path[4096], mpath[4096];
    FILE *fp;

    /* the parser keeps the file name */
    material_file_init(&mf);
    is_int(read_text("boro phene.k = table:  sub dir/kappa 1.tsv \nb.k = 2\n", &mf, &err), 0,
           "k = table:FILE");
    k = material_get(&mf, "boro phene", MATERIAL_K);
    ok(k && k->table == 1 && k->nv == 0, "a table entry, not yet read");
    is_str(k ? k->path : "", "sub dir/kappa 1.tsv", "its file name, blanks kept");
    k = material_get(&mf, "b", MATERIAL_K);
    ok(k && k->table == 0, "a number is no table");
    material_file_release(&mf);
    fails("a.k = table:\n", "m.txt:1: k: table: no file name");
    fails("a.k = table: \t\n", "m.txt:1: k: table: no file name");
    fails("a.k = table:x.tsv\na.k = 1\n", "m.txt:2: a.k given twice (line 1)");
    fails("a.G = table:x.tsv\n", "m.txt:1: G: 'table:x.tsv' is not a finite number");

    /* anisotropic: dir 1 and 2 */
    is_int(ktable(KHEAD "  1  147.98765432109876  2.5  10\n"
                        "  2  76.123456789012345  1.5  10\n"
                        "  3  0.5  0.1  10\n"
                        "  0  74.86733  1  10\n",
                  &e, &err),
           0, "a full kappa-gk table");
    is_rel(e.v[0], 147.98765432109876, 0, "kxx from dir 1");
    is_rel(e.v[1], 76.123456789012345, 0, "kyy from dir 2");
    is_abs(e.v[2], 0, 0, "kxy = 0");
    is_int(e.nv, 3, "three numbers");
    /* order free, no dir 3 */
    is_int(ktable(KHEAD "2 3.0000000000000004 0 1\n1 1.7976931348623157e300 0 1\n", &e, &err), 0,
           "rows in any order");
    is_rel(e.v[0], 1.7976931348623157e300, 0, "kxx");
    is_rel(e.v[1], 3.0000000000000004, 0, "kyy");
    /* the average only */
    is_int(ktable(KHEAD "0 6.0221407599999999e-3 0 1\n", &e, &err), 0, "the average only");
    ok(e.v[0] == 6.0221407599999999e-3 && e.v[1] == e.v[0] && e.v[2] == 0 && e.nv == 1,
       "isotropic from dir 0");
    is_int(ktable("# dir kappa[W/(m K)]\n0 2\n", &e, &err), 0, "unit W/(m K)");
    is_int(ktable("# dir kappa[W/m/K]\n3 -1\n0 2\n", &e, &err), 0,
           "unit W/m/K; kzz may be anything");

    /* errors */
    ktable_fails("# dir kappa_err[W/(m*K)]\n1 2\n",
                 "kappa.tsv:1: no column 'kappa' (a kappa-gk table has dir and kappa[W/(m*K)])");
    ktable_fails("# x\n# direction kappa[W/(m*K)]\n1 2\n",
                 "kappa.tsv:2: no column 'dir' (a kappa-gk table has dir and kappa[W/(m*K)])");
    ktable_fails("# dir kappa[mW/(m*K)]\n1 2\n", "kappa.tsv:1: kappa is in 'mW/(m*K)' (W/(m*K))");
    ktable_fails("# dir kappa\n1 2\n", "kappa.tsv:1: kappa is in '' (W/(m*K))");
    ktable_fails(KHEAD "1 1 0 1\n2 1 0 1\n4 1 0 1\n", "kappa.tsv:5: dir 4 is not 0, 1, 2 or 3");
    ktable_fails(KHEAD "1.5 1 0 1\n", "kappa.tsv:3: dir 1.5 is not 0, 1, 2 or 3");
    ktable_fails(KHEAD "-1 1 0 1\n", "kappa.tsv:3: dir -1 is not 0, 1, 2 or 3");
    ktable_fails(KHEAD "1 1 0 1\n# c\n1 1 0 1\n", "kappa.tsv:5: dir 1 given twice (line 3)");
    ktable_fails(KHEAD "1 1 0 1\n2 0 0 1\n", "kappa.tsv:4: kappa 0 of dir 2 is not > 0");
    ktable_fails(KHEAD "0 -2.5 0 1\n", "kappa.tsv:3: kappa -2.5 of dir 0 is not > 0");
    ktable_fails(KHEAD "0 1 0 1\n1 1 0 1\n", "kappa.tsv:4: the table has dir 1 but not dir 2");
    ktable_fails(KHEAD "2 1 0 1\n0 1 0 1\n", "kappa.tsv:3: the table has dir 2 but not dir 1");
    ktable_fails(KHEAD "3 1 0 1\n", "kappa.tsv:2: no row for dir 1 and 2, nor 0 (the average)");
    ktable_fails(KHEAD, "kappa.tsv:2: no row for dir 1 and 2, nor 0 (the average)");
    ktable_fails(KHEAD "1 nan 0 1\n",
                 "kappa.tsv:3: column 2 (kappa): 'nan' is not a finite decimal number");

    /* material_tables_read: the path relative to the material file */
    if (!mkdtemp(dir)) {
        ok(0, "mkdtemp");
        return;
    }
    snprintf(path, sizeof path, "%s/kappa.tsv", dir);
    fp = fopen(path, "w");
    fputs(KHEAD "1 11.5 0 1\n2 4.25 0 1\n", fp);
    fclose(fp);
    snprintf(mpath, sizeof mpath, "%s/m.txt", dir);
    fp = fopen(mpath, "w");
    fputs("a.k = table:kappa.tsv\nb.k = 3\nc.k = table:missing.tsv\n", fp);
    fclose(fp);
    {
        struct stream_in in;
        char want[8192];
        is_int(stream_in_open(&in, mpath, &err), 0, "open %s", mpath);
        is_int(material_read(&in, &mf, &err), 0, "read the material file");
        stream_in_close(&in);
        is_int(material_tables_read(&mf, &err), CORE_EIO, "a missing table");
        snprintf(want, sizeof want, "%s:3: k: %s/missing.tsv", mpath, dir);
        ok(strncmp(err.msg, want, strlen(want)) == 0, "names both files: %s", err.msg);
        k = material_get(&mf, "a", MATERIAL_K);
        ok(k && k->v[0] == 11.5 && k->v[1] == 4.25 && k->v[2] == 0 && k->nv == 3,
           "the table next to the material file");
        k = material_get(&mf, "b", MATERIAL_K);
        ok(k && k->v[0] == 3 && k->v[1] == 3, "a plain k untouched");

        /* a bad table: the material line, then the table's line */
        fp = fopen(path, "w");
        fputs(KHEAD "1 11.5 0 1\n", fp);
        fclose(fp);
        mf.e[2].table = 0; /* only a now */
        is_int(material_tables_read(&mf, &err), CORE_EINPUT, "a bad table");
        snprintf(want, sizeof want, "%s:1: k: %s/kappa.tsv:3: the table has dir 1 but not dir 2",
                 mpath, dir);
        is_str(err.msg, want, "both places");
        material_file_release(&mf);
    }
    remove(path);
    remove(mpath);
    rmdir(dir);
}

/* The cohesive keys: values in SI with every spelling of the units, and every error. */
static void
test_cohesive(void)
{
    struct material_file mf;
    struct core_err err = {0, ""};
    const struct material_entry *e;
    static const char text[] = "a/b.cohesive = bilinear\n"
                               "a/b.Kn = 3.7183\n"
                               "a/b.Kt = 0.61803 GPa/nm\n"
                               "a/b.strength = 1.41421GPa\n"
                               "a/b.Gc = 2.71828 J/m^2\n"
                               "c/d.cohesive = linear # a comment\n"
                               "c/d.Kn = 4.6692e18 N/m^3\n"
                               "c/d.Kt = 2.5029e17N/m^3\n"
                               "c/d.Gc = 0.57721\n"
                               "e.cohesive = bonded\n";

    material_file_init(&mf);
    is_int(read_text(text, &mf, &err), 0, "cohesive keys read (%s)", err.msg);
    e = material_get(&mf, "a/b", MATERIAL_COHESIVE);
    ok(e && e->v[0] == MATERIAL_COH_BILINEAR && e->nv == 1 && e->line == 1, "bilinear");
    e = material_get(&mf, "a/b", MATERIAL_KN);
    ok(e && fabs(e->v[0] - 3.7183e18) <= 1e-15 * 3.7183e18, "Kn bare: GPa/nm -> N/m^3");
    e = material_get(&mf, "a/b", MATERIAL_KT);
    ok(e && fabs(e->v[0] - 0.61803e18) <= 1e-15 * 0.61803e18, "Kt in GPa/nm");
    e = material_get(&mf, "a/b", MATERIAL_STRENGTH);
    ok(e && fabs(e->v[0] - 1.41421e9) <= 1e-15 * 1.41421e9, "strength in GPa -> Pa");
    e = material_get(&mf, "a/b", MATERIAL_GC);
    ok(e && e->v[0] == 2.71828 && e->nv == 1, "Gc in J/m^2");
    e = material_get(&mf, "c/d", MATERIAL_COHESIVE);
    ok(e && e->v[0] == MATERIAL_COH_LINEAR, "linear, comment dropped");
    e = material_get(&mf, "c/d", MATERIAL_KN);
    ok(e && e->v[0] == 4.6692e18, "Kn in N/m^3 as it is");
    e = material_get(&mf, "c/d", MATERIAL_KT);
    ok(e && e->v[0] == 2.5029e17, "Kt in N/m^3, no blank before the unit");
    e = material_get(&mf, "c/d", MATERIAL_GC);
    ok(e && e->v[0] == 0.57721, "Gc bare");
    e = material_get(&mf, "e", MATERIAL_COHESIVE);
    ok(e && e->v[0] == MATERIAL_COH_BONDED, "bonded");
    material_file_release(&mf);

    fails("a.cohesive = sticky\n", "m.txt:1: cohesive: 'sticky' is not bonded, linear or bilinear");
    fails("a.cohesive =\n", "m.txt:1: cohesive: '' is not bonded, linear or bilinear");
    fails("a.Kn = 0\n", "m.txt:1: Kn: 0 is out of range (> 0)");
    fails("a.Kt = -2 GPa/nm\n", "m.txt:1: Kt: -2 is out of range (> 0)");
    fails("a.strength = nan\n", "m.txt:1: strength: 'nan' is not a finite number");
    fails("a.Gc = inf\n", "m.txt:1: Gc: 'inf' is not a finite number");
    fails("a.Gc = 1, 2\n", "m.txt:1: Gc takes one number");
    fails("a.Kn = 1 2 N/m^3\n", "m.txt:1: Kn takes one number");
    fails("a.strength = GPa\n", "m.txt:1: strength: no value");
    fails("a.Kn =\n", "m.txt:1: Kn: no value");
    fails("a.Kn = 1e300\n", "m.txt:1: Kn: '1e300' overflows");
    fails("a.strength = 1 MPa\n", "m.txt:1: strength takes one number");
    fails("a.strength = 1MPa\n", "m.txt:1: strength: '1MPa' is not a finite number");
    fails("a.cohesive = linear\na.cohesive = bilinear\n",
          "m.txt:2: a.cohesive given twice (line 1)");
    fails("a.Kn = 1\na.Kn = 1N/m^3\n", "m.txt:2: a.Kn given twice (line 1)");
    fails("Gc = 1\n", "m.txt:1: 'Gc' needs a group name: NAME.Gc = ...");
}

int
main(void)
{
    test_cohesive();
    test_ktable();
    test_values();
    test_names();
    test_elastic();
    test_locale();
    test_errors();
    done_testing();
    return exit_status();
}
