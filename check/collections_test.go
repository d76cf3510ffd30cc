package check

import (
	"reflect"
	"testing"
)

// TestCollectionsAgree: on a spec with sets and maps, the compiled closures
// (bit sets and mixed-radix map codes) and the reference interpreter
// explore the same states and fire the same transitions.
func TestCollectionsAgree(t *testing.T) {
	m := load(t, "../internal/conformance/testdata/scheduler.yaml")
	a := run(t, m, "ci", Options{Workers: 1})
	b := run(t, m, "ci", Options{Workers: 2, Interp: true})
	if a.Violation != nil {
		t.Fatalf("%s: %s", a.Summary(), a.Violation.Message())
	}
	if a.Distinct != b.Distinct || a.Fired != b.Fired || a.Depth != b.Depth || a.OutOfBounds != b.OutOfBounds || !reflect.DeepEqual(a.Covered, b.Covered) {
		t.Errorf("runs disagree:\n%s\n%s", a.Summary(), b.Summary())
	}
	if c, n := a.Coverage(); c != n {
		t.Errorf("coverage %d/%d", c, n)
	}
	t.Log(a.Summary())
}
