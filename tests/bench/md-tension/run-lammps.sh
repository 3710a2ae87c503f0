#!/bin/sh
# run-lammps.sh: regenerates lammps.txt, the LAMMPS reference of md-tension.sh: uniaxial
# tension of graphene at 300 K, armchair and zigzag, 3 velocity seeds each, carbon from
# BNC.tersoff. Needs lmp (Debian lammps), /usr/bin/python3 with ASE (Debian python3-ase) and
# fpms's strain-gen (FPMS_BIN, default bin/). Run it by hand; CI and `make bench` only read
# lammps.txt (seeds 11 12 13) and lammps-extra.txt (seeds 14 to 19, written by
# `LAMMPS_SEEDS="14 15 16 17 18 19" LAMMPS_OUT=lammps-extra.txt ./run-lammps.sh`).
# LAMMPS_DIRS (armchair zigzag) and LAMMPS_SEEDS (11 12 13) select runs, LAMMPS_OUT
# (lammps.txt) the file in this directory.
#
# The sheets come from strain-gen (lattice constant 2.467 A; the npt equilibration relaxes it
# to BNC.tersoff's): armchair along x, -n 12,14,1 (672 atoms, 51.3 x 34.5 A) and zigzag along
# x, -n 20,8,1 (640 atoms, 49.3 x 34.2 A), 15 A of vacuum along z; ASE writes the LAMMPS data.
# in.tension pulls along x at TENSION_RATE (0.01/ps) after TENSION_NEQ (10000) steps of npt at
# zero x and y stress, 1 fs steps, to strain 0.35 (armchair) or 0.5 (zigzag): with the cut-off
# of BNC.tersoff (R = 1.95, D = 0.15 A) graphene hardens before it fails, the known artefact of
# Tersoff's switching function (Shenderova et al., Diam. Relat. Mater. 9, 1867 (2000)), and the
# zigzag peak comes near 0.4. We compare like with like: md-run reads the same file. Stress (GPa) = -pxx * 1e-4 * Lz /
# 3.35 with Lz = 15 A the box height (LAMMPS's pressure is that of the whole box, vacuum
# included, kinetic part included). E: slope of stress against strain from 0.5 to 2.5 % (fit.awk).
set -e
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin=${FPMS_BIN:-$root/bin}
lmp=${LMP:-lmp}
py=${PY:-/usr/bin/python3}
rate=${TENSION_RATE:-0.01}
neq=${TENSION_NEQ:-10000}
elo=${TENSION_ELO:-0.005}
efit=${TENSION_EFIT:-0.025}
thick=3.35
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
seeds=${LAMMPS_SEEDS:-11 12 13}
dirs=${LAMMPS_DIRS:-armchair zigzag}
dest=$here/${LAMMPS_OUT:-lammps.txt}
out=$dest.tmp
{
    echo "# LAMMPS reference for tests/bench/md-tension.sh, written by run-lammps.sh"
    echo "# LAMMPS $("$lmp" -h | sed -n 's/^Large-scale.*Simulator - //p') ($(command -v "$lmp")), $(date -u +%Y-%m-%d)"
    echo "# seeds: $seeds"
    echo "# command: OMP_NUM_THREADS=1 lmp -in in.tension -var data D -var seed S -var rate $rate -var emax E -var neq $neq -var out T (E = 0.35 armchair, 0.5 zigzag)"
    echo "# rate $rate /ps, dt 1 fs, 300 K, npt y (Nose-Hoover tdamp 0.1 ps, pdamp 1 ps), thickness $thick A, E fit over strain $elo to $efit"
    echo "# dir seed natoms E_GPa strength_GPa strain_at_peak"
} > "$out"
for dir in $dirs; do
    case $dir in
    armchair) n=12,14,1 emax=0.35 ;;
    zigzag) n=20,8,1 emax=0.5 ;;
    esac
    "$bin/strain-gen" -b graphene-rect --edge "$dir" -n "$n" -o "$work/$dir.xyz"
    "$py" -c "
import sys, ase.io
a = ase.io.read(sys.argv[1]); a.pbc = True
ase.io.write(sys.argv[2], a, format='lammps-data', specorder=['C'])
" "$work/$dir.xyz" "$work/$dir.data"
    natoms=$(head -1 "$work/$dir.xyz")
    lz=$(awk '/zlo zhi/ { print $2 - $1 }' "$work/$dir.data")
    for seed in $seeds; do
        (cd "$work" && OMP_NUM_THREADS=1 "$lmp" -in "$here/in.tension" -var data "$dir.data" \
            -var seed "$seed" -var rate "$rate" -var emax "$emax" -var neq "$neq" \
            -var out "$dir-$seed.dat" -log "$dir-$seed.log" -screen none)
        r=$(awk -v lz="$lz" -v t="$thick" '!/^#/ { print $2, -$3 * 1e-4 * lz / t }' \
            "$work/$dir-$seed.dat" | awk -v elo="$elo" -v efit="$efit" -f "$here/fit.awk")
        echo "$dir $seed $natoms $r" >> "$out"
    done
done
for dir in $dirs; do
    e=$(grep "^$dir " "$out" | awk -v c=4 -f "$here/stats.awk")
    s=$(grep "^$dir " "$out" | awk -v c=5 -f "$here/stats.awk")
    echo "# mean_sd $dir E $e strength $s" >> "$out"
done
mv "$out" "$dest"
cat "$dest"
