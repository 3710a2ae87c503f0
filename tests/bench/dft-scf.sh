#!/bin/sh
# dft-scf.sh: dft-scf against ABINIT (Debian abinit 9.6.2) and Quantum ESPRESSO pw.x (Debian
# quantum-espresso 6.7) on the same structures, cutoff, k-points, smearing, bands and GTH
# pseudopotential, in one run: wall time and peak resident memory (GNU time '%e %M'), printed
# as ratios (ours/peer < 1: dft-scf is faster or smaller); the CPU times (user + system) too,
# which a machine busy with other work distorts less than wall times. Run by `make bench` (FPMS_BIN,
# FPMS_ROOT exported); not run in CI. A peer that is not installed is skipped with a message.
#
# Cases (the issue's): graphene (2 atoms, 15 A vacuum), the beta12 borophene sheet of
# strain-gen (5 atoms), and a 2x2 graphene supercell (8 atoms) at production settings.
# The potentials are CP2K's (cp2k-data) converted by tests/bench/dft-scf/gth2upf.py: for
# ABINIT to pspcod 10 (as tests/ref/dft-scf), for pw.x to UPF by QE's own upfconv.x (CPMD
# Goedecker form); the conversion is checked by tests/bench/dft-scf/check-upf.sh (pw.x and
# ABINIT agree on silicon to 2e-8 Ha). Inputs of the peers: tests/bench/dft-scf/peers.py.
#
#   DFT_BENCH_XC       lda (GTH-PADE; ABINIT ixc 1 = Teter Pade as dft-scf; pw.x has no Teter
#                      Pade and runs Perdew-Zunger) or pbe (GTH-PBE; all three PBE) (lda)
#   DFT_BENCH_SYM      none (nothing beyond time reversal in all three: the same k-points) or
#                      auto (each code its own symmetry reduction) (none)
#   DFT_BENCH_THREADS  OMP_NUM_THREADS of all three codes (1; one MPI process each: on a
#                      busy machine the peers' OpenMP threads spin, see dft-scf/PROVENANCE)
#   DFT_BENCH_CASES    which cases (graphene borophene graphene-2x2 warm)
#   DFT_BENCH_QUICK    1: k-meshes halved (6x6, 6x4, 3x3), for a loaded machine (0)
#   DFT_BENCH_KEEP     a directory to keep the inputs and outputs in (none)
set -e
root=${FPMS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${FPMS_BIN:-$root/bin}
here=$root/tests/bench/dft-scf
xc=${DFT_BENCH_XC:-lda}
sym=${DFT_BENCH_SYM:-none}
OMP_NUM_THREADS=${DFT_BENCH_THREADS:-1}
export OMP_NUM_THREADS
py=/usr/bin/python3
gth=/usr/share/cp2k/GTH_POTENTIALS
[ -r "$gth" ] || { echo "bench dft-scf: skipped (no $gth: apt-get install cp2k-data)"; exit 0; }
[ -x /usr/bin/time ] || { echo "bench dft-scf: skipped (no GNU time: apt-get install time)"; exit 0; }
case $xc in
lda) fam=PADE xcopt="" ;;
pbe) fam=PBE xcopt="--xc pbe" ;;
*) echo "bench dft-scf: DFT_BENCH_XC must be lda or pbe" >&2; exit 1 ;;
esac
if [ -n "$DFT_BENCH_KEEP" ]; then
    work=$DFT_BENCH_KEEP
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
have_abinit=$(command -v abinit || true)
have_pw=$(command -v pw.x || true)
[ -n "$have_pw" ] && ! command -v upfconv.x > /dev/null && have_pw=""

