/*
 * table_test: plain-text tables. Exact round trips of high-entropy values (subnormals, -0,
 * extremes), the written layout, tolerant reading (LAMMPS fix ave/time files, trailing
 * comments, CRLF, units with spaces), metadata, locale independence, and every error path of
 * the reader and the writer.
 */
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../formats/table.h"
#include "../tap.h"

/* Reads len bytes of text as a table named "t.tsv"; returns the status. */
static int
read_bytes(const char *text, size_t len, struct table *t, struct core_err *err)
{
    struct stream_in in;
    FILE *fp = fmemopen((void *)text, len, "r");
    int rc;

    if (!fp)
        return -1;
    stream_in_attach(&in, fp, "t.tsv");
    rc = table_read(&in, t, err);
    stream_in_close(&in);
    fclose(fp);
    return rc;
}

static int
read_text(const char *text, struct table *t, struct core_err *err)
{
    return read_bytes(text, strlen(text), t, err);
}

static void
expect_read_error(const char *text, const char *want, const char *desc)
{
    struct table t;
    struct core_err err;
    int rc;

    table_init(&t);
    rc = read_text(text, &t, &err);
    is_int(rc, CORE_EINPUT, "read rejects %s", desc);
    ok(rc && strstr(err.msg, want) != NULL, "  message: %s", err.msg);
    ok(t.ncols == 0 && t.nrows == 0 && !t.data && !t.meta, "  table released");
    table_release(&t);
}

/* A value spread over many magnitudes, both signs. */
static double
wild(struct core_rng *rng)
{
    double u = core_rng_uniform(rng) - 0.5;
    return u * pow(10.0, 40.0 * core_rng_uniform(rng) - 20.0);
}

static void
test_round_trip(void)
{
    const char *names[] = {"step", "time", "temp", "pxx", "kappa_xx", "ratio"};
    const char *units[] = {NULL, "ps", "K", "GPa", "W/(m*K)", ""};

    enum { NCOLS = 6, NROWS = 200 };

    static const double special[] = {
        0.0,  -0.0,  4.9406564584124654e-324, -DBL_MAX, DBL_MAX, DBL_MIN, 0.1, 1.0 / 3.0,
        1e22, -1e-7, 123456789012345678.0,    2.5};
    double rows[NROWS][NCOLS];
    struct core_rng rng;
    struct core_err err;
    struct table t;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    int rc = CORE_OK, same = 1;

    core_rng_init(&rng, 2024, 7, 0, 0);
    for (int r = 0; r < NROWS; r++)
        for (int c = 0; c < NCOLS; c++)
            rows[r][c] = c == 0 ? r * 10 : wild(&rng);
    for (size_t k = 0; k < sizeof special / sizeof special[0]; k++)
        rows[k % NROWS][1 + k % (NCOLS - 1)] = special[k];

    rc |= table_write_meta(fp, &err, "seed", "%d", 7);
    rc |= table_write_meta(fp, &err, "thickness", "%.17g A", 3.35);
    rc |= table_write_meta(fp, &err, "program", "fpms %s", FPMS_VERSION);
    rc |= table_write_header(fp, NCOLS, names, units, &err);
    for (int r = 0; r < NROWS; r++)
        rc |= table_write_row(fp, NCOLS, rows[r], &err);
    fclose(fp);
    is_int(rc, CORE_OK, "write meta, header and %d rows", NROWS);

    table_init(&t);
    rc = read_text(buf, &t, &err);
    is_int(rc, CORE_OK, "read it back");
    if (rc) {
        printf("# %s\n", err.msg);
        free(buf);
        return;
    }
    is_int((long)t.ncols, NCOLS, "ncols");
    is_int((long)t.nrows, NROWS, "nrows");
    for (int r = 0; r < NROWS; r++)
        for (int c = 0; c < NCOLS; c++) {
            double got = t.data[r * NCOLS + c];
            same &= got == rows[r][c] && signbit(got) == signbit(rows[r][c]);
        }
    ok(same, "every value exact (sign of zero, subnormal, DBL_MAX included)");
    is_str(t.name[4], "kappa_xx", "name");
    is_str(t.unit[4], "W/(m*K)", "unit");
    is_str(t.unit[0], "", "no unit");
    is_str(t.unit[5], "", "empty unit written bare");
    is_int(table_col(&t, "temp"), 2, "table_col by name");
    is_int(table_col(&t, "temp[K]"), 2, "table_col by name[unit]");
    is_int(table_col(&t, "temp[C]"), -1, "table_col: unit must agree");
    is_int(table_col(&t, "temp[K"), -1, "table_col: malformed query");
    is_int(table_col(&t, "tem"), -1, "table_col: no prefix match");
    is_int(table_col(&t, "step[]"), 0, "table_col: name[] matches a column without unit");
    is_int(table_col(&t, "temp[]"), -1, "table_col: name[] does not match a column with one");
    is_str(table_meta_get(&t, "seed"), "7", "meta seed");
    is_str(table_meta_get(&t, "thickness"), "3.3500000000000001 A", "meta with a unit");
    ok(table_meta_get(&t, "nothing") == NULL, "absent meta");
    {
        /* table_write writes the same text again */
        char *buf2 = NULL;
        size_t len2 = 0;
        FILE *fp2 = open_memstream(&buf2, &len2);
        rc = table_write(fp2, &t, &err);
        fclose(fp2);
        is_int(rc, CORE_OK, "table_write");
        is_str(buf2, buf, "table_write reproduces the text");
        free(buf2);
    }
    table_release(&t);
    free(buf);
}

