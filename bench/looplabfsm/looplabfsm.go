// Package looplabfsm implements the benchmark machine (see package realtime
// and ../spec/realtime.yaml) with github.com/looplab/fsm, the way that
// library's documentation and examples use it:
//
//   - the FSM's state is the machine's phase, the lifecycle phase; every input
//     is an event whose Src lists the phases of its transition (a transition
//     that stays in any phase is one EventDesc per phase, since an EventDesc
//     has a single Dst);
//   - every other state field is FSM metadata (SetMetadata / Metadata, the
//     library's store for "data that may be used across events"), the
//     authority epoch counter included;
//   - guards are before_<EVENT> callbacks that cancel the event with an error
//     naming the first failing guard;
//   - updates and effects are after_<EVENT> callbacks;
//   - parameters are the event's arguments (Event(ctx, name, args...) and
//     e.Args).
//
// A self-loop makes Event return NoTransitionError with a nil Err, which the
// library documents as the result of an event whose source and destination
// are the same; Step counts it as accepted.
package looplabfsm

import (
	"context"
	"errors"

	"github.com/looplab/fsm"

	"github.com/meerkat-go/dslmachine/bench/realtime"
)

// Metadata keys, named after the spec's fields.
const (
	keyTurn     = "turn_phase"
	keyBinding  = "realtime_binding_state"
	keyEpoch    = "realtime_binding_authority_epoch"
	keyReattach = "realtime_reattach_required"
	keyNext     = "realtime_next_authority_epoch"
	keyTopology = "live_topology_phase"
)

// Lifecycle phases, as FSM state names.
const (
	stateAttached = "Attached"
	stateRunning  = "Running"
)

// GuardError is the error a before_<EVENT> callback cancels an event with: the
// name of the first failing guard. Step returns it wrapped in
// fsm.CanceledError.
type GuardError string

// Error implements error.
func (g GuardError) Error() string { return "guard " + string(g) + " rejected the event" }

// epoch is the value of the realtime_binding_authority_epoch metadata: an
// optional epoch.
type epoch struct {
	value uint64
	some  bool
}

// Machine is one instance of the benchmark machine on looplab/fsm.
type Machine struct {
	fsm     *fsm.FSM
	ctx     context.Context
	effects []realtime.Effect
}

// Impl is the looplab/fsm implementation, for tests and benchmarks.
func Impl() realtime.Impl {
	return realtime.Impl{Name: "looplab", New: func() realtime.Machine { return New() }}
}

// New returns a machine in the initial state.
func New() *Machine {
	m := &Machine{ctx: context.Background(), effects: make([]realtime.Effect, 0, 2)}
	both := []string{stateAttached, stateRunning}
	var events fsm.Events
	stay := func(k realtime.Kind) {
		events = append(events,
			fsm.EventDesc{Name: k.String(), Src: []string{stateAttached}, Dst: stateAttached},
			fsm.EventDesc{Name: k.String(), Src: []string{stateRunning}, Dst: stateRunning})
	}
	for _, k := range []realtime.Kind{
		realtime.BeginRealtimeBinding, realtime.ReplaceRealtimeBinding,
		realtime.DetachRealtimeBinding, realtime.RequireRealtimeReattach,
		realtime.PublishRealtimeSignal, realtime.BeginLiveTopologyReconfigure,
		realtime.MarkLiveTopologyDetached, realtime.ApplyLiveTopologyIdentity,
		realtime.ApplyLiveTopologyVisibility, realtime.CompleteLiveTopology,
		realtime.AbortLiveTopologyBeforeDetach, realtime.FailLiveTopologyAfterDetach,
	} {
		stay(k)
	}
	events = append(events,
		fsm.EventDesc{Name: realtime.StartConversationRun.String(), Src: both, Dst: stateRunning},
		fsm.EventDesc{Name: realtime.LLMReturnedTerminal.String(), Src: []string{stateRunning}, Dst: stateRunning},
		fsm.EventDesc{Name: realtime.BoundaryContinue.String(), Src: []string{stateRunning}, Dst: stateRunning},
		fsm.EventDesc{Name: realtime.BoundaryComplete.String(), Src: []string{stateRunning}, Dst: stateRunning},
		fsm.EventDesc{Name: realtime.ServiceTurnCommitted.String(), Src: []string{stateRunning}, Dst: stateAttached},
	)
	m.fsm = fsm.NewFSM(stateAttached, events, m.callbacks())
	m.fsm.SetMetadata(keyTurn, realtime.Ready)
	m.fsm.SetMetadata(keyBinding, realtime.Unbound)
	m.fsm.SetMetadata(keyEpoch, epoch{})
	m.fsm.SetMetadata(keyReattach, false)
	m.fsm.SetMetadata(keyNext, uint64(1))
	m.fsm.SetMetadata(keyTopology, realtime.TopologyIdle)
	return m
}

