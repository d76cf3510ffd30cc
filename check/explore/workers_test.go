package explore

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

// mixer is a model with wide levels where most successors were reached
// before, from many parents: state s (below n) has, for action k, the
// successor (s*mul[k] + add[k]) mod n, out of bounds from limit on. Its
// expander leaves out action 2 in a state first reached by an odd action,
// so that the steps it takes depend on each state's first origin.
type mixer struct{ n, limit uint64 }

var mixMul = [5]uint64{3, 7, 11, 13, 2}
var mixAdd = [5]uint64{1, 5, 2, 9, 17}

func (g *mixer) Words() int       { return 1 }
func (g *mixer) Actions() int     { return len(mixMul) }
func (g *mixer) Transitions() int { return len(mixMul) }
func (g *mixer) Initial(dst []uint64) (bool, error) {
	dst[0] = 1
	return true, nil
}
func (g *mixer) NewExpander() Expander { return &mixerX{g: g} }

type mixerX struct {
	g    *mixer
	s    uint64
	acts []int32
}

func (x *mixerX) Load(s []uint64, via Step) []int32 {
	x.s = s[0]
	x.acts = x.acts[:0]
	for a := range int32(len(mixMul)) {
		if a == 2 && via.Action%2 == 1 {
			continue
		}
		x.acts = append(x.acts, a)
	}
	return x.acts
}

func (x *mixerX) Fire(a int32, dst []uint64) Outcome {
	v := (x.s*mixMul[a] + mixAdd[a]) % x.g.n
	if v >= x.g.limit {
		return Outcome{Kind: OutOfBounds, Transition: a, Invariant: -1}
	}
	dst[0] = v
	return Outcome{Kind: Fired, Transition: a}
}

func (x *mixerX) Violated([]uint64, int32) int { return -1 }

// The result of a search, its counts of steps included, does not depend
// on the number of workers. Found when the workers took runs of chunks
// and helped each other at the end: a worker that went back in frontier
// order kept its recent-successor filter, which then dropped a successor
// whose copy came later in (parent, action) order, so a state could keep
// a later origin, and the steps left out with it changed.
func TestResultsIndependentOfWorkers(t *testing.T) {
	g := &mixer{n: 400_000, limit: 380_000}
	var want *Result
	for _, workers := range []int{1, 2, 3, 4} {
		for rep := 0; rep < 2; rep++ {
			res, err := Explore(context.Background(), g, Options{Workers: workers, TempDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			res.PeakBytes = 0
			if want == nil {
				want = res
				if !res.Complete || res.Distinct < 300_000 || res.OutOfBounds == 0 {
					t.Fatalf("the model is not what the test needs: %+v", res)
				}
				continue
			}
			if !reflect.DeepEqual(res, want) {
				t.Errorf("%d workers: %s, one worker: %s", workers, counts(res), counts(want))
			}
		}
	}
}

func counts(r *Result) string {
	return fmt.Sprintf("%d states, depth %d, %d fired, %d out of bounds, %d generated", r.Distinct, r.Depth, r.Fired, r.OutOfBounds, r.Generated)
}

// A table grown for n keys (grow(p, n), as the engine does before an
// insert phase for every table tooSmall names) holds them without growing
// again, whatever n and the table's size, in exact and fingerprint mode,
// and keeps every key it held.
func TestGrowHoldsWhatTooSmallAsked(t *testing.T) {
	for _, kw := range []int{1, 2} {
		for _, more := range []uint64{1, 7, 1000, 5000, 100_000} {
			v := newVisited(kw, false)
			p := &v.parts[0]
			key := make([]uint64, kw)
			next := uint64(1)
			add := func(n uint64) {
				for range n {
					key[0] = next
					next++
					h := hashWords(key)
					if !v.insert(p, key, h) {
						t.Fatalf("key %d not new", key[0])
					}
				}
			}
			add(900) // near the first table's limit
			if v.tooSmall(p, more) {
				v.grow(p, p.n+more)
			}
			if v.tooSmall(p, more) {
				t.Fatalf("kw %d, %d more: still too small after growing", kw, more)
			}
			slots := p.slots
			add(more)
			if p.slots != slots {
				t.Errorf("kw %d, %d more: the table grew while inserting (%d slots, then %d)", kw, more, slots, p.slots)
			}
			for k := uint64(1); k < next; k++ {
				key[0] = k
				if v.insert(p, key, hashWords(key)) {
					t.Fatalf("kw %d, %d more: key %d lost", kw, more, k)
				}
			}
			v.free()
		}
	}
}