static void
test_layout(void)
{
    const char *names[] = {"time", "temp"};
    const char *units[] = {"ps", "K"};
    double row[2] = {0.001, 300.1};
    struct core_err err;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);

    table_write_meta(fp, &err, "seed", "7");
    table_write_header(fp, 2, names, units, &err);
    table_write_row(fp, 2, row, &err);
    fclose(fp);
    is_str(buf,
           "# seed = 7\n"
           "#               time[ps]                  temp[K]\n"
           "                   0.001                    300.1\n",
           "written layout: right-aligned columns of %d", TABLE_WIDTH);
    free(buf);
}

static void
test_tolerant(void)
{
    struct table t;
    struct core_err err;
    int rc;

    table_init(&t);
    /* LAMMPS fix ave/time: a title comment, then the column line, no units */
    rc = read_text("# Time-averaged data for fix avg\n"
                   "# TimeStep v_temp c_press[1]\n"
                   "100 301.5 -2.5e3\n"
                   "200 299.25 1e-3\n",
                   &t, &err);
    is_int(rc, CORE_OK, "LAMMPS fix ave/time file");
    ok(rc == CORE_OK && t.ncols == 3 && t.nrows == 2 && strcmp(t.name[2], "c_press") == 0 &&
           strcmp(t.unit[2], "1") == 0 && t.unit[0][0] == '\0' && t.data[2] == -2.5e3 &&
           t.data[5] == 1e-3,
       "names, brackets read as units, values");
    ok(rc == CORE_OK && t.header_line == 2 && t.row_line[0] == 3 && t.row_line[1] == 4,
       "header on line 2, rows on lines 3 and 4");

    rc = read_text("\xef\xbb\xbf", &t, &err);
    is_int(rc, CORE_EINPUT, "a lone byte-order mark is no table");

    rc = read_text("  # a = 1\r\n"
                   "#\r\n"
                   "#  x[A]\tkappa[W/(m K)]   n\r\n"
                   "\r\n"
                   "  1\t2   3 # a trailing comment\r\n"
                   "# a comment among the rows\r\n"
                   "\r\n"
                   "4 5 6#tight comment\r\n"
                   "# a = 2\r\n"
                   "1e-320 -0 +7.5E+2\r\n",
                   &t, &err);
    is_int(rc, CORE_OK, "CRLF, tabs, blank lines, bare #, trailing comments");
    if (rc)
        printf("# %s\n", err.msg);
    ok(rc == CORE_OK && t.ncols == 3 && t.nrows == 3, "3 columns, 3 rows");
    ok(rc == CORE_OK && strcmp(t.unit[1], "W/(m K)") == 0, "a unit with a space in brackets");
    ok(rc == CORE_OK && t.data[5] == 6 && t.data[6] == 1e-320 && t.data[8] == 750,
       "values, a subnormal and a signed exponent");
    ok(rc == CORE_OK && strcmp(table_meta_get(&t, "a"), "2") == 0 && t.nmeta == 2,
       "metadata anywhere; the last wins");
    ok(rc == CORE_OK && t.header_line == 3 && t.row_line[0] == 5 && t.row_line[1] == 8 &&
           t.row_line[2] == 10,
       "line numbers past blank lines, comments and metadata: header 3, rows 5 8 10");

    rc = read_text("# x[A] y\n", &t, &err);
    ok(rc == CORE_OK && t.ncols == 2 && t.nrows == 0, "a header without rows");
    ok(rc == CORE_OK && t.header_line == 1, "  its line");
    rc = read_text("# title\n\n# seed = 3\n# x y\n\n", &t, &err);
    ok(rc == CORE_OK && t.nrows == 0 && t.header_line == 4,
       "no rows: the last comment that is not metadata is the header, line 4");
    rc = read_text("# k = v\n# seed=5\n# note =\n# x\n", &t, &err);
    ok(rc == CORE_OK && t.ncols == 1 && t.nmeta == 3 &&
           strcmp(table_meta_get(&t, "seed"), "5") == 0 &&
           strcmp(table_meta_get(&t, "note"), "") == 0,
       "metadata without spaces and with an empty value");
    table_release(&t);
}

