#!/usr/bin/env bats
# kappa-gk: every option and every error path.
load helpers

setup() {
    cd "$BATS_TEST_TMPDIR"
    for s in 1 2 3 4; do
        fpms kappa-gk --synth 4000 --synth-kappa 5 --synth-tau 0.05 --dt 0.005 -V 1000 -T 300 \
            --seed $s -o r$s.tsv
    done
}

# col FILE NAME DIR: the value of column NAME in the row whose dir is DIR of a kappa table
col() {
    awk -v name="$2" -v dir="$3" '
        /^#/ && !/=/ { for (i = 2; i <= NF; i++) { n = $i; sub(/\[.*/, "", n); c[n] = i - 1 } }
        !/^#/ && $1 == dir { print $(c[name]) }' "$1"
}

# meta FILE KEY: the value of `# KEY = value`
meta() {
    sed -n "s/^# $2 = //p" "$1"
}

# within A B TOL: |A - B| <= TOL
within() {
    awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'
}

# ratio A B R: A / B = R to 1e-12
ratio() {
    awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN { d = a / b - r; if (d < 0) d = -d; exit !(d <= 1e-12 * r) }'
}

# rel A B: A = B to 1e-9 relative (the sampling interval may differ in its last bit)
rel() {
    awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-9 * (b < 0 ? -b : b)) }'
}

# input_error: exit 1, `kappa-gk: FILE:LINE: ...`, empty stdout
input_error() {
    assert_tool_error kappa-gk
    [[ "$stderr" =~ ^kappa-gk:\ [^:]+:[0-9]+:\  ]] || { echo "no file:line in: $stderr"; return 1; }
}

@test "--help prints usage on stdout and exits 0" {
    run -0 --separate-stderr fpms kappa-gk --help
    [ "${lines[0]}" = "usage: kappa-gk [options] [FILE ...]" ]
    [ -z "$stderr" ]
}

