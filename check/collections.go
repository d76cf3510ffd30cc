package check

import (
	"fmt"
	"math/bits"

	"github.com/meerkat-go/dslmachine/model"
)

// Collections are coded in one slot each (see layout):
//
//	set<T, N>     a bit set over the codes of T: bit c is set when the
//	              element of code c is in the set (T's codes must be < 64)
//	map<K, V, N>  a number in base R = maxCode(V) + 2 with one digit per
//	              key code k: 0 when k is absent, 1 + code(v) for k: v
//	              (the whole must fit 64 bits)
//
// Both are canonical, so equal collections have equal codes.

// maxQuantDepth is how deeply quantifiers may nest in one expression (the
// loader refuses deeper nesting).
const maxQuantDepth = model.MaxQuantifierDepth

// domainSize is the number of codes of an enum or id type.
func (l *layout) domainSize(t *model.Type) int {
	if t.Kind == model.KindEnum {
		return len(t.Enum.Values)
	}
	return len(l.ids[t.ID].names)
}

// scalarMax is the largest code of a map value type, or false for a type
// without a finite code range: a uint without a bound. limit is the bound
// of a uint value; the code limit+1 stands for every value above it (see
// mapBound).
func (l *layout) scalarMax(t *model.Type, limit uint64, bounded bool) (uint64, bool) {
	switch t.Kind {
	case model.KindUint:
		if limit >= inf-3 {
			return inf, bounded // no radix fits (see mapCoding)
		}
		return limit + 1, bounded
	case model.KindBool:
		return 1, true
	case model.KindEnum:
		return uint64(len(t.Enum.Values) - 1), true
	case model.KindID:
		return uint64(max(len(l.ids[t.ID].names), 1) - 1), true
	case model.KindOption:
		c, ok := l.scalarMax(t.Elem, limit, bounded)
		if c == inf {
			return inf, ok
		}
		return c + 1, ok
	}
	return 0, false
}

// mapCoding returns a map type's radix and the weight of each key code.
func (l *layout) mapCoding(t *model.Type) (radix uint64, pow []uint64, err error) {
	if c, ok := l.mapCodings.Load(t); ok {
		mc := c.(mapCoded)
		return mc.radix, mc.pow, mc.err
	}
	radix, pow, err = l.computeMapCoding(t)
	l.mapCodings.Store(t, mapCoded{radix, pow, err})
	return radix, pow, err
}

// computeMapCoding is mapCoding without the cache.
func (l *layout) computeMapCoding(t *model.Type) (radix uint64, pow []uint64, err error) {
	limit, bounded := l.mapLimits[t.String()]
	vmax, ok := l.scalarMax(t.Elem, limit, bounded)
	if !ok {
		return 0, nil, fmt.Errorf("%s: a map with %s values needs a profile bound on its field (bounds: {field: N} bounds every value)", t, t.Elem)
	}
	if vmax >= inf-1 {
		return 0, nil, fmt.Errorf("%s: a value of %d does not fit the checker's 64-bit code of a map (docs/DSL.md, Collections)", t, limit)
	}
	radix = vmax + 2
	k := l.domainSize(t.Key)
	pow = make([]uint64, k)
	p := uint64(1)
	for i := 0; i < k; i++ {
		pow[i] = p
		hi, lo := bits.Mul64(p, radix)
		if i+1 < k && hi != 0 || i+1 == k && (hi > 1 || hi == 1 && lo != 0) {
			return 0, nil, fmt.Errorf("%s: %d keys of %d digit values each do not fit the checker's 64-bit code of a map (docs/DSL.md, Collections)", t, k, radix)
		}
		p = lo
	}
	return radix, pow, nil
}

// collMax is the largest code of a collection type.
func (l *layout) collMax(t *model.Type) (uint64, error) {
	if t.Kind == model.KindSet {
		n := l.domainSize(t.Elem)
		if n > 64 {
			return 0, fmt.Errorf("%s: %d values of %s do not fit a 64-bit set code; shrink the profile's domains", t, n, t.Elem)
		}
		if n == 64 {
			return inf, nil
		}
		return 1<<n - 1, nil
	}
	radix, pow, err := l.mapCoding(t)
	if err != nil {
		return 0, err
	}
	if len(pow) == 0 {
		return 0, nil
	}
	last := pow[len(pow)-1]
	hi, lo := bits.Mul64(last, radix)
	if hi != 0 || lo == 0 {
		return inf, nil
	}
	return lo - 1, nil
}

