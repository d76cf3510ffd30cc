package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCompat(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(append([]string{"compat"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

const compatData = "../../compat/testdata/"

// TestCompatExitCodes: 0 with no finding or only warnings (printed), 1 on an
// error-level finding or at -max-states, 2 on usage and bad specs.
func TestCompatExitCodes(t *testing.T) {
	old := compatData + "lamp_v1.yaml"
	for _, c := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"-old", old, "-new", compatData + "evolved.yaml"}, 0, "ok; old states: 9"},
		{[]string{"-old", old, "-new", compatData + "behaviour.yaml"}, 0, "Warning: " + compatData + "behaviour.yaml:21:5: input Press leads elsewhere"},
		{[]string{"-old", old, "-new", compatData + "behaviour_stable.yaml"}, 1, "Error: " + compatData + "behaviour_stable.yaml:21:5: input Press leads elsewhere"},
		{[]string{"-old", old, "-new", compatData + "decode.yaml"}, 1, `"Dim" is not a value of Phase (3 old state(s))`},
		{[]string{"-old", old, "-new", compatData + "deadend.yaml", "-profile", "ci"}, 1, "dead end"},
		{[]string{"-old", old, "-new", old, "-max-states", "2"}, 1, "stopped at -max-states"},
		{[]string{"-old", old}, 2, ""},
		{[]string{"-old", old, "-new", old, "extra"}, 2, ""},
		{[]string{"-old", old, "-new", old, "-profile", "nope"}, 2, ""},
		{[]string{"-old", old, "-new", "../../model/testdata/bad/migrations.yaml"}, 2, ""},
		{[]string{"-old", "missing.yaml", "-new", old}, 2, ""},
	} {
		code, out, errs := runCompat(t, c.args...)
		if code != c.code || !strings.Contains(out, c.out) {
			t.Errorf("%v: exit %d, want %d with %q\n%s%s", c.args, code, c.code, c.out, out, errs)
		}
	}
}

// TestCompatArtifacts: -json prints one object per finding and the summary;
// -trace-json and -emit-test write the first finding's trace and test.
func TestCompatArtifacts(t *testing.T) {
	dir := t.TempDir()
	js, test := filepath.Join(dir, "trace.json"), filepath.Join(dir, "x_test.go")
	code, out, errs := runCompat(t, "-old", compatData+"lamp_v1.yaml", "-new", compatData+"decode.yaml", "-json",
		"-trace-json", js, "-emit-test", test, "-package", "lamp")
	if code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a finding and the summary, got:\n%s", out)
	}
	var f struct {
		File, Severity, Kind, Field string
		Line, Count                 int
		OldState                    map[string]any `json:"old_state"`
		Trace                       []map[string]any
	}
	if err := json.Unmarshal([]byte(lines[0]), &f); err != nil {
		t.Fatal(err)
	}
	if f.Severity != "error" || f.Kind != "decode" || f.Field != "phase" || f.Line != 8 || f.Count != 3 ||
		f.OldState["phase"] != "Dim" || len(f.Trace) != 3 {
		t.Errorf("finding: %s", lines[0])
	}
	var s struct{ Summary map[string]any }
	if err := json.Unmarshal([]byte(lines[1]), &s); err != nil || s.Summary["status"] != "errors" || s.Summary["old_states"] != 9.0 {
		t.Errorf("summary: %s (%v)", lines[1], err)
	}
	var v map[string]any
	data, err := os.ReadFile(js)
	if err != nil || json.Unmarshal(data, &v) != nil || v["kind"] != "compat-decode" {
		t.Errorf("trace json: %v %s", err, data)
	}
	src, err := os.ReadFile(test)
	if err != nil || !strings.Contains(string(src), "package lamp") || !strings.Contains(string(src), "MigrateFromJSON") {
		t.Errorf("emitted test: %v\n%s", err, src)
	}
}