// Step fires the input's event.
func (m *Machine) Step(in realtime.Input) error {
	m.effects = m.effects[:0]
	var err error
	switch in.Kind {
	case realtime.PublishRealtimeSignal:
		err = m.fsm.Event(m.ctx, in.Kind.String(), in.AuthorityEpoch, in.NextBindingState)
	case realtime.BeginLiveTopologyReconfigure:
		err = m.fsm.Event(m.ctx, in.Kind.String(), in.AuthorityEpoch)
	default:
		err = m.fsm.Event(m.ctx, in.Kind.String())
	}
	if nt, ok := err.(fsm.NoTransitionError); ok && nt.Err == nil {
		return nil // a self-loop fired
	}
	return err
}

// Snapshot reads the phase and the metadata.
func (m *Machine) Snapshot() realtime.Snapshot {
	lifecycle := realtime.Attached
	if m.fsm.Current() == stateRunning {
		lifecycle = realtime.Running
	}
	e := m.epoch()
	return realtime.Snapshot{
		Lifecycle: lifecycle,
		Turn:      m.turn(),
		Binding:   m.binding(),
		HasEpoch:  e.some,
		Epoch:     e.value,
		Reattach:  m.reattach(),
		NextEpoch: m.next(),
		Topology:  m.topology(),
	}
}

// AppendEffects appends the effects of the last Step.
func (m *Machine) AppendEffects(dst []realtime.Effect) []realtime.Effect {
	return append(dst, m.effects...)
}

// Classify maps looplab's errors: a cancelled event names its guard, an event
// that is not allowed in the current state has no transition.
func (m *Machine) Classify(err error) realtime.Outcome {
	if err == nil {
		return realtime.Outcome{Accepted: true}
	}
	var g GuardError
	if errors.As(err, &g) {
		return realtime.Outcome{Guard: string(g)}
	}
	var invalid fsm.InvalidEventError
	if errors.As(err, &invalid) {
		return realtime.Outcome{NoTransition: true}
	}
	return realtime.Outcome{Guard: "unexpected error: " + err.Error()}
}

// Typed metadata reads.

func (m *Machine) turn() realtime.TurnPhase {
	v, _ := m.fsm.Metadata(keyTurn)
	return v.(realtime.TurnPhase)
}

func (m *Machine) binding() realtime.BindingState {
	v, _ := m.fsm.Metadata(keyBinding)
	return v.(realtime.BindingState)
}

func (m *Machine) epoch() epoch {
	v, _ := m.fsm.Metadata(keyEpoch)
	return v.(epoch)
}

func (m *Machine) reattach() bool {
	v, _ := m.fsm.Metadata(keyReattach)
	return v.(bool)
}

func (m *Machine) next() uint64 {
	v, _ := m.fsm.Metadata(keyNext)
	return v.(uint64)
}

func (m *Machine) topology() realtime.TopologyPhase {
	v, _ := m.fsm.Metadata(keyTopology)
	return v.(realtime.TopologyPhase)
}

// Guards, in the spec's order for each event. Each cancels the event with the
// name of the first guard that fails.

func (m *Machine) requireTopologyIdle(e *fsm.Event) bool {
	if m.topology() != realtime.TopologyIdle {
		e.Cancel(GuardError("no_topology_reconfigure_in_progress"))
		return false
	}
	return true
}

func (m *Machine) requireAuthority(e *fsm.Event, arg uint64) bool {
	if cur := m.epoch(); !cur.some || cur.value != arg {
		e.Cancel(GuardError("authority_matches_current"))
		return false
	}
	return true
}

