package specfuzz

import (
	"fmt"

	"pgregory.net/rapid"
)

// ctx is what an expression may read: fields (nil: none) and parameters.
type ctx struct {
	fields []*Field
	params []*Param
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
	return out
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
