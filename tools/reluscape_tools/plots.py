"""Figures of result files: heatmaps with the P = n line and theory overlays, the
transition curve d1*(n), deficit histograms, the comparison of two runs and the minima
classes.  Every function takes a Dataset from reluscape_tools.open (or a path) and
returns a matplotlib Figure (save it with .savefig).  Cells are drawn on index
coordinates with the axis values as tick labels: grid axes may be irregular lists."""

import math
import os
import textwrap

import numpy as np

from .files import ReluscapeError, a0_name, differing_settings, open as open_file, settings

# what the colour shows; counts are divided by trials, mean_rank by n
QUANTITIES = {
    "full_rank_fraction": "fraction full rank",
    "full_rank_lo": "fraction full rank, 95% lower bound",
    "full_rank_hi": "fraction full rank, 95% upper bound",
    "full_rank_cluster_lo": "fraction full rank, 95% lower bound (shared datasets)",
    "full_rank_cluster_hi": "fraction full rank, 95% upper bound (shared datasets)",
    "mean_rank": "mean rank / n",
    "full_rank": "full_rank / trials",
    "zero_column": "fraction of trials with a zero column",
    "crowded_column": "fraction of trials with a crowded column",
    "global_fraction": "fraction of regions with zero-loss minima",
    "bad_local_fraction": "fraction of regions with bad local minima",
    "none_fraction": "fraction of non-empty regions without critical points",
    "empty_fraction": "fraction of empty regions",
    "failed_fraction": "fraction of regions the LP could not classify",
    "theory_exact_full_rank_fraction": "fraction full rank (theory, exact)",
    "reached_fraction": "fraction of trainings reaching zero loss",
    "init_full_rank_fraction": "fraction full rank at initialisation",
    "final_full_rank_fraction": "fraction full rank at the end of training",
    "final_global_fraction": "fraction of final regions with zero-loss minima",
    "diverged_fraction": "fraction of diverged trainings",
}
PER_TRIAL = {"full_rank", "zero_column", "crowded_column"}
DEFAULTS = {"rank": ["full_rank_fraction"],
            "minima": ["full_rank_fraction", "global_fraction", "bad_local_fraction"],
            "train": ["reached_fraction", "init_full_rank_fraction"]}
MINIMA_CLASSES = ["empty_fraction", "none_fraction", "global_fraction", "bad_local_fraction"]
# the P = n line is drawn exactly from /grid/P; its theory twin would draw it again
DRAWN_AS_STAIRCASE = {"theory_P_minus_n"}


def _dataset(ds):
    return open_file(ds) if isinstance(ds, (str, os.PathLike, list, tuple)) else ds


def _figure(nrow, ncol, w=4.2, h=3.8):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(max(w * ncol + 1.2, 9.0), h * nrow + 0.8), constrained_layout=True)
    return fig, fig.subplots(nrow, ncol, squeeze=False)


def _fmt(v):
    return f"{v:g}" if isinstance(v, float) else str(v)


def title_of(ds, what=""):
    """What a figure shows and the run's settings (every setting but the grid, which the
    axes show), so two runs that differ in a setting get different titles."""
    sets = {k: v for k, v in settings(ds).items() if not k.startswith("grid.")}
    short = [k.split(".", 1)[1] for k in sets]
    parts = [f"{k.split('.', 1)[1] if short.count(k.split('.', 1)[1]) == 1 else k}={_fmt(v)}"
             for k, v in sets.items()]
    src = ds.attrs.get("source_file")
    head = os.path.basename(src) if src else f"runs by {ds.attrs.get('concat_dim')}"
    head += f" ({ds.attrs.get('experiment', 'rank')})"
    if not ds.attrs.get("complete", 1):
        head += " INCOMPLETE RUN"
    lines = [f"{head}: {what}" if what else head] + textwrap.wrap(", ".join(parts), 110)
    return "\n".join(lines)


def _runs(ds):
    """(label, sub-dataset) per run: one for a single file, one per value of the
    concatenation dimension."""
    key = ds.attrs.get("concat_dim")
    if not key:
        return [("", ds)]
    return [(f"{key}={_fmt(v)}", ds.isel({key: i})) for i, v in enumerate(ds[key].values.tolist())]


