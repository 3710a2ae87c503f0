#!/usr/bin/env bats
# mtp-fit: every option and every error path; a fit lowers the loss; MLIP's pot_06 reproduced.
load helpers

MLIP=${FPMS_ROOT}/../shared/interop/mlip
TERSOFF=/usr/share/lammps/potentials/BNC.tersoff

setup_file() {
    cd "$BATS_FILE_TMPDIR"
    [ -f "$TERSOFF" ] || return 0
    "$FPMS_BIN/strain-gen" -b graphene-rect -n 2,2,1 -r 0.05 -c 6 --seed 3 |
        "$FPMS_BIN/md-run" -p tersoff:$TERSOFF -s C --steps 0 > train.xyz
    "$FPMS_BIN/strain-gen" -b graphene-rect -n 2,2,1 -r 0.05 -c 3 --seed 4 |
        "$FPMS_BIN/md-run" -p tersoff:$TERSOFF -s C --steps 0 > valid.xyz
}

setup() {
    [ -f "$TERSOFF" ] || skip "no $TERSOFF"
    cd "$BATS_TEST_TMPDIR"
    cp "$BATS_FILE_TMPDIR/train.xyz" "$BATS_FILE_TMPDIR/valid.xyz" .
}

# fails CMD...: exit 1, `mtp-fit: ` on stderr, nothing on stdout, no out.mtp left
fails() {
    run -1 --separate-stderr fpms mtp-fit "$@"
    assert_tool_error mtp-fit
    [ ! -e out.mtp ] || { echo "out.mtp left behind"; return 1; }
}

# col FILE ROW NAME: a column of the --errors table
col() {
    awk -v r="$2" -v n="$3" '/^#/ { if ($2 == "set") for (i = 2; i <= NF; i++) { c = $i; sub(/\[.*/, "", c); idx[c] = i - 1 } next }
        { if (k++ == r) print $(idx[n]) }' "$1"
}

@test "--help prints usage on stdout and exits 0" {
    run -0 --separate-stderr fpms mtp-fit --help
    [[ "${lines[0]}" == "usage: mtp-fit "* ]]
    [ -z "$stderr" ]
}

