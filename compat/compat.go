// Package compat is the checker behind `dslgen compat`: it proves that a new
// version of a spec is safe for the machines already running the old one.
//
// A service persists a machine's State (as JSON) and keeps it across a
// deploy, so every state the old spec reaches may be read back by the new
// binary. Run explores the old spec's reachable states within a profile,
// breadth first, and for each one turns it into the JSON the old generated
// package persists, decodes that as a state of the new spec with the new
// spec's declared migrations (model.Machine.MigrateStateJSON, the rule of the
// generated MigrateFromJSON), and reports, each with a shortest trace in the
// old spec:
//
//   - KindDecode: the state does not decode (a removed enum value or field, a
//     value above a new max, a changed type);
//   - KindInvariant: it decodes but violates an invariant of the new spec;
//   - KindBehaviour: an input the old spec accepted in that state is now
//     rejected, fails, or leads to a state other than the migration of the
//     old successor (a warning, an error for an input in stable_inputs);
//   - KindDeadEnd: the new spec accepts no input of its profile in the
//     migrated state, whose phase is not terminal (where the old spec
//     accepted one or the old phase was terminal);
//   - KindUnreached (a warning): the new spec has liveness properties and
//     does not reach the migrated state within its profile. Liveness from
//     the migrated states is otherwise proven by `dslgen check` of the new
//     spec: a fair behaviour from a reachable state that violates a
//     property extends, through the state's trace, to a violating fair
//     behaviour from the initial state;
//   - KindNondeterministic: an input value enables two transitions, in an
//     old state (of the old spec) or in its migration (of the new spec).
//     The old spec's exploration follows the first in source order, as the
//     generated Step does.
//
// Findings are grouped: one per kind and cause (the field and cause, the
// invariant, the input with its old and new transitions, the phase), with
// the first state found (so a shortest trace) and the number of old states
// that show it.
package compat

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/model"
)

// Kind is the kind of a finding.
type Kind string

// The kinds of findings.
const (
	KindDecode    Kind = "decode"
	KindInvariant Kind = "invariant"
	KindBehaviour Kind = "behaviour"
	KindDeadEnd   Kind = "dead-end"
	// KindUnreached: a warning that the new spec, which has liveness
	// properties, does not reach the migrated state within its profile, so
	// that its dslgen check does not prove them from there.
	KindUnreached Kind = "unreached"
	// KindNondeterministic: an input value enables two transitions in a
	// reachable old state (of the old spec, or of the new spec in its
	// migration). The generated Step fires the first in source order, which
	// is what compat follows, but dslgen check rejects the spec.
	KindNondeterministic Kind = "nondeterministic"
)

// Severity says whether a finding fails `dslgen compat`.
type Severity string

// The severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Change is what became of an input the old spec accepted (KindBehaviour).
type Change string

// The changes of an input's outcome.
const (
	ChangeRejected   Change = "rejected"    // the new spec rejects it
	ChangeBoundError Change = "bound error" // the new transition fails a bound
	ChangeElsewhere  Change = "elsewhere"   // it leads to another state
	ChangeNoInput    Change = "no input"    // the new spec has no such input value
)

// Finding is one incompatibility, at the first old state (in breadth-first
// order) that shows it.
type Finding struct {
	Kind     Kind
	Severity Severity
	// Message describes the finding in one line.
	Message string
	// Trace is a shortest trace in the old spec to the old state.
	Trace []check.Step
	// OldJSON is the old state's JSON, as the old generated package persists it.
	OldJSON []byte
	// New is the old state as decoded by the new spec (nil for KindDecode).
	New model.State
	// Field names the field that does not decode (KindDecode).
	Field string
	// Err is the decode error (KindDecode).
	Err error
	// Invariant names the violated invariant (KindInvariant).
	Invariant string
	// Input is the old input value; NewInput its value in the new spec (nil
	// for ChangeNoInput) (KindBehaviour).
	Input, NewInput *model.InputValue
	// Change is what became of the input (KindBehaviour).
	Change Change
	// OldTransition is the transition that fires in the old spec, OldNext
	// the state it leads to (KindBehaviour).
	OldTransition *model.Transition
	OldNext       model.State
	// NewTransition is the transition that fires in the new spec (nil when
	// none), NewNext its state and WantNext the migration of OldNext
	// (ChangeElsewhere).
	NewTransition     *model.Transition
	NewNext, WantNext model.State
	// Other is the second enabled transition (KindNondeterministic), of
	// the old spec when NewTransition is nil, else of the new one.
	Other *model.Transition
	// Phase is the new phase of a dead end (KindDeadEnd).
	Phase string
	// Count is the number of old states that show the finding.
	Count int
	// last is the id+1 of the last old state counted.
	last int32
}

