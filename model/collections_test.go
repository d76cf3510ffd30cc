package model

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestCollectionsInterpreter(t *testing.T) {
	m, err := Load("../internal/conformance/testdata/scheduler.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := m.Initial()
	if got, want := s[m.Field("colors").Index], SetOf(EnumValue(0)); got != want {
		t.Fatalf("colors = %v, want {Red}", got)
	}
	step := func(in string, args ...Value) error {
		t.Helper()
		n, _, err := m.Step(s, InputValue{Input: m.Input(in), Args: args})
		if err == nil {
			if err := m.CheckInvariants(n); err != nil {
				t.Fatalf("%s%v: %v in %v", in, args, err, n)
			}
			s = n
		}
		return err
	}
	for _, w := range []string{"b", "a", "c"} {
		if err := step("Join", ID(w)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := s[m.Field("idle").Index], SetOf(ID("a"), ID("b"), ID("c")); got != want {
		t.Fatalf("idle = %q, want a, b, c", got.S)
	}
	var rej *GuardRejectedError
	if err := step("Join", ID("a")); !errors.As(err, &rej) {
		t.Fatalf("joining twice: %v, want a rejection", err)
	}
	if err := step("Assign", ID("x"), ID("a")); err != nil {
		t.Fatal(err)
	}
	if err := step("Assign", ID("y"), ID("b")); err != nil {
		t.Fatal(err)
	}
	if got, want := s[m.Field("leases").Index], MapOf(ID("y"), ID("b"), ID("x"), ID("a")); got != want {
		t.Fatalf("leases = %q", got.S)
	}
	// A third lease exceeds the map's capacity 2: a bound error.
	var be *BoundError
	if err := step("Assign", ID("z"), ID("c")); !errors.As(err, &be) || be.Where != "leases" {
		t.Fatalf("third lease: %v, want a bound error at leases", err)
	}
	if err := step("Finish", ID("x"), ID("a")); err != nil {
		t.Fatal(err)
	}
	if got, want := s[m.Field("tries").Index], MapOf(ID("x"), Uint(1), ID("y"), Uint(1)); got != want {
		t.Fatalf("tries = %q", got.S)
	}
	if err := step("Paint", EnumValue(2)); err != nil {
		t.Fatal(err)
	}
	if err := step("Paint", EnumValue(1)); err != nil {
		t.Fatal(err)
	}
	if got, want := s[m.Field("colors").Index], SetOf(EnumValue(1)); got != want {
		t.Fatalf("colors = %q, want {Green}", got.S)
	}
}

// TestQuantifierDepth: nine nested quantifiers are refused with a position,
// eight are accepted.
func TestQuantifierDepth(t *testing.T) {
	spec := func(n int) string {
		body := "true"
		for i := n; i > 0; i-- {
			body = fmt.Sprintf("all x%d in s: %s", i, body)
		}
		return "machine: D\nenums: {P: [A]}\nfields:\n  p: {type: P, initial: A}\n  s: {type: \"set<P, 1>\", initial: \"{}\"}\nphase: p\ninputs: {Go: {}}\ntransitions: [{name: Go, on: Go, from: [A]}]\ninvariants:\n  deep: \"" + body + "\"\n"
	}
	if _, err := Parse("d.yaml", []byte(spec(8))); err != nil {
		t.Fatalf("8 quantifiers: %v", err)
	}
	_, err := Parse("d.yaml", []byte(spec(9)))
	if err == nil || !strings.Contains(err.Error(), "d.yaml:10:") || !strings.Contains(err.Error(), "nest at most 8") {
		t.Fatalf("9 quantifiers: %v", err)
	}
}
