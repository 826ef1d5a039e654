#!/usr/bin/env bash
# A host without the mesh secret cannot join (a clear error, nothing left behind), and forged
# or replayed control datagrams are rejected and counted in the metrics.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_need_root_tools
e2e_world_create secure 3
for h in 1 2 3; do e2e_start "$h"; done
mesh="$(e2e_ctl 1 new-mesh)"
invite="$(e2e_ctl 1 invite -m "$mesh" | tr -d "'")"
e2e_ctl 2 join-mesh --invite "$invite"

# Host 3 has the mesh id and the endpoint, but a secret of its own making.
wrong="${invite%/*}/$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | cut -c1-43)"
set +e
out="$(e2e_ctl 3 join-mesh --invite "$wrong" 2>&1)"
rc=$?
set -e
[ "$rc" = 1 ] || { e2e_log "join with a wrong secret exited $rc: $out"; exit 1; }
echo "$out" | grep -q "no member of mesh $mesh answered" ||
  { e2e_log "unclear error: $out"; exit 1; }
e2e_log "wrong secret refused: $out"
[ "$(e2e_ctl 3 list-meshes --json)" = "[]" ] || { e2e_log "host 3 kept a mesh"; exit 1; }
# (wg show interfaces would list every host's: the UAPI socket directory is shared.)
links="$(e2e_in 3 ip -o link | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -v -x -e lo -e eth0 || true)"
[ -z "$links" ] || { e2e_log "host 3 kept an interface: $links"; exit 1; }
! ls "$E2E_DIR"/h3/state/*.mesh >/dev/null 2>&1 || { e2e_log "host 3 kept a mesh file"; exit 1; }
rejected() { # H REASON -> count, from the API's status document
  e2e_ctl "$1" status --json | tr -d ' \n' | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}
# Sealed under another secret, host 3's join requests carry a mesh tag host 1 does not know.
n="$(rejected 1 unknown-mesh)"
[ "${n:-0}" -ge 1 ] || { e2e_log "host 1 counted no unknown-mesh rejection ($n)"; exit 1; }
e2e_log "host 1 rejected $n datagrams sealed under the wrong secret (unknown-mesh)"

# Forged datagrams from host 3 to host 1's control port: random bytes.
before="$(rejected 1 not-sealed)"
for i in 1 2 3; do
  e2e_in 3 bash -c "head -c 200 /dev/urandom > /dev/udp/$(e2e_underlay 1)/4000"
done
forged_counted() {
  local now_ns now_bt
  now_ns="$(rejected 1 not-sealed)"; now_bt="$(rejected 1 unknown-mesh)"
  [ $(( now_ns + now_bt )) -ge $(( ${before:-0} + n + 3 )) ]
}
e2e_wait 5 "host 1 to count 3 forged datagrams" forged_counted
[ "$(e2e_ctl 1 query-mesh -m "$mesh" -q 'length(nodes)')" = 2 ] ||
  { e2e_log "the mesh changed after forged input"; exit 1; }
e2e_log "forged datagrams rejected and counted; the mesh is unchanged"
echo "PASS"