@test "--version names fpms" {
    run -0 fpms kappa-gk --version
    [[ "$output" =~ ^fpms\ [0-9]+\.[0-9]+\ \(git\  ]]
}

@test "an unknown option is a usage error with exit 1 and nothing on stdout" {
    run -1 --separate-stderr fpms kappa-gk --frobnicate r1.tsv
    assert_tool_error kappa-gk
    [[ "$stderr" == "kappa-gk: unknown option '--frobnicate'"* ]]
    [[ "$stderr" == *"usage: kappa-gk"* ]]
    run -1 --separate-stderr fpms kappa-gk -x r1.tsv
    [[ "$stderr" == "kappa-gk: unknown option '-x'"* ]]
    run -1 --separate-stderr fpms kappa-gk r1.tsv --tcut
    [[ "$stderr" == "kappa-gk: option '--tcut' needs a"* ]]
    [[ "$stderr" == *"usage: kappa-gk"* ]]
    [ -z "$output" ]
}

@test "--synth: a table with the units, the keys and the seed; deterministic per seed" {
    run -0 head -8 r1.tsv
    [[ "$output" == *"# volume = 1000 A^3"* ]]
    [[ "$output" == *"# temperature = 300 K"* ]]
    [[ "$output" == *"# seed = 1"* ]]
    [[ "$output" == *"time[ps]"*"Jx[eV*A/ps]"*"Jy[eV*A/ps]"*"Jz[eV*A/ps]"* ]]
    [ "$(grep -vc '^#' r1.tsv)" -eq 4000 ]
    [ "$(sed -n '$p' r1.tsv | awk '{ print $1 }')" = "19.995" ]
    fpms kappa-gk --synth 4000 --synth-kappa 5 --synth-tau 0.05 --dt 5fs -V 1000 -T 300 --seed 1 > again.tsv
    cmp r1.tsv again.tsv
    ! cmp -s r1.tsv r2.tsv
}

@test "four synthetic runs of kappa = 5: both routes agree with it within their error bars" {
    run -0 --separate-stderr fpms kappa-gk r1.tsv r2.tsv r3.tsv r4.tsv
    [ -z "$stderr" ]
    printf '%s\n' "$output" > k.tsv
    [ "$(meta k.tsv runs)" = 4 ]
    [ "$(meta k.tsv volume)" = "1000 A^3" ]
    k=$(col k.tsv kappa 0) e=$(col k.tsv kappa_err 0)
    within "$k" 5 "$(awk -v e="$e" 'BEGIN { print 3 * e }')"
    k=$(col k.tsv cepstral 0) e=$(col k.tsv cepstral_err 0)
    within "$k" 5 "$(awk -v e="$e" 'BEGIN { print 3 * e }')"
    [ "$(col k.tsv plateau 0)" = 1 ]
    [ "$(awk '!/^#/' k.tsv | wc -l)" -eq 4 ]
    [ "$(awk '!/^#/ { printf "%s ", $1 }' k.tsv)" = "1 2 3 0 " ]
}

@test "-V and -T override the input keys: kappa scales as 1/(V T^2)" {
    fpms kappa-gk r1.tsv r2.tsv > a.tsv
    fpms kappa-gk -V 2000 -T 600 r1.tsv r2.tsv > b.tsv
    [ "$(meta b.tsv volume)" = "2000 A^3" ]
    [ "$(meta b.tsv temperature)" = "600 K" ]
    ratio "$(col a.tsv kappa 0)" "$(col b.tsv kappa 0)" 8
    ratio "$(col a.tsv cepstral 0)" "$(col b.tsv cepstral 0)" 8
    run -0 fpms kappa-gk -T 300K r1.tsv r2.tsv
}

@test "--cell gives the volume; with --thickness a sheet, recorded" {
    fpms kappa-gk --cell 10,10,10 r1.tsv r2.tsv > a.tsv
    [ "$(meta a.tsv volume)" = "1000 A^3" ]
    fpms kappa-gk --cell 20nm,5,100 --thickness 5 r1.tsv r2.tsv > b.tsv
    [ "$(meta b.tsv volume)" = "5000 A^3" ]
    [ "$(meta b.tsv thickness)" = "5 A" ]
    fpms kappa-gk --cell 20,10 --thickness 5 r1.tsv r2.tsv > c.tsv
    [ "$(meta c.tsv volume)" = "1000 A^3" ]
    ! grep -q thickness a.tsv
}

@test "-e xy: the average is over x and y" {
    fpms kappa-gk -e xy --hcacf h.tsv r1.tsv r2.tsv > k.tsv
    [ "$(meta k.tsv equivalent)" = "x,y" ]
    awk '!/^#/ { d = ($2 + $3) / 2 - $5; s = ($2 < 0 ? -$2 : $2) + ($3 < 0 ? -$3 : $3);
                 if (d < 0) d = -d; if (d > 1e-12 * s) exit 1 }' h.tsv
    fpms kappa-gk -e x,y,z r1.tsv > k3.tsv
    [ "$(meta k3.tsv equivalent)" = "x,y,z" ]
}

@test "--segments: one run cut in pieces has an error bar, and equals the pieces as runs" {
    run -0 --separate-stderr fpms kappa-gk r1.tsv
    [[ "$stderr" == *"warning: one run: no error bar"* ]]
    ! printf '%s\n' "$output" | grep -q kappa_err
    awk 'NR <= 7 || (!/^#/ && n++ < 2000)' r1.tsv > h1.tsv
    awk 'NR <= 7 { print; next } !/^#/ && n++ >= 2000 { $1 = $1 - 10; print }' r1.tsv > h2.tsv
    run -0 --separate-stderr fpms kappa-gk --segments 2 r1.tsv
    [ -z "$stderr" ]
    printf '%s\n' "$output" > s.tsv
    [ "$(meta s.tsv segments)" = 2 ]
    fpms kappa-gk h1.tsv h2.tsv > h.tsv
    rel "$(col s.tsv kappa 0)" "$(col h.tsv kappa 0)"
    rel "$(col s.tsv kappa_err 0)" "$(col h.tsv kappa_err 0)"
}

