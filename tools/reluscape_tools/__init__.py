"""reluscape_tools - read reluscape result files (docs/hdf5-schema.md) as labelled xarray
Datasets and draw the usual figures, each in a few lines (docs/analysis.md):

    import reluscape_tools as rt
    ds = rt.open("run.h5")                  # or rt.open(["bias0.h5", "bias1.h5"])
    rt.heatmap(ds).savefig("heatmap.png")

Needs Debian's python3 with python3-numpy, python3-h5py, python3-xarray (pandas) and
python3-matplotlib for the plots."""

from .files import ReluscapeError, open, settings, differing_settings, to_frame
from .plots import (QUANTITIES, compare, deficit_histogram, heatmap, minima_classes, title_of,
                    training_curves, transition)

__all__ = ["ReluscapeError", "open", "settings", "differing_settings", "to_frame", "heatmap",
           "transition", "deficit_histogram", "compare", "minima_classes", "training_curves", "title_of", "QUANTITIES"]
