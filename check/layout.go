package check

import (
	"fmt"
	"math"
	"math/bits"
	"sync"

	"github.com/meerkat-go/dslmachine/model"
)

// A state is handled in two forms. The working form is a slice of slots, one
// uint64 code per field; the stored form packs those codes into a few 64-bit
// words. A code is:
//
//	bool       0 or 1
//	uint       the value
//	enum       the value's index
//	id         the index in the id type's table (the empty id first, when a
//	           non-optional field of the type can hold it)
//	option<T>  0 for none, 1 + code(T) for some
//
// Two values of one type are equal exactly when their codes are, so guards
// compare codes directly.

// idTable interns the values of one id type.
type idTable struct {
	names []string       // code -> id
	index map[string]int // id -> code
}

func (t *idTable) add(s string) {
	if _, ok := t.index[s]; !ok {
		t.index[s] = len(t.names)
		t.names = append(t.names, s)
	}
}

// layout says how fields are coded and packed.
type layout struct {
	m      *model.Machine
	ids    map[*model.IDType]*idTable
	words  int      // packed words per state
	word   []int    // per field: the word holding it
	shift  []uint   // per field: its bit offset in that word
	mask   []uint64 // per field: its value mask (after shifting down)
	hi     []uint64 // per uint field (or option<uint>): largest inner value stored
	bounds []bound  // the profile's bounds, as code limits
	// mapLimits holds, per map type with uint values (by its String), the
	// largest bound of the fields of that type.
	mapLimits map[string]uint64
	// mapCodings caches mapCoding by map type (*model.Type to mapCoded):
	// decoding states for traces and for Program.Expand asks for it per
	// map value.
	mapCodings sync.Map
}

// mapCoded is one cached result of mapCoding.
type mapCoded struct {
	radix uint64
	pow   []uint64
	err   error
}

// bound is one profile bound on a field's code.
type bound struct {
	field int
	max   uint64 // largest code allowed
	// over, when set, replaces the comparison with max (a bound on the
	// values of a map, see collections.go).
	over     func(c uint64) bool
	digitMax uint64 // with over: the largest digit of a map's code allowed
}

// exceeds reports whether a code is out of the bound.
func (b bound) exceeds(c uint64) bool {
	if b.over != nil {
		return b.over(c)
	}
	return c > b.max
}

const inf = math.MaxUint64

// newLayout computes the coding of every field for a machine and profile.
// The width of a uint field comes from a conservative range analysis: a
// field with a profile bound never stores more than the bound (a successor
// above it is not stored), and any other field is bounded by the largest
// value its initial value, the parameters' domains and the updates can
// produce from stored states.
func newLayout(m *model.Machine, p *model.Profile, inputs []model.InputValue) (*layout, error) {
	l := &layout{m: m, ids: map[*model.IDType]*idTable{}}
	for _, id := range m.IDs {
		t := &idTable{index: map[string]int{}}
		// The empty id is only ever held by a non-optional id field.
		for _, f := range m.Fields {
			if f.Type.Kind == model.KindID && f.Type.ID == id {
				t.add("")
				break
			}
		}
		if d, ok := p.TypeDomains[id.Name]; ok {
			for _, v := range d {
				t.add(v.S)
			}
		}
		l.ids[id] = t
	}
	for _, iv := range inputs {
		for i, prm := range iv.Input.Params {
			pt := prm.Type
			if pt.Kind == model.KindOption {
				pt = pt.Elem
			}
			if pt.Kind == model.KindID && (iv.Args[i].Some || prm.Type.Kind != model.KindOption) {
				l.ids[pt.ID].add(iv.Args[i].S)
			}
			if pt.IsCollection() {
				l.addCollIDs(pt, iv.Args[i])
			}
		}
	}
	l.mapLimits = map[string]uint64{}
	for fi, b := range p.Bounds {
		if t := m.Fields[fi].Type; t.Kind == model.KindMap {
			l.mapLimits[t.String()] = max(l.mapLimits[t.String()], b)
		}
	}
	l.paramMapLimits(inputs)
	if err := l.checkCollections(p); err != nil {
		return nil, err
	}
	l.hi = l.ranges(p, inputs)
	n := len(m.Fields)
	l.word, l.shift, l.mask = make([]int, n), make([]uint, n), make([]uint64, n)
	w, used := 0, uint(0)
	for i, f := range m.Fields {
		width := uint(bits.Len64(l.maxCode(f)))
		if used+width > 64 {
			w, used = w+1, 0
		}
		l.word[i], l.shift[i] = w, used
		if width == 64 {
			l.mask[i] = inf
		} else {
			l.mask[i] = 1<<width - 1
		}
		used += width
	}
	l.words = w + 1
	for _, fi := range p.BoundFields() {
		b := p.Bounds[fi]
		if t := m.Fields[fi].Type; t.Kind == model.KindMap {
			l.bounds = append(l.bounds, l.mapBound(fi, b))
			continue
		}
		if m.Fields[fi].Type.Kind == model.KindOption {
			if b == inf {
				continue
			}
			b++
		}
		l.bounds = append(l.bounds, bound{field: fi, max: b})
	}
	return l, nil
}

