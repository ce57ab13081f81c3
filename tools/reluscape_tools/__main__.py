"""python3 -m reluscape_tools COMMAND ...

  export FILE.h5 [FILE.h5 ...] --csv OUT.csv   one row per cell (and run): axes, P, d0_of_cell
                                             and every per-cell variable
  plot KIND FILE.h5 [FILE.h5] -o OUT.png      KIND: heatmap, transition, minima, compare (two
                                             files), deficit (with --cell d0=2,d1=60,n=40)

Exit 2 on a file that cannot be read as asked, with the reason."""

import argparse
import sys

from . import (ReluscapeError, compare, deficit_histogram, heatmap, minima_classes, open as open_files,
               to_frame, transition)


def _cell(text):
    out = {}
    for part in text.split(","):
        k, _, v = part.partition("=")
        out[k.strip()] = float(v) if k.strip() == "d0_ratio" else int(v)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m reluscape_tools", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export", help="tidy table, one row per cell")
    ex.add_argument("files", nargs="+")
    ex.add_argument("--csv", required=True, help="output CSV file")
    pl = sub.add_parser("plot", help="a figure")
    pl.add_argument("kind", choices=["heatmap", "transition", "minima", "compare", "deficit"])
    pl.add_argument("files", nargs="+")
    pl.add_argument("-o", "--output", required=True)
    pl.add_argument("--cell", type=_cell, help="deficit: the cell, e.g. d0=2,d1=60,n=40")
    a = ap.parse_args(argv)
    try:
        if a.command == "export":
            to_frame(open_files(a.files)).to_csv(a.csv, index=False)
            print(a.csv)
            return 0
        if a.kind == "compare":
            if len(a.files) != 2:
                raise ReluscapeError("compare takes two files")
            fig = compare(*a.files)
        elif a.kind == "deficit":
            if not a.cell:
                raise ReluscapeError("deficit needs --cell, e.g. --cell d0=2,d1=60,n=40")
            fig = deficit_histogram(open_files(a.files), **a.cell)
        else:
            fig = {"heatmap": heatmap, "transition": transition, "minima": minima_classes}[a.kind](open_files(a.files))
        fig.savefig(a.output, dpi=110)
    except ReluscapeError as e:
        print(f"reluscape_tools: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"reluscape_tools: {e}", file=sys.stderr)
        return 1
    print(a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
