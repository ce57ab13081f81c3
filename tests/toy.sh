# toy.sh - a test-only experiment (tests/toy_experiment.c: `ones`, the ones in each
# activation pattern) runs through everything around a trial without a line of it
# elsewhere: sweep on 1-4 ranks, checkpoint/resume, shards + merge, report, info.  Its
# counts are checked against the bernoulli(p) law: p = 1 gives A all ones (d1 n ones in
# every trial), p = 0 none, p = 1/2 a mean d1 n / 2 per trial.
. "${top_srcdir:-.}/tests/lib.sh"

TOY="$top_builddir/tests/toy_experiment"
TOY=$(cd "$(dirname "$TOY")" && pwd)/$(basename "$TOY")
[ -x "$TOY" ] || skip "$TOY not built"
has_py_h5 || skip "python3 h5py missing"
cd "$WORK" || exit 1

cat >toy.ini <<'INI'
[experiment]
kind = ones
[grid]
d0 = 1, 2
d1 = 3, 70
n = 5, 9
[sweep]
trials = 400
patterns_per_dataset = 4
seed = 7
[pattern]
sampler = bernoulli
p = 0.5
[output]
progress = 0
INI

"$TOY" info >info.out
check "info lists the registered experiment" grep -q '^experiments .*|ones$' info.out

# counts PY: run a check on the /stats of FILE (argv[1]); exit status is the assertion
counts() { "$PYTHON3" -c "import sys, h5py, numpy as np; f = h5py.File(sys.argv[1]); s = f['stats']; d1 = f['grid/d1'][()][None, :, None]; n = f['grid/n'][()][None, None, :]; $2" "$1"; }

for p in 1 0; do
    mpirun 1 "$TOY" -q run toy.ini --set pattern.p=$p -o p$p.h5
    check "p = $p: run exits 0" [ $? = 0 ]
done
check "p = 1: every trial has d1 n ones" counts p1.h5 'sys.exit(not (s["ones_sum"][()] == 400 * d1 * n).all())'
check "p = 1: all_ones = trials" counts p1.h5 'sys.exit(not (s["all_ones"][()] == s["trials"][()]).all())'
check "p = 1: the histogram holds every trial in bin d1 n" counts p1.h5 \
    'h = s["ones_hist"][()]; sys.exit(not all(h[0, i, j, d1[0, i, 0] * n[0, 0, j]] == 400 for i in range(2) for j in range(2)))'
check "p = 0: no ones, histogram all in bin 0" counts p0.h5 \
    'sys.exit(not ((s["ones_sum"][()] == 0).all() and (s["ones_hist"][()][..., 0] == 400).all()))'

# p = 1/2: per cell the sum of 400 d1 n fair bits has mean 200 d1 n and sd 10 sqrt(d1 n)
mpirun 1 "$TOY" -q run toy.ini -o r1.h5
check "p = 1/2: every cell within 5 sd of d1 n / 2 per trial" counts r1.h5 \
    'z = (s["ones_sum"][()] - 200 * d1 * n) / (10 * np.sqrt(d1 * n)); print(np.abs(z).max()); sys.exit(not (np.abs(z) < 5).all())'
check "p = 1/2: the histogram sums to the trials and its mean to ones" counts r1.h5 \
    'h = s["ones_hist"][()]; b = np.arange(h.shape[-1]); sys.exit(not ((h.sum(-1) == 400).all() and ((h * b).sum(-1) == s["ones_sum"][()]).all()))'
check "p = 1/2: a fair-coin count is no constant (the checks can fail)" counts r1.h5 \
    'sys.exit(not (s["all_ones"][()][:, 1] == 0).all() and (s["ones_sum"][()] != 200 * d1 * n).any())'

for np in 2 3 4; do
    mpirun $np "$TOY" -q run toy.ini -o r$np.h5
    check "$np ranks: /stats identical to 1 rank" "$H5DIFF" -q r1.h5 r$np.h5 /stats /stats
done

for i in 0 1 2; do mpirun 2 "$TOY" -q run toy.ini --shard $i/3 -o part$i.h5 || bad "shard $i"; done
mpirun 2 "$TOY" -q merge -o merged.h5 part0.h5 part1.h5 part2.h5
check "3 shards merged: exit 0" [ $? = 0 ]
check "3 shards merged: /stats identical to one run" "$H5DIFF" -q r1.h5 merged.h5 /stats /stats

# a longer run, stopped by SIGUSR1 after its first checkpoint and resumed
mpirun 1 "$TOY" -q run toy.ini --set sweep.trials=40000 --set output.checkpoint=0.2 -o long_ref.h5
check "long run exits 0" [ $? = 0 ]
mpirun 2 "$TOY" -q run toy.ini --set sweep.trials=40000 --set output.checkpoint=0.2 -o long.h5 &
usr1_after_checkpoint $! long.h5.ckpt \
    "libs/(lt-)?toy_experiment -q run toy.ini --set sweep.trials=40000 --set output.checkpoint=0.2 -o long.h5"
rc=$?
check "SIGUSR1: exit 3 (got $rc)" [ $rc = 3 ]
mpirun 2 "$TOY" -q run toy.ini --set sweep.trials=40000 --set output.checkpoint=0.2 -o long.h5 --resume
check "--resume completes" [ $? = 0 ]
check "resumed /stats identical to the uninterrupted run" "$H5DIFF" -q long_ref.h5 long.h5 /stats /stats

"$TOY" report r1.h5 >report.out 2>report.err
check "report exits 0" [ $? = 0 ]
check "report names the experiment" grep -q '^  experiment   ones' report.out
check "report's default heatmap is the experiment's first view" grep -q 'heatmaps of all_ones_fraction' report.out
check "report totals the counters" grep -q 'totals .*ones_sum [0-9]' report.out
"$TOY" report r1.h5 --quantity full_rank_fraction >/dev/null 2>report.err
check "report refuses a view of another experiment (exit 2)" [ $? = 2 ]
check "... naming the allowed views" grep -q "allowed: all_ones_fraction mean_ones" report.err
finish
