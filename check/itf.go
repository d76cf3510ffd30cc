package check

import (
	"encoding/json"
	"io"
	"strconv"

	"github.com/meerkat-go/dslmachine/model"
)

// WriteITF writes a violation's trace in the Informal Trace Format of
// Apalache and Quint (ITF, https://apalache-mc.org/docs/adr/015adr-trace.html),
// so that trace viewers for those tools open it. Values follow the TLA+
// encoding of docs/DSL.md: booleans, integers as {"#bigint": "n"}, enum
// values and ids as strings, options as tuples ({"#tup": []} for none,
// {"#tup": [v]} for some(v)). Each state's "#meta" gives its index and,
// after the initial state, the input and transition that led to it. A
// liveness violation's lasso sets "loop" to the index of the state its cycle
// returns to.
func WriteITF(w io.Writer, m *model.Machine, p *model.Profile, v *Violation) error {
	vars := make([]string, len(m.Fields))
	for i, f := range m.Fields {
		vars[i] = f.Name
	}
	doc := itfTrace{
		Meta: map[string]any{
			"format":             "ITF",
			"format-description": "https://apalache-mc.org/docs/adr/015adr-trace.html",
			"source":             m.File,
			"description":        "dslgen: machine " + m.Name + ", profile " + p.Name + ": " + v.Message(),
		},
		Vars:   vars,
		States: make([]itfState, 0, len(v.Trace)),
	}
	for i, st := range v.Trace {
		meta := map[string]any{"index": i}
		if st.Input != nil {
			meta["input"] = model.FormatInput(*st.Input)
			meta["transition"] = st.Transition.Name
		}
		doc.States = append(doc.States, itfState{meta: meta, m: m, s: st.State})
	}
	if v.Kind == KindLiveness {
		loop := v.LoopTo
		doc.Loop = &loop
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

type itfTrace struct {
	Meta   map[string]any `json:"#meta"`
	Vars   []string       `json:"vars"`
	States []itfState     `json:"states"`
	Loop   *int           `json:"loop,omitempty"`
}

// itfState marshals as an object: "#meta", then every variable in field order.
type itfState struct {
	meta map[string]any
	m    *model.Machine
	s    model.State
}

func (st itfState) MarshalJSON() ([]byte, error) {
	fields := jsonFields{{Name: "#meta", Value: st.meta}}
	for i, f := range st.m.Fields {
		fields = append(fields, jsonField{Name: f.Name, Value: itfValue(f.Type, st.s[i])})
	}
	return fields.MarshalJSON()
}

func itfValue(t *model.Type, v model.Value) any {
	switch t.Kind {
	case model.KindBool:
		return v.Bool()
	case model.KindUint:
		return map[string]string{"#bigint": strconv.FormatUint(v.N, 10)}
	case model.KindEnum:
		return t.Enum.Values[v.N]
	case model.KindID:
		return v.S
	case model.KindOption:
		if !v.Some {
			return map[string][]any{"#tup": {}}
		}
		return map[string][]any{"#tup": {itfValue(t.Elem, v.Unwrap())}}
	case model.KindSet:
		out := []any{}
		for _, e := range v.Elems() {
			out = append(out, itfValue(t.Elem, e))
		}
		return map[string][]any{"#set": out}
	case model.KindMap:
		out := []any{}
		es := v.Elems()
		for i := 0; i+1 < len(es); i += 2 {
			out = append(out, []any{itfValue(t.Key, es[i]), itfValue(t.Elem, es[i+1])})
		}
		return map[string][]any{"#map": out}
	}
	return nil
}
