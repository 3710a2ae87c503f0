/*
 * Unit tests of lib/mtp and formats/mtp_file: the .mtp format (fields, CRLF, untrained files,
 * exact round trips, every error path), the potential struct (checks, copy, level), the basis
 * generator (MLIP's K for every level, MLIP's scalars value for value when the shared interop
 * data are there), and the evaluation: an analytic dimer, forces = -dE/dx by central differences,
 * virial = -dE/deps by finite strain, rotation and translation invariance, periodic images of
 * cells thinner than the cut-off (supercell = sum of cells), site-energy derivatives dU_i/dr_ij
 * against finite differences and against the forces, the external-list entry point, bitwise
 * equality across thread counts, and every error of the evaluator.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "../../formats/mtp_file.h"
#include "../../formats/stream.h"
#include "../../lib/core/core.h"
#include "../../lib/mtp/mtp.h"
#include "../tap.h"

/* ---- helpers ---- */

static int
read_text(const char *text, struct mtp_pot *pot, struct core_err *err)
{
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    struct stream_in in;
    int rc;
    if (!fp)
        return -1;
    stream_in_attach(&in, fp, "t.mtp");
    rc = mtp_file_read(&in, pot, err);
    stream_in_close(&in);
    fclose(fp);
    return rc;
}

/* Writes pot into a malloc'd string (*out, caller frees). */
static int
write_text(const struct mtp_pot *pot, char **out, struct core_err *err)
{
    size_t len;
    FILE *fp = open_memstream(out, &len);
    int rc;
    if (!fp)
        return -1;
    rc = mtp_file_write(fp, pot, err);
    fclose(fp);
    return rc;
}

static int
same_pot(const struct mtp_pot *a, const struct mtp_pot *b)
{
    size_t nr = a->nspecies * a->nspecies * a->nrad * a->nrb;
    return strcmp(a->name, b->name) == 0 && strcmp(a->tag, b->tag) == 0 &&
           memcmp(&a->scaling, &b->scaling, sizeof a->scaling) == 0 && a->nspecies == b->nspecies &&
           a->rmin == b->rmin && a->rcut == b->rcut && a->nrb == b->nrb && a->nrad == b->nrad &&
           a->nmoments == b->nmoments && a->nbasic == b->nbasic && a->ntimes == b->ntimes &&
           a->nscalar == b->nscalar && a->has_radial == b->has_radial &&
           a->has_linear == b->has_linear &&
           memcmp(a->radial, b->radial, nr * sizeof *a->radial) == 0 &&
           memcmp(a->basic, b->basic, 4 * a->nbasic * sizeof *a->basic) == 0 &&
           memcmp(a->times, b->times, 4 * a->ntimes * sizeof *a->times) == 0 &&
           memcmp(a->mapping, b->mapping, a->nscalar * sizeof *a->mapping) == 0 &&
           memcmp(a->species_coeffs, b->species_coeffs, a->nspecies * sizeof(double)) == 0 &&
           memcmp(a->moment_coeffs, b->moment_coeffs, a->nscalar * sizeof(double)) == 0;
}

/* A trained potential of the given level with random coefficients of a sensible size. */
static void
random_pot(struct mtp_pot *pot, int level, size_t nspecies, double rmin, double rcut, uint64_t seed)
{
    struct core_err err = {0};
    struct core_rng rng;
    size_t nr;
    if (mtp_pot_generate(pot, level, nspecies, 6, rmin, rcut, &err))
        printf("# generate: %s\n", err.msg);
    core_rng_init(&rng, seed, 77, 0, 0);
    nr = pot->nspecies * pot->nspecies * pot->nrad * pot->nrb;
    for (size_t q = 0; q < nr; q++)
        pot->radial[q] = 0.04 * (core_rng_uniform(&rng) - 0.5);
    for (size_t t = 0; t < pot->nspecies; t++)
        pot->species_coeffs[t] = -3 - core_rng_uniform(&rng);
    for (size_t k = 0; k < pot->nscalar; k++)
        pot->moment_coeffs[k] = 0.2 * (core_rng_uniform(&rng) - 0.5);
    pot->scaling = 0.7;
    pot->has_radial = pot->has_linear = 1;
}

/* natoms random atoms (types 0/1) in cell, no two closer than dmin (periodic distance). */
static void
random_config(size_t natoms, const double cell[9], double dmin, uint64_t seed, double *pos,
              int *type)
{
    struct core_rng rng;
    core_rng_init(&rng, seed, 78, 0, 0);
    for (size_t i = 0; i < natoms; i++) {
        for (int tries = 0; tries < 100000; tries++) {
            double s[3], ok = 1;
            for (int k = 0; k < 3; k++)
                s[k] = core_rng_uniform(&rng);
            for (int k = 0; k < 3; k++)
                pos[3 * i + k] = s[0] * cell[k] + s[1] * cell[3 + k] + s[2] * cell[6 + k];
            for (size_t j = 0; j < i && ok; j++)
                for (int a = -1; a <= 1 && ok; a++)
                    for (int b = -1; b <= 1 && ok; b++)
                        for (int c = -1; c <= 1 && ok; c++) {
                            double d2 = 0;
                            for (int k = 0; k < 3; k++) {
                                double d = pos[3 * i + k] - pos[3 * j + k] + a * cell[k] +
                                           b * cell[3 + k] + c * cell[6 + k];
                                d2 += d * d;
                            }
                            if (d2 < dmin * dmin)
                                ok = 0;
                        }
            if (ok)
                break;
        }
        type[i] = (int)(core_rng_next(&rng) % 2);
    }
}

static double
maxabs(const double *x, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(x[i]) > m)
            m = fabs(x[i]);
    return m;
}

/* ---- the format ---- */

#define RADIAL_06                                                                                  \
    "\tradial_coeffs\n"                                                                            \
    "\t\t0-0\n"                                                                                    \
    "\t\t\t{1.5e-01, -2.5e-01, 3.0e-01}\n"                                                         \
    "\t\t\t{-1.0e-01, 2.0e-01, 1.25e-01}\n"                                                        \
    "\t\t0-1\n"                                                                                    \
    "\t\t\t{1, 2, 3}\n"                                                                            \
    "\t\t\t{4, 5, 6}\n"                                                                            \
    "\t\t1-0\n"                                                                                    \
    "\t\t\t{7, 8, 9}\n"                                                                            \
    "\t\t\t{10, 11, 12}\n"                                                                         \
    "\t\t1-1\n"                                                                                    \
    "\t\t\t{13, 14, 15}\n"                                                                         \
    "\t\t\t{16, 17, 18}\n"
#define HEAD_06                                                                                    \
    "MTP\n"                                                                                        \
    "version = 1.1.0\n"                                                                            \
    "potential_name = MTP1m\n"                                                                     \
    "scaling = 1.954217552967135e-01\n"                                                            \
    "species_count = 2\n"                                                                          \
    "potential_tag = \n"                                                                           \
    "radial_basis_type = RBChebyshev\n"                                                            \
    "\tmin_dist = 9.000000000000000e-01\n"                                                         \
    "\tmax_dist = 5.000000000000000e+00\n"                                                         \
    "\tradial_basis_size = 3\n"                                                                    \
    "\tradial_funcs_count = 2\n"
#define ALPHA_06                                                                                   \
    "alpha_moments_count = 8\n"                                                                    \
    "alpha_index_basic_count = 5\n"                                                                \
    "alpha_index_basic = {{0, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}, {1, 0, 0, 0}}\n" \
    "alpha_index_times_count = 5\n"                                                                \
    "alpha_index_times = {{0, 0, 1, 5}, {1, 1, 1, 6}, {2, 2, 1, 6}, {3, 3, 1, 6}, {0, 5, 1, 7}}\n" \
    "alpha_scalar_moments = 5\n"                                                                   \
    "alpha_moment_mapping = {0, 4, 5, 6, 7}\n"