@test "--version names fpms" {
    run -0 fpms mtp-fit --version
    [[ "$output" =~ ^fpms\ [0-9]+\.[0-9]+\ \(git\  ]]
}

@test "usage errors: exit 1, message, nothing written" {
    fails --frobnicate
    [[ "$stderr" == *"usage: mtp-fit"* ]]
    fails --species C --level 6 train.xyz
    [[ "$stderr" == *"-o FILE is required"* ]]
    fails --level 6 -o out.mtp train.xyz
    [[ "$stderr" == *"--species is required"* ]]
    fails --species C --level 6 -o out.mtp
    fails --species C --level 6 -o out.mtp train.xyz valid.xyz
    fails --species C -o out.mtp train.xyz
    [[ "$stderr" == *"one of --level and --init"* ]]
    fails --species C --level 6 --init x.mtp -o out.mtp train.xyz
    fails --species Xx --level 6 -o out.mtp train.xyz
    [[ "$stderr" == *"--species"* ]]
}

@test "bad option values are usage errors" {
    for a in "--level 7" "--level 30" "--level x" "--rmin abc" "--rmin -1" "--rcut nan" \
        "--radial-size 1" "--max-iter -1" "--tol -1" "--tol x" "--linear-every 0" "--weights 1,2" \
        "--weights 1,-1,0" "--weights 0,0,0" "--weights a,b,c" "--weights 1,2,3,4" \
        "--weighting atoms" "--rmin 5 --rcut 4" "--holdout 0.51" "--holdout -0.1" "--holdout x" \
        "--holdout nan" "--holdout inf" "--patience 0" "--patience -3" "--patience 2.5" \
        "--seed -1" "--seed x" "--starts 0" "--starts -2" "--starts x" "--starts 1.5" \
        "--starts 10001" "--cv 1" "--cv -1" "--cv x" "--cv 1001" "--damping -1" "--damping x" \
        "--damping nan" "--damping 1e7" "--checkpoint-every 0" "--checkpoint-every x" \
        "--ridge -1e-3" "--ridge x" "--ridge nan" "--ridge 2e6"; do
        fails --species C --level 6 $a -o out.mtp train.xyz
    done
    fails --species C --init pot.mtp --rcut 4 -o out.mtp train.xyz
    [[ "$stderr" == *"come from the --init file"* ]]
}

@test "a fit lowers the loss; the report and the --errors table" {
    run -0 --separate-stderr fpms mtp-fit --species C --level 6 --rcut 4 --max-iter 0 \
        --errors e0.txt -o p0.mtp train.xyz
    [ -z "$output" ]
    [[ "$stderr" == *"mtp-fit: training errors, train.xyz: 6 configurations"* ]]
    [[ "$stderr" == *"energy per atom (eV/atom), 6 configurations: max "* ]]
    [[ "$stderr" == *"forces (eV/Angstrom), 96 atoms: max "* ]]
    [[ "$stderr" == *"virial (eV), 6 configurations: max "* ]]
    run -0 fpms mtp-fit --species C --level 6 --rcut 4 --max-iter 6 --linear-every 2 --tol 0 \
        --errors e1.txt -o p1.mtp train.xyz
    l0=$(col e0.txt 0 loss) l1=$(col e1.txt 0 loss)
    echo "loss $l0 -> $l1"
    awk -v a="$l0" -v b="$l1" 'BEGIN { exit !(b < 0.9 * a) }'
    grep -q '^MTP$' p1.mtp
    grep -q '^moment_coeffs = ' p1.mtp
    grep -q 'species_count = 1' p1.mtp
    # md-run with the written potential reproduces the reported energy error
    fpms md-run -p mtp:p1.mtp -s C --steps 0 train.xyz > lab.xyz
    run -0 $PY -c "
import sys, numpy as np
from ase.io import read
a, b = read('train.xyz', ':'), read('lab.xyz', ':')
d = [(x.get_potential_energy() - y.get_potential_energy()) / len(x) for x, y in zip(a, b)]
print(abs(np.sqrt(np.mean(np.square(d))) / float(sys.argv[1]) - 1) < 1e-9)" "$(col e1.txt 0 e_rms)"
    [ "$output" = True ]
}

@test "--valid adds a second row; --weights and --weighting change the loss" {
    run -0 fpms mtp-fit --species C --level 6 --rcut 4 --max-iter 0 --valid valid.xyz \
        --errors e.txt -o p.mtp train.xyz
    [[ "$output" == *"validation errors, valid.xyz: 3 configurations"* ]]
    grep -q '^# sets = train valid' e.txt
    [ "$(col e.txt 1 nconf)" = 3 ]
    run -0 fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 0 --weights 2,0.01,0.001 \
        --errors e2.txt -o p.mtp train.xyz
    [ -z "$output" ]
    awk -v a="$(col e.txt 0 loss)" -v b="$(col e2.txt 0 loss)" 'BEGIN { exit !(b > a) }'
    run -0 fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 0 --weighting molecules \
        --errors e3.txt -o p.mtp train.xyz
    awk -v a="$(col e.txt 0 loss)" -v b="$(col e3.txt 0 loss)" 'BEGIN { exit !(b > a) }'
    run -0 fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 0 --weighting structures \
        --errors e4.txt -o p.mtp train.xyz
    awk -v a="$(col e.txt 0 loss)" -v b="$(col e4.txt 0 loss)" 'BEGIN { exit !(b < a) }'
}

@test "--ridge trades training loss for smaller moment coefficients" {
    # the linear solve alone (--max-iter 0): rho 0 is the least loss, a larger rho costs more
    for r in 0 1e-2 1e2; do
        fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 0 --ridge $r --errors e$r.txt \
            -o p$r.mtp train.xyz
    done
    cmp <(grep -v '^# ' e0.txt) <(fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 0 \
        --errors /dev/stdout -o p.mtp train.xyz | grep -v '^# ')
    l0=$(col e0.txt 0 loss) l1=$(col e1e-2.txt 0 loss) l2=$(col e1e2.txt 0 loss)
    echo "loss $l0 $l1 $l2"
    awk -v a="$l0" -v b="$l1" -v c="$l2" 'BEGIN { exit !(a < b && b < c) }'
    # the moment coefficients' largest size falls
    big() { sed -n 's/^moment_coeffs = {\(.*\)}/\1/p' "$1" | tr ',' '\n' |
        awk '{ x = $1 < 0 ? -$1 : $1; if (x > m) m = x } END { print m }'; }
    m0=$(big p0.mtp) m2=$(big p1e2.mtp)
    echo "largest moment coefficient $m0 $m2"
    awk -v a="$m0" -v b="$m2" 'BEGIN { exit !(b < 0.1 * a) }'
    # a fit with it runs and is deterministic
    for k in 1 2; do
        fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 8 --tol 0 --ridge 1e-3 \
            -o f$k.mtp train.xyz
    done
    cmp f1.mtp f2.mtp
}

@test "option errors name the option and the range" {
    fails --species C --level 6 --holdout 0.6 -o out.mtp train.xyz
    [[ "$stderr" == *"--holdout: '0.6' is not a fraction in [0, 0.5]"* ]]
    fails --species C --level 6 --holdout -0.01 -o out.mtp train.xyz
    [[ "$stderr" == *"--holdout: '-0.01' is not a fraction in [0, 0.5]"* ]]
    fails --species C --level 6 --holdout 0.1 --patience 0 -o out.mtp train.xyz
    [[ "$stderr" == *"--patience: '0' is not an integer in 1..100000000"* ]]
}

@test "--holdout that leaves no configuration to fit is refused" {
    head -n 18 train.xyz > one.xyz
    fails --species C --level 6 --holdout 0.5 -o out.mtp one.xyz
    [[ "$stderr" == "mtp-fit: one.xyz: holding out 1 of 1 configurations leaves none to fit"* ]]
    fails --species C --level 6 --holdout 0.001 -o out.mtp one.xyz
    [[ "$stderr" == *"holding out 1 of 1 configurations"* ]]
    run -0 fpms mtp-fit -q --species C --level 6 --holdout 0 --max-iter 1 -o out.mtp one.xyz
}

@test "--holdout --patience: early stopping, the report and the table" {
    run -0 --separate-stderr fpms mtp-fit --species C --level 6 --rcut 4 --max-iter 60 --tol 0 \
        --holdout 0.34 --patience 3 --seed 7 --valid valid.xyz --errors e.txt -o p.mtp train.xyz
    echo "$stderr"
    [[ "$stderr" =~ mtp-fit:\ early\ stopping:\ held-out\ loss\ [0-9.e+-]+\ over\ 2\ of\ the\ 2\ held-out\ configurations\ \(those\ inside\ the\ coverage\ of\ the\ fitted\ ones\)\ at\ iteration\ [0-9]+\ kept ]]
    [[ "$stderr" == *"patience ran out"* ]]
    [[ "$stderr" == *"training (fitted part) errors, train.xyz: 4 configurations"* ]]
    [[ "$stderr" == *"holdout errors, train.xyz: 2 configurations"* ]]
    [[ "$stderr" == *"validation errors, valid.xyz: 3 configurations"* ]]
    grep -q '^# sets = train valid holdout' e.txt
    [ "$(col e.txt 0 nconf)" = 4 ] && [ "$(col e.txt 1 nconf)" = 3 ] && [ "$(col e.txt 2 nconf)" = 2 ]
    # the potential written is the best held-out one: its held-out loss is the one reported
    grep -q '^# holdout_judged = 2$' e.txt
    best=$(awk '/^# best_holdout_loss = / { print $4 }' e.txt)
    iter=$(awk '/^# best_iter = / { print $4 }' e.txt)
    [[ "$stderr" == *"at iteration $iter kept"* ]]
    awk -v a="$best" -v b="$(col e.txt 2 loss)" 'BEGIN { exit !(a == b && a > 0) }'
    # without --valid the hold-out is row 1
    run -0 fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 60 --tol 0 \
        --holdout 0.34 --patience 3 --seed 7 --errors e2.txt -o p2.mtp train.xyz
    grep -q '^# sets = train holdout' e2.txt
    run -0 --separate-stderr fpms mtp-fit --species C --level 6 --rcut 4 --max-iter 2 \
        --holdout 0.34 --progress -o p5.mtp train.xyz
    [[ "$stderr" == *"mtp-fit: iteration 2/"*": loss "*", held-out loss "*" (lowest "*" at "*") t="* ]]
    [ "$(col e2.txt 1 nconf)" = 2 ]
    cmp p.mtp p2.mtp
    # deterministic: the same seed, any thread count, the same file
    OMP_NUM_THREADS=1 fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 60 --tol 0 \
        --holdout 0.34 --patience 3 --seed 7 -o p3.mtp train.xyz
    OMP_NUM_THREADS=2 fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 60 --tol 0 \
        --holdout 0.34 --patience 3 --seed 7 -o p4.mtp train.xyz
    cmp p.mtp p3.mtp
    cmp p.mtp p4.mtp
}

@test "--holdout: a drawn configuration outside the fitted ones' coverage is fitted instead; --holdout-all" {
    # seed 5 draws configurations 2 and 4; 4 holds train.xyz's closest C-C pair, closer than
    # any of the other four: held out it could not judge (the potential extrapolates there) and
    # the fit would lose that distance, so it is fitted and 2 alone is held out
    run -0 --separate-stderr fpms mtp-fit -v --species C --level 6 --rcut 4 --max-iter 60 \
        --tol 0 --holdout 0.34 --patience 3 --seed 5 --errors e.txt --errors-by-config bc.txt \
        -o p.mtp train.xyz
    echo "$stderr"
    [[ "$stderr" == *"holding out 1 of 6 configurations of train.xyz (--seed 5)"* ]]
    [[ "$stderr" == *"fitted instead: 1 more drawn, each with a pair closer than the rest hold (outside their coverage)"* ]]
    [[ "$stderr" == *"early stopping: held-out loss "*" over 1 of the 1 held-out configurations (those inside the coverage of the fitted ones) at iteration "* ]]
    [[ "$stderr" == *"training (fitted part) errors, train.xyz: 5 configurations"* ]]
    [ "$(awk '!/^#/ && $1 == 0 && $11 == 1 { printf "%s ", $2 }' bc.txt)" = "2 " ]
    grep -q '^# holdout_judged = 1$' e.txt
    # the loss that chose is configuration 2's alone, of the potential written
    best=$(awk '/^# best_holdout_loss = / { print $4 }' e.txt)
    awk -v b="$best" '/^# +set / { for (i = 2; i <= NF; i++) { h = $i; sub(/\[.*/, "", h); c[h] = i - 1 } next }
        !/^#/ && $1 == 0 && $2 == 2 { f = 1; exit !($(c["loss"]) == b + 0 && b > 0) } END { exit !f }' bc.txt
    # --holdout-all: both are held out and judge (configuration 4's rising error stops the fit
    # early)
    run -0 --separate-stderr fpms mtp-fit -v --species C --level 6 --rcut 4 --max-iter 60 \
        --tol 0 --holdout 0.34 --patience 3 --seed 5 --holdout-all --errors ea.txt -o pa.mtp train.xyz
    [[ "$stderr" == *"early stopping: held-out loss "*" over 2 of the 2 held-out configurations at iteration "* ]]
    grep -q '^# holdout_judged = 2$' ea.txt
    awk -v a="$(awk '/^# best_holdout_loss = / { print $4 }' ea.txt)" -v b="$(col ea.txt 1 loss)" \
        'BEGIN { exit !(a == b && a > 0) }'
    [ "$(awk '/^# best_iter = / { print $4 }' ea.txt)" -lt "$(awk '/^# best_iter = / { print $4 }' e.txt)" ]
    # the rule holds for every start of --starts
    fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 60 --tol 0 --holdout 0.34 \
        --patience 3 --seed 5 --starts 2 --errors es.txt -o ps.mtp train.xyz
    grep -q '^# holdout_judged = 1$' es.txt
    fails --species C --level 6 --holdout-all -o out.mtp train.xyz
    [[ "$stderr" == *"--holdout-all needs --holdout"* ]]
    # seed 6 draws configuration 4 alone: fitted, it would leave nothing to judge by, a clear
    # error
    fails --species C --level 6 --rcut 4 --max-iter 3 --holdout 0.17 --seed 6 -o out.mtp train.xyz
    [[ "$stderr" == "mtp-fit: train.xyz: no held-out configuration (of 1) lies inside the coverage of the fitted ones"*"(--holdout-all)"* ]]
    run -0 fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 3 --holdout 0.17 --seed 6 \
        --holdout-all --errors-by-config bc1.txt -o p1.mtp train.xyz
    [ "$(awk '!/^#/ && $1 == 0 && $11 == 1 { printf "%s ", $2 }' bc1.txt)" = "4 " ]
}

@test "--refit fits all of TRAIN again for the best iteration count" {
    run -0 --separate-stderr fpms mtp-fit --species C --level 6 --rcut 4 --max-iter 60 --tol 0 \
        --holdout 0.34 --patience 3 --seed 7 --refit --errors e.txt -o p.mtp train.xyz
    iter=$(awk '/^# best_iter = / { print $4 }' e.txt)
    [[ "$stderr" == *"at iteration $iter kept"* ]]
    [[ "$stderr" == *"refit: $iter iterations on all 6 configurations of train.xyz"* ]]
    [[ "$stderr" == *"training errors, train.xyz: 6 configurations"* ]]
    [ "$(col e.txt 0 nconf)" = 6 ] && [ "$(col e.txt 1 nconf)" = 2 ]
    # the same as a fit of all of TRAIN with that many iterations
    fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter "$iter" --tol 0 -o q.mtp train.xyz
    cmp p.mtp q.mtp
    fails --species C --level 6 --refit -o out.mtp train.xyz
    [[ "$stderr" == *"--refit needs --holdout"* ]]
}

@test "--starts: several initialisations, the best held-out kept, deterministic" {
    run -0 --separate-stderr fpms mtp-fit -v --species C --level 6 --rcut 4 --max-iter 30 \
        --tol 0 --holdout 0.34 --patience 3 --seed 7 --starts 3 --errors e.txt -o p.mtp train.xyz
    echo "$stderr"
    for s in 1 2 3; do
        [[ "$stderr" =~ mtp-fit:\ start\ $s\ of\ 3:\ held-out\ loss\ [0-9.e+-]+\ at\ iteration ]]
    done
    [[ "$stderr" =~ mtp-fit:\ 3\ starts\ \(--seed\ 7\):\ start\ [123]\ kept,\ held-out\ loss ]]
    grep -q '^# starts = 3$' e.txt
    grep -q '^# seed = 7$' e.txt
    best=$(awk '/^# best_start = / { print $4 }' e.txt)
    [[ "$stderr" == *"start $best kept"* ]]
    # the start kept has the lowest held-out loss of the three, and the potential written has it
    low=$(awk '/^# start_[0-9]+ = holdout_loss / { l = $5; n = substr($2, 7); if (k++ == 0 || l < m) { m = l; b = n } } END { print b, m }' e.txt)
    [ "$low" = "$best $(awk '/^# best_holdout_loss = / { print $4 }' e.txt)" ]
    awk -v a="$(awk '/^# best_holdout_loss = / { print $4 }' e.txt)" -v b="$(col e.txt 1 loss)" \
        'BEGIN { exit !(a == b) }'
    # start 1 is the single-start fit
    fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 30 --tol 0 --holdout 0.34 \
        --patience 3 --seed 7 --errors e1.txt -o p1.mtp train.xyz
    [ "$(awk '/^# start_1 = / { print $5 }' e.txt)" = "$(awk '/^# best_holdout_loss = / { print $4 }' e1.txt)" ]
    # the same seed, any thread count: the same file
    OMP_NUM_THREADS=1 fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 30 --tol 0 \
        --holdout 0.34 --patience 3 --seed 7 --starts 3 -o p2.mtp train.xyz
    OMP_NUM_THREADS=2 fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 30 --tol 0 \
        --holdout 0.34 --patience 3 --seed 7 --starts 3 -o p3.mtp train.xyz
    cmp p.mtp p2.mtp
    cmp p.mtp p3.mtp
    # without --holdout the training loss chooses
    run -0 --separate-stderr fpms mtp-fit --species C --level 6 --rcut 4 --max-iter 3 \
        --starts 2 --errors e4.txt -o p4.mtp train.xyz
    [[ "$stderr" =~ 2\ starts\ \(--seed\ 1\):\ start\ [12]\ kept,\ training\ loss ]]
    grep -q '^# start_2 = loss ' e4.txt
    run -0 --separate-stderr fpms mtp-fit --species C --level 6 --rcut 4 --max-iter 2 \
        --holdout 0.34 --starts 2 --progress -o p5.mtp train.xyz
    [[ "$stderr" == *"mtp-fit: start 2: iteration 2/"*": loss "*", held-out loss "* ]]
}

@test "--starts errors" {
    fails --species C --level 6 --starts 0 -o out.mtp train.xyz
    [[ "$stderr" == *"--starts: '0' is not an integer in 1..10000"* ]]
    fails --species C --level 6 --starts 2 --holdout 0.34 --refit -o out.mtp train.xyz
    [[ "$stderr" == *"--refit takes one start, not --starts 2"* ]]
    fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 1 -o p.mtp train.xyz
    fails --species C --init p.mtp --starts 2 -o out.mtp train.xyz
    [[ "$stderr" == "mtp-fit: p.mtp: --starts 2: the file has radial coefficients; several starts need an untrained potential"* ]]
}

@test "--cv: the iteration count by K-fold cross-validation, then all of TRAIN, deterministic" {
    run -0 --separate-stderr fpms mtp-fit -v --species C --level 6 --rcut 4 --max-iter 60 \
        --tol 0 --cv 3 --patience 4 --damping 3e-3 --seed 5 --errors e.txt -o p.mtp train.xyz
    echo "$stderr"
    re='mtp-fit: cross-validation, 3 folds \(--seed 5\): loss [0-9.e+-]+ over ([0-9]+) held-out configurations inside their fold.s coverage at iteration ([0-9]+) \(([0-9]+) iterations run(, patience ran out)?\); all 6 configurations of train.xyz fitted for ([0-9]+) iterations'
    [[ "$stderr" =~ $re ]]
    judged=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]} ran=${BASH_REMATCH[3]} whole=${BASH_REMATCH[5]}
    [ "$n" -ge 1 ] && [ "$whole" -eq "$n" ] && [ "$ran" -ge "$n" ]
    [ "$judged" -ge 1 ] && [ "$judged" -le 6 ]
    grep -q "^# cv_judged = $judged\$" e.txt
    grep -q '^# cv_folds = 3$' e.txt
    grep -q "^# best_iter = $n\$" e.txt
    grep -q "^# cv_iterations = $ran\$" e.txt
    grep -q '^# best_cv_loss = ' e.txt
    grep -q '^# seed = 5$' e.txt
    [ "$(col e.txt 0 nconf)" = 6 ] # the potential written has seen every configuration
    [[ "$stderr" == *"training errors, train.xyz: 6 configurations"* ]]
    OMP_NUM_THREADS=1 fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 60 --tol 0 \
        --cv 3 --patience 4 --damping 3e-3 --seed 5 -o p1.mtp train.xyz
    OMP_NUM_THREADS=2 fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 60 --tol 0 \
        --cv 3 --patience 4 --damping 3e-3 --seed 5 -o p2.mtp train.xyz
    cmp p.mtp p1.mtp
    cmp p.mtp p2.mtp
    # another seed deals other folds
    fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 60 --tol 0 --cv 3 --patience 4 \
        --damping 3e-3 --seed 6 --errors e6.txt -o p6.mtp train.xyz
    [ "$(awk '/^# best_cv_loss = / { print $4 }' e6.txt)" != "$(awk '/^# best_cv_loss = / { print $4 }' e.txt)" ]
    # --cv-all: every held-out configuration counts
    run -0 --separate-stderr fpms mtp-fit -v --species C --level 6 --rcut 4 --max-iter 60 \
        --tol 0 --cv 3 --cv-all --patience 4 --damping 3e-3 --seed 5 --errors ea.txt -o pa.mtp train.xyz
    [[ "$stderr" == *"loss "*" over 6 held-out configurations at iteration "* ]]
    grep -q '^# cv_judged = 6$' ea.txt
    run -0 --separate-stderr fpms mtp-fit --species C --level 6 --rcut 4 --max-iter 3 --tol 0 \
        --cv 2 --patience 10 --progress -o p3.mtp train.xyz
    [[ "$stderr" == *"mtp-fit: 2 folds: iteration 3/"*": mean loss "*", cross-validation loss "*" (lowest "*" at "*") t="* ]]
}

