#!/bin/bash
# slurm.sh - the jobs/ scripts on a private single-node SLURM cluster, started with
# jobs/private-slurm.sh (munged on a private socket, slurmctld and slurmd in a temp dir).
# Checks, with h5diff of /stats against direct runs:
#   sweep.sbatch == direct mpiexec run; `reluscape plan --sbatch`'s script == the same;
#   bad input gives exit 2 and no requeue; a missing binary gives exit 4 (cannot start);
#   submit-sweep.sh --throttle 2 (array of 3 shards + a single merge job) == one run;
#   a failing part leaves the merge waiting, --resubmit-failed reruns it and the new merge
#   == one run; plan warns on a --time too short for the signal lead (refuses when no
#   unit fits); a job stopped twice by `scancel -b -s USR1` (the path the time limit
#   takes) checkpoints, requeues and resumes to identical /stats and reports 2 restarts and
#   a total CPU time within 5 % of the sum of its starts; and a job that meets a real time
#   limit (--time=1 --signal=B:USR1@25) ends identical too.
# The daemons are stopped (private-slurm.sh stop) on every exit.  Skips (77) unless root
# with munged, slurmctld, slurmd and sbatch installed; with CI=true missing packages are a
# failure.  About 3-4 minutes on 2 cores, bounded by a 420 s deadline.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-.}/tests/lib.sh"
top_srcdir=$(cd "$top_srcdir" && pwd)
RELUSCAPE=$(cd "$top_builddir" && pwd)/reluscape
export RELUSCAPE
T0=$SECONDS
END=$((SECONDS + 420))
say() { echo "# [$((SECONDS - T0)) s] $*"; }
showlog() { sed 's/^/#   | /' "$1" 2>/dev/null; }   # a file into the test's log, marked

# ------------------------------------------------------------------ the private cluster
# jobs/private-slurm.sh is the recipe (users start the same cluster to try the scripts)
JOBS=$top_srcdir/jobs
D=$WORK/slurm
chmod 755 "$WORK"                       # munged (user munge) must reach its socket dir
"$JOBS/private-slurm.sh" start "$D" >"$WORK/private-slurm.out" 2>&1
rc=$?
if [ $rc = 4 ]; then                    # not root or packages missing
    why=$(tail -1 "$WORK/private-slurm.out")
    if [ "${CI:-}" = true ] && [ "$(id -u)" = 0 ]; then
        bad "CI=true but $why"
        finish
    fi
    skip "$why"
fi
if [ $rc != 0 ]; then
    showlog "$WORK/private-slurm.out"
    bad "private cluster did not start (jobs/private-slurm.sh exit $rc)"
    finish
fi
export SLURM_CONF=$D/slurm.conf         # clients, and the jobs (they inherit the environment)
cleanup() {
    "$JOBS/private-slurm.sh" stop "$D" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
H5DUMP=$(dirname "$(command -v "$H5DIFF")")/h5dump
ok "private cluster up with jobs/private-slurm.sh in $((SECONDS - T0)) s ($(head -1 "$WORK/private-slurm.out" | sed 's/^# //'))"

# ------------------------------------------------------------------ helpers
# job_field ID FIELD: a field of `scontrol show job` (first line for arrays)
job_field() { scontrol -o show job "$1" 2>/dev/null | head -1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# wait_job ID SECONDS: until the job (every task of an array) ended; 0 iff all COMPLETED
wait_job() {
    local id=$1 lim=$((SECONDS + $2)) states
    [ $lim -gt $END ] && lim=$END
    while [ $SECONDS -lt $lim ]; do
        states=$(scontrol -o show job "$id" 2>/dev/null | tr ' ' '\n' | sed -n 's/^JobState=//p' | sort -u | tr '\n' ' ')
        case $states in
        '' | *PENDING* | *RUNNING* | *REQUEUE* | *COMPLETING* | *CONFIGURING* | *SUSPENDED*)
            if [ "$(job_field "$id" Reason)" = DependencyNeverSatisfied ]; then
                say "job $id: dependency never satisfied"
                return 1
            fi
            sleep 0.5 ;;
        'COMPLETED ') return 0 ;;
        *) say "job $id ended: $states exit $(job_field "$id" ExitCode)"; return 1 ;;
        esac
    done
    say "job $id: still not finished after $2 s (state: $states)"
    return 1
}
same_stats() { "$H5DIFF" -q "$1" "$2" /stats /stats; }
attr() { "$H5DUMP" -a "$2" "$1" 2>/dev/null | sed -n 's/^ *(0): "*\([^"]*\)"*$/\1/p'; }

