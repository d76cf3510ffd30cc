package explore

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

const (
	// batchStates is the most frontier states read and expanded between
	// two insert phases. A batch is smaller when the model has many
	// actions, so that a batch holds at most batchCands candidates even if
	// every action of every state gave one (their memory is the engine's
	// main cost besides the visited set). The size depends on nothing
	// else: a search stops only between batches, at a violation or at
	// MaxStates, so the counts it reports then must not depend on the
	// workers, their timing, or the steps left out.
	batchStates = 1 << 14
	batchCands  = 1 << 22
	// chunkStates is how many frontier states a worker claims at a time.
	chunkStates = 256
	// touchAhead is how many probes are started together (see
	// visited.touch).
	touchAhead = 16
)

// chunk is a run of frontier states of a batch and what their expansion
// found. Candidates are successors, each stride words: the packed state,
// its hash, its parent's sequence number, and action<<32|transition.
type chunk struct {
	lo, hi int
	// cands holds, per owner worker, its candidates, stride words each,
	// so that an owner reads only its own cache lines; order gives the
	// owner of each of the chunk's candidates in (parent, action) order.
	cands [][]uint64
	order []uint8
	// isNew[o][j] says whether owner o's candidate j was new; each owner
	// writes only its own slice (no false sharing).
	isNew [][]bool
	out   []byte // the records of the new states
	nNew  int
	_     [128]byte // chunks of different workers on different cache lines
}

// growth is a visited-set partition to grow and the keys it must hold.
type growth struct {
	part int
	keys uint64
}

// viol is a violation found by a worker.
type viol struct {
	kind   ViolationKind
	seq    uint64 // the state in which the step is taken
	action int32
	t, t2  int32
	inv    int
	oob    bool
}

func (v *viol) less(o *viol) bool {
	if v.seq != o.seq {
		return v.seq < o.seq
	}
	if v.action != o.action {
		return v.action < o.action
	}
	return v.inv < o.inv
}

// worker is one worker's state.
type worker struct {
	x                     Expander
	covered               []bool
	fired, oob, boundErrs uint64
	generated             uint64
	viols                 []viol
	recent                recent   // the successors queued last
	perPart               []uint32 // the batch's candidates per visited-set partition
	// next is the next chunk of the worker's run in an expand phase, and
	// end the end of the run; other workers take its chunks too once
	// theirs are done.
	next atomic.Int64
	end  int64
	at   uint64        // the sequence number after the last state it expanded
	bx   BatchExpander // x, or x one action at a time
	outs Outcomes      // bx's outcomes for one state
	_    [128]byte     // workers' counters on different cache lines
}

type engine struct {
	m       Model
	opt     Options
	words   int
	stride  int
	vis     *visited
	rec     *records
	workers []*worker
	pool    *pool
	chunks  []*chunk

	lastLevel  bool     // the successors of this level are not expanded
	batchSize  int      // states in a batch
	batch      []uint64 // the states of the current batch
	batchVia   []Step   // the steps that first reached them
	batchFirst uint64   // sequence number of batch[0]
	batchN     int
	readBuf    []byte

	distinct, explored atomic.Uint64
	depth              atomic.Int64
	limited            atomic.Bool
	sink               atomic.Uint64 // keeps visited.touch's loads
	growing            []growth      // the tables to grow before an insert phase
	// owner maps a visited-set partition to the worker that inserts into
	// it (a table: the remainder it holds cost a division per successor).
	owner [nParts]uint8
}

