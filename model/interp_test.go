package model

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const counterSpec = `
machine: Counter
enums:
  Phase: [Off, On, Done]
  Mode: [Slow, Fast]
ids: [UserId]
fields:
  phase: {type: Phase, initial: Off}
  n: {type: uint, max: 5, initial: 0}
  last: {type: uint, initial: 0}
  mode: {type: Mode, initial: Slow}
  user: {type: option<UserId>, initial: none}
  deadline: {type: option<uint>, initial: none}
phase: phase
terminal: [Done]
inputs:
  Start: {user: UserId}
  Bump: {by: uint}
  Drop: {by: uint}
  Finish: {}
effects:
  Bumped: {before: uint, after: uint, deadline: uint}
transitions:
  - name: Start
    on: Start
    from: [Off]
    to: On
    do: ["user := some(arg.user)"]
  - name: BumpSlow
    on: Bump
    from: [On]
    guards:
      - slow: mode == Slow
      - small: arg.by <= 1
    do:
      - last := n
      - n := n + arg.by
      - "if n >= 2 then mode := Fast else mode := Slow"
      - deadline := some(n + 10)
    emit:
      - "Bumped": {before: last, after: n, deadline: "unwrap_or(deadline, 0)"}
  - name: BumpFast
    on: Bump
    from: [On]
    guards:
      - fast: mode == Fast
    do:
      - n := if arg.by in [7, 8] then n else n + arg.by
  - name: Drop
    on: Drop
    from: [On]
    do: ["n := n - arg.by"]
  - name: Finish
    on: Finish
    from: all
    to: Done
invariants:
  fast_means_two: mode == Slow || n >= 2
`

