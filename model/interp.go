package model

import (
	"fmt"
	"math"
	"math/bits"
)

// Value is a runtime value. Its meaning depends on the static type:
// bool and uint use N (a bool is 0 or 1), an enum uses N as the value index,
// an id uses S; an option sets Some and then uses N or S for the inner value.
// A none option has every member zero, so Values compare with ==.
type Value struct {
	N    uint64
	S    string
	Some bool
}

// Bool makes a bool value.
func Bool(b bool) Value {
	if b {
		return Value{N: 1}
	}
	return Value{}
}

// Uint makes a uint value.
func Uint(n uint64) Value { return Value{N: n} }

// EnumValue makes an enum value from its index.
func EnumValue(i int) Value { return Value{N: uint64(i)} }

// ID makes an id value.
func ID(s string) Value { return Value{S: s} }

// None is the empty option.
func None() Value { return Value{} }

// SomeOf wraps a value in an option.
func SomeOf(v Value) Value { v.Some = true; return v }

// Unwrap returns the value inside an option (zero for none).
func (v Value) Unwrap() Value { v.Some = false; return v }

// Bool reports a bool value.
func (v Value) Bool() bool { return v.N != 0 }

// State is a machine state: one value per field, in field order.
type State []Value

// Clone copies a state.
func (s State) Clone() State { return append(State(nil), s...) }

// InputValue is an input with its arguments, in parameter order.
type InputValue struct {
	Input *Input
	Args  []Value
}

// EffectValue is an emitted effect with its field values, in field order.
type EffectValue struct {
	Effect *Effect
	Fields []Value
}

// GuardRejectedError says that no transition fired because a guard refused.
// Transition and Guard name the candidate that got furthest.
type GuardRejectedError struct {
	Input, Phase, Transition, Guard string
}

func (e *GuardRejectedError) Error() string {
	return fmt.Sprintf("input %s rejected in phase %s: transition %s refused by guard %s", e.Input, e.Phase, e.Transition, e.Guard)
}

// NoTransitionError says that no transition listens to the input in the phase.
type NoTransitionError struct {
	Input, Phase string
}

func (e *NoTransitionError) Error() string {
	return fmt.Sprintf("input %s rejected in phase %s: no transition for this input in this phase", e.Input, e.Phase)
}

// BoundError says that a transition would overflow a bound: a field's max,
// 64-bit overflow (of + or *), or a subtraction below zero, in its updates or effects.
// Where is the field assigned, "if" for an update condition, or
// Effect.field. (A guard that raises a bound error is false instead.)
type BoundError struct {
	Transition, Where string
}

func (e *BoundError) Error() string {
	return fmt.Sprintf("transition %s: bound exceeded at %s", e.Transition, e.Where)
}

// InvariantError names a violated invariant.
type InvariantError struct {
	Invariant string
}

func (e *InvariantError) Error() string {
	return fmt.Sprintf("invariant %s violated", e.Invariant)
}

// errOverflow is raised by arithmetic; the step turns it into a BoundError.
type overflowError struct{}

func (overflowError) Error() string { return "arithmetic overflow" }

// eval evaluates a checked expression.
func eval(x Expr, s State, args []Value) (Value, error) {
	return (&evaluator{s: s, args: args}).eval(x)
}

// evaluator holds what an expression reads: the state, the input's
// arguments and the values of the quantified variables in scope.
type evaluator struct {
	s    State
	args []Value
	vars []Value // by BoundVar.Depth
}

