// Package tracecheck validates recorded runs of a machine against its spec,
// as P's PObserve and TLA+ trace validation do: a service (or another
// implementation of the same spec) records what it fed its machine and what
// it saw of the state, and the spec either allows that run or the first
// step it does not allow is named, with the observed and expected values.
//
// A recording is JSON lines, one step a line:
//
//		{"session": "s1", "input": "RegisterSession", "args": {"session_id": "s1"}, "state": {"lifecycle_phase": "Idle"}}
//
//	  - session (optional) names the machine instance: the lines of each
//	    session form one run from the machine's initial state, in file order.
//	  - input and args give the input, in the JSON form of the generated
//	    package (DecodeInput); a line without input is a step whose input was
//	    not recorded: any input value of the profile's domains may have been
//	    it.
//	  - state (optional) holds any subset of the state's fields after the
//	    step, in the generated package's JSON form.
//
// With MaxHidden > 0, up to that many unrecorded steps may precede every
// line: a bounded search for hidden inputs bridges them.
package tracecheck

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/model"
)

// ErrBadRecording matches errors in a recording's format (not a run the spec
// does not allow: that is a *Failure).
var ErrBadRecording = errors.New("tracecheck: bad recording")

// Record is one line of a recording.
type Record struct {
	Session string                     `json:"session,omitempty"`
	Input   string                     `json:"input,omitempty"`
	Args    map[string]json.RawMessage `json:"args,omitempty"`
	State   map[string]json.RawMessage `json:"state,omitempty"`
	// Line is the record's line number in the recording (1-based).
	Line int `json:"-"`
}

// Read reads a recording: exactly one JSON object a line (anything after it
// on the line is an error); blank lines are skipped. An error of r is
// returned wrapped, not as ErrBadRecording. A recording without
// records gives none and no error (dslgen validate-trace refuses it).
func Read(r io.Reader) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	var out []Record
	line := 1
	for ; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var rec Record
		if err := dec.Decode(&rec); err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrBadRecording, line, err)
		}
		// A line holds one object: Decode stops after it, so a second
		// value or garbage after it would otherwise be dropped unread.
		if rest := bytes.TrimSpace(b[dec.InputOffset():]); len(rest) > 0 {
			col := len(b) - len(bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n")) + 1
			return nil, fmt.Errorf("%w: line %d: column %d: data after the JSON object: %s", ErrBadRecording, line, col, excerpt(rest))
		}
		if err := checkKeys(b[:dec.InputOffset()]); err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrBadRecording, line, err)
		}
		if rec.Input == "" && rec.Args != nil {
			return nil, fmt.Errorf("%w: line %d: args without input", ErrBadRecording, line)
		}
		rec.Line = line
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%w: line %d: longer than 16 MiB", ErrBadRecording, line)
		}
		return nil, fmt.Errorf("tracecheck: reading the recording: %w", err)
	}
	return out, nil
}

// recordKeys are the keys of a record, spelled exactly so.
var recordKeys = map[string]bool{"session": true, "input": true, "args": true, "state": true}

// checkKeys refuses a record (a valid JSON value that decoded into a
// Record) that is not an object, spells a key other than as recordKeys do
// (encoding/json would match "Input" or "INPUT" to input), or repeats a key
// in itself, its args or its state: encoding/json keeps the last value of a
// repeated key without a word. Keys are compared after unescaping, as
// model.ParseValueJSON compares a map's keys (the values of args and state
// are checked there).
func checkKeys(rec []byte) error {
	var parts struct{ Args, State json.RawMessage }
	if err := json.Unmarshal(rec, &parts); err != nil {
		return err
	}
	keys, err := model.ObjectKeys(rec)
	if err != nil {
		return err
	}
	if keys == nil {
		return errors.New("not a JSON object")
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if !recordKeys[k] {
			return fmt.Errorf("unknown key %q (a record has session, input, args and state)", k)
		}
		if seen[k] {
			return fmt.Errorf("the record repeats the key %q", k)
		}
		seen[k] = true
	}
	for _, p := range []struct {
		what string
		raw  json.RawMessage
	}{{"args", parts.Args}, {"state", parts.State}} {
		keys, err := model.ObjectKeys(p.raw)
		if err != nil {
			return fmt.Errorf("%s: %w", p.what, err)
		}
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[k] {
				return fmt.Errorf("%s repeats the key %q", p.what, k)
			}
			seen[k] = true
		}
	}
	return nil
}

