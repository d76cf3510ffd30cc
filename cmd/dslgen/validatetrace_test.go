package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateTraceCLI: exit 0 for an allowed run, 1 with file:line and the
// mismatch for a run the spec does not allow, 2 for a bad recording.
func TestValidateTraceCLI(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	spec := "../../spec/examples/vending.yaml"
	for _, c := range []struct {
		body string
		code int
		want string
	}{
		{`{"input":"InsertCoin","args":{"value":25},"state":{"credit":25,"phase":"CollectingCoins"}}` + "\n" + `{"input":"Refund","state":{"credit":0}}` + "\n", 0, "validate-trace Vending: ok; runs: 1, steps: 2"},
		{`{"input":"InsertCoin","args":{"value":25},"state":{"credit":25}}` + "\n" + `{"input":"Refund","state":{"credit":5}}` + "\n", 1, "run.jsonl:2: step 2 (Refund): the observed state is not one the spec allows after this step\n  credit: observed 5, the spec allows 0"},
		{`{"input":"Refund"}` + "\n", 1, "run.jsonl:1: step 1 (Refund): the spec refuses the input: input Refund rejected in phase Idle"},
		{`{"input":"Nope"}` + "\n", 2, "the spec has no input"},
		{`{"input":"InsertCoin","args":{"value":25},"state":{"credit":25}}{"input":"Refund","state":{"credit":99}}` + "\n", 2, "line 1: column 65: data after the JSON object"},
		{`{"input":"InsertCoin","args":{"value":25},"state":{"credit":25}} garbage` + "\n", 2, "line 1: column 66: data after the JSON object"},
		{`{"input":"InsertCoin","args":{"value":25,"value":5},"state":{"credit":25,"credit":5}}` + "\n", 2, `line 1: args repeats the key "value"`},
		{"", 2, "run.jsonl: no records (the recording is empty or only blank lines): nothing to validate"},
		{"\n  \n\t\r\n\n", 2, "run.jsonl: no records (the recording is empty or only blank lines): nothing to validate"},
	} {
		var out, errb bytes.Buffer
		code := run([]string{"validate-trace", "-spec", spec, "-trace", write("run.jsonl", c.body)}, &out, &errb)
		if code != c.code || !strings.Contains(out.String()+errb.String(), c.want) {
			t.Errorf("exit %d (want %d), output lacks %q:\n%s%s", code, c.code, c.want, out.String(), errb.String())
		}
	}
}

// TestValidateTraceFlagValues: -max-candidates below 1 and a negative
// -max-hidden are usage errors (exit 2, before the spec is read), not
// silently replaced by a default.
func TestValidateTraceFlagValues(t *testing.T) {
	p := filepath.Join(t.TempDir(), "run.jsonl")
	if err := os.WriteFile(p, []byte(`{"input":"InsertCoin","args":{"value":25},"state":{"credit":25}}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"-max-candidates", "0"}, "-max-candidates must be at least 1"},
		{[]string{"-max-candidates", "-3"}, "-max-candidates must be at least 1"},
		{[]string{"-max-hidden", "-5"}, "-max-hidden must not be negative"},
	} {
		var out, errb bytes.Buffer
		args := append([]string{"validate-trace", "-spec", "../../spec/examples/vending.yaml", "-trace", p}, c.flags...)
		code := run(args, &out, &errb)
		if code != 2 || out.Len() != 0 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d (want 2), stderr lacks %q:\n%s%s", c.flags, code, c.want, out.String(), errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"validate-trace", "-spec", "../../spec/examples/vending.yaml", "-trace", p, "-max-candidates", "1", "-max-hidden", "0"}, &out, &errb); code != 0 {
		t.Errorf("-max-candidates 1 -max-hidden 0: exit %d\n%s%s", code, out.String(), errb.String())
	}
}

// TestValidateTraceCandidateLimit: a run whose candidate states exceed
// -max-candidates was neither allowed nor refused; like check stopped at
// -max-states it exits 1 with a summary line saying so, never "ok" and
// never "not allowed", and stderr names the line.
func TestValidateTraceCandidateLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "run.jsonl")
	if err := os.WriteFile(p, []byte(`{"input":"InsertCoin","args":{"value":25}}`+"\n"+`{}`+"\n"+`{}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{"validate-trace", "-spec", "../../spec/examples/vending.yaml", "-trace", p, "-max-candidates", "1"}, &out, &errb)
	want := "validate-trace Vending: stopped at the candidate limit (-max-candidates 1); runs: 1, steps checked: 2\n"
	if code != 1 || out.String() != want || !strings.Contains(errb.String(), "run.jsonl: line 2: tracecheck: too many candidate states") {
		t.Errorf("exit %d (want 1), stdout %q (want %q), stderr:\n%s", code, out.String(), want, errb.String())
	}
}

// TestValidateTraceUnreadable: a directory or a missing file given as
// -trace is an I/O error naming the path (exit 2), not a bad recording.
func TestValidateTraceUnreadable(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ path, want string }{
		{dir, dir + ": is a directory"},
		{filepath.Join(dir, "none.jsonl"), filepath.Join(dir, "none.jsonl") + ": no such file"},
	} {
		var out, errb bytes.Buffer
		code := run([]string{"validate-trace", "-spec", "../../spec/examples/vending.yaml", "-trace", c.path}, &out, &errb)
		if code != 2 || out.Len() != 0 || !strings.Contains(errb.String(), c.want) || strings.Contains(errb.String(), "bad recording") {
			t.Errorf("%s: exit %d (want 2), stderr lacks %q or says bad recording:\n%s%s", c.path, code, c.want, out.String(), errb.String())
		}
	}
}
