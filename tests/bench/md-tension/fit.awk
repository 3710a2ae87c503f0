# fit.awk: Young's modulus and strength from a stress-strain table of two columns,
# engineering strain and stress (GPa). E (GPa) is the least-squares slope (with intercept) of
# the rows with elo <= strain <= efit (-v elo=0.005 -v efit=0.025: past the first half percent,
# where the start of the pull still shows the equilibration's random pre-stress and ripples and
# where LAMMPS's Nose-Hoover barostat and md-run's stochastic cell rescaling differ most; see
# PROVENANCE); strength is the largest stress and epk its
# strain. Prints "E strength epk". Lines starting with '#' are skipped.
/^#/ { next }
NF >= 2 {
    e = $1; s = $2
    if (e >= elo && e <= efit) { n++; sx += e; sy += s; sxx += e * e; sxy += e * s }
    if (!seen || s > smax) { smax = s; emax = e; seen = 1 }
}
END {
    if (n < 3 || !seen) { print "fit.awk: too few rows" > "/dev/stderr"; exit 1 }
    E = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    printf "%.6g %.6g %.6g\n", E, smax, emax
}
