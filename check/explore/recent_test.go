package explore

import (
	"context"
	"testing"
)

func TestRecentRemembersLastSuccessors(t *testing.T) {
	for _, words := range []int{1, 2} {
		r := newRecent(words)
		s := make([]uint64, words)
		s[words-1] = 42
		h := hashWords(s)
		if r.seen(s, h) {
			t.Fatalf("words=%d: an empty filter holds %v", words, s)
		}
		if !r.seen(s, h) {
			t.Fatalf("words=%d: the filter forgot %v", words, s)
		}
		// Another state in the same entry replaces it.
		o := make([]uint64, words)
		o[0] = 7
		if r.seen(o, h) {
			t.Fatalf("words=%d: %v taken for %v", words, o, s)
		}
		if r.seen(s, h) {
			t.Fatalf("words=%d: %v still held after its entry was taken over", words, s)
		}
		// The all-zero state marks an empty entry and is never held.
		z := make([]uint64, words)
		hz := hashWords(z)
		for range 2 {
			if r.seen(z, hz) {
				t.Fatalf("words=%d: the filter holds the all-zero state", words)
			}
		}
	}
}

// TestRecentKeepsFirstOrigins checks, on a model where most states are
// reached from several parents and by several actions, that the search
// (whose workers drop the successors they recognize) stores a state with
// the parent and action a plain breadth-first search in (parent, action)
// order gives it: the violation's path is the reference search's.
func TestRecentKeepsFirstOrigins(t *testing.T) {
	for _, words := range []int{1, 2} {
		for _, workers := range []int{1, 2, 3} {
			// Every state off the axes has two parents; refusing some
			// moves makes the first origins irregular. (The bad states lie
			// well within the bounds: the reference search has no
			// out-of-bounds successors.)
			g := &grid{n: 50, bad: 40, words: words}
			g.special = func(x, y uint64, a int32) (Outcome, bool) {
				if a == 0 && (x+2*y)%5 == 4 || a == 1 && (3*x+y)%7 == 6 {
					return Outcome{Kind: Rejected}, true
				}
				return Outcome{}, false
			}
			res, err := Explore(context.Background(), g, Options{Workers: workers, TempDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			want, distinct := referencePath(g)
			if res.Violation == nil {
				t.Fatalf("words=%d workers=%d: no violation", words, workers)
			}
			got := res.Violation.Path
			if len(got) != len(want) {
				t.Fatalf("words=%d workers=%d: path %v, want %v", words, workers, got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("words=%d workers=%d: path %v, want %v", words, workers, got, want)
				}
			}
			if res.Distinct > distinct {
				t.Fatalf("words=%d workers=%d: %d distinct states, the reference search stores %d before the violation", words, workers, res.Distinct, distinct)
			}
		}
	}
}

// referencePath is a plain breadth-first search of g, one state at a time
// with a map: the path to the first violating state in (parent, action)
// order, and how many states it stored up to the end of that state's
// level.
func referencePath(g *grid) ([]Step, uint64) {
	type origin struct {
		parent []uint64
		step   Step
	}
	key := func(s []uint64) [2]uint64 {
		var k [2]uint64
		copy(k[:], s)
		return k
	}
	init := make([]uint64, g.words)
	seen := map[[2]uint64]origin{key(init): {}}
	level := [][]uint64{init}
	x := g.NewExpander()
	for len(level) > 0 {
		var next [][]uint64
		var bad []uint64
		for _, s := range level {
			for _, a := range x.Load(s, Step{Action: -1, Transition: -1}) {
				dst := make([]uint64, g.words)
				o := x.Fire(a, dst)
				if o.Kind != Fired || equal(dst, s) {
					continue
				}
				if _, ok := seen[key(dst)]; ok {
					continue
				}
				seen[key(dst)] = origin{parent: s, step: Step{Action: a, Transition: o.Transition}}
				next = append(next, dst)
				if bad == nil && x.Violated(dst, o.Transition) >= 0 {
					bad = dst
				}
			}
		}
		if bad != nil {
			var path []Step
			for s := bad; !isZero(s); s = seen[key(s)].parent {
				path = append([]Step{seen[key(s)].step}, path...)
			}
			return path, uint64(len(seen))
		}
		level = next
	}
	return nil, uint64(len(seen))
}
