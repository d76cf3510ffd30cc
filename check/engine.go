package check

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

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
	// Progress, when set, receives a progress line about every
	// ProgressEvery (default one second).
	Progress      io.Writer
	ProgressEvery time.Duration
	// MaxStates stops the search, unfinished, after this many distinct
	// states (0: no limit).
	MaxStates uint64
	// MaxMemory stops the search, unfinished, once the Go runtime holds
	// this many bytes (0: no limit).
	MaxMemory uint64
}

// chunkSize is how many frontier states a worker claims at a time.
const chunkSize = 512

// pendRef names a pending state found while expanding a chunk.
type pendRef struct {
	origin uint64
	idx    uint32
	shard  uint32
}

// violation kinds recorded during a level.
const (
	vInvariant            = iota
	vInvariantOutOfBounds // an invariant fails in a successor outside the profile's bounds
	vNondet
	vUnreachable
)

// violRec is a violation found while expanding a state.
type violRec struct {
	kind   int
	origin uint64 // (seq of the expanded state) << 32 | action
	shard  uint32 // vInvariant: where the bad state is pending
	idx    uint32
	inv    int // vInvariant
	t1, t2 int // vNondet: the two transitions; vUnreachable: t1
}

type engine struct {
	pr      *program
	opt     Options
	st      store
	shards  [nShards]shard
	nTrans  uint32
	workers []*worker

	// per level
	frontier             uint32 // first sequence number of the next level
	levelStart, levelEnd uint32
	nextChunk            atomic.Int64
	minViolChunk         atomic.Int64
	chunkBufs            [][]pendRef

	// progress
	distinct  atomic.Uint64
	processed atomic.Uint64
	queued    atomic.Int64
	depth     atomic.Int64
	limited   atomic.Bool
}

type worker struct {
	e         *engine
	cur, next []uint64
	enc       []uint64
	env       env
	covered   []bool
	fired     uint64
	oob       uint64
	boundErrs uint64
	viols     []violRec
}

// action packs an input value index and a transition index.
func (e *engine) action(input, tr int) uint32 { return uint32(input)*e.nTrans + uint32(tr) }

func (e *engine) unpackAction(a uint32) (input, tr int) {
	return int(a / e.nTrans), int(a % e.nTrans)
}

// Run explores the state space of a machine under a profile (nil: no
// bounds, default domains) and returns what it found. An error means the
// profile cannot be checked (a usage error), not that a property failed.
func Run(m *model.Machine, p *model.Profile, opt Options) (*Result, error) {
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
	if opt.ProgressEvery <= 0 {
		opt.ProgressEvery = time.Second
	}
	e := &engine{pr: pr, opt: opt, nTrans: uint32(len(m.Transitions))}
	e.st.w = pr.lay.words
	if uint64(len(pr.inputs))*uint64(e.nTrans) >= math.MaxUint32 {
		return nil, fmt.Errorf("profile %s: too many input values (%d)", p.Name, len(pr.inputs))
	}
	return e.run(), nil
}

func (e *engine) newWorker() *worker {
	n := len(e.pr.m.Fields)
	return &worker{
		e: e, cur: make([]uint64, n), next: make([]uint64, n), enc: make([]uint64, e.st.w),
		covered: make([]bool, len(e.pr.trans)),
	}
}