def values(ds, quantity):
    """The quantity per cell as shown: fractions as stored, counts per trial, mean rank per n;
    NaN where a cell has no trials."""
    if quantity not in ds:
        raise ReluscapeError(f"{ds.attrs.get('source_file', 'dataset')}: no variable {quantity}")
    q = ds[quantity].astype(float)
    if quantity in PER_TRIAL:
        q = q / ds["trials"]
    elif quantity == "mean_rank":
        q = q / ds["n"]
    return q.where(ds["trials"] > 0)


def _a0_label(ds, k, panel):
    a0 = a0_name(ds)
    v = ds[a0].values[k]
    if a0 == "d0_ratio":
        return f"d0 = ⌈r·n⌉, r = {v:g}"
    P, d1 = panel["P"].values, panel["d1"].values
    label = f"d0 = {int(v)}"
    if d1[0] > 0 and P[0, 0] % d1[0] == 0:
        label += f" (p = {int(P[0, 0] // d1[0])})"
    return label


def _staircase(ax, P, d1, n):
    """P = n along the lower edge of each column's first cell with P >= n.  Where no cell
    (or every cell) of a column reaches n the line runs in the margin above (below) the
    grid, dotted, so it never vanishes on a panel edge."""
    rows = [next((i for i in range(len(d1)) if P[i, j] >= n[j]), len(d1)) for j in range(len(n))]
    xs, ys = [], []
    for j, r in enumerate(rows):
        y = r - 0.5
        y = -0.75 if r == 0 else len(d1) - 0.25 if r == len(d1) else y
        xs += [j - 0.5, j + 0.5]
        ys += [y, y]
    ax.plot(xs, ys, color="red", lw=1.8, clip_on=False)
    outside = [j for j, r in enumerate(rows) if r in (0, len(d1))]
    for j in outside:
        ax.plot([j], [ys[2 * j]], marker="v" if rows[j] == 0 else "^", color="red", ms=4, clip_on=False)
    ax.set_ylim(-1, len(d1))


def _theory_contours(ax, panel, handles):
    """Contours of the /theory arrays with a contour_level; handles collects what each
    line style shows, for the title."""
    styles = [("--", "white dashed"), (":", "white dotted"), ("-.", "white dash-dot"),
              ((0, (5, 1, 1, 1)), "white dash-dot-dot"), ((0, (8, 3)), "white long-dashed")]
    names = [v for v in panel.data_vars if v.startswith("theory_") and "contour_level" in panel[v].attrs
             and v not in DRAWN_AS_STAIRCASE]
    for i, name in enumerate(sorted(names)):
        z = panel[name].values.astype(float)
        level = float(panel[name].attrs["contour_level"])
        finite = z[np.isfinite(z)]
        if z.shape[0] < 2 or z.shape[1] < 2 or not finite.size or not finite.min() <= level <= finite.max():
            continue
        ls, style = styles[i % len(styles)]
        ax.contour(np.arange(z.shape[1]), np.arange(z.shape[0]), z, levels=[level], colors="white",
                   linestyles=[ls], linewidths=1.4)
        handles[f"{panel[name].attrs.get('long_name', name[len('theory_'):])} = {level:g}"] = style


