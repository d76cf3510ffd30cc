package jobscheduler

//go:generate go run ../../../cmd/dslgen generate -spec ../../../spec/examples/scheduler.yaml -out . -package jobscheduler
