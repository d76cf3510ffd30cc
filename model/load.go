package model

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads, validates and type-checks the spec in a file. On failure the
// error is an ErrorList with every problem, sorted, as file:line:col: message.
func Load(path string) (*Machine, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	return Parse(path, src)
}

// Parse validates and type-checks a spec held in memory; filename is used in
// positions. Warnings are returned in Machine.Warnings.
func Parse(filename string, src []byte) (*Machine, error) {
	l := &loader{file: filename, m: &Machine{File: filename}}
	l.load(src)
	l.e.list.Sort()
	l.e.warnings.Sort()
	l.m.Warnings = l.e.warnings
	if len(l.e.list) > 0 {
		return nil, l.e.list
	}
	return l.m, nil
}

type loader struct {
	file    string
	m       *Machine
	e       errs
	enumsBy map[string][]*Enum
	enumMap map[string]*Enum
	idMap   map[string]*IDType
	types   map[string]Pos // the shared Go type namespace
	fields  map[string]*Field
	guards  map[string]*yaml.Node
	effects map[string]*Effect
	renames map[*Field]Pos // the position of each field's renamed_from
}

type pair struct{ k, v *yaml.Node }

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (l *loader) pos(n *yaml.Node) Pos { return Pos{File: l.file, Line: n.Line, Column: n.Column} }

func (l *loader) load(src []byte) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		l.yamlError(err)
		return
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		l.e.add(Pos{File: l.file, Line: 1, Column: 1}, "empty spec")
		return
	}
	// A spec is one YAML document: a second one (after ---) would be ignored.
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		l.e.add(l.pos(&extra), "a spec is a single YAML document; remove the document that starts here (after ---)")
	} else if !errors.Is(err, io.EOF) {
		l.yamlError(err)
	}
	root := doc.Content[0]
	if l.aliases(root) {
		return
	}
	top := l.mapping(root, "spec", specKeys().Keys)
	if top == nil {
		return
	}
	l.enumsBy, l.enumMap, l.idMap, l.types = map[string][]*Enum{}, map[string]*Enum{}, map[string]*IDType{}, map[string]Pos{}
	l.fields, l.guards, l.effects = map[string]*Field{}, map[string]*yaml.Node{}, map[string]*Effect{}
	for _, key := range specKeys().Required {
		if top[key] == nil {
			l.e.add(l.pos(root), "missing required key %q", key)
		}
	}
	if n := top["machine"]; n != nil {
		l.m.Name = l.ident(n.v, "machine name")
		l.m.NamePos = l.pos(n.v)
	}
	if n := top["doc"]; n != nil {
		l.m.Doc = l.str(n.v, "doc")
	}
	if n := top["package"]; n != nil {
		l.m.Package = l.ident(n.v, "package name")
		l.m.PackagePos = l.pos(n.v)
	}
	if l.m.Package == "" {
		l.m.Package = strings.ToLower(l.m.Name)
		l.m.PackagePos = l.m.NamePos
	}
	if n := top["enums"]; n != nil {
		l.loadEnums(n.v)
	}
	if n := top["ids"]; n != nil {
		l.loadIDs(n.v)
	}
	if n := top["constants"]; n != nil {
		l.loadConstants(n.v)
	}
	if n := top["fields"]; n != nil {
		l.loadFields(n.v)
	}
	if n := top["phase"]; n != nil {
		l.loadPhase(n.v)
	}
	if n := top["terminal"]; n != nil && l.m.Phase != nil {
		for _, item := range l.seq(n.v, "terminal") {
			if i := l.phaseValue(item); i >= 0 {
				l.m.Terminal = append(l.m.Terminal, i)
			}
		}
	}
	if n := top["inputs"]; n != nil {
		l.loadInputs(n.v)
	}
	if n := top["enum_migrations"]; n != nil {
		l.loadEnumMigrations(n.v)
	}
	if n := top["stable_inputs"]; n != nil {
		l.loadStableInputs(n.v)
	}
	if n := top["removed_fields"]; n != nil {
		l.loadRemovedFields(n.v)
	}
	if n := top["effects"]; n != nil {
		l.loadEffects(n.v)
	}
	if n := top["guards"]; n != nil {
		for _, p := range l.pairs(n.v, "guards") {
			name := l.ident(p.k, "guard name")
			if l.guards[name] != nil {
				l.e.add(l.pos(p.k), "duplicate guard %s (first defined at %s)", name, l.pos(l.guards[name]))
				continue
			}
			l.guards[name] = p.v
			// Syntax is checked once here; types are checked at each use.
			src, base := l.exprSource(p.v)
			if _, err := ParseExpr(src, base); err != nil {
				l.syntaxError(p.v, err)
			}
		}
	}
	if n := top["transitions"]; n != nil {
		l.loadTransitions(n.v)
	}
	if n := top["invariants"]; n != nil {
		seen := map[string]bool{}
		for _, p := range l.pairs(n.v, "invariants") {
			name := l.ident(p.k, "invariant name")
			if seen[name] {
				l.e.add(l.pos(p.k), "duplicate invariant %s", name)
			}
			seen[name] = true
			x := l.expr(p.v, &scope{fields: l.fields}, "invariant "+name, nil)
			if x != nil {
				if x.Type().Kind != KindBool {
					l.e.add(x.Pos(), "invariant %s is not boolean: it has type %s", name, x.Type())
				}
				l.m.Invariants = append(l.m.Invariants, &Invariant{Name: name, Expr: x, Pos: l.pos(p.k)})
			}
		}
	}
	l.loadTemporal(top["fairness"], top["liveness"])
	if n := top["profiles"]; n != nil {
		l.loadProfiles(n.v)
	}
	l.phaseWarnings()
}

