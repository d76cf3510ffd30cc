package check

import (
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/meerkat-go/dslmachine/model"
)

// saturationSpec is a machine that writes v into a map of uint values
// bounded by bound and reads it back in the same step: in a guard, in an
// update (then removes it, so the successor is in bounds) and in an
// invariant; a map literal does the same.
func saturationSpec(v, bound uint64) string {
	return fmt.Sprintf(`machine: Sat
enums:
  Phase: [A]
ids: [W]
fields:
  phase: {type: Phase, initial: A}
  m: {type: "map<W, uint, 2>", initial: "{}"}
  n: {type: uint, max: 20, initial: 0}
  k: {type: uint, max: 20, initial: 0}
  ws: {type: "set<W, 1>", initial: "{}"}
phase: phase
inputs:
  Spike: {w: W}
  Lit: {w: W}
guards:
  readback: get(put(m, arg.w, %[1]d), arg.w, 0) == %[1]d
transitions:
  - name: Spike
    on: Spike
    from: [A]
    guards: [readback]
    do:
      - ws := insert(ws, arg.w)
      - m := put(m, arg.w, %[1]d)
      - n := get(m, arg.w, 0)
      - m := remove(m, arg.w)
  - name: Lit
    on: Lit
    from: [A]
    do:
      - 'm := {arg.w: %[1]d}'
      - k := get(m, arg.w, 0)
      - m := remove(m, arg.w)
invariants:
  exact: "all w in ws: get(put(m, w, %[1]d), w, 0) == %[1]d"
  n_is_v: n == 0 || n == %[1]d
  k_is_v: k == 0 || k == %[1]d
profiles:
  ci:
    bounds: {m: %[2]d}
    domains: {W: [w1]}
`, v, bound)
}

// reachSet lists the states Program.Reachable visits.
func reachSet(t *testing.T, m *model.Machine, p *model.Profile) map[string]bool {
	t.Helper()
	pg, err := Compile(m, p)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	if err := pg.Reachable(ReachOptions{}, func(s model.State, _ int) error {
		out[fmt.Sprint(s)] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSaturatedMapValuesAreExact: a map value above the profile's bound,
// written and read back within one step, reads as written whichever engine
// explores (the compiled closures saturated it at bound+1, a false
// violation), in Run, Program.Successor/Reachable and the liveness graph.
func TestSaturatedMapValuesAreExact(t *testing.T) {
	for _, bound := range []uint64{0, 1, 2} {
		for v := uint64(0); v <= bound+4; v++ {
			t.Run(fmt.Sprintf("bound%d/v%d", bound, v), func(t *testing.T) {
				m := loadText(t, "sat.yaml", saturationSpec(v, bound))
				p := m.Profile("ci")
				closure := run(t, m, "ci", Options{Workers: 1})
				interp := run(t, m, "ci", Options{Workers: 1, Interp: true})
				if interp.Violation != nil {
					t.Fatalf("interpreter: %s", interp.Violation.Message())
				}
				if closure.Violation != nil {
					t.Fatalf("closures: %s", closure.Violation.Message())
				}
				if closure.Distinct != interp.Distinct || closure.OutOfBounds != interp.OutOfBounds || !reflect.DeepEqual(closure.Covered, interp.Covered) {
					t.Errorf("engines disagree:\n%s\n%s", closure.Summary(), interp.Summary())
				}
				states := reachSet(t, m, p)
				if uint64(len(states)) != interp.Distinct {
					t.Errorf("Reachable visits %d states, the interpreter %d", len(states), interp.Distinct)
				}
				pg, err := Compile(m, p)
				if err != nil {
					t.Fatal(err)
				}
				sc, err := pg.Successor(m.Initial(), 0)
				if err != nil {
					t.Fatal(err)
				}
				want, _, err := m.Fire(m.Transitions[0], m.Initial(), []model.Value{model.ID("w1")})
				if err != nil {
					t.Fatal(err)
				}
				if sc.Outcome != OutcomeFired || !reflect.DeepEqual(sc.State, want) {
					t.Errorf("Successor = %v %v, the interpreter %v", sc.Outcome, sc.State, want)
				}
			})
		}
	}
}

// TestSaturationRepros runs the outsider's repros (testdata/saturation):
// no false invariant violation with any engine, no false lasso.
func TestSaturationRepros(t *testing.T) {
	files, _ := filepath.Glob("testdata/saturation/*.yaml")
	if len(files) == 0 {
		t.Fatal("no repros")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			m := load(t, f)
			p := m.Profile("ci")
			for _, opt := range []Options{{Workers: 1}, {Workers: 1, Interp: true}} {
				if res := run(t, m, "ci", opt); res.Violation != nil {
					t.Errorf("interp=%v: %s", opt.Interp, res.Violation.Message())
				}
			}
			if len(m.Liveness(p)) == 0 {
				return
			}
			lr, err := CheckLiveness(m, p, LivenessOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if lr.Violation != nil {
				t.Errorf("false lasso: %s", lr.Violation.Message())
			}
		})
	}
}
