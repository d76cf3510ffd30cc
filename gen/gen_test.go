//go:build go1.24

package gen

import (
	"encoding/json"
	"errors"
	"testing"
)

// mustStep applies inputs that must all be accepted.
func mustStep(t testing.TB, s State, ins ...Input) State {
	t.Helper()
	for _, in := range ins {
		n, _, err := Step(s, in)
		if err != nil {
			t.Fatalf("%s: %v", in.InputName(), err)
		}
		if err := n.CheckInvariants(); err != nil {
			t.Fatalf("after %s: %v", in.InputName(), err)
		}
		s = n
	}
	return s
}

// runningAtBoundary is a session with a bound runtime, a run in progress
// whose turn is draining a boundary, and a live realtime binding (epoch 1).
func runningAtBoundary(t testing.TB) State {
	return mustStep(t, Initial(),
		Initialize{},
		RegisterSession{SessionID: "s1"},
		PrepareBindings{AgentRuntimeID: "a1", FenceToken: 1},
		Prepare{RunID: "r1"},
		StartConversationRun{RunID: "r1", PrimitiveKind: TurnPrimitiveKindConversationTurn, AdmittedContentShape: ContentShapeConversation},
		PrimitiveApplied{},
		LLMReturnedTerminal{},
		BeginRealtimeBinding{},
	)
}

// liveTopologyCycle walks the whole live-topology path from an attached
// binding with epoch 1 and re-attaches.
var liveTopologyCycle = [...]Input{
	BeginLiveTopologyReconfigure{AuthorityEpoch: 1},
	MarkLiveTopologyDetached{},
	ApplyLiveTopologyIdentity{},
	ApplyLiveTopologyVisibility{},
	CompleteLiveTopology{},
	BeginRealtimeBinding{},
}

func TestLiveTopologyCycle(t *testing.T) {
	s := runningAtBoundary(t)
	if s.RealtimeBindingAuthorityEpoch != Some[uint64](1) || s.TurnPhase != TurnPhaseDrainingBoundary {
		t.Fatalf("setup: epoch %v, turn %v", s.RealtimeBindingAuthorityEpoch, s.TurnPhase)
	}
	var rotated []uint64
	for _, in := range liveTopologyCycle {
		n, fx, err := Step(s, in)
		if err != nil {
			t.Fatalf("%s: %v", in.InputName(), err)
		}
		for e := range fx.All() {
			if r, ok := e.AsRealtimeBindingRotated(); ok {
				rotated = append(rotated, r.AuthorityEpoch)
			}
		}
		s = n
	}
	// A completed live reconfigure with nothing else minting returns the old epoch + 2.
	if s.RealtimeBindingAuthorityEpoch != Some[uint64](3) || len(rotated) != 1 || rotated[0] != 3 {
		t.Fatalf("epoch %v, rotations %v; want some(3) and [3]", s.RealtimeBindingAuthorityEpoch, rotated)
	}
	if s.LiveTopologyPhase != LiveTopologyPhaseIdle || s.RealtimeBindingState != RealtimeBindingStateBindingNotReady {
		t.Fatalf("topology %v binding %v", s.LiveTopologyPhase, s.RealtimeBindingState)
	}
}

func TestGuardRejectionIsTyped(t *testing.T) {
	s := mustStep(t, runningAtBoundary(t), BeginLiveTopologyReconfigure{AuthorityEpoch: 1}, BoundaryContinue{})
	n, fx, err := Step(s, MarkLiveTopologyDetached{})
	var gr *GuardRejectedError
	if !errors.As(err, &gr) || !errors.Is(err, ErrRejected) {
		t.Fatalf("got %v, want a *GuardRejectedError", err)
	}
	want := GuardRejectedError{Input: "MarkLiveTopologyDetached", Phase: LifecyclePhaseRunning, Transition: "MarkLiveTopologyDetached", Guard: "turn_at_safe_boundary"}
	if *gr != want {
		t.Fatalf("got %+v, want %+v", *gr, want)
	}
	if n != s || fx.Len() != 0 {
		t.Fatal("a rejected step must return the state unchanged and no effects")
	}
	// Stale epoch.
	_, _, err = Step(mustStep(t, runningAtBoundary(t)), BeginLiveTopologyReconfigure{AuthorityEpoch: 7})
	if !errors.As(err, &gr) || gr.Guard != "authority_matches_current" {
		t.Fatalf("stale epoch: got %v", err)
	}
	// No transition at all.
	_, _, err = Step(Initial(), RegisterSession{SessionID: "s"})
	var nt *NoTransitionError
	if !errors.As(err, &nt) || nt.Phase != LifecyclePhaseInitializing || !errors.Is(err, ErrRejected) {
		t.Fatalf("got %v, want a *NoTransitionError in Initializing", err)
	}
	if _, _, err := Step(Initial(), nil); !errors.Is(err, ErrUnknownInput) {
		t.Fatalf("nil input: got %v", err)
	}
}

