#!/usr/bin/python3
"""cluster_coverage.py [LIB] - coverage of the 95% intervals of full_rank_fraction when
trials share dataset draws, by simulation of a clustered Bernoulli model: each of G draws
has its own success probability q_g ~ Beta with mean p and intraclass correlation rho
(q_g = p for rho = 0), and its m trials are Bernoulli(q_g).  For each setting, R
repetitions; the coverage is the share of repetitions whose interval contains p.  Both the
plain Wilson interval (rs_wilson) and the cluster interval (rs_cluster_wilson) are the C
functions of the library (LIB, default .libs/libreluscape.so), called through ctypes, so
this checks the implementation, not a copy.  Results: docs/analysis.md."""
import ctypes
import os
import sys

import numpy as np

lib = ctypes.CDLL(sys.argv[1] if len(sys.argv) > 1 else
                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".libs", "libreluscape.so"))
D, I64 = ctypes.c_double, ctypes.c_int64
lib.rs_wilson.argtypes = [I64, I64, D, ctypes.POINTER(D), ctypes.POINTER(D)]
lib.rs_cluster_wilson.argtypes = [I64, I64, I64, I64, D, ctypes.POINTER(D), ctypes.POINTER(D)]
Z = 1.959963984540054
R = 4000
rng = np.random.default_rng(20261206)


def covered(fn, args, p):
    lo, hi = D(), D()
    fn(*args, Z, ctypes.byref(lo), ctypes.byref(hi))
    return lo.value <= p <= hi.value


print(f"{'G':>4} {'m':>4} {'p':>5} {'rho':>5}  wilson  cluster   ({R} repetitions each)")
for G, m in ((10, 10), (30, 10), (100, 5), (20, 50)):
    for p in (0.1, 0.5):
        for rho in (0.0, 0.1, 0.3):
            cw = cc = 0
            for _ in range(R):
                if rho > 0:
                    a = p * (1 - rho) / rho
                    b = (1 - p) * (1 - rho) / rho
                    q = rng.beta(a, b, G)
                else:
                    q = np.full(G, p)
                k = rng.binomial(m, q)
                K, N, S = int(k.sum()), G * m, int((k * k).sum())
                cw += covered(lib.rs_wilson, (K, N), p)
                cc += covered(lib.rs_cluster_wilson, (K, N, S, G), p)
            print(f"{G:4d} {m:4d} {p:5.2f} {rho:5.2f}  {cw / R:6.3f}  {cc / R:7.3f}", flush=True)
