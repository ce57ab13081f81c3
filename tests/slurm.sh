#!/bin/bash
# slurm.sh - the jobs/ scripts on a private single-node SLURM cluster (bash: /dev/tcp port
# probes, arithmetic, traps).  Starts munged (private socket), slurmctld and slurmd in a
# temp dir (the recipe is the script itself), then checks with h5diff of /stats:
#   sweep.sbatch == direct mpiexec run; `reluscape plan --sbatch`'s script == the same;
#   submit-sweep.sh (array of 3 shards + merge) == one run; bad input gives exit 2 and no
#   requeue; a job stopped by `scancel -b -s USR1` (the path the time limit takes)
#   checkpoints, requeues and resumes to identical /stats; and so does a job that meets a
#   real time limit (--time=1 --signal=B:USR1@25).
# The daemons are stopped by the PIDs in their pid files on every exit.  Skips (77) unless
# root with munged, slurmctld, slurmd and sbatch installed; with CI=true missing packages
# are a failure.  About 2 minutes on 2 cores, bounded by a 280 s deadline.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-.}/tests/lib.sh"
top_srcdir=$(cd "$top_srcdir" && pwd)
RELUSCAPE=$(cd "$top_builddir" && pwd)/reluscape
export RELUSCAPE
T0=$SECONDS
END=$((SECONDS + 280))
say() { echo "# [$((SECONDS - T0)) s] $*"; }

# ------------------------------------------------------------------ prerequisites
[ "$(id -u)" = 0 ] || skip "needs root (the cluster's daemons run as root and munge)"
missing=""
for p in /usr/sbin/munged /usr/sbin/slurmctld /usr/sbin/slurmd sbatch scontrol squeue sinfo scancel srun; do
    command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
done
id munge >/dev/null 2>&1 || missing="$missing user:munge"
if [ -n "$missing" ]; then
    if [ "${CI:-}" = true ]; then
        bad "CI=true but missing:$missing (apt-get install --no-install-recommends slurm-wlm munge)"
        finish
    fi
    skip "missing:$missing (Debian: apt-get install --no-install-recommends slurm-wlm munge)"
fi
H5DUMP=$(dirname "$(command -v "$H5DIFF")")/h5dump

# ------------------------------------------------------------------ the private cluster
D=$WORK/slurm
CONF=$D/slurm.conf
mkdir -p "$D/state" "$D/spool" "$D/log" "$D/munge" "$D/tmp"
chmod 755 "$WORK" "$D"                  # munged (user munge) must reach its socket dir
chown munge:munge "$D/munge"

