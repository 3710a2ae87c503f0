# stats.awk: mean and sample standard deviation of column c (-v c=N) over the lines read.
/^#/ { next }
{ n++; s += $c; ss += $c * $c }
END {
    m = s / n; v = n > 1 ? (ss - n * m * m) / (n - 1) : 0
    printf "%.6g %.6g\n", m, (v > 0 ? sqrt(v) : 0)
}
