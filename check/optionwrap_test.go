package check

import (
	"errors"
	"strings"
	"testing"
)

// An option<uint> holding 18446744073709551615 cannot be coded as 1 + the
// value: the coding wraps to none. The checker used to answer as if the
// value were none (the guard below held, so Probe was covered, while the
// interpreter and the generated code find it false); now it stops with a
// positioned usage error instead of a wrong answer, whether the value is a
// constant or computed from an argument at run time.
func TestOptionUintMaxDoesNotWrap(t *testing.T) {
	const max = "18446744073709551615"
	base := `machine: Wrap
enums:
  Phase: [On]
fields:
  phase: {type: Phase, initial: On}
  n: {type: uint, initial: 0}
  m: {type: option<uint>, initial: none}
phase: phase
inputs:
  Probe: {}
  Set: {v: uint}
guards:
  probe: GUARD
transitions:
  - name: Probe
    on: Probe
    from: [On]
    guards: [probe]
    do:
      - n := 1
  - name: Set
    on: Set
    from: [On]
    do:
      - m := some(arg.v)
profiles:
  ci:
    domains:
      uint: [UINTS]
`
	cases := map[string]struct{ guard, uints string }{
		"constant":             {guard: "unwrap_or(some(" + max + "), 0) < 1", uints: "0"},
		"computed at run time": {guard: "true", uints: "0, " + max},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			spec := strings.NewReplacer("GUARD", c.guard, "UINTS", c.uints).Replace(base)
			m := loadText(t, "wrap.yaml", spec)
			// What the interpreter says about Probe in the initial state.
			enabled, err := m.Enabled(m.Transition("Probe"), m.Initial(), nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(m, m.Profile("ci"), Options{Workers: 2})
			if err == nil {
				if res.Covered[0] != enabled { // Probe is transition 0
					t.Fatalf("the checker covers Probe: %v, the interpreter enables it: %v", !enabled, enabled)
				}
				if strings.Contains(c.uints, max) {
					t.Fatalf("some(%s) was stored without an error: %s", max, res.Summary())
				}
				return
			}
			if !errors.Is(err, ErrUnrepresentable) || !strings.Contains(err.Error(), "wrap.yaml:") || !strings.Contains(err.Error(), max) {
				t.Errorf("error %q: want a positioned ErrUnrepresentable naming the value", err)
			}
			// The one-step API says the same, as an error, not a panic.
			pr, err := Compile(m, m.Profile("ci"))
			if err != nil {
				t.Fatal(err)
			}
			var failed bool
			for i := range pr.Inputs() {
				_, err := pr.Successor(m.Initial(), i)
				failed = failed || errors.Is(err, ErrUnrepresentable)
			}
			if !failed {
				t.Errorf("Program.Successor: no ErrUnrepresentable for any input")
			}
		})
	}
}

// Found by make soak-specs (seed 11, spec s01126, shrunk): an invariant of
// the initial state that holds some(18446744073709551615). The initial
// state's invariants were checked outside the recovery that turns the
// compiled expression's abort into an error, so Run panicked.
func TestOptionUintMaxInAnInitialInvariant(t *testing.T) {
	m := loadText(t, "init.yaml", `machine: Zs1
enums:
  Zs2: [Zs3]
fields:
  Zs6: {type: "Zs2", initial: "Zs2.Zs3"}
phase: Zs6
inputs:
  Zs7: {}
transitions: []
invariants:
  Zs8: "0 in [1, unwrap_or(some(18446744073709551615), 0), 0]"
profiles:
  ci: {}
`)
	res, err := Run(m, m.Profile("ci"), Options{Workers: 1})
	if !errors.Is(err, ErrUnrepresentable) || !strings.Contains(err.Error(), "init.yaml:11:28:") {
		t.Errorf("Run = %v, %v; want a positioned ErrUnrepresentable", res, err)
	}
	// The interpreter holds the value as it is: the invariant holds.
	res, err = Run(m, m.Profile("ci"), Options{Workers: 1, Interp: true})
	if err != nil || res.Violation != nil || res.Distinct != 1 {
		t.Errorf("Run with the interpreter = %+v, %v; want one state and no violation", res, err)
	}
}
