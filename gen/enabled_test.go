package gen

import (
	"encoding/json"
	"testing"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/internal/enabledcheck"
	"github.com/meerkat-go/dslmachine/model"
)

// TestEnabledTransitions compares EnabledTransitions with the interpreter in
// every state within 4 steps of the initial state under the ci profile
// (which fires every input), for every input value.
func TestEnabledTransitions(t *testing.T) {
	m, err := model.Load("../spec/machine.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pkg := enabledcheck.Package{
		State: func(b []byte) (any, error) {
			var s State
			err := json.Unmarshal(b, &s)
			return s, err
		},
		DecodeInput: func(b []byte) (any, error) { return DecodeInput(b) },
		Enabled:     func(s, in any) []string { return EnabledTransitions(s.(State), in.(Input)) },
	}
	n, err := enabledcheck.Compare(m, m.Profile("ci"), check.ReachOptions{MaxDepth: 4}, pkg)
	if err != nil {
		t.Fatal(err)
	}
	if n < 10000 {
		t.Fatalf("only %d pairs compared", n)
	}
}
