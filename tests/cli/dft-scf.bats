#!/usr/bin/env bats
# dft-scf: every option and error path, the ABINIT energy through the command line, the warm
# start, ASE reading the output. Small cases (Si, 2 atoms, 4-8 Ha) keep the file fast.
load helpers

setup() {
    cd "$BATS_TEST_TMPDIR"
    [ -r /usr/share/cp2k/GTH_POTENTIALS ] || skip "cp2k-data (GTH_POTENTIALS) not installed"
    # silicon of tests/ref/dft-scf (a = 10.26 bohr), and a fast Gamma-point setting
    strain-gen -b diamond -e Si -a 10.26bohr > si.xyz
    FAST="--ecut 4 --kpts 1 --tol 1e-8"
}

# field of the report's first data row, by column name
col() {
    awk -v c="$2" '/^#  /{for (i = 2; i <= NF; i++) if ($i ~ "^" c "(\\[|$)") k = i - 1; next}
                   !/^#/ && k {print $k; exit}' "$1"
}

# energy= of frame N (1-based) of an extxyz file
energy() {
    grep -o 'energy=[-0-9.e+]*' "$1" | grep -v free | sed -n "${2:-1}p" | cut -d= -f2
}

@test "--help lists every option and exits 0; --version" {
    run -0 fpms dft-scf --help
    assert_line --index 0 'usage: dft-scf [-i INPUT] [--ecut E] [options] [FILE]'
    for o in ecut kpts kshift xc psp psp-file nbands smearing tsmear tol maxiter mix scratch seed \
        report output symmetry nosym symprec input \
        progress quiet verbose help version; do
        assert_output --partial -- "--$o"
    done
    run -0 fpms dft-scf --version
    assert_output --regexp '^fpms [0-9]+\.[0-9]+ \(git .*\)$'
}

@test "silicon through the command line agrees with ABINIT (si-lda-small) to 1e-9 Ha" {
    ref="$FPMS_ROOT/tests/ref/dft-scf/si-lda-small/expected.txt"
    want=$(awk '$1 == "total_energy" {print $2}' "$ref")
    # the reference has ABINIT's nsym 1: the shifted mesh lacks the fcc symmetry (si-lda-sym)
    # --tol 1e-12: the eigenvalues are first order in the density's error (at the default 1e-10
    # the highest band is 1.8e-7 Ha off, see the man page's --tol)
    run -0 --separate-stderr fpms dft-scf --ecut 10 --kpts 2,2,2 --kshift 0.5 --symmetry none \
        --psp Si=GTH-PADE-q4 --tol 1e-12 --report r.tsv -o out.xyz si.xyz
    [ -z "$output" ]
    got=$(col r.tsv total)
    ev=$(energy out.xyz)
    # the extxyz energy is in eV (CODATA 2014: 27.21138602 eV/Ha, lib/core/units.h)
    $PY - "$want" "$got" "$ev" <<'EOF'
import sys
want, got, ev = map(float, sys.argv[1:])
assert abs(got - want) < 1e-9, (got, want)
assert abs(ev / 27.21138602 - want) < 1e-9, (ev, want)
assert abs(ev - got * 27.21138602) < 1e-9, (ev, got)
EOF
    [ "$(col r.tsv niter)" -ge 2 ]
    [ "$(col r.tsv nkpts)" = 4 ]
    # the highest occupied band of ABINIT's k-point (1/4,1/4,1/4)
    $PY -c "import sys; assert abs($(col r.tsv homo) - 0.23325179269531962) < 1e-7"
}

@test "aluminium with smearing agrees with ABINIT (al-fd, al-gauss): F, E0, -TS, Fermi level" {
    strain-gen -b fcc -e Al -a 7.6bohr > al.xyz
    for c in fd gauss; do
        ref="$FPMS_ROOT/tests/ref/dft-scf/al-$c/expected.txt"
        [ $c = fd ] && sm=fermi-dirac || sm=gaussian
        run -0 --separate-stderr fpms dft-scf --ecut 10 --kpts 4 --kshift 0.5 --smearing $sm \
            --tsmear 0.01 --psp Al=GTH-PADE-q3 --nosym --report r.tsv -o out.xyz al.xyz
        [ -z "$output" ]
        [ "$(col r.tsv nkpts)" = 32 ]
        $PY - "$ref" "$(col r.tsv total)" "$(col r.tsv internal)" "$(col r.tsv entropy)" \
            "$(col r.tsv fermi)" "$(col r.tsv homo)" "$(energy out.xyz)" \
            "$(grep -o 'free_energy=[-0-9.e+]*' out.xyz | cut -d= -f2)" <<'EOF'
import sys
ref = dict(l.split()[:2] for l in open(sys.argv[1]) if l[0] != '#' and len(l.split()) == 2)
F, E, mts, mu, homo, e0_ev, f_ev = map(float, sys.argv[2:])
ha = 27.21138602
assert abs(F - float(ref["total_energy"])) < 1e-7, (F, ref["total_energy"])
assert abs(E - float(ref["internal"])) < 1e-7, (E, ref["internal"])
assert abs(mts - float(ref["minus_kT_entropy"])) < 1e-8, (mts, ref["minus_kT_entropy"])
assert abs(mu - float(ref["fermi_energy"])) < 1e-5, (mu, ref["fermi_energy"])
assert homo == mu
assert abs(F - (E + mts)) < 1e-12
# free_energy= is F, energy= is E0 = E - TS/2 (in eV)
assert abs(f_ev - F * ha) < 1e-9, (f_ev, F)
assert abs(e0_ev - (E + mts / 2) * ha) < 1e-9, (e0_ev, E, mts)
EOF
    done
}

