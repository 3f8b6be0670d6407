#!/usr/bin/env bash
# profile.sh — CPU-profile one sub-benchmark and print the hottest functions.
#
#   BENCH='Get64/client=coordkit$' ./profile.sh           # the default
#   BENCH='Get64/client=coordkit-async$' FOCUS=coordkit ./profile.sh
#
# Environment: BENCH (-test.bench regexp), BENCHTIME (default 10s), NODES
# (rows of pprof -top, default 40), FOCUS (pprof -focus regexp, default
# none). The profile and the binary stay in bench/profiles/ (not committed)
# for go tool pprof -http or -list.
set -euo pipefail
cd "$(dirname "$0")"

BENCH=${BENCH:-'Get64/client=coordkit$'}
BENCHTIME=${BENCHTIME:-10s}
NODES=${NODES:-40}
FOCUS=${FOCUS:-}
name=$(echo "$BENCH" | tr -c 'A-Za-z0-9\n' '_')

mkdir -p profiles
go test -c -o profiles/bench.test .
./profiles/bench.test -test.run '^$' -test.bench "$BENCH" -test.count 1 \
	-test.benchtime "$BENCHTIME" -test.cpuprofile "profiles/$name.cpu"
focus=()
[[ -n $FOCUS ]] && focus=(-focus "$FOCUS")
echo
echo "== flat"
go tool pprof -top -nodecount "$NODES" "${focus[@]}" profiles/bench.test "profiles/$name.cpu" 2>/dev/null
echo
echo "== cumulative"
go tool pprof -top -cum -nodecount "$NODES" "${focus[@]}" profiles/bench.test "profiles/$name.cpu" 2>/dev/null
