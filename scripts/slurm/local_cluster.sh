#!/usr/bin/env bash
# A throw-away one-node SLURM cluster on 127.0.0.1, without systemd, for
# testing sweeps against the real scheduler (tests/slurm/run_slurm_test.sh)
# or trying scripts/sweep submit on a workstation. Needs root.
#
#   bash scripts/slurm/local_cluster.sh install          # apt packages, if missing
#   bash scripts/slurm/local_cluster.sh start WORKDIR    # prints: export SLURM_CONF=WORKDIR/slurm.conf
#   bash scripts/slurm/local_cluster.sh stop WORKDIR     # cancels jobs, stops the daemons it started
#   bash scripts/slurm/local_cluster.sh logs WORKDIR     # tails of the daemon logs
#
# Everything lives in WORKDIR (slurm.conf, state, spool, logs, pid files) and
# uses two free ports, so it does not touch a system SLURM. munged is shared:
# a running one is reused, otherwise it is started as the munge user (and
# stopped again by `stop`).
set -euo pipefail

PACKAGES=(slurmctld slurmd slurm-client munge)

log() { echo "local_cluster: $*" >&2; }
die() {
    echo "local_cluster: error: $*" >&2
    exit 1
}

need_root() { [ "$(id -u)" = 0 ] || die "must run as root (starts slurmctld, slurmd and munged)"; }

# Install the Debian packages that are missing (apt-get update only when needed).
cmd_install() {
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        log "packages present: ${PACKAGES[*]}"
        return 0
    fi
    need_root
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/tcmbp-slurm-apt.log 2>&1; then
        apt-get update >>/tmp/tcmbp-slurm-apt.log 2>&1 || true
        apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/tcmbp-slurm-apt.log 2>&1 ||
            { tail -20 /tmp/tcmbp-slurm-apt.log >&2; die "apt-get install ${missing[*]} failed"; }
    fi
    # The packages' services are not started by policy-rc.d in containers; if
    # they were (a real machine with systemd), leave them alone: we use our own ports.
}

# Two free TCP ports on 127.0.0.1.
free_ports() {
    /usr/bin/python3 - <<'EOF'
import socket
socks = []
for _ in range(2):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
    local work=$1
    if munge_ok; then
        log "munged already running: reused"
        return 0
    fi
    mkdir -p /run/munge /var/lib/munge /var/log/munge /etc/munge
    chown munge:munge /run/munge /var/lib/munge /var/log/munge
    chmod 0755 /run/munge
    if [ ! -s /etc/munge/munge.key ]; then
        if command -v mungekey >/dev/null; then
            mungekey --create --keyfile=/etc/munge/munge.key
        else
            dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
        fi
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid ||
        die "munged did not start (see /var/log/munge/munged.log)"
    for _ in $(seq 50); do
        munge_ok && break
        sleep 0.1
    done
    munge_ok || die "munged started but munge -n | unmunge fails"
    cat /run/munge/munged.pid >"$work/munged.started-by-us"
    log "munged started (pid $(cat /run/munge/munged.pid))"
}

write_conf() {
    local work=$1 host cpus_line mem ctl_port d_port
    host=$(hostname -s)
    # The node line exactly as slurmd sees the hardware (else the node is drained).
    cpus_line=$(slurmd -C | head -1 | sed -e 's/ RealMemory=[0-9]*//' -e 's/^NodeName=[^ ]*//')
    mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
    read -r ctl_port d_port < <(free_ports)
    mkdir -p "$work/state" "$work/spool"
    cat >"$work/slurm.conf" <<EOF
# one-node test cluster written by scripts/slurm/local_cluster.sh
ClusterName=tcmbptest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
SlurmctldPort=$ctl_port
SlurmdPort=$d_port
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
ReturnToService=2
KillWait=10
MinJobAge=120
SlurmdTimeout=60
InactiveLimit=0
NodeName=$host NodeAddr=127.0.0.1$cpus_line RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

wait_idle() {
    local work=$1 deadline=$((SECONDS + 60)) state=""
    while [ $SECONDS -lt $deadline ]; do
        state=$(SLURM_CONF=$work/slurm.conf sinfo -h -n "$(hostname -s)" -o %T 2>/dev/null | head -1 || true)
        case $state in
        idle | mixed | allocated) return 0 ;;
        esac
        sleep 0.5
    done
    cmd_logs "$work"
    die "node $(hostname -s) not idle after 60 s (state '$state')"
}

cmd_start() {
    local work=${1:?usage: local_cluster.sh start WORKDIR}
    need_root
    cmd_install
    mkdir -p "$work"
    work=$(cd "$work" && pwd)
    [ ! -f "$work/slurmctld.pid" ] || ! kill -0 "$(cat "$work/slurmctld.pid")" 2>/dev/null ||
        die "a cluster is already running in $work"
    start_munge "$work"
    write_conf "$work"
    export SLURM_CONF=$work/slurm.conf
    slurmctld -f "$SLURM_CONF" || { cmd_logs "$work"; die "slurmctld did not start"; }
    slurmd -f "$SLURM_CONF" || { cmd_logs "$work"; die "slurmd did not start"; }
    wait_idle "$work"
    log "cluster up: node $(hostname -s), $(grep -o 'CPUs=[0-9]*' "$SLURM_CONF"), conf $SLURM_CONF"
    echo "export SLURM_CONF=$SLURM_CONF"
}

# Stop a daemon by its pid file: TERM, then KILL after 15 s.
stop_pid() {
    local name=$1 pidfile=$2 pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile" 2>/dev/null || true)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 150); do
        kill -0 "$pid" 2>/dev/null || { log "$name (pid $pid) stopped"; return 0; }
        sleep 0.1
    done
    log "$name (pid $pid) ignored SIGTERM for 15 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

cmd_stop() {
    local work=${1:?usage: local_cluster.sh stop WORKDIR}
    [ -d "$work" ] || return 0
    export SLURM_CONF=$work/slurm.conf
    if [ -f "$work/slurmctld.pid" ] && kill -0 "$(cat "$work/slurmctld.pid")" 2>/dev/null; then
        scancel --user="$(id -un)" 2>/dev/null || true
        for _ in $(seq 30); do
            [ -z "$(squeue -h -u "$(id -un)" 2>/dev/null)" ] && break
            sleep 0.5
        done
    fi
    stop_pid slurmd "$work/slurmd.pid"
    stop_pid slurmctld "$work/slurmctld.pid"
    if [ -f "$work/munged.started-by-us" ]; then
        stop_pid munged "$work/munged.started-by-us"
        rm -f "$work/munged.started-by-us"
    fi
}

cmd_logs() {
    local work=${1:?usage: local_cluster.sh logs WORKDIR} f
    for f in "$work/slurmctld.log" "$work/slurmd.log" /var/log/munge/munged.log; do
        [ -f "$f" ] || continue
        echo "----- last 40 lines of $f" >&2
        tail -n 40 "$f" >&2
    done
}

case ${1:-} in
install) cmd_install ;;
start) cmd_start "${2:-}" ;;
stop) cmd_stop "${2:-}" ;;
logs) cmd_logs "${2:-}" ;;
*)
    echo "usage: bash $0 install | start WORKDIR | stop WORKDIR | logs WORKDIR" >&2
    exit 2
    ;;
esac
