package check

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"

	"github.com/meerkat-go/dslmachine/check/explore"
	"github.com/meerkat-go/dslmachine/model"
)

// ErrUnrepresentable is wrapped by the error of a check that meets a value
// the checker's coding of states cannot hold: an option<uint> holding
// 18446744073709551615, whose code (1 + the value) would wrap to that of
// none. The checker stops rather than answer for a different value.
var ErrUnrepresentable = errors.New("value the checker cannot represent")

// unrepresentable is the error for some(18446744073709551615) met at where.
func unrepresentable(where string) error {
	return fmt.Errorf("%s: some(18446744073709551615): an option<uint> holding 2^64-1 is a %w (its code would wrap to none); keep option<uint> values below it in the checked profile", where, ErrUnrepresentable)
}

// catchAbort turns a panic with explore.Abort, raised by a compiled
// expression, into *err; any other panic goes on.
func catchAbort(err *error) {
	if r := recover(); r != nil {
		if a, ok := r.(explore.Abort); ok {
			*err = a.Err
			return
		}
		panic(r)
	}
}

// env is what a compiled expression reads: the state's slots, the input's
// argument codes, and a flag raised by a bound error (arithmetic overflow,
// a subtraction below zero, or a write above a field's max).
type env struct {
	s   []uint64
	a   []uint64
	bad bool
	// sat is raised by a map value written above the largest code its
	// digit holds (collections.go, mapBound): the code saturates, so a
	// later read of it in the same evaluation would be wrong, and the
	// expression or step is recomputed exactly with the interpreter.
	sat  bool
	orig []uint64              // fire's copy of the state before the step (lossy transitions)
	v    [maxQuantDepth]uint64 // the codes of the quantified variables, by depth
}

// fn is a compiled expression; it returns the code of its value.
type fn func(e *env) uint64

// stmtFn is a compiled update statement; it writes e.s.
type stmtFn func(e *env)

// trans is one transition, ready to run on slots.
type trans struct {
	t       *model.Transition
	idx     int
	enabled func(e *env) bool // phase already checked; guards on e.s, e.a
	// static are the guards that read no argument (nil: none), dyn the
	// others: enabled is static && dyn, and static has the same value for
	// every input value of the transition's input in a state.
	static, dyn func(e *env) bool
	fire        func(e *env) bool // e.s holds a copy of the state; false on a bound error
	written     []int             // the fields fire may write
	bounds      []bound           // the profile bounds on written fields
}

// inputCase is one input value a profile fires.
type inputCase struct {
	iv   model.InputValue
	args []uint64
}

// phaseCase lists, for one phase and one input value, the candidate transitions.
type phaseCase struct {
	input int // index into program.inputs
	cands []*trans
}

// program is a machine compiled for one profile.
type program struct {
	m       *model.Machine
	p       *model.Profile
	lay     *layout
	inputs  []inputCase
	trans   []*trans
	byPhase [][]phaseCase
	// invariant returns the index of the first violated invariant, or -1.
	invariant func(s []uint64) int
	// invs are the compiled invariants (nil with the interpreter).
	invs  []fn
	phase int // index of the phase field
	// lossy counts the compiled map puts and literals that may write a
	// saturated value (env.sat); compileTrans and compileExact compare it
	// before and after compiling.
	lossy int
}

