# run_smoke.sh - whole runs checked against mathematics and against their own schema.
#  * d0 >= n, no bias, Gaussian X: rank J = n iff no point activates no neuron, so
#    full_rank + zero_column = trials exactly, and P(full) = (1 - 2^-d1)^n (bernoulli 1/2).
#  * rank J <= min(n, P); a zero or crowded column forces a deficit.
#  * the histogram, sums and Wilson bounds agree with each other.
#  * re-running the stored effective config reproduces /stats bit for bit.
. "${top_srcdir:-.}/tests/lib.sh"
has_py_h5 || skip "python3 with h5py and numpy is needed to read the results"

cat >"$WORK/indep.ini" <<'INI'
[grid]
d0 = 12
d1 = 1:6
n = 4:12:4
[sweep]
trials = 3000
seed = 7
[data]
law = gaussian
bias = false
[pattern]
sampler = bernoulli
p = 0.5
[output]
progress = 0.0001
INI
rc=$(run_rs "$WORK/indep.out" "$WORK/indep.err" run "$WORK/indep.ini" -o "$WORK/indep.h5")
check "independent-data run exits 0" [ "$rc" = 0 ]
check "progress lines on stdout" grep -q "progress: cells .* trials/s .* ETA" "$WORK/indep.out"

cat >"$WORK/bounds.ini" <<'INI'
[grid]
d0 = 1
d1 = 2:12:2
n = 6:30:6
[sweep]
trials = 200
[pattern]
sampler = region
[network]
v = balanced
INI
mpirun 2 "$RELUSCAPE" -q run "$WORK/bounds.ini" -o "$WORK/bounds.h5"
check "region run on 2 ranks exits 0" [ $? = 0 ]
mpirun 3 "$RELUSCAPE" -q run "$WORK/bounds.ini" --set pattern.sampler=init --set data.law=uniform \
    -o "$WORK/init.h5"
check "init run on 3 ranks exits 0" [ $? = 0 ]

cat >"$WORK/check.py" <<'PY'
import sys, math, h5py, numpy as np
failed = 0
def expect(cond, what):
    global failed
    print(("ok - " if cond else "FAIL - ") + what)
    failed += not cond

def invariants(path):
    f = h5py.File(path, "r")
    s = {k: f["stats"][k][()] for k in f["stats"] if k not in ("d0", "d1", "n", "deficit", "d0_ratio")}
    P, n = f["grid/P"][()], f["grid/n"][()]
    nn = np.broadcast_to(n, P.shape)
    hist = s["deficit_hist"]
    expect(f.attrs["complete"] == 1, f"{path}: complete = 1")
    for a in ("schema_version", "version", "git_describe", "created", "finished", "command_line",
              "config", "seed", "ranks", "host", "mpi_version", "hdf5_version", "lapack", "glpk_version"):
        expect(a in f.attrs, f"{path}: root attribute {a}")
    expect((hist.sum(axis=-1) == s["trials"]).all(), f"{path}: histogram sums to trials")
    expect((hist[..., 0] == s["full_rank"]).all(), f"{path}: deficit 0 bin = full_rank")
    ranks = nn[..., None] - np.arange(hist.shape[-1])
    expect(((hist * ranks).sum(axis=-1) == s["rank_sum"]).all(), f"{path}: rank_sum from histogram")
    expect((s["rank_sum"] <= s["trials"] * np.minimum(nn, P)).all(), f"{path}: rank <= min(n, P)")
    lowP = P < nn
    expect((s["full_rank"][lowP] == 0).all(), f"{path}: no full rank where P < n ({lowP.sum()} such cells)")
    forced = np.maximum(s["zero_column"], s["crowded_column"])
    expect((s["full_rank"] <= s["trials"] - forced).all(), f"{path}: zero/crowded columns are deficient")
    expect((s["certified"] <= s["trials"]).all(), f"{path}: certified trials are counted once")
    fr, lo, hi = s["full_rank_fraction"], s["full_rank_lo"], s["full_rank_hi"]
    expect((lo <= fr + 1e-15).all() and (fr <= hi + 1e-15).all(), f"{path}: Wilson bounds bracket the fraction")
    expect(np.allclose(fr, s["full_rank"] / s["trials"]), f"{path}: fraction = full_rank / trials")
    return f, s

f, s = invariants(sys.argv[1])
expect((s["full_rank"] + s["zero_column"] == s["trials"]).all(),
       "d0 >= n: full rank exactly when no zero column")
d1 = f["grid/d1"][()][None, :, None]
n = f["grid/n"][()][None, None, :]
p = (1 - 2.0 ** -d1) ** n
N = s["trials"]
z = (s["full_rank"] - N * p) / np.sqrt(N * p * (1 - p) + 1e-300)
expect(np.abs(z).max() < 4.5, f"d0 >= n: P(full) = (1-2^-d1)^n within 4.5 sigma (max |z| = {np.abs(z).max():.2f})")
for path in sys.argv[2:]:
    invariants(path)
