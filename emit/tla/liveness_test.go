package tla

import (
	"strings"
	"testing"

	"github.com/meerkat-go/dslmachine/model"
)

// TestLivenessEncoding: fairness becomes WF_vars/SF_vars of one action per
// declaration in FairSpec, properties become ~> and []<> formulas, and every
// configuration checks them under SPECIFICATION; a profile that leaves
// inputs out gets its own FairSpec over its own next-state relation,
// without the fairness of actions it never fires.
func TestLivenessEncoding(t *testing.T) {
	src := `machine: Grant
enums:
  Phase: [Idle, Requested, Granted]
fields:
  phase: {type: Phase, initial: Idle}
  n: {type: uint, max: 3, initial: 0}
phase: phase
inputs:
  Request: {k: uint}
  Give: {}
  Release: {}
transitions:
  - {name: Ask, on: Request, from: [Idle], to: Requested}
  - {name: Grant, on: Give, from: [Requested], to: Granted}
  - {name: Done, on: Release, from: [Granted], to: Idle}
fairness:
  weak: [Request, Done]
  strong: [Give]
liveness:
  granted:
    from: phase == Requested
    leads_to: phase == Granted
  idle_again:
    always_eventually: phase == Idle
profiles:
  ci: {}
  no_release:
    exclude: [Release]
    liveness: [granted]
  safety_only:
    liveness: []
`
	m, err := model.Parse("grant.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	g := generateMachine(t, m)
	for _, want := range []string{
		"Fair_Request ==\n    \\/ \\E arg_k \\in Dom_uint : Ask(arg_k)\n",
		"Fair_Done ==\n    \\/ Done\n",
		"Fair_Give ==\n    \\/ Grant_\n",
		"FairSpec ==\n    /\\ Init /\\ [][Next]_vars\n    /\\ WF_vars(Fair_Request)\n    /\\ WF_vars(Fair_Done)\n    /\\ SF_vars(Fair_Give)\n",
		"granted ==\n    (phase = \"Requested\") ~> (phase = \"Granted\")\n",
		"idle_again ==\n    []<>(phase = \"Idle\")\n",
		"FairSpec_no_release ==\n    /\\ Init /\\ [][Next_no_release]_vars\n    /\\ WF_vars(Fair_Request_no_release)\n    /\\ SF_vars(Fair_Give_no_release)\n",
	} {
		if !strings.Contains(g.module, want) {
			t.Errorf("module lacks:\n%s\n---\n%s", want, g.module)
		}
	}
	if strings.Contains(g.module, "Fair_Done_no_release ==") {
		t.Errorf("no_release defines the fairness of Done, which it never fires")
	}
	if !strings.Contains(g.cfgs["no_release"], "PROPERTIES\n    granted\n") || strings.Contains(g.cfgs["no_release"], "idle_again") {
		t.Errorf("no_release checks only granted:\n%s", g.cfgs["no_release"])
	}
	if strings.Contains(g.cfgs["safety_only"], "PROPERTIES") {
		t.Errorf("safety_only checks no property:\n%s", g.cfgs["safety_only"])
	}
	for name, spec := range map[string]string{"ci": "FairSpec"} {
		cfg := g.cfgs[name]
		for _, want := range []string{"SPECIFICATION " + spec + "\n", "PROPERTIES\n    granted\n    idle_again\n"} {
			if !strings.Contains(cfg, want) {
				t.Errorf("%s cfg lacks %q:\n%s", name, want, cfg)
			}
		}
		if strings.Contains(cfg, "INIT") || strings.Contains(cfg, "NEXT") {
			t.Errorf("%s cfg mixes INIT/NEXT with SPECIFICATION:\n%s", name, cfg)
		}
	}
}
