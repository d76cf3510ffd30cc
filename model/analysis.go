package model

// HasArithmetic reports whether evaluating x uses +, - or *, and so can raise
// a bound error (64-bit overflow, or a result below zero).
func HasArithmetic(x Expr) bool {
	switch x := x.(type) {
	case *Binary:
		return x.Op == "+" || x.Op == "-" || x.Op == "*" || HasArithmetic(x.X) || HasArithmetic(x.Y)
	case *Not:
		return HasArithmetic(x.X)
	case *SomeExpr:
		return HasArithmetic(x.X)
	case *UnwrapOr:
		return HasArithmetic(x.X) || HasArithmetic(x.Default)
	case *Cond:
		return HasArithmetic(x.Cond) || HasArithmetic(x.Then) || HasArithmetic(x.Else)
	case *InList:
		if HasArithmetic(x.X) {
			return true
		}
		for _, e := range x.List {
			if HasArithmetic(e) {
				return true
			}
		}
	case *CollLit:
		if len(x.Elems) > 0 {
			return true // more distinct elements than the capacity
		}
	case *Call:
		switch x.Fn {
		case "union", "insert", "put":
			return true // the capacity
		}
		for _, a := range x.Args {
			if HasArithmetic(a) {
				return true
			}
		}
	case *Member:
		return HasArithmetic(x.X) || HasArithmetic(x.Coll)
	case *Quant:
		return HasArithmetic(x.Coll) || HasArithmetic(x.Body)
	}
	return false
}

// walkStmts calls assign for every assignment of sts, in either branch of a
// conditional, with under true for one inside a conditional, and cond for
// every condition.
func walkStmts(sts []Stmt, assign func(a *Assign, under bool), cond func(x Expr)) {
	var walk func(st Stmt, under bool)
	walk = func(st Stmt, under bool) {
		switch st := st.(type) {
		case *Assign:
			assign(st, under)
		case *IfStmt:
			cond(st.Cond)
			walk(st.Then, true)
			if st.Else != nil {
				walk(st.Else, true)
			}
		}
	}
	for _, st := range sts {
		walk(st, false)
	}
}

// marked returns the indices i with seen[i], ascending.
func marked(seen []bool) []int {
	var out []int
	for i, w := range seen {
		if w {
			out = append(out, i)
		}
	}
	return out
}

// WrittenFields returns the indices of the fields a transition may write
// (every assignment target, in either branch of a conditional, and the phase
// field when the transition has a target phase), ascending.
func (m *Machine) WrittenFields(t *Transition) []int {
	seen := make([]bool, len(m.Fields))
	walkStmts(t.Updates, func(a *Assign, _ bool) { seen[a.Field.Index] = true }, func(Expr) {})
	if t.To >= 0 {
		seen[m.Phase.Index] = true
	}
	return marked(seen)
}

// ConditionalWrites returns the indices of the fields a transition writes
// only inside a conditional, ascending: when the condition does not hold,
// such a field keeps its value.
func (m *Machine) ConditionalWrites(t *Transition) []int {
	always := make([]bool, len(m.Fields))
	some := make([]bool, len(m.Fields))
	walkStmts(t.Updates, func(a *Assign, under bool) {
		some[a.Field.Index] = true
		always[a.Field.Index] = always[a.Field.Index] || !under
	}, func(Expr) {})
	for i := range some {
		some[i] = some[i] && !always[i]
	}
	return marked(some)
}

// MarkReads marks in seen (indexed by field) every field expression x
// reads. Seen must have one entry per field of the machine.
func MarkReads(x Expr, seen []bool) {
	switch x := x.(type) {
	case *FieldRef:
		seen[x.Field.Index] = true
	case *SomeExpr:
		MarkReads(x.X, seen)
	case *UnwrapOr:
		MarkReads(x.X, seen)
		MarkReads(x.Default, seen)
	case *Not:
		MarkReads(x.X, seen)
	case *Cond:
		MarkReads(x.Cond, seen)
		MarkReads(x.Then, seen)
		MarkReads(x.Else, seen)
	case *InList:
		MarkReads(x.X, seen)
		for _, y := range x.List {
			MarkReads(y, seen)
		}
	case *Binary:
		MarkReads(x.X, seen)
		MarkReads(x.Y, seen)
	case *CollLit:
		for _, y := range x.Elems {
			MarkReads(y, seen)
		}
		for _, y := range x.Vals {
			MarkReads(y, seen)
		}
	case *Call:
		for _, y := range x.Args {
			MarkReads(y, seen)
		}
	case *Member:
		MarkReads(x.X, seen)
		MarkReads(x.Coll, seen)
	case *Quant:
		MarkReads(x.Coll, seen)
		MarkReads(x.Body, seen)
	case *IntLit, *BoolLit, *NoneLit, *EnumLit, *ArgRef, *VarRef:
	default:
		// An expression this walk does not know reads every field.
		for i := range seen {
			seen[i] = true
		}
	}
}

// ReadFields returns the indices of the fields firing a transition may read,
// ascending: the phase field, and every field its guards, its updates
// (assigned values and conditions, in either branch) and its effects'
// arguments read. A step's result is a function of these fields and the
// input's arguments alone.
func (m *Machine) ReadFields(t *Transition) []int {
	seen := make([]bool, len(m.Fields))
	seen[m.Phase.Index] = true
	for _, g := range t.Guards {
		MarkReads(g.Expr, seen)
	}
	walkStmts(t.Updates, func(a *Assign, _ bool) { MarkReads(a.Value, seen) }, func(x Expr) { MarkReads(x, seen) })
	for _, e := range t.Emits {
		for _, a := range e.Args {
			MarkReads(a, seen)
		}
	}
	return marked(seen)
}
