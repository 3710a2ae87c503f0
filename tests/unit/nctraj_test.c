/*
 * nctraj_test: AMBER NetCDF trajectories. Round trips in double and float precision with
 * high-entropy values, the standard orientation, files as ASE, LAMMPS and AMBER write them
 * (built here with the NetCDF API), and every error path of the writer and the reader.
 */
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../formats/nctraj.h"
#include "../tap.h"

static char dir[64];

static const char *
tmp_path(const char *name)
{
    static char buf[8][128];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, sizeof buf[0], "%s/%s", dir, name);
    return p;
}

/* Number of files in dir whose name contains s. */
static int
count_files(const char *s)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)))
        if (strstr(e->d_name, s))
            n++;
    closedir(d);
    return n;
}

static int
exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* A value spread over many magnitudes, both signs. */
static double
wild(struct core_rng *rng, double scale)
{
    double u = core_rng_uniform(rng) - 0.5;
    return scale * u * pow(10.0, 2.0 * core_rng_uniform(rng) - 1.0);
}

/* A frame with every label: triclinic cell (not in standard orientation), pbc T T F. */
static void
make_frame(struct core_frame *f, size_t natoms, uint64_t seed, int iframe)
{
    struct core_rng rng;
    struct core_err err;
    core_rng_init(&rng, seed, 1, 0, (uint64_t)iframe);
    core_frame_resize(f, natoms, &err);
    core_frame_want(f, "vel", &err);
    core_frame_want(f, "forces", &err);
    for (int k = 0; k < 9; k++)
        f->cell[k] = wild(&rng, 2.0) + ((k % 4 == 0) ? 7.0 + 3 * core_rng_uniform(&rng) : 0.0);
    f->has_cell = 1;
    f->pbc[0] = f->pbc[1] = 1;
    f->pbc[2] = 0;
    for (size_t i = 0; i < natoms; i++) {
        f->z[i] = 1 + (int)(core_rng_next(&rng) % CORE_ZMAX);
        for (int k = 0; k < 3; k++) {
            f->pos[3 * i + k] = wild(&rng, 20.0);
            f->vel[3 * i + k] = wild(&rng, 30.0);
            f->forces[3 * i + k] = wild(&rng, 5.0);
        }
    }
    f->has_energy = 1;
    f->energy = -1234.5 * (1 + core_rng_uniform(&rng)) + 1e-9 * core_rng_uniform(&rng);
    f->has_stress = 1;
    for (int i = 0; i < 3; i++)
        for (int j = i; j < 3; j++)
            f->stress[3 * i + j] = f->stress[3 * j + i] = wild(&rng, 0.01);
}

static int
same_array(const double *a, const double *b, size_t n, int as_float)
{
    for (size_t i = 0; i < n; i++) {
        double want = as_float ? (double)(float)b[i] : b[i];
        if (a[i] != want)
            return 0;
    }
    return 1;
}

static void
test_round_trip(int dbl)
{
    const char *path = tmp_path(dbl ? "double.nc" : "float.nc");
    const size_t natoms = 13, nframes = 4;
    unsigned flags = NCTRAJ_VELOCITIES | NCTRAJ_FORCES | NCTRAJ_ENERGY | NCTRAJ_STRESS;
    struct nctraj *t;
    struct core_frame f, g;
    struct core_err err;
    double times[4] = {0.0, 0.0005, 1234.56789012345, 1e7 / 3};
    int rc, ok_all = 1;

    core_frame_init(&f);
    core_frame_init(&g);
    if (dbl)
        flags |= NCTRAJ_DOUBLE;
    rc = nctraj_create(path, natoms, flags, &t, &err);
    is_int(rc, CORE_OK, "create %s", path);
    ok(!exists(path), "nothing at the target before commit");
    for (size_t i = 0; i < nframes && rc == CORE_OK; i++) {
        make_frame(&f, natoms, 42, (int)i);
        rc = nctraj_write_frame(t, &f, times[i], &err);
    }
    is_int(rc, CORE_OK, "write %zu frames", nframes);
    is_int((long)nctraj_nframes(t), (long)nframes, "nframes while writing");
    is_int(nctraj_close(t, 1, &err), CORE_OK, "commit");
    ok(exists(path), "file published");
    is_int(count_files(".tmp"), 0, "no temporary left");

    rc = nctraj_open(path, &t, &err);
    is_int(rc, CORE_OK, "open %s", path);
    if (rc)
        return;
    is_int((long)nctraj_nframes(t), (long)nframes, "nframes");
    is_int((long)nctraj_natoms(t), (long)natoms, "natoms");
    is_int((long)nctraj_flags(t), (long)(flags & ~(unsigned)NCTRAJ_DOUBLE), "flags read back");
    for (size_t i = 0; i < nframes; i++) {
        double time;
        make_frame(&f, natoms, 42, (int)i);
        rc = nctraj_read_frame(t, i, &g, &time, &err);
        ok_all &= rc == CORE_OK;
        if (rc)
            break;
        ok_all &= g.natoms == natoms && g.has_cell && g.pbc[0] && g.pbc[1] && !g.pbc[2];
        ok_all &= memcmp(g.z, f.z, natoms * sizeof *f.z) == 0;
        ok_all &= same_array(g.pos, f.pos, 3 * natoms, !dbl);
        ok_all &= same_array(g.vel, f.vel, 3 * natoms, !dbl);
        ok_all &= same_array(g.forces, f.forces, 3 * natoms, !dbl);
        ok_all &= same_array(g.cell, f.cell, 9, 0); /* cell_vectors: double always */
        ok_all &= same_array(&time, &times[i], 1, !dbl);
        ok_all &= g.has_energy && g.energy == f.energy;
        ok_all &= g.has_stress && same_array(g.stress, f.stress, 9, 0);
        ok_all &= !g.tag && !g.mass;
    }
    ok(ok_all, "%s: every number read back %s", dbl ? "double" : "float",
       dbl ? "exactly" : "as float(x)");
    if (rc)
        printf("# %s\n", err.msg);
    is_int(nctraj_read_frame(t, nframes, &g, NULL, &err), CORE_EINPUT, "frame out of range");
    ok(strstr(err.msg, "no frame 4 (the file has 4)") != NULL, "message: %s", err.msg);
    is_int(nctraj_close(t, 0, &err), CORE_OK, "close reader");
    core_frame_release(&f);
    core_frame_release(&g);
}

