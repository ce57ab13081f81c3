# theory.sh - the region counters of experiment rank, /theory and /analysis, checked
# against mathematics:
#  * realizable (patterns that are non-empty regions): every trial at d0 >= n (independent
#    points: every row realizable); (2n / 2^n)^d1 of Bernoulli(1/2) patterns in 1-D with
#    bias (2n step vectors among 2^n rows), within 4 sigma; C(n, p)^d1 of the 2^(d1 n)
#    patterns in exhaustive mode (Cover);
#  * realizable_rows: Cover's C(n, p) = 2 sum_{k<p} binom(n-1, k) on generic data, fewer
#    with a repeated point or a tie (data files);
#  * /theory formulas at hand-computed points, /analysis's transition on a synthetic file
#    with hand-chosen counts, `reluscape analyse` rewriting them, and refusing bad files.
. "${top_srcdir:-.}/tests/lib.sh"

has_py_h5 || skip "python3 h5py missing"
cd "$WORK" || exit 1
cat >wide.ini <<'INI'
[grid]
d0 = 6
d1 = 2:3
n = 3:5
[sweep]
trials = 40
[data]
law = gaussian
bias = false
count_rows = always
[pattern]
sampler = bernoulli
[rank]
verify = 0
[output]
progress = 0
INI
mpirun 1 "$RELUSCAPE" -q run wide.ini -o wide.h5
check "d0 >= n, bernoulli: run exits 0" [ $? = 0 ]
check "d0 >= n: every pattern realizable (realizable = trials)" h5_stats wide.h5 \
    'sys.exit(not (s["realizable"][()] == s["trials"][()]).all() or not (s["realizable_fraction"][()] == 1).all())'
check "d0 >= n: realizable rows 2^n = C(n, 6) for n <= 6" h5_stats wide.h5 \
    'r = s["realizable_rows"][()][0]; sys.exit(not all((r[:, k] == 2 ** (k + 3)).all() for k in range(3)))'
# pattern.realizable: auto decides every pattern up to p = 16 (here p = 6: all tested);
# beyond it (p = 20 at n = 40: too many rows to enumerate) auto tests none; always tests
# every one; never tests none
check "auto at p = 6: every pattern tested" h5_stats wide.h5 'sys.exit(not (s["realizable_tested"][()] == s["trials"][()]).all())'
mpirun 1 "$RELUSCAPE" -q run wide.ini --set grid.d0=20 --set grid.n=40 --set grid.d1=2 --set sweep.trials=6 -o p20auto.h5
check "auto at p = 20: no pattern tested, the fraction NaN" h5_stats p20auto.h5 \
    'sys.exit(not ((s["realizable_tested"][()] == 0).all() and np.isnan(s["realizable_fraction"][()]).all()))'
mpirun 1 "$RELUSCAPE" -q run wide.ini --set grid.d0=20 --set grid.n=40 --set grid.d1=2 --set sweep.trials=6 \
    --set pattern.realizable=always -o p20always.h5
check "always at p = 20: every pattern tested" h5_stats p20always.h5 \
    'sys.exit(not ((s["realizable_tested"][()] == 6).all() and (s["realizable"][()] <= 6).all()))'
mpirun 1 "$RELUSCAPE" -q run wide.ini --set pattern.realizable=never -o rnever.h5
check "never: nothing tested, the rank counts unchanged" sh -c \
    "'$PYTHON3' -c 'import h5py, sys; sys.exit(int(h5py.File(\"rnever.h5\")[\"stats/realizable_tested\"][()].any()))' &&
     '$H5DIFF' -q wide.h5 rnever.h5 /stats/full_rank /stats/full_rank"

