package model

import (
	"fmt"
	"slices"
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
//   - option<T> is none followed by some(v) for every v of T's domain;
//   - set<T, N> is every set of at most N values of T's domain, and
//     map<K, V, N> every map from such a set of keys of K's domain to values
//     of V's domain, smaller collections first (see collDomain).
//
// It returns an error when an id parameter (or the elements, keys or values
// of a collection parameter) has no domain, and when a collection
// parameter's default domain has more than MaxCollectionDomain values.
func (p *Profile) ParamDomain(in *Input, prm *Param) ([]Value, error) {
	t := prm.Type
	if vals, ok := p.ParamDomains[in.Name+"."+prm.Name]; ok {
		if t.Kind != KindOption {
			return vals, nil
		}
		out := make([]Value, 0, len(vals)+1)
		out = append(out, None())
		for _, v := range vals {
			out = append(out, SomeOf(v))
		}
		return out, nil
	}
	if t.IsCollection() {
		return p.collDomain(in, prm)
	}
	return p.scalarDomain(t, fmt.Sprintf("parameter %s.%s has type %s", in.Name, prm.Name, t))
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

// MaxCollectionDomain is the most values the default domain of a set or map
// parameter may have (see ParamDomain); a larger one must be listed in the
// profile.
const MaxCollectionDomain = 4096

// scalarDomain is the default domain of a parameter of a scalar type (see
// ParamDomain); what names the parameter in an error.
func (p *Profile) scalarDomain(t *Type, what string) ([]Value, error) {
	switch t.Kind {
	case KindBool:
		return []Value{Bool(false), Bool(true)}, nil
	case KindEnum:
		vals := make([]Value, len(t.Enum.Values))
		for i := range vals {
			vals[i] = EnumValue(i)
		}
		return vals, nil
	case KindUint:
		if vals, ok := p.TypeDomains["uint"]; ok {
			return vals, nil
		}
		return []Value{Uint(0), Uint(1)}, nil
	case KindID:
		if vals, ok := p.TypeDomains[t.ID.Name]; ok {
			return vals, nil
		}
		return nil, fmt.Errorf("profile %s: %s, which has no domain; add %s: [...] to the profile's domains",
			p.Name, what, t.ID.Name)
	case KindOption:
		inner, err := p.scalarDomain(t.Elem, what)
		if err != nil {
			return nil, err
		}
		out := make([]Value, 0, len(inner)+1)
		out = append(out, None())
		for _, v := range inner {
			out = append(out, SomeOf(v))
		}
		return out, nil
	}
	return nil, fmt.Errorf("profile %s: %s: unsupported type", p.Name, what)
}

// collDomain is the default domain of a set or map parameter: every set of
// at most N elements of T's domain, or every map from such a set of keys to
// values of V's domain; smaller collections first, then in lexicographic
// order of the elements' (keys') positions in their domain, then of the
// values' positions in theirs (the first key varying slowest).
func (p *Profile) collDomain(in *Input, prm *Param) ([]Value, error) {
	t := prm.Type
	what := fmt.Sprintf("parameter %s.%s has type %s", in.Name, prm.Name, t)
	elems, err := p.scalarDomain(keyType(t), what)
	if err != nil {
		return nil, err
	}
	elems = dedupe(elems)
	var vals []Value
	if t.Kind == KindMap {
		if vals, err = p.scalarDomain(t.Elem, what); err != nil {
			return nil, err
		}
		vals = dedupe(vals)
	}
	// Count first: sum over sizes k <= N of C(len(elems), k) * len(vals)^k.
	total := 0
	for k := 0; k <= min(int(t.Cap), len(elems)); k++ {
		c := binomial(len(elems), k, MaxCollectionDomain+1)
		if t.Kind == KindMap {
			for range k {
				c = min(c*max(len(vals), 1), MaxCollectionDomain+1)
			}
			if len(vals) == 0 && k > 0 {
				c = 0
			}
		}
		total = min(total+c, MaxCollectionDomain+1)
	}
	if total > MaxCollectionDomain {
		return nil, fmt.Errorf("profile %s: %s: its default domain has more than %d values; list the values to fire in the profile's domains (%s.%s: [\"{}\", ...])",
			p.Name, what, MaxCollectionDomain, in.Name, prm.Name)
	}
	out := make([]Value, 0, total)
	idx := make([]int, 0, t.Cap)
	var pick func(from, k int)
	pick = func(from, k int) {
		if len(idx) == k {
			if t.Kind == KindSet {
				es := make([]Value, k)
				for i, j := range idx {
					es[i] = elems[j]
				}
				out = append(out, SetOf(es...))
				return
			}
			// Every assignment of values to the keys, first key slowest.
			digits := make([]int, k)
			for {
				kv := make([]Value, 0, 2*k)
				for i, j := range idx {
					kv = append(kv, elems[j], vals[digits[i]])
				}
				out = append(out, MapOf(kv...))
				i := k - 1
				for ; i >= 0; i-- {
					if digits[i]++; digits[i] < len(vals) {
						break
					}
					digits[i] = 0
				}
				if i < 0 {
					return
				}
			}
		}
		for j := from; j < len(elems); j++ {
			idx = append(idx, j)
			pick(j+1, k)
			idx = idx[:len(idx)-1]
		}
	}
	for k := 0; k <= min(int(t.Cap), len(elems)); k++ {
		if t.Kind == KindMap && k > 0 && len(vals) == 0 {
			break
		}
		pick(0, k)
	}
	return out, nil
}

// binomial is C(n, k), or limit when it is larger.
func binomial(n, k, limit int) int {
	if k > n {
		return 0
	}
	k = min(k, n-k) // C(n, 0..k) then increases, so stopping at limit is exact
	c := 1
	for i := 0; i < k; i++ {
		c = c * (n - i) / (i + 1)
		if c > limit {
			return limit
		}
	}
	return c
}

// dedupe drops repeated values, keeping the first of each.
func dedupe(vs []Value) []Value {
	out := make([]Value, 0, len(vs))
	for _, v := range vs {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
