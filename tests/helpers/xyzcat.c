/*
 * xyzcat: test-only program. Reads extended XYZ frames from a file argument or stdin and writes
 * them back with extxyz_write_frame to stdout, for the round-trip tests with ASE
 * (tests/cli/extxyz_ase.bats). On error prints `xyzcat: <msg>` to stderr, writes nothing to
 * stdout and exits 1.
 *
 * usage: xyzcat [FILE]
 */
#include <stdio.h>

#include "../../formats/extxyz.h"
#include "../../formats/stream.h"
#include "../../lib/core/core.h"

int
main(int argc, char **argv)
{
    struct stream_in in;
    struct stream_out out;
    struct core_frame f;
    struct core_err err;
    int got = 0, rc;

    if (argc > 2) {
        fprintf(stderr, "usage: xyzcat [FILE]\n");
        return CORE_EXIT_USAGE;
    }
    core_err_clear(&err);
    core_frame_init(&f);
    if ((rc = stream_in_open(&in, argc == 2 ? argv[1] : NULL, &err)))
        goto fail_in;
    if ((rc = stream_out_open(&out, NULL, 0, &err)))
        goto fail_out;
    for (;;) {
        if ((rc = extxyz_read_frame(&in, &f, &got, &err)) || !got)
            break;
        if ((rc = extxyz_write_frame(out.fp, &f, &err)))
            break;
    }
    if (!rc)
        rc = stream_out_commit(&out, &err);
    else
        stream_out_abort(&out);
fail_out:
    stream_in_close(&in);
fail_in:
    core_frame_release(&f);
    if (rc) {
        fprintf(stderr, "xyzcat: %s\n", err.msg);
        return core_exit_status(rc);
    }
    return CORE_EXIT_OK;
}
