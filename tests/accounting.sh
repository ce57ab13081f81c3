# accounting.sh - the cost of a run over all its starts (what a requeued SLURM job does,
# without SLURM): a run stopped twice by SIGUSR1 (what --signal=B:USR1 sends) and resumed
# on 1, then 2, then 1 rank records three starts in its checkpoint and result file
# (/run/start_*: ranks, trials, how each ended), restarts = 2, totals equal to the sums
# of the starts, and the trials of the starts add up to cells x trials per cell; report
# and the "wrote" line say so; a format-2 checkpoint (no accounting) is still resumed, a
# format-4 one is refused; merge sums the parts' starts.
. "${top_srcdir:-.}/tests/lib.sh"
has_py_h5 || skip "needs python3 with h5py and numpy"

# the rank processes only (the libtool-built binary), never mpiexec
ranks_of() { echo "libs/(lt-)?reluscape -q run $WORK/acc.ini -o $1( |\$)"; }
# 4 x 6 x 6 = 144 cells of 600 trials: 86400 trials (about 6 s on one core)
cat >"$WORK/acc.ini" <<'INI'
[grid]
d0 = 1, 2, 3, 5
n  = 20:120:20
d1 = 40:240:40
[sweep]
trials = 600
seed = 5
[output]
progress = 0
checkpoint = 0.3
INI
TOTAL=86400
mpirun 1 "$RELUSCAPE" -q run "$WORK/acc.ini" -o "$WORK/ref.h5"
check "reference run" [ $? = 0 ]

out=$WORK/acc.h5
# stop START RANKS: run with --resume on RANKS ranks, USR1 once it checkpointed; the exit code
stop() {
    rm -f "$out.ckpt.seen"
    mpirun "$2" "$RELUSCAPE" -q run "$WORK/acc.ini" -o "$out" --resume &
    local pid=$!
    # wait for a checkpoint newer than the one this start resumed from
    for i in $(seq 200); do
        [ -f "$out.ckpt" ] && [ "$(stat -c %Y.%s "$out.ckpt" 2>/dev/null)" != "$1" ] && break
        sleep 0.1
    done
    pkill -USR1 -f "$(ranks_of "$out")"
    wait $pid
}
stop none 1
rc=$?
check "start 1: SIGUSR1 ends it with exit 3 (got $rc)" [ $rc = 3 ]
ck() { "$PYTHON3" -c "import h5py, numpy as np, sys; c = h5py.File(sys.argv[1]); s = c['starts'][()]; sys.exit(not ($1))" "$out.ckpt"; }
check "start 1: the checkpoint is format 3" ck "c.attrs['checkpoint_version'] == 3"
check "start 1: it lists one start, ended by the signal, on 1 rank" \
    ck "len(s) == 1 and s['ended'][0] == 1 and s['ranks'][0] == 1"
check "start 1: its trials are those of the done units" \
    ck "s['trials'][0] > 0 and s['trials'][0] == c['stats'][()].reshape(-1)[:144].sum()"
stamp=$(stat -c %Y.%s "$out.ckpt")
stop "$stamp" 2
rc=$?
check "start 2 (2 ranks): exit 3 again (got $rc)" [ $rc = 3 ]
check "start 2: the checkpoint lists both starts" ck "len(s) == 2 and list(s['ranks']) == [1, 2] and list(s['ended']) == [1, 1]"
mpirun 1 "$RELUSCAPE" run "$WORK/acc.ini" -o "$out" --resume >"$WORK/last.log" 2>&1
check "start 3 completes" [ $? = 0 ]
check "start 3: /stats identical to the uninterrupted run" "$H5DIFF" -q "$WORK/ref.h5" "$out" /stats /stats
check "start 3: the resume line counts the start" grep -q "^resume: .*start 3)" "$WORK/last.log"
check "start 3: the wrote line accounts for all starts" grep -q "^all 3 starts (2 restarts): .* core-hours" "$WORK/last.log"
res() { "$PYTHON3" -c "import h5py, numpy as np, sys; f = h5py.File(sys.argv[1]); r = f['run']; sys.exit(not ($1))" "$out"; }
check "file: three starts, restarts = 2" res "r['start'].shape == (3,) and r.attrs['restarts'] == 2"
check "file: ended signal, signal, complete" res "list(r['start_ended'][()]) == [1, 1, 0]"
check "file: ranks 1, 2, 1" res "list(r['start_ranks'][()]) == [1, 2, 1]"
check "file: the starts' trials add up to $TOTAL" res "r['start_trials'][()].sum() == $TOTAL"
check "file: the last start's trials = /run/trials_done" res "r['start_trials'][-1] == r['trials_done'][()].sum()"
check "file: the last start's busy CPU = /run/busy_cpu_seconds" \
    res "abs(r['start_busy_cpu_seconds'][-1] - r['busy_cpu_seconds'][()].sum()) < 1e-9"
check "file: total busy CPU = sum of the starts" \
    res "abs(r.attrs['total_busy_cpu_seconds'] - r['start_busy_cpu_seconds'][()].sum()) < 1e-9"
check "file: total wall = sum of (end - begin)" \
    res "abs(r.attrs['total_wall_seconds'] - (r['start_end'][()] - r['start_begin'][()]).sum()) < 1e-9"
check "file: starts in time order, each end >= begin" \
    res "np.all(r['start_end'][()] >= r['start_begin'][()]) and np.all(np.diff(r['start_begin'][()]) > 0)"
