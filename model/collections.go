package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Bounded collections: set<T, N> over an id or enum type T, and
// map<K, V, N> from an id or enum type K to a scalar V, each holding at most
// N elements (entries). A collection value is canonical (sorted, without
// duplicates), so two values are equal exactly when their Values are.
//
// In a Value a collection keeps its size in N and its canonical encoding in
// S: the elements (for a map the keys and values, alternating) in order,
// each as "N,Some,len(S):S;".

// MaxCollectionCap is the largest capacity of a collection, and the most
// values an enum may have to be a set's element type or a map's key type.
const MaxCollectionCap = 64

// MaxQuantifierDepth is how deeply quantifiers may nest in one expression.
const MaxQuantifierDepth = 8

// CollLit is {a, b, ...} (a set), {k: v, ...} (a map) or {} (either); its
// type comes from the context, as none's does.
type CollLit struct {
	exprBase
	Elems []Expr // the set's elements, or the map's keys
	Vals  []Expr // the map's values (nil for a set)
}

// Call is a collection function: size(c), union(a, b), intersect(a, b),
// diff(a, b), subset(a, b) (a and b of one set type), insert(s, x),
// remove(c, x), get(m, k, d), put(m, k, v).
type Call struct {
	exprBase
	Fn   string
	Args []Expr
}

// Member is X in Coll: membership in a set, or a key of a map.
type Member struct {
	exprBase
	X, Coll Expr
}

// BoundVar is the variable of a quantifier. Depth is its index among the
// quantified variables in scope (0 for the outermost).
type BoundVar struct {
	Name  string
	Depth int
	T     *Type
}

// Quant is all x in Coll: Body or any x in Coll: Body. Over a map, x ranges
// over the keys.
type Quant struct {
	exprBase
	All  bool
	Var  *BoundVar
	Coll Expr
	Body Expr
}

// VarRef reads a quantified variable.
type VarRef struct {
	exprBase
	Var *BoundVar
}

// collFuncs gives the number of arguments of each collection function. A
// name is a call only when "(" follows it, so none of them is reserved.
var collFuncs = map[string]int{
	"size": 1, "union": 2, "intersect": 2, "diff": 2, "subset": 2,
	"insert": 2, "remove": 2, "get": 3, "put": 3,
}

// ---- parsing ----

func (p *parser) isOpAt(k int, op string) bool {
	if p.i+k >= len(p.toks) {
		return false
	}
	t := p.toks[p.i+k]
	return t.kind == tOp && t.text == op
}

func (p *parser) isIdentAt(k int, text string) bool {
	if p.i+k >= len(p.toks) {
		return false
	}
	t := p.toks[p.i+k]
	return t.kind == tIdent && (text == "" || t.text == text)
}

// quantifier parses all x in c: body or any x in c: body, or returns nil.
func (p *parser) quantifier(depth int) Expr {
	if !(p.isKeyword("all") || p.isKeyword("any")) || !p.isIdentAt(1, "") || !p.isIdentAt(2, "in") {
		return nil
	}
	t := p.next()
	v := p.next()
	if keywords[v.text] {
		p.fail(v, "expected a variable name after %q, found %s", t.text, describe(v))
	}
	p.next() // in
	c := p.sum(depth + 1)
	p.expectOp(":")
	body := p.expr(depth + 1)
	return &Quant{exprBase: exprBase{P: p.base(t.off)}, All: t.text == "all", Var: &BoundVar{Name: v.text}, Coll: c, Body: body}
}

// collLit parses the rest of a collection literal after "{".
func (p *parser) collLit(pos Pos, depth int) Expr {
	x := &CollLit{exprBase: exprBase{P: pos}}
	if p.isOp("}") {
		p.next()
		return x
	}
	for {
		x.Elems = append(x.Elems, p.expr(depth+1))
		if p.isOp(":") {
			p.next()
			if len(x.Elems) > 1 && x.Vals == nil {
				p.fail(p.peek(), "a collection literal is {a, b, ...} (a set) or {k: v, ...} (a map), not both")
			}
			x.Vals = append(x.Vals, p.expr(depth+1))
		} else if x.Vals != nil {
			p.fail(p.peek(), "expected \":\" and a value in a map literal, found %s", describe(p.peek()))
		}
		if p.isOp(",") {
			p.next()
			continue
		}
		break
	}
	p.expectOp("}")
	return x
}

