"""stats_digest.py FILE.h5... - one SHA-256 per file over every /stats dataset (name,
dtype, shape and bytes, in name order): equal digests mean /stats equal bit for bit.
P and d0_of_cell, the per-cell coordinates that schema 2 links into /stats from /grid,
are left out, so the digests of schema 1 files still compare.  So are the counters of the
cluster interval (CLUSTER, added after the references were made), realizable_tested and
realizable_rows, which depend on work budgets (pattern.realizable, data.count_rows):
`--cluster` digests only those, for comparisons between runs of one binary."""
import hashlib
import sys

import h5py


CLUSTER = {"datasets", "full_rank_sq", "full_rank_cluster_lo", "full_rank_cluster_hi", "realizable_rows",
           "realizable_tested"}


def digest(path, cluster):
    h = hashlib.sha256()
    with h5py.File(path, "r") as f:
        for name in sorted(n for n in f["stats"] if n not in ("P", "d0_of_cell") and (n in CLUSTER) == cluster):
            d = f["stats"][name]
            h.update(name.encode())
            h.update(str(d.dtype).encode())
            h.update(str(d.shape).encode())
            h.update(d[()].tobytes())
    return h.hexdigest()


cluster = "--cluster" in sys.argv[1:]
for p in sys.argv[1:]:
    if p != "--cluster":
        print(digest(p, cluster))
