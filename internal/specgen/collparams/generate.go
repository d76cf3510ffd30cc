package collparams

//go:generate go run ../../../cmd/dslgen generate -spec ../../conformance/testdata/collparams.yaml -out . -package collparams