@test "--tsmear takes units (eV, K); mp and mv smearing: energy = free_energy" {
    strain-gen -b fcc -e Al -a 7.6bohr > al.xyz
    AL="--ecut 6 --kpts 3 --kshift 0.5"
    run -0 fpms dft-scf $AL --smearing gaussian --tsmear 0.01 --report a.tsv al.xyz
    run -0 fpms dft-scf $AL --smearing gauss --tsmear 0.2721138602eV --report b.tsv al.xyz
    run -0 fpms dft-scf $AL --smearing gaussian --tsmear 3157.746618K --report c.tsv al.xyz
    $PY -c "assert abs($(col a.tsv total) - ($(col b.tsv total))) < 1e-10"
    $PY -c "assert abs($(col a.tsv total) - ($(col c.tsv total))) < 1e-8"
    grep -q '^# smearing = gaussian 0.01 Ha$' a.tsv
    run -0 fpms dft-scf $AL --report d.tsv --smearing fd al.xyz
    grep -q '^# smearing = fermi-dirac 0.01 Ha$' d.tsv
    for sm in mp mv methfessel-paxton cold; do
        run -0 fpms dft-scf $AL --smearing $sm -o $sm.xyz al.xyz
        e=$(energy $sm.xyz)
        f=$(grep -o 'free_energy=[-0-9.e+]*' $sm.xyz | cut -d= -f2)
        [ "$e" = "$f" ]
    done
    [ "$(energy mp.xyz)" = "$(energy methfessel-paxton.xyz)" ]
    [ "$(energy mv.xyz)" = "$(energy cold.xyz)" ]
    [ "$(energy mp.xyz)" != "$(energy mv.xyz)" ]
    # an insulator with smearing: the energy of fixed occupations, to the smearing's tail
    run -0 fpms dft-scf $FAST --report e.tsv si.xyz
    run -0 fpms dft-scf $FAST --smearing fermi-dirac --tsmear 1e-4 --report f.tsv si.xyz
    $PY -c "assert abs($(col e.tsv total) - ($(col f.tsv total))) < 1e-8"
    $PY -c "assert $(col f.tsv fermi) > $(col e.tsv homo)"
    # too few bands for the electrons
    run -1 --separate-stderr fpms dft-scf $AL --smearing mv --nbands 1 al.xyz
    assert_equal "$stderr" "dft-scf: al.xyz:1: scf: 1 bands hold 2 electrons: smearing needs more than the 3 valence electrons"
}

@test "ASE reads the labelled stream: energy and free_energy in eV, keys kept" {
    strain-gen -b diamond -e Si -a 10.26bohr --biaxial -s 0,0.01 > two.xyz
    run -0 fpms dft-scf $FAST -o out.xyz two.xyz
    $PY - <<'EOF'
import ase.io
fr = ase.io.read("out.xyz", ":")
assert len(fr) == 2
for a in fr:
    e = a.get_potential_energy()
    assert -250 < e < -150, e
    assert abs(a.get_potential_energy(force_consistent=True) - e) < 1e-12
    assert a.info["config_type"] == "diamond_Si_biaxial"
assert abs(fr[1].info["strain"] - 0.01) < 1e-12
EOF
}

@test "forces and stress of the input are dropped, other columns pass through" {
    cat > in.xyz <<'EOF'
2
Lattice="0 2.715 2.715 2.715 0 2.715 2.715 2.715 0" Properties=species:S:1:pos:R:3:forces:R:3:tag:I:1 energy=1.5 stress="1 0 0 0 1 0 0 0 1" note=keep pbc="T T T"
Si 0 0 0 0.1 0.2 0.3 7
Si 1.3575 1.3575 1.3575 -0.1 -0.2 -0.3 8
EOF
    run -0 fpms dft-scf $FAST in.xyz
    refute_output --partial forces
    refute_output --partial stress
    refute_output --partial 'energy=1.5'
    assert_output --partial 'note=keep'
    assert_output --partial 'tag:I:1'
    assert_output --regexp 'Si +0(\.0)? +0(\.0)? +0(\.0)? +7'
}

@test "--ecut takes Ha (bare), Ry and eV; --tol takes units too" {
    run -0 fpms dft-scf --ecut 4 --kpts 1 --report a.tsv si.xyz
    run -0 fpms dft-scf --ecut 8Ry --kpts 1 --report b.tsv si.xyz
    run -0 fpms dft-scf --ecut 108.84554408eV --kpts 1 --tol 2.72e-9eV --report c.tsv si.xyz
    [ "$(col a.tsv npw)" = "$(col b.tsv npw)" ] && [ "$(col a.tsv npw)" = "$(col c.tsv npw)" ]
    $PY -c "
a, b, c = $(col a.tsv total), $(col b.tsv total), $(col c.tsv total)
assert abs(a - b) < 1e-9 and abs(a - c) < 1e-8, (a, b, c)"
    grep -q '^# ecut = 4 Ha' b.tsv
    grep -q '^# tol = 1e-10 Ha' c.tsv
}

