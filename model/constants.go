package model

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Constant is a named constant of the constants: section: a closed uint, bool
// or enum expression, evaluated once when the spec loads. A use of the name
// in an expression stands for its value (checking replaces it by a literal,
// so every backend sees the value); max:, bounds: and uint domains: may name
// a uint constant instead of writing the number.
type Constant struct {
	Name  string
	Doc   string
	Type  *Type
	Value Value
	Pos   Pos
}

// literal returns the constant's value as a typed literal at p.
func (c *Constant) literal(p Pos) Expr {
	switch c.Type.Kind {
	case KindBool:
		return &BoolLit{exprBase: exprBase{P: p, T: c.Type}, Value: c.Value.Bool()}
	case KindEnum:
		return &EnumLit{exprBase: exprBase{P: p, T: c.Type}, Enum: c.Type.Enum, Value: int(c.Value.N)}
	}
	return &IntLit{exprBase: exprBase{P: p, T: c.Type}, Value: c.Value.N}
}

// Constant returns the constant with a name, or nil.
func (m *Machine) Constant(name string) *Constant {
	for _, c := range m.Constants {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// loadConstants reads the constants: section. Each entry is NAME: expression,
// or NAME: {value: expression, doc: text}; an expression may use the
// constants declared before it.
func (l *loader) loadConstants(n *yaml.Node) {
	for _, p := range l.pairs(n, "constants") {
		name := l.ident(p.k, "constant name")
		if l.m.Constant(name) != nil {
			l.e.add(l.pos(p.k), "duplicate constant %s", name)
			continue
		}
		if es := l.enumsBy[name]; len(es) > 0 {
			l.e.add(l.pos(p.k), "constant %s has the same name as a value of enum %s", name, es[0].Name)
			continue
		}
		c := &Constant{Name: name, Pos: l.pos(p.k)}
		valNode := p.v
		if p.v.Kind == yaml.MappingNode {
			spec := l.mapping(p.v, "constant "+name, constantKeys().Keys)
			if spec["value"] == nil {
				l.e.add(l.pos(p.k), "constant %s has no value", name)
				continue
			}
			valNode = spec["value"].v
			if d := spec["doc"]; d != nil {
				c.Doc = l.str(d.v, "doc")
			}
		}
		x := l.expr(valNode, &scope{}, "constant "+name, nil)
		if x == nil {
			continue
		}
		switch x.Type().Kind {
		case KindUint, KindBool, KindEnum:
		default:
			l.e.add(x.Pos(), "constant %s has type %s; a constant is a uint, a bool or an enum value", name, x.Type())
			continue
		}
		v, err := constValue(x)
		if err != nil {
			l.e.add(x.Pos(), "constant %s: bound exceeded (64-bit overflow or a result below zero)", name)
			continue
		}
		c.Type, c.Value = x.Type(), v
		l.m.Constants = append(l.m.Constants, c)
	}
}

// uintValue reads an unsigned integer, or the name of a uint constant, for
// max:, bounds: and uint domains:. what names the value in messages.
func (l *loader) uintValue(n *yaml.Node, what string) (uint64, bool) {
	s := strings.TrimSpace(n.Value)
	if n.Kind == yaml.ScalarNode {
		if c := l.m.Constant(s); c != nil {
			if c.Type.Kind != KindUint {
				l.e.add(l.pos(n), "%s: constant %s has type %s, not uint", what, s, c.Type)
				return 0, false
			}
			return c.Value.N, true
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n.Kind != yaml.ScalarNode {
		l.e.add(l.pos(n), "%s must be an unsigned integer or a uint constant, got %q", what, n.Value)
		return 0, false
	}
	return v, true
}

// declForm reads an input or effect declaration: the short form {name: type,
// ...}, or the long form {doc: text, KEY: {name: type, ...}} (KEY is params
// for an input, fields for an effect). The long form is the one whose KEY
// entry is a mapping, which a parameter's type (a string) never is. It
// returns the mapping of parameters (nil after an error) and the doc text.
func (l *loader) declForm(n *yaml.Node, what string, keys KeyTable, key string) (*yaml.Node, string) {
	if n.Kind != yaml.MappingNode || !isLongForm(n, key) {
		return n, ""
	}
	spec := l.mapping(n, what, keys.Keys)
	doc := ""
	if d := spec["doc"]; d != nil {
		doc = l.str(d.v, "doc")
	}
	return spec[key].v, doc
}

// isLongForm reports whether mapping n has an entry key whose value is a mapping.
func isLongForm(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.MappingNode {
			return true
		}
	}
	return false
}

// paramForm reads a parameter's declaration: a type, or {type: T, doc: text}.
// It returns the type's node (nil after an error) and the doc text.
func (l *loader) paramForm(k, v *yaml.Node, name string) (*yaml.Node, string) {
	if v.Kind != yaml.MappingNode {
		return v, ""
	}
	spec := l.mapping(v, "parameter "+name, paramKeys().Keys)
	if spec["type"] == nil {
		l.e.add(l.pos(k), "parameter %s has no type", name)
		return nil, ""
	}
	doc := ""
	if d := spec["doc"]; d != nil {
		doc = l.str(d.v, "doc")
	}
	return spec["type"].v, doc
}
