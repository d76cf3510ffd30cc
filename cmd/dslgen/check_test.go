package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func runCheck(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(append([]string{"check"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

var summaryRE = regexp.MustCompile(`distinct states: \d+, transitions fired: \d+, depth: \d+, coverage: (\d+)/(\d+) transitions`)

func TestCheckExamplesExitZero(t *testing.T) {
	files, _ := filepath.Glob("../../spec/examples/*.yaml")
	for _, f := range files {
		code, out, errs := runCheck(t, "-spec", f, "-quiet")
		if code != 0 {
			t.Errorf("%s: exit %d\n%s%s", f, code, out, errs)
		}
		m := summaryRE.FindStringSubmatch(out)
		if m == nil || m[1] != m[2] {
			t.Errorf("%s: summary %q", f, out)
		}
	}
}

func TestCheckViolationExitOne(t *testing.T) {
	dir := t.TempDir()
	js, test := filepath.Join(dir, "trace.json"), filepath.Join(dir, "x_test.go")
	code, out, _ := runCheck(t, "-spec", "../../check/testdata/overlap.yaml", "-quiet", "-workers", "2", "-trace-json", js, "-emit-test", test)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	if !strings.Contains(out, "Error: nondeterminism: transitions LowRaise and HighRaise are both enabled for input Raise{n: 1}.") ||
		!strings.Contains(out, "State 3: <Raise{n: 1}: transition LowRaise>") || !summaryRE.MatchString(out) {
		t.Errorf("output:\n%s", out)
	}
	var v map[string]any
	data, err := os.ReadFile(js)
	if err != nil || json.Unmarshal(data, &v) != nil || v["kind"] != "nondeterminism" {
		t.Errorf("trace json: %v %s", err, data)
	}
	src, err := os.ReadFile(test)
	if err != nil || !strings.Contains(string(src), "package overlap") || !strings.Contains(string(src), "Raise{N: 1}") {
		t.Errorf("emitted test: %v\n%s", err, src)
	}
}

func TestCheckCoverageExitOne(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCheck(t, "-spec", "../../check/testdata/deadcode.yaml", "-quiet", "-emit-test", filepath.Join(dir, "x_test.go"), "-trace-json", filepath.Join(dir, "t.json"))
	if _, err := os.Stat(filepath.Join(dir, "t.json")); err != nil {
		t.Error(err)
	}
	if code != 1 || !strings.Contains(out, "transition Overheat (on Raise) is never enabled") || !strings.Contains(out, "coverage: 3/4 transitions") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

func TestCheckUsageExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-spec", "../../check/testdata/overlap.yaml", "-profile", "nope"},
		{"-spec", "does-not-exist.yaml"},
		{"-spec", "../../check/testdata/overlap.yaml", "-bogus"},
	} {
		if code, out, errs := runCheck(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s%s", args, code, out, errs)
		}
	}
	// An id parameter without a domain is a usage error.
	spec := filepath.Join(t.TempDir(), "ids.yaml")
	os.WriteFile(spec, []byte(`machine: Ids
enums:
  Phase: [On]
ids: [Key]
fields:
  phase: {type: Phase, initial: On}
  key: {type: option<Key>, initial: none}
phase: phase
inputs:
  Set: {key: Key}
transitions:
  - name: Set
    on: Set
    from: [On]
    do:
      - key := some(arg.key)
`), 0o644)
	if code, _, errs := runCheck(t, "-spec", spec, "-quiet"); code != 2 || !strings.Contains(errs, "Set.key has type Key, which has no domain") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

func TestCheckProgress(t *testing.T) {
	code, out, errs := runCheck(t, "-spec", "../../spec/machine.yaml", "-profile", "tlc")
	if code != 0 || !strings.Contains(out, "coverage: 38/38 transitions") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(errs, "progress: ") || !strings.Contains(errs, "states/s") {
		t.Logf("no progress line (the run took under a second): %q", errs)
	}
}

// TestCheckOutputFlags: dslgen check checks its output flags before the
// search, as simulate and compat do: an output file that is the spec (or
// another output) is refused, -emit-test must name a _test.go file and
// -package must be a Go package name. It used to run the whole search and
// fail when writing, having written the file (reported by a tester).
func TestCheckOutputFlags(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "overlap.yaml")
	orig, err := os.ReadFile("../../check/testdata/overlap.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(spec, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.json")
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-trace-json", spec}, "-trace-json " + spec + " is the file of -spec: refusing to overwrite it"},
		{[]string{"-trace-json", out, "-itf", out}, "is the file of -trace-json"},
		{[]string{"-emit-test", filepath.Join(dir, "foo.go")}, "the file name must end in _test.go"},
		{[]string{"-emit-test", filepath.Join(dir, "foo_test.go"), "-package", "func"}, `-package "func" is not a Go package name`},
	} {
		code, stdout, stderr := runCheck(t, append([]string{"-spec", spec, "-quiet", "-engine", "closure"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, "dslgen check: ") || !strings.Contains(stderr, tc.msg) || stdout != "" {
			t.Errorf("check %v: exit %d, want 2 and %q before the search\n%s%s", tc.args, code, tc.msg, stdout, stderr)
		}
		if b, err := os.ReadFile(spec); err != nil || string(b) != string(orig) {
			t.Fatalf("check %v overwrote the spec", tc.args)
		}
		for _, f := range []string{out, filepath.Join(dir, "foo.go"), filepath.Join(dir, "foo_test.go")} {
			if _, err := os.Stat(f); err == nil {
				t.Errorf("check %v wrote %s", tc.args, f)
				os.Remove(f)
			}
		}
	}
}
