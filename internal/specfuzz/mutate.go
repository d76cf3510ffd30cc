package specfuzz

// mutations lists the simplifications of s to try, coarsest first. Many
// make the spec invalid; the shrinker then just does not keep them.
func (s *Spec) mutations() []mutation {
	var out []mutation
	add := func(m mutation) { out = append(out, m) }
	// Whole sections.
	if len(s.Transitions) > 0 {
		add(setTo(&s.Transitions, nil))
	}
	for _, e := range s.Enums {
		if len(e.Values) > 2 {
			add(s.keepValues(e, 1))
			add(s.keepValues(e, len(e.Values)/2))
		}
	}
	if len(s.Transitions) > 1 {
		add(setTo(&s.Transitions, s.Transitions[:len(s.Transitions)/2]))
		add(setTo(&s.Transitions, s.Transitions[len(s.Transitions)/2:]))
	}
	for _, p := range []*[]*Named{&s.Invariants} {
		if len(*p) > 0 {
			add(setTo(p, nil))
		}
	}
	if len(s.Profiles) > 0 {
		add(setTo(&s.Profiles, nil))
	}
	if len(s.Effects) > 0 {
		add(setTo(&s.Effects, nil))
	}
	if len(s.Guards) > 0 {
		add(setTo(&s.Guards, nil))
	}
	if len(s.Fields) > 1 {
		add(setTo(&s.Fields, []*Field{s.Phase}))
	}
	// Single declarations.
	for i := range s.Transitions {
		add(removeAt(&s.Transitions, i))
	}
	for i := range s.Invariants {
		add(removeAt(&s.Invariants, i))
	}
	for i := range s.Guards {
		add(removeAt(&s.Guards, i))
	}
	for i := range s.Profiles {
		add(removeAt(&s.Profiles, i))
	}
	for i := range s.Effects {
		add(removeAt(&s.Effects, i))
	}
	for i := range s.Inputs {
		add(removeAt(&s.Inputs, i))
	}
	for i := range s.Fields {
		if s.Fields[i] != s.Phase {
			add(removeAt(&s.Fields, i))
		}
	}
	for i := 1; i < len(s.Enums); i++ {
		add(removeAt(&s.Enums, i))
	}
	for i := range s.IDs {
		add(removeAt(&s.IDs, i))
	}
	for i := range s.Terminal {
		add(removeAt(&s.Terminal, i))
	}
	// Parts of transitions.
	for _, t := range s.Transitions {
		for i := range t.Guards {
			add(removeAt(&t.Guards, i))
		}
		for i := range t.Do {
			add(removeAt(&t.Do, i))
		}
		for i := range t.Emits {
			add(removeAt(&t.Emits, i))
		}
		if t.To >= 0 {
			add(setTo(&t.To, -1))
		}
		if !t.FromAll {
			add(setTo(&t.FromAll, true))
		}
		if t.Doc != "" {
			add(setTo(&t.Doc, ""))
		}
		if t.Unreachable != "" {
			add(setTo(&t.Unreachable, ""))
		}
	}
	// Parameters and effect fields.
	for _, in := range s.Inputs {
		for i := range in.Params {
			add(removeAt(&in.Params, i))
		}
	}
	for _, e := range s.Effects {
		for i := range e.Fields {
			m := removeAt(&e.Fields, i)
			for _, t := range s.Transitions {
				for _, em := range t.Emits {
					if em.Effect == e {
						m = both(m, removeAt(&em.Args, i))
					}
				}
			}
			add(m)
		}
	}
	// Enum values: drop the last one.
	for _, e := range s.Enums {
		if len(e.Values) > 1 {
			add(s.keepValues(e, len(e.Values)-1))
		}
	}
	// Profiles' parts.
	for _, p := range s.Profiles {
		for i := range p.Bounds {
			add(removeAt(&p.Bounds, i))
		}
		for i := range p.Domains {
			add(removeAt(&p.Domains, i))
		}
		if p.Exclude != nil {
			add(setTo(&p.Exclude, nil))
		}
		if p.Doc != "" {
			add(setTo(&p.Doc, ""))
		}
	}
	for _, f := range s.Fields {
		if f.Max != nil {
			add(setTo(&f.Max, nil))
		}
	}
	if s.Doc != "" {
		add(setTo(&s.Doc, ""))
	}
	if s.Package != "" {
		add(setTo(&s.Package, ""))
	}
	// Expressions: replace a node by a child or a literal.
	for _, p := range s.exprSlots() {
		for _, c := range children(*p) {
			add(setTo(p, c))
		}
		for _, lit := range []string{"true", "false", "0", "none"} {
			if l, ok := (*p).(*Lit); !ok || l.Text != lit {
				add(setTo(p, Expr(&Lit{Text: lit})))
			}
		}
	}
	// Names: make one safe.
	used := map[string]bool{}
	slots := s.nameSlots()
	for _, p := range slots {
		used[*p] = true
	}
	next := 1
	for _, p := range slots {
		if isSafe(*p) {
			continue
		}
		for used[safeName(next)] {
			next++
		}
		used[safeName(next)] = true
		add(setTo(p, safeName(next)))
	}
	return out
}

