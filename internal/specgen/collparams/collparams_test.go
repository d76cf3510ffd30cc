package collparams

import (
	"encoding/json"
	"testing"
)

// set builds an OperationIDSet2.
func set(t *testing.T, ids ...OperationID) OperationIDSet2 {
	t.Helper()
	var s OperationIDSet2
	for _, id := range ids {
		var ok bool
		if s, ok = s.With(id); !ok {
			t.Fatalf("%v does not fit", ids)
		}
	}
	return s
}

// TestCollectionParamsAllocateNothing: a step whose input carries sets and
// maps (compared, quantified over, assigned, combined) allocates nothing.
func TestCollectionParamsAllocateNothing(t *testing.T) {
	ab := set(t, "a", "b")
	names, _ := ToolSet2{}.With(ToolSearch)
	auths, _ := ToolToWitnessMap2{}.With(ToolSearch, WitnessTrusted)
	inputs := []Input{
		RegisterPendingOps{BarrierOperationIDs: ab},
		OpsBarrierSatisfied{OperationIDs: ab},
		SyncVisibility{Revision: 1, DeferredNames: names, DeferredAuthorities: auths},
		Close{},
	}
	var last State
	allocs := testing.AllocsPerRun(100, func() {
		s := Initial()
		for _, in := range inputs {
			n, _, err := Step(s, in)
			if err != nil {
				t.Fatal(err)
			}
			s = n
		}
		last = s
	})
	if allocs != 0 {
		t.Errorf("%v allocations a run, want 0", allocs)
	}
	if last.Done != ab || last.Names != names || last.Auths != auths || last.Phase != PhaseClosed {
		t.Errorf("final state %+v", last)
	}
}

// TestCollectionParamJSON: an input's set and map arguments have the JSON
// form of collections, and DecodeInput validates them.
func TestCollectionParamJSON(t *testing.T) {
	names, _ := ToolSet2{}.With(ToolFetch)
	auths, _ := ToolToWitnessMap2{}.With(ToolFetch, WitnessSigned)
	in := SyncVisibility{Revision: 2, DeferredNames: names, DeferredAuthorities: auths}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"input":"SyncVisibility","args":{"revision":2,"deferred_names":["Fetch"],"deferred_authorities":{"Fetch":"Signed"}}}`
	if string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
	back, err := DecodeInput(b)
	if err != nil || back != in {
		t.Fatalf("round trip: %v, %+v", err, back)
	}
	for _, bad := range []string{
		`{"input":"RegisterPendingOps","args":{"barrier_operation_ids":["a","a"]}}`,
		`{"input":"RegisterPendingOps","args":{"barrier_operation_ids":["a","b","c"]}}`,
		`{"input":"SyncVisibility","args":{"revision":1,"deferred_names":["Pink"],"deferred_authorities":{}}}`,
		`{"input":"SyncVisibility","args":{"revision":1,"deferred_names":[],"deferred_authorities":{"Fetch":"Forged"}}}`,
		`{"input":"Count","args":{"seen":{"a":1,"b":2}}}`,
	} {
		if _, err := DecodeInput([]byte(bad)); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}
