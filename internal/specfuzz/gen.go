package specfuzz

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"pgregory.net/rapid"
)

// SpecGen draws random specs that are valid by construction (see docs/DSL.md)
// except for their names, which may collide with anything the pipeline
// uses.
func SpecGen() *rapid.Generator[*Spec] { return specGen(false) }

// PlainSpecGen draws specs like SpecGen, with plain names only: it gets
// past every name problem to the semantics of the later stages.
func PlainSpecGen() *rapid.Generator[*Spec] { return specGen(true) }

func specGen(plain bool) *rapid.Generator[*Spec] {
	return rapid.Custom(func(t *rapid.T) *Spec {
		b := &builder{t: t, s: &Spec{}, ns: map[string]map[string]bool{}, plain: plain}
		return b.spec()
	})
}

// specialUints are uint values near the interesting limits.
var specialUints = []uint64{0, 1, 2, 3, 5, math.MaxInt32, math.MaxInt32 + 1, 1 << 32, math.MaxInt64, 1 << 63, 1<<63 + 1, math.MaxUint64 - 1, math.MaxUint64}

var docs = []string{"", "A plain doc.", "Doc with `backticks`, */ a comment end and /* a start.",
	"Line one.\nLine two.", "Quotes \" and \\ backslashes.", "Percent %d %s %v verbs.", "Unicode: héllo ✓.",
	"package main", "// a comment", "\\* TLA comment (* and *)"}

type builder struct {
	t   *rapid.T
	s   *Spec
	ns  map[string]map[string]bool // namespace -> names taken
	all []string                   // every name drawn so far
	n   int
	// hostility is how many names in a thousand are not plain.
	hostility int
	plain     bool
}

func (b *builder) intn(lo, hi int, label string) int {
	return rapid.IntRange(lo, hi).Draw(b.t, label)
}

func (b *builder) chance(pct int, label string) bool { return b.intn(0, 99, label) < pct }

// name draws a name that is free in every namespace given (the loader's
// uniqueness rules); fresh is the prefix of a safe name.
func (b *builder) name(fresh string, namespaces ...string) string {
	free := func(n string) bool {
		if !validIdent(n) {
			return false
		}
		for _, ns := range namespaces {
			if b.ns[ns][n] {
				return false
			}
		}
		return true
	}
	var n string
	// Specs differ in how hostile their names are, so that some get past
	// every name problem to the later stages.
	if b.intn(0, 999, "name kind") < b.hostility {
		switch r := b.intn(0, 99, "hostile kind"); {
		case r == 50:
			n = rapid.SampledFrom(reservedWords).Draw(b.t, "reserved name")
		case r < 55:
			n = rapid.SampledFrom(hostile).Draw(b.t, "hostile name")
		case len(b.all) > 0:
			base := rapid.SampledFrom(b.all).Draw(b.t, "twin of")
			n = rapid.SampledFrom(twins(base)).Draw(b.t, "twin")
			if slices.Contains(reservedWords, n) {
				n = ""
			}
		}
	}
	for n == "" || !free(n) {
		b.n++
		n = fmt.Sprintf("%s%d", fresh, b.n)
	}
	for _, ns := range namespaces {
		if b.ns[ns] == nil {
			b.ns[ns] = map[string]bool{}
		}
		b.ns[ns][n] = true
	}
	b.all = append(b.all, n)
	return n
}

func (b *builder) doc(label string) string { return rapid.SampledFrom(docs).Draw(b.t, label) }

// rareDoc draws a doc for a field, input, parameter, effect or constant:
// mostly none, so that the short forms stay common.
func (b *builder) rareDoc(label string) string {
	if b.chance(80, label+" none") {
		return ""
	}
	return b.doc(label)
}