sys.exit(1 if failed else 0)
PY
"$PYTHON3" "$WORK/check.py" "$WORK/indep.h5" "$WORK/bounds.h5" "$WORK/init.h5" >"$WORK/check.out" 2>&1
check "known answers and invariants (see below)" [ $? = 0 ]
cat "$WORK/check.out"
t_pass=$((t_pass + $(grep -c '^ok' "$WORK/check.out")))
t_fail=$((t_fail + $(grep -c '^FAIL' "$WORK/check.out")))

# the effective config stored in the file reproduces the run exactly
"$PYTHON3" -c 'import h5py, sys; print(h5py.File(sys.argv[1])["/"].attrs["config"])' "$WORK/bounds.h5" >"$WORK/again.ini"
rc=$(run_rs "$WORK/again.out" "$WORK/again.err" -q run "$WORK/again.ini" -o "$WORK/again.h5")
check "stored config runs" [ "$rc" = 0 ]
check "stored config reproduces /stats" "$H5DIFF" -q "$WORK/bounds.h5" "$WORK/again.h5" /stats /stats

# the full-rank certificate decides exactly as the rank method would
for m in svd qrcp; do
    mpirun 2 "$RELUSCAPE" -q run "$WORK/bounds.ini" --set pattern.sampler=init --set rank.method=$m \
        --set rank.certify=false -o "$WORK/nocert-$m.h5"
    mpirun 2 "$RELUSCAPE" -q run "$WORK/bounds.ini" --set pattern.sampler=init --set rank.method=$m \
        -o "$WORK/cert-$m.h5"
    for q in full_rank rank_sum deficit_hist; do
        check "$m: certificate on/off give the same $q" "$H5DIFF" -q "$WORK/cert-$m.h5" "$WORK/nocert-$m.h5" /stats/$q /stats/$q
    done
    check "$m: the certificate decided some trials" \
        "$PYTHON3" -c "import h5py, sys; f = h5py.File(sys.argv[1]); c = f['stats/certified'][()]; sys.exit(not (0 < c.sum() <= f['stats/full_rank'][()].sum()))" "$WORK/cert-$m.h5"
    check "$m: certify=false decides none" \
        "$PYTHON3" -c "import h5py, sys; sys.exit(int(h5py.File(sys.argv[1])['stats/certified'][()].sum()))" "$WORK/nocert-$m.h5"
done

# subcommands
rc=$(run_rs "$WORK/info.out" "$WORK/info.err" info)
check "info exits 0 and names the rank methods" sh -c "[ $rc = 0 ] && grep -q 'svd' '$WORK/info.out'"
rc=$(run_rs "$WORK/pc.out" "$WORK/pc.err" run "$WORK/bounds.ini" --print-config --set rank.method=qrcp)
check "--print-config shows overrides" sh -c "[ $rc = 0 ] && grep -q '^method = qrcp' '$WORK/pc.out'"
# docs carry the tables generated from the option table and the statistics tables
generated() { sed -n '/<!-- BEGIN generated/,/<!-- END generated/p' "$1" | sed '1d;$d'; }
"$RELUSCAPE" info --config-doc >"$WORK/keys.md"
generated "$top_srcdir/docs/config.md" >"$WORK/keys.doc"
check "docs/config.md lists every key as the program does" cmp "$WORK/keys.md" "$WORK/keys.doc"
"$RELUSCAPE" info --stats-doc >"$WORK/stats.md"
generated "$top_srcdir/docs/hdf5-schema.md" >"$WORK/stats.doc"
check "docs/hdf5-schema.md lists every statistic as the program does" cmp "$WORK/stats.md" "$WORK/stats.doc"
check "the statistics doc is not empty" grep -q '^| `full_rank` |' "$WORK/stats.doc"
# the shipped example configs stay valid
for c in "$top_srcdir"/jobs/configs/*.ini; do
    check "$(basename "$c") parses" sh -c "'$RELUSCAPE' run '$c' --print-config >/dev/null"
done
# One BLAS thread per rank even when the environment does not say so: OpenBLAS reads it
# when loaded, so the program sets it and starts again (src/main.c); a user's value stays.
env -u OPENBLAS_NUM_THREADS -u OMP_NUM_THREADS "$RELUSCAPE" -v info >"$WORK/blas.out" 2>&1
check "without OPENBLAS_NUM_THREADS: set to 1 at start" grep -q "set at start: OPENBLAS_NUM_THREADS=1" "$WORK/blas.out"
OPENBLAS_NUM_THREADS=2 OPENBLAS_CORETYPE=Prescott "$RELUSCAPE" -v info >"$WORK/blas2.out" 2>&1
check "a user's OPENBLAS_NUM_THREADS and OPENBLAS_CORETYPE are kept" sh -c "! grep -q 'set at start' '$WORK/blas2.out'"
finish