mpirun 3 "$RELUSCAPE" -q run wide.ini --set grid.d0=3 --set data.bias=true --set sweep.patterns_per_dataset=10 -o r3.h5
mpirun 1 "$RELUSCAPE" -q run wide.ini --set grid.d0=3 --set data.bias=true --set sweep.patterns_per_dataset=10 -o r1.h5
check "realizable counters: /stats identical on 1 and 3 ranks" "$H5DIFF" -q r1.h5 r3.h5 /stats /stats
for i in 0 1; do
    mpirun 1 "$RELUSCAPE" -q run wide.ini --set grid.d0=3 --set data.bias=true --set sweep.patterns_per_dataset=10 \
        --shard $i/2 -o rpart$i.h5 || bad "shard $i"
done
mpirun 1 "$RELUSCAPE" -q merge -o rmerged.h5 rpart0.h5 rpart1.h5
check "2 shards merged: /stats identical" "$H5DIFF" -q r1.h5 rmerged.h5 /stats /stats
check "2 shards merged: /theory and /analysis identical" sh -c \
    '"$1" -q r1.h5 rmerged.h5 /theory /theory && "$1" -q r1.h5 rmerged.h5 /analysis /analysis' sh "$H5DIFF"

# 1-D with bias: P(row realizable) = 2n / 2^n; n = 4, d1 = 1: 1/2; n = 5, d1 = 2: (10/32)^2
mpirun 1 "$RELUSCAPE" -q run wide.ini --set grid.d0=1 --set data.bias=true --set grid.d1=1:2 --set grid.n=4:5 \
    --set sweep.trials=3000 -o oned.h5
check "1-D bernoulli: run exits 0" [ $? = 0 ]
check "1-D with bias: realizable fraction (2n/2^n)^d1 within 4 sigma" h5_stats oned.h5 '
k = s["realizable"][()][0]; N = s["trials"][()][0]
ok = True
for i, d1 in enumerate((1, 2)):
    for j, n in enumerate((4, 5)):
        p = (2 * n / 2 ** n) ** d1
        ok &= abs(k[i, j] - N[i, j] * p) <= 4 * np.sqrt(N[i, j] * p * (1 - p))
sys.exit(not ok)'
check "1-D with bias: realizable rows 2n" h5_stats oned.h5 'r = s["realizable_rows"][()][0]; sys.exit(not ((r[:, 0] == 8).all() and (r[:, 1] == 10).all()))'
check "realizable_lo <= fraction <= realizable_hi" h5_stats oned.h5 \
    'sys.exit(not ((s["realizable_lo"][()] <= s["realizable_fraction"][()]) & (s["realizable_fraction"][()] <= s["realizable_hi"][()])).all())'

# exhaustive over all patterns: C(n, p)^d1 realizable; p = 3: C(4, 3) = 2(1+3+3) = 14;
# p = 2: C(4, 2) = 8; d0 = 1 with bias, n = 3: 6
cat >ex.ini <<'INI'
[grid]
d0 = 1, 2
d1 = 1:2
n = 3:4
[sweep]
mode = exhaustive
[data]
law = gaussian
bias = true
[pattern]
sampler = bernoulli
[rank]
verify = 0
[output]
progress = 0
INI
mpirun 1 "$RELUSCAPE" -q run ex.ini -o ex.h5
check "exhaustive bernoulli: run exits 0" [ $? = 0 ]
check "exhaustive: realizable = C(n, p)^d1 (C(3,2)=6, C(4,2)=8, C(3,3)=8, C(4,3)=14)" h5_stats ex.h5 '
C = {(1, 3): 6, (1, 4): 8, (2, 3): 8, (2, 4): 14}
r = s["realizable"][()]
sys.exit(not all(r[a, b, c] == C[(a + 1, c + 3)] ** (b + 1) for a in range(2) for b in range(2) for c in range(2)))'
check "exhaustive: /theory exact fraction = num / den = full_rank / trials" h5_stats ex.h5 '
t = f["theory"]
sys.exit(not ((t["exact_full_rank_num"][()] == s["full_rank"][()]).all() and (t["exact_full_rank_den"][()] == s["trials"][()]).all()
    and np.allclose(t["exact_full_rank_fraction"][()], s["full_rank"][()] / s["trials"][()], rtol=0, atol=0)
    and t["exact_full_rank_fraction"].attrs["contour_level"] == 0.5))'