/* The header as ncdump and ASE see it: the convention's attributes, dimensions, variables. */
static void
test_header(void)
{
    const char *path = tmp_path("float.nc");
    int ncid, varid, fmt, dimid;
    char buf[64];
    size_t len;
    nc_type type;

    if (nc_open(path, NC_NOWRITE, &ncid) != NC_NOERR) {
        ok(0, "open float.nc with libnetcdf");
        return;
    }
    nc_inq_format(ncid, &fmt);
    is_int(fmt, NC_FORMAT_64BIT_OFFSET, "CDF-2 (64-bit offset)");
#define ATT(var, name, want)                                                                       \
    do {                                                                                           \
        memset(buf, 0, sizeof buf);                                                                \
        nc_get_att_text(ncid, var, name, buf);                                                     \
        is_str(buf, want, "attribute %s", name);                                                   \
    } while (0)
    ATT(NC_GLOBAL, "Conventions", "AMBER");
    ATT(NC_GLOBAL, "ConventionVersion", "1.0");
    ATT(NC_GLOBAL, "program", "fpms");
    ATT(NC_GLOBAL, "programVersion", FPMS_VERSION);
    nc_inq_varid(ncid, "coordinates", &varid);
    ATT(varid, "units", "angstrom");
    nc_inq_vartype(ncid, varid, &type);
    is_int(type, NC_FLOAT, "coordinates are float");
    nc_inq_varid(ncid, "time", &varid);
    ATT(varid, "units", "picosecond");
    nc_inq_varid(ncid, "velocities", &varid);
    ATT(varid, "units", "angstrom/picosecond");
    nc_inq_varid(ncid, "forces", &varid);
    ATT(varid, "units", "eV/angstrom");
    nc_inq_varid(ncid, "cell_angles", &varid);
    ATT(varid, "units", "degree");
    nc_inq_varid(ncid, "cell_lengths", &varid);
    nc_inq_vartype(ncid, varid, &type);
    is_int(type, NC_DOUBLE, "cell_lengths are double");
    nc_inq_varid(ncid, "cell_angular", &varid);
    memset(buf, 0, sizeof buf);
    nc_get_var_text(ncid, varid, buf);
    is_str(buf, "alphabeta gamma", "cell_angular labels");
    nc_inq_dimid(ncid, "frame", &dimid);
    nc_inq_dimlen(ncid, dimid, &len);
    is_int((long)len, 4, "frame dimension");
    nc_inq_dimid(ncid, "label", &dimid);
    nc_inq_dimlen(ncid, dimid, &len);
    is_int((long)len, 5, "label dimension 5, as AMBER and ASE");
    is_int(nc_inq_varid(ncid, "atom_types", &varid), NC_NOERR, "atom_types present");
    {
        /* lengths 0 along the non-periodic c, angles of the real cell */
        double len3[3];
        size_t start[2] = {1, 0}, count[2] = {1, 3};
        nc_inq_varid(ncid, "cell_lengths", &varid);
        nc_get_vara_double(ncid, varid, start, count, len3);
        ok(len3[0] > 0 && len3[1] > 0 && len3[2] == 0, "cell_lengths %g %g %g", len3[0], len3[1],
           len3[2]);
    }
#undef ATT
    nc_close(ncid);
}

