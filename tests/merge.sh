# merge.sh - `reluscape merge` of job-array parts (run --shard i/N) gives /stats identical
# to one run of the whole config, under mpiexec and alone; every refusal (mismatched
# config, missing or overlapping shards, an incomplete part, an existing output) exits 2
# with a message naming the file and creates nothing; bad --shard specs of `run` exit 2.
. "${top_srcdir:-.}/tests/lib.sh"

[ -x "$RELUSCAPE" ] || skip "$RELUSCAPE not built"
command -v "$H5DIFF" >/dev/null 2>&1 || skip "$H5DIFF not found"

cat >"$WORK/base.ini" <<'INI'
[grid]
d0 = 1, 3
d1 = 2:8:3
n = 6, 11, 17
[sweep]
trials = 20
patterns_per_dataset = 4
seed = 20261128
INI
# the test works in $WORK so that messages and merged_parts carry short names
RELUSCAPE=$(cd "$(dirname "$RELUSCAPE")" && pwd)/$(basename "$RELUSCAPE")
cd "$WORK" || exit 1

# same_stats A B: the /stats groups are equal, array for array
same_stats() { "$H5DIFF" -q "$1" "$2" /stats /stats; }

mpirun 1 "$RELUSCAPE" -q run base.ini -o whole.h5 || bad "single run failed"

# ---- 3 shards, run on 1, 2 and 3 ranks
for i in 0 1 2; do
    mpirun $((i + 1)) "$RELUSCAPE" -q run base.ini --shard $i/3 -o part3_$i.h5 ||
        bad "shard $i/3 on $((i + 1)) ranks: run failed"
done
check "a single shard differs from the whole run (the comparisons can fail)" \
    h5_differ whole.h5 part3_0.h5 /stats/trials

mpirun 1 "$RELUSCAPE" -q merge -o merged3.h5 part3_0.h5 part3_1.h5 part3_2.h5
check "merge of 3 shards alone: exit 0" [ $? = 0 ]
check "merge of 3 shards alone: /stats identical to the single run" same_stats whole.h5 merged3.h5
mpirun 2 "$RELUSCAPE" -q merge -o merged3_np2.h5 part3_2.h5 part3_0.h5 part3_1.h5
check "merge of 3 shards (any order) on 2 ranks: exit 0" [ $? = 0 ]
check "merge of 3 shards on 2 ranks: /stats identical to the single run" same_stats whole.h5 merged3_np2.h5
check "no scratch files left behind" all_absent merged3.h5.partial merged3_np2.h5.partial

# ---- 4 shards (each on 2 ranks), merged on 3 ranks
for i in 0 1 2 3; do
    mpirun 2 "$RELUSCAPE" -q run base.ini --shard $i/4 -o part4_$i.h5 || bad "shard $i/4: run failed"
done
mpirun 3 "$RELUSCAPE" -q merge -o merged4.h5 part4_0.h5 part4_1.h5 part4_2.h5 part4_3.h5
check "merge of 4 shards on 3 ranks: exit 0" [ $? = 0 ]
check "merge of 4 shards: /stats identical to the single run" same_stats whole.h5 merged4.h5

# ---- a whole-run file alone is copied
mpirun 1 "$RELUSCAPE" -q merge -o copy.h5 whole.h5
check "merge of one whole run: exit 0" [ $? = 0 ]
check "merge of one whole run: /stats identical" same_stats whole.h5 copy.h5

# ---- the merged file is a normal result file
"$RELUSCAPE" report merged3.h5 >report.out 2>report.err
check "report of the merged file: exit 0" [ $? = 0 ]
check "report of the merged file: all trials present" grep -q "trials       360 in 18 cells" report.out
check "report of the merged file: no warning" [ ! -s report.err ]
if has_py_h5; then
    "$PYTHON3" - merged3_np2.h5 >attrs.out 2>&1 <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    a = f.attrs
    parts = [p.decode() if isinstance(p, bytes) else p for p in a["merged_parts"]]
    assert parts == ["part3_0.h5", "part3_1.h5", "part3_2.h5"], parts
    assert a["complete"] == 1 and a["shard_index"] == 0 and a["shard_count"] == 1, dict(a)
    assert a["ranks"] == 2, a["ranks"]
    assert "--shard" not in a["command_line"] and "merge" in a["command_line"], a["command_line"]
    run = f["run"]
    assert run["busy_cpu_seconds"].shape == (6,) and run["trials_done"][:].sum() == 360
    assert run.attrs["imbalance"] >= 1.0
PY
    check "merged attributes: merged_parts in shard order, shard 0/1, ranks, /run of 1+2+3 ranks" [ $? = 0 ]
else
    echo "# no h5py: attribute checks skipped"
fi

# ---- refusals: exit 2, the message names the file, no output (or scratch) created
# refuse NAME REGEX OUT ARGS...
refuse() {
    name=$1 want=$2 out=$3
    shift 3
    for np in 1 2; do
        rm -f "$out" "$out.merge" "$out.merge.partial"
        mpirun $np "$RELUSCAPE" merge -o "$out" "$@" >refuse.out 2>refuse.err
        rc=$?
        check "$name ($np ranks): exit 2 (got $rc)" [ "$rc" = 2 ]
        check "$name ($np ranks): message matches '$want'" grep -Eq -e "$want" refuse.err
        check "$name ($np ranks): one message" [ "$(grep -c 'error:' refuse.err)" = 1 ]
        check "$name ($np ranks): no output created" \
            [ ! -e "$out" ] && [ ! -e "$out.merge" ] && [ ! -e "$out.merge.partial" ]
    done
}

