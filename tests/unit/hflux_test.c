/*
 * hflux_test: heat-current series. Exact round trip of high-entropy currents through the
 * writer and the reader; the column forms (Jx Jy Jz with or without units, LAMMPS c_ID[1..3],
 * --columns), the time forms (time in ps, fs or ns; steps times dt; dt alone); the metadata
 * keys; and every error path of the reader, each with its `name:line: what`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../formats/hflux.h"
#include "../tap.h"

/* Reads text as a series named "j.tsv"; returns the status. */
static int
read_text(const char *text, const struct hflux_opts *o, struct hflux_series *s,
          struct core_err *err)
{
    struct stream_in in;
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    int rc;

    if (!fp)
        return -1;
    stream_in_attach(&in, fp, "j.tsv");
    rc = hflux_read(&in, o, s, err);
    stream_in_close(&in);
    fclose(fp);
    return rc;
}

/* A table of nrows rows `time Jx Jy Jz` (time = t0 + i dt), after head (header included). */
static char *
series_text(const char *head, size_t nrows, double t0, double dt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);

    fputs(head, fp);
    for (size_t i = 0; i < nrows; i++)
        fprintf(fp, "%.17g %.17g %.17g %.17g\n", t0 + (double)i * dt, 0.5 + (double)i,
                -1.25 * (double)i, 1e-3 * (double)(i % 7));
    fclose(fp);
    return buf;
}

static void
expect_error(const char *text, const struct hflux_opts *o, const char *want, const char *desc)
{
    struct hflux_series s;
    struct core_err err = {0};
    int rc;

    hflux_series_init(&s);
    rc = read_text(text, o, &s, &err);
    is_int(rc, CORE_EINPUT, "rejects %s", desc);
    ok(rc && strstr(err.msg, want) != NULL, "  message: %s", err.msg);
    ok(!s.j && s.n == 0 && strcmp(s.name, "j.tsv") == 0, "  no samples; the name stays");
    hflux_series_release(&s);
}

/* A value spread over many magnitudes, both signs. */
static double
wild(struct core_rng *rng)
{
    double u = core_rng_uniform(rng) - 0.5;
    return u * pow(10.0, 30.0 * core_rng_uniform(rng) - 15.0);
}

static void
test_round_trip(void)
{
    enum { N = 257 };
    const struct hflux_opts o = {0};
    double j[3 * N], dt = 0.0025;
    struct core_rng rng;
    struct core_err err;
    struct hflux_series s;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    int rc = CORE_OK, same = 1;

    core_rng_init(&rng, 4242, 11, 0, 0);
    for (size_t i = 0; i < 3 * N; i++)
        j[i] = wild(&rng);
    j[5] = -0.0;
    j[7] = 4.9406564584124654e-324;
    rc = table_write_meta(fp, &err, "volume", "%.17g A^3", 1234.5678901234567);
    rc = rc ? rc : table_write_meta(fp, &err, "temperature", "%.17g K", 299.99999999999994);
    rc = rc ? rc : hflux_write_header(fp, &err);
    for (size_t i = 0; !rc && i < N; i++)
        rc = hflux_write_sample(fp, (double)i * dt, j + 3 * i, &err);
    fclose(fp);
    is_int(rc, CORE_OK, "%d high-entropy samples written", N);
    ok(strstr(buf, "time[ps]") && strstr(buf, "Jx[eV*A/ps]") && strstr(buf, "Jz[eV*A/ps]"),
       "  header time[ps] Jx Jy Jz [eV*A/ps]");
    hflux_series_init(&s);
    rc = read_text(buf, &o, &s, &err);
    is_int(rc, CORE_OK, "read back");
    if (rc)
        printf("# %s\n", err.msg);
    for (size_t i = 0; rc == CORE_OK && i < 3 * N; i++)
        if (memcmp(&s.j[i], &j[i], sizeof j[i]) != 0) {
            printf("# j[%zu] = %.17g, want %.17g\n", i, s.j[i], j[i]);
            same = 0;
            break;
        }
    ok(rc == CORE_OK && s.n == N && same, "  every value bit for bit (-0 and a subnormal too)");
    is_rel(s.dt, dt, 1e-14, "  dt from the time column");
    ok(s.volume == 1234.5678901234567 && s.temp == 299.99999999999994,
       "  volume and temperature keys exact");
    ok(strcmp(s.name, "j.tsv") == 0, "  the input's name");
    hflux_series_release(&s);
    ok(!s.j && s.n == 0, "released");
    free(buf);
}