# potentials: B GTH-*-q3, C GTH-*-q4
mkdir -p "$work/psp"
for e in B:q3 C:q4; do
    el=${e%%:*} q=${e#*:}
    "$py" "$here/gth2upf.py" --abinit "$el" "GTH-$fam-$q" "$work/psp/$el.psp10"
    [ -z "$have_pw" ] || "$py" "$here/gth2upf.py" "$el" "GTH-$fam-$q" "$work/psp/$el.upf" \
        > /dev/null 2>&1
done

# wall seconds, CPU seconds (user + system, all threads) and peak RSS (kB) of a command run in
# directory $1, from GNU time, into $tm $cpu $rss
timed() {
    td=$1
    shift
    (cd "$td" && /usr/bin/time -o time.txt -f '%e %U %S %M' "$@" > out.txt 2> err.txt) || {
        echo "bench dft-scf: $* failed in $td:" >&2
        tail -n 5 "$td/err.txt" "$td/out.txt" >&2
        exit 1
    }
    tm=$(awk '{print $1}' "$td/time.txt")
    cpu=$(awk '{print $2 + $3}' "$td/time.txt")
    rss=$(awk '{print $4}' "$td/time.txt")
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

run_case() { # name strain-gen-args ecut kpts
    name=$1 sg=$2 ecut=$3 kpts=$4 tsmear=0.01
    [ "${DFT_BENCH_QUICK:-0}" = 1 ] && kpts=$(echo "$kpts" | awk -F, '{printf "%d,%d", ($1 + 1) / 2, ($2 + 1) / 2}')
    d=$work/$name
    mkdir -p "$d/ours" "$d/abinit" "$d/pw"
    # shellcheck disable=SC2086
    "$bin/strain-gen" -q $sg -o "$d/in.xyz"
    "$py" "$here/peers.py" "$d/in.xyz" "$ecut" "$kpts" "$tsmear" "$xc" "$work/psp" "$d" "$sym"
    psps=""
    for el in B C; do
        grep -q "^$el " "$d/in.xyz" && psps="$psps --psp $el=GTH-$fam-$(
            [ $el = B ] && echo q3 || echo q4)"
    done
    # shellcheck disable=SC2086
    timed "$d/ours" "$bin/dft-scf" -q --fft-measure --symmetry "$sym" --ecut "$ecut" --kpts "$kpts,1" --smearing fermi-dirac \
        --tsmear "$tsmear" --tol 1e-9 $xcopt $psps --report report.tsv -o out.xyz ../in.xyz
    t_o=$tm c_o=$cpu m_o=$rss
    e_o=$(awk '!/^#/ {print $16; exit}' "$d/ours/report.tsv")
    it_o=$(awk '!/^#/ {print $3; exit}' "$d/ours/report.tsv")
    line="bench dft-scf: $name ($xc, Ecut $ecut Ha, k $kpts, symmetry $sym, OMP_NUM_THREADS=$OMP_NUM_THREADS):"
    tr="" cr="" mr="" detail="ours ${t_o} s (cpu $c_o s) ${m_o} kB F=$e_o Ha ($it_o it)"
    if [ -n "$have_abinit" ]; then
        cp "$d/abinit.in" "$d/abinit/"
        timed "$d/abinit" abinit abinit.in
        e_a=$(awk '/^ +etotal/ {print $2}' "$d/abinit/abinit.abo" | tail -1)
        tr="$tr ours/abinit = $(ratio "$t_o" "$tm"),"
        cr="$cr ours/abinit = $(ratio "$c_o" "$cpu"),"
        mr="$mr ours/abinit = $(ratio "$m_o" "$rss"),"
        detail="$detail; abinit $tm s (cpu $cpu s) $rss kB F=$e_a Ha ($(grep -c '^ ETOT' \
            "$d/abinit/abinit.abo") it)"
    else
        tr="$tr abinit absent,"
    fi
    if [ -n "$have_pw" ]; then
        cp "$d/pw.in" "$d/pw/"
        timed "$d/pw" pw.x -in pw.in
        e_p=$(awk '/^!/ {printf "%.10f", $5 / 2}' "$d/pw/out.txt")
        tr="$tr ours/pw.x = $(ratio "$t_o" "$tm");"
        cr="$cr ours/pw.x = $(ratio "$c_o" "$cpu");"
        mr="$mr ours/pw.x = $(ratio "$m_o" "$rss")"
        detail="$detail; pw.x $tm s (cpu $cpu s) $rss kB F=$e_p Ha ($(awk \
            '/convergence has been achieved in/ {print $6}' "$d/pw/out.txt") it)"
    else
        tr="$tr pw.x absent;"
    fi
    echo "$line time$tr peak RSS$mr"
    echo "  (CPU time, user + system:$cr)"
    echo "  ($detail)"
}

# the warm start across a stream: iterations and time of dft-scf, every frame from the previous
# one against every frame from scratch (--scratch), on a strained silicon stream (10 frames,
# uniaxial 0 to 1.8 %) and a rattled graphene stream (10 copies, 0.03 A)
warm_case() { # name ecut strain-gen-args dft-scf-args
    name=$1 ecut=$2 sg=$3 args=$4
    d=$work/warm-$name
    mkdir -p "$d"
    # shellcheck disable=SC2086
    "$bin/strain-gen" -q $sg -o "$d/in.xyz"
    for m in warm scratch; do
        flag=""
        [ $m = scratch ] && flag=--scratch
        # shellcheck disable=SC2086
        timed "$d" "$bin/dft-scf" -q --ecut "$ecut" $args $flag --report "$m.tsv" -o /dev/null \
            in.xyz
        eval "t_$m=\$tm"
        eval "n_$m=\$(awk '!/^#/ {s += \$3} END {print s}' \"\$d/\$m.tsv\")"
    done
    # shellcheck disable=SC2154
    echo "bench dft-scf: warm start, $name (10 frames): iterations warm $n_warm, scratch $n_scratch" \
        "($(ratio "$n_warm" "$n_scratch")); time warm $t_warm s, scratch $t_scratch s" \
        "($(ratio "$t_warm" "$t_scratch"))"
}

for c in ${DFT_BENCH_CASES:-graphene borophene graphene-2x2 warm}; do
    case $c in
    graphene) run_case graphene "-b graphene" 30 12,12 ;;
    borophene) run_case borophene "-b borophene --phase beta12" 30 12,7 ;;
    graphene-2x2) run_case graphene-2x2 "-b graphene -n 2,2,1" 30 6,6 ;;
    warm)
        warm_case si-strain 12 "-b diamond -e Si -a 10.26bohr -u x -s 0:0.018:0.002" \
            "--kpts 2,2,2 --kshift 0.5 --psp Si=GTH-PADE-q4"
        warm_case graphene-rattle 15 "-b graphene -r 0.03 -c 10 --seed 3" \
            "--kpts 4,4,1 --smearing fermi-dirac --tsmear 0.01 --psp C=GTH-$fam-q4 $xcopt"
        ;;
    *) echo "bench dft-scf: unknown case $c" >&2; exit 1 ;;
    esac
done
