package model

import (
	"fmt"
	"strconv"
)

// Expr is an expression. After type checking every node has a Type.
type Expr interface {
	// Pos is where the expression starts in the spec.
	Pos() Pos
	// Type is the expression's type (nil before checking or when invalid).
	Type() *Type
	exprNode()
}

type exprBase struct {
	P Pos
	T *Type
}

func (b *exprBase) Pos() Pos    { return b.P }
func (b *exprBase) Type() *Type { return b.T }
func (b *exprBase) exprNode()   {}

// IntLit is an unsigned integer literal.
type IntLit struct {
	exprBase
	Value uint64
}

// BoolLit is true or false.
type BoolLit struct {
	exprBase
	Value bool
}

// NoneLit is none; its type is inferred from context.
type NoneLit struct{ exprBase }

// SomeExpr is some(X).
type SomeExpr struct {
	exprBase
	X Expr
}

// UnwrapOr is unwrap_or(X, Default).
type UnwrapOr struct {
	exprBase
	X, Default Expr
}

// Name is an unresolved bare name (syntax only; checking turns it into a FieldRef or EnumLit).
type Name struct {
	exprBase
	Name string
}

// Qualified is an unresolved Enum.Value (syntax only; checking turns it into an EnumLit).
type Qualified struct {
	exprBase
	Enum, Value string
}

// ArgRef is arg.NAME: an input parameter.
type ArgRef struct {
	exprBase
	Name  string
	Param *Param // set by checking
}

// FieldRef reads a state field.
type FieldRef struct {
	exprBase
	Field *Field
}

// EnumLit is a resolved enum value.
type EnumLit struct {
	exprBase
	Enum  *Enum
	Value int
}

// Binary is X Op Y for Op in == != < <= > >= && || + - *, and the calls
// min(X, Y) and max(X, Y) (Op "min" and "max").
type Binary struct {
	exprBase
	Op   string
	X, Y Expr
}

// Not is !X.
type Not struct {
	exprBase
	X Expr
}

// InList is X in [List...].
type InList struct {
	exprBase
	X    Expr
	List []Expr
}

// Cond is if Cond then Then else Else.
type Cond struct {
	exprBase
	Cond, Then, Else Expr
}

// Stmt is an update statement: an *Assign or an *IfStmt.
type Stmt interface {
	Pos() Pos
	stmtNode()
}

// Assign is TARGET := Value.
type Assign struct {
	P      Pos
	Target string // field name as written
	IsArg  bool   // the target was written arg.NAME (always an error)
	Field  *Field // set by checking
	Value  Expr
}

// Pos is where the statement starts.
func (a *Assign) Pos() Pos  { return a.P }
func (a *Assign) stmtNode() {}

// IfStmt is if Cond then Then [else Else].
type IfStmt struct {
	P    Pos
	Cond Expr
	Then Stmt
	Else Stmt // may be nil
}

// Pos is where the statement starts.
func (s *IfStmt) Pos() Pos  { return s.P }
func (s *IfStmt) stmtNode() {}

// ---- lexer ----

type tokKind int

const (
	tEOF tokKind = iota
	tInt
	tIdent
	tOp
)

type token struct {
	kind tokKind
	text string
	off  int
}

// SyntaxError is an error in an expression's text, at a byte offset.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("offset %d: %s", e.Offset, e.Msg) }

func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && src[j] >= '0' && src[j] <= '9' {
				j++
			}
			toks = append(toks, token{tInt, src[i:j], i})
			i = j
		case c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z'):
			j := i
			for j < len(src) && (src[j] == '_' || (src[j]|0x20 >= 'a' && src[j]|0x20 <= 'z') || (src[j] >= '0' && src[j] <= '9')) {
				j++
			}
			toks = append(toks, token{tIdent, src[i:j], i})
			i = j
		default:
			two := ""
			if i+1 < len(src) {
				two = src[i : i+2]
			}
			switch two {
			case "==", "!=", "<=", ">=", "&&", "||", ":=":
				toks = append(toks, token{tOp, two, i})
				i += 2
				continue
			}
			switch c {
			case '<', '>', '!', '+', '-', '*', '(', ')', '[', ']', ',', '.', '{', '}', ':':
				toks = append(toks, token{tOp, string(c), i})
				i++
			default:
				return nil, &SyntaxError{i, fmt.Sprintf("unexpected character %q", string(rune(c)))}
			}
		}
	}
	toks = append(toks, token{tEOF, "", len(src)})
	return toks, nil
}

// ---- parser ----

type parser struct {
	toks []token
	i    int
	base func(off int) Pos
}

