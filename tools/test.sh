#!/bin/sh
# test.sh - set up (if needed), build and run the whole test suite (make check).
# Prints each test's check count next to its floor in tests/check-floors.txt (a count
# below its floor fails: a test that silently stopped checking shows up here), then the
# automake summary and a last line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
sh tools/setup.sh || exit 1
make -j"$(nproc)" check
rc=$?
passed=0
failed=0
printf '%-26s %9s %7s %9s\n' test passed failed floor
for f in tests/*.log; do
    case $f in *test-suite.log) continue ;; esac
    name=$(basename "$f" .log)
    line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$f" | tail -n 1)
    p=$(echo "$line" | awk '{for (i = 2; i <= NF; i++) if ($i == "passed,") print $(i - 1)}')
    x=$(echo "$line" | awk '{for (i = 2; i <= NF; i++) if ($i ~ /^failed/) print $(i - 1)}')
    p=${p:-0}
    x=${x:-1}   # no summary line: the test did not finish
    floor=$(awk -v t="$name" '$1 == t {print $2}' tests/check-floors.txt 2>/dev/null)
    note=""
    if [ -n "$floor" ] && [ "$p" -lt "$floor" ]; then note="  DROP below its floor"; x=$((x + 1)); fi
    [ -n "$floor" ] || note="  (no floor in tests/check-floors.txt)"
    printf '%-26s %9s %7s %9s%s\n' "$name" "$p" "$x" "${floor:--}" "$note"
    passed=$((passed + p))
    failed=$((failed + x))
done
grep -E '^(FAIL|ERROR)' test-suite.log 2>/dev/null || true
# the failed checks themselves, with their test's name, so a CI log says what broke
grep -H -E '^FAIL - ' tests/*.log 2>/dev/null | grep -v test-suite.log || true
[ $rc -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "checks: $passed passed, $failed failed"
[ $rc -eq 0 ] && [ "$failed" -eq 0 ]