// aliases reports every YAML alias (*name) and merge key (<<) in a tree:
// the DSL has no use for them, and the loader would misread them. It
// returns whether it found any.
func (l *loader) aliases(n *yaml.Node) bool {
	found := false
	switch {
	case n.Kind == yaml.AliasNode:
		l.e.add(l.pos(n), "YAML aliases (*%s) are not supported: write the value out", n.Value)
		return true
	case n.Kind == yaml.ScalarNode && n.Tag == "!!merge":
		l.e.add(l.pos(n), "YAML merge keys (<<) are not supported: write the entries out")
		return true
	}
	for _, c := range n.Content {
		if l.aliases(c) {
			found = true
		}
	}
	return found
}

func (l *loader) yamlError(err error) {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		for _, msg := range te.Errors {
			l.yamlMsg(msg)
		}
		return
	}
	l.yamlMsg(err.Error())
}

func (l *loader) yamlMsg(msg string) {
	line := 1
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	l.e.add(Pos{File: l.file, Line: line, Column: 1}, "YAML syntax error: %s", msg)
}

// mapping reads a mapping with a fixed set of keys; it reports unknown and
// duplicate keys. It returns nil if n is not a mapping.
func (l *loader) mapping(n *yaml.Node, what string, keys []string) map[string]*pair {
	ps := l.pairs(n, what)
	if ps == nil && n.Kind != yaml.MappingNode {
		return nil
	}
	out := map[string]*pair{}
	for _, p := range ps {
		k := p.k.Value
		known := false
		for _, want := range keys {
			if k == want {
				known = true
			}
		}
		if !known {
			hint := ""
			if strings.HasSuffix(k, ">") {
				hint = "; the rest of an unquoted type? quote it"
			}
			l.e.add(l.pos(p.k), "unknown key %q in %s (expected one of: %s)%s", k, what, strings.Join(keys, ", "), hint)
			continue
		}
		out[k] = &pair{p.k, p.v}
	}
	return out
}

// pairs returns a mapping's entries in order, reporting duplicate keys.
func (l *loader) pairs(n *yaml.Node, what string) []pair {
	if isNull(n) {
		l.e.add(l.pos(n), "%s is empty (null): write {} for an empty mapping", what)
		return nil
	}
	if n.Kind != yaml.MappingNode {
		l.e.add(l.pos(n), "%s must be a mapping", what)
		return nil
	}
	seen := map[string]*yaml.Node{}
	var out []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			l.e.add(l.pos(k), "%s: keys must be plain names", what)
			continue
		}
		if first := seen[k.Value]; first != nil {
			l.e.add(l.pos(k), "duplicate key %q in %s (first at %s)", k.Value, what, l.pos(first))
			continue
		}
		seen[k.Value] = k
		out = append(out, pair{k, v})
	}
	return out
}

// isNull reports whether a node is a YAML null: nothing, ~ or null.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func (l *loader) seq(n *yaml.Node, what string) []*yaml.Node {
	if isNull(n) {
		l.e.add(l.pos(n), "%s is empty (null): write [] for an empty list", what)
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		l.e.add(l.pos(n), "%s must be a list", what)
		return nil
	}
	return n.Content
}

func (l *loader) str(n *yaml.Node, what string) string {
	if isNull(n) {
		l.e.add(l.pos(n), "%s is empty (null)", what)
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		l.e.add(l.pos(n), "%s must be a string", what)
		return ""
	}
	return n.Value
}

var identRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

func (l *loader) ident(n *yaml.Node, what string) string {
	s := l.str(n, what)
	if s == "" && (n.Kind != yaml.ScalarNode || isNull(n)) {
		return ""
	}
	if !identRE.MatchString(s) {
		l.e.add(l.pos(n), "%s %q is not a valid name (letters, digits and _, starting with a letter)", what, s)
		return s
	}
	if keywords[s] || s == "stay" || s == "all" {
		l.e.add(l.pos(n), "%s %q is a reserved word", what, s)
	}
	return s
}

