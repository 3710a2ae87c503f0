#!/bin/sh
# kappa-argon.sh: kappa-gk on heat-current series that LAMMPS (Debian lammps) writes for
# Lennard-Jones argon, against the literature value. Run by `make bench` (FPMS_BIN, FPMS_ROOT
# exported); not run in CI. Skipped with a message when `lmp` is not installed.
#
# The system is the state point of LAMMPS's examples/KAPPA/in.heatflux: reduced density 0.6,
# reduced temperature 1.35, LJ cut at 2.5 sigma, for which D. J. Evans, Phys. Rev. A 34, 1449
# (1986), Fig. 1, found kappa* = lambda sigma^2 sqrt(m/epsilon) / k_B of about 3.4 (as
# examples/KAPPA/README quotes it; LAMMPS's four NEMD scripts there give 3.41 to 3.55). In
# argon's units (epsilon = 0.0104 eV, sigma = 3.405 A, m = 39.948 amu: T = 162.93 K, 1 kappa* =
# 0.018873 W/(m K)) that is 0.0642 W/(m K). The input is
# tests/ref/kappa-gk/lj-argon/in.lj-argon: NVT (Nose-Hoover) equilibration, then NVE with
# compute heat/flux (ke/atom, pe/atom, stress/atom: exact for a pair potential) written every
# 5 steps of 4 fs by fix ave/time, and LAMMPS's own Green-Kubo integral (fix ave/correlate,
# trap()) over 10 ps, as in the KAPPA example.
#
# KAPPA_BENCH_RUNS independent runs (velocity seeds 1001, 1002, ...), KAPPA_BENCH_JOBS at a
# time, each KAPPA_BENCH_STEPS NVE steps (a multiple of 2495) of KAPPA_BENCH_CELLS^3 fcc cells
# (4 atoms each) after 10000 NVT steps. Defaults: 8 runs of 499000 steps (2 ns) of 500 atoms,
# 2 at a time: about 5 minutes on 2 cores.
#
# Prints one line per estimate and a last line saying whether the literature value lies
# within two error bars of kappa-gk's direct and cepstral values.
set -e
root=${FPMS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${FPMS_BIN:-$root/bin}
input=$root/tests/ref/kappa-gk/lj-argon/in.lj-argon
runs=${KAPPA_BENCH_RUNS:-8}
jobs=${KAPPA_BENCH_JOBS:-2}
steps=${KAPPA_BENCH_STEPS:-499000}
cells=${KAPPA_BENCH_CELLS:-5}
lmp=${LMP:-lmp}
command -v "$lmp" > /dev/null ||
    { echo "bench kappa-argon: skipped (no lmp: apt-get install lammps)"; exit 0; }
case $((steps % 2495)) in
0) ;;
*) echo "bench kappa-argon: KAPPA_BENCH_STEPS=$steps is not a multiple of 2495" >&2; exit 1 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# LAMMPS: the runs, $jobs at a time (serial lmp each, OMP_NUM_THREADS=1)
t0=$(date +%s)
i=1
while [ "$i" -le "$runs" ]; do
    j=0
    while [ "$j" -lt "$jobs" ] && [ "$i" -le "$runs" ]; do
        (cd "$work" && OMP_NUM_THREADS=1 "$lmp" -in "$input" -var cells "$cells" \
            -var seed $((1000 + i)) -var s 5 -var p 500 -var nrun "$steps" -var neq 10000 \
            -var out "J$i.dat" -log "log$i.lammps" -screen none) &
        i=$((i + 1))
        j=$((j + 1))
    done
    wait
done
t1=$(date +%s)
for i in $(seq 1 "$runs"); do
    grep -q '^gk: kappa' "$work/log$i.lammps" ||
        { echo "bench kappa-argon: LAMMPS run $i failed: see its log" >&2; tail "$work/log$i.lammps" >&2; exit 1; }
