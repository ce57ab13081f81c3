#!/usr/bin/env python3
"""reference.py - the authors' per-trial experiment in plain numpy, as a speed baseline.

One trial of cell (d0, d1, n), as in the paper's Python code (random-initialisation
patterns, docs/science.md §5 (a)) with the defaults:
  X ~ U[0,1]^{n x d0}, Xt = [X, 1]; W, b ~ U(+-1/sqrt(d0)) (PyTorch nn.Linear default);
  A = (Xt @ [W; b].T > 0) (n x d1); v ~ N(0,1);
  J row i = kron(v * A[i], Xt[i]) (face-splitting product, n x d1*(d0+1));
  rank = numpy.linalg.matrix_rank(J) (float64, default tolerance).

The other laws and samplers of reluscape (src/data.c, src/pattern.c), same definitions:
  --data uniform01 | gaussian (N(0,1)) | uniform (U(-1,1)) | sphere (uniform on the unit
         sphere of R^d0: a normalised Gaussian vector)
  --bias 1 | 0 (without it Xt = X, p = d0, and the init laws draw no b)
  --sampler init (--init torch | gaussian: w, b ~ N(0,1) | he: w ~ N(0, 2/d0), b = 0)
          | bernoulli (a_ji iid Bernoulli(--p))
          | region: every row iid uniform over the realizable rows of the data, i.e. the
            dichotomies of the points Xt_i cut by a hyperplane through the origin of R^p.
            d0 = 1 with bias: the 2n step vectors of the sorted points (k = 0: all off,
            k = 1: all on, 2 <= k <= n: the k-1 largest, n < k < 2n: the k-n smallest).
            Otherwise, n <= p - 1 points in general position realize all 2^n rows (a
            uniform row is n fair coins); more points: the rows are enumerated as the
            cells around every ray cut out by p - 1 of the hyperplanes (both rays, every
            sign on those p - 1 points), deduplicated, and their count checked against
            Cover's C(n, p) (general position).  The same law as reluscape's (uniform
            over the realizable rows), drawn the way numpy does best: one vectorised
            enumeration per dataset, then one index per neuron.  reluscape draws each row
            without the list (rejection from the extreme rays, src/regions.h); written in
            numpy that walk is a Python loop per vertex, far slower than the enumeration
            at these sizes.  A rejection sampler from uniform rows of {0,1}^n would accept
            C(n, p) / 2^n of its draws, about 10^-25 at n = 100, p = 4.  With
            sweep.patterns_per_dataset = 1 every trial has its own dataset, hence its own
            enumeration.
The random numbers are numpy's own (not reluscape's streams): the two programs rank
independent samples of the same laws.

Trials go round-robin over the cells until every cell has --trials trials or --seconds
have passed, so a time limit leaves every cell with (nearly) the same count.

Output (parsed by run_bench.sh; bench_trials prints the same lines):
  cell d0=D0 d1=D1 n=N trials=T full=F mean_rank=R seconds=S
  trials=N seconds=S trials_per_s=R
  rss base_kb=B peak_kb=K      (peak resident set before the first trial and at the end)
  cpu trials_s=C process_s=P   (CPU seconds, user + system: the trial loop; the process so far)
"""
import argparse
import itertools
import math
import resource
import sys
import time

import numpy as np

SAMPLERS = ("init", "bernoulli", "region")
INITS = ("torch", "gaussian", "he")
DATA = ("uniform01", "gaussian", "uniform", "sphere")


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


def draw_data(rng, law, n, d0, bias):
    if law == "uniform01":
        X = rng.random((n, d0))
    elif law == "gaussian":
        X = rng.standard_normal((n, d0))
    elif law == "uniform":
        X = rng.uniform(-1.0, 1.0, (n, d0))
    else:  # sphere
        X = rng.standard_normal((n, d0))
        X /= np.linalg.norm(X, axis=1, keepdims=True)
    return np.hstack([X, np.ones((n, 1))]) if bias else X


def init_pattern(rng, law, Xt, d0, d1, bias):
    if law == "torch":
        lim = 1.0 / np.sqrt(d0)
        Wb = rng.uniform(-lim, lim, (d1, d0 + bias))
    elif law == "gaussian":
        Wb = rng.standard_normal((d1, d0 + bias))
    else:  # he: b = 0
        Wb = np.zeros((d1, d0 + bias))
        Wb[:, :d0] = rng.normal(0.0, np.sqrt(2.0 / d0), (d1, d0))
    return Xt @ Wb.T > 0


def cover_count(n, p):
    return 2 * sum(math.comb(n - 1, k) for k in range(min(p, n)))


