#!/usr/bin/env bats
# MLIP .cfg and VASP POSCAR against real files and ASE 3.22, through the test-only program
# cfgconv (tests/helpers/cfgconv.c: cfg_read_frame / poscar_read_frame, then cfg_write_frame,
# poscar_write_frame, or a minimal extended XYZ that ASE reads).
#
# The .cfg data are MLIP-2's own files in the shared interop folder ($FPMS_ROOT/../shared/
# interop/mlip, see its README: type 0 = C, type 1 = B); every .xyz there is the same data
# written by ASE. The tests skip when that folder or ASE is missing.

load helpers

setup() {
    MLIP=${FPMS_SHARED:-$FPMS_ROOT/../shared}/interop/mlip
    cd "$BATS_TEST_TMPDIR"
}

# cfgconv, under valgrind when FPMS_VALGRIND is set (make valgrind), like fpms() in helpers.bash.
cfgconv() {
    if [ -n "$FPMS_VALGRIND" ]; then
        valgrind -q --error-exitcode=99 --leak-check=full \
            --suppressions="$FPMS_ROOT/tests/valgrind.supp" "$FPMS_HELPERS/cfgconv" "$@"
    else
        "$FPMS_HELPERS/cfgconv" "$@"
    fi
}

need_mlip() {
    [ -f "$MLIP/train.cfg" ] || skip "no MLIP interop data in $MLIP"
}

need_ase() {
    "$PY" -c 'import ase' 2>/dev/null || skip "ASE is not importable by $PY (install python3-ase)"
}

# compare_ase REF OURS: both read by ASE; species, pbc, cell, positions, energy, forces, stress
# and conf_id must agree. The .cfg and the .xyz print the same digits, so positions, cell,
# energy and forces agree exactly; the stress is -PlusStress / V on both sides, computed once
# by the data's writer and once by us, so it agrees to rounding (1e-14 of its largest entry).
# A wrong sign or a missing volume factor would be off by 100 % or by a factor V.
compare_ase() {
    "$PY" - "$1" "$2" <<'EOF'
import sys
import numpy as np
import ase.io
ref = ase.io.read(sys.argv[1], index=":")
ours = ase.io.read(sys.argv[2], index=":")
assert len(ref) == len(ours), (len(ref), len(ours))
worst = dict(pos=0.0, cell=0.0, energy=0.0, forces=0.0, stress=0.0)
for i, (a, b) in enumerate(zip(ref, ours)):
    assert a.get_chemical_symbols() == b.get_chemical_symbols(), i
    assert (a.pbc == b.pbc).all(), i
    if "conf_id" in a.info:
        assert a.info["conf_id"] == b.info["conf_id"], (i, a.info["conf_id"], b.info["conf_id"])
    worst["pos"] = max(worst["pos"], np.abs(a.positions - b.positions).max())
    worst["cell"] = max(worst["cell"], np.abs(a.cell[:] - b.cell[:]).max())
    assert (a.calc is None) == (b.calc is None), i
    if a.calc is None:  # an unlabelled set (qe_candidates)
        continue
    worst["energy"] = max(worst["energy"], abs(a.get_potential_energy() - b.get_potential_energy()))
    worst["forces"] = max(worst["forces"], np.abs(a.get_forces() - b.get_forces()).max())
    sa, sb = a.get_stress(voigt=False), b.get_stress(voigt=False)
    scale = np.abs(sa).max()
    assert scale > 0, i
    worst["stress"] = max(worst["stress"], np.abs(sa - sb).max() / scale)
print(len(ref), "frames; worst:", worst)
assert worst["pos"] == 0 and worst["cell"] == 0 and worst["energy"] == 0, worst
assert worst["forces"] == 0, worst
assert worst["stress"] < 1e-14, worst
EOF
}

@test "train.cfg with --species C,B equals train.xyz read by ASE: cell, positions, E, F, stress sign" {
    need_mlip
    need_ase
    run --separate-stderr cfgconv --species C,B --to xyzsimple "$MLIP/train.cfg"
    assert_success
    [ -z "$stderr" ]
    printf '%s\n' "$output" > train.xyz
    run compare_ase "$MLIP/train.xyz" train.xyz
    assert_success
    assert_output --partial "300 frames"
}

@test "valid, candidates and the QE set agree with their .xyz too" {
    need_mlip
    need_ase
    for set in valid candidates qe_train qe_candidates; do
        cfgconv --species C,B --to xyzsimple "$MLIP/$set.cfg" > "$set.xyz"
        run compare_ase "$MLIP/$set.xyz" "$set.xyz"
        assert_success
    done
}

