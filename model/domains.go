package model

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// This file defines which input values a model-checking profile fires. The
// explicit-state checker (package check) and the TLA+ emitter both use it, so
// that they explore the same graph (see "Profiles" in docs/DSL.md).

// ParamDomain returns the values a profile gives an input parameter, in the
// order they are explored:
//
//   - an "Input.param" entry of the profile's domains, when present (for an
//     option<T> parameter it lists the T values);
//   - otherwise by type: bool is [false, true]; an enum is all its values in
//     declaration order; uint is the profile's "uint" domain, else [0, 1]; an
//     id is the profile's domain for that id type, which must exist;
//   - option<T> is none followed by some(v) for every v of T's domain.
//
// It returns an error when an id parameter has no domain.
func (p *Profile) ParamDomain(in *Input, prm *Param) ([]Value, error) {
	t := prm.Type
	opt := t.Kind == KindOption
	if opt {
		t = t.Elem
	}
	vals, ok := p.ParamDomains[in.Name+"."+prm.Name]
	if !ok {
		switch t.Kind {
		case KindBool:
			vals = []Value{Bool(false), Bool(true)}
		case KindEnum:
			vals = make([]Value, len(t.Enum.Values))
			for i := range vals {
				vals[i] = EnumValue(i)
			}
		case KindUint:
			vals, ok = p.TypeDomains["uint"]
			if !ok {
				vals = []Value{Uint(0), Uint(1)}
			}
		case KindID:
			vals, ok = p.TypeDomains[t.ID.Name]
			if !ok {
				return nil, fmt.Errorf("profile %s: parameter %s.%s has type %s, which has no domain; add %s: [...] to the profile's domains",
					p.Name, in.Name, prm.Name, prm.Type, t.ID.Name)
			}
		default:
			return nil, fmt.Errorf("profile %s: parameter %s.%s has unsupported type %s", p.Name, in.Name, prm.Name, prm.Type)
		}
	}
	if !opt {
		return vals, nil
	}
	out := make([]Value, 0, len(vals)+1)
	out = append(out, None())
	for _, v := range vals {
		out = append(out, SomeOf(v))
	}
	return out, nil
}

// InputValues returns every input value the profile fires: the inputs it
// selects (its inputs and exclude lists), in spec order, each with every
// tuple of arguments from the parameters' domains (see ParamDomain), the
// first parameter varying slowest. A nil profile fires every input with the
// default domains.
func (m *Machine) InputValues(p *Profile) ([]InputValue, error) {
	if p == nil {
		p = &Profile{Name: "default"}
	}
	var out []InputValue
	for _, in := range m.Inputs {
		if !p.Fires(in) {
			continue
		}
		doms := make([][]Value, len(in.Params))
		n := 1
		for i, prm := range in.Params {
			d, err := p.ParamDomain(in, prm)
			if err != nil {
				return nil, err
			}
			doms[i] = d
			n *= len(d)
		}
		for k := 0; k < n; k++ {
			args := make([]Value, len(in.Params))
			r := k
			for i := len(doms) - 1; i >= 0; i-- {
				args[i] = doms[i][r%len(doms[i])]
				r /= len(doms[i])
			}
			out = append(out, InputValue{Input: in, Args: args})
		}
	}
	return out, nil
}

// InBounds reports whether a state satisfies the profile's constraint: every
// field with a profile bound is at most that bound (for an option<uint>
// field, the value inside when it is some). A nil profile bounds nothing.
func (p *Profile) InBounds(s State) bool {
	if p == nil {
		return true
	}
	for i, b := range p.Bounds {
		if s[i].N > b {
			return false
		}
	}
	return true
}

// FormatValue renders a value of type t as the checker prints it: numbers,
// enum value names, ids as written, none and some(x).
func FormatValue(t *Type, v Value) string {
	switch t.Kind {
	case KindBool:
		return strconv.FormatBool(v.Bool())
	case KindUint:
		return strconv.FormatUint(v.N, 10)
	case KindEnum:
		if int(v.N) < len(t.Enum.Values) {
			return t.Enum.Values[v.N]
		}
		return fmt.Sprintf("%s(%d)", t.Enum.Name, v.N)
	case KindID:
		return strconv.Quote(v.S)
	case KindOption:
		if !v.Some {
			return "none"
		}
		return "some(" + FormatValue(t.Elem, v.Unwrap()) + ")"
	case KindSet, KindMap:
		es := v.Elems()
		var parts []string
		if t.Kind == KindSet {
			for _, e := range es {
				parts = append(parts, FormatValue(t.Elem, e))
			}
		} else {
			for i := 0; i+1 < len(es); i += 2 {
				parts = append(parts, FormatValue(t.Key, es[i])+": "+FormatValue(t.Elem, es[i+1]))
			}
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "?"
}

// FormatInput renders an input value as Name{param: value, ...}, or just
// Name for an input without parameters.
func FormatInput(in InputValue) string {
	if len(in.Input.Params) == 0 {
		return in.Input.Name
	}
	parts := make([]string, len(in.Input.Params))
	for i, p := range in.Input.Params {
		parts[i] = p.Name + ": " + FormatValue(p.Type, in.Args[i])
	}
	return in.Input.Name + "{" + strings.Join(parts, ", ") + "}"
}

// BoundFields returns the indices of the fields a profile bounds, ascending.
func (p *Profile) BoundFields() []int {
	out := make([]int, 0, len(p.Bounds))
	for i := range p.Bounds {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}
