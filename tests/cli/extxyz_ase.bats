#!/usr/bin/env bats
# Extended XYZ round trips with ASE 3.22 (python3-ase), through the test-only program xyzcat
# (tests/helpers/xyzcat.c: read frames with extxyz_read_frame, write them with extxyz_write_frame).
# The ASE side is tests/cli/extxyz_ase.py: `gen` writes frames, `rewrite` reads and writes them
# with ASE, `compare` reads two files with ASE and checks every number (exactly, momenta and
# velocities included) and every key.

load helpers

setup() {
    ASEPY="$BATS_TEST_DIRNAME/extxyz_ase.py"
    cd "$BATS_TEST_TMPDIR"
}

# xyzcat, under valgrind when FPMS_VALGRIND is set (make valgrind), like fpms() in helpers.bash.
xyzcat() {
    if [ -n "$FPMS_VALGRIND" ]; then
        valgrind -q --error-exitcode=99 --leak-check=full \
            --suppressions="$FPMS_ROOT/tests/valgrind.supp" "$FPMS_HELPERS/xyzcat" "$@"
    else
        "$FPMS_HELPERS/xyzcat" "$@"
    fi
}

need_ase() {
    "$PY" -c 'import ase' 2>/dev/null || skip "ASE is not importable by $PY (install python3-ase)"
}

# A hand-written file in the syntax ASE reads: brace and bracket arrays, Voigt stress, a bare key,
# escaped quotes, a quoted key, `key = value`, force (not forces), Z beside species, lowercase
# species, tabs, CRLF, blank lines between frames and at the end. Per-atom reals have at most 8
# decimals, since ASE writes per-atom reals with %16.8f.
hand_written() {
    cat <<'EOF'
4
Lattice={4.25 0 0  0.5 5.125 0  -0.25 0.75 16.5} Properties="species:S:1:pos:R:3:force:R:3:Z:I:1:masses:R:1:momenta:R:3:tags:I:1:fixed:L:3:label:S:1:q:R:1" energy = -123.45678901234567 stress="0.0125 -0.0034 0.0071 0.00012 -0.00034 0.00056" virial=[1.5, 0.25, -0.125, 0.25, 2.5, 0.0625, -0.125, 0.0625, 3.5] pbc=[T, T, F] is_relaxed note="say \"hi\" to {x}" "quoted key"=v config_type=strain_x kpts={3 3 1}
si	0.12345678 1.23456789	8.25	0.01 -0.02 0.03	14	28.0855	0.5 -0.25 0.125	1	T T F	site_a	0.25
C 2.5 2.75 8.0 -0.1 0.2 -0.3 6 12.011 0.0 0.0 0.0 -2 F F F b -0.12345678
B 3.12345678 0.5 8.5 0.0 0.0 0.0 5 10.5 1.0 2.0 -3.0 0 T T T site_c 1.0
N 1.0 4.0 9.0 1.5 -1.5 0.5 7 14.007 -0.5 0.5 -0.5 99 F T F d 0.0

2
Properties=species:S:1:pos:R:3 energy=-14.5 comment="a molecule, no cell"
H 0.0 0.0 0.0
H 0.0 0.0 0.74


EOF
}

@test "ASE writes frames, xyzcat rewrites them, ASE reads the same numbers and keys" {
    need_ase
    run "$PY" "$ASEPY" gen ase.xyz
    assert_success
    run --separate-stderr xyzcat ase.xyz
    assert_success
    printf '%s\n' "$output" > ours.xyz
    run "$PY" "$ASEPY" compare ase.xyz ours.xyz
    assert_success
    # and our own output is a fixed point
    xyzcat ours.xyz > ours2.xyz
    cmp ours.xyz ours2.xyz
}

@test "hand-written extxyz: xyzcat, ASE read and write, xyzcat again gives the same frames" {
    need_ase
    hand_written | sed '3s/$/\r/' > hand.xyz
    xyzcat hand.xyz > c.xyz
    "$PY" "$ASEPY" rewrite c.xyz d.xyz
    xyzcat d.xyz > e.xyz
    run "$PY" "$ASEPY" compare c.xyz e.xyz
    assert_success
    # ASE keeps every value and key order, so our text comes back byte for byte
    cmp c.xyz e.xyz
}

