#!/bin/sh
# run_bench_matrix.sh BUILDDIR PYTHON3 - `make bench-matrix`: reluscape against the numpy
# reference (bench/reference.py) across the configuration space, one core each, CPU time.
#
# Settings: sampler (bernoulli p = 0.5; init with torch, gaussian, he; region) x data law
# (uniform01, gaussian, sphere) x data.bias (1, 0), Gaussian v, on the paper's two grid
# families at a reduced size:
#   fixed   d0 in {1,2,3,5}, d1 in {30,150,300}, n in {10,50,100} (36 cells, as make bench)
#   ratio   d0 = ceil(r n), r in {0.25,0.5,1,2}, d1 in {2,8,15}, n in {10,50,90} (36 cells)
# The region sampler runs on the part of each family the reference can enumerate (the
# reference lists every realizable row of each dataset; reluscape draws rows without
# listing them, src/regions.h, and refuses only p = d0 + bias >= 14 at n = 100):
#   fixed   d0 in {1,2,3} (d0 = 5: 64 binom(100, 5) ~ 4.8e9 candidate rows per dataset);
#   ratio   n = 10 only (at n = 50, r = 0.25, p = 14: C(50, 14) ~ 1e13 rows; reluscape
#           draws a row there in about 0.3 s, and refuses n = 90, r = 0.25, p = 24).
# Each setting and family: `reluscape run` (whole process, production defaults with
# rank.verify = 0, one rank) and the reference on the same cells and trials, alternating,
# each under /usr/bin/time; CPU = user + system of the process.  Columns:
#   rs s, np s     CPU seconds of the whole processes (start-up included)
#   process x      np / rs of those
#   rs trials s    reluscape's own trial CPU (/run/busy_cpu_seconds), np trials s the
#                  reference's trial loop (getrusage around it): start-up excluded
#   trials x       the ratio of those: the per-core speed of the trial kernels
#   cert, full     fraction of reluscape's trials proven by a Gram certificate, and of
#                  full-rank trials (reluscape | numpy)
# Then, for the BENCH_MATRIX_PROFILE settings with the lowest trials ratio, where
# reluscape's trial time goes: valgrind --tool=callgrind on a short `reluscape run` of the
# same setting, inclusive instruction counts of the trial's steps (repeatable on a loaded
# machine; skipped without valgrind or callgrind_annotate).
# Environment knobs (defaults):
#   BENCH_MATRIX_TRIALS (100)        trials per cell, bernoulli and init settings
#   BENCH_MATRIX_REGION_TRIALS (6)   trials per cell, region settings of the fixed family (the
#                                    reference lists every dataset's rows: about 1.6 s a trial
#                                    at d0 = 3 with bias, n = 100; with 2 a cell reluscape's
#                                    trials were 1-14 ms in all and a setting's ratio moved by
#                                    2x between runs)
#   BENCH_MATRIX_RATIO_REGION_TRIALS (100) the same for the ratio family (n = 10: the
#                                    reference takes about 1.5 ms a trial; at 6 a cell
#                                    reluscape's 72 trials were 1.4-3.6 ms of CPU in all)
#   BENCH_MATRIX_ONLY (all)          a grep -E pattern on the setting's name, e.g.
#                                    'init/gaussian' or 'fixed.*bias=0'
#   BENCH_MATRIX_REPEAT (1)          runs of each program per setting; the best CPU is kept
#   BENCH_MATRIX_PROFILE (3)         settings to profile (0: none)
#   BENCH_MATRIX_PROFILE_TRIALS (10) trials per cell of the profiled run (region: 1)
#   BENCH_MATRIX_SET (none)          space-separated section.key=value, passed to reluscape as
#                                    --set (the reference does not read them), e.g.
#                                    'pattern.realizable=auto': bernoulli with its
#                                    realizability test (the matrix runs bernoulli with
#                                    realizable = never: the reference does not test it)
# The defaults take about 12 minutes on a 2-core machine, and 2-4 more for the profile.
set -eu

