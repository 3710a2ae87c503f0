/*
 * Unit tests of lib/dft and formats/gth: the GTH reader, the analytic pseudopotential in
 * reciprocal space against quadratures of the real-space forms, the Ewald sum (splitting
 * parameter, forces, ABINIT), k-meshes, FFT sizes, and the SCF against ABINIT 9.6.2 numbers kept
 * in tests/ref/dft-scf/ (path from FPMS_ROOT; abinit itself is not needed), plus the variational
 * property of the Kohn-Sham energy.
 *
 * Smearing: the occupation functions, the Fermi level, the stationarity of the Mermin functional
 * in the occupations (at fixed eigenvalues, and through dF/dwidth = -S at self-consistency), and
 * fcc Al with Fermi-Dirac, Gaussian and Methfessel-Paxton smearing against ABINIT (al-fd,
 * al-gauss, al-mp).
 *
 * The full issue case (si-lda, 32 k-points, 20 Ha), al-gauss, al-mp and the dF/dwidth runs take a
 * few seconds; they are skipped when FPMS_DFT_SMALL is set or under valgrind (detected through its
 * LD_PRELOAD), where the small cases (si-lda-small, al-fd) run alone, on one thread.
 */
#include <complex.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../formats/abinit_psp.h"
#include "../../formats/gth.h"
#include "../../formats/stream.h"
#include "../../lib/dft/dft.h"
#include "../tap.h"

/* Four entries as CP2K's GTH_POTENTIALS (cp2k-data 2023.1) has them, with a comment and an
 * unrelated entry between. */
static const char *gth_text = "# test excerpt of GTH_POTENTIALS\n"
                              "#\n"
                              "B GTH-PADE-q3 GTH-LDA-q3 GTH-PADE GTH-LDA\n"
                              "    2    1\n"
                              "     0.43392956    2    -5.57864173     0.80425145\n"
                              "    2\n"
                              "     0.37384326    1     6.23392822\n"
                              "     0.36039317    0\n"
                              "#\n"
                              "Si GTH-PADE-q4 GTH-LDA-q4 GTH-PADE GTH-LDA\n"
                              "    2    2\n"
                              "     0.44000000    1    -7.33610297\n"
                              "    2\n"
                              "     0.42273813    2     5.90692831    -1.26189397\n"
                              "                                        3.25819622\n"
                              "     0.48427842    1     2.72701346\n"
                              "#\n"
                              "C GTH-PBE-q4 GTH-PBE\n"
                              "    2    2\n"
                              "     0.33847124    2    -8.80367398     1.33921085\n"
                              "    2\n"
                              "     0.30257575    1     9.62248665\n"
                              "     0.29150694    0\n"
                              "#\n"
                              "Al GTH-PADE-q3 GTH-LDA-q3 GTH-PADE GTH-LDA\n"
                              "    2    1\n"
                              "     0.45000000    1    -8.49135116\n"
                              "    2\n"
                              "     0.46010427    2     5.08833953    -1.03784325\n"
                              "                                        2.67969975\n"
                              "     0.53674439    1     2.19343827\n"
                              "#\n";

static int
read_text(const char *text, const char *sym, const char *name, struct dft_psp *psp,
          struct core_err *err)
{
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    struct stream_in in;
    int rc;
    if (!fp)
        return -1;
    stream_in_attach(&in, fp, "t.gth");
    rc = gth_read(&in, sym, name, psp, err);
    stream_in_close(&in);
    fclose(fp);
    return rc;
}

static void
test_gth(void)
{
    struct dft_psp si, c, b, f;
    struct core_err err = {0};
    is_int(read_text(gth_text, "Si", "GTH-PADE-q4", &si, &err), 0, "gth: Si GTH-PADE-q4 %s",
           err.msg);
    is_int(si.z, 14, "gth: Si z");
    is_abs(si.zion, 4, 0, "gth: Si zion");
    is_abs(si.rloc, 0.44, 0, "gth: Si rloc");
    is_int(si.nloc, 1, "gth: Si nloc");
    is_abs(si.cloc[0], -7.33610297, 0, "gth: Si C1");
    is_int(si.nchan, 2, "gth: Si two channels");
    is_int(si.nproj[0], 2, "gth: Si two s projectors");
    is_abs(si.h[0][0][1], -1.26189397, 0, "gth: Si h12");
    is_abs(si.h[0][1][0], -1.26189397, 0, "gth: Si h21 = h12");
    is_abs(si.h[0][1][1], 3.25819622, 0, "gth: Si h22 from the continuation line");
    is_abs(si.h[1][0][0], 2.72701346, 0, "gth: Si p h11");
    is_str(si.name, "GTH-PADE-q4", "gth: name kept");
    is_int(read_text(gth_text, "C", "gth-pbe", &c, &err), 0, "gth: C by alias, any case");
    is_abs(c.cloc[1], 1.33921085, 0, "gth: C C2");
    is_int(c.nproj[1], 0, "gth: C no p projector");
    is_int(read_text(gth_text, "B", "GTH-LDA-q3", &b, &err), 0, "gth: B by alias");
    is_abs(b.zion, 3, 0, "gth: B zion");

    /* the installed file, when cp2k-data is there, says the same */
    FILE *fp = fopen("/usr/share/cp2k/GTH_POTENTIALS", "r");
    if (fp) {
        struct stream_in in;
        stream_in_attach(&in, fp, "GTH_POTENTIALS");
        is_int(gth_read(&in, "Si", "GTH-PADE-q4", &f, &err), 0, "gth: cp2k-data Si %s", err.msg);
        ok(memcmp(&f, &si, sizeof f) == 0, "gth: cp2k-data Si identical");
        stream_in_close(&in);
        fclose(fp);
    } else {
        ok(1, "# skip cp2k-data not installed");
        ok(1, "# skip cp2k-data not installed");
    }

    /* spec */
    char sym[4], name[64];
    is_int(gth_spec_parse("Si  GTH-PADE-q4", sym, name, &err), 0, "gth spec: ok");
    is_str(name, "GTH-PADE-q4", "gth spec: name");
    is_int(gth_spec_parse("Si", sym, name, &err), CORE_EINPUT, "gth spec: one word");
    is_int(gth_spec_parse("Si a b", sym, name, &err), CORE_EINPUT, "gth spec: three words");
    is_int(gth_spec_parse("Siii GTH", sym, name, &err), CORE_EINPUT, "gth spec: long symbol");

    /* errors */
    static const struct {
        const char *text, *sym, *name, *want;
    } bad[] = {
        {"Si X\n 2 2\n", "Xx", "X", "unknown element 'Xx'"},
        {"Si X\n 2 2\n", "Si", "Y", "t.gth: no potential 'Si Y'"},
        {"Si X\n 2 2\n 0.44 1\n", "Si", "X", "t.gth:3: potential Si X ends early"},
        {"Si X\n 2 2\n 0.44 1 -7.3\n 1\n 0.4 1\nC Y\n", "Si", "X",
         "t.gth:6: potential Si X ends early"},
        {"Si X\n 2 2\n 0.44 1 nan\n 0\n", "Si", "X", "t.gth:3: Si X: bad number 'nan' for C_i"},
        {"Si X\n 2 2\n 0.44 1 1e999\n 0\n", "Si", "X", "t.gth:3: Si X: bad number '1e999' for C_i"},
        {"Si X\n 2 2\n 0.44 5 1 2 3 4 5\n 0\n", "Si", "X",
         "t.gth:3: Si X: nexp_ppl = 5 not in [0, 4]"},
        {"Si X\n 2 2\n -0.44 1 1\n 0\n", "Si", "X", "t.gth:3: Si X: r_loc -0.44 is not positive"},
        {"Si X\n 2 2\n 0.44 1 1\n 5\n", "Si", "X", "t.gth:4: Si X: nprj = 5 not in [0, 4]"},
        {"Si X\n 2 2\n 0.44 1 1\n 1\n 0.4 4\n", "Si", "X",
         "t.gth:5: Si X: nprj_ppnl = 4 not in [0, 3]"},
        {"Si X\n 2 2\n 0.44 1 1\n 1\n 0 1 1\n", "Si", "X",
         "t.gth:5: Si X: r for l = 0 is not positive"},
        {"Si X\n 2 2\n 0.44 1 1\n 1\n 0.4 1 1 7\n", "Si", "X",
         "t.gth:5: Si X: unexpected '7' after the entry"},
        {"Si X\n 2 x\n", "Si", "X", "t.gth:2: Si X: bad integer 'x' for electrons per l"},
        {"Si X\n 0 0\n", "Si", "X", "t.gth:2: Si X: no valence electrons"},
        {"Si X\n 10 10\n", "Si", "X", "t.gth:2: Si X: 20 valence electrons for Z = 14"},
        {"Si X\n 2 2\n 0.44 1.5 1\n", "Si", "X", "t.gth:3: Si X: bad integer '1.5' for nexp_ppl"},
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        core_err_clear(&err);
        is_int(read_text(bad[i].text, bad[i].sym, bad[i].name, &f, &err), CORE_EINPUT,
               "gth error %zu: code", i);
        ok(strstr(err.msg, bad[i].want) != NULL, "gth error %zu: '%s' in '%s'", i, bad[i].want,
           err.msg);
    }
}

