# exhaustive.sh - sweep.mode = exhaustive counts every pattern (or every non-empty region)
# exactly once, so its fractions are exact rationals; checked against mathematics:
#  * d0 = 1 without bias: rank J_A = rank A, so full rank counts the non-singular d1 x n
#    0/1 matrices: 1, 6, 174, 22560 of 2^(n^2) for d1 = n = 1..4 (OEIS A046747's
#    complements), and (2^d1 - 1)(2^d1 - 2) of 2^(2 d1) for n = 2;
#  * non-empty regions in 1-D with bias: (2n)^d1 of them;
#  * d0 >= n (independent points): every pattern is a region, full rank iff no zero
#    column: (2^d1 - 1)^n of 2^(d1 n);
#  * the same counts on 3 ranks and from 2 shards merged.
. "${top_srcdir:-.}/tests/lib.sh"

has_py_h5 || skip "python3 h5py missing"
cd "$WORK" || exit 1
cat >all.ini <<'INI'
[grid]
d0 = 1
d1 = 1:4
n = 1:4
[sweep]
mode = exhaustive
[data]
law = gaussian
bias = false
[pattern]
sampler = bernoulli
[rank]
verify = 0
[output]
progress = 0
INI
mpirun 1 "$RELUSCAPE" -q run all.ini -o all.h5
check "bernoulli, exhaustive: run exits 0" [ $? = 0 ]
check "every pattern once: trials = 2^(d1 n)" h5_stats all.h5 \
    't = s["trials"][()][0]; sys.exit(not all(t[i, j] == 2 ** ((i + 1) * (j + 1)) for i in range(4) for j in range(4)))'
check "non-singular n x n 0/1 matrices: 1, 6, 174, 22560" h5_stats all.h5 \
    'sys.exit(list(np.diag(s["full_rank"][()][0])) != [1, 6, 174, 22560])'
check "full column rank d1 x 2: (2^d1 - 1)(2^d1 - 2)" h5_stats all.h5 \
    'sys.exit(list(s["full_rank"][()][0, :, 1]) != [(2 ** d - 1) * (2 ** d - 2) for d in range(1, 5)])'
check "the file says the interval is moot" h5_stats all.h5 'sys.exit("no sampling" not in s["full_rank_lo"].attrs["interval_assumes"])'
mpirun 3 "$RELUSCAPE" -q run all.ini -o all3.h5
check "3 ranks: /stats identical" "$H5DIFF" -q all.h5 all3.h5 /stats /stats
for i in 0 1; do mpirun 1 "$RELUSCAPE" -q run all.ini --shard $i/2 -o part$i.h5 || bad "shard $i"; done
mpirun 1 "$RELUSCAPE" -q merge -o merged.h5 part0.h5 part1.h5
check "2 shards merged: /stats identical" "$H5DIFF" -q all.h5 merged.h5 /stats /stats

mpirun 1 "$RELUSCAPE" -q run all.ini --set data.bias=true --set pattern.sampler=region --set grid.n=2:4 \
    --set grid.d1=1:3 --set data.law=uniform01 -o reg1.h5
check "regions, 1-D with bias: run exits 0" [ $? = 0 ]
check "regions, 1-D with bias: (2n)^d1 of them" h5_stats reg1.h5 \
    't = s["trials"][()][0]; sys.exit(not all(t[i, j] == (2 * (j + 2)) ** (i + 1) for i in range(3) for j in range(3)))'
mpirun 1 "$RELUSCAPE" -q run all.ini --set pattern.sampler=region --set grid.d0=5 --set grid.n=2:4 --set grid.d1=1:3 \
    -o regwide.h5
check "regions, d0 >= n: run exits 0" [ $? = 0 ]
check "regions, d0 >= n: every pattern, full rank (2^d1 - 1)^n" h5_stats regwide.h5 '
t = s["trials"][()][0]; fr = s["full_rank"][()][0]
sys.exit(not all(t[i, j] == 2 ** ((i + 1) * (j + 2)) and fr[i, j] == (2 ** (i + 1) - 1) ** (j + 2) for i in range(3) for j in range(3)))'
mpirun 1 "$RELUSCAPE" run all.ini --set grid.d1=40 --set grid.n=40 -o big.h5 2>big.err
check "a cell too large to enumerate is refused up front (exit 2)" [ $? = 2 ]
check "... saying how many patterns" grep -q "key 'sweep.mode': exhaustive cell d0=1 d1=40 n=40 has .* patterns" big.err
finish
