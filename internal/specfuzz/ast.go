// Package specfuzz is a whole-pipeline random spec generator. It draws
// random specs that are valid by construction except for their names (which
// are drawn to collide with Go keywords, predeclared identifiers, the
// generated package's own API and helpers, imported packages, TLA+ reserved
// words and each other), renders them as YAML, and runs each through the
// loader, the Go generator, the Go compiler, go vet, the interpreter
// (compared with the compiled package step by step), the model checker
// (compared with a reference exploration), the TLA+ emitter and the diagram
// renderers. See specfuzz_test.go for how to run it.
package specfuzz

import (
	"strconv"
	"strings"
)

// Spec is a spec as the generator builds it. References between its parts
// are pointers, so that renaming a declaration renames every use.
type Spec struct {
	Machine     string
	Doc         string
	Package     string
	Enums       []*Enum
	IDs         []*IDType
	Constants   []*Constant
	Fields      []*Field
	Phase       *Field
	Terminal    []int // indices into the phase enum
	Inputs      []*Input
	Effects     []*Effect
	Guards      []*LibGuard
	Transitions []*Transition
	Invariants  []*Named
	Profiles    []*Profile
}

// Enum is an enum type.
type Enum struct {
	Name   string
	Values []string
}

// IDType is an id type.
type IDType struct{ Name string }

// Kind is a type's kind.
type Kind int

// The kinds of types.
const (
	Bool Kind = iota
	Uint
	EnumK
	ID
	Option
	SetK // set<Elem, Cap>
	MapK // map<Key, Elem, Cap>
)

// Type is a DSL type.
type Type struct {
	Kind Kind
	Enum *Enum
	ID   *IDType
	Elem *Type
	Key  *Type  // MapK
	Cap  uint64 // SetK, MapK
}

// String renders the type as a spec writes it.
func (t *Type) String() string {
	switch t.Kind {
	case Bool:
		return "bool"
	case Uint:
		return "uint"
	case EnumK:
		return t.Enum.Name
	case ID:
		return t.ID.Name
	case SetK:
		return "set<" + t.Elem.String() + ", " + strconv.FormatUint(t.Cap, 10) + ">"
	case MapK:
		return "map<" + t.Key.String() + ", " + t.Elem.String() + ", " + strconv.FormatUint(t.Cap, 10) + ">"
	}
	return "option<" + t.Elem.String() + ">"
}

// Same reports whether two types are equal.
func (t *Type) Same(u *Type) bool {
	if t.Kind != u.Kind {
		return false
	}
	switch t.Kind {
	case EnumK:
		return t.Enum == u.Enum
	case ID:
		return t.ID == u.ID
	case Option:
		return t.Elem.Same(u.Elem)
	case SetK:
		return t.Cap == u.Cap && t.Elem.Same(u.Elem)
	case MapK:
		return t.Cap == u.Cap && t.Key.Same(u.Key) && t.Elem.Same(u.Elem)
	}
	return true
}

// Field is a state field.
type Field struct {
	Name    string
	Doc     string
	Type    *Type
	Initial Expr // nil for an id field
	Max     *uint64
	// MaxConst, when its value is *Max, is the constant max: names.
	MaxConst *Constant
}

// Constant is a uint constant of the constants: section; X is its
// expression (over literals and earlier constants) and Value its value.
type Constant struct {
	Name  string
	Doc   string
	X     Expr
	Value uint64
}

// Param is an input parameter or an effect field.
type Param struct {
	Name string
	Doc  string
	Type *Type
}

// Input is an input.
type Input struct {
	Name   string
	Doc    string
	Params []*Param
}

// Effect is an effect.
type Effect struct {
	Name   string
	Doc    string
	Fields []*Param
}

// LibGuard is a guard of the guards library (over fields only).
type LibGuard struct {
	Name string
	Expr Expr
}

// Named is a named expression (an invariant, an inline guard).
type Named struct {
	Name string
	Expr Expr
}

// GuardUse is one guard of a transition: a library guard or an inline one.
type GuardUse struct {
	Lib    *LibGuard
	Inline *Named
}

// Emit is one emitted effect with one expression per effect field.
type Emit struct {
	Effect *Effect
	Args   []Expr
}

