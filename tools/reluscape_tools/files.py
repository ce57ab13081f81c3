"""Reading result files: one file, or several runs that differ in one setting, as one
labelled xarray Dataset; the tidy table with one row per cell."""

import os

import numpy as np

SCHEMA_VERSIONS = (1, 2)
# bookkeeping on the /stats datasets that xarray users need not see
_HIDDEN_ATTRS = {"DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "_Netcdf4Dimid",
                 "_Netcdf4Coordinates", "_FillValue", "coordinates"}


class ReluscapeError(ValueError):
    """A file that cannot be read as asked, with a message that names it."""


def _plain(v):
    """An HDF5 attribute as a plain Python value (str, int, float, list)."""
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray):
        return [_plain(x) for x in v.tolist()] if v.ndim else _plain(v[()])
    if isinstance(v, np.generic):
        return v.item()
    return v


def _attrs(obj):
    return {k: _plain(v) for k, v in obj.attrs.items() if k not in _HIDDEN_ATTRS}


def settings(ds):
    """The run's science settings (`section.key` root attributes) of a Dataset."""
    return {k: v for k, v in ds.attrs.items() if "." in k}


def _axis_names(d, a0):
    """Dimension names of a dataset: its dimension scales' names, else (a0, d1, n, dim_i)."""
    names = []
    for i in range(d.ndim):
        name = None
        try:
            scales = d.dims[i]
            if len(scales):
                name = os.path.basename(scales[0].name)
        except (RuntimeError, KeyError, ValueError):
            pass
        if name in ("d0", "d0_ratio"):
            name = a0
        names.append(name or ((a0, "d1", "n")[i] if i < 3 else f"dim_{i}"))
    return names


