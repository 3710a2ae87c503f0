#!/bin/sh
# md-tension.sh: uniaxial tension of graphene at 300 K with md-run, against LAMMPS (issue 4):
# Young's modulus E and strength (peak stress), armchair and zigzag, 9 seeds each, carbon from
# BNC.tersoff, stress in GPa for a 3.35 A thickness. Run by `make bench` (FPMS_BIN, FPMS_ROOT
# exported); not run in CI. LAMMPS's numbers are stored in md-tension/lammps.txt and
# lammps-extra.txt (regenerate them with md-tension/run-lammps.sh, which holds the exact
# command, input and version), so this script does not need lmp.
#
# Same settings as md-tension/in.tension: the sheets of strain-gen (armchair along x,
# -n 12,14,1, 672 atoms; zigzag along x, -n 20,8,1, 640 atoms; 15 A vacuum), 10 ps at zero
# x and y stress (Nose-Hoover chain and MTK or stochastic cell rescaling; LAMMPS: fix npt), then
# tension along x at 0.01/ps engineering strain rate with y at zero stress, dt 1 fs, until
# 0.05 past the peak (LAMMPS ran to 0.35 and 0.5). E is the least-squares slope of stress
# against strain from 0.5 to 2.5 % (md-tension/fit.awk, as for LAMMPS).
#
# TENSION_SEEDS (11 to 19, as LAMMPS's stored runs) and TENSION_DIRS (armchair zigzag) select runs; TENSION_BARO (mtk)
# the barostat of both stages (mtk, as LAMMPS's fix npt, or scr); TENSION_OPTS adds md-run
# options. Run with OMP_NUM_THREADS=1 on a busy machine: OpenMP threads that spin while other
# jobs hold the cores made one armchair seed take 899 s instead of 12 s.
#
# Measured 2026-11-25 with --barostat mtk (the default here; OMP_NUM_THREADS=1, 2 vCPUs,
# about 25 s per armchair and 45 s per zigzag run), seeds 11 to 19 of md-run against LAMMPS's
# seeds 11 to 19 (lammps.txt and lammps-extra.txt; velocity seeds are not paired):
#   armchair: E md-run 958.3 +- 6.5 GPa, LAMMPS 950.6 +- 10.1 (ratio 1.008, within 2 sd)
#             strength 131.2 +- 1.1 GPa, LAMMPS 131.4 +- 0.7 (ratio 0.999, within 2 sd)
#   zigzag:   E 971.7 +- 11.9 GPa, LAMMPS 965.6 +- 6.3 (ratio 1.006, within 2 sd)
#             strength 204.1 +- 12.4 GPa, LAMMPS 207.7 +- 10.0 (ratio 0.983, within 2 sd)
# (the differences of the means are 1.9 and 1.4 standard errors of the difference for E).
# Three seeds (11 12 13) give armchair E 958.6 +- 8.6, strength 131.0 +- 1.5 and zigzag E
# 981.1 +- 13.2, strength 206.0 +- 18.0 GPa: three seeds scatter by about 1 %, and zigzag's E
# then lies outside two of LAMMPS's standard deviations (re-measured: the runs are
# deterministic); so the default is the nine seeds LAMMPS was run with.
# With --barostat scr (TENSION_BARO=scr), seeds 11 12 13 against LAMMPS's 11 12 13:
#   armchair: E md-run 918.5 +- 28.0 GPa, LAMMPS 955.2 +- 10.9 (ratio 0.961, outside 2 sd)
#             strength 131.7 +- 0.4 GPa, LAMMPS 130.9 +- 0.3 (ratio 1.007, outside 2 sd)
#   zigzag:   E 946.0 +- 7.4 GPa, LAMMPS 961.8 +- 3.7 (ratio 0.984, outside 2 sd)
#             strength 215.5 +- 5.3 GPa, LAMMPS 208.6 +- 8.2 (ratio 1.033, within 2 sd)
# and over seeds 11 to 19 against LAMMPS's 11 to 19: armchair E 940.1 +- 22.6 GPa (ratio
# 0.989, 1.3 standard errors low), strength 132.5 +- 0.9; zigzag E 953.2 +- 9.4 (ratio 0.987,
# 3.3 standard errors low), strength 216.7 +- 4.5 GPa (ratio 1.043). So scr's moduli sit 1 %
# low with two to three times mtk's scatter in armchair; mtk's sit 0.6-0.8 % high, within the
# spread of LAMMPS's seeds.
# At 10 K the moduli agree (md-run 1003-1022, LAMMPS 1017 GPa on a 168-atom sheet): the 1-4 %
# at 300 K with scr goes with the barostat (its first-order stochastic cell rescaling lets the
# lateral stress lag the pull by 1-3 GPa and scatter more; Nose-Hoover's integral action keeps
# its mean at zero; md-tension/PROVENANCE). MTK, integrated as LAMMPS's fix npt (checked step
# by step in tests/cli/md-run.bats), closes the gap (issue 4).
#
# Prints, per direction: our E and strength (mean +- sd over seeds), LAMMPS's, the ratio, and
# whether our mean lies within two of LAMMPS's standard deviations.
set -e
root=${FPMS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${FPMS_BIN:-$root/bin}
here=$root/tests/bench/md-tension
pot=${BNC_TERSOFF:-/usr/share/lammps/potentials/BNC.tersoff}
seeds=${TENSION_SEEDS:-11 12 13 14 15 16 17 18 19}
dirs=${TENSION_DIRS:-armchair zigzag}
# extra md-run options of both stages, e.g. TENSION_OPTS="--compressibility 0.0043"
opts=${TENSION_OPTS:-}
baro=${TENSION_BARO:-mtk}
# LAMMPS's runs compared with: every seed stored (11 to 13, and 14 to 19 when present)
refs=$here/lammps.txt
[ -r "$here/lammps-extra.txt" ] && refs="$refs $here/lammps-extra.txt"
rate=0.01
thick=3.35
[ -r "$pot" ] || { echo "bench md-tension: skipped (no $pot: apt-get install lammps-data)"; exit 0; }
"$bin/md-run" --help | grep -q -- --tension ||
    { echo "bench md-tension: skipped (md-run has no --tension yet)"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

# col FILE: "strain-column stress-column" of a stress-strain table, from its '#' header
# (the strain and the xx stress in GPa), or "1 2" when the header names neither
cols() {
    awk '/^#/ && !/=/ {
        for (i = 2; i <= NF; i++) {
            n = tolower($i)
            if (!s && n ~ /^strain/) s = i - 1
            if (!x && n ~ /^(s|sigma|stress)_?xx/ && n ~ /gpa/) x = i - 1
        }
    }
    END { print (s ? s : 1), (x ? x : 2) }' "$1"
}

run() { # run DIR N SEED: prints "E strength strain_at_peak"
    "$bin/strain-gen" -b graphene-rect --edge "$1" -n "$2" -o "$work/$1.xyz"
    "$bin/md-run" -q -p "tersoff:$pot" -s C --dt 1fs -T 300 --seed "$3" --thermostat nhc \
        --tdamp 0.1 --barostat $baro --pdamp 1ps --pdirs x,y --steps 10000 $opts \
        < "$work/$1.xyz" > "$work/eq.xyz"
    "$bin/md-run" -q -p "tersoff:$pot" -s C --dt 1fs -T 300 --seed "$3" --thermostat nhc \
        --tdamp 0.1 --barostat $baro --pdamp 1ps --pdirs y --tension x --strain-rate "$rate" $opts \
        --thickness "$thick" --past-peak 0.05 --steps 60000 \
        --stress-strain "$work/ss.tsv" < "$work/eq.xyz" > /dev/null
    set -- $(cols "$work/ss.tsv")
    awk -v a="$1" -v b="$2" '!/^#/ && NF { print $a, $b }' "$work/ss.tsv" |
        awk -v elo=0.005 -v efit=0.025 -f "$here/fit.awk"
}

for dir in $dirs; do
    case $dir in
    armchair) n=12,14,1 ;;
    zigzag) n=20,8,1 ;;
    esac
    : > "$work/ours.txt"
    t0=$(date +%s)
    for seed in $seeds; do
        echo "$dir $seed $(run "$dir" "$n" "$seed")" >> "$work/ours.txt"
    done
    t1=$(date +%s)
    oe=$(awk -v c=3 -f "$here/stats.awk" "$work/ours.txt")
    os=$(awk -v c=4 -f "$here/stats.awk" "$work/ours.txt")
    le=$(cat $refs | grep "^$dir " | awk -v c=4 -f "$here/stats.awk")
    ls=$(cat $refs | grep "^$dir " | awk -v c=5 -f "$here/stats.awk")
    awk -v dir="$dir" -v oe="$oe" -v os="$os" -v le="$le" -v ls="$ls" -v wall=$((t1 - t0)) \
        'BEGIN {
        split(oe, a, " "); split(os, b, " "); split(le, c, " "); split(ls, d, " ")
        ie = (a[1] - c[1] <= 2 * c[2] && c[1] - a[1] <= 2 * c[2]) ? "within" : "OUTSIDE"
        is = (b[1] - d[1] <= 2 * d[2] && d[1] - b[1] <= 2 * d[2]) ? "within" : "OUTSIDE"
        printf "bench md-tension: %s: E md-run %.1f +- %.1f GPa, LAMMPS %.1f +- %.1f (ratio %.3f, %s 2 sd of LAMMPS) (md-run %d s)\n", dir, a[1], a[2], c[1], c[2], a[1] / c[1], ie, wall
        printf "bench md-tension: %s: strength md-run %.1f +- %.1f GPa, LAMMPS %.1f +- %.1f (ratio %.3f, %s 2 sd of LAMMPS)\n", dir, b[1], b[2], d[1], d[2], b[1] / d[1], is
    }'
done