#define COEFFS_06                                                                                  \
    "species_coeffs = {-7.289935932190625e+00, -1.845810382034874e+00}\n"                          \
    "moment_coeffs = {6.795776212287172e-01, 5.643284513735967e+00, -5.502906241742659e+00, "      \
    "-7.727911786406071e+00, 1.420575557731003e+00}"

static void
test_read(void)
{
    struct mtp_pot pot;
    struct core_err err = {0};
    char *text = NULL, *crlf;
    size_t n;

    mtp_pot_init(&pot);
    is_int(read_text(HEAD_06 RADIAL_06 ALPHA_06 COEFFS_06, &pot, &err), CORE_OK,
           "read a trained two-species file (no newline at the end, as MLIP writes)");
    if (err.msg[0])
        printf("# %s\n", err.msg);
    is_str(pot.name, "MTP1m", "potential_name");
    is_str(pot.tag, "", "empty potential_tag");
    ok(pot.scaling == 1.954217552967135e-01, "scaling");
    ok(pot.nspecies == 2 && pot.nrb == 3 && pot.nrad == 2 && pot.rmin == 0.9 && pot.rcut == 5,
       "species_count, radial basis");
    ok(pot.has_radial && pot.has_linear, "trained");
    ok(pot.radial[0] == 0.15 && pot.radial[5] == 0.125 && pot.radial[6] == 1 &&
           pot.radial[17] == 12 && pot.radial[23] == 18,
       "radial_coeffs in order i-j, mu, b");
    ok(pot.nmoments == 8 && pot.nbasic == 5 && pot.ntimes == 5 && pot.nscalar == 5, "alpha counts");
    ok(pot.basic[4 * 4] == 1 && pot.basic[4 * 1 + 1] == 1 && pot.times[4 * 4 + 1] == 5 &&
           pot.times[4 * 4 + 3] == 7 && pot.mapping[4] == 7,
       "alpha lists");
    ok(pot.species_coeffs[1] == -1.845810382034874 && pot.moment_coeffs[4] == 1.420575557731003,
       "linear coefficients");
    is_int(mtp_pot_level(&pot), 6, "level 6");

    /* CRLF, no potential_name, a tag with words, the second scaling, no blank lines */
    n = strlen(HEAD_06 RADIAL_06 ALPHA_06 COEFFS_06) * 2 + 200;
    crlf = malloc(n);
    {
        const char *src = "MTP\nversion = 1.1.0\nspecies_count = 2\npotential_tag = my pot, v2\n"
                          "radial_basis_type = RBChebyshev\n\tscaling = 2\n"
                          "\tmin_dist = 0.9\n\tmax_dist = 5\n\tradial_basis_size = 3\n"
                          "\tradial_funcs_count = 2\n" RADIAL_06 ALPHA_06 COEFFS_06 "\n";
        size_t w = 0;
        for (const char *p = src; *p; p++) {
            if (*p == '\n')
                crlf[w++] = '\r';
            crlf[w++] = *p;
        }
        crlf[w] = '\0';
    }
    is_int(read_text(crlf, &pot, &err), CORE_OK, "CRLF line ends, optional keys missing");
    is_str(pot.name, "MTP1m", "default potential_name");
    is_str(pot.tag, "my pot, v2", "potential_tag kept");
    ok(pot.scaling == 2, "radial-basis scaling multiplies the header's (1 here)");
    free(crlf);

    /* untrained: defaults, and written back untrained */
    is_int(read_text(HEAD_06 ALPHA_06, &pot, &err), CORE_OK, "untrained file");
    ok(!pot.has_radial && !pot.has_linear, "untrained flags");
    ok(pot.radial[0] == 1e-3 && pot.radial[1] == 1e-6 && pot.radial[4] == 1e-3 &&
           pot.radial[3] == 1e-6 && pot.species_coeffs[0] == 1e-3 && pot.moment_coeffs[4] == 1e-3,
       "MLIP's default coefficients (1e-3 at b = min(mu, nrb-1))");
    is_int(write_text(&pot, &text, &err), CORE_OK, "write an untrained potential");
    ok(text && !strstr(text, "radial_coeffs") && !strstr(text, "species_coeffs") &&
           !strstr(text, "moment_coeffs"),
       "an untrained potential stays untrained");
    {
        struct mtp_pot back;
        mtp_pot_init(&back);
        is_int(read_text(text, &back, &err), CORE_OK, "read it back");
        ok(same_pot(&pot, &back), "untrained round trip identical");
        mtp_pot_release(&back);
    }
    free(text);
    mtp_pot_release(&pot);
}

static void
test_roundtrip(void)
{
    struct mtp_pot pot, back;
    struct core_err err = {0};
    char *t1 = NULL, *t2 = NULL;

    mtp_pot_init(&pot);
    mtp_pot_init(&back);
    random_pot(&pot, 16, 3, 1.1, 4.7, 5);
    /* awkward numbers: round trips need 17 digits */
    pot.radial[0] = 1.0 / 3;
    pot.radial[1] = -0.0;
    pot.radial[2] = 5e-324;
    pot.radial[3] = -1.7976931348623157e308;
    pot.moment_coeffs[0] = 0.1 + 0.2;
    pot.scaling = 4.507324411032952e-02 * 3;
    pot.rmin = 0.1 + 0.7;
    snprintf(pot.tag, sizeof pot.tag, "%s", "tag with spaces");
    is_int(write_text(&pot, &t1, &err), CORE_OK, "write a level-16 three-species potential");
    is_int(read_text(t1, &back, &err), CORE_OK, "read it back");
    if (err.msg[0])
        printf("# %s\n", err.msg);
    ok(same_pot(&pot, &back), "read back bit for bit identical (17 significant digits)");
    ok(signbit(back.radial[1]) && back.radial[2] == 5e-324, "-0 and subnormals survive");
    is_int(write_text(&back, &t2, &err), CORE_OK, "write again");
    ok(t1 && t2 && strcmp(t1, t2) == 0, "the two texts are identical");
    ok(t1 && strstr(t1, "MTP\nversion = 1.1.0\npotential_name = MTP1m\nscaling = ") == t1 &&
           strstr(t1, "\n\tradial_coeffs\n\t\t0-0\n\t\t\t{") && strstr(t1, "\t\t2-2\n") &&
           strstr(t1, "\nalpha_index_basic = {{0, 0, 0, 0}, {0, 1, 0, 0}"),
       "MLIP's layout");
    free(t1);
    free(t2);
    t1 = NULL;
    pot.scaling = 1;
    is_int(write_text(&pot, &t1, &err), CORE_OK, "scaling 1");
    ok(t1 && !strstr(t1, "scaling"), "scaling 1 is not written (as MLIP)");
    free(t1);
    mtp_pot_release(&pot);
    mtp_pot_release(&back);
}

struct bad_case {
    const char *text;
    long line;
    const char *want;
};

