package specfuzz

import (
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"strings"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/model"
)

// maxStates bounds both the checker and the reference exploration.
const maxStates = 3000

// reference is what a plain breadth-first exploration of a profile finds,
// following the counting contract of docs/DSL.md with the interpreter's
// Enabled and Fire (a guard that raises a bound error counts as false).
type reference struct {
	distinct int
	covered  []bool
	kinds    map[check.Kind]bool
	limited  bool
}

func explore(m *model.Machine, p *model.Profile) (*reference, error) {
	inputs, err := m.InputValues(p)
	if err != nil {
		return nil, err
	}
	ref := &reference{covered: make([]bool, len(m.Transitions)), kinds: map[check.Kind]bool{}}
	init := m.Initial()
	if m.CheckInvariants(init) != nil {
		ref.kinds[check.KindInvariant] = true
	}
	if !p.InBounds(init) {
		return ref, nil
	}
	seen := map[string]bool{fmt.Sprint(init): true}
	queue := []model.State{init}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		phase := int(s[m.Phase.Index].N)
		for _, iv := range inputs {
			var enabled []*model.Transition
			for _, t := range m.Transitions {
				if t.Input != iv.Input || !t.Allows(phase) {
					continue
				}
				if ok, err := m.Enabled(t, s, iv.Args); err == nil && ok {
					enabled = append(enabled, t)
					ref.covered[t.Index] = true
					if t.Unreachable != "" {
						ref.kinds[check.KindUnreachable] = true
					}
				}
			}
			if len(enabled) > 1 {
				ref.kinds[check.KindNondeterminism] = true
			}
			for _, t := range enabled {
				next, _, err := m.Fire(t, s, iv.Args)
				if err != nil {
					continue
				}
				if m.CheckInvariants(next) != nil {
					ref.kinds[check.KindInvariant] = true
				}
				k := fmt.Sprint(next)
				if !p.InBounds(next) || seen[k] {
					continue
				}
				seen[k] = true
				if len(seen) > maxStates {
					ref.limited = true
					return ref, nil
				}
				queue = append(queue, next)
			}
		}
	}
	ref.distinct = len(seen)
	return ref, nil
}

// checkAgainstReference runs the checker on the spec's ci profile (or its
// first) and compares its verdict with the reference exploration. It
// returns a description of the first disagreement, or "".
func checkAgainstReference(m *model.Machine, r *Record) string {
	if len(m.Profiles) == 0 {
		return ""
	}
	p := m.Profile("ci")
	if p == nil {
		p = m.Profiles[0]
	}
	ref, refErr := explore(m, p)
	res, err := check.Run(m, p, check.Options{Workers: 1, MaxStates: maxStates})
	if err == nil {
		// dslgen check prints the summary line of every run.
		defer func() {
			if p := recover(); p != nil {
				r.fail(StageCheck, "Result.Summary panics: %v at %s", p, panicSite(debug.Stack()))
			}
		}()
		r.Stats = res.Summary()
	}
	switch {
	case err != nil && refErr != nil:
		return ""
	case errors.Is(err, check.ErrUnrepresentable):
		// The checker refuses some(2^64-1) of an option<uint>, a value
		// its coding cannot hold, by design (see check.ErrUnrepresentable).
		return ""
	case err != nil:
		return fmt.Sprintf("check.Run fails on profile %s: %v", p.Name, err)
	case refErr != nil:
		return fmt.Sprintf("check.Run accepts profile %s, but InputValues fails: %v", p.Name, refErr)
	}
	if res.Limited || ref.limited || !res.Complete && res.Violation == nil {
		return ""
	}
	r.Compared = true
	return compareVerdicts(m, res, ref)
}

// compareVerdicts compares a finished checker run with the reference
// exploration of the same profile.
func compareVerdicts(m *model.Machine, res *check.Result, ref *reference) string {
	if v := res.Violation; v != nil && v.Kind != check.KindCoverage {
		if !ref.kinds[v.Kind] {
			return fmt.Sprintf("check reports %q, but the reference exploration finds no %s violation", v.Message(), v.Kind)
		}
		return ""
	}
	if len(ref.kinds) > 0 {
		var ks []string
		for k := range ref.kinds {
			ks = append(ks, string(k))
		}
		sort.Strings(ks)
		return fmt.Sprintf("check finds no violation, but the reference exploration finds: %s", strings.Join(ks, ", "))
	}
	if res.Distinct != uint64(ref.distinct) {
		return fmt.Sprintf("check finds %d distinct states, the reference exploration %d", res.Distinct, ref.distinct)
	}
	covered := res.Covered
	if covered == nil {
		covered = make([]bool, len(m.Transitions))
	}
	if !slices.Equal(covered, ref.covered) {
		return fmt.Sprintf("check coverage %v differs from the reference exploration's %v", covered, ref.covered)
	}
	return ""
}

// contractStep is the successor of s for in under the counting contract
// (docs/DSL.md, "What a profile explores"): the enabled transitions (a
// guard that raises a bound error counts as false) and, when exactly one is
// enabled, its successor (ok false when it fails with a bound error).
func contractStep(m *model.Machine, s model.State, in model.InputValue) (enabled []*model.Transition, next model.State, ok bool) {
	phase := int(s[m.Phase.Index].N)
	for _, t := range m.Transitions {
		if t.Input != in.Input || !t.Allows(phase) {
			continue
		}
		if en, err := m.Enabled(t, s, in.Args); err == nil && en {
			enabled = append(enabled, t)
		}
	}
	if len(enabled) != 1 {
		return enabled, nil, false
	}
	next, _, err := m.Fire(enabled[0], s, in.Args)
	return enabled, next, err == nil
}

// stepMatchesContract compares Step with the counting contract on one
// step: Step succeeds exactly when the contract has a successor, and then
// reaches the same state. A nondeterministic step is not compared.
func stepMatchesContract(m *model.Machine, s model.State, in model.InputValue) string {
	enabled, cnext, cok := contractStep(m, s, in)
	if len(enabled) > 1 {
		return ""
	}
	next, _, err := m.Step(s, in)
	switch {
	case err == nil && !cok:
		return fmt.Sprintf("Step accepts, but the counting contract has no successor: input %s", model.FormatInput(in))
	case err != nil && cok:
		return fmt.Sprintf("Step fails, but under the counting contract a transition fires: input %s: Step: %v; contract: %s fires", model.FormatInput(in), err, enabled[0].Name)
	case err == nil && fmt.Sprint(next) != fmt.Sprint(cnext):
		return fmt.Sprintf("Step and the counting contract reach different states: input %s", model.FormatInput(in))
	}
	return ""
}
