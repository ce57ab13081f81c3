# mpi_ranks.sh - the same config on 1, 2, 3 and 4 ranks (oversubscribed) gives identical
# /stats, array for array, for every sampler and data law.
. "${top_srcdir:-.}/tests/lib.sh"

cat >"$WORK/base.ini" <<'INI'
[grid]
d0 = 1, 3
d1 = 2:8:3
n = 6, 11, 17
[sweep]
trials = 24
patterns_per_dataset = 4
seed = 20261128
INI
variants="sampler=init,init=torch sampler=init,init=he sampler=bernoulli,p=0.5 sampler=bernoulli,p=0.8"
for v in $variants; do
    sets=""
    for kv in $(echo "$v" | tr , ' '); do sets="$sets --set pattern.$kv"; done
    for np in 1 2 3 4; do
        mpirun $np "$RELUSCAPE" -q run "$WORK/base.ini" $sets --set data.law=gaussian \
            -o "$WORK/$v.$np.h5" || bad "$v on $np ranks: run failed"
    done
    for np in 2 3 4; do
        check "$v: /stats identical on 1 and $np ranks" \
            "$H5DIFF" -q "$WORK/$v.1.h5" "$WORK/$v.$np.h5" /stats /stats
    done
done

# 1-D non-empty regions with balanced v, and the other data laws
cat >"$WORK/region.ini" <<'INI'
[grid]
d0 = 1
d1 = 3:30:9
n = 5, 12, 20
[sweep]
trials = 30
[pattern]
sampler = region
[network]
v = balanced
INI
for law in uniform01 uniform sphere gaussian; do
    for np in 1 3 4; do
        mpirun $np "$RELUSCAPE" -q run "$WORK/region.ini" --set data.law=$law -o "$WORK/r.$law.$np.h5" ||
            bad "region/$law on $np ranks: run failed"
    done
    for np in 3 4; do
        check "region, data $law: /stats identical on 1 and $np ranks" \
            "$H5DIFF" -q "$WORK/r.$law.1.h5" "$WORK/r.$law.$np.h5" /stats /stats
    done
done

# non-empty regions for d0 > 1 (the walk of regions.h), with and without bias; d0 = 5 at
# n = 40 was beyond the enumeration's limits
cat >"$WORK/walk.ini" <<'INI'
[grid]
d0 = 2, 3, 5
d1 = 4, 12
n = 8, 40
[sweep]
trials = 12
patterns_per_dataset = 3
[pattern]
sampler = region
INI
for b in true false; do
    for np in 1 3; do
        mpirun $np "$RELUSCAPE" -q run "$WORK/walk.ini" --set data.bias=$b --set data.law=gaussian -o "$WORK/w.$b.$np.h5" ||
            bad "region walk, bias $b, on $np ranks: run failed"
    done
    check "region walk, bias $b: /stats identical on 1 and 3 ranks" \
        "$H5DIFF" -q "$WORK/w.$b.1.h5" "$WORK/w.$b.3.h5" /stats /stats
done

# a different seed must change the results (the comparison above can fail)
mpirun 2 "$RELUSCAPE" -q run "$WORK/region.ini" --set sweep.seed=2 -o "$WORK/seed2.h5"
check "another seed gives different /stats" h5_differ "$WORK/r.uniform01.1.h5" "$WORK/seed2.h5" /stats/rank_sum
finish
