#!/bin/sh
# md-stab.sh MD_RUN SPEC START DMIN EMIN TEMP SEED...: whether MD runs with the potential SPEC
# (md-run's -p: mtp:FILE, tersoff:FILE). For each seed,
# md-run NVT (Bussi, tdamp 0.1 ps) at TEMP K for 25 ps (50000 steps of 0.5 fs) from START (a .cfg
# frame of C and B), a frame every 250 fs and its energy every 50 fs. Prints one word per seed,
# in order:
#   ran       every frame's closest pair at DMIN Angstrom or farther and every potential energy per
#             atom at EMIN eV or above;
#   left      a frame's closest pair came below DMIN (the training set's closest) or its potential
#             energy per atom below EMIN (the training set's lowest): the potential drew atoms
#             closer, or into a deeper well, than its data ever were: a collapse into an
#             unphysical well;
#   exploded  md-run stopped with exit 2 (mean kinetic energy above 1 keV per atom).
# Any other failure of md-run ends the script with its message and exit status.
set -e
md=$1 spec=$2 start=$3 dmin=$4 emin=$5 temp=$6
shift 6
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
here=$(dirname "$0")
out=""
for seed in "$@"; do
    rc=0
    "$md" -p "$spec" -s C,B -n 50000 -T "$temp" --seed "$seed" --thermostat bussi \
        --traj "$tmp/t.xyz" --traj-every 500 --thermo "$tmp/th" --thermo-every 100 -o /dev/null \
        "$start" 2> "$tmp/err" || rc=$?
    if [ "$rc" = 2 ]; then
        w=exploded
    elif [ "$rc" != 0 ]; then
        cat "$tmp/err" >&2
        exit "$rc"
    else
        c=$(awk -f "$here/closest.awk" "$tmp/t.xyz")
        n=$(awk 'NR == 1 { print $1; exit }' "$tmp/t.xyz")
        e=$(awk -v n="$n" '/^#/ { for (i = 2; i <= NF; i++) if ($i == "pe[eV]") col = i - 1; next }
            { x = $col / n; if (!k++ || x < m) m = x } END { printf "%.6f", m }' "$tmp/th")
        w=$(echo "$c $dmin $e $emin" | awk '{ print $1 < $2 || $3 < $4 ? "left" : "ran" }')
    fi
    out="$out${out:+ }$w"
done
echo "$out"
