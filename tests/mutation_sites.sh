#!/bin/bash
# mutation_sites.sh - every mutant of tools/mutations.txt still applies: its TEXT occurs in
# its FILE.  tools/mutate.sh counts a mutant whose text is gone as INVALID and tests
# nothing with it, so a refactor could retire a mutant without anyone noticing (four had
# gone stale that way).  One check per mutant.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-.}/tests/lib.sh"
k=0
while IFS= read -r line; do
    case $line in "#"* | "") continue ;; esac
    k=$((k + 1))
    file=$(echo "$line" | awk -F ' \\|\\|\\| ' '{print $1}')
    text=$(echo "$line" | awk -F ' \\|\\|\\| ' '{print $2}')
    what=$(echo "$line" | awk -F ' \\|\\|\\| ' '{print $4}')
    check "mutant $k still applies: $file: $what" grep -qF -e "$text" "$top_srcdir/$file"
done <"$top_srcdir/tools/mutations.txt"
finish
