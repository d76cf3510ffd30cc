// Package simulate runs random behaviours of a machine, as TLC's -simulate
// mode and Quint's run do: from the initial state, each step picks one of
// the steps the spec allows (an input value of the profile's domains whose
// transition is enabled and does not fail with a bound error) uniformly at
// random, fires it with the reference interpreter, and checks the
// invariants, determinism (at most one transition enabled for the input) and
// transitions marked unreachable. Behaviours go far past the depth an
// exhaustive search can reach; by default the profile's bounds are ignored,
// so counters grow without limit (up to their max).
//
// A run is reproducible: behaviour i draws from a PCG generator seeded with
// (Seed, i), so the same seed replays the same behaviours whatever the number
// of workers, and with a behaviour budget the reported violation is always
// the one of the lowest-numbered violating behaviour. A violation is shrunk
// (steps are removed while the same violation still occurs) before it is
// reported, in the trace format of package check.
package simulate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/model"
)

// ErrNoBudget is returned by Run when neither a behaviour count nor a
// duration bounds the run.
var ErrNoBudget = errors.New("simulate: no budget: set Behaviours or Duration")

// MaxInputValues is the largest number of input values a simulated profile
// may fire: every state of every behaviour tries them all.
const MaxInputValues = 1 << 20

// Options configures a run.
type Options struct {
	// Depth is the number of steps of each behaviour (default 100). A
	// behaviour ends earlier when no step is allowed.
	Depth int
	// Behaviours is the number of behaviours to run (0: until Duration).
	Behaviours uint64
	// Duration bounds the run's time (0: until Behaviours).
	Duration time.Duration
	// Seed seeds every behaviour's generator.
	Seed uint64
	// Workers is the number of goroutines (default: the number of CPUs).
	Workers int
	// Bounded keeps behaviours within the profile's bounds: a step to a
	// state outside them is not taken (its invariants are still checked, as
	// the model checker does).
	Bounded bool
	// Progress, when set, receives a progress line about once a second.
	Progress io.Writer
}

// Result is the outcome of a run.
type Result struct {
	Machine *model.Machine
	Profile *model.Profile
	// Behaviours counts the behaviours run to their end (Cut not included).
	Behaviours uint64
	// Steps counts the steps taken, in those behaviours and in the ones cut
	// short.
	Steps uint64
	// MaxDepth is the length of the longest behaviour (cut short or not).
	MaxDepth int
	// Stuck counts behaviours that ended before Depth in a state that is not
	// terminal, because no step was allowed (a deadlock, or every allowed
	// input failing with a bound error or leaving the bounds).
	Stuck uint64
	// Terminal counts behaviours that ended in a terminal phase.
	Terminal uint64
	// BoundErrors counts chosen steps that failed with a bound error (and
	// were not taken).
	BoundErrors uint64
	// Fired counts, per transition, how often it fired.
	Fired []uint64
	// Violation is the (shrunk) violation found, or nil.
	Violation *check.Violation
	// Behaviour is the index of the behaviour in which Violation occurred;
	// with Seed it reproduces the behaviour before shrinking.
	Behaviour uint64
	// Cut counts the behaviours cut short by the time limit or the
	// context's cancellation: they are not in Behaviours, Terminal or
	// Stuck, but their steps count in Steps and Fired.
	Cut uint64
	// Shrunk is true when Violation is the violating behaviour shrunk (by
	// replaying shorter sequences of its input values), false when replaying
	// did not reproduce the violation and Violation is the behaviour as
	// found. Original is the behaviour's number of steps before shrinking.
	Shrunk   bool
	Original int
	// Seed is the seed of the run.
	Seed    uint64
	Depth   int
	Elapsed time.Duration
}

// NeverFired returns the transitions the profile fires that are not marked
// unreachable and never fired.
func (r *Result) NeverFired() []string {
	var out []string
	for i, t := range r.Machine.Transitions {
		if r.Fired[i] == 0 && t.Unreachable == "" && r.Profile.Fires(t.Input) {
			out = append(out, t.Name)
		}
	}
	return out
}

