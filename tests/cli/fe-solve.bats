#!/usr/bin/env bats
# fe-solve: closed forms through the command line, every option and every error path.
# The meshes in tests/cli/fe/ were made by fe-mesh (see its README), so no Gmsh is needed here.
load helpers

setup() {
    cd "$BATS_TEST_TMPDIR"
    cp "$FPMS_ROOT/tests/cli/fe/stripes.msh" "$FPMS_ROOT/tests/cli/fe/tilted.msh" .
    printf '%s\n' '# layers' 'matrix.k = 100' 'inclusion.k = 10, 40, 0' \
        'matrix/inclusion.G = 1e9' > mat.txt
}

# rel GOT WANT TOL: |GOT - WANT| <= TOL |WANT|
rel() {
    awk -v g="$1" -v w="$2" -v t="$3" 'BEGIN { d = g - w; if (d < 0) d = -d;
        a = w < 0 ? -w : w; if (d <= t * a) exit 0; print "got " g " want " w; exit 1 }'
}

# calc EXPR: the value of an awk expression with 17 digits
calc() {
    awk "BEGIN { printf \"%.17g\", $1 }"
}

# the last line of the table, field N
field() {
    tail -1 | awk -v n="$1" '{ print $n }'
}

# a failed run: exit 1, `fe-solve: ` on stderr, nothing on stdout, no output files
failed() {
    [[ "$stderr" =~ ^fe-solve:\  ]] || { echo "stderr: $stderr"; return 1; }
    [ -z "$output" ] || { echo "stdout: $output"; return 1; }
    [ ! -e out.tsv ] && [ ! -e out.vtu ] || { echo "an output file was left"; return 1; }
}

@test "--help lists every option and exits 0" {
    run -0 --separate-stderr fpms fe-solve --help
    [[ "${lines[0]}" == "usage: fe-solve --heat -m FILE [options] [MESH]" ]]
    for o in heat materials bc unit vtu solver rtol tol output progress quiet verbose help version; do
        [[ "$output" == *"--$o"* ]] || { echo "no --$o"; return 1; }
    done
    [ -z "$stderr" ]
}