@test "--starts with --cv: each start cross-validated on the same folds, the lowest loss kept" {
    run -0 --separate-stderr fpms mtp-fit -v --species C --level 6 --rcut 4 --max-iter 30 \
        --tol 0 --cv 3 --patience 4 --damping 3e-3 --seed 5 --starts 3 --errors e.txt \
        -o p.mtp train.xyz
    echo "$stderr"
    for s in 1 2 3; do
        [[ "$stderr" == *"start $s of 3: cross-validation loss "*" at iteration "* ]]
    done
    best=$(awk '/^# best_start = / { print $4 }' e.txt)
    # the start kept has the lowest cross-validation loss of the three
    awk -v b="$best" '/^# start_[0-9]+ = cv_loss / { split($2, k, "_"); l[k[2]] = $5 }
        END { for (s in l) if (l[s] < l[b]) exit 1; exit !(b in l) }' e.txt
    [ "$(awk '/^# best_cv_loss = / { print $4 }' e.txt)" = "$(awk -v b="$best" '$2 == "start_" b { print $5 }' e.txt)" ]
    [[ "$stderr" == *"3 starts (--seed 5): start $best kept, cross-validation loss "* ]]
    # one start is the plain --cv fit, bit for bit
    fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 30 --tol 0 --cv 3 --patience 4 \
        --damping 3e-3 --seed 5 -o p1.mtp train.xyz
    fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 30 --tol 0 --cv 3 --patience 4 \
        --damping 3e-3 --seed 5 --starts 1 -o p2.mtp train.xyz
    cmp p1.mtp p2.mtp
}