/* Largest difference between the parameters of two potentials (every number that enters the
 * energy); -1 when a count differs. */
static double
psp_diff(const struct dft_psp *a, const struct dft_psp *b)
{
    double d = 0;
    if (a->z != b->z || a->nloc != b->nloc || a->nchan != b->nchan)
        return -1;
    d = fmax(fabs(a->zion - b->zion), fabs(a->rloc - b->rloc));
    for (int i = 0; i < DFT_PSP_NLOC; i++)
        d = fmax(d, fabs(a->cloc[i] - b->cloc[i]));
    for (int l = 0; l < a->nchan; l++) {
        if (a->nproj[l] != b->nproj[l])
            return -1;
        if (a->nproj[l])
            d = fmax(d, fabs(a->rl[l] - b->rl[l]));
        for (int i = 0; i < DFT_PSP_NPROJ; i++)
            for (int j = 0; j < DFT_PSP_NPROJ; j++)
                d = fmax(d, fabs(a->h[l][i][j] - b->h[l][i][j]));
    }
    return d;
}

static int
read_abinit(const char *path, const char *text, struct dft_psp *psp, int *ixc, struct core_err *err)
{
    struct stream_in in;
    FILE *fp = text ? fmemopen((void *)text, strlen(text), "r") : NULL;
    int rc;
    if (text) {
        if (!fp)
            return -1;
        stream_in_attach(&in, fp, path);
    } else if ((rc = stream_in_open(&in, path, err)) != 0)
        return rc;
    rc = abinit_psp_read(&in, psp, ixc, err);
    stream_in_close(&in);
    if (fp)
        fclose(fp);
    return rc;
}

/* ABINIT pspcod 2, 3, 10 files against CP2K's entries: the same parameters. */
static void
test_abinit_psp(void)
{
    struct dft_psp si, al, p;
    struct core_err err = {0};
    const char *root = getenv("FPMS_ROOT");
    char path[1024];
    int ixc = 0;
    read_text(gth_text, "Si", "GTH-PADE-q4", &si, &err);
    read_text(gth_text, "Al", "GTH-PADE-q3", &al, &err);
    /* pspcod 10: the conversion kept with the ABINIT reference, exactly CP2K's numbers */
    snprintf(path, sizeof path, "%s/tests/ref/dft-scf/si-lda/14si-gth-pade-q4.psp10",
             root ? root : ".");
    is_int(read_abinit(path, NULL, &p, &ixc, &err), 0, "abinit psp10: read %s", err.msg);
    is_abs(psp_diff(&p, &si), 0, 0, "abinit psp10: Si identical to CP2K's GTH-PADE-q4");
    is_int(ixc, 1, "abinit psp10: pspxc 1");
    is_str(p.symbol, "Si", "abinit psp10: symbol from zatom");
    is_str(p.name, "14si-gth-pade-q4.psp10", "abinit psp10: named after the file");
    snprintf(path, sizeof path, "%s/tests/ref/dft-scf/al-fd/13al-gth-pade-q3.psp10",
             root ? root : ".");
    is_int(read_abinit(path, NULL, &p, NULL, &err), 0, "abinit psp10: Al %s", err.msg);
    is_abs(psp_diff(&p, &al), 0, 0, "abinit psp10: Al identical to CP2K's GTH-PADE-q3");
    if (access("/usr/share/abinit/psp/14si.4.hgh", R_OK) == 0) {
        /* abinit-data: the same potentials, pspcod 10 exact, pspcod 3 to its 6 decimals */
        is_int(read_abinit("/usr/share/abinit/psp/14Si_pade-q4", NULL, &p, NULL, &err), 0,
               "abinit-data 14Si_pade-q4 %s", err.msg);
        is_abs(psp_diff(&p, &si), 0, 0, "abinit-data 14Si_pade-q4 (pspcod 10): identical");
        is_int(read_abinit("/usr/share/abinit/psp/14si.4.hgh", NULL, &p, &ixc, &err), 0,
               "abinit-data 14si.4.hgh %s", err.msg);
        ok(psp_diff(&p, &si) >= 0 && psp_diff(&p, &si) < 6e-7,
           "abinit-data 14si.4.hgh (pspcod 3): CP2K's Si to the 6 decimals printed (%.1e)",
           psp_diff(&p, &si));
        is_abs(p.h[0][0][1], -0.5 * sqrt(0.6) * 3.258196, 1e-15, "pspcod 3: h12 of HGH eq. 18");
        is_int(read_abinit("/usr/share/abinit/psp/13al.3.hgh", NULL, &p, NULL, &err), 0,
               "abinit-data 13al.3.hgh (d and f lines beyond lmax) %s", err.msg);
        ok(psp_diff(&p, &al) >= 0 && psp_diff(&p, &al) < 6e-7,
           "abinit-data 13al.3.hgh: CP2K's Al to 6 decimals (%.1e)", psp_diff(&p, &al));
        is_int(read_abinit("/usr/share/abinit/psp/29cu.11.hgh", NULL, &p, NULL, &err), 0,
               "abinit-data 29cu.11.hgh %s", err.msg);
        ok(p.nchan == 3 && p.nproj[0] == 3 && p.nproj[1] == 2 && p.nproj[2] == 1,
           "pspcod 3: Cu has 3 s, 2 p, 1 d projectors");
        is_abs(p.h[0][0][2], 0.5 * sqrt(5.0 / 21) * 2.290091, 1e-15, "pspcod 3: Cu h13 (s)");
        is_abs(p.h[0][1][2], -0.5 * sqrt(100.0 / 63) * 2.290091, 1e-15, "pspcod 3: Cu h23 (s)");
        is_abs(p.h[1][0][1], -0.5 * sqrt(5.0 / 7) * 0.374943, 1e-15, "pspcod 3: Cu h12 (p)");
        is_abs(p.h[2][0][0], -12.676957, 0, "pspcod 3: Cu h11 (d)");
        is_int(read_abinit("/usr/share/abinit/psp/14si.pspgth", NULL, &p, NULL, &err), 0,
               "abinit-data 14si.pspgth (pspcod 2) %s", err.msg);
        ok(p.nloc == 1 && p.cloc[0] == -6.9136286 && p.nchan == 2 && p.nproj[0] == 2 &&
               p.h[0][0][0] == 3.2081318 && p.h[0][1][1] == 2.5888808 && p.h[0][0][1] == 0 &&
               p.nproj[1] == 1 && p.h[1][0][0] == 2.6562230 && p.rl[1] == .4853587,
           "pspcod 2: GTH 1996 Si, diagonal h");
        is_int(read_abinit("/usr/share/abinit/psp/06c.pspgth", NULL, &p, NULL, &err), 0,
               "abinit-data 06c.pspgth %s", err.msg);
        ok(p.nloc == 2 && p.nchan == 1 && p.nproj[0] == 1 && p.h[0][0][0] == 9.5341929,
           "pspcod 2: C, lmax 0, one s projector");
    } else {
        for (int i = 0; i < 15; i++)
            ok(1, "# skip abinit-data not installed");
    }
    /* the same format as text: Fortran exponents, commas, records across lines */
    is_int(read_abinit("t.psp",
                       "title\n14 4 0\n10, 1, 1, 0, 2001, 0\n 0.44 1\n -7.33610297\n 2\n"
                       " 0.42273813 2 5.90692831 -1.26189397\n 3.25819622\n"
                       " 0.48427842 1 0.272701346D1\n 0\n",
                       &p, NULL, &err),
           0, "abinit text: %s", err.msg);
    is_abs(psp_diff(&p, &si), 0, 0, "abinit text: records across lines, 1D1 exponents");

    static const struct {
        const char *text, *want;
    } bad[] = {
        {"", "t.psp:1: the file ends early"},
        {"t\n14 4\n", "t.psp:3: the file ends early"},
        {"t\n14 x 0\n", "t.psp:2: bad number 'x' for zion"},
        {"t\n14.5 4 0\n", "t.psp:2: zatom = 14.5 is not an atomic number"},
        {"t\n0 4 0\n", "t.psp:2: zatom = 0 is not an atomic number"},
        {"t\n14 15 0\n", "t.psp:2: zion = 15 not in (0, zatom = 14]"},
        {"t\n14 nan 0\n", "t.psp:2: bad number 'nan' for zion"},
        {"t\n14 4 0\n8 1 1 0 2001 0\n", "t.psp:3: pspcod 8 is not supported"},
        {"t\n14 4 0\n10 1 4 0 2001 0\n", "t.psp:3: lmax = 4 is not an integer in [0, 3]"},
        {"t\n14 4 0\n10 1 1.5 0 2001 0\n", "t.psp:3: lmax = 1.5 is not an integer in [0, 3]"},
        {"t\n14 4 0\n10 1 1 0 2001 0\n0.44 5 1 2 3 4 5\n",
         "t.psp:4: nloc = 5 is not an integer in [0, 4]"},
        {"t\n14 4 0\n10 1 1 0 2001 0\n0.44 1 -7\n 1\n", "t.psp:5: nnonloc = 1 but lmax = 1"},
        {"t\n14 4 0\n10 1 1 0 2001 0\n0.44 1 -7\n 2\n 0.4 4 1\n",
         "t.psp:6: nprl = 4 is not an integer in [0, 3]"},
        {"t\n14 4 0\n10 1 1 0 2001 0\n0.44 1 -7\n 2\n 0.4 2 1 2\n rs\n",
         "t.psp:7: bad number 'rs' for h22 (l = 0)"},
        {"t\n14 4 0\n10 1 1 0 2001 0\n0.44 1 -7\n 2\n 0.4 1 1\n 0.5 1 2\n",
         "t.psp:8: the file ends early"},
        {"t\n14 4 0\n10 1 0 0 2001 0\n-0.44 1 -7\n 1\n 0.4 1 1\n",
         "t.psp: pseudopotential Si t.psp: bad rloc -0.44"},
        {"t\n14 4 0\n10 1 0 0 2001 0\n0.44 1 -7\n 1\n -0.4 1 1\n",
         "t.psp: pseudopotential Si t.psp: bad r for l = 0: -0.4"},
        {"t\n14 4 0\n3 1 1 0 2001 0\n0.44 -7 0 0 0\n 0.4 1 0 0\n", "t.psp:6: the file ends"},
        {"t\n14 4 0\n3 1 2 0 2001 0\n0.44 -7 0 0 0\n 0.4 1 0 0\n 0.4 1 0 0\n 0 0 0\n"
         " 0.4 1 1 1\n 0 0 0\n",
         "t.psp:8: h33d = 1: a third d projector (ABINIT allows two)"},
        {"t\n14 4 0\n2 1 0 0 2001 0\n0.44 -7 0 0 0\n 0.4 1 0\n 0.4 1\n",
         "t.psp:6: h1p = 1 but lmax = 0"},
        {"t\n14 4 0\n2 1 1 0 2001 0\n0.44 -7 0 0 0\n 0.4 1 0\n 0.4 inf\n",
         "t.psp:6: bad number 'inf' for h1p"},
        {"t\n14 4 0\n2 1 1 0 2001 0\n0.44 -7 0 0 1e999\n", "t.psp:4: bad number '1e999' for c4"},
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        core_err_clear(&err);
        is_int(read_abinit("t.psp", bad[i].text, &p, NULL, &err), CORE_EINPUT,
               "abinit psp error %zu: code", i);
        ok(strncmp(err.msg, bad[i].want, strlen(bad[i].want)) == 0, "abinit psp error %zu: '%s'", i,
           err.msg);
    }
    is_int(read_abinit("no/such.psp10", NULL, &p, NULL, &err), CORE_EIO,
           "abinit psp: missing file is CORE_EIO");
}