mpirun 1 "$RELUSCAPE" -q run wide.ini -o wide2.h5 --set pattern.sampler=region --set grid.d0=2 --set data.bias=true --set grid.n=5
check "region sampler: realizable = trials, realizable rows C(5, 3) = 22" h5_stats wide2.h5 \
    'sys.exit(not ((s["realizable"][()] == s["trials"][()]).all() and (s["realizable_rows"][()] == 22).all()))'
check "sampled files have no exact fraction" h5_stats wide2.h5 'sys.exit("exact_full_rank_fraction" in f["theory"])'

# data files: 6 points in R^2 with one repeated (p = 3): 5 distinct generic points, C(5, 3) =
# 22 < C(6, 3) = 32; 1-D values 0, 0, 1, 2 with bias: 2 per distinct value, 6 < 8
"$PYTHON3" -c '
import h5py, numpy as np
X = np.array([[0.3, -1.2], [1.7, 0.4], [-0.8, 0.9], [2.2, -0.5], [-1.4, -1.1], [1.7, 0.4]])
with h5py.File("rep.h5", "w") as f:
    f["X"] = X
    f["X1"] = np.array([[0.0], [0.0], [1.0], [2.0]])'
mpirun 1 "$RELUSCAPE" -q run wide.ini --set data.law=file --set data.file=rep.h5 --set grid.d0=2 --set grid.n=6 \
    --set data.bias=true -o rep.h5out.h5
check "repeated point: run exits 0" [ $? = 0 ]
check "repeated point: 22 realizable rows, below Cover's 32" h5_stats rep.h5out.h5 \
    'sys.exit(not ((s["realizable_rows"][()] == 22).all() and (f["theory/cover_rows"][()] == 32).all()))'
mpirun 1 "$RELUSCAPE" -q run wide.ini --set data.law=file --set data.file=rep.h5 --set data.dataset=X1 --set grid.d0=1 \
    --set grid.n=4 --set data.bias=true -o tie.h5
check "1-D tie: 6 realizable rows, below 2n = 8" h5_stats tie.h5 'sys.exit(not (s["realizable_rows"][()] == 6).all())'
mpirun 1 "$RELUSCAPE" -q run wide.ini --set data.count_rows=never -o never.h5
check "data.count_rows = never: nothing counted (0), the rest unchanged" sh -c \
    "'$PYTHON3' -c 'import h5py, sys; sys.exit(int(h5py.File(\"never.h5\")[\"stats/realizable_rows\"][()].any()))' &&
     '$H5DIFF' -q wide.h5 never.h5 /stats/full_rank /stats/full_rank"

# /theory at hand-computed points of wide2.h5 (d0 = 2, bias, p = 3, n = 5, d1 = 2, 3)
check "theory: P - n = 3 d1 - 5; cover 22; log2 regions d1 log2 22" h5_stats wide2.h5 '
t = f["theory"]
sys.exit(not (list(t["P_minus_n"][0, :, 0]) == [1, 4] and (t["cover_rows"][()] == 22).all()
    and np.allclose(t["log2_nonempty_regions"][0, :, 0], [2 * np.log2(22), 3 * np.log2(22)], rtol=1e-14)
    and t["P_minus_n"].attrs["contour_level"] == 0 and t["P_minus_n"].dtype == np.int64))'