// maxCode is the largest code a field can hold in a stored state.
func (l *layout) maxCode(f *model.Field) uint64 {
	t := f.Type
	if t.IsCollection() {
		c, _ := l.collMax(t)
		return c
	}
	opt := uint64(0)
	if t.Kind == model.KindOption {
		t, opt = t.Elem, 1
	}
	var c uint64
	switch t.Kind {
	case model.KindBool:
		c = 1
	case model.KindEnum:
		c = uint64(len(t.Enum.Values) - 1)
	case model.KindID:
		c = uint64(max(len(l.ids[t.ID].names), 1) - 1)
	case model.KindUint:
		c = l.hi[f.Index]
		if c == inf {
			return inf
		}
	}
	return c + opt
}

// ranges returns, per field, the largest uint value (or inner value of an
// option<uint>) that a stored state can hold; inf when unbounded.
func (l *layout) ranges(p *model.Profile, inputs []model.InputValue) []uint64 {
	m := l.m
	hi := make([]uint64, len(m.Fields))
	init := m.Initial()
	for i, f := range m.Fields {
		if isUintish(f.Type) {
			hi[i] = init[i].N
		}
	}
	argHi := map[*model.Param]uint64{}
	for _, iv := range inputs {
		for i, prm := range iv.Input.Params {
			if isUintish(prm.Type) && iv.Args[i].N > argHi[prm] {
				argHi[prm] = iv.Args[i].N
			}
		}
	}
	stored := func(i int) uint64 {
		v := hi[i]
		if b, ok := p.Bounds[i]; ok && b < v {
			v = b
		}
		if mx := m.Fields[i].Max; mx != nil && *mx < v {
			v = *mx
		}
		return v
	}
	for iter := 0; ; iter++ {
		changed := false
		for _, t := range m.Transitions {
			if !p.Fires(t.Input) {
				continue // never fires under this profile
			}
			env := make([]uint64, len(hi))
			for i := range env {
				env[i] = stored(i)
			}
			var run func(st model.Stmt)
			run = func(st model.Stmt) {
				switch st := st.(type) {
				case *model.Assign:
					if !isUintish(st.Field.Type) {
						return
					}
					v := hiExpr(st.Value, env, argHi)
					if mx := st.Field.Max; mx != nil && v > *mx {
						v = *mx
					}
					if v > env[st.Field.Index] {
						env[st.Field.Index] = v
					}
					if v > hi[st.Field.Index] {
						hi[st.Field.Index] = v
						changed = true
					}
				case *model.IfStmt:
					run(st.Then)
					if st.Else != nil {
						run(st.Else)
					}
				}
			}
			for _, st := range t.Updates {
				run(st)
			}
		}
		if !changed {
			break
		}
		if iter >= 64 {
			// Still growing: whatever is not capped by a bound or max is
			// treated as unbounded (64 bits).
			for i := range hi {
				if _, ok := p.Bounds[i]; !ok && m.Fields[i].Max == nil && isUintish(m.Fields[i].Type) {
					hi[i] = inf
				}
			}
			break
		}
	}
	for i := range hi {
		hi[i] = stored(i)
	}
	return hi
}

func isUintish(t *model.Type) bool {
	return t.Kind == model.KindUint || t.Kind == model.KindOption && t.Elem.Kind == model.KindUint
}

// hiExpr bounds the (inner) uint value of an expression from above.
func hiExpr(x model.Expr, env []uint64, argHi map[*model.Param]uint64) uint64 {
	switch x := x.(type) {
	case *model.IntLit:
		return x.Value
	case *model.FieldRef:
		return env[x.Field.Index]
	case *model.ArgRef:
		return argHi[x.Param]
	case *model.SomeExpr:
		return hiExpr(x.X, env, argHi)
	case *model.UnwrapOr:
		return max(hiExpr(x.X, env, argHi), hiExpr(x.Default, env, argHi))
	case *model.Cond:
		return max(hiExpr(x.Then, env, argHi), hiExpr(x.Else, env, argHi))
	case *model.Call:
		if x.Fn == "size" {
			return x.Args[0].Type().Cap
		}
		// get(m, k, d) of a map with uint values: the checker does not code
		// such maps (mapCoding).
		return inf
	case *model.Binary:
		switch x.Op {
		case "+":
			a, b := hiExpr(x.X, env, argHi), hiExpr(x.Y, env, argHi)
			if s, c := bits.Add64(a, b, 0); c == 0 {
				return s
			}
			return inf
		case "-":
			return hiExpr(x.X, env, argHi)
		case "*":
			a, b := hiExpr(x.X, env, argHi), hiExpr(x.Y, env, argHi)
			if hi, lo := bits.Mul64(a, b); hi == 0 {
				return lo
			}
			return inf
		case "min":
			return min(hiExpr(x.X, env, argHi), hiExpr(x.Y, env, argHi))
		case "max":
			return max(hiExpr(x.X, env, argHi), hiExpr(x.Y, env, argHi))
		}
	}
	return 0
}

