#!/bin/sh
# quickstart.sh - set up, build, and run the small default sweep on all cores:
# writes reluscape-default.h5, prints the terminal report, draws reluscape-default.png.
set -eu
cd "$(dirname "$0")/.."
sh tools/setup.sh
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OPENBLAS_NUM_THREADS=1
mpiexec -n "$(nproc)" ./reluscape run jobs/configs/default.ini -o reluscape-default.h5 --force
./reluscape report reluscape-default.h5
/usr/bin/python3 tools/plot_heatmap.py reluscape-default.h5 -o reluscape-default.png
echo "quickstart: results in reluscape-default.h5, picture in reluscape-default.png"
