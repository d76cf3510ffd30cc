package specfuzz

import (
	"fmt"
	"testing"
)

func TestDebugRejections(t *testing.T) {
	gen := SpecGen()
	var cases []Case
	for i := range 40 {
		s := gen.Example(1_000_003 + i)
		cases = append(cases, Case{Name: fmt.Sprintf("s%05d", i), YAML: s.YAML(), Sanitized: s.Sanitized()})
	}
	rn := newRunner(t)
	rn.NoBuild = true
	out, err := rn.Run(cases)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		if len(o.Rec.Rejected) > 0 {
			t.Log(o.Case.Name, o.Rec.Rejected)
		}
		for _, f := range o.Failures {
			t.Log(o.Case.Name, f)
		}
	}
}
