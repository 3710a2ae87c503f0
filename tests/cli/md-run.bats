#!/usr/bin/env bats
# md-run: every option, every error path, and the comparison with LAMMPS (Debian's lmp).
load helpers

POT=/usr/share/lammps/potentials
BNC=$POT/BNC.tersoff
HELPER=$BATS_TEST_DIRNAME/md-run/lmp_compare.py

setup() {
    # a directory of our own: bats keeps its temporary files in BATS_TEST_TMPDIR
    mkdir -p "$BATS_TEST_TMPDIR/w"
    cd "$BATS_TEST_TMPDIR/w"
    [ -f "$BNC" ] || skip "no $BNC: install lammps-data"
    # a small rattled graphene sheet (pbc T T F) and compressed argon
    cat > g.xyz <<'EOF'
8
Lattice="4.2729 0.0 0.0 0.0 4.934 0.0 0.0 0.0 15.0" Properties=species:S:1:pos:R:3 pbc="T T F" config_type=test free_energy=1.5 virial="1 0 0 0 1 0 0 0 1"
C 0.02 -0.01 7.5
C 1.43 0.03 7.48
C 2.10 1.25 7.52
C 3.55 1.22 7.5
C 0.01 2.46 7.49
C 1.40 2.49 7.51
C 2.15 3.70 7.5
C 3.54 3.68 7.47
EOF
    cat > ar.xyz <<'EOF'
4
Lattice="5.0 0.0 0.0 0.0 5.05 0.0 0.1 0.0 4.98" Properties=species:S:1:pos:R:3 pbc="T T T"
Ar 0.05 0.0 0.0
Ar 2.5 2.55 0.02
Ar 2.57 0.01 2.5
Ar -0.03 2.5 2.52
EOF
}

# ase_eval FILE EXPR: evaluates EXPR with `frames` = every frame of FILE (ASE)
ase_eval() {
    $PY -c "
import sys, numpy as np
from ase.io import read
frames = read(sys.argv[1], index=':')
print(($2))" "$1"
}

# no_files: nothing but the inputs is left in the directory
no_files() {
    local left
    left=$(ls | grep -v -x -e g.xyz -e ar.xyz -e bad.tersoff -e in.xyz || true)
    [ -z "$left" ] || { echo "left behind: $left"; return 1; }
}

tersoff() {
    fpms md-run -p "tersoff:$BNC" -s C "$@"
}

@test "--help prints usage on stdout and exits 0" {
    run -0 --separate-stderr fpms md-run --help
    [[ "${lines[0]}" == "usage: md-run -p SPEC [options] [FILE]" ]]
    [ -z "$stderr" ]
}