static struct dft_psp
si_psp(void)
{
    struct dft_psp p;
    struct core_err err = {0};
    read_text(gth_text, "Si", "GTH-PADE-q4", &p, &err);
    return p;
}

static double
sph_j(int l, double x)
{
    if (x < 1e-6)
        return l == 0 ? 1 - x * x / 6 : x / 3;
    return l == 0 ? sin(x) / x : sin(x) / (x * x) - cos(x) / x;
}

static void
test_psp(void)
{
    struct dft_psp p = si_psp(), q;
    struct core_err err = {0};
    const double h = 2e-4, qs[] = {0.0, 0.37, 1.9, 4.6};
    /* projectors: normalised in r and (Parseval) in q; transforms equal the quadratures */
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < p.nproj[l]; i++) {
            double nr = 0, nq = 0;
            for (double r = h / 2; r < 12; r += h)
                nr += r * r * pow(dft_psp_proj_real(&p, l, i, r), 2) * h;
            for (double k = h / 2; k < 40; k += h)
                nq += k * k * pow(dft_psp_proj(&p, l, i, k), 2) * h;
            is_abs(nr, 1, 1e-10, "psp: projector l=%d i=%d normalised in r", l, i);
            is_abs(nq / pow(2 * M_PI, 3), 1, 1e-10, "psp: projector l=%d i=%d normalised in q", l,
                   i);
            for (int iq = 0; iq < 4; iq++) {
                double s = 0;
                for (double r = h / 2; r < 12; r += h)
                    s += r * r * dft_psp_proj_real(&p, l, i, r) * sph_j(l, qs[iq] * r) * h;
                is_abs(dft_psp_proj(&p, l, i, qs[iq]), 4 * M_PI * s, 1e-9,
                       "psp: projector l=%d i=%d at q=%g equals the quadrature", l, i, qs[iq]);
            }
        }
    is_abs(dft_psp_proj(&p, 2, 0, 1.0), 0, 0, "psp: absent channel is zero");
    is_abs(dft_psp_proj(&p, 0, 2, 1.0), 0, 0, "psp: absent projector is zero");
    /* local part: transform of the short-range remainder equals the quadrature */
    for (int iq = 1; iq < 4; iq++) {
        double k = qs[iq], s = 0;
        for (double r = h / 2; r < 15; r += h)
            s += r * r * (dft_psp_vloc_real(&p, r) + p.zion * erf(r / (M_SQRT2 * p.rloc)) / r) *
                 sph_j(0, k * r) * h;
        double coul = -4 * M_PI * p.zion / (k * k) * exp(-0.5 * k * k * p.rloc * p.rloc);
        is_abs(dft_psp_vloc(&p, k), coul + 4 * M_PI * s, 1e-9, "psp: vloc(%g) equals quadrature",
               k);
    }
    is_abs(dft_psp_vloc(&p, 25.0), 0, 1e-12, "psp: vloc tail -> 0");
    is_abs(dft_psp_vloc(&p, 1e-4) + 4 * M_PI * p.zion / 1e-8, dft_psp_vloc_alpha(&p), 1e-6,
           "psp: vloc + 4 pi Z/q^2 -> alpha");
    /* ABINIT's psp_core for Si2 in 270 bohr^3: 8 electrons * 2 alpha / Omega */
    is_rel(8 * 2 * dft_psp_vloc_alpha(&p) / (pow(10.26, 3) / 4), -2.94892765803411E-01, 1e-13,
           "psp: psp_core as ABINIT");
    is_abs(dft_psp_vloc_real(&p, 0), -4 * sqrt(2 / M_PI) / 0.44 - 7.33610297, 1e-12,
           "psp: vloc(r=0)");
    /* check: every error */
    is_int(dft_psp_check(&p, &err), 0, "psp check: ok");
    q = p, q.zion = 0;
    is_int(dft_psp_check(&q, &err), CORE_EINPUT, "psp check: zion");
    q = p, q.rloc = NAN;
    is_int(dft_psp_check(&q, &err), CORE_EINPUT, "psp check: rloc");
    q = p, q.nloc = 5;
    is_int(dft_psp_check(&q, &err), CORE_EINPUT, "psp check: nloc");
    q = p, q.cloc[0] = INFINITY;
    is_int(dft_psp_check(&q, &err), CORE_EINPUT, "psp check: C1");
    q = p, q.nchan = 5;
    is_int(dft_psp_check(&q, &err), CORE_EINPUT, "psp check: nchan");
    q = p, q.nproj[0] = 4;
    is_int(dft_psp_check(&q, &err), CORE_EINPUT, "psp check: nproj");
    q = p, q.rl[1] = -1;
    is_int(dft_psp_check(&q, &err), CORE_EINPUT, "psp check: rl");
    q = p, q.h[0][0][1] = 1;
    is_int(dft_psp_check(&q, &err), CORE_EINPUT, "psp check: h symmetric");
    ok(strstr(err.msg, "not symmetric") != NULL, "psp check: message '%s'", err.msg);
    q = p, q.h[0][1][1] = NAN;
    is_int(dft_psp_check(&q, &err), CORE_EINPUT, "psp check: h finite");
}

