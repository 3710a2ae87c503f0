#!/usr/bin/env bats
# Man pages are part of each tool (git's t0450 habit): every option in --help is documented,
# the usage line is the SYNOPSIS, the EXAMPLES run as written, mandoc finds nothing to say.
load helpers

tools() {
    for f in "$FPMS_ROOT"/cmd/*.c; do basename "$f" .c; done
}

@test "every tool has a man page that mandoc -Tlint accepts" {
    for t in $(tools); do
        [ -f "$FPMS_ROOT/man/$t.1" ] || { echo "no man/$t.1"; return 1; }
        run mandoc -Tlint -W warning "$FPMS_ROOT/man/$t.1"
        [ "$status" -eq 0 ] && [ -z "$output" ] || { echo "$t: $output"; return 1; }
    done
}

@test "every section 5 page passes mandoc -Tlint" {
    for p in "$FPMS_ROOT"/man/*.5; do
        [ -f "$p" ] || continue
        run mandoc -Tlint -W warning "$p"
        [ "$status" -eq 0 ] && [ -z "$output" ] || { echo "$p: $output"; return 1; }
    done
}

@test "every option of --help appears in the man page" {
    for t in $(tools); do
        run "$FPMS_BIN/$t" --help
        [ "$status" -eq 0 ]
        for o in $(printf '%s\n' "$output" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
            grep -q -- "^\.It .*Fl -${o#--}\b" "$FPMS_ROOT/man/$t.1" ||
                { echo "$t: $o not in man/$t.1 OPTIONS"; return 1; }
        done
    done
}

@test "every option in the man page exists in --help" {
    for t in $(tools); do
        run "$FPMS_BIN/$t" --help
        for o in $(grep -o '^\.It .*' "$FPMS_ROOT/man/$t.1" | grep -o 'Fl -[a-z][a-z0-9-]*' |
                   sed 's/Fl -/--/' | sort -u); do
            printf '%s\n' "$output" | grep -q -- "$o\b" || { echo "$t: $o only in the man page"; return 1; }
        done
    done
}

@test "the usage line is the man page SYNOPSIS" {
    for t in $(tools); do
        run "$FPMS_BIN/$t" --help
        usage=$(printf '%s\n' "$output" | head -1 | sed 's/^usage: //' | tr -s ' ')
        syn=$(mandoc -Tascii "$FPMS_ROOT/man/$t.1" | col -bx |
              sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | tr -s ' \n' ' ' |
              sed 's/^ //; s/ $//')
        [ "$usage" = "$syn" ] || { echo "$t: --help '$usage' vs SYNOPSIS '$syn'"; return 1; }
    done
}

@test "the man page EXAMPLES run as written" {
    for t in $(tools); do
        dir="$BATS_TEST_TMPDIR/$t"
        mkdir -p "$dir"
        sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$FPMS_ROOT/man/$t.1" | sed -n 's/^\.Dl //p' |
            sed 's/\\-/-/g; s/\\e/\\/g' > "$dir/examples.sh"
        [ -s "$dir/examples.sh" ] || { echo "$t: no examples"; return 1; }
        run bash -e -c "cd '$dir' && PATH='$FPMS_BIN':\$PATH && . ./examples.sh"
        [ "$status" -eq 0 ] || { echo "$t: examples failed: $output"; cat "$dir/examples.sh"; return 1; }
    done
}
