# stats_regression.sh - every config in jobs/configs/ (at the reduced size recorded in
# tests/ref/stats-digests.txt) gives /stats bit for bit equal to the reference digests,
# on 1 rank and on 3 (rank groups for the large-n config: results must not depend on them).
# The cluster-interval counters (datasets, full_rank_sq), newer than the references, and
# realizable_rows (its count depends on a work budget) must be equal on 1 and 3 ranks.
. "${top_srcdir:-.}/tests/lib.sh"

has_py_h5 || skip "python3 h5py missing"
REF="$top_srcdir/tests/ref/stats-digests.txt"
checked=0
while IFS='|' read -r cfg sets digest; do
    case $cfg in "#"* | "") continue ;; esac
    cfg=$(echo $cfg)
    digest=$(echo $digest)
    args=""
    for s in $sets; do args="$args --set $s"; done
    for np in 1 3; do
        extra=""
        [ "$np" = 3 ] && [ "$cfg" = large-n-groups.ini ] && extra="--set rank.group_size=2"
        mpirun $np "$RELUSCAPE" -q run "$top_srcdir/jobs/configs/$cfg" $args $extra -o "$WORK/$cfg.$np.h5" </dev/null
        check "$cfg on $np rank(s): run exits 0" [ $? = 0 ]
        got=$("$PYTHON3" "$top_srcdir/tests/stats_digest.py" "$WORK/$cfg.$np.h5")
        check "$cfg on $np rank(s): /stats digest $got is the reference" [ "$got" = "$digest" ]
    done
    one=$("$PYTHON3" "$top_srcdir/tests/stats_digest.py" --cluster "$WORK/$cfg.1.h5")
    three=$("$PYTHON3" "$top_srcdir/tests/stats_digest.py" --cluster "$WORK/$cfg.3.h5")
    check "$cfg: cluster counters and realizable_rows equal on 1 and 3 ranks" sh -c '[ -n "$1" ] && [ "$1" = "$2" ]' _ "$one" "$three"
    checked=$((checked + 1))
done <"$REF"
shipped=$(grep -L "^kind *=" "$top_srcdir"/jobs/configs/*.ini | wc -l) # rank configs (the default kind)
check "every shipped config has a reference ($checked of $shipped)" [ "$checked" -ge "$shipped" ]
finish
