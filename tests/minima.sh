# minima.sh - experiment `minima` end to end, against answers from mathematics:
#  * 1-D with bias, Bernoulli(1/2) patterns: a row is realizable iff it is one of the 2n
#    step vectors of the sorted points, so a pattern is non-empty with probability
#    (2n / 2^n)^d1; the `empty` count is checked against it (within 5 sd), and every empty
#    is decided per neuron;
#  * d0 >= n (points linearly independent): every pattern is realizable, empty = 0;
#  * v all +1 and Gaussian targets (some y_i < 0): the output is >= 0, so no region is
#    global, for the region and the init sampler;
#  * the classes partition the trials; a set of minima has dimension P - rank >= P - n, so
#    the dimension histograms are empty below P - n, and a full-rank cell's global regions
#    all sit at P - n;
#  * /stats identical on 1-3 ranks, through shards + merge and a resume; exact = always
#    gives the same classes as auto; report shows the global fraction.
. "${top_srcdir:-.}/tests/lib.sh"

has_py_h5 || skip "python3 h5py missing"
cd "$WORK" || exit 1

cat >bern.ini <<'INI'
[experiment]
kind = minima
[grid]
d0 = 1
d1 = 2, 3
n = 3, 4
[sweep]
trials = 2000
patterns_per_dataset = 20
seed = 11
[pattern]
sampler = bernoulli
[output]
progress = 0
INI
mpirun 1 "$RELUSCAPE" -q run bern.ini -o bern.h5
check "bernoulli 1-D: run exits 0" [ $? = 0 ]
check "bernoulli 1-D: empty within 5 sd of 1 - (2n/2^n)^d1" h5_stats bern.h5 '
d1 = g["d1"][()][None, :, None]; n = g["n"][()][None, None, :]
q = 1 - (2.0 * n / 2.0 ** n) ** d1; T = s["trials"][()]
z = (s["empty"][()] - T * q) / np.sqrt(T * q * (1 - q)); print(z.ravel())
sys.exit(not (np.abs(z) < 5).all())'
check "bernoulli 1-D: every empty region decided per neuron" h5_stats bern.h5 \
    'sys.exit(not (s["empty_by_neuron"][()] == s["empty"][()]).all())'
check "bernoulli 1-D: the classes partition the trials" h5_stats bern.h5 '
tot = sum(s[c][()] for c in ("empty", "none", "global", "bad_local", "failed"))
sys.exit(not ((tot == s["trials"][()]).all() and (s["failed"][()] == 0).all()))'

mpirun 1 "$RELUSCAPE" -q run bern.ini --set grid.d0=6 --set grid.n=4,5 -o wide.h5
check "d0 >= n: run exits 0" [ $? = 0 ]
check "d0 >= n: every pattern is realizable (empty = 0)" h5_stats wide.h5 \
    'sys.exit(not ((s["empty"][()] == 0).all() and (s["trials"][()] == 2000).all()))'

cat >pos.ini <<'INI'
[experiment]
kind = minima
[grid]
d0 = 1
d1 = 10, 40
n = 20, 30
[sweep]
trials = 40
patterns_per_dataset = 4
seed = 5
[pattern]
sampler = region
[network]
v = ones
[targets]
law = gaussian
[output]
progress = 0
INI
for sampler in region init; do
    mpirun 1 "$RELUSCAPE" -q run pos.ini --set pattern.sampler=$sampler --set grid.d0=$([ $sampler = region ] && echo 1 || echo 1,3) -o pos_$sampler.h5
    check "v > 0, sampler $sampler: run exits 0" [ $? = 0 ]
    check "v > 0, sampler $sampler: no region is global" h5_stats pos_$sampler.h5 'sys.exit(int(s["global"][()].sum() != 0))'
done
mpirun 1 "$RELUSCAPE" -q run pos.ini --set network.v=balanced -o balanced.h5
check "v half +-1, same cells: global regions exist, so the count above could have been non-zero" \
    h5_stats balanced.h5 'sys.exit(int(s["global"][()].sum() == 0))'

# the region sampler at d0 = 2, 3 draws only realizable rows (the walk of regions.h);
# the LP's own per-neuron test must agree: no region is empty
mpirun 1 "$RELUSCAPE" -q run pos.ini --set grid.d0=2,3 --set network.v=balanced --set grid.n=8,15 -o reg.h5
check "region sampler, d0 = 2, 3: run exits 0" [ $? = 0 ]
check "region sampler, d0 = 2, 3: the LP finds no empty region" h5_stats reg.h5 \
    'sys.exit(not (s["empty"][()].sum() == 0 and s["trials"][()].sum() == 8 * 40))'

cp "$top_srcdir/jobs/configs/minima-1d.ini" m1d.ini
mpirun 1 "$RELUSCAPE" -q run m1d.ini --set grid.n=10,16 --set grid.d1=4,10,40 --set sweep.trials=30 -o r1.h5
check "minima-1d (small): run exits 0" [ $? = 0 ]
check "dimension histograms: empty below P - n, counts equal the classes" h5_stats r1.h5 '
P = g["P"][()]; n = g["n"][()][None, None, :] + 0 * P; ok = True
for c in ("global", "bad_local"):
    h = s[c + "_dim_hist"][()]; b = np.arange(h.shape[-1])
    ok &= (h.sum(-1) == s[c][()]).all()
    ok &= (np.where(b[None, None, None, :] < (P - n)[..., None], h, 0) == 0).all()
