package realtimegen

//go:generate go run github.com/meerkat-go/dslmachine/cmd/dslgen generate -spec ../spec/realtime.yaml -out . -package realtimegen
