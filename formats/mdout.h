/*
 * mdout: the result tables and metadata of an md-run run, written with formats/table.h:
 *
 *   thermo table     `# program`, `# potential`, `# dt`, `# seed`, `# thermostat`, `# chain`,
 *                    `# barostat`, then frame step time temp pe ke etot [press sxx .. sxy]
 *                    [econs] [heat_hot heat_cold] [lx ly lz] (units in the header)
 *   heat series      the same run keys, then the series of formats/hflux.h
 *   stress-strain    the run keys, `# tension`, `# strain_rate`, `# thickness`, then the
 *                    columns of md_tension_row (what fe-solve's NAME.curve reads)
 *   NEMD profile     the run keys, the set-up of the slabs, the results (also added to the
 *                    thermo table), then x T T_err per bin
 *
 * and the info keys (md_*) that record a run in the final extended-XYZ frame. Every real
 * number is written in its shortest form that reads back exactly (mdout_real). See
 * man/md-run.1 for the meaning of each key.
 *
 * Ownership: every FILE, struct and array is borrowed. Thread safety: no global state.
 * Errors: those of table_write_* (CORE_EIO) and core_frame_info_set (CORE_ENOMEM); CORE_ENOMEM.
 */
#ifndef FPMS_MDOUT_H
#define FPMS_MDOUT_H

#include <stdio.h>

#include "../lib/core/core.h"
#include "../lib/md/md.h"

/* The parameters of a run that the tables' metadata record, as md-run's options give them. */
struct mdout_meta {
    const char *potential; /* --potential, as given */
    double dt;             /* ps */
    int has_temp;          /* --temp given: the seed matters */
    unsigned long long seed;
    enum md_thermostat_kind thermostat;
    double temp, tdamp; /* K, ps */
    int nchain;         /* 0: the default MD_NHC_CHAIN */
    enum md_baro_kind baro;
    double press, pdamp, compress; /* GPa, ps, 1/GPa */
};

/* The shortest %g form of v that reads back exactly, into buf (32 bytes); returns buf. */
const char *mdout_real(char *buf, double v);

/* The metadata of the thermo table, of the heat series, and of the stress-strain table of a
 * tension along tdir (0, 1, 2 for x, y, z) at rate (1/ps). */
int mdout_thermo_meta(FILE *fp, const struct mdout_meta *m, struct core_err *err);
int mdout_heat_meta(FILE *fp, const struct mdout_meta *m, struct core_err *err);
int mdout_ss_meta(FILE *fp, const struct mdout_meta *m, int tdir, double rate,
                  struct core_err *err);

/* The header of the thermo table: the base columns, the stress if stress, econs if econs or
 * nemd, the slab heats if nemd, the cell's diagonal if cellmove. */
int mdout_thermo_header(FILE *fp, int stress, int econs, int cellmove, int nemd,
                        struct core_err *err);

/* The thickness (Angstrom) and header of the stress-strain table, before its first row. */
int mdout_ss_header(FILE *fp, double thick, struct core_err *err);

/* The heat series of h sampled in s: volume and, for a sheet (z not periodic), area when s has
 * a cell; the mean temperature; the header and the rows of formats/hflux.h. */
int mdout_heat_write(FILE *fp, const struct md_heat_buf *h, const struct md_sys *s,
                     struct core_err *err);

/* What the NEMD metadata records besides nm itself: block and equilibration times (ps), the
 * sheet thickness (Angstrom), the fit margin (fraction). */
struct mdout_nemd {
    double block, equil, thick, margin;
};

/*
 * The results of an NEMD run: the conductivity k and the ni interfaces ifc, into the info keys
 * of f (mdout_nemd_info), and into the profile table pf and the thermo table tf, either NULL
 * (mdout_nemd_write: pf gets the run keys and the set-up first, both the results, pf then the
 * temperature profile, bins empty in some block left out). s is the run's system.
 */
int mdout_nemd_info(struct core_frame *f, const struct md_nemd *nm, const struct md_nemd_kappa *k,
                    const struct md_nemd_iface *ifc, size_t ni, struct core_err *err);
int mdout_nemd_write(FILE *pf, FILE *tf, const struct mdout_meta *m, const struct mdout_nemd *q,
                     const struct md_nemd *nm, const struct md_sys *s,
                     const struct md_nemd_kappa *k, const struct md_nemd_iface *ifc, size_t ni,
                     struct core_err *err);

/*
 * The info keys that record the run r in its final frame f: md_steps (last, the steps taken)
 * and md_dt when steps > 0; md_temp and md_seed with m->has_temp; the thermostat's, the
 * barostat's and (tdir >= 0) the tension's kind, parameters, heats and strains.
 */
int mdout_run_info(struct core_frame *f, const struct mdout_meta *m, const struct md_run *r,
                   long steps, long last, int tdir, struct core_err *err);

/* Sets the info key of f to v in mdout_real's form. */
int mdout_info_set(struct core_frame *f, const char *key, double v, struct core_err *err);

#endif