static void
test_reorient(void)
{
    const char *path = tmp_path("reorient.nc");
    const size_t natoms = 9;
    struct nctraj *t;
    struct core_frame f, g, s;
    struct core_err err;
    double inv_f[9], inv_g[9];
    int good = 1, rc;

    core_frame_init(&f);
    core_frame_init(&g);
    core_frame_init(&s);
    make_frame(&f, natoms, 7, 0);
    /* a second frame already in standard orientation: must come back bit for bit */
    make_frame(&s, natoms, 7, 1);
    s.cell[1] = s.cell[2] = s.cell[5] = 0.0;
    s.cell[0] = fabs(s.cell[0]);
    s.cell[4] = fabs(s.cell[4]);
    s.cell[8] = fabs(s.cell[8]);
    rc = nctraj_create(path, natoms,
                       NCTRAJ_REORIENT | NCTRAJ_DOUBLE | NCTRAJ_VELOCITIES | NCTRAJ_FORCES |
                           NCTRAJ_STRESS,
                       &t, &err);
    if (rc == CORE_OK)
        rc = nctraj_write_frame(t, &f, 0.0, &err);
    if (rc == CORE_OK)
        rc = nctraj_write_frame(t, &s, 1.0, &err);
    is_int(rc, CORE_OK, "write rotated frames");
    is_int(nctraj_close(t, rc == CORE_OK, &err), CORE_OK, "commit");
    rc = nctraj_open(path, &t, &err);
    if (rc == CORE_OK)
        rc = nctraj_read_frame(t, 0, &g, NULL, &err);
    is_int(rc, CORE_OK, "read rotated frame");
    if (rc) {
        nctraj_close(t, 0, NULL);
        return;
    }
    ok(g.cell[1] == 0 && g.cell[2] == 0 && g.cell[5] == 0 && g.cell[0] > 0 && g.cell[4] > 0 &&
           g.cell[8] > 0,
       "cell is lower triangular with a positive diagonal");
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double df = 0, dg = 0;
            for (int k = 0; k < 3; k++) {
                df += f.cell[3 * i + k] * f.cell[3 * j + k];
                dg += g.cell[3 * i + k] * g.cell[3 * j + k];
            }
            good &= fabs(df - dg) <= 1e-12 * fabs(df) + 1e-12;
        }
    ok(good, "metric a_i . a_j unchanged");
    core_cell_inverse(f.cell, inv_f, &err);
    core_cell_inverse(g.cell, inv_g, &err);
    good = 1;
    for (size_t i = 0; i < natoms; i++) {
        double vf = 0, vg = 0, ff = 0, fg = 0;
        for (int j = 0; j < 3; j++) {
            double sf = 0, sg = 0;
            for (int k = 0; k < 3; k++) {
                sf += f.pos[3 * i + k] * inv_f[3 * k + j];
                sg += g.pos[3 * i + k] * inv_g[3 * k + j];
            }
            good &= fabs(sf - sg) <= 1e-12 * (1 + fabs(sf));
            vf += f.vel[3 * i + j] * f.forces[3 * i + j];
            vg += g.vel[3 * i + j] * g.forces[3 * i + j];
            ff += f.forces[3 * i + j] * f.forces[3 * i + j];
            fg += g.forces[3 * i + j] * g.forces[3 * i + j];
        }
        good &= fabs(vf - vg) <= 1e-12 * (1 + fabs(vf)) && fabs(ff - fg) <= 1e-12 * ff;
    }
    ok(good, "fractional coordinates, |F|^2 and v.F unchanged");
    {
        /* stress invariants: trace and sum of squares */
        double trf = f.stress[0] + f.stress[4] + f.stress[8];
        double trg = g.stress[0] + g.stress[4] + g.stress[8], qf = 0, qg = 0;
        for (int k = 0; k < 9; k++) {
            qf += f.stress[k] * f.stress[k];
            qg += g.stress[k] * g.stress[k];
        }
        ok(fabs(trf - trg) <= 1e-14 + 1e-12 * fabs(trf) && fabs(qf - qg) <= 1e-12 * qf,
           "stress invariants unchanged");
    }
    rc = nctraj_read_frame(t, 1, &g, NULL, &err);
    ok(rc == CORE_OK && same_array(g.pos, s.pos, 3 * natoms, 0) &&
           same_array(g.cell, s.cell, 9, 0) && same_array(g.vel, s.vel, 3 * natoms, 0),
       "a cell in standard orientation is left bit for bit");
    nctraj_close(t, 0, NULL);
    core_frame_release(&f);
    core_frame_release(&g);
    core_frame_release(&s);
}

static void
test_molecule(void)
{
    const char *path = tmp_path("molecule.nc");
    struct nctraj *t;
    struct core_frame f, g;
    struct core_err err;
    int rc;

    core_frame_init(&f);
    core_frame_init(&g);
    make_frame(&f, 3, 99, 0);
    f.has_cell = 0;
    memset(f.cell, 0, sizeof f.cell);
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 0;
    rc = nctraj_create(path, 3, NCTRAJ_REORIENT, &t, &err);
    if (rc == CORE_OK)
        rc = nctraj_write_frame(t, &f, 0.25, &err);
    if (rc == CORE_OK)
        rc = nctraj_close(t, 1, &err);
    is_int(rc, CORE_OK, "write a molecule (no cell)");
    rc = nctraj_open(path, &t, &err);
    if (rc == CORE_OK)
        rc = nctraj_read_frame(t, 0, &g, NULL, &err);
    ok(rc == CORE_OK && !g.has_cell && !g.pbc[0] && !g.pbc[1] && !g.pbc[2] && !g.vel && !g.forces &&
           !g.has_energy && !g.has_stress,
       "molecule read back without cell, pbc or labels");
    ok(rc == CORE_OK && same_array(g.pos, f.pos, 9, 1), "molecule positions as float");
    nctraj_close(t, 0, NULL);
    core_frame_release(&f);
    core_frame_release(&g);
}

static void
test_stdout(void)
{
    /* "-" writes stdout: redirect it to a file for the test */
    const char *path = tmp_path("stdout.nc");
    struct nctraj *t;
    struct core_frame f, g;
    struct core_err err;
    int rc, saved = dup(1);
    FILE *fp;

    core_frame_init(&f);
    core_frame_init(&g);
    make_frame(&f, 5, 3, 0);
    fflush(stdout);
    fp = freopen(path, "w", stdout);
    rc = nctraj_create("-", 5, NCTRAJ_DOUBLE, &t, &err);
    if (rc == CORE_OK)
        rc = nctraj_write_frame(t, &f, 0.0, &err);
    if (rc == CORE_OK)
        rc = nctraj_close(t, 1, &err);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    (void)fp;
    is_int(rc, CORE_OK, "write to stdout");
    rc = nctraj_open(path, &t, &err);
    if (rc == CORE_OK)
        rc = nctraj_read_frame(t, 0, &g, NULL, &err);
    ok(rc == CORE_OK && same_array(g.pos, f.pos, 15, 0), "stdout copy reads back");
    nctraj_close(t, 0, NULL);
    core_frame_release(&f);
    core_frame_release(&g);
}

static void
expect_write_error(struct nctraj *t, const struct core_frame *f, double time, const char *want,
                   const char *desc)
{
    struct core_err err;
    int rc = nctraj_write_frame(t, f, time, &err);
    is_int(rc, CORE_EINPUT, "write rejects %s", desc);
    ok(rc && strstr(err.msg, want) != NULL, "  message: %s", err.msg);
}

