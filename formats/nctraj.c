/*
 * nctraj: AMBER NetCDF trajectories (convention 1.0, Revision C), see nctraj.h and nctraj.md.
 *
 * Writing follows the convention strictly (CDF-2, float coordinates unless NCTRAJ_DOUBLE,
 * the label variables, the required global attributes) and adds, as ASE and LAMMPS do,
 * cell_origin and atom_types (atomic numbers: ASE reads them as elements), and, of our own,
 * the exact cell rows cell_vectors, energy and stress. Reading is permissive, as the convention
 * asks of readers: any encoding, float or double or integer data, scale_factor/add_offset, the
 * units attribute of each variable, and the quirks of ASE 3.22 and LAMMPS (see nctraj.md).
 */
#include "nctraj.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <netcdf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ALL_FLAGS                                                                                  \
    (NCTRAJ_VELOCITIES | NCTRAJ_FORCES | NCTRAJ_ENERGY | NCTRAJ_STRESS | NCTRAJ_DOUBLE |           \
     NCTRAJ_REORIENT)

/* ASE (ase/io/netcdftrajectory.py) takes a direction as periodic when its length exceeds this
 * (Angstrom); we read lengths the same way so that both see the same pbc. */
#define PBC_MIN_LENGTH 1e-6

#define UNITS_LEN 128

/* Dimension codes in the expected shapes of variables. */
#define D_FRAME (-1L)
#define D_ATOM  (-2L)

/* One variable of an open file: where it is, and how its stored numbers become stream units. */
struct ncvar {
    int id; /* -1: absent */
    nc_type type;
    int ndims;
    int per_frame;   /* the first dimension is frame */
    size_t count[4]; /* a whole frame (or the whole variable when not per frame) */
    double scale;    /* value = stored * scale + offset, in stream units */
    double offset;
    double fill;      /* a stored value meaning "no data" (_FillValue or the type's default) */
    const char *name; /* NetCDF name */
};

enum types_kind {
    TYPES_NONE,
    TYPES_Z,      /* Z or atom_types: atomic numbers (ASE, fpms) */
    TYPES_LAMMPS, /* type: LAMMPS types 1..n, through the species map */
};

struct nctraj {
    int ncid;
    int open;    /* ncid is valid */
    int writing; /* created for writing */
    int failed;  /* a write failed halfway: the file cannot be committed */
    char *name;  /* for messages: the path, or "<stdout>" */
    char *path;  /* writing: the target, NULL for stdout */
    char *tmp;   /* writing: the temporary file */
    size_t natoms;
    size_t nframes;
    unsigned flags;
    int is_ase; /* program = "ASE": its unit quirks apply */
    struct ncvar time, coords, vel, forces, lengths, angles, origin, vectors, energy, stress;
    struct ncvar types, ids;
    enum types_kind types_kind;
    struct core_species_map map;
    int has_map;
    double *buf;      /* natoms * 3 */
    int *ibuf;        /* natoms */
    long long *idbuf; /* natoms */
    size_t *order;    /* natoms: file index of the i-th atom read */
};

/* ---- small helpers ---- */

static char *
dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* A failed NetCDF call: `name: what (nc_strerror)`; a positive status is a system errno. */
static int
nc_fail(const struct nctraj *t, int status, int code, const char *what, struct core_err *err)
{
    return core_err_set(err, code, "%s: %s (%s)", t->name, what, nc_strerror(status));
}

static void
vec_cross(const double *u, const double *v, double *w)
{
    w[0] = u[1] * v[2] - u[2] * v[1];
    w[1] = u[2] * v[0] - u[0] * v[2];
    w[2] = u[0] * v[1] - u[1] * v[0];
}

static double
vec_dot(const double *u, const double *v)
{
    return u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
}

static double
vec_norm(const double *u)
{
    return sqrt(vec_dot(u, u));
}

/* ---- units ---- */

enum qty { Q_LENGTH, Q_TIME, Q_ENERGY, Q_VELOCITY, Q_FORCE, Q_PRESSURE, Q_ANGLE, Q_NONE };

static const char *const qty_name[] = {
    "angstrom",    "picosecond",    "eV",     "angstrom/picosecond",
    "eV/angstrom", "eV/angstrom^3", "degree", "",
};

struct unit_name {
    const char *name; /* normalised: lower case, no spaces or parentheses */
    double factor;    /* to the stream unit */
};

static const struct unit_name length_units[] = {
    {"angstrom", 1.0},
    {"angstroms", 1.0},
    {"ang", 1.0},
    {"a", 1.0},
    {"\xc3\xa5", 1.0},
    {"nanometer", 10.0},
    {"nanometers", 10.0},
    {"nm", 10.0},
    {"bohr", UNITS_BOHR_ANG},
    {"bohrs", UNITS_BOHR_ANG},
    {"picometer", 0.01},
    {"pm", 0.01},
    {"meter", 1e10},
    {"meters", 1e10},
    {"m", 1e10},
    {"centimeter", 1e8},
    {"centimeters", 1e8},
    {"cm", 1e8},
    {"micrometer", 1e4},
    {"micrometers", 1e4},
    {"um", 1e4},
    {NULL, 0.0},
};

static const struct unit_name time_units[] = {
    {"picosecond", 1.0},   {"picoseconds", 1.0},   {"ps", 1.0},
    {"femtosecond", 1e-3}, {"femtoseconds", 1e-3}, {"fs", 1e-3},
    {"nanosecond", 1e3},   {"nanoseconds", 1e3},   {"ns", 1e3},
    {"microsecond", 1e6},  {"microseconds", 1e6},  {"us", 1e6},
    {"second", 1e12},      {"seconds", 1e12},      {"s", 1e12},
    {NULL, 0.0},
};

static const struct unit_name energy_units[] = {
    {"ev", 1.0},
    {"electronvolt", 1.0},
    {"electronvolts", 1.0},
    {"mev", 1e-3},
    {"hartree", UNITS_HARTREE_EV},
    {"ha", UNITS_HARTREE_EV},
    {"rydberg", UNITS_RY_EV},
    {"ry", UNITS_RY_EV},
    {"kcal/mol", UNITS_KCALMOL_EV},
    {"kcal/mole", UNITS_KCALMOL_EV},
    {"kilocal/mol", UNITS_KCALMOL_EV},
    {"kilocalorie/mole", UNITS_KCALMOL_EV},
    {"kilocalories/mole", UNITS_KCALMOL_EV},
    {"kj/mol", UNITS_KJMOL_EV},
    {"kj/mole", UNITS_KJMOL_EV},
    {"kilojoule/mole", UNITS_KJMOL_EV},
    {"kilojoules/mole", UNITS_KJMOL_EV},
    {NULL, 0.0},
};

static const struct unit_name pressure_units[] = {
    {"ev/angstrom^3", 1.0},
    {"ev/angstrom3", 1.0},
    {"ev/ang^3", 1.0},
    {"ev/a^3", 1.0},
    {"gpa", 1.0 / UNITS_EVA3_GPA},
    {"mpa", 1e-3 / UNITS_EVA3_GPA},
    {"kbar", 0.1 / UNITS_EVA3_GPA},
    {"bar", 1e-4 / UNITS_EVA3_GPA},
    {NULL, 0.0},
};

static const struct unit_name angle_units[] = {
    {"degree", 1.0},           {"degrees", 1.0},      {"deg", 1.0}, {"radian", 180.0 / M_PI},
    {"radians", 180.0 / M_PI}, {"rad", 180.0 / M_PI}, {NULL, 0.0},
};

static int
unit_lookup(const struct unit_name *table, const char *s, size_t len, double *factor)
{
    for (size_t i = 0; table[i].name; i++)
        if (strlen(table[i].name) == len && strncmp(table[i].name, s, len) == 0) {
            *factor = table[i].factor;
            return 1;
        }
    return 0;
}

