package runtime

import (
	"errors"
	"testing"

	"github.com/meerkat-go/dslmachine/gen"
	"github.com/meerkat-go/dslmachine/runtime/visibility"
)

var witnessed = visibility.Witness{SourceKind: "mcp", SourceID: "srv"}

// deferredState returns a state with the revisions whose active and staged
// requested deferred names are names, each witnessed by witnesses[name].
func deferredState(t *testing.T, active, staged uint64, witnesses map[gen.ToolName]visibility.Witness, names ...gen.ToolName) visibility.State {
	t.Helper()
	set, err := visibility.NewDeferredNames(names...)
	if err != nil {
		t.Fatal(err)
	}
	v := stateWithRevisions(active, staged)
	v.ActiveRequestedDeferredNames = set
	v.StagedRequestedDeferredNames = set
	v.RequestedWitnesses = witnesses
	return v
}

func lockedSession(t *testing.T) *session {
	t.Helper()
	s, _, err := newSession("s", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	t.Cleanup(s.mu.Unlock)
	return s
}

// refusedBy checks that err is the machine's refusal of
// SyncVisibilityRevisions by guard.
func refusedBy(t *testing.T, err error, guard string) {
	t.Helper()
	var gr *gen.GuardRejectedError
	if !errors.As(err, &gr) || gr.Input != "SyncVisibilityRevisions" || gr.Guard != guard {
		t.Fatalf("got %v, want SyncVisibilityRevisions refused by %s", err, guard)
	}
}

// TestReplaceVisibilitySameRevisionsOtherNames: re-installing a state with
// revisions the counter covers but other deferred names is refused (the
// machine refuses the sync by counter_advances, and the names differ from
// what it holds); the same names are tolerated. Upstream refuses it; the
// machine used to accept it, as it held no deferred names.
func TestReplaceVisibilitySameRevisionsOtherNames(t *testing.T) {
	s := lockedSession(t)
	first := deferredState(t, 2, 2, map[gen.ToolName]visibility.Witness{"a": witnessed}, "a")
	if err := s.replaceVisibilityLocked(first); err != nil {
		t.Fatal(err)
	}
	if !s.state.ActiveDeferredNames.Has("a") || !s.state.StagedDeferredAuthorities.Has("a") {
		t.Fatalf("machine does not hold the deferred names: %+v", s.state.ActiveDeferredNames)
	}
	if err := s.replaceVisibilityLocked(first.Clone()); err != nil {
		t.Fatalf("identical re-install: %v", err)
	}
	other := deferredState(t, 2, 2, map[gen.ToolName]visibility.Witness{"b": witnessed}, "b")
	refusedBy(t, s.replaceVisibilityLocked(other), "counter_advances")
	if s.visibility.ActiveRequestedDeferredNames != first.ActiveRequestedDeferredNames {
		t.Fatal("the refused state was installed")
	}
	// Another witness for the same name is another authority: refused too.
	rewitnessed := deferredState(t, 2, 2, map[gen.ToolName]visibility.Witness{"a": {SourceKind: "mcp", SourceID: "other"}}, "a")
	refusedBy(t, s.replaceVisibilityLocked(rewitnessed), "counter_advances")
}

// TestReplaceVisibilityWitnessRequired: a requested deferred name with no
// witness, or with a witness that has no identity, is refused by the
// machine (as upstream refuses it), whether or not the revisions advance.
func TestReplaceVisibilityWitnessRequired(t *testing.T) {
	cases := []struct {
		name      string
		witnesses map[gen.ToolName]visibility.Witness
		guard     string
	}{
		{"no witness", nil, "active_deferred_authorities_cover_names"},
		{"witness without identity", map[gen.ToolName]visibility.Witness{"a": {StableOwnerKey: "k"}}, "active_deferred_authorities_have_identity"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := lockedSession(t)
			refusedBy(t, s.replaceVisibilityLocked(deferredState(t, 1, 1, tc.witnesses, "a")), tc.guard)
			if s.state.NextStagedVisibilityRevision != 0 || s.visibility.ActiveRequestedDeferredNames.Len() != 0 {
				t.Fatal("the refused state changed the session")
			}
			// Revisions the counter covers: refused all the same (the
			// machine holds no such names).
			refusedBy(t, s.replaceVisibilityLocked(deferredState(t, 0, 0, tc.witnesses, "a")), "counter_advances")
		})
	}
	// Only the staged side lacks a witness.
	s := lockedSession(t)
	v := deferredState(t, 1, 1, map[gen.ToolName]visibility.Witness{"a": witnessed}, "a")
	v.StagedRequestedDeferredNames, _ = visibility.NewDeferredNames("a", "b")
	refusedBy(t, s.replaceVisibilityLocked(v), "staged_deferred_authorities_cover_names")
}
