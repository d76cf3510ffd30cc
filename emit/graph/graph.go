// Package graph draws a machine's state diagrams as Mermaid or Graphviz DOT:
// one for the machine's phase field, and one for every other enum-typed field whose
// transitions the spec makes explicit (the field is assigned by some
// transition and some guard tests its current value, like a turn phase or a
// live-topology phase). Edges are labelled with the names of the inputs that
// cause them.
package graph

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/meerkat-go/dslmachine/model"
)

// Diagram is the state diagram of one enum-typed field.
type Diagram struct {
	// Field is the field whose values are the diagram's states.
	Field *model.Field
	// Initial is the index of the field's initial value, or -1.
	Initial int
	// Terminal lists the final values (the terminal phases, for the phase field).
	Terminal []int
	// Edges are the value changes, one per (From, To) pair, in first-seen order.
	Edges []*Edge
}

// Enum returns the enum whose values are the diagram's states.
func (d *Diagram) Enum() *model.Enum { return d.Field.Type.Enum }

// Edge is a change of a field's value from From to To (value indices).
type Edge struct {
	From, To int
	// Inputs names the inputs that cause the change, in transition order.
	Inputs []string
	// Transitions names the transitions that cause it, in order.
	Transitions []string
}

func (d *Diagram) add(from, to int, t *model.Transition) {
	for _, e := range d.Edges {
		if e.From == from && e.To == to {
			if !slices.Contains(e.Inputs, t.Input.Name) {
				e.Inputs = append(e.Inputs, t.Input.Name)
			}
			if !slices.Contains(e.Transitions, t.Name) {
				e.Transitions = append(e.Transitions, t.Name)
			}
			return
		}
	}
	d.Edges = append(d.Edges, &Edge{From: from, To: to, Inputs: []string{t.Input.Name}, Transitions: []string{t.Name}})
}

// Diagrams returns the phase diagram followed by one diagram per other
// explicit enum field, in field order.
//
// In the phase diagram every transition with a target phase is an edge from
// each other phase it is allowed in (`to: stay` is not drawn). In a field's diagram
// a transition that assigns the field an enum literal (or an enum parameter,
// or an if/then/else of those) is an edge from each value its guards allow
// the field to have before (every value when no guard tests it) to each value
// it assigns; assignments that leave the value unchanged are not drawn.
func Diagrams(m *model.Machine) []*Diagram {
	phase := &Diagram{Field: m.Phase, Initial: initial(m.Phase), Terminal: m.Terminal}
	for _, t := range m.Transitions {
		if t.To < 0 {
			continue
		}
		for _, from := range t.From {
			if from != t.To {
				phase.add(from, t.To, t)
			}
		}
	}
	out := []*Diagram{phase}
	for _, f := range m.Fields {
		if f == m.Phase || f.Type.Kind != model.KindEnum || !explicit(m, f) {
			continue
		}
		d := &Diagram{Field: f, Initial: initial(f)}
		for _, t := range m.Transitions {
			fieldEdges(d, t)
		}
		if len(d.Edges) > 0 {
			out = append(out, d)
		}
	}
	return out
}

func initial(f *model.Field) int {
	if lit, ok := f.Initial.(*model.EnumLit); ok {
		return lit.Value
	}
	return -1
}

// explicit reports whether some transition assigns f and some guard or
// update condition tests f's value against enum literals.
func explicit(m *model.Machine, f *model.Field) bool {
	assigned, tested := false, false
	var visit func(model.Stmt)
	visit = func(st model.Stmt) {
		switch st := st.(type) {
		case *model.Assign:
			if st.Field == f {
				assigned = true
			}
		case *model.IfStmt:
			if _, ok := constrain(st.Cond, isField(f), f.Type.Enum); ok {
				tested = true
			}
			visit(st.Then)
			if st.Else != nil {
				visit(st.Else)
			}
		}
	}
	for _, t := range m.Transitions {
		for _, g := range t.Guards {
			if _, ok := constrain(g.Expr, isField(f), f.Type.Enum); ok {
				tested = true
			}
		}
		for _, st := range t.Updates {
			visit(st)
		}
	}
	return assigned && tested
}