// code converts a value of type t to its code.
func (l *layout) code(t *model.Type, v model.Value) uint64 {
	switch t.Kind {
	case model.KindSet, model.KindMap:
		return l.collCode(t, v)
	case model.KindOption:
		if !v.Some {
			return 0
		}
		return 1 + l.code(t.Elem, v.Unwrap())
	case model.KindID:
		c, ok := l.ids[t.ID].index[v.S]
		if !ok {
			panic(fmt.Sprintf("check: id %q of type %s is in no domain", v.S, t.ID.Name))
		}
		return uint64(c)
	}
	return v.N
}

// value converts a code of type t back to a value.
func (l *layout) value(t *model.Type, c uint64) model.Value {
	switch t.Kind {
	case model.KindSet, model.KindMap:
		return l.collValue(t, c)
	case model.KindOption:
		if c == 0 {
			return model.None()
		}
		return model.SomeOf(l.value(t.Elem, c-1))
	case model.KindID:
		return model.ID(l.ids[t.ID].names[c])
	}
	return model.Value{N: c}
}

// slots converts a model state to slots.
func (l *layout) slots(s model.State, dst []uint64) {
	for i, f := range l.m.Fields {
		dst[i] = l.code(f.Type, s[i])
	}
}

// state converts slots to a model state.
func (l *layout) state(sl []uint64) model.State {
	s := make(model.State, len(sl))
	for i, f := range l.m.Fields {
		s[i] = l.value(f.Type, sl[i])
	}
	return s
}

// inBounds reports whether slots satisfy the profile constraint.
func (l *layout) inBounds(sl []uint64) bool {
	for _, b := range l.bounds {
		if b.exceeds(sl[b.field]) {
			return false
		}
	}
	return true
}

// encode packs slots into words. It reports false if a code does not fit
// its field's width, which would mean the range analysis is wrong.
func (l *layout) encode(sl []uint64, w []uint64) bool {
	clear(w)
	for i, c := range sl {
		if c > l.mask[i] {
			return false
		}
		w[l.word[i]] |= c << l.shift[i]
	}
	return true
}

// put replaces one field's code in packed words; false if it does not fit.
func (l *layout) put(w []uint64, f int, c uint64) bool {
	if c > l.mask[f] {
		return false
	}
	k := l.word[f]
	w[k] = w[k]&^(l.mask[f]<<l.shift[f]) | c<<l.shift[f]
	return true
}

// decode unpacks words into slots.
func (l *layout) decode(w []uint64, sl []uint64) {
	for i := range sl {
		sl[i] = w[l.word[i]] >> l.shift[i] & l.mask[i]
	}
}

// bits returns the number of bits a packed state uses.
func (l *layout) bits() int {
	n := 0
	for _, m := range l.mask {
		n += bits.Len64(m)
	}
	return n
}

// trySlots converts a model state to slots, or reports a value that has no
// code in this layout (an identifier outside the profile's domains, or a
// state of the wrong length).
func (l *layout) trySlots(s model.State, dst []uint64) error {
	if len(s) != len(l.m.Fields) || len(dst) != len(s) {
		return fmt.Errorf("check: a state of %d fields, want %d", len(s), len(l.m.Fields))
	}
	for i, f := range l.m.Fields {
		t, v := f.Type, s[i]
		if t.Kind == model.KindOption {
			if !v.Some {
				dst[i] = 0
				continue
			}
			t = t.Elem
		}
		if t.Kind == model.KindID {
			if _, ok := l.ids[t.ID].index[v.S]; !ok {
				return fmt.Errorf("check: field %s holds id %q, which is in no domain of the profile", f.Name, v.S)
			}
		}
		if t.IsCollection() {
			if err := l.collIDs(f, t, v); err != nil {
				return err
			}
		}
		dst[i] = l.code(f.Type, v)
	}
	return nil
}