static void
test_write_errors(void)
{
    const char *path = tmp_path("errors.nc");
    struct nctraj *t = NULL;
    struct core_frame f, g;
    struct core_err err;
    unsigned all = NCTRAJ_VELOCITIES | NCTRAJ_FORCES | NCTRAJ_ENERGY | NCTRAJ_STRESS;
    int rc;

    core_frame_init(&f);
    core_frame_init(&g);
    is_int(nctraj_create(path, 0, 0, &t, &err), CORE_EINPUT, "natoms 0");
    ok(t == NULL && strstr(err.msg, "at least one atom"), "  message: %s", err.msg);
    is_int(nctraj_create(path, 3, 1u << 20, &t, &err), CORE_EINTERNAL, "unknown flag");
    is_int(nctraj_create(tmp_path("no/such/dir.nc"), 3, 0, &t, &err), CORE_EIO,
           "directory missing");
    ok(strstr(err.msg, "no/such/dir.nc: No such file") != NULL, "  message: %s", err.msg);
    is_int(nctraj_close(NULL, 1, &err), CORE_OK, "close(NULL) is a no-op");

    rc = nctraj_create(path, 4, all, &t, &err);
    is_int(rc, CORE_OK, "create for the error tests");
    if (rc)
        return;
    make_frame(&f, 5, 1, 0);
    expect_write_error(t, &f, 0, "frame 0 has 5 atoms, the trajectory 4", "wrong atom count");
    make_frame(&f, 4, 1, 0);
    f.z[2] = 0;
    expect_write_error(t, &f, 0, "atom 2 has atomic number 0", "atomic number 0");
    f.z[2] = 119;
    expect_write_error(t, &f, 0, "atom 2 has atomic number 119", "atomic number 119");
    make_frame(&f, 4, 1, 0);
    f.pos[7] = NAN;
    expect_write_error(t, &f, 0, "atom 2: position not finite", "NaN position");
    make_frame(&f, 4, 1, 0);
    f.pos[3] = 1e39;
    expect_write_error(t, &f, 0, "beyond float range", "position beyond float");
    make_frame(&f, 4, 1, 0);
    f.vel[11] = INFINITY;
    expect_write_error(t, &f, 0, "atom 3: velocity not finite", "Inf velocity");
    make_frame(&f, 4, 1, 0);
    f.forces[0] = NAN;
    expect_write_error(t, &f, 0, "atom 0: force not finite", "NaN force");
    make_frame(&f, 4, 1, 0);
    f.cell[4] = NAN;
    expect_write_error(t, &f, 0, "cell not finite", "NaN cell");
    make_frame(&f, 4, 1, 0);
    expect_write_error(t, &f, NAN, "time nan ps cannot be stored", "NaN time");
    expect_write_error(t, &f, 1e40, "cannot be stored", "time beyond float");
    free(f.vel);
    f.vel = NULL;
    expect_write_error(t, &f, 0, "frame 0 has no velocities", "missing velocities");
    make_frame(&f, 4, 1, 0);
    free(f.forces);
    f.forces = NULL;
    expect_write_error(t, &f, 0, "frame 0 has no forces", "missing forces");
    make_frame(&f, 4, 1, 0);
    f.has_energy = 0;
    expect_write_error(t, &f, 0, "frame 0 has no energy", "missing energy");
    f.has_energy = 1;
    f.energy = NAN;
    expect_write_error(t, &f, 0, "energy not finite", "NaN energy");
    make_frame(&f, 4, 1, 0);
    f.has_stress = 0;
    expect_write_error(t, &f, 0, "frame 0 has no stress", "missing stress");
    f.has_stress = 1;
    f.stress[5] = INFINITY;
    expect_write_error(t, &f, 0, "stress not finite", "Inf stress");
    /* a rejected frame writes nothing: the next good one is frame 0 */
    make_frame(&f, 4, 1, 0);
    is_int(nctraj_write_frame(t, &f, 0, &err), CORE_OK, "a good frame after rejected ones");
    is_int((long)nctraj_nframes(t), 1, "one frame written");
    is_int(nctraj_close(t, 0, &err), CORE_OK, "close without commit");
    ok(!exists(path) && count_files("errors.nc") == 0, "commit = 0 leaves no file");

    /* REORIENT needs a right-handed, non-degenerate cell */
    rc = nctraj_create(path, 4, NCTRAJ_REORIENT, &t, &err);
    if (rc == CORE_OK) {
        make_frame(&f, 4, 1, 0);
        for (int k = 0; k < 3; k++)
            f.cell[6 + k] = -f.cell[6 + k] + (k == 0 ? 0.0 : 0.0);
        if (core_cell_volume(f.cell) > 0) { /* make it left-handed whatever it was */
            double det;
            double *c = f.cell;
            det = c[0] * (c[4] * c[8] - c[5] * c[7]) - c[1] * (c[3] * c[8] - c[5] * c[6]) +
                  c[2] * (c[3] * c[7] - c[4] * c[6]);
            if (det > 0)
                for (int k = 0; k < 3; k++)
                    f.cell[6 + k] = -f.cell[6 + k];
        }
        expect_write_error(t, &f, 0, "left-handed", "left-handed cell with REORIENT");
        make_frame(&f, 4, 1, 0);
        for (int k = 0; k < 3; k++)
            f.cell[3 + k] = 2 * f.cell[k];
        expect_write_error(t, &f, 0, "parallel or zero", "a parallel to b with REORIENT");
        nctraj_close(t, 0, NULL);
    } else {
        ok(0, "create for the REORIENT tests: %s", err.msg);
    }
    ok(count_files("errors.nc") == 0, "no files left after the error tests");

    /* writing and reading calls on the wrong kind of trajectory */
    rc = nctraj_open(tmp_path("double.nc"), &t, &err);
    if (rc == CORE_OK) {
        make_frame(&f, 13, 1, 0);
        is_int(nctraj_write_frame(t, &f, 0, &err), CORE_EINTERNAL, "write to a reader");
        nctraj_close(t, 0, NULL);
    }
    rc = nctraj_create(path, 4, 0, &t, &err);
    if (rc == CORE_OK) {
        is_int(nctraj_read_frame(t, 0, &g, NULL, &err), CORE_EINTERNAL, "read from a writer");
        nctraj_close(t, 0, NULL);
    }
    core_frame_release(&f);
    core_frame_release(&g);
}