func load(t *testing.T, src string) *Machine {
	t.Helper()
	m, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func input(m *Machine, name string, args ...Value) InputValue {
	return InputValue{Input: m.Input(name), Args: args}
}

func TestStepSemantics(t *testing.T) {
	m := load(t, counterSpec)
	s := m.Initial()
	s, fx, err := m.Step(s, input(m, "Start", ID("u1")))
	if err != nil || len(fx) != 0 {
		t.Fatalf("Start: %v %v", fx, err)
	}
	if got := m.PhaseName(s); got != "On" {
		t.Fatalf("phase %s, want On", got)
	}
	if s[m.Field("user").Index] != SomeOf(ID("u1")) {
		t.Fatalf("user = %+v", s[m.Field("user").Index])
	}

	// Updates run in order and effects see post-update values.
	s, fx, err = m.Step(s, input(m, "Bump", Uint(1)))
	if err != nil {
		t.Fatal(err)
	}
	want := []Value{Uint(0), Uint(1), Uint(11)}
	if len(fx) != 1 || !cmp.Equal(fx[0].Fields, want) {
		t.Fatalf("effects %+v, want Bumped%v", fx, want)
	}
	s, _, err = m.Step(s, input(m, "Bump", Uint(1)))
	if err != nil {
		t.Fatal(err)
	}
	if s[m.Field("mode").Index] != EnumValue(1) {
		t.Fatalf("mode should be Fast after n reached 2")
	}

	// The furthest candidate is named: BumpSlow fails its first guard,
	// BumpFast passes its only guard... so use a state where both refuse.
	before := s.Clone()
	s2 := s.Clone()
	s2[m.Field("mode").Index] = EnumValue(0) // Slow
	_, _, err = m.Step(s2, input(m, "Bump", Uint(3)))
	var gr *GuardRejectedError
	if !errors.As(err, &gr) || gr.Transition != "BumpSlow" || gr.Guard != "small" || gr.Phase != "On" || gr.Input != "Bump" {
		t.Fatalf("got %v, want BumpSlow refused by small", err)
	}

	// Conditional expression and in-list.
	s, _, err = m.Step(s, input(m, "Bump", Uint(7)))
	if err != nil || s[m.Field("n").Index] != Uint(2) {
		t.Fatalf("Bump 7 in Fast mode must keep n: %v %v", s, err)
	}
	if !cmp.Equal(s, before) {
		t.Fatalf("state changed: %v -> %v", before, s)
	}

	// A max bound fails the step and leaves the state unchanged.
	_, _, err = m.Step(s, input(m, "Bump", Uint(4)))
	var be *BoundError
	if !errors.As(err, &be) || be.Transition != "BumpFast" || be.Where != "n" {
		t.Fatalf("got %v, want a bound error on n", err)
	}
	// Subtraction below zero is a bound error too.
	_, _, err = m.Step(s, input(m, "Drop", Uint(3)))
	if !errors.As(err, &be) || be.Transition != "Drop" {
		t.Fatalf("got %v, want a bound error from Drop", err)
	}

	// No transition for an input in a phase.
	_, _, err = m.Step(m.Initial(), input(m, "Bump", Uint(1)))
	var nt *NoTransitionError
	if !errors.As(err, &nt) || nt.Phase != "Off" || !strings.Contains(err.Error(), "no transition") {
		t.Fatalf("got %v, want no transition", err)
	}
	// from: all excludes terminal phases.
	done, _, err := m.Step(s, input(m, "Finish"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Step(done, input(m, "Finish")); !errors.As(err, &nt) {
		t.Fatalf("Finish in Done: got %v, want no transition", err)
	}
}

func TestCheckInvariants(t *testing.T) {
	m := load(t, counterSpec)
	s := m.Initial()
	if err := m.CheckInvariants(s); err != nil {
		t.Fatal(err)
	}
	s[m.Field("mode").Index] = EnumValue(1)
	var ie *InvariantError
	if err := m.CheckInvariants(s); !errors.As(err, &ie) || ie.Invariant != "fast_means_two" {
		t.Fatalf("got %v, want fast_means_two violated", err)
	}
}

func TestParseExprErrors(t *testing.T) {
	for _, tc := range []struct{ src, msg string }{
		{"a +", "expected an operand"},
		{"(a", `expected ")"`},
		{"a b", "unexpected"},
		{"if a then b", `expected "else"`},
		{"arg.", "parameter name"},
		{"x in [3", `expected "]"`},
		{"x in", "expected an operand"},
		{"all x in s p", `expected ":"`},
		{"{a: 1, b}", `expected ":"`},
		{"{a, b: 1}", "not both"},
		{"size(s, t)", `expected ")"`},
		{"99999999999999999999", "does not fit"},
		{"a # b", "unexpected character"},
		{strings.Repeat("(", 1000) + "a" + strings.Repeat(")", 1000), "nested too deeply"},
		{strings.Repeat("!", 1000) + "a", "nested too deeply"},
	} {
		_, err := ParseExpr(tc.src, nil)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseExpr(%.30q) = %v, want an error containing %q", tc.src, err, tc.msg)
		}
	}
}

func TestParsePrecedence(t *testing.T) {
	x, err := ParseExpr("!a || b && c == d + 1 - 2", nil)
	if err != nil {
		t.Fatal(err)
	}
	or, ok := x.(*Binary)
	if !ok || or.Op != "||" {
		t.Fatalf("top is %T, want ||", x)
	}
	if _, ok := or.X.(*Not); !ok {
		t.Fatalf("left of || is %T, want !", or.X)
	}
	and := or.Y.(*Binary)
	if and.Op != "&&" {
		t.Fatalf("right of || is %s, want &&", and.Op)
	}
	eq := and.Y.(*Binary)
	if eq.Op != "==" {
		t.Fatalf("want ==, got %s", eq.Op)
	}
	if sub := eq.Y.(*Binary); sub.Op != "-" || sub.X.(*Binary).Op != "+" {
		t.Fatalf("+ and - must be left-associative")
	}
}

func TestExprPositions(t *testing.T) {
	_, err := Parse("p.yaml", []byte(strings.Replace(counterSpec, "arg.by <= 1", "arg.by <= Fast", 1)))
	if err == nil {
		t.Fatal("want a type error")
	}
	if !strings.Contains(err.Error(), "p.yaml:34:26:") {
		t.Fatalf("error %q does not name line 34, column 26", err)
	}
}

// TestParseStateJSONRoundTrip: ParseStateJSON reads back what StateJSON
// writes, for every state of a short walk, and refuses malformed states.
func TestParseStateJSONRoundTrip(t *testing.T) {
	m, err := Load("../spec/machine.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := m.Initial()
	ivs, _ := m.InputValues(m.Profile("ci"))
	for step := 0; step < 200; step++ {
		b, err := m.StateJSON(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := m.ParseStateJSON(b)
		if err != nil {
			t.Fatalf("step %d: %v\n%s", step, err, b)
		}
		for i := range s {
			if back[i] != s[i] {
				t.Fatalf("step %d: field %s: %v, want %v", step, m.Fields[i].Name, back[i], s[i])
			}
		}
		for k := 0; k < len(ivs); k++ {
			if n, _, err := m.Step(s, ivs[(step*7+k)%len(ivs)]); err == nil {
				s = n
				break
			}
		}
	}
	for _, bad := range []string{`[]`, `{}`, `{"lifecycle_phase": "Nope"}`} {
		if _, err := m.ParseStateJSON([]byte(bad)); !errors.Is(err, ErrBadJSON) {
			t.Errorf("%s: err = %v, want ErrBadJSON", bad, err)
		}
	}
}