static void
test_read_errors(void)
{
    static const struct bad_case cases[] = {
        {"", 1, "first line must be 'MTP'"},
        {"MTP2\n", 1, "first line must be 'MTP'"},
        {"MTP\nversion = 1.0.0\n", 2, "expected 'version = 1.1.0'"},
        {"MTP\nversion = 1.1.0\n", 2, "expected potential_name or species_count, found end"},
        {"MTP\nversion = 1.1.0\npotential_name = a b\n", 3, "one word"},
        {"MTP\nversion = 1.1.0\npotential_name =\n", 3, "one word"},
        {"MTP\nversion = 1.1.0\nscaling = x\n", 3, "scaling: expected a number, found 'x'"},
        {"MTP\nversion = 1.1.0\nscaling = nan\n", 3, "scaling: 'nan' is not a finite"},
        {"MTP\nversion = 1.1.0\nscaling = 1e999\n", 3, "scaling: 1e999 is not a finite"},
        {"MTP\nversion = 1.1.0\nspecies = 2\n", 3, "expected 'species_count', found 'species'"},
        {"MTP\nversion = 1.1.0\nspecies_count = 0\n", 3, "species_count: 0 outside 1..128"},
        {"MTP\nversion = 1.1.0\nspecies_count 2\n", 3, "species_count: expected '='"},
        {"MTP\nversion = 1.1.0\nspecies_count = 2\nradial_basis_type = RBShapeev\n", 4,
         "radial basis 'RBShapeev' is not supported"},
        {"MTP\nversion = 1.1.0\nspecies_count = 2\nfoo = 1\n", 4,
         "expected 'radial_basis_type', found 'foo'"},
        {"MTP\nversion = 1.1.0\nspecies_count = 1\nradial_basis_type = RBChebyshev\n"
         "min_dist = 5\nmax_dist = 2\n",
         6, "need 0 <= min_dist < max_dist"},
        {"MTP\nversion = 1.1.0\nspecies_count = 1\nradial_basis_type = RBChebyshev\n"
         "min_dist = 1\nmax_dist = 2\nradial_basis_size = 1\n",
         7, "radial_basis_size: 1 outside 2..1024"},
        {"MTP\nversion = 1.1.0\nspecies_count = 1\nradial_basis_type = RBChebyshev\n"
         "max_dist = 2\n",
         5, "expected 'min_dist', found 'max_dist'"},
        {HEAD_06 "\tradial_coeffs\n\t\t0-1\n", 13, "expected block 0-0, found 0-1"},
        {HEAD_06 "\tradial_coeffs\n\t\t0-0\n\t\t\t{1, 2}\n", 14,
         "radial_coeffs block 0-0, function 0: 2 entries where 3 were announced"},
        {HEAD_06 "\tradial_coeffs\n\t\t0-0\n\t\t\t{1, 2, 3, 4}\n", 14,
         "more than the 3 entries announced"},
        {HEAD_06 "\tradial_coeffs\n\t\t0-0\n\t\t\t{1, 2, inf}\n", 14, "'inf' is not a finite"},
        {HEAD_06 "\tradial_coeffs\n\t\t0-0\n\t\t\t{1, 2; 3}\n", 14, "expected ','"},
        {HEAD_06 "\tradial_coeffs\n\t\t0-0\n\t\t\t{1, 2,", 14,
         "expected a number, found end of file"},
        {HEAD_06 "alpha_moments_count = 8\nalpha_index_basic_count = 9\n", 13,
         "alpha_index_basic_count: 9 outside 1..8"},
        {HEAD_06 "alpha_moments_count = 8\nalpha_index_basic_count = 1\n"
                 "alpha_index_basic = {{2, 0, 0, 0}}\n",
         14, "alpha_index_basic entry 0: radial function 2 outside 0..1"},
        {HEAD_06 "alpha_moments_count = 8\nalpha_index_basic_count = 1\n"
                 "alpha_index_basic = {{0, 0, 0, 0}}\n",
         14, "uses 1 radial functions (MLIP requires them equal)"},
        {HEAD_06 "alpha_moments_count = 8\nalpha_index_basic_count = 2\n"
                 "alpha_index_basic = {{0, -1, 0, 0}, {1, 0, 0, 0}}\n",
         14, "alpha_index_basic entry 0: -1 outside 0.."},
        {HEAD_06 "alpha_moments_count = 8\nalpha_index_basic_count = 2\n"
                 "alpha_index_basic = {{0, 65, 0, 0}, {1, 0, 0, 0}}\n",
         14, "tensor rank 65 above 64"},
        {HEAD_06 "alpha_moments_count = 8\nalpha_index_basic_count = 2\n"
                 "alpha_index_basic = {{0, 0, 0}, {1, 0, 0, 0}}\n",
         14, "alpha_index_basic entry 0: expected ',', found '}'"},
        {HEAD_06 "alpha_moments_count = 8\nalpha_index_basic_count = 2\n"
                 "alpha_index_basic = {{0, 0, 0, 0}, {1, 0, 0, 0}}\n"
                 "alpha_index_times_count = 1\nalpha_index_times = {{0, 9, 1, 5}}\n",
         16, "alpha_index_times entry 0: moment 0 or 9 outside 0..7"},
        {HEAD_06 "alpha_moments_count = 8\nalpha_index_basic_count = 2\n"
                 "alpha_index_basic = {{0, 0, 0, 0}, {1, 0, 0, 0}}\n"
                 "alpha_index_times_count = 1\nalpha_index_times = {{0, 1, 1, 1}}\n",
         16, "result 1 outside the non-basic moments 2..7"},
        {HEAD_06 "alpha_moments_count = 8\nalpha_index_basic_count = 2\n"
                 "alpha_index_basic = {{0, 0, 0, 0}, {1, 0, 0, 0}}\n"
                 "alpha_index_times_count = 2\nalpha_index_times = {{0, 3, 1, 2}, {0, 1, 1, 3}}\n",
         16, "entry 0 reads moment 3 before its last update (entry 1)"},
        {HEAD_06 "alpha_moments_count = 8\nalpha_index_basic_count = 2\n"
                 "alpha_index_basic = {{0, 0, 0, 0}, {1, 0, 0, 0}}\n"
                 "alpha_index_times_count = 0\nalpha_index_times = {}\n"
                 "alpha_scalar_moments = 2\nalpha_moment_mapping = {0, 8}\n",
         18, "alpha_moment_mapping: 8 outside 0..7"},
        {HEAD_06 "alpha_moments_count = 8\nalpha_index_basic_count = 2\n"
                 "alpha_index_basic = {{0, 0, 0, 0}, {1, 0, 0, 0}}\n"
                 "alpha_index_times_count = 0\nalpha_index_times = {}\n"
                 "alpha_scalar_moments = 2\nalpha_moment_mapping = {0, 1}\nmoment_coeffs = {1}\n",
         19, "expected 'species_coeffs' or the end of the file, found 'moment_coeffs'"},
        {HEAD_06 ALPHA_06 "species_coeffs = {1, 2}\n", 19,
         "expected 'moment_coeffs', found end of file"},
        {HEAD_06 ALPHA_06 "species_coeffs = {1, 2}\nmoment_coeffs = {1, 2, 3, 4, 5}\nextra\n", 21,
         "unexpected 'extra' after moment_coeffs"},
        {HEAD_06 ALPHA_06 "species_coeffs = {1, 2, 3}\n", 19,
         "species_coeffs: more than the 2 entries announced"},
        {"MTP\nversion = 1.1.0\nspecies_count = 99999999999999999999\n", 3,
         "species_count: 99999999999999999999 outside 1..128"},
        {"MTP\nversion = 1.1.0\nspecies_count = 9999999999999999999999999999999999\n", 3,
         "species_count: integer too long"},
        {"MTP\nversion = 1.1.0\nspecies_count = -\n", 3, "species_count: expected an integer"},
        {"MTP\nversion = 1.1.0\nspecies_count = 128\nradial_basis_type = RBChebyshev\n"
         "min_dist = 1\nmax_dist = 2\nradial_basis_size = 1024\nradial_funcs_count = 1024\n",
         8, "more than 10000000 radial coefficients"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct mtp_pot pot;
        struct core_err err = {0};
        char prefix[32];
        int rc;
        mtp_pot_init(&pot);
        rc = read_text(cases[c].text, &pot, &err);
        snprintf(prefix, sizeof prefix, "t.mtp:%ld: ", cases[c].line);
        ok(rc == CORE_EINPUT && strncmp(err.msg, prefix, strlen(prefix)) == 0 &&
               strstr(err.msg, cases[c].want) && pot.radial == NULL && pot.nbasic == 0,
           "read error %zu: %s", c, cases[c].want);
        if (rc != CORE_EINPUT || strncmp(err.msg, prefix, strlen(prefix)) ||
            !strstr(err.msg, cases[c].want))
            printf("#   rc %d, message '%s', want '%s%s'\n", rc, err.msg, prefix, cases[c].want);
        mtp_pot_release(&pot);
    }
}

static void
test_write_errors(void)
{
    struct mtp_pot pot;
    struct core_err err = {0};
    char *text = NULL;
    FILE *full;

    mtp_pot_init(&pot);
    is_int(write_text(&pot, &text, &err), CORE_EINPUT, "writing an empty potential");
    free(text);
    random_pot(&pot, 8, 2, 1, 4, 3);
    snprintf(pot.name, sizeof pot.name, "%s", "two words");
    is_int(write_text(&pot, &text, &err), CORE_EINPUT, "a name of two words");
    ok(strstr(err.msg, "potential_name 'two words' must be one word") != NULL, "its message");
    free(text);
    pot.name[0] = '\0';
    is_int(write_text(&pot, &text, &err), CORE_EINPUT, "an empty name");
    free(text);
    snprintf(pot.name, sizeof pot.name, "%s", "x");
    snprintf(pot.tag, sizeof pot.tag, "%s", "a\nb");
    is_int(write_text(&pot, &text, &err), CORE_EINPUT, "a tag with a line break");
    free(text);
    pot.tag[0] = '\0';
    pot.moment_coeffs[1] = NAN;
    is_int(write_text(&pot, &text, &err), CORE_EINPUT, "a NaN coefficient");
    is_str(err.msg, "moment_coeffs: a coefficient is not finite", "its message");
    free(text);
    pot.moment_coeffs[1] = 0;
    full = fopen("/dev/full", "w");
    if (full) {
        setvbuf(full, NULL, _IONBF, 0);
        is_int(mtp_file_write(full, &pot, &err), CORE_EIO, "write error is CORE_EIO");
        fclose(full);
    }
    mtp_pot_release(&pot);
}

/* ---- the potential struct ---- */

static void
test_pot(void)
{
    struct mtp_pot pot, cp;
    struct core_err err = {0};

    static const struct {
        int what;
        const char *want;
    } mut[] = {
        {0, "species_count 0 outside"},
        {1, "min_dist 4 and max_dist 4"},
        {2, "radial_basis_size 1 outside 2..1024"},
        {3, "radial_funcs_count 0 outside"},
        {4, "exceeds alpha_moments_count"},
        {5, "alpha_index_basic entry 3: radial function 7 outside 0..1"},
        {6, "alpha_index_basic entry 2: powers 0 -1 0"},
        {7, "radial_funcs_count 2 but alpha_index_basic uses 1 radial functions"},
        {8, "alpha_index_times entry 0: moment -1 or 0 outside"},
        {9, "alpha_index_times entry 1: result 3 outside the non-basic moments"},
        {10, "alpha_moment_mapping entry 2: moment 99 outside"},
        {11, "radial_coeffs: a coefficient is not finite"},
        {12, "species_coeffs: a coefficient is not finite"},
        {13, "scaling is not finite"},
        {14, "alpha_index_times entry 0 reads moment"},
    };

    mtp_pot_init(&pot);
    mtp_pot_init(&cp);
    is_int(mtp_pot_check(&pot, &err), CORE_EINPUT, "an empty potential fails the check");
    random_pot(&pot, 8, 2, 1, 4, 3);
    is_int(mtp_pot_check(&pot, &err), CORE_OK, "a generated potential passes");
    for (size_t c = 0; c < sizeof mut / sizeof mut[0]; c++) {
        int rc;
        mtp_pot_copy(&cp, &pot, &err);
        switch (mut[c].what) {
        case 0:
            cp.nspecies = 0;
            break;
        case 1:
            cp.rmin = 4;
            break;
        case 2:
            cp.nrb = 1;
            break;
        case 3:
            cp.nrad = 0;
            break;
        case 4:
            cp.nbasic = cp.nmoments + 1;
            break;
        case 5:
            cp.basic[4 * 3] = 7;
            break;
        case 6:
            cp.basic[4 * 2 + 2] = -1;
            break;
        case 7:
            for (size_t p = 0; p < cp.nbasic; p++)
                cp.basic[4 * p] = 0;
            break;
        case 8:
            cp.times[0] = -1;
            break;
        case 9:
            cp.times[4 + 3] = 3;
            break;
        case 10:
            cp.mapping[2] = 99;
            break;
        case 11:
            cp.radial[5] = INFINITY;
            break;
        case 12:
            cp.species_coeffs[1] = NAN;
            break;
        case 13:
            cp.scaling = INFINITY;
            break;
        case 14:
            /* entry 0 reads the result of the last entry */
            cp.times[1] = cp.times[4 * (cp.ntimes - 1) + 3];
            break;
        }
        rc = mtp_pot_check(&cp, &err);
        ok(rc == CORE_EINPUT && strstr(err.msg, mut[c].want), "check: %s", mut[c].want);
        if (rc != CORE_EINPUT || !strstr(err.msg, mut[c].want))
            printf("#   rc %d '%s'\n", rc, err.msg);
        /* nspecies 0 would make the copy's release miss nothing: arrays are freed by pointer */
    }
    mtp_pot_copy(&cp, &pot, &err);
    ok(same_pot(&cp, &pot), "copy is identical");
    is_int(mtp_pot_copy(&cp, &cp, &err), CORE_OK, "copy onto itself");
    is_int(mtp_pot_resize(&cp, 0, 8, 2, 1, 1, 0, 0, &err), CORE_EINPUT, "resize: no species");
    is_int(mtp_pot_resize(&cp, 2, 8, 2000, 1, 1, 0, 0, &err), CORE_EINPUT,
           "resize: too many radial functions");
    is_int(mtp_pot_resize(&cp, 2, 8, 2, MTP_MAXCOUNT + 1, 1, 0, 0, &err), CORE_EINPUT,
           "resize: too many moments");
    is_int(mtp_pot_resize(&cp, 128, 1024, 1000, 1, 1, 0, 0, &err), CORE_EINPUT,
           "resize: too many radial coefficients");
    is_int(mtp_pot_level(&pot), 8, "level of a generated level-8 basis");
    /* a term of a 3-term moment (M01 . M01) made of M00 instead of an M01 component */
    for (size_t e = 0; e < pot.ntimes; e++)
        if (pot.times[4 * e] >= 1 && pot.times[4 * e] <= 3) {
            pot.times[4 * e] = 0;
            break;
        }
    is_int(mtp_pot_level(&pot), -1, "inconsistent levels: -1");
    mtp_pot_release(&pot);
    mtp_pot_release(&cp);
    is_int(mtp_pot_level(&pot), 0, "level of an empty potential");
    mtp_pot_coeffs_default(&pot); /* no arrays: nothing happens */
    ok(1, "defaults on an empty potential");
}

/* ---- the basis generator ---- */

/* The scalars of pot for basic moments computed from nn unit vectors u and radial values f. */
static void
scalars_of(const struct mtp_pot *p, const double *f, const double *u, int nn, double *B)
{
    double *m = calloc(p->nmoments, sizeof *m);
    for (size_t q = 0; q < p->nbasic; q++) {
        const int *e = p->basic + 4 * q;
        for (int j = 0; j < nn; j++)
            m[q] += f[8 * j + e[0]] * pow(u[3 * j], e[1]) * pow(u[3 * j + 1], e[2]) *
                    pow(u[3 * j + 2], e[3]);
    }
    for (size_t t = 0; t < p->ntimes; t++) {
        const int *e = p->times + 4 * t;
        m[e[3]] += e[2] * m[e[0]] * m[e[1]];
    }
    for (size_t k = 0; k < p->nscalar; k++)
        B[k] = m[p->mapping[k]];
    free(m);
}

static void
test_generate(void)
{
    static const size_t K[15] = {0, 1, 2, 5, 9, 16, 29, 52, 92, 163, 288, 500, 864, 1464, 2445};
    static const size_t nrad[15] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 6, 6};
    static const size_t nbasic[15] = {0,   1,   1,   5,   11,  25,  46, 81,
                                      130, 201, 295, 421, 581, 706, 866};
    struct mtp_pot pot;
    struct core_err err = {0};
    const char *root = getenv("FPMS_ROOT");
    int kok = 1, lok = 1, dok = 1;

    mtp_pot_init(&pot);
    for (int level = 2; level <= 28; level += 2) {
        int rc = mtp_pot_generate(&pot, level, 1, 8, 2, 5, &err);
        if (rc || pot.nscalar != K[level / 2] || pot.nrad != nrad[level / 2] ||
            pot.nbasic != nbasic[level / 2]) {
            kok = 0;
            printf("# level %d: rc %d K %zu nrad %zu nbasic %zu\n", level, rc, pot.nscalar,
                   pot.nrad, pot.nbasic);
        }
        if (mtp_pot_level(&pot) != level)
            lok = 0;
        if (pot.has_radial || pot.has_linear || pot.radial[0] != 1e-3 || pot.scaling != 1)
            dok = 0;
    }
    ok(kok, "levels 2..28: MLIP's K, radial_funcs_count and alpha_index_basic_count");
    ok(lok, "levels 2..28: the level of the basis is the level asked for");
    ok(dok, "generated potentials are untrained with MLIP's defaults");
    is_int(mtp_pot_generate(&pot, 7, 1, 8, 2, 5, &err), CORE_EINPUT, "odd level");
    is_str(err.msg, "level 7: MTP levels are even, 2 to 28", "its message");
    is_int(mtp_pot_generate(&pot, 30, 1, 8, 2, 5, &err), CORE_EINPUT, "level 30");
    is_int(mtp_pot_generate(&pot, 10, 0, 8, 2, 5, &err), CORE_EINPUT, "no species");
    is_int(mtp_pot_generate(&pot, 10, 1, 1, 2, 5, &err), CORE_EINPUT, "radial basis size 1");
    is_int(mtp_pot_generate(&pot, 10, 1, 8, 5, 5, &err), CORE_EINPUT, "min_dist = max_dist");
    is_int(mtp_pot_generate(&pot, 10, 1, 8, NAN, 5, &err), CORE_EINPUT, "min_dist NaN");
    ok(pot.radial == NULL, "released on error");

    /* MLIP's own bases (trained potentials of the interop data): the same scalars */
    for (int level = 6; level <= 16; level += level == 6 ? 4 : 6) {
        char path[4096];
        struct stream_in in;
        struct mtp_pot ref;
        mtp_pot_init(&ref);
        snprintf(path, sizeof path, "%s/../shared/interop/mlip/pot_%02d.mtp", root ? root : ".",
                 level);
        if (!root || stream_in_open(&in, path, &err) != CORE_OK) {
            ok(1, "# SKIP level %d: no MLIP interop data (FPMS_ROOT/../shared)", level);
            continue;
        }
        if (mtp_file_read(&in, &ref, &err) != CORE_OK) {
            ok(0, "read %s: %s", path, err.msg);
            stream_in_close(&in);
            continue;
        }
        stream_in_close(&in);
        mtp_pot_generate(&pot, level, 2, 8, 0.9, 5, &err);
        {
            int nn = 9, matched = 0;
            double f[9 * 8], u[27], *A = malloc(ref.nscalar * sizeof *A),
                                    *B = malloc(pot.nscalar * sizeof *B);
            int *used = calloc(pot.nscalar, sizeof *used);
            struct core_rng rng;
            core_rng_init(&rng, 11, 79, (uint64_t)level, 0);
            for (int j = 0; j < nn; j++) {
                double v[3], n2 = 0;
                for (int k = 0; k < 3; k++) {
                    v[k] = core_rng_uniform(&rng) - 0.5;
                    n2 += v[k] * v[k];
                }
                for (int k = 0; k < 3; k++)
                    u[3 * j + k] = v[k] / sqrt(n2);
                for (int mu = 0; mu < 8; mu++)
                    f[8 * j + mu] = core_rng_uniform(&rng) - 0.3;
            }
            scalars_of(&ref, f, u, nn, A);
            scalars_of(&pot, f, u, nn, B);
            for (size_t k = 0; k < ref.nscalar; k++)
                for (size_t q = 0; q < pot.nscalar; q++)
                    if (!used[q] && fabs(A[k] - B[q]) <= 1e-12 * fabs(A[k])) {
                        used[q] = 1;
                        matched++;
                        break;
                    }
            ok(ref.nscalar == pot.nscalar && (size_t)matched == ref.nscalar &&
                   ref.nbasic == pot.nbasic && ref.nrad == pot.nrad,
               "level %d: the generated basis has MLIP's %zu scalars, value for value", level,
               ref.nscalar);
            free(A);
            free(B);
            free(used);
        }
        mtp_pot_release(&ref);
    }
    mtp_pot_release(&pot);
}