// call parses the arguments of a collection function.
func (p *parser) call(t token, pos Pos, depth int) Expr {
	p.expectOp("(")
	x := &Call{exprBase: exprBase{P: pos}, Fn: t.text}
	for i := 0; i < collFuncs[t.text]; i++ {
		if i > 0 {
			p.expectOp(",")
		}
		x.Args = append(x.Args, p.expr(depth+1))
	}
	p.expectOp(")")
	return x
}

// ---- types ----

// collType reads set<T, N> or map<K, V, N>; s is the text inside the angle
// brackets.
func (l *loader) collType(kind, inner string) (*Type, string) {
	parts := splitTop(inner)
	want := 2
	if kind == "map" {
		want = 3
	}
	if len(parts) != want {
		if kind == "map" {
			return nil, fmt.Sprintf("unsupported type map<%s>: write map<K, V, N>", inner)
		}
		return nil, fmt.Sprintf("unsupported type set<%s>: write set<T, N>", inner)
	}
	n := strings.TrimSpace(parts[len(parts)-1])
	var capacity uint64
	if c := l.m.Constant(n); c != nil && c.Type.Kind == KindUint {
		capacity = c.Value.N
	} else if v, err := strconv.ParseUint(n, 10, 64); err == nil {
		capacity = v
	} else {
		return nil, fmt.Sprintf("the capacity of %s<%s> must be an unsigned integer or a uint constant, not %q", kind, inner, n)
	}
	if capacity < 1 || capacity > MaxCollectionCap {
		return nil, fmt.Sprintf("the capacity of %s<%s> is %d; it must be between 1 and %d", kind, inner, capacity, MaxCollectionCap)
	}
	key, msg := l.typeOf(strings.TrimSpace(parts[0]))
	if key == nil {
		return nil, msg
	}
	if key.Kind != KindID && key.Kind != KindEnum {
		return nil, fmt.Sprintf("unsupported type %s<%s>: the element (key) type must be an id or an enum, not %s", kind, inner, key)
	}
	if key.Kind == KindEnum && len(key.Enum.Values) > MaxCollectionCap {
		return nil, fmt.Sprintf("unsupported type %s<%s>: enum %s has %d values; a collection's enum has at most %d", kind, inner, key.Enum.Name, len(key.Enum.Values), MaxCollectionCap)
	}
	if kind == "set" {
		return &Type{Kind: KindSet, Elem: key, Cap: capacity}, ""
	}
	val, msg := l.typeOf(strings.TrimSpace(parts[1]))
	if val == nil {
		return nil, msg
	}
	if val.Kind == KindSet || val.Kind == KindMap {
		return nil, fmt.Sprintf("unsupported type map<%s>: a map's value is a uint, bool, enum, id or option", inner)
	}
	return &Type{Kind: KindMap, Key: key, Elem: val, Cap: capacity}, ""
}

// splitTop splits s at the commas outside angle brackets.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '<':
			depth++
		case '>':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// IsCollection reports whether t is a set or a map type.
func (t *Type) IsCollection() bool { return t != nil && (t.Kind == KindSet || t.Kind == KindMap) }

// needsHint reports whether x takes its type from the context (none, {...}).
func needsHint(x Expr) bool {
	switch x.(type) {
	case *NoneLit, *CollLit:
		return true
	}
	return false
}

// ---- checking ----

