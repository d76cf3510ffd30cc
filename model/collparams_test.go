package model

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestCollectionParamDomains: the default domain of a set or map parameter
// is every collection of at most N elements of the element (key) domain,
// smaller first, then in the order of the elements' positions in their
// domain; an explicit Input.param list replaces it.
func TestCollectionParamDomains(t *testing.T) {
	m, err := Load("../internal/conformance/testdata/collparams.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := m.Profile("ci")
	for _, c := range []struct {
		input, param string
		want         string
	}{
		{"RegisterPendingOps", "barrier_operation_ids", `{} {"a"} {"b"} {"a", "b"}`},
		{"SyncVisibility", "deferred_names", `{} {Search} {Fetch} {Shell} {Search, Fetch} {Search, Shell} {Fetch, Shell}`},
		{"Count", "seen", `{} {"a": 0} {"a": 1} {"a": 2} {"b": 0} {"b": 1} {"b": 2}`},
		{"SyncVisibility", "deferred_authorities", `{} {Search: Trusted} {Search: Signed, Fetch: Trusted}`},
	} {
		in := m.Input(c.input)
		prm := in.Param(c.param)
		d, err := p.ParamDomain(in, prm)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range d {
			got = append(got, FormatValue(prm.Type, v))
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%s.%s: domain %s, want %s", c.input, c.param, g, c.want)
		}
	}
}

// TestCollectionDomainProperty: for random element and value domains and
// capacities, the default domain of a set (map) parameter has exactly
// sum_k C(n, k) (times |V|^k) distinct values, each within the capacity and
// of elements (keys, values) of the domains, smaller collections first; and
// one over MaxCollectionDomain is an error naming the parameter.
func TestCollectionDomainProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	id := &IDType{Name: "Op"}
	for range 300 {
		n, capacity, nv := r.IntN(9), 1+r.IntN(5), r.IntN(4)
		var elems, vals []Value
		for i := range n {
			elems = append(elems, ID(fmt.Sprintf("o%d", i)))
		}
		for i := range nv {
			vals = append(vals, Uint(uint64(i)))
		}
		isMap := r.IntN(2) == 0
		ty := &Type{Kind: KindSet, Elem: &Type{Kind: KindID, ID: id}, Cap: uint64(capacity)}
		if isMap {
			ty = &Type{Kind: KindMap, Key: ty.Elem, Elem: uintType, Cap: ty.Cap}
		}
		in := &Input{Name: "In", Params: []*Param{{Name: "c", Type: ty}}}
		p := &Profile{Name: "p", TypeDomains: map[string][]Value{"Op": elems, "uint": vals}}
		want := 0
		for k := 0; k <= min(n, capacity); k++ {
			c := binomial(n, k, 1<<30)
			if isMap {
				for range k {
					c *= nv
				}
			}
			want += c
		}
		d, err := p.ParamDomain(in, in.Params[0])
		if want > MaxCollectionDomain {
			if err == nil || !strings.Contains(err.Error(), "In.c") {
				t.Fatalf("%s over %d elements: %d values, error %v; want an error naming In.c", ty, n, want, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(d) != want {
			t.Fatalf("%s over %d elements, %d values: %d collections, want %d", ty, n, nv, len(d), want)
		}
		seen := map[Value]bool{}
		last := uint64(0)
		for _, v := range d {
			if seen[v] {
				t.Fatalf("%s: %v twice", ty, v)
			}
			seen[v] = true
			if v.N > ty.Cap || v.N < last {
				t.Fatalf("%s: size %d after %d", ty, v.N, last)
			}
			last = v.N
			es := v.Elems()
			for i, e := range es {
				dom := elems
				if isMap && i%2 == 1 {
					dom = vals
				}
				if !slices.Contains(dom, e) {
					t.Fatalf("%s: %v is in no domain", ty, e)
				}
			}
		}
	}
}

// TestCollectionDomainLiterals: listed values of a collection parameter are
// literals of its type: ids as names (inside some() too), enum values bare
// or qualified, none, numbers and constants; a map's later entry of a key
// wins, as in expressions.
func TestCollectionDomainLiterals(t *testing.T) {
	spec := `machine: Lits
enums:
  Phase: [A]
  Tool: [X, Y]
ids: [Op]
constants:
  Two: 2
fields:
  phase: {type: Phase, initial: A}
phase: phase
inputs:
  Own: {o: "map<Tool, option<Op>, Two>", n: "map<Op, uint, 1>", s: "set<Tool, 2>"}
transitions:
  - name: Own
    on: Own
    from: [A]
profiles:
  ci:
    domains:
      Own.o: ["{}", "{X: some(a), Tool.Y: none}", "{Y: some(b), Y: some(c)}"]
      Own.n: ["{a: Two}", "{b: 2 + 1}"]
      Own.s: ["{Y, X, Y}"]
`
	m, err := Parse("lits.yaml", []byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	in := m.Input("Own")
	var got []string
	for _, prm := range in.Params {
		d, err := m.Profile("ci").ParamDomain(in, prm)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range d {
			got = append(got, FormatValue(prm.Type, v))
		}
	}
	want := `{} {X: some("a"), Y: none} {Y: some("c")} {"a": 2} {"b": 3} {X, Y}`
	if g := strings.Join(got, " "); g != want {
		t.Errorf("domains %s, want %s", g, want)
	}
}
