// Package explore is a breadth-first explicit-state search over an abstract
// model: states are packed into a fixed number of uint64 words, and the model
// computes successors through an Expander, one action at a time, or all of a
// state's at once when the Expander is a BatchExpander.
//
// The package imports only the standard library and has no cgo and no
// assembly, so that its sources (see Source) can be copied into a helper
// program built at check time.
//
// The search is level by level. The visited set is split into partitions,
// each owned by one worker for the duration of an insert phase, so that it
// needs no locks; states found are appended, in breadth-first order, to a
// record file (state words, parent record, action) from which the next
// level is read sequentially and from which a trace is read back by
// following parents. The result (counts, traces, the violation reported)
// does not depend on the number of workers.
package explore

// Kind says what happened when an action was fired in a state.
type Kind uint8

// The outcomes of Expander.Fire.
const (
	// Rejected: no transition is enabled for the action.
	Rejected Kind = iota
	// Fired: exactly one transition, Outcome.Transition, is enabled, it
	// yields a successor, and the successor is within the profile's bounds;
	// it has been written to dst.
	Fired
	// OutOfBounds: like Fired, but the successor lies outside the
	// profile's bounds; it is neither stored nor explored, but its
	// invariants must hold: the model checks them itself (the successor
	// may not fit the packing) and reports the first violated one in
	// Outcome.Invariant (-1: none).
	OutOfBounds
	// BoundError: exactly one transition is enabled and its updates or
	// effects raise a bound error; there is no successor.
	BoundError
	// Nondeterministic: two transitions are enabled, Outcome.Transition
	// and Outcome.Other (the first two, in the model's order).
	Nondeterministic
	// Unreachable: exactly one transition is enabled, and it is marked
	// unreachable. The engine reports it as a violation.
	Unreachable
)

// Outcome is the result of Expander.Fire.
type Outcome struct {
	Kind Kind
	// Transition is the enabled transition (every kind but Rejected).
	Transition int32
	// Other is the second enabled transition (Nondeterministic).
	Other int32
	// Invariant is the first invariant the out-of-bounds successor
	// violates, or -1 (OutOfBounds).
	Invariant int32
}

// Model is an abstract state machine.
type Model interface {
	// Words is the number of uint64 words of a packed state (at least 1).
	Words() int
	// Actions is the number of actions (input values); an action is an
	// index in [0, Actions()).
	Actions() int
	// Transitions is the number of transitions, for coverage: a
	// transition index is in [0, Transitions()).
	Transitions() int
	// Initial writes the packed initial state into dst (len Words()) and
	// reports whether it lies within the profile's bounds. An error stops
	// the search before it starts.
	Initial(dst []uint64) (inBounds bool, err error)
	// NewExpander returns an expander for one worker; expanders are never
	// shared between goroutines.
	NewExpander() Expander
}

// Expander computes successors. The engine calls Load with a state, then
// Fire for each action Load returned, in increasing order; or, when the
// Expander is a BatchExpander, Expand, which does both.
type Expander interface {
	// Load makes the packed state s the current one and returns the
	// actions worth firing in it, in increasing order (a model may return
	// every action; Fire then answers Rejected). The returned slice may be
	// reused by the next call to Load; s is not modified and stays valid
	// until the next call to Load.
	//
	// via is the step by which the search first reached s from its parent
	// p (Action -1 for the initial state). Load may leave out an action b
	// below via.Action that commutes with via in every state: b's outcome
	// (its kind, transition, and the fields it writes and their values,
	// the invariants of an out-of-bounds successor included) depends on
	// no field via's transition writes, via's action's outcome depends on
	// no field b's transitions write, and the two write disjoint fields.
	// Then firing b in s gives what firing b in p gave, so its coverage
	// and any violation were seen in p, which is explored before s; and
	// its successor is the state via's action reaches from b's successor
	// of p, which the search reaches from there (or from a state explored
	// earlier still, by the same argument), at no greater depth and from
	// an earlier (parent, action). Leaving b out therefore changes no
	// state, depth, first origin, trace or violation, only the counts of
	// steps taken (Result.Fired, OutOfBounds, BoundErrors, Generated).
	Load(s []uint64, via Step) []int32
	// Fire fires action a in the loaded state. For Fired it writes the
	// packed successor into dst (len Words()); dst is otherwise unspecified.
	Fire(a int32, dst []uint64) Outcome
	// Violated returns the first invariant (in the model's order) that the
	// packed state s violates, or -1. t is the transition whose firing
	// produced s from a state that satisfies every invariant, so the
	// model may check only the invariants that read a field t writes; t
	// is -1 for the initial state (check them all).
	Violated(s []uint64, t int32) int
}

// BatchExpander is an Expander that fires all of a state's actions in one
// call. The engine uses Expand instead of Load and Fire when a model's
// expanders implement it: a model can then fire its actions in the order
// that suits it (grouped by what they read, say) and skip, without a call
// each, the actions it knows to be Rejected; the engine handles the
// outcomes in increasing action order all the same.
type BatchExpander interface {
	Expander
	// Expand makes s the current state, as Load does, fires the actions
	// Load(s, via) would return (in any order), and records the outcome
	// of each one that is not Rejected in out: it sets the action's bit in
	// out.Set, its outcome in out.Out, and for Fired its successor in
	// out.Dst. out.Set is all zeros on entry; the engine clears it.
	Expand(s []uint64, via Step, out *Outcomes)
}

// Outcomes holds one state's outcomes, indexed by action, for
// BatchExpander.Expand.
type Outcomes struct {
	Set []uint64  // bit a%64 of word a/64: action a has an outcome; (Actions()+63)/64 words
	Out []Outcome // action a's outcome; Actions() of them
	Dst []uint64  // action a's successor (Fired): words [a*Words(), (a+1)*Words())
}

// ViolationKind is the kind of a Violation.
type ViolationKind uint8

// The kinds of violations the engine reports.
const (
	// Invariant: a state violates invariant Violation.Invariant.
	Invariant ViolationKind = iota
	// Nondeterminism: Fire answered Nondeterministic.
	Nondeterminism
	// UnreachableFires: Fire answered Unreachable.
	UnreachableFires
)

// Step is one step of a path: an action and the transition it fired.
type Step struct {
	Action     int32
	Transition int32
}

// Violation is the first violation found: the one at the smallest depth
// and, within it, the one with the smallest (parent, action) in
// breadth-first order, so that it is the same whatever the number of
// workers.
type Violation struct {
	Kind ViolationKind
	// Invariant is the violated invariant (Invariant).
	Invariant int
	// OutOfBounds: the invariant is violated in an out-of-bounds successor
	// (Invariant), reached by Last.
	OutOfBounds bool
	// Path leads from the initial state to the state where the violation
	// is seen: the bad state (Invariant, but not OutOfBounds), or the state
	// in which Last is fired. A shortest path.
	Path []Step
	// Last is the step that shows the violation: the step into the
	// out-of-bounds bad state (Invariant with OutOfBounds), the action and
	// first transition (Nondeterminism; Other is the second), the firing
	// of the unreachable transition (UnreachableFires). Zero otherwise.
	Last  Step
	Other int32
	// Initial: the initial state violates the invariant (Path empty).
	Initial bool
}

// Abort is the value a Model or Expander panics with when it cannot go on
// (a state it cannot represent, say): the search stops and Explore returns
// Err. Any other panic in a worker is raised again in Explore's goroutine.
type Abort struct {
	Err error
}
