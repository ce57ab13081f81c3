"""check_layers.py SRCDIR - the include graph has no edge from a lower layer to a higher
one (docs/CONVENTIONS.md, "Layers").  Prints each offending edge; exit 1 if any."""
import os
import re
import sys

LAYERS = {
    0: ["rng", "ziggurat_tables", "log", "util", "h5file"],
    1: ["data", "pattern", "jacobian", "matrank", "modrank", "blas", "scalapack", "targets", "lp", "regions", "regions_chart", "train", "train_kernels"],
    2: ["engine", "group", "group_rank", "config"],
    3: ["grid", "stats", "trial", "footprint", "checkpoint", "provenance", "theory"],
    4: ["experiment", "exp_*"],
    5: ["sweep", "h5out", "h5theory"],
    6: ["cli", "cli/*", "reluscape", "main"],
}


def layer_of(module):
    for layer, names in LAYERS.items():
        for n in names:
            if n == module or (n.endswith("*") and module.startswith(n[:-1])):
                return layer
    return None


def module_of(path, src):
    rel = os.path.relpath(path, src)
    rel = re.sub(r"^(include/reluscape|src)/", "", rel)
    if rel.startswith("cli/"):
        return "cli/" + os.path.splitext(os.path.basename(rel))[0]
    return os.path.splitext(rel)[0]


def main(src):
    files = []
    for d in ("include/reluscape", "src", "src/cli"):
        for f in sorted(os.listdir(os.path.join(src, d))):
            if f.endswith((".c", ".h")) and f != "gitdescribe.h":  # generated
                files.append(os.path.join(src, d, f))
    bad = unknown = 0
    for path in files:
        mod = module_of(path, src)
        lm = layer_of(mod)
        if lm is None:
            print(f"{path}: module '{mod}' has no layer in tools/check_layers.py")
            unknown += 1
            continue
        for inc in re.findall(r'^#include "([^"]+)"', open(path).read(), re.M):
            name = inc.replace("reluscape/", "")
            if name in ("config.h",) and "reluscape/" not in inc:
                continue  # autoconf's config.h
            target = name[:-2] if name.endswith(".h") else name
            if target == "gitdescribe":
                continue
            lt = layer_of(target)
            if lt is not None and lt > lm:
                print(f"{path}: layer {lm} ({mod}) includes {inc} of layer {lt}")
                bad += 1
    print(f"{len(files)} files, {bad} upward includes, {unknown} files without a layer")
    return 1 if bad or unknown else 0


sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
