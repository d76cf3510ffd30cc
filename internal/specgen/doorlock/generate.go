package doorlock

//go:generate go run ../../../cmd/dslgen generate -spec ../../../spec/examples/doorlock.yaml -out . -package doorlock
