package model

import (
	"errors"
	"math/bits"
	"testing"

	"pgregory.net/rapid"
)

const arithSpec = `
machine: Arith
enums:
  P: [A, B]
constants:
  Two: 2
  Seven: {value: 1 + Two * 3, doc: precedence}
  Low: min(Seven, 4)
  High: max(Low, Two) * Two
  Start: B
  On: true
fields:
  p: {type: P, initial: Start}
  max: {type: uint, initial: Seven, max: Seven, doc: a field called max}
  x: {type: uint, initial: High}
  flag: {type: bool, initial: On}
phase: p
inputs:
  Mul:
    doc: multiply
    params: {by: {type: uint, doc: the factor}}
  Clamp: {lo: uint, hi: uint}
effects:
  Done: {doc: done, fields: {v: {type: uint, doc: the value}}}
transitions:
  - name: MulFits
    on: Mul
    from: [B]
    guards:
      - fits: x * arg.by >= 0
    do:
      - x := x * arg.by
    emit:
      - Done: {v: x}
  - name: MulOverflows
    on: Mul
    from: [B]
    do:
      - x := x * arg.by * 2
  - name: Clamp
    on: Clamp
    from: [B]
    do:
      - x := max(arg.lo, min(x, arg.hi))
      - max := min(max, 3)
`

func TestConstantsAndArithmetic(t *testing.T) {
	m, err := Parse("arith.yaml", []byte(arithSpec))
	if err != nil {
		t.Fatal(err)
	}
	s := m.Initial()
	if got := s[m.Field("max").Index].N; got != 7 {
		t.Errorf("max = %d, want 7 (1 + 2 * 3)", got)
	}
	if got := s[m.Field("x").Index].N; got != 8 {
		t.Errorf("x = %d, want 8 (max(min(7, 4), 2) * 2)", got)
	}
	if got := s[m.Phase.Index].N; got != 1 || !s[m.Field("flag").Index].Bool() {
		t.Errorf("phase %d flag %v, want B and true", got, s[m.Field("flag").Index])
	}
	if f := m.Field("max"); *f.Max != 7 || f.Doc != "a field called max" {
		t.Errorf("field max: max %d doc %q", *f.Max, f.Doc)
	}
	in := m.Input("Mul")
	if in.Doc != "multiply" || in.Params[0].Doc != "the factor" || m.Effects[0].Doc != "done" || m.Effects[0].Fields[0].Doc != "the value" {
		t.Errorf("docs not loaded: %q %q %q %q", in.Doc, in.Params[0].Doc, m.Effects[0].Doc, m.Effects[0].Fields[0].Doc)
	}
	if c := m.Constant("Seven"); c == nil || c.Doc != "precedence" || c.Value.N != 7 {
		t.Errorf("constant Seven: %+v", c)
	}
	mul, clamp := m.Input("Mul"), m.Input("Clamp")
	rapid.Check(t, func(rt *rapid.T) {
		x := rapid.OneOf(rapid.Uint64Range(0, 10), rapid.Uint64()).Draw(rt, "x")
		by := rapid.OneOf(rapid.Uint64Range(0, 10), rapid.Uint64()).Draw(rt, "by")
		st := m.Initial()
		st[m.Field("x").Index] = Uint(x)
		n, fx, err := m.Step(st, InputValue{Input: mul, Args: []Value{Uint(by)}})
		hi, lo := bits.Mul64(x, by)
		switch {
		case hi == 0:
			// The guard holds: MulFits fires and emits the product.
			if err != nil || n[m.Field("x").Index].N != lo || len(fx) != 1 || fx[0].Fields[0].N != lo {
				rt.Fatalf("x=%d by=%d: got %v %v %v, want x=%d", x, by, n, fx, err, lo)
			}
		default:
			// The guard overflows, so it is false and MulOverflows fires,
			// whose update overflows: a bound error.
			var be *BoundError
			if !errors.As(err, &be) || be.Transition != "MulOverflows" || be.Where != "x" {
				rt.Fatalf("x=%d by=%d: got %v, want a bound error of MulOverflows at x", x, by, err)
			}
		}
		lo2 := rapid.Uint64().Draw(rt, "lo")
		hi2 := rapid.Uint64().Draw(rt, "hi")
		n, _, err = m.Step(st, InputValue{Input: clamp, Args: []Value{Uint(lo2), Uint(hi2)}})
		if want := max(lo2, min(x, hi2)); err != nil || n[m.Field("x").Index].N != want || n[m.Field("max").Index].N != 3 {
			rt.Fatalf("clamp(%d, %d, %d): got %v %v, want %d", x, lo2, hi2, n, err, want)
		}
	})
}

// TestShortFormUnchanged: a parameter called params (or doc) in the short
// form is still a parameter: the long form needs a params mapping.
func TestShortFormUnchanged(t *testing.T) {
	src := `
machine: S
enums: {P: [A]}
fields: {p: {type: P, initial: A}}
phase: p
inputs:
  In: {params: uint, doc: bool}
transitions:
  - {name: T, on: In, from: [A], guards: [{g: "arg.doc && arg.params > 0"}]}
`
	m, err := Parse("s.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if in := m.Input("In"); len(in.Params) != 2 || in.Doc != "" {
		t.Fatalf("input In: %d params, doc %q; want the short form's 2 parameters", len(in.Params), in.Doc)
	}
}
