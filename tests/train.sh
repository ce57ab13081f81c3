# train.sh - experiment `train` end to end, against answers from mathematics:
#  * n = 1 with Gaussian init and bias: z_j = w_j x + b_j is symmetric, so a neuron is
#    active at the point with probability 1/2 independently, and J_A (one row) has rank 1
#    unless every neuron is off: init_full_rank within 5 sd of 1 - 2^-d1; a trial whose
#    point no neuron sees has gradient 0 and never moves, so every trial that reaches zero
#    loss started full rank (reached = init_full_rank_reached);
#  * the starting region is the init sampler's: the deficits at step 0 equal the rank
#    experiment's deficit histogram for the same config, cell by cell;
#  * the counts partition: every record's loss and deficit histograms hold every trial,
#    steps_hist holds the reached trials, the final classes the trials that did not diverge;
#  * /stats identical on 1-3 ranks, through shards + merge and through a resume;
#  * n = 1: sigma_min = |x~| sqrt(sum of the active v_j^2) is 0 exactly without an active neuron;
#  * kept trajectories agree with the histograms (each kept loss in a counted bin, the
#    step-0 deficits of all 12 trials per cell equal the step-0 deficit histogram);
#  * bad input (a sampler without weights, an unknown optimizer) exits 2 naming the key.
. "${top_srcdir:-.}/tests/lib.sh"

has_py_h5 || skip "python3 h5py missing"
cd "$WORK" || exit 1

cat >one.ini <<'INI'
[experiment]
kind = train
[grid]
d0 = 1
d1 = 1, 2, 3
n = 1
[sweep]
trials = 400
seed = 5
[pattern]
init = gaussian
[train]
steps = 300
classify = false
[output]
progress = 0
INI
mpirun 1 "$RELUSCAPE" -q run one.ini -o one.h5
check "n = 1: run exits 0" [ $? = 0 ]
check "n = 1: init_full_rank within 5 sd of 1 - 2^-d1" h5_stats one.h5 '
d1 = g["d1"][()][None, :, None]; q = 1 - 0.5 ** d1; T = s["trials"][()]
z = (s["init_full_rank"][()] - T * q) / np.sqrt(T * q * (1 - q)); print(z.ravel())
sys.exit(not (np.abs(z) < 5).all())'
check "n = 1: only trials that started full rank reach zero loss" h5_stats one.h5 \
    'sys.exit(not (s["reached"][()] == s["init_full_rank_reached"][()]).all())'
check "n = 1: some trials reach zero loss" h5_stats one.h5 'sys.exit(not s["reached"][()].sum() > 0)'
# n = 1: J_A is one row of norm |x~| sqrt(sum of v_j^2 over the active neurons), so its
# singular value is 0 exactly when no neuron is active
mpirun 1 "$RELUSCAPE" -q run one.ini --set train.sigma_min=true -o sig.h5
check "sigma_min: run exits 0" [ $? = 0 ]
check "sigma_min: same counts as without it" "$H5DIFF" -q one.h5 sig.h5 /stats/loss_hist /stats/loss_hist
check "n = 1: sigma_min is 0 at step 0 exactly for the trials that start rank deficient" h5_stats sig.h5 '
h = s["sigma_min_hist"][()][..., 0, :]
sys.exit(not ((h[..., 0] == s["trials"][()] - s["init_full_rank"][()]).all() and
              (h.sum(-1) == s["trials"][()]).all()))'
check "without train.sigma_min the sigma series is empty" h5_stats one.h5 'sys.exit(int(s["sigma_min_hist"][()].sum() != 0))'

cat >grid.ini <<'INI'
[experiment]
kind = train
[grid]
d0 = 1, 2
d1 = 3, 12
n = 4, 9
[sweep]
trials = 12
patterns_per_dataset = 3
seed = 17
[data]
law = gaussian
[train]
steps = 200
record = 4
[output]
progress = 0
INI
mpirun 1 "$RELUSCAPE" -q run grid.ini -o r1.h5
check "grid: run exits 0" [ $? = 0 ]
mpirun 1 "$RELUSCAPE" -q run grid.ini --set experiment.kind=rank -o rank.h5
check "grid: the rank experiment on the same config exits 0" [ $? = 0 ]
check "step 0 deficits equal the rank experiment's deficit histogram" "$PYTHON3" -c '
import sys, h5py, numpy as np
a = h5py.File("rank.h5")["stats/deficit_hist"][()]; b = h5py.File("r1.h5")["stats/deficit_rec_hist"][()][..., 0, :]
sys.exit(not (a.shape == b.shape and (a == b).all()))'
check "every record holds every trial (loss and deficit)" h5_stats r1.h5 '
T = s["trials"][()][..., None]
sys.exit(not ((s["loss_hist"][()].sum(-1) == T).all() and (s["deficit_rec_hist"][()].sum(-1) == T).all()))'
check "steps_hist holds the reached trials, final_deficit_hist every trial" h5_stats r1.h5 '
sys.exit(not ((s["steps_hist"][()].sum(-1) == s["reached"][()]).all() and
              (s["final_deficit_hist"][()].sum(-1) == s["trials"][()]).all()))'
