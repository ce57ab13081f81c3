#!/bin/sh
# test.sh - set up (if needed), build and run the whole test suite (make check).
# Ends with the automake summary and a line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
sh tools/setup.sh || exit 1
make -j"$(nproc)" check
rc=$?
for f in tests/*.log; do [ -f "$f" ] && case $f in *test-suite.log) ;; *) sed -n '/passed, .* failed/p' "$f" ;; esac; done >tests/.counts
cat test-suite.log 2>/dev/null | grep -E '^(FAIL|ERROR)' || true
passed=$(awk '{p += $(NF-3)} END {print p + 0}' tests/.counts)
failed=$(awk '{f += $(NF-1)} END {print f + 0}' tests/.counts)
rm -f tests/.counts
[ $rc -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "checks: $passed passed, $failed failed"
exit $rc