/* ---- reference numbers ---- */

struct ref {
    double kinetic, hartree, xc, ewald, psp_core, local, nonlocal, total, band;
    double internal, mts, fermi; /* smearing only */
    size_t nkpt, nband;
    double k[64][3], eig[64][8];
};

static int
ref_read(const char *name, struct ref *r)
{
    const char *root = getenv("FPMS_ROOT");
    char path[1024], line[4096];
    snprintf(path, sizeof path, "%s/tests/ref/dft-scf/%s/expected.txt", root ? root : ".", name);
    FILE *fp = fopen(path, "r");
    size_t ik = 0;
    if (!fp)
        return -1;
    memset(r, 0, sizeof *r);
    while (fgets(line, sizeof line, fp)) {
        char key[64];
        double v;
        if (line[0] == '#' || sscanf(line, "%63s", key) != 1)
            continue;
        if (strcmp(key, "kpt") == 0 && ik < 64) {
            char *p = line + 3, *end;
            double w;
            for (int j = 0; j < 3; j++, p = end)
                r->k[ik][j] = strtod(p, &end);
            w = strtod(p, &end);
            (void)w;
            p = end;
            for (size_t n = 0; n < r->nband && n < 8; n++, p = end)
                r->eig[ik][n] = strtod(p, &end);
            ik++;
            continue;
        }
        if (sscanf(line, "%*s %lf", &v) != 1)
            continue;
        if (!strcmp(key, "kinetic"))
            r->kinetic = v;
        else if (!strcmp(key, "hartree"))
            r->hartree = v;
        else if (!strcmp(key, "xc"))
            r->xc = v;
        else if (!strcmp(key, "Ewald_energy"))
            r->ewald = v;
        else if (!strcmp(key, "psp_core"))
            r->psp_core = v;
        else if (!strcmp(key, "local_psp"))
            r->local = v;
        else if (!strcmp(key, "non_local_psp"))
            r->nonlocal = v;
        else if (!strcmp(key, "total_energy"))
            r->total = v;
        else if (!strcmp(key, "band_energy"))
            r->band = v;
        else if (!strcmp(key, "internal"))
            r->internal = v;
        else if (!strcmp(key, "minus_kT_entropy"))
            r->mts = v;
        else if (!strcmp(key, "fermi_energy"))
            r->fermi = v;
        else if (!strcmp(key, "nkpt"))
            r->nkpt = (size_t)v;
        else if (!strcmp(key, "nband"))
            r->nband = (size_t)v;
    }
    fclose(fp);
    return ik == r->nkpt && r->nkpt > 0 ? 0 : -1;
}

static void
si_cell(double cell[9], double pos[6])
{
    double a = 10.26;
    double c[9] = {0, a / 2, a / 2, a / 2, 0, a / 2, a / 2, a / 2, 0};
    double p[6] = {0, 0, 0, a / 4, a / 4, a / 4};
    memcpy(cell, c, sizeof c);
    memcpy(pos, p, sizeof p);
}

static void
graphene_cell(double cell[9], double pos[6])
{
    /* a = 2.46 A, c = 15 A, in bohr with lib/core/units.h, as the ABINIT input has them */
    double a = 2.46 / UNITS_BOHR_ANG, c = 15 / UNITS_BOHR_ANG, s3 = sqrt(3) / 2;
    double cc[9] = {a, 0, 0, -a / 2, a * s3, 0, 0, 0, c};
    /* reduced (1/3, 2/3, 0) and (2/3, 1/3, 0) */
    for (int k = 0; k < 3; k++) {
        pos[k] = cc[k] / 3 + 2 * cc[3 + k] / 3;
        pos[3 + k] = 2 * cc[k] / 3 + cc[3 + k] / 3;
    }
    memcpy(cell, cc, sizeof cc);
}

static void
test_ewald(void)
{
    double cell[9], pos[6], q[2] = {4, 4}, e, e2, f[6];
    struct ref r;
    struct core_err err = {0};
    si_cell(cell, pos);
    is_int(dft_ewald_energy(cell, 2, pos, q, 0, &e, NULL, &err), 0, "ewald: Si");
    for (double eta = 0.3; eta < 3; eta *= 1.7) {
        dft_ewald_energy(cell, 2, pos, q, eta, &e2, NULL, &err);
        is_abs(e2, e, 1e-10, "ewald: Si independent of eta = %g", eta);
    }
    if (ref_read("si-lda", &r) == 0)
        is_abs(e, r.ewald, 1e-10, "ewald: Si as ABINIT (%.14f)", r.ewald);
    else
        ok(0, "ewald: tests/ref/dft-scf/si-lda/expected.txt readable (FPMS_ROOT)");
    graphene_cell(cell, pos);
    is_int(dft_ewald_energy(cell, 2, pos, q, 0, &e, NULL, &err), 0, "ewald: graphene");
    for (double eta = 0.2; eta < 2; eta *= 1.9) {
        dft_ewald_energy(cell, 2, pos, q, eta, &e2, NULL, &err);
        is_abs(e2, e, 1e-10, "ewald: graphene independent of eta = %g", eta);
    }
    if (ref_read("graphene-ewald", &r) == 0)
        is_abs(e, r.ewald, 1e-9, "ewald: graphene as ABINIT (%.14f)", r.ewald);
    else
        ok(0, "ewald: tests/ref/dft-scf/graphene-ewald/expected.txt readable (FPMS_ROOT)");
    /* forces = -dE/dx by central differences, on a displaced, charged-differently pair */
    {
        double c3[9], p3[9], q3[3] = {4, 3, 1.5}, fa[9], h = 1e-5;
        si_cell(c3, p3);
        p3[3] += 0.137, p3[4] -= 0.291, p3[5] += 0.073;
        p3[6] = 2.31, p3[7] = 7.13, p3[8] = 0.77;
        dft_ewald_energy(c3, 3, p3, q3, 0.9, &e, fa, &err);
        double maxerr = 0, sum[3] = {0, 0, 0};
        for (int i = 0; i < 9; i++) {
            double ep, em, keep = p3[i];
            p3[i] = keep + h;
            dft_ewald_energy(c3, 3, p3, q3, 0.9, &ep, NULL, &err);
            p3[i] = keep - h;
            dft_ewald_energy(c3, 3, p3, q3, 0.9, &em, NULL, &err);
            p3[i] = keep;
            double fd = -(ep - em) / (2 * h);
            if (fabs(fd - fa[i]) > maxerr)
                maxerr = fabs(fd - fa[i]);
            sum[i % 3] += fa[i];
        }
        ok(maxerr < 1e-7, "ewald: forces = -dE/dx (max diff %.2e)", maxerr);
        ok(fabs(sum[0]) + fabs(sum[1]) + fabs(sum[2]) < 1e-10, "ewald: forces sum to zero");
        (void)f;
    }
    /* errors */
    double z9[9] = {0};
    is_int(dft_ewald_energy(z9, 2, pos, q, 0, &e, NULL, &err), CORE_EINPUT, "ewald: singular");
    pos[1] = NAN;
    is_int(dft_ewald_energy(cell, 2, pos, q, 0, &e, NULL, &err), CORE_EINPUT, "ewald: NaN");
    ok(strstr(err.msg, "atom 1") != NULL, "ewald: message '%s'", err.msg);
    z9[0] = INFINITY;
    is_int(dft_ewald_energy(z9, 2, pos, q, 0, &e, NULL, &err), CORE_EINPUT, "ewald: Inf cell");
}

