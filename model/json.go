package model

import (
	"encoding/json"
	"fmt"
)

// jsonValue converts a value of a type to its JSON form, the same form the
// generated code uses: bools, numbers, enum names, id strings, and null or
// the inner value for options.
func jsonValue(t *Type, v Value) any {
	if t.Kind == KindOption {
		if !v.Some {
			return nil
		}
		return jsonValue(t.Elem, v.Unwrap())
	}
	switch t.Kind {
	case KindBool:
		return v.Bool()
	case KindUint:
		return json.Number(fmt.Sprint(v.N))
	case KindEnum:
		if int(v.N) < len(t.Enum.Values) {
			return t.Enum.Values[v.N]
		}
		return fmt.Sprintf("%s(%d)", t.Enum.Name, v.N)
	case KindID:
		return v.S
	case KindSet:
		out := []any{}
		for _, e := range v.Elems() {
			out = append(out, jsonValue(t.Elem, e))
		}
		return out
	case KindMap:
		out := map[string]any{}
		es := v.Elems()
		for i := 0; i+1 < len(es); i += 2 {
			k := jsonValue(t.Key, es[i])
			out[fmt.Sprint(k)] = jsonValue(t.Elem, es[i+1])
		}
		return out
	}
	return nil
}

// StateJSON renders a state as a JSON object keyed by field name.
func (m *Machine) StateJSON(s State) ([]byte, error) {
	obj := make(map[string]any, len(m.Fields))
	for _, f := range m.Fields {
		obj[f.Name] = jsonValue(f.Type, s[f.Index])
	}
	return json.Marshal(obj)
}

// InputJSON renders an input as {"input": name, "args": {...}}, the form the
// generated DecodeInput reads.
func (m *Machine) InputJSON(in InputValue) ([]byte, error) {
	args := make(map[string]any, len(in.Args))
	for i, p := range in.Input.Params {
		args[p.Name] = jsonValue(p.Type, in.Args[i])
	}
	return json.Marshal(map[string]any{"input": in.Input.Name, "args": args})
}

// EffectsJSON renders effects as [{"effect": name, "fields": {...}}, ...].
func (m *Machine) EffectsJSON(fx []EffectValue) ([]byte, error) {
	list := make([]any, len(fx))
	for i, e := range fx {
		fields := make(map[string]any, len(e.Fields))
		for j, p := range e.Effect.Fields {
			fields[p.Name] = jsonValue(p.Type, e.Fields[j])
		}
		list[i] = map[string]any{"effect": e.Effect.Name, "fields": fields}
	}
	return json.Marshal(list)
}