func TestStateJSONRoundTrip(t *testing.T) {
	s := runningAtBoundary(t)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back State
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back != s {
		t.Fatalf("round trip changed the state:\n%s", b)
	}
	in, err := DecodeInput([]byte(`{"input":"BeginLiveTopologyReconfigure","args":{"authority_epoch":3}}`))
	if err != nil || in != (BeginLiveTopologyReconfigure{AuthorityEpoch: 3}) {
		t.Fatalf("DecodeInput: %v %v", in, err)
	}
	if _, err := DecodeInput([]byte(`{"input":"BeginLiveTopologyReconfigure","args":{"epoch":3}}`)); err == nil {
		t.Fatal("an unknown argument must be an error")
	}
	var p LifecyclePhase
	if err := p.UnmarshalText([]byte("Nope")); err == nil {
		t.Fatal("an unknown enum name must be an error")
	}
}

// BenchmarkStep walks the whole live-topology path (begin, detach at a
// boundary, identity, visibility, complete, re-attach) from the same state on
// every iteration. ns/transition is the cost of one accepted Step.
func BenchmarkStep(b *testing.B) {
	base := runningAtBoundary(b)
	b.ReportAllocs()
	b.ResetTimer()
	var err error
	for b.Loop() {
		s := base
		for _, in := range liveTopologyCycle {
			if s, _, err = Step(s, in); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(liveTopologyCycle)), "ns/transition")
}

// BenchmarkStepRejected is the retry-until-boundary path: detach is refused
// by turn_at_safe_boundary while the turn is calling the LLM.
func BenchmarkStepRejected(b *testing.B) {
	s := mustStep(b, runningAtBoundary(b), BeginLiveTopologyReconfigure{AuthorityEpoch: 1}, BoundaryContinue{})
	var in Input = MarkLiveTopologyDetached{}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Step(s, in); err == nil {
			b.Fatal("detach accepted away from a boundary")
		}
	}
}

// BenchmarkApply is BenchmarkStep with the in-place State.Apply.
func BenchmarkApply(b *testing.B) {
	base := runningAtBoundary(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s := base
		for _, in := range liveTopologyCycle {
			if _, err := s.Apply(in); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(liveTopologyCycle)), "ns/transition")
}

// BenchmarkApplyRejected is BenchmarkStepRejected with State.Apply.
func BenchmarkApplyRejected(b *testing.B) {
	s := mustStep(b, runningAtBoundary(b), BeginLiveTopologyReconfigure{AuthorityEpoch: 1}, BoundaryContinue{})
	var in Input = MarkLiveTopologyDetached{}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Apply(in); err == nil {
			b.Fatal("detach accepted away from a boundary")
		}
	}
}

func TestApplyLeavesStateOnError(t *testing.T) {
	s := mustStep(t, runningAtBoundary(t), BeginLiveTopologyReconfigure{AuthorityEpoch: 1}, BoundaryContinue{})
	before := s
	if _, err := s.Apply(MarkLiveTopologyDetached{}); err == nil || s != before {
		t.Fatalf("Apply: err %v, state changed %v", err, s != before)
	}
	if _, err := s.Apply(LLMReturnedTerminal{}); err != nil {
		t.Fatal(err)
	}
	fx, err := s.Apply(BoundaryComplete{})
	if err != nil || s.TurnPhase != TurnPhaseCompleted || fx.Len() != 3 {
		t.Fatalf("Apply BoundaryComplete: %v, turn %v, %d effects", err, s.TurnPhase, fx.Len())
	}
}