func isField(f *model.Field) func(model.Expr) bool {
	return func(x model.Expr) bool {
		r, ok := x.(*model.FieldRef)
		return ok && r.Field == f
	}
}

func isArg(p *model.Param) func(model.Expr) bool {
	return func(x model.Expr) bool {
		r, ok := x.(*model.ArgRef)
		return ok && r.Param == p
	}
}

// valueSet is a set of enum value indices.
type valueSet []bool

func all(e *model.Enum) valueSet {
	s := make(valueSet, len(e.Values))
	for i := range s {
		s[i] = true
	}
	return s
}

func (s valueSet) and(t valueSet) valueSet {
	out := make(valueSet, len(s))
	for i := range s {
		out[i] = s[i] && t[i]
	}
	return out
}

func (s valueSet) not() valueSet {
	out := make(valueSet, len(s))
	for i := range s {
		out[i] = !s[i]
	}
	return out
}

// constrain returns the values of an enum-typed subject (a field or a
// parameter) that a boolean expression allows: the expression, or one of its
// top-level && conjuncts, compares the subject with enum literals (==, !=,
// in, and their negations). ok is false when nothing constrains the subject.
func constrain(x model.Expr, subject func(model.Expr) bool, e *model.Enum) (valueSet, bool) {
	switch x := x.(type) {
	case *model.Binary:
		switch x.Op {
		case "&&":
			a, okA := constrain(x.X, subject, e)
			b, okB := constrain(x.Y, subject, e)
			switch {
			case okA && okB:
				return a.and(b), true
			case okA:
				return a, true
			case okB:
				return b, true
			}
		case "==", "!=":
			var lit *model.EnumLit
			switch {
			case subject(x.X):
				lit, _ = x.Y.(*model.EnumLit)
			case subject(x.Y):
				lit, _ = x.X.(*model.EnumLit)
			}
			if lit == nil || lit.Enum != e {
				return nil, false
			}
			s := make(valueSet, len(e.Values))
			s[lit.Value] = true
			if x.Op == "!=" {
				s = s.not()
			}
			return s, true
		}
	case *model.InList:
		if !subject(x.X) {
			return nil, false
		}
		s := make(valueSet, len(e.Values))
		for _, el := range x.List {
			lit, ok := el.(*model.EnumLit)
			if !ok || lit.Enum != e {
				return nil, false
			}
			s[lit.Value] = true
		}
		return s, true
	case *model.Not:
		switch y := x.X.(type) {
		case *model.InList:
			if s, ok := constrain(y, subject, e); ok {
				return s.not(), true
			}
		case *model.Binary:
			if y.Op == "==" || y.Op == "!=" {
				if s, ok := constrain(y, subject, e); ok {
					return s.not(), true
				}
			}
		}
	}
	return nil, false
}

// targets returns the values an assigned expression can take, or ok false
// when it is not an enum literal, an enum parameter or an if of those.
func targets(x model.Expr, t *model.Transition, e *model.Enum) (valueSet, bool) {
	switch x := x.(type) {
	case *model.EnumLit:
		s := make(valueSet, len(e.Values))
		s[x.Value] = true
		return s, true
	case *model.ArgRef:
		s := all(e)
		for _, g := range t.Guards {
			if c, ok := constrain(g.Expr, isArg(x.Param), e); ok {
				s = s.and(c)
			}
		}
		return s, true
	case *model.Cond:
		a, okA := targets(x.Then, t, e)
		b, okB := targets(x.Else, t, e)
		if !okA || !okB {
			return nil, false
		}
		out := make(valueSet, len(a))
		for i := range a {
			out[i] = a[i] || b[i]
		}
		return out, true
	}
	return nil, false
}

