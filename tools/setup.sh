#!/bin/sh
# setup.sh - install what reluscape needs on Debian 12 and build it in place.
# Idempotent: packages already present are not reinstalled; an existing build is reused.
set -eu
cd "$(dirname "$0")/.."

PACKAGES="build-essential openmpi-bin libopenmpi-dev libhdf5-openmpi-dev hdf5-tools
 libscalapack-openmpi-dev libopenblas-dev liblapacke-dev autoconf automake libtool
 autoconf-archive pkg-config libglpk-dev libgmp-dev librandom123-dev python3-h5py python3-numpy
 python3-matplotlib python3-xarray python3-h5netcdf netcdf-bin python3-scipy
 clang valgrind
 slurm-wlm munge"   # the last two: tests/slurm.sh starts a private single-node cluster

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup: installing Debian packages:$missing"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc)"
