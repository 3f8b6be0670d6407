#!/usr/bin/env bash
# run.sh — run the coordkit vs go-zookeeper benchmarks and print the ratios.
#
# The machine is usually shared and noisy, so the clients are interleaved:
# the test binary gets -rounds ROUNDS, and every benchmark runs its clients
# ROUNDS times in turn (gozk, coordkit, coordkit-async, then the reverse
# order, ...), each for BENCHTIME, all against the one ZooKeeper that
# TestMain started. The i-th result of each client comes from the same
# minute. The testing package names the repeats client=X#01, #02...; the
# suffix is removed so that benchstat sees ROUNDS results per client, as
# -count ROUNDS would give (but interleaved). PROCS > 1 repeats all of it in
# that many processes (each with a fresh server), alternating the order.
#
# Environment (all optional):
#   ROUNDS=6         results per client and benchmark per process (alias COUNT)
#   PROCS=1          test processes, run one after the other
#   BENCHTIME=2s     -test.benchtime of each result
#   BENCH=.          -test.bench regexp (e.g. 'Get64' or 'Get64|GetSeq')
#   NAME=latest      raw output goes to results/$NAME.txt (kept in git for
#                    the runs the README reports)
#   CPU=             -test.cpu list (default: GOMAXPROCS)
#   BENCHFLAGS=      more flags for the test binary, e.g.
#                    '-warmup 5000 -serverwarmup 10s -countio=false'
#
# Then: benchstat -col /client (go install'ed if missing), and
# cmd/benchratio's table of medians and coordkit/gozk ratios with targets.
set -euo pipefail
cd "$(dirname "$0")"

ROUNDS=${ROUNDS:-${COUNT:-6}}
PROCS=${PROCS:-1}
BENCHTIME=${BENCHTIME:-2s}
BENCH=${BENCH:-.}
NAME=${NAME:-latest}
CPU=${CPU:-}
BENCHFLAGS=${BENCHFLAGS:-}
OUT=results/$NAME.txt

benchstat_bin() {
	if command -v benchstat >/dev/null 2>&1; then
		command -v benchstat
		return
	fi
	local gobin
	gobin=$(go env GOBIN)
	gobin=${gobin:-$(go env GOPATH)/bin}
	if [[ ! -x $gobin/benchstat ]]; then
		echo "run.sh: installing benchstat" >&2
		# The version the top-level Makefile's "make tools" pins.
		go install golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da >&2
	fi
	echo "$gobin/benchstat"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/bench.test" .
mkdir -p results

{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- .. 2>/dev/null || echo +dirty)"
	# zk/ may be uncommitted while it is being written: name its sources.
	echo "zk-sources: $(cat ../zk/*.go ../internal/wire/*.go | sha256sum | cut -c1-12)"
	echo "go: $(go env GOVERSION)"
	echo "nproc: $(nproc)"
	echo "rounds: $ROUNDS"
	echo "procs: $PROCS"
	echo "benchtime: $BENCHTIME"
} >"$tmp/out.txt"

cpuflag=()
[[ -n $CPU ]] && cpuflag=(-test.cpu "$CPU")
for ((p = 1; p <= PROCS; p++)); do
	reverse=false
	((p % 2 == 0)) && reverse=true
	echo "run.sh: process $p/$PROCS, $ROUNDS rounds (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
	# shellcheck disable=SC2086 # BENCHFLAGS is a list of flags
	"$tmp/bench.test" -test.run '^$' -test.bench "$BENCH" -test.count 1 -test.timeout 60m \
		-test.benchtime "$BENCHTIME" "${cpuflag[@]}" -rounds "$ROUNDS" -reverse="$reverse" $BENCHFLAGS |
		sed -E 's/^(Benchmark[^ 	]*)#[0-9]+/\1/' | tee "$tmp/proc.txt"
	if [[ $p -eq 1 ]]; then
		cat "$tmp/proc.txt" >>"$tmp/out.txt"
	else
		grep '^Benchmark' "$tmp/proc.txt" >>"$tmp/out.txt" || true
	fi
done
echo "load-after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$tmp/out.txt"
cp "$tmp/out.txt" "$OUT"
echo "run.sh: raw results in bench/$OUT" >&2

# Client benchmarks (client=...) and server benchmarks (server=...) each get
# their own benchstat table, with the base first.
if grep -q '/client=' "$OUT"; then
	echo
	"$(benchstat_bin)" -filter '/client:(gozk OR coordkit OR coordkit-async)' \
		-col '/client@(gozk coordkit coordkit-async)' "$OUT"
fi
if grep -q '/server=' "$OUT"; then
	echo
	"$(benchstat_bin)" -filter '/server:(zookeeper OR embedded)' \
		-col '/server@(zookeeper embedded)' "$OUT"
fi
echo
go run ./cmd/benchratio "$OUT"
