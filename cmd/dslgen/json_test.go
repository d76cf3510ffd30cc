package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// jsonLines decodes stdout of a -json run: every line one JSON object with
// only known fields.
func jsonLines[T any](t *testing.T, out string) []T {
	t.Helper()
	var vs []T
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var v T
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		vs = append(vs, v)
	}
	return vs
}

func TestValidateJSON(t *testing.T) {
	const bad = "../../model/testdata/bad/many_errors.yaml"
	var text, textErr bytes.Buffer
	if code := run([]string{"validate", "-spec", bad}, &text, &textErr); code != 2 {
		t.Fatalf("text: exit %d", code)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"validate", "-json", "-spec", bad}, &out, &errb); code != 2 {
		t.Fatalf("-json: exit %d, want 2\n%s", code, errb.String())
	}
	if errb.Len() != 0 {
		t.Errorf("-json wrote to stderr: %q", errb.String())
	}
	ds := jsonLines[diagnostic](t, out.String())
	lines := strings.Split(strings.TrimSpace(textErr.String()), "\n")
	if len(ds) == 0 || len(ds) != len(lines) {
		t.Fatalf("%d JSON diagnostics for %d text lines:\n%s\n%s", len(ds), len(lines), out.String(), textErr.String())
	}
	for i, d := range ds {
		if d.File != bad || d.Line == 0 || d.Column == 0 || d.Severity != severityError || d.Message == "" {
			t.Errorf("diagnostic %d: %+v", i, d)
		}
		// The text form is file:line:col: message.
		if want := strings.Join([]string{d.File, itoa(d.Line), itoa(d.Column), " " + d.Message}, ":"); lines[i] != want {
			t.Errorf("diagnostic %d is %+v, the text line %q", i, d, lines[i])
		}
	}

	out.Reset()
	if code := run([]string{"validate", "-json", "-spec", "../../spec/machine.yaml"}, &out, &errb); code != 0 {
		t.Fatalf("machine.yaml: exit %d\n%s", code, errb.String())
	}
	for _, d := range jsonLines[diagnostic](t, out.String()) {
		if d.Severity != severityWarning {
			t.Errorf("a valid spec gave %+v", d)
		}
	}

	out.Reset()
	if code := run([]string{"validate", "-json", "-spec", "no/such/file.yaml"}, &out, &errb); code != 2 {
		t.Fatalf("missing file: exit %d", code)
	}
	if ds := jsonLines[diagnostic](t, out.String()); len(ds) != 1 || ds[0].File != "no/such/file.yaml" || ds[0].Line != 0 || ds[0].Severity != severityError {
		t.Errorf("missing file: %s", out.String())
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// checkLine is one line of `check -json`: a diagnostic or the summary.
type checkLine struct {
	diagnostic
	Summary *checkSummary `json:"summary"`
}

func TestCheckJSON(t *testing.T) {
	for _, tc := range []struct {
		spec      string
		code      int
		status    string
		violation string
		diags     []diagnostic
	}{
		{"../../spec/examples/vending.yaml", 0, "ok", "", nil},
		{"../../check/testdata/overlap.yaml", 1, "violation", "nondeterminism", []diagnostic{{File: "../../check/testdata/overlap.yaml", Line: 20, Column: 5, Severity: severityError,
			Message: "nondeterminism: transitions LowRaise and HighRaise are both enabled for input Raise{n: 1}"}}},
		{"../../check/testdata/deadcode.yaml", 1, "violation", "coverage", []diagnostic{{File: "../../check/testdata/deadcode.yaml", Line: 32, Column: 5, Severity: severityError,
			Message: "coverage: transition Overheat (on Raise) is never enabled"}}},
		{"../../check/testdata/unreachable.yaml", 1, "violation", "unreachable", []diagnostic{{File: "../../check/testdata/unreachable.yaml", Line: 22, Column: 5, Severity: severityError,
			Message: "transition Reset is marked unreachable but fires"}}},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			code, out, errs := runCheck(t, "-json", "-quiet", "-workers", "2", "-spec", tc.spec)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errs)
			}
			ls := jsonLines[checkLine](t, out)
			if len(ls) == 0 || ls[len(ls)-1].Summary == nil {
				t.Fatalf("no summary line last:\n%s", out)
			}
			s := ls[len(ls)-1].Summary
			if s.Status != tc.status || s.Violation != tc.violation || s.DistinctStates == 0 || s.Transitions == 0 || s.Profile != "ci" {
				t.Errorf("summary %+v", s)
			}
			var got []diagnostic
			for _, l := range ls[:len(ls)-1] {
				if l.Summary != nil {
					t.Errorf("two summaries:\n%s", out)
				}
				got = append(got, l.diagnostic)
			}
			if len(got) != len(tc.diags) {
				t.Fatalf("diagnostics %+v, want %+v", got, tc.diags)
			}
			for i := range got {
				if got[i] != tc.diags[i] {
					t.Errorf("diagnostic %d: %+v, want %+v", i, got[i], tc.diags[i])
				}
			}
		})
	}
	// Liveness: the example keeps its liveness property, the variant without
	// fairness breaks it.
	for _, tc := range []struct {
		spec, status, property string
		code                   int
	}{
		{"../../spec/examples/doorlock.yaml", "ok", "", 0},
		{"../../spec/examples/testdata/doorlock_unfair.yaml", "violation", "lockout_ends", 1},
	} {
		code, out, errs := runCheck(t, "-json", "-quiet", "-workers", "2", "-spec", tc.spec)
		ls := jsonLines[checkLine](t, out)
		if code != tc.code || len(ls) == 0 || ls[len(ls)-1].Summary == nil || ls[len(ls)-1].Summary.Liveness == nil {
			t.Fatalf("%s: exit %d\n%s%s", tc.spec, code, out, errs)
		}
		l := ls[len(ls)-1].Summary.Liveness
		if l.Status != tc.status || l.Property != tc.property || l.Properties != 1 || l.States == 0 {
			t.Errorf("%s: liveness summary %+v", tc.spec, l)
		}
		if tc.code == 1 && (len(ls) != 2 || ls[0].Line == 0 || ls[0].Message != "liveness property lockout_ends is violated") {
			t.Errorf("%s: diagnostics\n%s", tc.spec, out)
		}
	}
	code, out, _ := runCheck(t, "-json", "-spec", "../../model/testdata/bad/unknown_field.yaml")
	if ls := jsonLines[checkLine](t, out); code != 2 || len(ls) == 0 || ls[0].Line == 0 || ls[0].Summary != nil {
		t.Errorf("bad spec: exit %d\n%s", code, out)
	}
}