check "file: created = when the first start began" res "__import__('datetime').datetime.fromtimestamp(int(r['start_begin'][0]), __import__('datetime').timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ') == (lambda c: c.decode() if isinstance(c, bytes) else c)(f.attrs['created'])"
check "file: start_begin has CF time units" res "r['start_begin'].attrs['units'].startswith('seconds since 1970-01-01')"
check "file: start_ended has flag_meanings" res "r['start_ended'].attrs['flag_meanings'] == 'complete signal checkpoint'"
"$RELUSCAPE" report "$out" >"$WORK/report.txt" 2>&1
check "report shows 2 restarts and core-hours" grep -q "accounting   2 restarts; all starts: .* core-hours" "$WORK/report.txt"

# --- a format-2 checkpoint (before accounting) is resumed; a format-4 one is refused
mpirun 1 "$RELUSCAPE" -q run "$WORK/acc.ini" -o "$WORK/v2.h5" &
pid=$!
first_checkpoint "$WORK/v2.h5.ckpt"
pkill -USR1 -f "$(ranks_of "$WORK/v2.h5")"
wait $pid
check "v2: stopped with exit 3" [ $? = 3 ]
cp "$WORK/v2.h5.ckpt" "$WORK/v4.h5.ckpt"
# rewrite it as format 2: no starts, the checksum of format 2 (FNV-1a without the starts)
"$PYTHON3" - "$WORK/v2.h5.ckpt" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r+")
del f["starts"]
f.attrs.modify("checkpoint_version", np.int64(2))
h = 0xcbf29ce484222325
def fnv(h, b):
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xffffffffffffffff
    return h
cfg = f.attrs["config"]
cfg = cfg.encode() if isinstance(cfg, str) else bytes(cfg)
done, stats = f["done"][()], f["stats"][()]
head = np.array([f.attrs["shard_index"], f.attrs["shard_count"], len(done), len(stats)], dtype="<i8")
for b in (cfg, head.tobytes(), done.astype("u1").tobytes(), stats.astype("<i8").tobytes()):
    h = fnv(h, b)
f.attrs.modify("checksum", np.int64(np.uint64(h).view(np.int64)))
PY
mpirun 1 "$RELUSCAPE" run "$WORK/acc.ini" -o "$WORK/v2.h5" --resume >"$WORK/v2.log" 2>&1
check "v2 checkpoint: resumed to completion" [ $? = 0 ]
check "v2 checkpoint: says its earlier starts are not accounted" grep -q "format 2) keeps no accounting" "$WORK/v2.log"
check "v2 checkpoint: /stats identical" "$H5DIFF" -q "$WORK/ref.h5" "$WORK/v2.h5" /stats /stats
"$PYTHON3" -c "import h5py, numpy as np, sys; h5py.File(sys.argv[1], 'r+').attrs.modify('checkpoint_version', np.int64(4))" "$WORK/v4.h5.ckpt"
mpirun 1 "$RELUSCAPE" run "$WORK/acc.ini" -o "$WORK/v4.h5" --resume >"$WORK/v4.log" 2>&1
check "v4 checkpoint: refused with exit 2" [ $? = 2 ]
check "v4 checkpoint: the message names the formats" grep -q "has format 4, this reluscape reads 2 and 3" "$WORK/v4.log"
check "v4 checkpoint: nothing written" all_absent "$WORK/v4.h5"

# --- merge: the parts' starts, concatenated; restarts summed
for i in 0 1; do mpirun 1 "$RELUSCAPE" -q run "$WORK/acc.ini" --shard $i/3 -o "$WORK/p$i.h5"; done
mpirun 1 "$RELUSCAPE" -q run "$WORK/acc.ini" -o "$WORK/p2.h5" --shard 2/3 &
pid=$!
first_checkpoint "$WORK/p2.h5.ckpt"
pkill -USR1 -f "$(ranks_of "$WORK/p2.h5")"
wait $pid
mpirun 2 "$RELUSCAPE" -q run "$WORK/acc.ini" --shard 2/3 -o "$WORK/p2.h5" --resume
check "part 2 resumed" [ -f "$WORK/p2.h5" ]
"$RELUSCAPE" -q merge -o "$WORK/m.h5" "$WORK/p0.h5" "$WORK/p1.h5" "$WORK/p2.h5"
check "merge of the parts" [ $? = 0 ]
mres() { "$PYTHON3" -c "import h5py, sys; f = [h5py.File(p)['run'] for p in sys.argv[1:]]; m = f[0]; p = f[1:]; sys.exit(not ($1))" \
    "$WORK/m.h5" "$WORK/p0.h5" "$WORK/p1.h5" "$WORK/p2.h5"; }
check "merge: four starts (parts 0, 1 once, part 2 twice), restarts = 1" \
    mres "list(m['start_shard'][()]) == [0, 1, 2, 2] and m.attrs['restarts'] == 1"
check "merge: total busy CPU = sum of the parts'" \
    mres "abs(m.attrs['total_busy_cpu_seconds'] - sum(x.attrs['total_busy_cpu_seconds'] for x in p)) < 1e-9"
check "merge: the starts' trials add up to $TOTAL" mres "m['start_trials'][()].sum() == $TOTAL"
"$RELUSCAPE" report "$WORK/m.h5" >"$WORK/mreport.txt" 2>&1
check "merged report: parts and the ranks of each" grep -q "ranks        merged from 3 parts; ranks of each part: 1 1 2" "$WORK/mreport.txt"
check "merged report: 1 restart" grep -q "accounting   1 restart;" "$WORK/mreport.txt"
finish
