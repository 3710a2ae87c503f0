#!/usr/bin/env bats
# fe-solve against FreeFEM on the same mesh: the effective conductivity tensor of a periodic cell
# (an anisotropic disk in a matrix), with perfect contact and with an interface conductance, and
# the effective plane-stress stiffness of the same cell with two isotropic phases, bonded and
# with a linear cohesive interface.
# The stored numbers (tests/ref/fe-solve/<case>/expected.txt, see PROVENANCE there) are compared
# always; FreeFEM itself runs only when FreeFem++ is installed (Debian freefem++).
load helpers

REF=$FPMS_ROOT/tests/ref/fe-solve

setup() {
    cd "$BATS_TEST_TMPDIR"
}

# same WANT GOT: the rows of kxx kyy kxy agree to 1e-9 relative (or 1e-8 W/(m K) absolute, for
# kxy): P1 on the same mesh is the same discrete problem; fpms's PCG stops at --rtol 1e-10,
# FreeFEM's UMFPACK is direct.
same() {
    grep -v '^#' "$1" > want.txt
    grep -v '^#' "$2" | tail -1 > got.txt
    [ "$(wc -l < want.txt)" -eq 1 ] || { echo "$1: not one row"; return 1; }
    numdiff -q -a 1e-8 -r 1e-9 want.txt got.txt || {
        echo "want $(cat want.txt)"
        echo "got  $(cat got.txt)"
        return 1
    }
}

# same_cols WANT GOT: as same, for a table with more columns than WANT (fe-solve --elastic writes
# C11 C22 C12 C66 C16 C26 and then Ex Ey nuxy Gxy): its first columns, to 1e-9 relative or 1e-9
# GPa absolute (C16, C26: 3e-4 GPa, the mesh's asymmetry)
same_cols() {
    grep -v '^#' "$1" > want.txt
    n=$(awk '{ print NF; exit }' want.txt)
    grep -v '^#' "$2" | tail -1 | awk -v n="$n" '{ for (i = 1; i <= n; i++)
        printf "%s%s", $i, i < n ? " " : "\n" }' > got.txt
    [ "$(wc -l < want.txt)" -eq 1 ] || { echo "$1: not one row"; return 1; }
    numdiff -q -a 1e-9 -r 1e-9 want.txt got.txt || {
        echo "want $(cat want.txt)"
        echo "got  $(cat got.txt)"
        return 1
    }
}

# fpms CASE: runs the case's cmd in a copy of it, the table in CASE.tsv
run_case() {
    cp -r "$REF/$1" "$1"
    (cd "$1" && fpms $(cat cmd) > "../$1.tsv")
}

@test "stored FreeFEM numbers: perfect contact" {
    run_case disk-perfect
    same "$REF/disk-perfect/expected.txt" disk-perfect.tsv
}

@test "stored FreeFEM numbers: interface conductance G = 1e9 W/(m^2 K)" {
    run_case disk-kapitza
    same "$REF/disk-kapitza/expected.txt" disk-kapitza.tsv
    # the interface matters: k drops by more than 10 %
    awk -v a="$(grep -v '^#' disk-kapitza.tsv | awk '{ print $1 }')" \
        -v b="$(grep -v '^#' "$REF/disk-perfect/expected.txt" | awk '{ print $1 }')" \
        'BEGIN { exit !(a < 0.9 * b) }'
}

@test "the stored mesh is the one fe-solve reads, and both cases share it" {
    cmp "$REF/disk-perfect/in.msh" "$REF/disk-kapitza/in.msh"
    grep -q '^4.1 0 8$' "$REF/disk-perfect/in.msh"
}

@test "FreeFEM now: both cases, and the stored numbers still hold" {
    command -v FreeFem++-nw > /dev/null || command -v FreeFem++ > /dev/null ||
        skip "FreeFem++ is not installed (Debian freefem++): the stored numbers were compared above"
    for c in disk-perfect disk-kapitza; do
        mkdir "ff-$c"
        sh "$REF/freefem.sh" "$REF/$c" "$PWD/ff-$c" > "ff-$c.txt" 2> /dev/null
        run_case "$c"
        same "ff-$c.txt" "$c.tsv" || { echo "$c: fe-solve against FreeFEM"; return 1; }
        same "$REF/$c/expected.txt" "ff-$c.txt" || { echo "$c: FreeFEM against stored"; return 1; }
    done
}

@test "FreeFEM now: a fresh mesh from fe-mesh (gmsh) with a Kapitza interface" {
    command -v FreeFem++-nw > /dev/null || command -v FreeFem++ > /dev/null ||
        skip "FreeFem++ is not installed (Debian freefem++)"
    command -v gmsh > /dev/null || skip "no gmsh"
    mkdir fresh
    fpms fe-mesh -g disk -f 0.1 --box 80,60 -s 5 --size-iface 2 -q -o fresh/in.msh
    printf '%s\n' 'matrix.k = 3' 'inclusion.k = 50, 20, -7' 'matrix/inclusion.R = 2e-9' \
        > fresh/mat.txt
    echo '-k1 3,3,0 -k2 50,20,-7 -G 5e8' > fresh/freefem.args
    sh "$REF/freefem.sh" "$PWD/fresh" "$PWD/fresh" > ff.txt 2> /dev/null
    fpms fe-solve --heat -m fresh/mat.txt fresh/in.msh > fresh.tsv
    same ff.txt fresh.tsv
}

