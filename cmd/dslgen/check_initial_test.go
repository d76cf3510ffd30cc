package main

import (
	"strings"
	"testing"
)

// TestCheckInitialStateExitOne: dslgen check on a spec whose initial state
// violates an invariant (inside and outside the profile's bounds) or lies
// outside the bounds reports the finding and its summary, and exits 1
// instead of panicking.
func TestCheckInitialStateExitOne(t *testing.T) {
	for _, c := range []struct {
		spec, profile, want string
	}{
		{"../../check/testdata/badinit.yaml", "ci", "Error: invariant small is violated."},
		{"../../check/testdata/badinit.yaml", "tight", "Error: invariant small is violated."},
		{"../../check/testdata/outsideinit.yaml", "tight", "Error: coverage: 2 transition(s) never enabled"},
	} {
		code, out, errs := runCheck(t, "-spec", c.spec, "-profile", c.profile, "-quiet")
		if code != 1 || !strings.Contains(out, c.want) || !summaryRE.MatchString(out) {
			t.Errorf("%s -profile %s: exit %d, want 1 with %q and a summary\n%s%s", c.spec, c.profile, code, c.want, out, errs)
		}
	}
}
