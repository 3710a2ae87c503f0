# force-ratio.awk REF.cfg MLIP.cfg OURS.cfg: the validation force RMS of ours against MLIP's, with
# the spread that the choice of validation configurations alone gives.
#   REF: the labelled set; MLIP, OURS: the same configurations with each potential's forces (MLIP's
#   calc-efs; mtp_efs). fx fy fz are the last three AtomData columns, atoms matched by id.
# Prints: ratio, its 2.5 and 97.5 percentiles over 2000 paired bootstrap resamples of the
# configurations (srand(1): the same numbers for a given awk), the configuration (from 1) that
# holds the largest share of MLIP's squared force error, that share, and the ratio without it.
# The ratio is sqrt(sum ours |dF|^2 / sum MLIP |dF|^2): both RMS run over the same atoms.
FNR == 1 { f++; c = 0 }
/BEGIN_CFG/ { c++; inatoms = 0; next }
/AtomData/ { inatoms = 1; next }
inatoms && NF >= 8 && $1 ~ /^[0-9]+$/ {
    k = c SUBSEP $1
    if (f == 1) { rx[k] = $(NF - 2); ry[k] = $(NF - 1); rz[k] = $NF; next }
    d = ($(NF - 2) - rx[k]) ^ 2 + ($(NF - 1) - ry[k]) ^ 2 + ($NF - rz[k]) ^ 2
    if (f == 2) sm[c] += d; else so[c] += d
    next
}
{ inatoms = 0 }
END {
    n = c; B = 2000
    srand(1)
    for (i = 1; i <= n; i++) {
        tm += sm[i]; to += so[i]
        if (sm[i] > big) { big = sm[i]; ib = i }
    }
    for (b = 1; b <= B; b++) {
        a = 0; m = 0
        for (i = 1; i <= n; i++) { j = int(rand() * n) + 1; a += so[j]; m += sm[j] }
        r[b] = sqrt(a / m)
    }
    for (i = 2; i <= B; i++) { # insertion sort
        v = r[i]
        for (j = i - 1; j > 0 && r[j] > v; j--) r[j + 1] = r[j]
        r[j + 1] = v
    }
    printf "%.3f %.3f %.3f %d %.2f %.3f\n", sqrt(to / tm), r[int(0.025 * B) + 1], r[int(0.975 * B)],
        ib, sm[ib] / tm, sqrt((to - so[ib]) / (tm - sm[ib]))
}
