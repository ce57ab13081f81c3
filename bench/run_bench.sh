#!/bin/sh
# run_bench.sh BUILDDIR PYTHON3 - `make bench`: reluscape's trial kernel against the
# authors' numpy experiment (bench/reference.py), one core each, same cells, same run.
#
#  1. 36 cells of the paper's fixed-d0 grid (SCIENCE.md 5 (a)): d0 in {1,2,3,5},
#     d1 in {30,150,300}, n in {10,50,100}; reference.py, bench_trials --method svd and
#     --method qrcp, TRIALS trials per cell each (or SECONDS per program, whichever first).
#     Table: trials/s per cell and the ratio; full-rank fractions compared (z-score).
#  2. End to end on the whole fixed-d0 grid (400 cells, E2E_TRIALS trials per cell):
#     `reluscape run` (config parse, sweep, HDF5 output) against reference.py on the same
#     cells and trial count.
# Environment knobs: BENCH_TRIALS (300), BENCH_SECONDS (30), BENCH_E2E_TRIALS (10).
# The whole run takes about 80 s (the defaults keep it under two minutes).
set -eu

BUILDDIR=${1:?usage: run_bench.sh BUILDDIR PYTHON3}
PYTHON3=${2:-python3}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
TRIALS=${BENCH_TRIALS:-300}
SECONDS_MAX=${BENCH_SECONDS:-30}
E2E_TRIALS=${BENCH_E2E_TRIALS:-10}

# nproc honours OMP_NUM_THREADS, so count the cores before it is set below.
NPROC=$(nproc 2>/dev/null || echo '?')

# One core each, and one environment for every program: anything inherited (e.g.
# OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE) reaches both sides alike.
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export OPENBLAS_NUM_THREADS OMP_NUM_THREADS
# A singleton MPI_Init as root needs these with Open MPI; harmless elsewhere.
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM

if ! "$PYTHON3" -c 'import numpy' 2>/dev/null; then
    echo "run_bench.sh: $PYTHON3 cannot import numpy (Debian: apt-get install python3-numpy)" >&2
    exit 1
fi
BENCH="$BUILDDIR/bench/bench_trials"
RELUSCAPE="$BUILDDIR/reluscape"
for p in "$BENCH" "$RELUSCAPE"; do
    [ -x "$p" ] || { echo "run_bench.sh: $p is not built (run make first)" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/reluscape-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

# ------------------------------------------------------------------ machine
echo "== machine"
echo "cores (nproc): $NPROC"
echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)"
"$PYTHON3" - <<'PY' || true
import ctypes, ctypes.util
import numpy
name = None
for cand in ("libopenblas.so.0", ctypes.util.find_library("openblas")):
    if not cand:
        continue
    try:
        lib = ctypes.CDLL(cand)
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_corename.restype = ctypes.c_char_p
        name = "%s (core %s)" % (lib.openblas_get_config().decode(), lib.openblas_get_corename().decode())
        break
    except (OSError, AttributeError):
        pass
print("openblas:", name or "not found")
print("numpy:", numpy.__version__)
PY
echo "env: OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}" \
     "OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset}"
echo

# ------------------------------------------------------------------ 1. per-cell table
CELLS=""
for d0 in 1 2 3 5; do
    for d1 in 30 150 300; do
        for n in 10 50 100; do
            CELLS="$CELLS$d0,$d1,$n;"
        done
    done
done

echo "== trial kernel: 36 cells, up to $TRIALS trials per cell or ${SECONDS_MAX}s per program, one core"
"$PYTHON3" "$SRCDIR/bench/reference.py" --cells "$CELLS" --trials "$TRIALS" --seconds "$SECONDS_MAX" >"$WORK/numpy.txt"
"$BENCH" --cells "$CELLS" --trials "$TRIALS" --seconds "$SECONDS_MAX" --method svd >"$WORK/svd.txt"
"$BENCH" --cells "$CELLS" --trials "$TRIALS" --seconds "$SECONDS_MAX" --method qrcp >"$WORK/qrcp.txt"
for f in numpy svd qrcp; do
    grep -q '^trials=' "$WORK/$f.txt" || { echo "run_bench.sh: $f produced no summary line" >&2; exit 1; }
done

