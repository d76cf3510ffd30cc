// Package check is the explicit-state model checker behind `dslgen check`.
//
// It explores, breadth-first, every state of a machine reachable from its
// initial state within a profile's bounds (see "Profiles" in docs/DSL.md and
// docs/CHECKING.md), and checks every invariant in every state, that at most
// one transition is enabled for any input and arguments (determinism), that
// every transition is enabled somewhere (coverage), and that transitions
// marked unreachable never are. A violation comes with the shortest trace
// from the initial state.
//
// Transitions are compiled into closures over a compact coding of the state
// (one uint64 code per field); states are packed into a few 64-bit words and
// explored by package explore, level by level, with parallel workers. The
// result does not depend on the number of workers: counts, traces and the
// reported violation are the same.
package check

import (
	"fmt"
	"time"

	"github.com/meerkat-go/dslmachine/model"
)

// Kind is the kind of a violation.
type Kind string

// The kinds of violations.
const (
	// KindInvariant: a reachable state violates an invariant.
	KindInvariant Kind = "invariant"
	// KindNondeterminism: two transitions are enabled for the same input
	// and arguments in one state.
	KindNondeterminism Kind = "nondeterminism"
	// KindUnreachable: a transition marked unreachable is enabled.
	KindUnreachable Kind = "unreachable"
	// KindCoverage: some transitions are never enabled.
	KindCoverage Kind = "coverage"
	// KindLiveness: a fair behaviour violates a liveness property.
	KindLiveness Kind = "liveness"
)

// Step is one state of a trace and the step that led to it.
type Step struct {
	// Input is the input with its arguments; nil for the initial state.
	Input *model.InputValue
	// Transition is the transition that fired; nil for the initial state.
	Transition *model.Transition
	// State is the state after the step.
	State model.State
}

// Violation is what the checker found wrong.
type Violation struct {
	Kind Kind
	// Invariant names the violated invariant (KindInvariant).
	Invariant string
	// Transitions names the two enabled transitions (KindNondeterminism),
	// the transition that fired (KindUnreachable), or those never enabled
	// (KindCoverage).
	Transitions []string
	// Input is the input for which both transitions are enabled
	// (KindNondeterminism).
	Input *model.InputValue
	// Trace leads from the initial state to the violation: to the bad state
	// (KindInvariant), to the state where both transitions are enabled
	// (KindNondeterminism), or through the firing of the transition
	// (KindUnreachable), or into the cycle of a lasso (KindLiveness). Empty
	// for KindCoverage.
	Trace []Step
	// Property names the violated liveness property (KindLiveness).
	Property string
	// LoopTo is the index in Trace where a lasso's cycle starts
	// (KindLiveness).
	LoopTo int
	// Loop is the step that closes a lasso's cycle, back to Trace[LoopTo];
	// nil when the behaviour stutters in the last state of Trace forever
	// (KindLiveness).
	Loop *Step
}

// Message describes the violation in one line.
func (v *Violation) Message() string {
	switch v.Kind {
	case KindInvariant:
		return fmt.Sprintf("invariant %s is violated", v.Invariant)
	case KindNondeterminism:
		return fmt.Sprintf("nondeterminism: transitions %s and %s are both enabled for input %s",
			v.Transitions[0], v.Transitions[1], model.FormatInput(*v.Input))
	case KindUnreachable:
		return fmt.Sprintf("transition %s is marked unreachable but fires", v.Transitions[0])
	case KindCoverage:
		return fmt.Sprintf("coverage: %d transition(s) never enabled: %v", len(v.Transitions), v.Transitions)
	case KindLiveness:
		return fmt.Sprintf("liveness property %s is violated", v.Property)
	}
	return string(v.Kind)
}