// newProgram builds the program for a machine and profile. With interp set
// it runs the reference interpreter (model.Machine.Enabled and Fire) on
// every step instead of the compiled closures: slower, and used to
// cross-check them.
func newProgram(m *model.Machine, p *model.Profile, interp bool) (*program, error) {
	ivs, err := m.InputValues(p)
	if err != nil {
		return nil, err
	}
	lay, err := newLayout(m, p, ivs)
	if err != nil {
		return nil, err
	}
	pr := &program{m: m, p: p, lay: lay, phase: m.Phase.Index}
	for i, v := range m.Initial() {
		if f := m.Fields[i]; f.Type.Kind == model.KindOption && v.Some && v.Unwrap().N == inf && isUintish(f.Type) {
			return nil, unrepresentable(f.Pos.String() + ": initial value of " + f.Name)
		}
	}
	for _, iv := range ivs {
		args := make([]uint64, len(iv.Args))
		for i, prm := range iv.Input.Params {
			if prm.Type.Kind == model.KindOption && isUintish(prm.Type) && iv.Args[i].Some && iv.Args[i].Unwrap().N == inf {
				return nil, unrepresentable(fmt.Sprintf("%s: profile %s: argument %s of %s", p.Pos, p.Name, prm.Name, iv.Input.Name))
			}
			args[i] = lay.code(prm.Type, iv.Args[i])
		}
		pr.inputs = append(pr.inputs, inputCase{iv: iv, args: args})
	}
	for i, t := range m.Transitions {
		var tr *trans
		if interp {
			tr = interpTrans(pr, t)
		} else {
			tr = compileTrans(pr, t)
		}
		tr.idx = i
		if tr.dyn == nil {
			tr.dyn = tr.enabled
		}
		if interp {
			for f := range m.Fields {
				tr.written = append(tr.written, f)
			}
		} else {
			tr.written = pr.m.WrittenFields(t)
		}
		for _, b := range lay.bounds {
			if slices.Contains(tr.written, b.field) {
				tr.bounds = append(tr.bounds, b)
			}
		}
		pr.trans = append(pr.trans, tr)
	}
	if interp {
		pr.invariant = func(s []uint64) int {
			err := m.CheckInvariants(lay.state(s))
			if err == nil {
				return -1
			}
			for i, inv := range m.Invariants {
				if inv.Name == err.(*model.InvariantError).Invariant {
					return i
				}
			}
			return 0
		}
	} else {
		invs := make([]fn, len(m.Invariants))
		for i, inv := range m.Invariants {
			invs[i] = pr.compileExact(inv.Expr, nil)
		}
		pr.invs = invs
		pr.invariant = func(s []uint64) int {
			e := env{s: s}
			for i, f := range invs {
				if f(&e) == 0 || e.bad {
					return i
				}
			}
			return -1
		}
	}
	nPhases := len(m.PhaseEnum().Values)
	pr.byPhase = make([][]phaseCase, nPhases)
	for ph := 0; ph < nPhases; ph++ {
		for ii, ic := range pr.inputs {
			var cands []*trans
			for _, tr := range pr.trans {
				if tr.t.Input == ic.iv.Input && tr.t.Allows(ph) {
					cands = append(cands, tr)
				}
			}
			if len(cands) > 0 {
				pr.byPhase[ph] = append(pr.byPhase[ph], phaseCase{input: ii, cands: cands})
			}
		}
	}
	return pr, nil
}

// interpTrans wraps the reference interpreter.
func interpTrans(pr *program, t *model.Transition) *trans {
	m, lay := pr.m, pr.lay
	args := func(e *env, in *model.Input) []model.Value {
		out := make([]model.Value, len(in.Params))
		for i, prm := range in.Params {
			out[i] = lay.value(prm.Type, e.a[i])
		}
		return out
	}
	return &trans{
		t: t,
		enabled: func(e *env) bool {
			ok, err := m.Enabled(t, lay.state(e.s), args(e, t.Input))
			return ok && err == nil
		},
		fire: func(e *env) bool {
			n, _, err := m.Fire(t, lay.state(e.s), args(e, t.Input))
			if err != nil {
				return false
			}
			lay.slots(n, e.s)
			return true
		},
	}
}

