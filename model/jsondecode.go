package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// ErrBadJSON matches every error of ParseStateJSON, ParseValueJSON and
// MigrateStateJSON (each is a *JSONError).
var ErrBadJSON = errors.New("model: bad JSON value")

// JSONError is a value or state that does not decode. It matches ErrBadJSON
// with errors.Is; its message names the field (when there is one) and what
// is wrong, without a package prefix, since it is shown to users as is.
type JSONError struct {
	// Field is the field whose value does not decode ("" for the object
	// itself: a missing or unknown field, or input that is not an object).
	Field string
	// Problem says what is wrong.
	Problem string
}

// Error returns "field F: problem", or the problem alone.
func (e *JSONError) Error() string {
	if e.Field == "" {
		return e.Problem
	}
	return "field " + e.Field + ": " + e.Problem
}

// Is reports whether target is ErrBadJSON.
func (e *JSONError) Is(target error) bool { return target == ErrBadJSON }

func badJSON(format string, args ...any) *JSONError {
	return &JSONError{Problem: fmt.Sprintf(format, args...)}
}

// inField returns err as a problem of field name.
func inField(name string, err error) error {
	var je *JSONError
	if errors.As(err, &je) && je.Field == "" {
		return &JSONError{Field: name, Problem: je.Problem}
	}
	return err
}

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
		return Value{}, badJSON(format, args...)
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
		if k, ok := repeatedKey(raw); ok {
			return bad("%s repeats the key %q", raw, k)
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

// repeatedKey returns a key that a JSON object (valid, already decoded)
// holds twice, compared after unescaping: encoding/json would keep the
// last value, and a map's repeated key is refused as a set's repeated
// element is.
func repeatedKey(obj []byte) (string, bool) {
	keys, err := ObjectKeys(obj)
	if err != nil {
		return "", false
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			return k, true
		}
		seen[k] = true
	}
	return "", false
}

// ObjectKeys returns the keys of the JSON object raw in order, unescaped,
// each as often as raw holds it (encoding/json keeps only the last value of
// a repeated key, and matches a struct's field names regardless of case),
// or nil when raw is empty or not an object.
func ObjectKeys(raw []byte) ([]string, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	if t != json.Delim('{') {
		return nil, nil
	}
	keys := []string{}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// ParseStateJSON reads a state in the form StateJSON writes: a JSON object
// with every field by name. A missing or unknown field, or a value of the
// wrong type or above the field's max, is an error matching ErrBadJSON.
func (m *Machine) ParseStateJSON(data []byte) (State, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, badJSON("%v", err)
	}
	s := make(State, len(m.Fields))
	for _, f := range m.Fields {
		raw, ok := obj[f.Name]
		if !ok {
			return nil, badJSON("field %s is missing", f.Name)
		}
		v, err := ParseValueJSON(f.Type, raw)
		if err != nil {
			return nil, inField(f.Name, err)
		}
		if f.Max != nil && v.N > *f.Max {
			return nil, &JSONError{Field: f.Name, Problem: fmt.Sprintf("%d is above its max %d", v.N, *f.Max)}
		}
		s[f.Index] = v
		delete(obj, f.Name)
	}
	for name := range obj {
		return nil, badJSON("unknown field %s", name)
	}
	return s, nil
}