# ------------------------------------------------------------------ small config
cat >"$WORK/small.ini" <<'INI'
[grid]
d0 = 1, 3
d1 = 2:20:6
n = 6, 11, 17
[sweep]
trials = 40
patterns_per_dataset = 4
seed = 20261128
[output]
progress = 0
INI
mpirun 2 "$RELUSCAPE" -q run "$WORK/small.ini" -o "$WORK/small-direct.h5" || bad "direct run of small.ini"

# 1. sweep.sbatch, 2 tasks
say "sweep.sbatch, 2 tasks (sbatch --wait)"
jid=$(timeout 90 sbatch --wait --parsable --ntasks=2 -D "$WORK" -o "$WORK/sweep-%j.log" \
    "$JOBS/sweep.sbatch" "$WORK/small.ini" "$WORK/small-sweep.h5")
rc=$?
jid=${jid%%;*}
check "sweep.sbatch job $jid exits 0" test "$rc" = 0 || showlog "$WORK/sweep-$jid.log"
check "sweep.sbatch == direct mpiexec (/stats)" same_stats "$WORK/small-direct.h5" "$WORK/small-sweep.h5"
if [ -x "$H5DUMP" ]; then
    check "the output records slurm_job_id $jid" test "$(attr "$WORK/small-sweep.h5" slurm_job_id)" = "$jid"
    check "... and ran on 2 ranks" test "$(attr "$WORK/small-sweep.h5" ranks)" = 2
fi

# 2. the script of `reluscape plan --sbatch`
say "reluscape plan --sbatch"
"$RELUSCAPE" plan "$WORK/small.ini" --ranks 2 --calibrate 0.2 -o "$WORK/small-plan.h5" --sbatch >"$WORK/plan.sbatch" 2>"$WORK/plan.err"
check "plan --sbatch exits 0" test $? = 0
check "plan's script has the body of jobs/sweep.sbatch" \
    cmp -s <(sed -n '/^# --- body/,$p' "$WORK/plan.sbatch") <(sed -n '/^# --- body/,$p' "$JOBS/sweep.sbatch")
for o in --ntasks=2 --time= --mem-per-cpu= --signal=B:USR1@ --requeue; do
    check "plan's script sets #SBATCH $o" grep -q "^#SBATCH $o" "$WORK/plan.sbatch"
done
jid=$(timeout 90 sbatch --wait --parsable -D "$WORK" -o "$WORK/plan-%j.log" "$WORK/plan.sbatch")
rc=$?
check "plan's script runs (job ${jid%%;*} exits 0)" test "$rc" = 0
check "plan's script == direct mpiexec (/stats)" same_stats "$WORK/small-direct.h5" "$WORK/small-plan.h5"
"$RELUSCAPE" plan "$WORK/small.ini" --set grid.n=0 >/dev/null 2>"$WORK/plan-bad.err"
check "plan: bad config exits 2" test $? = 2
check "plan: ... with run's message" grep -q "key 'grid.n'" "$WORK/plan-bad.err"

# 3. bad input: exit 2 from the job, no requeue
say "sweep.sbatch with a bad config"
printf '[grid]\nd0 = 1\nd1 = 4\nn = 3:1\n' >"$WORK/bad.ini"
jid=$(timeout 60 sbatch --wait --parsable -D "$WORK" -o "$WORK/bad-%j.log" "$JOBS/sweep.sbatch" "$WORK/bad.ini" "$WORK/bad.h5")
rc=$?
jid=${jid%%;*}
check "bad config: the job exits 2" test "$rc" = 2
check "bad config: not requeued" test "$(job_field "$jid" Restarts)" = 0
check "bad config: the log names the key" grep -q "key 'grid.n'" "$WORK/bad-$jid.log"

# 4. a missing binary: exit 4 (cannot start), not 2 (bad input), and no requeue
say "sweep.sbatch with RELUSCAPE pointing nowhere"
jid=$(RELUSCAPE=$WORK/no-such-reluscape timeout 60 sbatch --wait --parsable -D "$WORK" -o "$WORK/nobin-%j.log" \
    "$JOBS/sweep.sbatch" "$WORK/small.ini" "$WORK/nobin.h5")