/* ---- evaluation ---- */

static double
energy_of(const struct mtp_pot *pot, struct mtp_work *w, size_t n, const int *type,
          const double *pos, const double *cell, const int *pbc)
{
    struct core_err err = {0};
    double e = NAN;
    if (mtp_calc(pot, w, n, type, pos, cell, pbc, &e, NULL, NULL, &err))
        printf("# mtp_calc: %s\n", err.msg);
    return e;
}

/* The dimer against the formula written with cos(b acos x). */
static void
test_dimer(void)
{
    struct mtp_pot pot;
    struct mtp_work *w = NULL;
    struct core_err err = {0};
    const double c[4] = {0.3, -0.7, 0.11, 0.05}, rmin = 1.2, rcut = 4.5, s = 0.37;
    int type[2] = {0, 0}, pbc[3] = {0, 0, 0};
    double pos[6] = {0.1, 0.2, 0.3, 0, 0, 0}, e, f[6], v[9];

    mtp_pot_init(&pot);
    mtp_pot_generate(&pot, 2, 1, 4, rmin, rcut, &err);
    memcpy(pot.radial, c, sizeof c);
    pot.scaling = s;
    pot.species_coeffs[0] = -1.5;
    pot.moment_coeffs[0] = 2.5;
    pot.has_radial = pot.has_linear = 1;
    is_int(mtp_work_alloc(&pot, &w, &err), CORE_OK, "plan a level-2 potential");
    for (int q = 0; q < 3; q++) {
        const double r = q == 0 ? 1.7 : q == 1 ? 3.9 : 4.4999;
        double x = (2 * r - (rmin + rcut)) / (rcut - rmin), fr = 0, want;
        for (int b = 0; b < 4; b++)
            fr += c[b] * s * cos(b * acos(x)) * (rcut - r) * (rcut - r);
        want = 2 * (-1.5 + 2.5 * fr);
        pos[3] = 0.1 + r * 0.6, pos[4] = 0.2 + r * 0.8, pos[5] = 0.3;
        mtp_calc(&pot, w, 2, type, pos, NULL, pbc, &e, f, v, &err);
        is_rel(e, want, 1e-13, "dimer at %.4f A: E = 2 (xi0 + xi1 sum_b c_b s T_b(x) (rcut-r)^2)",
               r);
        ok(fabs(f[0] + f[3]) < 1e-14 && fabs(f[1] + f[4]) < 1e-14 && fabs(f[2]) < 1e-14 &&
               fabs(f[0] * 0.8 - f[1] * 0.6) < 1e-13,
           "dimer forces opposite and along the bond");
    }
    pos[3] = 0.1 + rcut * 0.6, pos[4] = 0.2 + rcut * 0.8;
    mtp_calc(&pot, w, 2, type, pos, NULL, NULL, &e, f, v, &err);
    ok(e == -3 && maxabs(f, 6) == 0 && maxabs(v, 9) == 0,
       "at r >= rcut: only the species coefficients, no force, no virial");
    mtp_work_free(w);
    mtp_pot_release(&pot);
}