func (m *Machine) requireTopology(e *fsm.Event, want realtime.TopologyPhase, guard GuardError) {
	if m.topology() != want {
		e.Cancel(guard)
	}
}

func (m *Machine) requireTurn(e *fsm.Event, want realtime.TurnPhase, guard GuardError) {
	if m.turn() != want {
		e.Cancel(guard)
	}
}

// Update bundles.

// mint gives the binding a fresh authority epoch and emits it.
func (m *Machine) mint(state realtime.BindingState) {
	next := m.next()
	m.fsm.SetMetadata(keyBinding, state)
	m.fsm.SetMetadata(keyEpoch, epoch{value: next, some: true})
	m.fsm.SetMetadata(keyNext, next+1)
	m.fsm.SetMetadata(keyReattach, false)
	m.effects = append(m.effects, realtime.Effect{Kind: realtime.RealtimeBindingRotated, AuthorityEpoch: next})
}

// unbind drops the binding and retires its epoch.
func (m *Machine) unbind(reattach bool) {
	m.fsm.SetMetadata(keyBinding, realtime.Unbound)
	m.fsm.SetMetadata(keyEpoch, epoch{})
	m.fsm.SetMetadata(keyReattach, reattach)
	m.fsm.SetMetadata(keyNext, m.next()+1)
}

// moveTopology sets the topology phase and emits LiveTopologyPhaseChanged.
func (m *Machine) moveTopology(to realtime.TopologyPhase) {
	m.fsm.SetMetadata(keyTopology, to)
	m.effects = append(m.effects, realtime.Effect{Kind: realtime.LiveTopologyPhaseChanged})
}

