package sched

//go:generate go run ../../../cmd/dslgen generate -spec ../../conformance/testdata/scheduler.yaml -out . -package sched
