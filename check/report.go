package check

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/meerkat-go/dslmachine/model"
)

// WriteTrace prints a violation in the manner of TLC's error trace: the
// initial state in full, then each step with its input and arguments, the
// transition that fired, and only the fields that changed.
func WriteTrace(w io.Writer, m *model.Machine, v *Violation) {
	fmt.Fprintf(w, "Error: %s.\n", v.Message())
	if len(v.Trace) == 0 {
		for _, name := range v.Transitions {
			if v.Kind == KindCoverage {
				t := m.Transition(name)
				fmt.Fprintf(w, "  %s: transition %s (on %s) is never enabled\n", t.Pos, name, t.Input.Name)
			}
		}
		return
	}
	fmt.Fprintln(w, "Error: The behavior up to this point is:")
	var prev model.State
	for i, st := range v.Trace {
		if st.Input == nil {
			fmt.Fprintf(w, "State %d: <Initial predicate>\n", i+1)
		} else {
			fmt.Fprintf(w, "State %d: <%s: transition %s>\n", i+1, model.FormatInput(*st.Input), st.Transition.Name)
		}
		changed := 0
		for j, f := range m.Fields {
			if prev != nil && prev[j] == st.State[j] {
				continue
			}
			changed++
			fmt.Fprintf(w, "/\\ %s = %s\n", f.Name, model.FormatValue(f.Type, st.State[j]))
		}
		if changed == 0 {
			fmt.Fprintln(w, "   (no field changed)")
		}
		prev = st.State
	}
	if v.Kind == KindNondeterminism {
		fmt.Fprintf(w, "In state %d, input %s enables both %s and %s.\n", len(v.Trace), model.FormatInput(*v.Input), v.Transitions[0], v.Transitions[1])
	}
	if v.Kind == KindLiveness {
		if v.Loop == nil {
			fmt.Fprintf(w, "State %d: Stuttering\n", len(v.Trace)+1)
		} else {
			fmt.Fprintf(w, "Back to state %d: <%s: transition %s>\n", v.LoopTo+1, model.FormatInput(*v.Loop.Input), v.Loop.Transition.Name)
		}
	}
}

// jsonTrace is the JSON form of a violation.
type jsonTrace struct {
	Machine     string     `json:"machine"`
	Profile     string     `json:"profile"`
	Kind        Kind       `json:"kind"`
	Message     string     `json:"message"`
	Invariant   string     `json:"invariant,omitempty"`
	Property    string     `json:"property,omitempty"`
	Transitions []string   `json:"transitions,omitempty"`
	Input       *jsonInput `json:"input,omitempty"`
	Steps       []jsonStep `json:"steps"`
	Final       jsonFields `json:"final_state,omitempty"`
	// Lasso, for a liveness violation: the step (1-based) where the cycle
	// starts, and the step that closes it (null: the behaviour stutters in
	// the last state forever).
	LoopTo *int      `json:"loop_to,omitempty"`
	Loop   *jsonStep `json:"loop,omitempty"`
}

// jsonInput has the shape generated packages decode with DecodeInput.
type jsonInput struct {
	Input string     `json:"input"`
	Args  jsonFields `json:"args"`
}

type jsonStep struct {
	Step       int        `json:"step"`
	Input      *jsonInput `json:"input,omitempty"`
	Transition string     `json:"transition,omitempty"`
	Changed    jsonFields `json:"changed"`
}

// jsonFields is an ordered map of names to values.
type jsonFields []jsonField

type jsonField struct {
	Name  string
	Value any
}

func (f jsonFields) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, x := range f {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(x.Name)
		v, err := json.Marshal(x.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// jsonValue renders a value as generated packages marshal it: numbers,
// booleans, enum names and ids as strings, none as null.
func jsonValue(t *model.Type, v model.Value) any {
	switch t.Kind {
	case model.KindBool:
		return v.Bool()
	case model.KindUint:
		return v.N
	case model.KindEnum:
		return t.Enum.Values[v.N]
	case model.KindID:
		return v.S
	case model.KindOption:
		if !v.Some {
			return nil
		}
		return jsonValue(t.Elem, v.Unwrap())
	case model.KindSet:
		out := []any{}
		for _, e := range v.Elems() {
			out = append(out, jsonValue(t.Elem, e))
		}
		return out
	case model.KindMap:
		out := map[string]any{}
		es := v.Elems()
		for i := 0; i+1 < len(es); i += 2 {
			out[fmt.Sprint(jsonValue(t.Key, es[i]))] = jsonValue(t.Elem, es[i+1])
		}
		return out
	}
	return nil
}

func toJSONInput(iv *model.InputValue) *jsonInput {
	if iv == nil {
		return nil
	}
	args := jsonFields{}
	for i, p := range iv.Input.Params {
		args = append(args, jsonField{p.Name, jsonValue(p.Type, iv.Args[i])})
	}
	return &jsonInput{Input: iv.Input.Name, Args: args}
}

// WriteJSON writes a violation and its trace as JSON. Each step holds the
// input (in the {"input": Name, "args": {...}} form that a generated
// package's DecodeInput reads), the transition, and the fields that changed;
// the first step is the initial state with every field.
func WriteJSON(w io.Writer, m *model.Machine, p *model.Profile, v *Violation) error {
	out := jsonTrace{Machine: m.Name, Profile: p.Name, Kind: v.Kind, Message: v.Message(),
		Invariant: v.Invariant, Property: v.Property, Transitions: v.Transitions, Input: toJSONInput(v.Input), Steps: []jsonStep{}}
	var prev model.State
	for i, st := range v.Trace {
		js := jsonStep{Step: i + 1, Input: toJSONInput(st.Input), Changed: jsonFields{}}
		if st.Transition != nil {
			js.Transition = st.Transition.Name
		}
		for j, f := range m.Fields {
			if prev == nil || prev[j] != st.State[j] {
				js.Changed = append(js.Changed, jsonField{f.Name, jsonValue(f.Type, st.State[j])})
			}
		}
		out.Steps = append(out.Steps, js)
		prev = st.State
	}
	if prev != nil {
		for j, f := range m.Fields {
			out.Final = append(out.Final, jsonField{f.Name, jsonValue(f.Type, prev[j])})
		}
	}
	if v.Kind == KindLiveness {
		to := v.LoopTo + 1
		out.LoopTo = &to
		if v.Loop != nil {
			js := jsonStep{Step: to, Input: toJSONInput(v.Loop.Input), Transition: v.Loop.Transition.Name, Changed: jsonFields{}}
			for j, f := range m.Fields {
				if prev[j] != v.Loop.State[j] {
					js.Changed = append(js.Changed, jsonField{f.Name, jsonValue(f.Type, v.Loop.State[j])})
				}
			}
			out.Loop = &js
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