static void
test_kmesh_fft(void)
{
    double *k, *w, sum = 0;
    size_t nk;
    struct core_err err = {0};
    int n4[3] = {4, 4, 4}, n0[3] = {4, 0, 4};
    double half[3] = {0.5, 0.5, 0.5}, zero[3] = {0, 0, 0}, one[3] = {0, 1, 0};
    is_int(dft_kmesh_make(n4, half, 1, &k, &w, &nk, &err), 0, "kmesh: 4x4x4 shifted");
    is_int((long)nk, 32, "kmesh: 32 points with time reversal");
    for (size_t i = 0; i < nk; i++)
        sum += w[i];
    is_abs(sum, 1, 1e-15, "kmesh: weights sum to 1");
    is_abs(k[0], 0.125, 1e-15, "kmesh: first point k1 = 1/8");
    free(k);
    free(w);
    is_int(dft_kmesh_make(n4, zero, 1, &k, &w, &nk, &err), 0, "kmesh: 4x4x4 Gamma");
    is_int((long)nk, 36, "kmesh: 36 points (8 self-conjugate)");
    free(k);
    free(w);
    is_int(dft_kmesh_make(n4, zero, 0, &k, &w, &nk, &err), 0, "kmesh: no time reversal");
    is_int((long)nk, 64, "kmesh: 64 points");
    free(k);
    free(w);
    is_int(dft_kmesh_make(n0, zero, 1, &k, &w, &nk, &err), CORE_EINPUT, "kmesh: 0 points");
    ok(k == NULL && w == NULL, "kmesh: nothing allocated on error");
    is_int(dft_kmesh_make(n4, one, 1, &k, &w, &nk, &err), CORE_EINPUT, "kmesh: shift 1");
    ok(strstr(err.msg, "shift 1 along b_2") != NULL, "kmesh: message '%s'", err.msg);

    static const size_t in[] = {1, 7, 11, 13, 29, 31, 97, 121},
                        want[] = {1, 8, 12, 15, 30, 32, 100, 125};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        is_int((long)dft_fft_size(in[i]), (long)want[i], "fft size %zu", in[i]);
    double cell[9], pos[6];
    size_t ng[3];
    si_cell(cell, pos);
    dft_fft_grid(cell, 20, ng);
    ok(ng[0] == 30 && ng[1] == 30 && ng[2] == 30, "fft grid: Si 20 Ha is 30^3 (as ABINIT)");
    dft_fft_grid(cell, 10, ng);
    ok(ng[0] == 24 && ng[1] == 24 && ng[2] == 24, "fft grid: Si 10 Ha is 24^3");
}

/* Runs the Si SCF of a reference case and compares with ABINIT. */
static struct dft_scf *
scf_si(const char *refname, double ecut, int nk, int keep)
{
    struct dft_psp p = si_psp();
    const struct dft_psp *pp[2] = {&p, &p};
    struct dft_params par;
    struct dft_scf *scf = NULL;
    struct core_err err = {0};
    struct dft_energies e;
    struct ref r;
    double cell[9], pos[6];
    int rc = 0;
    si_cell(cell, pos);
    dft_params_init(&par);
    par.ecut = ecut;
    par.kgrid[0] = par.kgrid[1] = par.kgrid[2] = nk;
    par.kshift[0] = par.kshift[1] = par.kshift[2] = 0.5;
    /* the energy terms are first order in the density's error (the total is second order):
     * converged far enough for them to be compared at 1e-7 Ha */
    par.tol_energy = 1e-13;
    if (!ok(ref_read(refname, &r) == 0, "scf %s: reference readable (FPMS_ROOT)", refname))
        return NULL;
    is_int(dft_scf_alloc(cell, 2, pos, pp, &par, &scf, &err), 0, "scf %s: alloc %s", refname,
           err.msg);
    if (!scf)
        return NULL;
    while (!dft_scf_converged(scf) && dft_scf_niter(scf) < par.maxiter && rc == 0)
        rc = dft_scf_iterate(scf, &err);
    ok(rc == 0 && dft_scf_converged(scf), "scf %s: converged in %zu iterations (dE %.1e, res %.1e)",
       refname, dft_scf_niter(scf), dft_scf_delta_energy(scf), dft_scf_residual(scf));
    dft_scf_energies(scf, &e);
    is_abs(e.total / 2, r.total / 2, 1e-6, "scf %s: total energy per atom within 1e-6 Ha of ABINIT",
           refname);
    is_abs(e.total, r.total, 1e-9, "scf %s: total energy within 1e-9 Ha (%.12f)", refname, e.total);
    is_abs(e.kinetic, r.kinetic, 1e-7, "scf %s: kinetic", refname);
    is_abs(e.hartree, r.hartree, 1e-7, "scf %s: hartree", refname);
    is_abs(e.xc, r.xc, 1e-7, "scf %s: xc", refname);
    is_abs(e.ewald, r.ewald, 1e-10, "scf %s: ewald", refname);
    is_abs(e.psp_core, r.psp_core, 1e-12, "scf %s: psp_core", refname);
    is_abs(e.local, r.local, 1e-7, "scf %s: local", refname);
    is_abs(e.nonlocal, r.nonlocal, 1e-7, "scf %s: nonlocal", refname);
    is_abs(e.band, r.band, 1e-7, "scf %s: band energy", refname);
    /* eigenvalues, matching k-points up to sign and lattice vectors */
    size_t nkp = dft_scf_nkpts(scf), matched = 0;
    const double *kp = dft_scf_kpts(scf);
    double maxerr = 0;
    is_int((long)nkp, (long)r.nkpt, "scf %s: as many k-points as ABINIT", refname);
    for (size_t i = 0; i < r.nkpt; i++)
        for (size_t j = 0; j < nkp; j++) {
            int same = 1;
            for (int sgn = -1; sgn <= 1; sgn += 2) {
                same = 1;
                for (int c = 0; c < 3; c++) {
                    double d = r.k[i][c] - sgn * kp[3 * j + c];
                    if (fabs(d - round(d)) > 1e-9)
                        same = 0;
                }
                if (same)
                    break;
            }
            if (!same)
                continue;
            matched++;
            const double *ev = dft_scf_eigenvalues(scf, j);
            for (size_t n = 0; n < r.nband; n++)
                if (fabs(ev[n] - r.eig[i][n]) > maxerr)
                    maxerr = fabs(ev[n] - r.eig[i][n]);
            break;
        }
    is_int((long)matched, (long)r.nkpt, "scf %s: every ABINIT k-point found", refname);
    ok(maxerr < 1e-5, "scf %s: band energies within 1e-5 Ha of ABINIT (max diff %.2e)", refname,
       maxerr);
    if (!keep) {
        dft_scf_free(scf);
        return NULL;
    }
    return scf;
}

/* The Kohn-Sham energy is stationary at self-consistency: E(psi + t d) - E(psi) = O(t^2). */
static void
test_variational(struct dft_scf *scf)
{
    size_t npw = dft_scf_npw(scf, 1), nb = dft_scf_nbands(scf);
    const double complex *psi = dft_scf_psi(scf, 1);
    double complex *trial = malloc(npw * nb * sizeof *trial), *d = malloc(npw * nb * sizeof *d);
    struct core_rng rng;
    struct core_err err = {0};
    double e0, e1, e2, em;
    core_rng_init(&rng, 42, 99, 0, 0);
    for (size_t i = 0; i < npw * nb; i++)
        d[i] = core_rng_gauss(&rng) + I * core_rng_gauss(&rng);
    double t = 1e-3 / sqrt((double)npw);
    is_int(dft_scf_energy_of(scf, 1, psi, &e0, &err), 0, "variational: E(psi)");
    for (size_t i = 0; i < npw * nb; i++)
        trial[i] = psi[i] + t * d[i];
    dft_scf_energy_of(scf, 1, trial, &e1, &err);
    for (size_t i = 0; i < npw * nb; i++)
        trial[i] = psi[i] + 2 * t * d[i];
    dft_scf_energy_of(scf, 1, trial, &e2, &err);
    for (size_t i = 0; i < npw * nb; i++)
        trial[i] = psi[i] - t * d[i];
    dft_scf_energy_of(scf, 1, trial, &em, &err);
    struct dft_energies en;
    dft_scf_energies(scf, &en);
    is_abs(e0, en.total, 1e-9, "variational: E(psi) is the SCF energy");
    ok(e1 > e0 && e2 > e0 && em > e0, "variational: a minimum (dE %.3e %.3e %.3e)", e1 - e0,
       e2 - e0, em - e0);
    /* quadratic: E(2t) - E0 = 4 (E(t) - E0); the odd part (E(t) - E(-t)) vanishes */
    is_rel((e2 - e0) / (e1 - e0), 4, 0.02, "variational: quadratic in t (ratio %.4f)",
           (e2 - e0) / (e1 - e0));
    ok(fabs(e1 - em) < 1e-2 * (e1 - e0), "variational: no linear term (%.2e vs %.2e)", e1 - em,
       e1 - e0);
    for (size_t i = 0; i < npw * nb; i++)
        trial[i] = 0;
    is_int(dft_scf_energy_of(scf, 1, trial, &e1, &err), CORE_EINPUT,
           "variational: dependent trial rejected");
    is_int(dft_scf_energy_of(scf, 999, psi, &e1, &err), CORE_EINPUT, "variational: bad k-point");
    free(trial);
    free(d);
}

