package model

import (
	"errors"
	"strings"
	"testing"
)

// TestJSONErrorMessages: a state that does not decode is an error matching
// ErrBadJSON whose message names the field once and carries no package
// prefix, however deep the value that failed.
func TestJSONErrorMessages(t *testing.T) {
	m, err := Parse("t.yaml", []byte(`machine: T
enums:
  Phase: [A, B]
fields:
  phase: {type: Phase, initial: A}
  n: {type: uint, initial: 0, max: 3}
  o: {type: option<Phase>, initial: none}
phase: phase
inputs:
  Go: {}
transitions:
  - {name: Go, on: Go, from: [A], to: B}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ in, want string }{
		{`{"phase":"A","n":0}`, "field o is missing"},
		{`{"phase":"C","n":0,"o":null}`, `field phase: "C" is not a value of Phase`},
		{`{"phase":"A","n":0,"o":"Z"}`, `field o: "Z" is not a value of Phase`},
		{`{"phase":"A","n":4,"o":null}`, "field n: 4 is above its max 3"},
		{`{"phase":"A","n":0,"o":null,"x":1}`, "unknown field x"},
		{`[1]`, "json: cannot unmarshal"},
	} {
		for name, decode := range map[string]func([]byte) (State, error){"parse": m.ParseStateJSON, "migrate": m.MigrateStateJSON} {
			_, err := decode([]byte(c.in))
			if !errors.Is(err, ErrBadJSON) {
				t.Errorf("%s %s: error %v does not match ErrBadJSON", name, c.in, err)
				continue
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, c.want) || strings.Contains(msg, "model:") || strings.Count(msg, "field ") > 1 {
				t.Errorf("%s %s: error %q, want it to start with %q, once, with no package prefix", name, c.in, msg, c.want)
			}
		}
	}
}