// Options bounds Run.
type Options struct {
	// MaxStates stops the exploration of the old spec after this many
	// states (0: no limit); Result.Limited then says so.
	MaxStates int
	// Progress, when set, receives a progress line about every
	// ProgressEvery (default one second) during the exploration.
	Progress      io.Writer
	ProgressEvery time.Duration
}

// Result is the outcome of Run.
type Result struct {
	Old, New               *model.Machine
	OldProfile, NewProfile *model.Profile
	// States is the number of old states explored, Depth the longest
	// shortest trace.
	States, Depth int
	// Findings are in kind order (decode, invariant, behaviour, dead end),
	// then by depth.
	Findings []*Finding
	// Limited is true when the exploration stopped at Options.MaxStates.
	Limited bool
	Elapsed time.Duration
}

// Errors counts the error-level findings.
func (r *Result) Errors() int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == SeverityError {
			n++
		}
	}
	return n
}

// Summary is the one-line summary `dslgen compat` ends with.
func (r *Result) Summary() string {
	status := "ok"
	switch e, n := r.Errors(), len(r.Findings); {
	case e > 0:
		status = fmt.Sprintf("%d error(s), %d warning(s)", e, n-e)
	case r.Limited:
		status = fmt.Sprintf("incomplete, %d warning(s)", n)
	case n > 0:
		status = fmt.Sprintf("ok with %d warning(s)", n)
	}
	if r.Limited {
		status += "; stopped at the state limit"
	}
	return fmt.Sprintf("compat %s profile %s -> %s profile %s: %s; old states: %d, depth: %d, time: %.3fs",
		r.Old.Name, r.OldProfile.Name, r.New.Name, r.NewProfile.Name, status, r.States, r.Depth, r.Elapsed.Seconds())
}

// ErrProfile matches the errors of Run for a profile that cannot be
// explored (a *ProfileError).
var ErrProfile = errors.New("compat: profile")

// ProfileError is the error of Run for a profile of the old or the new spec
// that cannot be explored: Pos is the profile's position (the spec's start
// for the default profile), Spec "old" or "new". It matches ErrProfile.
type ProfileError struct {
	Pos  model.Pos
	Spec string
	Err  error
}

func (e *ProfileError) Error() string {
	return fmt.Sprintf("%s: %s spec: %v", e.Pos, e.Spec, e.Err)
}

// Unwrap returns the cause.
func (e *ProfileError) Unwrap() error { return e.Err }

// Is makes a ProfileError match ErrProfile.
func (e *ProfileError) Is(target error) bool { return target == ErrProfile }

func profileError(m *model.Machine, p *model.Profile, spec string, err error) error {
	pos := model.Pos{File: m.File, Line: 1, Column: 1}
	if p != nil && p.Pos.Line > 0 {
		pos = p.Pos
	}
	return &ProfileError{Pos: pos, Spec: spec, Err: err}
}

