#!/bin/sh
# Benchmark: mtp-fit against MLIP-2's `mlp train` on the same Tersoff training set, level and
# weights (MLIP's defaults), levels 06, 10 and 16: validation RMSE of energy per atom and forces
# (MLIP's figures: errors_valid_LL.txt) and training time (MLIP's: train_LL.time, one core,
# measured on the 2-vCPU VM that runs this). Prints ratios ours/MLIP (< 1 is better).
#   make bench    (or: FPMS_BIN=bin FPMS_ROOT=$PWD sh tests/bench/mtp-fit.sh)
# MTP_FIT_LEVELS lists the levels (default "06 10 16"); MTP_FIT_SEED the --seed (1).
#
# The number of iterations is chosen by early stopping on the training data alone: 10 % of
# train.cfg (30 configurations, --seed) is held out, the fit stops when the held-out loss has not
# improved for 20 iterations (--max-iter 1000 is only a bound) and the potential of the best
# held-out iteration is written. valid.cfg plays no part in the fit or in the stop. (Before
# 2026-11-25 the runs were "06:200 10:130 16:40" iterations, picked where the validation errors
# were low: tuned on the validation set, and the validation force error is not monotone in the
# iterations, e.g. at level 10 0.932 eV/A at 130 and 1.029 once converged.)
#
# Measured with these defaults, OMP_NUM_THREADS=1, nice, 2026-11-25 (machine shared with other
# jobs: wall is CPU stretched by the load); ratios ours/MLIP, valid E / valid F / wall / CPU, and
# the best held-out iteration:
#   seed 1: 06: 0.637 / 1.069 / 0.041 / 0.035 (12);  10: 0.785 / 0.974 / 0.039 / 0.026 (28);
#           16: 0.555 / 0.838 / 0.461 / 0.224 (49; 130 s CPU, 272 s wall on the loaded machine).
#   seed 2: 06: 0.765 / 1.039 / 0.088 / 0.033 (11);  10: 0.766 / 1.038 / 0.054 / 0.045 (70).
#   seed 3: 06: 1.138 / 1.026 / 0.516 / 0.483 (462); 10: 0.782 / 1.039 / 0.279 / 0.109 (187).
# So with early stopping: CPU time below half MLIP's in every run (0.026-0.483; level 6 seed 3
# runs 482 iterations, wall 0.516 on the loaded machine); energy below MLIP's except 06 seed 3;
# force below MLIP's at level 16 and at level 10 for seed 1, 3-7 % above it otherwise at levels
# 6 and 10. The held-out set (30 configurations, heavy-tailed forces) is a noisy judge of the
# validation force error, and the fit sees 270 of the 300 configurations. Tried, seeds 1-3:
# --holdout 0.2: F ratios 1.013 / 1.023 / 1.015 at 06, 1.044 / 1.054 / 1.099 at 10;
# --refit (all 300 again for the best count): F 1.052 / 1.040 / 1.004 at 06, 1.028 / 1.001 /
# 1.043 at 10; a last linear re-solve on all 300 changed F by < 0.5 %. None is a consistent
# gain, so the bench keeps --holdout 0.1 --patience 20 (chosen before measuring).
set -e
MLIP=${FPMS_ROOT:-.}/../shared/interop/mlip
if [ ! -f "$MLIP/train.cfg" ]; then
    echo "bench mtp-fit: $MLIP absent: skipped"
    exit 0
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# rms SECTION FILE: the RMS line of a section of MLIP's error report
rms() { awk -v s="$1" 'index($0, s) == 1 { p = 1 } p && /RMS/ { print $NF; exit }' "$2"; }
# col ROW NAME FILE: a column of mtp-fit's --errors table
col() {
    awk -v r="$1" -v n="$2" '/^#/ { if ($2 == "set") for (i = 2; i <= NF; i++) { c = $i; sub(/\[.*/, "", c); idx[c] = i - 1 } next }
        { if (k++ == r) print $(idx[n]) }' "$3"
}
for lev in ${MTP_FIT_LEVELS:-06 10 16}; do
    seed=${MTP_FIT_SEED:-1}
    t0=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$dir/cpu" "$FPMS_BIN/mtp-fit" -q --species C,B --level "$lev" \
        --rmin 0.9 --rcut 5 --max-iter 1000 --tol 0 \
        --holdout 0.1 --patience 20 --seed "$seed" --valid "$MLIP/valid.cfg" --errors "$dir/e$lev" \
        -o "$dir/pot_$lev.mtp" "$MLIP/train.cfg"
    t1=$(date +%s.%N)
    wall=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
    cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$dir/cpu")
    me=$(rms "Energy per atom" "$MLIP/errors_valid_$lev.txt")
    mf=$(rms "Forces" "$MLIP/errors_valid_$lev.txt")
    mw=$(awk '/Elapsed/ { n = split($NF, a, ":"); s = 0; for (i = 1; i <= n; i++) s = 60 * s + a[i]; print s }' "$MLIP/train_$lev.time")
    mc=$(awk '/User time/ { u = $NF } /System time/ { s = $NF } END { print u + s }' "$MLIP/train_$lev.time")
    iter=$(awk '/^# best_iter = / { print $4 }' "$dir/e$lev")
    oe=$(col 1 e_rms "$dir/e$lev")
    of=$(col 1 f_rms "$dir/e$lev")
    echo "$lev $iter $oe $me $of $mf $wall $mw $cpu $mc" | awk '{
        printf "bench mtp-fit: level %s (best held-out iteration %d, seed %s, OMP_NUM_THREADS=%s): valid E RMS %.2f meV/atom (MLIP %.2f, ratio %.3f), F RMS %.4f eV/A (MLIP %.4f, ratio %.3f), wall %.1f s (MLIP %.1f s, ratio %.3f), CPU %.1f s (MLIP %.1f s, ratio %.3f)\n",
            $1, $2, ENVIRON["MTP_FIT_SEED"] ? ENVIRON["MTP_FIT_SEED"] : 1, ENVIRON["OMP_NUM_THREADS"] ? ENVIRON["OMP_NUM_THREADS"] : "all",
            1000 * $3, 1000 * $4, $3 / $4, $5, $6, $5 / $6, $7, $8, $7 / $8, $9, $10, $9 / $10 }'
done
