package model

import "fmt"

// Kind is the kind of a DSL type.
type Kind int

// The kinds of DSL types.
const (
	KindBool Kind = iota + 1
	KindUint
	KindEnum
	KindID
	KindOption
	KindSet // set<T, N>: Elem is T, Cap is N
	KindMap // map<K, V, N>: Key is K, Elem is V, Cap is N
)

// Type is a DSL type. Types are compared with Equal.
type Type struct {
	Kind Kind
	Enum *Enum   // KindEnum
	ID   *IDType // KindID
	Elem *Type   // KindOption: the type inside; KindSet: the element type; KindMap: the value type
	Key  *Type   // KindMap: the key type
	Cap  uint64  // KindSet, KindMap: the capacity
}

// Shared scalar types.
var (
	boolType = &Type{Kind: KindBool}
	uintType = &Type{Kind: KindUint}
)

// BoolType returns the bool type.
func BoolType() *Type { return boolType }

// UintType returns the uint type.
func UintType() *Type { return uintType }

// Equal reports whether two types are the same.
func (t *Type) Equal(u *Type) bool {
	if t == nil || u == nil {
		return t == u
	}
	if t.Kind != u.Kind {
		return false
	}
	switch t.Kind {
	case KindEnum:
		return t.Enum == u.Enum
	case KindID:
		return t.ID == u.ID
	case KindOption:
		return t.Elem.Equal(u.Elem)
	case KindSet:
		return t.Cap == u.Cap && t.Elem.Equal(u.Elem)
	case KindMap:
		return t.Cap == u.Cap && t.Key.Equal(u.Key) && t.Elem.Equal(u.Elem)
	}
	return true
}

// String renders the type as written in a spec.
func (t *Type) String() string {
	if t == nil {
		return "<invalid>"
	}
	switch t.Kind {
	case KindBool:
		return "bool"
	case KindUint:
		return "uint"
	case KindEnum:
		return t.Enum.Name
	case KindID:
		return t.ID.Name
	case KindOption:
		return fmt.Sprintf("option<%s>", t.Elem)
	case KindSet:
		return fmt.Sprintf("set<%s, %d>", t.Elem, t.Cap)
	case KindMap:
		return fmt.Sprintf("map<%s, %s, %d>", t.Key, t.Elem, t.Cap)
	}
	return "<invalid>"
}

// Enum is a named enum type.
type Enum struct {
	Name   string
	Values []string
	Pos    Pos
	// ValuePos holds the position of each value.
	ValuePos []Pos
	// Migrations maps the name of a value that a state persisted by an
	// earlier version of the spec may hold, and that this version no longer
	// has (a renamed or removed value), to the index of the value it is read
	// as (the spec's enum_migrations).
	Migrations map[string]int
}

// Index returns the index of a value name, or -1.
func (e *Enum) Index(name string) int {
	for i, v := range e.Values {
		if v == name {
			return i
		}
	}
	return -1
}

// IDType is an opaque identifier type: strings compared only for equality.
type IDType struct {
	Name string
	Pos  Pos
}

// Field is a state field.
type Field struct {
	Name    string
	Doc     string // the doc: text, or ""
	Type    *Type
	Initial Expr    // nil for a non-optional id field
	Max     *uint64 // optional bound on a uint (or the inner uint of an option)
	Index   int     // position in State
	Pos     Pos
	// RenamedFrom is the name the field had in an earlier version of the
	// spec: a persisted state's value under that name is read as this
	// field's ("" when the field was not renamed).
	RenamedFrom string
	// Default is the constant a persisted state that lacks the field (one
	// written before the field existed) reads as; nil: such a state does not
	// decode.
	Default Expr
}

// Param is an input parameter or an effect field.
type Param struct {
	Name  string
	Doc   string // the doc: text of the long form {type, doc}, or ""
	Type  *Type
	Index int
	Pos   Pos
}

// Input is an input the machine accepts.
type Input struct {
	Name   string
	Doc    string // the doc: text of the long form {doc, params}, or ""
	Params []*Param
	Index  int
	Pos    Pos
	// Stable marks an input listed in stable_inputs: `dslgen compat`
	// reports a change of what it does in a persisted state as an error,
	// not a warning.
	Stable bool
}

