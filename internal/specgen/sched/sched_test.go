package sched

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestCollectionsAllocateNothing: a step that inserts, removes, puts and
// quantifies over sets and maps allocates nothing, and the state stays a
// comparable value.
func TestCollectionsAllocateNothing(t *testing.T) {
	s := Initial()
	for _, in := range []Input{Join{W: "a"}, Join{W: "b"}} {
		n, _, err := Step(s, in)
		if err != nil {
			t.Fatal(err)
		}
		s = n
	}
	inputs := []Input{Assign{J: "x", W: "a"}, Finish{J: "x", W: "a"}, Paint{C: ColorBlue}, Paint{C: ColorGreen}}
	allocs := testing.AllocsPerRun(100, func() {
		cur := s
		for _, in := range inputs {
			if n, _, err := Step(cur, in); err == nil {
				cur = n
			}
		}
		if cur != s && cur.Idle != s.Idle {
			t.Fatal("Finish did not give the worker back")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations a run, want 0", allocs)
	}
}

// TestCollectionJSON: sets marshal as sorted arrays and maps as objects;
// decoding refuses repeated elements, repeated keys and more than the
// capacity.
func TestCollectionJSON(t *testing.T) {
	s := Initial()
	for _, in := range []Input{Join{W: "b"}, Join{W: "a"}, Assign{J: "y", W: "b"}} {
		n, _, err := Step(s, in)
		if err != nil {
			t.Fatal(err)
		}
		s = n
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"phase":"Running","idle":["a"],"colors":["Red"],"leases":{"y":"b"},"tries":{"y":1}}`
	if string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
	var back State
	if err := json.Unmarshal(b, &back); err != nil || back != s {
		t.Fatalf("round trip: %v, %+v", err, back)
	}
	for _, bad := range []string{
		`{"phase":"Running","idle":["a","a"],"colors":[],"leases":{},"tries":{}}`,
		`{"phase":"Running","idle":["a","b","c","d"],"colors":[],"leases":{},"tries":{}}`,
		`{"phase":"Running","idle":[],"colors":["Red","Green","Blue"],"leases":{},"tries":{}}`,
		`{"phase":"Running","idle":[],"colors":["Pink"],"leases":{},"tries":{}}`,
		`{"phase":"Running","idle":[],"colors":[],"leases":{"x":"a","y":"b","z":"c"},"tries":{}}`,
		// want with a repeated key (want itself decodes, above)
		`{"phase":"Running","idle":["a"],"colors":["Red"],"leases":{"y":"b","y":"b"},"tries":{"y":1}}`,
		`{"phase":"Running","idle":["a"],"colors":["Red"],"leases":{"y":"b"},"tries":{"y":1,"y":1}}`,
		`{"phase":"Running","idle":["a"],"colors":["Red"],"leases":{"y":"b"},"tries":{"y":1,"\u0079":1}}`,
		// null is not a set (nor a map), as model.ParseValueJSON says
		`{"phase":"Running","idle":null,"colors":["Red"],"leases":{"y":"b"},"tries":{"y":1}}`,
		`{"phase":"Running","idle":["a"],"colors":null,"leases":{"y":"b"},"tries":{"y":1}}`,
		`{"phase":"Running","idle":["a"],"colors":["Red"],"leases":null,"tries":{"y":1}}`,
		// null is not a value of a field, an element or a map value that is
		// not an option (encoding/json would leave the zero value), and a
		// key differing only in case is unknown (encoding/json matches it
		// regardless of case): found by a tester of the generated API.
		`{"phase":null,"idle":["a"],"colors":["Red"],"leases":{"y":"b"},"tries":{"y":1}}`,
		`{"phase":"Running","idle":[null],"colors":["Red"],"leases":{"y":"b"},"tries":{"y":1}}`,
		`{"phase":"Running","idle":["a"],"colors":["Red",null],"leases":{"y":"b"},"tries":{"y":1}}`,
		`{"phase":"Running","idle":["a"],"colors":["Red"],"leases":{"y":null},"tries":{"y":1}}`,
		`{"phase":"Running","idle":["a"],"colors":["Red"],"leases":{"y":"b"},"tries":{"y":null}}`,
		`{"phase":"Running","idle":["a"],"colors":["Red"],"leases":{"y":"b"},"tries":{"y":1},"PHASE":"Running"}`,
	} {
		if err := json.Unmarshal([]byte(bad), &back); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
	// A third lease exceeds the map's capacity: a bound error.
	n, _, err := Step(s, Join{W: "c"})
	if err != nil {
		t.Fatal(err)
	}
	n, _, err = Step(n, Assign{J: "x", W: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Step(n, Assign{J: "z", W: "c"}); !errors.Is(err, ErrBound) {
		t.Errorf("third lease: %v, want ErrBound", err)
	}
}

// TestCollectionWith: With builds the same (canonical) value as the steps,
// in any order, refuses to exceed the capacity, reads back through All, and
// allocates nothing.
func TestCollectionWith(t *testing.T) {
	var a, b WorkerSet3
	ok := true
	for _, w := range []Worker{"c", "a", "b"} {
		var o bool
		a, o = a.With(w)
		ok = ok && o
	}
	for _, w := range []Worker{"b", "c", "a", "a"} {
		var o bool
		b, o = b.With(w)
		ok = ok && o
	}
	if !ok || a != b || a.Len() != 3 {
		t.Fatalf("sets %v %v (ok %v), want equal with 3 values", a, b, ok)
	}
	if full, o := a.With("d"); o || full != a {
		t.Errorf("With past the capacity: %v, %v; want the set unchanged and false", full, o)
	}
	var m JobToUintMap2
	m, _ = m.With("y", 2)
	m, _ = m.With("x", 1)
	m, _ = m.With("y", 3)
	if _, o := m.With("z", 0); o {
		t.Error("map With past the capacity reports true")
	}
	var keys []Job
	for k, v := range m.All() {
		keys = append(keys, k)
		if w, _ := map[Job]uint64{"x": 1, "y": 3}[k]; v != w {
			t.Errorf("%s: %d, want %d", k, v, w)
		}
	}
	if len(keys) != 2 || keys[0] != "x" {
		t.Errorf("keys %v, want [x y]", keys)
	}
	var c ColorSet2
	c, _ = c.With(ColorGreen)
	if _, o := c.With(ColorBlue); !o || !c.Has(ColorGreen) {
		t.Error("enum set With")
	}
	allocs := testing.AllocsPerRun(100, func() {
		var s WorkerSet3
		s, _ = s.With("a")
		var mm JobToWorkerMap2
		mm, _ = mm.With("x", "a")
		if s.Len()+mm.Len() != 2 {
			t.Fatal("With lost a value")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations a run, want 0", allocs)
	}
}

// TestDecodeInputRefuses: DecodeInput refuses what the interpreter's
// decoding refuses and encoding/json lets through: a key or argument name
// that matches only regardless of case, an unknown envelope key, and null
// for an argument that is not an option (found by a tester of the
// generated API).
func TestDecodeInputRefuses(t *testing.T) {
	if in, err := DecodeInput([]byte(`{"input":"Paint","args":{"c":"Green"}}`)); err != nil || in != (Paint{C: ColorGreen}) {
		t.Fatalf("a good input: %v, %v", in, err)
	}
	for _, bad := range []string{
		`{"input":"Paint","args":{"c":null}}`,
		`{"input":"Paint","args":{"C":"Green"}}`,
		`{"input":"Paint","args":{"c":"Green","C":"Blue"}}`,
		`{"INPUT":"Stop"}`,
		`{"input":"Stop","zz":1}`,
		`{"input":"Join","args":{"w":null}}`,
		`{"input":"Join","args":{}}`,
		`{"input":"Join"}`,
	} {
		if in, err := DecodeInput([]byte(bad)); err == nil {
			t.Errorf("%s decoded as %#v", bad, in)
		}
	}
}
