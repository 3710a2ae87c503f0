#!/usr/bin/env bats
# Style is not argued in review (STYLE.md): the format, the include boundaries and the man pages
# are checked here, so `make check` (and CI) fails on a slip.
load helpers

@test "every C source and header is clang-formatted" {
    command -v clang-format > /dev/null || skip "clang-format is not installed"
    cd "$FPMS_ROOT"
    files=$(ls cmd/*.c lib/*/*.c lib/*/*.h formats/*.c formats/*.h tests/unit/*.c tests/helpers/*.c tests/tap.h)
    run clang-format --dry-run -Werror $files
    [ "$status" -eq 0 ] || { echo "$output" | head -20; return 1; }
}

@test "private *_impl.h headers stay inside their module" {
    cd "$FPMS_ROOT"
    run grep -n '#include ".*_impl.h"' cmd/*.c formats/*.c formats/*.h tests/helpers/*.c
    [ "$status" -eq 1 ] || { echo "$output"; return 1; }
}

@test "lib/ does no file I/O: no fopen, printf or exit there" {
    cd "$FPMS_ROOT"
    run grep -nE '\b(fopen|printf|fprintf|puts|exit|abort)\(' lib/*/*.c
    [ "$status" -eq 1 ] || { echo "$output"; return 1; }
}