func explore(ctx context.Context, m Model, opt Options) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			a, ok := r.(Abort)
			if !ok {
				panic(r)
			}
			res, err = nil, a.Err
		}
	}()
	if opt.Workers <= 0 {
		opt.Workers = 1
	}
	if opt.ProgressEvery <= 0 {
		opt.ProgressEvery = time.Second
	}
	W := m.Words()
	if W < 1 {
		return nil, fmt.Errorf("explore: a state of %d words", W)
	}
	e := &engine{m: m, opt: opt, words: W, stride: W + 3}
	e.batchSize = min(max(batchCands/max(m.Actions(), 1), chunkStates), batchStates)
	kw := W
	if opt.Fingerprint {
		kw = 1
	}
	nT, nA := m.Transitions(), m.Actions()
	for i := 0; i < opt.Workers; i++ {
		// A worker writes its covered flags and outcomes at every step:
		// padding keeps them off the cache lines of the other workers'.
		wk := &worker{x: m.NewExpander(), covered: padded[bool](nT), recent: newRecent(W), perPart: padded[uint32](nParts)}
		wk.outs = Outcomes{Set: padded[uint64]((nA + 63) / 64), Out: padded[Outcome](nA), Dst: padded[uint64](nA * W)}
		if bx, ok := wk.x.(BatchExpander); ok {
			wk.bx = bx
		} else {
			wk.bx = oneByOne{wk.x, W}
		}
		e.workers = append(e.workers, wk)
	}
	for p := range e.owner {
		e.owner[p] = uint8(p % len(e.workers)) // below nParts
	}
	res = &Result{Covered: make([]bool, nT)}

	init := make([]uint64, W)
	inBounds, err := m.Initial(init)
	if err != nil {
		return nil, err
	}
	if k := e.workers[0].x.Violated(init, -1); k >= 0 {
		res.Violation = &Violation{Kind: Invariant, Invariant: k, Initial: true}
		if inBounds {
			res.Distinct = 1
		}
		return res, nil
	}
	if !inBounds {
		res.Complete = true
		return res, nil
	}
	dir := opt.TempDir
	if dir == "" {
		dir = os.TempDir()
	}
	e.rec, err = newRecords(dir, W)
	if err != nil {
		return nil, err
	}
	defer e.rec.close()
	e.vis = newVisited(kw, opt.Fingerprint)
	defer e.vis.free()
	key := init
	h := hashWords(init)
	if opt.Fingerprint {
		key = []uint64{h}
	}
	e.vis.insert(&e.vis.parts[part(h)], key, h)
	b := make([]byte, e.rec.size)
	e.rec.put(b, init, noParent, -1, -1)
	if err := e.rec.write(b); err != nil {
		return nil, err
	}
	e.distinct.Store(1)
	e.pool = newPool(len(e.workers))
	defer e.pool.close()

	stop := make(chan struct{})
	var progressDone sync.WaitGroup
	if opt.Progress != nil || opt.MaxMemory > 0 {
		progressDone.Add(1)
		go e.progress(stop, &progressDone, time.Now())
	}
	defer func() {
		close(stop)
		progressDone.Wait()
	}()

	var found *viol
	levelStart, levelEnd := uint64(0), uint64(1)
	depth := 0