/* ---- files written with the NetCDF API, as other programs write them ---- */

struct rawfile {
    int ncid;
    int d_frame, d_atom, d_spatial, d_cell;
    int format;
};

static void
raw_begin(struct rawfile *r, const char *path, int cmode, const char *conv, const char *version,
          const char *program, size_t natoms)
{
    nc_create(path, NC_CLOBBER | cmode, &r->ncid);
    if (conv)
        nc_put_att_text(r->ncid, NC_GLOBAL, "Conventions", strlen(conv), conv);
    if (version)
        nc_put_att_text(r->ncid, NC_GLOBAL, "ConventionVersion", strlen(version), version);
    if (program)
        nc_put_att_text(r->ncid, NC_GLOBAL, "program", strlen(program), program);
    nc_def_dim(r->ncid, "frame", NC_UNLIMITED, &r->d_frame);
    nc_def_dim(r->ncid, "atom", natoms, &r->d_atom);
    nc_def_dim(r->ncid, "spatial", 3, &r->d_spatial);
    nc_def_dim(r->ncid, "cell_spatial", 3, &r->d_cell);
}

static int
raw_var(struct rawfile *r, const char *name, nc_type type, const char *shape, const char *units)
{
    int dims[3], n = 0, id;
    for (const char *p = shape; *p; p++)
        dims[n++] = *p == 'f'   ? r->d_frame
                    : *p == 'a' ? r->d_atom
                    : *p == 's' ? r->d_spatial
                                : r->d_cell;
    nc_def_var(r->ncid, name, type, n, dims, &id);
    if (units)
        nc_put_att_text(r->ncid, id, "units", strlen(units), units);
    return id;
}

static void
raw_put(struct rawfile *r, const char *name, size_t iframe, const double *v)
{
    int id, ndims, dims[3];
    size_t start[3] = {iframe, 0, 0}, count[3] = {1, 1, 1};
    if (nc_inq_varid(r->ncid, name, &id) != NC_NOERR)
        return; /* left out of this file on purpose */
    nc_inq_varndims(r->ncid, id, &ndims);
    nc_inq_vardimid(r->ncid, id, dims);
    for (int i = 1; i < ndims; i++)
        nc_inq_dimlen(r->ncid, dims[i], &count[i]);
    if (dims[0] != r->d_frame) {
        nc_inq_dimlen(r->ncid, dims[0], &count[0]);
        start[0] = 0;
    }
    nc_put_vara_double(r->ncid, id, start, count, v);
}

/* Opens path and reads frame iframe; returns the status, err filled. */
static int
read_one(const char *path, const struct core_species_map *map, size_t iframe, struct core_frame *f,
         double *time, struct core_err *err)
{
    struct nctraj *t;
    int rc = nctraj_open(path, &t, err);
    if (rc)
        return rc;
    if (map)
        nctraj_species_set(t, map);
    rc = nctraj_read_frame(t, iframe, f, time, err);
    nctraj_close(t, 0, NULL);
    return rc;
}

