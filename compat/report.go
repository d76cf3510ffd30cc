package compat

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/model"
)

// Pos is the position in a spec of what a finding names: the new spec's
// field, invariant, input or phase field, else the old spec's input, else
// the start of the new spec.
func (f *Finding) Pos(r *Result) model.Pos {
	switch f.Kind {
	case KindDecode:
		if fd := r.New.Field(f.Field); fd != nil {
			return fd.Pos
		}
		if fd := r.Old.Field(f.Field); fd != nil {
			return fd.Pos
		}
	case KindInvariant:
		for _, inv := range r.New.Invariants {
			if inv.Name == f.Invariant {
				return inv.Pos
			}
		}
	case KindBehaviour:
		if f.NewTransition != nil {
			return f.NewTransition.Pos
		}
		if f.NewInput != nil {
			return f.NewInput.Input.Pos
		}
		return f.Input.Input.Pos
	case KindDeadEnd:
		return r.New.Phase.Pos
	case KindUnreached:
		if r.NewProfile.Pos.Line > 0 {
			return r.NewProfile.Pos
		}
	}
	return model.Pos{File: r.New.File, Line: 1, Column: 1}
}

// Violation returns the finding as a check.Violation over its trace in the
// old spec (kind "compat-" and the finding's kind), for the trace writers of
// package check (check.WriteJSON, check.WriteITF).
func (f *Finding) Violation() *check.Violation {
	return &check.Violation{Kind: check.Kind("compat-" + string(f.Kind)), Trace: f.Trace, Invariant: f.Invariant}
}

// WriteText prints every finding in the manner of `dslgen check`: the
// message, the shortest trace in the old spec (the initial state in full,
// then each step with only the fields that changed), the old state's JSON,
// and for a behaviour change the old and the new transition.
func WriteText(w io.Writer, r *Result) {
	for _, f := range r.Findings {
		label := "Error"
		if f.Severity == SeverityWarning {
			label = "Warning"
		}
		fmt.Fprintf(w, "%s: %s: %s (%d old state(s)).\n", label, f.Pos(r), f.Message, f.Count)
		fmt.Fprintf(w, "%s: The behavior of the old spec up to this state is:\n", label)
		writeTrace(w, r.Old, f.Trace)
		fmt.Fprintf(w, "Old state as persisted: %s\n", f.OldJSON)
		if f.Kind != KindBehaviour {
			continue
		}
		fmt.Fprintf(w, "Old: %s fires %s:\n", model.FormatInput(*f.Input), f.OldTransition.Name)
		writeDiff(w, r.Old, f.Trace[len(f.Trace)-1].State, f.OldNext)
		switch {
		case f.NewInput == nil:
			fmt.Fprintf(w, "New: no input value %s\n", model.FormatInput(*f.Input))
		case f.Change == ChangeRejected:
			fmt.Fprintf(w, "New: %s is rejected\n", model.FormatInput(*f.NewInput))
		case f.Change == ChangeBoundError:
			fmt.Fprintf(w, "New: %s fires %s, which fails a bound\n", model.FormatInput(*f.NewInput), f.NewTransition.Name)
		default:
			fmt.Fprintf(w, "New: %s fires %s:\n", model.FormatInput(*f.NewInput), f.NewTransition.Name)
			writeDiff(w, r.New, f.New, f.NewNext)
			fmt.Fprintf(w, "where the migration of the old successor has:\n")
			for _, fd := range r.New.Fields {
				if f.WantNext[fd.Index] != f.NewNext[fd.Index] {
					fmt.Fprintf(w, "/\\ %s = %s\n", fd.Name, model.FormatValue(fd.Type, f.WantNext[fd.Index]))
				}
			}
		}
	}
}

func writeTrace(w io.Writer, m *model.Machine, trace []check.Step) {
	var prev model.State
	for i, st := range trace {
		if st.Input == nil {
			fmt.Fprintf(w, "State %d: <Initial predicate>\n", i+1)
		} else {
			fmt.Fprintf(w, "State %d: <%s: transition %s>\n", i+1, model.FormatInput(*st.Input), st.Transition.Name)
		}
		writeDiff(w, m, prev, st.State)
		prev = st.State
	}
}

