# conf-ratio.awk MLIP.txt OURS.txt: ours against MLIP's on one test set, from the two potentials'
# `mtp-fit --evaluate --errors-by-config` tables (set 1 rows, the same configurations in order).
# Twice: over all configurations, and over those inside the training set's coverage (dmin_ratio
# >= 1 in MLIP's table: no pair closer than train.cfg's closest of its species pair), where the
# error is one of the fit and not of extrapolation.
# Then over those within the potentials' radial basis (awk -v rmin=R, Angstrom: dmin >= R, no pair
# below rmin, where the basis's polynomials leave [-1, 1] and no fit constrains them), and over
# those outside the coverage but within the basis.
# Prints: n, F RMS ratio, its 2.5 and 97.5 percentiles over 2000 paired bootstrap resamples of the
# configurations (srand(1): the same numbers for a given awk), E RMS ratio (energy per atom), its
# percentiles; then the same seven for the configurations inside; then the loss ratio inside; then
# the seven within the basis and the seven outside the coverage within the basis.
# Ratios are sqrt(sum ours / sum MLIP) of squared errors over the same atoms or configurations.
function col(name) { return idx[name] }
FNR == 1 { f++; c = 0 }
/^# +set / {
    for (i = 2; i <= NF; i++) { h = $i; sub(/\[.*/, "", h); idx[h] = i - 1 }
    next
}
/^#/ { next }
$1 == 1 {
    c++
    fsq = $(col("f_rms")) ^ 2 * 3 * $(col("natoms")); esq = $(col("de")) ^ 2
    if (f == 1) {
        mf[c] = fsq; me[c] = esq; ml[c] = $(col("loss")); in_[c] = $(col("dmin_ratio")) >= 1
        dom[c] = $(col("dmin")) >= rmin
    }
    else { of[c] = fsq; oe[c] = esq; ol[c] = $(col("loss")) }
}
function sort(a, n,    i, j, v) {
    for (i = 2; i <= n; i++) {
        v = a[i]
        for (j = i - 1; j > 0 && a[j] > v; j--) a[j + 1] = a[j]
        a[j + 1] = v
    }
}
# ratios over the configurations k[1..n]: sets R (F), Q (E) to the point values, rf[], re[] the
# resamples
function ratios(n,    b, i, j, a, m, x, y) {
    a = m = x = y = 0
    for (i = 1; i <= n; i++) { a += of[k[i]]; m += mf[k[i]]; x += oe[k[i]]; y += me[k[i]] }
    R = sqrt(a / m); Q = sqrt(x / y)
    for (b = 1; b <= B; b++) {
        a = m = x = y = 0
        for (i = 1; i <= n; i++) {
            j = k[int(rand() * n) + 1]
            a += of[j]; m += mf[j]; x += oe[j]; y += me[j]
        }
        rf[b] = sqrt(a / m); re[b] = sqrt(x / y)
    }
    sort(rf, B); sort(re, B)
    return sprintf("%d %.4f %.4f %.4f %.4f %.4f %.4f", n, R, rf[int(0.025 * B) + 1], rf[int(0.975 * B)],
        Q, re[int(0.025 * B) + 1], re[int(0.975 * B)])
}
END {
    B = 2000
    srand(1)
    for (i = 1; i <= c; i++) k[i] = i
    all = ratios(c)
    n = 0
    for (i = 1; i <= c; i++) if (in_[i]) { k[++n] = i; lo += ol[i]; lm += ml[i] }
    inside = ratios(n)
    n = 0
    for (i = 1; i <= c; i++) if (dom[i]) k[++n] = i
    within = ratios(n)
    n = 0
    for (i = 1; i <= c; i++) if (dom[i] && !in_[i]) k[++n] = i
    printf "%s %s %.4f %s %s\n", all, inside, lo / lm, within, ratios(n)
}
