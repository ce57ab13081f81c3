# bad_input.sh - every bad input: exit 2, one message naming file, line and key, no output
# created or changed, and no rank left hanging (each case also runs on 3 ranks).
. "${top_srcdir:-.}/tests/lib.sh"

good='[grid]
d0 = 1, 2
d1 = 2:6:2
n = 5, 10
[sweep]
trials = 4'

# case NAME EXPECTED-REGEX CONFIG-TEXT [EXTRA ARGS...]
case_() {
    name=$1 want=$2 text=$3
    shift 3
    printf '%s\n' "$text" >"$WORK/$name.ini"
    for np in 1 3; do
        out="$WORK/$name.$np.h5"
        mpirun $np "$RELUSCAPE" run "$WORK/$name.ini" -o "$out" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
        rc=$?
        check "$name ($np ranks): exit 2 (got $rc)" [ "$rc" = 2 ]
        check "$name ($np ranks): message matches '$want'" grep -Eq -e "$want" "$WORK/$name.err"
        check "$name ($np ranks): one message, not one per rank" [ "$(grep -c 'error:' "$WORK/$name.err")" = 1 ]
        check "$name ($np ranks): no output created" all_absent "$out" "$out.partial"
    done
}

case_ unknown_key "unknown_key.ini:7: key 'sweep.d2': unknown key \(known keys: sweep.trials, sweep.patterns_per_dataset" "$good
d2 = 5"
case_ unknown_section "unknown_section.ini:8: key 'solver.x': unknown key" "$good
[solver]
x = 1"
case_ bad_range "bad_range.ini:4: key 'grid.n': malformed range 10:5:1" "[grid]
d0 = 1
d1 = 2
n = 10:5
[sweep]
trials = 4"
case_ range_syntax "range_syntax.ini:4: key 'grid.n': malformed range" "[grid]
d0 = 1
d1 = 2
n = 1:x:2"
case_ zero_width "zero_width.ini:3: key 'grid.d1': value 0 out of range \(allowed 1\.\.1000000\)" "[grid]
d0 = 1
d1 = 0
n = 5"
case_ negative_n "negative_n.ini:4: key 'grid.n': value -5 out of range" "[grid]
d0 = 1
d1 = 3
n = -5"
case_ absurd_size "key 'rank.mem_per_rank': a trial of cell d0=100000 d1=1000000 n=1000000 needs .* MiB per rank with rank.group_size = 1 .*; no rank.group_size fits" "[grid]
d0 = 100000
d1 = 1000000
n = 1000000"
case_ dup_ratio "dup_ratio.ini:2: key 'grid.d0_ratio': value 0.5 listed twice" "[grid]
d0_ratio = 0.5, 1, 0.5
d1 = 2
n = 5"
case_ empty_item "empty_item.ini:4: key 'grid.n': empty list item" "[grid]
d0 = 1
d1 = 2
n = 5,,10"
case_ trailing_comma "trailing_comma.ini:4: key 'grid.n': empty list item" "[grid]
d0 = 1
d1 = 2
n = 5,"
case_ set_empty_list "--set grid.n=: key 'grid.n': empty list" "$good" --set grid.n=
case_ mem_typo "mem_typo.ini:8: key 'rank.mem_per_rank': '0.5' is 0 bytes: less than 1 MiB" "$good
[rank]
mem_per_rank = 0.5"
case_ bad_experiment "bad_experiment.ini:2: key 'experiment.kind': 'landscape' is not allowed \(allowed: rank\|minima\|train\)" "[experiment]
kind = landscape
$good"
case_ minima_float_rank "key 'rank.method': 'svd': experiment.kind = minima needs the exact rank" "$good
[experiment]
kind = minima
[rank]
method = svd"
case_ minima_groups "key 'rank.group_size': 2: experiment.kind = minima runs on single ranks only" "$good
[experiment]
kind = minima
[rank]
group_size = 2"
case_ bad_choice "bad_choice.ini:8: key 'rank.method': 'lu' is not allowed \(allowed: svd\|qrcp\|gram\|exact\|auto\)" "$good
[rank]
method = lu"
case_ bad_number "bad_number.ini:7: key 'sweep.seed': 'abc' is not an unsigned" "$good
seed = abc"
case_ duplicate "duplicate.ini:7: key 'sweep.trials': set twice \(first at .*duplicate.ini:6\)" "$good
trials = 5"
case_ both_d0 "both_d0.ini:8: key 'grid.d0_ratio': give either grid.d0 or grid.d0_ratio" "$good
[grid]
d0_ratio = 0.5"
case_ missing_n "missing_n.ini: key 'grid.n': missing" "[grid]
d0 = 1
d1 = 2"
case_ ppd "ppd.ini:7: key 'sweep.patterns_per_dataset': 3 does not divide sweep.trials = 4" "$good
patterns_per_dataset = 3"
case_ region_too_large "key 'pattern.sampler': region sampling at d0 = 14, n = 100 would cost about .* multiply-adds per neuron" "[grid]
d0 = 14
d1 = 2
n = 100
[pattern]
sampler = region"
case_ region_exhaustive_too_large "key 'pattern.sampler': exhaustive region mode enumerates the realizable rows .* d0 = 8, n = 100" "[grid]
d0 = 8
d1 = 1
n = 100
[pattern]
sampler = region
[sweep]
mode = exhaustive"
case_ no_equals "no_equals.ini:7: expected 'key = value'" "$good
trials"
case_ bad_set "--set rank.method=magic: key 'rank.method': 'magic' is not allowed" "$good" --set rank.method=magic
case_ set_unknown "--set grid.dd=3: key 'grid.dd': unknown key" "$good" --set grid.dd=3
case_ bad_option "unknown option '--frobnicate'" "$good" --frobnicate
case_ missing_data "data.file '$WORK/nope.h5'" "$good
[data]
law = file
file = $WORK/nope.h5"
case_ data_without_file "key 'data.file': data.law = file needs data.file" "$good
[data]
law = file"

