package model

import (
	"errors"
	"fmt"
)

// ErrInvalidState matches an *InvalidStateError.
var ErrInvalidState = errors.New("invalid state")

// ErrInvalidInput matches an *InvalidInputError.
var ErrInvalidInput = errors.New("invalid input")

// InvalidStateError says that a state is not one the machine can be in:
// Field holds a value its type does not allow (an enum value out of range, a
// uint above its max, a none option holding a value), or, when Field is
// empty, Invariant does not hold. Its text is the generated code's.
type InvalidStateError struct {
	Field     string
	Invariant string
}

// Error names the field or the invariant.
func (e *InvalidStateError) Error() string {
	if e.Field != "" {
		return "invalid state: field " + e.Field + " out of range"
	}
	return "invalid state: invariant " + e.Invariant + " violated"
}

// Is makes the error match ErrInvalidState.
func (e *InvalidStateError) Is(target error) bool { return target == ErrInvalidState }

// InvalidInputError says that the parameter Param of the input Input holds
// an enum value out of range. Its text is the generated code's.
type InvalidInputError struct {
	Input string
	Param string
}

// Error names the input and the parameter.
func (e *InvalidInputError) Error() string {
	return "input " + e.Input + ": parameter " + e.Param + " out of range"
}

// Unwrap makes the error match ErrInvalidInput.
func (e *InvalidInputError) Unwrap() error { return ErrInvalidInput }

// enumOutOfRange reports whether v, of type t, is an enum value (or an
// option of one, present or not) out of range.
func enumOutOfRange(t *Type, v Value) bool {
	if t.Kind == KindOption {
		t = t.Elem
	}
	return t.Kind == KindEnum && v.N >= uint64(len(t.Enum.Values))
}

// checkStep returns the error Step gives, before trying a transition, for a
// state or an input holding an enum value out of range (the checks of the
// generated Step): an *InvalidStateError for the first such field, else an
// *InvalidInputError for the first such parameter.
func (m *Machine) checkStep(s State, in InputValue) error {
	if len(s) != len(m.Fields) {
		return fmt.Errorf("model: malformed state: %d values for %d fields", len(s), len(m.Fields))
	}
	for _, f := range m.Fields {
		if enumOutOfRange(f.Type, s[f.Index]) {
			return &InvalidStateError{Field: f.Name}
		}
	}
	for i, p := range in.Input.Params {
		if enumOutOfRange(p.Type, in.Args[i]) {
			return &InvalidInputError{Input: in.Input.Name, Param: p.Name}
		}
	}
	return nil
}

// ValidateState returns an *InvalidStateError if s is not a state of the
// machine as far as its types and invariants tell (the generated
// State.Validate): the first field, in field order, holding an enum value
// out of range, a uint above its max or a none option holding a value, else
// the first invariant that does not hold.
func (m *Machine) ValidateState(s State) error {
	if len(s) != len(m.Fields) {
		return fmt.Errorf("model: malformed state: %d values for %d fields", len(s), len(m.Fields))
	}
	for _, f := range m.Fields {
		v := s[f.Index]
		bad := enumOutOfRange(f.Type, v)
		if f.Type.Kind == KindOption && !v.Some && (v.N != 0 || v.S != "") {
			bad = true
		}
		if f.Max != nil && (f.Type.Kind == KindUint || f.Type.Kind == KindOption && f.Type.Elem.Kind == KindUint) && v.N > *f.Max {
			bad = true
		}
		if bad {
			return &InvalidStateError{Field: f.Name}
		}
	}
	var ie *InvariantError
	if err := m.CheckInvariants(s); errors.As(err, &ie) {
		return &InvalidStateError{Invariant: ie.Invariant}
	} else if err != nil {
		return err
	}
	return nil
}