@test "--tmax sets the HCACF length; --tcut fixes t_c; the integral table holds kappa(t_c)" {
    fpms kappa-gk --tmax 0.5 --integral i.tsv --hcacf h.tsv r1.tsv r2.tsv > k.tsv
    [ "$(meta k.tsv tmax)" = "0.5 ps" ]
    [ "$(awk '!/^#/' i.tsv | wc -l)" -eq 101 ]
    [ "$(awk '!/^#/' h.tsv | wc -l)" -eq 101 ]
    grep -q 'kappa_avg_err\[W/(m\*K)\]' i.tsv
    grep -q 'hcacf_xx\[eV^2\*A^2/ps^2\]' h.tsv
    fpms kappa-gk --tcut 0.25 --integral i.tsv r1.tsv r2.tsv > k.tsv
    [ "$(col k.tsv tcut 0)" = 0.25 ]
    [ "$(meta k.tsv cutoff)" = "fixed (--tcut)" ]
    [ "$(awk '!/^#/ && $1 == 0.25 { print $5 }' i.tsv)" = "$(col k.tsv kappa 0)" ]
    run -0 fpms kappa-gk --tcut 250fs r1.tsv r2.tsv
}

@test "--fit adds the double-exponential columns" {
    fpms kappa-gk --fit r1.tsv r2.tsv r3.tsv > k.tsv
    k=$(col k.tsv fit 0) e=$(col k.tsv fit_err 0)
    within "$k" 5 "$(awk -v e="$e" 'BEGIN { print 4 * e }')"
}

@test "--fstar, --pstar, --aic and --cepstrum" {
    fpms kappa-gk --fstar 4 --cepstrum c.tsv r1.tsv r2.tsv > k.tsv
    [ "$(meta k.tsv fstar)" = "4 THz" ]
    [ "$(meta k.tsv aic)" = average ]
    [ "$(awk '!/^#/' c.tsv | wc -l)" -eq 81 ]
    grep -q 'kappa_cepstral\[W/(m\*K)\]' c.tsv
    fpms kappa-gk --fstar 4 --pstar 3 r1.tsv r2.tsv > p.tsv
    [ "$(col p.tsv pstar 0)" = 3 ]
    [ "$(meta p.tsv aic)" = "fixed P (--pstar)" ]
    fpms kappa-gk --fstar 4 --aic min r1.tsv r2.tsv > m.tsv
    [ "$(meta m.tsv aic)" = min ]
    [ "$(col m.tsv pstar 0)" = "$(col m.tsv pmean 0)" ]
    p=$(col m.tsv pstar 0)
    [ "$(awk -v p="$p" '!/^#/ && $1 == p - 1 { print $8 }' c.tsv)" = "$(col m.tsv cepstral 0)" ]
    fpms kappa-gk --fstar 1000 r1.tsv r2.tsv > n.tsv
    [ "$(meta n.tsv fstar)" = "100 THz" ]
}

@test "--spectrum and --smooth: kappa(f) to the Nyquist frequency" {
    fpms kappa-gk --spectrum f.tsv --smooth 0 r1.tsv r2.tsv > k.tsv
    [ "$(awk '!/^#/' f.tsv | wc -l)" -eq 2001 ]
    [ "$(meta f.tsv smooth)" = "0 THz (1 points)" ]
    awk '!/^#/ && $5 != $9 { exit 1 }' f.tsv
    fpms kappa-gk --spectrum f.tsv --smooth 0.5 r1.tsv r2.tsv > k.tsv
    [ "$(meta f.tsv smooth)" = "0.5 THz (11 points)" ]
    [ "$(awk '!/^#/ { n++ } END { print n }' f.tsv)" -eq 2001 ]
}

@test "--plot writes a PNG with gnuplot" {
    command -v gnuplot || skip "no gnuplot"
    fpms kappa-gk --plot k.png --fit r1.tsv r2.tsv > /dev/null
    [ "$(head -c 4 k.png | od -An -c | tr -d ' ')" = "211PNG" ]
    [ "$(ls | grep -c tmp)" -eq 0 ]
}

