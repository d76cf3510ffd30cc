package gocode

import (
	"github.com/dave/jennifer/jen"

	"github.com/meerkat-go/dslmachine/model"
)

// enabledTransitions emits EnabledTransitions(State, Input),
// which evaluates the guards of every candidate of an input, not just up to
// the first that fires as Step does. The tests that `dslgen check -emit-test`
// writes into the package call it to tell which transitions are enabled.
func (g *generator) enabledTransitions() {
	f := g.f
	needOvf, usesArgs := false, false
	for _, t := range g.m.Transitions {
		for _, gd := range t.Guards {
			needOvf = needOvf || model.HasArithmetic(gd.Expr)
			usesArgs = usesArgs || readsArgs(gd.Expr)
		}
	}
	f.Comment("EnabledTransitions lists, in spec order, the transitions on in that are allowed")
	f.Comment("in s's phase and whose guards all hold (a guard that leaves a bound is false).")
	f.Comment("Step fires the first; two or more are a nondeterminism, which dslgen check")
	f.Comment("reports. The tests that dslgen check -emit-test writes call it. It allocates;")
	f.Comment("it is for tests and diagnostics, not the step path.")
	f.Func().Id("EnabledTransitions").Params(jen.Id("s").Id("State"), jen.Id("in").Id("Input")).Index().String().BlockFunc(func(b *jen.Group) {
		b.Var().Id("out").Index().String()
		if needOvf {
			b.Var().Id("ovf").Bool()
		}
		subject := jen.Id("in").Assert(jen.Type())
		if usesArgs {
			subject = jen.Id("in").Op(":=").Id("in").Assert(jen.Type())
		}
		b.Switch(subject).BlockFunc(func(sw *jen.Group) {
			for _, in := range g.m.Inputs {
				cands := g.m.Candidates(in)
				if len(cands) == 0 {
					continue
				}
				sw.Case(jen.Id(TypeName(in.Name))).BlockFunc(func(cb *jen.Group) {
					if usesArgs {
						// The simplifier may fold every read of the
						// arguments away: in must count as used anyway.
						cb.Id("_").Op("=").Id("in")
					}
					for _, t := range cands {
						// One if per condition, nested: no && chain, so
						// repeated guards are not vet's "redundant and".
						var conds []jen.Code
						if pc := g.phaseCheck(t); pc != nil {
							conds = append(conds, pc)
						}
						arith := false
						for _, gd := range t.Guards {
							conds = append(conds, g.expr(gd.Expr, "s", "in"))
							arith = arith || model.HasArithmetic(gd.Expr)
						}
						if arith {
							cb.Id("ovf").Op("=").False()
							conds = append(conds, jen.Op("!").Id("ovf"))
						}
						var body jen.Code = jen.Id("out").Op("=").Append(jen.Id("out"), jen.Lit(t.Name))
						for i := len(conds) - 1; i >= 0; i-- {
							body = jen.If(conds[i]).Block(body)
						}
						cb.Add(body)
					}
				})
			}
		})
		b.Return(jen.Id("out"))
	})
}

// readsArgs reports whether an expression reads an input parameter.
func readsArgs(x model.Expr) bool {
	switch x := x.(type) {
	case *model.ArgRef:
		return true
	case *model.Binary:
		return readsArgs(x.X) || readsArgs(x.Y)
	case *model.Not:
		return readsArgs(x.X)
	case *model.SomeExpr:
		return readsArgs(x.X)
	case *model.UnwrapOr:
		return readsArgs(x.X) || readsArgs(x.Default)
	case *model.Cond:
		return readsArgs(x.Cond) || readsArgs(x.Then) || readsArgs(x.Else)
	case *model.InList:
		if readsArgs(x.X) {
			return true
		}
		for _, e := range x.List {
			if readsArgs(e) {
				return true
			}
		}
	case *model.CollLit:
		for _, e := range append(append([]model.Expr(nil), x.Elems...), x.Vals...) {
			if readsArgs(e) {
				return true
			}
		}
	case *model.Member:
		return readsArgs(x.X) || readsArgs(x.Coll)
	case *model.Quant:
		return readsArgs(x.Coll) || readsArgs(x.Body)
	case *model.Call:
		for _, a := range x.Args {
			if readsArgs(a) {
				return true
			}
		}
	}
	return false
}
