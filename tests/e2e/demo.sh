#!/usr/bin/env bash
# scripts/demo, as a newcomer runs it (without a terminal it does not wait): it forms the mesh,
# pings across, prints peers and the graph, and leaves nothing behind.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$(dirname "$0")/lib.sh"
e2e_need_root_tools
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
if ! "$root/scripts/demo" < /dev/null > "$out" 2>&1; then
  cat "$out"
  echo "FAIL: scripts/demo exited non-zero"
  exit 1
fi
for want in "joined " "MESH  " "host 3 -> host 2 (" "graph smegmesh {" "== tearing down"; do
  grep -qF -- "$want" "$out" || { cat "$out"; echo "FAIL: the demo printed no \"$want\""; exit 1; }
done
[ "$(grep -c ' ms$' "$out")" = 6 ] || { cat "$out"; echo "FAIL: not six pings answered"; exit 1; }
left="$(ip netns list | grep -c '^smeg-demo-' || true)"
[ "$left" = 0 ] || { echo "FAIL: $left demo namespaces left behind"; exit 1; }
"$root/scripts/demo" down
echo "PASS"
