package gen

//go:generate go run ../cmd/dslgen generate -spec ../spec/machine.yaml -out . -package gen
//go:generate go run ../cmd/dslgen tla -spec ../spec/machine.yaml -out ../TLA
//go:generate go run ../cmd/dslgen graph -spec ../spec/machine.yaml -format mermaid -out ../docs/DIAGRAMS.md -embed ../README.md
