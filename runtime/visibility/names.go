package visibility

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/meerkat-go/dslmachine/gen"
)

// NameSet is a set of tool names of any size (the names a filter or a
// scope holds, the base tool names of a session); the requested deferred
// names, which the machine holds, are the generated bounded set
// DeferredNames instead. The zero value (nil) is the empty set and is
// ready to use for reads; use NewNameSet or Add to build one.
//
// A NameSet marshals to JSON as a sorted array of names.
type NameSet map[gen.ToolName]struct{}

// NewNameSet returns a set holding the given names.
func NewNameSet(names ...gen.ToolName) NameSet {
	s := make(NameSet, len(names))
	for _, n := range names {
		s[n] = struct{}{}
	}
	return s
}

// Has reports whether name is in the set.
func (s NameSet) Has(name gen.ToolName) bool {
	_, ok := s[name]
	return ok
}

// Add inserts names into the set, allocating it if it is nil, and returns
// the (possibly new) set.
func (s NameSet) Add(names ...gen.ToolName) NameSet {
	if s == nil {
		s = make(NameSet, len(names))
	}
	for _, n := range names {
		s[n] = struct{}{}
	}
	return s
}

// Len returns the number of names in the set.
func (s NameSet) Len() int { return len(s) }

// Sorted returns the names in ascending order.
func (s NameSet) Sorted() []gen.ToolName {
	out := make([]gen.ToolName, 0, len(s))
	for n := range s {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Clone returns an independent copy of the set. The copy of a nil set is
// nil.
func (s NameSet) Clone() NameSet {
	if s == nil {
		return nil
	}
	out := make(NameSet, len(s))
	for n := range s {
		out[n] = struct{}{}
	}
	return out
}

// Equal reports whether both sets hold the same names. A nil set equals an
// empty one.
func (s NameSet) Equal(o NameSet) bool {
	if len(s) != len(o) {
		return false
	}
	for n := range s {
		if !o.Has(n) {
			return false
		}
	}
	return true
}

// String renders the set as {a, b, c} in sorted order.
func (s NameSet) String() string {
	names := make([]string, 0, len(s))
	for _, n := range s.Sorted() {
		names = append(names, string(n))
	}
	return "{" + strings.Join(names, ", ") + "}"
}

// MarshalJSON encodes the set as a sorted JSON array of names.
func (s NameSet) MarshalJSON() ([]byte, error) {
	return json.Marshal(s.Sorted())
}

// UnmarshalJSON decodes a JSON array of names (or null) into the set.
func (s *NameSet) UnmarshalJSON(data []byte) error {
	var names []gen.ToolName
	if err := json.Unmarshal(data, &names); err != nil {
		return fmt.Errorf("visibility: decode name set: %w", err)
	}
	if names == nil {
		*s = nil
		return nil
	}
	*s = NewNameSet(names...)
	return nil
}