// fieldEdges adds the edges a transition contributes to a field's diagram.
func fieldEdges(d *Diagram, t *model.Transition) {
	f, e := d.Field, d.Enum()
	before := all(e)
	for _, g := range t.Guards {
		if c, ok := constrain(g.Expr, isField(f), e); ok {
			before = before.and(c)
		}
	}
	// visit walks a statement with the values the field may have had before
	// the transition (allowed) and whether the field was already written on
	// this path; it returns whether the field is written after it.
	var visit func(st model.Stmt, allowed valueSet, written bool) bool
	visit = func(st model.Stmt, allowed valueSet, written bool) bool {
		switch st := st.(type) {
		case *model.Assign:
			if st.Field != f {
				return written
			}
			to, ok := targets(st.Value, t, e)
			if !ok {
				to = all(e)
			}
			if !written {
				for from, okFrom := range allowed {
					for v, okTo := range to {
						if okFrom && okTo && from != v {
							d.add(from, v, t)
						}
					}
				}
			}
			return true
		case *model.IfStmt:
			thenAllowed, elseAllowed := allowed, allowed
			if !written {
				if c, ok := constrain(st.Cond, isField(f), e); ok {
					thenAllowed = allowed.and(c)
					if exact(st.Cond) {
						elseAllowed = allowed.and(c.not())
					}
				}
			}
			w := visit(st.Then, thenAllowed, written)
			if st.Else != nil {
				w = visit(st.Else, elseAllowed, written) || w
			}
			return w
		}
		return written
	}
	written := false
	for _, st := range t.Updates {
		written = visit(st, before, written)
	}
}

// exact reports whether a condition is a single comparison (so that its
// negation constrains the else branch).
func exact(x model.Expr) bool {
	if b, ok := x.(*model.Binary); ok && b.Op == "&&" {
		return false
	}
	return true
}

// Options controls rendering.
type Options struct {
	// Source is the spec file name written in the header (its base name is used).
	Source string
}

func source(m *model.Machine, opt Options) string {
	src := filepath.Base(opt.Source)
	if src == "" || src == "." {
		return m.Name
	}
	return src
}

// title describes a diagram in a heading: the field's name in words and as
// written, and for the machine's phase field its enum ("Phase (`phase`,
// phase enum `LockPhase`)").
func title(m *model.Machine, d *Diagram) string {
	words := strings.ReplaceAll(d.Field.Name, "_", " ")
	words = strings.ToUpper(words[:1]) + words[1:]
	if d.Field == m.Phase {
		return fmt.Sprintf("%s (`%s`, phase enum `%s`)", words, d.Field.Name, m.PhaseEnum().Name)
	}
	return fmt.Sprintf("%s (`%s`)", words, d.Field.Name)
}

// mermaidKeywords are words that cannot be Mermaid state ids.
var mermaidKeywords = map[string]bool{
	"state": true, "note": true, "direction": true, "end": true, "class": true,
	"classDef": true, "style": true, "click": true, "as": true, "left": true, "right": true,
	"of": true, "fork": true, "join": true, "choice": true, "default": true,
}

func mermaidID(v string) string {
	if mermaidKeywords[v] {
		return v + "_"
	}
	return v
}

// MermaidDiagram renders one diagram as a Mermaid stateDiagram-v2.
func MermaidDiagram(d *Diagram) string {
	var b strings.Builder
	e := d.Enum()
	b.WriteString("stateDiagram-v2\n")
	for _, v := range e.Values {
		if id := mermaidID(v); id != v {
			fmt.Fprintf(&b, "    state \"%s\" as %s\n", v, id)
		}
	}
	if d.Initial >= 0 {
		fmt.Fprintf(&b, "    [*] --> %s\n", mermaidID(e.Values[d.Initial]))
	}
	for _, ed := range d.Edges {
		fmt.Fprintf(&b, "    %s --> %s: %s\n", mermaidID(e.Values[ed.From]), mermaidID(e.Values[ed.To]), strings.Join(ed.Inputs, ", "))
	}
	for _, t := range d.Terminal {
		fmt.Fprintf(&b, "    %s --> [*]\n", mermaidID(e.Values[t]))
	}
	return b.String()
}

