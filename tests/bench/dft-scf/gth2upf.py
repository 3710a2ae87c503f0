#!/usr/bin/python3
"""Writes a GTH/HGH pseudopotential of CP2K's GTH_POTENTIALS (Debian cp2k-data) as a UPF file
for Quantum ESPRESSO's pw.x, through QE's own converter: the entry is written in CPMD's
analytic "NORMCONSERVING GOEDECKER" form (&ATOM/&INFO/&POTENTIAL), which `upfconv.x -u`
(QE 6.7, upflib/read_cpmd.f90) tabulates on its logarithmic radial grid (Z, xmin = -7,
dx = 0.0125, rmax = 100 bohr). The numbers are copied digit for digit; nothing is fitted.

    gth2upf.py ELEMENT NAME OUT.UPF [GTH_POTENTIALS]
    gth2upf.py --abinit ELEMENT NAME OUT.psp10 [GTH_POTENTIALS]
    e.g. gth2upf.py Si GTH-PADE-q4 Si.upf

With --abinit it writes the same entry in ABINIT's pspcod 10 form instead (as the files of
tests/ref/dft-scf; pspxc 1 for PADE, 11 for PBE; spin-orbit k_ij lines zero), for the same
benches.

The CPMD XC code is 900 (Pade LDA, which upfconv labels SLA-PZ: QE 6.7 has no Teter Pade,
so pw.x runs the PADE potentials with Perdew-Zunger LDA unless input_dft says otherwise) or
1134 (PBE) by the entry's name. Needs upfconv.x on PATH.
"""
import os
import shutil
import subprocess
import sys
import tempfile

Z = {"H": 1, "He": 2, "Li": 3, "Be": 4, "B": 5, "C": 6, "N": 7, "O": 8, "F": 9, "Ne": 10,
     "Na": 11, "Mg": 12, "Al": 13, "Si": 14, "P": 15, "S": 16, "Cl": 17, "Ar": 18}


def entry(path, el, name):
    lines = open(path).read().splitlines()
    for i, l in enumerate(lines):
        w = l.split()
        if len(w) >= 2 and w[0] == el and name in w[1:]:
            body = []
            for m in lines[i + 1:]:
                if not m.strip() or m.lstrip().startswith("#") or m[0].isalpha():
                    break
                body.append(m.split())
            return body
    sys.exit("gth2upf: %s %s not in %s" % (el, name, path))


def abinit(el, name, src, zion, rloc, cs, chans, out):
    """pspcod 10: rows of h written as upper triangles, one line per row"""
    pspxc = 11 if "PBE" in name else 1
    f = ["%s %s (CP2K %s) in ABINIT pspcod 10 form (gth2upf.py)" % (el, name, src),
         "%5d %4d  210212 zatom,zion,pspdat" % (Z[el], zion),
         "10 %2d %2d 0 2001 0  pspcod,pspxc,lmax,lloc,mmax,r2well" % (pspxc, len(chans) - 1),
         " %s %d %s  rloc nloc c1..." % (rloc, len(cs), " ".join(cs)),
         " %d  nnonloc" % len(chans)]
    for l, (r, n, h) in enumerate(chans):
        for i in range(max(n, 1)):
            row = " ".join(str(h[i][j]) for j in range(i, n))
            f.append((" %s %d %s" % (r, n, row)) if i == 0 else "      " + row)
        if l > 0:
            for i in range(n):
                f.append("      " + " ".join("0.0" for j in range(i, n)))
    open(out, "w").write("\n".join(f) + "\n")


def main():
    args = sys.argv[1:]
    to_abinit = bool(args) and args[0] == "--abinit"
    if to_abinit:
        args = args[1:]
    if len(args) not in (3, 4):
        sys.exit(__doc__)
    el, name, out = args[0:3]
    src = args[3] if len(args) == 4 else "/usr/share/cp2k/GTH_POTENTIALS"
    b = entry(src, el, name)
    zion = sum(int(x) for x in b[0])
    rloc, nc = b[1][0], int(b[1][1])
    cs = b[1][2:2 + nc]
    nnl = int(b[2][0])
    rows, chans, k = [], [], 3
    for l in range(nnl):
        r, n = b[k][0], int(b[k][1])
        h = [[0.0] * n for _ in range(n)]
        vals = b[k][2:]
        k += 1
        for i in range(n):
            for j in range(i, n):
                h[i][j] = vals[j - i]
            if i + 1 < n:
                vals = b[k]
                k += 1
        chans.append((r, n, h))
        upper = [h[i][j] for i in range(n) for j in range(i, n)]
        rows.append(" %s %d %s" % (r, n, " ".join(upper)))
    if to_abinit:
        return abinit(el, name, src, zion, rloc, cs, chans, out)
    xc = "1134 0.666667" if "PBE" in name else "900 0.666667"
    cpmd = ["&ATOM", " Z  = %d" % Z[el], " ZV = %d" % zion, " XC = %s" % xc,
            " TYPE = NORMCONSERVING GOEDECKER", "&END", "&INFO",
            " %s %s from %s (gth2upf.py)" % (el, name, src), "&END", "&POTENTIAL", "    GOEDECKER",
            " %d" % nnl, " %s" % rloc, " %d %s" % (nc, " ".join(cs))] + rows + ["&END"]
    tmp = tempfile.mkdtemp()
    try:
        f = os.path.join(tmp, "pp.cpmd")
        open(f, "w").write("\n".join(cpmd) + "\n")
        subprocess.run(["upfconv.x", "-u", "pp.cpmd"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        res = [x for x in os.listdir(tmp) if x != "pp.cpmd"]
        if len(res) != 1:
            sys.exit("gth2upf: upfconv.x wrote %s" % res)
        shutil.copy(os.path.join(tmp, res[0]), out)
    finally:
        shutil.rmtree(tmp)


main()