@test "--plot without gnuplot: a clear error and no output at all" {
    mkdir empty
    run -1 --separate-stderr env PATH="$PWD/empty" "$FPMS_BIN/kappa-gk" --plot k.png \
        --integral i.tsv -o k.tsv r1.tsv
    assert_tool_error kappa-gk
    [[ "$stderr" == *"gnuplot is not on PATH"* ]]
    [ ! -e k.png ] && [ ! -e i.tsv ] && [ ! -e k.tsv ]
    [ "$(ls | grep -c tmp)" -eq 0 ]
}

@test "-o writes the file and nothing to stdout; stdin and - are read" {
    run -0 --separate-stderr fpms kappa-gk -o k.tsv r1.tsv r2.tsv
    [ -z "$output" ] && [ -s k.tsv ]
    fpms kappa-gk r1.tsv r2.tsv > a.tsv
    cmp a.tsv k.tsv
    fpms kappa-gk - r2.tsv < r1.tsv > b.tsv
    cmp a.tsv b.tsv
    fpms kappa-gk < r1.tsv > c.tsv
    [ "$(meta c.tsv runs)" = 1 ]
}

@test "--progress, -q and -v" {
    run -0 --separate-stderr fpms kappa-gk --progress r1.tsv r2.tsv
    [[ "$stderr" == *"kappa-gk: read r1.tsv: 4000 samples every 0.005 ps (1/2)"* ]]
    run -0 --separate-stderr fpms kappa-gk -q r1.tsv
    [ -z "$stderr" ]
    run -0 --separate-stderr fpms kappa-gk -v r1.tsv r2.tsv
    [[ "$stderr" == *"kappa-gk: kappa_avg: direct "*" cepstral "* ]]
    [[ "$stderr" == *"V = 1000 A^3"* ]]
}

@test "--seed changes the synthetic series" {
    fpms kappa-gk --synth 100 -V 1 -T 1 --seed 7 > a.tsv
    fpms kappa-gk --synth 100 -V 1 -T 1 --seed 8 > b.tsv
    [ "$(meta a.tsv seed)" = 7 ]
    ! cmp -s a.tsv b.tsv
}

@test "LAMMPS fix ave/time output of compute heat/flux, with --dt the MD step" {
    awk '!/^#/ { printf "%d %s %s %s 0 0 0\n", 10 * n++, $2, $3, $4 }
         BEGIN { print "# Time-averaged data for fix JJ"; print "# TimeStep c_flux[1] c_flux[2] c_flux[3] c_flux[4] c_flux[5] c_flux[6]" }' r1.tsv > J.dat
    fpms kappa-gk --dt 0.5fs -V 1000 -T 300 J.dat > a.tsv
    fpms kappa-gk r1.tsv > b.tsv
    rel "$(col a.tsv kappa 0)" "$(col b.tsv kappa 0)"
    [ "$(meta a.tsv dt)" = "0.005 ps" ]
}

@test "--columns, a step column and a table without time" {
    sed 's/Jx\[eV\*A\/ps\]/qx/; s/Jy\[eV\*A\/ps\]/qy/; s/Jz\[eV\*A\/ps\]/qz/' r1.tsv > q.tsv
    fpms kappa-gk --columns qx,qy,qz q.tsv > a.tsv
    fpms kappa-gk r1.tsv > b.tsv
    [ "$(col a.tsv kappa 0)" = "$(col b.tsv kappa 0)" ]
    awk '/^#/ && !/=/ { print "# step Jx Jy Jz"; next } /^#/ { print; next } { $1 = NR; print }' r1.tsv > s.tsv
    fpms kappa-gk --dt 5fs s.tsv > c.tsv
    rel "$(col c.tsv kappa 0)" "$(col b.tsv kappa 0)"
    awk '/^#/ && !/=/ { print "# Jx Jy Jz"; next } /^#/ { print; next } { print $2, $3, $4 }' r1.tsv > n.tsv
    fpms kappa-gk --dt 0.005 n.tsv > d.tsv
    rel "$(col d.tsv kappa 0)" "$(col b.tsv kappa 0)"
    awk '/^#/ && !/=/ { print "# time[fs] Jx Jy Jz"; next } /^#/ { print; next } { $1 = 1000 * $1; print }' r1.tsv > f.tsv
    fpms kappa-gk f.tsv > e.tsv
    [ "$(meta e.tsv dt)" = "0.005 ps" ]
}

