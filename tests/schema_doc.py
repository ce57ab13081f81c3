"""schema_doc.py DOC.md FILE.h5... - print every attribute, group and dataset name the
files hold that DOC.md does not name in backticks (one per line, with where it is);
nothing printed means the schema doc covers the files.  Root attributes named
`section.key` are the settings, documented as the pattern `<section>.<key>`."""
import re
import sys

import h5py

doc = open(sys.argv[1], encoding="utf-8").read()
names = set()
for quoted in re.findall(r"`([^`]+)`", doc):
    names.update(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", quoted))
seen = set()


def need(name, where):
    base = name.rsplit("/", 1)[-1]
    if base not in names and (base, where) not in seen:
        seen.add((base, where))
        print(f"{where}: {base}")


for path in sys.argv[2:]:
    with h5py.File(path, "r") as f:
        for a in f.attrs:
            if "." not in a:
                need(a, "root attribute")

        def visit(name, obj):
            kind = "dataset" if isinstance(obj, h5py.Dataset) else "group"
            need(name, kind)
            for a in obj.attrs:
                need(a, f"attribute of {kind}s")
        f.visititems(visit)