var keywords = map[string]bool{
	"true": true, "false": true, "none": true, "some": true, "unwrap_or": true,
	"if": true, "then": true, "else": true, "in": true, "arg": true,
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) fail(t token, format string, args ...any) {
	panic(&SyntaxError{t.off, fmt.Sprintf(format, args...)})
}

func describe(t token) string {
	if t.kind == tEOF {
		return "end of expression"
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *parser) expectOp(op string) token {
	t := p.next()
	if t.kind != tOp || t.text != op {
		p.fail(t, "expected %q, found %s", op, describe(t))
	}
	return t
}

func (p *parser) expectKeyword(kw string) {
	t := p.next()
	if t.kind != tIdent || t.text != kw {
		p.fail(t, "expected %q, found %s", kw, describe(t))
	}
}

func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.kind == tOp && t.text == op
}

func (p *parser) isKeyword(kw string) bool {
	t := p.peek()
	return t.kind == tIdent && t.text == kw
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 200

func (p *parser) expr(depth int) Expr {
	if depth > maxDepth {
		p.fail(p.peek(), "expression nested too deeply")
	}
	if p.isKeyword("if") {
		t := p.next()
		c := p.expr(depth + 1)
		p.expectKeyword("then")
		a := p.expr(depth + 1)
		p.expectKeyword("else")
		b := p.expr(depth + 1)
		return &Cond{exprBase: exprBase{P: p.base(t.off)}, Cond: c, Then: a, Else: b}
	}
	if q := p.quantifier(depth); q != nil {
		return q
	}
	return p.or(depth)
}

func (p *parser) or(depth int) Expr {
	x := p.and(depth)
	for p.isOp("||") {
		t := p.next()
		y := p.and(depth)
		x = &Binary{exprBase: exprBase{P: p.base(t.off)}, Op: "||", X: x, Y: y}
	}
	return x
}

func (p *parser) and(depth int) Expr {
	x := p.not(depth)
	for p.isOp("&&") {
		t := p.next()
		y := p.not(depth)
		x = &Binary{exprBase: exprBase{P: p.base(t.off)}, Op: "&&", X: x, Y: y}
	}
	return x
}

func (p *parser) not(depth int) Expr {
	if p.isOp("!") {
		if depth > maxDepth {
			p.fail(p.peek(), "expression nested too deeply")
		}
		t := p.next()
		return &Not{exprBase: exprBase{P: p.base(t.off)}, X: p.not(depth + 1)}
	}
	return p.cmp(depth)
}

func (p *parser) cmp(depth int) Expr {
	x := p.sum(depth)
	t := p.peek()
	if t.kind == tOp {
		switch t.text {
		case "==", "!=", "<", "<=", ">", ">=":
			p.next()
			y := p.sum(depth)
			return &Binary{exprBase: exprBase{P: p.base(t.off)}, Op: t.text, X: x, Y: y}
		}
	}
	if p.isKeyword("in") && !p.isOpAt(1, "[") {
		p.next()
		c := p.sum(depth + 1)
		return &Member{exprBase: exprBase{P: p.base(t.off)}, X: x, Coll: c}
	}
	if p.isKeyword("in") {
		p.next()
		p.expectOp("[")
		var list []Expr
		for {
			list = append(list, p.expr(depth+1))
			if p.isOp(",") {
				p.next()
				continue
			}
			break
		}
		p.expectOp("]")
		return &InList{exprBase: exprBase{P: p.base(t.off)}, X: x, List: list}
	}
	return x
}

func (p *parser) sum(depth int) Expr {
	x := p.product(depth)
	for p.isOp("+") || p.isOp("-") {
		t := p.next()
		y := p.product(depth)
		x = &Binary{exprBase: exprBase{P: p.base(t.off)}, Op: t.text, X: x, Y: y}
	}
	return x
}

// product parses X * Y * ...: * binds tighter than + and -.
func (p *parser) product(depth int) Expr {
	x := p.primary(depth)
	for p.isOp("*") {
		t := p.next()
		y := p.primary(depth)
		x = &Binary{exprBase: exprBase{P: p.base(t.off)}, Op: "*", X: x, Y: y}
	}
	return x
}

func (p *parser) primary(depth int) Expr {
	if depth > maxDepth {
		p.fail(p.peek(), "expression nested too deeply")
	}
	t := p.next()
	pos := p.base(t.off)
	switch t.kind {
	case tInt:
		v, err := strconv.ParseUint(t.text, 10, 64)
		if err != nil {
			p.fail(t, "integer literal %s does not fit in 64 bits", t.text)
		}
		return &IntLit{exprBase: exprBase{P: pos}, Value: v}
	case tOp:
		if t.text == "(" {
			x := p.expr(depth + 1)
			p.expectOp(")")
			return x
		}
		if t.text == "{" {
			return p.collLit(pos, depth)
		}
	case tIdent:
		switch t.text {
		case "true", "false":
			return &BoolLit{exprBase: exprBase{P: pos}, Value: t.text == "true"}
		case "none":
			return &NoneLit{exprBase: exprBase{P: pos}}
		case "some":
			p.expectOp("(")
			x := p.expr(depth + 1)
			p.expectOp(")")
			return &SomeExpr{exprBase: exprBase{P: pos}, X: x}
		case "unwrap_or":
			p.expectOp("(")
			x := p.expr(depth + 1)
			p.expectOp(",")
			d := p.expr(depth + 1)
			p.expectOp(")")
			return &UnwrapOr{exprBase: exprBase{P: pos}, X: x, Default: d}
		case "arg":
			p.expectOp(".")
			n := p.next()
			if n.kind != tIdent || keywords[n.text] {
				p.fail(n, "expected a parameter name after \"arg.\", found %s", describe(n))
			}
			return &ArgRef{exprBase: exprBase{P: pos}, Name: n.text}
		}
		if t.text == "if" {
			p.fail(t, "unexpected keyword \"if\": put an if expression used as an operand in parentheses")
		}
		if keywords[t.text] {
			p.fail(t, "unexpected keyword %q", t.text)
		}
		if collFuncs[t.text] > 0 && p.isOp("(") {
			return p.call(t, pos, depth)
		}
		if (t.text == "min" || t.text == "max") && p.isOp("(") {
			// min(a, b) and max(a, b); a bare min or max is still a name.
			p.next()
			x := p.expr(depth + 1)
			p.expectOp(",")
			y := p.expr(depth + 1)
			p.expectOp(")")
			return &Binary{exprBase: exprBase{P: pos}, Op: t.text, X: x, Y: y}
		}
		if p.isOp(".") {
			p.next()
			v := p.next()
			if v.kind != tIdent || keywords[v.text] {
				p.fail(v, "expected an enum value after %q, found %s", t.text+".", describe(v))
			}
			return &Qualified{exprBase: exprBase{P: pos}, Enum: t.text, Value: v.text}
		}
		return &Name{exprBase: exprBase{P: pos}, Name: t.text}
	}
	p.fail(t, "expected an operand, found %s", describe(t))
	return nil
}

func (p *parser) stmt(depth int) Stmt {
	if depth > maxDepth {
		p.fail(p.peek(), "statement nested too deeply")
	}
	t := p.peek()
	if p.isKeyword("if") {
		p.next()
		c := p.expr(depth + 1)
		p.expectKeyword("then")
		then := p.stmt(depth + 1)
		var els Stmt
		if p.isKeyword("else") {
			p.next()
			els = p.stmt(depth + 1)
		}
		return &IfStmt{P: p.base(t.off), Cond: c, Then: then, Else: els}
	}
	p.next()
	if t.kind != tIdent || keywords[t.text] && t.text != "arg" {
		p.fail(t, "expected a field name or \"if\" at the start of an update, found %s", describe(t))
	}
	a := &Assign{P: p.base(t.off), Target: t.text}
	if t.text == "arg" {
		p.expectOp(".")
		n := p.next()
		if n.kind != tIdent {
			p.fail(n, "expected a parameter name after \"arg.\", found %s", describe(n))
		}
		a.Target, a.IsArg = n.text, true
	}
	p.expectOp(":=")
	a.Value = p.expr(depth + 1)
	return a
}

func run[T any](src string, base func(int) Pos, f func(p *parser) T) (out T, err error) {
	toks, lerr := lex(src)
	if lerr != nil {
		return out, lerr
	}
	p := &parser{toks: toks, base: base}
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*SyntaxError)
			if !ok {
				panic(r)
			}
			err = se
		}
	}()
	out = f(p)
	if t := p.peek(); t.kind != tEOF {
		p.fail(t, "unexpected %s after the end of the expression", describe(t))
	}
	return out, nil
}

// ParseExpr parses an expression's syntax. base maps a byte offset in src to a
// position in the spec (nil gives line 1, column offset+1). The result is not
// yet resolved or typed. A *SyntaxError reports the offset of the problem.
func ParseExpr(src string, base func(off int) Pos) (Expr, error) {
	if base == nil {
		base = func(off int) Pos { return Pos{Line: 1, Column: off + 1} }
	}
	return run(src, base, func(p *parser) Expr { return p.expr(0) })
}

// ParseStmt parses an update statement's syntax (see ParseExpr).
func ParseStmt(src string, base func(off int) Pos) (Stmt, error) {
	if base == nil {
		base = func(off int) Pos { return Pos{Line: 1, Column: off + 1} }
	}
	return run(src, base, func(p *parser) Stmt { return p.stmt(0) })
}
