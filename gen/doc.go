package gen

//go:generate go run ../cmd/dslgen generate -spec ../spec/machine.yaml -out . -package gen
