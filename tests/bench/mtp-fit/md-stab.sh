#!/bin/sh
# md-stab.sh MD_RUN SPEC START DMIN TEMP SEED...: whether MD runs with the potential SPEC (md-run's
# -p: mtp:FILE, tersoff:FILE). For each seed,
# md-run NVT (Bussi, tdamp 0.1 ps) at TEMP K for 25 ps (50000 steps of 0.5 fs) from START (a .cfg
# frame of C and B), a frame every 250 fs. Prints one word per seed, in order:
#   ran       every frame's closest pair at DMIN Angstrom or farther;
#   left      a frame's closest pair came below DMIN (the training set's closest, so the potential
#             drew atoms closer than its data ever were: a collapse into an unphysical well);
#   exploded  md-run stopped with exit 2 (mean kinetic energy above 1 keV per atom).
# Any other failure of md-run ends the script with its message and exit status.
set -e
md=$1 spec=$2 start=$3 dmin=$4 temp=$5
shift 5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
here=$(dirname "$0")
out=""
for seed in "$@"; do
    rc=0
    "$md" -p "$spec" -s C,B -n 50000 -T "$temp" --seed "$seed" --thermostat bussi \
        --traj "$tmp/t.xyz" --traj-every 500 -o /dev/null "$start" 2> "$tmp/err" || rc=$?
    if [ "$rc" = 2 ]; then
        w=exploded
    elif [ "$rc" != 0 ]; then
        cat "$tmp/err" >&2
        exit "$rc"
    else
        c=$(awk -f "$here/closest.awk" "$tmp/t.xyz")
        w=$(echo "$c $dmin" | awk '{ print $1 < $2 ? "left" : "ran" }')
    fi
    out="$out${out:+ }$w"
done
echo "$out"
