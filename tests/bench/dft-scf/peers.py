#!/usr/bin/python3
"""Writes the ABINIT and pw.x inputs of one bench case from the extended XYZ frame that
dft-scf reads, so all three codes see the same cell, atoms, cutoff, k-mesh, smearing, bands
and functional. Used by tests/bench/dft-scf.sh.

    peers.py FRAME.xyz ECUT_HA K1,K2[,K3] TSMEAR_HA XC PSPDIR OUTDIR [SYM]

XC is lda or pbe. PSPDIR holds EL.psp10 (ABINIT pspcod 10) and EL.upf (pw.x) of every element.
Lengths go to both peers in bohr with CODATA 2014 (0.52917721067 Angstrom, lib/core/units.h).
Symmetry (SYM): none (the default) uses nothing beyond time reversal in either peer (ABINIT
nsym 1, kptopt 2; pw.x nosym), as dft-scf --nosym, so the three diagonalise at the same
k-points; auto lets each code find and use the crystal's symmetry (ABINIT kptopt 1, pw.x's
default). Bands: dft-scf's default for
smearing, max(1.2 nelec/2, nelec/2 + 4), given to both peers. Fermi-Dirac smearing of width
TSMEAR (ABINIT occopt 3; pw.x smearing 'fd', degauss in Ry). Stopping: an energy change below
1e-9 Ha in ABINIT (toldfe, twice in a row) and pw.x's estimated error below 2e-9 Ry
(conv_thr); dft-scf runs with --tol 1e-9. The FFT grid is each code's own choice.
"""
import math
import os
import re
import sys

BOHR = 0.52917721067
ZION = {"B": 3, "C": 4, "Si": 4}
ZNUC = {"B": 5, "C": 6, "Si": 14}
MASS = {"B": 10.811, "C": 12.011, "Si": 28.0855}


def read_xyz(path):
    lines = open(path).read().splitlines()
    n = int(lines[0])
    lat = [float(x) for x in re.search(r'Lattice="([^"]*)"', lines[1]).group(1).split()]
    cell = [lat[0:3], lat[3:6], lat[6:9]]
    atoms = [(w[0], [float(x) for x in w[1:4]]) for w in (l.split() for l in lines[2:2 + n])]
    return cell, atoms


def main():
    xyz, ecut, kpts, tsmear, xc, pspdir, out = sys.argv[1:8]
    sym = sys.argv[8] if len(sys.argv) > 8 else "none"
    ecut, tsmear = float(ecut), float(tsmear)
    k = ([int(x) for x in kpts.split(",")] + [1, 1])[:3]
    cell, atoms = read_xyz(xyz)
    species = sorted({a[0] for a in atoms}, key=lambda s: ZNUC[s])
    nelec = sum(ZION[a[0]] for a in atoms)
    nband = math.ceil(max(1.2 * nelec / 2, nelec / 2 + 4) - 1e-9)
    cb = [[x / BOHR for x in row] for row in cell]
    pb = [[x / BOHR for x in a[1]] for a in atoms]
    ixc = 11 if xc == "pbe" else 1
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "abinit.in"), "w") as f:
        f.write('pp_dirpath "%s"\n' % pspdir)
        f.write('pseudos "%s"\n' % ", ".join(s + ".psp10" for s in species))
        f.write("acell 3*1.0\nrprim\n")
        for row in cb:
            f.write("  %.17g %.17g %.17g\n" % tuple(row))
        f.write("ntypat %d\nznucl %s\nnatom %d\ntypat %s\nxcart\n" % (
            len(species), " ".join(str(ZNUC[s]) for s in species), len(atoms),
            " ".join(str(species.index(a[0]) + 1) for a in atoms)))
        for p in pb:
            f.write("  %.17g %.17g %.17g\n" % tuple(p))
        # chkprim 0: ABINIT's symmetry finder refuses a non-primitive cell (the 2x2 supercell)
        f.write("ixc %d\necut %.17g\nngkpt %d %d %d\nnshiftk 1\nshiftk 0 0 0\n%s"
                "nband %d\noccopt 3\ntsmear %.17g\nnstep 100\ntoldfe 1.0d-9\n"
                "prtwf 0\nprtden 0\nprteig 0\nprtgsr 0\n" % (
                    ixc, ecut, k[0], k[1], k[2],
                    "kptopt 2\nnsym 1\n" if sym == "none" else "kptopt 1\nchkprim 0\n", nband, tsmear))
    with open(os.path.join(out, "pw.in"), "w") as f:
        f.write("&control\n  calculation='scf', pseudo_dir='%s', outdir='./pwtmp',\n"
                "  prefix='bench', disk_io='none'\n/\n" % pspdir)
        f.write("&system\n  ibrav=0, nat=%d, ntyp=%d, ecutwfc=%.17g,%s\n"
                "  nbnd=%d, occupations='smearing', smearing='fd', degauss=%.17g\n/\n" % (
                    len(atoms), len(species), 2 * ecut, " nosym=.true.," if sym == "none" else "",
                    nband, 2 * tsmear))
        f.write("&electrons\n  conv_thr=2e-9\n/\nATOMIC_SPECIES\n")
        for s in species:
            f.write("%s %g %s.upf\n" % (s, MASS[s], s))
        f.write("CELL_PARAMETERS bohr\n")
        for row in cb:
            f.write("  %.17g %.17g %.17g\n" % tuple(row))
        f.write("ATOMIC_POSITIONS bohr\n")
        for a, p in zip(atoms, pb):
            f.write("%s %.17g %.17g %.17g\n" % (a[0], p[0], p[1], p[2]))
        f.write("K_POINTS automatic\n%d %d %d 0 0 0\n" % tuple(k))


main()
