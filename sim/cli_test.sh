#!/usr/bin/env bash
# CTest cases for smegsim's --out and --nodes, end to end on scenarios/ci-smoke.yaml.
#
#   cli_test.sh SMEGSIM SCENARIO WORKDIR CASE     CASE: out | dot | out-errors | nodes
#
# Exits 0 on success, 77 (CTest's skip code here) when a needed tool is missing, else 1.
set -u
smegsim="${1:?usage: cli_test.sh SMEGSIM SCENARIO WORKDIR CASE}"
scenario="${2:?}"
work="${3:?}"
case_name="${4:?}"
rm -rf "$work" && mkdir -p "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

# Runs smegsim, keeping stdout, stderr and the exit code in $work.
run() {
  "$smegsim" "$@" >"$work/stdout" 2>"$work/stderr"
  echo $? >"$work/rc"
}
expect_rc() { [ "$(cat "$work/rc")" = "$1" ] || { cat "$work/stderr"; fail "exit $(cat "$work/rc"), want $1: $2"; }; }
expect_stderr() { grep -qF -- "$1" "$work/stderr" || { cat "$work/stderr"; fail "stderr lacks '$1'"; }; }

files="summary.json samples.csv cdf.svg topology-start.dot topology-fault-0-crash.dot
       topology-fault-1-join.dot topology-end.dot"

case "$case_name" in
  out)
    # Parents are created; every file is there and non-empty; stdout is what --json prints.
    run run "$scenario" --out "$work/a/b" --json --quiet
    expect_rc 0 "run --out"
    for f in $files; do [ -s "$work/a/b/$f" ] || fail "$f missing or empty"; done
    cmp -s "$work/stdout" "$work/a/b/summary.json" || fail "summary.json differs from --json"
    [ "$(head -1 "$work/a/b/samples.csv")" = "kind,subject,observer,t0_seconds,latency_seconds" ] ||
      fail "samples.csv header"
    # Snapshots only read the state: the run ends in the same state as one without --out.
    digest() { grep -o '"digest": "[0-9a-f]*"' "$1"; }
    cp "$work/stdout" "$work/with_out.json"
    run run "$scenario" --json --quiet
    [ -n "$(digest "$work/stdout")" ] && [ "$(digest "$work/stdout")" = "$(digest "$work/with_out.json")" ] ||
      fail "--out changed the digest"
    # Without --json, stdout is the same text report as without --out.
    run run "$scenario" --out "$work/c" --quiet
    expect_rc 0 "run --out (text)"
    grep -q '^failure convergence: ' "$work/stdout" || fail "text report"
    echo "ok: $files"
    ;;
  dot)
    if ! command -v dot >/dev/null 2>&1; then echo "SKIP: dot not installed"; exit 77; fi
    run run "$scenario" --out "$work/o" --quiet
    expect_rc 0 "run --out"
    for f in "$work"/o/*.dot; do
      dot -Tsvg "$f" >/dev/null 2>"$work/dot.err" || { cat "$work/dot.err"; fail "dot rejects $f"; }
      [ -s "$work/dot.err" ] && { cat "$work/dot.err"; fail "dot warns about $f"; }
    done
    echo "ok: dot accepts $(ls "$work"/o/*.dot | wc -l) snapshots"
    ;;
  out-errors)
    # A directory that cannot be made: exit 2, the path and the reason, nothing on stdout.
    touch "$work/file"
    run run "$scenario" --out "$work/file/sub" --json --quiet
    expect_rc 2 "--out under a file"
    expect_stderr "$work/file/sub: Not a directory"
    [ -s "$work/stdout" ] && fail "stdout not empty on failure"
    run run "$scenario" --out "$work/file" --quiet
    expect_rc 2 "--out is a file"
    expect_stderr "$work/file: Not a directory"
    run run "$scenario" --out
    expect_rc 2 "--out without a value"
    run check "$scenario" --out "$work/file/sub" --quiet
    expect_rc 2 "check --out under a file"
    expect_stderr "$work/file/sub: Not a directory"
    # check --out --json: the first run's summary on stdout and its files, the digests on stderr.
    run check "$scenario" --out "$work/x" --json --quiet
    expect_rc 0 "check --out --json"
    grep -q '"digest"' "$work/stdout" || fail "check --json printed no summary"
    [ -s "$work/x/summary.json" ] || fail "check --out wrote no summary.json"
    expect_stderr "digests"
    echo "ok"
    ;;
  nodes)
    # 40 planned peers plus the 3 join-fault spares.
    run run "$scenario" --nodes 40 --json --quiet
    expect_rc 0 "--nodes 40"
    grep -qF '"nodes": 43,' "$work/stdout" || { cat "$work/stdout"; fail "want 43 nodes"; }
    run check "$scenario" --nodes 30
    expect_rc 0 "check --nodes 30"
    for bad in 0 abc -5 '' 1x 99999999999; do
      run run "$scenario" --nodes "$bad" --quiet
      expect_rc 2 "--nodes '$bad'"
      expect_stderr "--nodes"
      [ -s "$work/stdout" ] && fail "stdout not empty for --nodes '$bad'"
    done
    run run "$scenario" --nodes
    expect_rc 2 "--nodes without a value"
    # A failed bound prints a replay command that scales the same way.
    { cat "$scenario"; echo "  control_bytes_per_node_per_second: 1"; } >"$work/tight.yaml"
    run run "$work/tight.yaml" --nodes 25 --seed 4 --quiet
    expect_rc 1 "an expect: bound that cannot hold"
    expect_stderr "replay: build/bin/smegsim run $work/tight.yaml --seed 4 --nodes 25"
    echo "ok"
    ;;
  *) fail "unknown case $case_name" ;;
esac
exit 0
