package conformance

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/internal/specgen/wallet"
	"github.com/meerkat-go/dslmachine/model"
)

// exhaustiveRun is one enumeration of TestExhaustiveSuccessors: a profile of
// a case, optionally narrowed so that it fits the test's time budget.
type exhaustiveRun struct {
	spec, profile string
	// narrow, when set, shrinks a copy of the profile: a narrower profile is
	// still a profile, whose reachable states are all enumerated.
	narrow func(m *model.Machine, p *model.Profile)
	// depth, when positive, enumerates only the states within that many
	// steps of the initial state (all of them).
	depth int
}

// bounds returns a narrowing that sets some bounds and keeps only the first
// n values of some type domains.
func bounds(b map[string]uint64, domains map[string]int) func(*model.Machine, *model.Profile) {
	return func(m *model.Machine, p *model.Profile) {
		p.Bounds = maps.Clone(p.Bounds)
		for f, v := range b {
			p.Bounds[m.Field(f).Index] = v
		}
		p.TypeDomains = maps.Clone(p.TypeDomains)
		for d, n := range domains {
			p.TypeDomains[d] = p.TypeDomains[d][:n]
		}
	}
}

// exhaustiveRuns covers every spec of Cases. The example specs' profiles are
// enumerated as they are. spec/machine.yaml's are too large for a unit test
// (tlc: 310k states x 200 input values; ci: 6M states), so its runs are
// narrowed: tlc with one session and run, uint parameters in [0, 1] and
// epochs up to 3 (32k states, every one of its 38 transitions enabled);
// ci_realtime with epochs up to 3 and one reconnect attempt and revision
// (8k states, all 32 of its transitions); and ci, which fires every input,
// up to depth 5 (6.5k states). JobScheduler's ci (13k states x 28 input
// values) is narrowed to two jobs (every transition still fires).
var exhaustiveRuns = []exhaustiveRun{
	{spec: "Meerkat", profile: "tlc", narrow: bounds(map[string]uint64{"realtime_next_authority_epoch": 3},
		map[string]int{"SessionId": 1, "RunId": 1, "uint": 2})},
	{spec: "Meerkat", profile: "ci_realtime", narrow: bounds(map[string]uint64{
		"realtime_next_authority_epoch": 3, "realtime_reconnect_attempt_count": 1, "next_staged_visibility_revision": 1,
		"active_visibility_revision": 1, "staged_visibility_revision": 1}, nil)},
	{spec: "Meerkat", profile: "ci", depth: 5},
	{spec: "DoorLock", profile: "ci"},
	{spec: "DoorLock", profile: "lockout"},
	{spec: "TcpConnection", profile: "ci"},
	{spec: "TcpConnection", profile: "lifecycle"},
	{spec: "Vending", profile: "ci"},
	{spec: "JobScheduler", profile: "ci", narrow: bounds(nil, map[string]int{"Job": 2})},
	{spec: "Wallet", profile: "ci"},
	{spec: "Sched", profile: "ci"},
	{spec: "Barrier", profile: "ci"},
}

