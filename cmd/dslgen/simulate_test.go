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