@test "--cv errors" {
    fails --species C --level 6 --cv 2 --holdout 0.2 -o out.mtp train.xyz
    [[ "$stderr" == *"--cv chooses alone: not with --holdout"* ]]
    fails --species C --level 6 --cv 7 -o out.mtp train.xyz
    [[ "$stderr" == "mtp-fit: train.xyz: 7 folds of 6 configurations: need 2 to 6"* ]]
    fails --species C --level 6 --cv-all -o out.mtp train.xyz
    [[ "$stderr" == *"--cv-all needs --cv"* ]]
}

@test "--checkpoint and --restart: the restarted fit ends with the same bits" {
    for how in "" "--holdout 0.34 --patience 100" "--cv 3 --patience 100 --damping 3e-3" \
        "--ridge 1e-3" "--cv 3 --patience 100 --ridge 1e-2"; do
        fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 12 --tol 0 $how -o full.mtp \
            train.xyz
        # stopped at iteration 6: its checkpoint (every 6; no save in the whole-set fit of --cv)
        fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 6 --tol 0 $how \
            --checkpoint ck.txt --checkpoint-every 6 -o half.mtp train.xyz
        [ "$(sed -n 1p ck.txt)" = "fpms-mtp-fit-checkpoint 1" ]
        [ "$(sed -n 4p ck.txt)" = "iter 6" ]
        run -0 --separate-stderr fpms mtp-fit -v --species C --level 6 --rcut 4 --max-iter 12 \
            --tol 0 $how --restart ck.txt -o rest.mtp train.xyz
        [[ "$stderr" == *"mtp-fit: restart from ck.txt: phase 0, iteration 6"* ]]
        cmp full.mtp rest.mtp || { echo "restart differs: $how"; return 1; }
    done
    # every 4: the checkpoint is rewritten at 4, 8, 12 (the last), all or nothing
    fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 12 --tol 0 --checkpoint ck2.txt \
        --checkpoint-every 4 -o p.mtp train.xyz
    [ "$(sed -n 4p ck2.txt)" = "iter 12" ]
    [ "$(ls | grep -c 'ck2.txt')" = 1 ]
}

