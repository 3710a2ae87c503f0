#!/usr/bin/env bats
# fe-solve against FreeFEM on the same mesh: the effective conductivity tensor of a periodic cell
# (an anisotropic disk in a matrix), with perfect contact and with an interface conductance.
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