check "theory: all-patterns bound max(0, 1 - 2 * 2^(3 - d1)) = 0, 0; d0 < n: NaN" h5_stats wide2.h5 '
t = f["theory"]
sys.exit(not (list(t["all_patterns_bound"][0, :, 0]) == [0, 0] and np.isnan(t["nonempty_d0_ge_n"][()]).all()))'
check "theory: d0 = 6 >= n: (1 - 2^-d1)^n, bound 1 - 6 * 2^(1 - d1) clipped" h5_stats wide.h5 '
t = f["theory"]; w = t["nonempty_d0_ge_n"][0]; b = t["all_patterns_bound"][0]
sys.exit(not (np.isclose(w[0, 0], 27 / 64, rtol=1e-15, atol=0) and np.isclose(w[1, 2], 7 ** 5 / 8 ** 5, rtol=1e-15, atol=0) and b[0, 0] == 0 and b[1, 1] == 0 and
    t["nonempty_d0_ge_n"].attrs["contour_level"] == 0.5 and t["all_patterns_bound"].attrs["contour_level"] == 0.5))'
check "theory: dimension scales and units" h5_stats wide.h5 '
d = f["theory/cover_rows"]; sys.exit(not ([dim[0] for dim in d.dims] == [g["d0"], g["d1"], g["n"]] and d.attrs["units"] == "1"))'

# /analysis on a synthetic file: d0 = 2, 8; d1 = 10, 20, 30, 40; n = 5, 8, 11; bias
"$PYTHON3" -c '
import h5py, numpy as np
with h5py.File("syn.h5", "w") as f:
    f.attrs["data.bias"] = np.int64(1)
    for name, v in (("d0", [2, 8]), ("d1", [10, 20, 30, 40]), ("n", [5, 8, 11])):
        f["grid/" + name] = np.array(v, dtype=np.int64)
        f["grid/" + name].make_scale(name)
    N = np.full((2, 4, 3), 100, dtype=np.int64)
    k = np.zeros((2, 4, 3), dtype=np.int64)
    k[:, :, 0] = [10, 40, 60, 90]          # crosses 1/2 between d1 = 20 and 30: at 25
    k[:, :, 1] = [60, 70, 80, 90]          # above 1/2 from the start: NaN
    k[:, :, 2] = [0, 0, 100, 100]; N[:, 1, 2] = 0   # d1 = 20 without trials: from 10 to 30, at 20
    f["stats/trials"] = N
    f["stats/full_rank"] = k'
"$RELUSCAPE" -q analyse syn.h5
check "analyse a synthetic file: exit 0" [ $? = 0 ]
check "transition_d1: 25, NaN, 20 (linear interpolation by hand)" h5_stats syn.h5 '
a = f["analysis/transition_d1"][()]
sys.exit(not (a.shape == (2, 3) and np.allclose(a[:, 0], 25, rtol=1e-14) and np.isnan(a[:, 1]).all() and np.allclose(a[:, 2], 20, rtol=1e-14)))'
check "transition interval: the Wilson bounds (z = 1.959964) crossing 1/2, by hand" h5_stats syn.h5 '
z = 1.959963984540054
def wil(k, N):
    p = k / N; c = (p + z * z / (2 * N)) / (1 + z * z / N); h = z * np.sqrt(p * (1 - p) / N + z * z / (4 * N * N)) / (1 + z * z / N)
    return (0.0 if k == 0 else c - h), (1.0 if k == N else c + h)
lo40, hi40 = wil(40, 100); lo60, hi60 = wil(60, 100); lo90, _ = wil(90, 100); _, hi0 = wil(0, 100); lo100, _ = wil(100, 100)
# by hand: upper bounds 0.174, 0.498, 0.695 at k = 10, 40, 60 (d1 = 10, 20, 30); lower
# bounds 0.311, 0.502 at k = 40, 60: both cross 1/2 between d1 = 20 and 30
assert hi40 < 0.5 < hi60 and lo40 < 0.5 < lo60
want_lo = 20 + (0.5 - hi40) / (hi60 - hi40) * 10
want_hi = 20 + (0.5 - lo40) / (lo60 - lo40) * 10
want_lo2 = 10 + (0.5 - hi0) / (1 - hi0) * 20; want_hi2 = 10 + 0.5 / lo100 * 20
a = f["analysis"]; lo = a["transition_d1_lo"][()]; hi = a["transition_d1_hi"][()]
sys.exit(not (np.allclose(lo[:, 0], want_lo, rtol=1e-12) and np.allclose(hi[:, 0], want_hi, rtol=1e-12)
    and np.allclose(lo[:, 2], want_lo2, rtol=1e-12) and np.allclose(hi[:, 2], want_hi2, rtol=1e-12)
    and np.isnan(lo[:, 1]).all() and np.isnan(hi[:, 1]).all()))'