@test "a sheet whose Jz is zero: kappa_zz is 0 by every route" {
    awk '!/^#/ { $4 = 0 } { print }' r1.tsv > z1.tsv
    awk '!/^#/ { $4 = 0 } { print }' r2.tsv > z2.tsv
    fpms kappa-gk -e xy --fit z1.tsv z2.tsv > k.tsv
    [ "$(col k.tsv kappa 3)" = 0 ] && [ "$(col k.tsv cepstral 3)" = 0 ] && [ "$(col k.tsv fit 3)" = 0 ]
}

@test "a run given twice is warned about" {
    run -0 --separate-stderr fpms kappa-gk r1.tsv r2.tsv r1.tsv
    [[ "$stderr" == *"warning: r1.tsv repeats r1.tsv: the error bars assume independent runs"* ]]
}

@test "the run temperature keys are averaged, with a warning when they spread" {
    sed 's/^# temperature = 300 K/# temperature = 330 K/' r2.tsv > w2.tsv
    run -0 --separate-stderr fpms kappa-gk r1.tsv w2.tsv
    [[ "$stderr" == *"warning: run temperatures 300 to 330 K"* ]]
    printf '%s\n' "$output" > k.tsv
    [ "$(meta k.tsv temperature)" = "315 K" ]
}

# ---- errors ----

@test "usage errors: bad option values" {
    for args in "-V 0" "-V abc" "--cell 1" "--cell 1,2,3,4" "--cell 1,-2,3" "--cell 1:3:1" \
        "--thickness -1" "-T -3" "-T 3eV" "--dt 0" "--dt 1m" "-e w" "-e xx" "-e ," \
        "--segments 0" "--segments x" "--tmax -1" "--tcut 0" "--fstar 0" "--pstar 0" \
        "--aic max" "--smooth -1" "--synth 10" "--synth-tau 0" "--synth-kappa -1" "--seed -1" \
        "--thickness 3.35 -V 4" "--cell 1,2" "-V 5 --cell 1,2,3" "--thickness 3 -V 4 --cell 1,2"; do
        run -1 --separate-stderr fpms kappa-gk $args -o out.tsv r1.tsv
        assert_tool_error kappa-gk || { echo "args: $args"; return 1; }
        [[ "$stderr" == *"usage: kappa-gk"* ]] || { echo "args: $args: $stderr"; return 1; }
        [ ! -e out.tsv ]
    done
}

@test "usage errors say what is wrong with which option" {
    run -1 --separate-stderr fpms kappa-gk -V abc r1.tsv
    [[ "$stderr" == "kappa-gk: --volume: 'abc' is not a number"* ]]
    run -1 --separate-stderr fpms kappa-gk --dt 1m r1.tsv
    [[ "$stderr" == "kappa-gk: --dt: '1m': unknown unit 'm'"* ]]
    run -1 --separate-stderr fpms kappa-gk --cell 1,2,3,4 r1.tsv
    [[ "$stderr" == "kappa-gk: --cell: '1,2,3,4': give 2 or 3 values"* ]]
    run -1 --separate-stderr fpms kappa-gk --thickness 3.35 -V 100 r1.tsv
    [[ "$stderr" == "kappa-gk: --thickness needs --cell LX,LY or the inputs' area (not --volume)"* ]]
    run -1 --separate-stderr fpms kappa-gk --thickness 3.35 r1.tsv
    [[ "$stderr" == "kappa-gk: r1.tsv: no \`area\` key (md-run writes it for a sheet): give --cell LX,LY with --thickness"* ]]
}

@test "--synth: needs -V and -T, reads no input" {
    run -1 --separate-stderr fpms kappa-gk --synth 100 -T 300
    assert_tool_error kappa-gk
    [[ "$stderr" == *"no volume"* ]]
    run -1 --separate-stderr fpms kappa-gk --synth 100 -V 300
    [[ "$stderr" == *"no temperature"* ]]
    run -1 --separate-stderr fpms kappa-gk --synth 100 -V 1 -T 1 r1.tsv
    [[ "$stderr" == *"reads no input"* ]]
}