// compileTrans compiles a transition's guards, updates and effects.
func compileTrans(pr *program, t *model.Transition) *trans {
	guards := make([]fn, len(t.Guards))
	for i, g := range t.Guards {
		guards[i] = pr.compileExact(g.Expr, t.Input)
	}
	lossy0 := pr.lossy
	updates := make([]stmtFn, len(t.Updates))
	for i, st := range t.Updates {
		updates[i] = pr.compileStmt(st)
	}
	// Effects change nothing, but an effect argument can raise a bound
	// error (arithmetic), which fails the step.
	var checks []fn
	for _, em := range t.Emits {
		for _, a := range em.Args {
			if model.HasArithmetic(a) {
				checks = append(checks, pr.compileExpr(a))
			}
		}
	}
	lossy := pr.lossy > lossy0
	to, phase := uint64(t.To), pr.phase
	stay := t.To < 0
	tr := &trans{t: t}
	var static, dyn []fn
	for i, g := range t.Guards {
		if readsArgs(g.Expr) {
			dyn = append(dyn, guards[i])
		} else {
			static = append(static, guards[i])
		}
	}
	tr.enabled = allTrue(guards)
	tr.dyn = allTrue(dyn)
	if len(static) > 0 {
		tr.static = allTrue(static)
	}
	tr.fire = func(e *env) bool {
		e.bad = false
		if lossy {
			e.orig = append(e.orig[:0], e.s...)
			e.sat = false
		}
		for _, u := range updates {
			u(e)
		}
		if !stay {
			e.s[phase] = to
		}
		for _, c := range checks {
			c(e)
		}
		if lossy && e.sat {
			e.sat, e.bad = false, false
			return pr.fireExact(t, e)
		}
		ok := !e.bad
		e.bad = false
		return ok
	}
	return tr
}

// fireExact recomputes a step whose compiled updates wrote a saturated map
// value (env.sat) with the reference interpreter, from e.orig into e.s. A
// value still above its bound in the successor is coded saturated, which
// puts the state out of bounds (mapBound), as the compiled step would.
func (pr *program) fireExact(t *model.Transition, e *env) bool {
	n, _, err := pr.m.Fire(t, pr.lay.state(e.orig), pr.argValues(t.Input, e.a))
	if err != nil {
		return false
	}
	pr.lay.slots(n, e.s)
	return true
}

// argValues decodes an input's argument codes.
func (pr *program) argValues(in *model.Input, a []uint64) []model.Value {
	out := make([]model.Value, len(in.Params))
	for i, prm := range in.Params {
		out[i] = pr.lay.value(prm.Type, a[i])
	}
	return out
}

// compileExact compiles a guard of an input (in) or an invariant (in nil),
// expressions without quantified variables in scope. When it holds a map put or literal that
// may write a saturated value, an evaluation that does so (env.sat) is
// redone with the reference interpreter, so the result is exact.
func (pr *program) compileExact(x model.Expr, in *model.Input) fn {
	lossy0 := pr.lossy
	f := pr.compileExpr(x)
	if pr.lossy == lossy0 {
		return f
	}
	return func(e *env) uint64 {
		e.sat = false
		c := f(e)
		if !e.sat {
			return c
		}
		e.sat, e.bad = false, false
		var args []model.Value
		if in != nil {
			args = pr.argValues(in, e.a)
		}
		v, err := model.Eval(x, pr.lay.state(e.s), args)
		if err != nil {
			e.bad = true
			return 0
		}
		return pr.lay.code(x.Type(), v)
	}
}

// allTrue returns a test that every guard holds; a guard raising a bound
// error does not.
func allTrue(guards []fn) func(e *env) bool {
	switch len(guards) {
	case 0:
		return func(*env) bool { return true }
	case 1:
		g := guards[0]
		return func(e *env) bool {
			v := g(e)
			if e.bad {
				e.bad = false
				return false
			}
			return v != 0
		}
	}
	return func(e *env) bool {
		for _, g := range guards {
			v := g(e)
			if e.bad {
				e.bad = false
				return false
			}
			if v == 0 {
				return false
			}
		}
		return true
	}
}

// readsArgs reports whether an expression reads an input argument; true
// for an expression it does not know (conservative: the guard is then
// evaluated for every input value).
func readsArgs(x model.Expr) bool {
	switch x := x.(type) {
	case *model.IntLit, *model.BoolLit, *model.NoneLit, *model.EnumLit, *model.FieldRef:
		return false
	case *model.ArgRef:
		return true
	case *model.SomeExpr:
		return readsArgs(x.X)
	case *model.UnwrapOr:
		return readsArgs(x.X) || readsArgs(x.Default)
	case *model.Not:
		return readsArgs(x.X)
	case *model.Cond:
		return readsArgs(x.Cond) || readsArgs(x.Then) || readsArgs(x.Else)
	case *model.InList:
		if readsArgs(x.X) {
			return true
		}
		for _, y := range x.List {
			if readsArgs(y) {
				return true
			}
		}
	case *model.Binary:
		return readsArgs(x.X) || readsArgs(x.Y)
	default:
		return true
	}
	return false
}

