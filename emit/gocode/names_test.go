package gocode

import "testing"

// TestGoNameInitialisms pins how spec names become Go names: words split at
// underscores and case changes, Go's initialisms in upper case.
func TestGoNameInitialisms(t *testing.T) {
	for in, want := range map[string]string{
		"SessionId":                     "SessionID",
		"session_id":                    "SessionID",
		"sessionId":                     "SessionID",
		"ReconfigureSessionLlmIdentity": "ReconfigureSessionLLMIdentity",
		"CallingLlm":                    "CallingLLM",
		"OperationIdSet":                "OperationIDSet",
		"barrier_operation_ids":         "BarrierOperationIDs",
		"HTTPServer":                    "HTTPServer",
		"http_server_url":               "HTTPServerURL",
		"Identity":                      "Identity",
		"tcp":                           "TCP",
		"v2_state":                      "V2State",
		"x":                             "X",
	} {
		if got := GoName(in); got != want {
			t.Errorf("GoName(%q) = %q, want %q", in, got, want)
		}
	}
}