@test "--version names fpms" {
    run -0 fpms fe-solve --version
    [[ "$output" =~ ^fpms\ [0-9]+\.[0-9]+\ \(git\  ]]
}

@test "an unknown option is a usage error" {
    run -1 --separate-stderr fpms fe-solve --frobnicate
    [[ "$stderr" == *"usage: fe-solve"* ]]
    failed
}

@test "periodic: series kxx and parallel kyy of a layered cell, exactly" {
    run -0 --separate-stderr fpms fe-solve --heat -m mat.txt stripes.msh
    # kxx = 100 nm / (50/100 + 50/10 + 2 x 1) nm m K/W; kyy = (100 + 40)/2
    rel "$(printf '%s\n' "$output" | field 1)" 13.333333333333333 1e-9
    rel "$(printf '%s\n' "$output" | field 2)" 70 1e-9
    awk -v x="$(printf '%s\n' "$output" | field 3)" 'BEGIN { exit !(x < 1e-8 && x > -1e-8) }'
    [[ "$output" == *"# bc = periodic"* ]]
    [[ "$output" == *"kxx[W/(m*K)]"*"kyy[W/(m*K)]"*"kxy[W/(m*K)]"* ]]
    [[ "$output" == *"# phase.2 = inclusion"* ]]
}

@test "slab: the same from a temperature difference" {
    run -0 --separate-stderr fpms fe-solve --heat -m mat.txt -b slab stripes.msh
    rel "$(printf '%s\n' "$output" | field 1)" 13.333333333333333 1e-9
    rel "$(printf '%s\n' "$output" | field 2)" 70 1e-9
    [[ "$output" == *"# bc = slab"* ]]
}

@test "--unit scales the interface term: 2nm and 20A agree, G = 1e9 over 200 nm" {
    run -0 --separate-stderr fpms fe-solve --heat -m mat.txt --unit 2nm stripes.msh
    rel "$(printf '%s\n' "$output" | field 1)" "$(calc '200 / (100/100 + 100/10 + 2)')" 1e-9
    a=$(printf '%s\n' "$output" | tail -1)
    run -0 --separate-stderr fpms fe-solve --heat -m mat.txt -u 20A stripes.msh
    [ "$(printf '%s\n' "$output" | tail -1)" = "$a" ]
}

@test "R is 1/G; G = inf is perfect contact" {
    printf '%s\n' 'matrix.k = 100' 'inclusion.k = 10, 40, 0' 'matrix/inclusion.R = 1e-9' > r.txt
    run -0 --separate-stderr fpms fe-solve --heat -m r.txt stripes.msh
    rel "$(printf '%s\n' "$output" | field 1)" 13.333333333333333 1e-9
    printf '%s\n' 'matrix.k = 100' 'inclusion.k = 10' 'matrix/inclusion.G = inf' > inf.txt
    run -0 --separate-stderr fpms fe-solve --heat -m inf.txt stripes.msh
    rel "$(printf '%s\n' "$output" | field 1)" "$(calc '100 / (50/100 + 50/10)')" 1e-9
}

@test "thickness: a global one cancels; phases of their own are weighted" {
    printf '%s\n' 'thickness = 3.35A' 'matrix.k = 100' 'inclusion.k = 10, 40, 0' \
        'matrix/inclusion.G = 1e9' > t1.txt
    run -0 --separate-stderr fpms fe-solve --heat -m t1.txt stripes.msh
    rel "$(printf '%s\n' "$output" | field 1)" 13.333333333333333 1e-9
    [[ "$output" == *"# thickness = 3.35 A"* ]]
    # sheet: R = 50/(100 tA) + 50/(10 tB) + 2/(1 min(tA, tB)) (nm, per 1e9), k = 100/R/tref
    printf '%s\n' 'matrix.k = 100' 'matrix.thickness = 0.2nm' 'inclusion.k = 10' \
        'inclusion.thickness = 4A' 'matrix/inclusion.G = 1e9' > t2.txt
    run -0 --separate-stderr fpms fe-solve --heat -m t2.txt stripes.msh
    rel "$(printf '%s\n' "$output" | field 1)" \
        "$(calc '100 / (50/(100*2) + 50/(10*4) + 2/2) / 3')" 1e-9
    [[ "$output" == *"# thickness = 3 A"* ]]
}

@test "given: fixed temperatures and a flux balance; mean temperatures" {
    printf '%s\n' 'matrix.k = 100' 'inclusion.k = 10' 'matrix/inclusion.G = 1e9' \
        'left.T = 310' 'right.T = 300' 'top.q = 1e8' > bc.txt
    run -0 --separate-stderr fpms fe-solve --heat -m bc.txt --bc given stripes.msh
    [[ "$output" == *"group"*"Q[W/m]"*"T[K]"*"length[m]"* ]]
    [[ "$output" == *"# group.4 = left"* ]]
    printf '%s\n' "$output" | grep -v '^#' > rows
    [ "$(wc -l < rows)" -eq 3 ]
    # Q in through left + right + top = 0; top brings q L = 1e8 x 1e-7 = 10 W/m
    awk '{ s += $2 } END { exit !(s < 1e-6 && s > -1e-6) }' rows
    rel "$(awk '$1 == 7 { print $2 }' rows)" 10 1e-12
    rel "$(awk '$1 == 4 { print $3 }' rows)" 310 1e-12
    rel "$(awk '$1 == 5 { print $4 }' rows)" 5e-8 1e-12
    # without a flux: the slab conductance, Q L / (dT H) = kxx (no thickness: per metre)
    printf '%s\n' 'matrix.k = 100' 'inclusion.k = 10' 'matrix/inclusion.G = 1e9' \
        'left.T = 310' 'right.T = 300' > bc2.txt
    run -0 --separate-stderr fpms fe-solve --heat -m bc2.txt -b given stripes.msh
    rel "$(printf '%s\n' "$output" | awk '$1 == 4 { printf "%.17g", $2 * 100 / (10 * 50) }')" \
        "$(calc '100 / (50/100 + 50/10 + 2)')" 1e-9
}

@test "given with a thickness: Q in W" {
    printf '%s\n' 'thickness = 3.35' 'matrix.k = 100' 'inclusion.k = 10' 'left.T = 1' \
        'right.T = 0' > bc.txt
    run -0 --separate-stderr fpms fe-solve --heat -m bc.txt -b given stripes.msh
    [[ "$output" == *"Q[W]"* ]]
    rel "$(printf '%s\n' "$output" | awk '$1 == 4 { printf "%.17g", $2 }')" \
        "$(calc '3.35e-10 * 50e-9 / (50e-9/100 + 50e-9/10)')" 1e-9
}

@test "--vtu writes the fields ParaView reads" {
    run -0 --separate-stderr fpms fe-solve --heat -m mat.txt --vtu f.vtu stripes.msh
    $PY - f.vtu <<'EOF'
import sys, xml.etree.ElementTree as ET
import numpy as np
root = ET.parse(sys.argv[1]).getroot()
piece = root.find("UnstructuredGrid/Piece")
n, m = int(piece.get("NumberOfPoints")), int(piece.get("NumberOfCells"))
arr = {a.get("Name"): np.array(a.text.split(), float) for a in root.iter("DataArray")}
assert set(["T_x", "T_y", "phase", "q_x", "q_y", "Points", "connectivity"]) <= set(arr), arr.keys()
assert arr["T_x"].size == n and arr["phase"].size == m and arr["q_x"].size == 3 * m
assert arr["connectivity"].size == 3 * m and arr["connectivity"].max() < n
assert np.all(np.isfinite(arr["T_x"])) and arr["T_x"].max() < 1.6 and arr["T_x"].min() > -0.6
# a 1 K drop over 100 nm: mean flux q_x = kxx * 1e7 K/m
q = arr["q_x"].reshape(-1, 3)
assert set(arr["phase"]) == {1.0, 2.0}
assert n > 191  # interface nodes doubled
EOF
}

@test "-o writes the table; stdout stays empty; stdin is a mesh" {
    run -0 --separate-stderr fpms fe-solve --heat -m mat.txt -o out.tsv stripes.msh
    [ -z "$output" ]
    rel "$(field 1 < out.tsv)" 13.333333333333333 1e-9
    run -0 --separate-stderr sh -c "'$FPMS_BIN/fe-solve' --heat -m mat.txt < stripes.msh"
    rel "$(printf '%s\n' "$output" | field 1)" 13.333333333333333 1e-9
    [[ "$output" == *"# mesh = <stdin>"* ]]
}

@test "--solver pcg; cholmod when built in; --rtol and --tol" {
    run -0 --separate-stderr fpms fe-solve --heat -m mat.txt --solver pcg --rtol 1e-6 --tol 1e-6 stripes.msh
    rel "$(printf '%s\n' "$output" | field 1)" 13.333333333333333 1e-5
    [[ "$output" == *"# solver = pcg"* ]]
    run --separate-stderr fpms fe-solve --heat -m mat.txt --solver cholmod stripes.msh
    if [ "$status" -eq 0 ]; then
        rel "$(printf '%s\n' "$output" | field 1)" 13.333333333333333 1e-9
        [[ "$output" == *"# solver = cholmod"* ]]
    else
        [ "$status" -eq 1 ]
        [[ "$stderr" == *"built without CHOLMOD"* ]]
    fi
    run -0 --separate-stderr fpms fe-solve --heat -m mat.txt --solver auto stripes.msh
}

@test "-v reports the solver; --progress reports stages; -q silences warnings" {
    run -0 --separate-stderr fpms fe-solve --heat -m mat.txt -v stripes.msh
    [[ "$stderr" == *"unknowns"*"nonzeros"* ]]
    [[ "$stderr" == *"time: assembly"* ]]
    run -0 --separate-stderr fpms fe-solve --heat -m mat.txt --progress stripes.msh
    [[ "$stderr" == *"fe-solve: homogenisation"* ]]
    printf '%s\n' 'left.T = 300' >> mat.txt
    run -0 --separate-stderr fpms fe-solve --heat -m mat.txt stripes.msh
    [[ "$stderr" == *"mat.txt:5: left.T is used only with --bc given"* ]]
    run -0 --separate-stderr fpms fe-solve --heat -m mat.txt -q stripes.msh
    [ -z "$stderr" ]
}

@test "usage errors: no --heat, no -m, two meshes, bad option values" {
    run -1 --separate-stderr fpms fe-solve -m mat.txt stripes.msh
    [[ "$stderr" == *"give the analysis: --heat"* ]]
    failed
    run -1 --separate-stderr fpms fe-solve --heat stripes.msh
    [[ "$stderr" == *"give the material file"* ]]
    failed
    run -1 --separate-stderr fpms fe-solve --heat -m mat.txt stripes.msh stripes.msh
    failed
    run -1 --separate-stderr fpms fe-solve --heat -m - -o out.tsv
    [[ "$stderr" == *"cannot both be stdin"* ]]
    failed
    for bad in "-b fixed" "-u 0nm" "-u 1parsec" "--solver lu" "--rtol 0" "--rtol 1" \
               "--tol -1" "--tol x"; do
        run -1 --separate-stderr fpms fe-solve --heat -m mat.txt $bad -o out.tsv stripes.msh
        failed || { echo "$bad"; return 1; }
    done
}

@test "material file errors name the file and line" {
    check() {
        printf '%s\n' "$@" > bad.txt
        run -1 --separate-stderr fpms fe-solve --heat -m bad.txt -o out.tsv --vtu out.vtu stripes.msh
        failed
    }
    check 'matrix.k = 100' 'inclusion.kk = 10'
    [[ "$stderr" == "fe-solve: bad.txt:2: unknown property 'kk' (k, thickness, G, R, T or q)" ]]
    check 'matrix.k = 1e999'
    [[ "$stderr" == *"bad.txt:1: k: '1e999' is not a finite number"* ]]
    check 'matrix.k = nan'
    [[ "$stderr" == *"bad.txt:1: k: 'nan' is not a finite number"* ]]
    check 'matrix.k = 1, 2'
    [[ "$stderr" == *"bad.txt:1: k: give one number or three"* ]]
    check 'matrix.k = 1, 2, 3, 4'
    [[ "$stderr" == *"bad.txt:1: k: too many numbers"* ]]
    check 'matrix.k = 1, 1, 2'
    [[ "$stderr" == *"bad.txt:1: k: the conductivity must be positive definite"* ]]
    check 'matrix.k = -5'
    [[ "$stderr" == *"bad.txt:1: k: the conductivity must be positive definite"* ]]
    check '' '# ok' 'matrix.k = 1' 'matrix.k = 2'
    [[ "$stderr" == *"bad.txt:4: matrix.k given twice (line 3)"* ]]
    check 'a/b.G = 1' 'a/b.R = 1'
    [[ "$stderr" == *"bad.txt:2: a/b.R given twice (line 1)"* ]]
    check 'matrix.k 100'
    [[ "$stderr" == *"bad.txt:1: expected NAME.property = value"* ]]
    check 'matrix. = 1'
    [[ "$stderr" == *"bad.txt:1: bad key 'matrix.'"* ]]
    check 'k = 1'
    [[ "$stderr" == *"bad.txt:1: 'k' needs a group name"* ]]
    check 'matrix.thickness = -1'
    [[ "$stderr" == *"bad.txt:1: thickness: '-1' is not a length > 0"* ]]
    check 'matrix.k = 1' 'inclusion.k = 1' 'matrix/inclusion.G = -1'
    [[ "$stderr" == *"bad.txt:3: G: -1 is out of range (>= 0)"* ]]
    check 'matrix.k = 1' 'inclusion.k = 1' 'matrix/inclusion.R = 0'
    [[ "$stderr" == *"bad.txt:3: R: 0 is out of range (> 0)"* ]]
    check 'matrix.k = 1' 'inclusion.k = 1' 'matrix/inclusion.G = 1 2'
    [[ "$stderr" == *"bad.txt:3: G takes one number"* ]]
    check 'matrix.k = 1' 'inclusion.k = 1' 'graphene.k = 1'
    [[ "$stderr" == *"bad.txt:3: no physical group 'graphene' in stripes.msh"* ]]
    check 'matrix.k = 1' 'inclusion.k = 1' 'left.k = 1'
    [[ "$stderr" == *"bad.txt:3: 'left' is a curve (1D) group; k belongs to phases"* ]]
    check 'matrix.k = 1' 'inclusion.k = 1' 'matrix.G = 1'
    [[ "$stderr" == *"bad.txt:3: 'matrix' is a phase (2D) group; G belongs to interfaces"* ]]
    check 'matrix.k = 1'
    [[ "$stderr" == *"stripes.msh: phase 'inclusion' has no conductivity in bad.txt"* ]]
    check 'matrix.k = 1' 'inclusion.k = 1' 'left.G = 1' 'left.T = 3'
    [[ "$stderr" == *"bad.txt:3: 'left' has an interface conductance and a boundary condition"* ]]
    run -1 --separate-stderr fpms fe-solve --heat -m nothere.txt -o out.tsv stripes.msh
    [[ "$stderr" == *"nothere.txt"* ]]
    failed
}

@test "mesh errors: file:line for bad input, non-periodic cells, quadrangles" {
    run -1 --separate-stderr fpms fe-solve --heat -m mat.txt -o out.tsv nothere.msh
    [[ "$stderr" == *"nothere.msh"* ]]
    failed
    sed 's/^4.1 0 8$/2.2 0 8/' stripes.msh > old.msh
    run -1 --separate-stderr fpms fe-solve --heat -m mat.txt -o out.tsv old.msh
    [[ "$stderr" == "fe-solve: old.msh:2: MSH version 2.2 is not supported"* ]]
    failed
    awk 'NR == 30 { $1 = "x" } { print }' stripes.msh > broken.msh
    run -1 --separate-stderr fpms fe-solve --heat -m mat.txt -o out.tsv broken.msh
    [[ "$stderr" =~ ^fe-solve:\ broken.msh:30:\  ]]
    failed
    printf '%s\n' 'matrix.k = 100' 'inclusion.k = 10' > m2.txt
    run -1 --separate-stderr fpms fe-solve --heat -m m2.txt -o out.tsv --vtu out.vtu tilted.msh
    [[ "$stderr" == *"tilted.msh: the mesh is not periodic along x"* ]]
    failed
    run -0 --separate-stderr fpms fe-solve --heat -m m2.txt -b slab tilted.msh
    cat > quad.msh <<'EOF'
$MeshFormat
4.1 0 8
$EndMeshFormat
$PhysicalNames
1
2 1 "matrix"
$EndPhysicalNames
$Entities
0 0 1 0
1 0 0 0 1 1 0 1 1 0
$EndEntities
$Nodes
1 4 1 4
2 1 0 4
1
2
3
4
0 0 0
1 0 0
1 1 0
0 1 0
$EndNodes
$Elements
1 1 1 1
2 1 3 1
1 1 2 3 4
$EndElements
EOF
    printf 'matrix.k = 1\n' > m1.txt
    run -1 --separate-stderr fpms fe-solve --heat -m m1.txt -o out.tsv quad.msh
    [[ "$stderr" == *"quad.msh: element 1 is of type 3 (4-node quadrangle)"* ]]
    failed
}

@test "given: needs a fixed temperature; a node fixed twice must agree" {
    run -1 --separate-stderr fpms fe-solve --heat -m mat.txt -b given -o out.tsv stripes.msh
    [[ "$stderr" == *"mat.txt: --bc given needs a fixed temperature"* ]]
    failed
    printf '%s\n' 'matrix.k = 1' 'inclusion.k = 1' 'left.T = 1' 'bottom.T = 2' > c.txt
    run -1 --separate-stderr fpms fe-solve --heat -m c.txt -b given -o out.tsv stripes.msh
    [[ "$stderr" =~ c.txt:[34]:\ the\ node\ at\ \(0,\ 0\) ]]
    failed
}

@test "a solver that cannot reach --rtol exits 2 and writes nothing" {
    command -v gmsh > /dev/null || skip "no gmsh (the stored meshes are small enough to solve directly)"
    fpms fe-mesh -g disk -s 4 -q -o disk.msh
    printf '%s\n' 'matrix.k = 1' 'inclusion.k = 30' 'matrix/inclusion.G = 1e9' > m.txt
    run -2 --separate-stderr fpms fe-solve --heat -m m.txt --rtol 1e-300 -o out.tsv --vtu out.vtu disk.msh
    [[ "$stderr" == "fe-solve: disk.msh: conjugate gradients stagnated after "* ]]
    [ -z "$output" ] && [ ! -e out.tsv ] && [ ! -e out.vtu ]
}
