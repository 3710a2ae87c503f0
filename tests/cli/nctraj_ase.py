"""ASE side of tests/cli/nctraj_ase.bats: makes frames, and compares what ASE reads.

   nctraj_ase.py check-import
   nctraj_ase.py gen-xyz OUT.xyz [--rotated] [--pbc TTF]      frames for fpms (extxyz)
   nctraj_ase.py check-fpms-nc FPMS.nc ORIG.xyz [--double] [--reoriented]
                                        ASE reads fpms's NetCDF; compare with the frames
   nctraj_ase.py gen-nc OUT.nc                                 ASE writes a NetCDF trajectory
   nctraj_ase.py check-ase-nc ASE.nc FPMS.xyz                  fpms's reading of it, via extxyz

Every number is compared: exactly where the storage is double, to float32 rounding where it
is float, and to 1e-12 where ASE rebuilds the cell from lengths and angles (cos and sin).
Run with Debian's /usr/bin/python3 (python3-ase 3.22, python3-netcdf4).
"""
import sys
import warnings

import numpy as np


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def frames(rotated=False, pbc=(True, True, False), nframes=4, natoms=11, seed=20240601):
    """Random frames with a triclinic cell, velocities, forces, energy and stress."""
    from ase import Atoms
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.constraints import full_3x3_to_voigt_6_stress

    rng = np.random.default_rng(seed)
    out = []
    for i in range(nframes):
        # a triclinic cell in the standard orientation (a along x, b in the xy plane)
        cell = np.array([[7.3 + rng.random(), 0.0, 0.0],
                         [-2.1 + rng.random(), 6.4 + rng.random(), 0.0],
                         [0.7 * rng.random(), -0.5 * rng.random(), 15.0 + rng.random()]])
        if rotated:
            q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
            if np.linalg.det(q) < 0:
                q[:, 0] = -q[:, 0]
            cell = cell @ q
        numbers = rng.choice([5, 6, 7, 14, 42], size=natoms)
        frac = rng.random((natoms, 3))
        frac[:, 2] = 0.3 + 0.4 * frac[:, 2]
        pos = frac @ cell + rng.normal(scale=1e-3, size=(natoms, 3))
        atoms = Atoms(numbers=numbers, positions=pos, cell=cell, pbc=pbc)
        atoms.set_velocities(rng.normal(scale=0.05, size=(natoms, 3)) *
                             10.0 ** rng.uniform(-2, 1, size=(natoms, 1)))
        forces = rng.normal(size=(natoms, 3)) * 10.0 ** rng.uniform(-3, 1, size=(natoms, 1))
        s = rng.normal(scale=0.01, size=(3, 3))
        stress = full_3x3_to_voigt_6_stress(0.5 * (s + s.T))
        energy = -7.77 * natoms + rng.normal()
        atoms.calc = SinglePointCalculator(atoms, energy=energy, forces=forces, stress=stress)
        atoms.info["time"] = 0.5 * i + 0.001 * rng.random()
        out.append(atoms)
    return out


def close(got, want, rtol, atol, what):
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    if got.shape != want.shape:
        fail("%s: shape %s, want %s" % (what, got.shape, want.shape))
    if not np.all(np.abs(got - want) <= atol + rtol * np.abs(want)):
        i = np.argmax(np.abs(got - want) - rtol * np.abs(want))
        fail("%s: got %r, want %r" % (what, got.flat[i], want.flat[i]))


def exact(got, want, what):
    got = np.asarray(got)
    want = np.asarray(want)
    if got.shape != want.shape or not np.array_equal(got, want):
        fail("%s: differ\n got %r\nwant %r" % (what, got, want))


def as_stored(x, double):
    return np.asarray(x, dtype=float) if double else np.asarray(x, dtype=np.float32).astype(float)


def standard_cell(cell):
    """The cell rotated into the standard orientation (rows), and the rotation (columns)."""
    a, b = cell[0], cell[1]
    e1 = a / np.linalg.norm(a)
    e3 = np.cross(a, b)
    e3 /= np.linalg.norm(e3)
    e2 = np.cross(e3, e1)
    m = np.column_stack([e1, e2, e3])
    return cell @ m, m


