# analysis_py.sh - the Python package tools/reluscape_tools on files the real program
# writes (both grid families; rank and minima experiments): open and concatenation, the
# tidy table, every figure, titles that tell runs apart, overlays and the transition curve
# from a file with /theory and /analysis groups (added here with hand-set values); the
# schema doc names everything the files hold; ncdump reads the files.
. "${top_srcdir:-.}/tests/lib.sh"

"$PYTHON3" -c 'import xarray, matplotlib, h5py' 2>/dev/null || skip "python3 xarray/matplotlib/h5py missing"
cd "$WORK" || exit 1
CFG=$top_srcdir/jobs/configs
small="--set grid.d0=1,2 --set grid.d1=5:25:10 --set grid.n=10:30:10 --set sweep.trials=6"
mpirun 1 "$RELUSCAPE" -q run "$CFG/default.ini" $small --set sweep.patterns_per_dataset=3 -o bias1.h5
mpirun 1 "$RELUSCAPE" -q run "$CFG/default.ini" $small --set sweep.patterns_per_dataset=3 --set data.bias=false -o bias0.h5
mpirun 1 "$RELUSCAPE" -q run "$CFG/default.ini" $small --set sweep.patterns_per_dataset=3 --set data.bias=false \
    --set sweep.seed=7 -o bias0seed7.h5
mpirun 1 "$RELUSCAPE" -q run "$CFG/default.ini" $small -o indep.h5
mpirun 1 "$RELUSCAPE" -q run "$CFG/paper-ratio-d0.ini" --set sweep.trials=4 --set grid.n=10:50:20 -o ratio.h5
mpirun 1 "$RELUSCAPE" -q run "$CFG/minima-1d.ini" --set sweep.trials=4 --set sweep.patterns_per_dataset=2 \
    --set grid.n=10:30:10 --set grid.d1=10:40:30 -o minima.h5
check "the runs write their files" sh -c 'for f in bias1 bias0 bias0seed7 indep ratio minima; do [ -f $f.h5 ] || exit 1; done'

export PYTHONPATH="$top_srcdir/tools${PYTHONPATH:+:$PYTHONPATH}" MPLBACKEND=Agg PYTHON3 top_srcdir
py() { "$PYTHON3" -c "import sys, h5py, numpy as np, reluscape_tools as rt
$1"; }
png_ok() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; }
plot_ok() { py "$2" && png_ok "$1"; } # plot_ok OUT.png CODE: the code runs and writes a PNG

# ---------------------------------------------------------------- open, concatenation, table
check "d0 file: labelled by d0, d1, n with P and d0_of_cell" py '
ds = rt.open("bias1.h5"); sys.exit(not ({"d0", "d1", "n", "P", "d0_of_cell"} <= set(ds.coords) and ds.attrs["data.bias"] == 1))'
check "ratio file: labelled by d0_ratio, .sel(d0_ratio=0.5) has d0 = n/2" py '
v = rt.open("ratio.h5").full_rank_fraction.sel(d0_ratio=0.5); sys.exit(not (v.d0_of_cell.values == np.ceil(v.n.values / 2)[None, :]).all())'
check "two files differing in data.bias: concatenated along data.bias" py '
ds = rt.open(["bias1.h5", "bias0.h5"]); sys.exit(not (ds.sizes["data.bias"] == 2 and list(ds["data.bias"].values) == [1, 0]))'
py 'rt.open(["bias1.h5", "bias0seed7.h5"])' 2>err.txt
check "files differing in two settings are refused, naming them" grep -q "data.bias, sweep.seed" err.txt
py 'rt.open(["bias1.h5", "ratio.h5"])' 2>err.txt
check "files on different grids are refused" grep -q "grid family d0_ratio" err.txt
check "to_frame: one row per cell, no bin axis" py '
f = h5py.File("bias1.h5"); cells = f["stats/trials"].size
df = rt.to_frame(rt.open("bias1.h5")); sys.exit(not (len(df) == cells and "deficit" not in df.columns and "P" in df.columns))'
check "to_frame of two runs: two rows per cell" py '
df = rt.to_frame(rt.open(["bias1.h5", "bias0.h5"])); sys.exit(not len(df) == 2 * h5py.File("bias1.h5")["stats/trials"].size)'
check "to_frame: full-rank trials summed equal the /stats counts" py '
df = rt.to_frame(rt.open("ratio.h5")); sys.exit(int(df.full_rank.sum()) != int(h5py.File("ratio.h5")["stats/full_rank"][()].sum()))'
check "rank <= P: no full-rank trial in any cell with P < n" py '
df = rt.to_frame(rt.open("ratio.h5")); low = df[df.P < df.n]; sys.exit(not (len(low) > 0 and (low.full_rank == 0).all()))'
check "export command writes one CSV line per cell plus a header" sh -c '
"$PYTHON3" -m reluscape_tools export ratio.h5 --csv ratio.csv >/dev/null &&
[ "$(wc -l <ratio.csv)" -eq $(( $("$PYTHON3" -c "import h5py; print(h5py.File(\"ratio.h5\")[\"stats/trials\"].size)") + 1 )) ]'