@test "--version names fpms" {
    run -0 fpms md-run --version
    [[ "$output" =~ ^fpms\ [0-9]+\.[0-9]+\ \(git\  ]]
}

@test "usage errors: exit 1, a message and the usage line on stderr, nothing on stdout" {
    for args in "--frobnicate" "" "-p lj:1,3,8 a.xyz b.xyz" "-p lj:1,3,8 --steps -1" \
        "-p lj:1,3,8 --steps x" "-p lj:1,3,8 --dt 0" "-p lj:1,3,8 --dt 1eV" \
        "-p lj:1,3,8 --dt abc" "-p lj:1,3,8 --temp -5" "-p lj:1,3,8 --temp hot" \
        "-p lj:1,3,8 --seed -1" "-p lj:1,3,8 --skin -1" "-p lj:1,3,8 --thermo-every 0" \
        "-p lj:1,3,8 --input-format bogus" "-p lj:1,3,8 -s C,Xx" "-p lj:1,3,8 -s C,C" \
        "-p lj:1,3,8 --thermo t.tsv -o t.tsv" "-p"; do
        run -1 --separate-stderr fpms md-run $args < ar.xyz
        [[ "$stderr" =~ ^md-run:\ [a-z-] ]] || { echo "$args: $stderr"; return 1; }
        [[ "$stderr" == *"usage: md-run -p SPEC"* ]] || { echo "$args: $stderr"; return 1; }
        [ -z "$output" ] || { echo "$args: stdout $output"; return 1; }
    done
    no_files
}

@test "bad potentials: exit 1 with the reason" {
    run -1 --separate-stderr fpms md-run -p foo:x ar.xyz
    assert_tool_error md-run
    [[ "$stderr" == "md-run: --potential: unknown 'foo:x'"* ]]
    run -1 --separate-stderr fpms md-run -p lj:1,2 ar.xyz
    [ "$stderr" = "md-run: --potential: 'lj:1,2' is not lj:EPS,SIGMA,RCUT[,shift]" ]
    run -1 --separate-stderr fpms md-run -p lj:1,2,3,smooth ar.xyz
    [ "$stderr" = "md-run: --potential: 'lj:1,2,3,smooth' is not lj:EPS,SIGMA,RCUT[,shift]" ]
    run -1 --separate-stderr fpms md-run -p lj:a,2,3 ar.xyz
    [ "$stderr" = "md-run: --potential: lj: 'a' is not an energy" ]
    run -1 --separate-stderr fpms md-run -p lj:1,2,3eV ar.xyz
    [ "$stderr" = "md-run: --potential: lj: '3eV' is not a length" ]
    run -1 --separate-stderr fpms md-run -p lj:-1,2,3 ar.xyz
    [ "$stderr" = "md-run: lj: epsilon -1 eV must be >= 0" ]
    run -1 --separate-stderr fpms md-run -p lj:1,0,3 ar.xyz
    [ "$stderr" = "md-run: lj: sigma 0 Angstrom must be > 0" ]
    run -1 --separate-stderr fpms md-run -p "tersoff:$BNC" g.xyz
    [ "$stderr" = "md-run: tersoff needs --species, e.g. C,B" ]
    run -1 --separate-stderr fpms md-run -p tersoff:missing.tersoff -s C g.xyz
    [[ "$stderr" == "md-run: missing.tersoff: "* ]]
    run -1 --separate-stderr fpms md-run -p "tersoff:$BNC" -s C,Si g.xyz
    [ "$stderr" = "md-run: $BNC: no entry for C C Si" ]
    [ -z "$output" ]
    no_files
}

@test "a malformed parameter file is reported with its file and line" {
    printf '# comment\nC C C 3.0 1.0 0.0 3.8049e4 4.3484 -0.93\n' > bad.tersoff
    run -1 --separate-stderr fpms md-run -p tersoff:bad.tersoff -s C g.xyz
    [ "$stderr" = "md-run: bad.tersoff:2: incomplete entry: 9 of 17 words" ]
    printf 'C C C 3.0 1.0 0.0 3.8049e4 4.3484 -0.93 0.72751\n 1.5724e-7 2.2119 x 1.95 0.15 3.4879 1393.6\n' > bad.tersoff
    run -1 --separate-stderr fpms md-run -p tersoff:bad.tersoff -s C g.xyz
    [ "$stderr" = "md-run: bad.tersoff:2: B: bad number 'x'" ]
    printf 'C C C 2.0 1.0 0.0 3.8049e4 4.3484 -0.93 0.72751 1.5724e-7 2.2119 430 1.95 0.15 3.4879 1393.6\n' > bad.tersoff
    run -1 --separate-stderr fpms md-run -p tersoff:bad.tersoff -s C g.xyz
    [ "$stderr" = "md-run: bad.tersoff:1: entry C C C: m = 2 must be 1 or 3" ]
    [ -z "$output" ]
    no_files
}

@test "bad input: file:line, exit 1, empty stdout, no output or thermo file left" {
    printf '2\nLattice="5 0 0 0 5 0 0 0 5"\nAr 0 0 0\nAr 1 x 1\n' > in.xyz
    run -1 --separate-stderr fpms md-run -p lj:0.01,3.4,4 -o out.xyz --thermo t.tsv in.xyz
    [[ "$stderr" =~ ^md-run:\ in\.xyz:4:\  ]]
    [ -z "$output" ]
    no_files
    run -1 --separate-stderr fpms md-run -p lj:0.01,3.4,4 missing.xyz
    [[ "$stderr" == "md-run: missing.xyz: "* ]]
    # an element the potential does not know: the frame's line and the atom
    cat g.xyz > in.xyz
    sed 's/^C 2.10/B 2.10/' g.xyz >> in.xyz
    run -1 --separate-stderr fpms md-run -p "tersoff:$BNC" -s C -o out.xyz --thermo t.tsv in.xyz
    [ "$stderr" = "md-run: in.xyz:11: frame 2: atom 3: element B is not among the species of the tersoff potential" ]
    [ -z "$output" ]
    no_files
}

@test "a run that explodes exits 2 and leaves nothing" {
    printf '2\nLattice="9 0 0 0 9 0 0 0 9"\nAr 1 1 1\nAr 1 1 1\n' > in.xyz
    run -2 --separate-stderr fpms md-run -p lj:0.01,3.4,4 -n 10 -o out.xyz --thermo t.tsv in.xyz
    [ "$stderr" = "md-run: in.xyz:1: frame 1: potential energy is not finite" ]
    [ -z "$output" ]
    no_files
    # two atoms 0.3 A apart, a 10 fs step: they fly apart and one is lost to infinity
    printf '2\nLattice="9 0 0 0 9 0 0 0 9"\nAr 1 1 1\nAr 1.3 1 1\n' > in.xyz
    run -2 --separate-stderr fpms md-run -p lj:0.01,3.4,4 -n 100 --dt 10fs in.xyz
    [[ "$stderr" =~ ^md-run:\ in\.xyz:1:\ frame\ 1:\ step\ [0-9]+:\  ]]
    [ -z "$output" ]
    # 1 A apart in a well of 1 eV and 2 A: 16 keV of repulsion; in a periodic cell nothing is lost
    # and everything stays finite, so the kinetic energy per atom is what stops the run
    printf '2\nLattice="20 0 0 0 20 0 0 0 20"\nAr 1 1 1\nAr 2 1 1\n' > in.xyz
    run -2 --separate-stderr fpms md-run -p lj:1,2,5 -n 100 -o out.xyz --thermo t.tsv in.xyz
    [[ "$stderr" == "md-run: in.xyz:1: frame 1: step 1: the run exploded: mean kinetic energy "*" eV per atom ("*" K), over 1000 eV: the potential left its range or the time step is too long" ]]
    [ -z "$output" ]
    no_files
    # the same pair 3 A apart runs
    printf '2\nLattice="20 0 0 0 20 0 0 0 20"\nAr 1 1 1\nAr 4 1 1\n' > in.xyz
    run -0 --separate-stderr fpms md-run -p lj:1,2,5 -n 100 -o out.xyz in.xyz
    rm -f out.xyz
}

@test "--steps 0 labels every frame: energy, forces, stress; keeps the rest" {
    cat g.xyz g.xyz > in.xyz
    run -0 --separate-stderr tersoff --steps 0 in.xyz
    [ -z "$stderr" ]
    printf '%s\n' "$output" > out.xyz
    run -0 ase_eval out.xyz "len(frames), frames[1].info['config_type'], 'free_energy' in frames[0].info, 'virial' in frames[0].info, round(frames[1].get_potential_energy(), 6), frames[1].get_forces().shape, frames[1].get_stress().shape, np.abs(frames[1].positions - read('g.xyz').positions).max()"
    [ "$output" = "(2, 'test', False, False, -63.554587, (8, 3), (6,), 0.0)" ]
    # forces sum to zero; the virial is symmetric
    run -0 ase_eval out.xyz "abs(frames[0].get_forces().sum(0)).max() < 1e-12, abs(frames[0].get_stress(voigt=False) - frames[0].get_stress(voigt=False).T).max() < 1e-15"
    [ "$output" = "(True, True)" ]
}

@test "stress: ASE's sign and ASE's Lennard-Jones numbers" {
    # compressed argon: the stress is negative (compressive), as ASE's calculator says
    fpms md-run -p lj:0.0104,3.4,8.5,shift ar.xyz > out.xyz
    run -0 $PY - <<'EOF'
import numpy as np
from ase.io import read
from ase.calculators.lj import LennardJones
a = read('ar.xyz')
a.calc = LennardJones(epsilon=0.0104, sigma=3.4, rc=8.5)
b = read('out.xyz')
print(abs(b.get_potential_energy() / a.get_potential_energy() - 1) < 1e-12,
      abs(b.get_forces() - a.get_forces()).max() < 1e-12,
      abs(b.get_stress() - a.get_stress()).max() < 1e-12 * abs(a.get_stress()).max(),
      bool(np.all(b.get_stress()[:3] < 0)))
EOF
    [ "$output" = "True True True True" ]
}

@test "--steps N: NVE from --temp, final frame with velocities, thermo table" {
    run -0 --separate-stderr tersoff -n 200 -T 300K --seed 5 --dt 0.5fs --thermo t.tsv \
        --thermo-every 50 g.xyz
    printf '%s\n' "$output" > out.xyz
    run -0 ase_eval out.xyz "frames[0].info['md_steps'], frames[0].info['md_dt'], frames[0].info['md_seed'], frames[0].get_velocities().shape, np.isfinite(frames[0].get_potential_energy())"
    [ "$output" = "(200, 0.0005, 5, (8, 3), True)" ]
    grep -q '^# seed = 5$' t.tsv
    grep -q '^# dt = 0.0005 ps$' t.tsv
    run -0 $PY -c "
import numpy as np
t = np.loadtxt('t.tsv')
h = [l for l in open('t.tsv') if l.startswith('#')][-1].split()[1:]
print(h[:8], t.shape, list(t[:, 1]), round(t[0, 3], 9), abs(t[:, 6] - t[0, 6]).max() < 2e-3,
      abs(t[-1, 2] - 0.1) < 1e-15)"
    [ "$output" = "['frame', 'step', 'time[ps]', 'temp[K]', 'pe[eV]', 'ke[eV]', 'etot[eV]', 'press[GPa]'] (5, 14) [0.0, 50.0, 100.0, 150.0, 200.0] 300.0 True True" ]
}

@test "--seed: same seed, same bits; another seed, another run; threads change nothing" {
    OMP_NUM_THREADS=1 tersoff -n 50 -T 500 --seed 3 g.xyz > a.xyz
    OMP_NUM_THREADS=2 tersoff -n 50 -T 500 --seed 3 g.xyz > b.xyz
    OMP_NUM_THREADS=3 tersoff -n 50 -T 500 --seed 3 g.xyz > c.xyz
    tersoff -n 50 -T 500 --seed 4 g.xyz > d.xyz
    cmp a.xyz b.xyz
    cmp a.xyz c.xyz
    ! cmp -s a.xyz d.xyz
}

@test "--skin changes no label, and a trajectory only by rounding" {
    tersoff --skin 0 g.xyz > a.xyz
    tersoff --skin 2.5A g.xyz > b.xyz
    cmp a.xyz b.xyz
    tersoff -n 100 -T 800 --skin 0 g.xyz > a.xyz
    tersoff -n 100 -T 800 --skin 0.3 g.xyz > b.xyz
    run -0 ase_eval a.xyz "abs(frames[0].positions - read('b.xyz').positions).max() < 1e-10, abs(frames[0].get_potential_energy() - read('b.xyz').get_potential_energy()) < 1e-10"
    [ "$output" = "(True, True)" ]
}

@test "input velocities are used without --temp; -o writes a file" {
    tersoff -n 20 -T 300 g.xyz > v.xyz
    run -0 --separate-stderr tersoff -n 0 -o out.xyz v.xyz
    [ -z "$output" ]
    run -0 ase_eval out.xyz "np.abs(frames[0].get_velocities() - read('v.xyz').get_velocities()).max() < 1e-12"
    [ "$output" = "True" ]
    tersoff -n 10 --thermo t.tsv v.xyz > /dev/null
    run -0 $PY -c "import numpy as np; print(np.loadtxt('t.tsv')[0, 3] > 100)"
    [ "$output" = "True" ]
}

@test "-v and --progress report on stderr, -q silences warnings" {
    run -0 --separate-stderr tersoff -v g.xyz
    [[ "$stderr" == *"tersoff potential, cut-off 2.1 Angstrom"* ]]
    [[ "$stderr" == *"frame 1: 8 atoms, 1 neighbour-list builds"* ]]
    run -0 --separate-stderr tersoff --progress -n 20 --thermo-every 10 g.xyz
    [[ "$stderr" == *"md-run: frame 1 step 20/20 T "* ]]
    run -0 --separate-stderr fpms md-run -p lj:1,3,8 < /dev/null
    [ "$stderr" = "md-run: warning: <stdin>: no frames" ]
    run -0 --separate-stderr fpms md-run -q -p lj:1,3,8 < /dev/null
    [ -z "$stderr" ]
}

@test "--input-format and .cfg input with --species" {
    command -v strain-gen > /dev/null || skip "no strain-gen"
    fpms strain-gen -f cfg --species C g.xyz > g.cfg
    run -0 --separate-stderr tersoff --input-format cfg g.cfg
    printf '%s\n' "$output" > out.xyz
    run -0 ase_eval out.xyz "round(frames[0].get_potential_energy(), 6)"
    [ "$output" = "-63.554587" ]
    run -1 --separate-stderr tersoff --input-format poscar g.xyz
    assert_tool_error md-run
}

@test "a molecule without a cell: energy and forces, no stress" {
    printf '3\nProperties=species:S:1:pos:R:3\nAr 0 0 0\nAr 3.8 0 0\nAr 0 3.9 0.2\n' > in.xyz
    fpms md-run -p lj:0.0104,3.4,8.5 --thermo t.tsv in.xyz > out.xyz
    run -0 ase_eval out.xyz "'stress' in frames[0].info or 'stress' in frames[0].calc.results, frames[0].get_forces().shape"
    [ "$output" = "(False, (3, 3))" ]
    run -0 $PY -c "print([l for l in open('t.tsv') if l.startswith('#')][-1].split()[-1])"
    [ "$output" = "etot[eV]" ]
}

# --- LAMMPS -----------------------------------------------------------------------------------

need_lmp() {
    command -v lmp > /dev/null || skip "no lmp: install lammps (Debian) to compare with LAMMPS"
}

# compare NAME SPECIES SPEC PAIRLINES...: md-run --steps 0 and LAMMPS run 0 on the same input
compare() {
    local name=$1 species=$2 spec=$3
    shift 3
    printf '%s\n' "$@" > $name.pair
    $PY "$HELPER" prepare $name.in.xyz $name.xyz $name.data $species
    fpms md-run -p "$spec" -s $species $name.xyz > $name.mine.xyz
    $PY "$HELPER" label $name.data $name.pair $name.lmp.txt
    $PY "$HELPER" compare $name.mine.xyz $name.lmp.txt 1e-10 1e-8 1e-8
}

@test "LAMMPS: rattled 480-atom graphene, BNC.tersoff carbon" {
    need_lmp
    if command -v strain-gen > /dev/null; then
        fpms strain-gen -b graphene-rect -n 12,10,1 -r 0.05 > graphene.in.xyz
    else
        $PY "$HELPER" build graphene graphene.in.xyz
    fi
    compare graphene C "tersoff:$BNC" "pair_style tersoff" "pair_coeff * * $BNC C"
}

@test "LAMMPS: B/N-substituted graphene, BNC.tersoff for C,B,N" {
    need_lmp
    $PY "$HELPER" build graphene graphene.xyz
    $PY "$HELPER" build bnc bnc.in.xyz
    compare bnc C,B,N "tersoff:$BNC" "pair_style tersoff" "pair_coeff * * $BNC C B N"
}

@test "LAMMPS: sheared diamond Si (Si.tersoff, m = 3), and a cell smaller than the cut-off" {
    need_lmp
    $PY "$HELPER" build si si.in.xyz
    compare si Si "tersoff:$POT/Si.tersoff" "pair_style tersoff" "pair_coeff * * $POT/Si.tersoff Si"
    $PY "$HELPER" build sip sip.in.xyz
    compare sip Si "tersoff:$POT/Si.tersoff" "pair_style tersoff" "pair_coeff * * $POT/Si.tersoff Si"
}

@test "LAMMPS: zincblende GaN (GaN.tersoff, m = 1, two elements)" {
    need_lmp
    $PY "$HELPER" build gan gan.in.xyz
    compare gan Ga,N "tersoff:$POT/GaN.tersoff" "pair_style tersoff" \
        "pair_coeff * * $POT/GaN.tersoff Ga N"
}

@test "LAMMPS: 500-atom argon, lj/cut plain and shifted; a 1-atom cell" {
    need_lmp
    $PY "$HELPER" build ar ar.in.xyz
    compare ar Ar lj:0.0104,3.4,8.5 "pair_style lj/cut 8.5" "pair_coeff 1 1 0.0104 3.4"
    compare ar Ar lj:0.0104,3.4,8.5,shift "pair_style lj/cut 8.5" "pair_coeff 1 1 0.0104 3.4" \
        "pair_modify shift yes"
    $PY "$HELPER" build ar1 ar1.in.xyz
    compare ar1 Ar lj:0.0104,3.4,8.5,shift "pair_style lj/cut 8.5" "pair_coeff 1 1 0.0104 3.4" \
        "pair_modify shift yes"
}

@test "LAMMPS: NVE of 120-atom graphene, 10 ps at 0.5 fs from 300 K: drift no worse than LAMMPS's" {
    need_lmp
    $PY "$HELPER" build graphene120 graphene.in.xyz
    $PY "$HELPER" prepare graphene.in.xyz g120.xyz g120.data C
    printf '%s\n' "pair_style tersoff" "pair_coeff * * $BNC C" "neighbor 1.0 bin" \
        "neigh_modify every 1 delay 0 check yes" > nve.pair
    $PY "$HELPER" nve g120.data nve.pair 300 4928 20000 0.0005 100 > lmp.etot
    # not under valgrind: 20000 steps
    "$FPMS_BIN/md-run" -p "tersoff:$BNC" -s C -n 20000 -T 300 --thermo t.tsv g120.xyz > /dev/null
    run -0 $PY -c "
import numpy as np
l = np.loadtxt('lmp.etot'); m = np.loadtxt('t.tsv')[:, 6]
t = np.arange(len(m)) * 0.05
sl, sm = np.polyfit(t, l, 1)[0] / 120, np.polyfit(t, m, 1)[0] / 120
# the slope's standard error from the scatter about the line
err = np.std(m - np.polyval(np.polyfit(t, m, 1), t)) * np.sqrt(12 / len(t)) / t[-1] / 120
print('drift eV/atom/ps: md-run %.3g LAMMPS %.3g (noise %.2g); std eV: %.3g %.3g'
      % (sm, sl, err, m.std(), l.std()))
assert len(l) == len(m) == 201
assert abs(sm) <= abs(sl) + 3 * err and abs(sm) < 5e-6
assert m.std() < 1.5 * l.std()"
    echo "$output"
}

# --- MTP (MLIP's potentials) ------------------------------------------------------------------

MLIP=${FPMS_SHARED:-$FPMS_ROOT/../shared}/interop/mlip

need_mlip() {
    [ -f "$MLIP/pot_10.mtp" ] && [ -f "$MLIP/efs_valid_10.cfg" ] && [ -f "$MLIP/valid.cfg" ] ||
        skip "no MLIP interop data in $MLIP"
}

@test "mtp: --steps 0 gives MLIP's energies, forces and PlusStress on valid.cfg to 1e-9" {
    need_mlip
    # the criterion of mtp_mlip.bats: |dE| <= 1e-9 |E|; |dF| <= 1e-9 (|F| + Fmax) with
    # Fmax = max(1 eV/A, the configuration's largest |F|); PlusStress (= -V stress) the same
    fpms md-run -p "mtp:$MLIP/pot_10.mtp" -s C,B "$MLIP/valid.cfg" > out.xyz
    run -0 $PY - "$MLIP/efs_valid_10.cfg" out.xyz <<'EOF2'
import sys, numpy as np
from ase.io import read
def cfgs(path):
    out, cur, mode = [], None, None
    for line in open(path):
        w = line.split()
        if not w:
            continue
        if w[0] == 'BEGIN_CFG':
            cur, mode = {'f': []}, None
        elif w[0] == 'END_CFG':
            out.append(cur)
        elif w[0] == 'AtomData:':
            mode = ('atoms', w[1:])
        elif w[0] in ('Energy', 'PlusStress:', 'Size', 'Supercell', 'Feature'):
            mode = (w[0], w[1:])
        elif mode and mode[0] == 'atoms':
            d = dict(zip(mode[1], w))
            cur['f'].append([float(d['fx']), float(d['fy']), float(d['fz'])])
        elif mode and mode[0] == 'Energy':
            cur['e'], mode = float(w[0]), None
        elif mode and mode[0] == 'PlusStress:':
            cur['s'], mode = dict(zip(mode[1], map(float, w))), None
    return out
ref, mine = cfgs(sys.argv[1]), read(sys.argv[2], index=':')
assert len(ref) == len(mine) == 100, (len(ref), len(mine))
idx = {'xx': (0, 0), 'yy': (1, 1), 'zz': (2, 2), 'yz': (1, 2), 'xz': (0, 2), 'xy': (0, 1)}
we = wf = ws = 0
for r, a in zip(ref, mine):
    we = max(we, abs(a.get_potential_energy() - r['e']) / abs(r['e']))
    F, Fr = a.get_forces(), np.array(r['f'])
    wf = max(wf, (abs(F - Fr) / (abs(Fr) + max(1, abs(Fr).max()))).max())
    W = -a.get_stress(voigt=False) * a.get_volume()
    sm = max(1, max(abs(v) for v in r['s'].values()))
    ws = max(ws, max(abs(W[idx[k]] - v) / (abs(v) + sm) for k, v in r['s'].items()))
print('energy %.2g forces %.2g stress %.2g' % (we, wf, ws))
assert max(we, wf, ws) <= 1e-9
EOF2
    echo "$output"
}

@test "mtp: NVE of graphene with pot_10.mtp conserves the energy" {
    need_mlip
    # one thread: 8 atoms give OpenMP nothing but its barriers
    OMP_NUM_THREADS=1 fpms md-run -p "mtp:$MLIP/pot_10.mtp" -s C,B -n 2000 -T 300 --thermo t.tsv \
        --thermo-every 20 g.xyz > out.xyz
    run -0 $PY -c "
import numpy as np
t = np.loadtxt('t.tsv')
print('etot std %.3g eV, epot std %.3g eV' % (t[:, 6].std(), t[:, 4].std()))
assert len(t) == 101 and np.ptp(t[:, 6]) < 2e-3 and t[:, 6].std() < 0.01 * t[:, 4].std()"
    echo "$output"
}

@test "mtp: pairs closer than the potential's rmin are reported, not evaluated in silence" {
    need_mlip
    # rmin 1.5 A: every C-C bond of g.xyz lies below it, outside the radial basis
    sed 's/min_dist = .*/min_dist = 1.5e+00/' "$MLIP/pot_10.mtp" > near.mtp
    # g.xyz's closest pair by brute force over the in-plane images (pbc T T F), as %.4g prints it
    closest=$(awk 'NR == 2 { split($0, l, "\""); split(l[2], c, " "); a = c[1]; b = c[5] }
        NR > 2 { n++; x[n] = $2; y[n] = $3; z[n] = $4 }
        END { m = 1e9
            for (i = 1; i <= n; i++) for (j = 1; j <= n; j++) for (p = -1; p <= 1; p++)
                for (q = -1; q <= 1; q++) {
                    if (i == j && !p && !q) continue
                    dx = x[j] - x[i] + p * a; dy = y[j] - y[i] + q * b; dz = z[j] - z[i]
                    d = sqrt(dx * dx + dy * dy + dz * dz); if (d < m) m = d
                }
            printf "%.4g", m }' g.xyz)
    awk -v d="$closest" 'BEGIN { exit !(d > 1 && d < 1.5) }' # a bond, below the new rmin
    run -0 --separate-stderr fpms md-run -p mtp:near.mtp -s C,B -n 0 -o out.xyz g.xyz
    [ "$stderr" = "md-run: warning: mtp: in 1 of 1 force evaluations a pair was closer than the potential's rmin 1.5 Angstrom (the closest $closest Angstrom): outside the range of its radial basis, where its forces follow no fit" ]
    [ -s out.xyz ]
    # every step's evaluation counts (and the forces there are chance: the sheet falls apart)
    run -0 --separate-stderr fpms md-run -p mtp:near.mtp -s C,B -n 5 -T 300 g.xyz
    [[ "$stderr" == "md-run: warning: mtp: in 6 of 6 force evaluations a pair was closer than"* ]]
    run -0 --separate-stderr fpms md-run -q -p mtp:near.mtp -s C,B -n 5 -T 300 g.xyz
    [ -z "$stderr" ]
    run -0 --separate-stderr fpms md-run -p "mtp:$MLIP/pot_10.mtp" -s C,B -n 5 -T 300 g.xyz
    [ -z "$stderr" ]
}

@test "mtp: errors name the file and line, exit 1, leave nothing" {
    need_mlip
    run -1 --separate-stderr fpms md-run -p "mtp:$MLIP/pot_10.mtp" g.xyz
    [ "$stderr" = "md-run: mtp needs --species, e.g. C,B" ]
    run -1 --separate-stderr fpms md-run -p "mtp:$MLIP/pot_10.mtp" -s C g.xyz
    [ "$stderr" = "md-run: $MLIP/pot_10.mtp: the potential has 2 species, --species 1" ]
    run -1 --separate-stderr fpms md-run -p mtp:missing.mtp -s C,B g.xyz
    [[ "$stderr" == "md-run: missing.mtp: "* ]]
    sed 's/alpha_index_times_count = /alpha_index_times_count = 1/' "$MLIP/pot_10.mtp" > bad.mtp
    run -1 --separate-stderr fpms md-run -p mtp:bad.mtp -s C,B -o out.xyz g.xyz
    [[ "$stderr" =~ ^md-run:\ bad\.mtp:[0-9]+:\  ]]
    run -1 --separate-stderr fpms md-run -p "mtp:$MLIP/pot_10.mtp" -s N,B -o out.xyz g.xyz
    [ "$stderr" = "md-run: g.xyz:1: frame 1: atom 1: element C is not among the species of the mtp potential" ]
    [ -z "$output" ]
    rm -f bad.mtp
    no_files
}

# --- thermostats ------------------------------------------------------------------------------

# argon32: 32 fcc argon atoms (a = 5.26 A), slightly rattled
argon32() {
    $PY -c "
from ase.build import bulk
a = bulk('Ar', 'fcc', a=5.26, cubic=True).repeat((2, 2, 2))
a.rattle(0.05, seed=1)
a.write('ar32.xyz', format='extxyz')"
}

# nvt KIND: 100 ps of 32 argon atoms at 70 K; prints and checks the mean temperature against
# its standard error (20 block means) and the fluctuation against the canonical sqrt(2/Nf)
nvt() {
    argon32
    # not under valgrind: 20000 steps (the short runs below cover the same code)
    OMP_NUM_THREADS=1 "$FPMS_BIN/md-run" -p lj:0.0104,3.4,6.5,shift -n 20000 --dt 5fs -T 70K \
        --thermostat "$1" --tdamp 0.1ps --seed 3 --thermo t.tsv --thermo-every 10 ar32.xyz > out.xyz
    run -0 $PY -c "
import numpy as np
t = np.loadtxt('t.tsv')[200:]
T = t[:, 3]
se = T[:1800].reshape(20, -1).mean(1).std(ddof=1) / np.sqrt(20)
rsd = T.std() / T.mean()
print('T %.2f +- %.2f K, relative sd %.4f (canonical %.4f), econs range %.2g eV'
      % (T.mean(), se, rsd, np.sqrt(2 / 93), np.ptp(t[:, -1])))
assert abs(T.mean() - 70) < 4 * se and se < 1.4
assert abs(rsd / np.sqrt(2 / 93) - 1) < 0.15
assert np.ptp(t[:, -1]) < 0.01"
    echo "$output"
}

@test "--thermostat bussi: mean T at the target, canonical fluctuations, E - heat conserved" {
    nvt bussi
    grep -q '^# thermostat = bussi 70 K tdamp 0.1 ps$' t.tsv
    [ "$(grep '^#  *frame' t.tsv | awk '{print $NF}')" = "econs[eV]" ]
    run -0 ase_eval out.xyz "frames[0].info['md_thermostat'], frames[0].info['md_tdamp'], frames[0].info['md_heat'] != 0"
    [ "$output" = "('bussi', 0.1, True)" ]
}

@test "--thermostat langevin: mean T at the target, canonical fluctuations" {
    nvt langevin
}

@test "thermostats: same seed, same bits for any thread count; another seed differs" {
    export OMP_NUM_THREADS=1
    for th in bussi langevin; do
        OMP_NUM_THREADS=1 tersoff -n 60 -T 500 --thermostat $th --tdamp 20fs --seed 3 g.xyz > a.xyz
        OMP_NUM_THREADS=3 tersoff -n 60 -T 500 --thermostat $th --tdamp 20fs --seed 3 g.xyz > b.xyz
        tersoff -n 60 -T 500 --thermostat $th --tdamp 20fs --seed 4 g.xyz > c.xyz
        OMP_NUM_THREADS=2 tersoff -n 60 -T 500 --thermostat $th --tdamp 20fs --seed 3 g.xyz > d.xyz
        cmp a.xyz d.xyz
        cmp a.xyz b.xyz
        ! cmp -s a.xyz c.xyz
    done
    # none is NVE
    tersoff -n 60 -T 500 --thermostat none g.xyz > a.xyz
    tersoff -n 60 -T 500 g.xyz > b.xyz
    cmp a.xyz b.xyz
}

@test "thermostat usage errors: exit 1, nothing written" {
    for args in "--thermostat nose" "--thermostat bussi" "--thermostat langevin -n 5" \
        "-T 300 --thermostat bussi --tdamp 0" "-T 300 --thermostat bussi --tdamp -1fs" \
        "-T 300 --thermostat bussi --tdamp 1eV" "-T 300 --tdamp 0.1"; do
        run -1 --separate-stderr fpms md-run -p lj:0.0104,3.4,8.5 -n 5 -o out.xyz $args ar.xyz
        [[ "$stderr" =~ ^md-run:\ [a-z-] ]] || { echo "$args: $stderr"; return 1; }
        [ -z "$output" ] || { echo "$args: stdout $output"; return 1; }
    done
    run -1 --separate-stderr fpms md-run -p lj:1,3,8 --thermostat nose ar.xyz
    [[ "$stderr" == "md-run: --thermostat: unknown 'nose' (none, bussi, langevin or nhc)"* ]]
    run -1 --separate-stderr fpms md-run -p lj:1,3,8 --thermostat bussi ar.xyz
    [[ "$stderr" == "md-run: --thermostat bussi needs --temp"* ]]
    run -1 --separate-stderr fpms md-run -p lj:1,3,8 -T 30 --tdamp 1ps ar.xyz
    [[ "$stderr" == "md-run: --tdamp needs --thermostat bussi, langevin or nhc"* ]]
    run -1 --separate-stderr fpms md-run -p lj:1,3,8 -T 30 --thermostat bussi --tdamp 0 ar.xyz
    [[ "$stderr" == "md-run: --tdamp: '0' is not a time > 0"* ]]
    no_files
}

# --- heat current -----------------------------------------------------------------------------

@test "--heat: J(t) series that kappa-gk reads, with volume and mean temperature" {
    command -v kappa-gk > /dev/null || skip "no kappa-gk"
    tersoff -n 400 -T 300 --heat j.tsv --heat-every 2 --thermo t.tsv --thermo-every 2 g.xyz > out.xyz
    grep -q '^# volume = 316.23...* A^3$' j.tsv
    [ "$(grep '^#  *time' j.tsv | awk '{print $2, $3, $4, $5}')" = "time[ps] Jx[eV*A/ps] Jy[eV*A/ps] Jz[eV*A/ps]" ]
    run -0 $PY -c "
import numpy as np
j = np.loadtxt('j.tsv'); t = np.loadtxt('t.tsv')
T = float([l for l in open('j.tsv') if l.startswith('# temperature')][0].split()[3])
print(j.shape, j[1, 0], abs(T / t[:, 3].mean() - 1) < 1e-12, bool(np.all(np.isfinite(j))), abs(j[:, 1:]).max() > 0)"
    [ "$output" = "(201, 4) 0.001 True True True" ]
    run -0 --separate-stderr fpms kappa-gk j.tsv
    [[ "$output" == *"# volume = 316.23"* ]]
    [[ "$output" == *"# temperature = "* ]]
    # a sheet: the in-plane area, so kappa-gk --thickness needs no --cell
    grep -q '^# area = 21.08...* A^2$' j.tsv
    fpms kappa-gk --thickness 3.35 j.tsv > a.tsv
    fpms kappa-gk --cell 4.2729,4.934 --thickness 3.35 j.tsv > c.tsv
    diff a.tsv c.tsv
}

@test "--heat errors: exit 1, no file left" {
    for args in "--heat j.tsv" "-n 5 --heat-every 2" "-n 5 --heat j.tsv --heat-every 0" \
        "-n 5 --heat j.tsv -o j.tsv" "-n 5 --heat j.tsv --thermo j.tsv"; do
        run -1 --separate-stderr fpms md-run -p lj:0.0104,3.4,8.5 -o out.xyz $args ar.xyz
        [[ "$stderr" =~ ^md-run:\ [a-z-] ]] || { echo "$args: $stderr"; return 1; }
        [ -z "$output" ] || { echo "$args: stdout $output"; return 1; }
    done
    run -1 --separate-stderr fpms md-run -p lj:0.0104,3.4,8.5 --heat j.tsv ar.xyz
    [[ "$stderr" == "md-run: --heat needs --steps N > 0"* ]]
    # one series per run: a second frame is an error
    cat ar.xyz ar.xyz > in.xyz
    run -1 --separate-stderr fpms md-run -p lj:0.0104,3.4,8.5 -n 5 --heat j.tsv --thermo t.tsv in.xyz
    [ "$stderr" = "md-run: in.xyz:7: frame 2: --heat: a heat-current series takes one frame" ]
    [ -z "$output" ]
    run -1 --separate-stderr fpms md-run -p lj:0.0104,3.4,8.5 -n 5 --heat j.tsv < /dev/null
    [ "$stderr" = "md-run: --heat: <stdin>: no frames" ]
    # a run that explodes leaves no series
    printf '2\nLattice="9 0 0 0 9 0 0 0 9"\nAr 1 1 1\nAr 1.3 1 1\n' > in.xyz
    run -2 --separate-stderr fpms md-run -p lj:0.01,3.4,4 -n 100 --dt 10fs --heat j.tsv in.xyz
    [ -z "$output" ]
    rm -f in.xyz
    no_files
}

# ---- Nose-Hoover chains, stress control, tension, trajectories, checkpoints ----

# thermo_stats FILE COL: mean of column COL (0-based) over the second half, and the largest
# |econs - econs(0)| (last column but, with a moving cell, three)
thermo_py() {
    $PY -c "
import numpy as np
t = np.loadtxt('$1')
n = len(t) // 2
$2"
}

@test "--thermostat nhc: T at the target, E - heat conserved, --chain changes the chain" {
    run -0 --separate-stderr tersoff -n 4000 --dt 1fs -T 300 --thermostat nhc --tdamp 0.05ps \
        --thermo t.tsv --thermo-every 10 g.xyz
    printf '%s\n' "$output" > out.xyz
    grep -q '^# thermostat = nhc 300 K tdamp 0.05 ps$' t.tsv
    [ "$(grep '^#  *frame' t.tsv | awk '{print $NF}')" = "econs[eV]" ]
    run -0 thermo_py t.tsv "print(abs(t[n:, 3].mean() / 300 - 1) < 0.15, abs(t[:, -1] - t[0, -1]).max() < 2e-3 * 8)"
    [ "$output" = "True True" ]
    run -0 ase_eval out.xyz "frames[0].info['md_thermostat'], frames[0].info['md_heat'] != 0"
    [ "$output" = "('nhc', True)" ]
    run -0 --separate-stderr tersoff -n 200 --dt 1fs -T 300 --thermostat nhc --chain 1 g.xyz
    printf '%s\n' "$output" > c1.xyz
    run -0 --separate-stderr tersoff -n 200 --dt 1fs -T 300 --thermostat nhc g.xyz
    printf '%s\n' "$output" > c3.xyz
    ! cmp -s c1.xyz c3.xyz
}

@test "--barostat scr: a rattled sheet relaxes x and y to zero mean stress, z untouched" {
    run -0 --separate-stderr tersoff -n 4000 --dt 1fs -T 10 --thermostat nhc --barostat scr \
        --pdirs x,y --pdamp 0.1ps --compressibility 0.05 --thermo t.tsv --thermo-every 10 g.xyz
    printf '%s\n' "$output" > out.xyz
    [ "$(grep '^#  *frame' t.tsv | awk '{print $(NF-3), $(NF-2), $(NF-1), $NF}')" = "econs[eV] lx[A] ly[A] lz[A]" ]
    # columns: 8 sxx, 9 syy (GPa); it started at -3.7 and -2.1 GPa
    run -0 thermo_py t.tsv "print(t[0, 8] < -3, t[0, 9] < -2, abs(t[n:, 8].mean()) < 0.3, abs(t[n:, 9].mean()) < 0.3, set(t[:, -1]) == {15.0}, t[-1, -3] > 4.2729)"
    [ "$output" = "True True True True True True" ]
    run -0 ase_eval out.xyz "frames[0].cell[2, 2], frames[0].info['md_barostat'], frames[0].cell[0, 0] > 4.2729"
    [ "$output" = "(15.0, 'scr', True)" ]
    # default: every periodic direction, so the same as x,y for a sheet
    run -0 --separate-stderr tersoff -n 50 --dt 1fs -T 10 --thermostat nhc --barostat scr \
        --pdirs x,y g.xyz
    printf '%s\n' "$output" > a.xyz
    run -0 --separate-stderr tersoff -n 50 --dt 1fs -T 10 --thermostat nhc --barostat scr g.xyz
    printf '%s\n' "$output" > b.xyz
    cmp a.xyz b.xyz
    # --pressure: a positive pressure shrinks the cell (GPa, or with a unit)
    run -0 --separate-stderr tersoff -n 300 --dt 1fs --barostat scr --pdirs x --pressure 20kbar \
        --compressibility 0.05 --pdamp 0.05 g.xyz
    printf '%s\n' "$output" > p.xyz
    run -0 ase_eval p.xyz "frames[0].info['md_pressure'], frames[0].cell[1, 1]"
    [ "$output" = "(2, 4.934)" ]
}

@test "--barostat mtk: the sheet relaxes x and y to zero mean stress, econs flat, z untouched" {
    run -0 --separate-stderr tersoff -n 4000 --dt 1fs -T 10 --thermostat nhc --barostat mtk \
        --pdamp 1ps --thermo t.tsv --thermo-every 10 g.xyz
    printf '%s\n' "$output" > out.xyz
    grep -q '^# barostat = mtk 0 GPa pdamp 1 ps' t.tsv
    # columns: 8 sxx, 9 syy (GPa), 14 econs; it started at -3.7 and -2.1 GPa
    run -0 thermo_py t.tsv "print(t[0, 8] < -3, t[0, 9] < -2, abs(t[n:, 8].mean()) < 0.05, abs(t[n:, 9].mean()) < 0.05, set(t[:, -1]) == {15.0}, t[-1, -3] > 4.2729, np.abs(t[:, 14] - t[0, 14]).max() < 0.01)"
    [ "$output" = "True True True True True True True" ]
    run -0 ase_eval out.xyz "frames[0].cell[2, 2], frames[0].info['md_barostat']"
    [ "$output" = "(15.0, 'mtk')" ]
    # --pdirs x: y keeps its length; the default is every periodic direction (x,y here)
    run -0 --separate-stderr tersoff -n 50 --dt 1fs -T 10 --thermostat nhc --barostat mtk \
        --pdirs x g.xyz
    printf '%s\n' "$output" > x.xyz
    run -0 ase_eval x.xyz "frames[0].cell[1, 1], frames[0].cell[0, 0] != 4.2729"
    [ "$output" = "(4.934, True)" ]
    run -0 --separate-stderr tersoff -n 50 --dt 1fs -T 10 --thermostat nhc --barostat mtk \
        --pdirs x,y g.xyz
    printf '%s\n' "$output" > a.xyz
    run -0 --separate-stderr tersoff -n 50 --dt 1fs -T 10 --thermostat nhc --barostat mtk g.xyz
    printf '%s\n' "$output" > b.xyz
    cmp a.xyz b.xyz
    # --pressure: a positive pressure shrinks the cell along x, against the pressure of the sheet
    run -0 --separate-stderr tersoff -n 300 --dt 1fs -T 10 --thermostat nhc --barostat mtk \
        --pdirs x --pressure 20kbar --pdamp 0.5 g.xyz
    printf '%s\n' "$output" > p.xyz
    run -0 ase_eval p.xyz "frames[0].info['md_pressure'], frames[0].cell[1, 1]"
    [ "$output" = "(2, 4.934)" ]
}

@test "--tension: stress-strain table in GPa and N/m, stops past the peak, slope ~ 340 N/m" {
    # equilibrate at zero stress, then pull along x from the checkpoint
    run -0 --separate-stderr tersoff -n 1000 --dt 1fs -T 5 --thermostat bussi --barostat scr \
        --compressibility 0.05 --pdamp 0.1 --checkpoint eq.ck g.xyz
    run -0 --separate-stderr tersoff -n 5000 --dt 1fs -T 5 --thermostat bussi --barostat scr \
        --compressibility 0.05 --pdamp 0.1 --tension x --strain-rate 5e11/s \
        --stress-strain ss.tsv --thermo-every 20 --past-peak 0.03 --restart eq.ck \
        --checkpoint st.ck g.xyz
    printf '%s\n' "$output" > out.xyz
    # a restart from the checkpoint of the stop stays stopped
    run -0 --separate-stderr tersoff -n 5000 --dt 1fs -T 5 --thermostat bussi --barostat scr \
        --compressibility 0.05 --pdamp 0.1 --tension x --strain-rate 5e11/s --thermo-every 20 \
        --past-peak 0.03 --restart st.ck g.xyz
    printf '%s\n' "$output" > st.xyz
    cmp out.xyz st.xyz
    grep -q '^# thickness = 3.35 A$' ss.tsv
    grep -q '^# tension = x$' ss.tsv
    grep -q '^# strain_rate = 0.5 1/ps$' ss.tsv
    [ "$(grep '^#  *step' ss.tsv | xargs)" = "# step time[ps] strain stress[GPa] stress_2d[N/m] sxx[GPa] syy[GPa] szz[GPa] syz[GPa] sxz[GPa] sxy[GPa] sxx_2d[N/m] syy_2d[N/m] szz_2d[N/m] syz_2d[N/m] sxz_2d[N/m] sxy_2d[N/m] temp[K] pe[eV]" ]
    run -0 $PY -c "
import numpy as np
t = np.loadtxt('ss.tsv')
e, s2, s3 = t[:, 2], t[:, 11], t[:, 5]
slope = (s2[4] - s2[0]) / (e[4] - e[0])
k = s2.argmax()
print(int(t[0, 0]), 200 < slope < 500, np.allclose(s3, s2 / 0.335, rtol=1e-12),
      abs(t[:, 12]).max() < 3, e[-1] > e[k] + 0.03, e[-1] < e[k] + 0.03 + 0.015, t[-1, 0] < 6000,
      (t[:, 3] == t[:, 5]).all() and (t[:, 4] == t[:, 11]).all())"
    [ "$output" = "1020 True True True True True True True" ]
    run -0 ase_eval out.xyz "frames[0].info['md_steps'] < 5000, round(frames[0].info['md_strain'] - frames[0].info['md_peak_strain'], 6) > 0.03, frames[0].cell[2, 2]"
    [ "$output" = "(True, True, 15.0)" ]
}

@test "--traj: AMBER NetCDF and extxyz every N steps, read by ASE" {
    run -0 --separate-stderr tersoff -n 100 --dt 1fs -T 300 --thermostat bussi --barostat scr \
        --traj t.nc --traj-every 20 g.xyz
    printf '%s\n' "$output" > out.xyz
    run -0 $PY -c "
from ase.io import read
from ase.units import fs
f = read('t.nc', index=':')
g = read('out.xyz')
# ASE 3.22 returns the stored A/ps numbers of a NetCDF file as they are (see nctraj_ase.py)
print(len(f), abs(f[-1].positions - g.positions).max() < 1e-4, abs(f[-1].cell[:2] - g.cell[:2]).max() < 1e-4,
      abs(f[-1].get_velocities() - g.get_velocities() * 1000 * fs).max() < 1e-4)"
    [ "$output" = "6 True True True" ]
    ncdump -h t.nc | grep -q 'time(frame)'
    ncdump -v time t.nc | grep -q 'time = 0, 0.02, 0.04, 0.06, 0.08, 0.1'
    run -0 --separate-stderr tersoff -n 100 --dt 1fs -T 300 --traj t.xyz --traj-every 50 g.xyz
    run -0 ase_eval t.xyz "len(frames), [f.info['time'] for f in frames], [f.info['step'] for f in frames], frames[0].info['config_type']"
    [ "$output" = "(3, [0, 0.05, 0.1], [0, 50, 100], 'test')" ]
    run -0 --separate-stderr tersoff -n 10 -T 300 --traj t.dat --traj-format extxyz g.xyz
    [ "$(head -1 t.dat)" = 8 ]
}

# ckrun ARGS: a Tersoff run of the sheet with every piece of state: thermostat, barostat noise,
# tension
ckrun() {
    tersoff --dt 1fs -T 300 --seed 9 --barostat scr --compressibility 0.05 --pdamp 0.1 "$@" g.xyz
}

@test "--checkpoint/--restart: 100 + 100 steps = 200 steps, bit for bit" {
    for th in nhc langevin bussi; do
        run -0 --separate-stderr ckrun -n 200 --thermostat $th --checkpoint a.ck --checkpoint-every 100
        printf '%s\n' "$output" > a.xyz
        run -0 --separate-stderr ckrun -n 100 --thermostat $th --checkpoint b.ck
        run -0 --separate-stderr ckrun -n 200 --thermostat $th --checkpoint c.ck --restart b.ck
        printf '%s\n' "$output" > c.xyz
        cmp a.xyz c.xyz || { echo "$th differs"; return 1; }
        cmp a.ck c.ck
    done
    head -1 b.ck | grep -q '^fpms-md-checkpoint 1$'
    grep -q '^step 100$' b.ck
    # with tension: the deformation and the stress-strain record continue too
    run -0 --separate-stderr ckrun -n 200 --thermostat nhc --tension y --strain-rate 0.2 \
        --stress-strain a.tsv --thermo-every 25 --checkpoint a.ck --checkpoint-every 100
    printf '%s\n' "$output" > a.xyz
    run -0 --separate-stderr ckrun -n 100 --thermostat nhc --tension y --strain-rate 0.2 \
        --stress-strain b.tsv --thermo-every 25 --checkpoint b.ck
    run -0 --separate-stderr ckrun -n 200 --thermostat nhc --tension y --strain-rate 0.2 \
        --stress-strain c.tsv --thermo-every 25 --checkpoint c.ck --restart b.ck
    printf '%s\n' "$output" > c.xyz
    cmp a.xyz c.xyz
    diff <(grep -v '^#' a.tsv) <(grep -v '^#' b.tsv; grep -v '^#' c.tsv)
    # a restart at the last step runs nothing and writes the same state
    run -0 --separate-stderr ckrun -n 200 --thermostat nhc --tension y --strain-rate 0.2 \
        --restart c.ck
    printf '%s\n' "$output" > d.xyz
    cmp a.xyz d.xyz
}

@test "--barostat mtk: --checkpoint/--restart 100 + 100 steps = 200 steps, bit for bit" {
    mtkrun() {
        tersoff --dt 1fs -T 300 --seed 9 --thermostat nhc --barostat mtk --pdamp 0.2 "$@" g.xyz
    }
    run -0 --separate-stderr mtkrun -n 200 --checkpoint a.ck --checkpoint-every 100
    printf '%s\n' "$output" > a.xyz
    run -0 --separate-stderr mtkrun -n 100 --checkpoint b.ck
    run -0 --separate-stderr mtkrun -n 200 --checkpoint c.ck --restart b.ck
    printf '%s\n' "$output" > c.xyz
    cmp a.xyz c.xyz
    cmp a.ck c.ck
    # the barostat's velocities and chain are in the checkpoint
    grep -q '^barostat mtk 100 ' b.ck
    grep -q '^mtk .* 3$' b.ck
    grep -q '^etap_dot \(.* \)\{3\}0x0p+0$' b.ck
    # with tension along y, mtk on x
    run -0 --separate-stderr mtkrun -n 200 --tension y --strain-rate 0.2 --stress-strain a.tsv \
        --thermo-every 25 --checkpoint a.ck --checkpoint-every 100
    printf '%s\n' "$output" > a.xyz
    run -0 --separate-stderr mtkrun -n 100 --tension y --strain-rate 0.2 --stress-strain b.tsv \
        --thermo-every 25 --checkpoint b.ck
    run -0 --separate-stderr mtkrun -n 200 --tension y --strain-rate 0.2 --stress-strain c.tsv \
        --thermo-every 25 --checkpoint c.ck --restart b.ck
    printf '%s\n' "$output" > c.xyz
    cmp a.xyz c.xyz
    cmp a.ck c.ck
    diff <(grep -v '^#' a.tsv) <(grep -v '^#' b.tsv; grep -v '^#' c.tsv)
    run -0 ase_eval c.xyz "round(frames[0].info['md_strain'], 12)"
    [ "$output" = "0.04" ]
    # a checkpoint of scr does not restart mtk; a corrupt mtk record is refused
    run -0 --separate-stderr tersoff --dt 1fs -T 300 --thermostat nhc --barostat scr -n 10 \
        --checkpoint s.ck g.xyz
    run -1 --separate-stderr mtkrun -n 20 --restart s.ck
    [ "$stderr" = "md-run: g.xyz:1: frame 1: s.ck: written with --barostat scr, this run has --barostat mtk" ]
    while IFS='|' read -r edit msg; do
        sed "$edit" b.ck > e.ck
        run -1 --separate-stderr mtkrun -n 20 --tension y --strain-rate 0.2 --restart e.ck
        [ "$stderr" = "md-run: g.xyz:1: frame 1: $msg" ] || { echo "$edit: $stderr"; return 1; }
    done <<'EOF2'
/^mtk /s/ 3$/ 0/|e.ck:11: chain length 0
/^mtk /s/ 3$/ 2/;/^etap /s/ [^ ]*$//;/^etap_dot /s/ [^ ]* 0x0p+0$/ 0x0p+0/;/^etap_dotdot /s/ [^ ]*$//|e.ck: written with a barostat chain of 2, this run has 3
/^mtk /s/^mtk [^ ]*/mtk nan/|e.ck:11: 'nan' is not a finite number
/^mtk /d|e.ck:11: expected 'mtk OMEGA_DOT*3 NCHAIN'
/^etap_dot /s/ 0x0p+0$//|e.ck:13: expected 'etap_dot' and 4 numbers
EOF2
    rm -f ./*.ck ./*.tsv a.xyz c.xyz
    no_files
}

@test "dynamics usage errors: exit 1, a message, nothing written" {
    while IFS='|' read -r args msg; do
        run -1 --separate-stderr tersoff -o out.xyz $args g.xyz
        [[ "$stderr" == "md-run: $msg"* ]] || { echo "$args: $stderr"; return 1; }
        [ -z "$output" ]
    done <<'EOF2'
-n 5 -T 10 --chain 2|--chain needs --thermostat nhc
-n 5 -T 10 --thermostat nhc --chain 0|--chain: '0' is not an integer in 1..16
-n 5 --barostat nose|--barostat: unknown 'nose' (none, scr or mtk)
-n 5 --barostat mtk|--barostat mtk needs --thermostat nhc (its cell velocities are integrated with the Nose-Hoover chain)
-n 5 -T 300 --thermostat bussi --barostat mtk|--barostat mtk needs --thermostat nhc
-n 5 -T 300 --thermostat nhc --barostat mtk --compressibility 0.1|--compressibility does not apply to --barostat mtk (its cell mass comes from --pdamp)
-n 5 --pressure 1|--pressure needs --barostat scr or mtk
-n 5 --pdamp 1|--pdamp needs --barostat scr or mtk
-n 5 --compressibility 0.1|--compressibility needs --barostat scr
-n 5 --barostat scr --compressibility -1|--compressibility: '-1' is not a number > 0
-n 5 --barostat scr --pdamp 0|--pdamp: '0' is not a time > 0
-n 5 --barostat scr --pressure 1parsec|--pressure: '1parsec' is not a pressure
-n 5 --pdirs x|--pdirs needs --barostat scr or mtk
-n 5 --barostat scr --pdirs x,w|--pdirs: 'x,w' is not a list of distinct x, y, z
-n 5 --barostat scr --pdirs x,x|--pdirs: 'x,x' is not a list of distinct x, y, z
-n 5 --tension w --strain-rate 1|--tension: 'w' is not x, y or z
-n 5 --tension x|--tension needs --strain-rate
-n 5 --strain-rate 1|--strain-rate needs --tension
-n 5 --tension x --strain-rate -1|--strain-rate: '-1' is not a rate > 0
-n 5 --tension x --strain-rate 1/min|--strain-rate: '1/min' is not a rate > 0
-n 5 --stress-strain s.tsv|--stress-strain needs --tension
-n 5 --thickness 3|--thickness needs --tension
-n 5 --tension x --strain-rate 1 --thickness 0|--thickness: '0' is not a length > 0
-n 5 --tension x --strain-rate 1 --past-peak -1|--past-peak: '-1' is not a strain >= 0
--barostat scr|--barostat, --tension, --traj, --checkpoint and --restart need --steps N > 0
--checkpoint c.ck|--barostat, --tension, --traj, --checkpoint and --restart need --steps N > 0
-n 5 --traj-every 2|--traj-every needs --traj
-n 5 --traj t.nc --traj-every 0|--traj-every: '0' is not an integer >= 1
-n 5 --traj t.nc --traj-format pdb|--traj-format: unknown 'pdb' (auto, netcdf or extxyz)
-n 5 --traj-format netcdf|--traj-format needs --traj
-n 5 --checkpoint-every 2|--checkpoint-every needs --checkpoint
-n 5 --traj out.xyz|--output and --traj name the same file
-n 5 --checkpoint t.tsv --thermo t.tsv|--thermo and --checkpoint name the same file
EOF2
    no_files
}

@test "dynamics run errors: the file and what, exit 1, no file left" {
    # a sheet is not periodic along z
    run -1 --separate-stderr tersoff -n 5 --barostat scr --pdirs z -o out.xyz g.xyz
    [ "$stderr" = "md-run: g.xyz:1: frame 1: barostat: the cell is not periodic along z (pbc of cell vector 3)" ]
    run -1 --separate-stderr tersoff -n 5 --tension z --strain-rate 1 --stress-strain s.tsv g.xyz
    [ "$stderr" = "md-run: g.xyz:1: frame 1: tension: the cell is not periodic along z (pbc of cell vector 3)" ]
    run -1 --separate-stderr tersoff -n 5 --barostat scr --pdirs x --tension x --strain-rate 1 g.xyz
    [ "$stderr" = "md-run: g.xyz:1: frame 1: --pdirs names the direction of --tension" ]
    # one frame only
    cat g.xyz g.xyz > in.xyz
    run -1 --separate-stderr tersoff -n 5 --traj t.nc in.xyz
    [ "$stderr" = "md-run: in.xyz:11: frame 2: --traj, --checkpoint, --restart, --stress-strain and --nemd take one frame" ]
    # a runaway cell is a physical failure
    run -2 --separate-stderr tersoff -n 5 --barostat scr --compressibility 1e6 --pdamp 1fs g.xyz
    [[ "$stderr" == "md-run: g.xyz:1: frame 1: step 1: cell: scale factor "* ]]
    [ -z "$output" ]
    run -2 --separate-stderr tersoff -n 5 -T 10 --thermostat nhc --barostat mtk \
        --pressure -1e5 --pdamp 100fs g.xyz
    [[ "$stderr" == "md-run: g.xyz:1: frame 1: step 1: cell: MTK scale factor "* ]]
    [ -z "$output" ]
    # mtk on a frame with nothing periodic to control
    $PY -c "
from ase.io import read
a = read('g.xyz'); a.pbc = False; a.write('mol.xyz')"
    run -1 --separate-stderr tersoff -n 5 -T 10 --thermostat nhc --barostat mtk mol.xyz
    [ "$stderr" = "md-run: mol.xyz:1: frame 1: --barostat mtk: the frame has no periodic direction to control" ]
    rm -f mol.xyz
    rm -f in.xyz
    no_files
}

@test "--restart errors: another system, another thermostat, a corrupt checkpoint" {
    run -0 --separate-stderr tersoff -n 10 -T 100 --thermostat nhc --checkpoint c.ck g.xyz
    cp c.ck good.ck
    # another system
    run -1 --separate-stderr fpms md-run -p lj:0.0104,3.4,8.5 -n 20 -T 100 --thermostat nhc --restart c.ck -o out.xyz ar.xyz
    [ "$stderr" = "md-run: ar.xyz:1: frame 1: c.ck: checkpoint of another system: 8 atoms, the input has 4" ]
    [ ! -e out.xyz ]
    printf '8\npbc="T T F" Lattice="4.2729 0 0 0 4.934 0 0 0 15"\n' > in.xyz
    tail -n 8 g.xyz | sed '8s/^C/Si/' >> in.xyz
    run -1 --separate-stderr fpms md-run -p "tersoff:$POT/SiC.tersoff" -s C,Si -n 20 -T 100 --thermostat nhc --restart c.ck in.xyz
    [ "$stderr" = "md-run: in.xyz:1: frame 1: c.ck: checkpoint of another system: atom 8 is C, in the input Si" ]
    run -1 --separate-stderr tersoff -n 20 -T 100 --thermostat bussi --restart c.ck g.xyz
    [ "$stderr" = "md-run: g.xyz:1: frame 1: c.ck: written with --thermostat nhc, this run has --thermostat bussi" ]
    run -1 --separate-stderr tersoff -n 20 -T 100 --thermostat nhc --chain 4 --restart c.ck g.xyz
    [ "$stderr" = "md-run: g.xyz:1: frame 1: c.ck: written with --chain 3, this run has --chain 4" ]
    run -1 --separate-stderr tersoff -n 20 -T 100 --thermostat nhc --barostat scr --restart c.ck g.xyz
    [ "$stderr" = "md-run: g.xyz:1: frame 1: c.ck: written with --barostat none, this run has --barostat scr" ]
    run -1 --separate-stderr tersoff -n 5 -T 100 --thermostat nhc --restart c.ck g.xyz
    [ "$stderr" = "md-run: g.xyz:1: frame 1: c.ck: the checkpoint is at step 10, past --steps 5" ]
    run -1 --separate-stderr tersoff -n 20 --restart nothere.ck g.xyz
    [[ "$stderr" == "md-run: g.xyz:1: frame 1: nothere.ck: "* ]]
    # corrupt checkpoints: file:line and what
    while IFS='|' read -r edit msg; do
        sed "$edit" good.ck > c.ck
        run --separate-stderr tersoff -n 20 -T 100 --thermostat nhc --restart c.ck -o out.xyz g.xyz
        [ "$status" = 1 ] && [ "$stderr" = "md-run: g.xyz:1: frame 1: $msg" ] ||
            { echo "$edit: $status $stderr"; return 1; }
        [ -z "$output" ] && [ ! -e out.xyz ]
    done <<'EOF2'
1s/.*/fpms-md-checkpoint 2/|c.ck:1: not an md-run checkpoint (expected 'fpms-md-checkpoint 1')
2s/.*/natoms -8/|c.ck:2: '-8' is not an integer in 0..100000000
3s/.*/steps 10/|c.ck:3: expected 'step N', got 'steps'
4s/ 0x1.ep+3$/ nan/|c.ck:4: 'nan' is not a finite number
4s/ 0x1.ep+3$//|c.ck:4: expected 'cell' and 9 numbers
5s/.*/pbc 1 1 2/|c.ck:5: '2' is not an integer in 0..1
6s/nhc/nose/|c.ck:6: unknown thermostat 'nose'
7s/eta/zeta/|c.ck:7: expected 'eta' and 3 numbers, got 'zeta'
8s/ 0x0p+0$/ inf/|c.ck:8: 'inf' is not a finite number
10s/none/nose/|c.ck:10: unknown barostat 'nose'
11s/^tension [0-9]*/tension x/|c.ck:11: 'x' is not an integer in 0..18446744073709551615
13s/^6 /0 /|c.ck:13: atomic number 0
14s/ [^ ]*$/ 0x1.zp+1/|c.ck:14: '0x1.zp+1' is not a finite number
20,$d|c.ck:20: truncated checkpoint: expected 'Z x y z vx vy vz'
$d|c.ck:21: truncated checkpoint: expected 'end'
$s/$/\nmore/|c.ck:22: text after 'end'
EOF2
    rm -f c.ck good.ck in.xyz
    no_files
}

@test "LAMMPS: --thermostat nhc follows fix nvt (tchain 3) from the same velocities" {
    command -v lmp > /dev/null || skip "no lmp: install lammps"
    $PY -c "
from ase.build import bulk
import numpy as np
a = bulk('Ar', 'fcc', a=5.26, cubic=True).repeat((2, 2, 2))
a.positions += np.random.default_rng(3).normal(scale=0.05, size=a.positions.shape)
a.write('in.xyz')"
    run -0 --separate-stderr fpms md-run -p lj:0.0104,3.4,6.5,shift -T 70 --seed 4 -o v.xyz in.xyz
    # the same doubles for LAMMPS: positions, and velocities in A/ps from ASE's momenta
    $PY -c "
from ase.io import read
from ase.units import fs
a = read('v.xyz')
v = a.get_velocities() * 1000 * fs
c = a.cell
with open('ar.data', 'w') as f:
    f.write('ar\n\n%d atoms\n1 atom types\n\n' % len(a))
    f.write('0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n\n' % (c[0, 0], c[1, 1], c[2, 2]))
    f.write('Masses\n\n1 %.17g\n\nAtoms # atomic\n\n' % a.get_masses()[0])
    for i, p in enumerate(a.positions):
        f.write('%d 1 %.17g %.17g %.17g\n' % (i + 1, *p))
    f.write('\nVelocities\n\n')
    for i, u in enumerate(v):
        f.write('%d %.17g %.17g %.17g\n' % (i + 1, *u))"
    cat > in.lmp <<'EOF2'
units metal
atom_style atomic
boundary p p p
read_data ar.data
pair_style lj/cut 6.5
pair_coeff * * 0.0104 3.4
pair_modify shift yes
neighbor 0.5 bin
timestep 0.005
fix 1 all nvt temp 70 70 0.1
thermo_style custom step temp pe
thermo_modify format float %.17g
thermo 100
run 400
EOF2
    lmp -in in.lmp -log lmp.log -screen none
    run -0 --separate-stderr fpms md-run -p lj:0.0104,3.4,6.5,shift -T 70 --seed 4 -n 400 \
        --dt 5fs --thermostat nhc --tdamp 0.1 --thermo t.tsv -o out.xyz in.xyz
    # LAMMPS's metal k_B (8.617343e-5 eV/K) is 1.5e-6 above CODATA 2014's: agreement to 1e-5
    run -0 $PY -c "
import numpy as np
l = np.array([[float(x) for x in s.split()] for s in open('lmp.log') if s.split() and s.split()[0] in ('100', '200', '300', '400') and len(s.split()) == 3])
t = np.loadtxt('t.tsv')[1:]
print(len(l), np.abs(l[:, 1] / t[:, 3] - 1).max() < 1e-5, np.abs(l[:, 2] / t[:, 4] - 1).max() < 1e-5)"
    [ "$output" = "4 True True" ]
}

@test "LAMMPS: --barostat mtk follows fix npt (x, y; tchain 3, pchain 3) from the same velocities" {
    # 120 atoms of rattled graphene in LAMMPS's cell form; md-run's velocities at 300 K, seed 4.
    # md-run is compared with the stored LAMMPS run (md-run/PROVENANCE) and, with lmp, with
    # LAMMPS run here too (not byte for byte with the stored one: another CPU's libm may differ
    # in the last bits, which 200 steps of chaotic dynamics amplify).
    local ref=$BATS_TEST_DIRNAME/md-run/npt-graphene120.lmp.txt
    $PY "$HELPER" build graphene120 gr.in.xyz
    $PY "$HELPER" prepare gr.in.xyz gr.xyz gr.data C
    printf 'pair_style tersoff\npair_coeff * * %s C\n' "$BNC" > gr.pair
    run -0 --separate-stderr tersoff -T 300 --seed 4 -o v.xyz gr.xyz
    run -0 --separate-stderr tersoff -T 300 --seed 4 -n 200 --dt 1fs --thermostat nhc \
        --tdamp 0.1 --barostat mtk --pdamp 0.5 --thermo t.tsv --thermo-every 20 -o out.xyz gr.xyz
    # LAMMPS's metal k_B (8.617343e-5 eV/K) is 1.5e-6 above CODATA 2014's, and its mvv2e and
    # ftm2v differ in the 8th digit: temperatures agree to 2e-6 (measured 1.8e-6), energies
    # and cell lengths to 1e-7, positions to 2e-6 A after 200 steps
    run -0 $PY "$BATS_TEST_DIRNAME/md-run/lmp_npt.py" compare t.tsv out.xyz "$ref" 1e-5 1e-5
    echo "$output"
    if command -v lmp > /dev/null; then
        run -0 --separate-stderr $PY "$BATS_TEST_DIRNAME/md-run/lmp_npt.py" run v.xyz gr.pair \
            200 0.001 300 0.1 0 0.5 20 x,y lmp.txt
        run -0 $PY "$BATS_TEST_DIRNAME/md-run/lmp_npt.py" compare t.tsv out.xyz lmp.txt 1e-5 1e-5
        echo "$output"
    fi
}

# ---- NEMD ----

# nemd_ar: an fcc argon bar of 6 x 1 x 1 cubic cells (24 atoms, 31.56 A along x)
nemd_ar() {
    $PY -c "
from ase.build import bulk
bulk('Ar', 'fcc', a=5.26, cubic=True).repeat((6, 1, 1)).write('bar.xyz')"
}

# nemdrun ARGS: a short NEMD run of the argon bar along x, 5 fs steps at 40 K
nemdrun() {
    fpms md-run -p lj:0.0104eV,3.4,8.5 -s Ar -T 40 --dt 5fs --nemd x --bins 12 "$@" bar.xyz
}

@test "--nemd: an argon bar: the profile table, hot above cold, kappa > 0 and finite" {
    # 12 x 2 x 2 cubic cells (192 atoms, 63.12 A along x), 30 ps at 10 fs: kappa 0.2 to 0.5
    # W/(m K) over seeds, for 5 blocks of 5 ps after 5 ps
    $PY -c "
from ase.build import bulk
bulk('Ar', 'fcc', a=5.26, cubic=True).repeat((12, 2, 2)).write('bar.xyz')"
    run -0 --separate-stderr fpms md-run -p lj:0.0104eV,3.4,6.5,shift -s Ar -T 40 --dt 10fs \
        --nemd x --nemd-dt 30 --bins 12 -n 3000 --block 5ps --nemd-equil 5ps \
        --profile p.tsv --thermo t.tsv --thermo-every 500 bar.xyz
    printf '%s\n' "$output" > out.xyz
    # the table: metadata, then x[A] T[K] T_err[K], one row per bin
    grep -q '^# geometry = periodic$' p.tsv
    grep -q '^# slabs = hot 0.2 0.3 cold 0.7 0.8$' p.tsv
    grep -q '^# temperatures = hot 55 K cold 25 K$' p.tsv
    grep -q '^# atoms = hot 24 cold 24 fixed 0$' p.tsv
    grep -q '^# nemd_blocks = 5 of 5 ps$' p.tsv
    grep -q '^# nemd_kappa = .* +- .* W/(m K)$' p.tsv
    grep -q '^# nemd_flux = .* +- .* W/m^2$' p.tsv
    ! grep -q 'thickness' p.tsv # bulk: no sheet thickness
    run -0 $PY -c "
import numpy as np
from ase.io import read
d = np.loadtxt('p.tsv')
hdr = [l for l in open('p.tsv') if l.startswith('#')][-1].split()[1:]
L = 63.12
hot = d[(d[:, 0] >= 0.2 * L) & (d[:, 0] < 0.3 * L), 1].mean()
cold = d[(d[:, 0] >= 0.7 * L) & (d[:, 0] < 0.8 * L), 1].mean()
info = read('out.xyz').info
k = info['md_nemd_kappa']
print(hdr, d.shape, hot > cold + 15, np.isfinite(k) and 0.1 < k < 1, info['md_nemd_blocks'], info['md_nemd_axis'])"
    [ "$output" = "['x[A]', 'T[K]', 'T_err[K]'] (12, 3) True True 5 x" ]
    # the thermo table: econs and the heat of both slabs, and the results at its end
    grep -q 'econs\[eV\] *heat_hot\[eV\] *heat_cold\[eV\]' t.tsv
    [ "$(tail -1 t.tsv | cut -d' ' -f1-3)" = "# nemd_kappa =" ]
    # heat flows in at the hot slab and out at the cold one
    run -0 $PY -c "
from ase.io import read
i = read('out.xyz').info
print(i['md_nemd_heat_hot'] > 0, i['md_nemd_heat_cold'] < 0)"
    [ "$output" = "True True" ]
}

@test "--nemd-open: fixed ends on a non-periodic axis, langevin slabs" {
    nemd_ar
    $PY -c "
from ase.io import read
a = read('bar.xyz'); a.pbc = [False, True, True]; a.write('bar.xyz')"
    run -0 --separate-stderr nemdrun -n 400 --nemd-open --fixed 0.05 --thermostat langevin \
        --tdamp 0.5ps --block 0.5ps --profile p.tsv
    grep -q '^# geometry = open$' p.tsv
    grep -q '^# fixed = 0.05$' p.tsv
    grep -q '^# slabs = hot 0.05 0.15[0-9]* cold 0.85[0-9]* 0.95$' p.tsv
    grep -q '^# thermostat = langevin tdamp 0.5 ps$' p.tsv
    grep -q '^# atoms = hot .* cold .* fixed [1-9]' p.tsv
    grep -q '^# nemd_kappa = ' p.tsv
}

@test "--nemd: 100 + restart 100 steps = 200 steps, bit for bit (profile, output, checkpoint)" {
    nemd_ar
    # the checkpoint at step 100 falls inside a block: the open block's sums continue
    for th in bussi langevin; do
        a="-T 40 --thermostat $th --block 0.1ps --nemd-equil 0.05ps --thermo-every 10"
        run -0 --separate-stderr nemdrun $a -n 200 --profile a.tsv --thermo ta.tsv \
            --checkpoint a.ck --checkpoint-every 100
        printf '%s\n' "$output" > a.xyz
        run -0 --separate-stderr nemdrun $a -n 100 --checkpoint b.ck
        run -0 --separate-stderr nemdrun $a -n 200 --profile c.tsv --thermo tc.tsv \
            --checkpoint c.ck --restart b.ck
        printf '%s\n' "$output" > c.xyz
        cmp a.xyz c.xyz || { echo "$th: output differs"; return 1; }
        cmp a.tsv c.tsv || { echo "$th: profile differs"; return 1; }
        cmp a.ck c.ck
        # (the row of step 100 comes before the checkpoint's neighbour-list rebuild in a.tsv)
        diff <(grep -v '^#' ta.tsv | awk '$2 > 100') <(grep -v '^#' tc.tsv | awk '$2 > 100')
    done
    # 10 steps of equilibration, then blocks of 20: 4 closed and half of one open at step 100
    grep -q '^nemd 0 periodic 12 4 100 ' b.ck
    [ "$(grep -c '^block ' b.ck)" = 4 ]
    # a checkpoint of an NEMD run continues only an NEMD run with the same slabs
    run -1 --separate-stderr fpms md-run -p lj:0.0104eV,3.4,8.5 -s Ar -T 40 --dt 5fs -n 200 \
        --thermostat langevin --restart b.ck bar.xyz
    [ "$stderr" = "md-run: bar.xyz:1: frame 1: b.ck: written with --nemd, this run has none" ]
    run -1 --separate-stderr nemdrun $a -n 200 --slabs 0.1,0.2,0.6,0.7 --restart b.ck
    [ "$stderr" = "md-run: bar.xyz:1: frame 1: b.ck: written with other NEMD slabs, fixed layers or cross-section than this run's" ]
    run -1 --separate-stderr nemdrun $a -n 200 --bins 6 --restart b.ck
    [ "$stderr" = "md-run: bar.xyz:1: frame 1: b.ck: written with --nemd x and 12 bins, this run has --nemd x and 6 bins" ]
    run -1 --separate-stderr fpms md-run -p lj:0.0104eV,3.4,8.5 -s Ar -T 40 --dt 5fs -n 200 \
        --nemd x --block 0.1ps --restart a.ck ar.xyz
    [[ "$stderr" == "md-run: ar.xyz:1: frame 1: "* ]]
    # a corrupt NEMD record: file:line and what
    n=$(grep -n '^nemd ' b.ck | cut -d: -f1)
    m=$(($(grep -n '^atoms$' b.ck | cut -d: -f1) + 1))
    while IFS='|' read -r edit msg; do
        sed "$edit" b.ck > c.ck
        run -1 --separate-stderr nemdrun $a -n 200 --restart c.ck
        [ "$stderr" = "md-run: bar.xyz:1: frame 1: $msg" ] || { echo "$edit: $stderr"; return 1; }
    done <<EOF2
${n}s/periodic/closed/|c.ck:$n: unknown NEMD geometry 'closed'
${n}s/^nemd 0/nemd 3/|c.ck:$n: '3' is not an integer in 0..2
${n}s/ 12 / 1 /|c.ck:$n: 1 bins: need at least 2
${n}s/ [^ ]*\$//|c.ck:$n: expected 'nemd AXIS GEOM NBINS NBLOCKS HOT_STEP HOT_HEAT COLD_STEP COLD_HEAT TIME NSAMPLES TIME0 HEAT0_HOT HEAT0_COLD LO LEN AREA'
$((n + 1))s/^ke2 [^ ]*/ke2 nan/|c.ck:$((n + 1)): 'nan' is not a finite number
$((n + 2))s/ [^ ]*\$//|c.ck:$((n + 2)): expected 'dof' and 12 numbers
$((n + 3))s/^block/blocks/|c.ck:$((n + 3)): expected 'block' and 15 numbers
$((n + 3))s/^block [^ ]*/block -0x1p+0/|c.ck:$((n + 3)): block time must be > 0
$((n + 3))s/\$/ 0x1p+0/|c.ck:$((n + 3)): expected 'block' and 15 numbers
$((n + 4))s/ 0x[^ ]*/ inf/4|c.ck:$((n + 4)): 'inf' is not a finite number
${m}s/ [0-9]\$/ 7/|c.ck:$m: '7' is not an integer in 0..3
${m}s/ [0-9]\$//|c.ck:$m: expected 'Z x y z vx vy vz REGION'
EOF2
}

@test "--nemd --interface auto: graphene|borophene from strain-gen, both interfaces and G" {
    # BNC.tersoff is not fitted for borophene: the cell relaxes violently and the numbers
    # mean nothing. The test only checks that the run is stable with a small dt, that the two
    # interfaces of the periodic cell are found from the elements, and that G is reported.
    run -0 --separate-stderr fpms strain-gen -b hetero --hetero-nx 8,8 --ly-max 12 -o het.xyz
    run -0 --separate-stderr fpms md-run -p "tersoff:$BNC" -s C,B -T 100 --dt 0.1fs -n 1000 \
        --tdamp 0.01ps --nemd x --slabs 0.1,0.2,0.6,0.7 --bins 30 --margin 0.02 --block 0.05ps \
        --interface auto --profile p.tsv het.xyz
    printf '%s\n' "$output" > out.xyz
    grep -q '^# thickness = 3.35 A$' p.tsv
    grep -q '^# nemd_interface1 = .* A (fraction 0.31.*)$' p.tsv
    grep -q '^# nemd_interface2 = .* A (fraction 0.98.*)$' p.tsv
    grep -q '^# nemd_jump1 = .* +- .* K$' p.tsv
    grep -q '^# nemd_G1 = .* +- .* W/(m^2 K)$' p.tsv
    grep -q '^# nemd_G2 = .* +- .* W/(m^2 K)$' p.tsv
    run -0 $PY -c "
import numpy as np
from ase.io import read
i = read('out.xyz').info
print(all(np.isfinite(i[k]) for k in ('md_nemd_G1', 'md_nemd_G1_err', 'md_nemd_G2', 'md_nemd_jump2', 'md_nemd_iface1')))"
    [ "$output" = "True" ]
    # given positions instead
    run -0 --separate-stderr fpms md-run -p "tersoff:$BNC" -s C,B -T 100 --dt 0.1fs -n 100 \
        --nemd x --slabs 0.1,0.2,0.6,0.7 --bins 30 --margin 0.02 --block 0.005ps \
        --interface 0.32 --profile p.tsv het.xyz
    grep -q '^# nemd_interface1 = .* A (fraction 0.32)$' p.tsv
    ! grep -q 'nemd_interface2' p.tsv
    # a bar of one element has no interface
    nemd_ar
    run -1 --separate-stderr nemdrun -n 20 --block 0.05ps --interface auto
    [ "$stderr" = "md-run: bar.xyz:1: frame 1: --interface auto: the element does not change along x" ]
}

@test "--nemd usage errors: exit 1, a message, nothing written" {
    nemd_ar
    while IFS='|' read -r args msg; do
        run -1 --separate-stderr fpms md-run -p lj:0.0104eV,3.4,8.5 -s Ar -o out.xyz $args bar.xyz
        [[ "$stderr" == "md-run: $msg"* ]] || { echo "$args: $stderr"; return 1; }
        [ -z "$output" ]
    done <<'EOF2'
-n 100 -T 40 --nemd w|--nemd: 'w' is not x, y or z
-n 100 -T 40 --nemd-open|--nemd-open needs --nemd
-n 100 -T 40 --nemd-dt 10|--nemd-dt needs --nemd
-n 100 -T 40 --slabs 0.1,0.2,0.6,0.7|--slabs needs --nemd
-n 100 -T 40 --bins 10|--bins needs --nemd
-n 100 -T 40 --profile p.tsv|--profile needs --nemd
-n 100 -T 40 --block 1ps|--block needs --nemd
-n 100 -T 40 --nemd-equil 1ps|--nemd-equil needs --nemd
-n 100 -T 40 --margin 0.1|--margin needs --nemd
-n 100 -T 40 --interface auto|--interface needs --nemd
-n 100 -T 40 --nemd x --fixed 0.1|--fixed needs --nemd-open
-n 100 -T 40 --fixed 0.1|--fixed needs --nemd
-n 100 --nemd x|--nemd needs --temp (the mean slab temperature)
-n 100 -T 40 --nemd x --barostat scr|--nemd and --barostat do not go together
-n 100 -T 40 --nemd x --tension x --strain-rate 1|--nemd and --tension do not go together
-n 100 -T 40 --nemd x --thermostat nhc|--nemd: the slabs take --thermostat bussi or langevin, not nhc
-n 100 -T 10 --nemd x --nemd-dt 30|--nemd-dt 30 K: the cold slab would be below 0 K (--temp 10 K)
-T 40 --nemd x|--nemd: --steps 0 completes no block: 0 steps of --nemd-equil and 20000 of --block at --dt 0.0005 ps
-n 100 -T 40 --nemd x --block 0.05ps --nemd-equil 0.1ps --dt 1fs|--nemd: --steps 100 completes no block: 100 steps of --nemd-equil and 50 of --block at --dt 0.001 ps
-n 100 -T 40 --nemd x --nemd-dt 0|--nemd-dt: '0' is not a temperature > 0
-n 100 -T 40 --nemd x --nemd-dt 5parsec|--nemd-dt: '5parsec' is not a temperature > 0
-n 100 -T 40 --nemd x --slabs 0.1,0.2,0.6|--slabs: '0.1,0.2,0.6' is not four fractions H0,H1,C0,C1
-n 100 -T 40 --nemd x --slabs 0.1,0.2,0.6,nan|--slabs: '0.1,0.2,0.6,nan' is not four fractions H0,H1,C0,C1
-n 100 -T 40 --nemd x --slabs 0.1,0.2,0.6,1.2|--slabs: 1.2 is outside [0, 1]
-n 100 -T 40 --nemd x --slabs -0.1,0.2,0.6,0.7|--slabs: -0.1 is outside [0, 1]
-n 100 -T 40 --nemd x --slabs 0.2,0.1,0.6,0.7|--slabs: '0.2,0.1,0.6,0.7': a slab is empty (H0 >= H1 or C0 >= C1)
-n 100 -T 40 --nemd x --slabs 0.1,0.5,0.4,0.7|--slabs: '0.1,0.5,0.4,0.7': the hot and cold slabs overlap
-n 100 -T 40 --nemd x --nemd-open --fixed 0.5|--fixed: '0.5' is not a fraction in [0, 0.5)
-n 100 -T 40 --nemd x --bins 1|--bins: '1' is not an integer in 2..100000
-n 100 -T 40 --nemd x --bins 2.5|--bins: '2.5' is not an integer in 2..100000
-n 100 -T 40 --nemd x --block 0|--block: '0' is not a time > 0
-n 100 -T 40 --nemd x --nemd-equil -1ps|--nemd-equil: '-1ps' is not a time >= 0
-n 100 -T 40 --nemd x --margin 0.5|--margin: '0.5' is not a fraction in [0, 0.5)
-n 100 -T 40 --nemd x --margin inf|--margin: 'inf' is not a fraction in [0, 0.5)
-n 100 -T 40 --nemd x --interface 0.3,x|--interface: '0.3,x' is not auto or up to 8 fractions X[,X]
-n 100 -T 40 --nemd x --interface 1.5|--interface: 1.5 is outside [0, 1]
-n 100 -T 40 --nemd x --profile out.xyz|--output and --profile name the same file
-n 100 -T 40 --nemd x --thickness 0|--thickness: '0' is not a length > 0
EOF2
    no_files_nemd
}

# no_files_nemd: nothing but the inputs left
no_files_nemd() {
    local left
    left=$(ls | grep -v -x -e g.xyz -e ar.xyz -e bar.xyz || true)
    [ -z "$left" ] || { echo "left behind: $left"; return 1; }
}

@test "--nemd run errors: the file and what, exit 1 (2 when the run explodes), no file left" {
    nemd_ar
    a="-n 20 --block 0.01ps -o out.xyz --profile p.tsv --thermo t.tsv"
    # the periodic geometry needs a periodic axis; the open one a non-periodic axis
    run -1 --separate-stderr fpms md-run -p "tersoff:$BNC" -s C -T 300 --nemd z $a g.xyz
    [ "$stderr" = "md-run: g.xyz:1: frame 1: nemd: the periodic geometry needs a cell periodic along z" ]
    run -1 --separate-stderr nemdrun $a --nemd-open
    [ "$stderr" = "md-run: bar.xyz:1: frame 1: nemd: the open geometry needs a non-periodic axis (x is periodic)" ]
    # slabs too thin to hold 2 atoms
    run -1 --separate-stderr nemdrun $a --slabs 0.01,0.02,0.5,0.6
    [ "$stderr" = "md-run: bar.xyz:1: frame 1: nemd: the hot slab holds 0 atoms and the cold one 4: need at least 2 each" ]
    # a margin that leaves too few bins to fit
    run -1 --separate-stderr nemdrun $a --margin 0.3
    [[ "$stderr" == "md-run: bar.xyz:1: frame 1: nemd: "*"fewer than 2 bins"* ]]
    # an interface inside a slab
    run -1 --separate-stderr nemdrun $a --interface 0.25
    [[ "$stderr" == "md-run: bar.xyz:1: frame 1: nemd: "* ]]
    # one frame only
    cat bar.xyz bar.xyz > in.xyz
    run -1 --separate-stderr fpms md-run -p lj:0.0104eV,3.4,8.5 -s Ar -T 40 --dt 5fs --nemd x \
        --bins 12 $a in.xyz
    [ "$stderr" = "md-run: in.xyz:27: frame 2: --traj, --checkpoint, --restart, --stress-strain and --nemd take one frame" ]
    # no frame
    : > in.xyz
    run -1 --separate-stderr fpms md-run -p lj:0.0104eV,3.4,8.5 -s Ar -T 40 --dt 5fs --nemd x \
        --bins 12 $a in.xyz
    [ "$stderr" = "md-run: --nemd: in.xyz: no frames" ]
    rm -f in.xyz
    # a run that explodes stops there too (exit 2): two atoms 1 A apart at sigma 3.4 A
    $PY -c "
from ase.io import read
a = read('bar.xyz'); a.positions[1] = a.positions[0] + [1.0, 0, 0]; a.write('bar.xyz')"
    run -2 --separate-stderr nemdrun $a
    [[ "$stderr" == "md-run: bar.xyz:1: frame 1: step 1: the run exploded: mean kinetic energy "*", over 1000 eV: "* ]]
    [ -z "$output" ]
    no_files_nemd
}
