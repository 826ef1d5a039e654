# Hosts in network namespaces running smegd over wireguard-go: the end-to-end tests and
# scripts/demo share these helpers (source this file; bash).
#
# A "world" is a switch namespace holding a bridge, and hosts 1..N, each a namespace with one
# veth into the bridge and an IPv6 underlay address fd00:5e:W::H/64 (W: the world's number, so
# two worlds can exist at once). Every host runs its own smegd (control port 4000, API socket
# and state under the world's directory, WireGuard through wireguard-go with interfaces named
# <prefix>N, unique on the machine because the UAPI socket directory is shared by all
# namespaces). Nothing leaves the namespaces: the only addresses used are the hosts' own.
#
#   e2e_need_root_tools      exit 77 (CTest's skip) with the reason if this machine cannot
#   e2e_world_create NAME N  creates the world (NAME: a few letters, unique per test)
#   e2e_start H [YAML...]    writes host H's config (+ extra YAML lines) and starts smegd
#   e2e_kill H               kill -9 of smegd and everything else in host H (wireguard-go)
#   e2e_ctl H ARGS...        smegctl on host H
#   e2e_in H CMD...          a command inside host H's namespace
#   e2e_wait SECONDS DESC CMD...  retries CMD every 0.2 s until it succeeds or time is up
#   e2e_world_destroy        ends every process of the world and deletes it (also on EXIT)

E2E_ROOT="${E2E_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
E2E_BIN="${E2E_BIN:-$E2E_ROOT/build/bin}"
E2E_NAME=""
E2E_HOSTS=0
E2E_DIR=""
E2E_NUM=0

e2e_log() { echo "e2e[$E2E_NAME]: $*" >&2; }

e2e_need_root_tools() {
  local missing=()
  if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root (network namespaces)"; exit 77; fi
  for t in ip wireguard-go wg ping; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "SKIP: missing ${missing[*]} (scripts/setup installs them)"; exit 77
  fi
  if [ ! -c /dev/net/tun ]; then echo "SKIP: no /dev/net/tun for wireguard-go"; exit 77; fi
  if ! ip netns add "smeg-probe-$$" 2>/dev/null; then
    echo "SKIP: cannot create network namespaces here"; exit 77
  fi
  ip netns del "smeg-probe-$$"
  for b in smegd smegctl; do
    if [ ! -x "$E2E_BIN/$b" ]; then echo "FAIL: $E2E_BIN/$b is not built"; exit 1; fi
  done
}

e2e_ns() { echo "smeg-$E2E_NAME-h$1"; }
e2e_underlay() { echo "fd00:5e:$E2E_NUM::$1"; }
e2e_socket() { echo "$E2E_DIR/h$1/api.sock"; }

e2e_world_create() {
  E2E_NAME="$1"
  E2E_HOSTS="$2"
  # A world number from the name and pid: underlay prefixes of concurrent worlds differ.
  E2E_NUM=$(( ($$ + $(printf '%s' "$1" | cksum | cut -d' ' -f1)) % 65000 + 1 ))
  E2E_NUM=$(printf '%x' "$E2E_NUM")
  E2E_DIR="$(mktemp -d "/tmp/smeg-e2e-$1.XXXXXX")"
  trap e2e_world_destroy EXIT
  local sw="smeg-$E2E_NAME-sw"
  ip netns add "$sw"
  ip -n "$sw" link add br0 type bridge
  ip -n "$sw" link set br0 up
  ip -n "$sw" link set lo up
  local h
  for h in $(seq 1 "$E2E_HOSTS"); do
    local ns; ns="$(e2e_ns "$h")"
    ip netns add "$ns"
    ip link add "s${E2E_NUM}x$h" netns "$sw" type veth peer name eth0 netns "$ns"
    ip -n "$sw" link set "s${E2E_NUM}x$h" master br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$(e2e_underlay "$h")/64" dev eth0 nodad
    ip -n "$ns" link set eth0 up
    mkdir -p "$E2E_DIR/h$h"
  done
  e2e_log "world in $E2E_DIR: $E2E_HOSTS hosts on fd00:5e:$E2E_NUM::/64"
}

