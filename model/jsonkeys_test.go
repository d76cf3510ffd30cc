package model

import (
	"errors"
	"testing"
)

// TestParseValueJSONRepeatedKey: a map's JSON object with a repeated key is
// refused, as a set's array with a repeated element is (encoding/json kept
// the last value).
func TestParseValueJSONRepeatedKey(t *testing.T) {
	m := load(t, "machine: F\nenums:\n  Phase: [A]\n  Color: [Red, Green]\nids: [W]\nphase: phase\nfields:\n  phase: {type: Phase, initial: A}\n  m: {type: \"map<W, uint, 3>\", initial: \"{}\"}\n  c: {type: \"map<Color, bool, 2>\", initial: \"{}\"}\ninputs:\n  Go: {}\ntransitions:\n  - {name: Go, on: Go, from: [A]}\n")
	for _, c := range []struct {
		field, raw string
		ok         bool
	}{
		{"m", `{"a": 1, "b": 2}`, true},
		{"m", `{"a": 1, "a": 2}`, false},
		{"m", `{"a": 1, "\u0061": 1}`, false},
		{"m", ` { "a" : {"x": 1} } `, false}, // not a uint
		{"c", `{"Red": true, "Green": false}`, true},
		{"c", `{"Red": true, "Red": true}`, false},
	} {
		_, err := ParseValueJSON(m.Field(c.field).Type, []byte(c.raw))
		if (err == nil) != c.ok || err != nil && !errors.Is(err, ErrBadJSON) {
			t.Errorf("%s %s: %v", c.field, c.raw, err)
		}
	}
}