func (l *loader) declareType(n *yaml.Node, name, kind string) bool {
	if first, ok := l.types[name]; ok {
		l.e.add(l.pos(n), "duplicate name %s: %s clashes with a type, input or effect declared at %s", name, kind, first)
		return false
	}
	l.types[name] = l.pos(n)
	return true
}

func (l *loader) loadEnums(n *yaml.Node) {
	for _, p := range l.pairs(n, "enums") {
		name := l.ident(p.k, "enum name")
		e := &Enum{Name: name, Pos: l.pos(p.k)}
		if !l.declareType(p.k, name, "enum "+name) {
			continue
		}
		for _, v := range l.seq(p.v, "enum "+name) {
			val := l.ident(v, "enum value")
			if e.Index(val) >= 0 {
				l.e.add(l.pos(v), "duplicate value %s in enum %s", val, name)
				continue
			}
			e.Values = append(e.Values, val)
			e.ValuePos = append(e.ValuePos, l.pos(v))
			l.enumsBy[val] = append(l.enumsBy[val], e)
		}
		if len(e.Values) == 0 {
			l.e.add(l.pos(p.k), "enum %s has no values", name)
			continue
		}
		if len(e.Values) > 255 {
			l.e.add(l.pos(p.k), "enum %s has %d values; at most 255 are allowed", name, len(e.Values))
		}
		l.enumMap[name] = e
		l.m.Enums = append(l.m.Enums, e)
	}
}

func (l *loader) loadIDs(n *yaml.Node) {
	for _, v := range l.seq(n, "ids") {
		name := l.ident(v, "id type name")
		if !l.declareType(v, name, "id type "+name) {
			continue
		}
		t := &IDType{Name: name, Pos: l.pos(v)}
		l.idMap[name] = t
		l.m.IDs = append(l.m.IDs, t)
	}
}

// parseType reads a type name: bool, uint, an enum, an id, or option<T>.
func (l *loader) parseType(n *yaml.Node) *Type {
	s := strings.TrimSpace(l.str(n, "type"))
	t, msg := l.typeOf(s)
	if t == nil {
		if (strings.HasPrefix(s, "set<") || strings.HasPrefix(s, "map<")) && !strings.Contains(s, ">") {
			msg += unquotedTypeHint
		}
		l.e.add(l.pos(n), "%s", msg)
	}
	return t
}

// unquotedTypeHint follows a message about a collection type that YAML cut
// at its comma (set<W, 3> unquoted in a flow mapping).
const unquotedTypeHint = `; quote a type with a comma, as in type: "set<W, 3>" (unquoted in {...}, YAML splits it at the comma)`

func (l *loader) typeOf(s string) (*Type, string) {
	switch s {
	case "bool":
		return boolType, ""
	case "uint":
		return uintType, ""
	}
	for _, kind := range []string{"set", "map"} {
		if strings.HasPrefix(s, kind+"<") && strings.HasSuffix(s, ">") {
			return l.collType(kind, s[len(kind)+1:len(s)-1])
		}
	}
	if strings.HasPrefix(s, "option<") && strings.HasSuffix(s, ">") {
		inner := strings.TrimSpace(s[len("option<") : len(s)-1])
		elem, msg := l.typeOf(inner)
		if elem == nil {
			return nil, msg
		}
		if elem.Kind == KindOption || elem.Kind == KindBool || elem.IsCollection() {
			return nil, fmt.Sprintf("unsupported type %s: an option holds a uint, an enum or an id", s)
		}
		return &Type{Kind: KindOption, Elem: elem}, ""
	}
	if e := l.enumMap[s]; e != nil {
		return &Type{Kind: KindEnum, Enum: e}, ""
	}
	if id := l.idMap[s]; id != nil {
		return &Type{Kind: KindID, ID: id}, ""
	}
	return nil, fmt.Sprintf("unknown type %q (expected bool, uint, option<T>, set<T, N>, map<K, V, N>, or a declared enum or id)", s)
}

// exprSource returns a scalar's text and a map from byte offsets to positions.
func (l *loader) exprSource(n *yaml.Node) (string, func(int) Pos) {
	src := n.Value
	if n.Kind != yaml.ScalarNode {
		l.e.add(l.pos(n), "expected an expression (a string)")
		src = ""
	} else if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		// YAML read a leading "!" as a tag and dropped it from the text.
		l.e.add(l.pos(n), "YAML reads the leading %q as a tag: quote an expression that starts with \"!\"", n.Tag)
		src = "true" // reported; keep checking the rest without a second error here
	}
	line, col := n.Line, n.Column
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		col++
	}
	multiline := n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 || strings.Contains(src, "\n")
	return src, func(off int) Pos {
		if multiline {
			return Pos{File: l.file, Line: line, Column: n.Column}
		}
		return Pos{File: l.file, Line: line, Column: col + off}
	}
}

