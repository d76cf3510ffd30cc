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
		{[]string{"-old", old, "-new", compatData + "decode.yaml"}, 1, `field phase: a value that is not one of its new type Phase (here: field phase: "Dim" is not a value of Phase) (3 old state(s))`},
		{[]string{"-old", old, "-new", compatData + "deadend.yaml", "-profile", "ci"}, 1, "dead end"},
		{[]string{"-old", old, "-new", old, "-max-states", "2"}, 1, "stopped at -max-states"},
		{[]string{"-old", old, "-new", old, "-max-states", "2"}, 1, ": incomplete, 0 warning(s); stopped at the state limit"},
		{[]string{"-old", old, "-new", old, "-max-states", "2", "-json"}, 1, `"status":"incomplete"`},
		{[]string{"-old", old, "-new", old, "-max-states", "-5"}, 2, ""},
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

// TestCompatOutputsRefused: an output path that is an input spec (or the
// other output), an -emit-test file not ending in _test.go, or a -package
// that is not a Go identifier is a usage error before anything is written:
// the specs are unchanged and no directory is created.
func TestCompatOutputsRefused(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(compatData + "decode.yaml")
	if err != nil {
		t.Fatal(err)
	}
	nw := filepath.Join(dir, "new.yaml")
	if err := os.WriteFile(nw, src, 0o644); err != nil {
		t.Fatal(err)
	}
	old := compatData + "lamp_v1.yaml"
	sub := filepath.Join(dir, "sub")
	for _, args := range [][]string{
		{"-emit-test", nw},
		{"-emit-test", filepath.Join(dir, ".", "new.yaml")},
		{"-trace-json", nw},
		{"-trace-json", old},
		{"-trace-json", filepath.Join(sub, "x_test.go"), "-emit-test", filepath.Join(sub, "x_test.go")},
		{"-emit-test", filepath.Join(sub, "x.go")},
		{"-emit-test", filepath.Join(sub, "x_test.go"), "-package", "func"},
		{"-emit-test", filepath.Join(sub, "x_test.go"), "-trace-json", filepath.Join(sub, "t.json"), "-package", "1lamp"},
		{"-emit-test", filepath.Join(sub, "x_test.go"), "-package", "my-pkg"},
	} {
		code, out, errs := runCompat(t, append([]string{"-old", old, "-new", nw}, args...)...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s%s", args, code, out, errs)
		}
		if got, err := os.ReadFile(nw); err != nil || string(got) != string(src) {
			t.Fatalf("%v: the new spec was overwritten", args)
		}
		if _, err := os.Stat(sub); err == nil {
			t.Fatalf("%v: created %s", args, sub)
		}
	}
	lamp, err := os.ReadFile(old)
	if err != nil || !strings.Contains(string(lamp), "machine:") {
		t.Fatalf("the old spec was overwritten: %v", err)
	}
}

// TestCompatDefaultProfileNotice: with no -profile and no ci profile, compat
// says on stderr that it explores the default, unbounded profile.
func TestCompatDefaultProfileNotice(t *testing.T) {
	src, err := os.ReadFile(compatData + "outsider/queue_huge.yaml")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(src), "profiles:")
	if i < 0 {
		t.Fatal("no profiles in the spec")
	}
	spec := filepath.Join(t.TempDir(), "noprofile.yaml")
	if err := os.WriteFile(spec, src[:i], 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCompat(t, "-old", spec, "-new", spec, "-max-states", "100", "-quiet")
	if code != 1 || !strings.Contains(errs, "exploring the default profile") || !strings.Contains(out, "incomplete") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
	if _, _, errs := runCompat(t, "-old", compatData+"lamp_v1.yaml", "-new", compatData+"lamp_v1.yaml"); errs != "" {
		t.Errorf("with a ci profile: %s", errs)
	}
}

// TestCompatProfileErrorPositioned: a profile the new spec cannot explore
// (an id parameter without a domain) is one positioned error, file:line:col
// of the profile, without a doubled prefix, exit 2.
func TestCompatProfileErrorPositioned(t *testing.T) {
	nw := compatData + "outsider/login_kick_nodomain.yaml"
	code, out, errs := runCompat(t, "-old", compatData+"outsider/login_v1.yaml", "-new", nw)
	want := nw + ":36:3: new spec: profile ci: parameter Kick.who has type UserId, which has no domain"
	if code != 2 || !strings.Contains(errs, "\n"+want) || strings.Contains(errs, "compat: compat:") || strings.Count(errs, "Kick.who") != 2 {
		t.Errorf("exit %d, want 2 and %q once after the loader's warning\n%s%s", code, want, out, errs)
	}
	// The same spec as -old and -new: its warning once.
	code, out, errs = runCompat(t, "-old", nw, "-new", nw)
	if code != 2 || strings.Count(errs, "warning:") != 1 {
		t.Errorf("exit %d, want 2 and one warning\n%s%s", code, out, errs)
	}
}
