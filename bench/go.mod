module github.com/meerkat-go/dslmachine/bench

go 1.26.8

replace github.com/meerkat-go/dslmachine => ../

require (
	github.com/looplab/fsm v1.0.3
	github.com/qmuntal/stateless v1.7.2
	golang.org/x/perf v0.0.0-20260908200009-22c9c6c9d4da
)

require github.com/dave/jennifer v1.7.1 // indirect

require (
	github.com/aclements/go-moremath v0.0.0-20210112150236-f10218a38794 // indirect
	github.com/meerkat-go/dslmachine v0.0.0-00010101000000-000000000000 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
)

tool (
	github.com/meerkat-go/dslmachine/cmd/dslgen
	golang.org/x/perf/cmd/benchstat
)
