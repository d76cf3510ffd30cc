# Makefile for the spec-to-Go pipeline. `make test` is the full test run (CI).
GO ?= go
SPEC ?= spec/machine.yaml
EXAMPLES := $(wildcard spec/examples/*.yaml)
FUZZTIME ?= 5s

.PHONY: all generate verify check test vet fuzz bench tlc proptest-long

all: verify test

## generate: regenerate every generated file from its spec
generate:
	$(GO) generate ./...
	$(MAKE) -C bench generate

## verify: regenerate into a temporary directory and fail on any difference (drift check)
verify:
	@scripts/verify.sh

## vet: go vet and gofmt
vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## test: everything CI runs
test: vet verify
	$(GO) test -count=1 ./...
	$(GO) test -race -count=1 ./runtime/... ./examples/...
	$(MAKE) -C bench test
	$(MAKE) fuzz FUZZTIME=3s

## fuzz: run each fuzz target for FUZZTIME
fuzz:
	$(GO) test ./model -run '^$$' -fuzz '^FuzzParseSpec$$' -fuzztime $(FUZZTIME)
	$(GO) test ./model -run '^$$' -fuzz '^FuzzParseExpr$$' -fuzztime $(FUZZTIME)
	$(GO) test ./model -run '^$$' -fuzz '^FuzzParseStmt$$' -fuzztime $(FUZZTIME)

## bench: the generated machine against looplab/fsm and qmuntal/stateless (ratio table), then gen/'s own benchmarks
bench:
	$(MAKE) -C bench bench
	$(GO) test ./gen -run '^$$' -bench . -benchmem -count 5
