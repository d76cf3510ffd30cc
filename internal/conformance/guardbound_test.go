package conformance

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/internal/specgen/wallet"
	"github.com/meerkat-go/dslmachine/model"
)

// TestGuardBoundErrorIsFalse pins the one semantics of a guard whose
// evaluation leaves a bound (docs/DSL.md, "Evaluation"): the guard is false,
// the next candidate is tried, and the step never fails with a bound error
// because of a guard. The interpreter, the generated package (Step and
// Apply) and the checker must all agree on the Wallet regression spec.
func TestGuardBoundErrorIsFalse(t *testing.T) {
	m, err := model.Load("testdata/wallet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := check.Compile(m, m.Profile("ci"))
	if err != nil {
		t.Fatal(err)
	}
	u := model.Uint
	type row struct {
		name  string
		setup []model.InputValue
		in    model.InputValue
		// fires is the transition that must fire; when empty, the input
		// must be rejected with the error text reject.
		fires, reject string
	}
	in := func(name string, args ...model.Value) model.InputValue {
		return model.InputValue{Input: m.Input(name), Args: args}
	}
	rows := []row{
		{name: "subtraction below zero falls through to Overspend",
			setup: []model.InputValue{in("Deposit", u(1))}, in: in("Spend", u(2)), fires: "Overspend"},
		{name: "subtraction within bounds spends",
			setup: []model.InputValue{in("Deposit", u(4))}, in: in("Spend", u(2)), fires: "Spend"},
		{name: "overflowing guard refuses",
			setup: []model.InputValue{in("Deposit", u(1))}, in: in("Deposit", u(math.MaxUint64)),
			reject: "input Deposit rejected in phase Open: transition Deposit refused by guard fits"},
		{name: "guard error in an in-list refuses, ties go to the earlier candidate",
			setup: []model.InputValue{in("Deposit", u(0)), in("Deposit", u(4))}, in: in("Close"),
			reject: "input Close rejected in phase Open: transition Close refused by guard drained"},
		{name: "short-circuit keeps the subtraction out",
			setup: []model.InputValue{in("Deposit", u(2))}, in: in("Close"), fires: "Close"},
		{name: "guard error in an if expression refuses, the furthest candidate is named",
			setup: []model.InputValue{in("Deposit", u(1)), in("Deposit", u(4)), in("Spend", u(4))}, in: in("Close"),
			reject: "input Close rejected in phase Open: transition CloseAnyway refused by guard small"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			s := m.Initial()
			gs := wallet.Initial()
			for _, x := range r.setup {
				var err error
				if s, _, err = m.Step(s, x); err != nil {
					t.Fatalf("setup %s: %v", model.FormatInput(x), err)
				}
			}
			// The generated state from the interpreter's, through JSON.
			sj, err := m.StateJSON(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(sj, &gs); err != nil {
				t.Fatal(err)
			}
			ij, err := m.InputJSON(r.in)
			if err != nil {
				t.Fatal(err)
			}
			gin, err := wallet.DecodeInput(ij)
			if err != nil {
				t.Fatal(err)
			}

			// The interpreter.
			next, _, ierr := m.Step(s, r.in)
			// The generated Step and Apply.
			gnext, _, gerr := wallet.Step(gs, gin)
			applied := gs
			_, aerr := applied.Apply(gin)
			// The checker.
			idx := -1
			for i, iv := range prog.Inputs() {
				if model.FormatInput(iv) == model.FormatInput(r.in) {
					idx = i
				}
			}
			if idx < 0 {
				t.Fatalf("the profile does not fire %s", model.FormatInput(r.in))
			}
			cs, err := prog.Successor(s, idx)
			if err != nil {
				t.Fatal(err)
			}

			if r.fires != "" {
				for who, err := range map[string]error{"interpreter": ierr, "generated Step": gerr, "generated Apply": aerr} {
					if err != nil {
						t.Errorf("%s: %v, want transition %s to fire", who, err, r.fires)
					}
				}
				if cs.Outcome != check.OutcomeFired || cs.Transition.Name != r.fires {
					t.Errorf("checker: %v %v, want %s to fire", cs.Outcome, cs.Transition, r.fires)
				}
				if ierr == nil && cs.Outcome == check.OutcomeFired {
					cj, _ := m.StateJSON(cs.State)
					nj, _ := m.StateJSON(next)
					if err := sameJSON(nj, cj); err != nil {
						t.Errorf("checker successor: %v", err)
					}
				}
				if ierr == nil && gerr == nil {
					nj, _ := m.StateJSON(next)
					gj, _ := json.Marshal(gnext)
					aj, _ := json.Marshal(applied)
					if err := sameJSON(nj, gj); err != nil {
						t.Errorf("Step: %v", err)
					}
					if err := sameJSON(nj, aj); err != nil {
						t.Errorf("Apply: %v", err)
					}
				}
				return
			}
			var be *model.BoundError
			if errors.As(ierr, &be) {
				t.Errorf("interpreter: bound error %v from a guard", ierr)
			}
			if errors.Is(gerr, wallet.ErrBound) || errors.Is(aerr, wallet.ErrBound) {
				t.Errorf("generated: bound error %v / %v from a guard", gerr, aerr)
			}
			for who, err := range map[string]error{"interpreter": ierr, "generated Step": gerr, "generated Apply": aerr} {
				if err == nil || err.Error() != r.reject {
					t.Errorf("%s: %v, want %q", who, err, r.reject)
				}
			}
			if cs.Outcome != check.OutcomeRejected {
				t.Errorf("checker: %v, want rejected", cs.Outcome)
			}
		})
	}
}
