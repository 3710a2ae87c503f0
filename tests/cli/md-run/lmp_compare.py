#!/usr/bin/python3
"""Side-by-side checks of md-run against LAMMPS (Debian's `lmp`), for tests/cli/md-run.bats.

  lmp_compare.py build NAME OUT.xyz
      Writes a test structure with ASE: graphene (480 atoms, rattled 0.05 A; for when strain-gen
      is missing), graphene120 (the same, 120 atoms), bnc (the graphene of IN=graphene.xyz with 20 % B and 20 % N), si (sheared
      diamond, 64 atoms), gan (zincblende, 54 atoms), sip (2-atom Si cell, smaller than the
      cut-off), ar (fcc, 500 atoms), ar1 (1-atom fcc cell), arc (fcc compressed to a = 5 A).

  lmp_compare.py prepare IN.xyz OUT.xyz OUT.data SPECIES
      Rotates the first frame of IN.xyz into LAMMPS's cell form (a along x, b in the xy plane),
      wraps it along its periodic directions and writes it as extended XYZ (OUT.xyz); reads that
      file back and writes the same doubles as a LAMMPS data file (OUT.data, %.17g), with atom
      types numbered in the order of SPECIES ("C,B"). Both codes then see identical input.

  lmp_compare.py label OUT.data PAIRFILE LAMMPS.txt
      Runs `lmp` (units metal, atom_style atomic, boundary p p p, `run 0`) on OUT.data with the
      pair lines of PAIRFILE and writes its energy (eV), virial (9 numbers, eV: compute pressure
      NULL virial converted back with LAMMPS's own nktv2p) and forces (dump, one atom a line,
      eV/A), every number as %.17g.

  lmp_compare.py compare MINE.xyz LAMMPS.txt ETOL FTOL WTOL
      Energy to ETOL relative, every force component to FTOL eV/A, every virial component to
      WTOL relative to the largest one. Prints the deviations; exits 1 when one is too large.

  lmp_compare.py nve OUT.data PAIRFILE TEMP SEED STEPS DT_PS EVERY
      NVE in LAMMPS (velocity create TEMP SEED mom yes dist gaussian; fix nve) and prints the
      etot column (eV), one value per EVERY steps.
"""
import subprocess
import sys

import numpy as np
from ase.io import read, write

NKTV2P_METAL = 1.6021765e6  # LAMMPS src/update.cpp, metal units: bar*A^3/eV


def build(name, out):
    from ase.build import bulk
    rng = np.random.default_rng(5)
    if name in ("graphene", "graphene120"):
        from ase import Atoms
        d = 1.4243
        h = np.sqrt(3) / 2 * d
        cell = Atoms("C4", positions=[[0, 0, 7.5], [d, 0, 7.5], [1.5 * d, h, 7.5],
                                      [2.5 * d, h, 7.5]], cell=[3 * d, 2 * h, 15],
                     pbc=[True, True, False])
        a = cell.repeat((12, 10, 1) if name == "graphene" else (6, 5, 1))
        a.rattle(0.05, seed=1)
    elif name == "bnc":
        a = read("graphene.xyz", index=0)
        s = a.get_chemical_symbols()
        for i in range(len(a)):
            r = rng.random()
            s[i] = "B" if r < 0.2 else ("N" if r < 0.4 else "C")
        a.set_chemical_symbols(s)
    elif name == "si":
        a = bulk("Si", "diamond", a=5.431, cubic=True).repeat((2, 2, 2))
        c = a.cell.array.copy()
        c[1, 0] += 0.9
        c[2, 0] -= 0.6
        c[2, 1] += 1.1
        a.set_cell(c, scale_atoms=True)
        a.rattle(0.1, seed=3)
    elif name == "gan":
        a = bulk("GaN", "zincblende", a=4.5).repeat((3, 3, 3))
        a.rattle(0.1, seed=4)
    elif name == "sip":
        a = bulk("Si", "diamond", a=5.431)
        a.rattle(0.1, seed=5)
    elif name == "ar":
        a = bulk("Ar", "fcc", a=5.26, cubic=True).repeat((5, 5, 5))
        a.rattle(0.1, seed=6)
    elif name == "ar1":
        a = bulk("Ar", "fcc", a=5.26)
        a.rattle(0.1, seed=7)
    elif name == "arc":
        a = bulk("Ar", "fcc", a=5.0, cubic=True).repeat((2, 2, 2))
        a.rattle(0.05, seed=8)
    else:
        sys.exit("unknown structure " + name)
    write(out, a, format="extxyz")


def lammps_cell(atoms):
    """Rotate atoms so that the cell is lower triangular (LAMMPS's restricted triclinic)."""
    c = atoms.cell.array
    a, b, cc = c
    la = np.linalg.norm(a)
    ahat = a / la
    bx = b @ ahat
    by = np.linalg.norm(np.cross(ahat, b))
    cx = cc @ ahat
    abhat = np.cross(a, b)
    abhat /= np.linalg.norm(abhat)
    cy = (cc @ np.cross(abhat, ahat))
    cz = cc @ abhat
    new = np.array([[la, 0, 0], [bx, by, 0], [cx, cy, cz]])
    # rotation R with new = c R: R = c^-1 new (exact orthogonal up to rounding)
    rot = np.linalg.solve(c, new)
    atoms.positions = atoms.positions @ rot
    atoms.cell = new
    return atoms