/* Runs an SCF to convergence; returns the iterations (0 on failure). */
static size_t
scf_run(struct dft_scf *scf, double *energy)
{
    struct core_err err = {0};
    struct dft_energies e;
    int rc = 0;
    while (!dft_scf_converged(scf) && dft_scf_niter(scf) < 100 && rc == 0)
        rc = dft_scf_iterate(scf, &err);
    dft_scf_energies(scf, &e);
    *energy = e.total;
    return rc == 0 && dft_scf_converged(scf) ? dft_scf_niter(scf) : 0;
}

/*
 * Warm start from the converged si-lda-small (prev): a strained and rattled silicon, on the same
 * grid and on another grid (another cutoff: other plane waves, density through Fourier
 * coefficients), converges to the energy of a start from scratch in fewer iterations.
 */
static void
test_restart(const struct dft_scf *prev)
{
    struct dft_psp p = si_psp();
    const struct dft_psp *pp[2] = {&p, &p};
    struct dft_params par;
    struct dft_scf *cold = NULL, *warm = NULL, *fresh = NULL;
    struct core_err err = {0};
    double cell[9], pos[6], ec, ew;
    int what = -1;
    si_cell(cell, pos);
    for (int i = 0; i < 9; i++)
        cell[i] *= i == 0 ? 1.0123 : 1.0031;
    pos[3] += 0.0432;
    pos[5] -= 0.0217;
    dft_params_init(&par);
    par.kgrid[0] = par.kgrid[1] = par.kgrid[2] = 2;
    par.kshift[0] = par.kshift[1] = par.kshift[2] = 0.5;
    for (int pass = 0; pass < 2; pass++) {
        size_t ng[3], nc, nw;
        par.ecut = pass == 0 ? 10 : 14;
        dft_scf_alloc(cell, 2, pos, pp, &par, &cold, &err);
        dft_scf_alloc(cell, 2, pos, pp, &par, &warm, &err);
        if (!ok(cold && warm, "restart %d: alloc", pass))
            break;
        dft_scf_grid(warm, ng);
        ok((ng[0] == 24) == (pass == 0), "restart %d: grid %zu (%s prev's)", pass, ng[0],
           pass == 0 ? "same as" : "not");
        is_int(dft_scf_restart(warm, prev, &what, &err), 0, "restart %d: takes over", pass);
        is_int(what, DFT_RESTART_DENSITY | DFT_RESTART_PSI, "restart %d: density and psi", pass);
        nc = scf_run(cold, &ec);
        nw = scf_run(warm, &ew);
        ok(nc > 0 && nw > 0, "restart %d: both converge", pass);
        ok(nw < nc, "restart %d: %zu iterations warm, %zu from scratch", pass, nw, nc);
        is_abs(ew, ec, 1e-9, "restart %d: same energy (%.12f)", pass, ew);
        is_int(dft_scf_restart(warm, prev, &what, &err), CORE_EINPUT,
               "restart %d: refused after iterating", pass);
        ok(strstr(err.msg, "restart after") != NULL, "restart %d: message '%s'", pass, err.msg);
        /* a previous SCF that never iterated gives nothing */
        dft_scf_alloc(cell, 2, pos, pp, &par, &fresh, &err);
        is_int(dft_scf_restart(fresh, cold, &what, &err), 0, "restart %d: from converged", pass);
        dft_scf_free(cold);
        dft_scf_alloc(cell, 2, pos, pp, &par, &cold, &err);
        is_int(dft_scf_restart(fresh, cold, &what, &err), 0, "restart %d: from fresh", pass);
        is_int(what, 0, "restart %d: nothing from an SCF that never ran", pass);
        dft_scf_free(fresh);
        dft_scf_free(cold);
        dft_scf_free(warm);
        cold = warm = fresh = NULL;
    }
    /* other atoms: the wavefunctions only (same k-points and bands), not the density */
    {
        struct dft_psp c;
        const struct dft_psp *pc[2] = {&c, &c};
        read_text(gth_text, "C", "GTH-PBE-q4", &c, &err);
        par.ecut = 10;
        dft_scf_alloc(cell, 2, pos, pc, &par, &warm, &err);
        is_int(warm ? dft_scf_restart(warm, prev, &what, &err) : -1, 0, "restart: C from Si");
        is_int(what, DFT_RESTART_PSI, "restart: C from Si takes the wavefunctions only");
        dft_scf_free(warm);
    }
}

static void
test_scf_errors(void)
{
    struct dft_psp si = si_psp(), b;
    struct core_err err = {0};
    struct dft_params par;
    struct dft_scf *scf = (struct dft_scf *)&err;
    double cell[9], pos[6];
    const struct dft_psp *pp[2] = {&si, &si}, *pb[1] = {&b};
    read_text(gth_text, "B", "GTH-PADE-q3", &b, &err);
    si_cell(cell, pos);
    dft_params_init(&par);
    is_int(dft_scf_alloc(cell, 2, pos, pp, &par, &scf, &err), CORE_EINPUT, "scf: no ecut");
    ok(scf == NULL, "scf: NULL on error");
    ok(strstr(err.msg, "ecut") != NULL, "scf: message '%s'", err.msg);
    par.ecut = 3;
    is_int(dft_scf_alloc(cell, 1, pos, pb, &par, &scf, &err), CORE_EINPUT, "scf: odd electrons");
    ok(strstr(err.msg, "3 valence electrons") != NULL, "scf: message '%s'", err.msg);
    /* smearing takes an odd count, with max(1.2 n/2, n/2 + 4) = 5.5 -> 6 bands by default */
    par.smearing = DFT_SMEAR_MV;
    is_int(dft_scf_alloc(cell, 1, pos, pb, &par, &scf, &err), 0, "scf: odd electrons smeared");
    is_int(scf ? (long)dft_scf_nbands(scf) : -1, 6, "scf: 6 bands for 3 electrons by default");
    dft_scf_free(scf);
    par.nbands = 1;
    is_int(dft_scf_alloc(cell, 1, pos, pb, &par, &scf, &err), CORE_EINPUT, "scf: 1 band smeared");
    ok(strstr(err.msg, "1 bands hold 2 electrons") != NULL, "scf: message '%s'", err.msg);
    par.nbands = 2;
    is_int(dft_scf_alloc(cell, 1, pos, pb, &par, &scf, &err), 0, "scf: 2 bands hold 3 smeared");
    dft_scf_free(scf);
    par.nbands = 0;
    par.tsmear = 0;
    is_int(dft_scf_alloc(cell, 1, pos, pb, &par, &scf, &err), CORE_EINPUT, "scf: tsmear 0");
    ok(strstr(err.msg, "smearing width 0") != NULL, "scf: message '%s'", err.msg);
    par.tsmear = NAN;
    is_int(dft_scf_alloc(cell, 1, pos, pb, &par, &scf, &err), CORE_EINPUT, "scf: tsmear NaN");
    par.tsmear = 0.01;
    par.smearing = 5;
    is_int(dft_scf_alloc(cell, 1, pos, pb, &par, &scf, &err), CORE_EINPUT, "scf: smearing 5");
    ok(strstr(err.msg, "unknown smearing 5") != NULL, "scf: message '%s'", err.msg);
    par.smearing = DFT_SMEAR_NONE;
    par.xc = 202; /* TPSS exchange, a meta-GGA */
    is_int(dft_scf_alloc(cell, 2, pos, pp, &par, &scf, &err), CORE_EINPUT, "scf: meta-GGA refused");
    ok(strstr(err.msg, "not an LDA") != NULL, "scf: message '%s'", err.msg);
    par.xc = 99999;
    is_int(dft_scf_alloc(cell, 2, pos, pp, &par, &scf, &err), CORE_EINPUT, "scf: unknown xc");
    par.xc = 20;
    par.ngrid[0] = par.ngrid[1] = par.ngrid[2] = 4;
    is_int(dft_scf_alloc(cell, 2, pos, pp, &par, &scf, &err), CORE_EINPUT, "scf: grid too small");
    ok(strstr(err.msg, "too small") != NULL, "scf: message '%s'", err.msg);
    par.ngrid[1] = 0;
    is_int(dft_scf_alloc(cell, 2, pos, pp, &par, &scf, &err), CORE_EINPUT, "scf: partial grid");
    par.ngrid[0] = par.ngrid[1] = par.ngrid[2] = 0;
    par.nbands = 2;
    is_int(dft_scf_alloc(cell, 2, pos, pp, &par, &scf, &err), CORE_EINPUT, "scf: too few bands");
    par.nbands = 0;
    par.mix_alpha = 0;
    is_int(dft_scf_alloc(cell, 2, pos, pp, &par, &scf, &err), CORE_EINPUT, "scf: alpha 0");
    par.mix_alpha = 0.8;
    pos[2] = NAN;
    is_int(dft_scf_alloc(cell, 2, pos, pp, &par, &scf, &err), CORE_EINPUT, "scf: NaN position");
    pos[2] = 0;
    is_int(dft_scf_alloc(cell, 0, pos, pp, &par, &scf, &err), CORE_EINPUT, "scf: no atoms");
    double flat[9] = {1, 0, 0, 0, 1, 0, 0, 0, 0};
    is_int(dft_scf_alloc(flat, 2, pos, pp, &par, &scf, &err), CORE_EINPUT, "scf: singular cell");
    si.zion = -1;
    is_int(dft_scf_alloc(cell, 2, pos, pp, &par, &scf, &err), CORE_EINPUT, "scf: bad psp");
    dft_scf_free(NULL);
    ok(1, "scf: free(NULL) is a no-op");
}