// Param returns the parameter with a name, or nil.
func (in *Input) Param(name string) *Param {
	for _, p := range in.Params {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Effect is an effect a transition can emit.
type Effect struct {
	Name   string
	Doc    string // the doc: text of the long form {doc, fields}, or ""
	Fields []*Param
	Index  int
	Pos    Pos
}

// Guard is a named boolean expression in a transition.
type Guard struct {
	Name string
	Expr Expr
	Pos  Pos
}

// Emit is one effect emitted by a transition; Args follow the effect's field order.
type Emit struct {
	Effect *Effect
	Args   []Expr
	Pos    Pos
}

// Transition is one transition of the machine.
type Transition struct {
	Name        string
	Doc         string
	Input       *Input
	From        []int // phase value indices, in ascending order
	To          int   // phase value index, or -1 for stay
	Guards      []*Guard
	Updates     []Stmt
	Emits       []*Emit
	Unreachable string // non-empty: expected never to fire, with the reason
	Index       int
	Pos         Pos
}

// Allows reports whether the transition is allowed in a phase.
func (t *Transition) Allows(phase int) bool {
	for _, p := range t.From {
		if p == phase {
			return true
		}
	}
	return false
}

// Invariant is a named boolean expression over state.
type Invariant struct {
	Name string
	Expr Expr
	Pos  Pos
}

// Profile bounds a model-checking run.
type Profile struct {
	Name string
	Doc  string
	// Bounds maps a field index to the largest value explored.
	Bounds map[int]uint64
	// TypeDomains maps an id type name or "uint" to its finite domain.
	TypeDomains map[string][]Value
	// ParamDomains maps "Input.param" to its finite domain.
	ParamDomains map[string][]Value
	// Inputs, when non-nil, lists the only inputs fired (by index).
	Inputs map[int]bool
	// Exclude lists inputs never fired (by index).
	Exclude map[int]bool
	// Properties, when non-nil, lists the only liveness properties the
	// profile checks (empty: none); nil checks every one.
	Properties []*Property
	// Depth, when positive, is the deepest level the search explores (the
	// profile's depth:): a state first reached in Depth steps is counted
	// and its invariants are checked, but it is not expanded.
	Depth int
	Pos   Pos
}

// Fires reports whether the profile fires an input.
func (p *Profile) Fires(in *Input) bool {
	if p.Exclude[in.Index] {
		return false
	}
	return p.Inputs == nil || p.Inputs[in.Index]
}

// Machine is a loaded, validated and type-checked spec.
type Machine struct {
	Name    string
	Doc     string
	Package string
	File    string
	// NamePos and PackagePos are the positions of the machine name and of
	// the package name (the machine name's when the spec has no package key).
	NamePos    Pos
	PackagePos Pos
	Enums      []*Enum
	IDs        []*IDType
	Constants  []*Constant // the constants: section, in source order
	Fields     []*Field
	Phase      *Field // the field holding the top-level phase
	Terminal   []int  // terminal phase indices
	// RemovedFields names the fields of earlier versions of the spec that
	// this one dropped on purpose (removed_fields): a persisted state's
	// value of one is discarded when it is read (MigrateStateJSON).
	RemovedFields []string
	Inputs        []*Input
	Effects       []*Effect
	Transitions   []*Transition
	Invariants    []*Invariant
	// Fairness and Properties are the liveness section: the fairness
	// declarations and the liveness properties, in source order.
	Fairness   []*Fairness
	Properties []*Property
	Profiles   []*Profile
	// Warnings holds non-fatal findings, such as a phase with no way in.
	Warnings ErrorList
}

// PhaseEnum returns the enum of the phase field.
func (m *Machine) PhaseEnum() *Enum { return m.Phase.Type.Enum }

// IsTerminal reports whether a phase index is terminal.
func (m *Machine) IsTerminal(phase int) bool {
	for _, t := range m.Terminal {
		if t == phase {
			return true
		}
	}
	return false
}

// Field returns the field with a name, or nil.
func (m *Machine) Field(name string) *Field {
	for _, f := range m.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Input returns the input with a name, or nil.
func (m *Machine) Input(name string) *Input {
	for _, in := range m.Inputs {
		if in.Name == name {
			return in
		}
	}
	return nil
}

// Transition returns the transition with a name, or nil.
func (m *Machine) Transition(name string) *Transition {
	for _, t := range m.Transitions {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Profile returns the profile with a name, or nil.
func (m *Machine) Profile(name string) *Profile {
	for _, p := range m.Profiles {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Candidates returns the transitions on an input, in source order.
func (m *Machine) Candidates(in *Input) []*Transition {
	var out []*Transition
	for _, t := range m.Transitions {
		if t.Input == in {
			out = append(out, t)
		}
	}
	return out
}

// GuardNames returns the distinct guard names used by transitions, in first-use order.
func (m *Machine) GuardNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range m.Transitions {
		for _, g := range t.Guards {
			if !seen[g.Name] {
				seen[g.Name] = true
				out = append(out, g.Name)
			}
		}
	}
	return out
}
