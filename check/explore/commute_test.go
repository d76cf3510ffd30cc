package explore

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

// commuteGrid is the grid whose expander, when leave is set, leaves out
// action 0 (x++) in a state first reached by action 1 (y++). The two
// commute: each reads and writes its own coordinate, the bounds are per
// coordinate, and the invariant x+y != bad, with bad below n, cannot fail
// out of bounds (where x+y >= n). So the search must find the same states,
// depth, coverage and violation paths, in fewer steps. The expander also
// checks that via is the step that first reached the state.
type commuteGrid struct {
	grid
	leave bool
	noVia bool // the engine passes no origin (AllSteps)
}

func (g *commuteGrid) NewExpander() Expander {
	return &commuteX{gridX: gridX{g: &g.grid}, leave: g.leave, noVia: g.noVia}
}

type commuteX struct {
	gridX
	leave, noVia bool
}

var yz = [2]int32{1, 2}

func (x *commuteX) Load(s []uint64, via Step) []int32 {
	x.gridX.Load(s, via)
	// The initial state has no origin; any other was reached by an
	// increment (a reset leads back to the initial state), whose action is
	// its transition and which left its coordinate above 0.
	switch {
	case x.noVia:
		if via.Action != -1 {
			panic(fmt.Sprintf("AllSteps, but (%d, %d) reached by %+v", x.x, x.y, via))
		}
	case x.x == 0 && x.y == 0:
		if via.Action != -1 {
			panic(fmt.Sprintf("the initial state reached by %+v", via))
		}
	case via.Action != via.Transition || via.Action < 0 || via.Action > 1:
		panic(fmt.Sprintf("(%d, %d) reached by %+v", x.x, x.y, via))
	case via.Action == 0 && x.x == 0, via.Action == 1 && x.y == 0:
		panic(fmt.Sprintf("(%d, %d) reached by %+v", x.x, x.y, via))
	}
	if x.leave && via.Action == 1 {
		return yz[:]
	}
	return allActions[:]
}

func TestCommutingStepsLeftOut(t *testing.T) {
	for _, words := range []int{1, 2} {
		for _, bad := range []uint64{1000, 17} {
			for _, workers := range []int{1, 2, 3} {
				run := func(leave, all bool) *Result {
					g := &commuteGrid{grid: grid{n: 30, bad: bad, words: words}, leave: leave, noVia: all}
					res, err := Explore(context.Background(), g, Options{Workers: workers, AllSteps: all, TempDir: t.TempDir()})
					if err != nil {
						t.Fatal(err)
					}
					return res
				}
				name := fmt.Sprintf("words %d, bad %d, %d workers", words, bad, workers)
				every, left, forced := run(false, false), run(true, false), run(true, true)
				if left.Distinct != every.Distinct || left.Depth != every.Depth || left.Complete != every.Complete ||
					!reflect.DeepEqual(left.Covered, every.Covered) || !reflect.DeepEqual(left.Violation, every.Violation) {
					t.Errorf("%s: leaving out commuting steps changes the result:\n%+v\n%+v", name, left, every)
				}
				if every.Violation != nil && len(every.Violation.Path) != int(bad) {
					t.Errorf("%s: violation %+v", name, every.Violation)
				}
				if left.Fired >= every.Fired {
					t.Errorf("%s: %d steps with commuting ones left out, %d without", name, left.Fired, every.Fired)
				}
				// AllSteps passes no origin: every step is taken.
				if forced.Fired != every.Fired || forced.Distinct != every.Distinct {
					t.Errorf("%s: with AllSteps %d steps, %d states; want %d, %d", name, forced.Fired, forced.Distinct, every.Fired, every.Distinct)
				}
			}
		}
	}
}

// With bad above n the invariant can fail out of bounds, where it reads
// both coordinates: action 0's outcome then depends on y, the two do not
// commute, and leaving action 0 out loses the first violation. The
// comparison above would catch such a wrong claim.
func TestNonCommutingStepsLeftOut(t *testing.T) {
	run := func(leave bool) *Result {
		g := &commuteGrid{grid: grid{n: 30, bad: 37, words: 1}, leave: leave}
		res, err := Explore(context.Background(), g, Options{Workers: 2, TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	every, left := run(false), run(true)
	if every.Violation == nil || !every.Violation.OutOfBounds {
		t.Fatalf("violation %+v, want one out of bounds", every.Violation)
	}
	if reflect.DeepEqual(left.Violation, every.Violation) {
		t.Errorf("leaving out a step that does not commute kept the violation %+v", every.Violation)
	}
}
