package check

import (
	"strings"
	"testing"
)

// TestInitialStateViolatesInvariant: an initial state that violates an
// invariant is an invariant violation with a one-state trace, counted when
// it satisfies the profile and not when it does not; the summary works.
func TestInitialStateViolatesInvariant(t *testing.T) {
	m := load(t, "testdata/badinit.yaml")
	for _, c := range []struct {
		profile  string
		distinct uint64
	}{{"ci", 1}, {"tight", 0}} {
		t.Run(c.profile, func(t *testing.T) {
			res := run(t, m, c.profile, Options{Workers: 2})
			v := res.Violation
			if v == nil || v.Kind != KindInvariant || v.Invariant != "small" || len(v.Trace) != 1 || v.Trace[0].Input != nil {
				t.Fatalf("violation %+v, want invariant small with a one-state trace", v)
			}
			if err := Replay(m, v.Trace); err != nil {
				t.Error(err)
			}
			if res.Distinct != c.distinct {
				t.Errorf("distinct %d, want %d", res.Distinct, c.distinct)
			}
			sum := res.Summary()
			if !strings.Contains(sum, "violation: invariant") || !strings.Contains(sum, "coverage: 0/2 transitions") {
				t.Errorf("summary %q", sum)
			}
		})
	}
}

// TestInitialStateOutsideBounds: an initial state outside the profile is not
// counted and not explored, its invariants are still checked, and the run
// ends cleanly: nothing is covered, which is a coverage finding.
func TestInitialStateOutsideBounds(t *testing.T) {
	m := load(t, "testdata/outsideinit.yaml")
	res := run(t, m, "tight", Options{Workers: 2})
	if !res.Complete || res.Distinct != 0 || res.Fired != 0 {
		t.Errorf("complete %v, distinct %d, fired %d; want a complete run of 0 states", res.Complete, res.Distinct, res.Fired)
	}
	if v := res.Violation; v == nil || v.Kind != KindCoverage || len(v.Transitions) != 2 {
		t.Errorf("violation %+v, want coverage of both transitions", v)
	}
	if sum := res.Summary(); !strings.Contains(sum, "distinct states: 0") || !strings.Contains(sum, "coverage: 0/2 transitions") {
		t.Errorf("summary %q", sum)
	}
	if res := run(t, m, "ci", Options{Workers: 2}); res.Violation != nil || res.Distinct != 8 {
		t.Errorf("profile ci: %s", res.Summary())
	}
}
