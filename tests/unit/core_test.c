/* Unit tests of lib/core: errors, elements, frames, RNG, quantities. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/core/core.h"
#include "../tap.h"

static void
test_errors(void)
{
    struct core_err err;
    core_err_clear(&err);
    is_int(core_err_set(&err, CORE_EINPUT, "%s:%d: bad", "f.xyz", 3), CORE_EINPUT, "err_set code");
    is_str(err.msg, "f.xyz:3: bad", "err_set message");
    is_int(core_err_prefix(&err, "start %d", 2), CORE_EINPUT, "err_prefix keeps the code");
    is_str(err.msg, "start 2: f.xyz:3: bad", "err_prefix message");
    char longw[2 * CORE_ERR_MSGLEN];
    memset(longw, 'w', sizeof longw - 1), longw[sizeof longw - 1] = '\0';
    core_err_prefix(&err, "%s", longw);
    is_int((int)strlen(err.msg), CORE_ERR_MSGLEN - 1, "err_prefix truncates to the message size");
    is_int(core_err_prefix(NULL, "x"), CORE_OK, "err_prefix on NULL");
    is_int(core_exit_status(CORE_OK), 0, "exit 0");
    is_int(core_exit_status(CORE_EINPUT), 1, "exit 1 for input");
    is_int(core_exit_status(CORE_EIO), 1, "exit 1 for io");
    is_int(core_exit_status(CORE_ENOCONV), 2, "exit 2 for no convergence");
    is_int(core_exit_status(CORE_EPHYS), 2, "exit 2 for physics");
}

static void
test_elements(void)
{
    is_int(core_elem_z("C"), 6, "C is 6");
    is_int(core_elem_z("B"), 5, "B is 5");
    is_int(core_elem_z("Og"), 118, "Og is 118");
    is_int(core_elem_z("Xx"), 0, "Xx unknown");
    is_int(core_elem_z("c"), 0, "lowercase c unknown");
    is_str(core_elem_symbol(14), "Si", "14 is Si");
    is_str(core_elem_symbol(0), "X", "0 is X");
    is_rel(core_elem_mass(6), 12.011, 1e-15, "C mass as ASE");
    is_rel(core_elem_mass(5), 10.81, 1e-15, "B mass as ASE");
}

static void
test_frame(void)
{
    struct core_frame f, g;
    struct core_err err;
    size_t ip;

    core_frame_init(&f);
    core_frame_init(&g);
    is_int(core_frame_resize(&f, 3, &err), 0, "resize");
    f.z[1] = 6;
    f.pos[4] = 1.25;
    ok(core_frame_want(&f, "forces", &err) == 0 && f.forces, "want forces");
    is_int(core_frame_want(&f, "nonsense", &err), CORE_EINTERNAL, "want unknown");
    is_int(core_frame_info_set(&f, "config_type", "strain_x", &err), 0, "info set");
    core_frame_info_set(&f, "config_type", "rattle", &err);
    is_str(core_frame_info_get(&f, "config_type"), "rattle", "info replace");
    is_int((long)f.ninfo, 1, "one key");
    is_int(core_frame_prop_add(&f, "tags2", 'S', 2, &ip, &err), 0, "prop add");
    strcpy(f.prop[ip].s + CORE_SLEN * 5, "zz");
    is_int(core_frame_copy(&g, &f, &err), 0, "copy");
    is_int(g.z[1], 6, "copy z");
    is_abs(g.pos[4], 1.25, 0, "copy pos");
    is_str(g.prop[0].s + CORE_SLEN * 5, "zz", "copy prop");
    is_str(core_frame_info_get(&g, "config_type"), "rattle", "copy info");
    core_frame_info_del(&g, "config_type");
    ok(core_frame_info_get(&g, "config_type") == NULL, "info del");
    core_frame_release(&f);
    core_frame_release(&g);
}

static void
test_cell(void)
{
    double c[9] = {2.46, 0, 0, -1.23, 2.130422493, 0, 0, 0, 20}, inv[9];
    struct core_err err;
    double s[3] = {0};
    is_rel(core_cell_volume(c), 2.46 * 2.130422493 * 20, 1e-14, "volume");
    is_int(core_cell_inverse(c, inv, &err), 0, "inverse");
    /* the second lattice vector maps to fractional (0, 1, 0) */
    for (int j = 0; j < 3; j++)
        for (int k = 0; k < 3; k++)
            s[j] += c[3 + k] * inv[3 * k + j];
    ok(fabs(s[0]) < 1e-14 && fabs(s[1] - 1) < 1e-14 && fabs(s[2]) < 1e-14, "r * inv");
    double sing[9] = {1, 0, 0, 2, 0, 0, 0, 0, 1};
    is_int(core_cell_inverse(sing, inv, &err), CORE_EINPUT, "singular cell refused");
}

