# generic_kernels.sh - the portable kernels (init sampler, bit transpose, popcount Gram,
# modular elimination) that these AVX2 machines never take on their own, forced with
# RELUSCAPE_GENERIC_KERNELS=1: the unit tests pass on them, and whole runs give /stats
# identical to the AVX2 paths' (results never depend on the kernel).
. "${top_srcdir:-.}/tests/lib.sh"

for t in test_pattern test_jacobian test_engine test_modrank; do
    RELUSCAPE_GENERIC_KERNELS=1 "$top_builddir/tests/$t" >"$WORK/$t.out" 2>&1
    rc=$?
    check "$t on the generic kernels: exit 0" [ $rc = 0 ]
    check "$t on the generic kernels: ran its checks" grep -q "$t: [1-9][0-9]* passed, 0 failed" "$WORK/$t.out"
done
for cfg in default paper-fixed-d0; do
    mpirun 1 "$RELUSCAPE" -q run "$top_srcdir/jobs/configs/$cfg.ini" --set sweep.trials=10 -o "$WORK/$cfg.fast.h5"
    check "$cfg: run on the fast kernels" [ $? = 0 ]
    RELUSCAPE_GENERIC_KERNELS=1 mpirun 1 "$RELUSCAPE" -q run "$top_srcdir/jobs/configs/$cfg.ini" --set sweep.trials=10 \
        -o "$WORK/$cfg.generic.h5"
    check "$cfg: run on the generic kernels" [ $? = 0 ]
    check "$cfg: /stats identical on both" "$H5DIFF" -q "$WORK/$cfg.fast.h5" "$WORK/$cfg.generic.h5" /stats /stats
done
finish
