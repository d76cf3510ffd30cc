package visibility

import "github.com/meerkat-go/dslmachine/gen"

// Scope is the composition of several tool filters (upstream ToolScope).
// The zero value allows every tool.
type Scope struct {
	hasAllow bool
	allow    NameSet
	deny     NameSet
}

// Compose combines filters so that the most restrictive result wins:
// All filters are ignored; Allow sets are intersected, the first Allow
// seeding the allowed set; Deny sets are unioned. The filters are not
// modified.
func Compose(filters ...ToolFilter) Scope {
	var s Scope
	for _, f := range filters {
		switch f.kind {
		case KindAllow:
			if !s.hasAllow {
				s.hasAllow = true
				s.allow = f.names.Clone().Add()
				continue
			}
			for n := range s.allow {
				if !f.names.Has(n) {
					delete(s.allow, n)
				}
			}
		case KindDeny:
			for n := range f.names {
				s.deny = s.deny.Add(n)
			}
		}
	}
	return s
}

// Allows reports whether the scope lets the named tool through: there is no
// allow set or the name is in it, and the name is not denied. In particular
// a scope composed with Allow() (the empty allow set) hides every tool.
func (s Scope) Allows(name gen.ToolName) bool {
	if s.hasAllow && !s.allow.Has(name) {
		return false
	}
	return !s.deny.Has(name)
}

// Filter returns a single filter equivalent to the scope: Allow(allow \
// deny) when any Allow took part, otherwise Deny(deny) when something is
// denied, otherwise All.
func (s Scope) Filter() ToolFilter {
	switch {
	case s.hasAllow:
		names := NameSet{}
		for n := range s.allow {
			if !s.deny.Has(n) {
				names[n] = struct{}{}
			}
		}
		return ToolFilter{kind: KindAllow, names: names}
	case len(s.deny) > 0:
		return DenySet(s.deny)
	default:
		return All()
	}
}