func (ev *evaluator) eval(x Expr) (Value, error) {
	s, args := ev.s, ev.args
	switch x := x.(type) {
	case *IntLit:
		return Value{N: x.Value}, nil
	case *BoolLit:
		return Bool(x.Value), nil
	case *NoneLit:
		return Value{}, nil
	case *SomeExpr:
		v, err := ev.eval(x.X)
		return SomeOf(v), err
	case *UnwrapOr:
		o, err := ev.eval(x.X)
		if err != nil {
			return o, err
		}
		d, err := ev.eval(x.Default)
		if err != nil {
			return d, err
		}
		if o.Some {
			return o.Unwrap(), nil
		}
		return d, nil
	case *FieldRef:
		return s[x.Field.Index], nil
	case *ArgRef:
		return args[x.Param.Index], nil
	case *EnumLit:
		return EnumValue(x.Value), nil
	case *Not:
		v, err := ev.eval(x.X)
		return Bool(!v.Bool()), err
	case *InList:
		v, err := ev.eval(x.X)
		if err != nil {
			return v, err
		}
		for _, e := range x.List {
			w, err := ev.eval(e)
			if err != nil {
				return w, err
			}
			if v == w {
				return Bool(true), nil
			}
		}
		return Bool(false), nil
	case *Cond:
		c, err := ev.eval(x.Cond)
		if err != nil {
			return c, err
		}
		if c.Bool() {
			return ev.eval(x.Then)
		}
		return ev.eval(x.Else)
	case *Binary:
		a, err := ev.eval(x.X)
		if err != nil {
			return a, err
		}
		switch x.Op {
		case "&&":
			if !a.Bool() {
				return a, nil
			}
			return ev.eval(x.Y)
		case "||":
			if a.Bool() {
				return a, nil
			}
			return ev.eval(x.Y)
		}
		b, err := ev.eval(x.Y)
		if err != nil {
			return b, err
		}
		switch x.Op {
		case "==":
			return Bool(a == b), nil
		case "!=":
			return Bool(a != b), nil
		case "<":
			return Bool(a.N < b.N), nil
		case "<=":
			return Bool(a.N <= b.N), nil
		case ">":
			return Bool(a.N > b.N), nil
		case ">=":
			return Bool(a.N >= b.N), nil
		case "+":
			if a.N > math.MaxUint64-b.N {
				return Value{}, overflowError{}
			}
			return Value{N: a.N + b.N}, nil
		case "-":
			if b.N > a.N {
				return Value{}, overflowError{}
			}
			return Value{N: a.N - b.N}, nil
		case "*":
			hi, lo := bits.Mul64(a.N, b.N)
			if hi != 0 {
				return Value{}, overflowError{}
			}
			return Value{N: lo}, nil
		case "min":
			return Value{N: min(a.N, b.N)}, nil
		case "max":
			return Value{N: max(a.N, b.N)}, nil
		}
	}
	if v, ok, err := ev.evalCollection(x); ok {
		return v, err
	}
	return Value{}, fmt.Errorf("model: cannot evaluate %T", x)
}

// Initial returns the initial state.
func (m *Machine) Initial() State {
	s := make(State, len(m.Fields))
	for i, f := range m.Fields {
		if f.Initial != nil {
			v, _ := constValue(f.Initial)
			s[i] = v
		}
	}
	return s
}

// PhaseName returns the name of a state's phase.
func (m *Machine) PhaseName(s State) string {
	return m.PhaseEnum().Values[s[m.Phase.Index].N]
}

// Step applies an input to a state: the reference semantics of the DSL (see
// docs/DSL.md). It returns the next state and the emitted effects, or an error
// (*GuardRejectedError, *NoTransitionError or *BoundError; *InvalidStateError
// or *InvalidInputError for an enum value out of range) with s unchanged.
// A guard whose evaluation raises a bound error is false: guards never fail
// a step; only updates and effects can.
func (m *Machine) Step(s State, in InputValue) (State, []EffectValue, error) {
	if in.Input == nil || len(in.Args) != len(in.Input.Params) {
		return s, nil, fmt.Errorf("model: malformed input value")
	}
	if err := m.checkStep(s, in); err != nil {
		return s, nil, err
	}
	phase := int(s[m.Phase.Index].N)
	bestDepth := -1
	var best *Transition
	candidates := 0
	for _, t := range m.Transitions {
		if t.Input != in.Input || !t.Allows(phase) {
			continue
		}
		candidates++
		depth := m.enabledDepth(t, s, in.Args)
		if depth == len(t.Guards) {
			return m.Fire(t, s, in.Args)
		}
		if depth > bestDepth {
			best, bestDepth = t, depth
		}
	}
	phaseName := m.PhaseEnum().Values[phase]
	if candidates == 0 {
		return s, nil, &NoTransitionError{Input: in.Input.Name, Phase: phaseName}
	}
	return s, nil, &GuardRejectedError{Input: in.Input.Name, Phase: phaseName, Transition: best.Name, Guard: best.Guards[bestDepth].Name}
}

