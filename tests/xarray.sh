# xarray.sh - result files analysis code can open in one call (schema 2): xarray with
# h5netcdf labels every /stats variable by its axes with P and d0_of_cell as coordinates,
# on both grid families; every variable carries long_name, units and description; the
# fractions say which interval they are and what it assumes; the run's settings are typed
# root attributes, without keys the run does not read.
. "${top_srcdir:-.}/tests/lib.sh"

"$PYTHON3" -c 'import xarray, h5netcdf' 2>/dev/null || skip "python3 xarray/h5netcdf missing"
cd "$WORK" || exit 1
mpirun 1 "$RELUSCAPE" -q run "$top_srcdir/jobs/configs/default.ini" --set sweep.trials=4 -o d0.h5
mpirun 1 "$RELUSCAPE" -q run "$top_srcdir/jobs/configs/paper-ratio-d0.ini" --set sweep.trials=4 --set grid.n=10:50:20 --set rank.method=svd \
    --set sweep.patterns_per_dataset=2 -o ratio.h5
check "runs exit 0" all_present d0.h5 ratio.h5
py() { "$PYTHON3" -c "import sys, math, xarray as xr; f = sys.argv[1]; s = xr.open_dataset(f, group='stats', engine='h5netcdf'); r = xr.open_dataset(f, engine='h5netcdf'); $2" "$1"; }
for f in d0 ratio; do
    check "$f: P and d0_of_cell are coordinates of /stats" py $f.h5 'sys.exit(not {"P", "d0_of_cell"} <= set(s.coords))'
    check "$f: every variable has long_name, units, description" \
        py $f.h5 'sys.exit(not all({"long_name", "units", "description"} <= set(v.attrs) for v in s.data_vars.values()))'
    check "$f: the fraction's interval is named, with its level" \
        py $f.h5 'a = s.full_rank_fraction.attrs; sys.exit(not (a["interval"] == "Wilson score" and a["confidence_level"] == 0.95))'
    check "$f: Conventions and typed settings at the root" \
        py $f.h5 'sys.exit(not (r.attrs["Conventions"].startswith("CF") and r.attrs["data.bias"] == 1 and isinstance(r.attrs["sweep.trials"], (int,)) or r.attrs["sweep.trials"].dtype.kind == "i"))'
    check "$f: keys the run does not read are left out" \
        py $f.h5 'sys.exit(any(k in r.attrs for k in ("pattern.p", "data.dataset", "targets.law", "minima.exact")))'
done
check "auto draws no v: network.v left out" py d0.h5 'sys.exit("network.v" in r.attrs)'
check "svd draws v: network.v kept" py ratio.h5 'sys.exit("network.v" not in r.attrs)'
mpirun 1 "$RELUSCAPE" -q run "$top_srcdir/jobs/configs/default.ini" --set sweep.trials=2 --set pattern.sampler=bernoulli \
    -o bern.h5
check "bernoulli patterns read pattern.p, not pattern.init" py bern.h5 'sys.exit("pattern.init" in r.attrs or "pattern.p" not in r.attrs)'
check "d0 file: .sel(d0=2) works" py d0.h5 'sys.exit(s.full_rank_fraction.sel(d0=2).shape != (12, 9))'
check "ratio file: .sel(d0_ratio=0.5) and the cell's d0 as coordinate" \
    py ratio.h5 'v = s.full_rank_fraction.sel(d0_ratio=0.5); sys.exit(not (v.d0_of_cell.values.max() == 25))'
check "ratio file: the interval says trials share datasets" \
    py ratio.h5 'sys.exit("share" not in s.full_rank_lo.attrs["interval_assumes"])'
check "schema_version 2" py d0.h5 'sys.exit(int(r.attrs["schema_version"]) != 2)'
finish
