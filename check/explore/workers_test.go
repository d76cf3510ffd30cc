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
