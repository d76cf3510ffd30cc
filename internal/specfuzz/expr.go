package specfuzz

import (
	"fmt"

	"pgregory.net/rapid"
)

// ctx is what an expression may read: fields (nil: none), parameters and
// the quantified variables in scope.
type ctx struct {
	fields []*Field
	params []*Param
	vars   []*QVar
}

// sources returns the field and parameter reads of type t.
func (c *ctx) sources(t *Type) []Expr {
	var out []Expr
	for _, f := range c.fields {
		if f.Type.Same(t) {
			out = append(out, &FieldRef{F: f})
		}
	}
	for _, p := range c.params {
		if p.Type.Same(t) {
			out = append(out, &ArgRef{P: p})
		}
	}
	for _, v := range c.vars {
		if v.T.Same(t) {
			out = append(out, &VarRef{V: v})
		}
	}
	return out
}

// collSrc is a collection field or parameter that an expression may read.
type collSrc struct {
	Type *Type
	ref  func() Expr // a new read of it
}

// collections returns the collection fields and parameters c may read.
func (c *ctx) collections() []collSrc {
	var out []collSrc
	for _, f := range c.fields {
		if f.Type.Kind == SetK || f.Type.Kind == MapK {
			out = append(out, collSrc{Type: f.Type, ref: func() Expr { return &FieldRef{F: f} }})
		}
	}
	for _, p := range c.params {
		if p.Type.Kind == SetK || p.Type.Kind == MapK {
			out = append(out, collSrc{Type: p.Type, ref: func() Expr { return &ArgRef{P: p} }})
		}
	}
	return out
}

// collKey is a set's element type or a map's key type.
func collKey(t *Type) *Type {
	if t.Kind == MapK {
		return t.Key
	}
	return t.Elem
}

// collExpr draws the collection productions of type t (nil: none fits).
func (b *builder) collOpts(c *ctx, t *Type, depth int, hinted bool) []func() Expr {
	var opts []func() Expr
	sub := func(u *Type, h bool) Expr { return b.expr(c, u, depth-1, h) }
	switch t.Kind {
	case Bool:
		for _, f := range c.collections() {
			f := f
			k := collKey(f.Type)
			if !b.canMake(c, k, false) {
				continue
			}
			opts = append(opts,
				func() Expr { return &Member{X: sub(k, false), C: f.ref()} },
				func() Expr {
					v := b.qvar(k)
					inner := *c
					inner.vars = append(append([]*QVar(nil), c.vars...), v)
					return &Quant{All: b.chance(50, "all"), V: v, C: f.ref(), Body: b.expr(&inner, boolT, depth-1, false)}
				})
			if f.Type.Kind == SetK {
				opts = append(opts, func() Expr { return &Call{Fn: "subset", Args: []Expr{f.ref(), sub(f.Type, true)}} })
			}
		}
	case Uint:
		for _, f := range c.collections() {
			f := f
			opts = append(opts, func() Expr { return &Call{Fn: "size", Args: []Expr{f.ref()}} })
		}
	case SetK:
		if hinted {
			opts = append(opts, func() Expr { return &CollLit{} })
			if b.canMake(c, t.Elem, false) {
				opts = append(opts, func() Expr {
					x := &CollLit{}
					// At most the capacity: more distinct enum literals
					// than that is a load error.
					for i, n := 0, b.intn(1, int(min(t.Cap, 2)), "set lit"); i < n; i++ {
						x.Elems = append(x.Elems, sub(t.Elem, false))
					}
					return x
				})
			}
		}
		opts = append(opts, func() Expr {
			op := rapid.SampledFrom([]string{"union", "intersect", "diff"}).Draw(b.t, "set op")
			return &Call{Fn: op, Args: []Expr{sub(t, false), sub(t, true)}}
		})
		if b.canMake(c, t.Elem, false) {
			opts = append(opts, func() Expr {
				op := rapid.SampledFrom([]string{"insert", "remove"}).Draw(b.t, "elem op")
				return &Call{Fn: op, Args: []Expr{sub(t, false), sub(t.Elem, false)}}
			})
		}
	case MapK:
		if hinted {
			opts = append(opts, func() Expr { return &CollLit{} })
		}
		if b.canMake(c, t.Key, false) {
			opts = append(opts, func() Expr { return &Call{Fn: "remove", Args: []Expr{sub(t, false), sub(t.Key, false)}} })
			if b.canMake(c, t.Elem, true) {
				opts = append(opts, func() Expr {
					return &Call{Fn: "put", Args: []Expr{sub(t, false), sub(t.Key, false), sub(t.Elem, true)}}
				})
				if hinted {
					opts = append(opts, func() Expr {
						return &CollLit{Elems: []Expr{sub(t.Key, false)}, Vals: []Expr{sub(t.Elem, true)}}
					})
				}
			}
		}
	}
	// get(m, k, d) for a map whose value type is t.
	for _, f := range c.collections() {
		f := f
		if f.Type.Kind == MapK && f.Type.Elem.Same(t) && b.canMake(c, f.Type.Key, false) {
			opts = append(opts, func() Expr {
				return &Call{Fn: "get", Args: []Expr{f.ref(), sub(f.Type.Key, false), sub(t, true)}}
			})
		}
	}
	return opts
}

