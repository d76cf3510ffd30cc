package check

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/model"
)

// TestCollectionsAgree: on a spec with sets and maps, the compiled closures
// (bit sets and mixed-radix map codes) and the reference interpreter
// explore the same states and fire the same transitions.
func TestCollectionsAgree(t *testing.T) {
	m := load(t, "../internal/conformance/testdata/scheduler.yaml")
	a := run(t, m, "ci", Options{Workers: 1})
	b := run(t, m, "ci", Options{Workers: 2, Interp: true})
	if a.Violation != nil {
		t.Fatalf("%s: %s", a.Summary(), a.Violation.Message())
	}
	if a.Distinct != b.Distinct || a.Fired != b.Fired || a.Depth != b.Depth || a.OutOfBounds != b.OutOfBounds || !reflect.DeepEqual(a.Covered, b.Covered) {
		t.Errorf("runs disagree:\n%s\n%s", a.Summary(), b.Summary())
	}
	if c, n := a.Coverage(); c != n {
		t.Errorf("coverage %d/%d", c, n)
	}
	t.Log(a.Summary())
}

// TestDescribeCollections: the codes that a program computes from
// DescribeLayout's description of sets and maps (element and key domains,
// radix, weights) are the closures' codes, for every reachable state of
// specs with every collection shape; and a map's value bound is described
// per digit, the saturated value above it.
func TestDescribeCollections(t *testing.T) {
	for _, path := range []string{"../internal/conformance/testdata/scheduler.yaml", "shipped/testdata/collections.yaml"} {
		m := load(t, path)
		p := m.Profile("ci")
		desc, err := DescribeLayout(m, p)
		if err != nil {
			t.Fatal(err)
		}
		ivs, err := m.InputValues(p)
		if err != nil {
			t.Fatal(err)
		}
		lay, err := newLayout(m, p, ivs)
		if err != nil {
			t.Fatal(err)
		}
		// scalar is a code from the description: an id's index in IDs,
		// none 0 and some 1 + the inner code, any other value its number.
		var scalar func(ty *model.Type, v model.Value) uint64
		scalar = func(ty *model.Type, v model.Value) uint64 {
			switch ty.Kind {
			case model.KindID:
				return uint64(slices.Index(desc.IDs[ty.ID.Name], v.S))
			case model.KindOption:
				if !v.Some {
					return 0
				}
				return 1 + scalar(ty.Elem, v.Unwrap())
			}
			return v.N // bool, uint, enum
		}
		n, colls := 0, 0
		_, err = VisitStates(m, p, 1, func(s model.State) {
			n++
			for i, f := range m.Fields {
				cl := desc.Collections[i]
				if (cl != nil) != f.Type.IsCollection() {
					t.Fatalf("%s: field %s: collection layout %v", path, f.Name, cl)
				}
				if cl == nil {
					continue
				}
				colls++
				var got uint64
				es := s[i].Elems()
				if !cl.Map {
					for _, e := range es {
						got |= 1 << scalar(f.Type.Elem, e)
					}
				} else {
					for j := 0; j+1 < len(es); j += 2 {
						got += (1 + min(scalar(f.Type.Elem, es[j+1]), cl.Radix-2)) * cl.Weights[scalar(f.Type.Key, es[j])]
					}
				}
				if want := lay.code(f.Type, s[i]); got != want {
					t.Fatalf("%s: field %s = %v: described code %d, closures' code %d", path, f.Name, s[i], got, want)
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if n < 100 || colls == 0 {
			t.Fatalf("%s: %d states, %d collection values: the test explores too little", path, n, colls)
		}
	}
	m := load(t, "../internal/conformance/testdata/scheduler.yaml")
	desc, err := DescribeLayout(m, m.Profile("ci"))
	if err != nil {
		t.Fatal(err)
	}
	tries := m.Field("tries").Index
	cl := desc.Collections[tries]
	// tries: map<Job, uint, 2> bounded by 2: digits 0 (absent), 1..3 (the
	// values 0..2), 4 (a value above 2); two keys x, y.
	if !cl.Map || cl.Radix != 5 || !slices.Equal(cl.Weights, []uint64{1, 5}) {
		t.Errorf("tries: %+v, want a map of radix 5, weights [1 5]", cl)
	}
	if !slices.Contains(desc.Bounds, CodeBound{Field: tries, Max: 3, Digits: true}) {
		t.Errorf("bounds %+v lack the digit bound 3 on tries", desc.Bounds)
	}
}

// TestCollectionParamHugeMapValue: a map parameter whose domain holds a
// uint value no map code can hold (near 2^64) is refused, not coded with a
// wrapped-around radix; a large value that fits is coded exactly.
func TestCollectionParamHugeMapValue(t *testing.T) {
	spec := `machine: Huge
enums:
  Phase: [A]
ids: [Op]
fields:
  phase: {type: Phase, initial: A}
  n: {type: uint, initial: 0}
phase: phase
inputs:
  Put: {m: "map<Op, uint, 1>"}
transitions:
  - name: Put
    on: Put
    from: [A]
    guards:
      - big: "any o in arg.m: get(arg.m, o, 0) > 5"
    do:
      - n := size(arg.m)
profiles:
  ci:
    domains:
      Op: [a]
      Put.m: ["{}", "{a: VALUE}"]
`
	for _, c := range []struct {
		value string
		ok    bool
	}{{"18446744073709551615", false}, {"18446744073709551614", false}, {"1000000", true}} {
		text := strings.Replace(spec, "VALUE", c.value, 1)
		m := loadText(t, "huge.yaml", text)
		res, err := Run(m, m.Profile("ci"), Options{Workers: 1})
		if !c.ok {
			if err == nil {
				t.Errorf("value %s: the checker codes it: %s", c.value, res.Summary())
			}
			continue
		}
		if err != nil {
			t.Fatalf("value %s: %v", c.value, err)
		}
		if res.Distinct != 2 || res.Violation != nil {
			t.Errorf("value %s: %s, want 2 states (the guard holds for the large value)", c.value, res.Summary())
		}
	}
}
