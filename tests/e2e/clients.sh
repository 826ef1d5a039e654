#!/usr/bin/env bash
# Clients (behind NAT in real life) attach to one peer each, chosen by consistent hashing: a
# client's WireGuard holds exactly that peer (with keepalive), the peers hold their own clients,
# and a client reaches every other member, clients of the other peer included, through the peers.
#   hosts 1, 2: peers;  hosts 3, 4, 5: clients.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_need_root_tools
e2e_world_create clients 5
for h in 1 2 3 4 5; do e2e_start "$h"; done
mesh="$(e2e_ctl 1 new-mesh)"
invite="$(e2e_ctl 1 invite -m "$mesh" | tr -d "'")"
e2e_ctl 2 join-mesh --invite "$invite"
for h in 3 4 5; do e2e_ctl "$h" join-mesh --invite "$invite" -r client; done

key_of() { e2e_ctl "$1" status --json | sed -n 's/.*"node": "\(.*\)".*/\1/p'; }
attached() { # H: the peer host H's mesh view says client H is attached to
  e2e_ctl "$1" query-mesh -m "$mesh" -q "nodes[?self].attachedTo | [0]" | tr -d '"'
}
wg_peers() { local ifc; ifc="$(e2e_iface "$1" "$mesh")"; e2e_in "$1" wg show "$ifc" peers | sort; }
settled() { # H: client H's WireGuard holds exactly its attached peer
  local a; a="$(attached "$1")"
  [ -n "$a" ] && [ "$a" != null ] && [ "$(wg_peers "$1")" = "$a" ]
}
for h in 3 4 5; do e2e_wait 30 "client $h to hold exactly its peer" settled "$h"; done
p1="$(key_of 1)"; p2="$(key_of 2)"
for h in 3 4 5; do
  a="$(attached "$h")"
  [ "$a" = "$p1" ] || [ "$a" = "$p2" ] || { e2e_log "client $h attached to a non-peer"; exit 1; }
  # Every member comes to the same attachment (it is computed from the view, not negotiated;
  # a member that has not yet heard of the client says null until gossip brings it).
  k="$(key_of "$h")"
  agrees_on() { # O: host O puts client $k on peer $a
    [ "$(e2e_ctl "$1" query-mesh -m "$mesh" -q "nodes[?key=='$k'].attachedTo | [0]" | tr -d '"')" = "$a" ]
  }
  for o in 1 2 3 4 5; do
    e2e_wait 20 "host $o to put client $h on the same peer" agrees_on "$o"
  done
  ka="$(e2e_in "$h" wg show "$(e2e_iface "$h" "$mesh")" persistent-keepalive | awk '{print $2}')"
  [ "$ka" = 25 ] || { e2e_log "client $h keepalive is '$ka', not 25"; exit 1; }
  e2e_log "client $h is attached to peer $( [ "$a" = "$p1" ] && echo 1 || echo 2 )"
done
# A peer holds the other peer and exactly its own clients.
for p in 1 2; do
  pk="$(key_of "$p")"
  want="$( { [ "$p" = 1 ] && key_of 2 || key_of 1; }; for h in 3 4 5; do [ "$(attached "$h")" = "$pk" ] && key_of "$h"; done; true)"
  e2e_wait 20 "peer $p to hold the other peer and its clients" \
    bash -c "[ \"\$(ip netns exec $(e2e_ns "$p") wg show $(e2e_iface "$p" "$mesh") peers | sort)\" = \"$(echo "$want" | sort)\" ]"
done
declare -A addr
for h in 1 2 3 4 5; do addr[$h]="$(e2e_address "$h" "$mesh")"; done
for a in 3 4 5; do
  for b in 1 2 3 4 5; do
    [ "$a" = "$b" ] && continue
    e2e_wait 15 "ping from client $a to host $b" e2e_in "$a" ping -6 -c1 -W1 "${addr[$b]}"
  done
done
e2e_log "every client reaches every member through the peers"
echo "PASS"
