#!/bin/bash
# private-slurm.sh - a private single-node SLURM cluster for trying the job scripts (and for
# tests/slurm.sh): munged on its own socket, slurmctld and slurmd on two free ports, all
# state, logs and the config in one directory; nothing of a system SLURM or munge is used
# or touched.  (bash: /dev/tcp port probes.)
#
#   jobs/private-slurm.sh start DIR [CPUS]   start it; prints the line to put in your shell:
#                                            export SLURM_CONF=DIR/slurm.conf
#   jobs/private-slurm.sh stop DIR           cancel its jobs and stop its daemons
#   jobs/private-slurm.sh status DIR         sinfo of the cluster (exit 1 if it is not up)
#
# e.g.  sudo jobs/private-slurm.sh start /tmp/myslurm && export SLURM_CONF=/tmp/myslurm/slurm.conf
#       sbatch --wait jobs/sweep.sbatch jobs/configs/default.ini out.h5 ... ; jobs/private-slurm.sh stop /tmp/myslurm
#
# Needs root (the daemons run as root, munged as user munge; every directory above DIR
# must be searchable by munge) and the Debian packages slurm-wlm and munge
# (apt-get install --no-install-recommends slurm-wlm munge).  The node has CPUS CPUs
# (default: nproc, at least 2) and one partition "debug" without a time limit.  A requeued
# job may restart after 10 s (cred_expire=10; the default is 120 s).  Mail is not sent.
# The daemons are stopped by the PIDs in their pid files, only if their command lines name
# DIR.  Exit status: 0 ok, 1 a daemon did not start (the logs' tails are printed), 2 bad
# usage, 4 cannot start (not root, programs missing).
set -u
me=private-slurm.sh
usage="usage: $0 start DIR [CPUS] | stop DIR | status DIR"
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
cmd=$1
case $2 in /*) D=$2 ;; *) D=$(pwd)/$2 ;; esac
CONF=$D/slurm.conf

# a live process (a zombie waiting for init to reap it is gone)
alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
# kill a daemon by the PID in its pid file, only if its command line names D; SIGKILL after 10 s
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

stop() {
    if [ -s "$D/slurmctld.pid" ] && [ -f "$CONF" ]; then  # cancel what is left, give the steps a moment
        ids=$(SLURM_CONF=$CONF squeue -h -o %A 2>/dev/null | sort -u)
        [ -n "$ids" ] && SLURM_CONF=$CONF scancel $ids 2>/dev/null
        for i in $(seq 25); do [ -z "$(SLURM_CONF=$CONF squeue -h 2>/dev/null)" ] && break; sleep 0.2; done
    fi
    stop_pid "$D/slurmd.pid"
    stop_pid "$D/slurmctld.pid"
    stop_pid "$D/munge/munged.pid"
    return 0
}

start() {
    local ncpu=${1:-$(nproc)} missing="" p i
    [ "$(id -u)" = 0 ] || { echo "$me: needs root (the daemons run as root, munged as user munge)" >&2; exit 4; }
    for p in /usr/sbin/munged /usr/sbin/slurmctld /usr/sbin/slurmd sbatch scontrol squeue sinfo scancel srun; do
        command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
    done
    id munge >/dev/null 2>&1 || missing="$missing user:munge"
    if [ -n "$missing" ]; then
        echo "$me: missing:$missing (Debian: apt-get install --no-install-recommends slurm-wlm munge)" >&2
        exit 4
    fi
    case $ncpu in '' | *[!0-9]*) echo "$me: CPUS must be a number (got '$ncpu')" >&2; exit 2 ;; esac
    [ "$ncpu" -ge 2 ] || ncpu=2             # two-task jobs need two CPUs (config_overrides below)
    if [ -s "$D/slurmctld.pid" ] && alive "$(cat "$D/slurmctld.pid")"; then
        echo "$me: a cluster already runs in $D: $0 stop $D first" >&2
        exit 2
    fi
    mkdir -p "$D/state" "$D/spool" "$D/log" "$D/munge" "$D/tmp" || exit 1
    chmod 755 "$D"                          # munged (user munge) must reach its socket dir
    chown munge:munge "$D/munge"

    # munge: the system key, or a private one if none
    local key=/etc/munge/munge.key
    if [ ! -s "$key" ]; then
        key=$D/munge/munge.key
        [ -s "$key" ] || dd if=/dev/urandom of="$key" bs=1024 count=1 2>/dev/null
        chown munge:munge "$key"
        chmod 400 "$key"
    fi
    runuser -u munge -- /usr/sbin/munged --socket="$D/munge/munge.socket" --pid-file="$D/munge/munged.pid" \
        --log-file="$D/munge/munged.log" --seed-file="$D/munge/munged.seed" --key-file="$key" ||
        { cat "$D/munge/munged.log" 2>/dev/null; echo "$me: munged did not start" >&2; exit 1; }

    # two free TCP ports (nothing answers on them)
    port_free() { ! (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
    local base=$((20000 + ($$ * 7) % 20000)) p1 p2
    for i in $(seq 0 2 200); do
        p1=$((base + i)) p2=$((base + i + 1))
        port_free $p1 && port_free $p2 && break
    done
    local mem
    mem=$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
    cat >"$CONF" <<EOF
# written by jobs/private-slurm.sh: a private single-node cluster in $D
ClusterName=rsprivate$$
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
# job ids and PMIx temp dirs of their own: concurrent private clusters (job 8.0 in both) collide
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
    if ! { slurmctld -f "$CONF" && slurmd -f "$CONF" -N localhost; }; then
        tail -20 "$D"/log/*.log
        echo "$me: slurmctld/slurmd did not start" >&2
        stop
        exit 1
    fi
    local up=""
    for i in $(seq 100); do                 # up to 20 s
        up=$(SLURM_CONF=$CONF sinfo -h -o %T 2>/dev/null)
        [ "$up" = idle ] && break
        sleep 0.2
    done
    if [ "$up" != idle ]; then
        tail -20 "$D"/log/*.log
        echo "$me: the cluster is not up (sinfo: '$up')" >&2
        stop
        exit 1
    fi
    echo "# private SLURM up: 1 node, $ncpu CPUs, ports $p1/$p2; stop it with: $0 stop $D"
    echo "export SLURM_CONF=$CONF"
}

case $cmd in
start) start "${3:-}" ;;
stop) stop ;;
status) [ -f "$CONF" ] && SLURM_CONF=$CONF sinfo ;;
*) echo "$usage" >&2; exit 2 ;;
esac
