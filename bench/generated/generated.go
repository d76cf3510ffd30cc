// Package generated implements the benchmark machine with the package that
// dslgen generates from ../spec/realtime.yaml (../gen, package realtimegen):
// the state is a plain realtimegen.State value, a step is one call of the
// pure realtimegen.Step with a typed input struct, and rejections are the
// generated *GuardRejectedError and *NoTransitionError.
package generated

import (
	"errors"

	"github.com/meerkat-go/dslmachine/bench/gen"
	"github.com/meerkat-go/dslmachine/bench/realtime"
)

// Machine is one instance of the benchmark machine on the generated code.
type Machine struct {
	state   realtimegen.State
	effects realtimegen.Effects
}

// Impl is the generated implementation, for tests and benchmarks.
func Impl() realtime.Impl {
	return realtime.Impl{Name: "generated", New: func() realtime.Machine { return New() }}
}

// New returns a machine in the initial state.
func New() *Machine {
	return &Machine{state: realtimegen.Initial()}
}

// Step converts the input to its generated struct and applies it.
func (m *Machine) Step(in realtime.Input) error {
	var input realtimegen.Input
	switch in.Kind {
	case realtime.BeginRealtimeBinding:
		input = realtimegen.BeginRealtimeBinding{}
	case realtime.ReplaceRealtimeBinding:
		input = realtimegen.ReplaceRealtimeBinding{}
	case realtime.DetachRealtimeBinding:
		input = realtimegen.DetachRealtimeBinding{}
	case realtime.RequireRealtimeReattach:
		input = realtimegen.RequireRealtimeReattach{}
	case realtime.PublishRealtimeSignal:
		input = realtimegen.PublishRealtimeSignal{
			AuthorityEpoch:   in.AuthorityEpoch,
			NextBindingState: realtimegen.RealtimeBindingState(in.NextBindingState),
		}
	case realtime.BeginLiveTopologyReconfigure:
		input = realtimegen.BeginLiveTopologyReconfigure{AuthorityEpoch: in.AuthorityEpoch}
	case realtime.MarkLiveTopologyDetached:
		input = realtimegen.MarkLiveTopologyDetached{}
	case realtime.ApplyLiveTopologyIdentity:
		input = realtimegen.ApplyLiveTopologyIdentity{}
	case realtime.ApplyLiveTopologyVisibility:
		input = realtimegen.ApplyLiveTopologyVisibility{}
	case realtime.CompleteLiveTopology:
		input = realtimegen.CompleteLiveTopology{}
	case realtime.AbortLiveTopologyBeforeDetach:
		input = realtimegen.AbortLiveTopologyBeforeDetach{}
	case realtime.FailLiveTopologyAfterDetach:
		input = realtimegen.FailLiveTopologyAfterDetach{}
	case realtime.StartConversationRun:
		input = realtimegen.StartConversationRun{}
	case realtime.LLMReturnedTerminal:
		input = realtimegen.LLMReturnedTerminal{}
	case realtime.BoundaryContinue:
		input = realtimegen.BoundaryContinue{}
	case realtime.BoundaryComplete:
		input = realtimegen.BoundaryComplete{}
	case realtime.ServiceTurnCommitted:
		input = realtimegen.ServiceTurnCommitted{}
	}
	next, effects, err := realtimegen.Step(m.state, input)
	if err != nil {
		m.effects = realtimegen.Effects{}
		return err
	}
	m.state, m.effects = next, effects
	return nil
}

// Snapshot converts the generated state. The generated enums declare their
// values in the same order as package realtime (TestEnumsMatch checks it).
func (m *Machine) Snapshot() realtime.Snapshot {
	s := m.state
	epoch, some := s.RealtimeBindingAuthorityEpoch.Get()
	return realtime.Snapshot{
		Lifecycle: realtime.LifecyclePhase(s.LifecyclePhase),
		Turn:      realtime.TurnPhase(s.TurnPhase),
		Binding:   realtime.BindingState(s.RealtimeBindingState),
		HasEpoch:  some,
		Epoch:     epoch,
		Reattach:  s.RealtimeReattachRequired,
		NextEpoch: s.RealtimeNextAuthorityEpoch,
		Topology:  realtime.TopologyPhase(s.LiveTopologyPhase),
	}
}

// State returns the generated state itself.
func (m *Machine) State() realtimegen.State { return m.state }

// AppendEffects converts the effects of the last Step.
func (m *Machine) AppendEffects(dst []realtime.Effect) []realtime.Effect {
	for e := range m.effects.All() {
		if p, ok := e.AsRealtimeBindingRotated(); ok {
			dst = append(dst, realtime.Effect{Kind: realtime.RealtimeBindingRotated, AuthorityEpoch: p.AuthorityEpoch})
		} else if _, ok := e.AsLiveTopologyPhaseChanged(); ok {
			dst = append(dst, realtime.Effect{Kind: realtime.LiveTopologyPhaseChanged})
		}
	}
	return dst
}

// Classify maps the generated rejection errors.
func (m *Machine) Classify(err error) realtime.Outcome {
	if err == nil {
		return realtime.Outcome{Accepted: true}
	}
	var guard *realtimegen.GuardRejectedError
	if errors.As(err, &guard) {
		return realtime.Outcome{Guard: guard.Guard}
	}
	var none *realtimegen.NoTransitionError
	if errors.As(err, &none) {
		return realtime.Outcome{NoTransition: true}
	}
	return realtime.Outcome{Guard: "unexpected error: " + err.Error()}
}
