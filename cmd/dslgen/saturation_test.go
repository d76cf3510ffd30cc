package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/model"
)

// TestCheckSaturationRepros: the outsider's repros of map values above the
// profile bound (check/testdata/saturation) are ok with every engine; the
// closures used to report a false invariant violation (then an internal
// error with exit 1) and the liveness graph a false lasso.
func TestCheckSaturationRepros(t *testing.T) {
	files, _ := filepath.Glob("../../check/testdata/saturation/*.yaml")
	if len(files) == 0 {
		t.Fatal("no repros")
	}
	for _, f := range files {
		for _, eng := range []string{"closure", "interp"} {
			code, out, errs := runCheck(t, "-spec", f, "-quiet", "-engine", eng)
			if code != 0 {
				t.Errorf("%s -engine %s: exit %d\n%s%s", filepath.Base(f), eng, code, out, errs)
			}
		}
	}
}

// TestReplayDisagreementIsInternal: a trace the reference interpreter does
// not reproduce is an internal error, exit 3 (it was printed, then exit 1).
func TestReplayDisagreementIsInternal(t *testing.T) {
	m, err := model.Load("../../check/testdata/collections/f1_trace_sets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := check.Run(m, m.Profile("ci"), check.Options{Workers: 1})
	if err != nil || res.Violation == nil {
		t.Fatalf("want a violation: %v", err)
	}
	v := res.Violation
	var errb bytes.Buffer
	if !replayTrace(m, v, &errb) {
		t.Fatalf("the true trace does not replay: %s", errb.String())
	}
	last := &v.Trace[len(v.Trace)-1]
	last.State = m.Initial() // a step the interpreter does not take
	if replayTrace(m, v, &errb) || !strings.Contains(errb.String(), "internal error") {
		t.Errorf("a wrong trace replays: %q", errb.String())
	}
	code, out, errs := runCheck(t, "-spec", "../../check/testdata/collections/f1_trace_sets.yaml", "-quiet", "-engine", "closure")
	if code != 1 || strings.Contains(errs, "internal") {
		t.Errorf("exit %d, want 1\n%s%s", code, out, errs)
	}
}
