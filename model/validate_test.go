package model

import (
	"errors"
	"testing"
)

const validateSpec = `
machine: V
enums:
  Phase: [A, B]
  E: [X, Y]
fields:
  phase: {type: Phase, initial: A}
  n: {type: uint, max: 3, initial: 0}
  e: {type: option<E>, initial: none}
phase: phase
inputs:
  Go: {k: E}
transitions:
  - {name: T, on: Go, from: [A], to: B}
invariants:
  small: n <= 2
`

// TestStepOutOfRangeEnums checks that Step refuses, without panicking, a
// state or an input holding an enum value out of range, with the errors and
// texts of the generated code.
func TestStepOutOfRangeEnums(t *testing.T) {
	m, err := Parse("v.yaml", []byte(validateSpec))
	if err != nil {
		t.Fatal(err)
	}
	in := InputValue{Input: m.Input("Go"), Args: []Value{EnumValue(0)}}
	s := m.Initial()
	s[m.Field("phase").Index] = EnumValue(200)
	_, _, err = m.Step(s, in)
	var se *InvalidStateError
	if !errors.As(err, &se) || se.Field != "phase" || !errors.Is(err, ErrInvalidState) || err.Error() != "invalid state: field phase out of range" {
		t.Errorf("phase 200: %v", err)
	}
	s = m.Initial()
	s[m.Field("e").Index] = SomeOf(EnumValue(2))
	if _, _, err := m.Step(s, in); !errors.As(err, &se) || se.Field != "e" {
		t.Errorf("option enum out of range: %v", err)
	}
	bad := InputValue{Input: m.Input("Go"), Args: []Value{EnumValue(2)}}
	_, _, err = m.Step(m.Initial(), bad)
	var ie *InvalidInputError
	if !errors.As(err, &ie) || ie.Param != "k" || !errors.Is(err, ErrInvalidInput) || err.Error() != "input Go: parameter k out of range" {
		t.Errorf("parameter out of range: %v", err)
	}
	if _, _, err := m.Step(m.Initial(), in); err != nil {
		t.Errorf("valid step: %v", err)
	}
}

func TestValidateState(t *testing.T) {
	m, err := Parse("v.yaml", []byte(validateSpec))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.ValidateState(m.Initial()); err != nil {
		t.Errorf("initial state: %v", err)
	}
	for name, c := range map[string]struct {
		field, value string
		v            Value
		want         string
	}{
		"max":       {"n", "", Uint(4), "invalid state: field n out of range"},
		"invariant": {"n", "", Uint(3), "invalid state: invariant small violated"},
		"none":      {"e", "", Value{N: 1}, "invalid state: field e out of range"},
		"enum":      {"phase", "", EnumValue(2), "invalid state: field phase out of range"},
	} {
		s := m.Initial()
		s[m.Field(c.field).Index] = c.v
		if err := m.ValidateState(s); err == nil || err.Error() != c.want || !errors.Is(err, ErrInvalidState) {
			t.Errorf("%s: %v, want %s", name, err, c.want)
		}
	}
}