/* ---- smearing ---- */

static const enum dft_smearing schemes[] = {DFT_SMEAR_FD, DFT_SMEAR_GAUSS, DFT_SMEAR_MP,
                                            DFT_SMEAR_MV};

static const char *const scheme_names[] = {"fermi-dirac", "gaussian", "mp", "mv"};

/*
 * The occupation functions: limits, s'(x) = x f'(x) by central differences, and the Mermin
 * functional of fixed eigenvalues, Omega(x) = sum w (2 f(x_n) eps_n - width 2 s(x_n)), stationary
 * at the Fermi occupations under changes that keep the electron count (second order only).
 */
static void
test_smear_functions(void)
{
    struct core_err err = {0};
    for (size_t is = 0; is < 4; is++) {
        enum dft_smearing sm = schemes[is];
        const char *nm = scheme_names[is];
        double maxd = 0, h = 1e-5;
        is_abs(dft_smear_occ(sm, -40), 1, 1e-15, "smear %s: f(-40) = 1", nm);
        is_abs(dft_smear_occ(sm, 40), 0, 1e-15, "smear %s: f(40) = 0", nm);
        is_abs(dft_smear_entropy(sm, 40) + dft_smear_entropy(sm, -40), 0, 1e-15,
               "smear %s: no entropy far from mu", nm);
        for (double x = -4.3; x < 4.3; x += 0.173) {
            double ds = (dft_smear_entropy(sm, x + h) - dft_smear_entropy(sm, x - h)) / (2 * h);
            double df = (dft_smear_occ(sm, x + h) - dft_smear_occ(sm, x - h)) / (2 * h);
            maxd = fmax(maxd, fabs(ds - x * df));
        }
        ok(maxd < 1e-8, "smear %s: s'(x) = x f'(x) (max diff %.1e)", nm, maxd);

        /* Fermi level of a random band structure, 7 k-points x 5 bands, 6.4 electrons */
        enum { NK = 7, NB = 5 };

        double w[NK], eig[NK * NB], occ[NK * NB], mu, mts, width = 0.0237, nel = 6.4, n = 0;
        struct core_rng rng;
        core_rng_init(&rng, 7, 11, is, 0);
        for (int k = 0; k < NK; k++) {
            w[k] = (1.0 + k) / (NK * (NK + 1) / 2.0);
            for (int b = 0; b < NB; b++)
                eig[k * NB + b] = 0.1 * b + 0.05 * core_rng_gauss(&rng);
        }
        is_int(dft_occ_fermi(sm, width, nel, NK, NB, w, eig, occ, &mu, &mts, &err), 0,
               "fermi %s: %s", nm, err.msg);
        for (int k = 0; k < NK; k++)
            for (int b = 0; b < NB; b++)
                n += w[k] * occ[k * NB + b];
        is_abs(n, nel, 1e-12, "fermi %s: occupations sum to the electron count", nm);
        if (sm == DFT_SMEAR_FD || sm == DFT_SMEAR_GAUSS)
            ok(mts < 0, "fermi %s: -TS = %.6f < 0", nm, mts);
        /* Omega at x + t d, d keeping sum w f'(x) d = 0 */
        double x0[NK * NB], d[NK * NB], fp[NK * NB], a = 0, b2 = 0, om[3];
        for (int i = 0; i < NK * NB; i++) {
            x0[i] = (eig[i] - mu) / width;
            d[i] = core_rng_gauss(&rng);
            fp[i] = (dft_smear_occ(sm, x0[i] + h) - dft_smear_occ(sm, x0[i] - h)) / (2 * h);
        }
        for (int i = 0; i < NK * NB; i++) {
            a += w[i / NB] * fp[i] * d[i];
            b2 += w[i / NB] * fp[i] * fp[i];
        }
        for (int i = 0; i < NK * NB; i++)
            d[i] -= a / b2 * fp[i];
        for (int it = 0; it < 3; it++) {
            double t = (it - 1) * 1e-3, o = 0;
            for (int i = 0; i < NK * NB; i++) {
                double x = x0[i] + t * d[i];
                o += w[i / NB] * 2 *
                     (dft_smear_occ(sm, x) * eig[i] - width * dft_smear_entropy(sm, x));
            }
            om[it] = o;
        }
        double slope = (om[2] - om[0]) / 2e-3, curv = (om[2] - 2 * om[1] + om[0]) / 1e-6;
        ok(fabs(slope) < 1e-6,
           "fermi %s: Mermin functional stationary in the occupations (slope %.1e, curvature "
           "%.1e)",
           nm, slope, curv);
    }
    /* errors */
    double w1[1] = {1}, e1[2] = {0, 1}, o1[2], mu, mts, wbad[1] = {0.5}, enan[2] = {0, NAN};
    is_int(dft_occ_fermi(DFT_SMEAR_FD, 0, 1, 1, 2, w1, e1, o1, &mu, &mts, &err), CORE_EINPUT,
           "fermi: width 0");
    ok(strstr(err.msg, "width") != NULL, "fermi: message '%s'", err.msg);
    is_int(dft_occ_fermi(DFT_SMEAR_NONE, 0.01, 1, 1, 2, w1, e1, o1, &mu, &mts, &err), CORE_EINPUT,
           "fermi: no scheme");
    is_int(dft_occ_fermi(DFT_SMEAR_FD, 0.01, 4, 1, 2, w1, e1, o1, &mu, &mts, &err), CORE_EINPUT,
           "fermi: bands full");
    ok(strstr(err.msg, "do not fit") != NULL, "fermi: message '%s'", err.msg);
    is_int(dft_occ_fermi(DFT_SMEAR_FD, 0.01, 1, 1, 2, wbad, e1, o1, &mu, &mts, &err), CORE_EINPUT,
           "fermi: weights");
    ok(strstr(err.msg, "sum to 0.5") != NULL, "fermi: message '%s'", err.msg);
    is_int(dft_occ_fermi(DFT_SMEAR_FD, 0.01, 1, 1, 2, w1, enan, o1, &mu, &mts, &err), CORE_EINPUT,
           "fermi: NaN eigenvalue");
    ok(strstr(err.msg, "band 2") != NULL, "fermi: message '%s'", err.msg);
    /* a gap: the Fermi level falls inside, full and empty bands */
    is_int(dft_occ_fermi(DFT_SMEAR_GAUSS, 0.01, 2, 1, 2, w1, e1, o1, &mu, &mts, &err), 0,
           "fermi: gap");
    ok(fabs(mu - 0.5) < 1e-6 && fabs(o1[0] - 2) < 1e-15 && o1[1] < 1e-15,
       "fermi: mu %.9f mid-gap, occupations %g %g", mu, o1[0], o1[1]);
}

