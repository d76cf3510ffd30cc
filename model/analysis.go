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