func (l *loader) syntaxError(n *yaml.Node, err error) {
	src, base := l.exprSource(n)
	var se *SyntaxError
	if errors.As(err, &se) {
		_ = src
		l.e.add(base(se.Offset), "syntax error: %s", se.Msg)
		return
	}
	l.e.add(l.pos(n), "syntax error: %v", err)
}

// expr parses and checks an expression from a scalar node in a scope.
func (l *loader) expr(n *yaml.Node, sc *scope, what string, want *Type) Expr {
	src, base := l.exprSource(n)
	if n.Kind != yaml.ScalarNode {
		return nil
	}
	x, err := ParseExpr(src, base)
	if err != nil {
		l.syntaxError(n, err)
		return nil
	}
	sc.m, sc.what, sc.enumsBy, sc.enumMap, sc.e = l.m, what, l.enumsBy, l.enumMap, &l.e
	return sc.resolve(x, want)
}

func (l *loader) loadFields(n *yaml.Node) {
	for _, p := range l.pairs(n, "fields") {
		name := l.ident(p.k, "field name")
		if l.fields[name] != nil {
			l.e.add(l.pos(p.k), "duplicate field %s", name)
			continue
		}
		if es := l.enumsBy[name]; len(es) > 0 {
			l.e.add(l.pos(p.k), "field %s has the same name as a value of enum %s", name, es[0].Name)
		}
		if c := l.m.Constant(name); c != nil {
			l.e.add(l.pos(p.k), "field %s has the same name as the constant declared at %s", name, c.Pos)
		}
		f := &Field{Name: name, Index: len(l.m.Fields), Pos: l.pos(p.k)}
		spec := l.mapping(p.v, "field "+name, fieldKeys().Keys)
		if spec == nil {
			continue
		}
		if spec["type"] == nil {
			l.e.add(l.pos(p.k), "field %s has no type", name)
			continue
		}
		f.Type = l.parseType(spec["type"].v)
		if f.Type == nil {
			continue
		}
		if mx := spec["max"]; mx != nil {
			if f.Type.Kind != KindUint && !(f.Type.Kind == KindOption && f.Type.Elem.Kind == KindUint) {
				l.e.add(l.pos(mx.v), "max is only allowed on uint and option<uint> fields, not %s", f.Type)
			} else if v, ok := l.uintValue(mx.v, "max"); ok {
				f.Max = &v
			}
		}
		if d := spec["doc"]; d != nil {
			f.Doc = l.str(d.v, "doc")
		}
		init := spec["initial"]
		switch {
		case init == nil && f.Type.Kind != KindID:
			l.e.add(l.pos(p.k), "field %s has no initial value", name)
		case init != nil && f.Type.Kind == KindID:
			l.e.add(l.pos(init.v), "field %s: an id field has no initial value; use option<%s> with initial: none", name, f.Type)
		case init != nil:
			f.Initial = l.expr(init.v, &scope{}, "initial value of "+name, f.Type)
			if f.Initial != nil && f.Max != nil && f.Initial.Type().Equal(f.Type) {
				if v, err := constValue(f.Initial); err != nil {
					l.e.add(l.pos(init.v), "initial value of %s overflows", name)
				} else if v.N > *f.Max {
					l.e.add(l.pos(init.v), "initial value %d of %s is out of its bound (max %d)", v.N, name, *f.Max)
				}
			}
		}
		l.loadFieldMigration(f, spec)
		l.fields[name] = f
		l.m.Fields = append(l.m.Fields, f)
	}
	if len(l.m.Fields) == 0 && n.Kind == yaml.MappingNode {
		l.e.add(l.pos(n), "the spec declares no fields")
	}
	l.checkRenames()
}

func (l *loader) loadPhase(n *yaml.Node) {
	name := l.str(n, "phase")
	f := l.fields[name]
	switch {
	case f == nil:
		l.e.add(l.pos(n), "unknown phase field %s", name)
	case f.Type.Kind != KindEnum:
		l.e.add(l.pos(n), "phase field %s must have an enum type, not %s", name, f.Type)
	default:
		l.m.Phase = f
	}
}

// phaseValue reads a phase name; it reports unknown names and returns -1.
func (l *loader) phaseValue(n *yaml.Node) int {
	if l.m.Phase == nil {
		return -1
	}
	name := l.str(n, "phase")
	e := l.m.PhaseEnum()
	i := e.Index(name)
	if i < 0 {
		l.e.add(l.pos(n), "unknown phase %s (not a value of %s)", name, e.Name)
	}
	return i
}