/* Forces by central differences, virial by finite strain, on a triclinic periodic cell. */
static void
test_derivatives(void)
{
    struct mtp_pot pot;
    struct mtp_work *w = NULL;
    struct core_err err = {0};

    enum { N = 14 };

    const double cell[9] = {5.3, 0, 0, 1.1, 5.9, 0, -0.7, 0.4, 6.2};
    const int pbc[3] = {1, 1, 1};
    double pos[3 * N], f[3 * N], v[9], e, fmax, worst = 0, vworst = 0, vmax;
    int type[N];
    const double h = 1e-5;

    mtp_pot_init(&pot);
    random_pot(&pot, 16, 2, 1.0, 4.2, 7);
    mtp_work_alloc(&pot, &w, &err);
    random_config(N, cell, 1.3, 9, pos, type);
    is_int(mtp_calc(&pot, w, N, type, pos, cell, pbc, &e, f, v, &err), CORE_OK,
           "level-16 two-species potential on a triclinic cell");
    fmax = maxabs(f, 3 * N);
    ok(fmax > 0.1 && isfinite(e), "the forces are not trivial (max %.3g eV/A)", fmax);
    for (int i = 0; i < N; i++)
        for (int k = 0; k < 3; k++) {
            double ep, em, fd, x = pos[3 * i + k];
            pos[3 * i + k] = x + h;
            ep = energy_of(&pot, w, N, type, pos, cell, pbc);
            pos[3 * i + k] = x - h;
            em = energy_of(&pot, w, N, type, pos, cell, pbc);
            pos[3 * i + k] = x;
            fd = -(ep - em) / (2 * h);
            if (fabs(fd - f[3 * i + k]) > worst)
                worst = fabs(fd - f[3 * i + k]);
        }
    ok(worst < 1e-7 * fmax, "forces = -dE/dx by central differences (max dev %.2g of %.3g)", worst,
       fmax);

    vmax = maxabs(v, 9);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            double ep = 0, em = 0, cp[9], pp[3 * N];
            for (int sgn = -1; sgn <= 1; sgn += 2) {
                /* r -> (I + eps) r with eps_ab = sgn h, on positions and cell rows */
                memcpy(cp, cell, sizeof cp);
                memcpy(pp, pos, sizeof pp);
                for (int r = 0; r < 3; r++)
                    cp[3 * r + a] += sgn * h * cell[3 * r + b];
                for (int i = 0; i < N; i++)
                    pp[3 * i + a] += sgn * h * pos[3 * i + b];
                if (sgn < 0)
                    em = energy_of(&pot, w, N, type, pp, cp, pbc);
                else
                    ep = energy_of(&pot, w, N, type, pp, cp, pbc);
            }
            if (fabs(-(ep - em) / (2 * h) - v[3 * a + b]) > vworst)
                vworst = fabs(-(ep - em) / (2 * h) - v[3 * a + b]);
        }
    ok(vworst < 1e-7 * vmax, "virial W_ab = -dE/deps_ab by finite strain (max dev %.2g of %.3g)",
       vworst, vmax);
    ok(fabs(v[1] - v[3]) < 1e-10 * vmax && fabs(v[2] - v[6]) < 1e-10 * vmax &&
           fabs(v[5] - v[7]) < 1e-10 * vmax,
       "the virial is symmetric (rotational invariance)");

    /* invariance under rotation and translation */
    {
        const double th = 0.7, ph = -1.3;
        /* R = Rz(th) Rx(ph) */
        const double R[9] = {cos(th),
                             -sin(th) * cos(ph),
                             sin(th) * sin(ph),
                             sin(th),
                             cos(th) * cos(ph),
                             -cos(th) * sin(ph),
                             0,
                             sin(ph),
                             cos(ph)};
        double rp[3 * N], rc[9], rf[3 * N], rv[9], re, dev = 0, vdev = 0;
        for (int i = 0; i < N + 3; i++) {
            const double *x = i < N ? pos + 3 * i : cell + 3 * (i - N);
            double *y = i < N ? rp + 3 * i : rc + 3 * (i - N);
            for (int k = 0; k < 3; k++)
                y[k] = R[3 * k] * x[0] + R[3 * k + 1] * x[1] + R[3 * k + 2] * x[2];
        }
        mtp_calc(&pot, w, N, type, rp, rc, pbc, &re, rf, rv, &err);
        is_rel(re, e, 1e-12, "rotation: the same energy");
        for (int i = 0; i < N; i++)
            for (int k = 0; k < 3; k++) {
                double want =
                    R[3 * k] * f[3 * i] + R[3 * k + 1] * f[3 * i + 1] + R[3 * k + 2] * f[3 * i + 2];
                if (fabs(rf[3 * i + k] - want) > dev)
                    dev = fabs(rf[3 * i + k] - want);
            }
        ok(dev < 1e-11 * fmax, "rotation: the forces rotate (dev %.2g)", dev);
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) {
                double want = 0;
                for (int c = 0; c < 3; c++)
                    for (int d = 0; d < 3; d++)
                        want += R[3 * a + c] * v[3 * c + d] * R[3 * b + d];
                if (fabs(rv[3 * a + b] - want) > vdev)
                    vdev = fabs(rv[3 * a + b] - want);
            }
        ok(vdev < 1e-11 * vmax, "rotation: W -> R W R^T (dev %.2g)", vdev);

        for (int i = 0; i < N; i++)
            for (int k = 0; k < 3; k++)
                rp[3 * i + k] = pos[3 * i + k] +
                                (k == 0   ? 17.3
                                 : k == 1 ? -40.1
                                          : 3.3e2) +
                                (i % 3 - 1) * cell[3 * (i % 3) + k] * 5;
        dev = 0;
        mtp_calc(&pot, w, N, type, rp, cell, pbc, &re, rf, rv, &err);
        is_rel(re, e, 1e-12, "translation and wrapping by lattice vectors: the same energy");
        for (int q = 0; q < 3 * N; q++)
            if (fabs(rf[q] - f[q]) > dev)
                dev = fabs(rf[q] - f[q]);
        ok(dev < 1e-10 * fmax, "translation: the same forces (dev %.2g)", dev);
    }
    mtp_work_free(w);
    mtp_pot_release(&pot);
}

