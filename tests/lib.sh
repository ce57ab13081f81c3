# lib.sh - helpers for the shell tests (sourced).  Each test counts its assertions and
# ends with "N passed, N failed"; exit 0 pass, 1 fail, 77 skip (automake convention).
# Honest by construction: every check is ONE command whose exit status is the assertion
# (write `check D sh -c '[ a ] && [ b ]'` or `check D all_absent F G`, never
# `check D [ a ] && [ b ]`, which asserts only the first); a test with no passed check
# fails; and under CI=true a skip is a failure (a CI run must run everything).
: "${top_builddir:=.}" "${top_srcdir:=.}" "${MPIEXEC:=mpiexec}" "${H5DIFF:=h5diff}" "${PYTHON3:=/usr/bin/python3}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
       OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
RELUSCAPE="$top_builddir/reluscape"
t_pass=0
t_fail=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/reluscape-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# RS_TEST_WRAPPER="valgrind -q --error-exitcode=86 --log-file=DIR/vg.%p": every run of the
# program goes through the wrapper (docs/testing.md, "Sanitizers and valgrind")
if [ -n "${RS_TEST_WRAPPER:-}" ]; then
    printf '#!/bin/sh\nexec "%s/libtool" --mode=execute %s "%s/reluscape" "$@"\n' \
        "$top_builddir" "$RS_TEST_WRAPPER" "$top_builddir" >"$WORK/reluscape-wrapped"
    chmod +x "$WORK/reluscape-wrapped"
    RELUSCAPE="$WORK/reluscape-wrapped"
    # no start again for OpenBLAS's settings (src/cli/main.c): the wrapper would not see it
    export RELUSCAPE_BLAS_SET="none (under $RS_TEST_WRAPPER)"
fi

ok()   { t_pass=$((t_pass + 1)); echo "ok - $*"; }
bad()  { t_fail=$((t_fail + 1)); echo "FAIL - $*"; }
# check DESCRIPTION COMMAND...: the command's success is the assertion; returns 1 when it
# failed, so `check D CMD || showlog FILE` can say why
check() { d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; return 1; fi; }
finish() {
    [ "$t_pass" -gt 0 ] || bad "the test ran no passing check"
    echo "$t_pass passed, $t_fail failed"
    [ "$t_fail" -eq 0 ]
    exit $?
}
skip() {
    if [ "${CI:-}" = true ]; then echo "FAIL - skipped under CI=true: $*"; echo "0 passed, 1 failed"; exit 1; fi
    echo "SKIP: $*"
    exit 77
}
# missing WHAT: an optional part of a test cannot run here: a note, or a failure under CI=true
missing() { if [ "${CI:-}" = true ]; then bad "cannot run under CI=true: $*"; else echo "note: not run: $*"; fi; }
# all_absent FILE...: none of the files exists (a dangling symlink counts as existing)
all_present() { for f in "$@"; do [ -f "$f" ] || return 1; done; }
all_absent() { for f in "$@"; do if [ -e "$f" ] || [ -L "$f" ]; then return 1; fi; done; }
# h5_differ A B OBJ: both files exist and OBJ differs between them (plain `! h5diff` would
# also pass when a file is missing)
h5_differ() { [ -f "$1" ] && [ -f "$2" ] && { "$H5DIFF" -q "$1" "$2" "$3" "$3"; [ $? = 1 ]; }; }

# mpirun N ARGS...: launch under MPI (N = 1: without a launcher, as users may), never
# hanging a test for more than RS_TEST_TIMEOUT seconds (two minutes unless a test sets it).
# The program takes SIGTERM as "checkpoint after this trial", so a trial that never ends
# would outlive it: SIGKILL follows 10 s later.
mpirun() {
    n=$1
    shift
    if [ "$n" = 1 ]; then timeout -k 10 "${RS_TEST_TIMEOUT:-120}" "$@"
    else timeout -k 10 "${RS_TEST_TIMEOUT:-120}" "$MPIEXEC" -n "$n" --bind-to none "$@"; fi
}

# first_checkpoint FILE: wait (at most 20 s) until a run has written its first checkpoint:
# it is then well under way whatever the machine's speed, and a signal finds it running
first_checkpoint() { for i in $(seq 200); do [ -f "$1" ] && return 0; sleep 0.1; done; return 1; }

# run_rs OUTFILE ERRFILE ARGS...: one-rank run without a launcher, records the exit code
run_rs() { out=$1 err=$2; shift 2; timeout -k 10 120 "$RELUSCAPE" "$@" >"$out" 2>"$err"; echo $?; }

has_py_h5() { "$PYTHON3" -c 'import h5py, numpy' 2>/dev/null; }

# h5_stats FILE PY: run a check written in Python on a result file, with s = /stats,
# g = /grid, np, sys; its exit status is the assertion (sys.exit(not ...))
h5_stats() { "$PYTHON3" -c "import sys, h5py, numpy as np; f = h5py.File(sys.argv[1]); s = f['stats']; g = f['grid']; $2" "$1"; }

# usr1_after_checkpoint PID CKPT PATTERN: once the run PID has written its first checkpoint
# CKPT, send SIGUSR1 to the rank processes matching PATTERN (pkill -f) and wait for the
# run; returns its exit status (3: checkpointed and stopped)
usr1_after_checkpoint() {
    first_checkpoint "$2"
    pkill -USR1 -f "$3"
    wait "$1"
}
