package simulate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/model"
)

func load(t *testing.T, path string) *model.Machine {
	t.Helper()
	m, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// trace renders a violation's trace as input names, for comparisons.
func trace(v *check.Violation) []string {
	var out []string
	for _, st := range v.Trace[1:] {
		out = append(out, model.FormatInput(*st.Input))
	}
	return out
}

// TestFindsViolationPastTheBounds: the exhaustive check within the profile
// passes, the simulation finds the invariant violation 41 steps deep and
// shrinks it to the shortest behaviour, and check.Replay accepts the trace.
func TestFindsViolationPastTheBounds(t *testing.T) {
	m := load(t, "testdata/deepbug.yaml")
	p := m.Profile("ci")
	cres, err := check.Run(m, p, check.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if cres.Violation != nil || !cres.Complete {
		t.Fatalf("check within the bounds: %s", cres.Summary())
	}
	res, err := Run(context.Background(), m, p, Options{Behaviours: 2000, Depth: 200, Seed: 7, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	v := res.Violation
	if v == nil || v.Kind != check.KindInvariant || v.Invariant != "below_forty" {
		t.Fatalf("want below_forty violated, got %+v (%s)", v, res.Summary())
	}
	// Start, then 40 Ups: the shortest behaviour that reaches height 40.
	if got := len(v.Trace) - 1; got != 41 {
		t.Errorf("shrunk trace has %d steps, want 41: %v", got, trace(v))
	}
	if err := check.Replay(m, v.Trace); err != nil {
		t.Errorf("the interpreter does not replay the trace: %v", err)
	}
}

// TestReproducible: the same seed and budget report the same violation from
// the same behaviour, whatever the number of workers; another seed draws
// other behaviours.
func TestReproducible(t *testing.T) {
	m := load(t, "testdata/deepbug.yaml")
	run := func(seed uint64, workers int) *Result {
		res, err := Run(context.Background(), m, m.Profile("ci"), Options{Behaviours: 300, Depth: 200, Seed: seed, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		if res.Violation == nil {
			t.Fatalf("seed %d: no violation in %s", seed, res.Summary())
		}
		return res
	}
	a, b := run(3, 1), run(3, 2)
	if a.Behaviour != b.Behaviour || !cmp.Equal(trace(a.Violation), trace(b.Violation)) {
		t.Errorf("1 worker: behaviour %d %v; 2 workers: behaviour %d %v", a.Behaviour, trace(a.Violation), b.Behaviour, trace(b.Violation))
	}
	c := run(4, 1)
	unshrunk := func(seed, i uint64) []int {
		s := &sim{m: m, p: m.Profile("ci"), opt: Options{Depth: 200, Seed: seed}}
		s.inputs, _ = m.InputValues(s.p)
		for _, iv := range s.inputs {
			s.cands = append(s.cands, m.Candidates(iv.Input))
		}
		return s.behaviour(i).inputs
	}
	if cmp.Equal(unshrunk(3, a.Behaviour), unshrunk(4, c.Behaviour)) {
		t.Errorf("seeds 3 and 4 drew the same behaviour")
	}
}

// TestNondeterminismAndUnreachable: the broken specs of package check are
// found by simulation too, with the findings check reports.
func TestNondeterminismAndUnreachable(t *testing.T) {
	for _, tc := range []struct {
		file string
		kind check.Kind
		msg  string
	}{
		{"../check/testdata/overlap.yaml", check.KindNondeterminism, "nondeterminism: transitions LowRaise and HighRaise are both enabled for input Raise{n: 1}"},
		{"../check/testdata/unreachable.yaml", check.KindUnreachable, "transition Reset is marked unreachable but fires"},
	} {
		m := load(t, tc.file)
		res, err := Run(context.Background(), m, m.Profile("ci"), Options{Behaviours: 200, Depth: 30, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		v := res.Violation
		if v == nil || v.Kind != tc.kind || v.Message() != tc.msg {
			t.Errorf("%s: got %v, want %s", tc.file, v, tc.msg)
			continue
		}
		cres, err := check.Run(m, m.Profile("ci"), check.Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		// The shrunk behaviour is as short as the checker's shortest trace.
		if len(v.Trace) != len(cres.Violation.Trace) {
			t.Errorf("%s: simulation trace %v, check's shortest has %d states", tc.file, trace(v), len(cres.Violation.Trace))
		}
	}
}

// TestCoverageAndSummary: a correct spec runs without a violation, reports
// the transitions that never fired (a dead one), and stops at its budget.
func TestCoverageAndSummary(t *testing.T) {
	m := load(t, "../check/testdata/deadcode.yaml")
	res, err := Run(context.Background(), m, m.Profile("ci"), Options{Duration: 200 * time.Millisecond, Depth: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Violation != nil {
		t.Fatalf("unexpected violation: %s", res.Summary())
	}
	if res.Behaviours == 0 || res.Steps == 0 {
		t.Fatalf("nothing simulated: %s", res.Summary())
	}
	cres, err := check.Run(m, m.Profile("ci"), check.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	var dead []string
	dead = append(dead, cres.Violation.Transitions...)
	if diff := cmp.Diff(dead, res.NeverFired()); diff != "" {
		t.Errorf("never fired (-check's dead transitions +simulation):\n%s", diff)
	}
	if _, err := Run(context.Background(), m, nil, Options{}); !errors.Is(err, ErrNoBudget) {
		t.Errorf("no budget: err = %v, want ErrNoBudget", err)
	}
}

// TestBoundedStaysInBounds: with Bounded, no behaviour leaves the profile's
// bounds, so the violation past them is not found.
func TestBoundedStaysInBounds(t *testing.T) {
	m := load(t, "testdata/deepbug.yaml")
	res, err := Run(context.Background(), m, m.Profile("ci"), Options{Behaviours: 500, Depth: 200, Seed: 7, Bounded: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Violation != nil {
		t.Fatalf("bounded simulation left the bounds: %s", res.Summary())
	}
}
