package conformance

import (
	"encoding/json"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/internal/specgen/collparams"
	"github.com/meerkat-go/dslmachine/internal/specgen/doorlock"
	"github.com/meerkat-go/dslmachine/internal/specgen/jobscheduler"
	"github.com/meerkat-go/dslmachine/internal/specgen/sched"
	"github.com/meerkat-go/dslmachine/internal/specgen/tcpconnection"
	"github.com/meerkat-go/dslmachine/internal/specgen/vending"
	"github.com/meerkat-go/dslmachine/internal/specgen/wallet"
)

// Case is a spec and its generated package.
type Case struct {
	Name string
	// Spec is the spec's path relative to the module root.
	Spec      string
	Generated Generated
}

// Cases returns every spec of this repository with its generated package
// (the last three, Wallet, Sched and Barrier, are regression specs under
// internal/conformance/testdata).
func Cases() []Case {
	return []Case{
		{Name: "Meerkat", Spec: "spec/machine.yaml", Generated: Generated{
			Initial: func() any { return gen.Initial() },
			Step: func(s, in any) (any, any, error) {
				n, fx, err := gen.Step(s.(gen.State), in.(gen.Input))
				return n, fx, err
			},
			DecodeInput:     func(b []byte) (any, error) { return gen.DecodeInput(b) },
			CheckInvariants: func(s any) error { return s.(gen.State).CheckInvariants() },
			UnmarshalState: func(b []byte) (any, error) {
				var s gen.State
				err := json.Unmarshal(b, &s)
				return s, err
			},
		}},
		{Name: "DoorLock", Spec: "spec/examples/doorlock.yaml", Generated: Generated{
			Initial: func() any { return doorlock.Initial() },
			Step: func(s, in any) (any, any, error) {
				n, fx, err := doorlock.Step(s.(doorlock.State), in.(doorlock.Input))
				return n, fx, err
			},
			DecodeInput:     func(b []byte) (any, error) { return doorlock.DecodeInput(b) },
			CheckInvariants: func(s any) error { return s.(doorlock.State).CheckInvariants() },
			UnmarshalState: func(b []byte) (any, error) {
				var s doorlock.State
				err := json.Unmarshal(b, &s)
				return s, err
			},
		}},
		{Name: "TcpConnection", Spec: "spec/examples/tcp.yaml", Generated: Generated{
			Initial: func() any { return tcpconnection.Initial() },
			Step: func(s, in any) (any, any, error) {
				n, fx, err := tcpconnection.Step(s.(tcpconnection.State), in.(tcpconnection.Input))
				return n, fx, err
			},
			DecodeInput:     func(b []byte) (any, error) { return tcpconnection.DecodeInput(b) },
			CheckInvariants: func(s any) error { return s.(tcpconnection.State).CheckInvariants() },
			UnmarshalState: func(b []byte) (any, error) {
				var s tcpconnection.State
				err := json.Unmarshal(b, &s)
				return s, err
			},
		}},
		{Name: "Vending", Spec: "spec/examples/vending.yaml", Generated: Generated{
			Initial: func() any { return vending.Initial() },
			Step: func(s, in any) (any, any, error) {
				n, fx, err := vending.Step(s.(vending.State), in.(vending.Input))
				return n, fx, err
			},
			DecodeInput:     func(b []byte) (any, error) { return vending.DecodeInput(b) },
			CheckInvariants: func(s any) error { return s.(vending.State).CheckInvariants() },
			UnmarshalState: func(b []byte) (any, error) {
				var s vending.State
				err := json.Unmarshal(b, &s)
				return s, err
			},
		}},
		{Name: "JobScheduler", Spec: "spec/examples/scheduler.yaml", Generated: Generated{
			Initial: func() any { return jobscheduler.Initial() },
			Step: func(s, in any) (any, any, error) {
				n, fx, err := jobscheduler.Step(s.(jobscheduler.State), in.(jobscheduler.Input))
				return n, fx, err
			},
			DecodeInput:     func(b []byte) (any, error) { return jobscheduler.DecodeInput(b) },
			CheckInvariants: func(s any) error { return s.(jobscheduler.State).CheckInvariants() },
			UnmarshalState: func(b []byte) (any, error) {
				var s jobscheduler.State
				err := json.Unmarshal(b, &s)
				return s, err
			},
		}},
		{Name: "Wallet", Spec: "internal/conformance/testdata/wallet.yaml", Generated: Generated{
			Initial: func() any { return wallet.Initial() },
			Step: func(s, in any) (any, any, error) {
				n, fx, err := wallet.Step(s.(wallet.State), in.(wallet.Input))
				return n, fx, err
			},
			DecodeInput:     func(b []byte) (any, error) { return wallet.DecodeInput(b) },
			CheckInvariants: func(s any) error { return s.(wallet.State).CheckInvariants() },
			UnmarshalState: func(b []byte) (any, error) {
				var s wallet.State
				err := json.Unmarshal(b, &s)
				return s, err
			},
		}},
		{Name: "Sched", Spec: "internal/conformance/testdata/scheduler.yaml", Generated: Generated{
			Initial: func() any { return sched.Initial() },
			Step: func(s, in any) (any, any, error) {
				n, fx, err := sched.Step(s.(sched.State), in.(sched.Input))
				return n, fx, err
			},
			DecodeInput:     func(b []byte) (any, error) { return sched.DecodeInput(b) },
			CheckInvariants: func(s any) error { return s.(sched.State).CheckInvariants() },
			UnmarshalState: func(b []byte) (any, error) {
				var s sched.State
				err := json.Unmarshal(b, &s)
				return s, err
			},
		}},
		{Name: "Barrier", Spec: "internal/conformance/testdata/collparams.yaml", Generated: Generated{
			Initial: func() any { return collparams.Initial() },
			Step: func(s, in any) (any, any, error) {
				n, fx, err := collparams.Step(s.(collparams.State), in.(collparams.Input))
				return n, fx, err
			},
			DecodeInput:     func(b []byte) (any, error) { return collparams.DecodeInput(b) },
			CheckInvariants: func(s any) error { return s.(collparams.State).CheckInvariants() },
			UnmarshalState: func(b []byte) (any, error) {
				var s collparams.State
				err := json.Unmarshal(b, &s)
				return s, err
			},
		}},
	}
}