// constant draws a uint constant: a literal, or min, max or * of an earlier
// constant and a small literal (never a bound error: a constant that raises
// one is a load error).
func (b *builder) constant() *Constant {
	c := &Constant{Name: b.name("K", "fields"), Doc: b.rareDoc("constant doc")}
	prev := b.s.Constants
	if len(prev) == 0 || b.chance(40, "literal constant") {
		c.Value = b.uintVal("constant")
		c.X = &Lit{Text: fmt.Sprint(c.Value)}
		return c
	}
	p := rapid.SampledFrom(prev).Draw(b.t, "earlier constant")
	n := uint64(b.intn(0, 4, "constant operand"))
	op := rapid.SampledFrom([]string{"min", "max", "*"}).Draw(b.t, "constant op")
	switch op {
	case "min":
		c.Value = min(p.Value, n)
	case "max":
		c.Value = max(p.Value, n)
	default:
		if hi, lo := bits.Mul64(p.Value, n); hi == 0 {
			c.Value = lo
		} else {
			op, c.Value = "min", min(p.Value, n)
		}
	}
	c.X = &Bin{Op: op, X: &ConstRef{C: p}, Y: &Lit{Text: fmt.Sprint(n)}}
	return c
}

func (b *builder) spec() *Spec {
	s := b.s
	b.hostility = rapid.SampledFrom([]int{0, 0, 20, 60, 250}).Draw(b.t, "hostility")
	if b.plain {
		b.hostility = 0
	}
	s.Machine = b.name("M", "machine")
	s.Doc = b.doc("machine doc")
	if b.chance(5, "package") {
		s.Package = b.name("pkg", "package")
	}
	nPhases := b.intn(1, 6, "phases")
	if b.chance(12, "many phases") {
		nPhases = b.intn(60, 70, "many phases n")
	}
	s.Enums = append(s.Enums, b.enum(nPhases))
	for i, n := 0, b.intn(0, 3, "enums"); i < n; i++ {
		s.Enums = append(s.Enums, b.enum(b.intn(1, 5, "enum size")))
	}
	for i, n := 0, b.intn(0, 2, "ids"); i < n; i++ {
		s.IDs = append(s.IDs, &IDType{Name: b.name("I", "types")})
	}
	// A field may not share its name with an enum value, nor a constant
	// (which shares the fields' namespace).
	for _, e := range s.Enums {
		for _, v := range e.Values {
			b.take("fields", v)
		}
	}
	for i, n := 0, b.intn(0, 2, "constants"); i < n; i++ {
		s.Constants = append(s.Constants, b.constant())
	}
	pe := s.Enums[0]
	s.Phase = &Field{Name: b.name("phase", "fields"), Type: &Type{Kind: EnumK, Enum: pe},
		Initial: &EnumLit{E: pe, V: b.intn(0, len(pe.Values)-1, "initial phase"), Bare: b.chance(50, "bare")}}
	s.Fields = append(s.Fields, s.Phase)
	for i, n := 0, b.intn(0, 4, "fields"); i < n; i++ {
		s.Fields = append(s.Fields, b.field())
	}
	if b.chance(25, "terminal") {
		init := s.Phase.Initial.(*EnumLit).V
		for i, n := 0, b.intn(1, 2, "terminals"); i < n; i++ {
			v := b.intn(0, len(pe.Values)-1, "terminal")
			if v != init && !contains(s.Terminal, v) {
				s.Terminal = append(s.Terminal, v)
			}
		}
	}
	for i, n := 0, b.intn(1, 4, "inputs"); i < n; i++ {
		in := &Input{Name: b.name("In", "types"), Doc: b.rareDoc("input doc")}
		for j, m := 0, b.intn(0, 3, "params"); j < m; j++ {
			t := b.anyType()
			if b.chance(15, "collection param") {
				if ct := b.paramCollType(); ct != nil {
					t = ct
				}
			}
			in.Params = append(in.Params, &Param{Name: b.name("p", "params "+in.Name), Type: t, Doc: b.rareDoc("param doc")})
		}
		s.Inputs = append(s.Inputs, in)
	}
	for i, n := 0, b.intn(0, 3, "effects"); i < n; i++ {
		e := &Effect{Name: b.name("Fx", "types"), Doc: b.rareDoc("effect doc")}
		for j, m := 0, b.intn(0, 3, "effect fields"); j < m; j++ {
			e.Fields = append(e.Fields, &Param{Name: b.name("x", "effect "+e.Name), Type: b.anyType(), Doc: b.rareDoc("effect field doc")})
		}
		s.Effects = append(s.Effects, e)
	}
	for i, n := 0, b.intn(0, 2, "library guards"); i < n; i++ {
		s.Guards = append(s.Guards, &LibGuard{Name: b.name("g", "guards"), Expr: b.expr(&ctx{fields: s.Fields}, boolT, 2, false)})
	}
	for i, n := 0, b.intn(0, 6, "transitions"); i < n; i++ {
		s.Transitions = append(s.Transitions, b.transition())
	}
	// An invariant that fails stops the checker before it compares
	// anything, so they are drawn sparingly.
	for i, n := 0, b.intn(0, 2, "invariants"); i < n && b.chance(30, "invariant"); i++ {
		s.Invariants = append(s.Invariants, &Named{Name: b.name("inv", "invariants"), Expr: b.expr(&ctx{fields: s.Fields}, boolT, 2, false)})
	}
	s.Profiles = append(s.Profiles, b.profile("ci"))
	if b.chance(20, "second profile") {
		s.Profiles = append(s.Profiles, b.profile(b.name("prof", "profiles")))
	}
	return s
}

