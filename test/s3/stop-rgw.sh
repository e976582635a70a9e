#!/usr/bin/env bash
# Stop a gateway started by start-rgw.sh and remove its directory.
#
#   test/s3/stop-rgw.sh WORKDIR [--keep]
#
# Signals only the pids start-rgw.sh recorded in WORKDIR/pids, and only while such a pid
# still runs a daemon started with WORKDIR's ceph.conf (a recycled pid is left alone).
# --keep leaves the directory (logs) in place.
set -uo pipefail

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  echo "usage: stop-rgw.sh WORKDIR [--keep]" >&2
  exit 2
fi
dir=$(cd "$1" && pwd)
keep=${2:-}

ours() {
  local pid=$1
  [ -r "/proc/$pid/cmdline" ] && tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF "$dir/ceph.conf"
}

pids=()
if [ -f "$dir/pids" ]; then
  while read -r pid; do
    [[ "$pid" =~ ^[0-9]+$ ]] && ours "$pid" && pids+=("$pid")
  done <"$dir/pids"
fi

# SIGKILL, not SIGTERM: the data is throwaway, and a daemon shutting down gracefully keeps
# waiting for a monitor that is already gone (radosgw took > 5 s that way).
for pid in "${pids[@]}"; do
  kill -KILL "$pid" 2>/dev/null || true
done
for _ in $(seq 1 50); do
  alive=0
  for pid in "${pids[@]}"; do ours "$pid" && alive=1; done
  [ "$alive" -eq 0 ] && break
  sleep 0.1
done

# Only a directory start-rgw.sh made its own is removed.
if [ "$keep" != --keep ] && [ -f "$dir/pids" ] && [ -f "$dir/ceph.conf" ]; then
  rm -rf "$dir"
fi