static void
test_read_errors(void)
{
    char longname[200], longunit[200], longkey[200], fill[100];

    expect_read_error("", "t.tsv:0: no header line naming the columns", "empty input");
    expect_read_error("\n\n  \n", "no header line naming the columns", "blank input");
    expect_read_error("# seed = 7\n", "t.tsv:1: no header line", "only metadata");
    expect_read_error("1 2 3\n", "t.tsv:1: data before a header line", "data without a header");
    expect_read_error("# x y\n# seed = 3\n1 2\n", "t.tsv:3: data before a header line",
                      "metadata as the last comment before data");
    expect_read_error("# x y z\n1 2 3\n4 5\n",
                      "t.tsv:3: 2 columns, but the header (line 1) names 3", "too few columns");
    expect_read_error("# x y\n1 2\n4 5 6\n", "t.tsv:3: 3 columns, but the header (line 1) names 2",
                      "too many columns");
    expect_read_error("# x y\n1 abc\n", "t.tsv:2: column 2 (y): 'abc' is not a finite decimal",
                      "a word");
    expect_read_error("# x y\n1 1.2.3\n", "'1.2.3' is not", "two decimal points");
    expect_read_error("# x y\n1 0x10\n", "'0x10' is not", "hexadecimal");
    expect_read_error("# x y\nnan 1\n", "column 1 (x): 'nan' is not", "NaN");
    expect_read_error("# x y\n1 -inf\n", "'-inf' is not", "-Inf");
    expect_read_error("# x y\n1 Infinity\n", "'Infinity' is not", "Infinity");
    expect_read_error("# x y\n1 1e999\n", "'1e999' is not", "overflow");
    expect_read_error("# x y\n1 -\n", "'-' is not", "a lone sign");
    expect_read_error("# x y\n1 1,5\n", "'1,5' is not", "a decimal comma");
    expect_read_error("# [K] y\n1 2\n", "t.tsv:1: header column 1: no name", "a unit without name");
    expect_read_error("# x a[K\n1 2\n", "t.tsv:1: header column 2: unterminated '['",
                      "unterminated bracket");
    expect_read_error("# x a]b\n1 2\n", "header column 2: stray ']'", "stray bracket");
    expect_read_error("# x a[K]s\n1 2\n", "header column 2: text after the unit",
                      "text after the unit");
    expect_read_error("# x a[[K]]\n1 2\n", "header column 2: a second '['", "nested brackets");
    memset(fill, 'n', sizeof fill - 1);
    fill[sizeof fill - 1] = '\0';
    snprintf(longname, sizeof longname, "# x %.*s\n1 2\n", TABLE_NAMELEN, fill);
    expect_read_error(longname, "header column 2: name longer than 63", "a long name");
    snprintf(longunit, sizeof longunit, "# x y[%.*s]\n1 2\n", TABLE_UNITLEN, fill);
    expect_read_error(longunit, "header column 2: unit longer than 31", "a long unit");
    snprintf(longkey, sizeof longkey, "# %.*s = 1\n# x\n1\n", CORE_KEYLEN, fill);
    expect_read_error(longkey, "t.tsv:1: metadata key longer than 63", "a long metadata key");
    {
        static const char nul[] = "# x\n1\0002\n";
        struct table t;
        struct core_err err;
        int rc;
        table_init(&t);
        rc = read_bytes(nul, sizeof nul - 1, &t, &err);
        is_int(rc, CORE_EINPUT, "read rejects a NUL byte");
        ok(rc && strstr(err.msg, "t.tsv:2: NUL byte") != NULL, "  message: %s", err.msg);
    }
}

