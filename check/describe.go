package check

import (
	"errors"
	"fmt"

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

// ErrCollectionsNotDescribed matches the error of DescribeLayout for a
// machine with a set or map field, whose codes the layout description (and
// so the shipped-code check, which packs the generated State with it) does
// not cover yet.
var ErrCollectionsNotDescribed = errors.New("the layout of sets and maps is not described yet (use -engine closure)")

// CodeBound is one profile bound: the code of field Field must not exceed
// Max.
type CodeBound struct {
	Field int
	Max   uint64
}

// DescribeLayout returns the layout Run uses for a machine and profile (nil:
// no bounds, default domains). An error means the profile cannot be checked.
//
// Sets and maps are not described yet (their codes are a bit set and a
// mixed-radix number, see collections.go): a machine with a collection field
// is an error matching ErrCollectionsNotDescribed.
func DescribeLayout(m *model.Machine, p *model.Profile) (*Layout, error) {
	if p == nil {
		p = defaultProfile()
	}
	for _, f := range m.Fields {
		if f.Type.IsCollection() {
			return nil, fmt.Errorf("%w: field %s has type %s", ErrCollectionsNotDescribed, f.Name, f.Type)
		}
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
	}
	for _, b := range lay.bounds {
		out.Bounds = append(out.Bounds, CodeBound{Field: b.field, Max: b.max})
	}
	reads := make([]bool, len(m.Fields))
	for _, inv := range m.Invariants {
		readFields(inv.Expr, reads)
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
