package gocode

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"text/template"

	"github.com/dave/jennifer/jen"

	"github.com/meerkat-go/dslmachine/model"
)

// Collections: each distinct set or map type of the fields and input
// parameters becomes a named
// struct type, comparable and allocation-free: a bit set for a set of enum
// values, a sorted fixed-capacity array and a length for a set of ids, and
// sorted fixed-capacity arrays of keys and values for a map. Their fields
// are unexported, so every value is canonical and == is set (map)
// equality. The code is rendered from templates and appended to the file.

// collTypeName is the Go type of a collection type: <T>Set<N> or
// <K>To<V>Map<N>.
func collTypeName(t *model.Type) string {
	if t.Kind == model.KindSet {
		return fmt.Sprintf("%sSet%d", scalarName(t.Elem), t.Cap)
	}
	return fmt.Sprintf("%sTo%sMap%d", scalarName(t.Key), scalarName(t.Elem), t.Cap)
}

// scalarName names a scalar type inside a collection type's name.
func scalarName(t *model.Type) string {
	switch t.Kind {
	case model.KindBool:
		return "Bool"
	case model.KindUint:
		return "Uint"
	case model.KindEnum:
		return enumType(t.Enum)
	case model.KindID:
		return idType(t.ID)
	case model.KindOption:
		return "Option" + scalarName(t.Elem)
	}
	return "?"
}

// collMethods are the members of every generated collection type.
var collMethods = []string{"All", "Get", "Has", "Len", "MarshalJSON", "UnmarshalJSON", "With",
	"at", "bits", "diff", "e", "get", "insert", "intersect", "k", "n", "put", "remove", "subset", "union", "v"}

// collectionTypes returns the distinct collection types of the fields and
// the input parameters, by Go name.
func collectionTypes(m *model.Machine) []*model.Type {
	seen := map[string]bool{}
	var out []*model.Type
	add := func(t *model.Type) {
		if t.IsCollection() && !seen[collTypeName(t)] {
			seen[collTypeName(t)] = true
			out = append(out, t)
		}
	}
	for _, f := range m.Fields {
		add(f.Type)
	}
	for _, in := range m.Inputs {
		for _, p := range in.Params {
			add(p.Type)
		}
	}
	sort.Slice(out, func(i, j int) bool { return collTypeName(out[i]) < collTypeName(out[j]) })
	return out
}

type collData struct {
	Name, Spec, Elem, Key, Val string
	Cap                        uint64
	Enum                       bool // the element (key) type is an enum
	ValNullable                bool // the map's value type is an option (JSON null is none)
	// Bad is the Go condition on With's arguments (v, or k and v) that
	// holds when one is not a value of its type (an enum value out of
	// range, a none option holding a value); empty when every Go value is.
	Bad string
}

// badCondition renders invalidValue's conditions on the named variables of
// the given types, joined with ||, or "" when there is none.
func badCondition(types []*model.Type, names ...string) string {
	var conds []string
	for i, t := range types {
		if c := invalidValue(t, nil, jen.Id(names[i]), true); c != nil {
			conds = append(conds, fmt.Sprintf("%#v", c))
		}
	}
	return strings.Join(conds, " || ")
}