// CodingError is the error of a profile whose collection field the checker
// cannot code: a map of uint (or option<uint>) values without a profile
// bound on the field, or a set or map too wide for one 64-bit word. It is a
// fact of the spec and profile (exit 2 in dslgen), at the field's position.
type CodingError struct {
	Field   *model.Field
	Profile string
	Err     error // what does not fit
}

func (e *CodingError) Error() string {
	return fmt.Sprintf("%s: field %s: %v", e.Field.Pos, e.Field.Name, e.Err)
}

// Unwrap returns what does not fit.
func (e *CodingError) Unwrap() error { return e.Err }

// checkCollections reports a collection field or parameter the layout
// cannot code, at its position. A map field of uint (or option<uint>)
// values needs a bound of its own: with a bound on another field of its
// type only, its values would saturate (mapBound) in stored states.
func (l *layout) checkCollections(p *model.Profile) error {
	for _, f := range l.m.Fields {
		if !f.Type.IsCollection() {
			continue
		}
		if _, ok := p.Bounds[f.Index]; !ok && f.Type.Kind == model.KindMap && isUintish(f.Type.Elem) {
			return &CodingError{Field: f, Profile: p.Name, Err: fmt.Errorf("%s: a map with %s values needs a profile bound on the field, which profile %s does not give (bounds: {%s: N} bounds every value)", f.Type, f.Type.Elem, p.Name, f.Name)}
		}
		if _, err := l.collMax(f.Type); err != nil {
			return &CodingError{Field: f, Profile: p.Name, Err: err}
		}
	}
	for _, in := range l.m.Inputs {
		for _, prm := range in.Params {
			if prm.Type.IsCollection() {
				if _, err := l.collMax(prm.Type); err != nil {
					return fmt.Errorf("%s: input %s, parameter %s: %w", prm.Pos, in.Name, prm.Name, err)
				}
			}
		}
	}
	return nil
}

// addCollIDs interns the ids of a collection argument (its elements, keys
// and id values).
func (l *layout) addCollIDs(t *model.Type, v model.Value) {
	types := []*model.Type{t.Elem}
	if t.Kind == model.KindMap {
		types = []*model.Type{t.Key, t.Elem}
	}
	for i, e := range v.Elems() {
		et := types[i%len(types)]
		if et.Kind == model.KindOption {
			if !e.Some {
				continue
			}
			et, e = et.Elem, e.Unwrap()
		}
		if et.Kind == model.KindID {
			l.ids[et.ID].add(e.S)
		}
	}
}

// paramMapLimits raises the limit of every map type with uint values that
// a parameter has to the largest value its arguments hold, so that
// arguments are coded exactly; such a type has a limit (0 at least) even
// without a bounded field, as a parameter's values are the domain's.
func (l *layout) paramMapLimits(inputs []model.InputValue) {
	for _, in := range l.m.Inputs {
		for _, prm := range in.Params {
			if t := prm.Type; t.Kind == model.KindMap && isUintish(t.Elem) {
				l.mapLimits[t.String()] = max(l.mapLimits[t.String()], 0)
			}
		}
	}
	for _, iv := range inputs {
		for i, prm := range iv.Input.Params {
			t := prm.Type
			if t.Kind != model.KindMap || !isUintish(t.Elem) {
				continue
			}
			es := iv.Args[i].Elems()
			for j := 1; j < len(es); j += 2 {
				if es[j].Some || t.Elem.Kind == model.KindUint {
					l.mapLimits[t.String()] = max(l.mapLimits[t.String()], es[j].N)
				}
			}
		}
	}
	l.mapCodings.Clear() // the limits changed
}

// collCode codes a collection value.
func (l *layout) collCode(t *model.Type, v model.Value) uint64 {
	es := v.Elems()
	var c uint64
	if t.Kind == model.KindSet {
		for _, e := range es {
			c |= 1 << l.code(t.Elem, e)
		}
		return c
	}
	radix, pow, _ := l.mapCoding(t)
	for i := 0; i+1 < len(es); i += 2 {
		c += (1 + min(l.code(t.Elem, es[i+1]), radix-2)) * pow[l.code(t.Key, es[i])]
	}
	return c
}

