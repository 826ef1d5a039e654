#!/usr/bin/env bash
# kill -9 of a host (smegd and its wireguard-go): the others drop it from `wg show` within the
# prune bound (3 heartbeats plus a sync round); smegd restarted on it comes back with the same
# key and address, without any command, and pings cross again.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_need_root_tools
E2E_HEARTBEAT=1s
E2E_SYNC=250ms
e2e_world_create restart 3
for h in 1 2 3; do e2e_start "$h"; done
mesh="$(e2e_ctl 1 new-mesh)"
invite="$(e2e_ctl 1 invite -m "$mesh" | tr -d "'")"
e2e_ctl 2 join-mesh --invite "$invite"
e2e_ctl 3 join-mesh --invite "$invite"

wg_peers_are() {
  local ifc; ifc="$(e2e_iface "$1" "$mesh")"
  [ "$(e2e_in "$1" wg show "$ifc" peers | wc -l)" = "$2" ]
}
for h in 1 2 3; do e2e_wait 20 "host $h's WireGuard to hold 2 peers" wg_peers_are "$h" 2; done
key3="$(e2e_ctl 3 status --json | sed -n 's/.*"node": "\(.*\)".*/\1/p')"
addr3="$(e2e_address 3 "$mesh")"
addr1="$(e2e_address 1 "$mesh")"
e2e_wait 15 "ping 1 -> 3" e2e_in 1 ping -6 -c1 -W1 "$addr3"

# Give the images time to be written once with the whole mesh (they are saved when the mesh
# changes, at most every 30 s, and at every join), then crash host 3.
sleep 1
e2e_kill 3
t0=$(date +%s%N)
# The bound: 3 heartbeats (3 s) to be judged, plus the heartbeat that judges and a few sync
# rounds to spread: 6 s. We allow 8 s before calling it a failure.
for h in 1 2; do e2e_wait 8 "host $h to drop host 3 from wg show" wg_peers_are "$h" 1; done
t1=$(date +%s%N)
e2e_log "host 3 dropped from wg show after $(( (t1 - t0) / 1000000 )) ms"

e2e_start 3
key3b="$(e2e_ctl 3 status --json | sed -n 's/.*"node": "\(.*\)".*/\1/p')"
[ "$key3" = "$key3b" ] || { e2e_log "key changed across the restart: $key3 -> $key3b"; exit 1; }
e2e_wait 10 "host 3 to be in the mesh again" e2e_ctl 3 query-mesh -m "$mesh" -q 'nodes'
addr3b="$(e2e_address 3 "$mesh")"
[ "$addr3" = "$addr3b" ] || { e2e_log "address changed: $addr3 -> $addr3b"; exit 1; }
for h in 1 2 3; do e2e_wait 20 "host $h's WireGuard to hold 2 peers again" wg_peers_are "$h" 2; done
e2e_wait 15 "ping 1 -> 3 after the restart" e2e_in 1 ping -6 -c1 -W1 "$addr3"
e2e_wait 15 "ping 3 -> 1 after the restart" e2e_in 3 ping -6 -c1 -W1 "$addr1"
e2e_log "restarted host 3: same key, same address $addr3, pings cross"
echo "PASS"