@test "--kpts and --kshift: k-point counts, one number for three" {
    run -0 fpms dft-scf --ecut 4 --kpts 2 --kshift 0.5 --nosym --report a.tsv si.xyz
    [ "$(col a.tsv nkpts)" = 4 ]
    run -0 fpms dft-scf --ecut 4 --kpts 3,1,1 --nosym --report b.tsv si.xyz
    [ "$(col b.tsv nkpts)" = 2 ]
    grep -q '^# kpts = 3 1 1 shift 0 0 0' b.tsv
    run -0 fpms dft-scf --ecut 4 --kpts 3,3,3 --kshift 0,0.5,0 --report c.tsv si.xyz
    grep -q '^# kpts = 3 3 3 shift 0 0.5 0' c.tsv
}

@test "--xc by name or libxc number; --nbands, --mix, --seed, --maxiter do not change the energy" {
    run -0 fpms dft-scf $FAST --report a.tsv si.xyz
    run -0 fpms dft-scf $FAST --xc 20 --nbands 6 --mix 0.5 --seed 7 --maxiter 60 --report b.tsv si.xyz
    run -0 fpms dft-scf $FAST --xc LDA_XC_TETER93 --report c.tsv si.xyz
    $PY -c "
a, b, c = $(col a.tsv total), $(col b.tsv total), $(col c.tsv total)
assert abs(a - b) < 1e-7 and a == c, (a, b, c)"
    grep -q '^# seed = 7' b.tsv
    # plain Slater exchange (libxc 1) is another functional: another energy
    run -0 fpms dft-scf $FAST --xc lda_x --report d.tsv si.xyz
    $PY -c "assert abs($(col a.tsv total) - $(col d.tsv total)) > 0.1"
}

@test "--psp and --psp-file pick the potential" {
    run -0 fpms dft-scf $FAST --psp Si=GTH-PADE-q4 --report a.tsv si.xyz
    run -0 fpms dft-scf $FAST --psp Si=gth-lda-q4 --report b.tsv si.xyz
    [ "$(col a.tsv total)" = "$(col b.tsv total)" ]
    # a file with the one entry, read by name
    awk '/^Si GTH-PADE-q4/{p = 1} p && /^#/{exit} p' /usr/share/cp2k/GTH_POTENTIALS > my.gth
    run -0 fpms dft-scf $FAST --psp-file my.gth --psp Si=GTH-PADE-q4 --report c.tsv si.xyz
    [ "$(col a.tsv total)" = "$(col c.tsv total)" ]
    grep -q '^# psp_file = my.gth' c.tsv
}

@test "consecutive configurations start from the previous one: fewer iterations, same energies" {
    strain-gen -b diamond -e Si -a 10.26bohr --biaxial -s -0.01:0.01:0.01 > s.xyz
    # (without symmetry: the strained cells have less of it, hence other k-points than the
    # unstrained one, and the wavefunctions would not be taken over)
    run -0 fpms dft-scf --ecut 6 --kpts 2 --kshift 0.5 --nosym --report warm.tsv -o warm.xyz s.xyz
    run -0 fpms dft-scf --ecut 6 --kpts 2 --kshift 0.5 --nosym --scratch --report cold.tsv \
        -o cold.xyz s.xyz
    w=$(awk '!/^#/{s += $3} END {print s}' warm.tsv)
    c=$(awk '!/^#/{s += $3} END {print s}' cold.tsv)
    echo "iterations: warm $w, scratch $c"
    [ "$w" -lt "$c" ]
    [ "$(awk '!/^#/{printf "%d", $4}' warm.tsv)" = 033 ]
    [ "$(awk '!/^#/{printf "%d", $4}' cold.tsv)" = 000 ]
    for i in 1 2 3; do
        $PY -c "assert abs($(energy warm.xyz $i) - ($(energy cold.xyz $i))) < 1e-7"
    done
}

@test "--progress prints one line per iteration, -v a summary, -q nothing" {
    run -0 --separate-stderr fpms dft-scf $FAST --progress si.xyz
    n=$(printf '%s\n' "$stderr" | grep -cE '^dft-scf: scf [0-9]+ E=-?[0-9.]+ dE=[-+0-9.enai]+ t=[0-9.e+-]+s$')
    [ "$n" -ge 2 ] && [ "$n" -eq "$(printf '%s\n' "$stderr" | wc -l)" ]
    run -0 --separate-stderr fpms dft-scf $FAST -v si.xyz
    [[ "$stderr" =~ '<stdin>'|si.xyz:1:\ 2\ atoms,\ [0-9]+\ iterations ]]
    [[ "$stderr" =~ 1\ configurations ]]
    run -0 --separate-stderr fpms dft-scf $FAST -q si.xyz
    [ -z "$stderr" ]
}

@test "-o and --report write files; --report - writes the table to stdout" {
    run -0 --separate-stderr fpms dft-scf $FAST -o out.xyz --report r.tsv < si.xyz
    [ -z "$output" ] && [ -s out.xyz ] && [ -s r.tsv ]
    run -0 --separate-stderr fpms dft-scf $FAST -o out2.xyz --report - si.xyz
    assert_output --partial 'total[Ha]'
    [ -s out2.xyz ]
    # the table reads back with numpy
    $PY -c "import numpy; t = numpy.loadtxt('r.tsv'); assert t.shape == (25,)"
}