func (e *engine) run() *Result {
	start := time.Now()
	pr, lay := e.pr, e.pr.lay
	res := &Result{Machine: pr.m, Profile: pr.p, Words: lay.words, Bits: lay.bits(), Inputs: len(pr.inputs)}
	defer func() { res.Elapsed = time.Since(start) }()

	res.Covered = make([]bool, len(pr.trans))
	init := make([]uint64, len(pr.m.Fields))
	lay.slots(pr.m.Initial(), init)
	inBounds := lay.inBounds(init)
	if k := pr.invariant(init); k >= 0 {
		// Like TLC, which checks the invariants of an initial state whether
		// or not it satisfies the constraint; it is counted only if it does.
		res.Violation = &Violation{Kind: KindInvariant, Invariant: pr.m.Invariants[k].Name,
			Trace: []Step{{State: lay.state(init)}}}
		if inBounds {
			res.Distinct = 1
		}
		return res
	}
	if !inBounds {
		// Like TLC: an initial state outside the constraint is not kept, so
		// nothing is explored (and nothing covered).
		res.Complete = true
		res.Violation = coverageViolation(res)
		return res
	}
	w := make([]uint64, lay.words)
	if !lay.encode(init, w) {
		panic("check: initial state does not fit its layout")
	}
	sh := &e.shards[hashWords(w)&(nShards-1)]
	_, idx := sh.insert(w, hashWords(w), 0)
	sh.pendSeq[idx] = e.st.add(w, 0, 0)
	sh.settle(lay.words)
	e.distinct.Store(1)

	e.workers = make([]*worker, e.opt.Workers)
	for i := range e.workers {
		e.workers[i] = e.newWorker()
	}
	stop := make(chan struct{})
	var progressDone sync.WaitGroup
	if e.opt.Progress != nil || e.opt.MaxMemory > 0 {
		progressDone.Add(1)
		go e.progress(stop, &progressDone, start)
	}

	var chosen *violRec
	depth := 0
	for level := 0; ; level++ {
		e.levelStart, e.levelEnd = e.frontier, e.st.n
		if e.levelStart == e.levelEnd {
			res.Complete = true
			break
		}
		depth = level
		e.depth.Store(int64(level))
		chosen = e.expandLevel()
		if chosen != nil {
			break
		}
		if e.limited.Load() {
			res.Limited = true
			break
		}
		e.finalizeLevel()
		e.frontier = e.levelEnd
		if e.st.n >= maxStates {
			res.Limited = true
			break
		}
	}
	close(stop)
	progressDone.Wait()

	for _, wk := range e.workers {
		for i, c := range wk.covered {
			res.Covered[i] = res.Covered[i] || c
		}
		res.Fired += wk.fired
		res.OutOfBounds += wk.oob
		res.BoundErrors += wk.boundErrs
	}
	res.Distinct = uint64(e.st.n)
	res.Depth = depth
	if res.Limited {
		res.Distinct = e.distinct.Load()
	}
	if chosen != nil {
		res.Violation = e.describe(chosen)
		res.Distinct = e.distinct.Load()
		return res
	}
	if res.Complete {
		res.Violation = coverageViolation(res)
	}
	return res
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

// expandLevel expands the frontier [levelStart, levelEnd) in parallel. It
// returns the violation with the smallest origin, if any.
func (e *engine) expandLevel() *violRec {
	n := int(e.levelEnd - e.levelStart)
	nChunks := (n + chunkSize - 1) / chunkSize
	if cap(e.chunkBufs) < nChunks {
		e.chunkBufs = make([][]pendRef, nChunks)
	}
	e.chunkBufs = e.chunkBufs[:nChunks]
	for i := range e.chunkBufs {
		e.chunkBufs[i] = e.chunkBufs[i][:0]
	}
	e.nextChunk.Store(0)
	e.minViolChunk.Store(math.MaxInt64)
	e.queued.Store(int64(n))
	var wg sync.WaitGroup
	var pb panicBox
	for _, wk := range e.workers {
		wg.Add(1)
		go func(wk *worker) {
			defer wg.Done()
			defer pb.catch()
			for {
				c := e.nextChunk.Add(1) - 1
				if c >= int64(nChunks) || c > e.minViolChunk.Load() {
					return
				}
				if e.opt.MaxStates > 0 && e.distinct.Load() >= e.opt.MaxStates {
					e.limited.Store(true)
					return
				}
				lo := e.levelStart + uint32(c)*chunkSize
				hi := min(lo+chunkSize, e.levelEnd)
				buf := e.chunkBufs[c]
				nv := len(wk.viols)
				for seq := lo; seq < hi; seq++ {
					buf = wk.expand(seq, buf)
				}
				e.chunkBufs[c] = buf
				e.processed.Add(uint64(hi - lo))
				e.queued.Add(int64(len(buf)) - int64(hi-lo))
				if len(wk.viols) > nv {
					for {
						old := e.minViolChunk.Load()
						if c >= old || e.minViolChunk.CompareAndSwap(old, c) {
							break
						}
					}
				}
			}
		}(wk)
	}
	wg.Wait()
	pb.rethrow()
	var best *violRec
	var bestOrigin uint64
	for _, wk := range e.workers {
		for i := range wk.viols {
			v := &wk.viols[i]
			o := v.origin
			if v.kind == vInvariant {
				o = e.shards[v.shard].pendOrigin[v.idx]
				v.origin = o
			}
			if best == nil || o < bestOrigin || o == bestOrigin && v.inv < best.inv {
				best, bestOrigin = v, o
			}
		}
	}
	return best
}

// finalizeLevel gives this level's new states their sequence numbers, in
// origin order, and settles the shards.
func (e *engine) finalizeLevel() {
	for _, buf := range e.chunkBufs {
		for _, r := range buf {
			sh := &e.shards[r.shard]
			if sh.pendOrigin[r.idx] != r.origin || sh.pendSeq[r.idx] != noSeq {
				continue
			}
			W := e.st.w
			sh.pendSeq[r.idx] = e.st.add(sh.pendWords[int(r.idx)*W:int(r.idx+1)*W], uint32(r.origin>>32), uint32(r.origin))
		}
	}
	var wg sync.WaitGroup
	var pb panicBox
	per := (nShards + len(e.workers) - 1) / len(e.workers)
	for k := 0; k < nShards; k += per {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			defer pb.catch()
			for i := lo; i < hi; i++ {
				e.shards[i].settle(e.st.w)
			}
		}(k, min(k+per, nShards))
	}
	wg.Wait()
	pb.rethrow()
}

