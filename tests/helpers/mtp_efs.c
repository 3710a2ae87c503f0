/*
 * mtp_efs: test-only evaluator of an MLIP .mtp potential on .cfg configurations, for
 * tests/cli/mtp_mlip.bats (what `mlp calc-efs` does, through lib/mtp and formats/mtp_file).
 *
 *   mtp_efs --species C,B [--compare REF.cfg] [--rtol X] [--repeat N] [--write POT.mtp]
 *           POT.mtp IN.cfg
 *
 * Default: writes every configuration of IN.cfg labelled with the potential's energy, forces
 * and PlusStress (the virial) to stdout as .cfg.
 * --compare REF.cfg: instead compares, configuration by configuration, with REF.cfg (MLIP's
 *   calc-efs output for the same input) and prints one line per quantity
 *     energy   max_rel R                   |dE| / |E_ref|
 *     forces   max_dev R max_rel Q         R = max |dF| / (|F_ref| + Fmax),
 *                                          Q = max |dF| / |F_ref| over |F_ref| >= 1e-3 Fmax
 *     stress   max_dev R max_rel Q         the same with the PlusStress components
 *   where Fmax is the largest |component| of the configuration's reference forces (PlusStress),
 *   but at least 1 eV/Angstrom (1 eV): a component near zero is measured on the scale of its
 *   configuration, and forces that vanish by symmetry (round-off, 1e-14) on the scale of 1.
 *   Exits 1 when any R or the energy's relative deviation exceeds --rtol (default 1e-9).
 * --repeat N: evaluates every configuration N times and prints to stderr the evaluation rate in
 *   atoms per second (energies, forces and virial, neighbour list included), and the CPU time
 *   per atom (all threads).
 * --write FILE: writes the potential back with mtp_file_write (round-trip checks).
 * On error prints `mtp_efs: <msg>` and exits 1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "../../formats/cfg.h"
#include "../../formats/mtp_file.h"
#include "../../formats/stream.h"
#include "../../lib/core/core.h"
#include "../../lib/mtp/mtp.h"

static int
usage(void)
{
    fputs("usage: mtp_efs --species LIST [--compare REF] [--rtol X] [--repeat N] [--write FILE] "
          "POT IN\n",
          stderr);
    return 1;
}

static double
now(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct worst {
    double dev, rel;
};

/* Folds the deviations of n values into w (scale: the configuration's largest |ref|, at least
 * floor). */
static void
fold(struct worst *w, const double *got, const double *ref, size_t n, double floor)
{
    double scale = floor;
    for (size_t k = 0; k < n; k++)
        if (fabs(ref[k]) > scale)
            scale = fabs(ref[k]);
    for (size_t k = 0; k < n; k++) {
        double d = fabs(got[k] - ref[k]);
        double dev = d / (fabs(ref[k]) + scale);
        if (!(dev <= w->dev))
            w->dev = isnan(dev) ? INFINITY : dev;
        if (fabs(ref[k]) >= 1e-3 * scale && d / fabs(ref[k]) > w->rel)
            w->rel = d / fabs(ref[k]);
    }
}

