# layers.sh - the include graph has no edge from a lower layer to a higher one
# (docs/CONVENTIONS.md), and every source file has a layer.
. "${top_srcdir:-.}/tests/lib.sh"

"$PYTHON3" "$top_srcdir/tools/check_layers.py" "$top_srcdir" >"$WORK/out" 2>&1
rc=$?
cat "$WORK/out"
check "no upward include, every file in a layer" [ $rc = 0 ]
check "the check looked at the sources" grep -q '^[1-9][0-9]* files, 0 upward' "$WORK/out"
finish