rc=$?
jid=${jid%%;*}
check "missing binary: the job exits 4" test "$rc" = 4
check "missing binary: scontrol shows ExitCode=4:0" test "$(job_field "$jid" ExitCode)" = 4:0
check "missing binary: not requeued" test "$(job_field "$jid" Restarts)" = 0
check "missing binary: the log says it cannot start" grep -q "cannot start '$WORK/no-such-reluscape'" "$WORK/nobin-$jid.log"

# 5. job array of 3 shards, throttled, + merge (submit-sweep.sh)
say "submit-sweep.sh --throttle 2: array of 3 + merge"
sh "$JOBS/submit-sweep.sh" "$WORK/small.ini" 3 "$WORK/small-array.h5" --array=0-3 -D "$WORK" >"$WORK/submit-bad.out" 2>&1
check "submit-sweep.sh: an --array that does not fit N is refused (exit 2)" test $? = 2
check "submit-sweep.sh: ... saying why" grep -q "does not fit 3 parts" "$WORK/submit-bad.out"
sh "$JOBS/submit-sweep.sh" --throttle 2 --merge-opt=--time=00:05:00 "$WORK/small.ini" 3 "$WORK/small-array.h5" \
    --ntasks=1 -D "$WORK" -o "$WORK/array-%A_%a.log" >"$WORK/submit.out" 2>&1
check "submit-sweep.sh exits 0" test $? = 0
aid=$(sed -n 's/^array //p' "$WORK/submit.out")
mid=$(sed -n 's/^merge //p' "$WORK/submit.out")
check "submit-sweep.sh prints both job ids ($aid, $mid)" test -n "$aid" -a -n "$mid"
check "the array is throttled to 2 tasks at once" test "$(job_field "$aid" ArrayTaskThrottle)" = 2
check "the merge is one job, not an array" test -z "$(job_field "$mid" ArrayJobId)"
check "the merge got --merge-opt's time limit" test "$(job_field "$mid" TimeLimit)" = 00:05:00
check "the merge did not get the parts' -o" test "$(job_field "$mid" StdOut)" != "$WORK/array-%A_%a.log"
wait_job "$mid" 90
check "array and merge jobs complete" test $? = 0
check "array task logs name their shards" grep -q "shard 2/3" "$WORK/array-${aid}_2.log"
check "a part's log gives the cells it runs, not the grid's" grep -q "^shard 2/3: .* trials in [0-9]* of the grid's 24 cells" \
    "$WORK/array-${aid}_2.log"
check "throttled array + merge == one run (/stats)" same_stats "$WORK/small-direct.h5" "$WORK/small-array.h5"
[ -x "$H5DUMP" ] && check "part 1 records shard_index 1" \
    test "$(attr "$WORK/small-array.part-1-of-3.h5" shard_index)" = 1
"$RELUSCAPE" report "$WORK/small-array.h5" >"$WORK/array-report.txt" 2>&1
check "the merged file's report names its parts, not 'ranks 1'" grep -q "^  ranks        merged from 3 parts" \
    "$WORK/array-report.txt" || showlog "$WORK/array-report.txt"
[ -f "$WORK/small-array.h5" ] || { showlog "$WORK/submit.out"; for f in "$WORK"/array-*.log "$WORK"/reluscape-merge-*.log; do showlog "$f"; done; }

# 6. a part fails (a wrapper fails shard 1 until "fixed" exists): the merge waits forever
# (DependencyNeverSatisfied); --resubmit-failed reruns that part and a new merge completes
say "a failing part, --resubmit-failed"
printf '#!/bin/sh\ncase "$*" in *"--shard 1/3"*) [ -e "%s" ] || { echo "flaky: shard 1 fails" >&2; exit 1; } ;; esac\nexec "%s" "$@"\n' \
    "$WORK/fixed" "$RELUSCAPE" >"$WORK/flaky"
chmod +x "$WORK/flaky"
RELUSCAPE=$WORK/flaky sh "$JOBS/submit-sweep.sh" "$WORK/small.ini" 3 "$WORK/fail.h5" -D "$WORK" \
    -o "$WORK/fail-%A_%a.log" >"$WORK/fail-submit.out" 2>&1
check "submit of the failing array exits 0" test $? = 0
aid=$(sed -n 's/^array //p' "$WORK/fail-submit.out")
mid=$(sed -n 's/^merge //p' "$WORK/fail-submit.out")
wait_job "$mid" 60
check "the merge does not run after a failed part" test "$(job_field "$mid" Reason)" = DependencyNeverSatisfied
check "part 1 failed with exit 1" \
    test "$(scontrol -o show job "${aid}_1" 2>/dev/null | tr ' ' '\n' | sed -n 's/^ExitCode=//p')" = 1:0