int
main(int argc, char **argv)
{
    const char *species = NULL, *ref_path = NULL, *write_path = NULL, *paths[2] = {NULL, NULL};
    double rtol = 1e-9;
    long repeat = 0;
    int npath = 0, rc = 0, got, gotref, status = 0;
    struct core_species_map map;
    struct core_err err;
    struct stream_in pin, in, rin;
    struct mtp_pot pot;
    struct mtp_work *w = NULL;
    struct core_frame f, r;
    int *type = NULL;
    size_t cap = 0, nframes = 0, natoms_total = 0;
    double e_rel = 0, t_eval = 0, t_cpu = 0;
    struct worst fw = {0, 0}, sw = {0, 0};

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--species") == 0 && i + 1 < argc)
            species = argv[++i];
        else if (strcmp(argv[i], "--compare") == 0 && i + 1 < argc)
            ref_path = argv[++i];
        else if (strcmp(argv[i], "--write") == 0 && i + 1 < argc)
            write_path = argv[++i];
        else if (strcmp(argv[i], "--rtol") == 0 && i + 1 < argc) {
            if (core_parse_double(argv[++i], &rtol))
                return usage();
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            if (core_parse_long(argv[++i], &repeat) || repeat < 1)
                return usage();
        } else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return usage();
        else if (npath < 2)
            paths[npath++] = argv[i];
        else
            return usage();
    }
    if (!species || npath != 2)
        return usage();
    core_err_clear(&err);
    if (core_species_map_parse(species, &map, &err)) {
        fprintf(stderr, "mtp_efs: %s\n", err.msg);
        return 1;
    }
    mtp_pot_init(&pot);
    core_frame_init(&f);
    core_frame_init(&r);
    memset(&in, 0, sizeof in);
    memset(&rin, 0, sizeof rin);
    if ((rc = stream_in_open(&pin, paths[0], &err)))
        goto out;
    rc = mtp_file_read(&pin, &pot, &err);
    stream_in_close(&pin);
    if (rc)
        goto out;
    if (write_path) {
        struct stream_out o;
        if ((rc = stream_out_open(&o, write_path, 0, &err)))
            goto out;
        rc = mtp_file_write(o.fp, &pot, &err);
        if (!rc)
            rc = stream_out_commit(&o, &err);
        else
            stream_out_abort(&o);
        if (rc)
            goto out;
    }
    if ((rc = mtp_work_alloc(&pot, &w, &err)))
        goto out;
    if ((rc = stream_in_open(&in, paths[1], &err)))
        goto out;
    if (ref_path && (rc = stream_in_open(&rin, ref_path, &err)))
        goto out;
    for (;;) {
        double energy, virial[9];
        rc = cfg_read_frame(&in, &map, &f, &got, &err);
        if (rc || !got)
            break;
        if (f.natoms > cap) {
            free(type);
            cap = f.natoms;
            type = malloc(cap * sizeof *type);
            if (!type) {
                rc = core_err_set(&err, CORE_ENOMEM, "out of memory");
                break;
            }
        }
        for (size_t i = 0; i < f.natoms; i++)
            type[i] = core_species_map_type(&map, f.z[i]);
        if ((rc = core_frame_want(&f, "forces", &err)))
            break;
        {
            long nrep = repeat ? repeat : 1;
            double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
            for (long k = 0; k < nrep && !rc; k++)
                rc = mtp_calc(&pot, w, f.natoms, type, f.pos, f.has_cell ? f.cell : NULL, f.pbc,
                              &energy, f.forces, virial, &err);
            t_eval += now(CLOCK_MONOTONIC) - t0;
            t_cpu += now(CLOCK_PROCESS_CPUTIME_ID) - c0;
            natoms_total += f.natoms * (size_t)nrep;
        }
        if (rc) {
            char msg[CORE_ERR_MSGLEN];
            snprintf(msg, sizeof msg, "%s", err.msg);
            core_err_set(&err, rc, "%s: configuration %zu: %s", paths[1], nframes + 1, msg);
            break;
        }
        nframes++;
        if (ref_path) {
            double plus[6], refp[6];
            rc = cfg_read_frame(&rin, &map, &r, &gotref, &err);
            if (rc)
                break;
            if (!gotref || r.natoms != f.natoms || !r.forces || !r.has_energy || !r.has_virial) {
                rc = core_err_set(&err, CORE_EINPUT,
                                  "%s: configuration %zu missing or without energy, forces and "
                                  "PlusStress",
                                  ref_path, nframes);
                break;
            }
            if (fabs(energy - r.energy) / fabs(r.energy) > e_rel)
                e_rel = fabs(energy - r.energy) / fabs(r.energy);
            fold(&fw, f.forces, r.forces, 3 * f.natoms, 1.0);
            /* PlusStress xx yy zz yz xz xy against W (eV) */
            plus[0] = virial[0], plus[1] = virial[4], plus[2] = virial[8];
            plus[3] = virial[5], plus[4] = virial[2], plus[5] = virial[1];
            refp[0] = r.virial[0], refp[1] = r.virial[4], refp[2] = r.virial[8];
            refp[3] = r.virial[5], refp[4] = r.virial[2], refp[5] = r.virial[1];
            fold(&sw, plus, refp, 6, 1.0);
        } else if (!repeat) {
            f.has_energy = 1;
            f.energy = energy;
            f.has_virial = 1;
            memcpy(f.virial, virial, sizeof virial);
            f.has_stress = 0;
            if ((rc = cfg_write_frame(stdout, &map, &f, &err)))
                break;
        }
    }
    if (!rc && ref_path) {
        rc = cfg_read_frame(&rin, &map, &r, &gotref, &err);
        if (!rc && gotref)
            rc = core_err_set(&err, CORE_EINPUT, "%s has more configurations than %s", ref_path,
                              paths[1]);
    }
    if (!rc && ref_path) {
        printf("configurations %zu\n", nframes);
        printf("energy max_rel %.3e\n", e_rel);
        printf("forces max_dev %.3e max_rel %.3e\n", fw.dev, fw.rel);
        printf("stress max_dev %.3e max_rel %.3e\n", sw.dev, sw.rel);
        if (!(e_rel <= rtol && fw.dev <= rtol && sw.dev <= rtol)) {
            fprintf(stderr, "mtp_efs: deviation from %s above %g\n", ref_path, rtol);
            status = 1;
        }
    }
    if (!rc && repeat)
        fprintf(stderr,
                "mtp_efs: %zu atom evaluations in %.3f s: %.4g atoms/s (%.3g us/atom); "
                "CPU time %.3g us/atom\n",
                natoms_total, t_eval, (double)natoms_total / t_eval,
                1e6 * t_eval / (double)natoms_total, 1e6 * t_cpu / (double)natoms_total);
out:
    if (in.fp)
        stream_in_close(&in);
    if (rin.fp)
        stream_in_close(&rin);
    free(type);
    core_frame_release(&f);
    core_frame_release(&r);
    mtp_work_free(w);
    mtp_pot_release(&pot);
#ifdef _OPENMP
    /* end the OpenMP worker threads, so that valgrind does not count their stacks as leaks */
    omp_pause_resource_all(omp_pause_hard);
#endif
    if (rc) {
        fprintf(stderr, "mtp_efs: %s\n", err.msg);
        return 1;
    }
    if (fflush(stdout) != 0)
        return 1;
    return status;
}