# Join the three outputs on the cell line.  full_rank fractions of numpy and svd are
# independent samples of one law: z = diff / pooled SE; |z| > 4 is a warning (36 cells:
# a false alarm about once in 400 runs).  svd and qrcp rank the very same matrices.
awk '
function kv(line, key,    m) { return match(line, " " key "=[^ ]*") ? substr(line, RSTART + length(key) + 2, RLENGTH - length(key) - 2) : "" }
FNR == 1 { f++ }
/^cell / {
    id = kv($0, "d0") " " kv($0, "d1") " " kv($0, "n")
    if (f == 1) order[++nc] = id
    T[f, id] = kv($0, "trials"); F[f, id] = kv($0, "full"); S[f, id] = kv($0, "seconds"); R[f, id] = kv($0, "mean_rank")
}
END {
    printf "%3s %4s %4s | %10s %10s %10s | %7s %7s | %6s %6s %6s %5s\n", "d0", "d1", "n", "numpy/s", "svd/s", "qrcp/s", "svd/np", "qrcp/np", "full_np", "full_sv", "full_qr", "z"
    warn = 0; qdiff = 0
    for (k = 1; k <= nc; k++) {
        id = order[k]; split(id, c, " ")
        for (g = 1; g <= 3; g++) {
            rate[g] = S[g, id] > 0 ? T[g, id] / S[g, id] : 0
            fr[g] = T[g, id] > 0 ? F[g, id] / T[g, id] : 0
            round[g] += T[g, id] > 0 ? S[g, id] / T[g, id] : 0   # seconds for one trial of every cell
        }
        pool = (F[1, id] + F[2, id]) / (T[1, id] + T[2, id])
        se = sqrt(pool * (1 - pool) * (1 / T[1, id] + 1 / T[2, id]))
        z = se > 0 ? (fr[2] - fr[1]) / se : 0
        flag = (z > 4 || z < -4) ? " !" : ""
        if (flag != "") { warn++; bad = bad sprintf(" d0=%s,d1=%s,n=%s", c[1], c[2], c[3]) }
        if (F[2, id] != F[3, id] || R[2, id] != R[3, id]) qdiff++
        printf "%3s %4s %4s | %10.1f %10.1f %10.1f | %7.2f %7.2f | %6.3f %6.3f %6.3f %5.1f%s\n", c[1], c[2], c[3], rate[1], rate[2], rate[3], rate[2] / rate[1], rate[3] / rate[1], fr[1], fr[2], fr[3], z, flag
        ratio_log += log(rate[2] / rate[1]); qratio_log += log(rate[3] / rate[1])
    }
    printf "\nall 36 cells, one trial of each (a grid round): numpy %.1f ms, svd %.1f ms, qrcp %.1f ms\n", 1e3 * round[1], 1e3 * round[2], 1e3 * round[3]
    printf "ratio reluscape/numpy per core, grid-weighted: svd %.2fx, qrcp %.2fx\n", round[1] / round[2], round[1] / round[3]
    printf "ratio reluscape/numpy per core, geometric mean over cells: svd %.2fx, qrcp %.2fx\n", exp(ratio_log / nc), exp(qratio_log / nc)
    if (warn) printf "WARNING: full-rank fractions of numpy and reluscape svd differ by more than 4 standard errors in %d cell(s):%s\n", warn, bad
    else printf "check: full-rank fractions of numpy and reluscape svd agree within 4 standard errors in all %d cells\n", nc
    if (qdiff) printf "note: svd and qrcp ranks differ (full count or mean rank) in %d cell(s) on identical matrices\n", qdiff
    else printf "check: svd and qrcp give the same full-rank counts and mean ranks on identical matrices\n"
}' "$WORK/numpy.txt" "$WORK/svd.txt" "$WORK/qrcp.txt"
for f in numpy svd qrcp; do
    printf '%-5s %s\n' "$f:" "$(grep '^trials=' "$WORK/$f.txt")"
done
echo

# ------------------------------------------------------------------ 2. end to end
echo "== end to end: the whole fixed-d0 grid (d0 1,2,3,5; d1 30:300:30; n 10:100:10), $E2E_TRIALS trials per cell, one core"
cat >"$WORK/grid.ini" <<INI
[grid]
d0 = 1, 2, 3, 5
d1 = 30:300:30
n = 10:100:10
[sweep]
trials = $E2E_TRIALS
seed = 1
[data]
law = uniform01
bias = true
[pattern]
sampler = init
init = torch
[network]
v = gaussian
[rank]
method = svd
[output]
progress = 0
INI
FULL=""
for d0 in 1 2 3 5; do
    d1=30
    while [ $d1 -le 300 ]; do
        n=10
        while [ $n -le 100 ]; do
            FULL="$FULL$d0,$d1,$n;"
            n=$((n + 10))
        done
        d1=$((d1 + 30))
    done
done

t0=$(now)
"$PYTHON3" "$SRCDIR/bench/reference.py" --cells "$FULL" --trials "$E2E_TRIALS" >"$WORK/e2e_numpy.txt"
t1=$(now)
np_loop=$(sed -n 's/^trials=.* seconds=\([^ ]*\) .*/\1/p' "$WORK/e2e_numpy.txt")
printf '%-22s %s, process wall %.2f s\n' "numpy reference.py:" \
    "$(grep '^trials=' "$WORK/e2e_numpy.txt")" "$(fsub "$t1" "$t0")"
for m in svd qrcp; do
    t0=$(now)
    "$RELUSCAPE" run "$WORK/grid.ini" --set rank.method=$m -o "$WORK/e2e_$m.h5" >"$WORK/e2e_$m.txt" 2>&1 ||
        { cat "$WORK/e2e_$m.txt" >&2; echo "run_bench.sh: reluscape run failed" >&2; exit 1; }
    t1=$(now)
    [ -s "$WORK/e2e_$m.h5" ] || { echo "run_bench.sh: reluscape run wrote no output" >&2; exit 1; }
    wall=$(fsub "$t1" "$t0")
    printf '%-22s %s; process wall %.2f s (MPI start-up, sweep, HDF5 output)\n' "reluscape run ($m):" \
        "$(sed -n 's/^wrote [^:]*: //p' "$WORK/e2e_$m.txt")" "$wall"
    # numpy's own trial loop (no interpreter start-up) against reluscape's whole process
    awk -v a="$np_loop" -v b="$wall" -v m="$m" \
        'BEGIN { printf "  end-to-end ratio reluscape run (%s) / numpy trial loop, one core each: %.2fx\n", m, a / b }'
done
