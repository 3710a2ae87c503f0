#!/usr/bin/python3
"""md-run --barostat mtk against LAMMPS's fix npt (Debian's `lmp`), for tests/cli/md-run.bats.

  lmp_npt.py run V.xyz PAIRFILE STEPS DT_PS TEMP TDAMP PRESS_BAR PDAMP EVERY DIRS OUT.txt
      Writes V.xyz (positions, orthogonal cell, velocities: md-run's thermalised input) as a
      LAMMPS data file with the same doubles (%.17g; velocities in A/ps from ASE's momenta),
      runs `fix 1 all npt temp TEMP TEMP TDAMP <d> PRESS PRESS PDAMP ...` for each direction d
      of DIRS ("x,y": couple none, tchain 3, pchain 3, mtk yes, LAMMPS's defaults) with the
      pair lines of PAIRFILE, and writes OUT.txt: one thermo row per EVERY steps (step temp pe
      lx ly lz pxx pyy pzz etotal f_1, %.17g), then `atoms` and the final unwrapped positions
      relative to the box's lower corner and velocities (A, A/ps), one atom a line.

  lmp_npt.py compare THERMO.tsv OUT.xyz LMP.txt RTOL XTOL
      md-run's thermo table (columns temp pe ... econs lx ly lz) and final frame against
      LAMMPS's: temp, pe and the cell lengths of every row to RTOL relative, every final
      position to XTOL Angstrom and velocity to XTOL A/ps (relative to the largest). Prints the
      deviations; exits 1 when one is too large.
"""
import os
import subprocess
import sys

import numpy as np
from ase.io import read
from ase.units import fs

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lmp_compare import thermo_rows  # noqa: E402 (the helper beside this one)


def run(vxyz, pairfile, steps, dt, temp, tdamp, press, pdamp, every, dirs, out):
    a = read(vxyz)
    c = a.cell.array
    if np.abs(c - np.diag(np.diag(c))).max() > 0:
        sys.exit("lmp_npt.py: the cell must be orthogonal")
    v = a.get_velocities() * 1000 * fs
    syms = sorted(set(a.get_chemical_symbols()))
    with open("npt.data", "w") as f:
        f.write("md-run mtk comparison (lmp_npt.py)\n\n%d atoms\n%d atom types\n\n"
                % (len(a), len(syms)))
        f.write("0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n\nMasses\n\n"
                % (c[0, 0], c[1, 1], c[2, 2]))
        from ase.data import atomic_masses, atomic_numbers
        for t, s in enumerate(syms):
            f.write("%d %.17g\n" % (t + 1, atomic_masses[atomic_numbers[s]]))
        f.write("\nAtoms # atomic\n\n")
        for i, (s, x) in enumerate(zip(a.get_chemical_symbols(), a.positions)):
            f.write("%d %d %.17g %.17g %.17g\n" % (i + 1, syms.index(s) + 1, *x))
        f.write("\nVelocities\n\n")
        for i, u in enumerate(v):
            f.write("%d %.17g %.17g %.17g\n" % (i + 1, *u))
    baro = " ".join("%s %s %s %s" % (d, press, press, pdamp) for d in dirs.split(","))
    script = f"""units metal
atom_style atomic
boundary p p p
read_data npt.data
{open(pairfile).read()}
neighbor 1.0 bin
timestep {dt}
fix 1 all npt temp {temp} {temp} {tdamp} {baro}
thermo_style custom step temp pe lx ly lz pxx pyy pzz etotal f_1
thermo_modify format float %.17g
thermo {every}
dump d all custom {steps} npt.dump id xu yu zu vx vy vz
dump_modify d sort id format float %.17g
run {steps}
"""
    r = subprocess.run(["lmp", "-log", "npt.log", "-screen", "none", "-nocite"], input=script,
                       text=True, capture_output=True)
    if r.returncode != 0:
        sys.stderr.write(open("npt.log").read()[-3000:])
        sys.exit("lmp failed")
    rows = thermo_rows(open("npt.log").read(), "Step", conv=str)
    lines = open("npt.dump").read().splitlines()
    last = max(i for i, l in enumerate(lines) if l.startswith("ITEM: TIMESTEP"))
    lines = lines[last:]
    k = lines.index(next(l for l in lines if l.startswith("ITEM: BOX BOUNDS")))
    lo = [float(lines[k + 1 + d].split()[0]) for d in range(3)]
    k = lines.index(next(l for l in lines if l.startswith("ITEM: ATOMS")))
    at = np.array([[float(x) for x in l.split()] for l in lines[k + 1:]])
    with open(out, "w") as o:
        for w in rows:
            o.write(" ".join(w) + "\n")
        o.write("atoms\n")
        for r_ in at:
            o.write("%.17g %.17g %.17g %.17g %.17g %.17g\n"
                    % (r_[1] - lo[0], r_[2] - lo[1], r_[3] - lo[2], r_[4], r_[5], r_[6]))


def compare(thermo, outxyz, lmp, rtol, xtol):
    rtol, xtol = float(rtol), float(xtol)
    t = np.loadtxt(thermo)
    txt = open(lmp).read().split("atoms\n")
    l = np.array([[float(x) for x in s.split()] for s in txt[0].splitlines()])
    ref = np.array([[float(x) for x in s.split()] for s in txt[1].splitlines()])
    if len(l) != len(t):
        sys.exit("lmp_npt.py: %d LAMMPS rows, %d md-run rows" % (len(l), len(t)))
    # md-run: frame step time temp pe ke etot [stress] econs lx ly lz
    dt_ = np.abs(t[:, 3] / l[:, 1] - 1).max()
    dpe = np.abs(t[:, 4] / l[:, 2] - 1).max()
    dl = np.abs(t[:, -3:] / l[:, 3:6] - 1).max()
    a = read(outxyz)
    x, v = a.positions, a.get_velocities() * 1000 * fs
    dx = np.abs(x - ref[:, :3]).max()
    dv = np.abs(v - ref[:, 3:]).max() / np.abs(ref[:, 3:]).max()
    print("rows %d: T rel %.3g, pe rel %.3g, cell rel %.3g; final x %.3g A, v rel %.3g;"
          " lx %.10g -> %.10g" % (len(t), dt_, dpe, dl, dx, dv, l[0, 3], l[-1, 3]))
    if not (dt_ <= rtol and dpe <= rtol and dl <= rtol and dx <= xtol and dv <= xtol):
        sys.exit("md-run and LAMMPS differ beyond the tolerances")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"run": run, "compare": compare}[cmd](*args)