static void
test_lammps(void)
{
    /* dump netcdf, units real, CDF-5: time = step * dt (fs), id unsorted, type 1..2,
     * z non-periodic (length 0) */
    const char *path = tmp_path("lammps.nc");
    struct rawfile r;
    struct core_frame f;
    struct core_err err;
    struct core_species_map map;
    double step = 250, lengths[3] = {5.5, 6.25, 0}, angles[3] = {90, 90, 60};
    double id[3] = {30, 10, 20}, type[3] = {2, 1, 1};
    double x[9] = {1, 2, 3, 4, 5, 6.5, 7, 8, -9}, v[9], fr[9];
    float dt = 2.0f; /* fs */
    double time;
    int id_time, rc, good = 1;

    for (int k = 0; k < 9; k++) {
        v[k] = 0.001 * (k + 1);
        fr[k] = 0.1 * (k - 4);
    }
    raw_begin(&r, path, NC_64BIT_DATA, "AMBER", "1.0", "LAMMPS", 3);
    id_time = raw_var(&r, "time", NC_FLOAT, "f", "femtosecond");
    nc_put_att_float(r.ncid, id_time, "scale_factor", NC_FLOAT, 1, &dt);
    raw_var(&r, "cell_origin", NC_FLOAT, "fc", "angstrom");
    raw_var(&r, "cell_lengths", NC_FLOAT, "fc", "angstrom");
    raw_var(&r, "cell_angles", NC_FLOAT, "fc", "degree");
    raw_var(&r, "id", NC_INT, "fa", NULL);
    raw_var(&r, "type", NC_INT, "fa", NULL);
    raw_var(&r, "coordinates", NC_FLOAT, "fas", "angstrom");
    raw_var(&r, "velocities", NC_FLOAT, "fas", "angstrom/femtosecond");
    raw_var(&r, "forces", NC_FLOAT, "fas", "(Kcal/mol)/angstrom)");
    nc_enddef(r.ncid);
    raw_put(&r, "time", 0, &step);
    raw_put(&r, "cell_lengths", 0, lengths);
    raw_put(&r, "cell_angles", 0, angles);
    raw_put(&r, "id", 0, id);
    raw_put(&r, "type", 0, type);
    raw_put(&r, "coordinates", 0, x);
    raw_put(&r, "velocities", 0, v);
    raw_put(&r, "forces", 0, fr);
    nc_close(r.ncid);

    core_frame_init(&f);
    rc = read_one(path, NULL, 0, &f, &time, &err);
    is_int(rc, CORE_EINPUT, "LAMMPS types need a species map");
    ok(strstr(err.msg, "LAMMPS atom types") != NULL, "  message: %s", err.msg);
    core_species_map_parse("B,N", &map, &err);
    rc = read_one(path, &map, 0, &f, &time, &err);
    is_int(rc, CORE_OK, "LAMMPS file with a species map");
    if (rc) {
        printf("# %s\n", err.msg);
        return;
    }
    /* sorted by id: file atoms 1 (id 10), 2 (id 20), 0 (id 30) */
    ok(f.tag && f.tag[0] == 10 && f.tag[1] == 20 && f.tag[2] == 30, "tags from id, sorted");
    ok(f.z[0] == 5 && f.z[1] == 5 && f.z[2] == 7, "types through the map: B B N");
    for (int i = 0; i < 3; i++) {
        int src = i == 0 ? 1 : i == 1 ? 2 : 0;
        for (int k = 0; k < 3; k++) {
            good &= f.pos[3 * i + k] == (double)(float)x[3 * src + k];
            good &= fabs(f.vel[3 * i + k] - 1000.0 * (double)(float)v[3 * src + k]) <=
                    1e-12 * fabs(f.vel[3 * i + k]);
            good &= fabs(f.forces[3 * i + k] - UNITS_KCALMOL_EV * (double)(float)fr[3 * src + k]) <=
                    1e-15;
        }
    }
    ok(good, "positions, velocities (A/fs -> A/ps), forces (kcal/mol/A -> eV/A) reordered");
    is_rel(time, 250 * 2.0 * 1e-3, 1e-15, "time = step * scale_factor, fs -> ps");
    ok(f.pbc[0] && f.pbc[1] && !f.pbc[2] && f.has_cell, "pbc T T F from a zero length");
    is_abs(f.cell[0], 5.5, 0, "a = (5.5, 0, 0)");
    is_abs(f.cell[3], 6.25 * 0.5, 1e-15, "b_x = b cos(gamma)");
    is_abs(f.cell[4], 6.25 * sqrt(0.75), 1e-14, "b_y = b sin(gamma)");
    is_abs(f.cell[8], 6.5 - -9.0, 0, "c shrink-wrapped to the z extent, as ASE does");
    map.ntypes = 1;
    rc = read_one(path, &map, 0, &f, &time, &err);
    is_int(rc, CORE_EINPUT, "type beyond the species map");
    ok(strstr(err.msg, "has type 2, the species map has 1") != NULL, "  message: %s", err.msg);
    core_frame_release(&f);
}

static void
test_ase(void)
{
    /* as ASE 3.22 writes: atom_types, coordinates mislabelled "Angstrom/Femtosecond" once
     * velocities exist, velocities and forces in ASE units without units attributes */
    const char *path = tmp_path("ase.nc");
    struct rawfile r;
    struct core_frame f;
    struct core_err err;
    double z[2] = {6, 8}, x[6] = {0.1, 0.2, 0.3, 1.1, 1.2, 1.3}, v[6] = {1, 2, 3, -1, -2, -3};
    double fr[6] = {0.5, 0.25, 0.125, 1, 2, 4}, lengths[3] = {4, 5, 6}, angles[3] = {90, 90, 90};
    double one = 1.0;
    int id, rc, good = 1;

    raw_begin(&r, path, 0, "AMBER", "1.0", "ASE", 2);
    raw_var(&r, "atom_types", NC_INT, "fa", NULL);
    id = raw_var(&r, "coordinates", NC_FLOAT, "fas", "Angstrom/Femtosecond");
    nc_put_att_double(r.ncid, id, "scale_factor", NC_DOUBLE, 1, &one);
    raw_var(&r, "cell_lengths", NC_DOUBLE, "fc", "Angstrom");
    raw_var(&r, "cell_angles", NC_DOUBLE, "fc", "degree");
    raw_var(&r, "velocities", NC_FLOAT, "fas", NULL);
    raw_var(&r, "forces", NC_FLOAT, "fas", NULL);
    nc_enddef(r.ncid);
    raw_put(&r, "atom_types", 0, z);
    raw_put(&r, "coordinates", 0, x);
    raw_put(&r, "cell_lengths", 0, lengths);
    raw_put(&r, "cell_angles", 0, angles);
    raw_put(&r, "velocities", 0, v);
    raw_put(&r, "forces", 0, fr);
    nc_close(r.ncid);

    core_frame_init(&f);
    rc = read_one(path, NULL, 0, &f, NULL, &err);
    is_int(rc, CORE_OK, "ASE-written file");
    if (rc) {
        printf("# %s\n", err.msg);
        return;
    }
    ok(f.z[0] == 6 && f.z[1] == 8, "atom_types are atomic numbers");
    for (int k = 0; k < 6; k++) {
        good &= f.pos[k] == (double)(float)x[k];
        good &= fabs(f.vel[k] - v[k] / UNITS_ASE_TIME_PS) <= 1e-13 * fabs(f.vel[k]);
        good &= f.forces[k] == fr[k];
    }
    ok(good, "coordinates in A despite their units; velocities from ASE units; forces eV/A");
    ok(f.has_cell && f.pbc[0] && f.pbc[1] && f.pbc[2] && f.cell[0] == 4 && f.cell[4] == 5 &&
           f.cell[8] == 6 && f.cell[1] == 0 && f.cell[3] == 0 && f.cell[6] == 0 && f.cell[7] == 0,
       "orthorhombic cell exact (right angles exact, as ASE)");
    core_frame_release(&f);
}