// enabledDepth returns how many of t's guards hold before the first that does
// not (len(t.Guards) when all hold). A guard whose evaluation raises a bound
// error does not hold. The phase is not checked.
func (m *Machine) enabledDepth(t *Transition, s State, args []Value) int {
	for i, g := range t.Guards {
		v, err := eval(g.Expr, s, args)
		if err != nil || !v.Bool() {
			return i
		}
	}
	return len(t.Guards)
}

// Enabled reports whether t's phase and guards hold in s for args (a guard
// that raises a bound error does not hold). The error reports arguments
// that do not match t's input.
func (m *Machine) Enabled(t *Transition, s State, args []Value) (bool, error) {
	if len(args) != len(t.Input.Params) {
		return false, fmt.Errorf("model: transition %s takes %d arguments, got %d", t.Name, len(t.Input.Params), len(args))
	}
	if !t.Allows(int(s[m.Phase.Index].N)) {
		return false, nil
	}
	return m.enabledDepth(t, s, args) == len(t.Guards), nil
}

// Fire runs t's updates, target phase and effects on a copy of s, without
// checking its phase or guards.
func (m *Machine) Fire(t *Transition, s State, args []Value) (State, []EffectValue, error) {
	n := s.Clone()
	for _, st := range t.Updates {
		if err := m.exec(t, st, n, args); err != nil {
			return s, nil, err
		}
	}
	if t.To >= 0 {
		n[m.Phase.Index] = EnumValue(t.To)
	}
	var fx []EffectValue
	if len(t.Emits) > 0 {
		fx = make([]EffectValue, len(t.Emits))
	}
	for i, em := range t.Emits {
		vals := make([]Value, len(em.Args))
		for j, a := range em.Args {
			v, err := eval(a, n, args)
			if err != nil {
				return s, nil, &BoundError{Transition: t.Name, Where: em.Effect.Name + "." + em.Effect.Fields[j].Name}
			}
			vals[j] = v
		}
		fx[i] = EffectValue{Effect: em.Effect, Fields: vals}
	}
	return n, fx, nil
}

func (m *Machine) exec(t *Transition, st Stmt, n State, args []Value) error {
	switch st := st.(type) {
	case *Assign:
		v, err := eval(st.Value, n, args)
		if err != nil || st.Field.Max != nil && v.N > *st.Field.Max {
			return &BoundError{Transition: t.Name, Where: st.Field.Name}
		}
		n[st.Field.Index] = v
	case *IfStmt:
		c, err := eval(st.Cond, n, args)
		if err != nil {
			return &BoundError{Transition: t.Name, Where: "if"}
		}
		if c.Bool() {
			return m.exec(t, st.Then, n, args)
		} else if st.Else != nil {
			return m.exec(t, st.Else, n, args)
		}
	}
	return nil
}

// CheckInvariants returns an *InvariantError for the first invariant that
// does not hold in s (in source order), or nil.
func (m *Machine) CheckInvariants(s State) error {
	for _, inv := range m.Invariants {
		v, err := eval(inv.Expr, s, nil)
		if err != nil || !v.Bool() {
			return &InvariantError{Invariant: inv.Name}
		}
	}
	return nil
}

// Eval evaluates a checked expression without free quantified variables
// (a guard, an invariant, an update's value) in state s with the input's
// arguments args (nil for an invariant). An error is a bound error of the
// expression (arithmetic overflow, a subtraction below zero).
func Eval(x Expr, s State, args []Value) (Value, error) {
	return eval(x, s, args)
}
