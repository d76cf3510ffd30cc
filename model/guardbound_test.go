package model

import (
	"errors"
	"testing"
)

// TestGuardBoundErrorIsFalse: a guard whose evaluation raises a bound error
// (a subtraction below zero, a 64-bit overflow) is false: the next candidate
// is tried, the "got furthest" rule counts it as a failing guard, and
// Enabled reports false without an error.
func TestGuardBoundErrorIsFalse(t *testing.T) {
	m := load(t, `
machine: G
enums:
  Phase: [A]
fields:
  phase: {type: Phase, initial: A}
  credit: {type: uint, initial: 1}
phase: phase
inputs:
  Spend: {amount: uint}
transitions:
  - name: Spend
    on: Spend
    from: [A]
    guards:
      - positive: arg.amount > 0
      - enough: credit - arg.amount >= 0
    do: ["credit := credit - arg.amount"]
  - name: Overspend
    on: Spend
    from: [A]
    guards:
      - too_much: arg.amount + credit > 3
`)
	s := m.Initial()
	// 1 - 2 leaves the bound: Spend is refused by enough, and Overspend
	// (2 + 1 > 3 is false) too; Spend got further.
	_, _, err := m.Step(s, input(m, "Spend", Uint(2)))
	var gr *GuardRejectedError
	if !errors.As(err, &gr) || gr.Transition != "Spend" || gr.Guard != "enough" {
		t.Fatalf("Spend 2: got %v, want Spend refused by enough", err)
	}
	// Overspend fires once Spend's guard leaves the bound.
	n, _, err := m.Step(s, input(m, "Spend", Uint(3)))
	if err != nil || n[1] != s[1] {
		t.Fatalf("Spend 3: got %v, want Overspend to fire", err)
	}
	spend := m.Transitions[0]
	if ok, err := m.Enabled(spend, s, []Value{Uint(3)}); ok || err != nil {
		t.Errorf("Enabled(Spend, amount 3) = %v, %v; want false, nil", ok, err)
	}
	// An overflowing guard is false too: for the largest amount Spend's
	// subtraction and Overspend's addition both leave the bound.
	_, _, err = m.Step(s, input(m, "Spend", Uint(1<<64-1)))
	if !errors.As(err, &gr) || gr.Transition != "Spend" || gr.Guard != "enough" {
		t.Fatalf("Spend max: got %v, want Spend refused by enough", err)
	}
	if _, err := m.Enabled(spend, s, nil); err == nil {
		t.Error("Enabled with the wrong number of arguments: no error")
	}
}
