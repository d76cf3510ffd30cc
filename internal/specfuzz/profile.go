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
			case inner.Kind == SetK || inner.Kind == MapK:
				if d, ok := b.collDomain(p, in, prm); ok {
					p.Domains = append(p.Domains, d)
				}
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

// collDomain draws the domain of a collection parameter: a few literals,
// always when the default domain (every collection of at most N elements,
// see model.Profile.ParamDomain) would be large or hold uint values far
// from small, else sometimes; ok is false to keep the default.
func (b *builder) collDomain(p *Profile, in *Input, prm *Param) (Domain, bool) {
	t := prm.Type
	var size func(u *Type) int
	size = func(u *Type) int {
		switch u.Kind {
		case Bool:
			return 2
		case EnumK:
			return len(u.Enum.Values)
		case ID:
			for _, d := range p.Domains {
				if d.ID == u.ID {
					return len(d.Values)
				}
			}
		case Option:
			if u.Elem.Kind == Uint {
				return 100 // the uint domain may hold huge values: list them
			}
			return 1 + size(u.Elem)
		}
		return 100 // uint
	}
	keys, vals := size(collKey(t)), 1
	if t.Kind == MapK {
		vals = size(t.Elem)
	}
	n, c := 1, 1
	for k := 1; k <= int(t.Cap) && k <= keys; k++ {
		c = c * (keys - k + 1) / k
		term := c
		for range k {
			term *= vals
		}
		n += term
	}
	if n <= 64 && !b.chance(30, "collection domain") {
		return Domain{}, false
	}
	d := Domain{Input: in, Param: prm, Colls: []Expr{&CollLit{}}}
	for i, m := 0, b.intn(0, 2, "collection domain n"); i < m; i++ {
		x := &CollLit{Elems: []Expr{b.domainLit(collKey(t))}}
		if t.Kind == MapK {
			x.Vals = []Expr{b.domainLit(t.Elem)}
		}
		d.Colls = append(d.Colls, x)
	}
	return d, true
}

// domainLit draws a value of a scalar type as a collection literal in a
// profile domain writes it: ids as names, enum values qualified.
func (b *builder) domainLit(t *Type) Expr {
	switch t.Kind {
	case Bool:
		return &Lit{Text: fmt.Sprint(b.chance(50, "domain bool"))}
	case Uint:
		return &Lit{Text: fmt.Sprint(b.intn(0, 3, "domain uint"))}
	case EnumK:
		return &EnumLit{E: t.Enum, V: b.intn(0, len(t.Enum.Values)-1, "domain enum")}
	case ID:
		return &Lit{Text: rapid.SampledFrom([]string{"a", "b"}).Draw(b.t, "domain id")}
	case Option:
		if b.chance(40, "domain none") {
			return &Lit{Text: "none"}
		}
		return &SomeX{X: b.domainLit(t.Elem)}
	}
	return &Lit{Text: "?"}
}
