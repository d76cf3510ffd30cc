package check

import (
	"fmt"

	"github.com/meerkat-go/dslmachine/model"
)

// Outcome is what the checker makes of one input value in one state.
type Outcome int

// The outcomes of Program.Successor.
const (
	// OutcomeRejected: no transition on the input is allowed in the phase
	// with all its guards true (a guard that raises a bound error is false).
	OutcomeRejected Outcome = iota
	// OutcomeFired: exactly one transition is enabled and yields a successor.
	OutcomeFired
	// OutcomeBoundError: exactly one transition is enabled and its updates
	// or effects raise a bound error, so there is no successor.
	OutcomeBoundError
	// OutcomeNondeterministic: two or more transitions are enabled.
	OutcomeNondeterministic
)

// String names the outcome.
func (o Outcome) String() string {
	switch o {
	case OutcomeRejected:
		return "rejected"
	case OutcomeFired:
		return "fired"
	case OutcomeBoundError:
		return "bound error"
	case OutcomeNondeterministic:
		return "nondeterministic"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Successor is the checker's answer for one state and input value.
type Successor struct {
	Outcome Outcome
	// Transition is the first enabled transition (nil for OutcomeRejected).
	Transition *model.Transition
	// Other is the second enabled transition (OutcomeNondeterministic).
	Other *model.Transition
	// State is the successor (OutcomeFired), nil otherwise.
	State model.State
	// InBounds reports whether State satisfies the profile; a successor
	// that does not is discarded by the search (OutcomeFired only).
	InBounds bool
}

// Program is a machine compiled for one profile: the transitions, input
// values and state coding that Run explores with. It exposes the checker's
// successor relation one step at a time, for comparing it with other
// implementations of the semantics. A Program is not safe for concurrent use.
type Program struct {
	pr        *program
	cur, next []uint64
	env       env
	scratch   model.State // the successor Expand passes to visit
}

// Compile compiles a machine for a profile as Run does (nil: no bounds,
// default domains). An error means the profile cannot be checked.
func Compile(m *model.Machine, p *model.Profile) (*Program, error) {
	if p == nil {
		p = defaultProfile()
	}
	pr, err := newProgram(m, p, false)
	if err != nil {
		return nil, err
	}
	n := len(m.Fields)
	return &Program{pr: pr, cur: make([]uint64, n), next: make([]uint64, n)}, nil
}

func defaultProfile() *model.Profile {
	return &model.Profile{Name: "default", Bounds: map[int]uint64{}, TypeDomains: map[string][]model.Value{}, ParamDomains: map[string][]model.Value{}}
}

// Inputs returns the input values the profile fires, in the checker's order
// (the order of model.Machine.InputValues). Successor takes an index into it.
func (p *Program) Inputs() []model.InputValue {
	out := make([]model.InputValue, len(p.pr.inputs))
	for i, ic := range p.pr.inputs {
		out[i] = ic.iv
	}
	return out
}

// InBounds reports whether a state satisfies the profile's constraint.
func (p *Program) InBounds(s model.State) (bool, error) {
	if err := p.pr.lay.trySlots(s, p.cur); err != nil {
		return false, err
	}
	return p.pr.lay.inBounds(p.cur), nil
}

// Successor returns what the checker does with input value number input (an
// index into Inputs) in state s: exactly the decision of the search's
// expansion of s. s must hold only values the profile's coding knows (every
// state the search can reach does).
func (p *Program) Successor(s model.State, input int) (_ Successor, err error) {
	defer catchAbort(&err)
	pr := p.pr
	if input < 0 || input >= len(pr.inputs) {
		return Successor{}, fmt.Errorf("check: input value %d out of range [0, %d)", input, len(pr.inputs))
	}
	if err := pr.lay.trySlots(s, p.cur); err != nil {
		return Successor{}, err
	}
	ph := p.cur[pr.phase]
	var cands []*trans
	for _, pc := range pr.byPhase[ph] {
		if pc.input == input {
			cands = pc.cands
			break
		}
	}
	p.env.s, p.env.a = p.cur, pr.inputs[input].args
	first, second := pickEnabled(&p.env, cands, nil)
	switch {
	case first == nil:
		return Successor{Outcome: OutcomeRejected}, nil
	case second != nil:
		return Successor{Outcome: OutcomeNondeterministic, Transition: first.t, Other: second.t}, nil
	}
	copy(p.next, p.cur)
	p.env.s = p.next
	ok := first.fire(&p.env)
	p.env.s = p.cur
	if !ok {
		return Successor{Outcome: OutcomeBoundError, Transition: first.t}, nil
	}
	return Successor{Outcome: OutcomeFired, Transition: first.t, State: pr.lay.state(p.next), InBounds: pr.lay.inBounds(p.next)}, nil
}

// Expand calls visit with Successor's answer for every input value that
// some transition allowed in s's phase listens to, in the order of Inputs
// (every other input value is OutcomeRejected). It codes s once and reuses
// one State for every successor, so it is the fast way to ask for all of
// them: the Successor's State is valid only during the call (Clone it to
// keep it), and visit must not call the Program's other methods. It stops
// at the first error visit returns.
func (p *Program) Expand(s model.State, visit func(input int, sc Successor) error) error {
	pr := p.pr
	if err := pr.lay.trySlots(s, p.cur); err != nil {
		return err
	}
	for _, pc := range pr.byPhase[p.cur[pr.phase]] {
		p.env.s, p.env.a = p.cur, pr.inputs[pc.input].args
		first, second := pickEnabled(&p.env, pc.cands, nil)
		var sc Successor
		switch {
		case first == nil:
			sc = Successor{Outcome: OutcomeRejected}
		case second != nil:
			sc = Successor{Outcome: OutcomeNondeterministic, Transition: first.t, Other: second.t}
		default:
			copy(p.next, p.cur)
			p.env.s = p.next
			ok := first.fire(&p.env)
			p.env.s = p.cur
			if ok {
				if p.scratch == nil {
					p.scratch = make(model.State, len(p.next))
				}
				for i, f := range pr.m.Fields {
					p.scratch[i] = pr.lay.value(f.Type, p.next[i])
				}
				sc = Successor{Outcome: OutcomeFired, Transition: first.t, State: p.scratch, InBounds: pr.lay.inBounds(p.next)}
			} else {
				sc = Successor{Outcome: OutcomeBoundError, Transition: first.t}
			}
		}
		if err := visit(pc.input, sc); err != nil {
			return err
		}
	}
	return nil
}

// ReachOptions limits Program.Reachable.
type ReachOptions struct {
	// MaxStates makes Reachable fail once more states than this are
	// reachable (0: no limit).
	MaxStates int
	// MaxDepth, when positive, visits only the states whose shortest path
	// from the initial state has at most this many steps (every one of
	// them: the ball of that radius, a prefix of the breadth-first order).
	// A profile's depth bounds the search too (the smaller wins).
	MaxDepth int
}

// Reachable calls visit with every state the search explores: the initial
// state (when it satisfies the profile) and every successor that satisfies
// the profile and is reachable through such states, each once, breadth
// first, with its depth (the length of its shortest path). It stops at the
// first error visit returns. Without limits the count equals Run's Distinct
// for a run that finds no violation.
func (p *Program) Reachable(opt ReachOptions, visit func(s model.State, depth int) error) (err error) {
	defer catchAbort(&err)
	pr, lay := p.pr, p.pr.lay
	init := make([]uint64, len(pr.m.Fields))
	lay.slots(pr.m.Initial(), init)
	if !lay.inBounds(init) {
		return nil
	}
	key := func(sl []uint64) (string, bool) {
		w := make([]uint64, lay.words)
		if !lay.encode(sl, w) {
			return "", false
		}
		b := make([]byte, 0, 8*len(w))
		for _, x := range w {
			b = append(b, byte(x), byte(x>>8), byte(x>>16), byte(x>>24), byte(x>>32), byte(x>>40), byte(x>>48), byte(x>>56))
		}
		return string(b), true
	}
	k, ok := key(init)
	if !ok {
		return fmt.Errorf("check: the initial state does not fit its layout")
	}
	seen := map[string]struct{}{k: {}}
	type item struct {
		sl    []uint64
		depth int
	}
	queue := []item{{init, 0}}
	maxDepth := opt.MaxDepth
	if d := pr.p.Depth; d > 0 && (maxDepth <= 0 || d < maxDepth) {
		maxDepth = d // the profile's depth: bounds every search of it
	}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		cur := it.sl
		if err := visit(lay.state(cur), it.depth); err != nil {
			return err
		}
		if maxDepth > 0 && it.depth >= maxDepth {
			continue
		}
		for _, pc := range pr.byPhase[cur[pr.phase]] {
			p.env.s, p.env.a = cur, pr.inputs[pc.input].args
			first, second := pickEnabled(&p.env, pc.cands, nil)
			if first == nil || second != nil {
				continue
			}
			next := append([]uint64(nil), cur...)
			p.env.s = next
			ok := first.fire(&p.env)
			p.env.s = cur
			if !ok || !lay.inBounds(next) {
				continue
			}
			k, fits := key(next)
			if !fits {
				return fmt.Errorf("check: transition %s writes a value that does not fit the state layout", first.t.Name)
			}
			if _, dup := seen[k]; dup {
				continue
			}
			if opt.MaxStates > 0 && len(seen) >= opt.MaxStates {
				return fmt.Errorf("check: more than %d reachable states", opt.MaxStates)
			}
			seen[k] = struct{}{}
			queue = append(queue, item{next, it.depth + 1})
		}
	}
	return nil
}

// pickEnabled evaluates the guards of every candidate, in order, and returns
// the first two that are enabled (nil when fewer). When covered is not nil,
// it marks every enabled candidate in it.
func pickEnabled(e *env, cands []*trans, covered []bool) (first, second *trans) {
	for _, tr := range cands {
		if !tr.enabled(e) {
			continue
		}
		if covered != nil {
			covered[tr.idx] = true
		}
		if first == nil {
			first = tr
		} else if second == nil {
			second = tr
		}
	}
	return first, second
}
