package specfuzz

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/validate"
	"pgregory.net/rapid"
)

// TestCommutingKeepsResults checks, on random specs, that leaving out the
// steps that commute with the step before (the checker's default, see
// check.CommutingInputs) changes no result: with 1 and 2 workers, the
// states, depth, coverage, completeness and the violation with its trace
// equal those of a search that fires every input value in every state
// (check.Options.AllSteps), and so do the states they count when cut at
// each depth (so every state is found at the same depth). The specs come from counterSpec, which makes
// inputs that commute common (the fuzzer's specs seldom have them), and
// from PlainSpecGen. SPECFUZZ_COMMUTE_N sets how many of each (default
// 150), SPECFUZZ_SEED the seed.
func TestCommutingKeepsResults(t *testing.T) {
	n := envInt(t, "SPECFUZZ_COMMUTE_N", 150)
	seed := envInt(t, "SPECFUZZ_SEED", 1)
	dir := t.TempDir()
	counters := rapid.Custom(counterSpec)
	plain := PlainSpecGen()
	compared, pruned := 0, 0
	for i := range 2 * n {
		var text []byte
		if i%2 == 0 {
			text = counters.Example(seed*1_000_003 + i)
		} else {
			text = plain.Example(seed*1_000_003 + i).YAML()
		}
		f := filepath.Join(dir, fmt.Sprintf("s%03d.yaml", i))
		if err := os.WriteFile(f, text, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := validate.Load(f)
		if err != nil {
			t.Fatalf("spec %d of seed %d does not validate: %v\n%s", i, seed, err, text)
		}
		for _, p := range m.Profiles {
			all, err := check.Run(m, p, check.Options{Workers: 1, AllSteps: true, MaxStates: 20_000})
			if errors.Is(err, check.ErrUnrepresentable) || err == nil && all.Limited {
				continue
			}
			if err != nil {
				t.Fatalf("spec %d profile %s: %v\n%s", i, p.Name, err, text)
			}
			compared++
			for _, workers := range []int{1, 2} {
				res, err := check.Run(m, p, check.Options{Workers: workers, MaxStates: 20_000})
				if err != nil {
					t.Fatalf("spec %d profile %s: %v", i, p.Name, err)
				}
				if d := commuteDiff(res, all); d != "" {
					t.Errorf("spec %d profile %s, %d workers: %s\n%s", i, p.Name, workers, d, text)
				}
				if workers == 1 && res.Fired < all.Fired {
					pruned++
				}
			}
			// Cut at every depth, the two count the same states: every
			// state is found at the same depth.
			for depth := 1; depth < all.Depth && (p.Depth == 0 || depth < p.Depth); depth++ {
				cut := *p
				cut.Depth = depth
				a, err := check.Run(m, &cut, check.Options{Workers: 1, AllSteps: true})
				if err != nil {
					t.Fatal(err)
				}
				r, err := check.Run(m, &cut, check.Options{Workers: 1})
				if err != nil {
					t.Fatal(err)
				}
				if d := commuteDiff(r, a); d != "" {
					t.Errorf("spec %d profile %s cut at depth %d: %s\n%s", i, p.Name, depth, d, text)
					break
				}
			}
		}
	}
	t.Logf("%d profiles compared; on %d the search left out commuting steps", compared, pruned)
	if compared < n || pruned < n/5 {
		t.Errorf("%d profiles compared, %d with steps left out: too few to test the rule", compared, pruned)
	}
}

// counterSpec makes a small spec in which inputs often commute: two
// phases with a transition from each to the other, a few bounded uint
// fields and a bool, and a transition per input that mostly stays in its
// phase, with a guard and updates (some under a
// condition) on random fields, and sometimes an invariant over two fields
// (which can fail out of bounds too).
func counterSpec(t *rapid.T) []byte {
	nU := rapid.IntRange(3, 5).Draw(t, "uints")
	nT := rapid.IntRange(3, 7).Draw(t, "transitions")
	u := func(label string) string { return fmt.Sprintf("u%d", rapid.IntRange(0, nU-1).Draw(t, label)) }
	var b strings.Builder
	b.WriteString("machine: Counters\nenums:\n  P: [A, B]\nfields:\n  ph: {type: P, initial: A}\n  b0: {type: bool, initial: false}\n")
	for i := range nU {
		fmt.Fprintf(&b, "  u%d: {type: uint, initial: 0}\n", i)
	}
	b.WriteString("phase: ph\ninputs:\n")
	param := make([]bool, nT)
	for i := range nT {
		param[i] = rapid.Bool().Draw(t, "param")
		if param[i] {
			fmt.Fprintf(&b, "  I%d: {v: uint}\n", i)
		} else {
			fmt.Fprintf(&b, "  I%d: {}\n", i)
		}
	}
	b.WriteString("  Go: {}\n  Back: {}\ntransitions:\n")
	b.WriteString("  - name: Go\n    on: Go\n    from: [A]\n    to: B\n  - name: Back\n    on: Back\n    from: [B]\n    to: A\n")
	for i := range nT {
		from := rapid.SampledFrom([]string{"[A]", "[B]", "[A, B]", "[A, B]"}).Draw(t, "from")
		fmt.Fprintf(&b, "  - name: T%d\n    on: I%d\n    from: %s\n", i, i, from)
		if rapid.IntRange(0, 3).Draw(t, "moves") == 0 {
			fmt.Fprintf(&b, "    to: %s\n", rapid.SampledFrom([]string{"A", "B"}).Draw(t, "to"))
		}
		// A transition writes its field x, mostly reading x alone, at
		// times another field y too.
		x, y := u("x"), u("y")
		guards := []string{"", "", x + " < 2", x + " < 2", x + " == " + y, y + " > 0", y + " == 0", "b0", "!b0"}
		if param[i] {
			guards = append(guards, x+" <= arg.v")
		}
		if g := rapid.SampledFrom(guards).Draw(t, "guard"); g != "" {
			fmt.Fprintf(&b, "    guards:\n      - g%d: %q\n", i, g)
		}
		ups := []string{x + " := " + x + " + 1", x + " := " + x + " + 1", x + " := 0", x + " := " + y, "if " + y + " > 0 then " + x + " := " + x + " + 1"}
		if param[i] {
			ups = append(ups, x+" := arg.v")
		}
		fmt.Fprintf(&b, "    do:\n      - %s\n", rapid.SampledFrom(ups).Draw(t, "update"))
		if y := u("y2"); y != x && rapid.Bool().Draw(t, "more") {
			more := []string{y + " := " + x, "if " + u("c") + " > 0 then " + y + " := 0", "b0 := !b0", y + " := 0", y + " := " + y + " + 1"}
			fmt.Fprintf(&b, "      - %s\n", rapid.SampledFrom(more).Draw(t, "update2"))
		}
	}
	if rapid.IntRange(0, 2).Draw(t, "invariant") == 0 {
		// The last can fail only out of bounds (above 2), as a function of
		// two fields.
		i, j := u("i"), u("i2")
		inv := rapid.SampledFrom([]string{i + " + " + j + " < 3", i + " + " + j + " < 4", i + " < 3 || " + j + " == 0"}).Draw(t, "inv")
		fmt.Fprintf(&b, "invariants:\n  small: %q\n", inv)
	}
	b.WriteString("profiles:\n  ci:\n    bounds: {")
	for i := range nU {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "u%d: 2", i)
	}
	b.WriteString("}\n    domains:\n      uint: [0, 1]\n")
	return []byte(b.String())
}

