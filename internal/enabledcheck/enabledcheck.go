// Package enabledcheck compares a generated package's unexported
// EnabledTransitions (which the tests written by `dslgen check -emit-test`
// call) with the interpreter, for the generated packages' own tests: they
// cannot use internal/conformance, which imports them.
package enabledcheck

import (
	"fmt"
	"slices"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/model"
)

// Package adapts a generated package.
type Package struct {
	// State decodes a State from the interpreter's StateJSON.
	State func([]byte) (any, error)
	// DecodeInput is the package's DecodeInput.
	DecodeInput func([]byte) (any, error)
	// Enabled calls EnabledTransitions.
	Enabled func(state, input any) []string
}

// Compare visits the states of profile p that check.Program.Reachable
// visits with reach, and for each input value the profile fires compares
// pkg.Enabled with the transitions the interpreter finds enabled
// (model.Machine.Enabled over the input's candidates, in spec order). It
// returns the number of pairs compared and the first difference.
func Compare(m *model.Machine, p *model.Profile, reach check.ReachOptions, pkg Package) (int, error) {
	prog, err := check.Compile(m, p)
	if err != nil {
		return 0, err
	}
	ivs := prog.Inputs()
	gins := make([]any, len(ivs))
	for i, iv := range ivs {
		raw, err := m.InputJSON(iv)
		if err != nil {
			return 0, err
		}
		if gins[i], err = pkg.DecodeInput(raw); err != nil {
			return 0, fmt.Errorf("DecodeInput(%s): %w", raw, err)
		}
	}
	pairs := 0
	err = prog.Reachable(reach, func(s model.State, _ int) error {
		raw, err := m.StateJSON(s)
		if err != nil {
			return err
		}
		gs, err := pkg.State(raw)
		if err != nil {
			return fmt.Errorf("state %s: %w", raw, err)
		}
		for i, iv := range ivs {
			pairs++
			var want []string
			for _, t := range m.Candidates(iv.Input) {
				ok, err := m.Enabled(t, s, iv.Args)
				if err != nil {
					return err
				}
				if ok {
					want = append(want, t.Name)
				}
			}
			if got := pkg.Enabled(gs, gins[i]); !slices.Equal(got, want) {
				return fmt.Errorf("in state %s, input %s: EnabledTransitions %v, interpreter %v", raw, model.FormatInput(iv), got, want)
			}
		}
		return nil
	})
	return pairs, err
}
