/*
 * mtpfitout_test: mtp-fit's loss-plot script (what it draws for a plain, held-out and
 * cross-validation fit, and its errors) and the error table's header lines.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../formats/mtpfitout.h"
#include "../tap.h"

int
main(void)
{
    struct core_err err = {0};
    struct table h;
    char script[2048];
    ok(mtpfitout_history_init(&h, &err) == 0 && h.ncols == 5, "history: 5 columns");
    ok(mtpfitout_plot_script(script, sizeof script, &h, "t", 1, 0, 0, 0, &err) == CORE_EINPUT &&
           strstr(err.msg, "no iterations to draw"),
       "no rows: %s", err.msg);
    double rows[][5] = {{1, 0, 1, 2.0, 3.0},
                        {1, 0, 2, 1.0, 2.5},
                        {1, 0, 3, 0.5, 2.6},
                        {1, 1, 1, 1.9, 0},
                        {1, 1, 2, 0.9, 0}};
    for (int r = 0; r < 5; r++)
        table_row_add(&h, rows[r], &err);
    ok(mtpfitout_plot_script(script, sizeof script, &h, "plain", 1, 0, 0, 0, &err) == 0 &&
           strstr(script, "set xrange [0:3]") && strstr(script, "title 'training loss'") &&
           !strstr(script, "set arrow") && !strstr(script, "$5"),
       "plain fit: the training loss only");
    ok(mtpfitout_plot_script(script, sizeof script, &h, "cv", 1, 2, 1, 1, &err) == 0 &&
           strstr(script, "set arrow from 2, graph 0 to 2") &&
           strstr(script, "'kept: iteration 2' at 2, graph 0.05 right") &&
           strstr(script, "cross-validation loss") && strstr(script, "($1 == 1 && $2 == 1) ? $4") &&
           script[strlen(script) - 1] == '\n',
       "cross-validation: the kept line, right of the middle, and the whole-set fit of the start "
       "kept (--starts with --cv: not the other starts')");
    ok(mtpfitout_plot_script(script, sizeof script, &h, "s2", 2, 0, 1, 0, &err) == CORE_EINPUT,
       "a start without rows: %s", err.msg);
    ok(mtpfitout_plot_script(script, 64, &h, "cv", 1, 2, 1, 1, &err) == CORE_EINTERNAL,
       "a buffer too small: %s", err.msg);
    table_release(&h);

    struct mtp_fit_stats st = {.nenergy = 3, .e_rms = 0.01, .f_rms = 0.1, .loss = 1.5};
    struct mtp_fit_result res = {.best_iter = 7, .best_loss = 0.25, .cv_iters = 12};
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ok(mtpfitout_errors_write(fp, &st, 1, "train", NULL, &res, 0, 1, 0, 4, 5, &err) == 0,
       "errors table: %s", err.msg);
    fclose(fp);
    ok(strstr(buf, "# cv_folds = 5\n") && strstr(buf, "# best_iter = 7\n") &&
           strstr(buf, "# cv_iterations = 12\n") && strstr(buf, "# seed = 4\n") &&
           !strstr(buf, "best_holdout_loss") && !strstr(buf, "evaluated"),
       "cross-validation lines, no held-out ones");
    free(buf);
    buf = NULL, len = 0;
    fp = open_memstream(&buf, &len);
    ok(mtpfitout_errors_write(fp, &st, 1, "train", "pot.mtp", NULL, 0, 1, 0, 4, 0, &err) == 0,
       "errors table of an evaluation: %s", err.msg);
    fclose(fp);
    ok(strstr(buf, "# sets = train\n# evaluated = pot.mtp\n") && !strstr(buf, "seed") &&
           !strstr(buf, "best_iter"),
       "an evaluation names the potential and no fit");
    free(buf);

    /* the parity plot: rows where the labels are, the RMS of each set and kind in the key */
    struct table par;
    int type[2] = {0, 0};
    double pos[6] = {0}, fl[6] = {1, 0, 0, -1, 0, 0}, e[1] = {-9}, f[6] = {1.5, 0, 0, -1, 0, 0};
    struct mtp_fit_conf c[2] = {
        {.natoms = 2, .type = type, .pos = pos, .has_energy = 1, .energy = -10, .forces = fl},
        {.natoms = 2, .type = type, .pos = pos, .has_energy = 0, .forces = NULL}};
    ok(mtpfitout_parity_init(&par, &err) == 0 && par.ncols == 4, "parity: 4 columns");
    const char *names[2] = {"train", "valid"};
    ok(mtpfitout_parity_script(script, sizeof script, &par, "p", 1, names, &err) == CORE_EINPUT,
       "nothing to draw: %s", err.msg);
    double e2[2] = {-9, 0}, f2[12] = {1.5, 0, 0, -1, 0, 0};
    ok(mtpfitout_parity_add(&par, 0, c, 2, e2, f2, &err) == 0 && par.nrows == 7,
       "one energy and 6 force rows (the unlabelled configuration adds none): %zu", par.nrows);
    ok(par.data[2] == -5 && par.data[3] == -4.5, "energy per atom: label -5, model -4.5");
    ok(mtpfitout_parity_add(&par, 1, c, 1, e, f, &err) == 0 && par.nrows == 14, "a second set");
    char big[4096];
    ok(mtpfitout_parity_script(big, sizeof big, &par, "pot_10", 2, names, &err) == 0 &&
           strstr(big, "set termoption noenhanced") && strstr(big, "title 'pot_10'") &&
           strstr(big, "'train: RMS 500 meV/atom'") &&
           strstr(big, "'valid: RMS 0.204 eV/Angstrom'") && strstr(big, "unset multiplot"),
       "the script: two panels, RMS 0.5 eV/atom and sqrt(0.25/6) eV/Angstrom in the key");
    const char *quoted[2] = {"Bob's set", "valid"};
    ok(mtpfitout_parity_script(big, sizeof big, &par, "it's", 2, quoted, &err) == 0 &&
           strstr(big, "title 'it''s'") && strstr(big, "'Bob''s set: RMS"),
       "a quote in a file name is doubled, as gnuplot's single-quoted strings want");
    const char *four[4] = {"a", "b", "c", "d"};
    ok(mtpfitout_parity_script(big, sizeof big, &par, "p", 4, four, &err) == CORE_EINTERNAL &&
           strstr(err.msg, "at most 3"),
       "four sets: %s", err.msg);
    ok(mtpfitout_parity_script(big, 100, &par, "p", 2, names, &err) == CORE_EINTERNAL,
       "a buffer too small: %s", err.msg);
    table_release(&par);
    done_testing();
    return exit_status();
}