/* Factor from unit string u (as found in a units attribute) to the stream unit of q; 0 when
 * the unit is unknown. Compound units are NUMERATOR/DENOMINATOR split at the last slash
 * (LAMMPS real writes "(Kcal/mol)/angstrom)": parentheses are dropped). */
static int
unit_factor(const char *u, enum qty q, double *factor)
{
    char s[UNITS_LEN];
    size_t n = 0;
    const char *slash;
    double f1, f2;

    for (; *u && n + 1 < sizeof s; u++) {
        unsigned char c = (unsigned char)*u;
        if (c == ' ' || c == '\t' || c == '(' || c == ')')
            continue;
        s[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    if (*u)
        return 0;
    s[n] = '\0';
    switch (q) {
    case Q_LENGTH:
        return unit_lookup(length_units, s, n, factor);
    case Q_TIME:
        return unit_lookup(time_units, s, n, factor);
    case Q_ENERGY:
        return unit_lookup(energy_units, s, n, factor);
    case Q_PRESSURE:
        return unit_lookup(pressure_units, s, n, factor);
    case Q_ANGLE:
        return unit_lookup(angle_units, s, n, factor);
    case Q_NONE:
        *factor = 1.0;
        return 1;
    case Q_VELOCITY:
    case Q_FORCE:
        slash = strrchr(s, '/');
        if (!slash)
            return 0;
        if (q == Q_VELOCITY) {
            if (!unit_lookup(length_units, s, (size_t)(slash - s), &f1) ||
                !unit_lookup(time_units, slash + 1, strlen(slash + 1), &f2))
                return 0;
        } else {
            if (!unit_lookup(energy_units, s, (size_t)(slash - s), &f1) ||
                !unit_lookup(length_units, slash + 1, strlen(slash + 1), &f2))
                return 0;
        }
        *factor = f1 / f2;
        return 1;
    }
    return 0;
}

/* ---- attributes ---- */

/*
 * Reads a text attribute (NC_CHAR, or NC_STRING in NetCDF-4 files) into buf, NUL-terminated
 * and with trailing NULs and blanks removed. Returns 1 if read, 0 if absent, or a negative
 * NetCDF status (NC_EBADTYPE for a non-text attribute, NC_ENAMEINUSE-like for too long).
 */
static int
att_text(int ncid, int varid, const char *name, char *buf, size_t cap)
{
    nc_type type;
    size_t len;
    int status = nc_inq_att(ncid, varid, name, &type, &len);

    if (status == NC_ENOTATT)
        return 0;
    if (status != NC_NOERR)
        return status < 0 ? status : NC_EINVAL;
    if (type == NC_CHAR) {
        char *tmp = malloc(len + 1);
        if (!tmp)
            return NC_ENOMEM;
        status = nc_get_att_text(ncid, varid, name, tmp);
        if (status != NC_NOERR) {
            free(tmp);
            return status < 0 ? status : NC_EINVAL;
        }
        tmp[len] = '\0';
        snprintf(buf, cap, "%s", tmp);
        free(tmp);
    } else if (type == NC_STRING && len == 1) {
        char *s = NULL;
        status = nc_get_att_string(ncid, varid, name, &s);
        if (status != NC_NOERR)
            return status < 0 ? status : NC_EINVAL;
        snprintf(buf, cap, "%s", s ? s : "");
        nc_free_string(1, &s);
    } else {
        return NC_EBADTYPE;
    }
    len = strlen(buf);
    while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\t'))
        buf[--len] = '\0';
    return 1;
}

static int
put_text(struct nctraj *t, int varid, const char *name, const char *value, struct core_err *err)
{
    int status = nc_put_att_text(t->ncid, varid, name, strlen(value), value);
    if (status != NC_NOERR) {
        char what[128];
        snprintf(what, sizeof what, "cannot write attribute '%s'", name);
        return nc_fail(t, status, CORE_EIO, what, err);
    }
    return CORE_OK;
}

/* ---- lifecycle ---- */

static struct nctraj *
traj_alloc(const char *name, size_t natoms)
{
    struct nctraj *t = calloc(1, sizeof *t);
    size_t n = natoms ? natoms : 1;

    if (!t)
        return NULL;
    t->ncid = -1;
    t->natoms = natoms;
    t->name = dup_str(name);
    t->buf = malloc(3 * n * sizeof *t->buf);
    t->ibuf = malloc(n * sizeof *t->ibuf);
    t->idbuf = malloc(n * sizeof *t->idbuf);
    t->order = malloc(n * sizeof *t->order);
    if (!t->name || !t->buf || !t->ibuf || !t->idbuf || !t->order) {
        free(t->name);
        free(t->buf);
        free(t->ibuf);
        free(t->idbuf);
        free(t->order);
        free(t);
        return NULL;
    }
    return t;
}

static void
traj_free(struct nctraj *t)
{
    free(t->name);
    free(t->path);
    free(t->tmp);
    free(t->buf);
    free(t->ibuf);
    free(t->idbuf);
    free(t->order);
    free(t);
}

/* Copies the finished temporary file to stdout. */
static int
copy_to_stdout(struct nctraj *t, struct core_err *err)
{
    char block[65536];
    size_t n;
    FILE *fp = fopen(t->tmp, "rb");

    if (!fp)
        return core_err_set(err, CORE_EIO, "%s: %s", t->tmp, strerror(errno));
    while ((n = fread(block, 1, sizeof block, fp)) > 0)
        if (fwrite(block, 1, n, stdout) != n)
            break;
    if (ferror(fp)) {
        int e = errno;
        fclose(fp);
        return core_err_set(err, CORE_EIO, "%s: read error: %s", t->tmp, strerror(e));
    }
    fclose(fp);
    if (fflush(stdout) != 0 || ferror(stdout))
        return core_err_set(err, CORE_EIO, "<stdout>: write error: %s", strerror(errno));
    return CORE_OK;
}

int
nctraj_close(struct nctraj *t, int commit, struct core_err *err)
{
    int rc = CORE_OK;
    int status = NC_NOERR;

    if (!t)
        return CORE_OK;
    if (t->open)
        status = nc_close(t->ncid);
    t->open = 0;
    if (t->writing) {
        if (commit && t->failed)
            rc =
                core_err_set(err, CORE_EINPUT, "%s: not written: an earlier write failed", t->name);
        else if (commit && status != NC_NOERR)
            rc = nc_fail(t, status, CORE_EIO, "cannot finish the file", err);
        else if (commit && !t->path)
            rc = copy_to_stdout(t, err);
        else if (commit && rename(t->tmp, t->path) != 0)
            rc = core_err_set(err, CORE_EIO, "%s: %s", t->path, strerror(errno));
        else if (commit) {
            free(t->tmp); /* published: nothing to remove */
            t->tmp = NULL;
        }
        if (t->tmp)
            unlink(t->tmp);
    } else if (status != NC_NOERR) {
        rc = nc_fail(t, status, CORE_EIO, "cannot close", err);
    }
    traj_free(t);
    return rc;
}

/* ---- writing ---- */

unsigned
nctraj_frame_flags(const struct core_frame *f)
{
    unsigned flags = 0;
    if (f->vel)
        flags |= NCTRAJ_VELOCITIES;
    if (f->forces)
        flags |= NCTRAJ_FORCES;
    if (f->has_energy)
        flags |= NCTRAJ_ENERGY;
    if (f->has_stress)
        flags |= NCTRAJ_STRESS;
    return flags;
}

/* Defines a variable with an optional units attribute; records its id in v. */
static int
def_var(struct nctraj *t, struct ncvar *v, const char *name, nc_type type, int ndims,
        const int *dims, const char *units, struct core_err *err)
{
    int status = nc_def_var(t->ncid, name, type, ndims, dims, &v->id);
    if (status != NC_NOERR) {
        char what[128];
        snprintf(what, sizeof what, "cannot define variable '%s'", name);
        return nc_fail(t, status, CORE_EIO, what, err);
    }
    v->name = name;
    v->type = type;
    v->ndims = ndims;
    v->per_frame = 1;
    return units ? put_text(t, v->id, "units", units, err) : CORE_OK;
}

/* Makes a temporary file beside the target (or in TMPDIR for stdout) with the permissions a
 * published file should have, and records its name. */
static int
make_tmp(struct nctraj *t, struct core_err *err)
{
    const char *dir = getenv("TMPDIR");
    size_t n;
    int fd;

    if (t->path) {
        n = strlen(t->path) + sizeof ".tmpXXXXXX";
        t->tmp = malloc(n);
        if (t->tmp)
            snprintf(t->tmp, n, "%s.tmpXXXXXX", t->path);
    } else {
        if (!dir || !*dir)
            dir = "/tmp";
        n = strlen(dir) + sizeof "/fpms-nctraj-XXXXXX";
        t->tmp = malloc(n);
        if (t->tmp)
            snprintf(t->tmp, n, "%s/fpms-nctraj-XXXXXX", dir);
    }
    if (!t->tmp)
        return core_err_set(err, CORE_ENOMEM, "%s: out of memory", t->name);
    fd = mkstemp(t->tmp);
    if (fd < 0) {
        int e = errno;
        free(t->tmp);
        t->tmp = NULL;
        return core_err_set(err, CORE_EIO, "%s: %s", t->name, strerror(e));
    }
    if (t->path) {
        /* mkstemp makes the file 0600; a published output gets the usual 0666 & ~umask */
        mode_t mask = umask(0);
        umask(mask);
        if (fchmod(fd, 0666 & ~mask) != 0) {
            int e = errno;
            close(fd);
            return core_err_set(err, CORE_EIO, "%s: %s", t->name, strerror(e));
        }
    }
    close(fd);
    return CORE_OK;
}

static int
define_file(struct nctraj *t, struct core_err *err)
{
    int d_frame, d_spatial, d_atom, d_cspatial, d_cangular, d_label, d_voigt = -1;
    int dims[3];
    int status, rc, old;
    struct ncvar lab;
    nc_type real = (t->flags & NCTRAJ_DOUBLE) ? NC_DOUBLE : NC_FLOAT;
    static const char *const what[] = {"frame",        "spatial", "atom", "cell_spatial",
                                       "cell_angular", "label",   "Voigt"};
    size_t lens[] = {NC_UNLIMITED, 3, t->natoms, 3, 3, 5, 6};
    int *ids[] = {&d_frame, &d_spatial, &d_atom, &d_cspatial, &d_cangular, &d_label, &d_voigt};
    int ndim = (t->flags & NCTRAJ_STRESS) ? 7 : 6;

    /* Every value of every record is written, so NetCDF's pre-filling is wasted work. */
    status = nc_set_fill(t->ncid, NC_NOFILL, &old);
    if (status != NC_NOERR)
        return nc_fail(t, status, CORE_EIO, "cannot set the fill mode", err);

    if ((rc = put_text(t, NC_GLOBAL, "Conventions", "AMBER", err)) ||
        (rc = put_text(t, NC_GLOBAL, "ConventionVersion", "1.0", err)) ||
        (rc = put_text(t, NC_GLOBAL, "program", "fpms", err)) ||
        (rc = put_text(t, NC_GLOBAL, "programVersion", FPMS_VERSION, err)))
        return rc;

    for (int i = 0; i < ndim; i++) {
        status = nc_def_dim(t->ncid, what[i], lens[i], ids[i]);
        if (status != NC_NOERR) {
            char msg[64];
            snprintf(msg, sizeof msg, "cannot define dimension '%s'", what[i]);
            return nc_fail(t, status, CORE_EIO, msg, err);
        }
    }

    /* Label variables (convention section 5.1) */
    dims[0] = d_spatial;
    if ((rc = def_var(t, &lab, "spatial", NC_CHAR, 1, dims, NULL, err)))
        return rc;
    dims[0] = d_cspatial;
    if ((rc = def_var(t, &lab, "cell_spatial", NC_CHAR, 1, dims, NULL, err)))
        return rc;
    dims[0] = d_cangular;
    dims[1] = d_label;
    if ((rc = def_var(t, &lab, "cell_angular", NC_CHAR, 2, dims, NULL, err)))
        return rc;

    dims[0] = d_frame;
    if ((rc = def_var(t, &t->time, "time", real, 1, dims, "picosecond", err)))
        return rc;
    dims[1] = d_atom;
    dims[2] = d_spatial;
    if ((rc = def_var(t, &t->coords, "coordinates", real, 3, dims, "angstrom", err)))
        return rc;
    dims[1] = d_cspatial;
    if ((rc = def_var(t, &t->origin, "cell_origin", NC_DOUBLE, 2, dims, "angstrom", err)) ||
        (rc = def_var(t, &t->lengths, "cell_lengths", NC_DOUBLE, 2, dims, "angstrom", err)))
        return rc;
    dims[1] = d_cangular;
    if ((rc = def_var(t, &t->angles, "cell_angles", NC_DOUBLE, 2, dims, "degree", err)))
        return rc;
    dims[1] = d_cspatial;
    dims[2] = d_spatial;
    if ((rc = def_var(t, &t->vectors, "cell_vectors", NC_DOUBLE, 3, dims, "angstrom", err)))
        return rc;
    dims[1] = d_atom;
    if ((rc = def_var(t, &t->types, "atom_types", NC_INT, 2, dims, NULL, err)))
        return rc;
    dims[2] = d_spatial;
    if ((t->flags & NCTRAJ_VELOCITIES) &&
        (rc = def_var(t, &t->vel, "velocities", real, 3, dims, "angstrom/picosecond", err)))
        return rc;
    if ((t->flags & NCTRAJ_FORCES) &&
        (rc = def_var(t, &t->forces, "forces", real, 3, dims, "eV/angstrom", err)))
        return rc;
    if ((t->flags & NCTRAJ_ENERGY) &&
        (rc = def_var(t, &t->energy, "energy", NC_DOUBLE, 1, dims, "eV", err)))
        return rc;
    dims[1] = d_voigt;
    if ((t->flags & NCTRAJ_STRESS) &&
        (rc = def_var(t, &t->stress, "stress", NC_DOUBLE, 2, dims, "eV/angstrom^3", err)))
        return rc;

    status = nc_enddef(t->ncid);
    if (status != NC_NOERR)
        return nc_fail(t, status, CORE_EIO, "cannot write the header", err);

    {
        int varid;
        if ((status = nc_inq_varid(t->ncid, "spatial", &varid)) != NC_NOERR ||
            (status = nc_put_var_text(t->ncid, varid, "xyz")) != NC_NOERR ||
            (status = nc_inq_varid(t->ncid, "cell_spatial", &varid)) != NC_NOERR ||
            (status = nc_put_var_text(t->ncid, varid, "abc")) != NC_NOERR ||
            (status = nc_inq_varid(t->ncid, "cell_angular", &varid)) != NC_NOERR ||
            (status = nc_put_var_text(t->ncid, varid, "alphabeta gamma")) != NC_NOERR)
            return nc_fail(t, status, CORE_EIO, "cannot write the label variables", err);
    }
    return CORE_OK;
}

int
nctraj_create(const char *path, size_t natoms, unsigned flags, struct nctraj **out,
              struct core_err *err)
{
    const char *name = (!path || strcmp(path, "-") == 0) ? "<stdout>" : path;
    struct nctraj *t;
    int status, rc;

    *out = NULL;
    if (flags & ~(unsigned)ALL_FLAGS)
        return core_err_set(err, CORE_EINTERNAL, "%s: unknown flags 0x%x", name, flags);
    if (natoms == 0)
        return core_err_set(err, CORE_EINPUT, "%s: a trajectory needs at least one atom", name);
    t = traj_alloc(name, natoms);
    if (!t)
        return core_err_set(err, CORE_ENOMEM, "%s: out of memory for %zu atoms", name, natoms);
    t->writing = 1;
    t->flags = flags;
    if (strcmp(name, "<stdout>") != 0 && !(t->path = dup_str(path))) {
        traj_free(t);
        return core_err_set(err, CORE_ENOMEM, "%s: out of memory", name);
    }
    if ((rc = make_tmp(t, err))) {
        nctraj_close(t, 0, NULL);
        return rc;
    }
    status = nc_create(t->tmp, NC_CLOBBER | NC_64BIT_OFFSET, &t->ncid);
    if (status != NC_NOERR) {
        rc = nc_fail(t, status, CORE_EIO, "cannot create", err);
        nctraj_close(t, 0, NULL);
        return rc;
    }
    t->open = 1;
    if ((rc = define_file(t, err))) {
        nctraj_close(t, 0, NULL);
        return rc;
    }
    *out = t;
    return CORE_OK;
}

/*
 * Rotation into the standard AMBER orientation: e1 along a, e3 along a x b, e2 = e3 x e1;
 * a row vector r becomes (r.e1, r.e2, r.e3), i.e. r' = r M with M's columns e1, e2, e3.
 * A cell already in standard orientation gives M = 1 exactly.
 */
static int
reorient_matrix(const struct nctraj *t, size_t iframe, const double cell[9], double m[9],
                struct core_err *err)
{
    double e1[3], e2[3], e3[3], la, lab;

    la = vec_norm(cell);
    vec_cross(cell, cell + 3, e3);
    lab = vec_norm(e3);
    if (!(la > 0) || !(lab > 1e-12 * la * vec_norm(cell + 3)))
        return core_err_set(err, CORE_EINPUT,
                            "%s: frame %zu: cell vectors a and b are parallel or zero: no "
                            "standard orientation",
                            t->name, iframe);
    for (int k = 0; k < 3; k++) {
        e1[k] = cell[k] / la;
        e3[k] = e3[k] / lab;
    }
    vec_cross(e3, e1, e2);
    if (!(vec_dot(cell + 6, e3) > 0))
        return core_err_set(err, CORE_EINPUT,
                            "%s: frame %zu: left-handed or flat cell: no rotation takes it to "
                            "the standard orientation",
                            t->name, iframe);
    for (int i = 0; i < 3; i++) {
        m[3 * i + 0] = e1[i];
        m[3 * i + 1] = e2[i];
        m[3 * i + 2] = e3[i];
    }
    return CORE_OK;
}

/* out[3*i + j] = sum_k in[3*i + k] m[3*k + j] for n rows; m NULL copies. */
static void
rows_rotate(const double *in, size_t n, const double *m, double *out)
{
    for (size_t i = 0; i < n; i++) {
        const double *r = in + 3 * i;
        double x = r[0], y = r[1], z = r[2];
        if (!m) {
            out[3 * i] = x;
            out[3 * i + 1] = y;
            out[3 * i + 2] = z;
            continue;
        }
        for (int j = 0; j < 3; j++)
            out[3 * i + j] = x * m[j] + y * m[3 + j] + z * m[6 + j];
    }
}

/* Checks n*3 values (as they will be stored) are finite and, for float storage, in range. */
static int
check_rows(const struct nctraj *t, size_t iframe, const char *what, const double *v, size_t n,
           const double *m, struct core_err *err)
{
    int dbl = (t->flags & NCTRAJ_DOUBLE) != 0;
    for (size_t i = 0; i < n; i++) {
        double r[3];
        rows_rotate(v + 3 * i, 1, m, r);
        for (int k = 0; k < 3; k++) {
            if (!isfinite(v[3 * i + k]))
                return core_err_set(err, CORE_EINPUT, "%s: frame %zu: atom %zu: %s not finite",
                                    t->name, iframe, i, what);
            if (!dbl && fabs(r[k]) > FLT_MAX)
                return core_err_set(err, CORE_EINPUT,
                                    "%s: frame %zu: atom %zu: %s %g beyond float range (write "
                                    "double precision)",
                                    t->name, iframe, i, what, r[k]);
        }
    }
    return CORE_OK;
}

/* Every check of a frame against the trajectory, before anything is written. */
static int
check_frame(const struct nctraj *t, const struct core_frame *f, double time_ps, const double *m,
            struct core_err *err)
{
    size_t iframe = t->nframes;
    int rc;

    if (f->natoms != t->natoms)
        return core_err_set(err, CORE_EINPUT, "%s: frame %zu has %zu atoms, the trajectory %zu",
                            t->name, iframe, f->natoms, t->natoms);
    if (!isfinite(time_ps) || (!(t->flags & NCTRAJ_DOUBLE) && fabs(time_ps) > FLT_MAX))
        return core_err_set(err, CORE_EINPUT, "%s: frame %zu: time %g ps cannot be stored", t->name,
                            iframe, time_ps);
    for (size_t i = 0; i < f->natoms; i++)
        if (f->z[i] < 1 || f->z[i] > CORE_ZMAX)
            return core_err_set(err, CORE_EINPUT, "%s: frame %zu: atom %zu has atomic number %d",
                                t->name, iframe, i, f->z[i]);
    if ((rc = check_rows(t, iframe, "position", f->pos, f->natoms, m, err)))
        return rc;
    if (f->has_cell)
        for (int k = 0; k < 9; k++)
            if (!isfinite(f->cell[k]))
                return core_err_set(err, CORE_EINPUT, "%s: frame %zu: cell not finite", t->name,
                                    iframe);
    if (t->flags & NCTRAJ_VELOCITIES) {
        if (!f->vel)
            return core_err_set(err, CORE_EINPUT,
                                "%s: frame %zu has no velocities; the trajectory stores them",
                                t->name, iframe);
        if ((rc = check_rows(t, iframe, "velocity", f->vel, f->natoms, m, err)))
            return rc;
    }
    if (t->flags & NCTRAJ_FORCES) {
        if (!f->forces)
            return core_err_set(err, CORE_EINPUT,
                                "%s: frame %zu has no forces; the trajectory stores them", t->name,
                                iframe);
        if ((rc = check_rows(t, iframe, "force", f->forces, f->natoms, m, err)))
            return rc;
    }
    if (t->flags & NCTRAJ_ENERGY) {
        if (!f->has_energy)
            return core_err_set(err, CORE_EINPUT,
                                "%s: frame %zu has no energy; the trajectory stores one", t->name,
                                iframe);
        if (!isfinite(f->energy))
            return core_err_set(err, CORE_EINPUT, "%s: frame %zu: energy not finite", t->name,
                                iframe);
    }
    if (t->flags & NCTRAJ_STRESS) {
        if (!f->has_stress)
            return core_err_set(err, CORE_EINPUT,
                                "%s: frame %zu has no stress; the trajectory stores one", t->name,
                                iframe);
        for (int k = 0; k < 9; k++)
            if (!isfinite(f->stress[k]))
                return core_err_set(err, CORE_EINPUT, "%s: frame %zu: stress not finite", t->name,
                                    iframe);
    }
    return CORE_OK;
}

/* Cell lengths (0 along non-periodic directions) and angles in degrees, as ASE's
 * cell_to_cellpar computes them, with atan2 for accuracy near 0 and 180 degrees. */
static void
cell_params(const struct core_frame *f, const double cell[9], double len[3], double ang[3])
{
    for (int i = 0; i < 3; i++) {
        len[i] = f->has_cell && f->pbc[i] ? vec_norm(cell + 3 * i) : 0.0;
        ang[i] = 90.0;
    }
    if (!f->has_cell)
        return;
    for (int i = 0; i < 3; i++) {
        const double *u = cell + 3 * ((i + 1) % 3), *v = cell + 3 * ((i + 2) % 3);
        double w[3], d = vec_dot(u, v);
        vec_cross(u, v, w);
        if (vec_norm(u) * vec_norm(v) > 1e-16 && d != 0)
            ang[i] = atan2(vec_norm(w), d) * (180.0 / M_PI);
    }
}

static int
put_vara(struct nctraj *t, const struct ncvar *v, const size_t *start, const size_t *count,
         const double *data, struct core_err *err)
{
    int status = nc_put_vara_double(t->ncid, v->id, start, count, data);
    if (status != NC_NOERR) {
        char what[128];
        t->failed = 1;
        snprintf(what, sizeof what, "frame %zu: cannot write '%s'", start[0], v->name);
        return nc_fail(t, status, CORE_EIO, what, err);
    }
    return CORE_OK;
}

int
nctraj_write_frame(struct nctraj *t, const struct core_frame *f, double time_ps,
                   struct core_err *err)
{
    size_t iframe, start[3] = {0, 0, 0}, count[3];
    double m[9], cell[9], len[3], ang[3], origin[3] = {0, 0, 0};
    const double *mp = NULL;
    int status, rc;

    if (!t || !t->writing || !t->open)
        return core_err_set(err, CORE_EINTERNAL, "nctraj_write_frame: not open for writing");
    iframe = t->nframes;
    if (t->failed)
        return core_err_set(err, CORE_EINPUT, "%s: frame %zu: an earlier write failed", t->name,
                            iframe);
    if ((t->flags & NCTRAJ_REORIENT) && f->has_cell) {
        if ((rc = reorient_matrix(t, iframe, f->cell, m, err)))
            return rc;
        mp = m;
    }
    if ((rc = check_frame(t, f, time_ps, mp, err)))
        return rc;

    start[0] = iframe;
    count[0] = 1;
    if ((rc = put_vara(t, &t->time, start, count, &time_ps, err)))
        return rc;

    count[1] = t->natoms;
    count[2] = 3;
    rows_rotate(f->pos, t->natoms, mp, t->buf);
    if ((rc = put_vara(t, &t->coords, start, count, t->buf, err)))
        return rc;

    for (int k = 0; k < 9; k++)
        cell[k] = f->has_cell ? f->cell[k] : 0.0;
    if (mp) {
        rows_rotate(f->cell, 3, mp, cell);
        cell[1] = cell[2] = cell[5] = 0.0; /* zero by construction, not just to rounding */
    }
    cell_params(f, cell, len, ang);
    count[1] = 3;
    if ((rc = put_vara(t, &t->origin, start, count, origin, err)) ||
        (rc = put_vara(t, &t->lengths, start, count, len, err)) ||
        (rc = put_vara(t, &t->angles, start, count, ang, err)) ||
        (rc = put_vara(t, &t->vectors, start, count, cell, err)))
        return rc;

    count[1] = t->natoms;
    status = nc_put_vara_int(t->ncid, t->types.id, start, count, f->z);
    if (status != NC_NOERR) {
        t->failed = 1;
        return nc_fail(t, status, CORE_EIO, "cannot write 'atom_types'", err);
    }
    if (t->flags & NCTRAJ_VELOCITIES) {
        rows_rotate(f->vel, t->natoms, mp, t->buf);
        if ((rc = put_vara(t, &t->vel, start, count, t->buf, err)))
            return rc;
    }
    if (t->flags & NCTRAJ_FORCES) {
        rows_rotate(f->forces, t->natoms, mp, t->buf);
        if ((rc = put_vara(t, &t->forces, start, count, t->buf, err)))
            return rc;
    }
    if (t->flags & NCTRAJ_ENERGY) {
        if ((rc = put_vara(t, &t->energy, start, count, &f->energy, err)))
            return rc;
    }
    if (t->flags & NCTRAJ_STRESS) {
        double s[9], voigt[6];
        memcpy(s, f->stress, sizeof s);
        if (mp) { /* sigma' = M^T sigma M */
            double tmp[9];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) {
                    tmp[3 * i + j] = 0;
                    for (int k = 0; k < 3; k++)
                        tmp[3 * i + j] += f->stress[3 * i + k] * m[3 * k + j];
                }
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) {
                    s[3 * i + j] = 0;
                    for (int k = 0; k < 3; k++)
                        s[3 * i + j] += m[3 * k + i] * tmp[3 * k + j];
                }
        }
        /* ASE's Voigt order xx yy zz yz xz xy; the symmetric part */
        voigt[0] = s[0];
        voigt[1] = s[4];
        voigt[2] = s[8];
        voigt[3] = 0.5 * (s[5] + s[7]);
        voigt[4] = 0.5 * (s[2] + s[6]);
        voigt[5] = 0.5 * (s[1] + s[3]);
        count[1] = 6;
        if ((rc = put_vara(t, &t->stress, start, count, voigt, err)))
            return rc;
    }
    t->nframes++;
    return CORE_OK;
}

