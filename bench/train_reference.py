"""train_reference.py - the training loop of experiment `train` written plainly in numpy
(or PyTorch with --torch, as the authors' code would): full-batch gradient descent on
(1/2n) sum (f(x_i) - y_i)^2 for f(x) = sum_j v_j relu(<w_j, x~>), frozen v, the forward
and backward passes as matrix products (torch: autograd).  Prints the CPU seconds per step
of the loop (process time, one thread expected from the caller's environment).

    python3 train_reference.py --d0 1 --d1 1000 --n 200 --steps 300 [--torch]
"""
import argparse
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--d0", type=int, default=1)
    ap.add_argument("--d1", type=int, default=1000)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--torch", action="store_true", help="PyTorch (float64, CPU, one thread, autograd)")
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    X = np.vstack([rng.random((a.d0, a.n)), np.ones((1, a.n))])  # p x n, with the bias row
    lim = 1 / np.sqrt(a.d0)
    W = rng.uniform(-lim, lim, (a.d1, a.d0 + 1))                   # torch init
    v = rng.standard_normal(a.d1)
    y = rng.standard_normal(a.n)
    lr = 1e-4
    if a.torch:
        return run_torch(a, X, W, v, y, lr)
    t0 = time.process_time()
    for _ in range(a.steps):
        Z = W @ X                      # forward: d1 x n pre-activations
        A = Z > 0
        r = v @ (Z * A) - y            # residual
        loss = r @ r / (2 * a.n)
        G = ((v[:, None] * A) * r[None, :]) @ X.T / a.n   # backward: dL/dW
        W -= lr * G
    dt = time.process_time() - t0
    print(f"steps={a.steps} seconds={dt:.6f} per_step={dt / a.steps:.9f} loss={loss:.6g}")


def run_torch(a, X, W, v, y, lr):
    import torch
    torch.set_num_threads(1)
    Xt = torch.tensor(X.T)                       # n x p
    Wt = torch.tensor(W, requires_grad=True)     # d1 x p
    vt, yt = torch.tensor(v), torch.tensor(y)
    t0 = time.process_time()
    for _ in range(a.steps):
        f = torch.relu(Xt @ Wt.T) @ vt
        loss = ((f - yt) ** 2).sum() / (2 * a.n)
        loss.backward()
        with torch.no_grad():
            Wt -= lr * Wt.grad
            Wt.grad.zero_()
    dt = time.process_time() - t0
    print(f"steps={a.steps} seconds={dt:.6f} per_step={dt / a.steps:.9f} loss={float(loss):.6g}")


if __name__ == "__main__":
    main()
