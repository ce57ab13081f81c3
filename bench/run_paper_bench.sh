#!/bin/sh
# run_paper_bench.sh BUILDDIR PYTHON3 - `make bench-paper`: the shipped paper configs run
# whole, wall time, against the numpy reference on the same cells and trials.
#
# For jobs/configs/paper-fixed-d0.ini (400 cells) and paper-ratio-d0.ini (600 cells), 100
# trials per cell as shipped: `reluscape run CONFIG` (one process, one rank: start-up, the
# sweep and the HDF5 output) and bench/reference.py (the authors' experiment in numpy:
# U[0,1) data, torch init, Gaussian v, numpy.linalg.matrix_rank) on the same cells and
# trials, one after the other, each on one core (OPENBLAS_NUM_THREADS=1), wall time of the
# whole process.  The reference takes about a minute on the fixed grid and six on the
# ratio grid on a 2-core Xeon; BENCH_PAPER_SECONDS caps each reference run (then its time
# for all trials is extrapolated from its trials per second, and the line says so).
# The full-rank fractions of the two programs are printed side by side (independent
# samples of the same law: they agree within sampling error).
# Knobs: BENCH_PAPER_CONFIGS (both), BENCH_PAPER_SECONDS (no cap), BENCH_PAPER_REPEAT (1:
# the best of k reluscape runs; the reference runs once), BENCH_PAPER_NUMPY_ENV (none:
# e.g. OPENBLAS_CORETYPE=Haswell gives numpy the BLAS kernels reluscape picks for itself
# where OpenBLAS does not know the CPU, src/cli/main.c).
set -eu

BUILDDIR=${1:?usage: run_paper_bench.sh BUILDDIR PYTHON3}
PYTHON3=${2:-python3}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
RS="$BUILDDIR/reluscape"
NPROC=$(nproc 2>/dev/null || echo 1) # before OMP_NUM_THREADS is set
CONFIGS=${BENCH_PAPER_CONFIGS:-paper-fixed-d0 paper-ratio-d0}
SECONDS_CAP=${BENCH_PAPER_SECONDS:-1e9}
REPEAT=${BENCH_PAPER_REPEAT:-1}
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export OPENBLAS_NUM_THREADS OMP_NUM_THREADS

[ -x "$RS" ] || { echo "run_paper_bench.sh: $RS is not built (run make first)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "run_paper_bench.sh: needs /usr/bin/time (Debian: apt-get install time)" >&2; exit 1; }
"$PYTHON3" -c 'import numpy, h5py' 2>/dev/null ||
    { echo "run_paper_bench.sh: $PYTHON3 cannot import numpy and h5py" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/reluscape-paper.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# cells CONFIG.h5: "d0,d1,n;..." of the cells reluscape ran (its /grid), trials per cell
cells_of() {
    "$PYTHON3" - "$1" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    g = f["grid"]
    d0 = g["d0_of_cell"][()] if "d0_of_cell" in g else None
    d1s, ns = list(g["d1"][()]), list(g["n"][()])
    axis0 = list(g["d0"][()]) if "d0" in g else list(g["d0_ratio"][()])
    out, c = [], 0
    for a in range(len(axis0)):
        for d1 in d1s:
            for n in ns:
                out.append("%d,%d,%d" % (d0.flat[c] if d0 is not None else axis0[a], d1, n))
                c += 1
    print(";".join(out))
    print(int(f["stats/trials"][()].flat[0]))
    print("%.4f" % (f["stats/full_rank"][()].sum() / f["stats/trials"][()].sum()))
PY
}

[ -z "${BENCH_PAPER_NUMPY_ENV:-}" ] || echo "== numpy runs with ${BENCH_PAPER_NUMPY_ENV}"
echo "== machine: $NPROC cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-16s %8s %10s %10s %9s %10s %s\n' config trials "rs wall s" "np wall s" "wall x" "full rs|np" note
for cfg in $CONFIGS; do
    ini="$SRCDIR/jobs/configs/$cfg.ini"
    best=""
    k=0
    while [ $k -lt "$REPEAT" ]; do
        k=$((k + 1))
        /usr/bin/time -o "$WORK/rs.time" -f '%e' "$RS" -q run "$ini" --set output.progress=0 -o "$WORK/$cfg.h5" --force
        w=$(tail -n 1 "$WORK/rs.time")
        best=$(awk -v a="$best" -v b="$w" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }')
    done
    info=$(cells_of "$WORK/$cfg.h5")
    cells=$(echo "$info" | sed -n 1p) trials=$(echo "$info" | sed -n 2p) full=$(echo "$info" | sed -n 3p)
    ncells=$(echo "$cells" | tr ';' '\n' | grep -c .)
    # shellcheck disable=SC2086
    /usr/bin/time -o "$WORK/np.time" -f '%e' env ${BENCH_PAPER_NUMPY_ENV:-} "$PYTHON3" "$SRCDIR/bench/reference.py" --cells "$cells" \
        --trials "$trials" --seconds "$SECONDS_CAP" >"$WORK/np.out"
    npw=$(tail -n 1 "$WORK/np.time")
    done_trials=$(sed -n 's/^trials=\([0-9]*\) .*/\1/p' "$WORK/np.out")
    npfull=$("$PYTHON3" - "$WORK/np.out" <<'PY'
import re, sys
t = f = 0
for line in open(sys.argv[1]):
    m = re.match(r"cell .* trials=(\d+) full=(\d+)", line)
    if m:
        t += int(m.group(1)); f += int(m.group(2))
print("%.4f" % (f / t if t else 0))
PY
)
    total=$((ncells * trials)) note=""
    if [ "$done_trials" -lt "$total" ]; then # capped: extrapolate the trial loop, keep the start-up
        loop=$(sed -n 's/^trials=[0-9]* seconds=\([^ ]*\) .*/\1/p' "$WORK/np.out")
        npw=$(awk -v w="$npw" -v l="$loop" -v d="$done_trials" -v t="$total" 'BEGIN { printf "%.2f", w - l + l * t / d }')
        note="(numpy extrapolated from $done_trials of $total trials)"
    fi
    printf '%-16s %8d %10.2f %10.2f %8.1fx %5.3f|%5.3f %s\n' "$cfg" "$total" "$best" "$npw" \
        "$(awk -v a="$npw" -v b="$best" 'BEGIN { print a / b }')" "$full" "$npfull" "$note"
    echo "$cfg $(awk -v a="$npw" -v b="$best" 'BEGIN { print a / b }')" >>"$WORK/ratios"
done
awk '{ if ($2 < 20) bad = bad " " $1 } END {
    printf "target: >= 20x in wall time for the shipped paper configs run whole: %s\n", bad == "" ? "met" : "NOT met (" substr(bad, 2) ")" }' "$WORK/ratios"
