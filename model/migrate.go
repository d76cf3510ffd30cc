package model

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// MigrateStateJSON reads a state persisted by an earlier version of the spec
// (in the JSON form StateJSON and the generated State write) as a state of
// this version, applying the spec's declared migrations first, in this
// order, on the JSON object:
//
//  1. a field with renamed_from takes the value persisted under its old name
//     (when the object has the old name and not the new one);
//  2. a field with a default that the object lacks takes the default;
//  3. a field whose enum (or option of an enum) has enum_migrations has an
//     old value name replaced by its new one.
//
// The object is then read by ParseStateJSON: a missing or unknown field, or
// a value of the wrong type or above a max, is an error matching ErrBadJSON
// that names the field. Invariants are not checked. The generated package's
// MigrateFromJSON applies the same rule (and then Validate).
func (m *Machine) MigrateStateJSON(data []byte) (State, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, badJSON("%v", err)
	}
	if obj == nil {
		obj = map[string]json.RawMessage{}
	}
	for _, f := range m.Fields {
		if f.RenamedFrom == "" {
			continue
		}
		if v, ok := obj[f.RenamedFrom]; ok {
			if _, ok := obj[f.Name]; !ok {
				obj[f.Name] = v
				delete(obj, f.RenamedFrom)
			}
		}
	}
	for _, f := range m.Fields {
		if f.Default == nil {
			continue
		}
		if _, ok := obj[f.Name]; !ok {
			raw, err := DefaultJSON(f)
			if err != nil {
				return nil, err
			}
			obj[f.Name] = raw
		}
	}
	for _, f := range m.Fields {
		if v, ok := obj[f.Name]; ok {
			obj[f.Name] = MigrateEnumJSON(f.Type, v)
		}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, badJSON("%v", err)
	}
	return m.ParseStateJSON(b)
}

// DefaultJSON returns the JSON form of a field's default (nil when it has
// none).
func DefaultJSON(f *Field) (json.RawMessage, error) {
	if f.Default == nil {
		return nil, nil
	}
	v, err := constValue(f.Default)
	if err != nil {
		return nil, fmt.Errorf("default of %s: %w", f.Name, err)
	}
	return json.Marshal(jsonValue(f.Type, v))
}

// MigrateEnumJSON returns raw, a JSON value of type t (an enum or an option
// of one) persisted by an earlier version of the spec, with an old value name
// the enum's migrations list replaced by its new name; any other value is
// returned as it is.
func MigrateEnumJSON(t *Type, raw json.RawMessage) json.RawMessage {
	if t.Kind == KindOption {
		t = t.Elem
	}
	if t.Kind != KindEnum || len(t.Enum.Migrations) == 0 {
		return raw
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return raw
	}
	i, ok := t.Enum.Migrations[s]
	if !ok {
		return raw
	}
	b, err := json.Marshal(t.Enum.Values[i])
	if err != nil {
		return raw
	}
	return b
}

// ValueJSON returns the JSON form of a value of type t, as StateJSON writes
// it.
func ValueJSON(t *Type, v Value) (json.RawMessage, error) {
	b, err := json.Marshal(jsonValue(t, v))
	return bytes.TrimSpace(b), err
}