def _grid_axes(ax, d1, n):
    """Tick labels of a heatmap panel drawn on index coordinates: n across, d1 up."""
    sx, sy = max(1, len(n) // 10), max(1, len(d1) // 12)
    ax.set_xticks(range(0, len(n), sx))
    ax.set_xticklabels([str(v) for v in n[::sx]], rotation=45 if len(n) > 8 else 0)
    ax.set_yticks(range(0, len(d1), sy))
    ax.set_yticklabels([str(v) for v in d1[::sy]])
    ax.set_xlabel("n (samples)")
    ax.set_ylabel("d1 (hidden width)")


def heatmap(ds, quantities=None, theory=True):
    """Heatmaps of quantities (default: by experiment, e.g. the full-rank fraction): one
    panel per a0 value (and run), x = n, y = d1, with the P = n line and, when the file has
    /theory, its contours."""
    ds = _dataset(ds)
    if isinstance(quantities, str):
        quantities = [quantities]
    quantities = quantities or DEFAULTS.get(ds.attrs.get("experiment", "rank"), ["full_rank_fraction"])
    a0 = a0_name(ds)
    ds = ds.sortby(["d1", "n"])
    d1, n = ds["d1"].values, ds["n"].values
    npan = ds.sizes[a0]
    ncol = min(npan, 4)
    nrow_q = math.ceil(npan / ncol)
    rows = [(q, label, sub) for q in quantities for label, sub in _runs(ds)]
    fig, axes = _figure(nrow_q * len(rows), ncol)
    im, handles = None, {}
    for r, (q, label, sub) in enumerate(rows):
        vals = values(sub, q)
        for k in range(nrow_q * ncol):
            ax = axes[r * nrow_q + k // ncol][k % ncol]
            if k >= npan:
                ax.set_visible(False)
                continue
            panel = sub.isel({a0: k})
            im = ax.imshow(np.ma.masked_invalid(vals.isel({a0: k}).transpose("d1", "n").values), origin="lower",
                           aspect="auto", vmin=0, vmax=1, cmap="viridis", interpolation="nearest")
            _staircase(ax, panel["P"].transpose("d1", "n").values, d1, n)
            if theory:
                _theory_contours(ax, panel.transpose("d1", "n", ...), handles)
            title = _a0_label(ds, k, panel.transpose("d1", "n", ...))
            if label:
                title = f"{label}: {title}"
            if len(quantities) > 1:
                title = f"{q}: {title}"
            ax.set_title(title, fontsize=9)
            _grid_axes(ax, d1, n)
    label = QUANTITIES.get(quantities[0], quantities[0]) if len(quantities) == 1 else "fraction"
    fig.colorbar(im, ax=axes, shrink=0.9, label=label)
    lines = "lines: red P = n (P = d1·p, p = d0 + bias)" + "".join(f"; {style} {what}" for what, style in handles.items())
    fig.suptitle(title_of(ds, label if len(quantities) == 1 else "rows: " + ", ".join(quantities)) + "\n" + lines,
                 fontsize=9)
    return fig


def minima_classes(ds):
    """What the regions hold (experiment.kind = minima): empty, none, global and bad_local
    fractions, one row of panels each."""
    ds = _dataset(ds)
    if ds.attrs.get("experiment") != "minima":
        raise ReluscapeError(f"{ds.attrs.get('source_file', 'dataset')}: experiment "
                             f"{ds.attrs.get('experiment')}, minima classes need experiment.kind = minima")
    qs = MINIMA_CLASSES + (["failed_fraction"] if float(ds["failed"].sum()) > 0 else [])
    return heatmap(ds, qs)


def _cell(ds, cell):
    """The one cell named by a0 (d0 or d0_ratio), d1 and n."""
    a0 = a0_name(ds)
    if set(cell) != {a0, "d1", "n"}:
        raise ReluscapeError(f"name the cell by {a0}, d1 and n (got {', '.join(sorted(cell)) or 'nothing'})")
    try:
        return ds.sel(cell)
    except KeyError as e:
        raise ReluscapeError(f"no cell {cell} in the grid ({e})") from None


def training_curves(ds, **cell):
    """Training in one cell (experiment.kind = train), e.g. training_curves(ds, d0=1, d1=40,
    n=20): the loss (median and the 10-90% band over trials) and the rank deficit (median
    and mean) at the recorded steps, and the kept trajectories if the run kept any."""
    ds = _dataset(ds)
    if ds.attrs.get("experiment") != "train":
        raise ReluscapeError(f"{ds.attrs.get('source_file', 'dataset')}: experiment "
                             f"{ds.attrs.get('experiment')}, training curves need experiment.kind = train")
    c = _cell(ds, cell)
    fig, axes = _figure(1, 2, w=5.2, h=4.2)
    lo, dax = axes[0][0], axes[0][1]
    x = np.maximum(c["step"].values, 0.5)  # step 0 drawn at 0.5 on the log axis
    for i, (label, r) in enumerate(_runs(c)):
        col = f"C{i}"
        if "loss_trajectory" in r:
            for t in r["loss_trajectory"].values.reshape(-1, x.size):
                if np.isfinite(t).any():
                    lo.plot(x, np.maximum(t, 1e-17), color=col, lw=0.5, alpha=0.35)
        lo.fill_between(x, np.maximum(r["loss_q10"].values, 1e-17), np.maximum(r["loss_q90"].values, 1e-17),
                        color=col, alpha=0.2, lw=0)
        lo.plot(x, np.maximum(r["loss_q50"].values, 1e-17), "o-", color=col, ms=2, label=label or "median")
        dax.plot(x, r["deficit_q50"].values, "o-", color=col, ms=2, label=(label + ": " if label else "") + "median")
        dax.plot(x, r["deficit_mean"].values, "--", color=col, lw=1, label=(label + ": " if label else "") + "mean")
    tol = ds.attrs.get("train.loss_tol")
    if tol:
        lo.axhline(float(tol), color="grey", ls=":", lw=1, label="train.loss_tol")
    for ax in (lo, dax):
        ax.set_xscale("log")
        ax.set_xlabel("step (0 drawn at 0.5)")
    lo.set_yscale("log")
    lo.set_ylabel("loss (1/2n) Σ (f − y)²")
    dax.set_ylabel("rank deficit n − rank J_A")
    lo.legend(fontsize=8)
    dax.legend(fontsize=8)
    where = ", ".join(f"{k} = {_fmt(v)}" for k, v in cell.items())
    reached = float(c["reached"].sum()) / max(float(c["trials"].sum()), 1)
    fig.suptitle(title_of(ds, f"training at {where}: loss (band 10-90%) and rank deficit; "
                             f"reached zero loss {reached:.0%}"), fontsize=9)
    return fig


def transition(ds):
    """The transition width d1*(n) per a0 value (and run) with its interval, as the program
    estimated it (/analysis: transition_d1, _lo, _hi), beside the P = n line d1 = n / p."""
    ds = _dataset(ds)
    if "transition_d1" not in ds:
        raise ReluscapeError(f"{ds.attrs.get('source_file', 'dataset')}: no /analysis/transition_d1 "
                             "(written by reluscape versions that estimate the transition)")
    a0 = a0_name(ds)
    fig, axes = _figure(1, 1, w=6.5, h=4.5)
    ax = axes[0][0]
    colours = iter([f"C{i}" for i in range(100)])
    for label, sub in _runs(ds.sortby("n")):
        n = sub["n"].values
        for k, v in enumerate(sub[a0].values):
            c = next(colours)
            t = sub.isel({a0: k})
            name = (f"r = {v:g}" if a0 == "d0_ratio" else f"d0 = {int(v)}") + (f", {label}" if label else "")
            ax.plot(n, t["transition_d1"].values, "o-", color=c, ms=3, label=name)
            if "transition_d1_lo" in t and "transition_d1_hi" in t:
                ax.fill_between(n, t["transition_d1_lo"].values, t["transition_d1_hi"].values, color=c, alpha=0.2,
                                lw=0)
            p = (t["P"] / t["d1"]).isel(d1=0).values  # parameters per neuron per column
            ax.plot(n, n / p, ls="--", color=c, lw=1)
    attrs = ds["transition_d1"].attrs
    how = attrs.get("method", "")
    level = attrs.get("confidence_level")
    band = f"band: {level:.0%} interval" if level is not None else "band: interval"
    ax.set_xlabel("n (samples)")
    ax.set_ylabel("d1* (hidden width at the transition)")
    ax.legend(fontsize=8, title="dashed: P = n", title_fontsize=8)
    fig.suptitle(title_of(ds, f"transition d1*(n) ({how}; {band})"), fontsize=9)
    return fig


def deficit_histogram(ds, **cell):
    """Trials by rank deficit n − rank J_A in one cell, e.g. deficit_histogram(ds, d0=2,
    d1=60, n=40) (d0_ratio= for ratio files); one bar per run."""
    ds = _dataset(ds)
    if "deficit_hist" not in ds:
        raise ReluscapeError(f"{ds.attrs.get('source_file', 'dataset')}: no deficit_hist (rank experiment only)")
    c = _cell(ds, cell)
    runs = _runs(c)
    fig, axes = _figure(1, 1, w=6.5, h=4.2)
    ax = axes[0][0]
    nmax = int(c["n"]) + 1
    width = 0.8 / len(runs)
    for i, (label, r) in enumerate(runs):
        h = r["deficit_hist"].values[:nmax].astype(float)
        N = float(r["trials"])
        if N > 0:
            h = h / N
        last = max(int(np.flatnonzero(h).max()) + 2 if h.any() else 2, 2)
        ax.bar(np.arange(last) + (i - (len(runs) - 1) / 2) * width, h[:last], width=width, label=label or None)
    ax.set_xlabel("rank deficit n − rank J_A")
    ax.set_ylabel("fraction of trials")
    if len(runs) > 1:
        ax.legend(fontsize=8)
    where = ", ".join(f"{k} = {_fmt(v)}" for k, v in cell.items())
    P = c["P"].values.ravel()[0]
    trials = c["trials"].values.ravel()
    fig.suptitle(title_of(ds, f"deficit histogram at {where} (P = {P}, trials = "
                             f"{', '.join(str(int(t)) for t in trials)})"), fontsize=9)
    return fig


def _count_and_variance(ds, quantity):
    """Count, trials and the variance of the fraction: binomial, or the cluster-robust one
    (stats.h: rs_cluster_wilson) when trials share dataset draws, whichever is larger."""
    count = quantity[: -len("_fraction")]
    if count not in ds:
        raise ReluscapeError(f"{ds.attrs.get('source_file', 'dataset')}: {quantity} has no count {count} to test")
    K, N = ds[count].astype(float), ds["trials"].astype(float)
    p = K / N
    var = p * (1 - p) / N
    sq = f"{count}_sq"
    if sq in ds and "datasets" in ds:
        G, S = ds["datasets"].astype(float), ds[sq].astype(float)
        cl = (G * S - K * K) / ((G - 1) * N * N)
        var = np.fmax(var, cl.where(G >= 2))
    return K, N, var


def compare(a, b, quantity="full_rank_fraction", z=3.0):
    """Difference A − B of a fraction between two runs on the same grid, cells where it is
    significant (|difference| / standard error > z, two-proportion test with the larger of
    the binomial and cluster-robust variances) marked with a dot."""
    a, b = _dataset(a), _dataset(b)
    name_a, name_b = (os.path.basename(x.attrs.get("source_file", x_)) for x, x_ in ((a, "A"), (b, "B")))
    a0 = a0_name(a)
    if a0_name(b) != a0 or any(not np.array_equal(a[k].values, b[k].values) for k in (a0, "d1", "n")):
        raise ReluscapeError(f"{name_a} and {name_b}: the grids differ; compare runs on the same grid")
    a, b = a.sortby(["d1", "n"]), b.sortby(["d1", "n"])
    ka, na, va = _count_and_variance(a, quantity)
    kb, nb, vb = _count_and_variance(b, quantity)
    diff = (ka / na - kb / nb)
    se = np.sqrt(va + vb)
    zval = xr_where_div(diff, se)
    d1, n = a["d1"].values, a["n"].values
    npan = a.sizes[a0]
    ncol = min(npan, 4)
    nrow = math.ceil(npan / ncol)
    fig, axes = _figure(nrow, ncol)
    im = None
    for k in range(nrow * ncol):
        ax = axes[k // ncol][k % ncol]
        if k >= npan:
            ax.set_visible(False)
            continue
        dk = diff.isel({a0: k}).transpose("d1", "n").values
        im = ax.imshow(np.ma.masked_invalid(dk), origin="lower", aspect="auto", vmin=-1, vmax=1, cmap="RdBu_r",
                       interpolation="nearest")
        sig = np.abs(zval.isel({a0: k}).transpose("d1", "n").values) > z
        yy, xx = np.nonzero(sig)
        ax.plot(xx, yy, "k.", ms=3)
        panel = a.isel({a0: k}).transpose("d1", "n", ...)
        _staircase(ax, panel["P"].values, d1, n)
        ax.set_title(_a0_label(a, k, panel), fontsize=9)
        _grid_axes(ax, d1, n)
    fig.colorbar(im, ax=axes, shrink=0.9, label=f"difference of {QUANTITIES.get(quantity, quantity)} (A − B)")
    diff_keys = differing_settings([a, b])
    what = "; ".join(f"{k}: A={_fmt(settings(a).get(k))}, B={_fmt(settings(b).get(k))}" for k in diff_keys)
    fig.suptitle(f"A = {name_a}, B = {name_b}: {QUANTITIES.get(quantity, quantity)}, A − B; dots: |z| > {z:g}\n"
                 f"{what or 'same settings'}\n" + title_of(a).split("\n", 1)[-1], fontsize=9)
    return fig


def xr_where_div(num, den):
    """num / den with 0 / 0 = 0 (no difference where neither run varies)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    return out.where(~((num == 0) & (den == 0)), 0.0)
