package realtimegen

//go:generate go tool dslgen generate -spec ../spec/realtime.yaml -out . -package realtimegen