// expand generates every successor of the state with sequence number seq.
// A successor is packed incrementally: the parent's words with the fields
// the transition writes replaced.
func (w *worker) expand(seq uint32, buf []pendRef) []pendRef {
	e := w.e
	pr, lay := e.pr, e.pr.lay
	curW := e.st.get(seq)
	lay.decode(curW, w.cur)
	copy(w.next, w.cur)
	phase := w.cur[pr.phase]
	for _, pc := range pr.byPhase[phase] {
		ic := &pr.inputs[pc.input]
		w.env.s, w.env.a = w.cur, ic.args
		first, second := pickEnabled(&w.env, pc.cands, w.covered)
		if second != nil {
			w.viols = append(w.viols, violRec{kind: vNondet, origin: uint64(seq)<<32 | uint64(e.action(pc.input, first.idx)), t1: first.idx, t2: second.idx})
			continue
		}
		if first == nil {
			continue
		}
		if first.t.Unreachable != "" {
			w.viols = append(w.viols, violRec{kind: vUnreachable, origin: uint64(seq)<<32 | uint64(e.action(pc.input, first.idx)), t1: first.idx})
			continue
		}
		w.env.s = w.next
		ok := first.fire(&w.env)
		w.env.s = w.cur
		if ok {
			w.fired++
			buf = w.store(seq, curW, first, pc.input, buf)
		} else {
			w.boundErrs++
		}
		for _, f := range first.written {
			w.next[f] = w.cur[f]
		}
	}
	return buf
}

// store handles the successor in w.next of the state seq (packed as curW).
func (w *worker) store(seq uint32, curW []uint64, tr *trans, input int, buf []pendRef) []pendRef {
	e := w.e
	lay := e.pr.lay
	for _, b := range tr.bounds {
		if b.exceeds(w.next[b.field]) {
			// Like TLC, which checks the invariants of a successor before
			// dropping it for violating the CONSTRAINT: not counted, not
			// explored, but its invariants must hold.
			w.oob++
			if k := e.pr.invariant(w.next); k >= 0 {
				w.viols = append(w.viols, violRec{kind: vInvariantOutOfBounds, origin: uint64(seq)<<32 | uint64(e.action(input, tr.idx)), inv: k})
			}
			return buf
		}
	}
	copy(w.enc, curW)
	for _, f := range tr.written {
		if !lay.put(w.enc, f, w.next[f]) {
			panic(fmt.Sprintf("check: transition %s writes a value of %s that does not fit the state layout", tr.t.Name, e.pr.m.Fields[f].Name))
		}
	}
	if equalWords(w.enc, curW) {
		return buf // a step that changes nothing
	}
	h := hashWords(w.enc)
	si := uint32(h & (nShards - 1))
	origin := uint64(seq)<<32 | uint64(e.action(input, tr.idx))
	out, idx := e.shards[si].insert(w.enc, h, origin)
	switch out {
	case added:
		e.distinct.Add(1)
		buf = append(buf, pendRef{origin: origin, idx: idx, shard: si})
		if k := e.pr.invariant(w.next); k >= 0 {
			w.viols = append(w.viols, violRec{kind: vInvariant, origin: origin, shard: si, idx: idx, inv: k})
		}
	case improved:
		buf = append(buf, pendRef{origin: origin, idx: idx, shard: si})
	}
	return buf
}

func (e *engine) progress(stop chan struct{}, done *sync.WaitGroup, start time.Time) {
	defer done.Done()
	t := time.NewTicker(e.opt.ProgressEvery)
	defer t.Stop()
	last, lastT := uint64(0), start
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			if e.opt.MaxMemory > 0 {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.Sys-ms.HeapReleased > e.opt.MaxMemory {
					e.limited.Store(true)
				}
			}
			if e.opt.Progress == nil {
				continue
			}
			d := e.distinct.Load()
			rate := float64(d-last) / now.Sub(lastT).Seconds()
			last, lastT = d, now
			fmt.Fprintf(e.opt.Progress, "progress: %s: depth %d, %d distinct states, %d queued, %d explored, %.0f states/s\n",
				time.Since(start).Round(time.Second), e.depth.Load(), d, e.queued.Load(), e.processed.Load(), rate)
		}
	}
}
