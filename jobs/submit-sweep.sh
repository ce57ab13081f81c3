#!/bin/sh
# submit-sweep.sh - submit a sweep as a job array of N parts plus a merge that runs once
# every part has succeeded (--dependency=afterok), and resubmit the parts that failed.
#
#   jobs/submit-sweep.sh [--throttle K] [--merge-opt=ARG]... CONFIG.ini N OUT.h5 [PART_SBATCH_ARGS...] [-- RUN_OPTIONS...]
#   jobs/submit-sweep.sh --resubmit-failed OUT.h5
#
# e.g. jobs/submit-sweep.sh --throttle 4 jobs/configs/paper-ratio-d0.ini 8 ratio.h5 --ntasks=16 --time=02:00:00 -- --set sweep.seed=7
#
# PART_SBATCH_ARGS go to the array of parts only.  The merge (one task, its own --time) gets
# only the placement options among them (-A/--account, -p/--partition, -q/--qos,
# -D/--chdir, -M/--clusters, --reservation, --mail-type, --mail-user, --export) and
# every --merge-opt=ARG (repeatable; e.g. --merge-opt=--time=00:10:00).  RUN_OPTIONS go to
# every `reluscape run`.  --throttle K runs at most K parts at once (--array=0-(N-1)%K);
# an --array of the user's own is accepted only as 0-(N-1)[%K].
#
# Before anything is queued the script checks on this host that reluscape starts and
# accepts the config and run options (`reluscape run ... --print-config`).  It writes
# OUT.submit (OUT without .h5; the arguments and job ids) next to OUT.h5: with it,
# `--resubmit-failed OUT.h5` finds the parts without a part file (failed, cancelled),
# cancels the old merge if it still waits, and submits those parts and a new merge with
# the same arguments: no variable to set by hand.
# Prints "array JOBID" and "merge JOBID".  Part i is OUT.part-<i>-of-<N>.h5; the merged
# result is OUT.h5.  Exit status: 0 submitted, 1 sbatch failed, 2 bad arguments or config,
# 4 reluscape cannot start here (not found, libraries): set RELUSCAPE=/path/to/reluscape.
set -eu
me=submit-sweep.sh
usage="usage: $0 [--throttle K] [--merge-opt=ARG]... CONFIG.ini N OUT.h5 [PART_SBATCH_ARGS...] [-- RUN_OPTIONS...]
       $0 --resubmit-failed OUT.h5"
die() { echo "$me: $2" >&2; exit "$1"; }
here=$(cd "$(dirname "$0")" && pwd)
RELUSCAPE=${RELUSCAPE:-reluscape}

# quote one word for eval (and for the OUT.submit record)
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

throttle="" margs="" resubmit=""
while [ $# -gt 0 ]; do
    case $1 in
    --throttle) [ $# -ge 2 ] || die 2 "--throttle needs a number"; throttle=$2; shift 2 ;;
    --throttle=*) throttle=${1#*=}; shift ;;
    --merge-opt) [ $# -ge 2 ] || die 2 "--merge-opt needs a value"; margs="$margs $(q "$2")"; shift 2 ;;
    --merge-opt=*) margs="$margs $(q "${1#*=}")"; shift ;;
    --resubmit-failed) [ $# -ge 2 ] || die 2 "--resubmit-failed needs OUT.h5"; resubmit=$2; shift 2 ;;
    --resubmit-failed=*) resubmit=${1#*=}; shift ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) break ;;
    esac
done
case $throttle in '') ;; *[!0-9]* | 0*) die 2 "--throttle takes a positive integer (got '$throttle')" ;; esac

# reluscape must start here: a missing binary or library is exit 4, not a config error
"$RELUSCAPE" --version >/dev/null 2>&1 ||
    die 4 "cannot start '$RELUSCAPE' on this host (not found or missing libraries): set RELUSCAPE=/path/to/reluscape"

# submit ARRAY_SPEC: sbatch the parts and the merge from config n out pargs margs rargs
# (rargs: the quoted run options); records OUT.submit
submit() {
    aid=$(eval "RELUSCAPE_SHARDS=\$n sbatch --parsable $pargs --array=$1 \"\$here/array.sbatch\" \"\$config\" \"\$out\" $rargs") ||
        die 1 "sbatch of the array failed"
    aid=${aid%%;*}
    parts="" i=0
    while [ $i -lt "$n" ]; do
        parts="$parts $(q "${out%.h5}.part-$i-of-$n.h5")"
        i=$((i + 1))
    done
    mid=$(eval "sbatch --parsable $common --ntasks=1 $margs --dependency=afterok:$aid \"\$here/merge.sbatch\" \"\$out\" $parts") ||
        die 1 "sbatch of the merge failed; cancel the array with: scancel $aid"
    mid=${mid%%;*}
    {
        echo "# jobs/submit-sweep.sh record: --resubmit-failed $(q "$out") reads it"
        echo "config=$(q "$config") n=$n out=$(q "$out") throttle=$(q "$throttle")"
        echo "pargs=$(q "$pargs")"
        echo "common=$(q "$common")"
        echo "margs=$(q "$margs")"
        echo "rargs=$(q "$rargs")"
        echo "array_job=$aid merge_job=$mid"
    } >"${out%.h5}.submit"
    echo "array $aid"
    echo "merge $mid"
}