@test "an SCF that does not converge: exit 2, says by how much, nothing written" {
    run -2 --separate-stderr fpms dft-scf $FAST --maxiter 2 -o out.xyz --report r.tsv si.xyz
    [[ "$stderr" =~ ^dft-scf:\ si.xyz:1:\ scf\ not\ converged\ after\ 2\ iterations\ \(dE\ [0-9.e+-]+\ Ha\ \>\ 1e-08\ Ha\)$ ]]
    [ -z "$output" ] && [ ! -e out.xyz ] && [ ! -e r.tsv ]
    # (bats keeps its captured stderr in separate-stderr-*)
    [ "$(ls -A | grep -v '^separate-stderr' | tr '\n' ' ')" = "si.xyz " ]
    # the second frame fails: the first is not written either
    cat si.xyz si.xyz > two.xyz
    run -2 --separate-stderr fpms dft-scf $FAST --maxiter 3 --scratch two.xyz
    [ -z "$output" ]
    # the energy settled but the density has not (slow mixing): the estimated error is named
    run -2 --separate-stderr fpms dft-scf --ecut 4 --kpts 1 --mix 0.05 --maxiter 4 --tol 1e-4 si.xyz
    [[ "$stderr" =~ ^dft-scf:\ si.xyz:1:\ scf\ not\ converged\ after\ 4\ iterations\ \(estimated\ error\ [0-9.e+-]+\ Ha\ \>\ 0.0001\ Ha\)$ ]]
}

@test "symmetry: si-lda-sym agrees with ABINIT's default symmetry, 10 k-points instead of 32" {
    ref="$FPMS_ROOT/tests/ref/dft-scf/si-lda-sym/expected.txt"
    run -0 --separate-stderr fpms dft-scf --ecut 20 --kpts 4 --kshift 0.5 -v --report r.tsv si.xyz
    [[ "$stderr" =~ si.xyz:1:\ space\ group\ Fd-3m\ \(227\),\ 48\ operations,\ 10\ irreducible\ k-points\ of\ 64 ]]
    [ "$(col r.tsv nkpts)" = 10 ] && [ "$(col r.tsv spgroup)" = 227 ] && [ "$(col r.tsv nsym)" = 48 ]
    grep -q '^# symmetry = auto symprec 1.0000000000000001e-05 A$' r.tsv
    $PY - "$ref" "$(col r.tsv total)" "$(col r.tsv homo)" <<'EOF'
import sys
ref = dict(l.split()[:2] for l in open(sys.argv[1]) if l[0] != '#' and len(l.split()) == 2)
e, homo = map(float, sys.argv[2:])
assert abs(e - float(ref["total_energy"])) / 2 < 1e-6, (e, ref["total_energy"])
assert abs(e - float(ref["total_energy"])) < 1e-9, (e, ref["total_energy"])
# the highest occupied band over ABINIT's k-points
top = max(float(l.split()[-1]) for l in open(sys.argv[1]) if l.startswith("kpt "))
assert abs(homo - top) < 1e-5, (homo, top)
EOF
}

@test "symmetry: a symmetric mesh gives the energy without symmetry (graphene 6x6x1, Si 2x2x2)" {
    strain-gen -b graphene --vacuum 8 > g.xyz
    G="--ecut 10 --kpts 6,6,1 --smearing fd --tsmear 0.01"
    run -0 --separate-stderr fpms dft-scf $G -v --report a.tsv g.xyz
    [[ "$stderr" =~ space\ group\ P6/mmm\ \(191\),\ 24\ operations,\ 7\ irreducible\ k-points\ of\ 36 ]]
    run -0 --separate-stderr fpms dft-scf $G --symmetry none -v --report b.tsv g.xyz
    [[ "$stderr" =~ no\ symmetry,\ 20\ k-points\ of\ 36 ]]
    [ "$(col b.tsv spgroup)" = 0 ] && [ "$(col b.tsv nsym)" = 0 ]
    grep -q '^# symmetry = none$' b.tsv
    $PY -c "assert abs($(col a.tsv total) - ($(col b.tsv total))) < 1e-8"
    run -0 fpms dft-scf --ecut 6 --kpts 2 --report c.tsv si.xyz
    run -0 fpms dft-scf --ecut 6 --kpts 2 --nosym --report d.tsv si.xyz
    [ "$(col c.tsv nkpts)" = 3 ] && [ "$(col d.tsv nkpts)" = 8 ]
    $PY -c "assert abs($(col c.tsv total) - ($(col d.tsv total))) < 1e-8"
    # a displaced atom lowers the symmetry; a tolerance above the displacement restores it
    awk 'NR == 4 {$2 += 0.001} {print}' si.xyz > d.xyz
    run -0 --separate-stderr fpms dft-scf --ecut 4 -v d.xyz
    [[ ! "$stderr" =~ Fd-3m ]]
    run -0 --separate-stderr fpms dft-scf --ecut 4 --symprec 0.005 -v d.xyz
    [[ "$stderr" =~ Fd-3m ]]
    run -0 --separate-stderr fpms dft-scf --ecut 4 --symprec 0.01bohr -v d.xyz
    [[ "$stderr" =~ Fd-3m ]]
}

