#!/usr/bin/env bash
# Two exits advertise ::/0. Every other host routes ::/0 to the exit the consistent hash picks
# for it (its WireGuard holds ::/0 on that exit's peer); stopping one exit moves only the hosts
# that had picked it.
#   hosts 1, 2: exits;  hosts 3..6: the hosts that use them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_need_root_tools
E2E_HEARTBEAT=1s
E2E_SYNC=250ms
e2e_world_create exits 6
for h in 1 2 3 4 5 6; do e2e_start "$h"; done
mesh="$(e2e_ctl 1 new-mesh --defaults)"
invite="$(e2e_ctl 1 invite -m "$mesh" | tr -d "'")"
e2e_ctl 2 join-mesh --invite "$invite" --defaults
for h in 3 4 5 6; do e2e_ctl "$h" join-mesh --invite "$invite"; done

key_of() { e2e_ctl "$1" status --json | sed -n 's/.*"node": "\(.*\)".*/\1/p'; }
exit1="$(key_of 1)"; exit2="$(key_of 2)"
via() { e2e_ctl "$1" query-mesh -m "$mesh" -q "routes[?prefix=='::/0'].via | [0]" | tr -d '"'; }
wg_default_on() { # H: the key whose allowed IPs hold ::/0 in host H's WireGuard
  local ifc; ifc="$(e2e_iface "$1" "$mesh")"
  e2e_in "$1" wg show "$ifc" allowed-ips | awk '$0 ~ /::\/0/ {print $1}'
}
agrees() { # H: the selected exit is one of the two and WireGuard routes ::/0 to it
  local v; v="$(via "$1")"
  { [ "$v" = "$exit1" ] || [ "$v" = "$exit2" ]; } && [ "$(wg_default_on "$1")" = "$v" ]
}
# Choices are final once every host knows both exits: wait for the whole view first.
all_seen() { [ "$(e2e_ctl "$1" query-mesh -m "$mesh" -q 'length(nodes[?alive])')" = 6 ]; }
for h in 1 2 3 4 5 6; do e2e_wait 30 "host $h to see all 6 members" all_seen "$h"; done
declare -A chose
for h in 3 4 5 6; do
  e2e_wait 30 "host $h to route ::/0 to an exit" agrees "$h"
  chose[$h]="$(via "$h")"
  e2e_log "host $h uses exit $( [ "${chose[$h]}" = "$exit1" ] && echo 1 || echo 2 )"
done

e2e_kill 2
e2e_log "exit 2 stopped"
moved_ok() { # H: a host that chose exit 2 now uses exit 1
  [ "$(via "$1")" = "$exit1" ] && [ "$(wg_default_on "$1")" = "$exit1" ]
}
for h in 3 4 5 6; do
  if [ "${chose[$h]}" = "$exit2" ]; then
    e2e_wait 20 "host $h to move to exit 1" moved_ok "$h"
  fi
done
for h in 3 4 5 6; do
  if [ "${chose[$h]}" = "$exit1" ]; then
    [ "$(via "$h")" = "$exit1" ] && [ "$(wg_default_on "$h")" = "$exit1" ] ||
      { e2e_log "host $h moved although its exit stayed"; exit 1; }
  fi
done
e2e_log "only the hosts of exit 2 moved"
echo "PASS"