@test "stored FreeFEM numbers: the effective plane-stress stiffness, bonded disk" {
    run_case disk-elastic
    same_cols "$REF/disk-elastic/expected.txt" disk-elastic.tsv
    # the inclusion matters: C11 is 25 % above the matrix's E/(1 - nu^2) = 76.9 GPa
    awk -v c="$(grep -v '^#' disk-elastic.tsv | awk '{ print $1 }')" \
        'BEGIN { exit !(c > 1.2 * 70 / 0.91) }'
    cmp "$REF/disk-perfect/in.msh" "$REF/disk-elastic/in.msh"
}

@test "stored FreeFEM numbers: the stiffness with a linear cohesive interface" {
    run_case disk-cohesive
    same_cols "$REF/disk-cohesive/expected.txt" disk-cohesive.tsv
    # the interface matters: C11 drops by more than 40 % from the bonded cell's
    awk -v a="$(grep -v '^#' disk-cohesive.tsv | awk '{ print $1 }')" \
        -v b="$(grep -v '^#' "$REF/disk-elastic/expected.txt" | awk '{ print $1 }')" \
        'BEGIN { exit !(a < 0.6 * b) }'
    cmp "$REF/disk-perfect/in.msh" "$REF/disk-cohesive/in.msh"
}

@test "FreeFEM now: the elastic cases, and the stored numbers still hold" {
    command -v FreeFem++-nw > /dev/null || command -v FreeFem++ > /dev/null ||
        skip "FreeFem++ is not installed (Debian freefem++): the stored numbers were compared above"
    for c in disk-elastic disk-cohesive; do
        mkdir "ff-$c"
        sh "$REF/freefem.sh" "$REF/$c" "$PWD/ff-$c" > "ff-$c.txt" 2> /dev/null
        run_case "$c"
        same_cols "ff-$c.txt" "$c.tsv" || { echo "$c: fe-solve against FreeFEM"; return 1; }
        same_cols "$REF/$c/expected.txt" "ff-$c.txt" || { echo "$c: FreeFEM against stored"; return 1; }
    done
}

@test "stored FreeFEM numbers: Voronoi grains crossing the sides, perfect contact and G = 1e9" {
    cmp "$REF/grains-perfect/in.msh" "$REF/grains-kapitza/in.msh"
    run_case grains-perfect
    same "$REF/grains-perfect/expected.txt" grains-perfect.tsv
    run_case grains-kapitza
    same "$REF/grains-kapitza/expected.txt" grains-kapitza.tsv
    # the interfaces matter: kxx drops by more than 20 %
    awk -v a="$(grep -v '^#' grains-kapitza.tsv | awk '{ print $1 }')" \
        -v b="$(grep -v '^#' grains-perfect.tsv | awk '{ print $1 }')" \
        'BEGIN { exit !(a < 0.8 * b) }'
}

@test "FreeFEM now: the grains cases, and the stored numbers still hold" {
    command -v FreeFem++-nw > /dev/null || command -v FreeFem++ > /dev/null ||
        skip "FreeFem++ is not installed (Debian freefem++): the stored numbers were compared above"
    for c in grains-perfect grains-kapitza; do
        mkdir "ff-$c"
        sh "$REF/freefem.sh" "$REF/$c" "$PWD/ff-$c" > "ff-$c.txt" 2> /dev/null
        run_case "$c"
        same "ff-$c.txt" "$c.tsv" || { echo "$c: fe-solve against FreeFEM"; return 1; }
        same "$REF/$c/expected.txt" "ff-$c.txt" || { echo "$c: FreeFEM against stored"; return 1; }
    done
}

@test "FreeFEM now: a fresh grains mesh from fe-mesh with an interface conductance" {
    command -v FreeFem++-nw > /dev/null || command -v FreeFem++ > /dev/null ||
        skip "FreeFem++ is not installed (Debian freefem++)"
    command -v gmsh > /dev/null || skip "no gmsh"
    mkdir fresh
    fpms fe-mesh -g grains --grains 12 -f 0.5 --seed 7 --box 80,60 -s 6 -q -o fresh/in.msh
    printf '%s\n' 'matrix.k = 3' 'inclusion.k = 50, 20, -7' 'matrix/inclusion.R = 2e-9' \
        > fresh/mat.txt
    echo '-k1 3,3,0 -k2 50,20,-7 -G 5e8' > fresh/freefem.args
    cp "$REF/grains-kapitza/freefem.edp" fresh/
    sh "$REF/freefem.sh" "$PWD/fresh" "$PWD/fresh" > ff.txt 2> /dev/null
    fpms fe-solve --heat -m fresh/mat.txt fresh/in.msh > fresh.tsv
    same ff.txt fresh.tsv
}