@test "--psp EL=FILE reads ABINIT psp files (pspcod 10, 3, 2): the same energy as CP2K's entry" {
    psp10="$FPMS_ROOT/tests/ref/dft-scf/si-lda/14si-gth-pade-q4.psp10"
    run -0 fpms dft-scf $FAST --psp Si=GTH-PADE-q4 --report a.tsv si.xyz
    run -0 fpms dft-scf $FAST --psp Si="$psp10" --report b.tsv si.xyz
    [ "$(col a.tsv total)" = "$(col b.tsv total)" ]
    cp "$psp10" ./si.psp10
    run -0 fpms dft-scf $FAST --psp Si=si.psp10 --report c.tsv si.xyz
    [ "$(col a.tsv total)" = "$(col c.tsv total)" ]
    if [ -r /usr/share/abinit/psp/14si.4.hgh ]; then
        # pspcod 3 prints six decimals of the same potential
        run -0 fpms dft-scf $FAST --psp Si=/usr/share/abinit/psp/14si.4.hgh --report d.tsv si.xyz
        $PY -c "assert abs($(col a.tsv total) - ($(col d.tsv total))) < 1e-5"
        # pspcod 2: Goedecker-Teter-Hutter 1996, another potential
        run -0 fpms dft-scf $FAST --psp Si=/usr/share/abinit/psp/14si.pspgth --report e.tsv si.xyz
        $PY -c "assert abs($(col a.tsv total) - ($(col e.tsv total))) > 1e-4"
        run -1 --separate-stderr fpms dft-scf $FAST --psp Si=/usr/share/abinit/psp/06c.pspgth si.xyz
        assert_equal "$stderr" "dft-scf: /usr/share/abinit/psp/06c.pspgth: a potential for C (Z = 6), not for Si"
    fi
    printf 'Si\n14 4 0\n10 1 1 0 2001 0\n0.44 1 -7.3\n 2\n 0.42 2 5.9 nan\n' > bad.psp
    run -1 --separate-stderr fpms dft-scf $FAST --psp Si=./bad.psp si.xyz
    assert_equal "$stderr" "dft-scf: ./bad.psp:6: bad number 'nan' for h12 (l = 0)"
    printf 'Si\n14 4 0\n8 1 1 0 2001 0\n' > onc.psp
    run -1 --separate-stderr fpms dft-scf $FAST --psp Si=onc.psp si.xyz
    assert_equal "$stderr" "dft-scf: onc.psp:3: pspcod 8 is not supported (2, 3 or 10: the analytic GTH and HGH forms)"
    run -1 --separate-stderr fpms dft-scf $FAST --psp Si=no/such.psp si.xyz
    [[ "$stderr" =~ ^dft-scf:\ no/such.psp:\  ]]
    [ -z "$output" ]
}

@test "-i FILE: key = value settings, the command line overrides them" {
    cat > si.in <<'EOF'
# silicon as in tests/ref/dft-scf/si-lda-small
ecut = 10 Ha        # a unit may follow, after a blank
kpts = 2 2 2
kshift = 0.5, 0.5, 0.5
psp = Si=GTH-PADE-q4
symmetry = none
scratch = yes
EOF
    run -0 fpms dft-scf --ecut 10 --kpts 2 --kshift 0.5 --psp Si=GTH-PADE-q4 --nosym --report a.tsv si.xyz
    run -0 fpms dft-scf -i si.in --report b.tsv si.xyz
    [ "$(col a.tsv total)" = "$(col b.tsv total)" ]
    [ "$(col b.tsv nkpts)" = 4 ]
    # the command line wins, whatever the order
    run -0 fpms dft-scf --ecut 6 --symmetry auto -i si.in --report c.tsv si.xyz
    grep -q '^# ecut = 6 Ha' c.tsv && grep -q '^# symmetry = auto' c.tsv
    [ "$(col c.tsv nkpts)" = 2 ]
    run -0 fpms dft-scf -i si.in --nosym --psp Si=GTH-LDA-q4 --ecut 6 --report d.tsv si.xyz
    run -0 fpms dft-scf --input si.in --ecut 6 --report e.tsv si.xyz
    [ "$(col d.tsv total)" = "$(col e.tsv total)" ]
    # every setting of the file, and the output files
    cat > all.in <<'EOF'
ecut=8Ry
kpts = 2,2,2
kshift = 0.5 0.5 0.5
xc = lda_xc_teter93
psp-file = /usr/share/cp2k/GTH_POTENTIALS
nbands = 5
smearing = gaussian
tsmear = 0.02 Ha
tol = 1e-9 Ha
maxiter = 50
mix = 0.7
seed = 3
nosym = yes
symprec = 1e-4
scratch = no
output = f.xyz
report = f.tsv
EOF
    run -0 --separate-stderr fpms dft-scf -i all.in si.xyz
    [ -z "$output" ] && [ -s f.xyz ]
    grep -q '^# ecut = 4 Ha' f.tsv && grep -q '^# smearing = gaussian 0.02 Ha' f.tsv
    grep -q '^# seed = 3' f.tsv && grep -q '^# tol = 1e-09 Ha' f.tsv
    grep -q '^# kpts = 2 2 2 shift 0.5 0.5 0.5' f.tsv
    grep -q '^# symmetry = none' f.tsv
}

