# rank_engine.sh - a dataset on which float64 ranks are wrong: two inputs 2^-52 apart.
# Exactly, the two Jacobian rows a (x) (x, 1) and a (x) (x + 2^-52, 1) are independent, so
# rank J = n whenever no zero or crowded column intervenes; their difference is below the
# SVD rule's tolerance, so svd reports n - 1.  exact and auto must report the true rank,
# and with rank.verify = 1 the svd run must show its disagreements in /stats and report.
. "${top_srcdir:-.}/tests/lib.sh"
has_py_h5 || skip "python3 with h5py is needed to write the dataset"

"$PYTHON3" - "$WORK" <<'PY'
import sys, h5py, numpy as np
x = np.array([[0.25], [0.25 + 2.0 ** -52], [0.75]])
assert x[1, 0] - x[0, 0] == 2.0 ** -52
with h5py.File(sys.argv[1] + "/close.h5", "w") as f:
    f["X"] = x
with h5py.File(sys.argv[1] + "/close4.h5", "w") as f:  # and a point 0.5: subsets without the pair
    f["X"] = np.vstack([x, [[0.5]]])
PY
cat >"$WORK/close.ini" <<INI
[grid]
d0 = 1
d1 = 20
n = 3
[sweep]
trials = 200
[data]
law = file
file = $WORK/close.h5
[pattern]
sampler = init
[rank]
verify = 1
INI
for m in svd qrcp gram exact auto; do
    mpirun 2 "$RELUSCAPE" -q run "$WORK/close.ini" --set rank.method=$m -o "$WORK/$m.h5"
    check "rank.method = $m runs" [ $? = 0 ]
done
count() { "$PYTHON3" -c "import h5py, sys; print(int(h5py.File(sys.argv[1])['stats/' + sys.argv[2]][()].sum()))" "$@"; }
full_svd=$(count "$WORK/svd.h5" full_rank)
full_exact=$(count "$WORK/exact.h5" full_rank)
full_auto=$(count "$WORK/auto.h5" full_rank)
zero_exact=$(count "$WORK/exact.h5" zero_column)
crowded_exact=$(count "$WORK/exact.h5" crowded_column)
echo "full rank of 200: svd $full_svd, exact $full_exact, auto $full_auto (zero $zero_exact, crowded $crowded_exact)"
# three 1-D points: rank 3 unless a point activates nothing or all three share a cell
check "exact: no trial has a zero column here" [ "$zero_exact" = 0 ]
check "exact: full rank exactly when no crowded column forbids it ($full_exact = 200 - $crowded_exact)" \
    [ "$full_exact" = $((200 - crowded_exact)) ]
check "exact: most trials are full rank" [ "$full_exact" -gt 100 ]
check "auto agrees with exact" [ "$full_auto" = "$full_exact" ]
check "svd misses the rank on these trials" [ "$full_svd" -lt "$full_exact" ]
dis=$(count "$WORK/svd.h5" verify_disagree)
ver=$(count "$WORK/svd.h5" verified)
check "verify = 1 ranks every trial exactly too ($ver)" [ "$ver" = 200 ]
check "svd's disagreements are counted ($dis = $full_exact - $full_svd)" [ "$dis" = $((full_exact - full_svd)) ]
check "exact verifies nothing against itself" [ "$(count "$WORK/exact.h5" verified)" = 0 ]
# merge and resume on a file where every counter is non-zero: 3 of 4 points drawn per
# trial (the close pair and 0.75, 0.5), so some trials are certified full rank and others
# hold the pair the svd misses; a width-3 cell adds zero columns (a point that activates
# none of 3 neurons) to the crowded ones
every_counter() { "$PYTHON3" -c "import h5py, sys; s = h5py.File(sys.argv[1])['stats']; z = [k for k in s if s[k].dtype.kind == 'i' and k not in ('d0', 'd1', 'n', 'deficit') and s[k][()].sum() == 0]; print('zero:', z); sys.exit(1 if z else 0)" "$1"; }
mpirun 1 "$RELUSCAPE" -q run "$WORK/close.ini" --set rank.method=svd --set grid.d1=3,20 --set data.file=$WORK/close4.h5 -o "$WORK/all.h5"
check "every counter of the svd run with verify = 1 is non-zero" every_counter "$WORK/all.h5"
for i in 0 1 2; do
    mpirun 2 "$RELUSCAPE" -q run "$WORK/close.ini" --set rank.method=svd --set grid.d1=3,20 --set data.file=$WORK/close4.h5 --shard $i/3 -o "$WORK/all_$i.h5" ||
        bad "shard $i/3"
done
mpirun 1 "$RELUSCAPE" -q merge -o "$WORK/all_merged.h5" "$WORK/all_0.h5" "$WORK/all_1.h5" "$WORK/all_2.h5"
check "every counter non-zero: 3 shards merged equal the whole run" "$H5DIFF" -q "$WORK/all.h5" "$WORK/all_merged.h5" /stats /stats
# 10^6 trials: about a second on 2 ranks, so a checkpoint every 0.1 s and the signal after
# the first come well before the end (at 10^5 the run could end first)
long="--set rank.method=svd --set grid.d1=3,20 --set data.file=$WORK/close4.h5 --set sweep.trials=500000 --set output.checkpoint=0.1 --set output.progress=0"
mpirun 1 "$RELUSCAPE" -q run "$WORK/close.ini" $long -o "$WORK/long_ref.h5"
check "every counter of the long run is non-zero" every_counter "$WORK/long_ref.h5"
mpirun 2 "$RELUSCAPE" -q run "$WORK/close.ini" $long -o "$WORK/long.h5" &
usr1_after_checkpoint $! "$WORK/long.h5.ckpt" "libs/(lt-)?reluscape -q run $WORK/close.ini .*-o $WORK/long.h5"
check "every counter non-zero: SIGUSR1 checkpoints (exit 3)" [ $? = 3 ]
mpirun 2 "$RELUSCAPE" -q run "$WORK/close.ini" $long -o "$WORK/long.h5" --resume
check "every counter non-zero: the resumed run equals the uninterrupted one" \
    "$H5DIFF" -q "$WORK/long_ref.h5" "$WORK/long.h5" /stats /stats

"$RELUSCAPE" report "$WORK/svd.h5" >"$WORK/report.out" 2>&1
check "report shows the disagreements" grep -q "verification .*200 trials also ranked exactly: $dis disagreements" "$WORK/report.out"
check "report names the cell" grep -q "d0=1 d1=20 n=3: $dis of 200 verified trials" "$WORK/report.out"
finish
