#!/bin/sh
# Benchmark: read + write one 100 000-atom extended XYZ frame, fpms (xyzcat) against ASE 3.22
# (the peer every user has), measured in the same run; printed as a ratio. Best of 3 each.
#   make bench    (or: FPMS_BIN=bin FPMS_HELPERS=build/tests/helpers/bin sh tests/bench/extxyz.sh)
set -e
PY=/usr/bin/python3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$FPMS_BIN/strain-gen" -q -b graphene-rect -n 250,100,1 -r 0.05 --seed 3 -o "$dir/in.xyz"
best() { # best wall time of 3 runs of "$@", in seconds
    b=""
    for i in 1 2 3; do
        t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N)
        b=$(echo "$t0 $t1 $b" | awk '{t = $2 - $1; if ($3 == "" || t < $3) print t; else print $3}')
    done
    echo "$b"
}
fp() { "$FPMS_HELPERS/xyzcat" "$dir/in.xyz" > "$dir/fpms.xyz"; }
ase() { $PY -c "import sys; from ase.io import read, write; write(sys.argv[2], read(sys.argv[1]), format='extxyz')" "$dir/in.xyz" "$dir/ase.xyz"; }
tf=$(best fp)
if $PY -c 'import ase' 2>/dev/null; then
    ta=$(best ase)
    echo "bench extxyz: read+write 100000 atoms: fpms ${tf}s, ASE ${ta}s, speed-up $(echo "$ta $tf" | awk '{printf "%.2f", $1 / $2}')x"
else
    echo "bench extxyz: read+write 100000 atoms: fpms ${tf}s (ASE absent: no ratio)"
fi
