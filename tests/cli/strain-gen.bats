#!/usr/bin/env bats
# strain-gen: every option and every error path.
load helpers

setup() {
    cd "$BATS_TEST_TMPDIR"
}

# ase_eval FILE EXPR: evaluates a Python expression with `frames` = every frame of FILE (ASE)
ase_eval() {
    $PY -c "
import sys, numpy as np
from ase.io import read
frames = read(sys.argv[1], index=':', format=sys.argv[3] if len(sys.argv) > 3 else None)
print(($2))" "$1" "$2" ${3:-}
}

@test "--help prints usage on stdout and exits 0" {
    run -0 --separate-stderr fpms strain-gen --help
    [[ "${lines[0]}" == "usage: strain-gen "* ]]
    [ -z "$stderr" ]
}

@test "--version names fpms" {
    run -0 fpms strain-gen --version
    [[ "$output" =~ ^fpms\ [0-9]+\.[0-9]+\ \(git\  ]]
}

@test "an unknown option is a usage error with exit 1 and nothing on stdout" {
    run -1 --separate-stderr fpms strain-gen --frobnicate
    [[ "$stderr" == *"strain-gen: "* ]]
    [[ "$stderr" == *"usage: strain-gen"* ]]
    [ -z "$output" ]
}

@test "graphene: 2 atoms, sheet pbc, C-C bond 1.4243 A, config_type" {
    run -0 --separate-stderr fpms strain-gen -b graphene
    [ "${lines[0]}" = "2" ]
    [[ "${lines[1]}" == *'pbc="T T F"'* ]]
    [[ "${lines[1]}" == *"config_type=graphene_armchair"* ]]
    fpms strain-gen -b graphene > g.xyz
    run -0 ase_eval g.xyz "round(frames[0].get_distance(0, 1, mic=True), 4), round(frames[0].cell[2,2], 6)"
    [ "$output" = "(1.4243, 15.0)" ]
}

@test "graphene-rect with a supercell: 24 atoms, every atom 3 neighbours" {
    fpms strain-gen -b graphene-rect --edge zigzag -n 3,2,1 > g.xyz
    run -0 ase_eval g.xyz "len(frames[0]), sorted(set(np.bincount(__import__('ase.neighborlist', fromlist=['x']).neighbor_list('i', frames[0], 1.6))))"
    [ "$output" = "(24, [3])" ]
}

@test "--lattice and --vacuum take units" {
    fpms strain-gen -b graphene -a 0.25nm --vacuum 2nm > g.xyz
    run -0 ase_eval g.xyz "round(frames[0].cell.lengths()[0], 10), round(frames[0].cell[2,2], 10)"
    [ "$output" = "(2.5, 20.0)" ]
}

@test "borophene phases have their atom counts" {
    for pc in pmmn:2 beta12:5 chi3:8; do
        fpms strain-gen -b borophene --phase "${pc%:*}" > b.xyz
        run -0 ase_eval b.xyz "len(frames[0]), frames[0].info['config_type']"
        [ "$output" = "(${pc#*:}, 'borophene_${pc%:*}')" ]
    done
}

@test "a buckled sheet gets vacuum plus its thickness" {
    fpms strain-gen -b borophene --phase pmmn --vacuum 10 > b.xyz
    run -0 ase_eval b.xyz "round(frames[0].cell[2,2] - np.ptp(frames[0].positions[:,2]), 6)"
    [ "$output" = "10.0" ]
}

@test "diamond and fcc, primitive and cubic, with default elements" {
    run -0 sh -c "$FPMS_BIN/strain-gen -b diamond | head -1"
    [ "$output" = "2" ]
    run -0 sh -c "$FPMS_BIN/strain-gen -b diamond --cubic -e C | head -1"
    [ "$output" = "8" ]
    run -0 sh -c "$FPMS_BIN/strain-gen -b fcc --cubic | head -1"
    [ "$output" = "4" ]
    fpms strain-gen -b fcc -e Al > al.xyz
    run -0 ase_eval al.xyz "frames[0].get_chemical_symbols(), frames[0].info['config_type']"
    [ "$output" = "(['Al'], 'fcc_Al')" ]
}

@test "uniaxial strain over a range: frames, strain keys and cell lengths" {
    fpms strain-gen -b graphene-rect -u x -s 0:0.10:0.02 > s.xyz
    run -0 ase_eval s.xyz "len(frames), [round(float(f.info['strain']), 6) for f in frames], round(frames[5].cell[0,0] / frames[0].cell[0,0], 12), round(frames[5].cell[1,1] / frames[0].cell[1,1], 12)"
    [ "$output" = "(6, [0.0, 0.02, 0.04, 0.06, 0.08, 0.1], 1.1, 1.0)" ]
    run -0 ase_eval s.xyz "frames[1].info['config_type']"
    [ "$output" = "graphene_rect_armchair_uniaxial_x" ]
}

@test "--poisson contracts the other in-plane axis only" {
    fpms strain-gen -b graphene-rect -u y -s 0.1 --poisson 0.2 > s.xyz
    fpms strain-gen -b graphene-rect > ref.xyz
    run -0 $PY -c "
from ase.io import read
a, b = read('s.xyz'), read('ref.xyz')
print([round(x, 12) for x in a.cell.lengths() / b.cell.lengths()])"
    [ "$output" = "[0.98, 1.1, 1.0]" ]
}

@test "biaxial and shear strain of a sheet leave z alone; bulk biaxial is hydrostatic" {
    fpms strain-gen -b graphene-rect --biaxial -s 0.05 > b.xyz
    fpms strain-gen -b graphene-rect > ref.xyz
    run -0 $PY -c "
from ase.io import read
a, b = read('b.xyz'), read('ref.xyz')
print([round(x, 12) for x in a.cell.lengths() / b.cell.lengths()])"
    [ "$output" = "[1.05, 1.05, 1.0]" ]
    fpms strain-gen -b graphene-rect --shear xy -s 0.04 > sh.xyz
    run -0 $PY -c "
from ase.io import read
import numpy as np
a, b = read('sh.xyz'), read('ref.xyz')
F = np.linalg.solve(b.cell[:], a.cell[:]).T
print(np.round(F, 12).tolist())"
    [ "$output" = "[[1.0, 0.02, 0.0], [0.02, 1.0, 0.0], [0.0, 0.0, 1.0]]" ]
    fpms strain-gen -b fcc --cubic --biaxial -s 0,0.01 > f.xyz
    run -0 ase_eval f.xyz "[round(x, 12) for x in frames[1].cell.lengths() / frames[0].cell.lengths()]"
    [ "$output" = "[1.01, 1.01, 1.01]" ]
}

@test "rattle: same seed gives identical bytes, another seed differs, sigma as asked" {
    fpms strain-gen -b graphene-rect -n 10,6,1 -r 0.05 -c 3 --seed 11 > a.xyz
    fpms strain-gen -b graphene-rect -n 10,6,1 -r 0.05 -c 3 --seed 11 > b.xyz
    fpms strain-gen -b graphene-rect -n 10,6,1 -r 0.05 -c 3 --seed 12 > c.xyz
    cmp a.xyz b.xyz
    ! cmp -s a.xyz c.xyz
    fpms strain-gen -b graphene-rect -n 10,6,1 > ref.xyz
    run -0 $PY -c "
from ase.io import read
import numpy as np
r = read('ref.xyz'); fr = read('a.xyz', index=':')
d = np.concatenate([f.positions - r.positions for f in fr])
print(len(fr), fr[2].info['seed'], fr[2].info['iconfig'], fr[0].info['config_type'], abs(d.std() - 0.05) < 0.004)"
    [ "$output" = "3 11 2 graphene_rect_armchair_rattled True" ]
}

@test "--cell-sigma perturbs the in-plane cell of a sheet only" {
    fpms strain-gen -b graphene-rect --cell-sigma 0.02 -c 4 > c.xyz
    run -0 ase_eval c.xyz "[(round(f.cell[2,2], 12), round(abs(f.cell[0,2]) + abs(f.cell[1,2]) + abs(f.cell[2,0]) + abs(f.cell[2,1]), 12)) for f in frames[:2]], len({round(f.cell[0,0], 12) for f in frames})"
    [ "$output" = "([(15.0, 0.0), (15.0, 0.0)], 4)" ]
}

@test "the interface cell: report on stderr, mismatch keys, both species" {
    run -0 --separate-stderr fpms strain-gen -b hetero --edge zigzag --phase beta12
    [[ "$stderr" == "strain-gen: interface cell: "*"mismatch strain graphene"* ]]
    fpms strain-gen -q -b hetero --edge armchair --phase chi3 > h.xyz
    run -0 ase_eval h.xyz "sorted(set(frames[0].get_chemical_symbols())), 'mismatch_graphene' in frames[0].info, frames[0].info['config_type']"
    [ "$output" = "(['B', 'C'], True, 'hetero_armchair_chi3')" ]
    run -0 --separate-stderr fpms strain-gen -q -b hetero
    [ -z "$stderr" ]
}

@test "--hetero-nx, --hetero-ny, --gap, --dmin and --ly-max shape the interface cell" {
    # graphene: 4 atoms a rectangular cell, 2 x 2 cells; beta12: 5 atoms a cell, 3 x 3 cells
    fpms strain-gen -q -b hetero --hetero-nx 2,3 --hetero-ny 2,3 --gap 1.6 --dmin 0 > h.xyz
    run -0 ase_eval h.xyz "len(frames[0]), frames[0].get_chemical_symbols().count('C')"
    [ "$output" = "(61, 16)" ]
    run -1 --separate-stderr fpms strain-gen -q -b hetero --ly-max 1
    [[ "$stderr" == "strain-gen: "* ]]
    [ -z "$output" ]
}

@test "--format cfg needs --species, writes MLIP, and reads back" {
    run -1 --separate-stderr fpms strain-gen -b graphene -f cfg
    [[ "$stderr" == *"--species"* ]]
    fpms strain-gen -b graphene-rect -r 0.02 > g.xyz
    fpms strain-gen -f cfg --species C g.xyz > g.cfg
    grep -q BEGIN_CFG g.cfg
    fpms strain-gen --species C g.cfg > back.xyz
    run -0 $PY -c "
from ase.io import read
a, b = read('g.xyz'), read('back.xyz')
print(abs(a.positions - b.positions).max() < 1e-12, abs(a.cell[:] - b.cell[:]).max() < 1e-12)"
    [ "$output" = "True True" ]
}

@test "--format poscar writes VASP 5 that ASE reads; --input-format forces a reader" {
    fpms strain-gen -b diamond --cubic -f poscar > POSCAR
    run -0 ase_eval POSCAR "len(frames[0]), frames[0].get_chemical_formula()" vasp
    [ "$output" = "(8, 'Si8')" ]
    fpms strain-gen --input-format poscar --shear xy -s 0.01,0.02 < POSCAR > sh.xyz
    run -0 ase_eval sh.xyz "len(frames), frames[0].info['config_type']"
    [ "$output" = "(2, 'input_shear_xy')" ]
}

@test "reads a stream of several frames and keeps their config_type" {
    fpms strain-gen -b graphene -u x -s 0.01,0.02 > two.xyz
    run -0 sh -c "$FPMS_BIN/strain-gen -u y -s 0,0.1 < two.xyz | grep -c config_type=graphene_armchair_uniaxial_x_uniaxial_y"
    [ "$output" = "4" ]
}

@test "-o writes the file; with an error, no file and no stdout" {
    fpms strain-gen -b graphene -o out.xyz
    [ -s out.xyz ]
    printf '3\nLattice="2 0 0 0 2 0 0 0 2"\nC 0 0 0\nC 1 1 1\n' > bad.xyz
    run -1 --separate-stderr fpms strain-gen -u x -s 0.1 -o out2.xyz bad.xyz
    [[ "$stderr" =~ ^strain-gen:\ bad\.xyz:[0-9]+:\  ]]
    [ ! -e out2.xyz ]
    [ -z "$(ls | grep tmp)" ]
    run -1 --separate-stderr fpms strain-gen -u x -s 0.1 bad.xyz
    [ -z "$output" ]
}

@test "bad input: unknown element, NaN, bad Lattice, missing file" {
    printf '1\nLattice="2 0 0 0 2 0 0 0 2"\nXx 0 0 0\n' > a.xyz
    run -1 --separate-stderr fpms strain-gen a.xyz
    [[ "$stderr" =~ ^strain-gen:\ a\.xyz:3:\ .*Xx ]]
    printf '1\nLattice="2 0 0 0 2 0 0 0 2"\nC 0 nan 0\n' > n.xyz
    run -1 --separate-stderr fpms strain-gen n.xyz
    [[ "$stderr" =~ ^strain-gen:\ n\.xyz:3:\  ]]
    printf '1\nLattice="2 0 0 0 2"\nC 0 0 0\n' > l.xyz
    run -1 --separate-stderr fpms strain-gen l.xyz
    [[ "$stderr" =~ ^strain-gen:\ l\.xyz:2:\  ]]
    run -1 --separate-stderr fpms strain-gen missing.xyz
    [[ "$stderr" == "strain-gen: missing.xyz: No such file or directory" ]]
    [ -z "$output" ]
}

@test "usage errors: strain without a mode, two modes, bad values" {
    for args in "-s 0.1" "-u x --biaxial" "-u w" "--shear xx" "-s 0:1:0 -u x" "-c 0" \
                "-r -1" "--poisson 1.5" "-n 2,2" "-b nothing" "--phase delta" "--edge chiral" \
                "-e Xx" "-f pdb" "--species C,Q" "--seed -3" "-b graphene extra.xyz"; do
        run -1 --separate-stderr fpms strain-gen -b graphene $args
        [[ "$stderr" == "strain-gen: "* ]] || { echo "args: $args -> $stderr"; return 1; }
        [ -z "$output" ] || { echo "args: $args wrote stdout"; return 1; }
    done
}

@test "--count without randomness warns, -q silences it; -v reports" {
    run -0 --separate-stderr fpms strain-gen -b graphene -c 2
    [[ "$stderr" == "strain-gen: warning: --count 2 without"* ]]
    run -0 --separate-stderr fpms strain-gen -q -b graphene -c 2
    [ -z "$stderr" ]
    run -0 --separate-stderr fpms strain-gen -v -b graphene -u x -s 0,0.1
    [[ "$stderr" == *"2 configurations written"* ]]
}

@test "--progress prints one line per configuration" {
    run -0 --separate-stderr fpms strain-gen --progress -b graphene -u x -s 0,0.1,0.2
    [ "$(printf '%s\n' "$stderr" | grep -c '^strain-gen: configuration')" = 3 ]
}

@test "-o to a device or a FIFO writes through it and leaves it a device" {
    mkfifo fifo
    cat fifo > got.xyz &
    fpms strain-gen -b graphene -o fifo
    wait
    [ "$(head -1 got.xyz)" = "2" ]
    [ -p fifo ]
    mkdir adir
    run -1 --separate-stderr fpms strain-gen -b graphene -o adir
    [[ "$stderr" == "strain-gen: adir: Is a directory" ]]
}

@test "input from a named pipe (<(cmd), /dev/stdin): nothing is lost to format detection" {
    fpms strain-gen -b graphene-rect -n 2,1,1 > g.xyz
    fpms strain-gen -f cfg --species C g.xyz > g.cfg
    fpms strain-gen -f extxyz g.xyz > file.xyz
    fpms strain-gen -f extxyz <(cat g.xyz) > fifo.xyz
    cmp file.xyz fifo.xyz
    fpms strain-gen -f extxyz --species C <(cat g.cfg) > fifo-cfg.xyz
    fpms strain-gen -f extxyz --species C g.cfg > file-cfg.xyz
    cmp file-cfg.xyz fifo-cfg.xyz
    fpms strain-gen -f extxyz /dev/stdin < g.xyz > stdin.xyz
    cmp file.xyz stdin.xyz
}