// compileStmt compiles an update statement.
func (pr *program) compileStmt(st model.Stmt) stmtFn {
	switch st := st.(type) {
	case *model.Assign:
		v, i := pr.compileExpr(st.Value), st.Field.Index
		if mx := st.Field.Max; mx != nil {
			limit := *mx
			if st.Field.Type.Kind == model.KindOption {
				return func(e *env) {
					c := v(e)
					if c != 0 && c-1 > limit {
						e.bad = true
					}
					e.s[i] = c
				}
			}
			return func(e *env) {
				c := v(e)
				if c > limit {
					e.bad = true
				}
				e.s[i] = c
			}
		}
		if c, ok := constCode(st.Value); ok {
			return func(e *env) { e.s[i] = c }
		}
		if f, ok := st.Value.(*model.FieldRef); ok {
			j := f.Field.Index
			return func(e *env) { e.s[i] = e.s[j] }
		}
		if a, ok := st.Value.(*model.ArgRef); ok {
			j := a.Param.Index
			return func(e *env) { e.s[i] = e.a[j] }
		}
		return func(e *env) { e.s[i] = v(e) }
	case *model.IfStmt:
		c, then := pr.compileExpr(st.Cond), pr.compileStmt(st.Then)
		if st.Else == nil {
			return func(e *env) {
				if c(e) != 0 {
					then(e)
				}
			}
		}
		els := pr.compileStmt(st.Else)
		return func(e *env) {
			if c(e) != 0 {
				then(e)
			} else {
				els(e)
			}
		}
	}
	panic(fmt.Sprintf("check: unknown statement %T", st))
}

