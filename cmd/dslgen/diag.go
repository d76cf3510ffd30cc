package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/model"
)

// diagnostic is one problem as `validate -json` and `check -json` print it:
// one JSON object per line. Line and column are 1-based; 0 when the problem
// has no position in the spec (an unreadable file, a search limit).
type diagnostic struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Severity string `json:"severity"` // "error" or "warning"
	Message  string `json:"message"`
}

// Severities of a diagnostic.
const (
	severityError   = "error"
	severityWarning = "warning"
)

func diagAt(pos model.Pos, severity, msg string) diagnostic {
	return diagnostic{File: pos.File, Line: pos.Line, Column: pos.Column, Severity: severity, Message: msg}
}

// loadDiagnostics turns what model.Load returned into diagnostics: its
// errors, or else the machine's warnings.
func loadDiagnostics(path string, m *model.Machine, err error) []diagnostic {
	var out []diagnostic
	var list model.ErrorList
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			sev := severityError
			if e.Warning {
				sev = severityWarning
			}
			out = append(out, diagAt(e.Pos, sev, e.Msg))
		}
	case err != nil:
		out = append(out, diagnostic{File: path, Severity: severityError, Message: err.Error()})
	case m != nil:
		for _, w := range m.Warnings {
			out = append(out, diagAt(w.Pos, severityWarning, w.Msg))
		}
	}
	return out
}

// violationDiagnostics renders a check finding (a violation, or a search
// that stopped at a limit) as diagnostics at the spec's positions of what it
// names.
func violationDiagnostics(path string, m *model.Machine, res *check.Result) []diagnostic {
	v := res.Violation
	if v == nil {
		if res.Limited {
			return []diagnostic{{File: path, Severity: severityError,
				Message: "the search stopped at the state or memory limit before exploring everything"}}
		}
		return nil
	}
	at := func(name string) model.Pos {
		if t := m.Transition(name); t != nil {
			return t.Pos
		}
		return model.Pos{File: path}
	}
	switch v.Kind {
	case check.KindCoverage:
		out := make([]diagnostic, 0, len(v.Transitions))
		for _, name := range v.Transitions {
			msg := fmt.Sprintf("coverage: transition %s is never enabled", name)
			if t := m.Transition(name); t != nil {
				msg = fmt.Sprintf("coverage: transition %s (on %s) is never enabled", name, t.Input.Name)
			}
			out = append(out, diagAt(at(name), severityError, msg))
		}
		return out
	case check.KindLiveness:
		pos := model.Pos{File: path}
		if p := m.Property(v.Property); p != nil {
			pos = p.Pos
		}
		return []diagnostic{diagAt(pos, severityError, v.Message())}
	case check.KindInvariant:
		pos := model.Pos{File: path}
		for _, inv := range m.Invariants {
			if inv.Name == v.Invariant {
				pos = inv.Pos
			}
		}
		return []diagnostic{diagAt(pos, severityError, v.Message())}
	}
	pos := model.Pos{File: path}
	if len(v.Transitions) > 0 {
		pos = at(v.Transitions[0])
	}
	return []diagnostic{diagAt(pos, severityError, v.Message())}
}

// checkSummary is the last line of `check -json`, under the key "summary":
// the numbers of the text summary line.
type checkSummary struct {
	Machine         string  `json:"machine"`
	Profile         string  `json:"profile"`
	Status          string  `json:"status"`              // "ok", "violation" or "limited"
	Violation       string  `json:"violation,omitempty"` // the violation's kind
	DistinctStates  uint64  `json:"distinct_states"`
	Fired           uint64  `json:"transitions_fired"`
	Depth           int     `json:"depth"`
	Covered         int     `json:"covered_transitions"`
	Transitions     int     `json:"transitions"`
	OutOfBounds     uint64  `json:"out_of_bounds"`
	BoundErrors     uint64  `json:"bound_errors"`
	Complete        bool    `json:"complete"`
	Seconds         float64 `json:"seconds"`
	StatesPerSecond float64 `json:"states_per_second"`
	// Liveness is the liveness check's summary, when it ran (the safety
	// check passed and the spec has liveness properties).
	Liveness *livenessSummary `json:"liveness,omitempty"`
}

// livenessSummary is the liveness part of check's JSON summary.
type livenessSummary struct {
	Status     string  `json:"status"`             // "ok" or "violation"
	Property   string  `json:"property,omitempty"` // the violated property
	Properties int     `json:"properties"`
	Fairness   int     `json:"fairness"`
	States     int     `json:"states"`
	Edges      int     `json:"edges"`
	Seconds    float64 `json:"seconds"`
}

// writeCheckJSON prints check's -json output: the diagnostics of the
// safety check and of the liveness check (lres, nil when it did not run),
// then the summary.
func writeCheckJSON(w io.Writer, path string, m *model.Machine, res *check.Result, lres *check.LivenessResult) error {
	ds := violationDiagnostics(path, m, res)
	s := summarize(res)
	if lres != nil {
		l := livenessSummary{Status: "ok", Properties: lres.Properties, Fairness: len(m.Fairness),
			States: lres.States, Edges: lres.Edges, Seconds: lres.Elapsed.Seconds()}
		if v := lres.Violation; v != nil {
			l.Status, l.Property = "violation", v.Property
			s.Status, s.Violation = "violation", string(v.Kind)
			ds = append(ds, violationDiagnostics(path, m, &check.Result{Violation: v})...)
		}
		s.Liveness = &l
	}
	if err := writeJSONLines(w, ds...); err != nil {
		return err
	}
	return writeJSONLines(w, map[string]checkSummary{"summary": s})
}

func summarize(res *check.Result) checkSummary {
	c, t := res.Coverage()
	s := checkSummary{
		Machine: res.Machine.Name, Status: "ok",
		DistinctStates: res.Distinct, Fired: res.Fired, Depth: res.Depth, Covered: c, Transitions: t,
		OutOfBounds: res.OutOfBounds, BoundErrors: res.BoundErrors, Complete: res.Complete,
		Seconds: res.Elapsed.Seconds(), StatesPerSecond: res.Rate(),
	}
	if res.Profile != nil {
		s.Profile = res.Profile.Name
	}
	switch {
	case res.Violation != nil:
		s.Status, s.Violation = "violation", string(res.Violation.Kind)
	case res.Limited:
		s.Status = "limited"
	}
	return s
}

// writeJSONLines writes each value as one line of JSON.
func writeJSONLines[T any](w io.Writer, vs ...T) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, v := range vs {
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("write JSON: %w", err)
		}
	}
	return nil
}