# e2e_start H [EXTRA YAML LINES...]: the config is written fresh each time (state persists).
e2e_start() {
  local h="$1"; shift
  local ns; ns="$(e2e_ns "$h")"
  local cfg="$E2E_DIR/h$h/smegd.yaml"
  {
    echo "gRPCPort: 4000"
    echo "logLevel: info"
    echo "stateDir: $E2E_DIR/h$h/state"
    echo "socket: $(e2e_socket "$h")"
    echo "wgBackend: uapi"
    echo "interfacePrefix: w${E2E_NUM}h${h}n"
    echo "heartbeatInterval: ${E2E_HEARTBEAT:-2s}"
    echo "syncInterval: ${E2E_SYNC:-500ms}"
    echo "pullInterval: 5s"
    echo "dns:"
    echo "  listen: [\"127.0.0.1:53\", \"[::1]:53\"]"
    echo "  forward: false"
    echo "baseConfiguration:"
    echo "  publicEndpoint: \"$(e2e_underlay "$h")\""
    for line in "$@"; do echo "$line"; done
  } > "$cfg"
  ip netns exec "$ns" "$E2E_BIN/smegd" --config "$cfg" >> "$E2E_DIR/h$h/smegd.log" 2>&1 &
  echo $! > "$E2E_DIR/h$h/smegd.pid"
  disown $!  # its kill -9 is on purpose: no "Killed" notice from the shell
  e2e_wait 10 "smegd on host $h to answer" e2e_ctl "$h" status
}

e2e_ctl() {
  local h="$1"; shift
  ip netns exec "$(e2e_ns "$h")" "$E2E_BIN/smegctl" --socket "$(e2e_socket "$h")" "$@"
}

e2e_in() {
  local h="$1"; shift
  ip netns exec "$(e2e_ns "$h")" "$@"
}

e2e_kill() {
  local h="$1" pid
  for pid in $(ip netns pids "$(e2e_ns "$h")" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  # The UAPI sockets of the host's wireguard-go are left behind by kill -9.
  rm -f /var/run/wireguard/w"${E2E_NUM}"h"${h}"n*.sock
}

e2e_wait() {
  local seconds="$1" desc="$2"; shift 2
  local deadline=$(( $(date +%s%N) / 1000000 + seconds * 1000 ))
  while :; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [ "$(( $(date +%s%N) / 1000000 ))" -ge "$deadline" ]; then
      e2e_log "timed out after ${seconds}s waiting for $desc"
      return 1
    fi
    sleep 0.2
  done
}

# Prints the overlay address of host H in MESH (from its API).
e2e_address() {
  e2e_ctl "$1" query-mesh -m "$2" -q 'nodes[?self].address | [0]' | tr -d '"'
}

# The WireGuard interface of host H for MESH.
e2e_iface() {
  e2e_ctl "$1" query-mesh -m "$2" -q 'interface' | tr -d '"'
}

e2e_dump_logs() {
  local h
  for h in $(seq 1 "$E2E_HOSTS"); do
    echo "----- host $h smegd.log (last 40 lines) -----" >&2
    tail -n 40 "$E2E_DIR/h$h/smegd.log" >&2 2>/dev/null || true
  done
}

e2e_world_destroy() {
  local rc=$?
  [ -n "$E2E_NAME" ] || return 0
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then e2e_dump_logs; fi
  local h
  for h in $(seq 1 "$E2E_HOSTS"); do e2e_kill "$h"; done
  for h in $(seq 1 "$E2E_HOSTS"); do ip netns del "$(e2e_ns "$h")" 2>/dev/null || true; done
  ip netns del "smeg-$E2E_NAME-sw" 2>/dev/null || true
  [ -n "$E2E_DIR" ] && [ -z "${E2E_KEEP:-}" ] && rm -rf "$E2E_DIR"
  E2E_NAME=""
  return "$rc"
}
