// Package statelessfsm implements the benchmark machine (see package realtime
// and ../spec/realtime.yaml) with github.com/qmuntal/stateless, the way that
// library's documentation uses it:
//
//   - the state machine's state is the machine's phase, the lifecycle phase,
//     and its triggers are the inputs (realtime.Kind values); it runs in the
//     default FiringQueued mode, which the library recommends;
//   - a transition that stays in its phase is an InternalTransition with an
//     action; a transition that changes phase is Permit, with its updates in
//     the destination's OnEntryFrom action;
//   - guards are guard clauses (one GuardFunc per named guard, in the spec's
//     order); a rejection goes through OnUnhandledTrigger, which receives the
//     unmet guards' descriptions;
//   - parameters are declared with SetTriggerParameters and passed to Fire;
//   - the other state fields, the authority epoch counter included, are
//     fields of the object that owns the state machine, which the guards and
//     actions read and write (the library keeps no data besides the state).
package statelessfsm

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/qmuntal/stateless"

	"github.com/meerkat-go/dslmachine/bench/realtime"
)

// RejectedError is what OnUnhandledTrigger returns: the trigger, the phase,
// and the descriptions of the unmet guard clauses (empty when the trigger has
// no transition in the phase).
type RejectedError struct {
	// Trigger is the rejected input.
	Trigger realtime.Kind
	// Phase is the lifecycle phase.
	Phase realtime.LifecyclePhase
	// UnmetGuards are stateless's descriptions of the guard clauses that
	// failed, in order: the guard methods' names ("turnTerminal-fm").
	UnmetGuards []string
}

// Error implements error.
func (e *RejectedError) Error() string {
	if len(e.UnmetGuards) == 0 {
		return fmt.Sprintf("no transition for %v in %v", e.Trigger, e.Phase)
	}
	return fmt.Sprintf("%v rejected in %v by %v", e.Trigger, e.Phase, e.UnmetGuards)
}

// Machine is one instance of the benchmark machine on qmuntal/stateless.
type Machine struct {
	sm *stateless.StateMachine

	turn     realtime.TurnPhase
	binding  realtime.BindingState
	hasEpoch bool
	epoch    uint64
	reattach bool
	next     uint64
	topology realtime.TopologyPhase

	effects []realtime.Effect
}

// Impl is the qmuntal/stateless implementation, for tests and benchmarks.
func Impl() realtime.Impl {
	return realtime.Impl{Name: "stateless", New: func() realtime.Machine { return New() }}
}

// New returns a machine in the initial state.
func New() *Machine {
	m := &Machine{
		sm:      stateless.NewStateMachine(realtime.Attached),
		turn:    realtime.Ready,
		binding: realtime.Unbound,
		next:    1,
		effects: make([]realtime.Effect, 0, 2),
	}
	m.sm.SetTriggerParameters(realtime.PublishRealtimeSignal, reflect.TypeFor[uint64](), reflect.TypeFor[realtime.BindingState]())
	m.sm.SetTriggerParameters(realtime.BeginLiveTopologyReconfigure, reflect.TypeFor[uint64]())
	m.sm.OnUnhandledTrigger(func(_ context.Context, state stateless.State, trigger stateless.Trigger, unmet []string) error {
		return &RejectedError{Trigger: trigger.(realtime.Kind), Phase: state.(realtime.LifecyclePhase), UnmetGuards: unmet}
	})

	for _, phase := range []realtime.LifecyclePhase{realtime.Attached, realtime.Running} {
		m.sm.Configure(phase).
			// Realtime attachment (§3).
			InternalTransition(realtime.BeginRealtimeBinding, m.beginRealtimeBinding, m.noTopologyReconfigureInProgress).
			InternalTransition(realtime.ReplaceRealtimeBinding, m.replaceRealtimeBinding, m.noTopologyReconfigureInProgress).
			InternalTransition(realtime.DetachRealtimeBinding, m.detachRealtimeBinding).
			InternalTransition(realtime.RequireRealtimeReattach, m.requireRealtimeReattach).
			InternalTransition(realtime.PublishRealtimeSignal, m.publishRealtimeSignal,
				m.authorityMatchesCurrent, m.noTopologyReconfigureInProgress, m.validNextState).
			// Live topology (§4).
			InternalTransition(realtime.BeginLiveTopologyReconfigure, m.beginLiveTopologyReconfigure,
				m.authorityMatchesCurrent, m.topologyIdle).
			InternalTransition(realtime.MarkLiveTopologyDetached, m.markLiveTopologyDetached,
				m.topologyReconfiguring, m.turnAtSafeBoundary).
			InternalTransition(realtime.ApplyLiveTopologyIdentity, m.applyLiveTopologyIdentity, m.topologyDetached).
			InternalTransition(realtime.ApplyLiveTopologyVisibility, m.applyLiveTopologyVisibility, m.hostIdentityApplied).
			InternalTransition(realtime.CompleteLiveTopology, m.completeLiveTopology, m.hostVisibilityApplied).
			InternalTransition(realtime.AbortLiveTopologyBeforeDetach, m.abortLiveTopologyBeforeDetach, m.topologyReconfiguring).
			InternalTransition(realtime.FailLiveTopologyAfterDetach, m.failLiveTopologyAfterDetach, m.topologyPastDetach)
	}
	// Turn (§2).
	m.sm.Configure(realtime.Attached).
		Permit(realtime.StartConversationRun, realtime.Running, m.turnResettable)
	m.sm.Configure(realtime.Running).
		OnEntryFrom(realtime.StartConversationRun, m.startConversationRun).
		InternalTransition(realtime.StartConversationRun, m.startConversationRun, m.turnResettable).
		InternalTransition(realtime.LLMReturnedTerminal, m.llmReturnedTerminal, m.turnCallingLLM).
		InternalTransition(realtime.BoundaryContinue, m.boundaryContinue, m.turnDrainingBoundary).
		InternalTransition(realtime.BoundaryComplete, m.boundaryComplete, m.turnDrainingBoundary).
		Permit(realtime.ServiceTurnCommitted, realtime.Attached, m.turnTerminal)
	return m
}

