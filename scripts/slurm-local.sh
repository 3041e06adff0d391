#!/usr/bin/env bash
# Start a single-node Slurm on this machine (munge, slurmctld, slurmd on localhost) for the Slurm
# array test: `bash scripts/slurm-local.sh` (as root; Debian packages slurm-wlm and munge).
# Idempotent: a running cluster is left as it is. `sinfo` shows it; `scripts/slurm-local.sh stop` stops it.
set -euo pipefail
CONF=/etc/slurm/slurm.conf
if [ "${1:-}" = stop ]; then
  pkill -x slurmd || true; pkill -x slurmctld || true; pkill -x munged || true
  exit 0
fi
command -v slurmctld >/dev/null || { echo "slurm-local: slurmctld not found (apt-get install slurm-wlm munge)"; exit 1; }
if sinfo -h >/dev/null 2>&1 && pgrep -x slurmd >/dev/null; then echo "slurm-local: already running"; exit 0; fi
HOST=$(hostname -s)
CPUS=$(nproc)
MEM=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 8 / 10 ))
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /var/lib/munge /var/log/munge
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown -R root:root /etc/munge /run/munge /var/lib/munge /var/log/munge # munged runs as root here
chmod 0400 /etc/munge/munge.key
cat > "$CONF" <<CONF
ClusterName=local
SlurmctldHost=${HOST}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SlurmctldTimeout=30
SlurmdTimeout=30
DefMemPerCPU=2048
NodeName=${HOST} NodeAddr=127.0.0.1 CPUs=${CPUS} RealMemory=${MEM} State=UNKNOWN
PartitionName=local Nodes=${HOST} Default=YES MaxTime=INFINITE State=UP
CONF
pgrep -x munged >/dev/null || munged --force
slurmctld
slurmd
for i in $(seq 1 30); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "slurm-local: node ${HOST} up (${CPUS} CPUs, ${MEM} MB)"; exit 0
  fi
  sleep 1
done
echo "slurm-local: the node did not come up; /var/log/slurm:"; tail -n 20 /var/log/slurm/*.log; exit 1
