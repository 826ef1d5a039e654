#!/usr/bin/env bash
# Three hosts form a mesh through smegctl: every host pings every other over the overlay, DNS
# answers an alias with the right address, and the graph renders with dot.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_need_root_tools
e2e_world_create three 3

for h in 1 2 3; do e2e_start "$h"; done
mesh="$(e2e_ctl 1 new-mesh --alias alpha)"
invite="$(e2e_ctl 1 invite -m "$mesh")"
e2e_log "mesh $mesh, invite ${invite%%/*}/..."
e2e_ctl 2 join-mesh --invite "$(echo "$invite" | tr -d "'")" --alias bravo
e2e_ctl 3 join-mesh --invite "$(echo "$invite" | tr -d "'")" --alias charlie

members_are() { # H N: host H sees N live members
  [ "$(e2e_ctl "$1" query-mesh -m "$mesh" -q 'length(nodes[?alive])')" = "$2" ]
}
wg_peers_are() { # H N: host H's WireGuard interface has N peers
  local ifc; ifc="$(e2e_iface "$1" "$mesh")"
  [ "$(e2e_in "$1" wg show "$ifc" peers | wc -l)" = "$2" ]
}
for h in 1 2 3; do
  e2e_wait 20 "host $h to see 3 members" members_are "$h" 3
  e2e_wait 20 "host $h's WireGuard to hold 2 peers" wg_peers_are "$h" 2
done

declare -A addr
for h in 1 2 3; do addr[$h]="$(e2e_address "$h" "$mesh")"; done
e2e_log "overlay addresses: ${addr[1]} ${addr[2]} ${addr[3]}"
for a in 1 2 3; do
  for b in 1 2 3; do
    [ "$a" = "$b" ] && continue
    e2e_wait 15 "ping from host $a to host $b" e2e_in "$a" ping -6 -c1 -W1 "${addr[$b]}"
  done
done
e2e_log "ping: every direction answered"

# wg show is the judge: host 1's peers are exactly the other two keys.
ifc="$(e2e_iface 1 "$mesh")"
wg_keys="$(e2e_in 1 wg show "$ifc" peers | sort)"
want="$(e2e_ctl 1 query-mesh -m "$mesh" -q 'nodes[?!self].key' | tr -d ' "[],' | sed '/^$/d' | sort)"
[ "$wg_keys" = "$want" ] || { e2e_log "wg show peers differ: $wg_keys vs $want"; exit 1; }

# DNS: host 3 resolves host 2's alias, in both name orders.
if command -v dig >/dev/null; then
  got="$(e2e_in 3 dig @127.0.0.1 +short AAAA "bravo.$mesh.smeg")"
  [ "$got" = "${addr[2]}" ] || { e2e_log "dig bravo.$mesh.smeg: got '$got', want ${addr[2]}"; exit 1; }
  got="$(e2e_in 3 dig @127.0.0.1 +short AAAA "$mesh.bravo.smeg")"
  [ "$got" = "${addr[2]}" ] || { e2e_log "dig $mesh.bravo.smeg: got '$got'"; exit 1; }
  e2e_log "dig: bravo.$mesh.smeg -> $got"
else
  echo "SKIP part: dig is missing (bind9-dnsutils)"; exit 77
fi

# The graph renders.
e2e_ctl 1 get-graph > "$E2E_DIR/graph.dot"
dot -Tsvg "$E2E_DIR/graph.dot" -o "$E2E_DIR/graph.svg"
grep -q "<svg" "$E2E_DIR/graph.svg"
e2e_log "get-graph | dot -Tsvg: ok"
echo "PASS"