def check_fpms_nc(path, orig_xyz, double=False, reoriented=False):
    """ASE reads a trajectory written by fpms from orig_xyz: compare every number."""
    from ase import units
    from ase.io import read

    orig = read(orig_xyz, index=":", format="extxyz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = read(path, index=":", format="netcdftrajectory")
    if len(got) != len(orig):
        fail("%d frames, want %d" % (len(got), len(orig)))
    for i, (g, o) in enumerate(zip(got, orig)):
        tag = "frame %d: " % i
        exact(g.numbers, o.numbers, tag + "atomic numbers")
        exact(g.pbc, o.pbc, tag + "pbc")
        cell = o.cell.array
        m = np.eye(3)
        pos = o.positions
        vel = o.get_velocities()
        forces = o.get_forces()
        stress = o.get_stress(voigt=False)
        if reoriented:
            cell, m = standard_cell(cell)
            pos = pos @ m
            vel = vel @ m
            forces = forces @ m
            stress = m.T @ stress @ m
            # the rotation is computed in C and in numpy: equal to rounding
            close(g.positions, as_stored(pos, double), 1e-13, 1e-13, tag + "positions")
        else:
            exact(g.positions, as_stored(pos, double), tag + "positions")
        # the exact cell, as fpms stores it for every reader that wants it
        close(g.info["cell_vectors"], cell, 0 if not reoriented else 1e-13,
              0 if not reoriented else 1e-13, tag + "cell_vectors")
        # ASE rebuilds the cell from lengths and angles: a and b exactly up to cos/sin rounding;
        # the non-periodic c is shrink-wrapped to the atoms' z extent, along the true direction
        for k in range(3):
            if o.pbc[k]:
                close(g.cell[k], cell[k], 1e-12, 1e-12, tag + "cell row %d" % k)
            else:
                ext = g.positions[:, k].max() - g.positions[:, k].min()
                want = cell[k] / np.linalg.norm(cell[k]) * ext
                close(g.cell[k], want, 1e-12, 1e-12, tag + "shrink-wrapped cell row %d" % k)
        # velocities: fpms stores A/ps ("angstrom/picosecond"); ASE 3.22 ignores units and takes
        # them in its own unit, so get_velocities() returns the A/ps numbers
        vel_aps = vel * (1000 * units.fs)
        # (1e-13 with -r: the rotation is computed in C and in numpy)
        rtol = 1e-13 if reoriented else 1e-15 if double else 2.0 ** -23
        close(g.get_velocities(), as_stored(vel_aps, double), rtol, 0, tag + "velocities (A/ps)")
        if reoriented:
            close(g.arrays["forces"], as_stored(forces, double), 1e-13, 1e-15, tag + "forces")
        else:
            exact(g.arrays["forces"], as_stored(forces, double), tag + "forces")
        exact(g.info["energy"], o.get_potential_energy(), tag + "energy")
        voigt = [stress[0, 0], stress[1, 1], stress[2, 2], stress[1, 2], stress[0, 2],
                 stress[0, 1]]
        if reoriented:
            close(g.info["stress"], voigt, 1e-13, 1e-16, tag + "stress")
        else:
            exact(g.info["stress"], voigt, tag + "stress (Voigt, ASE order)")
        exact(g.info["time"], as_stored(o.info["time"], double), tag + "time")
    print("ok: %d frames, every number as stored" % len(got))


def gen_nc(path):
    from ase.io import write

    fr = frames(pbc=(True, True, True), nframes=3, natoms=9, seed=77)
    for a in fr:
        a.calc = None
        del a.info["time"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write(path, fr, format="netcdftrajectory")
    write(path + ".orig.traj", fr, format="traj")  # the exact doubles


def check_ase_nc(orig_nc, fpms_xyz):
    """fpms read a trajectory that ASE wrote, and wrote it as extxyz: compare with ASE's."""
    from ase.io import read

    orig = read(orig_nc + ".orig.traj", index=":", format="traj")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ase_nc = read(orig_nc, index=":", format="netcdftrajectory")
    got = read(fpms_xyz, index=":", format="extxyz")
    if len(got) != len(orig):
        fail("%d frames, want %d" % (len(got), len(orig)))
    for i, (g, o, a) in enumerate(zip(got, orig, ase_nc)):
        tag = "frame %d: " % i
        exact(g.numbers, o.numbers, tag + "atomic numbers")
        exact(g.pbc, o.pbc, tag + "pbc")
        # ASE stores positions as float32
        exact(g.positions, as_stored(o.positions, False), tag + "positions")
        # fpms builds the cell from lengths and angles the way ASE does
        close(g.cell.array, a.cell.array, 1e-15, 1e-15, tag + "cell as ASE reads it")
        close(g.cell.array, o.cell.array, 1e-12, 1e-12, tag + "cell")
        # ASE stores velocities as float32 in its own unit; fpms converts them to A/ps and the
        # extxyz writer back to ASE momenta
        close(g.get_velocities(), as_stored(o.get_velocities(), False), 1e-14, 0,
              tag + "velocities")
        # ASE itself multiplies its float32 velocities by the masses in float32: 2^-23
        close(g.get_velocities(), a.get_velocities(), 2.0 ** -23, 0, tag + "velocities as ASE")
    print("ok: %d frames" % len(got))


def main(argv):
    cmd = argv[1]
    if cmd == "check-import":
        import ase  # noqa: F401
        import netCDF4  # noqa: F401
        return
    if cmd == "gen-xyz":
        from ase.io import write
        pbc = (True, True, False)
        if "--pbc" in argv:
            pbc = tuple(c == "T" for c in argv[argv.index("--pbc") + 1])
        write(argv[2], frames(rotated="--rotated" in argv, pbc=pbc), format="extxyz")
    elif cmd == "check-fpms-nc":
        check_fpms_nc(argv[2], argv[3], double="--double" in argv,
                      reoriented="--reoriented" in argv)
    elif cmd == "gen-nc":
        gen_nc(argv[2])
    elif cmd == "check-ase-nc":
        check_ase_nc(argv[2], argv[3])
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