/* ---- reading ---- */

/*
 * Looks up variable name; when present, checks its shape against exp[0..nexp-1] (D_FRAME,
 * D_ATOM or a fixed length), where a leading D_FRAME may be missing if frame_optional, and
 * its type (numeric), and fills v with unit conversion for quantity q (default_factor when the
 * variable has no units attribute). v->id is -1 when absent.
 */
static int
var_find(struct nctraj *t, struct ncvar *v, const char *name, int nexp, const long *exp,
         int frame_optional, enum qty q, double default_factor, int d_frame, int d_atom,
         struct core_err *err)
{
    int dims[NC_MAX_VAR_DIMS], ndims, status, r;
    size_t len;
    nc_type atype;
    char units[UNITS_LEN];
    double factor = default_factor, sf = 1.0, off = 0.0;

    memset(v, 0, sizeof *v);
    v->id = -1;
    v->name = name;
    status = nc_inq_varid(t->ncid, name, &v->id);
    if (status == NC_ENOTVAR) {
        v->id = -1;
        return CORE_OK;
    }
    if (status == NC_NOERR)
        status = nc_inq_var(t->ncid, v->id, NULL, &v->type, &ndims, dims, NULL);
    if (status != NC_NOERR)
        return nc_fail(t, status, CORE_EINPUT, "cannot inquire a variable", err);

