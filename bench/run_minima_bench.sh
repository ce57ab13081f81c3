#!/bin/sh
# run_minima_bench.sh BUILDDIR PYTHON3 - experiment `minima` against a plain numpy + scipy
# (HiGHS) classification of the same kind of regions (bench/minima_reference.py), one core
# each, alternating, in the same run.  Two settings (the issue's): 1-D with bias, n = 50,
# d1 = 100, region sampler, v half +-1; and d0 = 4, n = 30, d1 = 110, init sampler,
# Gaussian v; Gaussian targets.  Per-trial CPU: reluscape's /run/busy_cpu_seconds over
# its trials (start-up excluded), the reference's own trial-loop time.  Three rounds; the
# best of each side.  Prints a table with the ratio (the target is >= 5x).
set -eu
BUILDDIR=$1
PYTHON3=${2:-/usr/bin/python3}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
RS="$BUILDDIR/reluscape"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
RS_TRIALS=${RS_TRIALS:-200}
REF_TRIALS=${REF_TRIALS:-30}

printf '%-44s %12s %12s %8s  %s\n' setting "reluscape" "scipy/HiGHS" ratio "classes (reluscape | reference)"
for setting in "1 100 50 region balanced" "4 110 30 init gaussian"; do
    set -- $setting
    cat >"$WORK/b.ini" <<INI
[experiment]
kind = minima
[grid]
d0 = $1
d1 = $2
n = $3
[sweep]
trials = $RS_TRIALS
seed = 1
[pattern]
sampler = $4
[network]
v = $5
[output]
progress = 0
INI
    best_rs=1e9
    best_ref=1e9
    for round in 1 2 3; do
        "$RS" -q run "$WORK/b.ini" -o "$WORK/b.h5" --force
        rs=$("$PYTHON3" -c "import h5py, sys; f = h5py.File(sys.argv[1]); print(f['run/busy_cpu_seconds'][()].sum() / f['stats/trials'][()].sum())" "$WORK/b.h5")
        ref=$("$PYTHON3" "$SRCDIR/bench/minima_reference.py" --cell "$1,$2,$3" --sampler "$4" --v "$5" --trials "$REF_TRIALS" | tee "$WORK/ref.txt" |
              sed -n 's/^trials=\([0-9]*\) seconds=\([0-9.]*\).*/\2 \1/p' | awk '{print $1 / $2}')
        best_rs=$(awk -v a="$best_rs" -v b="$rs" 'BEGIN {print (b < a ? b : a)}')
        best_ref=$(awk -v a="$best_ref" -v b="$ref" 'BEGIN {print (b < a ? b : a)}')
    done
    classes=$("$PYTHON3" -c "import h5py, sys; s = h5py.File(sys.argv[1])['stats']; t = s['trials'][()].sum(); print(' '.join('%s %.2f' % (c, s[c][()].sum() / t) for c in ('empty', 'none', 'global', 'bad_local', 'failed')))" "$WORK/b.h5")
    refc=$(sed -n 1p "$WORK/ref.txt" | awk -v T="$REF_TRIALS" '{for (i = 6; i <= 9; i++) {split($i, kv, "="); printf "%s %.2f ", kv[1], kv[2] / T}}')
    printf '%-44s %10.2f ms %10.2f ms %7.1fx  %s| %s\n' "d0=$1 d1=$2 n=$3 sampler=$4 v=$5" \
        "$(awk -v x="$best_rs" 'BEGIN {print 1000 * x}')" "$(awk -v x="$best_ref" 'BEGIN {print 1000 * x}')" \
        "$(awk -v a="$best_ref" -v b="$best_rs" 'BEGIN {print a / b}')" "$classes" "$refc"
done
