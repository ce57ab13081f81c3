# groups.sh - rank.group_size: ranks sharing one trial through ScaLAPACK give the same
# /stats as every rank alone (LAPACK), the rank fields equal the exact method's, a trial
# too large for one rank is refused for g = 1 and runs with g = 4, and ScaLAPACK errors
# stop every rank with context.
. "${top_srcdir:-.}/tests/lib.sh"
has_py_h5 || skip "h5py not available for $PYTHON3"
# Groups exchange many small messages inside every ScaLAPACK call: on a machine busy with
# other tests (make -j check) each one can wait for a time slice, and a run that takes a
# second alone took 60-170 s beside two busy processes.  So the runs stay small, and the
# time limit is generous.
RS_TEST_TIMEOUT=600

# Cells on both sides of P = n: full rank (the distributed certificate), deficient by
# P < n (pdgesvd, pdsyev) and in between; n = 100 spreads over 2 x 2 grids in 25-blocks.
cat >"$WORK/g.ini" <<'INI'
[grid]
d0 = 1, 2, 5
d1 = 8, 30
n = 24, 61, 100
[sweep]
trials = 12
patterns_per_dataset = 4
seed = 4242
[data]
law = gaussian
[rank]
verify = 0.25
INI

# same_stats A B [DATASETS]: the named (default: all integer) /stats arrays are equal
same_stats() {
    "$PYTHON3" - "$@" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], 'r')['stats'], h5py.File(sys.argv[2], 'r')['stats']
names = sys.argv[3:] or [k for k in a if a[k].dtype.kind in 'iu' and a[k].ndim >= 3]
bad = [k for k in names if not np.array_equal(a[k][()], b[k][()])]
if bad: print('differ:', bad)
sys.exit(1 if bad or not names else 0)
PY
}
# stat FILE NAME: the sum of /stats/NAME
stat() { "$PYTHON3" -c "import h5py; print(int(h5py.File('$1','r')['stats/$2'][()].sum()))"; }
RANKS="full_rank rank_sum deficit_hist"

for m in svd gram auto; do
    for g in 1 2 4; do
        mpirun 4 "$RELUSCAPE" -q run "$WORK/g.ini" --set rank.method=$m --set rank.group_size=$g \
            -o "$WORK/$m.$g.h5" || bad "$m, group_size $g on 4 ranks: run failed"
    done
    for g in 2 4; do
        check "$m: group_size $g gives the /stats of group_size 1 (every integer array)" \
            same_stats "$WORK/$m.1.h5" "$WORK/$m.$g.h5"
    done
    # 3 ranks in groups of 2: the left-over rank is a group of its own (a 1 x 1 grid)
    mpirun 3 "$RELUSCAPE" -q run "$WORK/g.ini" --set rank.method=$m --set rank.group_size=2 \
        -o "$WORK/$m.left.h5" || bad "$m on 3 ranks in groups of 2: run failed"
    check "$m: 3 ranks in groups of 2 (one left over) give the same /stats" \
        same_stats "$WORK/$m.1.h5" "$WORK/$m.left.h5"
done
mpirun 1 "$RELUSCAPE" -q run "$WORK/g.ini" --set rank.method=exact -o "$WORK/exact.h5" || bad "exact run failed"
for m in svd gram auto; do
    check "$m with groups of 4: ranks equal the exact method's" same_stats "$WORK/exact.h5" "$WORK/$m.4.h5" $RANKS
done

# the grid must really exercise both sides: certified full-rank trials and others
trials=$(stat "$WORK/svd.4.h5" trials) full=$(stat "$WORK/svd.4.h5" full_rank)
cert=$(stat "$WORK/svd.4.h5" certified) ver=$(stat "$WORK/svd.4.h5" verified)
check "grid has full-rank and deficient trials ($full of $trials full)" test "$full" -gt 0 -a "$full" -lt "$trials"
check "groups certified $cert trials, the rest went to pdgesvd" test "$cert" -gt 0 -a "$cert" -lt "$trials"
check "groups verified $ver trials exactly on the group's first rank" test "$ver" -gt 0
check "auto's cell-bound certificate decided deficient trials in groups" \
    test "$(stat "$WORK/auto.4.h5" certified)" -gt "$cert"

# group_size is a resource, not science: job-array parts run with different group sizes merge
mpirun 4 "$RELUSCAPE" -q run "$WORK/g.ini" --shard 0/2 --set rank.group_size=4 -o "$WORK/part0.h5" &&
    mpirun 2 "$RELUSCAPE" -q run "$WORK/g.ini" --shard 1/2 -o "$WORK/part1.h5" &&
    mpirun 1 "$RELUSCAPE" -q merge -o "$WORK/merged.h5" "$WORK/part0.h5" "$WORK/part1.h5"
check "parts run with group_size 4 and 1 merge (exit $?) into the single run's /stats" \
    same_stats "$WORK/auto.1.h5" "$WORK/merged.h5"