    if (frame_optional && ndims == nexp - 1 && (ndims == 0 || dims[0] != d_frame)) {
        exp++;
        nexp--;
    }
    v->per_frame = exp[0] == D_FRAME;
    if (ndims != nexp)
        goto bad_shape;
    for (int i = 0; i < ndims; i++) {
        if (exp[i] == D_FRAME) {
            if (dims[i] != d_frame)
                goto bad_shape;
            v->count[i] = 1;
            continue;
        }
        if (exp[i] == D_ATOM && dims[i] != d_atom)
            goto bad_shape;
        status = nc_inq_dimlen(t->ncid, dims[i], &len);
        if (status != NC_NOERR)
            return nc_fail(t, status, CORE_EINPUT, "cannot inquire a dimension", err);
        if (exp[i] >= 0 && len != (size_t)exp[i])
            goto bad_shape;
        v->count[i] = len;
    }
    v->ndims = ndims;
    if (v->type == NC_CHAR || v->type == NC_STRING || v->type > NC_STRING)
        return core_err_set(err, CORE_EINPUT, "%s: variable '%s' is not numeric", t->name, name);

    r = att_text(t->ncid, v->id, "units", units, sizeof units);
    if (r < 0)
        return nc_fail(t, r, CORE_EINPUT, "bad 'units' attribute", err);
    if (r == 1 && units[0] && q != Q_NONE) {
        if (t->is_ase && strcmp(name, "coordinates") == 0) {
            /* ASE 3.22 overwrites the units of coordinates with "Angstrom/Femtosecond" when it
             * adds velocities (it meant the velocities); its coordinates are Angstrom. */
            factor = 1.0;
        } else if (!unit_factor(units, q, &factor)) {
            return core_err_set(err, CORE_EINPUT,
                                "%s: variable '%s' has units '%s', which fpms cannot convert to "
                                "%s",
                                t->name, name, units, qty_name[q]);
        }
    }
    /* scale_factor and add_offset: a number each, of any numeric type */
    status = nc_inq_att(t->ncid, v->id, "scale_factor", &atype, &len);
    if (status == NC_NOERR) {
        if (atype == NC_CHAR || atype == NC_STRING || len != 1 ||
            nc_get_att_double(t->ncid, v->id, "scale_factor", &sf) != NC_NOERR || !isfinite(sf))
            return core_err_set(err, CORE_EINPUT, "%s: variable '%s': bad scale_factor", t->name,
                                name);
    }
    status = nc_inq_att(t->ncid, v->id, "add_offset", &atype, &len);
    if (status == NC_NOERR) {
        if (atype == NC_CHAR || atype == NC_STRING || len != 1 ||
            nc_get_att_double(t->ncid, v->id, "add_offset", &off) != NC_NOERR || !isfinite(off))
            return core_err_set(err, CORE_EINPUT, "%s: variable '%s': bad add_offset", t->name,
                                name);
    }
    v->scale = sf * factor;
    v->offset = off * factor;