// params reads an input's parameters or an effect's fields; coll allows set
// and map types (input parameters only).
func (l *loader) params(n *yaml.Node, what string, coll bool) []*Param {
	var out []*Param
	seen := map[string]bool{}
	for _, p := range l.pairs(n, what) {
		name := l.ident(p.k, "parameter name")
		if seen[name] {
			l.e.add(l.pos(p.k), "duplicate parameter %s in %s", name, what)
			continue
		}
		seen[name] = true
		typeNode, doc := l.paramForm(p.k, p.v, name)
		if typeNode == nil {
			continue
		}
		t := l.parseType(typeNode)
		if t == nil {
			continue
		}
		if t.IsCollection() && !coll {
			l.e.add(l.pos(typeNode), "%s: field %s has type %s; sets and maps are state field and input parameter types only", what, name, t)
			continue
		}
		out = append(out, &Param{Name: name, Doc: doc, Type: t, Index: len(out), Pos: l.pos(p.k)})
	}
	return out
}

func (l *loader) loadInputs(n *yaml.Node) {
	for _, p := range l.pairs(n, "inputs") {
		name := l.ident(p.k, "input name")
		if !l.declareType(p.k, name, "input "+name) && l.m.Input(name) != nil {
			continue
		}
		in := &Input{Name: name, Index: len(l.m.Inputs), Pos: l.pos(p.k)}
		params, doc := l.declForm(p.v, "input "+name, inputKeys(), "params")
		in.Doc = doc
		if params != nil {
			in.Params = l.params(params, "input "+name, true)
		}
		l.m.Inputs = append(l.m.Inputs, in)
	}
}

func (l *loader) loadEffects(n *yaml.Node) {
	for _, p := range l.pairs(n, "effects") {
		name := l.ident(p.k, "effect name")
		if !l.declareType(p.k, name, "effect "+name) && l.effects[name] != nil {
			continue
		}
		ef := &Effect{Name: name, Index: len(l.m.Effects), Pos: l.pos(p.k)}
		fields, doc := l.declForm(p.v, "effect "+name, effectKeys(), "fields")
		ef.Doc = doc
		if fields != nil {
			ef.Fields = l.params(fields, "effect "+name, false)
		}
		l.effects[name] = ef
		l.m.Effects = append(l.m.Effects, ef)
	}
}

func (l *loader) loadTransitions(n *yaml.Node) {
	names := map[string]Pos{}
	for _, item := range l.seq(n, "transitions") {
		spec := l.mapping(item, "transition", transitionKeys().Keys)
		if spec == nil {
			continue
		}
		t := &Transition{To: -1, Index: len(l.m.Transitions), Pos: l.pos(item)}
		if spec["name"] == nil {
			l.e.add(l.pos(item), "transition has no name")
			continue
		}
		t.Name = l.ident(spec["name"].v, "transition name")
		if first, ok := names[t.Name]; ok {
			l.e.add(l.pos(spec["name"].v), "duplicate transition %s (first at %s)", t.Name, first)
		}
		names[t.Name] = l.pos(spec["name"].v)
		if d := spec["doc"]; d != nil {
			t.Doc = l.str(d.v, "doc")
		}
		if u := spec["unreachable"]; u != nil {
			t.Unreachable = l.str(u.v, "unreachable")
			if t.Unreachable == "" {
				l.e.add(l.pos(u.v), "unreachable needs a reason")
			}
		}
		if on := spec["on"]; on == nil {
			l.e.add(l.pos(item), "transition %s has no input (on:)", t.Name)
		} else if name := l.str(on.v, "on"); name == "" {
			if on.v.Kind == yaml.ScalarNode && !isNull(on.v) {
				l.e.add(l.pos(on.v), "transition %s has an empty input name (on: \"\")", t.Name)
			} // else reported by str
		} else if t.Input = l.m.Input(name); t.Input == nil {
			l.e.add(l.pos(on.v), "transition %s is on unknown input %s", t.Name, on.v.Value)
		}
		if l.m.Phase != nil {
			l.loadFromTo(t, spec)
		}
		sc := &scope{fields: l.fields, input: t.Input}
		if t.Input == nil {
			sc.input = &Input{Name: "?"}
		}
		if g := spec["guards"]; g != nil {
			l.loadGuards(t, g.v, sc)
		}
		if d := spec["do"]; d != nil {
			for _, st := range l.seq(d.v, "do") {
				src, base := l.exprSource(st)
				if st.Kind != yaml.ScalarNode {
					continue
				}
				s, err := ParseStmt(src, base)
				if err != nil {
					l.syntaxError(st, err)
					continue
				}
				sc.m, sc.what, sc.enumsBy, sc.enumMap, sc.e = l.m, "update", l.enumsBy, l.enumMap, &l.e
				if sc.stmt(s) {
					t.Updates = append(t.Updates, s)
				}
			}
		}
		if em := spec["emit"]; em != nil {
			for _, e := range l.seq(em.v, "emit") {
				if x := l.loadEmit(e, sc); x != nil {
					t.Emits = append(t.Emits, x)
				}
			}
		}
		l.m.Transitions = append(l.m.Transitions, t)
	}
}