# ---------------------------------------------------------------- cluster interval
check "one trial per draw: cluster bounds equal the Wilson bounds" py '
s = h5py.File("indep.h5")["stats"]; sys.exit(not (np.array_equal(s["full_rank_cluster_lo"][()], s["full_rank_lo"][()]) and np.array_equal(s["full_rank_cluster_hi"][()], s["full_rank_hi"][()])))'
check "shared draws: cluster interval contains the Wilson interval (design effect >= 1)" py '
s = h5py.File("bias1.h5")["stats"]; sys.exit(not ((s["full_rank_cluster_lo"][()] <= s["full_rank_lo"][()]).all() and (s["full_rank_cluster_hi"][()] >= s["full_rank_hi"][()]).all()))'
check "shared draws: datasets = trials / patterns_per_dataset, full_rank <= full_rank_sq <= 3 full_rank" py '
s = h5py.File("bias1.h5")["stats"]; k = s["full_rank"][()]; q = s["full_rank_sq"][()]
sys.exit(not ((s["datasets"][()] == 2).all() and (k <= q).all() and (q <= 3 * k).all()))'

for i in 0 1; do
    mpirun 1 "$RELUSCAPE" -q run "$CFG/default.ini" $small --set sweep.patterns_per_dataset=3 --shard $i/2 -o part$i.h5
done
mpirun 1 "$RELUSCAPE" -q merge -o merged.h5 part0.h5 part1.h5
check "merged shards: the cluster counters equal the whole run's" py '
a, b = h5py.File("merged.h5")["stats"], h5py.File("bias1.h5")["stats"]
sys.exit(not all(np.array_equal(a[k][()], b[k][()]) for k in ("datasets", "full_rank_sq", "full_rank_cluster_lo")))'
py 'f = h5py.File("part1.h5", "a"); del f["stats/datasets"]; del f["stats/full_rank_sq"]'
mpirun 1 "$RELUSCAPE" -q merge -o merged_old.h5 part0.h5 part1.h5
check "merge with a part that predates the cluster counters: NaN cluster bounds, Wilson kept" py '
s = h5py.File("merged_old.h5")["stats"]
sys.exit(not (np.isnan(s["full_rank_cluster_lo"][()]).all() and (s["datasets"][()] == 0).all() and np.isfinite(s["full_rank_lo"][()]).all()))'

# ---------------------------------------------------------------- figures
check "heatmap of a d0 file" py 'rt.heatmap(rt.open("bias1.h5")).savefig("h.png")'
check "  ... is a PNG" png_ok h.png
check "heatmap of a ratio file" plot_ok r.png 'rt.heatmap(rt.open("ratio.h5")).savefig("r.png")'
check "heatmap of two runs" plot_ok hh.png 'rt.heatmap(rt.open(["bias1.h5", "bias0.h5"])).savefig("hh.png")'
check "deficit histogram of a cell" plot_ok d.png 'rt.deficit_histogram(rt.open("bias1.h5"), d0=2, d1=15, n=20).savefig("d.png")'
check "comparison of two files" plot_ok c.png 'rt.compare("bias1.h5", "bias0.h5").savefig("c.png")'
check "minima classes" plot_ok m.png 'rt.minima_classes(rt.open("minima.h5")).savefig("m.png")'
py 'rt.minima_classes(rt.open("bias1.h5"))' 2>err.txt
check "minima classes of a rank file: refused" grep -q "need experiment.kind = minima" err.txt
check "a file compared with itself: no significant cell" py '
fig = rt.compare("bias1.h5", "bias1.h5"); sys.exit(any(len(l.get_xdata()) for ax in fig.axes for l in ax.lines if l.get_marker() == "."))'
check "titles of runs differing in a setting differ" py '
t = [rt.heatmap(rt.open(f))._suptitle.get_text() for f in ("bias1.h5", "bias0.h5")]
sys.exit(not (t[0] != t[1] and "bias=1" in t[0] and "bias=0" in t[1]))'
check "colour-bar label says fraction full rank, not P(...)" py '
fig = rt.heatmap(rt.open("bias1.h5")); sys.exit(fig.axes[-1].get_ylabel() != "fraction full rank")'
check "P = n line stays visible where every cell of a column has P >= n" py '
fig = rt.heatmap(rt.open("bias1.h5")); ax = fig.axes[1]; lo = ax.get_ylim()[0]
sys.exit(not any(l.get_color() == "red" and min(l.get_ydata()) > lo for l in ax.lines))'
py 'import shutil; shutil.copy("bias1.h5", "noanalysis.h5"); f = h5py.File("noanalysis.h5", "a"); del f["analysis"], f["theory"]'
py 'rt.transition(rt.open("noanalysis.h5"))' 2>err.txt
check "transition of a file without /analysis (and /theory): refused with the reason" grep -q "no /analysis/transition_d1" err.txt
"$PYTHON3" "$top_srcdir/tools/plot_heatmap.py" minima.h5 -o pm.png >/dev/null
check "plot_heatmap.py over the package writes a PNG" png_ok pm.png

