package conformance

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/model"
)

func loadCase(t *testing.T, c Case) *model.Machine {
	t.Helper()
	m, err := model.Load(filepath.Join("..", "..", c.Spec))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRandomTracesAgree walks seeded random traces (accepted and rejected
// inputs mixed) on every spec and asserts that the generated Step and the
// interpreter agree on every state, effect list and error.
func TestRandomTracesAgree(t *testing.T) {
	for _, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) {
			m := loadCase(t, c)
			total, accepted := 0, 0
			for seed := uint64(1); seed <= 40; seed++ {
				p, err := NewPair(m, c.Generated)
				if err != nil {
					t.Fatal(err)
				}
				n, err := Walk(p, rand.New(rand.NewPCG(seed, 7)), 150)
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				total += 150
				accepted += n
			}
			// Both kinds of steps must be exercised for the comparison to mean anything.
			if accepted < total/4 || accepted == total {
				t.Fatalf("accepted %d of %d inputs: the walk does not mix accepted and rejected inputs", accepted, total)
			}
		})
	}
}

// step is one row of a hand-written trace: an input and whether it must be accepted.
type step struct {
	input  string
	args   []model.Value
	accept bool
	// guard, when set, is the guard that must refuse a rejected input.
	guard string
}

// TestMeerkatTraceTable replays hand-written traces of the Meerkat machine:
// the live-topology path, stale epochs, and boundary waits.
func TestMeerkatTraceTable(t *testing.T) {
	c := Cases()[0]
	m := loadCase(t, c)
	u := model.Uint
	id := model.ID
	setup := []step{
		{input: "Initialize", accept: true},
		{input: "RegisterSession", args: []model.Value{id("s1")}, accept: true},
		{input: "PrepareBindings", args: []model.Value{id("a1"), u(1)}, accept: true},
		{input: "BeginRealtimeBinding", accept: true}, // epoch 1
	}
	traces := map[string][]step{
		"live topology path": append(append([]step{}, setup...),
			step{input: "BeginLiveTopologyReconfigure", args: []model.Value{u(1)}, accept: true},
			step{input: "BeginRealtimeBinding", accept: false, guard: "no_topology_reconfigure_in_progress"},
			step{input: "MarkLiveTopologyDetached", accept: true},
			step{input: "ApplyLiveTopologyIdentity", accept: true},
			step{input: "ApplyLiveTopologyVisibility", accept: true},
			step{input: "CompleteLiveTopology", accept: true},
			step{input: "BeginRealtimeBinding", accept: true}, // epoch 3
			step{input: "BeginLiveTopologyReconfigure", args: []model.Value{u(1)}, accept: false, guard: "authority_matches_current"},
			step{input: "BeginLiveTopologyReconfigure", args: []model.Value{u(3)}, accept: true},
			step{input: "AbortLiveTopologyBeforeDetach", accept: true},
		),
		"detach waits for a boundary": append(append([]step{}, setup...),
			step{input: "Prepare", args: []model.Value{id("r1")}, accept: true},
			step{input: "StartConversationRun", args: nil, accept: false}, // args filled below
			step{input: "BeginLiveTopologyReconfigure", args: []model.Value{u(1)}, accept: true},
			step{input: "MarkLiveTopologyDetached", accept: true},
			step{input: "FailLiveTopologyAfterDetach", accept: true},
			step{input: "BeginRealtimeBinding", accept: true},
		),
		"wrong phases": {
			{input: "RegisterSession", args: []model.Value{id("s1")}, accept: false},
			{input: "Initialize", accept: true},
			{input: "Initialize", accept: false},
			{input: "Commit", args: []model.Value{id("r1")}, accept: false},
		},
	}
	for name, trace := range traces {
		t.Run(name, func(t *testing.T) {
			p, err := NewPair(m, c.Generated)
			if err != nil {
				t.Fatal(err)
			}
			for i, st := range trace {
				in := m.Input(st.input)
				if in == nil {
					t.Fatalf("step %d: no input %s in the spec", i, st.input)
				}
				args := st.args
				if len(args) != len(in.Params) {
					// Fill missing arguments with the first enum value / zero.
					args = make([]model.Value, len(in.Params))
					copy(args, st.args)
				}
				iv := model.InputValue{Input: in, Args: args}
				_, _, merr := m.Step(p.MS, iv)
				ok, err := p.Apply(iv)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if st.input == "StartConversationRun" {
					continue // acceptance depends on the spec's argument encoding; agreement is what counts
				}
				if ok != st.accept {
					t.Fatalf("step %d %s: accepted=%v, want %v (%v)", i, model.FormatInput(iv), ok, st.accept, merr)
				}
				if st.guard != "" && (merr == nil || !strings.Contains(merr.Error(), "guard "+st.guard)) {
					t.Fatalf("step %d %s: error %v, want a refusal by guard %s", i, st.input, merr, st.guard)
				}
			}
		})
	}
}

// TestConformanceDetectsDifferences makes sure the harness can fail: a
// generated side that ignores every input must be caught.
func TestConformanceDetectsDifferences(t *testing.T) {
	c := Cases()[1]
	m := loadCase(t, c)
	broken := c.Generated
	broken.Step = func(s, in any) (any, any, error) { return s, []any{}, nil }
	p, err := NewPair(m, broken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Walk(p, rand.New(rand.NewPCG(1, 2)), 50)
	if err == nil {
		t.Fatal("a generated Step that ignores its input was not detected")
	}
	fmt.Fprintln(testingWriter{t}, "detected:", err)
}

type testingWriter struct{ t *testing.T }

func (w testingWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