func (b *builder) take(ns, n string) {
	if b.ns[ns] == nil {
		b.ns[ns] = map[string]bool{}
	}
	b.ns[ns][n] = true
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (b *builder) enum(n int) *Enum {
	e := &Enum{Name: b.name("E", "types")}
	ns := "enum " + e.Name
	for i := 0; i < n; i++ {
		if i > 0 && len(b.s.Enums) > 0 && b.chance(5, "shared value") {
			// A value of another enum: bare literals become ambiguous.
			other := rapid.SampledFrom(b.s.Enums).Draw(b.t, "other enum")
			v := rapid.SampledFrom(other.Values).Draw(b.t, "shared")
			if !b.ns[ns][v] {
				b.take(ns, v)
				e.Values = append(e.Values, v)
				continue
			}
		}
		if i >= 6 {
			// Long enums get plain names, or a few hostile ones would
			// clash in every spec that has one.
			b.n++
			v := fmt.Sprintf("V%d", b.n)
			b.take(ns, v)
			e.Values = append(e.Values, v)
			continue
		}
		e.Values = append(e.Values, b.name("V", ns))
	}
	return e
}

var boolT, uintT = &Type{Kind: Bool}, &Type{Kind: Uint}

// anyType draws a type among those the spec declares.
func (b *builder) anyType() *Type {
	var elem *Type
	switch b.intn(0, 3, "elem kind") {
	case 0:
		elem = uintT
	case 1:
		elem = &Type{Kind: EnumK, Enum: rapid.SampledFrom(b.s.Enums).Draw(b.t, "enum type")}
	case 2:
		if len(b.s.IDs) > 0 {
			elem = &Type{Kind: ID, ID: rapid.SampledFrom(b.s.IDs).Draw(b.t, "id type")}
		} else {
			elem = uintT
		}
	case 3:
		return boolT
	}
	if b.chance(35, "option") {
		return &Type{Kind: Option, Elem: elem}
	}
	return elem
}

// paramCollType draws the type of a collection parameter: often a
// collection field's type (so that the parameter is assigned to and
// compared with the field), else a set or map type whose map values may be
// uints (a parameter's values are its domain's: no bound needed), or nil.
func (b *builder) paramCollType() *Type {
	var fields []*Type
	for _, f := range b.s.Fields {
		if f.Type.Kind == SetK || f.Type.Kind == MapK {
			fields = append(fields, f.Type)
		}
	}
	if len(fields) > 0 && b.chance(50, "field's collection type") {
		return rapid.SampledFrom(fields).Draw(b.t, "collection field type")
	}
	return b.collType(true)
}

// collType draws a set or map type over an id type or an enum of at most
// 64 values, or returns nil when there is none; uintVals allows map values
// of type uint and option<uint>.
func (b *builder) collType(uintVals bool) *Type {
	var keys []*Type
	for _, e := range b.s.Enums {
		if len(e.Values) <= 64 {
			keys = append(keys, &Type{Kind: EnumK, Enum: e})
		}
	}
	for _, id := range b.s.IDs {
		keys = append(keys, &Type{Kind: ID, ID: id})
	}
	if len(keys) == 0 {
		return nil
	}
	k := rapid.SampledFrom(keys).Draw(b.t, "collection key")
	capacity := uint64(b.intn(1, 3, "capacity"))
	if b.chance(50, "set") || k.Kind == EnumK && len(k.Enum.Values) > 8 {
		// The checker codes a map in 64 bits, one digit per key: a map
		// over a long enum does not fit (docs/DSL.md, Collections).
		return &Type{Kind: SetK, Elem: k, Cap: capacity}
	}
	// Map values: no uint in a field's, which would need a profile bound on
	// the field.
	var v *Type
	for v == nil || !uintVals && (v.Kind == Uint || v.Kind == Option && v.Elem.Kind == Uint) {
		v = b.anyType()
	}
	return &Type{Kind: MapK, Key: k, Elem: v, Cap: capacity}
}

// qvar makes a quantified variable with a name no other name uses.
func (b *builder) qvar(t *Type) *QVar {
	b.n++
	return &QVar{Name: fmt.Sprintf("Zq%d", b.n), T: t}
}

func (b *builder) uintVal(label string) uint64 {
	if b.chance(60, label+" small") {
		return uint64(b.intn(0, 4, label))
	}
	return rapid.SampledFrom(specialUints).Draw(b.t, label)
}

func (b *builder) field() *Field {
	f := &Field{Name: b.name("f", "fields"), Type: b.anyType(), Doc: b.rareDoc("field doc")}
	if b.chance(20, "collection field") {
		if t := b.collType(false); t != nil {
			f.Type = t
			f.Initial = &CollLit{}
			return f
		}
	}
	inner := f.Type
	if inner.Kind == Option {
		inner = inner.Elem
	}
	if inner.Kind == Uint && b.chance(50, "max") {
		m := b.uintVal("max")
		if len(b.s.Constants) > 0 && b.chance(30, "max constant") {
			f.MaxConst = rapid.SampledFrom(b.s.Constants).Draw(b.t, "max constant")
			m = f.MaxConst.Value
		}
		f.Max = &m
	}
	if f.Type.Kind != ID {
		f.Initial = b.initial(f.Type, f.Max)
	}
	return f
}

// initial draws a closed expression of type t within max.
func (b *builder) initial(t *Type, max *uint64) Expr {
	switch t.Kind {
	case Bool:
		return &Lit{Text: fmt.Sprint(b.chance(50, "bool init"))}
	case Uint:
		v := b.uintVal("uint init")
		if max != nil && v > *max {
			v = *max
		}
		if len(b.s.Constants) > 0 && b.chance(20, "constant init") {
			if c := rapid.SampledFrom(b.s.Constants).Draw(b.t, "init constant"); max == nil || c.Value <= *max {
				return &ConstRef{C: c}
			}
		}
		if v > 0 && b.chance(20, "sum init") {
			a := uint64(b.intn(0, 1, "split"))
			if a > v {
				a = v
			}
			return &Bin{Op: "+", X: &Lit{Text: fmt.Sprint(v - a)}, Y: &Lit{Text: fmt.Sprint(a)}}
		}
		return &Lit{Text: fmt.Sprint(v)}
	case EnumK:
		return &EnumLit{E: t.Enum, V: b.intn(0, len(t.Enum.Values)-1, "enum init"), Bare: b.chance(50, "bare")}
	case Option:
		if t.Elem.Kind == ID || b.chance(50, "none init") {
			return &Lit{Text: "none"}
		}
		return &SomeX{X: b.initial(t.Elem, max)}
	}
	return nil
}

func (b *builder) transition() *Transition {
	s := b.s
	t := &Transition{Name: b.name("T", "transitions"), Doc: b.doc("transition doc"), To: -1}
	t.On = rapid.SampledFrom(s.Inputs).Draw(b.t, "on")
	pe := s.Phase.Type.Enum
	var open []int
	for i := range pe.Values {
		if !contains(s.Terminal, i) {
			open = append(open, i)
		}
	}
	if len(open) == 0 || b.chance(25, "from all") {
		t.FromAll = true
	} else {
		for i, n := 0, b.intn(1, 3, "from n"); i < n; i++ {
			v := rapid.SampledFrom(open).Draw(b.t, "from")
			if !contains(t.From, v) {
				t.From = append(t.From, v)
			}
		}
	}
	if b.chance(50, "to") {
		t.To = b.intn(0, len(pe.Values)-1, "to phase")
	} else {
		t.WriteStay = b.chance(50, "write stay")
	}
	c := &ctx{fields: s.Fields, params: t.On.Params}
	gns := "guards of " + t.Name
	for i, n := 0, b.intn(0, 3, "guards"); i < n; i++ {
		if len(s.Guards) > 0 && b.chance(30, "lib guard") {
			g := rapid.SampledFrom(s.Guards).Draw(b.t, "lib")
			if !b.ns[gns][g.Name] {
				b.take(gns, g.Name)
				t.Guards = append(t.Guards, GuardUse{Lib: g})
			}
			continue
		}
		for _, g := range s.Guards {
			b.take(gns, g.Name)
		}
		t.Guards = append(t.Guards, GuardUse{Inline: &Named{Name: b.name("g", gns), Expr: b.expr(c, boolT, 3, false)}})
	}
	var writable []*Field
	for _, f := range s.Fields {
		if f != s.Phase {
			writable = append(writable, f)
		}
	}
	for i, n := 0, b.intn(0, 3, "updates"); i < n && len(writable) > 0; i++ {
		t.Do = append(t.Do, b.stmt(c, writable, 0))
	}
	for i, n := 0, b.intn(0, 2, "emits"); i < n && len(s.Effects) > 0; i++ {
		e := rapid.SampledFrom(s.Effects).Draw(b.t, "effect")
		em := &Emit{Effect: e}
		for _, f := range e.Fields {
			if !b.canMake(c, f.Type, true) {
				em = nil
				break
			}
			em.Args = append(em.Args, b.expr(c, f.Type, 2, true))
		}
		if em != nil {
			t.Emits = append(t.Emits, em)
		}
	}
	if b.chance(5, "unreachable") {
		t.Unreachable = "never, says the fuzzer"
	}
	return t
}

func (b *builder) assign(c *ctx, writable []*Field) Stmt {
	f := rapid.SampledFrom(writable).Draw(b.t, "target")
	if b.chance(15, "no-op") {
		return &Assign{F: f, X: &FieldRef{F: f}}
	}
	return &Assign{F: f, X: b.expr(c, f.Type, 2, true)}
}

func (b *builder) stmt(c *ctx, writable []*Field, depth int) Stmt {
	if depth > 1 || b.chance(65, "plain update") {
		return b.assign(c, writable)
	}
	st := &IfStmt{C: b.expr(c, boolT, 2, false), Then: b.assign(c, writable)}
	switch b.intn(0, 2, "else") {
	case 1:
		st.Else = b.assign(c, writable)
	case 2:
		st.Else = b.stmt(c, writable, depth+1)
	}
	return st
}