// Transition is a transition.
type Transition struct {
	Name        string
	Doc         string
	On          *Input
	FromAll     bool
	From        []int // phase value indices
	To          int   // -1: stay (written as to: stay or left out)
	WriteStay   bool
	Guards      []GuardUse
	Do          []Stmt
	Emits       []*Emit
	Unreachable string
}

// Profile is a model-checking profile.
type Profile struct {
	Name    string
	Doc     string
	Bounds  []Bound
	Domains []Domain
	Inputs  []*Input
	Exclude []*Input
}

// Bound is a profile bound on a field.
type Bound struct {
	Field *Field
	Max   uint64
}

// Domain is a profile domain: for uint (all nil), an id type, or one parameter.
type Domain struct {
	ID     *IDType
	Input  *Input
	Param  *Param
	Values []string
	// Colls, for a collection parameter, are its values: collection
	// literals of enum literals and Lits (ids as names), rendered into
	// Values when the YAML is written, so that renames and removed enum
	// values reach them.
	Colls []Expr
}

// Expr is an expression node.
type Expr interface {
	render(s *Spec, b *strings.Builder, top bool)
}

// Lit is a literal written as is: 3, true, none.
type Lit struct{ Text string }

// FieldRef reads a field.
type FieldRef struct{ F *Field }

// ConstRef names a constant.
type ConstRef struct{ C *Constant }

// ArgRef reads an input parameter.
type ArgRef struct{ P *Param }

// EnumLit is an enum value; Bare asks for the unqualified form when it is
// unambiguous.
type EnumLit struct {
	E    *Enum
	V    int
	Bare bool
}

// Not is !X.
type Not struct{ X Expr }

// Bin is a binary operation.
type Bin struct {
	Op   string
	X, Y Expr
}

// In is X in [List...].
type In struct {
	X    Expr
	List []Expr
}

// If is if C then A else B.
type If struct{ C, A, B Expr }

// SomeX is some(X).
type SomeX struct{ X Expr }

// UnwrapOr is unwrap_or(X, D).
type UnwrapOr struct{ X, D Expr }

// CollLit is {}, {a, b} or {k: v, ...}.
type CollLit struct{ Elems, Vals []Expr }

// Call is a collection function: size, union, insert, get, put, ...
type Call struct {
	Fn   string
	Args []Expr
}

// Member is X in C.
type Member struct{ X, C Expr }

// QVar is a quantified variable; its name is safe (see builder.qvar).
type QVar struct {
	Name string
	T    *Type
}

// VarRef reads a quantified variable.
type VarRef struct{ V *QVar }

// Quant is all V in C: Body or any V in C: Body.
type Quant struct {
	All     bool
	V       *QVar
	C, Body Expr
}

func (x *VarRef) render(_ *Spec, b *strings.Builder, _ bool) { b.WriteString(x.V.Name) }

func (x *CollLit) render(s *Spec, b *strings.Builder, _ bool) {
	b.WriteString("{")
	for i, e := range x.Elems {
		if i > 0 {
			b.WriteString(", ")
		}
		e.render(s, b, true)
		if x.Vals != nil {
			b.WriteString(": ")
			x.Vals[i].render(s, b, true)
		}
	}
	b.WriteString("}")
}

func (x *Call) render(s *Spec, b *strings.Builder, _ bool) {
	b.WriteString(x.Fn + "(")
	for i, a := range x.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		a.render(s, b, true)
	}
	b.WriteString(")")
}

func (x *Member) render(s *Spec, b *strings.Builder, _ bool) {
	paren(s, b, x.X)
	b.WriteString(" in ")
	paren(s, b, x.C)
}

func (x *Quant) render(s *Spec, b *strings.Builder, _ bool) {
	if x.All {
		b.WriteString("all ")
	} else {
		b.WriteString("any ")
	}
	b.WriteString(x.V.Name + " in ")
	paren(s, b, x.C)
	b.WriteString(": ")
	x.Body.render(s, b, true)
}

func (x *Lit) render(_ *Spec, b *strings.Builder, _ bool)      { b.WriteString(x.Text) }
func (x *FieldRef) render(_ *Spec, b *strings.Builder, _ bool) { b.WriteString(x.F.Name) }
func (x *ConstRef) render(_ *Spec, b *strings.Builder, _ bool) { b.WriteString(x.C.Name) }
func (x *ArgRef) render(_ *Spec, b *strings.Builder, _ bool)   { b.WriteString("arg." + x.P.Name) }

