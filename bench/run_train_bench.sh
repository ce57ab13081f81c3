#!/bin/sh
# run_train_bench.sh BUILDDIR PYTHON3 - experiment `train`'s steps against the same loop in
# plain numpy (bench/train_reference.py), one core each, alternating, in the same run.
# Setting (the issue's): d0 = 1 with bias, n = 200, d1 = 1000, torch init, frozen v.
# reluscape's CPU per step = (busy CPU of a run of S steps - that of a run of 1 step) /
# (S - 1) per trial, so the ranks at the records, the step size and the set-up are
# excluded as the reference has none; the whole-trial figure (records included) is
# printed beside it.  Three rounds, the best of each side.  The target is >= 5x.
set -eu
BUILDDIR=$1
PYTHON3=${2:-/usr/bin/python3}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
RS="$BUILDDIR/reluscape"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
STEPS=${STEPS:-2000}
TRIALS=${TRIALS:-2}
cat >"$WORK/b.ini" <<INI
[experiment]
kind = train
[grid]
d0 = 1
d1 = 1000
n = 200
[sweep]
trials = $TRIALS
[rank]
verify = 0
[train]
steps = $STEPS
loss_tol = 0
record = 2
classify = false
[output]
progress = 0
INI
cpu() { "$PYTHON3" -c "import h5py, sys; f = h5py.File(sys.argv[1]); print(f['run/busy_cpu_seconds'][()].sum() / f['stats/trials'][()].sum())" "$1"; }
best_step=1e9 best_trial=1e9 best_ref=1e9 best_torch=1e9
have_torch=$("$PYTHON3" -c 'import torch' 2>/dev/null && echo 1 || echo 0)
for round in 1 2 3; do
    "$RS" -q run "$WORK/b.ini" -o "$WORK/s.h5" --force
    "$RS" -q run "$WORK/b.ini" -o "$WORK/one.h5" --force --set train.steps=1
    whole=$(cpu "$WORK/s.h5")
    step=$(awk -v a="$whole" -v b="$(cpu "$WORK/one.h5")" -v s="$STEPS" 'BEGIN {print (a - b) / (s - 1)}')
    ref=$("$PYTHON3" "$SRCDIR/bench/train_reference.py" --steps 300 | sed -n 's/.*per_step=\([0-9.e-]*\).*/\1/p')
    best_step=$(awk -v a="$best_step" -v b="$step" 'BEGIN {print (b < a ? b : a)}')
    best_trial=$(awk -v a="$best_trial" -v b="$(awk -v w="$whole" -v s="$STEPS" 'BEGIN {print w / s}')" 'BEGIN {print (b < a ? b : a)}')
    best_ref=$(awk -v a="$best_ref" -v b="$ref" 'BEGIN {print (b < a ? b : a)}')
    if [ "$have_torch" = 1 ]; then
        tr=$("$PYTHON3" "$SRCDIR/bench/train_reference.py" --steps 300 --torch | sed -n 's/.*per_step=\([0-9.e-]*\).*/\1/p')
        best_torch=$(awk -v a="$best_torch" -v b="$tr" 'BEGIN {print (b < a ? b : a)}')
    fi
done
printf '%-40s %14s %14s %8s\n' "setting d0=1 n=200 d1=1000 (per step)" reluscape numpy ratio
awk -v r="$best_step" -v p="$best_ref" 'BEGIN {printf "%-40s %12.3f ms %12.3f ms %7.1fx\n", "step (forward + backward + update)", r * 1e3, p * 1e3, p / r}'
awk -v r="$best_trial" -v p="$best_ref" 'BEGIN {printf "%-40s %12.3f ms %12.3f ms %7.1fx\n", "whole trial / steps (records, ranks)", r * 1e3, p * 1e3, p / r}'
if [ "$have_torch" = 1 ]; then
    awk -v r="$best_step" -v p="$best_torch" 'BEGIN {printf "%-40s %12.3f ms %12.3f ms %7.1fx  (PyTorch, autograd)\n", "step against PyTorch", r * 1e3, p * 1e3, p / r}'
else
    echo "PyTorch: not installed (Debian: python3-torch); numpy only"
fi
