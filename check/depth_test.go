package check

import (
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/model"
)

// TestProfileDepth checks a profile's depth: against the states that an
// unbounded breadth-first search (Program.Reachable) finds within that many
// steps, for every depth up to past the end of the space, with the closure
// engine, the interpreter and 1 or 2 workers.
func TestProfileDepth(t *testing.T) {
	for _, spec := range []string{"../spec/examples/tcp.yaml", "shipped/testdata/collections.yaml"} {
		t.Run(spec, func(t *testing.T) { testProfileDepth(t, load(t, spec)) })
	}
}

func testProfileDepth(t *testing.T, m *model.Machine) {
	base := m.Profile("ci")
	prog, err := Compile(m, base)
	if err != nil {
		t.Fatal(err)
	}
	var perDepth []uint64
	if err := prog.Reachable(ReachOptions{}, func(_ model.State, d int) error {
		for len(perDepth) <= d {
			perDepth = append(perDepth, 0)
		}
		perDepth[d]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	last := len(perDepth) - 1
	for _, d := range []int{1, 2, 5, last - 1, last, last + 3} {
		p := *base
		p.Depth = d
		want := uint64(0)
		for i := 0; i <= d && i <= last; i++ {
			want += perDepth[i]
		}
		for _, opt := range []Options{{Workers: 1}, {Workers: 2}, {Workers: 2, Interp: true}} {
			if opt.Interp && want > 5000 {
				continue
			}
			res, err := Run(m, &p, opt)
			if err != nil {
				t.Fatal(err)
			}
			if res.Distinct != want || !res.Complete || res.Depth != min(d, last) {
				t.Errorf("depth %d, %+v: %d states, complete %v, depth %d; want %d states, complete, depth %d",
					d, opt, res.Distinct, res.Complete, res.Depth, want, min(d, last))
			}
		}
		// Reachable honours the profile's depth too.
		dp, err := Compile(m, &p)
		if err != nil {
			t.Fatal(err)
		}
		n := uint64(0)
		if err := dp.Reachable(ReachOptions{}, func(model.State, int) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("depth %d: Reachable visits %d states, want %d", d, n, want)
		}
	}
}

// TestProfileDepthLoads checks the loader's rules for depth: at least 1, a
// uint, and no liveness list beside it; a profile with a depth checks no
// liveness property.
func TestProfileDepthLoads(t *testing.T) {
	spec := func(profile string) string {
		return `machine: D
enums:
  Phase: [A, B]
fields:
  phase: {type: Phase, initial: A}
phase: phase
inputs:
  Go: {}
transitions:
  - name: Go
    on: Go
    from: [A]
    to: B
liveness:
  ends:
    from: phase == A
    leads_to: phase == B
fairness:
  weak: [Go]
profiles:
  ci:
` + profile
	}
	for _, tc := range []struct{ profile, err string }{
		{"    depth: 0\n", "depth must be at least 1"},
		{"    depth: -1\n", "depth"},
		{"    depth: x\n", "depth"},
		{"    depth: 3\n    liveness: [ends]\n", "bounds the depth: a liveness property cannot be checked"},
	} {
		_, err := model.Parse("d.yaml", []byte(spec(tc.profile)))
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: err %v, want one containing %q", tc.profile, err, tc.err)
		}
	}
	m, err := model.Parse("d.yaml", []byte(spec("    depth: 3\n    liveness: []\n")))
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Profile("ci"); p.Depth != 3 || len(m.Liveness(p)) != 0 {
		t.Errorf("depth %d, %d liveness properties; want 3 and none", p.Depth, len(m.Liveness(p)))
	}
}