// Coverage returns how many of the expected transitions (see NeverFired)
// fired, and how many there are.
func (r *Result) Coverage() (fired, total int) {
	for i, t := range r.Machine.Transitions {
		if t.Unreachable != "" || !r.Profile.Fires(t.Input) {
			continue
		}
		total++
		if r.Fired[i] > 0 {
			fired++
		}
	}
	return fired, total
}

// Summary is the one-line summary `dslgen simulate` ends with.
func (r *Result) Summary() string {
	status := "ok"
	if r.Violation != nil {
		status = "violation: " + string(r.Violation.Kind)
	}
	f, t := r.Coverage()
	rate := 0.0
	if r.Elapsed > 0 {
		rate = float64(r.Steps) / r.Elapsed.Seconds()
	}
	cut := ""
	if r.Cut > 0 {
		cut = fmt.Sprintf(", cut short: %d", r.Cut)
	}
	return fmt.Sprintf("simulate %s profile %s: %s; behaviours: %d, steps: %d, depth: %d, longest: %d, terminal: %d, stuck: %d%s, coverage: %d/%d transitions, seed: %d, time: %.3fs, steps/s: %.0f",
		r.Machine.Name, r.Profile.Name, status, r.Behaviours, r.Steps, r.Depth, r.MaxDepth, r.Terminal, r.Stuck, cut, f, t, r.Seed, r.Elapsed.Seconds(), rate)
}

// sim holds what every behaviour shares: the input values and, per input
// value, the transitions on its input.
type sim struct {
	m      *model.Machine
	p      *model.Profile
	opt    Options
	inputs []model.InputValue
	cands  [][]*model.Transition
}

// option is one allowed step.
type option struct {
	in int // index into sim.inputs
	t  *model.Transition
}

// outcome is what one behaviour found.
type outcome struct {
	steps, boundErrs uint64
	depth            int
	terminal, stuck  bool
	cut              bool // ended by the time limit or cancellation
	fired            []uint64
	viol             *check.Violation
	inputs           []int // the input values of the steps taken (only when recording)
}

// checkEvery is how many steps a behaviour takes between two looks at the
// run's context: a behaviour is cut short within that many steps of the
// time limit or a cancellation.
const checkEvery = 64