// collValue decodes a collection code.
func (l *layout) collValue(t *model.Type, c uint64) model.Value {
	if t.Kind == model.KindSet {
		var es []model.Value
		for ; c != 0; c &= c - 1 {
			es = append(es, l.value(t.Elem, uint64(bits.TrailingZeros64(c))))
		}
		return model.SetOf(es...)
	}
	radix, pow, _ := l.mapCoding(t)
	var kv []model.Value
	for k := range pow {
		if d := c / pow[k] % radix; d != 0 {
			kv = append(kv, l.value(t.Key, uint64(k)), l.value(t.Elem, d-1))
		}
	}
	return model.MapOf(kv...)
}

// compileCollection compiles the collection expressions, or returns nil.
func (pr *program) compileCollection(x model.Expr) fn {
	switch x := x.(type) {
	case *model.VarRef:
		d := x.Var.Depth
		return func(e *env) uint64 { return e.v[d] }
	case *model.CollLit:
		return pr.compileLit(x)
	case *model.Member:
		el, c := pr.compileExpr(x.X), pr.compileExpr(x.Coll)
		if t := x.Coll.Type(); t.Kind == model.KindMap {
			radix, pow := pr.coding(t)
			return func(e *env) uint64 {
				k, m := el(e), c(e)
				return b2u(m/pow[k]%radix != 0)
			}
		}
		return func(e *env) uint64 { return c(e) >> el(e) & 1 }
	case *model.Quant:
		return pr.compileQuant(x)
	case *model.Call:
		return pr.compileCall(x)
	}
	return nil
}

// coding returns a map type's coding; newLayout has checked that it exists
// for every field, and expressions have the types of fields.
func (pr *program) coding(t *model.Type) (uint64, []uint64) {
	radix, pow, err := pr.lay.mapCoding(t)
	if err != nil {
		panic(err)
	}
	return radix, pow
}

// noteLossy counts a compiled put or literal of a map type whose values can
// be written above their largest code (uint values), see program.lossy.
func (pr *program) noteLossy(t *model.Type) {
	if isUintish(t.Elem) {
		pr.lossy++
	}
}

// mapSize counts the keys present in a map code.
func mapSize(c, radix uint64, pow []uint64) uint64 {
	var n uint64
	for k := range pow {
		if c/pow[k]%radix != 0 {
			n++
		}
	}
	return n
}

func (pr *program) compileLit(x *model.CollLit) fn {
	t := x.Type()
	elems := make([]fn, len(x.Elems))
	for i, y := range x.Elems {
		elems[i] = pr.compileExpr(y)
	}
	capacity := t.Cap
	if t.Kind == model.KindSet {
		return func(e *env) uint64 {
			var c uint64
			for _, f := range elems {
				c |= 1 << f(e)
			}
			if uint64(bits.OnesCount64(c)) > capacity {
				e.bad = true
			}
			return c
		}
	}
	vals := make([]fn, len(x.Vals))
	for i, y := range x.Vals {
		vals[i] = pr.compileExpr(y)
	}
	radix, pow := pr.coding(t)
	pr.noteLossy(t)
	return func(e *env) uint64 {
		var c uint64
		for i, f := range elems {
			k, v := f(e), vals[i](e)
			if v > radix-2 {
				v, e.sat = radix-2, true
			}
			c = c - c/pow[k]%radix*pow[k] + (v+1)*pow[k]
		}
		if mapSize(c, radix, pow) > capacity {
			e.bad = true
		}
		return c
	}
}

func (pr *program) compileQuant(x *model.Quant) fn {
	if x.Var.Depth >= maxQuantDepth {
		panic(fmt.Sprintf("check: quantifiers nested deeper than %d", maxQuantDepth))
	}
	c, body, d, all := pr.compileExpr(x.Coll), pr.compileExpr(x.Body), x.Var.Depth, x.All
	// Every element is tried (docs/DSL.md: a quantifier does not
	// short-circuit).
	if t := x.Coll.Type(); t.Kind == model.KindMap {
		radix, pow := pr.coding(t)
		return func(e *env) uint64 {
			m := c(e)
			r := all
			for k := range pow {
				if m/pow[k]%radix == 0 {
					continue
				}
				e.v[d] = uint64(k)
				if v := body(e) != 0; all {
					r = r && v
				} else {
					r = r || v
				}
			}
			return b2u(r)
		}
	}
	return func(e *env) uint64 {
		r := all
		for s := c(e); s != 0; s &= s - 1 {
			e.v[d] = uint64(bits.TrailingZeros64(s))
			if v := body(e) != 0; all {
				r = r && v
			} else {
				r = r || v
			}
		}
		return b2u(r)
	}
}