// excerpt returns b quoted, cut to 40 bytes.
func excerpt(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%q...", b[:40])
	}
	return fmt.Sprintf("%q", b)
}

// maxInputValues bounds the input values an unrecorded step may take.
const maxInputValues = 1 << 20

// Options configures Validate.
type Options struct {
	// Profile gives the input values an unrecorded step may have had (its
	// inputs and domains); nil: every input with the default domains.
	Profile *model.Profile
	// MaxHidden is the number of unrecorded steps that may precede each
	// recorded one (default 0); negative is an error.
	MaxHidden int
	// MaxCandidates bounds the number of states a run may be in at once
	// (0: the default, 100000; negative is an error); beyond it Validate
	// fails with ErrTooManyCandidates.
	MaxCandidates int
}

// DefaultMaxCandidates is the bound on a run's candidate states when
// Options.MaxCandidates is 0.
const DefaultMaxCandidates = 100000

// ErrTooManyCandidates is returned when the states a run may be in exceed
// Options.MaxCandidates: record more of the state, or bridge fewer steps.
var ErrTooManyCandidates = errors.New("tracecheck: too many candidate states")

// Mismatch is an observed field value that no state the spec allows has.
type Mismatch struct {
	Field    string
	Observed string
	// Expected lists the values the spec allows there (at most five).
	Expected []string
}

// Failure is the first step of a run that the spec does not allow.
type Failure struct {
	Session string
	// Step is the step's position in its run (1-based), Line its line.
	Step, Line int
	// Input is the recorded input, formatted, or "" for an unrecorded one.
	Input string
	// Reason says why no state the spec allows fits the step.
	Reason string
	// Mismatches lists the observed values the spec cannot produce, when
	// the input was allowed but the observed state differs.
	Mismatches []Mismatch
}

// Error describes the failure: its line, then Detail.
func (f *Failure) Error() string { return fmt.Sprintf("line %d: %s", f.Line, f.Detail()) }

// Detail describes the failure without its line: the step, the input, the
// reason, and one line per mismatch.
func (f *Failure) Detail() string {
	var b strings.Builder
	where := fmt.Sprintf("step %d", f.Step)
	if f.Session != "" {
		where += " of session " + f.Session
	}
	in := f.Input
	if in == "" {
		in = "(unrecorded input)"
	}
	fmt.Fprintf(&b, "%s (%s): %s", where, in, f.Reason)
	for _, m := range f.Mismatches {
		fmt.Fprintf(&b, "\n  %s: observed %s, the spec allows %s", m.Field, m.Observed, strings.Join(m.Expected, " or "))
	}
	return b.String()
}

// Result is the outcome of Validate.
type Result struct {
	// Runs and Steps count the sessions and the records validated.
	Runs, Steps int
	// Failure is the first step the spec does not allow, or nil.
	Failure *Failure
}

// Validate checks every run of a recording against the machine. It returns
// an error for a malformed recording (matching ErrBadRecording) or a run
// whose candidate states grow past the limit (ErrTooManyCandidates), and
// for negative options; a run the spec does not allow is reported in
// Result.Failure. With ErrTooManyCandidates the run was neither allowed nor
// refused, and the Result is returned too: its Steps count the steps
// checked up to and including the one where the limit was passed.
func Validate(m *model.Machine, recs []Record, opt Options) (*Result, error) {
	if opt.MaxHidden < 0 {
		return nil, fmt.Errorf("tracecheck: MaxHidden %d is negative", opt.MaxHidden)
	}
	if opt.MaxCandidates < 0 {
		return nil, fmt.Errorf("tracecheck: MaxCandidates %d is negative", opt.MaxCandidates)
	}
	if opt.MaxCandidates == 0 {
		opt.MaxCandidates = DefaultMaxCandidates
	}
	var order []string
	runs := map[string][]Record{}
	for _, r := range recs {
		if _, ok := runs[r.Session]; !ok {
			order = append(order, r.Session)
		}
		runs[r.Session] = append(runs[r.Session], r)
	}
	res := &Result{Runs: len(order)}
	for _, session := range order {
		v := &validator{m: m, opt: opt}
		f, err := v.run(session, runs[session])
		res.Steps += v.steps
		if errors.Is(err, ErrTooManyCandidates) {
			return res, err
		}
		if err != nil {
			return nil, err
		}
		if f != nil {
			res.Failure = f
			return res, nil
		}
	}
	return res, nil
}

