package statelessfsm

import "testing"

func TestGuardName(t *testing.T) {
	for in, want := range map[string]string{
		"authorityMatchesCurrent-fm": "authority_matches_current",
		"turnCallingLLM-fm":          "turn_calling_llm",
		"llmIdentityOK-fm":           "llm_identity_ok",
		"acceptLLMIdentity-fm":       "accept_llm_identity",
		"topologyIdle":               "topology_idle",
		"epoch2Valid-fm":             "epoch2_valid",
	} {
		if got := GuardName(in); got != want {
			t.Errorf("GuardName(%q) = %q, want %q", in, got, want)
		}
	}
}
