package explore

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// grid is a toy model: a state is (x, y) with x, y < n, packed as x<<32|y
// (or into two words); action 0 increments x, action 1 increments y, action
// 2 resets both when x == y (a step back). A successor with x or y == n is
// out of bounds. Invariant 0 fails when x+y == bad.
type grid struct {
	n, bad uint64
	words  int
	// special, when set, may replace the outcome of action a in (x, y).
	special func(x, y uint64, a int32) (Outcome, bool)
}

func (g *grid) Words() int       { return g.words }
func (g *grid) Actions() int     { return 3 }
func (g *grid) Transitions() int { return 3 }
func (g *grid) Initial(dst []uint64) (bool, error) {
	clear(dst)
	return true, nil
}
func (g *grid) NewExpander() Expander { return &gridX{g: g} }

var allActions = [3]int32{0, 1, 2}

type gridX struct {
	g    *grid
	x, y uint64
}

func (x *gridX) unpack(s []uint64) (uint64, uint64) {
	if len(s) == 2 {
		return s[0], s[1]
	}
	return s[0] >> 32, s[0] & 0xffffffff
}

func (x *gridX) pack(a, b uint64, dst []uint64) {
	if len(dst) == 2 {
		dst[0], dst[1] = a, b
		return
	}
	dst[0] = a<<32 | b
}

func (x *gridX) Load(s []uint64, _ Step) []int32 {
	x.x, x.y = x.unpack(s)
	return allActions[:]
}

func (x *gridX) Fire(a int32, dst []uint64) Outcome {
	if x.g.special != nil {
		if o, ok := x.g.special(x.x, x.y, a); ok {
			return o
		}
	}
	nx, ny := x.x, x.y
	switch a {
	case 0:
		nx++
	case 1:
		ny++
	case 2:
		if nx != ny {
			return Outcome{Kind: Rejected}
		}
		nx, ny = 0, 0
	}
	if nx >= x.g.n || ny >= x.g.n {
		inv := int32(-1)
		if nx+ny == x.g.bad {
			inv = 0
		}
		return Outcome{Kind: OutOfBounds, Transition: a, Invariant: inv}
	}
	x.pack(nx, ny, dst)
	return Outcome{Kind: Fired, Transition: a}
}

func (x *gridX) Violated(s []uint64, t int32) int {
	a, b := x.unpack(s)
	if a+b == x.g.bad {
		return 0
	}
	return -1
}

func TestGridCounts(t *testing.T) {
	for _, words := range []int{1, 2} {
		for _, fp := range []bool{false, true} {
			for _, workers := range []int{1, 3} {
				g := &grid{n: 300, bad: 1000, words: words} // 90000 states: the tables grow
				res, err := Explore(context.Background(), g, Options{Workers: workers, Fingerprint: fp, TempDir: t.TempDir()})
				if err != nil {
					t.Fatal(err)
				}
				if res.Distinct != g.n*g.n || !res.Complete || res.Violation != nil || res.Depth != int(2*(g.n-1)) {
					t.Errorf("words %d fp %v workers %d: distinct %d depth %d complete %v violation %v", words, fp, workers, res.Distinct, res.Depth, res.Complete, res.Violation)
				}
				if res.OutOfBounds != 2*g.n {
					t.Errorf("out of bounds %d, want %d", res.OutOfBounds, 2*g.n)
				}
			}
		}
	}
}

