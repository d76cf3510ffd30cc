package specfuzz

import (
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/model"
)

// TestSpecGenDrawsCollectionParams: the generator draws set and map input
// parameters that load, with default and listed profile domains, read in
// guards and updates (an assignment of a parameter to a field of its type
// included), so that the pipeline property covers them.
func TestSpecGenDrawsCollectionParams(t *testing.T) {
	gen := PlainSpecGen()
	var params, listed, defaulted, loaded, assigned, read int
	for i := range 400 {
		s := gen.Example(i)
		has := false
		for _, in := range s.Inputs {
			for _, p := range in.Params {
				if p.Type.Kind != SetK && p.Type.Kind != MapK {
					continue
				}
				params++
				has = true
				own := false
				for _, d := range s.Profiles[0].Domains {
					own = own || d.Param == p
				}
				if own {
					listed++
				} else {
					defaulted++
				}
			}
		}
		if !has {
			continue
		}
		y := string(s.YAML())
		if strings.Contains(y, ":= arg.") {
			assigned++
		}
		if strings.Contains(y, "in arg.") {
			read++
		}
		m, err := model.Parse("spec.yaml", []byte(y))
		if err != nil {
			continue // names the loader refuses, as for any spec
		}
		loaded++
		if _, err := m.InputValues(m.Profiles[0]); err != nil {
			t.Errorf("spec %d: %v\n%s", i, err, y)
		}
	}
	t.Logf("%d collection parameters (%d with a listed domain, %d with the default), %d specs loaded, %d with an assignment, %d with a read by in",
		params, listed, defaulted, loaded, assigned, read)
	if params < 20 || listed < 5 || defaulted < 5 || loaded < 10 || assigned == 0 || read == 0 {
		t.Errorf("too few: %d collection parameters (%d listed domains, %d default), %d specs loaded, %d with an assignment from a parameter, %d with a membership or quantifier over one",
			params, listed, defaulted, loaded, assigned, read)
	}
}
