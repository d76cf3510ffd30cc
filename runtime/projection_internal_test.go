package runtime

import (
	"testing"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

func stateWithRevisions(active, staged uint64) visibility.State {
	return visibility.State{ActiveRevision: active, StagedRevision: staged}
}

func TestAttachmentStatusOf(t *testing.T) {
	tests := []struct {
		name     string
		reattach bool
		intent   bool
		binding  gen.RealtimeBindingState
		want     AttachmentStatus
	}{
		{"nothing", false, false, gen.RealtimeBindingStateUnbound, AttachmentUnattached},
		{"intent only", false, true, gen.RealtimeBindingStateUnbound, AttachmentIntentPresentUnbound},
		{"not ready", false, false, gen.RealtimeBindingStateBindingNotReady, AttachmentBindingNotReady},
		{"ready with intent", false, true, gen.RealtimeBindingStateBindingReady, AttachmentBindingReady},
		{"replacement", false, false, gen.RealtimeBindingStateReplacementPending, AttachmentReplacementPending},
		{"reattach wins over intent", true, true, gen.RealtimeBindingStateUnbound, AttachmentReattachRequired},
		{"reattach without intent", true, false, gen.RealtimeBindingStateUnbound, AttachmentReattachRequired},
	}
	for _, tc := range tests {
		st := gen.Initial()
		st.RealtimeReattachRequired = tc.reattach
		st.RealtimeIntentPresent = tc.intent
		st.RealtimeBindingState = tc.binding
		if got := attachmentStatusOf(st); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestReconnectProgressOf(t *testing.T) {
	st := gen.Initial()
	if p := reconnectProgressOf(st); p.Cycle != CycleIdle || p.AttemptCount != 0 || p.NextRetryAtMs != nil || p.DeadlineAtMs != nil {
		t.Fatalf("initial %+v", p)
	}
	st.RealtimeReconnectCycleState = gen.RealtimeReconnectCycleStateReconnecting
	st.RealtimeReconnectAttemptCount = 3
	st.RealtimeReconnectNextRetryAtMs = gen.Some[uint64](10)
	st.RealtimeReconnectDeadlineAtMs = gen.Some[uint64](20)
	p := reconnectProgressOf(st)
	if p.Cycle != CycleReconnecting || p.AttemptCount != 3 || *p.NextRetryAtMs != 10 || *p.DeadlineAtMs != 20 {
		t.Fatalf("reconnecting %+v", p)
	}
	st.RealtimeReconnectCycleState = gen.RealtimeReconnectCycleStateExhausted
	if reconnectProgressOf(st).Cycle != CycleExhausted {
		t.Fatal("exhausted")
	}
}

func TestReplaceVisibilityTolerance(t *testing.T) {
	s, _, err := newSession("s", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Raises the counter.
	if err := s.replaceVisibilityLocked(stateWithRevisions(2, 3)); err != nil {
		t.Fatal(err)
	}
	if s.state.NextStagedVisibilityRevision != 3 || s.visibility.ActiveRevision != 2 {
		t.Fatalf("counter %d", s.state.NextStagedVisibilityRevision)
	}
	// Already covered: the guard refuses, which is tolerated.
	if err := s.replaceVisibilityLocked(stateWithRevisions(1, 3)); err != nil {
		t.Fatal(err)
	}
	if s.visibility.ActiveRevision != 1 {
		t.Fatal("state not installed")
	}
	// An invalid state is refused.
	bad := stateWithRevisions(0, 0)
	bad.RequestedWitnesses = map[gen.ToolName]visibility.Witness{"x": {}}
	if err := s.replaceVisibilityLocked(bad); err == nil {
		t.Fatal("invalid witnesses accepted")
	}
	// In a phase without the transition the refusal is tolerated only
	// when the counter covers the revisions.
	s.state.LifecyclePhase = gen.LifecyclePhaseDestroyed
	if err := s.replaceVisibilityLocked(stateWithRevisions(1, 2)); err != nil {
		t.Fatalf("covered refusal in Destroyed: %v", err)
	}
	if err := s.replaceVisibilityLocked(stateWithRevisions(4, 4)); err == nil {
		t.Fatal("uncovered refusal in Destroyed tolerated")
	}
}