# ---------------------------------------------------------------- /theory and /analysis
py '
import shutil; shutil.copy("bias1.h5", "theory.h5")
f = h5py.File("theory.h5", "a"); P = f["grid/P"][()]; n = f["grid/n"][()]
del f["theory"], f["analysis"]  # the program wrote its own: replaced by hand-set values
t = f.create_group("theory"); a = f.create_group("analysis")
d = t.create_dataset("P_minus_n", data=P - n[None, None, :]); d.attrs["contour_level"] = 0.0
d = t.create_dataset("cover_rows", data=(P - 2 * n[None, None, :]).astype(float)); d.attrs["contour_level"] = 0.0
t.create_dataset("exact_full_rank_fraction", data=(P >= n[None, None, :]).astype(float))
N0, Nn = P.shape[0], P.shape[2]
a.create_dataset("transition_d1", data=np.array([[10.0, 20.0, np.nan], [5.0, 7.5, 12.5]])[:N0, :Nn])
a.create_dataset("transition_d1_lo", data=np.array([[8.0, 15.0, np.nan], [4.0, 6.0, 10.0]])[:N0, :Nn])
a.create_dataset("transition_d1_hi", data=np.array([[12.0, 25.0, np.nan], [6.0, 9.0, 15.0]])[:N0, :Nn])
a["transition_d1"].attrs["method"] = "hand-set"; a["transition_d1"].attrs["confidence_level"] = 0.95
'
check "synthetic file with /theory and /analysis written" [ -f theory.h5 ]
check "theory arrays read on the cell grid, transition on (d0, n), values as written" py '
ds = rt.open("theory.h5"); sys.exit(not (ds.theory_cover_rows.dims == ("d0", "d1", "n") and ds.transition_d1.dims == ("d0", "n")
    and ds.transition_d1.sel(d0=2, n=30) == 12.5 and np.isnan(ds.transition_d1.sel(d0=1, n=30))))'
check "heatmap draws the contour of each theory array with contour_level (not P - n twice)" py '
fig = rt.heatmap(rt.open("theory.h5")); plain = rt.heatmap(rt.open("noanalysis.h5"))
c = lambda f: [len(ax.collections) for ax in f.axes[:-1]]
sys.exit(not (max(c(plain)) == 0 and max(c(fig)) == 1))'
check "transition curve with its interval" plot_ok t.png 'rt.transition(rt.open("theory.h5")).savefig("t.png")'
check "transition curve: band between the hand-set bounds" py '
fig = rt.transition(rt.open("theory.h5")); ax = fig.axes[0]
ys = sorted(float(v) for l in ax.lines for v in l.get_ydata() if np.isfinite(v))
sys.exit(not ({10.0, 20.0, 5.0, 7.5, 12.5} <= set(ys) and len(ax.collections) == 2))'

# ---------------------------------------------------------------- schema doc, ncdump
# ---------------------------------------------------------------- experiment train
cat >train.ini <<'INI'
[experiment]
kind = train
[grid]
d0 = 1
d1 = 4, 20
n = 6, 10
[sweep]
trials = 6
[train]
steps = 120
keep_trajectories = 2
[output]
progress = 0
INI
mpirun 1 "$RELUSCAPE" -q run train.ini -o train.h5
check "train run exits 0" [ $? = 0 ]
check "train file: the step axis carries the recorded steps of /grid/step" py '
ds = rt.open("train.h5"); g = h5py.File("train.h5")["grid/step"][()]
sys.exit(not ((ds["step"].values == g).all() and g[-1] == 120 and ds["loss_trajectory"].dims[-2:] == ("kept_trial", "step")))'
check "train heatmaps: reached next to full rank at initialisation" plot_ok th.png 'rt.heatmap(rt.open("train.h5")).savefig("th.png")'
check "training curves of a cell" plot_ok tc.png 'rt.training_curves(rt.open("train.h5"), d0=1, d1=20, n=10).savefig("tc.png")'
py 'rt.training_curves(rt.open("minima.h5"), d0=1, d1=20, n=10)' 2>err.txt
check "training curves of a minima file: refused, naming the experiment" grep -q "need experiment.kind = train" err.txt
check "docs/hdf5-schema.md names every attribute, group and dataset of the files" sh -c \
    '[ -z "$("$PYTHON3" "$top_srcdir/tests/schema_doc.py" "$top_srcdir/docs/hdf5-schema.md" bias1.h5 ratio.h5 minima.h5 train.h5 | tee undocumented.txt)" ]'
[ -s undocumented.txt ] && sed 's/^/  undocumented: /' undocumented.txt
if command -v ncdump >/dev/null 2>&1; then
    for f in bias1 ratio minima; do
        check "ncdump -h $f.h5 exits 0 and shows the stats variables" sh -c \
            "ncdump -h $f.h5 >$f.cdl && grep -q 'int64 full_rank(' $f.cdl && grep -q 'double full_rank_fraction(' $f.cdl"
    done
else
    missing "ncdump (Debian netcdf-bin)"
fi
finish