// Run simulates a machine within a profile (nil: every input with the
// default domains). It returns an error for a bad profile or budget, and
// when the violating behaviour, run again, does not find its violation again
// (an internal error); a violation is reported in the Result.
func Run(ctx context.Context, m *model.Machine, p *model.Profile, opt Options) (*Result, error) {
	if p == nil {
		p = &model.Profile{Name: "default"}
	}
	if opt.Behaviours == 0 && opt.Duration <= 0 {
		return nil, ErrNoBudget
	}
	if opt.Depth <= 0 {
		opt.Depth = 100
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	n, err := check.InputCount(m, p)
	if err != nil {
		return nil, fmt.Errorf("simulate: profile %s: %w", p.Name, err)
	}
	if n > MaxInputValues {
		return nil, fmt.Errorf("simulate: profile %s fires %d input values, more than %d: %w", p.Name, n, MaxInputValues, check.ErrTooManyInputs)
	}
	ivs, err := m.InputValues(p)
	if err != nil {
		return nil, fmt.Errorf("simulate: profile %s: %w", p.Name, err)
	}
	s := &sim{m: m, p: p, opt: opt, inputs: ivs, cands: make([][]*model.Transition, len(ivs))}
	byInput := map[*model.Input][]*model.Transition{}
	for i, iv := range ivs {
		c, ok := byInput[iv.Input]
		if !ok {
			c = m.Candidates(iv.Input)
			byInput[iv.Input] = c
		}
		s.cands[i] = c
	}
	return s.run(ctx)
}

func (s *sim) run(ctx context.Context) (*Result, error) {
	start := time.Now()
	if s.opt.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.opt.Duration)
		defer cancel()
	}
	res := &Result{Machine: s.m, Profile: s.p, Fired: make([]uint64, len(s.m.Transitions)), Seed: s.opt.Seed, Depth: s.opt.Depth}
	var (
		next      atomic.Uint64 // next behaviour index to hand out
		violAt    atomic.Uint64 // lowest violating behaviour index + 1 (0: none)
		mu        sync.Mutex
		best      *outcome
		bestIndex uint64
		steps     atomic.Uint64
		done      atomic.Uint64
	)
	stopProgress := s.progress(&done, &steps, start)
	defer stopProgress()
	var wg sync.WaitGroup
	for w := 0; w < s.opt.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if s.opt.Behaviours > 0 && i >= s.opt.Behaviours {
					return
				}
				if v := violAt.Load(); v != 0 && i >= v-1 {
					return
				}
				if ctx.Err() != nil {
					return
				}
				o := s.behaviour(ctx, i, false)
				steps.Add(o.steps)
				if !o.cut {
					done.Add(1)
				}
				mu.Lock()
				if o.cut {
					res.Cut++
				} else {
					res.Behaviours++
				}
				res.Steps += o.steps
				res.BoundErrors += o.boundErrs
				res.MaxDepth = max(res.MaxDepth, o.depth)
				if o.terminal {
					res.Terminal++
				}
				if o.stuck {
					res.Stuck++
				}
				for k, n := range o.fired {
					res.Fired[k] += n
				}
				if o.viol != nil && (best == nil || i < bestIndex) {
					best, bestIndex = &o, i
					for {
						v := violAt.Load()
						if v != 0 && v-1 <= i || violAt.CompareAndSwap(v, i+1) {
							break
						}
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if best != nil {
		// The behaviour kept neither its trace nor its inputs: run it
		// again, recording them (its draws depend only on the seed and its
		// index), to completion whatever the context says.
		o := s.behaviour(context.Background(), bestIndex, true)
		if o.viol == nil || o.viol.Message() != best.viol.Message() {
			return nil, fmt.Errorf("simulate: behaviour %d of seed %d does not find %q again (found %v)", bestIndex, s.opt.Seed, best.viol.Message(), o.viol)
		}
		res.Violation, res.Shrunk = s.shrink(o.viol, o.inputs)
		res.Behaviour = bestIndex
		res.Original = len(o.viol.Trace) - 1
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// progress prints a line about once a second until the returned func is called.
func (s *sim) progress(done, steps *atomic.Uint64, start time.Time) func() {
	if s.opt.Progress == nil {
		return func() {}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				el := time.Since(start).Seconds()
				fmt.Fprintf(s.opt.Progress, "simulate: %d behaviours, %d steps, %.0f steps/s\n", done.Load(), steps.Load(), float64(steps.Load())/el)
			}
		}
	}()
	return func() { close(stop); wg.Wait() }
}

// allowed lists the steps enabled in st, or reports nondeterminism: the
// input value for which two transitions are enabled, and their names.
func (s *sim) allowed(st model.State, buf []option) ([]option, int, [2]string) {
	buf = buf[:0]
	for i := range s.inputs {
		first, second := s.enabled(st, i)
		if second != nil {
			return buf, i, [2]string{first.Name, second.Name}
		}
		if first != nil {
			buf = append(buf, option{in: i, t: first})
		}
	}
	return buf, -1, [2]string{}
}

// enabled returns the first two transitions on input value i that are
// allowed in st's phase with all their guards true (nil when fewer); a
// guard whose evaluation raises a bound error is false.
func (s *sim) enabled(st model.State, i int) (first, second *model.Transition) {
	phase := int(st[s.m.Phase.Index].N)
	for _, t := range s.cands[i] {
		if !t.Allows(phase) {
			continue
		}
		if ok, err := s.m.Enabled(t, st, s.inputs[i].Args); err != nil || !ok {
			continue
		}
		if first != nil {
			return first, t
		}
		first = t
	}
	return first, nil
}

// chooser picks the steps of a behaviour.
type chooser interface {
	// choose returns the index in opts (not empty) of the step to try, or
	// -1 to end the behaviour.
	choose(opts []option) int
	// redraw reports whether a step that was tried and not taken (a bound
	// error, or a state outside the bounds with Bounded) is followed by
	// another choice among the others (true) or ends the behaviour.
	redraw() bool
}

// draws chooses steps at random (pickTwoLevel).
type draws struct {
	rng *rand.Rand
	ivs []model.InputValue
}

func (d *draws) choose(opts []option) int { return pickTwoLevel(d.rng, opts, d.ivs) }
func (d *draws) redraw() bool             { return true }

// sequence chooses the input values of a sequence in order, and ends the
// behaviour when the sequence does or when its next value is not allowed.
type sequence struct {
	seq []int
	k   int
}

func (q *sequence) choose(opts []option) int {
	if q.k >= len(q.seq) {
		return -1
	}
	in := q.seq[q.k]
	q.k++
	for i, o := range opts {
		if o.in == in {
			return i
		}
	}
	return -1
}

func (q *sequence) redraw() bool { return false }

// behaviour runs behaviour i, with the draws of its generator. With record,
// the outcome holds its inputs and a violation its trace; without, nothing
// grows with the behaviour's length.
func (s *sim) behaviour(ctx context.Context, i uint64, record bool) outcome {
	return s.walk(ctx, &draws{rng: rand.New(rand.NewPCG(s.opt.Seed, i)), ivs: s.inputs}, record)
}

// replay runs a sequence of input values from the initial state and returns
// the violation it meets, with its trace, or nil when a step is not allowed
// or no violation occurs.
func (s *sim) replay(seq []int) *check.Violation {
	return s.walk(context.Background(), &sequence{seq: seq}, true).viol
}

// walk runs one behaviour from the initial state, taking the steps c
// chooses, up to Depth steps, and checks what the simulation checks, in this
// order: the invariants of the initial state; then in every state the
// behaviour is in (its last one included) determinism for every input
// value; and for every step fired (taken, or leaving the bounds with
// Bounded) that its transition is not marked unreachable, then the
// invariants of the state it reaches. The first violation ends the
// behaviour. The context is looked at every checkEvery steps: when it is
// done the behaviour ends, cut short.
func (s *sim) walk(ctx context.Context, c chooser, record bool) outcome {
	o := outcome{fired: make([]uint64, len(s.m.Transitions))}
	st := s.m.Initial()
	var trace []check.Step
	if record {
		trace = []check.Step{{State: st}}
	}
	if v := s.invariant(st, trace); v != nil {
		o.viol = v
		return o
	}
	var buf []option
	for {
		opts, nd, pair := s.allowed(st, buf)
		buf = opts
		if nd >= 0 {
			iv := s.inputs[nd]
			o.viol = &check.Violation{Kind: check.KindNondeterminism, Input: &iv, Transitions: pair[:], Trace: trace}
			return o
		}
		if o.depth >= s.opt.Depth {
			break
		}
		if o.depth > 0 && o.depth%checkEvery == 0 && ctx.Err() != nil {
			o.cut = true
			return o
		}
		took := false
		for len(opts) > 0 {
			k := c.choose(opts)
			if k < 0 {
				return o
			}
			pick := opts[k]
			n, _, err := s.m.Fire(pick.t, st, s.inputs[pick.in].Args)
			if err != nil {
				o.boundErrs++
			} else if !s.opt.Bounded || s.p.InBounds(n) {
				o.steps++
				o.depth++
				o.fired[pick.t.Index]++
				st = n
				if record {
					o.inputs = append(o.inputs, pick.in)
					trace = append(trace, s.step(pick, n))
				}
				if v := s.arrive(pick.t, n, trace); v != nil {
					o.viol = v
					return o
				}
				took = true
				break
			} else {
				// A step out of the bounds is not taken, but what it does
				// is checked, as the model checker does.
				t := trace
				if record {
					t = append(trace[:len(trace):len(trace)], s.step(pick, n))
				}
				if v := s.arrive(pick.t, n, t); v != nil {
					if record {
						o.inputs = append(o.inputs, pick.in)
					}
					o.viol = v
					return o
				}
			}
			if !c.redraw() {
				return o
			}
			// Delete keeps the order, so each input's values stay
			// contiguous for pickTwoLevel.
			opts = slices.Delete(opts, k, k+1)
		}
		if !took {
			if s.m.IsTerminal(int(st[s.m.Phase.Index].N)) {
				o.terminal = true
			} else {
				o.stuck = true
			}
			return o
		}
	}
	if s.m.IsTerminal(int(st[s.m.Phase.Index].N)) {
		o.terminal = true
	}
	return o
}

// arrive checks a step that fired transition t into state n, trace ending
// with the step: that t is not marked unreachable, then n's invariants.
func (s *sim) arrive(t *model.Transition, n model.State, trace []check.Step) *check.Violation {
	if t.Unreachable != "" {
		return &check.Violation{Kind: check.KindUnreachable, Transitions: []string{t.Name}, Trace: trace}
	}
	return s.invariant(n, trace)
}

func (s *sim) step(o option, st model.State) check.Step {
	iv := s.inputs[o.in]
	return check.Step{Input: &iv, Transition: o.t, State: st}
}

// invariant returns an invariant violation for st, the last state of trace,
// or nil.
func (s *sim) invariant(st model.State, trace []check.Step) *check.Violation {
	var ie *model.InvariantError
	if err := s.m.CheckInvariants(st); errors.As(err, &ie) {
		return &check.Violation{Kind: check.KindInvariant, Invariant: ie.Invariant, Trace: trace}
	}
	return nil
}

// shrink removes steps from a violating behaviour (v, found by the input
// values seq) while the same violation (same kind, same message) still
// occurs, trying large cuts first, and returns the shortest violation
// found. shrunk is false, and v is returned, when replaying seq does not
// reproduce v (which should not happen: replay and behaviour share walk).
func (s *sim) shrink(v *check.Violation, seq []int) (_ *check.Violation, shrunk bool) {
	want := v.Message()
	same := func(c []int) *check.Violation {
		r := s.replay(c)
		if r != nil && r.Message() == want {
			return r
		}
		return nil
	}
	best := same(seq)
	if best == nil {
		return v, false
	}
	seq = seq[:len(best.Trace)-1]
	for chunk := len(seq) / 2; chunk >= 1; {
		improved := false
		for at := 0; at+chunk <= len(seq); {
			cand := append(append([]int(nil), seq[:at]...), seq[at+chunk:]...)
			if r := same(cand); r != nil {
				// a shorter trace may end earlier: keep only the inputs used
				seq, best, improved = cand[:len(r.Trace)-1], r, true
				continue
			}
			at++
		}
		if !improved {
			chunk /= 2
		}
	}
	return best, true
}

// pickTwoLevel chooses an allowed step in two uniform draws: first one of
// the inputs that have an allowed step, then one of that input's allowed
// argument tuples. Drawing over inputs first keeps an input with many
// argument tuples from crowding out the others. opts lists an input's
// values contiguously (they are built in input-value order, and a step
// tried and not taken is deleted in place, keeping the order).
func pickTwoLevel(rng *rand.Rand, opts []option, ivs []model.InputValue) int {
	n := 0
	for i := range opts {
		if i == 0 || ivs[opts[i].in].Input != ivs[opts[i-1].in].Input {
			n++
		}
	}
	want := rng.IntN(n)
	start, end := 0, len(opts)
	g := -1
	for i := range opts {
		if i == 0 || ivs[opts[i].in].Input != ivs[opts[i-1].in].Input {
			g++
			if g == want {
				start = i
			} else if g == want+1 {
				end = i
				break
			}
		}
	}
	return start + rng.IntN(end-start)
}
