package tla

// A small evaluator for the TLA+ subset that Generate emits, used to check
// the generated actions, Init and invariants against the reference
// interpreter without TLC.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// tv is a TLA+ value: int64, string, bool or tvTuple.
type tv any

type tvTuple []tv

func tvEqual(a, b tv) bool {
	switch a := a.(type) {
	case tvTuple:
		bt, ok := b.(tvTuple)
		if !ok || len(a) != len(bt) {
			return false
		}
		for i := range a {
			if !tvEqual(a[i], bt[i]) {
				return false
			}
		}
		return true
	case int64, string, bool:
		switch b.(type) {
		case tvTuple:
			return false
		}
		if fmt.Sprintf("%T", a) != fmt.Sprintf("%T", b) {
			panic(fmt.Sprintf("comparing %T with %T", a, b))
		}
		return a == b
	}
	panic(fmt.Sprintf("bad value %T", a))
}

// ---- lexer ----

type tlaTok struct {
	kind string // "num", "str", "id", "op", "eof"
	text string
}

var tlaOps = []string{`\notin`, `\in`, `/\`, `\/`, `=>`, "<<", ">>", "<=", ">=", "==", "#", "=", "<", ">", "+", "-", "*", "~", "(", ")", "{", "}", ",", "'"}

func tlaLex(src string) ([]tlaTok, error) {
	var out []tlaTok
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\n' || c == '\t':
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(src) && src[j] >= '0' && src[j] <= '9' {
				j++
			}
			out = append(out, tlaTok{"num", src[i:j]})
			i = j
		case c == '"':
			j := i + 1
			var b strings.Builder
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				b.WriteByte(src[j])
				j++
			}
			out = append(out, tlaTok{"str", b.String()})
			i = j + 1
		case c == '_' || unicode.IsLetter(rune(c)):
			j := i
			for j < len(src) && (src[j] == '_' || unicode.IsLetter(rune(src[j])) || unicode.IsDigit(rune(src[j]))) {
				j++
			}
			out = append(out, tlaTok{"id", src[i:j]})
			i = j
		default:
			ok := false
			for _, op := range tlaOps {
				if strings.HasPrefix(src[i:], op) {
					out = append(out, tlaTok{"op", op})
					i += len(op)
					ok = true
					break
				}
			}
			if !ok {
				return nil, fmt.Errorf("unexpected %q in %q", src[i:], src)
			}
		}
	}
	return append(out, tlaTok{"eof", ""}), nil
}

// ---- parser: expressions become closures over an environment ----

type tlaEnv struct {
	vars   map[string]tv // unprimed variables
	primed map[string]tv // primed variables assigned so far
	locals map[string]tv // operator parameters
	lets   map[string]func(*tlaEnv) tv
}

type tlaExpr func(*tlaEnv) tv

type tlaParser struct {
	toks []tlaTok
	i    int
}

func (p *tlaParser) peek() tlaTok { return p.toks[p.i] }
func (p *tlaParser) next() tlaTok { t := p.toks[p.i]; p.i++; return t }
func (p *tlaParser) isOp(op string) bool {
	t := p.peek()
	return t.kind == "op" && t.text == op
}
func (p *tlaParser) isID(id string) bool {
	t := p.peek()
	return t.kind == "id" && t.text == id
}
func (p *tlaParser) expect(op string) {
	if t := p.next(); t.text != op {
		panic(fmt.Sprintf("expected %q, found %q", op, t.text))
	}
}

// parseTLA parses one expression of the emitted subset.
func parseTLA(src string) (e tlaExpr, err error) {
	toks, err := tlaLex(src)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("parse %q: %v", src, r)
		}
	}()
	p := &tlaParser{toks: toks}
	e = p.expr()
	if p.peek().kind != "eof" {
		return nil, fmt.Errorf("parse %q: trailing %q", src, p.peek().text)
	}
	return e, nil
}

func (p *tlaParser) expr() tlaExpr {
	if p.isID("IF") {
		p.next()
		c := p.expr()
		if !p.isID("THEN") {
			panic("expected THEN")
		}
		p.next()
		a := p.expr()
		if !p.isID("ELSE") {
			panic("expected ELSE")
		}
		p.next()
		b := p.expr()
		return func(env *tlaEnv) tv {
			if c(env).(bool) {
				return a(env)
			}
			return b(env)
		}
	}
	return p.implies()
}

func (p *tlaParser) implies() tlaExpr {
	a := p.junction()
	if p.isOp("=>") {
		p.next()
		b := p.junction()
		return func(env *tlaEnv) tv { return !a(env).(bool) || b(env).(bool) }
	}
	return a
}

// junction parses a chain of /\ or of \/ (mixing them without parentheses
// is a syntax error in TLA+, so it is one here too).
func (p *tlaParser) junction() tlaExpr {
	a := p.not()
	op := ""
	for p.isOp(`/\`) || p.isOp(`\/`) {
		t := p.next().text
		if op != "" && op != t {
			panic(`/\ and \/ mixed without parentheses`)
		}
		op = t
		b := p.not()
		l := a
		if t == `/\` {
			a = func(env *tlaEnv) tv { return l(env).(bool) && b(env).(bool) }
		} else {
			a = func(env *tlaEnv) tv { return l(env).(bool) || b(env).(bool) }
		}
	}
	return a
}

func (p *tlaParser) not() tlaExpr {
	if p.isOp("~") {
		p.next()
		a := p.not()
		return func(env *tlaEnv) tv { return !a(env).(bool) }
	}
	return p.rel()
}

func (p *tlaParser) rel() tlaExpr {
	a := p.sum()
	t := p.peek()
	if t.kind != "op" {
		return a
	}
	switch t.text {
	case "=", "#", "<", "<=", ">", ">=":
		p.next()
		b := p.sum()
		if p.isOp("=") || p.isOp("#") || p.isOp("<") || p.isOp("<=") || p.isOp(">") || p.isOp(">=") {
			panic("relational operators chained without parentheses")
		}
		switch t.text {
		case "=":
			return func(env *tlaEnv) tv { return tvEqual(a(env), b(env)) }
		case "#":
			return func(env *tlaEnv) tv { return !tvEqual(a(env), b(env)) }
		case "<":
			return func(env *tlaEnv) tv { return a(env).(int64) < b(env).(int64) }
		case "<=":
			return func(env *tlaEnv) tv { return a(env).(int64) <= b(env).(int64) }
		case ">":
			return func(env *tlaEnv) tv { return a(env).(int64) > b(env).(int64) }
		default:
			return func(env *tlaEnv) tv { return a(env).(int64) >= b(env).(int64) }
		}
	case `\in`, `\notin`:
		p.next()
		p.expect("{")
		var elems []tlaExpr
		for !p.isOp("}") {
			elems = append(elems, p.expr())
			if p.isOp(",") {
				p.next()
			}
		}
		p.next()
		neg := t.text == `\notin`
		return func(env *tlaEnv) tv {
			x := a(env)
			for _, e := range elems {
				if tvEqual(x, e(env)) {
					return !neg
				}
			}
			return neg
		}
	}
	return a
}

func (p *tlaParser) sum() tlaExpr {
	a := p.product()
	for p.isOp("+") || p.isOp("-") {
		op := p.next().text
		b := p.product()
		l := a
		if op == "+" {
			a = func(env *tlaEnv) tv { return l(env).(int64) + b(env).(int64) }
		} else {
			a = func(env *tlaEnv) tv { return l(env).(int64) - b(env).(int64) }
		}
	}
	return a
}

func (p *tlaParser) product() tlaExpr {
	a := p.primary()
	for p.isOp("*") {
		p.next()
		b := p.primary()
		l := a
		a = func(env *tlaEnv) tv { return l(env).(int64) * b(env).(int64) }
	}
	return a
}

func (p *tlaParser) args() []tlaExpr {
	p.expect("(")
	var out []tlaExpr
	for !p.isOp(")") {
		out = append(out, p.expr())
		if p.isOp(",") {
			p.next()
		}
	}
	p.next()
	return out
}

func (p *tlaParser) primary() tlaExpr {
	t := p.next()
	switch t.kind {
	case "num":
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			panic(err)
		}
		return func(*tlaEnv) tv { return n }
	case "str":
		s := t.text
		return func(*tlaEnv) tv { return s }
	case "op":
		switch t.text {
		case "(":
			e := p.expr()
			p.expect(")")
			return e
		case "<<":
			var elems []tlaExpr
			for !p.isOp(">>") {
				elems = append(elems, p.expr())
				if p.isOp(",") {
					p.next()
				}
			}
			p.next()
			return func(env *tlaEnv) tv {
				out := make(tvTuple, len(elems))
				for i, e := range elems {
					out[i] = e(env)
				}
				return out
			}
		}
	case "id":
		switch t.text {
		case "TRUE":
			return func(*tlaEnv) tv { return true }
		case "FALSE":
			return func(*tlaEnv) tv { return false }
		case "None":
			return func(*tlaEnv) tv { return tvTuple{} }
		case "Some":
			a := p.args()
			return func(env *tlaEnv) tv { return tvTuple{a[0](env)} }
		case "UnwrapOr":
			a := p.args()
			return func(env *tlaEnv) tv {
				o := a[0](env).(tvTuple)
				if len(o) == 0 {
					return a[1](env)
				}
				return o[0]
			}
		}
		name := t.text
		if p.isOp("'") {
			p.next()
			return func(env *tlaEnv) tv {
				v, ok := env.primed[name]
				if !ok {
					return nil // not yet assigned: x' = e assigns it
				}
				return v
			}
		}
		return func(env *tlaEnv) tv {
			if v, ok := env.locals[name]; ok {
				return v
			}
			if f, ok := env.lets[name]; ok {
				return f(env)
			}
			if v, ok := env.vars[name]; ok {
				return v
			}
			panic("unknown name " + name)
		}
	}
	panic(fmt.Sprintf("unexpected %q", t.text))
}

// ---- actions ----

// tlaAction is a parsed action definition.
type tlaAction struct {
	params []string
	lets   map[string]tlaExpr
	items  []tlaItem
}

// tlaItem is one conjunct: a condition, x' = e, or UNCHANGED.
type tlaItem struct {
	primed    string   // x' = e: the variable
	unchanged []string // UNCHANGED: the variables (all for UNCHANGED vars)
	e         tlaExpr
	src       string
}

var commentRE = regexp.MustCompile(`\\\*.*$`)

// definitions splits a module into its top-level operator definitions:
// name -> (header line, body lines).
func definitions(module string) map[string][]string {
	out := map[string][]string{}
	var cur string
	for _, line := range strings.Split(module, "\n") {
		line = strings.TrimRight(commentRE.ReplaceAllString(line, ""), " ")
		if line == "" {
			cur = ""
			continue
		}
		if line[0] != ' ' && strings.Contains(line, "==") {
			head := strings.TrimSpace(line[:strings.Index(line, "==")])
			name := head
			if i := strings.Index(head, "("); i >= 0 {
				name = head[:i]
			}
			cur = name
			out[cur] = []string{line}
			continue
		}
		if cur != "" {
			out[cur] = append(out[cur], line)
		}
	}
	return out
}

// parseAction parses an action definition as Generate lays it out.
func parseAction(lines []string, vars []string) (*tlaAction, error) {
	a := &tlaAction{lets: map[string]tlaExpr{}}
	head := lines[0]
	if i := strings.Index(head, "("); i >= 0 && i < strings.Index(head, "==") {
		params := head[i+1 : strings.Index(head, ")")]
		for _, p := range strings.Split(params, ",") {
			a.params = append(a.params, strings.TrimSpace(p))
		}
	}
	if rest := strings.TrimSpace(head[strings.Index(head, "==")+2:]); rest != "" {
		return nil, fmt.Errorf("unexpected text after ==: %q", rest)
	}
	// Join continuation lines onto their bullet or LET definition.
	var parts []string
	for _, l := range lines[1:] {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "LET "):
			parts = append(parts, "LET "+strings.TrimPrefix(t, "LET "))
		case strings.HasPrefix(t, `IN  /\ `):
			parts = append(parts, "IN", strings.TrimPrefix(t, "IN  "))
		case strings.HasPrefix(t, `/\ `):
			parts = append(parts, t)
		default:
			if len(parts) == 0 {
				return nil, fmt.Errorf("stray line %q", l)
			}
			last := parts[len(parts)-1]
			if strings.Contains(t, " == ") && (strings.HasPrefix(last, "LET ") || strings.HasPrefix(last, "DEF ")) {
				parts = append(parts, "DEF "+t)
			} else {
				parts[len(parts)-1] += " " + t
			}
		}
	}
	inLet := false
	for _, part := range parts {
		switch {
		case strings.HasPrefix(part, "LET "), strings.HasPrefix(part, "DEF "):
			inLet = true
			def := part[4:]
			i := strings.Index(def, " == ")
			e, err := parseTLA(def[i+4:])
			if err != nil {
				return nil, err
			}
			a.lets[def[:i]] = e
		case part == "IN":
			if !inLet {
				return nil, fmt.Errorf("IN without LET")
			}
		default:
			src := strings.TrimPrefix(part, `/\ `)
			it := tlaItem{src: src}
			switch {
			case src == "UNCHANGED vars":
				it.unchanged = vars
			case strings.HasPrefix(src, "UNCHANGED <<"):
				for _, v := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(src, "UNCHANGED <<"), ">>"), ",") {
					it.unchanged = append(it.unchanged, strings.TrimSpace(v))
				}
			default:
				if m := regexp.MustCompile(`^(\w+)' = (.*)$`).FindStringSubmatch(src); m != nil {
					it.primed = m[1]
					src = m[2]
				}
				e, err := parseTLA(src)
				if err != nil {
					return nil, err
				}
				it.e = e
			}
			a.items = append(a.items, it)
		}
	}
	return a, nil
}

