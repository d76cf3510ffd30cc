package check

import (
	"context"
	"io"
	"runtime"
	"time"

	"github.com/meerkat-go/dslmachine/check/explore"
	"github.com/meerkat-go/dslmachine/model"
)

// Options configures a run of the checker.
type Options struct {
	// Workers is the number of goroutines expanding states (default: the
	// number of CPUs).
	Workers int
	// Interp runs the reference interpreter instead of the compiled
	// closures (slow; for cross-checking).
	Interp bool
	// Fingerprint stores a 64-bit hash of each state instead of the state
	// (8 bytes a state in the visited set): a state whose hash equals an
	// earlier one's is missed, with the probability Result.Collision
	// estimates. Off by default: the search is exact.
	Fingerprint bool
	// AllSteps fires every input value in every explored state, also those
	// the search leaves out by default because they commute with the step
	// that reached the state (see CommutingInputs): slower, and the same
	// states, depth, coverage and violations; only the step counts
	// (Result.Fired, OutOfBounds, BoundErrors, Generated) then count every
	// step, as TLC's "states generated" does.
	AllSteps bool
	// TempDir is where the file of explored states goes (default
	// os.TempDir()); it is removed when Run returns.
	TempDir string
	// Progress, when set, receives a progress line about every
	// ProgressEvery (default one second).
	Progress      io.Writer
	ProgressEvery time.Duration
	// MaxStates stops the search, unfinished, after this many distinct
	// states (0: no limit).
	MaxStates uint64
	// MaxMemory stops the search, unfinished, once the Go runtime and the
	// visited set hold this many bytes (0: no limit).
	MaxMemory uint64
}

// Run explores the state space of a machine under a profile (nil: no
// bounds, default domains) and returns what it found. An error means the
// profile cannot be checked (a usage error), not that a property failed.
func Run(m *model.Machine, p *model.Profile, opt Options) (*Result, error) {
	return RunContext(context.Background(), m, p, opt)
}

// RunContext is Run, stopped with ctx's error (and the file of explored
// states removed) when ctx is done; it is checked between batches.
func RunContext(ctx context.Context, m *model.Machine, p *model.Profile, opt Options) (_ *Result, err error) {
	// A compiled expression aborts on a value it cannot represent; the
	// search turns that into an error, and so must the checks before it.
	defer catchAbort(&err)
	if p == nil {
		p = defaultProfile()
	}
	if err := checkInputLimits(m, p, opt); err != nil {
		return nil, err // before newProgram materializes the input values
	}
	pr, err := newProgram(m, p, opt.Interp)
	if err != nil {
		return nil, err
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.NumCPU()
	}
	start := time.Now()
	lay := pr.lay
	res := &Result{Machine: m, Profile: p, Words: lay.words, Bits: lay.bits(), Inputs: len(pr.inputs),
		Covered: make([]bool, len(pr.trans)), Fingerprint: opt.Fingerprint}
	defer func() { res.Elapsed = time.Since(start) }()

	init := make([]uint64, len(m.Fields))
	lay.slots(m.Initial(), init)
	inBounds := lay.inBounds(init)
	if k := pr.invariant(init); k >= 0 {
		// Like TLC, which checks the invariants of an initial state whether
		// or not it satisfies the constraint; it is counted only if it does.
		res.Violation = &Violation{Kind: KindInvariant, Invariant: m.Invariants[k].Name,
			Trace: []Step{{State: lay.state(init)}}}
		if inBounds {
			res.Distinct = 1
		}
		return res, nil
	}
	if !inBounds {
		// Like TLC: an initial state outside the constraint is not kept, so
		// nothing is explored (and nothing covered).
		res.Complete = true
		res.Violation = coverageViolation(res)
		return res, nil
	}
	em := newExploreModel(pr)
	er, err := explore.Explore(ctx, em, explore.Options{
		Workers: opt.Workers, Fingerprint: opt.Fingerprint, AllSteps: opt.AllSteps, MaxStates: opt.MaxStates, MaxMemory: opt.MaxMemory,
		MaxDepth: p.Depth, TempDir: opt.TempDir, Progress: opt.Progress, ProgressEvery: opt.ProgressEvery,
	})
	if err != nil {
		return nil, err
	}
	res.Covered = er.Covered
	res.Distinct, res.Fired, res.OutOfBounds, res.BoundErrors = er.Distinct, er.Fired, er.OutOfBounds, er.BoundErrors
	res.Depth, res.Complete, res.Limited = er.Depth, er.Complete, er.Limited
	res.Collision, res.Generated, res.PeakBytes = er.Collision, er.Generated, er.PeakBytes
	if er.Violation != nil {
		res.Violation = em.describe(er.Violation)
		return res, nil
	}
	if res.Complete {
		res.Violation = coverageViolation(res)
	}
	return res, nil
}

// coverageViolation returns the coverage finding of a complete run: the
// expected transitions that were never enabled, or nil.
func coverageViolation(res *Result) *Violation {
	var missing []string
	for i, t := range res.Machine.Transitions {
		if !res.Covered[i] && res.Expected(t) {
			missing = append(missing, t.Name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &Violation{Kind: KindCoverage, Transitions: missing}
}

// describe turns the engine's violation into a Violation with its trace,
// replaying the engine's path (actions and transitions) on the compiled
// transitions.
func (em *exploreModel) describe(v *explore.Violation) *Violation {
	pr := em.pr
	m, lay := pr.m, pr.lay
	cur := make([]uint64, len(m.Fields))
	lay.slots(m.Initial(), cur)
	trace := []Step{{State: lay.state(cur)}}
	var e env
	// step fires transition t with input value a on cur; false on a bound
	// error (cur unchanged).
	step := func(s explore.Step) bool {
		next := append([]uint64(nil), cur...)
		e.s, e.a = next, pr.inputs[s.Action].args
		if !pr.trans[s.Transition].fire(&e) {
			return false
		}
		cur = next
		return true
	}
	add := func(s explore.Step) {
		iv := pr.inputs[s.Action].iv
		trace = append(trace, Step{Input: &iv, Transition: m.Transitions[s.Transition], State: lay.state(cur)})
	}
	for _, s := range v.Path {
		if !step(s) {
			panic("check: a step of a trace fails on replay")
		}
		add(s)
	}
	switch v.Kind {
	case explore.Invariant:
		if v.OutOfBounds {
			if !step(v.Last) {
				panic("check: the last step of a trace fails on replay")
			}
			add(v.Last)
		}
		return &Violation{Kind: KindInvariant, Invariant: m.Invariants[v.Invariant].Name, Trace: trace}
	case explore.Nondeterminism:
		iv := pr.inputs[v.Last.Action].iv
		return &Violation{Kind: KindNondeterminism, Input: &iv, Trace: trace,
			Transitions: []string{m.Transitions[v.Last.Transition].Name, m.Transitions[v.Other].Name}}
	default:
		step(v.Last) // a bound error leaves the state as it was
		add(v.Last)
		return &Violation{Kind: KindUnreachable, Transitions: []string{m.Transitions[v.Last.Transition].Name}, Trace: trace}
	}
}
