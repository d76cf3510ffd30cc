package tla

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/meerkat-go/dslmachine/model"
)

// maxTLCInt is the largest integer TLC can represent (its integers are
// 32-bit two's complement).
const maxTLCInt = math.MaxInt32

// Precedence levels of rendered expressions, after the TLA+ operator table:
// an operand is parenthesised when its level is too low for its context.
const (
	precIf   = 0   // IF/THEN/ELSE, which extends as far right as it can
	precImp  = 1   // =>
	precJunc = 3   // /\ and \/
	precNot  = 4   // ~
	precRel  = 5   // = # < <= > >= \in \notin
	precAdd  = 10  // + -
	precMul  = 13  // *
	precAtom = 100 // names, literals, applications, tuples, sets
)

// val is a rendered TLA+ expression with its precedence and top operator.
type val struct {
	s    string
	prec int
	top  string // the top-level operator, for associative chains
}

func atom(s string) val { return val{s: s, prec: precAtom} }

// at renders v for a context that needs at least precedence min.
func (v val) at(min int) string {
	if v.prec < min {
		return "(" + v.s + ")"
	}
	return v.s
}

// rhs renders v as the right-hand side of = in a bullet item: an IF may stand
// bare there, everything below = binds is parenthesised.
func (v val) rhs() string {
	if v.top == "IF" {
		return v.s
	}
	return v.at(precRel + 1)
}