@test "a missing file" {
    run -1 --separate-stderr fpms kappa-gk -o k.tsv r1.tsv nosuch.tsv
    assert_tool_error kappa-gk
    [[ "$stderr" == "kappa-gk: nosuch.tsv: No such file"* ]]
    [ ! -e k.tsv ]
}

@test "bad tables: file:line errors from the reader" {
    printf '# time[ps] Jx Jy Jz\n0 1 2 3\n0.1 1 nan 3\n' > bad.tsv
    run -1 --separate-stderr fpms kappa-gk -o k.tsv --integral i.tsv bad.tsv
    input_error
    [[ "$stderr" == "kappa-gk: bad.tsv:3: "* ]]
    [ ! -e k.tsv ] && [ ! -e i.tsv ]
    printf '# time[ps] Jx Jy Jz\n0 1 2\n' > short.tsv
    run -1 --separate-stderr fpms kappa-gk short.tsv
    input_error
    run -1 --separate-stderr fpms kappa-gk < bad.tsv
    [[ "$stderr" == "kappa-gk: <stdin>:3: "* ]]
}

@test "no current columns, or in the wrong unit: the header line" {
    sed 's/Jz\[eV\*A\/ps\]/Q/' r1.tsv > nj.tsv
    run -1 --separate-stderr fpms kappa-gk nj.tsv
    input_error
    [[ "$stderr" == "kappa-gk: nj.tsv:7: no heat-current columns"* ]]
    sed 's/Jz\[eV\*A\/ps\]/Jz[W]/' r1.tsv > u.tsv
    run -1 --separate-stderr fpms kappa-gk u.tsv
    input_error
    [[ "$stderr" == *"u.tsv:7: column Jz is in 'W'"* ]]
    run -1 --separate-stderr fpms kappa-gk --columns Jx,Jy r1.tsv
    input_error
    [[ "$stderr" == *"give three names"* ]]
    run -1 --separate-stderr fpms kappa-gk --columns Jx,Jy,Jw r1.tsv
    input_error
    [[ "$stderr" == *"no column 'Jw'"* ]]
    run -1 --separate-stderr fpms kappa-gk --columns Jx,Jy,Jz,Jx r1.tsv
    input_error
}

@test "time: wrong unit, --dt with a time column, steps without --dt, none at all" {
    sed 's/time\[ps\]/time[K]/' r1.tsv > t.tsv
    run -1 --separate-stderr fpms kappa-gk t.tsv
    input_error
    [[ "$stderr" == *"column time is in 'K'"* ]]
    run -1 --separate-stderr fpms kappa-gk --dt 1fs r1.tsv
    assert_tool_error kappa-gk
    [[ "$stderr" == *"--dt is for input without one"* ]]
    awk '/^#/ && !/=/ { print "# step Jx Jy Jz"; next } { print }' r1.tsv > s.tsv
    run -1 --separate-stderr fpms kappa-gk s.tsv
    input_error
    [[ "$stderr" == *"counted in steps (step): give the MD time step with --dt"* ]]
    awk '/^#/ && !/=/ { print "# Jx Jy Jz"; next } /^#/ { print; next } { print $2, $3, $4 }' r1.tsv > n.tsv
    run -1 --separate-stderr fpms kappa-gk n.tsv
    input_error
    [[ "$stderr" == *"no time column"* ]]
}

@test "non-uniform sampling names the line" {
    awk 'NR != 100' r1.tsv > gap.tsv
    run -1 --separate-stderr fpms kappa-gk -o k.tsv gap.tsv
    input_error
    [[ "$stderr" == "kappa-gk: gap.tsv:100: time 0.465: a step of 0.01 after the previous row, not 0.005: sampling must be uniform"* ]]
    [ ! -e k.tsv ]
    awk '!/^#/ && NR > 10 { $1 = 1 } { print }' r1.tsv > flat.tsv
    run -1 --separate-stderr fpms kappa-gk flat.tsv
    input_error
}

