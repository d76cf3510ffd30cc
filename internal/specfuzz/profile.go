package specfuzz

import (
	"fmt"

	"pgregory.net/rapid"
)

// profile draws a model-checking profile: every uint field bounded a few
// steps above its initial value (so values near 2^64 are explored too),
// domains for every id type, small overrides for long enums, and sometimes
// an excluded input.
func (b *builder) profile(name string) *Profile {
	s := b.s
	p := &Profile{Name: name}
	if b.chance(20, "profile doc") {
		p.Doc = b.doc("profile doc")
	}
	for _, f := range s.Fields {
		inner := f.Type
		if inner.Kind == Option {
			inner = inner.Elem
		}
		if inner.Kind != Uint {
			continue
		}
		init := constUint(f.Initial)
		bound := init + uint64(b.intn(0, 3, "bound slack"))
		if bound < init || f.Max != nil && bound > *f.Max {
			bound = init
			if f.Max != nil && *f.Max > init {
				bound = *f.Max
			}
		}
		p.Bounds = append(p.Bounds, Bound{Field: f, Max: bound})
	}
	if b.chance(50, "uint domain") {
		d := Domain{}
		for i, n := 0, b.intn(1, 3, "uint domain n"); i < n; i++ {
			d.Values = append(d.Values, fmt.Sprint(b.uintVal("uint domain")))
		}
		p.Domains = append(p.Domains, d)
	}
	for _, id := range s.IDs {
		d := Domain{ID: id, Values: []string{"a"}}
		if b.chance(40, "two ids") {
			d.Values = append(d.Values, rapid.SampledFrom([]string{"b", ""}).Draw(b.t, "id value"))
		}
		p.Domains = append(p.Domains, d)
	}
	for _, in := range s.Inputs {
		for _, prm := range in.Params {
			inner := prm.Type
			if inner.Kind == Option {
				inner = inner.Elem
			}
			switch {
			case inner.Kind == EnumK && len(inner.Enum.Values) > 6:
				p.Domains = append(p.Domains, Domain{Input: in, Param: prm, Values: inner.Enum.Values[:2]})
			case inner.Kind == Uint && b.chance(15, "param domain"):
				p.Domains = append(p.Domains, Domain{Input: in, Param: prm, Values: []string{fmt.Sprint(b.uintVal("param domain"))}})
			}
		}
	}
	if len(s.Inputs) > 1 && b.chance(10, "exclude") {
		p.Exclude = []*Input{rapid.SampledFrom(s.Inputs).Draw(b.t, "excluded")}
	}
	return p
}

// constUint evaluates an initial value drawn by initial (none is 0).
func constUint(x Expr) uint64 {
	switch x := x.(type) {
	case *Lit:
		var n uint64
		fmt.Sscan(x.Text, &n)
		return n
	case *Bin:
		return constUint(x.X) + constUint(x.Y)
	case *SomeX:
		return constUint(x.X)
	case *ConstRef:
		return x.C.Value
	}
	return 0
}
