# resume.sh - interrupted runs continue to the same result.
#  * SIGUSR1 (what SLURM sends before a time limit): checkpoint, exit 3, --resume, and
#    /stats identical to an uninterrupted run;
#  * kill -9 at several moments, also during checkpoints: never a final file that claims
#    to be complete and is not; the last checkpoint survives and --resume finishes the run
#    with identical /stats;
#  * --resume with another config or shard, or a damaged checkpoint: exit 2, clear message.
. "${top_srcdir:-.}/tests/lib.sh"

# signal the rank processes only (the libtool-built binary), never mpiexec or timeout
ranks_of() { echo "libs/(lt-)?reluscape -q run $WORK/long.ini -o $1( |\$)"; }

cat >"$WORK/long.ini" <<'INI'
[grid]
d0 = 1, 2, 3, 5
n  = 10:100:10
d1 = 30:300:30
[sweep]
trials = 240
seed = 99
[output]
progress = 0
checkpoint = 0.3
INI
mpirun 2 "$RELUSCAPE" -q run "$WORK/long.ini" -o "$WORK/ref.h5"
check "reference run" [ $? = 0 ]

# --- SIGUSR1: checkpoint, exit 3, resume
mpirun 2 "$RELUSCAPE" -q run "$WORK/long.ini" -o "$WORK/usr1.h5" &
pid=$!
first_checkpoint "$WORK/usr1.h5.ckpt"
pkill -USR1 -f "$(ranks_of "$WORK/usr1.h5")"
wait $pid
rc=$?
check "SIGUSR1: exit 3 (got $rc)" [ $rc = 3 ]
check "SIGUSR1: a checkpoint" [ -f "$WORK/usr1.h5.ckpt" ]
check "SIGUSR1: no final file" all_absent "$WORK/usr1.h5"
mpirun 2 "$RELUSCAPE" -q run "$WORK/long.ini" -o "$WORK/usr1.h5" --resume
check "SIGUSR1: --resume completes" [ $? = 0 ]
check "SIGUSR1: /stats identical to the uninterrupted run" "$H5DIFF" -q "$WORK/ref.h5" "$WORK/usr1.h5" /stats /stats
check "SIGUSR1: checkpoint removed after completion" [ ! -e "$WORK/usr1.h5.ckpt" ]

# --- kill -9 at several moments (fixed, spread over the run and its checkpoints)
out="$WORK/k9.h5"
attempts=0
for delay in 0.4 0.9 1.3 0.7 1.8; do
    [ -f "$out" ] && break
    attempts=$((attempts + 1))
    mpirun 2 "$RELUSCAPE" -q run "$WORK/long.ini" -o "$out" --resume >/dev/null 2>&1 &
    pid=$!
    sleep $delay
    pkill -9 -f "$(ranks_of "$out")" 2>/dev/null
    wait $pid 2>/dev/null
    if [ -e "$out" ]; then
        "$PYTHON3" -c "import h5py, sys; sys.exit(int(h5py.File(sys.argv[1]).attrs['complete'] != 1))" "$out" 2>/dev/null
        check "kill -9 after ${delay}s: a final file exists only complete" [ $? = 0 ]
    fi
    if [ -e "$out.ckpt" ]; then
        "$PYTHON3" -c "import h5py, sys; f = h5py.File(sys.argv[1]); f['done'][()]; f['stats'][()]" "$out.ckpt" 2>/dev/null
        check "kill -9 after ${delay}s: the checkpoint is readable" [ $? = 0 ]
    fi
done
if [ ! -e "$out" ]; then
    mpirun 2 "$RELUSCAPE" -q run "$WORK/long.ini" -o "$out" --resume
    check "after $attempts kills: --resume completes" [ $? = 0 ]
fi
check "after $attempts kills: /stats identical to the uninterrupted run" "$H5DIFF" -q "$WORK/ref.h5" "$out" /stats /stats

