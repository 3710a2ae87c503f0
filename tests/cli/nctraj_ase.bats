#!/usr/bin/env bats
# AMBER NetCDF trajectories (formats/nctraj) against ASE 3.22: fpms writes, ASE reads; ASE
# writes, fpms reads. Every number is compared by tests/cli/nctraj_ase.py. nccat is the
# test-only converter tests/helpers/nccat.c (extxyz <-> NetCDF).
load helpers

NCCAT="$FPMS_HELPERS/nccat"
ASEPY="$BATS_TEST_DIRNAME/nctraj_ase.py"

setup() {
    cd "$BATS_TEST_TMPDIR"
    $PY "$ASEPY" check-import 2>/dev/null || skip "ASE or netCDF4 not importable by $PY"
    [ -x "$NCCAT" ] || skip "nccat not built ($NCCAT)"
}

# Runs nccat, under valgrind when FPMS_VALGRIND is set (make valgrind).
nccat() {
    if [ -n "$FPMS_VALGRIND" ]; then
        valgrind -q --error-exitcode=99 --leak-check=full \
            --suppressions="$FPMS_ROOT/tests/valgrind.supp" "$NCCAT" "$@"
    else
        "$NCCAT" "$@"
    fi
}

@test "fpms writes (double), ASE reads: triclinic, pbc T T F, velocities, forces, energy, stress" {
    $PY "$ASEPY" gen-xyz frames.xyz
    run -0 --separate-stderr nccat -d xyz2nc traj.nc < frames.xyz
    [ -z "$output" ]
    run -0 $PY "$ASEPY" check-fpms-nc traj.nc frames.xyz --double
    assert_output --partial "ok: 4 frames"
}

@test "fpms writes (float, as the convention asks), ASE reads: float32 of every number" {
    $PY "$ASEPY" gen-xyz frames.xyz
    run -0 nccat xyz2nc traj.nc < frames.xyz
    run -0 $PY "$ASEPY" check-fpms-nc traj.nc frames.xyz
    assert_output --partial "ok: 4 frames"
}

@test "a rotated cell written with -r (standard orientation): ASE gets the exact cell" {
    $PY "$ASEPY" gen-xyz frames.xyz --rotated --pbc TTT
    run -0 nccat -d -r xyz2nc traj.nc < frames.xyz
    run -0 $PY "$ASEPY" check-fpms-nc traj.nc frames.xyz --double --reoriented
    assert_output --partial "ok: 4 frames"
}

@test "ASE writes, fpms reads: positions, cell, pbc, species, velocities" {
    $PY "$ASEPY" gen-nc ase.nc
    run -0 --separate-stderr nccat nc2xyz ase.nc
    echo "$output" > fpms.xyz
    run -0 $PY "$ASEPY" check-ase-nc ase.nc fpms.xyz
    assert_output --partial "ok: 3 frames"
}

@test "fpms reads its own file back to the same extxyz (double precision)" {
    $PY "$ASEPY" gen-xyz frames.xyz
    nccat -d xyz2nc traj.nc < frames.xyz
    nccat nc2xyz traj.nc > back.xyz
    nccat -d xyz2nc traj2.nc < back.xyz
    nccat nc2xyz traj2.nc > back2.xyz
    run -0 cmp back.xyz back2.xyz
}

@test "ncdump -h: AMBER attributes, 64-bit offset, units" {
    command -v ncdump >/dev/null || skip "ncdump not installed"
    $PY "$ASEPY" gen-xyz frames.xyz
    nccat xyz2nc traj.nc < frames.xyz
    run -0 ncdump -k traj.nc
    assert_output "64-bit offset"
    run -0 ncdump -h traj.nc
    assert_output --partial ':Conventions = "AMBER" ;'
    assert_output --partial ':ConventionVersion = "1.0" ;'
    assert_output --partial ':program = "fpms" ;'
    assert_output --regexp ':programVersion = "[0-9]+\.[0-9]+'
    assert_output --partial 'frame = UNLIMITED ; // (4 currently)'
    assert_output --partial 'float coordinates(frame, atom, spatial) ;'
    assert_output --partial 'coordinates:units = "angstrom" ;'
    assert_output --partial 'velocities:units = "angstrom/picosecond" ;'
    assert_output --partial 'forces:units = "eV/angstrom" ;'
    assert_output --partial 'time:units = "picosecond" ;'
    assert_output --partial 'double cell_lengths(frame, cell_spatial) ;'
    assert_output --partial 'cell_angles:units = "degree" ;'
    assert_output --partial 'char cell_angular(cell_angular, label) ;'
    assert_output --partial 'int atom_types(frame, atom) ;'
}

@test "stdout: xyz2nc - writes the file to stdout" {
    $PY "$ASEPY" gen-xyz frames.xyz
    nccat -d xyz2nc - < frames.xyz > out.nc
    run -0 $PY "$ASEPY" check-fpms-nc out.nc frames.xyz --double
}

@test "errors: not NetCDF, missing file, bad frame; no file left behind" {
    printf '1\n\nSi 0 0 0\n' > one.xyz
    run -1 --separate-stderr nccat nc2xyz one.xyz
    [[ "$stderr" == "nccat: one.xyz: not a NetCDF file ("*")" ]]
    [ -z "$output" ]
    run -1 --separate-stderr nccat nc2xyz missing.nc
    [[ "$stderr" == "nccat: missing.nc: No such file or directory" ]]
    # the second frame has another atom count: nothing is published
    printf '1\n\nSi 0 0 0\n2\n\nSi 0 0 0\nC 1 1 1\n' > two.xyz
    run -1 --separate-stderr nccat xyz2nc bad.nc < two.xyz
    [[ "$stderr" == "nccat: bad.nc: frame 1 has 2 atoms, the trajectory 1" ]]
    [ ! -e bad.nc ]
    run ls
    refute_output --partial ".tmp"
}