// writeDiff prints the fields of b that differ from a (every field when a
// is nil).
func writeDiff(w io.Writer, m *model.Machine, a, b model.State) {
	changed := 0
	for j, f := range m.Fields {
		if a != nil && a[j] == b[j] {
			continue
		}
		changed++
		fmt.Fprintf(w, "/\\ %s = %s\n", f.Name, model.FormatValue(f.Type, b[j]))
	}
	if changed == 0 {
		fmt.Fprintln(w, "   (no field changed)")
	}
}

// jsonFinding is one line of WriteJSON.
type jsonFinding struct {
	File          string          `json:"file"`
	Line          int             `json:"line"`
	Column        int             `json:"column"`
	Severity      Severity        `json:"severity"`
	Message       string          `json:"message"`
	Kind          Kind            `json:"kind"`
	Count         int             `json:"count"`
	Field         string          `json:"field,omitempty"`
	Invariant     string          `json:"invariant,omitempty"`
	Phase         string          `json:"phase,omitempty"`
	Input         json.RawMessage `json:"input,omitempty"`
	Change        Change          `json:"change,omitempty"`
	OldTransition string          `json:"old_transition,omitempty"`
	NewTransition string          `json:"new_transition,omitempty"`
	OldState      json.RawMessage `json:"old_state"`
	// Trace is the shortest trace in the old spec: each step's input (in
	// the form DecodeInput reads) and transition; the first step is the
	// initial state.
	Trace []jsonStep `json:"trace"`
}

type jsonStep struct {
	Input      json.RawMessage `json:"input,omitempty"`
	Transition string          `json:"transition,omitempty"`
}

// jsonSummary is the last line of WriteJSON, under "summary".
type jsonSummary struct {
	Old        string  `json:"old_machine"`
	New        string  `json:"new_machine"`
	OldProfile string  `json:"old_profile"`
	NewProfile string  `json:"new_profile"`
	Status     string  `json:"status"` // "ok", "warnings", "errors"
	Errors     int     `json:"errors"`
	Warnings   int     `json:"warnings"`
	States     int     `json:"old_states"`
	Depth      int     `json:"depth"`
	Complete   bool    `json:"complete"`
	Seconds    float64 `json:"seconds"`
}

// WriteJSON prints one JSON object per finding, a line each (file, line,
// column, severity and message as `dslgen check -json` diagnostics, then the
// finding's details, the old state's JSON and the trace), then
// {"summary": {...}}.
func WriteJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	for _, f := range r.Findings {
		pos := f.Pos(r)
		jf := jsonFinding{File: pos.File, Line: pos.Line, Column: pos.Column, Severity: f.Severity, Message: f.Message,
			Kind: f.Kind, Count: f.Count, Field: f.Field, Invariant: f.Invariant, Phase: f.Phase, Change: f.Change,
			OldState: f.OldJSON, Trace: []jsonStep{}}
		if f.Input != nil {
			b, err := r.Old.InputJSON(*f.Input)
			if err != nil {
				return err
			}
			jf.Input = b
		}
		if f.OldTransition != nil {
			jf.OldTransition = f.OldTransition.Name
		}
		if f.NewTransition != nil {
			jf.NewTransition = f.NewTransition.Name
		}
		for _, st := range f.Trace {
			var js jsonStep
			if st.Input != nil {
				b, err := r.Old.InputJSON(*st.Input)
				if err != nil {
					return err
				}
				js.Input, js.Transition = b, st.Transition.Name
			}
			jf.Trace = append(jf.Trace, js)
		}
		if err := enc.Encode(jf); err != nil {
			return err
		}
	}
	e := r.Errors()
	s := jsonSummary{Old: r.Old.Name, New: r.New.Name, OldProfile: r.OldProfile.Name, NewProfile: r.NewProfile.Name,
		Status: "ok", Errors: e, Warnings: len(r.Findings) - e, States: r.States, Depth: r.Depth, Complete: !r.Limited,
		Seconds: r.Elapsed.Seconds()}
	switch {
	case e > 0:
		s.Status = "errors"
	case len(r.Findings) > 0:
		s.Status = "warnings"
	}
	return enc.Encode(map[string]jsonSummary{"summary": s})
}