# --- refusals
mpirun 2 "$RELUSCAPE" -q run "$WORK/long.ini" -o "$WORK/other.h5" &
pid=$!
first_checkpoint "$WORK/other.h5.ckpt"
pkill -USR1 -f "$(ranks_of "$WORK/other.h5")"
wait $pid
check "second checkpoint for the refusal cases" [ -f "$WORK/other.h5.ckpt" ]
cp "$WORK/other.h5.ckpt" "$WORK/saved.ckpt" # the damaged copies below start from it
mpirun 2 "$RELUSCAPE" run "$WORK/long.ini" -o "$WORK/other.h5" --resume --set sweep.seed=5 2>"$WORK/seed.err"
check "resume with another seed: exit 2" [ $? = 2 ]
check "resume with another seed: says what differs" grep -q "another configuration (line .*seed = 99.*seed = 5" "$WORK/seed.err"
mpirun 2 "$RELUSCAPE" run "$WORK/long.ini" -o "$WORK/other.h5" --resume --shard 1/2 2>"$WORK/shard.err"
check "resume as another shard: exit 2" [ $? = 2 ]
check "resume as another shard: names both" grep -q "shard 0/1, this run is shard 1/2" "$WORK/shard.err"
mpirun 2 "$RELUSCAPE" run "$WORK/long.ini" -o "$WORK/other.h5" --resume --set output.progress=5 2>"$WORK/out.err"
check "resume with other [output] settings is allowed" [ $? = 0 ]
# damaged checkpoints: a flipped byte of the statistics, a done flag set by hand (both
# caught by the checksum), and a done flag set with the checksum recomputed (caught by
# the invariant: every cell's trials are what its done units imply)
damage() { # KIND: copy other.h5.ckpt to dmg.h5.ckpt, damaged
    rm -f "$WORK/dmg.h5"
    "$PYTHON3" - "$WORK/saved.ckpt" "$WORK/dmg.h5.ckpt" "$1" <<'PY'
import shutil, sys, h5py, numpy as np
src, dst, kind = sys.argv[1:4]
shutil.copy(src, dst)
with h5py.File(dst, "r+") as f:
    if kind == "byte":
        s = f["stats"][()]; s[int(np.argmax(s))] ^= 1 << 3; f["stats"][...] = s
    else:
        d = f["done"][()]; d[int(np.argmin(d))] = 1; f["done"][...] = d
    if kind == "resum":  # FNV-1a 64 over config, (shard_index, shard_count, nunits, nstats), done, stats
        h = 0xcbf29ce484222325
        data = f.attrs["config"].encode() if isinstance(f.attrs["config"], str) else bytes(f.attrs["config"])
        head = np.array([f.attrs["shard_index"], f.attrs["shard_count"], f["done"].shape[0], f["stats"].shape[0]], "<i8")
        for b in data + head.tobytes() + f["done"][()].astype(np.uint8).tobytes() + f["stats"][()].astype("<i8").tobytes():
            h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
        f.attrs["checksum"] = np.int64(h - (1 << 64) if h >= 1 << 63 else h)
PY
}
for kind in byte done resum; do
    damage $kind
    mpirun 2 "$RELUSCAPE" run "$WORK/long.ini" -o "$WORK/dmg.h5" --resume 2>"$WORK/dmg.err"
    check "checkpoint damaged ($kind): exit 2" [ $? = 2 ]
    check "checkpoint damaged ($kind): says so and how to start over" \
        grep -Eq "(damaged|inconsistent).*start afresh without --resume" "$WORK/dmg.err"
    check "checkpoint damaged ($kind): no result written" all_absent "$WORK/dmg.h5"
done

echo "not hdf5" >"$WORK/bad.h5.ckpt"
mpirun 2 "$RELUSCAPE" run "$WORK/long.ini" -o "$WORK/bad.h5" --resume 2>"$WORK/bad.err"
check "damaged checkpoint: exit 2" [ $? = 2 ]
check "damaged checkpoint: named" grep -q "checkpoint '$WORK/bad.h5.ckpt' is not a readable HDF5 file" "$WORK/bad.err"
check "damaged checkpoint: left alone" [ "$(cat "$WORK/bad.h5.ckpt")" = "not hdf5" ]
finish