static void
expect_write_error(int rc, int code, const struct core_err *err, const char *want, const char *desc)
{
    is_int(rc, code, "write rejects %s", desc);
    ok(rc && strstr(err->msg, want) != NULL, "  message: %s", err->msg);
}

static void
test_write_errors(void)
{
    struct core_err err;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    const char *n2[] = {"a", "b"}, *u2[] = {"K", "m s"};
    const char *dup[] = {"a", "a"}, *empty[] = {""}, *null[] = {NULL}, *sp[] = {"a b"};
    const char *hash[] = {"a#"}, *br[] = {"a[x]"}, *eq[] = {"a=b"}, *longu[] = {NULL};
    char longname[TABLE_NAMELEN + 1], longunit[TABLE_UNITLEN + 1];
    double row[3] = {1, NAN, 2};
    int rc;

    memset(longname, 'n', TABLE_NAMELEN);
    longname[TABLE_NAMELEN] = '\0';
    memset(longunit, 'u', TABLE_UNITLEN);
    longunit[TABLE_UNITLEN] = '\0';
    longu[0] = longunit;

    expect_write_error(table_write_header(fp, 0, n2, NULL, &err), CORE_EINPUT, &err,
                       "at least one column", "no columns");
    expect_write_error(table_write_header(fp, 2, dup, NULL, &err), CORE_EINPUT, &err,
                       "column 2: name 'a' already used by column 1", "duplicate names");
    expect_write_error(table_write_header(fp, 1, empty, NULL, &err), CORE_EINPUT, &err,
                       "column 1: bad name ''", "an empty name");
    expect_write_error(table_write_header(fp, 1, null, NULL, &err), CORE_EINPUT, &err,
                       "column 1: bad name", "a NULL name");
    expect_write_error(table_write_header(fp, 1, sp, NULL, &err), CORE_EINPUT, &err,
                       "bad name 'a b'", "a name with a space");
    expect_write_error(table_write_header(fp, 1, hash, NULL, &err), CORE_EINPUT, &err,
                       "bad name 'a#'", "a name with #");
    expect_write_error(table_write_header(fp, 1, br, NULL, &err), CORE_EINPUT, &err,
                       "bad name 'a[x]'", "a name with brackets");
    expect_write_error(table_write_header(fp, 1, eq, NULL, &err), CORE_EINPUT, &err,
                       "bad name 'a=b'", "a name with =");
    {
        const char *ln[] = {longname};
        expect_write_error(table_write_header(fp, 1, ln, NULL, &err), CORE_EINPUT, &err,
                           "name longer than 63", "a long name");
    }
    expect_write_error(table_write_header(fp, 2, n2, u2, &err), CORE_EINPUT, &err,
                       "column 2 (b): bad unit 'm s'", "a unit with a space");
    expect_write_error(table_write_header(fp, 1, n2, longu, &err), CORE_EINPUT, &err,
                       "unit longer than 31", "a long unit");
    expect_write_error(table_write_meta(fp, &err, "1a", "x"), CORE_EINPUT, &err,
                       "bad metadata key '1a'", "a key starting with a digit");
    expect_write_error(table_write_meta(fp, &err, "a b", "x"), CORE_EINPUT, &err,
                       "bad metadata key 'a b'", "a key with a space");
    expect_write_error(table_write_meta(fp, &err, "", "x"), CORE_EINPUT, &err,
                       "bad metadata key ''", "an empty key");
    expect_write_error(table_write_meta(fp, &err, longname, "x"), CORE_EINPUT, &err,
                       "bad metadata key", "a long key");
    expect_write_error(table_write_meta(fp, &err, "note", "two\nlines"), CORE_EINPUT, &err,
                       "metadata 'note': value has a line break", "a value with a newline");
    expect_write_error(table_write_row(fp, 3, row, &err), CORE_EINPUT, &err, "row column 2 is nan",
                       "NaN");
    row[1] = -INFINITY;
    expect_write_error(table_write_row(fp, 3, row, &err), CORE_EINPUT, &err, "row column 2 is -inf",
                       "-Inf");
    fclose(fp);
    is_int((long)len, 0, "nothing written by the rejected calls");
    free(buf);

    /* write errors: /dev/full, unbuffered so each call meets the error */
    fp = fopen("/dev/full", "w");
    if (fp) {
        row[1] = 1;
        setvbuf(fp, NULL, _IONBF, 0);
        expect_write_error(table_write_header(fp, 2, n2, NULL, &err), CORE_EIO, &err,
                           "table: write error: No space left", "header to a full device");
        expect_write_error(table_write_row(fp, 3, row, &err), CORE_EIO, &err, "table: write error",
                           "row to a full device");
        expect_write_error(table_write_meta(fp, &err, "k", "v"), CORE_EIO, &err,
                           "table: write error", "metadata to a full device");
        fclose(fp);
    } else {
        ok(1, "# SKIP /dev/full not available");
    }
    rc = 0;
    (void)rc;
}

