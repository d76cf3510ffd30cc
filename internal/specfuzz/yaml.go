package specfuzz

import (
	"fmt"
	"strings"
)

// YAML renders the spec as the loader reads it. Names are written plain,
// expressions and docs double-quoted.
func (s *Spec) YAML() []byte {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("machine: %s\n", s.Machine)
	if s.Doc != "" {
		w("doc: %s\n", q(s.Doc))
	}
	if s.Package != "" {
		w("package: %s\n", s.Package)
	}
	if len(s.Enums) > 0 {
		w("enums:\n")
		for _, e := range s.Enums {
			w("  %s: [%s]\n", e.Name, strings.Join(e.Values, ", "))
		}
	}
	if len(s.IDs) > 0 {
		names := make([]string, len(s.IDs))
		for i, id := range s.IDs {
			names[i] = id.Name
		}
		w("ids: [%s]\n", strings.Join(names, ", "))
	}
	if len(s.Constants) > 0 {
		w("constants:\n")
		for _, c := range s.Constants {
			if c.Doc != "" {
				w("  %s: {value: %s, doc: %s}\n", c.Name, q(s.ExprString(c.X)), q(c.Doc))
			} else {
				w("  %s: %s\n", c.Name, q(s.ExprString(c.X)))
			}
		}
	}
	w("fields:\n")
	for _, f := range s.Fields {
		w("  %s: {type: %s", f.Name, q(f.Type.String()))
		if f.Initial != nil {
			w(", initial: %s", q(s.ExprString(f.Initial)))
		}
		if f.Max != nil {
			if f.MaxConst != nil && f.MaxConst.Value == *f.Max {
				w(", max: %s", f.MaxConst.Name)
			} else {
				w(", max: %d", *f.Max)
			}
		}
		if f.Doc != "" {
			w(", doc: %s", q(f.Doc))
		}
		w("}\n")
	}
	w("phase: %s\n", s.Phase.Name)
	if len(s.Terminal) > 0 {
		w("terminal: [%s]\n", strings.Join(s.phaseNames(s.Terminal), ", "))
	}
	w("inputs:\n")
	for _, in := range s.Inputs {
		w("  %s: %s\n", in.Name, decl(in.Doc, "params", in.Params))
	}
	if len(s.Effects) > 0 {
		w("effects:\n")
		for _, e := range s.Effects {
			w("  %s: %s\n", e.Name, decl(e.Doc, "fields", e.Fields))
		}
	}
	if len(s.Guards) > 0 {
		w("guards:\n")
		for _, g := range s.Guards {
			w("  %s: %s\n", g.Name, q(s.ExprString(g.Expr)))
		}
	}
	if len(s.Transitions) == 0 {
		w("transitions: []\n")
	} else {
		w("transitions:\n")
	}
	for _, t := range s.Transitions {
		s.transition(&b, t)
	}
	if len(s.Invariants) > 0 {
		w("invariants:\n")
		for _, inv := range s.Invariants {
			w("  %s: %s\n", inv.Name, q(s.ExprString(inv.Expr)))
		}
	}
	if len(s.Profiles) > 0 {
		w("profiles:\n")
		for _, p := range s.Profiles {
			s.profile(&b, p)
		}
	}
	return []byte(b.String())
}

func (s *Spec) phaseNames(idx []int) []string {
	out := make([]string, len(idx))
	for i, v := range idx {
		out[i] = s.Phase.Type.Enum.Values[v]
	}
	return out
}

