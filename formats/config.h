/*
 * config: read and write streams of configurations in any format fpms speaks, recognised by
 * content (DESIGN.md): extended XYZ (a first line that is an atom count), MLIP .cfg
 * (BEGIN_CFG), VASP POSCAR/CONTCAR (anything else), and AMBER NetCDF trajectories (a file whose
 * first bytes are the NetCDF magic; NetCDF needs a seekable file, not a pipe).
 *
 * A stream may change format between frames (`cat a.xyz b.cfg` works); each frame is recognised
 * on its own first non-blank line.
 *
 * Ownership: struct config_src is caller-owned; config_src_close releases what it holds.
 * Frames read are written into a caller-owned core_frame. Not thread safe per object.
 */
#ifndef FPMS_CONFIG_H
#define FPMS_CONFIG_H

#include <stdio.h>

#include "../lib/core/core.h"
#include "stream.h"

enum config_fmt {
    CONFIG_AUTO = 0,
    CONFIG_EXTXYZ,
    CONFIG_CFG,
    CONFIG_POSCAR,
    CONFIG_NETCDF,
};

struct nctraj;

struct config_src {
    struct stream_in in;
    enum config_fmt fmt;         /* CONFIG_AUTO: recognise each frame by content */
    struct core_species_map map; /* for .cfg types and VASP 4 POSCAR */
    int has_map;
    struct nctraj *nc; /* when the file is NetCDF */
    size_t iframe;     /* frames read so far */
};

/* Parses a format name: "auto", "extxyz" (or "xyz"), "cfg", "poscar" (or "vasp"), "netcdf"
 * (or "nc"). CORE_EINPUT for anything else. */
int config_fmt_parse(const char *name, enum config_fmt *fmt, struct core_err *err);

/* Name of a format, as config_fmt_parse takes it. */
const char *config_fmt_name(enum config_fmt fmt);

/*
 * Opens path ("-" or NULL: stdin) for reading frames in format fmt (CONFIG_AUTO to recognise).
 * map may be NULL (no species map: .cfg input is then refused by its reader).
 */
int config_src_open(struct config_src *src, const char *path, enum config_fmt fmt,
                    const struct core_species_map *map, struct core_err *err);

/* Reads the next frame into f; *got = 0 at end of input. */
int config_src_read(struct config_src *src, struct core_frame *f, int *got, struct core_err *err);

void config_src_close(struct config_src *src);

/* Writes one frame in fmt (extxyz, cfg or poscar; CONFIG_AUTO means extxyz). map is needed for
 * cfg. */
int config_write_frame(FILE *fp, enum config_fmt fmt, const struct core_species_map *map,
                       const struct core_frame *f, struct core_err *err);

#endif