func (s *scope) inferCollection(x Expr, hint *Type) (Expr, bool) {
	switch x := x.(type) {
	case *CollLit:
		if hint == nil || !hint.IsCollection() {
			if hint == nil {
				return s.bad(x.P, "cannot infer the type of a collection literal here; assign or compare it, or pass it with a collection of its type"), true
			}
			return s.bad(x.P, "type mismatch: a collection literal used where %s is expected", hint), true
		}
		if hint.Kind == KindSet && x.Vals != nil {
			return s.bad(x.P, "type mismatch: a map literal used where %s is expected", hint), true
		}
		if hint.Kind == KindMap && x.Vals == nil && len(x.Elems) > 0 {
			return s.bad(x.P, "type mismatch: a set literal used where %s is expected", hint), true
		}
		keyT := hint.Elem
		if hint.Kind == KindMap {
			keyT = hint.Key
		}
		ok := true
		for i, e := range x.Elems {
			if x.Elems[i] = s.resolve(e, keyT); x.Elems[i] == nil {
				ok = false
			}
		}
		for i, e := range x.Vals {
			if x.Vals[i] = s.resolve(e, hint.Elem); x.Vals[i] == nil {
				ok = false
			}
		}
		if !ok {
			return nil, true
		}
		if n := distinctConst(x.Elems); n > hint.Cap {
			return s.bad(x.P, "the literal has %d distinct elements; its type %s holds at most %d", n, hint, hint.Cap), true
		}
		x.T = hint
		return x, true
	case *Member:
		c := s.infer(x.Coll, nil)
		if c == nil {
			return nil, true
		}
		if !c.Type().IsCollection() {
			return s.bad(c.Pos(), "type mismatch: the right of in is a set or a map (or a [list]), not %s", c.Type()), true
		}
		el := s.resolveArg(x.X, keyType(c.Type()), "the left of in")
		if el == nil {
			return nil, true
		}
		x.X, x.Coll, x.T = el, c, boolType
		return x, true
	case *Quant:
		c := s.infer(x.Coll, nil)
		if c == nil {
			return nil, true
		}
		if !c.Type().IsCollection() {
			return s.bad(c.Pos(), "type mismatch: %s %s in ... ranges over a set or a map, not %s", map[bool]string{true: "all", false: "any"}[x.All], x.Var.Name, c.Type()), true
		}
		if len(s.vars) >= MaxQuantifierDepth {
			return s.bad(x.P, "quantifiers nest at most %d deep", MaxQuantifierDepth), true
		}
		x.Var.T, x.Var.Depth = keyType(c.Type()), len(s.vars)
		s.vars = append(s.vars, x.Var)
		body := s.resolve(x.Body, boolType)
		s.vars = s.vars[:len(s.vars)-1]
		if body == nil {
			return nil, true
		}
		x.Coll, x.Body, x.T = c, body, boolType
		return x, true
	case *VarRef:
		return x, true
	case *Call:
		return s.call(x, hint), true
	}
	return nil, false
}

// keyType is a set's element type or a map's key type.
func keyType(t *Type) *Type {
	if t.Kind == KindMap {
		return t.Key
	}
	return t.Elem
}

// distinctConst counts the distinct constant elements of a list (enum
// literals): a literal with more than its capacity is an error, while one
// whose other elements may coincide raises a bound error at run time only
// when they do not.
func distinctConst(list []Expr) uint64 {
	seen := map[int]bool{}
	for _, e := range list {
		if l, ok := e.(*EnumLit); ok {
			seen[l.Value] = true
		}
	}
	return uint64(len(seen))
}

func (s *scope) call(x *Call, hint *Type) Expr {
	// The first argument is the collection, except that a literal takes
	// the type of the second (union({a}, s)).
	first := x.Args[0]
	var c Expr
	if needsHint(first) && len(x.Args) > 1 && (x.Fn == "union" || x.Fn == "intersect" || x.Fn == "diff" || x.Fn == "subset") {
		second := s.infer(x.Args[1], hint)
		if second == nil {
			return nil
		}
		c = s.resolve(first, second.Type())
		x.Args[1] = second
	} else {
		c = s.infer(first, hint)
	}
	if c == nil {
		return nil
	}
	x.Args[0] = c
	t := c.Type()
	kinds := map[string][]Kind{
		"size": {KindSet, KindMap}, "union": {KindSet}, "intersect": {KindSet}, "diff": {KindSet}, "subset": {KindSet},
		"insert": {KindSet}, "remove": {KindSet, KindMap}, "get": {KindMap}, "put": {KindMap},
	}[x.Fn]
	if !slices.Contains(kinds, t.Kind) {
		what := "a set"
		if len(kinds) == 2 {
			what = "a set or a map"
		} else if kinds[0] == KindMap {
			what = "a map"
		}
		return s.bad(c.Pos(), "type mismatch: %s needs %s as its first argument, got %s", x.Fn, what, t)
	}
	switch x.Fn {
	case "size":
		x.T = uintType
		return x
	case "union", "intersect", "diff", "subset":
		other := x.Args[1]
		if other.Type() == nil {
			other = s.infer(other, t)
			if other == nil {
				return nil
			}
		}
		if !other.Type().Equal(t) {
			return s.bad(other.Pos(), "type mismatch: %s of %s and %s: both arguments must have one type", x.Fn, t, other.Type())
		}
		x.Args[1] = other
		x.T = t
		if x.Fn == "subset" {
			x.T = boolType
		}
		return x
	case "insert", "remove":
		what := "the element of " + x.Fn
		if t.Kind == KindMap {
			what = "the key of " + x.Fn
		}
		el := s.resolveArg(x.Args[1], keyType(t), what)
		if el == nil {
			return nil
		}
		x.Args[1], x.T = el, t
		return x
	case "get":
		k := s.resolveArg(x.Args[1], t.Key, "the key of get")
		d := s.resolveArg(x.Args[2], t.Elem, "the default of get")
		if k == nil || d == nil {
			return nil
		}
		x.Args[1], x.Args[2], x.T = k, d, t.Elem
		return x
	case "put":
		k := s.resolveArg(x.Args[1], t.Key, "the key of put")
		v := s.resolveArg(x.Args[2], t.Elem, "the value of put")
		if k == nil || v == nil {
			return nil
		}
		x.Args[1], x.Args[2], x.T = k, v, t
		return x
	}
	return s.bad(x.P, "unknown function %s", x.Fn)
}

