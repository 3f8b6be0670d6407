# coordkit's one entry point for building, testing and linting.
#
#   make test    install ZooKeeper if needed, run every test with -race, then
#                a short fuzz run of every Fuzz target (FUZZTIME each, 10s)
#   make lint    gofmt, go vet, staticcheck (root module and bench/)
#   make fuzz    longer fuzz runs (FUZZTIME each, 30s)
#   make bench   coordkit vs go-zookeeper, interleaved (BENCH, BENCHTIME, BENCHCOUNT, BENCH_NAME)
#   make soak    the lock, read/write lock, semaphore and election fault tests at a larger size
#                (SOAK_FAULTS), then tests tagged "soak" (SOAK_TIMEOUT)
#   make tools   staticcheck and benchstat into $(go env GOPATH)/bin

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

GO ?= go
GOBIN := $(or $(shell $(GO) env GOBIN),$(firstword $(subst :, ,$(shell $(GO) env GOPATH)))/bin)
export PATH := $(GOBIN):$(PATH)

# staticcheck 2026.2.2, verified with Go 1.26; benchstat has no tagged releases.
STATICCHECK_VERSION := v0.8.2
BENCHSTAT_VERSION := v0.0.0-20260908200009-22c9c6c9d4da

TEST_TIMEOUT ?= 14m
FUZZTIME ?= 10s
BENCH ?= .
BENCHTIME ?= 2s
BENCHCOUNT ?= 6
BENCH_NAME ?= latest
SOAK_TIMEOUT ?= 60m
SOAK_FAULTS ?= -faults.contenders 8 -faults.rounds 25 -faults.repeat 3

.PHONY: test lint fuzz fuzz-run bench soak tools zookeeper

## test: everything a CI run checks besides lint.
test: zookeeper
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...
	@$(MAKE) --no-print-directory fuzz-run FUZZTIME=$(FUZZTIME)

## fuzz: every Fuzz target for FUZZTIME (30s unless given).
fuzz: FUZZTIME = 30s
fuzz:
	@$(MAKE) --no-print-directory fuzz-run FUZZTIME=$(FUZZTIME)

# fuzz-run finds every `func FuzzX(` in the root module's _test.go files
# (skipping nested modules, testdata and vendor) and fuzzes each on its own.
# New crashers land in the package's testdata/fuzz/FuzzX, which is committed.
# Go 1.26's fuzz coordinator can fail a run with a bare "context deadline
# exceeded" when -fuzztime ends on a busy machine (go.dev/issue/75804): such
# a run, with no failing input written and no panic, counts as passed.
fuzz-run:
	@targets=$$(find . \( -name .git -o -name testdata -o -name vendor \) -prune -o \
		\( -type d ! -path . -exec test -e '{}/go.mod' \; -prune \) -o \
		-name '*_test.go' -type f -print0 | \
		{ xargs -0 -r grep -HoE '^func Fuzz[A-Za-z0-9_]*\(' || true; } | \
		sed -E 's#^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\($$#\1 \2#' | sort -u); \
	if [[ -z "$$targets" ]]; then echo "fuzz: no Fuzz targets"; exit 0; fi; \
	n=0; log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	while read -r dir fn; do \
		n=$$((n+1)); \
		echo "fuzz: $$dir $$fn ($(FUZZTIME))"; \
		if ! $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) "$$dir" </dev/null 2>&1 | tee "$$log"; then \
			if grep -q 'context deadline exceeded' "$$log" && \
				! grep -qE 'Failing input written|panic:|^[[:space:]]+--- FAIL' "$$log"; then \
				echo "fuzz: $$fn: Go's fuzz coordinator reported its own -fuzztime deadline (go.dev/issue/75804, fixed in Go 1.27) and found nothing; not a failure"; \
			else \
				exit 1; \
			fi; \
		fi; \
	done <<< "$$targets"; \
	echo "fuzz: $$n targets passed"

## lint: formatting, vet and staticcheck must all be clean.
lint: tools
	@unformatted=$$(gofmt -l .); \
	if [[ -n "$$unformatted" ]]; then echo "gofmt -l: these files need gofmt:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	staticcheck ./...
	@if [[ -f bench/go.mod ]]; then \
		echo "cd bench && go vet ./... && staticcheck ./..."; \
		cd bench && $(GO) vet ./... && staticcheck ./...; \
	fi

## bench: coordkit vs go-zookeeper on one real ZooKeeper, clients interleaved
## (bench/run.sh): raw results in bench/results/$(BENCH_NAME).txt, then the
## benchstat table and the coordkit/gozk ratios.
bench: zookeeper tools
	cd bench && BENCH='$(BENCH)' BENCHTIME=$(BENCHTIME) ROUNDS=$(BENCHCOUNT) NAME=$(BENCH_NAME) ./run.sh

## soak: the lock, read/write lock, semaphore and election fault tests at SOAK_FAULTS' size, then long
## tests behind the "soak" build tag, if there are any.
soak: zookeeper
	$(GO) test -race -count=1 -run 'TestLockFaults|TestElectionFaults|TestRWMutexFaults|TestSemaphoreFaults' -timeout $(SOAK_TIMEOUT) ./integration/ -args $(SOAK_FAULTS)
	@if ! grep -rlE --include='*.go' '^//go:build .*\bsoak\b' . >/dev/null; then echo "soak: no soak tests"; exit 0; fi; \
	$(GO) test -race -count=1 -tags soak -run Soak -timeout $(SOAK_TIMEOUT) ./...

## zookeeper: Apache ZooKeeper 3.8, java, kazoo and Curator from Debian.
zookeeper:
	@bash scripts/install-zookeeper.sh

## tools: Go tools, installed only when missing or at another version.
tools:
	@if ! staticcheck -version 2>/dev/null | grep -qF '($(STATICCHECK_VERSION:v%=%))'; then \
		echo "tools: go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)"; \
		GOBIN=$(GOBIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION); \
	fi
	@if ! command -v benchstat >/dev/null; then \
		echo "tools: go install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION)"; \
		GOBIN=$(GOBIN) $(GO) install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION); \
	fi
