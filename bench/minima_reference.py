#!/usr/bin/env python3
"""minima_reference.py - the region classification of experiment `minima` in plain
numpy + scipy (linprog with HiGHS), as a speed baseline for bench/run_minima_bench.sh.

One trial of a cell (d0, d1, n), the same laws as the reluscape config it is compared with:
  X ~ U[0,1]^{n x d0}, Xt = [X, 1];
  pattern: --sampler region (1-D: each row a uniform step vector of the sorted points) or
           init (W, b ~ U(+-1/sqrt(d0)), PyTorch's default);
  v: --v balanced (half -1, half +1) or gaussian; y ~ N(0, 1);
  empty: every row realizable (maximise t, (2a-1)<w, x_i> >= t, t <= 1: linprog per row);
  J = face-splitting product (n x d1 p); r = matrix_rank(J); yhat = J lstsq(J, y);
  region LP: maximise t s.t. J w = yhat, (2a-1)<w_j, x_i> >= t, t <= 1;
  class: empty / none (t* <= 1e-9) / global (residual <= 1e-9 |y|) / bad_local.
It solves the same LPs reluscape solves (strict margins), in the straightforward way
(the full constraint set at once).  Output, parsed by the driver:
  cell d0= d1= n= trials= empty= none= global= bad_local= seconds=
  trials=N seconds=S trials_per_s=R
"""
import argparse
import sys
import time

import numpy as np
from scipy.optimize import linprog


def pattern(rng, sampler, Xt, d1):
    n, p = Xt.shape
    if sampler == "region":
        order = np.argsort(Xt[:, 0])
        A = np.zeros((d1, n), dtype=bool)
        for j in range(d1):
            k = rng.integers(2 * n)
            if k == 1:
                A[j, :] = True
            elif 2 <= k <= n:
                A[j, order[n - (k - 1):]] = True
            elif k > n:
                A[j, order[:k - n]] = True
        return A
    lim = 1.0 / np.sqrt(p - 1)
    Wb = rng.uniform(-lim, lim, (d1, p))
    return (Xt @ Wb.T > 0).T


def margin_lp(S, A_eq=None, b_eq=None):
    """max t s.t. S w >= t (rows of S), t <= 1, equalities on w; returns t* or None."""
    m, P = S.shape
    c = np.zeros(P + 1)
    c[-1] = -1.0
    A_ub = np.hstack([-S, np.ones((m, 1))])
    b_ub = np.zeros(m)
    Aeq = None if A_eq is None else np.hstack([A_eq, np.zeros((A_eq.shape[0], 1))])
    bounds = [(None, None)] * P + [(None, 1.0)]
    r = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=Aeq, b_eq=b_eq, bounds=bounds, method="highs")
    return -r.fun if r.status == 0 else None


def trial(rng, sampler, vlaw, d0, d1, n):
    X = rng.random((n, d0))
    Xt = np.hstack([X, np.ones((n, 1))])
    p = d0 + 1
    A = pattern(rng, sampler, Xt, d1)
    v = np.where(np.arange(d1) < d1 // 2, -1.0, 1.0) if vlaw == "balanced" else rng.standard_normal(d1)
    y = rng.standard_normal(n)
    sign = np.where(A, 1.0, -1.0)                      # d1 x n
    for j in range(d1):                                # empty: per-neuron realizability
        t = margin_lp(sign[j][:, None] * Xt)
        if t is None or t <= 1e-9:
            return "empty"
    J = ((A.T * v)[:, :, None] * Xt[:, None, :]).reshape(n, -1)
    w, *_ = np.linalg.lstsq(J, y, rcond=None)
    yhat = J @ w
    S = np.zeros((d1 * n, d1 * p))                     # sign rows of the region
    for j in range(d1):
        S[j * n:(j + 1) * n, j * p:(j + 1) * p] = sign[j][:, None] * Xt
    t = margin_lp(S, J, yhat)
    if t is None or t <= 1e-9:
        return "none"
    return "global" if np.linalg.norm(y - yhat) <= 1e-9 * np.linalg.norm(y) else "bad_local"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cell", required=True, help='"d0,d1,n"')
    ap.add_argument("--sampler", choices=["region", "init"], required=True)
    ap.add_argument("--v", choices=["balanced", "gaussian"], default="balanced")
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=1e9)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    d0, d1, n = (int(x) for x in a.cell.split(","))
    rng = np.random.default_rng(a.seed)
    counts = {"empty": 0, "none": 0, "global": 0, "bad_local": 0}
    start = time.perf_counter()
    done = 0
    while done < a.trials and time.perf_counter() - start < a.seconds:
        counts[trial(rng, a.sampler, a.v, d0, d1, n)] += 1
        done += 1
    wall = time.perf_counter() - start
    print(f"cell d0={d0} d1={d1} n={n} trials={done} " + " ".join(f"{k}={v}" for k, v in counts.items()) +
          f" seconds={wall:.6f}")
    print(f"trials={done} seconds={wall:.6f} trials_per_s={done / wall if wall > 0 else float('nan'):.3f}")


if __name__ == "__main__":
    sys.exit(main())
