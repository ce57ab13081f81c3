#!/usr/bin/env python3
"""regions_reference.py - a plain numpy + scipy rejection sampler of non-empty activation
regions, the baseline of bench/run_regions_bench.sh.

A region of a cell (d0, d1, n) is d1 rows, each uniform over the realizable dichotomies of
the data.  Rejection: draw a uniform row in {0,1}^n, test it with scipy.optimize.linprog
(maximise t s.t. (2a_i - 1) <w, x_i> >= t, t <= 1: realizable iff t* > 0), keep it if
realizable, repeat until d1 rows are kept.  Accepted rows are uniform over the realizable
ones (each is equally likely among the 2^n draws).

At n = 50 a row is realizable with probability C(n, p) / 2^n (Cover; 1e-13 for p = 2), so
no region can be finished: --tests T times T row tests and extrapolates the seconds per
region as (seconds per test) * d1 * 2^n / C(n, p), the expected tests per region; say so
when quoting it.  --regions R instead runs the sampler to the end on R regions (small n).
Output: reference d0= d1= n= p= mode= tests= accepted= seconds= seconds_per_test=
regions_per_s= (measured or extrapolated).
"""
import argparse
import math
import time

import numpy as np
from scipy.optimize import linprog


def realizable(Xt, row):
    n, p = Xt.shape
    s = 2.0 * row - 1.0
    # variables (w_1..w_p, t): maximise t s.t. -s_i <w, x_i> + t <= 0, t <= 1
    A = np.hstack([-(s[:, None] * Xt), np.ones((n, 1))])
    c = np.zeros(p + 1)
    c[-1] = -1.0
    res = linprog(c, A_ub=A, b_ub=np.zeros(n), bounds=[(None, None)] * p + [(None, 1.0)], method="highs")
    return res.status == 0 and -res.fun > 1e-9


def cover(n, p):
    return 2 * sum(math.comb(n - 1, k) for k in range(p))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cell", required=True, help="d0,d1,n")
    ap.add_argument("--bias", type=int, default=0)
    ap.add_argument("--tests", type=int, default=300)
    ap.add_argument("--regions", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    d0, d1, n = map(int, a.cell.split(","))
    rng = np.random.default_rng(a.seed)
    X = rng.standard_normal((n, d0))
    Xt = np.hstack([X, np.ones((n, 1))]) if a.bias else X
    p = Xt.shape[1]
    tests = accepted = 0
    t0 = time.perf_counter()
    if a.regions:
        for _ in range(a.regions):
            kept = 0
            while kept < d1:
                tests += 1
                if realizable(Xt, rng.integers(0, 2, n)):
                    kept += 1
            accepted += kept
        sec = time.perf_counter() - t0
        rate, mode = a.regions / sec, "measured"
    else:
        for _ in range(a.tests):
            tests += 1
            accepted += realizable(Xt, rng.integers(0, 2, n))
        sec = time.perf_counter() - t0
        rate, mode = 1.0 / (sec / tests * d1 * 2.0 ** n / cover(n, p)), "extrapolated"
    print(f"reference d0={d0} d1={d1} n={n} p={p} mode={mode} tests={tests} accepted={accepted} seconds={sec:.6f} "
          f"seconds_per_test={sec / tests:.6g} regions_per_s={rate:.6g}")


if __name__ == "__main__":
    main()
