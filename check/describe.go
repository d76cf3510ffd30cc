package check

import (
	"github.com/meerkat-go/dslmachine/model"
)

// Layout is a read-only description of how the checker codes and packs the
// states of a machine under a profile (see the comment at the top of
// layout.go for the codes): what a program that explores with another
// implementation of the semantics (the generated Go package) needs to store
// its states in the same words and to enumerate the same input values.
type Layout struct {
	// Words is the number of 64-bit words a packed state takes.
	Words int
	// Bits is the number of bits a packed state uses.
	Bits int
	// Fields gives, per field in spec order, where its code is packed.
	Fields []FieldLayout
	// Collections gives, per field in spec order, the coding of a set or
	// map field, nil for any other.
	Collections []*CollectionLayout
	// Bounds are the profile's bounds as limits on codes: a successor with a
	// code above its field's limit lies outside the profile.
	Bounds []CodeBound
	// IDs lists, per id type name, the identifiers by code (the empty id
	// first when a non-optional field of the type can hold it).
	IDs map[string][]string
	// Inputs are the input values the profile fires, in the checker's order
	// (model.Machine.InputValues): an action is an index into it.
	Inputs []model.InputValue
	// Rechecks says, per transition, whether some invariant reads a field
	// the transition writes: when it does not, a successor it produces from
	// a state that satisfies every invariant satisfies them too.
	Rechecks []bool
}

// FieldLayout says where one field's code is packed: in word Word, shifted
// left by Shift, Mask wide (the largest code that fits).
type FieldLayout struct {
	Word  int
	Shift uint
	Mask  uint64
}

// CollectionLayout says how the code of a set or map field is made (see
// collections.go). The element of a set, or the key of a map, is coded by
// its domain: an enum value by its index, an id by its index in
// Layout.IDs.
//
// A set's code is a bit set: bit c is set when the element of code c is in
// the set. A map's code is a number in base Radix with one digit per key
// code k, of weight Weights[k]: 0 when k is absent, 1 + min(code(v),
// Radix-2) when k maps to v, where code(v) is the code of a field of the
// value type (a uint above Radix-3 saturates to Radix-2, a code every
// bound on the map's values exceeds).
type CollectionLayout struct {
	// Map says the field is a map; otherwise it is a set.
	Map bool
	// Radix is the base of a map's code (0 for a set).
	Radix uint64
	// Weights holds a map's digit weight per key code (nil for a set).
	Weights []uint64
}

// CodeBound is one profile bound: the code of field Field must not exceed
// Max. For a map field (Digits), Max bounds each digit of the code instead:
// a key's digit above Max holds a value above the bound.
type CodeBound struct {
	Field  int
	Max    uint64
	Digits bool
}

// DescribeLayout returns the layout Run uses for a machine and profile (nil:
// no bounds, default domains). An error means the profile cannot be checked.
func DescribeLayout(m *model.Machine, p *model.Profile) (*Layout, error) {
	if p == nil {
		p = defaultProfile()
	}
	ivs, err := m.InputValues(p)
	if err != nil {
		return nil, err
	}
	lay, err := newLayout(m, p, ivs)
	if err != nil {
		return nil, err
	}
	out := &Layout{Words: lay.words, Bits: lay.bits(), IDs: map[string][]string{}, Inputs: ivs}
	for i := range m.Fields {
		out.Fields = append(out.Fields, FieldLayout{Word: lay.word[i], Shift: lay.shift[i], Mask: lay.mask[i]})
		var cl *CollectionLayout
		switch t := m.Fields[i].Type; t.Kind {
		case model.KindSet:
			cl = &CollectionLayout{}
		case model.KindMap:
			radix, pow, err := lay.mapCoding(t)
			if err != nil {
				return nil, err
			}
			cl = &CollectionLayout{Map: true, Radix: radix, Weights: pow}
		}
		out.Collections = append(out.Collections, cl)
	}
	for _, b := range lay.bounds {
		cb := CodeBound{Field: b.field, Max: b.max}
		if b.over != nil {
			cb.Max, cb.Digits = b.digitMax, true
		}
		out.Bounds = append(out.Bounds, cb)
	}
	reads := make([]bool, len(m.Fields))
	for _, inv := range m.Invariants {
		model.MarkReads(inv.Expr, reads)
	}
	for _, t := range m.Transitions {
		re := false
		for _, f := range m.WrittenFields(t) {
			re = re || reads[f]
		}
		out.Rechecks = append(out.Rechecks, re)
	}
	for id, t := range lay.ids {
		out.IDs[id.Name] = append([]string(nil), t.names...)
	}
	return out, nil
}

// CheckInputLimits returns the error Run returns, before anything is
// materialized, for a profile that fires too many input values (see
// ErrTooManyInputs); nil when the profile's inputs can be checked.
func CheckInputLimits(m *model.Machine, p *model.Profile, opt Options) error {
	if p == nil {
		p = defaultProfile()
	}
	return checkInputLimits(m, p, opt)
}

// DefaultProfile returns the profile Run checks when given none: no bounds,
// the default domains.
func DefaultProfile() *model.Profile { return defaultProfile() }
