package model

import (
	"fmt"
)

// scope is what names an expression may refer to.
type scope struct {
	m       *Machine
	fields  map[string]*Field // nil: no fields allowed (initial values)
	input   *Input            // nil: no parameters allowed
	what    string            // "guard", "invariant", ... for messages
	enumsBy map[string][]*Enum
	enumMap map[string]*Enum
	e       *errs
	vars    []*BoundVar // the quantified variables in scope, outermost first
}

// resolve resolves names and types an expression. want, when non-nil, is the
// type the context expects; it is used to type none and checked at the end.
func (s *scope) resolve(x Expr, want *Type) Expr {
	r := s.infer(x, want)
	if r == nil {
		return nil
	}
	if want != nil && r.Type() != nil && !r.Type().Equal(want) {
		s.e.add(r.Pos(), "type mismatch: %s has type %s, want %s", s.what, r.Type(), want)
	}
	return r
}

func (s *scope) bad(p Pos, format string, args ...any) Expr {
	s.e.add(p, format, args...)
	return nil
}

// infer returns a typed copy of x, or nil after reporting an error.
func (s *scope) infer(x Expr, hint *Type) Expr {
	switch x := x.(type) {
	case *IntLit:
		x.T = uintType
		return x
	case *BoolLit:
		x.T = boolType
		return x
	case *NoneLit:
		if hint == nil {
			return s.bad(x.P, "cannot infer the type of none here; compare it with an option value")
		}
		if hint.Kind != KindOption {
			return s.bad(x.P, "type mismatch: none used where %s is expected", hint)
		}
		x.T = hint
		return x
	case *SomeExpr:
		var elemHint *Type
		if hint != nil && hint.Kind == KindOption {
			elemHint = hint.Elem
		}
		in := s.infer(x.X, elemHint)
		if in == nil {
			return nil
		}
		if in.Type().Kind == KindOption || in.Type().Kind == KindBool {
			return s.bad(x.P, "some(...) takes a uint, enum or id value, not %s", in.Type())
		}
		x.X = in
		x.T = &Type{Kind: KindOption, Elem: in.Type()}
		return x
	case *UnwrapOr:
		var optHint *Type
		if hint != nil && hint.Kind != KindOption && hint.Kind != KindBool {
			optHint = &Type{Kind: KindOption, Elem: hint}
		}
		o := s.infer(x.X, optHint)
		if o == nil {
			return nil
		}
		if o.Type().Kind != KindOption {
			return s.bad(x.P, "type mismatch: unwrap_or needs an option as its first argument, got %s", o.Type())
		}
		d := s.resolve(x.Default, o.Type().Elem)
		if d == nil {
			return nil
		}
		x.X, x.Default, x.T = o, d, o.Type().Elem
		return x
	case *Name:
		for i := len(s.vars) - 1; i >= 0; i-- {
			if v := s.vars[i]; v.Name == x.Name {
				return &VarRef{exprBase: exprBase{P: x.P, T: v.T}, Var: v}
			}
		}
		if s.fields != nil {
			if f := s.fields[x.Name]; f != nil {
				return &FieldRef{exprBase: exprBase{P: x.P, T: f.Type}, Field: f}
			}
		} else if s.m.Field(x.Name) != nil {
			return s.bad(x.P, "%s cannot refer to field %s", s.what, x.Name)
		}
		if c := s.m.Constant(x.Name); c != nil {
			return c.literal(x.P)
		}
		enums := s.enumsBy[x.Name]
		switch len(enums) {
		case 0:
			if s.input != nil && s.input.Param(x.Name) != nil {
				return s.bad(x.P, "unknown field %s (write arg.%s for the input parameter)", x.Name, x.Name)
			}
			return s.bad(x.P, "unknown field or enum literal %s", x.Name)
		case 1:
			e := enums[0]
			return &EnumLit{exprBase: exprBase{P: x.P, T: &Type{Kind: KindEnum, Enum: e}}, Enum: e, Value: e.Index(x.Name)}
		default:
			return s.bad(x.P, "ambiguous enum literal %s: it is a value of %s and %s; qualify it, e.g. %s.%s",
				x.Name, enums[0].Name, enums[1].Name, enums[0].Name, x.Name)
		}
	case *Qualified:
		e := s.enumMap[x.Enum]
		if e == nil {
			return s.bad(x.P, "unknown enum %s", x.Enum)
		}
		i := e.Index(x.Value)
		if i < 0 {
			return s.bad(x.P, "unknown enum literal %s.%s", x.Enum, x.Value)
		}
		return &EnumLit{exprBase: exprBase{P: x.P, T: &Type{Kind: KindEnum, Enum: e}}, Enum: e, Value: i}
	case *ArgRef:
		if s.input == nil {
			return s.bad(x.P, "%s cannot refer to input parameter arg.%s", s.what, x.Name)
		}
		p := s.input.Param(x.Name)
		if p == nil {
			return s.bad(x.P, "unknown parameter arg.%s: input %s has no parameter %s", x.Name, s.input.Name, x.Name)
		}
		x.Param, x.T = p, p.Type
		return x
	case *FieldRef, *EnumLit:
		return x
	case *Not:
		in := s.resolve(x.X, boolType)
		if in == nil {
			return nil
		}
		x.X, x.T = in, boolType
		return x
	case *Binary:
		return s.binary(x)
	case *InList:
		xx, list := s.sameType(append([]Expr{x.X}, x.List...))
		if xx == nil {
			return nil
		}
		x.X, x.List, x.T = list[0], list[1:], boolType
		return x
	case *Cond:
		c := s.resolve(x.Cond, boolType)
		t, list := s.sameTypeHint([]Expr{x.Then, x.Else}, hint)
		if c == nil || t == nil {
			return nil
		}
		x.Cond, x.Then, x.Else, x.T = c, list[0], list[1], t
		return x
	}
	if r, ok := s.inferCollection(x, hint); ok {
		return r
	}
	return s.bad(x.Pos(), "invalid expression")
}