check "analysis attributes: method, confidence_level, scales a0 and n" h5_stats syn.h5 '
d = f["analysis/transition_d1"]
sys.exit(not ("interpolation" in d.attrs["method"] and d.attrs["confidence_level"] == 0.95 and [x[0] for x in d.dims] == [g["d0"], g["n"]]))'
check "synthetic theory: bound 1 - 2 * 2^(3 - 10) at (2, 10, 5); d0 = 8 >= 5: (1 - 2^-10)^5" h5_stats syn.h5 '
t = f["theory"]
sys.exit(not (t["all_patterns_bound"][0, 0, 0] == 1 - 2 / 128 and t["nonempty_d0_ge_n"][1, 0, 0] == (1 - 2 ** -10) ** 5
    and t["all_patterns_bound"][1, 0, 0] == 1 - 8 / 512 and t["P_minus_n"][1, 3, 2] == 40 * 9 - 11))'
"$RELUSCAPE" -q analyse syn.h5
check "analyse again (groups replaced): exit 0, same transition" h5_stats syn.h5 'sys.exit(not np.allclose(f["analysis/transition_d1"][:, 0], 25))'
cp syn.h5 before.h5
"$PYTHON3" -c 'import h5py; f = h5py.File("syn.h5", "a"); del f.attrs["data.bias"]'
cp syn.h5 nobias.h5
"$RELUSCAPE" analyse syn.h5 2>nobias.err
check "a file without data.bias is refused (exit 2)" [ $? = 2 ]
check "... saying so" grep -q "data.bias" nobias.err
check "... and left as it was" cmp -s syn.h5 nobias.h5
"$PYTHON3" -c 'import h5py; f = h5py.File("syn.h5", "a"); f.attrs["data.bias"] = 1; k = f["stats/full_rank"]; k[0, 0, 0] = 101'
"$RELUSCAPE" analyse syn.h5 2>over.err
check "full_rank above trials is refused (exit 2)" [ $? = 2 ]
check "... naming the cell" grep -q "cell 0: .*full_rank <= trials" over.err
"$RELUSCAPE" analyse missing.h5 2>/dev/null
check "a missing file: non-zero exit" [ $? != 0 ]
"$PYTHON3" -c 'import h5py; f = h5py.File("syn.h5", "a"); f.attrs["data.bias"] = 1; del f["stats/trials"]'
"$RELUSCAPE" analyse syn.h5 2>notrials.err
check "a file without /stats/trials is refused (exit 2)" [ $? = 2 ]
check "... naming the dataset" grep -q "/stats/trials" notrials.err
"$RELUSCAPE" report wide2.h5 >report.out 2>&1
check "report names the theory curves" grep -q "all_patterns_bound" report.out
check "report prints the transition per n" grep -q "transition" report.out
"$PYTHON3" -c 'import h5py; f = h5py.File("wide2.h5", "a"); del f["theory"]; del f["analysis"]'
"$RELUSCAPE" report wide2.h5 >old.out 2>&1
check "a file without /theory: report says how to add it" grep -q "reluscape analyse" old.out
"$RELUSCAPE" -q analyse wide2.h5
check "... and analyse adds /theory and /analysis back" h5_stats wide2.h5 \
    'sys.exit(not ((f["theory/cover_rows"][()] == 22).all() and "transition_d1" in f["analysis"]))'
finish
