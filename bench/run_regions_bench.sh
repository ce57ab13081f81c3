#!/bin/sh
# run_regions_bench.sh BUILDDIR PYTHON3 - the general region sampler (bench/bench_regions)
# against a plain numpy + scipy rejection sampler (bench/regions_reference.py), one core
# each, in the same run.  The issue's settings: d0 = 2, 3, 5, n = 50, d1 = 100, generic
# Gaussian data without bias (with bias d0 = 5 has C(50, 6) = 4,276,820 rows, over the
# enumeration's 2^22 limit).  At n = 50 the rejection sampler cannot finish a region (a
# row is realizable with probability C(n, p) / 2^n), so its rate is extrapolated from
# timed row tests (regions_reference.py); a small setting (d0 = 2, d1 = 5, n = 10) where it
# does finish checks the extrapolation against a measured rate.
set -eu
BUILDDIR=$1
PYTHON3=${2:-/usr/bin/python3}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$BUILDDIR/bench/bench_regions"
REF="$SRCDIR/bench/regions_reference.py"
printf '%-22s %10s %14s %14s %16s %12s  %s\n' setting rows "enumerate [s]" "reluscape [/s]" "scipy rej. [/s]" ratio "reference mode"
for cell in 2,100,50 3,100,50 5,100,50 2,5,10; do
    rs=$("$BENCH" --cell $cell --seconds 2)
    if [ "$cell" = 2,5,10 ]; then
        ref=$("$PYTHON3" "$REF" --cell $cell --regions 20)
        ext=$("$PYTHON3" "$REF" --cell $cell --tests 300)
    else
        ref=$("$PYTHON3" "$REF" --cell $cell --tests 300)
        ext=""
    fi
    get() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
    r1=$(get "$rs" regions_per_s)
    r2=$(get "$ref" regions_per_s)
    printf '%-22s %10s %14s %14s %16s %11.3gx  %s\n' "d0,d1,n=$cell" "$(get "$rs" rows)" "$(get "$rs" enumerate_seconds)" \
        "$r1" "$r2" "$(awk -v a="$r1" -v b="$r2" 'BEGIN {print a / b}')" "$(get "$ref" mode)"
    [ -n "$ext" ] && printf '%-22s %10s %14s %14s %16s %12s  %s\n' "  (same, extrapolated)" "" "" "" \
        "$(get "$ext" regions_per_s)" "" "extrapolated from $(get "$ext" tests) tests"
done