@test "--checkpoint and --restart errors" {
    fails --species C --level 6 --checkpoint-every 3 -o out.mtp train.xyz
    [[ "$stderr" == *"--checkpoint-every needs --checkpoint"* ]]
    fails --species C --level 6 --checkpoint c.txt --starts 2 -o out.mtp train.xyz
    [[ "$stderr" == *"--checkpoint and --restart take one fit: not --starts or --refit"* ]]
    fails --species C --level 6 --restart c.txt --holdout 0.3 --refit -o out.mtp train.xyz
    [[ "$stderr" == *"take one fit"* ]]
    fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 3 --tol 0 --cv 2 --checkpoint ck.txt \
        --checkpoint-every 1 -o p.mtp train.xyz
    fails --species C --level 6 --rcut 4 --max-iter 9 --restart ck.txt -o out.mtp train.xyz
    [[ "$stderr" == "mtp-fit: ck.txt: a checkpoint of another fit: written with 'cv 2', this fit has 'cv 0'"* ]]
    fails --species C --level 6 --rcut 4 --cv 2 --seed 4 --restart ck.txt -o out.mtp train.xyz
    [[ "$stderr" == *"written with 'seed 1', this fit has 'seed 4'"* ]]
    fails --species C --level 6 --rcut 4 --tol 0 --cv 2 --ridge 1e-3 --restart ck.txt -o out.mtp \
        train.xyz
    [[ "$stderr" == *"written with '', this fit has 'ridge 0x1.0624dd2f1a9fcp-10'"* ]]
    # a --holdout checkpoint from before the coverage rule may hold another split: refused
    fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 3 --tol 0 --holdout 0.34 \
        --checkpoint hk.txt --checkpoint-every 1 -o p.mtp train.xyz
    grep -q '^setup .* judge-all 0 holdout-coverage 1$' hk.txt
    sed 's/ holdout-coverage 1$//' hk.txt > old.txt
    fails --species C --level 6 --rcut 4 --tol 0 --holdout 0.34 --restart old.txt -o out.mtp \
        train.xyz
    [[ "$stderr" == *"written with '', this fit has 'holdout-coverage 1'"* ]]
    fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 4 --tol 0 --holdout 0.34 \
        --restart hk.txt -o p.mtp train.xyz
    head -n 9 ck.txt > trunc.txt
    fails --species C --level 6 --rcut 4 --cv 2 --restart trunc.txt -o out.mtp train.xyz
    [[ "$stderr" == *"trunc.txt:10: truncated checkpoint: expected 'coeffs'"* ]]
    sed '9s/ [^ ]*$/ x/' ck.txt > bad.txt
    fails --species C --level 6 --rcut 4 --cv 2 --restart bad.txt -o out.mtp train.xyz
    [[ "$stderr" == *"bad.txt:9: field 4 is not a whole number"* ]]
    fails --species C --level 6 --restart train.xyz -o out.mtp train.xyz
    [[ "$stderr" == *"train.xyz:1: not an mtp-fit checkpoint"* ]]
    fails --species C --level 6 --restart nonexistent.txt -o out.mtp train.xyz
    # an unwritable checkpoint fails before the fit, and nothing is written
    run -1 --separate-stderr fpms mtp-fit --species C --level 6 --rcut 4 --max-iter 50 \
        --checkpoint nodir/ck.txt --errors e.txt -o out.mtp train.xyz
    assert_tool_error mtp-fit
    [[ "$stderr" == *"nodir/ck.txt"* ]] && [[ "$stderr" != *"iteration"* ]]
    [ ! -e out.mtp ] && [ ! -e e.txt ] && [ "$(ls | grep -c tmp)" -eq 0 ]
}

@test "--plot draws the loss at every iteration (PNG, gnuplot)" {
    command -v gnuplot || skip "no gnuplot"
    for how in "" "--holdout 0.34 --patience 5" "--cv 3 --patience 5" \
        "--holdout 0.34 --patience 5 --starts 2"; do
        rm -f l.png
        fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 20 --tol 0 $how --plot l.png \
            -o p.mtp train.xyz
        [ "$(head -c 4 l.png | od -An -c | tr -d ' ')" = "211PNG" ] || { echo "$how"; return 1; }
    done
    [ "$(ls | grep -c tmp)" -eq 0 ]
    fails --species C --level 6 --max-iter 0 --plot l2.png -o out.mtp train.xyz
    [[ "$stderr" == *"--plot draws iterations: --max-iter 0 has none"* ]]
}

@test "--plot without gnuplot: a clear error and no output at all" {
    mkdir empty
    run -1 --separate-stderr env PATH="$PWD/empty" "$FPMS_BIN/mtp-fit" --species C --level 6 \
        --rcut 4 --max-iter 3 --plot l.png --errors e.txt -o out.mtp train.xyz
    assert_tool_error mtp-fit
    [[ "$stderr" == *"--plot: gnuplot is not on PATH"* ]]
    [ ! -e l.png ] && [ ! -e e.txt ] && [ ! -e out.mtp ]
    [ "$(ls | grep -c tmp)" -eq 0 ]
}

@test "a validation pair closer than any in TRAIN is flagged: the potential extrapolates there" {
    # valid.xyz as the training set: configuration 4 of train.xyz has a C-C pair below its range
    run -0 --separate-stderr fpms mtp-fit --species C --level 6 --rcut 4 --max-iter 2 \
        --valid train.xyz -o p.mtp valid.xyz
    [[ "$stderr" == *"mtp-fit: warning: train.xyz:55: configuration 4 has a C-C distance of 1.205 Angstrom, closer than any C-C pair in valid.xyz (the smallest 1.215): the potential extrapolates there (1 configuration of train.xyz so; 1 of them below the potential's rmin 1.21514, outside the range of its radial basis)"* ]]
    # rmin defaults to TRAIN's closest pair; below 1.205 that pair lies inside the radial basis
    run -0 --separate-stderr fpms mtp-fit --species C --level 6 --rmin 1.2 --rcut 4 --max-iter 2 \
        --valid train.xyz -o p.mtp valid.xyz
    [[ "$stderr" == *"(the smallest 1.215): the potential extrapolates there (1 configuration of train.xyz so)"* ]]
    run -0 --separate-stderr fpms mtp-fit --species C --level 6 --rcut 4 --max-iter 2 \
        --valid valid.xyz -o p.mtp train.xyz
    [[ "$stderr" != *"extrapolates"* ]]
    run -0 --separate-stderr fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 2 \
        --valid train.xyz -o p.mtp valid.xyz
    [ -z "$stderr" ]
}

@test "--progress, -v, --radial-size, --rmin default" {
    run -0 --separate-stderr fpms mtp-fit --species C --level 6 --rcut 4 --max-iter 2 \
        --radial-size 5 --progress -v -o p.mtp train.xyz
    [[ "$stderr" == *"mtp-fit: iteration 1/"*": loss "*" t="* ]]
    [[ "$stderr" == *"mtp-fit: rmin = "*"(the smallest distance in train.xyz)"* ]]
    [[ "$stderr" =~ mtp-fit:\ fitting:\ [0-9.e+-]+\ s ]]
    grep -q 'radial_basis_size = 5' p.mtp
    grep -q 'max_dist = 4' p.mtp
}

@test "--init continues from a potential; .cfg input with --species" {
    fpms mtp-fit -q --species C --level 6 --rmin 1.1 --rcut 4 --max-iter 2 -o p.mtp train.xyz
    fpms strain-gen -f cfg --species C < train.xyz > train.cfg
    run -0 --separate-stderr fpms mtp-fit --species C --init p.mtp --max-iter 2 \
        --errors e.txt -o p2.mtp train.cfg
    grep -q 'min_dist = 1.1' p2.mtp
    fails --species C,B --init p.mtp -o out.mtp train.xyz
    [[ "$stderr" == *"p.mtp: species_count 1, but --species names 2"* ]]
    fails --species C --init missing.mtp -o out.mtp train.xyz
    printf 'MTP\nversion = 9\n' > bad.mtp
    fails --species C --init bad.mtp -o out.mtp train.xyz
    [[ "$stderr" == "mtp-fit: bad.mtp:2: "* ]]
}

