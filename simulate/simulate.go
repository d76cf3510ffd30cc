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
	// Behaviours counts the behaviours run to their end.
	Behaviours uint64
	// Steps counts the steps taken in those behaviours.
	Steps uint64
	// MaxDepth is the length of the longest behaviour.
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
	return fmt.Sprintf("simulate %s profile %s: %s; behaviours: %d, steps: %d, depth: %d, longest: %d, terminal: %d, stuck: %d, coverage: %d/%d transitions, seed: %d, time: %.3fs, steps/s: %.0f",
		r.Machine.Name, r.Profile.Name, status, r.Behaviours, r.Steps, r.Depth, r.MaxDepth, r.Terminal, r.Stuck, f, t, r.Seed, r.Elapsed.Seconds(), rate)
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
	fired            []uint64
	viol             *check.Violation
	inputs           []int // the behaviour's input values, up to the violation
}

// Run simulates a machine within a profile (nil: every input with the
// default domains). It returns an error only for a bad profile or budget;
// a violation is reported in the Result.
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
				o := s.behaviour(i)
				steps.Add(o.steps)
				done.Add(1)
				mu.Lock()
				res.Behaviours++
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
		res.Violation = s.shrink(best.viol, best.inputs)
		res.Behaviour = bestIndex
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

// behaviour runs behaviour i.
func (s *sim) behaviour(i uint64) outcome {
	rng := rand.New(rand.NewPCG(s.opt.Seed, i))
	o := outcome{fired: make([]uint64, len(s.m.Transitions))}
	st := s.m.Initial()
	trace := []check.Step{{State: st}}
	if v := s.invariant(st, trace); v != nil {
		o.viol = v
		return o
	}
	var buf []option
	for o.depth < s.opt.Depth {
		opts, nd, pair := s.allowed(st, buf)
		buf = opts
		if nd >= 0 {
			iv := s.inputs[nd]
			o.inputs = append(o.inputs, nd)
			o.viol = &check.Violation{Kind: check.KindNondeterminism, Input: &iv, Transitions: pair[:], Trace: trace}
			return o
		}
		var (
			next model.State
			pick option
			ok   bool
		)
		for len(opts) > 0 {
			k := pickTwoLevel(rng, opts, s.inputs)
			pick = opts[k]
			n, _, err := s.m.Fire(pick.t, st, s.inputs[pick.in].Args)
			if err != nil {
				o.boundErrs++
				opts[k] = opts[len(opts)-1]
				opts = opts[:len(opts)-1]
				continue
			}
			if s.opt.Bounded && !s.p.InBounds(n) {
				if v := s.invariant(n, append(trace, s.step(pick, n))); v != nil {
					o.inputs = append(o.inputs, pick.in)
					o.viol = v
					return o
				}
				opts[k] = opts[len(opts)-1]
				opts = opts[:len(opts)-1]
				continue
			}
			next, ok = n, true
			break
		}
		if !ok {
			if s.m.IsTerminal(int(st[s.m.Phase.Index].N)) {
				o.terminal = true
			} else {
				o.stuck = true
			}
			return o
		}
		o.steps++
		o.depth++
		o.fired[pick.t.Index]++
		o.inputs = append(o.inputs, pick.in)
		st = next
		trace = append(trace, s.step(pick, next))
		if pick.t.Unreachable != "" {
			o.viol = &check.Violation{Kind: check.KindUnreachable, Transitions: []string{pick.t.Name}, Trace: trace}
			return o
		}
		if v := s.invariant(st, trace); v != nil {
			o.viol = v
			return o
		}
	}
	if s.m.IsTerminal(int(st[s.m.Phase.Index].N)) {
		o.terminal = true
	}
	return o
}

func (s *sim) step(o option, st model.State) check.Step {
	iv := s.inputs[o.in]
	return check.Step{Input: &iv, Transition: o.t, State: st}
}

// invariant returns an invariant violation for the last state of trace, or nil.
func (s *sim) invariant(st model.State, trace []check.Step) *check.Violation {
	var ie *model.InvariantError
	if err := s.m.CheckInvariants(st); errors.As(err, &ie) {
		return &check.Violation{Kind: check.KindInvariant, Invariant: ie.Invariant, Trace: trace}
	}
	return nil
}

// replay runs a sequence of input values from the initial state and returns
// the first violation it meets, or nil when a step is not allowed or no
// violation occurs.
func (s *sim) replay(seq []int) *check.Violation {
	st := s.m.Initial()
	trace := []check.Step{{State: st}}
	if v := s.invariant(st, trace); v != nil {
		return v
	}
	for _, in := range seq {
		iv := s.inputs[in]
		first, second := s.enabled(st, in)
		if second != nil {
			return &check.Violation{Kind: check.KindNondeterminism, Input: &iv, Transitions: []string{first.Name, second.Name}, Trace: trace}
		}
		if first == nil {
			return nil
		}
		n, _, err := s.m.Fire(first, st, iv.Args)
		if err != nil {
			return nil
		}
		trace = append(trace, s.step(option{in: in, t: first}, n))
		if v := s.invariant(n, trace); v != nil {
			return v
		}
		if first.Unreachable != "" {
			return &check.Violation{Kind: check.KindUnreachable, Transitions: []string{first.Name}, Trace: trace}
		}
		if s.opt.Bounded && !s.p.InBounds(n) {
			return nil
		}
		st = n
	}
	return nil
}

// shrink removes steps from a violating behaviour while the same violation
// (same kind, same message) still occurs, trying large cuts first, and
// returns the shortest violation found.
func (s *sim) shrink(v *check.Violation, seq []int) *check.Violation {
	want := v.Message()
	same := func(c []int) *check.Violation {
		r := s.replay(c)
		if r != nil && r.Message() == want {
			return r
		}
		return nil
	}
	best := v
	if r := same(seq); r != nil {
		best = r
	} else {
		return v // not reproducible by replay (should not happen)
	}
	for chunk := len(seq) / 2; chunk >= 1; {
		improved := false
		for at := 0; at+chunk <= len(seq); {
			cand := append(append([]int(nil), seq[:at]...), seq[at+chunk:]...)
			if r := same(cand); r != nil {
				seq, best, improved = cand, r, true
				// a shorter trace may end earlier: keep only the inputs used
				seq = seq[:min(len(seq), len(r.Trace)-1+nondetExtra(r))]
				continue
			}
			at++
		}
		if !improved {
			chunk /= 2
		}
	}
	return best
}

// nondetExtra is 1 for a nondeterminism finding, whose input follows the
// trace's last step, and 0 otherwise.
func nondetExtra(v *check.Violation) int {
	if v.Kind == check.KindNondeterminism {
		return 1
	}
	return 0
}

// pickTwoLevel chooses an allowed step in two uniform draws: first one of
// the inputs that have an allowed step, then one of that input's allowed
// argument tuples. Drawing over inputs first keeps an input with many
// argument tuples from crowding out the others. opts lists an input's
// values contiguously (they are built in input-value order).
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
