# stats_mpi.sh - the statistics reduction on 3 ranks: test_stats puts a distinct value in
# every entry of every rank and checks the closed-form sums (the last entry included).
. "${top_srcdir:-.}/tests/lib.sh"

mpirun 3 "$top_builddir/tests/test_stats" >"$WORK/out" 2>&1
rc=$?
cat "$WORK/out"
check "test_stats on 3 ranks: exit 0" [ $rc = 0 ]
check "test_stats on 3 ranks: ran its checks" grep -q "test_stats: [1-9][0-9]* passed, 0 failed" "$WORK/out"
finish
