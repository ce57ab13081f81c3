# submit_sweep.sh - jobs/submit-sweep.sh without a cluster: stand-ins for sbatch, squeue
# and scancel record what the script asks for.  Checks which sbatch arguments reach the
# parts and which the merge (placement options and --merge-opt only), the throttle, that
# an --array of the user's is honoured or refused but never replaced, the checks before
# anything is queued (bad config 2, reluscape that cannot start 4, existing output 2), and
# --resubmit-failed: only the parts without a part file, RELUSCAPE_SHARDS set, the old
# merge cancelled, a new merge after the new array.  (tests/slurm.sh runs the same on a
# real private cluster.)
. "${top_srcdir:-.}/tests/lib.sh"
SUBMIT=$top_srcdir/jobs/submit-sweep.sh
BIN=$WORK/bin
mkdir -p "$BIN"
# sbatch: its arguments one per line (and RELUSCAPE_SHARDS) in $WORK/sbatch.<k>; job ids 100, 101, ...
cat >"$BIN/sbatch" <<'SH'
#!/bin/sh
k=$(ls "$STUB"/sbatch.* 2>/dev/null | wc -l)
{ echo "RELUSCAPE_SHARDS=${RELUSCAPE_SHARDS:-}"; for a in "$@"; do echo "$a"; done; } >"$STUB/sbatch.$k"
echo "$((100 + k));cluster"
SH
cat >"$BIN/squeue" <<'SH'
#!/bin/sh
cat "$STUB/queue" 2>/dev/null
SH
cat >"$BIN/scancel" <<'SH'
#!/bin/sh
echo "$@" >>"$STUB/scancel"
SH
chmod +x "$BIN"/*
export PATH="$BIN:$PATH" STUB=$WORK/stub RELUSCAPE
mkdir -p "$STUB"
reset() { rm -f "$STUB"/*; }
calls() { ls "$STUB"/sbatch.* 2>/dev/null | wc -l; }
has() { grep -qxF -- "$2" "$STUB/sbatch.$1"; }      # sbatch call $1 had argument $2
hasnt() { ! grep -qxF -- "$2" "$STUB/sbatch.$1"; }
cat >"$WORK/c.ini" <<'INI'
[grid]
d0 = 1
d1 = 4
n = 3, 5
[sweep]
trials = 8
INI
cd "$WORK" || exit 1

sh "$SUBMIT" --merge-opt=--time=00:10:00 c.ini 3 out.h5 --ntasks=2 -p debug -o 'log-%A_%a.out' --mail-type=END \
    -- --set sweep.seed=3 >"$WORK/submit.out" 2>&1
check "submit: exit 0" [ $? = 0 ]
check "submit: prints the array and merge ids" grep -qx "array 100" "$WORK/submit.out"
check "submit: ... merge 101" grep -qx "merge 101" "$WORK/submit.out"
check "submit: two sbatch calls" [ "$(calls)" = 2 ]
check "parts: --array=0-2" has 0 --array=0-2
check "parts: RELUSCAPE_SHARDS=3" has 0 RELUSCAPE_SHARDS=3
check "parts: --ntasks=2" has 0 --ntasks=2
check "parts: -o log-%A_%a.out" has 0 log-%A_%a.out
check "parts: the config by its absolute path" has 0 "$WORK/c.ini"
check "parts: OUT by its absolute path" has 0 "$WORK/out.h5"
check "parts: the run options" has 0 sweep.seed=3
check "parts: not the merge's --time" hasnt 0 --time=00:10:00
check "merge: one task" has 1 --ntasks=1
check "merge: not the parts' --ntasks=2" hasnt 1 --ntasks=2
check "merge: not the parts' -o" hasnt 1 log-%A_%a.out
check "merge: not an array" sh -c "! grep -q -- '^--array' '$STUB/sbatch.1'"
check "merge: the placement option -p debug" has 1 debug
check "merge: --mail-type=END" has 1 --mail-type=END
check "merge: --merge-opt's --time" has 1 --time=00:10:00
check "merge: after every part succeeded" has 1 --dependency=afterok:100
check "merge: all three parts" has 1 "$WORK/out.part-2-of-3.h5"
check "submit: the record OUT.submit" grep -q "array_job=100 merge_job=101" "$WORK/out.submit"

reset
sh "$SUBMIT" --throttle 2 c.ini 3 t.h5 >/dev/null 2>&1
check "--throttle 2: --array=0-2%2" has 0 --array=0-2%2
reset
sh "$SUBMIT" c.ini 3 u.h5 --array=0-2%1 >/dev/null 2>&1
check "the user's --array=0-2%1 is kept" has 0 --array=0-2%1
check "... and given once" [ "$(grep -c -- '^--array' "$STUB/sbatch.0")" = 1 ]
reset
sh "$SUBMIT" c.ini 3 v.h5 --array=0-7 >"$WORK/err" 2>&1
check "--array=0-7 for 3 parts: exit 2" [ $? = 2 ]
check "... saying why" grep -q "does not fit 3 parts: the array is always 0-2" "$WORK/err"
check "... nothing queued" [ "$(calls)" = 0 ]
sh "$SUBMIT" --throttle 0 c.ini 3 v.h5 >/dev/null 2>&1
check "--throttle 0: exit 2" [ $? = 2 ]
sh "$SUBMIT" c.ini 3 v.h5 -- --set grid.n=0 >"$WORK/err" 2>&1
check "a bad run option: exit 2" [ $? = 2 ]
check "... with run's message" grep -q "grid.n" "$WORK/err"
check "... nothing queued" [ "$(calls)" = 0 ]
RELUSCAPE=$WORK/nowhere sh "$SUBMIT" c.ini 3 v.h5 >"$WORK/err" 2>&1
check "reluscape cannot start: exit 4" [ $? = 4 ]
check "... nothing queued" [ "$(calls)" = 0 ]
touch "$WORK/exists.h5"
sh "$SUBMIT" c.ini 3 exists.h5 >/dev/null 2>&1
check "an existing OUT.h5: exit 2" [ $? = 2 ]

# --- --resubmit-failed: parts 0 and 2 exist, part 1 failed
reset
touch "$WORK/out.part-0-of-3.h5" "$WORK/out.part-2-of-3.h5"
echo "100_1" >"$STUB/queue"
sh "$SUBMIT" --resubmit-failed out.h5 >"$WORK/err" 2>&1
check "resubmit while the array still runs: exit 2" [ $? = 2 ]
check "... nothing queued" [ "$(calls)" = 0 ]
rm -f "$STUB/queue"
sh "$SUBMIT" --resubmit-failed out.h5 >"$WORK/resubmit.out" 2>&1
check "resubmit: exit 0" [ $? = 0 ]
check "resubmit: says which parts" grep -q "resubmitting parts 1 of 3 (array 100); cancelled merge 101" "$WORK/resubmit.out"
check "resubmit: cancels the old merge" grep -qx 101 "$STUB/scancel"
check "resubmit: part 1 only" has 0 --array=1
check "resubmit: RELUSCAPE_SHARDS=3" has 0 RELUSCAPE_SHARDS=3
check "resubmit: the first submission's part options" has 0 --ntasks=2
check "resubmit: ... and run options" has 0 sweep.seed=3
check "resubmit: a new merge after the new array" has 1 --dependency=afterok:100
check "resubmit: ... with the merge options" has 1 --time=00:10:00
check "resubmit: ... of all three parts" has 1 "$WORK/out.part-0-of-3.h5"
touch "$WORK/out.part-1-of-3.h5"
sh "$SUBMIT" --resubmit-failed out.h5 >"$WORK/err" 2>&1
check "resubmit with every part present: exit 2" [ $? = 2 ]
sh "$SUBMIT" --resubmit-failed nothing.h5 >"$WORK/err" 2>&1
check "resubmit without a record: exit 2" [ $? = 2 ]
check "... naming the record" grep -q "no record '.*nothing.submit'" "$WORK/err"
finish