func params(ps []*Param) string {
	if len(ps) == 0 {
		return "{}"
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		if p.Doc != "" {
			parts[i] = p.Name + ": {type: " + q(p.Type.String()) + ", doc: " + q(p.Doc) + "}"
		} else {
			parts[i] = p.Name + ": " + q(p.Type.String())
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// decl renders an input's or effect's declaration: the short form, or the
// long form {doc: ..., key: {...}} when it or a parameter has a doc (a
// parameter's long form inside the short form could read as the long form
// of the declaration when the parameter is called key).
func decl(doc, key string, ps []*Param) string {
	long := doc != ""
	for _, p := range ps {
		long = long || p.Doc != ""
	}
	if !long {
		return params(ps)
	}
	if doc == "" {
		return "{" + key + ": " + params(ps) + "}"
	}
	return "{doc: " + q(doc) + ", " + key + ": " + params(ps) + "}"
}

func (s *Spec) transition(b *strings.Builder, t *Transition) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	w("  - name: %s\n", t.Name)
	if t.Doc != "" {
		w("    doc: %s\n", q(t.Doc))
	}
	w("    on: %s\n", t.On.Name)
	if t.FromAll {
		w("    from: all\n")
	} else {
		w("    from: [%s]\n", strings.Join(s.phaseNames(t.From), ", "))
	}
	switch {
	case t.To >= 0:
		w("    to: %s\n", s.Phase.Type.Enum.Values[t.To])
	case t.WriteStay:
		w("    to: stay\n")
	}
	if len(t.Guards) > 0 {
		w("    guards:\n")
		for _, g := range t.Guards {
			if g.Lib != nil {
				w("      - %s\n", g.Lib.Name)
			} else {
				w("      - %s: %s\n", g.Inline.Name, q(s.ExprString(g.Inline.Expr)))
			}
		}
	}
	if len(t.Do) > 0 {
		w("    do:\n")
		for _, st := range t.Do {
			w("      - %s\n", q(s.stmtString(st)))
		}
	}
	if len(t.Emits) > 0 {
		w("    emit:\n")
		for _, em := range t.Emits {
			if len(em.Effect.Fields) == 0 {
				w("      - %s\n", em.Effect.Name)
				continue
			}
			parts := make([]string, len(em.Args))
			for i, a := range em.Args {
				parts[i] = em.Effect.Fields[i].Name + ": " + q(s.ExprString(a))
			}
			w("      - %s: {%s}\n", em.Effect.Name, strings.Join(parts, ", "))
		}
	}
	if t.Unreachable != "" {
		w("    unreachable: %s\n", q(t.Unreachable))
	}
}

func (s *Spec) profile(b *strings.Builder, p *Profile) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	if p.Doc == "" && len(p.Bounds) == 0 && len(p.Domains) == 0 && p.Inputs == nil && len(p.Exclude) == 0 {
		w("  %s: {}\n", p.Name) // an empty profile; a null one is an error
		return
	}
	w("  %s:\n", p.Name)
	if p.Doc != "" {
		w("    doc: %s\n", q(p.Doc))
	}
	if len(p.Bounds) > 0 {
		w("    bounds:\n")
		for _, bd := range p.Bounds {
			w("      %s: %d\n", bd.Field.Name, bd.Max)
		}
	}
	if len(p.Domains) > 0 {
		w("    domains:\n")
		for _, d := range p.Domains {
			key := "uint"
			switch {
			case d.Param != nil:
				key = d.Input.Name + "." + d.Param.Name
			case d.ID != nil:
				key = d.ID.Name
			}
			vals := make([]string, len(d.Values))
			for i, v := range d.Values {
				vals[i] = q(v)
			}
			for _, x := range d.Colls {
				var b strings.Builder
				x.render(s, &b, true)
				vals = append(vals, q(b.String()))
			}
			w("      %s: [%s]\n", key, strings.Join(vals, ", "))
		}
	}
	names := func(ins []*Input) string {
		out := make([]string, len(ins))
		for i, in := range ins {
			out[i] = in.Name
		}
		return strings.Join(out, ", ")
	}
	if p.Inputs != nil {
		w("    inputs: [%s]\n", names(p.Inputs))
	}
	if len(p.Exclude) > 0 {
		w("    exclude: [%s]\n", names(p.Exclude))
	}
}
