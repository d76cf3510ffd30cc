package specfuzz

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var unsafeRE = regexp.MustCompile(`[^a-z0-9_]`)

// TestRegressions runs every spec in testdata/regress (each a shrunk
// failure found by TestRandomSpecs) through the whole pipeline, building
// all of them in one batch. A spec passes when no stage fails: the loader
// may reject it, with positioned errors, once a fix makes its names
// invalid.
func TestRegressions(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "regress", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skip("no regression specs")
	}
	var cases []Case
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := "r_" + unsafeRE.ReplaceAllString(strings.ToLower(strings.TrimSuffix(filepath.Base(f), ".yaml")), "_")
		cases = append(cases, Case{Name: name, YAML: data, File: f})
	}
	rn := newRunner(t)
	out, err := rn.Run(cases)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", Summarize(out))
	for _, o := range out {
		for _, f := range o.Failures {
			t.Errorf("%s: stage %s: %s", o.Case.File, f.Stage, f.Msg)
		}
	}
}
