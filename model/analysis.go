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

// WrittenFields returns the indices of the fields a transition may write
// (every assignment target, in either branch of a conditional, and the phase
// field when the transition has a target phase), ascending.
func (m *Machine) WrittenFields(t *Transition) []int {
	seen := make([]bool, len(m.Fields))
	var walk func(st Stmt)
	walk = func(st Stmt) {
		switch st := st.(type) {
		case *Assign:
			seen[st.Field.Index] = true
		case *IfStmt:
			walk(st.Then)
			if st.Else != nil {
				walk(st.Else)
			}
		}
	}
	for _, st := range t.Updates {
		walk(st)
	}
	if t.To >= 0 {
		seen[m.Phase.Index] = true
	}
	var out []int
	for i, w := range seen {
		if w {
			out = append(out, i)
		}
	}
	return out
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
	var walk func(st Stmt)
	walk = func(st Stmt) {
		switch st := st.(type) {
		case *Assign:
			MarkReads(st.Value, seen)
		case *IfStmt:
			MarkReads(st.Cond, seen)
			walk(st.Then)
			if st.Else != nil {
				walk(st.Else)
			}
		}
	}
	for _, st := range t.Updates {
		walk(st)
	}
	for _, e := range t.Emits {
		for _, a := range e.Args {
			MarkReads(a, seen)
		}
	}
	var out []int
	for i, r := range seen {
		if r {
			out = append(out, i)
		}
	}
	return out
}