func (m *Machine) callbacks() fsm.Callbacks {
	before := func(k realtime.Kind) string { return "before_" + k.String() }
	after := func(k realtime.Kind) string { return "after_" + k.String() }
	return fsm.Callbacks{
		// Realtime attachment (§3).
		before(realtime.BeginRealtimeBinding): func(_ context.Context, e *fsm.Event) {
			m.requireTopologyIdle(e)
		},
		after(realtime.BeginRealtimeBinding): func(context.Context, *fsm.Event) {
			m.mint(realtime.BindingNotReady)
		},
		before(realtime.ReplaceRealtimeBinding): func(_ context.Context, e *fsm.Event) {
			m.requireTopologyIdle(e)
		},
		after(realtime.ReplaceRealtimeBinding): func(context.Context, *fsm.Event) {
			m.mint(realtime.ReplacementPending)
		},
		after(realtime.DetachRealtimeBinding): func(context.Context, *fsm.Event) {
			m.unbind(false)
		},
		after(realtime.RequireRealtimeReattach): func(context.Context, *fsm.Event) {
			m.unbind(true)
		},
		before(realtime.PublishRealtimeSignal): func(_ context.Context, e *fsm.Event) {
			arg := e.Args[0].(uint64)
			next := e.Args[1].(realtime.BindingState)
			if !m.requireAuthority(e, arg) || !m.requireTopologyIdle(e) {
				return
			}
			if next != realtime.BindingNotReady && next != realtime.BindingReady && next != realtime.ReplacementPending {
				e.Cancel(GuardError("valid_next_state"))
			}
		},
		after(realtime.PublishRealtimeSignal): func(_ context.Context, e *fsm.Event) {
			m.fsm.SetMetadata(keyBinding, e.Args[1].(realtime.BindingState))
			m.fsm.SetMetadata(keyReattach, false)
		},

		// Live topology (§4).
		before(realtime.BeginLiveTopologyReconfigure): func(_ context.Context, e *fsm.Event) {
			if m.requireAuthority(e, e.Args[0].(uint64)) {
				m.requireTopology(e, realtime.TopologyIdle, "topology_idle")
			}
		},
		after(realtime.BeginLiveTopologyReconfigure): func(context.Context, *fsm.Event) {
			m.moveTopology(realtime.Reconfiguring)
		},
		before(realtime.MarkLiveTopologyDetached): func(_ context.Context, e *fsm.Event) {
			if m.topology() != realtime.Reconfiguring {
				e.Cancel(GuardError("topology_reconfiguring"))
				return
			}
			switch m.turn() {
			case realtime.Ready, realtime.DrainingBoundary, realtime.Completed:
			default:
				e.Cancel(GuardError("turn_at_safe_boundary"))
			}
		},
		after(realtime.MarkLiveTopologyDetached): func(context.Context, *fsm.Event) {
			m.fsm.SetMetadata(keyTopology, realtime.Detached)
			m.unbind(false)
			m.effects = append(m.effects, realtime.Effect{Kind: realtime.LiveTopologyPhaseChanged})
		},
		before(realtime.ApplyLiveTopologyIdentity): func(_ context.Context, e *fsm.Event) {
			m.requireTopology(e, realtime.Detached, "topology_detached")
		},
		after(realtime.ApplyLiveTopologyIdentity): func(context.Context, *fsm.Event) {
			m.moveTopology(realtime.HostIdentityApplied)
		},
		before(realtime.ApplyLiveTopologyVisibility): func(_ context.Context, e *fsm.Event) {
			m.requireTopology(e, realtime.HostIdentityApplied, "host_identity_applied")
		},
		after(realtime.ApplyLiveTopologyVisibility): func(context.Context, *fsm.Event) {
			m.moveTopology(realtime.HostVisibilityApplied)
		},
		before(realtime.CompleteLiveTopology): func(_ context.Context, e *fsm.Event) {
			m.requireTopology(e, realtime.HostVisibilityApplied, "host_visibility_applied")
		},
		after(realtime.CompleteLiveTopology): func(context.Context, *fsm.Event) {
			m.moveTopology(realtime.TopologyIdle)
		},
		before(realtime.AbortLiveTopologyBeforeDetach): func(_ context.Context, e *fsm.Event) {
			m.requireTopology(e, realtime.Reconfiguring, "topology_reconfiguring")
		},
		after(realtime.AbortLiveTopologyBeforeDetach): func(context.Context, *fsm.Event) {
			m.moveTopology(realtime.TopologyIdle)
		},
		before(realtime.FailLiveTopologyAfterDetach): func(_ context.Context, e *fsm.Event) {
			switch m.topology() {
			case realtime.Detached, realtime.HostIdentityApplied, realtime.HostVisibilityApplied:
			default:
				e.Cancel(GuardError("topology_past_detach"))
			}
		},
		after(realtime.FailLiveTopologyAfterDetach): func(context.Context, *fsm.Event) {
			m.fsm.SetMetadata(keyTopology, realtime.TopologyIdle)
			m.unbind(true)
			m.effects = append(m.effects, realtime.Effect{Kind: realtime.LiveTopologyPhaseChanged})
		},

		// Turn (§2).
		before(realtime.StartConversationRun): func(_ context.Context, e *fsm.Event) {
			if t := m.turn(); t != realtime.Ready && t != realtime.Completed {
				e.Cancel(GuardError("turn_resettable"))
			}
		},
		after(realtime.StartConversationRun): func(context.Context, *fsm.Event) {
			m.fsm.SetMetadata(keyTurn, realtime.CallingLLM)
		},
		before(realtime.LLMReturnedTerminal): func(_ context.Context, e *fsm.Event) {
			m.requireTurn(e, realtime.CallingLLM, "turn_calling_llm")
		},
		after(realtime.LLMReturnedTerminal): func(context.Context, *fsm.Event) {
			m.fsm.SetMetadata(keyTurn, realtime.DrainingBoundary)
		},
		before(realtime.BoundaryContinue): func(_ context.Context, e *fsm.Event) {
			m.requireTurn(e, realtime.DrainingBoundary, "turn_draining_boundary")
		},
		after(realtime.BoundaryContinue): func(context.Context, *fsm.Event) {
			m.fsm.SetMetadata(keyTurn, realtime.CallingLLM)
		},
		before(realtime.BoundaryComplete): func(_ context.Context, e *fsm.Event) {
			m.requireTurn(e, realtime.DrainingBoundary, "turn_draining_boundary")
		},
		after(realtime.BoundaryComplete): func(context.Context, *fsm.Event) {
			m.fsm.SetMetadata(keyTurn, realtime.Completed)
		},
		before(realtime.ServiceTurnCommitted): func(_ context.Context, e *fsm.Event) {
			m.requireTurn(e, realtime.Completed, "turn_terminal")
		},
	}
}