levels:
	for level := 0; ; level++ {
		if levelStart == levelEnd {
			res.Complete = true
			break
		}
		depth = level
		e.depth.Store(int64(level))
		// The successors of the level before the depth cut are the last
		// level: stored and checked, never expanded, so their records
		// (which only expansion and the traces through them read) are not
		// written.
		e.lastLevel = opt.MaxDepth > 0 && level+1 >= opt.MaxDepth
		before := e.distinct.Load()
		if err := e.rec.flush(); err != nil {
			return nil, err
		}
		for first := levelStart; first < levelEnd; {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if e.limited.Load() || opt.MaxStates > 0 && e.distinct.Load() >= opt.MaxStates {
				res.Limited = true
				break levels
			}
			n := int(min(uint64(e.batchSize), levelEnd-first))
			found, err = e.runBatch(first, n)
			if err != nil {
				return nil, err
			}
			if found != nil {
				break levels
			}
			first += uint64(n)
		}
		if e.lastLevel {
			if e.distinct.Load() > before {
				depth = level + 1
			}
			res.Complete = true
			break
		}
		levelStart, levelEnd = levelEnd, e.rec.n
	}

	for _, w := range e.workers {
		for i, c := range w.covered {
			res.Covered[i] = res.Covered[i] || c
		}
		res.Fired += w.fired
		res.OutOfBounds += w.oob
		res.BoundErrors += w.boundErrs
		res.Generated += w.generated
	}
	res.Distinct = e.distinct.Load()
	res.Depth = depth
	res.PeakBytes = uint64(e.vis.peak.Load())
	if opt.Fingerprint {
		n := float64(res.Distinct)
		res.Collision = n * (float64(res.Generated) - n) / math.Exp2(64)
	}
	if found != nil {
		res.Complete = false
		res.Violation, err = e.describe(found)
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// describe turns a recorded violation into a Violation with its path.
func (e *engine) describe(v *viol) (*Violation, error) {
	path, err := e.rec.path(v.seq)
	if err != nil {
		return nil, err
	}
	out := &Violation{Kind: v.kind, Invariant: v.inv, Path: path}
	switch {
	case v.kind == Invariant && !v.oob:
		out.Path = append(out.Path, Step{Action: v.action, Transition: v.t})
	case v.kind == Invariant:
		out.OutOfBounds = true
		out.Last = Step{Action: v.action, Transition: v.t}
	default:
		out.Last = Step{Action: v.action, Transition: v.t}
		out.Other = v.t2
	}
	return out, nil
}

// runBatch expands the frontier states [first, first+n), inserts their
// successors and appends the new ones to the record file. It returns the
// batch's first violation, if any.
func (e *engine) runBatch(first uint64, n int) (*viol, error) {
	W := e.words
	if cap(e.batch) < n*W {
		e.batch = make([]uint64, batchStates*W)
		e.batchVia = make([]Step, batchStates)
	}
	var err error
	e.readBuf, err = e.rec.readStates(first, n, e.batch[:n*W], e.batchVia[:n], e.readBuf)
	if err != nil {
		return nil, err
	}
	e.batchFirst, e.batchN = first, n
	nChunks := (n + chunkStates - 1) / chunkStates
	for len(e.chunks) < nChunks {
		e.chunks = append(e.chunks, &chunk{cands: padded[[]uint64](len(e.workers)), isNew: padded[[]bool](len(e.workers))})
	}
	for i := 0; i < nChunks; i++ {
		c := e.chunks[i]
		c.lo, c.hi = i*chunkStates, min((i+1)*chunkStates, n)
		c.order = c.order[:0]
		for o := range c.cands {
			c.cands[o] = c.cands[o][:0]
		}
		c.nNew = 0
	}
	chunks := e.chunks[:nChunks]

	// Phase 1: expand.
	// Each worker expands a run of consecutive chunks, then helps the
	// others with theirs: consecutive frontier states have much in common
	// (siblings, cousins), which its memo and recent filter exploit. (With
	// one chunk counter for all, each worker would see every other chunk,
	// and the workers would fire about 7% more steps on ci than one worker
	// alone.)
	e.runs(nChunks, func(wk *worker, i int) {
		c := chunks[i]
		if at := e.batchFirst + uint64(c.lo); at < wk.at {
			// The recent filter may drop only copies of successors
			// queued before in (parent, action) order.
			wk.recent.clear()
		}
		e.expand(wk, c)
		wk.at = e.batchFirst + uint64(c.hi)
	})
	e.explored.Add(uint64(n))

	// Grow, before inserting, the tables the batch's candidates could
	// fill past their load limit: the workers share out those tables as
	// they go (growing one takes a time that depends on its size and on
	// the page faults of its new memory), so that no worker waits at the
	// end of the insert phase for another that grew its tables there.
	e.growing = e.growing[:0]
	for p := range nParts {
		more := uint64(0)
		for _, wk := range e.workers {
			more += uint64(wk.perPart[p])
			wk.perPart[p] = 0
		}
		if e.vis.tooSmall(&e.vis.parts[p], more) {
			e.growing = append(e.growing, growth{p, e.vis.parts[p].n + more})
		}
	}
	if len(e.growing) > 0 {
		e.runs(len(e.growing), func(_ *worker, i int) {
			g := e.growing[i]
			e.vis.grow(&e.vis.parts[g.part], g.keys)
		})
	}

	// Phase 2: insert, each worker into the partitions it owns, in
	// (parent, action) order so that a new state keeps its first origin.
	var newStates atomic.Uint64
	e.pool.parallel(func(o int) {
		wk := e.workers[o]
		stride := e.stride
		fp := e.opt.Fingerprint
		var key [1]uint64
		var added, touched uint64
		for _, c := range chunks {
			cs := c.cands[o]
			nOwn := len(cs) / stride
			isNew := c.isNew[o]
			if cap(isNew) < nOwn {
				isNew = padded[bool](2 * nOwn)[:nOwn]
			}
			isNew = isNew[:nOwn]
			clear(isNew)
			c.isNew[o] = isNew
			for j := range nOwn {
				if j%touchAhead == 0 {
					// Load the first slot of the next candidates' probes
					// before probing: the loads are independent, so their
					// cache misses overlap instead of coming one by one.
					touched += e.vis.touch(cs[j*stride:min(j+touchAhead, nOwn)*stride], stride, W)
				}
				cd := cs[j*stride : (j+1)*stride]
				h := cd[W]
				k := cd[:W]
				if fp {
					key[0] = h
					k = key[:]
				}
				wk.generated++
				if !e.vis.insert(&e.vis.parts[part(h)], k, h) {
					continue
				}
				isNew[j] = true
				added++
				t := int32(uint32(cd[W+2]))
				if inv := wk.x.Violated(cd[:W], t); inv >= 0 {
					wk.viols = append(wk.viols, viol{kind: Invariant, seq: cd[W+1], action: int32(cd[W+2] >> 32), t: t, inv: inv})
				}
			}
		}
		newStates.Add(added)
		e.sink.Add(touched & 1)
	})
	e.distinct.Add(newStates.Load())

	var best *viol
	for _, wk := range e.workers {
		for i := range wk.viols {
			if best == nil || wk.viols[i].less(best) {
				best = &wk.viols[i]
			}
		}
	}
	if best != nil {
		return best, nil
	}

	if e.lastLevel {
		return nil, nil
	}
	// Phase 3: the records of the new states, in order, each chunk's
	// mostly by the worker that expanded it, whose cache holds its
	// candidates.
	e.runs(nChunks, func(_ *worker, i int) { e.compact(chunks[i]) })
	for _, c := range chunks {
		if err := e.rec.write(c.out); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// runs calls f(worker, i) for each chunk i below n, on the workers: each
// takes a run of consecutive chunks, then helps the others with theirs.
func (e *engine) runs(n int, f func(wk *worker, i int)) {
	nw := len(e.workers)
	for w, wk := range e.workers {
		wk.next.Store(int64(w * n / nw))
		wk.end = int64((w + 1) * n / nw)
	}
	e.pool.parallel(func(w int) {
		wk := e.workers[w]
		for k := range nw {
			from := e.workers[(w+k)%nw]
			for {
				i := from.next.Add(1) - 1
				if i >= from.end {
					break
				}
				f(wk, int(i))
			}
		}
	})
}

// expand fires every action in every state of a chunk.
func (e *engine) expand(wk *worker, c *chunk) {
	W := e.words
	out := &wk.outs
	for i := c.lo; i < c.hi; i++ {
		src := e.batch[i*W : (i+1)*W]
		seq := e.batchFirst + uint64(i)
		via := e.batchVia[i]
		if e.opt.AllSteps {
			via = Step{Action: -1, Transition: -1}
		}
		wk.bx.Expand(src, via, out)
		for wi, set := range out.Set {
			if set == 0 {
				continue
			}
			out.Set[wi] = 0
			for set != 0 {
				a := int32(wi<<6 | bits.TrailingZeros64(set))
				set &= set - 1
				o := &out.Out[a]
				switch o.Kind {
				case Rejected:
				case Fired:
					wk.covered[o.Transition] = true
					wk.fired++
					dst := out.Dst[int(a)*W : int(a+1)*W]
					var h uint64
					if W == 1 {
						if dst[0] == src[0] {
							continue // a step that changes nothing
						}
						h = hash1(dst[0])
					} else {
						if equal(dst, src) {
							continue
						}
						h = hashWords(dst)
					}
					if wk.recent.seen(dst, h) {
						wk.generated++
						continue
					}
					p := part(h)
					wk.perPart[p]++
					ow := e.owner[p]
					cs := c.cands[ow]
					if W == 1 {
						cs = append(cs, dst[0], h, seq, uint64(uint32(a))<<32|uint64(uint32(o.Transition)))
					} else {
						cs = append(cs, dst...)
						cs = append(cs, h, seq, uint64(uint32(a))<<32|uint64(uint32(o.Transition)))
					}
					c.cands[ow] = cs
					c.order = append(c.order, ow)
				case OutOfBounds:
					wk.covered[o.Transition] = true
					wk.fired++
					wk.oob++
					if o.Invariant >= 0 {
						wk.viols = append(wk.viols, viol{kind: Invariant, seq: seq, action: a, t: o.Transition, inv: int(o.Invariant), oob: true})
					}
				case BoundError:
					wk.covered[o.Transition] = true
					wk.boundErrs++
				case Nondeterministic:
					wk.covered[o.Transition] = true
					wk.covered[o.Other] = true
					wk.viols = append(wk.viols, viol{kind: Nondeterminism, seq: seq, action: a, t: o.Transition, t2: o.Other})
				case Unreachable:
					wk.covered[o.Transition] = true
					wk.viols = append(wk.viols, viol{kind: UnreachableFires, seq: seq, action: a, t: o.Transition})
				default:
					panic(fmt.Sprintf("explore: the model gave an unknown outcome %d", o.Kind))
				}
			}
		}
	}
}

// padded returns a slice of n zero values with 128 bytes on either side that
// nothing else uses, so that no other allocation shares its cache lines.
func padded[T any](n int) []T {
	var z T
	pad := (128 + int(unsafe.Sizeof(z)) - 1) / int(unsafe.Sizeof(z))
	return make([]T, n+2*pad)[pad : pad+n : pad+n]
}

// oneByOne is the BatchExpander of an Expander that is not one: Expand
// calls Load, then Fire for each action Load returns.
type oneByOne struct {
	Expander
	words int
}

func (x oneByOne) Expand(s []uint64, via Step, out *Outcomes) {
	W := x.words
	for _, a := range x.Load(s, via) {
		o := x.Fire(a, out.Dst[int(a)*W:int(a+1)*W])
		if o.Kind != Rejected {
			out.Set[a>>6] |= 1 << (a & 63)
			out.Out[a] = o
		}
	}
}

// compact encodes the records of a chunk's new states.
func (e *engine) compact(c *chunk) {
	W, stride, size := e.words, e.stride, e.rec.size
	nw := uint64(len(e.workers))
	nNew := 0
	for _, isNew := range c.isNew {
		for _, b := range isNew {
			if b {
				nNew++
			}
		}
	}
	if cap(c.out) < nNew*size {
		c.out = make([]byte, nNew*size)
	}
	c.out = c.out[:nNew*size]
	var cursor [64]int // per owner: the next of its candidates
	var cur []int
	if len(e.workers) <= len(cursor) {
		cur = cursor[:nw]
	} else {
		cur = make([]int, nw)
	}
	j := 0
	for _, o := range c.order {
		k := cur[o]
		cur[o]++
		if !c.isNew[o][k] {
			continue
		}
		cd := c.cands[o][k*stride : (k+1)*stride]
		e.rec.put(c.out[j*size:(j+1)*size], cd[:W], cd[W+1], int32(cd[W+2]>>32), int32(uint32(cd[W+2])))
		j++
	}
	c.nNew = nNew
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
				if ms.Sys-ms.HeapReleased+uint64(e.vis.bytes.Load()) > e.opt.MaxMemory {
					e.limited.Store(true)
				}
			}
			if e.opt.Progress == nil {
				continue
			}
			d, x := e.distinct.Load(), e.explored.Load()
			rate := float64(d-last) / now.Sub(lastT).Seconds()
			last, lastT = d, now
			fmt.Fprintf(e.opt.Progress, "progress: %s: depth %d, %d distinct states, %d queued, %d explored, %.0f states/s\n",
				time.Since(start).Round(time.Second), e.depth.Load(), d, d-min(x, d), x, rate)
		}
	}
}