@test "too few rows, bad metadata" {
    head -20 r1.tsv > few.tsv
    run -1 --separate-stderr fpms kappa-gk few.tsv
    assert_tool_error kappa-gk
    [[ "$stderr" == *"few.tsv: 13 rows: at least 16 per segment"* ]]
    run -1 --separate-stderr fpms kappa-gk --segments 300 r1.tsv
    [[ "$stderr" == *"at least 16 per segment"* ]]
    sed 's/^# volume = 1000 A^3/# volume = big/' r1.tsv > mv.tsv
    run -1 --separate-stderr fpms kappa-gk mv.tsv
    assert_tool_error kappa-gk
    [[ "$stderr" == *"mv.tsv: \`volume = big\`: expected a positive number in A^3"* ]]
    sed 's/^# temperature = 300 K/# temperature = 300 C/' r1.tsv > mt.tsv
    run -1 --separate-stderr fpms kappa-gk mt.tsv
    [[ "$stderr" == *"expected a positive number in K"* ]]
}

@test "volume, temperature and sampling must be known and agree" {
    sed 's/^# volume = 1000 A^3/# volume = 1001 A^3/' r2.tsv > v2.tsv
    run -1 --separate-stderr fpms kappa-gk r1.tsv v2.tsv
    assert_tool_error kappa-gk
    [[ "$stderr" == *"v2.tsv: volume 1001 A^3 differs from r1.tsv's 1000 A^3"* ]]
    run -0 fpms kappa-gk -V 1000 r1.tsv v2.tsv
    grep -v '^# volume' r1.tsv > nv.tsv
    run -1 --separate-stderr fpms kappa-gk nv.tsv
    [[ "$stderr" == *"no volume: give --volume or --cell"* ]]
    grep -v '^# temperature' r1.tsv > nt.tsv
    run -1 --separate-stderr fpms kappa-gk nt.tsv
    [[ "$stderr" == *"no temperature: give --temp"* ]]
    run -1 --separate-stderr fpms kappa-gk r1.tsv nt.tsv
    [[ "$stderr" == *"nt.tsv: no temperature key"* ]]
    awk '!/^#/ { $1 = 2 * $1 } { print }' r2.tsv > d2.tsv
    run -1 --separate-stderr fpms kappa-gk r1.tsv d2.tsv
    [[ "$stderr" == *"d2.tsv: sampled every 0.01 ps, r1.tsv every 0.005 ps"* ]]
}

@test "analysis limits: --tmax, --tcut, --fstar, --pstar out of range" {
    run -1 --separate-stderr fpms kappa-gk --tmax 30 r1.tsv
    assert_tool_error kappa-gk
    [[ "$stderr" == *"exceeds the shortest segment"* ]]
    run -1 --separate-stderr fpms kappa-gk --tcut 5 r1.tsv
    [[ "$stderr" == *"cut-off 5 ps is outside the HCACF"* ]]
    run -1 --separate-stderr fpms kappa-gk --fstar 0.1 r1.tsv
    [[ "$stderr" == *"at least 4 needed"* ]]
    run -1 --separate-stderr fpms kappa-gk --fstar 4 --pstar 100 r1.tsv
    [[ "$stderr" == *"P* = 100 is more than the 81 frequencies"* ]]
    run -1 --separate-stderr fpms kappa-gk --pstar 100000 r1.tsv
    [[ "$stderr" == *"P* = 100000 is more than"* ]]
}

@test "a fit window too short fails the run, leaving no file" {
    run -1 --separate-stderr fpms kappa-gk --fit --tcut 0.01 -o k.tsv --hcacf h.tsv r1.tsv r2.tsv
    assert_tool_error kappa-gk
    [[ "$stderr" == *"fewer than 5 points"* ]]
    [ ! -e k.tsv ] && [ ! -e h.tsv ]
}

@test "an unwritable output leaves nothing behind" {
    run -1 --separate-stderr fpms kappa-gk -o nodir/k.tsv --integral i.tsv r1.tsv
    assert_tool_error kappa-gk
    [ ! -e i.tsv ]
}

