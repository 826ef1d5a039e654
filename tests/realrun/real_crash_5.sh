#!/usr/bin/env bash
# scenarios/real-crash-5.yaml on real daemons (smeg-realrun BINARY SCENARIO): the run succeeds
# and its summary is sane: the 4 survivors of the crash all converged, the 5 members all saw
# the joiner, nothing was pruned wrongly. Exit 77 (skip) passes through with its reason.
set -uo pipefail
out="$("$1" "$2" --json)"
rc=$?
echo "$out"
[ "$rc" -eq 77 ] && exit 77
[ "$rc" -eq 0 ] || { echo "FAIL: smeg-realrun exited with $rc"; exit 1; }
check() {
  grep -q -- "$1" <<<"$out" || { echo "FAIL: the summary lacks $1 ($2)"; exit 1; }
}
check '"failure_convergence":{"count":4,' "4 observers of the crash"
check '"failure_convergence":{[^}]*"unconverged":0}' "every survivor converged"
check '"join_dissemination":{"count":5,' "5 observers of the join"
check '"join_dissemination":{[^}]*"unconverged":0}' "every member saw the joiner"
check '"false_prunes":0,' "no false prunes"
echo "PASS"
