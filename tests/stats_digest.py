"""stats_digest.py FILE.h5... - one SHA-256 per file over every /stats dataset (name,
dtype, shape and bytes, in name order): equal digests mean /stats equal bit for bit."""
import hashlib
import sys

import h5py


def digest(path):
    h = hashlib.sha256()
    with h5py.File(path, "r") as f:
        for name in sorted(f["stats"]):
            d = f["stats"][name]
            h.update(name.encode())
            h.update(str(d.dtype).encode())
            h.update(str(d.shape).encode())
            h.update(d[()].tobytes())
    return h.hexdigest()


for p in sys.argv[1:]:
    print(digest(p))
