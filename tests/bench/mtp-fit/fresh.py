#!/usr/bin/python3
"""A fresh test set drawn like valid.cfg, for the mtp-fit bench.

    fresh.py MAKEDIR SEED MULT OUT.cfg

MAKEDIR is the interop folder's make/ (gen_tersoff.py, tersoff_label.py, BNC.tersoff): its families,
strain and rattle distributions and LAMMPS Tersoff labels, imported as they are. The set is
valid.cfg's specification with every count times MULT and the random draws from SEED, so it is
disjoint from train/valid/candidates (seeds 1001-4004) and reproducible bit for bit with the same
numpy and LAMMPS. Neither MLIP nor mtp-fit fitted it. With SEED 2002 and MULT 1 it is valid.cfg
itself (checked by the bench). Needs numpy and `lmp` on PATH (Debian python3-numpy, lammps).
"""
import os
import sys
import tempfile

makedir, seed, mult, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, makedir)
import numpy as np  # noqa: E402
import gen_tersoff as gen  # noqa: E402
from tersoff_label import label_all, write_cfg  # noqa: E402

_, static, md = gen.SPLITS["valid"]
# valid.cfg's names start "valid_"; the same prefix keeps SEED 2002, MULT 1 identical to it
rng = np.random.default_rng(seed)
cfgs = []
for fam, n, count in static:
    cfgs += gen.static_configs(fam, n, count * mult, rng, "valid")
work = tempfile.mkdtemp(prefix="fresh_")
for m, (fam, temp, count) in enumerate(md):
    cfgs += gen.md_snapshots(fam, temp, count * mult, seed * 100 + m, "valid", work)
os.rmdir(work)
label_all(cfgs)
write_cfg(out, cfgs)
