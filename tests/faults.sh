# faults.sh - I/O failures while writing: a full disk (a small tmpfs, mounted as root) at
# the final write of run (1 and 2 ranks), at a checkpoint, and at merge.  Each must end
# every rank within the timeout with exit 1 and one message naming the file and the
# cause, leave the previous OUT.h5 and OUT.h5.ckpt as they were, and leave no file that
# claims to be complete.  Also: long output paths (an MPI-IO component used to overflow).
. "${top_srcdir:-.}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to mount a small tmpfs"
has_py_h5 || skip "python3 h5py missing"
DISK="$WORK/disk"
mkdir -p "$DISK"
mount -t tmpfs -o size=2m tmpfs "$DISK" 2>/dev/null || skip "cannot mount a tmpfs here"
trap 'umount "$DISK" 2>/dev/null; rm -rf "$WORK"' EXIT
cat >"$WORK/small.ini" <<'INI'
[grid]
d0 = 1, 2
d1 = 3:9:3
n = 5, 8
[sweep]
trials = 20
[output]
progress = 0
INI
fill() { dd if=/dev/zero of="$DISK/fill" bs=4k >/dev/null 2>&1; sync; } # until the disk is full
unfill() { rm -f "$DISK/fill"; }
complete() { "$PYTHON3" -c "import h5py, sys; sys.exit(int(h5py.File(sys.argv[1]).attrs['complete'] != 1))" "$1"; }

# the previous result, then a full disk
mpirun 1 "$RELUSCAPE" -q run "$WORK/small.ini" -o "$DISK/out.h5"
check "a run on the small disk works while it has room" complete "$DISK/out.h5"
cp "$DISK/out.h5" "$WORK/out.before"
fill
for np in 1 2; do
    mpirun $np "$RELUSCAPE" -q run "$WORK/small.ini" -o "$DISK/out.h5" --force >"$WORK/o" 2>"$WORK/e"
    rc=$?
    check "full disk, $np ranks: exit 1 (got $rc), no hang" [ $rc = 1 ]
    check "full disk, $np ranks: one message naming the file and the cause" \
        sh -c "[ \$(grep -c 'error:' '$WORK/e') = 1 ] && grep -q \"cannot write '$DISK/out.h5.partial': No space left on device\" '$WORK/e'"
    check "full disk, $np ranks: no crash or MPI abort" sh -c "! grep -Eq 'Segmentation|signal|MPI_ABORT|HDF5-DIAG' '$WORK/e'"
    check "full disk, $np ranks: the previous result untouched" cmp "$WORK/out.before" "$DISK/out.h5"
    check "full disk, $np ranks: no partial file left" all_absent "$DISK/out.h5.partial"
done

# merge onto a full disk
unfill
for i in 0 1; do mpirun 1 "$RELUSCAPE" -q run "$WORK/small.ini" --shard $i/2 -o "$WORK/part$i.h5" || bad "shard $i"; done
fill
mpirun 2 "$RELUSCAPE" -q merge -o "$DISK/merged.h5" "$WORK/part0.h5" "$WORK/part1.h5" 2>"$WORK/e"
check "merge onto a full disk: exit 1" [ $? = 1 ]
check "merge onto a full disk: names the file and the cause" grep -q "cannot write '$DISK/merged.h5.partial': No space left" "$WORK/e"
check "merge onto a full disk: no output" all_absent "$DISK/merged.h5" "$DISK/merged.h5.partial"

# a checkpoint onto a full disk: the previous checkpoint stays, the run stops with exit 1
unfill
cat >"$WORK/long.ini" <<'INI'
[grid]
d0 = 1, 2, 3, 5
n  = 10:100:10
d1 = 30:300:30
[sweep]
trials = 240
[output]
progress = 0
checkpoint = 0.3
INI
mpirun 1 "$RELUSCAPE" -q run "$WORK/long.ini" -o "$DISK/long.h5" &
usr1_after_checkpoint $! "$DISK/long.h5.ckpt" "libs/(lt-)?reluscape -q run $WORK/long.ini -o $DISK/long.h5"
check "a first checkpoint while the disk has room (exit 3)" [ $? = 3 ]
cp "$DISK/long.h5.ckpt" "$WORK/ckpt.before"
fill
mpirun 2 "$RELUSCAPE" -q run "$WORK/long.ini" -o "$DISK/long.h5" --resume >"$WORK/o" 2>"$WORK/e"
rc=$?
check "checkpoint onto a full disk: exit 1 (got $rc)" [ $rc = 1 ]
check "checkpoint onto a full disk: names the file and the cause" grep -q "cannot write '$DISK/long.h5.ckpt.tmp': No space left" "$WORK/e"
check "checkpoint onto a full disk: the previous checkpoint untouched" cmp "$WORK/ckpt.before" "$DISK/long.h5.ckpt"
check "checkpoint onto a full disk: no result, no scratch" all_absent "$DISK/long.h5" "$DISK/long.h5.ckpt.tmp"
unfill
mpirun 2 "$RELUSCAPE" -q run "$WORK/long.ini" -o "$DISK/long.h5" --resume
check "with room again, --resume completes from the kept checkpoint" complete "$DISK/long.h5"

# long output paths: every legal length works on 1 and 2 ranks (or is refused up front)
long="$WORK/$(printf 'a%.0s' $(seq 1 120))/$(printf 'b%.0s' $(seq 1 100))"
mkdir -p "$long"
for np in 1 2; do
    f="$long/$(printf 'c%.0s' $(seq 1 30)).h5"
    mpirun $np "$RELUSCAPE" -q run "$WORK/small.ini" -o "$f" 2>"$WORK/e"
    check "a ${#f}-character output path on $np ranks: exit 0" [ $? = 0 ]
    check "a ${#f}-character output path on $np ranks: complete" complete "$f"
    rm -f "$f"
done
finish
