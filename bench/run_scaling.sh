#!/bin/sh
# run_scaling.sh BUILDDIR PYTHON3 - `make bench-scaling`: strong scaling of the paper's
# fixed-d0 grid (jobs/configs/paper-fixed-d0.ini, 400 cells) with sweep.trials raised so
# that one rank takes a minute or more, production rank settings (rank.method = auto,
# rank.verify = 0.01):
#   1 rank            reluscape run (singleton, no launcher)
#   p ranks           mpiexec -n p reluscape run           (p = every core of the machine)
#   p shards          p processes reluscape run --shard i/p at once, then reluscape merge
#   machine ceiling   one 1-rank run of 1/p of the trials alone, then p of them at once
#                     (other seeds): how much slower a core computes while the others
#                     are busy too (shared caches, memory, turbo, a hypervisor), a bound
#                     no parallel program on this machine can beat
# Wall time of each whole process (start-up and HDF5 output included; shards: the slowest
# part plus the merge), parallel efficiency T1 / (p Tp), the load imbalance reluscape
# reports (/run attribute imbalance = max / mean of the ranks' busy CPU seconds), the
# sweep's own wall time (/run wall_seconds) and the tail: max - min of the ranks' (or the
# parts') busy CPU seconds, i.e. how long the first rank to run out of work waits for the
# last.  /stats of the p-rank run and of the merged shards must equal the 1-rank run's bit
# for bit (tests/stats_digest.py): a check, not a timing.
# Every measurement runs BENCH_SCALING_REPEAT times and the best wall time is kept (the
# machine may be shared).  Knobs (defaults): BENCH_SCALING_TRIALS (2600 trials per cell: a minute or more on one core),
# BENCH_SCALING_RANKS (the cores: nproc), BENCH_SCALING_REPEAT (2),
# BENCH_SCALING_CONFIG (jobs/configs/paper-fixed-d0.ini), BENCH_SCALING_METHOD (auto).
set -eu

BUILDDIR=${1:?usage: run_scaling.sh BUILDDIR PYTHON3}
PYTHON3=${2:-python3}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=$(cd "$BUILDDIR" && pwd)
NPROC=$(nproc 2>/dev/null || echo 1) # before OMP_NUM_THREADS is set
TRIALS=${BENCH_SCALING_TRIALS:-2600}
P=${BENCH_SCALING_RANKS:-$NPROC}
REPEAT=${BENCH_SCALING_REPEAT:-2}
CONFIG=${BENCH_SCALING_CONFIG:-$SRCDIR/jobs/configs/paper-fixed-d0.ini}
METHOD=${BENCH_SCALING_METHOD:-auto}
RS="$BUILDDIR/reluscape"

OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export OPENBLAS_NUM_THREADS OMP_NUM_THREADS
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM OMPI_MCA_rmaps_base_oversubscribe

