# fuzz.sh - a bounded run of the config parser's libFuzzer target (tests/fuzz/fuzz_config.c,
# built with clang and AddressSanitizer/UBSan by `make fuzz-build`): every input parses or
# is refused with a message, and a parsed config's effective text parses back to itself.
# Longer runs and the file readers' target: `make fuzz` (docs/testing.md).
. "${top_srcdir:-.}/tests/lib.sh"

command -v clang >/dev/null 2>&1 || skip "clang (with libFuzzer) is not installed"
make -C "$top_builddir" -s fuzz-build >"$WORK/build.log" 2>&1
rc=$?
check "the fuzz targets build" [ $rc = 0 ]
[ $rc = 0 ] || { cat "$WORK/build.log"; finish; exit 1; }
mkdir -p "$WORK/corpus"
cp "$top_srcdir/tests/fuzz/corpus_config/"* "$top_srcdir/jobs/configs/"*.ini "$WORK/corpus/"
cd "$WORK" || exit 1
"$top_builddir/tests/fuzz/fuzz_config" -max_total_time=20 -close_fd_mask=3 -max_len=65536 -timeout=20 \
    -artifact_prefix="$WORK/" corpus >fuzz.log 2>&1
rc=$?
grep -E 'ERROR|SUMMARY|Test unit written' fuzz.log | head -5
check "fuzz_config: 20 s without a crash, leak or assertion (exit $rc)" [ $rc = 0 ]
runs=$(grep -Eo '^#[0-9]+' fuzz.log | tail -n 1 | tr -dc '0-9')
echo "fuzz_config: ${runs:-0} executions"
check "fuzz_config ran (${runs:-0} executions)" [ "${runs:-0}" -gt 1000 ]
finish