BUILDDIR=${1:?usage: run_bench_matrix.sh BUILDDIR PYTHON3}
PYTHON3=${2:-python3}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=$(cd "$BUILDDIR" && pwd)
# nproc honours OMP_NUM_THREADS, so count the cores before it is set below.
NPROC=$(nproc 2>/dev/null || echo '?')
TRIALS=${BENCH_MATRIX_TRIALS:-100}
REGION_TRIALS=${BENCH_MATRIX_REGION_TRIALS:-6}
RATIO_REGION_TRIALS=${BENCH_MATRIX_RATIO_REGION_TRIALS:-100}
ONLY=${BENCH_MATRIX_ONLY:-}
REPEAT=${BENCH_MATRIX_REPEAT:-1}
NPROFILE=${BENCH_MATRIX_PROFILE:-3}
PROFILE_TRIALS=${BENCH_MATRIX_PROFILE_TRIALS:-10}
RS_SETS=""
for kv in ${BENCH_MATRIX_SET:-}; do RS_SETS="$RS_SETS --set $kv"; done
RS="$BUILDDIR/reluscape"

OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export OPENBLAS_NUM_THREADS OMP_NUM_THREADS
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM

[ -x "$RS" ] || { echo "run_bench_matrix.sh: $RS is not built (run make first)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "run_bench_matrix.sh: needs /usr/bin/time (Debian: apt-get install time)" >&2; exit 1; }
"$PYTHON3" -c 'import numpy, h5py' 2>/dev/null ||
    { echo "run_bench_matrix.sh: $PYTHON3 cannot import numpy and h5py (Debian: python3-numpy python3-h5py)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/reluscape-matrix.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
RESULTS="$WORK/results.txt"
: >"$RESULTS"

# ------------------------------------------------------------------ the two families
# cells FAMILY REGION: "d0,d1,n;..." for the reference; grid_ini FAMILY REGION: [grid].
cells() {
    case $1 in
    fixed)
        d0s="1 2 3 5"; [ "$2" = 1 ] && d0s="1 2 3"
        for d0 in $d0s; do for d1 in 30 150 300; do for n in 10 50 100; do
            printf '%s,%s,%s;' "$d0" "$d1" "$n"
        done; done; done ;;
    ratio)
        ns="10 50 90"; [ "$2" = 1 ] && ns=10
        for r in 0.25 0.5 1 2; do for d1 in 2 8 15; do for n in $ns; do
            # d0 = ceil(r n), as reluscape computes it (src/grid.c)
            printf '%s,%s,%s;' "$(awk -v r="$r" -v n="$n" 'BEGIN { d = r * n; c = int(d); if (c < d) c++; print c }')" "$d1" "$n"
        done; done; done ;;
    esac
}
grid_ini() {
    case $1 in
    fixed) [ "$2" = 1 ] && echo "d0 = 1, 2, 3" || echo "d0 = 1, 2, 3, 5"
           echo "d1 = 30, 150, 300"; echo "n = 10, 50, 100" ;;
    ratio) echo "d0_ratio = 0.25, 0.5, 1, 2"; echo "d1 = 2, 8, 15"
           [ "$2" = 1 ] && echo "n = 10" || echo "n = 10, 50, 90" ;;
    esac
}

# cpu_of FILE: user + system seconds from /usr/bin/time -f '%U %S %e'
cpu_of() { tail -n 1 "$1" | awk '{ printf "%.3f", $1 + $2 }'; }
min2() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }

# ------------------------------------------------------------------ one setting
# run_setting NAME FAMILY SAMPLER INIT DATA BIAS
run_setting() {
    # (shell functions share their caller's variables: no names of the loops below here)
    name=$1 fam=$2 smp=$3 law=$4 dlaw=$5 b=$6
    region=0; [ "$smp" = region ] && region=1
    t=$TRIALS; [ "$region" = 1 ] && t=$REGION_TRIALS
    [ "$region" = 1 ] && [ "$fam" = ratio ] && t=$RATIO_REGION_TRIALS
    bb=true; [ "$b" = 0 ] && bb=false
    ini="$WORK/$fam.$smp.$law.$dlaw.$b.ini"
    {
        echo "[grid]"; grid_ini "$fam" "$region"
        printf '[sweep]\ntrials = %s\nseed = 1\n[data]\nlaw = %s\nbias = %s\n' "$t" "$dlaw" "$bb"
        printf '[pattern]\nsampler = %s\n' "$smp"
        [ "$smp" = init ] && printf 'init = %s\n' "$law"
        # the reference does not test realizability: compare the same work (the test's own
        # cost: BENCH_MATRIX_SET='pattern.realizable=auto')
        [ "$smp" = bernoulli ] && printf 'realizable = never\n'
        printf '[network]\nv = gaussian\n[rank]\nverify = 0\n[output]\nprogress = 0\n'
    } >"$ini"
    refargs="--sampler $smp --init $law --data $dlaw --bias $b"
    rs_best="" np_best="" rs_tr_best="" np_tr_best=""
    k=0
    while [ $k -lt "$REPEAT" ]; do
        k=$((k + 1))
        # shellcheck disable=SC2086
        /usr/bin/time -o "$WORK/rs.time" -f '%U %S %e' "$RS" -q run "$ini" $RS_SETS -o "$WORK/rs.h5" --force \
            >"$WORK/rs.out" 2>&1 || { cat "$WORK/rs.out" >&2; echo "run_bench_matrix.sh: $name: reluscape run failed" >&2; exit 1; }
        # shellcheck disable=SC2086
        /usr/bin/time -o "$WORK/np.time" -f '%U %S %e' "$PYTHON3" "$SRCDIR/bench/reference.py" \
            --cells "$(cells "$fam" "$region")" --trials "$t" $refargs >"$WORK/np.out" 2>&1 ||
            { cat "$WORK/np.out" >&2; echo "run_bench_matrix.sh: $name: reference.py failed" >&2; exit 1; }
        rs_best=$(min2 "$rs_best" "$(cpu_of "$WORK/rs.time")")
        np_best=$(min2 "$np_best" "$(cpu_of "$WORK/np.time")")
        np_tr_best=$(min2 "$np_tr_best" "$(sed -n 's/^cpu trials_s=\([^ ]*\) .*/\1/p' "$WORK/np.out")")
        info=$("$PYTHON3" -c '
import h5py, sys
f = h5py.File(sys.argv[1], "r"); s = f["stats"]
t = s["trials"][()].sum()
print("%.4f %.3f %.3f %d" % (f["run/busy_cpu_seconds"][()].sum(), s["certified"][()].sum() / t, s["full_rank"][()].sum() / t, t))
' "$WORK/rs.h5")
        rs_tr_best=$(min2 "$rs_tr_best" "${info%% *}")
    done
    set -- $info
    npfull=$(awk '/^cell / { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } t += v["trials"]; f += v["full"] }
                  END { printf "%.3f", t ? f / t : 0 }' "$WORK/np.out")
    echo "$name $rs_best $np_best $rs_tr_best $np_tr_best $2 $3 $npfull $4 $fam $smp $law $dlaw $b" >>"$RESULTS"
    awk -v n="$name" -v a="$rs_best" -v b="$np_best" -v c="$rs_tr_best" -v d="$np_tr_best" -v ce="$2" -v fr="$3" -v nf="$npfull" -v tr="$4" \
        'BEGIN { printf "%-34s %7.3f %8.3f %8.1fx %8.4f %8.3f %8.1fx %5.2f %5.2f|%5.2f %6d\n", n, a, b, (a > 0 ? b / a : 0), c, d, (c > 0 ? d / c : 0), ce, fr, nf, tr }'
}

echo "== machine: $NPROC cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== matrix: $TRIALS trials per cell ($REGION_TRIALS for region in the fixed family), best of $REPEAT; CPU seconds (user + system), one core each"
[ -z "$RS_SETS" ] || echo "== reluscape runs with$RS_SETS"
printf '%-34s %7s %8s %9s %8s %8s %9s %5s %11s %6s\n' setting "rs s" "np s" "process" "rs trl s" "np trl s" "trials" cert "full rs|np" trials
skipped=""
for fam in fixed ratio; do
    for sampler in bernoulli init/torch init/gaussian init/he region; do
        s=${sampler%%/*} init=torch
        [ "$s" = init ] && init=${sampler#init/}
        for data in uniform01 gaussian sphere; do
            for bias in 1 0; do
                name="$fam $sampler $data bias=$bias"
                name=$(echo "$name" | tr ' ' ':')
                if [ -n "$ONLY" ] && ! echo "$name" | grep -Eq -- "$ONLY"; then continue; fi
                run_setting "$name" "$fam" "$s" "$init" "$data" "$bias"
            done
        done
    done
done
echo "(region: fixed family on d0 in {1,2,3}, ratio family at n = 10 only: the reference enumerates the"
echo " realizable rows of every dataset and cannot go further; see bench/reference.py)"

[ -s "$RESULTS" ] || exit 0
awk '{ np += $5; rs += $4; npp += $3; rsp += $2; if (min == "" || $5 / $4 < min) { min = $5 / $4; at = $1 } }
     END { printf "\nall settings: trials %.1fx (%.2f s numpy / %.2f s reluscape), processes %.1fx; lowest trials ratio %.1fx at %s\n", np / rs, np, rs, npp / rsp, min, at
           printf "target: every setting >= 30x per core in CPU time (trials): %s\n", (min >= 30 ? "met" : "NOT met") }' "$RESULTS"

# ------------------------------------------------------------------ profile
[ "$NPROFILE" -gt 0 ] || exit 0
if ! command -v valgrind >/dev/null 2>&1 || ! command -v callgrind_annotate >/dev/null 2>&1; then
    echo "profile: valgrind/callgrind_annotate not installed, skipped"
    exit 0
fi
echo
echo "== profile: the $NPROFILE settings with the lowest trials ratio; callgrind, inclusive instructions of reluscape's trials"
echo "   (sampling: data draw + pattern sampler + v; reduction: checks + neuron reduction;"
echo "    certificate: engine minus exact step; exact: rank_exact, the modular sketch and elimination)"
printf '%-34s %10s %9s %9s %9s %9s %9s %7s\n' setting "Minstr/trl" sampling reduction certif exact other "exact%tr"
sort -k1,1 "$RESULTS" | awk '{ print $5 / $4, $0 }' | sort -g | head -n "$NPROFILE" | while read -r _ name _ _ _ _ _ _ _ _ fam sampler init data bias; do
    region=0; [ "$sampler" = region ] && region=1
    t=$PROFILE_TRIALS; [ "$region" = 1 ] && t=1
    ini="$WORK/$fam.$sampler.$init.$data.$bias.ini"
    sed "s/^trials = .*/trials = $t/" "$ini" >"$WORK/prof.ini"
    # reluscape in the build tree is a libtool wrapper script: run valgrind on the program
    # shellcheck disable=SC2086
    (cd "$WORK" && "$BUILDDIR/libtool" --mode=execute valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$RS" -q run "$WORK/prof.ini" $RS_SETS \
        -o "$WORK/prof.h5" --force >"$WORK/cg.log" 2>&1) ||
        { echo "$name: callgrind run failed (see valgrind's log)"; tail -n 5 "$WORK/cg.log"; continue; }
    callgrind_annotate --inclusive=yes --threshold=100 "$WORK/cg.out" 2>/dev/null >"$WORK/cg.txt"
    "$PYTHON3" - "$WORK/cg.txt" "$WORK/prof.h5" "$name" <<'PY'
import re, sys, h5py
inc = {}
for line in open(sys.argv[1]):
    m = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+\S*:(\S+)", line) or re.match(r"\s*([\d,]+)\s+\S*:(\S+)", line)
    if m:
        fn = m.group(2).split("'")[0]
        inc[fn] = max(inc.get(fn, 0), int(m.group(1).replace(",", "")))
g = lambda *names: sum(inc.get(n, 0) for n in names)
f = h5py.File(sys.argv[2], "r"); s = f["stats"]
t = int(s["trials"][()].sum()); cert = int(s["certified"][()].sum())
trial = g("rs_trial_run") or g("rs_trial_prepare") + g("rs_engine_rank_on")
sampling = g("rs_data_draw", "sample_init", "sample_bernoulli", "sample_region", "rs_vout_draw")
reduction = g("rs_trial_reduce")
exact = g("rank_exact")
engine = g("rs_engine_rank_on")
certif = max(engine - exact, 0)
other = max(trial - sampling - reduction - engine, 0)
pc = lambda x: "%8.1f%%" % (100.0 * x / trial if trial else 0)
print("%-34s %10.3f %s %s %s %s %s %6.2f" % (sys.argv[3], trial / 1e6 / max(t, 1), pc(sampling), pc(reduction), pc(certif), pc(exact), pc(other), 1 - cert / max(t, 1)))
PY
done
echo "(exact%tr: fraction of the trials no certificate decided, ranked by the exact step)"
