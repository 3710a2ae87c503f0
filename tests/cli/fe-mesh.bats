#!/usr/bin/env bats
# fe-mesh: every option and error path; the meshes go through fe-solve against closed forms
# and back through Gmsh itself. Needs Gmsh (Debian gmsh); skipped without it.
load helpers

setup() {
    cd "$BATS_TEST_TMPDIR"
    command -v "${GMSH:-gmsh}" > /dev/null || skip "no gmsh"
}

rel() {
    awk -v g="$1" -v w="$2" -v t="$3" 'BEGIN { d = g - w; if (d < 0) d = -d;
        a = w < 0 ? -w : w; if (d <= t * a) exit 0; print "got " g " want " w; exit 1 }'
}

calc() {
    awk "BEGIN { printf \"%.17g\", $1 }"
}

# physical names of a .msh, one per line: "dim tag name"
names() {
    sed -n '/^\$PhysicalNames/,/^\$EndPhysicalNames/p' "$1" | sed '1,2d;$d' | tr -d '"'
}

failed() {
    [[ "$stderr" =~ ^fe-mesh:\  ]] || { echo "stderr: $stderr"; return 1; }
    [ -z "$output" ] || { echo "stdout not empty"; return 1; }
    [ ! -e out.msh ] && [ ! -e out.geo ] || { echo "an output file was left"; return 1; }
}

@test "--help lists every option and exits 0" {
    run -0 --separate-stderr fpms fe-mesh --help
    [ "${lines[0]}" = "usage: fe-mesh [-g stripes|disk|disks|polygon|polygons|grains] [options]" ]
    for o in geometry box fraction period angle radius sides gap grains seed size size-iface grade phases geo \
             output progress quiet verbose help version; do
        [[ "$output" == *"--$o"* ]] || { echo "no --$o"; return 1; }
    done
}

