#!/usr/bin/env bats
# kappa-gk on heat currents that LAMMPS writes (compute heat/flux through fix ave/time, metal
# units): its direct Green-Kubo integral must equal LAMMPS's own (fix ave/correlate ... type
# auto ave running, integrated by trap()) of the same samples, and its units must be right.
# One test runs LAMMPS (Debian lammps; skipped without `lmp`); the others use the series
# stored in tests/ref/kappa-gk/lj-argon (PROVENANCE says how it was made).
#
# Tolerance 1e-9 relative: both sides compute the same estimator on the same numbers, the
# unbiased C(m) = sum_n J_n J_(n+m) / (N - m) and the trapezoid rule over the same lags; they
# differ only in the order of the sums (kappa-gk by FFT, LAMMPS a running sum over time
# origins) and in the 17-digit printing of the integral, i.e. rounding, about 1e-13 here. A
# sample missed or added, a lag off by one or a wrong normalisation changes kappa by 1e-3 or
# more. LAMMPS's own kappa uses its metal-unit boltz 8.617343e-5 eV/K, fpms CODATA 2014
# (8.6173303e-5): those agree to 2e-6 only.
load helpers

ref=$FPMS_ROOT/tests/ref/kappa-gk/lj-argon

setup() {
    cd "$BATS_TEST_TMPDIR"
}

# col FILE NAME DIR: the value of column NAME in the row whose dir is DIR of a kappa table
col() {
    awk -v name="$2" -v dir="$3" '
        /^#/ && !/=/ { for (i = 2; i <= NF; i++) { n = $i; sub(/\[.*/, "", n); c[n] = i - 1 } }
        !/^#/ && $1 == dir { print $(c[name]) }' "$1"
}

# rel A B TOL: |A - B| <= TOL |B|
rel() {
    awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; if (b < 0) b = -b
        if (d <= t * b) exit 0; printf "%.17g vs %.17g: relative %.3g > %g\n", a, b, d / b, t; exit 1 }'
}

# si I V T: kappa in W/(m K) from an integral I in eV^2 A^2/ps, V in A^3, T in K, in SI
# throughout (J, m, s; CODATA 2014 e and k_B), independently of kappa-gk's eV-based unit
si() {
    awk -v i="$1" -v v="$2" -v t="$3" 'BEGIN { e = 1.6021766208e-19; kb = 1.38064852e-23
        printf "%.17g", i * e * e * 1e-20 / 1e-12 / (v * 1e-30 * kb * t * t) }'
}

# check KAPPA_TABLE I_XX I_YY I_ZZ V T: kappa-gk's direct values (xx, yy, zz, average) equal
# the SI conversion of LAMMPS's integrals to 1e-9
check() {
    rel "$(col "$1" kappa 1)" "$(si "$2" "$5" "$6")" 1e-9
    rel "$(col "$1" kappa 2)" "$(si "$3" "$5" "$6")" 1e-9
    rel "$(col "$1" kappa 3)" "$(si "$4" "$5" "$6")" 1e-9
    rel "$(col "$1" kappa 0)" "$(si "$(awk -v a="$2" -v b="$3" -v c="$4" 'BEGIN { printf "%.17g", (a + b + c) / 3 }')" "$5" "$6")" 1e-9
}

@test "stored LAMMPS series: kappa-gk's direct integral equals LAMMPS's own to 1e-9" {
    v=$(awk '$1 == "volume" { print $2 }' "$ref/expected.txt")
    t=$(awk '$1 == "temperature" { print $2 }' "$ref/expected.txt")
    tc=$(awk '$1 == "tcut" { print $2 }' "$ref/expected.txt")
    read -r ixx iyy izz < <(awk '$1 == "integral" { print $2, $3, $4 }' "$ref/expected.txt")
    run -0 --separate-stderr fpms kappa-gk -q --dt 0.004 -V "$v" -T "$t" --tmax "$tc" --tcut "$tc" \
        "$ref/J.dat"
    printf '%s\n' "$output" > k.tsv
    [ "$(sed -n 's/^# dt = //p' k.tsv)" = "0.04 ps" ]
    [ "$(col k.tsv tcut 0)" = "$tc" ]
    check k.tsv "$ixx" "$iyy" "$izz" "$v" "$t"
}