@test "hand-written extxyz: what ASE reads from xyzcat's output" {
    need_ase
    hand_written > hand.xyz
    xyzcat hand.xyz > c.xyz
    run "$PY" - c.xyz <<'EOF'
import sys
import numpy as np
from ase.io import read
a, m = read(sys.argv[1], ':')
assert list(a.get_chemical_symbols()) == ['Si', 'C', 'B', 'N']
assert a.cell[2].tolist() == [-0.25, 0.75, 16.5], a.cell
assert a.pbc.tolist() == [True, True, False]
assert a.get_potential_energy() == -123.45678901234567
assert a.get_stress().tolist() == [0.0125, -0.0034, 0.0071, 0.00012, -0.00034, 0.00056]
assert a.get_forces()[0].tolist() == [0.01, -0.02, 0.03]
assert a.get_masses().tolist() == [28.0855, 12.011, 10.5, 14.007]
assert a.get_tags().tolist() == [1, -2, 0, 99]
v = a.get_velocities()[0] * a.get_masses()[0]
assert np.allclose(v, [0.5, -0.25, 0.125], rtol=1e-15, atol=0), v
assert a.info['is_relaxed'] is True
assert a.info['note'] == 'say "hi" to {x}'
assert a.info['quoted key'] == 'v'
assert a.info['config_type'] == 'strain_x'
assert a.info['kpts'].tolist() == [3, 3, 1]
assert a.info['virial'].T.ravel().tolist() == [1.5, 0.25, -0.125, 0.25, 2.5, 0.0625, -0.125, 0.0625, 3.5]
assert a.arrays['fixed'].tolist()[1] == [False, False, False]
assert a.arrays['label'].tolist() == ['site_a', 'b', 'site_c', 'd']
assert a.arrays['q'].tolist() == [0.25, -0.12345678, 1.0, 0.0]
assert 'Z' not in a.arrays and 'force' not in a.arrays
assert m.cell.rank == 0 and not m.pbc.any() and m.info['comment'] == 'a molecule, no cell'
print('ok')
EOF
    assert_success
    assert_output ok
}

@test "a concatenated stream (cat a.xyz b.xyz | xyzcat) is read frame after frame" {
    hand_written > b.xyz
    printf '1\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3\nAu 0 0 0\n' > a.xyz
    cat a.xyz b.xyz | xyzcat > both.xyz
    { xyzcat a.xyz; xyzcat b.xyz; } > each.xyz
    cmp both.xyz each.xyz
    [ "$(grep -c '^Properties=\|Properties=' both.xyz)" -eq 3 ]
}

@test "bad input: xyzcat exits 1 with xyzcat: name:line: and writes nothing" {
    printf '1\n\nH 0 0 0\n2\n\nC 0 0 0\nXx 1 1 1\n' > bad.xyz
    run -1 --separate-stderr xyzcat bad.xyz
    assert_equal "$stderr" "xyzcat: bad.xyz:7: unknown element 'Xx'"
    assert_equal "$output" ""
    run -1 --separate-stderr xyzcat < bad.xyz
    assert_equal "$stderr" "xyzcat: <stdin>:7: unknown element 'Xx'"
    assert_equal "$output" ""
}

@test "bad input: a truncated frame after a good one leaves stdout empty" {
    printf '1\n\nH 0 0 0\n3\n\nH 0 0 0\nH 1 1 1\n' > cut.xyz
    run -1 --separate-stderr xyzcat cut.xyz
    assert_equal "$stderr" "xyzcat: cut.xyz:7: truncated frame: expected 3 atoms, got 2"
    assert_equal "$output" ""
    printf '1\nLattice="1 0 0 0 1 0 0 0 nan"\nH 0 0 0\n' > nan.xyz
    run -1 --separate-stderr xyzcat nan.xyz
    [[ "$stderr" =~ ^xyzcat:\ nan\.xyz:2:\  ]]
    assert_equal "$output" ""
    run -1 --separate-stderr xyzcat no-such-file.xyz
    [[ "$stderr" =~ ^xyzcat:\ no-such-file\.xyz:\  ]]
}
