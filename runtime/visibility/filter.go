package visibility

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/meerkat-go/dslmachine/gen"
)

// ViewImageToolName is the name of the builtin image-viewing tool whose
// visibility follows the model's image_tool_results capability.
const ViewImageToolName gen.ToolName = "view_image"

// FilterKind says which of the three filter shapes a ToolFilter has.
type FilterKind uint8

const (
	// KindAll lets every tool through. It is the zero value.
	KindAll FilterKind = iota
	// KindAllow lets through only the named tools.
	KindAllow
	// KindDeny lets through every tool except the named ones.
	KindDeny
)

// String returns "all", "allow" or "deny".
func (k FilterKind) String() string {
	switch k {
	case KindAll:
		return "all"
	case KindAllow:
		return "allow"
	case KindDeny:
		return "deny"
	default:
		return fmt.Sprintf("FilterKind(%d)", uint8(k))
	}
}

// ToolFilter is one of All, Allow(names) or Deny(names).
//
// The zero value is All. A ToolFilter is immutable once built, so copies may
// be shared freely between goroutines. Build one with All, Allow, Deny,
// AllowSet or DenySet.
//
// JSON encoding follows the upstream serde shape: "all", {"allow": [...]}
// or {"deny": [...]}, names sorted.
type ToolFilter struct {
	kind  FilterKind
	names NameSet // never mutated after construction; nil for All
}

// All returns the filter that lets every tool through.
func All() ToolFilter { return ToolFilter{} }

// Allow returns a filter that lets through only the given names.
// Allow() with no names hides every tool.
func Allow(names ...gen.ToolName) ToolFilter {
	return ToolFilter{kind: KindAllow, names: NewNameSet(names...)}
}

// Deny returns a filter that hides the given names and lets every other
// tool through.
func Deny(names ...gen.ToolName) ToolFilter {
	return ToolFilter{kind: KindDeny, names: NewNameSet(names...)}
}

// AllowSet is Allow over a set; the set is copied.
func AllowSet(names NameSet) ToolFilter {
	return ToolFilter{kind: KindAllow, names: names.Clone().Add()}
}

// DenySet is Deny over a set; the set is copied.
func DenySet(names NameSet) ToolFilter {
	return ToolFilter{kind: KindDeny, names: names.Clone().Add()}
}

// Kind returns the filter's shape.
func (f ToolFilter) Kind() FilterKind { return f.kind }

// Names returns a copy of the filter's name set (nil for All).
func (f ToolFilter) Names() NameSet { return f.names.Clone() }

// Allows reports whether this single filter lets the named tool through.
func (f ToolFilter) Allows(name gen.ToolName) bool {
	switch f.kind {
	case KindAllow:
		return f.names.Has(name)
	case KindDeny:
		return !f.names.Has(name)
	default:
		return true
	}
}

// Equal reports whether two filters have the same shape and names.
// Allow(∅) and Deny(∅) are different filters, and Deny(∅) is not All,
// although Deny(∅) allows the same names as All.
func (f ToolFilter) Equal(o ToolFilter) bool {
	return f.kind == o.kind && f.names.Equal(o.names)
}

// String renders the filter as All, Allow{a, b} or Deny{a}.
func (f ToolFilter) String() string {
	switch f.kind {
	case KindAllow:
		return "Allow" + f.names.String()
	case KindDeny:
		return "Deny" + f.names.String()
	default:
		return "All"
	}
}

// MarshalJSON encodes the filter as "all", {"allow": [...]} or
// {"deny": [...]}.
func (f ToolFilter) MarshalJSON() ([]byte, error) {
	switch f.kind {
	case KindAllow:
		return json.Marshal(map[string]NameSet{"allow": f.names.Add()})
	case KindDeny:
		return json.Marshal(map[string]NameSet{"deny": f.names.Add()})
	default:
		return []byte(`"all"`), nil
	}
}

// UnmarshalJSON decodes the encoding produced by MarshalJSON. null decodes
// to All.
func (f *ToolFilter) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, []byte("null")) {
		*f = All()
		return nil
	}
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return fmt.Errorf("visibility: decode tool filter: %w", err)
		}
		if s != "all" {
			return fmt.Errorf("visibility: decode tool filter: unknown filter %q", s)
		}
		*f = All()
		return nil
	}
	var obj map[string]NameSet
	if err := json.Unmarshal(data, &obj); err != nil {
		return fmt.Errorf("visibility: decode tool filter: %w", err)
	}
	if len(obj) != 1 {
		return fmt.Errorf("visibility: decode tool filter: want exactly one of \"allow\" or \"deny\", got %d keys", len(obj))
	}
	for k, names := range obj {
		switch k {
		case "allow":
			*f = AllowSet(names)
		case "deny":
			*f = DenySet(names)
		default:
			return fmt.Errorf("visibility: decode tool filter: unknown filter %q", k)
		}
	}
	return nil
}

// CapabilityBaseFilterForImageToolResults returns the capability base filter
// that matches a model's image_tool_results support: All when the model
// supports image tool results, otherwise Deny{view_image}.
func CapabilityBaseFilterForImageToolResults(imageToolResults bool) ToolFilter {
	if imageToolResults {
		return All()
	}
	return Deny(ViewImageToolName)
}