def realizable_rows(Xt):
    """The realizable rows of the points Xt (n x p, n >= p) as packed bytes (count x
    ceil(n/8)), by the rays of every (p-1)-subset; ValueError if not in general position."""
    n, p = Xt.shape
    k = p - 1
    subsets = (np.array(list(itertools.combinations(range(n), k)), dtype=np.intp).reshape(-1, k) if k
               else np.zeros((1, 0), dtype=np.intp))     # p = 1: one empty subset, the ray +-1
    M = len(subsets)
    pts = Xt[subsets]                                  # M x k x p
    R = np.empty((M, p))
    for c in range(p):                                 # generalised cross product
        minor = np.delete(pts, c, axis=2)
        R[:, c] = (-1) ** c * (np.linalg.det(minor) if k else 1.0)
    choices = ((np.arange(2 ** k)[:, None] >> np.arange(k)) & 1).astype(bool)  # 2^k x k
    packed = []
    chunk = max(1, 2_000_000 // (n * 2 ** k))
    for a in range(0, M, chunk):
        sub, dots = subsets[a:a + chunk], R[a:a + chunk] @ Xt.T
        m = len(sub)
        for sign in (1.0, -1.0):
            base = sign * dots > 0                     # m x n
            rows = np.repeat(base[:, None, :], 2 ** k, axis=1)           # m x 2^k x n
            rows[np.arange(m)[:, None, None], np.arange(2 ** k)[None, :, None], sub[:, None, :]] = choices[None]
            packed.append(np.packbits(rows.reshape(-1, n), axis=1))
    rows = np.concatenate(packed)
    width = rows.shape[1]
    uniq = np.unique(np.ascontiguousarray(rows).view(np.dtype((np.void, width))))
    if len(uniq) != cover_count(n, p):
        raise ValueError(f"{len(uniq)} realizable rows, Cover's count {cover_count(n, p)}: not in general position")
    return uniq.view(np.uint8).reshape(-1, width)


def region_pattern(rng, Xt, d0, d1, bias):
    n, p = Xt.shape
    if d0 == 1 and bias:                               # the 2n step vectors
        pos = np.empty(n, dtype=np.intp)
        pos[np.argsort(Xt[:, 0], kind="stable")] = np.arange(n)
        k = rng.integers(0, 2 * n, d1)[None, :]        # 1 x d1
        q = pos[:, None]
        return (k == 1) | ((k >= 2) & (k <= n) & (q >= n - (k - 1))) | ((k > n) & (q < k - n))
    if n <= p - 1:                                     # every row (general position)
        return rng.random((n, d1)) < 0.5
    rows = realizable_rows(Xt)
    pick = rows[rng.integers(0, len(rows), d1)]        # d1 x bytes
    return np.unpackbits(pick, axis=1, count=n).T.astype(bool)


def trial(rng, a, d0, d1, n):
    Xt = draw_data(rng, a.data, n, d0, a.bias)
    if a.sampler == "init":
        A = init_pattern(rng, a.init, Xt, d0, d1, a.bias)
    elif a.sampler == "bernoulli":
        A = rng.random((n, d1)) < a.p
    else:
        A = region_pattern(rng, Xt, d0, d1, a.bias)
    v = rng.standard_normal(d1)
    J = ((A * v)[:, :, None] * Xt[:, None, :]).reshape(n, -1)
    return np.linalg.matrix_rank(J)


def cpu_seconds():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cells", required=True, help='"d0,d1,n;d0,d1,n;..."')
    ap.add_argument("--trials", type=int, default=100, help="trials per cell")
    ap.add_argument("--seconds", type=float, default=1e9, help="stop after this long")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sampler", choices=SAMPLERS, default="init")
    ap.add_argument("--init", choices=INITS, default="torch", help="init law (--sampler init)")
    ap.add_argument("--data", choices=DATA, default="uniform01")
    ap.add_argument("--bias", type=int, choices=(0, 1), default=1)
    ap.add_argument("--p", type=float, default=0.5, help="P(a_ji = 1) (--sampler bernoulli)")
    a = ap.parse_args()
    try:
        cells = parse_cells(a.cells)
    except ValueError as e:
        sys.exit(f"reference.py: --cells: {e}")
    if not 0.0 <= a.p <= 1.0:
        sys.exit(f"reference.py: --p {a.p}: must be in [0, 1]")

    rss_base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rng = np.random.default_rng(a.seed)
    k = len(cells)
    done = [0] * k
    full = [0] * k
    rank_sum = [0] * k
    secs = [0.0] * k
    cpu0 = cpu_seconds()
    start = time.perf_counter()
    total = 0
    for t in range(a.trials):
        if time.perf_counter() - start >= a.seconds:
            break
        for c, (d0, d1, n) in enumerate(cells):
            t0 = time.perf_counter()
            try:
                r = trial(rng, a, d0, d1, n)
            except ValueError as e:
                sys.exit(f"reference.py: cell d0={d0} d1={d1} n={n}: {e}")
            secs[c] += time.perf_counter() - t0
            done[c] += 1
            full[c] += r == n
            rank_sum[c] += r
            total += 1
    wall = time.perf_counter() - start
    cpu_trials = cpu_seconds() - cpu0

    for c, (d0, d1, n) in enumerate(cells):
        mean = rank_sum[c] / done[c] if done[c] else float("nan")
        print(f"cell d0={d0} d1={d1} n={n} trials={done[c]} full={full[c]} "
              f"mean_rank={mean:.4f} seconds={secs[c]:.6f}")
    rate = total / wall if wall > 0 else float("nan")
    print(f"trials={total} seconds={wall:.6f} trials_per_s={rate:.2f}")
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"rss base_kb={rss_base} peak_kb={rss_peak}")
    print(f"cpu trials_s={cpu_trials:.6f} process_s={cpu_seconds():.6f}")


if __name__ == "__main__":
    main()
