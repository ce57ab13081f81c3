#!/usr/bin/python3
"""Plot heatmaps of a reluscape result file (docs/hdf5-schema.md): one panel per value
of axis 0 (d0 or d0_ratio) and quantity (one row of panels each; minima files show the
full-rank, global and bad-local fractions side by side by default, as the authors'
figures put full rank next to "contains a global minimum"), x = n, y = d1, colour = the
quantity in [0, 1],
with the line P = n (P = d1 * (d0 + bias), read from /grid/P) drawn as a staircase
along the lower edge of the first cell of each column where P >= n.

Cells are drawn on index coordinates with the axis values as tick labels, because
grid axes may be irregular lists."""

import argparse
import math
import os
import sys

# what each quantity is shown as; counts are divided by trials, mean_rank by n
QUANTITIES = {
    "full_rank_fraction": "P(rank J = n)",
    "full_rank_lo": "full-rank fraction, 95% lower bound",
    "full_rank_hi": "full-rank fraction, 95% upper bound",
    "mean_rank": "mean rank / n",
    "full_rank": "full_rank / trials",
    "zero_column": "fraction of trials with a zero column",
    "crowded_column": "fraction of trials with a crowded column",
    "global_fraction": "fraction of regions with zero-loss minima",
    "bad_local_fraction": "fraction of regions with bad local minima",
    "none_fraction": "fraction of non-empty regions without critical points",
    "empty_fraction": "fraction of empty regions",
    "failed_fraction": "fraction of regions the LP could not classify",
}
# the quantities drawn when none is asked for, by the file's experiment
DEFAULTS = {"rank": ["full_rank_fraction"],
            "minima": ["full_rank_fraction", "global_fraction", "bad_local_fraction"]}
PER_TRIAL = {"full_rank", "zero_column", "crowded_column"}

EXIT_FAILURE = 1
EXIT_USAGE = 2


def fail(msg, code=EXIT_USAGE):
    print(f"plot_heatmap.py: {msg}", file=sys.stderr)
    sys.exit(code)


def experiment_of(path):
    import h5py
    try:
        with h5py.File(path, "r") as f:
            e = f.attrs.get("experiment", "rank")
    except OSError:
        return "rank"  # read() reports the unreadable file
    return e.decode() if isinstance(e, bytes) else str(e)