type validator struct {
	m     *model.Machine
	ivs   []model.InputValue // the profile's input values, once needed
	opt   Options
	steps int
}

// inputValues returns the input values an unrecorded step may take, built
// on first use: a recording whose every input is recorded needs no domains.
func (v *validator) inputValues() ([]model.InputValue, error) {
	if v.ivs != nil {
		return v.ivs, nil
	}
	n, err := check.InputCount(v.m, v.opt.Profile)
	if err != nil {
		return nil, fmt.Errorf("tracecheck: unrecorded inputs: %w", err)
	}
	if n > maxInputValues {
		return nil, fmt.Errorf("tracecheck: the profile fires %d input values, more than %d: %w", n, maxInputValues, check.ErrTooManyInputs)
	}
	ivs, err := v.m.InputValues(v.opt.Profile)
	if err != nil {
		return nil, fmt.Errorf("tracecheck: unrecorded inputs: %w", err)
	}
	v.ivs = ivs
	return ivs, nil
}

// set is a set of states.
type set struct {
	keys   map[string]bool
	states []model.State
}

func newSet() *set { return &set{keys: map[string]bool{}} }

func (s *set) add(st model.State) {
	k := key(st)
	if !s.keys[k] {
		s.keys[k] = true
		s.states = append(s.states, st)
	}
}

func key(st model.State) string {
	var b strings.Builder
	for _, v := range st {
		fmt.Fprintf(&b, "%d/%t/%q;", v.N, v.Some, v.S)
	}
	return b.String()
}

func (v *validator) run(session string, recs []Record) (*Failure, error) {
	cands := newSet()
	cands.add(v.m.Initial())
	for i, rec := range recs {
		v.steps++
		fail := &Failure{Session: session, Step: i + 1, Line: rec.Line}
		pool, err := v.bridge(cands)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", rec.Line, err)
		}
		next := newSet()
		var stepErr error
		if rec.Input != "" {
			iv, err := v.input(rec)
			if err != nil {
				return nil, err
			}
			fail.Input = model.FormatInput(iv)
			for _, s := range pool.states {
				n, _, err := v.m.Step(s, iv)
				if err != nil {
					if stepErr == nil {
						stepErr = err
					}
					continue
				}
				next.add(n)
			}
		} else {
			ivs, err := v.inputValues()
			if err != nil {
				return nil, err
			}
			for _, s := range pool.states {
				for _, iv := range ivs {
					if n, _, err := v.m.Step(s, iv); err == nil {
						next.add(n)
					}
				}
			}
		}
		if len(next.states) == 0 {
			if stepErr != nil {
				fail.Reason = "the spec refuses the input: " + stepErr.Error()
			} else {
				fail.Reason = "the spec allows no step here"
			}
			return fail, nil
		}
		obs, err := v.observed(rec)
		if err != nil {
			return nil, err
		}
		kept := newSet()
		for _, s := range next.states {
			if matches(s, obs) {
				kept.add(s)
			}
		}
		if len(kept.states) == 0 {
			fail.Reason = "the observed state is not one the spec allows after this step"
			fail.Mismatches = v.mismatches(next.states, obs)
			return fail, nil
		}
		if len(kept.states) > v.opt.MaxCandidates {
			return nil, fmt.Errorf("line %d: %w: %d, more than %d", rec.Line, ErrTooManyCandidates, len(kept.states), v.opt.MaxCandidates)
		}
		cands = kept
	}
	return nil, nil
}

