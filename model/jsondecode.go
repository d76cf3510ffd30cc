package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// ErrBadJSON matches every error of ParseStateJSON and ParseValueJSON.
var ErrBadJSON = errors.New("model: bad JSON value")

// ParseValueJSON reads a value of type t in the JSON form StateJSON writes:
// a bool, a number, an enum value's name, an id string, or null (none) for
// an option.
func ParseValueJSON(t *Type, raw json.RawMessage) (Value, error) {
	raw = bytes.TrimSpace(raw)
	if t.Kind == KindOption {
		if string(raw) == "null" {
			return None(), nil
		}
		v, err := ParseValueJSON(t.Elem, raw)
		if err != nil {
			return Value{}, err
		}
		return SomeOf(v), nil
	}
	bad := func(format string, args ...any) (Value, error) {
		return Value{}, fmt.Errorf("%w: %s", ErrBadJSON, fmt.Sprintf(format, args...))
	}
	switch t.Kind {
	case KindBool:
		switch string(raw) {
		case "true":
			return Bool(true), nil
		case "false":
			return Bool(false), nil
		}
		return bad("%s is not a bool", raw)
	case KindUint:
		n, err := strconv.ParseUint(string(raw), 10, 64)
		if err != nil {
			return bad("%s is not an unsigned 64-bit integer", raw)
		}
		return Uint(n), nil
	case KindEnum, KindID:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return bad("%s is not a string", raw)
		}
		if t.Kind == KindID {
			return ID(s), nil
		}
		i := t.Enum.Index(s)
		if i < 0 {
			return bad("%q is not a value of %s", s, t.Enum.Name)
		}
		return EnumValue(i), nil
	case KindSet:
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil || list == nil {
			return bad("%s is not an array", raw)
		}
		var es []Value
		for _, r := range list {
			e, err := ParseValueJSON(t.Elem, r)
			if err != nil {
				return Value{}, err
			}
			es = append(es, e)
		}
		v := SetOf(es...)
		if v.N != uint64(len(es)) {
			return bad("%s repeats an element", raw)
		}
		if v.N > t.Cap {
			return bad("%s has %d elements; %s holds at most %d", raw, v.N, t, t.Cap)
		}
		return v, nil
	case KindMap:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			return bad("%s is not an object", raw)
		}
		var kv []Value
		for k, r := range obj {
			kr, _ := json.Marshal(k)
			key, err := ParseValueJSON(t.Key, kr)
			if err != nil {
				return Value{}, err
			}
			val, err := ParseValueJSON(t.Elem, r)
			if err != nil {
				return Value{}, err
			}
			kv = append(kv, key, val)
		}
		v := MapOf(kv...)
		if v.N > t.Cap {
			return bad("%s has %d entries; %s holds at most %d", raw, v.N, t, t.Cap)
		}
		return v, nil
	}
	return bad("type %s", t)
}

// ParseStateJSON reads a state in the form StateJSON writes: a JSON object
// with every field by name. A missing or unknown field, or a value of the
// wrong type or above the field's max, is an error matching ErrBadJSON.
func (m *Machine) ParseStateJSON(data []byte) (State, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadJSON, err)
	}
	s := make(State, len(m.Fields))
	for _, f := range m.Fields {
		raw, ok := obj[f.Name]
		if !ok {
			return nil, fmt.Errorf("%w: field %s is missing", ErrBadJSON, f.Name)
		}
		v, err := ParseValueJSON(f.Type, raw)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name, err)
		}
		if f.Max != nil && v.N > *f.Max {
			return nil, fmt.Errorf("%w: field %s: %d is above its max %d", ErrBadJSON, f.Name, v.N, *f.Max)
		}
		s[f.Index] = v
		delete(obj, f.Name)
	}
	for name := range obj {
		return nil, fmt.Errorf("%w: unknown field %s", ErrBadJSON, name)
	}
	return s, nil
}