static void
test_amber(void)
{
    /* AMBER: velocities stored in internal units with scale_factor 20.455, forces in
     * kcal/mol/A, atomic numbers from a Z variable per file, no cell */
    const char *path = tmp_path("amber.nc");
    struct rawfile r;
    struct core_frame f;
    struct core_err err;
    double z[2] = {1, 1}, x[6] = {0, 0, 0, 0.74, 0, 0}, v[6] = {1, 0, 0, -1, 0, 0};
    double fr[6] = {1, 0, 0, -1, 0, 0}, t0 = 1.5;
    float sf = 20.455f;
    int id, rc;

    raw_begin(&r, path, NC_64BIT_OFFSET, "AMBER", "1.0", "sander", 2);
    {
        int d_atom = r.d_atom;
        nc_def_var(r.ncid, "Z", NC_INT, 1, &d_atom, &id);
    }
    raw_var(&r, "time", NC_FLOAT, "f", "picosecond");
    raw_var(&r, "coordinates", NC_FLOAT, "fas", "angstrom");
    id = raw_var(&r, "velocities", NC_FLOAT, "fas", "angstrom/picosecond");
    nc_put_att_float(r.ncid, id, "scale_factor", NC_FLOAT, 1, &sf);
    raw_var(&r, "forces", NC_FLOAT, "fas", "kilocalorie/mole/angstrom");
    nc_enddef(r.ncid);
    raw_put(&r, "Z", 0, z);
    raw_put(&r, "time", 0, &t0);
    raw_put(&r, "coordinates", 0, x);
    raw_put(&r, "velocities", 0, v);
    raw_put(&r, "forces", 0, fr);
    nc_close(r.ncid);

    core_frame_init(&f);
    {
        double time;
        rc = read_one(path, NULL, 0, &f, &time, &err);
        is_int(rc, CORE_OK, "AMBER-style file");
        if (rc) {
            printf("# %s\n", err.msg);
            return;
        }
        is_abs(time, 1.5, 0, "time in ps");
    }
    ok(f.z[0] == 1 && f.z[1] == 1 && !f.has_cell && !f.pbc[0], "per-file Z, no cell");
    is_abs(f.vel[0], (double)20.455f, 0, "velocity times scale_factor");
    is_rel(f.forces[0], UNITS_KCALMOL_EV, 1e-15, "force in kcal/mol/A converted");
    core_frame_release(&f);
}

/* One malformed file per case: a base that reads, and one defect each. */
enum defect {
    D_NONE,
    D_NO_CONVENTIONS,
    D_OTHER_CONVENTIONS,
    D_VERSION,
    D_NO_COORDS,
    D_BAD_SHAPE,
    D_BAD_UNITS,
    D_TEXT_SCALE,
    D_NAN,
    D_FILL,
    D_PART_FILL,
    D_NO_TYPES,
    D_BAD_Z,
    D_DUP_ID,
    D_BAD_ANGLES,
    D_TEXT_VAR,
    D_ONE_MORE_FRAME_NO_VEL,
};

static void
make_defect(const char *path, enum defect d)
{
    struct rawfile r;
    double z[2] = {14, d == D_BAD_Z ? 0 : 14}, x[6] = {0, 0, 0, 1, 1, 1};
    double len[3] = {5, 5, 5}, ang[3] = {90, 90, 90};
    double id[2] = {1, d == D_DUP_ID ? 1 : 2}, v[6] = {1, 2, 3, 4, 5, 6};

    if (d == D_BAD_ANGLES) { /* cos(alpha) > sin(gamma) + ...: no such cell */
        ang[0] = ang[1] = 10;
        ang[2] = 120;
    }
    raw_begin(&r, path, NC_64BIT_OFFSET,
              d == D_NO_CONVENTIONS      ? NULL
              : d == D_OTHER_CONVENTIONS ? "CF-1.6"
                                         : "AMBER",
              d == D_VERSION ? "2.0" : "1.0", "test", 2);
    nc_set_fill(r.ncid, NC_FILL, NULL);
    if (d != D_NO_TYPES)
        raw_var(&r, "atom_types", NC_INT, "fa", NULL);
    if (d != D_NO_COORDS)
        raw_var(&r, "coordinates", d == D_TEXT_VAR ? NC_CHAR : NC_DOUBLE,
                d == D_BAD_SHAPE ? "fa" : "fas", d == D_BAD_UNITS ? "furlong" : "angstrom");
    raw_var(&r, "cell_lengths", NC_DOUBLE, "fc", "angstrom");
    raw_var(&r, "cell_angles", NC_DOUBLE, "fc", "degree");
    raw_var(&r, "id", NC_INT, "fa", NULL);
    raw_var(&r, "velocities", NC_DOUBLE, "fas", NULL);
    if (d == D_TEXT_SCALE) {
        int vid;
        nc_inq_varid(r.ncid, "cell_lengths", &vid);
        nc_put_att_text(r.ncid, vid, "scale_factor", 3, "one");
    }
    nc_enddef(r.ncid);
    if (d == D_NAN)
        x[4] = NAN;
    raw_put(&r, "atom_types", 0, z);
    if (d == D_PART_FILL) {
        int vid;
        size_t start[3] = {0, 0, 0}, count[3] = {1, 1, 3};
        nc_inq_varid(r.ncid, "coordinates", &vid);
        nc_put_vara_double(r.ncid, vid, start, count, x);
    } else if (d != D_FILL && d != D_NO_COORDS && d != D_BAD_SHAPE && d != D_TEXT_VAR) {
        raw_put(&r, "coordinates", 0, x);
    }
    raw_put(&r, "cell_lengths", 0, len);
    raw_put(&r, "cell_angles", 0, ang);
    raw_put(&r, "id", 0, id);
    raw_put(&r, "velocities", 0, v);
    if (d == D_ONE_MORE_FRAME_NO_VEL) { /* frame 1 without velocities: fill values */
        raw_put(&r, "atom_types", 1, z);
        raw_put(&r, "coordinates", 1, x);
        raw_put(&r, "cell_lengths", 1, len);
        raw_put(&r, "cell_angles", 1, ang);
        raw_put(&r, "id", 1, id);
    }
    nc_close(r.ncid);
}

