"""ASE side of the extended XYZ round-trip tests (tests/cli/extxyz_ase.bats).

Run with Debian's python3 (it has python3-ase 3.22):
    extxyz_ase.py gen OUT           write frames that exercise every extxyz feature ASE writes
    extxyz_ase.py rewrite IN OUT    read every frame of IN with ASE and write them again with ASE
    extxyz_ase.py compare A B       read A and B with ASE; exit 1 unless they agree exactly: every
                                    number (momenta too, although fpms keeps velocities in
                                    Angstrom/ps and converts), every key, array and type
"""
import sys

import numpy as np
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io import read, write

# fpms converts momenta to velocities and back; its writer picks the decimal that reads back to
# the same velocity, which for momenta written by ASE (%16.8f) is the text ASE wrote: exact.
RTOL_MOMENTA = 0.0


def frames():
    """Frames with high-entropy values: sizes 5, 3, 17, 1, 0 and 64 atoms."""
    rng = np.random.default_rng(20240611)
    out = []

    # 1: triclinic, pbc T T F, everything ASE writes
    cell = np.array([[4.1234567, 0.0, 0.0], [1.3456789, 3.9876543, 0.0],
                     [0.4567891, -0.7654321, 12.3456789]])
    a = Atoms('CBNSiH', positions=rng.uniform(-1, 9, (5, 3)), cell=cell,
              pbc=[True, True, False])
    a.set_masses(rng.uniform(1, 30, 5))
    a.set_velocities(rng.normal(0, 0.05, (5, 3)))
    a.set_tags([3, -1, 0, 7, 123456789])
    a.new_array('ids', np.array([10, 20, 30, 40, 50]))
    a.new_array('label', np.array(['alpha', 'b', 'gamma_3', 'd', 'eps']))
    a.new_array('fixed', np.array([True, False, True, True, False]))
    a.new_array('q', rng.normal(0, 1, 5))
    a.new_array('mu', rng.integers(-5, 5, (5, 3)))
    a.info['config_type'] = 'strained_bulk'
    a.info['temperature'] = 301.25
    a.info['step'] = 42
    a.info['note'] = 'two words "quoted" {braces} [brackets]'
    a.info['converged'] = True
    a.info['kpts'] = np.array([3, 3, 1])
    a.calc = SinglePointCalculator(a, energy=rng.normal(-50, 5),
                                   free_energy=rng.normal(-50, 5),
                                   forces=rng.normal(0, 1, (5, 3)),
                                   stress=rng.normal(0, 0.01, 6))
    out.append(a)

    # 2: a molecule, no cell
    m = Atoms('OHH', positions=[[0.0, 0.0, 0.119262], [0.0, 0.763239, -0.477047],
                                [0.0, -0.763239, -0.477047]])
    m.calc = SinglePointCalculator(m, energy=-14.2234567890123)
    m.info['config_type'] = 'molecule'
    out.append(m)

    # 3: cubic, periodic, velocities with the default (element) masses
    b = Atoms('Si17', positions=rng.uniform(0, 5.43, (17, 3)), cell=[5.43] * 3, pbc=True)
    b.set_velocities(rng.normal(0, 0.02, (17, 3)))
    b.calc = SinglePointCalculator(b, energy=-92.123456789012345,
                                   forces=rng.normal(0, 0.1, (17, 3)),
                                   stress=rng.normal(0, 0.001, 6))
    out.append(b)

    # 4: one atom, non-symmetric virial kept as an info key
    c = Atoms('Au', positions=[[0.5, 0.25, 0.125]], cell=[2.5, 3.5, 4.5], pbc=[False, True, True])
    c.info['virial'] = np.arange(9.0).reshape(3, 3) / 7.0
    out.append(c)

    # 5: no atoms
    out.append(Atoms(cell=[3.0, 4.0, 5.0], pbc=True))

    # 6: 64 atoms, tags and forces
    d = Atoms('B32C32', positions=rng.uniform(0, 10, (64, 3)), cell=[10.0, 10.0, 15.0],
              pbc=[True, True, False])
    d.set_tags(np.arange(64) % 4)
    d.calc = SinglePointCalculator(d, energy=-400.5, forces=rng.normal(0, 1, (64, 3)))
    d.info['config_type'] = 'sheet'
    out.append(d)
    return out


def same(x, y, rtol=0.0):
    x = np.asarray(x)
    y = np.asarray(y)
    if x.shape != y.shape:
        return False
    if x.dtype.kind in 'fc' or y.dtype.kind in 'fc':
        return bool(np.all(np.abs(x - y) <= rtol * np.abs(x)))
    return bool(np.all(x == y))


def compare(path_a, path_b):
    fa = read(path_a, ':', format='extxyz')
    fb = read(path_b, ':', format='extxyz')
    errors = []
    i = -1

    def check(cond, what):
        if not cond:
            errors.append('frame %d: %s' % (i, what) if i >= 0 else what)

    check(len(fa) == len(fb), 'frame count %d != %d' % (len(fa), len(fb)))
    for i, (a, b) in enumerate(zip(fa, fb)):
        check(len(a) == len(b), 'natoms %d != %d' % (len(a), len(b)))
        if len(a) != len(b):
            continue
        check(same(a.numbers, b.numbers), 'numbers')
        check(same(a.positions, b.positions), 'positions')
        check(same(a.cell[:], b.cell[:]), 'cell')
        check(same(a.pbc, b.pbc), 'pbc %s != %s' % (a.pbc, b.pbc))
        check(same(a.get_masses(), b.get_masses()), 'masses')
        check(same(a.get_tags(), b.get_tags()), 'tags')
        check(same(a.get_velocities(), b.get_velocities(), RTOL_MOMENTA), 'velocities')
        check(set(a.arrays) == set(b.arrays),
              'arrays %s != %s' % (sorted(a.arrays), sorted(b.arrays)))
        for k in set(a.arrays) & set(b.arrays):
            rtol = RTOL_MOMENTA if k == 'momenta' else 0.0
            check(same(a.arrays[k], b.arrays[k], rtol), 'array %s differs' % k)
            check(a.arrays[k].dtype.kind == b.arrays[k].dtype.kind, 'array %s type' % k)
        check(set(a.info) == set(b.info), 'info %s != %s' % (sorted(a.info), sorted(b.info)))
        for k in set(a.info) & set(b.info):
            va, vb = a.info[k], b.info[k]
            check(type(va) == type(vb) and same(va, vb),
                  'info %s: %r != %r' % (k, va, vb))
        check((a.calc is None) == (b.calc is None), 'calculator present in one only')
        if a.calc is not None and b.calc is not None:
            ra, rb = a.calc.results, b.calc.results
            check(set(ra) == set(rb), 'results %s != %s' % (sorted(ra), sorted(rb)))
            for k in set(ra) & set(rb):
                check(same(ra[k], rb[k]), 'result %s: %r != %r' % (k, ra[k], rb[k]))
    if errors:
        print('%s vs %s:' % (path_a, path_b), file=sys.stderr)
        for e in errors:
            print('  ' + e, file=sys.stderr)
        return 1
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == 'gen':
        write(argv[2], frames(), format='extxyz')
        return 0
    if len(argv) == 4 and argv[1] == 'rewrite':
        write(argv[3], read(argv[2], ':', format='extxyz'), format='extxyz')
        return 0
    if len(argv) == 4 and argv[1] == 'compare':
        return compare(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