@test "bad input names the file and line" {
    fails --species B --level 6 -o out.mtp train.xyz
    [[ "$stderr" == "mtp-fit: train.xyz:1: atom 1: element C is not in --species"* ]]
    sed '20s/energy=[^ ]*//' train.xyz > noe.xyz
    fails --species C --level 6 -o out.mtp noe.xyz
    [[ "$stderr" == "mtp-fit: noe.xyz:19: configuration 2 has no energy"* ]]
    awk 'NR == 1 || NR == 2 { print; next } NR <= 18 { n = split($0, a, " "); print a[1], a[2], a[3], a[4]; next } { print }' train.xyz |
        sed '2s/:forces:R:3//' > nof.xyz
    fails --species C --level 6 -o out.mtp nof.xyz
    [[ "$stderr" == "mtp-fit: nof.xyz:1: configuration 1 has no forces"* ]]
    run -0 fpms mtp-fit -q --species C --level 6 --weights 1,0,0.001 --max-iter 1 -o out.mtp nof.xyz
    rm out.mtp
    sed '3s/^C .*/C 1 2/' train.xyz > short.xyz
    fails --species C --level 6 -o out.mtp short.xyz
    [[ "$stderr" == "mtp-fit: short.xyz:3: "* ]]
    sed '20s/energy=[^ ]*/energy=nan/' train.xyz > nan.xyz
    fails --species C --level 6 -o out.mtp nan.xyz
    [[ "$stderr" == "mtp-fit: nan.xyz:"* ]]
    : > empty.xyz
    fails --species C --level 6 -o out.mtp empty.xyz
    [[ "$stderr" == *"empty.xyz: no configurations"* ]]
    fails --species C --level 6 -o out.mtp missing.xyz
    fails --species C --level 6 --valid short.xyz -o out.mtp train.xyz
    [[ "$stderr" == "mtp-fit: short.xyz:3: "* ]]
}

@test "rmin and rcut inconsistent with the data are refused" {
    fails --species C --level 6 --rmin 1.35 --rcut 4 -o out.mtp train.xyz
    [[ "$stderr" =~ rmin\ 1.35\ Angstrom\ exceeds\ the\ smallest\ interatomic\ distance\ 1\.[0-9]+\ Angstrom\ \(configuration\ [0-9]+\) ]]
    fails --species C --level 6 --rmin 0.5 --rcut 0.9 -o out.mtp train.xyz
    [[ "$stderr" == *"no two atoms closer than rcut 0.9 Angstrom"* ]]
}

@test "an unwritable output fails before the fit, without leaving files" {
    fails --species C --level 6 --max-iter 0 -o nodir/out.mtp train.xyz
    fails --species C --level 6 --max-iter 0 --errors nodir/e.txt -o out.mtp train.xyz
    for o in "-o nodir/out.mtp" "-o out.mtp --errors-by-config nodir/b.txt" \
        "-o out.mtp --plot nodir/l.png" "-o out.mtp --parity nodir/p.png" \
        "-o out.mtp --checkpoint nodir/c.txt"; do
        run -1 --separate-stderr fpms mtp-fit --progress --species C --level 6 --rcut 4 \
            --max-iter 500 --tol 0 --errors e.txt $o train.xyz
        assert_tool_error mtp-fit
        [[ "$stderr" == *"nodir/"* ]] && [[ "$stderr" != *"iteration"* ]]
        [ ! -e out.mtp ] && [ ! -e e.txt ] && [ "$(ls | grep -c tmp)" -eq 0 ]
    done
    # a pipe is not tried (that would close it): all of the table reaches it
    fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 2 --errors >(cat > piped.txt) \
        -o out.mtp train.xyz
    sleep 1
    grep -q '^# sets = train$' piped.txt && [ "$(grep -vc '^#' piped.txt)" -eq 1 ]
}

@test "linear solve on MLIP's pot_06 radial coefficients matches MLIP's training errors" {
    [ -f "$MLIP/pot_06.mtp" ] || skip "no $MLIP"
    run -0 --separate-stderr fpms mtp-fit --species C,B --init "$MLIP/pot_06.mtp" --max-iter 0 \
        --errors e.txt -o p.mtp "$MLIP/train.cfg"
    ours_e=$(col e.txt 0 e_rms) ours_f=$(col e.txt 0 f_rms)
    mlip_e=$(awk '/^Energy per atom/ { p = 1 } p && /RMS/ { print $NF; exit }' "$MLIP/errors_train_06.txt")
    mlip_f=$(awk '/^Forces/ { p = 1 } p && /RMS/ { print $NF; exit }' "$MLIP/errors_train_06.txt")
    echo "E rms $ours_e vs $mlip_e; F rms $ours_f vs $mlip_f"
    awk -v a="$ours_e" -v b="$mlip_e" 'BEGIN { exit !(a <= b * (1 + 1e-6)) }'
    awk -v a="$ours_f" -v b="$mlip_f" 'BEGIN { exit !(a <= b * (1 + 1e-6)) }'
}

@test "--evaluate: the errors of a potential as it is, the same rows as its fit reported" {
    run -0 fpms mtp-fit -q --species C --level 6 --rmin 1.1 --rcut 4 --max-iter 4 \
        --valid valid.xyz --errors fit.txt -o p.mtp train.xyz
    cp p.mtp p0.mtp
    run -0 --separate-stderr fpms mtp-fit --species C --init p.mtp --evaluate --valid valid.xyz \
        --errors ev.txt train.xyz
    [ -z "$output" ]
    [[ "$stderr" == *"mtp-fit: evaluation errors, train.xyz: 6 configurations"* ]]
    [[ "$stderr" == *"mtp-fit: validation errors, valid.xyz: 3 configurations"* ]]
    grep -q '^# sets = set valid$' ev.txt
    grep -q '^# evaluated = p.mtp$' ev.txt
    diff <(grep -v '^#' fit.txt) <(grep -v '^#' ev.txt)
    cmp p.mtp p0.mtp
    # the table alone, on stdout
    run -0 --separate-stderr fpms mtp-fit -q --species C --init p.mtp --evaluate --errors - \
        train.xyz
    [ -z "$stderr" ]
    [ "$(grep -v '^#' <<< "$output")" = "$(grep -v '^#' fit.txt | head -1)" ]
}

@test "--evaluate errors: no fit options, no -o, a trained potential" {
    fpms mtp-fit -q --species C --level 6 --rmin 1.1 --rcut 4 --max-iter 1 -o p.mtp train.xyz
    fails --species C --level 6 --evaluate train.xyz
    [[ "$stderr" == *"--evaluate needs --init FILE"* ]]
    for o in "--max-iter 3" "--cv 2" "--holdout 0.2" "--seed 2" "--damping 1" "--ridge 1e-3" \
        "--plot x.png"; do
        fails --species C --init p.mtp --evaluate $o train.xyz
        [[ "$stderr" == *"--evaluate fits nothing: not with ${o%% *}"* ]]
    done
    fails --species C --init p.mtp --evaluate -o out.mtp train.xyz
    [[ "$stderr" == *"writes no potential"* ]]
    fails --species C --init p.mtp --evaluate -q train.xyz
    [[ "$stderr" == *"reports nothing without --errors, --errors-by-config or --parity"* ]]
    fpms mtp-fit -q --species C --level 6 --rmin 1.1 --rcut 4 --max-iter 0 -o lin.mtp train.xyz
    sed '/radial_coeffs/,/^alpha_moments_count/{/^alpha_moments_count/!d}' lin.mtp > untrained.mtp
    fails --species C --init untrained.mtp --evaluate train.xyz
    [[ "$stderr" == *"untrained.mtp: --evaluate: an untrained potential (no radial_coeffs)"* ]]
}