def _read_one(path):
    import h5py
    import xarray as xr

    path = os.fspath(path)
    if not os.path.exists(path):
        raise ReluscapeError(f"{path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ReluscapeError(f"{path}: not a readable HDF5 file ({e})") from None
    with f:
        if _plain(f.attrs.get("schema")) != "reluscape":
            raise ReluscapeError(f"{path}: not a reluscape file (root attribute 'schema' missing or wrong)")
        ver = int(f.attrs.get("schema_version", 0))
        if ver not in SCHEMA_VERSIONS:
            raise ReluscapeError(f"{path}: schema_version {ver} is not one this package reads "
                                 f"({', '.join(map(str, SCHEMA_VERSIONS))})")
        for need in ("grid/d1", "grid/n", "grid/P", "stats/trials"):
            if need not in f:
                raise ReluscapeError(f"{path}: missing /{need}")
        if ("grid/d0" in f) == ("grid/d0_ratio" in f):
            raise ReluscapeError(f"{path}: need exactly one of /grid/d0 and /grid/d0_ratio")
        a0 = "d0_ratio" if "grid/d0_ratio" in f else "d0"
        cell = (a0, "d1", "n")
        coords = {a0: f["grid/" + a0][()], "d1": f["grid/d1"][()], "n": f["grid/n"][()]}
        shape = tuple(len(coords[k]) for k in cell)
        coords["P"] = (cell, f["grid/P"][()], _attrs(f["grid/P"]))
        if "grid/d0_of_cell" in f:
            coords["d0_of_cell"] = (cell, f["grid/d0_of_cell"][()], _attrs(f["grid/d0_of_cell"]))
        elif a0 == "d0":  # schema 1 files of the d0 family
            coords["d0_of_cell"] = (cell, np.broadcast_to(coords["d0"][:, None, None], shape).copy())
        data = {}
        for name, d in f["stats"].items():
            if name in coords or not isinstance(d, h5py.Dataset) or d.ndim < 3:
                continue
            if d.shape[:3] != shape:
                raise ReluscapeError(f"{path}: /stats/{name} has shape {d.shape}, the grid is {shape}")
            dims = _axis_names(d, a0)
            for dim, length in zip(dims[3:], d.shape[3:]):
                # the bin axis's labels (/grid/step holds the recorded steps), else 0 .. B-1
                label = f.get("grid/" + dim)
                coords.setdefault(dim, label[()] if label is not None and label.shape == (length,) else np.arange(length))
            data[name] = (dims, d[()], _attrs(d))
        # the theory and analysis groups (when the file has them): cell-grid theory arrays
        # as theory_<name>, the transition estimate on (a0, n) under its own name
        for group, prefix in (("theory", "theory_"), ("analysis", "")):
            for name, d in (f[group].items() if group in f else ()):
                # the groups link the grid's axes, P and d0_of_cell for netCDF readers
                if not isinstance(d, h5py.Dataset) or name in coords or name in ("P", "d0_of_cell"):
                    continue
                if d.shape == shape:
                    data[prefix + name] = (cell, d[()], _attrs(d))
                elif d.shape == (shape[0], shape[2]):
                    data[prefix + name] = ((a0, "n"), d[()], _attrs(d))
        attrs = _attrs(f)
    attrs.setdefault("experiment", "rank")
    attrs["source_file"] = path
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    ds[a0].attrs["long_name"] = "input dimension d0" if a0 == "d0" else "ratio d0 / n (d0 = ⌈r·n⌉)"
    ds["d1"].attrs["long_name"] = "hidden width d1"
    ds["n"].attrs["long_name"] = "samples n"
    return ds


def differing_settings(datasets):
    """The settings (not the grid: compared as arrays) whose values differ between Datasets."""
    keys = set().union(*(settings(d) for d in datasets))
    return sorted(k for k in keys if not k.startswith("grid.")
                  and len({repr(settings(d).get(k)) for d in datasets}) > 1)


def a0_name(ds):
    return "d0_ratio" if "d0_ratio" in ds.dims else "d0"


def open(paths):
    """One result file, or several, as one labelled xarray Dataset.

    Several files must share the grid and differ in exactly one setting: they are
    concatenated along a new dimension named after it (e.g. `data.bias`), with the file
    names as coordinate `file`.  Otherwise ReluscapeError says what differs."""
    import xarray as xr

    if isinstance(paths, (str, bytes, os.PathLike)):
        return _read_one(paths)
    paths = list(paths)
    if not paths:
        raise ReluscapeError("no files given")
    dss = [_read_one(p) for p in paths]
    if len(dss) == 1:
        return dss[0]
    first = dss[0]
    for d in dss[1:]:
        if a0_name(d) != a0_name(first):
            raise ReluscapeError(f"{d.attrs['source_file']}: grid family {a0_name(d)}, "
                                 f"{first.attrs['source_file']} has {a0_name(first)}")
        for ax in (a0_name(first), "d1", "n"):
            if not np.array_equal(d[ax].values, first[ax].values):
                raise ReluscapeError(f"{d.attrs['source_file']}: grid axis {ax} {d[ax].values.tolist()} differs "
                                     f"from {first.attrs['source_file']}'s {first[ax].values.tolist()}")
        if d.attrs.get("experiment") != first.attrs.get("experiment"):
            raise ReluscapeError(f"{d.attrs['source_file']}: experiment {d.attrs.get('experiment')}, "
                                 f"{first.attrs['source_file']} has {first.attrs.get('experiment')}")
    diff = differing_settings(dss)
    names = ", ".join(d.attrs["source_file"] for d in dss)
    if not diff:
        raise ReluscapeError(f"{names}: the files have the same settings; parts of one run are "
                             "combined with `reluscape merge`")
    if len(diff) > 1:
        raise ReluscapeError(f"{names}: the files differ in {len(diff)} settings ({', '.join(diff)}); "
                             "they can be combined along one only")
    key = diff[0]
    values = [settings(d).get(key) for d in dss]
    if len({repr(v) for v in values}) != len(values):
        raise ReluscapeError(f"{names}: two files have the same {key}: they differ in nothing else")
    out = xr.concat(dss, dim=xr.DataArray(values, dims=key, name=key), join="outer",
                    combine_attrs="drop", coords="minimal", compat="override")
    out = out.assign_coords(file=(key, [d.attrs["source_file"] for d in dss]))
    common = {k: v for k, v in first.attrs.items()
              if all(repr(d.attrs.get(k)) == repr(v) for d in dss[1:])}
    common["concat_dim"] = key
    out.attrs = common
    return out


def cell_variables(ds):
    """The variables with one value per cell (and run): no bin axes."""
    base = {a0_name(ds), "d1", "n"}
    extra = {ds.attrs["concat_dim"]} if "concat_dim" in ds.attrs else set()
    return [v for v in ds.data_vars if base <= set(ds[v].dims) <= base | extra]


def to_frame(ds):
    """A pandas DataFrame with one row per cell (per run when several): the grid axes, P,
    d0_of_cell and every per-cell variable as columns (histograms left out)."""
    sub = ds[cell_variables(ds)]
    sub = sub.drop_vars([c for c in sub.coords if not set(sub[c].dims) <= set(sub.dims)])
    return sub.to_dataframe().reset_index()