done
vol=$(awk '/^gk: volume/ { print $3; exit }' "$work/log1.lammps")
temp=$(awk '/^gk: volume/ { print $6; exit }' "$work/log1.lammps")
natoms=$((4 * cells * cells * cells))
ns=$(awk -v n="$steps" 'BEGIN { printf "%g", n * 0.004 / 1000 }')

# kappa-gk: every run at once; direct (first-dip cut-off) and cepstral; then the direct one
# with LAMMPS's own window (10 ps), which must equal LAMMPS's mean
set --
for i in $(seq 1 "$runs"); do set -- "$@" "$work/J$i.dat"; done
"$bin/kappa-gk" -q --dt 0.004 -V "$vol" -T "$temp" "$@" > "$work/k.tsv"
"$bin/kappa-gk" -q --dt 0.004 -V "$vol" -T "$temp" --tmax 9.98 --tcut 9.98 "$@" > "$work/k10.tsv"
col() { # col FILE NAME: column NAME of the average row (dir 0) of a kappa table
    awk -v name="$2" '
        /^#/ && !/=/ { for (i = 2; i <= NF; i++) { n = $i; sub(/\[.*/, "", n); c[n] = i - 1 } }
        !/^#/ && $1 == 0 { print $(c[name]) }' "$1"
}
kd=$(col "$work/k.tsv" kappa) ed=$(col "$work/k.tsv" kappa_err) tc=$(col "$work/k.tsv" tcut)
kc=$(col "$work/k.tsv" cepstral) ec=$(col "$work/k.tsv" cepstral_err)
k10=$(col "$work/k10.tsv" kappa) e10=$(col "$work/k10.tsv" kappa_err)
# LAMMPS's own: the mean and standard error over the runs of its per-run average
lam=$(cat "$work"/log*.lammps | awk '/^gk: kappa/ { s += $7; q += $7 * $7; n++ }
    END { m = s / n; printf "%.6g %.2g", m, sqrt((q / n - m * m) / (n - 1)) }')

awk -v kd="$kd" -v ed="$ed" -v tc="$tc" -v kc="$kc" -v ec="$ec" -v k10="$k10" -v e10="$e10" \
    -v lam="$lam" -v runs="$runs" -v na="$natoms" -v ns="$ns" -v T="$temp" -v V="$vol" \
    -v wall=$((t1 - t0)) 'BEGIN {
    kb = 1.38064852e-23; e = 1.6021766208e-19; u = 1.66053904e-27
    unit = kb / (3.405e-10)^2 * sqrt(0.0104 * e / (39.948 * u))   # W/(m K) per kappa*
    lit = 3.4 * unit
    split(lam, l, " ")
    printf "bench kappa-argon: LJ argon rho*=0.6 T*=1.35 (T=%.2f K, V=%.1f A^3), %d atoms, %d runs x %s ns NVE (LAMMPS %d s)\n", T, V, na, runs, ns, wall
    printf "bench kappa-argon: kappa-gk direct %.4f +- %.4f W/(m K) (first zero of the HCACF, %.2f ps) = %.2f +- %.2f kappa*\n", kd, ed, tc, kd / unit, ed / unit
    printf "bench kappa-argon: kappa-gk cepstral %.4f +- %.4f W/(m K) = %.2f +- %.2f kappa*\n", kc, ec, kc / unit, ec / unit
    printf "bench kappa-argon: kappa-gk direct to 9.98 ps %.5f +- %.5f; LAMMPS ave/correlate + trap() to 9.98 ps %.5f +- %.5f W/(m K) (ratio %.6f)\n", k10, e10, l[1], l[2], k10 / l[1]
    in_d = (kd - lit <= 2 * ed && lit - kd <= 2 * ed) ? "inside" : "OUTSIDE"
    in_c = (kc - lit <= 2 * ec && lit - kc <= 2 * ec) ? "inside" : "OUTSIDE"
    printf "bench kappa-argon: literature (Evans 1986) 3.4 kappa* = %.4f W/(m K): %s two error bars of direct (%+.1f%%), %s two of cepstral (%+.1f%%)\n", lit, in_d, 100 * (kd / lit - 1), in_c, 100 * (kc / lit - 1)
}'
