#!/bin/sh
# freefem.sh CASEDIR [WORKDIR]: FreeFEM's effective conductivity (or stiffness) for one case of
# tests/ref/fe-solve. Converts CASEDIR/in.msh into FreeFEM's mesh format (gmsh2freefem.py: the
# same nodes and triangles; phase1 = "matrix", phase2 = "inclusion"), runs keff.edp (or the
# script CASEDIR/freefem.edp names, e.g. ceff.edp) with CASEDIR/freefem.args, and prints its row
# ("kxx kyy kxy" in W/(m K); ceff.edp: "C11 C22 C12 C66 C16 C26") on stdout and FreeFEM's
# "time assemble+solve S" on stderr.
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
edp=keff.edp
[ -f "$case/freefem.edp" ] && edp=$(cat "$case/freefem.edp")
"$ff" -nw -v 0 "$here/$edp" -dir "$work" $(cat "$case/freefem.args") > "$work/ff.out"
grep '^time ' "$work/ff.out" >&2 || true
grep -v '^time ' "$work/ff.out" | tail -1
[ -n "$2" ] || rm -rf "$work"
