#!/bin/sh
# report.sh - `reluscape report` and tools/plot_heatmap.py on synthetic result files
# of schema 1 written by tests/schema1_h5.py, whose counts follow a known law:
#   P >= 2n -> fraction 1 ('@'),  n <= P < 2n -> 1/2 ('+'),  P < n -> 0 (blank).
# Automake test: exit 0 pass, 1 fail, 77 skip.  Env: top_srcdir, top_builddir, PYTHON3,
# MPIEXEC (optional); RELUSCAPE overrides the program under test.

. "${top_srcdir:-.}/tests/lib.sh"
RS=${RELUSCAPE:-$top_builddir/reluscape}
MAKE_H5=$top_srcdir/tests/schema1_h5.py
PLOT=$top_srcdir/tools/plot_heatmap.py
[ -x "$RS" ] || skip "$RS not built"
has_py_h5 || skip "$PYTHON3 lacks h5py/numpy, cannot write the synthetic files"

tmp=$WORK
trap 'exit 1' HUP INT TERM

# report FILE [ARGS...]: run the program, stdout to $tmp/out, stderr to $tmp/err, rc in $rc
report() {
    "$RS" report "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}
# panel N: the rows of the Nth heatmap (1-based) of $tmp/out, frame lines excluded
panel() {
    awk -v want="$1" '/^d0 = /{k++; next} k == want && /^ *[0-9]+ \|/' "$tmp/out"
}

mk() {  # mk NAME ARGS...: synthetic file $tmp/NAME, its expectation line in $tmp/NAME.expect
    name=$1
    shift
    if ! "$PYTHON3" "$MAKE_H5" "$@" "$tmp/$name" >"$tmp/$name.expect"; then
        echo "FAIL: schema1_h5.py $* $name"
        exit 1
    fi
}
mk d0.h5 --axis d0
mk ratio.h5 --axis d0_ratio --string-type fixed
mk nostats.h5 --no-stats
mk newer.h5 --schema-version 3
mk partial.h5 --incomplete
echo "this is not HDF5" >"$tmp/text.h5"
"$PYTHON3" -c 'import sys, h5py; sys.stdout.write(h5py.File(sys.argv[1]).attrs["config"])' "$tmp/d0.h5" >"$tmp/d0.ini"
check "the fixture's config attribute holds keys reluscape run accepts" sh -c "'$RS' run '$tmp/d0.ini' --print-config >/dev/null"

# ---------------------------------------------------------------- d0 axis
# grid d0 = 1,3; d1 = n = 10..100 step 10; bias 1.  Panel 1 has p = 2, so P >= 2n iff d1 >= n.
report "$tmp/d0.h5"
check "report d0.h5 exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "panels labelled by d0" grep -q '^d0 = 1 (p = d0 + bias = 2)' "$tmp/out"
check "two panels" [ "$(grep -c '^d0 = ' "$tmp/out")" -eq 2 ]
panel 1 >"$tmp/p1"
check "panel 1 has 10 rows, largest d1 on top" \
    [ "$(wc -l <"$tmp/p1")" -eq 10 -a "$(head -n 1 "$tmp/p1" | cut -d'|' -f1)" = "100 " ]
# top row d1 = 100: every cell full rank
check "top row all '@'" [ "$(head -n 1 "$tmp/p1")" = "100 |@@ @@ @@ @@ @@ @@ @@ @@ @@ @@ |" ]
# bottom row d1 = 10: n = 10 full ('@'), n = 20 half ('+'), rest 0 (blank); P = 20 >= n for
# n = 10, 20 and d1 = 10 is the smallest d1, so both carry the P = n marker '<'
check "bottom row: '@<', '+<', then blank" \
    [ "$(tail -n 1 "$tmp/p1")" = " 10 |@@<++<                        |" ]
check "bottom-right cell has no '@'" \
    sh -c "tail -n 1 '$tmp/p1' | cut -c 33-35 | grep -qv '@'"
# the diagonal: row d1 = 50 is '@' up to n = 50, '+' for n = 60..90, '+<' at n = 100 (P = 100)
check "row d1 = 50 follows the law" \
    [ "$(sed -n 6p "$tmp/p1")" = " 50 |@@ @@ @@ @@ @@ ++ ++ ++ ++<++<|" ]
check "one P = n marker per column in panel 1" [ "$(tr -cd '<' <"$tmp/p1" | wc -c)" -eq 10 ]
check "n labels under the map" grep -q '^  n  10 20 30 40 50 60 70 80 90 100$' "$tmp/out"
check "legend explains the marker" grep -q "'<' after a cell" "$tmp/out"
check "summary: config key lines" grep -q 'method = svd' "$tmp/out"
check "summary: total trials" grep -q 'trials .*2000 in 200 cells' "$tmp/out"
check "summary: imbalance" grep -q 'imbalance 1\.0' "$tmp/out"
zc=$(sed -n 's/.*zero_column_cells=\([0-9]*\).*/\1/p' "$tmp/d0.h5.expect")
cc=$(sed -n 's/.*crowded_column_cells=\([0-9]*\).*/\1/p' "$tmp/d0.h5.expect")
check "diagnostics: $zc zero_column cells, $cc crowded_column cells" \
    grep -q "zero_column trials: $zc of 200; with crowded_column trials: $cc of 200" "$tmp/out"
check "no line wider than 100 columns" \
    [ "$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$tmp/out")" -le 100 ]

# ---------------------------------------------------------------- d0_ratio axis, fixed strings
# r = 0.25, 0.5; d1 = 1..15; n = 10..190 step 20; d0 = ceil(r n)
report "$tmp/ratio.h5"
check "report ratio.h5 exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "ratio panels labelled" grep -q '^d0 = ceil(r n), r = 0.25$' "$tmp/out"
panel 1 >"$tmp/p1"
check "ratio: top row (d1 = 15) all '@'" \
    [ "$(head -n 1 "$tmp/p1")" = "15 |@@ @@ @@ @@ @@ @@ @@ @@ @@ @@ |" ]
check "ratio: bottom row (d1 = 1) all blank" \
    [ "$(tail -n 1 "$tmp/p1")" = " 1 |                              |" ]
check "ratio: d0 per column" grep -q '^d0  3  8  13 18' "$tmp/out"
check "ratio: staggered n labels" grep -q '^ n  10    50    90    130   170$' "$tmp/out"

# ---------------------------------------------------------------- options and bad input
report "$tmp/ratio.h5" --quantity mean_rank
check "--quantity mean_rank exits 0 (got $rc)" [ "$rc" -eq 0 ]
check "--quantity mean_rank is labelled" grep -q 'shade = mean_rank / n' "$tmp/out"
report "$tmp/d0.h5" --quantity bogus
check "--quantity bogus exits 2 (got $rc)" [ "$rc" -eq 2 ]
report --help
check "--help exits 0 (got $rc)" [ "$rc" -eq 0 ]
report
check "no file exits 2 (got $rc)" [ "$rc" -eq 2 ]
report "$tmp/missing.h5"
check "missing file exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "missing file: message names the file" grep -q "missing\.h5" "$tmp/err"
report "$tmp/nostats.h5"
check "file without /stats exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "file without /stats: message says so" grep -q "nostats\.h5.*/stats/trials" "$tmp/err"
report "$tmp/text.h5"
check "non-HDF5 file exits 2 (got $rc)" [ "$rc" -eq 2 ]
report "$tmp/newer.h5"
check "schema_version 3 (newer than this reluscape) exits 2 (got $rc)" [ "$rc" -eq 2 ]
check "schema_version 3: message says newer" grep -q "schema_version 3 is newer" "$tmp/err"
report "$tmp/partial.h5"
check "incomplete run still reports, exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "incomplete run: warning" grep -q "incomplete run" "$tmp/err"

# ---------------------------------------------------------------- several ranks
if [ -n "$MPIEXEC" ] && $MPIEXEC -n 2 true >/dev/null 2>&1; then
    $MPIEXEC -n 2 "$RS" report "$tmp/d0.h5" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    check "2 ranks: exit 0 (got $rc)" [ "$rc" -eq 0 ]
    check "2 ranks: printed once" [ "$(grep -c '^reluscape report:' "$tmp/out")" -eq 1 ]
    $MPIEXEC -n 2 "$RS" report "$tmp/missing.h5" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    check "2 ranks: missing file exits 2 (got $rc)" [ "$rc" -eq 2 ]
else
    missing "several ranks (no working MPIEXEC)"
fi

# ---------------------------------------------------------------- plot_heatmap.py
png_ok() {  # PNG signature: \211 P N G \r \n \032 \n
    [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]
}
if "$PYTHON3" -c 'import matplotlib' 2>/dev/null; then
    MPLBACKEND=Agg "$PYTHON3" "$PLOT" "$tmp/d0.h5" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    check "plot d0.h5 exits 0 (got $rc)" [ "$rc" -eq 0 ]
    check "plot d0.h5 writes d0.png next to it" png_ok "$tmp/d0.png"
    MPLBACKEND=Agg "$PYTHON3" "$PLOT" "$tmp/ratio.h5" -o "$tmp/r.png" --quantity mean_rank \
        >"$tmp/out" 2>"$tmp/err"
    rc=$?
    check "plot ratio.h5 -o r.png exits 0 (got $rc)" [ "$rc" -eq 0 ]
    check "plot ratio.h5 writes a PNG" png_ok "$tmp/r.png"
    "$PYTHON3" "$PLOT" "$tmp/missing.h5" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    check "plot missing file exits 2 (got $rc)" [ "$rc" -eq 2 ]
    check "plot missing file: message names the file" grep -q "missing\.h5" "$tmp/err"
    "$PYTHON3" "$PLOT" "$tmp/nostats.h5" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    check "plot file without /stats exits 2 (got $rc)" [ "$rc" -eq 2 ]
    check "the Python package reads the schema-1 file: fractions by the law" env PYTHONPATH="$top_srcdir/tools" "$PYTHON3" -c '
import sys, reluscape_tools as rt
ds = rt.open(sys.argv[1]); f = ds.full_rank_fraction
sys.exit(not (((f == 1) == (ds.P >= 2 * ds.n)).all() and ((f == 0) == (ds.P < ds.n)).all()))' "$tmp/d0.h5"
else
    missing "plot_heatmap.py: $PYTHON3 lacks matplotlib"
fi

finish
