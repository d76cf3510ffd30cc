# Makefile for the spec-to-Go pipeline. `make test` is the full test run (CI).
GO ?= go
SPEC ?= spec/machine.yaml
EXAMPLES := $(wildcard spec/examples/*.yaml)
FUZZTIME ?= 5s
# A fuzz run that executes fewer inputs than this fails (scripts/fuzz.sh):
# it was not fuzzing.
FUZZ_MIN_EXECS ?= 150
# Fuzz targets as package:target; `make fuzz` runs each for FUZZTIME.
FUZZ_TARGETS := \
	./model:FuzzParseSpec ./model:FuzzParseExpr ./model:FuzzParseStmt \
	./internal/pipelinefuzz:FuzzLoad ./internal/pipelinefuzz:FuzzGoCode \
	./internal/pipelinefuzz:FuzzTLA ./internal/pipelinefuzz:FuzzGraph \
	./internal/pipelinefuzz:FuzzCheck ./internal/pipelinefuzz:FuzzEdit
# rapid checks per property in proptest/: PROPTEST_CHECKS in `make test` (CI,
# well under 3 minutes), PROPTEST_LONG_CHECKS in `make proptest-long`.
PROPTEST_CHECKS ?= 500
# Random specs that `make test` runs through the whole pipeline (about a
# minute on 2 cores); `make soak-specs SPECS=N` runs many more.
SPECFUZZ_N ?= 200
PROPTEST_LONG_CHECKS ?= 5000

.PHONY: all generate verify check test vet golang fuzz bench tlc proptest-long soak-specs

all: verify test

## generate: regenerate every generated file from its spec
generate:
	$(GO) generate ./...
	$(MAKE) -C bench generate

## verify: regenerate into a temporary directory and fail on any difference (drift check)
verify:
	@scripts/verify.sh

# staticcheck is pinned as a tool of the tools module (tools/go.mod), not of
# go.mod: honnef.co/go/tools v0.8.2 declares go 1.26.0, and `go get -tool` of
# it here raises this module's go line to 1.26.0 (which every module that
# requires this one, `go get -tool .../cmd/dslgen` included, must then meet)
# and puts staticcheck's requirements in their module graphs. `go tool` builds
# it from tools/go.mod and tools/go.sum on first use.
STATICCHECK = $(GO) tool -modfile=$(CURDIR)/tools/go.mod staticcheck
# The generated packages (bench/gen is vetted by bench/Makefile).
GENERATED_PKGS := ./gen/... ./internal/specgen/...

# The go line of go.mod: the oldest Go that the module's non-test code needs
# (iter, range over functions). A module that requires this one must be at
# least at this go line, so raising it is a decision, not a side effect of
# `go get`. Every build and vet runs at this language version (-lang and vet's
# stdversion check follow the go line); test files that need newer APIs say
# so with //go:build go1.N.
GO_LANG := 1.23

## golang: fail unless go.mod's go line is GO_LANG, and build with the local toolchain at it
golang:
	@v=$$($(GO) list -m -f '{{.GoVersion}}'); if [ "$$v" != "$(GO_LANG)" ]; then \
		echo "golang: go.mod says go $$v, the Makefile GO_LANG=$(GO_LANG): keep the go line at what the non-test code needs"; exit 1; fi
	GOTOOLCHAIN=local $(GO) build ./...

## vet: go vet, gofmt, staticcheck (the project, then the generated packages) and
## `go mod tidy -diff` of this module, tools/ and bench/ (bench/'s own vet, with
## staticcheck, runs in `make -C bench test`)
vet: golang
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(STATICCHECK) $$($(GO) list ./... | grep -v -e '/gen$$' -e '/internal/specgen/')
	$(STATICCHECK) $(GENERATED_PKGS)
	$(GO) mod tidy -diff
	cd tools && $(GO) mod tidy -diff
	cd bench && $(GO) mod tidy -diff

## check: model-check spec/machine.yaml (safety on ci; safety and liveness on
## ci_realtime and tlc: liveness on ci takes 2 more minutes and 4 GB, see
## docs/CHECKING.md; the turn barrier and the visibility sync guards on
## barrier and visibility), check with dslgen compat that it reads, and treats
## alike, every state its baseline (spec/baseline) reaches on ci_realtime,
## check the ci profile of every example spec, then simulate 5,000 random behaviours of the deep profile and 2,000
## of each example
check:
	$(GO) run ./cmd/dslgen check -quiet -spec $(SPEC) -profile ci -liveness=false
	$(GO) run ./cmd/dslgen check -quiet -spec $(SPEC) -profile ci_realtime
	$(GO) run ./cmd/dslgen check -quiet -spec $(SPEC) -profile tlc
	$(GO) run ./cmd/dslgen check -quiet -spec $(SPEC) -profile barrier
	$(GO) run ./cmd/dslgen check -quiet -spec $(SPEC) -profile visibility
	$(GO) run ./cmd/dslgen compat -quiet -old spec/baseline/machine-v0.2.0.yaml -new $(SPEC) -profile ci_realtime
	@for f in $(EXAMPLES); do echo "$(GO) run ./cmd/dslgen check -quiet -spec $$f"; $(GO) run ./cmd/dslgen check -quiet -spec $$f || exit 1; done
	$(GO) run ./cmd/dslgen simulate -quiet -spec $(SPEC) -profile deep -behaviours 5000
	@for f in $(EXAMPLES); do echo "$(GO) run ./cmd/dslgen simulate -quiet -spec $$f -behaviours 2000"; $(GO) run ./cmd/dslgen simulate -quiet -spec $$f -behaviours 2000 || exit 1; done

## test: everything CI runs. RAPID_CHECKS is rapid's -rapid.checks (only
## proptest/ uses rapid): a fixed count, so the run time is bounded.
test: vet verify check
	RAPID_CHECKS=$(PROPTEST_CHECKS) SPECFUZZ_N=$(SPECFUZZ_N) $(GO) test -count=1 ./...
	$(GO) test -race -count=1 ./runtime/... ./examples/...
	$(GO) test -race -count=1 ./proptest -run '^(TestRuntimeConcurrentCallsSerializable|TestRuntimeChaos)$$' -rapid.checks=200
	$(MAKE) -C bench test
	# The short fuzz runs start from the seeds and the committed corpus
	# (testdata/fuzz) alone: the inputs go test -fuzz caches grow with every
	# run, and gathering their baseline coverage took all of FUZZTIME.
	$(GO) clean -fuzzcache
	$(MAKE) fuzz FUZZTIME=8s

## proptest-long: the property tests with PROPTEST_LONG_CHECKS checks each, and the
## runtime ones again under the race detector, for local soaking
proptest-long:
	$(GO) test -count=1 ./proptest -rapid.checks=$(PROPTEST_LONG_CHECKS) -timeout 60m
	$(GO) test -race -count=1 ./proptest -run '^TestRuntime' -rapid.checks=$(PROPTEST_LONG_CHECKS) -timeout 60m

## soak-specs: run SPECS random specs through the whole pipeline (internal/specfuzz),
## shrinking up to SHRINK distinct failures; SEED picks another sequence, and
## SAVE=DIR writes each shrunk spec to DIR (for testdata/regress)
SPECS ?= 2000
SEED ?= 1
SHRINK ?= 20
SAVE ?=
soak-specs:
	SPECFUZZ_N=$(SPECS) SPECFUZZ_SEED=$(SEED) SPECFUZZ_SHRINK=$(SHRINK) SPECFUZZ_SHRINK_SECONDS=90 SPECFUZZ_SAVE=$(SAVE) \
		$(GO) test -count=1 ./internal/specfuzz -run '^TestRandomSpecs$$' -timeout 6h -v

## fuzz: run each fuzz target (FUZZ_TARGETS) for FUZZTIME, e.g. make fuzz FUZZTIME=5m.
## Minimization of new inputs is bounded (-fuzzminimizetime 50x) and a run
## must execute FUZZ_MIN_EXECS inputs (scripts/fuzz.sh).
## A crash is written to PKG/testdata/fuzz/TARGET/; commit it with the fix,
## and go test replays it from then on.
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		GO=$(GO) scripts/fuzz.sh $${t%%:*} $${t##*:} $(FUZZTIME) $(FUZZ_MIN_EXECS) || exit 1; \
	done

## bench: the generated machine against looplab/fsm and qmuntal/stateless (ratio table), then gen/'s own benchmarks, then the checker's: BenchmarkShipped (dslgen check's default engine, the generated package run by its helper program) and BenchmarkCheck (the closure engine, exact and fingerprint), each giving states/s and bytes a state on tlc and ci with 1 and 2 workers
bench:
	$(MAKE) -C bench bench
	$(GO) test ./gen -run '^$$' -bench . -benchmem -count 5
	$(GO) test ./check/shipped -run '^$$' -bench 'BenchmarkShipped' -benchtime 1x -count 1 -timeout 30m
	$(GO) test ./check -run '^$$' -bench 'BenchmarkCheck' -benchmem -benchtime 1x -count 1 -timeout 30m

## tlc: run TLC on the generated TLA+ model, profile TLC_PROFILE (default ci): make tlc TLA2TOOLS=/path/to/tla2tools.jar
TLA2TOOLS ?=
TLC_PROFILE ?= ci
TLC_MODULE ?= Meerkat
tlc:
	@if [ -z "$(TLA2TOOLS)" ] || [ ! -f "$(TLA2TOOLS)" ]; then \
		echo "tlc: no TLC jar given (TLA2TOOLS='$(TLA2TOOLS)'), skipping."; \
		echo "tlc: download tla2tools.jar from https://github.com/tlaplus/tlaplus/releases (Java 11+), then"; \
		echo "tlc:   make tlc TLA2TOOLS=/path/to/tla2tools.jar [TLC_PROFILE=tlc|ci|deep]"; \
		exit 0; \
	fi; \
	meta=$$(mktemp -d); trap 'rm -rf "$$meta"' EXIT; \
	cd TLA && java -XX:+UseParallelGC -jar "$(abspath $(TLA2TOOLS))" \
		-config $(TLC_MODULE)_$(TLC_PROFILE).cfg -metadir "$$meta" -workers auto $(TLC_MODULE)
