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

// hasCollections reports whether a field or an input parameter of m is a
// set or a map.
func hasCollections(m *model.Machine) bool {
	for _, f := range m.Fields {
		if f.Type.IsCollection() {
			return true
		}
	}
	for _, in := range m.Inputs {
		for _, p := range in.Params {
			if p.Type.IsCollection() {
				return true
			}
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

// renderCollection renders a set or map value as a constant TLA+
// expression: a set of its elements, or EmptyMap with MapPut of each entry
// (the encoding of collection fields).
func renderCollection(v model.Value, t *model.Type) (string, error) {
	es := v.Elems()
	if t.Kind == model.KindSet {
		parts := make([]string, len(es))
		for i, e := range es {
			s, err := renderValue(e, t.Elem)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "{" + strings.Join(parts, ", ") + "}", nil
	}
	out := "EmptyMap"
	for i := 0; i+1 < len(es); i += 2 {
		k, err := renderValue(es[i], t.Key)
		if err != nil {
			return "", err
		}
		val, err := renderValue(es[i+1], t.Elem)
		if err != nil {
			return "", err
		}
		out = "MapPut(" + out + ", " + k + ", " + val + ")"
	}
	return out, nil
}

// collDomains renders the domain of every set or map parameter in every
// profile as a definition (see collDef), or returns the error of a domain
// that cannot be enumerated (see model.Profile.ParamDomain) in a profile
// that fires the input.
func (g *generator) collDomains() error {
	g.collDefs = map[*domain][]collDef{}
	for _, d := range g.doms {
		if d.param == nil || !d.param.Type.IsCollection() {
			continue
		}
		defs := make([]collDef, len(g.m.Profiles))
		for i, p := range g.m.Profiles {
			vals, t, err := g.domainValues(p, d)
			if err != nil {
				return fmt.Errorf("%s: tla: %w", p.Pos, err)
			}
			seen := map[string]bool{}
			var out []string
			for _, v := range vals {
				s, err := renderValue(v, t)
				if err != nil {
					return fmt.Errorf("%s: %w", p.Pos, err)
				}
				if !seen[s] {
					seen[s] = true
					out = append(out, s)
				}
			}
			value := "{" + strings.Join(out, ", ") + "}"
			if len(value) > 90 {
				// One value a line.
				value = "{" + strings.Join(out, ",\n     ") + "}"
			}
			defs[i] = collDef{name: g.names.name(d.name + "_" + p.Name), value: value}
		}
		g.collDefs[d] = defs
	}
	return nil
}

// collDomainDefs defines the values of the collection parameters' domains
// in each profile.
func (g *generator) collDomainDefs() {
	for _, d := range g.doms {
		defs, ok := g.collDefs[d]
		if !ok {
			continue
		}
		for i, def := range defs {
			g.line(`\* %s in profile %s (its configuration substitutes it)`, d.name, g.m.Profiles[i].Name)
			g.line("%s ==", def.name)
			g.line("    %s", def.value)
		}
		g.line("")
	}
}

// profileIndex is the index of a profile in the spec.
func (g *generator) profileIndex(p *model.Profile) int {
	for i, x := range g.m.Profiles {
		if x == p {
			return i
		}
	}
	return -1
}