check "the final classes partition the trials that did not diverge" h5_stats r1.h5 '
tot = sum(s["final_" + c][()] for c in ("global", "bad_local", "none", "empty", "failed"))
sys.exit(not (tot == s["trials"][()] - s["diverged"][()]).all())'
check "the step axis holds the recorded steps 0, 1, 3, 5, 10, 17, 31, 56, 100, 177, 200" h5_stats r1.h5 '
sys.exit(list(g["step"][()]) != [0, 1, 3, 5, 10, 17, 31, 56, 100, 177, 200])'
check "reached trials end at a loss within train.loss_tol (last record's bins)" h5_stats r1.h5 '
import math
last = s["loss_hist"][()][..., -1, :]; b = int(math.floor((math.log10(1e-10) + 16) * 10)) + 1
sys.exit(not (last[..., :b + 1].sum(-1) >= s["reached"][()]).all())'

mpirun 2 "$RELUSCAPE" -q run grid.ini --set train.keep_trajectories=20 -o keep.h5
check "keep_trajectories: run exits 0" [ $? = 0 ]
check "keep_trajectories: the statistics do not change" "$H5DIFF" -q r1.h5 keep.h5 /stats/loss_hist /stats/loss_hist
check "keep_trajectories: every kept loss lies in a bin its record counts, deficits match at step 0" h5_stats keep.h5 '
import math
L = s["loss_trajectory"][()][..., :12, :]; D = s["deficit_trajectory"][()][..., :12, :]; H = s["loss_hist"][()]
ok = np.isfinite(L).all() and (L >= 0).all()
for idx in np.ndindex(L.shape[:3]):
    for t in range(12):
        for k in range(L.shape[-1]):
            x = L[idx + (t, k)]
            b = 0 if x < 1e-16 else 201 if x >= 1e4 else int(math.floor((math.log10(x) + 16) * 10)) + 1
            ok &= H[idx + (k, b)] > 0
    dh = np.bincount(D[idx + (slice(None), 0)].astype(int), minlength=s["deficit_rec_hist"].shape[-1])
    ok &= (dh == s["deficit_rec_hist"][()][idx + (0,)]).all()
sys.exit(not ok)'
check "keep_trajectories: slots past the trials of a cell are NaN" h5_stats keep.h5 \
    'sys.exit(not np.isnan(s["loss_trajectory"][()][..., 12:, :]).all())'

for np in 2 3 4; do
    mpirun $np "$RELUSCAPE" -q run grid.ini -o r$np.h5
    check "$np ranks: /stats identical to 1 rank" "$H5DIFF" -q r1.h5 r$np.h5 /stats /stats
done
for i in 0 1; do
    mpirun 2 "$RELUSCAPE" -q run grid.ini --shard $i/2 -o part$i.h5 || bad "shard $i"
done
mpirun 1 "$RELUSCAPE" -q merge -o merged.h5 part0.h5 part1.h5
check "2 shards merged: /stats identical to one run" "$H5DIFF" -q r1.h5 merged.h5 /stats /stats

mpirun 1 "$RELUSCAPE" -q run grid.ini --set sweep.trials=600 --set train.steps=1000 -o long_ref.h5
mpirun 2 "$RELUSCAPE" -q run grid.ini --set sweep.trials=600 --set train.steps=1000 --set output.checkpoint=0.2 -o long.h5 &
usr1_after_checkpoint $! long.h5.ckpt "libs/(lt-)?reluscape -q run grid.ini .*-o long.h5"
rc=$?
check "SIGUSR1: exit 3 (got $rc)" [ $rc = 3 ]
mpirun 2 "$RELUSCAPE" -q run grid.ini --set sweep.trials=600 --set train.steps=1000 --set output.checkpoint=0.2 -o long.h5 --resume
check "--resume completes" [ $? = 0 ]
check "resumed /stats identical to the uninterrupted run" "$H5DIFF" -q long_ref.h5 long.h5 /stats /stats

mpirun 1 "$RELUSCAPE" -q run grid.ini --set train.optimizer=adam --set train.train_v=true -o adam.h5
check "adam with trained v: run exits 0" [ $? = 0 ]
check "adam with trained v: different trajectories" h5_differ r1.h5 adam.h5 /stats/loss_hist

"$RELUSCAPE" report r1.h5 >report.out 2>&1
check "report exits 0" [ $? = 0 ]
check "report's default heatmap is the reached fraction" grep -q 'heatmaps of reached_fraction' report.out

mpirun 1 "$RELUSCAPE" run grid.ini --set pattern.sampler=bernoulli -o bad.h5 2>bad.err
check "train with the bernoulli sampler: exit 2" [ $? = 2 ]
check "... naming the key" grep -q "key 'pattern.sampler'" bad.err
mpirun 1 "$RELUSCAPE" run grid.ini --set train.optimizer=sgd -o bad.h5 2>bad2.err
check "unknown optimizer: exit 2" [ $? = 2 ]
check "... naming the key and the choices" grep -q "train.optimizer.*gd|adam" bad2.err
check "no output for bad input" all_absent bad.h5
finish