// Step fires the input's trigger with its parameters.
func (m *Machine) Step(in realtime.Input) error {
	m.effects = m.effects[:0]
	switch in.Kind {
	case realtime.PublishRealtimeSignal:
		return m.sm.Fire(in.Kind, in.AuthorityEpoch, in.NextBindingState)
	case realtime.BeginLiveTopologyReconfigure:
		return m.sm.Fire(in.Kind, in.AuthorityEpoch)
	default:
		return m.sm.Fire(in.Kind)
	}
}

// Snapshot reads the state machine's state and the owner's fields.
func (m *Machine) Snapshot() realtime.Snapshot {
	return realtime.Snapshot{
		Lifecycle: m.sm.MustState().(realtime.LifecyclePhase),
		Turn:      m.turn,
		Binding:   m.binding,
		HasEpoch:  m.hasEpoch,
		Epoch:     m.epoch,
		Reattach:  m.reattach,
		NextEpoch: m.next,
		Topology:  m.topology,
	}
}

// AppendEffects appends the effects of the last Step.
func (m *Machine) AppendEffects(dst []realtime.Effect) []realtime.Effect {
	return append(dst, m.effects...)
}

// Classify maps a RejectedError to an outcome; a guard's description, the
// name of its method, becomes the spec's snake_case guard name.
func (m *Machine) Classify(err error) realtime.Outcome {
	if err == nil {
		return realtime.Outcome{Accepted: true}
	}
	var rej *RejectedError
	if !errors.As(err, &rej) {
		return realtime.Outcome{Guard: "unexpected error: " + err.Error()}
	}
	if len(rej.UnmetGuards) == 0 {
		return realtime.Outcome{NoTransition: true}
	}
	return realtime.Outcome{Guard: GuardName(rej.UnmetGuards[0])}
}