    /* The fill value (stored units) marks records that were never written. */
    status = nc_inq_att(t->ncid, v->id, "_FillValue", &atype, &len);
    if (status == NC_NOERR && len == 1 && atype == v->type &&
        nc_get_att_double(t->ncid, v->id, "_FillValue", &v->fill) == NC_NOERR)
        return CORE_OK;
    switch (v->type) {
    case NC_FLOAT:
        v->fill = NC_FILL_FLOAT;
        break;
    case NC_DOUBLE:
        v->fill = NC_FILL_DOUBLE;
        break;
    case NC_INT:
        v->fill = NC_FILL_INT;
        break;
    case NC_SHORT:
        v->fill = NC_FILL_SHORT;
        break;
    case NC_INT64:
        v->fill = (double)NC_FILL_INT64;
        break;
    default:
        v->fill = NAN; /* bytes and unsigned types: no fill check */
        break;
    }
    return CORE_OK;

bad_shape:
    return core_err_set(err, CORE_EINPUT, "%s: variable '%s' has an unexpected shape", t->name,
                        name);
}

static int
check_conventions(struct nctraj *t, struct core_err *err)
{
    char conv[256], ver[64], prog[128];
    int r, amber = 0;

    r = att_text(t->ncid, NC_GLOBAL, "Conventions", conv, sizeof conv);
    if (r == 0)
        return core_err_set(err, CORE_EINPUT,
                            "%s: not an AMBER trajectory (no global attribute 'Conventions')",
                            t->name);
    if (r < 0)
        return nc_fail(t, r, CORE_EINPUT, "bad global attribute 'Conventions'", err);
    /* a comma- or space-separated list of tokens, one of them AMBER */
    for (char *tok = strtok(conv, ", \t"); tok; tok = strtok(NULL, ", \t"))
        if (strcmp(tok, "AMBER") == 0)
            amber = 1;
    if (!amber)
        return core_err_set(err, CORE_EINPUT,
                            "%s: not an AMBER trajectory (Conventions does not list AMBER)",
                            t->name);
    r = att_text(t->ncid, NC_GLOBAL, "ConventionVersion", ver, sizeof ver);
    if (r < 0)
        return nc_fail(t, r, CORE_EINPUT, "bad global attribute 'ConventionVersion'", err);
    if (r == 0 || strcmp(ver, "1.0") != 0)
        return core_err_set(err, CORE_EINPUT,
                            "%s: AMBER ConventionVersion '%s', fpms reads version '1.0'", t->name,
                            r == 0 ? "(none)" : ver);
    r = att_text(t->ncid, NC_GLOBAL, "program", prog, sizeof prog);
    t->is_ase = r == 1 && strcmp(prog, "ASE") == 0;
    return CORE_OK;
}