var binOps = map[string]string{
	"&&": `/\`, "||": `\/`, "==": "=", "!=": "#",
	"<": "<", "<=": "<=", ">": ">", ">=": ">=", "+": "+", "-": "-",
}

// scope renders expressions of one action: env holds the TLA+ expression of
// each field's current value (the variable itself until an update writes it),
// args the name bound to each input parameter.
type scope struct {
	g    *generator
	env  []val
	args map[*model.Param]string
}

func (c *scope) expr(x model.Expr) val {
	switch x := x.(type) {
	case *model.IntLit:
		return atom(strconv.FormatUint(x.Value, 10))
	case *model.BoolLit:
		if x.Value {
			return atom("TRUE")
		}
		return atom("FALSE")
	case *model.NoneLit:
		return atom("None")
	case *model.SomeExpr:
		return atom("Some(" + c.expr(x.X).s + ")")
	case *model.UnwrapOr:
		return atom("UnwrapOr(" + c.expr(x.X).s + ", " + c.expr(x.Default).s + ")")
	case *model.FieldRef:
		return c.env[x.Field.Index]
	case *model.ArgRef:
		return atom(c.args[x.Param])
	case *model.EnumLit:
		return atom(`"` + x.Enum.Values[x.Value] + `"`)
	case *model.Not:
		if in, ok := x.X.(*model.InList); ok {
			return c.inList(in, `\notin`)
		}
		return val{s: "~" + c.expr(x.X).at(precNot+1), prec: precNot, top: "~"}
	case *model.InList:
		return c.inList(x, `\in`)
	case *model.Cond:
		return val{s: "IF " + c.expr(x.Cond).s + " THEN " + c.expr(x.Then).s + " ELSE " + c.expr(x.Else).s, prec: precIf, top: "IF"}
	case *model.Binary:
		return c.binary(x.Op, c.expr(x.X), c.expr(x.Y))
	}
	if v, ok := c.collExpr(x); ok {
		return v
	}
	panic(fmt.Sprintf("tla: unexpected expression %T", x))
}

func (c *scope) inList(x *model.InList, op string) val {
	elems := make([]string, len(x.List))
	for i, e := range x.List {
		elems[i] = c.expr(e).s
	}
	return val{s: c.expr(x.X).at(precRel+1) + " " + op + " {" + strings.Join(elems, ", ") + "}", prec: precRel, top: op}
}

// binary renders a DSL binary operator over two rendered operands.
func (c *scope) binary(op string, l, r val) val {
	t := binOps[op]
	var ls, rs string
	switch op {
	case "&&", "||":
		ls, rs = chain(l, t, precNot+1), chain(r, t, precNot+1)
		return val{s: ls + " " + t + " " + rs, prec: precJunc, top: t}
	case "+":
		ls, rs = chain(l, "+", precAdd+1), chain(r, "+", precAdd+1)
		return val{s: ls + " + " + rs, prec: precAdd, top: "+"}
	case "-":
		ls = l.at(precAdd + 1)
		if l.top == "+" || l.top == "-" {
			ls = l.s
		}
		return val{s: ls + " - " + r.at(precAdd+1), prec: precAdd, top: "-"}
	case "*":
		ls, rs = chain(l, "*", precMul+1), chain(r, "*", precMul+1)
		return val{s: ls + " * " + rs, prec: precMul, top: "*"}
	case "min", "max":
		// IF a <= b THEN a ELSE b (min) or ... ELSE b ... (max), on the
		// rendered operands: they have no side effect, so repeating them is
		// harmless.
		a, b := l, r
		if op == "max" {
			a, b = r, l
		}
		return val{s: "(IF " + l.at(precRel+1) + " <= " + r.at(precRel+1) + " THEN " + a.s + " ELSE " + b.s + ")", prec: precAtom}
	}
	return val{s: l.at(precRel+1) + " " + t + " " + r.at(precRel+1), prec: precRel, top: t}
}

// chain renders an operand of an associative operator: an operand whose top
// operator is the same needs no parentheses.
func chain(v val, op string, min int) string {
	if v.top == op {
		return v.s
	}
	return v.at(min)
}

func conj(vs []val) val {
	switch len(vs) {
	case 0:
		return atom("TRUE")
	case 1:
		return vs[0]
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = chain(v, `/\`, precNot+1)
	}
	return val{s: strings.Join(parts, ` /\ `), prec: precJunc, top: `/\`}
}

func implies(pc []val, w val) val {
	if len(pc) == 0 {
		return w
	}
	return val{s: conj(pc).at(precImp+1) + " => " + w.at(precImp+1), prec: precImp, top: "=>"}
}

func not(v val) val {
	return val{s: "~" + v.at(precNot+1), prec: precNot, top: "~"}
}

func le(a, b val) val {
	return val{s: a.at(precRel+1) + " <= " + b.at(precRel+1), prec: precRel, top: "<="}
}

// wd returns the conditions under which evaluating x raises no bound error,
// following the interpreter's evaluation order (&&, || and if short-circuit;
// `in` stops at the first match). An empty result means always defined.
//
// A subtraction below zero is the only bound error an expression can raise in
// TLC: a 64-bit overflow needs values TLC cannot represent (it stops with an
// overflow error of its own above 2^31-1), so that condition is left out.
func (c *scope) wd(x model.Expr) []val {
	if w, ok := c.collWD(x); ok {
		return w
	}
	switch x := x.(type) {
	case *model.SomeExpr:
		return c.wd(x.X)
	case *model.UnwrapOr:
		return append(c.wd(x.X), c.wd(x.Default)...)
	case *model.Not:
		return c.wd(x.X)
	case *model.InList:
		out := c.wd(x.X)
		if rest := c.wdList(c.expr(x.X), x.List); rest != nil {
			out = append(out, *rest)
		}
		return out
	case *model.Cond:
		out := c.wd(x.Cond)
		a, b := c.wd(x.Then), c.wd(x.Else)
		if len(a) == 0 && len(b) == 0 {
			return out
		}
		return append(out, val{s: "IF " + c.expr(x.Cond).s + " THEN " + conj(a).s + " ELSE " + conj(b).s, prec: precIf, top: "IF"})
	case *model.Binary:
		out := c.wd(x.X)
		wy := c.wd(x.Y)
		switch x.Op {
		case "&&":
			if len(wy) > 0 {
				out = append(out, implies([]val{c.expr(x.X)}, conj(wy)))
			}
			return out
		case "||":
			if len(wy) > 0 {
				out = append(out, val{s: c.expr(x.X).at(precNot+1) + ` \/ ` + conj(wy).at(precNot+1), prec: precJunc, top: `\/`})
			}
			return out
		case "-":
			out = append(out, wy...)
			return append(out, le(c.expr(x.Y), c.expr(x.X)))
		}
		return append(out, wy...)
	}
	return nil
}

// wdList is the definedness of the elements of an `in` list, which are
// evaluated in order until one equals x; nil when every element is defined.
func (c *scope) wdList(x val, list []model.Expr) *val {
	if len(list) == 0 {
		return nil
	}
	rest := c.wdList(x, list[1:])
	w := c.wd(list[0])
	if len(w) == 0 && rest == nil {
		return nil
	}
	if rest != nil {
		eq := val{s: x.at(precRel+1) + " = " + c.expr(list[0]).at(precRel+1), prec: precRel, top: "="}
		w = append(w, val{s: eq.s + ` \/ ` + rest.at(precNot+1), prec: precJunc, top: `\/`})
	}
	v := conj(w)
	return &v
}

// maxInt reports whether an expression contains an integer literal above what
// TLC can represent, returning it.
func bigLiteral(x model.Expr) (uint64, bool) {
	var found uint64
	var ok bool
	walk(x, func(e model.Expr) {
		if n, isInt := e.(*model.IntLit); isInt && n.Value > maxTLCInt {
			found, ok = n.Value, true
		}
	})
	return found, ok
}

// walk calls f on x and every subexpression.
func walk(x model.Expr, f func(model.Expr)) {
	if x == nil {
		return
	}
	f(x)
	switch x := x.(type) {
	case *model.SomeExpr:
		walk(x.X, f)
	case *model.UnwrapOr:
		walk(x.X, f)
		walk(x.Default, f)
	case *model.Not:
		walk(x.X, f)
	case *model.InList:
		walk(x.X, f)
		for _, e := range x.List {
			walk(e, f)
		}
	case *model.Cond:
		walk(x.Cond, f)
		walk(x.Then, f)
		walk(x.Else, f)
	case *model.Binary:
		walk(x.X, f)
		walk(x.Y, f)
	case *model.CollLit:
		for _, e := range x.Elems {
			walk(e, f)
		}
		for _, e := range x.Vals {
			walk(e, f)
		}
	case *model.Member:
		walk(x.X, f)
		walk(x.Coll, f)
	case *model.Quant:
		walk(x.Coll, f)
		walk(x.Body, f)
	case *model.Call:
		for _, a := range x.Args {
			walk(a, f)
		}
	}
}

// fieldsRead adds the fields an expression reads to set.
func fieldsRead(x model.Expr, set map[int]bool) {
	walk(x, func(e model.Expr) {
		if r, ok := e.(*model.FieldRef); ok {
			set[r.Field.Index] = true
		}
	})
}

// stmtReads adds the fields a statement reads to set.
func stmtReads(st model.Stmt, set map[int]bool) {
	switch st := st.(type) {
	case *model.Assign:
		fieldsRead(st.Value, set)
	case *model.IfStmt:
		fieldsRead(st.Cond, set)
		stmtReads(st.Then, set)
		if st.Else != nil {
			stmtReads(st.Else, set)
		}
	}
}

// stmtWrites adds the fields a statement may write to set.
func stmtWrites(st model.Stmt, set map[int]bool) {
	switch st := st.(type) {
	case *model.Assign:
		set[st.Field.Index] = true
	case *model.IfStmt:
		stmtWrites(st.Then, set)
		if st.Else != nil {
			stmtWrites(st.Else, set)
		}
	}
}

// hasSub reports whether an expression contains a subtraction.
func hasSub(x model.Expr) bool {
	found := false
	walk(x, func(e model.Expr) {
		if b, ok := e.(*model.Binary); ok && b.Op == "-" {
			found = true
		}
	})
	return found
}