// Run checks the states the old machine reaches within oldP against the new
// machine, whose inputs are fired within newP (nil: a profile with every
// input and default domains, as check.Compile's).
func Run(ctx context.Context, old, nw *model.Machine, oldP, newP *model.Profile, opt Options) (*Result, error) {
	start := time.Now()
	oldProg, err := check.Compile(old, oldP)
	if err != nil {
		return nil, profileError(old, oldP, "old", err)
	}
	newProg, err := check.Compile(nw, newP)
	if err != nil {
		if newP == nil && oldP != nil {
			err = fmt.Errorf("it has no profile %s, so its inputs are fired with the default domains: %w", oldP.Name, err)
		}
		return nil, profileError(nw, newP, "new", err)
	}
	if oldP == nil {
		oldP = defaultProfile()
	}
	if newP == nil {
		newP = defaultProfile()
	}
	c := &run{old: old, nw: nw, oldProg: oldProg, newProg: newProg, found: map[string]*Finding{}, mg: newMigrator(old, nw),
		want: make(model.State, len(nw.Fields)), depth: oldP.Depth}
	c.oldInputs = oldProg.Inputs()
	c.newInputs = newProg.Inputs()
	c.newIndex = map[string]int{}
	for i, iv := range c.newInputs {
		c.newIndex[model.FormatInput(iv)] = i
	}
	c.newByPhase = byPhase(nw, c.newInputs)
	c.mapped = make([]*model.InputValue, len(c.oldInputs))
	c.mappedOK = make([]bool, len(c.oldInputs))
	c.mappedIdx = make([]int, len(c.oldInputs))
	for i, iv := range c.oldInputs {
		c.mapped[i], c.mappedOK[i] = c.mapInput(iv)
		c.mappedIdx[i] = -1
		if c.mappedOK[i] {
			if j, ok := c.newIndex[model.FormatInput(*c.mapped[i])]; ok {
				c.mappedIdx[i] = j
			}
		}
	}
	res := &Result{Old: old, New: nw, OldProfile: oldP, NewProfile: newP}
	for _, p := range nw.Liveness(newP) {
		c.props = append(c.props, p.Name)
	}
	if err := c.explore(ctx, opt, res); err != nil {
		return nil, err
	}
	if err := c.unreached(opt, res); err != nil {
		return nil, err
	}
	res.Findings = append(res.Findings, c.order...)
	rank := map[Kind]int{KindNondeterministic: -1, KindDecode: 0, KindInvariant: 1, KindBehaviour: 2, KindDeadEnd: 3, KindUnreached: 4}
	sort.SliceStable(res.Findings, func(i, j int) bool {
		a, b := res.Findings[i], res.Findings[j]
		if rank[a.Kind] != rank[b.Kind] {
			return rank[a.Kind] < rank[b.Kind]
		}
		return len(a.Trace) < len(b.Trace)
	})
	res.Elapsed = time.Since(start)
	return res, nil
}

// run is one compat run.
type run struct {
	old, nw              *model.Machine
	depth                int // the old profile's depth: (0: none)
	oldProg, newProg     *check.Program
	oldInputs, newInputs []model.InputValue
	newIndex             map[string]int // FormatInput of a new input value -> index
	// parent and via hold, per explored state, the state it was reached
	// from and the old input value index (the initial state: -1).
	parent, via []int32
	found       map[string]*Finding
	order       []*Finding
	mg          *migrator
	// newByPhase lists, per phase value, the new input values (indices)
	// that some transition allowed in the phase listens to.
	newByPhase [][]int
	// mapped is each old input value's value in the new spec (mappedOK
	// false: none).
	mapped   []*model.InputValue
	mappedOK []bool
	// mappedIdx is the index of mapped among the new profile's input
	// values, or -1.
	mappedIdx []int
	// newOut holds the new spec's outcome per input value in the migrated
	// state being checked (zero: rejected), when newOK.
	newOut []check.Successor
	newOK  bool
	// newBuf holds, per new input value, the successor newOut refers to.
	newBuf []model.State
	// want is the scratch state a migrated old successor is written to.
	want model.State
	// pending holds the findings of the expansion under way.
	pending []pendingFinding
	// nondet holds the old input values (indices) that enable two
	// transitions in the state being expanded.
	nondet []int
	// cur is the id of the old state under expansion.
	cur int32
	// props names the new spec's liveness properties. proven says, per
	// explored state, that its migration is a state the new spec reaches
	// (see explore); unproven lists the migrated states (by id and key)
	// not proven so when they were checked.
	props    []string
	proven   []bool
	unproven []unprovenState
}

type unprovenState struct {
	id  int32
	key string
}