/* Cells thinner than the cut-off: a 3x2x1 supercell holds six copies of the cell's energy. */
static void
test_images(void)
{
    struct mtp_pot pot;
    struct mtp_work *w = NULL;
    struct core_err err = {0};

    enum { N = 3, NS = 3 * 2 * N };

    /* perpendicular widths about 2.1, 2.4 and 3.4 A against rcut 4.6 */
    const double cell[9] = {2.2, 0, 0, 0.5, 2.4, 0, 0.3, -0.2, 3.4};
    const int pbc[3] = {1, 1, 1};
    double pos[3 * N], f[3 * N], v[9], e, sc[9], sp[3 * NS], sf[3 * NS], sv[9], se, dev = 0;
    int type[N] = {0, 1, 0}, stype[NS], q = 0;

    mtp_pot_init(&pot);
    random_pot(&pot, 12, 2, 0.8, 4.6, 13);
    mtp_work_alloc(&pot, &w, &err);
    random_config(N, cell, 1.0, 21, pos, type);
    type[0] = 0, type[1] = 1, type[2] = 1;
    is_int(mtp_calc(&pot, w, N, type, pos, cell, pbc, &e, f, v, &err), CORE_OK,
           "a cell thinner than the cut-off along every direction");
    for (int k = 0; k < 3; k++) {
        sc[k] = 3 * cell[k];
        sc[3 + k] = 2 * cell[3 + k];
        sc[6 + k] = cell[6 + k];
    }
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < N; i++, q++) {
                for (int k = 0; k < 3; k++)
                    sp[3 * q + k] = pos[3 * i + k] + a * cell[k] + b * cell[3 + k];
                stype[q] = type[i];
            }
    is_int(mtp_calc(&pot, w, NS, stype, sp, sc, pbc, &se, sf, sv, &err), CORE_OK,
           "its 3x2x1 supercell");
    is_rel(se, 6 * e, 1e-12, "supercell energy = 6 x cell energy (every image found once)");
    for (q = 0; q < NS; q++)
        for (int k = 0; k < 3; k++)
            if (fabs(sf[3 * q + k] - f[3 * (q % N) + k]) > dev)
                dev = fabs(sf[3 * q + k] - f[3 * (q % N) + k]);
    ok(dev < 1e-11 * maxabs(f, 3 * N), "supercell forces = cell forces (dev %.2g)", dev);
    dev = 0;
    for (int k = 0; k < 9; k++)
        if (fabs(sv[k] - 6 * v[k]) > dev)
            dev = fabs(sv[k] - 6 * v[k]);
    ok(dev < 1e-11 * maxabs(sv, 9), "supercell virial = 6 x cell virial");

    /* the same without periodicity along c, with a zero third vector, vs. a long c */
    {
        double c2[9], e2, e3;
        const int pbc2[3] = {1, 1, 0};
        memcpy(c2, cell, sizeof c2);
        c2[6] = c2[7] = c2[8] = 0;
        e2 = energy_of(&pot, w, N, type, pos, c2, pbc2);
        c2[8] = 40;
        e3 = energy_of(&pot, w, N, type, pos, c2, pbc);
        is_rel(e2, e3, 1e-13, "pbc T T F with a zero third vector = a 40 A periodic c");
        e2 = energy_of(&pot, w, N, type, pos, NULL, NULL);
        c2[0] = 40, c2[1] = 0, c2[3] = 0, c2[4] = 40;
        e3 = energy_of(&pot, w, N, type, pos, c2, pbc);
        is_rel(e2, e3, 1e-13, "no cell = a 40 A periodic box");
        e2 = energy_of(&pot, w, 0, type, pos, cell, pbc);
        ok(e2 == 0, "no atoms: energy 0");
    }
    mtp_work_free(w);
    mtp_pot_release(&pot);
}

