package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runSimulate(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(append([]string{"simulate"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// TestSimulateExitCodes: 0 with no violation, 1 with the shrunk trace of a
// violation, 2 on a bad spec or usage.
func TestSimulateExitCodes(t *testing.T) {
	files, _ := filepath.Glob("../../spec/examples/*.yaml")
	for _, f := range files {
		code, out, errs := runSimulate("-spec", f, "-quiet", "-behaviours", "200", "-depth", "50")
		if code != 0 || !strings.Contains(out, ": ok; behaviours: 200,") {
			t.Errorf("%s: exit %d\n%s%s", f, code, out, errs)
		}
	}
	code, out, errs := runSimulate("-spec", "../../simulate/testdata/deepbug.yaml", "-quiet", "-behaviours", "500", "-depth", "200", "-seed", "7")
	if code != 1 || !strings.Contains(out, "Error: invariant below_forty is violated.") ||
		!strings.Contains(out, "State 42: <Up: transition Climb>") || strings.Contains(out, "State 43:") ||
		!strings.Contains(out, "violation: invariant") {
		t.Errorf("deepbug: exit %d\n%s%s", code, out, errs)
	}
	itf := filepath.Join(t.TempDir(), "trace.itf.json")
	if code, out, _ := runSimulate("-spec", "../../simulate/testdata/deepbug.yaml", "-quiet", "-behaviours", "500", "-depth", "200", "-seed", "7", "-itf", itf); code != 1 {
		t.Errorf("-itf: exit %d\n%s", code, out)
	} else if b, err := os.ReadFile(itf); err != nil || !strings.Contains(string(b), `"format": "ITF"`) || strings.Count(string(b), `"#meta"`) != 43 {
		t.Errorf("-itf wrote %d bytes (%v): 42 states and the header expected", len(b), err)
	}
	for _, args := range [][]string{
		{},
		{"-spec", "../../simulate/testdata/deepbug.yaml", "-depth", "0"},
		{"-spec", "../../simulate/testdata/deepbug.yaml", "-profile", "nope"},
		{"-spec", "../../simulate/testdata/missing.yaml"},
		{"-spec", "../../simulate/testdata/deepbug.yaml", "extra"},
	} {
		if code, out, errs := runSimulate(args...); code != 2 {
			t.Errorf("simulate %v: exit %d, want 2\n%s%s", args, code, out, errs)
		}
	}
}

// TestSimulateOutputFlags: the output flags are checked before the run: an
// output file that is the spec (or another output) is refused, so the spec
// is not overwritten; -emit-test must name a _test.go file and -package
// must be a Go package name. Each is a usage error (exit 2) that writes
// nothing.
func TestSimulateOutputFlags(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "deepbug.yaml")
	orig, err := os.ReadFile("../../simulate/testdata/deepbug.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(spec, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.json")
	run := []string{"-spec", spec, "-quiet", "-behaviours", "500", "-depth", "200", "-seed", "7"}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-trace-json", spec}, "-trace-json " + spec + " is the file of -spec: refusing to overwrite it"},
		{[]string{"-itf", filepath.Join(dir, ".", "deepbug.yaml")}, "is the file of -spec"},
		{[]string{"-emit-test", filepath.Join(dir, "x", "..", "deepbug.yaml")}, "is the file of -spec"},
		{[]string{"-trace-json", out, "-itf", out}, "is the file of -trace-json"},
		{[]string{"-emit-test", filepath.Join(dir, "foo.go")}, "the file name must end in _test.go"},
		{[]string{"-emit-test", filepath.Join(dir, "foo_test.go"), "-package", "func"}, `-package "func" is not a Go package name`},
		{[]string{"-package", "9lives"}, `-package "9lives" is not a Go package name`},
	} {
		code, stdout, stderr := runSimulate(append(run, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, "dslgen simulate: ") || !strings.Contains(stderr, tc.msg) || stdout != "" {
			t.Errorf("simulate %v: exit %d, want 2 and %q before the run\n%s%s", tc.args, code, tc.msg, stdout, stderr)
		}
		if b, err := os.ReadFile(spec); err != nil || string(b) != string(orig) {
			t.Fatalf("simulate %v overwrote the spec", tc.args)
		}
		for _, f := range []string{out, filepath.Join(dir, "foo.go"), filepath.Join(dir, "foo_test.go")} {
			if _, err := os.Stat(f); err == nil {
				t.Errorf("simulate %v wrote %s", tc.args, f)
				os.Remove(f)
			}
		}
	}
	// A valid -package and _test.go name are accepted.
	test := filepath.Join(dir, "found_test.go")
	if code, stdout, stderr := runSimulate(append(run, "-emit-test", test, "-package", "climber")...); code != 1 {
		t.Errorf("valid -emit-test: exit %d\n%s%s", code, stdout, stderr)
	} else if b, err := os.ReadFile(test); err != nil || !strings.Contains(string(b), "package climber\n") {
		t.Errorf("-emit-test wrote %q (%v)", b, err)
	}
}

// TestSimulateShrunkMessage: the line after the trace gives the behaviour's
// length before and after shrinking (an unreachable transition firing into
// an invariant violation used to be left unshrunk, "shrunk to" its full
// length).
func TestSimulateShrunkMessage(t *testing.T) {
	code, out, errs := runSimulate("-spec", "../../simulate/testdata/unreachinv.yaml", "-quiet", "-behaviours", "5", "-seed", "1")
	if code != 1 || !strings.Contains(out, "Error: transition Bad is marked unreachable but fires") ||
		!strings.Contains(out, "Found in behaviour 0 of seed 1 (5 steps, shrunk to 4).\n") || strings.Contains(out, "State 6:") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}