mpirun 2 "$RELUSCAPE" -q run base.ini --shard 1/3 --set sweep.seed=9 -o seed9_1.h5 || bad "seed 9 shard: run failed"
refuse "mismatched config" "'part3_0.h5' and 'seed9_1.h5' come from different configurations.*seed = 20261128.*seed = 9" \
    out.h5 part3_0.h5 seed9_1.h5 part3_2.h5
refuse "missing shard" "shard 1 of 0..2 missing.*part3_0.h5" out.h5 part3_0.h5 part3_2.h5
refuse "missing shards listed" "shards 0, 2-3 of 0..3 missing" out.h5 part4_1.h5
refuse "same part twice" "overlapping parts: 'part3_1.h5' .*given twice" out.h5 part3_0.h5 part3_1.h5 part3_1.h5 part3_2.h5
cp part3_1.h5 copy3_1.h5
refuse "a copy of a part" "overlapping parts: 'part3_1.h5' and 'copy3_1.h5' are both shard 1/3" \
    out.h5 part3_0.h5 part3_1.h5 copy3_1.h5 part3_2.h5
refuse "parts of another job array" "'part3_0.h5' is shard 0/3, 'part4_1.h5' is shard 1/4" \
    out.h5 part3_0.h5 part4_1.h5 part3_2.h5
refuse "whole run mixed with parts" "'whole.h5' is a whole run" out.h5 part3_0.h5 whole.h5
refuse "unreadable part" "'nosuch.h5': cannot read" out.h5 part3_0.h5 nosuch.h5
refuse "not an HDF5 file" "'base.ini': not an HDF5 file" out.h5 base.ini
refuse "no parts" "no part files given" out.h5
if has_py_h5; then
    cp part3_2.h5 unfinished_2.h5
    "$PYTHON3" -c 'import sys, h5py; h5py.File(sys.argv[1], "r+").attrs["complete"] = 0' unfinished_2.h5
    refuse "incomplete part" "'unfinished_2.h5': incomplete part.*--resume" out.h5 part3_0.h5 part3_1.h5 unfinished_2.h5
    cp part3_0.h5 future.h5
    "$PYTHON3" -c 'import sys, h5py; h5py.File(sys.argv[1], "r+").attrs["schema_version"] = 99' future.h5
    refuse "newer schema" "'future.h5': schema_version 99 is newer" out.h5 future.h5 part3_1.h5 part3_2.h5
    cp part3_0.h5 foreign.h5
    "$PYTHON3" -c 'import sys, h5py; h5py.File(sys.argv[1], "r+").attrs["schema"] = "other"' foreign.h5
    refuse "not a reluscape file" "'foreign.h5': not a reluscape result file" out.h5 foreign.h5 part3_1.h5 part3_2.h5
else
    echo "# no h5py: incomplete-part and schema refusals skipped"
fi

# an existing output: refused without --force (and left alone), replaced with it
cp part3_0.h5 exists.h5
cksum exists.h5 >before.sum
for np in 1 2; do
    mpirun $np "$RELUSCAPE" merge -o exists.h5 part3_0.h5 part3_1.h5 part3_2.h5 >refuse.out 2>refuse.err
    rc=$?
    check "existing output ($np ranks): exit 2 (got $rc)" [ "$rc" = 2 ]
    check "existing output ($np ranks): message names it" grep -q "output 'exists.h5' exists: use --force" refuse.err
    check "existing output ($np ranks): left unchanged" sh -c 'cksum exists.h5 | cmp -s - before.sum'
done
mpirun 2 "$RELUSCAPE" -q merge --force -o exists.h5 part3_0.h5 part3_1.h5 part3_2.h5
check "existing output with --force: exit 0" [ $? = 0 ]
check "existing output with --force: replaced by the merge" same_stats whole.h5 exists.h5

# ---- a damaged result (a negative count): merge and report refuse it
cp part3_1.h5 neg.h5
"$PYTHON3" -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); f['stats/trials'][0, 0, 0] = -3" neg.h5
rc=$(run_rs neg.out neg.err merge -o neg_merged.h5 part3_0.h5 neg.h5 part3_2.h5)
check "merge of a part with a negative count: exit 2 (got $rc)" [ "$rc" = 2 ]
check "merge of a part with a negative count: says damaged" grep -q "negative count.*damaged part" neg.err
check "merge of a damaged part: no output" all_absent neg_merged.h5
rc=$(run_rs neg.out neg.err report neg.h5)
check "report of a file with a negative count: exit 2 (got $rc)" [ "$rc" = 2 ]
check "report of a file with a negative count: says damaged" grep -q "damaged statistics" neg.err

# ---- bad --shard specs of run
for spec in 3/3 -1/2 x 1/0 1/ 2/2 0/99999999999999999999 0/2000000000; do
    rc=$(run_rs shard.out shard.err run base.ini --shard "$spec" -o badshard.h5)
    check "run --shard '$spec': exit 2 (got $rc)" [ "$rc" = 2 ]
    check "run --shard '$spec': message" grep -q -e "--shard takes i/N with 0 <= i < N.*got '$spec'" shard.err
    check "run --shard '$spec': no output" all_absent badshard.h5 badshard.h5.partial
done
finish
