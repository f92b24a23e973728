#!/usr/bin/env bash
# A throw-away single-node Slurm on the loopback address, for tests: `slurm-local.sh up` installs
# slurm-wlm and munge when missing (apt-get), writes a minimal slurm.conf into $DPOP_SLURM_DIR
# (default /tmp/dpop-slurm), starts munged, slurmctld and slurmd and waits for the node to be idle;
# `slurm-local.sh down` cancels every job and stops the daemons it started. Needs root.
# Every client needs `export SLURM_CONF=$DPOP_SLURM_DIR/slurm.conf` (`slurm-local.sh env` prints it);
# the system's /etc/slurm is not touched. Running `up` twice, or `up` after a killed run, works:
# it first stops whatever an earlier run left behind.
set -euo pipefail

DIR=${DPOP_SLURM_DIR:-/tmp/dpop-slurm}
CONF=$DIR/slurm.conf
export SLURM_CONF=$CONF
NODE=$(hostname -s)
CTLD_PORT=${DPOP_SLURM_PORT:-16817}
SLURMD_PORT=$((CTLD_PORT + 1))

say() { printf 'slurm-local: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null \
        && command -v munged >/dev/null; then
        return
    fi
    say "installing slurm-wlm and munge (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get -o DPkg::Lock::Timeout=120 update -qq
    timeout 600 apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
}

munge_works() { command -v munge >/dev/null && munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
    if munge_works; then say "munged already running"; return; fi
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
    if [ ! -s /etc/munge/munge.key ]; then
        if command -v mungekey >/dev/null; then
            runuser -u munge -- mungekey --create --keyfile=/etc/munge/munge.key
        else
            create-munge-key -f
        fi
    fi
    chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
    runuser -u munge -- /usr/sbin/munged
    for _ in $(seq 50); do munge_works && { touch "$DIR/.started-munge"; return; }; sleep 0.2; done
    die "munged did not start"
}

write_config() {
    local cpus mem
    cpus=$(nproc)
    mem=$(awk '/MemTotal/ { m = int($2 / 1024 * 0.9); print (m > 100000 ? 100000 : m) }' /proc/meminfo)
    mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log"
    cat >"$CONF" <<EOF
# Written by scripts/slurm-local.sh: one node, loopback only, accounting off.
ClusterName=dpop
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MailProg=/bin/true
ReturnToService=2
MpiDefault=none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

pid_of() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && cat "$1"; }

stop_slurm() {
    if [ -f "$CONF" ] && pid_of "$DIR/slurmctld.pid" >/dev/null; then
        timeout 20 scancel --full --quiet --user=root 2>/dev/null || true
        for _ in $(seq 50); do
            [ -z "$(timeout 5 squeue -h -o %i 2>/dev/null)" ] && break
            sleep 0.2
        done
        timeout 20 scontrol shutdown >/dev/null 2>&1 || true
    fi
    local f pid
    for f in "$DIR/slurmd.pid" "$DIR/slurmctld.pid"; do
        pid=$(pid_of "$f") || continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        if kill -0 "$pid" 2>/dev/null; then say "killing ${f##*/} $pid"; kill -9 "$pid" 2>/dev/null || true; fi
    done
    rm -f "$DIR/slurmd.pid" "$DIR/slurmctld.pid"
}

stop_munge() {
    [ -f "$DIR/.started-munge" ] || return 0
    rm -f "$DIR/.started-munge"
    runuser -u munge -- /usr/sbin/munged --stop >/dev/null 2>&1 || true
}

up() {
    [ "$(id -u)" = 0 ] || die "needs root (slurmd runs jobs as their users)"
    install_packages
    mkdir -p "$DIR"
    stop_slurm
    rm -rf "$DIR/state" "$DIR/spool" "$DIR/log"
    write_config
    start_munge
    slurmctld -c -i || die "slurmctld did not start; see $DIR/log/slurmctld.log"
    slurmd || die "slurmd did not start; see $DIR/log/slurmd.log"
    local state=""
    for _ in $(seq 150); do
        state=$(timeout 5 sinfo -h -n "$NODE" -o %t 2>/dev/null || true)
        case $state in idle*) say "node $NODE idle ($(nproc) CPUs, config $CONF)"; return ;; esac
        case $state in down*|drain*|inval*) timeout 5 scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true ;; esac
        sleep 0.2
    done
    tail -n 20 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 || true
    die "node $NODE is not idle after 30 s (state: '${state:-none}')"
}

down() {
    stop_slurm
    stop_munge
    say "stopped"
}

case ${1:-} in
    up) up ;;
    down) down ;;
    env) echo "export SLURM_CONF=$CONF" ;;
    *) echo "usage: $0 up|down|env" >&2; exit 2 ;;
esac