// step evaluates the action: ok reports whether it is enabled, next is the
// successor state. Every variable must be assigned exactly once.
func (a *tlaAction) step(vars map[string]tv, args []tv) (next map[string]tv, ok bool, err error) {
	env := &tlaEnv{vars: vars, primed: map[string]tv{}, locals: map[string]tv{}, lets: map[string]func(*tlaEnv) tv{}}
	for i, p := range a.params {
		env.locals[p] = args[i]
	}
	for name, e := range a.lets {
		env.lets[name] = e
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("evaluation: %v", r)
		}
	}()
	for _, it := range a.items {
		switch {
		case it.unchanged != nil:
			for _, v := range it.unchanged {
				if _, dup := env.primed[v]; dup {
					return nil, false, fmt.Errorf("%s assigned twice", v)
				}
				env.primed[v] = vars[v]
			}
		case it.primed != "":
			if _, dup := env.primed[it.primed]; dup {
				return nil, false, fmt.Errorf("%s assigned twice", it.primed)
			}
			env.primed[it.primed] = it.e(env)
		default:
			if !it.e(env).(bool) {
				return nil, false, nil
			}
		}
	}
	if len(env.primed) != len(vars) {
		return nil, false, fmt.Errorf("%d of %d variables assigned", len(env.primed), len(vars))
	}
	return env.primed, true, nil
}