/* dU_i/dr_ij: finite differences of the site energies, the force and virial sums, and the
 * external-list entry point. */
static void
test_site(void)
{
    struct mtp_pot pot;
    struct mtp_work *w = NULL;
    struct core_err err = {0};
    struct mtp_nbrs nb;

    enum { N = 10 };

    const double cell[9] = {4.9, 0, 0, 0, 5.2, 0, 0, 0, 30};
    const int pbc[3] = {1, 1, 0};
    double pos[3 * N], f[3 * N], v[9], e, sum = 0, dev = 0, fmax, u0[N], *du0 = NULL, *rij = NULL,
                                          *u2 = NULL, *du2 = NULL;
    int type[N], *jt = NULL;
    size_t *start = NULL, np;
    const double h = 1e-5;

    mtp_pot_init(&pot);
    random_pot(&pot, 14, 2, 1.0, 4.4, 17);
    mtp_work_alloc(&pot, &w, &err);
    mtp_work_nbrs(w, &nb);
    ok(nb.natoms == 0 && nb.start == NULL, "no neighbour list before the first call");
    random_config(N, cell, 1.2, 23, pos, type);
    for (int i = 0; i < N; i++)
        pos[3 * i + 2] = 15 + 0.8 * (i % 3 - 1);
    mtp_calc(&pot, w, N, type, pos, cell, pbc, &e, f, v, &err);
    mtp_work_nbrs(w, &nb);
    ok(nb.natoms == N && nb.dudr && nb.start[N] == nb.npairs, "the neighbour list view");
    for (int i = 0; i < N; i++)
        sum += nb.u[i];
    is_rel(sum, e, 1e-14, "sum of site energies = energy");
    {
        double F[3 * N] = {0}, W[9] = {0};
        for (int i = 0; i < N; i++)
            for (size_t p = nb.start[i]; p < nb.start[i + 1]; p++)
                for (int a = 0; a < 3; a++) {
                    F[3 * i + a] += nb.dudr[3 * p + a];
                    F[3 * nb.nbr[p] + a] -= nb.dudr[3 * p + a];
                    for (int b = 0; b < 3; b++)
                        W[3 * a + b] -= nb.dudr[3 * p + a] * nb.rij[3 * p + b];
                }
        fmax = maxabs(f, 3 * N);
        for (int q = 0; q < 3 * N; q++)
            if (fabs(F[q] - f[q]) > dev)
                dev = fabs(F[q] - f[q]);
        ok(dev <= 1e-14 * fmax, "F_i = sum_j dU_i/dr_ij - dU_j/dr_ji");
        dev = 0;
        for (int q = 0; q < 9; q++)
            if (fabs(W[q] - v[q]) > dev)
                dev = fabs(W[q] - v[q]);
        ok(dev <= 1e-14 * maxabs(v, 9), "W = -sum r_ij (x) dU_i/dr_ij");
    }
    np = nb.npairs;
    memcpy(u0, nb.u, sizeof u0);
    du0 = malloc(3 * np * sizeof *du0);
    memcpy(du0, nb.dudr, 3 * np * sizeof *du0);
    {
        /* dU_i/dx_j by finite differences = sum of dudr over the pairs i -> j (images) */
        size_t nbr_copy[4096];
        size_t st[N + 1];
        double worst = 0, scale = maxabs(du0, 3 * np);
        memcpy(st, nb.start, sizeof st);
        memcpy(nbr_copy, nb.nbr, np * sizeof *nbr_copy);
        for (int j = 0; j < N; j++)
            for (int k = 0; k < 3; k++) {
                double up[N], um[N], x = pos[3 * j + k];
                pos[3 * j + k] = x + h;
                mtp_calc(&pot, w, N, type, pos, cell, pbc, NULL, NULL, NULL, &err);
                mtp_work_nbrs(w, &nb);
                memcpy(up, nb.u, sizeof up);
                pos[3 * j + k] = x - h;
                mtp_calc(&pot, w, N, type, pos, cell, pbc, NULL, NULL, NULL, &err);
                mtp_work_nbrs(w, &nb);
                memcpy(um, nb.u, sizeof um);
                pos[3 * j + k] = x;
                for (int i = 0; i < N; i++) {
                    double want = 0;
                    for (size_t p = st[i]; p < st[i + 1]; p++) {
                        if (nbr_copy[p] == (size_t)j)
                            want += du0[3 * p + k];
                        if (i == j)
                            want -= du0[3 * p + k];
                    }
                    if (fabs((up[i] - um[i]) / (2 * h) - want) > worst)
                        worst = fabs((up[i] - um[i]) / (2 * h) - want);
                }
            }
        ok(worst < 1e-7 * scale, "dU_i/dx_j by finite differences (max dev %.2g of %.3g)", worst,
           scale);
        ok(nb.dudr == NULL, "energy-only calls skip the derivatives");
    }
    /* the external-list entry point on the same list, with pairs beyond rcut added */
    mtp_calc(&pot, w, N, type, pos, cell, pbc, &e, f, v, &err);
    mtp_work_nbrs(w, &nb);
    start = malloc((N + 1) * sizeof *start);
    rij = malloc(3 * (np + N) * sizeof *rij);
    jt = malloc((np + N) * sizeof *jt);
    u2 = malloc(N * sizeof *u2);
    du2 = malloc(3 * (np + N) * sizeof *du2);
    {
        size_t q = 0;
        for (int i = 0; i < N; i++) {
            start[i] = q;
            for (size_t p = nb.start[i]; p < nb.start[i + 1]; p++, q++) {
                memcpy(rij + 3 * q, nb.rij + 3 * p, 3 * sizeof *rij);
                jt[q] = type[nb.nbr[p]];
            }
            rij[3 * q] = pot.rcut, rij[3 * q + 1] = 0, rij[3 * q + 2] = 0; /* exactly rcut */
            jt[q++] = 1;
        }
        start[N] = q;
        is_int(mtp_site_eval(&pot, w, N, type, start, jt, rij, u2, du2, &err), CORE_OK,
               "mtp_site_eval on an external list");
        dev = 0;
        for (int i = 0; i < N; i++) {
            if (u2[i] != u0[i])
                dev = 1;
            for (size_t p = nb.start[i]; p < nb.start[i + 1]; p++)
                for (int k = 0; k < 3; k++)
                    if (du2[3 * (p + (size_t)i) + k] != du0[3 * p + k])
                        dev = 1;
            for (int k = 0; k < 3; k++)
                if (du2[3 * (start[i + 1] - 1) + k] != 0)
                    dev = 1;
        }
        ok(dev == 0, "same site energies and derivatives, bit for bit; zero beyond rcut");
        is_int(mtp_site_eval(&pot, w, N, type, start, jt, rij, u2, NULL, &err), CORE_OK,
               "mtp_site_eval without derivatives");
        ok(memcmp(u2, u0, sizeof u0) == 0, "the same site energies");

        /* its errors */
        jt[2] = 5;
        is_int(mtp_site_eval(&pot, w, N, type, start, jt, rij, u2, du2, &err), CORE_EINPUT,
               "site_eval: neighbour type out of range");
        ok(strstr(err.msg, "type 5 outside the potential's species 0..1") != NULL, "its message");
        jt[2] = 0;
        rij[3] = NAN;
        is_int(mtp_site_eval(&pot, w, N, type, start, jt, rij, u2, du2, &err), CORE_EINPUT,
               "site_eval: a NaN vector");
        rij[3] = rij[4] = rij[5] = 0;
        is_int(mtp_site_eval(&pot, w, N, type, start, jt, rij, u2, du2, &err), CORE_EINPUT,
               "site_eval: a zero vector");
        ok(strstr(err.msg, "pair 1: zero vector") != NULL, "its message");
        start[0] = 1;
        is_int(mtp_site_eval(&pot, w, N, type, start, jt, rij, u2, du2, &err), CORE_EINPUT,
               "site_eval: start[0] != 0");
        start[0] = 0;
        start[3] = start[2] - 1;
        is_int(mtp_site_eval(&pot, w, N, type, start, jt, rij, u2, du2, &err), CORE_EINPUT,
               "site_eval: start decreasing");
        type[0] = -1;
        is_int(mtp_site_eval(&pot, w, N, type, start, jt, rij, u2, du2, &err), CORE_EINPUT,
               "site_eval: atom type out of range");
        type[0] = 0;
    }
    free(start);
    free(rij);
    free(jt);
    free(u2);
    free(du2);
    free(du0);
    mtp_work_free(w);
    mtp_pot_release(&pot);
}