@test "stored LAMMPS series: LAMMPS's own kappa (its k_B) agrees to 2e-6" {
    v=$(awk '$1 == "volume" { print $2 }' "$ref/expected.txt")
    t=$(awk '$1 == "temperature" { print $2 }' "$ref/expected.txt")
    read -r kxx kyy kzz kavg < <(awk '$1 == "kappa_lammps" { print $2, $3, $4, $5 }' "$ref/expected.txt")
    fpms kappa-gk -q --dt 0.004 -V "$v" -T "$t" --tmax 3.96 --tcut 3.96 "$ref/J.dat" > k.tsv
    rel "$(col k.tsv kappa 1)" "$kxx" 2e-6
    rel "$(col k.tsv kappa 2)" "$kyy" 2e-6
    rel "$(col k.tsv kappa 3)" "$kzz" 2e-6
    rel "$(col k.tsv kappa 0)" "$kavg" 2e-6
}

@test "stored LAMMPS series: the HCACF at lag 0 is <J^2>, by awk on the file" {
    fpms kappa-gk -q --dt 0.004 -V 7105.9779224999866 -T 162.92725031369901 --tmax 3.96 \
        --hcacf h.tsv "$ref/J.dat" > /dev/null
    c0=$(awk '!/^#/ { s += $2 * $2; n++ } END { printf "%.17g", s / n }' "$ref/J.dat")
    rel "$(awk '!/^#/ { print $2; exit }' h.tsv)" "$c0" 1e-12
    # the lag axis is in ps: 10 steps of 4 fs
    [ "$(awk '!/^#/ && n++ == 1 { print $1 }' h.tsv)" = "0.04" ]
}

@test "stored LAMMPS series without --dt: a clear error naming --dt" {
    run -1 --separate-stderr fpms kappa-gk -V 7105.98 -T 162.93 "$ref/J.dat"
    [[ "$stderr" == kappa-gk:\ *J.dat* ]]
    [[ "$stderr" == *--dt* ]]
    [ -z "$output" ]
}

@test "LAMMPS run (lmp): kappa-gk's integral of its heat current equals LAMMPS's own to 1e-9" {
    command -v lmp > /dev/null || skip "LAMMPS is not installed (Debian lammps): the stored series was checked above"
    # 108 atoms, 19900 NVE steps of 4 fs sampled every 5: 3981 samples, 200 lags (about 1 s)
    lmp -in "$ref/in.lj-argon" -var cells 3 -var seed 4242 -var s 5 -var p 200 -var nrun 19900 \
        -var neq 2000 -var out J.dat -log log.lammps -screen none
    [ "$(grep -vc '^#' J.dat)" -eq 3981 ]
    v=$(awk '/^gk: volume/ { print $3 }' log.lammps)
    t=$(awk '/^gk: volume/ { print $6 }' log.lammps)
    tc=$(awk '/^gk: volume/ { print $11 }' log.lammps)
    read -r ixx iyy izz < <(awk '/^gk: integral/ { print $3, $4, $5 }' log.lammps)
    read -r kxx kavg < <(awk '/^gk: kappa/ { print $3, $7 }' log.lammps)
    rel "$tc" 3.98 1e-12
    fpms kappa-gk -q --dt 4fs -V "$v" -T "$t" --tmax "$tc" --tcut "$tc" J.dat > k.tsv
    check k.tsv "$ixx" "$iyy" "$izz" "$v" "$t"
    rel "$(col k.tsv kappa 1)" "$kxx" 2e-6
    rel "$(col k.tsv kappa 0)" "$kavg" 2e-6
    # the volume is what the lattice gives: 108 atoms at n = 0.6 / sigma^3
    rel "$v" "$(awk 'BEGIN { printf "%.17g", 108 * 3.405^3 / 0.6 }')" 1e-12
}
