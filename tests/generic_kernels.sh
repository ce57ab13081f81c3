# generic_kernels.sh - the portable kernels (init sampler, bit transpose, popcount Gram,
# modular elimination, the region walk's passes over the points) that these AVX2 machines
# never take on their own, forced with
# RELUSCAPE_GENERIC_KERNELS=1: the unit tests pass on them, and whole runs give /stats
# identical to the AVX2 paths' (results never depend on the kernel).  And with
# RELUSCAPE_GENERIC_KERNELS=avx2 the AVX2 paths of the kernels that have an AVX-512 one
# (an AVX-512 machine never takes them on its own).
. "${top_srcdir:-.}/tests/lib.sh"

for t in test_rng test_data test_pattern test_regions; do
    RELUSCAPE_GENERIC_KERNELS=avx2 "$top_builddir/tests/$t" >"$WORK/$t.avx2.out" 2>&1
    rc=$?
    check "$t without AVX-512: exit 0" [ $rc = 0 ]
    check "$t without AVX-512: ran its checks" grep -q "$t: [1-9][0-9]* passed, 0 failed" "$WORK/$t.avx2.out"
done

for t in test_pattern test_jacobian test_engine test_modrank test_regions; do
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
# the region walk (d0 = 3, d1 = 30, n = 100: rows drawn by walking) and the chart's listing
# (the other three cells: listing the dataset's rows is cheaper, regions.h)
cat >"$WORK/walk.ini" <<'INI'
[grid]
d0 = 3
d1 = 30, 300
n = 50, 100
[sweep]
trials = 6
[pattern]
sampler = region
[data]
law = gaussian
bias = false
INI
mpirun 1 "$RELUSCAPE" -q run "$WORK/walk.ini" -o "$WORK/walk.fast.h5"
check "region walk: run on the fast kernels" [ $? = 0 ]
RELUSCAPE_GENERIC_KERNELS=1 mpirun 1 "$RELUSCAPE" -q run "$WORK/walk.ini" -o "$WORK/walk.generic.h5"
check "region walk: run on the generic kernels" [ $? = 0 ]
check "region walk: /stats identical on both" "$H5DIFF" -q "$WORK/walk.fast.h5" "$WORK/walk.generic.h5" /stats /stats
RELUSCAPE_GENERIC_KERNELS=avx2 mpirun 1 "$RELUSCAPE" -q run "$WORK/walk.ini" -o "$WORK/walk.avx2.h5"
check "region walk and listing: run without AVX-512" [ $? = 0 ]
check "region walk and listing: /stats identical without AVX-512" "$H5DIFF" -q "$WORK/walk.fast.h5" "$WORK/walk.avx2.h5" /stats /stats
finish