// bridge returns the states reachable from cands in at most MaxHidden steps.
func (v *validator) bridge(cands *set) (*set, error) {
	if v.opt.MaxHidden <= 0 {
		return cands, nil
	}
	ivs, err := v.inputValues()
	if err != nil {
		return nil, err
	}
	out := newSet()
	for _, s := range cands.states {
		out.add(s)
	}
	frontier := cands.states
	for d := 0; d < v.opt.MaxHidden && len(frontier) > 0; d++ {
		var next []model.State
		for _, s := range frontier {
			for _, iv := range ivs {
				n, _, err := v.m.Step(s, iv)
				if err != nil || out.keys[key(n)] {
					continue
				}
				out.add(n)
				next = append(next, n)
				if len(out.states) > v.opt.MaxCandidates {
					return nil, fmt.Errorf("%w: more than %d states within %d hidden steps", ErrTooManyCandidates, v.opt.MaxCandidates, v.opt.MaxHidden)
				}
			}
		}
		frontier = next
	}
	return out, nil
}

// input decodes a record's input.
func (v *validator) input(rec Record) (model.InputValue, error) {
	in := v.m.Input(rec.Input)
	if in == nil {
		return model.InputValue{}, fmt.Errorf("%w: line %d: the spec has no input %q", ErrBadRecording, rec.Line, rec.Input)
	}
	iv := model.InputValue{Input: in, Args: make([]model.Value, len(in.Params))}
	for name := range rec.Args {
		if in.Param(name) == nil {
			return model.InputValue{}, fmt.Errorf("%w: line %d: input %s has no parameter %q", ErrBadRecording, rec.Line, in.Name, name)
		}
	}
	for i, p := range in.Params {
		raw, ok := rec.Args[p.Name]
		if !ok {
			return model.InputValue{}, fmt.Errorf("%w: line %d: input %s: parameter %s is missing", ErrBadRecording, rec.Line, in.Name, p.Name)
		}
		val, err := model.ParseValueJSON(p.Type, raw)
		if err != nil {
			return model.InputValue{}, fmt.Errorf("%w: line %d: input %s: parameter %s: %v", ErrBadRecording, rec.Line, in.Name, p.Name, err)
		}
		iv.Args[i] = val
	}
	return iv, nil
}

// observation is one observed field.
type observation struct {
	field *model.Field
	val   model.Value
	raw   string
}

func (v *validator) observed(rec Record) ([]observation, error) {
	var out []observation
	for name, raw := range rec.State {
		f := v.m.Field(name)
		if f == nil {
			return nil, fmt.Errorf("%w: line %d: the spec has no field %q", ErrBadRecording, rec.Line, name)
		}
		val, err := model.ParseValueJSON(f.Type, raw)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: field %s: %v", ErrBadRecording, rec.Line, name, err)
		}
		out = append(out, observation{field: f, val: val, raw: model.FormatValue(f.Type, val)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].field.Index < out[j].field.Index })
	return out, nil
}

func matches(s model.State, obs []observation) bool {
	for _, o := range obs {
		if s[o.field.Index] != o.val {
			return false
		}
	}
	return true
}

// mismatches lists the observed fields whose value no candidate has, or,
// when each observed value occurs in some candidate but never all together,
// every observed field.
func (v *validator) mismatches(cands []model.State, obs []observation) []Mismatch {
	expected := func(o observation) []string {
		seen := map[string]bool{}
		var out []string
		for _, s := range cands {
			x := model.FormatValue(o.field.Type, s[o.field.Index])
			if !seen[x] && len(out) < 5 {
				seen[x] = true
				out = append(out, x)
			}
		}
		return out
	}
	var out []Mismatch
	for _, o := range obs {
		found := false
		for _, s := range cands {
			found = found || s[o.field.Index] == o.val
		}
		if !found {
			out = append(out, Mismatch{Field: o.field.Name, Observed: o.raw, Expected: expected(o)})
		}
	}
	if len(out) == 0 {
		for _, o := range obs {
			out = append(out, Mismatch{Field: o.field.Name, Observed: o.raw, Expected: expected(o)})
		}
	}
	return out
}
