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
    [[ "${lines[0]}" == "usage: fe-solve --heat | --elastic -m FILE [options] [MESH]" ]]
    for o in heat elastic materials bc strain unit vtu solver rtol tol output progress quiet \
        verbose help version; do
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

@test "--solver pcg and cholmod agree; --rtol and --tol" {
    run -0 --separate-stderr fpms fe-solve --heat -m mat.txt --solver pcg --rtol 1e-6 --tol 1e-6 stripes.msh
    rel "$(printf '%s\n' "$output" | field 1)" 13.333333333333333 1e-5
    [[ "$output" == *"# solver = pcg"* ]]
    run -0 --separate-stderr fpms fe-solve --heat -m mat.txt --solver cholmod stripes.msh
    rel "$(printf '%s\n' "$output" | field 1)" 13.333333333333333 1e-12
    [[ "$output" == *"# solver = cholmod"* ]]
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
    [[ "$stderr" == *"give one analysis: --heat or --elastic"* ]]
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
    [[ "$stderr" == "fe-solve: bad.txt:2: unknown property 'kk' (k, thickness, G, R, T, q, E, nu, C, curve, cohesive, Kn, Kt, strength or Gc)" ]]
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
    sed 's/^4.1 0 8$/3.0 0 8/' stripes.msh > old.msh
    run -1 --separate-stderr fpms fe-solve --heat -m mat.txt -o out.tsv old.msh
    [[ "$stderr" == "fe-solve: old.msh:2: MSH version 3.0 is not supported"* ]]
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

# ---- elasticity ----

# stripes.msh: inclusion on 25 < x < 75 of a 100 x 50 cell (interfaces normal to x, f = 0.5)
elastic_mat() {
    printf '%s\n' 'matrix.E = 100' 'matrix.nu = 0.2' 'inclusion.E = 300' 'inclusion.nu = 0.6' \
        'matrix/inclusion.G = 1e9' 'matrix.k = 1' > el.txt
}

@test "elastic periodic: Reuss across, Voigt along, shear in series, exactly" {
    elastic_mat
    run -0 --separate-stderr fpms fe-solve --elastic -m el.txt stripes.msh
    [[ "$output" == *"C11[GPa]"*"C22[GPa]"*"C12[GPa]"*"C66[GPa]"*"C16[GPa]"*"C26[GPa]"*"Ex[GPa]"*"Ey[GPa]"*"nuxy"*"Gxy[GPa]"* ]]
    row=$(printf '%s\n' "$output" | tail -1)
    # nu/E = 0.002 in both: Ex = 1/(0.5/100 + 0.5/300); nuxy = 0.002 Ex; Ey = <E> for any nu
    rel "$(echo "$row" | field 7)" 150 1e-9
    rel "$(echo "$row" | field 9)" 0.3 1e-9
    rel "$(echo "$row" | field 8)" 200 1e-9
    # Gxy = 1/(0.5/G1 + 0.5/G2), G = E/(2(1+nu))
    rel "$(echo "$row" | field 10)" "$(calc '1 / (0.5 * 2.4 / 100 + 0.5 * 3.2 / 300)')" 1e-9
    rel "$(echo "$row" | field 4)" "$(calc '1 / (0.5 * 2.4 / 100 + 0.5 * 3.2 / 300)')" 1e-9
    awk -v x="$(echo "$row" | field 5)" 'BEGIN { exit !(x < 1e-8 && x > -1e-8) }'
    [[ "$output" == *"# bc = periodic"* ]]
}

@test "elastic tension: E and nu of the bar; the stress follows --strain" {
    elastic_mat
    run -0 --separate-stderr fpms fe-solve --elastic -m el.txt -b tension stripes.msh
    [[ "$output" == *"strain"*"stress[GPa]"*"E[GPa]"*"nu"* ]]
    [[ "$output" == *"# bc = tension"* ]]
    rel "$(printf '%s\n' "$output" | field 1)" 0.01 1e-15
    rel "$(printf '%s\n' "$output" | field 2)" 1.5 1e-9
    rel "$(printf '%s\n' "$output" | field 3)" 150 1e-9
    rel "$(printf '%s\n' "$output" | field 4)" 0.3 1e-8
    run -0 --separate-stderr fpms fe-solve --elastic -m el.txt -b tension --strain -0.03 stripes.msh
    rel "$(printf '%s\n' "$output" | field 2)" -4.5 1e-9
    rel "$(printf '%s\n' "$output" | field 3)" 150 1e-9
}

@test "elastic units: a thickness cancels for GPa; N/m moduli give N/m or GPa" {
    printf '%s\n' 'thickness = 3.35A' 'matrix.E = 100' 'matrix.nu = 0.2' 'inclusion.E = 300' \
        'inclusion.nu = 0.6' > t.txt
    run -0 --separate-stderr fpms fe-solve --elastic -m t.txt -b tension stripes.msh
    rel "$(printf '%s\n' "$output" | field 3)" 150 1e-9
    [[ "$output" == *"# thickness = 3.35 A"* ]]
    printf '%s\n' 'matrix.E = 33.5N/m' 'matrix.nu = 0.2' 'inclusion.E = 100.5 N/m' \
        'inclusion.nu = 0.6' > n.txt
    run -0 --separate-stderr fpms fe-solve --elastic -m n.txt -b tension stripes.msh
    [[ "$output" == *"E[N/m]"* ]]
    rel "$(printf '%s\n' "$output" | field 3)" 50.25 1e-9
    printf '%s\n' 'thickness = 0.335nm' >> n.txt
    run -0 --separate-stderr fpms fe-solve --elastic -m n.txt -b tension stripes.msh
    [[ "$output" == *"E[GPa]"* ]]
    rel "$(printf '%s\n' "$output" | field 3)" 150 1e-9
    # phases of their own thickness: the 2D moduli E t average along the stripes (Ey)
    printf '%s\n' 'matrix.E = 100' 'matrix.nu = 0.25' 'matrix.thickness = 2' \
        'inclusion.E = 300' 'inclusion.nu = 0.25' 'inclusion.thickness = 4' > t2.txt
    run -0 --separate-stderr fpms fe-solve --elastic -m t2.txt stripes.msh
    rel "$(printf '%s\n' "$output" | field 8)" "$(calc '(0.5 * 100 * 2 + 0.5 * 300 * 4) / 3')" 1e-9
}

@test "elastic C: a full anisotropic stiffness comes back from a homogeneous cell" {
    printf '%s\n' 'matrix.C = 231, 143.5, 37.75, 58.125, 12.5, -7.25' \
        'inclusion.C = 231, 143.5, 37.75, 58.125, 12.5, -7.25 GPa' > c.txt
    run -0 --separate-stderr fpms fe-solve --elastic -m c.txt stripes.msh
    row=$(printf '%s\n' "$output" | tail -1)
    i=1
    for want in 231 143.5 37.75 58.125 12.5 -7.25; do
        rel "$(echo "$row" | field $i)" $want 1e-9 || { echo "column $i"; return 1; }
        i=$((i + 1))
    done
}

@test "elastic --vtu: displacements and stresses" {
    elastic_mat
    run -0 --separate-stderr fpms fe-solve --elastic -m el.txt --vtu p.vtu stripes.msh
    run -0 --separate-stderr fpms fe-solve --elastic -m el.txt -b tension --vtu t.vtu stripes.msh
    $PY - p.vtu t.vtu <<'EOF'
import sys, xml.etree.ElementTree as ET
import numpy as np
def load(f):
    root = ET.parse(f).getroot()
    piece = root.find("UnstructuredGrid/Piece")
    arr = {a.get("Name"): np.array(a.text.split(), float) for a in root.iter("DataArray")}
    return int(piece.get("NumberOfPoints")), int(piece.get("NumberOfCells")), arr
n, m, a = load(sys.argv[1])
assert n == 191, n  # bonded: no doubled nodes
for k in ("u_xx", "u_yy", "u_xy"):
    assert a[k].size == 3 * n
for k in ("stress_xx", "stress_yy", "stress_xy"):
    assert a[k].size == 3 * m
# case xx at 1 % mean strain: sigma_xx uniform = C11 / 100
s = a["stress_xx"].reshape(-1, 3)
assert np.allclose(s[:, 0], s[0, 0], rtol=1e-8) and abs(s[0, 0] - 1.7045454545) < 1e-6, s[0]
n, m, a = load(sys.argv[2])
u = a["u"].reshape(-1, 3)
assert abs(u[:, 0].max() - 1.0) < 1e-9 and abs(u[:, 0].min()) < 1e-12  # 1 % of 100 mesh units
s = a["stress"].reshape(-1, 3)
assert np.allclose(s[:, 0], 1.5, rtol=1e-8) and np.allclose(s[:, 1:], 0, atol=1e-8)
e = a["strain"].reshape(-1, 3)
assert set(np.round(e[:, 0], 10)) == {0.015, 0.005}, set(np.round(e[:, 0], 10))
EOF
}

@test "elastic: the heat properties are ignored, and elastic ones with --heat" {
    elastic_mat
    printf '%s\n' 'inclusion.k = 10, 40, 0' 'left.T = 1' >> el.txt
    sed -i 's/^matrix.k = 1$/matrix.k = 100/' el.txt
    run -0 --separate-stderr fpms fe-solve --heat -m el.txt stripes.msh
    rel "$(printf '%s\n' "$output" | field 1)" 13.333333333333333 1e-9
    run -0 --separate-stderr fpms fe-solve --elastic -m el.txt stripes.msh
    [ -z "$stderr" ]
}

@test "elastic usage errors" {
    elastic_mat
    run -1 --separate-stderr fpms fe-solve --heat --elastic -m el.txt -o out.tsv stripes.msh
    [[ "$stderr" == *"give one analysis"* ]]
    failed
    run -1 --separate-stderr fpms fe-solve --elastic -m el.txt -b slab -o out.tsv stripes.msh
    [[ "$stderr" == *"--elastic takes --bc periodic or tension"* ]]
    failed
    run -1 --separate-stderr fpms fe-solve --elastic -m el.txt -b given -o out.tsv stripes.msh
    failed
    run -1 --separate-stderr fpms fe-solve --heat -m el.txt -b tension -o out.tsv stripes.msh
    [[ "$stderr" == *"--bc tension goes with --elastic"* ]]
    failed
    for bad in 0 1 -1 x nan 1e999; do
        run -1 --separate-stderr fpms fe-solve --elastic -m el.txt -b tension --strain $bad \
            -o out.tsv stripes.msh
        [[ "$stderr" == *"--strain: '$bad' is not in (-1, 1) and not 0"* ]] || { echo "$bad"; return 1; }
        failed
    done
    for opt in "--strain 0.1" "--steps 3"; do
        run -1 --separate-stderr fpms fe-solve --elastic -m el.txt $opt -o out.tsv stripes.msh
        [[ "$stderr" == *"--strain and --steps go with --bc tension"* ]] || { echo "$opt"; return 1; }
        failed
        run -1 --separate-stderr fpms fe-solve --heat -m el.txt $opt -o out.tsv stripes.msh
        failed
    done
    run -1 --separate-stderr fpms fe-solve --elastic -m el.txt -b bend -o out.tsv stripes.msh
    [[ "$stderr" == *"'bend' is not periodic, slab, given or tension"* ]]
    failed
}

@test "elastic material errors name the file and line" {
    check() {
        printf '%s\n' "$@" > bad.txt
        run -1 --separate-stderr fpms fe-solve --elastic -m bad.txt -o out.tsv --vtu out.vtu stripes.msh
        failed
    }
    check 'matrix.E = 100' 'matrix.nu = 0.2'
    [[ "$stderr" == "fe-solve: stripes.msh: phase 'inclusion' has no stiffness in bad.txt (inclusion.E and inclusion.nu, inclusion.C, or inclusion.curve and inclusion.nu)" ]]
    check 'matrix.E = 100' 'inclusion.E = 100' 'inclusion.nu = 0.2'
    [[ "$stderr" == "fe-solve: bad.txt:1: 'matrix' has E but no nu (matrix.nu = ...)" ]]
    check 'matrix.nu = 0.3' 'inclusion.E = 100' 'inclusion.nu = 0.2'
    [[ "$stderr" == "fe-solve: bad.txt:1: 'matrix' has nu but no E (matrix.E = ...)" ]]
    check 'matrix.C = 1, 1, 0, 1' 'matrix.nu = 0.3' 'inclusion.E = 100' 'inclusion.nu = 0.2'
    [[ "$stderr" == "fe-solve: bad.txt:2: 'matrix': nu goes with E; C is the whole stiffness" ]]
    check 'matrix.E = 100' 'matrix.C = 1, 1, 0, 1'
    [[ "$stderr" == "fe-solve: bad.txt:2: matrix.C given twice (line 1)" ]]
    check 'matrix.E = 100N/m' 'matrix.nu = 0.1' 'inclusion.E = 100' 'inclusion.nu = 0.2'
    [[ "$stderr" == "fe-solve: bad.txt: moduli in GPa and in N/m need a thickness (thickness = ...)" ]]
    check 'left.E = 100'
    [[ "$stderr" == "fe-solve: bad.txt:1: 'left' is a curve (1D) group; E belongs to phases" ]]
    check 'matrix.nu = 1.5'
    [[ "$stderr" == "fe-solve: bad.txt:1: nu: 1.5 is out of range (-1 < nu < 1)" ]]
    check 'matrix.E = -100'
    [[ "$stderr" == "fe-solve: bad.txt:1: E: -100 is out of range (> 0)" ]]
    check 'matrix.C = 1, 1, 2, 1'
    [[ "$stderr" == "fe-solve: bad.txt:1: C: the stiffness must be positive definite" ]]
    check 'matrix.C = 1, 1, 2'
    [[ "$stderr" == "fe-solve: bad.txt:1: C: give four numbers or six (C11, C22, C12, C66, C16, C26)" ]]
}

@test "elastic mesh errors: a non-periodic cell; tension still works on it" {
    printf '%s\n' 'matrix.E = 100' 'matrix.nu = 0.2' 'inclusion.E = 100' 'inclusion.nu = 0.2' > e.txt
    run -1 --separate-stderr fpms fe-solve --elastic -m e.txt -o out.tsv --vtu out.vtu tilted.msh
    [[ "$stderr" == *"tilted.msh: the mesh is not periodic along x"* ]]
    failed
    run -0 --separate-stderr fpms fe-solve --elastic -m e.txt -b tension tilted.msh
    rel "$(printf '%s\n' "$output" | field 3)" 100 1e-9
    rel "$(printf '%s\n' "$output" | field 4)" 0.2 1e-8
}

# ---- nonlinear tension from stress-strain curves ----

curves() {
    mkdir -p md
    printf '%s\n' '# md-run tension' '# strain stress[GPa]' '0 0.01' '0.02 20.5' '0.05 41.75' \
        '0.09 55.25' '0.12 58.125' '0.15 30' > md/a.tsv
    printf '%s\n' '# strain[-] stress[GPa]' '0.04 9.25' '0.1 18.5' '0.2 24.0' '0.25 12' > md/b.tsv
    printf '%s\n' 'matrix.curve = a.tsv' 'matrix.nu = 0' 'inclusion.curve = b.tsv' \
        'inclusion.nu = 0' > md/nl.txt
}

@test "curves: the series bar follows sum f_i e_i(sigma) and fails at the soft layer's peak" {
    curves
    run -0 --separate-stderr fpms fe-solve --elastic -m md/nl.txt -b tension --strain 0.2 \
        --steps 40 stripes.msh
    [[ "$output" == *"# steps = 40"* ]]
    [[ "$output" == *"# failure = limit"* ]]
    [[ "$output" == *"# failure.phase = inclusion"* ]]
    # every row: 0.5 ea(s) + 0.5 eb(s) = strain (the curves inverted on their rising parts)
    printf '%s\n' "$output" | grep -v '^#' | awk '
        function inv(n, e, s, x,   k) { for (k = 2; k <= n; k++) if (x <= s[k])
            return e[k-1] + (x - s[k-1]) / (s[k] - s[k-1]) * (e[k] - e[k-1]); return -1 }
        BEGIN { split("0 0.02 0.05 0.09 0.12", ea, " "); split("0 20.5 41.75 55.25 58.125", sa, " ")
                split("0 0.04 0.1 0.2", eb, " "); split("0 9.25 18.5 24", sb, " ") }
        { e = 0.5 * inv(5, ea, sa, $2) + 0.5 * inv(4, eb, sb, $2); d = e - $1; if (d < 0) d = -d
          if (d > 1e-9 * $1) { print "row " NR ": " e " vs " $1; bad = 1 }; n++ }
        END { if (n != 23) { print n " rows"; bad = 1 }; exit bad }'
    # failure where the soft layer reaches its peak, 24 GPa: 0.5 ea(24) + 0.5 x 0.2
    f=$(printf '%s\n' "$output" | sed -n 's/^# failure.strain = //p')
    rel "$f" "$(calc '0.5 * (0.02 + 3.5 / 21.25 * 0.03) + 0.1')" 1e-4
}

@test "curves: --vtu writes the last balance with the peak ratio" {
    curves
    run -0 --separate-stderr fpms fe-solve --elastic -m md/nl.txt -b tension --strain 0.13 \
        --steps 13 --vtu nl.vtu stripes.msh
    [[ "$output" == *"# failure = limit"* || "$output" == *"# failure = peak"* ]]
    $PY - nl.vtu <<'EOF'
import sys, xml.etree.ElementTree as ET
import numpy as np
root = ET.parse(sys.argv[1]).getroot()
arr = {a.get("Name"): np.array(a.text.split(), float) for a in root.iter("DataArray")}
assert {"u", "strain", "stress", "peak_ratio", "phase"} <= set(arr), arr.keys()
r = arr["peak_ratio"]
assert r.max() > 0.99, r.max()
EOF
}

@test "curves: one phase gives its curve back; N/m curves give N/m; the default 20 steps" {
    mkdir -p md
    printf '%s\n' '# strain stress[N/m]' '0.01 3.4' '0.05 15' '0.1 20' '0.2 10' > md/c.tsv
    printf '%s\n' 'matrix.curve = md/c.tsv' 'matrix.nu = 0.17' 'inclusion.curve = md/c.tsv' \
        'inclusion.nu = 0.17' > nl.txt
    run -0 --separate-stderr fpms fe-solve --elastic -m nl.txt -b tension --strain 0.09 stripes.msh
    [[ "$output" == *"stress[N/m]"*"E[N/m]"* ]]
    [[ "$output" == *"# steps = 20"* ]]
    [[ "$output" == *"# failure = none"* ]]
    printf '%s\n' "$output" | grep -v '^#' | awk '
        { x = $1; s = x <= 0.01 ? 340 * x : x <= 0.05 ? 3.4 + (x - 0.01) * 290 : 15 + (x - 0.05) * 100
          d = s - $2; if (d < 0) d = -d; if (d > 1e-9 * s) { print NR ": " $2 " vs " s; bad = 1 }
          nu = $4 - 0.17; if (nu < 0) nu = -nu; if (nu > 1e-8) { print "nu " $4; bad = 1 }; n++ }
        END { if (n != 20) { print n " rows"; bad = 1 }; exit bad }'
    # with a thickness: GPa
    printf '%s\n' 'thickness = 3.4A' >> nl.txt
    run -0 --separate-stderr fpms fe-solve --elastic -m nl.txt -b tension --strain 0.01 --steps 1 stripes.msh
    rel "$(printf '%s\n' "$output" | field 3)" 1000 1e-9
}

@test "--steps with linear phases: rows of a straight line" {
    elastic_mat
    run -0 --separate-stderr fpms fe-solve --elastic -m el.txt -b tension --steps 4 stripes.msh
    [[ "$output" == *"# failure = none"* ]]
    [ "$(printf '%s\n' "$output" | grep -vc '^#')" -eq 4 ]
    rel "$(printf '%s\n' "$output" | awk '!/^#/ && NR > 0 { s = $2 } END { print s }')" 1.5 1e-9
    rel "$(printf '%s\n' "$output" | grep -v '^#' | head -1 | awk '{ print $2 }')" 0.375 1e-9
    for bad in 0 -1 x 100001 1.5; do
        run -1 --separate-stderr fpms fe-solve --elastic -m el.txt -b tension --steps $bad \
            -o out.tsv stripes.msh
        [[ "$stderr" == *"--steps: '$bad' is not in 1 .. 100000"* ]] || { echo "$bad"; return 1; }
        failed
    done
}

@test "curve errors: file:line of the material file or of the table" {
    curves
    check() {
        printf '%s\n' "$@" > md/bad.txt
        run -1 --separate-stderr fpms fe-solve --elastic -m md/bad.txt -b tension -o out.tsv \
            --vtu out.vtu stripes.msh
        failed
    }
    check 'matrix.curve = nothere.tsv' 'matrix.nu = 0.2' 'inclusion.curve = a.tsv' 'inclusion.nu = 0'
    [[ "$stderr" == "fe-solve: md/bad.txt:1: curve: "*"nothere.tsv"* ]]
    check 'matrix.curve = a.tsv' 'inclusion.curve = a.tsv' 'inclusion.nu = 0'
    [[ "$stderr" == "fe-solve: md/bad.txt:1: 'matrix' has a curve but no nu (matrix.nu = ...)" ]]
    check 'matrix.curve = a.tsv' 'matrix.nu = 0.2' 'matrix.E = 3' 'inclusion.curve = a.tsv' 'inclusion.nu = 0'
    [[ "$stderr" == "fe-solve: md/bad.txt:1: 'matrix' has a curve and E: give one or the other" ]]
    check 'matrix.curve =' 'matrix.nu = 0.2'
    [[ "$stderr" == "fe-solve: md/bad.txt:1: curve: no file name" ]]
    check 'left.curve = a.tsv'
    [[ "$stderr" == "fe-solve: md/bad.txt:1: 'left' is a curve (1D) group; curve belongs to phases" ]]
    tcheck() {
        printf '%s\n' "$@" > md/t.tsv
        check 'matrix.curve = t.tsv' 'matrix.nu = 0.2' 'inclusion.curve = a.tsv' 'inclusion.nu = 0'
    }
    tcheck '# strain sigma[GPa]' '0.1 1'
    [[ "$stderr" == "fe-solve: md/t.tsv:1: no column 'stress' (a curve needs strain and stress[GPa] or stress[N/m])" ]]
    tcheck '# strain stress[MPa]' '0.1 1'
    [[ "$stderr" == "fe-solve: md/t.tsv:1: the stress is in 'MPa' (GPa or N/m)" ]]
    tcheck '# strain[%] stress[GPa]' '0.1 1'
    [[ "$stderr" == "fe-solve: md/t.tsv:1: the strain is in '%' (dimensionless)" ]]
    tcheck '# strain stress[GPa]'
    [[ "$stderr" == "fe-solve: md/t.tsv:1: the curve has no rows" ]]
    tcheck '# strain stress[GPa]' '0 0'
    [[ "$stderr" == "fe-solve: md/t.tsv:2: the curve has no point beyond strain 0" ]]
    tcheck '# strain stress[GPa]' '0.1 1' '0.2 2' '0.2 3'
    [[ "$stderr" == "fe-solve: md/t.tsv:4: the strain 0.2 does not increase" ]]
    tcheck '# strain stress[GPa]' '-0.1 1'
    [[ "$stderr" == "fe-solve: md/t.tsv:2: the strain -0.1 does not increase (a curve in tension starts at 0)" ]]
    tcheck '# strain stress[GPa]' '0.1 -1'
    [[ "$stderr" == "fe-solve: md/t.tsv:2: the curve's first stress is -1 (it must rise from 0)" ]]
    tcheck '# strain stress[GPa]' '0.1 nan'
    [[ "$stderr" =~ ^fe-solve:\ md/t.tsv:2:\  ]]
}

@test "k = table:FILE reads kappa-gk's table: kxx from dir 1, kyy from dir 2" {
    for s in 1 2; do
        fpms kappa-gk --synth 2000 --synth-kappa 5 -V 1000 -T 300 --seed $s -o run$s.tsv
    done
    mkdir gk
    fpms kappa-gk run*.tsv -o gk/kappa.tsv 2> /dev/null
    kxx=$(awk '!/^#/ && $1 == 1 { print $2 }' gk/kappa.tsv)
    kyy=$(awk '!/^#/ && $1 == 2 { print $2 }' gk/kappa.tsv)
    [ -n "$kxx" ] && [ -n "$kyy" ] && [ "$kxx" != "$kyy" ]
    printf '%s\n' 'matrix.k = 100' 'inclusion.k = table:kappa.tsv' 'matrix/inclusion.G = 1e9' \
        > gk/mat.txt
    printf '%s\n' 'matrix.k = 100' "inclusion.k = $kxx, $kyy, 0" 'matrix/inclusion.G = 1e9' \
        > typed.txt
    run -0 --separate-stderr fpms fe-solve --heat -m typed.txt stripes.msh
    typed=$(printf '%s\n' "$output" | tail -1)
    run -0 --separate-stderr fpms fe-solve --heat -m gk/mat.txt stripes.msh
    [ "$(printf '%s\n' "$output" | tail -1)" = "$typed" ]
    # series kxx and parallel kyy of the stripes
    rel "$(printf '%s\n' "$output" | field 1)" "$(calc "100 / (50 / 100 + 50 / $kxx + 2)")" 1e-9
    rel "$(printf '%s\n' "$output" | field 2)" "$(calc "(100 + $kyy) / 2")" 1e-9
}

@test "k = table:FILE with only the average is isotropic" {
    printf '%s\n' '# dir kappa[W/(m*K)] kappa_err[W/(m*K)]' '0 40 1' > avg.tsv
    printf '%s\n' 'matrix.k = 100' 'inclusion.k = table:avg.tsv' 'matrix/inclusion.G = 1e9' > a.txt
    run -0 --separate-stderr fpms fe-solve --heat -m a.txt stripes.msh
    rel "$(printf '%s\n' "$output" | field 1)" "$(calc "100 / (50 / 100 + 50 / 40 + 2)")" 1e-9
    rel "$(printf '%s\n' "$output" | field 2)" 70 1e-9
}

@test "k = table:FILE errors name the material line and the table" {
    printf '%s\n' 'matrix.k = 100' '' 'inclusion.k = table:none.tsv' > a.txt
    run -1 --separate-stderr fpms fe-solve --heat -m a.txt -o out.tsv stripes.msh
    failed
    [[ "$stderr" == "fe-solve: a.txt:3: k: none.tsv: "* ]]
    printf '%s\n' '# dir kappa[W/(m*K)]' '1 40' '0 30' > bad.tsv
    printf '%s\n' 'matrix.k = 100' 'inclusion.k = table:bad.tsv' > a.txt
    run -1 --separate-stderr fpms fe-solve --heat -m a.txt -o out.tsv stripes.msh
    failed
    [ "$stderr" = "fe-solve: a.txt:2: k: bad.tsv:2: the table has dir 1 but not dir 2" ]
    printf '%s\n' 'matrix.k = 100' 'inclusion.k = table:' > a.txt
    run -1 --separate-stderr fpms fe-solve --heat -m a.txt -o out.tsv stripes.msh
    failed
    [ "$stderr" = "fe-solve: a.txt:2: k: table: no file name" ]
}

# ---- cohesive interfaces (tests/ref/fe-solve/bar-cohesive: a 100 x 20 nm bar, phase a on
# x < 50, b beyond, the interface a/b at x = 50; nu = 0, so each phase is in uniaxial stress
# and P1 is exact) ----

bar_mat() { # bar_mat FILE LINES...: the two phases, then the interface lines
    local f=$1
    shift
    cp "$FPMS_ROOT/tests/ref/fe-solve/bar-cohesive/in.msh" bar.msh
    printf '%s\n' 'a.E = 100' 'a.nu = 0' 'b.E = 300' 'b.nu = 0' "$@" > "$f"
}

@test "cohesive: a linear interface in series, 1/E = f1/E1 + f2/E2 + 1/(Kn L), exactly" {
    bar_mat lin.txt 'a/b.cohesive = linear' 'a/b.Kn = 2' 'a/b.Kt = 0.5GPa/nm'
    run -0 --separate-stderr fpms fe-solve --elastic -m lin.txt -b tension bar.msh
    [[ "$output" == *"strain"*"stress[GPa]"*"E[GPa]"*"nu"*"damage"*"dissipated[J/m^2]"* ]]
    [[ "$output" == *"# failure = none"* ]]
    [[ "$output" == *"# cohesive.damage.max = 0"* ]]
    # Kn L = 2 GPa/nm x 100 nm = 200 GPa
    rel "$(printf '%s\n' "$output" | field 3)" "$(calc '1 / (0.5 / 100 + 0.5 / 300 + 1 / 200)')" 1e-9
    # the same in N/m^3 (2 GPa/nm = 2e18 N/m^3), and through the thickness of a sheet
    bar_mat si.txt 'thickness = 3.35A' 'a/b.cohesive = linear' 'a/b.Kn = 2e18 N/m^3' \
        'a/b.Kt = 5e17N/m^3'
    run -0 --separate-stderr fpms fe-solve --elastic -m si.txt -b tension bar.msh
    rel "$(printf '%s\n' "$output" | field 3)" "$(calc '1 / (0.5 / 100 + 0.5 / 300 + 1 / 200)')" 1e-9
}

@test "cohesive: bonded keeps the bonded answer" {
    bar_mat b0.txt
    bar_mat b1.txt 'a/b.cohesive = bonded'
    run -0 --separate-stderr fpms fe-solve --elastic -m b0.txt -b tension bar.msh
    want=$output
    run -0 --separate-stderr fpms fe-solve --elastic -m b1.txt -b tension bar.msh
    [ "${output//b1.txt/}" == "${want//b0.txt/}" ]
    rel "$(printf '%s\n' "$output" | field 3)" "$(calc '1 / (0.5 / 100 + 0.5 / 300)')" 1e-9
    # periodic homogenisation too (the bar's mesh has matching sides): Reuss
    run -0 --separate-stderr fpms fe-solve --elastic -m b1.txt bar.msh
    rel "$(printf '%s\n' "$output" | field 1)" 150 1e-9
}

# The bilinear bar: Kn = 1 GPa/nm, strength 1 GPa, Gc = 2 J/m^2: delta0 = 1 nm, deltaf =
# 2 Gc / strength = 4 nm; the strength is reached at e0 = (1 GPa (50/100 + 50/300) nm + 1 nm) /
# 100 nm = 1/60, full damage at deltaf / L = 0.04 = 2.4 e0 (the bulk is unloaded then). With
# --strain 3 e0 and 150 steps rows 50 and 120 fall on both kinks, so the trapezoids of the
# curve integrate the piecewise-linear force-displacement curve exactly: the work of the end
# force per unit interface area equals Gc to rounding (1e-9 allows the solver tolerance).
@test "cohesive: a bilinear interface, peak = strength, work = dissipated = Gc x area" {
    bar_mat bil.txt 'a/b.cohesive = bilinear' 'a/b.Kn = 1' 'a/b.Kt = 0.7' \
        'a/b.strength = 1GPa' 'a/b.Gc = 2 J/m^2'
    run -0 --separate-stderr fpms fe-solve --elastic -m bil.txt -b tension --strain 0.05 \
        --steps 150 -o out.tsv bar.msh
    grep -q '^# failure = interface$' out.tsv
    grep -q '^# failure.group = a/b$' out.tsv
    grep -q '^# failure.x = 50$' out.tsv
    grep -q '^# cohesive.broken = 1$' out.tsv
    grep -q '^# cohesive.damage.max = 1$' out.tsv
    grep -q '^# cuts = 0$' out.tsv
    rel "$(sed -n 's/^# failure.strain = //p' out.tsv)" 0.04 1e-12
    rel "$(sed -n 's/^# cohesive.onset.strain = //p' out.tsv)" "$(calc '1/60 + 0.05/150')" 1e-12
    rel "$(sed -n 's/^# cohesive.dissipated = \(.*\) J\/m^2$/\1/p' out.tsv)" 2 1e-12
    [ "$(grep -vc '^#' out.tsv)" -eq 150 ]
    # the peak of the curve, at row 50
    peak=$(grep -v '^#' out.tsv | awk '$2 > m { m = $2; r = NR } END { printf "%.17g %d", m, r }')
    rel "${peak% *}" 1 1e-9
    [ "${peak#* }" -eq 50 ]
    # the work of the end force per interface area: sum of (s1 + s2)/2 (e2 - e1) L, GPa x nm
    work=$(grep -v '^#' out.tsv | awk '{ w += 0.5 * ($2 + s) * ($1 - e) * 100; s = $2; e = $1 }
        END { printf "%.17g", w }')
    rel "$work" 2 1e-9
    # the damage and dissipation columns: 0 before the peak, Gc at the end
    [ "$(grep -v '^#' out.tsv | sed -n 50p | awk '{ print ($5 < 1e-9) }')" -eq 1 ]
    rel "$(tail -1 out.tsv | awk '{ print $6 }')" 2 1e-12
    rel "$(tail -1 out.tsv | awk '{ print $5 }')" 1 0
    # nu != 0: mixed mode along the interface; every point still dissipates Gc when broken
    sed -i 's/^a.nu = 0$/a.nu = 0.2/; s/^b.nu = 0$/b.nu = 0.35/' bil.txt
    run -0 --separate-stderr fpms fe-solve --elastic -m bil.txt -b tension --strain 0.05 \
        --steps 150 bar.msh
    [[ "$output" == *"# cohesive.dissipated = 2 J/m^2"* ]]
    [[ "$output" == *"# failure = interface"* ]]
}

@test "cohesive: the default steps for a bilinear law, its report on stderr, the VTU damage" {
    bar_mat bil.txt 'a/b.cohesive = bilinear' 'a/b.Kn = 1' 'a/b.Kt = 1' 'a/b.strength = 1' \
        'a/b.Gc = 2'
    run -0 --separate-stderr fpms fe-solve --elastic -m bil.txt -b tension --strain 0.05 -v bar.msh
    [[ "$output" == *"# steps = 100"* ]]
    [[ "$stderr" == *"interface damage starts at strain"* ]]
    [[ "$stderr" == *"the interface cracks (full damage)"* ]]
    # on the softening branch at strain 0.028 the opening delta and the bulk share the 2.8 nm:
    # 2.8 = (2/3 nm/GPa) sigma + delta with sigma = (4 - delta)/3 GPa, so delta = 17.2/7 nm and
    # d = 4 (delta - 1) / (3 delta) = 34/43, the VTU's damage on the interface's 2 x 5 node
    # copies, 0 elsewhere
    run -0 --separate-stderr fpms fe-solve --elastic -m bil.txt -b tension --strain 0.028 \
        --steps 56 --vtu d.vtu bar.msh
    $PY - d.vtu <<'EOF'
import sys, xml.etree.ElementTree as ET
import numpy as np
root = ET.parse(sys.argv[1]).getroot()
arr = {a.get("Name"): np.array(a.text.split(), float) for a in root.iter("DataArray")}
d = arr["damage"]
assert len(d) == len(arr["u"]) // 3, (len(d), len(arr["u"]))
assert (np.abs(d[d > 0] - 34 / 43) < 1e-9).all() and (d > 0).sum() == 10, d[d > 0]
EOF
}

@test "cohesive: errors name the material file and line" {
    check() {
        bar_mat bad.txt "$@"
        run -1 --separate-stderr fpms fe-solve --elastic -m bad.txt -b tension -o out.tsv bar.msh
        failed
    }
    check 'a/b.cohesive = sticky'
    [[ "$stderr" == "fe-solve: bad.txt:5: cohesive: 'sticky' is not bonded, linear or bilinear" ]]
    check 'a/b.cohesive = linear' 'a/b.Kn = 1'
    [[ "$stderr" == "fe-solve: bad.txt:5: 'a/b' is linear but has no Kt (a/b.Kt = ...)" ]]
    check 'a/b.cohesive = bilinear' 'a/b.Kn = 1' 'a/b.Kt = 1' 'a/b.strength = 1'
    [[ "$stderr" == "fe-solve: bad.txt:5: 'a/b' is bilinear but has no Gc (a/b.Gc = ...)" ]]
    check 'a/b.cohesive = linear' 'a/b.Kn = 1' 'a/b.Kt = 1' 'a/b.strength = 1'
    [[ "$stderr" == "fe-solve: bad.txt:8: a/b.strength goes with a/b.cohesive = bilinear" ]]
    check 'a/b.Kn = 1'
    [[ "$stderr" == "fe-solve: bad.txt:5: a/b.Kn goes with a/b.cohesive = linear or bilinear" ]]
    check 'a/b.cohesive = bilinear' 'a/b.Kn = 1' 'a/b.Kt = 1' 'a/b.strength = 1' 'a/b.Gc = 0.4'
    [[ "$stderr" == "fe-solve: bad.txt:5: 'a/b': the fracture energy 0.4 is not above strength^2 / (2 kn) = 0.5 (the bilinear law needs 2 gc / strength > strength / kn)" ]]
    check 'a/b.cohesive = linear' 'a/b.Kn = 0' 'a/b.Kt = 1'
    [[ "$stderr" == "fe-solve: bad.txt:6: Kn: 0 is out of range (> 0)" ]]
    check 'a/b.cohesive = linear' 'a/b.Kn = nan' 'a/b.Kt = 1'
    [[ "$stderr" == "fe-solve: bad.txt:6: Kn: 'nan' is not a finite number" ]]
    check 'a/b.cohesive = linear' 'a/b.Kn = 1, 2' 'a/b.Kt = 1'
    [[ "$stderr" == "fe-solve: bad.txt:6: Kn takes one number" ]]
    check 'a/b.cohesive = linear' 'a/b.Kn = GPa/nm' 'a/b.Kt = 1'
    [[ "$stderr" == "fe-solve: bad.txt:6: Kn: no value" ]]
    check 'a/b.cohesive = linear' 'a/b.Kn = 1e300' 'a/b.Kt = 1'
    [[ "$stderr" == "fe-solve: bad.txt:6: Kn: '1e300' overflows" ]]
    check 'a.cohesive = linear'
    [[ "$stderr" == "fe-solve: bad.txt:5: 'a' is a phase (2D) group; cohesive belongs to interfaces and boundaries" ]]
    check 'left.cohesive = linear' 'left.Kn = 1' 'left.Kt = 1'
    [[ "$stderr" == "fe-solve: bar.msh: "* ]]
}

@test "cohesive: periodic homogenisation of the layers with linear interfaces, exactly" {
    # stripes.msh: two interfaces per 100 nm period; nu = 0: C11 = 1/(f1/E1 + f2/E2 + 2/(Kn L)),
    # C66 = 1/(f1/G1 + f2/G2 + 2/(Kt L)) with G = E/2, C22 = f1 E1 + f2 E2
    printf '%s\n' 'matrix.E = 100' 'matrix.nu = 0' 'inclusion.E = 300' 'inclusion.nu = 0' \
        'matrix/inclusion.cohesive = linear' 'matrix/inclusion.Kn = 2' \
        'matrix/inclusion.Kt = 0.5' > sl.txt
    run -0 --separate-stderr fpms fe-solve --elastic -m sl.txt stripes.msh
    row=$(printf '%s\n' "$output" | tail -1)
    rel "$(echo "$row" | field 1)" "$(calc '1 / (0.5 / 100 + 0.5 / 300 + 2 / 200)')" 1e-9
    rel "$(echo "$row" | field 4)" "$(calc '1 / (0.5 / 50 + 0.5 / 150 + 2 / 50)')" 1e-9
    rel "$(echo "$row" | field 2)" 200 1e-9
    # the same E in tension
    run -0 --separate-stderr fpms fe-solve --elastic -m sl.txt -b tension stripes.msh
    rel "$(printf '%s\n' "$output" | field 3)" "$(calc '1 / (0.5 / 100 + 0.5 / 300 + 2 / 200)')" 1e-9
    # a bilinear law homogenises with its undamaged stiffness
    printf '%s\n' 'matrix/inclusion.strength = 1' 'matrix/inclusion.Gc = 2' >> sl.txt
    sed -i 's/= linear/= bilinear/' sl.txt
    run -0 --separate-stderr fpms fe-solve --elastic -m sl.txt stripes.msh
    [ "$(printf '%s\n' "$output" | tail -1)" == "$row" ]
}

@test "cohesive: entries are ignored with --heat, with a warning" {
    printf '%s\n' 'a.k = 1' 'b.k = 2' 'a/b.cohesive = linear' > h.txt
    cp "$FPMS_ROOT/tests/ref/fe-solve/bar-cohesive/in.msh" bar.msh
    run -0 --separate-stderr fpms fe-solve --heat -m h.txt bar.msh
    [[ "$stderr" == *"h.txt:3: a/b.cohesive is used only with --elastic"* ]]
}