int
nctraj_open(const char *path, struct nctraj **out, struct core_err *err)
{
    static const long shape_atoms3[] = {D_FRAME, D_ATOM, 3};
    static const long shape_atoms[] = {D_FRAME, D_ATOM};
    static const long shape_cell[] = {D_FRAME, 3};
    static const long shape_vectors[] = {D_FRAME, 3, 3};
    static const long shape_frame[] = {D_FRAME};
    static const long shape_voigt[] = {D_FRAME, 6};
    struct nctraj *t;
    int status, rc, ncid, d_frame = -2, d_atom = -2;
    size_t natoms = 0, nframes = 0;
    double vel_default, force_default;

    *out = NULL;
    if (!path || strcmp(path, "-") == 0)
        return core_err_set(err, CORE_EINPUT,
                            "<stdin>: a NetCDF trajectory must be a file, not a pipe");
    status = nc_open(path, NC_NOWRITE, &ncid);
    if (status != NC_NOERR) {
        if (status > 0) /* a system error */
            return core_err_set(err, CORE_EIO, "%s: %s", path, nc_strerror(status));
        if (status == NC_ENOTNC)
            return core_err_set(err, CORE_EINPUT, "%s: not a NetCDF file (%s)", path,
                                nc_strerror(status));
        return core_err_set(err, CORE_EINPUT, "%s: cannot open (%s)", path, nc_strerror(status));
    }
    status = nc_inq_dimid(ncid, "atom", &d_atom);
    if (status == NC_NOERR)
        status = nc_inq_dimlen(ncid, d_atom, &natoms);
    if (status != NC_NOERR) {
        nc_close(ncid);
        return core_err_set(err, CORE_EINPUT, "%s: no 'atom' dimension (%s)", path,
                            nc_strerror(status));
    }
    t = traj_alloc(path, natoms);
    if (!t) {
        nc_close(ncid);
        return core_err_set(err, CORE_ENOMEM, "%s: out of memory for %zu atoms", path, natoms);
    }
    t->ncid = ncid;
    t->open = 1;
    if ((rc = check_conventions(t, err)))
        goto fail;

    status = nc_inq_dimid(ncid, "frame", &d_frame);
    if (status == NC_NOERR)
        status = nc_inq_dimlen(ncid, d_frame, &nframes);
    else if (status == NC_EBADDIM)
        status = NC_NOERR, d_frame = -2; /* no frames at all */
    if (status != NC_NOERR) {
        rc = nc_fail(t, status, CORE_EINPUT, "bad 'frame' dimension", err);
        goto fail;
    }
    t->nframes = nframes;

    /* Units when a variable has no units attribute: the convention's, except what ASE writes
     * in its own units (velocities in Angstrom per ASE time unit, forces in eV/Angstrom). */
    vel_default = t->is_ase ? 1.0 / UNITS_ASE_TIME_PS : 1.0;
    force_default = t->is_ase ? 1.0 : UNITS_KCALMOL_EV;

#define FIND(v, name, shape, opt, q, def)                                                          \
    var_find(t, v, name, (int)(sizeof shape / sizeof shape[0]), shape, opt, q, def, d_frame,       \
             d_atom, err)
    if ((rc = FIND(&t->coords, "coordinates", shape_atoms3, 0, Q_LENGTH, 1.0)) ||
        (rc = FIND(&t->vel, "velocities", shape_atoms3, 0, Q_VELOCITY, vel_default)) ||
        (rc = FIND(&t->forces, "forces", shape_atoms3, 0, Q_FORCE, force_default)) ||
        (rc = FIND(&t->time, "time", shape_frame, 0, Q_TIME, 1.0)) ||
        (rc = FIND(&t->lengths, "cell_lengths", shape_cell, 0, Q_LENGTH, 1.0)) ||
        (rc = FIND(&t->angles, "cell_angles", shape_cell, 0, Q_ANGLE, 1.0)) ||
        (rc = FIND(&t->vectors, "cell_vectors", shape_vectors, 0, Q_LENGTH, 1.0)) ||
        (rc = FIND(&t->energy, "energy", shape_frame, 0, Q_ENERGY, 1.0)) ||
        (rc = FIND(&t->stress, "stress", shape_voigt, 0, Q_PRESSURE, 1.0)) ||
        (rc = FIND(&t->ids, "id", shape_atoms, 1, Q_NONE, 1.0)))
        goto fail;
    if (t->coords.id < 0) {
        rc = core_err_set(err, CORE_EINPUT, "%s: no 'coordinates' variable", path);
        goto fail;
    }
    /* Atomic numbers: Z, else atom_types (ASE, fpms); LAMMPS types: type */
    t->types_kind = TYPES_Z;
    if ((rc = FIND(&t->types, "Z", shape_atoms, 1, Q_NONE, 1.0)))
        goto fail;
    if (t->types.id < 0 && (rc = FIND(&t->types, "atom_types", shape_atoms, 1, Q_NONE, 1.0)))
        goto fail;
    if (t->types.id < 0) {
        t->types_kind = TYPES_LAMMPS;
        if ((rc = FIND(&t->types, "type", shape_atoms, 1, Q_NONE, 1.0)))
            goto fail;
    }
    if (t->types.id < 0)
        t->types_kind = TYPES_NONE;
#undef FIND

    if (t->vel.id >= 0)
        t->flags |= NCTRAJ_VELOCITIES;
    if (t->forces.id >= 0)
        t->flags |= NCTRAJ_FORCES;
    if (t->energy.id >= 0)
        t->flags |= NCTRAJ_ENERGY;
    if (t->stress.id >= 0)
        t->flags |= NCTRAJ_STRESS;
    *out = t;
    return CORE_OK;

fail:
    nctraj_close(t, 0, NULL);
    return rc;
}

