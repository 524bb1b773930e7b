#!/usr/bin/env bash
#! A one-node Slurm on this machine, for CI and for trying deploy/slurm/
#! before a real cluster: `local-cluster.sh start DIR` installs Debian's
#! slurm-wlm and munge when they are missing, writes a one-node,
#! cgroup-free, accounting-free slurm.conf and a fresh munge key under DIR,
#! starts munged, slurmctld and slurmd in the foreground of this script's
#! background jobs (so their process ids are known exactly, in DIR/*.pid),
#! and waits until `sinfo` shows the node idle. Every client then needs
#! `export SLURM_CONF=DIR/slurm.conf`. `local-cluster.sh stop DIR` kills
#! exactly those process ids, nothing found by name.
#!
#! Nothing is written outside DIR: not /etc/slurm, not /etc/munge, not the
#! system's munge socket, so a real Slurm or munge on the machine is left
#! alone. Ports: SLURMCTLD_PORT / SLURMD_PORT (default 6817 / 6818).
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$2

# The daemons we start, in start order; stop goes in reverse.
daemons=(munged slurmctld slurmd)

stop() {
    local name pid i
    for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do
        name=${daemons[i]}
        [ -f "$dir/$name.pid" ] || continue
        pid=$(cat "$dir/$name.pid")
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            # Give it 10 s to exit cleanly, then make sure.
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
        fi
        rm -f "$dir/$name.pid"
    done
}

install_if_missing() {
    local missing=()
    command -v munged >/dev/null || missing+=(munge)
    command -v slurmctld >/dev/null || missing+=(slurmctld)
    command -v slurmd >/dev/null || missing+=(slurmd)
    command -v sbatch >/dev/null || missing+=(slurm-client)
    [ ${#missing[@]} -eq 0 ] && return
    echo "local-cluster: installing ${missing[*]} (Debian's slurm-wlm and munge)" >&2
    # The packages' postinst would start the system's munged/slurmd from
    # /etc; this script runs its own from DIR. policy-rc.d exit 101 forbids
    # service starts during the install (Docker images ship one already).
    local policy=/usr/sbin/policy-rc.d made_policy=
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
        made_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    [ -n "$made_policy" ] && rm -f "$policy"
    return 0
}

write_config() {
    local host cpus mem_mb
    host=$(hostname -s)
    cpus=$(nproc)
    # 90% of MemTotal: slurmd drains a node whose real memory is below the
    # configured one, and jobs asking --mem must fit in it.
    mem_mb=$(awk '/^MemTotal:/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
    mkdir -p "$dir"/{state,spool,log,munge}
    chmod 700 "$dir" "$dir/munge"
    cat >"$dir/slurm.conf" <<CONF
# Written by deploy/slurm/local-cluster.sh: one node, no cgroups, no
# accounting, everything under $dir.
ClusterName=meshsim-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=${SLURMCTLD_PORT:-6817}
SlurmdPort=${SLURMD_PORT:-6818}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/state/slurmctld.daemon.pid
SlurmdPidFile=$dir/spool/slurmd.daemon.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    # A fresh key for this cluster only; munged wants it 0400 and owned by
    # the user it runs as.
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$dir/munge/munge.key"
}

# Starts "$@" in the background, records its pid in $dir/<name>.pid.
launch() {
    local name=$1
    shift
    "$@" </dev/null >>"$dir/log/$name.out" 2>&1 &
    echo $! >"$dir/$name.pid"
}

wait_for() {
    local what=$1 seconds=$2
    shift 2
    for _ in $(seq $((seconds * 5))); do
        "$@" >/dev/null 2>&1 && return 0
        for name in "${daemons[@]}"; do
            if [ -f "$dir/$name.pid" ] && ! kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then
                echo "local-cluster: $name exited while waiting for $what; its log:" >&2
                tail -n 30 "$dir/log/$name".* >&2 || true
                stop
                exit 1
            fi
        done
        sleep 0.2
    done
    echo "local-cluster: $what not reached in ${seconds}s; logs under $dir/log" >&2
    tail -n 30 "$dir"/log/* >&2 || true
    stop
    exit 1
}

node_idle() {
    [ "$(sinfo --noheader --nodes="$(hostname -s)" --format=%T 2>/dev/null)" = idle ]
}

start() {
    for name in "${daemons[@]}"; do
        if [ -f "$dir/$name.pid" ] && kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then
            echo "local-cluster: $name already runs from $dir (pid $(cat "$dir/$name.pid")); stop it first" >&2
            exit 1
        fi
    done
    install_if_missing
    write_config
    export SLURM_CONF=$dir/slurm.conf
    # --force: munged refuses to run as root or under a world-writable
    # /tmp without it; the key and socket directory are 0700 here.
    launch munged munged --foreground --force \
        --key-file="$dir/munge/munge.key" \
        --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/munge/munged.pid" \
        --seed-file="$dir/munge/munged.seed" \
        --log-file="$dir/log/munged.log"
    wait_for "munged's socket" 20 test -S "$dir/munge/munge.socket"
    launch slurmctld slurmctld -D -i -f "$dir/slurm.conf"
    launch slurmd slurmd -D -f "$dir/slurm.conf"
    wait_for "an idle node in sinfo" 60 node_idle
    echo "local-cluster: up; export SLURM_CONF=$dir/slurm.conf" >&2
}

case $cmd in
start) start ;;
stop) stop ;;
*) usage ;;
esac