// types returns the types worth comparing in c: bool, uint, every enum,
// and the types of the fields and parameters.
func (b *builder) types(c *ctx) []*Type {
	out := []*Type{boolT, uintT}
	for _, e := range b.s.Enums {
		out = append(out, &Type{Kind: EnumK, Enum: e})
	}
	for _, f := range c.fields {
		out = append(out, f.Type)
	}
	for _, p := range c.params {
		out = append(out, p.Type)
	}
	return out
}

// canMake reports whether an expression of type t can be written in c;
// hinted says whether the context gives a bare none its type.
func (b *builder) canMake(c *ctx, t *Type, hinted bool) bool {
	switch t.Kind {
	case ID:
		return len(c.sources(t)) > 0
	case Option:
		return hinted || len(c.sources(t)) > 0 || b.canMake(c, t.Elem, false)
	}
	return true
}

// expr draws an expression of type t. hinted says whether a bare none gets
// its type from the context (see "none" in docs/DSL.md).
func (b *builder) expr(c *ctx, t *Type, depth int, hinted bool) Expr {
	var opts []func() Expr
	src := c.sources(t)
	if len(src) > 0 {
		opts = append(opts, func() Expr { return rapid.SampledFrom(src).Draw(b.t, "source") })
	}
	switch t.Kind {
	case Bool:
		opts = append(opts, func() Expr { return &Lit{Text: fmt.Sprint(b.chance(50, "bool lit"))} })
		if depth > 0 {
			opts = append(opts,
				func() Expr { return &Not{X: b.expr(c, boolT, depth-1, false)} },
				func() Expr {
					op := rapid.SampledFrom([]string{"&&", "||"}).Draw(b.t, "logic op")
					return &Bin{Op: op, X: b.expr(c, boolT, depth-1, false), Y: b.expr(c, boolT, depth-1, false)}
				},
				func() Expr {
					op := rapid.SampledFrom([]string{"<", "<=", ">", ">="}).Draw(b.t, "cmp op")
					return &Bin{Op: op, X: b.expr(c, uintT, depth-1, false), Y: b.expr(c, uintT, depth-1, false)}
				},
				func() Expr {
					u := b.comparable(c)
					op := rapid.SampledFrom([]string{"==", "!="}).Draw(b.t, "eq op")
					return &Bin{Op: op, X: b.expr(c, u, depth-1, false), Y: b.expr(c, u, depth-1, true)}
				},
				func() Expr {
					u := b.comparable(c)
					x := &In{X: b.expr(c, u, depth-1, false)}
					for i, n := 0, b.intn(1, 3, "in list"); i < n; i++ {
						x.List = append(x.List, b.expr(c, u, depth-1, true))
					}
					return x
				})
		}
	case Uint:
		opts = append(opts, func() Expr { return &Lit{Text: fmt.Sprint(b.uintVal("uint lit"))} })
		if cs := b.s.Constants; len(cs) > 0 {
			opts = append(opts, func() Expr { return &ConstRef{C: rapid.SampledFrom(cs).Draw(b.t, "constant")} })
		}
		if depth > 0 {
			opts = append(opts, func() Expr {
				op := rapid.SampledFrom([]string{"+", "-", "*", "min", "max"}).Draw(b.t, "arith op")
				return &Bin{Op: op, X: b.expr(c, uintT, depth-1, false), Y: b.expr(c, uintT, depth-1, false)}
			})
		}
	case EnumK:
		opts = append(opts, func() Expr {
			return &EnumLit{E: t.Enum, V: b.intn(0, len(t.Enum.Values)-1, "enum lit"), Bare: b.chance(50, "bare")}
		})
	case Option:
		if hinted {
			opts = append(opts, func() Expr { return &Lit{Text: "none"} })
		}
		if b.canMake(c, t.Elem, false) {
			opts = append(opts, func() Expr { return &SomeX{X: b.expr(c, t.Elem, depth-1, false)} })
		}
	}
	if depth > 0 && t.Kind != Bool && t.Kind != Option {
		ot := &Type{Kind: Option, Elem: t}
		if b.canMake(c, ot, hinted) && (t.Kind != ID || len(src) > 0) {
			opts = append(opts, func() Expr {
				return &UnwrapOr{X: b.expr(c, ot, depth-1, hinted), D: b.expr(c, t, depth-1, false)}
			})
		}
	}
	if depth > 0 {
		opts = append(opts, func() Expr {
			return &If{C: b.expr(c, boolT, depth-1, false), A: b.expr(c, t, depth-1, hinted), B: b.expr(c, t, depth-1, true)}
		})
		opts = append(opts, b.collOpts(c, t, depth, hinted)...)
	} else if (t.Kind == SetK || t.Kind == MapK) && hinted {
		opts = append(opts, func() Expr { return &CollLit{} })
	}
	if len(opts) == 0 {
		panic(fmt.Sprintf("specfuzz: cannot make an expression of type %s", t))
	}
	return rapid.SampledFrom(opts).Draw(b.t, "production")()
}

// comparable draws a type that an unhinted expression can have in c.
func (b *builder) comparable(c *ctx) *Type {
	var ok []*Type
	for _, t := range b.types(c) {
		if b.canMake(c, t, false) {
			ok = append(ok, t)
		}
	}
	return rapid.SampledFrom(ok).Draw(b.t, "compared type")
}