// GuardName turns stateless's description of a guard method value
// ("authorityMatchesCurrent-fm", "turnCallingLLM-fm") into the spec's guard
// name ("authority_matches_current", "turn_calling_llm"): a word starts at an
// upper-case letter after a lower-case one, and an initialism (a run of
// upper-case letters) is one word, ending before an upper-case letter that
// is followed by a lower-case one ("LLMIdentity" is llm, identity).
func GuardName(description string) string {
	name := []rune(strings.TrimSuffix(description, "-fm"))
	isUpper := func(r rune) bool { return r >= 'A' && r <= 'Z' }
	isLower := func(r rune) bool { return r >= 'a' && r <= 'z' }
	var b strings.Builder
	for i, r := range name {
		if isUpper(r) {
			prevLower := i > 0 && !isUpper(name[i-1])
			endsInitialism := i > 0 && isUpper(name[i-1]) && i+1 < len(name) && isLower(name[i+1])
			if prevLower || endsInitialism {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Guards. Their method names are the spec's guard names in camelCase, since
// stateless describes an unmet guard by its function's name.

func (m *Machine) noTopologyReconfigureInProgress(context.Context, ...any) bool {
	return m.topology == realtime.TopologyIdle
}

func (m *Machine) authorityMatchesCurrent(_ context.Context, args ...any) bool {
	return m.hasEpoch && m.epoch == args[0].(uint64)
}

func (m *Machine) validNextState(_ context.Context, args ...any) bool {
	switch args[1].(realtime.BindingState) {
	case realtime.BindingNotReady, realtime.BindingReady, realtime.ReplacementPending:
		return true
	}
	return false
}

func (m *Machine) topologyIdle(context.Context, ...any) bool {
	return m.topology == realtime.TopologyIdle
}

func (m *Machine) topologyReconfiguring(context.Context, ...any) bool {
	return m.topology == realtime.Reconfiguring
}

func (m *Machine) turnAtSafeBoundary(context.Context, ...any) bool {
	switch m.turn {
	case realtime.Ready, realtime.DrainingBoundary, realtime.Completed:
		return true
	}
	return false
}

func (m *Machine) topologyDetached(context.Context, ...any) bool {
	return m.topology == realtime.Detached
}

func (m *Machine) hostIdentityApplied(context.Context, ...any) bool {
	return m.topology == realtime.HostIdentityApplied
}

func (m *Machine) hostVisibilityApplied(context.Context, ...any) bool {
	return m.topology == realtime.HostVisibilityApplied
}

func (m *Machine) topologyPastDetach(context.Context, ...any) bool {
	switch m.topology {
	case realtime.Detached, realtime.HostIdentityApplied, realtime.HostVisibilityApplied:
		return true
	}
	return false
}

func (m *Machine) turnResettable(context.Context, ...any) bool {
	return m.turn == realtime.Ready || m.turn == realtime.Completed
}

func (m *Machine) turnCallingLLM(context.Context, ...any) bool {
	return m.turn == realtime.CallingLLM
}

func (m *Machine) turnDrainingBoundary(context.Context, ...any) bool {
	return m.turn == realtime.DrainingBoundary
}

func (m *Machine) turnTerminal(context.Context, ...any) bool {
	return m.turn == realtime.Completed
}

// Update bundles.

// mint gives the binding a fresh authority epoch and emits it.
func (m *Machine) mint(state realtime.BindingState) {
	m.binding = state
	m.hasEpoch, m.epoch = true, m.next
	m.next++
	m.reattach = false
	m.effects = append(m.effects, realtime.Effect{Kind: realtime.RealtimeBindingRotated, AuthorityEpoch: m.epoch})
}

// unbind drops the binding and retires its epoch.
func (m *Machine) unbind(reattach bool) {
	m.binding = realtime.Unbound
	m.hasEpoch, m.epoch = false, 0
	m.reattach = reattach
	m.next++
}

// moveTopology sets the topology phase and emits LiveTopologyPhaseChanged.
func (m *Machine) moveTopology(to realtime.TopologyPhase) {
	m.topology = to
	m.effects = append(m.effects, realtime.Effect{Kind: realtime.LiveTopologyPhaseChanged})
}

// Actions.

func (m *Machine) beginRealtimeBinding(context.Context, ...any) error {
	m.mint(realtime.BindingNotReady)
	return nil
}

func (m *Machine) replaceRealtimeBinding(context.Context, ...any) error {
	m.mint(realtime.ReplacementPending)
	return nil
}

func (m *Machine) detachRealtimeBinding(context.Context, ...any) error {
	m.unbind(false)
	return nil
}

func (m *Machine) requireRealtimeReattach(context.Context, ...any) error {
	m.unbind(true)
	return nil
}

func (m *Machine) publishRealtimeSignal(_ context.Context, args ...any) error {
	m.binding = args[1].(realtime.BindingState)
	m.reattach = false
	return nil
}

func (m *Machine) beginLiveTopologyReconfigure(context.Context, ...any) error {
	m.moveTopology(realtime.Reconfiguring)
	return nil
}

func (m *Machine) markLiveTopologyDetached(context.Context, ...any) error {
	m.unbind(false)
	m.moveTopology(realtime.Detached)
	return nil
}

func (m *Machine) applyLiveTopologyIdentity(context.Context, ...any) error {
	m.moveTopology(realtime.HostIdentityApplied)
	return nil
}

func (m *Machine) applyLiveTopologyVisibility(context.Context, ...any) error {
	m.moveTopology(realtime.HostVisibilityApplied)
	return nil
}

func (m *Machine) completeLiveTopology(context.Context, ...any) error {
	m.moveTopology(realtime.TopologyIdle)
	return nil
}

func (m *Machine) abortLiveTopologyBeforeDetach(context.Context, ...any) error {
	m.moveTopology(realtime.TopologyIdle)
	return nil
}

func (m *Machine) failLiveTopologyAfterDetach(context.Context, ...any) error {
	m.unbind(true)
	m.moveTopology(realtime.TopologyIdle)
	return nil
}

func (m *Machine) startConversationRun(context.Context, ...any) error {
	m.turn = realtime.CallingLLM
	return nil
}

func (m *Machine) llmReturnedTerminal(context.Context, ...any) error {
	m.turn = realtime.DrainingBoundary
	return nil
}

func (m *Machine) boundaryContinue(context.Context, ...any) error {
	m.turn = realtime.CallingLLM
	return nil
}

func (m *Machine) boundaryComplete(context.Context, ...any) error {
	m.turn = realtime.Completed
	return nil
}
