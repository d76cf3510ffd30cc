package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCheckRefusalsArePositioned: a collection field the checker cannot
// code (check/testdata/refuse: a map of uint values without a profile bound
// on it, a map too wide for 64 bits) is refused with exit 2 and the
// field's file:line:col, by every engine (it was unpositioned; a map
// without a bound of its own that shared another field's was coded
// saturated, silently).
func TestCheckRefusalsArePositioned(t *testing.T) {
	files, _ := filepath.Glob("../../check/testdata/refuse/*.yaml")
	if len(files) == 0 {
		t.Fatal("no specs")
	}
	for _, f := range files {
		re := regexp.MustCompile(`(?m)^dslgen check: ` + regexp.QuoteMeta(f) + `:\d+:\d+: field [a-z]+: `)
		for _, eng := range []string{"closure", "interp", "shipped"} {
			code, out, errs := runCheck(t, "-spec", f, "-quiet", "-engine", eng)
			if code != 2 || !re.MatchString(errs) || strings.Count(errs, "dslgen check:") != 1 {
				t.Errorf("%s -engine %s: exit %d\n%s%s", filepath.Base(f), eng, code, out, errs)
			}
		}
	}
}

// TestValidateWarnsWhatCheckRefuses: validate accepts those specs (generate
// and simulate can use them) with a warning at the field that names the
// profile check refuses.
func TestValidateWarnsWhatCheckRefuses(t *testing.T) {
	files, _ := filepath.Glob("../../check/testdata/refuse/*.yaml")
	for _, f := range files {
		code, out, errs := runCmd(t, "validate", "-spec", f)
		re := regexp.MustCompile(regexp.QuoteMeta(f) + `:\d+:\d+: warning: field [a-z]+: .*\(dslgen check refuses profile [a-z]+\)`)
		if code != 0 || !re.MatchString(errs) {
			t.Errorf("%s: exit %d\n%s%s", filepath.Base(f), code, out, errs)
		}
	}
	code, _, errs := runCmd(t, "validate", "-spec", "../../spec/examples/scheduler.yaml")
	if code != 0 || strings.Contains(errs, "warning") {
		t.Errorf("scheduler: exit %d\n%s", code, errs)
	}
}