static void
expect_read_error(enum defect d, int code, const char *want, const char *desc)
{
    const char *path = tmp_path("defect.nc");
    struct core_frame f;
    struct core_err err;
    int rc;

    make_defect(path, d);
    core_frame_init(&f);
    rc = read_one(path, NULL, 0, &f, NULL, &err);
    is_int(rc, code, "read rejects %s", desc);
    ok(rc && strstr(err.msg, want) != NULL && strncmp(err.msg, path, strlen(path)) == 0,
       "  message: %s", err.msg);
    ok(f.natoms == 0 && !f.pos, "  frame released on error");
    core_frame_release(&f);
}

static void
test_read_errors(void)
{
    struct nctraj *t = (struct nctraj *)1;
    struct core_frame f;
    struct core_err err;
    const char *path = tmp_path("defect.nc");
    FILE *fp;
    int rc;

    core_frame_init(&f);
    make_defect(path, D_NONE);
    rc = read_one(path, NULL, 0, &f, NULL, &err);
    is_int(rc, CORE_OK, "the defect-free base file reads");
    if (rc)
        printf("# %s\n", err.msg);

    is_int(nctraj_open(tmp_path("missing.nc"), &t, &err), CORE_EIO, "missing file");
    ok(t == NULL && strstr(err.msg, "missing.nc: No such file") != NULL, "  message: %s", err.msg);
    fp = fopen(tmp_path("text.nc"), "w");
    fputs("3\nLattice=\"1 0 0 0 1 0 0 0 1\"\nSi 0 0 0\n", fp);
    fclose(fp);
    is_int(nctraj_open(tmp_path("text.nc"), &t, &err), CORE_EINPUT, "a text file");
    ok(strstr(err.msg, "text.nc: not a NetCDF file") != NULL, "  message: %s", err.msg);
    is_int(nctraj_open("-", &t, &err), CORE_EINPUT, "stdin");
    ok(strstr(err.msg, "not a pipe") != NULL, "  message: %s", err.msg);
    {
        /* NetCDF without an atom dimension */
        int ncid;
        nc_create(tmp_path("noatom.nc"), NC_CLOBBER, &ncid);
        nc_close(ncid);
        is_int(nctraj_open(tmp_path("noatom.nc"), &t, &err), CORE_EINPUT, "no atom dimension");
        ok(strstr(err.msg, "no 'atom' dimension") != NULL, "  message: %s", err.msg);
    }

    expect_read_error(D_NO_CONVENTIONS, CORE_EINPUT, "no global attribute 'Conventions'",
                      "no Conventions");
    expect_read_error(D_OTHER_CONVENTIONS, CORE_EINPUT, "does not list AMBER", "CF conventions");
    expect_read_error(D_VERSION, CORE_EINPUT, "ConventionVersion '2.0'", "version 2.0");
    expect_read_error(D_NO_COORDS, CORE_EINPUT, "no 'coordinates' variable", "no coordinates");
    expect_read_error(D_BAD_SHAPE, CORE_EINPUT, "'coordinates' has an unexpected shape",
                      "coordinates (frame, atom)");
    expect_read_error(D_TEXT_VAR, CORE_EINPUT, "'coordinates' is not numeric",
                      "character coordinates");
    expect_read_error(D_BAD_UNITS, CORE_EINPUT,
                      "'coordinates' has units 'furlong', which fpms cannot convert to angstrom",
                      "unknown units");
    expect_read_error(D_TEXT_SCALE, CORE_EINPUT, "'cell_lengths': bad scale_factor",
                      "a text scale_factor");
    expect_read_error(D_NAN, CORE_EINPUT, "frame 0: 'coordinates' has a non-finite value",
                      "NaN coordinates");
    expect_read_error(D_FILL, CORE_EINPUT, "frame 0 has no coordinates", "unwritten coordinates");
    expect_read_error(D_PART_FILL, CORE_EINPUT, "'coordinates' is partly missing",
                      "half-written coordinates");
    expect_read_error(D_NO_TYPES, CORE_EINPUT, "no atom types", "no atom types");
    expect_read_error(D_BAD_Z, CORE_EINPUT, "atom 1 has atomic number 0", "atomic number 0");
    expect_read_error(D_DUP_ID, CORE_EINPUT, "atom id 1 given twice", "duplicate ids");
    expect_read_error(D_BAD_ANGLES, CORE_EINPUT, "cell angles 10 10 120 describe no cell",
                      "impossible angles");

    /* a frame whose velocities were never written reads without them */
    make_defect(path, D_ONE_MORE_FRAME_NO_VEL);
    rc = read_one(path, NULL, 1, &f, NULL, &err);
    ok(rc == CORE_OK && f.vel == NULL && f.tag && f.tag[1] == 2,
       "unwritten velocities of a frame: read as absent");
    rc = read_one(path, NULL, 0, &f, NULL, &err);
    ok(rc == CORE_OK && f.vel && f.vel[5] == 6, "velocities of the written frame");
    core_frame_release(&f);
}

int
main(void)
{
    snprintf(dir, sizeof dir, "/tmp/nctraj_test.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_round_trip(1);
    test_round_trip(0);
    test_header();
    test_reorient();
    test_molecule();
    test_stdout();
    test_write_errors();
    test_lammps();
    test_ase();
    test_amber();
    test_read_errors();
    done_testing();
    {
        DIR *d = opendir(dir);
        struct dirent *e;
        char p[512];
        while (d && (e = readdir(d)))
            if (e->d_name[0] != '.') {
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                unlink(p);
            }
        if (d)
            closedir(d);
        rmdir(dir);
    }
    return exit_status();
}
