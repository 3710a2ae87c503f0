# closest.awk FILE.xyz: the closest interatomic distance (Angstrom) over every frame of an extended
# XYZ file (positions in columns 2-4, a Lattice; periodic in all three directions), printed once.
# The nearest image by rounding fractional differences: exact for the orthorhombic cells of the
# interop sets and of md-run's NVT runs from them, whose pairs of interest (about 1 Angstrom) are
# far shorter than any cell edge.
function inv3(a, b,    d) {
    d = a[1] * (a[5] * a[9] - a[6] * a[8]) - a[2] * (a[4] * a[9] - a[6] * a[7]) + a[3] * (a[4] * a[8] - a[5] * a[7])
    b[1] = (a[5] * a[9] - a[6] * a[8]) / d; b[2] = (a[3] * a[8] - a[2] * a[9]) / d; b[3] = (a[2] * a[6] - a[3] * a[5]) / d
    b[4] = (a[6] * a[7] - a[4] * a[9]) / d; b[5] = (a[1] * a[9] - a[3] * a[7]) / d; b[6] = (a[3] * a[4] - a[1] * a[6]) / d
    b[7] = (a[4] * a[8] - a[5] * a[7]) / d; b[8] = (a[2] * a[7] - a[1] * a[8]) / d; b[9] = (a[1] * a[5] - a[2] * a[4]) / d
}
function rnd(x) { return x >= 0 ? int(x + 0.5) : -int(-x + 0.5) }
function frame(    i, j, k, d, f, c, r2) {
    inv3(L, B)
    for (i = 1; i < n; i++)
        for (j = i + 1; j <= n; j++) {
            for (k = 1; k <= 3; k++) d[k] = x[j, k] - x[i, k]
            # fractional f = d B (rows of L are the lattice vectors), rounded, back to cartesian
            for (k = 1; k <= 3; k++) { f[k] = d[1] * B[k] + d[2] * B[3 + k] + d[3] * B[6 + k]; f[k] -= rnd(f[k]) }
            r2 = 0
            for (k = 1; k <= 3; k++) { c = f[1] * L[k] + f[2] * L[3 + k] + f[3] * L[6 + k]; r2 += c * c }
            if (best == "" || r2 < best) best = r2
        }
}
state == 0 && NF == 1 && $1 ~ /^[0-9]+$/ { n = $1; state = 1; next }
state == 1 {
    if (!match($0, /Lattice="[^"]*"/)) { print "closest.awk: " FILENAME ":" FNR ": no Lattice" > "/dev/stderr"; exit 1 }
    split(substr($0, RSTART + 9, RLENGTH - 10), L, " ")
    m = 0; state = 2; next
}
state == 2 { m++; x[m, 1] = $2; x[m, 2] = $3; x[m, 3] = $4; if (m == n) { frame(); state = 0 } }
END { if (best != "") printf "%.4f\n", sqrt(best) }
