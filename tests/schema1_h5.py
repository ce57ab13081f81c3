#!/usr/bin/python3
"""Write a synthetic schema-1 reluscape result file (as reluscape wrote before schema 2).

A fixture of tests/report.sh: `reluscape report`, tools/plot_heatmap.py and the Python
package must keep reading files of schema 1.  It is not an example of the current
schema: current files come from the program itself (tests/analysis_py.sh runs it).
The counts follow a known law so tests can assert on the picture:

    P >= 2n       -> full_rank = trials        (fraction 1,   shade '@')
    n <= P < 2n   -> full_rank = trials // 2   (fraction 1/2, shade '+')
    P < n         -> full_rank = 0             (fraction 0,   blank)

zero_column = trials where P < n, crowded_column = 1 where P < 2n, else 0.
Non-full trials have rank min(n - 1, P).  The last stdout line states the expected
cell counts ("cells=... zero_column_cells=... crowded_column_cells=...").  The config
attribute holds keys `reluscape run` accepts.
"""

import argparse
import math
import sys

import h5py
import numpy as np

D0_GRID = dict(d0=[1, 3], d1=list(range(10, 101, 10)), n=list(range(10, 101, 10)))
RATIO_GRID = dict(d0_ratio=[0.25, 0.5], d1=list(range(1, 16)), n=list(range(10, 191, 20)))


