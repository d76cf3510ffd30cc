package wallet

import (
	"encoding/json"
	"testing"

	"github.com/meerkat-go/dslmachine/check"
	"github.com/meerkat-go/dslmachine/internal/enabledcheck"
	"github.com/meerkat-go/dslmachine/model"
)

// TestEnabledTransitions compares EnabledTransitions with the interpreter in
// every reachable state of the ci profile, for every input value, and checks
// that the comparison can fail.
func TestEnabledTransitions(t *testing.T) {
	m, err := model.Load("../../conformance/testdata/wallet.yaml")
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
	n, err := enabledcheck.Compare(m, m.Profile("ci"), check.ReachOptions{}, pkg)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("nothing compared")
	}
	// A planted difference: Overspend never enabled.
	broken := pkg
	broken.Enabled = func(s, in any) []string {
		out := EnabledTransitions(s.(State), in.(Input))
		if len(out) > 0 && out[0] == "Overspend" {
			return out[1:]
		}
		return out
	}
	if _, err := enabledcheck.Compare(m, m.Profile("ci"), check.ReachOptions{}, broken); err == nil {
		t.Error("a missing Overspend went unnoticed")
	}
}