/* Many rows with gaps of high-entropy length: every row's line is recorded. */
static void
test_row_lines(void)
{
    enum { NROWS = 300 };

    long want[NROWS], line = 2;
    struct core_rng rng;
    struct core_err err;
    struct table t;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    int rc, good = 1;

    core_rng_init(&rng, 20261126, 9, 0, 0);
    fprintf(fp, "# seed = 1\n# i[1] x\n");
    for (int i = 0; i < NROWS; i++) {
        int gap = (int)(4.0 * core_rng_uniform(&rng));
        for (int k = 0; k < gap; k++, line++)
            fputs(k % 3 == 0 ? "\n" : k % 3 == 1 ? "# a comment\n" : "# k = v\n", fp);
        fprintf(fp, "%d %.17g\n", i, core_rng_uniform(&rng));
        want[i] = ++line;
    }
    fclose(fp);
    table_init(&t);
    rc = read_text(buf, &t, &err);
    is_int(rc, CORE_OK, "%d rows among blank lines, comments and metadata", NROWS);
    for (int i = 0; rc == CORE_OK && i < NROWS; i++)
        if (t.row_line[i] != want[i] || t.data[2 * i] != i) {
            printf("# row %d: line %ld, want %ld\n", i, t.row_line[i], want[i]);
            good = 0;
            break;
        }
    ok(rc == CORE_OK && good && t.header_line == 2, "each row's input line, and the header's");
    table_release(&t);
    ok(!t.row_line && t.header_line == 0 && t.rowcap == 0, "released");
    free(buf);
}

