# Shared set-up of the BATS tests: bats-support and bats-assert from Debian, paths to the tools.
bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

FPMS_ROOT=${FPMS_ROOT:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
FPMS_BIN=${FPMS_BIN:-$FPMS_ROOT/bin}
FPMS_HELPERS=${FPMS_HELPERS:-$FPMS_ROOT/build/tests/helpers/bin}
PATH="$FPMS_BIN:$PATH"
# Debian's python3 has python3-ase; a pyenv python3 earlier on PATH does not.
PY=/usr/bin/python3

# Runs a tool under valgrind when FPMS_VALGRIND is set (make valgrind).
fpms() {
    if [ -n "$FPMS_VALGRIND" ]; then
        valgrind -q --error-exitcode=99 --leak-check=full \
            --suppressions="$FPMS_ROOT/tests/valgrind.supp" "$FPMS_BIN/$@"
    else
        "$FPMS_BIN/$@"
    fi
}

# An error message must name the tool and a place: `tool: file:line: what`.
assert_tool_error() {
    local tool=$1
    [[ "$stderr" =~ ^$tool:\ .+ ]] || { echo "stderr: $stderr"; return 1; }
    [ -z "$output" ] || { echo "stdout not empty: $output"; return 1; }
}