// resolveArg is resolve for an argument of a collection function or of in:
// a type mismatch names the argument (what), not the enclosing guard or
// invariant.
func (s *scope) resolveArg(x Expr, want *Type, what string) Expr {
	r := s.infer(x, want)
	if r == nil {
		return nil
	}
	if r.Type() != nil && !r.Type().Equal(want) {
		s.e.add(r.Pos(), "type mismatch: %s has type %s, want %s", what, r.Type(), want)
	}
	return r
}

// ---- values ----

// Elems decodes a collection value: a set's elements, or a map's keys and
// values alternating, in canonical order.
func (v Value) Elems() []Value {
	var out []Value
	rest := v.S
	for rest != "" {
		var e Value
		i := strings.IndexByte(rest, ',')
		e.N, _ = strconv.ParseUint(rest[:i], 10, 64)
		rest = rest[i+1:]
		e.Some = rest[0] == '1'
		rest = rest[2:]
		j := strings.IndexByte(rest, ':')
		n, _ := strconv.Atoi(rest[:j])
		e.S = rest[j+1 : j+1+n]
		rest = rest[j+1+n+1:]
		out = append(out, e)
	}
	return out
}

// less orders the elements of a collection: ids by their bytes, the rest by
// their number.
func less(a, b Value) bool {
	if a.S != b.S {
		return a.S < b.S
	}
	return a.N < b.N
}

// SetOf makes a set value from elements (in any order, duplicates allowed).
func SetOf(elems ...Value) Value {
	sorted := slices.Clone(elems)
	slices.SortFunc(sorted, func(a, b Value) int {
		switch {
		case less(a, b):
			return -1
		case less(b, a):
			return 1
		}
		return 0
	})
	sorted = slices.Compact(sorted)
	return encode(sorted, len(sorted))
}

// MapOf makes a map value from keys and values alternating (a later entry
// of a key replaces an earlier one).
func MapOf(kv ...Value) Value {
	type entry struct{ k, v Value }
	var es []entry
	for i := 0; i+1 < len(kv); i += 2 {
		j := slices.IndexFunc(es, func(e entry) bool { return e.k == kv[i] })
		if j >= 0 {
			es[j].v = kv[i+1]
			continue
		}
		es = append(es, entry{kv[i], kv[i+1]})
	}
	slices.SortFunc(es, func(a, b entry) int {
		switch {
		case less(a.k, b.k):
			return -1
		case less(b.k, a.k):
			return 1
		}
		return 0
	})
	flat := make([]Value, 0, 2*len(es))
	for _, e := range es {
		flat = append(flat, e.k, e.v)
	}
	return encode(flat, len(es))
}

func encode(elems []Value, n int) Value {
	var b strings.Builder
	for _, e := range elems {
		some := '0'
		if e.Some {
			some = '1'
		}
		fmt.Fprintf(&b, "%d,%c,%d:%s;", e.N, some, len(e.S), e.S)
	}
	return Value{N: uint64(n), S: b.String()}
}

// ---- evaluation ----

