package wallet

//go:generate go run ../../../cmd/dslgen generate -spec ../../conformance/testdata/wallet.yaml -out . -package wallet