func (l *loader) loadFromTo(t *Transition, spec map[string]*pair) {
	e := l.m.PhaseEnum()
	from := spec["from"]
	switch {
	case from == nil:
		l.e.add(t.Pos, "transition %s has no from: (a list of phases, or all)", t.Name)
	case from.v.Kind == yaml.ScalarNode && from.v.Value == "all":
		for i := range e.Values {
			if !l.m.IsTerminal(i) {
				t.From = append(t.From, i)
			}
		}
	default:
		nodes := []*yaml.Node{from.v}
		if from.v.Kind == yaml.SequenceNode {
			nodes = from.v.Content
		}
		seen := map[int]bool{}
		for _, pn := range nodes {
			i := l.phaseValue(pn)
			if i < 0 {
				continue
			}
			if seen[i] {
				l.e.add(l.pos(pn), "phase %s listed twice in from", e.Values[i])
				continue
			}
			if l.m.IsTerminal(i) {
				l.e.add(l.pos(pn), "transition %s leaves terminal phase %s", t.Name, e.Values[i])
			}
			seen[i] = true
		}
		for i := range e.Values {
			if seen[i] {
				t.From = append(t.From, i)
			}
		}
	}
	if to := spec["to"]; to != nil && to.v.Value != "stay" {
		t.To = l.phaseValue(to.v)
	}
}

func (l *loader) loadGuards(t *Transition, n *yaml.Node, sc *scope) {
	seen := map[string]bool{}
	for _, g := range l.seq(n, "guards") {
		var name string
		var exprNode *yaml.Node
		switch {
		case isNull(g):
			l.e.add(l.pos(g), "a guard is empty (null): write a library guard name or an inline name: expression")
			continue
		case g.Kind == yaml.ScalarNode:
			name = g.Value
			exprNode = l.guards[name]
			if exprNode == nil {
				l.e.add(l.pos(g), "unknown guard %s (not in the guards library; write name: expr for an inline guard)", name)
				continue
			}
		case g.Kind == yaml.MappingNode:
			if len(g.Content) != 2 {
				l.e.add(l.pos(g), "an inline guard is one name: expression pair")
				continue
			}
			name = l.ident(g.Content[0], "guard name")
			exprNode = g.Content[1]
		default:
			l.e.add(l.pos(g), "a guard is a library guard name or an inline name: expression")
			continue
		}
		if seen[name] {
			l.e.add(l.pos(g), "duplicate guard %s in transition %s", name, t.Name)
		}
		seen[name] = true
		var x Expr
		if g.Kind == yaml.ScalarNode {
			// A library guard is checked in this transition's scope; errors
			// point at the reference, since that is where the scope comes from.
			src, _ := l.exprSource(exprNode)
			parsed, err := ParseExpr(src, func(int) Pos { return l.pos(g) })
			if err != nil {
				continue // reported at the library definition
			}
			sc.m, sc.what, sc.enumsBy, sc.enumMap, sc.e = l.m, "guard "+name, l.enumsBy, l.enumMap, &l.e
			x = sc.resolve(parsed, nil)
		} else {
			x = l.expr(exprNode, sc, "guard "+name, nil)
		}
		if x == nil {
			continue
		}
		if x.Type().Kind != KindBool {
			l.e.add(x.Pos(), "guard %s is not boolean: it has type %s", name, x.Type())
			continue
		}
		t.Guards = append(t.Guards, &Guard{Name: name, Expr: x, Pos: l.pos(g)})
	}
}

func (l *loader) loadEmit(n *yaml.Node, sc *scope) *Emit {
	var name string
	var args *yaml.Node
	switch {
	case isNull(n):
		l.e.add(l.pos(n), "an emit is empty (null): write EffectName or EffectName: {field: expr, ...}")
		return nil
	case n.Kind == yaml.ScalarNode:
		name = n.Value
	case n.Kind == yaml.MappingNode:
		if len(n.Content) != 2 {
			l.e.add(l.pos(n), "an emit is EffectName or EffectName: {field: expr, ...}")
			return nil
		}
		name, args = n.Content[0].Value, n.Content[1]
	default:
		l.e.add(l.pos(n), "an emit is EffectName or EffectName: {field: expr, ...}")
		return nil
	}
	ef := l.effects[name]
	if ef == nil {
		l.e.add(l.pos(n), "unknown effect %s", name)
		return nil
	}
	em := &Emit{Effect: ef, Args: make([]Expr, len(ef.Fields)), Pos: l.pos(n)}
	given := map[string]bool{}
	if args != nil {
		for _, p := range l.pairs(args, "effect "+name) {
			var f *Param
			for _, c := range ef.Fields {
				if c.Name == p.k.Value {
					f = c
				}
			}
			if f == nil {
				l.e.add(l.pos(p.k), "effect %s has no field %s", name, p.k.Value)
				continue
			}
			given[f.Name] = true
			em.Args[f.Index] = l.expr(p.v, sc, fmt.Sprintf("field %s of effect %s", f.Name, name), f.Type)
		}
	}
	ok := true
	for _, f := range ef.Fields {
		if !given[f.Name] {
			l.e.add(l.pos(n), "effect %s is missing field %s", name, f.Name)
			ok = false
		} else if em.Args[f.Index] == nil {
			ok = false
		}
	}
	if !ok {
		return nil
	}
	return em
}

