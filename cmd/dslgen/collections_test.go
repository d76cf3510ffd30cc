package main

import (
	"strings"
	"testing"
)

// TestTextTraceShowsCollections: the text trace of check prints a set's
// value as a literal (it printed "?").
func TestTextTraceShowsCollections(t *testing.T) {
	for _, eng := range []string{"closure", "interp"} {
		code, out, errs := runCheck(t, "-spec", "../../check/testdata/collections/f1_trace_sets.yaml", "-quiet", "-engine", eng)
		if code != 1 || !strings.Contains(out, "/\\ items = {}\n") || !strings.Contains(out, "/\\ items = {\"a\"}\n") || strings.Contains(out, "?") {
			t.Errorf("-engine %s: exit %d\n%s%s", eng, code, out, errs)
		}
	}
}

// TestValidateTraceShowsCollections: validate-trace's mismatch line shows
// the observed and allowed map values (it printed "observed ?, the spec
// allows ?").
func TestValidateTraceShowsCollections(t *testing.T) {
	code, out, errs := runCmd(t, "validate-trace", "-spec", "../../spec/examples/scheduler.yaml", "-trace", "../../check/testdata/collections/scheduler_run.jsonl")
	if code != 1 || !strings.Contains(out+errs, `load: observed {"w1": 2}, the spec allows {"w1": 1}`) {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}
