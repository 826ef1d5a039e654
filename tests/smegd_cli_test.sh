#!/usr/bin/env bash
# smegd as an operator meets it, without WireGuard (stubWg) and without root: usage errors,
# a bad configuration refused at start with FILE:LINE: KEY, SIGHUP with a bad file (refused,
# the daemon keeps running as it was) and with a good one (applied), SIGTERM (exit 0, socket
# gone), and smegctl's message once smegd is gone. Only loopback is used.
set -euo pipefail
bin="$1"
dir="$(mktemp -d /tmp/smegd_cli_test.XXXXXX)"
pid=""
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$dir/log" ] && tail -20 "$dir/log"; exit 1; }

# Usage.
set +e
out="$("$bin/smegd" 2>&1)"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q -- "--config FILE is required" <<<"$out" || fail "no --config: rc $rc: $out"
"$bin/smegd" --help | grep -q "usage: smegd" || fail "--help"

# A bad configuration stops the start, naming file, line and key.
printf 'logLevel: info\nfrobnicate: 3\n' > "$dir/bad.yaml"
set +e
out="$("$bin/smegd" --config "$dir/bad.yaml" 2>&1)"; rc=$?
set -e
[ "$rc" = 2 ] || fail "bad config: rc $rc"
grep -q "bad.yaml:2: frobnicate" <<<"$out" || fail "bad config message: $out"

# A daemon without WireGuard on loopback ports of its own.
port=$(( 20000 + RANDOM % 20000 ))
write_config() { # LOGLEVEL
  cat > "$dir/smegd.yaml" <<YAML
gRPCPort: $port
stubWg: true
logLevel: $1
stateDir: $dir/state
socket: $dir/api.sock
dns:
  listen: ["127.0.0.1:$((port + 1))"]
  forward: false
YAML
}
write_config warning
"$bin/smegd" --config "$dir/smegd.yaml" > "$dir/log" 2>&1 &
pid=$!
ctl() { "$bin/smegctl" --socket "$dir/api.sock" "$@"; }
for _ in $(seq 50); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
ctl status > /dev/null || fail "smegd did not come up"
mesh="$(ctl new-mesh -e 127.0.0.1 2>/dev/null)"
[ -n "$mesh" ] || fail "new-mesh"

# SIGHUP with a file that does not load: refused, nothing changes.
printf 'logLevel: loud\n' > "$dir/smegd.yaml"
kill -HUP "$pid"
for _ in $(seq 50); do grep -q "reload refused" "$dir/log" && break; sleep 0.1; done
grep -q "reload refused, keeping the running configuration: .*smegd.yaml:1: logLevel" "$dir/log" ||
  fail "a bad reload was not refused with its reason"
kill -0 "$pid" || fail "smegd died on a bad reload"
ctl list-meshes | grep -q "$mesh" || fail "the mesh is gone after a bad reload"

# SIGHUP with a good file: the new log level is in force (info lines appear).
write_config info
kill -HUP "$pid"
for _ in $(seq 50); do grep -q "info config: reloaded" "$dir/log" && break; sleep 0.1; done
grep -q "info config: reloaded" "$dir/log" || fail "the reload did not take logLevel: info"

# SIGTERM: a clean exit, the socket removed, the mesh kept on disk.
kill -TERM "$pid"
set +e
wait "$pid"; rc=$?
set -e
pid=""
[ "$rc" = 0 ] || fail "SIGTERM: exit $rc"
[ ! -e "$dir/api.sock" ] || fail "the API socket is left behind"
[ -f "$dir/state/$mesh.mesh" ] || fail "the mesh file is gone"
set +e
out="$(ctl status 2>&1)"; rc=$?
set -e
[ "$rc" = 1 ] && grep -q "smegd is not running" <<<"$out" || fail "smegctl without smegd: $rc $out"
echo "PASS"