# unreadable config
for np in 1 3; do
    mpirun $np "$RELUSCAPE" run "$WORK/absent.ini" -o "$WORK/absent.h5" 2>"$WORK/absent.err"
    check "missing config ($np ranks): exit 2" [ $? = 2 ]
    check "missing config ($np ranks): names the file" grep -q "cannot read config '$WORK/absent.ini'" "$WORK/absent.err"
done

# user datasets: NaN, wrong rank, too few rows (needs h5py to write them)
if has_py_h5; then
    "$PYTHON3" - "$WORK" <<'PY'
import sys, h5py, numpy as np
w = sys.argv[1]
x = np.random.default_rng(1).random((20, 2))
with h5py.File(f"{w}/good.h5", "w") as f: f["X"] = x
y = x.copy(); y[13, 1] = np.nan
with h5py.File(f"{w}/nan.h5", "w") as f: f["X"] = y
with h5py.File(f"{w}/cube.h5", "w") as f: f["X"] = np.zeros((3, 4, 2))
PY
    filecfg="[grid]
d0 = 2
d1 = 2:4
n = 5
[sweep]
trials = 4
[data]
law = file"
    case_ data_nan "nan.h5.*row 13" "$filecfg
file = $WORK/nan.h5"
    case_ data_rank3 "cube.h5.*rank 3" "$filecfg
file = $WORK/cube.h5"
    case_ data_too_few "key 'grid.n': n = 50 exceeds the 20 rows of data.file" "$filecfg
file = $WORK/good.h5" --set grid.n=5,50
    case_ data_d0 "key 'grid.d0': 3 does not match data.file" "$filecfg
file = $WORK/good.h5" --set grid.d0=3
    printf '%s\nfile = %s\n' "$filecfg" "$WORK/good.h5" >"$WORK/filegood.ini"
    mpirun 2 "$RELUSCAPE" -q run "$WORK/filegood.ini" -o "$WORK/filegood.h5"
    check "a good user dataset runs" [ $? = 0 ]