func (l *loader) loadProfiles(n *yaml.Node) {
	for _, p := range l.pairs(n, "profiles") {
		name := l.ident(p.k, "profile name")
		pr := &Profile{Name: name, Bounds: map[int]uint64{}, TypeDomains: map[string][]Value{}, ParamDomains: map[string][]Value{}, Exclude: map[int]bool{}, Pos: l.pos(p.k)}
		spec := l.mapping(p.v, "profile "+name, profileKeys().Keys)
		if spec == nil {
			continue
		}
		if d := spec["doc"]; d != nil {
			pr.Doc = l.str(d.v, "doc")
		}
		if lv := spec["liveness"]; lv != nil {
			pr.Properties = l.profileProperties(lv.v, name)
		}
		if b := spec["bounds"]; b != nil {
			for _, bp := range l.pairs(b.v, "bounds") {
				f := l.fields[bp.k.Value]
				if f == nil {
					l.e.add(l.pos(bp.k), "unknown field %s in bounds", bp.k.Value)
					continue
				}
				if vt := f.Type; !isUintish(vt) && !(vt.Kind == KindMap && isUintish(vt.Elem)) {
					l.e.add(l.pos(bp.k), "bound on field %s of type %s; bounds apply to uint fields and to maps of uint values", f.Name, f.Type)
					continue
				}
				v, ok := l.uintValue(bp.v, "bound")
				if !ok {
					continue
				}
				pr.Bounds[f.Index] = v
			}
		}
		if d := spec["domains"]; d != nil {
			for _, dp := range l.pairs(d.v, "domains") {
				l.loadDomain(pr, dp)
			}
		}
		readInputs := func(key string) map[int]bool {
			out := map[int]bool{}
			for _, in := range l.seq(spec[key].v, key) {
				x := l.m.Input(in.Value)
				if x == nil {
					l.e.add(l.pos(in), "unknown input %s in profile %s", in.Value, name)
					continue
				}
				out[x.Index] = true
			}
			return out
		}
		if spec["inputs"] != nil {
			pr.Inputs = readInputs("inputs")
		}
		if spec["exclude"] != nil {
			pr.Exclude = readInputs("exclude")
		}
		if d := spec["depth"]; d != nil {
			if v, ok := l.uintValue(d.v, "depth"); ok {
				switch {
				case v == 0:
					l.e.add(l.pos(d.v), "profile %s: depth must be at least 1", name)
				case v > 1<<20:
					l.e.add(l.pos(d.v), "profile %s: depth %d is more than %d", name, v, 1<<20)
				default:
					pr.Depth = int(v)
				}
			}
			if lv := spec["liveness"]; lv != nil && len(pr.Properties) > 0 {
				l.e.add(l.pos(lv.k), "profile %s bounds the depth: a liveness property cannot be checked on a search cut at a depth (give liveness: [])", name)
			}
		}
		l.m.Profiles = append(l.m.Profiles, pr)
	}
}

func (l *loader) loadDomain(pr *Profile, dp pair) {
	key := dp.k.Value
	var t *Type
	if in, param, ok := strings.Cut(key, "."); ok {
		input := l.m.Input(in)
		if input == nil {
			l.e.add(l.pos(dp.k), "unknown input %s in domains", in)
			return
		}
		p := input.Param(param)
		if p == nil {
			l.e.add(l.pos(dp.k), "input %s has no parameter %s", in, param)
			return
		}
		t = p.Type
		if t.Kind == KindOption {
			t = t.Elem
		}
	} else if key == "uint" {
		t = uintType
	} else if id := l.idMap[key]; id != nil {
		t = &Type{Kind: KindID, ID: id}
	} else {
		l.e.add(l.pos(dp.k), "domains key %s is not uint, an id type, or Input.param", key)
		return
	}
	var vals []Value
	for _, v := range l.seq(dp.v, "domain "+key) {
		switch t.Kind {
		case KindSet, KindMap:
			if c, ok := l.collDomainValue(v, t, key); ok {
				vals = append(vals, c)
			}
		case KindUint:
			n, ok := l.uintValue(v, "domain "+key)
			if !ok {
				continue
			}
			vals = append(vals, Uint(n))
		case KindID:
			vals = append(vals, ID(v.Value))
		case KindEnum:
			i := t.Enum.Index(v.Value)
			if i < 0 {
				l.e.add(l.pos(v), "domain %s: %s is not a value of %s", key, v.Value, t.Enum.Name)
				continue
			}
			vals = append(vals, EnumValue(i))
		case KindBool:
			switch v.Value {
			case "true":
				vals = append(vals, Bool(true))
			case "false":
				vals = append(vals, Bool(false))
			default:
				l.e.add(l.pos(v), "domain %s: %q is not true or false", key, v.Value)
			}
		}
	}
	if strings.Contains(key, ".") {
		pr.ParamDomains[key] = vals
	} else {
		pr.TypeDomains[key] = vals
	}
}