# the config and run options as `run` reads them, here rather than after the queue wait
check_config() {
    eval "\"\$RELUSCAPE\" -q run \"\$config\" $rargs --print-config" >/dev/null || exit 2
}

# absolute path of $1 as the jobs see it (relative to their --chdir, else here)
absolute() {
    local_dir=${chdir:-$(pwd)}
    case $local_dir in /*) ;; *) local_dir=$(pwd)/$local_dir ;; esac
    case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$local_dir" "$1" ;; esac
}

if [ -n "$resubmit" ]; then
    [ $# -eq 0 ] || die 2 "--resubmit-failed OUT.h5 takes no other arguments (it reuses those of the first submission)"
    rec=${resubmit%.h5}.submit
    case $rec in */*) ;; *) rec=./$rec ;; esac   # `.` would search PATH for a bare name
    [ -r "$rec" ] || die 2 "no record '$rec' (written by the submission of '$resubmit'): resubmit by hand, see docs/slurm.md"
    . "$rec"
    if [ -n "$(squeue -h -j "$array_job" -o %i 2>/dev/null)" ]; then
        die 2 "parts of array $array_job are still queued or running: wait for them (or scancel $array_job) first"
    fi
    [ -e "$out" ] && die 2 "'$out' exists already: nothing to resubmit"
    failed="" i=0
    while [ $i -lt "$n" ]; do
        [ -e "${out%.h5}.part-$i-of-$n.h5" ] || failed="$failed${failed:+,}$i"
        i=$((i + 1))
    done
    [ -n "$failed" ] || die 2 "every part of '$out' exists: run the merge (sbatch $here/merge.sbatch ...) or check job $merge_job"
    scancel "$merge_job" 2>/dev/null || true   # the old merge waits forever on the failed parts
    check_config
    echo "resubmitting parts $failed of $n (array $array_job); cancelled merge $merge_job" >&2
    submit "$failed${throttle:+%$throttle}"
    exit 0
fi

[ $# -ge 3 ] || { echo "$usage" >&2; exit 2; }
config=$1 n=$2 out=$3
shift 3
case $n in '' | *[!0-9]* | 0*) die 2 "N must be a positive integer (got '$n')" ;; esac
case $out in *.h5) ;; *) die 2 "OUT must end in .h5 (got '$out')" ;; esac

# split the sbatch arguments: parts get all of them, the merge the placement ones;
# what follows "--" stays in "$@"
pargs="" common="" chdir=""
while [ $# -gt 0 ]; do
    [ "$1" = "--" ] && { shift; break; }
    a=$1
    shift
    case $a in
    --array=* | -a | --array | -a*)
        case $a in --array=*) spec=${a#*=} ;; -a | --array) spec=${1:-}; shift ;; *) spec=${a#-a} ;; esac
        case $spec in
        "0-$((n - 1))") ;;
        "0-$((n - 1))%"*) throttle=${spec#*%} ;;
        *) die 2 "--array=$spec does not fit $n parts: the array is always 0-$((n - 1)); limit parts at once with --throttle K" ;;
        esac
        continue ;;
    -D | --chdir) chdir=${1:-}; common="$common $(q "$a") $(q "$chdir")"; pargs="$pargs $(q "$a") $(q "$chdir")"; shift; continue ;;
    -D* | --chdir=*) chdir=${a#--chdir=}; chdir=${chdir#-D} ;;
    esac
    pargs="$pargs $(q "$a")"
    case $a in
    -A | --account | -p | --partition | -q | --qos | -M | --clusters | --reservation | --mail-type | --mail-user | --export)
        common="$common $(q "$a") $(q "${1:-}")"; pargs="$pargs $(q "${1:-}")"; shift ;;
    -A* | --account=* | -p* | --partition=* | -q* | --qos=* | -M* | --clusters=* | --reservation=* | \
        --mail-type=* | --mail-user=* | --export=* | -D* | --chdir=*)
        common="$common $(q "$a")" ;;
    esac
done
case $throttle in '') ;; *[!0-9]* | 0*) die 2 "the array's throttle must be a positive integer (got '$throttle')" ;; esac
config=$(absolute "$config")
out=$(absolute "$out")
[ -r "$config" ] || die 2 "cannot read config '$config'"
[ -e "$out" ] && die 2 "'$out' exists: choose another OUT.h5 or remove it"
rargs=""
for a in "$@"; do rargs="$rargs $(q "$a")"; done

check_config
submit "0-$((n - 1))${throttle:+%$throttle}"