@test "every MLIP .cfg round-trips: same tokens, same numbers bit for bit, a fixed point" {
    need_mlip
    for f in "$MLIP"/*.cfg; do
        b=$(basename "$f")
        cfgconv --species C,B < "$f" > "$b.1"
        cfgconv --species C,B < "$b.1" > "$b.2"
        cmp "$b.1" "$b.2"
        run "$PY" - "$f" "$b.1" <<'EOF'
import sys
def tokens(path):
    with open(path) as fh:
        return fh.read().split()
a, b = tokens(sys.argv[1]), tokens(sys.argv[2])
assert len(a) == len(b), (sys.argv[1], len(a), len(b))
for x, y in zip(a, b):
    try:
        fx, fy = float(x), float(y)
    except ValueError:
        assert x == y, (x, y)
        continue
    assert fx == fy, (x, y)
print(len(a), "tokens equal")
EOF
        assert_success
    done
}

@test "MLIP features survive: EFS_by, conf_id, MV_grade, ID, in their order" {
    need_mlip
    cfgconv --species C,B "$MLIP/graded_candidates_10.cfg" > graded.cfg
    run grep -c -P '^ Feature   MV_grade\t[0-9.]+$' graded.cfg
    assert_output 100
    run sh -c "grep -m3 Feature graded.cfg | awk '{print \$2}' | tr '\n' ' '"
    assert_output "EFS_by MV_grade conf_id "
    cfgconv --species C,B "$MLIP/select_add_active_set_10.cfg" > active.cfg
    run grep -c -P '^ Feature   ID\t-1$' active.cfg
    [ "$output" -gt 0 ]
}

@test "cfgconv without --species: file:line error, exit 1, nothing on stdout" {
    need_mlip
    run -1 --separate-stderr cfgconv "$MLIP/train.cfg"
    [ -z "$output" ]
    [[ "$stderr" =~ ^cfgconv:\ .*train.cfg:1:\ MLIP\ .cfg\ stores\ atom\ types.*--species ]]
}

@test "a type outside the species map names its line" {
    need_mlip
    line=$(awk '/AtomData/ {a = 1; next} a && $2 == 1 {print NR; exit}' "$MLIP/train.cfg")
    run -1 --separate-stderr cfgconv --species C "$MLIP/train.cfg"
    [ -z "$output" ]
    [ "$stderr" = "cfgconv: $MLIP/train.cfg:$line: AtomData: type 1 but the species map has 1 species (types 0..0)" ]
}

@test "a truncated .cfg: error on stdin's last line, no output" {
    need_mlip
    head -n 10 "$MLIP/train.cfg" > cut.cfg
    run -1 --separate-stderr cfgconv --species C,B < cut.cfg
    [ -z "$output" ]
    [ "$stderr" = "cfgconv: <stdin>:10: unexpected end of input in AtomData: 2 of 4 atom lines read" ]
}

@test "POSCAR written by ASE (VASP 5 direct and Cartesian, VASP 4) reads as ASE reads it" {
    need_mlip
    need_ase
    run "$PY" - "$MLIP/train.xyz" <<'EOF'
import sys
import ase.io
frames = ase.io.read(sys.argv[1], index=":")
# a mixed B/C cell, a boron sheet, a strained graphene cell
pick = [a for a in frames if set(a.get_chemical_symbols()) == {"B", "C"}][3]
boron = [a for a in frames if set(a.get_chemical_symbols()) == {"B"}][2]
ase.io.write("direct.vasp", pick, format="vasp", direct=True, vasp5=True)
ase.io.write("cart.vasp", boron, format="vasp", direct=False, vasp5=True)
ase.io.write("v4.vasp", pick, format="vasp", direct=True, vasp5=False, sort=True)
EOF
    assert_success
    for f in direct cart; do
        cfgconv --from poscar --to xyzsimple $f.vasp > $f.xyz
    done
    cfgconv --species B,C --from poscar --to xyzsimple v4.vasp > v4.xyz
    run "$PY" - <<'EOF'
import numpy as np
import ase.io
for f in ["direct", "cart", "v4"]:
    a = ase.io.read(f + ".vasp", format="vasp")
    b = ase.io.read(f + ".xyz")
    assert a.get_chemical_symbols() == b.get_chemical_symbols(), f
    assert np.abs(a.cell[:] - b.cell[:]).max() == 0, f
    d = np.abs(a.positions - b.positions).max()
    assert d < 1e-13, (f, d)
    print(f, "ok", d)
EOF
    assert_success
}

@test "POSCAR written by cfgconv reads in ASE as the frame of train.xyz, exactly" {
    need_mlip
    need_ase
    awk '/BEGIN_CFG/ {n++} n == 151' "$MLIP/train.cfg" > one.cfg
    run --separate-stderr cfgconv --species C,B --to poscar one.cfg
    assert_success
    printf '%s\n' "$output" > POSCAR
    run "$PY" - "$MLIP/train.xyz" <<'EOF'
import sys
import numpy as np
import ase.io
ref = ase.io.read(sys.argv[1], index=150)
a = ase.io.read("POSCAR", format="vasp")
assert a.get_chemical_symbols() == ref.get_chemical_symbols()
assert (a.cell[:] == ref.cell[:]).all()
assert (a.positions == ref.positions).all()
print("exact")
EOF
    assert_success
    assert_output exact
    run -1 --separate-stderr cfgconv --species C,B --to poscar "$MLIP/qe_train.cfg"
    [ "$stderr" = "cfgconv: $MLIP/qe_train.cfg: more than one frame for a POSCAR" ]
}

@test "a POSCAR element outside the species map cannot be written as .cfg" {
    printf 'Si\n5.43\n0 .5 .5\n.5 0 .5\n.5 .5 0\nSi\n2\nDirect\n0 0 0\n.25 .25 .25\n' > POSCAR
    run -1 --separate-stderr cfgconv --species C,B --from poscar --to cfg POSCAR
    [ -z "$output" ]
    [ "$stderr" = "cfgconv: atom 1: element 'Si' is not in the species map (2 species)" ]
    run --separate-stderr cfgconv --species C,B,Si --from poscar --to cfg POSCAR
    assert_success
    assert_output --partial " Supercell"
}
