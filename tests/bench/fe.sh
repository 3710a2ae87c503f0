#!/bin/sh
# fe.sh: fe-solve against FreeFEM, the time to assemble and solve a periodic homogenisation of
# about one million unknowns (a disk at f = 0.2 with an interface conductance; two solves, along
# x and y) on the same mesh. Run by `make bench` (FPMS_BIN, FPMS_ROOT exported); not run in CI.
# Prints one line: both times, the ratio (FreeFEM / fpms: > 1 means fpms is faster), and k_xx of
# both. FreeFEM is skipped with a message when it is not installed; the mesh needs gmsh.
# Both run with OMP_NUM_THREADS=FE_BENCH_THREADS (1): keff.edp's clock() is CPU time, which is
# the wall time only on one thread (OpenBLAS under UMFPACK spins on more).
#   FE_BENCH_SIZE     element size of the mesh in nm on a 100 nm box (0.11: ~1e6 unknowns)
#   FE_BENCH_THREADS  threads of both (1)
set -e
root=${FPMS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${FPMS_BIN:-$root/bin}
ref=$root/tests/ref/fe-solve
size=${FE_BENCH_SIZE:-0.11}
OMP_NUM_THREADS=${FE_BENCH_THREADS:-1}
export OMP_NUM_THREADS
command -v gmsh > /dev/null || { echo "bench fe: skipped (no gmsh to make the mesh)"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/case"
"$bin/fe-mesh" -g disk -f 0.2 -s "$size" --size-iface "$size" -q -o "$work/case/in.msh"
cp "$ref/disk-kapitza/mat.txt" "$ref/disk-kapitza/freefem.args" "$work/case/"

# fpms: its own timers (-v: assembly, set-up, solves), and the wall time of the whole run
t0=$(date +%s.%N)
"$bin/fe-solve" --heat -v -m "$work/case/mat.txt" "$work/case/in.msh" > "$work/fpms.tsv" \
    2> "$work/fpms.err"
t1=$(date +%s.%N)
ndofs=$(sed -n 's/^# ndofs = //p' "$work/fpms.tsv")
fpms_t=$(awk '/time: assembly/ { gsub(",", ""); print $4 + $7 + $10 }' "$work/fpms.err")
fpms_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
fpms_k=$(grep -v '^#' "$work/fpms.tsv" | awk '{ print $1 }')

ff=$(command -v FreeFem++-nw || command -v FreeFem++ || true)
if [ -z "$ff" ]; then
    printf 'bench fe: %s unknowns: fpms assemble+solve %.2f s (wall %s s), kxx %s; FreeFEM skipped (FreeFem++ not installed: apt-get install freefem++)\n' \
        "$ndofs" "$fpms_t" "$fpms_wall" "$fpms_k"
    exit 0
fi
# FreeFEM: the mesh converted beforehand (not timed); keff.edp times its assembly and solves
# (clock()), and the wall time of the whole FreeFEM run (reading its mesh included)
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" "$ref/gmsh2freefem.py" "$work/case/in.msh" "$work/phase1.msh" matrix
"$py" "$ref/gmsh2freefem.py" "$work/case/in.msh" "$work/phase2.msh" inclusion
t0=$(date +%s.%N)
# shellcheck disable=SC2046
"$ff" -nw -v 0 "$ref/keff.edp" -dir "$work" $(cat "$work/case/freefem.args") > "$work/ff.out"
t1=$(date +%s.%N)
ff_t=$(awk '/^time assemble\+solve/ { print $3 }' "$work/ff.out")
ff_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
ff_k=$(grep -v '^time' "$work/ff.out" | tail -1 | awk '{ print $1 }')
awk -v n="$ndofs" -v a="$fpms_t" -v aw="$fpms_wall" -v b="$ff_t" -v bw="$ff_wall" \
    -v ka="$fpms_k" -v kb="$ff_k" -v th="$OMP_NUM_THREADS" 'BEGIN {
    printf "bench fe: %s unknowns, OMP_NUM_THREADS=%s: assemble+solve fpms %.2f s, FreeFEM %.2f s, ratio %.2f (fpms faster = ratio > 1); wall fpms %s s, FreeFEM %s s, ratio %.2f; kxx fpms %.12g FreeFEM %.12g\n",
        n, th, a, b, b / a, aw, bw, bw / aw, ka, kb }'