# a group run stopped by SIGUSR1 (SLURM's warning) checkpoints among the leaders, exits 3
# on every rank and resumes, here in groups of another size, to the uninterrupted result.
# The signal comes from inside (RELUSCAPE_TEST_SIGNAL_AFTER: every leader raises it after
# its 5th trial), so it lands mid-run however loaded the machine; tests/resume.sh sends
# SIGUSR1 from outside.
cat >"$WORK/long.ini" <<'INI'
[grid]
d0 = 2, 5
d1 = 30, 60
n = 60:200:20
[sweep]
trials = 8
seed = 5
[output]
progress = 0
checkpoint = 0
INI
RELUSCAPE_TEST_SIGNAL_AFTER=5 mpirun 4 "$RELUSCAPE" -q run "$WORK/long.ini" --set rank.group_size=2 -o "$WORK/long.h5"
rc=$?
check "groups, SIGUSR1: exit 3 (got $rc), a checkpoint, no final file" \
    sh -c "[ $rc = 3 ] && [ -f '$WORK/long.h5.ckpt' ] && [ ! -e '$WORK/long.h5' ]"
check "groups, SIGUSR1: the checkpoint has some of the 256 work units done, not all" \
    "$PYTHON3" -c "import h5py, sys; d = int(h5py.File(sys.argv[1], 'r')['done'][()].sum()); sys.exit(not 0 < d < 256)" \
    "$WORK/long.h5.ckpt"
mpirun 4 "$RELUSCAPE" -q run "$WORK/long.ini" --set rank.group_size=4 -o "$WORK/long.h5" --resume
check "groups: --resume in groups of 4 completes (exit $?)" test -e "$WORK/long.h5"
mpirun 2 "$RELUSCAPE" -q run "$WORK/long.ini" -o "$WORK/long.ref.h5"
check "groups: the resumed run has the uninterrupted run's /stats" same_stats "$WORK/long.ref.h5" "$WORK/long.h5"

# a trial larger than one rank's memory: refused with g = 1 (naming the smallest g), run with g = 4
cat >"$WORK/big.ini" <<'INI'
[grid]
d0 = 5
d1 = 40
n = 400
[sweep]
trials = 4
[rank]
method = gram
mem_per_rank = 1M
verify = 0
INI
mpirun 4 "$RELUSCAPE" run "$WORK/big.ini" -o "$WORK/big1.h5" >"$WORK/big1.out" 2>&1
check "g = 1 over mem_per_rank: exit 2" test $? -eq 2
check "g = 1 refusal names key, cell, size and the smallest group_size" \
    grep -q "key 'rank.mem_per_rank': a trial of cell d0=5 d1=40 n=400 needs .* MiB per rank with rank.group_size = 1 .*the smallest rank.group_size that fits is [234]" "$WORK/big1.out"
check "g = 1 refusal wrote nothing" test ! -e "$WORK/big1.h5"
mpirun 4 "$RELUSCAPE" -q run "$WORK/big.ini" --set rank.group_size=4 -o "$WORK/big4.h5"
check "g = 4 runs the same trials within mem_per_rank" test $? -eq 0 -a -e "$WORK/big4.h5"
mpirun 1 "$RELUSCAPE" -q run "$WORK/big.ini" --set rank.method=exact --set rank.mem_per_rank=auto -o "$WORK/bigx.h5"
check "g = 4 ranks equal the exact method's" same_stats "$WORK/bigx.h5" "$WORK/big4.h5" $RANKS

# ScaLAPACK errors reach the user with context and stop every rank (no hang: mpirun's timeout)
for spec in pdpotrf:-4 pdsyev:3 pdgesvd:-7; do
    routine=${spec%%:*}
    m=gram; [ "$routine" = pdgesvd ] && m=svd
    RELUSCAPE_TEST_SCALAPACK_INFO=$spec mpirun 4 "$RELUSCAPE" run "$WORK/g.ini" --set rank.method=$m \
        --set rank.group_size=2 -o "$WORK/err.h5" >"$WORK/err.out" 2>&1
    rc=$?
    check "$routine info ${spec#*:}: exit 1 on every rank (got $rc)" test $rc -eq 1
    check "$routine info ${spec#*:}: message with cell, trial and group" \
        grep -q "trial [0-9]* of cell d0=[0-9]* d1=[0-9]* n=[0-9]* failed in group [0-9] (2 ranks, 1 x 2 grid): ScaLAPACK $routine: info = ${spec#*:}" "$WORK/err.out"
    check "$routine info ${spec#*:}: no output file" test ! -e "$WORK/err.h5"
done

# configs that cannot work in groups are refused before any work
mpirun 2 "$RELUSCAPE" run "$WORK/g.ini" --set rank.method=exact --set rank.group_size=2 -o "$WORK/x.h5" >"$WORK/x.out" 2>&1
check "exact in groups: exit 2" test $? -eq 2
check "exact in groups: names the key and the methods that work" \
    grep -q "key 'rank.group_size': 2 needs a rank.method with a distributed form (svd|gram|auto)" "$WORK/x.out"
mpirun 1 "$RELUSCAPE" run "$WORK/g.ini" --set rank.mem_per_rank=lots -o "$WORK/x.h5" >"$WORK/x.out" 2>&1
check "mem_per_rank = lots: exit 2 with the allowed forms" \
    sh -c "test $? -eq 2 && grep -q \"key 'rank.mem_per_rank': 'lots' is not a memory size (allowed: auto\" '$WORK/x.out'"
finish