# a live process (a zombie waiting for init to reap it is gone)
alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
# kill a daemon by the PID in its pid file, only if that process is ours (its command
# line names our directory or config); SIGKILL after 10 s
stop_pid() {
    local f=$1 p i
    [ -s "$f" ] || return 0
    p=$(cat "$f")
    case $p in '' | *[!0-9]*) return 0 ;; esac
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF "$D" || return 0
    kill "$p" 2>/dev/null
    for i in $(seq 50); do alive "$p" || return 0; sleep 0.2; done
    kill -9 "$p" 2>/dev/null
}
cleanup() {
    if [ -s "$D/slurmctld.pid" ]; then  # cancel what is left, give the steps a moment
        ids=$(squeue -h -o %A 2>/dev/null | sort -u)
        [ -n "$ids" ] && scancel $ids 2>/dev/null
        for i in $(seq 25); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.2; done
    fi
    stop_pid "$D/slurmd.pid"
    stop_pid "$D/slurmctld.pid"
    stop_pid "$D/munge/munged.pid"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# munge: a private daemon (own socket, pid, log and seed files), so a munged already
# running (or another test's) is never touched; the system key, or a private one if none
key=/etc/munge/munge.key
if [ ! -s "$key" ]; then
    key=$D/munge/munge.key
    dd if=/dev/urandom of="$key" bs=1024 count=1 2>/dev/null
    chown munge:munge "$key"
    chmod 400 "$key"
fi
runuser -u munge -- /usr/sbin/munged --socket="$D/munge/munge.socket" --pid-file="$D/munge/munged.pid" \
    --log-file="$D/munge/munged.log" --seed-file="$D/munge/munged.seed" --key-file="$key" ||
    { cat "$D/munge/munged.log" 2>/dev/null; bad "munged did not start"; finish; }

# two free TCP ports (nothing answers on them)
port_free() { ! (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
base=$((20000 + ($$ * 7) % 20000))
for i in $(seq 0 2 200); do
    p1=$((base + i)) p2=$((base + i + 1))
    port_free $p1 && port_free $p2 && break
done
ncpu=$(nproc)
[ "$ncpu" -ge 2 ] || ncpu=2             # two-task jobs need two CPUs (config_overrides below)
mem=$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
cat >"$CONF" <<EOF
ClusterName=rstest$$
SlurmctldHost=localhost
SlurmctldPort=$p1
SlurmdPort=$p2
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# private munged; cred_expire also delays a requeued job's restart (default 120 s)
AuthInfo=socket=$D/munge/munge.socket,cred_expire=10
MpiDefault=pmix
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,sched_interval=1,bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
# job ids and PMIx temp dirs of their own: concurrent test clusters (job 8.0 in both) collide
FirstJobId=$(( ($$ % 9000 + 1000) * 1000 ))
TmpFS=$D/tmp
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$ncpu RealMemory=${mem:-1000} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$CONF                 # clients, and the jobs (they inherit the environment)
slurmctld -f "$CONF" && slurmd -f "$CONF" -N localhost ||
    { tail -20 "$D"/log/*.log; bad "slurmctld/slurmd did not start"; finish; }
up=""
for i in $(seq 100); do                 # up to 20 s
    up=$(sinfo -h -o %T 2>/dev/null)
    [ "$up" = idle ] && break
    sleep 0.2
done
if [ "$up" != idle ]; then
    tail -20 "$D"/log/*.log
    bad "private cluster not up (sinfo: '$up')"
    finish
fi
ok "private cluster up (ports $p1/$p2, $ncpu CPUs) in $((SECONDS - T0)) s"

# ------------------------------------------------------------------ helpers
JOBS=$top_srcdir/jobs
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
showlog() { sed 's/^/#   | /' "$1" 2>/dev/null; }

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
check "sweep.sbatch job $jid exits 0" test "$rc" = 0
check "sweep.sbatch == direct mpiexec (/stats)" same_stats "$WORK/small-direct.h5" "$WORK/small-sweep.h5"
if [ -x "$H5DUMP" ]; then
    check "the output records slurm_job_id $jid" test "$(attr "$WORK/small-sweep.h5" slurm_job_id)" = "$jid"
    check "... and ran on 2 ranks" test "$(attr "$WORK/small-sweep.h5" ranks)" = 2
fi
[ "$rc" = 0 ] || showlog "$WORK/sweep-$jid.log"

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

# 4. job array of 3 shards + merge (submit-sweep.sh)
say "submit-sweep.sh: array of 3 + merge"
sh "$JOBS/submit-sweep.sh" "$WORK/small.ini" 3 "$WORK/small-array.h5" --ntasks=1 -D "$WORK" \
    -o "$WORK/array-%A_%a.log" >"$WORK/submit.out" 2>&1
check "submit-sweep.sh exits 0" test $? = 0
aid=$(sed -n 's/^array //p' "$WORK/submit.out")
mid=$(sed -n 's/^merge //p' "$WORK/submit.out")
check "submit-sweep.sh prints both job ids ($aid, $mid)" test -n "$aid" -a -n "$mid"
wait_job "$mid" 90
check "array and merge jobs complete" test $? = 0
check "array task logs name their shards" grep -q "shard 2/3" "$WORK/array-${aid}_2.log"
check "array + merge == one run (/stats)" same_stats "$WORK/small-direct.h5" "$WORK/small-array.h5"
[ -x "$H5DUMP" ] && check "part 1 records shard_index 1" \
    test "$(attr "$WORK/small-array.part-1-of-3.h5" shard_index)" = 1
[ -f "$WORK/small-array.h5" ] || { showlog "$WORK/submit.out"; for f in "$WORK"/array-*.log "$WORK"/small-array.h5.log; do showlog "$f"; done; }

# ------------------------------------------------------------------ stop and resume
# a config of about 40 core-seconds (sized with `reluscape plan`): long enough that a
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
trials=$(awk -v c="${cs:-2}" 'BEGIN { t = int(200 * 40 / c); if (t < 200) t = 200; if (t > 20000) t = 20000; print t - t % 10 }')
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
( mpirun 2 "$RELUSCAPE" -q run "$WORK/mid.ini" -o "$WORK/mid-direct.h5" ) &
ref=$!
# USR1 to the batch shell only (-b), as --signal=B:USR1 does, once the sweep is under way
sent=""
while [ $SECONDS -lt $END ]; do
    if grep -q '^progress:' "$WORK/sc-$sc.log" 2>/dev/null; then
        scancel -b -s USR1 "$sc" && sent=1
        break
    fi
    sleep 0.3
done
check "scancel -b -s USR1 $sc sent while the sweep runs" test -n "$sent"
wait_job "$sc" 180
check "scancel job: completes after the requeue" test $? = 0
check "scancel job: the script forwarded USR1" grep -q "USR1 at" "$WORK/sc-$sc.log"
check "scancel job: reluscape wrote a checkpoint and exited 3" grep -q "^checkpoint: .* written to" "$WORK/sc-$sc.log"
check "scancel job: requeued itself" grep -q "requeued job $sc" "$WORK/sc-$sc.log"
check "scancel job: the second start resumed from the checkpoint" grep -q "^resume: .* already done" "$WORK/sc-$sc.log"
check "scancel job: Restarts >= 1" test "$(job_field "$sc" Restarts)" -ge 1
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
