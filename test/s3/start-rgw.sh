#!/usr/bin/env bash
# Start a throwaway single-node Ceph cluster with a RADOS Gateway on 127.0.0.1, for tests.
#
#   test/s3/start-rgw.sh [WORKDIR]
#
# Everything (config, monitor store, logs, sockets, pids) lives under WORKDIR (a new temp
# dir when omitted); OSD data lives in RAM (memstore). On success the last lines on stdout
# are KEY=VALUE pairs (RGW_ENDPOINT, RGW_ACCESS_KEY, RGW_SECRET_KEY, RGW_REGION, RGW_DIR,
# RGW_STARTUP_MS); stop with test/s3/stop-rgw.sh WORKDIR. On failure: non-zero exit, the
# tail of the failing daemon's log on stderr, and whatever was started is stopped again.
#
# Needs: apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw
set -euo pipefail

# Fixed TEST credentials: not secrets, they only open this loopback gateway.
ACCESS_KEY=RAPTRTESTACCESSKEY01
SECRET_KEY=raptr-test-secret-key-not-a-secret-0000001
TIMEOUT_S=${RGW_START_TIMEOUT:-60}

start_ns=$(date +%s%N)
here=$(cd "$(dirname "$0")" && pwd)

for tool in monmaptool ceph-mon ceph-osd ceph radosgw radosgw-admin curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "start-rgw: '$tool' not found; install: apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw curl" >&2
    exit 2
  fi
done

