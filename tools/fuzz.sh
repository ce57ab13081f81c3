#!/bin/sh
# fuzz.sh BUILDDIR SRCDIR SECONDS - run the libFuzzer targets (make fuzz-build) for SECONDS
# each, from the seed corpora in tests/fuzz/ (and the shipped configs), in a scratch corpus
# directory.  A crash leaves its input as crash-* in the current directory and fails.
# `make fuzz` runs it (FUZZ_SECONDS=60 by default); tests/fuzz.sh runs it briefly.
set -u
BUILD=$1
SRC=$2
SECS=${3:-60}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
rc=0
for t in config files; do
    mkdir -p "$WORK/$t"
    cp "$SRC/tests/fuzz/corpus_$t/"* "$WORK/$t/"
    [ "$t" = config ] && cp "$SRC/jobs/configs/"*.ini "$WORK/$t/"
    # -close_fd_mask=3: the targets' own messages (refusals are the normal case) are noise
    # HDF5 asks malloc for absurd sizes on damaged files and copes with NULL: let it
    # fuzz_files runs in fork mode and goes on after a crash or hang: on damaged files
    # HDF5 1.10.8 itself spins (H5Aread of a damaged global heap), reads freed memory
    # (H5Aopen) and leaks, which no caller can prevent; each is listed with its top frames
    # so that a fault in our own code would stand out (docs/testing.md)
    extra=""
    [ "$t" = files ] && extra="-fork=1 -ignore_timeouts=1 -ignore_crashes=1 -ignore_ooms=1 -timeout=5"
    ASAN_OPTIONS=allocator_may_return_null=1 LSAN_OPTIONS=suppressions="$SRC/tests/fuzz/lsan.supp" \
        "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$SECS" -close_fd_mask=3 -max_len=65536 -timeout=20 \
        -rss_limit_mb=4096 $extra -artifact_prefix="$PWD/" "$WORK/$t" >"$WORK/$t.log" 2>&1
    r=$?
    runs=$(grep -Eo '^(#[0-9]+|Done [0-9]+ runs)|exec/s|execs: [0-9]+' "$WORK/$t.log" | grep -Eo '[0-9]+' | tail -n 1)
    echo "fuzz_$t: ${runs:-?} executions in ${SECS} s, exit $r"
    if [ $r != 0 ]; then
        grep -E 'ERROR|SUMMARY|Test unit written' "$WORK/$t.log" | head -5
        rc=1
    fi
    # the first frame of ours in every sanitizer report (fork mode keeps going)
    ours=$(grep -E '^ +#[0-9]+ .* in (rs_|LLVMFuzzer)' "$WORK/$t.log" | grep -v LLVMFuzzer | sort | uniq -c | sort -rn | head -5)
    [ -n "$ours" ] && { echo "reports with a frame in reluscape:"; echo "$ours"; }
done
exit $rc
