package model

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// FairnessKind is weak or strong fairness.
type FairnessKind int

// The kinds of fairness.
const (
	// Weak fairness: an action that stays enabled from some point on is
	// eventually taken (TLA+ WF).
	Weak FairnessKind = iota + 1
	// Strong fairness: an action that is enabled again and again is
	// eventually taken (TLA+ SF).
	Strong
)

// String returns "weak" or "strong".
func (k FairnessKind) String() string {
	if k == Strong {
		return "strong"
	}
	return "weak"
}

// Fairness is one fairness declaration. Its action is a set of transitions:
// every transition on an input, or one transition, each with any arguments
// of the profile's domains.
type Fairness struct {
	Kind FairnessKind
	// Name is the input or transition as written (without its input: or
	// transition: prefix).
	Name string
	// Input is the input when the declaration names one, else nil.
	Input *Input
	// Transitions are the action's transitions, in source order.
	Transitions []*Transition
	Pos         Pos
}

// Property is a liveness property over state predicates: From leads to To
// (whenever From holds, To holds then or later), or, when From is nil, To
// holds again and again (always eventually To).
type Property struct {
	Name string
	Doc  string
	From Expr // nil: always eventually To
	To   Expr
	Pos  Pos
}

// loadTemporal loads the fairness and liveness sections.
func (l *loader) loadTemporal(fair, live *pair) {
	if fair != nil {
		l.loadFairness(fair.v)
	}
	if live != nil {
		l.loadLiveness(live.v)
	}
}

func (l *loader) loadFairness(n *yaml.Node) {
	sec := l.mapping(n, "fairness", fairnessKeys().Keys)
	seen := map[string]Pos{}
	for _, kind := range []FairnessKind{Weak, Strong} {
		p := sec[kind.String()]
		if p == nil {
			continue
		}
		for _, item := range l.seq(p.v, "fairness "+kind.String()) {
			name := l.str(item, "fairness entry")
			if name == "" {
				if item.Kind == yaml.ScalarNode && !isNull(item) {
					l.e.add(l.pos(item), "fairness entry is an empty name")
				} // else reported by str
				continue
			}
			f := l.fairAction(item, name)
			if f == nil {
				continue
			}
			f.Kind, f.Pos = kind, l.pos(item)
			key := f.Name
			if f.Input != nil {
				key = "input:" + key
			}
			if first, ok := seen[key]; ok {
				l.e.add(l.pos(item), "fairness for %s is declared twice (first at %s)", name, first)
				continue
			}
			seen[key] = f.Pos
			l.m.Fairness = append(l.m.Fairness, f)
		}
	}
}

// fairAction resolves a fairness entry: an input, a transition, or
// input:NAME / transition:NAME where a name is both.
func (l *loader) fairAction(item *yaml.Node, name string) *Fairness {
	wantInput, wantTrans := true, true
	switch {
	case strings.HasPrefix(name, "input:"):
		name, wantTrans = strings.TrimPrefix(name, "input:"), false
	case strings.HasPrefix(name, "transition:"):
		name, wantInput = strings.TrimPrefix(name, "transition:"), false
	}
	var in *Input
	if wantInput {
		in = l.m.Input(name)
	}
	var t *Transition
	if wantTrans {
		t = l.m.Transition(name)
	}
	switch {
	case in == nil && t == nil:
		l.e.add(l.pos(item), "fairness: %q is neither an input nor a transition", name)
		return nil
	case in != nil && t != nil:
		cands := l.m.Candidates(in)
		if len(cands) == 1 && cands[0] == t {
			return &Fairness{Name: name, Transitions: cands}
		}
		l.e.add(l.pos(item), "fairness: %q is both an input and a transition; write input:%s or transition:%s", name, name, name)
		return nil
	case in != nil:
		cands := l.m.Candidates(in)
		if len(cands) == 0 {
			l.e.add(l.pos(item), "fairness: input %s has no transitions", name)
			return nil
		}
		return &Fairness{Name: name, Input: in, Transitions: cands}
	}
	return &Fairness{Name: name, Transitions: []*Transition{t}}
}

func (l *loader) loadLiveness(n *yaml.Node) {
	for _, p := range l.pairs(n, "liveness") {
		name := l.ident(p.k, "liveness property name")
		if name == "" {
			continue
		}
		if l.m.Property(name) != nil {
			l.e.add(l.pos(p.k), "duplicate liveness property %s", name)
			continue
		}
		what := "liveness property " + name
		sec := l.mapping(p.v, what, livenessKeys().Keys)
		if sec == nil {
			if p.v.Kind == yaml.ScalarNode && p.v.Tag == "!!null" {
				l.e.add(l.pos(p.v), "%s is empty: give from and leads_to, or always_eventually", what)
			}
			continue
		}
		prop := &Property{Name: name, Pos: l.pos(p.k)}
		if d := sec["doc"]; d != nil {
			prop.Doc = l.str(d.v, "doc")
		}
		pred := func(q *pair, part string) Expr {
			x := l.expr(q.v, &scope{fields: l.fields}, what+" "+part, nil)
			if x != nil && x.Type().Kind != KindBool {
				l.e.add(x.Pos(), "%s: %s is not boolean: it has type %s", what, part, x.Type())
				return nil
			}
			return x
		}
		from, to, ae := sec["from"], sec["leads_to"], sec["always_eventually"]
		switch {
		case ae != nil && (from != nil || to != nil):
			l.e.add(l.pos(p.k), "%s: always_eventually cannot be combined with from or leads_to", what)
			continue
		case ae != nil:
			prop.To = pred(ae, "always_eventually")
		case from == nil || to == nil:
			l.e.add(l.pos(p.k), "%s needs both from and leads_to (or always_eventually alone)", what)
			continue
		default:
			prop.From, prop.To = pred(from, "from"), pred(to, "leads_to")
			if prop.From == nil {
				continue
			}
		}
		if prop.To == nil {
			continue
		}
		l.m.Properties = append(l.m.Properties, prop)
	}
}

// Property returns the liveness property of that name, or nil.
func (m *Machine) Property(name string) *Property {
	for _, p := range m.Properties {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Holds evaluates a state predicate (a liveness property's From or To, or
// an invariant's expression) in s. An evaluation that leaves a bound is
// false.
func Holds(x Expr, s State) bool {
	v, err := eval(x, s, nil)
	return err == nil && v.Bool()
}

// profileProperties reads a profile's liveness list: the properties it
// checks (an empty list: none).
func (l *loader) profileProperties(n *yaml.Node, profile string) []*Property {
	out := []*Property{}
	for _, item := range l.seq(n, "liveness of profile "+profile) {
		name := l.str(item, "liveness property")
		prop := l.m.Property(name)
		if prop == nil {
			l.e.add(l.pos(item), "unknown liveness property %s in profile %s", name, profile)
			continue
		}
		out = append(out, prop)
	}
	return out
}

// Liveness returns the liveness properties a profile checks: those its
// liveness list names, or every property of the machine when it has none;
// none for a profile that bounds the depth.
func (m *Machine) Liveness(p *Profile) []*Property {
	if p != nil && p.Depth > 0 {
		return nil // a search cut at a depth has dead ends that are not real
	}
	if p != nil && p.Properties != nil {
		return p.Properties
	}
	return m.Properties
}