// Result is the outcome of a run.
type Result struct {
	Machine *model.Machine
	Profile *model.Profile
	// Distinct is the number of distinct states found (the initial state and
	// every successor within the profile's bounds).
	Distinct uint64
	// Fired counts the successful steps taken from explored states
	// (including steps to known states and to states out of bounds). By
	// default the search leaves out the steps that commute with the step
	// that first reached a state (see CommutingInputs); Fired,
	// OutOfBounds, BoundErrors and Generated count the steps taken, and
	// every step with Options.AllSteps.
	Fired uint64
	// OutOfBounds counts steps whose successor lay outside the profile's
	// bounds, and so was neither stored nor explored.
	OutOfBounds uint64
	// BoundErrors counts enabled transitions that failed with a bound error
	// (a field's max, overflow, or a subtraction below zero).
	BoundErrors uint64
	// Depth is the length of the longest shortest path from the initial
	// state (TLC reports this plus one).
	Depth int
	// Covered says, per transition, whether it was enabled in some explored
	// state.
	Covered []bool
	// Violation is the first violation found, or nil.
	Violation *Violation
	// Complete is true when the whole bounded state space was explored.
	Complete bool
	// Limited is true when the search stopped at Options.MaxStates or
	// Options.MaxMemory.
	Limited bool
	Elapsed time.Duration
	// Words and Bits give the size of a packed state.
	Words, Bits int
	// Inputs is the number of input values (inputs with arguments) fired.
	Inputs int
	// Fingerprint: the visited set held 64-bit hashes of the states
	// (Options.Fingerprint), and Collision estimates the probability that
	// two distinct states had the same one, so that one was missed: TLC's
	// optimistic estimate, Distinct*(Generated-Distinct)/2^64.
	Fingerprint bool
	Collision   float64
	// Generated counts the successors within the bounds that differ from
	// their state, each time one is found (those a worker recognized as
	// found moments before, without a look-up in the visited set, included).
	Generated uint64
	// PeakBytes is the most memory the visited set held at once (the file
	// of explored states, on disk, is not counted).
	PeakBytes uint64
}

// Expected reports whether coverage expects a transition to be enabled: it
// is not marked unreachable and the profile fires its input.
func (r *Result) Expected(t *model.Transition) bool {
	return t.Unreachable == "" && r.Profile.Fires(t.Input)
}

// Coverage returns how many of the transitions coverage expects (see
// Expected) were enabled, and how many there are.
func (r *Result) Coverage() (covered, total int) {
	for i, t := range r.Machine.Transitions {
		if !r.Expected(t) {
			continue
		}
		total++
		if r.Covered[i] {
			covered++
		}
	}
	return covered, total
}

// Rate returns distinct states per second.
func (r *Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Distinct) / r.Elapsed.Seconds()
}

// Summary is the one-line summary `dslgen check` ends with.
func (r *Result) Summary() string {
	c, t := r.Coverage()
	status := "ok"
	switch {
	case r.Violation != nil:
		status = "violation: " + string(r.Violation.Kind)
	case r.Limited:
		status = "stopped at the state or memory limit"
	}
	s := fmt.Sprintf("check %s profile %s: %s; distinct states: %d, transitions fired: %d, depth: %d, coverage: %d/%d transitions, out of bounds: %d, time: %.3fs, states/s: %.0f",
		r.Machine.Name, r.Profile.Name, status, r.Distinct, r.Fired, r.Depth, c, t, r.OutOfBounds,
		r.Elapsed.Seconds(), r.Rate())
	if r.Fingerprint {
		s += fmt.Sprintf(", fingerprint collision probability: %.1e (optimistic)", r.Collision)
	}
	return s
}

// Replay re-runs a trace with the reference interpreter (model.Machine.Step)
// and reports the first step where it disagrees: a cross-check of the
// compiled transitions. The last step of an unreachable-transition trace is
// not replayed by Step when it has an earlier-listed candidate.
func Replay(m *model.Machine, trace []Step) error {
	if len(trace) == 0 {
		return nil
	}
	s := m.Initial()
	if !statesEqual(s, trace[0].State) {
		return fmt.Errorf("replay: initial state differs")
	}
	for i, st := range trace[1:] {
		n, _, err := m.Step(s, *st.Input)
		if err != nil {
			return fmt.Errorf("replay: step %d (%s): %v", i+1, model.FormatInput(*st.Input), err)
		}
		if !statesEqual(n, st.State) {
			return fmt.Errorf("replay: step %d (%s): the interpreter reaches a different state", i+1, model.FormatInput(*st.Input))
		}
		s = n
	}
	return nil
}

func statesEqual(a, b model.State) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