static void
test_forms(void)
{
    struct hflux_opts o = {0};
    struct hflux_series s;
    struct core_err err;
    char *text;
    int rc;

    hflux_series_init(&s);

    /* LAMMPS fix ave/time of compute heat/flux: steps, c_ID[1..6], no units */
    text = series_text("# Time-averaged data for fix JJ\n# TimeStep c_f[1] c_f[2] c_f[3]\n", 20,
                       1000, 10);
    o.dt = 0.0005;
    rc = read_text(text, &o, &s, &err);
    is_int(rc, CORE_OK, "LAMMPS TimeStep c_f[1] c_f[2] c_f[3] with dt the MD step");
    ok(rc == CORE_OK && s.n == 20 && s.j[3] == 1.5 && s.j[4] == -1.25 && s.j[5] == 1e-3,
       "  J from c_f[1..3]");
    is_rel(s.dt, 0.005, 1e-14, "  sampling = 10 steps of 0.5 fs");
    ok(s.volume == 0 && s.temp == 0, "  no keys: 0");
    free(text);

    /* a step column, Jx Jy Jz without units */
    text = series_text("# step Jx Jy Jz\n", 16, 0, 1);
    o.dt = 0.25;
    rc = read_text(text, &o, &s, &err);
    ok(rc == CORE_OK && s.n == 16 && s.dt == 0.25, "step column: dt times steps");
    free(text);

    /* time in fs, units spelled another way, keys with bare numbers */
    text = series_text("# volume = 512\n# temperature = 77\n"
                       "# time[fs] Jx[eV*Ang/ps] Jy[eV.A/ps] Jz[eV*Angstrom/ps]\n",
                       32, 0, 2.5);
    o.dt = 0;
    rc = read_text(text, &o, &s, &err);
    ok(rc == CORE_OK && s.n == 32 && s.volume == 512 && s.temp == 77, "time in fs, bare keys");
    is_rel(s.dt, 0.0025, 1e-14, "  2.5 fs = 0.0025 ps");
    free(text);

    /* no time column: dt alone; --columns in another order */
    text = series_text("# a qx qy qz\n", 17, 3, 1);
    o.dt = 0.01;
    o.columns = "qz,qx,qy";
    rc = read_text(text, &o, &s, &err);
    ok(rc == CORE_OK && s.n == 17 && s.dt == 0.01 && s.j[3] == 1e-3 && s.j[4] == 1.5 &&
           s.j[5] == -1.25,
       "--columns qz,qx,qy picks and orders; no time column: dt");
    free(text);

    /* exactly 16 rows per segment */
    text = series_text("# time[ps] Jx Jy Jz\n", 48, 0, 0.1);
    o = (struct hflux_opts){.nseg = 3};
    rc = read_text(text, &o, &s, &err);
    ok(rc == CORE_OK && s.n == 48, "48 rows in 3 segments of 16");
    free(text);
    hflux_series_release(&s);
}

