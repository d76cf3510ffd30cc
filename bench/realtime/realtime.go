// Package realtime is the vocabulary that every implementation of the
// benchmark machine shares: its enums, its inputs, the observable snapshot of
// its state, its effects, the outcome of a step and the Machine interface the
// tests and benchmarks drive.
//
// The machine is the realtime-attachment authority and the live-topology
// phase of one session (machine facts §3 and §4), together with the part of
// the turn phase (§2) that gates MarkLiveTopologyDetached and the two
// lifecycle phases the turn inputs need. Its reference text is
// ../spec/realtime.yaml; this package restates it in Go types so that the
// three implementations can be compared field by field.
package realtime

import "fmt"

// LifecyclePhase is the machine's top-level phase: the lifecycle phase of the
// session, reduced to the two phases in which a turn can be started and run.
type LifecyclePhase uint8

// The lifecycle phases.
const (
	// Attached means an executor is attached and no run is bound.
	Attached LifecyclePhase = iota
	// Running means a run is bound; the turn inputs are accepted only here.
	Running
)

var lifecyclePhaseNames = [...]string{"Attached", "Running"}

// String returns the phase's name as the spec spells it.
func (p LifecyclePhase) String() string { return enumName(lifecyclePhaseNames[:], uint8(p)) }

// TurnPhase is the turn phase, reduced to the values that the turn inputs of
// this machine reach.
type TurnPhase uint8

// The turn phases.
const (
	// Ready is the initial turn phase; it is a safe boundary.
	Ready TurnPhase = iota
	// CallingLLM is the only turn phase here that is not a safe boundary.
	CallingLLM
	// DrainingBoundary is a safe boundary between two LLM calls.
	DrainingBoundary
	// Completed is the terminal turn phase; it is a safe boundary.
	Completed
)

var turnPhaseNames = [...]string{"Ready", "CallingLlm", "DrainingBoundary", "Completed"}

// String returns the phase's name as the spec spells it.
func (p TurnPhase) String() string { return enumName(turnPhaseNames[:], uint8(p)) }

// BindingState is the realtime binding lifecycle (realtime_binding_state).
type BindingState uint8

// The binding states.
const (
	// Unbound means no authority token is valid.
	Unbound BindingState = iota
	// BindingNotReady is the state right after BeginRealtimeBinding.
	BindingNotReady
	// BindingReady is published by the transport once the binding is usable.
	BindingReady
	// ReplacementPending is the state right after ReplaceRealtimeBinding.
	ReplacementPending
)

var bindingStateNames = [...]string{"Unbound", "BindingNotReady", "BindingReady", "ReplacementPending"}

// String returns the state's name as the spec spells it.
func (s BindingState) String() string { return enumName(bindingStateNames[:], uint8(s)) }

// TopologyPhase is the live-topology phase (live_topology_phase).
type TopologyPhase uint8

// The live-topology phases.
const (
	// TopologyIdle means no live reconfigure is in progress.
	TopologyIdle TopologyPhase = iota
	// Reconfiguring means a reconfigure began and the old token is still valid.
	Reconfiguring
	// Detached means the binding was dropped at a safe turn boundary.
	Detached
	// HostIdentityApplied means the host applied the new LLM identity.
	HostIdentityApplied
	// HostVisibilityApplied means the host applied the new tool visibility.
	HostVisibilityApplied
)

var topologyPhaseNames = [...]string{"Idle", "Reconfiguring", "Detached", "HostIdentityApplied", "HostVisibilityApplied"}

// String returns the phase's name as the spec spells it (TopologyIdle is
// "Idle").
func (p TopologyPhase) String() string { return enumName(topologyPhaseNames[:], uint8(p)) }

func enumName(names []string, v uint8) string {
	if int(v) < len(names) {
		return names[v]
	}
	return fmt.Sprintf("%d", v)
}

// Kind names one input of the machine.
type Kind uint8