func (l *loader) phaseWarnings() {
	if l.m.Phase == nil || l.m.Phase.Initial == nil {
		return
	}
	init, err := constValue(l.m.Phase.Initial)
	if err != nil {
		return
	}
	e := l.m.PhaseEnum()
	if !l.m.Phase.Initial.Type().Equal(l.m.Phase.Type) || init.N >= uint64(len(e.Values)) {
		return // a type error, reported at the initial value
	}
	into := make([]bool, len(e.Values))
	into[init.N] = true
	for _, t := range l.m.Transitions {
		if t.To >= 0 {
			into[t.To] = true
		}
	}
	for i, ok := range into {
		if !ok {
			l.e.warn(e.ValuePos[i], "phase %s has no transition into it", e.Values[i])
		}
	}
}

// isUintish reports whether t is uint or option<uint>.
func isUintish(t *Type) bool {
	return t.Kind == KindUint || t.Kind == KindOption && t.Elem.Kind == KindUint
}

// collDomainValue reads one value of a set or map parameter's profile
// domain: a collection literal of type t ({}, {a, b} or {k: v, ...}), whose
// ids are written as names (as in an id type's domain) and whose other
// values are closed expressions (enum values, numbers, constants, none,
// some(x)).
func (l *loader) collDomainValue(n *yaml.Node, t *Type, key string) (Value, bool) {
	src, base := l.exprSource(n)
	if n.Kind != yaml.ScalarNode {
		return Value{}, false
	}
	x, err := ParseExpr(src, base)
	if err != nil {
		l.syntaxError(n, err)
		return Value{}, false
	}
	lit, ok := x.(*CollLit)
	if !ok || t.Kind == KindSet && lit.Vals != nil || t.Kind == KindMap && lit.Vals == nil && len(lit.Elems) > 0 {
		l.e.add(x.Pos(), "domain %s: %q is not a literal of %s (write %s)", key, src, t, map[Kind]string{KindSet: "{}, {a} or {a, b}", KindMap: "{} or {k: v, ...}"}[t.Kind])
		return Value{}, false
	}
	var kv []Value
	ok = true
	for i, e := range lit.Elems {
		k, kok := l.domainScalar(e, keyType(t), key)
		ok = ok && kok
		kv = append(kv, k)
		if t.Kind == KindMap {
			v, vok := l.domainScalar(lit.Vals[i], t.Elem, key)
			ok = ok && vok
			kv = append(kv, v)
		}
	}
	if !ok {
		return Value{}, false
	}
	var v Value
	if t.Kind == KindSet {
		v = SetOf(kv...)
	} else {
		v = MapOf(kv...)
	}
	if v.N > t.Cap {
		l.e.add(x.Pos(), "domain %s: %s has %d elements; %s holds at most %d", key, src, v.N, t, t.Cap)
		return Value{}, false
	}
	return v, true
}

// domainScalar reads an element, key or value of a collection literal in a
// profile domain (see collDomainValue).
func (l *loader) domainScalar(x Expr, t *Type, key string) (Value, bool) {
	switch t.Kind {
	case KindID:
		if nm, ok := x.(*Name); ok {
			return ID(nm.Name), true
		}
		l.e.add(x.Pos(), "domain %s: a value of %s is written as a name", key, t)
		return Value{}, false
	case KindOption:
		if t.Elem.Kind == KindID {
			switch x := x.(type) {
			case *NoneLit:
				return None(), true
			case *SomeExpr:
				v, ok := l.domainScalar(x.X, t.Elem, key)
				return SomeOf(v), ok
			}
			l.e.add(x.Pos(), "domain %s: a value of %s is none or some(name)", key, t)
			return Value{}, false
		}
	}
	sc := &scope{m: l.m, what: "domain " + key, enumsBy: l.enumsBy, enumMap: l.enumMap, e: &l.e}
	r := sc.resolve(x, t)
	if r == nil {
		return Value{}, false
	}
	v, err := constValue(r)
	if err != nil {
		l.e.add(x.Pos(), "domain %s: %v", key, err)
		return Value{}, false
	}
	return v, true
}