func TestGridViolationPath(t *testing.T) {
	for _, workers := range []int{1, 2, 3} {
		g := &grid{n: 40, bad: 7, words: 1}
		res, err := Explore(context.Background(), g, Options{Workers: workers, TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		v := res.Violation
		if v == nil || v.Kind != Invariant || len(v.Path) != 7 {
			t.Fatalf("workers %d: violation %+v", workers, v)
		}
		// The first violation in (parent, action) order: x first.
		var x, y uint64
		for _, s := range v.Path {
			if s.Action != s.Transition {
				t.Fatalf("step %+v", s)
			}
			if s.Action == 0 {
				x++
			} else {
				y++
			}
		}
		if x+y != 7 || x != 7 {
			t.Errorf("workers %d: path reaches (%d, %d)", workers, x, y)
		}
	}
}

// Each kind of violation is reported at its first place in breadth-first
// (parent, action) order, with a shortest path, whatever the workers.
func TestGridViolationKinds(t *testing.T) {
	cases := []struct {
		name    string
		special func(x, y uint64, a int32) (Outcome, bool)
		want    ViolationKind
		oob     bool
		path    int
	}{
		{"nondeterminism", func(x, y uint64, a int32) (Outcome, bool) {
			return Outcome{Kind: Nondeterministic, Transition: 1, Other: 2}, x == 2 && y == 3 && a == 1
		}, Nondeterminism, false, 5},
		{"unreachable", func(x, y uint64, a int32) (Outcome, bool) {
			return Outcome{Kind: Unreachable, Transition: 0}, x+y == 4 && a == 0
		}, UnreachableFires, false, 4},
		{"invariant out of bounds", func(x, y uint64, a int32) (Outcome, bool) {
			return Outcome{Kind: OutOfBounds, Transition: a, Invariant: 0}, x == 1 && y == 2 && a == 1
		}, Invariant, true, 3},
	}
	for _, c := range cases {
		for _, workers := range []int{1, 2, 3} {
			g := &grid{n: 40, bad: 1000, words: 1, special: c.special}
			dir := t.TempDir()
			res, err := Explore(context.Background(), g, Options{Workers: workers, TempDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			v := res.Violation
			if v == nil || v.Kind != c.want || v.OutOfBounds != c.oob || len(v.Path) != c.path {
				t.Fatalf("%s, %d workers: violation %+v", c.name, workers, v)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("%s: the record file is left in %s", c.name, dir)
			}
		}
	}
}

// A panic with Abort ends the search with its error; the record file is
// removed.
func TestAbort(t *testing.T) {
	boom := errors.New("boom")
	g := &grid{n: 40, bad: 1000, words: 1, special: func(x, y uint64, a int32) (Outcome, bool) {
		if x == 5 {
			panic(Abort{Err: boom})
		}
		return Outcome{}, false
	}}
	dir := t.TempDir()
	_, err := Explore(context.Background(), g, Options{Workers: 2, TempDir: dir})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want boom", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the record file is left in %s", dir)
	}
}

func TestMaxStates(t *testing.T) {
	g := &grid{n: 300, bad: 1000, words: 1}
	res, err := Explore(context.Background(), g, Options{Workers: 2, TempDir: t.TempDir(), MaxStates: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Limited || res.Complete || res.Distinct < 1000 || res.Distinct > 1000+3*batchStates {
		t.Errorf("limited %v complete %v distinct %d", res.Limited, res.Complete, res.Distinct)
	}
}

func TestHash1(t *testing.T) {
	for _, x := range []uint64{0, 1, 42, 1 << 63, ^uint64(0)} {
		if hash1(x) != hashWords([]uint64{x}) {
			t.Errorf("hash1(%d) != hashWords", x)
		}
	}
}

// TestWorkerPanicReachesCaller: a panic in a worker (other than Abort) is
// raised again in the goroutine that called Explore, with the worker's
// value and stack (dslgen recovers it there as an internal error, exit 3),
// instead of ending the process from the worker's goroutine.
func TestWorkerPanicReachesCaller(t *testing.T) {
	g := &grid{n: 40, bad: 1000, words: 1, special: func(x, y uint64, a int32) (Outcome, bool) {
		if x == 7 && y == 1 {
			panic("worker boom")
		}
		return Outcome{}, false
	}}
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("Explore did not panic")
		}
		msg := r.(error).Error()
		if !strings.Contains(msg, "worker boom") || !strings.Contains(msg, "explore_test.go") {
			t.Errorf("panic %q: want the worker's value and stack", msg)
		}
	}()
	Explore(context.Background(), g, Options{Workers: 3, TempDir: t.TempDir()})
}

// reversedGrid is grid with BatchExpanders that fire a state's actions in
// decreasing order.
type reversedGrid struct{ grid }

func (g *reversedGrid) NewExpander() Expander { return &reversedX{gridX{g: &g.grid}} }

type reversedX struct{ gridX }

func (x *reversedX) Expand(s []uint64, via Step, out *Outcomes) {
	acts := x.Load(s, via)
	for i := len(acts) - 1; i >= 0; i-- {
		a := acts[i]
		o := x.Fire(a, out.Dst[int(a)*len(s):int(a+1)*len(s)])
		if o.Kind != Rejected {
			out.Set[a>>6] |= 1 << (a & 63)
			out.Out[a] = o
		}
	}
}

// A BatchExpander's outcomes are taken in increasing action order, whatever
// order Expand fired them in: the result, traces included, is the one of
// the model fired one action at a time.
func TestBatchExpanderOrder(t *testing.T) {
	for _, words := range []int{1, 2} {
		for _, workers := range []int{1, 2} {
			g := grid{n: 30, bad: 9, words: words}
			want, err := Explore(context.Background(), &g, Options{Workers: workers, TempDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			got, err := Explore(context.Background(), &reversedGrid{g}, Options{Workers: workers, TempDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			want.PeakBytes, got.PeakBytes = 0, 0
			if !reflect.DeepEqual(got, want) {
				t.Errorf("words %d workers %d: batch %+v (violation %+v), one by one %+v (violation %+v)", words, workers, got, got.Violation, want, want.Violation)
			}
			if want.Violation == nil || len(want.Violation.Path) != 9 {
				t.Fatalf("violation %+v", want.Violation)
			}
		}
	}
}