// The inputs, in the order of the spec.
const (
	// BeginRealtimeBinding mints a new authority epoch: binding BindingNotReady.
	BeginRealtimeBinding Kind = iota
	// ReplaceRealtimeBinding mints a new authority epoch: binding ReplacementPending.
	ReplaceRealtimeBinding
	// DetachRealtimeBinding drops the binding (reattach not required).
	DetachRealtimeBinding
	// RequireRealtimeReattach drops the binding and requires a reattach.
	RequireRealtimeReattach
	// PublishRealtimeSignal moves the binding to Input.NextBindingState for
	// the token Input.AuthorityEpoch.
	PublishRealtimeSignal
	// BeginLiveTopologyReconfigure starts a live reconfigure for the token
	// Input.AuthorityEpoch.
	BeginLiveTopologyReconfigure
	// MarkLiveTopologyDetached drops the binding at a safe turn boundary.
	MarkLiveTopologyDetached
	// ApplyLiveTopologyIdentity records that the host applied the identity.
	ApplyLiveTopologyIdentity
	// ApplyLiveTopologyVisibility records that the host applied the visibility.
	ApplyLiveTopologyVisibility
	// CompleteLiveTopology ends a live reconfigure.
	CompleteLiveTopology
	// AbortLiveTopologyBeforeDetach ends a live reconfigure before detach.
	AbortLiveTopologyBeforeDetach
	// FailLiveTopologyAfterDetach ends a live reconfigure that failed after
	// detach; a reattach is then required.
	FailLiveTopologyAfterDetach
	// StartConversationRun binds a run and starts a turn (CallingLLM).
	StartConversationRun
	// LLMReturnedTerminal moves the turn from CallingLLM to DrainingBoundary.
	LLMReturnedTerminal
	// BoundaryContinue moves the turn from DrainingBoundary back to CallingLLM.
	BoundaryContinue
	// BoundaryComplete moves the turn from DrainingBoundary to Completed.
	BoundaryComplete
	// ServiceTurnCommitted commits a completed run: Running back to Attached.
	ServiceTurnCommitted

	// NumKinds is the number of inputs.
	NumKinds int = iota
)

var kindNames = [...]string{
	"BeginRealtimeBinding",
	"ReplaceRealtimeBinding",
	"DetachRealtimeBinding",
	"RequireRealtimeReattach",
	"PublishRealtimeSignal",
	"BeginLiveTopologyReconfigure",
	"MarkLiveTopologyDetached",
	"ApplyLiveTopologyIdentity",
	"ApplyLiveTopologyVisibility",
	"CompleteLiveTopology",
	"AbortLiveTopologyBeforeDetach",
	"FailLiveTopologyAfterDetach",
	"StartConversationRun",
	"LlmReturnedTerminal",
	"BoundaryContinue",
	"BoundaryComplete",
	"ServiceTurnCommitted",
}

// String returns the input's name as the spec spells it.
func (k Kind) String() string { return enumName(kindNames[:], uint8(k)) }

// Input is one input with its arguments. Only PublishRealtimeSignal reads
// NextBindingState, and only PublishRealtimeSignal and
// BeginLiveTopologyReconfigure read AuthorityEpoch; the other inputs ignore
// both.
type Input struct {
	// Kind is the input.
	Kind Kind
	// NextBindingState is PublishRealtimeSignal's next_binding_state.
	NextBindingState BindingState
	// AuthorityEpoch is the authority_epoch argument.
	AuthorityEpoch uint64
}

// HasEpoch reports whether the input carries an authority_epoch argument.
func (in Input) HasEpoch() bool {
	return in.Kind == PublishRealtimeSignal || in.Kind == BeginLiveTopologyReconfigure
}

// String renders the input with its arguments, for test failures.
func (in Input) String() string {
	switch in.Kind {
	case PublishRealtimeSignal:
		return fmt.Sprintf("%v{authority_epoch: %d, next_binding_state: %v}", in.Kind, in.AuthorityEpoch, in.NextBindingState)
	case BeginLiveTopologyReconfigure:
		return fmt.Sprintf("%v{authority_epoch: %d}", in.Kind, in.AuthorityEpoch)
	default:
		return in.Kind.String()
	}
}