// constCode returns the code of a constant expression.
func constCode(x model.Expr) (uint64, bool) {
	switch x := x.(type) {
	case *model.IntLit:
		return x.Value, true
	case *model.BoolLit:
		if x.Value {
			return 1, true
		}
		return 0, true
	case *model.NoneLit:
		return 0, true
	case *model.EnumLit:
		return uint64(x.Value), true
	case *model.SomeExpr:
		c, ok := constCode(x.X)
		if c == inf {
			return 0, false // compiled to fail at run time (unrepresentable)
		}
		return c + 1, ok
	}
	return 0, false
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// compileExpr compiles a type-checked expression into a closure over codes.
func (pr *program) compileExpr(x model.Expr) fn {
	if c, ok := constCode(x); ok {
		return func(*env) uint64 { return c }
	}
	switch x := x.(type) {
	case *model.FieldRef:
		i := x.Field.Index
		return func(e *env) uint64 { return e.s[i] }
	case *model.ArgRef:
		i := x.Param.Index
		return func(e *env) uint64 { return e.a[i] }
	case *model.SomeExpr:
		f := pr.compileExpr(x.X)
		pos := x.Pos()
		return func(e *env) uint64 {
			v := f(e)
			if v == inf {
				// some(2^64-1) has no code: 1 + v would wrap to none.
				panic(explore.Abort{Err: unrepresentable(pos.String())})
			}
			return v + 1
		}
	case *model.UnwrapOr:
		o, d := pr.compileExpr(x.X), pr.compileExpr(x.Default)
		return func(e *env) uint64 {
			v, w := o(e), d(e)
			if v == 0 {
				return w
			}
			return v - 1
		}
	case *model.Not:
		f := pr.compileExpr(x.X)
		return func(e *env) uint64 { return f(e) ^ 1 }
	case *model.Cond:
		c, t, f := pr.compileExpr(x.Cond), pr.compileExpr(x.Then), pr.compileExpr(x.Else)
		return func(e *env) uint64 {
			if c(e) != 0 {
				return t(e)
			}
			return f(e)
		}
	case *model.InList:
		return pr.compileIn(x)
	case *model.Binary:
		return pr.compileBinary(x)
	}
	if f := pr.compileCollection(x); f != nil {
		return f
	}
	panic(fmt.Sprintf("check: cannot compile %T", x))
}

func (pr *program) compileIn(x *model.InList) fn {
	var mask uint64
	allConst := true
	for _, y := range x.List {
		c, ok := constCode(y)
		if !ok || c >= 64 {
			allConst = false
			break
		}
		mask |= 1 << c
	}
	if allConst {
		if f, ok := x.X.(*model.FieldRef); ok {
			i := f.Field.Index
			return func(e *env) uint64 {
				v := e.s[i]
				if v >= 64 {
					return 0
				}
				return mask >> v & 1
			}
		}
		f := pr.compileExpr(x.X)
		return func(e *env) uint64 {
			v := f(e)
			if v >= 64 {
				return 0
			}
			return mask >> v & 1
		}
	}
	f := pr.compileExpr(x.X)
	list := make([]fn, len(x.List))
	for i, y := range x.List {
		list[i] = pr.compileExpr(y)
	}
	return func(e *env) uint64 {
		v := f(e)
		for _, g := range list {
			if g(e) == v {
				return 1
			}
		}
		return 0
	}
}

func (pr *program) compileBinary(x *model.Binary) fn {
	// Fast paths: a field compared with a constant.
	if fr, ok := x.X.(*model.FieldRef); ok {
		if c, ok := constCode(x.Y); ok {
			i := fr.Field.Index
			switch x.Op {
			case "==":
				return func(e *env) uint64 { return b2u(e.s[i] == c) }
			case "!=":
				return func(e *env) uint64 { return b2u(e.s[i] != c) }
			case "<":
				return func(e *env) uint64 { return b2u(e.s[i] < c) }
			case "<=":
				return func(e *env) uint64 { return b2u(e.s[i] <= c) }
			case ">":
				return func(e *env) uint64 { return b2u(e.s[i] > c) }
			case ">=":
				return func(e *env) uint64 { return b2u(e.s[i] >= c) }
			case "+":
				return func(e *env) uint64 {
					v := e.s[i] + c
					if v < c {
						e.bad = true
					}
					return v
				}
			}
		}
	}
	a, b := pr.compileExpr(x.X), pr.compileExpr(x.Y)
	switch x.Op {
	case "&&":
		return func(e *env) uint64 {
			if a(e) == 0 {
				return 0
			}
			return b(e)
		}
	case "||":
		return func(e *env) uint64 {
			if a(e) != 0 {
				return 1
			}
			return b(e)
		}
	case "==":
		return func(e *env) uint64 { return b2u(a(e) == b(e)) }
	case "!=":
		return func(e *env) uint64 { return b2u(a(e) != b(e)) }
	case "<":
		return func(e *env) uint64 { return b2u(a(e) < b(e)) }
	case "<=":
		return func(e *env) uint64 { return b2u(a(e) <= b(e)) }
	case ">":
		return func(e *env) uint64 { return b2u(a(e) > b(e)) }
	case ">=":
		return func(e *env) uint64 { return b2u(a(e) >= b(e)) }
	case "+":
		return func(e *env) uint64 {
			u, v := a(e), b(e)
			s := u + v
			if s < u {
				e.bad = true
			}
			return s
		}
	case "-":
		return func(e *env) uint64 {
			u, v := a(e), b(e)
			if v > u {
				e.bad = true
				return 0
			}
			return u - v
		}
	case "*":
		return func(e *env) uint64 {
			hi, lo := bits.Mul64(a(e), b(e))
			if hi != 0 {
				e.bad = true
			}
			return lo
		}
	case "min":
		return func(e *env) uint64 { return min(a(e), b(e)) }
	case "max":
		return func(e *env) uint64 { return max(a(e), b(e)) }
	}
	panic(fmt.Sprintf("check: unknown operator %s", x.Op))
}
