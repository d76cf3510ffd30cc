package vending

//go:generate go run ../../../cmd/dslgen generate -spec ../../../spec/examples/vending.yaml -out . -package vending
