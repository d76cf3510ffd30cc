package visibility

import (
	"errors"
	"fmt"
	"testing"

	"github.com/meerkat-go/dslmachine/gen"
	"pgregory.net/rapid"
)

func TestNewDeferredNames(t *testing.T) {
	s := deferred(t, "b", "a", "b")
	if s.Len() != 2 || !s.Has("a") || !s.Has("b") || s != deferred(t, "a", "b") {
		t.Fatalf("set of b, a, b: %v", s)
	}
	// The capacity: what a set takes before With refuses.
	var full DeferredNames
	var names []gen.ToolName
	for {
		n := gen.ToolName(fmt.Sprintf("t%d", len(names)))
		next, ok := full.With(n)
		if !ok {
			break
		}
		full, names = next, append(names, n)
	}
	if _, err := NewDeferredNames(names...); err != nil {
		t.Fatalf("%d names: %v", len(names), err)
	}
	if _, err := NewDeferredNames(append(names, "one more")...); !errors.Is(err, gen.ErrBound) {
		t.Fatalf("one more name than the capacity: %v, want a bound error", err)
	}
}

func genWitness() *rapid.Generator[Witness] {
	part := rapid.SampledFrom([]string{"", "k", "mcp", "a\"b", "{}"})
	return rapid.Custom(func(t *rapid.T) Witness {
		return Witness{StableOwnerKey: part.Draw(t, "key"), SourceKind: part.Draw(t, "kind"), SourceID: part.Draw(t, "id")}
	})
}

// TestWitnessID: the machine's witness id is injective, and a witness's
// authority is none exactly when it has no identity (no source).
func TestWitnessID(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := genWitness().Draw(t, "a"), genWitness().Draw(t, "b")
		if (a == b) != (a.ID() == b.ID()) {
			t.Fatalf("%+v and %+v: ids %q and %q", a, b, a.ID(), b.ID())
		}
		if got, want := a.Authority(), (a.SourceKind != "" || a.SourceID != ""); got != gen.None[gen.Witness]() != want {
			t.Fatalf("%+v: authority %+v, identity %v", a, got, want)
		}
	})
}

// TestSyncInput: the input carries the revisions and names, and maps each
// requested name that has a witness, on its side, to the witness's
// authority; a name without a witness is left out.
func TestSyncInput(t *testing.T) {
	k := Witness{StableOwnerKey: "k"}
	w := Witness{SourceKind: "builtin"}
	s := State{
		ActiveRevision:               3,
		StagedRevision:               4,
		ActiveRequestedDeferredNames: deferred(t, "a"),
		StagedRequestedDeferredNames: deferred(t, "a", "b", "c"),
		RequestedWitnesses:           map[gen.ToolName]Witness{"a": w, "b": k},
	}
	in := s.SyncInput()
	if in.ActiveRevision != 3 || in.StagedRevision != 4 || in.ActiveDeferredNames != s.ActiveRequestedDeferredNames || in.StagedDeferredNames != s.StagedRequestedDeferredNames {
		t.Fatalf("input %+v", in)
	}
	want := map[gen.ToolName]gen.Option[gen.Witness]{"a": gen.Some(w.ID()), "b": gen.None[gen.Witness]()}
	if in.ActiveDeferredAuthorities.Len() != 1 || in.StagedDeferredAuthorities.Len() != 2 {
		t.Fatalf("authorities %d and %d entries", in.ActiveDeferredAuthorities.Len(), in.StagedDeferredAuthorities.Len())
	}
	for n, a := range in.StagedDeferredAuthorities.All() {
		if want[n] != a {
			t.Errorf("staged authority of %s: %+v, want %+v", n, a, want[n])
		}
	}
	if a, ok := in.ActiveDeferredAuthorities.Get("a"); !ok || a != want["a"] {
		t.Errorf("active authority of a: %+v, %v", a, ok)
	}
	var m gen.State
	if s.MatchesMachine(m) {
		t.Fatal("an initial machine matches a state with deferred names")
	}
	m.ActiveDeferredNames, m.StagedDeferredNames = in.ActiveDeferredNames, in.StagedDeferredNames
	m.ActiveDeferredAuthorities, m.StagedDeferredAuthorities = in.ActiveDeferredAuthorities, in.StagedDeferredAuthorities
	if !s.MatchesMachine(m) || !(State{}).MatchesMachine(gen.Initial()) {
		t.Fatal("MatchesMachine")
	}
}
