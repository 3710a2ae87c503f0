#!/bin/sh
# freefem.sh CASEDIR [WORKDIR]: FreeFEM's effective conductivity for one case of tests/ref/fe-solve.
# Converts CASEDIR/in.msh into FreeFEM's mesh format (gmsh2freefem.py: the same nodes and
# triangles; phase1 = "matrix", phase2 = "inclusion"), runs keff.edp with CASEDIR/freefem.args,
# and prints "kxx kyy kxy" (W/(m K)) on stdout and FreeFEM's "time assemble+solve S" on stderr.
# Needs FreeFem++-nw (or FreeFem++) and /usr/bin/python3.
set -e
here=$(cd "$(dirname "$0")" && pwd)
case=$1
work=${2:-$(mktemp -d)}
ff=$(command -v FreeFem++-nw || command -v FreeFem++)
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" "$here/gmsh2freefem.py" "$case/in.msh" "$work/full.msh"
"$py" "$here/gmsh2freefem.py" "$case/in.msh" "$work/phase1.msh" matrix
"$py" "$here/gmsh2freefem.py" "$case/in.msh" "$work/phase2.msh" inclusion
# shellcheck disable=SC2046
"$ff" -nw -v 0 "$here/keff.edp" -dir "$work" $(cat "$case/freefem.args") > "$work/ff.out"
grep '^time ' "$work/ff.out" >&2 || true
grep -v '^time ' "$work/ff.out" | tail -1
[ -n "$2" ] || rm -rf "$work"