/* A table built in memory writes as the writer's own calls would. */
static void
test_build(void)
{
    struct core_err err;
    struct table t;
    char *buf = NULL;
    size_t len = 0;
    double row[3] = {0.1, -2.5e-300, 7}, nan3[3] = {1, NAN, 2};
    char longname[TABLE_NAMELEN + 1], longunit[TABLE_UNITLEN + 1];
    FILE *fp;
    int rc;

    memset(longname, 'n', TABLE_NAMELEN);
    longname[TABLE_NAMELEN] = '\0';
    memset(longunit, 'u', TABLE_UNITLEN);
    longunit[TABLE_UNITLEN] = '\0';
    table_init(&t);
    expect_write_error(table_row_add(&t, row, &err), CORE_EINPUT, &err,
                       "table: a row added before any column", "a row before the columns");
    rc = table_meta_set(&t, &err, "program", "test %d", 1);
    rc = rc ? rc : table_meta_set(&t, &err, "volume", "%.10g A^3", 1000.0);
    rc = rc ? rc : table_col_add(&t, "time", "ps", &err);
    rc = rc ? rc : table_col_add(&t, "kappa", "W/(m*K)", &err);
    rc = rc ? rc : table_col_add(&t, "n", NULL, &err);
    rc = rc ? rc : table_row_add(&t, row, &err);
    row[0] = 0.2;
    rc = rc ? rc : table_row_add(&t, row, &err);
    rc = rc ? rc : table_meta_set(&t, &err, "program", "test %s", "two");
    rc = rc ? rc : table_meta_set(&t, &err, "empty", "%s", "");
    is_int(rc, CORE_OK, "columns, rows and metadata built");
    ok(t.ncols == 3 && t.nrows == 2 && t.row_line[0] == 0 && t.row_line[1] == 0 &&
           t.header_line == 0 && t.nmeta == 3 &&
           strcmp(table_meta_get(&t, "program"), "test two") == 0 && t.unit[2][0] == '\0',
       "  shape, no line numbers, a key set twice replaced in place");
    fp = open_memstream(&buf, &len);
    rc = table_write(fp, &t, &err);
    fclose(fp);
    is_int(rc, CORE_OK, "a built table is written");
    is_str(buf,
           "# program = test two\n"
           "# volume = 1000 A^3\n"
           "# empty = \n"
           "#               time[ps]           kappa[W/(m*K)]                        n\n"
           "                     0.1                -2.5e-300                        7\n"
           "                     0.2                -2.5e-300                        7\n",
           "  as table_write_meta, table_write_header and table_write_row write it");
    free(buf);
    expect_write_error(table_col_add(&t, "late", NULL, &err), CORE_EINPUT, &err,
                       "table: column 'late' added after 2 rows", "a column after rows");
    table_release(&t);
    expect_write_error(table_col_add(&t, "", NULL, &err), CORE_EINPUT, &err,
                       "table: column 1: bad name ''", "an empty column name");
    expect_write_error(table_col_add(&t, NULL, NULL, &err), CORE_EINPUT, &err,
                       "table: column 1: bad name ''", "a NULL column name");
    expect_write_error(table_col_add(&t, longname, NULL, &err), CORE_EINPUT, &err,
                       "table: column 1: bad name 'nnn", "a long column name");
    expect_write_error(table_col_add(&t, "x", longunit, &err), CORE_EINPUT, &err,
                       "table: column 1 (x): unit longer than 31", "a long unit");
    expect_write_error(table_meta_set(&t, &err, "2x", "1"), CORE_EINPUT, &err,
                       "table: bad metadata key '2x'", "a metadata key starting with a digit");
    expect_write_error(table_meta_set(&t, &err, "a=b", "1"), CORE_EINPUT, &err,
                       "table: bad metadata key 'a=b'", "a metadata key with =");
    expect_write_error(table_meta_set(&t, &err, longname, "1"), CORE_EINPUT, &err,
                       "table: bad metadata key", "a long metadata key");
    expect_write_error(table_meta_set(&t, &err, "note", "a\rb"), CORE_EINPUT, &err,
                       "table: metadata 'note': value has a line break", "a value with a CR");
    ok(t.ncols == 0 && t.nmeta == 0, "  nothing was added by the rejected calls");

    /* NaN is kept in memory and refused by the writer; nothing but what came before is written */
    rc = table_col_add(&t, "a", NULL, &err);
    rc = rc ? rc : table_col_add(&t, "b", NULL, &err);
    rc = rc ? rc : table_col_add(&t, "c", NULL, &err);
    rc = rc ? rc : table_row_add(&t, nan3, &err);
    is_int(rc, CORE_OK, "a row with NaN is built");
    buf = NULL;
    fp = open_memstream(&buf, &len);
    expect_write_error(table_write(fp, &t, &err), CORE_EINPUT, &err, "row column 2 is nan",
                       "a built row with NaN");
    fclose(fp);
    free(buf);
    table_release(&t);
}

static void
test_locale(void)
{
    /* a decimal-comma locale must change neither what is written nor what is read */
    const char *names[] = {"x"};
    const char *cands[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", NULL};
    const char *got = NULL;
    struct core_err err;
    struct table t, b;
    double v = 1.5;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp;
    int rc;

    for (int i = 0; cands[i] && !got; i++)
        got = setlocale(LC_NUMERIC, cands[i]);
    if (!got) {
        ok(1, "# SKIP no decimal-comma locale installed");
        return;
    }
    fp = open_memstream(&buf, &len);
    table_write_header(fp, 1, names, NULL, &err);
    table_write_row(fp, 1, &v, &err);
    fclose(fp);
    ok(strstr(buf, "1.5") != NULL, "written with a decimal point under %s", got);
    table_init(&t);
    rc = read_text(buf, &t, &err);
    ok(rc == CORE_OK && t.nrows == 1 && t.data[0] == 1.5, "read back under %s", got);
    table_release(&t);
    free(buf);
    table_init(&b);
    table_meta_set(&b, &err, "dt", "%g ps", 0.25);
    ok(strcmp(table_meta_get(&b, "dt"), "0.25 ps") == 0, "metadata set with a decimal point");
    table_release(&b);
    setlocale(LC_NUMERIC, "C");
}

int
main(void)
{
    test_round_trip();
    test_layout();
    test_tolerant();
    test_read_errors();
    test_write_errors();
    test_row_lines();
    test_build();
    test_locale();
    done_testing();
    return exit_status();
}
