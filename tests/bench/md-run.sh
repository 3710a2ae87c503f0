#!/bin/sh
# Benchmark: Tersoff graphene NVE (BNC.tersoff, C), 3840 atoms, 500 steps at 0.5 fs from 300 K,
# md-run against LAMMPS (Debian lmp) on identical input, one thread each, in the same run;
# printed as atom-steps per second and their ratio (the issue's goal: >= 1.5).
#   make bench   (or: FPMS_BIN=bin FPMS_ROOT=. sh tests/bench/md-run.sh)
set -e
PY=/usr/bin/python3
POT=/usr/share/lammps/potentials/BNC.tersoff
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
NSTEPS=500
"$FPMS_BIN/strain-gen" -q -b graphene-rect -n 40,24,1 -r 0.02 --seed 5 -o "$dir/g.xyz"
cd "$dir"
$PY "$FPMS_ROOT/tests/cli/md-run/lmp_compare.py" prepare g.xyz same.xyz same.data C
natoms=$(head -1 same.xyz)
best() { # best wall time of 3 runs of "$@", seconds
    b=""
    for i in 1 2 3; do
        t0=$(date +%s.%N); "$@" > /dev/null 2>&1; t1=$(date +%s.%N)
        b=$(echo "$t0 $t1 $b" | awk '{t = $2 - $1; if ($3 == "" || t < $3) print t; else print $3}')
    done
    echo "$b"
}
fp() { OMP_NUM_THREADS=1 "$FPMS_BIN/md-run" -q -p "tersoff:$POT" -s C -n $NSTEPS --dt 0.5fs \
    -T 300 --seed 1 -o /dev/null same.xyz; }
tf=$(best fp)
rate() { echo "$natoms $NSTEPS $1" | awk '{printf "%.3g", $1 * $2 / $3}'; }
if command -v lmp > /dev/null; then
    cat > in.lmp <<EOL
units metal
atom_style atomic
boundary p p p
read_data same.data
pair_style tersoff
pair_coeff * * $POT C
neighbor 1.0 bin
velocity all create 300 1 mom yes dist gaussian
fix 1 all nve
timestep 0.0005
thermo 100
run $NSTEPS
EOL
    lm() { OMP_NUM_THREADS=1 lmp -in in.lmp -log none -screen none; }
    tl=$(best lm)
    echo "bench md-run: Tersoff graphene $natoms atoms x $NSTEPS steps, 1 thread:" \
        "md-run $(rate "$tf") atom-steps/s, LAMMPS $(rate "$tl") atom-steps/s," \
        "ratio $(echo "$tl $tf" | awk '{printf "%.2f", $1 / $2}')x"
else
    echo "bench md-run: md-run $(rate "$tf") atom-steps/s (lmp absent: no ratio)"
fi

# md-run with MLIP's level-10 MTP (shared/interop), the same sheet, one thread: atom-steps/s/core.
MTP="$FPMS_ROOT/../shared/interop/mlip/pot_10.mtp"
if [ -f "$MTP" ]; then
    NMTP=50
    mt() { OMP_NUM_THREADS=1 "$FPMS_BIN/md-run" -q -p "mtp:$MTP" -s C,B -n $NMTP --dt 0.5fs \
        -T 300 --seed 1 -o /dev/null same.xyz; }
    tm=$(best mt)
    echo "bench md-run: MTP level 10 graphene $natoms atoms x $NMTP steps, 1 thread:" \
        "$(echo "$natoms $NMTP $tm" | awk '{printf "%.3g", $1 * $2 / $3}') atom-steps/s per core"
else
    echo "bench md-run: MTP skipped ($MTP absent)"
fi