var collTemplates = template.Must(template.New("").Parse(`
{{define "enumset"}}
// {{.Name}} is a value of the DSL type {{.Spec}}: a bit set of {{.Elem}} values.
// The zero value is the empty set, and sets compare with ==. Its JSON form is
// the array of its values in declaration order.
type {{.Name}} struct{ bits uint64 }

// Has reports whether v is in the set.
func (s {{.Name}}) Has(v {{.Elem}}) bool { return v < 64 && s.bits>>v&1 != 0 }

// Len returns the number of values in the set.
func (s {{.Name}}) Len() int { return bits.OnesCount64(s.bits) }

// at returns the i-th value in declaration order.
func (s {{.Name}}) at(i int) {{.Elem}} {
	b := s.bits
	for ; i > 0; i-- {
		b &= b - 1
	}
	return {{.Elem}}(bits.TrailingZeros64(b))
}

// All iterates over the values in declaration order.
func (s {{.Name}}) All() iter.Seq[{{.Elem}}] {
	return func(yield func({{.Elem}}) bool) {
		for b := s.bits; b != 0; b &= b - 1 {
			if !yield({{.Elem}}(bits.TrailingZeros64(b))) {
				return
			}
		}
	}
}

func (s {{.Name}}) insert(ovf *bool, v {{.Elem}}) {{.Name}} { return s.union(ovf, {{.Name}}{1 << v}) }
func (s {{.Name}}) remove(v {{.Elem}}) {{.Name}}            { return {{.Name}}{s.bits &^ (1 << v)} }
func (s {{.Name}}) intersect(o {{.Name}}) {{.Name}}         { return {{.Name}}{s.bits & o.bits} }
func (s {{.Name}}) diff(o {{.Name}}) {{.Name}}              { return {{.Name}}{s.bits &^ o.bits} }
func (s {{.Name}}) subset(o {{.Name}}) bool                 { return s.bits&^o.bits == 0 }

// union returns s ∪ o and records in ovf that it exceeds the capacity.
func (s {{.Name}}) union(ovf *bool, o {{.Name}}) {{.Name}} {
	u := {{.Name}}{s.bits | o.bits}
	if u.Len() > {{.Cap}} {
		*ovf = true
	}
	return u
}

// With returns s with v added and true, or s unchanged and false when v is
// not a value of its type or the set would exceed its capacity. It does not
// allocate: with Len and All it builds and reads sets value by value (the
// shipped-code checker packs states so).
func (s {{.Name}}) With(v {{.Elem}}) ({{.Name}}, bool) {
	{{- if .Bad}}
	if {{.Bad}} {
		return s, false
	}
	{{- end}}
	ovf := false
	u := s.insert(&ovf, v)
	if ovf {
		return s, false
	}
	return u, true
}

// MarshalJSON writes the values as an array, in declaration order.
func (s {{.Name}}) MarshalJSON() ([]byte, error) {
	list := []{{.Elem}}{}
	for v := range s.All() {
		list = append(list, v)
	}
	return json.Marshal(list)
}

// UnmarshalJSON reads an array of distinct values, at most {{.Cap}}.
func (s *{{.Name}}) UnmarshalJSON(b []byte) error {
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return err
	}
	for _, r := range raws {
		if string(r) == "null" {
			// encoding/json would leave the element its zero value.
			return fmt.Errorf("{{.Spec}}: null is not an element")
		}
	}
	var list []{{.Elem}}
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	if list == nil {
		return fmt.Errorf("{{.Spec}}: not an array") // null, as model's decoding refuses it
	}
	var u {{.Name}}
	for _, v := range list {
		if u.Has(v) {
			return fmt.Errorf("{{.Spec}}: %v repeated", v)
		}
		u.bits |= 1 << v
	}
	if u.Len() > {{.Cap}} {
		return fmt.Errorf("{{.Spec}}: %d values, at most {{.Cap}}", u.Len())
	}
	*s = u
	return nil
}
{{end}}

{{define "idset"}}
// {{.Name}} is a value of the DSL type {{.Spec}}: at most {{.Cap}} {{.Elem}} values,
// held sorted in a fixed array. The zero value is the empty set, and sets
// compare with ==. Its JSON form is the sorted array of its values.
type {{.Name}} struct {
	n uint8
	e [{{.Cap}}]{{.Elem}}
}

// Has reports whether v is in the set.
func (s {{.Name}}) Has(v {{.Elem}}) bool {
	for i := 0; i < int(s.n); i++ {
		if s.e[i] == v {
			return true
		}
	}
	return false
}

// Len returns the number of values in the set.
func (s {{.Name}}) Len() int { return int(s.n) }

// at returns the i-th value in sorted order.
func (s {{.Name}}) at(i int) {{.Elem}} { return s.e[i] }

// All iterates over the values in sorted order.
func (s {{.Name}}) All() iter.Seq[{{.Elem}}] {
	return func(yield func({{.Elem}}) bool) {
		for i := 0; i < int(s.n); i++ {
			if !yield(s.e[i]) {
				return
			}
		}
	}
}

// insert returns s ∪ {v} and records in ovf that it exceeds the capacity.
func (s {{.Name}}) insert(ovf *bool, v {{.Elem}}) {{.Name}} {
	i := 0
	for i < int(s.n) && s.e[i] < v {
		i++
	}
	if i < int(s.n) && s.e[i] == v {
		return s
	}
	if int(s.n) == {{.Cap}} {
		*ovf = true
		return s
	}
	copy(s.e[i+1:], s.e[i:s.n])
	s.e[i] = v
	s.n++
	return s
}

func (s {{.Name}}) remove(v {{.Elem}}) {{.Name}} {
	var u {{.Name}}
	for i := 0; i < int(s.n); i++ {
		if s.e[i] != v {
			u.e[u.n] = s.e[i]
			u.n++
		}
	}
	return u
}

// union returns s ∪ o and records in ovf that it exceeds the capacity.
func (s {{.Name}}) union(ovf *bool, o {{.Name}}) {{.Name}} {
	for i := 0; i < int(o.n); i++ {
		s = s.insert(ovf, o.e[i])
	}
	return s
}

func (s {{.Name}}) intersect(o {{.Name}}) {{.Name}} {
	var u {{.Name}}
	for i := 0; i < int(s.n); i++ {
		if o.Has(s.e[i]) {
			u.e[u.n] = s.e[i]
			u.n++
		}
	}
	return u
}

func (s {{.Name}}) diff(o {{.Name}}) {{.Name}} {
	var u {{.Name}}
	for i := 0; i < int(s.n); i++ {
		if !o.Has(s.e[i]) {
			u.e[u.n] = s.e[i]
			u.n++
		}
	}
	return u
}

func (s {{.Name}}) subset(o {{.Name}}) bool { return s.diff(o).n == 0 }

// With returns s with v added and true, or s unchanged and false when v is
// not a value of its type or the set would exceed its capacity. It does not
// allocate: with Len and All it builds and reads sets value by value (the
// shipped-code checker packs states so).
func (s {{.Name}}) With(v {{.Elem}}) ({{.Name}}, bool) {
	{{- if .Bad}}
	if {{.Bad}} {
		return s, false
	}
	{{- end}}
	ovf := false
	u := s.insert(&ovf, v)
	if ovf {
		return s, false
	}
	return u, true
}

// MarshalJSON writes the values as a sorted array.
func (s {{.Name}}) MarshalJSON() ([]byte, error) { return json.Marshal(s.e[:s.n]) }

// UnmarshalJSON reads an array of distinct values, at most {{.Cap}}.
func (s *{{.Name}}) UnmarshalJSON(b []byte) error {
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return err
	}
	for _, r := range raws {
		if string(r) == "null" {
			// encoding/json would leave the element its zero value.
			return fmt.Errorf("{{.Spec}}: null is not an element")
		}
	}
	var list []{{.Elem}}
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	if list == nil {
		return fmt.Errorf("{{.Spec}}: not an array") // null, as model's decoding refuses it
	}
	if len(list) > {{.Cap}} {
		return fmt.Errorf("{{.Spec}}: %d values, at most {{.Cap}}", len(list))
	}
	var u {{.Name}}
	ovf := false
	for _, v := range list {
		if u.Has(v) {
			return fmt.Errorf("{{.Spec}}: %q repeated", v)
		}
		u = u.insert(&ovf, v)
	}
	*s = u
	return nil
}
{{end}}

{{define "map"}}
// {{.Name}} is a value of the DSL type {{.Spec}}: at most {{.Cap}} entries,
// held sorted by key in fixed arrays. The zero value is the empty map, and
// maps compare with ==. Its JSON form is an object.
type {{.Name}} struct {
	n uint8
	k [{{.Cap}}]{{.Key}}
	v [{{.Cap}}]{{.Val}}
}

// Get returns the value of key k and whether k is in the map.
func (m {{.Name}}) Get(k {{.Key}}) ({{.Val}}, bool) {
	for i := 0; i < int(m.n); i++ {
		if m.k[i] == k {
			return m.v[i], true
		}
	}
	var zero {{.Val}}
	return zero, false
}

// Has reports whether k is a key of the map.
func (m {{.Name}}) Has(k {{.Key}}) bool {
	_, ok := m.Get(k)
	return ok
}

// Len returns the number of entries.
func (m {{.Name}}) Len() int { return int(m.n) }

// at returns the i-th key in sorted order.
func (m {{.Name}}) at(i int) {{.Key}} { return m.k[i] }

// All iterates over the entries in key order.
func (m {{.Name}}) All() iter.Seq2[{{.Key}}, {{.Val}}] {
	return func(yield func({{.Key}}, {{.Val}}) bool) {
		for i := 0; i < int(m.n); i++ {
			if !yield(m.k[i], m.v[i]) {
				return
			}
		}
	}
}

// get returns the value of k, or d.
func (m {{.Name}}) get(k {{.Key}}, d {{.Val}}) {{.Val}} {
	if v, ok := m.Get(k); ok {
		return v
	}
	return d
}

// put returns m with k: v and records in ovf that it exceeds the capacity.
func (m {{.Name}}) put(ovf *bool, k {{.Key}}, v {{.Val}}) {{.Name}} {
	i := 0
	for i < int(m.n) && m.k[i] < k {
		i++
	}
	if i < int(m.n) && m.k[i] == k {
		m.v[i] = v
		return m
	}
	if int(m.n) == {{.Cap}} {
		*ovf = true
		return m
	}
	copy(m.k[i+1:], m.k[i:m.n])
	copy(m.v[i+1:], m.v[i:m.n])
	m.k[i], m.v[i] = k, v
	m.n++
	return m
}

func (m {{.Name}}) remove(k {{.Key}}) {{.Name}} {
	var u {{.Name}}
	for i := 0; i < int(m.n); i++ {
		if m.k[i] != k {
			u.k[u.n], u.v[u.n] = m.k[i], m.v[i]
			u.n++
		}
	}
	return u
}

// With returns m with k: v (replacing the value of k) and true, or m
// unchanged and false when k or v is not a value of its type or the map
// would exceed its capacity. It does not allocate: with Len and All it
// builds and reads maps entry by entry (the shipped-code checker packs
// states so).
func (m {{.Name}}) With(k {{.Key}}, v {{.Val}}) ({{.Name}}, bool) {
	{{- if .Bad}}
	if {{.Bad}} {
		return m, false
	}
	{{- end}}
	ovf := false
	u := m.put(&ovf, k, v)
	if ovf {
		return m, false
	}
	return u, true
}

// MarshalJSON writes the entries as an object.
func (m {{.Name}}) MarshalJSON() ([]byte, error) {
	obj := make(map[{{.Key}}]{{.Val}}, m.n)
	for i := 0; i < int(m.n); i++ {
		obj[m.k[i]] = m.v[i]
	}
	return json.Marshal(obj)
}

// UnmarshalJSON reads an object of at most {{.Cap}} entries, each key once.
func (m *{{.Name}}) UnmarshalJSON(b []byte) error {
	var obj map[{{.Key}}]{{.Val}}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	if obj == nil {
		return fmt.Errorf("{{.Spec}}: not an object")
	}
	// A repeated key is refused, as a set's repeated element is
	// (encoding/json keeps the last value).
	d := json.NewDecoder(bytes.NewReader(b))
	if _, err := d.Token(); err != nil {
		return err
	}
	seen := make(map[string]bool, len(obj))
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return err
		}
		k, _ := t.(string)
		if seen[k] {
			return fmt.Errorf("{{.Spec}}: key %q repeated", k)
		}
		seen[k] = true
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return err
		}
{{- if not .ValNullable}}
		if string(skip) == "null" {
			// encoding/json would leave the value its zero value.
			return fmt.Errorf("{{.Spec}}: key %q: null is not a value", k)
		}
{{- end}}
	}
	if len(obj) > {{.Cap}} {
		return fmt.Errorf("{{.Spec}}: %d entries, at most {{.Cap}}", len(obj))
	}
	var u {{.Name}}
	ovf := false
	for k, v := range obj {
		u = u.put(&ovf, k, v)
	}
	*m = u
	return nil
}
{{end}}
`))