// unreached reports, when the new spec has liveness properties, the
// migrated states not proven reachable during the exploration that the new
// spec does not reach within its profile: it explores the new spec then.
func (c *run) unreached(opt Options, res *Result) error {
	if len(c.props) == 0 {
		return nil
	}
	var todo []unprovenState
	for _, u := range c.unproven {
		if !c.proven[u.id] {
			todo = append(todo, u)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	reached := map[string]struct{}{}
	err := c.newProg.Reachable(check.ReachOptions{MaxStates: opt.MaxStates}, func(s model.State, _ int) error {
		reached[key(s)] = struct{}{}
		return nil
	})
	if err != nil {
		// Beyond -max-states.
		res.Limited = true
		return nil
	}
	for _, u := range todo {
		if _, ok := reached[u.key]; ok {
			continue
		}
		c.add(u.id, "unreached", func() *Finding {
			tr := c.trace(u.id)
			s := tr[len(tr)-1].State
			ns, _ := c.mg.migrate(s)
			return &Finding{Kind: KindUnreached, Severity: SeverityWarning, OldJSON: c.stateJSON(s), New: ns,
				Message: fmt.Sprintf("the new spec does not reach this migrated state within its profile, so its dslgen check does not prove the liveness properties %s from it", strings.Join(c.props, ", "))}
		})
	}
	return nil
}

// byPhase lists, per phase value, the input values (indices into ivs) that
// some transition allowed in that phase listens to.
func byPhase(m *model.Machine, ivs []model.InputValue) [][]int {
	out := make([][]int, len(m.PhaseEnum().Values))
	for ph := range out {
		for i, iv := range ivs {
			for _, t := range m.Candidates(iv.Input) {
				if t.Allows(ph) {
					out[ph] = append(out[ph], i)
					break
				}
			}
		}
	}
	return out
}

// explore runs the breadth-first search of the old spec and checks every
// state it reaches.
func (c *run) explore(ctx context.Context, opt Options, res *Result) error {
	init := c.old.Initial()
	if ok, err := c.oldProg.InBounds(init); err != nil || !ok {
		return nil
	}
	seen := map[string]int32{key(init): 0}
	c.parent, c.via = []int32{-1}, []int32{-1}
	// A migrated state is proven reachable in the new spec when it is the
	// new initial state (within the new profile), or when the new spec
	// takes it, with the new profile's value of the old input, from a
	// proven state to the migration of the old successor within the new
	// profile: then the new spec follows the old trace step by step.
	ni := c.nw.Initial()
	mi, err := c.mg.migrate(init)
	inb, _ := c.newProg.InBounds(ni)
	c.proven = []bool{err == nil && slices.Equal(mi, ni) && inb}
	type item struct {
		s     model.State
		id    int32
		depth int
	}
	queue := []item{{init, 0, 0}}
	every := opt.ProgressEvery
	if every <= 0 {
		every = time.Second
	}
	start := time.Now()
	lastProgress := start
	for len(queue) > 0 {
		it := queue[0]
		queue[0] = item{}
		queue = queue[1:]
		res.States++
		if it.depth > res.Depth {
			res.Depth = it.depth
		}
		if res.States%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if now := time.Now(); opt.Progress != nil && now.Sub(lastProgress) >= every {
				lastProgress = now
				fmt.Fprintf(opt.Progress, "progress: %s: depth %d, %d old states explored, %d queued, %d finding(s)\n",
					now.Sub(start).Round(time.Second), res.Depth, res.States, len(queue), len(c.order))
			}
		}
		c.cur = it.id
		ns := c.check(it.s, it.id)
		if c.depth > 0 && it.depth >= c.depth {
			// The old profile's depth: a state first reached in depth
			// steps is checked but not expanded, as dslgen check does.
			continue
		}
		c.pending = c.pending[:0]
		fired, accepted := 0, false
		c.nondet = c.nondet[:0]
		visit := func(i int, sc check.Successor) error {
			if sc.Outcome == check.OutcomeNondeterministic {
				// Fired after the expansion: Expand's visit must not
				// use the Program.
				c.nondet = append(c.nondet, i)
				return nil
			}
			if sc.Outcome != check.OutcomeFired {
				return nil
			}
			fired++
			same := false
			if ns != nil {
				var ok bool
				ok, same = c.behaviour(it.s, ns, i, sc)
				accepted = accepted || ok
			}
			proof := same && c.proven[it.id] && c.mappedIdx[i] >= 0 && c.newOut[c.mappedIdx[i]].InBounds
			if !sc.InBounds {
				return nil
			}
			k := key(sc.State)
			if dup, ok := seen[k]; ok {
				if proof {
					c.proven[dup] = true
				}
				return nil
			}
			if opt.MaxStates > 0 && len(seen) >= opt.MaxStates {
				res.Limited = true
				return nil
			}
			id := int32(len(c.parent))
			seen[k] = id
			c.parent = append(c.parent, it.id)
			c.via = append(c.via, int32(i))
			c.proven = append(c.proven, proof)
			queue = append(queue, item{sc.State.Clone(), id, it.depth + 1})
			return nil
		}
		err := c.oldProg.Expand(it.s, visit)
		if err != nil {
			return fmt.Errorf("compat: old spec: %w", err)
		}
		// An input value that enables two transitions of the old spec: the
		// generated Step fires the first, so the machines in service are
		// in its successor; follow it, and report the nondeterminism.
		for _, i := range c.nondet {
			sc, err := c.oldSuccessor(it.s, i)
			if err != nil {
				return fmt.Errorf("compat: old spec: %w", err)
			}
			c.nondetFinding(it.s, ns, i, sc.Transition, sc.Other, nil)
			if err := visit(i, sc); err != nil {
				return err
			}
		}
		for _, p := range c.pending {
			c.add(it.id, p.key, p.mk)
		}
		if ns != nil && !accepted {
			c.deadEnd(it.s, ns, it.id, fired)
		}
	}
	return nil
}

// pendingFinding is a finding found during an expansion, added after it
// (the trace replays steps with the Program the expansion holds).
type pendingFinding struct {
	key string
	mk  func() *Finding
}

// stateJSON returns the JSON of an old state.
func (c *run) stateJSON(s model.State) []byte {
	b, err := c.old.StateJSON(s)
	if err != nil {
		return []byte(err.Error())
	}
	return b
}

// check decodes an old state as a new one and checks the new invariants
// in it; it returns the new state, or nil when it does not decode, and
// records the new spec's outcome of every input value there (expandNew).
func (c *run) check(s model.State, id int32) model.State {
	ns, err := c.mg.migrate(s)
	if err != nil {
		// Every problem of the state, grouped by field and cause.
		probs := c.mg.problems(s)
		if len(probs) == 0 {
			probs = []problem{{decodeField(err), ": " + err.Error(), err}}
		}
		for _, p := range probs {
			c.add(id, "decode\x00"+p.field+"\x00"+p.cause, func() *Finding {
				msg := fmt.Sprintf("a state of the old spec does not decode as a state of the new one: field %s%s", p.field, p.cause)
				if strings.HasPrefix(p.cause, ":") {
					msg += fmt.Sprintf(" (here: %v)", p.err)
				}
				return &Finding{Kind: KindDecode, Severity: SeverityError, Field: p.field, Err: p.err, OldJSON: c.stateJSON(s), Message: msg}
			})
		}
		return nil
	}
	if err := c.nw.CheckInvariants(ns); err != nil {
		var ie *model.InvariantError
		if errors.As(err, &ie) {
			c.add(id, "invariant\x00"+ie.Invariant, func() *Finding {
				return &Finding{Kind: KindInvariant, Severity: SeverityError, Invariant: ie.Invariant, OldJSON: c.stateJSON(s), New: ns,
					Message: fmt.Sprintf("a state of the old spec decodes but violates invariant %s of the new spec", ie.Invariant)}
			})
		}
	}
	if len(c.props) > 0 && !c.proven[id] {
		c.unproven = append(c.unproven, unprovenState{id, key(ns)})
	}
	c.expandNew(ns)
	return ns
}

// deadEnd reports a migrated state where the new spec accepts no input of
// its profile and whose phase is not terminal, unless the old state was a
// dead end already (no input fired and its phase not terminal).
func (c *run) deadEnd(s, ns model.State, id int32, fired int) {
	phase := int(ns[c.nw.Phase.Index].N)
	if c.nw.IsTerminal(phase) || (fired == 0 && !c.old.IsTerminal(int(s[c.old.Phase.Index].N))) {
		return
	}
	if c.newOK {
		for _, sc := range c.newOut {
			if sc.Outcome == check.OutcomeFired {
				return
			}
		}
	} else {
		for _, i := range c.newByPhase[phase] {
			if c.newStepAt(ns, c.newInputs[i], i).Outcome == check.OutcomeFired {
				return
			}
		}
	}
	name := c.nw.PhaseEnum().Values[phase]
	c.add(id, "dead-end\x00"+name, func() *Finding {
		return &Finding{Kind: KindDeadEnd, Severity: SeverityError, Phase: name, OldJSON: c.stateJSON(s), New: ns,
			Message: fmt.Sprintf("a state of the old spec is a dead end of the new one: no input of the profile is accepted in phase %s, which is not terminal", name)}
	})
}

// behaviour compares what old input value number input, which the old spec
// accepts in s with successor sc, does in the new spec in ns (the migration
// of s); accepted reports whether the new spec accepts it, same whether it
// leads to the migration of the old successor (with the compiled checker).
// It runs inside the old Program's expansion: findings go to c.pending.
func (c *run) behaviour(s, ns model.State, input int, sc check.Successor) (accepted, same bool) {
	oiv := c.oldInputs[input]
	niv, ok := c.mapped[input], c.mappedOK[input]
	sev := SeverityWarning
	if oiv.Input.Stable || (niv != nil && niv.Input.Stable) {
		sev = SeverityError
	}
	t := sc.Transition
	pend := func(k string, mk func(f *Finding)) {
		if f := c.found[k]; f != nil {
			f.count(c.cur)
			return
		}
		oldNext := sc.State.Clone()
		c.pend(k, func() *Finding {
			f := &Finding{Kind: KindBehaviour, Severity: sev, Input: &oiv, NewInput: niv, OldJSON: c.stateJSON(s), New: ns,
				OldTransition: t, OldNext: oldNext}
			mk(f)
			return f
		})
	}
	if !ok {
		pend("behaviour\x00"+model.FormatInput(oiv)+"\x00no input", func(f *Finding) {
			f.Change = ChangeNoInput
			f.Message = fmt.Sprintf("input %s, accepted by the old spec (transition %s), has no counterpart in the new spec", model.FormatInput(oiv), t.Name)
		})
		return false, false
	}
	nsc := c.newStepAt(ns, *niv, c.mappedIdx[input])
	out, nt, next := nsc.Outcome, nsc.Transition, nsc.State
	switch out {
	case check.OutcomeFired:
	case check.OutcomeNondeterministic:
		c.nondetFinding(s, ns, input, nt, nsc.Other, niv)
		return true, false
	default:
		ch := ChangeRejected
		if out == check.OutcomeBoundError {
			ch = ChangeBoundError
		}
		pend("behaviour\x00"+oiv.Input.Name+"\x00"+t.Name+"\x00"+string(ch), func(f *Finding) {
			f.Change, f.NewTransition = ch, nt
			if ch == ChangeRejected {
				f.Message = fmt.Sprintf("input %s, accepted by the old spec (transition %s), is now rejected", model.FormatInput(oiv), t.Name)
			} else {
				f.Message = fmt.Sprintf("input %s, accepted by the old spec (transition %s), now fails a bound in transition %s", model.FormatInput(oiv), t.Name, nt.Name)
			}
		})
		return false, false
	}
	want, err := c.mg.migrateInto(c.want, sc.State)
	if err != nil {
		// An old successor that does not decode is a decode finding where
		// the old spec reaches it.
		return true, false
	}
	if slices.Equal(want, next) {
		return true, c.newOK
	}
	// Only the fields the old spec has (by name or renamed_from) are
	// compared: a new field takes its default in the migration, whatever
	// the new transition writes to it.
	diff := diffFields(c.nw, want, next, c.mg.src)
	if diff == "" {
		return true, false
	}
	want, next = want.Clone(), next.Clone()
	pend("behaviour\x00"+oiv.Input.Name+"\x00"+t.Name+"\x00elsewhere\x00"+nt.Name+"\x00"+diff, func(f *Finding) {
		f.Change, f.NewTransition, f.NewNext, f.WantNext = ChangeElsewhere, nt, next, want
		f.Message = fmt.Sprintf("input %s leads elsewhere: the old spec fires %s, the new one %s, and they differ in %s",
			model.FormatInput(oiv), t.Name, nt.Name, diff)
	})
	return true, false
}

// mapInput returns the new spec's value of an old input value: the input of
// the same name, each parameter the old parameter of the same name with its
// value migrated (enum_migrations). ok is false when there is none.
func (c *run) mapInput(oiv model.InputValue) (*model.InputValue, bool) {
	in := c.nw.Input(oiv.Input.Name)
	if in == nil {
		return nil, false
	}
	args := make([]model.Value, len(in.Params))
	for i, p := range in.Params {
		op := oiv.Input.Param(p.Name)
		if op == nil {
			return nil, false
		}
		raw, err := model.ValueJSON(op.Type, oiv.Args[op.Index])
		if err != nil {
			return nil, false
		}
		v, err := model.ParseValueJSON(p.Type, model.MigrateEnumJSON(p.Type, raw))
		if err != nil {
			return nil, false
		}
		args[i] = v
	}
	return &model.InputValue{Input: in, Args: args}, true
}

// expandNew records the new spec's outcome for every input value of its
// profile in a migrated state (newOK false: the compiled program cannot code
// the state, and newStepAt asks the interpreter).
func (c *run) expandNew(ns model.State) {
	if c.newOut == nil {
		c.newOut = make([]check.Successor, len(c.newInputs))
	}
	clear(c.newOut)
	if c.newBuf == nil {
		c.newBuf = make([]model.State, len(c.newInputs))
	}
	c.newOK = c.newProg.Expand(ns, func(i int, sc check.Successor) error {
		if sc.State != nil {
			if c.newBuf[i] == nil {
				c.newBuf[i] = make(model.State, len(sc.State))
			}
			copy(c.newBuf[i], sc.State)
			sc.State = c.newBuf[i]
		}
		c.newOut[i] = sc
		return nil
	}) == nil
}

// newStepAt is the new spec's outcome for an input value, the input value
// number i of the new profile (-1: not one of them), in s: the compiled
// checker's, recorded by the last expandNew (of s) when that worked, else the
// interpreter's.
func (c *run) newStepAt(s model.State, iv model.InputValue, i int) check.Successor {
	if i >= 0 && c.newOK {
		return c.newOut[i]
	}
	if i >= 0 {
		if sc, err := c.newProg.Successor(s, i); err == nil {
			return sc
		}
	}
	next, _, err := c.nw.Step(s, iv)
	if err == nil {
		return check.Successor{Outcome: check.OutcomeFired, Transition: firedTransition(c.nw, s, iv), State: next}
	}
	var be *model.BoundError
	if errors.As(err, &be) {
		return check.Successor{Outcome: check.OutcomeBoundError, Transition: c.nw.Transition(be.Transition)}
	}
	return check.Successor{Outcome: check.OutcomeRejected}
}

// oldSuccessor is the old spec's successor for old input value number i
// in s as the generated Step computes it: the checker's, except that of two
// enabled transitions the first in source order fires (Other names the
// second).
func (c *run) oldSuccessor(s model.State, i int) (check.Successor, error) {
	sc, err := c.oldProg.Successor(s, i)
	if err != nil || sc.Outcome != check.OutcomeNondeterministic {
		return sc, err
	}
	next, _, err := c.old.Fire(sc.Transition, s, c.oldInputs[i].Args)
	if err != nil {
		var be *model.BoundError
		if errors.As(err, &be) {
			return check.Successor{Outcome: check.OutcomeBoundError, Transition: sc.Transition, Other: sc.Other}, nil
		}
		return check.Successor{}, err
	}
	inb, err := c.oldProg.InBounds(next)
	return check.Successor{Outcome: check.OutcomeFired, Transition: sc.Transition, Other: sc.Other, State: next, InBounds: inb && err == nil}, nil
}

// nondetFinding reports that an input value enables two transitions, first
// and other, in old state s (ns its migration, or nil): of the old spec (old
// input value number i) when niv is nil, else of the new spec (its value
// niv) in ns. It runs during an expansion: the finding goes to c.pending.
func (c *run) nondetFinding(s, ns model.State, i int, first, other *model.Transition, niv *model.InputValue) {
	oiv := c.oldInputs[i]
	spec, in := "old", oiv
	if niv != nil {
		spec, in = "new", *niv
	}
	k := "nondet\x00" + spec + "\x00" + in.Input.Name + "\x00" + first.Name + "\x00" + other.Name
	c.pend(k, func() *Finding {
		f := &Finding{Kind: KindNondeterministic, Severity: SeverityError, Input: &oiv, NewInput: niv, OldJSON: c.stateJSON(s), New: ns, Other: other,
			Message: fmt.Sprintf("input %s enables transitions %s and %s of the %s spec in this state; the generated Step fires the first, %s (dslgen check rejects the spec)",
				model.FormatInput(in), first.Name, other.Name, spec, first.Name)}
		if niv == nil {
			f.OldTransition = first
		} else {
			f.NewTransition = first
		}
		return f
	})
}

// pend records a finding of the state under expansion under a grouping
// key, once per state: it is added (with its trace) after the expansion.
func (c *run) pend(k string, mk func() *Finding) {
	if f := c.found[k]; f != nil {
		f.count(c.cur)
		return
	}
	for _, p := range c.pending {
		if p.key == k {
			return // counted once per state
		}
	}
	c.pending = append(c.pending, pendingFinding{k, mk})
}

// firedTransition returns the transition model.Machine.Step fires.
func firedTransition(m *model.Machine, s model.State, iv model.InputValue) *model.Transition {
	for _, t := range m.Candidates(iv.Input) {
		if ok, _ := m.Enabled(t, s, iv.Args); ok {
			return t
		}
	}
	return nil
}

// add records a finding at state id under a grouping key: the first time,
// made by mk with its trace, else counted.
func (c *run) add(id int32, k string, mk func() *Finding) {
	if f := c.found[k]; f != nil {
		f.count(id)
		return
	}
	f := mk()
	f.count(id)
	f.Trace = c.trace(id)
	c.found[k] = f
	c.order = append(c.order, f)
}

// count counts old state id, once.
func (f *Finding) count(id int32) {
	if f.last != id+1 {
		f.last = id + 1
		f.Count++
	}
}

// trace rebuilds the shortest trace to an explored state by replaying its
// inputs from the initial state.
func (c *run) trace(id int32) []check.Step {
	var path []int32
	for s := id; s > 0; s = c.parent[s] {
		path = append(path, c.via[s])
	}
	s := c.old.Initial()
	steps := []check.Step{{State: s}}
	for i := len(path) - 1; i >= 0; i-- {
		iv := c.oldInputs[path[i]]
		sc, err := c.oldSuccessor(s, int(path[i]))
		if err != nil || sc.Outcome != check.OutcomeFired {
			break // cannot happen: the step was taken by explore
		}
		s = sc.State
		steps = append(steps, check.Step{Input: &iv, Transition: sc.Transition, State: s})
	}
	return steps
}

// fieldRE finds the field a decode error of model.ParseStateJSON names.
var fieldRE = regexp.MustCompile(`field ([A-Za-z][A-Za-z0-9_]*)`)

// decodeField names the field of a decode error (a field of the new spec,
// or the unknown field of the old one), or "".
func decodeField(err error) string {
	if m := fieldRE.FindStringSubmatch(err.Error()); m != nil {
		return m[1]
	}
	return ""
}

// diffFields names the fields where two states differ, among those with
// an old field (src[i] >= 0, the migrator's sources).
func diffFields(m *model.Machine, a, b model.State, src []int) string {
	out := ""
	for _, f := range m.Fields {
		if src[f.Index] >= 0 && a[f.Index] != b[f.Index] {
			if out != "" {
				out += ", "
			}
			out += f.Name
		}
	}
	return out
}

// key encodes a state as a map key.
func key(s model.State) string {
	b := make([]byte, 0, 4*len(s))
	for _, v := range s {
		b = binary.AppendUvarint(b, v.N)
		if v.Some {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		b = binary.AppendUvarint(b, uint64(len(v.S)))
		b = append(b, v.S...)
	}
	return string(b)
}

// defaultProfile is the profile check.Compile uses for nil: every input,
// no bounds, default domains.
func defaultProfile() *model.Profile {
	return &model.Profile{Name: "default", Bounds: map[int]uint64{}, TypeDomains: map[string][]model.Value{}, ParamDomains: map[string][]model.Value{}}
}