else
    missing "the data.file cases: python3 h5py is needed to write them"
fi

# a UTF-8 byte order mark at the start of a config (some editors write one) is not a key
printf '\357\273\277%s\n' "$good" >"$WORK/bom.ini"
"$RELUSCAPE" run "$WORK/bom.ini" --print-config >"$WORK/bom.out" 2>&1
check "a config starting with a UTF-8 BOM parses" grep -q '^trials = 4' "$WORK/bom.out"

# an existing output is never touched without --force; with --force it is replaced whole
printf '%s\n' "$good" >"$WORK/good.ini"
echo "precious" >"$WORK/exists.h5"
for np in 1 3; do
    mpirun $np "$RELUSCAPE" run "$WORK/good.ini" -o "$WORK/exists.h5" 2>"$WORK/exists.err"
    check "existing output ($np ranks): exit 2" [ $? = 2 ]
    check "existing output ($np ranks): says --force" grep -q "exists: use --force" "$WORK/exists.err"
    check "existing output ($np ranks): unchanged" [ "$(cat "$WORK/exists.h5")" = precious ]
done
mpirun 2 "$RELUSCAPE" -q run "$WORK/good.ini" -o "$WORK/exists.h5" --force
check "--force: exit 0" [ $? = 0 ]
mpirun 1 "$RELUSCAPE" -q run "$WORK/good.ini" -o "$WORK/fresh.h5"
check "--force replaces the file with the run's result" "$H5DIFF" -q "$WORK/fresh.h5" "$WORK/exists.h5" /stats /stats
# output names refused before any work: empty, a directory, one of the run's inputs (even
# with --force), a dangling symlink (an existing output)
mkdir -p "$WORK/adir"
ln -s "$WORK/nowhere.h5" "$WORK/dangling.h5"
for spec in "empty||output file name is empty" "dirslash|$WORK/adir/|is a directory" "dir|$WORK/adir|is a directory" \
    "config|$WORK/good.ini|is the run's input" "dangling|$WORK/dangling.h5|exists: use --force"; do
    name=${spec%%|*}; rest=${spec#*|}; out=${rest%%|*}; want=${rest#*|}
    cp "$WORK/good.ini" "$WORK/good.bak"
    mpirun 2 "$RELUSCAPE" run "$WORK/good.ini" -o "$out" --force 2>"$WORK/o.err" >/dev/null
    rc=$?
    [ "$name" = dangling ] && { mpirun 2 "$RELUSCAPE" run "$WORK/good.ini" -o "$out" 2>"$WORK/o.err" >/dev/null; rc=$?; }
    check "output $name: exit 2 (got $rc)" [ "$rc" = 2 ]
    check "output $name: says '$want'" grep -q "$want" "$WORK/o.err"
    check "output $name: the config is unchanged" cmp "$WORK/good.ini" "$WORK/good.bak"
done
check "output dangling: the symlink is left alone" [ -L "$WORK/dangling.h5" ]
if has_py_h5; then
    mpirun 1 "$RELUSCAPE" run "$WORK/filegood.ini" -o "$WORK/good.h5" --force 2>"$WORK/o.err" >/dev/null
    check "output = data.file, even with --force: exit 2" [ $? = 2 ]
    check "output = data.file: says so" grep -q "is the run's input" "$WORK/o.err"
fi
head -c 3000 "$WORK/exists.h5" >"$WORK/trunc.h5"
"$RELUSCAPE" report "$WORK/trunc.h5" >/dev/null 2>"$WORK/t.err"
check "report of a truncated file: exit 2, as merge" [ $? = 2 ]

mpirun 2 "$RELUSCAPE" run "$WORK/good.ini" -o "$WORK/no/such/dir/out.h5" 2>"$WORK/dir.err"
check "unwritable output directory: exit 2" [ $? = 2 ]
check "unwritable output directory: named" grep -q "no/such/dir' is not writable" "$WORK/dir.err"
finish