if [ $# -ge 1 ]; then
  dir=$1
  mkdir -p "$dir"
else
  dir=$(mktemp -d "${TMPDIR:-/tmp}/raptr-rgw-XXXXXX")
fi
dir=$(cd "$dir" && pwd)
: >"$dir/pids"

fail() {
  echo "start-rgw: $1" >&2
  for log in "${@:2}"; do
    if [ -f "$log" ]; then
      echo "---- last lines of $log" >&2
      tail -n 30 "$log" >&2
    fi
  done
  "$here/stop-rgw.sh" "$dir" --keep >/dev/null 2>&1 || true
  echo "start-rgw: logs kept in $dir" >&2
  exit 1
}

# A port the kernel just handed out is free; ceph's own python is always installed with it.
py=$(command -v /usr/bin/python3 || command -v python3)
free_port() {
  "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
mon_port=$(free_port)
rgw_port=$(free_port)
while [ "$rgw_port" = "$mon_port" ]; do rgw_port=$(free_port); done

fsid=$(uuidgen)
conf=$dir/ceph.conf
# Each non-obvious setting below fixed a real failure on a single loopback node.
cat >"$conf" <<CONF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$mon_port
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr2 = false
auth cluster required = none
auth service required = none
auth client required = none
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
keyring = $dir/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon data avail crit = 0
mon data avail warn = 0
paxos propose interval = 0.01
client mount timeout = 20
rados mon op timeout = 20
rados osd op timeout = 20

[mon]
mon data = $dir/mon/\$cluster-\$id

[osd]
osd data = $dir/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = 2147483648
osd crush update on start = false
osd class update on start = false
osd max object name len = 460
osd max object namespace len = 64

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
rgw dns name = 127.0.0.1
rgw enable usage log = false
rgw init timeout = $TIMEOUT_S
CONF
mkdir -p "$dir/run" "$dir/log" "$dir/mon" "$dir/osd/ceph-0" "$dir/rgw"
export CEPH_CONF=$conf

deadline=$(( $(date +%s) + TIMEOUT_S ))
remaining() { echo $(( deadline - $(date +%s) )); }
# `timeout 0` would mean no limit at all.
cli_limit() { local r; r=$(remaining); [ "$r" -gt 0 ] && echo "$r" || echo 1; }

# Daemons run in the foreground of a background job (so $! is the daemon itself) with
# their output in files: a caller reading our stdout must not wait for their pipes.
run_daemon() {
  local name=$1; shift
  "$@" >"$dir/log/$name.out" 2>&1 </dev/null &
  echo "$!" >>"$dir/pids"
  disown "$!"
}

# --- monitor
monmaptool --create --clobber --fsid "$fsid" --addv a "[v1:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null \
  || fail "monmaptool failed"
ceph-mon --mkfs -i a --monmap "$dir/monmap" >"$dir/log/mon-mkfs.out" 2>&1 \
  || fail "ceph-mon --mkfs failed" "$dir/log/mon-mkfs.out"
run_daemon mon.a ceph-mon -c "$conf" -f -i a
ceph_cli() { timeout "$(cli_limit)" ceph --connect-timeout 10 "$@"; }
ceph_cli osd ls >/dev/null 2>"$dir/log/cli.err" \
  || fail "monitor did not answer on 127.0.0.1:$mon_port within ${TIMEOUT_S}s" "$dir/log/cli.err" "$dir/log/mon.a.log" "$dir/log/mon.a.out"

# --- one OSD; added to the CRUSH map by us because its own boot-time update fails here
osd_uuid=$(uuidgen)
osd_id=$(ceph_cli osd create "$osd_uuid" 2>>"$dir/log/cli.err") || fail "ceph osd create failed" "$dir/log/cli.err"
[ "$osd_id" = 0 ] || fail "expected osd id 0, got '$osd_id'"
ceph-osd -i 0 --mkfs --osd-uuid "$osd_uuid" >"$dir/log/osd-mkfs.out" 2>&1 \
  || fail "ceph-osd --mkfs failed" "$dir/log/osd-mkfs.out" "$dir/log/osd.0.log"
ceph_cli osd crush add osd.0 1.0 root=default host=localhost >/dev/null 2>>"$dir/log/cli.err" \
  || fail "ceph osd crush add failed" "$dir/log/cli.err"
run_daemon osd.0 ceph-osd -c "$conf" -f -i 0

# --- the pools radosgw would otherwise create lazily (each costing seconds on first use);
# one CLI process for all of them, since each CLI start costs ~0.3 s.
pools=(.rgw.root default.rgw.log default.rgw.control default.rgw.meta
  default.rgw.buckets.index default.rgw.buckets.data default.rgw.buckets.non-ec)
{
  for p in "${pools[@]}"; do
    echo "osd pool create $p 8 8"
    echo "osd pool application enable $p rgw"
  done
} | ceph_cli >"$dir/log/pools.out" 2>&1 || fail "creating rgw pools failed or took over ${TIMEOUT_S}s" "$dir/log/pools.out"

# Wait for the OSD to be up (PG states are only reported through a manager daemon, which
# this cluster does not run; `ceph pg stat` would hang).
until ceph_cli osd dump 2>/dev/null | grep -q '^osd\.0 up '; do
  if [ "$(remaining)" -le 0 ]; then
    fail "osd.0 not up within ${TIMEOUT_S}s" "$dir/log/osd.0.log" "$dir/log/osd.0.out"
  fi
  sleep 0.2
done

# --- gateway
run_daemon rgw.a radosgw -c "$conf" -f -n client.rgw.a
until curl -s -o /dev/null "http://127.0.0.1:$rgw_port/"; do
  if [ "$(remaining)" -le 0 ]; then
    fail "radosgw did not answer on 127.0.0.1:$rgw_port within ${TIMEOUT_S}s" "$dir/log/client.rgw.a.log" "$dir/log/rgw.a.out"
  fi
  sleep 0.1
done

# --- S3 user (retry: the gateway may still be initialising its zone)
until radosgw-admin user create --uid raptr-test --display-name "raptr test" \
  --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" >"$dir/log/user.out" 2>&1; do
  if [ "$(remaining)" -le 0 ]; then
    fail "radosgw-admin user create failed within ${TIMEOUT_S}s" "$dir/log/user.out"
  fi
  sleep 0.2
done

elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
echo "RGW_ENDPOINT=http://127.0.0.1:$rgw_port"
echo "RGW_ACCESS_KEY=$ACCESS_KEY"
echo "RGW_SECRET_KEY=$SECRET_KEY"
echo "RGW_REGION=us-east-1"
echo "RGW_DIR=$dir"
echo "RGW_STARTUP_MS=$elapsed_ms"