static void
test_errors(void)
{
    struct hflux_opts o = {0};
    char *text;

    expect_error("", &o, "j.tsv:0: no header line naming the columns", "an empty input");
    expect_error("# time[ps] Jx Jy Jz\n0 1 2 3\n0.1 1 nan 3\n", &o,
                 "j.tsv:3: column 3 (Jy): 'nan' is not a finite decimal number", "NaN");
    expect_error("# time[ps] Jx Jy Jz\n0 1 2\n", &o,
                 "j.tsv:2: 3 columns, but the header (line 1) names 4", "a short row");
    expect_error("# seed = 1\n\n# time[ps] Jx Jy Q\n0 1 2 3\n", &o,
                 "j.tsv:3: no heat-current columns: expected Jx Jy Jz, LAMMPS c_ID[1] c_ID[2] "
                 "c_ID[3], or names given with --columns",
                 "no current columns (the header's line)");
    expect_error("# TimeStep c_f[1] c_f[2]\n0 1 2\n", &o, "j.tsv:1: no heat-current columns",
                 "LAMMPS without c_f[3]");
    expect_error("# TimeStep c_f c_f[2] c_f[3]\n0 1 2 3\n", &o, "j.tsv:1: no heat-current columns",
                 "LAMMPS c_f without [1]");
    expect_error("#\n# time[ps] Jx Jy Jz[W]\n0 1 2 3\n", &o,
                 "j.tsv:2: column Jz is in 'W': kappa-gk reads eV*A/ps", "J in the wrong unit");
    o.columns = "Jx,Jy";
    expect_error("# time[ps] Jx Jy Jz\n0 1 2 3\n", &o,
                 "j.tsv:1: --columns 'Jx,Jy': give three names", "two --columns");
    o.columns = "Jx,Jy,Jz,Jx";
    expect_error("# time[ps] Jx Jy Jz\n0 1 2 3\n", &o,
                 "j.tsv:1: --columns 'Jx,Jy,Jz,Jx': give three names", "four --columns");
    o.columns = "Jx,Jw,Jz";
    expect_error("# time[ps] Jx Jy Jz\n0 1 2 3\n", &o, "j.tsv:1: no column 'Jw' (--columns)",
                 "a missing --columns name");
    o.columns = NULL;
    expect_error("# volume = big\n# time[ps] Jx Jy Jz\n0 1 2 3\n", &o,
                 "j.tsv: `volume = big`: expected a positive number in A^3", "a bad volume");
    expect_error("# volume = -5 A^3\n# time[ps] Jx Jy Jz\n0 1 2 3\n", &o,
                 "`volume = -5 A^3`: expected a positive number", "a negative volume");
    expect_error("# volume = 5 nm^3\n# time[ps] Jx Jy Jz\n0 1 2 3\n", &o,
                 "`volume = 5 nm^3`: expected a positive number in A^3", "a volume in nm^3");
    expect_error("# temperature = 300 C\n# time[ps] Jx Jy Jz\n0 1 2 3\n", &o,
                 "j.tsv: `temperature = 300 C`: expected a positive number in K",
                 "a temperature in C");
    expect_error("# temperature = 1e999\n# time[ps] Jx Jy Jz\n0 1 2 3\n", &o,
                 "expected a positive number in K", "an infinite temperature");
    expect_error("# note\n# time[K] Jx Jy Jz\n0 1 2 3\n", &o,
                 "j.tsv:2: column time is in 'K', not ps, fs or ns", "time in K");
    o.dt = 0.001;
    expect_error("# time[ps] Jx Jy Jz\n0 1 2 3\n", &o,
                 "j.tsv: the input has a time column; --dt is for input without one or counted "
                 "in steps",
                 "dt with a time column");
    o.dt = 0;
    expect_error("\n# TimeStep Jx Jy Jz\n0 1 2 3\n", &o,
                 "j.tsv:2: time counted in steps (TimeStep): give the MD time step with --dt",
                 "steps without dt");
    expect_error("# Jx Jy Jz\n1 2 3\n", &o,
                 "j.tsv:1: no time column (time[ps], TimeStep or step): give --dt", "no time");

    text = series_text("# time[ps] Jx Jy Jz\n", 15, 0, 0.1);
    expect_error(text, &o, "j.tsv: 15 rows: at least 16 per segment are needed", "15 rows");
    free(text);
    text = series_text("# time[ps] Jx Jy Jz\n", 47, 0, 0.1);
    o.nseg = 3;
    expect_error(text, &o, "j.tsv: 47 rows: at least 16 per segment are needed",
                 "47 rows in 3 segments");
    o.nseg = 0;
    free(text);
    expect_error("# time[ps] Jx Jy Jz\n", &o, "j.tsv: 0 rows: at least 16", "a header only");

    /* a missing row: the line of the row after the gap, past comments and blank lines */
    {
        char *buf = NULL;
        size_t len = 0;
        FILE *fp = open_memstream(&buf, &len);
        fputs("# volume = 1 A^3\n# time[ps] Jx Jy Jz\n", fp);
        for (int i = 0; i < 40; i++) {
            if (i == 20)
                fputs("\n# a comment\n\n", fp);
            if (i != 25)
                fprintf(fp, "%.17g 1 2 3\n", 0.005 * i);
        }
        fclose(fp);
        /* rows 0..19 on lines 3..22, three lines, rows 20..24 on 26..30, row 26 on 31 */
        expect_error(buf, &o,
                     "j.tsv:31: time 0.13: a step of 0.01 after the previous row, not 0.005: "
                     "sampling must be uniform (a missing, repeated or reordered row?)",
                     "a missing row (its line)");
        free(buf);
    }
    text = series_text("# time[ps] Jx Jy Jz\n", 20, 7, 0);
    expect_error(text, &o, "j.tsv:3: time 7: a step of 0 after the previous row, not 0",
                 "a constant time");
    free(text);
    text = series_text("# time[ps] Jx Jy Jz\n", 20, 7, -0.5);
    expect_error(text, &o, "j.tsv:3: time 6.5: a step of -0.5", "a decreasing time");
    free(text);
}

static void
test_write_errors(void)
{
    double j[3] = {1, 2, NAN};
    struct core_err err;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    int rc;

    rc = hflux_write_sample(fp, 0.5, j, &err);
    is_int(rc, CORE_EINPUT, "a NaN sample is refused");
    ok(strstr(err.msg, "row column 4 is nan") != NULL, "  message: %s", err.msg);
    j[2] = 3;
    rc = hflux_write_sample(fp, INFINITY, j, &err);
    ok(rc == CORE_EINPUT && strstr(err.msg, "row column 1 is inf"), "an infinite time: %s",
       err.msg);
    fclose(fp);
    is_int((long)len, 0, "  nothing written");
    free(buf);
    fp = fopen("/dev/full", "w");
    if (fp) {
        setvbuf(fp, NULL, _IONBF, 0);
        rc = hflux_write_header(fp, &err);
        ok(rc == CORE_EIO && strstr(err.msg, "write error"), "header to a full device: %s",
           err.msg);
        rc = hflux_write_sample(fp, 0, j, &err);
        ok(rc == CORE_EIO, "sample to a full device");
        fclose(fp);
    } else {
        ok(1, "# SKIP /dev/full not available");
    }
}

int
main(void)
{
    test_round_trip();
    test_forms();
    test_errors();
    test_write_errors();
    done_testing();
    return exit_status();
}