static void
al_cell(double cell[9], double pos[3])
{
    double a = 7.60;
    double c[9] = {0, a / 2, a / 2, a / 2, 0, a / 2, a / 2, a / 2, 0};
    memcpy(cell, c, sizeof c);
    pos[0] = pos[1] = pos[2] = 0;
}

/* Runs fcc Al (ecut 10 Ha, 4x4x4 shifted) with smearing sm of width tsmear; *e its energies.
 * NULL on failure. */
static struct dft_scf *
scf_al_run(enum dft_smearing sm, double tsmear, struct dft_energies *e)
{
    struct dft_psp p;
    const struct dft_psp *pp[1] = {&p};
    struct dft_params par;
    struct dft_scf *scf = NULL;
    struct core_err err = {0};
    double cell[9], pos[3];
    int rc = 0;
    read_text(gth_text, "Al", "GTH-PADE-q3", &p, &err);
    al_cell(cell, pos);
    dft_params_init(&par);
    par.ecut = 10;
    par.kgrid[0] = par.kgrid[1] = par.kgrid[2] = 4;
    par.kshift[0] = par.kshift[1] = par.kshift[2] = 0.5;
    par.smearing = sm;
    par.tsmear = tsmear;
    par.tol_energy = 1e-13; /* E and -TS are each first order in the density's error */
    if (dft_scf_alloc(cell, 1, pos, pp, &par, &scf, &err) != 0)
        return NULL;
    while (!dft_scf_converged(scf) && dft_scf_niter(scf) < par.maxiter && rc == 0)
        rc = dft_scf_iterate(scf, &err);
    if (rc || !dft_scf_converged(scf)) {
        dft_scf_free(scf);
        return NULL;
    }
    dft_scf_energies(scf, e);
    return scf;
}

/* fcc Al (one atom, 3 electrons) with smearing against ABINIT (tests/ref/dft-scf/al-*): F, E, -TS,
 * the Fermi level, eigenvalues, and the occupations' sum. */
static void
test_scf_al(const char *refname, enum dft_smearing sm)
{
    struct ref r;
    struct dft_energies e;
    if (!ok(ref_read(refname, &r) == 0, "scf %s: reference readable (FPMS_ROOT)", refname))
        return;
    struct dft_scf *scf = scf_al_run(sm, 0.01, &e);
    if (!ok(scf != NULL, "scf %s: converged", refname))
        return;
    printf("# scf %s: %zu iterations\n", refname, dft_scf_niter(scf));
    is_int((long)dft_scf_nbands(scf), (long)r.nband, "scf %s: default bands as ABINIT's nband",
           refname);
    is_abs(e.total, r.total, 1e-6, "scf %s: free energy per atom within 1e-6 Ha of ABINIT (%.12f)",
           refname, e.total);
    is_abs(e.total, r.total, 1e-8, "scf %s: free energy within 1e-8 Ha", refname);
    is_abs(e.internal, r.internal, 1e-8, "scf %s: internal energy", refname);
    is_abs(e.entropy, r.mts, 1e-8, "scf %s: -TS (%.12f)", refname, e.entropy);
    is_abs(e.fermi, r.fermi, 1e-5, "scf %s: Fermi level within 1e-5 Ha (%.10f vs %.10f)", refname,
           e.fermi, r.fermi);
    /* the terms agree to 1.2e-7 Ha (measured; see al-fd/PROVENANCE), their sum to 1e-8 */
    is_abs(e.kinetic, r.kinetic, 1e-6, "scf %s: kinetic", refname);
    is_abs(e.hartree, r.hartree, 1e-6, "scf %s: hartree", refname);
    is_abs(e.band, r.band, 1e-6, "scf %s: band energy", refname);
    if (sm == DFT_SMEAR_MP)
        is_abs(e.extrapolated, e.total, 0, "scf %s: E0 = F", refname);
    else
        is_abs(e.extrapolated, e.internal + 0.5 * e.entropy, 1e-15, "scf %s: E0 = E - TS/2",
               refname);
    double n = 0, maxerr = 0;
    size_t nk = dft_scf_nkpts(scf), matched = 0;
    for (size_t ik = 0; ik < nk; ik++) {
        const double *occ = dft_scf_occupations(scf, ik);
        for (size_t b = 0; b < dft_scf_nbands(scf); b++)
            n += dft_scf_weights(scf)[ik] * occ[b];
    }
    is_abs(n, 3, 1e-12, "scf %s: occupations sum to the 3 electrons", refname);
    for (size_t i = 0; i < r.nkpt; i++)
        for (size_t j = 0; j < nk; j++) {
            const double *kp = dft_scf_kpts(scf) + 3 * j;
            int same = 0;
            for (int sgn = -1; sgn <= 1 && !same; sgn += 2) {
                same = 1;
                for (int c = 0; c < 3; c++) {
                    double d = r.k[i][c] - sgn * kp[c];
                    if (fabs(d - round(d)) > 1e-9)
                        same = 0;
                }
            }
            if (!same)
                continue;
            matched++;
            for (size_t b = 0; b < r.nband; b++)
                maxerr = fmax(maxerr, fabs(dft_scf_eigenvalues(scf, j)[b] - r.eig[i][b]));
            break;
        }
    is_int((long)matched, (long)r.nkpt, "scf %s: every ABINIT k-point found", refname);
    ok(maxerr < 1e-5, "scf %s: band energies within 1e-5 Ha (max diff %.1e)", refname, maxerr);
    dft_scf_free(scf);
}

/* The free energy is variational in the occupations too: dF/d(width) = -S = (-TS)/width at
 * self-consistency, with no term from the change of the occupations (ABINIT's test v3/t85). */
static void
test_scf_al_dfdsigma(void)
{
    for (size_t is = 0; is < 4; is++) {
        struct dft_energies e0, ep, em;
        double w = 0.01, h = 1e-4;
        struct dft_scf *a = scf_al_run(schemes[is], w, &e0);
        struct dft_scf *b = scf_al_run(schemes[is], w + h, &ep);
        struct dft_scf *c = scf_al_run(schemes[is], w - h, &em);
        if (ok(a && b && c, "dF/dsigma %s: three SCFs converge", scheme_names[is])) {
            /* central differences, O(h^2) = 1e-5 relative */
            double dfds = (ep.total - em.total) / (2 * h), s = e0.entropy / w;
            is_abs(dfds, s, 5e-5 * fabs(s), "dF/dsigma %s: %.8f = -S = %.8f", scheme_names[is],
                   dfds, s);
        }
        dft_scf_free(a);
        dft_scf_free(b);
        dft_scf_free(c);
    }
}

int
main(void)
{
    const char *pre = getenv("LD_PRELOAD");
    int valgrind = pre && strstr(pre, "vgpreload");
    int small = getenv("FPMS_DFT_SMALL") || valgrind;
    /* one thread under valgrind: libgomp's pool keeps its thread stacks until exit, which
     * valgrind reports as possibly lost */
    if (valgrind)
        omp_set_num_threads(1);
    test_gth();
    test_abinit_psp();
    test_psp();
    test_ewald();
    test_kmesh_fft();
    test_scf_errors();
    test_smear_functions();
    test_scf_al("al-fd", DFT_SMEAR_FD);
    struct dft_scf *scf = scf_si("si-lda-small", 10, 2, 1);
    if (scf) {
        test_variational(scf);
        test_restart(scf);
        dft_scf_free(scf);
    }
    if (small) {
        ok(1, "# skip si-lda (20 Ha, 4x4x4), al-gauss, al-mp, dF/dsigma: FPMS_DFT_SMALL or "
              "valgrind");
    } else {
        scf_si("si-lda", 20, 4, 0);
        test_scf_al("al-gauss", DFT_SMEAR_GAUSS);
        test_scf_al("al-mp", DFT_SMEAR_MP);
        test_scf_al_dfdsigma();
    }
    done_testing();
    return exit_status();
}