@test "--evaluate on MLIP's potentials gives MLIP's calc-errors reports, every number" {
    [ -f "$MLIP/pot_06.mtp" ] || skip "no $MLIP"
    # mlip ERRFILE: every number of MLIP's report but the counts, in order (energy, energy per
    # atom, forces, stresses in eV, in GPa; max, mean, RMS and the relative ones)
    mlip() { awk '/ = / { printf "%s ", $NF }' "$1"; }
    cols="et_max et_mae et_rms e_max e_mae e_rms f_max f_mae f_rms f_rel_max f_rel_rms s_max s_mae
          s_rms s_rel_max s_rel_rms p_max p_mae p_rms p_rel_max p_rel_rms"
    for lev in 06 10; do
        run -0 --separate-stderr fpms mtp-fit -q --species C,B --init "$MLIP/pot_$lev.mtp" \
            --evaluate --valid "$MLIP/valid.cfg" --errors e.txt "$MLIP/train.cfg"
        for row in 0 1; do
            set=$([ $row = 0 ] && echo train || echo valid)
            ours=$(for c in $cols; do printf "%s " "$(col e.txt $row $c)"; done)
            theirs=$(mlip "$MLIP/errors_${set}_$lev.txt")
            echo "level $lev $set: ours $ours; MLIP $theirs"
            # MLIP prints 6 significant digits
            awk -v a="$ours" -v b="$theirs" 'BEGIN { n = split(a, x); m = split(b, y); if (n != 21 || m != 21) exit 1
                for (i = 1; i <= n; i++) if (sprintf("%.6g", x[i]) + 0 != y[i] + 0) { print "number " i ": " x[i] " vs " y[i]; exit 1 } }'
        done
    done
}

@test "--scale-by-force: MLIP's per-atom force weights change the loss, not the errors" {
    fpms mtp-fit -q --species C --level 6 --rmin 1.1 --rcut 4 --max-iter 2 -o p.mtp train.xyz
    fpms mtp-fit -q --species C --init p.mtp --evaluate --errors e0.txt train.xyz
    fpms mtp-fit -q --species C --init p.mtp --evaluate --scale-by-force 1 --errors e1.txt train.xyz
    fpms mtp-fit -q --species C --init p.mtp --evaluate --scale-by-force 1e12 --errors e2.txt \
        train.xyz
    [ "$(col e0.txt 0 f_rms)" = "$(col e1.txt 0 f_rms)" ]
    l0=$(col e0.txt 0 loss) l1=$(col e1.txt 0 loss) l2=$(col e2.txt 0 loss)
    echo "loss $l0, scaled by force 1: $l1, by 1e12: $l2"
    # every factor S/(|F|^2+S) is below 1 (the rattled cells' forces are eV/A), and near 1 for a
    # huge S
    awk -v a="$l0" -v b="$l1" -v c="$l2" 'BEGIN { exit !(b < 0.5 * a && c < a && c > a * (1 - 1e-9)) }'
    # a fit under the weights: another potential; a checkpoint of it is not this fit's
    fpms mtp-fit -q --species C --level 6 --rmin 1.1 --rcut 4 --max-iter 2 --scale-by-force 1 \
        --checkpoint ck.txt -o p1.mtp train.xyz
    ! cmp -s p.mtp p1.mtp
    fails --species C --level 6 --rmin 1.1 --rcut 4 --max-iter 2 --restart ck.txt -o out.mtp \
        train.xyz
    [[ "$stderr" == *"written with 'scale-by-force 0x1p+0', this fit has 'scale-by-force 0x0p+0'"* ]]
    for v in -1 nan x inf; do
        fails --species C --level 6 --scale-by-force $v -o out.mtp train.xyz
        [[ "$stderr" == *"--scale-by-force: '$v' is not a number >= 0"* ]]
    done
}

@test "--errors-by-config: each configuration's errors and share, summing to the set's" {
    run -0 fpms mtp-fit -q --species C --level 6 --rmin 1.1 --rcut 4 --max-iter 3 \
        --valid valid.xyz --errors e.txt --errors-by-config bc.txt -o p.mtp train.xyz
    grep -q '^# sets = train valid$' bc.txt
    [ "$(grep -vc '^#' bc.txt)" -eq 9 ]
    # rows: set, conf from 1, the first line of the configuration in its file
    [ "$(awk '!/^#/ && $1 == 0 && $2 == 2 { print $3 }' bc.txt)" -eq $(($(head -1 train.xyz) + 3)) ]
    [ "$(awk '!/^#/ && $1 == 1 && $2 == 1 { print $3 }' bc.txt)" -eq 1 ]
    for set in 0 1; do
        # shares sum to 1; the rows' squared force errors make the set's RMS; their losses its loss
        awk -v s=$set -v f="$(col e.txt $set f_rms)" -v l="$(col e.txt $set loss)" '
            !/^#/ && $1 == s { sh += $9; sq += $6 * $6 * 3 * $4; n += $4; loss += $10; k++ }
            END { r = sqrt(sq / (3 * n)); if (sh < 1 - 1e-12 || sh > 1 + 1e-12 || r < f * (1 - 1e-9) ||
                  r > f * (1 + 1e-9) || loss / k < l * (1 - 1e-9) || loss / k > l * (1 + 1e-9)) {
                  print "set " s ": share " sh ", rms " r " vs " f ", loss " loss / k " vs " l; exit 1 } }' bc.txt
    done
    [ "$(awk '!/^#/ { s += $11 } END { print s + 0 }' bc.txt)" -eq 0 ]
    # with --holdout, the held-out configurations are flagged (they are the table's holdout row)
    fpms mtp-fit -q --species C --level 6 --rmin 1.1 --rcut 4 --max-iter 3 --holdout 0.34 \
        --errors eh.txt --errors-by-config bh.txt -o p2.mtp train.xyz
    [ "$(awk '!/^#/ && $1 == 0 { s += $11 } END { print s }' bh.txt)" -eq 2 ]
    awk -v f="$(col eh.txt 1 f_rms)" '!/^#/ && $11 == 1 { sq += $6 * $6 * 3 * $4; n += $4 }
        END { r = sqrt(sq / (3 * n)); exit !(r > f * (1 - 1e-9) && r < f * (1 + 1e-9)) }' bh.txt
    fpms mtp-fit -q --species C --level 6 --rmin 1.1 --rcut 4 --max-iter 3 --holdout 0.34 \
        --refit --errors-by-config br.txt -o p3.mtp train.xyz
    [ "$(awk '!/^#/ { s += $11 } END { print s + 0 }' br.txt)" -eq 0 ]
    # --evaluate with only this output, on stdout; an unwritable one leaves nothing
    run -0 --separate-stderr fpms mtp-fit -q --species C --init p.mtp --evaluate \
        --errors-by-config - train.xyz
    [ "$(grep -vc '^#' <<< "$output")" -eq 6 ]
    grep -q '^# sets = set$' <<< "$output"
    fails --species C --level 6 --max-iter 0 --errors e2.txt --errors-by-config nodir/bc.txt \
        -o out.mtp train.xyz
    [ ! -e e2.txt ]
}

