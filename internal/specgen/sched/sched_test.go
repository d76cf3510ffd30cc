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
// decoding refuses repeated elements and more than the capacity.
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