def read(path, quantity):
    """Read axes, P and the quantity (mapped to [0, 1]; NaN where no trials)."""
    import h5py
    import numpy as np

    if not os.path.exists(path):
        fail(f"{path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        fail(f"{path}: not a readable HDF5 file ({e})")
    with f:
        if f.attrs.get("schema") not in ("reluscape", b"reluscape"):
            fail(f"{path}: not a reluscape file (root attribute 'schema' missing or wrong)")
        ver = int(f.attrs.get("schema_version", 0))
        if ver not in (1, 2):
            fail(f"{path}: schema_version {ver} is not 1 or 2, which this script reads")
        if "stats" not in f:
            fail(f"{path}: missing /stats")
        for need in ("grid/d1", "grid/n", "grid/P", "stats/trials", "stats/" + quantity):
            if need not in f:
                fail(f"{path}: missing /{need}")
        if ("grid/d0" in f) == ("grid/d0_ratio" in f):
            fail(f"{path}: need exactly one of /grid/d0 and /grid/d0_ratio")
        ratio = "grid/d0_ratio" in f
        a0 = f["grid/d0_ratio" if ratio else "grid/d0"][()]
        d1 = f["grid/d1"][()]
        n = f["grid/n"][()]
        P = f["grid/P"][()]
        d0_of_cell = f["grid/d0_of_cell"][()] if "grid/d0_of_cell" in f else None
        trials = f["stats/trials"][()]
        q = f["stats/" + quantity][()].astype(float)
        complete = int(f.attrs.get("complete", 0))
    shape = (len(a0), len(d1), len(n))
    for name, arr in (("P", P), ("trials", trials), (quantity, q)):
        if arr.shape != shape:
            fail(f"{path}: {name} has shape {arr.shape}, expected {shape}")
    with np.errstate(invalid="ignore", divide="ignore"):
        if quantity in PER_TRIAL:
            q = q / trials
        elif quantity == "mean_rank":
            q = q / n[None, None, :]
    q[trials <= 0] = np.nan
    return dict(ratio=ratio, a0=a0, d1=d1, n=n, P=P, d0_of_cell=d0_of_cell, q=q,
                complete=complete)


def boundary(P, d1, n):
    """Per column (in n order), the display row (in d1 order) of the smallest d1 with
    P >= n; len(d1) when no d1 reaches n."""
    rows = []
    for j in range(len(n)):
        ok = [i for i in range(len(d1)) if P[i, j] >= n[j]]
        rows.append(min(ok) if ok else len(d1))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("file", help="reluscape result file (.h5)")
    ap.add_argument("-o", "--output", help="output image (default: FILE with .png)")
    ap.add_argument("--quantity", choices=sorted(QUANTITIES), action="append",
                    help="what the colour shows; repeat for rows of panels side by side "
                         "(default: full_rank_fraction; for minima files also global_fraction "
                         "and bad_local_fraction)")
    args = ap.parse_args()

    try:
        import h5py  # noqa: F401  (imported where used; checked here for a clear message)
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import numpy as np
    except ImportError as e:
        fail(f"needs h5py, numpy and matplotlib ({e}); Debian: apt install python3-h5py "
             "python3-matplotlib", EXIT_FAILURE)

    if not os.path.exists(args.file):
        fail(f"{args.file}: no such file")
    quantities = args.quantity or DEFAULTS.get(experiment_of(args.file), ["full_rank_fraction"])
    Rs = [read(args.file, q) for q in quantities]
    R = Rs[0]
    out = args.output or os.path.splitext(args.file)[0] + ".png"

    # sort axes for display (lists in the config need not be sorted)
    oi = np.argsort(R["d1"], kind="stable")
    oj = np.argsort(R["n"], kind="stable")
    d1, n = R["d1"][oi], R["n"][oj]

    npan = len(R["a0"])
    ncol = min(npan, 4)
    nrow_q = math.ceil(npan / ncol)  # rows of panels per quantity
    nrow = nrow_q * len(quantities)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol + 1.2, 3.8 * nrow),
                             squeeze=False, constrained_layout=True)
    im = None
    for cell in range(nrow * ncol):
        qi, k = divmod(cell, nrow_q * ncol)
        ax = axes[qi * nrow_q + k // ncol][k % ncol]
        if k >= npan:
            ax.set_visible(False)
            continue
        q = Rs[qi]["q"][k][np.ix_(oi, oj)]
        P = R["P"][k][np.ix_(oi, oj)]
        im = ax.imshow(np.ma.masked_invalid(q), origin="lower", aspect="auto", vmin=0, vmax=1,
                       cmap="viridis", interpolation="nearest")

        # P = n: a staircase along the lower edge of each column's first cell with P >= n
        rows = boundary(P, d1, n)
        xs, ys = [], []
        for j, r in enumerate(rows):
            xs += [j - 0.5, j + 0.5]
            ys += [r - 0.5, r - 0.5]
        ax.plot(xs, ys, color="red", lw=1.8)

        if R["ratio"]:
            title = f"d0 = ⌈r·n⌉, r = {R['a0'][k]:g}"
        else:
            title = f"d0 = {int(R['a0'][k])}"
            if d1[0] > 0 and P[0, 0] % d1[0] == 0:
                title += f" (p = {int(P[0, 0] // d1[0])})"
        ax.set_title(title if len(quantities) == 1 else f"{quantities[qi]}: {title}", fontsize=9)
        step_x = max(1, len(n) // 10)
        step_y = max(1, len(d1) // 12)
        ax.set_xticks(range(0, len(n), step_x))
        ax.set_xticklabels([str(v) for v in n[::step_x]], rotation=45 if len(n) > 8 else 0)
        ax.set_yticks(range(0, len(d1), step_y))
        ax.set_yticklabels([str(v) for v in d1[::step_y]])
        ax.set_xlabel("n (samples)")
        ax.set_ylabel("d1 (hidden width)")

    label = "; ".join(QUANTITIES[q] for q in quantities)
    fig.colorbar(im, ax=axes, shrink=0.9, label=label if len(quantities) == 1 else "fraction")
    what = label if len(quantities) == 1 else "rows: " + ", ".join(quantities)
    sup = f"{os.path.basename(args.file)}: {what}\nred line: P = n (P = d1·p, p = d0 + bias)"
    if not R["complete"]:
        sup += "  (INCOMPLETE RUN)"
    fig.suptitle(sup, fontsize=10)
    try:
        fig.savefig(out, dpi=110)
    except OSError as e:
        fail(f"{out}: cannot write ({e})", EXIT_FAILURE)
    print(out)


if __name__ == "__main__":
    main()
