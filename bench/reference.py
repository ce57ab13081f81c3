#!/usr/bin/env python3
"""reference.py - the authors' per-trial experiment in plain numpy, as a speed baseline.

One trial of cell (d0, d1, n), as in the paper's Python code (random-initialisation
patterns, docs/science.md §5 (a)):
  X ~ U[0,1]^{n x d0}, Xt = [X, 1]; W, b ~ U(+-1/sqrt(d0)) (PyTorch nn.Linear default);
  A = (Xt @ [W; b].T > 0) (n x d1); v ~ N(0,1);
  J row i = kron(v * A[i], Xt[i]) (face-splitting product, n x d1*(d0+1));
  rank = numpy.linalg.matrix_rank(J) (float64, default tolerance).

Trials go round-robin over the cells until every cell has --trials trials or --seconds
have passed, so a time limit leaves every cell with (nearly) the same count.

Output (parsed by run_bench.sh; bench_trials prints the same lines):
  cell d0=D0 d1=D1 n=N trials=T full=F mean_rank=R seconds=S
  trials=N seconds=S trials_per_s=R
  rss base_kb=B peak_kb=K      (peak resident set before the first trial and at the end)
"""
import argparse
import resource
import sys
import time

import numpy as np


def parse_cells(text):
    cells = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        d0, d1, n = (int(x) for x in part.split(","))
        if min(d0, d1, n) < 1:
            raise ValueError(f"cell '{part}': d0, d1, n must be >= 1")
        cells.append((d0, d1, n))
    if not cells:
        raise ValueError("no cells given")
    return cells


def trial(rng, d0, d1, n):
    X = rng.random((n, d0))
    Xt = np.hstack([X, np.ones((n, 1))])
    lim = 1.0 / np.sqrt(d0)
    W = rng.uniform(-lim, lim, (d1, d0))
    b = rng.uniform(-lim, lim, (d1, 1))
    A = Xt @ np.hstack([W, b]).T > 0                 # n x d1 activation pattern
    v = rng.standard_normal(d1)
    J = ((A * v)[:, :, None] * Xt[:, None, :]).reshape(n, -1)
    return np.linalg.matrix_rank(J)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cells", required=True, help='"d0,d1,n;d0,d1,n;..."')
    ap.add_argument("--trials", type=int, default=100, help="trials per cell")
    ap.add_argument("--seconds", type=float, default=1e9, help="stop after this long")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    try:
        cells = parse_cells(a.cells)
    except ValueError as e:
        sys.exit(f"reference.py: --cells: {e}")

    rss_base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rng = np.random.default_rng(a.seed)
    k = len(cells)
    done = [0] * k
    full = [0] * k
    rank_sum = [0] * k
    secs = [0.0] * k
    start = time.perf_counter()
    total = 0
    for t in range(a.trials):
        if time.perf_counter() - start >= a.seconds:
            break
        for c, (d0, d1, n) in enumerate(cells):
            t0 = time.perf_counter()
            r = trial(rng, d0, d1, n)
            secs[c] += time.perf_counter() - t0
            done[c] += 1
            full[c] += r == n
            rank_sum[c] += r
            total += 1
    wall = time.perf_counter() - start

    for c, (d0, d1, n) in enumerate(cells):
        mean = rank_sum[c] / done[c] if done[c] else float("nan")
        print(f"cell d0={d0} d1={d1} n={n} trials={done[c]} full={full[c]} "
              f"mean_rank={mean:.4f} seconds={secs[c]:.6f}")
    rate = total / wall if wall > 0 else float("nan")
    print(f"trials={total} seconds={wall:.6f} trials_per_s={rate:.2f}")
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"rss base_kb={rss_base} peak_kb={rss_peak}")


if __name__ == "__main__":
    main()
