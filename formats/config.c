/*
 * config: format recognition and dispatch over the configuration readers. See config.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg.h"
#include "extxyz.h"
#include "nctraj.h"
#include "poscar.h"

static const struct {
    const char *name;
    enum config_fmt fmt;
} fmt_names[] = {
    {"auto", CONFIG_AUTO},     {"extxyz", CONFIG_EXTXYZ}, {"xyz", CONFIG_EXTXYZ},
    {"cfg", CONFIG_CFG},       {"poscar", CONFIG_POSCAR}, {"vasp", CONFIG_POSCAR},
    {"netcdf", CONFIG_NETCDF}, {"nc", CONFIG_NETCDF},
};

int
config_fmt_parse(const char *name, enum config_fmt *fmt, struct core_err *err)
{
    for (size_t i = 0; i < sizeof fmt_names / sizeof fmt_names[0]; i++) {
        if (strcmp(name, fmt_names[i].name) == 0) {
            *fmt = fmt_names[i].fmt;
            return CORE_OK;
        }
    }
    return core_err_set(err, CORE_EINPUT,
                        "unknown format '%s' (auto, extxyz, cfg, poscar or netcdf)", name);
}

const char *
config_fmt_name(enum config_fmt fmt)
{
    for (size_t i = 0; i < sizeof fmt_names / sizeof fmt_names[0]; i++)
        if (fmt_names[i].fmt == fmt)
            return fmt_names[i].name;
    return "unknown";
}

/* NetCDF classic (CDF\1, CDF\2, CDF\5) or NetCDF-4/HDF5 (\x89HDF) magic at the start of a file.
 * Only regular files are looked at: reading a FIFO (`<(cmd)`, /dev/stdin) would eat what the
 * text reader must see, and NetCDF cannot be read from a pipe anyway. */
static int
is_netcdf_file(const char *path)
{
    unsigned char magic[4] = {0};
    struct stat st;
    FILE *fp;
    size_t n;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    fp = fopen(path, "rb");
    if (!fp)
        return 0;
    n = fread(magic, 1, 4, fp);
    fclose(fp);
    if (n < 4)
        return 0;
    return (memcmp(magic, "CDF", 3) == 0 && (magic[3] == 1 || magic[3] == 2 || magic[3] == 5)) ||
           memcmp(magic, "\x89HDF", 4) == 0;
}

int
config_src_open(struct config_src *src, const char *path, enum config_fmt fmt,
                const struct core_species_map *map, struct core_err *err)
{
    int stdin_path = !path || strcmp(path, "-") == 0;

    memset(src, 0, sizeof *src);
    src->fmt = fmt;
    if (map) {
        src->map = *map;
        src->has_map = 1;
    }
    if (fmt == CONFIG_NETCDF || (fmt == CONFIG_AUTO && !stdin_path && is_netcdf_file(path))) {
        if (stdin_path)
            return core_err_set(err, CORE_EINPUT,
                                "<stdin>: NetCDF needs a file, not a pipe; give its name");
        src->fmt = CONFIG_NETCDF;
        return nctraj_open(path, &src->nc, err);
    }
    return stream_in_open(&src->in, path, err);
}

/* Recognises the format of the next frame from its first non-blank line. */
static int
recognise(struct stream_in *in, enum config_fmt *fmt, int *eof, struct core_err *err)
{
    const char *line;
    const char *p;
    int rc = stream_peekline(in, &line, err);

    *eof = 0;
    if (rc)
        return rc;
    if (!line) {
        *eof = 1;
        return CORE_OK;
    }
    p = line + strspn(line, " \t");
    if (strncmp(p, "BEGIN_CFG", 9) == 0) {
        *fmt = CONFIG_CFG;
        return CORE_OK;
    }
    /* extxyz: the line is one non-negative integer */
    {
        const char *q = p;
        while (isdigit((unsigned char)*q))
            q++;
        if (q > p && q[strspn(q, " \t")] == '\0') {
            *fmt = CONFIG_EXTXYZ;
            return CORE_OK;
        }
    }
    *fmt = CONFIG_POSCAR;
    return CORE_OK;
}

int
config_src_read(struct config_src *src, struct core_frame *f, int *got, struct core_err *err)
{
    enum config_fmt fmt = src->fmt;
    const struct core_species_map *map = src->has_map ? &src->map : NULL;
    int rc;

    *got = 0;
    if (fmt == CONFIG_NETCDF) {
        double time_ps;
        if (src->iframe >= nctraj_nframes(src->nc))
            return CORE_OK;
        rc = nctraj_read_frame(src->nc, src->iframe, f, &time_ps, err);
        if (rc)
            return rc;
        src->iframe++;
        *got = 1;
        return CORE_OK;
    }
    if (fmt == CONFIG_AUTO) {
        int eof;
        rc = recognise(&src->in, &fmt, &eof, err);
        if (rc || eof)
            return rc;
    }
    switch (fmt) {
    case CONFIG_EXTXYZ:
        rc = extxyz_read_frame(&src->in, f, got, err);
        break;
    case CONFIG_CFG:
        rc = cfg_read_frame(&src->in, map, f, got, err);
        break;
    case CONFIG_POSCAR:
        rc = poscar_read_frame(&src->in, map, f, got, err);
        break;
    default:
        return core_err_set(err, CORE_EINTERNAL, "config_src_read: format %d", (int)fmt);
    }
    if (!rc && *got)
        src->iframe++;
    return rc;
}

void
config_src_close(struct config_src *src)
{
    if (src->nc) {
        struct core_err ignored;
        nctraj_close(src->nc, 0, &ignored);
    } else {
        stream_in_close(&src->in);
    }
    memset(src, 0, sizeof *src);
}

int
config_write_frame(FILE *fp, enum config_fmt fmt, const struct core_species_map *map,
                   const struct core_frame *f, struct core_err *err)
{
    switch (fmt) {
    case CONFIG_AUTO:
    case CONFIG_EXTXYZ:
        return extxyz_write_frame(fp, f, err);
    case CONFIG_CFG:
        if (!map)
            return core_err_set(err, CORE_EINPUT, "writing .cfg needs a species map (--species)");
        return cfg_write_frame(fp, map, f, err);
    case CONFIG_POSCAR:
        return poscar_write_frame(fp, f, err);
    default:
        return core_err_set(err, CORE_EINPUT, "cannot write %s as a text stream",
                            config_fmt_name(fmt));
    }
}