[ -x "$RS" ] || { echo "run_scaling.sh: $RS is not built (run make first)" >&2; exit 1; }
command -v mpiexec >/dev/null 2>&1 || { echo "run_scaling.sh: mpiexec not found" >&2; exit 1; }
"$PYTHON3" -c 'import h5py' 2>/dev/null || { echo "run_scaling.sh: $PYTHON3 cannot import h5py" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/reluscape-scaling.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
SETS="--set sweep.trials=$TRIALS --set rank.method=$METHOD --set rank.verify=0.01 --set output.progress=0"

now() { date +%s.%N; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
cpu_of() { awk '{ printf "%.3f", $1 + $2 }' "$1"; }
fmin() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }

# run_info FILE...: busy CPU per rank over all files: sum max min, sweep wall (max), imbalance (first file)
run_info() {
    "$PYTHON3" - "$@" <<'PY'
import sys, h5py
busy, walls, imb = [], [], None
for p in sys.argv[1:]:
    with h5py.File(p, "r") as f:
        busy += list(f["run/busy_cpu_seconds"][()])
        walls.append(float(f["run"].attrs["wall_seconds"]))
        imb = float(f["run"].attrs["imbalance"]) if imb is None else imb
print("%.3f %.3f %.3f %.3f %.3f" % (sum(busy), max(busy), min(busy), max(walls), imb))
PY
}
digest() { "$PYTHON3" "$SRCDIR/tests/stats_digest.py" "$1"; }

echo "== strong scaling: $(basename "$CONFIG") with sweep.trials = $TRIALS, rank.method = $METHOD, rank.verify = 0.01"
echo "   machine: $NPROC cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   best of $REPEAT runs of each (wall time of the whole processes)"

best1="" bestp="" bests="" bestc1="" bestcp=""
k=0
while [ $k -lt "$REPEAT" ]; do
    k=$((k + 1))
    # shellcheck disable=SC2086
    t0=$(now); /usr/bin/time -o "$WORK/cpu" -f '%U %S' "$RS" -q run "$CONFIG" $SETS -o "$WORK/one.$k.h5" --force; t1=$(now)
    w=$(fsub "$t1" "$t0"); best1=$(fmin "$best1" "$w")
    [ "$best1" = "$w" ] && cp "$WORK/one.$k.h5" "$WORK/one.h5" && cpu1=$(cpu_of "$WORK/cpu")
    # shellcheck disable=SC2086
    t0=$(now); /usr/bin/time -o "$WORK/cpu" -f '%U %S' mpiexec -n "$P" --bind-to none "$RS" -q run "$CONFIG" $SETS -o "$WORK/many.$k.h5" --force; t1=$(now)
    w=$(fsub "$t1" "$t0"); bestp=$(fmin "$bestp" "$w")
    [ "$bestp" = "$w" ] && cp "$WORK/many.$k.h5" "$WORK/many.h5" && cpup=$(cpu_of "$WORK/cpu")
    t0=$(now)
    i=0 pids=""
    while [ $i -lt "$P" ]; do
        # shellcheck disable=SC2086
        /usr/bin/time -o "$WORK/cpu.$i" -f '%U %S' "$RS" -q run "$CONFIG" $SETS --shard "$i/$P" -o "$WORK/part.$i.h5" --force &
        pids="$pids $!"
        i=$((i + 1))
    done
    for pid in $pids; do wait "$pid" || { echo "run_scaling.sh: a shard failed" >&2; exit 1; }; done
    t1=$(now)
    /usr/bin/time -o "$WORK/cpu.m" -f '%U %S' "$RS" -q merge -o "$WORK/merged.$k.h5" --force "$WORK"/part.*.h5
    t2=$(now)
    c=$(cat "$WORK"/cpu.[0-9]* "$WORK/cpu.m" | awk '{ s += $1 + $2 } END { printf "%.3f", s }')
    w=$(fsub "$t2" "$t0"); bests=$(fmin "$bests" "$w")
    if [ "$bests" = "$w" ]; then
        cp "$WORK/merged.$k.h5" "$WORK/merged.h5"
        partinfo=$(run_info "$WORK"/part.*.h5)
        mergew=$(fsub "$t2" "$t1")
        cpus=$c
    fi
    ct=$((TRIALS / P))
    [ "$ct" -ge 1 ] || ct=1
    # shellcheck disable=SC2086
    t0=$(now); "$RS" -q run "$CONFIG" $SETS --set sweep.trials=$ct -o "$WORK/c.alone.h5" --force; t1=$(now)
    bestc1=$(fmin "$bestc1" "$(fsub "$t1" "$t0")")
    t0=$(now)
    i=0 pids=""
    while [ $i -lt "$P" ]; do
        # shellcheck disable=SC2086
        "$RS" -q run "$CONFIG" $SETS --set sweep.trials=$ct --set sweep.seed=$((i + 2)) -o "$WORK/c.$i.h5" --force &
        pids="$pids $!"
        i=$((i + 1))
    done
    for pid in $pids; do wait "$pid" || { echo "run_scaling.sh: a ceiling copy failed" >&2; exit 1; }; done
    t1=$(now)
    bestcp=$(fmin "$bestcp" "$(fsub "$t1" "$t0")")
    echo "   run $k: 1 rank $best1 s so far; $P ranks $bestp s; $P shards + merge $bests s (load $(cut -d' ' -f1 /proc/loadavg))"
done

set -- $(run_info "$WORK/one.h5"); b1=$1 sw1=$4
set -- $(run_info "$WORK/many.h5"); bp=$1 bpmax=$2 bpmin=$3 swp=$4 imbp=$5
set -- $partinfo; bs=$1 bsmax=$2 bsmin=$3 sws=$4
imbs=$(awk -v s="$bs" -v m="$bsmax" -v p="$P" 'BEGIN { printf "%.3f", m / (s / p) }')
echo
printf '%-22s %9s %10s %8s %10s %10s %9s %8s %8s %10s\n' run "wall s" efficiency imbalance "sweep s" "busy cpu" "tail s" "trials/s" "cpu s" "cores used"
tot=$("$PYTHON3" -c 'import h5py, sys; print(int(h5py.File(sys.argv[1], "r")["stats/trials"][()].sum()))' "$WORK/one.h5")
printf '%-22s %9.2f %10s %9.3f %10.2f %10.2f %9s %8.0f %8.2f %10.2f\n' "1 rank" "$best1" "1" 1 "$sw1" "$b1" "-" "$(awk -v t="$tot" -v w="$best1" 'BEGIN { print t / w }')" \
    "$cpu1" "$(awk -v c="$cpu1" -v w="$best1" 'BEGIN { print c / w }')"
printf '%-22s %9.2f %9.1f%% %9.3f %10.2f %10.2f %9.2f %8.0f %8.2f %10.2f\n' "$P ranks (mpiexec)" "$bestp" \
    "$(awk -v a="$best1" -v b="$bestp" -v p="$P" 'BEGIN { print 100 * a / (p * b) }')" "$imbp" "$swp" "$bp" \
    "$(awk -v a="$bpmax" -v b="$bpmin" 'BEGIN { print a - b }')" "$(awk -v t="$tot" -v w="$bestp" 'BEGIN { print t / w }')" \
    "$cpup" "$(awk -v c="$cpup" -v w="$bestp" 'BEGIN { print c / w }')"
printf '%-22s %9.2f %9.1f%% %9.3f %10.2f %10.2f %9.2f %8.0f %8.2f %10.2f\n' "$P shards + merge" "$bests" \
    "$(awk -v a="$best1" -v b="$bests" -v p="$P" 'BEGIN { print 100 * a / (p * b) }')" "$imbs" "$sws" "$bs" \
    "$(awk -v a="$bsmax" -v b="$bsmin" 'BEGIN { print a - b }')" "$(awk -v t="$tot" -v w="$bests" 'BEGIN { print t / w }')" \
    "$cpus" "$(awk -v c="$cpus" -v w="$bests" 'BEGIN { print c / w }')"
echo "(merge: $mergew s of the shards' wall; sweep s: /run wall_seconds, the largest part's for shards;"
echo " busy cpu: sum over ranks of /run busy_cpu_seconds; work inflation against 1 rank:" \
     "$(awk -v a="$b1" -v b="$bp" -v c="$bs" 'BEGIN { printf "%.3f (%s ranks), %.3f (shards)", b / a, "'"$P"'", c / a }')"")"
echo "(cpu s: user + system of every process of the run; cores used = cpu s / wall s, below $P when other"
echo " programs hold cores; efficiency by CPU time, T1 cpu / Tp cpu: $(awk -v a="$cpu1" -v b="$cpup" -v c="$cpus" 'BEGIN { printf "%.1f%% (ranks), %.1f%% (shards)", 100 * a / b, 100 * a / c }'))"
sweff=$(awk -v a="$sw1" -v b="$swp" -v p="$P" 'BEGIN { printf "%.1f", 100 * a / (p * b) }')
echo "efficiency of the sweep alone (/run wall_seconds, start-up and output excluded): $sweff%"
d1=$(digest "$WORK/one.h5"); dp=$(digest "$WORK/many.h5"); ds=$(digest "$WORK/merged.h5")
if [ "$d1" = "$dp" ] && [ "$d1" = "$ds" ]; then
    echo "check: /stats of 1 rank, $P ranks and the merged shards identical (sha256 ${d1%"${d1#????????????}"}...)"
else
    echo "check FAILED: /stats differ: 1 rank $d1, $P ranks $dp, shards $ds" >&2
    exit 1
fi
awk -v a="$bestc1" -v b="$bestcp" -v e="$best1" -v f="$bestp" -v p="$P" 'BEGIN {
    c = a / b
    printf "machine ceiling: %d copies of 1/%d of the work at once took %.2f s, one alone %.2f s: %.1f%%;\n", p, p, b, a, 100 * c
    printf "  the %d-rank run reaches %.1f%% of that ceiling\n", p, 100 * e / (p * f) / c }'
awk -v a="$best1" -v b="$bestp" -v c="$bests" -v p="$P" 'BEGIN {
    e = a / (p * b); f = a / (p * c)
    printf "target: >= 90%% parallel efficiency on %d cores: %s (%.1f%%); shards %s (%.1f%%)\n", p,
        (e >= 0.9 ? "met" : "NOT met"), 100 * e, (f >= 0.9 ? "met" : "NOT met"), 100 * f }'