void
nctraj_species_set(struct nctraj *t, const struct core_species_map *map)
{
    if (map) {
        t->map = *map;
        t->has_map = 1;
    } else {
        t->has_map = 0;
    }
}

size_t
nctraj_nframes(const struct nctraj *t)
{
    return t->nframes;
}

size_t
nctraj_natoms(const struct nctraj *t)
{
    return t->natoms;
}

unsigned
nctraj_flags(const struct nctraj *t)
{
    return t->flags & (NCTRAJ_VELOCITIES | NCTRAJ_FORCES | NCTRAJ_ENERGY | NCTRAJ_STRESS);
}

/*
 * Reads one frame of v (n values) into out, in stream units. *nfill counts stored fill values
 * (left in out as NAN); any other non-finite value is an error.
 */
static int
var_read(struct nctraj *t, const struct ncvar *v, size_t iframe, double *out, size_t n,
         size_t *nfill, struct core_err *err)
{
    size_t start[4] = {0, 0, 0, 0};
    int status;

    if (v->per_frame)
        start[0] = iframe;
    status = nc_get_vara_double(t->ncid, v->id, start, v->count, out);
    if (status != NC_NOERR) {
        char what[128];
        snprintf(what, sizeof what, "frame %zu: cannot read '%s'", iframe, v->name);
        return nc_fail(t, status, status > 0 ? CORE_EIO : CORE_EINPUT, what, err);
    }
    *nfill = 0;
    for (size_t i = 0; i < n; i++) {
        if (out[i] == v->fill) {
            (*nfill)++;
            out[i] = NAN;
            continue;
        }
        out[i] = out[i] * v->scale + v->offset;
        if (!isfinite(out[i]))
            return core_err_set(err, CORE_EINPUT, "%s: frame %zu: '%s' has a non-finite value",
                                t->name, iframe, v->name);
    }
    return CORE_OK;
}

/* Reads a per-atom 3-vector variable into dst (reordered); *got = 0 when the frame holds only
 * fill values (no data for this frame), an error when it holds some. */
static int
read_rows(struct nctraj *t, const struct ncvar *v, size_t iframe, double *dst, int *got,
          struct core_err *err)
{
    size_t nfill, n = 3 * t->natoms;
    int rc = var_read(t, v, iframe, t->buf, n, &nfill, err);

    *got = 0;
    if (rc)
        return rc;
    if (nfill == n && n > 0)
        return CORE_OK;
    if (nfill)
        return core_err_set(err, CORE_EINPUT, "%s: frame %zu: '%s' is partly missing (fill values)",
                            t->name, iframe, v->name);
    for (size_t i = 0; i < t->natoms; i++)
        for (int k = 0; k < 3; k++)
            dst[3 * i + k] = t->buf[3 * t->order[i] + k];
    *got = 1;
    return CORE_OK;
}

/* Sorts order[0..n-1] by ids[order[i]] (merge sort: stable, O(n log n), no globals). */
static void
sort_by_id(size_t *order, size_t *tmp, size_t n, const long long *ids)
{
    size_t h = n / 2, i = 0, j = n / 2, k = 0;

    if (n < 2)
        return;
    sort_by_id(order, tmp, h, ids);
    sort_by_id(order + h, tmp, n - h, ids);
    while (i < h && j < n)
        tmp[k++] = ids[order[j]] < ids[order[i]] ? order[j++] : order[i++];
    while (i < h)
        tmp[k++] = order[i++];
    while (j < n)
        tmp[k++] = order[j++];
    memcpy(order, tmp, n * sizeof *order);
}

/* Atom order and tags from `id` (LAMMPS): atoms sorted by id, as ASE reads them. */
static int
read_ids(struct nctraj *t, size_t iframe, struct core_frame *f, struct core_err *err)
{
    size_t start[2] = {0, 0}, n = t->natoms, *tmp;
    int status, rc;

    for (size_t i = 0; i < n; i++)
        t->order[i] = i;
    if (t->ids.id < 0)
        return CORE_OK;
    if (t->ids.per_frame)
        start[0] = iframe;
    status = nc_get_vara_longlong(t->ncid, t->ids.id, start, t->ids.count, t->idbuf);
    if (status != NC_NOERR)
        return nc_fail(t, status, status > 0 ? CORE_EIO : CORE_EINPUT, "cannot read 'id'", err);
    for (size_t i = 0; i < n; i++)
        if ((double)t->idbuf[i] == t->ids.fill)
            return core_err_set(err, CORE_EINPUT, "%s: frame %zu: 'id' is missing (fill value)",
                                t->name, iframe);
    tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp)
        return core_err_set(err, CORE_ENOMEM, "%s: out of memory", t->name);
    sort_by_id(t->order, tmp, n, t->idbuf);
    free(tmp);
    if ((rc = core_frame_want(f, "tag", err)))
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && t->idbuf[t->order[i]] == t->idbuf[t->order[i - 1]])
            return core_err_set(err, CORE_EINPUT, "%s: frame %zu: atom id %lld given twice",
                                t->name, iframe, t->idbuf[t->order[i]]);
        f->tag[i] = (long)t->idbuf[t->order[i]];
    }
    return CORE_OK;
}

static int
read_types(struct nctraj *t, size_t iframe, struct core_frame *f, struct core_err *err)
{
    size_t start[2] = {0, 0};
    int status;

    if (t->types_kind == TYPES_NONE)
        return core_err_set(err, CORE_EINPUT,
                            "%s: no atom types (variables Z, atom_types or type): elements "
                            "unknown",
                            t->name);
    if (t->types_kind == TYPES_LAMMPS && !t->has_map)
        return core_err_set(err, CORE_EINPUT,
                            "%s: 'type' holds LAMMPS atom types, which name no element: give "
                            "the elements of types 1..n (a species map)",
                            t->name);
    if (t->types.per_frame)
        start[0] = iframe;
    status = nc_get_vara_int(t->ncid, t->types.id, start, t->types.count, t->ibuf);
    if (status != NC_NOERR)
        return nc_fail(t, status, status > 0 ? CORE_EIO : CORE_EINPUT, "cannot read the atom types",
                       err);
    for (size_t i = 0; i < t->natoms; i++) {
        int v = t->ibuf[t->order[i]], z = v;
        if ((double)v == t->types.fill)
            return core_err_set(err, CORE_EINPUT, "%s: frame %zu: atom types missing (fill value)",
                                t->name, iframe);
        if (t->types_kind == TYPES_LAMMPS) {
            if (v < 1 || (size_t)v > t->map.ntypes)
                return core_err_set(err, CORE_EINPUT,
                                    "%s: frame %zu: atom %zu has type %d, the species map has "
                                    "%zu",
                                    t->name, iframe, i, v, t->map.ntypes);
            z = t->map.z[v - 1];
        }
        if (z < 1 || z > CORE_ZMAX)
            return core_err_set(err, CORE_EINPUT, "%s: frame %zu: atom %zu has atomic number %d",
                                t->name, iframe, i, z);
        f->z[i] = z;
    }
    return CORE_OK;
}