check "its log says how to recover" grep -q "resubmit the failed parts with jobs/submit-sweep.sh --resubmit-failed" \
    "$WORK/fail-${aid}_1.log"
touch "$WORK/fixed"
RELUSCAPE=$WORK/flaky sh "$JOBS/submit-sweep.sh" --resubmit-failed "$WORK/fail.h5" >"$WORK/resubmit.out" 2>&1
check "--resubmit-failed exits 0" test $? = 0
check "--resubmit-failed reruns part 1 only" grep -q "resubmitting parts 1 of 3" "$WORK/resubmit.out"
mid2=$(sed -n 's/^merge //p' "$WORK/resubmit.out")
wait_job "$mid2" 90
check "the new merge completes" test $? = 0
check "failed, resubmitted part + merge == one run (/stats)" same_stats "$WORK/small-direct.h5" "$WORK/fail.h5"
[ -f "$WORK/fail.h5" ] || { showlog "$WORK/resubmit.out"; for f in "$WORK"/fail-*.log; do showlog "$f"; done; }

# 7. plan warns when --time leaves little work per start after the signal lead, and
# refuses when not one work unit fits
"$RELUSCAPE" plan "$WORK/small.ini" --calibrate 0.3 --ranks 1 --set sweep.trials=5000000 --time=3 \
    --signal=B:USR1@120 >"$WORK/plan-short.out" 2>"$WORK/plan-short.err"
check "plan --time=3 --signal=B:USR1@120: exit 0" test $? = 0
check "... with a warning on stderr" grep -q "warning: --time=3 with --signal=B:USR1@120 leaves about" "$WORK/plan-short.err"
check "... naming a longer --time" grep -q "use --time=[0-9:]* or more" "$WORK/plan-short.err"
"$RELUSCAPE" plan "$WORK/small.ini" --calibrate 0.3 --time=2 --signal=B:USR1@120 >/dev/null 2>"$WORK/plan-none.err"
check "plan --time=2 --signal=B:USR1@120: refused (exit 2)" test $? = 2
check "... because no start could finish a unit" grep -q "no start could finish" "$WORK/plan-none.err"

# ------------------------------------------------------------------ stop and resume
# a config of about 60 core-seconds (sized with `reluscape plan`): long enough that a
# 1-minute limit's USR1@25 (sent 5-35 s after the start: slurmctld checks every 30 s)
# finds it running
cat >"$WORK/mid.ini" <<'INI'
[grid]
d0 = 2, 3
d1 = 40:200:40
n = 20:100:20
[sweep]
trials = 200
seed = 7
[rank]
method = svd
[output]
progress = 2
INI
cs=$("$RELUSCAPE" plan "$WORK/mid.ini" --calibrate 1 | sed -n 's/^Total: .*(\([0-9.e+]*\) core-seconds).*/\1/p')
trials=$(awk -v c="${cs:-2}" 'BEGIN { t = int(200 * 60 / c); if (t < 200) t = 200; if (t > 20000) t = 20000; print t - t % 10 }')
sed -i "s/^trials = 200$/trials = $trials/" "$WORK/mid.ini"
say "stop/resume config: $trials trials per cell (plan: $cs core-seconds at 200)"

# the scancel job first (2 tasks), then the time-limit job (1 task); the direct
# reference runs meanwhile
sc=$(sbatch --parsable --ntasks=2 -D "$WORK" -o "$WORK/sc-%j.log" "$JOBS/sweep.sbatch" "$WORK/mid.ini" "$WORK/mid-sc.h5")
sc=${sc%%;*}
tl=$(sbatch --parsable --ntasks=1 --time=1 --signal=B:USR1@25 -D "$WORK" -o "$WORK/tl-%j.log" \
    "$JOBS/sweep.sbatch" "$WORK/mid.ini" "$WORK/mid-tl.h5")
tl=${tl%%;*}
say "jobs: scancel test $sc, time-limit test $tl"
# (its limit is the test's deadline, not mpirun's two minutes: it shares the cores with
# both jobs, and under `make -j` with another test too)
( RS_TEST_TIMEOUT=$((END - SECONDS)) mpirun 2 "$RELUSCAPE" -q run "$WORK/mid.ini" -o "$WORK/mid-direct.h5" ) &
ref=$!
# USR1 to the batch shell only (-b), as --signal=B:USR1 does, once the sweep of the
# current start is under way (a progress line after its "start N on" line): twice
sent=0
while [ $SECONDS -lt $END ] && [ $sent -lt 2 ]; do
    if sed -n "/^sweep.sbatch: job $sc start $((sent + 1)) on/,\$p" "$WORK/sc-$sc.log" 2>/dev/null | grep -q '^progress:'; then
        scancel -b -s USR1 "$sc" && sent=$((sent + 1))
    fi
    sleep 0.3