// collectionCode renders the collection types of m.
func collectionCode(m *model.Machine) ([]byte, error) {
	var b bytes.Buffer
	for _, t := range collectionTypes(m) {
		d := collData{Name: collTypeName(t), Spec: t.String(), Cap: t.Cap}
		name := "map"
		if t.Kind == model.KindSet {
			d.Elem = goTypeString(t.Elem)
			d.Bad = badCondition([]*model.Type{t.Elem}, "v")
			d.Enum = t.Elem.Kind == model.KindEnum
			name = "idset"
			if d.Enum {
				name = "enumset"
			}
		} else {
			d.Key, d.Val = goTypeString(t.Key), goTypeString(t.Elem)
			d.ValNullable = t.Elem.Kind == model.KindOption
			d.Bad = badCondition([]*model.Type{t.Key, t.Elem}, "k", "v")
		}
		if err := collTemplates.ExecuteTemplate(&b, name, d); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

// goTypeString renders a scalar Go type as text.
func goTypeString(t *model.Type) string { return fmt.Sprintf("%#v", goType(t)) }

// collExpr renders the collection expressions, or returns nil.
func (g *generator) collExpr(x model.Expr, st, in string) jen.Code {
	switch x := x.(type) {
	case *model.VarRef:
		return jen.Id(quantVar(x.Var))
	case *model.CollLit:
		c := jen.Id(collTypeName(x.Type())).Values()
		for i, e := range x.Elems {
			if x.Vals != nil {
				c = jen.Add(c).Dot("put").Call(jen.Op("&").Id("ovf"), g.expr(e, st, in), g.expr(x.Vals[i], st, in))
			} else {
				c = jen.Add(c).Dot("insert").Call(jen.Op("&").Id("ovf"), g.expr(e, st, in))
			}
		}
		return c
	case *model.Member:
		return jen.Add(g.expr(x.Coll, st, in)).Dot("Has").Call(g.expr(x.X, st, in))
	case *model.Call:
		a := g.expr(x.Args[0], st, in)
		var rest []jen.Code
		for _, e := range x.Args[1:] {
			rest = append(rest, g.expr(e, st, in))
		}
		switch x.Fn {
		case "size":
			return jen.Uint64().Parens(jen.Add(a).Dot("Len").Call())
		case "union", "insert", "put":
			return jen.Add(a).Dot(x.Fn).Call(append([]jen.Code{jen.Op("&").Id("ovf")}, rest...)...)
		}
		return jen.Add(a).Dot(x.Fn).Call(rest...)
	case *model.Quant:
		// Every element is tried (no short-circuit: docs/DSL.md).
		v := quantVar(x.Var)
		c := "c" + v
		var combine jen.Code
		if x.All {
			combine = jen.Id("r").Op("=").Id("r").Op("&&").Parens(g.expr(x.Body, st, in))
		} else {
			combine = jen.Id("r").Op("=").Parens(g.expr(x.Body, st, in)).Op("||").Id("r")
		}
		return jen.Func().Params().Bool().Block(
			jen.Id("r").Op(":=").Lit(x.All),
			jen.Id(c).Op(":=").Add(g.expr(x.Coll, st, in)),
			jen.For(jen.Id("i").Op(":=").Lit(0), jen.Id("i").Op("<").Id(c).Dot("Len").Call(), jen.Id("i").Op("++")).Block(
				jen.Id(v).Op(":=").Id(c).Dot("at").Call(jen.Id("i")),
				jen.Id("_").Op("=").Id(v), // the body need not read it
				combine),
			jen.Return(jen.Id("r"))).Call()
	}
	return nil
}

// quantVar is the Go variable of a quantified variable: q0, q1, ... by
// depth (a local of the function literal of its quantifier).
func quantVar(v *model.BoundVar) string { return fmt.Sprintf("q%d", v.Depth) }

// collLit renders a constant collection value as a struct literal.
func collLit(t *model.Type, v model.Value) jen.Code {
	es := v.Elems()
	d := jen.Dict{}
	switch {
	case len(es) == 0:
	case t.Kind == model.KindSet && t.Elem.Kind == model.KindEnum:
		var b uint64
		for _, e := range es {
			b |= 1 << e.N
		}
		d[jen.Id("bits")] = jen.Lit(b)
	case t.Kind == model.KindSet:
		var list []jen.Code
		for _, e := range es {
			list = append(list, valueLit(t.Elem, e))
		}
		d[jen.Id("n")] = jen.Lit(len(es))
		d[jen.Id("e")] = jen.Index(jen.Lit(int(t.Cap))).Add(goType(t.Elem)).Values(list...)
	default:
		var ks, vs []jen.Code
		for i := 0; i+1 < len(es); i += 2 {
			ks = append(ks, valueLit(t.Key, es[i]))
			vs = append(vs, valueLit(t.Elem, es[i+1]))
		}
		d[jen.Id("n")] = jen.Lit(len(ks))
		d[jen.Id("k")] = jen.Index(jen.Lit(int(t.Cap))).Add(goType(t.Key)).Values(ks...)
		d[jen.Id("v")] = jen.Index(jen.Lit(int(t.Cap))).Add(goType(t.Elem)).Values(vs...)
	}
	return jen.Id(collTypeName(t)).Values(d)
}

// CollectionTypeName returns the name of the generated Go type of a set or
// map type (for code written against a generated package).
func CollectionTypeName(t *model.Type) string { return collTypeName(t) }