def prepare(inp, outxyz, outdata, species):
    atoms = read(inp, index=0)
    atoms = lammps_cell(atoms)
    atoms.wrap(pbc=atoms.pbc, eps=1e-12)
    atoms.calc = None
    atoms.info = {}
    write(outxyz, atoms, format="extxyz")
    atoms = read(outxyz, index=0)
    spec = species.split(",")
    c = atoms.cell.array
    with open(outdata, "w") as f:
        f.write("md-run comparison (lmp_compare.py)\n\n%d atoms\n%d atom types\n\n"
                % (len(atoms), len(spec)))
        f.write("0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n%.17g %.17g %.17g xy xz yz\n\n"
                % (c[0, 0], c[1, 1], c[2, 2], c[1, 0], c[2, 0], c[2, 1]))
        f.write("Masses\n\n")
        for t, s in enumerate(spec):
            from ase.data import atomic_masses, atomic_numbers
            f.write("%d %.17g\n" % (t + 1, atomic_masses[atomic_numbers[s]]))
        f.write("\nAtoms # atomic\n\n")
        for i, (s, x) in enumerate(zip(atoms.get_chemical_symbols(), atoms.positions)):
            f.write("%d %d %.17g %.17g %.17g\n" % (i + 1, spec.index(s) + 1, x[0], x[1], x[2]))


def run_lmp(script):
    r = subprocess.run(["lmp", "-log", "log.lammps", "-screen", "none", "-nocite"],
                       input=script, text=True, capture_output=True)
    if r.returncode != 0:
        sys.stderr.write(open("log.lammps").read()[-3000:] if r.returncode else "")
        sys.exit("lmp failed")
    return open("log.lammps").read()


def thermo_rows(log, first, conv=float):
    """The rows of LAMMPS's thermo output in log (text) after the header starting with first,
    each value through conv."""
    rows, on = [], False
    for line in log.splitlines():
        w = line.split()
        if w and w[0] == first:
            on = True
            continue
        if on:
            if not w or w[0] == "Loop":
                on = False
                continue
            rows.append([conv(x) for x in w])
    return rows


def label(data, pairfile, out):
    pair = open(pairfile).read()
    script = f"""units metal
atom_style atomic
boundary p p p
box tilt large
read_data {data}
{pair}
compute pv all pressure NULL virial
thermo_style custom step pe c_pv[1] c_pv[2] c_pv[3] c_pv[4] c_pv[5] c_pv[6] vol
thermo_modify format float %.17g norm no
dump d all custom 1 lmp.dump id fx fy fz
dump_modify d format float %.17g sort id
run 0
"""
    log = run_lmp(script)
    step, pe, pxx, pyy, pzz, pxy, pxz, pyz, vol = thermo_rows(log, "Step")[0]
    w = np.array([[pxx, pxy, pxz], [pxy, pyy, pyz], [pxz, pyz, pzz]]) * vol / NKTV2P_METAL
    lines = open("lmp.dump").read().splitlines()
    k = lines.index(next(l for l in lines if l.startswith("ITEM: ATOMS")))
    f = np.array([[float(x) for x in l.split()[1:4]] for l in lines[k + 1:]])
    with open(out, "w") as o:
        o.write("%.17g\n" % pe)
        o.write(" ".join("%.17g" % x for x in w.reshape(9)) + "\n")
        for x in f:
            o.write("%.17g %.17g %.17g\n" % tuple(x))


def compare(mine, theirs, etol, ftol, wtol):
    a = read(mine, index=0)
    vol = a.get_volume()
    ea, fa = a.get_potential_energy(), a.get_forces()
    wa = -a.get_stress(voigt=False) * vol
    t = open(theirs).read().split("\n")
    eb = float(t[0])
    wb = np.array([float(x) for x in t[1].split()]).reshape(3, 3)
    fb = np.array([[float(x) for x in l.split()] for l in t[2:] if l.strip()])
    de = abs(ea - eb) / abs(eb)
    df = np.abs(fa - fb).max()
    dw = np.abs(wa - wb).max() / np.abs(wb).max()
    print("atoms %d energy %.17g vs %.17g: rel %.3g; max |dF| %.3g eV/A (max |F| %.3g);"
          " virial rel %.3g (max |W| %.3g eV)" % (len(a), ea, eb, de, df, np.abs(fb).max(), dw,
                                                  np.abs(wb).max()))
    if not (de <= float(etol) and df <= float(ftol) and dw <= float(wtol)):
        sys.exit("md-run and LAMMPS differ beyond the tolerances")


def nve(data, pairfile, temp, seed, steps, dt, every):
    pair = open(pairfile).read()
    script = f"""units metal
atom_style atomic
boundary p p p
box tilt large
read_data {data}
{pair}
velocity all create {temp} {seed} mom yes rot no dist gaussian
timestep {dt}
fix 1 all nve
thermo {every}
thermo_style custom step etotal
thermo_modify format float %.17g norm no
run {steps}
"""
    log = run_lmp(script)
    for r in thermo_rows(log, "Step"):
        print("%.17g" % r[1])


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"build": build, "prepare": prepare, "label": label, "compare": compare, "nve": nve}[cmd](*args)