/* The cell in the standard orientation from lengths and angles (degrees), as ASE's
 * cellpar_to_cell builds it, with its exact treatment of right angles. */
static int
cell_from_params(const struct nctraj *t, size_t iframe, const double len[3], const double ang[3],
                 double cell[9], struct core_err *err)
{
    const double eps = 2 * 1.4210854715202004e-14; /* 2 * spacing(90.0), as ASE */
    double ca, cb, cg, sg, cx, cy, cz2;

    ca = fabs(fabs(ang[0]) - 90) < eps ? 0.0 : cos(ang[0] * M_PI / 180.0);
    cb = fabs(fabs(ang[1]) - 90) < eps ? 0.0 : cos(ang[1] * M_PI / 180.0);
    if (fabs(ang[2] - 90) < eps) {
        cg = 0.0;
        sg = 1.0;
    } else if (fabs(ang[2] + 90) < eps) {
        cg = 0.0;
        sg = -1.0;
    } else {
        cg = cos(ang[2] * M_PI / 180.0);
        sg = sin(ang[2] * M_PI / 180.0);
    }
    cx = cb;
    cy = sg != 0 ? (ca - cb * cg) / sg : INFINITY;
    cz2 = 1.0 - cx * cx - cy * cy;
    if (!(cz2 >= 0))
        return core_err_set(err, CORE_EINPUT,
                            "%s: frame %zu: cell angles %g %g %g describe no cell", t->name, iframe,
                            ang[0], ang[1], ang[2]);
    cell[0] = len[0];
    cell[1] = 0.0;
    cell[2] = 0.0;
    cell[3] = len[1] * cg;
    cell[4] = len[1] * sg;
    cell[5] = 0.0;
    cell[6] = len[2] * cx;
    cell[7] = len[2] * cy;
    cell[8] = len[2] * sqrt(cz2);
    return CORE_OK;
}

static int
read_cell(struct nctraj *t, size_t iframe, struct core_frame *f, struct core_err *err)
{
    double len[3] = {0, 0, 0}, ang[3] = {90, 90, 90};
    size_t nfill;
    int rc, any = 0;

    if (t->lengths.id >= 0) {
        if ((rc = var_read(t, &t->lengths, iframe, len, 3, &nfill, err)))
            return rc;
        if (nfill)
            return core_err_set(err, CORE_EINPUT, "%s: frame %zu: cell_lengths missing", t->name,
                                iframe);
    }
    for (int k = 0; k < 3; k++) {
        f->pbc[k] = len[k] > PBC_MIN_LENGTH;
        any |= f->pbc[k];
    }
    if (t->vectors.id >= 0) {
        if ((rc = var_read(t, &t->vectors, iframe, f->cell, 9, &nfill, err)))
            return rc;
        if (nfill)
            return core_err_set(err, CORE_EINPUT, "%s: frame %zu: cell_vectors missing", t->name,
                                iframe);
        for (int k = 0; k < 9; k++)
            f->has_cell |= f->cell[k] != 0;
        if (!f->has_cell && any)
            return core_err_set(err, CORE_EINPUT,
                                "%s: frame %zu: cell_vectors zero but cell_lengths not", t->name,
                                iframe);
        return CORE_OK;
    }
    if (!any) { /* no periodic direction and no cell vectors: a molecule */
        memset(f->cell, 0, sizeof f->cell);
        f->has_cell = 0;
        return CORE_OK;
    }
    if (t->angles.id >= 0) {
        if ((rc = var_read(t, &t->angles, iframe, ang, 3, &nfill, err)))
            return rc;
        if (nfill)
            return core_err_set(err, CORE_EINPUT, "%s: frame %zu: cell_angles missing", t->name,
                                iframe);
    }
    /* Non-periodic directions: the extent of the atoms along that axis, as ASE does */
    for (int k = 0; k < 3; k++) {
        double lo = INFINITY, hi = -INFINITY;
        if (f->pbc[k])
            continue;
        for (size_t i = 0; i < f->natoms; i++) {
            lo = fmin(lo, f->pos[3 * i + k]);
            hi = fmax(hi, f->pos[3 * i + k]);
        }
        len[k] = f->natoms ? hi - lo : 0.0;
    }
    f->has_cell = 1;
    return cell_from_params(t, iframe, len, ang, f->cell, err);
}

int
nctraj_read_frame(struct nctraj *t, size_t iframe, struct core_frame *f, double *time_ps,
                  struct core_err *err)
{
    size_t nfill;
    double v[6];
    int rc, got;

    if (time_ps)
        *time_ps = NAN;
    if (!t || t->writing)
        return core_err_set(err, CORE_EINTERNAL, "nctraj_read_frame: not open for reading");
    if (iframe >= t->nframes)
        return core_err_set(err, CORE_EINPUT, "%s: no frame %zu (the file has %zu)", t->name,
                            iframe, t->nframes);
    if ((rc = core_frame_resize(f, t->natoms, err)))
        return rc;
    if ((rc = read_ids(t, iframe, f, err)) || (rc = read_types(t, iframe, f, err)) ||
        (rc = read_rows(t, &t->coords, iframe, f->pos, &got, err)))
        goto fail;
    if (!got) {
        rc = core_err_set(err, CORE_EINPUT, "%s: frame %zu has no coordinates (fill values)",
                          t->name, iframe);
        goto fail;
    }
    if ((rc = read_cell(t, iframe, f, err)))
        goto fail;
    if (t->vel.id >= 0) {
        if ((rc = core_frame_want(f, "vel", err)) ||
            (rc = read_rows(t, &t->vel, iframe, f->vel, &got, err)))
            goto fail;
        if (!got) {
            free(f->vel);
            f->vel = NULL;
        }
    }
    if (t->forces.id >= 0) {
        if ((rc = core_frame_want(f, "forces", err)) ||
            (rc = read_rows(t, &t->forces, iframe, f->forces, &got, err)))
            goto fail;
        if (!got) {
            free(f->forces);
            f->forces = NULL;
        }
    }
    if (t->energy.id >= 0) {
        if ((rc = var_read(t, &t->energy, iframe, v, 1, &nfill, err)))
            goto fail;
        f->has_energy = nfill == 0;
        f->energy = nfill ? 0.0 : v[0];
    }
    if (t->stress.id >= 0) {
        if ((rc = var_read(t, &t->stress, iframe, v, 6, &nfill, err)))
            goto fail;
        if (nfill && nfill != 6) {
            rc = core_err_set(err, CORE_EINPUT, "%s: frame %zu: 'stress' is partly missing",
                              t->name, iframe);
            goto fail;
        }
        if (!nfill) { /* Voigt xx yy zz yz xz xy */
            double s[9] = {v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2]};
            memcpy(f->stress, s, sizeof s);
            f->has_stress = 1;
        }
    }
    if (t->time.id >= 0 && time_ps) {
        if ((rc = var_read(t, &t->time, iframe, v, 1, &nfill, err)))
            goto fail;
        *time_ps = nfill ? NAN : v[0];
    }
    return CORE_OK;

fail:
    core_frame_release(f);
    return rc;
}