// commuteDiff describes how a default run differs from an AllSteps run in
// anything but the step counts, or returns "".
func commuteDiff(res, all *check.Result) string {
	switch {
	case res.Distinct != all.Distinct || res.Depth != all.Depth || res.Complete != all.Complete:
		return fmt.Sprintf("\n%s\nwith every step:\n%s", res.Summary(), all.Summary())
	case !slices.Equal(res.Covered, all.Covered):
		return fmt.Sprintf("coverage %v, with every step %v", res.Covered, all.Covered)
	case (res.Violation == nil) != (all.Violation == nil):
		return fmt.Sprintf("violation %v, with every step %v", res.Violation, all.Violation)
	case res.Violation != nil && res.Violation.Message() != all.Violation.Message():
		return fmt.Sprintf("violation %q, with every step %q", res.Violation.Message(), all.Violation.Message())
	case res.Violation != nil && traceOf(res) != traceOf(all):
		return fmt.Sprintf("trace\n%s\nwith every step\n%s", traceOf(res), traceOf(all))
	case res.Fired > all.Fired || res.OutOfBounds > all.OutOfBounds:
		return fmt.Sprintf("more steps than with every step:\n%s\n%s", res.Summary(), all.Summary())
	}
	return ""
}

// traceOf renders a run's violation as dslgen check prints it: the
// initial state, then each step's input, transition and changed fields.
func traceOf(r *check.Result) string {
	var b strings.Builder
	check.WriteTrace(&b, r.Machine, r.Violation)
	return b.String()
}