@test "--errors-by-config: every configuration's share of the force error as MLIP's calc-efs gives it" {
    [ -f "$MLIP/pot_10.mtp" ] && [ -f "$MLIP/efs_valid_10.cfg" ] || skip "no $MLIP"
    run -0 --separate-stderr fpms mtp-fit -q --species C,B --init "$MLIP/pot_10.mtp" --evaluate \
        --valid "$MLIP/valid.cfg" --errors-by-config bc.txt "$MLIP/train.cfg"
    # MLIP's own squared force error per configuration: its calc-efs forces against the labels
    awk 'FNR == 1 { f++; c = 0 } /BEGIN_CFG/ { c++; a = 0; next } /AtomData/ { a = 1; next }
        a && NF >= 8 && $1 ~ /^[0-9]+$/ { k = c SUBSEP $1
            if (f == 1) { x[k] = $(NF - 2); y[k] = $(NF - 1); z[k] = $NF }
            else sq[c] += ($(NF - 2) - x[k]) ^ 2 + ($(NF - 1) - y[k]) ^ 2 + ($NF - z[k]) ^ 2
            next }
        { a = 0 }
        END { for (i = 1; i <= c; i++) t += sq[i]; for (i = 1; i <= c; i++) printf "%d %.12g\n", i, sq[i] / t }' \
        "$MLIP/valid.cfg" "$MLIP/efs_valid_10.cfg" > mlip_share.txt
    [ "$(wc -l < mlip_share.txt)" -eq 100 ]
    awk '!/^#/ && $1 == 1 { print $2, $9 }' bc.txt > our_share.txt
    # the same share for every configuration (MLIP's forces and ours agree to 1e-9 relative)
    run paste mlip_share.txt our_share.txt
    awk '{ d = $2 - $4; if ($1 != $3 || d > 1e-7 || d < -1e-7) { print "configuration " $1 ": MLIP " $2 ", ours " $4; bad = 1 } }
        END { exit bad || NR != 100 }' <<< "$output"
    # and the largest is valid.cfg's configuration 82 (line 2584), half of it
    run awk '!/^#/ && $1 == 1 { if ($9 > m) { m = $9; c = $2; l = $3 } } END { printf "%d %d %.2f\n", c, l, m }' bc.txt
    [ "$output" = "82 2584 0.50" ]
}

@test "--errors-by-config: dmin_ratio, each configuration's closest pair over train's closest of its species pair" {
    [ -f "$MLIP/valid.cfg" ] || skip "no $MLIP"
    run -0 --separate-stderr fpms mtp-fit --species C,B --init "$MLIP/pot_10.mtp" --evaluate \
        --valid "$MLIP/valid.cfg" --errors-by-config bc.txt "$MLIP/train.cfg"
    # below 1 exactly for the configurations the warnings count: 82 (C-B), 45 and 46 (B-B)
    [[ "$stderr" == *"configuration 82 has a C-B distance"*"(1 configuration of"* ]]
    [[ "$stderr" == *"configuration 45 has a B-B distance"*"(2 configurations of"* ]]
    [ "$(awk '!/^#/ && $1 == 1 && $12 < 1 { printf "%s ", $2 }' bc.txt)" = "45 46 82 " ]
    # train.cfg against itself: 1 where a configuration holds one of its closest pairs, never below
    awk '!/^#/ && $1 == 0 { if (m == "" || $12 < m) m = $12 } END { exit m != 1 }' bc.txt
    # configuration 82's ratio from its positions: closest C-B pair over the closest C-B pair of
    # train.cfg, by brute force over the 27 nearest cell images (rcut 5 > every closest pair)
    dmin_cb() { awk -v want="$2" -v any="${3:-0}" '
        /BEGIN_CFG/ { c++; n = 0; next }
        /Supercell/ { s = 3; next }
        s > 0 { k = 4 - s; for (d = 1; d <= 3; d++) L[k, d] = $d; s--; next }
        /AtomData/ { a = 1; next }
        a && NF >= 5 && $1 ~ /^[0-9]+$/ { n++; t[n] = $2; x[n] = $3; y[n] = $4; z[n] = $5; next }
        a { a = 0; if (want == 0 || c == want) scan() }
        function scan(  i, j, p, q, r, dx, dy, dz, d) {
            for (i = 1; i <= n; i++) for (j = 1; j <= n; j++) {
                if (!any && (t[i] != 0 || t[j] != 1)) continue
                for (p = -1; p <= 1; p++) for (q = -1; q <= 1; q++) for (r = -1; r <= 1; r++) {
                    if (i == j && !p && !q && !r) continue
                    dx = x[j] - x[i] + p * L[1, 1] + q * L[2, 1] + r * L[3, 1]
                    dy = y[j] - y[i] + p * L[1, 2] + q * L[2, 2] + r * L[3, 2]
                    dz = z[j] - z[i] + p * L[1, 3] + q * L[2, 3] + r * L[3, 3]
                    d = sqrt(dx * dx + dy * dy + dz * dz)
                    if (m == "" || d < m) m = d
                }
            }
        }
        END { printf "%.17g\n", m }' "$1"; }
    want=$(echo "$(dmin_cb "$MLIP/valid.cfg" 82) $(dmin_cb "$MLIP/train.cfg" 0)" | awk '{ printf "%.17g", $1 / $2 }')
    got=$(awk '!/^#/ && $1 == 1 && $2 == 82 { print $12 }' bc.txt)
    awk -v a="$want" -v b="$got" 'BEGIN { d = a - b; exit !(a > 0.97 && a < 0.99 && d < 1e-12 && d > -1e-12) }' ||
        { echo "configuration 82: positions $want, table $got"; false; }
    # dmin: its closest pair of any species, 1.0144 A (the C-B pair: nothing is closer), and no
    # configuration of either set below rmin 0.9
    want=$(dmin_cb "$MLIP/valid.cfg" 82 1)
    got=$(awk '!/^#/ && $1 == 1 && $2 == 82 { print $13 }' bc.txt)
    awk -v a="$want" -v b="$got" 'BEGIN { d = a - b; exit !(a > 1.014 && a < 1.015 && d < 1e-12 && d > -1e-12) }' ||
        { echo "configuration 82: closest pair $want, table $got"; false; }
    awk '!/^#/ && $13 < 0.9 { bad++ } END { exit bad }' bc.txt
}

@test "--parity draws model against label (PNG, gnuplot), with a fit or --evaluate" {
    command -v gnuplot || skip "no gnuplot"
    fpms mtp-fit -q --species C --level 6 --rcut 4 --max-iter 3 --valid valid.xyz --parity a.png \
        -o p.mtp train.xyz
    [ "$(head -c 4 a.png | od -An -c | tr -d ' ')" = "211PNG" ]
    run -0 --separate-stderr fpms mtp-fit -q --species C --init p.mtp --evaluate --parity b.png \
        train.xyz
    [ -z "$output" ] && [ "$(head -c 4 b.png | od -An -c | tr -d ' ')" = "211PNG" ]
    # a quote in a file name reaches gnuplot as text
    cp p.mtp "it's.mtp"
    fpms mtp-fit -q --species C --init "it's.mtp" --evaluate --parity q.png train.xyz
    [ "$(head -c 4 q.png | od -An -c | tr -d ' ')" = "211PNG" ]
    [ "$(ls | grep -c tmp)" -eq 0 ]
    # without gnuplot: a clear error, and nothing written
    mkdir empty
    run -1 --separate-stderr env PATH="$PWD/empty" "$FPMS_BIN/mtp-fit" --species C --init p.mtp \
        --evaluate --parity c.png --errors e.txt train.xyz
    assert_tool_error mtp-fit
    [[ "$stderr" == *"--parity: gnuplot is not on PATH"* ]]
    [ ! -e c.png ] && [ ! -e e.txt ] && [ "$(ls | grep -c tmp)" -eq 0 ]
}