// exprSlots returns a pointer to every expression in the spec, outermost
// first.
func (s *Spec) exprSlots() []*Expr {
	var out []*Expr
	var visit func(p *Expr)
	visit = func(p *Expr) {
		if *p == nil {
			return
		}
		out = append(out, p)
		for _, c := range childSlots(*p) {
			visit(c)
		}
	}
	var stmt func(st Stmt)
	stmt = func(st Stmt) {
		switch st := st.(type) {
		case *Assign:
			visit(&st.X)
		case *IfStmt:
			visit(&st.C)
			stmt(st.Then)
			if st.Else != nil {
				stmt(st.Else)
			}
		}
	}
	for _, f := range s.Fields {
		visit(&f.Initial)
	}
	for _, g := range s.Guards {
		visit(&g.Expr)
	}
	for _, t := range s.Transitions {
		for _, g := range t.Guards {
			if g.Inline != nil {
				visit(&g.Inline.Expr)
			}
		}
		for _, st := range t.Do {
			stmt(st)
		}
		for _, em := range t.Emits {
			for i := range em.Args {
				visit(&em.Args[i])
			}
		}
	}
	for _, inv := range s.Invariants {
		visit(&inv.Expr)
	}
	return out
}

func childSlots(x Expr) []*Expr {
	switch x := x.(type) {
	case *Not:
		return []*Expr{&x.X}
	case *Bin:
		return []*Expr{&x.X, &x.Y}
	case *In:
		out := []*Expr{&x.X}
		for i := range x.List {
			out = append(out, &x.List[i])
		}
		return out
	case *If:
		return []*Expr{&x.C, &x.A, &x.B}
	case *SomeX:
		return []*Expr{&x.X}
	case *UnwrapOr:
		return []*Expr{&x.X, &x.D}
	case *CollLit:
		var out []*Expr
		for i := range x.Elems {
			out = append(out, &x.Elems[i])
		}
		for i := range x.Vals {
			out = append(out, &x.Vals[i])
		}
		return out
	case *Call:
		var out []*Expr
		for i := range x.Args {
			out = append(out, &x.Args[i])
		}
		return out
	case *Member:
		return []*Expr{&x.X, &x.C}
	case *Quant:
		return []*Expr{&x.C, &x.Body}
	}
	return nil
}

func children(x Expr) []Expr {
	var out []Expr
	for _, p := range childSlots(x) {
		out = append(out, *p)
	}
	return out
}

// keepValues keeps the first n values of e; references to the others then
// name the first value.
func (s *Spec) keepValues(e *Enum, n int) mutation {
	var refs []*int
	slots := s.exprSlots()
	for _, p := range s.Profiles {
		for _, d := range p.Domains {
			for i := range d.Colls {
				slots = append(slots, &d.Colls[i])
				for _, c := range childSlots(d.Colls[i]) {
					slots = append(slots, c)
					slots = append(slots, childSlots(*c)...)
				}
			}
		}
	}
	for _, p := range slots {
		if l, ok := (*p).(*EnumLit); ok && l.E == e {
			refs = append(refs, &l.V)
		}
	}
	if s.Phase.Type.Enum == e {
		for _, t := range s.Transitions {
			for i := range t.From {
				refs = append(refs, &t.From[i])
			}
			if t.To >= 0 {
				refs = append(refs, &t.To)
			}
		}
		for i := range s.Terminal {
			refs = append(refs, &s.Terminal[i])
		}
	}
	var oldVals []string
	old := make([]int, len(refs))
	return mutation{
		do: func() {
			oldVals = e.Values
			e.Values = e.Values[:n]
			for i, r := range refs {
				old[i] = *r
				if *r >= n {
					*r = 0
				}
			}
		},
		undo: func() {
			e.Values = oldVals
			for i, r := range refs {
				*r = old[i]
			}
		},
	}
}