func (pr *program) compileCall(x *model.Call) fn {
	args := make([]fn, len(x.Args))
	for i, a := range x.Args {
		args[i] = pr.compileExpr(a)
	}
	t := x.Args[0].Type()
	a := args[0]
	if t.Kind == model.KindSet {
		capacity := x.Type().Cap
		fits := func(e *env, c uint64) uint64 {
			if uint64(bits.OnesCount64(c)) > capacity {
				e.bad = true
			}
			return c
		}
		switch x.Fn {
		case "size":
			return func(e *env) uint64 { return uint64(bits.OnesCount64(a(e))) }
		case "union":
			b := args[1]
			return func(e *env) uint64 { u, v := a(e), b(e); return fits(e, u|v) }
		case "intersect":
			b := args[1]
			return func(e *env) uint64 { u, v := a(e), b(e); return u & v }
		case "diff":
			b := args[1]
			return func(e *env) uint64 { u, v := a(e), b(e); return u &^ v }
		case "subset":
			b := args[1]
			return func(e *env) uint64 { u, v := a(e), b(e); return b2u(u&^v == 0) }
		case "insert":
			b := args[1]
			return func(e *env) uint64 { u, v := a(e), b(e); return fits(e, u|1<<v) }
		case "remove":
			b := args[1]
			return func(e *env) uint64 { u, v := a(e), b(e); return u &^ (1 << v) }
		}
	}
	radix, pow := pr.coding(t)
	capacity := t.Cap
	switch x.Fn {
	case "size":
		return func(e *env) uint64 { return mapSize(a(e), radix, pow) }
	case "remove":
		b := args[1]
		return func(e *env) uint64 {
			m, k := a(e), b(e)
			return m - m/pow[k]%radix*pow[k]
		}
	case "get":
		b, d := args[1], args[2]
		return func(e *env) uint64 {
			m, k, dv := a(e), b(e), d(e)
			if dg := m / pow[k] % radix; dg != 0 {
				return dg - 1
			}
			return dv
		}
	case "put":
		b, v := args[1], args[2]
		pr.noteLossy(t)
		return func(e *env) uint64 {
			m, k, val := a(e), b(e), v(e)
			if val > radix-2 {
				val, e.sat = radix-2, true
			}
			old := m / pow[k] % radix
			if old == 0 && mapSize(m, radix, pow) >= capacity {
				e.bad = true
				return m
			}
			return m - old*pow[k] + (val+1)*pow[k]
		}
	}
	panic(fmt.Sprintf("check: cannot compile %s", x.Fn))
}

// collIDs reports an id in a collection value that is in no domain, and a
// map value above what the profile's code of the map holds exactly.
func (l *layout) collIDs(f *model.Field, t *model.Type, v model.Value) error {
	es := v.Elems()
	if t.Kind == model.KindMap {
		// A value above the largest one the map's code holds exactly
		// would be coded as that one plus one (mapBound): refuse it.
		radix, _, err := l.mapCoding(t)
		if err != nil {
			return err
		}
		for i := 1; i < len(es); i += 2 {
			if c := l.code(t.Elem, es[i]); c > radix-2 {
				return fmt.Errorf("check: field %s holds a value above what the profile's code of %s holds exactly", f.Name, t)
			}
		}
	}
	types := []*model.Type{t.Elem}
	if t.Kind == model.KindMap {
		types = []*model.Type{t.Key, t.Elem}
	}
	for i, e := range es {
		et := types[i%len(types)]
		if et.Kind == model.KindOption {
			if !e.Some {
				continue
			}
			et = et.Elem
		}
		if et.Kind == model.KindID {
			if _, ok := l.ids[et.ID].index[e.S]; !ok {
				return fmt.Errorf("check: field %s holds id %q, which is in no domain of the profile", f.Name, e.S)
			}
		}
	}
	return nil
}

// mapBound is a profile bound on a map field with uint (or option<uint>)
// values: every value at most b. A value above the largest bound of the
// fields of its type is coded as that bound plus one (the codes saturate),
// which is out of every such bound, so a state holding it is never stored.
func (l *layout) mapBound(fi int, b uint64) bound {
	t := l.m.Fields[fi].Type
	radix, pow, _ := l.mapCoding(t)
	limit := b + 1 // the largest digit: 1 + code(b)
	if t.Elem.Kind == model.KindOption {
		limit++
	}
	return bound{field: fi, digitMax: limit, over: func(c uint64) bool {
		for k := range pow {
			if c/pow[k]%radix > limit {
				return true
			}
		}
		return false
	}}
}
