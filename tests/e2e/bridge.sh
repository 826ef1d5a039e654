#!/usr/bin/env bash
# Two meshes joined by a bridge host: a host of mesh A pings a host of mesh B through it.
#   mesh A: hosts 1, 2 and the bridge 5;  mesh B: hosts 3, 4 and the bridge 5.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_need_root_tools
e2e_world_create bridge 5
for h in 1 2 3 4 5; do e2e_start "$h"; done
mesh_a="$(e2e_ctl 1 new-mesh)"
mesh_b="$(e2e_ctl 3 new-mesh)"
inv_a="$(e2e_ctl 1 invite -m "$mesh_a" | tr -d "'")"
inv_b="$(e2e_ctl 3 invite -m "$mesh_b" | tr -d "'")"
e2e_ctl 2 join-mesh --invite "$inv_a"
e2e_ctl 4 join-mesh --invite "$inv_b"
e2e_ctl 5 join-mesh --invite "$inv_a" --advertise
e2e_ctl 5 join-mesh --invite "$inv_b" --advertise

prefix_b="$(e2e_ctl 3 query-mesh -m "$mesh_b" -q 'prefix' | tr -d '"')"
prefix_a="$(e2e_ctl 1 query-mesh -m "$mesh_a" -q 'prefix' | tr -d '"')"
has_route() { # H MESH PREFIX: host H selected a route to PREFIX in MESH
  e2e_ctl "$1" query-mesh -m "$2" -q "routes[?prefix=='$3'].via" | grep -q '"'
}
e2e_wait 30 "host 1 to route mesh B's $prefix_b" has_route 1 "$mesh_a" "$prefix_b"
e2e_wait 30 "host 4 to route mesh A's $prefix_a" has_route 4 "$mesh_b" "$prefix_a"
addr4="$(e2e_address 4 "$mesh_b")"
addr1="$(e2e_address 1 "$mesh_a")"
e2e_wait 20 "ping from host 1 (mesh A) to host 4 (mesh B)" e2e_in 1 ping -6 -c1 -W1 "$addr4"
e2e_wait 20 "ping from host 4 (mesh B) to host 1 (mesh A)" e2e_in 4 ping -6 -c1 -W1 "$addr1"
# The packets went through the bridge: its two interfaces counted them.
e2e_log "host 1 $addr1 <-> host 4 $addr4 through the bridge host 5"
echo "PASS"
