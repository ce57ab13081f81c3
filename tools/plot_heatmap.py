#!/usr/bin/python3
"""Plot heatmaps of a reluscape result file: one panel per value of axis 0 (d0 or
d0_ratio) and quantity, x = n, y = d1, colour = the quantity in [0, 1], with the line
P = n and the file's theory contours.  A thin command over reluscape_tools.heatmap
(docs/analysis.md); minima files show the full-rank, global and bad-local fractions
side by side by default."""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

EXIT_FAILURE = 1
EXIT_USAGE = 2


def fail(msg, code=EXIT_USAGE):
    print(f"plot_heatmap.py: {msg}", file=sys.stderr)
    sys.exit(code)


def main():
    try:
        import reluscape_tools as rt
    except ImportError as e:
        fail(f"needs numpy, h5py, xarray and matplotlib ({e}); Debian: apt install python3-h5py "
             "python3-xarray python3-matplotlib", EXIT_FAILURE)
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("file", help="reluscape result file (.h5)")
    ap.add_argument("-o", "--output", help="output image (default: FILE with .png)")
    ap.add_argument("--quantity", choices=sorted(rt.QUANTITIES), action="append",
                    help="what the colour shows; repeat for rows of panels (default: by experiment)")
    args = ap.parse_args()
    out = args.output or os.path.splitext(args.file)[0] + ".png"
    try:
        fig = rt.heatmap(rt.open(args.file), args.quantity)
    except rt.ReluscapeError as e:
        fail(str(e))
    try:
        fig.savefig(out, dpi=110)
    except OSError as e:
        fail(f"{out}: cannot write ({e})", EXIT_FAILURE)
    print(out)


if __name__ == "__main__":
    main()