@test "--version names fpms" {
    run -0 fpms fe-mesh --version
    [[ "$output" =~ ^fpms\ [0-9]+\.[0-9]+\ \(git\  ]]
}

@test "an unknown option is a usage error" {
    run -1 --separate-stderr fpms fe-mesh --frobnicate
    [[ "$stderr" == *"unknown option '--frobnicate'"* ]]
    [[ "$stderr" == *"usage: fe-mesh"* ]]
    failed
}

@test "stripes: groups for phases, interface and sides; a quality report; exact laminate" {
    run -0 --separate-stderr fpms fe-mesh -g stripes --box 100,50 --period 50 -f 0.4 -s 5
    printf '%s\n' "$output" > s.msh
    [ "$(names s.msh | tr '\n' ';')" = "2 1 matrix;2 2 inclusion;1 3 matrix/inclusion;1 4 left;1 5 right;1 6 bottom;1 7 top;" ]
    [[ "$stderr" =~ fe-mesh:\ [0-9]+\ nodes,\ [0-9]+\ triangles,\ [0-9]+\ interface\ edges,\ min\ angle\ [0-9.]+\ deg,\ fraction\ 0.4000 ]]
    angle=$(printf '%s\n' "$stderr" | sed 's/.*min angle \([0-9.]*\) deg.*/\1/')
    awk -v a="$angle" 'BEGIN { exit !(a > 25) }'
    head -2 s.msh | tail -1 | grep -qx '4.1 0 8'
    grep -q '^\$Periodic' s.msh
    printf '%s\n' 'matrix.k = 100' 'inclusion.k = 10' 'matrix/inclusion.G = 1e9' > m.txt
    run -0 --separate-stderr fpms fe-solve --heat -m m.txt s.msh
    # 4 interfaces in 100 nm: 60 nm of k = 100, 40 nm of k = 10
    rel "$(printf '%s\n' "$output" | tail -1 | awk '{ print $1 }')" "$(calc '100 / (60/100 + 40/10 + 4)')" 1e-9
    rel "$(printf '%s\n' "$output" | tail -1 | awk '{ print $2 }')" 64 1e-9
}

@test "Gmsh reads the mesh back, and fe-solve agrees on the result" {
    fpms fe-mesh -g disks -f 0.2 -r 12 --seed 3 -s 8 -q -o d.msh
    run -0 gmsh d.msh -save -format msh41 -o back.msh -v 1
    [ -s back.msh ]
    printf '%s\n' 'matrix.k = 10' 'inclusion.k = 100' 'matrix/inclusion.G = 5e9' > m.txt
    a=$(fpms fe-solve --heat -m m.txt d.msh | tail -1)
    b=$(fpms fe-solve --heat -m m.txt back.msh | tail -1)
    rel "$(echo "$a" | awk '{ print $1 }')" "$(echo "$b" | awk '{ print $1 }')" 1e-12
}

@test "disk: a dilute inclusion with interface conductance against Hasselman-Johnson" {
    fpms fe-mesh -g disk -f 0.05 -s 2 --size-iface 0.5 -q -o disk.msh
    a=$(calc 'sqrt(0.05 * 1e4 / 3.141592653589793)')
    printf '%s\n' 'matrix.k = 10' 'inclusion.k = 100' "matrix/inclusion.G = $(calc "100 / ($a * 1e-9)")" > m.txt
    run -0 --separate-stderr fpms fe-solve --heat -m m.txt disk.msh
    k=$(printf '%s\n' "$output" | tail -1)
    # k_i / (a G) = 1: k_i,eff = 50; Maxwell-Garnett with it
    want=$(calc '10 * (50 + 10 + 0.05 * 40) / (50 + 10 - 0.05 * 40)')
    rel "$(echo "$k" | awk '{ print $1 }')" "$want" 2e-4
    rel "$(echo "$k" | awk '{ print $2 }')" "$want" 2e-4
}

@test "disks: the fraction is hit; the same seed gives the same mesh, another seed another" {
    run -0 --separate-stderr fpms fe-mesh -g disks -f 0.3 -r 10 --seed 5 -s 6 --gap 2 -o a.msh
    [[ "$stderr" == *"(geometry 0.3000)"* ]]
    f=$(printf '%s\n' "$stderr" | sed 's/.*fraction \([0-9.]*\) .*/\1/')
    rel "$f" 0.3 0.02
    fpms fe-mesh -g disks -f 0.3 -r 10 --seed 5 -s 6 --gap 2 -q -o b.msh
    cmp a.msh b.msh
    fpms fe-mesh -g disks -f 0.3 -r 10 --seed 6 -s 6 --gap 2 -q -o c.msh
    ! cmp -s a.msh c.msh
}

@test "grains: both phases, the fraction near the target and reported, periodic, seeded" {
    run -0 --separate-stderr fpms fe-mesh -g grains --grains 40 -f 0.35 --seed 3 -s 4 -o a.msh
    [ "$(names a.msh | tr '\n' ';')" = "2 1 matrix;2 2 inclusion;1 3 matrix/inclusion;1 4 left;1 5 right;1 6 bottom;1 7 top;" ]
    grep -q '^\$Periodic' a.msh
    # the mesh's fraction is the geometry's (straight edges), within half a grain of the target
    f=$(printf '%s\n' "$stderr" | sed 's/.*fraction \([0-9.]*\) .*/\1/')
    g=$(printf '%s\n' "$stderr" | sed 's/.*(geometry \([0-9.]*\)).*/\1/')
    [ "$f" = "$g" ]
    rel "$f" 0.35 0.05
    fpms fe-mesh -g grains --grains 40 -f 0.35 --seed 3 -s 4 -q -o b.msh
    cmp a.msh b.msh
    fpms fe-mesh -g grains --grains 40 -f 0.35 --seed 4 -s 4 -q -o c.msh
    ! cmp -s a.msh c.msh
    # many grains: the fraction closer still
    run -0 --separate-stderr fpms fe-mesh -g grains --grains 400 -f 0.6 --box 100,60 -s 3 -o d.msh
    f=$(printf '%s\n' "$stderr" | sed 's/.*fraction \([0-9.]*\) .*/\1/')
    rel "$f" 0.6 0.01
}

@test "grains: fe-solve --heat gives k_eff between the Reuss and Voigt bounds" {
    run -0 --separate-stderr fpms fe-mesh -g grains --grains 30 -f 0.4 --seed 2 -s 4 -o g.msh
    f=$(printf '%s\n' "$stderr" | sed 's/.*fraction \([0-9.]*\) .*/\1/')
    printf '%s\n' 'matrix.k = 100' 'inclusion.k = 10' 'matrix/inclusion.G = inf' > m.txt
    run -0 --separate-stderr fpms fe-solve --heat -m m.txt g.msh
    row=$(printf '%s\n' "$output" | tail -1)
    voigt=$(calc "(1 - $f) * 100 + $f * 10")
    reuss=$(calc "1 / ((1 - $f) / 100 + $f / 10)")
    for c in 1 2; do
        k=$(printf '%s\n' "$row" | awk -v c=$c '{ print $c }')
        awk -v k="$k" -v lo="$reuss" -v hi="$voigt" 'BEGIN { exit !(k > lo && k < hi) }' ||
            { echo "k$c = $k not in ($reuss, $voigt)"; return 1; }
    done
}

@test "--phases names the groups; --geo keeps the script, which Gmsh meshes" {
    run -0 --separate-stderr fpms fe-mesh -g disk -r 20 --phases borophene,graphene \
        --size 10 --size-iface 2 --grade 15 --geo d.geo -o d.msh
    [ "$(names d.msh | tr '\n' ';')" = "2 1 borophene;2 2 graphene;1 3 borophene/graphene;1 4 left;1 5 right;1 6 bottom;1 7 top;" ]
    grep -q 'Disk(2) = {50, 50, 0, 20}' d.geo
    grep -q 'Field\[2\].SizeMin = 2;' d.geo
    grep -q 'Field\[2\].DistMax = 15;' d.geo
    run -0 gmsh d.geo -2 -o again.msh -v 1
    [ -s again.msh ]
}

@test "stripes at an angle that does not repeat: a warning, -q silences it" {
    run -0 --separate-stderr fpms fe-mesh -g stripes --angle 30 --period 40 -s 10 -o t.msh
    [[ "$stderr" == *"fe-mesh: warning: the stripes do not repeat with the box"* ]]
    ! grep -q '^\$Periodic' t.msh
    run -0 --separate-stderr fpms fe-mesh -g stripes --angle 30 --period 40 -s 10 -q -o t.msh
    [ -z "$stderr" ]
    # 45 degrees in a square of side P sqrt(2): periodic
    run -0 --separate-stderr fpms fe-mesh -g stripes --box 70.71067811865476,70.71067811865476 \
        --period 50 --angle 45 -s 6 -q -o p.msh
    grep -q '^\$Periodic' p.msh
    printf '%s\n' 'matrix.k = 100' 'inclusion.k = 10' > m.txt
    run -0 --separate-stderr fpms fe-solve --heat -m m.txt p.msh
    # the laminate tensor ks n n + kp (1 - n n), n at 45 degrees: kxx = (ks + kp)/2,
    # kxy = (ks - kp)/2
    ks=$(calc '1 / (0.5/100 + 0.5/10)')
    rel "$(printf '%s\n' "$output" | tail -1 | awk '{ print $1 }')" "$(calc "($ks + 55) / 2")" 1e-9
    rel "$(printf '%s\n' "$output" | tail -1 | awk '{ print $3 }')" "$(calc "($ks - 55) / 2")" 1e-9
}

@test "-v shows the run time; --progress the stages" {
    run -0 --separate-stderr fpms fe-mesh -g disk -s 20 -v -o v.msh
    [[ "$stderr" =~ fe-mesh:\ [0-9.]+\ s ]]
    run -0 --separate-stderr fpms fe-mesh -g disk -s 20 --progress -q -o v.msh
    [[ "$stderr" == *"fe-mesh: meshing with gmsh"* ]]
}

@test "bad option values are usage errors; nothing is written" {
    for bad in "-g squares" "--box 100" "--box 100,-1" "--box a,b" "-f 0" "-f 1" "-f x" \
               "--period 0" "--angle 400" "-r -1" "--gap -1" "--seed -1" "--seed x" "-s 0" \
               "--size-iface 0" "--grade -1" "--grains 1" "--grains 5001" "--grains 2.5" "--phases a" "--phases a,a" "--phases a/b,c" \
               "--phases ,b" "--size-iface 1e-4" "--sides 2" "--sides 65" "--sides 5-4" \
               "--sides x" "--sides 3-" "--sides -4" "-g polygon --sides 3-5"; do
        run -1 --separate-stderr fpms fe-mesh $bad -o out.msh --geo out.geo
        failed || { echo "$bad"; return 1; }
    done
    run -1 --separate-stderr fpms fe-mesh extra -o out.msh
    [[ "$stderr" == *"unexpected argument 'extra'"* ]]
    failed
}

@test "geometries that cannot be built; Gmsh missing; an unwritable output" {
    run -1 --separate-stderr fpms fe-mesh -g disks -f 0.7 -r 10 -s 10 -o out.msh --geo out.geo
    [[ "$stderr" == *"lower the fraction or the gap"* ]]
    failed
    run -1 --separate-stderr fpms fe-mesh -g disk -r 60 -o out.msh
    [[ "$stderr" == *"does not fit"* ]]
    failed
    run -1 --separate-stderr env GMSH=/nonexistent/gmsh "$FPMS_BIN/fe-mesh" -g disk -s 20 -o out.msh --geo out.geo
    [[ "$stderr" == *"gmsh failed"*"cannot run '/nonexistent/gmsh'"* ]]
    failed
    run -1 --separate-stderr fpms fe-mesh -g disk -s 20 -o nodir/out.msh
    [[ "$stderr" =~ ^fe-mesh:\ .*nodir/out.msh ]]
    [ -z "$output" ]
    [ ! -e nodir ]
}

@test "grains: short Voronoi edges merged, sides placed: min angle >= 20 deg (default case, 8 seeds)" {
    for s in 1 2 3 4 5 6 7 8; do
        run -0 --separate-stderr fpms fe-mesh -g grains --seed $s -o g$s.msh
        a=$(printf '%s\n' "$stderr" | sed 's/.*min angle \([0-9.]*\) deg.*/\1/')
        f=$(printf '%s\n' "$stderr" | sed 's/.*fraction \([0-9.]*\) .*/\1/')
        g=$(printf '%s\n' "$stderr" | sed 's/.*(geometry \([0-9.]*\)).*/\1/')
        awk -v a="$a" 'BEGIN { exit !(a >= 20) }' || { echo "seed $s: min angle $a"; return 1; }
        [ "$f" = "$g" ] || { echo "seed $s: mesh fraction $f, geometry $g"; return 1; }
        grep -q '^\$Periodic' g$s.msh
    done
    # still periodic for fe-solve, and -v says what was merged
    printf '%s\n' 'matrix.k = 10' 'inclusion.k = 100' 'matrix/inclusion.G = 1e9' > m.txt
    fpms fe-solve --heat -q -m m.txt g4.msh > /dev/null
    run -0 --separate-stderr fpms fe-mesh -g grains --seed 4 -v -o v.msh
    [[ "$stderr" == *"Voronoi edges shorter than 1.25 collapsed or stretched"* ]]
    cmp g4.msh v.msh
}

# a user's .geo (built-in kernel, physical names), meshed by Gmsh as MSH 2.2 and as 4.1
user_geo() {
    cat > user.geo << 'GEO'
h = 6;
Point(1) = {0, 0, 0, h}; Point(2) = {100, 0, 0, h}; Point(3) = {100, 80, 0, h};
Point(4) = {0, 80, 0, h};
Point(5) = {50, 20, 0, h/2}; Point(6) = {72, 42, 0, h/2}; Point(7) = {50, 64, 0, h/2};
Point(8) = {28, 42, 0, h/2};
Line(1) = {1, 2}; Line(2) = {2, 3}; Line(3) = {3, 4}; Line(4) = {4, 1};
Line(5) = {5, 6}; Line(6) = {6, 7}; Line(7) = {7, 8}; Line(8) = {8, 5};
Curve Loop(1) = {1, 2, 3, 4}; Curve Loop(2) = {5, 6, 7, 8};
Plane Surface(1) = {1, 2}; Plane Surface(2) = {2};
Physical Surface("matrix") = {1};
Physical Surface("inclusion") = {2};
Physical Curve("matrix/inclusion") = {5, 6, 7, 8};
Physical Curve("left") = {4};
GEO
}

@test "users' meshes: the same .geo saved as MSH 2.2 and 4.1 gives the same fe-solve result" {
    user_geo
    gmsh user.geo -2 -format msh22 -v 0 -o u22.msh
    gmsh user.geo -2 -format msh41 -v 0 -o u41.msh
    grep -q '^2.2 0 8$' u22.msh
    grep -q '^4.1 0 8$' u41.msh
    printf '%s\n' 'matrix.k = 10' 'inclusion.k = 100, 40, 10' 'matrix/inclusion.G = 1e9' > m.txt
    fpms fe-solve --heat -b slab -m m.txt u22.msh | grep -v '^# mesh' > r22.tsv
    fpms fe-solve --heat -b slab -m m.txt u41.msh | grep -v '^# mesh' > r41.tsv
    cmp r22.tsv r41.tsv
    # a periodic mesh from fe-mesh, converted by Gmsh to 2.2 ($Periodic with Affine)
    fpms fe-mesh -g disk -f 0.2 -s 10 -q -o p41.msh
    gmsh p41.msh -save -format msh22 -v 0 -o p22.msh
    grep -q '^Affine' p22.msh
    fpms fe-solve --heat -m m.txt p22.msh | grep -v '^# mesh' > q22.tsv
    fpms fe-solve --heat -m m.txt p41.msh | grep -v '^# mesh' > q41.tsv
    numdiff -q -r 1e-12 q22.tsv q41.tsv
}

@test "users' meshes: MSH 2.2 errors name file:line; -save_all has no phases" {
    user_geo
    gmsh user.geo -2 -format msh22 -v 0 -o u22.msh
    printf '%s\n' 'matrix.k = 10' 'inclusion.k = 100' > m.txt
    sed '14s/^\([0-9]*\) .*/\1 1e400 0 0/' u22.msh > bad.msh
    run -1 --separate-stderr fpms fe-solve --heat -b slab -m m.txt bad.msh
    [[ "$stderr" == "fe-solve: bad.msh:14: a coordinate is not finite"* ]] || { echo "$stderr"; return 1; }
    gmsh user.geo -2 -format msh22 -save_all -v 0 -o all.msh
    run -1 --separate-stderr fpms fe-solve --heat -b slab -m m.txt all.msh
    [[ "$stderr" == *"in 0 physical groups"*"-save_all"* ]] || { echo "$stderr"; return 1; }
}

@test "polygons: groups, the fraction exact and reported, periodic, seeded; k_eff within bounds" {
    run -0 --separate-stderr fpms fe-mesh -g polygons --sides 3-8 -f 0.25 -r 8 --seed 2 -s 5 -o a.msh
    [ "$(names a.msh | tr '\n' ';')" = "2 1 matrix;2 2 inclusion;1 3 matrix/inclusion;1 4 left;1 5 right;1 6 bottom;1 7 top;" ]
    grep -q '^\$Periodic' a.msh
    [[ "$stderr" == *"fraction 0.2500 (geometry 0.2500)"* ]] || { echo "$stderr"; return 1; }
    a=$(printf '%s\n' "$stderr" | sed 's/.*min angle \([0-9.]*\) deg.*/\1/')
    awk -v a="$a" 'BEGIN { exit !(a >= 20) }'
    fpms fe-mesh -g polygons --sides 3-8 -f 0.25 -r 8 --seed 2 -s 5 -q -o b.msh
    cmp a.msh b.msh
    fpms fe-mesh -g polygons --sides 3-8 -f 0.25 -r 8 --seed 3 -s 5 -q -o c.msh
    ! cmp -s a.msh c.msh
    printf '%s\n' 'matrix.k = 100' 'inclusion.k = 10' > m.txt
    run -0 --separate-stderr fpms fe-solve --heat -m m.txt a.msh
    row=$(printf '%s\n' "$output" | tail -1)
    for c in 1 2; do
        k=$(printf '%s\n' "$row" | awk -v c=$c '{ print $c }')
        awk -v k="$k" 'BEGIN { exit !(k > 1 / (0.75 / 100 + 0.25 / 10) && k < 0.75 * 100 + 2.5) }' ||
            { echo "k$c = $k"; return 1; }
    done
    # too dense: random sequential addition jams
    run -1 --separate-stderr fpms fe-mesh -g polygons -f 0.6 -r 10 -s 10 -o out.msh --geo out.geo
    [[ "$stderr" == *"lower the fraction or the gap"* ]]
    failed
}

@test "polygon: one regular polygon, exact fraction; a 48-gon is nearly the disk" {
    run -0 --separate-stderr fpms fe-mesh -g polygon --sides 6 --angle 15 -f 0.1 -s 5 -o h.msh
    [[ "$stderr" == *"fraction 0.1000 (geometry 0.1000)"* ]] || { echo "$stderr"; return 1; }
    printf '%s\n' 'matrix.k = 10' 'inclusion.k = 100' 'matrix/inclusion.G = 1e9' > m.txt
    # a 48-gon and a disk of the same area: k_eff within 0.3 % (the shapes differ by 0.3 % in radius)
    fpms fe-mesh -g polygon --sides 48 -f 0.2 -s 5 --size-iface 1 -q -o p.msh
    fpms fe-mesh -g disk -f 0.2 -s 5 --size-iface 1 -q -o d.msh
    kp=$(fpms fe-solve --heat -m m.txt p.msh | tail -1 | awk '{ print $1 }')
    kd=$(fpms fe-solve --heat -m m.txt d.msh | tail -1 | awk '{ print $1 }')
    rel "$kp" "$kd" 3e-3
    # a square turned 45 degrees (--angle: its vertices on the axes) keeps the cell's 90-degree
    # symmetry: kxx = kyy up to the mesh
    fpms fe-mesh -g polygon --sides 4 --angle 45 -f 0.3 -s 5 -q -o s.msh
    row=$(fpms fe-solve --heat -m m.txt s.msh | tail -1)
    rel "$(printf '%s\n' "$row" | awk '{ print $2 }')" "$(printf '%s\n' "$row" | awk '{ print $1 }')" 1e-3
    # does not fit
    run -1 --separate-stderr fpms fe-mesh -g polygon --sides 3 -f 0.9 -o out.msh --geo out.geo
    [[ "$stderr" == *"does not fit"* ]]
    failed
}