// Snapshot is the observable state of a machine: every state field of the
// spec.
type Snapshot struct {
	// Lifecycle is lifecycle_phase.
	Lifecycle LifecyclePhase
	// Turn is turn_phase.
	Turn TurnPhase
	// Binding is realtime_binding_state.
	Binding BindingState
	// HasEpoch tells whether realtime_binding_authority_epoch is some(Epoch).
	HasEpoch bool
	// Epoch is the value of realtime_binding_authority_epoch when HasEpoch.
	Epoch uint64
	// Reattach is realtime_reattach_required.
	Reattach bool
	// NextEpoch is realtime_next_authority_epoch, the mint counter.
	NextEpoch uint64
	// Topology is live_topology_phase.
	Topology TopologyPhase
}

// Initial is the snapshot of a fresh machine.
func Initial() Snapshot {
	return Snapshot{Lifecycle: Attached, Turn: Ready, Binding: Unbound, NextEpoch: 1, Topology: TopologyIdle}
}

// String renders the snapshot, for test failures.
func (s Snapshot) String() string {
	epoch := "none"
	if s.HasEpoch {
		epoch = fmt.Sprintf("some(%d)", s.Epoch)
	}
	return fmt.Sprintf("{%v turn=%v binding=%v epoch=%s reattach=%t next=%d topology=%v}",
		s.Lifecycle, s.Turn, s.Binding, epoch, s.Reattach, s.NextEpoch, s.Topology)
}

// CheckInvariants returns an error naming the first invariant of the spec
// that the snapshot violates, or nil.
func (s Snapshot) CheckInvariants() error {
	if (s.Binding == Unbound) != !s.HasEpoch {
		return fmt.Errorf("invariant realtime_binding_epoch_consistency violated by %v", s)
	}
	if s.HasEpoch && s.Epoch >= s.NextEpoch {
		return fmt.Errorf("invariant epoch_below_next violated by %v", s)
	}
	return nil
}

// EffectKind names one effect of the machine.
type EffectKind uint8

// The effects.
const (
	// RealtimeBindingRotated carries the freshly minted authority epoch.
	RealtimeBindingRotated EffectKind = iota
	// LiveTopologyPhaseChanged is emitted by every live-topology transition.
	LiveTopologyPhaseChanged
)

var effectKindNames = [...]string{"RealtimeBindingRotated", "LiveTopologyPhaseChanged"}

// String returns the effect's name as the spec spells it.
func (k EffectKind) String() string { return enumName(effectKindNames[:], uint8(k)) }

// Effect is one emitted effect. AuthorityEpoch is set only for
// RealtimeBindingRotated.
type Effect struct {
	// Kind is the effect.
	Kind EffectKind
	// AuthorityEpoch is RealtimeBindingRotated's authority_epoch.
	AuthorityEpoch uint64
}

// Outcome classifies the result of one step.
type Outcome struct {
	// Accepted is true when a transition fired.
	Accepted bool
	// NoTransition is true when the input was rejected because no transition
	// listens to it in the current lifecycle phase.
	NoTransition bool
	// Guard names the first failing guard of a guard rejection.
	Guard string
}

// String renders the outcome, for test failures.
func (o Outcome) String() string {
	switch {
	case o.Accepted:
		return "accepted"
	case o.NoTransition:
		return "rejected: no transition"
	default:
		return "rejected by guard " + o.Guard
	}
}

// Machine is one running instance of the benchmark machine, whatever library
// implements it. A Machine is not safe for concurrent use; callers that share
// one between goroutines lock around it.
type Machine interface {
	// Step applies one input. It returns nil when a transition fired and an
	// error when the input was rejected; a rejected step leaves the state
	// unchanged.
	Step(Input) error
	// Snapshot returns the current observable state.
	Snapshot() Snapshot
	// AppendEffects appends the effects of the last Step to dst, in emission
	// order, and returns the extended slice. A rejected step emits nothing.
	AppendEffects(dst []Effect) []Effect
	// Classify turns an error returned by Step into an Outcome; nil is
	// Accepted.
	Classify(error) Outcome
}

// Impl names an implementation and constructs fresh machines of it.
type Impl struct {
	// Name identifies the implementation in test and benchmark names.
	Name string
	// New returns a machine in the initial state.
	New func() Machine
}
