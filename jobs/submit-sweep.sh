#!/bin/sh
# submit-sweep.sh - submit a sweep as a job array of N parts plus a merge that runs once
# every part has succeeded (--dependency=afterok).
#   jobs/submit-sweep.sh CONFIG.ini N OUT.h5 [SBATCH_ARGS...] [-- RUN_OPTIONS...]
# e.g. jobs/submit-sweep.sh jobs/configs/paper-ratio-d0.ini 8 ratio.h5 --ntasks=16 --time=02:00:00 -- --set sweep.seed=7
# SBATCH_ARGS go to both sbatch calls (the merge keeps --ntasks=1 and its own --time unless
# MERGE_SBATCH_ARGS says otherwise); RUN_OPTIONS go to every `reluscape run`.
# Prints "array JOBID" and "merge JOBID".  Part i is OUT.part-<i>-of-<N>.h5; the merged
# result is OUT.h5.  Exit status: 0 submitted, 1 sbatch failed, 2 bad arguments or config.
set -eu
usage="usage: $0 CONFIG.ini N OUT.h5 [SBATCH_ARGS...] [-- RUN_OPTIONS...]"
[ $# -ge 3 ] || { echo "$usage" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
config=$1 n=$2 out=$3
shift 3
case $n in '' | *[!0-9]* | 0*) echo "submit-sweep.sh: N must be a positive integer (got '$n')" >&2; exit 2 ;; esac
case $out in *.h5) ;; *) echo "submit-sweep.sh: OUT must end in .h5 (got '$out')" >&2; exit 2 ;; esac
[ -r "$config" ] || { echo "submit-sweep.sh: cannot read config '$config'" >&2; exit 2; }

# quote each sbatch argument for the eval below; what follows "--" stays in "$@"
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
sargs=""
while [ $# -gt 0 ]; do
    [ "$1" = "--" ] && { shift; break; }
    sargs="$sargs $(q "$1")"
    shift
done

# check the config and options here, not after the queue wait (needs reluscape here)
RELUSCAPE=${RELUSCAPE:-reluscape}
if command -v "$RELUSCAPE" >/dev/null 2>&1; then
    "$RELUSCAPE" -q run "$config" "$@" --print-config >/dev/null || exit 2
fi

aid=$(eval "sbatch --parsable $sargs --array=0-$((n - 1)) \"\$here/array.sbatch\" \"\$config\" \"\$out\" \"\$@\"") || {
    echo "submit-sweep.sh: sbatch of the array failed" >&2
    exit 1
}
aid=${aid%%;*}
set --
i=0
while [ $i -lt "$n" ]; do
    set -- "$@" "${out%.h5}.part-$i-of-$n.h5"
    i=$((i + 1))
done
mid=$(eval "sbatch --parsable $sargs --ntasks=1 ${MERGE_SBATCH_ARGS:-} --dependency=afterok:$aid \
      \"\$here/merge.sbatch\" \"\$out\" \"\$@\"") || {
    echo "submit-sweep.sh: sbatch of the merge failed; cancel the array with: scancel $aid" >&2
    exit 1
}
mid=${mid%%;*}
echo "array $aid"
echo "merge $mid"