// Mermaid renders the diagrams as a Markdown document with one fenced
// Mermaid block per diagram.
func Mermaid(m *model.Machine, ds []*Diagram, opt Options) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<!-- Code generated by dslgen graph from %s. DO NOT EDIT. -->\n\n", source(m, opt))
	fmt.Fprintf(&b, "# State diagrams of the %s machine\n\n", m.Name)
	b.WriteString(MermaidSections(m, ds, 2))
	return []byte(b.String())
}

// MermaidSections renders the diagrams as Markdown: a short legend, then per
// diagram a heading of the given level and a fenced Mermaid block.
func MermaidSections(m *model.Machine, ds []*Diagram, level int) string {
	var b strings.Builder
	b.WriteString("Generated by `dslgen graph` from the spec. Each edge is labelled with the\n")
	b.WriteString("inputs that cause it; transitions that keep the value (`to: stay`, or an\n")
	b.WriteString("update that writes the same value) are not drawn. A field's diagram shows\n")
	b.WriteString("the values its guards allow before each assignment.\n")
	for _, d := range ds {
		fmt.Fprintf(&b, "\n%s %s\n\n", strings.Repeat("#", level), title(m, d))
		b.WriteString("```mermaid\n")
		b.WriteString(MermaidDiagram(d))
		b.WriteString("```\n")
	}
	return b.String()
}

var dotEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

func dotQuote(s string) string { return `"` + dotEscaper.Replace(s) + `"` }

// dotLines quotes lines as one label, broken with \n.
func dotLines(lines []string) string {
	esc := make([]string, len(lines))
	for i, l := range lines {
		esc[i] = dotEscaper.Replace(l)
	}
	return `"` + strings.Join(esc, `\n`) + `"`
}

// DotDiagram renders one diagram as a Graphviz digraph.
func DotDiagram(m *model.Machine, d *Diagram) string {
	var b strings.Builder
	e := d.Enum()
	fmt.Fprintf(&b, "digraph %s {\n", dotQuote(d.Field.Name))
	fmt.Fprintf(&b, "    label=%s;\n", dotQuote(fmt.Sprintf("%s: %s (%s)", m.Name, d.Field.Name, e.Name)))
	b.WriteString("    labelloc=t;\n    rankdir=LR;\n")
	b.WriteString("    node [shape=box, style=rounded, fontname=\"Helvetica\"];\n")
	b.WriteString("    edge [fontname=\"Helvetica\", fontsize=10];\n")
	for i, v := range e.Values {
		attrs := ""
		if slices.Contains(d.Terminal, i) {
			attrs = " [peripheries=2]"
		}
		fmt.Fprintf(&b, "    %s%s;\n", dotQuote(v), attrs)
	}
	if d.Initial >= 0 {
		b.WriteString("    \"__initial\" [shape=point, label=\"\"];\n")
		fmt.Fprintf(&b, "    \"__initial\" -> %s;\n", dotQuote(e.Values[d.Initial]))
	}
	for _, ed := range d.Edges {
		fmt.Fprintf(&b, "    %s -> %s [label=%s];\n", dotQuote(e.Values[ed.From]), dotQuote(e.Values[ed.To]),
			dotLines(ed.Inputs))
	}
	b.WriteString("}\n")
	return b.String()
}

// Dot renders the diagrams as Graphviz digraphs, one after the other.
func Dot(m *model.Machine, ds []*Diagram, opt Options) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "// Code generated by dslgen graph from %s. DO NOT EDIT.\n", source(m, opt))
	for _, d := range ds {
		b.WriteString("\n")
		b.WriteString(DotDiagram(m, d))
	}
	return []byte(b.String())
}