static void
test_rng(void)
{
    struct core_rng a, b;
    double sum = 0, sum2 = 0;
    int n = 200000;
    core_rng_init(&a, 42, 1, 17, 0);
    core_rng_init(&b, 42, 1, 17, 0);
    ok(core_rng_next(&a) == core_rng_next(&b), "same key, same numbers");
    core_rng_init(&b, 42, 1, 18, 0);
    ok(core_rng_next(&a) != core_rng_next(&b), "other entity, other numbers");
    for (int i = 0; i < n; i++) {
        double g = core_rng_gauss(&a);
        sum += g;
        sum2 += g * g;
    }
    is_abs(sum / n, 0.0, 5.0 / sqrt(n), "gauss mean 0");
    is_abs(sum2 / n, 1.0, 0.02, "gauss variance 1");
    /* chi-squared with nf degrees of freedom: mean nf, variance 2 nf (5 standard errors) */
    const double nfs[] = {0.7, 1.5, 7.3, 301.0};
    for (size_t k = 0; k < sizeof nfs / sizeof nfs[0]; k++) {
        double nf = nfs[k], s1 = 0, s2 = 0;
        int m = 50000;
        for (int i = 0; i < m; i++) {
            double x = core_rng_chi2(&a, nf);
            s1 += x;
            s2 += x * x;
        }
        double mean = s1 / m, var = s2 / m - mean * mean;
        is_abs(mean, nf < 2 ? 1.0 : nf, 5 * sqrt(2 * (nf < 2 ? 1.0 : nf) / m), "chi2(%g) mean", nf);
        is_rel(var, 2 * (nf < 2 ? 1.0 : nf), 0.05, "chi2(%g) variance", nf);
    }
    ok(core_rng_chi2(&a, 0) == 0, "chi2(0) is 0");
}

static void
test_quantity(void)
{
    double v;
    struct core_err err;
    is_int(core_quantity_parse("30Ha", CORE_DIM_ENERGY, &v, &err), 0, "30Ha");
    is_rel(v, 30 * 27.21138602, 1e-15, "30Ha in eV");
    core_quantity_parse("60Ry", CORE_DIM_ENERGY, &v, &err);
    is_rel(v, 30 * 27.21138602, 1e-15, "60Ry = 30Ha");
    core_quantity_parse("0.5fs", CORE_DIM_TIME, &v, &err);
    is_rel(v, 5e-4, 1e-15, "0.5fs in ps");
    core_quantity_parse("2.5", CORE_DIM_LENGTH, &v, &err);
    is_rel(v, 2.5, 0, "bare number");
    is_int(core_quantity_parse("3parsec", CORE_DIM_LENGTH, &v, &err), CORE_EINPUT, "bad unit");
    is_str(err.msg, "'3parsec': unknown unit 'parsec'", "bad unit message");
    is_int(core_quantity_parse("nan", CORE_DIM_LENGTH, &v, &err), CORE_EINPUT, "nan refused");
    is_int(core_parse_double("1e400", &v), CORE_EINPUT, "overflow refused");
}

static void
test_species_map(void)
{
    struct core_species_map m;
    struct core_err err;
    is_int(core_species_map_parse("C,B", &m, &err), 0, "species C,B");
    ok(m.ntypes == 2 && m.z[0] == 6 && m.z[1] == 5, "C,B is 6,5");
    is_int(core_species_map_type(&m, 5), 1, "B is type 1");
    is_int(core_species_map_type(&m, 7), -1, "N absent");
    is_int(core_species_map_parse("C,Xx", &m, &err), CORE_EINPUT, "unknown element");
    is_str(err.msg, "species list 'C,Xx': unknown element 'Xx'", "message names it");
    is_int(core_species_map_parse("C,,B", &m, &err), CORE_EINPUT, "empty entry");
    is_int(core_species_map_parse("C,C", &m, &err), CORE_EINPUT, "repeated entry");
}

static void
test_values(void)
{
    double *v;
    size_t n;
    struct core_err err;
    is_int(core_values_parse("0:0.20:0.02", CORE_DIM_NONE, &v, &n, &err), 0, "range");
    is_int((long)n, 11, "0:0.20:0.02 has 11 values");
    is_rel(v[10], 0.2, 1e-15, "last value 0.2");
    is_abs(v[3], 0.06, 1e-17, "no accumulated step error");
    free(v);
    is_int(core_values_parse("0.1:-0.1:-0.05", CORE_DIM_NONE, &v, &n, &err), 0, "down range");
    is_int((long)n, 5, "5 values down");
    free(v);
    is_int(core_values_parse("0.01,-0.02,0.3", CORE_DIM_NONE, &v, &n, &err), 0, "list");
    ok(n == 3 && v[1] == -0.02, "list values");
    free(v);
    is_int(core_values_parse("0:1:0", CORE_DIM_NONE, &v, &n, &err), CORE_EINPUT, "zero step");
    is_int(core_values_parse("0:1:-0.1", CORE_DIM_NONE, &v, &n, &err), CORE_EINPUT, "wrong sign");
    is_int(core_values_parse("0,x", CORE_DIM_NONE, &v, &n, &err), CORE_EINPUT, "bad number");
    is_int(core_values_parse("0:1", CORE_DIM_NONE, &v, &n, &err), CORE_EINPUT, "half range");
    is_int(core_values_parse("", CORE_DIM_NONE, &v, &n, &err), CORE_EINPUT, "empty");
}

int
main(void)
{
    test_values();
    test_species_map();
    test_errors();
    test_elements();
    test_frame();
    test_cell();
    test_rng();
    test_quantity();
    done_testing();
    return exit_status();
}
