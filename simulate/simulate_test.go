package simulate

import (
	"context"
	"errors"
	"math"
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
		return s.behaviour(context.Background(), i, true).inputs
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

// TestLastStateDeterminism: determinism is checked in a behaviour's last
// state too. Every behaviour of 2 steps ends where X enables XA and XB.
func TestLastStateDeterminism(t *testing.T) {
	m := load(t, "testdata/lastnd.yaml")
	res, err := Run(context.Background(), m, m.Profile("ci"), Options{Behaviours: 20, Depth: 2, Seed: 1, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	v := res.Violation
	want := "nondeterminism: transitions XA and XB are both enabled for input X"
	if v == nil || v.Message() != want {
		t.Fatalf("got %v (%s), want %s", v, res.Summary(), want)
	}
	if got := trace(v); !cmp.Equal(got, []string{"Inc", "Inc"}) {
		t.Errorf("trace %v, want [Inc Inc]", got)
	}
	if res.Behaviour != 0 {
		t.Errorf("found in behaviour %d, want 0", res.Behaviour)
	}
}

// runWithin runs Run and fails the test if it does not return within d.
func runWithin(t *testing.T, d time.Duration, ctx context.Context, m *model.Machine, opt Options) *Result {
	t.Helper()
	type ret struct {
		res *Result
		err error
	}
	c := make(chan ret, 1)
	go func() {
		res, err := Run(ctx, m, m.Profile("ci"), opt)
		c <- ret{res, err}
	}()
	select {
	case r := <-c:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.res
	case <-time.After(d):
		t.Fatalf("Run did not return within %v", d)
		return nil
	}
}

// TestTimeCutsABehaviourShort: the time limit and a cancelled context stop
// a behaviour in its middle; the behaviour cut short is counted as cut, not
// as a behaviour run to its end, and its steps and transitions count.
func TestTimeCutsABehaviourShort(t *testing.T) {
	m := load(t, "testdata/cycle.yaml")
	const depth = 1 << 40
	res := runWithin(t, 3*time.Second, context.Background(), m, Options{Duration: 50 * time.Millisecond, Depth: depth, Seed: 1, Workers: 1})
	if res.Behaviours != 0 || res.Cut != 1 || res.Steps == 0 || res.Violation != nil {
		t.Errorf("time limit: want 0 behaviours, 1 cut short and some steps: %s", res.Summary())
	}
	if f, n := res.Coverage(); f != n {
		t.Errorf("the steps of the cut behaviour do not count for coverage: %s", res.Summary())
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	res = runWithin(t, 3*time.Second, ctx, m, Options{Behaviours: 3, Depth: depth, Seed: 1, Workers: 2})
	if res.Behaviours != 0 || res.Cut != 2 {
		t.Errorf("cancelled: want 0 behaviours and 2 cut short: %s", res.Summary())
	}
}

// TestShrinkUnreachableIntoInvariant: an unreachable transition that fires
// into an invariant violation is reported as the unreachable finding, and
// the shrunk behaviour drops the needless Flip steps.
func TestShrinkUnreachableIntoInvariant(t *testing.T) {
	m := load(t, "testdata/unreachinv.yaml")
	res, err := Run(context.Background(), m, m.Profile("ci"), Options{Behaviours: 5, Depth: 100, Seed: 1, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	v := res.Violation
	if v == nil || v.Kind != check.KindUnreachable {
		t.Fatalf("want the unreachable finding, got %v (%s)", v, res.Summary())
	}
	if got := trace(v); !cmp.Equal(got, []string{"Inc", "Inc", "Inc", "B"}) {
		t.Errorf("shrunk trace %v, want [Inc Inc Inc B]", got)
	}
	if !res.Shrunk || res.Original < len(v.Trace)-1 {
		t.Errorf("Shrunk %v, Original %d steps, shrunk to %d", res.Shrunk, res.Original, len(v.Trace)-1)
	}
	if err := check.Replay(m, v.Trace); err != nil {
		t.Errorf("the interpreter does not replay the trace: %v", err)
	}
}

// TestDrawUniformAcrossInputs: after a bound error the draw over inputs
// stays uniform. A{n: 1} fails; B is taken with probability 7/12 (not 5/9,
// as when the failed value's removal splits A's values in two groups).
func TestDrawUniformAcrossInputs(t *testing.T) {
	m := load(t, "testdata/pick.yaml")
	const n = 20000
	res, err := Run(context.Background(), m, m.Profile("ci"), Options{Behaviours: n, Depth: 1, Seed: 1, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	b := float64(res.Fired[m.Transition("TB").Index]) / n
	if math.Abs(b-7.0/12) > 0.012 { // 5/9 is 0.028 away; the standard deviation is 0.003
		t.Errorf("B taken in %.4f of the behaviours, want 7/12 = %.4f", b, 7.0/12)
	}
}