// sameType types a list of expressions that must share one type (none takes
// the type of the others). It returns that type, or nil after an error.
func (s *scope) sameType(list []Expr) (*Type, []Expr) { return s.sameTypeHint(list, nil) }

func (s *scope) sameTypeHint(list []Expr, hint *Type) (*Type, []Expr) {
	out := make([]Expr, len(list))
	t := hint
	ok := true
	// First pass: everything that is not a bare none, to learn the type.
	for i, x := range list {
		if needsHint(x) {
			continue
		}
		r := s.infer(x, t)
		if r == nil {
			ok = false
			continue
		}
		out[i] = r
		if t == nil {
			t = r.Type()
		} else if !r.Type().Equal(t) {
			s.e.add(r.Pos(), "type mismatch in %s: %s compared or combined with %s", s.what, t, r.Type())
			ok = false
		}
	}
	for i, x := range list {
		if !needsHint(x) {
			continue
		}
		r := s.infer(x, t)
		if r == nil {
			ok = false
			continue
		}
		out[i] = r
	}
	if !ok {
		return nil, nil
	}
	return t, out
}

func (s *scope) binary(x *Binary) Expr {
	switch x.Op {
	case "&&", "||":
		a := s.resolve(x.X, boolType)
		b := s.resolve(x.Y, boolType)
		if a == nil || b == nil {
			return nil
		}
		x.X, x.Y, x.T = a, b, boolType
		return x
	case "+", "-", "*", "min", "max", "<", "<=", ">", ">=":
		a := s.infer(x.X, uintType)
		b := s.infer(x.Y, uintType)
		if a == nil || b == nil {
			return nil
		}
		for _, e := range []Expr{a, b} {
			if e.Type().Kind != KindUint {
				if x.Op == "min" || x.Op == "max" {
					s.e.add(e.Pos(), "type mismatch: %s(a, b) needs uint arguments, got %s", x.Op, e.Type())
					return nil
				}
				s.e.add(e.Pos(), "type mismatch: operator %s needs uint operands, got %s", x.Op, e.Type())
				return nil
			}
		}
		x.X, x.Y = a, b
		switch x.Op {
		case "+", "-", "*", "min", "max":
			x.T = uintType
		default:
			x.T = boolType
		}
		return x
	case "==", "!=":
		_, list := s.sameType([]Expr{x.X, x.Y})
		if list == nil {
			return nil
		}
		x.X, x.Y, x.T = list[0], list[1], boolType
		return x
	}
	return s.bad(x.P, "unknown operator %s", x.Op)
}

// stmt checks an update statement.
func (s *scope) stmt(st Stmt) bool {
	switch st := st.(type) {
	case *Assign:
		if st.IsArg {
			s.e.add(st.P, "cannot update input parameter arg.%s: parameters are read-only", st.Target)
			return false
		}
		f := s.fields[st.Target]
		if f == nil {
			if s.input != nil && s.input.Param(st.Target) != nil {
				s.e.add(st.P, "cannot update input parameter %s: parameters are read-only", st.Target)
				return false
			}
			s.e.add(st.P, "unknown field %s in update", st.Target)
			return false
		}
		if f == s.m.Phase {
			s.e.add(st.P, "cannot assign the phase field %s in an update; use to:", f.Name)
			return false
		}
		st.Field = f
		saved := s.what
		s.what = fmt.Sprintf("value assigned to %s", f.Name)
		v := s.resolve(st.Value, f.Type)
		s.what = saved
		if v == nil {
			return false
		}
		st.Value = v
		return true
	case *IfStmt:
		c := s.resolve(st.Cond, boolType)
		ok := c != nil
		st.Cond = c
		ok = s.stmt(st.Then) && ok
		if st.Else != nil {
			ok = s.stmt(st.Else) && ok
		}
		return ok
	}
	return false
}

// constValue evaluates a closed expression (an initial value).
func constValue(x Expr) (Value, error) {
	return eval(x, nil, nil)
}