full = s["full_rank"][()] == s["trials"][()]
hg = s["global_dim_hist"][()]
ok &= all(hg[i][P[i] - n[i]] == s["global"][()][i] for i in zip(*np.nonzero(full)))
ok &= (s["global"][()] > 0).any()
sys.exit(not ok)'
# with continuous targets y lies in col J_A only when rank J_A = n (probability 1), so
# every global set of minima has dimension exactly P - n, every bad one more than P - n
dims() { h5_stats "$1" '
P = g["P"][()]; n = g["n"][()][None, None, :] + 0 * P; b = None
hg, hb = s["global_dim_hist"][()], s["bad_local_dim_hist"][()]
b = np.arange(hg.shape[-1])[None, None, None, :]
ok = (np.where(b != (P - n)[..., None], hg, 0) == 0).all() and (np.where(b <= (P - n)[..., None], hb, 0) == 0).all()
print("bad_local", int(s["bad_local"][()].sum()), "global", int(s["global"][()].sum())); sys.exit(not ok)'; }
check "gaussian targets: global sets have dimension P - n, bad ones more (minima-1d)" dims r1.h5
check "gaussian targets: global sets have dimension P - n, bad ones more (v half +-1)" dims balanced.h5
check "some bad local minima occur, so the check above could fail" \
    sh -c "'$PYTHON3' -c \"import h5py, sys; sys.exit(int(sum(h5py.File(f)['stats/bad_local'][()].sum() for f in sys.argv[1:]) == 0))\" r1.h5 balanced.h5 bern.h5"
for np in 2 3; do
    mpirun $np "$RELUSCAPE" -q run m1d.ini --set grid.n=10,16 --set grid.d1=4,10,40 --set sweep.trials=30 -o r$np.h5
    check "$np ranks: /stats identical to 1 rank" "$H5DIFF" -q r1.h5 r$np.h5 /stats /stats
done
for i in 0 1; do
    mpirun 2 "$RELUSCAPE" -q run m1d.ini --set grid.n=10,16 --set grid.d1=4,10,40 --set sweep.trials=30 --shard $i/2 -o part$i.h5 ||
        bad "shard $i"
done
mpirun 1 "$RELUSCAPE" -q merge -o merged.h5 part0.h5 part1.h5
check "2 shards merged: /stats identical to one run" "$H5DIFF" -q r1.h5 merged.h5 /stats /stats
mpirun 1 "$RELUSCAPE" -q run m1d.ini --set grid.n=10,16 --set grid.d1=4,10,40 --set sweep.trials=30 \
    --set minima.exact=always -o always.h5
check "exact = always: the same classes as auto" sh -c "for c in empty none global bad_local failed; do '$H5DIFF' -q r1.h5 always.h5 /stats/\$c /stats/\$c || exit 1; done"
check "exact = always: the exact simplex decided trials" h5_stats always.h5 'sys.exit(int(s["exact_decided"][()].sum() == 0))'

# resume: stop a longer run after its first checkpoint, then finish it
mpirun 1 "$RELUSCAPE" -q run m1d.ini --set grid.n=10,16 --set grid.d1=4,40 --set sweep.trials=400 -o long_ref.h5
mpirun 2 "$RELUSCAPE" -q run m1d.ini --set grid.n=10,16 --set grid.d1=4,40 --set sweep.trials=400 --set output.checkpoint=0.2 -o long.h5 &
usr1_after_checkpoint $! long.h5.ckpt "libs/(lt-)?reluscape -q run m1d.ini .*-o long.h5"
rc=$?
check "SIGUSR1: exit 3 (got $rc)" [ $rc = 3 ]
mpirun 2 "$RELUSCAPE" -q run m1d.ini --set grid.n=10,16 --set grid.d1=4,40 --set sweep.trials=400 --set output.checkpoint=0.2 -o long.h5 --resume
check "--resume completes" [ $? = 0 ]
check "resumed /stats identical to the uninterrupted run" "$H5DIFF" -q long_ref.h5 long.h5 /stats /stats

# GLPK's float simplex stalled for hours on one region LP of this cell (draw order 6:
# trial 278); the iteration cap (lp.h) makes it give up, and the LP is solved another way
mpirun 1 "$RELUSCAPE" -q run m1d.ini --set grid.n=16 --set grid.d1=40 --set sweep.trials=280 -o stall.h5
check "the stalling region LP ends: run exits 0" [ $? = 0 ]
check "the stalling region LP ends: 280 trials, none failed" h5_stats stall.h5 \
    'sys.exit(int(s["trials"][()].sum() != 280 or s["failed"][()].sum() != 0))'

"$RELUSCAPE" report r1.h5 >report.out 2>&1
check "report exits 0" [ $? = 0 ]
check "report's default heatmap is the global fraction" grep -q 'heatmaps of global_fraction' report.out
"$RELUSCAPE" report r1.h5 --quantity bad_local_fraction >/dev/null 2>&1
check "report --quantity bad_local_fraction exits 0" [ $? = 0 ]

mpirun 1 "$RELUSCAPE" run m1d.ini --set rank.method=svd -o svd.h5 2>svd.err
check "minima with a float rank method: exit 2" [ $? = 2 ]
check "... naming the key" grep -q "key 'rank.method'.*exact rank" svd.err
finish
