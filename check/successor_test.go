package check

import (
	"path/filepath"
	"testing"

	"github.com/meerkat-go/dslmachine/model"
)

// TestReachableMatchesRun: Program.Reachable visits exactly as many states
// as Run counts, for every profile of the example specs, and every visited
// state satisfies the profile; Successor agrees with Run on what is enabled.
func TestReachableMatchesRun(t *testing.T) {
	files, err := filepath.Glob("../spec/examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatal("no example specs", err)
	}
	files = append(files, "../internal/conformance/testdata/wallet.yaml")
	for _, f := range files {
		m := load(t, f)
		for _, p := range m.Profiles {
			t.Run(m.Name+"/"+p.Name, func(t *testing.T) {
				// Every step, as Successor takes them (by default the search
				// leaves out steps that commute with the one before).
				res := run(t, m, p.Name, Options{Workers: 2, AllSteps: true})
				if res.Violation != nil {
					t.Fatal(res.Violation.Message())
				}
				prog, err := Compile(m, p)
				if err != nil {
					t.Fatal(err)
				}
				n, fired := 0, uint64(0)
				covered := make([]bool, len(m.Transitions))
				err = prog.Reachable(ReachOptions{}, func(s model.State, _ int) error {
					n++
					if ok, err := prog.InBounds(s); err != nil || !ok {
						t.Fatalf("visited a state outside the profile: %v", err)
					}
					for i := range prog.Inputs() {
						succ, err := prog.Successor(s, i)
						if err != nil {
							return err
						}
						if succ.Transition != nil {
							covered[succ.Transition.Index] = true
						}
						if succ.Outcome == OutcomeFired {
							fired++
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if uint64(n) != res.Distinct || fired != res.Fired {
					t.Errorf("Reachable: %d states, %d fired; Run: %d, %d", n, fired, res.Distinct, res.Fired)
				}
				for i, c := range covered {
					if c != res.Covered[i] {
						t.Errorf("transition %s: covered %v by Successor, %v by Run", m.Transitions[i].Name, c, res.Covered[i])
					}
				}
			})
		}
	}
}

// TestReachableLimits: MaxDepth visits a prefix of the breadth-first order
// with every state of each depth, and MaxStates fails beyond the limit.
func TestReachableLimits(t *testing.T) {
	m := load(t, "../spec/examples/vending.yaml")
	prog, err := Compile(m, m.Profile("ci"))
	if err != nil {
		t.Fatal(err)
	}
	all := map[int]int{}
	if err := prog.Reachable(ReachOptions{}, func(_ model.State, d int) error { all[d]++; return nil }); err != nil {
		t.Fatal(err)
	}
	ball := map[int]int{}
	if err := prog.Reachable(ReachOptions{MaxDepth: 3}, func(_ model.State, d int) error { ball[d]++; return nil }); err != nil {
		t.Fatal(err)
	}
	for d := 0; d <= 3; d++ {
		if ball[d] != all[d] || ball[d] == 0 {
			t.Errorf("depth %d: %d states with MaxDepth 3, %d without", d, ball[d], all[d])
		}
	}
	if len(ball) != 4 {
		t.Errorf("MaxDepth 3 visited depths %v", ball)
	}
	if err := prog.Reachable(ReachOptions{MaxStates: 10}, func(model.State, int) error { return nil }); err == nil {
		t.Error("MaxStates 10: no error")
	}
}

// TestExpandMatchesSuccessor: Program.Expand gives, for every reachable
// state of the example specs, Successor's answer for each input value it
// visits, in the order of Inputs, and Successor rejects every other one.
func TestExpandMatchesSuccessor(t *testing.T) {
	files, err := filepath.Glob("../spec/examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatal("no example specs", err)
	}
	for _, f := range files {
		m := load(t, f)
		p := m.Profile("ci")
		prog, err := Compile(m, p)
		if err != nil {
			t.Fatal(err)
		}
		var states []model.State
		if err := prog.Reachable(ReachOptions{MaxStates: 20000}, func(s model.State, _ int) error {
			states = append(states, s)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, s := range states {
			type answer struct {
				sc    Successor
				input int
			}
			var got []answer
			if err := prog.Expand(s, func(i int, sc Successor) error {
				if sc.State != nil {
					sc.State = sc.State.Clone()
				}
				got = append(got, answer{sc, i})
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			next := 0
			for i := range prog.Inputs() {
				want, err := prog.Successor(s, i)
				if err != nil {
					t.Fatal(err)
				}
				if next < len(got) && got[next].input == i {
					g := got[next].sc
					next++
					if g.Outcome != want.Outcome || g.Transition != want.Transition || g.Other != want.Other ||
						g.InBounds != want.InBounds || !statesEqual(g.State, want.State) {
						t.Fatalf("%s: input %d: Expand %+v, Successor %+v", m.Name, i, g, want)
					}
				} else if want.Outcome != OutcomeRejected {
					t.Fatalf("%s: input %d: Expand skips it, Successor says %s", m.Name, i, want.Outcome)
				}
			}
			if next != len(got) {
				t.Fatalf("%s: Expand visits inputs out of order", m.Name)
			}
		}
	}
}