def wilson(k, t, z=1.959963984540054):
    """95% Wilson score interval of k successes in t trials (NaN for t = 0)."""
    if t == 0:
        return math.nan, math.nan
    ph = k / t
    den = 1 + z * z / t
    mid = (ph + z * z / (2 * t)) / den
    half = z * math.sqrt(ph * (1 - ph) / t + z * z / (4 * t * t)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


def config_text(axis, bias, trials, seed):
    grid = D0_GRID if axis == "d0" else RATIO_GRID
    a0 = ",".join(str(v) for v in grid[axis])
    return (
        "[grid]\n"
        f"{axis} = {a0}\n"
        f"d1 = {grid['d1'][0]}:{grid['d1'][-1]}:{grid['d1'][1] - grid['d1'][0]}\n"
        f"n = {grid['n'][0]}:{grid['n'][-1]}:{grid['n'][1] - grid['n'][0]}\n"
        "[sweep]\n"
        f"trials = {trials}\npatterns_per_dataset = 1\nseed = {seed}\n"
        "[data]\n"
        f"law = uniform01\nbias = {'true' if bias else 'false'}\n"
        "[pattern]\n"
        "sampler = init\ninit = gaussian\n"
        "[network]\n"
        "v = gaussian\n"
        "[rank]\n"
        "method = svd\nrtol = 0\n"
        "[output]\n"
        "file = synthetic.h5\nprogress = 10\n"
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="output file")
    ap.add_argument("--axis", choices=["d0", "d0_ratio"], default="d0",
                    help="axis 0 of the grid (default d0)")
    ap.add_argument("--bias", type=int, choices=[0, 1], default=1)
    ap.add_argument("--trials", type=int, default=10, help="trials per cell (even; default 10)")
    ap.add_argument("--string-type", choices=["vlen", "fixed"], default="vlen",
                    help="store string attributes as variable-length UTF-8 (h5py default) "
                         "or fixed-length ASCII")
    ap.add_argument("--incomplete", action="store_true", help="write complete = 0")
    ap.add_argument("--schema-version", type=int, default=1)
    ap.add_argument("--no-stats", action="store_true", help="omit the /stats group")
    ap.add_argument("--ranks", type=int, default=4)
    args = ap.parse_args()
    if args.trials <= 0 or args.trials % 2:
        ap.error("--trials must be a positive even number")

    grid = D0_GRID if args.axis == "d0" else RATIO_GRID
    a0 = grid[args.axis]
    d1 = np.array(grid["d1"], dtype="<i8")
    n = np.array(grid["n"], dtype="<i8")
    shape = (len(a0), len(d1), len(n))
    B = int(n.max()) + 1

    d0_of_cell = np.zeros(shape, dtype="<i8")
    P = np.zeros(shape, dtype="<i8")
    trials = np.full(shape, args.trials, dtype="<i8")
    full = np.zeros(shape, dtype="<i8")
    rank_sum = np.zeros(shape, dtype="<i8")
    zero_col = np.zeros(shape, dtype="<i8")
    crowded = np.zeros(shape, dtype="<i8")
    hist = np.zeros(shape + (B,), dtype="<i8")
    lo = np.zeros(shape)
    hi = np.zeros(shape)
    for i0, a in enumerate(a0):
        for i1, w in enumerate(d1):
            for k, m in enumerate(n):
                d0 = a if args.axis == "d0" else math.ceil(a * m)  # exact: r is dyadic
                p = d0 + args.bias
                PP = int(w) * p
                t = args.trials
                f = t if PP >= 2 * m else (t // 2 if PP >= m else 0)
                r_low = min(int(m) - 1, PP)
                d0_of_cell[i0, i1, k] = d0
                P[i0, i1, k] = PP
                full[i0, i1, k] = f
                rank_sum[i0, i1, k] = f * m + (t - f) * r_low
                zero_col[i0, i1, k] = t if PP < m else 0
                crowded[i0, i1, k] = 1 if PP < 2 * m else 0
                hist[i0, i1, k, 0] = f
                hist[i0, i1, k, m - r_low] += t - f
                lo[i0, i1, k], hi[i0, i1, k] = wilson(f, t)

    if args.string_type == "vlen":
        def s(v):
            return v
    else:
        def s(v):
            return np.bytes_(v.encode("ascii") if v else b"\0")

    with h5py.File(args.out, "w") as f:
        A = f.attrs
        A["schema"] = s("reluscape")
        A["schema_version"] = np.int64(args.schema_version)
        A["version"] = s("0.1.0")
        A["git_describe"] = s("synthetic")
        A["created"] = s("2024-01-01T00:00:00Z")
        A["finished"] = s("" if args.incomplete else "2024-01-01T00:01:40Z")
        A["complete"] = np.int64(0 if args.incomplete else 1)
        A["command_line"] = s(" ".join(sys.argv))
        A["config"] = s(config_text(args.axis, args.bias, args.trials, 12345))
        A["seed"] = np.uint64(12345)
        A["ranks"] = np.int64(args.ranks)
        A["host"] = s("localhost")
        for k in ("slurm_job_id", "slurm_array_job_id", "slurm_array_task_id"):
            A[k] = s("")
        for k in ("compiler", "cflags", "mpi_version", "hdf5_version", "lapack",
                  "glpk_version", "random123"):
            A[k] = s("synthetic")

        g = f.create_group("grid")
        if args.axis == "d0":
            ax0 = g.create_dataset("d0", data=np.array(a0, dtype="<i8"))
        else:
            ax0 = g.create_dataset("d0_ratio", data=np.array(a0, dtype="<f8"))
        scales = [ax0, g.create_dataset("d1", data=d1), g.create_dataset("n", data=n)]
        deficit = g.create_dataset("deficit", data=np.arange(B, dtype="<i8"))
        for sc, name in zip(scales + [deficit], [args.axis, "d1", "n", "deficit"]):
            sc.make_scale(name)
        grid_arrays = [g.create_dataset("d0_of_cell", data=d0_of_cell),
                       g.create_dataset("P", data=P)]

        if not args.no_stats:
            st = f.create_group("stats")
            with np.errstate(invalid="ignore", divide="ignore"):
                frac = full / trials
                mean = rank_sum / trials
            for name, data in (("trials", trials), ("full_rank", full), ("rank_sum", rank_sum),
                               ("zero_column", zero_col), ("crowded_column", crowded),
                               ("full_rank_fraction", frac), ("full_rank_lo", lo),
                               ("full_rank_hi", hi), ("mean_rank", mean)):
                grid_arrays.append(st.create_dataset(name, data=data))
            dh = st.create_dataset("deficit_hist", data=hist)
            for i, sc in enumerate(scales + [deficit]):
                dh.dims[i].attach_scale(sc)

        for ds in grid_arrays:
            for i, sc in enumerate(scales):
                ds.dims[i].attach_scale(sc)

        run = f.create_group("run")
        busy = np.linspace(1.0, 1.2, args.ranks)
        run.create_dataset("busy_cpu_seconds", data=busy)
        per = int(trials.sum()) // args.ranks
        done = np.full(args.ranks, per, dtype="<i8")
        done[0] += int(trials.sum()) - per * args.ranks
        run.create_dataset("trials_done", data=done)
        run.attrs["imbalance"] = np.float64(busy.max() / busy.mean())
        run.attrs["wall_seconds"] = np.float64(100.0)
        run.attrs["work_units"] = np.int64(64)

    print(f"cells={trials.size} zero_column_cells={int((zero_col > 0).sum())} "
          f"crowded_column_cells={int((crowded > 0).sum())} total_trials={int(trials.sum())}")


if __name__ == "__main__":
    main()