func (ev *evaluator) evalCollection(x Expr) (Value, bool, error) {
	switch x := x.(type) {
	case *VarRef:
		return ev.vars[x.Var.Depth], true, nil
	case *CollLit:
		var vals []Value
		for i, e := range x.Elems {
			k, err := ev.eval(e)
			if err != nil {
				return k, true, err
			}
			vals = append(vals, k)
			if x.Vals != nil {
				v, err := ev.eval(x.Vals[i])
				if err != nil {
					return v, true, err
				}
				vals = append(vals, v)
			}
		}
		var out Value
		if x.T.Kind == KindMap {
			out = MapOf(vals...)
		} else {
			out = SetOf(vals...)
		}
		if out.N > x.T.Cap {
			return Value{}, true, overflowError{}
		}
		return out, true, nil
	case *Member:
		el, err := ev.eval(x.X)
		if err != nil {
			return el, true, err
		}
		c, err := ev.eval(x.Coll)
		if err != nil {
			return c, true, err
		}
		_, ok := lookup(c, x.Coll.Type(), el)
		return Bool(ok), true, nil
	case *Quant:
		c, err := ev.eval(x.Coll)
		if err != nil {
			return c, true, err
		}
		// Every element is tried (no short-circuit), so that a bound
		// error does not depend on the order of the elements.
		result := x.All
		for _, k := range keys(c, x.Coll.Type()) {
			ev.vars = append(ev.vars, k)
			v, err := ev.eval(x.Body)
			ev.vars = ev.vars[:len(ev.vars)-1]
			if err != nil {
				return v, true, err
			}
			if x.All {
				result = result && v.Bool()
			} else {
				result = result || v.Bool()
			}
		}
		return Bool(result), true, nil
	case *Call:
		args := make([]Value, len(x.Args))
		for i, a := range x.Args {
			v, err := ev.eval(a)
			if err != nil {
				return v, true, err
			}
			args[i] = v
		}
		v, err := apply(x, args)
		return v, true, err
	}
	return Value{}, false, nil
}

// keys returns a set's elements or a map's keys, in canonical order.
func keys(c Value, t *Type) []Value {
	es := c.Elems()
	if t.Kind != KindMap {
		return es
	}
	out := make([]Value, 0, len(es)/2)
	for i := 0; i < len(es); i += 2 {
		out = append(out, es[i])
	}
	return out
}

// lookup finds an element of a set (its value is the element) or a key of
// a map (its value).
func lookup(c Value, t *Type, k Value) (Value, bool) {
	es := c.Elems()
	step := 1
	if t.Kind == KindMap {
		step = 2
	}
	for i := 0; i < len(es); i += step {
		if es[i] == k {
			return es[i+step-1], true
		}
	}
	return Value{}, false
}

func apply(x *Call, args []Value) (Value, error) {
	t := x.Args[0].Type()
	c := args[0]
	fits := func(v Value) (Value, error) {
		if v.N > x.T.Cap {
			return Value{}, overflowError{}
		}
		return v, nil
	}
	switch x.Fn {
	case "size":
		return Uint(c.N), nil
	case "union":
		return fits(SetOf(append(c.Elems(), args[1].Elems()...)...))
	case "intersect", "diff", "subset":
		var out []Value
		for _, e := range c.Elems() {
			_, in := lookup(args[1], x.Args[1].Type(), e)
			if in == (x.Fn != "diff") {
				out = append(out, e)
			}
		}
		if x.Fn == "subset" {
			return Bool(uint64(len(out)) == c.N), nil
		}
		return SetOf(out...), nil
	case "insert":
		return fits(SetOf(append(c.Elems(), args[1])...))
	case "remove":
		es := c.Elems()
		if t.Kind == KindSet {
			es = slices.DeleteFunc(es, func(e Value) bool { return e == args[1] })
			return SetOf(es...), nil
		}
		var kv []Value
		for i := 0; i < len(es); i += 2 {
			if es[i] != args[1] {
				kv = append(kv, es[i], es[i+1])
			}
		}
		return MapOf(kv...), nil
	case "get":
		if v, ok := lookup(c, t, args[1]); ok {
			return v, nil
		}
		return args[2], nil
	case "put":
		return fits(MapOf(append(c.Elems(), args[1], args[2])...))
	}
	return Value{}, fmt.Errorf("model: unknown function %s", x.Fn)
}
