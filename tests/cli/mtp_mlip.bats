#!/usr/bin/env bats
# The MTP evaluator (lib/mtp, formats/mtp_file) against MLIP-2 itself, through the test-only
# program mtp_efs (tests/helpers/mtp_efs.c): the potentials pot_06/10/16.mtp that MLIP-2 trained,
# evaluated on every configuration of valid.cfg, must give MLIP's `mlp calc-efs` energies, forces
# and PlusStress (efs_valid_LL.cfg, written with %.16e) to 1e-9:
#   energy   |dE| <= 1e-9 |E|
#   forces   |dF| <= 1e-9 (|F| + Fmax), Fmax = max(1 eV/A, the configuration's largest |F|)
#   stress   the same with the PlusStress components and 1 eV
# (a component that vanishes by symmetry is round-off, ~1e-14, on both sides, so it is measured
# on the scale of its configuration). Measured: about 1e-13 for all three levels.
# The data are in the shared interop folder ($FPMS_ROOT/../shared/interop/mlip, see its
# README: species type 0 = C, type 1 = B); the tests skip when it is missing.

load helpers

setup() {
    MLIP=${FPMS_SHARED:-$FPMS_ROOT/../shared}/interop/mlip
    cd "$BATS_TEST_TMPDIR"
}

mtp_efs() {
    if [ -n "$FPMS_VALGRIND" ]; then
        valgrind -q --error-exitcode=99 --leak-check=full \
            --suppressions="$FPMS_ROOT/tests/valgrind.supp" "$FPMS_HELPERS/mtp_efs" "$@"
    else
        "$FPMS_HELPERS/mtp_efs" "$@"
    fi
}

need_mlip() {
    [ -f "$MLIP/efs_valid_$1.cfg" ] && [ -f "$MLIP/pot_$1.mtp" ] ||
        skip "no MLIP interop data in $MLIP"
}

compare_level() {
    need_mlip "$1"
    run mtp_efs --species C,B --rtol 1e-9 --compare "$MLIP/efs_valid_$1.cfg" \
        "$MLIP/pot_$1.mtp" "$MLIP/valid.cfg"
    echo "$output"
    assert_success
    assert_line "configurations 100"
}

@test "level 06: MLIP's energies, forces and PlusStress on valid.cfg to 1e-9" {
    compare_level 06
}

@test "level 10: MLIP's energies, forces and PlusStress on valid.cfg to 1e-9" {
    compare_level 10
}

@test "level 16: MLIP's energies, forces and PlusStress on valid.cfg to 1e-9" {
    compare_level 16
}

@test "the comparison fails when it should (a wrong reference)" {
    need_mlip 10
    run mtp_efs --species C,B --compare "$MLIP/efs_valid_06.cfg" "$MLIP/pot_10.mtp" \
        "$MLIP/valid.cfg"
    assert_failure
    assert_output --partial "deviation from"
}

@test "an MLIP potential written back reads identically and gives the same numbers" {
    need_mlip 16
    mtp_efs --species C,B --write a.mtp "$MLIP/pot_16.mtp" "$MLIP/valid.cfg" > a.cfg
    mtp_efs --species C,B --write b.mtp a.mtp "$MLIP/valid.cfg" > b.cfg
    cmp a.mtp b.mtp
    cmp a.cfg b.cfg
    # MLIP's own layout: the same lines apart from the extra digit of every real number
    diff <(grep -v '[0-9]e[-+]' "$MLIP/pot_16.mtp") <(grep -v '[0-9]e[-+]' a.mtp)
    run mtp_efs --species C,B --compare "$MLIP/efs_valid_16.cfg" a.mtp "$MLIP/valid.cfg"
    assert_success
}

@test "a labelled stream: the energies of valid.cfg as .cfg" {
    need_mlip 06
    run mtp_efs --species C,B "$MLIP/pot_06.mtp" "$MLIP/valid.cfg"
    assert_success
    [ "$(grep -c '^BEGIN_CFG' <<< "$output")" -eq 100 ]
    assert_line --partial "PlusStress:"
}

@test "a broken potential file: file:line: message, exit 1" {
    need_mlip 06
    sed 's/alpha_index_times_count = 5/alpha_index_times_count = 6/' "$MLIP/pot_06.mtp" > bad.mtp
    run --separate-stderr mtp_efs --species C,B bad.mtp "$MLIP/valid.cfg"
    assert_failure
    [[ "$stderr" == "mtp_efs: bad.mtp:29: alpha_index_times: 5 entries where 6 were announced" ]] ||
        { echo "stderr: $stderr"; false; }
}

@test "MLIP's calc-efs as a pipe: md-run --steps 0 | strain-gen -f cfg gives efs_valid_10.cfg to 1e-9" {
    need_mlip 10
    "$FPMS_BIN/md-run" -q -p "mtp:$MLIP/pot_10.mtp" -s C,B --steps 0 "$MLIP/valid.cfg" |
        "$FPMS_BIN/strain-gen" -f cfg --species C,B > efs.cfg
    [ "$(grep -c '^BEGIN_CFG' efs.cfg)" -eq 100 ]
    # every energy, force component and PlusStress component, in order, against MLIP's
    nums() {
        awk '/^ Energy/ { getline; print $1; next } /^ PlusStress/ { getline; for (i = 1; i <= 6; i++) print $i; next }
            /^ AtomData/ { a = 1; next } a && $1 ~ /^[0-9]+$/ { print $(NF - 2); print $(NF - 1); print $NF; next } { a = 0 }' "$1"
    }
    run paste <(nums efs.cfg) <(nums "$MLIP/efs_valid_10.cfg")
    awk '{ n++; d = $1 - $2; if (d < 0) d = -d; s = $2 < 0 ? -$2 : $2; if (d > 1e-9 * (s + 1)) { print "value " n ": " $1 " vs " $2; bad = 1 } }
        END { print n " values"; exit bad || n != 100 + 600 + 3 * 1896 }' <<< "$output"
}