// TestExhaustiveSuccessors compares, in every reachable state of each run
// above and for every input value its profile fires, the checker's
// successor, the interpreter's Step and the generated Step (see Exhaustive):
// the kind of answer, the successor, the transition, and (generated code
// against the interpreter) the error text and the effects.
func TestExhaustiveSuccessors(t *testing.T) {
	covered := map[string]bool{}
	for _, r := range exhaustiveRuns {
		covered[r.spec] = true
	}
	for _, c := range Cases() {
		if !covered[c.Name] {
			t.Errorf("%s: no profile to enumerate; add one to exhaustiveRuns", c.Name)
		}
	}
	cases := map[string]Case{}
	for _, c := range Cases() {
		cases[c.Name] = c
	}
	for _, r := range exhaustiveRuns {
		t.Run(r.spec+"/"+r.profile, func(t *testing.T) {
			if testing.Short() && r.spec == "Meerkat" {
				t.Skip("-short: the Meerkat runs take most of the time")
			}
			t.Parallel() // at most GOMAXPROCS at once; the Meerkat runs take most of the time
			c := cases[r.spec]
			m := loadCase(t, c)
			base := m.Profile(r.profile)
			if base == nil {
				t.Fatalf("no profile %s", r.profile)
			}
			p := *base
			if r.narrow != nil {
				r.narrow(m, &p)
			}
			start := time.Now()
			st, err := Exhaustive(m, &p, c.Generated, ExhaustiveOptions{Reach: check.ReachOptions{MaxStates: 100_000, MaxDepth: r.depth}})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d states, %d pairs (%d accepted, %d rejected, %d bound errors) in %v",
				st.States, st.Pairs, st.Accepted, st.Rejected, st.BoundErrors, time.Since(start).Round(time.Millisecond))
			if st.Accepted == 0 || st.Rejected == 0 {
				t.Errorf("the profile must exercise accepted and rejected inputs")
			}
		})
	}
}

// TestExhaustiveDetectsDifferences plants one wrong answer in the generated
// Step of the Wallet case and asserts that Exhaustive reports it: a refused
// input that is accepted, an accepted input that is refused, a wrong
// successor, and lost effects.
func TestExhaustiveDetectsDifferences(t *testing.T) {
	var c Case
	for _, x := range Cases() {
		if x.Name == "Wallet" {
			c = x
		}
	}
	m := loadCase(t, c)
	p := m.Profile("ci")
	if _, err := Exhaustive(m, p, c.Generated, ExhaustiveOptions{}); err != nil {
		t.Fatalf("the unchanged package must agree: %v", err)
	}
	errPlanted := errors.New("planted")
	plants := map[string]struct {
		// plant changes the answer of the generated Step; it reports false
		// when it left this answer alone.
		plant func(s, in, next, fx any, err error) (any, any, error, bool)
		want  string
	}{
		"a refused input accepted": {
			plant: func(s, in, next, fx any, err error) (any, any, error, bool) {
				if err == nil {
					return next, fx, err, false
				}
				return s, wallet.Effects{}, nil, true
			},
			want: "errors differ",
		},
		"an accepted input refused": {
			plant: func(s, in, next, fx any, err error) (any, any, error, bool) {
				if err != nil {
					return next, fx, err, false
				}
				return s, wallet.Effects{}, errPlanted, true
			},
			want: "errors differ",
		},
		"a wrong successor": {
			plant: func(s, in, next, fx any, err error) (any, any, error, bool) {
				if err != nil || s == next {
					return next, fx, err, false
				}
				return s, fx, nil, true
			},
			want: "successors differ",
		},
		"lost effects": {
			plant: func(s, in, next, fx any, err error) (any, any, error, bool) {
				if err != nil || fx.(wallet.Effects).Len() == 0 {
					return next, fx, err, false
				}
				return next, wallet.Effects{}, nil, true
			},
			want: "effects differ",
		},
	}
	for name, pl := range plants {
		t.Run(name, func(t *testing.T) {
			// Plant the difference in the 50th answer it applies to, deep in
			// the enumeration.
			n := 0
			step := func(s, in any) (any, any, error) {
				next, fx, err := c.Generated.Step(s, in)
				if n > 50 {
					return next, fx, err
				}
				if n == 50 {
					n++
					if next, fx, err, ok := pl.plant(s, in, next, fx, err); ok {
						return next, fx, err
					}
					n--
					return next, fx, err
				}
				if _, _, _, ok := pl.plant(s, in, next, fx, err); ok {
					n++
				}
				return next, fx, err
			}
			_, err := Exhaustive(m, p, c.Generated, ExhaustiveOptions{Step: step})
			if err == nil || !strings.Contains(err.Error(), pl.want) {
				t.Fatalf("Exhaustive returned %v, want an error with %q", err, pl.want)
			}
			t.Log(err)
		})
	}
}
