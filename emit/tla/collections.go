package tla

import (
	"fmt"
	"strings"

	"github.com/meerkat-go/dslmachine/model"
)

// Collections: a set<T, N> is a TLA+ set of its elements, a map<K, V, N> a
// function whose domain is its set of keys. The map helpers (EmptyMap,
// MapPut, MapGet, MapRemove) and EXTENDS FiniteSets (Cardinality) appear
// only in the modules of specs with collections.

// hasCollections reports whether a field of m is a set or a map.
func hasCollections(m *model.Machine) bool {
	for _, f := range m.Fields {
		if f.Type.IsCollection() {
			return true
		}
	}
	return false
}

// collectionHelpers defines the map helpers.
func (g *generator) collectionHelpers() {
	g.line(`\* A map<K, V, N> is a function whose domain is its set of keys.`)
	g.line(`EmptyMap == [x \in {} |-> 0]`)
	g.line(`MapGet(m, k, d) == IF k \in DOMAIN m THEN m[k] ELSE d`)
	g.line(`MapPut(m, k, v) == [x \in DOMAIN m \cup {k} |-> IF x = k THEN v ELSE m[x]]`)
	g.line(`MapRemove(m, k) == [x \in DOMAIN m \ {k} |-> m[x]]`)
	g.line("")
}

// quantVar is the TLA+ name of a quantified variable.
func quantVar(v *model.BoundVar) string { return fmt.Sprintf("q_%d_", v.Depth) }

// collExpr renders the collection expressions; ok is false for the others.
func (c *scope) collExpr(x model.Expr) (val, bool) {
	switch x := x.(type) {
	case *model.VarRef:
		return atom(quantVar(x.Var)), true
	case *model.CollLit:
		if x.Type().Kind == model.KindMap {
			s := "EmptyMap"
			for i, k := range x.Elems {
				s = "MapPut(" + s + ", " + c.expr(k).s + ", " + c.expr(x.Vals[i]).s + ")"
			}
			return atom(s), true
		}
		elems := make([]string, len(x.Elems))
		for i, e := range x.Elems {
			elems[i] = c.expr(e).s
		}
		return atom("{" + strings.Join(elems, ", ") + "}"), true
	case *model.Member:
		coll := c.expr(x.Coll).at(precRel + 1)
		if x.Coll.Type().Kind == model.KindMap {
			coll = "DOMAIN " + c.expr(x.Coll).at(precAtom)
		}
		return val{s: c.expr(x.X).at(precRel+1) + ` \in ` + coll, prec: precRel, top: `\in`}, true
	case *model.Quant:
		q := `\A `
		if !x.All {
			q = `\E `
		}
		return val{s: q + quantVar(x.Var) + ` \in ` + c.domain(x.Coll) + " : " + c.expr(x.Body).s, prec: precIf, top: "IF"}, true
	case *model.Call:
		a := c.expr(x.Args[0])
		arg := func(i int) val { return c.expr(x.Args[i]) }
		setOp := func(op string, b val) val {
			return val{s: a.at(precAtom) + " " + op + " " + b.at(precAtom), prec: precAdd, top: op}
		}
		switch x.Fn {
		case "size":
			return atom("Cardinality(" + c.domain(x.Args[0]) + ")"), true
		case "union":
			return setOp(`\cup`, arg(1)), true
		case "intersect":
			return setOp(`\cap`, arg(1)), true
		case "diff":
			return setOp(`\`, arg(1)), true
		case "subset":
			return val{s: a.at(precAtom) + ` \subseteq ` + arg(1).at(precAtom), prec: precRel, top: `\subseteq`}, true
		case "insert":
			return setOp(`\cup`, atom("{"+arg(1).s+"}")), true
		case "remove":
			if x.Args[0].Type().Kind == model.KindMap {
				return atom("MapRemove(" + a.s + ", " + arg(1).s + ")"), true
			}
			return setOp(`\`, atom("{"+arg(1).s+"}")), true
		case "get":
			return atom("MapGet(" + a.s + ", " + arg(1).s + ", " + arg(2).s + ")"), true
		case "put":
			return atom("MapPut(" + a.s + ", " + arg(1).s + ", " + arg(2).s + ")"), true
		}
	}
	return val{}, false
}

// domain renders a set, or the key set of a map.
func (c *scope) domain(x model.Expr) string {
	if x.Type().Kind == model.KindMap {
		return "DOMAIN " + c.expr(x).at(precAtom)
	}
	return c.expr(x).at(precAtom)
}

// collWD is the definedness of the collection expressions: a result within
// its capacity, and the definedness of the parts; ok is false for the
// other expressions.
func (c *scope) collWD(x model.Expr) ([]val, bool) {
	capOK := func(set string, n uint64) val {
		return val{s: fmt.Sprintf("Cardinality(%s) <= %d", set, n), prec: precRel, top: "<="}
	}
	switch x := x.(type) {
	case *model.CollLit:
		var out []val
		for i, e := range x.Elems {
			out = append(out, c.wd(e)...)
			if x.Vals != nil {
				out = append(out, c.wd(x.Vals[i])...)
			}
		}
		if len(x.Elems) > 0 {
			keys := make([]string, len(x.Elems))
			for i, e := range x.Elems {
				keys[i] = c.expr(e).s
			}
			out = append(out, capOK("{"+strings.Join(keys, ", ")+"}", x.Type().Cap))
		}
		return out, true
	case *model.Member:
		return append(c.wd(x.X), c.wd(x.Coll)...), true
	case *model.Quant:
		out := c.wd(x.Coll)
		if w := c.wd(x.Body); len(w) > 0 {
			out = append(out, val{s: `\A ` + quantVar(x.Var) + ` \in ` + c.domain(x.Coll) + " : " + conj(w).s, prec: precIf, top: "IF"})
		}
		return out, true
	case *model.Call:
		var out []val
		for _, a := range x.Args {
			out = append(out, c.wd(a)...)
		}
		switch x.Fn {
		case "union", "insert", "put":
			out = append(out, capOK(c.domain(x), x.Type().Cap))
		}
		return out, true
	}
	return nil, false
}

// collTypeOK is the TypeOK conjunct of a collection variable.
func (g *generator) collTypeOK(v string, t *model.Type) []string {
	if t.Kind == model.KindSet {
		return []string{fmt.Sprintf(`%s \subseteq %s`, v, g.typeSet(t.Elem)), fmt.Sprintf("Cardinality(%s) <= %d", v, t.Cap)}
	}
	val := fmt.Sprintf(`%s[k_] \in %s`, v, g.typeSet(t.Elem))
	if t.Elem.Kind == model.KindOption {
		val = fmt.Sprintf(`IsOptionOf(%s[k_], %s)`, v, g.typeSet(t.Elem.Elem))
	}
	return []string{
		fmt.Sprintf(`DOMAIN %s \subseteq %s`, v, g.typeSet(t.Key)),
		fmt.Sprintf("Cardinality(DOMAIN %s) <= %d", v, t.Cap),
		fmt.Sprintf(`\A k_ \in DOMAIN %s : %s`, v, val),
	}
}
