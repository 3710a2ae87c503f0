/*
 * nccat: test-only converter between extended XYZ and AMBER NetCDF trajectories, for the ASE
 * round-trip tests (tests/cli/nctraj_ase.bats).
 *
 *   nccat [-d] [-r] xyz2nc OUT.nc < frames.xyz    OUT "-" writes stdout
 *   nccat [-s C,B] nc2xyz IN.nc > frames.xyz
 *
 * xyz2nc stores what the first frame carries (velocities, forces, energy, stress); -d writes
 * double precision, -r rotates into the standard orientation. The time of a frame is its
 * `time` info key (ps) when present, else its index. nc2xyz writes `time=` (ps) when the file
 * has times; -s gives the elements of LAMMPS types 1..n.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../formats/extxyz.h"
#include "../../formats/nctraj.h"

static int
usage(void)
{
    fputs("usage: nccat [-d] [-r] xyz2nc OUT.nc < frames.xyz\n"
          "       nccat [-s C,B] nc2xyz IN.nc > frames.xyz\n",
          stderr);
    return 1;
}

static int
xyz2nc(const char *path, unsigned flags, struct core_err *err)
{
    struct stream_in in;
    struct core_frame f;
    struct nctraj *t = NULL;
    size_t iframe = 0;
    int rc, got;

    core_frame_init(&f);
    stream_in_attach(&in, stdin, "<stdin>");
    for (;;) {
        double time = (double)iframe;
        const char *ts;
        if ((rc = extxyz_read_frame(&in, &f, &got, err)) || !got)
            break;
        if (!t && (rc = nctraj_create(path, f.natoms, flags | nctraj_frame_flags(&f), &t, err)))
            break;
        ts = core_frame_info_get(&f, "time");
        if (ts && core_parse_double(ts, &time) != CORE_OK) {
            rc = core_err_set(err, CORE_EINPUT, "<stdin>: frame %zu: bad time '%s'", iframe, ts);
            break;
        }
        if ((rc = nctraj_write_frame(t, &f, time, err)))
            break;
        iframe++;
    }
    if (rc == CORE_OK && !t)
        rc = core_err_set(err, CORE_EINPUT, "<stdin>: no frames");
    if (t) {
        int rc2 = nctraj_close(t, rc == CORE_OK, rc ? NULL : err);
        if (rc == CORE_OK)
            rc = rc2;
    }
    stream_in_close(&in);
    core_frame_release(&f);
    return rc;
}

static int
nc2xyz(const char *path, const struct core_species_map *map, struct core_err *err)
{
    struct nctraj *t;
    struct core_frame f;
    int rc = nctraj_open(path, &t, err);

    if (rc)
        return rc;
    if (map)
        nctraj_species_set(t, map);
    core_frame_init(&f);
    for (size_t i = 0; i < nctraj_nframes(t) && rc == CORE_OK; i++) {
        double time;
        char buf[40];
        if ((rc = nctraj_read_frame(t, i, &f, &time, err)))
            break;
        if (!isnan(time)) {
            snprintf(buf, sizeof buf, "%.17g", time);
            if ((rc = core_frame_info_set(&f, "time", buf, err)))
                break;
        }
        rc = extxyz_write_frame(stdout, &f, err);
    }
    core_frame_release(&f);
    nctraj_close(t, 0, NULL);
    if (rc == CORE_OK && (fflush(stdout) != 0 || ferror(stdout)))
        rc = core_err_set(err, CORE_EIO, "<stdout>: write error");
    return rc;
}

int
main(int argc, char **argv)
{
    struct core_species_map map;
    struct core_err err;
    unsigned flags = 0;
    int opt, has_map = 0, rc;

    core_err_clear(&err);
    while ((opt = getopt(argc, argv, "drs:")) != -1) {
        if (opt == 'd')
            flags |= NCTRAJ_DOUBLE;
        else if (opt == 'r')
            flags |= NCTRAJ_REORIENT;
        else if (opt == 's') {
            if (core_species_map_parse(optarg, &map, &err)) {
                fprintf(stderr, "nccat: %s\n", err.msg);
                return 1;
            }
            has_map = 1;
        } else
            return usage();
    }
    if (argc - optind != 2)
        return usage();
    if (strcmp(argv[optind], "xyz2nc") == 0)
        rc = xyz2nc(argv[optind + 1], flags, &err);
    else if (strcmp(argv[optind], "nc2xyz") == 0)
        rc = nc2xyz(argv[optind + 1], has_map ? &map : NULL, &err);
    else
        return usage();
    if (rc) {
        fprintf(stderr, "nccat: %s\n", err.msg);
        return core_exit_status(rc);
    }
    return 0;
}
