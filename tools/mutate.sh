#!/bin/sh
# mutate.sh [BUILDDIR] [N] [FIRST] - mutation testing: apply each mutation of
# tools/mutations.txt in turn (N of them from number FIRST, if given) to a built tree, rebuild, run the fast tests in order until
# one fails (the mutant is killed) or all pass (it survived), restore the file, and print
# the kill rate.  The tree must be configured and built; the working tree is restored after
# every mutant, whatever happens (a copy of the file is kept).  About a minute per mutant.
# Record the rate and the survivors (with why each is acceptable) in docs/testing.md.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC}
LIMIT=${2:-1000000}
FIRST=${3:-1}
FAST="tests/test_rng tests/test_data tests/test_pattern tests/test_matrank tests/test_jacobian \
tests/test_config tests/test_stats tests/test_modrank tests/test_engine tests/test_lp tests/test_regions \
tests/stats_mpi.sh tests/exhaustive.sh tests/xarray.sh \
tests/generic_kernels.sh tests/toy.sh tests/minima.sh tests/stats_regression.sh tests/run_smoke.sh \
tests/mpi_ranks.sh tests/bad_input.sh tests/merge.sh tests/rank_engine.sh tests/report.sh tests/resume.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
killed=0
survived=0
invalid=0
k=0
log=$(mktemp)
while IFS= read -r line; do
    case $line in "#"* | "") continue ;; esac
    k=$((k + 1))
    [ "$k" -ge "$FIRST" ] || continue
    [ "$k" -lt $((FIRST + LIMIT)) ] || break
    file=$(echo "$line" | awk -F ' \\|\\|\\| ' '{print $1}')
    what=$(echo "$line" | awk -F ' \\|\\|\\| ' '{print $4}')
    cp "$SRC/$file" "$log.orig"
    if ! /usr/bin/python3 - "$SRC/$file" "$line" <<'PY'
import sys
path, line = sys.argv[1], sys.argv[2]
_, old, new, _ = line.split(" ||| ")
s = open(path).read()
if old not in s:
    sys.exit(f"mutation text not found in {path}: {old}")
open(path, "w").write(s.replace(old, new, 1))
PY
    then
        invalid=$((invalid + 1))
        printf '%3d INVALID  %s: %s\n' "$k" "$file" "$what"
        continue
    fi
    verdict=SURVIVED
    by=""
    if ! (cd "$BUILD" && make -j2 >/dev/null 2>&1 && make -j2 check TESTS= >/dev/null 2>&1) </dev/null; then
        verdict=INVALID
    else
        for t in $FAST; do
            if ! (cd "$BUILD" && timeout 600 make check TESTS="$t" >/dev/null 2>&1) </dev/null; then
                verdict=KILLED
                by=$t
                break
            fi
        done
    fi
    cp "$log.orig" "$SRC/$file"
    case $verdict in
    KILLED) killed=$((killed + 1)) ;;
    SURVIVED) survived=$((survived + 1)) ;;
    INVALID) invalid=$((invalid + 1)) ;;
    esac
    printf '%3d %-9s %s: %s%s\n' "$k" "$verdict" "$file" "$what" "${by:+ (by $by)}"
done <"$SRC/tools/mutations.txt"
(cd "$BUILD" && make -j2 >/dev/null 2>&1 && make -j2 check TESTS= >/dev/null 2>&1)
rm -f "$log" "$log.orig"
total=$((killed + survived))
echo "mutants: $killed killed, $survived survived, $invalid invalid; kill rate $(awk -v k=$killed -v t=$total 'BEGIN {printf "%.0f%%", t ? 100 * k / t : 0}')"
