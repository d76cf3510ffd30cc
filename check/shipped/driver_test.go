package shipped

import (
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/model"
)

// TestDriverBuildsEachCollectionOnce: the inputs table of the driver refers
// to each distinct collection argument by a variable built once, so that
// its size is that of a table of scalar arguments (with a function literal
// per argument, the visibility profile of spec/machine.yaml, 11664 input
// values with four collections each, took the compiler minutes and
// gigabytes).
func TestDriverBuildsEachCollectionOnce(t *testing.T) {
	m, err := model.Load("../../internal/conformance/testdata/collparams.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := m.Profile("ci")
	lay, err := check.DescribeLayout(m, p)
	if err != nil {
		t.Fatal(err)
	}
	src, err := driverSource(m, lay, "d0", "example.com/gen", "example.com/explore", "example.com/runner")
	if err != nil {
		t.Fatal(err)
	}
	// The distinct values per collection type: set<OperationId, 2> (two
	// parameters) 4, set<Tool, 2> 7, map<Tool, Witness, 2> 3 (listed),
	// map<OperationId, uint, 1> 7.
	want := 4 + 7 + 3 + 7
	if got := strings.Count(string(src), "func() m."); got != want {
		t.Errorf("%d collection builders, want %d (one per distinct value)", got, want)
	}
	if n := len(lay.Inputs); n < 50 {
		t.Fatalf("%d input values: the profile fires too few for the test to mean anything", n)
	}
}