done
check "scancel -b -s USR1 $sc sent twice while the sweep runs" test "$sent" = 2
wait_job "$sc" 180
check "scancel job: completes after the requeue" test $? = 0
check "scancel job: the script forwarded USR1" grep -q "USR1 at" "$WORK/sc-$sc.log"
check "scancel job: reluscape wrote a checkpoint and exited 3" grep -q "^checkpoint: .* written to" "$WORK/sc-$sc.log"
check "scancel job: requeued itself" grep -q "requeued job $sc" "$WORK/sc-$sc.log"
check "scancel job: the second start resumed from the checkpoint" grep -q "^resume: .* already done" "$WORK/sc-$sc.log"
check "scancel job: Restarts = 2" test "$(job_field "$sc" Restarts)" = 2
if [ -x "$H5DUMP" ]; then
    check "requeued twice: the file reports 2 restarts" test "$(attr "$WORK/mid-sc.h5" /run/restarts)" = 2
    check "requeued twice: start_ended = signal, signal, complete" \
        "$H5DUMP" -d /run/start_ended "$WORK/mid-sc.h5" | grep -q "(0): 1, 1, 0$"
    # the busy CPU of each start as its log says it (the stop's checkpoint line, the wrote line)
    starts_cpu=$(sed -n 's/^checkpoint: .*(start [0-9]*: [0-9]* trials, \([0-9.]*\) s busy CPU)$/\1/p;
                           s/^wrote .*, \([0-9.]*\) s busy CPU$/\1/p' "$WORK/sc-$sc.log" | awk '{ s += $1 } END { print s }')
    total_cpu=$(attr "$WORK/mid-sc.h5" /run/total_busy_cpu_seconds)
    say "requeued twice: total busy CPU $total_cpu s in the file, $starts_cpu s summed over the starts' logs"
    check "requeued twice: total CPU time within 5 % of the sum of the starts" \
        awk -v a="$total_cpu" -v b="$starts_cpu" 'BEGIN { exit !(b > 0 && a > 0.95 * b && a < 1.05 * b) }'
    "$RELUSCAPE" report "$WORK/mid-sc.h5" >"$WORK/sc-report.txt" 2>&1
    check "requeued twice: report shows 2 restarts and core-hours" grep -q "accounting   2 restarts; .* core-hours" \
        "$WORK/sc-report.txt"
fi
wait_job "$tl" 200
check "time-limit job: completes" test $? = 0
check "time-limit job: USR1 from --signal before the limit" grep -q "USR1 at" "$WORK/tl-$tl.log"
check "time-limit job: requeued itself" grep -q "requeued job $tl" "$WORK/tl-$tl.log"
say "time-limit job: $(grep -c 'start [0-9]* on' "$WORK/tl-$tl.log") starts, $(grep -c '^resume: .* already done' \
    "$WORK/tl-$tl.log") from a checkpoint"
wait $ref
check "direct reference run of mid.ini" test $? = 0
check "scancel-stopped, requeued job == direct run (/stats)" same_stats "$WORK/mid-direct.h5" "$WORK/mid-sc.h5"
check "time-limited, requeued job == direct run (/stats)" same_stats "$WORK/mid-direct.h5" "$WORK/mid-tl.h5"
check "no checkpoint left behind" test ! -e "$WORK/mid-sc.h5.ckpt" -a ! -e "$WORK/mid-tl.h5.ckpt"
for j in $sc $tl; do [ -f "$WORK/mid-$([ $j = $sc ] && echo sc || echo tl).h5" ] || showlog "$WORK"/*-$j.log; done

# ------------------------------------------------------------------ shut down
pids="$(cat "$D/slurmd.pid" "$D/slurmctld.pid" "$D/munge/munged.pid" 2>/dev/null | tr '\n' ' ')"
trap - EXIT
cleanup
left_alive=""
for p in $pids; do alive "$p" && left_alive="$left_alive $p"; done
check "daemons stopped (pids $pids)" test -z "$left_alive"
say "total $((SECONDS - T0)) s"
finish
