# awk -v want=CLASS -f candidates.awk candidates.cfg > subset.cfg
# The configurations of shared/interop/mlip/candidates.cfg of one class, by their conf_id (see
# that folder's README): indist (the training families: strain -0.04..0.20, rattle below 0.25 A;
# 40), md1500 (NVT snapshots at 1500 K; 20), strain (25-30 %; 20), rattle (0.25 A; 20).
/^BEGIN_CFG/ { buf = ""; keep = 0 }
{ buf = buf $0 "\n" }
/conf_id/ {
    # candidates_FAMILY_INDEX_MODE+EPS_rSIGMA_...
    split($3, a, "_")
    if ($3 ~ /_md1500_/)
        cls = "md1500"
    else {
        eps = a[4]; sub(/^[a-z]+/, "", eps)
        sigma = a[5]; sub(/^r/, "", sigma)
        cls = sigma + 0 >= 0.25 ? "rattle" : eps + 0 >= 0.25 ? "strain" : "indist"
    }
    keep = cls == want
}
/^END_CFG/ { if (keep) printf "%s\n", buf }