/* The same numbers for every thread count. */
static void
test_threads(void)
{
#ifdef _OPENMP
    struct mtp_pot pot;
    struct mtp_work *w = NULL;
    struct core_err err = {0};

    enum { N = 80 };

    const double cell[9] = {9.5, 0, 0, 0, 9.8, 0, 0, 0, 9.1};
    const int pbc[3] = {1, 1, 1};
    double pos[3 * N], f1[3 * N], f2[3 * N], v1[9], v2[9], e1, e2;
    int type[N], nthr = omp_get_max_threads();

    mtp_pot_init(&pot);
    random_pot(&pot, 10, 2, 1.0, 4.0, 29);
    mtp_work_alloc(&pot, &w, &err);
    random_config(N, cell, 1.3, 31, pos, type);
    omp_set_num_threads(1);
    mtp_calc(&pot, w, N, type, pos, cell, pbc, &e1, f1, v1, &err);
    omp_set_num_threads(3);
    mtp_calc(&pot, w, N, type, pos, cell, pbc, &e2, f2, v2, &err);
    omp_set_num_threads(nthr);
    ok(e1 == e2 && memcmp(f1, f2, sizeof f1) == 0 && memcmp(v1, v2, sizeof v1) == 0,
       "1 and 3 threads: bitwise identical energy, forces and virial");
    mtp_work_free(w);
    mtp_pot_release(&pot);
#else
    ok(1, "# SKIP built without OpenMP");
#endif
}

static void
test_calc_errors(void)
{
    struct mtp_pot pot, other;
    struct mtp_work *w = NULL, *w2 = (struct mtp_work *)&w;
    struct core_err err = {0};
    double pos[9] = {0, 0, 0, 1.5, 0, 0, 0, 1.5, 0}, e, cell[9] = {3, 0, 0, 0, 3, 0, 0, 0, 3};
    int type[3] = {0, 1, 0}, pbc[3] = {1, 1, 1};

    mtp_pot_init(&pot);
    mtp_pot_init(&other);
    is_int(mtp_work_alloc(&pot, &w2, &err), CORE_EINPUT, "plan an empty potential");
    ok(w2 == NULL, "no workspace on error");
    random_pot(&pot, 8, 2, 1, 4, 3);
    mtp_work_alloc(&pot, &w, &err);
    type[1] = 2;
    is_int(mtp_calc(&pot, w, 3, type, pos, cell, pbc, &e, NULL, NULL, &err), CORE_EINPUT,
           "a type outside the potential");
    is_str(err.msg, "atom 1: type 2 outside the potential's species 0..1", "its message");
    type[1] = 1;
    pos[4] = NAN;
    is_int(mtp_calc(&pot, w, 3, type, pos, cell, pbc, &e, NULL, NULL, &err), CORE_EINPUT,
           "a NaN position");
    is_str(err.msg, "atom 1: position is not finite", "its message");
    pos[4] = 0;
    pos[3] = 3; /* atom 1 on an image of atom 0 */
    is_int(mtp_calc(&pot, w, 3, type, pos, cell, pbc, &e, NULL, NULL, &err), CORE_EINPUT,
           "two atoms at the same place");
    ok(strstr(err.msg, "are at the same place") != NULL, "its message (%s)", err.msg);
    pos[3] = 1.5;
    is_int(mtp_calc(&pot, w, 3, type, pos, NULL, pbc, &e, NULL, NULL, &err), CORE_EINPUT,
           "periodic without a cell");
    cell[3] = 6, cell[4] = 0;
    is_int(mtp_calc(&pot, w, 3, type, pos, cell, pbc, &e, NULL, NULL, &err), CORE_EINPUT,
           "parallel cell vectors");
    is_str(err.msg, "periodic cell vectors are linearly dependent", "its message");
    cell[3] = 0, cell[4] = 3;
    cell[8] = 1e-5;
    is_int(mtp_calc(&pot, w, 3, type, pos, cell, pbc, &e, NULL, NULL, &err), CORE_EINPUT,
           "a cell far thinner than the cut-off");
    ok(strstr(err.msg, "cell too thin") != NULL, "its message");
    cell[8] = 3;
    cell[2] = INFINITY;
    is_int(mtp_calc(&pot, w, 3, type, pos, cell, pbc, &e, NULL, NULL, &err), CORE_EINPUT,
           "a non-finite cell");
    cell[2] = 0;
    {
        int pbc2[3] = {1, 0, 0};
        double c2[9] = {0};
        is_int(mtp_calc(&pot, w, 3, type, pos, c2, pbc2, &e, NULL, NULL, &err), CORE_EINPUT,
               "a zero periodic vector");
        c2[0] = 3;
        is_int(mtp_calc(&pot, w, 3, type, pos, c2, pbc2, &e, NULL, NULL, &err), CORE_OK,
               "one periodic direction (a wire)");
        pbc2[1] = 1, c2[3] = 6;
        is_int(mtp_calc(&pot, w, 3, type, pos, c2, pbc2, &e, NULL, NULL, &err), CORE_EINPUT,
               "two parallel periodic vectors");
        is_str(err.msg, "periodic cell vectors are parallel", "its message");
    }
    random_pot(&other, 10, 2, 1, 4, 3);
    is_int(mtp_calc(&other, w, 3, type, pos, cell, pbc, &e, NULL, NULL, &err), CORE_EINPUT,
           "a potential with another basis");
    ok(strstr(err.msg, "differ in their basis") != NULL, "its message");
    mtp_work_free(w);
    mtp_work_free(NULL);
    mtp_pot_release(&pot);
    mtp_pot_release(&other);
}

int
main(void)
{
    test_read();
    test_roundtrip();
    test_read_errors();
    test_write_errors();
    test_pot();
    test_generate();
    test_dimer();
    test_derivatives();
    test_images();
    test_site();
    test_threads();
    test_calc_errors();
#ifdef _OPENMP
    /* end the OpenMP worker threads, so that valgrind does not count their stacks as leaks */
    omp_pause_resource_all(omp_pause_hard);
#endif
    done_testing();
    return exit_status();
}