func (x *EnumLit) render(s *Spec, b *strings.Builder, _ bool) {
	v := x.E.Values[x.V]
	if x.Bare && s.bareOK(v) {
		b.WriteString(v)
		return
	}
	b.WriteString(x.E.Name + "." + v)
}

// bareOK reports whether an enum value can be written unqualified: it is a
// value of one enum only and no field has its name.
func (s *Spec) bareOK(v string) bool {
	n := 0
	for _, e := range s.Enums {
		for _, w := range e.Values {
			if w == v {
				n++
			}
		}
	}
	for _, f := range s.Fields {
		if f.Name == v {
			return false
		}
	}
	return n == 1
}

func paren(s *Spec, b *strings.Builder, x Expr) {
	switch x.(type) {
	case *Lit, *FieldRef, *ConstRef, *ArgRef, *EnumLit, *SomeX, *UnwrapOr, *VarRef, *CollLit, *Call:
		x.render(s, b, false)
	default:
		b.WriteString("(")
		x.render(s, b, true)
		b.WriteString(")")
	}
}

func (x *Not) render(s *Spec, b *strings.Builder, _ bool) {
	b.WriteString("!")
	paren(s, b, x.X)
}

func (x *Bin) render(s *Spec, b *strings.Builder, _ bool) {
	if x.Op == "min" || x.Op == "max" {
		b.WriteString(x.Op + "(")
		x.X.render(s, b, true)
		b.WriteString(", ")
		x.Y.render(s, b, true)
		b.WriteString(")")
		return
	}
	paren(s, b, x.X)
	b.WriteString(" " + x.Op + " ")
	paren(s, b, x.Y)
}

func (x *In) render(s *Spec, b *strings.Builder, _ bool) {
	paren(s, b, x.X)
	b.WriteString(" in [")
	for i, e := range x.List {
		if i > 0 {
			b.WriteString(", ")
		}
		e.render(s, b, true)
	}
	b.WriteString("]")
}

func (x *If) render(s *Spec, b *strings.Builder, top bool) {
	b.WriteString("if ")
	paren(s, b, x.C)
	b.WriteString(" then ")
	paren(s, b, x.A)
	b.WriteString(" else ")
	paren(s, b, x.B)
}

func (x *SomeX) render(s *Spec, b *strings.Builder, _ bool) {
	b.WriteString("some(")
	x.X.render(s, b, true)
	b.WriteString(")")
}

func (x *UnwrapOr) render(s *Spec, b *strings.Builder, _ bool) {
	b.WriteString("unwrap_or(")
	x.X.render(s, b, true)
	b.WriteString(", ")
	x.D.render(s, b, true)
	b.WriteString(")")
}

// Stmt is an update statement.
type Stmt interface {
	renderStmt(s *Spec, b *strings.Builder)
}

// Assign is field := expr.
type Assign struct {
	F *Field
	X Expr
}

// IfStmt is if C then Then [else Else]. Then is never an IfStmt without an
// else when Else is set, so the rendering is unambiguous.
type IfStmt struct {
	C          Expr
	Then, Else Stmt
}

func (st *Assign) renderStmt(s *Spec, b *strings.Builder) {
	b.WriteString(st.F.Name + " := ")
	st.X.render(s, b, true)
}

func (st *IfStmt) renderStmt(s *Spec, b *strings.Builder) {
	b.WriteString("if ")
	paren(s, b, st.C)
	b.WriteString(" then ")
	st.Then.renderStmt(s, b)
	if st.Else != nil {
		b.WriteString(" else ")
		st.Else.renderStmt(s, b)
	}
}

// ExprString renders an expression.
func (s *Spec) ExprString(x Expr) string {
	var b strings.Builder
	x.render(s, &b, true)
	return b.String()
}

func (s *Spec) stmtString(st Stmt) string {
	var b strings.Builder
	st.renderStmt(s, &b)
	return b.String()
}

// q quotes a string as a YAML double-quoted scalar.
func q(s string) string { return strconv.Quote(s) }
