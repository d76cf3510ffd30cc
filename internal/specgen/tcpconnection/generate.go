package tcpconnection

//go:generate go run ../../../cmd/dslgen generate -spec ../../../spec/examples/tcp.yaml -out . -package tcpconnection
