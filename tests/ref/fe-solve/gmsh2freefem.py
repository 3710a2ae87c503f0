#!/usr/bin/python3
"""Gmsh MSH 4.1 ASCII (as fe-mesh writes it) -> FreeFEM's own .msh, the same nodes and triangles.

usage: gmsh2freefem.py MESH.msh OUT.msh [PHASE]

Without PHASE: every triangle (region = the phase's physical tag); boundary edges of the box.
With PHASE: only that phase's triangles, its nodes renumbered, and its interface edges as
boundary edges too. Labels: bottom 1, right 2, top 3, left 4, interface 10 (the Gmsh side
groups are found by name). FreeFEM reads the result with readmesh: nv nt nbe; x y label;
v1 v2 v3 region (1-based); v1 v2 label. Only the standard library (no numpy, no gmsh).
"""
import sys

SIDES = {"bottom": 1, "right": 2, "top": 3, "left": 4}
IFACE = 10


def sections(path):
    out, name, body = {}, None, []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("$End"):
                out[name] = body
                name = None
            elif line.startswith("$"):
                name, body = line[1:], []
            elif name is not None:
                body.append(line)
    return out


def main():
    src, dst = sys.argv[1], sys.argv[2]
    phase = sys.argv[3] if len(sys.argv) > 3 else None
    s = sections(src)
    if s["MeshFormat"][0].split()[0] != "4.1":
        sys.exit("gmsh2freefem: %s: not MSH 4.1" % src)
    names = {}
    for line in s["PhysicalNames"][1:]:
        d, t, n = line.split(None, 2)
        names[(int(d), int(t))] = n.strip('"')
    ent = s["Entities"]
    npts, ncur, nsurf, _ = map(int, ent[0].split())
    phys = {}  # (dim, entity tag) -> first physical tag
    for i, line in enumerate(ent[1 : 1 + npts + ncur + nsurf]):
        f = line.split()
        dim = 0 if i < npts else 1 if i < npts + ncur else 2
        nbox = 4 if dim == 0 else 7
        nph = int(f[nbox])
        if nph:
            phys[(dim, int(f[0]))] = int(f[nbox + 1])
    xy, nodes = {}, s["Nodes"]
    nblocks = int(nodes[0].split()[0])
    k = 1
    for _ in range(nblocks):
        _, _, _, n = map(int, nodes[k].split())
        tags = [int(t) for t in nodes[k + 1 : k + 1 + n]]
        for t, line in zip(tags, nodes[k + 1 + n : k + 1 + 2 * n]):
            x, y, _ = line.split()
            xy[t] = (x, y)
        k += 1 + 2 * n
    tris, edges, els = [], [], s["Elements"]
    nblocks = int(els[0].split()[0])
    k = 1
    for _ in range(nblocks):
        dim, etag, typ, n = map(int, els[k].split())
        for line in els[k + 1 : k + 1 + n]:
            v = [int(t) for t in line.split()[1:]]
            if typ == 2:
                tris.append((v, phys[(2, etag)]))
            elif typ == 1 and (1, etag) in phys:
                edges.append((v, phys[(1, etag)]))
        k += 1 + n
    want = None
    if phase is not None:
        want = [t for (d, t), n in names.items() if d == 2 and n == phase]
        if not want:
            sys.exit("gmsh2freefem: %s: no phase '%s'" % (src, phase))
        tris = [(v, r) for v, r in tris if r == want[0]]
    used = sorted({i for v, _ in tris for i in v})
    index = {t: i + 1 for i, t in enumerate(used)}
    bnd = []
    for v, g in edges:
        if not all(i in index for i in v):
            continue
        n = names.get((1, g), "")
        if n in SIDES:
            bnd.append((v, SIDES[n]))
        elif want is not None:
            bnd.append((v, IFACE))
    with open(dst, "w") as f:
        f.write("%d %d %d\n" % (len(used), len(tris), len(bnd)))
        for t in used:
            f.write("%s %s 0\n" % xy[t])
        for v, r in tris:
            f.write("%d %d %d %d\n" % (index[v[0]], index[v[1]], index[v[2]], r))
        for v, lab in bnd:
            f.write("%d %d %d\n" % (index[v[0]], index[v[1]], lab))


main()
