#!/usr/bin/env bash
# daemon/smegd.service must pass `systemd-analyze verify` (with ExecStart pointed at the built
# smegd, since the unit names the installed path). Exit 77 (skip) without systemd-analyze.
set -euo pipefail
unit="$1" bin="$2"
if ! command -v systemd-analyze >/dev/null; then echo "SKIP: no systemd-analyze"; exit 77; fi
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/local/bin/smegd|$bin/smegd|" "$unit" > "$dir/smegd.service"
out="$(systemd-analyze verify "$dir/smegd.service" 2>&1 || true)"
if [ -n "$out" ]; then echo "$out"; exit 1; fi
echo "smegd.service: verified"