# ---- added with the formats/hflux, gkout and plot split ----

@test "piped input: errors found after reading still name the line" {
    awk 'NR != 100' r1.tsv > gap.tsv
    run -1 --separate-stderr sh -c "cat gap.tsv | '$FPMS_BIN/kappa-gk' -o k.tsv"
    input_error
    [[ "$stderr" == "kappa-gk: <stdin>:100: time 0.465: a step of 0.01 after the previous row"* ]]
    sed 's/Jz\[eV\*A\/ps\]/Q/' r1.tsv > nj.tsv
    run -1 --separate-stderr sh -c "cat nj.tsv | '$FPMS_BIN/kappa-gk' - r2.tsv"
    [[ "$stderr" == "kappa-gk: <stdin>:7: no heat-current columns"* ]]
    [ ! -e k.tsv ]
    [ "$(ls | grep -c tmp)" -eq 0 ]
}

@test "--plot: any file name, even with quotes, blanks or a leading dash" {
    command -v gnuplot || skip "no gnuplot"
    fpms kappa-gk --plot "it's a \"plot\".png" r1.tsv r2.tsv > /dev/null
    [ "$(head -c 4 "it's a \"plot\".png" | od -An -c | tr -d ' ')" = "211PNG" ]
    fpms kappa-gk --plot -k.png r1.tsv r2.tsv > /dev/null
    [ "$(head -c 4 ./-k.png | od -An -c | tr -d ' ')" = "211PNG" ]
    [ "$(ls | grep -c tmp)" -eq 0 ]
}

@test "--plot: a failing gnuplot fails the run and leaves no output" {
    mkdir fake
    printf '#!/bin/sh\necho "gnuplot: bad day" >&2\nexit 3\n' > fake/gnuplot
    chmod +x fake/gnuplot
    run -1 --separate-stderr env PATH="$PWD/fake:$PATH" "$FPMS_BIN/kappa-gk" --plot k.png \
        --hcacf h.tsv -o k.tsv r1.tsv r2.tsv
    [ -z "$output" ]
    [[ "$stderr" == "gnuplot: bad day"* ]] # gnuplot's own words go to stderr, before ours
    [[ "$stderr" == *"kappa-gk: --plot: gnuplot failed (exit status 3)"* ]]
    [ ! -e k.png ] && [ ! -e h.tsv ] && [ ! -e k.tsv ]
    [ "$(ls | grep -c tmp)" -eq 0 ]
    printf '#!/bin/sh\nexit 0\n' > fake/gnuplot
    run -1 --separate-stderr env PATH="$PWD/fake:$PATH" "$FPMS_BIN/kappa-gk" -q --plot k.png r1.tsv
    [[ "$stderr" == "kappa-gk: --plot: gnuplot drew nothing into k.png"* ]]
    [ ! -e k.png ] && [ "$(ls | grep -c tmp)" -eq 0 ]
}

@test "--plot: gnuplot is given the data and the PNG as arguments, never through a shell" {
    mkdir fake
    printf '#!/bin/sh\n[ "$1" = -c ] || exit 9\ncat "$2" > script.gp\ncat "$4" > data.tsv\nprintf x > "$3"\n' > fake/gnuplot
    chmod +x fake/gnuplot
    env PATH="$PWD/fake:$PATH" "$FPMS_BIN/kappa-gk" --plot 'p;$(touch pwned).png' --fit \
        --integral i.tsv r1.tsv r2.tsv > k.tsv
    [ ! -e pwned ] && [ -s 'p;$(touch pwned).png' ]
    grep -q '^set output ARG1$' script.gp
    grep -q 'plot ARG2 using' script.gp
    grep -q "title 'fit: " script.gp
    [ "$(awk '!/^#/ { print $1, $2 }' data.tsv)" = "$(awk '!/^#/ { print $1, $5 }' i.tsv)" ]
    grep -q 'time\[ps\].*kappa\[W/(m\*K)\].*kappa_err\[W/(m\*K)\]' data.tsv
    [ "$(ls | grep -c tmp)" -eq 0 ]
}