@test "-i FILE errors: FILE:LINE: what, exit 1, nothing written" {
    bad=(
        "foo = 3|in.txt:2: unknown key 'foo'"
        "kpts|in.txt:2: expected key = value, got 'kpts'"
        "= 4|in.txt:2: no key before '='"
        "kpts =|in.txt:2: no value for 'kpts'"
        "ecut = 5|in.txt:2: 'ecut' given twice"
        "kpts = 2 2|in.txt:2: --kpts: '2,2' is not N1,N2,N3"
        "kpts = 2, 2, 2,|in.txt:2: --kpts: '2,2,2,' is not N1,N2,N3"
        "tsmear = 1 fs|in.txt:2: --tsmear: '1fs' is not an energy in (0, 1 Ha]"
        "symmetry = on|in.txt:2: --symmetry: 'on' is not auto or none"
        "psp = Xx=GTH|in.txt:2: --psp: unknown element 'Xx'"
        "scratch = maybe|in.txt:2: 'scratch' takes yes or no, not 'maybe'"
        "verbose = yes|in.txt:2: 'verbose' is a command-line option, not a setting"
        "input = other.in|in.txt:2: 'input' is a command-line option, not a setting"
        "help = yes|in.txt:2: 'help' is a command-line option, not a setting"
    )
    for case in "${bad[@]}"; do
        printf 'ecut = 4\n%s\n' "${case%%|*}" > in.txt
        want=${case#*|}
        run -1 --separate-stderr fpms dft-scf -i in.txt -o out.xyz si.xyz
        [ "$stderr" = "dft-scf: $want" ] || { echo "${case%%|*}: $stderr"; return 1; }
        [ -z "$output" ] && [ ! -e out.xyz ]
    done
    run -1 --separate-stderr fpms dft-scf -i missing.in si.xyz
    [[ "$stderr" =~ ^dft-scf:\ missing.in:\  ]]
    printf '# nothing\n' > empty.in
    run -1 --separate-stderr fpms dft-scf -i empty.in si.xyz
    [[ "$stderr" =~ --ecut\ is\ required ]]
}

@test "usage errors: exit 1, one message, empty stdout" {
    bad=(
        "si.xyz|--ecut is required"
        "--ecut abc si.xyz|--ecut: 'abc' is not an energy"
        "--ecut -1 si.xyz|--ecut: '-1'"
        "--ecut 10furlongs si.xyz|--ecut: '10furlongs'"
        "--ecut 4 --kpts 0,1,1 si.xyz|--kpts: '0,1,1'"
        "--ecut 4 --kpts 1,2 si.xyz|--kpts: '1,2' is not N1,N2,N3"
        "--ecut 4 --kpts 1.5 si.xyz|--kpts: '1.5'"
        "--ecut 4 --kpts 2,2,2, si.xyz|--kpts: '2,2,2,'"
        "--ecut 4 --kpts 2,,2,2 si.xyz|--kpts: '2,,2,2'"
        "--ecut 4 --kshift 1 si.xyz|--kshift: '1' is not in [0, 1)"
        "--ecut 4 --kshift a,b,c si.xyz|--kshift: 'a,b,c'"
        "--ecut 4 --xc mgga_x_tpss si.xyz|--xc: 'mgga_x_tpss': libxc functional 202 is not an LDA or a GGA"
        "--ecut 4 --xc 202 si.xyz|--xc: '202': libxc functional 202 is not an LDA or a GGA"
        "--ecut 4 --xc nonsense si.xyz|--xc: libxc has no functional 'nonsense'"
        "--ecut 4 --xc 0 si.xyz|--xc: '0' is neither a libxc id nor -(1000 x + c) for two of them"
        "--ecut 4 --psp Si si.xyz|--psp: 'Si' is not ELEMENT=NAME or ELEMENT=FILE"
        "--ecut 4 --psp Si= si.xyz|--psp: 'Si=' is not ELEMENT=NAME or ELEMENT=FILE"
        "--ecut 4 --symmetry yes si.xyz|--symmetry: 'yes' is not auto or none"
        "--ecut 4 --symprec 0 si.xyz|--symprec: '0' is not a length in (0, 0.5 Angstrom]"
        "--ecut 4 --symprec 1 si.xyz|--symprec: '1' is not a length"
        "--ecut 4 --symprec 1s si.xyz|--symprec: '1s' is not a length"
        "--ecut 4 --symprec nan si.xyz|--symprec: 'nan' is not a length"
        "--ecut 4 --psp Xx=GTH si.xyz|--psp: unknown element 'Xx'"
        "--ecut 4 --psp Si=a\ b si.xyz|blank in the name"
        "--ecut 4 --nbands 0 si.xyz|--nbands: '0'"
        "--ecut 4 --smearing fermi si.xyz|--smearing: 'fermi' is not none, fermi-dirac, gaussian, mp or mv"
        "--ecut 4 --smearing mp --tsmear 0 si.xyz|--tsmear: '0' is not an energy in (0, 1 Ha]"
        "--ecut 4 --smearing mp --tsmear nan si.xyz|--tsmear: 'nan'"
        "--ecut 4 --smearing mp --tsmear 2Ha si.xyz|--tsmear: '2Ha'"
        "--ecut 4 --smearing mp --tsmear 1fs si.xyz|--tsmear: '1fs'"
        "--ecut 4 --tsmear 0.01 si.xyz|--tsmear needs --smearing"
        "--ecut 4 --smearing none --tsmear 0.01 si.xyz|--tsmear needs --smearing"
        "--ecut 4 --tol 0 si.xyz|--tol: '0'"
        "--ecut 4 --tol nan si.xyz|--tol: 'nan'"
        "--ecut 4 --maxiter 0 si.xyz|--maxiter: '0'"
        "--ecut 4 --mix 3 si.xyz|--mix: '3' is not in (0, 2]"
        "--ecut 4 --seed -1 si.xyz|--seed: '-1'"
        "--ecut 4 --bogus si.xyz|unknown option '--bogus'"
        "--ecut 4 si.xyz si.xyz|one input file at most"
        "--ecut 4 --report r.tsv -o r.tsv si.xyz|name the same file"
        "--ecut 4 --report - si.xyz|both on stdout"
        "--ecut|option '--ecut' needs an argument"
        "-i|option '-i' needs an argument"
    )
    for case in "${bad[@]}"; do
        args=${case%%|*}
        want=${case#*|}
        eval "run -1 --separate-stderr fpms dft-scf $args"
        [[ "$stderr" == "dft-scf: "*"$want"* ]] || { echo "$args: $stderr"; return 1; }
        [ -z "$output" ] || { echo "$args: stdout $output"; return 1; }
    done
    [ ! -e r.tsv ]
}

@test "bad input: exit 1 with file:line or file:frame, nothing written" {
    printf '2\nLattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3\nSi 0 0 0\nSi 1 1 x\n' > bad.xyz
    run -1 --separate-stderr fpms dft-scf $FAST -o out.xyz bad.xyz
    [[ "$stderr" =~ ^dft-scf:\ bad.xyz:4:\  ]] && [ ! -e out.xyz ]
    printf '2\nProperties=species:S:1:pos:R:3\nSi 0 0 0\nSi 1 1 1\n' > nocell.xyz
    run -1 --separate-stderr fpms dft-scf $FAST nocell.xyz
    assert_equal "$stderr" "dft-scf: nocell.xyz:1: no cell: plane waves need a periodic box"
    printf '1\nLattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3\nB 0 0 0\n' > b.xyz
    run -1 --separate-stderr fpms dft-scf $FAST b.xyz
    [[ "$stderr" =~ ^dft-scf:\ b.xyz:1:\ .*3\ valence\ electrons.*use\ smearing ]]
    printf '2\nLattice="5 0 0 0 5 0 0 0 9" Properties=species:S:1:pos:R:3 pbc="T T F"\nSi 0 0 0\nSi 1 1 1\n' > sheet.xyz
    run -1 --separate-stderr fpms dft-scf --ecut 4 --kpts 2 sheet.xyz
    assert_equal "$stderr" "dft-scf: sheet.xyz:1: not periodic along a3, but --kpts has 2 points there"
    run -2 --separate-stderr fpms dft-scf --ecut 4 --kpts 2,2,1 --maxiter 1 sheet.xyz
    [[ "$stderr" =~ scf\ not\ converged ]]
    cat si.xyz si.xyz > two.xyz
    run -1 --separate-stderr fpms dft-scf $FAST --nbands 3 two.xyz
    assert_equal "$stderr" "dft-scf: two.xyz:1: scf: 3 bands for 4 occupied"
    run -1 --separate-stderr fpms dft-scf $FAST --psp Si=GTH-FOO si.xyz
    assert_equal "$stderr" "dft-scf: /usr/share/cp2k/GTH_POTENTIALS: no potential 'Si GTH-FOO'"
    run -1 --separate-stderr fpms dft-scf $FAST --psp-file nope.gth si.xyz
    [[ "$stderr" =~ ^dft-scf:\ nope.gth:\  ]]
    printf 'Si X\n 2 2\n 0.44 1 nan\n 0\n' > broken.gth
    run -1 --separate-stderr fpms dft-scf $FAST --psp-file broken.gth --psp Si=X si.xyz
    assert_equal "$stderr" "dft-scf: broken.gth:3: Si X: bad number 'nan' for C_i"
    run -1 --separate-stderr fpms dft-scf $FAST missing.xyz
    [[ "$stderr" =~ ^dft-scf:\ missing.xyz:\  ]]
    [ -z "$output" ]
    run ls -A
    refute_output --regexp '\.(tsv|tmp)|out'

}

@test "an empty stream writes nothing and succeeds" {
    run -0 --separate-stderr fpms dft-scf $FAST --report r.tsv < /dev/null
    [ -z "$output" ]
    grep -q 'total\[Ha\]' r.tsv
}

# ---- PBE (GGA) against ABINIT: tests/ref/dft-scf/graphene-pbe*, borophene-pbe ----

# Compares r.tsv and out.xyz of a smeared run with ABINIT's expected.txt: the issue's demand
# (free energy per atom 1e-5 Ha) and, since both codes solve the same discrete problem, much
# tighter checks of F, E, -TS and the xc term, and the Fermi level to 1e-5 Ha as al-fd (see each
# PROVENANCE). The meshes are symmetric, so the numbers hold with or without symmetrisation.
pbe_compare() {
    $PY - "$1" "$2" "$(col r.tsv total)" "$(col r.tsv internal)" "$(col r.tsv entropy)" \
        "$(col r.tsv xc)" "$(col r.tsv fermi)" "$(energy out.xyz)" \
        "$(grep -o 'free_energy=[-0-9.e+]*' out.xyz | cut -d= -f2)" <<'PYEOF'
import sys
ref = dict(l.split()[:2] for l in open(sys.argv[1]) if l[0] != '#' and len(l.split()) == 2)
natoms = int(sys.argv[2])
F, E, mts, xc, mu, e0_ev, f_ev = map(float, sys.argv[3:])
ha = 27.21138602
assert abs(F - float(ref["total_energy"])) / natoms < 1e-5, (F, ref["total_energy"])
assert abs(F - float(ref["total_energy"])) < 1e-8, (F, ref["total_energy"])
assert abs(E - float(ref["internal"])) < 1e-8, (E, ref["internal"])
assert abs(mts - float(ref["minus_kT_entropy"])) < 1e-8, (mts, ref["minus_kT_entropy"])
assert abs(xc - float(ref["xc"])) < 1e-6, (xc, ref["xc"])
assert abs(mu - float(ref["fermi_energy"])) < 1e-5, (mu, ref["fermi_energy"])
assert abs(f_ev - F * ha) < 1e-8 and abs(e0_ev / ha - (E + mts / 2)) < 1e-9, (f_ev, e0_ev)
PYEOF
}

@test "PBE graphene agrees with ABINIT (graphene-pbe-small): free energy per atom 1e-5 Ha" {
    strain-gen -b graphene -a 2.46 > gr.xyz
    run -0 --separate-stderr fpms dft-scf --ecut 20 --kpts 6,6,1 --smearing gaussian \
        --tsmear 0.01 --xc pbe --psp C=GTH-PBE-q4 --report r.tsv -o out.xyz gr.xyz
    [ -z "$output" ]
    grep -q '^# xc = -101130$' r.tsv
    pbe_compare "$FPMS_ROOT/tests/ref/dft-scf/graphene-pbe-small/expected.txt" 2
}

@test "PBE borophene (2-Pmmn, a metal) agrees with ABINIT (borophene-pbe): 1e-5 Ha per atom" {
    strain-gen -b borophene --phase pmmn > bo.xyz
    run -0 --separate-stderr fpms dft-scf --ecut 20 --kpts 8,4,1 --smearing gaussian \
        --tsmear 0.01 --xc gga_x_pbe+gga_c_pbe --psp B=GTH-PBE-q3 --report r.tsv -o out.xyz bo.xyz
    [ -z "$output" ]
    pbe_compare "$FPMS_ROOT/tests/ref/dft-scf/borophene-pbe/expected.txt" 2
}

@test "the issue's graphene case (graphene-pbe: 30 Ha, 12x12x1) agrees with ABINIT" {
    [ -n "${FPMS_DFT_FULL:-}" ] || skip "minutes long: set FPMS_DFT_FULL=1"
    strain-gen -b graphene -a 2.46 > gr.xyz
    run -0 --separate-stderr fpms dft-scf --ecut 30 --kpts 12,12,1 --smearing gaussian \
        --tsmear 0.01 --xc pbe --psp C=GTH-PBE-q4 --report r.tsv -o out.xyz gr.xyz
    pbe_compare "$FPMS_ROOT/tests/ref/dft-scf/graphene-pbe/expected.txt" 2
}

@test "--xc names: pbe, libxc names and numbers joined by +, ABINIT's -101130; errors" {
    run -0 fpms dft-scf $FAST --xc pbe --report a.tsv si.xyz
    run -0 fpms dft-scf $FAST --xc GGA_X_PBE+130 --report b.tsv si.xyz
    run -0 fpms dft-scf $FAST --xc -101130 --report c.tsv si.xyz
    run -0 fpms dft-scf $FAST --xc pw92 --report d.tsv si.xyz
    run -0 fpms dft-scf $FAST --xc lda_x+lda_c_pw --report e.tsv si.xyz
    $PY -c "
a, b, c = $(col a.tsv total), $(col b.tsv total), $(col c.tsv total)
d, e, f = $(col d.tsv total), $(col e.tsv total), $(col a.tsv xc)
assert a == b == c and d == e and abs(a - d) > 1e-3 and f < 0, (a, b, c, d, e, f)"
    grep -q '^# xc = -1012$' d.tsv
    run -1 --separate-stderr fpms dft-scf $FAST --xc mgga_x_tpss si.xyz
    assert_equal "${stderr%%$'\n'*}" "dft-scf: --xc: 'mgga_x_tpss': libxc functional 202 is not an LDA or a GGA (dft-scf takes those two families; hybrids and meta-GGAs are outside them)"
    run -1 --separate-stderr fpms dft-scf $FAST --xc pbe+pw92+pz si.xyz
    [[ "$stderr" =~ "at most two functionals" ]]
    run -1 --separate-stderr fpms dft-scf $FAST --xc gga_x_pbe+nosuch si.xyz
    assert_equal "${stderr%%$'\n'*}" "dft-scf: --xc: 'gga_x_pbe+nosuch': libxc has no functional 'nosuch'"
    [ -z "$output" ]
}
