#!/usr/bin/env bats
# dft-ecut: convergence with the plane-wave cutoff behaves as ABINIT's. Silicon of
# tests/ref/dft-scf/si-lda (LDA Teter Pade, GTH-PADE-q4, a = 10.26 bohr) on the 2x2x2 mesh
# shifted by 1/2 (si-lda-small's k-points, no symmetry beyond time reversal) at ecut 10, 15, 20,
# 25 and 30 Ha: every E(ecut) - E(30 Ha) within 1e-6 Ha of ABINIT 9.6.2's
# (tests/ref/dft-scf/si-ecut: abinit.in, expected.txt, PROVENANCE, regen.sh). About 15 s.
load helpers

setup() {
    cd "$BATS_TEST_TMPDIR"
    [ -r /usr/share/cp2k/GTH_POTENTIALS ] || skip "cp2k-data (GTH_POTENTIALS) not installed"
    strain-gen -b diamond -e Si -a 10.26bohr > si.xyz
    REF=$FPMS_ROOT/tests/ref/dft-scf/si-ecut/expected.txt
}

# total[Ha] of the report's first data row
total() {
    awk '/^#  /{for (i = 2; i <= NF; i++) if ($i == "total[Ha]") k = i - 1; next}
         !/^#/ && k {print $k; exit}' "$1"
}

@test "E(ecut) - E(30 Ha) agrees with ABINIT to 1e-6 Ha at 10, 15, 20, 25 Ha" {
    for e in 10 15 20 25 30; do
        run -0 --separate-stderr fpms dft-scf --nosym --ecut "$e" --kpts 2,2,2 --kshift 0.5 \
            --psp Si=GTH-PADE-q4 --report "r$e.tsv" -o /dev/null si.xyz
        echo "$stderr"
        [ -z "$output" ]
        echo "$e $(total "r$e.tsv")" >> ours.txt
    done
    cat ours.txt
    run -0 "$PY" - "$REF" ours.txt <<'PY'
import sys
ref = {float(w[0]): float(w[2]) for w in
       (l.split() for l in open(sys.argv[1]) if not l.startswith("#"))}
ours = {float(w[0]): float(w[1]) for w in (l.split() for l in open(sys.argv[2]))}
assert sorted(ref) == sorted(ours) == [10, 15, 20, 25, 30], (sorted(ref), sorted(ours))
worst = 0
for e in sorted(ours):
    d_ours, d_ref = ours[e] - ours[30], ref[e] - ref[30]
    print("ecut %g: E - E(30) fpms %.10f ABINIT %.10f diff %.2e" % (e, d_ours, d_ref, d_ours - d_ref))
    worst = max(worst, abs(d_ours - d_ref))
    # the totals themselves: 1e-6 Ha per atom (two atoms), the issue's demand for si-lda
    assert abs(ours[e] - ref[e]) < 2e-6, (e, ours[e], ref[e])
# the energy falls as the basis grows (variational), by the same steps
for lo, hi in zip(sorted(ours), sorted(ours)[1:]):
    assert ours[hi] < ours[lo], (lo, hi)
assert worst < 1e-6, worst
PY
    echo "$output"
}

@test "the reference itself: ABINIT's differences fall with the cutoff, E(30) - E(30) = 0" {
    run -0 "$PY" - "$REF" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if not l.startswith("#")]
d = [float(r[3]) for r in rows]
assert [float(r[0]) for r in rows] == [10, 15, 20, 25, 30]
assert d[-1] == 0 and all(a > b for a, b in zip(d, d[1:])), d
assert abs(d[0] - 0.0062939108657) < 1e-9, d[0]
PY
}
