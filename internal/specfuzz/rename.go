package specfuzz

import (
	"fmt"
	"strings"
)

// nameSlots returns a pointer to every name the spec declares, except the
// profile name ci.
func (s *Spec) nameSlots() []*string {
	out := []*string{&s.Machine}
	if s.Package != "" {
		out = append(out, &s.Package)
	}
	for _, e := range s.Enums {
		out = append(out, &e.Name)
		for i := range e.Values {
			out = append(out, &e.Values[i])
		}
	}
	for _, id := range s.IDs {
		out = append(out, &id.Name)
	}
	for _, c := range s.Constants {
		out = append(out, &c.Name)
	}
	for _, f := range s.Fields {
		out = append(out, &f.Name)
	}
	for _, in := range s.Inputs {
		out = append(out, &in.Name)
		for _, p := range in.Params {
			out = append(out, &p.Name)
		}
	}
	for _, e := range s.Effects {
		out = append(out, &e.Name)
		for _, p := range e.Fields {
			out = append(out, &p.Name)
		}
	}
	for _, g := range s.Guards {
		out = append(out, &g.Name)
	}
	for _, t := range s.Transitions {
		out = append(out, &t.Name)
		for _, g := range t.Guards {
			if g.Inline != nil {
				out = append(out, &g.Inline.Name)
			}
		}
	}
	for _, inv := range s.Invariants {
		out = append(out, &inv.Name)
	}
	for _, p := range s.Profiles {
		if p.Name != "ci" {
			out = append(out, &p.Name)
		}
	}
	return out
}

// isSafe reports whether a name is one SafeName makes.
func isSafe(n string) bool { return strings.HasPrefix(n, "Zs") }

// safeName is a name no pool and no generated identifier uses.
func safeName(i int) string { return fmt.Sprintf("Zs%d", i) }

// Sanitized renders the spec with every name replaced by a safe, unique
// one: it must load whenever the spec is valid but for its names.
func (s *Spec) Sanitized() []byte {
	slots := s.nameSlots()
	saved := make([]string, len(slots))
	for i, p := range slots {
		saved[i] = *p
		*p = safeName(i + 1)
	}
	y := s.YAML()
	for i, p := range slots {
		*p = saved[i]
	}
	return y
}
