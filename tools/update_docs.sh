#!/bin/sh
# update_docs.sh RELUSCAPE SRCDIR - regenerate the tables that the program owns:
# docs/config.md (every config key: `reluscape info --config-doc`) and docs/hdf5-schema.md
# (every experiment's statistics table: `reluscape info --stats-doc`), each between its
# BEGIN/END markers.  `make docs` runs it; tests/run_smoke.sh checks the docs are current.
set -eu
rs=$1
src=$2
replace() { # FILE OPTION: the lines between the markers become the program's output
    tmp=$(mktemp)
    "$rs" info "$2" >"$tmp.gen"
    awk -v gen="$tmp.gen" '
        /<!-- BEGIN generated/ { print; while ((getline line < gen) > 0) print line; skip = 1; next }
        /<!-- END generated/ { skip = 0 }
        !skip { print }' "$1" >"$tmp"
    cat "$tmp" >"$1"
    rm -f "$tmp" "$tmp.gen"
}
replace "$src/docs/config.md" --config-doc
replace "$src/docs/hdf5-schema.md" --stats-doc
